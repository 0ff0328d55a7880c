//! Checking one member of a line: present, known, of the right type, and for
//! digests written exactly as the writer writes them. Each check names the line
//! and the member in its error; `first_difference` names where a decoded entry
//! differs from the one its bytes hold.

use serde_json::{Map, Value};

use super::ImportError;
use crate::hash::Id;
use crate::input::describe;

/// A `Member` error: `member` on `line` `problem`.
pub(super) fn member_error(line: u64, member: &'static str, problem: String) -> ImportError {
    ImportError::Member {
        line,
        member,
        problem,
    }
}

/// Refuses unknown members, then missing ones.
pub(super) fn check_members(
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

/// A member that must be present.
pub(super) fn member<'v>(
    line: u64,
    object: &'v Map<String, Value>,
    name: &'static str,
) -> Result<&'v Value, ImportError> {
    object
        .get(name)
        .ok_or_else(|| member_error(line, name, "is missing".to_owned()))
}

/// A member that must be a string.
pub(super) fn string_member<'v>(
    line: u64,
    object: &'v Map<String, Value>,
    name: &'static str,
) -> Result<&'v str, ImportError> {
    let value = member(line, object, name)?;
    value
        .as_str()
        .ok_or_else(|| member_error(line, name, format!("is {}, not a string", describe(value))))
}

/// A member that must be a whole number ≥ 0.
pub(super) fn u64_member(
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
pub(super) fn hex_member(
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
pub(super) fn first_difference(path: &str, given: &Value, expected: &Value) -> String {
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
