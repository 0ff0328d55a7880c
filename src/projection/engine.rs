//! The projection engine: snapshots with their cursor, incremental catch-up, and
//! folds cut at an as-of point.
//!
//! The snapshot is derived data kept beside the log (`derived/picture`, see
//! docs/format.md): a version, the cursor `(size, id of entry size-1)`, the
//! BLAKE3 digest of the state bytes and the state bytes. It is trusted only after
//! four checks — it decodes, its digest matches its bytes, its state holds as
//! many entries as its cursor says, and the entry at its cursor still has the id
//! it recorded. Anything else is refused with the reason,
//! and the state is rebuilt from the log. A snapshot is never needed for a
//! correct answer, only for a fast one.
//!
//! [`current`] stores the snapshot it caught up. A view at the head ([`at`])
//! and an append ([`refresh`]) rewrite it only once the log has run
//! [`REFRESH_LAG`] entries past it: until then each read folds the few newer
//! entries from the log, which costs far less than rewriting a snapshot that
//! holds every fact. `append` tells how far behind it is from the snapshot's
//! header alone.

use super::as_of::{AsOf, Cut};
use super::picture::Picture;
use super::resolve::{PublishedBy, Resolved};
use super::{Projection, StateDigest};
use crate::entry::{Entry, Seq};
use crate::fact::FactBody;
use crate::hash::Id;
use crate::journal::{Journal, ReadError};
use crate::progress::Progress;

/// The name the picture's snapshot is stored under.
pub const SNAPSHOT_NAME: &str = "picture";
const SNAPSHOT_VERSION: u16 = 2;
const HEADER_LEN: usize = 2 + 8 + 32 + 32;
/// How many entries the log may run past the snapshot before an append or a
/// view at the head rewrites it. Folding this many from the log takes milliseconds;
/// rewriting the snapshot takes time in proportion to the whole ledger.
pub const REFRESH_LAG: u64 = 4096;

/// How far a fold state has read: `size` entries, the last with id `last`
/// (the genesis value when `size` is 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Entries folded in.
    pub size: u64,
    /// Id of the last one.
    pub last: Id,
}

/// Why a projection could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// Reading the log failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// [`Current::follow`] was given a log that does not extend the one it
    /// followed.
    #[error("the ledger no longer holds the entry the projections were last caught up to (seq {seq}): it is not the log they followed")]
    NotExtended {
        /// The last seq folded in.
        seq: u64,
    },
    /// The materialised incident table could not be used, even rebuilt.
    #[error("the materialised incident table cannot be used: {0}")]
    Table(String),
    /// `--as-of-seq` names a seq the ledger does not have.
    #[error("as-of seq {seq} is beyond the head: the ledger has {size} entries (seq 0 to {last})", last = size.saturating_sub(1))]
    BeyondHead {
        /// The seq asked for.
        seq: u64,
        /// Entries in the ledger.
        size: u64,
    },
}

/// The picture at the head of the log, caught up from its snapshot.
pub struct Current {
    /// The fold state.
    pub picture: Picture,
    /// Where it stands (the head).
    pub cursor: Cursor,
    /// How many entries were folded to catch up.
    pub folded: u64,
    /// What the engine had to do that the user should know (a refused snapshot,
    /// a snapshot that could not be saved).
    pub notes: Vec<String>,
}

impl Current {
    /// Folds in, in memory, the entries appended to `journal` since this state
    /// was taken, and returns how many there were: the incremental update of a
    /// process that keeps its projections open, whose cost is that of the new
    /// entries whatever the ledger's size. Nothing is stored ([`catch_up`] and
    /// [`refresh`] keep the snapshot). The log must extend the one this state
    /// followed: the entry it last folded must still be there, with its id.
    pub fn follow(&mut self, journal: &Journal) -> Result<u64, ProjectionError> {
        let head = journal.head();
        let extends = match self.cursor.size.checked_sub(1) {
            None => true,
            Some(_) if head.size == self.cursor.size => head.last_id == self.cursor.last,
            Some(last) => journal
                .read(Seq::new(last))?
                .is_some_and(|record| record.id == self.cursor.last),
        };
        if !extends || head.size < self.cursor.size {
            return Err(ProjectionError::NotExtended {
                seq: self.cursor.size.saturating_sub(1),
            });
        }
        let folded = fold(
            journal,
            &mut self.picture,
            self.cursor.size,
            head.size,
            &|_| true,
            &Progress::new(),
        )?;
        self.cursor = Cursor {
            size: head.size,
            last: head.last_id,
        };
        self.folded += folded;
        Ok(folded)
    }
}

