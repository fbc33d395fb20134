//! # cxmine
//!
//! Text mining of customer-care transcripts: the standard service KPIs (CSAT, NPS, CES,
//! FCR, response and resolution times, SLA adherence, retention, CLV) and what the
//! customer actually experienced, mined from the conversation text.
//!
//! The data flows through the modules in this order:
//!
//! 1. [`ingest`] finds and reads inputs (JSONL, gzip, stdin), in parallel chunks;
//! 2. [`model`] is the shared transcript model ([`model::Conversation`], [`model::Event`]);
//! 3. [`detect`] holds what the text detectors find ([`detect::Signals`]);
//! 4. [`metrics`] turns each conversation into [`metrics::ConversationFacts`] in one call
//!    ([`metrics::ConversationFacts::compute`]) and folds them into mergeable aggregates
//!    ([`metrics::Partial`]); an [`observer::Observer`] sees each conversation as it goes;
//! 5. [`index`] builds and searches a tantivy index of conversations for QA teams;
//! 6. [`report`] renders the [`report::Report`] (its contract in [`report::schema`]) as a
//!    table, JSON, CSV, Markdown or HTML.
//!
//! [`pipeline`] drives the stages; [`synth`] writes synthetic corpora for benchmarks.
//!
//! ```
//! use cxmine::{config::Config, metrics::Partial, model::*, time::Timestamp};
//!
//! let t = |s: &str| Timestamp::parse(s).unwrap();
//! let mut conv = Conversation::new("c1", Channel::Chat);
//! conv.events.push(Event::message(t("2024-01-01T10:00:00Z"), Role::Customer, "my order is late"));
//! conv.events.push(Event::message(t("2024-01-01T10:01:30Z"), Role::Agent, "let me check"));
//! conv.finish();
//!
//! let config = Config::default();
//! let detectors = cxmine::detect::Detectors::builtin();
//! let facts = cxmine::metrics::ConversationFacts::compute(&conv, &config, Some(&detectors));
//! assert_eq!(facts.first_response_ms, Some(90_000));
//! assert!(facts.signals.sentiment_first.unwrap() < 0.0); // "late" is negative
//!
//! let mut partial = Partial::new(vec![]);
//! partial.add(&facts, &config);
//! let report = partial.finish(&config).unwrap();
//! assert_eq!(report.overall.kpis.first_response.median_s, Some(90.0));
//! ```

#![deny(missing_docs)]

pub mod config;
pub mod detect;
pub mod error;
pub mod external_sort;
pub mod index;
pub mod ingest;
pub mod metrics;
pub mod model;
pub mod observer;
pub mod pipeline;
pub mod report;
pub mod reporter;
pub mod spill;
pub mod synth;
pub mod time;

pub use error::{Error, Problem, SkipReason};
