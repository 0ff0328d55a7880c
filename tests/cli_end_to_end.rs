//! The `sitrep` binary end to end: create a ledger, append a report, revise it
//! (a correction by key, a denial by id prefix), and read it back with `show`,
//! `log` and `history`; re-appending is a no-op and every run sees the same
//! chain, gapless from the genesis value. Then the seed corpus in
//! `fixtures/seeds/` — which is required: these tests fail, not skip, without
//! it — appended in one call and file by file, and `sitrep demo` built from it.

#![allow(
    clippy::expect_used,
    reason = "test code, helpers included: a failed expectation is a failing test"
)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{
    assert_contains, json_lines, path_str, run_in, sitrep, str_field, tree, u64_field, Ledger, Run,
    NOW, RECORDER, REPORT,
};

/// A ledger holding `REPORT` (seq 0-3) and its revisions (seq 4-6): a second
/// source, a correction of `inc/asad` by key, and a denial of `st/suspension`
/// by id prefix.
struct Built {
    ledger: Ledger,
    report: PathBuf,
    revisions: PathBuf,
    /// `--json append` output of the report, then of the revisions.
    appended: Vec<Value>,
}

const CORRECTED_ASAD: &str = r#"{"source":"src/wire","incident":"asad-2024-01-20","direction":"on_us_forces","occurred":{"start":"2024-01-20","time":"18:30+03:00","raw":"At 6:30 p.m. Baghdad time"},"target":{"name":"Al-Asad Airbase","site":"ain-al-asad","country":"IQ"},"attack_types":["ballistic_missile","rocket"],"outcome":"partly_intercepted","casualties":[{"group":"us_military","wounded":{"low":1,"qualifier":"at_least","raw":"a number of"}}]}"#;

fn built() -> Built {
    let ledger = Ledger::new();
    let report = ledger.write("report.jsonl", REPORT);
    let mut appended = json_lines(&ledger.ok(&["--json", "append", path_str(&report)]));
    let statement_id = str_field(&appended[3], "id").to_owned();
    let revisions_text = format!(
        concat!(
            r#"{{"key":"src/kh-channel","kind":"source","publisher":"Kataib Hezbollah media office","type":"militia_channel","party":true}}"#,
            "\n",
            r#"{{"key":"corr/asad","kind":"correction","source":"src/wire","target":"inc/asad","reason":"updated: time of attack and injuries","replacement":{{"kind":"incident",{replacement}}}}}"#,
            "\n",
            r#"{{"key":"den/suspension","kind":"denial","source":"src/kh-channel","denier":{{"name":"Kataib Hezbollah","actor":"kataib-hezbollah","basis":"self_claim"}},"target":"{prefix}","type":"authorship","quote":"fabricated news"}}"#,
            "\n"
        ),
        replacement = &CORRECTED_ASAD[1..CORRECTED_ASAD.len() - 1],
        prefix = &statement_id[..10],
    );
    let revisions = ledger.write("revisions.jsonl", &revisions_text);
    appended.extend(json_lines(&ledger.ok(&[
        "--json",
        "append",
        path_str(&revisions),
    ])));
    Built {
        ledger,
        report,
        revisions,
        appended,
    }
}

fn keys(entries: &[Value]) -> Vec<&str> {
    entries.iter().map(|e| str_field(e, "key")).collect()
}

fn seqs(entries: &[Value]) -> Vec<u64> {
    entries.iter().map(|e| u64_field(e, "seq")).collect()
}

const ALL_KEYS: [&str; 7] = [
    "src/wire",
    "inc/tower22",
    "inc/asad",
    "st/suspension",
    "src/kh-channel",
    "corr/asad",
    "den/suspension",
];

