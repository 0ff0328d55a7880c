//! Journal invariants on the in-memory store: gapless seqs, the `prev` chain,
//! idempotent re-append, atomic refusal, monotonic `recorded_at`, and reads across
//! segment boundaries.

use super::*;
use crate::fact::{Fact, FactBody, Source, SourceType};
use crate::input;
use crate::time::{FixedClock, Timestamp};

fn source(key: &str) -> Fact {
    Fact {
        key: key.into(),
        body: FactBody::Source(Box::new(Source::new(
            format!("publisher of {key}"),
            SourceType::NewsSite,
        ))),
    }
}

fn options() -> AppendOptions {
    AppendOptions {
        recorded_by: "test".into(),
        durable: true,
        dry_run: false,
    }
}

fn at(micros: i64) -> FixedClock {
    FixedClock(Timestamp::from_micros(micros))
}

fn facts(jsonl: &str) -> Vec<Fact> {
    input::parse("t.jsonl", jsonl.as_bytes())
        .unwrap()
        .into_iter()
        .map(|l| l.fact)
        .collect()
}

#[test]
fn seqs_are_gapless_and_prev_chains_from_genesis() {
    let mut j = Journal::in_memory("t").unwrap();
    j.append(vec![source("a"), source("b")], &at(1), &options())
        .unwrap();
    j.append(vec![source("c")], &at(2), &options()).unwrap();
    let mut prev = j.genesis();
    let mut seen = Vec::new();
    j.scan(Seq::new(0), &mut |r| {
        assert_eq!(r.entry.prev, prev);
        prev = r.id;
        seen.push(r.entry.seq.get());
        true
    })
    .unwrap();
    assert_eq!(seen, [0, 1, 2]);
    assert_eq!(j.head().last_id, prev);
    assert_eq!(j.head().size, 3);
}

#[test]
fn reappending_is_a_no_op_and_a_changed_fact_under_a_used_key_is_refused() {
    let mut j = Journal::in_memory("t").unwrap();
    j.append(vec![source("a")], &at(1), &options()).unwrap();
    let head = j.head();
    let again = j.append(vec![source("a")], &at(2), &options()).unwrap();
    assert!(!again.committed);
    assert_eq!(
        again.outcomes,
        [FactOutcome::AlreadyRecorded { seq: Seq::new(0) }]
    );
    let mut changed = source("a");
    if let FactBody::Source(s) = &mut changed.body {
        s.publisher = "someone else".into();
    }
    let err = j.append(vec![changed], &at(3), &options()).unwrap_err();
    assert!(
        err.to_string()
            .contains("already used by a different fact (a source) at seq 0"),
        "{err}"
    );
    assert_eq!(j.head(), head);
}

#[test]
fn a_bad_fact_anywhere_in_a_batch_writes_nothing() {
    let mut j = Journal::in_memory("t").unwrap();
    let batch = facts(concat!(
        r#"{"key":"s","kind":"source","publisher":"p","type":"wire","party":false}"#,
        "\n",
        r#"{"key":"d","kind":"denial","source":"s","denier":{"name":"x"},"target":"s","type":"authorship"}"#,
        "\n",
        r#"{"key":"bad","kind":"denial","source":"nope","denier":{"name":"x"},"target":"s","type":"authorship"}"#,
        "\n",
    ));
    let err = j.append(batch, &at(1), &options()).unwrap_err();
    let third_refused = matches!(err, AppendError::Invalid { index: 2, .. });
    assert!(third_refused, "{err}");
    assert_eq!(j.head().size, 0);
    assert!(j.find_key("s").unwrap().is_none());
}

#[test]
fn recorded_at_never_goes_back_even_when_the_clock_does() {
    let mut j = Journal::in_memory("t").unwrap();
    j.append(vec![source("a")], &at(100), &options()).unwrap();
    j.append(vec![source("b")], &at(50), &options()).unwrap();
    let b = j.find_key("b").unwrap().unwrap();
    assert_eq!(b.entry.recorded_at, Timestamp::from_micros(100));
}

#[test]
fn dry_runs_report_seqs_and_ids_but_write_nothing() {
    let mut j = Journal::in_memory("t").unwrap();
    let dry = AppendOptions {
        dry_run: true,
        ..options()
    };
    let report = j.append(vec![source("a")], &at(1), &dry).unwrap();
    assert!(!report.committed);
    let first = &report.outcomes[0];
    let ok = matches!(first, FactOutcome::Recorded { seq, .. } if *seq == Seq::new(0));
    assert!(ok, "{first:?}");
    assert_eq!(j.head().size, 0);
    let real = j.append(vec![source("a")], &at(1), &options()).unwrap();
    assert_eq!(
        report.outcomes, real.outcomes,
        "the dry run predicted the real ids"
    );
}

