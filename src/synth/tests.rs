//! The corpus against the real ledger: every fact checks, a long stream appends
//! in several batches with no refusal and no duplicate, the stream is the same for
//! a seed and prefix-stable in N, the kind mix and canonical sizes match the
//! fixtures' shape, the projections compute on it, and the report format reads
//! every fact back unchanged.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::codec;
use crate::entry::{Entry, Seq, FORMAT_VERSION};
use crate::hash::Id;
use crate::input::{self, Origin};
use crate::journal::{AppendOptions, FactOutcome, Journal};
use crate::projection::engine;
use crate::projection::resolve::Resolved;
use crate::projection::views::{Params, View};
use crate::time::{FixedClock, Timestamp};

const SEED: u64 = 2024;

fn options() -> AppendOptions {
    AppendOptions {
        recorded_by: "synth-test".into(),
        durable: false,
        dry_run: false,
    }
}

/// A journal holding the first `n` facts of the corpus, appended in batches of
/// `batch`, with every outcome checked.
fn ledger(n: u64, batch: usize) -> Journal {
    let mut journal = Journal::in_memory("synth-test").unwrap();
    let mut corpus = Corpus::new(SEED, n);
    let mut day = 0;
    loop {
        let facts: Vec<Fact> = corpus.by_ref().take(batch).collect();
        if facts.is_empty() {
            break;
        }
        let keys: Vec<(String, FactKind)> = facts
            .iter()
            .map(|f| (f.key.to_string(), f.kind()))
            .collect();
        let clock = FixedClock(Timestamp::from_micros(1_767_225_600_000_000 + day));
        day += 86_400_000_000;
        let report = journal
            .append(facts, &clock, &options())
            .unwrap_or_else(|e| panic!("batch refused: {e}"));
        assert!(report.committed);
        for (outcome, (key, kind)) in report.outcomes.iter().zip(&keys) {
            match outcome {
                FactOutcome::Recorded { kind: k, .. } => assert_eq!(k, kind, "{key}"),
                FactOutcome::AlreadyRecorded { .. } => panic!("{key} was a duplicate"),
            }
        }
    }
    assert_eq!(journal.head().size, n);
    journal
}

#[test]
fn every_fact_checks_and_the_stream_appends_in_batches_and_projects() {
    let journal = ledger(3_000, 700);
    let picture = engine::rebuild(&journal).unwrap();
    let resolved = Resolved::new(&picture);
    let params = Params::default();
    let incidents = View::Incidents.build(&resolved, &params);
    let tallies = View::Tallies.build(&resolved, &params);
    let counts = View::Counts.build(&resolved, &params);
    let revisions = View::Revisions.build(&resolved, &params);
    assert!(
        incidents.rows.len() > 300,
        "{} incidents",
        incidents.rows.len()
    );
    assert!(!tallies.rows.is_empty());
    assert!(!counts.rows.is_empty());
    assert!(!revisions.rows.is_empty());
    let merged = resolved.groups().filter(|g| g.aliases.len() >= 2).count();
    assert!(merged > 0, "no merged incident group");
    let corrected = resolved
        .all_live()
        .filter(|l| !l.corrections.is_empty())
        .count();
    assert!(corrected > 50, "{corrected} corrected facts");
    let denied = resolved
        .all_live()
        .filter(|l| !l.denials.is_empty())
        .count();
    assert!(denied > 20, "{denied} denied facts");
}

#[test]
fn append_corpus_loads_the_stream_batch_by_batch() {
    let mut journal = Journal::in_memory("synth-test").unwrap();
    let recorded = append_corpus(&mut journal, SEED, 1_200, 500, &options()).unwrap();
    assert_eq!(recorded, 1_200);
    assert_eq!(journal.head().size, 1_200);
    let last = journal.read(Seq::new(1_199)).unwrap().unwrap();
    let expected = Corpus::new(SEED, 1_200).last().unwrap();
    assert_eq!(last.entry.fact, expected);
    // Three batches, an hour apart.
    assert_eq!(
        last.entry.recorded_at,
        Timestamp::from_micros(FIRST_BATCH_MICROS + 2 * 3_600_000_000)
    );
    // Loading it again records nothing: every fact is already there.
    assert_eq!(
        append_corpus(&mut journal, SEED, 1_200, 700, &options()).unwrap(),
        0
    );
}