#[test]
fn append_reports_each_fact_and_stores_prefix_targets_as_keys() {
    let Built {
        ledger, appended, ..
    } = built();
    assert_eq!(keys(&appended), ALL_KEYS);
    assert_eq!(seqs(&appended), (0..7).collect::<Vec<_>>());
    let kinds: Vec<&str> = appended.iter().map(|a| str_field(a, "kind")).collect();
    assert_eq!(
        kinds,
        [
            "source",
            "incident",
            "incident",
            "statement",
            "source",
            "correction",
            "denial"
        ]
    );
    for a in &appended {
        assert_eq!(str_field(a, "outcome"), "recorded", "{a}");
        let id = str_field(a, "id");
        assert!(
            id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{a}"
        );
    }
    // The denial named its target by id prefix; the ledger stores the key.
    let denial = ledger.show("den/suspension");
    assert_eq!(denial["fact"]["target"], "st/suspension");
    assert_eq!(denial["fact"]["quote"], "fabricated news");
    // The correction holds the full replacement, in canonical form.
    let correction = ledger.show("corr/asad");
    assert_eq!(correction["fact"]["target"], "inc/asad");
    let replacement = &correction["fact"]["replacement"];
    assert_eq!(replacement["kind"], "incident");
    assert_eq!(replacement["outcome"], "partly_intercepted");
    assert_eq!(replacement["occurred"]["time"], "18:30+03:00");
    assert_eq!(replacement["occurred"]["precision"], "day");
    // The human form of append says what it did and where the head is.
    let more = ledger.write(
        "one-more.jsonl",
        &format!(
            "{}\n{}\n",
            REPORT.lines().next().expect("a line"),
            REPORT
                .lines()
                .next()
                .expect("a line")
                .replace("src/wire", "src/wire2")
        ),
    );
    let out = ledger.ok(&["append", path_str(&more)]);
    let head = ledger.head();
    assert_eq!(head.size, 8);
    assert_eq!(
        out,
        format!(
            "`src/wire` already recorded at seq 0\nrecorded 1 fact(s), 1 already recorded; head: 8 entries, {}\n",
            head.id
        )
    );
}

#[test]
fn show_by_seq_key_and_id_prefix_agree() {
    let Built {
        ledger, appended, ..
    } = built();
    for a in &appended {
        let (key, id) = (str_field(a, "key"), str_field(a, "id"));
        let seq = u64_field(a, "seq").to_string();
        for what in [seq.as_str(), key, &id[..8], &id[..13], &id[..32]] {
            let shown = ledger.show(what);
            assert_eq!(str_field(&shown, "id"), id, "show {what}");
            assert_eq!(str_field(&shown, "key"), key, "show {what}");
            assert_eq!(shown["seq"], a["seq"], "show {what}");
        }
        // Upper-case hex is the same prefix.
        assert_eq!(
            str_field(&ledger.show(&id[..8].to_uppercase()), "id"),
            id,
            "upper-case prefix of {key}"
        );
        // The human form shows the same entry.
        let human = ledger.ok(&["show", &id[..8]]);
        assert_contains(
            &human,
            &[
                &format!("seq          {seq}\n"),
                &format!("id           {id}\n"),
                &format!("key          {key}\n"),
                &format!("recorded_at  {NOW}\n"),
                &format!("recorded_by  {RECORDER}\n"),
                "fact\n",
            ],
        );
    }
}

/// Every id prefix from 8 to 64 hex characters names its entry — in `show`,
/// in `history`, and as the target of a revision.
#[test]
fn full_ids_and_long_prefixes_resolve() {
    let Built {
        ledger, appended, ..
    } = built();
    let id = str_field(&appended[3], "id");
    for len in [8, 32, 33, 34, 40, 63, 64] {
        let shown = ledger.run(&["--json", "show", &id[..len]]);
        assert_eq!(
            shown.code,
            Some(0),
            "show with {len} hex characters\n{shown}"
        );
        let history = ledger.run(&["--json", "history", &id[..len]]);
        assert_eq!(
            history.code,
            Some(0),
            "history with {len} hex characters\n{history}"
        );
    }
    let retraction = format!(
        r#"{{"key":"ret/suspension","kind":"retraction","source":"src/wire","target":"{id}","reason":"entered_in_error"}}"#
    );
    let file = ledger.write("retract.jsonl", &retraction);
    let run = ledger.run(&["append", path_str(&file)]);
    assert_eq!(run.code, Some(0), "a full id as a target\n{run}");
    assert_eq!(
        ledger.show("ret/suspension")["fact"]["target"],
        "st/suspension"
    );
}

