//! Structure-aware fuzzing on the stable toolchain: hostile input never panics, never
//! hangs, and never silently disappears.
//!
//! Each target builds small valid inputs (conversations rendered as canonical JSONL, social
//! CSV, mbox, `.eml`, chat logs and `Posts.xml`; the shipped lexicons; a full config; valid
//! queries), then mutates them: bytes flipped, inserted or deleted, cuts, duplicated runs,
//! slices spliced in from another format, NULs, byte-order marks, CRs, invalid UTF-8,
//! duplicate keys, huge numbers, gzip (sometimes cut), a forced reader. The library runs
//! on the result as the CLI would (`pipeline::run` over temporary files, then the report in
//! every format), and the invariants of `docs/fuzzing.md` are checked.
//!
//! `CXMINE_FUZZ_CASES` sets the cases per target (default [`DEFAULT_CASES`], for a quick
//! `cargo test`); `scripts/fuzz` runs the same targets in release with a large budget.
//! Every target prints `fuzz: TARGET: N cases` on stderr (`-- --nocapture` shows it).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use cxmine::config::Config;
use cxmine::detect::Detectors;
use cxmine::detect::lexicon::{self, LexiconError};
use cxmine::index::{ConversationIndexer, IndexSearcher, SearchOptions, SortOrder, WriterOptions};
use cxmine::ingest::format::InputFormat;
use cxmine::pipeline::{self, Options};
use cxmine::report::{self, Format};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config as RunnerConfig, RngSeed, TestCaseError, TestRunner};

/// Cases per target when `CXMINE_FUZZ_CASES` is not set: all targets together stay well
/// under a minute in a debug build on two cores.
const DEFAULT_CASES: u32 = 96;

/// A case that has not returned after this long is a hang (`CXMINE_FUZZ_HANG_SECS`).
fn hang_limit() -> Duration {
    let secs = std::env::var("CXMINE_FUZZ_HANG_SECS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// The input of the case each fuzz target is running, printed if it hangs.
static CURRENT: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

fn cases() -> u32 {
    match std::env::var("CXMINE_FUZZ_CASES") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("CXMINE_FUZZ_CASES={v:?} is not a number")),
        Err(_) => DEFAULT_CASES,
    }
}

/// Runs `body` on `cases() × weight` generated values (at least one), printing the count.
fn fuzz<S: Strategy>(
    target: &str,
    weight: f64,
    strategy: S,
    body: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let n = ((f64::from(cases()) * weight).ceil() as u32).max(1);
    let config = RunnerConfig {
        cases: n,
        rng_seed: seed(),
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..RunnerConfig::default()
    };
    let ran = AtomicU64::new(0);
    let started = std::time::Instant::now();
    let result = TestRunner::new(config).run(&strategy, |value| {
        ran.fetch_add(1, Ordering::Relaxed);
        let shown = format!("{value:#?}");
        CURRENT.lock().unwrap().insert(target.to_owned(), shown);
        body(value)
    });
    eprintln!(
        "fuzz: {target}: {} cases in {:.1} s",
        ran.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("fuzz target {target} failed: {e}");
    }
}

/// The generator seed: fixed unless `CXMINE_FUZZ_SEED` says `random` or gives a number, so
/// the short budget of `.ci/run` explores the same cases every run and a red run can be
/// replayed; `scripts/fuzz` draws a new seed each time.
fn seed() -> RngSeed {
    match std::env::var("CXMINE_FUZZ_SEED")
        .ok()
        .as_deref()
        .map(str::trim)
    {
        Some("random") => RngSeed::Random,
        Some(n) => n.parse().map_or(RngSeed::Fixed(7), RngSeed::Fixed),
        None => RngSeed::Fixed(7),
    }
}

/// Runs `f` on its own thread; a panic is re-raised here. No answer within
/// [`hang_limit`] ends the process at once with the inputs of the running cases: a hung
/// thread cannot be stopped, and shrinking would leave more of them spinning.
fn within_limit<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    let limit = hang_limit();
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let running = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
            for (target, input) in running {
                eprintln!("fuzz: {target}: running case:\n{input}");
            }
            eprintln!("fuzz: {what}: no answer after {limit:?} (hang); stopping");
            std::process::exit(101);
        }
    }
}

fn detectors() -> Arc<Detectors> {
    static D: OnceLock<Arc<Detectors>> = OnceLock::new();
    D.get_or_init(|| Arc::new(Detectors::builtin())).clone()
}

// ---------------------------------------------------------------------------------------
// Valid seeds: a few threads of messages, rendered in every format.

/// One message of a seed thread.
#[derive(Debug, Clone)]
struct Msg {
    customer: bool,
    text: String,
    /// Seconds after 2024-01-10 00:00:00 UTC.
    secs: u32,
}

/// Words of seed messages: detector cues, identifiers, markup and separators of the
/// formats, non-ASCII.
const WORDS: &[&str] = &[
    "hi",
    "my",
    "order",
    "refund",
    "is",
    "late",
    "thanks",
    "that fixed it",
    "still not working",
    "can you rephrase",
    "let me transfer you",
    "account 12345678",
    "card 4111 1111 1111 1111",
    "ana@mail.example",
    "ça marche",
    "straße",
    "😡",
    ":)",
    "\"quoted\"",
    "a,b",
    "<b>bold</b>",
    "&amp;",
    "From here",
    "> quoted",
    "-- ",
    "[note]",
    "re: again",
    "=?UTF-8?Q?x?=",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 1..6).prop_map(|w| w.join(" "))
}

fn thread() -> impl Strategy<Value = Vec<Msg>> {
    prop::collection::vec((any::<bool>(), text(), 0u32..86_000), 1..5).prop_map(|msgs| {
        msgs.into_iter()
            .enumerate()
            .map(|(i, (customer, text, secs))| Msg {
                // The thread opens with the customer.
                customer: customer || i == 0,
                text,
                secs,
            })
            .collect()
    })
}

fn threads() -> impl Strategy<Value = Vec<Vec<Msg>>> {
    prop::collection::vec(thread(), 1..4)
}

fn hms(secs: u32) -> (u32, u32, u32) {
    (secs / 3600, secs / 60 % 60, secs % 60)
}

