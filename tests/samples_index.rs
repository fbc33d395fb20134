//! The shipped samples, indexed and searched through the binary: exact id sets for
//! representative QA queries, re-indexing without duplicates, and an export round trip.
//!
//! The expected sets were worked out from the sample files independently of the index:
//! flags and numbers from the per-conversation facts (`analyze --facts`), text queries by
//! reading the messages (`refund` also finds `refunds`/`refunded` through stemming), dates
//! from `opened_at`. Any change in a detector, the flag vocabulary or the query rewriting
//! shows up here.

mod util;

use std::path::Path;
use std::sync::OnceLock;

use util::{TempTree, cxmine};

/// One index of `samples/` shared by the read-only tests.
fn samples_index() -> &'static str {
    static INDEX: OnceLock<(TempTree, String)> = OnceLock::new();
    let (_tree, dir) = INDEX.get_or_init(|| {
        let tree = TempTree::new();
        let dir = tree.path("idx");
        let run = cxmine(&["index", "samples/", "--index", &dir, "-q"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        (tree, dir)
    });
    dir
}

/// The sorted ids of every hit of `query` in the index at `dir`.
fn ids(dir: &str, query: &str) -> Vec<String> {
    let run = cxmine(&[
        "search", query, "--index", dir, "--format", "json", "--limit", "1000",
    ]);
    assert_eq!(run.code, 0, "{query}: {}", run.stderr);
    let out = run.json();
    let mut ids: Vec<String> = out["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(out["total"], ids.len(), "{query}: limit cut the hits");
    ids.sort();
    ids
}

#[test]
fn representative_queries_return_exact_ids_over_the_samples() {
    let dir = samples_index();
    let cases: &[(&str, &[&str])] = &[
        // Detector flags.
        (
            "flag:rephrase/customer",
            &[
                "chat-009",
                "community-004",
                "email-006",
                "email-007",
                "phone-004",
                "sms-101",
            ],
        ),
        // Failure verdicts after answers without a solution phrase too (community-008 "no difference", email-004 "Still not working").
        (
            "flag:ack/failure",
            &[
                "chat-006",
                "chat-010",
                "community-008",
                "community-009",
                "email-004",
                "email-008",
                "sms-009",
                "social-012",
            ],
        ),
        // chat-002: "I ALREADY gave it" after the transfer is a pointer repetition.
        (
            "flag:repeated_id/after_handoff",
            &["chat-002", "social-005"],
        ),
        (
            "flag:solution_used",
            &[
                "community-001",
                "community-002",
                "community-003",
                "community-004",
                "community-006",
                "community-009",
                "community-011",
                "phone-007",
            ],
        ),
        // Structural flags and channels.
        ("flag:reopened", &["chat-012", "email-009", "social-012"]),
        (
            "channel:sms flag:unresolved",
            &[
                "sms-001", "sms-003", "sms-004", "sms-008", "sms-011", "sms-013", "sms-014",
            ],
        ),
        (
            "channel:phone transfers:>=1",
            &[
                "phone-001",
                "phone-002",
                "phone-003",
                "phone-006",
                "phone-007",
                "phone-010",
            ],
        ),
        (
            "tag:billing channel:email",
            &["email-001", "email-006", "email-011", "email-013"],
        ),
        // Dates: a month, and an inclusive day range combined with a channel and a flag.
        (
            "opened:2024-02",
            &[
                "chat-009",
                "chat-010",
                "chat-011",
                "chat-012",
                "chat-101",
                "community-004",
                "community-005",
                "community-006",
                "community-007",
                "email-005",
                "email-006",
                "email-007",
                "email-008",
                "email-009",
                "phone-005",
                "phone-007",
                "phone-008",
                "sms-005",
                "sms-006",
                "sms-007",
                "sms-008",
                "sms-010",
                "social-004",
                "social-005",
                "social-006",
                "social-007",
                "social-009",
            ],
        ),
        (
            "channel:chat opened:[2024-01-01 TO 2024-01-31] flag:transfer",
            &["chat-001", "chat-002", "chat-004", "chat-005", "chat-006"],
        ),
        // Sentiment ranges.
        // chat-005: the outage answer is followed by "THIS IS RIDICULOUS" (soured).
        (
            "shift:<0",
            &[
                "chat-005",
                "chat-010",
                "community-009",
                "community-010",
                "email-004",
                "social-006",
            ],
        ),
        // Read from the facts: sentiment_before < 0 and shift = recovered (answers are solution candidates, complaints stated as facts are negative).
        (
            "before:<0 flag:shift/recovered",
            &[
                "chat-001",
                "chat-002",
                "chat-006",
                "chat-007",
                "chat-009",
                "chat-011",
                "chat-012",
                "community-002",
                "community-003",
                "email-003",
                "email-006",
                "email-013",
                "email-101",
                "phone-004",
                "phone-007",
                "phone-008",
                "phone-011",
                "phone-101",
                "sms-005",
                "sms-007",
                "sms-101",
                "social-004",
                "social-008",
                "social-010",
            ],
        ),
        // Read from the facts: sentiment_after >= 0.5 on community threads.
        (
            "after:>=0.5 channel:community",
            &[
                "community-001",
                "community-003",
                "community-006",
                "community-011",
            ],
        ),
        // Text: stemming, phrases, terms ANDed, text with a flag.
        (
            "refund",
            &[
                "chat-002",
                "email-003",
                "email-006",
                "phone-006",
                "social-005",
            ],
        ),
        (
            "\"not working\"",
            &["community-009", "email-004", "phone-002"],
        ),
        ("password reset", &["chat-010"]),
        (
            "refund flag:handoff",
            &["chat-002", "email-003", "phone-006", "social-005"],
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(query, want)| {
            let got = ids(dir, query);
            (got != *want).then(|| format!("query {query}: want {want:?}, got {got:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn reindexing_the_samples_keeps_one_copy_of_each_and_export_round_trips() {
    let tree = TempTree::new();
    let idx = tree.path("idx");
    for _ in 0..2 {
        let run = cxmine(&["index", "samples/", "--index", &idx, "-q"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let all = ids(&idx, "*");
    assert_eq!(all.len(), 80);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "duplicate ids");

    // Export everything with identifiers kept, index the export, get the same answers.
    let keep = tree.path("keep");
    let run = cxmine(&["index", "samples/", "--index", &keep, "--keep-pii", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let export = tree.path("export.jsonl");
    let run = cxmine(&["search", "*", "--index", &keep, "--export", &export]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let again = tree.path("again");
    let run = cxmine(&["index", &export, "--index", &again, "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for query in [
        "*",
        "flag:handoff",
        "flag:rephrase",
        "refund",
        "opened:2024-03",
        "shift:>0",
    ] {
        assert_eq!(ids(&keep, query), ids(&again, query), "query {query}");
    }
    // The exported file analyses to the same facts as the samples.
    let facts = |input: &str| {
        let out = tree.path(&format!("facts-{}", input.len()));
        let run = cxmine(&["analyze", input, "--facts", &out, "-q"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut lines: Vec<String> = std::fs::read_to_string(Path::new(&out))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(facts("samples/"), facts(&export));
}

#[test]
fn snippets_mark_the_detections_of_the_analysis_pass() {
    let run = cxmine(&[
        "search",
        "id:email-008",
        "--index",
        samples_index(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hit = &run.json()["hits"][0];
    let snippet = hit["snippets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["event"] == 3)
        .expect("the customer's verdict");
    // "Tried both. Didn't help, still 30-40 in the evening.": the verdict is bytes 12..23;
    // "Tried" (0..5) and "still" (29..34) are complaint terms of the sentiment lexicon.
    let spans = snippet["spans"].as_array().unwrap();
    assert!(spans.contains(
        &serde_json::json!({"start": 12, "end": 23, "kind": "flag", "label": "acknowledgement/failure"})
    ));
    assert!(spans.contains(
        &serde_json::json!({"start": 0, "end": 5, "kind": "flag", "label": "sentiment/negative"})
    ));
    assert_eq!(
        snippet["marked"],
        "«Tried» both. «Didn't help», «still» 30-40 in the evening."
    );
}
