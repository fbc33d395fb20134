//! Customer-level metrics, as reported (settled by [`crate::metrics::customers`]).

use serde::{Deserialize, Serialize};

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

/// What [`crate::metrics::Ledger::settle`] produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerReport {
    /// Distinct customers seen.
    pub customers: u64,
    /// Customers with more than one conversation.
    pub repeat_customers: u64,
    /// Conversations whose id the same customer already had: the same conversation given
    /// twice (an export read twice, overlapping exports). The conversation-level KPIs count
    /// every copy; the customer-level metrics see one (a copy is no repeat contact, makes
    /// no repeat customer, and gets its original's FCR outcome).
    pub duplicate_conversations: u64,
    /// Retention per month, in time order.
    pub retention: Vec<RetentionPeriod>,
    /// Customer lifetime value.
    pub clv: Clv,
    /// Configured total cost / conversations.
    pub cost_to_serve: Option<f64>,
}
