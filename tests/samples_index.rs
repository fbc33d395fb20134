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
                "community-011",
                "email-003",
                "email-006",
                "email-013",
                "email-101",
                "phone-004",
                "phone-007",
                "phone-008",
                "phone-011",
                "phone-101",
                "sms-002",
                "sms-005",
                "sms-006",
                "sms-007",
                "sms-012",
                "sms-101",
                "social-004",
                "social-008",
                "social-010",
            ],
        ),
        // Read from the facts: sentiment_after >= 0.5 on community threads.
        (
            "after:>=0.5 channel:community",
            &["community-001", "community-003", "community-011"],
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

/// Identifier values written in the messages of the samples, each with where it stands
/// (collected by reading the files). Most are bare, with no keyword before them.
const TEXT_IDENTIFIERS: &[(&str, &str)] = &[
    // E-mail addresses.
    ("dana.w@example.com", "chat-002"),
    ("marco.l@example.net", "chat-010"),
    ("mia.k@example.org", "email-003"),
    ("b.otto@example.com", "email-007"),
    ("sara.b@example.com", "sms-002"),
    ("marta.pereira@example.com", "social-005, twice"),
    // Account numbers, given bare or after "account".
    ("4471-2290", "chat-002, twice"),
    ("4471 2290", "phone-006"),
    ("5520-1187", "chat-003"),
    ("3391-0045", "chat-006"),
    ("6610-4432", "chat-011"),
    ("8800-1234", "email-002, and bare in email-010"),
    ("7702-5511", "email-004"),
    ("2219-8870", "email-007"),
    ("9031-2204", "email-013"),
    ("2208 3341", "phone-001"),
    ("5127 0093", "phone-002, twice"),
    ("6073 1150", "phone-010, the second time bare"),
    ("3380 7421", "phone-101 (events/)"),
    ("1180-7734", "sms-002, twice"),
    ("4490-2018", "sms-005"),
    ("3302-6617", "social-001"),
    ("5590-3318", "social-002, social-008"),
    ("7720-1090", "social-007"),
    // Phone numbers, an IBAN, an IMEI, a PUK read out digit by digit, card digits.
    ("0612 345 678", "email-004"),
    ("0699 111 222", "email-010"),
    ("DE89 3704 0044 0532 0130 00", "email-011"),
    ("356938035643809", "chat-101 (events/)"),
    ("4 8 1 2 9 0 3 3", "phone-011"),
    ("ending 8812", "chat-002: the card ending 8812"),
    // Order references.
    ("BL-88213", "email-003, three times"),
    ("BL-90412", "chat-014, three times"),
    ("BL-89930", "phone-005"),
    ("BL-91877", "sms-012"),
    ("BL-87120", "email-101 (events/)"),
];

/// Authors of customer and member messages (social handles, forum names): identity
/// fields, stored as tokens. Some are also written in messages (`@couchpotato` in
/// social-010, `netwizard` in community ratings "rated netwizard's answer").
const AUTHOR_IDENTIFIERS: &[&str] = &[
    "@anon4821",
    "@big_rob",
    "@carla_viaja",
    "@dev_ollie",
    "@emma_r",
    "@fran_codes",
    "@jdoe_runs",
    "@lena_builds",
    "@marta_p",
    "@sophie_m",
    "@tomtom_",
    "benny_r",
    "greta.w",
    "guest_8812",
    "h.bauer",
    "kathrin_s",
    "marlene_k",
    "nightcoder",
    "pixelpapa",
    "quietfox",
    "sardonic_sue",
    "@anna.k",
    "@app_watcher",
    "@couchpotato",
    "@dan_the_man",
    "@gary_t",
    "@grumpyowl",
    "@hollyb",
    "@joey_k",
    "@jules",
    "@kat_h",
    "@miguel.r",
    "@ozzy_77",
    "@petesmith",
    "@rbjones",
    "@sam_codes",
    "@techdad",
    "@trisha",
    "couchpotato",
    "jmb",
    "netwizard",
    "nightowl",
    "tv_guru",
    "uwe_h",
];

/// Customer ids: `C1001` to `C1065` (samples/README.md, "Ids and people").
fn customer_ids() -> Vec<String> {
    (1001..=1065).map(|n| format!("C{n}")).collect()
}

/// Every identifier value of the samples.
fn all_identifiers() -> Vec<String> {
    let text = TEXT_IDENTIFIERS.iter().map(|(v, _)| v.to_string());
    let authors = AUTHOR_IDENTIFIERS.iter().map(|a| a.to_string());
    text.chain(authors).chain(customer_ids()).collect()
}

/// Customer id → sorted conversation ids, from an export.
fn conversations_by_customer(export: &str) -> Vec<Vec<String>> {
    let mut by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in export.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(c) = v["customer_id"].as_str() {
            let ids = by.entry(c.to_string()).or_default();
            ids.push(v["id"].as_str().unwrap().to_string());
        }
    }
    let mut groups: Vec<Vec<String>> = by.into_values().collect();
    groups.iter_mut().for_each(|g| g.sort());
    groups.sort();
    groups
}

