//! Jobs run in a process of their own, and the supervision of every process the
//! benchmark starts.
//!
//! The benchmark re-runs its own executable with the hidden `child` subcommand:
//! the child does one job (import, replay, or only stream the corpus), prints the
//! time of each part as it finishes (`part <name> <nanos>`) with its resident
//! memory then and its peak so far (`memory <name> <rss_kib> <hwm_kib>`), then
//! its peak resident memory read from `VmHWM` in `/proc/self/status`
//! (`vmhwm_kib <n>`).
//! A fresh process counts nothing the parent holds, and the replay needs one
//! anyway: sled's file lock keeps a second opener out of a ledger.
//!
//! Every child — these jobs and the `sitrep` commands of figure 10 — runs under
//! [`Limits`]: stopped (by its own handle) when it outlives its time or its
//! resident memory passes a cap, so a slow or swelling build cannot take the
//! shared machine down with it. What a stopped child printed so far is kept, so
//! the table can say how far it got.

use std::io::{Read as _, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use sitrep::journal::Journal;

use crate::args::{ChildArgs, Job};
use crate::ledger;
use crate::workload::chunks;

/// When to stop a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall time.
    pub time: Duration,
    /// Resident memory, MiB.
    pub memory_mib: u64,
}

/// How a supervised child ended.
#[derive(Debug)]
pub struct Finished {
    /// From spawn to exit (polled: within a poll interval of the true exit).
    pub elapsed: Duration,
    /// Its exit status (`None` when it was stopped).
    pub status: Option<ExitStatus>,
    /// Why it was stopped, if it was.
    pub stopped: Option<String>,
    /// Everything it printed.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
}

impl Finished {
    /// A one-line reason when the child did not succeed.
    pub fn failure(&self, what: &str) -> Option<String> {
        if let Some(why) = &self.stopped {
            return Some(format!("{what} was stopped: {why}"));
        }
        match self.status {
            Some(status) if status.success() => None,
            Some(status) => Some(format!(
                "{what} failed ({status}): {}",
                self.stderr.lines().last().unwrap_or("no message")
            )),
            None => Some(format!("{what} ended without a status")),
        }
    }
}

/// The resident memory of process `pid`, in KiB (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_kib(&status, "VmRSS:")
}

/// Spawns `command` with piped output and waits for it under `limits`, polling
/// every 0.1 ms for the first 20 ms and every `poll` after. Output is drained by
/// threads, so a chatty child never blocks.
pub fn supervise(
    command: &mut Command,
    limits: Limits,
    poll: Duration,
) -> Result<Finished, String> {
    let started = Instant::now();
    let mut child: Child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let mut stopped = None;
    let mut last_memory_check = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(e) => return Err(format!("cannot wait for a child: {e}")),
        }
        let elapsed = started.elapsed();
        if elapsed > limits.time {
            stopped = Some(format!(
                "still running after {:.0} s",
                limits.time.as_secs_f64()
            ));
        } else if last_memory_check.elapsed() >= Duration::from_millis(50) {
            last_memory_check = Instant::now();
            if let Some(kib) = rss_kib(child.id()) {
                if kib / 1024 > limits.memory_mib {
                    stopped = Some(format!(
                        "over {} MiB resident after {:.1} s",
                        limits.memory_mib,
                        elapsed.as_secs_f64()
                    ));
                }
            }
        }
        if stopped.is_some() {
            // Our own child, by its handle.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        // Fine-grained at first, so that a short run (`sitrep --version`) is
        // timed to a fraction of a millisecond; `poll` after that.
        let fine = Duration::from_micros(100);
        std::thread::sleep(if elapsed < Duration::from_millis(20) {
            fine.min(poll)
        } else {
            poll
        });
    };
    let elapsed = started.elapsed();
    Ok(Finished {
        elapsed,
        status,
        stopped,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// A child's resident memory when a part finished, and its peak until then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartMemory {
    /// `VmRSS`, KiB.
    pub resident_kib: u64,
    /// `VmHWM`, KiB.
    pub peak_kib: u64,
}

/// What a job child reported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Entries it worked on.
    pub entries: Option<u64>,
    /// Each part's time, in the order they finished.
    pub parts: Vec<(String, Duration)>,
    /// Each view's own time in a replay (the views run side by side).
    pub views: Vec<(String, Duration)>,
    /// After each part: its resident memory and its peak so far, KiB.
    pub memory: Vec<(String, PartMemory)>,
    /// Its peak resident memory, KiB.
    pub peak_kib: Option<u64>,
}

