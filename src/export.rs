//! The `ledger-jsonl` export: a whole ledger as JSON Lines — a header naming the
//! origin and genesis value, one line per entry carrying its canonical bytes
//! (standard base64) beside the decoded entry for people and tools, and a final
//! line with the size, Merkle root and head id — and the import that rebuilds a
//! ledger from such a file.
//!
//! Invariants kept here. The writer streams: one entry in memory at a time, and it
//! refuses a ledger whose seqs or links it cannot read back in order. The importer
//! reads line by line with a cap on one line's length and trusts nothing it can
//! recompute: every id is re-hashed from the bytes, every entry decoded and
//! required to be canonical, every link, the decoded `entry` member, the size, the
//! root and the head re-derived. It rebuilds through the journal's ordinary
//! append, so a file cannot smuggle in a fact `sitrep append` would refuse, and it
//! builds in a temporary directory beside the target that is renamed into place
//! only once every check has passed: a refused import leaves nothing behind.

use std::fs;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::codec::{self, CodecError};
use crate::entry::{Entry, Seq, FORMAT_VERSION};
use crate::fact::{Fact, Problem};
use crate::hash::Id;
use crate::journal::{
    AppendError, AppendOptions, FactOutcome, Journal, OpenError, ReadError, Record,
};
use crate::merkle::Hash;
use crate::time::{FixedClock, Timestamp};

/// The value of the header's `sitrep` member.
pub const FORMAT_NAME: &str = "ledger-jsonl";
/// The version of the ledger-jsonl format this build writes and reads.
pub const EXPORT_VERSION: u64 = 1;
/// The longest line the importer reads by default (64 MiB, newline excluded): an
/// entry is at most 16 MiB of bytes (`codec::MAX_ENTRY_BYTES`), which is under
/// 22 MiB as base64, plus its decoded JSON.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;
/// The most entries the importer appends in one batch by default.
pub const MAX_BATCH: usize = 4096;

const HEADER_MEMBERS: &[&str] = &["sitrep", "version", "origin", "genesis"];
const ENTRY_MEMBERS: &[&str] = &["seq", "id", "prev", "bytes", "entry"];
const FINAL_MEMBERS: &[&str] = &["size", "root", "head"];

/// The decoded entry written beside its bytes (an entry line's `entry` member):
/// `recorded_at` (RFC 3339), `recorded_by`, `kind`, `key` and `fact` (the fact
/// body in its JSON form, with its own `kind`). The importer requires this exact
/// value, so it is as trustworthy as the bytes it is checked against.
pub fn entry_json(entry: &Entry) -> Result<Value, serde_json::Error> {
    Ok(json!({
        "recorded_at": entry.recorded_at.to_string(),
        "recorded_by": entry.recorded_by,
        "kind": entry.fact.kind().name(),
        "key": entry.fact.key,
        "fact": serde_json::to_value(&entry.fact.body)?,
    }))
}

/// What an export wrote.
#[derive(Clone, Debug)]
pub struct ExportSummary {
    /// The ledger's origin.
    pub origin: String,
    /// The number of entries written.
    pub size: u64,
    /// The Merkle root of those entries.
    pub root: Hash,
    /// The last entry's id (the genesis value when empty).
    pub head: Id,
}

/// Why an export failed. What was written so far is incomplete: it has no final
/// line, so `import` refuses it.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the ledger failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Write(#[from] io::Error),
    /// A fact could not be turned into JSON.
    #[error("cannot write the entry at seq {seq} as JSON: {source}")]
    Json {
        /// The entry.
        seq: Seq,
        /// Why.
        source: serde_json::Error,
    },
    /// The stored entries do not read back as a chain.
    #[error("the ledger is damaged at seq {seq}: {what}; run `sitrep audit`")]
    Damaged {
        /// Where the chain breaks.
        seq: u64,
        /// What is wrong.
        what: String,
    },
}

