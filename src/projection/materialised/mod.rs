//! The materialised incident table: every combined incident's summary kept in
//! derived files beside the log and brought up to date after each append by
//! recomputing only the incidents the new facts reach, so that `tallies` at
//! the head reads small summaries instead of loading and resolving the whole
//! picture (docs/projections.md, "The materialised incident table").
//!
//! The table is derived data like the picture's snapshot: never needed for a
//! correct answer, refused (and rebuilt from the picture) when it does not
//! match the log or its own digests. A table more than [`UPDATE_LIMIT`]
//! entries behind is rebuilt rather than updated.

pub mod build;
pub mod history;
mod stored;
pub mod summary;
pub mod touch;
mod update;

#[cfg(test)]
mod tests;

use crate::journal::{Journal, ReadError};
use crate::parallel;
use crate::projection::engine::{self, Current, ProjectionError};
use crate::projection::resolve::Resolved;
use crate::projection::table::Table;
use crate::projection::views::tallies::{Counting, Details, DEFAULT_DIRECTION};
use crate::projection::views::Params;
use crate::Seq;

pub use stored::{Manifest, Trouble};

/// The most entries an update folds in; a table further behind is rebuilt
/// from the picture, which then costs less than following every change.
pub const UPDATE_LIMIT: u64 = 1 << 16;

/// What catching the table up did.
#[derive(Debug)]
pub struct CatchUp {
    /// The table as it now stands (at the head).
    pub manifest: Manifest,
    /// Entries folded in by an update (0 when rebuilt or already current).
    pub folded: u64,
    /// Whether it was rebuilt from the picture.
    pub rebuilt: bool,
    /// What the user should know (a refused table, and why).
    pub notes: Vec<String>,
}

/// Brings the table to the head: updates it when it is usable and close
/// behind, else rebuilds it from the picture.
pub fn catch_up(journal: &Journal) -> Result<CatchUp, ProjectionError> {
    settle(journal, usable(journal), UPDATE_LIMIT, None)
}

/// [`catch_up`] for a caller that holds the picture at the head already
/// (`replay`): a rebuild starts from `current` instead of loading it again.
pub fn catch_up_from(journal: &Journal, current: &Current) -> Result<CatchUp, ProjectionError> {
    settle(journal, usable(journal), UPDATE_LIMIT, Some(current))
}

/// After an append: brings the table up to date if there is one close
/// behind, and returns what that did; else `None`, and the next `tallies`
/// builds or rebuilds it.
pub fn follow(journal: &Journal) -> Result<Option<CatchUp>, ProjectionError> {
    follow_within(journal, UPDATE_LIMIT)
}

/// [`follow`], updating only a table at most `limit` entries behind.
fn follow_within(journal: &Journal, limit: u64) -> Result<Option<CatchUp>, ProjectionError> {
    match usable(journal) {
        Ok(manifest) if journal.head().size - manifest.size <= limit => {
            settle(journal, Ok(manifest), limit, None).map(Some)
        }
        Ok(_) | Err(Trouble::Refused(_)) => Ok(None),
        Err(Trouble::Read(e)) => Err(e.into()),
    }
}

/// Updates the table `found` (from [`usable`]) to the head if it is at most
/// `limit` entries behind, else rebuilds it (from `given`, the picture at the
/// head, when the caller has it).
fn settle(
    journal: &Journal,
    found: Result<Manifest, Trouble>,
    limit: u64,
    given: Option<&Current>,
) -> Result<CatchUp, ProjectionError> {
    let head = journal.head();
    let settled = stored::settle(
        journal,
        found,
        |manifest| head.size - manifest.size,
        limit,
        |manifest| {
            let next = update::update(journal, &manifest)?;
            Ok(CatchUp {
                manifest: next,
                folded: head.size - manifest.size,
                rebuilt: false,
                notes: Vec::new(),
            })
        },
        stored::MANIFEST,
    )?;
    let reason = match settled {
        stored::Settled::Current(caught) => return Ok(caught),
        stored::Settled::Rebuild(reason) => reason,
    };
    rebuild(journal, reason.iter().map(|r| refused(r)).collect(), given)
}

