//! A synthetic corpus: realistic facts for benchmarks and scale tests.
//!
//! [`Corpus`] yields a deterministic stream of facts (same seed, same facts, byte
//! for byte; the first k facts are the same whatever N is) shaped like
//! `fixtures/seeds/`: about 5 % sources (each the source of about twenty facts), 63 %
//! incident reports (each attack reported by two to four different sources under
//! one incident key, each with its own date precision, place name and figures),
//! 8.5 % counts, 6.5 % claims, 6.5 % statements, 3 % denials, 5 % corrections,
//! 1 % retractions and 1 % merges. Every reference points at a fact earlier in the
//! stream and follows the journal's rules (a correction replaces an original fact
//! with one of the same kind, nothing retracts a retraction, a merge joins two
//! reported incident keys), so any prefix of the stream appends without a
//! refusal. It is an iterator with bounded working sets (a few hundred recent
//! keys), so a benchmark can append a million facts without holding them;
//! [`append_corpus`] loads it into a ledger batch by batch.

mod dates;
mod figures;
mod load;
mod memory;
mod reports;
mod revisions;
mod rng;
mod sayings;
mod sources;
#[cfg(test)]
mod tests;
mod words;

use crate::fact::{Direction, Fact, FactBody, FactKind, Source, SourceType};
use crate::time::Date;
use memory::{ActiveSource, Memory, ACTIVE_SOURCES, OPEN_EVENTS};
use rng::Rng;
use words::PUBLISHERS;

pub use load::{append_corpus, FIRST_BATCH_MICROS};

/// Facts per 1000 of each kind, before the fallbacks of [`Corpus::fact`].
const MIX: [(u32, FactKind); 9] = [
    (50, FactKind::Source),
    (635, FactKind::Incident),
    (85, FactKind::Count),
    (65, FactKind::Claim),
    (65, FactKind::Statement),
    (30, FactKind::Denial),
    (50, FactKind::Correction),
    (10, FactKind::Retraction),
    (10, FactKind::Merge),
];

/// Sources yielded before anything else, so that reports have several to come from.
const MIN_ACTIVE_SOURCES: usize = 4;

/// A deterministic stream of `n` facts from `seed`.
#[derive(Clone, Debug)]
pub struct Corpus {
    n: u64,
    next: u64,
    rng: Rng,
    /// Prefix of every key (`s{seed}`), so corpora of different seeds never collide.
    tag: String,
    memory: Memory,
}

impl Corpus {
    /// The first `n` facts of the corpus for `seed`.
    pub fn new(seed: u64, n: u64) -> Corpus {
        Corpus {
            n,
            next: 0,
            rng: Rng::new(seed),
            tag: format!("s{seed}"),
            memory: Memory::new(),
        }
    }

    /// Fact `index` of the stream: depends on the facts before it, never on `n`.
    fn fact(&mut self, index: u64) -> Fact {
        let day = dates::stream_day(index);
        if index == 0 {
            return self.analyst();
        }
        if self.memory.sources.len() < MIN_ACTIVE_SOURCES.min(ACTIVE_SOURCES) {
            return self.source(day);
        }
        let kind = *self.rng.weighted(&MIX);
        let fact = match kind {
            FactKind::Source => Some(self.source(day)),
            FactKind::Incident => None,
            FactKind::Count => Some(self.count(index, day)),
            FactKind::Claim => Some(self.claim(index)),
            FactKind::Statement => Some(self.statement(index, day)),
            FactKind::Denial => self.denial(index),
            FactKind::Correction => self.correction(index),
            FactKind::Retraction => self.retraction(index),
            FactKind::Merge => self.merge(index),
        };
        // A revision with nothing to revise yet becomes one more incident report.
        match fact {
            Some(fact) => fact,
            None => self.incident(index, day),
        }
    }

    /// The analysts' linking notes: the first fact, the source of every merge.
    fn analyst(&mut self) -> Fact {
        let key = format!("{}/links/source", self.tag);
        self.memory.analyst = key.clone();
        Fact {
            key: key.into(),
            body: FactBody::Source(Box::new(Source {
                title: Some("Analyst linking notes for the synthetic corpus".into()),
                language: Some("en".into()),
                ..Source::new("sitrep synthetic corpus (analyst notes)", SourceType::Other)
            })),
        }
    }

