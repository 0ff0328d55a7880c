//! `replay`: rebuild every projection from scratch, and `replay --check`: prove
//! that the incremental state (snapshot + catch-up) equals the rebuilt one.
//!
//! The fold state (`picture`) is compared by the digest of its canonical
//! encoding; each view is compared by the digest of its default table. The views
//! are pure functions of the picture, so they can only differ when the picture
//! does — they are listed so that a reader can compare them across machines and
//! versions without trusting that argument. The materialised incident table
//! is a second incremental state, so its tallies are compared too, and so is
//! its history where one is stored.

use super::engine::{self, store_snapshot, Cursor, ProjectionError};
use super::materialised;
use super::picture::Picture;
use super::resolve::Resolved;
use super::views::tallies::Details;
use super::views::{Cells, Params, Rows, View};
use super::{Projection, StateDigest};
use crate::journal::Journal;
use crate::parallel;
use crate::progress::Progress;

/// The name `replay` gives the tallies counted from the materialised incident
/// table.
pub const TABLE_TALLIES: &str = "tallies (table)";

/// The name `replay` gives the materialised table's history (compared, where
/// one is stored, with one worked out afresh from the table).
pub const TABLE_HISTORY: &str = "table history";

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

/// The parameters `replay` builds every view with: the defaults, without
/// display cells, which a digest does not cover ([`Cells::Omitted`]), each
/// row written into the digest as it comes rather than kept
/// ([`Rows::Digested`]).
pub fn digest_params() -> Params {
    Params {
        cells: Cells::Omitted,
        rows: Rows::Digested,
        ..Params::default()
    }
}

/// Digests of the picture and of every view with default parameters. The views
/// are built on every core ([`View::each`]), each dropped once its digest is
/// taken.
pub fn digests(picture: &Picture) -> Vec<(&'static str, StateDigest)> {
    digests_of(picture, &Resolved::new(picture))
}

