//! The crash test (issue 5 item 1, sled's pattern): the test binary re-runs
//! itself as a child process that appends batches to a sled ledger in durable
//! mode and prints a line for every acknowledged batch; the parent kills it with
//! SIGKILL at a random moment, reopens the ledger and checks what survived. After
//! every kill: the audit is clean; seqs are gapless from 0 to the head; every
//! acknowledged batch is present, whole, at the seqs it was acknowledged with and
//! with the facts that were sent; every batch in the ledger is whole (the one the
//! kill may have interrupted included); and the projection caught up from
//! whatever snapshot survived has the same digest as a rebuild from the log.
//!
//! `cargo test` runs `DEFAULT_KILLS` kills; the long run is
//! `SITREP_CRASH_KILLS=500 cargo test --release --test integration crash -- --nocapture`
//! (figures in docs/reliability.md). Every run prints its seed; the batch sizes
//! and kill delays of a failing run replay with `SITREP_CRASH_SEED=<seed>` (the
//! exact instant of each kill depends on the machine). A failing run keeps its
//! ledger and prints where.
//!
//! SIGKILL ends the process, not the machine: the operating system still writes
//! out what the process had handed to it. So this proves that an acknowledged
//! append has left the process and that recovery never sees half a batch, not
//! that the data survives a power cut (which rests on sled's fsync).
#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write as _};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

use sitrep::fact::{
    AttackType, Casualties, CasualtyGroup, Count, DateSpec, Direction, GeoPrecision, Incident,
    Metric, Outcome, Period, Place, Quantity, Scope, Source, SourceType,
};
use sitrep::journal::{AppendOptions, AuditOptions, FactOutcome, Journal, OpenError};
use sitrep::projection::engine;
use sitrep::projection::Projection;
use sitrep::store::StoreError;
use sitrep::time::{Date, SystemClock};
use sitrep::{Fact, FactBody, Seq};

/// The child's ledger directory; the child test does nothing without it.
const LEDGER_VAR: &str = "SITREP_CRASH_LEDGER";
/// The run's seed: batch sizes (child and parent) and kill delays (parent).
const SEED_VAR: &str = "SITREP_CRASH_SEED";
/// How many kills the parent makes.
const KILLS_VAR: &str = "SITREP_CRASH_KILLS";
/// Kills in a plain `cargo test`.
const DEFAULT_KILLS: u64 = 20;
/// A kill lands this long (uniformly) after the child says it has the ledger
/// open, or, one round in `FROM_START_ONE_IN`, after it is started.
const DELAY_MS: std::ops::RangeInclusive<u64> = 5..=200;
/// One round in this many times its kill from the child's start, so that kills
/// also land while the child starts up and sled opens and recovers the ledger
/// (a debug child takes about 70 ms to get there).
const FROM_START_ONE_IN: u64 = 8;
/// At least this share of kills must interrupt a child that had the ledger open
/// (the others land while it starts up, which is fine but tests less).
const MIN_INTERRUPTED_PERCENT: u64 = 75;
/// The most facts in a batch (a source, then incidents and counts citing it).
const MAX_BATCH: u64 = 50;
/// One batch in this many is large: enough facts that the append chains them
/// on a worker thread beside its checks (journal/chain.rs, from 1,024 facts),
/// so that kills also land while that thread runs.
const LARGE_ONE_IN: u64 = 16;
/// The size of a large batch: this many facts and up to as many more.
const LARGE_BATCH: u64 = 1_024;
/// The child brings its projection snapshot up to date after every this many
/// batches, so that kills also land while a snapshot is written. Not more
/// often: a snapshot holds every fact, so on a long run's ledger writing it
/// takes far longer than an append, and most kills would land there.
const PROJECT_EVERY: u64 = 16;
/// How long an open waits for the previous holder's lock to go.
const LOCK_WAIT: Duration = Duration::from_secs(10);
/// A child that has not been killed after this long gives up (with a failure),
/// so that a parent that died cannot leave it appending forever.
const CHILD_DEADLINE: Duration = Duration::from_secs(60);
/// The test whose name the child runs.
const CHILD_TEST: &str = "crash::child_appender";
const ORIGIN: &str = "test.example/crash";

