//! The materialised incident table against the whole-picture computation: an
//! updated table must equal a table built afresh, file for file, and its
//! `tallies` must equal the view computed from the resolved picture.

use super::*;
use crate::fact::{Fact, FactKind};
use crate::journal::AppendOptions;
use crate::projection::engine::Cursor;
use crate::projection::views::tallies::Details;
use crate::projection::views::{DirectionRule, GroupBy, Rule, View};
use crate::time::{Date, FixedClock, Timestamp};

pub(super) fn options() -> AppendOptions {
    AppendOptions {
        recorded_by: "test".into(),
        durable: false,
        dry_run: false,
    }
}

pub(super) fn append(journal: &mut Journal, facts: Vec<Fact>, hour: i64) {
    let clock = FixedClock(Timestamp::from_micros(
        1_767_225_600_000_000 + hour * 3_600_000_000,
    ));
    journal.append(facts, &clock, &options()).unwrap();
}

/// Every kind of fact that bears on an incident: a corpus that tests the
/// table must hold each.
pub(super) const BEARING_KINDS: [FactKind; 6] = [
    FactKind::Incident,
    FactKind::Claim,
    FactKind::Denial,
    FactKind::Correction,
    FactKind::Retraction,
    FactKind::Merge,
];

/// The counting rules and groupings the comparisons run.
pub(super) fn param_sets() -> Vec<Params> {
    let date = |s: &str| Date::parse(s).unwrap();
    vec![
        Params::default(),
        Params {
            by: vec![GroupBy::Country, GroupBy::Month],
            ..Params::default()
        },
        Params {
            by: vec![GroupBy::AttackType, GroupBy::Actor, GroupBy::Outcome],
            rule: Rule {
                direction: Some(DirectionRule::Any),
                from: Some(date("2024-01-10")),
                to: Some(date("2024-03-31")),
                ..Rule::default()
            },
            ..Params::default()
        },
        Params {
            by: vec![GroupBy::Site, GroupBy::Week, GroupBy::Direction],
            rule: Rule {
                exclude_intercepted: true,
                countries: vec!["IQ".to_owned(), "SY".to_owned()],
                ..Rule::default()
            },
            ..Params::default()
        },
    ]
}

/// `tallies` from the table equals `tallies` from the resolved picture.
fn assert_tallies_agree(journal: &Journal, when: &str) {
    let picture = engine::rebuild(journal).unwrap();
    let resolved = Resolved::new(&picture);
    for params in param_sets() {
        let (stored, _) = tallies(journal, &params, Details::Full).unwrap();
        let (cells, _) = tallies(journal, &params, Details::CellsOnly).unwrap();
        let cells_of = |t: &Table| t.rows.iter().map(|r| r.cells.clone()).collect::<Vec<_>>();
        assert_eq!(cells_of(&cells), cells_of(&stored), "{when}: cells only");
        let whole = View::Tallies.build(&resolved, &params);
        assert!(
            stored == whole,
            "{when}: tallies by {:?} differ:\nstored {}\nwhole  {}",
            params.by,
            stored.to_json(),
            whole.to_json()
        );
    }
}

/// The stored table equals one built afresh with as many buckets.
fn assert_equals_a_rebuild(journal: &Journal, when: &str) {
    let kept = stored::manifest(journal).unwrap();
    let picture = engine::rebuild(journal).unwrap();
    let cursor = Cursor {
        size: journal.head().size,
        last: journal.head().last_id,
    };
    let fresh = build::build_with(
        journal,
        &Resolved::new(&picture),
        cursor,
        Some(kept.buckets),
    )
    .unwrap();
    assert_eq!(kept.size, fresh.size, "{when}");
    assert_eq!(
        (kept.facts.len(), kept.summaries.len()),
        (fresh.facts.len(), fresh.summaries.len()),
        "{when}"
    );
    for (b, (kept, fresh)) in kept.facts.iter().zip(&fresh.facts).enumerate() {
        assert!(kept == fresh, "{when}: facts bucket {b} differs");
    }
    for (b, (kept, fresh)) in kept.summaries.iter().zip(&fresh.summaries).enumerate() {
        assert!(kept == fresh, "{when}: summaries file {b} differs");
    }
}

