//! Table-driven detector tests: message labels, conversation signals, sentiment
//! arithmetic, lexicon loading and checking, masking, and the gold-set F1 floor.

use std::collections::BTreeMap;

use cxmine::detect::{Acknowledgement, Detectors, ShiftLabel, Signals};
use cxmine::model::{Channel, Conversation, Event, EventKind, Role};
use cxmine::time::Timestamp;

fn det() -> &'static Detectors {
    static DET: std::sync::OnceLock<Detectors> = std::sync::OnceLock::new();
    DET.get_or_init(Detectors::builtin)
}

#[test]
fn message_labels_table() {
    // (name, role, text, expected labels)
    let cases: &[(&str, Role, &str, &[&str])] = &[
        (
            "plain success",
            Role::Customer,
            "that fixed it",
            &["acknowledgement:success", "sentiment:positive"],
        ),
        (
            "negated success is failure",
            Role::Customer,
            "it's not fixed",
            &["acknowledgement:failure", "sentiment:negative"],
        ),
        (
            "negation across a comma does not reach",
            Role::Customer,
            "not yet, but it works",
            &["acknowledgement:success", "sentiment:positive"],
        ),
        (
            "longer failure beats shorter success",
            Role::Customer,
            "still not working",
            &["acknowledgement:failure", "sentiment:negative"],
        ),
        (
            "question is no acknowledgement",
            Role::Customer,
            "did that fix it?",
            &[],
        ),
        (
            "agent question is no acknowledgement",
            Role::Agent,
            "Is it working now?",
            &["sentiment:positive"],
        ),
        (
            "agent gratitude is not an acknowledgement",
            Role::Agent,
            "Thanks for your patience.",
            &["sentiment:positive"],
        ),
        (
            "thanks alone",
            Role::Customer,
            "ok thank you",
            &["acknowledgement:thanks", "sentiment:positive"],
        ),
        (
            "no thanks is not gratitude",
            Role::Customer,
            "no thanks, that's all",
            &[],
        ),
        (
            "sarcasm turns success into failure",
            Role::Customer,
            "yeah right, that fixed it 🙄",
            &["acknowledgement:failure", "sentiment:negative"],
        ),
        (
            "typo success",
            Role::Customer,
            "fixd it, thx",
            &["acknowledgement:success", "sentiment:positive"],
        ),
        (
            "typo failure",
            Role::Customer,
            "it dosnt work still",
            &["acknowledgement:failure", "sentiment:negative"],
        ),
        (
            "mixed case",
            Role::Customer,
            "tHaNkS, ThAt FiXeD iT",
            &["acknowledgement:success", "sentiment:positive"],
        ),
        ("emoji only", Role::Customer, "😡", &["sentiment:negative"]),
        (
            "emoji is never negated",
            Role::Customer,
            "not working 😡",
            &["acknowledgement:failure", "sentiment:negative"],
        ),
        (
            "curly apostrophe",
            Role::Customer,
            "it didn’t work",
            &["acknowledgement:failure", "sentiment:negative"],
        ),
        ("non-English", Role::Customer, "ありがとうございます", &[]),
        ("empty", Role::Customer, "", &[]),
        (
            "customer rephrase",
            Role::Customer,
            "What do you mean?",
            &["rephrase:customer"],
        ),
        (
            "same words by the agent",
            Role::Agent,
            "What do you mean?",
            &["rephrase:agent"],
        ),
        (
            "complaint is no rephrase request",
            Role::Customer,
            "I don't understand why I was charged twice.",
            &["sentiment:negative"],
        ),
        (
            "solution by a member",
            Role::Member,
            "Check the firmware, the latest update solves exactly this.",
            &["acknowledgement:solution"],
        ),
        (
            "customer solution words are no solution post",
            Role::Customer,
            "please restart",
            &[],
        ),
        (
            "hand-off phrase",
            Role::Agent,
            "Let me transfer you to billing.",
            &["handoff:phrase"],
        ),
        (
            "customer asking for transfer is no hand-off",
            Role::Customer,
            "can you transfer me?",
            &[],
        ),
        (
            "identifiers",
            Role::Customer,
            "Order ORD-778812, email sam@example.org",
            &["identifier:email", "identifier:order_id"],
        ),
        (
            "numbers without context",
            Role::Customer,
            "I waited 45 minutes for 3 items",
            &["sentiment:negative"],
        ),
        (
            "explicit re-verify",
            Role::Agent,
            "Could you confirm your account number again please?",
            &["identifier:reverify"],
        ),
        (
            "a customer asking what the responder meant (an [any] phrase)",
            Role::Customer,
            "Sorry, do you mean this?",
            &["rephrase:customer"],
        ),
        (
            "an echo question",
            Role::Customer,
            "GET what?",
            &["rephrase:customer"],
        ),
        (
            "sending the question to another list is a hand-off",
            Role::Agent,
            "This question belongs on R-devel.",
            &["handoff:phrase"],
        ),
        (
            "thanks that turns to an objection",
            Role::Customer,
            "Thanks, but it still crashes",
            &["acknowledgement:failure", "sentiment:negative"],
        ),
        (
            "word inside a word",
            Role::Customer,
            "the workshop is goodish",
            &[],
        ),
    ];
    let mut failures = Vec::new();
    for (name, role, text, want) in cases {
        let got = det().message_labels(*role, text);
        let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        if got != want {
            failures.push(format!("{name}: {text:?}: want {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn ts(minute: usize) -> Timestamp {
    Timestamp::parse(&format!("2024-03-01T10:{minute:02}:00Z")).unwrap()
}

enum Ev {
    Msg(Role, &'static str, Option<&'static str>),
    Kind(EventKind),
}

fn conversation(events: &[Ev]) -> Conversation<'static> {
    let mut c = Conversation::new("t", Channel::Chat);
    for (i, e) in events.iter().enumerate() {
        c.events.push(match e {
            Ev::Msg(role, text, author) => {
                let mut m = Event::message(ts(i), *role, *text);
                m.author = author.map(Into::into);
                m
            }
            Ev::Kind(k) => Event::new(ts(i), *k, Role::Agent),
        });
    }
    c.finish();
    c
}

use Ev::{Kind, Msg};
use Role::{Agent, Bot, Customer, Member};

#[test]
fn conversation_signals_table() {
    // (name, events, check)
    type Check = fn(&Signals) -> bool;
    let cases: Vec<(&str, Vec<Ev>, Check)> = vec![
        ("empty conversation", vec![], |s| *s == Signals::default()),
        (
            "one message: sentiment only",
            vec![Msg(Customer, "this is awful", None)],
            |s| {
                // awful −2.8 → −2.8/√(7.84+4) = −0.8137; no solution → shift unknown.
                s.sentiment_first.is_some_and(|v| (v + 0.8137).abs() < 1e-3)
                    && s.sentiment_before.is_none()
                    && s.shift == ShiftLabel::Unknown
                    && s.acknowledgement == Acknowledgement::None
            },
        ),
        (
            "ack before any solution does not count",
            vec![
                Msg(Customer, "I restarted and it works now", None),
                Msg(Agent, "Great to hear", Some("a")),
            ],
            |s| s.ack_success == 0 && s.solution_event.is_none(),
        ),
        (
            "failure then success: last verdict wins",
            vec![
                Msg(Customer, "my router is broken", None),
                Msg(Agent, "Please restart the router.", Some("a")),
                Msg(Customer, "still not working", None),
                Msg(Agent, "Try resetting it.", Some("a")),
                Msg(Customer, "that fixed it, thanks", None),
            ],
            |s| {
                s.ack_failure == 1
                    && s.ack_success == 1
                    && s.acknowledgement == Acknowledgement::Success
                    && s.solution_event == Some(1)
            },
        ),
        (
            "accept event counts and marks use",
            vec![
                Msg(Customer, "how do I pair it?", None),
                Msg(Member, "You need to reset the network settings.", Some("m")),
                Kind(EventKind::Accept),
            ],
            |s| {
                s.solution_used
                    && s.ack_success == 1
                    && s.acknowledgement == Acknowledgement::Success
            },
        ),
        (
            "phrase + transfer + new agent is one hand-off",
            vec![
                Msg(Customer, "bill wrong, account 12345678", None),
                Msg(Agent, "Let me transfer you to billing.", Some("a")),
                Kind(EventKind::Transfer),
                Msg(Agent, "Hi, can I have your account number?", Some("b")),
                Msg(Customer, "account 12345678", None),
            ],
            |s| {
                s.handoffs == 1
                    && s.first_handoff_event == Some(1)
                    && s.repeated_ids_after_handoff == 1
                    && s.repeated_ids_before_handoff == 0
                    && s.reverify_requests == 1
            },
        ),
        (
            "bot to human without a phrase",
            vec![
                Msg(Bot, "Hi! How can I help?", Some("bot")),
                Msg(Customer, "parcel missing", None),
                Msg(Agent, "Hi, I'm Sam.", Some("sam")),
            ],
            |s| s.handoffs == 1 && s.first_handoff_event == Some(2),
        ),
        (
            "community members are no hand-offs",
            vec![
                Msg(Customer, "question", None),
                Msg(Member, "answer one", Some("m1")),
                Msg(Member, "answer two", Some("m2")),
            ],
            |s| s.handoffs == 0,
        ),
        (
            "repeated id before hand-off, once per message",
            vec![
                Msg(Customer, "account 55667788", None),
                Msg(Agent, "One moment.", Some("a")),
                Msg(Customer, "account 55667788, again account 55667788", None),
            ],
            |s| s.repeated_ids_before_handoff == 1 && s.repeated_ids_after_handoff == 0,
        ),
        (
            "restatement and rephrase",
            vec![
                Msg(
                    Customer,
                    "Hi, my router keeps disconnecting every few minutes.",
                    None,
                ),
                Msg(Agent, "Could you clarify what you mean?", Some("a")),
                Msg(
                    Customer,
                    "As I said, my router keeps disconnecting every few minutes.",
                    None,
                ),
                Msg(Customer, "what do you mean?", None),
            ],
            |s| s.restatements == 1 && s.rephrase_agent == 1 && s.rephrase_customer == 1,
        ),
        (
            "recovered",
            vec![
                Msg(Customer, "this is terrible", None),
                Msg(Agent, "I've reset your line.", Some("a")),
                Msg(Customer, "great, thanks!", None),
            ],
            |s| s.shift == ShiftLabel::Recovered && s.sentiment_shift.is_some_and(|d| d > 1.0),
        ),
        (
            "soured",
            vec![
                Msg(Customer, "Hello, a question about my bill.", None),
                Msg(Agent, "I've updated the bill.", Some("a")),
                Msg(Customer, "That is wrong and useless.", None),
            ],
            |s| s.shift == ShiftLabel::Soured,
        ),
        (
            "escalating anger",
            vec![
                Msg(Customer, "my order is late", None),
                Msg(Customer, "this is getting annoying", None),
                Msg(Customer, "this is unacceptable!!", None),
            ],
            |s| s.escalating_anger,
        ),
        (
            "an answer without a solution phrase is a candidate; confirmed by the new state",
            vec![
                Msg(Customer, "I was charged twice for my order", None),
                // 14 words, not a question, no deflect phrase: an answer.
                Msg(
                    Agent,
                    "The second charge was a pre-authorisation and it drops off within three working days",
                    Some("a"),
                ),
                Msg(Customer, "the charge is gone from my statement now", None),
            ],
            |s| s.solution_event == Some(1) && s.acknowledgement == Acknowledgement::Success,
        ),
        (
            "a DM request is no answer, so thanks after it is no acknowledgement",
            vec![
                Msg(Customer, "my parcel never arrived", None),
                Msg(
                    Agent,
                    "Sorry to hear that, please send us a DM with your order details",
                    Some("a"),
                ),
                Msg(Customer, "ok thanks", None),
            ],
            |s| s.solution_event.is_none() && s.acknowledgement == Acknowledgement::None,
        ),
        (
            "a failure verdict after a reply proves a solution was offered",
            vec![
                Msg(Customer, "my app keeps crashing", None),
                Msg(Agent, "Hmm ok", Some("a")),
                Msg(Customer, "still not working", None),
            ],
            |s| s.solution_event == Some(1) && s.acknowledgement == Acknowledgement::Failure,
        ),
        (
            "a resolve event makes the last reply the solution",
            vec![
                Msg(Customer, "my bill is wrong", None),
                Msg(Agent, "Done.", Some("a")),
                Kind(EventKind::Resolve),
                Msg(Customer, "thank you", None),
            ],
            |s| s.solution_event == Some(1) && s.acknowledgement == Acknowledgement::Thanks,
        ),
        (
            "two signatures behind one brand handle are a change of agent",
            vec![
                Msg(Customer, "my train was cancelled", None),
                Msg(
                    Agent,
                    "Sorry about that, which service was it? ^KC",
                    Some("brand"),
                ),
                Msg(Customer, "the 9:15", None),
                Msg(Agent, "Thanks, looking into it now -Tom", Some("brand")),
            ],
            |s| s.handoffs == 1 && s.first_handoff_event == Some(3),
        ),
        (
            "a pointer to an identifier given before is a repetition after the hand-off",
            vec![
                Msg(Customer, "my account number is 12345678", None),
                Msg(Agent, "Let me transfer you to billing", Some("a")),
                Msg(Agent, "Hi, can I have your account number?", Some("b")),
                Msg(Customer, "I already gave you my account number", None),
            ],
            |s| s.repeated_ids_after_handoff == 1 && s.repeated_ids_before_handoff == 0,
        ),
        (
            "the same order id in another spelling, and a partial card number, repeat",
            vec![
                Msg(
                    Customer,
                    "order ORD-55210, account number 5500 1234 0417",
                    None,
                ),
                Msg(Agent, "Thanks", Some("a")),
                // ord55210 = ORD-55210 (alnum); "ending in 0417" = the account's last four.
                Msg(Customer, "again: ord55210, the one ending in 0417", None),
            ],
            |s| s.repeated_ids_before_handoff == 2,
        ),
        (
            "no solution: the first-vs-last shift is kept apart",
            vec![
                Msg(Customer, "this is terrible", None),
                Msg(Customer, "ok great, sorted it myself, thanks", None),
            ],
            |s| s.shift == ShiftLabel::Unknown && s.shift_first_last == ShiftLabel::Recovered,
        ),
        (
            "a reworded restatement: stems and synonyms",
            vec![
                Msg(
                    Customer,
                    "my internet keeps disconnecting every evening",
                    None,
                ),
                Msg(Agent, "Could you tell me which router you have?", Some("a")),
                Msg(
                    Customer,
                    "the wifi disconnected again this evening, it keeps happening",
                    None,
                ),
            ],
            |s| s.restatements == 1,
        ),
    ];
    let mut failures = Vec::new();
    for (name, events, check) in cases {
        let conv = conversation(&events);
        let s = det().signals(&conv);
        if !check(&s) {
            failures.push(format!("{name}: {s:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn out_of_order_events_give_the_same_signals() {
    let mut a = Conversation::new("o", Channel::Chat);
    a.events
        .push(Event::message(ts(2), Customer, "that fixed it"));
    a.events
        .push(Event::message(ts(0), Customer, "my router is broken"));
    a.events
        .push(Event::message(ts(1), Agent, "Please restart the router."));
    a.finish();
    let s = det().signals(&a);
    assert_eq!(s.ack_success, 1);
    assert_eq!(s.solution_event, Some(1));
}

#[test]
fn sentiment_arithmetic_by_hand() {
    // (text, expected): valences and factors from the shipped lexicons.
    let cases = [
        // good 1.5 × very… no: "really" 1.3 → 1.95; 1.95/√(1.95²+4) = 0.6981
        ("really good", 0.6981),
        // good 1.5 × negation −0.6 = −0.9; −0.9/√(0.81+4) = −0.4104
        ("not good", -0.4104),
        // good 1.5 × 0.5 (before "but") + terrible −2.8 × 1.5 = 0.75 − 4.2 = −3.45 → −0.8651
        ("good but terrible", -0.8651),
        // GOOD 1.5 × caps 1.4 = 2.1, two '!' add 0.5 → 2.6/√(6.76+4) = 0.7926
        ("GOOD!!", 0.7926),
        ("", 0.0),
        ("Das ist schlecht", 0.0),
        // A negator with nothing to negate states a problem: bare_negation −0.4;
        // −0.4/√(0.16+4) = −0.1961.
        ("my parcel has not arrived", -0.1961),
        // One per clause: "no signal, not even at home" → −0.8/√(0.64+4) = −0.3714.
        ("no signal, not even at home", -0.3714),
        // "No," answering a question, and "no thanks", state no problem.
        ("No, I ordered it on Monday", 0.0),
        ("no thanks, that is all", 0.0),
    ];
    for (text, want) in cases {
        let got = det().message_sentiment(text);
        assert!(
            (got - want).abs() < 1e-4,
            "{text:?}: want {want}, got {got}"
        );
        assert!((-1.0..=1.0).contains(&got));
    }
}

#[test]
fn detections_name_rule_and_lexicon_line() {
    let conv = conversation(&[
        Msg(Customer, "my router is broken", None),
        Msg(Agent, "Please restart the router.", Some("a")),
        Msg(Customer, "That fixed it", None),
    ]);
    let d = det().detections(&conv);
    let ack = d
        .iter()
        .find(|d| d.detector == "acknowledgement" && d.label == "success")
        .expect("success detection");
    assert_eq!((ack.event, ack.start, ack.end), (2, 5, 13)); // "fixed it"
    assert!(
        ack.source.starts_with("acknowledgement.txt:"),
        "{}",
        ack.source
    );
    let line: usize = ack.source.rsplit(':').next().unwrap().parse().unwrap();
    let text = include_str!("../lexicons/acknowledgement.txt");
    assert_eq!(text.lines().nth(line - 1).unwrap().trim(), "fixed it");
}

#[test]
fn ibans_and_prefixed_references_are_identifiers_whole() {
    // Whole values, not the digit groups inside them (the phone pattern alone would
    // match "3704 0044 0532" and leave the rest in clear).
    let cases: [(&str, &[&str]); 4] = [
        (
            "new IBAN DE89 3704 0044 0532 0130 00, thanks",
            &["DE89 3704 0044 0532 0130 00"],
        ),
        ("GB82WEST12345698765432", &["GB82WEST12345698765432"]),
        (
            "account AC-12345678, ticket TKT-004417",
            &["AC-12345678", "TKT-004417"],
        ),
        // Lower-case words after a country-like prefix are not an IBAN.
        ("iban de89 this that", &[]),
    ];
    for (text, want) in cases {
        let got: Vec<&str> = det()
            .identifier_spans(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn identifiers_are_masked_never_shown() {
    let text = "my email is jane.doe@example.com and account 12345678";
    let spans = det().identifier_spans(text);
    let values: Vec<&str> = spans.iter().map(|r| &text[r.clone()]).collect();
    assert_eq!(values, ["jane.doe@example.com", "12345678"]);
    let masked = det().mask_identifiers(text);
    assert!(
        !masked.contains("jane.doe") && !masked.contains("12345678"),
        "{masked}"
    );
    assert!(masked.contains("<email#") && masked.contains("<account_number#"));
    let line = format!(
        r#"{{"id":"c","channel":"chat","events":[{{"ts":"2024-01-01T00:00:00Z","role":"customer","text":"{text}"}}]}}"#
    );
    let mut out = Vec::new();
    cxmine::detect::explain::explain_jsonl(det(), &line, None, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        !out.contains("12345678") && !out.contains("jane.doe"),
        "{out}"
    );
}

#[test]
fn researcher_lexicon_directory_is_used_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    for f in cxmine::detect::lexicon::LexiconFile::ALL {
        let src = std::fs::read_to_string(format!("lexicons/{}", f.file_name())).unwrap();
        std::fs::write(dir.path().join(f.file_name()), src).unwrap();
    }
    let handoff = dir.path().join("handoff.txt");
    let mut text = std::fs::read_to_string(&handoff).unwrap();
    text = text.replace("[transfer]\n", "[transfer]\nbeam you up\n");
    std::fs::write(&handoff, &text).unwrap();
    let mine = Detectors::load(dir.path()).unwrap();
    assert_eq!(
        mine.message_labels(Agent, "I will beam you up"),
        ["handoff:phrase"]
    );
    assert!(det().message_labels(Agent, "I will beam you up").is_empty());

    std::fs::write(&handoff, format!("{text}re: (broken\n")).unwrap();
    let err = Detectors::load(dir.path()).unwrap_err().to_string();
    let last = text.lines().count() + 1;
    assert!(
        err.contains(&format!("handoff.txt:{last}: error: invalid regex")),
        "{err}"
    );
    let issues = cxmine::detect::check::check_dir(Some(dir.path())).unwrap();
    assert_eq!(cxmine::detect::check::error_count(&issues), 1);
}

#[test]
fn pipeline_fills_signals_when_detectors_are_given() {
    let conv = conversation(&[
        Msg(Customer, "awful", None),
        Msg(Agent, "I've reset it.", Some("a")),
        Msg(Customer, "works perfectly, thanks", None),
    ]);
    let config = cxmine::config::Config::default();
    let without = cxmine::metrics::ConversationFacts::compute(&conv, &config, None);
    assert_eq!(without.signals, Signals::default());
    let with = cxmine::metrics::ConversationFacts::compute(&conv, &config, Some(det()));
    assert_eq!(with.signals.acknowledgement, Acknowledgement::Success);
    assert_eq!(with.signals.shift, ShiftLabel::Recovered);
}

#[test]
fn gold_f1_is_at_least_085_for_every_detector() {
    let mut text = String::new();
    for f in [
        "tests/gold/messages.jsonl",
        "tests/gold/conversations.jsonl",
        "tests/gold/multilingual.jsonl",
    ] {
        text.push_str(&std::fs::read_to_string(f).unwrap());
    }
    let report = cxmine::detect::eval::evaluate(det(), &text).unwrap();
    assert!(report.messages >= 200 && report.conversations >= 40);
    let f1: BTreeMap<&str, f64> = report
        .detectors
        .iter()
        .map(|(k, v)| (k.as_str(), v.total.f1()))
        .collect();
    let names: Vec<&str> = f1.keys().copied().collect();
    assert_eq!(
        names,
        [
            "acknowledgement",
            "handoff",
            "identifier",
            "rephrase",
            "sentiment"
        ]
    );
    for (name, v) in &f1 {
        assert!(*v >= 0.85, "{name}: F1 {v:.3}\n{f1:?}");
    }
}

/// The identifier values the whole scan finds: the reference for the masking fast path.
fn identifiers_by_full_scan(d: &Detectors, text: &str) -> Vec<std::ops::Range<usize>> {
    let mut hits = Vec::new();
    d.matcher.scan(text, &mut hits);
    hits.iter()
        .filter(|h| cxmine::detect::identifiers::is_identifier(&d.matcher, h))
        .map(|h| h.start as usize..h.end as usize)
        .collect()
}

/// Every message text of the gold files and the samples, plus hard cases.
fn all_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "account 12345678, order ORD-5521, mail Jane.Doe@Example.com, call +44 20 7946 0958",
        "ends in 4242, born on 01/02/1990, postcode SW1A 1AA, IBAN DE89 3704 0044 0532 0130 00",
        "café 😀 no digits here",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut files = vec![
        "tests/gold/messages.jsonl".to_string(),
        "tests/gold/heldout.jsonl".to_string(),
        "tests/gold/conversations.jsonl".to_string(),
        "tests/gold/multilingual.jsonl".to_string(),
    ];
    for entry in std::fs::read_dir("samples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            files.push(path.display().to_string());
        }
    }
    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("text", serde_json::Value::String(s)) => out.push(s.clone()),
                        _ => collect(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    for f in files {
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                collect(&v, &mut texts);
            }
        }
    }
    texts
}

#[test]
fn masking_fast_path_finds_what_the_whole_scan_finds() {
    let texts = all_texts();
    assert!(texts.len() > 700, "{} texts", texts.len());
    let with_ids = texts
        .iter()
        .filter(|t| !identifiers_by_full_scan(det(), t).is_empty())
        .count();
    assert!(with_ids >= 30, "only {with_ids} texts with identifiers");
    for t in &texts {
        assert_eq!(
            det().identifier_spans(t),
            identifiers_by_full_scan(det(), t),
            "{t:?}"
        );
    }
    // A value pattern that needs no digit or `@` is not gated: the whole-scan path runs,
    // with the same answers.
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in cxmine::detect::lexicon::builtin_sources() {
        let mut text = text.unwrap();
        if file == cxmine::detect::lexicon::LexiconFile::Identifiers {
            text.push_str("\n[vip_code]\nre: \\bvip-(?P<id>[a-z]{4,})\\b => norm=lower\n");
        }
        std::fs::write(dir.path().join(file.file_name()), text).unwrap();
    }
    let mine = Detectors::load(dir.path()).unwrap();
    let t = "I am vip-gold, account 12345678";
    for t in texts.iter().map(String::as_str).chain([t]) {
        assert_eq!(
            mine.identifier_spans(t),
            identifiers_by_full_scan(&mine, t),
            "{t:?}"
        );
    }
    let spans: Vec<&str> = mine
        .identifier_spans(t)
        .into_iter()
        .map(|r| &t[r])
        .collect();
    assert_eq!(spans, ["gold", "12345678"]);
}

/// On social media the author is a brand's handle: two brands bantering in one thread are
/// no hand-off, two signatures behind one handle are (issue: agents behind a brand handle).
#[test]
fn social_handles_are_brands_and_signatures_are_agents() {
    let social = |events: &[Ev]| {
        let mut c = conversation(events);
        c.channel = Channel::Social;
        c
    };
    let banter = social(&[
        Msg(Customer, "@BrandA @BrandB who has the better burger?", None),
        Msg(Agent, "@cust ours, obviously", Some("BrandA")),
        Msg(Agent, "@cust @BrandA nice try", Some("BrandB")),
    ]);
    assert_eq!(det().signals(&banter).handoffs, 0);
    let signed = social(&[
        Msg(Customer, "@BrandA my order is missing", None),
        Msg(
            Agent,
            "@cust Sorry! Which store was it? ^KC",
            Some("BrandA"),
        ),
        Msg(Customer, "@BrandA the one on Main St", None),
        Msg(
            Agent,
            "@cust Thanks, I've refunded the order -Tom",
            Some("BrandA"),
        ),
    ]);
    let s = det().signals(&signed);
    assert_eq!((s.handoffs, s.first_handoff_event), (1, Some(3)));
    // The same two authors in a chat are two agents: one hand-off.
    let mut chat = banter.clone();
    chat.channel = Channel::Chat;
    assert_eq!(det().signals(&chat).handoffs, 1);
}
