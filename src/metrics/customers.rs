//! Customer-level metrics, which need every contact of a customer at once: the repeat-contact
//! part of FCR, retention per month, CLV and cost to serve.
//!
//! During the pass each conversation leaves a compact [`Contact`] (and each purchase a
//! [`Purchase`]) in a [`Ledger`]; ledgers merge by concatenation, and [`Ledger::settle`]
//! sorts by customer and time once at the end, so the result depends only on the multiset
//! of entries, never on chunk order.
//!
//! Definitions:
//! - FCR repeat contact: a conversation counts as first-contact resolved only if no other
//!   conversation of the same customer opens after it (ties broken by id) and no later than
//!   its resolution + the FCR window;
//! - retention for month m = (E − N) / S × 100, where S = customers active in m − 1,
//!   E = customers active in m, N = customers whose first activity is in m (activity =
//!   a conversation opening or a purchase); `null` when S = 0;
//! - CLV = average purchase value × purchase frequency per year × lifespan (years, from
//!   the config), where frequency = purchases / purchasing customers / observed years
//!   (observed span = first to last activity in the data, at least one day);
//! - cost to serve = configured total cost / conversations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::kpi::round2;
use crate::metrics::segment::SegmentKey;
use crate::time::Timestamp;

/// One conversation, as the customer-level metrics see it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Contact {
    /// Customer id.
    pub customer: String,
    /// Opening time.
    pub opened: Timestamp,
    /// Conversation id (tie-breaker).
    pub id: String,
    /// Channel of the conversation (for the per-channel customer-level metrics).
    #[serde(default)]
    pub channel: Option<crate::model::Channel>,
    /// For a first-contact-resolution candidate: resolution time + FCR window.
    pub fcr_until: Option<Timestamp>,
    /// Segments to credit when the contact is confirmed as FCR.
    pub segments: Vec<SegmentKey>,
}

/// One purchase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Purchase {
    /// Customer id.
    pub customer: String,
    /// When.
    pub at: Timestamp,
    /// Amount in cents.
    pub cents: i64,
}

/// Mergeable customer-level state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// Contacts with a known customer.
    pub contacts: Vec<Contact>,
    /// Purchases with a known customer.
    pub purchases: Vec<Purchase>,
}

/// Retention of one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionPeriod {
    /// `YYYY-MM`.
    pub period: String,
    /// Customers active in the previous month (S).
    pub start: u64,
    /// Customers active in this month (E).
    pub end: u64,
    /// Customers first seen this month (N).
    pub new: u64,
    /// (E − N) / S × 100.
    pub rate: Option<f64>,
}

/// Customer lifetime value and its factors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clv {
    /// Purchases.
    pub purchases: u64,
    /// Distinct purchasing customers.
    pub customers: u64,
    /// Total purchase value / purchases.
    pub average_purchase_value: Option<f64>,
    /// Purchases per customer per year.
    pub purchase_frequency_per_year: Option<f64>,
    /// Configured lifespan, years.
    pub lifespan_years: f64,
    /// The product of the three.
    pub value: Option<f64>,
}

/// What [`Ledger::settle`] produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerReport {
    /// Distinct customers seen.
    pub customers: u64,
    /// Customers with more than one conversation.
    pub repeat_customers: u64,
    /// Retention per month, in time order.
    pub retention: Vec<RetentionPeriod>,
    /// Customer lifetime value.
    pub clv: Clv,
    /// Configured total cost / conversations.
    pub cost_to_serve: Option<f64>,
}

/// FCR confirmations to credit: overall, and per segment key.
#[derive(Debug, Default, PartialEq)]
pub struct FcrCredits {
    /// Confirmed across the whole input.
    pub overall: u64,
    /// Confirmed per segment.
    pub segments: BTreeMap<SegmentKey, u64>,
}

impl Ledger {
    /// Adds `other` (concatenation: associative; order is fixed by `settle`).
    pub fn merge(&mut self, mut other: Ledger) {
        self.contacts.append(&mut other.contacts);
        self.purchases.append(&mut other.purchases);
    }

    /// Sorts entries into canonical order.
    pub fn canonicalize(&mut self) {
        self.contacts.sort_unstable();
        self.purchases.sort_unstable();
    }

