//! How a segment value is stored: the framed entries compressed as one zstd
//! frame (level −4, one of zstd's fast negative levels, with the frame's
//! content size and its XXH64 content checksum, so that a damaged value is
//! refused rather than misread), or — for segments written before compression,
//! for those of under 1 KiB, and for any whose frame would not be smaller — the
//! framed entries as they are.
//! The two cannot be confused: a zstd frame starts with the bytes `28 B5 2F FD`,
//! and framed entries start with a length that large (over 670 MB) no entry has.
//! Compressing here, once per segment with a reused context, rather than letting
//! sled compress every page it rewrites (index runs and Merkle nodes are random
//! bytes that do not shrink), keeps the disk near the canonical bytes for a
//! fraction of the work (docs/performance.md).
//!
//! The canonical entry bytes, their ids and the Merkle tree are unchanged: only
//! the storage of a segment value differs, and every reader unpacks it first.

use std::borrow::Cow;
use std::cell::RefCell;

use zstd::zstd_safe::{self, CCtx, CParameter, DCtx};

/// The first bytes of a zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
/// zstd level. Packing is most of the chaining half of a bulk append, the
/// longer half since round 16; level −4 made a million-fact import about 4%
/// faster than level 1 (−3 the same, −8 slower: the bytes sled writes grow)
/// for about 3% more bytes on disk (docs/performance.md, round 17). Readers
/// unpack every level alike.
const LEVEL: i32 = -4;
/// The smallest segment that is packed. A smaller one — the segment of a
/// small append, one or two entries — is stored as it is: zstd saves it a few
/// dozen bytes and costs it more time than the rest of the append's own work
/// before the commit (docs/performance.md, "What changed in the ninth round").
const SMALLEST_PACKED: usize = 1024;
/// The largest segment that is packed; a larger one (only a few entries near
/// the 16 MiB entry limit make one) is stored as it is. This also bounds what
/// unpacking a damaged or hostile value may allocate.
const MAX_PACKED_BYTES: usize = 64 << 20;

thread_local! {
    /// One compression context per thread, set up once.
    static COMPRESSOR: RefCell<Option<CCtx<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<DCtx<'static>>> = const { RefCell::new(None) };
}

/// The stored form of a segment's framed entries.
pub fn pack(framed: Vec<u8>) -> Vec<u8> {
    if !(SMALLEST_PACKED..=MAX_PACKED_BYTES).contains(&framed.len()) {
        return framed;
    }
    let packed = COMPRESSOR.with(|slot| {
        let mut slot = slot.borrow_mut();
        let context = match slot.as_mut() {
            Some(context) => context,
            None => {
                let mut context = zstd_safe::create_cctx();
                context
                    .set_parameter(CParameter::CompressionLevel(LEVEL))
                    .ok()?;
                context.set_parameter(CParameter::ChecksumFlag(true)).ok()?;
                slot.insert(context)
            }
        };
        let mut packed = Vec::with_capacity(zstd_safe::compress_bound(framed.len()));
        context.compress2(&mut packed, &framed).ok()?;
        Some(packed)
    });
    match packed {
        Some(packed) if packed.len() < framed.len() => packed,
        _ => framed,
    }
}

/// A stored segment value's framed entries; `None` if it is a zstd frame that
/// does not decompress to the size it declares, or declares more than a packed
/// segment can hold.
pub fn unpack(stored: &[u8]) -> Option<Cow<'_, [u8]>> {
    if !stored.starts_with(&ZSTD_MAGIC) {
        return Some(Cow::Borrowed(stored));
    }
    // The zstd codes for "unknown" and "error" are near u64::MAX: refused too.
    let size = zstd_safe::get_frame_content_size(stored);
    let capacity = usize::try_from(size)
        .ok()
        .filter(|&n| n <= MAX_PACKED_BYTES)?;
    let mut framed = Vec::with_capacity(capacity);
    DECOMPRESSOR.with(|slot| {
        let mut slot = slot.borrow_mut();
        let context = slot.get_or_insert_with(zstd_safe::create_dctx);
        context.decompress(&mut framed, stored).ok()
    })?;
    (framed.len() == capacity).then_some(Cow::Owned(framed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::layout::{frame_into, unframe};

    fn framed(entries: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for e in entries {
            frame_into(&mut out, e);
        }
        out
    }

    #[test]
    fn packed_segments_unpack_to_their_frames_and_raw_ones_pass_through() {
        let entry = br#"{"kind":"incident","source":"s","target":{"name":"base"}}"#;
        let many = framed(&[entry.as_slice(); 200]);
        let packed = pack(many.clone());
        assert!(packed.starts_with(&ZSTD_MAGIC));
        assert!(
            packed.len() < many.len() / 4,
            "{} of {}",
            packed.len(),
            many.len()
        );
        assert_eq!(unpack(&packed).unwrap().as_ref(), many.as_slice());
        assert_eq!(unframe(&unpack(&packed).unwrap()).unwrap().len(), 200);

        // Too small to shrink: kept as it is, and read as it is.
        let one = framed(&[b"x".as_slice()]);
        assert_eq!(pack(one.clone()), one);
        assert_eq!(unpack(&one).unwrap().as_ref(), one.as_slice());
        // Under 1 KiB, a small append's segment, is not packed though it would
        // shrink; at 1 KiB it is.
        let small = framed(&[entry.as_slice(); 16]);
        assert!(small.len() < SMALLEST_PACKED);
        assert_eq!(pack(small.clone()), small);
        let larger = framed(&[entry.as_slice(); 17]);
        assert!(larger.len() >= SMALLEST_PACKED);
        assert!(pack(larger).starts_with(&ZSTD_MAGIC));
    }

    #[test]
    fn a_damaged_frame_is_refused_not_misread() {
        let entry = br#"{"kind":"incident","source":"s","target":{"name":"base"}}"#;
        let packed = pack(framed(&[entry.as_slice(); 50]));
        for at in [4, packed.len() / 2, packed.len() - 1] {
            let mut damaged = packed.clone();
            damaged[at] ^= 0x40;
            let read = unpack(&damaged);
            assert!(
                read.as_deref().is_none_or(
                    |f| unframe(f).is_none() || f != framed(&[entry.as_slice(); 50]).as_slice()
                ),
                "byte {at}"
            );
        }
        let mut truncated = packed.clone();
        truncated.truncate(packed.len() - 3);
        assert!(unpack(&truncated).is_none());
        // A frame claiming more than a segment can hold is refused unread.
        assert!(unpack(&ZSTD_MAGIC).is_none());
    }
}
