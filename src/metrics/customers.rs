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
//!
//! Customers and conversation ids are kept as 64-bit hashes ([`key_of`]): the ledger then
//! costs about 40 bytes per conversation (plus segment keys for FCR candidates) and sorts
//! integers. Two distinct customers share a hash with probability about n²/2⁶⁵ (≈ 3·10⁻⁶
//! for ten million customers).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::kpi::round2;
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::metrics::cx::{CxCredits, customer_credits};
use crate::metrics::segment::SegmentKey;
use crate::model::Channel;
pub use crate::report::schema::customers::{Clv, CustomerReport, RetentionPeriod};
use crate::spill::{PARTITIONS, PartitionData, SpillStore};
use crate::time::Timestamp;

/// The 64-bit key of a customer or conversation id (SipHash with fixed keys: stable across
/// runs, so partials written by one run merge with another's).
pub fn key_of(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// One conversation, as the customer-level metrics see it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Contact {
    /// Customer key ([`key_of`] of the customer id).
    pub customer: u64,
    /// Opening time.
    pub opened: Timestamp,
    /// Conversation key (tie-breaker).
    pub id: u64,
    /// Channel of the conversation (for the per-channel customer-level metrics).
    #[serde(default)]
    pub channel: Option<crate::model::Channel>,
    /// For a first-contact-resolution candidate: resolution time + FCR window.
    pub fcr_until: Option<Timestamp>,
    /// The set of segments the conversation belongs to (credited for FCR and the
    /// customer-level CX metrics), as a key into [`Ledger::segment_sets`]; 0 when none.
    pub segment_set: u64,
}

/// One purchase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Purchase {
    /// Customer key.
    pub customer: u64,
    /// When.
    pub at: Timestamp,
    /// Amount in cents.
    pub cents: i64,
}

/// Mergeable customer-level state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// Contacts with a known customer (those not moved to [`Ledger::spilled`]).
    pub contacts: Vec<Contact>,
    /// Purchases with a known customer (those not moved to [`Ledger::spilled`]).
    pub purchases: Vec<Purchase>,
    /// Segment key sets of contacts, by [`segment_set_key`]: stored once per distinct set
    /// rather than once per contact.
    pub segment_sets: BTreeMap<u64, Vec<SegmentKey>>,
    /// Entries moved to temporary files, partitioned by customer (never serialised: call
    /// [`Ledger::load_spilled`] first).
    #[serde(skip)]
    pub spilled: Spilled,
}

/// Ledger entries in spill partitions ([`PARTITIONS`] per store), shared so a ledger stays
/// `Clone`: clones share the same entries, and whichever settles or loads first takes them.
/// Equality is identity.
#[derive(Clone, Default)]
pub struct Spilled(Arc<Mutex<Vec<Vec<PartitionData>>>>);

impl Spilled {
    fn take(&self) -> Vec<Vec<PartitionData>> {
        std::mem::take(&mut *self.0.lock().expect("spilled ledger lock"))
    }

    fn is_empty(&self) -> bool {
        self.0.lock().expect("spilled ledger lock").is_empty()
    }
}

impl PartialEq for Spilled {
    fn eq(&self, other: &Spilled) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || (self.is_empty() && other.is_empty())
    }
}

impl std::fmt::Debug for Spilled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stores = self.0.lock().expect("spilled ledger lock").len();
        write!(f, "Spilled({stores} stores)")
    }
}

const CONTACT_TAG: u8 = b'C';
const PURCHASE_TAG: u8 = b'P';
const NO_TIME: i64 = i64::MIN;

fn channel_byte(c: Option<Channel>) -> u8 {
    c.and_then(|c| Channel::ALL.iter().position(|&x| x == c))
        .map_or(0, |i| i as u8 + 1)
}

fn channel_from_byte(b: u8) -> Option<Channel> {
    (b as usize)
        .checked_sub(1)
        .and_then(|i| Channel::ALL.get(i))
        .copied()
}

fn partition_of_customer(customer: u64) -> usize {
    (customer % PARTITIONS as u64) as usize
}

