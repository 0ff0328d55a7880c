//! `sitrep export --format ledger-jsonl` and `sitrep import` end to end: the demo
//! ledger goes out and comes back with the same root and a byte-identical second
//! export; an export with one changed character, a truncated one, one with an
//! unknown member, an empty file, a header of another version and a hand-made file
//! whose fact `sitrep append` would refuse are each refused with the line and the
//! member named, leaving nothing at the target and no temporary directory beside it.

#![allow(
    clippy::expect_used,
    reason = "test code, helpers included: a failed expectation is a failing test"
)]

use std::path::Path;
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use sitrep::codec;
use sitrep::entry::{Entry, Seq, FORMAT_VERSION};
use sitrep::export::entry_json;
use sitrep::merkle::{self, Blake3, MemoryTree};
use sitrep::time::Timestamp;
use sitrep::{Fact, Id};
use tempfile::TempDir;

use crate::common::{assert_contains, path_str, run_in, tree, write_file, Ledger, Run};

const DEMO_ORIGIN: &str = "sitrep.demo/seed-corpus";

/// A temporary directory holding the demo ledger at `<tmp>/demo.ledger`.
fn demo() -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    run_in(dir.path(), &["--ledger", "demo.ledger", "demo"]).success();
    dir
}

fn export(dir: &Path, ledger: &str) -> String {
    run_in(
        dir,
        &["--ledger", ledger, "export", "--format", "ledger-jsonl"],
    )
    .success()
}

/// The demo ledger's export, made once for the refusal tests.
fn demo_export() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let dir = demo();
        export(dir.path(), "demo.ledger")
    })
}

fn import(dir: &Path, ledger: &str, file: &str) -> Run {
    run_in(dir, &["--ledger", ledger, "import", file])
}

/// The `root at size N: …` line of a clean `sitrep audit`.
fn audit_root(dir: &Path, ledger: &str) -> String {
    let out = run_in(dir, &["--ledger", ledger, "audit"]).success();
    out.lines()
        .find(|l| l.starts_with("root at size "))
        .unwrap_or_else(|| panic!("no root line in:\n{out}"))
        .to_owned()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

fn join(lines: &[String]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// Neither the target nor any hidden (temporary) entry in `dir`.
#[track_caller]
fn assert_nothing_left(dir: &Path, target: &str) {
    assert!(
        !dir.join(target).exists(),
        "{target} exists after a refusal"
    );
    let hidden: Vec<String> = std::fs::read_dir(dir)
        .expect("read the test directory")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
}

/// Imports `text` (written to `name`) into a new ledger and expects the one-line
/// refusal `cannot import <name> (nothing was written): <reason>`; returns the
/// reason after checking that nothing was left behind.
fn refusal(text: &str, name: &str) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_file(dir.path(), name, text);
    let line = import(dir.path(), "new.ledger", name).error_line();
    assert_nothing_left(dir.path(), "new.ledger");
    let prefix = format!("sitrep: error: cannot import {name} (nothing was written): ");
    line.strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("expected {prefix:?} in {line:?}"))
        .to_owned()
}

#[test]
fn round_trip_rebuilds_the_same_root_and_the_same_export() {
    let dir = demo();
    let p = dir.path();
    let first = export(p, "demo.ledger");
    write_file(p, "demo.jsonl", &first);

    let out = import(p, "copy.ledger", "demo.jsonl").success();
    let root_line = audit_root(p, "demo.ledger");
    let root = root_line.rsplit(' ').next().expect("a root");
    assert_eq!(
        out,
        format!("imported 115 entries into copy.ledger (origin `{DEMO_ORIGIN}`); root {root} matches the file\n")
    );
    assert_eq!(audit_root(p, "copy.ledger"), root_line);
    assert_eq!(
        audit_root(p, "copy.ledger"),
        "root at size 115: ".to_owned() + root
    );

    let second = export(p, "copy.ledger");
    assert!(second == first, "the second export differs from the first");

    // The same file from standard input, and the shape of its lines.
    let from_stdin = Ledger::uninitialised();
    let out = from_stdin
        .run_with_stdin(&["import", "-"], &first)
        .success();
    assert_contains(&out, &["imported 115 entries into ", root]);
    let all = lines(&first);
    assert_eq!(all.len(), 117);
    let header: Value = serde_json::from_str(&all[0]).expect("a JSON header");
    assert_eq!(
        header,
        json!({"sitrep": "ledger-jsonl", "version": 1, "origin": DEMO_ORIGIN, "genesis": Id::genesis(DEMO_ORIGIN)})
    );
    let entry: Value = serde_json::from_str(&all[1]).expect("a JSON entry line");
    let names: Vec<&str> = entry
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, ["seq", "id", "prev", "bytes", "entry"]);
    let last: Value = serde_json::from_str(&all[116]).expect("a JSON final line");
    assert_eq!(last["size"], 115);
    assert_eq!(last["root"], root);
}

