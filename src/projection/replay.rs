//! `replay`: rebuild every projection from scratch, and `replay --check`: prove
//! that the incremental state (snapshot + catch-up) equals the rebuilt one.
//!
//! The fold state (`picture`) is compared by the digest of its canonical
//! encoding; each view is compared by the digest of its default table. The views
//! are pure functions of the picture, so they can only differ when the picture
//! does — they are listed so that a reader can compare them across machines and
//! versions without trusting that argument.

use super::engine::{self, store_snapshot, Cursor, ProjectionError};
use super::picture::Picture;
use super::resolve::Resolved;
use super::views::{Params, View};
use super::{Projection, StateDigest};
use crate::journal::Journal;
use crate::progress::Progress;

/// One projection's two digests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// `picture` or a view's name.
    pub name: &'static str,
    /// From the snapshot, caught up.
    pub incremental: StateDigest,
    /// From scratch.
    pub rebuilt: StateDigest,
}

impl Comparison {
    /// Whether the two agree.
    pub fn same(&self) -> bool {
        self.incremental == self.rebuilt
    }
}

/// What `replay` did.
#[derive(Clone, Debug)]
pub struct ReplayReport {
    /// Entries folded from scratch.
    pub entries: u64,
    /// Per projection: the digests.
    pub comparisons: Vec<Comparison>,
    /// Notes from loading the incremental state.
    pub notes: Vec<String>,
}

impl ReplayReport {
    /// The projections whose digests differ.
    pub fn differing(&self) -> Vec<&'static str> {
        self.comparisons
            .iter()
            .filter(|c| !c.same())
            .map(|c| c.name)
            .collect()
    }
}

/// Digests of the picture and of every view with default parameters. The views
/// are built on every core ([`View::each`]), each dropped once its digest is
/// taken.
pub fn digests(picture: &Picture) -> Vec<(&'static str, StateDigest)> {
    let resolved = Resolved::new(picture);
    let params = Params::default();
    let mut out = vec![(<Picture as Projection>::NAME, picture.digest())];
    out.extend(View::each(|view| {
        (view.name(), view.build(&resolved, &params).digest())
    }));
    out
}

/// Rebuilds from scratch and compares with the incremental state. With `store`,
/// the rebuilt state replaces the snapshot (plain `replay`); `replay --check`
/// leaves the snapshot as it found it (caught up), so a difference stays
/// visible until someone decides to rebuild.
pub fn replay(journal: &Journal, store: bool) -> Result<ReplayReport, ProjectionError> {
    replay_with(journal, store, &Progress::new())
}

/// [`replay`], counting the entries of the rebuild in `progress`.
pub fn replay_with(
    journal: &Journal,
    store: bool,
    progress: &Progress,
) -> Result<ReplayReport, ProjectionError> {
    let incremental = engine::current(journal)?;
    let rebuilt = engine::rebuild_with(journal, progress)?;
    let comparisons = digests(&incremental.picture)
        .into_iter()
        .zip(digests(&rebuilt))
        .map(|((name, incremental), (_, rebuilt))| Comparison {
            name,
            incremental,
            rebuilt,
        })
        .collect();
    let head = journal.head();
    let mut notes = incremental.notes;
    if store {
        let cursor = Cursor {
            size: head.size,
            last: head.last_id,
        };
        if let Err(e) = store_snapshot(journal, &rebuilt, cursor) {
            notes.push(format!("could not save the rebuilt snapshot ({e})"));
        }
    }
    Ok(ReplayReport {
        entries: head.size,
        comparisons,
        notes,
    })
}