/// Writes every entry of `journal` to `out` in the ledger-jsonl format, reading
/// one entry at a time.
pub fn write_ledger_jsonl(
    journal: &Journal,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let mut out = BufWriter::new(out);
    let genesis = journal.genesis();
    write_line(
        &mut out,
        &json!({
            "sitrep": FORMAT_NAME,
            "version": EXPORT_VERSION,
            "origin": journal.origin(),
            "genesis": genesis,
        }),
    )?;
    let mut next = 0u64;
    let mut last = genesis;
    let mut failure = None;
    journal.scan(
        Seq::new(0),
        &mut |record| match write_entry_line(&mut out, &record, next, last) {
            Ok(()) => {
                next += 1;
                last = record.id;
                true
            }
            Err(e) => {
                failure = Some(e);
                false
            }
        },
    )?;
    if let Some(e) = failure {
        return Err(e);
    }
    let head = journal.head();
    if next != head.size || last != head.last_id {
        return Err(ExportError::Damaged {
            seq: next,
            what: format!(
                "the head records {} entries ending at {}, but {next} entries ending at {} read back",
                head.size,
                head.last_id,
                last
            ),
        });
    }
    let root = journal.root()?;
    write_line(
        &mut out,
        &json!({"size": next, "root": Id::from_bytes(root), "head": last}),
    )?;
    out.flush()?;
    Ok(ExportSummary {
        origin: journal.origin().to_owned(),
        size: next,
        root,
        head: last,
    })
}

fn write_entry_line(
    out: &mut dyn Write,
    record: &Record,
    expected: u64,
    prev: Id,
) -> Result<(), ExportError> {
    let entry = &record.entry;
    if entry.seq.get() != expected {
        return Err(ExportError::Damaged {
            seq: expected,
            what: format!("the entry read there has seq {}", entry.seq),
        });
    }
    if entry.prev != prev {
        return Err(ExportError::Damaged {
            seq: expected,
            what: format!(
                "its prev is {} but the entry before it has id {}",
                entry.prev, prev
            ),
        });
    }
    let decoded = entry_json(entry).map_err(|source| ExportError::Json {
        seq: entry.seq,
        source,
    })?;
    write_line(
        out,
        &json!({
            "seq": expected,
            "id": record.id,
            "prev": entry.prev,
            "bytes": STANDARD.encode(&record.bytes),
            "entry": decoded,
        }),
    )?;
    Ok(())
}

fn write_line(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// How to import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The longest line accepted, in bytes, newline excluded.
    pub max_line_bytes: usize,
    /// The most entries appended in one batch (a run of entries sharing
    /// `recorded_at` and `recorded_by` is split into batches of this size).
    pub max_batch: usize,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            max_line_bytes: MAX_LINE_BYTES,
            max_batch: MAX_BATCH,
        }
    }
}

/// What an import rebuilt.
#[derive(Clone, Debug)]
pub struct ImportSummary {
    /// The new ledger's directory.
    pub path: PathBuf,
    /// Its origin.
    pub origin: String,
    /// The number of entries.
    pub size: u64,
    /// Its Merkle root, equal to the file's.
    pub root: Hash,
    /// Its head id, equal to the file's.
    pub head: Id,
}

