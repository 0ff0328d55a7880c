//! The importer's entry point and its vocabulary: the options, the summary and
//! every reason an import is refused. It checks the target before reading
//! anything, rebuilds in a temporary directory, and moves that into place only
//! once every check has passed; on any error it removes the temporary directory.

use std::fs;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use super::header::read_header;
use super::lines::Lines;
use super::rebuild::rebuild;
use super::target::{check_target, discard, temp_dir_for};
use super::{MAX_BATCH, MAX_LINE_BYTES};
use crate::codec::CodecError;
use crate::entry::Seq;
use crate::fact::Problem;
use crate::hash::Id;
use crate::journal::{AppendError, OpenError, ReadError};
use crate::merkle::Hash;

/// How to import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The longest line accepted, in bytes, newline excluded.
    pub max_line_bytes: usize,
    /// The most entries appended in one batch (a run of entries sharing
    /// `recorded_at` and `recorded_by` is split into batches of this size).
    pub max_batch: usize,
    /// Counts the entries appended, for a progress bar.
    pub progress: crate::progress::Progress,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            max_line_bytes: MAX_LINE_BYTES,
            max_batch: MAX_BATCH,
            progress: crate::progress::Progress::new(),
        }
    }
}

/// What an import rebuilt.
#[derive(Clone, Debug)]
pub struct ImportSummary {
    /// The new ledger's directory.
    pub path: PathBuf,
    /// Its origin.
    pub origin: String,
    /// The number of entries.
    pub size: u64,
    /// Its Merkle root, equal to the file's.
    pub root: Hash,
    /// Its head id, equal to the file's.
    pub head: Id,
}