#[test]
fn the_same_seed_gives_the_same_stream_and_any_prefix_of_it() {
    let long: Vec<Fact> = Corpus::new(SEED, 1_500).collect();
    let again: Vec<Fact> = Corpus::new(SEED, 1_500).collect();
    assert_eq!(long, again);
    for n in [0, 1, 2, 7, 400, 1_499] {
        let short: Vec<Fact> = Corpus::new(SEED, n).collect();
        assert_eq!(short.len(), n as usize);
        assert_eq!(short[..], long[..n as usize], "prefix of {n}");
    }
    let other: Vec<Fact> = Corpus::new(SEED + 1, 1_500).collect();
    assert_ne!(other[10..], long[10..]);
    assert!(other[0].key.starts_with("s2025/"), "{}", other[0].key);
}

#[test]
fn the_size_hint_is_exact_all_the_way() {
    let mut corpus = Corpus::new(SEED, 50);
    for left in (0..=50usize).rev() {
        assert_eq!(corpus.size_hint(), (left, Some(left)));
        assert_eq!(corpus.len(), left);
        assert_eq!(corpus.next().is_some(), left > 0);
    }
    assert_eq!(corpus.next(), None);
}

#[test]
fn keys_are_unique_and_every_reference_points_earlier() {
    let mut keys: BTreeMap<String, FactKind> = BTreeMap::new();
    let mut incident_keys = BTreeSet::new();
    for fact in Corpus::new(SEED, 4_000) {
        fact.check().unwrap_or_else(|p| panic!("{}: {p}", fact.key));
        for (path, reference) in fact.body.references() {
            match reference {
                crate::fact::Reference::Source(k) => {
                    assert_eq!(keys.get(k), Some(&FactKind::Source), "{}.{path}", fact.key);
                }
                crate::fact::Reference::Target(k) => {
                    let kind = keys.get(k).copied();
                    assert!(kind.is_some(), "{}.{path}: `{k}` not yet seen", fact.key);
                    assert_ne!(kind, Some(FactKind::Retraction), "{}", fact.key);
                }
                crate::fact::Reference::IncidentKey(k) => {
                    assert!(incident_keys.contains(k), "{}.{path}: `{k}`", fact.key);
                }
            }
        }
        if let FactBody::Correction(c) = &fact.body {
            let target = keys.get(c.target.as_str()).copied();
            assert_eq!(target, Some(c.replacement.kind()), "{}", fact.key);
        }
        if let FactBody::Incident(i) = &fact.body {
            incident_keys.insert(i.incident.clone());
        }
        assert!(
            keys.insert(fact.key.to_string(), fact.kind()).is_none(),
            "{}",
            fact.key
        );
    }
}