/// Why an import was refused. Nothing was created at the target, and the
/// temporary directory was removed (unless `Abandoned` says otherwise).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Something is at the target path.
    #[error("{} already exists; import creates a new ledger (give a path that does not exist yet, or an empty directory)", .path.display())]
    TargetExists {
        /// The target.
        path: PathBuf,
    },
    /// The target path has no last component (`/`, `..`).
    #[error("cannot import into {}: name the new ledger's directory", .path.display())]
    BadTarget {
        /// The target.
        path: PathBuf,
    },
    /// The directory the target would be created in does not exist.
    #[error("cannot import into {}: the directory {} does not exist", .path.display(), .parent.display())]
    NoParent {
        /// The target.
        path: PathBuf,
        /// Its parent.
        parent: PathBuf,
    },
    /// The temporary directory's name is taken.
    #[error("{} is in the way (left by an earlier import?); remove it and import again", .path.display())]
    TempInTheWay {
        /// The temporary directory.
        path: PathBuf,
    },
    /// A file-system operation on the target or the temporary directory failed.
    #[error("cannot {what} {}: {source}", .path.display())]
    Io {
        /// What was being done ("inspect", "move the rebuilt ledger to").
        what: &'static str,
        /// On which path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Reading the input failed.
    #[error("line {line}: cannot read the file: {source}")]
    Read {
        /// The line being read.
        line: u64,
        /// Why.
        source: io::Error,
    },
    /// A line is longer than the cap.
    #[error("line {line} is longer than {max} bytes; refusing to read it (is this a ledger-jsonl export?)")]
    LineTooLong {
        /// The line.
        line: u64,
        /// The cap.
        max: usize,
    },
    /// The input is empty.
    #[error("line 1: the file is empty; a ledger-jsonl export starts with its header line")]
    Empty,
    /// A line that is not one JSON object.
    #[error("line {line} is not a JSON object: {reason}")]
    NotJson {
        /// The line.
        line: u64,
        /// The parser's message.
        reason: String,
    },
    /// A line as a whole is wrong (empty, of no known shape, unterminated).
    #[error("line {line} {problem}")]
    Line {
        /// The line.
        line: u64,
        /// What is wrong, as a predicate ("is empty; …").
        problem: String,
    },
    /// One member of a line is missing or wrong.
    #[error("line {line}: `{member}` {problem}")]
    Member {
        /// The line.
        line: u64,
        /// The member.
        member: &'static str,
        /// What is wrong, as a predicate ("is missing").
        problem: String,
    },
    /// A member the format does not have.
    #[error("line {line}: unknown member `{member}` in {what} (it has only {expected})")]
    UnknownMember {
        /// The line.
        line: u64,
        /// The member.
        member: String,
        /// Which kind of line.
        what: &'static str,
        /// The members it may have.
        expected: String,
    },
    /// The bytes do not hash to the id given beside them.
    #[error("line {line}: `id` is {} but the bytes hash to {}", .claimed, .hashed)]
    IdMismatch {
        /// The line.
        line: u64,
        /// The `id` member.
        claimed: Id,
        /// `Id::of_entry(bytes)`.
        hashed: Id,
    },
    /// The bytes are not one canonical entry.
    #[error("line {line}: `bytes` are not a canonical entry: {source}")]
    Codec {
        /// The line.
        line: u64,
        /// Why.
        source: CodecError,
    },
    /// The journal refuses the fact, as `sitrep append` would.
    #[error("line {line}: the ledger refuses fact `{key}`, as `sitrep append` would: {problem}")]
    Refused {
        /// The line.
        line: u64,
        /// The fact's key.
        key: String,
        /// Why.
        problem: Problem,
    },
    /// The journal recorded the fact, but not as the same entry.
    #[error("line {line}: the entry rebuilt from this line has id {} but the file says {}", .rebuilt, .claimed)]
    Rebuilt {
        /// The line.
        line: u64,
        /// The id the journal gave the entry.
        rebuilt: Id,
        /// The file's id.
        claimed: Id,
    },
    /// The same fact twice: the journal records it once.
    #[error(
        "line {line}: fact `{key}` is already recorded at seq {seq}; a ledger holds each fact once"
    )]
    Duplicate {
        /// The line.
        line: u64,
        /// The fact's key.
        key: String,
        /// Where it is.
        seq: Seq,
    },
    /// The input ends before the final line.
    #[error("line {after}: the file ends after this line without its final size-and-root line (truncated?)")]
    Truncated {
        /// The last line read.
        after: u64,
    },
    /// Something follows the final line.
    #[error("line {line}: nothing may follow the final size-and-root line")]
    AfterFinal {
        /// The first line after it.
        line: u64,
    },
    /// The new ledger could not be created.
    #[error(transparent)]
    Open(OpenError),
    /// The journal failed while appending (not a refusal of a fact).
    #[error(transparent)]
    Append(AppendError),
    /// Reading the rebuilt ledger failed.
    #[error(transparent)]
    Journal(#[from] ReadError),
    /// The import was refused and its temporary directory could not be removed.
    #[error("{cause} (and the temporary directory {} could not be removed: {source}; delete it by hand)", .path.display())]
    Abandoned {
        /// Why the import was refused.
        cause: Box<ImportError>,
        /// The temporary directory left behind.
        path: PathBuf,
        /// Why it could not be removed.
        source: io::Error,
    },
}