/// The state at the head: load the snapshot, check it, fold what is new, and
/// store the new snapshot if anything changed.
pub fn current(journal: &Journal) -> Result<Current, ProjectionError> {
    catch_up(journal, 1)
}

/// [`current`], storing the caught-up snapshot only if the stored one was
/// missing or refused, or lagged by at least `store_after` entries. Reads at
/// the head ([`at`]) pass [`REFRESH_LAG`]: folding a few thousand entries from
/// the log costs milliseconds, rewriting a snapshot of every fact does not.
pub fn catch_up(journal: &Journal, store_after: u64) -> Result<Current, ProjectionError> {
    let head = journal.head();
    let mut notes = Vec::new();
    let (mut picture, from, stale) = match load(journal)? {
        Loaded::Usable(picture, cursor) => (picture, cursor.size, false),
        Loaded::Missing => (Picture::default(), 0, true),
        Loaded::Refused(reason) => {
            notes.push(format!(
                "projection snapshot refused: {reason}; rebuilt it from the log"
            ));
            (Picture::default(), 0, true)
        }
    };
    let folded = fold(
        journal,
        &mut picture,
        from,
        head.size,
        &|_| true,
        &Progress::new(),
    )?;
    let cursor = Cursor {
        size: head.size,
        last: head.last_id,
    };
    if stale || (folded > 0 && folded >= store_after) {
        if let Err(e) = store_snapshot(journal, &picture, cursor) {
            notes.push(format!(
                "could not save the projection snapshot ({e}); the next command will catch up again"
            ));
        }
    }
    Ok(Current {
        picture,
        cursor,
        folded,
        notes,
    })
}

/// How many entries the log has run past the stored snapshot, read from the
/// cursor in its header alone (the whole log when there is none, or the header
/// is unreadable; the next read then checks the snapshot whole).
pub fn snapshot_lag(journal: &Journal) -> Result<u64, ReadError> {
    let size = journal
        .derived_prefix(SNAPSHOT_NAME, HEADER_LEN)?
        .and_then(|header| <[u8; 8]>::try_from(header.get(2..10)?).ok())
        .map_or(0, u64::from_be_bytes);
    Ok(journal.head().size.saturating_sub(size))
}

/// After an append: rewrites the snapshot if the log has run at least
/// [`REFRESH_LAG`] entries past it, and returns what [`current`] did; else
/// `None`, and the next read folds the newer entries from the log.
pub fn refresh(journal: &Journal) -> Result<Option<Current>, ProjectionError> {
    if snapshot_lag(journal)? < REFRESH_LAG {
        return Ok(None);
    }
    current(journal).map(Some)
}

/// The state rebuilt from scratch at the head, ignoring any snapshot.
pub fn rebuild(journal: &Journal) -> Result<Picture, ProjectionError> {
    rebuild_with(journal, &Progress::new())
}

/// [`rebuild`], counting the entries folded in `progress`.
pub fn rebuild_with(journal: &Journal, progress: &Progress) -> Result<Picture, ProjectionError> {
    let mut picture = Picture::default();
    fold(
        journal,
        &mut picture,
        0,
        journal.head().size,
        &|_| true,
        progress,
    )?;
    Ok(picture)
}

/// A source left out of an as-of-published view, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// The source key.
    pub source: String,
    /// Why ("published 2024-04-22", "not published before 2025-06-23", …).
    pub reason: String,
}

/// The picture at an as-of point.
pub struct AtPoint {
    /// The fold state.
    pub picture: Picture,
    /// Entries of the log the cut keeps.
    pub size: u64,
    /// Sources (and so their facts) the publication date left out.
    pub left_out: Vec<LeftOut>,
    /// Notes from catching up at the head.
    pub notes: Vec<String>,
}

