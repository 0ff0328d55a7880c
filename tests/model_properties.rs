//! Model-based property tests of the journal (issue 5 item 3, STYLE habit 9),
//! through the library only. A generator produces random sequences of steps —
//! append a fresh fact (source, incident, count, statement, claim, correction,
//! retraction, merge, denial), append a fact already recorded, append a recorded
//! key with other content, append a fact naming something that is not there,
//! append a batch of several facts (possibly ending in a bad one), reopen the
//! ledger, replay the projections, sign a checkpoint — and runs each against a
//! `Journal` over a shared `Arc<MemoryStore>` (so a reopen drops the journal and
//! opens the same store again) and against [`Model`], a plain list of the
//! entries the ledger should hold, built without the journal: it assigns seqs,
//! `prev` links and `recorded_at` itself, hashes the canonical bytes for the ids,
//! and predicts each append's outcome from the validation rules it relies on (a
//! key names one fact forever; a reference must name a recorded fact of the right
//! kind; a batch is all or nothing). After every step the head, every entry (bytes,
//! id, chain), every key lookup, the audit (clean, its root equal to a
//! `MemoryTree` over the model's ids, every checkpoint checked) and every
//! projection digest (the incremental engine, a rebuild and the model's own fold
//! agree) must match the model; an append the model refuses, or one that only
//! repeats recorded facts, must leave every byte of the store as it was.
//!
//! Two economies keep a debug build fast, neither of which skips a check that
//! could differ: an audit is skipped when the store is byte for byte as it was
//! at the last audit (an audit reads nothing else), and a case signs at most
//! `MAX_CHECKPOINTS` checkpoints (every later audit verifies each one's
//! Ed25519 signature). `cargo test` runs `CASES` cases; a longer run is
//! `SITREP_PROPTEST_CASES=2000 cargo test --release model_properties`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{mpsc, Arc, OnceLock};
use std::time::Duration;

use proptest::prelude::*;

use crate::common::facts::{
    fact_op, incident_body, pick_from, prologue, resolve, source_body, FactLog, FactOp, Pick,
};
use sitrep::codec;
use sitrep::entry::FORMAT_VERSION;
use sitrep::fact::{
    Claim, ClaimMode, Correction, Denial, DenialType, FactKind, Incident, Retraction,
    RetractionReason, Source,
};
use sitrep::journal::{AppendError, AppendOptions, AuditOptions, FactOutcome, Head, Journal};
use sitrep::merkle::{self, Blake3, Hash, MemoryTree};
use sitrep::note::SigningKey;
use sitrep::projection::engine::{self, Cursor};
use sitrep::projection::picture::Picture;
use sitrep::projection::replay::{self, digests};
use sitrep::projection::Projection;
use sitrep::store::{MemoryStore, Store};
use sitrep::time::{FixedClock, Timestamp};
use sitrep::{Entry, Fact, FactBody, Id, Seq};

/// Cases per run of `cargo test`: enough to meet every kind of step many times
/// (each case runs up to `MAX_STEPS` steps and checks everything after each),
/// few enough to finish in seconds in a debug build.
const CASES: u32 = 24;
/// The most generated steps per case (after the prologue).
const MAX_STEPS: usize = 40;
/// The most checkpoints signed per case (Ed25519 is slow in a debug build, and
/// every audit verifies every stored checkpoint).
const MAX_CHECKPOINTS: usize = 3;
/// The environment variable that sets the number of cases for a longer run.
const CASES_VAR: &str = "SITREP_PROPTEST_CASES";

const ORIGIN: &str = "test.example/model-properties";
const RECORDER: &str = "model";
/// What the journal's error messages call the in-memory store.
const LABEL: &str = "memory:model-properties";
/// How long an audit of a two-entry in-memory ledger may take before it counts
/// as a deadlock.
const DEADLOCK_AFTER: Duration = Duration::from_secs(10);
/// The clock starts at 2024-06-01T00:00:00Z.
const START_MICROS: i64 = 1_717_200_000_000_000;
const SECOND: i64 = 1_000_000;

