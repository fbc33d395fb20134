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

use std::io::Read;
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::metrics::cx::CxCredits;
use crate::metrics::segment::SegmentKey;
use crate::metrics::settle::{Group, Settlement};
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
pub struct Spilled(Arc<Mutex<SpilledStores>>);

#[derive(Default)]
struct SpilledStores {
    stores: Vec<Vec<PartitionData>>,
    /// Memory for sorting one partition when settling (the largest given).
    memory: usize,
}

impl Spilled {
    fn lock(&self) -> std::sync::MutexGuard<'_, SpilledStores> {
        self.0.lock().expect("spilled ledger lock")
    }

    fn take(&self) -> Vec<Vec<PartitionData>> {
        self.take_with_memory().0
    }

    fn take_with_memory(&self) -> (Vec<Vec<PartitionData>>, usize) {
        let taken = std::mem::take(&mut *self.lock());
        (taken.stores, taken.memory)
    }

    fn add(&self, stores: Vec<Vec<PartitionData>>, memory: usize) {
        let mut s = self.lock();
        s.stores.extend(stores);
        s.memory = s.memory.max(memory);
    }

    fn is_empty(&self) -> bool {
        self.lock().stores.is_empty()
    }
}

impl PartialEq for Spilled {
    fn eq(&self, other: &Spilled) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || (self.is_empty() && other.is_empty())
    }
}

impl std::fmt::Debug for Spilled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stores = self.lock().stores.len();
        write!(f, "Spilled({stores} stores)")
    }
}

const CONTACT_TAG: u8 = b'C';
const PURCHASE_TAG: u8 = b'P';
/// Bytes of a spilled contact and purchase, with their tag.
const CONTACT_RECORD: usize = 42;
const PURCHASE_RECORD: usize = 25;
pub(crate) const NO_TIME: i64 = i64::MIN;

pub(crate) fn channel_byte(c: Option<Channel>) -> u8 {
    c.and_then(|c| Channel::ALL.iter().position(|&x| x == c))
        .map_or(0, |i| i as u8 + 1)
}

pub(crate) fn channel_from_byte(b: u8) -> Option<Channel> {
    (b as usize)
        .checked_sub(1)
        .and_then(|i| Channel::ALL.get(i))
        .copied()
}

fn partition_of_customer(customer: u64) -> usize {
    (customer % PARTITIONS as u64) as usize
}

/// One spilled ledger record.
enum Entry {
    Contact(Contact),
    Purchase(Purchase),
}