/// The picture as of `point`.
pub fn at(journal: &Journal, point: &AsOf) -> Result<AtPoint, ProjectionError> {
    let head = journal.head();
    let size = cut_size(journal, point.cut)?;
    let (picture, notes) = if size == head.size {
        let current = catch_up(journal, REFRESH_LAG)?;
        (current.picture, current.notes)
    } else {
        let mut picture = Picture::default();
        fold(journal, &mut picture, 0, size, &|_| true, &Progress::new())?;
        (picture, Vec::new())
    };
    let Some(day) = point.published else {
        return Ok(AtPoint {
            picture,
            size,
            left_out: Vec::new(),
            notes,
        });
    };
    let resolved = Resolved::new(&picture);
    let mut admitted = std::collections::BTreeSet::new();
    let mut left_out = Vec::new();
    for (source, _) in resolved.sources() {
        let Some(publication) = resolved.publication(source.key) else {
            continue;
        };
        let reason = match publication.by(day) {
            PublishedBy::Yes => {
                admitted.insert(source.key.to_owned());
                continue;
            }
            PublishedBy::No if publication.stated => format!(
                "published {}",
                span_text(publication.not_before, publication.not_after)
            ),
            PublishedBy::No => format!(
                "no publication date; it reports events of {}, so it was published later",
                publication
                    .not_before
                    .map_or_else(|| "?".to_owned(), |d| d.to_string())
            ),
            PublishedBy::Unknown if publication.stated => format!(
                "published {}, which may be later",
                span_text(publication.not_before, publication.not_after)
            ),
            PublishedBy::Unknown => format!(
                "no publication date; published between {} and {} (recorded), which may be later",
                publication
                    .not_before
                    .map_or_else(|| "an unknown day".to_owned(), |d| d.to_string()),
                publication.not_after
            ),
        };
        left_out.push(LeftOut {
            source: source.key.to_owned(),
            reason,
        });
    }
    let keep = |entry: &Entry| match &entry.fact.body {
        FactBody::Source(_) => admitted.contains(entry.fact.key.as_str()),
        body => body.source_key().is_some_and(|s| admitted.contains(s)),
    };
    let mut filtered = Picture::default();
    fold(journal, &mut filtered, 0, size, &keep, &Progress::new())?;
    Ok(AtPoint {
        picture: filtered,
        size,
        left_out,
        notes,
    })
}

fn span_text(start: Option<crate::time::Date>, end: crate::time::Date) -> String {
    match start {
        Some(s) if s == end => s.to_string(),
        Some(s) => format!("{s}..{end}"),
        None => format!("by {end}"),
    }
}