/// [`digests`] of `picture`, already resolved.
fn digests_of(picture: &Picture, resolved: &Resolved<'_>) -> Vec<(&'static str, StateDigest)> {
    let params = digest_params();
    let mut out = vec![(<Picture as Projection>::NAME, picture.digest())];
    out.extend(View::each(|view| {
        (view.name(), view.build(resolved, &params).digest())
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
    let mut notes = incremental.notes.clone();
    // The materialised incident table is a second incremental state: its
    // tallies are compared with those of the rebuilt picture (taken before
    // `replay` rebuilds the table).
    let caught = materialised::catch_up_from(journal, &incremental)?;
    let (table, table_notes) =
        materialised::tallies_of(journal, caught, &Params::default(), Details::Full)?;
    notes.extend(table_notes);
    // So is the table's history, where one is stored: compared with one
    // worked out afresh from the table.
    let history = materialised::history::check(journal)?;
    if let Some(checked) = &history {
        notes.extend(checked.notes.iter().cloned());
    }
    // The incremental state's digests are taken, and the state let go,
    // before the rebuild: two whole pictures never share the memory.
    let incremental_digests = digests(&incremental.picture);
    drop(incremental);
    let rebuilt = engine::rebuild_with(journal, progress)?;
    let head = journal.head();
    let cursor = Cursor {
        size: head.size,
        last: head.last_id,
    };
    let rebuilt_digests = {
        // Resolved once: for the digests and, with `store`, the table.
        let resolved = Resolved::new(&rebuilt);
        let digests = digests_of(&rebuilt, &resolved);
        if store {
            if let Err(e) = materialised::build::build(journal, &resolved, cursor) {
                notes.push(format!("could not save the rebuilt incident table ({e})"));
            }
        }
        digests
    };
    let mut comparisons: Vec<Comparison> = incremental_digests
        .into_iter()
        .zip(rebuilt_digests)
        .map(|((name, incremental), (_, rebuilt))| Comparison {
            name,
            incremental,
            rebuilt,
        })
        .collect();
    if let Some(tallies) = comparisons.iter().find(|c| c.name == View::Tallies.name()) {
        comparisons.push(Comparison {
            name: TABLE_TALLIES,
            incremental: table.digest(),
            rebuilt: tallies.rebuilt,
        });
    }
    if let Some(checked) = history {
        comparisons.push(Comparison {
            name: TABLE_HISTORY,
            incremental: checked.stored,
            rebuilt: checked.fresh,
        });
    }
    if store {
        if let Err(e) = store_snapshot(journal, &rebuilt, cursor) {
            notes.push(format!("could not save the rebuilt snapshot ({e})"));
        }
    }
    parallel::free_in_background(rebuilt);
    Ok(ReplayReport {
        entries: head.size,
        comparisons,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Journal;

    /// A view's JSON form is a published format: `replay --check` digests
    /// are compared across machines and versions, and they are BLAKE3 of
    /// those bytes. So on the seed corpus (the demo ledger, whose clock is
    /// fixed) the bytes must not move when views are reorganised, as when
    /// row details became text serialised from typed structs: these pins
    /// are the digests of d8bdf88, before that change. Should a format
    /// change be meant, docs/cli.md says so and the pins change with it.
    #[test]
    fn the_seed_corpus_digests_are_pinned() {
        let mut journal = Journal::in_memory("pinned-digests").unwrap();
        crate::demo::build(&mut journal).unwrap();
        let picture = engine::rebuild(&journal).unwrap();
        let got: Vec<(&str, String)> = digests(&picture)
            .into_iter()
            .map(|(name, digest)| (name, digest.to_hex()))
            .collect();
        let pinned: Vec<(&str, String)> = PINNED
            .iter()
            .map(|(name, hex)| (*name, (*hex).to_owned()))
            .collect();
        assert_eq!(got, pinned, "the seed corpus's digests moved");
    }

    /// Every view built without its display cells has the same JSON form
    /// (so the same digest) as built with them, and no cells but in the two
    /// views with few rows, on the seed corpus and on a synthetic one with
    /// corrections, retractions and merges; built with them, every row has
    /// one cell per column. Built as `replay` builds it, its rows digested as
    /// they come and not kept, it has the same digest and row count.
    #[test]
    fn views_without_cells_have_the_same_json_form() {
        use crate::projection::views::testing::{seeds, synthetic_picture};
        for picture in [seeds(), synthetic_picture(5, 3_000)] {
            let resolved = Resolved::new(&picture);
            for view in View::ALL {
                let shown = view.build(&resolved, &Params::default());
                let omitted = view.build(
                    &resolved,
                    &Params {
                        cells: Cells::Omitted,
                        ..Params::default()
                    },
                );
                assert!(!shown.rows.is_empty(), "{view}: no rows to compare");
                assert_eq!(shown.to_json(), omitted.to_json(), "{view}");
                assert_eq!(shown.digest(), omitted.digest(), "{view}");
                let digested = view.build(&resolved, &digest_params());
                assert!(digested.rows.is_empty(), "{view}: rows kept");
                assert_eq!(digested.row_count(), shown.rows.len(), "{view}");
                assert_eq!(digested.digest(), shown.digest(), "{view}");
                for row in &shown.rows {
                    assert_eq!(row.cells.len(), shown.columns.len(), "{view} {}", row.key);
                }
                let with_cells = omitted.rows.iter().filter(|r| !r.cells.is_empty());
                // `tallies` and `pauses` have few rows and build their
                // cells anyway.
                if view != View::Tallies && view != View::Pauses {
                    assert_eq!(with_cells.count(), 0, "{view}");
                }
            }
        }
    }

    const PINNED: [(&str, &str); 8] = [
        (
            "picture",
            "f5f124822a1a5f036918a8fc13a589037ff4c63ac07c1e18427f5f535d382132",
        ),
        (
            "incidents",
            "0f083dc90f43cbe6ec232ec5ee9e6ac1a10d2157051d89e5fa4033cb76e9aeea",
        ),
        (
            "tallies",
            "6ffee991d6fe99bd99fbead06eb14895b58f71e9e828bfc64abe061d7a028ee9",
        ),
        (
            "pauses",
            "7100bea7d7bdbfa776ecf15f67d81774221454e65be1d2f892d1060995c3ea9d",
        ),
        (
            "counts",
            "57009bf2a407501a3bf8aa1ea800f1e3ac626fb44516ea9390f76fbfb2770cf8",
        ),
        (
            "statements",
            "a746804375cb762b1f1199aa0e1f75c76b347630f6c0d0ffff1969d86596e172",
        ),
        (
            "revisions",
            "a8798ed92fad323f37f641d54843f458c389625bbcb6f68e1f78a2d3094f2b3d",
        ),
        (
            "timeline",
            "15143ce04836af0619febcb7bb008cf99e2cdaa1607e7396cef737def7c37d5c",
        ),
    ];
}