/// `CASES`, or `SITREP_PROPTEST_CASES` (a bad value fails loudly rather than
/// quietly running the default), or proptest's own `PROPTEST_CASES`.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    match std::env::var(CASES_VAR) {
        Ok(text) => {
            config.cases = text
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{CASES_VAR}=`{text}` is not a number of cases"));
        }
        Err(_) if std::env::var_os("PROPTEST_CASES").is_some() => {}
        Err(_) => config.cases = CASES,
    }
    config
}

// ---------------------------------------------------------------------------
// Steps

/// A fact that names something the ledger does not hold, or of the wrong kind.
#[derive(Clone, Debug)]
enum Dangling {
    /// A correction of a key nobody recorded.
    CorrectUnknown,
    /// A retraction of a key nobody recorded.
    RetractUnknown,
    /// A denial of a key nobody recorded.
    DenyUnknown,
    /// An incident report citing a source nobody recorded.
    UnknownSource,
    /// A claim of an incident key nobody reported.
    UnknownIncident,
    /// A correction whose replacement is not of its target's kind.
    WrongKind { target: Pick },
    /// A fact citing a non-source as its source.
    NotASource { pick: Pick },
}

/// One step of a case.
#[derive(Clone, Debug)]
enum Step {
    /// Append one fresh fact, the clock moved by `tick` seconds first (it may
    /// go back: `recorded_at` must not).
    Append { fact: FactOp, tick: i8 },
    /// Append, again, a fact already recorded.
    AppendDuplicate { pick: Pick },
    /// Append a recorded key with other content.
    AppendConflicting { pick: Pick, same_kind: bool },
    /// Append a fact naming what is not there.
    AppendDangling(Dangling),
    /// One append of several facts: fresh ones (each may build on those before
    /// it), a recorded one somewhere among them, and perhaps a bad one last.
    AppendBatch {
        fresh: Vec<FactOp>,
        duplicate: Option<(Pick, usize)>,
        bad: Option<Dangling>,
        tick: i8,
    },
    /// Drop the journal and open the store again.
    Reopen,
    /// `replay` (storing the rebuilt snapshot) or `replay --check`.
    Replay { store: bool },
    /// Sign a checkpoint of the head.
    Checkpoint,
}

