//! Fault injection at the `Store` seam (issue 5, items 2 and 7), through the
//! library only: every store operation of an append, of signing a checkpoint and
//! of a projection catch-up is made to fail in turn, and the store is compared,
//! key by key, with the state before and after a clean run of the same
//! operation.
//!
//! Each sweep covers every fault point `N` of a clean run (its store operations,
//! counted by a [`FailingStore`]):
//!
//! * **I/O error** (all three operations) — operation `N` fails once. The
//!   operation must fail naming the fault (a catch-up whose snapshot write fails
//!   may succeed instead, with a note, as `engine::current` documents); the store
//!   must hold exactly the before-state or the after-state; and the journal that
//!   saw the error must still agree with the store and go on appending.
//! * **Power loss** (all three) — operation `N` and every later one fail (the
//!   process died there), then a [`VolatileStore`] drops everything not flushed.
//!   The state must be the before- or the after-state, the after-state exactly
//!   when a durable operation was acknowledged.
//! * **Disk full** (the append) — every commit and flush from operation `N` on
//!   fails: the append fails saying so, nothing is half-written, and the journal
//!   stays readable while the disk is full and writable once it is not.
//!
//! After every fault the ledger is also reopened from a copy of the store and
//! must find every fact, catch its projections up to a rebuild's digests, take a
//! further append and audit clean. The prepared state is built the same way
//! every time (fixed facts, a `FixedClock`, a seeded signing key), which each
//! sweep checks first, so the byte-for-byte comparisons mean something. A sweep
//! does not stop at the first failing point: it lists them all.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

use sitrep::journal::{AppendOptions, AuditOptions, Journal};
use sitrep::note::SigningKey;
use sitrep::projection::engine;
use sitrep::projection::replay::digests;
use sitrep::projection::{Projection, StateDigest};
use sitrep::store::{dump, FailingStore, Fault, Op, OpCounts, Pair, Store, VolatileStore, Write};
use sitrep::time::{FixedClock, Timestamp};
use sitrep::{input, Fact};

const ORIGIN: &str = "test.example/fault-injection";
const LABEL: &str = "fault-injection ledger (in memory)";
/// 2026-01-01T00:00:00Z; each batch is recorded an hour after the one before.
const EPOCH_MICROS: i64 = 1_767_225_600_000_000;
const HOUR_MICROS: i64 = 3_600_000_000;
/// What a derived-data key starts with (docs/format.md: projection snapshots).
const DERIVED_PREFIX: &[u8] = b"p/";

/// The first batch of the base ledger: a source and its incident report.
const BATCH_1: &str = r#"
{"key":"s1/source","kind":"source","publisher":"Wire One","type":"wire","party":false}
{"key":"s1/incident/base-a","kind":"incident","source":"s1/source","incident":"base-a","direction":"on_us_forces","occurred":{"start":"2024-01-20","precision":"day"},"target":{"name":"Base A","country":"IQ","precision":"site"},"attack_types":["drone"]}
"#;

/// The second batch of the base ledger, appended after the checkpoint.
const BATCH_2: &str = r#"
{"key":"s2/source","kind":"source","publisher":"Paper Two","type":"news_site","party":false}
{"key":"s2/incident/base-a","kind":"incident","source":"s2/source","incident":"base-a","direction":"on_us_forces","occurred":{"start":"2024-01-20","precision":"day"},"target":{"name":"Base A","country":"IQ","precision":"site"},"attack_types":["drone","rocket"]}
{"key":"s2/count/attacks","kind":"count","source":"s2/source","speaker":{"name":"Paper Two"},"metric":"attacks","value":"dozens","period":{"from":{"start":"2023-10-17"}},"scope":{"countries":["IQ","SY"]}}
"#;

