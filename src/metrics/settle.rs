//! Settling the customer ledger: the repeat-contact part of FCR, the customer-level CX
//! credits, customers, retention and CLV, computed from a group of customers' contacts and
//! purchases (each customer entirely in one group) streamed in order.
//!
//! A group goes through two sorts ([`crate::external_sort`], so a group larger than the
//! memory budget, such as a million contacts of one customer, is sorted in temporary
//! files):
//!
//! 1. by customer and conversation id: the first of a customer's contacts with the same
//!    conversation id is the original, the others are copies (an export read twice);
//! 2. by customer, opening time and id, each copy right after its original: FCR, CX
//!    credits and activity are then read off one contact after another, keeping per
//!    customer only the contact before (for the repeat check), a few counts and the set
//!    of active months.
//!
//! Purchases are sorted by customer and time and joined by customer. The result depends
//! only on the multiset of entries, never on their order.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Error;
use crate::external_sort::{ExternalSort, FixedRecord, Sorted};
use crate::metrics::customers::{
    Clv, Contact, CustomerReport, FcrCredits, NO_TIME, Purchase, RetentionPeriod, Settled,
    channel_byte, channel_from_byte,
};
use crate::metrics::cx::CustomerCreditTally;
use crate::metrics::kpi::round2;
use crate::metrics::segment::SegmentKey;
use crate::model::Channel;
use crate::time::Timestamp;

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// A contact in the order of the duplicate check: customer, conversation id, then the
/// rest in [`Contact`] order (so the first of equal ids is the earliest).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ById {
    customer: u64,
    id: u64,
    opened: Timestamp,
    channel: Option<Channel>,
    fcr_until: Option<Timestamp>,
    segment_set: u64,
}

/// A contact in time order: customer, opening, id; a copy carries its original's
/// opening and sorts right after it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct InTime {
    customer: u64,
    opened: Timestamp,
    id: u64,
    copy: bool,
    channel: Option<Channel>,
    fcr_until: Option<Timestamp>,
    segment_set: u64,
}

/// Encodes the fields both contact orders share, then the copy flag.
fn encode_contact(c: &Contact, copy: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(&c.customer.to_le_bytes());
    out.extend_from_slice(&c.opened.0.to_le_bytes());
    out.extend_from_slice(&c.id.to_le_bytes());
    out.extend_from_slice(&c.fcr_until.map_or(NO_TIME, |t| t.0).to_le_bytes());
    out.extend_from_slice(&c.segment_set.to_le_bytes());
    out.push(channel_byte(c.channel));
    out.push(u8::from(copy));
}

fn decode_contact(b: &[u8]) -> (Contact, bool) {
    let until = u64_at(b, 24) as i64;
    let contact = Contact {
        customer: u64_at(b, 0),
        opened: Timestamp(u64_at(b, 8) as i64),
        id: u64_at(b, 16),
        channel: channel_from_byte(b[40]),
        fcr_until: (until != NO_TIME).then_some(Timestamp(until)),
        segment_set: u64_at(b, 32),
    };
    (contact, b[41] == 1)
}

const CONTACT_BYTES: usize = 42;

impl ById {
    fn new(c: Contact) -> ById {
        ById {
            customer: c.customer,
            id: c.id,
            opened: c.opened,
            channel: c.channel,
            fcr_until: c.fcr_until,
            segment_set: c.segment_set,
        }
    }

    fn contact(&self) -> Contact {
        Contact {
            customer: self.customer,
            opened: self.opened,
            id: self.id,
            channel: self.channel,
            fcr_until: self.fcr_until,
            segment_set: self.segment_set,
        }
    }
}

impl FixedRecord for ById {
    const BYTES: usize = CONTACT_BYTES;
    fn encode(&self, out: &mut Vec<u8>) {
        encode_contact(&self.contact(), false, out);
    }
    fn decode(bytes: &[u8]) -> ById {
        ById::new(decode_contact(bytes).0)
    }
}

impl InTime {
    /// `c` placed at `opened` (its original's opening, for a copy).
    fn new(c: &Contact, opened: Timestamp, copy: bool) -> InTime {
        InTime {
            customer: c.customer,
            opened,
            id: c.id,
            copy,
            channel: c.channel,
            fcr_until: c.fcr_until,
            segment_set: c.segment_set,
        }
    }

