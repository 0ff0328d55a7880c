//! `Picture`: the fold state every view is computed from.
//!
//! It keeps every fact by key (its seq, recording time and body as recorded) and,
//! for every fact that something revises, the keys of the denials, corrections
//! and retractions that point at it, in log order; merges are kept in log order.
//! Nothing is resolved here — which version is in force, what is retracted, which
//! incident keys are one — because a later entry can change any of those answers
//! (a retracted correction, a retracted merge); `resolve` answers them from this
//! state. `BTreeMap` and log-ordered `Vec`s keep the encoding canonical.

use std::collections::BTreeMap;

use super::Projection;
use crate::codec::{self, CodecError, Decode, Encode};
use crate::entry::{Entry, Seq};
use crate::fact::FactBody;
use crate::parallel;
use crate::text::Text;
use crate::time::Timestamp;

/// One fact as the picture keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Recorded {
    /// Where it is in the log.
    pub seq: Seq,
    /// When the ledger took it.
    pub recorded_at: Timestamp,
    /// The fact as recorded (corrections are separate facts).
    pub body: FactBody,
}

/// The fold state: every fact, and what revises what.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Picture {
    /// Every fact, by key.
    pub facts: BTreeMap<Text, Recorded>,
    /// Target key → keys of the denials, corrections and retractions naming it,
    /// in log order.
    pub revised_by: BTreeMap<Text, Vec<Text>>,
    /// Keys of every merge, in log order.
    pub merges: Vec<Text>,
    /// How many entries have been folded in (the cursor's size).
    pub size: u64,
}

/// How many parts a stored snapshot cuts the facts into, so that they are
/// written and read on every core.
const STORED_PARTS: usize = 16;

/// The most parts a stored snapshot may declare (refused beyond: hostile bytes
/// must not make the reader allocate for millions of parts).
const MAX_STORED_PARTS: usize = 1 << 12;

/// What a stored snapshot keeps after its fact parts.
#[derive(Encode, Decode)]
struct Rest {
    revised_by: Vec<(Text, Vec<Text>)>,
    merges: Vec<Text>,
    size: u64,
}

/// A part of the facts, as written (borrowed) and as read.
type FactsPart<'a> = Vec<(&'a Text, &'a Recorded)>;
type FactsRead = Vec<(Text, Recorded)>;

/// Whether the keys of `pairs` strictly increase (as a map's encoding has them).
fn strictly_sorted<V>(pairs: &[(Text, V)]) -> bool {
    pairs.windows(2).all(|w| w[0].0 < w[1].0)
}

impl Picture {
    /// The picture as a snapshot stores it: the number of parts (u32, big
    /// endian), each part's length (u64, big endian), then the parts — the
    /// facts in key order cut into [`STORED_PARTS`] lists of (key, fact) pairs,
    /// then the revisions, merges and size. Each part is encoded like the
    /// canonical state, and the parts are written and read on every core. This is
    /// a storage layout, not the canonical encoding that digests compare
    /// ([`Projection::encode_state`]); only [`Picture::from_stored`] reads it.
    pub fn to_stored(&self) -> Vec<u8> {
        self.stored_pieces().concat()
    }

    /// [`Picture::to_stored`]'s bytes in the pieces they are made of, in
    /// order: the count and lengths of the parts, then each part. A snapshot
    /// is hashed and written piece by piece: at a million facts the parts
    /// take some 350 MB, which joining would copy once more.
    pub fn stored_pieces(&self) -> Vec<Vec<u8>> {
        let facts: FactsPart<'_> = self.facts.iter().collect();
        let per = facts.len().div_ceil(STORED_PARTS).max(1);
        let cuts: Vec<&[(&Text, &Recorded)]> = facts.chunks(per).collect();
        let mut parts = parallel::map(&cuts, 2, codec::encode_state);
        // The fields of `Rest`, borrowed: a tuple encodes as a struct does.
        let revised_by: Vec<(&Text, &Vec<Text>)> = self.revised_by.iter().collect();
        parts.push(codec::encode_state(&(revised_by, &self.merges, self.size)));
        let mut table = Vec::with_capacity(4 + 8 * parts.len());
        table.extend_from_slice(&(parts.len() as u32).to_be_bytes());
        for part in &parts {
            table.extend_from_slice(&(part.len() as u64).to_be_bytes());
        }
        let mut pieces = Vec::with_capacity(1 + parts.len());
        pieces.push(table);
        pieces.extend(parts);
        pieces
    }

    /// Reads what [`Picture::to_stored`] wrote, refusing a malformed layout and
    /// keys out of order or repeated, which no picture stores.
    pub fn from_stored(bytes: &[u8]) -> Result<Picture, CodecError> {
        let malformed = |why: &str| CodecError::Malformed(format!("stored picture: {why}"));
        let count = bytes
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
            .ok_or_else(|| malformed("truncated"))? as usize;
        if count == 0 || count > MAX_STORED_PARTS {
            return Err(malformed("impossible number of parts"));
        }
        let lengths_end = 4 + 8 * count;
        let lengths = bytes
            .get(4..lengths_end)
            .ok_or_else(|| malformed("truncated"))?;
        let mut parts = Vec::with_capacity(count);
        let mut at = lengths_end;
        for length in lengths.chunks_exact(8) {
            let length = <[u8; 8]>::try_from(length)
                .ok()
                .and_then(|b| usize::try_from(u64::from_be_bytes(b)).ok())
                .ok_or_else(|| malformed("part too long"))?;
            let end = at
                .checked_add(length)
                .ok_or_else(|| malformed("part too long"))?;
            parts.push(bytes.get(at..end).ok_or_else(|| malformed("truncated"))?);
            at = end;
        }
        if at != bytes.len() {
            return Err(CodecError::Trailing(bytes.len() - at));
        }
        let Some((rest, fact_parts)) = parts.split_last() else {
            return Err(malformed("no parts"));
        };
        let read: Vec<Result<FactsRead, CodecError>> =
            parallel::map(fact_parts, 2, |part| codec::decode_state(part));
        let mut facts: FactsRead = Vec::new();
        for part in read {
            facts.extend(part?);
        }
        let rest: Rest = codec::decode_state(rest)?;
        if !strictly_sorted(&facts) || !strictly_sorted(&rest.revised_by) {
            return Err(CodecError::NonCanonical);
        }
        Ok(Picture {
            // Sorted pairs: the maps are built in one bulk pass.
            facts: facts.into_iter().collect(),
            revised_by: rest.revised_by.into_iter().collect(),
            merges: rest.merges,
            size: rest.size,
        })
    }

