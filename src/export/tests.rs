//! Unit tests of the export and the import: round trips, the documented line
//! shapes, and refusals of hand-made or altered files (several also check that a
//! refused import leaves nothing behind).

use std::fs;
use std::io;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::members::first_difference;
use super::{
    entry_json, import_ledger_jsonl, write_ledger_jsonl, ImportError, ImportOptions, ImportSummary,
    FORMAT_NAME,
};
use crate::codec::{self, CodecError};
use crate::entry::{Entry, Seq, FORMAT_VERSION};
use crate::fact::Fact;
use crate::hash::Id;
use crate::input;
use crate::journal::{AppendOptions, Journal};
use crate::merkle::{self, Blake3, MemoryTree};
use crate::time::{FixedClock, Timestamp};

const ORIGIN: &str = "test/export";

const FACTS: &str = r#"{"key":"src/a","kind":"source","publisher":"A Wire","type":"wire","party":false}
{"key":"inc/a","kind":"incident","source":"src/a","incident":"a-1","direction":"on_us_forces","occurred":"2024-01-28","target":{"name":"Tower 22","country":"JO"},"attack_types":["drone"]}
{"key":"src/b","kind":"source","publisher":"B News","type":"news_site","party":false,"title":"Ünïcode — and \"quotes\"\n"}
"#;

const LATER: &str = r#"{"key":"st/a","kind":"statement","source":"src/b","speaker":{"name":"Someone"},"type":"suspension","text":"We stop","attribution":"own_channel"}
{"key":"den/a","kind":"denial","source":"src/a","denier":{"name":"Someone"},"target":"st/a","type":"authorship"}
"#;

fn facts(text: &str) -> Vec<Fact> {
    input::parse("test.jsonl", text.as_bytes())
        .unwrap()
        .into_iter()
        .map(|l| l.fact)
        .collect()
}

fn at(seconds: i64) -> FixedClock {
    FixedClock(Timestamp::from_micros(
        1_700_000_000_000_000 + seconds * 1_000_000,
    ))
}

fn by(who: &str) -> AppendOptions {
    AppendOptions {
        recorded_by: who.to_owned(),
        durable: false,
        dry_run: false,
    }
}

/// A ledger of two batches (the second by another recorder), exported.
fn sample() -> (Journal, Vec<u8>) {
    let mut j = Journal::in_memory(ORIGIN).unwrap();
    j.append(facts(FACTS), &at(0), &by("alice")).unwrap();
    j.append(facts(LATER), &at(60), &by("bob")).unwrap();
    let mut out = Vec::new();
    write_ledger_jsonl(&j, &mut out).unwrap();
    (j, out)
}

fn import(dir: &Path, text: &[u8], options: &ImportOptions) -> Result<ImportSummary, ImportError> {
    import_ledger_jsonl(&dir.join("ledger"), &mut &text[..], options)
}

/// Opens a ledger just written in this process, once sled has let go of it.
fn reopen(path: &Path) -> Journal {
    crate::journal::when_released(|| Journal::open(path)).unwrap()
}

