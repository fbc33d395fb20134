//! The `helpdesk` block: reopen rate and one-touch resolution, per channel and together.

use crate::report::schema::cx::{HelpdeskChannel, HelpdeskReport};

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::stats::{Merge, Tally};
use crate::model::Channel;

crate::mergeable! {
    /// Reopen rate and one-touch resolution, per channel (index = [`Channel::ALL`] order).
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    pub struct HelpdeskStats {
        /// Reopened (hits) out of conversations resolved at least once (n).
        pub reopen: [Tally; 6],
        /// One-touch (hits) out of resolved conversations (n).
        pub one_touch: [Tally; 6],
    }
}

fn channel_index(c: Channel) -> usize {
    Channel::ALL.iter().position(|&x| x == c).unwrap_or(0)
}

impl HelpdeskStats {
    /// Adds one conversation of any channel.
    pub(super) fn add(&mut self, f: &ConversationFacts) {
        let ch = channel_index(f.channel);
        if f.cx.resolves > 0 {
            self.reopen[ch].add(f.reopens > 0);
        }
        if f.resolved {
            self.one_touch[ch].add(f.cx.one_touch);
        }
    }

    pub(super) fn report(&self) -> HelpdeskReport {
        let total = |ts: &[Tally; 6]| {
            let mut t = Tally::default();
            ts.iter().for_each(|x| t.merge(*x));
            t.percent()
        };
        HelpdeskReport {
            reopen_rate: total(&self.reopen),
            one_touch: total(&self.one_touch),
            by_channel: Channel::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| self.reopen[*i].n + self.one_touch[*i].n > 0)
                .map(|(i, ch)| {
                    (
                        ch.as_str().to_owned(),
                        HelpdeskChannel {
                            reopen_rate: self.reopen[i].percent(),
                            one_touch: self.one_touch[i].percent(),
                        },
                    )
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::Signals;
    use crate::metrics::cx::CxStats;
    use crate::metrics::cx::test_support::*;
    use crate::metrics::stats::Percent;
    use crate::model::Channel;
    use crate::model::{EventKind, Role};

    #[test]
    fn helpdesk_reopen_and_one_touch_per_channel() {
        let mut s = CxStats::default();
        // Chat: one-touch; chat: two replies; email: reopened then resolved again; sms: never resolved.
        s.add(&resolved("a", Channel::Chat, Signals::default()));
        s.add(&facts(
            "b",
            Channel::Chat,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:01:00", Role::Agent),
                msg("10:02:00", Role::Agent),
                ev("10:03:00", EventKind::Resolve, Role::Agent),
            ],
            Signals::default(),
        ));
        s.add(&facts(
            "c",
            Channel::Email,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:01:00", Role::Agent),
                ev("10:02:00", EventKind::Resolve, Role::Agent),
                ev("11:00:00", EventKind::Reopen, Role::Customer),
                ev("12:00:00", EventKind::Resolve, Role::Agent),
            ],
            Signals::default(),
        ));
        s.add(&facts(
            "d",
            Channel::Sms,
            None,
            vec![msg("10:00:00", Role::Customer)],
            Signals::default(),
        ));
        let h = s.report().helpdesk;
        // Reopen: 1 of 3 ever-resolved = 33.33 %; one-touch: a of 3 resolved = 33.33 %.
        assert_eq!(
            h.reopen_rate,
            Percent {
                n: 3,
                value: Some(33.33)
            }
        );
        assert_eq!(
            h.one_touch,
            Percent {
                n: 3,
                value: Some(33.33)
            }
        );
        let keys: Vec<&str> = h.by_channel.keys().map(String::as_str).collect();
        assert_eq!(keys, ["chat", "email"]);
        assert_eq!(h.by_channel["chat"].reopen_rate.value, Some(0.0));
        assert_eq!(h.by_channel["chat"].one_touch.value, Some(50.0));
        assert_eq!(h.by_channel["email"].reopen_rate.value, Some(100.0));
        assert_eq!(h.by_channel["email"].one_touch.value, Some(0.0));
    }
}
