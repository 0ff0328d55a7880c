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
use std::io::{self, BufRead, Read as _};

use serde::de::{DeserializeOwned, Deserializer as _, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::codec;
use crate::fact::{
    Claim, Count, Denial, Fact, FactBody, FactKind, Incident, Merge, Source, Statement,
};
use crate::fact::{Correction, Retraction};

const MIB: usize = 1024 * 1024;

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
fn size(bytes: u64) -> String {
    const MIB64: u64 = MIB as u64;
    match bytes {
        b if b >= 1024 * MIB64 && b % (1024 * MIB64) == 0 => format!("{} GiB", b / (1024 * MIB64)),
        b if b >= MIB64 && b % MIB64 == 0 => format!("{} MiB", b / MIB64),
        b => format!("{b} bytes"),
    }
}

fn size_of(bytes: &usize) -> String {
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

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// What came before the first non-blank byte, which decides how the rest is read.
struct Lead {
    /// The first non-blank byte (not consumed); `None` if the input is blank.
    first: Option<u8>,
    /// Bytes consumed.
    bytes: u64,
    /// Line feeds among them.
    newlines: usize,
    /// Bytes consumed since the last line feed.
    column: usize,
}

fn skip_blank(
    file: &str,
    input: &mut dyn BufRead,
    budget: &mut Budget,
) -> Result<Lead, InputError> {
    let mut lead = Lead {
        first: None,
        bytes: 0,
        newlines: 0,
        column: 0,
    };
    loop {
        let available = match input.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(InputError::Read {
                    place: Origin::line(file, lead.newlines + 1),
                    source,
                })
            }
        };
        if available.is_empty() {
            return Ok(lead);
        }
        let blank = available
            .iter()
            .position(|&b| !is_blank(b))
            .unwrap_or(available.len());
        // Only the bytes within the budget are counted, so the line named when
        // it runs out does not depend on how the input was buffered.
        let counted = blank.min(budget.bytes_left());
        for &b in &available[..counted] {
            if b == b'\n' {
                lead.newlines += 1;
                lead.column = 0;
            } else {
                lead.column += 1;
            }
        }
        if counted < blank {
            return Err(budget.too_many_bytes(Origin::line(file, lead.newlines + 1)));
        }
        lead.first = available.get(blank).copied();
        input.consume(blank);
        lead.bytes += blank as u64;
        budget.charge(blank);
        if lead.first.is_some() {
            return Ok(lead);
        }
    }
}

/// Positions in a parser error are relative to the text it was given: `lines`
/// lines and (on its first line) `columns` bytes into the file.
fn syntax(file: &str, e: &serde_json::Error, lines: usize, columns: usize) -> InputError {
    InputError::Syntax {
        file: file.to_owned(),
        line: lines + e.line(),
        column: e.column() + if e.line() <= 1 { columns } else { 0 },
        message: match strip_position(&e.to_string()) {
            // serde_json's limit, named in numbers.
            m if m == "recursion limit exceeded" => {
                format!("{m} (the JSON is nested more than 128 levels deep)")
            }
            m => m,
        },
    }
}

/// serde_json appends " at line L column C", which our message already leads with.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Turns a parsed value into a located fact, charging the budget, and refuses a
/// fact too large for an entry.
fn accept(value: Value, origin: Origin, budget: &mut Budget) -> Result<Located, InputError> {
    budget.add_fact(&origin)?;
    let fact = to_fact(value, &origin)?;
    let encoded = codec::encode_fact(&fact).len();
    let max = budget.limits.max_fact_bytes;
    if encoded > max {
        let message = format!(
            "fact `{}` ({}): takes {encoded} bytes in the ledger's encoding; a fact may take at most {} (keep long texts in the source document and quote an excerpt)",
            fact.key,
            fact.kind(),
            size_of(&max)
        );
        return Err(InputError::Fact { origin, message });
    }
    Ok(Located { fact, origin })
}

