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

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use sitrep::entry::Seq;
use sitrep::journal::{AppendOptions, Journal};
use sitrep::merkle::{self, Blake3, Hash, MemoryTree};
use sitrep::synth;

const SEED: u64 = 1;
const BATCH: usize = 10_000;

/// xorshift64*: the random leaf indices, the same on every run.
struct Indices(u64);

impl Indices {
    fn next_below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

/// Seconds per operation of each sample, median of the samples.
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn bench_proofs(c: &mut Criterion) {
    let n: u64 = std::env::var("SITREP_BENCH_FACTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
        .max(2);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut journal =
        Journal::init(&dir.path().join("ledger"), "bench").unwrap_or_else(|e| panic!("init: {e}"));
    let options = AppendOptions {
        recorded_by: "bench".into(),
        durable: true,
        dry_run: false,
    };
    synth::append_corpus(&mut journal, SEED, n, BATCH, &options)
        .unwrap_or_else(|e| panic!("append: {e}"));
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