// ---------------------------------------------------------------------------
// The batches: a pure function of the seed and the batch number, so that the
// parent knows what the child sent even for a batch it never acknowledged.

/// splitmix64: a good 64-bit mix of one number.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The number of facts in batch `batch`: 1 to `MAX_BATCH`, or, one batch in
/// `LARGE_ONE_IN`, `LARGE_BATCH` to twice that.
fn batch_len(seed: u64, batch: u64) -> u64 {
    let noise = mix(seed ^ mix(batch));
    if (noise >> 32) % LARGE_ONE_IN == 0 {
        LARGE_BATCH + noise % LARGE_BATCH
    } else {
        1 + noise % MAX_BATCH
    }
}

/// Fact `j` of batch `batch`: its key.
fn fact_key(batch: u64, j: u64) -> String {
    match j {
        0 => format!("b{batch}/src"),
        j if j % 3 == 0 => format!("b{batch}/cnt{j}"),
        j => format!("b{batch}/inc{j}"),
    }
}

/// The batch number in a key written by `fact_key`.
fn batch_of(key: &str) -> Option<u64> {
    key.strip_prefix('b')?.split_once('/')?.0.parse().ok()
}

/// Batch `batch`, self-contained: a source, then incidents and counts citing it.
fn batch(seed: u64, batch: u64) -> Vec<Fact> {
    let source = fact_key(batch, 0);
    let day = |offset: u64| {
        Date::from_ymd(2024, 1, 1)
            .expect("2024-01-01 is a date")
            .plus_days(i64::try_from(offset % 365).expect("a small number"))
    };
    (0..batch_len(seed, batch))
        .map(|j| {
            let noise = mix(seed ^ mix(batch) ^ j);
            let body = match j {
                0 => {
                    let mut s = Source::new(
                        format!("crash-test publisher {batch}"),
                        SourceType::NewsSite,
                    );
                    s.title = Some(format!("report {batch} of run {seed}").into());
                    FactBody::Source(Box::new(s))
                }
                j if j % 3 == 0 => FactBody::Count(Box::new(Count {
                    source: source.as_str().into(),
                    speaker: sitrep::fact::ActorRef {
                        name: "a spokesman".into(),
                        actor: None,
                        role: None,
                        basis: None,
                        certainty: None,
                    },
                    metric: Metric::Attacks,
                    value: Quantity::exact(noise % 200),
                    period: Period {
                        from: Some(DateSpec::day(day(0))),
                        to: Some(DateSpec::day(day(noise))),
                    },
                    scope: Scope::default(),
                    definition: None,
                    breakdown: Vec::new(),
                    quote: None,
                })),
                j => FactBody::Incident(Box::new(Incident {
                    source: source.as_str().into(),
                    incident: format!("b{batch}/e{j}").into(),
                    direction: Direction::OnUsForces,
                    occurred: DateSpec::day(day(noise)),
                    target: Place {
                        name: "a base in Iraq".into(),
                        site: None,
                        country: Some("IQ".into()),
                        admin1: None,
                        coordinates: None,
                        precision: GeoPrecision::Country,
                    },
                    launch: None,
                    attack_types: vec![AttackType::Drone],
                    munitions: None,
                    outcome: Outcome::Intercepted,
                    damage: None,
                    casualties: vec![Casualties {
                        group: CasualtyGroup::UsMilitary,
                        killed: None,
                        wounded: Some(Quantity::exact(noise % 7)),
                        note: None,
                    }],
                    attackers: Vec::new(),
                    targeted: Vec::new(),
                    summary: Some(format!("incident {j} of batch {batch}").into()),
                    quote: None,
                })),
            };
            Fact {
                key: fact_key(batch, j).into(),
                body,
            }
        })
        .collect()
}

