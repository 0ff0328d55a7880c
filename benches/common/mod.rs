//! What every criterion bench shares: N from `SITREP_BENCH_FACTS`, a durable
//! ledger holding the synthetic corpus, a repeatable random index, the median
//! of the samples, and a rebuild followed by the `tallies` view. Each bench file includes it with `mod common;`.

#![allow(dead_code, reason = "each bench uses a different part of it")]

use sitrep::journal::{AppendOptions, Journal};
use sitrep::projection::engine;
use sitrep::projection::resolve::Resolved;
use sitrep::projection::table::Table;
use sitrep::projection::views::{Params, View};
use sitrep::synth;
use tempfile::TempDir;

/// The corpus seed every bench uses.
pub const SEED: u64 = 1;
/// Facts appended per batch when the ledger is built.
pub const BATCH: usize = 10_000;

/// N: `SITREP_BENCH_FACTS`, else `default`.
pub fn facts_from_env(default: u64) -> u64 {
    std::env::var("SITREP_BENCH_FACTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A fresh ledger (in `dir/ledger`) holding the first `n` facts of the corpus,
/// appended durably in batches of [`BATCH`].
pub fn corpus_ledger(n: u64) -> (TempDir, Journal) {
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
    (dir, journal)
}

/// xorshift64*: random indices, the same on every run.
pub struct Indices(pub u64);

impl Indices {
    /// The next index below `n`.
    pub fn next_below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

/// The median of the samples (NaN if there are none).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The picture rebuilt from the whole log, then the default `tallies` view: the
/// replay bench's measured path and the as-of bench's baseline.
pub fn rebuild_and_tallies(journal: &Journal) -> Table {
    let picture = engine::rebuild(journal).unwrap_or_else(|e| panic!("rebuild: {e}"));
    let resolved = Resolved::new(&picture);
    View::Tallies.build(&resolved, &Params::default())
}
