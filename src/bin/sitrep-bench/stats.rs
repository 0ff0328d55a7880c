//! Summaries of timing samples (nearest-rank percentiles, rates) and the small
//! deterministic random source the figures pick seqs and leaves with. Pure.

use std::time::Duration;

/// The `p`-th percentile (0–100) of `samples` by the nearest-rank method: the
/// smallest sample with at least p% of the samples at or below it. `None` when
/// there are no samples.
pub fn percentile(samples: &[Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = ((p.clamp(0.0, 100.0) / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.max(1) - 1).copied()
}

/// The median (50th percentile).
pub fn median(samples: &[Duration]) -> Option<Duration> {
    percentile(samples, 50.0)
}

/// Milliseconds of a duration.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Microseconds of a duration.
pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Items per second; `None` for a zero duration.
pub fn rate(items: u64, d: Duration) -> Option<f64> {
    let secs = d.as_secs_f64();
    (secs > 0.0).then(|| items as f64 / secs)
}

/// The fewest samples a figure takes, however long they take.
pub const MIN_SAMPLES: usize = 3;

/// Calls `take` for up to `count` samples, stopping early once at least
/// [`MIN_SAMPLES`] were taken and `budget` has been spent (a slow build then costs
/// minutes, not hours; the row names the count actually taken).
pub fn sample<E>(
    count: usize,
    budget: Duration,
    take: &mut dyn FnMut(usize) -> Result<Duration, E>,
) -> Result<Vec<Duration>, E> {
    let started = std::time::Instant::now();
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        if samples.len() >= MIN_SAMPLES && started.elapsed() > budget {
            break;
        }
        samples.push(take(i)?);
    }
    Ok(samples)
}

/// SplitMix64 (Steele, Lea, Flood 2014): enough to pick sample points
/// reproducibly from `--seed` without a dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..high` (`low` when the range is empty). The modulo bias is
    /// far below what matters for picking sample points.
    pub fn below(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next_u64() % (high - low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms_list(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let s = ms_list(&[5, 1, 4, 2, 3]);
        assert_eq!(median(&s), Some(Duration::from_millis(3)));
        assert_eq!(percentile(&s, 0.0), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&s, 100.0), Some(Duration::from_millis(5)));
        let hundred: Vec<u64> = (1..=100).collect();
        let s = ms_list(&hundred);
        assert_eq!(percentile(&s, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&s, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(median(&ms_list(&[7, 1])), Some(Duration::from_millis(1)));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn rates_and_units() {
        assert_eq!(rate(1_000, Duration::from_millis(500)), Some(2_000.0));
        assert_eq!(rate(1, Duration::ZERO), None);
        assert!((ms(Duration::from_micros(1_500)) - 1.5).abs() < 1e-9);
        assert!((us(Duration::from_nanos(2_500)) - 2.5).abs() < 1e-9);
    }

    #[test]
    fn sampling_stops_at_the_count_or_after_the_budget() {
        let mut calls = 0;
        let all = sample::<()>(5, Duration::from_secs(60), &mut |_| {
            calls += 1;
            Ok(Duration::from_millis(1))
        })
        .unwrap();
        assert_eq!((all.len(), calls), (5, 5));
        let slow = sample::<()>(20, Duration::ZERO, &mut |_| {
            std::thread::sleep(Duration::from_millis(1));
            Ok(Duration::from_millis(1))
        })
        .unwrap();
        assert_eq!(slow.len(), MIN_SAMPLES);
        let failing = sample(5, Duration::from_secs(60), &mut |i| {
            if i == 1 {
                Err("boom")
            } else {
                Ok(Duration::ZERO)
            }
        });
        assert_eq!(failing, Err("boom"));
    }

    #[test]
    fn the_random_source_is_reproducible_and_in_range() {
        let mut a = Rng::new(6);
        let mut b = Rng::new(6);
        for _ in 0..1_000 {
            let x = a.below(10, 20);
            assert_eq!(x, b.below(10, 20));
            assert!((10..20).contains(&x));
        }
        assert_eq!(a.below(5, 5), 5);
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }
}
