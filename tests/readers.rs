//! Black-box tests of the readers of exported formats, on the fixtures in
//! `tests/fixtures/` (written for these tests in the real shape of each format).
//!
//! Every expected number is computed by hand in the comment next to it.

use std::path::{Path, PathBuf};
use std::process::Command;

use cxmine::config::Config;
use cxmine::error::SkipReason;
use cxmine::ingest::email::Threader;
use cxmine::ingest::readers::{ReadOutput, ReadersConfig};
use cxmine::model::{Conversation, EventKind, Role};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn open(rel: &str) -> std::io::BufReader<std::fs::File> {
    std::io::BufReader::new(std::fs::File::open(fixture(rel)).unwrap())
}

fn config() -> Config {
    Config::load(&fixture("readers.toml")).unwrap()
}

/// (time, role, author) of every message, after the model's ordering.
fn messages(c: &Conversation<'_>) -> Vec<(String, Role, String)> {
    let mut c = c.clone();
    c.finish();
    c.messages()
        .map(|(_, e)| {
            (
                e.ts.to_string(),
                e.role,
                e.author.as_deref().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn problems(out: &ReadOutput) -> Vec<(u64, SkipReason)> {
    out.problems
        .iter()
        .map(|p| (p.pos.line, p.reason))
        .collect()
}

fn ids(out: &ReadOutput) -> Vec<&str> {
    out.conversations.iter().map(|c| c.id.as_ref()).collect()
}

#[test]
fn social_csv_threads_are_rebuilt_from_reply_links() {
    let mut out = ReadOutput::default();
    let readers = ReadersConfig::default();
    cxmine::ingest::social_csv::read(
        &mut open("social/support_threads.csv"),
        0,
        &readers.social,
        &mut out,
    )
    .unwrap();
    // 11 data rows; 1002 comes before its root 1001 but joins it; 3001 and 4002 are bad.
    assert_eq!(out.records, 11);
    // Ordered by the root's row: 1001 (line 3), 2001 (line 6), 4001 (line 12).
    assert_eq!(ids(&out), ["1001", "2001", "4001"]);
    let sprint = &out.conversations[0];
    assert_eq!(sprint.customer_id.as_deref(), Some("115712"));
    assert_eq!(
        messages(sprint),
        [
            (
                "2017-10-31T22:10:47Z".into(),
                Role::Customer,
                "115712".into()
            ),
            (
                "2017-10-31T22:12:47Z".into(),
                Role::Agent,
                "sprintcare".into()
            ),
            (
                "2017-10-31T22:15:00Z".into(),
                Role::Customer,
                "115712".into()
            ),
            (
                "2017-10-31T22:20:00Z".into(),
                Role::Agent,
                "sprintcare".into()
            ),
        ]
    );
    // Two brands answer the same root; the first to answer (AppleSupport, 08:30) is the team.
    let multi = &out.conversations[1];
    assert_eq!(multi.team.as_deref(), Some("AppleSupport"));
    assert_eq!(
        messages(multi),
        [
            (
                "2017-11-01T08:00:00Z".into(),
                Role::Customer,
                "220001".into()
            ),
            (
                "2017-11-01T08:30:00Z".into(),
                Role::Agent,
                "AppleSupport".into()
            ),
            (
                "2017-11-01T08:45:00Z".into(),
                Role::Agent,
                "Ask_Spectrum".into()
            ),
            (
                "2017-11-01T09:00:00Z".into(),
                Role::Customer,
                "220001".into()
            ),
        ]
    );
    // The quoted cell of 2003 spans lines 7–8, so 3001 is on line 11 and 4002 on line 13.
    assert_eq!(
        problems(&out),
        [
            (11, SkipReason::BadTimestamp),
            (13, SkipReason::MalformedRecord)
        ]
    );
}

#[test]
fn email_threads_span_mbox_and_eml_files() {
    let mut out = ReadOutput::default();
    let mut threader = Threader::new(&config().readers.email);
    // The run's sorted order: the three .eml files (files 0–2), then the mbox (file 3).
    for (i, name) in [
        "email/eml/01-login.eml",
        "email/eml/02-login-reply.eml",
        "email/eml/03-refund-reply.eml",
    ]
    .iter()
    .enumerate()
    {
        threader
            .add_eml(&mut open(name), i as u32, &mut out)
            .unwrap();
    }
    threader
        .add_mbox(&mut open("email/support.mbox"), 3, &mut out)
        .unwrap();
    threader.finish(&mut out).unwrap();
    // 3 .eml + 5 mbox messages; the last mbox message has no Date.
    assert_eq!(out.records, 8);
    assert_eq!(problems(&out), [(87, SkipReason::MissingField)]);
    // Ordered by each thread's first message read: carla (eml 1), the refund thread
    // (its reply, eml 3, is read before the mbox question), Ana's (mbox).
    assert_eq!(
        ids(&out),
        ["c1@example.net", "b1@example.org", "a1@mail.example"]
    );
    let ana = &out.conversations[2];
    // 09:00 +0100 is 08:00Z; the third message has no references and joins by subject.
    assert_eq!(
        messages(ana),
        [
            (
                "2024-03-05T08:00:00Z".into(),
                Role::Customer,
                "ana.silva@mail.example".into()
            ),
            (
                "2024-03-05T10:30:00Z".into(),
                Role::Agent,
                "sam@help.shop.example".into()
            ),
            (
                "2024-03-06T08:00:00Z".into(),
                Role::Customer,
                "ana.silva@mail.example".into()
            ),
        ]
    );
    // Encoded-word subject decoded; quoted-printable body decoded; signature dropped.
    assert_eq!(
        ana.events[0].text,
        "Pedido não chegou\n\nOlá,\n\nmy order #5521 has not arrived. It was due on Friday."
    );
    // Quoted history after the wrapped attribution dropped, `>From` unescaped.
    assert_eq!(
        ana.events[1].text,
        "Hi Ana,\n\nSorry about that. The parcel left our warehouse this morning.\n\
         From our tracking it should arrive tomorrow.\n\nSam"
    );
    assert_eq!(ana.events[2].text, "It arrived, thank you!");
    // Base64 subject with an emoji, multipart/mixed with an attachment.
    let mut refund = out.conversations[1].clone();
    refund.finish();
    assert!(
        refund.events[0]
            .text
            .starts_with("Refund for order 7781 💸\n\nHello,")
    );
    assert_eq!(refund.customer_id.as_deref(), Some("bo@example.org"));
    // The HTML-only reply is read as text.
    let carla = &out.conversations[0];
    assert!(carla.events[1].text.contains("please clear the app cache"));
    assert!(!carla.events[1].text.contains('<'));
}

#[test]
fn chat_log_conversations_and_bad_lines() {
    let mut out = ReadOutput::default();
    let readers = ReadersConfig::default();
    let pattern = cxmine::ingest::chatlog::ChatPattern::new(&readers.chat).unwrap();
    cxmine::ingest::chatlog::read(
        &mut open("chat/support_chat.txt"),
        0,
        "support_chat",
        &pattern,
        &mut out,
    )
    .unwrap();
    assert_eq!(ids(&out), ["chat-1042", "chat-1043"]);
    assert_eq!(
        messages(&out.conversations[0]),
        [
            ("2024-03-01T10:02:13Z".into(), Role::Customer, "Jane".into()),
            ("2024-03-01T10:02:15Z".into(), Role::Bot, "Max".into()),
            ("2024-03-01T10:03:40Z".into(), Role::Agent, "Sam".into()),
            ("2024-03-01T10:05:02Z".into(), Role::Agent, "Sam".into()),
            ("2024-03-01T10:05:30Z".into(), Role::Customer, "Jane".into()),
        ]
    );
    assert_eq!(
        out.conversations[0].events[3].text,
        "I see the duplicate charge; the refund is on its way.\nIt takes 3-5 business days."
    );
    assert_eq!(out.conversations[1].events.len(), 3);
    assert_eq!(
        problems(&out),
        [
            (8, SkipReason::MalformedRecord),
            (13, SkipReason::BadTimestamp)
        ]
    );
}

#[test]
fn stack_exchange_questions_answers_acceptance_and_scores() {
    let mut out = ReadOutput::default();
    cxmine::ingest::community_xml::read(&mut open("community/Posts.xml"), 0, &mut out).unwrap();
    // 9 rows: 2 questions, 5 answers (one with a bad date, one with a broken attribute),
    // 1 tag wiki (not a conversation).
    assert_eq!(out.records, 9);
    assert_eq!(ids(&out), ["1", "4"]);
    let router = &out.conversations[0];
    assert_eq!(router.tags, ["wifi", "router"]);
    let kinds: Vec<(EventKind, Role)> = router.events.iter().map(|e| (e.kind, e.role)).collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Message, Role::Customer),
            (EventKind::Endorsement, Role::Member), // question score 5
            (EventKind::Message, Role::Member),
            (EventKind::Endorsement, Role::Member), // answer 2 score 1
            (EventKind::Message, Role::Member),
            (EventKind::Endorsement, Role::Member), // answer 3 score 7
            (EventKind::Accept, Role::Customer),
            (EventKind::Resolve, Role::Customer),
        ]
    );
    let scores: Vec<f64> = router.events.iter().filter_map(|e| e.value).collect();
    assert_eq!(scores, [5.0, 1.0, 7.0]);
    assert_eq!(
        router.events[0].text,
        "Router drops Wi-Fi every evening\n\nMy router drops Wi-Fi every evening. \
         I already tried reboot & a factory reset."
    );
    assert_eq!(
        router.events[4].text,
        "Turn off band steering in the admin page:\n\nAdvanced\n\nWireless"
    );
    // The asker's own answer (post 8) stays the customer's.
    assert_eq!(
        messages(&out.conversations[1]),
        [
            ("2024-02-11T08:00:00Z".into(), Role::Customer, "14".into()),
            ("2024-02-12T08:00:00Z".into(), Role::Member, "15".into()),
            ("2024-02-12T10:00:00Z".into(), Role::Customer, "14".into()),
        ]
    );
    assert_eq!(
        problems(&out),
        [
            (7, SkipReason::BadTimestamp),
            (11, SkipReason::MalformedRecord)
        ]
    );
    assert!(out.problems[0].message.contains("byte "));
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cxmine"))
}

fn all_inputs() -> Vec<PathBuf> {
    ["email", "social", "chat", "community"]
        .iter()
        .map(|d| fixture(d))
        .collect()
}

fn analyze_json(inputs: &[PathBuf], extra: &[&str]) -> serde_json::Value {
    let out = bin()
        .arg("analyze")
        .args(inputs)
        .args(["-q", "--by", "channel", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn with_config_and_surveys() -> Vec<String> {
    vec![
        "--config".into(),
        fixture("readers.toml").display().to_string(),
        "--surveys".into(),
        fixture("surveys.csv").display().to_string(),
    ]
}

fn segment<'r>(report: &'r serde_json::Value, channel: &str) -> &'r serde_json::Value {
    report["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"]["channel"] == channel)
        .map(|s| &s["kpis"])
        .unwrap()
}

#[test]
fn every_format_feeds_the_same_metrics() {
    let extra = with_config_and_surveys();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let r = analyze_json(&all_inputs(), &extra);
    let input = &r["input"];
    // 3 .eml + 1 mbox + 1 csv + 1 txt + 1 xml; records 8 + 11 + 13 + 9 = 41.
    assert_eq!(input["files"], 7);
    assert_eq!(input["records"], 41);
    assert_eq!(input["conversations"], 10);
    assert_eq!(input["formats"]["eml"], 3);
    assert_eq!(input["formats"]["stack_exchange_xml"], 1);
    // Skipped: csv 2, mbox 1, chat 2, xml 2, surveys 2 (csat 9 out of range, nope-404).
    assert_eq!(r["skipped"]["total"], 9);
    assert_eq!(r["skipped"]["by_reason"]["unmatched_survey"], 1);

    let chat = segment(&r, "chat");
    // First responses (bots excluded): 10:02:13 → 10:03:40 = 87 s; 11:00 → 11:04 = 240 s.
    assert_eq!(chat["first_response"]["median_s"], 87.0); // nearest rank ⌈0.5·2⌉ = 1st
    assert_eq!(chat["first_response"]["mean_s"], 163.5); // (87 + 240) / 2
    assert_eq!(chat["sla"]["first_response"]["value"], 50.0); // 2 min target: 1 of 2

    let email = segment(&r, "email");
    // Ana 08:00 → 10:30 = 9000 s; Bo 14:00 → 09:00 next day = 68400 s; Carla 1200 s.
    assert_eq!(email["first_response"]["median_s"], 9000.0);
    assert_eq!(email["first_response"]["mean_s"], 26200.0); // 78600 / 3
    assert_eq!(email["sla"]["first_response"]["value"], 66.67); // 4 h target: 2 of 3
    // Surveys: Ana by conversation id (csat 5, nps 10, ces 7), Carla by customer id
    // (csat 2, nps 3): CSAT 1 of 2 satisfied, NPS 50 % promoters − 50 % detractors.
    assert_eq!(email["csat"]["value"], 50.0);
    assert_eq!(email["nps"]["value"], 0.0);
    assert_eq!(email["ces"]["mean"], 7.0);

    let social = segment(&r, "social");
    // 1001: 22:10:47 → 22:12:47 = 120 s; 2001: 08:00 → 08:30 = 1800 s; 4001 unanswered.
    assert_eq!(social["first_response"]["n"], 2);
    assert_eq!(social["first_response"]["mean_s"], 960.0);
    assert_eq!(social["csat"]["n"], 1); // 1001's csat 4 (2001's row was refused)

    let community = segment(&r, "community");
    // Q1 09:00 → answer 09:30 = 1800 s, accepted answer 11:00 → resolution 7200 s;
    // Q4 08:00 → next day 08:00 = 86400 s, not accepted.
    assert_eq!(community["first_response"]["mean_s"], 44100.0);
    assert_eq!(community["resolution"]["median_s"], 7200.0);
    assert_eq!(community["resolved"]["value"], 50.0);

    let overall = &r["overall"]["kpis"];
    // First responses sorted: 87,120,240,1200,1800,1800,9000,68400,86400 → 5th = 1800.
    assert_eq!(overall["first_response"]["median_s"], 1800.0);
    assert_eq!(overall["first_response"]["mean_s"], 18783.0); // 169047 / 9
    // CSAT answers 5, 5, 2, 4 → 3 of 4 satisfied.
    assert_eq!(overall["csat"]["value"], 75.0);
}

#[test]
fn convert_then_analyze_gives_the_same_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("all.jsonl");
    let extra = with_config_and_surveys();
    let status = bin()
        .arg("convert")
        .args(all_inputs())
        .args(["-q", "--to", "jsonl", "-o"])
        .arg(&jsonl)
        .args(&extra)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&jsonl).unwrap();
    // Converted lines come in reading order: the chat, community and social exports in
    // file order, then the e-mail threads, which are rebuilt across all mail inputs (by
    // partition of their first message: a fixed order); the thread of the customer with
    // a customer-keyed survey row (c1@example.net) waits for the end, when that row can
    // be joined.
    let ids: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "\"chat-1042\"",
            "\"chat-1043\"",
            "\"1\"",
            "\"4\"",
            "\"1001\"",
            "\"2001\"",
            "\"4001\"",
            "\"a1@mail.example\"",
            "\"b1@example.org\"",
            "\"c1@example.net\"",
        ]
    );
    // The same bytes whatever the number of worker threads.
    for threads in ["1", "3"] {
        let again = dir.path().join(format!("t{threads}.jsonl"));
        let status = bin()
            .env("RAYON_NUM_THREADS", threads)
            .arg("convert")
            .args(all_inputs())
            .args(["-q", "-o"])
            .arg(&again)
            .args(&extra)
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(
            std::fs::read_to_string(&again).unwrap(),
            text,
            "{threads} threads"
        );
    }

    let extra_refs: Vec<&str> = extra.iter().map(String::as_str).collect();
    let original = analyze_json(&all_inputs(), &extra_refs);
    let again = analyze_json(&[jsonl], &[]);
    for key in ["overall", "segments", "customers"] {
        assert_eq!(original[key], again[key], "{key} differs after convert");
    }
    assert_eq!(again["skipped"]["total"], 0);
    assert_eq!(again["input"]["formats"]["jsonl"], 1);
}

