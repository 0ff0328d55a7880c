//! A tree held in memory: every level of permanent nodes, built from leaf hashes.
//! Used by tests, by verifiers that are handed a list of leaves, and as the
//! reference the stored tree is compared with.

use super::{Hash, Hasher, Nodes};

/// Every permanent node of a tree: `levels[l][i]` is node `(l, i)`.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// A tree over these leaf hashes.
    pub fn from_leaf_hashes<H: Hasher>(hasher: &H, leaves: Vec<Hash>) -> MemoryTree {
        let mut levels = vec![leaves];
        loop {
            let below = &levels[levels.len() - 1];
            if below.len() < 2 {
                break;
            }
            let above: Vec<Hash> = below
                .chunks_exact(2)
                .map(|pair| hasher.node(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        MemoryTree { levels }
    }

    /// A tree over these leaf inputs (each is hashed with the leaf prefix).
    pub fn from_leaves<H: Hasher, D: AsRef<[u8]>>(hasher: &H, leaves: &[D]) -> MemoryTree {
        let hashes = leaves.iter().map(|d| hasher.leaf(d.as_ref())).collect();
        MemoryTree::from_leaf_hashes(hasher, hashes)
    }

    /// How many leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }
}

/// A node past the end of the tree was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingNode {
    /// Its level.
    pub level: u32,
    /// Its index in the level.
    pub index: u64,
}

impl Nodes for MemoryTree {
    type Error = MissingNode;

    fn node(&self, level: u32, index: u64) -> Result<Hash, MissingNode> {
        let missing = MissingNode { level, index };
        let row = self.levels.get(level as usize).ok_or(missing)?;
        let i = usize::try_from(index).map_err(|_| missing)?;
        row.get(i).copied().ok_or(missing)
    }
}
