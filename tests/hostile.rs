//! Hostile input and faults: nothing is silently lost. Every case here once ended with a
//! file's records gone and exit 0 (or the whole run aborted); each now keeps what can be
//! read, names the file and line of what cannot, counts it under `skipped`, and fails
//! under `--strict`.

mod util;

use serde_json::Value;
use util::{TempTree, cxmine};

/// Two good whole conversations (c1: 2 events, c2: 1 event).
const GOOD: &str = concat!(
    r#"{"id":"c1","channel":"chat","customer_id":"A","events":[{"ts":"2024-01-10T10:00:10Z","role":"customer","text":"hi"},{"ts":"2024-01-10T10:01:40Z","role":"agent","author":"Sam","text":"hello"}]}"#,
    "\n",
    r#"{"id":"c2","channel":"chat","customer_id":"B","events":[{"ts":"2024-01-10T10:00:10Z","role":"customer","text":"hi"}]}"#,
    "\n",
);

/// Runs `analyze --format json -q [--strict] PATHS`; returns the exit code and the report.
fn analyze(paths: &[String], strict: bool) -> (i32, Value) {
    let mut args = vec!["analyze", "--format", "json", "-q"];
    if strict {
        args.push("--strict");
    }
    args.extend(paths.iter().map(String::as_str));
    let run = cxmine(&args);
    let report = run.json();
    (run.code, report)
}

/// (records read, conversations kept, skipped total) of a report.
fn tally(r: &Value) -> (u64, u64, u64) {
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"));
    (
        n(&r["input"]["records"]),
        n(&r["input"]["conversations"]),
        n(&r["skipped"]["total"]),
    )
}

#[test]
fn a_known_extension_wins_over_a_misleading_first_line() {
    let tree = TempTree::new();
    // Each first line once sent the file to another reader (XML: nothing counted; mbox:
    // one skipped record; chat log: every line skipped).
    for (name, first) in [
        ("xml_first.jsonl", "<?xml version=\"1.0\"?>"),
        ("from_first.jsonl", "From someone Mon Jan  1 00:00:00 2024"),
        ("bracket_first.jsonl", "[export of 2024-01-10]"),
    ] {
        let path = tree.write(name, format!("{first}\n{GOOD}"));
        let (code, r) = analyze(&[path.display().to_string()], true);
        // 3 lines: line 1 skipped, c1 and c2 kept.
        assert_eq!(tally(&r), (3, 2, 1), "{name}: {r}");
        assert_eq!(r["input"]["formats"]["jsonl"], 1, "{name}");
        assert_eq!(r["skipped"]["examples"][0]["line"], 1, "{name}");
        assert_eq!(code, 3, "{name}: --strict fails on the skipped line");
    }
}

#[test]
fn a_file_the_chosen_reader_cannot_use_is_counted_not_empty() {
    let tree = TempTree::new();
    let text = "just some text\nmore text\n";
    // The XML reader once read plain text as an empty dump: 0 records, exit 0.
    let xml = tree.write("notes.xml", text).display().to_string();
    let (code, r) = analyze(std::slice::from_ref(&xml), true);
    assert_eq!(tally(&r), (1, 0, 1), "{r}");
    assert_eq!(r["skipped"]["by_reason"]["malformed_record"], 1);
    assert_eq!(code, 3);
    // Every other exported reader counts it too (the chat log line by line: 2).
    for (name, records) in [
        ("notes.mbox", 1),
        ("notes.eml", 1),
        ("notes.csv", 1),
        ("notes.txt", 2),
    ] {
        let path = tree.write(name, text).display().to_string();
        let (code, r) = analyze(&[path], true);
        assert_eq!(tally(&r), (records, 0, records), "{name}: {r}");
        assert_eq!(code, 3, "{name}");
    }
    // An empty file holds nothing to lose: no problem.
    let empty = tree.write("empty.xml", "").display().to_string();
    let (code, r) = analyze(&[empty], true);
    assert_eq!((code, tally(&r)), (0, (0, 0, 0)));
}

