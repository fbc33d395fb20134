//! Searching an index: query parsing, sorting, snippets with byte offsets, facet counts,
//! export.
//!
//! Queries use tantivy's language (`refund AND flag:handoff`, `"not working"`, `-tag:spam`,
//! `field:[a TO b]`, `field:>x`), with two differences: terms are ANDed by default (a QA
//! query narrows), and friendly field values are normalised before tantivy sees them:
//! `flag:handoff` / `flag:/flag/handoff`, `channel:Chat` / `channel:e-mail`, and dates as
//! days or months (`opened:2024-01`, `opened:[2024-01-01 TO 2024-01-31]`, where a day as
//! the upper bound includes the whole day). Syntax errors carry the byte position of the
//! problem in the query as typed.
//!
//! Invariants: hits are ordered by the sort key and then by a stable hash of the id, so the
//! same index gives the same order; snippet offsets are byte offsets into the event text as
//! stored (masked unless the index was built with `--keep-pii`), and `text` is that text.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tantivy::collector::{Count, DocSetCollector, FacetCollector, MultiCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::query_grammar::{self, UserInputAst, UserInputBound, UserInputLeaf};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, SegmentReader, TantivyDocument, Term};

use super::flags::{PARENTS, normalise_query_flag};
use super::schema::{DATE_FIELDS, Fields, text_analyzer};
use super::{guarded, open_index, tantivy_error};
use crate::detect::Detection;
use crate::error::Error;
use crate::ingest::jsonl::{Line, parse_line};
use crate::model::{Channel, Conversation, SourcePos};
use crate::time::Timestamp;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Best BM25 score first.
    #[default]
    Relevance,
    /// Most recently opened first.
    Newest,
    /// Earliest opened first.
    Oldest,
}

/// Search settings.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Most hits returned.
    pub limit: usize,
    /// Hit order.
    pub sort: SortOrder,
    /// Also count flags by channel over all hits.
    pub facets: bool,
    /// Most snippets (messages) shown per hit.
    pub snippets: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 10,
            sort: SortOrder::Relevance,
            facets: false,
            snippets: 3,
        }
    }
}

/// Why a span is highlighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    /// A query term matched here.
    Match,
    /// A detector flagged this span.
    Flag,
}

/// A highlighted byte range of an event's text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Span {
    /// Start byte offset in the event text.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// Why it is highlighted.
    pub kind: SpanKind,
    /// For flags, `detector/label`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// One message of a hit, with why it matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snippet {
    /// Index of the event in the conversation.
    pub event: usize,
    /// Who wrote it.
    pub role: String,
    /// The whole event text, as stored; span offsets point into it.
    pub text: String,
    /// A window of the text with matches in `[…]` and flagged spans in `«…»`.
    pub marked: String,
    /// Every highlighted span of the text, in order.
    pub spans: Vec<Span>,
}

/// One matching conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Conversation id.
    pub id: String,
    /// Channel.
    pub channel: String,
    /// Opening time.
    pub opened_at: Option<String>,
    /// Relevance score (with `--sort relevance`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Flag paths (leaves only).
    pub flags: Vec<String>,
    /// Messages that explain the match.
    pub snippets: Vec<Snippet>,
}

/// Flag counts over all hits.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FacetCounts {
    /// Flag → hits carrying it, over every channel.
    pub total: BTreeMap<String, u64>,
    /// Channel → flag → hits.
    pub by_channel: BTreeMap<String, BTreeMap<String, u64>>,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// The query as typed.
    pub query: String,
    /// Matching conversations (all of them, not only those returned).
    pub total: u64,
    /// The hits returned, in sort order.
    pub hits: Vec<Hit>,
    /// Flag counts, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<FacetCounts>,
}

