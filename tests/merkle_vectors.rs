//! Known answers for the Merkle tree (`sitrep::merkle`) from outside the project
//! (issue 4): the RFC 6962 reference table of transparency-dev/merkle and its
//! BLAKE3 twin, transparency-dev/merkle's 196 inclusion and consistency probe
//! files, and a real Certificate Transparency log (Google Argon2020), all read in
//! place from `../shared/vectors/` (its README says where each file comes from).
//! Nothing is copied into the repository. When that directory is absent the
//! vector tests say loudly that they were skipped; when it is present, every
//! file they name must exist, and each test asserts how many cases it checked,
//! so that it cannot pass by checking nothing. `exhaustive_proofs_up_to_128`
//! needs no files: it round-trips every proof of every tree up to 128 leaves.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;
use sitrep::merkle::{
    consistency_proof, inclusion_proof, root, root_from_inclusion_proof, verify_consistency,
    verify_inclusion, Blake3, Frontier, Hash, Hasher, MemoryTree, VerifyError,
};

/// The RFC 6962 hasher in its SHA-256 form, which is what the outside vectors use.
#[derive(Clone, Copy, Debug, Default)]
struct Sha256;

impl Hasher for Sha256 {
    fn empty(&self) -> Hash {
        sha2::Sha256::digest(b"").into()
    }

    fn leaf(&self, data: &[u8]) -> Hash {
        let mut h = sha2::Sha256::new();
        h.update([0x00]);
        h.update(data);
        h.finalize().into()
    }

    fn node(&self, left: &Hash, right: &Hash) -> Hash {
        let mut h = sha2::Sha256::new();
        h.update([0x01]);
        h.update(left);
        h.update(right);
        h.finalize().into()
    }
}

// ---------------------------------------------------------------------------
// Reading the vectors

/// `../shared/vectors`, or `None` after saying loudly that `test` is skipped.
fn vectors_dir(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors");
    if dir.is_dir() {
        Some(dir)
    } else {
        // Written to the process's stderr directly, not with eprintln!, which
        // the test harness captures and hides for a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {test}: ../shared/vectors not found (looked for {}); \
             none of its known-answer checks ran",
            dir.display()
        );
        None
    }
}

/// A vector file that must exist once the directory does.
fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (../shared/vectors is present, so every vector file must be)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn field<'a>(v: &'a Value, key: &str, label: &str) -> &'a Value {
    v.get(key)
        .unwrap_or_else(|| panic!("{label}: no field `{key}`"))
}

fn u64_field(v: &Value, key: &str, label: &str) -> u64 {
    field(v, key, label)
        .as_u64()
        .unwrap_or_else(|| panic!("{label}: `{key}` is not a u64"))
}

fn str_field<'a>(v: &'a Value, key: &str, label: &str) -> &'a str {
    field(v, key, label)
        .as_str()
        .unwrap_or_else(|| panic!("{label}: `{key}` is not a string"))
}

fn array_field<'a>(v: &'a Value, key: &str, label: &str) -> &'a [Value] {
    field(v, key, label)
        .as_array()
        .unwrap_or_else(|| panic!("{label}: `{key}` is not an array"))
}

fn hex_data(s: &str, label: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("{label}: {s:?} is not hex"),
    };
    assert!(s.len() % 2 == 0, "{label}: odd-length hex {s:?}");
    s.as_bytes()
        .chunks_exact(2)
        .map(|pair| (digit(pair[0]) << 4) | digit(pair[1]))
        .collect()
}

fn hex_hash(s: &str, label: &str) -> Hash {
    <Hash>::try_from(hex_data(s, label).as_slice())
        .unwrap_or_else(|_| panic!("{label}: {s:?} is not 32 bytes of hex"))
}

fn b64(s: &str, label: &str) -> Vec<u8> {
    STANDARD
        .decode(s)
        .unwrap_or_else(|e| panic!("{label}: {s:?} is not standard base64: {e}"))
}

fn b64_hash(s: &str, label: &str) -> Hash {
    let bytes = b64(s, label);
    <Hash>::try_from(bytes.as_slice())
        .unwrap_or_else(|_| panic!("{label}: {s:?} is {} bytes, not 32", bytes.len()))
}

