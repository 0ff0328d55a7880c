//! `sitrep append`: validate report files and record their facts as one batch.
//!
//! Report files are streamed through a buffered reader, never read whole: the
//! limits of `input::Limits` (line, document, fact, batch) bound what one
//! command holds in memory, and one `input::Budget` spans all its files.

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::Args as ClapArgs;
use serde_json::json;
use sitrep::input::{self, Budget, Located};
use sitrep::journal::{AppendError, AppendOptions, FactOutcome};

use super::context::{recorded_by, Context};
use super::Outcome;

/// Record the facts in report files (JSON or JSON Lines; `-` reads standard input).
/// All files given to one command are one atomic batch: if any fact is refused,
/// nothing is written.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Report files, in order; `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Validate everything and show what would be recorded; write nothing.
    #[arg(long)]
    dry_run: bool,

    /// Who is recording [default: $SITREP_RECORDED_BY, else $USER].
    #[arg(long, value_name = "NAME")]
    recorded_by: Option<String>,

    /// Do not wait for the disk before reporting success (faster bulk loads; a
    /// crash may lose the batch, never half of it).
    #[arg(long)]
    no_sync: bool,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    // Open first: a ledger that cannot be opened is reported before any input is
    // read, and while the ledger is open no other process can write to it.
    let mut journal = ctx.open()?;
    let clock = ctx.clock()?;
    let mut batch: Vec<Located> = Vec::new();
    let mut budget = Budget::default();
    for file in &args.files {
        batch.extend(read_file(file, &mut budget)?);
    }
    let options = AppendOptions {
        recorded_by: recorded_by(args.recorded_by),
        durable: !args.no_sync,
        dry_run: args.dry_run,
    };
    let origins: Vec<_> = batch.iter().map(|l| l.origin.clone()).collect();
    let keys: Vec<_> = batch
        .iter()
        .map(|l| (l.fact.key.clone(), l.fact.kind()))
        .collect();
    let facts = batch.into_iter().map(|l| l.fact).collect();
    let report = match journal.append(facts, clock.as_ref(), &options) {
        Ok(report) => report,
        Err(AppendError::Invalid { index, problem }) => {
            let (key, kind) = &keys[index];
            bail!(
                "{}: fact `{key}` ({kind}): {problem}; nothing was written",
                origins[index]
            );
        }
        Err(other) => return Err(other).context("append failed; nothing was written"),
    };
    if report.committed {
        catch_up_projections(&journal);
    }
    let mut recorded = 0;
    for (outcome, (key, _)) in report.outcomes.iter().zip(&keys) {
        match outcome {
            FactOutcome::Recorded { kind, seq, id } => {
                recorded += 1;
                if ctx.json {
                    let line = json!({"key": key, "kind": kind.name(), "outcome": if args.dry_run {"would_record"} else {"recorded"}, "seq": seq.get(), "id": id});
                    writeln!(out, "{line}")?;
                }
            }
            FactOutcome::AlreadyRecorded { seq } => {
                if ctx.json {
                    let line = json!({"key": key, "outcome": "already_recorded", "seq": seq.get()});
                    writeln!(out, "{line}")?;
                } else {
                    writeln!(out, "`{key}` already recorded at seq {seq}")?;
                }
            }
        }
    }
    if !ctx.json {
        let already = report.outcomes.len() - recorded;
        let verb = if args.dry_run {
            "would record"
        } else {
            "recorded"
        };
        writeln!(
            out,
            "{verb} {recorded} fact(s), {already} already recorded; head: {} entries, {}",
            if args.dry_run {
                report.head.size + recorded as u64
            } else {
                report.head.size
            },
            if args.dry_run {
                "(dry run: nothing written)".to_owned()
            } else {
                report.head.last_id.to_string()
            }
        )?;
    }
    Ok(Outcome::Success)
}

/// Rewrites the projection snapshot once the log has run
/// `engine::REFRESH_LAG` entries past it (until then the next `project` folds
/// the few newer entries from the log), and brings the materialised incident
/// table up to date. The facts are already committed: a failure here is
/// reported, not fatal, and the next command catches up instead.
fn catch_up_projections(journal: &sitrep::journal::Journal) {
    let notes = sitrep::projection::engine::refresh(journal)
        .map(|current| current.map(|c| c.notes))
        .and_then(|notes| {
            // The materialised incident table follows every append, touching
            // only the incidents the new facts reach.
            let table = sitrep::projection::materialised::follow(journal)?;
            Ok(notes.into_iter().chain(table.map(|t| t.notes)).flatten())
        });
    match notes {
        Ok(notes) => {
            for note in notes {
                eprintln!("sitrep: note: {note}");
            }
        }
        Err(e) => eprintln!("sitrep: note: projections not caught up ({e}); the next command will"),
    }
}

fn read_file(path: &PathBuf, budget: &mut Budget) -> anyhow::Result<Vec<Located>> {
    let name = path.display().to_string();
    if name == "-" {
        return Ok(input::read(&name, &mut io::stdin().lock(), budget)?);
    }
    if path.is_dir() {
        bail!("{name}: is a directory, not a report file");
    }
    let file = File::open(path).with_context(|| format!("cannot read {name}"))?;
    Ok(input::read(&name, &mut BufReader::new(file), budget)?)
}
