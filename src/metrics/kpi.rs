//! The standard customer-service KPIs for one segment: mergeable state ([`KpiStats`]) and
//! its report view ([`KpiReport`]).
//!
//! Formulas (n = answers or conversations the KPI is defined on; `null` when n = 0):
//! - CSAT = answers 4–5 / answers on the 1–5 scale × 100 (top-2 box);
//! - NPS = % promoters (9–10) − % detractors (0–6), in −100..100;
//! - CES = mean of answers on the 1–7 scale, and % of answers ≥ 5;
//! - FCR = conversations resolved at first contact with no repeat contact / conversations × 100
//!   (the repeat-contact part is settled by [`crate::metrics::customers`]);
//! - first response, resolution and handle time: count, mean, nearest-rank median and p90, max;
//! - SLA adherence = targets met / conversations where the target is decided × 100.

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::dist::Distribution;
pub use crate::metrics::stats::{Percent, Tally, pct, round2};
pub use crate::report::schema::kpi::{Ces, Fcr, KpiReport, Nps, Sla};

crate::mergeable! {
    /// Mergeable KPI state of one segment.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    pub struct KpiStats {
        /// Conversations in the segment.
        pub conversations: u64,
        /// CSAT answers by score (index 1..=5).
        pub csat: [u64; 6],
        /// NPS answers by score (index 0..=10).
        pub nps: [u64; 11],
        /// CES answers by score (index 1..=7).
        pub ces: [u64; 8],
        /// FCR: `n` = conversations, `hits` = first-contact resolutions confirmed so far.
        pub fcr: Tally,
        /// Candidates whose customer is unknown, so the repeat-contact check could not run.
        pub fcr_unverifiable: u64,
        /// First response times.
        pub first_response: Distribution,
        /// Resolution times.
        pub resolution: Distribution,
        /// Handle times.
        pub handle: Distribution,
        /// First-response SLA.
        pub sla_first_response: Tally,
        /// Resolution SLA.
        pub sla_resolution: Tally,
        /// Resolved conversations out of all.
        pub resolved: Tally,
        /// Reopened conversations out of all.
        pub reopened: Tally,
        /// Transferred conversations out of all.
        pub transferred: Tally,
    }
}

impl KpiStats {
    /// Adds one conversation's facts.
    pub fn add(&mut self, f: &ConversationFacts) {
        self.conversations += 1;
        if let Some(v) = f.survey.csat {
            self.csat[v as usize] += 1;
        }
        if let Some(v) = f.survey.nps {
            self.nps[v as usize] += 1;
        }
        if let Some(v) = f.survey.ces {
            self.ces[v as usize] += 1;
        }
        // Without a customer id the repeat check cannot run: the first-contact conditions decide.
        let unverifiable = f.resolved_first_contact && f.customer_id.is_none();
        self.fcr.add(unverifiable);
        self.fcr_unverifiable += u64::from(unverifiable);
        for (dist, v) in [
            (&mut self.first_response, f.first_response_ms),
            (&mut self.resolution, f.resolution_ms),
            (&mut self.handle, f.handle_ms),
        ] {
            if let Some(ms) = v {
                dist.add(ms);
            }
        }
        self.sla_first_response.add_opt(f.sla_first_response_met);
        self.sla_resolution.add_opt(f.sla_resolution_met);
        self.resolved.add(f.resolved);
        self.reopened.add(f.reopens > 0);
        self.transferred.add(f.transfers > 0);
    }

    /// Canonical form for serialisation.
    pub fn canonicalize(&mut self) {
        self.first_response.canonicalize();
        self.resolution.canonicalize();
        self.handle.canonicalize();
    }

    /// The report view.
    pub fn report(&self) -> KpiReport {
        let csat_n: u64 = self.csat[1..].iter().sum();
        let nps_n: u64 = self.nps.iter().sum();
        let promoters = self.nps[9] + self.nps[10];
        let detractors: u64 = self.nps[..=6].iter().sum();
        let ces_n: u64 = self.ces[1..].iter().sum();
        let ces_sum: u64 = (1..8).map(|s| s as u64 * self.ces[s]).sum();
        KpiReport {
            conversations: self.conversations,
            csat: Percent {
                n: csat_n,
                value: pct(self.csat[4] + self.csat[5], csat_n),
            },
            nps: Nps {
                n: nps_n,
                promoters_pct: pct(promoters, nps_n),
                detractors_pct: pct(detractors, nps_n),
                value: (nps_n > 0)
                    .then(|| round2((promoters as f64 - detractors as f64) * 100.0 / nps_n as f64)),
            },
            ces: Ces {
                n: ces_n,
                mean: (ces_n > 0).then(|| round2(ces_sum as f64 / ces_n as f64)),
                pct_5_or_more: pct(self.ces[5] + self.ces[6] + self.ces[7], ces_n),
            },
            fcr: Fcr {
                n: self.fcr.n,
                value: pct(self.fcr.hits, self.fcr.n),
                unverifiable: self.fcr_unverifiable,
            },
            first_response: self.first_response.summary(),
            resolution: self.resolution.summary(),
            handle_time: self.handle.summary(),
            sla: Sla {
                first_response: self.sla_first_response.percent(),
                resolution: self.sla_resolution.percent(),
            },
            resolved: self.resolved.percent(),
            reopened: self.reopened.percent(),
            transferred: self.transferred.percent(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::model::{Channel, Conversation, Survey};

    fn facts_with_survey(s: Survey) -> ConversationFacts {
        let mut c = Conversation::new("x", Channel::Chat);
        c.survey = s;
        crate::metrics::conversation_facts(&c, &Config::default())
    }

    #[test]
    fn survey_kpis_by_hand() {
        let mut k = KpiStats::default();
        // CSAT 5,4,3,1 → top-2 = 2/4 = 50 %. NPS 10,9,8,6,0 → (2 − 2)/5 = 0; with only 10,6,7: (1−1)/3.
        // CES 7,5,2 → mean 14/3 = 4.67, ≥5: 2/3 = 66.67 %.
        let answers = [
            (Some(5), Some(10), Some(7)),
            (Some(4), Some(9), Some(5)),
            (Some(3), Some(8), Some(2)),
            (Some(1), Some(6), None),
            (None, Some(0), None),
        ];
        for (csat, nps, ces) in answers {
            k.add(&facts_with_survey(Survey { csat, nps, ces }));
        }
        let r = k.report();
        assert_eq!(
            r.csat,
            Percent {
                n: 4,
                value: Some(50.0)
            }
        );
        assert_eq!((r.nps.n, r.nps.value), (5, Some(0.0)));
        assert_eq!(r.nps.promoters_pct, Some(40.0));
        assert_eq!(r.ces.mean, Some(4.67));
        assert_eq!(r.ces.pct_5_or_more, Some(66.67));
        assert_eq!(r.conversations, 5);
    }

    #[test]
    fn undefined_kpis_are_null_not_zero() {
        let r = KpiStats::default().report();
        assert_eq!(r.csat.value, None);
        assert_eq!(r.nps.value, None);
        assert_eq!(r.ces.mean, None);
        assert_eq!(r.fcr.value, None);
        assert_eq!(r.first_response.mean_s, None);
        assert_eq!(r.sla.resolution.value, None);
    }

    #[test]
    fn nps_extremes() {
        let mut k = KpiStats::default();
        for _ in 0..3 {
            k.add(&facts_with_survey(Survey {
                csat: None,
                nps: Some(3),
                ces: None,
            }));
        }
        assert_eq!(k.report().nps.value, Some(-100.0));
    }
}