fn dangling() -> impl Strategy<Value = Dangling> {
    prop_oneof![
        Just(Dangling::CorrectUnknown),
        Just(Dangling::RetractUnknown),
        Just(Dangling::DenyUnknown),
        Just(Dangling::UnknownSource),
        Just(Dangling::UnknownIncident),
        any::<Pick>().prop_map(|target| Dangling::WrongKind { target }),
        any::<Pick>().prop_map(|pick| Dangling::NotASource { pick }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        14 => (fact_op(), -3i8..=5).prop_map(|(fact, tick)| Step::Append { fact, tick }),
        2 => any::<Pick>().prop_map(|pick| Step::AppendDuplicate { pick }),
        2 => (any::<Pick>(), any::<bool>())
            .prop_map(|(pick, same_kind)| Step::AppendConflicting { pick, same_kind }),
        2 => dangling().prop_map(Step::AppendDangling),
        3 => (
            proptest::collection::vec(fact_op(), 1..=4),
            proptest::option::of((any::<Pick>(), 0usize..5)),
            proptest::option::weighted(0.3, dangling()),
            -3i8..=5,
        )
            .prop_map(|(fresh, duplicate, bad, tick)| Step::AppendBatch {
                fresh,
                duplicate,
                bad,
                tick,
            }),
        2 => Just(Step::Reopen),
        2 => any::<bool>().prop_map(|store| Step::Replay { store }),
        // Every later audit verifies every checkpoint: keep them few.
        1 => Just(Step::Checkpoint),
    ]
}

// ---------------------------------------------------------------------------
// The model

/// What the ledger should hold, computed without it.
#[derive(Clone, Debug)]
struct Model {
    /// The facts recorded, as the generator needs them.
    log: FactLog,
    /// Every entry, in seq order.
    entries: Vec<Entry>,
    /// The id of each entry: BLAKE3 of its canonical bytes, leaf-prefixed.
    ids: Vec<Id>,
    /// Fact key → seq.
    keys: HashMap<String, u64>,
    genesis: Id,
    /// The wall clock the steps move (it may go back).
    clock: i64,
    /// Signed checkpoints: size → root at that size.
    checkpoints: BTreeMap<u64, Hash>,
}

impl Model {
    fn new() -> Model {
        Model {
            log: FactLog::default(),
            entries: Vec::new(),
            ids: Vec::new(),
            keys: HashMap::new(),
            genesis: Id::genesis(ORIGIN),
            clock: START_MICROS,
            checkpoints: BTreeMap::new(),
        }
    }

    fn size(&self) -> u64 {
        self.entries.len() as u64
    }

    fn head(&self) -> Head {
        Head {
            size: self.size(),
            last_id: self.ids.last().copied().unwrap_or(self.genesis),
            // An empty ledger's clock is the epoch.
            last_recorded_at: self
                .entries
                .last()
                .map_or(Timestamp::from_micros(0), |e| e.recorded_at),
        }
    }

    fn kind_of(&self, key: &str) -> Option<FactKind> {
        let seq = *self.keys.get(key)?;
        Some(self.entries[seq as usize].fact.kind())
    }

    fn is_source(&self, key: &str) -> bool {
        self.kind_of(key) == Some(FactKind::Source)
    }

    fn is_known_incident(&self, key: &str) -> bool {
        self.log.known_incidents.contains(key)
    }

    /// Whether every reference of `body` names a recorded fact of a kind it may
    /// name: the rules the generated facts rely on, stated without the journal.
    fn references_hold(&self, body: &FactBody) -> bool {
        let source_ok = body.source_key().is_none_or(|k| self.is_source(k));
        let revisable = |key: &str| self.kind_of(key).is_some_and(FactKind::is_revisable);
        let rest_ok = match body {
            FactBody::Source(_)
            | FactBody::Incident(_)
            | FactBody::Count(_)
            | FactBody::Statement(_) => true,
            FactBody::Claim(c) => c.incidents.iter().all(|k| self.is_known_incident(k)),
            FactBody::Merge(m) => m.incidents.iter().all(|k| self.is_known_incident(k)),
            FactBody::Denial(d) => revisable(&d.target),
            // Anything but a retraction can be retracted.
            FactBody::Retraction(r) => self
                .kind_of(&r.target)
                .is_some_and(|k| k != FactKind::Retraction),
            // A revisable fact, replaced by one of its kind whose own references hold.
            FactBody::Correction(c) => {
                revisable(&c.target)
                    && self.kind_of(&c.target) == Some(c.replacement.kind())
                    && self.references_hold(&c.replacement)
            }
        };
        source_ok && rest_ok
    }

    /// Adds `fact` as the next entry, recorded at `at`.
    fn push(&mut self, fact: Fact, at: Timestamp) -> FactOutcome {
        let seq = self.size();
        let entry = Entry {
            version: FORMAT_VERSION,
            seq: Seq::new(seq),
            prev: self.head().last_id,
            recorded_at: at,
            recorded_by: RECORDER.into(),
            fact: fact.clone(),
        };
        let id = Id::of_entry(&codec::encode_entry(&entry));
        self.keys.insert(fact.key.to_string(), seq);
        self.entries.push(entry);
        self.ids.push(id);
        let outcome = FactOutcome::Recorded {
            kind: fact.kind(),
            seq: Seq::new(seq),
            id,
        };
        self.log.record(fact);
        outcome
    }

    /// What appending `facts` as one batch at clock `now` must do: every
    /// outcome and the model after it, or the index of the first fact refused
    /// (and then nothing at all is written).
    fn append(&self, facts: &[Fact], now: i64) -> Result<(Vec<FactOutcome>, Model), usize> {
        let mut after = self.clone();
        // One time for the whole batch, never before the last entry's.
        let at = Timestamp::from_micros(now).max(self.head().last_recorded_at);
        let mut outcomes = Vec::new();
        for (index, fact) in facts.iter().enumerate() {
            if let Some(&seq) = after.keys.get(fact.key.as_str()) {
                // A key names one fact forever: the same fact again is a no-op,
                // anything else under that key is refused.
                if after.entries[seq as usize].fact != *fact {
                    return Err(index);
                }
                outcomes.push(FactOutcome::AlreadyRecorded { seq: Seq::new(seq) });
            } else if after.references_hold(&fact.body) {
                outcomes.push(after.push(fact.clone(), at));
            } else {
                return Err(index);
            }
        }
        Ok((outcomes, after))
    }

    /// The root of a Merkle tree over the model's ids.
    fn root(&self) -> Hash {
        let leaves = self.ids.iter().map(|id| *id.as_bytes()).collect();
        let tree = MemoryTree::from_leaf_hashes(&Blake3, leaves);
        merkle::root(&Blake3, &tree, self.size()).expect("a root over all the leaves")
    }

    /// The model's entries folded into a fresh picture.
    fn picture(&self) -> Picture {
        let mut picture = Picture::default();
        for entry in &self.entries {
            picture.apply(entry);
        }
        picture
    }

    /// The next unused key, for a fact that must not collide with a recorded one.
    fn next_key(&self) -> String {
        format!("f{}", self.log.facts.len())
    }
}

/// The fact `what` stands for: it names something missing or of the wrong
/// kind. Its own source is the first one recorded (the prologue records one).
fn dangling_fact(what: &Dangling, model: &Model) -> Fact {
    let source = model.log.sources[0].clone();
    let missing = format!("missing-{}", model.size());
    let body = match what {
        Dangling::CorrectUnknown => FactBody::Correction(Box::new(Correction {
            source: source.as_str().into(),
            target: missing.into(),
            replacement: Box::new(source_body(0, false)),
            reason: "a later report".into(),
        })),
        Dangling::RetractUnknown => FactBody::Retraction(Box::new(Retraction {
            source: source.into(),
            target: missing.into(),
            reason: RetractionReason::EnteredInError,
            note: None,
        })),
        Dangling::DenyUnknown => FactBody::Denial(Box::new(Denial {
            source: source.into(),
            denier: crate::common::facts::actor("a denier"),
            target: missing.into(),
            denial_type: DenialType::Occurrence,
            quote: None,
        })),
        Dangling::UnknownSource => incident_body(&missing, &prologue_values()),
        Dangling::UnknownIncident => FactBody::Claim(Box::new(Claim {
            source: source.into(),
            claimant: crate::common::facts::actor("a claimant"),
            incidents: vec![missing.into()],
            description: None,
            mode: ClaimMode::TelegramPost,
            text: None,
        })),
        Dangling::WrongKind { target } => {
            let targets = model.log.revisable();
            let target = pick_from(*target, &targets);
            // A source replaced by an incident report, anything else by a source.
            let replacement = match target.body {
                FactBody::Source(_) => incident_body(&source, &prologue_values()),
                _ => source_body(1, true),
            };
            FactBody::Correction(Box::new(Correction {
                source: source.into(),
                target: target.key.clone(),
                replacement: Box::new(replacement),
                reason: "a later report".into(),
            }))
        }
        Dangling::NotASource { pick } => {
            let others: Vec<&Fact> = model
                .log
                .facts
                .iter()
                .filter(|f| !matches!(f.body, FactBody::Source(_)))
                .collect();
            incident_body(&pick_from(*pick, &others).key, &prologue_values())
        }
    };
    Fact {
        key: model.next_key().into(),
        body,
    }
}

/// The values of the prologue's first incident report.
fn prologue_values() -> crate::common::facts::IncidentValues {
    match &prologue()[1] {
        FactOp::AppendIncident { values, .. } => values.clone(),
        other => unreachable!("the prologue's second fact is an incident report, not {other:?}"),
    }
}

/// A recorded fact with other content under the same key: the same kind with
/// one field changed, or a fact of another kind.
fn conflicting(original: &Fact, same_kind: bool) -> Fact {
    let body = match (&original.body, same_kind) {
        (FactBody::Source(s), true) => FactBody::Source(Box::new(Source {
            publisher: format!("{} (altered)", s.publisher).into(),
            ..(**s).clone()
        })),
        (FactBody::Incident(i), true) => FactBody::Incident(Box::new(Incident {
            summary: Some("altered after the fact".into()),
            ..(**i).clone()
        })),
        (FactBody::Source(_), _) => incident_body("f0", &prologue_values()),
        _ => source_body(2, false),
    };
    Fact {
        key: original.key.clone(),
        body,
    }
}

// ---------------------------------------------------------------------------
// The system under test

/// Audits and signs a small in-memory ledger on another thread: `Err` if that
/// does not finish within `DEADLOCK_AFTER`. `MemoryStore::scan` holds the
/// store's lock while it visits, and the audit reads Merkle nodes from inside
/// its scan of the entries; with a lock that is not reentrant that is a
/// deadlock. Checked once, first, so that the property test fails with the
/// reason instead of hanging `cargo test`.
fn in_memory_audit_finishes() -> Result<(), String> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    RESULT
        .get_or_init(|| {
            let (done, finished) = mpsc::channel();
            std::thread::spawn(move || {
                let mut journal = Journal::in_memory(ORIGIN).expect("an in-memory ledger");
                let options = AppendOptions {
                    recorded_by: RECORDER.to_owned(),
                    durable: false,
                    dry_run: false,
                };
                let facts = vec![
                    Fact {
                        key: "s0".into(),
                        body: source_body(0, false),
                    },
                    Fact {
                        key: "s1".into(),
                        body: source_body(1, false),
                    },
                ];
                let clock = FixedClock(Timestamp::from_micros(START_MICROS));
                journal.append(facts, &clock, &options).expect("append");
                let clean = journal.audit(&AuditOptions::default()).expect("audit").is_clean();
                let key = SigningKey::from_seed("test.example/model-key", [7; 32]).expect("a key");
                let signed = journal.sign_checkpoint(&key).is_ok();
                // The receiver may have given up: nothing to do then.
                let _ = done.send((clean, signed));
            });
            match finished.recv_timeout(DEADLOCK_AFTER) {
                Ok((true, true)) => Ok(()),
                Ok(result) => Err(format!(
                    "an in-memory ledger of two sources audits clean and signs: expected (true, true), got {result:?}"
                )),
                Err(_) => Err(format!(
                    "auditing an in-memory ledger of two entries did not finish in {DEADLOCK_AFTER:?}: \
                     MemoryStore::scan holds its lock while the audit, inside that scan, reads \
                     Merkle nodes from the same store (a self-deadlock); every test auditing a \
                     MemoryStore hangs until it is fixed"
                )),
            }
        })
        .clone()
}

