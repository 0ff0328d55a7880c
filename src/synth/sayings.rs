//! What people say about the attacks: stated counts ("more than 170 attacks
//! since 17 October"), claims of responsibility for reported incidents, and
//! statements (suspensions, resumptions, threats, condemnations, policy), worded
//! like the fixtures' counts, claims and statements.

use super::dates::{day_after_start, days_since_start, made, month_of, since, weekday};
use super::figures::{phrase, total};
use super::memory::Reported;
use super::rng::Rng;
use super::words::{Publisher, MILITIAS, OFFICIALS};
use crate::fact::{
    ActorRef, Attribution, Basis, BreakdownRow, Certainty, Claim, ClaimMode, Count, DateSpec,
    Metric, Period, Scope, Statement, StatementType,
};
use crate::text::Text;
use crate::time::Date;

fn named(name: &str, key: Option<&str>) -> ActorRef {
    ActorRef {
        name: name.into(),
        actor: key.map(Into::into),
        role: None,
        basis: None,
        certainty: None,
    }
}

/// A running total stated on `day` by an official, a militia or the publisher.
pub fn count(rng: &mut Rng, source: &str, publisher: &Publisher, day: Date) -> Count {
    let elapsed = days_since_start(day).max(1) as u64;
    let speaker = match rng.below(10) {
        0..=2 => named(publisher.name, None),
        3..=7 => {
            let who = &OFFICIALS[rng.index(2)];
            let name = *rng.pick(who.names);
            named(name, who.key)
        }
        _ => named(MILITIAS[0].names[0], MILITIAS[0].key),
    };
    let metric = *rng.weighted(&[
        (50, Metric::Attacks),
        (15, Metric::Injuries),
        (10, Metric::Deaths),
        (10, Metric::Strikes),
        (15, Metric::MilitantsKilled),
    ]);
    let n = match metric {
        Metric::Attacks => 10 + elapsed * 2 / 5,
        Metric::Injuries => 5 + elapsed / 4,
        Metric::Deaths => 1 + elapsed / 150,
        Metric::Strikes => 3 + elapsed / 20,
        Metric::MilitantsKilled => 10 + elapsed / 10,
    };
    let from = match rng.below(10) {
        0..=6 => Some(since(day_after_start(0))),
        7..=8 => Some(month_of(day_after_start(0))),
        _ => None,
    };
    let to = rng.chance(400).then(|| DateSpec::day(day));
    let (countries, forces) = *rng.pick(&[
        (&["IQ", "SY"][..], "US forces in Iraq and Syria"),
        (&["IQ", "SY", "JO"][..], "US military bases and assets"),
        (&["IQ"][..], "US and coalition forces"),
        (&["SY"][..], "US forces"),
    ]);
    let what = match metric {
        Metric::Attacks => "attacks on US forces",
        Metric::Injuries => "US service members injured",
        Metric::Deaths => "US service members killed",
        Metric::Strikes => "US strikes on militia targets",
        Metric::MilitantsKilled => "militants killed by US strikes",
    };
    let worded = total(rng, n);
    let breakdown = if countries.len() > 1 && metric == Metric::Attacks && rng.chance(300) {
        let iraq = n * rng.between(35, 65) / 100;
        vec![
            BreakdownRow {
                label: "Iraq".into(),
                country: Some("IQ".into()),
                value: phrase(&format!("about {iraq}")),
            },
            BreakdownRow {
                label: "Syria".into(),
                country: Some("SY".into()),
                value: phrase(&format!("about {}", n - iraq)),
            },
        ]
    } else {
        Vec::new()
    };
    Count {
        source: source.into(),
        speaker,
        metric,
        value: phrase(&worded),
        period: Period { from, to },
        scope: Scope {
            countries: countries.iter().map(|c| Text::from(*c)).collect(),
            forces: rng.chance(800).then(|| forces.into()),
        },
        definition: rng
            .chance(350)
            .then(|| format!("{what} since the Gaza war began").into()),
        breakdown,
        quote: rng
            .chance(600)
            .then(|| format!("there have been {worded} {what}").into()),
    }
}

