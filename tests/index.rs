//! Black-box tests of the search index: exact id sets for representative queries over the
//! fixture corpus `tests/fixtures/index/conversations.jsonl`, replacement and deletion,
//! export round trip, errors, and a run killed midway.
//!
//! The signal-based conversations get their signals from [`signals_for`] (a table written
//! for these tests, so the index is tested apart from the detectors) and are indexed
//! through the library; structural flags and text are also tested through the binary.
//! `tests/samples_index.rs` covers detectors and index together, through the binary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cxmine::config::Config;
use cxmine::detect::{Detection, ShiftLabel, Signals};
use cxmine::index::search::SpanKind;
use cxmine::index::{ConversationIndexer, IndexSearcher, SearchOptions, SortOrder, WriterOptions};
use cxmine::ingest::jsonl::{Line, parse_line};
use cxmine::metrics::ConversationFacts;
use cxmine::model::{Conversation, SourcePos};

/// The repeated-identifier detector's spans, as the CLI masks them.
fn identifier_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    static DETECTORS: std::sync::OnceLock<cxmine::detect::Detectors> = std::sync::OnceLock::new();
    DETECTORS
        .get_or_init(cxmine::detect::Detectors::builtin)
        .identifier_spans(text)
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/index/conversations.jsonl")
}

/// The binary under test.
fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cxmine"))
}

fn cxmine(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .output()
        .expect("run cxmine")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "cxmine failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Signals the detectors would find, set by hand for the test corpus.
fn signals_for(id: &str) -> Signals {
    let mut s = Signals::default();
    match id {
        // Asked twice for a rephrase and left angrier than they came: 0.1 → −0.5.
        "r01" => {
            s.rephrase_customer = 2;
            s.sentiment_before = Some(0.1);
            s.sentiment_after = Some(-0.5);
            s.sentiment_shift = Some(-0.6);
            s.shift = ShiftLabel::Soured;
            s.escalating_anger = true;
        }
        // Handed off, gave the account number again, then happy: −0.6 → 0.4.
        "r02" => {
            s.handoffs = 1;
            s.repeated_ids_after_handoff = 1;
            s.rephrase_agent = 1;
            s.ack_success = 1;
            s.sentiment_before = Some(-0.6);
            s.sentiment_after = Some(0.4);
            s.sentiment_shift = Some(1.0);
            s.shift = ShiftLabel::Recovered;
        }
        // One rephrase request, a little worse: −0.2 → −0.4.
        "r03" => {
            s.rephrase_customer = 1;
            s.ack_failure = 1;
            s.sentiment_before = Some(-0.2);
            s.sentiment_after = Some(-0.4);
            s.sentiment_shift = Some(-0.2);
            s.shift = ShiftLabel::Worsened;
        }
        // Two hand-offs, soured: 0.05 → −0.30.
        "r05" => {
            s.handoffs = 2;
            s.sentiment_before = Some(0.05);
            s.sentiment_after = Some(-0.3);
            s.sentiment_shift = Some(-0.35);
            s.shift = ShiftLabel::Soured;
        }
        "r10" => {
            s.rephrase_customer = 1;
            s.escalating_anger = true;
        }
        _ => {}
    }
    s
}

/// Detections for highlighting: r01's two rephrase requests (events 2 and 3).
fn detections_for(conv: &Conversation<'_>, _: &ConversationFacts) -> Vec<Detection> {
    let hit = |event: usize, start: usize, end: usize| Detection {
        event,
        start,
        end,
        detector: "rephrase".into(),
        label: "customer".into(),
        rule: "rephrase.explain_again".into(),
        source: "test".into(),
    };
    match conv.id.as_ref() {
        // "Sorry, can you explain that again?": "explain that again" is bytes 15..33.
        // "What do you mean? Please say it differently.": "What do you mean" is 0..16.
        "r01" => vec![hit(2, 15, 33), hit(3, 0, 16)],
        // "Again it is AC-12345678. ...": the repeated identifier, bytes 12..23 before masking.
        "r02" => vec![Detection {
            detector: "identifier".into(),
            label: "repeated".into(),
            ..hit(4, 12, 23)
        }],
        _ => Vec::new(),
    }
}

fn read_fixture(text: &str) -> Vec<Conversation<'_>> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let pos = SourcePos {
                file: 0,
                line: i as u64 + 1,
            };
            match parse_line(line.as_bytes(), pos, &mut Vec::new()) {
                Ok(Line::Conversation(mut c, problems)) => {
                    assert!(problems.is_empty(), "{problems:?}");
                    c.finish();
                    c
                }
                other => panic!("fixture line {} is not a conversation: {other:?}", i + 1),
            }
        })
        .collect()
}