/// The `tallies` view at the head, counted from the table's summaries, with
/// or without the rows' details.
pub fn tallies(
    journal: &Journal,
    params: &Params,
    details: Details,
) -> Result<(Table, Vec<String>), ProjectionError> {
    tallies_of(journal, catch_up(journal)?, params, details)
}

/// [`tallies`] of the table as `caught` left it (at the head).
pub fn tallies_of(
    journal: &Journal,
    mut caught: CatchUp,
    params: &Params,
    details: Details,
) -> Result<(Table, Vec<String>), ProjectionError> {
    let files = match stored::read_all_summaries(journal, &caught.manifest) {
        Ok(files) => files,
        Err(Trouble::Read(e)) => return Err(e.into()),
        Err(Trouble::Refused(reason)) => {
            caught = rebuild(journal, vec![refused(&reason)], None)?;
            stored::read_all_summaries(journal, &caught.manifest)?
        }
    };
    let counting = count(&files, params, |file| stored::decode_filed(file))?;
    Ok((counting.table(params, details), caught.notes))
}

/// Counts under `params`, on every core, the summaries `filed_of` gives for
/// each of `parts`; a summary whose direction or outcome rules it out is not
/// decoded further.
fn count<'a, T: Sync>(
    parts: &'a [T],
    params: &Params,
    filed_of: impl Fn(&'a T) -> Result<Vec<stored::Filed<'a>>, Trouble> + Sync,
) -> Result<Counting<'a>, Trouble> {
    let share = parts.len().div_ceil(parallel::cores()).max(1);
    let shares: Vec<&'a [T]> = parts.chunks(share).collect();
    let counted = parallel::map(&shares, 2, |share| -> Result<Counting<'a>, Trouble> {
        let mut counting = Counting::default();
        for part in *share {
            for filed in filed_of(part)? {
                if params
                    .rule
                    .may_fit(filed.direction, filed.outcome, DEFAULT_DIRECTION)
                {
                    counting.add(&filed.summary()?, params);
                }
            }
        }
        Ok(counting)
    });
    let mut counting = Counting::default();
    for part in counted {
        counting.merge(part?);
    }
    Ok(counting)
}

/// The stored manifest, if it reads and stands on this log.
fn usable(journal: &Journal) -> Result<Manifest, Trouble> {
    let manifest = stored::manifest(journal)?;
    stands_on(journal, manifest.size, manifest.last)?;
    Ok(manifest)
}

/// Refuses derived data stored at `size` entries, the last of id `last`,
/// unless this log holds that entry there.
fn stands_on(journal: &Journal, size: u64, last: crate::hash::Id) -> Result<(), Trouble> {
    let head = journal.head();
    if size > head.size {
        return Err(Trouble::Refused(format!(
            "it is ahead of the log ({size} entries, the log has {})",
            head.size
        )));
    }
    let actual = match size.checked_sub(1) {
        None => journal.genesis(),
        Some(last) => journal
            .read(Seq::new(last))?
            .map(|record| record.id)
            .ok_or(ReadError::Segment {
                seq: Seq::new(last),
            })?,
    };
    if actual != last {
        return Err(Trouble::Refused(format!(
            "it stands at seq {}, where the log holds another entry",
            size.saturating_sub(1)
        )));
    }
    Ok(())
}

fn refused(reason: &str) -> String {
    format!("materialised incident table refused: {reason}; rebuilt it from the picture")
}

fn rebuild(
    journal: &Journal,
    mut notes: Vec<String>,
    given: Option<&Current>,
) -> Result<CatchUp, ProjectionError> {
    let loaded;
    let current = match given {
        Some(current) => current,
        None => {
            // A read at the head: the picture's snapshot is rewritten only
            // once it lags as far as the views let it (engine::at).
            loaded = engine::catch_up(journal, engine::REFRESH_LAG)?;
            notes.extend(loaded.notes.iter().cloned());
            &loaded
        }
    };
    let resolved = Resolved::new(&current.picture);
    let manifest = build::build(journal, &resolved, current.cursor)?;
    Ok(CatchUp {
        manifest,
        folded: 0,
        rebuilt: true,
        notes,
    })
}
