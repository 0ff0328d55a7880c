//! The figures of one ledger size, measured in order on the same facts: build the
//! ledger, the raw sled baseline and the SQLite peer (1), measure their disk (8),
//! then in this process audit (3), proofs (7) and as-of queries (6); close the
//! ledger for the replay (2), which runs in a child process (sled lets one
//! process open a ledger) that also gives its peak memory (9); reopen it for
//! single durable appends (4) and incremental updates (5); close everything and
//! measure the import's peak memory in a child (9) and the `sitrep` binary (10).
//!
//! Generating the corpus is never timed: each side gets its chunk first, then the
//! clock runs. A figure that fails becomes a row saying why, and the others go on;
//! only a failed import stops the size.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use sitrep::journal::{AuditOptions, Journal};
use sitrep::projection::resolve::Resolved;
use sitrep::projection::views::tallies::Details;
use sitrep::projection::views::{Params, View};
use sitrep::projection::{engine, materialised};
use sitrep::Seq;

use crate::args::{Job, Plan};
use crate::child::{self, Limits};
use crate::raw_sled::{self, RawImport};
use crate::row::{Goal, Row, Unit};
use crate::sqlite_peer::Peer;
use crate::stats::{median, ms, percentile, rate, sample, Rng};
use crate::table::{sig3, thousands};
use crate::workload::{chunks, clock, extra_incident, extra_source, options, CHUNK};
use crate::{cli_timing, disk, ledger, proofs};

/// Bulk import goal, facts/s.
const IMPORT_GOAL: f64 = 300_000.0;
/// Replay goal, facts/s.
const REPLAY_GOAL: f64 = 1_000_000.0;
/// Audit goal, facts/s.
const AUDIT_GOAL: f64 = 1_500_000.0;
/// How far ahead of the SQLite peer import and replay must be.
const PEER_FACTOR: f64 = 6.0;
/// Single durable append p50 ÷ raw sled insert + flush p50.
const APPEND_FACTOR: f64 = 1.5;
/// Incremental update goal, ms.
const INCREMENTAL_GOAL_MS: f64 = 5.0;
/// As-of query goal, ms.
const AS_OF_GOAL_MS: f64 = 200.0;
/// Disk goal, × canonical bytes.
const DISK_GOAL: f64 = 1.5;
/// Peak memory goal, MiB.
const RSS_GOAL_MIB: f64 = 512.0;

/// A throughput as a cost per fact ("3.21 µs").
fn per_fact(rate: &Result<f64, String>) -> Option<String> {
    rate.as_ref()
        .ok()
        .filter(|r| **r > 0.0)
        .map(|r| format!("{} µs", sig3(1e6 / r)))
}

/// A throughput row.
fn rate_row(
    figure: &str,
    n: u64,
    sitrep: Duration,
    baseline_name: &str,
    baseline: Result<Duration, String>,
    goal: Goal,
) -> Row {
    let none = || "zero time".to_owned();
    let sitrep = rate(n, sitrep).ok_or_else(none);
    let baseline = baseline.and_then(|d| rate(n, d).ok_or_else(none));
    let per = per_fact(&sitrep);
    Row::new(
        figure,
        n,
        Unit::FactsPerSec,
        sitrep,
        baseline_name,
        baseline,
        goal,
    )
    .with_per_fact(per)
}

/// A figure that could not be measured.
fn failed(figure: &str, n: u64, error: &anyhow::Error) -> Row {
    let why = format!("{error:#}");
    Row::new(
        figure,
        n,
        Unit::Ms,
        Err(why.clone()),
        "—",
        Err(why),
        Goal::None,
    )
}

/// The baselines that stay open between the figures measured in this process.
struct Sides {
    raw: RawImport,
    peer: Peer,
}

/// The figures of one size.
pub struct Measured {
    /// The rows, in figure order.
    pub rows: Vec<Row>,
    /// Where the time of the slower figures went ("replay: rebuild 64 ms, …").
    pub details: Vec<String>,
}