#[test]
fn readers_are_chosen_by_content_or_forced() {
    let dir = tempfile::tempdir().unwrap();
    // No extension: the first bytes `[2024-…` say chat log.
    let bare = dir.path().join("export");
    std::fs::copy(fixture("chat/support_chat.txt"), &bare).unwrap();
    // Wrong extension, content is not JSON: forced.
    let misnamed = dir.path().join("chat.jsonl");
    std::fs::copy(fixture("chat/support_chat.txt"), &misnamed).unwrap();

    let out = bin()
        .args(["analyze", "--format", "json"])
        .arg(&bare)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("chat_log reader (by content)"), "{stderr}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["input"]["conversations"], 2);

    let r = analyze_json(
        std::slice::from_ref(&misnamed),
        &["--input-format", "chat-log"],
    );
    assert_eq!(r["input"]["formats"]["chat_log"], 1);
    assert_eq!(r["input"]["conversations"], 2);
    let bad = bin()
        .args(["analyze", "-q", "--input-format", "pdf"])
        .arg(&misnamed)
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut facts = Vec::new();
    for threads in ["1", "3"] {
        let path = dir.path().join(format!("facts-{threads}.jsonl"));
        let status = bin()
            .arg("analyze")
            .args(all_inputs())
            .args(["-q", "--threads", threads, "--facts"])
            .arg(&path)
            .args(with_config_and_surveys())
            .output()
            .unwrap()
            .status;
        assert!(status.success());
        facts.push(std::fs::read(&path).unwrap());
    }
    assert_eq!(facts[0], facts[1]);
    assert_eq!(facts[0].iter().filter(|&&b| b == b'\n').count(), 10);
}