fn lines(text: &[u8]) -> Vec<String> {
    std::str::from_utf8(text)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn join(lines: &[String]) -> Vec<u8> {
    let mut text = lines.join("\n");
    text.push('\n');
    text.into_bytes()
}

/// Nothing but `ledger` (when expected) in the test directory.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A hand-made export of `entries` (recorded_at seconds, recorder, fact),
/// internally consistent: every id, link, size, root and head is right.
fn craft(entries: Vec<(i64, &str, Fact)>) -> Vec<u8> {
    let genesis = Id::genesis(ORIGIN);
    let mut out = vec![
        json!({"sitrep": FORMAT_NAME, "version": 1, "origin": ORIGIN, "genesis": genesis})
            .to_string(),
    ];
    let mut prev = genesis;
    let mut ids = Vec::new();
    for (seq, (seconds, who, fact)) in entries.into_iter().enumerate() {
        let entry = Entry {
            version: FORMAT_VERSION,
            seq: Seq::new(seq as u64),
            prev,
            recorded_at: at(seconds).0,
            recorded_by: who.into(),
            fact,
        };
        let bytes = codec::encode_entry(&entry);
        let id = Id::of_entry(&bytes);
        out.push(
            json!({"seq": seq, "id": id, "prev": prev, "bytes": STANDARD.encode(&bytes), "entry": entry_json(&entry).unwrap()})
                .to_string(),
        );
        ids.push(*id.as_bytes());
        prev = id;
    }
    let size = ids.len() as u64;
    let root = merkle::root(&Blake3, &MemoryTree::from_leaf_hashes(&Blake3, ids), size).unwrap();
    out.push(json!({"size": size, "root": Id::from_bytes(root), "head": prev}).to_string());
    join(&out)
}

#[test]
fn an_export_rebuilds_the_same_ledger_even_in_small_batches() {
    let (original, text) = sample();
    let dir = tempfile::tempdir().unwrap();
    // Batches of 2 split the first run of three entries: the ids do not change.
    let options = ImportOptions {
        max_batch: 2,
        ..ImportOptions::default()
    };
    let summary = import(dir.path(), &text, &options).unwrap();
    assert_eq!(summary.size, 5);
    assert_eq!(summary.origin, ORIGIN);
    assert_eq!(summary.root, original.root().unwrap());
    assert_eq!(summary.head, original.head().last_id);
    assert_eq!(listing(dir.path()), ["ledger"]);
    let rebuilt = reopen(&dir.path().join("ledger"));
    let mut again = Vec::new();
    let second = write_ledger_jsonl(&rebuilt, &mut again).unwrap();
    assert_eq!(
        String::from_utf8(again).unwrap(),
        String::from_utf8(text).unwrap()
    );
    assert_eq!(second.root, summary.root);
}

#[test]
fn the_lines_have_the_documented_shape() {
    let (j, text) = sample();
    let lines = lines(&text);
    assert_eq!(lines.len(), 7);
    let header: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(
        header,
        json!({"sitrep": "ledger-jsonl", "version": 1, "origin": ORIGIN, "genesis": Id::genesis(ORIGIN)})
    );
    let first: Value = serde_json::from_str(&lines[1]).unwrap();
    let record = j.read(Seq::new(0)).unwrap().unwrap();
    assert_eq!(first["seq"], 0);
    assert_eq!(first["id"], record.id.to_hex());
    assert_eq!(first["prev"], Id::genesis(ORIGIN).to_hex());
    assert_eq!(
        STANDARD.decode(first["bytes"].as_str().unwrap()).unwrap(),
        record.bytes
    );
    assert_eq!(first["entry"]["recorded_by"], "alice");
    assert_eq!(first["entry"]["kind"], "source");
    assert_eq!(first["entry"]["key"], "src/a");
    assert_eq!(first["entry"]["fact"]["publisher"], "A Wire");
    let last: Value = serde_json::from_str(&lines[6]).unwrap();
    assert_eq!(
        last,
        json!({"size": 5, "root": Id::from_bytes(j.root().unwrap()), "head": j.head().last_id})
    );
}

#[test]
fn an_empty_ledger_exports_and_imports() {
    let j = Journal::in_memory(ORIGIN).unwrap();
    let mut text = Vec::new();
    let summary = write_ledger_jsonl(&j, &mut text).unwrap();
    assert_eq!(summary.size, 0);
    assert_eq!(summary.head, Id::genesis(ORIGIN));
    let dir = tempfile::tempdir().unwrap();
    let imported = import(dir.path(), &text, &ImportOptions::default()).unwrap();
    assert_eq!((imported.size, imported.root), (0, summary.root));
}

#[test]
fn a_line_over_the_cap_is_refused_and_nothing_is_left() {
    let (_, text) = sample();
    let dir = tempfile::tempdir().unwrap();
    let options = ImportOptions {
        max_line_bytes: 300,
        ..ImportOptions::default()
    };
    let error = import(dir.path(), &text, &options).unwrap_err();
    let matched = matches!(error, ImportError::LineTooLong { line: 2, max: 300 });
    assert!(matched, "{error}");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_non_empty_target_is_refused_before_anything_is_read() {
    struct Unreadable;
    impl io::Read for Unreadable {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("read"))
        }
    }
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("ledger")).unwrap();
    fs::write(dir.path().join("ledger").join("x"), "x").unwrap();
    let mut input = io::BufReader::new(Unreadable);
    let error = import_ledger_jsonl(
        &dir.path().join("ledger"),
        &mut input,
        &ImportOptions::default(),
    )
    .unwrap_err();
    let matched = matches!(error, ImportError::TargetExists { .. });
    assert!(matched, "{error}");
    assert_eq!(listing(dir.path()), ["ledger"]);
}