#[test]
fn reads_cross_segment_boundaries_and_ids_resolve_by_prefix() {
    let mut j = Journal::in_memory("t").unwrap();
    let n = layout::SEGMENT_ENTRIES * 2 + 7;
    let batch: Vec<Fact> = (0..n).map(|i| source(&format!("s{i}"))).collect();
    j.append(batch, &at(1), &options()).unwrap();
    j.append(vec![source("tail")], &at(2), &options()).unwrap();
    for seq in [0, 1023, 1024, 2047, 2048, n as u64 - 1, n as u64] {
        let r = j.read(Seq::new(seq)).unwrap().unwrap();
        assert_eq!(r.entry.seq, Seq::new(seq));
    }
    assert!(j.read(Seq::new(n as u64 + 1)).unwrap().is_none());
    let mut from_middle = Vec::new();
    j.scan(Seq::new(1500), &mut |r| {
        from_middle.push(r.entry.seq.get());
        true
    })
    .unwrap();
    assert_eq!(from_middle.first(), Some(&1500));
    assert_eq!(from_middle.len(), n + 1 - 1500);
    let target = j.read(Seq::new(1234)).unwrap().unwrap();
    let resolved = j.resolve(&target.id.to_hex()[..10]).unwrap();
    assert_eq!(resolved.id, target.id);
    assert_eq!(j.resolve("s1234").unwrap().id, target.id);
    assert_eq!(j.resolve("1234").unwrap().id, target.id);
    let matched = matches!(j.resolve("99999"), Err(ResolveError::BeyondHead { .. }));
    assert!(matched);
}

#[test]
fn targets_named_by_id_prefix_are_stored_as_keys() {
    let mut j = Journal::in_memory("t").unwrap();
    j.append(vec![source("s")], &at(1), &options()).unwrap();
    let id = j.find_key("s").unwrap().unwrap().id.to_hex();
    let denial = format!(
        r#"{{"key":"d","kind":"denial","source":"s","denier":{{"name":"x"}},"target":"{}","type":"figures"}}"#,
        &id[..12]
    );
    j.append(facts(&denial), &at(2), &options()).unwrap();
    let d = j.find_key("d").unwrap().unwrap();
    assert_eq!(d.entry.fact.body.target(), Some("s"));
}

#[test]
fn a_corrected_denial_must_name_a_fact_that_exists() {
    let mut j = Journal::in_memory("t").unwrap();
    let base = facts(concat!(
        r#"{"key":"s","kind":"source","publisher":"p","type":"wire","party":false}"#,
        "\n",
        r#"{"key":"d","kind":"denial","source":"s","denier":{"name":"x"},"target":"s","type":"authorship"}"#,
        "\n",
    ));
    j.append(base, &at(1), &options()).unwrap();
    let correction = |inner: &str| {
        facts(&format!(
            r#"{{"key":"c","kind":"correction","source":"s","target":"d","reason":"r","replacement":{{"kind":"denial","source":"s","denier":{{"name":"x"}},"target":"{inner}","type":"involvement"}}}}"#
        ))
    };
    let err = j
        .append(correction("no-such-fact"), &at(2), &options())
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("replacement.target") && text.contains("no-such-fact"),
        "{text}"
    );
    assert_eq!(j.head().size, 2);
    j.append(correction("s"), &at(2), &options()).unwrap();
    assert_eq!(j.head().size, 3);
}

/// The ids of every entry, in seq order.
fn all_ids(j: &Journal) -> Vec<crate::merkle::Hash> {
    let mut ids = Vec::new();
    j.scan(Seq::new(0), &mut |r| {
        ids.push(*r.id.as_bytes());
        true
    })
    .unwrap();
    ids
}

#[test]
fn stored_merkle_nodes_give_the_tree_of_the_ids_at_every_size() {
    use crate::merkle::{self, Blake3, MemoryTree};
    let mut j = Journal::in_memory("t").unwrap();
    // Batches of 1, 2, 1500 (across node runs of 1024) and 3 entries.
    let mut n = 0;
    for batch in [1usize, 2, 1500, 3] {
        let facts = (0..batch)
            .map(|_| {
                n += 1;
                source(&format!("s{n}"))
            })
            .collect();
        j.append(facts, &at(1), &options()).unwrap();
    }
    let ids = all_ids(&j);
    assert_eq!(ids.len(), 1506);
    let tree = MemoryTree::from_leaf_hashes(&Blake3, ids.clone());
    for size in [0u64, 1, 2, 3, 4, 1023, 1024, 1025, 1503, 1506] {
        let expected = merkle::root(&Blake3, &tree, size).unwrap();
        assert_eq!(j.root_at(size).unwrap(), expected, "root at size {size}");
    }
    assert_eq!(
        j.root().unwrap(),
        merkle::root(&Blake3, &tree, 1506).unwrap()
    );
    for (index, size) in [(0u64, 1u64), (5, 1506), (1505, 1506), (1024, 1025)] {
        let proof = j.inclusion_proof(index, size).unwrap();
        let root = j.root_at(size).unwrap();
        let leaf = ids[usize::try_from(index).unwrap()];
        merkle::verify_inclusion(&Blake3, index, size, &leaf, &proof, &root).unwrap();
    }
    let proof = j.consistency_proof(3, 1506).unwrap();
    let (r1, r2) = (j.root_at(3).unwrap(), j.root_at(1506).unwrap());
    merkle::verify_consistency(&Blake3, 3, 1506, &proof, &r1, &r2).unwrap();
    let beyond = j.root_at(1507);
    let matched = matches!(beyond, Err(merkle::ProofError::SizeBeyondTree { .. }));
    assert!(matched);
}