/// An array file: read whole (up to the document limit) and turned into facts
/// one element at a time, so only one element's JSON tree is held at once.
fn read_document(
    file: &str,
    input: &mut dyn BufRead,
    budget: &mut Budget,
    lead: &Lead,
) -> Result<Vec<Located>, InputError> {
    let max = budget.limits.max_document_bytes;
    let mut doc = Vec::new();
    io::Read::take(&mut *input, max as u64 + 1)
        .read_to_end(&mut doc)
        .map_err(|source| InputError::Read {
            place: Origin::file(file),
            source,
        })?;
    if doc.len() > max {
        return Err(InputError::DocumentTooLarge {
            place: Origin::file(file),
            max,
        });
    }
    if doc.len() > budget.bytes_left() {
        return Err(budget.too_many_bytes(Origin::file(file)));
    }
    budget.charge(doc.len());
    if let Err(e) = std::str::from_utf8(&doc) {
        let at = e.valid_up_to();
        return Err(InputError::NotText {
            file: file.to_owned(),
            offset: lead.bytes + at as u64,
            line: lead.newlines + 1 + newlines(&doc[..at]),
        });
    }
    let mut facts = Vec::new();
    let mut failure = None;
    let mut de = serde_json::Deserializer::from_slice(&doc);
    let parsed = (&mut de)
        .deserialize_seq(Elements {
            file,
            budget,
            facts: &mut facts,
            failure: &mut failure,
        })
        .and_then(|()| de.end());
    if let Some(failure) = failure {
        return Err(failure);
    }
    parsed.map_err(|e| syntax(file, &e, lead.newlines, lead.column))?;
    Ok(facts)
}

/// The visitor of an array document: each element becomes a fact as soon as it
/// is parsed. A refused element is kept in `failure` (serde errors carry only
/// text) and stops the parse.
struct Elements<'a> {
    file: &'a str,
    budget: &'a mut Budget,
    facts: &'a mut Vec<Located>,
    failure: &'a mut Option<InputError>,
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of facts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut element = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            let origin = Origin {
                element: Some(element),
                ..Origin::file(self.file)
            };
            match accept(value, origin, self.budget) {
                Ok(located) => self.facts.push(located),
                Err(e) => {
                    *self.failure = Some(e);
                    return Err(serde::de::Error::custom("refused"));
                }
            }
            element += 1;
        }
        Ok(())
    }
}

/// Reads lines: each line at most the line limit, checked as UTF-8 as it is read.
struct Lines<'r> {
    input: &'r mut dyn BufRead,
    file: &'r str,
    /// The last line read (1-based).
    number: usize,
    /// The file offset of the next byte.
    offset: u64,
    /// Bytes of the next line already consumed (the blanks before the first
    /// value), which count towards its length.
    carry: usize,
}

/// What [`Lines::next_into`] did.
enum Next {
    /// Appended a line.
    Line,
    /// The input is over.
    End,
    /// The buffer reached `room` before the line ended.
    Full,
}

impl Lines<'_> {
    /// Appends the next line, with its line feed, to `out`, as long as `out`
    /// stays within `room` bytes.
    fn next_into(
        &mut self,
        out: &mut Vec<u8>,
        room: usize,
        budget: &mut Budget,
    ) -> Result<Next, InputError> {
        let start = out.len();
        let line = self.number + 1;
        let place = || Origin::line(self.file, line);
        let max = budget.limits.max_line_bytes;
        let mut consumed = 0;
        let mut terminated = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(InputError::Read {
                        place: place(),
                        source,
                    })
                }
            };
            if available.is_empty() {
                break;
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let content = newline.unwrap_or(available.len());
            let take = content + usize::from(newline.is_some());
            // The first byte past each limit, if this chunk reaches it. The
            // earliest decides (ties in this order), so the outcome depends on
            // the bytes, never on how they were buffered.
            let line_left = max.saturating_sub(self.carry + consumed);
            let room_left = room.saturating_sub(out.len());
            let over_line = (content > line_left).then_some(line_left);
            let over_room = (take > room_left).then_some(room_left);
            let over_budget = (take > budget.bytes_left()).then_some(budget.bytes_left());
            let first = [over_line, over_room, over_budget]
                .into_iter()
                .flatten()
                .min();
            if let Some(at) = first {
                if over_line == Some(at) {
                    return Err(InputError::LineTooLong {
                        place: place(),
                        max,
                    });
                }
                if over_room == Some(at) {
                    // What fits stays in `out`, for the caller to look at.
                    out.extend_from_slice(&available[..at]);
                    return Ok(Next::Full);
                }
                return Err(budget.too_many_bytes(place()));
            }
            out.extend_from_slice(&available[..take]);
            self.input.consume(take);
            consumed += take;
            budget.charge(take);
            if newline.is_some() {
                terminated = true;
                break;
            }
        }
        if consumed == 0 && !terminated {
            return Ok(Next::End);
        }
        if let Err(e) = std::str::from_utf8(&out[start..]) {
            return Err(InputError::NotText {
                file: self.file.to_owned(),
                offset: self.offset + e.valid_up_to() as u64,
                line,
            });
        }
        self.number = line;
        self.offset += consumed as u64;
        self.carry = 0;
        Ok(Next::Line)
    }
}

