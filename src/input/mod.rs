//! The report format: facts as JSON (one object or an array of objects) or JSON
//! Lines, read into `Fact`s with the place each came from (docs/input.md).
//!
//! Errors name the file, the line (or array element) and the JSON path inside the
//! fact, and say what was expected: the user should never have to guess which of
//! two hundred facts is wrong.
//!
//! Input is read from a `BufRead`, never whole, so memory is bounded by
//! [`Limits`] whatever the file holds. A file whose first non-blank character is
//! `[` is one JSON document, an array of facts, read whole up to
//! `max_document_bytes`. Any other file is read a line at a time, no line longer
//! than `max_line_bytes`; a value spread over several lines (a pretty-printed
//! object) is gathered until its brackets balance, up to `max_document_bytes`.
//! No fact may take more than `max_fact_bytes` in the canonical encoding, so a
//! fact read here always makes an entry the ledger can read back
//! (`codec::MAX_ENTRY_BYTES`). A [`Budget`] spans the files of one batch and caps
//! its facts and bytes. Byte limits are checked as the bytes arrive, at the
//! first byte past the limit (a line is refused then, never read whole), and the
//! outcome depends only on the bytes, never on how the reader buffered them.

use std::fmt;
use std::io::{self, BufRead};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::codec;
use crate::fact::{
    Claim, Count, Denial, Fact, FactBody, FactKind, Incident, Merge, Source, Statement,
};
use crate::fact::{Correction, Retraction};

pub(super) const MIB: usize = 1024 * 1024;

/// The longest line read outside an array document: 16 MiB, newline excluded.
pub const MAX_LINE_BYTES: usize = 16 * MIB;
/// The largest JSON document read whole (an array file, or one value spread over
/// several lines): 64 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 64 * MIB;
/// The most one fact may take in the canonical encoding (8 MiB): half the largest
/// entry the ledger reads back, so the entry's own fields (seq, previous id, time,
/// who recorded it) always fit beside it.
pub const MAX_FACT_BYTES: usize = codec::MAX_ENTRY_BYTES / 2;
/// The most facts one batch (one `sitrep append`) reads.
pub const MAX_BATCH_FACTS: usize = 1_000_000;
/// The most bytes of input one batch reads: 512 MiB. A batch is held in memory
/// until it commits (it is atomic), at several times its size in input bytes
/// (docs/input.md, "Limits").
pub const MAX_BATCH_BYTES: u64 = 512 * MIB as u64;

/// What a read may hold. The defaults are the constants above; tests lower them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest line, newline excluded. Not applied inside an array document,
    /// which may be minified onto one line.
    pub max_line_bytes: usize,
    /// The largest JSON document read whole.
    pub max_document_bytes: usize,
    /// The most one fact may take in the canonical encoding.
    pub max_fact_bytes: usize,
    /// The most facts in one batch.
    pub max_batch_facts: usize,
    /// The most bytes of input in one batch.
    pub max_batch_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_line_bytes: MAX_LINE_BYTES,
            max_document_bytes: MAX_DOCUMENT_BYTES,
            max_fact_bytes: MAX_FACT_BYTES,
            max_batch_facts: MAX_BATCH_FACTS,
            max_batch_bytes: MAX_BATCH_BYTES,
        }
    }
}

/// What one batch has read so far, against its [`Limits`]. One budget spans
/// every file of a batch: the limits are on the batch, not on each file.
#[derive(Debug, Default)]
pub struct Budget {
    limits: Limits,
    facts: usize,
    bytes: u64,
}

impl Budget {
    /// A fresh budget with these limits.
    pub fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            facts: 0,
            bytes: 0,
        }
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Facts read so far.
    pub fn facts(&self) -> usize {
        self.facts
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Bytes the batch may still read.
    fn bytes_left(&self) -> usize {
        usize::try_from(self.limits.max_batch_bytes.saturating_sub(self.bytes))
            .unwrap_or(usize::MAX)
    }

    /// Counts `n` bytes read; the caller has checked they fit.
    fn charge(&mut self, n: usize) {
        self.bytes = self.bytes.saturating_add(n as u64);
    }

    /// The error for the first byte past the batch's byte limit, at `place`.
    fn too_many_bytes(&self, place: Origin) -> InputError {
        InputError::BatchTooLarge {
            place,
            what: format!("{} of input", size(self.limits.max_batch_bytes)),
        }
    }

    fn add_fact(&mut self, origin: &Origin) -> Result<(), InputError> {
        self.facts += 1;
        if self.facts > self.limits.max_batch_facts {
            return Err(InputError::BatchTooLarge {
                place: origin.clone(),
                what: format!("{} facts", self.limits.max_batch_facts),
            });
        }
        Ok(())
    }
}