/// An observer that fails (panics) on one conversation, as a bug in an analysis step would.
struct FailsOn(&'static str);

impl cxmine::observer::Observer for FailsOn {
    fn observe(
        &self,
        conversation: &Conversation<'_>,
        _: &cxmine::metrics::ConversationFacts,
        _: &[cxmine::detect::Detection],
    ) {
        if conversation.id == self.0 {
            panic!("analysis step failed on {}", conversation.id);
        }
    }
}

/// Runs the pipeline over `inputs` with `observer` on another thread; the run must end
/// within a minute.
fn run_within_a_minute(
    inputs: Vec<PathBuf>,
    observer: FailsOn,
) -> Result<cxmine::metrics::Partial, cxmine::Error> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let files = cxmine::ingest::source::discover(&inputs).unwrap();
        let options = cxmine::pipeline::Options::default();
        let _ = tx.send(cxmine::pipeline::run(
            &files,
            &options,
            None,
            Some(&observer),
        ));
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("the run ended within a minute, with a result")
}

#[test]
fn a_panicking_worker_ends_the_run_with_an_error_naming_the_record() {
    // Question 1 of the dump is its row on line 3; conversation c4 is line 4 of kpi.jsonl.
    // Both files in one run: the failure in the exported file stops the run before the
    // JSONL stream.
    for (inputs, id, file, line) in [
        (
            vec![fixture("community/Posts.xml"), fixture("kpi.jsonl")],
            "1",
            "Posts.xml",
            3,
        ),
        (vec![fixture("kpi.jsonl")], "c4", "kpi.jsonl", 4),
    ] {
        let err = run_within_a_minute(inputs, FailsOn(id)).unwrap_err();
        let cxmine::Error::Panicked {
            file: f,
            line: l,
            during,
            message,
        } = &err
        else {
            panic!("not a panic error: {err}");
        };
        assert!(f.ends_with(file), "{f}");
        assert_eq!(*l, Some(line));
        assert_eq!(during, &format!("analysing conversation {id:?}"));
        assert_eq!(message, &format!("analysis step failed on {id}"));
    }
    // The same observer on a run without that conversation is harmless.
    assert!(run_within_a_minute(vec![fixture("kpi.jsonl")], FailsOn("none")).is_ok());
}

