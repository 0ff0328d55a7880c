//! Figure 10: wall times of the `sitrep` binary as a user runs it, whole process
//! from spawn to exit, on the ledger of N facts: `append` of one small report,
//! `project tallies` (asked again at the same head, when it reads back its last
//! output, and right after an append, when it must catch up and recompute) and
//! `audit`, each the median of several runs after one untimed warm-up run, beside `sitrep --version` (the cost of starting the
//! process at all). The binary is the one next to this benchmark's executable;
//! every run is supervised (`child::Limits`), and a run that fails or is stopped
//! makes the row say so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::child::{supervise, Limits};
use crate::row::{Goal, Row, Unit};
use crate::stats::{median, ms};
use crate::workload::write_report;

/// `append` goal at 1M facts, ms.
const APPEND_GOAL_MS: f64 = 100.0;
/// `project tallies` goal at 1M facts, ms.
const TALLIES_GOAL_MS: f64 = 150.0;

/// The `sitrep` executable beside this one.
pub fn sitrep_exe() -> Result<PathBuf, String> {
    let own = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let exe = own.with_file_name(format!("sitrep{}", std::env::consts::EXE_SUFFIX));
    if exe.is_file() {
        Ok(exe)
    } else {
        Err(format!(
            "`{}` is missing: build it with `cargo build --release` (one package, both binaries)",
            exe.display()
        ))
    }
}

/// One run: spawn, wait (under `limits`), check the exit status.
fn run_once(exe: &Path, args: &[&std::ffi::OsStr], limits: Limits) -> Result<Duration, String> {
    let mut command = Command::new(exe);
    command.args(args);
    let finished = supervise(&mut command, limits, Duration::from_millis(1))?;
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    match finished.failure(&format!("`sitrep {shown}`")) {
        None => Ok(finished.elapsed),
        Some(why) => Err(why),
    }
}

/// A warm-up run, then the median of `runs` timed runs; `args(i)` gives the
/// arguments of run `i` (0 is the warm-up).
fn median_run(
    exe: &Path,
    runs: usize,
    limits: Limits,
    args: &mut dyn FnMut(usize) -> Result<Vec<std::ffi::OsString>, String>,
) -> Result<f64, String> {
    let mut samples = Vec::with_capacity(runs);
    for i in 0..=runs {
        let owned = args(i)?;
        let borrowed: Vec<&std::ffi::OsStr> = owned.iter().map(|a| a.as_os_str()).collect();
        let elapsed = run_once(exe, &borrowed, limits)?;
        if i > 0 {
            samples.push(elapsed);
        }
    }
    median(&samples).map(ms).ok_or_else(|| "no runs".to_owned())
}

/// Times the commands on the (closed) ledger in `ledger`; report files go in
/// `scratch`.
pub fn rows(ledger: &Path, scratch: &Path, n: u64, runs: usize, limits: Limits) -> Vec<Row> {
    let exe = sitrep_exe();
    let time = |f: &mut dyn FnMut(&Path) -> Result<f64, String>| match &exe {
        Ok(exe) => f(exe),
        Err(why) => Err(why.clone()),
    };
    let version =
        time(&mut |exe| median_run(exe, runs, limits, &mut |_| Ok(vec!["--version".into()])));
    let with_ledger = |rest: &[&str]| {
        let mut args: Vec<std::ffi::OsString> = vec!["--ledger".into(), ledger.into()];
        args.extend(rest.iter().map(|a| (*a).into()));
        args
    };
    // `sitrep append` of a fresh small report file, named by `tag`.
    let append_args = |tag: String| -> Result<Vec<std::ffi::OsString>, String> {
        let file = scratch.join(format!("report-{tag}.jsonl"));
        write_report(&file, &tag).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        let mut args = with_ledger(&["append", "--recorded-by", "bench"]);
        args.push(file.into());
        Ok(args)
    };
    let append =
        time(&mut |exe| median_run(exe, runs, limits, &mut |i| append_args(format!("cli{i}"))));
    let tallies = time(&mut |exe| {
        median_run(exe, runs, limits, &mut |_| {
            Ok(with_ledger(&["project", "tallies"]))
        })
    });
    // Each timed `project` follows an untimed `append`.
    let after_append = time(&mut |exe| {
        median_run(exe, runs, limits, &mut |i| {
            let append = append_args(format!("next{i}"))?;
            let borrowed: Vec<&std::ffi::OsStr> = append.iter().map(|a| a.as_os_str()).collect();
            run_once(exe, &borrowed, limits)?;
            Ok(with_ledger(&["project", "tallies"]))
        })
    });
    // Cuts spread over the ledger as it was imported (the history the
    // in-process figure 6 built covers them).
    let as_of = time(&mut |exe| {
        median_run(exe, runs, limits, &mut |i| {
            let seq = (n.saturating_sub(1) * (i as u64 + 1) / (runs as u64 + 2)).to_string();
            Ok(with_ledger(&["project", "tallies", "--as-of-seq", &seq]))
        })
    });
    let audit =
        time(&mut |exe| median_run(exe, runs, limits, &mut |_| Ok(with_ledger(&["audit"]))));
    let start = "`sitrep --version` (process start)";
    let row = |figure: &str, value: Result<f64, String>, goal: Goal| {
        Row::new(figure, n, Unit::Ms, value, start, version.clone(), goal)
    };
    vec![
        row(
            "10a CLI `append` of one report (source + incident), median",
            append,
            Goal::AtMost(APPEND_GOAL_MS),
        ),
        row(
            "10b CLI `project tallies` asked again at the same head, median",
            tallies,
            Goal::AtMost(TALLIES_GOAL_MS),
        ),
        row(
            "10c CLI `project tallies` right after an `append`, median",
            after_append,
            Goal::AtMost(TALLIES_GOAL_MS),
        ),
        row("10d CLI `audit`, median", audit, Goal::None),
        row(
            "10e CLI `project tallies --as-of-seq` at seqs spread over the ledger, median",
            as_of,
            Goal::None,
        ),
    ]
}
