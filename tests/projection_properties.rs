//! Model and property tests of the projection engine (DESIGN §6, STYLE habit 9),
//! through the library only. A generator produces random sequences of appends
//! (sources, incident reports on a small pool of incident keys, counts,
//! statements, claims), corrections, retractions, merges, denials, reopens of a
//! sled-backed ledger and catch-ups. Facts come from the shared generator in
//! `common::facts`: abstract choices resolved against the facts recorded so far,
//! so every one names a target that exists and is of a kind the journal accepts
//! (`model_properties` holds the journal to that exactly); here a refusal is counted,
//! and a case fails if more than a few are refused, so that a drifting generator
//! cannot make the tests pass by testing nothing. The properties: the picture
//! caught up incrementally from its snapshot equals a rebuild from scratch
//! (picture and every view, by digest) after every step and after catching up
//! from a snapshot taken at any earlier point; a snapshot whose cursor does not
//! match the log is refused, with a note, and rebuilt; and the `incidents` view
//! has exactly the rows of a plain model of what is in force (retractions remove,
//! the latest live correction wins, live merges join keys); and `tallies` as of
//! any seq, counted from the materialised table's history, equals the view of
//! the log's prefix.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use tempfile::TempDir;

use crate::common::facts::{fact_op, prologue, resolve, FactLog, FactOp, IncidentValues, Pick};
use sitrep::fact::{AttackType, CasualtyGroup, DenialType, Direction, Outcome};
use sitrep::journal::{AppendOptions, Journal, OpenError};
use sitrep::projection::engine::{self, store_snapshot, Cursor};
use sitrep::projection::materialised::history;
use sitrep::projection::picture::Picture;
use sitrep::projection::replay::{self, digests};
use sitrep::projection::resolve::Resolved;
use sitrep::projection::views::tallies::Details;
use sitrep::projection::views::{DirectionRule, GroupBy, Params, Rule, View};
use sitrep::projection::{Projection, StateDigest};
use sitrep::store::StoreError;
use sitrep::time::{FixedClock, Timestamp};
use sitrep::{Fact, FactBody, Id, Seq};

/// Cases per property. Modest, so that `cargo test` stays fast (each case runs
/// up to `MAX_OPS` operations and checks after each); set `PROPTEST_CASES` to run
/// more, e.g. `PROPTEST_CASES=2000 cargo test --release projection_properties`.
const CASES: u32 = 48;
/// The most generated operations per case (after the fixed prologue).
const MAX_OPS: usize = 40;
/// The share of cases run on a sled ledger in a temporary directory (the others
/// run in memory): only these can `Reopen`, and they are slower to set up.
const SLED_SHARE: f64 = 0.25;
/// How long a reopen waits for sled to release its file lock.
const REOPEN_WAIT_MS: u64 = 5_000;
/// At least this share of the attempted appends must be accepted.
const MIN_ACCEPTED_PERCENT: usize = 90;

const ORIGIN: &str = "test.example/projection-properties";

/// `CASES`, unless `PROPTEST_CASES` says otherwise (proptest reads it into its
/// default config, which an explicit case count would override).
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = CASES;
    }
    config
}

/// One step: a fresh fact, or something done to the ledger.
#[derive(Clone, Debug)]
enum Op {
    /// Append the fact this stands for (see `common::facts::resolve`).
    Fact(FactOp),
    /// Close and reopen the ledger (sled only; a no-op in memory).
    Reopen,
    /// `engine::current`: catch up and store a snapshot.
    CatchUp,
}

fn op() -> impl Strategy<Value = Op> {
    // The fact weights sum to 31; reopens and catch-ups keep their old share.
    prop_oneof![
        31 => fact_op().prop_map(Op::Fact),
        1 => Just(Op::Reopen),
        3 => Just(Op::CatchUp),
    ]
}

/// One generated case: which store, and the operations after the prologue.
#[derive(Clone, Debug)]
struct Case {
    sled: bool,
    ops: Vec<Op>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::bool::weighted(SLED_SHARE),
        proptest::collection::vec(op(), 1..=MAX_OPS),
    )
        .prop_map(|(sled, ops)| Case { sled, ops })
}

