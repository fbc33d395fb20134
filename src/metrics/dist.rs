//! [`Distribution`]: a mergeable summary of non-negative durations (milliseconds) that
//! reports count, mean, median, p90 and max.
//!
//! Up to [`EXACT_LIMIT`] values are kept exactly, so small inputs (and every test) get exact
//! nearest-rank percentiles. Past that the values move into a logarithmic sketch whose
//! buckets grow by a factor [`GAMMA`]: a percentile read from it is within ±1 % of the
//! true nearest-rank value (relative error ≤ (γ−1)/(γ+1) ≈ 0.99 %). Count, sum, min and max
//! stay exact either way. The state is a function of the multiset of values only, so merge
//! is associative and commutative and the result never depends on chunk order.

use std::collections::BTreeMap;

pub use crate::report::schema::Summary;

/// Values kept exactly before switching to the sketch.
pub const EXACT_LIMIT: usize = 4096;
/// Sketch bucket growth factor.
pub const GAMMA: f64 = 1.02;

/// Mergeable distribution of millisecond durations.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Distribution {
    count: u64,
    sum: i128,
    min: i64,
    max: i64,
    /// Exact values while `count <= EXACT_LIMIT`, else empty.
    exact: Vec<i64>,
    /// Sketch buckets (index → count) once past the limit; bucket `i32::MIN` holds zeros.
    sketch: BTreeMap<i32, u64>,
}

fn bucket_of(v: i64) -> i32 {
    if v <= 0 {
        i32::MIN
    } else {
        ((v as f64).ln() / GAMMA.ln()).ceil() as i32
    }
}

fn bucket_value(i: i32) -> f64 {
    if i == i32::MIN {
        0.0
    } else {
        2.0 * GAMMA.powi(i) / (GAMMA + 1.0)
    }
}

/// Rounds to three decimals (milliseconds, in seconds).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl Distribution {
    /// Adds one value (negative values are clamped to 0).
    pub fn add(&mut self, ms: i64) {
        let ms = ms.max(0);
        if self.count == 0 {
            self.min = ms;
            self.max = ms;
        } else {
            self.min = self.min.min(ms);
            self.max = self.max.max(ms);
        }
        self.count += 1;
        self.sum += i128::from(ms);
        if self.sketch.is_empty() && self.exact.len() < EXACT_LIMIT {
            self.exact.push(ms);
        } else {
            self.spill_to_sketch();
            *self.sketch.entry(bucket_of(ms)).or_default() += 1;
        }
    }

    fn spill_to_sketch(&mut self) {
        for v in std::mem::take(&mut self.exact) {
            *self.sketch.entry(bucket_of(v)).or_default() += 1;
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, mut other: Distribution) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other;
            return;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        let fits = self.sketch.is_empty()
            && other.sketch.is_empty()
            && self.exact.len() + other.exact.len() <= EXACT_LIMIT;
        if fits {
            self.exact.append(&mut other.exact);
        } else {
            self.spill_to_sketch();
            other.spill_to_sketch();
            for (k, v) in other.sketch {
                *self.sketch.entry(k).or_default() += v;
            }
        }
    }

    /// Puts the state in canonical form (exact values sorted), so equal multisets compare
    /// and serialise equal.
    pub fn canonicalize(&mut self) {
        self.exact.sort_unstable();
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Nearest-rank percentile `p` in (0, 1], milliseconds: the value at rank ⌈p·n⌉.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p * self.count as f64).ceil() as u64).clamp(1, self.count);
        if self.sketch.is_empty() {
            let mut v = self.exact.clone();
            v.sort_unstable();
            return Some(v[rank as usize - 1] as f64);
        }
        let mut seen = 0;
        for (&i, &c) in &self.sketch {
            seen += c;
            if seen >= rank {
                // Clamp into the exact range so p100 is the true max.
                return Some(bucket_value(i).clamp(self.min as f64, self.max as f64));
            }
        }
        Some(self.max as f64)
    }

    /// The report view, in seconds rounded to milliseconds.
    pub fn summary(&self) -> Summary {
        let secs = |ms: Option<f64>| ms.map(|v| round3(v / 1000.0));
        Summary {
            n: self.count,
            mean_s: (self.count > 0).then(|| round3(self.sum as f64 / self.count as f64 / 1000.0)),
            median_s: secs(self.percentile_ms(0.5)),
            p90_s: secs(self.percentile_ms(0.9)),
            max_s: (self.count > 0).then(|| self.max as f64 / 1000.0),
            approximate: !self.sketch.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_nearest_rank() {
        let mut d = Distribution::default();
        for s in [30, 10, 20, 40, 100] {
            d.add(s * 1000);
        }
        let s = d.summary();
        // sorted 10,20,30,40,100: mean 200/5 = 40; median rank ⌈2.5⌉ = 3 → 30; p90 rank ⌈4.5⌉ = 5 → 100.
        assert_eq!(s.n, 5);
        assert_eq!(s.mean_s, Some(40.0));
        assert_eq!(s.median_s, Some(30.0));
        assert_eq!(s.p90_s, Some(100.0));
        assert_eq!(s.max_s, Some(100.0));
        assert!(!s.approximate);
    }

    #[test]
    fn empty_is_null_not_zero() {
        let s = Distribution::default().summary();
        assert_eq!(
            (s.n, s.mean_s, s.median_s, s.p90_s, s.max_s),
            (0, None, None, None, None)
        );
    }

    #[test]
    fn sketch_stays_within_one_percent() {
        let mut d = Distribution::default();
        for v in 1..=20_000i64 {
            d.add(v * 37);
        }
        let s = d.summary();
        assert!(s.approximate);
        // True median: rank 10000 → 370_000 ms = 370 s; p90: rank 18000 → 666 s.
        let med = s.median_s.unwrap();
        let p90 = s.p90_s.unwrap();
        assert!((med - 370.0).abs() / 370.0 <= 0.01, "{med}");
        assert!((p90 - 666.0).abs() / 666.0 <= 0.01, "{p90}");
        assert_eq!(s.max_s, Some(740.0));
        // mean stays exact: 37 * 20001 / 2 ms = 370.0185 s
        assert_eq!(s.mean_s, Some(370.019));
    }

    #[test]
    fn merge_is_order_independent_across_the_limit() {
        let parts: Vec<Vec<i64>> = vec![
            (0..3000).collect(),
            (5000..6500).map(|v| v * 3).collect(),
            vec![0, 0, 7],
        ];
        let build = |order: &[usize]| {
            let mut total = Distribution::default();
            for &i in order {
                let mut d = Distribution::default();
                for &v in &parts[i] {
                    d.add(v);
                }
                total.merge(d);
            }
            total.canonicalize();
            total
        };
        let a = build(&[0, 1, 2]);
        let b = build(&[2, 1, 0]);
        assert_eq!(a, b);
        assert_eq!(a.count(), 4503);
        let mut whole = Distribution::default();
        for p in &parts {
            for &v in p {
                whole.add(v);
            }
        }
        whole.canonicalize();
        assert_eq!(a, whole);
    }
}