/// Opens the ledger, waiting while another process (or this one's sled
/// flusher, a moment after a drop) still holds its lock.
fn open_when_released(path: &Path) -> Journal {
    let start = Instant::now();
    loop {
        match Journal::open(path) {
            Ok(journal) => return journal,
            Err(OpenError::Store(StoreError::Locked { .. })) if start.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!(
                "open {} (after {} ms): {e}",
                path.display(),
                start.elapsed().as_millis()
            ),
        }
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}={text:?} is not a number: {e}")),
    )
}

// ---------------------------------------------------------------------------
// The child

/// One line to the parent, written whole and flushed before going on: what the
/// parent reads is exactly what the child had done when it died.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    out.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| out.flush())
        .expect("the parent reads the child's output");
}

/// The child process of `killed_appender_loses_nothing`. Run by itself (without
/// `SITREP_CRASH_LEDGER` in the environment, as in every ordinary test run) it
/// returns at once and tests nothing. With it, it opens that ledger and appends
/// batches in durable mode until it is killed, printing `ready <next batch>`
/// once the ledger is open, `append <i>` before each append, `ack <i> <first
/// seq> <last seq>` after it returns, and `project <i>` / `projected <i>` around
/// each projection catch-up.
#[test]
fn child_appender() {
    let Some(path) = std::env::var_os(LEDGER_VAR).map(PathBuf::from) else {
        return;
    };
    let seed = env_u64(SEED_VAR).expect("the parent passes the seed");
    let mut journal = open_when_released(&path);
    // Batches are whole or absent, so the last entry's batch is the last batch.
    let head = journal.head();
    let next = match head.size {
        0 => 0,
        size => {
            let last = journal
                .read(Seq::new(size - 1))
                .expect("read the last entry")
                .expect("the head entry exists");
            batch_of(&last.entry.fact.key).expect("a crash-test key") + 1
        }
    };
    // The newline ends libtest's `test crash::child_appender ... ` line.
    say(&format!("\nready {next}"));
    let options = AppendOptions {
        recorded_by: "crash-test".to_owned(),
        durable: true,
        dry_run: false,
    };
    let deadline = Instant::now() + CHILD_DEADLINE;
    for i in next.. {
        assert!(
            Instant::now() < deadline,
            "the crash-test child was not killed within {CHILD_DEADLINE:?}"
        );
        let facts = batch(seed, i);
        say(&format!("append {i}"));
        let report = journal
            .append(facts, &SystemClock, &options)
            .unwrap_or_else(|e| panic!("append batch {i}: {e}"));
        assert!(report.committed, "batch {i} was already recorded");
        let seqs: Vec<u64> = report
            .outcomes
            .iter()
            .map(|o| match o {
                FactOutcome::Recorded { seq, .. } => seq.get(),
                FactOutcome::AlreadyRecorded { seq } => {
                    panic!("a fact was already recorded at seq {seq}")
                }
            })
            .collect();
        say(&format!("ack {i} {} {}", seqs[0], seqs[seqs.len() - 1]));
        if i % PROJECT_EVERY == PROJECT_EVERY - 1 {
            say(&format!("project {i}"));
            engine::current(&journal).expect("catch the projection up");
            say(&format!("projected {i}"));
        }
    }
}

// ---------------------------------------------------------------------------
// The parent

/// xorshift64*: the kill delays.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(mix(seed) | 1)
    }

    fn in_range(&mut self, range: &std::ops::RangeInclusive<u64>) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        range.start() + x % (range.end() - range.start() + 1)
    }
}

/// The temporary directory, kept (and its path printed) if the test fails.
struct Workspace(Option<TempDir>);

impl Drop for Workspace {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Some(dir) = self.0.take() {
                eprintln!("crash test: the ledger is kept at {}", dir.keep().display());
            }
        }
    }
}