/// An open index, ready for queries.
pub struct IndexSearcher {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl IndexSearcher {
    /// Opens the index in `dir` at its last commit.
    pub fn open(dir: &Path) -> Result<IndexSearcher, Error> {
        let index = open_index(dir)?;
        let fields = Fields::from_schema(&index.schema()).expect("checked by open_index");
        let reader = guarded(dir, || {
            index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
                .map_err(tantivy_error(dir))
        })?;
        Ok(IndexSearcher {
            path: dir.to_owned(),
            index,
            reader,
            fields,
        })
    }

    /// Documents in the index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Parses a query (see the module documentation for the language). A query nested
    /// deeper than [`MAX_NESTING`] levels is refused before parsing.
    pub fn parse(&self, query: &str) -> Result<Box<dyn Query>, Error> {
        if query.trim().is_empty() {
            return Ok(Box::new(AllQuery));
        }
        if let Some(position) = too_deep(query) {
            return Err(Error::Query {
                query: query.to_owned(),
                position: Some(position),
                message: format!(
                    "nested deeper than {MAX_NESTING} levels (parentheses and NOT, -, + \
                     operators)"
                ),
            });
        }
        let (rewritten, removed) = strip_facet_prefixes(query);
        let (ast, errors) = query_grammar::parse_query_lenient(&rewritten);
        if let Some(e) = errors.into_iter().next() {
            return Err(Error::Query {
                query: query.to_owned(),
                position: Some(original_position(e.pos, &removed)),
                message: e.message,
            });
        }
        let ast = rewrite(ast).map_err(|message| Error::Query {
            query: query.to_owned(),
            position: None,
            message,
        })?;
        let mut parser = QueryParser::for_index(&self.index, vec![self.fields.text]);
        parser.set_conjunction_by_default();
        parser
            .build_query_from_user_input_ast(ast)
            .map_err(|e| Error::Query {
                query: query.to_owned(),
                position: None,
                message: e.to_string(),
            })
    }

    /// Runs a query.
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<SearchResults, Error> {
        guarded(&self.path, || self.search_unguarded(query, options))
    }

    fn search_unguarded(
        &self,
        query: &str,
        options: &SearchOptions,
    ) -> Result<SearchResults, Error> {
        let parsed = self.parse(query)?;
        let searcher = self.reader.searcher();
        let err = tantivy_error(&self.path);
        // No more hits than documents: the top-k collector allocates for `limit` up front.
        let limit =
            usize::try_from(searcher.num_docs()).map_or(options.limit, |n| options.limit.min(n));
        if limit == 0 {
            let total = searcher.search(&parsed, &Count).map_err(&err)?;
            return self.finish(query, parsed, total, Vec::new(), options);
        }
        let top: Vec<(Option<f32>, DocAddress)> = match options.sort {
            SortOrder::Relevance => {
                let c = TopDocs::with_limit(limit).tweak_score(|seg: &SegmentReader| {
                    let key = id_key_column(seg);
                    move |doc, score| (score, Reverse(key.first(doc).unwrap_or(0)))
                });
                let (total, docs) = searcher.search(&parsed, &(Count, c)).map_err(&err)?;
                return self.finish(
                    query,
                    parsed,
                    total,
                    docs.into_iter().map(|(k, a)| (Some(k.0), a)).collect(),
                    options,
                );
            }
            SortOrder::Newest => {
                let c = TopDocs::with_limit(limit).tweak_score(|seg: &SegmentReader| {
                    let (opened, key) = (opened_column(seg), id_key_column(seg));
                    move |doc, _| {
                        let t = opened.as_ref().and_then(|c| c.first(doc));
                        (
                            t.map_or(i64::MIN, |t| t.into_timestamp_millis()),
                            Reverse(key.first(doc).unwrap_or(0)),
                        )
                    }
                });
                searcher
                    .search(&parsed, &c)
                    .map_err(&err)?
                    .into_iter()
                    .map(|(_, a)| (None, a))
                    .collect()
            }
            SortOrder::Oldest => {
                let c = TopDocs::with_limit(limit).tweak_score(|seg: &SegmentReader| {
                    let (opened, key) = (opened_column(seg), id_key_column(seg));
                    move |doc, _| {
                        let t = opened.as_ref().and_then(|c| c.first(doc));
                        (
                            Reverse(t.map_or(i64::MAX, |t| t.into_timestamp_millis())),
                            Reverse(key.first(doc).unwrap_or(0)),
                        )
                    }
                });
                searcher
                    .search(&parsed, &c)
                    .map_err(&err)?
                    .into_iter()
                    .map(|(_, a)| (None, a))
                    .collect()
            }
        };
        let total = searcher.search(&parsed, &Count).map_err(&err)?;
        self.finish(query, parsed, total, top, options)
    }