fn iso(secs: u32) -> String {
    let (h, m, s) = hms(secs);
    format!("2024-01-10T{h:02}:{m:02}:{s:02}Z")
}

fn role(m: &Msg) -> &'static str {
    if m.customer { "customer" } else { "agent" }
}

fn jsonl_conversations(threads: &[Vec<Msg>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, t) in threads.iter().enumerate() {
        let mut events: Vec<serde_json::Value> = t
            .iter()
            .map(|m| serde_json::json!({"ts": iso(m.secs), "role": role(m), "text": m.text}))
            .collect();
        let last = t.iter().map(|m| m.secs).max().unwrap_or(0);
        events.push(serde_json::json!({"ts": iso(last), "type": "resolve", "role": "agent"}));
        events.push(serde_json::json!({"ts": iso(last), "type": "survey", "role": "customer", "csat": 4, "nps": 9, "ces": 6}));
        events.push(serde_json::json!({"ts": iso(last), "type": "purchase", "role": "customer", "amount": 25.5}));
        let line = serde_json::json!({
            "id": format!("c{i}"), "channel": "chat", "customer_id": format!("u{}", i % 2),
            "team": "tier1", "tags": ["billing"], "events": events,
        });
        serde_json::to_writer(&mut out, &line).unwrap();
        out.push(b'\n');
    }
    out
}

/// Event lines of all threads, interleaved (assembly must regroup them).
fn jsonl_events(threads: &[Vec<Msg>]) -> Vec<u8> {
    let mut out = Vec::new();
    let longest = threads.iter().map(Vec::len).max().unwrap_or(0);
    for j in 0..longest {
        for (i, t) in threads.iter().enumerate() {
            let Some(m) = t.get(j) else { continue };
            let mut line = serde_json::json!({
                "conversation_id": format!("c{i}"), "ts": iso(m.secs), "type": "message",
                "role": role(m), "text": m.text,
            });
            if j == 0 {
                line["channel"] = "email".into();
                line["customer_id"] = format!("u{i}").into();
            }
            serde_json::to_writer(&mut out, &line).unwrap();
            out.push(b'\n');
        }
    }
    out
}

fn social_csv(threads: &[Vec<Msg>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "tweet_id",
        "author_id",
        "inbound",
        "created_at",
        "text",
        "response_tweet_id",
        "in_response_to_tweet_id",
    ])
    .unwrap();
    for (i, t) in threads.iter().enumerate() {
        for (j, m) in t.iter().enumerate() {
            let id = |j: usize| format!("{}", 1000 * (i + 1) + j);
            let (h, mi, s) = hms(m.secs);
            w.write_record([
                id(j),
                if m.customer {
                    format!("{}", 500 + i)
                } else {
                    "AcmeHelp".into()
                },
                if m.customer { "True" } else { "False" }.into(),
                format!("Wed Jan 10 {h:02}:{mi:02}:{s:02} +0000 2024"),
                m.text.clone(),
                if j + 1 < t.len() {
                    id(j + 1)
                } else {
                    String::new()
                },
                if j > 0 { id(j - 1) } else { String::new() },
            ])
            .unwrap();
        }
    }
    w.into_inner().unwrap()
}

/// One message as RFC 5322 text (no mbox separator).
fn mail(i: usize, j: usize, m: &Msg) -> String {
    let (h, mi, s) = hms(m.secs);
    let from = if m.customer {
        format!("Ana <u{i}@mail.example>")
    } else {
        "Sam <sam@help.shop.example>".into()
    };
    let reply = if j > 0 {
        format!("In-Reply-To: <m{i}.{}@x>\nReferences: <m{i}.0@x>\n", j - 1)
    } else {
        String::new()
    };
    let re = if j > 0 { "Re: " } else { "" };
    format!(
        "From: {from}\nTo: help@shop.example\nSubject: {re}order {i}\n\
         Date: Wed, 10 Jan 2024 {h:02}:{mi:02}:{s:02} +0000\nMessage-ID: <m{i}.{j}@x>\n{reply}\
         Content-Type: text/plain; charset=utf-8\n\n{}\n",
        m.text
    )
}

fn mbox(threads: &[Vec<Msg>]) -> Vec<u8> {
    let mut out = String::new();
    for (i, t) in threads.iter().enumerate() {
        for (j, m) in t.iter().enumerate() {
            out.push_str("From someone Wed Jan 10 00:00:00 2024\n");
            out.push_str(&mail(i, j, m));
            out.push('\n');
        }
    }
    out.into_bytes()
}

fn chat_log(threads: &[Vec<Msg>]) -> Vec<u8> {
    let mut out = String::new();
    for (i, t) in threads.iter().enumerate() {
        out.push_str(&format!("--- chat-{i} ---\n"));
        for (j, m) in t.iter().enumerate() {
            let (h, mi, s) = hms(m.secs);
            let who = if m.customer {
                "Customer Jane"
            } else {
                "Agent Sam"
            };
            out.push_str(&format!(
                "[2024-01-10 {h:02}:{mi:02}:{s:02}] {who}: {}\n",
                m.text
            ));
            if j == 1 {
                out.push_str("  and a continued line\n");
            }
        }
    }
    out.into_bytes()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn posts_xml(threads: &[Vec<Msg>]) -> Vec<u8> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posts>\n");
    let mut next = 1;
    for (i, t) in threads.iter().enumerate() {
        let question = next;
        for (j, m) in t.iter().enumerate() {
            let (h, mi, s) = hms(m.secs);
            let body = xml_escape(&format!("<p>{}</p>", m.text));
            let date = format!("2024-01-10T{h:02}:{mi:02}:{s:02}.000");
            let owner = if m.customer { 10 + i } else { 90 + j };
            if j == 0 {
                let accepted = if t.len() > 1 {
                    format!(" AcceptedAnswerId=\"{}\"", question + 1)
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "  <row Id=\"{next}\" PostTypeId=\"1\"{accepted} CreationDate=\"{date}\" \
                     Score=\"{}\" Body=\"{body}\" OwnerUserId=\"{owner}\" Title=\"Question {i}\" \
                     Tags=\"&lt;wifi&gt;&lt;router&gt;\" />\n",
                    j + 1
                ));
            } else {
                out.push_str(&format!(
                    "  <row Id=\"{next}\" PostTypeId=\"2\" ParentId=\"{question}\" \
                     CreationDate=\"{date}\" Score=\"-1\" Body=\"{body}\" OwnerUserId=\"{owner}\" />\n"
                ));
            }
            next += 1;
        }
    }
    out.push_str("</posts>\n");
    out.into_bytes()
}