/// Indexes the fixture through the library with the hand-set signals, masking on.
fn build_signal_index(dir: &Path) {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let config = Config::default();
    let effort = |f: &ConversationFacts| (f.id == "r01").then_some(6.5);
    let indexer = ConversationIndexer::open_or_create(dir, WriterOptions::default())
        .unwrap()
        .with_masker(&identifier_spans)
        .with_detections(&detections_for)
        .with_effort(&effort);
    for conv in read_fixture(&text) {
        let mut facts = cxmine::metrics::ConversationFacts::compute(&conv, &config, None);
        facts.signals = signals_for(&conv.id);
        indexer.add(&conv, &facts).unwrap();
    }
    let summary = indexer.finish().unwrap();
    assert_eq!(summary.documents, 12);
}

fn ids(searcher: &IndexSearcher, query: &str) -> Vec<String> {
    searcher
        .ids(query)
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn set(ids: &[&str]) -> Vec<String> {
    let s: BTreeSet<String> = ids.iter().map(|s| s.to_string()).collect();
    s.into_iter().collect()
}

#[test]
fn representative_queries_return_exact_ids() {
    let dir = tempfile::tempdir().unwrap();
    build_signal_index(dir.path());
    let s = IndexSearcher::open(dir.path()).unwrap();
    let table: &[(&str, &[&str])] = &[
        // Text: "refund" in r01, r03, r07, r10; "refunds" (r02) stems to it. r09 says
        // "remboursement", which is another word.
        ("refund", &["r01", "r02", "r03", "r07", "r10"]),
        // Phrase: r04 "is not working since", r05 "is not working at all"; r06 has
        // "working, not" (wrong order), so it does not match.
        ("\"not working\"", &["r04", "r05"]),
        // Accents fold: "café" is found by "cafe".
        ("cafe", &["r09"]),
        // Flags from signals: hand-offs in r02 and r05.
        ("flag:handoff", &["r02", "r05"]),
        // Parent flag matches customer (r01, r03, r10) and agent (r02) rephrases.
        ("flag:rephrase", &["r01", "r02", "r03", "r10"]),
        ("flag:/flag/rephrase/customer", &["r01", "r03", "r10"]),
        ("flag:shift/recovered", &["r02"]),
        ("flag:anger", &["r01", "r10"]),
        // Structural flags: the transfer event (r02); reopen after resolve (r04), which
        // also leaves it unresolved with r03, r07 (no resolve) and r11 (no events).
        ("flag:transfer", &["r02"]),
        ("flag:reopened", &["r04"]),
        ("flag:unresolved", &["r03", "r04", "r07", "r11"]),
        // Channels, with an alias.
        ("channel:chat", &["r01", "r02", "r08", "r10", "r11", "r12"]),
        ("channel:e-mail", &["r03", "r09"]),
        // Dates: January inclusive of the 31st (r07 at 23:30), not r08 at Feb 1 00:00.
        ("opened:[2024-01-01 TO 2024-01-31]", &["r01", "r02", "r07"]),
        ("opened:2024-02", &["r03", "r04", "r08", "r09"]),
        ("opened:2024-02-01", &["r08"]),
        // Sentiment: shifts −0.6 (r01), −0.35 (r05) are below −0.3; −0.2 (r03) is not.
        ("shift:<-0.3", &["r01", "r05"]),
        ("before:[-1 TO 0}", &["r02", "r03"]),
        // Counts: r01 has customer rephrases 2, agent 0 → rephrases 2.
        ("rephrases:>=2", &["r01"]),
        ("transfers:1", &["r02"]),
        ("effort:>6", &["r01"]),
        // The headline question: chats about refunds, a rephrase asked twice, angrier.
        ("refund channel:chat rephrases:>=2 shift:<0", &["r01"]),
        // Combinations with OR, NOT and keyword fields. Billing outside chat: r03 (email,
        // tagged billing and account) and r07 (community).
        ("tag:billing -channel:chat", &["r03", "r07"]),
        (
            "(flag:handoff OR flag:reopened) AND opened:[2024-02-01 TO *]",
            &["r04", "r05"],
        ),
        ("team:tier2 severity:high", &["r08"]),
        ("agent:Ana", &["r01", "r08", "r12"]),
        // Identifiers are masked: neither digits nor the prefixed account are searchable.
        ("12345678", &[]),
        ("9876543210", &[]),
        (
            "*",
            &[
                "r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09", "r10", "r11", "r12",
            ],
        ),
    ];
    for (query, expected) in table {
        assert_eq!(ids(&s, query), set(expected), "query {query}");
    }
}

#[test]
fn snippets_give_byte_offsets_of_matches_and_flagged_spans() {
    let dir = tempfile::tempdir().unwrap();
    build_signal_index(dir.path());
    let s = IndexSearcher::open(dir.path()).unwrap();
    let r = s
        .search("refund flag:rephrase/customer", &SearchOptions::default())
        .unwrap();
    assert_eq!(r.total, 3);
    let hit = r.hits.iter().find(|h| h.id == "r01").unwrap();
    // Signals give the first three; resolved, never reopened or transferred gives the last.
    assert_eq!(
        hit.flags,
        [
            "rephrase/customer",
            "anger",
            "shift/soured",
            "first_contact_resolution"
        ]
    );
    let first = &hit.snippets[0];
    // "I want a refund for my order": "refund" is bytes 9..15.
    assert_eq!((first.event, first.start_end()), (0, vec![(9, 15)]));
    assert_eq!(first.marked, "I want a [refund] for my order");
    let second = &hit.snippets[1];
    assert_eq!(second.event, 2);
    assert_eq!(second.spans[0].kind, SpanKind::Flag);
    assert_eq!(&second.text[15..33], "explain that again");
    assert_eq!(second.marked, "Sorry, can you «explain that again»?");
    assert_eq!(hit.snippets.len(), 3);

    // In r02 the flagged identifier was masked: the span moved onto the mask.
    let r = s.search("id:r02", &SearchOptions::default()).unwrap();
    let snip = &r.hits[0].snippets[0];
    assert_eq!(snip.event, 4);
    // "Again it is " is 12 bytes; the mask "•••" is 9 bytes → 12..21.
    assert_eq!(snip.start_end(), vec![(12, 21)]);
    assert_eq!(&snip.text[12..21], "•••");
}

/// Span offsets as pairs, for compact assertions.
trait StartEnd {
    fn start_end(&self) -> Vec<(usize, usize)>;
}

impl StartEnd for cxmine::index::search::Snippet {
    fn start_end(&self) -> Vec<(usize, usize)> {
        self.spans.iter().map(|s| (s.start, s.end)).collect()
    }
}

#[test]
fn sorts_by_time_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    build_signal_index(dir.path());
    let s = IndexSearcher::open(dir.path()).unwrap();
    let newest = SearchOptions {
        limit: 3,
        sort: SortOrder::Newest,
        ..Default::default()
    };
    let r = s.search("channel:chat", &newest).unwrap();
    // Chats by opening: r01 01-05, r02 01-20, r08 02-01, r10 03-05, r11 03-20, r12 03-25.
    let got: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!((r.total, got), (6, vec!["r12", "r11", "r10"]));
    let oldest = SearchOptions {
        sort: SortOrder::Oldest,
        ..newest
    };
    let r = s.search("channel:chat", &oldest).unwrap();
    let got: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(got, ["r01", "r02", "r08"]);
}

