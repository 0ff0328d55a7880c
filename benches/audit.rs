//! Audit throughput — `Journal::audit` over the whole ledger: every entry's id,
//! decode and canonical re-encode, chain, references and stored Merkle nodes —
//! beside its baseline measured in the same run: BLAKE3 of the same entry bytes
//! alone (`Id::of_entry` over bytes already in memory), the least any audit must do.
//!
//! The ledger holds the synthetic corpus (`sitrep::synth::Corpus`, seed 1),
//! appended in batches of 10 000. Run: `cargo bench --bench audit` (set
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

use common::median;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sitrep::entry::Seq;
use sitrep::hash::Id;
use sitrep::journal::AuditOptions;

fn bench_audit(c: &mut Criterion) {
    let n: u64 = common::facts_from_env(100_000);
    let (_dir, journal) = common::corpus_ledger(n);
    let mut bytes: Vec<Vec<u8>> = Vec::with_capacity(n as usize);
    journal
        .scan(Seq::new(0), &mut |record| {
            bytes.push(record.bytes);
            true
        })
        .unwrap_or_else(|e| panic!("scan: {e}"));
    let canonical: usize = bytes.iter().map(Vec::len).sum();
    // Once before measuring, so that a broken ledger is said rather than timed.
    let report = journal
        .audit(&AuditOptions::default())
        .unwrap_or_else(|e| panic!("audit: {e}"));
    if let Some(problem) = report.first_problem() {
        println!("the bench ledger does not audit clean: {problem}");
    }

    let mut group = c.benchmark_group("audit");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(n));
    let audit_options = AuditOptions::default();
    let mut sitrep_secs = Vec::new();
    group.bench_function(BenchmarkId::new("sitrep_audit", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(
                    journal
                        .audit(&audit_options)
                        .unwrap_or_else(|e| panic!("audit: {e}")),
                );
            }
            let total = t.elapsed();
            sitrep_secs.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    let mut hash_secs = Vec::new();
    group.bench_function(BenchmarkId::new("blake3_of_entry_bytes", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                for entry in &bytes {
                    black_box(Id::of_entry(entry));
                }
            }
            let total = t.elapsed();
            hash_secs.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    group.finish();
    let (s, h) = (median(&mut sitrep_secs), median(&mut hash_secs));
    let rate = |secs: f64| n as f64 / secs;
    println!(
        "\naudit of {n} facts ({:.0} canonical bytes/fact): sitrep audit {:.0} facts/s, baseline BLAKE3 of the entry bytes {:.0} facts/s, ratio {:.2}x",
        canonical as f64 / n as f64,
        rate(s),
        rate(h),
        h / s
    );
}

criterion_group!(benches, bench_audit);
criterion_main!(benches);
