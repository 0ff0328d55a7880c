//! Figure 7: Merkle proofs at size N, generated from the ledger's stored nodes and
//! verified with the library's verifiers, beside baselines that do the least the
//! same answer can cost: the same proof generated from a `MemoryTree` of every
//! node in memory, and, for verification, the BLAKE3 node hashes of the proof
//! path alone. Every ledger proof is checked equal to the in-memory one, and the
//! in-memory root equal to the ledger's, so both sides answer the same question.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use sitrep::journal::Journal;
use sitrep::merkle::{self, Blake3, Hash, Hasher, MemoryTree};

use crate::row::{Goal, Row, Unit};
use crate::stats::{median, us, Rng};

/// Generation goal, µs.
const GENERATE_GOAL_US: f64 = 50.0;
/// Verification goal, µs.
const VERIFY_GOAL_US: f64 = 10.0;

#[derive(Default)]
struct Samples {
    sitrep: Vec<Duration>,
    baseline: Vec<Duration>,
}

impl Samples {
    fn row(&self, figure: &str, n: u64, baseline: &str, goal_us: f64) -> Row {
        let p50 = |s: &[Duration]| median(s).map(us).ok_or_else(|| "no samples".to_owned());
        Row::new(
            figure,
            n,
            Unit::Us,
            p50(&self.sitrep),
            baseline,
            p50(&self.baseline),
            Goal::AtMost(goal_us),
        )
    }
}

/// The hashes a verifier must at least compute: one node per proof hash.
fn hash_path(leaf: &Hash, proof: &[Hash]) -> Hash {
    proof
        .iter()
        .fold(*leaf, |acc, sibling| Blake3.node(&acc, sibling))
}

/// Measures `samples` inclusion and consistency proofs at random points.
/// `ids` are the entry ids of seqs 0..N (the leaves).
pub fn rows(
    journal: &Journal,
    ids: &[Hash],
    samples: usize,
    rng: &mut Rng,
) -> anyhow::Result<Vec<Row>> {
    let n = ids.len() as u64;
    if n < 2 || journal.head().size < n {
        bail!("proofs need a ledger of at least 2 entries holding the {n} leaves given");
    }
    let tree = MemoryTree::from_leaf_hashes(&Blake3, ids.to_vec());
    let root = journal.root_at(n).map_err(|e| anyhow!("{e}"))?;
    let memory_root = merkle::root(&Blake3, &tree, n).map_err(|e| anyhow!("{e:?}"))?;
    if memory_root != root {
        bail!("the in-memory tree of the baseline's ids has another root than the ledger");
    }
    let mut inclusion = Samples::default();
    let mut inclusion_verify = Samples::default();
    let mut consistency = Samples::default();
    let mut consistency_verify = Samples::default();
    for _ in 0..samples {
        let index = rng.below(0, n);
        let leaf = ids[usize::try_from(index)?];
        let started = Instant::now();
        let proof = journal
            .inclusion_proof(index, n)
            .map_err(|e| anyhow!("{e}"))?;
        inclusion.sitrep.push(started.elapsed());
        let started = Instant::now();
        let expected =
            merkle::inclusion_proof(&Blake3, &tree, index, n).map_err(|e| anyhow!("{e:?}"))?;
        inclusion.baseline.push(started.elapsed());
        if proof != expected {
            bail!("the ledger's inclusion proof of leaf {index} differs from the in-memory tree's");
        }
        let started = Instant::now();
        merkle::verify_inclusion(&Blake3, index, n, &leaf, &proof, &root)?;
        inclusion_verify.sitrep.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(hash_path(&leaf, &proof));
        inclusion_verify.baseline.push(started.elapsed());

        let old = rng.below(1, n);
        let old_root = journal.root_at(old).map_err(|e| anyhow!("{e}"))?;
        let started = Instant::now();
        let proof = journal
            .consistency_proof(old, n)
            .map_err(|e| anyhow!("{e}"))?;
        consistency.sitrep.push(started.elapsed());
        let started = Instant::now();
        let expected =
            merkle::consistency_proof(&Blake3, &tree, old, n).map_err(|e| anyhow!("{e:?}"))?;
        consistency.baseline.push(started.elapsed());
        if proof != expected {
            bail!("the ledger's consistency proof {old} → {n} differs from the in-memory tree's");
        }
        let started = Instant::now();
        merkle::verify_consistency(&Blake3, old, n, &proof, &old_root, &root)?;
        consistency_verify.sitrep.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(hash_path(&leaf, &proof));
        consistency_verify.baseline.push(started.elapsed());
    }
    let memory = "the same proof from an in-memory MemoryTree";
    let path = "BLAKE3 of the proof's node hashes alone";
    Ok(vec![
        inclusion.row(
            "7a inclusion proof, generate, p50",
            n,
            memory,
            GENERATE_GOAL_US,
        ),
        inclusion_verify.row("7b inclusion proof, verify, p50", n, path, VERIFY_GOAL_US),
        consistency.row(
            "7c consistency proof, generate, p50",
            n,
            memory,
            GENERATE_GOAL_US,
        ),
        consistency_verify.row("7d consistency proof, verify, p50", n, path, VERIFY_GOAL_US),
    ])
}