/// Renders seed threads as a valid file of one format.
type Render = fn(&[Vec<Msg>]) -> Vec<u8>;

/// Valid files of the real fixtures, spliced into other formats.
const FOREIGN: &[&[u8]] = &[
    include_bytes!("fixtures/chat/support_chat.txt"),
    include_bytes!("fixtures/social/support_threads.csv"),
    include_bytes!("fixtures/email/support.mbox"),
    include_bytes!("fixtures/email/eml/01-login.eml"),
    include_bytes!("fixtures/community/Posts.xml"),
    include_bytes!("fixtures/index/conversations.jsonl"),
];

// ---------------------------------------------------------------------------------------
// Mutations.

/// Short pieces that break parsers: NUL, byte-order marks, CR, invalid UTF-8, record and
/// format separators, quoting, huge and odd numbers, duplicate keys.
const PIECES: &[&[u8]] = &[
    b"\0",
    "\u{FEFF}".as_bytes(),
    b"\xFE\xFF",
    b"\r",
    b"\r\n",
    b"\n",
    b"\n\n",
    b"\xFF",
    b"\xC3",
    b"\xED\xA0\x80",
    b"\xF4\x90\x80\x80",
    b"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"&#xFFFFFFFF;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    b"From x Mon Jan  1 00:00:00 2024\n",
    b"\nFrom \n",
    b">From ",
    b"--- chat-x ---\n",
    b"---\n",
    b"[2024-13-45 99:99:99] Agent X: y\n",
    b"[] :\n",
    b"  ",
    b"\t",
    b"\"id\":\"c0\",",
    b"\"role\":\"agent\",\"role\":\"customer\",",
    b"\"ts\":\"2024-01-10T10:00:00Z\",",
    b"\"conversation_id\":\"c0\",",
    b"\"events\":[],",
    b"\"type\":\"purchase\",\"amount\":1e308,",
    b"1e999",
    b"-1e308",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"99999999999999999999999999999999",
    b"NaN",
    b"-0",
    b"0.0000000000000000000000001",
    b"9999-12-31T23:59:59Z",
    b"0000-01-01T00:00:00Z",
    b"+292278994-08-17T07:12:55Z",
    b"Mon Jan 01 00:00:00 +9999 1970",
    b"Date: Thu, 31 Dec 9999 99:99:99 +9999\n",
    b"Message-ID: <m0.0@x>\n",
    b"In-Reply-To: <m0.1@x>\n",
    b"Content-Transfer-Encoding: base64\n",
    b"Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n",
    b"=?UTF-8?B?////?=",
    b"=?x?Q?=FF?=",
    b"tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n",
    b"1000,1,maybe,x,y,1000,1000\n",
    b"<row Id=\"1\" PostTypeId=\"2\" ParentId=\"1\" />",
    b"<row Id=\"-1\" PostTypeId=\"1\" Score=\"99999999999999999999\" />",
    b"AcceptedAnswerId=\"1\" ",
    b"ParentId=\"18446744073709551615\" ",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Insert(Index, usize),
    Delete(Index, usize),
    Truncate(Index),
    Duplicate(Index, usize, Index),
    Splice(Index, usize, Index, usize),
    /// Repeats the same line many times.
    RepeatLine(Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        4 => (any::<Index>(), 0..PIECES.len()).prop_map(|(i, p)| Mutation::Insert(i, p)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1usize..200, any::<Index>())
            .prop_map(|(i, n, to)| Mutation::Duplicate(i, n, to)),
        1 => (any::<Index>(), 0..FOREIGN.len(), any::<Index>(), 1usize..400)
            .prop_map(|(at, f, from, n)| Mutation::Splice(at, f, from, n)),
        1 => (any::<Index>(), 2usize..300).prop_map(|(i, n)| Mutation::RepeatLine(i, n)),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 0..6)
}

/// Position `i` in `0..=len`.
fn at(i: &Index, len: usize) -> usize {
    i.index(len + 1)
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    match m {
        Mutation::Flip(i, b) if len > 0 => bytes[i.index(len)] ^= b | 1,
        Mutation::Flip(..) => {}
        Mutation::Insert(i, p) => {
            let at = at(i, len);
            bytes.splice(at..at, PIECES[*p].iter().copied());
        }
        Mutation::Delete(i, n) => {
            let start = at(i, len);
            bytes.drain(start..(start + n).min(len));
        }
        Mutation::Truncate(i) => bytes.truncate(at(i, len)),
        Mutation::Duplicate(i, n, to) => {
            let start = at(i, len);
            let run = bytes[start..(start + n).min(len)].to_vec();
            let to = at(to, len);
            bytes.splice(to..to, run);
        }
        Mutation::Splice(i, f, from, n) => {
            let src = FOREIGN[*f];
            let start = at(from, src.len());
            let at = at(i, len);
            bytes.splice(
                at..at,
                src[start..(start + n).min(src.len())].iter().copied(),
            );
        }
        Mutation::RepeatLine(i, n) => {
            let start = bytes[..at(i, len)]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(len, |p| start + p + 1);
            let mut line = bytes[start..end].to_vec();
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            let copies = line.repeat(*n);
            bytes.splice(end..end, copies);
        }
    }
}

fn mutated(mut bytes: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        apply(&mut bytes, m);
    }
    bytes
}

// ---------------------------------------------------------------------------------------
// Reader targets.

/// How a mutated file reaches the readers.
#[derive(Debug, Clone)]
struct Delivery {
    /// 0: the format's extension; 1: no extension (sniffed); 2: gzipped with `.gz`;
    /// 3: gzipped and cut.
    naming: u8,
    /// Where a cut gzip stream ends.
    cut: Index,
    /// Force this reader (`--input-format`) instead of choosing per file.
    forced: Option<usize>,
    /// Small chunks and a small memory limit (spill paths), or the defaults.
    small: bool,
}