    fn finish(
        &self,
        query: &str,
        parsed: Box<dyn Query>,
        total: usize,
        top: Vec<(Option<f32>, DocAddress)>,
        options: &SearchOptions,
    ) -> Result<SearchResults, Error> {
        let terms = self.text_terms(parsed.as_ref());
        let hits = top
            .into_iter()
            .map(|(score, addr)| self.hit(addr, score, &terms, options.snippets))
            .collect::<Result<Vec<_>, _>>()?;
        let facets = if options.facets {
            Some(self.facets(parsed.as_ref())?)
        } else {
            None
        };
        Ok(SearchResults {
            query: query.to_owned(),
            total: total as u64,
            hits,
            facets,
        })
    }

    /// Ids of every matching conversation, sorted.
    pub fn ids(&self, query: &str) -> Result<Vec<String>, Error> {
        Ok(self
            .all_matches(query)?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    /// Writes every matching conversation as canonical JSONL, sorted by id; returns how many.
    pub fn export(&self, query: &str, out: &mut dyn Write) -> Result<u64, Error> {
        guarded(&self.path, || self.export_unguarded(query, out))
    }

    fn export_unguarded(&self, query: &str, out: &mut dyn Write) -> Result<u64, Error> {
        let searcher = self.reader.searcher();
        let mut n = 0;
        for (_, addr) in self.all_matches(query)? {
            let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_error(&self.path))?;
            let line = first_str(&doc, self.fields.conversation).unwrap_or_default();
            out.write_all(line.as_bytes())
                .and_then(|_| out.write_all(b"\n"))
                .map_err(|e| Error::io("(export)", e))?;
            n += 1;
        }
        Ok(n)
    }

    /// Writes every conversation matching `query` as a search document
    /// ([`super::documents`]), one JSON line each in id order; with `bulk_index`, each line
    /// follows its `_bulk` action line for that index. Returns the number of documents.
    pub fn export_documents(
        &self,
        query: &str,
        bulk_index: Option<&str>,
        out: &mut dyn Write,
    ) -> Result<u64, Error> {
        guarded(&self.path, || {
            let searcher = self.reader.searcher();
            let mut n = 0;
            for (_, addr) in self.all_matches(query)? {
                let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_error(&self.path))?;
                let document = super::documents::search_document(&doc, &self.fields);
                let mut line = String::new();
                if let Some(index) = bulk_index {
                    line.push_str(&super::documents::bulk_action(index, &document).to_string());
                    line.push('\n');
                }
                line.push_str(&document.to_string());
                line.push('\n');
                out.write_all(line.as_bytes())
                    .map_err(|e| Error::io("(documents)", e))?;
                n += 1;
            }
            Ok(n)
        })
    }

    fn all_matches(&self, query: &str) -> Result<Vec<(String, DocAddress)>, Error> {
        let parsed = self.parse(query)?;
        let searcher = self.reader.searcher();
        let err = tantivy_error(&self.path);
        let addrs = searcher.search(&parsed, &DocSetCollector).map_err(&err)?;
        let mut out = Vec::with_capacity(addrs.len());
        for addr in addrs {
            let doc: TantivyDocument = searcher.doc(addr).map_err(&err)?;
            out.push((
                first_str(&doc, self.fields.id)
                    .unwrap_or_default()
                    .to_owned(),
                addr,
            ));
        }
        out.sort();
        Ok(out)
    }