/// The journal, the store it writes to, and the model it must match.
struct Runner {
    store: Arc<MemoryStore>,
    journal: Journal,
    model: Model,
    key: SigningKey,
    /// Entries the projection snapshot holds (the checks catch up after every
    /// step, so the next catch-up folds exactly what the step appended).
    snapshot_size: u64,
    /// Steps of each kind that did something, so a case can show it tested.
    did: BTreeMap<&'static str, usize>,
    /// The store's digest when it was last audited: an audit reads nothing but
    /// the store, so a store with the same bytes gets the same report.
    audited: Option<[u8; 32]>,
}

impl Runner {
    fn new() -> Runner {
        if let Err(why) = in_memory_audit_finishes() {
            panic!("{why}");
        }
        let store = Arc::new(MemoryStore::default());
        let journal = Journal::create_on(Box::new(store.clone()), ORIGIN).expect("create");
        let mut runner = Runner {
            store,
            journal,
            model: Model::new(),
            key: SigningKey::from_seed("test.example/model-key", [7; 32]).expect("a key"),
            snapshot_size: 0,
            did: BTreeMap::new(),
            audited: None,
        };
        for op in prologue() {
            let fact = resolve(&op, &runner.model.log).expect("the prologue fits");
            runner
                .append(vec![fact], 1)
                .expect("the prologue is recorded");
        }
        runner
    }

