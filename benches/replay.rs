//! Replay throughput — the full fold of every entry (`engine::rebuild`) and the
//! tallies view computed from it — beside its baseline measured in the same run:
//! a raw sled scan of the same canonical entry bytes (key = seq, big-endian) with
//! `codec::decode_entry` of each, i.e. reading and decoding alone.
//!
//! The ledger holds the synthetic corpus (`sitrep::synth::Corpus`, seed 1),
//! appended in batches of 10 000. Run: `cargo bench --bench replay` (set
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
use sitrep::codec;
use sitrep::entry::Seq;

fn bench_replay(c: &mut Criterion) {
    let n: u64 = common::facts_from_env(100_000);
    let (dir, journal) = common::corpus_ledger(n);

    // The baseline's store: the same canonical bytes, one sled key per entry.
    let db = sitrep::store::sled_config(&dir.path().join("raw"))
        .open()
        .unwrap_or_else(|e| panic!("sled: {e}"));
    let mut canonical = 0usize;
    journal
        .scan(Seq::new(0), &mut |record| {
            canonical += record.bytes.len();
            db.insert(record.entry.seq.to_be_bytes(), record.bytes)
                .unwrap_or_else(|e| panic!("insert: {e}"));
            true
        })
        .unwrap_or_else(|e| panic!("scan: {e}"));
    db.flush().unwrap_or_else(|e| panic!("flush: {e}"));

    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(n));
    let mut sitrep_secs = Vec::new();
    group.bench_function(BenchmarkId::new("rebuild_and_tallies", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(common::rebuild_and_tallies(&journal));
            }
            let total = t.elapsed();
            sitrep_secs.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    let mut raw_secs = Vec::new();
    group.bench_function(BenchmarkId::new("raw_sled_scan_and_decode", n), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                for item in db.iter() {
                    let (_, value) = item.unwrap_or_else(|e| panic!("scan: {e}"));
                    black_box(codec::decode_entry(&value).unwrap_or_else(|e| panic!("{e}")));
                }
            }
            let total = t.elapsed();
            raw_secs.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    group.finish();
    let (s, r) = (median(&mut sitrep_secs), median(&mut raw_secs));
    let rate = |secs: f64| n as f64 / secs;
    println!(
        "\nreplay of {n} facts ({:.0} canonical bytes/fact): sitrep rebuild + tallies {:.0} facts/s, baseline raw sled scan + decode {:.0} facts/s, ratio {:.2}x",
        canonical as f64 / n as f64,
        rate(s),
        rate(r),
        r / s
    );
}

criterion_group!(benches, bench_replay);
criterion_main!(benches);
