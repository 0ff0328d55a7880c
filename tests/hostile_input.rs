//! The hostile input corpus (issue 5, item 5), through the real binary: every
//! case is `sitrep append FILE` on a ledger that already holds the four facts of
//! `REPORT`, and every case must end the same way — exactly one line on stderr
//! that names the place (file, line or array element, JSON path where there is
//! one), exit code 2, nothing on stdout, and the ledger exactly as it was: the
//! same `--json audit` size, root and head, and the same `--json log`.
//!
//! The large inputs are generated into the test's temporary directory, never
//! kept in the repository. Two of them are 4 GiB sparse files (a hole reads as
//! NUL bytes and costs no disk), which show that a file is refused at a limit
//! rather than read whole; for those and the 50 MB strings the child's peak
//! resident memory is measured — with GNU `/usr/bin/time -f %M` where it exists
//! (exact: the kernel's own maximum for the child), else by polling `VmHWM` in
//! `/proc/<pid>/status` while it runs (may miss a final spike), else not at all
//! (the case then checks only that the refusal came within its time limit) —
//! and compared with a baseline: the peak of refusing an empty file.

#![allow(
    clippy::expect_used,
    reason = "test code, helpers included: a failed expectation is a failing test"
)]

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{path_str, str_field, u64_field, Ledger, Run, NOW, RECORDER, REPORT};

const MIB: u64 = 1024 * 1024;

/// How long any one refusal may take in a debug build, generation excluded.
const MAX_REFUSAL: Duration = Duration::from_secs(20);

/// What a reader can see of a ledger: the audit's size, root and head (the
/// audit must pass) and the whole `--json log`.
#[derive(Debug, PartialEq, Eq)]
struct State {
    size: u64,
    root: String,
    head: String,
    log: String,
}

fn state(ledger: &Ledger) -> State {
    let audit: Value = serde_json::from_str(ledger.ok(&["--json", "audit"]).trim())
        .expect("audit --json prints one JSON object");
    assert_eq!(audit["verified"], true, "{audit}");
    State {
        size: u64_field(&audit, "size"),
        root: str_field(&audit, "root").to_owned(),
        head: str_field(&audit, "head").to_owned(),
        log: ledger.ok(&["--json", "log"]),
    }
}

/// How the child's peak resident memory was measured.
#[derive(Clone, Copy, Debug)]
enum Peak {
    /// By GNU time, from the kernel's accounting of the child (KiB).
    Exact(u64),
    /// The largest `VmHWM` seen while polling (KiB); a spike just before exit
    /// can be missed.
    Polled(u64),
    /// Neither is available on this platform.
    Unmeasured,
}

impl Peak {
    fn kib(self) -> Option<u64> {
        match self {
            Peak::Exact(k) | Peak::Polled(k) => Some(k),
            Peak::Unmeasured => None,
        }
    }
}

