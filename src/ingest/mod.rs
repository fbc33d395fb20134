//! Ingest: from input paths to [`crate::model::Conversation`]s.
//!
//! - [`source`]: which files to read and how to open them (gzip, stdin);
//! - [`format`](mod@format): which reader handles a file (`--input-format`, extension, first bytes);
//! - [`chunks`]: splitting a stream into chunks of whole lines for parallel parsing;
//! - [`jsonl`]: the canonical JSONL format, both line shapes;
//! - [`assemble`]: regrouping event lines into conversations with bounded memory;
//! - [`readers`]: the exported formats' shared output and configuration, with one module
//!   each: [`social_csv`], [`email`] (mbox and `.eml`), [`chatlog`], [`community_xml`];
//! - [`csv_records`]: CSV record framing for the CSV readers, with recovery from a stray quote;
//! - [`surveys`]: survey answers joined onto conversations (`--surveys`);
//! - [`canonical`]: writing conversations back as canonical JSONL (`cxmine convert`).

pub mod assemble;
pub mod canonical;
pub mod chatlog;
pub mod chunks;
pub mod community_xml;
pub mod csv_records;
pub mod email;
pub mod exported;
pub mod format;
pub mod jsonl;
pub mod readers;
pub mod record;
pub mod social_csv;
pub mod source;
pub mod surveys;
pub mod threads;

pub use source::{InputFile, discover};