    /// A digest of every key and value in the store, in order (each length
    /// prefixed, so no two stores share one): to show that a step wrote nothing.
    fn dump(&self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        self.store
            .scan(&[], &[], &mut |k, v| {
                for part in [k, v] {
                    hasher.update(&(part.len() as u64).to_be_bytes());
                    hasher.update(part);
                }
                true
            })
            .expect("scan the memory store");
        *hasher.finalize().as_bytes()
    }

    fn count(&mut self, what: &'static str) {
        *self.did.entry(what).or_default() += 1;
    }

    /// Appends `facts` as one batch, the clock moved `tick` seconds, and checks
    /// the outcome against the model's prediction.
    fn append(&mut self, facts: Vec<Fact>, tick: i8) -> Result<(), TestCaseError> {
        self.model.clock += i64::from(tick) * SECOND;
        let expected = self.model.append(&facts, self.model.clock);
        let before = self.dump();
        let options = AppendOptions {
            recorded_by: RECORDER.to_owned(),
            durable: false,
            dry_run: false,
        };
        let clock = FixedClock(Timestamp::from_micros(self.model.clock));
        let result = self.journal.append(facts.clone(), &clock, &options);
        match (expected, result) {
            (Ok((outcomes, after)), Ok(report)) => {
                let wrote = after.size() > self.model.size();
                prop_assert_eq!(&report.outcomes, &outcomes, "outcomes of {:?}", facts);
                prop_assert_eq!(report.committed, wrote);
                prop_assert_eq!(report.head, after.head());
                if !wrote {
                    prop_assert!(
                        self.dump() == before,
                        "a batch of known facts wrote something"
                    );
                    self.count("append: nothing new");
                } else {
                    self.count("append: recorded");
                }
                self.model = after;
            }
            (
                Err(index),
                Err(AppendError::Invalid {
                    index: refused,
                    problem,
                }),
            ) => {
                prop_assert_eq!(refused, index, "refused fact ({}) of {:?}", problem, facts);
                prop_assert!(self.dump() == before, "a refused batch wrote something");
                self.count("append: refused");
            }
            (Ok(_), Err(e)) => {
                return Err(TestCaseError::fail(format!(
                    "the model records {facts:?} but the journal refused it: {e}"
                )))
            }
            (Err(index), Ok(report)) => {
                return Err(TestCaseError::fail(format!(
                    "the model refuses fact {index} of {facts:?} but the journal did {:?}",
                    report.outcomes
                )))
            }
            (Err(_), Err(e)) => {
                return Err(TestCaseError::fail(format!(
                    "the journal failed instead of refusing {facts:?}: {e}"
                )))
            }
        }
        Ok(())
    }