#[test]
fn updates_equal_a_rebuild_after_every_append() {
    let mut journal = Journal::in_memory("materialised-test").unwrap();
    let facts: Vec<Fact> = crate::synth::Corpus::new(21, 2_400).collect();
    let (first, rest) = facts.split_at(1_200);
    append(&mut journal, first.to_vec(), 0);
    assert!(follow(&journal).unwrap().is_none(), "no table yet");
    let built = catch_up(&journal).unwrap();
    assert!(built.rebuilt && built.notes.is_empty());
    assert_tallies_agree(&journal, "built");

    let mut kinds = std::collections::BTreeSet::new();
    for (step, batch) in (0..).zip(in_batches(rest, &[1, 3, 1, 7, 2, 1, 5])) {
        kinds.extend(batch.iter().map(|f| f.body.kind()));
        append(&mut journal, batch.clone(), step + 1);
        let caught = follow(&journal).unwrap().expect("a table to follow");
        assert!(!caught.rebuilt, "step {step}: {:?}", caught.notes);
        assert_eq!(caught.folded, batch.len() as u64);
        assert_equals_a_rebuild(&journal, &format!("step {step}"));
        if step % 40 == 0 {
            assert_tallies_agree(&journal, &format!("step {step}"));
        }
    }
    assert_tallies_agree(&journal, "the end");
    for kind in BEARING_KINDS {
        assert!(kinds.contains(&kind), "the updates never saw a {kind:?}");
    }
}

/// Appends seed file `i` (`name`, `text`) of the demo's fixtures, at hour `i`.
/// `facts` cut into consecutive batches whose sizes cycle through `sizes`.
pub(super) fn in_batches(facts: &[Fact], sizes: &[usize]) -> Vec<Vec<Fact>> {
    let mut batches = Vec::new();
    let mut rest = facts;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (batch, after) = rest.split_at(size.min(rest.len()));
        batches.push(batch.to_vec());
        rest = after;
    }
    batches
}

pub(super) fn append_seed_file(journal: &mut Journal, i: usize, name: &str, text: &str) {
    let facts = crate::input::parse(name, text.as_bytes()).unwrap();
    append(
        journal,
        facts.into_iter().map(|l| l.fact).collect(),
        i as i64,
    );
}

#[test]
fn the_seed_corpus_file_by_file_equals_a_rebuild() {
    let mut journal = Journal::in_memory("materialised-seed").unwrap();
    for (i, (name, text)) in crate::demo::FIXTURES.iter().enumerate() {
        append_seed_file(&mut journal, i, name, text);
        let caught = catch_up(&journal).unwrap();
        assert_eq!(caught.rebuilt, i == 0, "{name}: {:?}", caught.notes);
        assert_equals_a_rebuild(&journal, name);
    }
    assert_tallies_agree(&journal, "the seed corpus");
}

#[test]
fn a_damaged_or_foreign_table_is_refused_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::init(dir.path(), "materialised-damage").unwrap();
    let facts: Vec<Fact> = crate::synth::Corpus::new(4, 600).collect();
    append(&mut journal, facts[..500].to_vec(), 0);
    catch_up(&journal).unwrap();
    let files = dir.path().join(crate::journal::DERIVED_DIR);

    // A summaries file that no longer matches the manifest.
    std::fs::write(files.join(stored::summaries_name(0)), b"damaged").unwrap();
    let (table, notes) = tallies(&journal, &Params::default(), Details::Full).unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("incidents-summaries-00000")),
        "{notes:?}"
    );
    assert_tallies_agree(&journal, "after the damaged file");
    drop(table);

    // A facts file an update needs, gone: the update is refused, the table rebuilt.
    let manifest = stored::manifest(&journal).unwrap();
    for b in 0..manifest.buckets {
        std::fs::remove_file(files.join(stored::facts_name(b))).unwrap();
    }
    append(&mut journal, facts[500..].to_vec(), 1);
    let caught = catch_up(&journal).unwrap();
    assert!(caught.rebuilt, "{:?}", caught.notes);
    assert!(
        caught.notes.iter().any(|n| n.contains("is missing")),
        "{:?}",
        caught.notes
    );
    assert_equals_a_rebuild(&journal, "after the missing files");

    // A manifest that does not decode.
    std::fs::write(files.join(stored::MANIFEST), b"not a manifest").unwrap();
    let caught = catch_up(&journal).unwrap();
    assert!(caught.rebuilt);
    assert!(
        caught.notes.iter().any(|n| n.contains("manifest")),
        "{:?}",
        caught.notes
    );

    // A table of another log with as many entries.
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Journal::init(other_dir.path(), "materialised-damage").unwrap();
    let theirs: Vec<Fact> = crate::synth::Corpus::new(5, 600).collect();
    append(&mut other, theirs, 0);
    catch_up(&other).unwrap();
    let their_manifest = std::fs::read(
        other_dir
            .path()
            .join(crate::journal::DERIVED_DIR)
            .join(stored::MANIFEST),
    )
    .unwrap();
    std::fs::write(files.join(stored::MANIFEST), their_manifest).unwrap();
    let caught = catch_up(&journal).unwrap();
    assert!(caught.rebuilt);
    assert!(
        caught.notes.iter().any(|n| n.contains("another entry")),
        "{:?}",
        caught.notes
    );
    assert_tallies_agree(&journal, "after the foreign manifest");
}

