//! The worked example of docs/format.md §14, recomputed by sitrep: the Merkle
//! tree over the first three entries of the example chain in
//! fixtures/vectors/entries.json, its proofs, and a checkpoint signed with a
//! fixed key. The expected values were computed independently, in Python, from
//! the document alone (`blake3` and `cryptography` from PyPI); if sitrep and the
//! document ever disagree, this test fails.

use sitrep::merkle::{
    consistency_proof, inclusion_proof, root, verify_consistency, verify_inclusion, Blake3, Hasher,
    MemoryTree,
};
use sitrep::note::{Checkpoint, SignedCheckpoint, SigningKey};

fn hash(hex: &str) -> [u8; 32] {
    *sitrep::Id::parse_hex(hex).unwrap().as_bytes()
}

const IDS: [&str; 3] = [
    "43fe2f320c29b652b310aa12aa8eaf5bec755afd057a17b58c3f0d07297f0421",
    "969b306aed7b106ba05d659de53272aff6898547e09ee6b1712ea20fe4fdefbe",
    "082f215899588cd742296c9cb87503fc7d30694c79bfabb0d22eef6838e99b56",
];
const EMPTY: &str = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
const NODE_0_1: &str = "26ad79af08c6178f649956b636cce613f2b1ccbd21b5363437204b5cccd52d6f";
const ROOT_3: &str = "5266c9a521739b651ce9862ffe2333dc2087f26e3eda6fb4d1d3a5ef0d1df62e";
const VERIFIER: &str = "example.org/analyst+9b6a05bc+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
const SIGNER: &str =
    "PRIVATE+KEY+example.org/analyst+9b6a05bc+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
const NOTE: &str = "sitrep.demo/example
3
UmbJpSFzm2Uc6YYv/iMz3CCH8m4+2m+00dOl7w0d9i4=

— example.org/analyst m2oFvHAW8acPFsXjOFifnCAM7S/Nb0OdR3b1fZJ04uQluu/y3lQohmQFRTUmH1wqezmIGZjNYq6CVP+WyhaZ2K01JwY=
";

#[test]
fn the_worked_example_of_the_format_document_holds() {
    let ids: Vec<[u8; 32]> = IDS.iter().map(|h| hash(h)).collect();
    let tree = MemoryTree::from_leaf_hashes(&Blake3, ids.clone());
    assert_eq!(Blake3.empty(), hash(EMPTY));
    assert_eq!(root(&Blake3, &tree, 2).unwrap(), hash(NODE_0_1));
    let root3 = root(&Blake3, &tree, 3).unwrap();
    assert_eq!(root3, hash(ROOT_3));

    // Proofs of §14: leaf 0 in size 3 is [id1, id2]; leaf 2 is [node(0,1)];
    // size 2 to size 3 is [id2].
    assert_eq!(
        inclusion_proof(&Blake3, &tree, 0, 3).unwrap(),
        [ids[1], ids[2]]
    );
    assert_eq!(
        inclusion_proof(&Blake3, &tree, 2, 3).unwrap(),
        [hash(NODE_0_1)]
    );
    assert_eq!(consistency_proof(&Blake3, &tree, 2, 3).unwrap(), [ids[2]]);
    verify_inclusion(&Blake3, 2, 3, &ids[2], &[hash(NODE_0_1)], &root3).unwrap();
    verify_consistency(&Blake3, 2, 3, &[ids[2]], &hash(NODE_0_1), &root3).unwrap();

    // The checkpoint, signed with the key whose seed is the bytes 0, 1, …, 31.
    let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
    let key = SigningKey::from_seed("example.org/analyst", seed).unwrap();
    assert_eq!(key.to_text(), SIGNER);
    assert_eq!(key.verifier().to_text(), VERIFIER);
    let signed = Checkpoint {
        origin: "sitrep.demo/example".to_owned(),
        size: 3,
        root: root3,
    }
    .sign(&key)
    .unwrap();
    assert_eq!(signed.to_text(), NOTE);
    let parsed = SignedCheckpoint::parse(NOTE).unwrap();
    parsed.verify(&key.verifier()).unwrap();
}