fn delivery() -> impl Strategy<Value = Delivery> {
    (
        prop_oneof![6 => Just(0u8), 2 => Just(1), 1 => Just(2), 1 => Just(3)],
        any::<Index>(),
        prop_oneof![7 => Just(None), 1 => (0..InputFormat::ALL.len()).prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(|(naming, cut, forced, small)| Delivery {
            naming,
            cut,
            forced,
            small,
        })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The report of analysing `files` (name with its extension, content) as the CLI does,
/// after checking the invariants.
fn analyze_files(files: Vec<(String, Vec<u8>)>, how: &Delivery) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    // Whether some file holds more than white space: all of it; past its first line (a
    // CSV header alone is an empty table); besides an XML declaration and root tags (an
    // empty dump).
    let (mut any_content, mut any_body, mut any_rows) = (false, false, false);
    for (name, bytes) in &files {
        let (name, written) = match how.naming {
            0 => (name.clone(), bytes.clone()),
            1 => (name.replace('.', "_"), bytes.clone()),
            2 => (format!("{name}.gz"), gzip(bytes)),
            _ => {
                let gz = gzip(bytes);
                let cut = how.cut.index(gz.len() + 1);
                (format!("{name}.gz"), gz[..cut].to_vec())
            }
        };
        // A cut gzip stream holds content unless it was cut to nothing.
        let content = match how.naming {
            3 if written.is_empty() => &[][..],
            _ => bytes.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(bytes),
        };
        let blank = |b: &[u8]| b.iter().all(u8::is_ascii_whitespace);
        any_content |= !blank(content);
        let body = content
            .iter()
            .position(|&b| b == b'\n')
            .map_or(&[][..], |p| &content[p..]);
        any_body |= !blank(body);
        any_rows |= !blank(&xml_frame_removed(content));
        let path = dir.path().join(name);
        std::fs::write(&path, written).unwrap();
        paths.push(path);
    }
    let options = Options {
        detectors: Some(detectors()),
        input_format: how.forced.map(|i| InputFormat::ALL[i]),
        mem_limit: if how.small { 4 << 10 } else { 256 << 20 },
        chunk_size: if how.small { 200 } else { 1 << 20 },
        ..Options::default()
    };
    let n_files = paths.len() as u64;
    let report = within_limit("analysis", move || run_and_report(paths, options))?;
    let n = |v: &serde_json::Value| v.as_u64().expect("a count");
    let input = &report["input"];
    let (records, conversations, events) = (
        n(&input["records"]),
        n(&input["conversations"]),
        n(&input["events"]),
    );
    let skipped = n(&report["skipped"]["total"]);
    let formats: Vec<&str> = input["formats"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let summary = format!(
        "records {records}, conversations {conversations}, events {events}, skipped {skipped}, \
         formats {formats:?}; input:\n{}",
        show(&files)
    );
    prop_assert_eq!(n(&input["files"]), n_files, "{}", summary);
    // Every conversation comes from at least one record.
    prop_assert!(conversations <= records, "{}", summary);
    // A file with content never reads as an empty one.
    let only = |f: &str| formats.iter().all(|&g| g == f);
    let has_records = if only("social_csv") {
        any_body
    } else if only("stack_exchange_xml") {
        any_rows
    } else {
        any_content
    };
    if has_records {
        prop_assert!(
            records + skipped > 0,
            "content read as nothing: {}",
            summary
        );
    }
    // Records do not vanish: each is kept (a conversation, or an event of one) or skipped.
    // Chat-log separators and continuation lines, and Stack Exchange post types other
    // than questions and answers, are records by design that yield neither.
    if !formats
        .iter()
        .any(|&f| f == "chat_log" || f == "stack_exchange_xml")
    {
        prop_assert!(
            records <= conversations + events + skipped,
            "records lost: {}",
            summary
        );
    }
    // Exported rows and messages each become exactly one event, or are skipped.
    if only("social_csv") || formats.iter().all(|&f| f == "mbox" || f == "eml") {
        prop_assert!(records <= events + skipped, "rows lost: {}", summary);
    }
    Ok(())
}

/// `content` without its XML declaration and `<posts>` / `</posts>` tags.
fn xml_frame_removed(content: &[u8]) -> Vec<u8> {
    let mut rest = content.to_vec();
    if rest.trim_ascii_start().starts_with(b"<?xml") {
        let start = rest.len() - rest.trim_ascii_start().len();
        match rest[start..].windows(2).position(|w| w == b"?>") {
            Some(end) => drop(rest.drain(..start + end + 2)),
            None => rest.clear(),
        }
    }
    for tag in [&b"<posts>"[..], b"</posts>"] {
        while let Some(at) = rest.windows(tag.len()).position(|w| w == tag) {
            rest.drain(at..at + tag.len());
        }
    }
    rest
}

/// The files of a case as escaped text, for failure messages.
fn show(files: &[(String, Vec<u8>)]) -> String {
    files
        .iter()
        .map(|(name, bytes)| {
            let text = bytes.escape_ascii().to_string();
            let clipped: String = text.chars().take(3_000).collect();
            format!("--- {name} ({} bytes)\n{clipped}\n", bytes.len())
        })
        .collect()
}

/// Runs the pipeline and renders the report in every format; returns the JSON report.
fn run_and_report(
    paths: Vec<PathBuf>,
    options: Options,
) -> Result<serde_json::Value, TestCaseError> {
    let files = cxmine::ingest::discover(&paths)
        .map_err(|e| TestCaseError::fail(format!("discover: {e}")))?;
    let partial = pipeline::run(&files, &options, None, None)
        .map_err(|e| TestCaseError::fail(format!("the run failed: {e}")))?;
    let report = partial
        .finish(&options.config)
        .map_err(|e| TestCaseError::fail(format!("finish: {e}")))?;
    let tables = [
        Format::Table(report::TableLayout::Fit { width: 80 }),
        Format::Table(report::TableLayout::Wide),
    ];
    for format in tables.into_iter().chain([Format::Csv, Format::Markdown]) {
        report::render(&report, format, &mut Vec::new()).unwrap();
    }
    let mut json = Vec::new();
    report::render_json(&report, &mut json).unwrap();
    Ok(serde_json::from_slice(&json).unwrap())
}

/// One reader target: `render` builds the valid file from seed threads.
fn reader_target(target: &str, name: &'static str, render: Render) {
    let strategy = (threads(), mutations(), delivery());
    fuzz(target, 1.0, strategy, |(threads, ms, how)| {
        let bytes = mutated(render(&threads), &ms);
        analyze_files(vec![(name.to_owned(), bytes)], &how)
    });
}

#[test]
fn fuzz_jsonl_conversations() {
    reader_target("jsonl_conversations", "in.jsonl", jsonl_conversations);
}

#[test]
fn fuzz_jsonl_event_lines() {
    // Two files, each line of a conversation possibly in either.
    let strategy = (threads(), mutations(), any::<Index>(), delivery());
    fuzz(
        "jsonl_event_lines",
        1.0,
        strategy,
        |(threads, ms, split, how)| {
            let bytes = mutated(jsonl_events(&threads), &ms);
            let cut = bytes[..split.index(bytes.len() + 1)]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let files = vec![
                ("part-1.jsonl".to_owned(), bytes[..cut].to_vec()),
                ("part-2.jsonl".to_owned(), bytes[cut..].to_vec()),
            ];
            analyze_files(files, &how)
        },
    );
}

#[test]
fn fuzz_social_csv() {
    reader_target("social_csv", "tweets.csv", social_csv);
}

#[test]
fn fuzz_mbox() {
    reader_target("mbox", "support.mbox", mbox);
}

#[test]
fn fuzz_eml() {
    // One file a message; the mutations hit one of them, the thread spans them all.
    let strategy = (threads(), mutations(), any::<Index>(), delivery());
    fuzz("eml", 1.0, strategy, |(threads, ms, which, how)| {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for (i, t) in threads.iter().enumerate() {
            for (j, m) in t.iter().enumerate() {
                files.push((format!("{i}-{j}.eml"), mail(i, j, m).into_bytes()));
            }
        }
        let k = which.index(files.len());
        files[k].1 = mutated(std::mem::take(&mut files[k].1), &ms);
        analyze_files(files, &how)
    });
}

#[test]
fn fuzz_chat_log() {
    reader_target("chat_log", "chat.txt", chat_log);
}

#[test]
fn fuzz_posts_xml() {
    reader_target("posts_xml", "Posts.xml", posts_xml);
}

#[test]
fn fuzz_two_formats_spliced() {
    // Two seeds of different formats cut and joined, read under either format's name.
    let renders: [(&str, Render); 6] = [
        ("in.jsonl", jsonl_conversations),
        ("in.jsonl", jsonl_events),
        ("in.csv", social_csv),
        ("in.mbox", mbox),
        ("in.txt", chat_log),
        ("in.xml", posts_xml),
    ];
    let strategy = (
        threads(),
        0..renders.len(),
        0..renders.len(),
        any::<Index>(),
        any::<Index>(),
        any::<bool>(),
        mutations(),
        delivery(),
    );
    fuzz(
        "two_formats_spliced",
        1.0,
        strategy,
        |(threads, a, b, cut_a, cut_b, name_a, ms, how)| {
            let (x, y) = (renders[a].1(&threads), renders[b].1(&threads));
            let mut bytes = x[..cut_a.index(x.len() + 1)].to_vec();
            bytes.extend_from_slice(&y[cut_b.index(y.len() + 1)..]);
            let name = renders[if name_a { a } else { b }].0;
            analyze_files(vec![(name.to_owned(), mutated(bytes, &ms))], &how)
        },
    );
}

// ---------------------------------------------------------------------------------------
// Lexicons.

/// Lines that stress the lexicon grammar: sections, settings, regexes, attributes.
const LEXICON_LINES: &[&str] = &[
    "[success]",
    "[failure]",
    "[ignore]",
    "[valence]",
    "[negator]",
    "[intensifier]",
    "[account]",
    "[request]",
    "[pointer]",
    "[stopword]",
    "[synonym]",
    "[bogus]",
    "[",
    "]",
    "#",
    "fixed it",
    "fixed it => id=dup",
    "great => 2",
    "great => -2",
    "great => 1e999",
    "great => NaN",
    "great => weight=inf",
    "great => weight=abc",
    "bill => tag=charge",
    "x => tag=partial norm=digits",
    "x => norm=bogus",
    "x => lang=",
    "x =>",
    "=>",
    " => id=",
    "re:",
    "re: ",
    "re: (",
    "re: a*",
    "re: \\b",
    "re: (?P<id>\\d{4,})",
    "re: (?P<id>)",
    "re: (?P<id>x)|(?P<id>y)",
    "re: [^\\x00-\\x{10FFFF}]",
    "re: \\p{Greek}+",
    "re: a{1000}{1000}",
    "re: (?i)ſ",
    "re: \\d+ \\w+ \\d+",
    "@set",
    "@set alpha",
    "@set alpha 0",
    "@set alpha -1",
    "@set alpha 1e999",
    "@set alpha nan",
    "@set neutral_band 2",
    "@set negation_scope 18446744073709551616",
    "@set negation_scope -5",
    "@set modifier_scope 0",
    "@set exclamation_max 99999999",
    "@set restatement_threshold nan",
    "@set restatement_threshold 0",
    "@set restatement_min_shingles 0",
    "@set answer_min_words 4294967296",
    "@set bogus 1",
    "😡 => -3",
    ":)",
    "'",
    "don't",
    "\u{FEFF}hello",
    "\0",
    "a\rb",
];

#[derive(Debug, Clone)]
enum LexiconEdit {
    /// Byte-level mutations of one file (the result read as lossy UTF-8).
    Bytes(usize, Vec<Mutation>),
    /// Inserts a line into one file.
    Line(usize, Index, usize),
    /// Removes a file (the checker reports it).
    Drop(usize),
    /// Replaces a file by a few lines only.
    Replace(usize, Vec<usize>),
}

fn lexicon_edit() -> impl Strategy<Value = LexiconEdit> {
    prop_oneof![
        3 => (0..6usize, mutations()).prop_map(|(f, m)| LexiconEdit::Bytes(f, m)),
        4 => (0..6usize, any::<Index>(), 0..LEXICON_LINES.len())
            .prop_map(|(f, at, l)| LexiconEdit::Line(f, at, l)),
        1 => (0..6usize).prop_map(LexiconEdit::Drop),
        1 => (0..6usize, prop::collection::vec(0..LEXICON_LINES.len(), 0..8))
            .prop_map(|(f, ls)| LexiconEdit::Replace(f, ls)),
    ]
}

fn edit_sources(sources: &mut lexicon::Sources, edit: &LexiconEdit) {
    match edit {
        LexiconEdit::Bytes(f, ms) => {
            if let Some(text) = &mut sources[*f].1 {
                let bytes = mutated(std::mem::take(text).into_bytes(), ms);
                *text = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
        LexiconEdit::Line(f, i, l) => {
            if let Some(text) = &mut sources[*f].1 {
                let mut lines: Vec<&str> = text.lines().collect();
                let at = i.index(lines.len() + 1);
                lines.insert(at, LEXICON_LINES[*l]);
                *text = lines.join("\n");
            }
        }
        LexiconEdit::Drop(f) => sources[*f].1 = None,
        LexiconEdit::Replace(f, ls) => {
            let lines: Vec<&str> = ls.iter().map(|&l| LEXICON_LINES[l]).collect();
            sources[*f].1 = Some(lines.join("\n"));
        }
    }
}

/// A conversation the detectors of an accepted lexicon set run over.
fn probe() -> cxmine::model::Conversation<'static> {
    use cxmine::model::{Channel, Conversation, Event, Role};
    let t = |s: &str| cxmine::time::Timestamp::parse(s).unwrap();
    let mut conv = Conversation::new("probe", Channel::Chat);
    for (ts, role, text) in [
        (
            "2024-01-01T10:00:00Z",
            Role::Customer,
            "my account 12345678 is not working 😡!!!",
        ),
        (
            "2024-01-01T10:01:00Z",
            Role::Agent,
            "can you rephrase? let me transfer you",
        ),
        (
            "2024-01-01T10:02:00Z",
            Role::Customer,
            "account 12345678, it's still NOT working",
        ),
        (
            "2024-01-01T10:03:00Z",
            Role::Agent,
            "Please restart the router and try again",
        ),
        (
            "2024-01-01T10:04:00Z",
            Role::Customer,
            "great, that fixed it :) ça marche, thanks",
        ),
    ] {
        conv.events.push(Event::message(t(ts), role, text));
    }
    conv.finish();
    conv
}

#[test]
fn fuzz_lexicons() {
    // Each case compiles a whole lexicon set (about 70 ms in release): a tenth of the
    // cases of the other targets.
    let strategy = prop::collection::vec(lexicon_edit(), 1..4);
    fuzz("lexicons", 0.1, strategy, |edits| {
        let mut sources = lexicon::builtin_sources();
        for e in &edits {
            edit_sources(&mut sources, e);
        }
        within_limit("lexicon load", move || {
            let issues = lexicon::check(&sources);
            let errors = issues
                .iter()
                .filter(|i| i.severity == lexicon::Severity::Error)
                .count();
            match Detectors::from_sources(&sources) {
                Ok(d) => {
                    // An accepted set runs.
                    let conv = probe();
                    let _ = d.analyze(&conv);
                    let _ = d.mask_identifiers("account 12345678 and ana@mail.example");
                    Ok(())
                }
                Err(LexiconError::Invalid(listed)) => {
                    prop_assert!(errors > 0 && !listed.is_empty(), "refused without an error");
                    Ok(())
                }
                Err(LexiconError::Build(_)) => Ok(()),
                Err(e @ LexiconError::Io { .. }) => {
                    Err(TestCaseError::fail(format!("I/O error from texts: {e}")))
                }
            }
        })
    });
}

// ---------------------------------------------------------------------------------------
// Configuration.

const CONFIG: &str = r#"[fcr]
window_days = 7

[clv]
lifespan_years = 3.0

[cost]
total = 125000.0

[[sla]]
channel = "email"
severity = "urgent"
first_response = "30m"
resolution = "8h"

[[sla]]
channel = "chat"
first_response = "2m"
resolution = "4h"

[effort]
rephrase = 1.0
repetition = 1.0
handoff = 1.0
failure = 1.0
negative_shift = 1.0
count_saturation = 3
wait_saturation = 4.0

[cx]
alert_action_window = "24h"
long_silence = "30s"

[readers.email]
support_domains = ["shop.example"]
support_addresses = ["help@shop.example"]

[readers.chat]
line_pattern = '^\[(?P<ts>[^\]]+)\]\s+(?P<role>\w+)(?:\s+(?P<author>[^:]+?))?:\s?(?P<text>.*)$'
separator = '^-{3,}(?:\s*(?P<id>[^\s-]\S*)\s*-*)?\s*$'
channel = "chat"

[readers.social]
brand_handles = ["AcmeHelp"]
"#;

/// TOML fragments: odd values, duplicate keys and tables, odd regexes and durations.
const TOML_PIECES: &[&str] = &[
    " = 1e999",
    " = -1e999",
    " = nan",
    " = -nan",
    " = inf",
    " = 0",
    " = -1",
    " = 18446744073709551616",
    " = 9223372036854775807",
    " = \"\"",
    " = \"0ms\"",
    " = \"99999999999999999999d\"",
    " = \"1e300d\"",
    " = \"-5m\"",
    " = \"NaNh\"",
    " = []",
    " = {}",
    "\nwindow_days = 7\n",
    "\n[fcr]\n",
    "\n[[sla]]\nfirst_response = \"0ms\"\nresolution = \"0ms\"\n",
    "\n[[sla]]\nseverity = \"\"\nfirst_response = \"9999999999999d\"\nresolution = \"1ms\"\n",
    "\n[readers.chat]\nline_pattern = '(?P<ts>.*)(?P<text>.*)'\n",
    "\nline_pattern = '(?P<ts>)(?P<text>)(?P<role>)'\n",
    "\nseparator = ''\n",
    "\nseparator = '(?P<id>.*)'\n",
    "\nline_pattern = '('\n",
    "\nline_pattern = 'x{99999}{99999}'\n",
    "\nchannel = \"phone\"\n",
    "\nchannel = \"fax\"\n",
    "\nsupport_domains = [\"\", \".\", \"@\"]\n",
    "\n[effort]\nrephrase = 0.0\nrepetition = 0.0\nhandoff = 0.0\nfailure = 0.0\nnegative_shift = 0.0\n",
    "\ncount_saturation = 4294967296\n",
    "\nwait_saturation = 1e-320\n",
    "\nlifespan_years = 1e-320\n",
    "\ntotal = -1e308\n",
    "\"\"\"",
    "'''",
    "\u{FEFF}",
    "\0",
    "\r",
    "#",
    "[",
    "]",
    "=",
    "\"",
    "\n[bogus]\n",
    "\n[readers.bogus]\n",
];

#[derive(Debug, Clone)]
enum ConfigEdit {
    Bytes(Vec<Mutation>),
    Piece(Index, usize),
    /// Duplicates a line (a duplicate key, or a table opened twice).
    DupLine(Index),
    /// Gives the `n`-th `key = value` line one of [`TOML_VALUES`].
    Value(Index, usize),
}

/// Values of every type, in range and out of it, for [`ConfigEdit::Value`].
const TOML_VALUES: &[&str] = &[
    "0",
    "-1",
    "1e999",
    "-1e999",
    "nan",
    "inf",
    "-inf",
    "1e-320",
    "18446744073709551616",
    "9223372036854775807",
    "\"\"",
    "\"0ms\"",
    "\"1ms\"",
    "\"99999999999999999999d\"",
    "\"1e300d\"",
    "\"-5m\"",
    "\"inf h\"",
    "\"phone\"",
    "\"fax\"",
    "'('",
    "'(?P<ts>.*)'",
    "'(?P<ts>.*) (?P<text>.*)'",
    "'(?P<id>)'",
    "''",
    "[]",
    "[\"\"]",
    "{}",
    "true",
];

fn config_edit() -> impl Strategy<Value = ConfigEdit> {
    prop_oneof![
        2 => mutations().prop_map(ConfigEdit::Bytes),
        4 => (any::<Index>(), 0..TOML_PIECES.len()).prop_map(|(i, p)| ConfigEdit::Piece(i, p)),
        1 => any::<Index>().prop_map(ConfigEdit::DupLine),
        6 => (any::<Index>(), 0..TOML_VALUES.len()).prop_map(|(i, v)| ConfigEdit::Value(i, v)),
    ]
}

#[test]
fn fuzz_config() {
    // The parsed config is then used for a run over one small file of every format.
    let strategy = (prop::collection::vec(config_edit(), 0..4), threads());
    let accepted = AtomicU64::new(0);
    fuzz("config", 0.5, strategy, |(edits, threads)| {
        let mut bytes = CONFIG.as_bytes().to_vec();
        for e in &edits {
            match e {
                ConfigEdit::Bytes(ms) => bytes = mutated(bytes, ms),
                ConfigEdit::Piece(i, p) => {
                    // At a line end, so most pieces land where a value or key goes.
                    let at = at(i, bytes.len());
                    let at = bytes[at..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(bytes.len(), |p| at + p);
                    bytes.splice(at..at, TOML_PIECES[*p].bytes());
                }
                ConfigEdit::DupLine(i) => apply(&mut bytes, &Mutation::RepeatLine(*i, 2)),
                ConfigEdit::Value(i, v) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
                    let keyed: Vec<usize> = (0..lines.len())
                        .filter(|&k| lines[k].contains(" = "))
                        .collect();
                    if !keyed.is_empty() {
                        let k = keyed[i.index(keyed.len())];
                        let key = lines[k].split(" = ").next().unwrap_or_default().to_owned();
                        lines[k] = format!("{key} = {}", TOML_VALUES[*v]);
                    }
                    bytes = lines.join("\n").into_bytes();
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let parsed = within_limit("config parse", move || Config::parse(&text));
        let Ok(config) = parsed else {
            return Ok(()); // refused with a message: fine
        };
        accepted.fetch_add(1, Ordering::Relaxed);
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (name, render) in [
            ("a.jsonl", jsonl_conversations as Render),
            ("b.csv", social_csv),
            ("c.mbox", mbox),
            ("d.txt", chat_log),
            ("e.xml", posts_xml),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, render(&threads)).unwrap();
            paths.push(path);
        }
        let options = Options {
            config,
            detectors: Some(detectors()),
            ..Options::default()
        };
        within_limit("analysis with a fuzzed config", move || {
            run_and_report(paths, options).map(|_| ())
        })
    });
    eprintln!(
        "fuzz: config: {} accepted and run",
        accepted.load(Ordering::Relaxed)
    );
}

// ---------------------------------------------------------------------------------------
// Search queries.

/// A small index of the fixture conversations, built once.
fn searcher() -> &'static IndexSearcher {
    static S: OnceLock<(tempfile::TempDir, IndexSearcher)> = OnceLock::new();
    &S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idx");
        let options = WriterOptions {
            memory_budget: 16 << 20,
            threads: 1,
            commit_every: 1_000,
        };
        let indexer = ConversationIndexer::open_or_create(&path, options)
            .unwrap()
            .with_pipeline_detections();
        let files = cxmine::ingest::discover(&[PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/index/conversations.jsonl"
        ))])
        .unwrap();
        let run = Options {
            detectors: Some(detectors()),
            ..Options::default()
        };
        pipeline::run(&files, &run, None, Some(&indexer)).unwrap();
        indexer.finish().unwrap();
        let searcher = IndexSearcher::open(&path).unwrap();
        (dir, searcher)
    })
    .1
}

const QUERY_ATOMS: &[&str] = &[
    "refund",
    "\"not working\"",
    "\"",
    "cafe",
    "café",
    "😡",
    "flag:handoff",
    "flag:/flag/rephrase/customer",
    "flag:",
    "flag:/",
    "flag:nonsense",
    "channel:chat",
    "channel:e-mail",
    "channel:fax",
    "opened:2024-01",
    "opened:2024-01-15",
    "opened:[2024-01-01 TO 2024-01-31]",
    "opened:2024-13-45",
    "opened:[* TO 2024]",
    "resolved:>2024-02",
    "shift:<-0.3",
    "before:[-1 TO 0}",
    "effort:>5",
    "effort:>1e999",
    "effort:NaN",
    "rephrases:>=2",
    "transfers:1",
    "handoffs:>0",
    "handoffs:>18446744073709551616",
    "handoffs:-9223372036854775809",
    "csat:[1 TO 5]",
    "first_response_s:<60",
    "tag:billing",
    "-channel:chat",
    "team:tier2",
    "id:r01",
    "text:refund",
    "nosuchfield:x",
    "*",
    "re*",
    "~",
    "refund~2",
    "\"not working\"~3",
    "^2",
    "refund^2",
    "IN [a b]",
    "\\",
    ":",
    "::",
    "+",
    "-",
    "!",
    "\0",
    "\u{FEFF}",
    "\r\n",
];

/// A query built from the grammar: atoms joined by operators, nested.
fn query_tree() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(QUERY_ATOMS).prop_map(str::to_owned);
    leaf.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(
                    &[" ", " AND ", " OR ", " NOT ", " -", " +", " && ", " || "][..]
                ),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
            inner.clone().prop_map(|q| format!("({q})")),
            inner.prop_map(|q| format!("-({q})")),
        ]
    })
}