/// Rebuilds a new ledger at `target` from a ledger-jsonl export read from `input`,
/// line by line. `target` must not exist or be an empty directory; this is checked
/// before anything is read. On any error nothing is left at `target` or beside it.
pub fn import_ledger_jsonl(
    target: &Path,
    input: &mut dyn BufRead,
    options: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let replace_empty_dir = check_target(target)?;
    let tmp = temp_dir_for(target)?;
    if fs::symlink_metadata(&tmp).is_ok() {
        return Err(ImportError::TempInTheWay { path: tmp });
    }
    let mut lines = Lines {
        input,
        max: options.max_line_bytes,
        number: 0,
        text: Vec::new(),
        terminated: false,
    };
    let header = read_header(&mut lines)?;
    // The journal is dropped inside `rebuild`, before the directory is moved or
    // removed.
    let summary = rebuild(&tmp, &header, &mut lines, options).map_err(|e| discard(&tmp, e))?;
    if replace_empty_dir {
        fs::remove_dir(target).map_err(|source| {
            discard(
                &tmp,
                ImportError::Io {
                    what: "replace the empty directory",
                    path: target.to_path_buf(),
                    source,
                },
            )
        })?;
    }
    fs::rename(&tmp, target).map_err(|source| {
        discard(
            &tmp,
            ImportError::Io {
                what: "move the rebuilt ledger to",
                path: target.to_path_buf(),
                source,
            },
        )
    })?;
    Ok(ImportSummary {
        path: target.to_path_buf(),
        ..summary
    })
}

/// Whether the target is an empty directory (to be replaced); an error if
/// anything else is there.
fn check_target(target: &Path) -> Result<bool, ImportError> {
    let exists = || ImportError::TargetExists {
        path: target.to_path_buf(),
    };
    let io = |source| ImportError::Io {
        what: "inspect",
        path: target.to_path_buf(),
        source,
    };
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(e)),
        Ok(meta) if meta.is_dir() => {
            let mut entries = fs::read_dir(target).map_err(io)?;
            if entries.next().is_none() {
                Ok(true)
            } else {
                Err(exists())
            }
        }
        Ok(_) => Err(exists()),
    }
}

/// `.<name>.import-<pid>` beside the target: on the same file system, so the
/// final rename is atomic, and hidden from directory listings.
fn temp_dir_for(target: &Path) -> Result<PathBuf, ImportError> {
    let name = target.file_name().ok_or_else(|| ImportError::BadTarget {
        path: target.to_path_buf(),
    })?;
    let parent = target.parent().unwrap_or(Path::new(""));
    if !parent.as_os_str().is_empty() && !parent.is_dir() {
        return Err(ImportError::NoParent {
            path: target.to_path_buf(),
            parent: parent.to_path_buf(),
        });
    }
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".import-{}", std::process::id()));
    Ok(parent.join(tmp_name))
}

/// Removes the temporary directory after `cause`, and returns `cause`.
fn discard(tmp: &Path, cause: ImportError) -> ImportError {
    let mut attempt = 0;
    loop {
        match fs::remove_dir_all(tmp) {
            Ok(()) => return cause,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return cause,
            // sled's background threads may still be finishing for a few
            // milliseconds after the journal is dropped.
            Err(_) if attempt < 50 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(source) => {
                return ImportError::Abandoned {
                    cause: Box::new(cause),
                    path: tmp.to_path_buf(),
                    source,
                }
            }
        }
    }
}

/// The input, one line at a time, never more than `max` bytes of it in memory.
struct Lines<'r> {
    input: &'r mut dyn BufRead,
    max: usize,
    /// The number of the line in `text` (1-based); 0 before the first.
    number: u64,
    /// The current line without its newline.
    text: Vec<u8>,
    /// Whether the current line ended with `\n` (rather than the end of input).
    terminated: bool,
}