#[test]
fn log_filters_by_kind_seq_source_and_limit() {
    let Built { ledger, .. } = built();
    let all = ledger.log(&[]);
    assert_eq!(keys(&all), ALL_KEYS);
    for entry in &all {
        for field in ["seq", "id", "prev", "kind", "key", "recorded_at", "fact"] {
            assert!(!entry[field].is_null(), "no `{field}` in {entry}");
        }
        assert_eq!(str_field(entry, "recorded_at"), NOW);
        assert_eq!(str_field(entry, "recorded_by"), RECORDER);
        assert_eq!(u64_field(entry, "version"), 1);
        assert_eq!(entry["fact"]["kind"], entry["kind"], "{entry}");
    }

    let cases: [(&[&str], &[&str]); 9] = [
        (&["--kind", "incident"], &["inc/tower22", "inc/asad"]),
        (&["--kind", "correction"], &["corr/asad"]),
        (&["--kind", "retraction"], &[]),
        (&["--from-seq", "4"], &ALL_KEYS[4..]),
        (&["--from-seq", "7"], &[]),
        (
            &["--source", "src/wire"],
            &[
                "src/wire",
                "inc/tower22",
                "inc/asad",
                "st/suspension",
                "corr/asad",
            ],
        ),
        (
            &["--source", "src/kh-channel"],
            &["src/kh-channel", "den/suspension"],
        ),
        (&["--limit", "2"], &ALL_KEYS[..2]),
        (
            &[
                "--kind",
                "source",
                "--from-seq",
                "1",
                "--limit",
                "1",
                "--source",
                "src/kh-channel",
            ],
            &["src/kh-channel"],
        ),
    ];
    for (filters, expected) in cases {
        let got = ledger.log(filters);
        assert_eq!(keys(&got), expected, "log {}", filters.join(" "));
        // Each line is the same object as in the unfiltered log.
        for entry in &got {
            assert_eq!(&all[u64_field(entry, "seq") as usize], entry);
        }
    }

    // The human table: a header and one row per entry, with the short id.
    let human = ledger.ok(&["log", "--kind", "incident"]);
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 3, "{human}");
    assert!(lines[0].starts_with("SEQ  ID"), "{human}");
    let short = &str_field(&all[1], "id")[..12];
    assert!(
        lines[1].starts_with(&format!("1    {short}  incident")),
        "{human}"
    );

    // Bad filters are refused.
    let line = ledger.refuse(&["log", "--source", "src/nosuch"]);
    assert_contains(
        &line,
        &["--source: no source with key `src/nosuch` in this ledger"],
    );
    let run = ledger.run(&["log", "--kind", "rumour"]);
    assert_eq!(run.code, Some(2), "{run}");
    assert_contains(&run.stderr, &["unknown fact kind `rumour`"]);
}

/// `--limit 0` means no entries, in both output forms.
#[test]
fn log_limit_zero_lists_nothing() {
    let ledger = Ledger::with(REPORT);
    assert_eq!(keys(&ledger.log(&["--limit", "0"])), Vec::<&str>::new());
    let human = ledger.ok(&["log", "--limit", "0"]);
    assert_eq!(human.lines().count(), 1, "only the header:\n{human}");
}

#[test]
fn history_shows_corrections_and_denials_in_seq_order() {
    let Built {
        ledger, appended, ..
    } = built();
    let history = |what: &str| json_lines(&ledger.ok(&["--json", "history", what]));

    let asad = history("inc/asad");
    assert_eq!(keys(&asad), ["inc/asad", "corr/asad"]);
    assert_eq!(seqs(&asad), [2, 5]);
    // Asked by incident key, the same chain.
    assert_eq!(keys(&history("asad-2024-01-20")), ["inc/asad", "corr/asad"]);

    let statement_id = str_field(&appended[3], "id");
    for what in [
        "st/suspension",
        "3",
        &statement_id[..8],
        &statement_id[..32],
    ] {
        let chain = history(what);
        assert_eq!(
            keys(&chain),
            ["st/suspension", "den/suspension"],
            "history {what}"
        );
        assert_eq!(seqs(&chain), [3, 6]);
        assert_eq!(chain[1]["fact"]["quote"], "fabricated news");
    }
    // Untouched facts have a chain of one.
    assert_eq!(keys(&history("inc/tower22")), ["inc/tower22"]);

    let human = ledger.ok(&["history", "st/suspension"]);
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines[0], "history of fact `st/suspension`", "{human}");
    assert!(lines[1].starts_with("SEQ  RECORDED"), "{human}");
    assert!(lines[2].starts_with(&format!("3    {NOW}  statement  st/suspension")));
    assert!(lines[3].starts_with(&format!("6    {NOW}  denial     den/suspension")));
    assert_eq!(lines.len(), 4, "{human}");
    let human = ledger.ok(&["history", "asad-2024-01-20"]);
    assert!(
        human.starts_with("history of incident `asad-2024-01-20`\n"),
        "{human}"
    );
}

