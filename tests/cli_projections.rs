//! End-to-end tests of `project` and `replay` through the binary: the seed
//! corpus assertions of issue 3 (the February–April 2024 pause and how the
//! counting rule changes it, Tower 22, the stated counts, as-of points), a
//! correction flowing through incrementally, snapshots refused and rebuilt, a
//! view read back at the same head and recomputed after an append,
//! `replay --check` catching a difference, and every bad flag refused.

use serde_json::{json, Value};
use sitrep::journal::Journal;
use sitrep::projection::engine::{self, Cursor};
use sitrep::projection::picture::Picture;
use sitrep::projection::Projection;
use sitrep::Seq;

use crate::common::{assert_contains, path_str, Ledger};

/// A ledger built by `sitrep demo` from the seed corpus.
fn demo() -> Ledger {
    let ledger = Ledger::uninitialised();
    ledger.ok(&["demo"]);
    ledger
}

/// `--json project <args>`, parsed.
fn project(ledger: &Ledger, args: &[&str]) -> Value {
    let mut all = vec!["--json", "project"];
    all.extend_from_slice(args);
    let out = ledger.ok(&all);
    serde_json::from_str(out.trim()).expect("project --json prints one JSON object")
}

fn rows(table: &Value) -> &Vec<Value> {
    table["rows"].as_array().expect("rows")
}

fn row<'t>(table: &'t Value, key: &str) -> &'t Value {
    rows(table)
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {table:#}"))
}