/// How many entries of the log a cut keeps.
pub fn cut_size(journal: &Journal, cut: Cut) -> Result<u64, ProjectionError> {
    let size = journal.head().size;
    match cut {
        Cut::Head => Ok(size),
        Cut::Seq(seq) if seq.get() >= size => Err(ProjectionError::BeyondHead {
            seq: seq.get(),
            size,
        }),
        Cut::Seq(seq) => Ok(seq.get() + 1),
        Cut::Recorded(t) => {
            // recorded_at never decreases along the log: binary search for the
            // first entry recorded after `t`.
            let (mut low, mut high) = (0u64, size);
            while low < high {
                let mid = low + (high - low) / 2;
                let at = journal
                    .read(Seq::new(mid))?
                    .map(|r| r.entry.recorded_at)
                    .ok_or(ReadError::Segment { seq: Seq::new(mid) })?;
                if at <= t {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            Ok(low)
        }
    }
}

/// Folds entries `from..to` into `picture`, skipping those `keep` refuses.
/// Returns how many entries were read.
fn fold(
    journal: &Journal,
    picture: &mut Picture,
    from: u64,
    to: u64,
    keep: &dyn Fn(&Entry) -> bool,
    progress: &Progress,
) -> Result<u64, ProjectionError> {
    if from >= to {
        return Ok(0);
    }
    let mut read = 0;
    journal.entries(Seq::new(from), Seq::new(to), &mut |entry| {
        if keep(&entry) {
            picture.apply_owned(entry);
        }
        read += 1;
        progress.advance(1);
        true
    })?;
    Ok(read)
}

enum Loaded {
    Usable(Picture, Cursor),
    Missing,
    Refused(String),
}

fn load(journal: &Journal) -> Result<Loaded, ProjectionError> {
    let Some(bytes) = journal.derived(SNAPSHOT_NAME)? else {
        return Ok(Loaded::Missing);
    };
    let (cursor, digest, state) = match parse_snapshot(&bytes) {
        Ok(parts) => parts,
        Err(reason) => return Ok(Loaded::Refused(reason)),
    };
    if StateDigest::of(state) != digest {
        return Ok(Loaded::Refused(
            "its state does not match its digest".to_owned(),
        ));
    }
    let head = journal.head();
    if cursor.size > head.size {
        return Ok(Loaded::Refused(format!(
            "it is ahead of the log (cursor at {} entries, the log has {})",
            cursor.size, head.size
        )));
    }
    let actual = if cursor.size == 0 {
        journal.genesis()
    } else {
        match journal.read(Seq::new(cursor.size - 1))? {
            Some(record) => record.id,
            None => return Ok(Loaded::Refused("its cursor entry is missing".to_owned())),
        }
    };
    if actual != cursor.last {
        return Ok(Loaded::Refused(format!(
            "its cursor (seq {}, id {}) does not match the log, which has id {} there",
            cursor.size.saturating_sub(1),
            cursor.last.short(),
            actual.short()
        )));
    }
    match Picture::from_stored(state) {
        Ok(picture) if picture.size != cursor.size => Ok(Loaded::Refused(format!(
            "its state holds {} entries but its cursor says {}",
            picture.size, cursor.size
        ))),
        Ok(picture) => Ok(Loaded::Usable(picture, cursor)),
        Err(e) => Ok(Loaded::Refused(format!("its state does not decode ({e})"))),
    }
}

fn parse_snapshot(bytes: &[u8]) -> Result<(Cursor, StateDigest, &[u8]), String> {
    if bytes.len() < HEADER_LEN {
        return Err("it is truncated".to_owned());
    }
    let version = u16::from_be_bytes([bytes[0], bytes[1]]);
    if version != SNAPSHOT_VERSION {
        return Err(format!(
            "it has version {version}; this build reads version {SNAPSHOT_VERSION}"
        ));
    }
    let mut size = [0u8; 8];
    size.copy_from_slice(&bytes[2..10]);
    let mut last = [0u8; 32];
    last.copy_from_slice(&bytes[10..42]);
    let mut digest = [0u8; 32];
    digest.copy_from_slice(&bytes[42..74]);
    Ok((
        Cursor {
            size: u64::from_be_bytes(size),
            last: Id::from_bytes(last),
        },
        StateDigest(digest),
        &bytes[HEADER_LEN..],
    ))
}

/// Stores `picture` as the snapshot at `cursor`. Public so that tests can plant a
/// snapshot that disagrees with the log and watch it be refused.
pub fn store_snapshot(
    journal: &Journal,
    picture: &Picture,
    cursor: Cursor,
) -> Result<(), ReadError> {
    let state = picture.stored_pieces();
    let mut digest = blake3::Hasher::new();
    for piece in &state {
        digest.update(piece);
    }
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(&SNAPSHOT_VERSION.to_be_bytes());
    header.extend_from_slice(&cursor.size.to_be_bytes());
    header.extend_from_slice(cursor.last.as_bytes());
    header.extend_from_slice(digest.finalize().as_bytes());
    let pieces: Vec<&[u8]> = std::iter::once(&header)
        .chain(&state)
        .map(Vec::as_slice)
        .collect();
    journal.put_derived_pieces(SNAPSHOT_NAME, &pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::AppendOptions;

    fn options() -> AppendOptions {
        AppendOptions {
            recorded_by: "test".into(),
            durable: false,
            dry_run: false,
        }
    }

    #[test]
    fn following_folds_only_the_new_entries_and_equals_a_rebuild() {
        let mut journal = Journal::in_memory("test").unwrap();
        crate::synth::append_corpus(&mut journal, 5, 300, 100, &options()).unwrap();
        let mut open = current(&journal).unwrap();
        assert_eq!(open.follow(&journal).unwrap(), 0, "nothing new");
        for n in [301, 302, 700] {
            crate::synth::append_corpus(&mut journal, 5, n, 1_000, &options()).unwrap();
            let before = open.cursor.size;
            assert_eq!(open.follow(&journal).unwrap(), n - before);
            assert_eq!(open.cursor.size, n);
            assert_eq!(open.picture.digest(), rebuild(&journal).unwrap().digest());
        }
    }

    #[test]
    fn following_another_log_is_refused() {
        let mut ours = Journal::in_memory("test").unwrap();
        crate::synth::append_corpus(&mut ours, 5, 50, 100, &options()).unwrap();
        let mut open = current(&ours).unwrap();
        // Same origin, other facts: seq 49 exists but is another entry.
        let mut theirs = Journal::in_memory("test").unwrap();
        crate::synth::append_corpus(&mut theirs, 6, 80, 100, &options()).unwrap();
        assert!(matches!(
            open.follow(&theirs),
            Err(ProjectionError::NotExtended { seq: 49 })
        ));
        // A shorter log.
        let mut short = Journal::in_memory("test").unwrap();
        crate::synth::append_corpus(&mut short, 5, 20, 100, &options()).unwrap();
        assert!(open.follow(&short).is_err());
        assert_eq!(open.cursor.size, 50, "a refused follow changes nothing");
    }

    /// A snapshot is hashed and written piece by piece: what is read back
    /// is usable (its digest checks) and is the picture stored.
    #[test]
    fn a_stored_snapshot_reads_back_usable_and_whole() {
        let mut journal = Journal::in_memory("test").unwrap();
        crate::synth::append_corpus(&mut journal, 8, 2_000, 500, &options()).unwrap();
        let picture = rebuild(&journal).unwrap();
        let head = journal.head();
        let cursor = Cursor {
            size: head.size,
            last: head.last_id,
        };
        store_snapshot(&journal, &picture, cursor).unwrap();
        match load(&journal).unwrap() {
            Loaded::Usable(loaded, at) => {
                assert_eq!(loaded, picture);
                assert_eq!(at.size, cursor.size);
            }
            Loaded::Missing => panic!("no snapshot stored"),
            Loaded::Refused(reason) => panic!("refused: {reason}"),
        }
    }

    /// An append leaves the snapshot alone until the log runs `REFRESH_LAG`
    /// entries past it; a read folds the newer entries either way.
    #[test]
    fn an_append_rewrites_the_snapshot_only_once_it_lags_far_enough() {
        let mut journal = Journal::in_memory("test").unwrap();
        assert_eq!(snapshot_lag(&journal).unwrap(), 0);
        crate::synth::append_corpus(&mut journal, 3, 100, 100, &options()).unwrap();
        assert_eq!(snapshot_lag(&journal).unwrap(), 100, "no snapshot yet");
        assert!(refresh(&journal).unwrap().is_none(), "100 < REFRESH_LAG");

        let caught_up = current(&journal).unwrap();
        assert_eq!(caught_up.folded, 100);
        assert_eq!(snapshot_lag(&journal).unwrap(), 0, "a read stores it");

        let n = 100 + REFRESH_LAG - 1;
        crate::synth::append_corpus(&mut journal, 3, n, 1_000, &options()).unwrap();
        assert_eq!(snapshot_lag(&journal).unwrap(), REFRESH_LAG - 1);
        assert!(refresh(&journal).unwrap().is_none());

        crate::synth::append_corpus(&mut journal, 3, n + 1, 1_000, &options()).unwrap();
        let refreshed = refresh(&journal).unwrap().expect("lag reached");
        assert_eq!(refreshed.folded, REFRESH_LAG);
        assert_eq!(snapshot_lag(&journal).unwrap(), 0);
        assert_eq!(
            refreshed.picture.digest(),
            rebuild(&journal).unwrap().digest()
        );
    }
}
