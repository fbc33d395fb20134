//! Black-box tests of the researcher commands: `cxmine lexicon suggest` on a tiny gold
//! file and `cxmine eval --against` with two lexicon directories, every expected number
//! computed by hand below.

mod util;

use serde_json::{Value, json};
use util::{TempTree, cxmine};

/// Eight gold messages; the agent's (m8) is left out by `--role customer`.
const SUGGEST_GOLD: &str = r#"// label studied: sentiment:negative
{"id": "m1", "role": "customer", "text": "still broken", "labels": ["sentiment:negative"]}
{"id": "m2", "role": "customer", "text": "Still broken today", "labels": ["sentiment:negative"]}
{"id": "m3", "role": "customer", "text": "broken again!", "labels": ["sentiment:negative"]}
{"id": "m4", "role": "customer", "text": "thanks", "labels": []}
{"id": "m5", "role": "customer", "text": "works today", "labels": ["sentiment:positive"]}
{"id": "m6", "role": "customer", "text": "thanks again", "labels": ["sentiment:positive"]}
{"id": "m7", "role": "customer", "text": "Still waiting, thanks", "labels": []}
{"id": "m8", "role": "agent", "text": "still broken? sorry", "labels": ["sentiment:negative"]}
"#;

// The customer messages' distinct n-grams (a clause ends at the comma of m7):
//   labelled  m1: still, broken, still broken                                        3
//             m2: still, broken, today, still broken, broken today, still broken today 6
//             m3: broken, again, broken again                                        3   n_l = 12
//   the rest  m4: thanks                                                             1
//             m5: works, today, works today                                          3
//             m6: thanks, again, thanks again                                        3
//             m7: still, waiting, still waiting, thanks                              4   n_r = 11
// Prior α = the phrase's count over all messages, α0 = n_l + n_r = 23;
// z = [ln((y_l+α)/(n_l+α0−y_l−α)) − ln((y_r+α)/(n_r+α0−y_r−α))] / √(1/(y_l+α) + 1/(y_r+α)).
//   broken        y_l 3, y_r 0, α 3: ln((6/29)/(3/31)) = ln(186/87) = 0.759839; σ = √(1/6+1/3) = 0.707107; z = 1.074574
//   still broken  y_l 2, y_r 0, α 2: ln((4/31)/(2/32)) = ln(128/62) = 0.724896; σ = √(1/4+1/2) = 0.866025; z = 0.837038
//   still         y_l 2, y_r 1, α 3: ln((5/30)/(4/30)) = ln(5/4)    = 0.223144; σ = √(1/5+1/4) = 0.670820; z = 0.332643
//   broken again, broken today, still broken today
//                 y_l 1, y_r 0, α 1: ln((2/33)/(1/33)) = ln 2       = 0.693147; σ = √(1/2+1)   = 1.224745; z = 0.565952
//   today, again  y_l 1, y_r 1, α 2: ln((3/32)/(3/31)) < 0: not a marker, left out.
const Z_BROKEN: f64 = 1.074574;
const Z_STILL_BROKEN: f64 = 0.837038;
const Z_STILL: f64 = 0.332643;
const Z_ONCE: f64 = 0.565952;

