//! Black-box tests of `cxmine analyze`, `merge` and `gen`: exact KPI values on a small
//! fixture (hand-computed below), bad input, determinism, mergeability.

mod util;

use serde_json::{Value, json};
use util::{TempTree, cxmine, cxmine_in, fixture};

/// The overall KPIs of tests/fixtures/kpi.jsonl, computed by hand:
/// - c1 chat: FR 10:00:10 → 10:01:40 = 90 s; resolution → 10:05:10 = 300 s; handle = assign 10:01:00 →
///   resolve 10:05:10 = 250 s (the queue ended at 10:01:00, outside the span).
/// - c2 email: FR 6 h = 21 600 s (target 4 h: missed); resolution 48 h = 172 800 s (target 48 h: met);
///   handle 15th 14:00 → 17th 08:00 = 42 h = 151 200 s; one transfer.
/// - c3 sms, no customer: FR 600 s, resolution 1 200 s, handle 12:10 → 12:20 = 600 s; FCR but unverifiable.
/// - c4 chat, customer A again four days after c1: unanswered for 5 min (FR target 2 min: breach),
///   unresolved; it cancels c1's first-contact resolution.
/// - c5 phone (events out of order): FR 20 s; resolution to the second resolve = 42 h 59 min 50 s = 154 790 s (missed);
///   handle 16:00:30 → 5th 11:00 = 154 770 s; reopened.
#[test]
fn kpis_on_the_fixture_match_hand_computation() {
    let run = cxmine(&[
        "analyze",
        &fixture("kpi.jsonl"),
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    let k = &r["overall"]["kpis"];
    assert_eq!(k["conversations"], 5);
    // CSAT 5, 2 → 1 of 2 in the top-2 box.
    assert_eq!(k["csat"], json!({"n": 2, "value": 50.0}));
    // NPS 10 (promoter), 3 (detractor) → 50 − 50 = 0.
    assert_eq!(
        k["nps"],
        json!({"n": 2, "promoters_pct": 50.0, "detractors_pct": 50.0, "value": 0.0})
    );
    // CES 6, 2 → mean 4, one of two ≥ 5.
    assert_eq!(
        k["ces"],
        json!({"n": 2, "mean": 4.0, "pct_5_or_more": 50.0})
    );
    // FCR: c1 cancelled by c4, c2 transferred, c4 unresolved, c5 reopened; c3 counts → 1/5.
    assert_eq!(k["fcr"], json!({"n": 5, "value": 20.0, "unverifiable": 1}));
    // FR 20, 90, 600, 21600: mean 22310/4 = 5577.5; median rank 2 → 90; p90 rank ⌈3.6⌉ = 4 → 21600.
    assert_eq!(
        k["first_response"],
        json!({"n": 4, "mean_s": 5577.5, "median_s": 90.0, "p90_s": 21600.0, "max_s": 21600.0, "approximate": false})
    );
    // Resolution 300, 1200, 154790, 172800: mean 329090/4 = 82272.5.
    assert_eq!(
        k["resolution"],
        json!({"n": 4, "mean_s": 82272.5, "median_s": 1200.0, "p90_s": 172800.0, "max_s": 172800.0, "approximate": false})
    );
    // Handle 250, 600, 151200, 154770: mean 306820/4 = 76705.
    assert_eq!(
        k["handle_time"],
        json!({"n": 4, "mean_s": 76705.0, "median_s": 600.0, "p90_s": 154770.0, "max_s": 154770.0, "approximate": false})
    );
    // FR met: c1, c3, c5; missed: c2, c4 → 3/5. Resolution met: c1, c2, c3; missed c5; c4 undecided → 3/4.
    assert_eq!(
        k["sla"],
        json!({"first_response": {"n": 5, "value": 60.0}, "resolution": {"n": 4, "value": 75.0}})
    );
    assert_eq!(k["resolved"], json!({"n": 5, "value": 80.0}));
    assert_eq!(k["reopened"], json!({"n": 5, "value": 20.0}));
    assert_eq!(k["transferred"], json!({"n": 5, "value": 20.0}));
    assert_eq!(r["reordered_conversations"], 1);
    assert_eq!(r["skipped"]["total"], 0);
    let c = &r["customers"];
    assert_eq!(
        (c["customers"].clone(), c["repeat_customers"].clone()),
        (json!(3), json!(1))
    );
    // Activity: A and B in January, nobody in February, C in March.
    assert_eq!(
        c["retention"],
        json!([
            {"period": "2024-01", "start": 0, "end": 2, "new": 2, "rate": null},
            {"period": "2024-02", "start": 2, "end": 0, "new": 0, "rate": 0.0},
            {"period": "2024-03", "start": 0, "end": 1, "new": 1, "rate": null}
        ])
    );
    // One purchase of 49.99; observed span 2024-01-10T10:00:00 → 2024-03-03T16:00:10 = 53.2501 days
    // = 0.145791 years → frequency 6.859/year; CLV = 49.99 × 6.859 × 3 = 1028.67.
    assert_eq!(c["clv"]["average_purchase_value"], 49.99);
    assert_eq!(c["clv"]["purchase_frequency_per_year"], 6.86);
    assert_eq!(c["clv"]["value"], 1028.67);
    assert_eq!(c["cost_to_serve"], Value::Null);
}

#[test]
fn segments_by_channel_credit_fcr_per_segment() {
    let run = cxmine(&[
        "analyze",
        &fixture("kpi.jsonl"),
        "--by",
        "channel",
        "--format",
        "json",
        "-q",
    ]);
    let r = run.json();
    let segs = r["segments"].as_array().unwrap();
    let keys: Vec<&str> = segs
        .iter()
        .map(|s| s["key"]["channel"].as_str().unwrap())
        .collect();
    // Segments come in key order.
    assert_eq!(keys, ["chat", "email", "phone", "sms"]);
    // chat: c1 (cancelled by the repeat contact c4) and c4 → 0 of 2.
    assert_eq!(segs[0]["kpis"]["fcr"]["value"], 0.0);
    assert_eq!(segs[0]["kpis"]["first_response"]["n"], 1);
    // sms: c3 → 1 of 1.
    assert_eq!(segs[3]["kpis"]["fcr"]["value"], 100.0);
    assert_eq!(segs[1]["kpis"]["csat"], json!({"n": 1, "value": 0.0}));
}

#[test]
fn config_changes_sla_targets_and_cost() {
    let t = TempTree::new();
    let cfg = t.write(
        "cx.toml",
        "[cost]\ntotal = 500.0\n[[sla]]\nchannel = \"email\"\nseverity = \"high\"\nfirst_response = \"8h\"\nresolution = \"1d\"\n",
    );
    let run = cxmine(&[
        "analyze",
        &fixture("kpi.jsonl"),
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "json",
        "-q",
    ]);
    let r = run.json();
    // c2 now meets FR (6 h ≤ 8 h) but misses resolution (48 h > 24 h): FR 4/5, resolution 2/4.
    assert_eq!(r["overall"]["kpis"]["sla"]["first_response"]["value"], 80.0);
    assert_eq!(r["overall"]["kpis"]["sla"]["resolution"]["value"], 50.0);
    // 500 / 5 conversations.
    assert_eq!(r["customers"]["cost_to_serve"], 100.0);
    let bad = t.write("bad.toml", "[fcr]\nwindow_days = \"soon\"\n");
    let run = cxmine(&[
        "analyze",
        &fixture("kpi.jsonl"),
        "--config",
        bad.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("bad.toml"), "{}", run.stderr);
}

#[test]
fn bad_lines_are_reported_counted_and_skipped() {
    let t = TempTree::new();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(br#"{"id":"ok1","channel":"chat","events":[{"ts":"2024-01-01T10:00:00Z","role":"customer","text":"hi"}]}"#);
    bytes.extend_from_slice(b"\n{oops\n");
    bytes.extend_from_slice(b"{\"id\":\"bad\xff\",\"channel\":\"chat\"}\n");
    bytes.extend_from_slice(br#"{"id":"x","channel":"chat","opened_at":"1800-01-01T00:00:00Z"}"#);
    bytes.extend_from_slice(b"\n\n");
    bytes.extend_from_slice(br#"{"id":"ok2","channel":"sms","colour":"red","events":[{"ts":"2024-01-01T10:00:00Z","role":"alien","text":"?"}]}"#);
    bytes.extend_from_slice(b"\n");
    let input = t.write("in.jsonl", &bytes);
    let input = input.to_str().unwrap();
    let run = cxmine(&["analyze", input, "--format", "json"]);
    assert_eq!(run.code, 0);
    let r = run.json();
    assert_eq!(r["input"]["conversations"], 2);
    assert_eq!(r["input"]["records"], 5);
    assert_eq!(
        r["skipped"]["by_reason"],
        json!({"malformed_json": 1, "invalid_utf8": 1, "absurd_timestamp": 1, "unknown_role": 1})
    );
    assert_eq!(r["unknown_fields"], json!({"colour": 1}));
    // Messages name file and line, in the report and on stderr.
    assert_eq!(r["skipped"]["examples"][0]["line"], 2);
    assert!(
        run.stderr
            .contains(&format!("{input}:2: skipped (malformed_json)")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("{input}:6: skipped (unknown_role)")),
        "{}",
        run.stderr
    );
    let strict = cxmine(&["analyze", input, "--strict", "-q"]);
    assert_eq!(strict.code, 3);
    assert!(strict.stdout.contains("conversations"));
}

#[test]
fn empty_input_gives_an_empty_report() {
    let t = TempTree::new();
    let empty = t.write("empty.jsonl", "");
    let run = cxmine(&["analyze", empty.to_str().unwrap(), "--format", "json", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["input"]["conversations"], 0);
    assert_eq!(r["overall"]["kpis"]["csat"]["value"], Value::Null);
    assert_eq!(r["overall"]["kpis"]["fcr"]["value"], Value::Null);
    assert_eq!(r["customers"]["retention"], json!([]));
    for format in ["table", "csv", "markdown"] {
        let run = cxmine(&["analyze", empty.to_str().unwrap(), "--format", format, "-q"]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
    }
}

#[test]
fn missing_input_is_a_clear_error() {
    let run = cxmine(&["analyze", "no/such/file.jsonl", "-q"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no/such/file.jsonl"), "{}", run.stderr);
}

#[test]
fn stdin_and_gzip_give_the_same_report_as_the_file() {
    let bytes = std::fs::read(fixture("kpi.jsonl")).unwrap();
    let from_file = cxmine(&["analyze", &fixture("kpi.jsonl"), "--format", "json", "-q"]).json();
    let from_stdin = cxmine_in(
        None,
        &["analyze", "-", "--format", "json", "-q"],
        Some(&bytes),
    )
    .json();
    assert_eq!(from_file["overall"], from_stdin["overall"]);
    let t = TempTree::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &bytes).unwrap();
    let gz_path = t.write("kpi.jsonl.gz", gz.finish().unwrap());
    let from_gz = cxmine(&[
        "analyze",
        gz_path.to_str().unwrap(),
        "--format",
        "json",
        "-q",
    ])
    .json();
    assert_eq!(from_file["overall"], from_gz["overall"]);
    assert_eq!(from_file["customers"], from_gz["customers"]);
}

/// Rewrites whole-conversation lines as event lines, the first carrying the header.
fn as_event_lines(whole: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in whole.lines() {
        let mut conv: Value = serde_json::from_str(line).unwrap();
        let events = conv.as_object_mut().unwrap().remove("events").unwrap();
        let id = conv.as_object_mut().unwrap().remove("id").unwrap();
        for (i, e) in events.as_array().unwrap().iter().enumerate() {
            let mut e = e.clone();
            let obj = e.as_object_mut().unwrap();
            obj.insert("conversation_id".into(), id.clone());
            if i == 0 {
                for (k, v) in conv.as_object().unwrap() {
                    obj.insert(k.clone(), v.clone());
                }
            }
            out.push(e.to_string());
        }
    }
    out
}

#[test]
fn event_lines_across_files_reassemble_with_and_without_spilling() {
    let whole = std::fs::read_to_string(fixture("kpi.jsonl")).unwrap();
    let mut lines = as_event_lines(&whole);
    lines.reverse(); // arrival order must not matter
    let t = TempTree::new();
    let (a, b) = lines.split_at(lines.len() / 2);
    t.write("parts/a.jsonl", a.join("\n"));
    t.write("parts/b.jsonl", b.join("\n") + "\n");
    let expected = cxmine(&["analyze", &fixture("kpi.jsonl"), "--format", "json", "-q"]).json();
    for limit in ["256M", "64"] {
        let got = cxmine(&[
            "analyze",
            &t.path("parts"),
            "--format",
            "json",
            "-q",
            "--mem-limit",
            limit,
        ])
        .json();
        assert_eq!(got["overall"], expected["overall"], "mem-limit {limit}");
        assert_eq!(got["customers"], expected["customers"]);
        assert_eq!(got["input"]["conversations"], 5);
    }
}

#[test]
fn reports_are_identical_across_thread_counts_and_file_order() {
    let t = TempTree::new();
    let generated = cxmine(&[
        "gen",
        "--conversations",
        "3000",
        "--seed",
        "5",
        "-o",
        &t.path("g.jsonl"),
    ]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    // Split the corpus into three files so file order can vary.
    let text = std::fs::read_to_string(t.path("g.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for (i, part) in lines.chunks(1000).enumerate() {
        t.write(&format!("s{i}.jsonl"), part.join("\n"));
    }
    let args = |threads: &'static str, files: [String; 3]| {
        let mut v = vec!["analyze".to_string()];
        v.extend(files);
        v.extend(
            [
                "--by",
                "channel,week",
                "--format",
                "json",
                "-q",
                "--threads",
                threads,
            ]
            .map(String::from),
        );
        v
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let r = cxmine(&a);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let one = run(args(
        "1",
        [t.path("s0.jsonl"), t.path("s1.jsonl"), t.path("s2.jsonl")],
    ));
    let two = run(args(
        "2",
        [t.path("s2.jsonl"), t.path("s0.jsonl"), t.path("s1.jsonl")],
    ));
    let four = run(args(
        "4",
        [t.path("s1.jsonl"), t.path("s2.jsonl"), t.path("s0.jsonl")],
    ));
    assert_eq!(one, two);
    assert_eq!(one, four);
}

#[test]
fn merging_partials_equals_analysing_everything_at_once() {
    let whole = std::fs::read_to_string(fixture("kpi.jsonl")).unwrap();
    let lines: Vec<&str> = whole.lines().collect();
    let t = TempTree::new();
    // Customer A's two contacts land in different shards: FCR must still see the repeat.
    t.write("x/one.jsonl", lines[..3].join("\n"));
    t.write("x/two.jsonl", lines[3..].join("\n"));
    let all = cxmine(&[
        "analyze",
        &t.path("x"),
        "--by",
        "channel",
        "--format",
        "json",
        "-q",
    ]);
    for shard in ["one", "two"] {
        let r = cxmine(&[
            "analyze",
            &t.path(&format!("x/{shard}.jsonl")),
            "--by",
            "channel",
            "-q",
            "--partial",
            &t.path(&format!("{shard}.partial")),
            "--format",
            "json",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let merged = cxmine(&[
        "merge",
        &t.path("two.partial"),
        &t.path("one.partial"),
        "--format",
        "json",
    ]);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert_eq!(merged.stdout, all.stdout);
    assert_eq!(merged.json()["overall"]["kpis"]["fcr"]["value"], 20.0);
    let other_dims = cxmine(&[
        "analyze",
        &t.path("x/one.jsonl"),
        "-q",
        "--partial",
        &t.path("nodims.partial"),
    ]);
    assert_eq!(other_dims.code, 0);
    let refused = cxmine(&["merge", &t.path("one.partial"), &t.path("nodims.partial")]);
    assert_eq!(refused.code, 1);
    t.write("junk.partial", "{}");
    let junk = cxmine(&["merge", &t.path("junk.partial")]);
    assert_eq!(junk.code, 1);
    assert!(junk.stderr.contains("junk.partial"), "{}", junk.stderr);
}

#[test]
fn facts_file_has_one_line_per_conversation_in_input_order() {
    let t = TempTree::new();
    let run = cxmine(&[
        "analyze",
        &fixture("kpi.jsonl"),
        "--facts",
        &t.path("facts.jsonl"),
        "-q",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(t.path("facts.jsonl")).unwrap();
    let facts: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = facts.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["c1", "c2", "c3", "c4", "c5"]);
    assert_eq!(facts[0]["first_response_ms"], 90_000);
    assert_eq!(facts[0]["handle_ms"], 250_000);
    assert_eq!(facts[4]["agent"], "Ines");
    assert_eq!(facts[4]["purchase_cents"], 4999);
    assert_eq!(facts[3]["sla_first_response_met"], false);
    assert_eq!(facts[3]["sla_resolution_met"], Value::Null);
}

#[test]
fn generator_is_deterministic_and_its_output_is_clean() {
    let a = cxmine(&["gen", "--conversations", "40", "--seed", "9"]);
    let b = cxmine(&["gen", "--conversations", "40", "--seed", "9"]);
    assert_eq!(a.stdout, b.stdout);
    let r = cxmine_in(
        None,
        &["analyze", "-", "--format", "json", "-q"],
        Some(a.stdout.as_bytes()),
    )
    .json();
    assert_eq!(r["input"]["conversations"], 40);
    assert_eq!(r["skipped"]["total"], 0);
    let bad = cxmine(&["gen", "--channels", "fax=1"]);
    assert_eq!(bad.code, 1);
}

#[test]
fn a_conversation_read_twice_is_reported_and_keeps_its_fcr() {
    // One resolved chat, exported into two files. FCR by hand: resolved, not reopened,
    // not transferred, no other conversation of c1; both copies are counted by the
    // conversation-level KPIs and both are first-contact resolutions (2 of 2), since the
    // copy is not a repeat contact of its original.
    let line = r#"{"id":"c-1","channel":"chat","customer_id":"c1","events":[{"ts":"2024-01-01T10:00:00Z","role":"customer","text":"hi"},{"ts":"2024-01-01T10:01:00Z","role":"agent","text":"hello"},{"ts":"2024-01-01T10:02:00Z","type":"resolve","role":"agent"}]}"#;
    let t = TempTree::new();
    t.write("a/jan.jsonl", format!("{line}\n"));
    t.write("b/jan-again.jsonl", format!("{line}\n"));
    let run = cxmine(&["analyze", &t.path(""), "--format", "json", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["customers"]["duplicate_conversations"], 1);
    assert_eq!(r["customers"]["customers"], 1);
    assert_eq!(r["customers"]["repeat_customers"], 0);
    assert_eq!(r["overall"]["kpis"]["fcr"]["value"], 100.0);
    let table = cxmine(&["analyze", &t.path(""), "-q"]);
    assert!(
        table.stdout.contains("duplicate conversations: 1"),
        "{}",
        table.stdout
    );
}
