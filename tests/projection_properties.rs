//! Model and property tests of the projection engine (DESIGN §6, STYLE habit 9),
//! through the library only. A generator produces random sequences of appends
//! (sources, incident reports on a small pool of incident keys, counts,
//! statements, claims), corrections, retractions, merges, denials, reopens of a
//! sled-backed ledger and catch-ups. Operations are drawn as abstract choices
//! ([`Pick`]) and resolved against the facts recorded so far, so every one names a
//! target that exists and is of a kind the journal accepts; a refusal is counted,
//! and a case fails if more than a few are refused, so that a drifting generator
//! cannot make the tests pass by testing nothing. The properties: the picture
//! caught up incrementally from its snapshot equals a rebuild from scratch
//! (picture and every view, by digest) after every step and after catching up
//! from a snapshot taken at any earlier point; a snapshot whose cursor does not
//! match the log is refused, with a note, and rebuilt; and the `incidents` view
//! has exactly the rows of a plain model of what is in force (retractions remove,
//! the latest live correction wins, live merges join keys).

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::sample::select;
use tempfile::TempDir;

use sitrep::fact::{
    ActorRef, AttackType, Attribution, Casualties, CasualtyGroup, Claim, ClaimMode, Correction,
    Count, DateSpec, Denial, DenialType, Direction, GeoPrecision, Incident, Merge, Metric, Outcome,
    Period, Place, Precision, Quantity, Retraction, RetractionReason, Scope, Source, SourceType,
    Statement, StatementType,
};
use sitrep::journal::{AppendOptions, Journal, OpenError};
use sitrep::projection::engine::{self, store_snapshot, Cursor};
use sitrep::projection::picture::Picture;
use sitrep::projection::replay::{self, digests};
use sitrep::projection::resolve::Resolved;
use sitrep::projection::views::{Params, View};
use sitrep::projection::{Projection, StateDigest};
use sitrep::store::StoreError;
use sitrep::time::{Date, FixedClock, Timestamp};
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
/// A small pool, so that several sources report one incident and merges happen.
const INCIDENT_KEYS: [&str; 5] = ["inc-a", "inc-b", "inc-c", "inc-d", "inc-e"];
const COUNTRIES: [&str; 3] = ["IQ", "SY", "JO"];
const DIRECTIONS: [Direction; 3] = [Direction::OnUsForces, Direction::UsStrike, Direction::Other];
const OUTCOMES: [Outcome; 5] = [
    Outcome::Impact,
    Outcome::Intercepted,
    Outcome::PartlyIntercepted,
    Outcome::Failed,
    Outcome::Unknown,
];
const GROUPS: [CasualtyGroup; 3] = [
    CasualtyGroup::UsMilitary,
    CasualtyGroup::Coalition,
    CasualtyGroup::Civilians,
];
const ATTACK_TYPES: [AttackType; 3] = [AttackType::Drone, AttackType::Rocket, AttackType::Mortar];
const METRICS: [Metric; 3] = [Metric::Attacks, Metric::Injuries, Metric::Deaths];
const STATEMENT_TYPES: [StatementType; 4] = [
    StatementType::Suspension,
    StatementType::Resumption,
    StatementType::Threat,
    StatementType::Other,
];
const DENIAL_TYPES: [DenialType; 5] = [
    DenialType::Authorship,
    DenialType::Involvement,
    DenialType::Occurrence,
    DenialType::Figures,
    DenialType::Characterization,
];
const RETRACTION_REASONS: [RetractionReason; 4] = [
    RetractionReason::SourceWithdrew,
    RetractionReason::EnteredInError,
    RetractionReason::OutOfScope,
    RetractionReason::Duplicate,
];

/// `CASES`, unless `PROPTEST_CASES` says otherwise (proptest reads it into its
/// default config, which an explicit case count would override).
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = CASES;
    }
    config
}

// ---------------------------------------------------------------------------
// The generator

/// An abstract choice among whatever fits when the step runs (a source, a
/// target, an incident key): the element at `pick % len`. It shrinks towards
/// the first element.
type Pick = u16;

fn pick_from<T>(pick: Pick, items: &[T]) -> &T {
    &items[usize::from(pick) % items.len()]
}