/// Where a value is complete enough to parse: tracks brackets outside strings.
#[derive(Default)]
struct Brackets {
    depth: isize,
    in_string: bool,
    escaped: bool,
    /// A line ended inside a string, which JSON does not allow.
    broken: bool,
}

impl Brackets {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                } else if b == b'\n' {
                    self.broken = true;
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => self.depth -= 1,
                    _ => {}
                }
            }
        }
    }

    /// Every bracket opened has been closed (or more closed than opened), or
    /// the text is already malformed: either way the parser can judge it now.
    fn ready(&self) -> bool {
        self.broken || (!self.in_string && self.depth <= 0)
    }
}

/// Anything but an array: lines gathered until their brackets balance, then
/// parsed as a sequence of values, each located by the line it starts on.
fn read_lines(
    file: &str,
    input: &mut dyn BufRead,
    budget: &mut Budget,
    lead: &Lead,
) -> Result<Vec<Located>, InputError> {
    let max = budget.limits;
    if lead.column > max.max_line_bytes {
        return Err(InputError::LineTooLong {
            place: Origin::line(file, lead.newlines + 1),
            max: max.max_line_bytes,
        });
    }
    let mut lines = Lines {
        input,
        file,
        number: lead.newlines,
        offset: lead.bytes,
        carry: lead.column,
    };
    let mut facts = Vec::new();
    // The blanks before the first value stand in for themselves, so that
    // parser columns on that line are the file's.
    let mut pending = vec![b' '; lead.column];
    let mut first_line = lead.newlines + 1;
    let mut brackets = Brackets::default();
    loop {
        let start = pending.len();
        match lines.next_into(&mut pending, max.max_document_bytes, budget)? {
            Next::End => break,
            Next::Full => {
                // A real syntax error in what was gathered says more than the size.
                let mut values = serde_json::Deserializer::from_slice(&pending)
                    .into_iter::<serde::de::IgnoredAny>();
                if let Some(e) = values.find_map(Result::err).filter(|e| !e.is_eof()) {
                    return Err(syntax(file, &e, first_line - 1, 0));
                }
                return Err(InputError::ValueTooLarge {
                    place: Origin::line(file, first_line),
                    max: max.max_document_bytes,
                });
            }
            Next::Line => {}
        }
        if start == 0 {
            if pending.iter().all(|&b| is_blank(b)) {
                pending.clear();
                continue;
            }
            first_line = lines.number;
        }
        brackets.feed(&pending[start..]);
        if brackets.ready() {
            parse_values(file, &pending, first_line, budget, &mut facts)?;
            pending.clear();
            brackets = Brackets::default();
        }
    }
    if !pending.iter().all(|&b| is_blank(b)) {
        parse_values(file, &pending, first_line, budget, &mut facts)?;
    }
    Ok(facts)
}

