//! What every figure is measured on: the synthetic corpus in chunks (never all N
//! facts at once), the fixed clock and recorder name the ledger is built with, the
//! canonical entry bytes the raw baselines store (encoded exactly as the journal
//! encodes them), and the extra facts appended one at a time after the import.

use std::io::Write as _;
use std::path::Path;

use sitrep::codec;
use sitrep::entry::{Entry, Seq, FORMAT_VERSION};
use sitrep::fact::{
    AttackType, Casualties, CasualtyGroup, DateSpec, Direction, Fact, FactBody, GeoPrecision,
    Incident, Outcome, Place, Quantity, Source, SourceType,
};
use sitrep::hash::Id;
use sitrep::journal::AppendOptions;
use sitrep::synth::Corpus;
use sitrep::time::{Date, FixedClock, Timestamp};

/// Facts per append call of the bulk import (and per SQLite transaction).
pub const CHUNK: usize = 10_000;
/// The origin of every benchmark ledger.
pub const ORIGIN: &str = "sitrep-bench";
/// Who records.
pub const RECORDED_BY: &str = "bench";
/// When everything is recorded: 2025-01-01T00:00:00Z, fixed so that the raw
/// baselines can encode the very bytes the journal stores.
pub const RECORDED_AT_MICROS: i64 = 1_735_689_600_000_000;

/// The clock of every library append.
pub fn clock() -> FixedClock {
    FixedClock(Timestamp::from_micros(RECORDED_AT_MICROS))
}

/// Append options.
pub fn options(durable: bool) -> AppendOptions {
    AppendOptions {
        recorded_by: RECORDED_BY.to_owned(),
        durable,
        dry_run: false,
    }
}

/// The corpus of `n` facts in chunks of [`CHUNK`].
pub fn chunks(seed: u64, n: u64) -> impl Iterator<Item = Vec<Fact>> {
    let mut corpus = Corpus::new(seed, n);
    std::iter::from_fn(move || {
        let chunk: Vec<Fact> = corpus.by_ref().take(CHUNK).collect();
        (!chunk.is_empty()).then_some(chunk)
    })
}

/// Encodes facts into the entries a fresh ledger of [`ORIGIN`] gives them: same
/// seq, prev chain, clock and recorder, so the same canonical bytes and ids.
pub struct Encoder {
    next: u64,
    prev: Id,
}

impl Default for Encoder {
    fn default() -> Encoder {
        Encoder::new()
    }
}

impl Encoder {
    /// Starts at seq 0 with the genesis value of [`ORIGIN`].
    pub fn new() -> Encoder {
        Encoder {
            next: 0,
            prev: Id::genesis(ORIGIN),
        }
    }

    /// The canonical bytes of the next entry (its id becomes the next `prev`).
    pub fn encode(&mut self, fact: Fact) -> Vec<u8> {
        let entry = Entry {
            version: FORMAT_VERSION,
            seq: Seq::new(self.next),
            prev: self.prev,
            recorded_at: Timestamp::from_micros(RECORDED_AT_MICROS),
            recorded_by: RECORDED_BY.into(),
            fact,
        };
        let bytes = codec::encode_entry(&entry);
        self.prev = Id::of_entry(&bytes);
        self.next += 1;
        bytes
    }

    /// The id of the last entry encoded (the genesis value before the first).
    pub fn last_id(&self) -> Id {
        self.prev
    }
}

/// A source for facts appended after the import; `tag` keeps keys unique.
pub fn extra_source(tag: &str) -> Fact {
    Fact {
        key: format!("bench/{tag}/source").into(),
        body: FactBody::Source(Box::new(Source {
            title: Some("Benchmark follow-up reports".into()),
            language: Some("en".into()),
            ..Source::new("Bench Wire", SourceType::Wire)
        })),
    }
}

/// The `i`-th incident reported by [`extra_source`] of `tag`.
pub fn extra_incident(tag: &str, i: u64) -> Fact {
    let day = Date::from_ymd(2024, 1, 1 + (i % 28) as u32).unwrap_or(Date::MIN);
    Fact {
        key: format!("bench/{tag}/incident/{i}").into(),
        body: FactBody::Incident(Box::new(Incident {
            source: format!("bench/{tag}/source").into(),
            incident: format!("bench/{tag}/inc-{i}").into(),
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
            munitions: Quantity::parse("two").map(Box::new),
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
        })),
    }
}

/// Writes a report file (JSON Lines, `Fact::to_json` per line) with a new source
/// and one incident it reports, as a user would hand to `sitrep append`.
pub fn write_report(path: &Path, tag: &str) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    for fact in [extra_source(tag), extra_incident(tag, 0)] {
        writeln!(file, "{}", fact.to_json())?;
    }
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_corpus_once_in_order() {
        let n = (CHUNK + 7) as u64;
        let sizes: Vec<usize> = chunks(3, n).map(|c| c.len()).collect();
        assert_eq!(sizes, vec![CHUNK, 7]);
        let first: Vec<Fact> = chunks(3, n).flatten().take(3).collect();
        let direct: Vec<Fact> = Corpus::new(3, n).take(3).collect();
        assert_eq!(first, direct);
    }

    #[test]
    fn extra_facts_are_valid_and_distinct() {
        extra_source("t").check().unwrap();
        extra_incident("t", 0).check().unwrap();
        assert_ne!(extra_incident("t", 0).key, extra_incident("t", 1).key);
        assert_ne!(extra_source("a").key, extra_source("b").key);
    }
}
