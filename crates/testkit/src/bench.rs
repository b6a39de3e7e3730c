//! What every bench shares: smoke mode and the figure helpers.
//!
//! `cargo bench` runs the full benches and prints the figures in BENCHMARKS.md. The test
//! command runs every bench once more with `PEERLINE_BENCH_SMOKE=1`, in the unoptimised test
//! profile: a few iterations over small data, so a bench that breaks fails CI. Its figures
//! mean nothing and nothing asserts them. A bench routes each count or data size that makes
//! it slow through [`n`]; the full run's behaviour is unchanged.

use std::time::Duration;

/// The variable that asks for smoke mode.
pub const SMOKE_VAR: &str = "PEERLINE_BENCH_SMOKE";

/// True when `PEERLINE_BENCH_SMOKE` is set to anything but empty or `0`.
pub fn smoke() -> bool {
    std::env::var_os(SMOKE_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The count to use: `full` for the figures, `smoke` in smoke mode.
pub fn n(full: usize, smoke: usize) -> usize {
    if self::smoke() { smoke } else { full }
}

/// The `p` quantile (0.0 to 1.0) of `v`, nearest rank; sorts `v` in place. The default
/// (zero) for an empty list.
pub fn pct<T: Ord + Copy + Default>(v: &mut [T], p: f64) -> T {
    if v.is_empty() {
        return T::default();
    }
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// The median of `v` (the upper one of an even count); sorts `v` in place.
pub fn median<T: Ord + Copy + Default>(v: &mut [T]) -> T {
    pct(v, 0.5)
}

/// Milliseconds with three decimals: `0.041 ms`.
pub fn ms(d: Duration) -> String {
    ms_to(d, 3)
}

/// Milliseconds with `decimals` decimals: `ms_to(d, 1)` is `13.0 ms`.
pub fn ms_to(d: Duration, decimals: usize) -> String {
    format!("{:.decimals$} ms", d.as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_the_upper_middle_and_pct_the_nearest_rank() {
        let ms = Duration::from_millis;
        for len in 1..40u64 {
            let v: Vec<Duration> = (0..len).rev().map(ms).collect();
            assert_eq!(median(&mut v.clone()), ms(len / 2), "len {len}");
            assert_eq!(pct(&mut v.clone(), 0.0), ms(0));
            assert_eq!(pct(&mut v.clone(), 1.0), ms(len - 1));
        }
        assert_eq!(pct::<Duration>(&mut [], 0.99), Duration::ZERO);
        assert_eq!(pct(&mut [5u64, 1, 3], 0.5), 3);
    }

    #[test]
    fn ms_formats_as_the_benches_always_did() {
        let d = Duration::from_micros(41_260);
        assert_eq!(ms(d), "41.260 ms");
        assert_eq!(ms_to(d, 2), "41.26 ms");
        assert_eq!(ms_to(d, 1), "41.3 ms");
    }
}
