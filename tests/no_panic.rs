//! Decoders never panic (issue 5, item 6; STYLE habit 9), through the library:
//! arbitrary bytes, and arbitrary edits of valid inputs, fed to every decoder
//! that reads something a user or an adversary can hand sitrep — the entry
//! decoder (`codec::decode_entry`), the proof-file parser and verifiers
//! (`ProofFile::parse`, `verify`), the signed-checkpoint parser and verifier
//! (`SignedCheckpoint::parse`, `verify`), the report reader (`input::parse` and
//! the streaming `input::read`, with the default limits and with tiny ones) and,
//! on a few cases because each one builds a ledger on disk, the export importer
//! (`export::import_ledger_jsonl`). Any `Ok` or `Err` is fine; a panic fails.
//!
//! The valid seeds come from a small in-memory ledger holding the report of
//! docs/input.md (every kind of fact): its entries' canonical bytes, inclusion
//! and consistency proofs written with `ProofFile::to_text`, a checkpoint signed
//! over its root, the report itself as JSON Lines and as an array, and its
//! ledger-jsonl export. The `cargo fuzz` targets in `fuzz/` drive the same
//! functions for longer (README, Development).
//!
//! One property is stronger than "no panic": the streaming reader gives the same
//! facts, or the same error, whatever the size of the buffer it reads through,
//! so a line or a value split across reads is never misread.

use std::io::BufReader;
use std::sync::OnceLock;

use proptest::prelude::*;

use sitrep::codec;
use sitrep::export::{import_ledger_jsonl, write_ledger_jsonl, ImportOptions};
use sitrep::input::{self, Budget, Limits};
use sitrep::journal::{AppendOptions, Journal};
use sitrep::note::{Checkpoint, SignedCheckpoint, SigningKey, VerifierKey};
use sitrep::proofs::{ConsistencyProof, InclusionProof, ProofFile};
use sitrep::time::{FixedClock, Timestamp};

/// Cases per property (`PROPTEST_CASES` overrides it).
const CASES: u32 = 256;
/// Cases for the importer, which builds a sled ledger per case.
const IMPORT_CASES: u32 = 12;

const ORIGIN: &str = "test.example/no-panic";

fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

/// Valid inputs of every decoder, made once.
struct Seeds {
    entries: Vec<Vec<u8>>,
    proofs: Vec<String>,
    checkpoint: String,
    verifier: VerifierKey,
    reports: Vec<Vec<u8>>,
    export: Vec<u8>,
}

/// The ```jsonl block of docs/input.md: one fact of every kind.
fn guide_report() -> String {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/input.md"))
        .expect("docs/input.md");
    let start = guide.find("```jsonl\n").expect("a jsonl block") + 9;
    let end = start + guide[start..].find("```").expect("closed");
    guide[start..end].to_owned()
}

fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let report = guide_report();
        let facts = input::parse("guide.jsonl", report.as_bytes())
            .expect("the guide's report reads")
            .into_iter()
            .map(|l| l.fact)
            .collect();
        let mut journal = Journal::in_memory(ORIGIN).expect("an in-memory ledger");
        let options = AppendOptions {
            recorded_by: "no-panic".to_owned(),
            durable: false,
            dry_run: false,
        };
        let clock = FixedClock(Timestamp::from_micros(1_767_225_600_000_000));
        journal
            .append(facts, &clock, &options)
            .expect("the guide's report appends");
        let size = journal.head().size;
        let mut entries = Vec::new();
        for seq in 0..size {
            let record = journal
                .read(sitrep::Seq::new(seq))
                .expect("read")
                .expect("every seq up to the head is there");
            entries.push(record.bytes);
        }
        let root = |n: u64| journal.root_at(n).expect("a root");
        let mut proofs = Vec::new();
        for leaf in [0, size / 2, size - 1] {
            let proof = InclusionProof {
                origin: ORIGIN.to_owned(),
                tree_size: size,
                leaf_index: leaf,
                root: root(size),
                entry: entries[leaf as usize].clone(),
                proof: journal.inclusion_proof(leaf, size).expect("a proof"),
            };
            assert!(proof.verify().is_ok(), "the seed inclusion proof verifies");
            proofs.push(ProofFile::Inclusion(proof).to_text());
        }
        for from in [1, size / 2] {
            let proof = ConsistencyProof {
                origin: ORIGIN.to_owned(),
                size1: from,
                size2: size,
                root1: root(from),
                root2: root(size),
                proof: journal.consistency_proof(from, size).expect("a proof"),
            };
            assert!(
                proof.verify().is_ok(),
                "the seed consistency proof verifies"
            );
            proofs.push(ProofFile::Consistency(proof).to_text());
        }
        let key = SigningKey::from_seed(ORIGIN, [7; 32]).expect("a key");
        let checkpoint = Checkpoint {
            origin: ORIGIN.to_owned(),
            size,
            root: root(size),
        }
        .sign(&key)
        .expect("signed")
        .to_text();
        let array = format!(
            "[\n{}\n]\n",
            report
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect::<Vec<_>>()
                .join(",\n")
        );
        let mut export = Vec::new();
        write_ledger_jsonl(&journal, &mut export).expect("export");
        Seeds {
            entries,
            proofs,
            checkpoint,
            verifier: key.verifier(),
            reports: vec![report.into_bytes(), array.into_bytes()],
            export,
        }
    })
}

/// One edit of a byte string.
#[derive(Clone, Debug)]
enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

/// Bytes that matter to the formats: JSON structure, escapes and digits,
/// base64 and hex, line ends, varint markers, and bytes that are not UTF-8.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        prop::sample::select(
            b"{}[]\",:\\ \n\r\t0123456789-+.eE=/+abcfnrtuAZ\x00\x01\x7f\x80\xbf\xc0\xe9\xfb\xfc\xfd\xff"
                .to_vec()
        ),
        any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, mask)| Edit::Flip(at, mask)),
        (any::<usize>(), interesting_byte()).prop_map(|(at, b)| Edit::Set(at, b)),
        (
            any::<usize>(),
            prop::collection::vec(interesting_byte(), 1..8)
        )
            .prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (any::<usize>(), 1..16usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 1..64usize).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..6)
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for edit in edits {
        let len = bytes.len();
        let at = |i: usize| if len == 0 { 0 } else { i % len };
        match edit {
            Edit::Flip(i, mask) if len > 0 => bytes[at(*i)] ^= mask,
            Edit::Set(i, b) if len > 0 => bytes[at(*i)] = *b,
            Edit::Insert(i, more) => {
                let i = i % (len + 1);
                bytes.splice(i..i, more.iter().copied());
            }
            Edit::Delete(i, n) if len > 0 => {
                let i = at(*i);
                bytes.drain(i..(i + n).min(len));
            }
            Edit::Duplicate(i, n) if len > 0 => {
                let i = at(*i);
                let copy = bytes[i..(i + n).min(len)].to_vec();
                bytes.splice(i..i, copy);
            }
            Edit::Truncate(i) => bytes.truncate(i % (len + 1)),
            _ => {}
        }
    }
    bytes
}

fn decode_entry(bytes: &[u8]) {
    if let Ok(entry) = codec::decode_entry(bytes) {
        // What decodes is canonical: it re-encodes to the same bytes.
        assert_eq!(codec::encode_entry(&entry), bytes);
    }
}

fn parse_proof(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(proof) = ProofFile::parse(&text) {
        match &proof {
            ProofFile::Inclusion(p) => drop(p.verify()),
            ProofFile::Consistency(p) => drop(p.verify()),
        }
        let _ = proof.roots();
        let _ = proof.to_text();
    }
}

fn parse_checkpoint(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(checkpoint) = SignedCheckpoint::parse(&text) {
        let _ = checkpoint.verify(&seeds().verifier);
    }
}

/// Limits small enough that edits run into every one of them.
fn tiny() -> Limits {
    Limits {
        max_line_bytes: 700,
        max_document_bytes: 3000,
        max_fact_bytes: 400,
        max_batch_facts: 6,
        max_batch_bytes: 4000,
    }
}