/// `hash` with bit `bit` (0..256) flipped.
fn flipped(hash: &Hash, bit: usize) -> Hash {
    let mut out = *hash;
    out[(bit / 8) % 32] ^= 1 << (bit % 8);
    out
}

/// `proof` with one bit of element `k` flipped.
fn flip_in(proof: &[Hash], k: usize, bit: usize) -> Vec<Hash> {
    let mut out = proof.to_vec();
    out[k] = flipped(&out[k], bit);
    out
}

/// The name of a `VerifyError` variant, for the tallies printed by the tests.
fn variant(e: &VerifyError) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------
// 1. The RFC 6962 reference table, SHA-256 and BLAKE3

/// What the table holds per section: 8 leaves, roots for sizes 0..=8, 9
/// inclusion proofs and 8 consistency proofs (transparency-dev/merkle's
/// `testonly/constants.go`).
const TABLE_LEAVES: usize = 8;
const TABLE_INCLUSION: usize = 9;
const TABLE_CONSISTENCY: usize = 8;

#[derive(Debug, Default, PartialEq, Eq)]
struct TableCounts {
    leaf_hashes: usize,
    roots: usize,
    inclusion: usize,
    consistency: usize,
    refusals: usize,
}

fn check_table<H: Hasher>(hasher: &H, table: &Value, name: &str) -> TableCounts {
    let mut counts = TableCounts::default();
    let inputs: Vec<Vec<u8>> = array_field(table, "leaf_inputs_hex", name)
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let label = format!("{name} leaf_inputs_hex[{i}]");
            hex_data(
                v.as_str()
                    .unwrap_or_else(|| panic!("{label}: not a string")),
                &label,
            )
        })
        .collect();
    let hashes = |key: &str| -> Vec<Hash> {
        array_field(table, key, name)
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let label = format!("{name} {key}[{i}]");
                hex_hash(
                    v.as_str()
                        .unwrap_or_else(|| panic!("{label}: not a string")),
                    &label,
                )
            })
            .collect()
    };
    let leaf_hashes = hashes("leaf_hashes");
    let roots = hashes("roots_by_size");
    assert_eq!(inputs.len(), TABLE_LEAVES, "{name}: leaf inputs");
    assert_eq!(leaf_hashes.len(), TABLE_LEAVES, "{name}: leaf hashes");
    assert_eq!(
        roots.len(),
        TABLE_LEAVES + 1,
        "{name}: roots for sizes 0..=8"
    );

    let empty = hex_hash(str_field(table, "empty_root", name), name);
    assert_eq!(hasher.empty(), empty, "{name}: empty root");
    assert_eq!(
        roots[0], empty,
        "{name}: roots_by_size[0] is the empty root"
    );

    for (i, (input, want)) in inputs.iter().zip(&leaf_hashes).enumerate() {
        assert_eq!(hasher.leaf(input), *want, "{name}: leaf hash {i}");
        counts.leaf_hashes += 1;
    }

    // Every root, from a tree of exactly that size, from the full tree, and
    // from a frontier grown leaf by leaf.
    let full = MemoryTree::from_leaves(hasher, &inputs);
    let mut frontier = Frontier::new();
    assert_eq!(frontier.root(hasher), roots[0], "{name}: empty frontier");
    for (size, want) in roots.iter().enumerate() {
        if size > 0 {
            frontier.push(hasher, leaf_hashes[size - 1], |_, _, _| {});
        }
        let n = size as u64;
        let tree = MemoryTree::from_leaves(hasher, &inputs[..size]);
        assert_eq!(
            root(hasher, &tree, n).unwrap(),
            *want,
            "{name}: root({size})"
        );
        assert_eq!(
            root(hasher, &full, n).unwrap(),
            *want,
            "{name}: root({size}) of 8"
        );
        assert_eq!(frontier.size(), n);
        assert_eq!(
            frontier.root(hasher),
            *want,
            "{name}: frontier root({size})"
        );
        counts.roots += 1;
    }

    for (c, case) in array_field(table, "inclusion", name).iter().enumerate() {
        let label = format!("{name} inclusion[{c}]");
        let index = u64_field(case, "index", &label);
        let size = u64_field(case, "size", &label);
        let listed: Vec<Hash> = array_field(case, "proof", &label)
            .iter()
            .map(|v| hex_hash(v.as_str().unwrap_or_default(), &label))
            .collect();
        let (i, s) = (index as usize, size as usize);
        let leaf = leaf_hashes[i];
        let small = MemoryTree::from_leaves(hasher, &inputs[..s]);
        assert_eq!(
            inclusion_proof(hasher, &small, index, size).unwrap(),
            listed,
            "{label}"
        );
        assert_eq!(
            inclusion_proof(hasher, &full, index, size).unwrap(),
            listed,
            "{label}"
        );
        let computed = root_from_inclusion_proof(hasher, index, size, &leaf, &listed).unwrap();
        assert_eq!(computed, roots[s], "{label}: root from proof");
        assert_eq!(
            verify_inclusion(hasher, index, size, &leaf, &listed, &roots[s]),
            Ok(())
        );
        // One bit flipped in one hash at a time: each proof hash, the leaf, the root.
        for k in 0..listed.len() {
            let bad = flip_in(&listed, k, 8 * k + 3);
            let got = verify_inclusion(hasher, index, size, &leaf, &bad, &roots[s]);
            assert!(got.is_err(), "{label}: proof[{k}] flipped, accepted");
            counts.refusals += 1;
        }
        let got = verify_inclusion(hasher, index, size, &flipped(&leaf, 0), &listed, &roots[s]);
        assert!(got.is_err(), "{label}: leaf flipped, accepted");
        let got = verify_inclusion(
            hasher,
            index,
            size,
            &leaf,
            &listed,
            &flipped(&roots[s], 255),
        );
        assert!(got.is_err(), "{label}: root flipped, accepted");
        counts.refusals += 2;
        counts.inclusion += 1;
    }

    for (c, case) in array_field(table, "consistency", name).iter().enumerate() {
        let label = format!("{name} consistency[{c}]");
        let size1 = u64_field(case, "size1", &label);
        let size2 = u64_field(case, "size2", &label);
        let listed: Vec<Hash> = array_field(case, "proof", &label)
            .iter()
            .map(|v| hex_hash(v.as_str().unwrap_or_default(), &label))
            .collect();
        let (r1, r2) = (roots[size1 as usize], roots[size2 as usize]);
        let small = MemoryTree::from_leaves(hasher, &inputs[..size2 as usize]);
        assert_eq!(
            consistency_proof(hasher, &small, size1, size2).unwrap(),
            listed,
            "{label}"
        );
        assert_eq!(
            consistency_proof(hasher, &full, size1, size2).unwrap(),
            listed,
            "{label}"
        );
        assert_eq!(
            verify_consistency(hasher, size1, size2, &listed, &r1, &r2),
            Ok(()),
            "{label}"
        );
        for k in 0..listed.len() {
            let bad = flip_in(&listed, k, 8 * k + 4);
            let got = verify_consistency(hasher, size1, size2, &bad, &r1, &r2);
            assert!(got.is_err(), "{label}: proof[{k}] flipped, accepted");
            counts.refusals += 1;
        }
        let got = verify_consistency(hasher, size1, size2, &listed, &flipped(&r1, 7), &r2);
        assert!(got.is_err(), "{label}: root1 flipped, accepted");
        let got = verify_consistency(hasher, size1, size2, &listed, &r1, &flipped(&r2, 7));
        assert!(got.is_err(), "{label}: root2 flipped, accepted");
        counts.refusals += 2;
        counts.consistency += 1;
    }

    assert_eq!(counts.leaf_hashes, TABLE_LEAVES, "{name}");
    assert_eq!(counts.roots, TABLE_LEAVES + 1, "{name}");
    assert_eq!(
        counts.inclusion, TABLE_INCLUSION,
        "{name}: inclusion proofs"
    );
    assert_eq!(
        counts.consistency, TABLE_CONSISTENCY,
        "{name}: consistency proofs"
    );
    eprintln!("{name} table: {counts:?}");
    counts
}