/// A monthly mailing-list archive in the pipermail text shape: addresses written
/// `user at host`, a bottom-posted answer, and a body paragraph starting with `From `.
const LIST_ARCHIVE: &str = "\
From ana.silva at mail.example  Fri Jan  1 01:46:06 2016
From: ana.silva at mail.example (Ana Silva)
Date: Fri, 1 Jan 2016 02:46:06 +0100
Subject: [list] legend missing from plot
Message-ID: <q1@mail.example>

My plot has no legend.
How do I add one?

From bo at shop.example  Fri Jan  1 03:00:00 2016
From: bo at shop.example (Bo Berg)
Date: Fri, 1 Jan 2016 03:00:00 +0000
Subject: Re: [list] legend missing from plot
In-Reply-To: <q1@mail.example>
References: <q1@mail.example>
Message-ID: <r1@shop.example>

On Fri, Jan 1, 2016 at 2:46 AM, Ana Silva <ana.silva at mail.example> wrote:
> My plot has no legend.
> How do I add one?

Call legend() after plot().

From the help page: legend() takes the labels first.

Bo

From ana.silva at mail.example  Fri Jan  1 04:10:00 2016
From: ana.silva at mail.example (Ana Silva)
Date: Fri, 1 Jan 2016 05:10:00 +0100
Subject: Re: [list] legend missing from plot
In-Reply-To: <r1@shop.example>
Message-ID: <f1@mail.example>