/// What one incident report says.
#[derive(Clone, Debug)]
struct IncidentValues {
    /// Index into `INCIDENT_KEYS`.
    incident: usize,
    /// Days after 2024-01-01.
    day: u16,
    /// 0: one day; otherwise an interval this many days longer.
    extra_days: u8,
    country: usize,
    direction: Direction,
    outcome: Outcome,
    attack_type: AttackType,
    group: CasualtyGroup,
    killed: Option<u8>,
    wounded: Option<u8>,
}

/// One step. Targets and sources are abstract choices, resolved against the
/// facts recorded so far when the step runs.
#[derive(Clone, Debug)]
enum Op {
    AppendSource {
        party: bool,
    },
    AppendIncident {
        source: Pick,
        values: IncidentValues,
    },
    AppendCount {
        source: Pick,
        metric: Metric,
        value: u8,
    },
    AppendStatement {
        source: Pick,
        kind: StatementType,
        day: u16,
    },
    AppendClaim {
        source: Pick,
        incident: Pick,
    },
    /// A correction of any revisable fact, with a replacement of its kind.
    Correct {
        source: Pick,
        target: Pick,
        values: IncidentValues,
        n: u8,
    },
    /// A retraction of any fact but a retraction.
    Retract {
        source: Pick,
        target: Pick,
        reason: RetractionReason,
    },
    /// Two or three distinct incident keys the ledger knows.
    Merge {
        source: Pick,
        first: Pick,
        second: Pick,
        third: Option<Pick>,
        survivor: Pick,
    },
    Deny {
        source: Pick,
        target: Pick,
        kind: DenialType,
    },
    /// Close and reopen the ledger (sled only; a no-op in memory).
    Reopen,
    /// `engine::current`: catch up and store a snapshot.
    CatchUp,
}