    fn text_terms(&self, query: &dyn Query) -> HashSet<String> {
        let mut terms = HashSet::new();
        query.query_terms(&mut |term: &Term, _| {
            if term.field() == self.fields.text {
                if let Some(s) = term.value().as_str() {
                    terms.insert(s.to_owned());
                }
            }
        });
        terms
    }

    fn hit(
        &self,
        addr: DocAddress,
        score: Option<f32>,
        terms: &HashSet<String>,
        max_snippets: usize,
    ) -> Result<Hit, Error> {
        let doc: TantivyDocument = self
            .reader
            .searcher()
            .doc(addr)
            .map_err(tantivy_error(&self.path))?;
        let f = &self.fields;
        let all_flags: Vec<String> = doc
            .get_all(f.flag)
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let flags = all_flags
            .iter()
            .filter(|a| {
                !all_flags
                    .iter()
                    .any(|b| b.len() > a.len() && b.starts_with(&format!("{a}/")))
            })
            .cloned()
            .collect();
        let line = first_str(&doc, f.conversation).unwrap_or_default();
        let detections: Vec<Detection> =
            serde_json::from_str(first_str(&doc, f.detections).unwrap_or("[]")).unwrap_or_default();
        let conv = parse_stored(line).ok_or_else(|| Error::Index {
            path: self.path.clone(),
            message: format!("stored conversation of document {addr:?} is unreadable"),
        })?;
        Ok(Hit {
            id: conv.id.to_string(),
            channel: conv.channel.as_str().to_owned(),
            opened_at: conv.opened_at.map(|t| t.to_string()),
            score,
            flags,
            snippets: snippets(&conv, &detections, terms, max_snippets),
        })
    }

    fn facets(&self, query: &dyn Query) -> Result<FacetCounts, Error> {
        let searcher = self.reader.searcher();
        let err = tantivy_error(&self.path);
        // A facet collector counts the direct children of its facet, and one collector
        // may not hold a facet and its descendant: one collector per inner node.
        let count = |q: &dyn Query| -> Result<BTreeMap<String, u64>, Error> {
            let mut multi = MultiCollector::new();
            let handles: Vec<_> = PARENTS
                .iter()
                .map(|p| {
                    let mut c = FacetCollector::for_field("flags");
                    c.add_facet(facet_of(p).as_str());
                    multi.add_collector(c)
                })
                .collect();
            let mut fruits = searcher.search(q, &multi).map_err(&err)?;
            let mut out = BTreeMap::new();
            for (p, handle) in PARENTS.iter().zip(handles) {
                let counts = handle.extract(&mut fruits);
                for (facet, n) in counts.get(facet_of(p).as_str()) {
                    let path = facet.to_path_string();
                    out.insert(path.trim_start_matches("/flag/").to_owned(), n);
                }
            }
            Ok(out)
        };
        let mut result = FacetCounts {
            total: count(query)?,
            by_channel: BTreeMap::new(),
        };
        for ch in Channel::ALL {
            let term = Term::from_field_text(self.fields.channel, ch.as_str());
            let q = BooleanQuery::new(vec![
                (Occur::Must, query.box_clone()),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                ),
            ]);
            let counts = count(&q)?;
            if !counts.is_empty() {
                result.by_channel.insert(ch.as_str().to_owned(), counts);
            }
        }
        Ok(result)
    }
}

/// Deepest nesting [`IndexSearcher::parse`] accepts. The query parser recurses once per
/// level (and a few frames per `NOT`): a few hundred levels overflow the stack, while a
/// real query rarely goes beyond three.
pub const MAX_NESTING: usize = 32;

