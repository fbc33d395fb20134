//! The shared statistics every metric is built from, and the [`Merge`] trait that combines
//! two partial states of any of them.
//!
//! State types count in integers ([`Tally`], [`SumCount`], [`Correlation`], plus
//! [`crate::metrics::dist::Distribution`]); their report views ([`Percent`], [`Mean`],
//! [`ValueSummary`]) carry the sample size next to a value that is `null` when nothing was
//! measured.
//!
//! Invariant: every `merge` here is exact, associative and commutative, so the order in which
//! workers' partials are combined never shows in a report. A state struct declared through
//! [`mergeable!`](crate::mergeable) merges field by field, so a field added to it is merged
//! without anyone having to remember it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::dist::Distribution;
pub use crate::report::schema::{Mean, Percent, ValueSummary};

/// Combines another partial state of the same metric into this one.
///
/// Implementations are exact, associative and commutative: folding values into two states
/// and merging them equals folding every value into one.
pub trait Merge {
    /// Adds `other` into `self`.
    fn merge(&mut self, other: Self);
}

/// Declares a state struct together with its field-by-field [`Merge`] implementation.
///
/// Every field's type must implement [`Merge`]; attributes and doc comments pass through.
#[macro_export]
macro_rules! mergeable {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$field_attr:meta])* $field_vis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis struct $name {
            $( $(#[$field_attr])* $field_vis $field : $ty ),*
        }

        impl $crate::metrics::stats::Merge for $name {
            fn merge(&mut self, other: Self) {
                $( $crate::metrics::stats::Merge::merge(&mut self.$field, other.$field); )*
            }
        }
    };
}

impl Merge for u64 {
    fn merge(&mut self, other: u64) {
        *self += other;
    }
}

impl Merge for i64 {
    fn merge(&mut self, other: i64) {
        *self += other;
    }
}

impl Merge for i128 {
    fn merge(&mut self, other: i128) {
        *self += other;
    }
}

impl<T: Merge, const N: usize> Merge for [T; N] {
    fn merge(&mut self, other: [T; N]) {
        for (a, b) in self.iter_mut().zip(other) {
            a.merge(b);
        }
    }
}

impl<K: Ord, V: Merge + Default> Merge for BTreeMap<K, V> {
    fn merge(&mut self, other: BTreeMap<K, V>) {
        for (k, v) in other {
            self.entry(k).or_default().merge(v);
        }
    }
}

impl Merge for Distribution {
    fn merge(&mut self, other: Distribution) {
        Distribution::merge(self, other);
    }
}

mergeable! {
    /// A count of successes out of `n`.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Tally {
        /// Cases where the measure is defined.
        pub n: u64,
        /// Cases meeting it.
        pub hits: u64,
    }
}

impl Tally {
    /// Counts one case.
    pub fn add(&mut self, hit: bool) {
        self.n += 1;
        self.hits += u64::from(hit);
    }

    /// Counts an optional case (None is not counted).
    pub fn add_opt(&mut self, hit: Option<bool>) {
        if let Some(h) = hit {
            self.add(h);
        }
    }

    /// The report view: percentage with its n.
    pub fn percent(&self) -> Percent {
        Percent {
            n: self.n,
            value: pct(self.hits, self.n),
        }
    }
}

/// `part / whole × 100`, rounded to two decimals; `None` when `whole` is 0.
pub fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round2(part as f64 * 100.0 / whole as f64))
}

/// Rounds to two decimals.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `sum / n` as a [`Mean`] rounded to two decimals.
pub fn per(sum: u64, n: u64) -> Mean {
    Mean {
        n,
        value: (n > 0).then(|| round2(sum as f64 / n as f64)),
    }
}

/// Integer sum and count, reported as a mean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SumCount {
    /// Cases.
    pub n: u64,
    /// Sum of the (scaled) values.
    pub sum: i64,
}

impl SumCount {
    /// Adds one value.
    pub fn add(&mut self, v: i64) {
        self.n += 1;
        self.sum = self.sum.saturating_add(v);
    }