#[test]
fn the_frontier_is_reloaded_on_open_and_extended_by_later_appends() {
    use crate::merkle::{self, Blake3, MemoryTree};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    {
        let mut j = Journal::init(&path, "t").unwrap();
        let facts = (0..11).map(|i| source(&format!("a{i}"))).collect();
        j.append(facts, &at(1), &options()).unwrap();
    }
    let mut j = reopen(&path);
    j.append(vec![source("b")], &at(2), &options()).unwrap();
    let tree = MemoryTree::from_leaf_hashes(&Blake3, all_ids(&j));
    assert_eq!(j.root().unwrap(), merkle::root(&Blake3, &tree, 12).unwrap());
}

#[test]
fn an_entry_altered_in_a_later_batch_is_found_where_it_is() {
    use super::audit::Place;
    use super::layout::{frame_into, segment_key, unframe};
    use super::packing;
    // In unit tests the audit reads 64 KiB of stored segments per batch, so
    // this ledger spans several batches, each prepared on other threads while
    // the one before is checked.
    let mut j = Journal::in_memory("t").unwrap();
    let options = AppendOptions {
        durable: false,
        ..options()
    };
    crate::synth::append_corpus(&mut j, 9, 6_250, 500, &options).unwrap();
    let clean = j.audit(&AuditOptions::default()).unwrap();
    assert!(clean.is_clean(), "{:?}", clean.first_problem());
    assert_eq!(clean.entries_checked, 6_250);

    // One byte of the entry at seq 5,123 (in the segment of the batch that
    // starts at 5,000), repacked so that the segment itself is well formed.
    let key = segment_key(Seq::new(5_000));
    let stored = j.store.get(&key).unwrap().unwrap();
    assert!(
        stored.len() < 64 << 10,
        "one segment per batch or more batches"
    );
    let framed = packing::unpack(&stored).unwrap().into_owned();
    let mut frames: Vec<Vec<u8>> = unframe(&framed)
        .unwrap()
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    let altered = &mut frames[123];
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    let mut segment = Vec::new();
    for frame in &frames {
        frame_into(&mut segment, frame);
    }
    j.store
        .commit(vec![Write::Put(key, packing::pack(segment))])
        .unwrap();

    let report = j.audit(&AuditOptions::default()).unwrap();
    assert_eq!(report.entries_checked, 6_250);
    assert!(!report.is_clean());
    assert_eq!(
        report.findings.first().map(|f| f.place),
        Some(Place::Seq(5_123)),
        "{:?}",
        report.first_problem()
    );
    // Only that entry is wrong: batches checked out of order would show up as
    // segments missing or stored twice, and as broken links elsewhere.
    let links: Vec<Place> = report
        .findings
        .iter()
        .filter(|f| f.reason.starts_with("prev is"))
        .map(|f| f.place)
        .collect();
    assert_eq!(links, vec![Place::Seq(5_124)]);
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.reason.starts_with("missing") && !f.reason.starts_with("stored twice")),
        "{:?}",
        report.findings
    );
}

#[test]
fn an_in_memory_ledger_audits_and_signs_without_deadlock() {
    // The audit reads Merkle nodes from inside its scan of the entries; the
    // memory store must not hold its lock while visiting.
    let mut j = Journal::in_memory("t").unwrap();
    let facts = (0..300).map(|i| source(&format!("m{i}"))).collect();
    j.append(facts, &at(1), &options()).unwrap();
    let report = j.audit(&AuditOptions::default()).unwrap();
    assert!(report.is_clean(), "{:?}", report.first_problem());
    assert_eq!(report.entries_checked, 300);
    let key = crate::note::SigningKey::from_seed("t", [7; 32]).unwrap();
    let signed = j.sign_checkpoint(&key).unwrap();
    assert_eq!(signed.checkpoint.checkpoint.size, 300);
    assert_eq!(j.checkpoints().unwrap().len(), 1);
}

#[test]
fn init_finishes_an_init_that_was_killed_before_its_first_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    // What a kill between sled's open and init's commit leaves behind.
    drop(crate::store::SledStore::open(&path).unwrap());
    let journal = when_released(|| Journal::init(&path, "t")).unwrap();
    assert_eq!(journal.origin(), "t");
    assert_eq!(journal.head().size, 0);
    drop(journal);
    // A ledger with content is still refused.
    let refused = when_released(|| Journal::init(&path, "t"));
    let matched = matches!(refused, Err(OpenError::AlreadyExists { .. }));
    assert!(matched, "{:?}", refused.err());
}

#[test]
fn an_entry_the_reader_would_refuse_is_never_written() {
    let mut j = Journal::in_memory("t").unwrap();
    let huge = Fact {
        key: "s/huge".into(),
        body: FactBody::Source(Box::new(Source::new(
            "x".repeat(crate::codec::MAX_ENTRY_BYTES),
            SourceType::NewsSite,
        ))),
    };
    let refused = j.append(vec![source("ok"), huge], &at(1), &options());
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.starts_with("fact 2: "), "{message}");
    assert!(
        message.contains("an entry may take at most 16777216"),
        "{message}"
    );
    assert_eq!(j.head().size, 0);
}