/// A running child; killed and reaped if the parent panics.
struct Running(Option<Child>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What the child printed before it died, and what it wrote to stderr.
struct ChildRun {
    lines: Vec<String>,
    /// From the start to `ready`, if the child got that far.
    to_ready: Option<Duration>,
    stderr: String,
}

/// Where the kill landed, from the child's last complete line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Landed {
    /// Before `ready`: starting up, waiting for the lock, or opening the ledger.
    BeforeOpen,
    /// After `ack` or `ready`: building the next batch.
    BetweenAppends,
    /// After `append i`: inside the append of batch i.
    InsideAppend(u64),
    /// After `project i`: catching the projection up and writing its snapshot.
    InsideProjection,
}

impl ChildRun {
    fn landed(&self) -> Landed {
        let last = self.lines.iter().rev().find_map(|l| {
            let mut words = l.split_whitespace();
            let event = words.next()?;
            const EVENTS: [&str; 5] = ["ready", "append", "ack", "project", "projected"];
            EVENTS
                .contains(&event)
                .then(|| (event, words.next().and_then(|n| n.parse().ok())))
        });
        match last {
            None => Landed::BeforeOpen,
            Some(("append", Some(i))) => Landed::InsideAppend(i),
            Some(("project", _)) => Landed::InsideProjection,
            Some(_) => Landed::BetweenAppends,
        }
    }

    /// The batch the child started from (`ready <i>`).
    fn ready(&self) -> Option<u64> {
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix("ready ")?.trim().parse().ok())
    }

    /// Every `ack <i> <first> <last>`: batch → (first seq, last seq).
    fn acks(&self) -> Vec<(u64, u64, u64)> {
        self.lines
            .iter()
            .filter_map(|l| {
                let rest = l.strip_prefix("ack ")?;
                let n: Vec<u64> = rest
                    .split_whitespace()
                    .map(|w| w.parse().expect("an ack line holds numbers"))
                    .collect();
                assert_eq!(n.len(), 3, "malformed ack line {l:?}");
                Some((n[0], n[1], n[2]))
            })
            .collect()
    }
}

impl std::fmt::Display for ChildRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tail = self.lines.len().saturating_sub(5);
        write!(
            f,
            "the child's last lines: {:?}\nits stderr:\n{}",
            &self.lines[tail..],
            self.stderr
        )
    }
}

/// Complete lines only: a line cut short by the kill was never acknowledged.
/// `ready` is also sent on `ready_tx` the moment it arrives.
fn read_lines(
    pipe: impl Read + Send + 'static,
    start: Instant,
    ready_tx: Sender<()>,
) -> JoinHandle<(Vec<String>, Option<Duration>)> {
    std::thread::spawn(move || {
        let mut to_ready = None;
        let mut reader = BufReader::new(pipe);
        let mut lines = Vec::new();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => return (lines, to_ready),
                Ok(_) if buf.ends_with(b"\n") => {
                    if buf.starts_with(b"ready ") {
                        to_ready = Some(start.elapsed());
                        let _ = ready_tx.send(());
                    }
                    lines.push(String::from_utf8_lossy(&buf).trim_end().to_owned());
                }
                Ok(_) => return (lines, to_ready),
            }
        }
    })
}

/// When the kill delay starts.
#[derive(Clone, Copy, Debug)]
enum Timing {
    /// When the child is started: the kill may land while it starts up and
    /// sled opens (and recovers) the ledger.
    FromStart,
    /// When the child says `ready`: the kill lands in the appender's loop.
    FromReady,
}

