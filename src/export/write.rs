//! The ledger-jsonl writer: streams a journal to a `Write`, one entry in memory
//! at a time, and refuses a ledger whose seqs or links do not read back in order
//! (the output then has no final line, so `import` refuses it).

use std::io::{self, BufWriter, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{entry_json, EXPORT_VERSION, FORMAT_NAME};
use crate::entry::Seq;
use crate::hash::Id;
use crate::journal::{Journal, ReadError, Record};
use crate::merkle::Hash;
use crate::progress::Progress;

/// What an export wrote.
#[derive(Clone, Debug)]
pub struct ExportSummary {
    /// The ledger's origin.
    pub origin: String,
    /// The number of entries written.
    pub size: u64,
    /// The Merkle root of those entries.
    pub root: Hash,
    /// The last entry's id (the genesis value when empty).
    pub head: Id,
}

/// Why an export failed. What was written so far is incomplete: it has no final
/// line, so `import` refuses it.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the ledger failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Write(#[from] io::Error),
    /// A fact could not be turned into JSON.
    #[error("cannot write the entry at seq {seq} as JSON: {source}")]
    Json {
        /// The entry.
        seq: Seq,
        /// Why.
        source: serde_json::Error,
    },
    /// The stored entries do not read back as a chain.
    #[error("the ledger is damaged at seq {seq}: {what}; run `sitrep audit`")]
    Damaged {
        /// Where the chain breaks.
        seq: u64,
        /// What is wrong.
        what: String,
    },
}

/// Writes every entry of `journal` to `out` in the ledger-jsonl format, reading
/// one entry at a time.
pub fn write_ledger_jsonl(
    journal: &Journal,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    write_ledger_jsonl_with(journal, out, &Progress::new())
}

/// [`write_ledger_jsonl`], counting the entries written in `progress`.
pub fn write_ledger_jsonl_with(
    journal: &Journal,
    out: &mut dyn Write,
    progress: &Progress,
) -> Result<ExportSummary, ExportError> {
    let mut out = BufWriter::new(out);
    let genesis = journal.genesis();
    write_line(
        &mut out,
        &json!({
            "sitrep": FORMAT_NAME,
            "version": EXPORT_VERSION,
            "origin": journal.origin(),
            "genesis": genesis,
        }),
    )?;
    let mut next = 0u64;
    let mut last = genesis;
    let mut failure = None;
    journal.scan(
        Seq::new(0),
        &mut |record| match write_entry_line(&mut out, &record, next, last) {
            Ok(()) => {
                next += 1;
                last = record.id;
                progress.advance(1);
                true
            }
            Err(e) => {
                failure = Some(e);
                false
            }
        },
    )?;
    if let Some(e) = failure {
        return Err(e);
    }
    let head = journal.head();
    if next != head.size || last != head.last_id {
        return Err(ExportError::Damaged {
            seq: next,
            what: format!(
                "the head records {} entries ending at {}, but {next} entries ending at {} read back",
                head.size,
                head.last_id,
                last
            ),
        });
    }
    let root = journal.root()?;
    write_line(
        &mut out,
        &json!({"size": next, "root": Id::from_bytes(root), "head": last}),
    )?;
    out.flush()?;
    Ok(ExportSummary {
        origin: journal.origin().to_owned(),
        size: next,
        root,
        head: last,
    })
}

fn write_entry_line(
    out: &mut dyn Write,
    record: &Record,
    expected: u64,
    prev: Id,
) -> Result<(), ExportError> {
    let entry = &record.entry;
    if entry.seq.get() != expected {
        return Err(ExportError::Damaged {
            seq: expected,
            what: format!("the entry read there has seq {}", entry.seq),
        });
    }
    if entry.prev != prev {
        return Err(ExportError::Damaged {
            seq: expected,
            what: format!(
                "its prev is {} but the entry before it has id {}",
                entry.prev, prev
            ),
        });
    }
    let decoded = entry_json(entry).map_err(|source| ExportError::Json {
        seq: entry.seq,
        source,
    })?;
    write_line(
        out,
        &json!({
            "seq": expected,
            "id": record.id,
            "prev": entry.prev,
            "bytes": STANDARD.encode(&record.bytes),
            "entry": decoded,
        }),
    )?;
    Ok(())
}

fn write_line(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}