/// Decodes a loaded spill partition into its contacts and purchases.
fn decode(
    buf: &[u8],
    contacts: &mut Vec<Contact>,
    purchases: &mut Vec<Purchase>,
) -> Result<(), Error> {
    let corrupt = || {
        Error::io(
            "(temporary file)",
            std::io::Error::other("corrupt ledger spill record"),
        )
    };
    let num = |b: &[u8], at: usize| -> Result<u64, Error> {
        Ok(u64::from_le_bytes(
            b.get(at..at + 8)
                .ok_or_else(corrupt)?
                .try_into()
                .expect("8 bytes"),
        ))
    };
    let mut at = 0;
    while at < buf.len() {
        match buf[at] {
            CONTACT_TAG => {
                let until = num(buf, at + 25)? as i64;
                let channel = *buf.get(at + 41).ok_or_else(corrupt)?;
                contacts.push(Contact {
                    customer: num(buf, at + 1)?,
                    opened: Timestamp(num(buf, at + 9)? as i64),
                    id: num(buf, at + 17)?,
                    channel: channel_from_byte(channel),
                    fcr_until: (until != NO_TIME).then_some(Timestamp(until)),
                    segment_set: num(buf, at + 33)?,
                });
                at += 42;
            }
            PURCHASE_TAG => {
                purchases.push(Purchase {
                    customer: num(buf, at + 1)?,
                    at: Timestamp(num(buf, at + 9)? as i64),
                    cents: num(buf, at + 17)? as i64,
                });
                at += 25;
            }
            _ => return Err(corrupt()),
        }
    }
    Ok(())
}

/// The key under which a set of segment keys is stored in [`Ledger::segment_sets`].
pub fn segment_set_key(keys: &[SegmentKey]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    keys.hash(&mut h);
    h.finish() | 1 // never 0, which marks "no set"
}

/// What [`Ledger::settle`] produces.
#[derive(Debug, PartialEq)]
pub struct Settled {
    /// FCR confirmations to credit.
    pub fcr: FcrCredits,
    /// Customer-level CX credits (SMS repeat users, community continued use).
    pub cx: CxCredits,
    /// The customer-level report.
    pub report: CustomerReport,
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
        self.segment_sets.append(&mut other.segment_sets);
        let theirs = other.spilled.take();
        if !theirs.is_empty() {
            self.spilled
                .0
                .lock()
                .expect("spilled ledger lock")
                .extend(theirs);
        }
    }

    /// Entries held in memory.
    pub fn len_in_memory(&self) -> usize {
        self.contacts.len() + self.purchases.len()
    }

    /// Moves the in-memory entries into `store`, partitioned by customer.
    pub fn spill_into(&mut self, store: &SpillStore) -> Result<(), Error> {
        for c in self.contacts.drain(..) {
            let until = c.fcr_until.map_or(NO_TIME, |t| t.0);
            store.push(
                partition_of_customer(c.customer),
                &[
                    &[CONTACT_TAG],
                    &c.customer.to_le_bytes(),
                    &c.opened.0.to_le_bytes(),
                    &c.id.to_le_bytes(),
                    &until.to_le_bytes(),
                    &c.segment_set.to_le_bytes(),
                    &[channel_byte(c.channel)],
                ],
            )?;
        }
        for p in self.purchases.drain(..) {
            store.push(
                partition_of_customer(p.customer),
                &[
                    &[PURCHASE_TAG],
                    &p.customer.to_le_bytes(),
                    &p.at.0.to_le_bytes(),
                    &p.cents.to_le_bytes(),
                ],
            )?;
        }
        Ok(())
    }

    /// Takes ownership of the partitions of a store that entries were spilled into.
    pub fn attach_spilled(&mut self, partitions: Vec<PartitionData>) {
        self.spilled
            .0
            .lock()
            .expect("spilled ledger lock")
            .push(partitions);
    }

    /// Reads every spilled entry back into memory (before serialising the ledger).
    pub fn load_spilled(&mut self) -> Result<(), Error> {
        for store in self.spilled.take() {
            for part in store {
                decode(&part.load()?, &mut self.contacts, &mut self.purchases)?;
            }
        }
        Ok(())
    }

    /// Records a contact, storing its segment set once.
    pub fn add_contact(&mut self, mut contact: Contact, segments: Option<&[SegmentKey]>) {
        contact.segment_set = match segments {
            Some(keys) if !keys.is_empty() => {
                let key = segment_set_key(keys);
                self.segment_sets
                    .entry(key)
                    .or_insert_with(|| keys.to_vec());
                key
            }
            _ => 0,
        };
        self.contacts.push(contact);
    }

    /// Sorts entries into canonical order.
    pub fn canonicalize(&mut self) {
        self.contacts.sort_unstable();
        self.purchases.sort_unstable();
    }

    /// Runs the customer-level computations, one customer partition at a time when
    /// entries were spilled (so memory stays at about one partition).
    pub fn settle(
        self,
        lifespan_years: f64,
        cost_total: Option<f64>,
        conversations: u64,
    ) -> Result<Settled, Error> {
        let mut settlement = Settlement::default();
        let stores = self.spilled.take();
        if stores.is_empty() {
            settlement.add_group(self.contacts, self.purchases, &self.segment_sets);
        } else {
            let mut contacts: Vec<Vec<Contact>> = (0..PARTITIONS).map(|_| Vec::new()).collect();
            let mut purchases: Vec<Vec<Purchase>> = (0..PARTITIONS).map(|_| Vec::new()).collect();
            for c in self.contacts {
                contacts[partition_of_customer(c.customer)].push(c);
            }
            for p in self.purchases {
                purchases[partition_of_customer(p.customer)].push(p);
            }
            let mut stores: Vec<std::vec::IntoIter<PartitionData>> =
                stores.into_iter().map(Vec::into_iter).collect();
            for (mut c, mut p) in contacts.into_iter().zip(purchases) {
                for store in &mut stores {
                    if let Some(part) = store.next() {
                        decode(&part.load()?, &mut c, &mut p)?;
                    }
                }
                settlement.add_group(c, p, &self.segment_sets);
            }
        }
        Ok(settlement.finish(lifespan_years, cost_total, conversations))
    }
}