/// Measures every figure at `n` facts under `work`. `progress` hears what is
/// being measured.
pub fn measure(
    n: u64,
    plan: &Plan,
    work: &Path,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Measured> {
    let dir = work.join(format!("n{n}"));
    let ledger_dir = dir.join("ledger");
    let raw_dir = dir.join("raw-sled");
    let peer_dir = dir.join("sqlite");
    let scratch = dir.join("scratch");
    for d in [&peer_dir, &scratch] {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let limits = Limits {
        time: plan.child_timeout,
        memory_mib: plan.child_memory_mib,
    };
    let mut rng = Rng::new(plan.seed ^ n);
    let mut rows = Vec::new();
    let mut details = Vec::new();

    progress("1 bulk import: sitrep");
    let (journal, sitrep_import) = ledger::import(&ledger_dir, plan.seed, n)?;
    progress("1 bulk import: raw sled");
    let raw = raw_sled::import(&raw_dir, plan.seed, n)?;
    if raw.last_id != journal.head().last_id {
        bail!("the raw baseline's entries are not the ledger's bytes (their last ids differ), so it would not be a baseline");
    }
    progress("1 bulk import: SQLite peer");
    let mut peer = Peer::create(&peer_dir.join("peer.sqlite"))?;
    let chunk_count = n.div_ceil(CHUNK as u64);
    let mut peer_import = Duration::ZERO;
    for (i, chunk) in chunks(plan.seed, n).enumerate() {
        let started = Instant::now();
        peer.append(&chunk, i as u64 + 1 == chunk_count)?;
        peer_import += started.elapsed();
    }
    rows.push(rate_row(
        "1a bulk import (chunks of 10,000, durable at the end)",
        n,
        sitrep_import,
        "raw sled, 1 insert per entry + flush",
        Ok(raw.insert),
        Goal::AtLeast(IMPORT_GOAL),
    ));
    rows.push(rate_row(
        "1b bulk import, against the peer",
        n,
        sitrep_import,
        "SQLite peer, 1 transaction per chunk",
        Ok(peer_import),
        Goal::RatioAtLeast(PEER_FACTOR),
    ));

    progress("8 disk");
    rows.extend(disk_rows(
        n,
        &ledger_dir,
        &raw_dir,
        &peer_dir,
        raw.canonical_bytes,
    ));

    let mut sides = Sides { raw, peer };
    // The replay child runs before the figures that build whole pictures in
    // this process (6 builds three, and the materialised table): this process
    // keeps their memory once freed (about 3 GiB), and on this machine a
    // child runs slower while another process holds that much (an idle one
    // holding 4 GiB made the replay child about a third slower, one holding
    // 3 GiB did not; docs/performance.md, round 15). It must also be able to
    // open the ledger.
    drop(journal);
    progress("2 replay (child process)");
    let replay = child::run(Job::Replay, Some(&ledger_dir), 0, plan.seed, limits);
    let (more, rebuild_ms, detail) = replay_rows(n, &sides, &replay);
    rows.extend(more);
    details.push(detail);
    let mut journal = Journal::open(&ledger_dir).context("reopening the ledger")?;

    progress("3 audit");
    match audit_rows(n, &journal, &sides) {
        Ok(more) => rows.extend(more),
        Err(e) => rows.push(failed("3 full audit", n, &e)),
    }
    progress("7 proofs");
    let ids = std::mem::take(&mut sides.raw.ids);
    match proofs::rows(&journal, &ids, plan.samples.proofs, &mut rng) {
        Ok(more) => rows.extend(more),
        Err(e) => rows.push(failed("7 proofs", n, &e)),
    }
    drop(ids);
    progress("6 as-of queries");
    match as_of_rows(n, &journal, plan, &mut rng) {
        Ok(more) => rows.extend(more),
        Err(e) => rows.push(failed("6 as-of query", n, &e)),
    }

    settle_disk();
    progress("4 single durable appends");
    match append_rows(n, &mut journal, &sides.raw, plan) {
        Ok(more) => rows.extend(more),
        Err(e) => rows.push(failed("4 single durable append", n, &e)),
    }
    progress("5 incremental updates");
    match incremental_rows(n, &mut journal, plan, rebuild_ms) {
        Ok(more) => rows.extend(more),
        Err(e) => rows.push(failed("5 incremental projection update", n, &e)),
    }
    journal.flush().context("flushing the ledger")?;
    drop(journal);
    drop(sides);

    progress("9 peak memory of the import (child process)");
    rows.extend(rss_rows(n, plan.seed, &dir, &replay, limits));
    settle_disk();
    progress("10 CLI wall times");
    rows.extend(cli_timing::rows(
        &ledger_dir,
        &scratch,
        n,
        plan.samples.cli_runs,
        limits,
    ));
    // Best effort: the whole work directory is removed at the end anyway.
    let _ = std::fs::remove_dir_all(&dir);
    rows.sort_by_key(|r| figure_number(&r.figure));
    Ok(Measured { rows, details })
}

/// The leading number of a figure label, for ordering ("10 CLI" → 10).
pub fn figure_number(figure: &str) -> u32 {
    let digits: String = figure.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(u32::MAX)
}

fn disk_rows(n: u64, ledger: &Path, raw: &Path, peer: &Path, canonical: u64) -> Vec<Row> {
    let size = |dir: &Path| {
        disk::dir_bytes(dir).map_err(|e| format!("cannot walk {}: {e}", dir.display()))
    };
    let ledger_bytes = size(ledger);
    let per = ledger_bytes
        .as_ref()
        .ok()
        .map(|b| format!("{} B", thousands(b / n.max(1))));
    let times = |bytes: Result<u64, String>| bytes.map(|b| b as f64 / canonical.max(1) as f64);
    vec![
        Row::new(
            "8a disk after the import ÷ canonical entry bytes",
            n,
            Unit::TimesCanonical,
            times(ledger_bytes.clone()),
            "raw sled db of the same entries",
            times(size(raw)),
            Goal::AtMost(DISK_GOAL),
        )
        .with_per_fact(per.clone()),
        Row::new(
            "8b disk after the import, against the peer",
            n,
            Unit::TimesCanonical,
            times(ledger_bytes),
            "SQLite peer file + WAL",
            times(size(peer)),
            Goal::None,
        )
        .with_per_fact(per),
    ]
}

/// Replay rows from the replay child and the two baselines measured here; the
/// full rebuild's time in ms (figure 5's baseline); a line on where the time went.
fn replay_rows(
    n: u64,
    sides: &Sides,
    replay: &child::Outcome,
) -> (Vec<Row>, Result<f64, String>, String) {
    let report = &replay.report;
    let parts = ledger::replay_parts();
    let finished: Vec<String> = report
        .parts
        .iter()
        .map(|(name, d)| format!("{name} {} ms", sig3(ms(*d))))
        .collect();
    let mut detail = format!(
        "2 replay time by part (child process): {}",
        if finished.is_empty() {
            "none finished".to_owned()
        } else {
            finished.join(", ")
        }
    );
    if !report.views.is_empty() {
        let views: Vec<String> = report
            .views
            .iter()
            .map(|(name, d)| format!("{name} {} ms", sig3(ms(*d))))
            .collect();
        detail.push_str(&format!(
            "; each view's own time, side by side on every core: {}",
            views.join(", ")
        ));
    }
    let sitrep = match (&replay.failure, report.entries) {
        (Some(why), _) => Err(why.clone()),
        (None, Some(entries)) if entries != n => {
            Err(format!("the replay child read {entries} entries, not {n}"))
        }
        (None, _) if report.parts.len() != parts.len() => Err(format!(
            "the replay child reported {} of its {} parts",
            report.parts.len(),
            parts.len()
        )),
        (None, _) => Ok(report.parts.iter().map(|(_, d)| *d).sum::<Duration>()),
    };
    if !report.memory.is_empty() {
        let held: Vec<String> = report
            .memory
            .iter()
            .map(|(name, memory)| {
                format!(
                    "{name} {} MiB ({})",
                    thousands(memory.resident_kib / 1024),
                    thousands(memory.peak_kib / 1024)
                )
            })
            .collect();
        detail.push_str(&format!(
            "; resident memory after each part (peak so far): {}",
            held.join(", ")
        ));
    }
    if let Err(why) = &sitrep {
        detail.push_str(&format!("; then {why}"));
    }
    let raw = raw_sled::scan_decode(&sides.raw.db)
        .map_err(|e| format!("{e:#}"))
        .and_then(|(time, count)| {
            if count == n {
                Ok(time)
            } else {
                Err(format!("the raw sled scan read {count} entries, not {n}"))
            }
        });
    let started = Instant::now();
    let peer = sides
        .peer
        .replay_tallies()
        .map_err(|e| format!("{e:#}"))
        .and_then(|(count, _)| {
            let time = started.elapsed();
            if count == n {
                Ok(time)
            } else {
                Err(format!("the peer read {count} rows, not {n}"))
            }
        });
    let rate_of = |r: &Result<Duration, String>| -> Result<f64, String> {
        r.clone()
            .and_then(|d| rate(n, d).ok_or_else(|| "zero time".to_owned()))
    };
    let sitrep_rate = rate_of(&sitrep);
    let per = per_fact(&sitrep_rate);
    let rows = vec![
        Row::new(
            "2a replay: rebuild + all 7 views and their digests",
            n,
            Unit::FactsPerSec,
            sitrep_rate.clone(),
            "raw sled scan + codec decode",
            rate_of(&raw),
            Goal::AtLeast(REPLAY_GOAL),
        )
        .with_per_fact(per.clone()),
        Row::new(
            "2b replay, against the peer",
            n,
            Unit::FactsPerSec,
            sitrep_rate,
            "SQLite peer: SELECT json, serde_json parse, HashMap tallies",
            rate_of(&peer),
            Goal::RatioAtLeast(PEER_FACTOR),
        )
        .with_per_fact(per),
    ];
    let rebuild_ms = report.part("rebuild").map(ms).ok_or_else(|| {
        replay
            .failure
            .clone()
            .unwrap_or_else(|| "not reported".to_owned())
    });
    (rows, rebuild_ms, detail)
}

fn audit_rows(n: u64, journal: &Journal, sides: &Sides) -> anyhow::Result<Vec<Row>> {
    let started = Instant::now();
    let report = journal
        .audit(&AuditOptions::default())
        .context("auditing the ledger")?;
    let audit_time = started.elapsed();
    let started = Instant::now();
    let chain = sides.peer.check_chain()?;
    let peer_time = started.elapsed();
    let mut rows = vec![
        rate_row(
            "3a full audit (every id, prev, node, root)",
            n,
            audit_time,
            "BLAKE3 of the entry bytes alone",
            Ok(sides.raw.hash),
            Goal::AtLeast(AUDIT_GOAL),
        ),
        rate_row(
            "3b full audit, against the peer",
            n,
            audit_time,
            "SQLite peer chain check",
            match chain.first_bad {
                None if chain.rows == n => Ok(peer_time),
                None => Err(format!("the peer checked {} rows, not {n}", chain.rows)),
                Some(seq) => Err(format!("the peer's chain check failed at seq {seq}")),
            },
            Goal::None,
        ),
    ];
    if let Some(problem) = report.first_problem() {
        for row in &mut rows {
            row.sitrep = Err(format!("the audit found a problem: {problem}"));
        }
    }
    Ok(rows)
}

/// Figure 6: as-of queries at random seqs, counted from the materialised
/// table's history; the first query, which builds the table and its history
/// from the log, is timed on its own.
fn as_of_rows(n: u64, journal: &Journal, plan: &Plan, rng: &mut Rng) -> anyhow::Result<Vec<Row>> {
    let budget = plan.samples.budget;
    let mut query = || {
        let seq = rng.below(0, n);
        let started = Instant::now();
        std::hint::black_box(ledger::tallies_as_of(journal, seq)?);
        Ok::<_, anyhow::Error>(started.elapsed())
    };
    let first = query()?;
    let samples = sample(plan.samples.as_of, budget, &mut |_| query())?;
    let baseline = sample(plan.samples.as_of_baseline, budget, &mut |_| {
        let started = Instant::now();
        let picture = engine::rebuild(journal)?;
        std::hint::black_box(ledger::tallies(&picture));
        Ok::<_, anyhow::Error>(started.elapsed())
    })?;
    let p50 = |s: &[Duration]| median(s).map(ms).ok_or_else(|| "no samples".to_owned());
    let baseline_name = format!("rebuild at the head + tallies (p50 of {})", baseline.len());
    Ok(vec![
        Row::new(
            format!(
                "6 as-of query at a random seq + tallies, p50 of {}",
                samples.len()
            ),
            n,
            Unit::Ms,
            p50(&samples),
            baseline_name.clone(),
            p50(&baseline),
            Goal::AtMost(AS_OF_GOAL_MS),
        ),
        Row::new(
            "6b the first as-of query, which builds the materialised table and its history"
                .to_owned(),
            n,
            Unit::Ms,
            Ok(ms(first)),
            baseline_name,
            p50(&baseline),
            Goal::None,
        ),
    ])
}

/// Single durable appends, each followed by a raw sled insert + flush of the
/// entry it wrote (interleaved, so both see the same disk weather).
fn append_rows(
    n: u64,
    journal: &mut Journal,
    raw: &RawImport,
    plan: &Plan,
) -> anyhow::Result<Vec<Row>> {
    let clock = clock();
    let durable = options(true);
    journal
        .append(vec![extra_source("single")], &clock, &durable)
        .context("appending the source of the single appends")?;
    let mut sitrep = Vec::new();
    let mut baseline = Vec::new();
    // The raw database holds seqs 0..n; its single entries go after them.
    for (i, raw_seq) in (0..plan.samples.single_appends as u64).zip(n..) {
        let fact = extra_incident("single", i);
        let started = Instant::now();
        let report = journal
            .append(vec![fact], &clock, &durable)
            .context("a single durable append")?;
        sitrep.push(started.elapsed());
        let seq = Seq::new(report.head.size - 1);
        let record = journal
            .read(seq)?
            .context("reading back the appended entry")?;
        baseline.push(raw_sled::insert_durable(&raw.db, raw_seq, &record.bytes)?);
    }
    let count = plan.samples.single_appends;
    let at = |s: &[Duration], p: f64| {
        percentile(s, p)
            .map(ms)
            .ok_or_else(|| "no samples".to_owned())
    };
    Ok(vec![
        Row::new(
            format!("4a single durable append, p50 of {count}"),
            n,
            Unit::Ms,
            at(&sitrep, 50.0),
            "raw sled insert + flush of one entry, p50",
            at(&baseline, 50.0),
            Goal::RatioAtMost(APPEND_FACTOR),
        ),
        Row::new(
            format!("4b single durable append, p99 of {count}"),
            n,
            Unit::Ms,
            at(&sitrep, 99.0),
            "raw sled insert + flush of one entry, p99",
            at(&baseline, 99.0),
            Goal::None,
        ),
    ])
}

/// Waits until the writes of the figures before have reached the disk (`sync`),
/// so that a figure that flushes (4, 10) does not queue behind hundreds of MB of
/// another figure's writeback (figure 5 writes a snapshot per sample, figure 9
/// a whole ledger). Best effort: without `sync`, the figure runs anyway.
fn settle_disk() {
    let _ = std::process::Command::new("sync").status();
}

/// After each single append: the in-process update of projections kept open
/// (`Current::follow`, 5a), the update from the stored snapshot
/// (`engine::current`: load, fold, store; 5b), which a new process pays for
/// every view but `tallies`, and the update of the stored materialised
/// incident table (`materialised::catch_up`; 5c), which `sitrep append` runs
/// and `tallies` reads.
fn incremental_rows(
    n: u64,
    journal: &mut Journal,
    plan: &Plan,
    rebuild_ms: Result<f64, String>,
) -> anyhow::Result<Vec<Row>> {
    let clock = clock();
    let quick = options(false);
    journal
        .append(vec![extra_source("incremental")], &clock, &quick)
        .context("appending the source of the incremental updates")?;
    // Not timed: makes (or catches up) the snapshot the timed calls start from,
    // and the state the in-process updates follow.
    let mut open = engine::current(journal)?;
    let mut problems = Vec::new();
    let mut appended = 0u64;
    let mut append_one = |journal: &mut Journal| -> anyhow::Result<()> {
        journal
            .append(
                vec![extra_incident("incremental", appended)],
                &clock,
                &quick,
            )
            .context("appending before an incremental update")?;
        appended += 1;
        Ok(())
    };
    // The two ways are sampled apart: a process that keeps its projections
    // open does not rewrite the snapshot between its updates.
    let followed = sample(plan.samples.incremental, plan.samples.budget, &mut |_| {
        append_one(journal)?;
        let started = Instant::now();
        let folded = open.follow(journal)?;
        let elapsed = started.elapsed();
        if folded != 1 {
            problems.push(format!("follow folded {folded} entries instead of 1"));
        }
        Ok::<_, anyhow::Error>(elapsed)
    })?;
    // Not timed: the snapshot catches up with the appends of the loop above.
    engine::current(journal)?;
    let mut last = None;
    let stored = sample(plan.samples.incremental, plan.samples.budget, &mut |_| {
        append_one(journal)?;
        let started = Instant::now();
        let current = engine::current(journal)?;
        let elapsed = started.elapsed();
        if current.folded != 1 || !current.notes.is_empty() {
            problems.push(format!(
                "engine::current folded {} entries instead of 1 ({})",
                current.folded,
                current.notes.join("; ")
            ));
        }
        last = Some(current);
        Ok::<_, anyhow::Error>(elapsed)
    })?;
    // Not timed: both ways must reach the same state.
    open.follow(journal)?;
    if let Some(current) = &last {
        if current.picture != open.picture {
            problems.push("the followed state differs from the stored one".to_owned());
        }
    }
    // Not timed: builds (or catches up) the materialised incident table.
    materialised::catch_up(journal)?;
    let table = sample(plan.samples.incremental, plan.samples.budget, &mut |_| {
        append_one(journal)?;
        let started = Instant::now();
        let caught = materialised::catch_up(journal)?;
        let elapsed = started.elapsed();
        if caught.folded != 1 || caught.rebuilt || !caught.notes.is_empty() {
            problems.push(format!(
                "materialised::catch_up folded {} entries instead of 1 (rebuilt: {}; {})",
                caught.folded,
                caught.rebuilt,
                caught.notes.join("; ")
            ));
        }
        Ok::<_, anyhow::Error>(elapsed)
    })?;
    // Not timed: the table's tallies must be those of the picture.
    open.follow(journal)?;
    let params = Params::default();
    let (from_table, _) = materialised::tallies(journal, &params, Details::Full)?;
    if from_table != View::Tallies.build(&Resolved::new(&open.picture), &params) {
        problems.push("the materialised table's tallies differ from the picture's".to_owned());
    }
    let p50 = |samples: &[Duration]| match problems.first() {
        Some(why) => Err(why.clone()),
        None => median(samples)
            .map(ms)
            .ok_or_else(|| "no samples".to_owned()),
    };
    Ok(vec![
        Row::new(
            format!(
                "5a incremental update after one append, projections kept open (`Current::follow`), p50 of {}",
                followed.len()
            ),
            n,
            Unit::Ms,
            p50(&followed),
            "full rebuild (`engine::rebuild`, figure 2)",
            rebuild_ms.clone(),
            Goal::AtMost(INCREMENTAL_GOAL_MS),
        ),
        Row::new(
            format!(
                "5b incremental update after one append, from the stored snapshot (`engine::current`: load, fold, store), p50 of {}",
                stored.len()
            ),
            n,
            Unit::Ms,
            p50(&stored),
            "full rebuild (`engine::rebuild`, figure 2)",
            rebuild_ms.clone(),
            Goal::AtMost(INCREMENTAL_GOAL_MS),
        ),
        Row::new(
            format!(
                "5c incremental update after one append, of the stored materialised incident table (`materialised::catch_up`: read, update, store), p50 of {}",
                table.len()
            ),
            n,
            Unit::Ms,
            p50(&table),
            "full rebuild (`engine::rebuild`, figure 2)",
            rebuild_ms,
            Goal::AtMost(INCREMENTAL_GOAL_MS),
        ),
    ])
}

/// Peak memory: the import in a child of its own, the replay from the replay
/// child of figure 2, beside a child that only streams the corpus.
fn rss_rows(n: u64, seed: u64, dir: &Path, replay: &child::Outcome, limits: Limits) -> Vec<Row> {
    let peak = |outcome: &child::Outcome| -> Result<f64, String> {
        if let Some(why) = &outcome.failure {
            return Err(why.clone());
        }
        outcome
            .report
            .peak_kib
            .map(|kib| kib as f64 / 1024.0)
            .ok_or_else(|| "the child did not report its peak memory".to_owned())
    };
    let child_ledger = dir.join("child-ledger");
    let import = child::run(Job::Import, Some(&child_ledger), n, seed, limits);
    let _ = std::fs::remove_dir_all(&child_ledger);
    let stream = peak(&child::run(Job::Stream, None, n, seed, limits));
    let baseline = "a child that only streams the corpus";
    vec![
        Row::new(
            "9a peak RSS of the bulk import (child process)",
            n,
            Unit::MiB,
            peak(&import),
            baseline,
            stream.clone(),
            Goal::AtMost(RSS_GOAL_MIB),
        ),
        Row::new(
            "9b peak RSS of the replay (the child of figure 2)",
            n,
            Unit::MiB,
            peak(replay),
            baseline,
            stream,
            Goal::AtMost(RSS_GOAL_MIB),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_sort_by_their_number() {
        assert_eq!(figure_number("10 CLI"), 10);
        assert_eq!(figure_number("2 replay"), 2);
        assert_eq!(figure_number("no number"), u32::MAX);
        let mut labels = vec!["10 c", "2 r", "1 a", "1 b", "9 m"];
        labels.sort_by_key(|l| figure_number(l));
        assert_eq!(labels, vec!["1 a", "1 b", "2 r", "9 m", "10 c"]);
    }
}
