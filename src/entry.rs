//! `Entry`: one fact as the ledger records it, with its position, chain link and
//! recording clock. The canonical bytes of an `Entry` are what its id hashes.

use std::fmt;

use crate::codec::{Decode, Encode};
use crate::fact::Fact;
use crate::hash::Id;
use crate::text::Text;
use crate::time::Timestamp;

/// The entry format this build writes and reads. Stored in every entry and in the
/// ledger's metadata; a ledger of another version is refused, never guessed at.
pub const FORMAT_VERSION: u16 = 1;

/// A position in the log: gapless, starting at 0, assigned by the one writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct Seq(u64);

impl Seq {
    /// The seq with this number.
    pub const fn new(n: u64) -> Seq {
        Seq(n)
    }

    /// The number.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The seq after this one.
    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }

    /// Big-endian bytes, so that byte order is numeric order in the store.
    pub fn to_be_bytes(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One recorded fact.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Entry {
    /// `FORMAT_VERSION` when written.
    pub version: u16,
    /// Its position in the log.
    pub seq: Seq,
    /// The id of the entry at `seq - 1`, or the genesis value for seq 0.
    pub prev: Id,
    /// When the ledger took it (µs UTC, never decreasing along the log).
    pub recorded_at: Timestamp,
    /// Who recorded it.
    pub recorded_by: Text,
    /// What it records.
    pub fact: Fact,
}
