//! Bulk append throughput, beside its baseline measured in the same run: raw sled
//! single-key inserts of the same canonical entry bytes (key = seq, big-endian),
//! flushed at the end like a durable append. The facts are the synthetic corpus
//! (`sitrep::synth::Corpus`, seed 1): the fixtures' mix of kinds and sizes.
//!
//! Run: `cargo bench --bench append` (set `SITREP_BENCH_FACTS` to change N,
//! default 100 000). Benches never assert; they print.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]
#![allow(clippy::print_stdout, reason = "a bench reports by printing")]

use std::time::{Duration, Instant};

mod common;

use common::{median, SEED};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sitrep::codec;
use sitrep::entry::{Entry, Seq, FORMAT_VERSION};
use sitrep::fact::Fact;
use sitrep::hash::Id;
use sitrep::journal::{AppendOptions, Journal};
use sitrep::synth::Corpus;
use sitrep::time::{FixedClock, Timestamp};

fn entry_bytes(facts: &[Fact]) -> Vec<Vec<u8>> {
    let mut prev = Id::genesis("bench");
    facts
        .iter()
        .enumerate()
        .map(|(i, fact)| {
            let entry = Entry {
                version: FORMAT_VERSION,
                seq: Seq::new(i as u64),
                prev,
                recorded_at: Timestamp::from_micros(0),
                recorded_by: "bench".into(),
                fact: fact.clone(),
            };
            let bytes = codec::encode_entry(&entry);
            prev = Id::of_entry(&bytes);
            bytes
        })
        .collect()
}

fn bench_append(c: &mut Criterion) {
    let n = usize::try_from(common::facts_from_env(100_000)).unwrap_or(usize::MAX);
    let facts: Vec<Fact> = Corpus::new(SEED, n as u64).collect();
    let bytes = entry_bytes(&facts);
    let canonical: usize = bytes.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("bulk_append");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(n as u64));
    let options = AppendOptions {
        recorded_by: "bench".into(),
        durable: true,
        dry_run: false,
    };
    let clock = FixedClock(Timestamp::from_micros(0));
    let mut sitrep_secs = Vec::new();
    group.bench_function(BenchmarkId::new("sitrep_journal", n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
                let path = dir.path().join("ledger");
                let mut journal =
                    Journal::init(&path, "bench").unwrap_or_else(|e| panic!("init: {e}"));
                let batch = facts.clone();
                let t = Instant::now();
                journal
                    .append(batch, &clock, &options)
                    .unwrap_or_else(|e| panic!("append: {e}"));
                total += t.elapsed();
            }
            sitrep_secs.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    let mut sled_secs = Vec::new();
    group.bench_function(BenchmarkId::new("raw_sled_single_key_inserts", n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
                let db = sitrep::store::sled_config(dir.path())
                    .open()
                    .unwrap_or_else(|e| panic!("sled: {e}"));
                let t = Instant::now();
                for (i, value) in bytes.iter().enumerate() {
                    db.insert((i as u64).to_be_bytes(), value.as_slice())
                        .unwrap_or_else(|e| panic!("insert: {e}"));
                }
                db.flush().unwrap_or_else(|e| panic!("flush: {e}"));
                total += t.elapsed();
            }
            sled_secs.push(total.as_secs_f64() / iters as f64);
            total
        })
    });
    group.finish();
    let (s, r) = (median(&mut sitrep_secs), median(&mut sled_secs));
    let rate = |secs: f64| n as f64 / secs;
    println!(
        "\nbulk append of {n} facts ({:.0} canonical bytes/fact): sitrep {:.0} facts/s, raw sled single-key inserts {:.0} facts/s, ratio {:.2}x",
        canonical as f64 / n as f64,
        rate(s),
        rate(r),
        r / s
    );
}

criterion_group!(benches, bench_append);
criterion_main!(benches);
