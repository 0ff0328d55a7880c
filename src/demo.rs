//! The demo ledger: the seed corpus of `fixtures/seeds/`, embedded at build time,
//! appended file by file, and summarised.
//!
//! Each file is one batch, recorded by "sitrep demo" at a fixed instant (one hour
//! apart per file), so the demo's ids and head are the same on every machine and
//! a second run over the same ledger is a no-op ("already recorded").

use std::collections::BTreeMap;

use crate::fact::{FactBody, FactKind};
use crate::input::{self, InputError};
use crate::journal::{AppendError, AppendOptions, FactOutcome, Head, Journal, ReadError};
use crate::projection::history::{self, History, HistoryError};
use crate::time::{FixedClock, Timestamp};

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

/// The origin string of demo ledgers.
pub const DEMO_ORIGIN: &str = "sitrep.demo/seed-corpus";
/// Who the demo records as.
pub const DEMO_RECORDER: &str = "sitrep demo";
/// When the demo records its first file: 2026-01-01T00:00:00Z.
pub const DEMO_EPOCH_MICROS: i64 = 1_767_225_600_000_000;

/// What happened to one fixture file.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The file name.
    pub name: String,
    /// Facts newly recorded.
    pub recorded: usize,
    /// Facts that were already in the ledger.
    pub already: usize,
}

/// The demo's summary.
#[derive(Debug)]
pub struct DemoReport {
    /// Per fixture file.
    pub files: Vec<FileReport>,
    /// Facts per kind, over the whole ledger.
    pub per_kind: BTreeMap<FactKind, u64>,
    /// Facts per source key: (source key, publisher, count).
    pub per_source: Vec<(String, String, u64)>,
    /// The head after loading.
    pub head: Head,
    /// The history of every statement that has been denied.
    pub denied_statements: Vec<History>,
}

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A fixture does not parse (a build with broken fixtures).
    #[error("fixture {0}")]
    Input(#[from] InputError),
    /// A fixture was refused.
    #[error("fixture {file}: {error}")]
    Append {
        /// The fixture file.
        file: String,
        /// Why.
        error: AppendError,
    },
    /// Reading back failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The history of a denied statement could not be built.
    #[error(transparent)]
    History(#[from] HistoryError),
}

/// Appends every fixture file to `journal` (one batch each) and summarises.
pub fn build(journal: &mut Journal) -> Result<DemoReport, DemoError> {
    let mut files = Vec::new();
    for (i, (name, text)) in FIXTURES.iter().enumerate() {
        let facts = input::parse(name, text.as_bytes())?;
        let clock = FixedClock(Timestamp::from_micros(
            DEMO_EPOCH_MICROS + i as i64 * 3_600_000_000,
        ));
        let options = AppendOptions {
            recorded_by: DEMO_RECORDER.to_owned(),
            durable: i + 1 == FIXTURES.len(),
            dry_run: false,
        };
        let report = journal
            .append(
                facts.into_iter().map(|l| l.fact).collect(),
                &clock,
                &options,
            )
            .map_err(|error| DemoError::Append {
                file: (*name).to_owned(),
                error,
            })?;
        let recorded = report
            .outcomes
            .iter()
            .filter(|o| matches!(o, FactOutcome::Recorded { .. }))
            .count();
        files.push(FileReport {
            name: (*name).to_owned(),
            recorded,
            already: report.outcomes.len() - recorded,
        });
    }
    journal.flush()?;
    summarize(journal, files)
}

fn summarize(journal: &Journal, files: Vec<FileReport>) -> Result<DemoReport, DemoError> {
    let mut per_kind = BTreeMap::new();
    let mut per_source: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut denied = Vec::new();
    let mut statements = Vec::new();
    journal.scan(crate::entry::Seq::new(0), &mut |record| {
        let fact = &record.entry.fact;
        *per_kind.entry(fact.kind()).or_insert(0) += 1;
        match &fact.body {
            FactBody::Source(s) => {
                per_source.insert(fact.key.to_string(), (s.publisher.to_string(), 1));
            }
            body => {
                if let Some(slot) = body.source_key().and_then(|k| per_source.get_mut(k)) {
                    slot.1 += 1;
                }
            }
        }
        if let FactBody::Statement(_) = &fact.body {
            statements.push(fact.key.clone());
        }
        if let FactBody::Denial(d) = &fact.body {
            if statements.contains(&d.target) && !denied.contains(&d.target) {
                denied.push(d.target.clone());
            }
        }
        true
    })?;
    let denied_statements = denied
        .iter()
        .map(|key| history::history(journal, key))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DemoReport {
        files,
        per_kind,
        per_source: per_source
            .into_iter()
            .map(|(key, (publisher, n))| (key, publisher, n))
            .collect(),
        head: journal.head(),
        denied_statements,
    })
}
