//! Bad input and bad ledgers, through the real binary. Every refusal must be one
//! line on stderr that names the file, the line (or array element) or the JSON
//! path, and what was expected; exit code 2; and the ledger exactly as it was —
//! same head, same log — or, for a directory that is not a ledger, nothing
//! created or changed in it.
//!
//! Id prefixes: the shortest accepted prefix is 8 hex characters (32 bits), so
//! two entries sharing one is rare. `ambiguous_id_prefix_is_refused_and_lists_the_matches`
//! builds a ledger where it happens anyway: 1024 sources plus one fact whose
//! title holds a nonce found offline by `grind_ambiguous_nonce` (ignored; see
//! its doc) so that its id shares its first 8 hex characters with one of them.

#![allow(
    clippy::expect_used,
    reason = "test code, helpers included: a failed expectation is a failing test"
)]

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use crate::common::{
    assert_contains, path_str, run_in, str_field, tree, u64_field, write_file, Ledger, NOW,
    RECORDER, REPORT,
};

/// Writes `text` to `name` beside `ledger`, appends it expecting a refusal, and
/// checks the ledger did not change and the message names the file. Returns the
/// message line and the file path as given to sitrep.
fn refused(ledger: &Ledger, name: &str, text: &str) -> (String, String) {
    let before = ledger.snapshot();
    let file = ledger.write(name, text);
    let file = path_str(&file).to_owned();
    let line = ledger.refuse(&["append", &file]);
    assert_eq!(
        ledger.snapshot(),
        before,
        "a refused append changed the ledger: {line}"
    );
    assert_contains(&line, &[&format!("sitrep: error: {file}")]);
    (line, file)
}

/// A valid source fact with this key.
fn source(key: &str) -> String {
    format!(
        r#"{{"key":"{key}","kind":"source","publisher":"Publisher of {key}","type":"wire","party":false}}"#
    )
}

/// An incident from `src/wire` with `fields` spliced in after the required ones
/// (`occurred` can be overridden by giving it in `occurred`).
fn incident(key: &str, occurred: &str, extra: &str) -> String {
    format!(
        r#"{{"key":"{key}","kind":"incident","source":"src/wire","incident":"{key}-event","direction":"other","occurred":{occurred},"target":{{"name":"Somewhere"}}{extra}}}"#
    )
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let ledger = Ledger::with(REPORT);
    let bad_line = r#"{"key":"s/bad","kind":"source",,"publisher":"p"}"#;
    let column = bad_line.find(",,").expect("two commas") + 2;
    let text = format!("{}\n{bad_line}\n", source("s/good"));
    let (line, file) = refused(&ledger, "malformed.jsonl", &text);
    assert_contains(
        &line,
        &[&format!(
            "{file}:2:{column}: malformed JSON: key must be a string"
        )],
    );

    // In an array file too, the position is line:column of the file.
    let text = format!(
        "[\n  {},\n  {{\"key\": \"s/x\" \"kind\": 1}}\n]\n",
        source("s/a")
    );
    let (line, file) = refused(&ledger, "malformed.json", &text);
    assert_contains(&line, &[&format!("{file}:3:"), "malformed JSON: expected"]);
}

#[test]
fn unknown_fact_kind_is_refused_with_the_kinds_expected() {
    let ledger = Ledger::with(REPORT);
    let text = format!(
        "{}\n{{\"key\":\"r/1\",\"kind\":\"rumour\"}}\n",
        source("s/ok")
    );
    let (line, file) = refused(&ledger, "kind.jsonl", &text);
    assert_contains(
        &line,
        &[
            &format!("{file}:2: at `kind`: unknown fact kind `rumour`"),
            "expected one of source, incident, count, claim, statement, denial, correction, retraction, merge",
        ],
    );
}