/// Where `query` first goes deeper than [`MAX_NESTING`], if it does: the byte offset of
/// the parenthesis or operator too many. The depth counts open parentheses and, at each
/// level, the prefix operators (`NOT`, `-`, `+`) not yet followed by their operand;
/// quoted phrases are skipped.
fn too_deep(query: &str) -> Option<usize> {
    // Pending prefix operators, one entry per open parenthesis (and the top level).
    let mut levels: Vec<usize> = vec![0];
    let depth = |levels: &[usize]| levels.len() - 1 + levels.iter().sum::<usize>();
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b if b.is_ascii_whitespace() => i += 1,
            b'(' => {
                levels.push(0);
                i += 1;
            }
            b')' => {
                if levels.len() > 1 {
                    levels.pop();
                }
                *levels.last_mut().expect("top level") = 0;
                i += 1;
            }
            b'-' | b'+' => {
                *levels.last_mut().expect("top level") += 1;
                i += 1;
            }
            b'"' => {
                i = phrase_end(bytes, i);
                *levels.last_mut().expect("top level") = 0;
            }
            _ => {
                while i < bytes.len() && !is_boundary(bytes[i]) {
                    i += 1;
                }
                let pending = levels.last_mut().expect("top level");
                if &query[start..i] == "NOT" {
                    *pending += 1;
                } else {
                    *pending = 0;
                }
            }
        }
        if depth(&levels) > MAX_NESTING {
            return Some(start);
        }
    }
    None
}

fn is_boundary(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'(' | b')' | b'"')
}

/// The offset after the phrase opened by the quote at `open` (backslash escapes skipped),
/// or the end of the query when it is not closed.
fn phrase_end(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The facet form `flag:/flag/x` would read as a regular expression (`/flag/`), so the
/// prefix is removed before parsing. Returns the query and the offsets (in the original)
/// where a prefix was removed, to map error positions back.
fn strip_facet_prefixes(query: &str) -> (String, Vec<usize>) {
    const PREFIX: &str = "flag:/flag/";
    let mut out = String::with_capacity(query.len());
    let mut removed = Vec::new();
    let mut rest = query;
    let mut consumed = 0;
    while let Some(i) = rest.find(PREFIX) {
        out.push_str(&rest[..i + "flag:".len()]);
        removed.push(consumed + i + "flag:".len());
        consumed += i + PREFIX.len();
        rest = &rest[i + PREFIX.len()..];
    }
    out.push_str(rest);
    (out, removed)
}

/// Maps a byte position of the stripped query back to the query as typed.
fn original_position(pos: usize, removed: &[usize]) -> usize {
    let removed_len = "/flag/".len();
    let mut shift = 0;
    for &at in removed {
        if at <= pos + shift {
            shift += removed_len;
        }
    }
    pos + shift
}

fn facet_of(parent: &str) -> String {
    if parent.is_empty() {
        "/flag".to_owned()
    } else {
        format!("/flag/{parent}")
    }
}

fn id_key_column(seg: &SegmentReader) -> tantivy::columnar::Column<u64> {
    seg.fast_fields()
        .u64("id_key")
        .unwrap_or_else(|_| tantivy::columnar::Column::build_empty_column(seg.max_doc()))
}

fn opened_column(seg: &SegmentReader) -> Option<tantivy::columnar::Column<tantivy::DateTime>> {
    seg.fast_fields().date("opened").ok()
}

fn first_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<&str> {
    doc.get_first(field).and_then(|v| v.as_str())
}

/// Parses a stored conversation line (written by the indexer, so already in event order).
pub fn parse_stored(line: &str) -> Option<Conversation<'_>> {
    match parse_line(line.as_bytes(), SourcePos::default(), &mut Vec::new()) {
        Ok(Line::Conversation(conv, _)) => Some(conv),
        _ => None,
    }
}

