//! The table's history as derived files: a manifest and blocks of dated
//! summaries (docs/format.md §17, "The table's history").
//!
//! Block `n` is the file `incidents-history-NNNNN`. It holds the summaries
//! that began in its span of log sizes — `lo` up to the next block's `lo` —
//! each with the sizes between which it held, and the closings of summaries
//! from earlier blocks that ended within its span (a block appended after
//! the others were written cannot rewrite them). The manifest names where
//! the history stands (the size and the id of its last entry), every block's
//! `lo` and BLAKE3 digest, and is sealed by the digest of all that; it is
//! written last, so a block that does not match it is refused.

use crate::codec::{self, BorrowDecode, Encode};
use crate::fast_hash::HashMap;
use crate::hash::Id;
use crate::journal::{Journal, ReadError};
use crate::projection::StateDigest;

use super::super::stored::{self, Filed, Trouble};
use super::versions::{Closing, Dated, OPEN};

/// The manifest's name among the derived files.
pub const MANIFEST: &str = "incidents-history-manifest";
const VERSION: u16 = 2;
const DIGEST_LEN: usize = 32;

/// Where the history stands and what its blocks hold.
#[derive(Clone, Debug, PartialEq, Eq, Encode, BorrowDecode)]
pub struct Manifest {
    version: u16,
    /// Entries it covers.
    pub size: u64,
    /// The id of entry `size - 1` (the genesis value when `size` is 0).
    pub last: [u8; 32],
    /// Each block's first size and digest, in order.
    pub blocks: Vec<(u64, [u8; 32])>,
}

impl Manifest {
    /// A manifest at `size`, last id `last`, with no blocks yet.
    pub fn new(size: u64, last: Id) -> Manifest {
        Manifest {
            version: VERSION,
            size,
            last: *last.as_bytes(),
            blocks: Vec::new(),
        }
    }

    /// The id of its last entry.
    pub fn last(&self) -> Id {
        Id::from_bytes(self.last)
    }

    /// The bytes, sealed by their digest.
    fn encode(&self) -> Vec<u8> {
        let mut out = codec::encode_state(self);
        let sealed = StateDigest::of(&out);
        out.extend_from_slice(&sealed.0);
        out
    }

    /// Reads what [`Manifest::encode`] wrote, refusing anything else.
    fn decode(bytes: &[u8]) -> Result<Manifest, String> {
        let Some((body, sealed)) = bytes.split_last_chunk::<DIGEST_LEN>() else {
            return Err("its manifest is truncated".to_owned());
        };
        if StateDigest::of(body).0 != *sealed {
            return Err("its manifest does not match its digest".to_owned());
        }
        let manifest: Manifest = codec::borrow_decode_state(body)
            .map_err(|e| format!("its manifest does not decode ({e})"))?;
        if manifest.version != VERSION {
            return Err(format!(
                "its manifest has version {}; this build reads version {VERSION}",
                manifest.version
            ));
        }
        if manifest.blocks.windows(2).any(|w| w[0].0 > w[1].0) {
            return Err("its manifest lists blocks out of order".to_owned());
        }
        Ok(manifest)
    }
}

/// A summary in a block, and the sizes between which it held. The summary
/// is kept as its bytes, so that a reader decodes only those that held at
/// the size it asks about.
#[derive(Encode, BorrowDecode)]
pub struct DatedFiled<'a> {
    /// The first size at which it holds.
    pub from: u64,
    /// The first size at which it no longer holds.
    pub to: u64,
    /// The summary ([`Filed`]), encoded.
    pub filed: &'a [u8],
}

impl<'a> DatedFiled<'a> {
    /// The summary, borrowing the block's bytes.
    pub fn filed(&self) -> Result<Filed<'a>, Trouble> {
        codec::borrow_decode_state(self.filed).map_err(|e| {
            Trouble::Refused(format!("a history block's summary does not decode ({e})"))
        })
    }
}

/// An earlier block's summary that ended in this block's span.
#[derive(Encode, BorrowDecode)]
pub struct ClosingFiled<'a> {
    /// The key of its incident.
    pub key: &'a str,
    /// Where it began.
    pub from: u64,
    /// Where it ended.
    pub to: u64,
}