/// `complete` gzipped, followed by the first 10 bytes (the header only) of a second gzip
/// member: the decoder reads all of `complete`, then fails on the cut member.
fn gzip_cut_after(complete: &str) -> Vec<u8> {
    use std::io::Write;
    let gz = |text: &str| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let mut bytes = gz(complete);
    bytes.extend_from_slice(&gz("{\"id\":\"c3\"}\n")[..10]);
    bytes
}

#[test]
fn a_truncated_gzip_keeps_what_came_before_and_the_run_goes_on() {
    let tree = TempTree::new();
    let cut = tree.write("in/cut.jsonl.gz", gzip_cut_after(GOOD));
    tree.write("in/other.jsonl", GOOD.replace("\"id\":\"c", "\"id\":\"d"));
    let dir = tree.path("in");
    let (code, r) = analyze(std::slice::from_ref(&dir), true);
    // c1, c2 from the cut file and d1, d2 from the other: 4 records, 4 conversations;
    // the cut file is one skipped `unreadable_file`, at line 3 (2 lines were read).
    assert_eq!(tally(&r), (4, 4, 1), "{r}");
    assert_eq!(r["skipped"]["by_reason"]["unreadable_file"], 1);
    let example = &r["skipped"]["examples"][0];
    assert_eq!(example["file"], cut.display().to_string());
    assert_eq!(example["line"], 3);
    assert_eq!(code, 3, "--strict fails");
    let (code, _) = analyze(&[dir], false);
    assert_eq!(code, 0, "without --strict the report stands");

    // The same for an exported format: the chat log's two conversations are kept.
    let chat = std::fs::read_to_string(util::fixture("chat/support_chat.txt")).unwrap();
    let log = tree.write("cut.txt.gz", gzip_cut_after(&chat));
    let (code, r) = analyze(&[log.display().to_string()], true);
    assert_eq!(r["input"]["conversations"], 2, "{r}");
    assert_eq!(r["skipped"]["by_reason"]["unreadable_file"], 1, "{r}");
    assert_eq!(code, 3);
}

#[cfg(unix)]
#[test]
fn a_dangling_link_or_unreadable_file_is_reported_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let tree = TempTree::new();
    tree.write("in/good.jsonl", GOOD);
    let link = tree.dir.path().join("in/gone.jsonl");
    std::os::unix::fs::symlink(tree.dir.path().join("nowhere.jsonl"), &link).unwrap();
    // In a walked directory and named on the command line alike.
    for inputs in [
        vec![tree.path("in")],
        vec![tree.path("in/good.jsonl"), link.display().to_string()],
    ] {
        let (code, r) = analyze(&inputs, true);
        // good.jsonl's 2 conversations; the link is one skipped file, at line 1.
        assert_eq!(tally(&r), (2, 2, 1), "{r}");
        let example = &r["skipped"]["examples"][0];
        assert_eq!(example["file"], link.display().to_string());
        assert_eq!(example["reason"], "unreadable_file");
        assert_eq!(code, 3);
    }
    // A path where nothing exists is still a usage error.
    let (code, _) = {
        let run = cxmine(&["analyze", "-q", &tree.path("missing.jsonl")]);
        (run.code, ())
    };
    assert_eq!(code, 1);

    let locked = tree.write("locked/secret.jsonl", GOOD);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        return; // running with privileges that read anything: nothing to test
    }
    let (code, r) = analyze(&[tree.path("locked"), tree.path("in/good.jsonl")], true);
    assert_eq!(tally(&r), (2, 2, 1), "{r}");
    assert_eq!(code, 3);
}