    /// Runs the customer-level computations.
    pub fn settle(
        mut self,
        lifespan_years: f64,
        cost_total: Option<f64>,
        conversations: u64,
    ) -> (FcrCredits, CustomerReport) {
        self.canonicalize();
        let credits = fcr_credits(&self.contacts);
        let mut customers = 0u64;
        let mut repeat_customers = 0u64;
        for group in self.contacts.chunk_by(|a, b| a.customer == b.customer) {
            customers += 1;
            repeat_customers += u64::from(group.len() > 1);
        }
        // Customers who only purchased are customers too.
        let mut purchasers: Vec<&str> =
            self.purchases.iter().map(|p| p.customer.as_str()).collect();
        purchasers.dedup();
        let only_purchasers = purchasers
            .iter()
            .filter(|c| {
                self.contacts
                    .binary_search_by(|k| k.customer.as_str().cmp(c))
                    .is_err()
            })
            .count() as u64;
        let report = CustomerReport {
            customers: customers + only_purchasers,
            repeat_customers,
            retention: retention(&self),
            clv: clv(&self, lifespan_years, purchasers.len() as u64),
            cost_to_serve: cost_total
                .filter(|_| conversations > 0)
                .map(|t| round2(t / conversations as f64)),
        };
        (credits, report)
    }
}

fn fcr_credits(sorted: &[Contact]) -> FcrCredits {
    let mut credits = FcrCredits::default();
    for group in sorted.chunk_by(|a, b| a.customer == b.customer) {
        for (i, c) in group.iter().enumerate() {
            let Some(until) = c.fcr_until else { continue };
            let repeated = group.get(i + 1).is_some_and(|next| next.opened <= until);
            if !repeated {
                credits.overall += 1;
                for key in &c.segments {
                    *credits.segments.entry(key.clone()).or_default() += 1;
                }
            }
        }
    }
    credits
}