impl Lines<'_> {
    /// Reads the next line; false at the end of the input.
    fn advance(&mut self) -> Result<bool, ImportError> {
        self.text.clear();
        self.terminated = false;
        let line = self.number + 1;
        loop {
            let available = match self.input.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(ImportError::Read { line, source }),
            };
            if available.is_empty() {
                break;
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.unwrap_or(available.len());
            if self.text.len() + take > self.max {
                return Err(ImportError::LineTooLong {
                    line,
                    max: self.max,
                });
            }
            self.text.extend_from_slice(&available[..take]);
            self.input.consume(take + usize::from(newline.is_some()));
            if newline.is_some() {
                self.terminated = true;
                break;
            }
        }
        if self.text.is_empty() && !self.terminated {
            return Ok(false);
        }
        self.number = line;
        Ok(true)
    }

    /// The current line as a JSON object.
    fn object(&self) -> Result<Map<String, Value>, ImportError> {
        let line = self.number;
        if self.text.is_empty() {
            return Err(ImportError::Line {
                line,
                problem: "is empty; every line of an export is one JSON object".to_owned(),
            });
        }
        match serde_json::from_slice(&self.text) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(other) => Err(ImportError::NotJson {
                line,
                reason: format!("found {}", json_type(&other)),
            }),
            Err(e) => Err(ImportError::NotJson {
                line,
                reason: e.to_string(),
            }),
        }
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Header {
    origin: String,
    genesis: Id,
}

fn read_header(lines: &mut Lines<'_>) -> Result<Header, ImportError> {
    if !lines.advance()? {
        return Err(ImportError::Empty);
    }
    let object = lines.object()?;
    let line = lines.number;
    // The format's name and version first: a newer header may have other members.
    match object.get("sitrep") {
        Some(Value::String(name)) if name == FORMAT_NAME => {}
        found => {
            return Err(member_error(
                line,
                "sitrep",
                format!(
                    "is {}, not \"{FORMAT_NAME}\": this is not a sitrep ledger export",
                    found.map_or_else(|| "missing".to_owned(), Value::to_string)
                ),
            ))
        }
    }
    match object.get("version") {
        Some(version) if version.as_u64() == Some(EXPORT_VERSION) => {}
        found => {
            return Err(member_error(
                line,
                "version",
                format!(
                    "is {}; this sitrep reads {FORMAT_NAME} version {EXPORT_VERSION} only",
                    found.map_or_else(|| "missing".to_owned(), Value::to_string)
                ),
            ))
        }
    }
    check_members(line, &object, HEADER_MEMBERS, "the header")?;
    let origin = string_member(line, &object, "origin")?.to_owned();
    let genesis = hex_member(line, &object, "genesis")?;
    let expected = Id::genesis(&origin);
    if genesis != expected {
        return Err(member_error(
            line,
            "genesis",
            format!(
                "is {} but the genesis value of origin `{origin}` is {}",
                genesis, expected
            ),
        ));
    }
    Ok(Header { origin, genesis })
}

fn member_error(line: u64, member: &'static str, problem: String) -> ImportError {
    ImportError::Member {
        line,
        member,
        problem,
    }
}

/// Refuses unknown members, then missing ones.
fn check_members(
    line: u64,
    object: &Map<String, Value>,
    allowed: &[&'static str],
    what: &'static str,
) -> Result<(), ImportError> {
    if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ImportError::UnknownMember {
            line,
            member: unknown.clone(),
            what,
            expected: allowed
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    match allowed.iter().find(|m| !object.contains_key(**m)) {
        Some(missing) => Err(member_error(line, missing, "is missing".to_owned())),
        None => Ok(()),
    }
}

fn member<'v>(
    line: u64,
    object: &'v Map<String, Value>,
    name: &'static str,
) -> Result<&'v Value, ImportError> {
    object
        .get(name)
        .ok_or_else(|| member_error(line, name, "is missing".to_owned()))
}

fn string_member<'v>(
    line: u64,
    object: &'v Map<String, Value>,
    name: &'static str,
) -> Result<&'v str, ImportError> {
    let value = member(line, object, name)?;
    value
        .as_str()
        .ok_or_else(|| member_error(line, name, format!("is {}, not a string", json_type(value))))
}

fn u64_member(
    line: u64,
    object: &Map<String, Value>,
    name: &'static str,
) -> Result<u64, ImportError> {
    let value = member(line, object, name)?;
    value
        .as_u64()
        .ok_or_else(|| member_error(line, name, format!("is {value}, not a whole number ≥ 0")))
}