#[test]
fn a_ledger_of_the_older_layout_reads_the_same_and_its_next_commit_raises_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let many: Vec<Fact> = (0..1000).map(|i| source(&format!("s/{i}"))).collect();
    // What a sitrep of layout 1 wrote: index runs of 24-byte records, every
    // value under its own key, and no run filters.
    index::with_layout_3_runs(|| {
        crate::store::without_value_file(|| {
            Journal::init(&path, "t")
                .unwrap()
                .append(many, &at(1), &options())
                .unwrap()
        })
    });
    let manifest = |j: &Journal| j.store.get(layout::META_RUNS).unwrap().unwrap();
    {
        // sled releases its lock a moment after the journal is dropped.
        let db = (0..1000)
            .find_map(|_| {
                let db = crate::store::sled_config(&path).open().ok();
                if db.is_none() {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                db
            })
            .unwrap();
        let bulk: Vec<_> = db.scan_prefix([0u8]).map(Result::unwrap).collect();
        assert!(!bulk.is_empty(), "the index chunks are over 4 KiB");
        for (key, value) in bulk {
            db.remove(&key).unwrap();
            db.insert(&key[1..], value).unwrap();
        }
        let filters: Vec<_> = db.scan_prefix(b"f").map(Result::unwrap).collect();
        assert!(!filters.is_empty(), "every run has its filter");
        for (key, _) in filters {
            db.remove(&key).unwrap();
        }
        db.insert(layout::META_FORMAT, 1u16.to_be_bytes().to_vec())
            .unwrap();
        db.flush().unwrap();
    }
    let stored_layout = |j: &Journal| j.store.get(layout::META_FORMAT).unwrap();
    let mut j = reopen(&path);
    assert_eq!(stored_layout(&j), Some(vec![0, 1]));
    assert_eq!(manifest(&j)[0], b'K', "a fact-key run of layout 3");
    assert!(j.audit(&AuditOptions::default()).unwrap().is_clean());
    assert_eq!(
        j.find_key("s/517").unwrap().unwrap().entry.seq,
        Seq::new(517)
    );
    j.append(vec![source("later")], &at(2), &options()).unwrap();
    assert_eq!(
        stored_layout(&j),
        Some(layout::LAYOUT_VERSION.to_be_bytes().to_vec())
    );
    drop(j);
    let j = reopen(&path);
    assert!(j.audit(&AuditOptions::default()).unwrap().is_clean());
    assert_eq!(j.head().size, 1001);
    assert_eq!(
        j.find_key("later").unwrap().unwrap().entry.seq,
        Seq::new(1000)
    );
    assert_eq!(j.find_key("s/3").unwrap().unwrap().entry.seq, Seq::new(3));
    // Three batches of the old runs' size tier: the last absorbs them into
    // compact runs, and every fact and id is found as before.
    let mut j = j;
    for b in 0..3 {
        let batch = (0..1000).map(|i| source(&format!("b{b}/{i}"))).collect();
        j.append(batch, &at(3), &options()).unwrap();
    }
    let tags: Vec<u8> = manifest(&j).chunks(17).map(|run| run[0]).collect();
    assert_eq!(tags, b"ki", "one compact run of each family");
    drop(j);
    let j = reopen(&path);
    assert!(j.audit(&AuditOptions::default()).unwrap().is_clean());
    for (key, seq) in [
        ("s/517", 517),
        ("later", 1000),
        ("b0/0", 1001),
        ("b2/999", 4000),
    ] {
        let record = j.find_key(key).unwrap().unwrap();
        assert_eq!(record.entry.seq, Seq::new(seq), "{key}");
        let prefix = IdPrefix::parse(&record.id.to_hex()[..20]).unwrap();
        let by_id = j.find_id_prefix(&prefix, 2).unwrap();
        assert_eq!(by_id.len(), 1, "{key} by its id");
        assert_eq!(by_id[0].entry.seq, Seq::new(seq));
    }
    assert!(j.find_key("b3/0").unwrap().is_none());
}

/// Opens the ledger at `path` again, once sled has let go of it.
fn reopen(path: &std::path::Path) -> Journal {
    when_released(|| Journal::open(path)).unwrap()
}

/// The head as stored in `m/head` (behind the journal's while there is a tail).
fn stored_head(j: &Journal) -> Head {
    Head::decode(&j.store.get(layout::META_HEAD).unwrap().unwrap()).unwrap()
}

/// Pending records and nodes in a fixed order, to compare.
fn sorted(pending: &pending::Pending) -> pending::Pending {
    let mut pending = pending.clone();
    pending
        .records
        .sort_by_key(|(family, digest, seq)| (family.tag(), *digest, *seq));
    pending.nodes.sort_unstable();
    pending
}

/// The journal's pending records as a fold would write them: its unsettled
/// incident keys settled against the runs, and sorted.
fn settled(j: &Journal) -> pending::Pending {
    let mut pending = pending::Pending::clone(&j.pending);
    let unsettled = std::mem::take(&mut pending.unsettled_incidents);
    let first = j.index_reader().first_reports_among(&unsettled).unwrap();
    pending.records.extend(
        first
            .into_iter()
            .map(|(digest, seq)| (index::Family::IncidentKey, digest, seq)),
    );
    sorted(&pending)
}

/// Every seq the index gives for incident key `key`, sorted.
fn incident_index(j: &Journal, key: &str) -> Vec<Seq> {
    let digest = index::text_digest(index::Family::IncidentKey, key);
    let mut seqs = j
        .index_reader()
        .find(index::Family::IncidentKey, &digest)
        .unwrap();
    seqs.sort_unstable();
    seqs
}

