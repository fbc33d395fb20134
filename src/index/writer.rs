//! Building and updating an index: [`ConversationIndexer`] turns each analysed
//! conversation into one document, as a pipeline [`Observer`] so that `analyze --index`
//! and `cxmine index` read the input once.
//!
//! Invariants:
//! - *one copy per id*: a conversation is written as "delete the id term, add the document"
//!   under one lock, so re-indexing replaces and never duplicates (delete terms only hit
//!   documents added before them);
//! - *commits are the unit of durability*: the writer commits every
//!   [`WriterOptions::commit_every`] documents and at the end; a reader (or a run killed
//!   midway) sees exactly the documents of the last commit;
//! - *masking before anything is written*: unless [`ConversationIndexer::keep_pii`] was
//!   asked for, identifier spans (the caller's masker, the bare shapes of
//!   [`super::mask`], the conversation's own identity values) are replaced by [`MASK`]
//!   before the text is tokenised or stored, detection spans are moved to the masked
//!   offsets, and customer ids and identity authors become keyed tokens
//!   ([`super::pseudonym`]) in every field, stored or indexed.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tantivy::schema::Facet;
use tantivy::{DateTime, Index, IndexWriter, TantivyDocument, Term};

use super::export::conversation_line;
use super::flags::{flags_of, with_ancestors};
use super::mask::identifier_shapes;
use super::pseudonym::Pseudonyms;
use super::schema::{Fields, build_schema, id_key};
use super::{open_index, tantivy_error};
use crate::detect::Detection;
use crate::error::Error;
use crate::metrics::ConversationFacts;
use crate::model::{Conversation, Role};
use crate::observer::Observer;

pub use super::mask::{Edit, MASK, Masker, mask_text, remap};
/// Produces the detector hits of a conversation, for highlighting.
pub type DetectionSource = dyn Fn(&Conversation<'_>, &ConversationFacts) -> Vec<Detection> + Sync;
/// Produces the customer-effort index of a conversation.
pub type EffortSource = dyn Fn(&ConversationFacts) -> Option<f64> + Sync;

/// Writer settings.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Memory for in-memory segments, in bytes, shared by the indexing threads.
    pub memory_budget: usize,
    /// Indexing threads inside tantivy.
    pub threads: usize,
    /// Commit after this many added documents (and at the end).
    pub commit_every: u64,
}

impl Default for WriterOptions {
    /// Two indexing threads sharing 128 MB: see the module documentation of
    /// [`crate::index`] for why this suits a two-core machine.
    fn default() -> Self {
        WriterOptions {
            memory_budget: 128 << 20,
            threads: 2,
            commit_every: 50_000,
        }
    }
}

struct Locked {
    writer: IndexWriter,
    since_commit: u64,
}

/// Adds, replaces and deletes conversations in an index directory.
pub struct ConversationIndexer<'a> {
    path: PathBuf,
    fields: Fields,
    locked: Mutex<Locked>,
    options: WriterOptions,
    masker: Option<&'a Masker>,
    /// The index's token function; `None` keeps identifiers (`--keep-pii`).
    pseudonyms: Option<Pseudonyms>,
    detections: Option<&'a DetectionSource>,
    /// Take the detections the pipeline computed with the signals (see
    /// [`ConversationIndexer::with_pipeline_detections`]).
    pipeline_detections: bool,
    effort: Option<&'a EffortSource>,
    added: std::sync::atomic::AtomicU64,
    error: Mutex<Option<Error>>,
}

/// What an indexing run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IndexSummary {
    /// Documents added (or replaced) in this run.
    pub added: u64,
    /// Documents in the index after the final commit.
    pub documents: u64,
    /// Segments after the final commit.
    pub segments: usize,
}

impl<'a> ConversationIndexer<'a> {
    /// Opens the index in `dir`, creating the directory and an empty index when there is
    /// none. Identifiers are masked and identity fields tokenised unless
    /// [`Self::keep_pii`] is called; the token key is read from the index directory, or
    /// drawn and written there.
    pub fn open_or_create(dir: &Path, options: WriterOptions) -> Result<Self, Error> {
        let index = if dir.join("meta.json").exists() {
            open_index(dir)?
        } else {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            let index = Index::create_in_dir(dir, build_schema()).map_err(tantivy_error(dir))?;
            super::register_analyzers(&index);
            index
        };
        let fields = Fields::from_schema(&index.schema()).map_err(|name| Error::Index {
            path: dir.to_owned(),
            message: format!("not a cxmine index (no field {name:?})"),
        })?;
        let pseudonyms = Pseudonyms::load_or_create(dir)?;
        let writer = index
            .writer_with_num_threads(options.threads.max(1), options.memory_budget)
            .map_err(tantivy_error(dir))?;
        Ok(ConversationIndexer {
            path: dir.to_owned(),
            fields,
            locked: Mutex::new(Locked {
                writer,
                since_commit: 0,
            }),
            options,
            masker: None,
            pseudonyms: Some(pseudonyms),
            detections: None,
            pipeline_detections: false,
            effort: None,
            added: Default::default(),
            error: Mutex::new(None),
        })
    }