#[test]
fn default_index_holds_no_identifier_of_the_samples_and_keep_pii_keeps_them() {
    let tree = TempTree::new();
    let dir = samples_index();
    let values = all_identifiers();
    let mut leaks = Vec::new();
    // Raw bytes of every file of the index: term dictionaries, postings, the store. Values
    // of three bytes are left to the export check (they occur in binary data by chance).
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for v in values.iter().filter(|v| v.len() >= 4) {
            if bytes.windows(v.len()).any(|w| w == v.as_bytes()) {
                leaks.push(format!("{v} in {}", path.display()));
            }
        }
    }
    // The export, decompressed: every field of every conversation.
    let export = tree.path("masked.jsonl");
    let run = cxmine(&["search", "*", "--index", dir, "--export", &export]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let masked = std::fs::read_to_string(&export).unwrap();
    leaks.extend(
        values
            .iter()
            .filter(|v| masked.contains(v.as_str()))
            .cloned(),
    );
    // Search: the text of the messages and the customer field.
    let searcher = cxmine::index::IndexSearcher::open(Path::new(dir)).unwrap();
    for (v, _) in TEXT_IDENTIFIERS {
        let found = searcher.ids(&format!("\"{v}\"")).unwrap();
        if !found.is_empty() {
            leaks.push(format!("search \"{v}\" finds {found:?}"));
        }
    }
    assert_eq!(
        searcher.ids("customer:C1001").unwrap(),
        Vec::<String>::new()
    );
    assert!(leaks.is_empty(), "identifiers in clear: {leaks:#?}");

    // With --keep-pii every value is stored, and the text ones are found.
    let keep = tree.path("keep");
    let run = cxmine(&["index", "samples/", "--index", &keep, "--keep-pii", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let export = tree.path("keep.jsonl");
    let run = cxmine(&["search", "*", "--index", &keep, "--export", &export]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let kept = std::fs::read_to_string(&export).unwrap();
    let searcher = cxmine::index::IndexSearcher::open(Path::new(&keep)).unwrap();
    let mut unfound = Vec::new();
    for (v, place) in TEXT_IDENTIFIERS {
        assert!(kept.contains(v), "{v} ({place}) not exported");
        if searcher.ids(&format!("\"{v}\"")).unwrap().is_empty() {
            unfound.push(*v);
        }
    }
    // Only message texts are indexed for search; these three stand in other events,
    // stored and exported but not searched: DMs (`endorsement` events) in social-001 and
    // social-007, a delivery alert in sms-012.
    assert_eq!(unfound, ["3302-6617", "7720-1090", "BL-91877"]);
    for a in AUTHOR_IDENTIFIERS {
        assert!(kept.contains(&format!("\"author\":\"{a}\"")), "{a}");
    }
    // C1001 opened chat-001, chat-006 and email-001 (the customer_id of those lines).
    assert_eq!(
        searcher.ids("customer:C1001").unwrap(),
        ["chat-001", "chat-006", "email-001"]
    );

    // Tokens keep customers joinable: the same conversations share a customer either way.
    assert_eq!(
        conversations_by_customer(&masked),
        conversations_by_customer(&kept)
    );
}