#[test]
fn facets_count_flags_by_channel_over_all_hits() {
    let dir = tempfile::tempdir().unwrap();
    build_signal_index(dir.path());
    let s = IndexSearcher::open(dir.path()).unwrap();
    let options = SearchOptions {
        limit: 1,
        facets: true,
        ..Default::default()
    };
    let r = s.search("refund", &options).unwrap();
    let f = r.facets.unwrap();
    // Refund hits: r01, r02, r10 (chat), r03 (email), r07 (community).
    // Customer rephrases: r01, r10 (chat) and r03 (email); agent rephrase: r02 (chat).
    assert_eq!(f.total["rephrase"], 4);
    assert_eq!(f.total["rephrase/customer"], 3);
    assert_eq!(f.by_channel["chat"]["rephrase/customer"], 2);
    assert_eq!(f.by_channel["chat"]["rephrase/agent"], 1);
    assert_eq!(f.by_channel["email"]["rephrase/customer"], 1);
    // r03 and r07 are unresolved; chats all resolved.
    assert_eq!(f.total["unresolved"], 2);
    assert!(!f.by_channel["chat"].contains_key("unresolved"));
    assert!(!f.by_channel.contains_key("sms"));
}

#[test]
fn masked_index_stores_no_identifier() {
    let dir = tempfile::tempdir().unwrap();
    build_signal_index(dir.path());
    let s = IndexSearcher::open(dir.path()).unwrap();
    let mut out = Vec::new();
    assert_eq!(s.export("*", &mut out).unwrap(), 12);
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains("12345678") && !text.contains("9876543210"));
    assert!(text.contains("My refunds never arrived, account •••"));
    // Store files hold no identifier either (the term dictionary and the doc store).
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(8).any(|w| w == b"12345678"));
    }
}