#[test]
fn unknown_field_is_refused_with_its_path_and_the_fields_expected() {
    let ledger = Ledger::with(REPORT);
    let text = r#"{"key":"s/colour","kind":"source","publisher":"p","type":"wire","party":false,"colour":"red"}"#;
    let (line, file) = refused(&ledger, "field.jsonl", text);
    assert_contains(
        &line,
        &[
            &format!("{file}:1: fact `s/colour` (source): at `colour`: unknown field `colour`"),
            "expected one of `publisher`, `type`, `party`",
        ],
    );

    // Nested, in an array file: the element and the full path.
    let text = format!(
        "[{},\n{}]",
        source("s/fine"),
        incident(
            "inc/nested",
            r#""2024-01-01""#,
            r#","launch":{"name":"x","colour":"red"}"#
        )
    );
    let (line, file) = refused(&ledger, "nested.json", &text);
    assert_contains(
        &line,
        &[&format!(
            "{file} [element 1]: fact `inc/nested` (incident): at `launch.colour`: unknown field `colour`, expected one of `name`"
        )],
    );
}

#[test]
fn missing_required_field_is_named() {
    let ledger = Ledger::with(REPORT);
    let text = r#"{"key":"s/anon","kind":"source","type":"wire","party":false}"#;
    let (line, file) = refused(&ledger, "missing.jsonl", text);
    assert_contains(
        &line,
        &[&format!(
            "{file}:1: fact `s/anon` (source): missing field `publisher`"
        )],
    );

    let text = r#"{"kind":"source","publisher":"p","type":"wire","party":false}"#;
    let (line, file) = refused(&ledger, "nokey.jsonl", text);
    assert_contains(&line, &[&format!("{file}:1: missing field `key`")]);
}

#[test]
fn a_fact_that_is_not_an_object_is_refused() {
    let ledger = Ledger::with(REPORT);
    let text = format!("[{}, 42]", source("s/one"));
    let (line, file) = refused(&ledger, "number.json", &text);
    assert_contains(
        &line,
        &[&format!(
            "{file} [element 1]: expected a JSON object for a fact, found a number"
        )],
    );
}

#[test]
fn input_that_is_not_utf8_is_refused() {
    let ledger = Ledger::with(REPORT);
    let before = ledger.snapshot();
    let file = ledger.root().join("latin1.jsonl");
    std::fs::write(&file, b"{\"key\":\"caf\xe9\"}").expect("write");
    let line = ledger.refuse(&["append", path_str(&file)]);
    assert_contains(
        &line,
        &[&format!(
            "{}: not UTF-8 text (invalid byte at offset 11)",
            path_str(&file)
        )],
    );
    assert_eq!(ledger.snapshot(), before);
}

#[test]
fn a_source_key_that_does_not_exist_is_refused() {
    let ledger = Ledger::with(REPORT);
    let text = r#"{"key":"st/orphan","kind":"statement","source":"src/nosuch","speaker":{"name":"Someone"},"type":"threat","text":"words","attribution":"own_channel"}"#;
    let (line, file) = refused(&ledger, "source.jsonl", text);
    assert_contains(
        &line,
        &[&format!(
            "{file}:1: fact `st/orphan` (statement): at `source`: no source with key `src/nosuch` in the ledger or earlier in this batch; nothing was written"
        )],
    );

    // A key that exists but is not a source.
    let text = text.replace("src/nosuch", "inc/asad");
    let (line, _) = refused(&ledger, "notsource.jsonl", &text);
    assert_contains(
        &line,
        &["at `source`: `inc/asad` is an incident (seq 2), not a source"],
    );

    // An incident key nobody has reported.
    let text = r#"{"key":"cl/1","kind":"claim","source":"src/wire","claimant":{"name":"IRI"},"incidents":["tower22-2024-01-28","no-such-event"],"mode":"video"}"#;
    let (line, file) = refused(&ledger, "claim.jsonl", text);
    assert_contains(
        &line,
        &[&format!(
            "{file}:1: fact `cl/1` (claim): at `incidents[1]`: no incident with key `no-such-event` has been reported"
        )],
    );
}

