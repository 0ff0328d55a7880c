//! Fact generators shared by the property tests (`projection_properties`,
//! `model_properties`). Operations are drawn as abstract choices ([`Pick`]) and
//! resolved against the facts recorded so far ([`FactLog`]), so that every
//! generated fact names a source, target or incident key that exists and is of a
//! kind the journal accepts: a fresh fact from [`resolve`] is one the journal
//! must record. The facts are small but realistic (incident reports on a pool of
//! five incident keys, counts, statements, claims, corrections of every
//! revisable kind, retractions, merges, denials), so that several sources report
//! one incident and merges and revisions interact.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::select;

use sitrep::fact::{
    ActorRef, AttackType, Attribution, Casualties, CasualtyGroup, Claim, ClaimMode, Correction,
    Count, DateSpec, Denial, DenialType, Direction, GeoPrecision, Incident, Merge, Metric, Outcome,
    Period, Place, Precision, Quantity, Retraction, RetractionReason, Scope, Source, SourceType,
    Statement, StatementType,
};
use sitrep::time::Date;
use sitrep::{Fact, FactBody};

/// A small pool, so that several sources report one incident and merges happen.
pub const INCIDENT_KEYS: [&str; 5] = ["inc-a", "inc-b", "inc-c", "inc-d", "inc-e"];
pub const COUNTRIES: [&str; 3] = ["IQ", "SY", "JO"];
pub const DIRECTIONS: [Direction; 3] =
    [Direction::OnUsForces, Direction::UsStrike, Direction::Other];
pub const OUTCOMES: [Outcome; 5] = [
    Outcome::Impact,
    Outcome::Intercepted,
    Outcome::PartlyIntercepted,
    Outcome::Failed,
    Outcome::Unknown,
];
pub const GROUPS: [CasualtyGroup; 3] = [
    CasualtyGroup::UsMilitary,
    CasualtyGroup::Coalition,
    CasualtyGroup::Civilians,
];
pub const ATTACK_TYPES: [AttackType; 3] =
    [AttackType::Drone, AttackType::Rocket, AttackType::Mortar];
pub const METRICS: [Metric; 3] = [Metric::Attacks, Metric::Injuries, Metric::Deaths];
pub const STATEMENT_TYPES: [StatementType; 4] = [
    StatementType::Suspension,
    StatementType::Resumption,
    StatementType::Threat,
    StatementType::Other,
];
pub const DENIAL_TYPES: [DenialType; 5] = [
    DenialType::Authorship,
    DenialType::Involvement,
    DenialType::Occurrence,
    DenialType::Figures,
    DenialType::Characterization,
];
pub const RETRACTION_REASONS: [RetractionReason; 4] = [
    RetractionReason::SourceWithdrew,
    RetractionReason::EnteredInError,
    RetractionReason::OutOfScope,
    RetractionReason::Duplicate,
];

/// An abstract choice among whatever fits when the step runs (a source, a
/// target, an incident key): the element at `pick % len`. It shrinks towards
/// the first element.
pub type Pick = u16;

/// The element `pick` chooses.
pub fn pick_from<T>(pick: Pick, items: &[T]) -> &T {
    &items[usize::from(pick) % items.len()]
}

/// What one incident report says.
#[derive(Clone, Debug)]
pub struct IncidentValues {
    /// Index into `INCIDENT_KEYS`.
    pub incident: usize,
    /// Days after 2024-01-01.
    pub day: u16,
    /// 0: one day; otherwise an interval this many days longer.
    pub extra_days: u8,
    pub country: usize,
    pub direction: Direction,
    pub outcome: Outcome,
    pub attack_type: AttackType,
    pub group: CasualtyGroup,
    pub killed: Option<u8>,
    pub wounded: Option<u8>,
}

/// One fresh fact to generate. Targets and sources are abstract choices,
/// resolved against the facts recorded so far when the step runs.
#[derive(Clone, Debug)]
pub enum FactOp {
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
}

