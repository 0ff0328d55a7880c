//! Incident facts: an [`Event`] is drawn once (what happened), then each source
//! that reports it words it its own way — its own date precision, place name,
//! figures, outcome and attribution — under the shared incident key, as the
//! fixtures' reports of one attack differ from source to source.

use super::dates::{long_form, occurred};
use super::figures::{phrase, small};
use super::memory::Event;
use super::rng::Rng;
use super::sources::slug;
use super::words::{
    Actor, Target, BASES, CASUALTY_NOTES, DAMAGE, LAUNCH_SITES, MILITIAS, OTHER_PLACES, STRIKERS,
    STRIKE_TARGETS,
};
use crate::fact::{
    ActorRef, AttackType, Basis, Casualties, CasualtyGroup, Certainty, Coordinates, Direction,
    GeoPrecision, Incident, Outcome, Place,
};
use crate::time::Date;

/// A new event around `day`, keyed `{tag}/{day}-{place}-e{number}`.
pub fn event(rng: &mut Rng, tag: &str, day: Date, number: u64) -> Event {
    let day = day.plus_days(-(rng.below(3) as i64));
    let direction = *rng.weighted(&[
        (75, Direction::OnUsForces),
        (18, Direction::UsStrike),
        (7, Direction::Other),
    ]);
    let places = match direction {
        Direction::OnUsForces => BASES,
        Direction::UsStrike => STRIKE_TARGETS,
        Direction::Other => OTHER_PLACES,
    };
    let place = rng.weighted_by(places, |t| t.weight);
    let first = *match direction {
        Direction::OnUsForces => rng.weighted(&[
            (50, AttackType::Drone),
            (25, AttackType::Rocket),
            (5, AttackType::BallisticMissile),
            (3, AttackType::Missile),
            (5, AttackType::Mortar),
            (3, AttackType::Ied),
            (2, AttackType::SmallArms),
            (7, AttackType::Unknown),
        ]),
        Direction::UsStrike => rng.weighted(&[
            (50, AttackType::Airstrike),
            (25, AttackType::DroneStrike),
            (10, AttackType::Gunship),
            (15, AttackType::Artillery),
        ]),
        Direction::Other => rng.weighted(&[(7, AttackType::Explosion), (3, AttackType::Unknown)]),
    };
    let mut attack_types = vec![first];
    if direction == Direction::OnUsForces && first == AttackType::Drone && rng.chance(100) {
        attack_types.push(AttackType::Rocket);
    }
    let munitions = match first {
        _ if rng.chance(250) => 0,
        AttackType::Drone | AttackType::DroneStrike => rng.between(1, 3),
        AttackType::Rocket | AttackType::Mortar | AttackType::Artillery => rng.between(2, 8),
        AttackType::BallisticMissile | AttackType::Missile => rng.between(4, 14),
        AttackType::Airstrike => rng.between(1, 6),
        _ => 0,
    };
    let outcome = match direction {
        Direction::OnUsForces => *rng.weighted(&[
            (35, Outcome::Impact),
            (30, Outcome::Intercepted),
            (15, Outcome::PartlyIntercepted),
            (10, Outcome::Failed),
            (10, Outcome::Unknown),
        ]),
        _ => Outcome::Impact,
    };
    let (group, killed, wounded) = match direction {
        Direction::OnUsForces => {
            let killed = if rng.chance(30) { rng.between(1, 3) } else { 0 };
            let wounded = match (outcome, rng.below(100)) {
                (Outcome::Intercepted | Outcome::Failed, _) | (_, 0..=54) => 0,
                (_, 55..=92) => rng.between(1, 8),
                _ => rng.between(10, 47),
            };
            (CasualtyGroup::UsMilitary, killed, wounded)
        }
        Direction::UsStrike => (CasualtyGroup::Militants, rng.between(1, 20), 0),
        Direction::Other => (
            *rng.pick(&[CasualtyGroup::Militants, CasualtyGroup::Civilians]),
            rng.below(3),
            rng.below(4),
        ),
    };
    let attacker = match direction {
        Direction::OnUsForces if rng.chance(600) => Some(rng.pick(MILITIAS)),
        Direction::UsStrike => Some(rng.pick(STRIKERS)),
        _ => None,
    };
    let place_slug = place.site.map_or_else(|| slug(place.admin1), str::to_owned);
    Event {
        key: format!("{tag}/{day}-{place_slug}-e{number}"),
        day,
        direction,
        place,
        attack_types,
        munitions,
        outcome,
        group,
        killed,
        wounded,
        attacker,
        reporters: Vec::with_capacity(4),
        wanted: rng.between(2, 4) as usize,
    }
}