fn denial_of(key: &str, target: &str) -> String {
    format!(
        r#"{{"key":"{key}","kind":"denial","source":"src/wire","denier":{{"name":"Kataib Hezbollah"}},"target":"{target}","type":"authorship","quote":"fabricated"}}"#
    )
}

#[test]
fn a_target_that_does_not_exist_is_refused() {
    let ledger = Ledger::with(REPORT);
    let (line, file) = refused(&ledger, "target.jsonl", &denial_of("d/1", "st/nosuch"));
    assert_contains(
        &line,
        &[&format!(
            "{file}:1: fact `d/1` (denial): at `target`: no fact with key `st/nosuch`, and it is not an id prefix"
        )],
    );

    // A well-formed id prefix that matches nothing.
    let ids: Vec<String> = ledger
        .log(&[])
        .iter()
        .map(|e| str_field(e, "id").to_owned())
        .collect();
    let missing = (0u32..)
        .map(|n| format!("{n:08x}"))
        .find(|p| !ids.iter().any(|id| id.starts_with(p.as_str())))
        .expect("some prefix is unused");
    let (line, _) = refused(&ledger, "prefix.jsonl", &denial_of("d/2", &missing));
    assert_contains(
        &line,
        &[&format!(
            "at `target`: no fact with key or id prefix `{missing}` in the ledger or earlier in this batch"
        )],
    );

    // And through `show` and `history`.
    let line = ledger.refuse(&["show", &missing]);
    assert_contains(
        &line,
        &[&format!("no fact with key, id prefix or seq `{missing}`")],
    );
    let line = ledger.refuse(&["show", "99"]);
    assert_contains(
        &line,
        &["seq 99 is beyond the head: the ledger has 4 entries (seq 0 to 3)"],
    );
    let line = ledger.refuse(&["history", "nosuch"]);
    assert_contains(
        &line,
        &["`nosuch` is not a fact key, id prefix, seq or incident key in this ledger"],
    );
}

/// The first 4 hex characters of an id in the ledger that are not all digits
/// (all digits would be read as a seq number).
fn four_hex_of_some_id(ledger: &Ledger) -> String {
    ledger
        .log(&[])
        .iter()
        .map(|e| str_field(e, "id")[..4].to_owned())
        .find(|p| p.bytes().any(|b| b.is_ascii_alphabetic()))
        .expect("some id starts with a letter within 4 characters")
}

#[test]
fn too_short_id_prefix_is_refused_for_show_and_as_a_target() {
    let ledger = Ledger::with(REPORT);
    let short = four_hex_of_some_id(&ledger);
    let expected = format!("id prefix `{short}` is too short; give at least 8 hex characters");

    let line = ledger.refuse(&["show", &short]);
    assert_contains(&line, &[&expected]);
    let line = ledger.refuse(&["history", &short]);
    assert_contains(&line, &[&format!("`{short}` is not a fact key")]);

    let (line, file) = refused(&ledger, "short.jsonl", &denial_of("d/short", &short));
    assert_contains(
        &line,
        &[
            &format!("{file}:1: fact `d/short` (denial): at `target`:"),
            &expected,
        ],
    );
}

const CROWD: usize = 1024;
const AMBIGUOUS_ORIGIN: &str = "test/ambiguous-prefix";
/// Found by `grind_ambiguous_nonce`: with it, the last fact of `crowd` gets an id
/// whose first 8 hex characters are those of one of the 1024 sources before it.
const AMBIGUOUS_NONCE: u64 = 2_219_264;

/// 1024 sources and one more source whose title carries `nonce`, as JSON Lines.
fn crowd(nonce: u64) -> String {
    let mut text = String::new();
    for i in 0..CROWD {
        let _ = writeln!(
            text,
            r#"{{"key":"crowd/{i:04}","kind":"source","publisher":"Publisher {i}","type":"wire","party":false}}"#
        );
    }
    let _ = writeln!(
        text,
        r#"{{"key":"crowd/grind","kind":"source","publisher":"Grinder","type":"wire","party":false,"title":"nonce {nonce}"}}"#
    );
    text
}