fn pauses(table: &Value) -> Vec<(String, String)> {
    rows(table)
        .iter()
        .filter(|r| r["kind"] == "pause")
        .map(|r| {
            (
                r["from"].as_str().unwrap().to_owned(),
                r["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn rule_text(table: &Value) -> String {
    table["rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_spring_2024_pause_with_intercepted_attacks_excluded() {
    let ledger = demo();
    let table = project(&ledger, &["pauses", "--exclude-intercepted"]);
    assert_contains(
        &rule_text(&table),
        &["intercepted attacks excluded", "on_us_forces"],
    );
    let pause = row(&table, "pause 2024-02-04");
    assert_eq!(pause["to"], "2024-04-21", "{pause:#}");
    assert_eq!(pause["certain_days"], 77);
    assert_eq!(pause["last_before"]["incident"], "wiki/2024-02-04-al-omar");
    assert_eq!(
        pause["resumed_with"]["incident"],
        "wiki/2024-04-21-kharab-al-jir"
    );
    let statements = pause["statements"].as_array().unwrap();
    let suspension = statements
        .iter()
        .find(|s| s["statement"] == "wiki/statement/2024-01-30-kh-suspension")
        .expect("KH's 30 January suspension is shown beside the pause");
    assert_eq!(suspension["type"], "suspension");
    let resumption = statements
        .iter()
        .find(|s| s["statement"] == "antiwar/statement/kh-telegram-resumption")
        .expect("the Telegram resumption statement is shown beside the pause");
    assert_contains(
        resumption["status"].as_str().unwrap(),
        &[
            "denied (authorship) by Kataib Hezbollah",
            "fabricated news",
            "linked",
        ],
    );
    // The vaguely dated Ain al-Asad drone is not dropped: it may fall inside.
    assert_eq!(
        pause["undated_reports"][0]["incident"],
        "antiwar/ain-al-asad-drone"
    );
    // The human table says the same, rule first.
    let human = ledger.ok(&["project", "pauses", "--exclude-intercepted"]);
    assert_contains(
        &human,
        &[
            "rule: intercepted attacks excluded",
            "pause 2024-02-04 → 2024-04-21 (77 days, possibly 77)",
            "“fabricated news”",
        ],
    );
}

#[test]
fn including_intercepted_attacks_splits_the_pause_at_al_tanf() {
    let ledger = demo();
    let table = project(&ledger, &["pauses"]);
    assert_contains(&rule_text(&table), &["intercepted attacks included"]);
    let found = pauses(&table);
    assert!(
        found.contains(&("2024-02-04".into(), "2024-04-01".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("2024-04-01".into(), "2024-04-21".into())),
        "{found:?}"
    );
    assert!(
        !found.contains(&("2024-02-04".into(), "2024-04-21".into())),
        "{found:?}"
    );
    assert_eq!(
        row(&table, "pause 2024-02-04")["resumed_with"]["incident"],
        "wiki/2024-04-01-al-tanf"
    );
}

#[test]
fn active_periods_are_those_the_first_seed_gives() {
    let ledger = demo();
    // Above the sparse record's shorter lulls (at most 35 days), the active
    // periods are 17 Oct 2023 – 4 Feb 2024 and from April 2024.
    let table = project(&ledger, &["pauses", "--min-gap-days", "36"]);
    let active: Vec<(&str, &str)> = rows(&table)
        .iter()
        .filter(|r| r["kind"] == "active")
        .map(|r| (r["from"].as_str().unwrap(), r["to"].as_str().unwrap()))
        .collect();
    assert_eq!(active[0], ("2023-10-17", "2024-02-04"), "{active:?}");
    assert!(active[1].0.starts_with("2024-04"), "{active:?}");
    let timeline = project(&ledger, &["timeline", "--min-gap-days", "36"]);
    let marks: Vec<&str> = rows(&timeline)
        .iter()
        .filter(|r| r["kind"] == "pause")
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(marks[0], "pause 2024-02-04", "{marks:?}");
    // Timeline is in occurred order: Tower 22 comes before the pause mark.
    let keys: Vec<&str> = rows(&timeline)
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    let tower = keys
        .iter()
        .position(|k| *k == "wiki/2024-01-28-tower-22")
        .unwrap();
    let pause = keys.iter().position(|k| *k == "pause 2024-02-04").unwrap();
    assert!(tower < pause, "{keys:?}");
}

#[test]
fn tower_22_in_incidents_and_in_the_jordan_tally() {
    let ledger = demo();
    let incidents = project(&ledger, &["incidents"]);
    let tower = row(&incidents, "wiki/2024-01-28-tower-22");
    assert_eq!(tower["countries"], serde_json::json!(["JO"]));
    assert_eq!(tower["date"]["span"]["start"], "2024-01-28");
    assert_eq!(tower["date"]["agreed"], true);
    let us = tower["casualties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "us_military")
        .unwrap();
    assert_eq!(
        us["killed"]["range"],
        serde_json::json!({"low": 3, "high": 3})
    );
    assert_eq!(
        us["wounded"]["range"],
        serde_json::json!({"low": 47, "high": 47})
    );
    assert_eq!(
        us["killed"]["by_source"].as_array().unwrap().len(),
        3,
        "{us:#}"
    );
    assert_eq!(tower["sources"].as_array().unwrap().len(), 3);
    // The merged keys still resolve to it.
    assert_contains(
        &tower["aliases"].to_string(),
        &["antiwar/tower-22", "sofrep/late-jan-jordan-base"],
    );

    let tallies = project(&ledger, &["tallies", "--by", "country"]);
    let jordan = row(&tallies, "JO");
    assert_eq!(
        jordan["incidents"],
        serde_json::json!({"low": 1, "high": 1})
    );
    assert_eq!(jordan["killed"], serde_json::json!({"low": 3, "high": 3}));
    assert_eq!(
        jordan["wounded"],
        serde_json::json!({"low": 47, "high": 47})
    );
    assert_eq!(
        jordan["certain"],
        serde_json::json!(["wiki/2024-01-28-tower-22"])
    );
    let human = ledger.ok(&["project", "tallies", "--by", "country"]);
    assert!(
        human
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["JO", "1", "3", "47"]),
        "{human}"
    );
}

#[test]
fn tallies_group_by_several_keys_and_echo_the_rule() {
    let ledger = demo();
    let table = project(
        &ledger,
        &[
            "tallies",
            "--by",
            "country,month",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-31",
        ],
    );
    assert_eq!(table["by"], serde_json::json!(["country", "month"]));
    assert_contains(
        &rule_text(&table),
        &["from 2024-01-01 to 2024-01-31", "on_us_forces"],
    );
    let jordan = row(&table, "JO|2024-01");
    assert_eq!(jordan["incidents"]["low"], 1);
    // Incidents outside January are not counted at all.
    assert!(rows(&table).iter().all(|r| r["key"] != "SY|2023-10"));
    let csv = ledger.ok(&["project", "tallies", "--by", "country", "--csv"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("country,incidents,killed,wounded"));
    assert!(csv.lines().any(|l| l == "JO,1,3,47"), "{csv}");
}

#[test]
fn counts_stand_beside_the_ledgers_own_tally() {
    let ledger = demo();
    let table = project(&ledger, &["counts"]);
    for (key, stated) in [
        ("s001/count/pentagon-78-attacks", "a total of 78"),
        ("s001/count/iri-at-least-91-attacks", "at least 91"),
        ("wiki/count/attacks-more-than-170", "more than 170"),
        ("sofrep/count/attacks-over-100", "over 100"),
    ] {
        let r = row(&table, key);
        assert_contains(&r.to_string(), &[stated]);
        let tally = &r["ledger_tally"];
        assert!(tally["low"].is_u64(), "{key}: no ledger tally in {r:#}");
        assert!(
            tally["low"].as_u64().unwrap() > 0,
            "{key}: the ledger holds attacks in its window: {r:#}"
        );
        assert_eq!(tally["incidents"]["certain"], tally["low"], "{key}");
        assert!(tally.get("certain").is_none(), "{key}: listed unasked");
    }

    // --list-incidents names the incidents behind each tally.
    let listed = project(&ledger, &["counts", "--list-incidents"]);
    let tally = &row(&listed, "s001/count/pentagon-78-attacks")["ledger_tally"];
    let certain = tally["certain"].as_array().expect("listed");
    assert_eq!(json!(certain.len()), tally["incidents"]["certain"]);
    assert!(certain.iter().all(|k| k.is_string()));
    assert_contains(&listed["rule"].to_string(), &["--list-incidents"]);
}

#[test]
fn as_of_published_shows_nothing_published_later() {
    let ledger = demo();
    // Every seed source is undated; none was certainly published by then.
    let table = project(&ledger, &["incidents", "--as-of-published", "2023-12-01"]);
    assert!(rows(&table).is_empty(), "{table:#}");
    let left_out = table["left_out"].to_string();
    assert_contains(
        &left_out,
        &["wiki/source", "2025-06-23", "ap/source", "may be later"],
    );

    // With dated sources, only what was published by the day appears.
    let dated = Ledger::new();
    dated.append(
        "dated.jsonl",
        r#"{"key":"early","kind":"source","publisher":"Early Wire","type":"wire","party":false,"published":"2023-11-15"}
{"key":"late","kind":"source","publisher":"Late Wire","type":"wire","party":false,"published":"2024-01-10"}
{"key":"early/i","kind":"incident","source":"early","incident":"a","direction":"on_us_forces","occurred":"2023-11-14","target":{"name":"al-Asad","country":"IQ"}}
{"key":"late/i","kind":"incident","source":"late","incident":"b","direction":"on_us_forces","occurred":"2023-11-20","target":{"name":"al-Tanf","country":"SY"}}
{"key":"late/c","kind":"correction","source":"late","target":"early/i","reason":"wrong base","replacement":{"kind":"incident","source":"early","incident":"a","direction":"on_us_forces","occurred":"2023-11-14","target":{"name":"Erbil","country":"IQ"}}}
"#,
    );
    let then = project(&dated, &["incidents", "--as-of-published", "2023-12-01"]);
    let keys: Vec<&Value> = rows(&then).iter().map(|r| &r["key"]).collect();
    assert_eq!(keys, vec!["a"], "{then:#}");
    // The later correction is not applied either.
    assert_eq!(rows(&then)[0]["places"], serde_json::json!(["al-Asad"]));
    assert_contains(
        &then["left_out"].to_string(),
        &["late", "published 2024-01-10"],
    );
    let now = project(&dated, &["incidents"]);
    assert_eq!(rows(&now).len(), 2);
    assert_eq!(row(&now, "a")["places"], serde_json::json!(["Erbil"]));
}

#[test]
fn as_of_seq_and_recorded_cut_the_log() {
    let ledger = demo();
    // The demo records file N at 00:00 + N hours; 000 is Wikipedia (73 facts).
    let by_time = project(
        &ledger,
        &["incidents", "--as-of-recorded", "2026-01-01T00:30:00Z"],
    );
    assert_eq!(by_time["entries"], 73);
    assert!(rows(&by_time)
        .iter()
        .all(|r| r["sources"] == serde_json::json!(["wiki/source"])));
    let by_seq = project(&ledger, &["incidents", "--as-of-seq", "72"]);
    assert_eq!(by_seq["rows"], by_time["rows"]);
    let early = project(&ledger, &["incidents", "--as-of-seq", "13"]);
    assert_eq!(early["entries"], 14);
    assert!(rows(&early).len() < rows(&by_seq).len());
    // Tallies at a cut are counted from the table's history.
    let tallies = |cut: &[&str]| {
        let mut args = vec!["tallies", "--by", "country"];
        args.extend(cut);
        project(&ledger, &args)
    };
    let by_time = tallies(&["--as-of-recorded", "2026-01-01T00:30:00Z"]);
    assert_eq!(by_time["entries"], 73);
    assert_eq!(tallies(&["--as-of-seq", "72"])["rows"], by_time["rows"]);
    assert_ne!(tallies(&[])["rows"], by_time["rows"]);
}

/// A correction of Tower 22's wounded figure, from a new source.
const CORRECTION: &str = r#"{"key":"fix/source","kind":"source","publisher":"Fact-check desk","type":"news_site","party":false}
{"key":"fix/tower-22-wounded","kind":"correction","source":"fix/source","target":"wiki/incident/2024-01-28-tower-22","reason":"later official figure","replacement":{"kind":"incident","source":"wiki/source","incident":"wiki/2024-01-28-tower-22","direction":"on_us_forces","occurred":"2024-01-28","target":{"name":"Tower 22","site":"tower-22","country":"JO","precision":"site"},"attack_types":["drone"],"outcome":"impact","casualties":[{"group":"us_military","killed":3,"wounded":"more than 40"}]}}
"#;

#[test]
fn a_correction_flows_into_incidents_and_tallies_incrementally() {
    let ledger = demo();
    // Catch the snapshot up to the head first, so the append's catch-up is
    // incremental (one new entry folded, not a replay).
    ledger.ok(&["project", "incidents"]);
    let file = ledger.write("fix.jsonl", CORRECTION);
    ledger.ok(&["append", path_str(&file)]);
    let incidents = project(&ledger, &["incidents"]);
    let tower = row(&incidents, "wiki/2024-01-28-tower-22");
    assert_contains(&tower["status"].to_string(), &["corrected"]);
    let us = &tower["casualties"][0];
    assert_eq!(
        us["wounded"]["range"],
        serde_json::json!({"low": 41, "high": null})
    );
    let tallies = project(&ledger, &["tallies", "--by", "country"]);
    assert_eq!(
        row(&tallies, "JO")["wounded"],
        serde_json::json!({"low": 41, "high": null})
    );
    // The diff between before and after the correction names the row.
    let diff = project(&ledger, &["incidents", "--diff", "seq:114", "head"]);
    let changed: Vec<&Value> = rows(&diff).iter().map(|r| &r["key"]).collect();
    assert_eq!(changed, vec!["wiki/2024-01-28-tower-22"], "{diff:#}");
    assert_eq!(rows(&diff)[0]["change"], "changed");
    // And the incremental state equals a full rebuild.
    let check = ledger.run(&["replay", "--check"]);
    assert_eq!(check.code, Some(0), "{check}");
    assert_contains(&check.stdout, &["incremental state equals a full rebuild"]);
}

/// Opens the ledger through the library (the binary must not be running).
fn open(ledger: &Ledger) -> Journal {
    Journal::open(&ledger.path).expect("the ledger opens")
}

/// Removes the views kept at the head (`derived/view-*`), so that the next
/// `project` loads the picture snapshot instead of reading its last output.
fn forget_views(ledger: &Ledger) {
    let derived = ledger.path.join("derived");
    for entry in std::fs::read_dir(derived).expect("derived/") {
        let path = entry.expect("a derived file").path();
        let is_view = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("view-"));
        if is_view {
            std::fs::remove_file(path).expect("remove a kept view");
        }
    }
}

/// sled lets go of its file lock a moment after the last handle is dropped
/// (its background threads finish first), so before the binary runs again,
/// wait until a process can open the ledger.
fn wait_until_released(ledger: &Ledger) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while ledger.run(&["log", "--limit", "0"]).code != Some(0) {
        assert!(
            std::time::Instant::now() < deadline,
            "the ledger stayed locked after the library closed it"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn replay_check_exits_1_when_the_snapshot_differs_from_a_rebuild() {
    let ledger = demo();
    {
        let journal = open(&ledger);
        // A snapshot whose cursor matches the head but whose state is only the
        // first 50 entries: a bug in incremental catch-up would look like this.
        let mut partial = Picture::default();
        journal
            .scan(Seq::new(0), &mut |r| {
                if r.entry.seq.get() < 50 {
                    partial.apply(&r.entry);
                }
                true
            })
            .unwrap();
        let head = journal.head();
        // Its own entry count agrees with the cursor, so only the rebuild can
        // tell (a snapshot whose count disagrees is refused on load).
        partial.size = head.size;
        engine::store_snapshot(
            &journal,
            &partial,
            Cursor {
                size: head.size,
                last: head.last_id,
            },
        )
        .unwrap();
    }
    wait_until_released(&ledger);
    let check = ledger.run(&["replay", "--check"]);
    assert_eq!(check.code, Some(1), "{check}");
    assert_contains(&check.stdout, &["DIFFERENT", "replay --check:", "picture"]);
    // --check leaves the snapshot alone; plain replay replaces it.
    assert_eq!(ledger.run(&["replay", "--check"]).code, Some(1));
    ledger.ok(&["replay"]);
    assert_eq!(ledger.run(&["replay", "--check"]).code, Some(0));
}

#[test]
fn a_snapshot_that_does_not_match_the_log_is_refused_and_rebuilt() {
    let ledger = demo();
    let expected = ledger.ok(&["--json", "project", "pauses"]);
    {
        let journal = open(&ledger);
        let picture = engine::rebuild(&journal).unwrap();
        let head = journal.head();
        let wrong = sitrep::Id::of_entry(b"not the head");
        engine::store_snapshot(
            &journal,
            &picture,
            Cursor {
                size: head.size,
                last: wrong,
            },
        )
        .unwrap();
    }
    wait_until_released(&ledger);
    forget_views(&ledger);
    let run = ledger.run(&["--json", "project", "pauses"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_contains(
        &run.stderr,
        &[
            "projection snapshot refused",
            "does not match the log",
            "rebuilt",
        ],
    );
    assert_eq!(run.stdout, expected);
    // Rebuilt and stored: the next run is quiet.
    let again = ledger.run(&["project", "pauses"]);
    assert_eq!(again.stderr, "", "{again}");

    // A snapshot whose state holds fewer entries than its cursor says is
    // refused too.
    {
        let journal = open(&ledger);
        let mut picture = engine::rebuild(&journal).unwrap();
        picture.size -= 1;
        let head = journal.head();
        engine::store_snapshot(
            &journal,
            &picture,
            Cursor {
                size: head.size,
                last: head.last_id,
            },
        )
        .unwrap();
    }
    wait_until_released(&ledger);
    forget_views(&ledger);
    let run = ledger.run(&["--json", "project", "pauses"]);
    assert_contains(
        &run.stderr,
        &[
            "projection snapshot refused",
            "its state holds 114 entries but its cursor says 115",
        ],
    );
    assert_eq!(run.stdout, expected);

    // The snapshot is a file beside the database: damaged bytes there are
    // refused like any other bad snapshot, and a truncated one too.
    let file = ledger.path.join("derived").join("picture");
    let good = std::fs::read(&file).expect("the snapshot is a file in derived/");
    let mut damaged = good.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    for bytes in [damaged, good[..good.len() / 2].to_vec()] {
        std::fs::write(&file, bytes).unwrap();
        forget_views(&ledger);
        let run = ledger.run(&["--json", "project", "pauses"]);
        assert_contains(&run.stderr, &["projection snapshot refused"]);
        assert_eq!(run.stdout, expected);
    }
    assert_eq!(ledger.run(&["project", "pauses"]).stderr, "");
}

#[test]
fn statements_and_revisions_show_the_denial() {
    let ledger = demo();
    let statements = project(&ledger, &["statements"]);
    let denied = row(&statements, "antiwar/statement/kh-telegram-resumption");
    assert_contains(&denied.to_string(), &["fabricated news", "authorship"]);
    let revisions = project(&ledger, &["revisions"]);
    assert_contains(
        &revisions.to_string(),
        &[
            "antiwar/denial/kh-denies-resumption-statement",
            "links/merge/tower-22-2024-01",
        ],
    );
}

#[test]
fn bad_projection_flags_are_refused_naming_the_flag() {
    let ledger = demo();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["project", "casualties"],
            &[
                "unknown projection `casualties`",
                "incidents, tallies, pauses",
            ],
        ),
        (
            &["project", "tallies", "--by", "colour"],
            &["--by", "unknown key `colour`", "country, site, month"],
        ),
        (
            &["project", "incidents", "--by", "country"],
            &["--by applies only to `tallies`"],
        ),
        (
            &["project", "tallies", "--from", "2024-13-01"],
            &["--from", "2024-13-01"],
        ),
        (
            &["project", "tallies", "--to", "yesterday"],
            &["--to", "yesterday"],
        ),
        (
            &[
                "project",
                "tallies",
                "--from",
                "2024-05-01",
                "--to",
                "2024-04-01",
            ],
            &["--from 2024-05-01 is after --to 2024-04-01"],
        ),
        (
            &["project", "incidents", "--as-of-seq", "115"],
            &["as-of seq 115 is beyond the head", "115 entries"],
        ),
        (
            &["project", "incidents", "--as-of-seq", "many"],
            &["--as-of-seq", "many"],
        ),
        (
            &["project", "incidents", "--as-of-recorded", "noon"],
            &["--as-of-recorded", "noon"],
        ),
        (
            &["project", "incidents", "--as-of-published", "2023-02-30"],
            &["--as-of-published", "not a real calendar day"],
        ),
        (
            &["project", "pauses", "--min-gap-days", "0"],
            &["--min-gap-days", "at least 1"],
        ),
        (
            &["project", "incidents", "--min-gap-days", "5"],
            &["--min-gap-days applies only to"],
        ),
        (
            &["project", "tallies", "--list-incidents"],
            &["--list-incidents applies only to `counts`"],
        ),
        (
            &["project", "tallies", "--direction", "north"],
            &[
                "--direction",
                "north",
                "on_us_forces, us_strike, other or any",
            ],
        ),
        (
            &["project", "tallies", "--country", "Iraq"],
            &["--country", "Iraq", "two capital letters"],
        ),
        (
            &["project", "incidents", "--diff", "seq:1", "tuesday"],
            &["--diff", "tuesday"],
        ),
    ];
    for (args, needles) in cases {
        let line = ledger.refuse(args);
        assert_contains(&line, needles);
    }
}

#[test]
fn a_view_asked_again_at_the_same_head_is_read_back_and_never_stale() {
    let ledger = demo();
    let kept = ledger.path.join("derived").join("view-tallies");
    let args = ["project", "tallies", "--by", "country"];
    let first = ledger.ok(&args);
    assert!(kept.is_file(), "the output is kept at the head");
    // The kept bytes are what is printed: plant a different body with a
    // valid digest and it shows, which proves the second run read the file.
    let stored = std::fs::read(&kept).unwrap();
    let body_at = stored.len() - first.len();
    assert_eq!(&stored[body_at..], first.as_bytes());
    let planted = first.replace("JO", "XX");
    let mut bytes = stored[..body_at - 32].to_vec();
    bytes.extend_from_slice(blake3::hash(planted.as_bytes()).as_bytes());
    bytes.extend_from_slice(planted.as_bytes());
    std::fs::write(&kept, &bytes).unwrap();
    assert_eq!(ledger.ok(&args), planted);

    // Damaged bytes are not used: recomputed and kept again.
    let mut damaged = bytes.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    std::fs::write(&kept, &damaged).unwrap();
    assert_eq!(ledger.ok(&args), first);
    assert_eq!(ledger.ok(&args), first);

    // Other flags or another format are computed, not read back.
    let json = ledger.ok(&["--json", "project", "tallies", "--by", "country"]);
    assert!(json.starts_with('{'), "{json}");
    assert_ne!(ledger.ok(&["project", "tallies"]), first);

    // An append moves the head: the next run sees the new fact.
    std::fs::write(&kept, &bytes).unwrap();
    let report = ledger.write(
        "more.jsonl",
        r#"{"key":"cache/src","kind":"source","publisher":"Wire","type":"wire","party":false,"published":"2024-03-01"}
{"key":"cache/i","kind":"incident","source":"cache/src","incident":"cache-i","direction":"on_us_forces","occurred":"2024-02-28","target":{"name":"a new base","country":"KW"}}"#,
    );
    ledger.ok(&["append", path_str(&report)]);
    let after = ledger.ok(&args);
    assert!(after.contains("KW"), "{after}");
    assert!(!after.contains("XX"), "{after}");
}

/// `tallies` at the head is counted from the materialised incident table,
/// which `append` brings up to date: it must say what the whole picture says
/// (`replay --check` compares the table's tallies with the rebuilt
/// picture's), an earlier cut counted from the table's history must say what
/// the head said then, and a table file that does not match its manifest is
/// refused and rebuilt.
#[test]
fn tallies_at_the_head_come_from_the_materialised_table_and_agree_with_the_picture() {
    let ledger = demo();
    let table = |args: &[&str]| -> Value {
        let mut value = project(&ledger, args);
        value["as_of"] = Value::Null;
        value
    };
    let last_seq = |ledger: &Ledger| {
        (project(ledger, &["tallies"])["entries"].as_u64().unwrap() - 1).to_string()
    };
    let flags: [&[&str]; 3] = [
        &["tallies"],
        &["tallies", "--by", "country,month"],
        &[
            "tallies",
            "--by",
            "actor",
            "--direction",
            "any",
            "--from",
            "2024-01-01",
        ],
    ];
    let manifest = ledger.path.join("derived").join("incidents-manifest");
    ledger.ok(&["project", "tallies"]);
    assert!(manifest.is_file(), "the first tallies build the table");
    let then: Vec<Value> = flags.iter().map(|args| table(args)).collect();
    let seq_then = last_seq(&ledger);
    let report = ledger.write(
        "later.jsonl",
        r#"{"key":"table/src","kind":"source","publisher":"Wire","type":"wire","party":false,"published":"2024-03-02"}
{"key":"table/i","kind":"incident","source":"table/src","incident":"table-i","direction":"on_us_forces","occurred":"2024-03-01","target":{"name":"a new base","country":"KW"},"casualties":[{"group":"us_military","killed":"two"}]}
{"key":"table/merge","kind":"merge","source":"table/src","incidents":["table-i","s001/mon-al-shaddadi-missiles"],"surviving":"table-i","reason":"the same attack"}"#,
    );
    let before = std::fs::read(&manifest).unwrap();
    let appended = ledger.run(&["append", path_str(&report)]);
    assert_eq!(appended.code, Some(0), "{appended}");
    assert_eq!(appended.stderr, "", "{appended}");
    assert_ne!(
        std::fs::read(&manifest).unwrap(),
        before,
        "append updated the table"
    );
    let check = ledger.run(&["replay", "--check"]);
    assert_eq!(check.code, Some(0), "{check}");
    assert_contains(&check.stdout, &["tallies (table)"]);
    let history = ledger
        .path
        .join("derived")
        .join("incidents-history-manifest");
    assert!(
        !history.is_file(),
        "no as-of count has needed the history yet"
    );
    for (args, then) in flags.iter().zip(&then) {
        let mut earlier: Vec<&str> = args.to_vec();
        earlier.extend(["--as-of-seq", &seq_then]);
        assert_eq!(&table(&earlier), then, "{args:?}");
        assert_ne!(&table(args), then, "{args:?}: the append changed nothing");
    }
    assert!(history.is_file(), "an as-of count builds the history");
    let check = ledger.run(&["replay", "--check"]);
    assert_eq!(check.code, Some(0), "{check}");
    assert_contains(&check.stdout, &["table history", "same"]);
    let merged = project(&ledger, &["tallies", "--by", "country"]);
    assert!(merged.to_string().contains("table-i"), "{merged}");

    // A damaged summaries file: refused, rebuilt, the same answer.
    let expected = ledger.ok(&["--json", "project", "tallies", "--by", "country"]);
    let file = ledger
        .path
        .join("derived")
        .join("incidents-summaries-00000");
    std::fs::write(&file, b"damaged").unwrap();
    forget_views(&ledger);
    let run = ledger.run(&["--json", "project", "tallies", "--by", "country"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_contains(
        &run.stderr,
        &[
            "materialised incident table refused",
            "incidents-summaries-00000",
            "rebuilt",
        ],
    );
    assert_eq!(run.stdout, expected);
}