/// Prefix and suffix repeated `depth` times around a term by [`QueryCase::Deep`].
const DEEP: &[(&str, &str)] = &[
    ("(", ")"),
    ("-(", ")"),
    ("NOT (", ")"),
    ("flag:(", ")"),
    ("(\"", "\")"),
    ("+", ""),
    ("-", ""),
    ("NOT ", ""),
    ("NOT -", ""),
    ("-NOT ", ""),
    ("a OR ", ""),
    ("a AND ", ""),
    ("[", "]"),
    ("\"", ""),
    ("\\(", ""),
];

#[derive(Debug, Clone)]
enum QueryCase {
    Tree(String),
    Mutated(String, Vec<Mutation>),
    /// `depth` opening parentheses (or quotes, brackets, prefixes) around a term.
    Deep(usize, usize, bool),
}

fn query_case() -> impl Strategy<Value = QueryCase> {
    prop_oneof![
        4 => query_tree().prop_map(QueryCase::Tree),
        3 => (query_tree(), mutations()).prop_map(|(q, m)| QueryCase::Mutated(q, m)),
        1 => (1usize..20_000, 0..DEEP.len(), any::<bool>()).prop_map(|(d, k, c)| QueryCase::Deep(d, k, c)),
    ]
}

fn query_text(case: &QueryCase) -> String {
    match case {
        QueryCase::Tree(q) => q.clone(),
        QueryCase::Mutated(q, ms) => {
            String::from_utf8_lossy(&mutated(q.clone().into_bytes(), ms)).into_owned()
        }
        QueryCase::Deep(depth, kind, closed) => {
            let (open, close) = DEEP[*kind];
            let mut q = open.repeat(*depth);
            q.push_str("refund");
            if *closed {
                q.push_str(&close.repeat(*depth));
            }
            q
        }
    }
}