// ---------------------------------------------------------------------------
// The model

/// What the `incidents` view should say about one incident.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ExpectedRow {
    aliases: Vec<String>,
    reports: Vec<String>,
    sources: Vec<String>,
    denied: bool,
}

/// Every accepted fact in log order, and what the journal's indexes know.
#[derive(Default)]
struct Model {
    log: FactLog,
}

impl Model {
    /// Keys named by some retraction (a retraction itself cannot be retracted).
    fn retracted(&self) -> BTreeSet<&str> {
        self.log
            .facts
            .iter()
            .filter_map(|f| match &f.body {
                FactBody::Retraction(r) => Some(r.target.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The version in force of `fact`: the replacement of its latest correction
    /// that is not retracted, or the original.
    fn in_force<'m>(&'m self, fact: &'m Fact, retracted: &BTreeSet<&str>) -> &'m FactBody {
        self.log
            .facts
            .iter()
            .rev()
            .filter(|f| !retracted.contains(f.key.as_str()))
            .find_map(|f| match &f.body {
                FactBody::Correction(c) if c.target == fact.key => Some(c.replacement.as_ref()),
                _ => None,
            })
            .unwrap_or(&fact.body)
    }

    /// Live merges in log order, as sets of keys: a merge joins every group it
    /// touches, and the group takes its `surviving` key as its name.
    fn merge_groups(&self, retracted: &BTreeSet<&str>) -> Vec<(BTreeSet<String>, String)> {
        let mut groups: Vec<(BTreeSet<String>, String)> = Vec::new();
        for fact in &self.log.facts {
            let FactBody::Merge(m) = &fact.body else {
                continue;
            };
            if retracted.contains(fact.key.as_str()) {
                continue;
            }
            let (touched, rest): (Vec<_>, Vec<_>) = groups
                .into_iter()
                .partition(|(members, _)| m.incidents.iter().any(|k| members.contains(k.as_str())));
            let mut members: BTreeSet<String> = m.incidents.iter().map(|k| k.to_string()).collect();
            for (old, _) in touched {
                members.extend(old);
            }
            groups = rest;
            groups.push((members, m.surviving.to_string()));
        }
        groups
    }

    /// One row per incident with a live report, by the key it goes by.
    fn expected_incidents(&self) -> BTreeMap<String, ExpectedRow> {
        let retracted = self.retracted();
        let groups = self.merge_groups(&retracted);
        let name_of = |key: &str| -> String {
            groups
                .iter()
                .find(|(members, _)| members.contains(key))
                .map_or_else(|| key.to_owned(), |(_, name)| name.clone())
        };
        let aliases_of = |name: &str| -> Vec<String> {
            groups.iter().find(|(_, n)| n == name).map_or_else(
                || vec![name.to_owned()],
                |(m, _)| m.iter().cloned().collect(),
            )
        };
        let live = |f: &&Fact| !retracted.contains(f.key.as_str());
        // Targets of the live denials, as their version in force names them.
        let denied: BTreeSet<&str> = self
            .log
            .facts
            .iter()
            .filter(live)
            .filter_map(|f| match self.in_force(f, &retracted) {
                FactBody::Denial(d) => Some(d.target.as_str()),
                _ => None,
            })
            .collect();
        let mut rows: BTreeMap<String, ExpectedRow> = BTreeMap::new();
        for fact in self.log.facts.iter().filter(live) {
            let FactBody::Incident(_) = fact.body else {
                continue;
            };
            let FactBody::Incident(report) = self.in_force(fact, &retracted) else {
                continue;
            };
            let name = name_of(&report.incident);
            let row = rows.entry(name.clone()).or_insert_with(|| ExpectedRow {
                aliases: aliases_of(&name),
                reports: Vec::new(),
                sources: Vec::new(),
                denied: false,
            });
            row.reports.push(fact.key.to_string());
            if !row.sources.iter().any(|s| *s == report.source) {
                row.sources.push(report.source.to_string());
            }
            row.denied |= denied.contains(fact.key.as_str());
        }
        // A live claim naming a key of the incident: its denials count too.
        for fact in self.log.facts.iter().filter(live) {
            let FactBody::Claim(claim) = self.in_force(fact, &retracted) else {
                continue;
            };
            if !denied.contains(fact.key.as_str()) {
                continue;
            }
            for key in &claim.incidents {
                if let Some(row) = rows.get_mut(&name_of(key)) {
                    row.denied = true;
                }
            }
        }
        rows
    }
}

// ---------------------------------------------------------------------------
// The ledger under test

struct Ledger {
    // Declared before `dir`: sled must close before its directory is removed.
    journal: Journal,
    dir: Option<TempDir>,
    appends: i64,
}

impl Ledger {
    fn new(sled: bool) -> Ledger {
        if sled {
            let dir = TempDir::new().expect("a temporary directory");
            let journal = Journal::init(&dir.path().join("ledger"), ORIGIN).expect("init");
            Ledger {
                journal,
                dir: Some(dir),
                appends: 0,
            }
        } else {
            Ledger {
                journal: Journal::in_memory(ORIGIN).expect("in-memory ledger"),
                dir: None,
                appends: 0,
            }
        }
    }

    /// Appends one fact; `Err` with the journal's message if it is refused.
    fn append(&mut self, fact: Fact) -> Result<(), String> {
        self.appends += 1;
        // One second apart from 2024-06-01, so `recorded_at` is realistic.
        let clock = FixedClock(Timestamp::from_micros(
            1_717_200_000_000_000 + self.appends * 1_000_000,
        ));
        let options = AppendOptions {
            recorded_by: "proptest".to_owned(),
            durable: false,
            dry_run: false,
        };
        let report = self
            .journal
            .append(vec![fact], &clock, &options)
            .map_err(|e| e.to_string())?;
        if report.committed {
            Ok(())
        } else {
            Err("nothing was committed".to_owned())
        }
    }

    /// Closes and reopens a sled ledger; `false` in memory.
    fn reopen(&mut self) -> bool {
        let Some(dir) = &self.dir else {
            return false;
        };
        let path = dir.path().join("ledger");
        let head = self.journal.head();
        // sled holds its file lock until the database is dropped, so put a
        // throw-away journal in its place first.
        self.journal = Journal::in_memory(ORIGIN).expect("placeholder");
        // sled lets go of the lock when its background flusher drops its handle,
        // a moment after the database itself: retry a locked open for a while.
        let mut waited = 0;
        self.journal = loop {
            match Journal::open(&path) {
                Ok(journal) => break journal,
                Err(OpenError::Store(StoreError::Locked { .. })) if waited < REOPEN_WAIT_MS => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    waited += 5;
                }
                Err(e) => panic!("reopen the ledger (after {waited} ms): {e}"),
            }
        };
        assert_eq!(self.journal.head(), head, "reopening changed the head");
        true
    }
}

/// What a step did.
enum Did {
    Appended,
    Refused,
    /// Nothing to do (no fitting target, or a reopen in memory).
    Nothing,
    Reopened,
    CaughtUp(engine::Current),
}

/// A ledger, its model, and how many appends were accepted and refused.
struct Runner {
    ledger: Ledger,
    model: Model,
    accepted: usize,
    refusals: Vec<String>,
}

impl Runner {
    /// A ledger with a source and two incident keys, so that every kind of
    /// operation has something to act on from the first step.
    fn new(sled: bool) -> Runner {
        let mut runner = Runner {
            ledger: Ledger::new(sled),
            model: Model::default(),
            accepted: 0,
            refusals: Vec::new(),
        };
        for op in prologue() {
            runner.step(&Op::Fact(op));
        }
        runner
    }

    fn journal(&self) -> &Journal {
        &self.ledger.journal
    }

    fn step(&mut self, op: &Op) -> Did {
        match op {
            Op::Reopen if self.ledger.reopen() => return Did::Reopened,
            Op::Reopen => return Did::Nothing,
            Op::CatchUp => {
                return Did::CaughtUp(engine::current(self.journal()).expect("catch up"));
            }
            _ => {}
        }
        let Op::Fact(op) = op else {
            return Did::Nothing;
        };
        let Some(fact) = resolve(op, &self.model.log) else {
            return Did::Nothing;
        };
        match self.ledger.append(fact.clone()) {
            Ok(()) => {
                self.model.log.record(fact);
                self.accepted += 1;
                Did::Appended
            }
            Err(message) => {
                self.refusals.push(format!("{fact:?}: {message}"));
                Did::Refused
            }
        }
    }

    /// Fails the case if the journal refused more than a few generated facts.
    fn check_mostly_accepted(&self) -> Result<(), TestCaseError> {
        let attempted = self.accepted + self.refusals.len();
        prop_assert!(
            self.accepted * 100 >= attempted * MIN_ACCEPTED_PERCENT,
            "the journal refused {} of {attempted} generated facts: {:#?}",
            self.refusals.len(),
            self.refusals
        );
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Checks

fn rebuilt(journal: &Journal) -> Picture {
    engine::rebuild(journal).expect("rebuild")
}

/// The picture of the first `size` entries.
fn prefix(journal: &Journal, size: u64) -> Picture {
    let mut picture = Picture::default();
    journal
        .scan(Seq::new(0), &mut |record| {
            if record.entry.seq.get() >= size {
                return false;
            }
            picture.apply(&record.entry);
            true
        })
        .expect("scan");
    picture
}

/// The id the log has at cursor size `size`.
fn id_at(journal: &Journal, size: u64) -> Id {
    if size == 0 {
        journal.genesis()
    } else {
        journal
            .read(Seq::new(size - 1))
            .expect("read")
            .expect("the entry exists")
            .id
    }
}

fn same_digests(incremental: &Picture, journal: &Journal) -> Result<(), TestCaseError> {
    let differing: Vec<&str> = digests(incremental)
        .into_iter()
        .zip(digests(&rebuilt(journal)))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((name, _), _)| name)
        .collect();
    prop_assert!(
        differing.is_empty(),
        "incremental state differs from a rebuild in {differing:?}"
    );
    Ok(())
}

fn strings(detail: &serde_json::Value, field: &str) -> Vec<String> {
    detail[field]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The `incidents` view of `picture` has exactly the model's rows.
fn incidents_match_model(picture: &Picture, model: &Model) -> Result<(), TestCaseError> {
    let table = View::Incidents.build(&Resolved::new(picture), &Params::default());
    let mut actual: BTreeMap<String, ExpectedRow> = BTreeMap::new();
    for row in &table.rows {
        let detail = row.detail.value();
        prop_assert_eq!(detail["key"].as_str(), Some(row.key.as_str()));
        let status = strings(&detail, "status");
        let seen = ExpectedRow {
            aliases: strings(&detail, "aliases"),
            reports: strings(&detail, "reports"),
            sources: strings(&detail, "sources"),
            denied: status.iter().any(|s| s == "denied"),
        };
        prop_assert!(
            actual.insert(row.key.clone(), seen).is_none(),
            "two rows for incident {}",
            row.key
        );
    }
    prop_assert_eq!(actual, model.expected_incidents());
    Ok(())
}

// ---------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(config())]

    /// (a) After every step, the state caught up from the previous step's
    /// snapshot equals a rebuild, picture and every view: `replay --check`
    /// finds no difference and has nothing to report.
    #[test]
    fn incremental_state_equals_a_rebuild_after_every_step(case in case()) {
        let mut runner = Runner::new(case.sled);
        for op in &case.ops {
            runner.step(op);
            let report = replay::replay(runner.journal(), false).expect("replay");
            prop_assert!(report.differing().is_empty(), "after {op:?}: {:?}", report.differing());
            prop_assert!(report.notes.is_empty(), "after {op:?}: {:?}", report.notes);
            prop_assert_eq!(report.entries, runner.journal().head().size);
        }
        runner.check_mostly_accepted()?;
    }

    /// (b) Snapshots are taken only at `CatchUp` steps, so each catch-up starts
    /// from a snapshot taken some steps earlier (across reopens): it folds
    /// exactly the entries appended since, and the result equals a rebuild.
    #[test]
    fn catching_up_from_an_earlier_snapshot_equals_a_rebuild(case in case()) {
        let mut runner = Runner::new(case.sled);
        // Sizes at which snapshots were stored; the prologue stored none, so the
        // first catch-up starts from nothing.
        let mut snapshots: Vec<u64> = vec![0];
        let mut reopened = false;
        let final_catch_up = Op::CatchUp;
        for op in case.ops.iter().chain([&final_catch_up]) {
            match runner.step(op) {
                Did::CaughtUp(current) => {
                    let head = runner.journal().head();
                    prop_assert!(current.notes.is_empty(), "{:?}", current.notes);
                    prop_assert_eq!(current.cursor, Cursor { size: head.size, last: head.last_id });
                    let from = head.size - current.folded;
                    if reopened {
                        // The snapshot is not flushed (losing it only costs a
                        // longer catch-up): after a reopen any earlier one will do.
                        prop_assert!(snapshots.contains(&from), "caught up from {from}");
                    } else {
                        prop_assert_eq!(Some(&from), snapshots.last());
                    }
                    same_digests(&current.picture, runner.journal())?;
                    snapshots.push(head.size);
                    reopened = false;
                }
                Did::Reopened => reopened = true,
                Did::Appended | Did::Refused | Did::Nothing => {}
            }
        }
        prop_assert!(snapshots.len() >= 2);
        runner.check_mostly_accepted()?;
    }

    /// (c) A snapshot whose cursor id does not match the log (or that is ahead
    /// of it) is refused with a note, and the state is rebuilt: equal to a
    /// rebuild, and stored, so the next catch-up uses it without a note.
    #[test]
    fn a_snapshot_whose_cursor_does_not_match_the_log_is_refused(
        case in case(),
        at in any::<Pick>(),
        wrong in any::<[u8; 32]>(),
        neighbour in any::<bool>(),
    ) {
        let mut runner = Runner::new(case.sled);
        for op in &case.ops {
            runner.step(op);
        }
        let journal = runner.journal();
        let head = journal.head();
        // Anywhere from the empty log to one entry past the head.
        let size = u64::from(at) % (head.size + 2);
        let actual = (size <= head.size).then(|| id_at(journal, size));
        // A wrong id: the neighbouring entry's (as after a rewritten log), or
        // random bytes.
        let mut last = match actual {
            Some(_) if neighbour && size > 0 => id_at(journal, size - 1),
            _ => Id::from_bytes(wrong),
        };
        if Some(last) == actual {
            let mut bytes = *last.as_bytes();
            bytes[0] ^= 1;
            last = Id::from_bytes(bytes);
        }
        // A stale picture, so that accepting it would also show in the digests.
        let planted = prefix(journal, size / 2);
        store_snapshot(journal, &planted, Cursor { size, last }).expect("plant");

        let current = engine::current(journal).expect("current");
        prop_assert_eq!(current.notes.len(), 1, "{:?}", current.notes);
        prop_assert!(current.notes[0].contains("refused"), "{}", current.notes[0]);
        prop_assert_eq!(current.folded, head.size);
        same_digests(&current.picture, journal)?;

        let again = engine::current(journal).expect("current");
        prop_assert!(again.notes.is_empty(), "{:?}", again.notes);
        prop_assert_eq!(again.folded, 0);
        runner.check_mostly_accepted()?;
    }

    /// (d) After every step, the `incidents` view has one row per incident of
    /// the model (live reports grouped by the key they go by after live
    /// merges), with the model's aliases, reports, sources and denial status.
    #[test]
    fn the_incidents_view_matches_a_plain_model(case in case()) {
        let mut runner = Runner::new(case.sled);
        incidents_match_model(&rebuilt(runner.journal()), &runner.model)?;
        for op in &case.ops {
            runner.step(op);
            incidents_match_model(&rebuilt(runner.journal()), &runner.model)?;
        }
        runner.check_mostly_accepted()?;
    }

    /// (e) `tallies` as of a seq, counted from the materialised table's
    /// history (built by the first count, then extended a block at a time as
    /// the steps append), equals the view of the log's prefix up to that seq:
    /// after every step as of the entry before the head, and at the end as of
    /// every seq.
    #[test]
    fn tallies_as_of_a_seq_from_the_history_equal_the_folded_prefix(case in case()) {
        let mut runner = Runner::new(case.sled);
        for op in &case.ops {
            runner.step(op);
            let size = runner.journal().head().size;
            same_tallies_at(runner.journal(), size)?;
            if size >= 2 {
                same_tallies_at(runner.journal(), size - 1)?;
            }
        }
        for size in 1..=runner.journal().head().size {
            same_tallies_at(runner.journal(), size)?;
        }
        runner.check_mostly_accepted()?;
    }
}

/// `tallies` at `size` entries from the history equals the view of the
/// prefix, with the default rule and with one that counts every direction by
/// country and actor.
fn same_tallies_at(journal: &Journal, size: u64) -> Result<(), TestCaseError> {
    let broad = Params {
        by: vec![GroupBy::Country, GroupBy::Actor],
        rule: Rule {
            direction: Some(DirectionRule::Any),
            ..Rule::default()
        },
        ..Params::default()
    };
    let resolved_prefix = prefix(journal, size);
    let resolved = Resolved::new(&resolved_prefix);
    for params in [Params::default(), broad] {
        let (counted, notes) =
            history::tallies_at(journal, size, &params, Details::Full).expect("history");
        prop_assert!(notes.is_empty(), "{notes:?}");
        let folded = View::Tallies.build(&resolved, &params);
        prop_assert!(
            counted == folded,
            "as of size {size}:\nhistory {}\nfolded  {}",
            counted.to_json(),
            folded.to_json()
        );
    }
    Ok(())
}

/// `replay --check` catches a snapshot that matches the log's cursor but not its
/// content: the picture planted is a rebuild of all but the last two entries
/// (its entry counter set to the head, so only the facts are missing). The
/// check leaves it in place; plain `replay` replaces it.
#[test]
fn replay_check_finds_a_snapshot_that_lost_facts() {
    let mut runner = Runner::new(false);
    let s = 0;
    runner.step(&Op::Fact(FactOp::Deny {
        source: s,
        target: 1,
        kind: DenialType::Occurrence,
    }));
    runner.step(&Op::Fact(FactOp::AppendIncident {
        source: s,
        values: IncidentValues {
            incident: 2,
            day: 30,
            extra_days: 0,
            country: 2,
            direction: Direction::OnUsForces,
            outcome: Outcome::Impact,
            attack_type: AttackType::Drone,
            group: CasualtyGroup::UsMilitary,
            killed: Some(3),
            wounded: Some(40),
        },
    }));
    assert_eq!(runner.accepted, 5, "{:?}", runner.refusals);
    let journal = runner.journal();
    let head = journal.head();

    let mut planted = prefix(journal, head.size - 2);
    planted.size = head.size;
    let cursor = Cursor {
        size: head.size,
        last: head.last_id,
    };
    store_snapshot(journal, &planted, cursor).expect("plant");

    let check = replay::replay(journal, false).expect("replay --check");
    let differing = check.differing();
    assert!(differing.contains(&"picture"), "{differing:?}");
    assert!(differing.contains(&"incidents"), "{differing:?}");
    assert!(
        check.notes.is_empty(),
        "the cursor matches: {:?}",
        check.notes
    );
    let picture = check.comparisons.iter().find(|c| c.name == "picture");
    assert!(
        picture.is_some_and(|c| c.incremental == planted.digest()),
        "the incremental side is the planted picture"
    );

    let still = replay::replay(journal, false).expect("replay --check again");
    assert!(
        still.differing().contains(&"picture"),
        "--check leaves the snapshot"
    );

    let repaired = replay::replay(journal, true).expect("replay");
    assert!(repaired.differing().contains(&"picture"));
    let after: Vec<&str> = replay::replay(journal, false)
        .expect("replay --check after replay")
        .differing();
    assert!(after.is_empty(), "{after:?}");
    let rebuilt_digest: StateDigest = rebuilt(journal).digest();
    assert_eq!(
        engine::current(journal).expect("current").picture.digest(),
        rebuilt_digest
    );
}