fn suggest(t: &TempTree, extra: &[&str]) -> Value {
    let gold = t.write("gold.jsonl", SUGGEST_GOLD);
    let mut args = vec![
        "lexicon",
        "suggest",
        "--gold",
        gold.to_str().unwrap(),
        "--label",
        "sentiment:negative",
        "--role",
        "customer",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let run = cxmine(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

fn phrases_and_z(v: &Value) -> Vec<(String, f64)> {
    v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["phrase"].as_str().unwrap().to_string(),
                c["z"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn assert_ranking(v: &Value, expected: &[(&str, f64)]) {
    let got = phrases_and_z(v);
    let names: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(p, _)| *p).collect();
    assert_eq!(names, want, "{v:#}");
    for ((p, z), (_, want)) in got.iter().zip(expected) {
        assert!((z - want).abs() < 1e-5, "{p}: z {z}, expected {want}");
    }
}

#[test]
fn suggest_ranks_the_hand_computed_markers() {
    let t = TempTree::new();
    let v = suggest(&t, &["--min-count", "2"]);
    // m8 is an agent message: 3 labelled customer messages, 4 others.
    assert_eq!(v["label"], "sentiment:negative");
    assert_eq!(
        (v["messages_label"].clone(), v["messages_rest"].clone()),
        (json!(3), json!(4))
    );
    assert_ranking(
        &v,
        &[
            ("broken", Z_BROKEN),
            ("still broken", Z_STILL_BROKEN),
            ("still", Z_STILL),
        ],
    );
    let top = &v["candidates"][0];
    assert_eq!(top["count_label"], 3);
    assert_eq!(top["count_rest"], 0);
    assert_eq!(top["examples"], json!(["m1", "m2", "m3"]));
    // `broken` is a [valence] entry of sentiment.txt; `still broken` is an acknowledgement
    // phrase, which is not the sentiment detector's lexicon.
    let at = top["in_lexicon"].as_str().unwrap();
    assert!(
        at.starts_with("sentiment.txt:") && at.ends_with(" [valence]"),
        "{at}"
    );
    assert_eq!(v["candidates"][1]["in_lexicon"], Value::Null);
    assert_eq!(v["candidates"][1]["examples"], json!(["m1", "m2"]));
    assert_eq!(v["candidates"][2]["count_rest"], 1);
}

#[test]
fn suggest_breaks_ties_by_phrase_and_honours_the_filters() {
    let t = TempTree::new();
    // --min-count 1 adds the three phrases of one labelled message, tied at Z_ONCE.
    let v = suggest(&t, &["--min-count", "1"]);
    assert_ranking(
        &v,
        &[
            ("broken", Z_BROKEN),
            ("still broken", Z_STILL_BROKEN),
            ("broken again", Z_ONCE),
            ("broken today", Z_ONCE),
            ("still broken today", Z_ONCE),
            ("still", Z_STILL),
        ],
    );
    // --new-only drops `broken` (in sentiment.txt); --limit keeps the first two left.
    let v = suggest(&t, &["--min-count", "1", "--new-only", "--limit", "2"]);
    assert_ranking(
        &v,
        &[("still broken", Z_STILL_BROKEN), ("broken again", Z_ONCE)],
    );
}

#[test]
fn suggest_table_and_refusals() {
    let t = TempTree::new();
    let gold = t.write("gold.jsonl", SUGGEST_GOLD);
    let gold = gold.to_str().unwrap();
    let run = cxmine(&[
        "lexicon",
        "suggest",
        "--gold",
        gold,
        "--label",
        "sentiment:negative",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // All roles: m8 joins the labelled side (4 of 8).
    assert!(
        run.stdout
            .starts_with("sentiment:negative: 4 messages with the label, 4 without\n")
    );
    // m8 adds still, broken, still broken, sorry: n_l = 16, n_r = 11, α0 = 27.
    // broken y_l 4, y_r 0, α 4: ln((8/35)/(4/34)) = ln(272/140) = 0.664160;
    // σ = √(1/8+1/4) = 0.612372; z = 1.084568.
    let first = run.stdout.lines().nth(2).unwrap();
    let cols: Vec<&str> = first.split_whitespace().collect();
    assert_eq!(cols[..4], ["broken", "1.085", "4", "0"], "{first}");
    assert!(cols[4].starts_with("sentiment.txt:"), "{first}");
    assert_eq!(cols[5..], ["[valence]", "m1", "m2", "m3"], "{first}");
    for label in ["sentiment", "mood:bad", "sentiment:angry"] {
        let run = cxmine(&["lexicon", "suggest", "--gold", gold, "--label", label]);
        assert_eq!(run.code, 1, "{label}: {}", run.stdout);
        assert!(run.stderr.contains(label), "{}", run.stderr);
    }
}

/// Four agent messages for the hand-off detector.
const COMPARE_GOLD: &str = r#"{"id": "h1", "role": "agent", "text": "let me transfer you to billing", "labels": ["handoff:phrase"]}
{"id": "h2", "role": "agent", "text": "I'll pass you to a colleague", "labels": ["handoff:phrase"]}
{"id": "h3", "role": "agent", "text": "one moment", "labels": []}
{"id": "h4", "role": "agent", "text": "handing this to my colleague now", "labels": ["handoff:phrase"]}
"#;

/// The shipped lexicons copied to `dir`, `[transfer]` phrase `add` appended to handoff.txt.
fn lexicon_copy(t: &TempTree, dir: &str, add: Option<&str>) -> String {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lexicons");
    for e in std::fs::read_dir(&src).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".txt") {
            let mut text = std::fs::read_to_string(&path).unwrap();
            if let (Some(phrase), "handoff.txt") = (add, name.as_str()) {
                text.push_str(&format!("\n[transfer]\n{phrase}\n"));
            }
            t.write(&format!("{dir}/{name}"), text);
        }
    }
    t.path(dir)
}

fn row<'a>(v: &'a Value, detector: &str, label: &str) -> &'a Value {
    v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["detector"] == detector && r["label"] == label)
        .unwrap_or_else(|| panic!("no row {detector} {label}: {v:#}"))
}

#[test]
fn compare_shows_the_f1_change_of_one_added_phrase() {
    let t = TempTree::new();
    let gold = t.write("gold.jsonl", COMPARE_GOLD);
    let a = lexicon_copy(&t, "a", None);
    let b = lexicon_copy(&t, "b", Some("handing this to"));
    let run = cxmine(&[
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--lexicons",
        &a,
        "--against",
        &b,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(
        (v["a"].as_str(), v["b"].as_str()),
        (Some(a.as_str()), Some(b.as_str()))
    );
    assert_eq!(v["messages"], 4);
    // A: h1 (`let me transfer you`) and h2 (`i'll pass you to`) found, h4 missed:
    //    tp 2, fp 0, fn 1 → P 1, R 2/3, F1 = 2·1·(2/3) / (1 + 2/3) = 0.8.
    // B: `handing this to` finds h4 as well: tp 3 → P = R = F1 = 1. ΔF1 = +0.2.
    let r = row(&v, "handoff", "phrase");
    assert_eq!(r["a"]["tp"], 2);
    assert_eq!(r["a"]["fn_"], 1);
    assert_eq!(r["b"]["tp"], 3);
    assert_eq!(r["b"]["fn_"], 0);
    assert!((r["a"]["f1"].as_f64().unwrap() - 0.8).abs() < 1e-12);
    assert!((r["a"]["recall"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(r["b"]["f1"], 1.0);
    assert!((r["f1_delta"].as_f64().unwrap() - 0.2).abs() < 1e-12);
    // The detector's total is the same single label; nothing else moves.
    assert_eq!(row(&v, "handoff", "(all)")["f1_delta"], r["f1_delta"]);
    for r in v["labels"].as_array().unwrap() {
        if r["detector"] != "handoff" {
            assert_eq!(r["f1_delta"], 0.0, "{r}");
        }
    }
}

#[test]
fn compare_table_against_the_shipped_lexicons() {
    let t = TempTree::new();
    let gold = t.write("gold.jsonl", COMPARE_GOLD);
    let b = lexicon_copy(&t, "b", Some("handing this to"));
    let run = cxmine(&["eval", "--gold", gold.to_str().unwrap(), "--against", &b]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "A: shipped lexicons");
    assert_eq!(lines[1], format!("B: {b}"));
    assert_eq!(lines[2], "4 messages, 0 conversations");
    // Same hand computation as above: F1 0.8 → 1, ΔF1 +0.2.
    let phrase = lines
        .iter()
        .find(|l| l.starts_with("handoff") && l.contains(" phrase "))
        .unwrap();
    let cols: Vec<&str> = phrase.split_whitespace().collect();
    assert_eq!(
        cols,
        [
            "handoff", "phrase", "1.000", "0.667", "0.800", "1.000", "1.000", "1.000", "+0.200"
        ]
    );
    // A missing second set is an error, not an empty comparison.
    let run = cxmine(&[
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--against",
        &t.path("none"),
    ]);
    assert_eq!(run.code, 1);
}