> Call legend() after plot().
Works, thanks!
";

#[test]
fn mailing_list_archive_with_obfuscated_addresses_and_answers_below_quotes() {
    let mut out = ReadOutput::default();
    let mut threader = Threader::new(&cxmine::ingest::readers::EmailConfig::default());
    threader
        .add_mbox(&mut LIST_ARCHIVE.as_bytes(), 0, &mut out)
        .unwrap();
    threader.finish(&mut out).unwrap();
    // Three `From ` separators (lines 1, 10 and 28); the `From the help page` line (24)
    // follows a blank line but has no date, so it stays in Bo's message.
    assert_eq!(out.records, 3);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(ids(&out), ["q1@mail.example"]);
    let c = &out.conversations[0];
    assert_eq!(c.customer_id.as_deref(), Some("ana.silva@mail.example"));
    // 02:46 +0100 is 01:46Z, 05:10 +0100 is 04:10Z; without support addresses the
    // thread's starter is the customer and Bo the agent.
    assert_eq!(
        messages(c),
        [
            (
                "2016-01-01T01:46:06Z".into(),
                Role::Customer,
                "ana.silva@mail.example".into()
            ),
            (
                "2016-01-01T03:00:00Z".into(),
                Role::Agent,
                "bo@shop.example".into()
            ),
            (
                "2016-01-01T04:10:00Z".into(),
                Role::Customer,
                "ana.silva@mail.example".into()
            ),
        ]
    );
    let lines: Vec<u64> = c.events.iter().map(|e| e.pos.line).collect();
    assert_eq!(lines, [1, 10, 28]);
    assert_eq!(
        c.events[1].text,
        "Call legend() after plot().\n\nFrom the help page: legend() takes the labels first.\n\nBo"
    );
    assert_eq!(c.events[2].text, "Works, thanks!");
}

