//! End to end from canonical JSONL to the `cx` block of the JSON report: the header fields
//! (`severity`, `due_at`, `customer_id`) and event payloads (`detail`) reach the metrics,
//! and conversations spread over event lines count like whole ones.

use cxmine::config::Config;
use cxmine::ingest::source::discover;
use cxmine::metrics::segment::parse_dimensions;
use cxmine::pipeline::{Options, run};
use serde_json::{Value, json};

const FIXTURE: &str = r#"{"id":"e1","channel":"email","customer_id":"u1","severity":"urgent","due_at":"2024-03-01T12:00:00Z","events":[{"ts":"2024-03-01T08:00:00Z","type":"queue_enter","role":"system"},{"ts":"2024-03-01T09:00:00Z","role":"customer","text":"Invoice wrong, need it fixed by noon"},{"ts":"2024-03-01T10:30:00Z","role":"agent","author":"ana","text":"Looking into it"},{"ts":"2024-03-01T13:00:00Z","type":"resolve","role":"agent"}]}
{"id":"s1","channel":"sms","customer_id":"u2","events":[{"ts":"2024-03-01T09:00:00Z","type":"alert","role":"system","detail":"fraud"},{"ts":"2024-03-01T09:10:00Z","role":"customer","text":"NOT ME 😡"}]}
{"conversation_id":"s2","channel":"sms","customer_id":"u2","ts":"2024-03-02T10:00:00Z","role":"customer","text":"card still blocked"}
{"conversation_id":"s2","ts":"2024-03-02T10:05:00Z","role":"agent","text":"unblocked now"}
{"conversation_id":"s2","ts":"2024-03-02T10:06:00Z","type":"resolve","role":"agent"}
{"id":"x1","channel":"social","events":[{"ts":"2024-03-01T10:00:00Z","role":"customer","text":"@brand my parcel?"},{"ts":"2024-03-01T10:05:00Z","type":"endorsement","role":"customer","detail":"like"},{"ts":"2024-03-01T10:20:00Z","role":"agent","text":"It ships today"},{"ts":"2024-03-01T10:25:00Z","type":"resolve","role":"agent"},{"ts":"2024-03-01T10:30:00Z","type":"endorsement","role":"customer","detail":"share"},{"ts":"2024-03-01T10:31:00Z","type":"endorsement","role":"customer","detail":"reply"}]}
"#;

fn cx_report() -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture.jsonl");
    std::fs::write(&path, FIXTURE).unwrap();
    let files = discover(&[path]).unwrap();
    let options = Options {
        dims: parse_dimensions("channel").unwrap(),
        ..Options::default()
    };
    let report = run(&files, &options, None, None)
        .unwrap()
        .finish(&Config::default())
        .unwrap();
    assert_eq!(report.skipped.total, 0);
    serde_json::to_value(&report.overall.cx).unwrap()
}

#[test]
fn header_fields_and_payloads_reach_the_cx_metrics() {
    let cx = cx_report();
    // e1: turnaround 09:00 → 13:00 = 4 h under "urgent"; due 12:00 → missed by 1 h;
    // queue 08:00 → first agent message 10:30 = 9000 s.
    assert_eq!(
        cx["email"]["turnaround_by_severity"]["urgent"],
        json!({"n": 1, "mean_s": 14400.0, "median_s": 14400.0, "p90_s": 14400.0, "max_s": 14400.0, "approximate": false})
    );
    assert_eq!(cx["email"]["deadline_met"], json!({"n": 1, "value": 0.0}));
    assert_eq!(cx["email"]["deadline_overrun"]["mean_s"], json!(3600.0));
    assert_eq!(cx["email"]["queue_delay_longest"]["max_s"], json!(9000.0));
    // u2 sent s1 and s2 (one of them as event lines): both requests come from a repeat user.
    assert_eq!(
        cx["sms"]["repeat_user_requests"],
        json!({"n": 2, "value": 100.0})
    );
    // The 09:00 fraud alert got a reply at 09:10.
    assert_eq!(
        cx["sms"]["alerts_acted_on"],
        json!({"n": 1, "value": 100.0})
    );
    // x1: solution = the agent reply before the resolve (10:20), 20 min after the post;
    // endorsements after it: one share, one reply (the 10:05 like came before).
    assert_eq!(cx["social"]["time_to_solution"]["mean_s"], json!(1200.0));
    assert_eq!(
        cx["social"]["endorsements"],
        json!({"solutions": 1, "like": 0, "share": 1, "reply": 1, "mention": 0, "dm": 0, "other": 0, "total": 2, "against": 0, "per_solution": 2.0})
    );
    // No detectors ran: text-based metrics are null with n = 0, not 0 %.
    assert_eq!(cx["all"]["measured"], json!(0));
    assert_eq!(
        cx["all"]["solution_acknowledged"],
        json!({"n": 0, "value": null})
    );
    assert_eq!(cx["effort"]["index"]["mean"], Value::Null);
    // Reopen: none of the 3 ever-resolved conversations; one-touch: e1, s2, x1 each had one
    // agent message → 3 of 3.
    assert_eq!(cx["helpdesk"]["reopen_rate"], json!({"n": 3, "value": 0.0}));
    assert_eq!(cx["helpdesk"]["one_touch"], json!({"n": 3, "value": 100.0}));
}
