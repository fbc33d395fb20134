//! Search documents (`cxmine search … --documents`): every exported document fits the
//! shipped Quickwit index config (`scale/quickwit/index.yaml`) and Elasticsearch mapping
//! (`scale/elasticsearch/mapping.json`) — field names, types, date formats — its
//! highlights point into its texts, and identifiers are masked in it.

mod util;

use serde_json::Value;
use std::collections::BTreeMap;
use util::{TempTree, cxmine};

/// A conversation full of identifiers, beside the samples.
const PII: &str = r#"{"id": "pii-1", "channel": "chat", "customer_id": "C7001", "opened_at": "2024-03-01T10:00:00Z", "events": [{"ts": "2024-03-01T10:00:00Z", "type": "message", "role": "customer", "author": "Jane Roe", "text": "My account number is 12345678, mail jane.roe@example.com, phone +44 7700 900123"}, {"ts": "2024-03-01T10:01:30.250Z", "type": "message", "role": "agent", "author": "Sam", "text": "Thanks, I have found account 12345678."}, {"ts": "2024-03-01T10:05:00Z", "type": "resolve", "role": "agent"}]}"#;

/// Builds an index of the samples and `PII`, and exports its search documents (with
/// `--bulk-index`, in `_bulk` form).
fn export(tree: &TempTree, bulk_index: Option<&str>) -> String {
    tree.write("pii.jsonl", format!("{PII}\n"));
    let index = tree.path("idx");
    if !std::path::Path::new(&index).exists() {
        let run = cxmine(&[
            "analyze",
            "samples",
            &tree.path("pii.jsonl"),
            "--index",
            &index,
            "--quiet",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let out = tree.path("docs.ndjson");
    let mut args = vec!["search", "*", "--index", &index, "--limit", "0"];
    args.extend(["--documents", &out]);
    if let Some(name) = bulk_index {
        args.extend(["--bulk-index", name]);
    }
    let run = cxmine(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::read_to_string(&out).unwrap()
}

/// Field name → (type, date input formats) from the Quickwit config: each field is a
/// `- name:` line followed by its `type:` line.
fn quickwit_fields() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string("scale/quickwit/index.yaml").unwrap();
    let mut fields = BTreeMap::new();
    let mut name = None;
    for line in text.lines().map(str::trim) {
        if let Some(n) = line.strip_prefix("- name: ") {
            name = Some(n.to_owned());
        } else if let (Some(t), Some(n)) = (line.strip_prefix("type: "), name.take()) {
            fields.insert(n, t.to_owned());
        } else if let Some(f) = line.strip_prefix("input_formats: ") {
            assert_eq!(f, "[rfc3339]", "dates are written as RFC 3339");
        }
    }
    fields
}

/// Field name → mapping of the Elasticsearch mapping.
fn elasticsearch_fields() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string("scale/elasticsearch/mapping.json").unwrap();
    let mapping: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(mapping["mappings"]["dynamic"], "strict");
    mapping["mappings"]["properties"]
        .as_object()
        .unwrap()
        .clone()
}

/// `2024-03-01T10:01:30Z` or with milliseconds, `2024-03-01T10:01:30.250Z`: what both
/// `rfc3339` (Quickwit) and `strict_date_optional_time` (Elasticsearch) read.
fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b[i].is_ascii_digit());
    let base = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    base && (b.len() == 20 && b[19] == b'Z'
        || b.len() == 24 && b[19] == b'.' && digits(20..23) && b[23] == b'Z')
}

/// Whether `v` is a value of the Quickwit type `t`.
fn fits_quickwit(t: &str, v: &Value) -> bool {
    if let Some(inner) = t.strip_prefix("array<").and_then(|r| r.strip_suffix('>')) {
        return v
            .as_array()
            .is_some_and(|a| a.iter().all(|x| fits_quickwit(inner, x)));
    }
    match t {
        "text" => v.is_string(),
        "u64" => v.is_u64(),
        "f64" => v.is_f64() || v.is_i64() || v.is_u64(),
        "datetime" => v.as_str().is_some_and(is_rfc3339_utc),
        _ => panic!("type {t} is not checked here"),
    }
}

