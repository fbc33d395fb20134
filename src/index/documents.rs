//! Search documents for engines run at scale: one flat JSON object per conversation,
//! built from an index's stored fields, for Quickwit (`scale/quickwit/index.yaml`) and
//! Elasticsearch or OpenSearch (`scale/elasticsearch/mapping.json`, `_bulk` form).
//!
//! Invariants:
//! - a document holds only what the index stores, so identifiers are masked and customer
//!   ids and agents are keyed tokens exactly as in the index (unless it was built with
//!   `--keep-pii`);
//! - every field is a keyword, a number, an RFC 3339 date or an array of one of those, with
//!   the names and types of the shipped configurations (`tests/search_documents.rs` checks
//!   every exported document against both);
//! - highlights are parallel arrays (`highlight_message[i]`, `highlight_start[i]`, …): the
//!   i-th detector hit lies in `text[highlight_message[i]]`, at the byte offsets
//!   `highlight_start[i]..highlight_end[i]` of the masked text. Flat arrays keep the
//!   document valid for engines without nested objects.

use serde_json::{Map, Value, json};
use tantivy::TantivyDocument;
use tantivy::schema::{Field, Value as _};

use super::schema::{COUNT_FIELDS, Fields, REAL_FIELDS, SURVEY_FIELDS};
use super::search::parse_stored;
use crate::detect::Detection;
use crate::time::Timestamp;

/// The search document of one stored index document.
pub fn search_document(doc: &TantivyDocument, f: &Fields) -> Value {
    let mut m = Map::new();
    let strings = |field: Field| -> Vec<Value> {
        doc.get_all(field)
            .filter_map(|v| v.as_str().map(|s| json!(s)))
            .collect()
    };
    let one = |m: &mut Map<String, Value>, name: &str, field: Field| {
        if let Some(s) = doc.get_first(field).and_then(|v| v.as_str()) {
            m.insert(name.into(), json!(s));
        }
    };
    one(&mut m, "id", f.id);
    one(&mut m, "channel", f.channel);
    one(&mut m, "customer", f.customer);
    one(&mut m, "team", f.team);
    one(&mut m, "severity", f.severity);
    m.insert("agents".into(), Value::Array(strings(f.agent)));
    m.insert("tags".into(), Value::Array(strings(f.tag)));
    m.insert("flags".into(), Value::Array(strings(f.flag)));
    for (name, field) in [("opened", f.opened), ("resolved", f.resolved)] {
        if let Some(t) = doc.get_first(field).and_then(|v| v.as_datetime()) {
            let at = Timestamp(t.into_timestamp_millis());
            m.insert(name.into(), json!(at.to_string()));
        }
    }
    let numbers = COUNT_FIELDS
        .iter()
        .zip(&f.counts)
        .chain(SURVEY_FIELDS.iter().zip(&f.surveys));
    for (name, field) in numbers {
        if let Some(n) = doc.get_first(*field).and_then(|v| v.as_u64()) {
            m.insert((*name).into(), json!(n));
        }
    }
    for (name, field) in REAL_FIELDS.iter().zip(&f.reals) {
        if let Some(x) = doc.get_first(*field).and_then(|v| v.as_f64()) {
            m.insert((*name).into(), json!(x));
        }
    }
    let line = doc
        .get_first(f.conversation)
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let detections: Vec<Detection> = doc
        .get_first(f.detections)
        .and_then(|v| v.as_str())
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let (text, highlights) = texts_and_highlights(line, &detections);
    m.insert("text".into(), json!(text));
    for (name, values) in highlights {
        m.insert(name.into(), Value::Array(values));
    }
    Value::Object(m)
}

/// The message texts of a stored conversation line, and the highlight arrays of its
/// detections (those on a message, in event then offset order).
fn texts_and_highlights(line: &str, detections: &[Detection]) -> (Vec<String>, HighlightArrays) {
    let mut arrays: HighlightArrays = HIGHLIGHT_FIELDS.map(|name| (name, Vec::new()));
    let Some(conv) = parse_stored(line) else {
        return (Vec::new(), arrays);
    };
    // Event index → message index (position in `text`).
    let mut message_of = vec![None; conv.events.len()];
    let mut text = Vec::new();
    for (i, e) in conv.messages() {
        message_of[i] = Some(text.len());
        text.push(e.text.to_string());
    }
    let mut hits: Vec<&Detection> = detections.iter().collect();
    hits.sort_by_key(|d| (d.event, d.start, d.end));
    for d in hits {
        let Some(Some(message)) = message_of.get(d.event) else {
            continue;
        };
        let values = [
            json!(message),
            json!(d.start),
            json!(d.end),
            json!(d.detector),
            json!(d.label),
            json!(d.rule),
        ];
        for ((_, array), v) in arrays.iter_mut().zip(values) {
            array.push(v);
        }
    }
    (text, arrays)
}

/// Names of the parallel highlight arrays, in the order their values are pushed.
pub const HIGHLIGHT_FIELDS: [&str; 6] = [
    "highlight_message",
    "highlight_start",
    "highlight_end",
    "highlight_detector",
    "highlight_label",
    "highlight_rule",
];

type HighlightArrays = [(&'static str, Vec<Value>); 6];

/// The `_bulk` action line that precedes a document in Elasticsearch's bulk form.
pub fn bulk_action(index: &str, doc: &Value) -> Value {
    let id = doc.get("id").cloned().unwrap_or(Value::Null);
    json!({"index": {"_index": index, "_id": id}})
}