/// The batch whose append is under test: several facts of several kinds, one of
/// them a new incident key and one a revision of a base fact.
const BATCH_3: &str = r#"
{"key":"s3/source","kind":"source","publisher":"Agency Three","type":"wire","party":false}
{"key":"s3/incident/base-b","kind":"incident","source":"s3/source","incident":"base-b","direction":"on_us_forces","occurred":{"start":"2024-01-28","precision":"day"},"target":{"name":"Base B","country":"JO","precision":"site"},"attack_types":["drone"],"casualties":[{"group":"us_military","killed":3}]}
{"key":"s3/incident/base-a","kind":"incident","source":"s3/source","incident":"base-a","direction":"on_us_forces","occurred":{"start":"2024-01-20","precision":"day"},"target":{"name":"Base A","country":"IQ","precision":"site"},"attack_types":["rocket"]}
{"key":"s3/statement/pause","kind":"statement","source":"s3/source","speaker":{"name":"A militia"},"type":"suspension","made":{"start":"2024-01-30","precision":"day"},"text":"announced a suspension of attacks","attribution":"own_channel"}
{"key":"s3/denial/base-a","kind":"denial","source":"s3/source","denier":{"name":"A militia"},"target":"s2/incident/base-a","type":"involvement"}
"#;

/// The append made on every reopened ledger, to show it still takes writes.
const BATCH_4: &str = r#"
{"key":"s4/source","kind":"source","publisher":"Outlet Four","type":"news_site","party":false}
"#;

/// The append made on the journal that saw the fault, once the fault is gone.
const BATCH_5: &str = r#"
{"key":"s5/source","kind":"source","publisher":"Outlet Five","type":"wire","party":false}
"#;

/// A fact whose key the base already uses, with other content.
const REUSED_KEY: &str = r#"
{"key":"s1/source","kind":"source","publisher":"Someone Else","type":"wire","party":false}
"#;

fn facts(jsonl: &str) -> Vec<Fact> {
    input::parse("batch.jsonl", jsonl.as_bytes())
        .unwrap()
        .into_iter()
        .map(|l| l.fact)
        .collect()
}

fn clock(batch: i64) -> FixedClock {
    FixedClock(Timestamp::from_micros(EPOCH_MICROS + batch * HOUR_MICROS))
}

fn durable() -> AppendOptions {
    AppendOptions {
        recorded_by: "fault test".into(),
        durable: true,
        dry_run: false,
    }
}

fn signing_key() -> SigningKey {
    SigningKey::from_seed("fault.example", [7; 32]).unwrap()
}

/// The operations under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    /// A durable append of `BATCH_3` to a ledger with entries and a checkpoint.
    Append,
    /// Signing a checkpoint that extends the stored one.
    Checkpoint,
    /// `engine::current` after `BATCH_3` was appended: the catch-up folds it in
    /// and writes the snapshot.
    Snapshot,
}

const OPERATIONS: [Operation; 3] = [
    Operation::Append,
    Operation::Checkpoint,
    Operation::Snapshot,
];

/// The store right before `op`, built from scratch: batch 1, a projection
/// snapshot, a signed checkpoint at size 2, batch 2 (and, before a catch-up,
/// batch 3), all flushed.
///
/// The store is a [`VolatileStore`] even where no crash follows. Not
/// `MemoryStore`: it holds its lock while a scan visits, and the audit that
/// signing a checkpoint runs reads the store from inside a scan, so it would
/// deadlock.
fn prepare(op: Operation) -> Vec<Pair> {
    let disk = Arc::new(VolatileStore::new());
    let mut journal = Journal::create_on(Box::new(Arc::clone(&disk)), ORIGIN).unwrap();
    journal
        .append(facts(BATCH_1), &clock(0), &durable())
        .unwrap();
    engine::current(&journal).unwrap();
    journal.sign_checkpoint(&signing_key()).unwrap();
    journal
        .append(facts(BATCH_2), &clock(1), &durable())
        .unwrap();
    if op == Operation::Snapshot {
        journal
            .append(facts(BATCH_3), &clock(2), &durable())
            .unwrap();
    }
    journal.flush().unwrap();
    dump(disk.as_ref()).unwrap()
}

/// A flushed volatile store holding exactly `state`.
fn load(state: &[Pair]) -> Arc<VolatileStore> {
    let disk = Arc::new(VolatileStore::new());
    disk.commit(
        state
            .iter()
            .map(|(k, v)| Write::Put(k.clone(), v.clone()))
            .collect(),
    )
    .unwrap();
    disk.flush().unwrap();
    disk
}