#[test]
fn small_appends_wait_in_pending_and_read_the_same_before_and_after_a_fold() {
    use crate::merkle::{self, Blake3, MemoryTree};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let mut j = Journal::init(&path, "t").unwrap();
    j.append(vec![source("s")], &at(1), &options()).unwrap();
    let mut saw_pending = false;
    let mut saw_fold = false;
    // Batches of 1 to 5 incidents, each time reopened, across several folds.
    for round in 0..24u64 {
        let batch = 1 + round % 5;
        let lines: Vec<String> = (0..batch)
            .map(|i| {
                format!(
                    r#"{{"key":"r{round}.{i}","kind":"incident","source":"s","incident":"k{round}.{i}","direction":"other","occurred":"2024-03-01","target":{{"name":"Somewhere"}}}}"#
                )
            })
            .collect();
        j.append(facts(&lines.join("\n")), &at(2), &options())
            .unwrap();
        // A small append writes only its segment: the stored head is behind
        // until a fold writes it.
        let folded = stored_head(&j) == j.head();
        saw_pending |= !folded;
        saw_fold |= folded;
        assert_eq!(settled(&j).records.is_empty(), folded);
        assert_eq!(j.store.get(layout::META_PENDING).unwrap(), None);
        let (head, kept) = (j.head(), settled(&j));
        drop(j);
        j = reopen(&path);
        assert_eq!(j.head(), head);
        assert_eq!(settled(&j), kept, "the tail gives what the appends kept");
        let ids = all_ids(&j);
        let size = j.head().size;
        let tree = MemoryTree::from_leaf_hashes(&Blake3, ids.clone());
        assert_eq!(
            j.root().unwrap(),
            merkle::root(&Blake3, &tree, size).unwrap()
        );
        for index in [0, size / 2, size - 1] {
            let proof = j.inclusion_proof(index, size).unwrap();
            let leaf = ids[usize::try_from(index).unwrap()];
            merkle::verify_inclusion(&Blake3, index, size, &leaf, &proof, &j.root().unwrap())
                .unwrap();
        }
        let proof = j.consistency_proof(1, size).unwrap();
        merkle::verify_consistency(
            &Blake3,
            1,
            size,
            &proof,
            &j.root_at(1).unwrap(),
            &j.root().unwrap(),
        )
        .unwrap();
        for i in 0..batch {
            let record = j.find_key(&format!("r{round}.{i}")).unwrap().unwrap();
            assert!(j.has_incident_key(&format!("k{round}.{i}")).unwrap());
            let prefix = IdPrefix::parse(&record.id.to_hex()[..12]).unwrap();
            assert_eq!(j.find_id_prefix(&prefix, 5).unwrap().len(), 1);
        }
        assert!(j.find_key("r0.0").unwrap().is_some());
        assert!(!j.has_incident_key("never").unwrap());
        assert!(j.audit(&AuditOptions::default()).unwrap().is_clean());
    }
    assert!(saw_pending && saw_fold, "both kinds of commit were made");
    // A fact re-appended while its records are pending is recognised.
    let again = j.append(vec![source("s")], &at(3), &options()).unwrap();
    assert!(!again.committed);
}

#[test]
fn a_forged_pending_node_is_named_by_the_audit() {
    let mut j = Journal::in_memory("t").unwrap();
    j.append(
        vec![source("a"), source("b"), source("c")],
        &at(1),
        &options(),
    )
    .unwrap();
    let mut pending = pending::Pending::clone(&j.pending);
    assert!(!pending.nodes.is_empty(), "three entries wait in pending");
    pending.nodes[0].2[0] ^= 1;
    j.store
        .commit(vec![crate::store::Write::Put(
            layout::META_PENDING.to_vec(),
            pending.encode(),
        )])
        .unwrap();
    j.pending = std::sync::Arc::new(pending);
    let report = j.audit(&AuditOptions::default()).unwrap();
    let first = report.first_problem().unwrap();
    assert!(
        first.contains("stored Merkle leaf") || first.contains("stored Merkle node"),
        "{first}"
    );
}

/// A ledger whose last three small appends wait in the tail (sources t0–t2
/// after a fold), closed.
fn ledger_with_a_tail(path: &std::path::Path) {
    let mut j = Journal::init(path, "t").unwrap();
    let many: Vec<Fact> = (0..20).map(|i| source(&format!("s/{i}"))).collect();
    j.append(many, &at(1), &options()).unwrap();
    for i in 0..3 {
        j.append(vec![source(&format!("t{i}"))], &at(2), &options())
            .unwrap();
    }
    assert_eq!(stored_head(&j).size, 20, "the fold's head");
    assert_eq!(j.head().size, 23);
}