/// One block.
#[derive(Encode, BorrowDecode)]
pub struct Block<'a> {
    /// Summaries that began in the block's span.
    pub dated: Vec<DatedFiled<'a>>,
    /// Earlier summaries that ended in it.
    pub closings: Vec<ClosingFiled<'a>>,
}

/// The bytes of a block holding `dated` and `closings`, encoded straight
/// into one buffer (each summary through one scratch buffer). Equal to
/// [`codec::encode_state`] of the same [`Block`].
pub fn encode_block(dated: &[&Dated], closings: &[&Closing]) -> Vec<u8> {
    // A sequence is encoded as its length, then its items; a struct as its
    // fields in order.
    let mut out = Vec::with_capacity(dated.len() * 64 + closings.len() * 48 + 16);
    let mut summary = Vec::new();
    codec::encode_state_into(&(dated.len() as u64), &mut out);
    for d in dated {
        summary.clear();
        codec::encode_state_into(&d.summary.filed(), &mut summary);
        let item = DatedFiled {
            from: d.from,
            to: d.to,
            filed: &summary,
        };
        codec::encode_state_into(&item, &mut out);
    }
    let closings: Vec<ClosingFiled<'_>> = closings
        .iter()
        .map(|c| ClosingFiled {
            key: &c.key,
            from: c.from,
            to: c.to,
        })
        .collect();
    codec::encode_state_into(&closings, &mut out);
    out
}

/// One block holding what `blocks` (consecutive, oldest first) hold: a
/// summary one of them began and a later one ended carries its end itself;
/// closings of summaries from blocks before them are kept.
pub fn merge_blocks(blocks: &[&[u8]]) -> Result<Vec<u8>, Trouble> {
    let mut dated: Vec<DatedFiled<'_>> = Vec::new();
    let mut closings: Vec<ClosingFiled<'_>> = Vec::new();
    // Where each summary still open sits in `dated`, by key and start.
    let mut open: HashMap<(&str, u64), usize> = HashMap::default();
    for bytes in blocks {
        let block = decode_block(bytes)?;
        // A block's closings end summaries of blocks before it.
        for closing in block.closings {
            match open.remove(&(closing.key, closing.from)) {
                Some(at) => dated[at].to = closing.to,
                None => closings.push(closing),
            }
        }
        for d in block.dated {
            if d.to == OPEN {
                open.insert((d.filed()?.key, d.from), dated.len());
            }
            dated.push(d);
        }
    }
    Ok(codec::encode_state(&Block { dated, closings }))
}

/// The block in `bytes`, borrowing them.
pub fn decode_block(bytes: &[u8]) -> Result<Block<'_>, Trouble> {
    codec::borrow_decode_state(bytes)
        .map_err(|e| Trouble::Refused(format!("a history block does not decode ({e})")))
}

/// The name of block `n`.
pub fn block_name(n: usize) -> String {
    format!("incidents-history-{n:05}")
}

/// The stored manifest, if there is one that reads.
pub fn manifest(journal: &Journal) -> Result<Manifest, Trouble> {
    Manifest::decode(&stored::manifest_bytes(journal, MANIFEST)?).map_err(Trouble::Refused)
}

/// Block `n` of `manifest`, refused unless it matches its digest.
pub fn read_block(journal: &Journal, manifest: &Manifest, n: usize) -> Result<Vec<u8>, Trouble> {
    stored::read(journal, &block_name(n), &StateDigest(manifest.blocks[n].1))
}

/// Writes blocks `first..` (their bytes given in order), then `manifest`,
/// which must already list them.
pub fn write(
    journal: &Journal,
    first: usize,
    blocks: Vec<Vec<u8>>,
    manifest: &Manifest,
) -> Result<(), ReadError> {
    for (n, bytes) in (first..).zip(blocks) {
        journal.put_derived(&block_name(n), bytes)?;
    }
    journal.put_derived(MANIFEST, manifest.encode())
}