#[test]
fn the_kind_mix_and_the_reports_per_incident_are_those_of_the_fixtures() {
    let n = 5_000u64;
    let mut per_kind: BTreeMap<FactKind, u64> = BTreeMap::new();
    let mut reporters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for fact in Corpus::new(SEED, n) {
        *per_kind.entry(fact.kind()).or_default() += 1;
        if let FactBody::Incident(i) = &fact.body {
            reporters
                .entry(i.incident.to_string())
                .or_default()
                .push(i.source.to_string());
        }
    }
    let bands: [(FactKind, f64, f64); 9] = [
        (FactKind::Source, 0.03, 0.08),
        (FactKind::Incident, 0.55, 0.70),
        (FactKind::Count, 0.05, 0.12),
        (FactKind::Claim, 0.04, 0.09),
        (FactKind::Statement, 0.04, 0.09),
        (FactKind::Denial, 0.015, 0.05),
        (FactKind::Correction, 0.03, 0.07),
        (FactKind::Retraction, 0.003, 0.02),
        (FactKind::Merge, 0.003, 0.02),
    ];
    for (kind, low, high) in bands {
        let share = per_kind.get(&kind).copied().unwrap_or(0) as f64 / n as f64;
        assert!(
            (low..=high).contains(&share),
            "{kind}: {share:.3} not in {low}..{high} ({per_kind:?})"
        );
    }
    // Every incident is reported by at most four different sources, and most by
    // two or more.
    let mut several = 0;
    for (key, sources) in &reporters {
        let distinct: BTreeSet<&String> = sources.iter().collect();
        assert_eq!(
            distinct.len(),
            sources.len(),
            "{key}: a source reported it twice"
        );
        assert!(sources.len() <= 4, "{key}: {} reports", sources.len());
        several += usize::from(sources.len() >= 2);
    }
    assert!(
        several * 10 >= reporters.len() * 8,
        "{several} of {} incidents have several reports",
        reporters.len()
    );
}

#[test]
fn canonical_sizes_are_those_of_the_fixtures() {
    let mean = |bytes: &[usize]| bytes.iter().sum::<usize>() as f64 / bytes.len() as f64;
    let mut fixtures = Journal::in_memory("synth-test").unwrap();
    crate::demo::build(&mut fixtures).unwrap();
    let mut fixture_sizes = Vec::new();
    fixtures
        .scan(Seq::new(0), &mut |r| {
            fixture_sizes.push(r.bytes.len());
            true
        })
        .unwrap();
    let corpus_sizes: Vec<usize> = Corpus::new(SEED, 2_000)
        .enumerate()
        .map(|(i, fact)| {
            codec::encode_entry(&Entry {
                version: FORMAT_VERSION,
                seq: Seq::new(i as u64),
                prev: Id::genesis("synth-test"),
                recorded_at: Timestamp::from_micros(1_767_225_600_000_000),
                recorded_by: "sitrep demo".into(),
                fact,
            })
            .len()
        })
        .collect();
    let (fixture, corpus) = (mean(&fixture_sizes), mean(&corpus_sizes));
    assert!(
        (200.0..=600.0).contains(&corpus),
        "corpus mean {corpus:.0} bytes"
    );
    assert!(
        corpus > fixture * 0.5 && corpus < fixture * 1.5,
        "corpus mean {corpus:.0} bytes, fixtures {fixture:.0}"
    );
    let largest = corpus_sizes.iter().max().copied().unwrap_or(0);
    assert!(largest < 2_000, "largest entry {largest} bytes");
}

#[test]
fn the_report_format_reads_every_fact_back_unchanged() {
    let origin = Origin {
        file: "synth.jsonl".into(),
        line: None,
        element: None,
    };
    for fact in Corpus::new(SEED, 2_000) {
        let read =
            input::to_fact(fact.to_json(), &origin).unwrap_or_else(|e| panic!("{}: {e}", fact.key));
        assert_eq!(read, fact);
    }
}

#[test]
fn working_sets_stay_bounded_on_a_long_stream() {
    let mut corpus = Corpus::new(SEED, 30_000);
    let mut yielded = 0u64;
    while corpus.next().is_some() {
        yielded += 1;
        let m = &corpus.memory;
        assert!(m.open.len() <= memory::OPEN_EVENTS);
        assert!(m.sources.len() <= memory::ACTIVE_SOURCES);
        assert!(m.reported.len() <= 256 && m.retractable.len() <= 128);
        assert!(m.incidents.len() <= 48 && m.counts.len() <= 16 && m.deniable.len() <= 128);
        assert!(m.open.iter().all(|e| e.reporters.len() < e.wanted));
    }
    assert_eq!(yielded, 30_000);
    assert!(corpus.memory.source_count > 1_000);
    assert!(corpus.memory.event_count > 5_000);
}