#[test]
fn a_tail_that_does_not_continue_the_log_is_refused_on_open() {
    fn segment(seq: u64) -> Vec<u8> {
        layout::segment_key(Seq::new(seq))
    }
    /// What a case writes over the tail, given the journal.
    type Damage = Box<dyn Fn(&Journal) -> Vec<crate::store::Write>>;
    let cases: [(&str, Damage); 4] = [
        (
            "a segment starts at seq 21, but the log ends before seq 20",
            Box::new(|_| vec![crate::store::Write::Delete(segment(20))]),
        ),
        (
            "the segment at seq 21 is unreadable",
            Box::new(|_| vec![crate::store::Write::Put(segment(21), vec![0, 0, 0, 9, 1])]),
        ),
        (
            // The entry of seq 22 where seq 21's should be.
            "seq 21",
            Box::new(|j| {
                let moved = j.store.get(&segment(22)).unwrap().unwrap();
                vec![crate::store::Write::Put(segment(21), moved)]
            }),
        ),
        (
            "is malformed",
            Box::new(|_| vec![crate::store::Write::Put(b"e\x01".to_vec(), vec![1])]),
        ),
    ];
    for (expected, damage) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger");
        ledger_with_a_tail(&path);
        let j = reopen(&path);
        j.store.commit(damage(&j)).unwrap();
        j.store.flush().unwrap();
        drop(j);
        let error = when_released(|| match Journal::open(&path) {
            Err(OpenError::Store(e)) => Err(OpenError::Store(e)),
            other => Ok(other),
        })
        .unwrap()
        .err()
        .unwrap();
        let message = error.to_string();
        let damaged = matches!(error, OpenError::Damaged { .. });
        assert!(
            damaged
                && message.contains("the log past the stored head")
                && message.contains(expected),
            "{expected}: {message}"
        );
    }
}

/// Stores what layout 2 stored: the whole head, and the pending records
/// beside it in `m/pending`.
fn store_as_layout_2(j: &Journal, head: Head, pending: &pending::Pending) {
    j.store
        .commit(vec![
            crate::store::Write::Put(layout::META_HEAD.to_vec(), head.encode()),
            crate::store::Write::Put(layout::META_PENDING.to_vec(), pending.encode()),
            crate::store::Write::Put(layout::META_FORMAT.to_vec(), vec![0, 2]),
        ])
        .unwrap();
}

#[test]
fn a_ledger_of_layout_2_keeps_its_pending_records_until_a_fold_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    ledger_with_a_tail(&path);
    // What layout 2 stored: the whole head, and the pending records beside it.
    let j = reopen(&path);
    let (head, kept) = (j.head(), sorted(&j.pending));
    store_as_layout_2(&j, head, &kept);
    drop(j);
    let mut j = reopen(&path);
    assert_eq!((j.head(), sorted(&j.pending)), (head, kept.clone()));
    // A small append raises the layout and leaves `m/pending` for the fold.
    j.append(vec![source("t3")], &at(3), &options()).unwrap();
    let stored_layout = j.store.get(layout::META_FORMAT).unwrap();
    assert_eq!(
        stored_layout,
        Some(layout::LAYOUT_VERSION.to_be_bytes().to_vec())
    );
    drop(j);
    let mut j = reopen(&path);
    assert_eq!(j.head().size, 24);
    for key in ["s/4", "t0", "t2", "t3"] {
        assert!(j.find_key(key).unwrap().is_some(), "{key}");
    }
    assert!(j.audit(&AuditOptions::default()).unwrap().is_clean());
    // The fold writes them all as runs and deletes `m/pending`.
    let more: Vec<Fact> = (0..20).map(|i| source(&format!("u/{i}"))).collect();
    j.append(more, &at(4), &options()).unwrap();
    assert_eq!(j.store.get(layout::META_PENDING).unwrap(), None);
    assert!(j.pending.records.is_empty());
    drop(j);
    let j = reopen(&path);
    for key in ["s/4", "t0", "t2", "t3", "u/19"] {
        assert!(j.find_key(key).unwrap().is_some(), "{key}");
    }
    assert!(j.audit(&AuditOptions::default()).unwrap().is_clean());
}

#[test]
fn a_small_append_whose_segment_is_not_a_small_value_writes_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let mut j = Journal::init(&path, "t").unwrap();
    j.append(vec![source("a")], &at(1), &options()).unwrap();
    assert_eq!(stored_head(&j).size, 0, "a small append: the tail");
    // Three sources of 1,500-byte names: one batch, a segment over 4 KiB
    // (their names do not shrink: each is different noise).
    let noisy: Vec<Fact> = (0..3u32)
        .map(|i| {
            let name: String = (0..1_500u32)
                .map(|c| {
                    char::from(
                        b'a' + (blake3::hash(&[i.to_le_bytes(), c.to_le_bytes()].concat())
                            .as_bytes()[0]
                            % 26),
                    )
                })
                .collect();
            Fact {
                key: format!("noisy/{i}").into(),
                body: FactBody::Source(Box::new(Source::new(name, SourceType::NewsSite))),
            }
        })
        .collect();
    j.append(noisy, &at(2), &options()).unwrap();
    assert_eq!(stored_head(&j), j.head(), "folded, head written");
    assert!(j.pending.records.is_empty());
    drop(j);
    let j = reopen(&path);
    assert_eq!(j.head().size, 4);
    assert!(j.find_key("noisy/2").unwrap().is_some());
    assert!(j.audit(&AuditOptions::default()).unwrap().is_clean());
}

/// An incident fact `key` from source `s` reporting incident key `incident`.
fn incident_report(key: &str, incident: &str) -> Vec<Fact> {
    facts(&format!(
        r#"{{"key":"{key}","kind":"incident","source":"s","incident":"{incident}","direction":"other","occurred":"2024-03-01","target":{{"name":"Somewhere"}}}}"#
    ))
}

