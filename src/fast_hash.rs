//! The hash maps of the projection path: `std`'s maps with foldhash's
//! per-process seeded hasher instead of SipHash, which cost a noticeable share
//! of resolving a million facts (docs/performance.md, fifth round).

use foldhash::fast::RandomState;

/// A `HashMap` with the fast hasher.
pub type HashMap<K, V> = std::collections::HashMap<K, V, RandomState>;

/// A `HashSet` with the fast hasher.
pub type HashSet<K> = std::collections::HashSet<K, RandomState>;

/// An empty map with room for `capacity` entries.
pub fn map_with_capacity<K, V>(capacity: usize) -> HashMap<K, V> {
    HashMap::with_capacity_and_hasher(capacity, RandomState::default())
}