#[test]
fn a_table_too_far_behind_is_rebuilt_not_updated_and_append_leaves_it() {
    let mut journal = Journal::in_memory("materialised-behind").unwrap();
    let facts: Vec<Fact> = crate::synth::Corpus::new(8, 300).collect();
    append(&mut journal, facts[..100].to_vec(), 0);
    catch_up(&journal).unwrap();
    append(&mut journal, facts[100..120].to_vec(), 1);
    assert!(
        follow_within(&journal, 10).unwrap().is_none(),
        "20 entries behind a limit of 10: left to the next tallies"
    );
    let within = follow_within(&journal, 20)
        .unwrap()
        .expect("20 is within 20");
    assert!(!within.rebuilt && within.folded == 20);
    append(&mut journal, facts[120..].to_vec(), 2);
    let rebuilt = settle(&journal, usable(&journal), 10, None).unwrap();
    assert!(rebuilt.rebuilt && rebuilt.folded == 0);
    assert!(rebuilt.notes.is_empty(), "too far behind is not a refusal");
    assert_equals_a_rebuild(&journal, "rebuilt when far behind");
    assert_tallies_agree(&journal, "rebuilt when far behind");
}

#[test]
fn a_manifest_declaring_an_impossible_bucket_count_is_refused_not_trusted() {
    let mut journal = Journal::in_memory("materialised-manifest").unwrap();
    let facts: Vec<Fact> = crate::synth::Corpus::new(9, 200).collect();
    append(&mut journal, facts, 0);
    catch_up(&journal).unwrap();
    let good = stored::manifest(&journal).unwrap();
    assert_eq!(Manifest::decode(&good.encode()), Ok(good.clone()));
    for buckets in [0, 3, u32::MAX, 1 << 17] {
        // Sealed with a valid digest: only the count itself is wrong.
        let hostile = Manifest {
            buckets,
            ..good.clone()
        };
        let refused = Manifest::decode(&hostile.encode()).unwrap_err();
        assert!(refused.contains("buckets"), "{buckets}: {refused}");
    }
}

/// A correction that moves a claim to another incident joins the two: an
/// incident recomputed later, alone, needs the claim the correction names as
/// well as the correction (found by a property test of the table's history).
#[test]
fn a_claim_moved_by_a_correction_stays_with_its_new_incident_when_that_is_updated_alone() {
    let mut journal = Journal::in_memory("materialised-moved-claim").unwrap();
    let report = |key: &str, incident: &str, country: &str| {
        format!(
            r#"{{"key":"{key}","kind":"incident","source":"src","incident":"{incident}","direction":"on_us_forces","occurred":"2024-01-0{}","target":{{"name":"a base","country":"{country}"}},"attack_types":["drone"],"outcome":"impact"}}"#,
            key.len() % 9 + 1
        )
    };
    let facts = |text: String| -> Vec<Fact> {
        crate::input::parse("moved.jsonl", text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|l| l.fact)
            .collect()
    };
    let first = [
        r#"{"key":"src","kind":"source","publisher":"Wire","type":"wire","party":false}"#.to_owned(),
        report("r-e", "inc-e", "IQ"),
        report("r-b", "inc-b", "SY"),
        r#"{"key":"claim","kind":"claim","source":"src","claimant":{"name":"claimant 1"},"incidents":["inc-e"],"mode":"telegram_post"}"#.to_owned(),
    ];
    append(&mut journal, facts(first.join("\n")), 0);
    catch_up(&journal).unwrap();
    let moved = r#"{"key":"moved","kind":"correction","source":"src","target":"claim","reason":"another attack","replacement":{"kind":"claim","source":"src","claimant":{"name":"claimant 2"},"incidents":["inc-b"],"mode":"telegram_post"}}"#;
    append(&mut journal, facts(moved.to_owned()), 1);
    assert!(!follow(&journal).unwrap().unwrap().rebuilt);
    assert_tallies_agree(&journal, "after the correction");
    // A later report of inc-b alone: the update recomputes inc-b.
    append(&mut journal, facts(report("r-b2", "inc-b", "SY")), 2);
    assert!(!follow(&journal).unwrap().unwrap().rebuilt);
    assert_equals_a_rebuild(&journal, "after inc-b's second report");
    assert_tallies_agree(&journal, "after inc-b's second report");
}