#[test]
fn incident_keys_the_tail_reports_again_are_settled_against_the_runs_when_folded() {
    let incident = |key: String, incident: u64| incident_report(&key, &format!("k{incident}"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let mut reopened = Journal::init(&path, "t").unwrap();
    let mut kept_open = Journal::in_memory("t").unwrap();
    // k0..k19 first reported in one batch, which folds.
    let mut first = vec![source("s")];
    for i in 0..20 {
        first.extend(incident(format!("a{i}"), i));
    }
    for j in [&mut reopened, &mut kept_open] {
        j.append(first.clone(), &at(1), &options()).unwrap();
    }
    let (mut saw_unsettled_repeat, mut folds) = (false, 0);
    // Three reports a round: two of keys the runs hold (k0..k19 in turn),
    // and one of a key new to the ledger, reported in three rounds running
    // (k20..k23), so again within the tail.
    let reported = |round: u64, i: u64| match i {
        2 => 20 + round / 3,
        _ => (round * 2 + i) % 20,
    };
    for round in 0..12u64 {
        let batch: Vec<Fact> = (0..3)
            .flat_map(|i| incident(format!("r{round}.{i}"), reported(round, i)))
            .collect();
        for j in [&mut reopened, &mut kept_open] {
            j.append(batch.clone(), &at(2), &options()).unwrap();
        }
        drop(reopened);
        reopened = reopen(&path);
        saw_unsettled_repeat |= reopened
            .pending
            .unsettled_incidents
            .iter()
            .any(|(digest, _)| *digest == index::text_digest(index::Family::IncidentKey, "k0"));
        assert_eq!(settled(&reopened), settled(&kept_open), "round {round}");
        for key in (0..27).map(|k| format!("k{k}")) {
            assert_eq!(
                reopened.has_incident_key(&key).unwrap(),
                kept_open.has_incident_key(&key).unwrap(),
                "{key}, round {round}"
            );
        }
        if stored_head(&reopened) == reopened.head() {
            folds += 1;
            // After a fold the index holds each key's first report, once.
            for k in 0..24u64 {
                let key = format!("k{k}");
                // seq 0 is the source, 1..=20 the first batch, then three a round.
                let first_seq = if k < 20 { 1 + k } else { 21 + 9 * (k - 20) + 2 };
                let expected: Vec<Seq> = (first_seq < reopened.head().size)
                    .then(|| Seq::new(first_seq))
                    .into_iter()
                    .collect();
                assert_eq!(incident_index(&reopened, &key), expected, "{key}");
                assert_eq!(incident_index(&kept_open, &key), expected, "{key}");
            }
        }
    }
    assert!(
        saw_unsettled_repeat,
        "the tail reported k0 again, which the runs hold"
    );
    assert!(folds >= 1, "a fold settled the tail");
    assert!(reopened.audit(&AuditOptions::default()).unwrap().is_clean());
}

#[test]
fn an_incident_key_that_layout_2_kept_pending_is_not_unsettled_again_by_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let mut j = Journal::init(&path, "t").unwrap();
    let mut sources = vec![source("s")];
    sources.extend((0..20).map(|i| source(&format!("s/{i}"))));
    j.append(sources, &at(1), &options()).unwrap();
    j.append(incident_report("a", "k"), &at(2), &options())
        .unwrap();
    // What layout 2 stored: the whole head, and the first report of `k` in
    // `m/pending` beside it.
    let (head, kept) = (j.head(), settled(&j));
    assert!(kept.holds_record(
        index::Family::IncidentKey,
        &index::text_digest(index::Family::IncidentKey, "k")
    ));
    store_as_layout_2(&j, head, &kept);
    drop(j);
    let mut j = reopen(&path);
    // A second report of `k`, in the tail of the raised layout.
    j.append(incident_report("b", "k"), &at(3), &options())
        .unwrap();
    drop(j);
    let mut j = reopen(&path);
    assert_eq!(j.head().size, 23);
    assert!(j.pending.unsettled_incidents.is_empty());
    let more: Vec<Fact> = (0..20).map(|i| source(&format!("u/{i}"))).collect();
    j.append(more, &at(4), &options()).unwrap();
    assert_eq!(incident_index(&j, "k"), [Seq::new(21)]);
}

/// The first `n` facts of the synthetic corpus.
fn corpus(n: u64) -> Vec<Fact> {
    crate::synth::Corpus::new(7, n).collect()
}

/// Every incident key the facts report.
fn incident_keys(facts: &[Fact]) -> std::collections::BTreeSet<String> {
    facts
        .iter()
        .flat_map(|f| append::incident_keys_of(&f.body))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_batch_chained_on_a_worker_writes_what_small_batches_write() {
    let facts = corpus(3_333);
    assert!(facts.len() >= 3 * chain::LOT, "several lots");
    // One name: it makes the genesis that the first `prev` names.
    let mut whole = Journal::in_memory("chained").unwrap();
    let report = whole.append(facts.clone(), &at(1_000), &options()).unwrap();
    let mut small = Journal::in_memory("chained").unwrap();
    for part in facts.chunks(700) {
        small.append(part.to_vec(), &at(1_000), &options()).unwrap();
    }
    assert_eq!(whole.head(), small.head());
    assert_eq!(all_ids(&whole), all_ids(&small));
    // The report gives each fact the id it was written with.
    let reported: Vec<crate::merkle::Hash> = report
        .outcomes
        .iter()
        .map(|o| match o {
            FactOutcome::Recorded { id, .. } => *id.as_bytes(),
            FactOutcome::AlreadyRecorded { .. } => panic!("nothing was there before"),
        })
        .collect();
    assert_eq!(reported, all_ids(&whole));
    let keys = incident_keys(&facts);
    assert!(keys.len() > 100, "{} incident keys", keys.len());
    for key in &keys {
        let first = incident_index(&whole, key);
        assert_eq!(first.len(), 1, "{key}: {first:?}");
        assert_eq!(first, incident_index(&small, key), "{key}");
    }
}

#[test]
fn a_batch_chained_on_a_worker_compares_a_repeated_key_with_an_earlier_lot() {
    let facts = corpus(1_500);
    let early = facts[600].clone();
    // The same fact again, after two lots have gone to the worker: recorded
    // once, the second reported as already recorded at the first's seq.
    let mut again = facts.clone();
    again.push(early.clone());
    let mut j = Journal::in_memory("again").unwrap();
    let report = j.append(again, &at(1_000), &options()).unwrap();
    assert_eq!(j.head().size, facts.len() as u64);
    assert_eq!(
        report.outcomes.last(),
        Some(&FactOutcome::AlreadyRecorded { seq: Seq::new(600) })
    );
    // Another fact under that key: the batch is refused at that fact and
    // nothing is written, though the worker had chained the facts before it.
    let mut conflicting = facts.clone();
    let other = source(&early.key);
    assert_ne!(other, early);
    conflicting.push(other);
    let mut j = Journal::in_memory("conflicting").unwrap();
    match j.append(conflicting, &at(1_000), &options()) {
        Err(AppendError::Invalid { index, problem }) => {
            assert_eq!(index, facts.len());
            assert!(problem.to_string().contains("already used"), "{problem}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(j.head().size, 0);
    assert!(all_ids(&j).is_empty());
}

#[test]
fn the_store_files_the_large_values_of_every_family_written_once() {
    assert_eq!(
        crate::store::FILED_PREFIXES,
        [
            layout::SEGMENT_PREFIX[0],
            layout::NODE_PREFIX[0],
            index::CHUNK_PREFIX,
            super::run_filter::FILTER_PREFIX,
        ]
    );
}

#[test]
fn a_ledger_of_layout_4_reads_its_values_from_sled_and_puts_new_ones_in_the_value_file() {
    use crate::merkle::{self, Blake3, MemoryTree};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let value_file = || {
        std::fs::metadata(path.join(crate::store::VALUE_FILE))
            .map(|m| m.len())
            .unwrap()
    };
    // What a sitrep of layout 4 wrote: every large value in sled.
    crate::store::without_value_file(|| {
        let mut j = Journal::init(&path, "t").unwrap();
        let old = (0..1500).map(|i| source(&format!("old/{i}"))).collect();
        j.append(old, &at(1), &options()).unwrap();
        let format = 4u16.to_be_bytes().to_vec();
        j.store
            .commit(vec![Write::Put(layout::META_FORMAT.to_vec(), format)])
            .unwrap();
        j.store.flush().unwrap();
    });
    assert_eq!(value_file(), 0);
    let mut j = reopen(&path);
    assert!(j.audit(&AuditOptions::default()).unwrap().is_clean());
    // Three batches of the old run's tier: the last merges the run kept in
    // sled into one kept in the value file.
    for b in 0..3 {
        let batch = (0..1500).map(|i| source(&format!("new{b}/{i}"))).collect();
        j.append(batch, &at(2), &options()).unwrap();
    }
    assert!(value_file() > 0);
    let runs = j.store.get(layout::META_RUNS).unwrap().unwrap();
    assert_eq!(runs.len(), 2 * 17, "one run of each family");
    drop(j);
    let j = reopen(&path);
    assert_eq!(
        j.store.get(layout::META_FORMAT).unwrap(),
        Some(layout::LAYOUT_VERSION.to_be_bytes().to_vec())
    );
    assert!(j.audit(&AuditOptions::default()).unwrap().is_clean());
    for (key, seq) in [("old/7", 7), ("old/1499", 1499), ("new2/0", 4500)] {
        assert_eq!(j.find_key(key).unwrap().unwrap().entry.seq, Seq::new(seq));
    }
    // Nodes of the old part come from sled, of the new part from the file.
    let ids = all_ids(&j);
    let tree = MemoryTree::from_leaf_hashes(&Blake3, ids.clone());
    for size in [1500u64, 1501, 3000, 6000] {
        let expected = merkle::root(&Blake3, &tree, size).unwrap();
        assert_eq!(j.root_at(size).unwrap(), expected, "root at size {size}");
    }
    for index in [3u64, 1499, 1500, 5999] {
        let proof = j.inclusion_proof(index, 6000).unwrap();
        let leaf = ids[usize::try_from(index).unwrap()];
        let root = j.root_at(6000).unwrap();
        merkle::verify_inclusion(&Blake3, index, 6000, &leaf, &proof, &root).unwrap();
    }
}
