//! The report format: facts as JSON (one object or an array of objects) or JSON
//! Lines, read into `Fact`s with the place each came from (docs/input.md).
//!
//! Errors name the file, the line (or array element) and the JSON path inside the
//! fact, and say what was expected: the user should never have to guess which of
//! two hundred facts is wrong.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::fact::{
    Claim, Count, Denial, Fact, FactBody, FactKind, Incident, Merge, Source, Statement,
};
use crate::fact::{Correction, Retraction};

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
    #[error("{file}: not UTF-8 text (invalid byte at offset {offset})")]
    NotText {
        /// File name.
        file: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
}

/// Reads every fact in `bytes`, named `file` in messages. An array is read as a
/// list of facts; otherwise the input is read as a sequence of JSON objects (JSON
/// Lines, or one pretty-printed object, or several).
pub fn parse(file: &str, bytes: &[u8]) -> Result<Vec<Located>, InputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| InputError::NotText {
        file: file.to_owned(),
        offset: e.valid_up_to(),
    })?;
    let trimmed = text.trim_start();
    let facts = if trimmed.starts_with('[') {
        parse_array(file, text)?
    } else {
        parse_stream(file, text)?
    };
    if facts.is_empty() {
        return Err(InputError::Empty(file.to_owned()));
    }
    Ok(facts)
}

fn syntax(file: &str, e: &serde_json::Error) -> InputError {
    InputError::Syntax {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    }
}

/// serde_json appends " at line L column C", which our message already leads with.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn parse_array(file: &str, text: &str) -> Result<Vec<Located>, InputError> {
    let values: Vec<Value> = serde_json::from_str(text).map_err(|e| syntax(file, &e))?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let origin = Origin {
                file: file.to_owned(),
                line: None,
                element: Some(i),
            };
            to_fact(value, &origin).map(|fact| Located { fact, origin })
        })
        .collect()
}

fn parse_stream(file: &str, text: &str) -> Result<Vec<Located>, InputError> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut offset = 0;
    let mut line = 1;
    while let Some(next) = stream.next() {
        let value = next.map_err(|e| syntax(file, &e))?;
        let end = stream.byte_offset();
        // The value started at the first non-blank byte after the previous end.
        let gap = &text[offset..end];
        let lead = gap.len() - gap.trim_start().len();
        line += gap[..lead].matches('\n').count();
        let origin = Origin {
            file: file.to_owned(),
            line: Some(line),
            element: None,
        };
        line += gap[lead..].matches('\n').count();
        offset = end;
        out.push(Located {
            fact: to_fact(value, &origin)?,
            origin,
        });
    }
    Ok(out)
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
    let kind: FactKind = kind_name
        .parse()
        .map_err(|e: String| fail(format!("at `kind`: {e}")))?;
    let located = |message: String| fail(format!("fact `{key}` ({kind}): {message}"));
    let body = body_from(kind, object).map_err(located)?;
    Ok(Fact { key, body })
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
        assert!(matches!(err, InputError::Syntax { line: 2, .. }), "{err}");
        assert!(matches!(
            parse("e.json", b"  \n"),
            Err(InputError::Empty(_))
        ));
        assert!(matches!(
            parse("b.json", b"\xff"),
            Err(InputError::NotText { .. })
        ));
    }
}
