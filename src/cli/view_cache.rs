//! The last output of each view at the head, kept so that asking again costs a
//! file read instead of a replay: `project` at the head (no as-of cut, no
//! `--diff`) looks for `derived/view-<name>`, and uses it only if it was made
//! at the very head the ledger has now (size and last id: the hash chain names
//! the whole content), by this very binary, with the same flags and format,
//! and its bytes match their digest. Anything else is recomputed and stored
//! again. An append changes the head, so the first `project` after it
//! recomputes; the output is never stale.
//!
//! Only outputs up to [`MAX_BYTES`] are kept: the aggregate views (`tallies`,
//! `pauses`, `counts`, `statements`), not a listing of a million incidents.

use sitrep::hash::Id;
use sitrep::journal::Journal;
use sitrep::projection::views::{Params, View};

use super::view_output::Format;

/// The largest output kept.
pub const MAX_BYTES: usize = 4 << 20;
const MAGIC: &[u8; 8] = b"sitrepV1";

/// What an output depends on besides the ledger: the view, its flags, the
/// format and the binary that rendered it (its version, size and modification
/// time, so that a rebuilt binary never reads an older one's output).
pub fn fingerprint(view: View, params: &Params, format: Format) -> String {
    let binary = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{}:{:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    format!(
        "{} {binary} {} {params:?} {format:?}",
        env!("CARGO_PKG_VERSION"),
        view.name()
    )
}

fn name(view: View) -> String {
    format!("view-{}", view.name())
}

/// The stored output, if it was made at the current head with `fingerprint`.
pub fn lookup(journal: &Journal, view: View, fingerprint: &str) -> Option<Vec<u8>> {
    let stored = journal.derived(&name(view)).ok()??;
    let head = journal.head();
    let expected = header(fingerprint, head.size, head.last_id);
    let rest = stored.strip_prefix(expected.as_slice())?;
    let (digest, body) = rest.split_at_checked(32)?;
    (blake3::hash(body).as_bytes() == digest).then(|| body.to_vec())
}

/// Keeps `output` as the view's output at the current head (if small enough).
/// A failure only costs the next run a recomputation, so it is not reported.
pub fn store(journal: &Journal, view: View, fingerprint: &str, output: &[u8]) {
    if output.len() > MAX_BYTES {
        return;
    }
    let head = journal.head();
    let mut bytes = header(fingerprint, head.size, head.last_id);
    bytes.extend_from_slice(blake3::hash(output).as_bytes());
    bytes.extend_from_slice(output);
    let _ = journal.put_derived(&name(view), bytes);
}

fn header(fingerprint: &str, size: u64, last: Id) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&(fingerprint.len() as u64).to_be_bytes());
    out.extend_from_slice(fingerprint.as_bytes());
    out.extend_from_slice(&size.to_be_bytes());
    out.extend_from_slice(last.as_bytes());
    out
}