/// Starts the child on `ledger`, kills it `delay` after `timing`, and returns
/// what it said.
fn run_and_kill(ledger: &Path, seed: u64, timing: Timing, delay: Duration) -> ChildRun {
    // On Linux, /proc/self/exe is the image this process runs, even after a
    // rebuild has replaced (unlinked) the file at `current_exe()`.
    let exe = match Path::new("/proc/self/exe") {
        proc if proc.exists() => proc.to_path_buf(),
        _ => std::env::current_exe().expect("the test binary's path"),
    };
    let start = Instant::now();
    let mut child = Command::new(exe)
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads", "1"])
        .env(LEDGER_VAR, ledger)
        .env(SEED_VAR, seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the crash-test child");
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let stdout = read_lines(
        child.stdout.take().expect("a piped stdout"),
        start,
        ready_tx,
    );
    let mut stderr_pipe = child.stderr.take().expect("a piped stderr");
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let mut running = Running(Some(child));
    if let Timing::FromReady = timing {
        // A child that dies or hangs before `ready` is caught below.
        let _ = ready_rx.recv_timeout(LOCK_WAIT + Duration::from_secs(10));
    }
    std::thread::sleep(delay);
    let child = running.0.as_mut().expect("the child is running");
    let early = child.try_wait().expect("poll the child");
    if early.is_none() {
        child.kill().expect("SIGKILL the child");
    }
    let status = child.wait().expect("reap the child");
    running.0 = None;
    let (lines, to_ready) = stdout.join().expect("the stdout reader");
    let run = ChildRun {
        lines,
        to_ready,
        stderr: stderr.join().expect("the stderr reader"),
    };
    assert!(
        early.is_none() && status.signal() == Some(9),
        "the child ended by itself ({status}) instead of being killed\n{run}"
    );
    run
}

/// Running totals for the summary line.
#[derive(Default)]
struct Tally {
    before_open: u64,
    between: u64,
    inside_append: u64,
    /// Kills inside an append after which the batch was there (committed, not
    /// yet acknowledged).
    inside_append_landed: u64,
    /// Kills inside an append of a large batch (chained on a worker).
    inside_large_append: u64,
    inside_projection: u64,
    snapshot_used: u64,
    snapshot_missing: u64,
    snapshot_refused: u64,
    /// Milliseconds from start to `ready`, for the children that got there.
    to_ready_ms: Vec<u64>,
}

/// Where each batch sits in the log: batch → (first seq, facts).
type Layout = Vec<(u64, u64)>;

/// Scans the whole log: seqs gapless, every batch whole and in order. Returns
/// where each batch is.
fn layout(journal: &Journal, seed: u64) -> Layout {
    let size = journal.head().size;
    let mut keys = Vec::new();
    journal
        .scan(Seq::new(0), &mut |record| {
            keys.push((record.entry.seq.get(), record.entry.fact.key));
            true
        })
        .expect("scan the log");
    assert_eq!(
        keys.len() as u64,
        size,
        "the scan saw {} entries, the head says {size}",
        keys.len()
    );
    let mut batches: Layout = Vec::new();
    for (position, (seq, key)) in keys.iter().enumerate() {
        assert_eq!(
            *seq, position as u64,
            "seq gap: entry {position} has seq {seq}"
        );
        let b = batch_of(key).unwrap_or_else(|| panic!("unexpected key {key} at seq {seq}"));
        let open = batches.len().checked_sub(1).map(|last| last as u64);
        if open == Some(b) {
            let (first, n) = batches.last_mut().expect("the open batch");
            assert_eq!(
                key,
                &fact_key(b, *n),
                "batch {b} (from seq {first}) is out of order at seq {seq}"
            );
            *n += 1;
        } else {
            assert_eq!(
                Some(b),
                open.map_or(Some(0), |o| o.checked_add(1)),
                "batch {b} starts at seq {seq}, right after batch {open:?}"
            );
            assert_eq!(key, &fact_key(b, 0), "batch {b} starts with {key}");
            batches.push((*seq, 1));
        }
    }
    for (b, (first, n)) in batches.iter().enumerate() {
        let b = b as u64;
        assert_eq!(
            *n,
            batch_len(seed, b),
            "partial batch: batch {b} has {n} of its {} facts from seq {first}",
            batch_len(seed, b)
        );
    }
    batches
}

/// Batch `b` through the key index: `Some(first seq)` if all its facts are
/// there, with the content sent, `None` if none is; anything else fails.
fn find_batch(journal: &Journal, seed: u64, b: u64) -> Option<u64> {
    let expected = batch(seed, b);
    let found: Vec<Option<(u64, Fact)>> = expected
        .iter()
        .map(|fact| {
            journal
                .find_key(&fact.key)
                .expect("look a key up")
                .map(|r| (r.entry.seq.get(), r.entry.fact))
        })
        .collect();
    let present = found.iter().filter(|f| f.is_some()).count();
    if present == 0 {
        return None;
    }
    assert_eq!(
        present,
        expected.len(),
        "partial batch: {present} of the {} facts of batch {b} are in the key index",
        expected.len()
    );
    let mut first = None;
    for (j, (fact, found)) in expected.iter().zip(found).enumerate() {
        let (seq, stored) = found.expect("counted above");
        let first = *first.get_or_insert(seq);
        assert_eq!(seq, first + j as u64, "batch {b} is not contiguous");
        assert_eq!(&stored, fact, "batch {b}: {} holds other content", fact.key);
    }
    first
}

/// Every check after a kill. `acked` holds every batch acknowledged so far.
fn check_after_kill(
    journal: &Journal,
    seed: u64,
    run: &ChildRun,
    acked: &mut BTreeMap<u64, (u64, u64)>,
    tally: &mut Tally,
) {
    let audit = journal
        .audit(&AuditOptions::default())
        .expect("the audit runs");
    assert!(
        audit.is_clean(),
        "the audit after the kill is not clean: {}",
        audit.first_problem().unwrap_or_default()
    );

    let batches = layout(journal, seed);
    let new_acks = run.acks();
    for &(b, first, last) in &new_acks {
        acked.insert(b, (first, last));
    }
    for (&b, &(first, last)) in acked.iter() {
        let Some(&(at, n)) = batches.get(b as usize) else {
            panic!(
                "lost: batch {b} (seqs {first}..={last}) was acknowledged but the ledger has only {} batches",
                batches.len()
            )
        };
        assert_eq!(
            (at, at + n - 1),
            (first, last),
            "batch {b} was acknowledged at seqs {first}..={last}"
        );
    }
    // Through the key index too, with the content: the batches acknowledged in
    // this round, and the one after them, which the kill may have cut into.
    let next = new_acks
        .last()
        .map(|&(b, _, _)| b + 1)
        .or_else(|| run.ready());
    for &(b, first, _) in &new_acks {
        assert_eq!(find_batch(journal, seed, b), Some(first), "batch {b}");
    }
    if let Some(next) = next {
        let there = find_batch(journal, seed, next);
        assert_eq!(
            there.is_some(),
            (next as usize) < batches.len(),
            "batch {next}: the key index and the log disagree"
        );
    }

    if let Some(d) = run.to_ready {
        tally.to_ready_ms.push(d.as_millis() as u64);
    }
    match run.landed() {
        Landed::BeforeOpen => tally.before_open += 1,
        Landed::BetweenAppends => tally.between += 1,
        Landed::InsideProjection => tally.inside_projection += 1,
        Landed::InsideAppend(b) => {
            tally.inside_append += 1;
            if (b as usize) < batches.len() {
                tally.inside_append_landed += 1;
            }
            if batch_len(seed, b) >= LARGE_BATCH {
                tally.inside_large_append += 1;
            }
        }
    }

    let current = engine::current(journal).expect("catch the projection up");
    let rebuilt = engine::rebuild(journal).expect("rebuild the projection");
    assert_eq!(
        current.picture.digest(),
        rebuilt.digest(),
        "the projection caught up from the snapshot differs from a rebuild (notes: {:?})",
        current.notes
    );
    // A usable snapshot leaves only the entries after it to fold. None is there
    // before the first catch-up; one can be lost (it is not flushed) or refused.
    let size = journal.head().size;
    if current.notes.iter().any(|n| n.contains("refused")) {
        tally.snapshot_refused += 1;
    } else if current.folded == size && size > 0 {
        tally.snapshot_missing += 1;
    } else {
        tally.snapshot_used += 1;
    }
}

/// Kills an appending child `SITREP_CRASH_KILLS` times (default
/// `DEFAULT_KILLS`) and checks the ledger after every kill (see the module
/// comment). Prints a summary line.
#[test]
fn killed_appender_loses_nothing() {
    if std::env::var_os(LEDGER_VAR).is_some() {
        return;
    }
    let kills = env_u64(KILLS_VAR).unwrap_or(DEFAULT_KILLS);
    let seed = env_u64(SEED_VAR).unwrap_or_else(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_nanos();
        mix(nanos as u64 ^ u64::from(std::process::id()))
    });
    eprintln!("crash test: {kills} kills, seed {seed} (replay with {SEED_VAR}={seed})");
    let started = Instant::now();
    let workspace = Workspace(Some(TempDir::new().expect("a temporary directory")));
    let ledger = workspace
        .0
        .as_ref()
        .expect("just made")
        .path()
        .join("ledger");
    drop(Journal::init(&ledger, ORIGIN).expect("create the ledger"));

    let mut rng = Rng::new(seed);
    let mut acked = BTreeMap::new();
    let mut tally = Tally::default();
    for round in 0..kills {
        let timing = if rng.in_range(&(1..=FROM_START_ONE_IN)) == 1 {
            Timing::FromStart
        } else {
            Timing::FromReady
        };
        let delay = Duration::from_millis(rng.in_range(&DELAY_MS));
        let run = run_and_kill(&ledger, seed, timing, delay);
        let journal = open_when_released(&ledger);
        let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_after_kill(&journal, seed, &run, &mut acked, &mut tally);
        }));
        if let Err(panic) = checked {
            eprintln!(
                "crash test: kill {} of {kills} ({} ms {timing:?}, seed {seed}) failed\n{run}",
                round + 1,
                delay.as_millis()
            );
            std::panic::resume_unwind(panic);
        }
    }

    let journal = open_when_released(&ledger);
    let batches = layout(&journal, seed);
    let facts_acked: u64 = acked.values().map(|(first, last)| last - first + 1).sum();
    let facts_lost: u64 = acked
        .iter()
        .filter(|(&b, _)| b as usize >= batches.len())
        .map(|(_, (first, last))| last - first + 1)
        .sum();
    let interrupted = kills - tally.before_open;
    tally.to_ready_ms.sort_unstable();
    let to_ready = match tally.to_ready_ms.as_slice() {
        [] => "no child got the ledger open".to_owned(),
        ms => format!(
            "a child had the ledger open after {} ms (median; at most {} ms)",
            ms[ms.len() / 2],
            ms[ms.len() - 1]
        ),
    };
    eprintln!(
        "crash summary: {kills} kills in {:.1} s (seed {seed}); {interrupted} interrupted a running appender \
         ({} between appends, {} inside an append of which {} had committed the batch and {} were of a large batch, \
         {} inside a projection update), \
         {} before the ledger was open; {} batches and {facts_acked} facts acknowledged, {facts_lost} facts lost, \
         ledger of {} entries in {} batches, none partial; projection caught up from its snapshot {} times, \
         from no snapshot {} times, from a refused one {} times, always equal to a rebuild; {to_ready}",
        started.elapsed().as_secs_f64(),
        tally.between,
        tally.inside_append,
        tally.inside_append_landed,
        tally.inside_large_append,
        tally.inside_projection,
        tally.before_open,
        acked.len(),
        journal.head().size,
        batches.len(),
        tally.snapshot_used,
        tally.snapshot_missing,
        tally.snapshot_refused,
    );
    assert_eq!(facts_lost, 0, "acknowledged facts were lost");
    assert!(
        interrupted * 100 >= kills * MIN_INTERRUPTED_PERCENT,
        "only {interrupted} of {kills} kills interrupted a running appender; the rest landed before it had the ledger open"
    );
}
