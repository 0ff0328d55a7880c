//! The history's `tallies` as of a seq against the view computed from the
//! picture folded up to that seq: built whole, extended block by block after
//! appends (merging the newer blocks when there are too many), rebuilt when
//! damaged or foreign.

use super::*;
use crate::fact::{Fact, FactKind};
use crate::projection::as_of::{AsOf, Cut};
use crate::projection::engine;
use crate::projection::materialised::tests::{
    append, append_seed_file, in_batches, param_sets, BEARING_KINDS,
};
use crate::projection::resolve::Resolved;
use crate::projection::views::View;

/// `tallies` as of size `size` from the history equals the view of the
/// picture folded up to that size, under every parameter set; returns the
/// history's notes.
fn assert_agrees_at(journal: &Journal, size: u64, when: &str) -> Vec<String> {
    let point = AsOf {
        cut: Cut::Seq(Seq::new(size - 1)),
        published: None,
    };
    let folded = engine::at(journal, &point).unwrap();
    assert_eq!(folded.size, size);
    let resolved = Resolved::new(&folded.picture);
    let mut notes = Vec::new();
    for params in param_sets() {
        let (stored, said) = tallies_at(journal, size, &params, Details::Full).unwrap();
        notes.extend(said);
        let whole = View::Tallies.build(&resolved, &params);
        assert!(
            stored == whole,
            "{when}, size {size}: tallies by {:?} differ:\nhistory {}\nfolded  {}",
            params.by,
            stored.to_json(),
            whole.to_json()
        );
    }
    notes
}

fn stored_manifest(journal: &Journal) -> Manifest {
    files::manifest(journal).unwrap()
}

#[test]
fn as_of_every_seq_the_history_equals_the_folded_picture() {
    let mut journal = Journal::in_memory("history-every-seq").unwrap();
    let facts: Vec<Fact> = crate::synth::Corpus::new(31, 900).collect();
    let kinds: BTreeSet<FactKind> = facts.iter().map(|f| f.body.kind()).collect();
    for kind in BEARING_KINDS {
        assert!(kinds.contains(&kind), "the corpus has no {kind:?}");
    }
    for (hour, chunk) in (0..).zip(facts.chunks(97)) {
        append(&mut journal, chunk.to_vec(), hour);
    }
    let head = journal.head().size;
    for size in 1..head {
        let notes = assert_agrees_at(&journal, size, "built whole");
        assert!(notes.is_empty(), "size {size}: {notes:?}");
    }
    // Built once, at the head, and never again.
    let manifest = stored_manifest(&journal);
    assert_eq!(manifest.size, head);
    assert_eq!(manifest.blocks.len(), 1);
}

#[test]
fn the_seed_corpus_as_of_every_seq_equals_the_folded_picture() {
    let mut journal = Journal::in_memory("history-seed").unwrap();
    for (i, (name, text)) in crate::demo::FIXTURES.iter().enumerate() {
        append_seed_file(&mut journal, i, name, text);
    }
    for size in 1..journal.head().size {
        assert_agrees_at(&journal, size, "the seed corpus");
    }
}