#[test]
fn an_empty_directory_is_replaced() {
    let (_, text) = sample();
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("ledger")).unwrap();
    let summary = import(dir.path(), &text, &ImportOptions::default()).unwrap();
    assert_eq!(summary.size, 5);
    assert_eq!(reopen(&dir.path().join("ledger")).head().size, 5);
}

#[test]
fn a_hand_made_export_is_rebuilt_when_it_is_consistent() {
    // The control for the refusals below: `craft` makes acceptable files.
    let mut all = facts(FACTS);
    let c = all.pop().unwrap();
    let b = all.pop().unwrap();
    let a = all.pop().unwrap();
    let text = craft(vec![(0, "x", a), (0, "x", b), (5, "y", c)]);
    let dir = tempfile::tempdir().unwrap();
    let summary = import(dir.path(), &text, &ImportOptions::default()).unwrap();
    assert_eq!(summary.size, 3);
}

#[test]
fn over_long_varints_with_a_matching_id_are_refused_as_non_canonical() {
    let (_, text) = sample();
    let mut lines = lines(&text);
    let mut line: Map<String, Value> = serde_json::from_str(&lines[1]).unwrap();
    let mut bytes = STANDARD.decode(line["bytes"].as_str().unwrap()).unwrap();
    // version 1, then seq 0 written in three bytes instead of one.
    assert_eq!(&bytes[..2], &[1, 0]);
    bytes.splice(1..2, [0xfb, 0, 0]);
    line.insert("bytes".into(), STANDARD.encode(&bytes).into());
    line.insert("id".into(), Id::of_entry(&bytes).to_hex().into());
    lines[1] = Value::Object(line).to_string();
    let dir = tempfile::tempdir().unwrap();
    let error = import(dir.path(), &join(&lines), &ImportOptions::default()).unwrap_err();
    let matched = matches!(
        error,
        ImportError::Codec {
            line: 2,
            source: CodecError::NonCanonical
        }
    );
    assert!(matched, "{error}");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn bytes_of_another_seq_are_refused_even_with_the_right_id() {
    let (j, text) = sample();
    let mut lines = lines(&text);
    // Line 2 carries the entry at seq 1, with its own id and prev.
    let second = j.read(Seq::new(1)).unwrap().unwrap();
    let mut line: Map<String, Value> = serde_json::from_str(&lines[1]).unwrap();
    line.insert("bytes".into(), STANDARD.encode(&second.bytes).into());
    line.insert("id".into(), second.id.to_hex().into());
    lines[1] = Value::Object(line).to_string();
    let dir = tempfile::tempdir().unwrap();
    let error = import(dir.path(), &join(&lines), &ImportOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 2: `bytes` hold the entry at seq 1 but `seq` is 0"
    );
}

#[test]
fn a_target_named_by_id_prefix_rebuilds_to_another_id_and_is_refused() {
    let mut all = facts(FACTS);
    all.truncate(1);
    let source = all.pop().unwrap();
    // A denial of `src/a` named by an id prefix: `sitrep append` rewrites it to
    // the key, so the rebuilt entry differs from the file's.
    let source_id = {
        let entry = Entry {
            version: FORMAT_VERSION,
            seq: Seq::new(0),
            prev: Id::genesis(ORIGIN),
            recorded_at: at(0).0,
            recorded_by: "x".into(),
            fact: source.clone(),
        };
        Id::of_entry(&codec::encode_entry(&entry))
    };
    let denial = facts(&format!(
        r#"{{"key":"den/x","kind":"denial","source":"src/a","denier":{{"name":"Someone"}},"target":"{}","type":"authorship"}}"#,
        &source_id.to_hex()[..12]
    ))
    .pop()
    .unwrap();
    // Its own batch: a prefix names an entry already in the ledger.
    let text = craft(vec![(0, "x", source), (1, "x", denial)]);
    let dir = tempfile::tempdir().unwrap();
    let error = import(dir.path(), &text, &ImportOptions::default()).unwrap_err();
    let matched = matches!(error, ImportError::Rebuilt { line: 3, .. });
    assert!(matched, "{error}");
    assert!(
        error
            .to_string()
            .starts_with("line 3: the entry rebuilt from this line has id "),
        "{error}"
    );
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn the_same_fact_twice_is_refused() {
    let a = facts(FACTS).swap_remove(0);
    let text = craft(vec![(0, "x", a.clone()), (1, "x", a)]);
    let dir = tempfile::tempdir().unwrap();
    let error = import(dir.path(), &text, &ImportOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 3: fact `src/a` is already recorded at seq 0; a ledger holds each fact once"
    );
}

#[test]
fn a_clock_going_back_is_refused() {
    let mut all = facts(FACTS);
    let b = all.pop().unwrap();
    let a = all.pop().unwrap();
    let text = craft(vec![(10, "x", a), (5, "x", b)]);
    let dir = tempfile::tempdir().unwrap();
    let error = import(dir.path(), &text, &ImportOptions::default()).unwrap_err();
    let matched = matches!(
        error,
        ImportError::Member {
            line: 3,
            member: "bytes",
            ..
        }
    );
    assert!(matched, "{error}");
    assert!(error.to_string().contains("never goes back"), "{error}");
}

#[test]
fn upper_case_hex_is_refused() {
    let (_, text) = sample();
    let mut lines = lines(&text);
    let mut line: Map<String, Value> = serde_json::from_str(&lines[2]).unwrap();
    let id = line["id"].as_str().unwrap().to_uppercase();
    line.insert("id".into(), id.into());
    lines[2] = Value::Object(line).to_string();
    let dir = tempfile::tempdir().unwrap();
    let error = import(dir.path(), &join(&lines), &ImportOptions::default()).unwrap_err();
    let matched = matches!(
        error,
        ImportError::Member {
            line: 3,
            member: "id",
            ..
        }
    );
    assert!(matched, "{error}");
}

#[test]
fn the_first_difference_is_named_by_its_path() {
    let expected = json!({"a": 1, "b": {"c": [1, 2, {"d": "x"}]}});
    let cases = [
        (json!({"a": 2, "b": {"c": [1, 2, {"d": "x"}]}}), "entry.a"),
        (
            json!({"a": 1, "b": {"c": [1, 2, {"d": "y"}]}}),
            "entry.b.c[2].d",
        ),
        (json!({"a": 1, "b": {"c": [1, 2]}}), "entry.b.c[2]"),
        (json!({"a": 1}), "entry.b"),
        (
            json!({"a": 1, "b": {"c": [1, 2, {"d": "x"}]}, "z": 0}),
            "entry.z",
        ),
        (json!("text"), "entry"),
    ];
    for (given, path) in cases {
        assert_eq!(
            first_difference("entry", &given, &expected),
            path,
            "{given}"
        );
    }
}