    fn contact(&self) -> Contact {
        Contact {
            customer: self.customer,
            opened: self.opened,
            id: self.id,
            channel: self.channel,
            fcr_until: self.fcr_until,
            segment_set: self.segment_set,
        }
    }
}

impl FixedRecord for InTime {
    const BYTES: usize = CONTACT_BYTES;
    fn encode(&self, out: &mut Vec<u8>) {
        encode_contact(&self.contact(), self.copy, out);
    }
    fn decode(bytes: &[u8]) -> InTime {
        let (c, copy) = decode_contact(bytes);
        InTime::new(&c, c.opened, copy)
    }
}

impl FixedRecord for Purchase {
    const BYTES: usize = 24;
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.customer.to_le_bytes());
        out.extend_from_slice(&self.at.0.to_le_bytes());
        out.extend_from_slice(&self.cents.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Purchase {
        Purchase {
            customer: u64_at(b, 0),
            at: Timestamp(u64_at(b, 8) as i64),
            cents: u64_at(b, 16) as i64,
        }
    }
}

/// The contacts and purchases of one group of customers, gathered in any order.
pub struct Group {
    memory: usize,
    contacts: ExternalSort<ById>,
    purchases: ExternalSort<Purchase>,
}

impl Group {
    /// A group sorted with about `memory` bytes (in three buffers of a third each: the
    /// two contact orders and the purchases); `usize::MAX` keeps it all in memory.
    pub fn new(memory: usize) -> Group {
        let third = memory / 3;
        Group {
            memory: third,
            contacts: ExternalSort::new(third),
            purchases: ExternalSort::new(third),
        }
    }

    /// Adds a contact.
    pub fn contact(&mut self, c: Contact) -> Result<(), Error> {
        self.contacts.push(ById::new(c))
    }

    /// Adds a purchase.
    pub fn purchase(&mut self, p: Purchase) -> Result<(), Error> {
        self.purchases.push(p)
    }

    /// A group of `contacts` and `purchases` already in memory, sorted in their own
    /// buffers (the contacts change order in place: both orders are the same size).
    pub fn in_memory(contacts: Vec<Contact>, purchases: Vec<Purchase>) -> Group {
        Group {
            memory: usize::MAX,
            contacts: ExternalSort::in_memory(contacts.into_iter().map(ById::new).collect()),
            purchases: ExternalSort::in_memory(purchases),
        }
    }

    /// The contacts in time order, each copy marked and right after its original.
    fn in_time(self) -> Result<(Sorted<InTime>, Sorted<Purchase>), Error> {
        let mut marker = CopyMarker::default();
        let in_time = match self.contacts.finish()? {
            Sorted::Memory(by_id) => {
                let in_time: Vec<InTime> = by_id.map(|c| marker.mark(c.contact())).collect();
                ExternalSort::in_memory(in_time).finish()?
            }
            merged => {
                let mut in_time = ExternalSort::new(self.memory);
                for c in merged {
                    in_time.push(marker.mark(c?.contact()))?;
                }
                in_time.finish()?
            }
        };
        Ok((in_time, self.purchases.finish()?))
    }
}

/// Tells copies from originals in contacts sorted [`ById`]: the first of a customer's
/// contacts with one conversation id is the original.
#[derive(Default)]
struct CopyMarker {
    original: Option<(u64, u64, Timestamp)>,
}

impl CopyMarker {
    /// `c` in time order: at its own opening, or at its original's for a copy.
    fn mark(&mut self, c: Contact) -> InTime {
        match self.original {
            Some((customer, id, opened)) if customer == c.customer && id == c.id => {
                InTime::new(&c, opened, true)
            }
            _ => {
                self.original = Some((c.customer, c.id, c.opened));
                InTime::new(&c, c.opened, false)
            }
        }
    }
}

/// Customer-level results accumulated over groups of customers (each customer entirely in
/// one group), then finished into the report.
pub struct Settlement<'s> {
    sets: &'s BTreeMap<u64, Vec<SegmentKey>>,
    credits: FcrCredits,
    cx_credits: CustomerCreditTally,
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

