//! A synthetic corpus: realistic facts for benchmarks and scale tests.
//!
//! [`Corpus`] yields a deterministic stream of facts (same seed and N, same facts,
//! byte for byte) shaped like `fixtures/`: sources, incidents reported by several
//! sources each, counts, claims, statements, denials, corrections, retractions and
//! merges, every reference pointing at something earlier in the stream. It is an
//! iterator, so a benchmark can append a million facts without holding them.
//!
//! STUB: this first version only yields one source and incidents; the realistic
//! mix is being written.

use crate::fact::{
    AttackType, Casualties, CasualtyGroup, DateSpec, Direction, Fact, FactBody, GeoPrecision,
    Incident, Outcome, Place, Quantity, Source, SourceType,
};
use crate::time::Date;

/// A deterministic stream of `n` facts from `seed`.
#[derive(Clone, Debug)]
pub struct Corpus {
    seed: u64,
    n: u64,
    next: u64,
}

impl Corpus {
    /// The first `n` facts of the corpus for `seed`.
    pub fn new(seed: u64, n: u64) -> Corpus {
        Corpus { seed, n, next: 0 }
    }
}

impl Iterator for Corpus {
    type Item = Fact;

    fn next(&mut self) -> Option<Fact> {
        if self.next >= self.n {
            return None;
        }
        let i = self.next;
        self.next += 1;
        if i == 0 {
            return Some(Fact {
                key: format!("synth/{}/source", self.seed),
                body: FactBody::Source(Source::new("Synthetic Wire", SourceType::Wire)),
            });
        }
        let day = Date::from_days_since_epoch(19_647 + (i % 600) as i32)?;
        Some(Fact {
            key: format!("synth/{}/incident/{i}", self.seed),
            body: FactBody::Incident(Incident {
                source: format!("synth/{}/source", self.seed),
                incident: format!("inc-{}", i / 2),
                direction: Direction::OnUsForces,
                occurred: DateSpec::day(day),
                target: Place {
                    name: "Al-Asad Airbase".into(),
                    site: Some("ain-al-asad".into()),
                    country: Some("IQ".into()),
                    admin1: Some("Anbar".into()),
                    coordinates: None,
                    precision: GeoPrecision::Site,
                },
                launch: None,
                attack_types: vec![AttackType::Drone],
                munitions: Quantity::parse("two"),
                outcome: Outcome::Intercepted,
                damage: None,
                casualties: vec![Casualties {
                    group: CasualtyGroup::UsMilitary,
                    killed: Quantity::parse("no"),
                    wounded: Quantity::parse("at least 3"),
                    note: None,
                }],
                attackers: vec![],
                targeted: vec![],
                summary: Some("A drone was launched at the base and intercepted.".into()),
                quote: None,
            }),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.n - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}
