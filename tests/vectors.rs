//! Known-answer vectors for the canonical encoding (docs/format.md): every case in
//! `fixtures/vectors/*.json` is rebuilt from its report-file form, encoded and
//! hashed, and must match the recorded bytes and id exactly. `SITREP_BLESS=1`
//! rewrites the recorded values instead (fixtures/vectors/README.md): a format
//! change, which must come with a new `FORMAT_VERSION`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Map, Value};
use sitrep::codec::{decode_entry, encode_entry, CodecError};
use sitrep::entry::{Entry, Seq, FORMAT_VERSION};
use sitrep::fact::{Fact, FactKind};
use sitrep::hash::Id;
use sitrep::input::{to_fact, Origin};
use sitrep::journal::{AppendOptions, FactOutcome, Journal};
use sitrep::time::{FixedClock, Timestamp};

/// Set to `1` to rewrite the expected values in the vector files.
const BLESS_VAR: &str = "SITREP_BLESS";

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("vectors")
}

fn blessing() -> bool {
    std::env::var(BLESS_VAR).is_ok_and(|v| v == "1")
}

/// One entry case, parsed, with what the file records for it.
struct EntryCase {
    /// `file: name`, for messages.
    label: String,
    origin: String,
    entry: Entry,
    /// Whether `prev` must be a chain link: the genesis value at seq 0, or the id
    /// of the case just before it in the file (same origin, previous seq).
    chained: bool,
    bytes: Vec<u8>,
    id: Id,
}

/// One genesis case.
struct GenesisCase {
    label: String,
    origin: String,
    genesis: Id,
}

#[derive(Default)]
struct Vectors {
    /// Entry cases grouped by file, in file order.
    files: Vec<Vec<EntryCase>>,
    genesis: Vec<GenesisCase>,
}

/// Every vector, read once per test binary. When blessing, the files are rewritten
/// here, before any test reads the values.
fn vectors() -> &'static Vectors {
    static VECTORS: OnceLock<Vectors> = OnceLock::new();
    VECTORS.get_or_init(load)
}

fn vector_files() -> Vec<PathBuf> {
    let dir = vectors_dir();
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| match e {
            Ok(e) => e.path(),
            Err(e) => panic!("cannot list {}: {e}", dir.display()),
        })
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no vector files in {}", dir.display());
    paths
}

fn load() -> Vectors {
    let bless = blessing();
    let mut out = Vectors::default();
    for path in vector_files() {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        let mut root: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: not JSON: {e}"));
        let cases = root
            .get_mut("cases")
            .and_then(Value::as_array_mut)
            .unwrap_or_else(|| panic!("{file}: expected an object with a `cases` array"));
        let mut entries: Vec<EntryCase> = Vec::new();
        for (i, case) in cases.iter_mut().enumerate() {
            let case = case
                .as_object_mut()
                .unwrap_or_else(|| panic!("{file}: case {i} is not an object"));
            let label = format!("{file}: {}", text_field(case, "name", &file));
            match text_field(case, "type", &label).as_str() {
                "genesis" => out.genesis.push(genesis_case(case, label, bless)),
                "entry" => {
                    let case = entry_case(case, label, i, entries.last(), bless);
                    entries.push(case);
                }
                other => panic!("{label}: unknown case type `{other}`"),
            }
        }
        if bless {
            if let Err(e) = fs::write(&path, render(&root)) {
                panic!("cannot write {file}: {e}");
            }
        }
        out.files.push(entries);
    }
    out
}

fn genesis_case(case: &mut Map<String, Value>, label: String, bless: bool) -> GenesisCase {
    let origin = text_field(case, "origin", &label);
    if bless {
        case.insert("genesis".into(), Id::genesis(&origin).to_hex().into());
    }
    let genesis = id_field(case, "genesis", &label);
    GenesisCase {
        label,
        origin,
        genesis,
    }
}