fn table_section(test: &str, section: &str) -> Option<Value> {
    let dir = vectors_dir(test)?;
    let all = read_json(&dir.join("rfc6962_vectors_sha256_blake3.json"));
    Some(field(&all, section, "rfc6962_vectors_sha256_blake3.json").clone())
}

#[test]
fn rfc6962_sha256_table() {
    let Some(table) = table_section("rfc6962_sha256_table", "sha256") else {
        return;
    };
    let counts = check_table(&Sha256, &table, "sha256");
    // 17 proof hashes across the 9 inclusion proofs, 20 across the 8
    // consistency proofs, plus a flipped leaf (or root1) and root for each.
    assert_eq!(counts.refusals, 17 + 2 * 9 + 20 + 2 * 8);
}

#[test]
fn rfc6962_blake3_table() {
    let Some(table) = table_section("rfc6962_blake3_table", "blake3") else {
        return;
    };
    let counts = check_table(&Blake3, &table, "blake3");
    assert_eq!(counts.refusals, 17 + 2 * 9 + 20 + 2 * 8);
}

// ---------------------------------------------------------------------------
// 2. transparency-dev/merkle's probe files

/// What `transparency-dev-merkle/{inclusion,consistency}/` holds: 98 files
/// each, of which 6 + 6 are happy paths. 53 contain some "hash" that is not 32
/// bytes (`""` as garbage, `"WrongLeaf"`, the 12-byte `"don't care 1"`): 11 of
/// them in a leaf hash, all to be refused, and 42 only in roots or proof
/// hashes, one of them a happy path
/// (`consistency/additional/sizes-are-equal-one-and-proof-is-empty`).
const PROBE_INCLUSION: usize = 98;
const PROBE_CONSISTENCY: usize = 98;
const PROBE_HAPPY: usize = 12;
const PROBE_LEAF_NOT_32: usize = 11;
const PROBE_STAND_INS: usize = 42;
const PROBE_STAND_INS_HAPPY: usize = 1;