impl Report {
    /// Reads the lines a child prints.
    pub fn parse(stdout: &str) -> Report {
        let mut report = Report::default();
        for line in stdout.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["entries", n] => report.entries = n.parse().ok(),
                ["part", name, nanos] => {
                    if let Ok(nanos) = nanos.parse() {
                        report
                            .parts
                            .push(((*name).to_owned(), Duration::from_nanos(nanos)));
                    }
                }
                ["view", name, nanos] => {
                    if let Ok(nanos) = nanos.parse() {
                        report
                            .views
                            .push(((*name).to_owned(), Duration::from_nanos(nanos)));
                    }
                }
                ["memory", name, resident, peak] => {
                    if let (Ok(resident_kib), Ok(peak_kib)) = (resident.parse(), peak.parse()) {
                        let memory = PartMemory {
                            resident_kib,
                            peak_kib,
                        };
                        report.memory.push(((*name).to_owned(), memory));
                    }
                }
                ["vmhwm_kib", n] => report.peak_kib = n.parse().ok(),
                _ => {}
            }
        }
        report
    }

    /// The time of the part called `name`.
    pub fn part(&self, name: &str) -> Option<Duration> {
        self.parts.iter().find(|(n, _)| n == name).map(|(_, d)| *d)
    }
}

/// A job child's outcome: its report (possibly partial) and, if it did not
/// finish, why.
pub struct Outcome {
    /// What it printed.
    pub report: Report,
    /// Why it did not succeed.
    pub failure: Option<String>,
}

/// Runs `job` in a child under `limits`.
pub fn run(job: Job, ledger: Option<&Path>, facts: u64, seed: u64, limits: Limits) -> Outcome {
    let name = job_name(job);
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            return Outcome {
                report: Report::default(),
                failure: Some(format!("cannot find own executable: {e}")),
            }
        }
    };
    let mut command = Command::new(exe);
    command
        .args(["child", name, "--facts"])
        .arg(facts.to_string())
        .arg("--seed")
        .arg(seed.to_string());
    if let Some(dir) = ledger {
        command.arg("--ledger").arg(dir);
    }
    match supervise(&mut command, limits, Duration::from_millis(20)) {
        Ok(finished) => Outcome {
            report: Report::parse(&finished.stdout),
            failure: finished.failure(&format!("the {name} child")),
        },
        Err(why) => Outcome {
            report: Report::default(),
            failure: Some(why),
        },
    }
}

fn job_name(job: Job) -> &'static str {
    match job {
        Job::Import => "import",
        Job::Replay => "replay",
        Job::Stream => "stream",
    }
}

/// The child's side: does the job, printing each part as it finishes, then the
/// peak resident memory.
pub fn main(args: &ChildArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let ledger_dir = || {
        args.ledger
            .as_deref()
            .context("the child needs --ledger DIR")
    };
    match args.job {
        Job::Import => {
            let (journal, elapsed) = ledger::import(ledger_dir()?, args.seed, args.facts)?;
            writeln!(out, "entries {}", journal.head().size)?;
            part(out, "import", elapsed)?;
        }
        Job::Replay => {
            let journal = Journal::open(ledger_dir()?).context("opening the ledger")?;
            writeln!(out, "entries {}", journal.head().size)?;
            let (_, views) = ledger::replay_reporting(&journal, &mut |name, d| part(out, name, d))?;
            for (name, d) in views {
                writeln!(out, "view {name} {}", d.as_nanos())?;
            }
        }
        Job::Stream => {
            let started = Instant::now();
            let mut count = 0u64;
            for chunk in chunks(args.seed, args.facts) {
                count += std::hint::black_box(chunk).len() as u64;
            }
            if count != args.facts {
                bail!("the corpus yielded {count} facts, not {}", args.facts);
            }
            writeln!(out, "entries {count}")?;
            part(out, "stream", started.elapsed())?;
        }
    }
    let [kib] = own_status_kib(["VmHWM:"])?;
    writeln!(out, "vmhwm_kib {kib}")?;
    Ok(())
}