/// A militia's claim for one or two reported incidents, or for a described attack.
pub fn claim(rng: &mut Rng, source: &str, reported: &[&Reported]) -> Claim {
    let who = &MILITIAS[*rng.weighted(&[(6, 0), (2, 1), (1, 2), (1, 3)])];
    let incidents: Vec<String> = reported.iter().map(|r| r.key.clone()).collect();
    let place = reported.first().map(|r| *rng.pick(r.place.names));
    let description = (incidents.is_empty() || rng.chance(100)).then(|| {
        (*rng.pick(&[
            "multiple drone strikes on US bases in eastern Syria",
            "a rocket attack on an American base in Iraq",
            "two drone attacks on occupation bases",
        ]))
        .to_owned()
    });
    let text = rng.chance(800).then(|| match place {
        Some(place) => format!("we targeted the American occupation base at {place}"),
        None => "a harbinger of further operations against the American occupation".to_owned(),
    });
    Claim {
        source: source.into(),
        claimant: ActorRef {
            name: (*rng.pick(who.names)).into(),
            actor: who.key.map(Into::into),
            role: None,
            basis: Some(Basis::SelfClaim),
            certainty: Some(Certainty::Confirmed),
        },
        incidents: incidents.into_iter().map(Text::from).collect(),
        description: description.map(Into::into),
        mode: *rng.weighted(&[
            (55, ClaimMode::TelegramPost),
            (25, ClaimMode::Statement),
            (10, ClaimMode::Video),
            (10, ClaimMode::Unknown),
        ]),
        text: text.map(Into::into),
    }
}

/// A statement made around `day`.
pub fn statement(rng: &mut Rng, source: &str, publisher: &Publisher, day: Date) -> Statement {
    let militia = rng.chance(450);
    let statement_type = *if militia {
        rng.weighted(&[
            (3, StatementType::Suspension),
            (3, StatementType::Resumption),
            (4, StatementType::Threat),
            (1, StatementType::Other),
        ])
    } else {
        rng.weighted(&[
            (4, StatementType::Condemnation),
            (4, StatementType::Policy),
            (1, StatementType::HaltAgreement),
            (2, StatementType::Other),
        ])
    };
    let who = if militia {
        &MILITIAS[rng.index(3)]
    } else {
        rng.pick(OFFICIALS)
    };
    let (scope, text) = match statement_type {
        StatementType::Suspension => (
            "military operations against US forces in the region",
            "announced the suspension of all its military operations against US forces",
        ),
        StatementType::Resumption => (
            "attacks on US forces",
            "announced that attacks on US forces resumed because there was no progress toward a US withdrawal",
        ),
        StatementType::Threat => (
            "US forces in Iraq and Syria",
            "warned that US bases would be targeted if the strikes continued",
        ),
        StatementType::Condemnation => (
            "the latest US airstrikes",
            "condemned the strikes as a violation of sovereignty",
        ),
        StatementType::Policy => (
            "the US-led coalition in Iraq",
            "announced talks on the future of the coalition's presence in Iraq",
        ),
        StatementType::HaltAgreement => (
            "attacks on US forces",
            "agreed with the Iraqi government to cease attacks on US forces",
        ),
        StatementType::Other => (
            "the recent attacks",
            "said the attacks were a response to US support for Israel in the Gaza war",
        ),
    };
    let attribution = *rng.weighted(&[
        (7, Attribution::OwnChannel),
        (2, Attribution::LinkedChannel),
        (1, Attribution::ReportedBy),
    ]);
    let effective = matches!(
        statement_type,
        StatementType::Suspension | StatementType::HaltAgreement
    )
    .then(|| rng.chance(500).then(|| DateSpec::day(day.plus_days(1))))
    .flatten();
    Statement {
        source: source.into(),
        speaker: ActorRef {
            name: (*rng.pick(who.names)).into(),
            actor: who.key.map(Into::into),
            role: rng
                .chance(150)
                .then(|| "spokesperson".to_owned())
                .map(Into::into),
            basis: None,
            certainty: None,
        },
        statement_type,
        made: made(rng, day),
        effective,
        scope: rng.chance(800).then(|| scope.into()),
        text: if rng.chance(200) {
            format!("{text} (statement of {})", weekday(day)).into()
        } else {
            text.into()
        },
        attribution,
        reported_by: (attribution != Attribution::OwnChannel)
            .then(|| publisher.name.to_owned())
            .map(Into::into),
    }
}
