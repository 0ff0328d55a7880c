//! Unit tests of the report reader: locations, limits, streaming equivalence
//! and the messages of every refusal.

use std::io::{self, Read as _};

use super::*;

const SOURCE: &str =
    r#"{"key":"s1","kind":"source","publisher":"Wikipedia","type":"encyclopedia","party":false}"#;

#[test]
fn json_lines_carry_line_numbers() {
    let text = format!("{SOURCE}\n\n{SOURCE}\n");
    let facts = parse("f.jsonl", text.as_bytes()).unwrap();
    assert_eq!(facts[0].origin.line, Some(1));
    assert_eq!(facts[1].origin.line, Some(3));
    assert_eq!(facts[1].origin.to_string(), "f.jsonl:3");
}

#[test]
fn arrays_carry_element_numbers() {
    let text = format!("[\n{SOURCE},\n{SOURCE}\n]");
    let facts = parse("f.json", text.as_bytes()).unwrap();
    assert_eq!(facts[1].origin.element, Some(1));
}

#[test]
fn errors_name_the_place_and_the_path() {
    let bad = r#"{"key":"i1","kind":"incident","source":"s1","incident":"x","direction":"on_us_forces",
        "occurred":"2024-01-28","target":{"name":"Tower 22"},
        "casualties":[{"group":"us_military","killed":{"low":"3","qualifier":"exact"}}]}"#;
    let err = parse("r.jsonl", bad.as_bytes()).unwrap_err().to_string();
    assert!(
        err.starts_with("r.jsonl:1: fact `i1` (incident): at `casualties[0].killed"),
        "{err}"
    );
    let unknown =
        r#"{"key":"s","kind":"source","publisher":"p","type":"wire","party":false,"colour":1}"#;
    let err = parse("r.jsonl", unknown.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `colour`"), "{err}");
    let kind = r#"{"key":"s","kind":"rumour"}"#;
    let err = parse("r.jsonl", kind.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("unknown fact kind `rumour`"), "{err}");
    let missing = r#"{"key":"s","kind":"source","type":"wire","party":false}"#;
    let err = parse("r.jsonl", missing.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `publisher`"), "{err}");
}

#[test]
fn malformed_json_names_line_and_column() {
    let err = parse("r.jsonl", b"{\"key\": \n  \"s\",, }").unwrap_err();
    let matched = matches!(err, InputError::Syntax { line: 2, .. });
    assert!(matched, "{err}");
    let matched = matches!(parse("e.json", b"  \n"), Err(InputError::Empty(_)));
    assert!(matched);
    let matched = matches!(parse("b.json", b"\xff"), Err(InputError::NotText { .. }));
    assert!(matched);
}

fn limits() -> Limits {
    Limits {
        max_line_bytes: 1000,
        max_document_bytes: 4000,
        ..Limits::default()
    }
}

fn read_all(
    name: &str,
    input: impl io::Read,
    budget: &mut Budget,
) -> Result<Vec<Located>, InputError> {
    read(name, &mut io::BufReader::new(input), budget)
}

#[test]
fn endless_input_is_refused_at_a_limit_not_read_whole() {
    // Each of these inputs never ends: only a limit can stop the read.
    let two = format!("{SOURCE}\n{SOURCE}\n");
    let mut budget = Budget::new(limits());
    let err = read_all(
        "f.jsonl",
        two.as_bytes().chain(io::repeat(b'x')),
        &mut budget,
    );
    assert_eq!(
        err.unwrap_err().to_string(),
        "f.jsonl:3: the line is longer than 1000 bytes; refusing to read it (in JSON Lines each fact is one line; is this a report file?)"
    );
    assert!(budget.bytes() <= two.len() as u64 + 1000, "{budget:?}");

    let mut budget = Budget::new(limits());
    let err = read_all("a.json", b"[".chain(io::repeat(b' ')), &mut budget).unwrap_err();
    let matched = matches!(err, InputError::DocumentTooLarge { .. });
    assert!(matched, "{err}");
    assert!(err
        .to_string()
        .starts_with("a.json: the JSON document is larger than 4000 bytes;"));

    // An object that never closes, over many short lines.
    let mut budget = Budget::new(limits());
    let open = format!("{SOURCE}\n\n{{\"key\":\n");
    let err = read_all(
        "o.jsonl",
        open.as_bytes().chain(io::repeat(b'\n')),
        &mut budget,
    );
    assert_eq!(
        err.unwrap_err().to_string(),
        "o.jsonl:3: the JSON value starting on this line runs on for more than 4000 bytes (a bracket left open?); write one fact per line (JSON Lines)"
    );

    // Blank forever: the batch budget.
    let mut budget = Budget::new(Limits {
        max_batch_bytes: 10_000,
        ..limits()
    });
    let err = read_all("b.jsonl", io::repeat(b'\n'), &mut budget).unwrap_err();
    let matched = matches!(err, InputError::BatchTooLarge { .. });
    assert!(matched, "{err}");
    assert!(
        err.to_string()
            .contains("one append reads at most 10000 bytes of input; split the input"),
        "{err}"
    );
}

#[test]
fn a_syntax_error_is_preferred_to_a_size_limit() {
    // The value never balances, but line 2 is already malformed.
    let text = format!("{{\"key\": [\n  1,, \n{}", "\n".repeat(5000));
    let err = read_all("s.jsonl", text.as_bytes(), &mut Budget::new(limits())).unwrap_err();
    let matched = matches!(
        err,
        InputError::Syntax {
            line: 2,
            column: 5,
            ..
        }
    );
    assert!(matched, "{err}");
}

#[test]
fn the_batch_budget_spans_files() {
    let mut budget = Budget::new(Limits {
        max_batch_facts: 3,
        ..limits()
    });
    let two = format!("{SOURCE}\n{SOURCE}\n");
    assert_eq!(
        read_all("a.jsonl", two.as_bytes(), &mut budget)
            .unwrap()
            .len(),
        2
    );
    let array = format!("[{SOURCE}, {SOURCE}]");
    let err = read_all("b.json", array.as_bytes(), &mut budget).unwrap_err();
    assert_eq!(
        err.to_string(),
        "b.json [element 1]: one append reads at most 3 facts; split the input into several files and append them with separate `sitrep append` commands"
    );
}

#[test]
fn a_fact_too_large_for_an_entry_is_refused() {
    let big = SOURCE.replace("Wikipedia", &"w".repeat(600));
    let mut budget = Budget::new(Limits {
        max_fact_bytes: 500,
        ..limits()
    });
    let err = read_all("f.jsonl", big.as_bytes(), &mut budget).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("f.jsonl:1: fact `s1` (source): takes 6"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("a fact may take at most 500 bytes"),
        "{err}"
    );
    // The default limit leaves room for the entry's own fields.
    const { assert!(MAX_FACT_BYTES + 64 * 1024 < codec::MAX_ENTRY_BYTES) };
}

#[test]
fn positions_match_the_parser_on_the_whole_text() {
    // Whatever is skipped or gathered first, a syntax error is placed where
    // serde_json places it in the whole file.
    let pretty = SOURCE.replace(",", ",\n");
    for text in [
        "\n\n   {\"key\" 1}".to_owned(),
        "  \n [[1,\n 2,,]]".to_owned(),
        "   [ {\"a\" 2}]".to_owned(),
        format!("{pretty}\n\n  {{\"b\" 2}}"),
        format!("{SOURCE}{SOURCE} x"),
        "\n{\"a\": \"broken\nstring\"}\n".to_owned(),
        "{\"a\": [[[[\n]]]]]}".to_owned(),
        "{\"a\": 1".to_owned(),
    ] {
        let whole = serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .find_map(Result::err)
            .unwrap();
        let ours = parse("t", text.as_bytes()).unwrap_err();
        let matched = matches!(ours, InputError::Syntax { line, column, .. } if line == whole.line() && column == whole.column());
        assert!(matched, "{text:?}: ours {ours}, serde {whole}");
    }
}

#[test]
fn values_over_several_lines_and_several_per_line_are_read() {
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(SOURCE).unwrap()).unwrap();
    let text = format!("\n{pretty}\n{SOURCE} {SOURCE}\n\n  {pretty}");
    let facts = parse("p.json", text.as_bytes()).unwrap();
    let lines: Vec<_> = facts.iter().map(|f| f.origin.line).collect();
    let after = 2 + pretty.lines().count();
    assert_eq!(lines, [Some(2), Some(after), Some(after), Some(after + 2)]);
}