/// Prints one finished part at once, with the memory held then, so that a
/// stopped child still tells how far it got.
fn part(out: &mut dyn Write, name: &str, d: Duration) -> anyhow::Result<()> {
    writeln!(out, "part {name} {}", d.as_nanos())?;
    let [resident, peak] = own_status_kib(["VmRSS:", "VmHWM:"])?;
    writeln!(out, "memory {name} {resident} {peak}")?;
    out.flush()?;
    Ok(())
}

/// `kB` fields of this process's `/proc/self/status` (Linux), read once.
fn own_status_kib<const N: usize>(fields: [&str; N]) -> anyhow::Result<[u64; N]> {
    let status = std::fs::read_to_string("/proc/self/status")
        .context("reading /proc/self/status (memory is read from Linux's VmRSS and VmHWM)")?;
    let mut kib = [0; N];
    for (value, field) in kib.iter_mut().zip(fields) {
        *value = status_kib(&status, field)
            .with_context(|| format!("no {field} line in /proc/self/status"))?;
    }
    Ok(kib)
}

/// A `kB` field of a `/proc/<pid>/status` text ("VmHWM:", "VmRSS:").
pub fn status_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    let mut words = line[field.len()..].split_whitespace();
    let n = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_read_in_kib() {
        let status =
            "Name:\tsitrep-bench\nVmPeak:\t  900 kB\nVmHWM:\t   123456 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(status_kib(status, "VmHWM:"), Some(123_456));
        assert_eq!(status_kib(status, "VmRSS:"), Some(1));
        assert_eq!(status_kib("VmRSS: 1 kB\n", "VmHWM:"), None);
        assert_eq!(status_kib("VmHWM: lots kB\n", "VmHWM:"), None);
        assert_eq!(status_kib("VmHWM: 12 MB\n", "VmHWM:"), None);
    }

    #[test]
    fn a_report_is_read_even_when_cut_short() {
        let report = Report::parse(
            "entries 20000\npart rebuild 1500000\nmemory rebuild 900 1200\npart incidents 2000\nmemory incidents x 1\nview counts 7\nnoise\n",
        );
        assert_eq!(report.entries, Some(20_000));
        assert_eq!(report.part("rebuild"), Some(Duration::from_micros(1_500)));
        assert_eq!(report.parts.len(), 2);
        assert_eq!(
            report.views,
            vec![("counts".to_owned(), Duration::from_nanos(7))]
        );
        let rebuilt = PartMemory {
            resident_kib: 900,
            peak_kib: 1200,
        };
        assert_eq!(report.memory, vec![("rebuild".to_owned(), rebuilt)]);
        assert_eq!(report.peak_kib, None);
        let done = Report::parse("vmhwm_kib 2048\n");
        assert_eq!(done.peak_kib, Some(2048));
    }

    #[test]
    fn a_child_that_overstays_is_stopped() {
        let limits = Limits {
            time: Duration::from_millis(200),
            memory_mib: 1 << 20,
        };
        let mut command = Command::new("sleep");
        command.arg("5");
        let finished = supervise(&mut command, limits, Duration::from_millis(10)).unwrap();
        assert!(finished.stopped.is_some(), "{finished:?}");
        assert!(finished.elapsed < Duration::from_secs(4), "{finished:?}");
        assert!(finished.failure("sleep").is_some());
    }

    #[test]
    fn a_child_that_succeeds_keeps_its_output() {
        let limits = Limits {
            time: Duration::from_secs(10),
            memory_mib: 1 << 20,
        };
        let mut command = Command::new("echo");
        command.arg("part x 5");
        let finished = supervise(&mut command, limits, Duration::from_millis(1)).unwrap();
        assert_eq!(finished.failure("echo"), None);
        assert_eq!(
            Report::parse(&finished.stdout).part("x"),
            Some(Duration::from_nanos(5))
        );
    }
}
