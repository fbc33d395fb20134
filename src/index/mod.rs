//! The search index: a tantivy index of analysed conversations, for QA teams looking for
//! the conversations worth a listen.
//!
//! - [`schema`]: fields and the text analyzer;
//! - [`flags`]: the `/flag/...` vocabulary derived from facts;
//! - [`writer`]: [`ConversationIndexer`], a pipeline observer (one pass for analysis and
//!   indexing), with delete-then-add updates, periodic commits and PII masking;
//! - [`mask`]: bare identifier shapes, the replacement by `•••`, offsets moved across it;
//! - [`pseudonym`]: keyed tokens for customer ids and authors;
//! - [`search`]: query parsing (tantivy syntax plus friendly fields), sorting, snippets
//!   with byte offsets, facet counts;
//! - [`render`]: the terminal form of search results;
//! - [`export`]: the canonical JSONL line each document stores and `--export` writes.
//!
//! ## One document per conversation
//!
//! The unit a QA team listens to, scores and exports is the conversation, and every
//! question in the brief mixes properties that only exist at that level: "about refunds"
//! (some message), "asked twice for a rephrase" (a count over messages), "left angrier
//! than they came" (a before/after shift). With message-level documents each of these
//! would need a join, which tantivy does not have; counts and facets would count messages
//! instead of conversations. So a conversation is one document, its messages are the
//! values of the multi-valued `text` field (positions indexed, so phrases work within a
//! message), and message-level detail lives in the stored conversation and detections:
//! snippets name the event and give byte offsets into its text.
//!
//! The text is stored once, inside the canonical JSONL line of the conversation (which
//! `--export` needs anyway), rather than a second time as a stored `text` field; snippets
//! are computed from that stored copy.
//!
//! ## Writer settings for a two-core machine
//!
//! Two tantivy indexing threads sharing a 128 MB budget ([`WriterOptions::default`]).
//! Indexing, not analysis, is the bottleneck: on the reference two-core machine analysis
//! alone (detectors included) runs at about 90 MiB/s, while tokenising, stemming, building postings and
//! compressing the stored conversations runs at a few MiB/s. The rayon workers that parse
//! and build documents are therefore mostly waiting on the writer, and a second indexing
//! thread uses the core they leave idle: the bench (`benches/index.rs`, 20 000
//! conversations, 30.7 MiB) measured 11.7 MiB/s with one thread and 12.7 MiB/s with two.
//! More threads than cores only split the budget into more, smaller segments to merge.
//! 128 MB (64 MB per thread) keeps segments large enough that a month of input makes a
//! handful of them, at a memory cost that fits beside the event-reassembly buffer
//! (256 MB default).
//!
//! ## Masking
//!
//! Identifier values are replaced by [`mask::MASK`] before text is tokenised or stored,
//! so neither the stored conversation, the term dictionary nor an export holds them. Three
//! finders are combined: a function given by the caller (the CLI passes the
//! repeated-identifier detector's `Detectors::identifier_spans`, which knows keywords and
//! prefixes from the lexicon), the bare shapes of [`mask::identifier_shapes`] (e-mail
//! addresses, long digit groups, prefixed references, with no keyword needed), and the
//! conversation's own identity values found in its text. Identity fields (customer id,
//! authors of customer and member messages) become keyed tokens ([`pseudonym`]): the same
//! customer gets the same token, so `customer:` queries and exports stay joinable, but the
//! value itself is neither stored nor searchable. `--keep-pii`
//! ([`ConversationIndexer::keep_pii`]) turns all of this off.

pub mod documents;
pub mod export;
pub mod flags;
pub mod mask;
pub mod pseudonym;
pub mod render;
pub mod schema;
pub mod search;
pub mod writer;

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Mutex;

use tantivy::Index;

pub use search::{IndexSearcher, SearchOptions, SearchResults, SortOrder};
pub use writer::{ConversationIndexer, IndexSummary, WriterOptions};

use crate::error::Error;

/// Opens an existing cxmine index, with a clear error when it is missing or damaged.
pub fn open_index(dir: &Path) -> Result<Index, Error> {
    if !dir.join("meta.json").is_file() {
        return Err(Error::Index {
            path: dir.to_owned(),
            message: if dir.exists() {
                "no index here (meta.json is missing); build one with `cxmine index`".into()
            } else {
                "no such directory; build an index with `cxmine index`".into()
            },
        });
    }
    let index = Index::open_in_dir(dir).map_err(tantivy_error(dir))?;
    schema::Fields::from_schema(&index.schema()).map_err(|name| Error::Index {
        path: dir.to_owned(),
        message: format!("not a cxmine index (no field {name:?})"),
    })?;
    register_analyzers(&index);
    Ok(index)
}

/// Registers cxmine's text analyzer on `index`.
pub fn register_analyzers(index: &Index) {
    index
        .tokenizers()
        .register(schema::TEXT_ANALYZER, schema::text_analyzer());
}

/// Wraps a tantivy error with the index path.
pub fn tantivy_error(dir: &Path) -> impl Fn(tantivy::TantivyError) -> Error + '_ {
    move |e| Error::Index {
        path: dir.to_owned(),
        message: e.to_string(),
    }
}

/// Runs `f`, turning a panic inside tantivy (which some kinds of file damage cause) into
/// an [`Error::Index`] that says the index is damaged. The panic message is kept off
/// stderr while `f` runs (the process-wide panic hook is swapped under a lock).
pub fn guarded<T>(dir: &Path, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    static HOOK: Mutex<()> = Mutex::new(());
    let lock = HOOK.lock().unwrap_or_else(|p| p.into_inner());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    drop(lock);
    result.unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("unreadable data");
        Err(Error::Index {
            path: dir.to_owned(),
            message: format!("the index is damaged ({what}); rebuild it with `cxmine index`"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_index_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = open_index(&dir.path().join("nope"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no such directory"), "{err}");
        let err = open_index(dir.path()).unwrap_err().to_string();
        assert!(err.contains("meta.json is missing"), "{err}");
    }

    #[test]
    fn corrupt_index_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("meta.json"), b"{ not json").unwrap();
        let err = open_index(dir.path()).unwrap_err().to_string();
        assert!(err.starts_with("index "), "{err}");
    }
}