fn entry_case(
    case: &mut Map<String, Value>,
    label: String,
    index: usize,
    before: Option<&EntryCase>,
    bless: bool,
) -> EntryCase {
    let origin = text_field(case, "origin", &label);
    let seq = case
        .get("seq")
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{label}: `seq` must be a whole number"));
    let recorded_at = case
        .get("recorded_at")
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{label}: `recorded_at` must be microseconds (i64)"));
    let recorded_by = text_field(case, "recorded_by", &label);
    let fact_json = case
        .get("fact")
        .cloned()
        .unwrap_or_else(|| panic!("{label}: no `fact`"));
    let fact = parse_fact(fact_json, &label, index);
    let link = chain_link(&origin, seq, before);
    if bless {
        case.insert("version".into(), FORMAT_VERSION.into());
        if let Some(prev) = link {
            case.insert("prev".into(), prev.to_hex().into());
        }
    }
    let version = case
        .get("version")
        .and_then(Value::as_u64)
        .and_then(|v| u16::try_from(v).ok())
        .unwrap_or_else(|| panic!("{label}: `version` must be a u16"));
    let entry = Entry {
        version,
        seq: Seq::new(seq),
        prev: id_field(case, "prev", &label),
        recorded_at: Timestamp::from_micros(recorded_at),
        recorded_by: recorded_by.into(),
        fact,
    };
    if bless {
        let bytes = encode_entry(&entry);
        case.insert("bytes".into(), hex(&bytes).into());
        case.insert("id".into(), Id::of_entry(&bytes).to_hex().into());
    }
    let bytes_hex = text_field(case, "bytes", &label);
    let bytes = unhex(&bytes_hex).unwrap_or_else(|| panic!("{label}: `bytes` is not hex"));
    EntryCase {
        id: id_field(case, "id", &label),
        label,
        origin,
        entry,
        chained: link.is_some(),
        bytes,
    }
}

/// The `prev` a case must have when it is a chain link, if it is one.
fn chain_link(origin: &str, seq: u64, before: Option<&EntryCase>) -> Option<Id> {
    if seq == 0 {
        return Some(Id::genesis(origin));
    }
    before
        .filter(|b| b.origin == origin && b.entry.seq.get() + 1 == seq)
        .map(|b| b.id)
}

fn parse_fact(value: Value, label: &str, index: usize) -> Fact {
    let origin = Origin {
        file: label.to_owned(),
        line: None,
        element: Some(index),
    };
    let fact = to_fact(value, &origin).unwrap_or_else(|e| panic!("{label}: {e}"));
    if let Err(problem) = fact.check() {
        panic!("{label}: the fact is not valid: {problem:?}");
    }
    fact
}

fn text_field(case: &Map<String, Value>, field: &str, label: &str) -> String {
    match case.get(field) {
        Some(Value::String(s)) => s.clone(),
        _ => panic!("{label}: `{field}` must be a string (run with {BLESS_VAR}=1 to fill in expected values)"),
    }
}

fn id_field(case: &Map<String, Value>, field: &str, label: &str) -> Id {
    let text = text_field(case, field, label);
    Id::parse_hex(&text)
        .unwrap_or_else(|| panic!("{label}: `{field}` must be 64 hex characters, found `{text}`"))
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The vector file as written by a bless: one field per line, each value (and so
/// each fact, as in a report file) compact on its line.
fn render(root: &Value) -> String {
    let compact = |v: &Value| v.to_string();
    let mut out = String::from("{\n");
    let Value::Object(top) = root else {
        panic!("a vector file is an object")
    };
    for (i, (key, value)) in top.iter().enumerate() {
        let comma = if i + 1 < top.len() { "," } else { "" };
        let Value::Array(cases) = value else {
            let _ = writeln!(
                out,
                "  {}: {}{comma}",
                compact(&key.as_str().into()),
                compact(value)
            );
            continue;
        };
        let _ = writeln!(out, "  {}: [", compact(&key.as_str().into()));
        for (j, case) in cases.iter().enumerate() {
            let Value::Object(fields) = case else {
                panic!("a case is an object")
            };
            out.push_str("    {\n");
            for (k, (name, v)) in fields.iter().enumerate() {
                let sep = if k + 1 < fields.len() { "," } else { "" };
                let _ = writeln!(
                    out,
                    "      {}: {}{sep}",
                    compact(&name.as_str().into()),
                    compact(v)
                );
            }
            let sep = if j + 1 < cases.len() { "," } else { "" };
            let _ = writeln!(out, "    }}{sep}");
        }
        let _ = writeln!(out, "  ]{comma}");
    }
    out.push_str("}\n");
    out
}

/// Where two byte strings first differ, shown with some context.
fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let at = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let window = |b: &[u8]| hex(&b[at.saturating_sub(8).min(b.len())..(at + 8).min(b.len())]);
    format!(
        "lengths {} (expected) and {} (actual); first difference at byte {at}: expected …{}…, actual …{}…",
        expected.len(),
        actual.len(),
        window(expected),
        window(actual)
    )
}

fn entry_cases() -> impl Iterator<Item = &'static EntryCase> {
    vectors().files.iter().flatten()
}