#[test]
fn reappending_the_same_files_is_a_no_op() {
    let Built {
        ledger,
        report,
        revisions,
        appended,
    } = built();
    let before = ledger.snapshot();
    let out = ledger.ok(&["append", path_str(&report)]);
    assert_eq!(
        out,
        format!(
            "`src/wire` already recorded at seq 0\n\
             `inc/tower22` already recorded at seq 1\n\
             `inc/asad` already recorded at seq 2\n\
             `st/suspension` already recorded at seq 3\n\
             recorded 0 fact(s), 4 already recorded; head: 7 entries, {}\n",
            before.0.id
        )
    );
    // The revisions name the denial's target by id prefix; still the same fact.
    let again = json_lines(&ledger.ok(&["--json", "append", path_str(&revisions)]));
    assert_eq!(keys(&again), ALL_KEYS[4..]);
    assert_eq!(seqs(&again), [4, 5, 6]);
    for a in &again {
        assert_eq!(str_field(a, "outcome"), "already_recorded", "{a}");
    }
    // Both files at once, and under a different clock: still nothing new.
    let mut cmd = ledger.cmd(&["append", path_str(&report), path_str(&revisions)]);
    cmd.env("SITREP_NOW", "2027-06-01T12:00:00Z");
    let out = Run::of(cmd, vec!["append".to_owned()]).success();
    assert_contains(
        &out,
        &["recorded 0 fact(s), 7 already recorded; head: 7 entries"],
    );
    assert_eq!(ledger.snapshot(), before);
    assert_eq!(before.0.id, str_field(&appended[6], "id"));
}

#[test]
fn reopening_shows_the_same_ledger() {
    let Built { ledger, .. } = built();
    let reads: [&[&str]; 6] = [
        &["log"],
        &["--json", "log"],
        &["show", "5"],
        &["--json", "show", "den/suspension"],
        &["history", "inc/asad"],
        &["--json", "history", "st/suspension"],
    ];
    let first: Vec<String> = reads.iter().map(|args| ledger.ok(args)).collect();
    let second: Vec<String> = reads.iter().map(|args| ledger.ok(args)).collect();
    assert_eq!(first, second);
}

#[test]
fn chain_is_gapless_and_starts_at_the_genesis() {
    let Built {
        ledger, appended, ..
    } = built();
    let log = ledger.log(&[]);
    assert_eq!(log.len(), 7);
    let mut prev = ledger.genesis.clone();
    for (i, entry) in log.iter().enumerate() {
        assert_eq!(u64_field(entry, "seq"), i as u64, "seqs are gapless from 0");
        assert_eq!(str_field(entry, "prev"), prev, "prev of seq {i}");
        assert_eq!(
            entry["id"], appended[i]["id"],
            "append and log agree on seq {i}"
        );
        prev = str_field(entry, "id").to_owned();
    }
    // The genesis is derived from the origin: two ledgers with the same origin
    // and the same input are the same ledger.
    let twin = Ledger::new();
    assert_eq!(twin.genesis, ledger.genesis);
    twin.ok(&["append", path_str(&ledger.root().join("report.jsonl"))]);
    assert_eq!(twin.log(&[]), log[..4]);
    // Another origin, another genesis, other ids.
    let other = Ledger::uninitialised();
    let out = json_lines(&other.ok(&["--json", "init", "--origin", "elsewhere"]));
    assert_eq!(out[0]["origin"], "elsewhere");
    assert_ne!(out[0]["genesis"], ledger.genesis.as_str());
}

