//! Proof verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2), in the strict form of
//! transparency-dev/merkle's `proof` package: a proof must have exactly the
//! length its sizes call for — no hash missing, none extra — and the roots it
//! yields must equal the given ones. They need nothing but the hasher: a third
//! party can run them offline with a proof file and a trusted root.

use super::{Hash, Hasher};

/// Why a proof does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexBeyondSize {
        /// The leaf.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The second size is smaller than the first.
    #[error("size {from} is larger than size {to}: a tree cannot shrink")]
    SizesOutOfOrder {
        /// The older size.
        from: u64,
        /// The newer size.
        to: u64,
    },
    /// A consistency proof from the empty tree, which proves nothing.
    #[error(
        "a consistency proof must start from a size of at least 1: every log extends the empty one"
    )]
    FromEmptyTree,
    /// The proof has more or fewer hashes than the sizes call for.
    #[error("the proof has {got} hashes but these sizes call for exactly {want}")]
    WrongLength {
        /// Hashes given.
        got: usize,
        /// Hashes required.
        want: usize,
    },
    /// The proof leads to another root than the expected one.
    #[error("the proof leads to root {computed} but the expected root is {expected}")]
    RootMismatch {
        /// What the proof computes, hex.
        computed: String,
        /// What was expected, hex.
        expected: String,
    },
}

fn hex(hash: &Hash) -> String {
    crate::hash::Id::from_bytes(*hash).to_hex()
}

fn check_root(computed: &Hash, expected: &Hash) -> Result<(), VerifyError> {
    if computed == expected {
        Ok(())
    } else {
        Err(VerifyError::RootMismatch {
            computed: hex(computed),
            expected: hex(expected),
        })
    }
}