    fn step(&mut self, step: &Step) -> Result<(), TestCaseError> {
        match step {
            Step::Append { fact, tick } => {
                let Some(fact) = resolve(fact, &self.model.log) else {
                    return Ok(());
                };
                // The generator promises a fact the journal accepts; hold it to that.
                prop_assert!(
                    self.model.references_hold(&fact.body),
                    "the generator made a fact the model refuses: {:?}",
                    fact
                );
                self.append(vec![fact], *tick)?;
            }
            Step::AppendDuplicate { pick } => {
                let fact = pick_from(*pick, &self.model.log.facts).clone();
                self.append(vec![fact], 1)?;
            }
            Step::AppendConflicting { pick, same_kind } => {
                let original = pick_from(*pick, &self.model.log.facts);
                let fact = conflicting(original, *same_kind);
                self.append(vec![fact], 1)?;
            }
            Step::AppendDangling(what) => {
                let fact = dangling_fact(what, &self.model);
                self.append(vec![fact], 1)?;
            }
            Step::AppendBatch {
                fresh,
                duplicate,
                bad,
                tick,
            } => {
                // Resolve each fresh fact against the model as it would be
                // after the ones before it, as the journal checks a batch.
                let mut staged = self.model.clone();
                let mut facts = Vec::new();
                for op in fresh {
                    if let Some(fact) = resolve(op, &staged.log) {
                        let at = Timestamp::from_micros(staged.clock);
                        staged.push(fact.clone(), at);
                        facts.push(fact);
                    }
                }
                if let Some((pick, at)) = duplicate {
                    let known = pick_from(*pick, &self.model.log.facts).clone();
                    facts.insert(at % (facts.len() + 1), known);
                }
                if let Some(what) = bad {
                    facts.push(dangling_fact(what, &staged));
                }
                if !facts.is_empty() {
                    self.append(facts, *tick)?;
                }
            }
            Step::Reopen => {
                let before = self.dump();
                let head = self.journal.head();
                // Drop the journal first: nothing of it may survive but the store.
                self.journal = Journal::in_memory(ORIGIN).expect("a placeholder");
                self.journal = Journal::open_on(Box::new(self.store.clone()), Path::new(LABEL))
                    .expect("reopen");
                prop_assert_eq!(self.journal.head(), head, "reopening changed the head");
                prop_assert!(self.dump() == before, "opening wrote to the store");
                self.count("reopen");
            }
            Step::Replay { store } => {
                let report = replay::replay(&self.journal, *store).expect("replay");
                prop_assert!(
                    report.differing().is_empty(),
                    "replay differs in {:?}",
                    report.differing()
                );
                prop_assert!(report.notes.is_empty(), "{:?}", report.notes);
                prop_assert_eq!(report.entries, self.model.size());
                // Either way the snapshot is now at the head.
                self.snapshot_size = self.model.size();
                self.count("replay");
            }
            // Every later audit verifies every checkpoint: a few make the point.
            Step::Checkpoint if self.model.checkpoints.len() >= MAX_CHECKPOINTS => {}
            Step::Checkpoint => self.checkpoint()?,
        }
        Ok(())
    }