#[test]
fn entries_encode_to_the_recorded_bytes_and_ids() {
    let mut checked = 0;
    for case in entry_cases() {
        assert_eq!(
            case.entry.version, FORMAT_VERSION,
            "{}: the vectors describe format version {FORMAT_VERSION}",
            case.label
        );
        let bytes = encode_entry(&case.entry);
        assert!(
            bytes == case.bytes,
            "{}: canonical bytes drifted: {}",
            case.label,
            first_difference(&case.bytes, &bytes)
        );
        assert_eq!(Id::of_entry(&bytes), case.id, "{}: id drifted", case.label);
        checked += 1;
    }
    assert!(checked > 0, "no entry cases");
}

#[test]
fn recorded_bytes_decode_to_the_entry_and_nothing_else() {
    for case in entry_cases() {
        let decoded = decode_entry(&case.bytes)
            .unwrap_or_else(|e| panic!("{}: recorded bytes do not decode: {e}", case.label));
        assert_eq!(
            decoded, case.entry,
            "{}: decode does not round-trip",
            case.label
        );
        let mut longer = case.bytes.clone();
        longer.push(0x00);
        let trailing_refused = matches!(decode_entry(&longer), Err(CodecError::Trailing(1)));
        assert!(
            trailing_refused,
            "{}: a trailing byte was accepted",
            case.label
        );
        let shorter = &case.bytes[..case.bytes.len() - 1];
        assert!(
            decode_entry(shorter).is_err(),
            "{}: a truncated entry was accepted",
            case.label
        );
    }
}

#[test]
fn genesis_values_match_and_seq_zero_points_at_them() {
    let v = vectors();
    assert!(!v.genesis.is_empty(), "no genesis cases");
    for case in &v.genesis {
        assert_eq!(
            Id::genesis(&case.origin),
            case.genesis,
            "{}: genesis drifted",
            case.label
        );
    }
    for case in entry_cases().filter(|c| c.entry.seq.get() == 0) {
        assert_eq!(
            case.entry.prev,
            Id::genesis(&case.origin),
            "{}: seq 0 must point at the genesis value",
            case.label
        );
    }
}

#[test]
fn chained_cases_link_by_id_and_never_go_back_in_time() {
    for file in &vectors().files {
        for pair in file.windows(2) {
            let (before, case) = (&pair[0], &pair[1]);
            if !case.chained || case.entry.seq.get() == 0 {
                continue;
            }
            assert_eq!(
                case.entry.prev, before.id,
                "{}: prev must be the id of the entry before it",
                case.label
            );
            assert!(
                case.entry.recorded_at >= before.entry.recorded_at,
                "{}: recorded_at goes back in time",
                case.label
            );
        }
    }
}

/// The chains are what the journal itself writes when the same facts are appended
/// with the same clock and recorder: the specification and the writer agree.
#[test]
fn chains_are_what_the_journal_writes() {
    let mut replayed = 0;
    for file in &vectors().files {
        let mut journal: Option<Journal> = None;
        for case in file {
            if case.entry.seq.get() == 0 {
                journal = Some(Journal::in_memory(&case.origin).unwrap());
            } else if !case.chained {
                journal = None;
            }
            let Some(journal) = journal.as_mut() else {
                continue;
            };
            let options = AppendOptions {
                recorded_by: case.entry.recorded_by.to_string(),
                durable: false,
                dry_run: false,
            };
            let clock = FixedClock(case.entry.recorded_at);
            let report = journal
                .append(vec![case.entry.fact.clone()], &clock, &options)
                .unwrap_or_else(|e| panic!("{}: the journal refused the fact: {e}", case.label));
            match report.outcomes.as_slice() {
                [FactOutcome::Recorded { seq, id, .. }] => {
                    assert_eq!(*seq, case.entry.seq, "{}: seq", case.label);
                    assert_eq!(*id, case.id, "{}: the journal's id differs", case.label);
                }
                other => panic!("{}: unexpected outcome {other:?}", case.label),
            }
            let record = journal.read(case.entry.seq).unwrap().unwrap();
            assert!(
                record.bytes == case.bytes,
                "{}: stored bytes differ: {}",
                case.label,
                first_difference(&case.bytes, &record.bytes)
            );
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no chain starting at seq 0 in the vectors");
}

#[test]
fn every_fact_kind_has_a_vector() {
    for kind in FactKind::ALL {
        assert!(
            entry_cases().any(|c| c.entry.fact.kind() == kind),
            "no vector for a {kind} fact; add one to fixtures/vectors/"
        );
    }
}
