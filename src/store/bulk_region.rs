//! The two regions of a sled ledger database: small values under their own
//! key, values over [`BULK_VALUE_MIN`] bytes under `0x00 ‖ key` (the *bulk
//! region*), and what a reader remembers about where keys are.
//!
//! sled keeps up to 16 keys to a page and rewrites a page whole every tenth
//! change to it, so a small key that changes on every append (the head, the
//! newest index runs) must not share a page with megabytes of bulk values:
//! with them together, a single durable append at 1M facts rewrote about a
//! megabyte of pages (docs/performance.md, "What changed in the eighth round").
//! The price is that a lookup may have to ask both regions; [`Firsts`] lets it
//! skip the one that cannot hold the key.

use crate::fast_hash::HashMap;

/// Values larger than this are kept in the bulk region.
pub const BULK_VALUE_MIN: usize = super::SMALL_VALUE_MAX;

/// The first byte of every key in the bulk region. No key of a ledger starts
/// with it (they begin with ASCII tags); the store refuses one that does.
pub const BULK: u8 = 0x00;

/// Where a key whose value is large is kept.
pub fn bulk_key(key: &[u8]) -> Vec<u8> {
    let mut bulk = Vec::with_capacity(key.len() + 1);
    bulk.push(BULK);
    bulk.extend_from_slice(key);
    bulk
}

/// The first stored key of the plain region at or after `from`.
pub fn plain_from(from: &[u8]) -> &[u8] {
    const PLAIN_START: &[u8] = &[BULK + 1];
    if from.first().is_some_and(|&b| b > BULK) {
        from
    } else {
        PLAIN_START
    }
}

/// Where a value is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// Under its own key.
    Plain,
    /// Under `0x00 ‖ key`.
    Bulk,
}

impl Region {
    /// The region a value of `len` bytes goes to.
    pub fn of_len(len: usize) -> Region {
        if len > BULK_VALUE_MIN {
            Region::Bulk
        } else {
            Region::Plain
        }
    }

    /// The other region.
    pub fn other(self) -> Region {
        match self {
            Region::Plain => Region::Bulk,
            Region::Bulk => Region::Plain,
        }
    }

    /// Where a value of ledger key `key` is stored in this region.
    pub fn stored_key(self, key: &[u8]) -> Vec<u8> {
        match self {
            Region::Plain => key.to_vec(),
            Region::Bulk => bulk_key(key),
        }
    }
}

/// The most prefixes remembered; past it the memory starts again (it is only
/// ever a shortcut).
const MAX_PREFIXES: usize = 4096;

/// For each key prefix a reader asked about, the first key (a ledger key,
/// without the bulk byte) with that prefix in each region, or that there is
/// none. A lookup of the last key at or before `k` skips a region whose first
/// key with the prefix is after `k`: a node of a bulk-appended run, or an
/// index chunk of a large run, needs one seek, not two. A key written later
/// lowers what is remembered; a key deleted leaves it as it was, which can
/// only cost a seek, never skip a key.
#[derive(Debug, Default)]
pub struct Firsts {
    plain: HashMap<Vec<u8>, Option<Vec<u8>>>,
    bulk: HashMap<Vec<u8>, Option<Vec<u8>>>,
}

impl Firsts {
    fn map(&mut self, region: Region) -> &mut HashMap<Vec<u8>, Option<Vec<u8>>> {
        match region {
            Region::Plain => &mut self.plain,
            Region::Bulk => &mut self.bulk,
        }
    }

    /// What is remembered of `prefix` in `region`: `None` if nothing,
    /// `Some(None)` if no key there has it.
    pub fn known(&mut self, region: Region, prefix: &[u8]) -> Option<Option<&[u8]>> {
        self.map(region).get(prefix).map(|first| first.as_deref())
    }

    /// Remembers the first key with `prefix` in `region`, as a seek found it.
    pub fn learn(&mut self, region: Region, prefix: &[u8], first: Option<Vec<u8>>) {
        let map = self.map(region);
        if map.len() >= MAX_PREFIXES {
            map.clear();
        }
        map.insert(prefix.to_vec(), first);
    }

    /// Takes note of `key` written to `region`.
    pub fn wrote(&mut self, region: Region, key: &[u8]) {
        let map = self.map(region);
        for len in 0..=key.len() {
            if let Some(first) = map.get_mut(&key[..len]) {
                if first.as_deref().is_none_or(|f| key < f) {
                    *first = Some(key.to_vec());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_key_lowers_the_first_of_every_prefix_it_has() {
        let mut firsts = Firsts::default();
        firsts.learn(Region::Plain, b"t", Some(b"t5".to_vec()));
        firsts.learn(Region::Plain, b"t2", None);
        firsts.learn(Region::Plain, b"e", None);
        firsts.wrote(Region::Plain, b"t27");
        assert_eq!(
            firsts.known(Region::Plain, b"t"),
            Some(Some(b"t27".as_slice()))
        );
        assert_eq!(
            firsts.known(Region::Plain, b"t2"),
            Some(Some(b"t27".as_slice()))
        );
        assert_eq!(firsts.known(Region::Plain, b"e"), Some(None));
        assert_eq!(firsts.known(Region::Bulk, b"t"), None);
        firsts.wrote(Region::Plain, b"t9");
        assert_eq!(
            firsts.known(Region::Plain, b"t"),
            Some(Some(b"t27".as_slice()))
        );
    }
}