    /// Also masks the identifier spans `masker` finds (the CLI passes the identifier
    /// detector's), beside the bare shapes masked anyway.
    pub fn with_masker(mut self, masker: &'a Masker) -> Self {
        self.masker = Some(masker);
        self
    }

    /// Stores and indexes identifiers and identity fields as they are (`--keep-pii`).
    pub fn keep_pii(mut self) -> Self {
        self.pseudonyms = None;
        self
    }

    /// Stores the detections `source` returns, for highlighting flagged spans.
    pub fn with_detections(mut self, source: &'a DetectionSource) -> Self {
        self.detections = Some(source);
        self
    }

    /// Stores, when the indexer observes a pipeline run, the detections the pipeline
    /// computed in the same detector pass as the signals (no second pass per
    /// conversation).
    pub fn with_pipeline_detections(mut self) -> Self {
        self.pipeline_detections = true;
        self
    }

    /// Fills the `effort` field from `source`.
    pub fn with_effort(mut self, source: &'a EffortSource) -> Self {
        self.effort = Some(source);
        self
    }

    /// Adds a conversation, replacing any document with the same id.
    pub fn add(&self, conv: &Conversation<'_>, facts: &ConversationFacts) -> Result<(), Error> {
        let detections = self.detections.map(|d| d(conv, facts)).unwrap_or_default();
        self.add_with_detections(conv, facts, &detections)
    }

    /// Adds a conversation with its detections given, replacing any document with the
    /// same id.
    pub fn add_with_detections(
        &self,
        conv: &Conversation<'_>,
        facts: &ConversationFacts,
        detections: &[Detection],
    ) -> Result<(), Error> {
        // Masked text and moved spans when masking; the originals, uncopied, otherwise.
        let (masked, moved);
        let (conv_doc, detections) = match &self.pseudonyms {
            Some(p) => {
                (masked, moved) = mask_conversation(conv, detections, self.masker, p);
                (&masked, moved.as_slice())
            }
            None => (conv, detections),
        };
        let effort = self.effort.and_then(|e| e(facts));
        let doc = self.document(conv_doc, facts, detections, effort);
        let mut locked = self.locked.lock().expect("index writer lock");
        locked
            .writer
            .delete_term(Term::from_field_text(self.fields.id, &conv.id));
        locked
            .writer
            .add_document(doc)
            .map_err(tantivy_error(&self.path))?;
        self.added
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        locked.since_commit += 1;
        if locked.since_commit >= self.options.commit_every {
            locked.writer.commit().map_err(tantivy_error(&self.path))?;
            locked.since_commit = 0;
        }
        Ok(())
    }

    /// Deletes the conversations with these ids (committed by [`Self::finish`]).
    pub fn delete(&self, ids: &[String]) {
        let locked = self.locked.lock().expect("index writer lock");
        for id in ids {
            locked
                .writer
                .delete_term(Term::from_field_text(self.fields.id, id));
        }
    }

    /// The first error met while observing, if any.
    pub fn take_error(&self) -> Option<Error> {
        self.error.lock().expect("error lock").take()
    }

    /// Commits, waits for background merges, and reports the index size.
    pub fn finish(self) -> Result<IndexSummary, Error> {
        if let Some(e) = self.take_error() {
            return Err(e);
        }
        let path = self.path;
        let Locked { mut writer, .. } = self.locked.into_inner().expect("index writer lock");
        writer.commit().map_err(tantivy_error(&path))?;
        let index = writer.index().clone();
        writer
            .wait_merging_threads()
            .map_err(tantivy_error(&path))?;
        let reader = index.reader().map_err(tantivy_error(&path))?;
        let searcher = reader.searcher();
        Ok(IndexSummary {
            added: self.added.into_inner(),
            documents: searcher.num_docs(),
            segments: searcher.segment_readers().len(),
        })
    }