/// The snippets of one conversation: messages with query matches or detections, in event
/// order, at most `max`. Linear in the events and detections (one sort of the detections).
pub fn snippets(
    conv: &Conversation<'_>,
    detections: &[Detection],
    terms: &HashSet<String>,
    max: usize,
) -> Vec<Snippet> {
    let mut analyzer = text_analyzer();
    let mut out = Vec::new();
    // Detections in event order, walked once alongside the events.
    let mut by_event: Vec<&Detection> = detections.iter().collect();
    by_event.sort_by_key(|d| d.event);
    let mut next = 0;
    for (i, e) in conv.events.iter().enumerate() {
        if out.len() >= max {
            break;
        }
        let first = next;
        while next < by_event.len() && by_event[next].event <= i {
            next += 1;
        }
        if e.text.is_empty() {
            continue;
        }
        let mut spans = Vec::new();
        if !terms.is_empty() {
            let mut stream = analyzer.token_stream(&e.text);
            while let Some(t) = stream.next() {
                if terms.contains(&t.text) {
                    spans.push(Span {
                        start: t.offset_from,
                        end: t.offset_to,
                        kind: SpanKind::Match,
                        label: None,
                    });
                }
            }
        }
        for d in by_event[first..next].iter().filter(|d| d.event == i) {
            if d.start <= d.end && d.end <= e.text.len() {
                spans.push(Span {
                    start: d.start,
                    end: d.end,
                    kind: SpanKind::Flag,
                    label: Some(format!("{}/{}", d.detector, d.label)),
                });
            }
        }
        if spans.is_empty() {
            continue;
        }
        spans.sort();
        out.push(Snippet {
            event: i,
            role: e.role.as_str().to_owned(),
            marked: marked_window(&e.text, &spans),
            text: e.text.to_string(),
            spans,
        });
    }
    out
}

/// Longest text shown whole in `marked`; longer texts show a window around the first span.
const WINDOW: usize = 240;

/// The text (or a window of it) with matches wrapped in `[…]` and flags in `«…»`.
pub fn marked_window(text: &str, spans: &[Span]) -> String {
    let (mut from, mut to) = (0, text.len());
    if text.len() > WINDOW {
        let first = spans.first().map_or(0, |s| s.start);
        from = first.saturating_sub(WINDOW / 3);
        to = (from + WINDOW).min(text.len());
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        while !text.is_char_boundary(to) {
            to += 1;
        }
    }
    // Overlapping spans are merged for marking; a merged span is a flag if any part is.
    let mut merged: Vec<(usize, usize, SpanKind)> = Vec::new();
    for s in spans.iter().filter(|s| s.start >= from && s.end <= to) {
        match merged.last_mut() {
            Some(last) if s.start < last.1 => {
                last.1 = last.1.max(s.end);
                last.2 = last.2.max(s.kind);
            }
            _ => merged.push((s.start, s.end, s.kind)),
        }
    }
    let mut out = String::with_capacity(to - from + 16);
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    for (s, e, kind) in merged {
        out.push_str(&text[at..s]);
        let (open, close) = match kind {
            SpanKind::Match => ('[', ']'),
            SpanKind::Flag => ('«', '»'),
        };
        out.push(open);
        out.push_str(&text[s..e]);
        out.push(close);
        at = e;
    }
    out.push_str(&text[at..to]);
    if to < text.len() {
        out.push('…');
    }
    out
}

/// Rewrites friendly field values into what tantivy expects.
fn rewrite(ast: UserInputAst) -> Result<UserInputAst, String> {
    Ok(match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, a)| rewrite(a).map(|a| (occur, a)))
                .collect::<Result<_, _>>()?,
        ),
        UserInputAst::Boost(a, b) => UserInputAst::Boost(Box::new(rewrite(*a)?), b),
        UserInputAst::Leaf(leaf) => UserInputAst::Leaf(Box::new(rewrite_leaf(*leaf)?)),
    })
}

fn canonical_field(name: &str) -> &str {
    match name {
        "flags" => "flag",
        "tags" => "tag",
        "agents" => "agent",
        "date" => "opened",
        other => other,
    }
}

