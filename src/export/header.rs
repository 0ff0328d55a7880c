//! The header line: the format's name and version (checked first, since a newer
//! header may have other members), then exactly the header's members, and a
//! genesis value that must be the one the origin gives.

use serde_json::Value;

use super::lines::Lines;
use super::members::{check_members, hex_member, member_error, string_member};
use super::{ImportError, EXPORT_VERSION, FORMAT_NAME, HEADER_MEMBERS};
use crate::hash::Id;

/// What the header line gives: the origin, and its genesis value (checked).
pub(super) struct Header {
    pub(super) origin: String,
    pub(super) genesis: Id,
}

/// Reads and checks the first line.
pub(super) fn read_header(lines: &mut Lines<'_>) -> Result<Header, ImportError> {
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