#[test]
fn absurd_purchase_amounts_are_skipped_not_wrapped() {
    let tree = TempTree::new();
    // Two purchases of 6·10¹⁶ (6·10¹⁸ cents each: their sum passes i64::MAX) and one of
    // 25.50. The absurd ones are skipped events (bad_value, line 1); the conversation
    // stays, with one purchase: average 25.50, positive CLV.
    let line = concat!(
        r#"{"id":"p1","channel":"chat","customer_id":"A","events":["#,
        r#"{"ts":"2024-01-10T10:00:10Z","role":"customer","text":"hi"},"#,
        r#"{"ts":"2024-01-10T10:01:00Z","type":"purchase","role":"customer","amount":6e16},"#,
        r#"{"ts":"2024-01-11T10:01:00Z","type":"purchase","role":"customer","amount":6e16},"#,
        r#"{"ts":"2024-01-12T10:01:00Z","type":"purchase","role":"customer","amount":25.5}]}"#,
    );
    let path = tree.write("buy.jsonl", format!("{line}\n"));
    let (code, r) = analyze(&[path.display().to_string()], true);
    assert_eq!(tally(&r), (1, 1, 2), "{r}");
    assert_eq!(r["skipped"]["by_reason"]["bad_value"], 2);
    let clv = &r["customers"]["clv"];
    assert_eq!(clv["purchases"], 1);
    assert_eq!(clv["average_purchase_value"], 25.5);
    assert!(clv["value"].as_f64().is_some_and(|v| v > 0.0), "{clv}");
    assert_eq!(code, 3);
}

#[test]
fn a_byte_order_mark_does_not_spoil_line_one() {
    let tree = TempTree::new();
    let path = tree.write("bom.jsonl", format!("\u{FEFF}{GOOD}"));
    let (code, r) = analyze(&[path.display().to_string()], true);
    // Line 1 (c1) once failed as malformed_json: now both conversations, nothing skipped.
    assert_eq!((code, tally(&r)), (0, (2, 2, 0)), "{r}");
}