fn incident_values() -> impl Strategy<Value = IncidentValues> {
    (
        (
            0..INCIDENT_KEYS.len(),
            0u16..90,
            prop_oneof![3 => Just(0u8), 1 => 1u8..4],
        ),
        (
            0..COUNTRIES.len(),
            select(&DIRECTIONS[..]),
            select(&OUTCOMES[..]),
        ),
        (
            select(&ATTACK_TYPES[..]),
            select(&GROUPS[..]),
            proptest::option::of(0u8..5),
            proptest::option::of(0u8..20),
        ),
    )
        .prop_map(
            |(
                (incident, day, extra_days),
                (country, direction, outcome),
                (attack_type, group, killed, wounded),
            )| IncidentValues {
                incident,
                day,
                extra_days,
                country,
                direction,
                outcome,
                attack_type,
                group,
                killed,
                wounded,
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => any::<bool>().prop_map(|party| Op::AppendSource { party }),
        8 => (any::<Pick>(), incident_values())
            .prop_map(|(source, values)| Op::AppendIncident { source, values }),
        2 => (any::<Pick>(), select(&METRICS[..]), 1u8..200)
            .prop_map(|(source, metric, value)| Op::AppendCount { source, metric, value }),
        2 => (any::<Pick>(), select(&STATEMENT_TYPES[..]), 0u16..90)
            .prop_map(|(source, kind, day)| Op::AppendStatement { source, kind, day }),
        2 => (any::<Pick>(), any::<Pick>())
            .prop_map(|(source, incident)| Op::AppendClaim { source, incident }),
        5 => (any::<Pick>(), any::<Pick>(), incident_values(), any::<u8>())
            .prop_map(|(source, target, values, n)| Op::Correct { source, target, values, n }),
        4 => (any::<Pick>(), any::<Pick>(), select(&RETRACTION_REASONS[..]))
            .prop_map(|(source, target, reason)| Op::Retract { source, target, reason }),
        3 => (
            any::<Pick>(),
            any::<Pick>(),
            any::<Pick>(),
            proptest::option::of(any::<Pick>()),
            any::<Pick>(),
        )
            .prop_map(|(source, first, second, third, survivor)| Op::Merge {
                source,
                first,
                second,
                third,
                survivor,
            }),
        3 => (any::<Pick>(), any::<Pick>(), select(&DENIAL_TYPES[..]))
            .prop_map(|(source, target, kind)| Op::Deny { source, target, kind }),
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
// Facts

fn actor(name: &str) -> ActorRef {
    ActorRef {
        name: name.to_owned(),
        actor: None,
        role: None,
        basis: None,
        certainty: None,
    }
}

fn day(offset: u16) -> Date {
    Date::from_ymd(2024, 1, 1)
        .expect("2024-01-01 is a date")
        .plus_days(i64::from(offset))
}

fn source_body(n: usize, party: bool) -> FactBody {
    let mut source = Source::new(format!("publisher {n}"), SourceType::NewsSite);
    source.party = party;
    FactBody::Source(source)
}

fn incident_body(source: &str, v: &IncidentValues) -> FactBody {
    let start = day(v.day);
    let occurred = if v.extra_days == 0 {
        DateSpec::day(start)
    } else {
        DateSpec {
            start,
            end: start.plus_days(i64::from(v.extra_days)),
            precision: Precision::Days,
            time: None,
            raw: None,
        }
    };
    let casualties = if v.killed.is_none() && v.wounded.is_none() {
        Vec::new()
    } else {
        vec![Casualties {
            group: v.group,
            killed: v.killed.map(|n| Quantity::exact(u64::from(n))),
            wounded: v.wounded.map(|n| Quantity::exact(u64::from(n))),
            note: None,
        }]
    };
    FactBody::Incident(Incident {
        source: source.to_owned(),
        incident: INCIDENT_KEYS[v.incident].to_owned(),
        direction: v.direction,
        occurred,
        target: Place {
            name: format!("a base in {}", COUNTRIES[v.country]),
            site: None,
            country: Some(COUNTRIES[v.country].to_owned()),
            admin1: None,
            coordinates: None,
            precision: GeoPrecision::Country,
        },
        launch: None,
        attack_types: vec![v.attack_type],
        munitions: None,
        outcome: v.outcome,
        damage: None,
        casualties,
        attackers: Vec::new(),
        targeted: Vec::new(),
        summary: None,
        quote: None,
    })
}

fn count_body(source: &str, metric: Metric, value: u8) -> FactBody {
    FactBody::Count(Count {
        source: source.to_owned(),
        speaker: actor("a spokesman"),
        metric,
        value: Quantity::exact(u64::from(value)),
        period: Period {
            from: Some(DateSpec::day(day(0))),
            to: Some(DateSpec::day(day(60))),
        },
        scope: Scope::default(),
        definition: None,
        breakdown: Vec::new(),
        quote: None,
    })
}

fn statement_body(source: &str, kind: StatementType, on: u16) -> FactBody {
    FactBody::Statement(Statement {
        source: source.to_owned(),
        speaker: actor("a militia"),
        statement_type: kind,
        made: Some(DateSpec::day(day(on))),
        effective: None,
        scope: None,
        text: format!("statement made on day {on}"),
        attribution: Attribution::OwnChannel,
        reported_by: None,
    })
}

fn claim_body(source: &str, incident: &str, claimant: &str) -> FactBody {
    FactBody::Claim(Claim {
        source: source.to_owned(),
        claimant: actor(claimant),
        incidents: vec![incident.to_owned()],
        description: None,
        mode: ClaimMode::TelegramPost,
        text: None,
    })
}

fn denial_body(source: &str, target: &str, kind: DenialType) -> FactBody {
    FactBody::Denial(Denial {
        source: source.to_owned(),
        denier: actor("a denier"),
        target: target.to_owned(),
        denial_type: kind,
        quote: None,
    })
}

/// A corrected version of `original`, of its kind and from its source. A
/// corrected incident may move to another incident key, a corrected claim may
/// name another known key, and one corrected denial in four names another
/// target from `others` (the journal accepts that; the version in force decides
/// what is denied). `None` for the kinds that cannot be corrected.
fn replacement(
    original: &FactBody,
    values: &IncidentValues,
    n: u8,
    known: &[String],
    others: &[&str],
) -> Option<FactBody> {
    let n_index = usize::from(n);
    match original {
        FactBody::Source(s) => Some(FactBody::Source(Source {
            publisher: format!("{} (corrected {n})", s.publisher),
            ..s.clone()
        })),
        FactBody::Incident(i) => Some(incident_body(&i.source, values)),
        FactBody::Count(c) => Some(count_body(&c.source, c.metric, n)),
        FactBody::Claim(c) => {
            let incident = known.get(n_index % known.len().max(1))?;
            Some(claim_body(
                &c.source,
                incident,
                &format!("claimant {}", n % 3),
            ))
        }
        FactBody::Statement(s) => Some(statement_body(
            &s.source,
            STATEMENT_TYPES[n_index % STATEMENT_TYPES.len()],
            u16::from(n % 90),
        )),
        FactBody::Denial(d) => {
            let target = match others.get(n_index % others.len().max(1)) {
                Some(other) if n % 4 == 0 => other,
                _ => d.target.as_str(),
            };
            Some(denial_body(
                &d.source,
                target,
                DENIAL_TYPES[n_index % DENIAL_TYPES.len()],
            ))
        }
        FactBody::Correction(_) | FactBody::Retraction(_) | FactBody::Merge(_) => None,
    }
}

fn is_revisable(body: &FactBody) -> bool {
    body.kind().is_revisable()
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
    facts: Vec<Fact>,
    sources: Vec<String>,
    /// Incident keys reported by an incident or a correction's replacement,
    /// retracted or not (the journal's incident-key index never forgets).
    known_incidents: BTreeSet<String>,
}

impl Model {
    /// The facts a correction or denial may target.
    fn revisable(&self) -> Vec<&Fact> {
        self.facts
            .iter()
            .filter(|f| is_revisable(&f.body))
            .collect()
    }

    fn record(&mut self, fact: Fact) {
        let reported = match &fact.body {
            FactBody::Incident(i) => Some(i.incident.clone()),
            FactBody::Correction(c) => match c.replacement.as_ref() {
                FactBody::Incident(i) => Some(i.incident.clone()),
                _ => None,
            },
            _ => None,
        };
        self.known_incidents.extend(reported);
        if let FactBody::Source(_) = fact.body {
            self.sources.push(fact.key.clone());
        }
        self.facts.push(fact);
    }

    fn known(&self) -> Vec<String> {
        self.known_incidents.iter().cloned().collect()
    }

    /// Keys named by some retraction (a retraction itself cannot be retracted).
    fn retracted(&self) -> BTreeSet<&str> {
        self.facts
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
        self.facts
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
        for fact in &self.facts {
            let FactBody::Merge(m) = &fact.body else {
                continue;
            };
            if retracted.contains(fact.key.as_str()) {
                continue;
            }
            let (touched, rest): (Vec<_>, Vec<_>) = groups
                .into_iter()
                .partition(|(members, _)| m.incidents.iter().any(|k| members.contains(k)));
            let mut members: BTreeSet<String> = m.incidents.iter().cloned().collect();
            for (old, _) in touched {
                members.extend(old);
            }
            groups = rest;
            groups.push((members, m.surviving.clone()));
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
            .facts
            .iter()
            .filter(live)
            .filter_map(|f| match self.in_force(f, &retracted) {
                FactBody::Denial(d) => Some(d.target.as_str()),
                _ => None,
            })
            .collect();
        let mut rows: BTreeMap<String, ExpectedRow> = BTreeMap::new();
        for fact in self.facts.iter().filter(live) {
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
            row.reports.push(fact.key.clone());
            if !row.sources.contains(&report.source) {
                row.sources.push(report.source.clone());
            }
            row.denied |= denied.contains(fact.key.as_str());
        }
        // A live claim naming a key of the incident: its denials count too.
        for fact in self.facts.iter().filter(live) {
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

/// The fact `op` stands for, given what is recorded; `None` if nothing fits.
fn resolve(op: &Op, model: &Model, next_key: usize) -> Option<Fact> {
    let key = format!("f{next_key}");
    let source = |pick: &Pick| -> Option<String> {
        (!model.sources.is_empty()).then(|| pick_from(*pick, &model.sources).clone())
    };
    let body = match op {
        Op::AppendSource { party } => source_body(next_key, *party),
        Op::AppendIncident { source: s, values } => incident_body(&source(s)?, values),
        Op::AppendCount {
            source: s,
            metric,
            value,
        } => count_body(&source(s)?, *metric, *value),
        Op::AppendStatement {
            source: s,
            kind,
            day,
        } => statement_body(&source(s)?, *kind, *day),
        Op::AppendClaim {
            source: s,
            incident,
        } => {
            let known = model.known();
            if known.is_empty() {
                return None;
            }
            let claimant = format!("claimant {}", next_key % 3);
            claim_body(
                &source(s)?,
                pick_from(*incident, &known).as_str(),
                &claimant,
            )
        }
        Op::Correct {
            source: s,
            target,
            values,
            n,
        } => {
            let targets = model.revisable();
            if targets.is_empty() {
                return None;
            }
            let target = pick_from(*target, &targets);
            let others: Vec<&str> = targets
                .iter()
                .filter(|f| f.key != target.key)
                .map(|f| f.key.as_str())
                .collect();
            let replacement = replacement(&target.body, values, *n, &model.known(), &others)?;
            FactBody::Correction(Correction {
                source: source(s)?,
                target: target.key.clone(),
                replacement: Box::new(replacement),
                reason: "a later report".to_owned(),
            })
        }
        Op::Retract {
            source: s,
            target,
            reason,
        } => {
            let targets: Vec<&Fact> = model
                .facts
                .iter()
                .filter(|f| !matches!(f.body, FactBody::Retraction(_)))
                .collect();
            if targets.is_empty() {
                return None;
            }
            FactBody::Retraction(Retraction {
                source: source(s)?,
                target: pick_from(*target, &targets).key.clone(),
                reason: *reason,
                note: None,
            })
        }
        Op::Merge {
            source: s,
            first,
            second,
            third,
            survivor,
        } => {
            let mut pool = model.known();
            if pool.len() < 2 {
                return None;
            }
            let mut incidents = vec![pool.remove(usize::from(*first) % pool.len())];
            incidents.push(pool.remove(usize::from(*second) % pool.len()));
            if let Some(third) = third.filter(|_| !pool.is_empty()) {
                incidents.push(pool.remove(usize::from(third) % pool.len()));
            }
            FactBody::Merge(Merge {
                source: source(s)?,
                surviving: pick_from(*survivor, &incidents).clone(),
                incidents,
                reason: "the same attack".to_owned(),
            })
        }
        Op::Deny {
            source: s,
            target,
            kind,
        } => {
            let targets = model.revisable();
            if targets.is_empty() {
                return None;
            }
            denial_body(&source(s)?, &pick_from(*target, &targets).key, *kind)
        }
        Op::Reopen | Op::CatchUp => return None,
    };
    Some(Fact { key, body })
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
        let prologue = [
            Op::AppendSource { party: false },
            Op::AppendIncident {
                source: 0,
                values: IncidentValues {
                    incident: 0,
                    day: 10,
                    extra_days: 0,
                    country: 0,
                    direction: Direction::OnUsForces,
                    outcome: Outcome::Impact,
                    attack_type: AttackType::Drone,
                    group: CasualtyGroup::UsMilitary,
                    killed: None,
                    wounded: Some(2),
                },
            },
            Op::AppendIncident {
                source: 0,
                values: IncidentValues {
                    incident: 1,
                    day: 20,
                    extra_days: 1,
                    country: 1,
                    direction: Direction::OnUsForces,
                    outcome: Outcome::Intercepted,
                    attack_type: AttackType::Rocket,
                    group: CasualtyGroup::Coalition,
                    killed: None,
                    wounded: None,
                },
            },
        ];
        for op in &prologue {
            runner.step(op);
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
        let Some(fact) = resolve(op, &self.model, self.model.facts.len()) else {
            return Did::Nothing;
        };
        match self.ledger.append(fact.clone()) {
            Ok(()) => {
                self.model.record(fact);
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
        prop_assert_eq!(row.detail["key"].as_str(), Some(row.key.as_str()));
        let status = strings(&row.detail, "status");
        let seen = ExpectedRow {
            aliases: strings(&row.detail, "aliases"),
            reports: strings(&row.detail, "reports"),
            sources: strings(&row.detail, "sources"),
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
}

/// `replay --check` catches a snapshot that matches the log's cursor but not its
/// content: the picture planted is a rebuild of all but the last two entries
/// (its entry counter set to the head, so only the facts are missing). The
/// check leaves it in place; plain `replay` replaces it.
#[test]
fn replay_check_finds_a_snapshot_that_lost_facts() {
    let mut runner = Runner::new(false);
    let s = 0;
    runner.step(&Op::Deny {
        source: s,
        target: 1,
        kind: DenialType::Occurrence,
    });
    runner.step(&Op::AppendIncident {
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
    });
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