/// One source's report of `event`.
pub fn report(rng: &mut Rng, event: &Event, source: &str) -> Incident {
    let target = place(rng, event.place);
    let launch = rng.chance(80).then(|| {
        let (name, country, admin1) = *rng.pick(LAUNCH_SITES);
        Place {
            name: name.into(),
            site: None,
            country: Some(country.into()),
            admin1: Some(admin1.into()),
            coordinates: None,
            precision: GeoPrecision::Locality,
        }
    });
    let attack_types = if rng.chance(100) {
        vec![AttackType::Unknown]
    } else {
        event.attack_types.clone()
    };
    let munitions =
        (event.munitions > 0 && rng.chance(700)).then(|| phrase(&small(rng, event.munitions)));
    let outcome = if rng.chance(150) {
        Outcome::Unknown
    } else {
        event.outcome
    };
    let damage = (matches!(outcome, Outcome::Impact | Outcome::PartlyIntercepted)
        && rng.chance(350))
    .then(|| (*rng.pick(DAMAGE)).to_owned());
    let casualties = casualties(rng, event);
    let attackers = match event.attacker {
        Some(actor) if rng.chance(750) => vec![attributed(rng, actor, event.direction)],
        _ => Vec::new(),
    };
    let targeted = (event.direction == Direction::OnUsForces && rng.chance(200))
        .then(|| ActorRef {
            name: "US forces".into(),
            actor: Some("us-military".into()),
            role: None,
            basis: None,
            certainty: None,
        })
        .into_iter()
        .collect();
    let noun = noun(event.attack_types.first().copied());
    let summary = rng
        .chance(850)
        .then(|| summary(rng, event, &target.name, noun));
    let quote = rng.chance(500).then(|| match event.direction {
        Direction::OnUsForces => format!("a {noun} attack targeted {}", target.name),
        Direction::UsStrike => format!("US forces struck {}", target.name),
        Direction::Other => format!("an explosion hit {}", target.name),
    });
    Incident {
        source: source.into(),
        incident: event.key.as_str().into(),
        direction: event.direction,
        occurred: occurred(rng, event.day),
        target,
        launch: launch.map(Box::new),
        attack_types,
        munitions: munitions.map(Box::new),
        outcome,
        damage: damage.map(Into::into),
        casualties,
        attackers,
        targeted,
        summary: summary.map(Into::into),
        quote: quote.map(Into::into),
    }
}

/// The place as one source names it: the site by one of its names, or vaguely.
fn place(rng: &mut Rng, target: &'static Target) -> Place {
    if rng.chance(200) {
        let region = match (target.country, target.admin1) {
            ("IQ", "Anbar") => "a base in western Iraq",
            ("IQ", "Erbil" | "Nineveh") => "a base in northern Iraq",
            ("IQ", _) => "a site near Baghdad",
            ("SY", "Homs") => "a base in southern Syria",
            ("SY", _) => "a base in northeast Syria",
            _ => "a base in the region",
        };
        return Place {
            name: region.into(),
            site: None,
            country: Some(target.country.into()),
            admin1: None,
            coordinates: None,
            precision: GeoPrecision::Unknown,
        };
    }
    let coordinates = rng.chance(100).then_some(Coordinates {
        lat: target.at.0,
        lon: target.at.1,
    });
    Place {
        name: (*rng.pick(target.names)).into(),
        site: target.site.map(Into::into),
        country: Some(target.country.into()),
        admin1: rng
            .chance(600)
            .then(|| target.admin1.to_owned())
            .map(Into::into),
        coordinates,
        precision: if target.site.is_some() {
            GeoPrecision::Site
        } else {
            GeoPrecision::Locality
        },
    }
}

