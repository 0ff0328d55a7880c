//! As-of latency — the picture as the ledger stood at a random seq
//! (`engine::at` with `Cut::Seq`, a fold of the log up to that entry) and the
//! tallies view computed from it, as `sitrep project tallies --as-of-seq` does —
//! beside its baseline measured in the same run: the full rebuild at the head
//! (`engine::rebuild`) and the same view. A cut folds half the log on average, so
//! a ratio near 2 says the cut costs no more than the fold it needs.
//!
//! The ledger holds the synthetic corpus (`sitrep::synth::Corpus`, seed 1),
//! appended in batches of 10 000. Run: `cargo bench --bench as_of` (set
//! `SITREP_BENCH_FACTS` to change N, default 50 000, smaller than the other
//! benches' because every baseline iteration folds the whole log). Benches never
//! assert; they print.

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
use sitrep::projection::as_of::{AsOf, Cut};
use sitrep::projection::engine;
use sitrep::projection::resolve::Resolved;
use sitrep::projection::views::{Params, View};

fn bench_as_of(c: &mut Criterion) {
    let n: u64 = common::facts_from_env(50_000).max(2);
    let (_dir, journal) = common::corpus_ledger(n);

    let mut group = c.benchmark_group("as_of");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let params = Params::default();
    let mut seqs = Indices(0x5eed);
    let mut folded = 0u64;
    let mut cuts = 0u64;
    let mut sitrep_secs = Vec::new();
    group.bench_function(BenchmarkId::new("at_random_seq_and_tallies", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                // Below the last seq, so that every cut is a fold from the start
                // (the head would be served from the snapshot).
                let seq = seqs.next_below(n - 1);
                let point = AsOf {
                    cut: Cut::Seq(Seq::new(seq)),
                    published: None,
                };
                let at = engine::at(&journal, &point).unwrap_or_else(|e| panic!("at {seq}: {e}"));
                folded += at.size;
                cuts += 1;
                let resolved = Resolved::new(&at.picture);
                black_box(View::Tallies.build(&resolved, &params));
            }
            let total = t.elapsed();
            sitrep_secs.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    let mut rebuild_secs = Vec::new();
    group.bench_function(BenchmarkId::new("rebuild_at_head_and_tallies", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(common::rebuild_and_tallies(&journal));
            }
            let total = t.elapsed();
            rebuild_secs.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    group.finish();
    let (s, r) = (median(&mut sitrep_secs), median(&mut rebuild_secs));
    println!(
        "\nas-of tallies on {n} facts: sitrep at a random seq (mean cut {:.0} entries) {:.1} ms, baseline full rebuild at the head {:.1} ms, ratio {:.2}x",
        folded as f64 / cuts.max(1) as f64,
        s * 1e3,
        r * 1e3,
        r / s
    );
}

criterion_group!(benches, bench_as_of);
criterion_main!(benches);
