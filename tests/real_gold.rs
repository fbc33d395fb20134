//! The real-data gold (`gold/real/`, guide in `docs/annotation.md`): its labels are well
//! formed and join the texts in `../shared/data`, and `scripts/eval-real` scores the binary
//! under test on both splits. The texts are not in the repository: where they (or
//! `python3`) are missing, the data-dependent test says so and passes without checking.

use std::path::Path;
use std::process::Command;

const TAGS: [&str; 12] = [
    "pos",
    "neg",
    "ack:success",
    "ack:failure",
    "ack:thanks",
    "used",
    "rephrase",
    "restate",
    "repeat_id",
    "solution",
    "reverify",
    "handoff",
];

fn label_lines() -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir("gold/real")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for f in files {
        for (n, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let where_ = format!("{}:{}", f.display(), n + 1);
            let v: serde_json::Value = serde_json::from_str(line).expect(&where_);
            out.push((where_, v));
        }
    }
    out
}

#[test]
fn labels_are_well_formed_and_carry_no_text() {
    let lines = label_lines();
    // 458 conversations with every tag, plus 720 threads with customer sentiment only.
    let kind = |k: &str| lines.iter().filter(|(_, v)| v["kind"] == k).count();
    assert_eq!((kind("conversation"), kind("sentiment")), (458, 720));
    let mut seen = std::collections::HashSet::new();
    for (where_, v) in &lines {
        let key = (
            v["source"].as_str().unwrap().to_string(),
            v["conversation"].to_string(),
        );
        assert!(seen.insert(key), "{where_}: conversation labelled twice");
        let messages = v["messages"].as_object().expect(where_);
        assert!(!messages.is_empty(), "{where_}: no messages");
        for (id, tags) in messages {
            for t in tags.as_array().expect(where_) {
                let t = t.as_str().unwrap();
                assert!(TAGS.contains(&t), "{where_}: message {id}: unknown tag {t}");
            }
        }
        // Labels only: ids, tags and short notes, never message texts.
        if let Some(note) = v.get("note") {
            assert!(
                note.as_str().unwrap().len() < 400,
                "{where_}: note too long"
            );
        }
        let allowed = ["source", "conversation", "kind", "messages", "note"];
        for k in v.as_object().unwrap().keys() {
            assert!(
                allowed.contains(&k.as_str()),
                "{where_}: unexpected field {k}"
            );
        }
    }
}

#[test]
fn eval_real_scores_both_splits_when_the_texts_are_here() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if !data.is_dir() {
        eprintln!(
            "skipped: {} is not here (the texts are not in the project)",
            data.display()
        );
        return;
    }
    let Ok(out) = Command::new("python3")
        .args([
            "scripts/eval-real",
            "--json",
            "--cxmine",
            env!("CARGO_BIN_EXE_cxmine"),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
    else {
        eprintln!("skipped: python3 is not installed");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json_start = stdout.find('{').expect("a JSON report");
    let r: serde_json::Value = serde_json::from_str(&stdout[json_start..]).unwrap();
    // Every labelled conversation joins its text: 225 dev and 233 test conversations,
    // 1,358 and 1,275 labelled customer messages (the split is a hash of source and id).
    assert_eq!(r["dev"]["conversations"], 225);
    assert_eq!(r["test"]["conversations"], 233);
    assert_eq!(r["dev"]["messages"], 1358);
    assert_eq!(r["test"]["messages"], 1275);
    for split in ["dev", "test"] {
        let accuracy = r[split]["sentiment"][0].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&accuracy), "{split}: {accuracy}");
        for row in ["acknowledgement success", "hand-offs", "restatement"] {
            assert!(r[split]["rows"][row]["f1"].is_number(), "{split}: {row}");
        }
    }
}
