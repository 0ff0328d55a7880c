//! Roots and proofs from permanent nodes, following the recursive definitions of
//! RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF). Any range the
//! recursion visits is either a complete subtree (one node read) or a ragged right
//! edge, which splits into at most log n complete subtrees; a proof touches at most
//! one ragged range, so roots and proofs cost O(log n) reads.

use super::{Hash, Hasher, Nodes};

/// Why a proof cannot be made.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError<E> {
    /// The leaf is not in the tree of that size.
    #[error("leaf {index} is not in a tree of size {size}")]
    LeafOutOfRange {
        /// The leaf asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A tree size larger than the tree the nodes come from.
    #[error("size {size} is beyond the tree, which has {available} leaves")]
    SizeBeyondTree {
        /// The size asked for.
        size: u64,
        /// The leaves there are.
        available: u64,
    },
    /// A consistency proof from the empty tree.
    #[error(
        "a consistency proof must start from a size of at least 1: every log extends the empty one"
    )]
    FromEmptyTree,
    /// A consistency proof from a larger tree to a smaller one.
    #[error("cannot prove that size {from} is a prefix of size {to}: {from} is larger")]
    SizesOutOfOrder {
        /// The older size.
        from: u64,
        /// The newer size.
        to: u64,
    },
    /// Reading a node failed.
    #[error(transparent)]
    Read(E),
}

/// The largest power of two strictly below `n` (n ≥ 2): RFC 9162's split point.
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The hash of leaves `[start, end)` (`start < end`), as RFC 9162's MTH of that
/// slice, where `start` is a multiple of the largest power of two not above
/// `end − start` (true of every range the RFC recursion visits).
pub fn subtree_root<H: Hasher, N: Nodes>(
    hasher: &H,
    nodes: &N,
    start: u64,
    end: u64,
) -> Result<Hash, N::Error> {
    let n = end - start;
    if n.is_power_of_two() && start % n == 0 {
        let level = n.trailing_zeros();
        return nodes.node(level, start >> level);
    }
    // A ragged range: its complete left part, then the rest, folded from the right.
    let k = split(n);
    let left = subtree_root(hasher, nodes, start, start + k)?;
    let right = subtree_root(hasher, nodes, start + k, end)?;
    Ok(hasher.node(&left, &right))
}

/// The root of the tree of the first `size` leaves (`H("")` when empty).
pub fn root<H: Hasher, N: Nodes>(hasher: &H, nodes: &N, size: u64) -> Result<Hash, N::Error> {
    if size == 0 {
        Ok(hasher.empty())
    } else {
        subtree_root(hasher, nodes, 0, size)
    }
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162
/// §2.1.3.1), from the leaf's sibling upwards.
pub fn inclusion_proof<H: Hasher, N: Nodes>(
    hasher: &H,
    nodes: &N,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError<N::Error>> {
    if index >= size {
        return Err(ProofError::LeafOutOfRange { index, size });
    }
    let mut path = Vec::new();
    // Walk down from the whole tree, collecting the sibling at each split.
    let (mut start, mut end) = (0u64, size);
    while end - start > 1 {
        let k = split(end - start);
        let sibling = if index < start + k {
            let hash = subtree_root(hasher, nodes, start + k, end);
            end = start + k;
            hash
        } else {
            let hash = subtree_root(hasher, nodes, start, start + k);
            start += k;
            hash
        };
        path.push(sibling.map_err(ProofError::Read)?);
    }
    path.reverse();
    Ok(path)
}

/// The consistency proof that the tree of `from` leaves is a prefix of the tree
/// of `to` leaves (RFC 9162 §2.1.4.1). Empty when `from` equals `to`; refused
/// from 0, which every tree extends (the verifiers refuse it too).
pub fn consistency_proof<H: Hasher, N: Nodes>(
    hasher: &H,
    nodes: &N,
    from: u64,
    to: u64,
) -> Result<Vec<Hash>, ProofError<N::Error>> {
    if from > to {
        return Err(ProofError::SizesOutOfOrder { from, to });
    }
    if from == 0 {
        return Err(ProofError::FromEmptyTree);
    }
    let mut proof = Vec::new();
    if from == to {
        return Ok(proof);
    }
    // SUBPROOF(m, D[start:end], b), unrolled: each step records the hash of the
    // half it does not descend into; the list is reversed at the end.
    let (mut m, mut start, mut end, mut whole) = (from, 0u64, to, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole {
                proof.push(subtree_root(hasher, nodes, start, end).map_err(ProofError::Read)?);
            }
            break;
        }
        let k = split(n);
        if m <= k {
            proof.push(subtree_root(hasher, nodes, start + k, end).map_err(ProofError::Read)?);
            end = start + k;
        } else {
            proof.push(subtree_root(hasher, nodes, start, start + k).map_err(ProofError::Read)?);
            m -= k;
            start += k;
            whole = false;
        }
    }
    proof.reverse();
    Ok(proof)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_the_largest_power_of_two_below() {
        assert_eq!(split(2), 1);
        assert_eq!(split(3), 2);
        assert_eq!(split(4), 2);
        assert_eq!(split(5), 4);
        assert_eq!(split(1 << 40), 1 << 39);
        assert_eq!(split((1 << 40) + 1), 1 << 40);
    }
}
