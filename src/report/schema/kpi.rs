//! The standard KPIs of a segment, as reported (built by [`crate::metrics::kpi`]).

use serde::{Deserialize, Serialize};

use crate::report::schema::{Percent, Summary};

/// NPS view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nps {
    /// Answers.
    pub n: u64,
    /// % answering 9–10.
    pub promoters_pct: Option<f64>,
    /// % answering 0–6.
    pub detractors_pct: Option<f64>,
    /// Promoters − detractors, −100..100.
    pub value: Option<f64>,
}

/// CES view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ces {
    /// Answers.
    pub n: u64,
    /// Mean on the 1–7 scale.
    pub mean: Option<f64>,
    /// % of answers ≥ 5.
    pub pct_5_or_more: Option<f64>,
}

/// FCR view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fcr {
    /// Conversations.
    pub n: u64,
    /// % resolved at first contact with no repeat contact in the window.
    pub value: Option<f64>,
    /// Counted resolutions whose customer was unknown (repeat contact not checkable).
    pub unverifiable: u64,
}

/// SLA adherence view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sla {
    /// First response within target.
    pub first_response: Percent,
    /// Resolution within target.
    pub resolution: Percent,
}

/// Every standard KPI of a segment, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiReport {
    /// Conversations.
    pub conversations: u64,
    /// Customer satisfaction (top-2 box).
    pub csat: Percent,
    /// Net promoter score.
    pub nps: Nps,
    /// Customer effort score.
    pub ces: Ces,
    /// First contact resolution.
    pub fcr: Fcr,
    /// First response time.
    pub first_response: Summary,
    /// Resolution time.
    pub resolution: Summary,
    /// Average handle time.
    pub handle_time: Summary,
    /// SLA adherence.
    pub sla: Sla,
    /// Resolved share.
    pub resolved: Percent,
    /// Reopened share.
    pub reopened: Percent,
    /// Transferred share.
    pub transferred: Percent,
}