#[test]
fn syntax_errors_say_where_and_bad_fields_say_which() {
    let dir = tempfile::tempdir().unwrap();
    build_signal_index(dir.path());
    let s = IndexSearcher::open(dir.path()).unwrap();
    let e = s.parse("refund AND (flag:handoff").unwrap_err();
    match &e {
        cxmine::Error::Query { position, .. } => assert!(position.is_some()),
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("column"), "{e}");
    let e = s.parse("colour:red").unwrap_err().to_string();
    assert!(e.contains("colour"), "{e}");
    let e = s
        .parse("opened:[yesterday TO today]")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a date"), "{e}");
}

#[test]
fn cli_indexes_searches_replaces_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let ix = index.to_str().unwrap();
    ok(cxmine(&[
        "index",
        fixture().to_str().unwrap(),
        "--index",
        ix,
        "-q",
    ]));
    let json = ok(cxmine(&[
        "search",
        "refund flag:transfer",
        "--index",
        ix,
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["hits"][0]["id"], "r02");
    // "My refunds never arrived, account •••": "refunds" is bytes 3..10.
    assert_eq!(v["hits"][0]["snippets"][0]["spans"][0]["start"], 3);
    assert_eq!(v["hits"][0]["snippets"][0]["spans"][0]["end"], 10);

    // Re-index an updated r01 (new text) next to the untouched rest: one copy remains.
    let update = dir.path().join("update.jsonl");
    std::fs::write(
        &update,
        r#"{"id":"r01","channel":"chat","opened_at":"2024-01-05T09:00:00Z","events":[{"ts":"2024-01-05T09:00:00Z","role":"customer","text":"Actually I want an exchange"}]}"#,
    )
    .unwrap();
    ok(cxmine(&[
        "index",
        update.to_str().unwrap(),
        "--index",
        ix,
        "-q",
    ]));
    ok(cxmine(&[
        "index",
        update.to_str().unwrap(),
        "--index",
        ix,
        "-q",
    ]));
    let s = IndexSearcher::open(&index).unwrap();
    assert_eq!(s.num_docs(), 12);
    assert_eq!(ids(&s, "id:r01"), ["r01"]);
    assert_eq!(ids(&s, "exchange"), ["r01"]);
    assert_eq!(ids(&s, "refund"), set(&["r02", "r03", "r07", "r10"]));
    drop(s);

    ok(cxmine(&[
        "index", "--delete", "r02", "r03", "--index", ix, "-q",
    ]));
    let s = IndexSearcher::open(&index).unwrap();
    assert_eq!(s.num_docs(), 10);
    assert_eq!(ids(&s, "refund"), set(&["r07", "r10"]));
}

#[test]
fn analyze_with_index_is_one_pass_and_export_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let ix = index.to_str().unwrap();
    let facts_a = dir.path().join("a.facts");
    let facts_b = dir.path().join("b.facts");
    let export = dir.path().join("export.jsonl");
    let fx = fixture();
    ok(cxmine(&[
        "analyze",
        fx.to_str().unwrap(),
        "--index",
        ix,
        "--keep-pii",
        "--facts",
        facts_a.to_str().unwrap(),
        "-q",
    ]));
    let out = cxmine(&[
        "search",
        "*",
        "--index",
        ix,
        "--export",
        export.to_str().unwrap(),
    ]);
    ok(out);
    ok(cxmine(&[
        "analyze",
        export.to_str().unwrap(),
        "--facts",
        facts_b.to_str().unwrap(),
        "-q",
    ]));
    let sorted = |p: &Path| {
        let mut lines: Vec<String> = std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        lines.sort();
        lines
    };
    let a = sorted(&facts_a);
    assert_eq!(a.len(), 12);
    assert_eq!(a, sorted(&facts_b));
    // With --keep-pii the identifier is stored as given.
    assert!(
        std::fs::read_to_string(&export)
            .unwrap()
            .contains("AC-12345678")
    );
}

