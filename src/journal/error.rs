//! The journal's error enums: one per operation, each variant carrying what the
//! user needs to act on it.

use std::path::PathBuf;

use crate::codec::CodecError;
use crate::entry::Seq;
use crate::fact::Problem;
use crate::hash::IdPrefixError;
use crate::store::StoreError;

/// Why a ledger could not be created or opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Nothing at the path.
    #[error("no ledger at {}: the directory does not exist (create one with `sitrep init`)", .path.display())]
    Missing {
        /// The ledger directory.
        path: PathBuf,
    },
    /// Something is there, but not a sitrep ledger.
    #[error("{} is not a sitrep ledger: {why}", .path.display())]
    NotALedger {
        /// The directory.
        path: PathBuf,
        /// What is missing or wrong.
        why: String,
    },
    /// `init` on a path that is already in use.
    #[error("cannot create a ledger at {}: {why}", .path.display())]
    AlreadyExists {
        /// The directory.
        path: PathBuf,
        /// What is there.
        why: String,
    },
    /// Written by a format this build does not know.
    #[error("the ledger at {} uses format version {found}; this sitrep reads versions {oldest} to {supported} only", .path.display())]
    UnknownVersion {
        /// The directory.
        path: PathBuf,
        /// The version found.
        found: u16,
        /// The oldest version this build reads.
        oldest: u16,
        /// The version this build writes.
        supported: u16,
    },
    /// The origin string is not usable.
    #[error("invalid origin `{0}`: use 1-200 printable characters without line breaks")]
    BadOrigin(String),
    /// Metadata that should be there is unreadable.
    #[error("the ledger at {} is damaged: {what}", .path.display())]
    Damaged {
        /// The directory.
        path: PathBuf,
        /// What is unreadable.
        what: String,
    },
    /// The store failed (including: in use by another process).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why stored entries could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The segment holding `seq` is missing or its framing is torn.
    #[error("the stored segment holding seq {seq} is missing or torn")]
    Segment {
        /// The seq that was being read.
        seq: Seq,
    },
    /// An entry was written by a format version this build does not read.
    #[error(
        "entry at seq {seq} has format version {version}; this sitrep reads version {supported}"
    )]
    Version {
        /// The seq that was being read.
        seq: Seq,
        /// The version found in the entry.
        version: u16,
        /// The version this build reads.
        supported: u16,
    },
    /// A stored Merkle node is missing or unreadable.
    #[error("the stored Merkle node at level {level}, index {index} is {why}; run `sitrep audit`")]
    Node {
        /// Its level.
        level: u32,
        /// Its index in the level.
        index: u64,
        /// "missing" or what is wrong with it.
        why: &'static str,
    },
    /// A derived file (projection snapshot) could not be read or written.
    #[error("derived file {path}: {source}")]
    Derived {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// An entry's bytes do not decode.
    #[error("entry at seq {seq} does not decode: {source}")]
    Decode {
        /// The seq that was being read.
        seq: Seq,
        /// The decoder's reason.
        source: CodecError,
    },
}

/// Why a reference (seq, key or id prefix) names no single entry.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Nothing matches.
    #[error("no fact with key, id prefix or seq `{0}`")]
    NotFound(String),
    /// A seq past the head.
    #[error("seq {seq} is beyond the head: the ledger has {size} entries (seq 0 to {last})", last = .size.saturating_sub(1))]
    BeyondHead {
        /// The seq asked for.
        seq: u64,
        /// The ledger size.
        size: u64,
    },
    /// An id prefix that matches several entries.
    #[error("id prefix `{text}` is ambiguous: it matches {}; give more characters", .matches.join(", "))]
    Ambiguous {
        /// The prefix given.
        text: String,
        /// "seq N (id…)" for each match.
        matches: Vec<String>,
    },
    /// Not a key that exists, and not usable as an id prefix.
    #[error("no fact with key `{text}`, and it is not an id prefix: {reason}")]
    BadPrefix {
        /// The text given.
        text: String,
        /// Why it is not an id prefix.
        reason: IdPrefixError,
    },
    /// Reading failed.
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl From<StoreError> for ResolveError {
    fn from(e: StoreError) -> ResolveError {
        ResolveError::Read(ReadError::Store(e))
    }
}

/// Why a batch was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Fact number `index` (0-based, in batch order) is invalid.
    #[error("fact {}: {problem}", .index + 1)]
    Invalid {
        /// Position in the batch.
        index: usize,
        /// What is wrong and where.
        problem: Problem,
    },
    /// Reading the ledger failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The stored Merkle tree cannot be extended.
    #[error("cannot append: {0}")]
    Tree(String),
    /// The batch was committed but could not be flushed to disk.
    #[error("the batch was recorded (the ledger now has {size} entries) but could not be flushed to disk ({source}); it is lost if the machine stops before the next successful flush")]
    NotDurable {
        /// The ledger's size with the batch.
        size: u64,
        /// The flush failure.
        source: StoreError,
    },
    /// Writing failed; the batch was not committed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The batch could take the ledger past the entries it can hold.
    #[error("cannot append {facts} facts to a ledger of {size} entries: a ledger holds at most 2^40 ({max}) entries", max = super::index::MAX_ENTRIES)]
    Full {
        /// The ledger's size.
        size: u64,
        /// The facts in the batch.
        facts: usize,
    },
}
