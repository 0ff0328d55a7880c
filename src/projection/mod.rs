//! Projections (DESIGN §6): the current picture, recomputed from the entries.
//!
//! One fold, many views. [`picture::Picture`] is the only fold state: a pure,
//! exhaustive fold over entries that keeps every fact by key with the revisions
//! pointing at it. [`resolve::Resolved`] applies the semantics (the latest
//! correction wins, retractions remove, denials mark, merges join incidents), and
//! each module under [`views`] is a pure function from that to one table:
//! incidents, tallies, pauses, counts, statements, revisions, timeline. The views
//! take parameters (`--by`, `--min-gap-days`, counting rules), so they are computed
//! when asked, from a fold state that is kept incrementally: [`engine`] stores a
//! snapshot of the picture with its cursor `(seq, id)`, catches up from it after
//! an append, refuses a snapshot that no longer matches the log, and rebuilds from
//! scratch for `replay --check`. [`as_of`] cuts the log at a seq, a recording time
//! or a publication date. `docs/projections.md` explains every rule.

pub mod as_of;
pub mod combine;
pub mod detail;
pub mod engine;
pub mod history;
pub mod materialised;
pub mod picture;
pub mod replay;
pub mod resolve;
pub mod table;
pub mod views;

use crate::codec::{self, Decode, Encode};
use crate::entry::Entry;

/// BLAKE3 of a projection's canonical state encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateDigest(pub [u8; 32]);

impl StateDigest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> StateDigest {
        StateDigest(*blake3::hash(bytes).as_bytes())
    }

    /// Lower-case hex.
    pub fn to_hex(self) -> String {
        blake3::Hash::from(self.0).to_hex().to_string()
    }
}

impl std::fmt::Display for StateDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A pure fold over the log. `apply` must be deterministic and must match every
/// fact kind explicitly (no `_ =>` arm), so that a new kind cannot be ignored by
/// accident. The state's canonical encoding is what snapshots store and what the
/// digest hashes.
pub trait Projection: Default + Clone + Encode + Decode<()> {
    /// The name the snapshot is stored under.
    const NAME: &'static str;

    /// Folds one entry in.
    fn apply(&mut self, entry: &Entry);

    /// Folds one entry in that the caller no longer needs (a fold over the log
    /// moves its parts instead of copying them).
    fn apply_owned(&mut self, entry: Entry) {
        self.apply(&entry);
    }

    /// The canonical bytes of the state.
    fn encode_state(&self) -> Vec<u8> {
        codec::encode_state(self)
    }

    /// BLAKE3 of the canonical bytes, hashed as they are encoded.
    fn digest(&self) -> StateDigest {
        StateDigest(*codec::hash_state(self).as_bytes())
    }
}