/// A ledger in a given state, opened through a counting [`FailingStore`].
struct Rig {
    /// The store underneath, which faults never touch.
    volatile: Arc<VolatileStore>,
    failing: Arc<FailingStore<Arc<VolatileStore>>>,
    journal: Journal,
}

impl Rig {
    fn load(state: &[Pair]) -> Rig {
        let volatile = load(state);
        let failing = Arc::new(FailingStore::new(Arc::clone(&volatile)));
        let journal = Journal::open_on(Box::new(Arc::clone(&failing)), Path::new(LABEL))
            .expect("the prepared ledger opens");
        Rig {
            volatile,
            failing,
            journal,
        }
    }
}

/// Every pair in `disk`.
fn state(disk: &VolatileStore) -> Vec<Pair> {
    dump(disk).unwrap()
}

/// What a run of an operation returned.
#[derive(Debug)]
enum Outcome {
    /// It succeeded; a catch-up also says what picture it produced and noted.
    Done {
        digest: Option<StateDigest>,
        notes: Vec<String>,
    },
    /// It failed, with this message.
    Failed(String),
}

fn run(op: Operation, journal: &mut Journal) -> Outcome {
    let result = match op {
        Operation::Append => journal
            .append(facts(BATCH_3), &clock(2), &durable())
            .map(|report| {
                assert!(report.committed);
                (None, Vec::new())
            })
            .map_err(|e| e.to_string()),
        Operation::Checkpoint => journal
            .sign_checkpoint(&signing_key())
            .map(|signed| {
                assert_eq!(signed.extends, Some(2));
                (None, Vec::new())
            })
            .map_err(|e| e.to_string()),
        Operation::Snapshot => engine::current(journal)
            .map(|current| (Some(current.picture.digest()), current.notes))
            .map_err(|e| e.to_string()),
    };
    match result {
        Ok((digest, notes)) => Outcome::Done { digest, notes },
        Err(message) => Outcome::Failed(message),
    }
}

/// The operation run once without faults, and what it takes.
struct Clean {
    before: Vec<Pair>,
    after: Vec<Pair>,
    /// Store operations the run performs: its fault points.
    ops: u64,
    counts: OpCounts,
    /// The picture digest at the head after the operation (a rebuild's).
    picture: StateDigest,
}

fn clean_run(op: Operation) -> Clean {
    let before = prepare(op);
    // Every comparison below relies on the same steps giving the same bytes.
    assert!(
        prepare(op) == before,
        "{op:?}: the prepared state is deterministic"
    );
    let mut rig = Rig::load(&before);
    let start = rig.failing.counts();
    let outcome = run(op, &mut rig.journal);
    let matched = matches!(outcome, Outcome::Done { .. });
    assert!(matched, "{op:?} without faults: {outcome:?}");
    let end = rig.failing.counts();
    let counts = OpCounts {
        get: end.get - start.get,
        last_at_or_before: end.last_at_or_before - start.last_at_or_before,
        scan: end.scan - start.scan,
        commit: end.commit - start.commit,
        flush: end.flush - start.flush,
    };
    let after = state(&rig.volatile);
    assert!(before != after, "{op:?} changes the store");
    let picture = engine::rebuild(&rig.journal).unwrap().digest();
    Clean {
        before,
        after,
        ops: counts.total(),
        counts,
        picture,
    }
}

/// Which of the two allowed states a store is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    Before,
    After,
}

/// The state must be exactly `before` or exactly `after`, derived data included;
/// anything else is a half-done operation and fails with the differing keys.
fn classify(state: &[Pair], clean: &Clean, what: &dyn fmt::Display) -> Found {
    if state == clean.before.as_slice() {
        return Found::Before;
    }
    if state == clean.after.as_slice() {
        return Found::After;
    }
    panic!(
        "{what}: the store is neither the before-state nor the after-state\n\
         keys that differ from before: {}\nkeys that differ from after: {}",
        differing_keys(state, &clean.before),
        differing_keys(state, &clean.after)
    );
}