/// Keeps the earliest of the sorted `contacts` that share a customer and a conversation
/// id and returns the others. A conversation given twice would otherwise be its own
/// repeat contact (no FCR) and make its customer a repeat customer.
fn take_duplicate_conversations(contacts: &mut Vec<Contact>) -> Vec<Contact> {
    let mut seen = std::collections::HashSet::with_capacity(contacts.len());
    let mut copies = Vec::new();
    contacts.retain(|c| {
        let first = seen.insert((c.customer, c.id));
        if !first {
            copies.push(c.clone());
        }
        first
    });
    copies
}

/// Customer-level results accumulated over groups of customers (each customer entirely in
/// one group), then finished into the report.
#[derive(Default)]
struct Settlement {
    credits: FcrCredits,
    cx_credits: CxCredits,
    customers: u64,
    repeat_customers: u64,
    duplicate_conversations: u64,
    active: BTreeMap<(i64, u32), u64>,
    new: BTreeMap<(i64, u32), u64>,
    purchases: u64,
    /// Wide enough that no number of purchases overflows it.
    purchase_cents: i128,
    purchasers: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

impl Settlement {
    fn add_group(
        &mut self,
        mut contacts: Vec<Contact>,
        mut purchases: Vec<Purchase>,
        sets: &BTreeMap<u64, Vec<SegmentKey>>,
    ) {
        contacts.sort_unstable();
        purchases.sort_unstable();
        let copies = take_duplicate_conversations(&mut contacts);
        self.duplicate_conversations += copies.len() as u64;
        let confirmed = self.add_fcr_credits(&contacts, sets);
        // A copy has its original's outcome: the conversation-level KPIs counted it too.
        for c in copies {
            if c.fcr_until.is_some() && confirmed.contains(&(c.customer, c.id)) {
                self.credit_fcr(&c, sets);
            }
        }
        self.cx_credits.absorb(customer_credits(&contacts, sets));
        for group in contacts.chunk_by(|a, b| a.customer == b.customer) {
            self.customers += 1;
            self.repeat_customers += u64::from(group.len() > 1);
        }
        let mut purchasers: Vec<u64> = purchases.iter().map(|p| p.customer).collect();
        purchasers.dedup();
        self.purchasers += purchasers.len() as u64;
        // Customers who only purchased are customers too.
        self.customers += purchasers
            .iter()
            .filter(|c| contacts.binary_search_by(|k| k.customer.cmp(c)).is_err())
            .count() as u64;
        self.purchases += purchases.len() as u64;
        self.purchase_cents += purchases.iter().map(|p| i128::from(p.cents)).sum::<i128>();
        let times = contacts
            .iter()
            .map(|c| c.opened)
            .chain(purchases.iter().map(|p| p.at));
        for t in times {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.add_activity(&contacts, &purchases);
    }

    /// Credits every FCR candidate with no repeat contact inside its window; returns the
    /// (customer, conversation) keys credited.
    fn add_fcr_credits(
        &mut self,
        sorted: &[Contact],
        sets: &BTreeMap<u64, Vec<SegmentKey>>,
    ) -> std::collections::HashSet<(u64, u64)> {
        let mut confirmed = std::collections::HashSet::new();
        for group in sorted.chunk_by(|a, b| a.customer == b.customer) {
            for (i, c) in group.iter().enumerate() {
                let Some(until) = c.fcr_until else { continue };
                let repeated = group.get(i + 1).is_some_and(|next| next.opened <= until);
                if !repeated {
                    self.credit_fcr(c, sets);
                    confirmed.insert((c.customer, c.id));
                }
            }
        }
        confirmed
    }

    fn credit_fcr(&mut self, c: &Contact, sets: &BTreeMap<u64, Vec<SegmentKey>>) {
        self.credits.overall += 1;
        for key in sets.get(&c.segment_set).into_iter().flatten() {
            *self.credits.segments.entry(key.clone()).or_default() += 1;
        }
    }

    /// Active and first-active months per customer, from contacts and purchases.
    fn add_activity(&mut self, contacts: &[Contact], purchases: &[Purchase]) {
        let mut activity: Vec<(u64, (i64, u32))> = contacts
            .iter()
            .map(|c| (c.customer, month_of(c.opened)))
            .chain(purchases.iter().map(|p| (p.customer, month_of(p.at))))
            .collect();
        activity.sort_unstable();
        activity.dedup();
        for group in activity.chunk_by(|a, b| a.0 == b.0) {
            *self.new.entry(group[0].1).or_default() += 1;
            for (_, m) in group {
                *self.active.entry(*m).or_default() += 1;
            }
        }
    }

    fn finish(self, lifespan_years: f64, cost_total: Option<f64>, conversations: u64) -> Settled {
        let report = CustomerReport {
            customers: self.customers,
            repeat_customers: self.repeat_customers,
            duplicate_conversations: self.duplicate_conversations,
            retention: self.retention(),
            clv: self.clv(lifespan_years),
            cost_to_serve: cost_total
                .filter(|_| conversations > 0)
                .map(|t| round2(t / conversations as f64)),
        };
        Settled {
            fcr: self.credits,
            cx: self.cx_credits,
            report,
        }
    }

    fn retention(&self) -> Vec<RetentionPeriod> {
        let (Some(&first), Some(&last)) =
            (self.active.keys().next(), self.active.keys().next_back())
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut month = first;
        let mut previous_active = 0;
        loop {
            let end = self.active.get(&month).copied().unwrap_or(0);
            let n = self.new.get(&month).copied().unwrap_or(0);
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

    fn clv(&self, lifespan_years: f64) -> Clv {
        const DAY_MS: f64 = 86_400_000.0;
        let span_years = match (self.first, self.last) {
            (Some(a), Some(b)) => ((b.0 - a.0) as f64).max(DAY_MS) / (365.25 * DAY_MS),
            _ => 0.0,
        };
        let average = (self.purchases > 0)
            .then(|| self.purchase_cents as f64 / 100.0 / self.purchases as f64);
        let frequency = (self.purchasers > 0 && span_years > 0.0)
            .then(|| self.purchases as f64 / self.purchasers as f64 / span_years);
        Clv {
            purchases: self.purchases,
            customers: self.purchasers,
            average_purchase_value: average.map(round2),
            purchase_frequency_per_year: frequency.map(round2),
            lifespan_years,
            value: average
                .zip(frequency)
                .map(|(a, f)| round2(a * f * lifespan_years)),
        }
    }
}

fn month_of(t: Timestamp) -> (i64, u32) {
    let (y, m, _) = t.civil_date();
    (y, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn contact(customer: &str, id: &str, opened: &str, fcr_until: Option<&str>) -> Contact {
        Contact {
            customer: key_of(customer),
            opened: t(opened),
            id: key_of(id),
            channel: None,
            fcr_until: fcr_until.map(t),
            segment_set: 0,
        }
    }

    #[test]
    fn repeat_contact_inside_window_cancels_fcr() {
        let chat: Vec<SegmentKey> = vec![vec!["chat".into()]];
        let mut ledger = Ledger::default();
        // a1 resolved, window until 01-08; a2 opens 01-05 → a1 is not FCR; a2 has no later contact → FCR.
        let a2 = contact(
            "a",
            "a2",
            "2024-01-05T00:00:00Z",
            Some("2024-01-12T00:00:00Z"),
        );
        let a1 = contact(
            "a",
            "a1",
            "2024-01-01T00:00:00Z",
            Some("2024-01-08T00:00:00Z"),
        );
        // b1 resolved, b2 opens after the window → b1 FCR; b2 not a candidate.
        let b1 = contact(
            "b",
            "b1",
            "2024-01-01T00:00:00Z",
            Some("2024-01-08T00:00:00Z"),
        );
        let b2 = contact("b", "b2", "2024-01-09T00:00:00Z", None);
        for c in [a2, a1, b1] {
            ledger.add_contact(c, Some(&chat));
        }
        ledger.add_contact(b2, None);
        assert_eq!(ledger.segment_sets.len(), 1);
        let Settled {
            fcr: credits,
            report,
            ..
        } = ledger.settle(3.0, Some(100.0), 4).unwrap();
        assert_eq!(credits.overall, 2);
        assert_eq!(credits.segments[&vec!["chat".to_string()]], 2);
        assert_eq!((report.customers, report.repeat_customers), (2, 2));
        assert_eq!(report.cost_to_serve, Some(25.0));
    }

    #[test]
    fn a_conversation_given_twice_is_counted_once_by_the_customer_metrics() {
        let mut ledger = Ledger::default();
        // a1 resolved (window to 01-08) and read twice, once with its events reordered
        // into a later opening; a2 opens after the window. Without the duplicate check the
        // copy would be a repeat contact inside a1's window and cost a1 its FCR.
        let a1 = contact(
            "a",
            "a1",
            "2024-01-01T00:00:00Z",
            Some("2024-01-08T00:00:00Z"),
        );
        let mut copy = a1.clone();
        copy.opened = t("2024-01-01T00:05:00Z");
        // b1 once only: b is not a repeat customer because of a copy.
        let b1 = contact("b", "b1", "2024-01-02T00:00:00Z", None);
        let a2 = contact("a", "a2", "2024-01-20T00:00:00Z", None);
        for c in [copy, b1.clone(), a1, a2, b1] {
            ledger.add_contact(c, None);
        }
        let s = ledger.settle(3.0, None, 5).unwrap();
        // a1 and its copy are both confirmed (the copy has its original's outcome).
        assert_eq!(s.fcr.overall, 2);
        assert_eq!(s.report.duplicate_conversations, 2);
        assert_eq!((s.report.customers, s.report.repeat_customers), (2, 1));
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
                customer: key_of("c"),
                at: t("2024-03-09T00:00:00Z"),
                cents: 500,
            }],
            segment_sets: BTreeMap::new(),
            spilled: Spilled::default(),
        };
        let r = ledger.settle(3.0, None, 5).unwrap().report;
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
            customer: key_of(c),
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
            segment_sets: BTreeMap::new(),
            spilled: Spilled::default(),
        };
        let r = ledger.settle(2.0, None, 0).unwrap().report;
        // frequency = 4 / 2 / (182.5 / 365.25) = 4.00274 → 4.0; CLV = 100 × 4.00274 × 2 = 800.55.
        assert_eq!(r.clv.average_purchase_value, Some(100.0));
        assert_eq!(r.clv.purchase_frequency_per_year, Some(4.0));
        assert_eq!(r.clv.value, Some(800.55));
        assert_eq!(r.customers, 2);
    }