#[test]
fn missing_and_corrupt_indexes_are_clear_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none");
    let out = cxmine(&["search", "refund", "--index", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no such directory"), "{err}");

    let index = dir.path().join("ix");
    ok(cxmine(&[
        "index",
        fixture().to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
        "-q",
    ]));
    // Damage every segment file: the error names the index, and nothing panics.
    for entry in std::fs::read_dir(&index).unwrap() {
        let p = entry.unwrap().path();
        if p.extension()
            .is_some_and(|e| e == "store" || e == "term" || e == "idx")
        {
            std::fs::write(&p, b"garbage").unwrap();
        }
    }
    let out = cxmine(&["search", "refund", "--index", index.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cxmine: error: index"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let out = cxmine(&["search", "refund AND (", "--index", index.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn killed_indexer_leaves_last_commit_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("big.jsonl");
    let index = dir.path().join("ix");
    ok(cxmine(&[
        "gen",
        "--conversations",
        "20000",
        "-o",
        corpus.to_str().unwrap(),
    ]));
    let mut child = Command::new(binary())
        .args([
            "index",
            corpus.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
            "--commit-every",
            "500",
            "-q",
        ])
        .spawn()
        .unwrap();
    // Wait for the first commit, searching while the writer works.
    let mut seen = 0;
    for _ in 0..6000 {
        if let Ok(s) = IndexSearcher::open(&index) {
            seen = s.num_docs();
            if seen > 0 {
                assert_eq!(s.ids("*").unwrap().len() as u64, seen);
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(seen > 0, "no commit was seen");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the indexer finished before it was killed"
    );

    let s = IndexSearcher::open(&index).unwrap();
    let n = s.num_docs();
    // Commits happen every 500 documents, under the same lock as the additions.
    assert!(n > 0 && n % 500 == 0 && n < 20_000, "{n} documents");
    let all = s.ids("*").unwrap();
    assert_eq!(all.len() as u64, n);
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
    drop(s);

    // The writer lock died with the process: the index takes updates again.
    ok(cxmine(&[
        "index",
        fixture().to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
        "-q",
    ]));
    let s = IndexSearcher::open(&index).unwrap();
    assert_eq!(s.num_docs(), n + 12);
}

#[test]
fn adding_a_month_keeps_the_earlier_segments() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let ix = index.to_str().unwrap();
    let text = std::fs::read_to_string(fixture()).unwrap();
    // January: r01, r02, r07 (opened 2024-01-…); February: r03, r04, r08, r09.
    let month = |m: &str| -> PathBuf {
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(&format!("\"opened_at\":\"2024-{m}-")))
            .collect();
        let p = dir.path().join(format!("{m}.jsonl"));
        std::fs::write(&p, lines.join("\n")).unwrap();
        p
    };
    ok(cxmine(&[
        "index",
        month("01").to_str().unwrap(),
        "--index",
        ix,
        "-q",
    ]));
    let files = |p: &Path| -> BTreeSet<String> {
        std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".store"))
            .collect()
    };
    let january = files(&index);
    assert!(!january.is_empty());
    ok(cxmine(&[
        "index",
        month("02").to_str().unwrap(),
        "--index",
        ix,
        "-q",
    ]));
    let after = files(&index);
    // January's segments are untouched; February's are new ones beside them.
    assert!(january.is_subset(&after));
    assert!(after.len() > january.len());
    let s = IndexSearcher::open(&index).unwrap();
    assert_eq!(s.num_docs(), 3 + 4);
    assert_eq!(ids(&s, "refund"), set(&["r01", "r02", "r03", "r07"]));
}

#[test]
fn mailbox_senders_are_tokens_not_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email/support.mbox");
    let (masked, kept) = (dir.path().join("masked"), dir.path().join("kept"));
    for (index, extra) in [(&masked, None), (&kept, Some("--keep-pii"))] {
        let mut args = vec!["index", mbox.to_str().unwrap(), "--index"];
        args.extend([index.to_str().unwrap(), "-q"]);
        args.extend(extra);
        ok(cxmine(&args));
    }
    // The senders of support.mbox: two customers and an agent of shop.example.
    let addresses = [
        "ana.silva@mail.example",
        "bo@example.org",
        "sam@help.shop.example",
    ];
    let s = IndexSearcher::open(&masked).unwrap();
    let mut out = Vec::new();
    assert_eq!(s.export("*", &mut out).unwrap(), 2);
    let export = String::from_utf8(out).unwrap();
    for a in addresses {
        assert!(!export.contains(a), "{a} exported");
        assert_eq!(ids(&s, &format!("customer:\"{a}\"")), Vec::<String>::new());
        for entry in std::fs::read_dir(&masked).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(!bytes.windows(a.len()).any(|w| w == a.as_bytes()), "{a}");
        }
    }
    // Ana's two messages of thread a1 carry one token, as customer and as author; the
    // agent's author is his bare address, so a token of its own.
    let line: serde_json::Value = serde_json::from_str(export.lines().next().unwrap()).unwrap();
    let token = line["customer_id"].as_str().unwrap();
    assert!(token.starts_with("anon-"), "{token}");
    let authors: Vec<&str> = line["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["author"].as_str().unwrap())
        .collect();
    assert_eq!((authors[0], authors[2]), (token, token));
    assert!(authors[1].starts_with("anon-") && authors[1] != token);
    assert_eq!(ids(&s, &format!("customer:{token}")), ["a1@mail.example"]);

    let s = IndexSearcher::open(&kept).unwrap();
    let q = "customer:\"ana.silva@mail.example\"";
    assert_eq!(ids(&s, q), ["a1@mail.example"]);
}

#[test]
fn hostile_queries_and_limits_are_errors_or_clamped_not_aborts() {
    let dir = tempfile::tempdir().unwrap();
    build_signal_index(dir.path());
    let s = IndexSearcher::open(dir.path()).unwrap();
    // 3,000 nested parentheses used to overflow the parser's stack; now refused at the
    // 33rd "(" (byte 32), before parsing.
    let deep = format!("{}refund{}", "(".repeat(3000), ")".repeat(3000));
    match s.parse(&deep).unwrap_err() {
        cxmine::Error::Query {
            position, message, ..
        } => {
            assert_eq!(position, Some(32));
            assert!(message.contains("nested deeper than 32"), "{message}");
        }
        other => panic!("{other}"),
    }
    assert!(s.parse(&"NOT ".repeat(3000)).is_err());
    // 32 levels are still a query: r01, r02, r03, r07, r10 say "refund(s)".
    let at_limit = format!("{}refund{}", "(".repeat(32), ")".repeat(32));
    assert_eq!(ids(&s, &at_limit), ["r01", "r02", "r03", "r07", "r10"]);

    // Huge limits are clamped to the 12 documents: every hit, nothing allocated for more.
    for limit in [1_000_000_000, usize::MAX] {
        for sort in [SortOrder::Relevance, SortOrder::Newest, SortOrder::Oldest] {
            let options = SearchOptions {
                limit,
                sort,
                ..Default::default()
            };
            let r = s.search("*", &options).unwrap();
            assert_eq!((r.total, r.hits.len()), (12, 12), "{limit} {sort:?}");
        }
    }

    // Through the binary: a clear error (exit 1), and every hit for a huge limit.
    let ix = dir.path().to_str().unwrap();
    let out = cxmine(&["search", &deep, "--index", ix]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("nested deeper than 32"), "{err}");
    for limit in ["1000000000", "18446744073709551615"] {
        let json = ok(cxmine(&[
            "search", "*", "--index", ix, "--limit", limit, "--format", "json",
        ]));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["hits"].as_array().unwrap().len(), 12, "--limit {limit}");
    }
    // An empty index with a huge limit: no hits, no error.
    let empty = tempfile::tempdir().unwrap();
    ConversationIndexer::open_or_create(empty.path(), WriterOptions::default())
        .unwrap()
        .finish()
        .unwrap();
    let s = IndexSearcher::open(empty.path()).unwrap();
    let options = SearchOptions {
        limit: usize::MAX,
        ..Default::default()
    };
    assert_eq!(s.search("*", &options).unwrap().total, 0);
}