/// A channel log read with a config (`[readers.chat_log]`, the reader's name, is accepted
/// for `[readers.chat]`): the date comes from the file name, nick lines get their roles
/// from the helper and bot lists, system lines are kept, and a bad line is reported
/// without Rust debug text.
#[test]
fn irc_channel_log_from_config() {
    let config: Config = toml::from_str(
        "[readers.chat_log]\nlayout = \"channel\"\nhelpers = [\"Nafa\"]\nbots = [\"infobot\"]\n",
    )
    .unwrap();
    let log = "[09:58] <|ray|> is 64-bit worth it on a laptop?\n\
               [09:59] <Nafa> |ray|, only with more than 4 GB\n\
               [09:59] <infobot> |ray|: see the install guide\n\
               === |ray| [~ray@host.example]  has left #help []\n\
               [09:61] <|ray|> broken minute\n";
    let pattern = cxmine::ingest::chatlog::ChatPattern::new(&config.readers.chat).unwrap();
    let mut out = ReadOutput::default();
    cxmine::ingest::chatlog::read(&mut log.as_bytes(), 0, "2009-02-23_10", &pattern, &mut out)
        .unwrap();
    assert_eq!(ids(&out), ["2009-02-23_10-1"]);
    let conv = &out.conversations[0];
    let roles: Vec<(Role, &str)> = conv
        .events
        .iter()
        .map(|e| (e.role, e.author.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        roles,
        [
            (Role::Customer, "|ray|"),
            (Role::Agent, "Nafa"),
            (Role::Bot, "infobot"),
            (Role::System, "|ray|"),
        ]
    );
    assert_eq!(conv.events[0].ts.to_string(), "2009-02-23T09:58:00Z");
    // The part line carries the time of the line before it (09:59).
    assert_eq!(conv.events[3].ts.to_string(), "2009-02-23T09:59:00Z");
    assert_eq!(problems(&out), [(5, SkipReason::BadTimestamp)]);
    let message = &out.problems[0].message;
    assert!(!message.contains("Some("), "{message}");
}