    fn document(
        &self,
        conv: &Conversation<'_>,
        facts: &ConversationFacts,
        detections: &[Detection],
        effort: Option<f64>,
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.id, &conv.id);
        doc.add_u64(f.id_key, id_key(&conv.id));
        doc.add_text(f.channel, conv.channel.as_str());
        let date = |t: crate::time::Timestamp| DateTime::from_timestamp_millis(t.millis());
        if let Some(t) = facts.opened_at {
            doc.add_date(f.opened, date(t));
        }
        if let Some(t) = facts.resolved_at {
            doc.add_date(f.resolved, date(t));
        }
        // The customer id of the (masked) conversation: a token unless PII is kept.
        let keywords = [
            (f.customer, conv.customer_id.as_deref()),
            (f.team, facts.team.as_deref()),
            (f.severity, facts.severity.as_deref()),
        ];
        for (field, v) in keywords {
            if let Some(v) = v {
                doc.add_text(field, v);
            }
        }
        for a in &facts.agents {
            match &self.pseudonyms {
                Some(p) => doc.add_text(f.agent, p.author(Role::Agent, a)),
                None => doc.add_text(f.agent, a),
            }
        }
        for t in &facts.tags {
            doc.add_text(f.tag, t);
        }
        for flag in flags_of(facts) {
            for v in with_ancestors(flag) {
                doc.add_text(f.flag, v);
            }
            doc.add_facet(
                f.flags,
                Facet::from_path(["flag"].into_iter().chain(flag.split('/'))),
            );
        }
        let s = &facts.signals;
        let counts = [
            facts.events,
            facts.messages.customer
                + facts.messages.agent
                + facts.messages.bot
                + facts.messages.member
                + facts.messages.system,
            facts.messages.customer,
            facts.messages.agent,
            facts.transfers,
            facts.reopens,
            s.handoffs,
            s.rephrase_customer + s.rephrase_agent,
            s.restatements,
            s.repeated_ids_before_handoff + s.repeated_ids_after_handoff,
        ];
        for (field, n) in f.counts.iter().zip(counts) {
            doc.add_u64(*field, n as u64);
        }
        let reals = [
            s.sentiment_before,
            s.sentiment_after,
            s.sentiment_shift,
            effort,
            facts.first_response_ms.map(|ms| ms as f64 / 1000.0),
            facts.resolution_ms.map(|ms| ms as f64 / 1000.0),
        ];
        for (field, v) in f.reals.iter().zip(reals) {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                doc.add_f64(*field, v);
            }
        }
        let survey = [facts.survey.csat, facts.survey.nps, facts.survey.ces];
        for (field, v) in f.surveys.iter().zip(survey) {
            if let Some(v) = v {
                doc.add_u64(*field, v as u64);
            }
        }
        for (_, e) in conv.messages() {
            doc.add_text(f.text, &e.text);
        }
        doc.add_text(f.conversation, conversation_line(conv));
        let detections = serde_json::to_string(detections).expect("detections serialise");
        doc.add_text(f.detections, detections);
        doc
    }
}

impl Observer for ConversationIndexer<'_> {
    fn wants_detections(&self) -> bool {
        self.pipeline_detections
    }

    fn observe(
        &self,
        conversation: &Conversation<'_>,
        facts: &ConversationFacts,
        detections: &[Detection],
    ) {
        let added = if self.pipeline_detections {
            self.add_with_detections(conversation, facts, detections)
        } else {
            self.add(conversation, facts)
        };
        if let Err(e) = added {
            self.error.lock().expect("error lock").get_or_insert(e);
        }
    }
}

/// Masks a conversation before it is written: identifier spans (the detector's, the bare
/// shapes of [`identifier_shapes`], and the conversation's own identity values) replaced
/// in every text and detail, customer id and identity authors replaced by tokens, and the
/// detections moved to the masked offsets.
///
/// Linear in the size of the conversation: detections are grouped by event once (a sort
/// of their indices), and each offset is moved by a binary search over its message's
/// edits.
pub fn mask_conversation<'c>(
    conv: &Conversation<'c>,
    detections: &[Detection],
    masker: Option<&Masker>,
    pseudonyms: &Pseudonyms,
) -> (Conversation<'c>, Vec<Detection>) {
    let known = Pseudonyms::known_values(conv);
    let spans_of = |text: &str| {
        let mut spans = masker.map(|m| m(text)).unwrap_or_default();
        spans.extend(identifier_shapes(text));
        spans.extend(known.spans(text));
        spans
    };
    let mut out = conv.clone();
    out.customer_id = conv
        .customer_id
        .as_deref()
        .map(|c| pseudonyms.token(c).into());
    let mut moved = detections.to_vec();
    let mut order: Vec<usize> = (0..moved.len()).collect();
    order.sort_by_key(|&k| moved[k].event);
    let mut next = 0;
    for (i, e) in out.events.iter_mut().enumerate() {
        let first = next;
        while next < order.len() && moved[order[next]].event <= i {
            next += 1;
        }
        let mine = &order[first..next];
        if let Some(author) = e.author.as_deref().map(|a| pseudonyms.author(e.role, a)) {
            e.author = Some(author.into());
        }
        if let Some(detail) = e.detail.as_deref() {
            let spans = spans_of(detail);
            if !spans.is_empty() {
                e.detail = Some(mask_text(detail, spans).0.into());
            }
        }
        if e.text.is_empty() {
            continue;
        }
        let spans = spans_of(&e.text);
        if spans.is_empty() {
            continue;
        }
        let (masked, edits) = mask_text(&e.text, spans);
        for &k in mine {
            let d = &mut moved[k];
            d.start = remap(d.start, &edits, false);
            d.end = remap(d.end, &edits, true).max(d.start);
        }
        e.text = masked.into();
    }
    (out, moved)
}