#[test]
fn the_ledger_can_come_from_sitrep_ledger() {
    let Built { ledger, .. } = built();
    let explicit = ledger.ok(&["--json", "log"]);
    let mut cmd = sitrep();
    cmd.current_dir(ledger.root())
        .env("SITREP_LEDGER", &ledger.path)
        .args(["--json", "log"]);
    let from_env = Run::of(cmd, vec!["--json".to_owned(), "log".to_owned()]).success();
    assert_eq!(from_env, explicit);
}

// ---------------------------------------------------------------------------
// The seed corpus.

/// The seed corpus files in name order (the order `demo` embeds them in).
/// Panics when there are none: the corpus is required, not optional.
fn seed_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the seed corpus {} is required: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "jsonl"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{} holds no *.json files: the seed corpus is required",
        dir.display()
    );
    files
}

fn args_with_files<'a>(args: &[&'a str], files: &'a [PathBuf]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(files.iter().map(|f| path_str(f)));
    all
}

/// Follows the denial quoted "fabricated news" to the statement it denies.
fn denied_statement(ledger: &Ledger) -> String {
    let denials = ledger.log(&["--kind", "denial"]);
    let denial = denials
        .iter()
        .find(|d| d["fact"]["quote"] == "fabricated news")
        .unwrap_or_else(|| panic!("no denial quoting \"fabricated news\" in {denials:?}"));
    str_field(&denial["fact"], "target").to_owned()
}

#[test]
fn seed_corpus_appends_in_one_call_and_file_by_file() {
    let files = seed_files();

    let whole = Ledger::new();
    let out = whole.ok(&args_with_files(&["append"], &files));
    let head = whole.head();
    assert!(head.size > 0);
    assert_eq!(
        out,
        format!(
            "recorded {n} fact(s), 0 already recorded; head: {n} entries, {}\n",
            head.id,
            n = head.size
        )
    );

    let piecewise = Ledger::new();
    for file in &files {
        let out = piecewise.ok(&["append", path_str(file)]);
        assert_contains(&out, &[" 0 already recorded; head: "]);
    }
    // Same facts, same order, same clock: the same entries, whatever the batches.
    assert_eq!(piecewise.log(&[]), whole.log(&[]));

    // Re-appending everything is a no-op, in one call or file by file.
    let before = whole.snapshot();
    let out = whole.ok(&args_with_files(&["--json", "append"], &files));
    let outcomes = json_lines(&out);
    assert_eq!(outcomes.len() as u64, head.size);
    for (i, o) in outcomes.iter().enumerate() {
        assert_eq!(str_field(o, "outcome"), "already_recorded", "{o}");
        assert_eq!(u64_field(o, "seq"), i as u64);
    }
    assert_eq!(whole.snapshot(), before);
    for file in &files {
        let out = whole.ok(&["append", path_str(file)]);
        assert_contains(&out, &["recorded 0 fact(s), "]);
    }
    assert_eq!(whole.snapshot(), before);
}

#[test]
fn seed_corpus_keeps_the_denied_resumption_statement() {
    let files = seed_files();
    let ledger = Ledger::new();
    ledger.ok(&args_with_files(&["append"], &files));
    let statement = denied_statement(&ledger);
    let chain = json_lines(&ledger.ok(&["--json", "history", &statement]));
    assert!(chain.len() >= 2, "{chain:?}");
    let first = &chain[0];
    assert_eq!(str_field(first, "key"), statement);
    assert_eq!(str_field(first, "kind"), "statement");
    assert_eq!(first["fact"]["type"], "resumption");
    assert_eq!(first["fact"]["speaker"]["actor"], "kataib-hezbollah");
    let denial = chain
        .iter()
        .find(|e| e["kind"] == "denial")
        .expect("the chain holds the denial");
    assert_eq!(denial["fact"]["quote"], "fabricated news");
    assert_eq!(str_field(&denial["fact"], "target"), statement);
    let order = seqs(&chain);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
}

/// The head line of `demo`'s human output: (size, id).
fn demo_head(out: &str) -> (u64, String) {
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("head: "))
        .unwrap_or_else(|| panic!("no head line in:\n{out}"));
    let (size, id) = line
        .split_once(" entries, id ")
        .unwrap_or_else(|| panic!("odd head line: {line}"));
    (size.parse().expect("a size"), id.to_owned())
}

