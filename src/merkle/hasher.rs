//! The three hash functions of RFC 9162 §2.1, as a trait so that the same tree
//! code runs with BLAKE3 (the ledger) and SHA-256 (the outside test vectors).

/// A 32-byte digest: a leaf hash, a node or a root.
pub type Hash = [u8; 32];

/// The leaf, node and empty-tree hashes of one tree.
pub trait Hasher {
    /// The root of the empty tree: `H("")`.
    fn empty(&self) -> Hash;

    /// A leaf hash: `H(0x00 ‖ data)`.
    fn leaf(&self, data: &[u8]) -> Hash;

    /// An interior node: `H(0x01 ‖ left ‖ right)`.
    fn node(&self, left: &Hash, right: &Hash) -> Hash;
}

/// The ledger's hasher: BLAKE3 with 256-bit output. Its leaf hash of an entry's
/// canonical bytes is the entry's id ([`crate::hash::Id::of_entry`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Blake3;

impl Hasher for Blake3 {
    fn empty(&self) -> Hash {
        *blake3::hash(b"").as_bytes()
    }

    fn leaf(&self, data: &[u8]) -> Hash {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&[0x00]);
        hasher.update(data);
        *hasher.finalize().as_bytes()
    }

    fn node(&self, left: &Hash, right: &Hash) -> Hash {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&[0x01]);
        hasher.update(left);
        hasher.update(right);
        *hasher.finalize().as_bytes()
    }
}