#[test]
fn export_to_a_file_says_what_it_wrote() {
    let dir = demo();
    let p = dir.path();
    let out = run_in(
        p,
        &[
            "--ledger",
            "demo.ledger",
            "export",
            "--format",
            "ledger-jsonl",
            "--out",
            "out.jsonl",
        ],
    )
    .success();
    let root = audit_root(p, "demo.ledger");
    let root = root.rsplit(' ').next().expect("a root");
    assert_eq!(
        out,
        format!("exported 115 entries of `{DEMO_ORIGIN}` to out.jsonl; root {root}\n")
    );
    let written = std::fs::read_to_string(p.join("out.jsonl")).expect("the export file");
    assert!(
        written == demo_export(),
        "--out wrote something else than stdout"
    );
    assert!(!p.join("out.jsonl.tmp").exists());
}

#[test]
fn another_format_is_refused_by_the_argument_parser() {
    let dir = demo();
    let run = run_in(
        dir.path(),
        &["--ledger", "demo.ledger", "export", "--format", "csv"],
    );
    assert_eq!(run.code, Some(2), "{run}");
    assert_eq!(run.stdout, "", "{run}");
    assert_contains(&run.stderr, &["invalid value 'csv'", "ledger-jsonl"]);
}

#[test]
fn one_changed_character_in_the_bytes_is_refused() {
    let mut all = lines(demo_export());
    // Line 6 holds seq 4. A base64 character well before the padding: any other
    // character of the alphabet still decodes.
    let line = &all[5];
    let start = line.find(r#""bytes":""#).expect("a bytes member") + 9;
    let at = start + 20;
    let old = line.as_bytes()[at];
    let new = if old == b'A' { "B" } else { "A" };
    all[5].replace_range(at..at + 1, new);
    let reason = refusal(&join(&all), "bytes.jsonl");
    assert!(
        reason.starts_with("line 6: `id` is "),
        "wrong line or member: {reason}"
    );
    assert_contains(&reason, &[" but the bytes hash to "]);
}

#[test]
fn one_changed_character_in_a_decoded_fact_is_refused() {
    let mut all = lines(demo_export());
    // Line 2 is the first source; its publisher is shown in the `entry` member.
    let needle = r#""publisher":"Wikipedia""#;
    assert_eq!(all[1].matches(needle).count(), 1, "{}", all[1]);
    all[1] = all[1].replace(needle, r#""publisher":"Wikipedio""#);
    let reason = refusal(&join(&all), "fact.jsonl");
    assert_eq!(
        reason,
        "line 2: `entry` does not match the entry in `bytes` (first difference at `entry.fact.publisher`)"
    );
}

#[test]
fn one_changed_character_in_the_final_root_is_refused() {
    let mut all = lines(demo_export());
    let last = all.len() - 1;
    let root = serde_json::from_str::<Value>(&all[last]).expect("a final line")["root"]
        .as_str()
        .expect("a root")
        .to_owned();
    let mut changed = root.clone();
    let digit = if &root[40..41] == "0" { "1" } else { "0" };
    changed.replace_range(40..41, digit);
    all[last] = all[last].replace(&root, &changed);
    let reason = refusal(&join(&all), "root.jsonl");
    assert_eq!(
        reason,
        format!("line 117: `root` is {changed} but the rebuilt ledger's root is {root}")
    );
}

#[test]
fn a_truncated_export_is_refused() {
    let mut all = lines(demo_export());
    all.pop();
    let reason = refusal(&join(&all), "short.jsonl");
    assert_eq!(
        reason,
        "line 116: the file ends after this line without its final size-and-root line (truncated?)"
    );
}

#[test]
fn an_unknown_member_is_refused() {
    let mut all = lines(demo_export());
    let mut line: Value = serde_json::from_str(&all[3]).expect("an entry line");
    line.as_object_mut()
        .expect("an object")
        .insert("note".to_owned(), json!("x"));
    all[3] = line.to_string();
    let reason = refusal(&join(&all), "member.jsonl");
    assert!(
        reason.starts_with("line 4: unknown member `note` in an entry line"),
        "{reason}"
    );
}

#[test]
fn an_empty_file_is_refused() {
    let reason = refusal("", "empty.jsonl");
    assert_eq!(
        reason,
        "line 1: the file is empty; a ledger-jsonl export starts with its header line"
    );
}

#[test]
fn a_header_of_another_version_is_refused() {
    let mut all = lines(demo_export());
    assert!(all[0].contains(r#""version":1,"#));
    all[0] = all[0].replace(r#""version":1,"#, r#""version":2,"#);
    let reason = refusal(&join(&all), "v2.jsonl");
    assert_eq!(
        reason,
        "line 1: `version` is 2; this sitrep reads ledger-jsonl version 1 only"
    );
}

#[test]
fn an_existing_ledger_is_not_overwritten() {
    let dir = demo();
    let p = dir.path();
    write_file(p, "demo.jsonl", demo_export());
    let before = tree(&p.join("demo.ledger"));
    let line = import(p, "demo.ledger", "demo.jsonl").error_line();
    assert_contains(
        &line,
        &["demo.ledger already exists; import creates a new ledger"],
    );
    assert!(tree(&p.join("demo.ledger")) == before, "the ledger changed");
}

/// A hand-made export of `facts`, recorded one second apart by `hand`, that is
/// internally consistent: ids, links, entry members, size, root and head.
fn hand_made(facts: Vec<Fact>) -> String {
    let origin = "hand/made";
    let genesis = Id::genesis(origin);
    let mut out = vec![
        json!({"sitrep": "ledger-jsonl", "version": 1, "origin": origin, "genesis": genesis})
            .to_string(),
    ];
    let mut prev = genesis;
    let mut ids = Vec::new();
    for (seq, fact) in facts.into_iter().enumerate() {
        let entry = Entry {
            version: FORMAT_VERSION,
            seq: Seq::new(seq as u64),
            prev,
            recorded_at: Timestamp::from_micros(1_706_529_600_000_000 + seq as i64 * 1_000_000),
            recorded_by: "hand".into(),
            fact,
        };
        let bytes = codec::encode_entry(&entry);
        let id = Id::of_entry(&bytes);
        out.push(
            json!({"seq": seq, "id": id, "prev": prev, "bytes": STANDARD.encode(&bytes), "entry": entry_json(&entry).expect("JSON")})
                .to_string(),
        );
        ids.push(*id.as_bytes());
        prev = id;
    }
    let size = ids.len() as u64;
    let root =
        merkle::root(&Blake3, &MemoryTree::from_leaf_hashes(&Blake3, ids), size).expect("a root");
    out.push(json!({"size": size, "root": Id::from_bytes(root), "head": prev}).to_string());
    join(&out)
}

fn facts(text: &str) -> Vec<Fact> {
    sitrep::input::parse("facts.jsonl", text.as_bytes())
        .expect("test facts parse")
        .into_iter()
        .map(|l| l.fact)
        .collect()
}

const SOURCE: &str =
    r#"{"key":"src/real","kind":"source","publisher":"Wire","type":"wire","party":false}"#;
const INCIDENT: &str = r#"{"key":"inc/x","kind":"incident","source":"SOURCE","incident":"x-1","direction":"on_us_forces","occurred":"2024-01-28","target":{"name":"Tower 22","country":"JO"},"attack_types":["drone"]}"#;

#[test]
fn a_hand_made_export_of_a_fact_append_would_refuse_is_refused() {
    // The control: the same construction with the source present is imported.
    let good = hand_made(facts(&format!(
        "{SOURCE}\n{}\n",
        INCIDENT.replace("SOURCE", "src/real")
    )));
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_file(dir.path(), "good.jsonl", &good);
    import(dir.path(), "good.ledger", "good.jsonl").success();
    run_in(dir.path(), &["--ledger", "good.ledger", "audit"]).success();

    // A lone incident whose source does not exist: every hash agrees, but the
    // ledger's own checks refuse it, as `sitrep append` does.
    let bad_fact = INCIDENT.replace("SOURCE", "src/missing");
    let reason = refusal(&hand_made(facts(&bad_fact)), "bad.jsonl");
    assert_eq!(
        reason,
        "line 2: the ledger refuses fact `inc/x`, as `sitrep append` would: at `source`: no source with key `src/missing` in the ledger or earlier in this batch"
    );
    let ledger = Ledger::new();
    let file = ledger.write("bad.jsonl", &bad_fact);
    let line = ledger.refuse(&["append", path_str(&file)]);
    assert_contains(&line, &["no source with key `src/missing`"]);
}