/// A conversation of `n` customer messages, each giving a reference (`ref BL-00042 again`,
/// its detection at bytes 4..12), closed by one message of `n` references (`BL-00000
/// BL-00001 …`, a detection on each: bytes 9k..9k + 8).
fn large_conversation(n: usize) -> (Conversation<'static>, Vec<Detection>) {
    let ts = cxmine::time::Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
    let customer = cxmine::model::Role::Customer;
    let mut conv = Conversation::new("large", cxmine::model::Channel::Chat);
    conv.customer_id = Some("C9".into());
    let hit = |event: usize, start: usize, end: usize| Detection {
        event,
        start,
        end,
        detector: "identifier".into(),
        label: "repeated".into(),
        rule: "test".into(),
        source: "test".into(),
    };
    let mut detections = Vec::new();
    for i in 0..n {
        let text = format!("ref BL-{i:05} again");
        conv.events
            .push(cxmine::model::Event::message(ts, customer, text));
        detections.push(hit(i, 4, 12));
    }
    let refs: String = (0..n).map(|k| format!("BL-{k:05} ")).collect();
    conv.events
        .push(cxmine::model::Event::message(ts, customer, refs));
    detections.extend((0..n).map(|k| hit(n, 9 * k, 9 * k + 8)));
    conv.finish();
    (conv, detections)
}