    fn source(&mut self, day: Date) -> Fact {
        let chosen = self.rng.weighted_by(PUBLISHERS, |p| p.weight);
        let publisher = PUBLISHERS
            .iter()
            .position(|p| std::ptr::eq(p, chosen))
            .unwrap_or(0);
        let serial = self.memory.source_count;
        self.memory.source_count += 1;
        let p = &PUBLISHERS[publisher];
        let key = format!("{}/{}-{serial}/source", self.tag, p.slug);
        let body = sources::source(&mut self.rng, p, day, serial);
        self.memory.sources.push(ActiveSource {
            key: key.clone(),
            serial,
            publisher,
        });
        Fact {
            key: key.into(),
            body: FactBody::Source(Box::new(body)),
        }
    }

    /// A random active source.
    fn any_source(&mut self) -> ActiveSource {
        self.memory
            .sources
            .pick(&mut self.rng)
            .cloned()
            .unwrap_or_else(|| ActiveSource {
                key: self.memory.analyst.clone(),
                serial: u64::MAX,
                publisher: 0,
            })
    }

    fn incident(&mut self, index: u64, day: Date) -> Fact {
        let memory = &mut self.memory;
        let rng = &mut self.rng;
        let extend =
            !memory.open.is_empty() && (memory.open.len() >= OPEN_EVENTS || !rng.chance(333));
        let mut chosen = None;
        if extend {
            let at = rng.index(memory.open.len());
            let reporters = &memory.open[at].reporters;
            let fresh: Vec<&ActiveSource> = memory
                .sources
                .iter()
                .filter(|s| !reporters.contains(&s.serial))
                .collect();
            if !fresh.is_empty() {
                chosen = Some((at, (*rng.pick(&fresh)).clone()));
            }
        }
        let (at, source) = match chosen {
            Some(chosen) => chosen,
            None => {
                if memory.open.len() >= OPEN_EVENTS {
                    memory.open.remove(0);
                }
                let event = reports::event(rng, &self.tag, day, memory.event_count);
                memory.event_count += 1;
                memory.open.push(event);
                let source = memory.sources.pick(rng).cloned();
                (
                    memory.open.len() - 1,
                    source.unwrap_or_else(|| ActiveSource {
                        key: memory.analyst.clone(),
                        serial: u64::MAX,
                        publisher: 0,
                    }),
                )
            }
        };
        let body = reports::report(rng, &memory.open[at], &source.key);
        let event = &mut memory.open[at];
        if event.reporters.is_empty() {
            memory.reported.push(memory::Reported {
                key: event.key.clone(),
                place: event.place,
                day: event.day,
                direction: event.direction,
            });
        }
        event.reporters.push(source.serial);
        let key = format!("{}/incident/{}-{index}", prefix(&source.key), event.day);
        if event.reporters.len() >= event.wanted {
            memory.open.remove(at);
        }
        memory.incidents.push((key.clone(), body.clone()));
        memory.deniable.push((key.clone(), FactKind::Incident));
        memory.retractable.push(key.clone());
        Fact {
            key: key.into(),
            body: FactBody::Incident(Box::new(body)),
        }
    }

    fn count(&mut self, index: u64, day: Date) -> Fact {
        let source = self.any_source();
        let body = sayings::count(
            &mut self.rng,
            &source.key,
            &PUBLISHERS[source.publisher],
            day,
        );
        let key = format!(
            "{}/count/{}-{index}",
            prefix(&source.key),
            words_of(&body.metric)
        );
        self.memory.counts.push((key.clone(), body.clone()));
        self.remember_revisable(&key, FactKind::Count);
        Fact {
            key: key.into(),
            body: FactBody::Count(Box::new(body)),
        }
    }

    fn claim(&mut self, index: u64) -> Fact {
        let source = self.any_source();
        let reported = &self.memory.reported;
        let rng = &mut self.rng;
        // Militias claim attacks on US forces, one or two at a time.
        let wanted = if rng.chance(250) { 2 } else { 1 };
        let mut picked: Vec<&memory::Reported> = Vec::with_capacity(2);
        for _ in 0..6 {
            match reported.pick(rng) {
                Some(r)
                    if r.direction == Direction::OnUsForces
                        && picked.iter().all(|p| p.key != r.key) =>
                {
                    picked.push(r);
                }
                _ => {}
            }
            if picked.len() == wanted {
                break;
            }
        }
        let body = sayings::claim(rng, &source.key, &picked);
        let key = format!("{}/claim/{index}", prefix(&source.key));
        self.remember_revisable(&key, FactKind::Claim);
        Fact {
            key: key.into(),
            body: FactBody::Claim(Box::new(body)),
        }
    }