/// `16 MiB`, `1 GiB`, or a byte count when the size is not a whole number of MiB.
pub(super) fn size(bytes: u64) -> String {
    const MIB64: u64 = MIB as u64;
    match bytes {
        b if b >= 1024 * MIB64 && b % (1024 * MIB64) == 0 => format!("{} GiB", b / (1024 * MIB64)),
        b if b >= MIB64 && b % MIB64 == 0 => format!("{} MiB", b / MIB64),
        b => format!("{b} bytes"),
    }
}

pub(super) fn size_of(bytes: &usize) -> String {
    size(*bytes as u64)
}

/// Where a fact came from in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file name as given (`-` for standard input).
    pub file: String,
    /// 1-based line where the fact's object starts, when known.
    pub line: Option<usize>,
    /// 0-based position in a top-level array, when the file is an array.
    pub element: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(element) = self.element {
            write!(f, " [element {element}]")?;
        }
        Ok(())
    }
}

/// A fact and where it came from.
#[derive(Clone, Debug)]
pub struct Located {
    /// The fact.
    pub fact: Fact,
    /// Its place in the input.
    pub origin: Origin,
}

impl Origin {
    /// The whole file.
    fn file(file: &str) -> Origin {
        Origin {
            file: file.to_owned(),
            line: None,
            element: None,
        }
    }

    /// A line of the file.
    fn line(file: &str, line: usize) -> Origin {
        Origin {
            line: Some(line),
            ..Origin::file(file)
        }
    }
}

/// Why input could not be read as facts.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Not well-formed JSON.
    #[error("{file}:{line}:{column}: malformed JSON: {message}")]
    Syntax {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// Well-formed JSON that is not a valid fact.
    #[error("{origin}: {message}")]
    Fact {
        /// Where.
        origin: Origin,
        /// What is wrong, with the JSON path.
        message: String,
    },
    /// No facts at all.
    #[error("{0}: no facts found (the input is empty)")]
    Empty(String),
    /// The input is not UTF-8 text.
    #[error("{file}: not UTF-8 text (invalid byte at offset {offset}) on line {line}")]
    NotText {
        /// File name.
        file: String,
        /// Byte offset of the first invalid byte.
        offset: u64,
        /// The 1-based line it is on.
        line: usize,
    },
    /// A line longer than [`Limits::max_line_bytes`], refused before it is read whole.
    #[error("{place}: the line is longer than {}; refusing to read it (in JSON Lines each fact is one line; is this a report file?)", size_of(.max))]
    LineTooLong {
        /// The file and line.
        place: Origin,
        /// The limit, in bytes.
        max: usize,
    },
    /// An array document larger than [`Limits::max_document_bytes`].
    #[error("{place}: the JSON document is larger than {}; split it into several files, or write it as JSON Lines (one fact per line)", size_of(.max))]
    DocumentTooLarge {
        /// The file.
        place: Origin,
        /// The limit, in bytes.
        max: usize,
    },
    /// A value spread over more lines than [`Limits::max_document_bytes`] holds.
    #[error("{place}: the JSON value starting on this line runs on for more than {} (a bracket left open?); write one fact per line (JSON Lines)", size_of(.max))]
    ValueTooLarge {
        /// The file and the line the value starts on.
        place: Origin,
        /// The limit, in bytes.
        max: usize,
    },
    /// The batch is over its [`Budget`].
    #[error("{place}: one append reads at most {what}; split the input into several files and append them with separate `sitrep append` commands")]
    BatchTooLarge {
        /// Where the limit was passed.
        place: Origin,
        /// The limit passed ("1000000 facts", "1 GiB of input").
        what: String,
    },
    /// Reading the input failed.
    #[error("{place}: cannot read the file: {source}")]
    Read {
        /// The file and, where known, the line being read.
        place: Origin,
        /// Why.
        source: io::Error,
    },
}