/// A digest written as exactly 64 lower-case hex characters, as the writer
/// writes it: upper case would decode to the same value from different text.
fn hex_member(
    line: u64,
    object: &Map<String, Value>,
    name: &'static str,
) -> Result<Id, ImportError> {
    let text = string_member(line, object, name)?;
    Id::parse_hex(text)
        .filter(|id| id.to_hex() == text)
        .ok_or_else(|| {
            member_error(
                line,
                name,
                format!("is \"{text}\", not 64 lower-case hex characters"),
            )
        })
}

/// The JSON path of the first place where `given` differs from `expected`.
fn first_difference(path: &str, given: &Value, expected: &Value) -> String {
    match (given, expected) {
        (Value::Object(g), Value::Object(e)) => {
            for (key, ev) in e {
                match g.get(key) {
                    Some(gv) if gv == ev => {}
                    Some(gv) => return first_difference(&format!("{path}.{key}"), gv, ev),
                    None => return format!("{path}.{key}"),
                }
            }
            match g.keys().find(|k| !e.contains_key(*k)) {
                Some(extra) => format!("{path}.{extra}"),
                None => path.to_owned(),
            }
        }
        (Value::Array(g), Value::Array(e)) => {
            for (i, (gv, ev)) in g.iter().zip(e).enumerate() {
                if gv != ev {
                    return first_difference(&format!("{path}[{i}]"), gv, ev);
                }
            }
            format!("{path}[{}]", g.len().min(e.len()))
        }
        _ => path.to_owned(),
    }
}

/// An entry read and checked, waiting for its batch to be appended.
struct Pending {
    slot: Slot,
    fact: Fact,
}

/// Where a queued entry came from and what the journal must make of it.
struct Slot {
    line: u64,
    seq: Seq,
    id: Id,
    key: String,
}

/// The rebuilding state: the chain as the file gives it so far, and the batch of
/// entries that share `recorded_at` and `recorded_by`.
struct Rebuild<'j> {
    journal: &'j mut Journal,
    max_batch: usize,
    next_seq: u64,
    last_id: Id,
    last_recorded_at: Option<Timestamp>,
    group: Option<(Timestamp, String)>,
    pending: Vec<Pending>,
}

fn rebuild(
    tmp: &Path,
    header: &Header,
    lines: &mut Lines<'_>,
    options: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let mut journal = Journal::init(tmp, &header.origin).map_err(|e| match e {
        OpenError::BadOrigin(_) => member_error(1, "origin", format!("is refused: {e}")),
        other => ImportError::Open(other),
    })?;
    let mut state = Rebuild {
        journal: &mut journal,
        max_batch: options.max_batch.max(1),
        next_seq: 0,
        last_id: header.genesis,
        last_recorded_at: None,
        group: None,
        pending: Vec::new(),
    };
    let (root, final_line) = loop {
        if !lines.advance()? {
            return Err(ImportError::Truncated {
                after: lines.number,
            });
        }
        let line = lines.number;
        let object = lines.object()?;
        if object.contains_key("seq") {
            state.entry_line(line, &object)?;
        } else if object.contains_key("size") {
            state.append_pending()?;
            let root = state.final_line(line, &object)?;
            break (root, line);
        } else {
            return Err(ImportError::Line {
                line,
                problem: "is neither an entry line (it has no `seq`) nor the final line (it has no `size`)".to_owned(),
            });
        }
    };
    if !lines.terminated {
        return Err(ImportError::Line {
            line: final_line,
            problem: "does not end with a newline (truncated?)".to_owned(),
        });
    }
    if lines.advance()? {
        return Err(ImportError::AfterFinal { line: lines.number });
    }
    let size = state.next_seq;
    let head = state.last_id;
    journal.flush()?;
    Ok(ImportSummary {
        path: tmp.to_path_buf(),
        origin: header.origin.clone(),
        size,
        root,
        head,
    })
}