fn casualties(rng: &mut Rng, event: &Event) -> Vec<Casualties> {
    let mut out = Vec::new();
    let (killed, wounded) = (event.killed, event.wounded);
    if killed == 0 && wounded == 0 {
        if rng.chance(450) {
            let group = if rng.chance(500) {
                CasualtyGroup::Unknown
            } else {
                event.group
            };
            out.push(Casualties {
                group,
                killed: Some(phrase("no")),
                wounded: Some(phrase("no")),
                note: rng
                    .chance(300)
                    .then(|| "No casualties were reported.".into()),
            });
        }
        return out;
    }
    if rng.chance(100) {
        return out;
    }
    out.push(Casualties {
        group: event.group,
        killed: (killed > 0 || rng.chance(500)).then(|| phrase(&small(rng, killed))),
        wounded: (wounded > 0 || rng.chance(300)).then(|| phrase(&small(rng, wounded))),
        note: rng.chance(150).then(|| (*rng.pick(CASUALTY_NOTES)).into()),
    });
    if event.direction == Direction::OnUsForces && rng.chance(100) {
        out.push(Casualties {
            group: *rng.pick(&[
                CasualtyGroup::UsContractor,
                CasualtyGroup::Coalition,
                CasualtyGroup::HostNationForces,
            ]),
            killed: None,
            wounded: {
                let n = rng.between(1, 3);
                Some(phrase(&small(rng, n)))
            },
            note: None,
        });
    }
    out
}

/// An attacker as one source names it, on some basis.
pub fn attributed(rng: &mut Rng, actor: &Actor, direction: Direction) -> ActorRef {
    let (basis, certainty) = match direction {
        Direction::UsStrike => (Basis::Official, Certainty::Confirmed),
        _ => *rng.weighted(&[
            (4, (Basis::SelfClaim, Certainty::Confirmed)),
            (3, (Basis::Media, Certainty::Confirmed)),
            (2, (Basis::Official, Certainty::Probable)),
            (1, (Basis::Media, Certainty::Possible)),
        ]),
    };
    ActorRef {
        name: (*rng.pick(actor.names)).into(),
        actor: actor.key.map(Into::into),
        role: None,
        basis: Some(basis),
        certainty: Some(certainty),
    }
}

fn noun(attack: Option<AttackType>) -> &'static str {
    match attack {
        Some(AttackType::Drone) => "drone",
        Some(AttackType::Rocket) => "rocket",
        Some(AttackType::BallisticMissile) => "ballistic missile",
        Some(AttackType::Missile) => "missile",
        Some(AttackType::Mortar) => "mortar",
        Some(AttackType::Ied) => "IED",
        Some(AttackType::Airstrike) => "air",
        Some(AttackType::DroneStrike) => "drone",
        Some(AttackType::Gunship) => "gunship",
        Some(AttackType::Artillery) => "artillery",
        Some(AttackType::SmallArms) => "small-arms",
        Some(AttackType::Explosion) => "explosive",
        Some(AttackType::Unknown) | None => "suspected",
    }
}

fn summary(rng: &mut Rng, event: &Event, place: &str, noun: &str) -> String {
    let when = long_form(event.day);
    match event.direction {
        Direction::OnUsForces => {
            let result = match event.outcome {
                Outcome::Intercepted => "was intercepted",
                Outcome::PartlyIntercepted => "was partly intercepted",
                Outcome::Failed => "fell short",
                Outcome::Impact if event.wounded > 0 => "injured US personnel",
                Outcome::Impact => "hit the base",
                Outcome::Unknown => "was reported",
            };
            if rng.chance(500) {
                format!("A {noun} attack on {place}, which hosts US forces, {result} ({when}).")
            } else {
                format!("US forces at {place} came under {noun} attack that {result}.")
            }
        }
        Direction::UsStrike => {
            format!("A US {noun} strike hit {place} in response to attacks on US forces ({when}).")
        }
        Direction::Other => format!("An explosion of unknown cause hit {place}."),
    }
}