fn normalise_value(field: &str, value: &str) -> String {
    match field {
        "flag" => normalise_query_flag(value),
        "channel" => Channel::parse(value)
            .map_or_else(|| value.to_ascii_lowercase(), |c| c.as_str().to_owned()),
        _ => value.to_owned(),
    }
}

fn rewrite_leaf(leaf: UserInputLeaf) -> Result<UserInputLeaf, String> {
    Ok(match leaf {
        UserInputLeaf::Literal(mut lit) => {
            let Some(field) = lit.field_name.take() else {
                return Ok(UserInputLeaf::Literal(lit));
            };
            let field = canonical_field(&field).to_owned();
            if DATE_FIELDS.contains(&field.as_str()) {
                let (start, end) = period(&lit.phrase)?;
                return Ok(UserInputLeaf::Range {
                    field: Some(field),
                    lower: UserInputBound::Inclusive(start.to_string()),
                    upper: UserInputBound::Exclusive(end.to_string()),
                });
            }
            lit.phrase = normalise_value(&field, &lit.phrase);
            lit.field_name = Some(field);
            UserInputLeaf::Literal(lit)
        }
        UserInputLeaf::Range {
            field: Some(field),
            lower,
            upper,
        } => {
            let field = canonical_field(&field).to_owned();
            if DATE_FIELDS.contains(&field.as_str()) {
                UserInputLeaf::Range {
                    field: Some(field),
                    lower: date_bound(lower, true)?,
                    upper: date_bound(upper, false)?,
                }
            } else {
                UserInputLeaf::Range {
                    field: Some(field),
                    lower,
                    upper,
                }
            }
        }
        UserInputLeaf::Set {
            field: Some(field),
            elements,
        } => {
            let field = canonical_field(&field).to_owned();
            let elements = elements
                .iter()
                .map(|e| normalise_value(&field, e))
                .collect();
            UserInputLeaf::Set {
                field: Some(field),
                elements,
            }
        }
        other => other,
    })
}

/// `2024-01-15` → that day; `2024-01` → that month; a full RFC 3339 instant → that instant
/// (as a one-millisecond period).
fn period(s: &str) -> Result<(Timestamp, Timestamp), String> {
    let bad = || format!("{s:?} is not a date (YYYY-MM-DD, YYYY-MM, or RFC 3339)");
    if let Ok(t) = Timestamp::parse(s) {
        return Ok((t, Timestamp(t.0 + 1)));
    }
    let parts: Vec<&str> = s.split('-').collect();
    let num = |p: &str| p.parse::<u32>().map_err(|_| bad());
    match parts.as_slice() {
        [y, m] if y.len() == 4 && m.len() == 2 => {
            let (y, m) = (num(y)? as i64, num(m)?);
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            Ok((
                Timestamp::from_civil(y, m, 1, 0, 0, 0),
                Timestamp::from_civil(next.0, next.1, 1, 0, 0, 0),
            ))
        }
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            let (y, m, d) = (num(y)? as i64, num(m)?, num(d)?);
            if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
                return Err(bad());
            }
            let start = Timestamp::from_civil(y, m, d, 0, 0, 0);
            Ok((start, Timestamp(start.0 + 86_400_000)))
        }
        _ => Err(bad()),
    }
}