/// The reader's result in comparable form.
fn read_through(bytes: &[u8], capacity: usize, limits: Limits) -> Result<String, String> {
    let mut reader = BufReader::with_capacity(capacity, bytes);
    input::read("r", &mut reader, &mut Budget::new(limits))
        .map(|facts| format!("{facts:?}"))
        .map_err(|e| e.to_string())
}

fn read_report(bytes: &[u8], capacity: usize) -> Result<(), TestCaseError> {
    let whole = input::parse("r", bytes)
        .map(|facts| format!("{facts:?}"))
        .map_err(|e| e.to_string());
    prop_assert_eq!(read_through(bytes, capacity, Limits::default()), whole);
    prop_assert_eq!(
        read_through(bytes, capacity, tiny()),
        read_through(bytes, 8192, tiny())
    );
    Ok(())
}

fn import(bytes: &[u8]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let target = dir.path().join("imported");
    let mut input = bytes;
    let options = ImportOptions {
        max_line_bytes: 64 * 1024,
        max_batch: 8,
        ..Default::default()
    };
    if import_ledger_jsonl(&target, &mut input, &options).is_err() {
        // A refused import leaves nothing behind.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list the directory")
            .collect();
        assert!(left.is_empty(), "a refused import left {left:?}");
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn entry_decoder_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        decode_entry(&bytes);
    }

    #[test]
    fn entry_decoder_never_panics_on_edited_entries(which in any::<usize>(), edits in edits()) {
        let seeds = &seeds().entries;
        decode_entry(&apply(&seeds[which % seeds.len()], &edits));
    }

    #[test]
    fn proof_parser_never_panics_on_arbitrary_text(text in any::<String>()) {
        parse_proof(text.as_bytes());
    }

    #[test]
    fn proof_parser_never_panics_on_edited_proofs(which in any::<usize>(), edits in edits()) {
        let seeds = &seeds().proofs;
        parse_proof(&apply(seeds[which % seeds.len()].as_bytes(), &edits));
    }

    #[test]
    fn checkpoint_parser_never_panics_on_arbitrary_text(text in any::<String>()) {
        parse_checkpoint(text.as_bytes());
    }

    #[test]
    fn checkpoint_parser_never_panics_on_edited_checkpoints(edits in edits()) {
        parse_checkpoint(&apply(seeds().checkpoint.as_bytes(), &edits));
    }

    #[test]
    fn report_reader_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        capacity in 1..64usize,
    ) {
        read_report(&bytes, capacity)?;
    }

    #[test]
    fn report_reader_never_panics_on_edited_reports(
        which in any::<usize>(),
        edits in edits(),
        capacity in 1..64usize,
    ) {
        let seeds = &seeds().reports;
        read_report(&apply(&seeds[which % seeds.len()], &edits), capacity)?;
    }
}

proptest! {
    #![proptest_config(config(IMPORT_CASES))]

    #[test]
    fn importer_never_panics_on_edited_exports(edits in edits()) {
        import(&apply(&seeds().export, &edits));
    }
}

#[test]
fn the_seeds_are_valid() {
    // The edited-input properties start from inputs every decoder accepts.
    let seeds = seeds();
    assert_eq!(seeds.entries.len(), 10);
    for bytes in &seeds.entries {
        assert!(codec::decode_entry(bytes).is_ok());
    }
    for text in &seeds.proofs {
        assert!(ProofFile::parse(text).is_ok(), "{text}");
    }
    let checkpoint = SignedCheckpoint::parse(&seeds.checkpoint).expect("the checkpoint parses");
    assert!(checkpoint.verify(&seeds.verifier).is_ok());
    for report in &seeds.reports {
        assert_eq!(
            input::parse("r", report).expect("the report reads").len(),
            10
        );
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut export = seeds.export.as_slice();
    let imported = import_ledger_jsonl(
        &dir.path().join("l"),
        &mut export,
        &ImportOptions::default(),
    )
    .expect("the export imports");
    assert_eq!(imported.size, 10);
}