    /// The mean of the values divided by `scale`, rounded to `decimals`.
    pub fn mean(&self, scale: f64, decimals: i32) -> Mean {
        let p = 10f64.powi(decimals);
        Mean {
            n: self.n,
            value: (self.n > 0).then(|| (self.sum as f64 / scale / self.n as f64 * p).round() / p),
        }
    }
}

impl Merge for SumCount {
    /// The sum saturates rather than wrapping, like [`SumCount::add`].
    fn merge(&mut self, other: SumCount) {
        self.n += other.n;
        self.sum = self.sum.saturating_add(other.sum);
    }
}

mergeable! {
    /// Exactly mergeable sums for a Pearson correlation.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Correlation {
        /// Pairs.
        pub n: u64,
        /// Σx.
        pub sx: i128,
        /// Σy.
        pub sy: i128,
        /// Σx².
        pub sxx: i128,
        /// Σy².
        pub syy: i128,
        /// Σxy.
        pub sxy: i128,
    }
}

impl Correlation {
    /// Adds one pair.
    pub fn add(&mut self, x: i64, y: i64) {
        let (x, y) = (i128::from(x), i128::from(y));
        self.n += 1;
        self.sx += x;
        self.sy += y;
        self.sxx += x * x;
        self.syy += y * y;
        self.sxy += x * y;
    }

    /// Pearson's r = (nΣxy − ΣxΣy) / √((nΣx² − (Σx)²)(nΣy² − (Σy)²)), four decimals;
    /// `None` with fewer than two pairs or when either side does not vary.
    pub fn pearson(&self) -> Option<f64> {
        let n = i128::from(self.n);
        let cov = n * self.sxy - self.sx * self.sy;
        let vx = n * self.sxx - self.sx * self.sx;
        let vy = n * self.syy - self.sy * self.sy;
        if self.n < 2 || vx <= 0 || vy <= 0 {
            return None;
        }
        let r = cov as f64 / ((vx as f64).sqrt() * (vy as f64).sqrt());
        Some((r * 10_000.0).round() / 10_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_from_exact_sums() {
        let mut c = Correlation::default();
        // x = 0, 50, 100; y = 7, 6, 1. Means 50 and 14/3. Σdxdy = −50·7/3 + 0 + 50·(−11/3) = −300;
        // Σdx² = 5000, Σdy² = 49/9 + 16/9 + 121/9 = 186/9; r = −300 / √(5000 · 186/9) = −0.93326.
        for (x, y) in [(0, 7), (50_000, 6), (100_000, 1)] {
            c.add(x, y);
        }
        assert_eq!(c.pearson(), Some(-0.9333));
        let mut perfect = Correlation::default();
        for (x, y) in [(10, 7), (50, 4), (90, 1)] {
            perfect.add(x, y);
        }
        assert_eq!(perfect.pearson(), Some(-1.0));
        // One pair, or no variation, is undefined.
        let mut one = Correlation::default();
        one.add(5, 5);
        assert_eq!(one.pearson(), None);
        one.add(9, 5);
        assert_eq!(one.pearson(), None);
    }

    #[test]
    fn merge_adds_field_by_field_and_maps_by_key() {
        let mut a = Correlation::default();
        a.add(1, 2);
        let mut b = Correlation::default();
        b.add(3, 4);
        a.merge(b);
        // n = 2; Σx = 1 + 3; Σy = 2 + 4; Σx² = 1 + 9; Σy² = 4 + 16; Σxy = 2 + 12.
        assert_eq!(
            (a.n, a.sx, a.sy, a.sxx, a.syy, a.sxy),
            (2, 4, 6, 10, 20, 14)
        );
        let mut left = BTreeMap::from([("x", Tally { n: 2, hits: 1 })]);
        let right = BTreeMap::from([
            ("x", Tally { n: 1, hits: 1 }),
            ("y", Tally { n: 3, hits: 0 }),
        ]);
        Merge::merge(&mut left, right);
        assert_eq!(left["x"], Tally { n: 3, hits: 2 });
        assert_eq!(left["y"], Tally { n: 3, hits: 0 });
        let mut saturating = SumCount {
            n: 1,
            sum: i64::MAX,
        };
        saturating.merge(SumCount { n: 1, sum: 5 });
        assert_eq!((saturating.n, saturating.sum), (2, i64::MAX));
    }
}