impl Rebuild<'_> {
    /// Checks one entry line against itself and the chain so far, and queues it.
    fn entry_line(&mut self, line: u64, object: &Map<String, Value>) -> Result<(), ImportError> {
        check_members(line, object, ENTRY_MEMBERS, "an entry line")?;
        let seq = u64_member(line, object, "seq")?;
        if seq != self.next_seq {
            return Err(member_error(
                line,
                "seq",
                format!(
                    "is {seq} but this line holds entry {} (entries are numbered from 0, without gaps)",
                    self.next_seq
                ),
            ));
        }
        let id = hex_member(line, object, "id")?;
        let prev = hex_member(line, object, "prev")?;
        if prev != self.last_id {
            let before = if seq == 0 {
                "the genesis value of the header's origin"
            } else {
                "the previous entry's id"
            };
            return Err(member_error(
                line,
                "prev",
                format!("is {} but {before} is {}", prev, self.last_id),
            ));
        }
        let bytes = STANDARD
            .decode(string_member(line, object, "bytes")?)
            .map_err(|e| member_error(line, "bytes", format!("is not standard base64: {e}")))?;
        let hashed = Id::of_entry(&bytes);
        if hashed != id {
            return Err(ImportError::IdMismatch {
                line,
                claimed: id,
                hashed,
            });
        }
        // `decode_entry` re-encodes what it decoded and refuses bytes that differ.
        let entry =
            codec::decode_entry(&bytes).map_err(|source| ImportError::Codec { line, source })?;
        if entry.version != FORMAT_VERSION {
            return Err(member_error(
                line,
                "bytes",
                format!(
                    "hold an entry of format version {}; this sitrep reads version {FORMAT_VERSION} only",
                    entry.version
                ),
            ));
        }
        if entry.seq.get() != seq {
            return Err(member_error(
                line,
                "bytes",
                format!("hold the entry at seq {} but `seq` is {seq}", entry.seq),
            ));
        }
        if entry.prev != prev {
            return Err(member_error(
                line,
                "bytes",
                format!(
                    "hold an entry whose prev is {} but `prev` is {}",
                    entry.prev, prev
                ),
            ));
        }
        let expected = entry_json(&entry).map_err(|e| {
            member_error(
                line,
                "bytes",
                format!("hold a fact that cannot be shown as JSON: {e}"),
            )
        })?;
        let given = member(line, object, "entry")?;
        if *given != expected {
            return Err(member_error(
                line,
                "entry",
                format!(
                    "does not match the entry in `bytes` (first difference at `{}`)",
                    first_difference("entry", given, &expected)
                ),
            ));
        }
        if let Some(before) = self.last_recorded_at {
            if entry.recorded_at < before {
                return Err(member_error(
                    line,
                    "bytes",
                    format!(
                        "hold an entry recorded at {}, before the previous entry ({before}); a ledger's clock never goes back",
                        entry.recorded_at
                    ),
                ));
            }
        }
        let same_group = matches!(&self.group,
            Some((at, by)) if *at == entry.recorded_at && *by == entry.recorded_by);
        if !same_group || self.pending.len() >= self.max_batch {
            self.append_pending()?;
            self.group = Some((entry.recorded_at, entry.recorded_by.clone()));
        }
        self.pending.push(Pending {
            slot: Slot {
                line,
                seq: entry.seq,
                id,
                key: entry.fact.key.clone(),
            },
            fact: entry.fact,
        });
        self.next_seq += 1;
        self.last_id = id;
        self.last_recorded_at = Some(entry.recorded_at);
        Ok(())
    }

    /// Appends the queued entries as one batch, with their recording time and
    /// recorder, and requires the journal to have made exactly the file's entries.
    fn append_pending(&mut self) -> Result<(), ImportError> {
        let Some((at, by)) = self.group.clone() else {
            return Ok(());
        };
        if self.pending.is_empty() {
            return Ok(());
        }
        let (slots, facts): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .map(|p| (p.slot, p.fact))
            .unzip();
        let options = AppendOptions {
            recorded_by: by,
            durable: false,
            dry_run: false,
        };
        let report = self
            .journal
            .append(facts, &FixedClock(at), &options)
            .map_err(|e| match e {
                AppendError::Invalid { index, problem } => match slots.get(index) {
                    Some(slot) => ImportError::Refused {
                        line: slot.line,
                        key: slot.key.clone(),
                        problem,
                    },
                    None => ImportError::Append(AppendError::Invalid { index, problem }),
                },
                other => ImportError::Append(other),
            })?;
        for (slot, outcome) in slots.iter().zip(&report.outcomes) {
            match outcome {
                FactOutcome::Recorded { seq, id, .. } if *seq == slot.seq && *id == slot.id => {}
                FactOutcome::Recorded { id, .. } => {
                    return Err(ImportError::Rebuilt {
                        line: slot.line,
                        rebuilt: *id,
                        claimed: slot.id,
                    })
                }
                FactOutcome::AlreadyRecorded { key, seq } => {
                    return Err(ImportError::Duplicate {
                        line: slot.line,
                        key: key.clone(),
                        seq: *seq,
                    })
                }
            }
        }
        Ok(())
    }

    /// Checks the final line against what was rebuilt; returns the root.
    fn final_line(&self, line: u64, object: &Map<String, Value>) -> Result<Hash, ImportError> {
        check_members(line, object, FINAL_MEMBERS, "the final line")?;
        let size = u64_member(line, object, "size")?;
        if size != self.next_seq {
            return Err(member_error(
                line,
                "size",
                format!("is {size} but the file holds {} entries", self.next_seq),
            ));
        }
        let head = hex_member(line, object, "head")?;
        if head != self.last_id {
            let last = if self.next_seq == 0 {
                "the genesis value (the file holds no entries)"
            } else {
                "the last entry's id"
            };
            return Err(member_error(
                line,
                "head",
                format!("is {} but {last} is {}", head, self.last_id),
            ));
        }
        let claimed = hex_member(line, object, "root")?;
        let root = self.journal.root()?;
        if claimed != Id::from_bytes(root) {
            return Err(member_error(
                line,
                "root",
                format!(
                    "is {} but the rebuilt ledger's root is {}",
                    claimed,
                    Id::from_bytes(root)
                ),
            ));
        }
        let rebuilt = self.journal.head();
        if rebuilt.size != size || rebuilt.last_id != head {
            return Err(ImportError::Rebuilt {
                line,
                rebuilt: rebuilt.last_id,
                claimed: head,
            });
        }
        Ok(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input;
    use crate::merkle::{self, Blake3, MemoryTree};

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

    fn import(
        dir: &Path,
        text: &[u8],
        options: &ImportOptions,
    ) -> Result<ImportSummary, ImportError> {
        import_ledger_jsonl(&dir.join("ledger"), &mut &text[..], options)
    }

    /// Opens a ledger just written in this process (sled releases its lock a few
    /// milliseconds after the last handle is dropped).
    fn reopen(path: &Path) -> Journal {
        loop {
            match Journal::open(path) {
                Ok(j) => return j,
                Err(OpenError::Store(crate::store::StoreError::Locked { .. })) => {
                    std::thread::sleep(std::time::Duration::from_millis(5))
                }
                Err(e) => panic!("{e}"),
            }
        }
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
                recorded_by: who.to_owned(),
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
        let root =
            merkle::root(&Blake3, &MemoryTree::from_leaf_hashes(&Blake3, ids), size).unwrap();
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
        assert!(
            matches!(error, ImportError::LineTooLong { line: 2, max: 300 }),
            "{error}"
        );
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
        assert!(matches!(error, ImportError::TargetExists { .. }), "{error}");
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
        assert!(
            matches!(
                error,
                ImportError::Codec {
                    line: 2,
                    source: CodecError::NonCanonical
                }
            ),
            "{error}"
        );
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
                recorded_by: "x".to_owned(),
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
        assert!(
            matches!(error, ImportError::Rebuilt { line: 3, .. }),
            "{error}"
        );
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
        assert!(
            matches!(
                error,
                ImportError::Member {
                    line: 3,
                    member: "bytes",
                    ..
                }
            ),
            "{error}"
        );
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
        assert!(
            matches!(
                error,
                ImportError::Member {
                    line: 3,
                    member: "id",
                    ..
                }
            ),
            "{error}"
        );
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
}