/// Why an import was refused. Nothing was created at the target, and the
/// temporary directory was removed (unless `Abandoned` says otherwise).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Something is at the target path.
    #[error("{} already exists; import creates a new ledger (give a path that does not exist yet, or an empty directory)", .path.display())]
    TargetExists {
        /// The target.
        path: PathBuf,
    },
    /// The target path has no last component (`/`, `..`).
    #[error("cannot import into {}: name the new ledger's directory", .path.display())]
    BadTarget {
        /// The target.
        path: PathBuf,
    },
    /// The directory the target would be created in does not exist.
    #[error("cannot import into {}: the directory {} does not exist", .path.display(), .parent.display())]
    NoParent {
        /// The target.
        path: PathBuf,
        /// Its parent.
        parent: PathBuf,
    },
    /// The temporary directory's name is taken.
    #[error("{} is in the way (left by an earlier import?); remove it and import again", .path.display())]
    TempInTheWay {
        /// The temporary directory.
        path: PathBuf,
    },
    /// A file-system operation on the target or the temporary directory failed.
    #[error("cannot {what} {}: {source}", .path.display())]
    Io {
        /// What was being done ("inspect", "move the rebuilt ledger to").
        what: &'static str,
        /// On which path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Reading the input failed.
    #[error("line {line}: cannot read the file: {source}")]
    Read {
        /// The line being read.
        line: u64,
        /// Why.
        source: io::Error,
    },
    /// A line is longer than the cap.
    #[error("line {line} is longer than {max} bytes; refusing to read it (is this a ledger-jsonl export?)")]
    LineTooLong {
        /// The line.
        line: u64,
        /// The cap.
        max: usize,
    },
    /// The input is empty.
    #[error("line 1: the file is empty; a ledger-jsonl export starts with its header line")]
    Empty,
    /// A line that is not one JSON object.
    #[error("line {line} is not a JSON object: {reason}")]
    NotJson {
        /// The line.
        line: u64,
        /// The parser's message.
        reason: String,
    },
    /// A line as a whole is wrong (empty, of no known shape, unterminated).
    #[error("line {line} {problem}")]
    Line {
        /// The line.
        line: u64,
        /// What is wrong, as a predicate ("is empty; …").
        problem: String,
    },
    /// One member of a line is missing or wrong.
    #[error("line {line}: `{member}` {problem}")]
    Member {
        /// The line.
        line: u64,
        /// The member.
        member: &'static str,
        /// What is wrong, as a predicate ("is missing").
        problem: String,
    },
    /// A member the format does not have.
    #[error("line {line}: unknown member `{member}` in {what} (it has only {expected})")]
    UnknownMember {
        /// The line.
        line: u64,
        /// The member.
        member: String,
        /// Which kind of line.
        what: &'static str,
        /// The members it may have.
        expected: String,
    },
    /// The bytes do not hash to the id given beside them.
    #[error("line {line}: `id` is {} but the bytes hash to {}", .claimed, .hashed)]
    IdMismatch {
        /// The line.
        line: u64,
        /// The `id` member.
        claimed: Id,
        /// `Id::of_entry(bytes)`.
        hashed: Id,
    },
    /// The bytes are not one canonical entry.
    #[error("line {line}: `bytes` are not a canonical entry: {source}")]
    Codec {
        /// The line.
        line: u64,
        /// Why.
        source: CodecError,
    },
    /// The journal refuses the fact, as `sitrep append` would.
    #[error("line {line}: the ledger refuses fact `{key}`, as `sitrep append` would: {problem}")]
    Refused {
        /// The line.
        line: u64,
        /// The fact's key.
        key: String,
        /// Why.
        problem: Problem,
    },
    /// The journal recorded the fact, but not as the same entry.
    #[error("line {line}: the entry rebuilt from this line has id {} but the file says {}", .rebuilt, .claimed)]
    Rebuilt {
        /// The line.
        line: u64,
        /// The id the journal gave the entry.
        rebuilt: Id,
        /// The file's id.
        claimed: Id,
    },
    /// The same fact twice: the journal records it once.
    #[error(
        "line {line}: fact `{key}` is already recorded at seq {seq}; a ledger holds each fact once"
    )]
    Duplicate {
        /// The line.
        line: u64,
        /// The fact's key.
        key: String,
        /// Where it is.
        seq: Seq,
    },
    /// The input ends before the final line.
    #[error("line {after}: the file ends after this line without its final size-and-root line (truncated?)")]
    Truncated {
        /// The last line read.
        after: u64,
    },
    /// Something follows the final line.
    #[error("line {line}: nothing may follow the final size-and-root line")]
    AfterFinal {
        /// The first line after it.
        line: u64,
    },
    /// The new ledger could not be created.
    #[error(transparent)]
    Open(OpenError),
    /// The journal failed while appending (not a refusal of a fact).
    #[error(transparent)]
    Append(AppendError),
    /// Reading the rebuilt ledger failed.
    #[error(transparent)]
    Journal(#[from] ReadError),
    /// The import was refused and its temporary directory could not be removed.
    #[error("{cause} (and the temporary directory {} could not be removed: {source}; delete it by hand)", .path.display())]
    Abandoned {
        /// Why the import was refused.
        cause: Box<ImportError>,
        /// The temporary directory left behind.
        path: PathBuf,
        /// Why it could not be removed.
        source: io::Error,
    },
}

/// Rebuilds a new ledger at `target` from a ledger-jsonl export read from `input`,
/// line by line. `target` must not exist or be an empty directory; this is checked
/// before anything is read. On any error nothing is left at `target` or beside it.
pub fn import_ledger_jsonl(
    target: &Path,
    input: &mut dyn BufRead,
    options: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let replace_empty_dir = check_target(target)?;
    let tmp = temp_dir_for(target)?;
    if fs::symlink_metadata(&tmp).is_ok() {
        return Err(ImportError::TempInTheWay { path: tmp });
    }
    let mut lines = Lines::new(input, options.max_line_bytes);
    let header = read_header(&mut lines)?;
    // The journal is dropped inside `rebuild`, before the directory is moved or
    // removed.
    let summary = rebuild(&tmp, &header, &mut lines, options).map_err(|e| discard(&tmp, e))?;
    if replace_empty_dir {
        fs::remove_dir(target).map_err(|source| {
            discard(
                &tmp,
                ImportError::Io {
                    what: "replace the empty directory",
                    path: target.to_path_buf(),
                    source,
                },
            )
        })?;
    }
    fs::rename(&tmp, target).map_err(|source| {
        discard(
            &tmp,
            ImportError::Io {
                what: "move the rebuilt ledger to",
                path: target.to_path_buf(),
                source,
            },
        )
    })?;
    Ok(ImportSummary {
        path: target.to_path_buf(),
        ..summary
    })
}