/// A date bound: an inclusive lower day starts at midnight, an inclusive upper day ends at
/// the next midnight (exclusive), an exclusive lower day starts after it.
fn date_bound(b: UserInputBound, lower: bool) -> Result<UserInputBound, String> {
    Ok(match b {
        UserInputBound::Unbounded => UserInputBound::Unbounded,
        UserInputBound::Inclusive(s) if s == "*" => {
            let _ = s;
            UserInputBound::Unbounded
        }
        UserInputBound::Inclusive(s) => {
            let (start, end) = period(&s)?;
            if lower {
                UserInputBound::Inclusive(start.to_string())
            } else {
                UserInputBound::Exclusive(end.to_string())
            }
        }
        UserInputBound::Exclusive(s) => {
            let (start, end) = period(&s)?;
            if lower {
                UserInputBound::Inclusive(end.to_string())
            } else {
                UserInputBound::Exclusive(start.to_string())
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_prefixes_are_stripped_and_positions_map_back() {
        let q = "flag:/flag/handoff AND flag:/flag/ack/failure (";
        let (s, removed) = strip_facet_prefixes(q);
        assert_eq!(s, "flag:handoff AND flag:ack/failure (");
        assert_eq!(removed, [5, 28]);
        // The "(" is at 34 in the stripped query and 46 in the original (two × 6 bytes).
        assert_eq!(original_position(34, &removed), 46);
        assert_eq!(original_position(3, &removed), 3);
        assert_eq!(strip_facet_prefixes("refund").0, "refund");
    }

    #[test]
    fn nesting_depth_counts_parentheses_and_prefix_operators() {
        let parens = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(too_deep(&parens(MAX_NESTING)), None);
        // The 33rd "(" is at byte 32.
        assert_eq!(too_deep(&parens(MAX_NESTING + 1)), Some(32));
        // "NOT " is 4 bytes: the 33rd NOT starts at 32 × 4 = 128.
        assert_eq!(too_deep(&format!("{}a", "NOT ".repeat(40))), Some(128));
        // Each "-(" is two levels: the 17th "-" (byte 32) reaches 33.
        assert_eq!(too_deep(&format!("{}a", "-(".repeat(20))), Some(32));
        // Operands end the pending operators, closed groups end their level, and quoted
        // parentheses do not count.
        assert_eq!(too_deep(&"NOT a AND ".repeat(100)), None);
        assert_eq!(too_deep(&"(a) AND ".repeat(100)), None);
        assert_eq!(too_deep(&format!("\"{}\" a", "(".repeat(100))), None);
        assert_eq!(too_deep("text:\"a \\\" ((((\" b"), None);
    }

    #[test]
    fn periods_of_days_months_and_instants() {
        let day = period("2024-02-29").unwrap();
        assert_eq!(day.0.to_string(), "2024-02-29T00:00:00Z");
        assert_eq!(day.1.to_string(), "2024-03-01T00:00:00Z");
        let month = period("2024-12").unwrap();
        assert_eq!(month.1.to_string(), "2025-01-01T00:00:00Z");
        assert!(period("2024-13").is_err());
        assert!(period("yesterday").is_err());
    }

    #[test]
    fn inclusive_upper_day_covers_the_whole_day() {
        let upper = date_bound(UserInputBound::Inclusive("2024-01-31".into()), false).unwrap();
        assert_eq!(
            upper,
            UserInputBound::Exclusive("2024-02-01T00:00:00Z".into())
        );
        let lower = date_bound(UserInputBound::Exclusive("2024-01-31".into()), true).unwrap();
        assert_eq!(
            lower,
            UserInputBound::Inclusive("2024-02-01T00:00:00Z".into())
        );
    }

    #[test]
    fn marks_matches_and_flags_and_windows_long_text() {
        let text = "please explain that again, I want a refund";
        let spans = vec![
            Span {
                start: 0,
                end: 25,
                kind: SpanKind::Flag,
                label: Some("rephrase/customer".into()),
            },
            Span {
                start: 36,
                end: 42,
                kind: SpanKind::Match,
                label: None,
            },
        ];
        assert_eq!(
            marked_window(text, &spans),
            "«please explain that again», I want a [refund]"
        );
        let long = format!("{}refund{}", "a ".repeat(200), " b".repeat(200));
        // "refund" starts at 400; the window starts 80 bytes before it.
        let spans = vec![Span {
            start: 400,
            end: 406,
            kind: SpanKind::Match,
            label: None,
        }];
        let m = marked_window(&long, &spans);
        assert!(m.starts_with('…') && m.ends_with('…'));
        assert!(m.contains("[refund]"));
    }
}