fn retention(ledger: &Ledger) -> Vec<RetentionPeriod> {
    // Activity months per customer, from contacts and purchases.
    let mut activity: Vec<(&str, (i64, u32))> = ledger
        .contacts
        .iter()
        .map(|c| (c.customer.as_str(), month_of(c.opened)))
        .chain(
            ledger
                .purchases
                .iter()
                .map(|p| (p.customer.as_str(), month_of(p.at))),
        )
        .collect();
    activity.sort_unstable();
    activity.dedup();
    let mut active: BTreeMap<(i64, u32), u64> = BTreeMap::new();
    let mut new: BTreeMap<(i64, u32), u64> = BTreeMap::new();
    for group in activity.chunk_by(|a, b| a.0 == b.0) {
        *new.entry(group[0].1).or_default() += 1;
        for (_, m) in group {
            *active.entry(*m).or_default() += 1;
        }
    }
    let (Some(&first), Some(&last)) = (active.keys().next(), active.keys().next_back()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut month = first;
    let mut previous_active = 0;
    loop {
        let end = active.get(&month).copied().unwrap_or(0);
        let n = new.get(&month).copied().unwrap_or(0);
        out.push(RetentionPeriod {
            period: format!("{:04}-{:02}", month.0, month.1),
            start: previous_active,
            end,
            new: n,
            rate: (previous_active > 0)
                .then(|| round2((end - n) as f64 * 100.0 / previous_active as f64)),
        });
        if month == last {
            break;
        }
        previous_active = end;
        month = if month.1 == 12 {
            (month.0 + 1, 1)
        } else {
            (month.0, month.1 + 1)
        };
    }
    out
}

fn month_of(t: Timestamp) -> (i64, u32) {
    let (y, m, _) = t.civil_date();
    (y, m)
}

fn clv(ledger: &Ledger, lifespan_years: f64, purchasing_customers: u64) -> Clv {
    let purchases = ledger.purchases.len() as u64;
    let total_cents: i64 = ledger.purchases.iter().map(|p| p.cents).sum();
    let times = ledger
        .contacts
        .iter()
        .map(|c| c.opened)
        .chain(ledger.purchases.iter().map(|p| p.at));
    let (lo, hi) = times.fold((None::<Timestamp>, None::<Timestamp>), |(lo, hi), t| {
        (
            Some(lo.map_or(t, |l| l.min(t))),
            Some(hi.map_or(t, |h| h.max(t))),
        )
    });
    const DAY_MS: f64 = 86_400_000.0;
    let span_years = match (lo, hi) {
        (Some(a), Some(b)) => ((b.0 - a.0) as f64).max(DAY_MS) / (365.25 * DAY_MS),
        _ => 0.0,
    };
    let average = (purchases > 0).then(|| total_cents as f64 / 100.0 / purchases as f64);
    let frequency = (purchasing_customers > 0 && span_years > 0.0)
        .then(|| purchases as f64 / purchasing_customers as f64 / span_years);
    Clv {
        purchases,
        customers: purchasing_customers,
        average_purchase_value: average.map(round2),
        purchase_frequency_per_year: frequency.map(round2),
        lifespan_years,
        value: average
            .zip(frequency)
            .map(|(a, f)| round2(a * f * lifespan_years)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn contact(customer: &str, id: &str, opened: &str, fcr_until: Option<&str>) -> Contact {
        Contact {
            customer: customer.into(),
            opened: t(opened),
            id: id.into(),
            channel: None,
            fcr_until: fcr_until.map(t),
            segments: vec![vec!["chat".into()]],
        }
    }

    #[test]
    fn repeat_contact_inside_window_cancels_fcr() {
        let ledger = Ledger {
            contacts: vec![
                // a1 resolved, window until 01-08; a2 opens 01-05 → a1 is not FCR; a2 has no later contact → FCR.
                contact(
                    "a",
                    "a2",
                    "2024-01-05T00:00:00Z",
                    Some("2024-01-12T00:00:00Z"),
                ),
                contact(
                    "a",
                    "a1",
                    "2024-01-01T00:00:00Z",
                    Some("2024-01-08T00:00:00Z"),
                ),
                // b1 resolved, b2 opens after the window → b1 FCR; b2 not a candidate.
                contact(
                    "b",
                    "b1",
                    "2024-01-01T00:00:00Z",
                    Some("2024-01-08T00:00:00Z"),
                ),
                contact("b", "b2", "2024-01-09T00:00:00Z", None),
            ],
            purchases: vec![],
        };
        let (credits, report) = ledger.settle(3.0, Some(100.0), 4);
        assert_eq!(credits.overall, 2);
        assert_eq!(credits.segments[&vec!["chat".to_string()]], 2);
        assert_eq!((report.customers, report.repeat_customers), (2, 2));
        assert_eq!(report.cost_to_serve, Some(25.0));
    }

    #[test]
    fn retention_by_month() {
        // Jan: a, b (both new). Feb: a, c (c new). Mar: b (returning after a gap), c.
        let ledger = Ledger {
            contacts: vec![
                contact("a", "1", "2024-01-03T00:00:00Z", None),
                contact("b", "2", "2024-01-20T00:00:00Z", None),
                contact("a", "3", "2024-02-01T00:00:00Z", None),
                contact("c", "4", "2024-02-11T00:00:00Z", None),
                contact("b", "5", "2024-03-02T00:00:00Z", None),
            ],
            purchases: vec![Purchase {
                customer: "c".into(),
                at: t("2024-03-09T00:00:00Z"),
                cents: 500,
            }],
        };
        let (_, r) = ledger.settle(3.0, None, 5);
        let got: Vec<(String, u64, u64, u64, Option<f64>)> = r
            .retention
            .into_iter()
            .map(|p| (p.period, p.start, p.end, p.new, p.rate))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2024-01".to_string(), 0, 2, 2, None),
                // Feb: S = 2, E = 2, N = 1 → (2 − 1) / 2 = 50 %.
                ("2024-02".to_string(), 2, 2, 1, Some(50.0)),
                // Mar: S = 2, E = 2 (b, c), N = 0 → 100 %.
                ("2024-03".to_string(), 2, 2, 0, Some(100.0)),
            ]
        );
        assert_eq!(r.cost_to_serve, None);
    }

    #[test]
    fn clv_by_hand() {
        let p = |c: &str, at: &str, cents| Purchase {
            customer: c.into(),
            at: t(at),
            cents,
        };
        let ledger = Ledger {
            contacts: vec![],
            // 4 purchases, 2 customers, total 400.00 → average 100.00.
            // Span 2024-01-01 → 2024-07-01.12 = 182.5 days ≈ 0.49966 years (365.25-day years).
            purchases: vec![
                p("x", "2024-01-01T00:00:00Z", 10_000),
                p("x", "2024-03-01T00:00:00Z", 15_000),
                p("y", "2024-04-01T00:00:00Z", 5_000),
                p("y", "2024-07-01T12:00:00Z", 10_000),
            ],
        };
        let (_, r) = ledger.settle(2.0, None, 0);
        // frequency = 4 / 2 / (182.5 / 365.25) = 4.00274 → 4.0; CLV = 100 × 4.00274 × 2 = 800.55.
        assert_eq!(r.clv.average_purchase_value, Some(100.0));
        assert_eq!(r.clv.purchase_frequency_per_year, Some(4.0));
        assert_eq!(r.clv.value, Some(800.55));
        assert_eq!(r.customers, 2);
    }

    #[test]
    fn no_purchases_gives_null_clv() {
        let (_, r) = Ledger::default().settle(3.0, Some(10.0), 0);
        assert_eq!((r.clv.value, r.clv.average_purchase_value), (None, None));
        assert_eq!(r.cost_to_serve, None);
        assert!(r.retention.is_empty());
    }
}
