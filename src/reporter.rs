//! [`Reporter`]: what a run tells its user while it goes. The library never prints; it
//! calls a reporter, and the binary decides what reaches the terminal (problem lines, the
//! reader chosen for each file, a progress bar), the way a search library hands matches to
//! a separate printer.
//!
//! Calls come from worker threads, in no fixed order across threads; every method has an
//! empty default, so a reporter implements only what it shows. [`Silent`] shows nothing.

use std::fmt::Debug;

use crate::error::Problem;
use crate::ingest::format::{ChosenBy, InputFormat};

/// Receives the events of a run.
pub trait Reporter: Send + Sync + Debug {
    /// A record was skipped; called once per problem, as it is met.
    fn problem(&self, problem: &Problem) {
        let _ = problem;
    }

    /// The reader that will read `file`, and what chose it; called for every input file
    /// before any is read.
    fn reader_chosen(&self, file: &str, format: InputFormat, chosen_by: ChosenBy) {
        let _ = (file, format, chosen_by);
    }

    /// Reading starts: `total_bytes` of input, 0 when unknown (standard input).
    fn started(&self, total_bytes: u64) {
        let _ = total_bytes;
    }

    /// Bytes read and conversations analysed so far; called often, from any thread.
    fn progress(&self, bytes_read: u64, conversations: u64) {
        let _ = (bytes_read, conversations);
    }

    /// The run moved on to a step after reading, named for the user.
    fn phase(&self, message: &str) {
        let _ = message;
    }

    /// The run is over and its outputs are written.
    fn finished(&self) {}
}

/// A reporter that shows nothing (the default of [`crate::pipeline::Options`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Reporter for Silent {}