/// How a leaf's inclusion proof splits: `inner` hashes below the point where
/// the leaf's path leaves the tree's right edge, then `border` hashes of left
/// siblings on the right edge.
fn decompose(index: u64, size: u64) -> (usize, usize) {
    let inner = (64 - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    (inner, border)
}

fn chain_inner<H: Hasher>(hasher: &H, mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (i, h) in proof.iter().enumerate() {
        seed = if (index >> i) & 1 == 0 {
            hasher.node(&seed, h)
        } else {
            hasher.node(h, &seed)
        };
    }
    seed
}

fn chain_inner_right<H: Hasher>(hasher: &H, mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (i, h) in proof.iter().enumerate() {
        if (index >> i) & 1 == 1 {
            seed = hasher.node(h, &seed);
        }
    }
    seed
}

fn chain_border_right<H: Hasher>(hasher: &H, mut seed: Hash, proof: &[Hash]) -> Hash {
    for h in proof {
        seed = hasher.node(h, &seed);
    }
    seed
}

/// The root that an inclusion proof of `leaf` at `index` in a tree of `size`
/// leaves leads to.
pub fn root_from_inclusion_proof<H: Hasher>(
    hasher: &H,
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, VerifyError> {
    if index >= size {
        return Err(VerifyError::IndexBeyondSize { index, size });
    }
    let (inner, border) = decompose(index, size);
    if proof.len() != inner + border {
        return Err(VerifyError::WrongLength {
            got: proof.len(),
            want: inner + border,
        });
    }
    let hash = chain_inner(hasher, *leaf, &proof[..inner], index);
    Ok(chain_border_right(hasher, hash, &proof[inner..]))
}

/// Checks that `proof` shows the leaf hash `leaf` at `index` in the tree of
/// `size` leaves whose root is `root`.
pub fn verify_inclusion<H: Hasher>(
    hasher: &H,
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    let computed = root_from_inclusion_proof(hasher, index, size, leaf, proof)?;
    check_root(&computed, root)
}

/// Checks that `proof` shows the tree of `size1` leaves with root `root1` to be
/// a prefix of the tree of `size2` leaves with root `root2`.
pub fn verify_consistency<H: Hasher>(
    hasher: &H,
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), VerifyError> {
    if size2 < size1 {
        return Err(VerifyError::SizesOutOfOrder {
            from: size1,
            to: size2,
        });
    }
    if size1 == 0 {
        // Every tree extends the empty one, so such a "proof" proves nothing; as
        // transparency-dev/merkle does, refuse it rather than accept any roots.
        return Err(VerifyError::FromEmptyTree);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(VerifyError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        return check_root(root2, root1);
    }
    // The last leaf of the old tree, proved in the new one: its path, minus the
    // levels inside the old tree's last complete subtree, which is the seed.
    let (inner, border) = decompose(size1 - 1, size2);
    let shift = size1.trailing_zeros() as usize;
    let inner = inner - shift;
    let (seed, rest) = if size1 == 1u64 << shift {
        (*root1, proof)
    } else {
        let Some((first, rest)) = proof.split_first() else {
            return Err(VerifyError::WrongLength {
                got: 0,
                want: 1 + inner + border,
            });
        };
        (*first, rest)
    };
    let want = proof.len() - rest.len() + inner + border;
    if proof.len() != want {
        return Err(VerifyError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    let mask = (size1 - 1) >> shift;
    let old = chain_inner_right(hasher, seed, &rest[..inner], mask);
    let old = chain_border_right(hasher, old, &rest[inner..]);
    check_root(&old, root1)?;
    let new = chain_inner(hasher, seed, &rest[..inner], mask);
    let new = chain_border_right(hasher, new, &rest[inner..]);
    check_root(&new, root2)
}

#[cfg(test)]
mod tests {
    use super::super::{consistency_proof, inclusion_proof, root, Blake3, MemoryTree};
    use super::*;

    fn tree(size: u32) -> MemoryTree {
        let leaves: Vec<[u8; 4]> = (0..size).map(u32::to_be_bytes).collect();
        MemoryTree::from_leaves(&Blake3, &leaves)
    }

    #[test]
    fn a_changed_hash_or_length_is_refused() {
        let t = tree(13);
        let r = root(&Blake3, &t, 13).unwrap();
        let leaf = Blake3.leaf(&5u32.to_be_bytes());
        let mut proof = inclusion_proof(&Blake3, &t, 5, 13).unwrap();
        assert_eq!(verify_inclusion(&Blake3, 5, 13, &leaf, &proof, &r), Ok(()));
        proof[1][0] ^= 1;
        let mismatch = verify_inclusion(&Blake3, 5, 13, &leaf, &proof, &r);
        let matched = matches!(mismatch, Err(VerifyError::RootMismatch { .. }));
        assert!(matched);
        proof.pop();
        let short = verify_inclusion(&Blake3, 5, 13, &leaf, &proof, &r);
        let matched = matches!(short, Err(VerifyError::WrongLength { .. }));
        assert!(matched);

        let r7 = root(&Blake3, &t, 7).unwrap();
        let mut proof = consistency_proof(&Blake3, &t, 7, 13).unwrap();
        assert_eq!(verify_consistency(&Blake3, 7, 13, &proof, &r7, &r), Ok(()));
        proof.push([0; 32]);
        let long = verify_consistency(&Blake3, 7, 13, &proof, &r7, &r);
        let matched = matches!(long, Err(VerifyError::WrongLength { .. }));
        assert!(matched);
        let from_empty = verify_consistency(&Blake3, 0, 13, &[], &Blake3.empty(), &r);
        assert_eq!(from_empty, Err(VerifyError::FromEmptyTree));
        let made = consistency_proof(&Blake3, &t, 0, 13);
        let matched = matches!(made, Err(crate::merkle::ProofError::FromEmptyTree));
        assert!(matched);
        let backwards = verify_consistency(&Blake3, 13, 7, &[], &r, &r7);
        let matched = matches!(backwards, Err(VerifyError::SizesOutOfOrder { .. }));
        assert!(matched);
    }
}