#[test]
fn ambiguous_id_prefix_is_refused_and_lists_the_matches() {
    let ledger = Ledger::uninitialised();
    ledger.ok(&["init", "--origin", AMBIGUOUS_ORIGIN]);
    ledger.append("crowd.jsonl", &crowd(AMBIGUOUS_NONCE));
    let log = ledger.log(&[]);
    assert_eq!(log.len(), CROWD + 1);
    let mut by_prefix: HashMap<&str, Vec<&serde_json::Value>> = HashMap::new();
    for entry in &log {
        by_prefix
            .entry(&str_field(entry, "id")[..8])
            .or_default()
            .push(entry);
    }
    let (prefix, twins) = by_prefix.into_iter().find(|(_, v)| v.len() > 1).expect(
        "no two ids share 8 hex characters any more: the canonical encoding changed; \
             re-run grind_ambiguous_nonce (see its doc) and update AMBIGUOUS_NONCE",
    );
    let (a, b) = (twins[0], twins[1]);
    let listed = format!(
        "seq {} ({}), seq {} ({})",
        u64_field(a, "seq"),
        &str_field(a, "id")[..12],
        u64_field(b, "seq"),
        &str_field(b, "id")[..12]
    );
    let expected =
        format!("id prefix `{prefix}` is ambiguous: it matches {listed}; give more characters");

    let line = ledger.refuse(&["show", prefix]);
    assert_contains(&line, &[&expected]);
    let line = ledger.refuse(&["history", prefix]);
    assert_contains(&line, &[&expected]);

    // One more character tells them apart (or more, if they share it too).
    let (ia, ib) = (str_field(a, "id"), str_field(b, "id"));
    let differ = ia
        .bytes()
        .zip(ib.bytes())
        .position(|(x, y)| x != y)
        .expect("two different ids");
    assert_eq!(ledger.show(&ia[..=differ])["seq"], a["seq"]);

    let denial = format!(
        r#"{{"key":"d/ambiguous","kind":"denial","source":"crowd/0000","denier":{{"name":"Someone"}},"target":"{prefix}","type":"authorship"}}"#
    );
    let (line, file) = refused(&ledger, "ambiguous.jsonl", &denial);
    assert_contains(
        &line,
        &[
            &format!("{file}:1: fact `d/ambiguous` (denial): at `target`:"),
            &expected,
        ],
    );
}

/// Finds `AMBIGUOUS_NONCE`: appends the 1024 crowd sources to an in-memory
/// ledger exactly as the binary does (same origin, clock, recorder) and tries
/// nonces for the last fact until its id shares its first 4 bytes with one of
/// theirs (about 4 million tries; seconds in a release build). Run with
/// `cargo test --release --test integration -- --ignored grind_ambiguous_nonce --nocapture`.
#[test]
// Ignored because it is a search, not a check: it re-finds AMBIGUOUS_NONCE after a
// format change. The command above (also in the README) runs it.
#[ignore = "a search, not a test: it finds AMBIGUOUS_NONCE"]
fn grind_ambiguous_nonce() {
    use std::sync::atomic::{AtomicU64, Ordering};

    use sitrep::entry::FORMAT_VERSION;
    use sitrep::journal::{AppendOptions, Journal};
    use sitrep::time::{FixedClock, Timestamp};
    use sitrep::{codec, Entry, FactBody, Id, Seq};

    let mut facts: Vec<_> = sitrep::input::parse("crowd", crowd(0).as_bytes())
        .expect("the crowd parses")
        .into_iter()
        .map(|l| l.fact)
        .collect();
    let template = facts.pop().expect("the grind fact");
    let now = Timestamp::parse(NOW).expect("NOW parses");
    let mut journal = Journal::in_memory(AMBIGUOUS_ORIGIN).expect("a ledger");
    let options = AppendOptions {
        recorded_by: RECORDER.to_owned(),
        durable: false,
        dry_run: false,
    };
    journal
        .append(facts, &FixedClock(now), &options)
        .expect("the crowd appends");
    let mut seen: HashSet<[u8; 4]> = HashSet::new();
    journal
        .scan(Seq::new(0), &mut |record| {
            let mut first = [0u8; 4];
            first.copy_from_slice(&record.id.as_bytes()[..4]);
            seen.insert(first);
            true
        })
        .expect("scan");
    let head = journal.head();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let found = AtomicU64::new(u64::MAX);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (template, seen, found) = (&template, &seen, &found);
            scope.spawn(move || {
                let mut entry = Entry {
                    version: FORMAT_VERSION,
                    seq: Seq::new(head.size),
                    prev: head.last_id,
                    recorded_at: now,
                    recorded_by: RECORDER.into(),
                    fact: template.clone(),
                };
                let mut bytes = Vec::new();
                let mut nonce = t;
                while nonce < found.load(Ordering::Relaxed) {
                    if let FactBody::Source(s) = &mut entry.fact.body {
                        s.title = Some(format!("nonce {nonce}").into());
                    }
                    bytes.clear();
                    codec::encode_entry_into(&entry, &mut bytes);
                    let id = Id::of_entry(&bytes);
                    let mut first = [0u8; 4];
                    first.copy_from_slice(&id.as_bytes()[..4]);
                    if seen.contains(&first) {
                        found.fetch_min(nonce, Ordering::Relaxed);
                    }
                    nonce += threads;
                }
            });
        }
    });
    eprintln!("AMBIGUOUS_NONCE = {}", found.load(Ordering::Relaxed));
}