/// A value that stands for a root or proof "hash" that is not 32 bytes long,
/// which the verifier's `[u8; 32]` API cannot take. transparency-dev/merkle
/// treats those as opaque bytes (it only compares roots and hashes proof items
/// into nodes), so a stand-in that keeps equal values equal and different ones
/// different, and that is no node of any real tree, must get the answer the
/// probe expects. Refusing these files outright in the harness would refuse the
/// happy path named above and hide how the verifier treats the size-0
/// consistency cases, whose roots are 12-byte placeholders.
fn stand_in(bytes: &[u8]) -> Hash {
    let mut h = sha2::Sha256::new();
    h.update(b"sitrep test stand-in for a hash that is not 32 bytes\0");
    h.update(bytes);
    h.finalize().into()
}

/// Decodes a root or proof hash; sets `odd` if it had to be replaced by a
/// stand-in.
fn probe_hash(s: &str, label: &str, odd: &mut bool) -> Hash {
    let bytes = b64(s, label);
    <Hash>::try_from(bytes.as_slice()).unwrap_or_else(|_| {
        *odd = true;
        stand_in(&bytes)
    })
}

/// `proof`: null or absent is the empty proof.
fn probe_proof(case: &Value, label: &str, odd: &mut bool) -> Vec<Hash> {
    match case.get("proof") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                let s = v
                    .as_str()
                    .unwrap_or_else(|| panic!("{label}: proof item is not a string"));
                probe_hash(s, label, odd)
            })
            .collect(),
        Some(other) => panic!("{label}: proof is {other}"),
    }
}

/// Every `*.json` below `dir`, sorted; anything else there is an error.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push(path);
            } else {
                panic!("{}: not a probe file", path.display());
            }
        }
    }
    out.sort();
    out
}

/// What became of one probe file.
enum Outcome {
    Accepted,
    Refused(VerifyError),
    /// The leaf hash is not 32 bytes: transparency-dev/merkle refuses it for
    /// its length alone ("leafHash has unexpected size"), and a `[u8; 32]`
    /// cannot hold it, so the harness refuses it without calling the verifier.
    LeafNot32 {
        bytes: usize,
    },
}

