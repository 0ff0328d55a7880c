//! The Merkle tree of RFC 9162 §2.1 over the entry ids (DESIGN §5), with its
//! inclusion and consistency proofs and their verifiers. Pure: written against a
//! small [`Hasher`] (BLAKE3 for the ledger, SHA-256 in the tests that check it
//! against outside vectors) and a [`Nodes`] source of *permanent* nodes — the
//! roots of complete subtrees, which never change once their leaves exist. The
//! journal stores those nodes beside the entries, so that the root at any size and
//! any proof cost O(log n) node reads; [`MemoryTree`] keeps them in memory.
//!
//! Conventions: a node is named by `(level, index)`: level 0 is the leaves, and
//! node `(l, i)` is the root of the complete subtree over leaves
//! `[i·2^l, (i+1)·2^l)`. Proofs list their hashes from the leaf upwards, as RFC
//! 9162 does.

mod frontier;
mod hasher;
mod memory;
mod proof;
mod verify;

pub use frontier::Frontier;
pub use hasher::{Blake3, Hash, Hasher};
pub use memory::MemoryTree;
pub use proof::{consistency_proof, inclusion_proof, root, subtree_root, ProofError};
pub use verify::{root_from_inclusion_proof, verify_consistency, verify_inclusion, VerifyError};

/// A source of permanent nodes: the hash of the complete subtree `(level, index)`.
pub trait Nodes {
    /// What reading a node can fail with.
    type Error;

    /// The hash of the complete subtree over leaves `[index·2^level,
    /// (index+1)·2^level)`. Only asked for subtrees that lie inside the tree being
    /// proved.
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}