/// Reads every fact in `bytes`, named `file` in messages, with the default
/// [`Limits`]. See [`read`].
pub fn parse(file: &str, bytes: &[u8]) -> Result<Vec<Located>, InputError> {
    let mut input = bytes;
    read(file, &mut input, &mut Budget::default())
}

/// Reads every fact from `input`, named `file` in messages, charging `budget`.
/// An input whose first non-blank character is `[` is an array of facts;
/// anything else is read line by line as a sequence of JSON objects (JSON Lines,
/// or one pretty-printed object, or several).
pub fn read(
    file: &str,
    input: &mut dyn BufRead,
    budget: &mut Budget,
) -> Result<Vec<Located>, InputError> {
    let lead = skip_blank(file, input, budget)?;
    let facts = match lead.first {
        None => Vec::new(),
        Some(b'[') => read_document(file, input, budget, &lead)?,
        Some(_) => read_lines(file, input, budget, &lead)?,
    };
    if facts.is_empty() {
        return Err(InputError::Empty(file.to_owned()));
    }
    Ok(facts)
}

mod control;
mod reader;
#[cfg(test)]
mod tests;

use control::*;
use reader::*;

/// Turns one JSON object into a fact: `key`, `kind`, and the kind's fields.
pub fn to_fact(value: Value, origin: &Origin) -> Result<Fact, InputError> {
    let fail = |message: String| InputError::Fact {
        origin: origin.clone(),
        message,
    };
    let Value::Object(mut object) = value else {
        return Err(fail(format!(
            "expected a JSON object for a fact, found {}",
            describe(&value)
        )));
    };
    let key = take_string(&mut object, "key").map_err(&fail)?;
    let kind_name = take_string(&mut object, "kind").map_err(&fail)?;
    // Checked before either is echoed in a message.
    for (field, text) in [("key", &key), ("kind", &kind_name)] {
        if let Some(c) = text.chars().find(|&c| is_forbidden_control(c)) {
            return Err(fail(control_message(&Control::Value(field.to_owned()), c)));
        }
    }
    let kind: FactKind = kind_name
        .parse()
        .map_err(|e: String| fail(format!("at `kind`: {e}")))?;
    let located = |message: String| fail(format!("fact `{key}` ({kind}): {message}"));
    let mut path = String::new();
    for (name, value) in &object {
        if let Some((at, c)) = find_control(name, value, &mut path) {
            return Err(located(control_message(&at, c)));
        }
    }
    let body = body_from(kind, object).map_err(located)?;
    Ok(Fact {
        key: key.into(),
        body,
    })
}

/// Control characters (Unicode `Cc`: C0, DEL, C1) other than tab and line feed.
/// A stored one would be printed raw by every command that shows the fact, and
/// an escape sequence or carriage return can rewrite what a terminal displays.
pub(super) fn body_from(kind: FactKind, object: Map<String, Value>) -> Result<FactBody, String> {
    let value = Value::Object(object);
    Ok(match kind {
        FactKind::Source => FactBody::Source(Box::new(fields::<Source>(value)?)),
        FactKind::Incident => FactBody::Incident(Box::new(fields::<Incident>(value)?)),
        FactKind::Count => FactBody::Count(Box::new(fields::<Count>(value)?)),
        FactKind::Claim => FactBody::Claim(Box::new(fields::<Claim>(value)?)),
        FactKind::Statement => FactBody::Statement(Box::new(fields::<Statement>(value)?)),
        FactKind::Denial => FactBody::Denial(Box::new(fields::<Denial>(value)?)),
        FactKind::Correction => FactBody::Correction(Box::new(fields::<Correction>(value)?)),
        FactKind::Retraction => FactBody::Retraction(Box::new(fields::<Retraction>(value)?)),
        FactKind::Merge => FactBody::Merge(Box::new(fields::<Merge>(value)?)),
    })
}

pub(super) fn fields<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if path == "." {
            inner
        } else {
            format!("at `{path}`: {inner}")
        }
    })
}

pub(super) fn take_string(object: &mut Map<String, Value>, field: &str) -> Result<String, String> {
    match object.remove(field) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "at `{field}`: expected a string, found {}",
            describe(&other)
        )),
        None => Err(format!("missing field `{field}`")),
    }
}

/// How a JSON value's type is named in a message ("a string"); also used by
/// the export reader.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