#[derive(Debug, Default)]
struct ProbeCounts {
    files: usize,
    inclusion: usize,
    consistency: usize,
    accepted: usize,
    /// Refused by the verifier, by `VerifyError` variant.
    refused: BTreeMap<String, usize>,
    /// Refused by the harness: a leaf hash that is not 32 bytes.
    leaf_not_32: usize,
    /// Run through the verifier with stand-ins for roots or proof hashes that
    /// are not 32 bytes.
    stand_ins: usize,
    stand_ins_accepted: usize,
}

fn run_probe(kind: &str, case: &Value, label: &str, odd: &mut bool) -> Outcome {
    let result = if kind == "inclusion" {
        let index = u64_field(case, "leafIdx", label);
        let size = u64_field(case, "treeSize", label);
        let leaf = b64(str_field(case, "leafHash", label), label);
        let Ok(leaf) = <Hash>::try_from(leaf.as_slice()) else {
            return Outcome::LeafNot32 { bytes: leaf.len() };
        };
        let root = probe_hash(str_field(case, "root", label), label, odd);
        let proof = probe_proof(case, label, odd);
        verify_inclusion(&Sha256, index, size, &leaf, &proof, &root)
    } else {
        let size1 = u64_field(case, "size1", label);
        let size2 = u64_field(case, "size2", label);
        let root1 = probe_hash(str_field(case, "root1", label), label, odd);
        let root2 = probe_hash(str_field(case, "root2", label), label, odd);
        let proof = probe_proof(case, label, odd);
        verify_consistency(&Sha256, size1, size2, &proof, &root1, &root2)
    };
    match result {
        Ok(()) => Outcome::Accepted,
        Err(e) => Outcome::Refused(e),
    }
}