#[test]
fn fuzz_search_queries() {
    let searcher = searcher();
    fuzz("search_queries", 1.0, query_case(), |case| {
        let query = query_text(&case);
        let options = SearchOptions {
            limit: 5,
            sort: SortOrder::Newest,
            facets: true,
            snippets: 2,
        };
        // The searcher is shared: a hang is caught by the per-case thread as elsewhere.
        let result = within_limit("search", move || searcher.search(&query, &options));
        match result {
            Ok(_) | Err(cxmine::Error::Query { .. }) => Ok(()),
            Err(e) => Err(TestCaseError::fail(format!("not a query error: {e}"))),
        }
    });
}

// ---------------------------------------------------------------------------------------
// Regressions: the minimal inputs the targets above once failed on.

/// `fuzz_search_queries`: `((((…refund…))))` nested a few thousand deep, or a few thousand
/// `NOT`s in a row, overflowed the stack inside the query parser and aborted `cxmine
/// search`. Now a query error at the first level too many.
#[test]
fn regression_deeply_nested_query_is_an_error_not_a_crash() {
    let searcher = searcher();
    for depth in [33, 5_000, 100_000] {
        let query = format!("{}refund{}", "(".repeat(depth), ")".repeat(depth));
        match searcher.search(&query, &SearchOptions::default()) {
            Err(cxmine::Error::Query { position, .. }) => {
                // Levels 1 to 32 are allowed: byte 32 opens level 33.
                assert_eq!(position, Some(32), "depth {depth}");
            }
            other => panic!("depth {depth}: {:?}", other.map(|r| r.total)),
        }
    }
    // `NOT NOT … refund` recursed the same way.
    let query = format!("{}refund", "NOT ".repeat(10_000));
    match searcher.search(&query, &SearchOptions::default()) {
        Err(cxmine::Error::Query { position, .. }) => assert_eq!(position, Some(4 * 32)),
        other => panic!("NOT chain: {:?}", other.map(|r| r.total)),
    }
    // 32 levels still search: the five fixture conversations that mention refunds.
    let query = format!("{}refund{}", "(".repeat(32), ")".repeat(32));
    let results = searcher.search(&query, &SearchOptions::default()).unwrap();
    assert_eq!(results.total, 5);
}