/// What is kept of the customer being settled.
#[derive(Default)]
struct Customer {
    /// Distinct conversations.
    conversations: u64,
    /// The latest original: its FCR outcome waits for the next contact.
    pending: Option<Contact>,
    /// Copies of the pending original that are FCR candidates, by segment set.
    pending_copies: BTreeMap<u64, u64>,
    purchases: u64,
    months: BTreeSet<(i64, u32)>,
}

impl<'s> Settlement<'s> {
    /// An empty settlement; `sets` resolves the contacts' segment sets.
    pub fn new(sets: &'s BTreeMap<u64, Vec<SegmentKey>>) -> Settlement<'s> {
        Settlement {
            sets,
            credits: FcrCredits::default(),
            cx_credits: CustomerCreditTally::default(),
            customers: 0,
            repeat_customers: 0,
            duplicate_conversations: 0,
            active: BTreeMap::new(),
            new: BTreeMap::new(),
            purchases: 0,
            purchase_cents: 0,
            purchasers: 0,
            first: None,
            last: None,
        }
    }

    /// Settles one group of customers.
    pub fn add_group(&mut self, group: Group) -> Result<(), Error> {
        let (contacts, purchases) = group.in_time()?;
        let mut contacts = contacts.peekable();
        let mut purchases = purchases.peekable();
        loop {
            let next_contact = peek_customer(&mut contacts, |c| c.customer)?;
            let next_purchase = peek_customer(&mut purchases, |p| p.customer)?;
            let Some(customer) = next_contact.into_iter().chain(next_purchase).min() else {
                return Ok(());
            };
            let mut state = Customer::default();
            while let Some(c) =
                contacts.next_if(|c| c.as_ref().is_ok_and(|c| c.customer == customer))
            {
                self.add_contact(&mut state, c?);
            }
            while let Some(p) =
                purchases.next_if(|p| p.as_ref().is_ok_and(|p| p.customer == customer))
            {
                self.add_purchase(&mut state, p?);
            }
            self.end_customer(state);
        }
    }

    fn add_contact(&mut self, state: &mut Customer, c: InTime) {
        if c.copy {
            self.duplicate_conversations += 1;
            if c.fcr_until.is_some() {
                *state.pending_copies.entry(c.segment_set).or_default() += 1;
            }
            return;
        }
        let c = c.contact();
        self.settle_pending(state, Some(c.opened));
        state.conversations += 1;
        self.cx_credits.contact(&c, self.sets);
        self.saw(state, c.opened);
        state.pending = Some(c);
    }

    fn add_purchase(&mut self, state: &mut Customer, p: Purchase) {
        state.purchases += 1;
        self.purchases += 1;
        self.purchase_cents += i128::from(p.cents);
        self.saw(state, p.at);
    }

    /// Notes an activity of the customer at `t`.
    fn saw(&mut self, state: &mut Customer, t: Timestamp) {
        state.months.insert(month_of(t));
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
    }

    /// Decides the pending original's FCR now that the customer's next conversation opens
    /// at `next` (`None`: there is none). A repeat contact inside the window cancels it;
    /// copies of a confirmed original are confirmed with it.
    fn settle_pending(&mut self, state: &mut Customer, next: Option<Timestamp>) {
        let copies = std::mem::take(&mut state.pending_copies);
        let Some(p) = state.pending.take() else {
            return;
        };
        let Some(until) = p.fcr_until else {
            return;
        };
        if next.is_some_and(|opened| opened <= until) {
            return;
        }
        self.credit_fcr(p.segment_set, 1);
        for (set, n) in copies {
            self.credit_fcr(set, n);
        }
    }

    fn credit_fcr(&mut self, set: u64, n: u64) {
        self.credits.overall += n;
        for key in self.sets.get(&set).into_iter().flatten() {
            *self.credits.segments.entry(key.clone()).or_default() += n;
        }
    }

    fn end_customer(&mut self, mut state: Customer) {
        self.settle_pending(&mut state, None);
        self.cx_credits.end_customer();
        // A customer who only purchased is a customer too.
        self.customers += 1;
        self.repeat_customers += u64::from(state.conversations > 1);
        self.purchasers += u64::from(state.purchases > 0);
        if let Some(&first) = state.months.first() {
            *self.new.entry(first).or_default() += 1;
        }
        for m in state.months {
            *self.active.entry(m).or_default() += 1;
        }
    }

    /// The customer-level results of every group added.
    pub fn finish(
        self,
        lifespan_years: f64,
        cost_total: Option<f64>,
        conversations: u64,
    ) -> Settled {
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
            cx: self.cx_credits.finish(),
            report,
        }
    }
}

