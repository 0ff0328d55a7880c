//! The right edge of a growing tree: the roots of its complete subtrees, one per
//! set bit of the size, largest first. Pushing a leaf creates that leaf's node and
//! every complete subtree it closes — exactly the permanent nodes that become
//! known when the leaf is appended — and the root of any size is the fold of the
//! frontier from the right. The journal keeps one to write the new nodes of each
//! batch in the same commit as its entries; the audit keeps one to recompute them.

use super::{Hash, Hasher};

/// The complete-subtree roots along the right edge of a tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Peak hashes, largest subtree first; peak `j` has level equal to the
    /// position of the `j`-th highest set bit of `size`.
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// A tree of `size` leaves whose peaks are `peaks`, largest first (one per set
    /// bit of `size`, as read from stored nodes). `None` if the count is wrong.
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Option<Frontier> {
        (peaks.len() == size.count_ones() as usize).then_some(Frontier { size, peaks })
    }

    /// The `(level, index)` of each peak of a tree of `size` leaves, largest first:
    /// the nodes to read to rebuild its frontier.
    pub fn peak_positions(size: u64) -> Vec<(u32, u64)> {
        let mut out = Vec::with_capacity(size.count_ones() as usize);
        let mut covered = 0u64;
        for level in (0..64u32).rev() {
            let width = 1u64 << level;
            if size & width != 0 {
                out.push((level, covered >> level));
                covered += width;
            }
        }
        out
    }

    /// How many leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash, reporting each new permanent node as
    /// `(level, index, hash)`: the leaf itself, then every subtree it completes.
    pub fn push<H: Hasher>(
        &mut self,
        hasher: &H,
        leaf: Hash,
        mut new_node: impl FnMut(u32, u64, &Hash),
    ) {
        let mut index = self.size;
        let mut level = 0u32;
        let mut hash = leaf;
        new_node(level, index, &hash);
        // Each low 1-bit of the leaf's index is a left sibling now complete.
        while index & 1 == 1 {
            // The peak count equals size's set bits, so a left sibling exists.
            let Some(left) = self.peaks.pop() else { break };
            hash = hasher.node(&left, &hash);
            index >>= 1;
            level += 1;
            new_node(level, index, &hash);
        }
        self.peaks.push(hash);
        self.size += 1;
    }

    /// The root of the tree (`H("")` when empty).
    pub fn root<H: Hasher>(&self, hasher: &H) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else {
            return hasher.empty();
        };
        peaks.fold(*last, |right, left| hasher.node(left, &right))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{root, Blake3, MemoryTree};
    use super::*;

    #[test]
    fn pushing_leaves_matches_the_tree_built_at_once() {
        let hasher = Blake3;
        let mut frontier = Frontier::new();
        let mut leaves = Vec::new();
        let mut emitted: Vec<(u32, u64, Hash)> = Vec::new();
        for i in 0..70u32 {
            let leaf = hasher.leaf(&i.to_be_bytes());
            leaves.push(leaf);
            frontier.push(&hasher, leaf, |l, x, h| emitted.push((l, x, *h)));
            let tree = MemoryTree::from_leaf_hashes(&hasher, leaves.clone());
            let size = u64::from(i) + 1;
            assert_eq!(frontier.root(&hasher), root(&hasher, &tree, size).unwrap());
            let peaks: Vec<Hash> = Frontier::peak_positions(size)
                .into_iter()
                .map(|(l, x)| crate::merkle::Nodes::node(&tree, l, x).unwrap())
                .collect();
            assert_eq!(Frontier::from_peaks(size, peaks), Some(frontier.clone()));
        }
        // Every permanent node of the final tree was emitted exactly once.
        let tree = MemoryTree::from_leaf_hashes(&hasher, leaves);
        let mut expected = 0;
        for level in 0..7u32 {
            expected += 70u64 >> level;
        }
        assert_eq!(emitted.len() as u64, expected);
        for (l, x, h) in emitted {
            assert_eq!(crate::merkle::Nodes::node(&tree, l, x).unwrap(), h);
        }
    }

    #[test]
    fn empty_root_is_the_hash_of_nothing() {
        assert_eq!(Frontier::new().root(&Blake3), *blake3::hash(b"").as_bytes());
        assert!(Frontier::from_peaks(3, vec![[0; 32]]).is_none());
    }
}