    #[test]
    fn purchase_totals_do_not_wrap() {
        // Two purchases of 6·10¹⁸ cents: 1.2·10¹⁹ passes i64::MAX (≈ 9.22·10¹⁸), which once
        // wrapped to a negative average. Average = 1.2·10¹⁹ / 2 / 100 = 6·10¹⁶.
        let p = |at: &str| Purchase {
            customer: key_of("x"),
            at: t(at),
            cents: 6_000_000_000_000_000_000,
        };
        let ledger = Ledger {
            purchases: vec![p("2024-01-01T00:00:00Z"), p("2024-01-02T00:00:00Z")],
            ..Ledger::default()
        };
        let r = ledger.settle(1.0, None, 0).unwrap().report;
        assert_eq!(r.clv.average_purchase_value, Some(6e16));
        assert!(r.clv.value.is_some_and(|v| v > 0.0));
    }

    #[test]
    fn no_purchases_gives_null_clv() {
        let r = Ledger::default().settle(3.0, Some(10.0), 0).unwrap().report;
        assert_eq!((r.clv.value, r.clv.average_purchase_value), (None, None));
        assert_eq!(r.cost_to_serve, None);
        assert!(r.retention.is_empty());
    }

    fn mixed_ledger() -> Ledger {
        let chat: Vec<SegmentKey> = vec![vec!["chat".into()]];
        let mut ledger = Ledger::default();
        for n in 0..300u32 {
            let customer = format!("cust{}", n % 70);
            let day = 1 + n % 28;
            let month = 1 + n % 3;
            let opened = format!("2024-{month:02}-{day:02}T10:00:00Z");
            let until = (n % 2 == 0).then(|| format!("2024-{month:02}-{day:02}T12:00:00Z"));
            let c = contact(&customer, &format!("id{n}"), &opened, until.as_deref());
            ledger.add_contact(c, until.as_ref().map(|_| chat.as_slice()));
            if n % 7 == 0 {
                ledger.purchases.push(Purchase {
                    customer: key_of(&customer),
                    at: t(&opened),
                    cents: 1000 + n as i64,
                });
            }
        }
        ledger
    }

    #[test]
    fn spilled_ledger_settles_and_reloads_like_the_in_memory_one() {
        let expected = mixed_ledger().settle(3.0, Some(9.0), 300).unwrap();
        let half_spilled = |limit| {
            let mut ledger = mixed_ledger();
            let store = SpillStore::new(limit);
            // Half the contacts and all purchases go to the store, the rest stay in memory.
            let keep = ledger.contacts.split_off(150);
            ledger.spill_into(&store).unwrap();
            ledger.contacts = keep;
            ledger.attach_spilled(store.take_partitions());
            assert_eq!(ledger.len_in_memory(), 150);
            ledger
        };
        for limit in [1, 1 << 20] {
            let settled = half_spilled(limit).settle(3.0, Some(9.0), 300).unwrap();
            assert_eq!(settled, expected, "limit {limit}");
            let mut reloaded = half_spilled(limit);
            reloaded.load_spilled().unwrap();
            assert_eq!(reloaded.len_in_memory(), 300 + 43);
        }
        // Sanity of the expected values: 70 customers; 43 purchases (n ≡ 0 mod 7 in 0..300).
        assert_eq!(expected.report.customers, 70);
        assert_eq!(expected.report.clv.purchases, 43);
    }
}