#[test]
fn deleting_an_id_the_index_does_not_hold_is_said() {
    let tree = TempTree::new();
    let input = tree.write("in.jsonl", GOOD).display().to_string();
    let index = tree.path("idx");
    let run = cxmine(&["index", &input, "--index", &index, "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // c2 is there, "nope" is not: c2 goes, "nope" is named, exit 0 (3 with --strict).
    let run = cxmine(&["index", "--index", &index, "--delete", "nope", "c2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("\"nope\""), "{}", run.stderr);
    assert!(!run.stderr.contains("\"c2\""), "{}", run.stderr);
    let run = cxmine(&["index", "--index", &index, "--delete", "nope", "--strict"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    // 2 indexed − c2 = 1 left.
    let found = cxmine(&["search", "--index", &index, "", "--format", "json"]).json();
    assert_eq!(found["total"], 1);
}

/// A whole conversation whose customer text has `len` bytes.
fn conversation_with_text(id: &str, len: usize) -> String {
    let text = "a".repeat(len);
    format!(
        r#"{{"id":"{id}","channel":"chat","customer_id":"A","events":[{{"ts":"2024-01-10T10:00:10Z","role":"customer","text":"{text}"}}]}}"#
    )
}

#[test]
fn a_line_longer_than_the_mem_limit_allows_is_skipped_as_too_large() {
    // --mem-limit 1M: the maximum line is 1 MiB / 16 = 65 536 bytes. Line 2 carries a
    // 70 000-byte text (too large), line 3 a 60 000-byte one (kept), line 4 is c2 of GOOD.
    let tree = TempTree::new();
    let body = format!(
        "{}\n{}\n{}\n{GOOD}",
        GOOD.lines().next().unwrap(),
        conversation_with_text("long", 70_000),
        conversation_with_text("fits", 60_000),
    );
    let path = tree.write("long.jsonl", body);
    let run = cxmine(&[
        "analyze",
        "--format",
        "json",
        "-q",
        "--strict",
        "--mem-limit",
        "1M",
        &path.display().to_string(),
    ]);
    let r = run.json();
    // 5 records (c1, long, fits, c1 again, c2); 4 conversations kept; 1 skipped.
    assert_eq!(tally(&r), (5, 4, 1), "{r}");
    assert_eq!(r["skipped"]["by_reason"]["too_large"], 1);
    assert_eq!(r["skipped"]["examples"][0]["line"], 2);
    assert_eq!(run.code, 3);
}

#[test]
fn an_event_line_conversation_larger_than_the_mem_limit_allows_is_skipped() {
    // --mem-limit 1M: the maximum conversation is 65 536 bytes in memory (its lines plus
    // a parsed event each). "big" has 2 000 event lines of ~100 bytes (> 200 000 bytes);
    // "small" has 2. Only "big" is skipped, named at its first line (line 1).
    let tree = TempTree::new();
    let mut body = String::new();
    for i in 0..2000 {
        let channel = if i == 0 { r#","channel":"chat""# } else { "" };
        body.push_str(&format!(
            r#"{{"conversation_id":"big","ts":"2024-01-10T10:00:10Z","role":"customer","text":"message {i}"{channel}}}"#
        ));
        body.push('\n');
    }
    for i in 0..2 {
        body.push_str(&format!(
            r#"{{"conversation_id":"small","channel":"sms","ts":"2024-01-10T10:0{i}:00Z","role":"customer","text":"hi"}}"#
        ));
        body.push('\n');
    }
    let path = tree.write("events.jsonl", body);
    let r = cxmine(&[
        "analyze",
        "--format",
        "json",
        "-q",
        "--mem-limit",
        "1M",
        &path.display().to_string(),
    ])
    .json();
    // 2 002 records; 1 conversation ("small", 2 events); the 2 000 event lines of "big"
    // skipped, each counted (records = kept lines + skipped), listed once at its line 1.
    assert_eq!(tally(&r), (2002, 1, 2000), "{r}");
    assert_eq!(r["input"]["events"], 2);
    assert_eq!(r["skipped"]["by_reason"]["too_large"], 2000);
    assert_eq!(r["skipped"]["examples"].as_array().unwrap().len(), 1);
    assert_eq!(r["skipped"]["examples"][0]["line"], 1);
}

const SOCIAL_HEADER: &str =
    "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n";

/// One social CSV row: a customer post of its own (no reply link), `text` as written.
fn social_row(id: u64, text: &str) -> String {
    format!(
        "{id},u{},True,Tue Oct 31 22:{:02}:47 +0000 2017,{text},,\n",
        id % 50,
        id % 60
    )
}

#[test]
fn a_stray_quote_in_a_csv_row_spoils_only_that_row() {
    // 1 000 rows (lines 2..=1001), each a thread of its own; every 7th text is quoted
    // with a comma inside, so a quote opened on a bad row would pair with their quotes.
    // Row 10 (line 11) opens a quote it never closes: lines 12.. each start a post, so
    // the damage is line 11 alone. Kept: 999 rows = 999 conversations; records: 999 rows
    // + 1 damaged span = 1 000; skipped 1.
    let mut body = SOCIAL_HEADER.to_owned();
    for id in 1..=1000u64 {
        let text = match id {
            10 => "\"my order, it never came".to_owned(),
            _ if id % 7 == 0 => format!("\"order {id}, still late\""),
            _ => format!("order {id} is late 😞"),
        };
        body.push_str(&social_row(id, &text));
    }
    let tree = TempTree::new();
    let path = tree.write("posts.csv", &body).display().to_string();
    let (code, r) = analyze(std::slice::from_ref(&path), false);
    assert_eq!(code, 0);
    assert_eq!(tally(&r), (1000, 999, 1), "{r}");
    assert_eq!(r["skipped"]["by_reason"]["malformed_record"], 1);
    let example = &r["skipped"]["examples"][0];
    assert_eq!(example["file"], path.as_str());
    assert_eq!(example["line"], 11);
    let message = example["message"].as_str().unwrap();
    assert!(
        message.starts_with("unclosed quote") && message.contains("(line 11 skipped)"),
        "{message}"
    );
    // Every other row is one message: 999 events.
    assert_eq!(r["input"]["events"], 999);
    let (strict_code, _) = analyze(&[path], true);
    assert_eq!(strict_code, 3);
}

#[test]
fn an_unclosed_quote_on_the_last_csv_row_is_reported() {
    // Lines 2-3 are good; line 4 opens a quote and the file ends (with and without a
    // final line end): 3 records, 2 conversations, 1 skipped at line 4.
    for end in ["\n", ""] {
        let body = format!(
            "{SOCIAL_HEADER}{}{}4,u4,True,Tue Oct 31 22:10:47 +0000 2017,\"cut off here,,{end}",
            social_row(2, "first"),
            social_row(3, "second"),
        );
        let tree = TempTree::new();
        let path = tree.write("posts.csv", body).display().to_string();
        let (_, r) = analyze(&[path], false);
        assert_eq!(tally(&r), (3, 2, 1), "{r}");
        let example = &r["skipped"]["examples"][0];
        assert_eq!(example["line"], 4);
        assert!(
            example["message"]
                .as_str()
                .unwrap()
                .contains("runs to the end of the file (line 4 skipped)"),
            "{r}"
        );
    }
}

#[test]
fn a_quoted_csv_text_over_several_lines_is_still_one_post() {
    // Row 1 (lines 2-5) is one text with line breaks, doubled quotes, a comma, emoji,
    // Greek, and a line that begins like a row ("7,u7,True,") but has no valid date;
    // row 2 (line 6) answers it. One conversation of 2 events; nothing skipped.
    let text = "\"Hello,\nthe \"\"express\"\" parcel 📦 never came\n7,u7,True,soon?\nΕυχαριστώ\"";
    let body = format!(
        "{SOCIAL_HEADER}{}8,Brand,False,Tue Oct 31 23:00:00 +0000 2017,@u1 sorry!,,1\n",
        social_row(1, text)
    );
    let tree = TempTree::new();
    let path = tree.write("posts.csv", body).display().to_string();
    let (code, r) = analyze(std::slice::from_ref(&path), true);
    assert_eq!((code, tally(&r)), (0, (2, 1, 0)), "{r}");
    assert_eq!(r["input"]["events"], 2);
    let out = tree.path("out.jsonl");
    let run = cxmine(&["convert", &path, "-o", &out]);
    assert_eq!(run.code, 0);
    let conversation: Value =
        serde_json::from_str(std::fs::read_to_string(&out).unwrap().trim()).unwrap();
    assert_eq!(
        conversation["events"][0]["text"],
        "Hello,\nthe \"express\" parcel 📦 never came\n7,u7,True,soon?\nΕυχαριστώ"
    );
    assert_eq!(conversation["events"][1]["text"], "@u1 sorry!");
}

#[test]
fn one_customer_with_thousands_of_conversations_settles_under_a_small_mem_limit() {
    // 3 000 chat conversations of customer C1, 12 a day (every 2 hours) on days 1-28 of
    // each month from 2024-01 (250 days, into September), each resolved 30 minutes after
    // it opens. At --mem-limit 1M the customer's ledger entries
    // leave the workers past 1M / 8 / threads and are settled in sorted runs of 1M / 24
    // bytes (a few hundred contacts), in temporary files; the report must equal the one
    // settled all in memory.
    let mut body = String::new();
    for i in 0..3000u32 {
        let (day, hour) = (1 + i / 12, (i % 12) * 2);
        let ts = |minute: u32| {
            format!(
                "2024-{:02}-{:02}T{hour:02}:{minute:02}:00Z",
                1 + (day - 1) / 28,
                1 + (day - 1) % 28
            )
        };
        body.push_str(&format!(
            r#"{{"id":"c{i}","channel":"chat","customer_id":"C1","events":[{{"ts":"{}","role":"customer","text":"help"}},{{"ts":"{}","type":"resolve","role":"agent","author":"Sam"}}]}}"#,
            ts(0),
            ts(30)
        ));
        body.push('\n');
    }
    let tree = TempTree::new();
    let path = tree.write("one-customer.jsonl", body).display().to_string();
    let run = |limit: &str| {
        let run = cxmine(&[
            "analyze",
            "--format",
            "json",
            "-q",
            "--mem-limit",
            limit,
            &path,
        ]);
        assert_eq!(run.code, 0);
        run.stdout
    };
    let small = run("1M");
    assert_eq!(small, run("256M"));
    let r: Value = serde_json::from_str(&small).unwrap();
    // Every conversation but the last has the next one at most 4 days later (Jan 28 →
    // Feb 1), inside its 7-day FCR window: FCR 1 / 3 000 = 0.03 %. One customer, a repeat customer.
    assert_eq!(r["overall"]["kpis"]["fcr"]["value"], 0.03);
    assert_eq!(r["customers"]["customers"], 1);
    assert_eq!(r["customers"]["repeat_customers"], 1);
    assert_eq!(r["input"]["conversations"], 3000);
}