    /// Signs the head and checks what was signed and what it extends.
    fn checkpoint(&mut self) -> Result<(), TestCaseError> {
        let signed = self.journal.sign_checkpoint(&self.key).expect("sign");
        let size = self.model.size();
        let root = self.model.root();
        let cp = &signed.checkpoint.checkpoint;
        prop_assert_eq!(cp.origin.as_str(), ORIGIN);
        prop_assert_eq!(cp.size, size);
        prop_assert_eq!(cp.root, root);
        // It extends the latest earlier checkpoint (every one is at or below
        // the head: the log only grows).
        prop_assert_eq!(
            signed.extends,
            self.model.checkpoints.keys().last().copied()
        );
        prop_assert!(signed.checkpoint.verify(&self.key.verifier()).is_ok());
        self.model.checkpoints.insert(size, root);
        self.count("checkpoint");
        Ok(())
    }

    /// The audit is clean, its root is the model's, and the stored checkpoints
    /// are the model's.
    fn audit(&self) -> Result<(), TestCaseError> {
        let model = &self.model;
        let audit = self.journal.audit(&AuditOptions::default()).expect("audit");
        prop_assert!(audit.is_clean(), "{:?}", audit.first_problem());
        prop_assert_eq!(audit.size, model.size());
        prop_assert_eq!(audit.entries_checked, model.size());
        prop_assert_eq!(audit.root, model.root());
        prop_assert_eq!(audit.head_id, model.head().last_id);
        prop_assert_eq!(audit.checkpoints_checked, model.checkpoints.len() as u64);
        let stored = self.journal.checkpoints().expect("checkpoints");
        let sizes: Vec<u64> = stored.iter().map(|c| c.size).collect();
        let expected: Vec<u64> = model.checkpoints.keys().copied().collect();
        prop_assert_eq!(sizes, expected);
        // The audit verified their signatures (Ed25519 is slow in a debug build:
        // once per audit is enough); here, what they say.
        for record in &stored {
            let (key, signed) = record.parts().map_err(TestCaseError::fail)?;
            prop_assert_eq!(key.key_id(), self.key.verifier().key_id());
            prop_assert_eq!(
                Some(&signed.checkpoint.root),
                model.checkpoints.get(&record.size)
            );
        }
        Ok(())
    }