#[test]
fn indexing_a_large_conversation_is_linear() {
    // 60,000 masked messages and a message of 60,000 references, 120,000 detections.
    // Moving each message's detections by a scan of all detections (60,000 × 120,000
    // steps) and each detection by a scan of its message's masks (60,000 × 60,000) took
    // minutes in a debug build; grouped once and moved by binary search, seconds.
    let n = 60_000;
    let (conv, detections) = large_conversation(n);
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let indexer = ConversationIndexer::open_or_create(dir.path(), WriterOptions::default())
        .unwrap()
        .with_masker(&identifier_spans);
    let facts = cxmine::metrics::ConversationFacts::compute(&conv, &Config::default(), None);
    indexer
        .add_with_detections(&conv, &facts, &detections)
        .unwrap();
    assert_eq!(indexer.finish().unwrap().documents, 1);
    eprintln!("indexed {} events in {:?}", n + 1, started.elapsed());

    let s = IndexSearcher::open(dir.path()).unwrap();
    assert_eq!(ids(&s, "BL-00042"), Vec::<String>::new());
    let all = SearchOptions {
        snippets: usize::MAX,
        ..Default::default()
    };
    let r = s.search("again", &all).unwrap();
    let snippets = &r.hits[0].snippets;
    assert_eq!(snippets.len(), n + 1);
    // "ref BL-00042 again" → "ref ••• again": the detection covers the mask (4..13),
    // "again" is the match at 14..19.
    let spans: Vec<(usize, usize)> = snippets[42]
        .spans
        .iter()
        .map(|s| (s.start, s.end))
        .collect();
    assert_eq!(snippets[42].text, "ref ••• again");
    assert_eq!(spans, [(4, 13), (14, 19)]);
    // In the last message each "BL-0000k " became "••• " (10 bytes): 10k..10k + 9.
    let last = &snippets[n];
    assert_eq!(last.text.len(), 10 * n);
    for (k, span) in last.spans.iter().enumerate() {
        assert_eq!((span.start, span.end), (10 * k, 10 * k + 9));
    }
    eprintln!("searched in {:?}", started.elapsed());
}
