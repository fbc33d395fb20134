//! What the binary shows on stderr while a run goes: the library's [`Reporter`] events as
//! problem lines (the first [`MAX_PRINTED_PROBLEMS`], then one line saying the rest are
//! only counted), the reader chosen for each file that is not plain JSONL by its name, and
//! a progress bar when stderr is a terminal. `--quiet` shows none of it.
//!
//! Also the panic hook: a panic the library contains (a damaged index) stays off stderr.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cxmine::error::Problem;
use cxmine::ingest::format::{ChosenBy, InputFormat};
use cxmine::pipeline::MAX_PRINTED_PROBLEMS;
use cxmine::reporter::Reporter;
use indicatif::{ProgressBar, ProgressStyle};

/// Reports a run on stderr.
#[derive(Debug)]
pub struct Terminal {
    /// Print problem lines and reader choices.
    messages: bool,
    /// Draw a progress bar (when stderr is a terminal).
    progress: bool,
    printed: AtomicUsize,
    bar: OnceLock<(ProgressBar, Instant)>,
}

impl Terminal {
    /// Messages and progress bar (`quiet` = false), or nothing at all.
    pub fn new(quiet: bool) -> Terminal {
        Terminal::with(!quiet, !quiet)
    }

    /// Messages only, no progress bar.
    pub fn messages_only(quiet: bool) -> Terminal {
        Terminal::with(!quiet, false)
    }

    fn with(messages: bool, progress: bool) -> Terminal {
        Terminal {
            messages,
            progress,
            printed: AtomicUsize::new(0),
            bar: OnceLock::new(),
        }
    }

    fn bar(&self) -> Option<&(ProgressBar, Instant)> {
        self.bar.get()
    }
}

/// A bar with the byte count and an ETA, or a spinner when the size is unknown (stdin).
fn progress_bar(total: u64) -> ProgressBar {
    let (pb, template) = if total == 0 {
        (
            ProgressBar::new_spinner(),
            "{spinner} [{elapsed_precise}] {bytes} {bytes_per_sec} {msg}",
        )
    } else {
        (
            ProgressBar::new(total),
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {msg} ETA {eta}",
        )
    };
    pb.set_style(ProgressStyle::with_template(template).expect("progress template"));
    pb
}

impl Reporter for Terminal {
    fn problem(&self, problem: &Problem) {
        if !self.messages {
            return;
        }
        let n = self.printed.fetch_add(1, Ordering::Relaxed);
        if n < MAX_PRINTED_PROBLEMS {
            eprintln!("cxmine: {problem}");
        } else if n == MAX_PRINTED_PROBLEMS {
            eprintln!("cxmine: further problems are counted in the report, not printed");
        }
    }

    fn reader_chosen(&self, file: &str, format: InputFormat, chosen_by: ChosenBy) {
        // JSONL named as such is the ordinary case, not worth a line.
        let ordinary = format == InputFormat::Jsonl && chosen_by == ChosenBy::Extension;
        if self.messages && !ordinary {
            eprintln!("cxmine: {file}: {format} reader ({})", chosen_by.as_str());
        }
    }

    fn started(&self, total_bytes: u64) {
        if self.progress && std::io::stderr().is_terminal() {
            let _ = self.bar.set((progress_bar(total_bytes), Instant::now()));
        }
    }

    fn progress(&self, bytes_read: u64, conversations: u64) {
        if let Some((pb, started)) = self.bar() {
            pb.set_position(bytes_read);
            let rate = conversations as f64 / started.elapsed().as_secs_f64().max(1e-3);
            pb.set_message(format!("{conversations} conversations ({rate:.0}/s)"));
        }
    }

    fn phase(&self, message: &str) {
        if let Some((pb, _)) = self.bar() {
            pb.set_message(message.to_owned());
        }
    }

    fn finished(&self) {
        if let Some((pb, _)) = self.bar() {
            pb.finish_and_clear();
        }
    }
}

/// Installs a panic hook that keeps quiet while the library contains a panic (see
/// [`cxmine::index::panics_are_contained`]) and otherwise prints as usual.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !cxmine::index::panics_are_contained() {
            default(info);
        }
    }));
}