    /// Everything the ledger shows must be what the model holds.
    fn check(&mut self) -> Result<(), TestCaseError> {
        let model = &self.model;
        let journal = &self.journal;
        let head = model.head();
        prop_assert_eq!(journal.head(), head);

        // Every entry, in order: the model's bytes, id and chain.
        let mut records = Vec::new();
        journal
            .scan(Seq::new(0), &mut |record| {
                records.push(record);
                true
            })
            .expect("scan");
        prop_assert_eq!(records.len(), model.entries.len(), "entries in a scan");
        let mut prev = model.genesis;
        for ((record, entry), id) in records.iter().zip(&model.entries).zip(&model.ids) {
            prop_assert_eq!(&record.entry, entry);
            prop_assert_eq!(&record.bytes, &codec::encode_entry(entry));
            prop_assert_eq!(record.id, *id);
            prop_assert_eq!(record.id, Id::of_entry(&record.bytes));
            prop_assert_eq!(record.entry.prev, prev, "the chain at seq {}", entry.seq);
            prev = record.id;
        }
        prop_assert_eq!(prev, head.last_id);
        for (key, &seq) in &model.keys {
            let found = journal.find_key(key).expect("find a key");
            prop_assert_eq!(
                found.map(|r| r.entry.seq),
                Some(Seq::new(seq)),
                "key {}",
                key
            );
        }
        let missing = format!("missing-{}", model.size());
        prop_assert!(journal.find_key(&missing).expect("find a key").is_none());

        // The audit: clean, and its root is the model's (unless the store is
        // byte for byte as it was at the last audit, which was checked).
        let audited = self.dump();
        if self.audited != Some(audited) {
            self.audit()?;
            self.audited = Some(audited);
        }

        // Projections: caught up from the last snapshot, rebuilt, and the model's
        // own fold give the same digest for the picture and every view.
        let current = engine::current(journal).expect("catch up");
        prop_assert!(current.notes.is_empty(), "{:?}", current.notes);
        prop_assert_eq!(
            current.cursor,
            Cursor {
                size: head.size,
                last: head.last_id
            }
        );
        prop_assert_eq!(current.folded, model.size() - self.snapshot_size);
        let incremental = digests(&current.picture);
        let rebuilt = digests(&engine::rebuild(journal).expect("rebuild"));
        let modelled = digests(&model.picture());
        prop_assert_eq!(&incremental, &rebuilt, "incremental vs rebuilt");
        prop_assert_eq!(&rebuilt, &modelled, "rebuilt vs the model's fold");
        self.snapshot_size = model.size();
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(config())]

    /// After every step, the ledger is exactly the model: head, entries, keys,
    /// audit and root, checkpoints, and every projection digest.
    #[test]
    fn the_journal_matches_a_plain_model_after_every_step(
        steps in proptest::collection::vec(step(), 1..=MAX_STEPS),
    ) {
        let mut runner = Runner::new();
        runner.check()?;
        for step in &steps {
            runner.step(step)?;
            runner.check()?;
        }
    }
}

/// `audit` and `sign_checkpoint` finish on an in-memory ledger (the model test
/// runs over a `MemoryStore`, and would hang rather than fail without this).
#[test]
fn an_in_memory_ledger_can_be_audited_and_signed() {
    if let Err(why) = in_memory_audit_finishes() {
        panic!("{why}");
    }
}

/// The generator reaches every kind of step, and the model predicts both
/// outcomes: a fixed run of each kind, so that a drifting generator or a model
/// that refuses everything cannot pass unnoticed.
#[test]
fn every_kind_of_step_does_something() {
    let mut runner = Runner::new();
    let fresh = prologue();
    let steps = [
        Step::Append {
            fact: FactOp::AppendSource { party: true },
            tick: 2,
        },
        Step::Checkpoint,
        Step::AppendDuplicate { pick: 1 },
        Step::AppendConflicting {
            pick: 1,
            same_kind: true,
        },
        Step::AppendDangling(Dangling::CorrectUnknown),
        Step::AppendBatch {
            fresh: vec![
                FactOp::AppendSource { party: false },
                fresh[1].clone(),
                FactOp::Retract {
                    source: 0,
                    target: 3,
                    reason: RetractionReason::Duplicate,
                },
            ],
            duplicate: Some((0, 1)),
            bad: None,
            // Behind the last entry's time: the batch must be recorded at that time.
            tick: -8,
        },
        Step::AppendBatch {
            fresh: vec![FactOp::AppendSource { party: false }],
            duplicate: None,
            bad: Some(Dangling::WrongKind { target: 0 }),
            tick: 1,
        },
        Step::Reopen,
        Step::Replay { store: false },
        Step::Checkpoint,
    ];
    for step in &steps {
        runner.step(step).expect("the step matches the model");
        runner.check().expect("the ledger matches the model");
    }
    let did: Vec<(&str, usize)> = runner.did.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(
        did,
        [
            ("append: nothing new", 1),
            ("append: recorded", 5),
            ("append: refused", 3),
            ("checkpoint", 2),
            ("reopen", 1),
            ("replay", 1),
        ],
        "the prologue's three appends, then one of each step"
    );
    assert_eq!(runner.model.size(), 3 + 1 + 3);
    assert_eq!(
        runner.model.checkpoints.keys().copied().collect::<Vec<_>>(),
        [4, 7]
    );
}