impl Settlement<'_> {
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

/// The customer of the next entry of `entries`; a read error comes out first.
fn peek_customer<T>(
    entries: &mut std::iter::Peekable<Sorted<T>>,
    customer: impl Fn(&T) -> u64,
) -> Result<Option<u64>, Error>
where
    T: FixedRecord,
{
    match entries.peek() {
        None => Ok(None),
        Some(Ok(entry)) => Ok(Some(customer(entry))),
        Some(Err(_)) => match entries.next() {
            Some(Err(e)) => Err(e),
            _ => unreachable!("peeked an error"),
        },
    }
}

fn month_of(t: Timestamp) -> (i64, u32) {
    let (y, m, _) = t.civil_date();
    (y, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    /// One customer with 2 000 SMS conversations, one every two hours from 2024-01-01;
    /// even ones keep an FCR window of 3 h, odd ones of 1 h. Contact 0 is given three more
    /// times and contact 1 once more (copies opening later), all FCR candidates.
    fn one_busy_customer(memory: usize) -> Settled {
        let start = Timestamp::parse("2024-01-01T00:00:00Z").unwrap().0;
        let contact = |i: i64, opened: i64| Contact {
            customer: 7,
            opened: Timestamp(opened),
            id: i as u64,
            channel: Some(Channel::Sms),
            fcr_until: Some(Timestamp(
                start + 2 * i * HOUR + if i % 2 == 0 { 3 } else { 1 } * HOUR,
            )),
            segment_set: 0,
        };
        let mut group = Group::new(memory);
        for i in (0..2_000).rev() {
            group.contact(contact(i, start + 2 * i * HOUR)).unwrap();
        }
        for copy in [0, 0, 0, 1] {
            let later = start + (2 * copy + 1) * HOUR;
            group.contact(contact(copy, later)).unwrap();
        }
        let sets = BTreeMap::new();
        let mut settlement = Settlement::new(&sets);
        settlement.add_group(group).unwrap();
        settlement.finish(1.0, None, 2_004)
    }

    #[test]
    fn both_contact_orders_have_the_size_of_a_contact() {
        // So a group held in memory changes order in its own buffer.
        let size = std::mem::size_of::<Contact>();
        assert_eq!(std::mem::size_of::<ById>(), size);
        assert_eq!(std::mem::size_of::<InTime>(), size);
    }

    #[test]
    fn one_customer_larger_than_memory_settles_like_in_memory() {
        let in_memory = one_busy_customer(usize::MAX);
        // 4 KiB: a third for each sort, 24 contacts of 56 bytes a run: 84 runs, merged
        // down on the way, through temporary files.
        assert_eq!(one_busy_customer(4 << 10), in_memory);
        // Each conversation's next opens 2 h later: inside an even one's 3 h window (no
        // FCR), outside an odd one's 1 h (FCR): 1 000 odd ones, the last (1 999) too,
        // plus the copy of 1 (confirmed with it); contact 0 is not, nor its copies.
        assert_eq!(in_memory.fcr.overall, 1_001);
        assert_eq!(in_memory.report.duplicate_conversations, 4);
        assert_eq!(
            (
                in_memory.report.customers,
                in_memory.report.repeat_customers
            ),
            (1, 1)
        );
        // Every one of the 2 000 distinct SMS conversations is a repeat-user request.
        assert_eq!(in_memory.cx.overall.sms_repeat_users, 2_000);
        // 3 998 h after 2024-01-01 is 2024-06-15: January to June, the customer active in
        // each, new in January.
        let periods: Vec<(&str, u64, u64, u64)> = in_memory
            .report
            .retention
            .iter()
            .map(|r| (r.period.as_str(), r.start, r.end, r.new))
            .collect();
        assert_eq!(
            periods,
            [
                ("2024-01", 0, 1, 1),
                ("2024-02", 1, 1, 0),
                ("2024-03", 1, 1, 0),
                ("2024-04", 1, 1, 0),
                ("2024-05", 1, 1, 0),
                ("2024-06", 1, 1, 0)
            ]
        );
    }
}