#[test]
fn quantity_with_low_above_best_names_the_path() {
    let ledger = Ledger::with(REPORT);
    let text = incident(
        "inc/casualties",
        r#""2024-01-01""#,
        r#","casualties":[{"group":"civilians","killed":1},{"group":"us_military","killed":{"low":5,"best":3,"qualifier":"range"}}]"#,
    );
    let (line, file) = refused(&ledger, "quantity.jsonl", &text);
    assert_contains(
        &line,
        &[&format!(
            "{file}:1: fact `inc/casualties` (incident): at `casualties[1].killed.low`: low 5 is greater than best 3; nothing was written"
        )],
    );
}

#[test]
fn end_date_before_start_is_refused() {
    let ledger = Ledger::with(REPORT);
    let text = incident(
        "inc/backwards",
        r#"{"start":"2024-02-04","end":"2024-01-30"}"#,
        "",
    );
    let (line, file) = refused(&ledger, "dates.jsonl", &text);
    assert_contains(
        &line,
        &[&format!(
            "{file}:1: fact `inc/backwards` (incident): at `occurred.end`: end date 2024-01-30 is before start date 2024-02-04"
        )],
    );
}

#[test]
fn impossible_calendar_day_is_refused() {
    let ledger = Ledger::with(REPORT);
    let text = format!(
        "{}\n\n{}\n",
        source("s/dated"),
        incident("inc/feb30", r#""2023-02-30""#, "")
    );
    let (line, file) = refused(&ledger, "feb30.jsonl", &text);
    assert_contains(
        &line,
        &[&format!(
            "{file}:3: fact `inc/feb30` (incident): at `occurred`: `2023-02-30` is not a real calendar day"
        )],
    );
}

#[test]
fn correction_with_a_replacement_of_another_kind_is_refused() {
    let ledger = Ledger::with(REPORT);
    let text = r#"{"key":"corr/1","kind":"correction","source":"src/wire","target":"inc/asad","reason":"wrong kind","replacement":{"kind":"statement","source":"src/wire","speaker":{"name":"A"},"type":"threat","text":"t","attribution":"own_channel"}}"#;
    let (line, file) = refused(&ledger, "correction.jsonl", text);
    assert_contains(
        &line,
        &[&format!(
            "{file}:1: fact `corr/1` (correction): at `replacement.kind`: the replacement is a statement but `inc/asad` is an incident; a correction must replace a fact of the same kind"
        )],
    );
}

#[test]
fn reused_key_with_different_content_names_the_seq() {
    let ledger = Ledger::with(REPORT);
    // Same key, another kind.
    let (line, file) = refused(&ledger, "reuse.jsonl", &source("inc/asad"));
    assert_contains(
        &line,
        &[&format!(
            "{file}:1: fact `inc/asad` (source): at `key`: key `inc/asad` is already used by a different fact (an incident) at seq 2"
        )],
    );
    // Same key and kind, one field changed.
    let changed = REPORT
        .lines()
        .nth(2)
        .expect("the asad line")
        .replace("2024-01-20", "2024-01-21");
    let (line, _) = refused(&ledger, "reuse2.jsonl", &changed);
    assert_contains(
        &line,
        &[
            "key `inc/asad` is already used by a different fact (an incident) at seq 2",
            "append a correction",
        ],
    );
}

#[test]
fn empty_input_is_refused() {
    let ledger = Ledger::with(REPORT);
    for (name, text) in [
        ("empty.jsonl", ""),
        ("blank.jsonl", " \n\n"),
        ("none.json", "[]"),
    ] {
        let (line, file) = refused(&ledger, name, text);
        assert_eq!(
            line,
            format!("sitrep: error: {file}: no facts found (the input is empty)")
        );
    }
    let before = ledger.snapshot();
    let line = ledger.run_with_stdin(&["append", "-"], "").error_line();
    assert_eq!(
        line,
        "sitrep: error: -: no facts found (the input is empty)"
    );
    assert_eq!(ledger.snapshot(), before);
}

#[test]
fn dry_run_writes_nothing_but_reports_what_would_be_recorded() {
    let ledger = Ledger::with(REPORT);
    let before = ledger.snapshot();
    let text = format!(
        "{}\n{}\n",
        source("s/new"),
        REPORT.lines().next().expect("the source line")
    );
    let file = ledger.write("new.jsonl", &text);
    let file = path_str(&file);

    let out = ledger.ok(&["append", "--dry-run", file]);
    assert_contains(
        &out,
        &[
            "`src/wire` already recorded at seq 0",
            "would record 1 fact(s), 1 already recorded; head: 5 entries, (dry run: nothing written)",
        ],
    );
    assert_eq!(ledger.snapshot(), before, "--dry-run wrote");

    let would = crate::common::json_lines(&ledger.ok(&["--json", "append", "--dry-run", file]));
    assert_eq!(ledger.snapshot(), before, "--json --dry-run wrote");
    assert_eq!(would.len(), 2, "{would:?}");
    assert_eq!(str_field(&would[0], "outcome"), "would_record");
    assert_eq!(str_field(&would[0], "key"), "s/new");
    assert_eq!(u64_field(&would[0], "seq"), 4);
    assert_eq!(str_field(&would[1], "outcome"), "already_recorded");

    // The real append records exactly what the dry run announced, id included.
    let did = ledger.append("new-again.jsonl", &text);
    assert_eq!(str_field(&did[0], "outcome"), "recorded");
    assert_eq!(did[0]["seq"], would[0]["seq"]);
    assert_eq!(
        did[0]["id"], would[0]["id"],
        "dry run and append disagree on the id"
    );
    assert_eq!(ledger.head().id, str_field(&did[0], "id"));

    // A dry run of bad input is refused like a real one.
    let before = ledger.snapshot();
    let bad = ledger.write("bad.jsonl", &source("inc/asad"));
    let line = ledger.refuse(&["append", "--dry-run", path_str(&bad)]);
    assert_contains(
        &line,
        &["already used by a different fact (an incident) at seq 2"],
    );
    assert_eq!(ledger.snapshot(), before);
}

#[test]
fn a_bad_third_fact_writes_none_of_the_batch() {
    let ledger = Ledger::with(REPORT);
    let text = format!(
        "{}\n{}\n{}\n",
        source("s/batch"),
        r#"{"key":"inc/batch","kind":"incident","source":"s/batch","incident":"batch-event","direction":"other","occurred":"2024-03-01","target":{"name":"Somewhere"}}"#,
        r#"{"key":"st/batch","kind":"statement","source":"s/missing","speaker":{"name":"A"},"type":"threat","text":"t","attribution":"own_channel"}"#
    );
    let (line, file) = refused(&ledger, "batch.jsonl", &text);
    assert_contains(
        &line,
        &[&format!(
            "{file}:3: fact `st/batch` (statement): at `source`: no source with key `s/missing`"
        )],
    );
    for key in ["s/batch", "inc/batch"] {
        let line = ledger.refuse(&["show", key]);
        assert_contains(&line, &[&format!("no fact with key `{key}`")]);
    }

    // Several files are one batch too: a good file is not written when a later
    // one is refused.
    let before = ledger.snapshot();
    let good = ledger.write("good.jsonl", &source("s/good"));
    let bad = ledger.write("bad.jsonl", &source("inc/asad"));
    let line = ledger.refuse(&["append", path_str(&good), path_str(&bad)]);
    assert_contains(&line, &[&format!("{}:1:", path_str(&bad))]);
    assert_eq!(ledger.snapshot(), before);
}

#[test]
fn a_directory_that_is_not_a_ledger_is_refused_and_left_alone() {
    let ledger = Ledger::with(REPORT);
    let report = ledger.write("ok.jsonl", &source("s/elsewhere"));
    let report = path_str(&report);
    let root = ledger.root();

    let empty = root.join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let cluttered = root.join("cluttered");
    std::fs::create_dir_all(cluttered.join("sub")).expect("mkdir");
    write_file(&cluttered, "notes.txt", "not a ledger\n");
    write_file(&cluttered, "db", "a file called db\n");
    std::fs::write(cluttered.join("sub/blob.bin"), [0u8, 159, 146, 150]).expect("write");

    for dir in [&empty, &cluttered] {
        let before = tree(dir);
        let d = path_str(dir);
        for args in [
            vec!["--ledger", d, "append", report],
            vec!["--ledger", d, "log"],
            vec!["--ledger", d, "show", "0"],
        ] {
            let line = run_in(root, &args).error_line();
            assert_contains(
                &line,
                &[&format!("{d} is not a sitrep ledger: no ledger database in the directory (create one with `sitrep init`)")],
            );
            assert_eq!(tree(dir), before, "`sitrep {}` touched {d}", args.join(" "));
        }
    }

    // init refuses a non-empty directory, and leaves it alone too.
    let before = tree(&cluttered);
    let d = path_str(&cluttered);
    let line = run_in(root, &["--ledger", d, "init"]).error_line();
    assert_contains(
        &line,
        &[&format!(
            "cannot create a ledger at {d}: the directory is not empty"
        )],
    );
    assert_eq!(tree(&cluttered), before);
    let line = ledger.refuse(&["init"]);
    assert_contains(&line, &["a ledger already exists there"]);

    // A path that does not exist is not created.
    let nowhere = root.join("nowhere");
    let n = path_str(&nowhere);
    let line = run_in(root, &["--ledger", n, "append", report]).error_line();
    assert_contains(
        &line,
        &[&format!(
            "no ledger at {n}: the directory does not exist (create one with `sitrep init`)"
        )],
    );
    assert!(!nowhere.exists(), "append created {n}");

    // A report that is a directory.
    let line = ledger.refuse(&["append", d]);
    assert_contains(&line, &[&format!("{d}: is a directory, not a report file")]);
}

/// `sitrep --ledger <ledger> append -` with standard input a pipe we hold:
/// it opens the ledger before it reads its input, and keeps it open until we
/// write to the pipe or close it.
fn spawn_holder(ledger: &Ledger) -> Child {
    StdCommand::new(assert_cmd::cargo::cargo_bin("sitrep"))
        .current_dir(ledger.root())
        .env("SITREP_NOW", NOW)
        .env("SITREP_RECORDED_BY", RECORDER)
        .env_remove("SITREP_LEDGER")
        .args(["--ledger", ledger.arg(), "append", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the holder")
}

#[test]
fn a_ledger_open_in_another_process_is_refused_promptly() {
    let ledger = Ledger::with(REPORT);
    let before = ledger.snapshot();
    let mut holder = spawn_holder(&ledger);

    // Probe with `log` until it is refused. Until the holder has opened the
    // ledger the probe gets in; and if the holder tried while a probe had it
    // open, the holder is the one refused — then start another holder.
    let deadline = Instant::now() + Duration::from_secs(20);
    let line = loop {
        std::thread::sleep(Duration::from_millis(50));
        if let Some(status) = holder.try_wait().expect("poll the holder") {
            let out = holder.wait_with_output().expect("the holder's output");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                status.code() == Some(2) && stderr.contains("is in use by another process"),
                "the holder exited on its own: {status:?} {stderr}"
            );
            holder = spawn_holder(&ledger);
            continue;
        }
        let started = Instant::now();
        let mut cmd = ledger.cmd(&["log"]);
        cmd.timeout(Duration::from_secs(10));
        let run = crate::common::Run::of(cmd, vec!["log".to_owned()]);
        if run.code != Some(0) {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "refusing a locked ledger took {:?}",
                started.elapsed()
            );
            let line = run.error_line();
            // In the instant between the holder taking the lock and writing its
            // process id, a refusal cannot name it yet: probe again.
            if line.contains(&format!("(process {})", holder.id())) {
                break line;
            }
            assert_contains(&line, &["is in use by another process"]);
        }
        assert!(
            Instant::now() < deadline,
            "the ledger never showed as in use"
        );
    };
    assert_contains(
        &line,
        &[&format!(
            "the ledger at {} is in use by another process (process {})",
            ledger.arg(),
            holder.id()
        )],
    );

    // A writer is refused the same way, promptly.
    let report = ledger.write("more.jsonl", &source("s/while-locked"));
    let started = Instant::now();
    let line = ledger.refuse(&["append", path_str(&report)]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_contains(&line, &["is in use by another process"]);

    // Let the holder go: it reads an empty standard input and refuses it.
    drop(holder.stdin.take());
    let out = holder.wait_with_output().expect("the holder exits");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "sitrep: error: -: no facts found (the input is empty)\n"
    );
    assert_eq!(ledger.snapshot(), before);
    // And the lock is gone with it.
    ledger.ok(&["append", path_str(&report)]);
}

#[test]
fn a_holder_that_receives_input_records_it() {
    // The other side of the lock test: a held `append -` that is then fed a
    // fact records it normally.
    let ledger = Ledger::with(REPORT);
    let mut holder = spawn_holder(&ledger);
    let mut stdin = holder.stdin.take().expect("piped stdin");
    writeln!(stdin, "{}", source("s/piped")).expect("write to the holder");
    drop(stdin);
    let out = holder.wait_with_output().expect("the holder exits");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(ledger.show("s/piped")["seq"], 4);
}

#[test]
fn a_ledger_of_an_unknown_format_version_is_refused() {
    let ledger = Ledger::with(REPORT);
    let before = ledger.snapshot();
    let set_format = |version: u16| {
        let db = sitrep::store::sled_config(&ledger.path)
            .open()
            .expect("open the ledger with sled");
        db.insert(b"m/format", version.to_be_bytes().to_vec())
            .expect("rewrite m/format");
        db.flush().expect("flush");
    };
    set_format(99);
    let report = ledger.write("more.jsonl", &source("s/v99"));
    for args in [
        vec!["log"],
        vec!["append", path_str(&report)],
        vec!["show", "0"],
    ] {
        let line = ledger.refuse(&args);
        assert_contains(
            &line,
            &[&format!(
                "the ledger at {} uses format version 99; this sitrep reads versions 1 to 5 only",
                ledger.arg()
            )],
        );
    }
    // Nothing else was touched: with the version put back, the ledger is as it was.
    set_format(3);
    assert_eq!(ledger.snapshot(), before);
}