#[test]
fn demo_builds_the_seed_ledger_once() {
    let files = seed_files();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("demo.ledger");
    let p = path_str(&path);

    let out = run_in(dir.path(), &["--ledger", p, "demo"]).success();
    assert!(
        out.starts_with(&format!("sitrep demo: the seed corpus loaded into {p}\n")),
        "{out}"
    );
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("a name");
        assert_contains(&out, &[name]);
    }
    let (size, id) = demo_head(&out);
    assert!(size > 0);

    // The demo ledger is an ordinary ledger; the head printed is its head.
    let log = json_lines(&run_in(dir.path(), &["--ledger", p, "--json", "log"]).success());
    assert_eq!(log.len() as u64, size);
    assert_eq!(str_field(log.last().expect("entries"), "id"), id);
    assert!(log.iter().all(|e| e["recorded_by"] == "sitrep demo"));

    // It prints the history of the denied statement.
    let denial = log
        .iter()
        .find(|e| e["kind"] == "denial" && e["fact"]["quote"] == "fabricated news")
        .expect("the demo ledger holds the denial");
    let statement = str_field(&denial["fact"], "target");
    assert_contains(
        &out,
        &[
            "denied statement:\n",
            &format!("history of fact `{statement}`\n"),
            str_field(denial, "key"),
        ],
    );

    // Same corpus as `append`: the same facts, in the same order.
    let appended = Ledger::new();
    appended.ok(&args_with_files(&["append"], &files));
    let facts =
        |entries: &[Value]| -> Vec<Value> { entries.iter().map(|e| e["fact"].clone()).collect() };
    assert_eq!(facts(&appended.log(&[])), facts(&log));

    // Again on the same ledger: nothing new, the same head.
    let again = run_in(dir.path(), &["--ledger", p, "--json", "demo"]).success();
    let summary: Value = serde_json::from_str(again.trim()).expect("demo --json is one object");
    assert_eq!(summary["head"]["id"], id.as_str());
    assert_eq!(u64_field(&summary["head"], "size"), size);
    let mut already = 0;
    for f in summary["files"].as_array().expect("files") {
        assert_eq!(u64_field(f, "recorded"), 0, "{f}");
        already += u64_field(f, "already_recorded");
    }
    assert_eq!(already, size);
    let denied = &summary["denied_statements"][0];
    assert_eq!(denied[0]["key"], statement);
    assert!(denied
        .as_array()
        .expect("a chain")
        .iter()
        .any(|e| e["fact"]["quote"] == "fabricated news"));
    let human = run_in(dir.path(), &["--ledger", p, "demo"]).success();
    assert_eq!(demo_head(&human), (size, id));

    // A ledger that is not a demo ledger is refused.
    let other = Ledger::with(REPORT);
    let line = other.refuse(&["demo"]);
    assert_contains(
        &line,
        &["holds a ledger with origin `sitrep/ledger`, not a demo ledger"],
    );
}

#[test]
fn demo_without_a_ledger_uses_the_temporary_directory_and_says_where() {
    seed_files();
    let tmp = tempfile::tempdir().expect("a temporary directory for TMPDIR");
    let cwd = tempfile::tempdir().expect("a working directory");
    let mut cmd = sitrep();
    cmd.current_dir(cwd.path())
        .env("TMPDIR", tmp.path())
        .arg("demo");
    let out = Run::of(cmd, vec!["demo".to_owned()]).success();
    let expected = tmp.path().join("sitrep-demo.ledger");
    assert!(
        out.starts_with(&format!(
            "sitrep demo: the seed corpus loaded into {}\n",
            path_str(&expected)
        )),
        "{out}"
    );
    assert!(
        expected.join("db").is_file(),
        "no ledger at {}",
        expected.display()
    );
    assert!(
        tree(cwd.path()).is_empty(),
        "demo wrote in the working directory"
    );
    let log = json_lines(
        &run_in(
            cwd.path(),
            &["--ledger", path_str(&expected), "--json", "log"],
        )
        .success(),
    );
    assert_eq!(
        str_field(log.last().expect("entries"), "id"),
        demo_head(&out).1
    );
}