fn differing_keys(a: &[Pair], b: &[Pair]) -> String {
    let a: BTreeMap<_, _> = a.iter().cloned().collect();
    let b: BTreeMap<_, _> = b.iter().cloned().collect();
    let keys: BTreeSet<_> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| String::from_utf8_lossy(k).escape_debug().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Entries in the ledger before and after each operation.
fn sizes(op: Operation) -> (u64, u64) {
    let base = (facts(BATCH_1).len() + facts(BATCH_2).len()) as u64;
    let with_batch_3 = base + facts(BATCH_3).len() as u64;
    match op {
        Operation::Append => (base, with_batch_3),
        Operation::Checkpoint => (base, base),
        Operation::Snapshot => (with_batch_3, with_batch_3),
    }
}

fn size_of(op: Operation, found: Found) -> u64 {
    let (before, after) = sizes(op);
    match found {
        Found::Before => before,
        Found::After => after,
    }
}

/// The fact keys a ledger of `size` entries holds.
fn keys_at(size: u64) -> Vec<String> {
    [BATCH_1, BATCH_2, BATCH_3]
        .into_iter()
        .flat_map(facts)
        .take(usize::try_from(size).unwrap())
        .map(|f| f.key.to_string())
        .collect()
}

/// Checks a journal agrees with the store it reads: the head has `size`
/// entries, every fact key in them is found (the first `size - extra.len()`
/// from batches 1 to 3, then `extra`), and the projection caught up from
/// whatever snapshot is stored equals a rebuild in every view.
fn assert_whole(journal: &Journal, size: u64, extra: &[&str], what: &dyn fmt::Display) {
    assert_eq!(
        journal.head().size,
        size,
        "{what}: the journal's head disagrees with the store"
    );
    let batched = keys_at(size - extra.len() as u64);
    for key in batched
        .iter()
        .map(String::as_str)
        .chain(extra.iter().copied())
    {
        assert!(
            journal.find_key(key).unwrap().is_some(),
            "{what}: fact `{key}` is in the store but not found"
        );
    }
    let current = engine::current(journal).unwrap();
    let rebuilt = engine::rebuild(journal).unwrap();
    assert_eq!(
        digests(&current.picture),
        digests(&rebuilt),
        "{what}: catch-up from the stored snapshot differs from a rebuild"
    );
}

/// The audit reads every entry, node and checkpoint and finds nothing. It is the
/// slow check (it verifies the stored checkpoints' signatures, ~20 ms each in a
/// debug build), so it runs once per ledger a fault point leaves, after the
/// further append: an audit of the longer ledger covers the shorter one.
fn assert_audit_clean(journal: &Journal, what: &dyn fmt::Display) {
    let audit = journal.audit(&AuditOptions::default()).unwrap();
    assert!(
        audit.is_clean(),
        "{what}: audit: {:?}",
        audit.first_problem()
    );
}

/// Reopens the ledger held in a copy of `state` and checks it is whole, takes a
/// further append and then audits clean.
fn reopen_and_check(state: &[Pair], size: u64, what: &dyn fmt::Display) {
    let disk = load(state);
    assert!(
        state.iter().any(|(k, _)| k.starts_with(DERIVED_PREFIX)),
        "{what}: a snapshot is stored, so catching up starts from one"
    );
    let mut journal = Journal::open_on(Box::new(Arc::clone(&disk)), Path::new(LABEL))
        .unwrap_or_else(|e| panic!("{what}: reopening failed: {e}"));
    assert_whole(&journal, size, &[], what);
    let report = journal
        .append(facts(BATCH_4), &clock(3), &durable())
        .unwrap_or_else(|e| panic!("{what}: append after reopening failed: {e}"));
    assert!(report.committed, "{what}");
    assert_eq!(journal.head().size, size + 1, "{what}");
    assert_audit_clean(&journal, what);
}

/// Goes on with the journal that saw the fault, once the fault is gone: it
/// still refuses a reused key, takes a new batch, and the ledger reopened
/// afterwards is whole and audits clean.
fn carry_on(mut journal: Journal, disk: &Arc<VolatileStore>, size: u64, what: &dyn fmt::Display) {
    let reused = journal.append(facts(REUSED_KEY), &clock(4), &durable());
    assert!(
        reused.is_err(),
        "{what}: the handle that saw the fault accepted a key the ledger already uses"
    );
    let report = journal
        .append(facts(BATCH_5), &clock(4), &durable())
        .unwrap_or_else(|e| panic!("{what}: append on the same handle failed: {e}"));
    assert!(report.committed, "{what}");
    drop(journal);
    let reopened = Journal::open_on(Box::new(Arc::clone(disk)), Path::new(LABEL)).unwrap();
    assert_whole(&reopened, size + 1, &["s5/source"], what);
    assert_audit_clean(&reopened, what);
}

/// A fault point, for messages.
struct Point {
    op: Operation,
    sweep: &'static str,
    n: u64,
    of: u64,
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?}, {} at operation {} of {}",
            self.op, self.sweep, self.n, self.of
        )
    }
}