/// Decodes spilled ledger records, one at a time, into `entry`.
fn decode(
    mut records: impl Read,
    entry: &mut dyn FnMut(Entry) -> Result<(), Error>,
) -> Result<(), Error> {
    let failed = |e: std::io::Error| Error::io("(temporary file)", e);
    let corrupt = || failed(std::io::Error::other("corrupt ledger spill record"));
    let num = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    let mut record = [0u8; CONTACT_RECORD];
    loop {
        let mut tag = [0u8; 1];
        match records.read(&mut tag) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(failed(e)),
        }
        let body = match tag[0] {
            CONTACT_TAG => &mut record[..CONTACT_RECORD - 1],
            PURCHASE_TAG => &mut record[..PURCHASE_RECORD - 1],
            _ => return Err(corrupt()),
        };
        records.read_exact(body).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => corrupt(),
            _ => failed(e),
        })?;
        let b = &*body;
        if tag[0] == CONTACT_TAG {
            let until = num(b, 24) as i64;
            entry(Entry::Contact(Contact {
                customer: num(b, 0),
                opened: Timestamp(num(b, 8) as i64),
                id: num(b, 16),
                channel: channel_from_byte(b[40]),
                fcr_until: (until != NO_TIME).then_some(Timestamp(until)),
                segment_set: num(b, 32),
            }))?;
        } else {
            entry(Entry::Purchase(Purchase {
                customer: num(b, 0),
                at: Timestamp(num(b, 8) as i64),
                cents: num(b, 16) as i64,
            }))?;
        }
    }
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
        let (theirs, memory) = other.spilled.take_with_memory();
        if !theirs.is_empty() {
            self.spilled.add(theirs, memory);
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

    /// Takes ownership of the partitions of a store that entries were spilled into;
    /// [`Ledger::settle`] then sorts one partition at a time in about `memory` bytes,
    /// using temporary files for the rest.
    pub fn attach_spilled(&mut self, partitions: Vec<PartitionData>, memory: usize) {
        self.spilled.add(vec![partitions], memory);
    }

    /// Reads every spilled entry back into memory (before serialising the ledger).
    pub fn load_spilled(&mut self) -> Result<(), Error> {
        let (contacts, purchases) = (&mut self.contacts, &mut self.purchases);
        for store in self.spilled.take() {
            for part in store {
                decode(&part.load()?[..], &mut |entry| {
                    match entry {
                        Entry::Contact(c) => contacts.push(c),
                        Entry::Purchase(p) => purchases.push(p),
                    }
                    Ok(())
                })?;
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
    /// entries were spilled: each partition is streamed from its temporary files and
    /// sorted within the memory given to [`Ledger::attach_spilled`] (see
    /// [`crate::metrics::settle`]), so memory stays bounded even when one customer has
    /// millions of conversations.
    pub fn settle(
        self,
        lifespan_years: f64,
        cost_total: Option<f64>,
        conversations: u64,
    ) -> Result<Settled, Error> {
        let mut settlement = Settlement::new(&self.segment_sets);
        let (stores, memory) = self.spilled.take_with_memory();
        if stores.is_empty() {
            settlement.add_group(Group::in_memory(self.contacts, self.purchases))?;
        } else {
            // The entries still in memory, by partition from the last (so each partition's
            // are drained from the end), taken one partition at a time.
            let (mut contacts, mut purchases) = (self.contacts, self.purchases);
            contacts.sort_unstable_by_key(|c| std::cmp::Reverse(partition_of_customer(c.customer)));
            purchases
                .sort_unstable_by_key(|p| std::cmp::Reverse(partition_of_customer(p.customer)));
            let mut stores: Vec<std::vec::IntoIter<PartitionData>> =
                stores.into_iter().map(Vec::into_iter).collect();
            for partition in 0..PARTITIONS {
                let mut group = Group::new(memory);
                let at =
                    contacts.partition_point(|c| partition_of_customer(c.customer) > partition);
                for c in contacts.drain(at..) {
                    group.contact(c)?;
                }
                let at =
                    purchases.partition_point(|p| partition_of_customer(p.customer) > partition);
                for p in purchases.drain(at..) {
                    group.purchase(p)?;
                }
                for store in &mut stores {
                    if let Some(mut part) = store.next() {
                        decode(part.stream()?, &mut |entry| match entry {
                            Entry::Contact(c) => group.contact(c),
                            Entry::Purchase(p) => group.purchase(p),
                        })?;
                    }
                }
                settlement.add_group(group)?;
            }
        }
        Ok(settlement.finish(lifespan_years, cost_total, conversations))
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
            let mut c = contact(&customer, &format!("id{n}"), &opened, until.as_deref());
            c.channel = [Some(Channel::Sms), Some(Channel::Community), None][n as usize % 3];
            if n % 25 == 0 {
                // The same conversation read twice, the copy opening an hour later.
                let mut copy = c.clone();
                copy.opened = Timestamp(c.opened.0 + 3_600_000);
                ledger.add_contact(copy, until.as_ref().map(|_| chat.as_slice()));
            }
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
        let expected = mixed_ledger().settle(3.0, Some(9.0), 312).unwrap();
        let half_spilled = |limit, memory| {
            let mut ledger = mixed_ledger();
            let store = SpillStore::new(limit);
            // Half the contacts and all purchases go to the store, the rest stay in memory.
            let keep = ledger.contacts.split_off(156);
            ledger.spill_into(&store).unwrap();
            ledger.contacts = keep;
            ledger.attach_spilled(store.take_partitions(), memory);
            assert_eq!(ledger.len_in_memory(), 156);
            ledger
        };
        // Memory 1: every partition sorted one record a run, through temporary files.
        for (limit, memory) in [(1, 1 << 20), (1 << 20, 1 << 20), (1, 1)] {
            let settled = half_spilled(limit, memory)
                .settle(3.0, Some(9.0), 312)
                .unwrap();
            assert_eq!(settled, expected, "limit {limit}, memory {memory}");
            let mut reloaded = half_spilled(limit, memory);
            reloaded.load_spilled().unwrap();
            assert_eq!(reloaded.len_in_memory(), 312 + 43);
        }
        // Sanity of the expected values: 70 customers; 43 purchases (n ≡ 0 mod 7 in 0..300).
        // 12 copies (n ≡ 0 mod 25). SMS: n ≡ 0 mod 3 (100 contacts); customer k has
        // n = k + 70j, an SMS when k + j ≡ 0 mod 3, for j in 0..=4 (k < 20) or 0..=3. Two
        // SMS each (the ones credited): k < 20 with k ≢ 1 mod 3 (13 customers) and k ≥ 20
        // with k ≡ 0 mod 3 (17): 30 × 2 = 60.
        assert_eq!(expected.report.customers, 70);
        assert_eq!(expected.report.clv.purchases, 43);
        assert_eq!(expected.report.duplicate_conversations, 12);
        assert_eq!(expected.cx.overall.sms_repeat_users, 60);
    }
}
