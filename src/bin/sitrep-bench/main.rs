//! `sitrep-bench`: one command that prints the whole performance table of issue 6.
//!
//! `cargo run --release --bin sitrep-bench -- --facts 1000000` (or `--quick`, or
//! `--scaling`) builds a ledger of N synthetic facts, a raw sled database of the
//! same entry bytes and a SQLite peer of the same facts, measures every figure
//! against its baseline in the same run, and prints one table per size with each
//! goal and whether it was met. Nothing in the table is carried over from
//! elsewhere. Work files live in a fresh directory that is removed at the end.
//!
//! Modules, one job each: `args` (flags → plan), `workload` (the corpus, entry
//! bytes, extra facts), `ledger` (sitrep's side), `raw_sled` (raw baselines),
//! `sqlite_peer` (the peer), `proofs` (figure 7), `disk`, `child` (jobs in child
//! processes, their peak memory, limits on every child), `cli_timing` (figure
//! 10), `figures` (one size, in order), `row`, `stats`, `table` and `report`
//! (turning numbers into text).

mod args;
mod child;
mod cli_timing;
mod disk;
mod figures;
mod ledger;
mod proofs;
mod raw_sled;
mod report;
mod row;
mod sqlite_peer;
mod stats;
mod table;
mod workload;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;

use args::{Plan, Request};
use report::Machine;
use row::Row;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let request = match args::parse(&argv) {
        Ok(request) => request,
        Err(e) => match e.downcast::<clap::Error>() {
            // --help and --version print and exit 0; usage errors exit 2.
            Ok(clap_error) => clap_error.exit(),
            Err(e) => {
                eprintln!("sitrep-bench: {e:#}");
                return ExitCode::from(2);
            }
        },
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = match request {
        Request::Child(args) => child::main(&args, &mut out),
        Request::Bench(plan) => bench(&plan, &argv, &mut out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sitrep-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The work directory, removed when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn create(parent: Option<&Path>) -> anyhow::Result<WorkDir> {
        let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = parent.join(format!("sitrep-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the work directory {}", dir.display()))?;
        Ok(WorkDir(dir))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            eprintln!("sitrep-bench: could not remove {}: {e}", self.0.display());
        }
    }
}

fn bench(plan: &Plan, argv: &[String], out: &mut dyn Write) -> anyhow::Result<()> {
    let started = Instant::now();
    let machine = Machine::probe(argv);
    let work = WorkDir::create(plan.dir.as_deref())?;
    if plan.json {
        writeln!(out, "{}", machine.to_json(plan))?;
    } else {
        writeln!(out, "{}", machine.text(plan))?;
    }
    out.flush()?;
    let mut runs: Vec<(u64, Vec<Row>)> = Vec::new();
    for &n in &plan.sizes {
        let size_started = Instant::now();
        let mut progress = |what: &str| {
            eprintln!(
                "sitrep-bench: N = {}: {what} ({:.1} s)",
                table::thousands(n),
                size_started.elapsed().as_secs_f64()
            );
        };
        let figures::Measured { rows, details } = figures::measure(n, plan, &work.0, &mut progress)
            .with_context(|| format!("measuring at N = {n}"))?;
        if plan.json {
            for row in &rows {
                writeln!(out, "{}", row.to_json())?;
            }
            for line in &details {
                writeln!(out, "{}", serde_json::json!({ "n": n, "detail": line }))?;
            }
        } else {
            writeln!(out, "## N = {} facts\n", table::thousands(n))?;
            write!(out, "{}", table::size_table(&rows))?;
            for line in &details {
                writeln!(out, "\n{line}")?;
            }
            if runs.is_empty() {
                writeln!(out, "\n{}", report::NOTES)?;
            } else {
                writeln!(out)?;
            }
        }
        out.flush()?;
        runs.push((n, rows));
    }
    let wall = started.elapsed().as_secs_f64();
    if plan.json {
        let unmet: Vec<_> = runs
            .iter()
            .flat_map(|(_, rows)| rows)
            .filter(|r| r.met() == Some(false))
            .map(|r| serde_json::json!({ "figure": r.figure, "n": r.n }))
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({ "goals_not_met": unmet, "wall_secs": wall })
        )?;
    } else {
        if plan.scaling {
            writeln!(out, "## Scaling\n")?;
            writeln!(out, "{}", table::scaling_summary(&runs))?;
        }
        write!(out, "{}", report::footer(&runs, wall))?;
    }
    out.flush()?;
    Ok(())
}
