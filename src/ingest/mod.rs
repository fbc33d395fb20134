//! Ingest: from input paths to [`crate::model::Conversation`]s.
//!
//! - [`source`]: which files to read and how to open them (gzip, stdin);
//! - [`chunks`]: splitting a stream into chunks of whole lines for parallel parsing;
//! - [`jsonl`]: the canonical JSONL format, both line shapes;
//! - [`assemble`]: regrouping event lines into conversations with bounded memory.

pub mod assemble;
pub mod chunks;
pub mod jsonl;
pub mod source;

pub use source::{InputFile, discover};
