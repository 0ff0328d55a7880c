//! Reading a report from a `BufRead` without holding it whole: a JSON array
//! document up to its size limit, or JSON Lines a line at a time (a
//! pretty-printed value gathered until its brackets balance), each byte limit
//! checked as the bytes arrive.

use std::io::{self, BufRead, Read as _};

use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::Value;

use super::*;

pub(super) fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\n' || b == b'\r'
}

pub(super) fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// What came before the first non-blank byte, which decides how the rest is read.
pub(super) struct Lead {
    /// The first non-blank byte (not consumed); `None` if the input is blank.
    pub(super) first: Option<u8>,
    /// Bytes consumed.
    bytes: u64,
    /// Line feeds among them.
    newlines: usize,
    /// Bytes consumed since the last line feed.
    column: usize,
}

pub(super) fn skip_blank(
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
pub(super) fn syntax(
    file: &str,
    e: &serde_json::Error,
    lines: usize,
    columns: usize,
) -> InputError {
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
pub(super) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Turns a parsed value into a located fact, charging the budget, and refuses a
/// fact too large for an entry.
pub(super) fn accept(
    value: Value,
    origin: Origin,
    budget: &mut Budget,
) -> Result<Located, InputError> {
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
pub(super) fn read_document(
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
pub(super) struct Elements<'a> {
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
pub(super) struct Lines<'r> {
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
pub(super) enum Next {
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
pub(super) struct Brackets {
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
pub(super) fn read_lines(
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
pub(super) fn parse_values(
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