/// Parses `bytes`, which start at the beginning of line `first_line`, as a
/// sequence of values, each a fact located by the line it starts on.
fn parse_values(
    file: &str,
    bytes: &[u8],
    first_line: usize,
    budget: &mut Budget,
    facts: &mut Vec<Located>,
) -> Result<(), InputError> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let mut offset = 0;
    let mut line = first_line;
    while let Some(next) = stream.next() {
        let value = next.map_err(|e| syntax(file, &e, first_line - 1, 0))?;
        let end = stream.byte_offset();
        // The value started at the first non-blank byte after the previous end.
        let gap = &bytes[offset..end];
        let lead = gap.iter().position(|&b| !is_blank(b)).unwrap_or(gap.len());
        line += newlines(&gap[..lead]);
        let origin = Origin::line(file, line);
        line += newlines(&gap[lead..]);
        offset = end;
        facts.push(accept(value, origin, budget)?);
    }
    Ok(())
}

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
    Ok(Fact { key, body })
}

/// Control characters (Unicode `Cc`: C0, DEL, C1) other than tab and line feed.
/// A stored one would be printed raw by every command that shows the fact, and
/// an escape sequence or carriage return can rewrite what a terminal displays.
fn is_forbidden_control(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// Where a forbidden control character is: in the string at a JSON path, or in
/// a member name inside the object at a path (the name is not echoed).
enum Control {
    Value(String),
    Name(String),
}

fn control_message(at: &Control, c: char) -> String {
    let what = format!(
        "contains the control character U+{:04X}; only tab and line feed are allowed in text (a control character can rewrite what a terminal shows)",
        u32::from(c)
    );
    match at {
        Control::Value(path) => format!("at `{path}`: {what}"),
        Control::Name(path) if path.is_empty() => format!("a member name {what}"),
        Control::Name(path) => format!("at `{path}`: a member name {what}"),
    }
}

/// The first forbidden control character in the member `name` (its name, or any
/// string or member name in its value), with where it is. `path` is the path of
/// the object holding the member, and is left as it was found.
fn find_control(name: &str, value: &Value, path: &mut String) -> Option<(Control, char)> {
    if let Some(c) = name.chars().find(|&c| is_forbidden_control(c)) {
        return Some((Control::Name(path.clone()), c));
    }
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
    let found = find_control_in(value, path);
    path.truncate(len);
    found
}

fn find_control_in(value: &Value, path: &mut String) -> Option<(Control, char)> {
    match value {
        Value::String(text) => text
            .chars()
            .find(|&c| is_forbidden_control(c))
            .map(|c| (Control::Value(path.clone()), c)),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = find_control_in(item, path);
            path.truncate(len);
            found
        }),
        Value::Object(members) => members
            .iter()
            .find_map(|(name, member)| find_control(name, member, path)),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

fn body_from(kind: FactKind, object: Map<String, Value>) -> Result<FactBody, String> {
    let value = Value::Object(object);
    Ok(match kind {
        FactKind::Source => FactBody::Source(fields::<Source>(value)?),
        FactKind::Incident => FactBody::Incident(fields::<Incident>(value)?),
        FactKind::Count => FactBody::Count(fields::<Count>(value)?),
        FactKind::Claim => FactBody::Claim(fields::<Claim>(value)?),
        FactKind::Statement => FactBody::Statement(fields::<Statement>(value)?),
        FactKind::Denial => FactBody::Denial(fields::<Denial>(value)?),
        FactKind::Correction => FactBody::Correction(fields::<Correction>(value)?),
        FactKind::Retraction => FactBody::Retraction(fields::<Retraction>(value)?),
        FactKind::Merge => FactBody::Merge(fields::<Merge>(value)?),
    })
}

fn fields<T: DeserializeOwned>(value: Value) -> Result<T, String> {
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

fn take_string(object: &mut Map<String, Value>, field: &str) -> Result<String, String> {
    match object.remove(field) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "at `{field}`: expected a string, found {}",
            describe(&other)
        )),
        None => Err(format!("missing field `{field}`")),
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"{"key":"s1","kind":"source","publisher":"Wikipedia","type":"encyclopedia","party":false}"#;

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
}
