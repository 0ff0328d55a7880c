//! `sitrep replay [--check]`: rebuild every projection from the log; with
//! `--check`, compare each rebuilt digest with the incremental one and exit 1 on
//! any difference.

use std::io::Write;

use clap::Args as ClapArgs;
use serde_json::json;
use sitrep::progress::Progress;
use sitrep::projection::replay;

use super::context::Context;
use super::progress;
use super::render::table;
use super::Outcome;

/// Rebuild every projection from scratch. With --check, compare each rebuilt
/// digest with the incremental state (snapshot + catch-up) and exit 1 if any
/// differs, leaving the snapshot as it was.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Compare instead of replacing the snapshot.
    #[arg(long)]
    check: bool,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let journal = ctx.open()?;
    let progress = Progress::new();
    let report = {
        let _bar = progress::show("replay", journal.head().size, &progress);
        replay::replay_with(&journal, !args.check, &progress)?
    };
    for note in &report.notes {
        eprintln!("sitrep: note: {note}");
    }
    let differing = report.differing();
    if ctx.json {
        let value = json!({
            "entries": report.entries,
            "check": args.check,
            "projections": report.comparisons.iter().map(|c| json!({
                "name": c.name,
                "incremental": c.incremental.to_hex(),
                "rebuilt": c.rebuilt.to_hex(),
                "same": c.same(),
            })).collect::<Vec<_>>(),
            "differing": differing,
        });
        writeln!(out, "{value}")?;
    } else {
        writeln!(
            out,
            "replayed {} entries into {} projections",
            report.entries,
            report.comparisons.len()
        )?;
        let mut rows = vec![vec![
            "PROJECTION".to_owned(),
            "INCREMENTAL".to_owned(),
            "REBUILT".to_owned(),
            "".to_owned(),
        ]];
        for c in &report.comparisons {
            rows.push(vec![
                c.name.to_owned(),
                c.incremental.to_hex()[..16].to_owned(),
                c.rebuilt.to_hex()[..16].to_owned(),
                if c.same() { "same" } else { "DIFFERENT" }.to_owned(),
            ]);
        }
        table(out, &rows)?;
        if differing.is_empty() {
            writeln!(out, "incremental state equals a full rebuild")?;
        } else if args.check {
            writeln!(
                out,
                "replay --check: {} differ from a full rebuild: {}",
                differing.len(),
                differing.join(", ")
            )?;
        } else {
            writeln!(
                out,
                "the snapshot differed from a full rebuild ({}); it has been replaced",
                differing.join(", ")
            )?;
        }
    }
    Ok(if args.check && !differing.is_empty() {
        Outcome::Problem
    } else {
        Outcome::Success
    })
}
