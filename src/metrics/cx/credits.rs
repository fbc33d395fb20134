//! Customer-level credits: the parts of the customer-experience metrics that need all of a
//! customer's contacts (SMS repeat users, community continued use), settled at the end by a
//! [`CustomerCreditTally`] fed each customer's [`crate::metrics::customers::Ledger`] contacts
//! in order, the way FCR is.

use std::collections::BTreeMap;

use crate::metrics::customers::Contact;
use crate::metrics::segment::SegmentKey;
use crate::model::Channel;

/// Customer-level credits settled at the end of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CxCredit {
    /// SMS requests from customers with another SMS conversation.
    pub sms_repeat_users: u64,
    /// Community questions followed by a later question of the same originator.
    pub community_continued_use: u64,
}

/// Credits overall and per segment.
#[derive(Debug, Default, PartialEq)]
pub struct CxCredits {
    /// Across the whole input.
    pub overall: CxCredit,
    /// Per segment key.
    pub segments: BTreeMap<SegmentKey, CxCredit>,
}

/// Settles the customer-level CX metrics from one customer's contacts at a time, each
/// customer's in (opening, id) order: every SMS contact of a customer with two or more SMS
/// contacts is a repeat-user request; a community contact followed (in that order) by
/// another community contact of the same customer shows continued use. The state between
/// contacts is a few numbers, whatever the number of contacts.
#[derive(Debug, Default)]
pub struct CustomerCreditTally {
    credits: CxCredits,
    /// SMS contacts of the current customer so far.
    sms_contacts: u64,
    /// The segment set of the current customer's first SMS contact (credited when a
    /// second one comes).
    first_sms: u64,
    /// The segment set of the current customer's latest community contact (credited when
    /// another one follows).
    last_community: Option<u64>,
}

impl CustomerCreditTally {
    /// Adds the next contact of the current customer.
    pub fn contact(&mut self, contact: &Contact, sets: &BTreeMap<u64, Vec<SegmentKey>>) {
        match contact.channel {
            Some(Channel::Sms) => {
                self.sms_contacts += 1;
                let repeat = CxCredit {
                    sms_repeat_users: 1,
                    ..CxCredit::default()
                };
                match self.sms_contacts {
                    1 => self.first_sms = contact.segment_set,
                    2 => {
                        self.credit(repeat, self.first_sms, sets);
                        self.credit(repeat, contact.segment_set, sets);
                    }
                    _ => self.credit(repeat, contact.segment_set, sets),
                }
            }
            Some(Channel::Community) => {
                let continued = CxCredit {
                    community_continued_use: 1,
                    ..CxCredit::default()
                };
                if let Some(earlier) = self.last_community.replace(contact.segment_set) {
                    self.credit(continued, earlier, sets);
                }
            }
            _ => {}
        }
    }

    /// Ends the current customer: the next contact is another customer's.
    pub fn end_customer(&mut self) {
        self.sms_contacts = 0;
        self.first_sms = 0;
        self.last_community = None;
    }

    /// The credits of every customer.
    pub fn finish(self) -> CxCredits {
        self.credits
    }

    fn credit(&mut self, credit: CxCredit, set: u64, sets: &BTreeMap<u64, Vec<SegmentKey>>) {
        self.credits.overall.add(credit);
        for key in sets.get(&set).into_iter().flatten() {
            self.credits
                .segments
                .entry(key.clone())
                .or_default()
                .add(credit);
        }
    }
}

impl CxCredit {
    fn add(&mut self, o: CxCredit) {
        self.sms_repeat_users += o.sms_repeat_users;
        self.community_continued_use += o.community_continued_use;
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::metrics::Partial;
    use crate::metrics::cx::test_support::*;
    use crate::metrics::segment::parse_dimensions;
    use crate::metrics::stats::Percent;

    #[test]
    fn customer_level_metrics_are_credited_per_segment() {
        let config = Config::default();
        let dims = parse_dimensions("channel").unwrap();
        let run = |order: &[usize]| {
            let facts = sample();
            let mut parts = [Partial::new(dims.clone()), Partial::new(dims.clone())];
            for (k, &i) in order.iter().enumerate() {
                parts[k % 2].add(&facts[i], &config);
            }
            let [mut a, b] = parts;
            a.merge(b).unwrap();
            a.finish(&config).unwrap()
        };
        let r = run(&[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(r, run(&[5, 3, 7, 0, 2, 6, 1, 4]));
        // SMS: u1 has d and e (repeat user), u3 only h → 2 of 3 requests = 66.67 %.
        assert_eq!(
            r.overall.cx.sms.repeat_user_requests,
            Percent {
                n: 3,
                value: Some(66.67)
            }
        );
        // The alert at 09:00 was answered at 09:30 → 1 of 1, in 1 of 1 alerted conversations.
        assert_eq!(
            r.overall.cx.sms.alerts_acted_on,
            Percent {
                n: 1,
                value: Some(100.0)
            }
        );
        let alerted = r.overall.cx.sms.alerted_conversations_acted_on;
        assert_eq!((alerted.n, alerted.value), (1, Some(100.0)));
        // Community: u2 asked f, then g later → f shows continued use; g is the last → 1 of 2.
        assert_eq!(
            r.overall.cx.community.continued_use,
            Percent {
                n: 2,
                value: Some(50.0)
            }
        );
        let seg = |ch: &str| r.segments.iter().find(|s| s.key[0].1 == ch).unwrap();
        assert_eq!(seg("sms").cx.sms.repeat_user_requests.value, Some(66.67));
        assert_eq!(
            seg("community").cx.community.continued_use.value,
            Some(50.0)
        );
        // Other segments have no SMS conversations: null.
        assert_eq!(seg("chat").cx.sms.repeat_user_requests.value, None);
    }
}