/// Whether GNU time (`-f`, `-o`) is at /usr/bin/time.
fn gnu_time() -> bool {
    static WORKS: OnceLock<bool> = OnceLock::new();
    *WORKS.get_or_init(|| {
        StdCommand::new("/usr/bin/time")
            .args(["-f", "%M", "-o", "/dev/null", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A refused append: the error line and how much memory it took.
struct Refused {
    line: String,
    peak: Peak,
}

/// A ledger holding `REPORT`, and the state to hold it to.
struct Corpus {
    ledger: Ledger,
    before: State,
}

impl Corpus {
    fn new() -> Corpus {
        let ledger = Ledger::with(REPORT);
        let before = state(&ledger);
        assert_eq!(before.size, 4);
        Corpus { ledger, before }
    }

    /// Writes `bytes` to `name` in the temporary directory.
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.ledger.root().join(name);
        std::fs::write(&path, bytes).expect("write a test input");
        path
    }

    /// `sitrep append <file>` must be refused: one line, exit 2, in time, and
    /// the ledger unchanged. Returns the line and the peak memory.
    fn refuse(&self, file: &Path) -> Refused {
        let args = ["append", path_str(file)];
        let started = Instant::now();
        let (run, peak) = self.run_measured(&args);
        let elapsed = started.elapsed();
        let line = run.error_line();
        assert!(
            elapsed < MAX_REFUSAL,
            "refusing {} took {elapsed:?}",
            file.display()
        );
        assert_eq!(
            state(&self.ledger),
            self.before,
            "a refused append changed the ledger: {line}"
        );
        Refused { line, peak }
    }

    /// Refuses `name` holding `bytes` and checks the whole line: `expected`
    /// with `{file}` standing for the file's path.
    fn refuse_exactly(&self, name: &str, bytes: &[u8], expected: &str) -> Refused {
        let file = self.write(name, bytes);
        let refused = self.refuse(&file);
        let expected = format!(
            "sitrep: error: {}",
            expected.replace("{file}", path_str(&file))
        );
        assert_eq!(refused.line, expected);
        refused
    }

    fn run_measured(&self, args: &[&str]) -> (Run, Peak) {
        let sitrep = assert_cmd::cargo::cargo_bin("sitrep");
        let mut all = vec!["--ledger", self.ledger.arg()];
        all.extend_from_slice(args);
        let describe: Vec<String> = all.iter().map(|a| (*a).to_owned()).collect();
        let env = |cmd: &mut StdCommand| {
            cmd.current_dir(self.ledger.root())
                .env("SITREP_NOW", NOW)
                .env("SITREP_RECORDED_BY", RECORDER)
                .env_remove("SITREP_LEDGER");
        };
        if gnu_time() {
            let report = self.ledger.root().join(".peak");
            let mut cmd = StdCommand::new("/usr/bin/time");
            cmd.arg("-f").arg("%M").arg("-o").arg(&report).arg(&sitrep);
            cmd.args(&all);
            env(&mut cmd);
            let run = Run::of(assert_cmd::Command::from_std(cmd), describe);
            let text = std::fs::read_to_string(&report).expect("time -o wrote its report");
            // GNU time adds "Command exited with non-zero status 2" first.
            let kib = text
                .lines()
                .filter_map(|l| l.trim().parse::<u64>().ok())
                .next_back()
                .expect("time printed the peak in KiB");
            return (run, Peak::Exact(kib));
        }
        let mut cmd = StdCommand::new(&sitrep);
        cmd.args(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        env(&mut cmd);
        let mut child = cmd.spawn().expect("spawn sitrep");
        let status = format!("/proc/{}/status", child.id());
        let mut polled = None;
        while child.try_wait().expect("poll the child").is_none() {
            let hwm = std::fs::read_to_string(&status).ok().and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            });
            polled = polled.max(hwm);
            std::thread::sleep(Duration::from_millis(2));
        }
        let output = child.wait_with_output().expect("the child's output");
        let run = Run {
            args: describe,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        (run, polled.map_or(Peak::Unmeasured, Peak::Polled))
    }

    /// The peak of refusing an empty file: what the process needs anyway.
    fn baseline(&self) -> Peak {
        let empty = self.write("baseline-empty.jsonl", b"");
        self.refuse(&empty).peak
    }

    /// Asserts `peak` is at most `allowance` MiB above the baseline, and says
    /// what was measured (visible with `--nocapture`).
    fn assert_bounded(&self, what: &str, peak: Peak, allowance_mib: u64) {
        let base = self.baseline();
        eprintln!("hostile_input: {what}: peak {peak:?}, baseline {base:?}");
        if let (Some(peak), Some(base)) = (peak.kib(), base.kib()) {
            assert!(
                peak <= base + allowance_mib * 1024,
                "{what}: peak {peak} KiB, more than {allowance_mib} MiB above the baseline {base} KiB"
            );
        }
    }
}

/// A valid source fact with this key.
fn source(key: &str) -> String {
    format!(
        r#"{{"key":"{key}","kind":"source","publisher":"Publisher of {key}","type":"wire","party":false}}"#
    )
}

/// An incident from `src/wire` with `occurred` and extra members spliced in.
fn incident(key: &str, occurred: &str, extra: &str) -> String {
    format!(
        r#"{{"key":"{key}","kind":"incident","source":"src/wire","incident":"{key}-event","direction":"other","occurred":{occurred},"target":{{"name":"Somewhere"}}{extra}}}"#
    )
}

/// A correction of `target` whose replacement is an incident.
fn correction(key: &str, target: &str) -> String {
    format!(
        r#"{{"key":"{key}","kind":"correction","source":"src/wire","target":"{target}","reason":"new figures","replacement":{{"kind":"incident","source":"src/wire","incident":"asad-2024-01-20","direction":"on_us_forces","occurred":"2024-01-20","target":{{"name":"Al-Asad Airbase"}}}}}}"#
    )
}

fn denial(key: &str, target: &str) -> String {
    format!(
        r#"{{"key":"{key}","kind":"denial","source":"src/wire","denier":{{"name":"Kataib Hezbollah"}},"target":"{target}","type":"authorship"}}"#
    )
}

#[test]
fn truncated_json_names_the_line_and_column() {
    let corpus = Corpus::new();
    let third = source("s/cut");
    let cut = &third[..40];
    let text = format!("{}\n{}\n{cut}", source("s/one"), source("s/two"));
    corpus.refuse_exactly(
        "truncated.jsonl",
        text.as_bytes(),
        &format!(
            "{{file}}:3:{}: malformed JSON: EOF while parsing a string",
            cut.len()
        ),
    );
    // An array cut after its first element.
    let text = format!("[\n  {},\n  {{\"key\": ", source("s/one"));
    corpus.refuse_exactly(
        "truncated.json",
        text.as_bytes(),
        "{file}:3:10: malformed JSON: EOF while parsing a value",
    );
}

#[test]
fn deeply_nested_json_is_refused_at_the_parser_limit() {
    let corpus = Corpus::new();
    let deep = "[".repeat(100_000);
    corpus.refuse_exactly(
        "nested.json",
        deep.as_bytes(),
        "{file}:1:128: malformed JSON: recursion limit exceeded (the JSON is nested more than 128 levels deep)",
    );
    // Inside a fact, on line 2, in a JSON Lines file (brackets never close).
    let text = format!(
        "{}\n{{\"key\":\"s/deep\",\"kind\":\"source\",\"publisher\":{deep}\n",
        source("s/ok")
    );
    let prefix = r#"{"key":"s/deep","kind":"source","publisher":"#.len();
    corpus.refuse_exactly(
        "nested.jsonl",
        text.as_bytes(),
        &format!(
            "{{file}}:2:{}: malformed JSON: recursion limit exceeded (the JSON is nested more than 128 levels deep)",
            prefix + 127
        ),
    );
}

#[test]
fn invalid_utf8_names_the_offset_and_line() {
    let corpus = Corpus::new();
    let first = source("s/fine");
    let mut bytes = format!("{first}\n").into_bytes();
    let second = br#"{"key":"s/latin1","kind":"source","publisher":"caf"#;
    bytes.extend_from_slice(second);
    bytes.extend_from_slice(b"\xe9\",\"type\":\"wire\",\"party\":false}\n");
    let offset = first.len() + 1 + second.len();
    corpus.refuse_exactly(
        "latin1.jsonl",
        &bytes,
        &format!("{{file}}: not UTF-8 text (invalid byte at offset {offset}) on line 2"),
    );
    // An overlong encoding of `/`, in an array file.
    let mut bytes = b"[\n".to_vec();
    bytes.extend_from_slice(br#"{"key":"s/x","kind":"source","publisher":"a"#);
    bytes.extend_from_slice(b"\xc0\xaf\"}]");
    corpus.refuse_exactly(
        "overlong.json",
        &bytes,
        "{file}: not UTF-8 text (invalid byte at offset 45) on line 2",
    );
    // A lone surrogate written as an escape is not a character either.
    let text =
        r#"{"key":"s/sur","kind":"source","publisher":"\udc00","type":"wire","party":false}"#;
    let column = text.find("\\udc00").expect("the escape") + 6;
    corpus.refuse_exactly(
        "surrogate.jsonl",
        text.as_bytes(),
        &format!("{{file}}:1:{column}: malformed JSON: lone leading surrogate in hex escape"),
    );
}

#[test]
fn control_characters_in_strings_are_refused() {
    let corpus = Corpus::new();
    // Raw: not JSON at all.
    let raw = source("s/ctl").replace("Publisher of", "Publisher\u{1}of");
    let column = raw.find('\u{1}').expect("the control character") + 1;
    corpus.refuse_exactly(
        "raw-control.jsonl",
        raw.as_bytes(),
        &format!("{{file}}:1:{column}: malformed JSON: control character (\\u0000-\\u001F) found while parsing a string"),
    );
    // Escaped: valid JSON, refused as text, with the path.
    let allowed = "only tab and line feed are allowed in text (a control character can rewrite what a terminal shows)";
    let escape = source("s/ctl").replace("Publisher of", "\\u001b[2J\\u001b[31mPublisher of");
    corpus.refuse_exactly(
        "escape.jsonl",
        escape.as_bytes(),
        &format!("{{file}}:1: fact `s/ctl` (source): at `publisher`: contains the control character U+001B; {allowed}"),
    );
    let nested = incident(
        "inc/ctl",
        r#""2024-01-01""#,
        r#","casualties":[{"group":"civilians","killed":1},{"group":"unknown","note":"x\r\u0000"}]"#,
    );
    let text = format!("{}\n\n{nested}\n", source("s/ok"));
    corpus.refuse_exactly(
        "nested-control.jsonl",
        text.as_bytes(),
        &format!("{{file}}:3: fact `inc/ctl` (incident): at `casualties[1].note`: contains the control character U+000D; {allowed}"),
    );
    let key = source("s/\\u0007bell");
    corpus.refuse_exactly(
        "key-control.json",
        format!("[{key}]").as_bytes(),
        &format!(
            "{{file}} [element 0]: at `key`: contains the control character U+0007; {allowed}"
        ),
    );
}

#[test]
fn a_50_mb_string_is_refused_in_bounded_memory() {
    let corpus = Corpus::new();
    let huge = "x".repeat(50_000_000);
    // On one JSON Lines line: refused when the line passes 16 MiB.
    let line = source("s/huge").replace("Publisher of s/huge", &huge);
    let refused = corpus.refuse_exactly(
        "huge-string.jsonl",
        format!("{}\n{line}\n", source("s/ok")).as_bytes(),
        "{file}:2: the line is longer than 16 MiB; refusing to read it (in JSON Lines each fact is one line; is this a report file?)",
    );
    corpus.assert_bounded("50 MB string, JSON Lines", refused.peak, 40);
    // In an array document (under its 64 MiB limit): the fact is too large for
    // an entry, and refused before it reaches the ledger.
    let refused = corpus.refuse_exactly(
        "huge-string.json",
        format!("[{line}]").as_bytes(),
        "{file} [element 0]: fact `s/huge` (source): takes 50000022 bytes in the ledger's encoding; a fact may take at most 8 MiB (keep long texts in the source document and quote an excerpt)",
    );
    corpus.assert_bounded("50 MB string, JSON array", refused.peak, 250);
}

#[test]
fn multi_gigabyte_files_are_refused_at_a_limit_not_read_whole() {
    let corpus = Corpus::new();
    let sparse = |name: &str, head: &[u8]| {
        let path = corpus.write(name, head);
        File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(4 * 1024 * MIB))
            .expect("make a 4 GiB sparse file");
        path
    };
    let lines = sparse("4gib.jsonl", format!("{}\n", source("s/ok")).as_bytes());
    let refused = corpus.refuse(&lines);
    assert_eq!(
        refused.line,
        format!(
            "sitrep: error: {}:2: the line is longer than 16 MiB; refusing to read it (in JSON Lines each fact is one line; is this a report file?)",
            path_str(&lines)
        )
    );
    corpus.assert_bounded("4 GiB of NUL after one fact, JSON Lines", refused.peak, 40);

    let array = sparse("4gib.json", b"[");
    let refused = corpus.refuse(&array);
    assert_eq!(
        refused.line,
        format!(
            "sitrep: error: {}: the JSON document is larger than 64 MiB; split it into several files, or write it as JSON Lines (one fact per line)",
            path_str(&array)
        )
    );
    corpus.assert_bounded("4 GiB array", refused.peak, 160);

    // A pretty-printed value that never closes, over short lines.
    let mut open = String::from("{\"key\": \"s/open\", \"kind\": \"source\", \"publisher\": [\n");
    while open.len() < 70 * MIB as usize {
        open.push_str("  \"more\",\n");
    }
    let refused = corpus.refuse_exactly(
        "unclosed.json",
        open.as_bytes(),
        "{file}:1: the JSON value starting on this line runs on for more than 64 MiB (a bracket left open?); write one fact per line (JSON Lines)",
    );
    corpus.assert_bounded("unclosed value over 70 MiB of lines", refused.peak, 160);
}

#[test]
fn numbers_beyond_u64_are_refused() {
    let corpus = Corpus::new();
    let beyond = incident(
        "inc/beyond",
        r#""2024-01-01""#,
        r#","casualties":[{"group":"civilians","killed":18446744073709551616}]"#,
    );
    corpus.refuse_exactly(
        "beyond-u64.jsonl",
        beyond.as_bytes(),
        "{file}:1: fact `inc/beyond` (incident): at `casualties[0].killed`: 18446744073709552000 is larger than the largest count, 18446744073709551615",
    );
    let huge = incident(
        "inc/huge",
        r#""2024-01-01""#,
        r#","casualties":[{"group":"civilians","killed":1e400}]"#,
    );
    let column = huge.find("1e400").expect("the number") + 5;
    corpus.refuse_exactly(
        "beyond-f64.jsonl",
        huge.as_bytes(),
        &format!("{{file}}:1:{column}: malformed JSON: number out of range"),
    );
    let negative = incident(
        "inc/negative",
        r#""2024-01-01""#,
        r#","casualties":[{"group":"civilians","wounded":{"low":-1,"qualifier":"at_least"}}]"#,
    );
    let refused = corpus.refuse(&corpus.write("negative.jsonl", negative.as_bytes()));
    assert!(
        refused
            .line
            .contains(":1: fact `inc/negative` (incident): at `casualties[0].wounded.low`: "),
        "{}",
        refused.line
    );
}

#[test]
fn dates_out_of_range_are_refused() {
    let corpus = Corpus::new();
    for (name, occurred, expected) in [
        (
            "1899.jsonl",
            r#""1899-12-31""#,
            "at `occurred`: `1899-12-31` is out of range; years 1900..=2199 are accepted",
        ),
        (
            "2200.jsonl",
            r#"{"start":"2024-01-01","end":"2200-01-01"}"#,
            "at `occurred`: `2200-01-01` is out of range; years 1900..=2199 are accepted",
        ),
        (
            "year99999.jsonl",
            r#""99999-01-01""#,
            "at `occurred`: `99999-01-01` is not a date; expected YYYY-MM-DD",
        ),
        (
            "time.jsonl",
            r#"{"start":"2024-01-01","time":"25:61"}"#,
            "at `occurred.time`: `25:61` is not a time; expected HH:MM or HH:MM+03:00",
        ),
    ] {
        corpus.refuse_exactly(
            name,
            incident("inc/when", occurred, "").as_bytes(),
            &format!("{{file}}:1: fact `inc/when` (incident): {expected}"),
        );
    }
}

#[test]
fn a_fact_that_references_itself_is_refused() {
    let corpus = Corpus::new();
    corpus.refuse_exactly(
        "self-denial.jsonl",
        denial("d/self", "d/self").as_bytes(),
        "{file}:1: fact `d/self` (denial): at `target`: no fact with key `d/self`, and it is not an id prefix: `d/self` is not a hex id prefix (only 0-9 and a-f are allowed); nothing was written",
    );
    // A key that is also a well-formed id prefix is looked up as both.
    corpus.refuse_exactly(
        "self-correction.jsonl",
        correction("deadbeef", "deadbeef").as_bytes(),
        "{file}:1: fact `deadbeef` (correction): at `target`: no fact with key or id prefix `deadbeef` in the ledger or earlier in this batch; nothing was written",
    );
    let own_source = r#"{"key":"st/self","kind":"statement","source":"st/self","speaker":{"name":"A"},"type":"threat","text":"t","attribution":"own_channel"}"#;
    corpus.refuse_exactly(
        "self-source.jsonl",
        own_source.as_bytes(),
        "{file}:1: fact `st/self` (statement): at `source`: no source with key `st/self` in the ledger or earlier in this batch; nothing was written",
    );
}

#[test]
fn correction_cycles_cannot_be_written() {
    // A reference names a fact recorded earlier (in the ledger or the batch),
    // so a cycle would need a reference to a later fact, which is refused; and
    // a correction of a correction is refused outright.
    let corpus = Corpus::new();
    let text = format!(
        "{}\n{}\n",
        correction("c/a", "c/b"),
        correction("c/b", "c/a")
    );
    corpus.refuse_exactly(
        "cycle.jsonl",
        text.as_bytes(),
        "{file}:1: fact `c/a` (correction): at `target`: no fact with key `c/b`, and it is not an id prefix: `c/b` is not a hex id prefix (only 0-9 and a-f are allowed); nothing was written",
    );
    let text = format!(
        "{}\n{}\n",
        correction("c/a", "inc/asad"),
        correction("c/b", "c/a")
    );
    corpus.refuse_exactly(
        "chain.jsonl",
        text.as_bytes(),
        "{file}:2: fact `c/b` (correction): at `target`: `c/a` is a correction; point at the original fact instead; nothing was written",
    );
    // Denials may target denials, but only earlier ones.
    let text = format!("{}\n{}\n", denial("d/a", "d/b"), denial("d/b", "d/a"));
    let refused = corpus.refuse(&corpus.write("denials.jsonl", text.as_bytes()));
    assert!(
        refused
            .line
            .contains(":1: fact `d/a` (denial): at `target`: no fact with key `d/b`"),
        "{}",
        refused.line
    );
    // A replacement that points at its own correction.
    let text = format!(
        "{}\n{}\n",
        denial("d/first", "inc/asad"),
        r#"{"key":"c/loop","kind":"correction","source":"src/wire","target":"d/first","reason":"r","replacement":{"kind":"denial","source":"src/wire","denier":{"name":"X"},"target":"c/loop","type":"authorship"}}"#
    );
    corpus.refuse_exactly(
        "replacement-loop.jsonl",
        text.as_bytes(),
        "{file}:2: fact `c/loop` (correction): at `replacement.target`: no fact with key `c/loop` in the ledger or earlier in this batch (inside a replacement, name the target by its key); nothing was written",
    );
}

#[test]
fn a_merge_of_an_incident_into_itself_is_refused() {
    let corpus = Corpus::new();
    let expected = "at `incidents`: a merge needs at least two different incident keys, each named once; nothing was written";
    for (name, incidents) in [
        (
            "merge-twice.jsonl",
            r#"["tower22-2024-01-28","tower22-2024-01-28"]"#,
        ),
        ("merge-alone.jsonl", r#"["tower22-2024-01-28"]"#),
    ] {
        let text = format!(
            r#"{{"key":"m/self","kind":"merge","source":"src/wire","incidents":{incidents},"surviving":"tower22-2024-01-28","reason":"same"}}"#
        );
        corpus.refuse_exactly(
            name,
            text.as_bytes(),
            &format!("{{file}}:1: fact `m/self` (merge): {expected}"),
        );
    }
}

#[test]
fn an_id_prefix_of_zeros_matches_nothing() {
    let corpus = Corpus::new();
    assert!(
        !corpus.before.log.contains("\"id\":\"00000000"),
        "the fixed ledger has an id starting with zeros; pick another test prefix"
    );
    corpus.refuse_exactly(
        "zeros.jsonl",
        denial("d/zeros", "00000000").as_bytes(),
        "{file}:1: fact `d/zeros` (denial): at `target`: no fact with key or id prefix `00000000` in the ledger or earlier in this batch; nothing was written",
    );
    let all = "0".repeat(64);
    corpus.refuse_exactly(
        "zeros64.jsonl",
        denial("d/zeros", &all).as_bytes(),
        &format!("{{file}}:1: fact `d/zeros` (denial): at `target`: no fact with key or id prefix `{all}` in the ledger or earlier in this batch; nothing was written"),
    );
    corpus.refuse_exactly(
        "zeros4.jsonl",
        denial("d/zeros", "0000").as_bytes(),
        "{file}:1: fact `d/zeros` (denial): at `target`: no fact with key `0000`, and it is not an id prefix: id prefix `0000` is too short; give at least 8 hex characters; nothing was written",
    );
}

/// 99,999 valid sources, then `last` on line 100,000.
fn hundred_thousand_lines(last: &str) -> Vec<u8> {
    let mut text = String::with_capacity(100 * 100_000);
    for n in 0..99_999 {
        let _ = writeln!(
            text,
            r#"{{"key":"bulk/{n}","kind":"source","publisher":"P{n}","type":"wire","party":false}}"#
        );
    }
    text.push_str(last);
    text.push('\n');
    text.into_bytes()
}

#[test]
fn a_bad_100000th_line_writes_none_of_the_other_99999() {
    let corpus = Corpus::new();
    // Refused by the ledger: all 99,999 facts before it were read and checked.
    let orphan = r#"{"key":"st/orphan","kind":"statement","source":"src/nosuch","speaker":{"name":"A"},"type":"threat","text":"t","attribution":"own_channel"}"#;
    corpus.refuse_exactly(
        "bulk-orphan.jsonl",
        &hundred_thousand_lines(orphan),
        "{file}:100000: fact `st/orphan` (statement): at `source`: no source with key `src/nosuch` in the ledger or earlier in this batch; nothing was written",
    );
    // Refused by the reader.
    corpus.refuse_exactly(
        "bulk-syntax.jsonl",
        &hundred_thousand_lines(r#"{"key":"s/bad","kind":"source",,}"#),
        "{file}:100000:32: malformed JSON: key must be a string",
    );
    let line = corpus.ledger.refuse(&["show", "bulk/0"]);
    assert!(line.contains("no fact with key"), "{line}");
}

#[test]
fn an_empty_file_and_a_directory_are_refused() {
    let corpus = Corpus::new();
    corpus.refuse_exactly(
        "empty.jsonl",
        b"",
        "{file}: no facts found (the input is empty)",
    );
    corpus.refuse_exactly(
        "blank.json",
        b"\n \t\r\n",
        "{file}: no facts found (the input is empty)",
    );
    let dir = corpus.ledger.root().join("a-directory.jsonl");
    std::fs::create_dir(&dir).expect("mkdir");
    let refused = corpus.refuse(&dir);
    assert_eq!(
        refused.line,
        format!(
            "sitrep: error: {}: is a directory, not a report file",
            path_str(&dir)
        )
    );
}