    fn statement(&mut self, index: u64, day: Date) -> Fact {
        let source = self.any_source();
        let body = sayings::statement(
            &mut self.rng,
            &source.key,
            &PUBLISHERS[source.publisher],
            day,
        );
        let key = format!(
            "{}/statement/{}-{index}",
            prefix(&source.key),
            words_of(&body.statement_type)
        );
        self.remember_revisable(&key, FactKind::Statement);
        Fact {
            key: key.into(),
            body: FactBody::Statement(Box::new(body)),
        }
    }

    fn denial(&mut self, index: u64) -> Option<Fact> {
        let (target, kind) = self.memory.deniable.pick(&mut self.rng)?.clone();
        let source = self.any_source();
        let body = revisions::denial(&mut self.rng, &source.key, &target, kind);
        let key = format!("{}/denial/{index}", prefix(&source.key));
        self.memory.retractable.push(key.clone());
        Some(Fact {
            key: key.into(),
            body: FactBody::Denial(Box::new(body)),
        })
    }

    fn correction(&mut self, index: u64) -> Option<Fact> {
        let counts_first = self.memory.incidents.is_empty() || self.rng.chance(300);
        let (target, replacement, original_source) =
            if counts_first && !self.memory.counts.is_empty() {
                let (target, count) = self.memory.counts.take(&mut self.rng)?;
                let fixed = revisions::corrected_count(&mut self.rng, &count);
                (target, FactBody::Count(Box::new(fixed)), count.source)
            } else {
                let (target, incident) = self.memory.incidents.take(&mut self.rng)?;
                let fixed = revisions::corrected_incident(&mut self.rng, &incident);
                (target, FactBody::Incident(Box::new(fixed)), incident.source)
            };
        // Usually the source itself updates its report; sometimes another does.
        let source = if self.rng.chance(700) {
            original_source
        } else {
            self.any_source().key.into()
        };
        let body = revisions::correction(&mut self.rng, &source, &target, replacement);
        let key = format!("{}/correction/{index}", prefix(&source));
        self.memory.retractable.push(key.clone());
        Some(Fact {
            key: key.into(),
            body: FactBody::Correction(Box::new(body)),
        })
    }

    fn retraction(&mut self, index: u64) -> Option<Fact> {
        let target = self.memory.retractable.take(&mut self.rng)?;
        self.memory.forget(&target);
        let source = self.any_source();
        let body = revisions::retraction(&mut self.rng, &source.key, &target);
        Some(Fact {
            key: format!("{}/retraction/{index}", prefix(&source.key)).into(),
            body: FactBody::Retraction(Box::new(body)),
        })
    }

    fn merge(&mut self, index: u64) -> Option<Fact> {
        let reported = &self.memory.reported;
        if reported.len() < 2 {
            return None;
        }
        let a = reported.pick(&mut self.rng)?;
        // The other key is the report of the same place nearest in time, or else
        // the key nearest in time: what an analyst would link.
        let distance = |r: &memory::Reported| {
            let place = u64::from(!std::ptr::eq(r.place, a.place)) << 32;
            place + a.day.days_until(r.day).unsigned_abs()
        };
        let b = reported
            .iter()
            .filter(|r| r.key != a.key)
            .min_by_key(|r| distance(r))?;
        let body = revisions::merge(&mut self.rng, &self.memory.analyst, a, b);
        let key = format!("{}/links/merge/{index}", self.tag);
        self.memory.retractable.push(key.clone());
        Some(Fact {
            key: key.into(),
            body: FactBody::Merge(Box::new(body)),
        })
    }

    fn remember_revisable(&mut self, key: &str, kind: FactKind) {
        self.memory.deniable.push((key.to_owned(), kind));
        self.memory.retractable.push(key.to_owned());
    }
}

/// The key prefix of a source's facts: its key without `/source`.
fn prefix(source_key: &str) -> &str {
    source_key.strip_suffix("/source").unwrap_or(source_key)
}

/// The report-format name of an enum value (`militants_killed`), for keys.
fn words_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name.replace('_', "-"),
        _ => "fact".to_owned(),
    }
}

impl Iterator for Corpus {
    type Item = Fact;

    fn next(&mut self) -> Option<Fact> {
        if self.next >= self.n {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(self.fact(index))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.n - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Corpus {}
