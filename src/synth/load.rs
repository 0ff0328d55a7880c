//! Loading a corpus into a ledger, batch after batch, as the benchmarks and the
//! scale tests need it: the corpus streams, so only one batch is held at a time.

use super::Corpus;
use crate::journal::{AppendError, AppendOptions, Journal};
use crate::time::{FixedClock, Timestamp};

/// When the first batch is recorded: 2026-01-01T00:00:00Z. Each later batch is
/// recorded one hour after the one before, so `recorded_at` cuts fall between
/// batches.
pub const FIRST_BATCH_MICROS: i64 = 1_767_225_600_000_000;
const HOUR_MICROS: i64 = 3_600_000_000;

/// Appends the first `n` facts of the corpus for `seed` to `journal`, `batch`
/// facts per atomic append (at least one), and returns how many were recorded
/// (fewer than `n` only if some were already in the ledger).
pub fn append_corpus(
    journal: &mut Journal,
    seed: u64,
    n: u64,
    batch: usize,
    options: &AppendOptions,
) -> Result<u64, AppendError> {
    let mut corpus = Corpus::new(seed, n);
    let mut recorded = 0;
    let mut at = FIRST_BATCH_MICROS;
    loop {
        let facts: Vec<_> = corpus.by_ref().take(batch.max(1)).collect();
        if facts.is_empty() {
            return Ok(recorded);
        }
        let report = journal.append(facts, &FixedClock(Timestamp::from_micros(at)), options)?;
        recorded += report
            .outcomes
            .iter()
            .filter(|o| matches!(o, crate::journal::FactOutcome::Recorded { .. }))
            .count() as u64;
        at += HOUR_MICROS;
    }
}