/// A source and two incident keys: recorded first, so that every kind of
/// generated fact has something to act on from the first step.
pub fn prologue() -> [FactOp; 3] {
    [
        FactOp::AppendSource { party: false },
        FactOp::AppendIncident {
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
        FactOp::AppendIncident {
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
    ]
}

/// Values of an incident report.
pub fn incident_values() -> impl Strategy<Value = IncidentValues> {
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

/// A fresh fact of any kind, weighted towards incident reports and revisions.
pub fn fact_op() -> impl Strategy<Value = FactOp> {
    prop_oneof![
        2 => any::<bool>().prop_map(|party| FactOp::AppendSource { party }),
        8 => (any::<Pick>(), incident_values())
            .prop_map(|(source, values)| FactOp::AppendIncident { source, values }),
        2 => (any::<Pick>(), select(&METRICS[..]), 1u8..200)
            .prop_map(|(source, metric, value)| FactOp::AppendCount { source, metric, value }),
        2 => (any::<Pick>(), select(&STATEMENT_TYPES[..]), 0u16..90)
            .prop_map(|(source, kind, day)| FactOp::AppendStatement { source, kind, day }),
        2 => (any::<Pick>(), any::<Pick>())
            .prop_map(|(source, incident)| FactOp::AppendClaim { source, incident }),
        5 => (any::<Pick>(), any::<Pick>(), incident_values(), any::<u8>())
            .prop_map(|(source, target, values, n)| FactOp::Correct { source, target, values, n }),
        4 => (any::<Pick>(), any::<Pick>(), select(&RETRACTION_REASONS[..]))
            .prop_map(|(source, target, reason)| FactOp::Retract { source, target, reason }),
        3 => (
            any::<Pick>(),
            any::<Pick>(),
            any::<Pick>(),
            proptest::option::of(any::<Pick>()),
            any::<Pick>(),
        )
            .prop_map(|(source, first, second, third, survivor)| FactOp::Merge {
                source,
                first,
                second,
                third,
                survivor,
            }),
        3 => (any::<Pick>(), any::<Pick>(), select(&DENIAL_TYPES[..]))
            .prop_map(|(source, target, kind)| FactOp::Deny { source, target, kind }),
    ]
}

/// A speaker known by name only.
pub fn actor(name: &str) -> ActorRef {
    ActorRef {
        name: name.into(),
        actor: None,
        role: None,
        basis: None,
        certainty: None,
    }
}

/// The day `offset` days after 2024-01-01.
pub fn day(offset: u16) -> Date {
    Date::from_ymd(2024, 1, 1)
        .expect("2024-01-01 is a date")
        .plus_days(i64::from(offset))
}

/// Source number `n`.
pub fn source_body(n: usize, party: bool) -> FactBody {
    let mut source = Source::new(format!("publisher {n}"), SourceType::NewsSite);
    source.party = party;
    FactBody::Source(Box::new(source))
}

/// An incident report from `source`.
pub fn incident_body(source: &str, v: &IncidentValues) -> FactBody {
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
    FactBody::Incident(Box::new(Incident {
        source: source.into(),
        incident: INCIDENT_KEYS[v.incident].into(),
        direction: v.direction,
        occurred,
        target: Place {
            name: format!("a base in {}", COUNTRIES[v.country]).into(),
            site: None,
            country: Some(COUNTRIES[v.country].into()),
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
    }))
}

/// A count from `source`.
pub fn count_body(source: &str, metric: Metric, value: u8) -> FactBody {
    FactBody::Count(Box::new(Count {
        source: source.into(),
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
    }))
}

/// A statement from `source`, made on day `on`.
pub fn statement_body(source: &str, kind: StatementType, on: u16) -> FactBody {
    FactBody::Statement(Box::new(Statement {
        source: source.into(),
        speaker: actor("a militia"),
        statement_type: kind,
        made: Some(DateSpec::day(day(on))),
        effective: None,
        scope: None,
        text: format!("statement made on day {on}").into(),
        attribution: Attribution::OwnChannel,
        reported_by: None,
    }))
}

/// A claim of `incident` by `claimant`, from `source`.
pub fn claim_body(source: &str, incident: &str, claimant: &str) -> FactBody {
    FactBody::Claim(Box::new(Claim {
        source: source.into(),
        claimant: actor(claimant),
        incidents: vec![incident.into()],
        description: None,
        mode: ClaimMode::TelegramPost,
        text: None,
    }))
}

/// A denial of `target`, from `source`.
pub fn denial_body(source: &str, target: &str, kind: DenialType) -> FactBody {
    FactBody::Denial(Box::new(Denial {
        source: source.into(),
        denier: actor("a denier"),
        target: target.into(),
        denial_type: kind,
        quote: None,
    }))
}

/// A corrected version of `original`, of its kind and from its source. A
/// corrected incident may move to another incident key, a corrected claim may
/// name another known key, and one corrected denial in four names another
/// target from `others` (the journal accepts that; the version in force decides
/// what is denied). `None` for the kinds that cannot be corrected.
pub fn replacement(
    original: &FactBody,
    values: &IncidentValues,
    n: u8,
    known: &[String],
    others: &[&str],
) -> Option<FactBody> {
    let n_index = usize::from(n);
    match original {
        FactBody::Source(s) => Some(FactBody::Source(Box::new(Source {
            publisher: format!("{} (corrected {n})", s.publisher).into(),
            ..(**s).clone()
        }))),
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

/// Whether a correction or a denial may point at this fact.
pub fn is_revisable(body: &FactBody) -> bool {
    body.kind().is_revisable()
}

/// The fact `op` stands for, given what is recorded, under the next free key
/// (`f<number of facts recorded>`); `None` if nothing fits.
pub fn resolve(op: &FactOp, log: &FactLog) -> Option<Fact> {
    let next_key = log.facts.len();
    let key = format!("f{next_key}");
    let source = |pick: &Pick| -> Option<String> {
        (!log.sources.is_empty()).then(|| pick_from(*pick, &log.sources).clone())
    };
    let body = match op {
        FactOp::AppendSource { party } => source_body(next_key, *party),
        FactOp::AppendIncident { source: s, values } => incident_body(&source(s)?, values),
        FactOp::AppendCount {
            source: s,
            metric,
            value,
        } => count_body(&source(s)?, *metric, *value),
        FactOp::AppendStatement {
            source: s,
            kind,
            day,
        } => statement_body(&source(s)?, *kind, *day),
        FactOp::AppendClaim {
            source: s,
            incident,
        } => {
            let known = log.known();
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
        FactOp::Correct {
            source: s,
            target,
            values,
            n,
        } => {
            let targets = log.revisable();
            if targets.is_empty() {
                return None;
            }
            let target = pick_from(*target, &targets);
            let others: Vec<&str> = targets
                .iter()
                .filter(|f| f.key != target.key)
                .map(|f| f.key.as_str())
                .collect();
            let replacement = replacement(&target.body, values, *n, &log.known(), &others)?;
            FactBody::Correction(Box::new(Correction {
                source: (source(s)?).into(),
                target: target.key.clone(),
                replacement: Box::new(replacement),
                reason: "a later report".into(),
            }))
        }
        FactOp::Retract {
            source: s,
            target,
            reason,
        } => {
            let targets: Vec<&Fact> = log
                .facts
                .iter()
                .filter(|f| !matches!(f.body, FactBody::Retraction(_)))
                .collect();
            if targets.is_empty() {
                return None;
            }
            FactBody::Retraction(Box::new(Retraction {
                source: (source(s)?).into(),
                target: pick_from(*target, &targets).key.clone(),
                reason: *reason,
                note: None,
            }))
        }
        FactOp::Merge {
            source: s,
            first,
            second,
            third,
            survivor,
        } => {
            let mut pool = log.known();
            if pool.len() < 2 {
                return None;
            }
            let mut incidents = vec![pool.remove(usize::from(*first) % pool.len())];
            incidents.push(pool.remove(usize::from(*second) % pool.len()));
            if let Some(third) = third.filter(|_| !pool.is_empty()) {
                incidents.push(pool.remove(usize::from(third) % pool.len()));
            }
            FactBody::Merge(Box::new(Merge {
                source: (source(s)?).into(),
                surviving: pick_from(*survivor, &incidents).as_str().into(),
                incidents: incidents.into_iter().map(Into::into).collect(),
                reason: "the same attack".into(),
            }))
        }
        FactOp::Deny {
            source: s,
            target,
            kind,
        } => {
            let targets = log.revisable();
            if targets.is_empty() {
                return None;
            }
            denial_body(&source(s)?, &pick_from(*target, &targets).key, *kind)
        }
    };
    Some(Fact {
        key: key.into(),
        body,
    })
}

/// Every fact recorded so far, in log order, and what the journal's indexes know
/// about them: the generator resolves its choices against this.
#[derive(Clone, Debug, Default)]
pub struct FactLog {
    /// Every recorded fact, in log order.
    pub facts: Vec<Fact>,
    /// Keys of the sources, in log order.
    pub sources: Vec<String>,
    /// Incident keys reported by an incident or a correction's replacement,
    /// retracted or not (the journal's incident-key index never forgets).
    pub known_incidents: BTreeSet<String>,
}

impl FactLog {
    /// The facts a correction or denial may target.
    pub fn revisable(&self) -> Vec<&Fact> {
        self.facts
            .iter()
            .filter(|f| is_revisable(&f.body))
            .collect()
    }

    /// Notes a fact the journal recorded.
    pub fn record(&mut self, fact: Fact) {
        let reported = match &fact.body {
            FactBody::Incident(i) => Some(i.incident.to_string()),
            FactBody::Correction(c) => match c.replacement.as_ref() {
                FactBody::Incident(i) => Some(i.incident.to_string()),
                _ => None,
            },
            _ => None,
        };
        self.known_incidents.extend(reported);
        if let FactBody::Source(_) = fact.body {
            self.sources.push(fact.key.to_string());
        }
        self.facts.push(fact);
    }

    /// The known incident keys, sorted.
    pub fn known(&self) -> Vec<String> {
        self.known_incidents.iter().cloned().collect()
    }
}