#[test]
fn transparency_dev_probe_cases() {
    let Some(dir) = vectors_dir("transparency_dev_probe_cases") else {
        return;
    };
    let base = dir.join("transparency-dev-merkle");
    let mut counts = ProbeCounts::default();
    let mut wrong = Vec::new();
    for kind in ["inclusion", "consistency"] {
        for path in json_files(&base.join(kind)) {
            let label = path
                .strip_prefix(&base)
                .unwrap_or(&path)
                .display()
                .to_string();
            let case = read_json(&path);
            let want_err = field(&case, "wantErr", &label)
                .as_bool()
                .unwrap_or_else(|| panic!("{label}: wantErr is not a bool"));
            let mut odd = false;
            let outcome = run_probe(kind, &case, &label, &mut odd);
            counts.files += 1;
            if kind == "inclusion" {
                counts.inclusion += 1;
            } else {
                counts.consistency += 1;
            }
            counts.stand_ins += usize::from(odd);
            let note = if odd {
                " (with stand-ins for hashes that are not 32 bytes)"
            } else {
                ""
            };
            match outcome {
                Outcome::Accepted => {
                    counts.accepted += 1;
                    counts.stand_ins_accepted += usize::from(odd);
                    if want_err {
                        wrong.push(format!(
                            "{label}{note}: wantErr, but the verifier accepted it"
                        ));
                    }
                }
                Outcome::Refused(e) => {
                    *counts.refused.entry(variant(&e)).or_default() += 1;
                    if !want_err {
                        wrong.push(format!("{label}{note}: happy path refused: {e}"));
                    }
                }
                Outcome::LeafNot32 { bytes } => {
                    counts.leaf_not_32 += 1;
                    if !want_err {
                        wrong.push(format!("{label}: happy path with a {bytes}-byte leaf hash"));
                    }
                }
            }
        }
    }
    let refused: usize = counts.refused.values().sum();
    eprintln!(
        "transparency-dev probes: {} files ({} inclusion, {} consistency): {} accepted; \
         {} refused by the verifier {:?}; {} refused by the harness (leaf hash not 32 bytes); \
         {} run with stand-ins for roots or proof hashes not 32 bytes ({} of them accepted)",
        counts.files,
        counts.inclusion,
        counts.consistency,
        counts.accepted,
        refused,
        counts.refused,
        counts.leaf_not_32,
        counts.stand_ins,
        counts.stand_ins_accepted,
    );
    assert!(
        wrong.is_empty(),
        "the verifier disagrees with transparency-dev/merkle on {} probe files:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(counts.inclusion, PROBE_INCLUSION);
    assert_eq!(counts.consistency, PROBE_CONSISTENCY);
    assert_eq!(counts.files, 196);
    assert_eq!(counts.accepted, PROBE_HAPPY);
    assert_eq!(refused + counts.leaf_not_32, 196 - PROBE_HAPPY);
    assert_eq!(counts.leaf_not_32, PROBE_LEAF_NOT_32);
    assert_eq!(counts.stand_ins, PROBE_STAND_INS);
    assert_eq!(counts.stand_ins_accepted, PROBE_STAND_INS_HAPPY);
}

// ---------------------------------------------------------------------------
// 3. A real CT log: Google Argon2020

const ARGON_SIZE: u64 = 961_984_013;
const ARGON_LEAF: u64 = 10_000;
/// The older tree of the consistency proof, and its root, from the README of
/// `../shared/vectors` (golang/mod `sumdb/tlog/testdata`).
const ARGON_OLD_SIZE: u64 = 3_654_490;
const ARGON_OLD_ROOT: &str = "AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=";
const ARGON_PROOF_LEN: usize = 30;

#[test]
fn argon2020_real_ct_log() {
    let Some(dir) = vectors_dir("argon2020_real_ct_log") else {
        return;
    };
    let dir = dir.join("argon2020");
    let sth = read_json(&dir.join("sth.json"));
    let entries = read_json(&dir.join("entries.json"));
    let proof_file = read_json(&dir.join("proof.json"));
    let consistency_file = read_json(&dir.join("consistency.json"));

    let size = u64_field(&sth, "tree_size", "sth.json");
    assert_eq!(size, ARGON_SIZE, "sth.json tree_size");
    let root = b64_hash(str_field(&sth, "sha256_root_hash", "sth.json"), "sth.json");

    // get-entries answer for leaf 10000 alone: `leaf_input` is the base64
    // MerkleTreeLeaf (RFC 6962 §3.4), which starts with version v1 (0) and
    // leaf type timestamped_entry (0).
    let entries = array_field(&entries, "entries", "entries.json");
    assert_eq!(entries.len(), 1, "entries.json holds leaf 10000 only");
    let input = b64(
        str_field(&entries[0], "leaf_input", "entries.json"),
        "entries.json",
    );
    assert_eq!(input[..2], [0, 0], "MerkleTreeLeaf v1 timestamped_entry");
    let leaf = Sha256.leaf(&input);

    let index = u64_field(&proof_file, "leaf_index", "proof.json");
    assert_eq!(index, ARGON_LEAF);
    let path: Vec<Hash> = array_field(&proof_file, "audit_path", "proof.json")
        .iter()
        .map(|v| b64_hash(v.as_str().unwrap_or_default(), "proof.json"))
        .collect();
    assert_eq!(path.len(), ARGON_PROOF_LEN);
    let consistency: Vec<Hash> = array_field(&consistency_file, "consistency", "consistency.json")
        .iter()
        .map(|v| b64_hash(v.as_str().unwrap_or_default(), "consistency.json"))
        .collect();
    assert_eq!(consistency.len(), ARGON_PROOF_LEN);
    let old_root = b64_hash(ARGON_OLD_ROOT, "ARGON_OLD_ROOT");

    assert_eq!(
        root_from_inclusion_proof(&Sha256, index, size, &leaf, &path),
        Ok(root)
    );
    assert_eq!(
        verify_inclusion(&Sha256, index, size, &leaf, &path, &root),
        Ok(())
    );
    assert_eq!(
        verify_consistency(
            &Sha256,
            ARGON_OLD_SIZE,
            size,
            &consistency,
            &old_root,
            &root
        ),
        Ok(())
    );

    // One bit flipped in each hash of each proof, one at a time.
    let mut refused = 0;
    for k in 0..ARGON_PROOF_LEN {
        let bad = flip_in(&path, k, k);
        let got = verify_inclusion(&Sha256, index, size, &leaf, &bad, &root);
        assert!(got.is_err(), "audit_path[{k}] flipped, accepted");
        let bad = flip_in(&consistency, k, k);
        let got = verify_consistency(&Sha256, ARGON_OLD_SIZE, size, &bad, &old_root, &root);
        assert!(got.is_err(), "consistency[{k}] flipped, accepted");
        refused += 2;
    }
    // A neighbour's index, and sizes that change the shape of the proof. (Not
    // `size + 1` with the same root: leaf 10000's path is the same 30 hashes in
    // a tree one leaf larger, so that claim is indistinguishable from a true
    // one by anyone holding only this root, and a verifier must accept it.)
    let wrong_inclusion = [(index + 1, size), (index, 2 * size), (index, size / 2)];
    for (i, s) in wrong_inclusion {
        let got = verify_inclusion(&Sha256, i, s, &leaf, &path, &root);
        assert!(
            got.is_err(),
            "leaf {index} of {size} passed off as leaf {i} of {s}"
        );
        refused += 1;
    }
    let wrong_consistency = [
        (ARGON_OLD_SIZE + 1, size),
        (ARGON_OLD_SIZE - 1, size),
        (ARGON_OLD_SIZE, 2 * size),
    ];
    for (s1, s2) in wrong_consistency {
        let got = verify_consistency(&Sha256, s1, s2, &consistency, &old_root, &root);
        assert!(
            got.is_err(),
            "{ARGON_OLD_SIZE} -> {size} passed off as {s1} -> {s2}"
        );
        refused += 1;
    }
    assert_eq!(refused, 2 * ARGON_PROOF_LEN + 6);
    eprintln!(
        "argon2020: leaf {index} of {size} and consistency from {ARGON_OLD_SIZE} verified \
         ({ARGON_PROOF_LEN} hashes each); {refused} tampered variants refused"
    );
}

// ---------------------------------------------------------------------------
// 4. Every proof of every small tree

#[derive(Debug, Default, PartialEq, Eq)]
struct Exhaustive {
    trees: u64,
    roots: u64,
    inclusion: u64,
    consistency: u64,
    refusals: u64,
}

/// For every size `n` in `0..=max`: the tree of `n` leaves (leaf `i`'s input is
/// `i` as 8 big-endian bytes) has the frontier's root at every size `m ≤ n`;
/// every inclusion proof and every consistency proof from `m` (`0 < m ≤ n`)
/// verifies; and for a few leaves and sizes per tree, a wrong index, a wrong
/// size or one flipped bit is refused.
///
/// Consistency from the empty tree (`m = 0`) is left out here on purpose: what
/// the verifier must answer there is pinned by the transparency-dev probe files
/// (`consistency/additional/*zero*`), not by a round trip.
fn exhaustive<H: Hasher>(hasher: &H, max: u64) -> Exhaustive {
    let mut counts = Exhaustive::default();
    // Roots at sizes 0..=max+1 from one frontier grown leaf by leaf.
    let inputs: Vec<[u8; 8]> = (0..=max).map(u64::to_be_bytes).collect();
    let leaves: Vec<Hash> = inputs.iter().map(|d| hasher.leaf(d)).collect();
    let mut frontier = Frontier::new();
    let mut roots = vec![frontier.root(hasher)];
    for leaf in &leaves {
        frontier.push(hasher, *leaf, |_, _, _| {});
        roots.push(frontier.root(hasher));
    }
    assert_eq!(roots[0], hasher.empty());

    for n in 0..=max {
        let tree = MemoryTree::from_leaves(hasher, &inputs[..n as usize]);
        assert_eq!(tree.size(), n);
        counts.trees += 1;
        for m in 0..=n {
            assert_eq!(
                root(hasher, &tree, m).unwrap(),
                roots[m as usize],
                "root({m}) of {n}"
            );
            counts.roots += 1;
        }
        let r = roots[n as usize];
        // Spot checks: both ends and the middle.
        let spot = |x: u64| x == 0 || x == n / 2 || x + 1 == n || x == n;

        for i in 0..n {
            let leaf = leaves[i as usize];
            let proof = inclusion_proof(hasher, &tree, i, n).unwrap();
            assert_eq!(
                verify_inclusion(hasher, i, n, &leaf, &proof, &r),
                Ok(()),
                "leaf {i} of {n}"
            );
            counts.inclusion += 1;
            if !spot(i) {
                continue;
            }
            if i + 1 < n {
                let got = verify_inclusion(hasher, i + 1, n, &leaf, &proof, &r);
                assert!(got.is_err(), "leaf {i} of {n} passed off as leaf {}", i + 1);
                counts.refusals += 1;
            }
            // The next tree's root covers leaf n, which no hash of this proof does.
            let next = roots[n as usize + 1];
            let got = verify_inclusion(hasher, i, n + 1, &leaf, &proof, &next);
            assert!(
                got.is_err(),
                "leaf {i}: proof for size {n} passed off as size {}",
                n + 1
            );
            assert!(verify_inclusion(hasher, i, 2 * n, &leaf, &proof, &r).is_err());
            counts.refusals += 2;
            if proof.is_empty() {
                let got = verify_inclusion(hasher, i, n, &flipped(&leaf, 9), &proof, &r);
                assert!(got.is_err(), "leaf {i} of {n}: flipped leaf accepted");
            } else {
                let k = i as usize % proof.len();
                let bad = flip_in(&proof, k, 8 * k + 5);
                let got = verify_inclusion(hasher, i, n, &leaf, &bad, &r);
                assert!(
                    got.is_err(),
                    "leaf {i} of {n}: proof[{k}] flipped, accepted"
                );
            }
            counts.refusals += 1;
        }

        for m in 1..=n {
            let r1 = roots[m as usize];
            let proof = consistency_proof(hasher, &tree, m, n).unwrap();
            assert_eq!(
                verify_consistency(hasher, m, n, &proof, &r1, &r),
                Ok(()),
                "{m} -> {n}"
            );
            counts.consistency += 1;
            if !spot(m) {
                continue;
            }
            let next = roots[n as usize + 1];
            let got = verify_consistency(hasher, m, n + 1, &proof, &r1, &next);
            assert!(got.is_err(), "{m} -> {n} passed off as {m} -> {}", n + 1);
            counts.refusals += 1;
            if m < n {
                let r1 = roots[m as usize + 1];
                let got = verify_consistency(hasher, m + 1, n, &proof, &r1, &r);
                assert!(got.is_err(), "{m} -> {n} passed off as {} -> {n}", m + 1);
                counts.refusals += 1;
            }
            if proof.is_empty() {
                // m == n: the roots must be equal.
                let got = verify_consistency(hasher, m, n, &proof, &r1, &flipped(&r, 9));
                assert!(got.is_err(), "{m} -> {n}: flipped root accepted");
            } else {
                let k = m as usize % proof.len();
                let bad = flip_in(&proof, k, 8 * k + 6);
                let got = verify_consistency(hasher, m, n, &bad, &r1, &r);
                assert!(got.is_err(), "{m} -> {n}: proof[{k}] flipped, accepted");
            }
            counts.refusals += 1;
        }
    }
    counts
}

#[test]
fn exhaustive_proofs_up_to_128() {
    let blake3 = exhaustive(&Blake3, 128);
    let sha256 = exhaustive(&Sha256, 32);
    eprintln!("exhaustive: blake3 {blake3:?}; sha256 {sha256:?}");
    // Σ_{n ≤ N} (n + 1) roots, Σ n inclusion proofs, Σ n consistency proofs.
    for (counts, max) in [(&blake3, 128u64), (&sha256, 32)] {
        assert_eq!(counts.trees, max + 1);
        assert_eq!(counts.roots, (max + 1) * (max + 2) / 2);
        assert_eq!(counts.inclusion, max * (max + 1) / 2);
        assert_eq!(counts.consistency, max * (max + 1) / 2);
        assert!(counts.refusals > 6 * max, "{counts:?}");
    }
}
