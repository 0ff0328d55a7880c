//! Proof latency at ledger size N — an inclusion proof of a random entry (made
//! from the journal's stored Merkle nodes, then verified against the root) and the
//! consistency proof from size N/2 to N (made, then verified against both roots) —
//! beside its baseline measured in the same run: the same proofs made from an
//! in-memory `MemoryTree` holding every node, and verified the same way.
//!
//! The ledger holds the synthetic corpus (`sitrep::synth::Corpus`, seed 1),
//! appended in batches of 10 000. Run: `cargo bench --bench proofs` (set
//! `SITREP_BENCH_FACTS` to change N, default 100 000). Benches never assert;
//! they print.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]
#![allow(clippy::print_stdout, reason = "a bench reports by printing")]

use std::hint::black_box;
use std::time::{Duration, Instant};

mod common;

use common::{median, Indices};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use sitrep::entry::Seq;
use sitrep::merkle::{self, Blake3, Hash, MemoryTree};

fn bench_proofs(c: &mut Criterion) {
    let n: u64 = common::facts_from_env(100_000).max(2);
    let (_dir, journal) = common::corpus_ledger(n);
    let mut leaves: Vec<Hash> = Vec::with_capacity(n as usize);
    journal
        .scan(Seq::new(0), &mut |record| {
            leaves.push(*record.id.as_bytes());
            true
        })
        .unwrap_or_else(|e| panic!("scan: {e}"));
    let tree = MemoryTree::from_leaf_hashes(&Blake3, leaves.clone());
    let half = n / 2;
    let root = journal.root().unwrap_or_else(|e| panic!("root: {e}"));
    let half_root = journal
        .root_at(half)
        .unwrap_or_else(|e| panic!("root at {half}: {e}"));

    let mut group = c.benchmark_group("proofs");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    let mut times: [Vec<f64>; 4] = Default::default();
    let [sitrep_inclusion, memory_inclusion, sitrep_consistency, memory_consistency] = &mut times;

    let mut indices = Indices(0x5eed);
    group.bench_function(BenchmarkId::new("inclusion_sitrep", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let i = indices.next_below(n);
                let proof = journal
                    .inclusion_proof(i, n)
                    .unwrap_or_else(|e| panic!("prove {i}: {e}"));
                let leaf = &leaves[i as usize];
                black_box(merkle::verify_inclusion(&Blake3, i, n, leaf, &proof, &root))
                    .unwrap_or_else(|e| panic!("verify {i}: {e}"));
            }
            let total = t.elapsed();
            sitrep_inclusion.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    let mut indices = Indices(0x5eed);
    group.bench_function(BenchmarkId::new("inclusion_memory_tree", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let i = indices.next_below(n);
                let proof = merkle::inclusion_proof(&Blake3, &tree, i, n)
                    .unwrap_or_else(|e| panic!("prove {i}: {e:?}"));
                let leaf = &leaves[i as usize];
                black_box(merkle::verify_inclusion(&Blake3, i, n, leaf, &proof, &root))
                    .unwrap_or_else(|e| panic!("verify {i}: {e}"));
            }
            let total = t.elapsed();
            memory_inclusion.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    group.bench_function(BenchmarkId::new("consistency_sitrep", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let proof = journal
                    .consistency_proof(half, n)
                    .unwrap_or_else(|e| panic!("prove: {e}"));
                black_box(merkle::verify_consistency(
                    &Blake3, half, n, &proof, &half_root, &root,
                ))
                .unwrap_or_else(|e| panic!("verify: {e}"));
            }
            let total = t.elapsed();
            sitrep_consistency.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    group.bench_function(BenchmarkId::new("consistency_memory_tree", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let proof = merkle::consistency_proof(&Blake3, &tree, half, n)
                    .unwrap_or_else(|e| panic!("prove: {e:?}"));
                black_box(merkle::verify_consistency(
                    &Blake3, half, n, &proof, &half_root, &root,
                ))
                .unwrap_or_else(|e| panic!("verify: {e}"));
            }
            let total = t.elapsed();
            memory_consistency.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    group.finish();
    let [a, b, c, d] = times.each_mut().map(|v| median(v) * 1e6);
    println!(
        "\nproofs at {n} entries (prove + verify): inclusion of a random entry sitrep {a:.1} µs, baseline memory tree {b:.1} µs, ratio {:.2}x; consistency {half}→{n} sitrep {c:.1} µs, baseline memory tree {d:.1} µs, ratio {:.2}x",
        b / a,
        d / c
    );
}

criterion_group!(benches, bench_proofs);
criterion_main!(benches);