    /// The fact with this key, if folded in.
    pub fn get(&self, key: &str) -> Option<&Recorded> {
        self.facts.get(key)
    }

    /// Keeps a fact recorded at `recorded.seq`, as folding its entry would:
    /// facts must be given in log order.
    pub fn insert(&mut self, key: Text, recorded: Recorded) {
        self.link_revisions(&key, &recorded.body, recorded.seq);
        self.facts.insert(key, recorded);
    }

    /// Everything [`Projection::apply`] does except keeping the fact.
    fn link_revisions(&mut self, key: &str, body: &FactBody, seq: Seq) {
        match body {
            FactBody::Source(_)
            | FactBody::Incident(_)
            | FactBody::Count(_)
            | FactBody::Claim(_)
            | FactBody::Statement(_) => {}
            FactBody::Denial(d) => self.link(&d.target, key),
            FactBody::Correction(c) => self.link(&c.target, key),
            FactBody::Retraction(r) => self.link(&r.target, key),
            FactBody::Merge(_) => self.merges.push(key.into()),
        }
        self.size = seq.get() + 1;
    }

    fn link(&mut self, target: &str, key: &str) {
        self.revised_by
            .entry(target.into())
            .or_default()
            .push(key.into());
    }
}

impl Projection for Picture {
    const NAME: &'static str = "picture";

    fn apply(&mut self, entry: &Entry) {
        self.insert(
            entry.fact.key.clone(),
            Recorded {
                seq: entry.seq,
                recorded_at: entry.recorded_at,
                body: entry.fact.body.clone(),
            },
        );
    }

    fn apply_owned(&mut self, entry: Entry) {
        self.insert(
            entry.fact.key,
            Recorded {
                seq: entry.seq,
                recorded_at: entry.recorded_at,
                body: entry.fact.body,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::views::testing::synthetic_picture;

    fn picture_of(n: u64) -> Picture {
        synthetic_picture(11, n)
    }

    #[test]
    fn a_picture_reads_back_from_its_stored_bytes() {
        for n in [0, 1, 7, 2_000] {
            let picture = picture_of(n);
            if n == 2_000 {
                // Every field is exercised, and the facts fill every part.
                assert!(!picture.revised_by.is_empty() && !picture.merges.is_empty());
                assert!(picture.facts.len() > STORED_PARTS);
            }
            let stored = picture.to_stored();
            assert_eq!(Picture::from_stored(&stored).unwrap(), picture, "{n} facts");
        }
    }

    #[test]
    fn a_damaged_layout_is_refused_not_misread() {
        let picture = picture_of(300);
        let stored = picture.to_stored();
        assert!(Picture::from_stored(&stored[..stored.len() - 1]).is_err());
        assert!(Picture::from_stored(&[stored.as_slice(), &[0]].concat()).is_err());
        assert!(Picture::from_stored(&[0, 0, 0, 0]).is_err(), "no parts");
        assert!(Picture::from_stored(&[0xff; 12]).is_err(), "too many parts");
        let mut longer = stored.clone();
        longer[4..12].copy_from_slice(&u64::MAX.to_be_bytes());
        assert!(
            Picture::from_stored(&longer).is_err(),
            "a part past the end"
        );
    }

    /// Stored bytes whose only fact part holds `pairs` as given.
    fn stored_with(pairs: &[(Text, Recorded)], picture: &Picture) -> Vec<u8> {
        let parts = [
            codec::encode_state(&pairs),
            codec::encode_state(&Rest {
                revised_by: picture.revised_by.clone().into_iter().collect(),
                merges: picture.merges.clone(),
                size: picture.size,
            }),
        ];
        let mut stored = (parts.len() as u32).to_be_bytes().to_vec();
        for part in &parts {
            stored.extend_from_slice(&(part.len() as u64).to_be_bytes());
        }
        stored.extend(parts.concat());
        stored
    }

    #[test]
    fn keys_out_of_order_or_repeated_are_refused() {
        let picture = picture_of(300);
        let pairs: Vec<(Text, Recorded)> = picture.facts.clone().into_iter().collect();
        assert_eq!(
            Picture::from_stored(&stored_with(&pairs, &picture)).unwrap(),
            picture,
            "one part is as good as sixteen"
        );
        let mut swapped = pairs.clone();
        swapped.swap(3, 4);
        assert!(matches!(
            Picture::from_stored(&stored_with(&swapped, &picture)),
            Err(CodecError::NonCanonical)
        ));
        let mut repeated = pairs.clone();
        repeated.insert(7, pairs[7].clone());
        assert!(matches!(
            Picture::from_stored(&stored_with(&repeated, &picture)),
            Err(CodecError::NonCanonical)
        ));
    }
}