/// Checks an outcome under a fault that hit an `injected` operation: the
/// operation failed naming the fault, or — only for a catch-up whose snapshot
/// write was refused — it succeeded with the right picture and a note that the
/// snapshot was not saved (`engine::current` documents both).
fn assert_failed_or_noted(outcome: &Outcome, injected: Op, clean: &Clean, point: &Point) {
    match outcome {
        Outcome::Failed(message) => assert!(
            message.contains("storage error: injected fault at operation"),
            "{point}: the error does not name the storage fault: {message}"
        ),
        Outcome::Done { digest, notes } => {
            assert!(
                point.op == Operation::Snapshot && injected == Op::Commit,
                "{point}: succeeded although its {injected} failed"
            );
            assert_eq!(*digest, Some(clean.picture), "{point}: wrong picture");
            assert!(
                notes
                    .iter()
                    .any(|n| n.contains("could not save the projection snapshot")),
                "{point}: no note about the unsaved snapshot: {notes:?}"
            );
        }
    }
}

/// What one sweep found, printed for docs/reliability.md.
#[derive(Default)]
struct Tally {
    points: u64,
    before: u64,
    after: u64,
    /// Each failed point and why.
    failures: Vec<String>,
}

/// Runs `check` at fault points `1..=last` of `op`, catching a failed check so
/// that a sweep names every failing point, not only the first; prints the
/// tally and returns the failures.
fn sweep(
    op: Operation,
    name: &'static str,
    clean: &Clean,
    last: u64,
    check: &dyn Fn(&Point) -> Found,
) -> Vec<String> {
    let mut tally = Tally::default();
    for n in 1..=last {
        let point = Point {
            op,
            sweep: name,
            n,
            of: clean.ops,
        };
        tally.points += 1;
        match panic::catch_unwind(AssertUnwindSafe(|| check(&point))) {
            Ok(Found::Before) => tally.before += 1,
            Ok(Found::After) => tally.after += 1,
            Err(payload) => {
                let why = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                tally.failures.push(format!("{point}: {why}"));
            }
        }
    }
    eprintln!(
        "fault injection: {op:?} takes {}; {name}: {} fault points, {} left the before-state, {} the after-state, {} failed",
        clean.counts,
        tally.points,
        tally.before,
        tally.after,
        tally.failures.len()
    );
    tally.failures
}

fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} fault points failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn an_io_error_at_any_operation_leaves_the_state_before_or_after() {
    let mut failures = Vec::new();
    for op in OPERATIONS {
        let clean = clean_run(op);
        failures.extend(sweep(op, "one I/O error", &clean, clean.ops, &|point| {
            let mut rig = Rig::load(&clean.before);
            rig.failing.arm(Fault::Once(point.n));
            let outcome = run(op, &mut rig.journal);
            let injected = rig.failing.last_fault();
            assert_eq!(
                injected.map(|f| f.ordinal),
                Some(point.n),
                "{point}: the fault was not reached"
            );
            let injected = injected.map_or(Op::Get, |f| f.op);
            assert_failed_or_noted(&outcome, injected, &clean, point);
            let state = state(&rig.volatile);
            let found = classify(&state, &clean, point);
            let size = size_of(op, found);
            reopen_and_check(&state, size, point);
            // The error was transient: the handle that saw it must still be
            // right about the ledger, and go on appending without damage.
            assert_whole(&rig.journal, size, &[], point);
            carry_on(rig.journal, &rig.volatile, size, point);
            found
        }));
    }
    assert_no_failures(&failures);
}