/// `fuzz_jsonl_event_lines`: three event lines of one conversation whose first line (the
/// only one naming the channel) is broken. The other two were reported as one problem, so
/// 3 records gave 2 skipped and nothing kept; now each unused line is counted.
#[test]
fn regression_every_event_line_of_an_unbuildable_conversation_is_counted() {
    let lines = concat!(
        // `{` lost: malformed_json.
        r#""conversation_id":"c0","ts":"2024-01-10T00:00:00Z","type":"message","role":"customer","text":"hi","channel":"email"}"#,
        "\n",
        r#"{"conversation_id":"c0","ts":"2024-01-10T00:00:00Z","type":"message","role":"agent","text":"hi"}"#,
        "\n",
        r#"{"conversation_id":"c0","ts":"2024-01-10T00:00:00Z","type":"message","role":"agent","text":"hi"}"#,
        "\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    std::fs::write(&path, lines).unwrap();
    let files = cxmine::ingest::discover(&[path]).unwrap();
    let partial = pipeline::run(&files, &Options::default(), None, None).unwrap();
    // 3 records: line 1 malformed_json, lines 2 and 3 missing_field (no channel).
    assert_eq!(partial.input.records, 3);
    assert_eq!(partial.input.conversations, 0);
    assert_eq!(partial.diagnostics.skipped_total(), 3);
    let lines: Vec<u64> = partial
        .diagnostics
        .examples
        .iter()
        .map(|p| p.line)
        .collect();
    assert_eq!(lines, [1, 2, 3]);
}