/// Whether `v` (a value or an array of values) fits the Elasticsearch mapping `m`.
fn fits_elasticsearch(m: &Value, v: &Value) -> bool {
    let one = |x: &Value| match m["type"].as_str().unwrap() {
        "keyword" | "text" => x.is_string(),
        "long" => x.is_i64() || x.is_u64(),
        "integer" => x.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        "double" => x.is_number(),
        "date" => {
            assert_eq!(m["format"], "strict_date_optional_time");
            x.as_str().is_some_and(is_rfc3339_utc)
        }
        t => panic!("type {t} is not checked here"),
    };
    match v.as_array() {
        Some(a) => a.iter().all(one),
        None => one(v),
    }
}

#[test]
fn every_document_fits_the_quickwit_config_and_the_elasticsearch_mapping() {
    let tree = TempTree::new();
    let docs: Vec<Value> = export(&tree, None)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 80 sample conversations and the one of PII.
    assert_eq!(docs.len(), 81);
    let quickwit = quickwit_fields();
    let elastic = elasticsearch_fields();
    let names: Vec<&String> = quickwit.keys().collect();
    assert_eq!(
        names,
        elastic.keys().collect::<Vec<_>>(),
        "the two configs name the same fields"
    );
    for doc in &docs {
        for (name, value) in doc.as_object().unwrap() {
            let t = quickwit
                .get(name)
                .unwrap_or_else(|| panic!("{name} is not in index.yaml"));
            assert!(
                fits_quickwit(t, value),
                "{name}: {value} is not a Quickwit {t} in {}",
                doc["id"]
            );
            let m = &elastic[name];
            assert!(
                fits_elasticsearch(m, value),
                "{name}: {value} does not fit {m} in {}",
                doc["id"]
            );
        }
        // Highlights: parallel arrays, each span inside its message, on char boundaries.
        let text = doc["text"].as_array().unwrap();
        let column = |n: &str| doc[n].as_array().unwrap().clone();
        let (message, start, end) = (
            column("highlight_message"),
            column("highlight_start"),
            column("highlight_end"),
        );
        for n in ["highlight_detector", "highlight_label", "highlight_rule"] {
            assert_eq!(column(n).len(), message.len(), "{n} in {}", doc["id"]);
        }
        for ((m, s), e) in message.iter().zip(&start).zip(&end) {
            let t = text[m.as_u64().unwrap() as usize].as_str().unwrap();
            let (s, e) = (s.as_u64().unwrap() as usize, e.as_u64().unwrap() as usize);
            assert!(
                s <= e && t.get(s..e).is_some(),
                "{s}..{e} outside {t:?} in {}",
                doc["id"]
            );
        }
    }
}

#[test]
fn documents_mask_identifiers_and_carry_the_detector_flags() {
    let tree = TempTree::new();
    let text = export(&tree, None);
    for raw in [
        "12345678",
        "jane.roe@example.com",
        "7700 900123",
        "C7001",
        "Jane Roe",
    ] {
        assert!(!text.contains(raw), "{raw} is in the documents");
    }
    let doc: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|d| d["id"] == "pii-1")
        .unwrap();
    let texts = doc["text"].as_array().unwrap();
    assert_eq!(texts.len(), 2);
    assert!(texts[0].as_str().unwrap().contains("•••"), "{}", texts[0]);
    assert!(doc["customer"].as_str().unwrap().starts_with("anon-"));
    assert_eq!(doc["opened"], "2024-03-01T10:00:00Z");
    assert_eq!(doc["resolved"], "2024-03-01T10:05:00Z");
    // Customer message at 10:00:00, first agent reply at 10:01:30.250: 90.25 s.
    assert_eq!(doc["first_response_s"], 90.25);
    assert_eq!(doc["messages"], 2);
    assert_eq!(doc["events"], 3);
    // Resolved, never reopened or transferred, no other contact of C7001: that one flag.
    assert_eq!(
        doc["flags"],
        serde_json::json!(["first_contact_resolution"])
    );
}

#[test]
fn bulk_form_puts_an_action_line_before_every_document() {
    let tree = TempTree::new();
    let text = export(&tree, Some("cx-2024"));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 81 documents, each after its action line.
    assert_eq!(lines.len(), 2 * 81);
    for pair in lines.chunks(2) {
        assert_eq!(pair[0]["index"]["_index"], "cx-2024");
        assert_eq!(pair[0]["index"]["_id"], pair[1]["id"]);
    }
}