#[test]
fn appends_extend_the_history_by_blocks_and_merge_the_newer_ones() {
    let mut journal = Journal::in_memory("history-extended").unwrap();
    let facts: Vec<Fact> = crate::synth::Corpus::new(32, 1_400).collect();
    let (first, rest) = facts.split_at(600);
    append(&mut journal, first.to_vec(), 0);
    assert_agrees_at(&journal, 300, "first built");
    assert_eq!(stored_manifest(&journal).blocks.len(), 1);

    let mut closings = 0;
    let mut merged = 0;
    let mut unchanged = 0;
    for (step, batch) in (1..).zip(in_batches(rest, &[3, 2, 9, 2, 14, 4, 5])) {
        let before = stored_manifest(&journal);
        append(&mut journal, batch, step);
        let head = journal.head().size;
        // A count as of the newest entry but one needs the new entries
        // (each batch has two or more).
        assert_agrees_at(&journal, head - 1, &format!("step {step}"));
        let after = stored_manifest(&journal);
        assert_eq!(after.size, head);
        if after.blocks == before.blocks {
            // The new entries changed no summary.
            unchanged += 1;
        } else if after.blocks.len() == before.blocks.len() + 1 {
            assert_eq!(after.blocks[..before.blocks.len()], before.blocks[..]);
            let block = files::read_block(&journal, &after, before.blocks.len()).unwrap();
            closings += files::decode_block(&block).unwrap().closings.len();
        } else {
            assert_eq!(before.blocks.len(), MAX_BLOCKS, "step {step}: merged early");
            assert_eq!(after.blocks.len(), MERGED_FROM + 1);
            assert_eq!(after.blocks[..MERGED_FROM], before.blocks[..MERGED_FROM]);
            merged += 1;
        }
        // And an older cut still counts the older summaries.
        if step % 9 == 0 {
            assert_agrees_at(&journal, head / 2, &format!("step {step}, halfway"));
        }
    }
    assert!(merged >= 2, "merged {merged} times");
    assert!(unchanged > 0, "every batch changed a summary");
    assert!(
        closings > 0,
        "no block ever ended an earlier block's summary"
    );
    // Every block, written in one buffer, is the plain encoding of what it
    // decodes to.
    let manifest = stored_manifest(&journal);
    for n in 0..manifest.blocks.len() {
        let bytes = files::read_block(&journal, &manifest, n).unwrap();
        let block = files::decode_block(&bytes).unwrap();
        assert_eq!(crate::codec::encode_state(&block), bytes, "block {n}");
    }
    let head = journal.head().size;
    for size in (1..head).step_by(7) {
        assert_agrees_at(&journal, size, "after every append");
    }
    // What blocks, closings and merges hold equals a history worked out afresh.
    let checked = check(&journal).unwrap().expect("a stored history");
    assert_eq!(checked.stored, checked.fresh);
    assert!(checked.notes.is_empty(), "{:?}", checked.notes);
}

#[test]
fn replay_check_finds_a_history_that_disagrees_with_the_table() {
    let mut journal = Journal::in_memory("history-check").unwrap();
    append(
        &mut journal,
        crate::synth::Corpus::new(35, 500).collect(),
        0,
    );
    assert!(check(&journal).unwrap().is_none(), "no history yet");
    assert_agrees_at(&journal, 250, "built");
    let checked = check(&journal).unwrap().expect("a stored history");
    assert_eq!(checked.stored, checked.fresh);

    // A block rewritten (with a manifest to match) so that a summary that
    // ended never does.
    let mut manifest = stored_manifest(&journal);
    let bytes = files::read_block(&journal, &manifest, 0).unwrap();
    let mut block = files::decode_block(&bytes).unwrap();
    let ended = block
        .dated
        .iter_mut()
        .find(|d| d.to != versions::OPEN)
        .expect("a summary that ended");
    ended.to = versions::OPEN;
    let forged = crate::codec::encode_state(&block);
    manifest.blocks[0].1 = StateDigest::of(&forged).0;
    files::write(&journal, 0, vec![forged], &manifest).unwrap();
    let checked = check(&journal).unwrap().expect("a stored history");
    assert_ne!(checked.stored, checked.fresh);
    let report = crate::projection::replay::replay(&journal, false).unwrap();
    assert_eq!(
        report.differing(),
        vec![crate::projection::replay::TABLE_HISTORY]
    );
}

#[test]
fn a_damaged_or_foreign_history_is_refused_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::init(dir.path(), "history-damage").unwrap();
    let facts: Vec<Fact> = crate::synth::Corpus::new(33, 400).collect();
    append(&mut journal, facts, 0);
    assert_agrees_at(&journal, 200, "built");
    let derived = dir.path().join(crate::journal::DERIVED_DIR);

    std::fs::write(derived.join(files::block_name(0)), b"damaged").unwrap();
    let notes = assert_agrees_at(&journal, 200, "after a damaged block");
    assert!(
        notes.iter().any(|n| n.contains("incidents-history-00000")),
        "{notes:?}"
    );

    std::fs::write(derived.join(files::MANIFEST), b"not a manifest").unwrap();
    let notes = assert_agrees_at(&journal, 100, "after a damaged manifest");
    assert!(notes.iter().any(|n| n.contains("manifest")), "{notes:?}");

    // The history of another log with as many entries.
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Journal::init(other_dir.path(), "history-damage").unwrap();
    append(&mut other, crate::synth::Corpus::new(34, 400).collect(), 0);
    assert_agrees_at(&other, 10, "the other log");
    let theirs = other_dir
        .path()
        .join(crate::journal::DERIVED_DIR)
        .join(files::MANIFEST);
    std::fs::copy(theirs, derived.join(files::MANIFEST)).unwrap();
    let notes = assert_agrees_at(&journal, 300, "after a foreign manifest");
    assert!(
        notes.iter().any(|n| n.contains("another entry")),
        "{notes:?}"
    );
}
