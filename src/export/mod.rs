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
//!
//! This file holds what both directions share: the format's name, version and
//! members, and the decoded-entry JSON. The writer is in `write`; the importer's
//! entry point and errors in `import`, and its parts in `target` (where the new
//! ledger is built), `lines` (reading), `header`, `members` (checking one
//! member) and `rebuild` (appending through the journal).

use serde_json::{json, Value};

use crate::entry::Entry;

mod header;
mod import;
mod lines;
mod members;
mod rebuild;
mod target;
mod write;

#[cfg(test)]
mod tests;

pub use import::{import_ledger_jsonl, ImportError, ImportOptions, ImportSummary};
pub use write::{write_ledger_jsonl, write_ledger_jsonl_with, ExportError, ExportSummary};

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
