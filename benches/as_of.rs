//! As-of latency — `tallies` as the ledger stood at a random seq, counted
//! from the materialised table's history as `sitrep project tallies
//! --as-of-seq` does (`materialised::history::tallies_at`, the history built
//! before timing), and from the picture folded up to that entry (`engine::at`
//! with `Cut::Seq`, as every other view at a cut is computed) — beside the
//! baseline measured in the same run: the full rebuild at the head
//! (`engine::rebuild`) and the same view. A cut folds half the log on average,
//! so a fold's ratio near 2 says the cut costs no more than the fold it needs.
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
use sitrep::projection::materialised::history;
use sitrep::projection::resolve::Resolved;
use sitrep::projection::views::tallies::Details;
use sitrep::projection::views::{Params, View};

fn bench_as_of(c: &mut Criterion) {
    let n: u64 = common::facts_from_env(50_000).max(2);
    let (_dir, journal) = common::corpus_ledger(n);

    let mut group = c.benchmark_group("as_of");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let params = Params::default();
    let mut seqs = Indices(0x5eed);
    // Not timed: builds the table and its history.
    if let Err(e) = history::tallies_at(&journal, 1, &params, Details::Full) {
        panic!("building the history: {e}");
    }
    let mut history_secs = Vec::new();
    group.bench_function(
        BenchmarkId::new("history_at_random_seq_and_tallies", n),
        |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    let size = seqs.next_below(n - 1) + 1;
                    black_box(
                        history::tallies_at(&journal, size, &params, Details::Full)
                            .unwrap_or_else(|e| panic!("at size {size}: {e}")),
                    );
                }
                let total = t.elapsed();
                history_secs.push(total.as_secs_f64() / iters as f64);
                total
            })
        },
    );
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
    let (h, s, r) = (
        median(&mut history_secs),
        median(&mut sitrep_secs),
        median(&mut rebuild_secs),
    );
    println!(
        "\nas-of tallies on {n} facts at a random seq: from the history {:.2} ms (baseline ÷ it {:.0}x); by a fold (mean cut {:.0} entries) {:.1} ms (baseline ÷ it {:.2}x); baseline full rebuild at the head {:.1} ms",
        h * 1e3,
        r / h,
        folded as f64 / cuts.max(1) as f64,
        s * 1e3,
        r / s,
        r * 1e3,
    );
}

criterion_group!(benches, bench_as_of);
criterion_main!(benches);