#[test]
fn power_loss_at_any_operation_keeps_what_was_acknowledged_and_nothing_half_done() {
    let mut failures = Vec::new();
    for op in OPERATIONS {
        let clean = clean_run(op);
        // The last point, ops + 1: the operation completes and the power goes
        // right after.
        failures.extend(sweep(op, "power loss", &clean, clean.ops + 1, &|point| {
            let mut rig = Rig::load(&clean.before);
            // The process dies at operation n: nothing from it on reaches the disk.
            rig.failing.arm(Fault::Persistent(point.n));
            let outcome = run(op, &mut rig.journal);
            let acknowledged = matches!(outcome, Outcome::Done { .. });
            if point.n <= clean.ops {
                let injected = rig.failing.last_fault().map_or(Op::Get, |f| f.op);
                assert_failed_or_noted(&outcome, injected, &clean, point);
            } else {
                assert!(acknowledged, "{point}: {outcome:?}");
            }
            drop(rig.journal);
            rig.volatile.crash();
            let state = state(&rig.volatile);
            let found = classify(&state, &clean, point);
            match op {
                // What the caller was told is what survived: an acknowledged
                // durable append or checkpoint is on disk, a failed one is not,
                // because each makes its one commit durable with its last flush.
                // (On a real disk a failed one may survive too, but whole.)
                Operation::Append | Operation::Checkpoint => {
                    let expected = if acknowledged {
                        Found::After
                    } else {
                        Found::Before
                    };
                    assert_eq!(found, expected, "{point}: {outcome:?}");
                }
                // A catch-up does not flush its snapshot: power loss costs the
                // next command a catch-up, never a wrong answer.
                Operation::Snapshot => assert_eq!(found, Found::Before, "{point}"),
            }
            reopen_and_check(&state, size_of(op, found), point);
            found
        }));
    }
    assert_no_failures(&failures);
}

#[test]
fn a_non_durable_append_is_lost_whole_by_a_power_loss() {
    let before = prepare(Operation::Append);
    let mut rig = Rig::load(&before);
    let options = AppendOptions {
        durable: false,
        ..durable()
    };
    let report = rig
        .journal
        .append(facts(BATCH_3), &clock(2), &options)
        .unwrap();
    assert!(report.committed);
    assert!(rig.volatile.unflushed() > 0, "the batch is not flushed");
    drop(rig.journal);
    rig.volatile.crash();
    assert!(
        state(&rig.volatile) == before,
        "not acknowledged as durable: lost, and lost whole"
    );
    reopen_and_check(&before, sizes(Operation::Append).0, &"non-durable append");
}

#[test]
fn a_full_disk_refuses_the_append_clearly_and_the_ledger_stays_readable() {
    let op = Operation::Append;
    let clean = clean_run(op);
    let failures = sweep(op, "disk full", &clean, clean.ops, &|point| {
        let mut rig = Rig::load(&clean.before);
        rig.failing.arm(Fault::DiskFull(point.n));
        let outcome = run(op, &mut rig.journal);
        let Outcome::Failed(message) = outcome else {
            panic!("{point}: the append succeeded on a full disk");
        };
        assert!(
            message.contains("storage error: injected fault at operation")
                && message.contains("no space left on the device"),
            "{point}: {message}"
        );
        let state = state(&rig.volatile);
        let found = classify(&state, &clean, point);
        let size = size_of(op, found);
        // Still full: the same handle reads the whole ledger (its catch-up
        // cannot save a snapshot and says so).
        assert_whole(&rig.journal, size, &[], point);
        reopen_and_check(&state, size, point);
        rig.failing.disarm();
        carry_on(rig.journal, &rig.volatile, size, point);
        found
    });
    assert_no_failures(&failures);
}
