//! Panics become errors. A panic in a reader or an analysis worker is a bug met on one
//! record: it ends the run with an [`Error::Panicked`] naming the file and, where known,
//! the record, and never leaves a thread waiting forever on a channel, a join or a flag
//! (the progress ticker, the chunk reader) nor a report of partial figures.
//!
//! Readers run inside [`catch`] on the thread that drives them, and each conversation's
//! analysis inside [`catch`] on its worker. The first failure goes to the run's `fatal`
//! slot and raises its `failed` flag, which tells the other threads to stop taking work.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Error;

/// Runs `f`, turning a panic into its message. The state `f` touched may be half
/// updated afterwards: callers only use it to say where the failure happened.
pub(super) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| message(&*payload))
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
pub(super) fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic without a message".to_owned())
}

/// An [`Error::Panicked`].
pub(super) fn panicked(
    file: &str,
    line: Option<u64>,
    during: impl Into<String>,
    message: String,
) -> Error {
    Error::Panicked {
        file: file.to_owned(),
        line,
        during: during.into(),
        message,
    }
}

/// Raises a flag and wakes a thread when dropped, also while unwinding: a thread that
/// loops until the flag is up ends whatever happens to the code that was to raise it.
pub(super) struct RaiseOnDrop<'a> {
    pub(super) flag: &'a AtomicBool,
    pub(super) waiting: std::thread::Thread,
}

impl Drop for RaiseOnDrop<'_> {
    fn drop(&mut self) {
        self.flag.store(true, Ordering::Relaxed);
        self.waiting.unpark();
    }
}

/// A JSONL input whose name contains this makes the chunk reader thread panic in tests
/// (the Stack Exchange reader has its own hook, on a post id).
#[cfg(test)]
pub(crate) const INJECTED_FAILURE: &str = "inject-reader-panic";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_payloads_become_messages() {
        assert_eq!(catch(|| panic!("plain")), Err::<(), _>("plain".to_owned()));
        let n = 12;
        assert_eq!(
            catch(|| panic!("byte index {n} is not a char boundary")),
            Err::<(), _>("byte index 12 is not a char boundary".to_owned())
        );
        assert_eq!(
            catch(|| std::panic::panic_any(7u8)),
            Err::<(), _>("panic without a message".to_owned())
        );
        assert_eq!(catch(|| 5), Ok(5));
    }

    /// Runs the pipeline over `names` (written into a fresh directory with `texts`) on
    /// another thread; the run must end within 60 seconds.
    fn run_within_a_minute(files: &[(&str, &str)]) -> Result<(), Error> {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            paths.push(path);
        }
        let inputs = crate::ingest::source::discover(&paths).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let result = super::super::run(&inputs, &super::super::Options::default(), None, None);
            let _ = tx.send(result.map(|_| ()));
        });
        let result = rx.recv_timeout(std::time::Duration::from_secs(60));
        drop(dir);
        result.expect("the run ended within a minute, with a result")
    }

    const QUESTION: &str = r#"  <row Id="1" PostTypeId="1" CreationDate="2024-01-01T10:00:00.000" OwnerUserId="7" Title="Wifi" Body="&lt;p&gt;Help&lt;/p&gt;" />"#;

    #[test]
    fn a_panicking_exported_format_reader_ends_the_run_with_an_error() {
        // Line 1 the declaration, 2 `<posts>`, 3 the question, 4 the row that panics.
        let xml = format!(
            "<?xml version=\"1.0\"?>\n<posts>\n{QUESTION}\n  <row Id=\"{}\" PostTypeId=\"2\" />\n</posts>\n",
            crate::ingest::community_xml::tests::PANICKING_ID
        );
        let jsonl = r#"{"id":"c1","channel":"chat","events":[{"ts":"2024-01-10T10:00:10Z","role":"customer","text":"hi"}]}"#;
        let err = run_within_a_minute(&[("a.jsonl", jsonl), ("posts.xml", &xml)]).unwrap_err();
        let Error::Panicked {
            file,
            line,
            during,
            message,
        } = &err
        else {
            panic!("not a panic error: {err}");
        };
        assert!(file.ends_with("posts.xml"), "{file}");
        assert_eq!(*line, Some(4));
        assert_eq!(during, "reading (stack_exchange_xml reader)");
        assert!(message.contains("injected"), "{message}");
        assert!(
            err.to_string()
                .contains("posts.xml:4: internal error while reading")
        );
    }

    #[test]
    fn a_panicking_chunk_reader_ends_the_run_with_an_error() {
        let jsonl = r#"{"id":"c1","channel":"chat","events":[]}"#;
        let name = format!("{INJECTED_FAILURE}.jsonl");
        let xml = format!("<?xml version=\"1.0\"?>\n<posts>\n{QUESTION}\n</posts>\n");
        let err = run_within_a_minute(&[(&name, jsonl), ("posts.xml", &xml)]).unwrap_err();
        let Error::Panicked {
            file, line, during, ..
        } = &err
        else {
            panic!("not a panic error: {err}");
        };
        assert!(file.ends_with(&name), "{file}");
        assert_eq!((*line, during.as_str()), (None, "reading (jsonl reader)"));
    }
}