#[test]
fn invalid_utf8_names_its_offset_and_line() {
    let text = [SOURCE.as_bytes(), b"\n{\"key\":\"caf\xe9\"}\n"].concat();
    let err = parse("l.jsonl", &text).unwrap_err();
    let offset = SOURCE.len() + 1 + 11;
    assert_eq!(
        err.to_string(),
        format!("l.jsonl: not UTF-8 text (invalid byte at offset {offset}) on line 2")
    );
    let text = [b"\n [", SOURCE.as_bytes(), b",\n\"\xff\"]"].concat();
    let err = parse("l.json", &text).unwrap_err();
    let offset = 3 + SOURCE.len() + 3;
    assert_eq!(
        err.to_string(),
        format!("l.json: not UTF-8 text (invalid byte at offset {offset}) on line 3")
    );
}

#[test]
fn a_read_error_names_the_line() {
    struct Failing(usize);
    impl io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("the disk went away"));
            }
            let line = format!("{SOURCE}\n");
            self.0 -= 1;
            buf[..line.len()].copy_from_slice(line.as_bytes());
            Ok(line.len())
        }
    }
    let err = read_all("r.jsonl", Failing(2), &mut Budget::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "r.jsonl:3: cannot read the file: the disk went away"
    );
}

#[test]
fn control_characters_are_refused_with_their_path() {
    let with = |field: &str, text: &str| {
        SOURCE.replace(
            r#""party":false"#,
            &format!(r#""party":false,{field}:{text}"#),
        )
    };
    let cases = [
        (
            with(r#""title""#, r#""red \u001b[31m""#),
            "f:1: fact `s1` (source): at `title`: contains the control character U+001B; only tab and line feed are allowed in text",
        ),
        (
            with(r#""title""#, r#""over\rwrite""#),
            "at `title`: contains the control character U+000D",
        ),
        (
            with(r#""title""#, r#""c1 \u0085""#),
            "at `title`: contains the control character U+0085",
        ),
        (
            with(r#""x\u0000""#, "1"),
            "f:1: fact `s1` (source): a member name contains the control character U+0000",
        ),
        (
            r#"{"key":"i","kind":"incident","casualties":[{"group":"civilians"},{"note":"\u0007"}]}"#.to_owned(),
            "fact `i` (incident): at `casualties[1].note`: contains the control character U+0007",
        ),
        (
            SOURCE.replace(r#""s1""#, r#""s\u001b1""#),
            "f:1: at `key`: contains the control character U+001B",
        ),
    ];
    for (text, expected) in cases {
        let err = parse("f", text.as_bytes()).unwrap_err().to_string();
        assert!(err.contains(expected), "{text}\n{err}");
        assert!(!err.chars().any(is_forbidden_control), "echoed: {err:?}");
    }
    // Tab and line feed are text.
    let fine = with(r#""title""#, r#""one\ttwo\nthree""#);
    assert_eq!(parse("f", fine.as_bytes()).unwrap().len(), 1);
}

#[test]
fn nesting_beyond_the_parser_limit_is_named() {
    let deep = format!("{}{}", "{\"key\":".repeat(3), "[".repeat(100_000));
    let err = parse("d", deep.as_bytes()).unwrap_err().to_string();
    assert!(
        err.contains("malformed JSON: recursion limit exceeded (the JSON is nested more than 128 levels deep)"),
        "{err}"
    );
}
