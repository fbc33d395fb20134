//! The HTML report (`--format html`): every number on the page is the JSON report's, nulls
//! are shown as n/a, input strings are escaped, `merge` gives the same page as one run,
//! the commands of the "worth a look" list run, and the page renders in headless Chromium
//! (skipped, with a message, where Chromium is not installed).

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use quick_xml::events::Event;
use serde_json::Value;
use util::{TempTree, cxmine};

/// A figure of the page: an element carrying a JSON pointer and a value.
#[derive(Debug)]
struct Figure {
    tag: String,
    pointer: String,
    raw: String,
    text: String,
}

/// What the page holds, read as XML (the page is well-formed).
#[derive(Debug, Default)]
struct Page {
    figures: Vec<Figure>,
    /// Texts outside figures, verbatim strings, tick labels and notes that hold a digit.
    stray_digits: Vec<String>,
    /// Every text of the page, unescaped.
    texts: Vec<String>,
    /// Element counts by tag.
    tags: BTreeMap<String, usize>,
}

struct Open {
    tag: String,
    exempt: bool,
    figure: Option<usize>,
}

fn attrs(e: &quick_xml::events::BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .map(|a| {
            let a = a.expect("well-formed attribute");
            (
                a.key.as_ref().to_owned(),
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .expect("escaped attribute")
                    .into_owned(),
            )
        })
        .collect()
}

fn read_page(html: &str) -> Page {
    let mut page = Page::default();
    let mut reader = quick_xml::Reader::from_str(html);
    let mut stack: Vec<Open> = Vec::new();
    let on_text = |page: &mut Page, stack: &[Open], s: &str| {
        page.texts.push(s.to_owned());
        for o in stack {
            if let Some(i) = o.figure {
                page.figures[i].text.push_str(s);
            }
        }
        let exempt = stack.iter().any(|o| o.exempt);
        if !exempt && s.chars().any(|c| c.is_ascii_digit()) {
            page.stray_digits.push(s.to_owned());
        }
    };
    // Text arrives in pieces (entities apart): whole texts are checked.
    let mut pending = String::new();
    loop {
        let event = reader.read_event().expect("the page is well-formed");
        match &event {
            Event::Text(t) => {
                pending.push_str(&t.xml10_content());
                continue;
            }
            Event::GeneralRef(r) => {
                let entity = quick_xml::escape::unescape(&format!("&{};", &**r))
                    .expect("known entity")
                    .into_owned();
                pending.push_str(&entity);
                continue;
            }
            _ if !pending.is_empty() => on_text(&mut page, &stack, &std::mem::take(&mut pending)),
            _ => {}
        }
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let tag = e.name().as_ref().to_owned();
                *page.tags.entry(tag.clone()).or_default() += 1;
                let a = attrs(&e);
                let figure = add_figures(&mut page, &tag, &a);
                let class = a
                    .iter()
                    .find(|(k, _)| k == "class")
                    .map(|(_, v)| v.as_str());
                let exempt = figure.is_some()
                    || a.iter().any(|(k, _)| k == "data-text")
                    || class.is_some_and(|c| c.split(' ').any(|c| c == "tick" || c == "note"))
                    || tag == "style";
                stack.push(Open {
                    tag,
                    exempt,
                    figure,
                });
            }
            Event::Empty(e) => {
                let tag = e.name().as_ref().to_owned();
                *page.tags.entry(tag.clone()).or_default() += 1;
                add_figures(&mut page, &tag, &attrs(&e));
            }
            Event::End(e) => {
                let open = stack.pop().expect("balanced tags");
                assert_eq!(open.tag, e.name().as_ref());
            }
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements");
    page
}

/// Records the figures an element carries (`data-p`/`data-v`, `data-py`/`data-vy`, …);
/// returns the index of the first one.
fn add_figures(page: &mut Page, tag: &str, a: &[(String, String)]) -> Option<usize> {
    let mut first = None;
    for (k, pointer) in a {
        let Some(suffix) = k.strip_prefix("data-p") else {
            continue;
        };
        let raw = a
            .iter()
            .find(|(k, _)| *k == format!("data-v{suffix}"))
            .unwrap_or_else(|| panic!("{k}={pointer} without its value"))
            .1
            .clone();
        page.figures.push(Figure {
            tag: tag.to_owned(),
            pointer: pointer.clone(),
            raw,
            text: String::new(),
        });
        first.get_or_insert(page.figures.len() - 1);
    }
    first
}

/// The number a figure's text shows, in the JSON's unit (seconds for durations), and how
/// far from the value it may be (its display rounding).
fn shown_value(text: &str) -> (f64, f64) {
    let t = text.trim().replace(',', "");
    let t = t.strip_prefix('+').unwrap_or(&t);
    for (suffix, unit, tolerance) in [
        ("%", 1.0, 0.0),
        ("s", 1.0, 0.5),
        ("m", 60.0, 0.05 * 60.0),
        ("h", 3600.0, 0.05 * 3600.0),
        ("d", 86_400.0, 0.05 * 86_400.0),
    ] {
        if let Some(n) = t.strip_suffix(suffix) {
            let n: f64 = n
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {text:?}"));
            return (n * unit, tolerance + 1e-9);
        }
    }
    let n: f64 = t
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?}"));
    (n, 1e-9)
}

/// Checks every figure against the JSON report; returns how many were checked.
fn assert_figures_match(page: &Page, json: &Value) -> usize {
    for f in &page.figures {
        let want = json
            .pointer(&f.pointer)
            .unwrap_or_else(|| panic!("{} is not in the JSON report", f.pointer));
        if f.raw == "null" {
            assert!(
                want.is_null(),
                "{} is {want} in JSON, null in HTML",
                f.pointer
            );
            if ["span", "text", "tspan"].contains(&f.tag.as_str()) {
                assert_eq!(f.text, "n/a", "null {} must show n/a", f.pointer);
            }
            continue;
        }
        let got: f64 = f.raw.parse().expect("a number");
        let want = want
            .as_f64()
            .unwrap_or_else(|| panic!("{} is {want} in JSON, {got} in HTML", f.pointer));
        assert_eq!(got, want, "{}", f.pointer);
        if ["span", "text", "tspan"].contains(&f.tag.as_str()) {
            let (shown, tolerance) = shown_value(&f.text);
            assert!(
                (shown - want).abs() <= tolerance,
                "{} shows {:?} for {want}",
                f.pointer,
                f.text
            );
        }
    }
    assert!(
        page.stray_digits.is_empty(),
        "numbers outside figures: {:?}",
        page.stray_digits
    );
    page.figures.len()
}

fn report(args: &[&str], format: &str) -> String {
    let mut all = args.to_vec();
    all.extend(["--format", format]);
    if args[0] == "analyze" {
        all.push("-q");
    }
    let run = cxmine(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

fn figure<'p>(page: &'p Page, pointer: &str) -> &'p Figure {
    page.figures
        .iter()
        .find(|f| f.pointer == pointer)
        .unwrap_or_else(|| panic!("no figure for {pointer}"))
}

#[test]
fn every_number_of_the_samples_page_is_the_json_reports() {
    let args = ["analyze", "samples/", "--by", "channel,month"];
    let json: Value = serde_json::from_str(&report(&args, "json")).unwrap();
    let html = report(&args, "html");
    let page = read_page(&html);
    let checked = assert_figures_match(&page, &json);
    assert!(checked > 1000, "only {checked} figures");
    // The headline: 80 conversations; CSAT 23 of 33 answers top-2 = 69.7 %.
    assert_eq!(figure(&page, "/overall/kpis/conversations").text, "80");
    assert_eq!(figure(&page, "/overall/kpis/csat/value").text, "69.7%");
    assert_eq!(figure(&page, "/overall/kpis/csat/n").text, "33");
    // 720 s median first response = 12.0 minutes.
    assert_eq!(
        figure(&page, "/overall/kpis/first_response/median_s").text,
        "12.0m"
    );
    // Charts: 8 trend rates + 2 duration charts + sentiment + hand-offs + effort = 13.
    assert_eq!(page.tags["svg"], 13);
    // Conversations worth a look: the list of the JSON, in order, with the commands.
    let look = json["worth_a_look"]["most_effort"].as_array().unwrap();
    assert_eq!(look.len(), 10);
    let first = look[0]["id"].as_str().unwrap();
    assert!(html.contains(&format!(
        "cxmine convert samples/ | cxmine explain - --conversation {first}"
    )));
    // Self-contained: nothing is loaded (the only URL is the SVG namespace), no script.
    assert_eq!(
        html.matches("http").count(),
        html.matches("http://www.w3.org/2000/svg").count()
    );
    assert!(!html.contains("<script"));
    assert!(!html.contains("src="));
}

#[test]
fn an_empty_report_shows_n_a_never_zero() {
    let t = TempTree::new();
    let empty = t.write("empty.jsonl", "");
    let args = ["analyze", empty.to_str().unwrap(), "--by", "channel,month"];
    let json: Value = serde_json::from_str(&report(&args, "json")).unwrap();
    let html = report(&args, "html");
    let page = read_page(&html);
    assert_figures_match(&page, &json);
    for p in [
        "/overall/kpis/csat/value",
        "/overall/kpis/nps/value",
        "/overall/kpis/first_response/median_s",
        "/overall/cx/effort/ces_correlation/pearson_r",
    ] {
        assert_eq!(figure(&page, p).text, "n/a", "{p}");
    }
    assert_eq!(figure(&page, "/overall/kpis/conversations").text, "0");
    // No segment: the trend has no period, the rows charts only the overall row.
    assert!(page.texts.iter().any(|t| t.contains("No segment has both")));
    assert!(page.texts.iter().filter(|t| *t == "None.").count() == 3);
}

/// One conversation whose id, tag and team are markup, quotes and non-Latin text.
const HOSTILE: &str = r#"{"id":"<script>alert('x')</script>&\"q\"","channel":"chat","customer_id":"C1","tags":["Größe 😀","<b>"],"team":"équipe","survey":{"csat":5,"ces":2},"events":[
{"ts":"2024-01-07T09:00:00Z","role":"customer","text":"my account number is 12345678 and it does not work"},
{"ts":"2024-01-07T09:02:00Z","type":"transfer","team":"billing"},
{"ts":"2024-01-07T09:03:00Z","role":"agent","author":"Ana","text":"Can you give me your account number?"},
{"ts":"2024-01-07T09:04:00Z","role":"customer","text":"it is 12345678, I already said it"},
{"ts":"2024-01-07T09:05:00Z","role":"agent","author":"Ana","text":"Please restart the router."},
{"ts":"2024-01-07T09:06:00Z","role":"customer","text":"that did not work, still broken"},
{"ts":"2024-01-07T09:07:00Z","type":"resolve","role":"agent","author":"Ana"}]}"#;

#[test]
fn strings_are_escaped_and_one_conversation_renders() {
    let t = TempTree::new();
    // The conversation, then a line that is not JSON (skipped as malformed_json).
    let input = t.write("one.jsonl", HOSTILE.replace('\n', "") + "\n{not json\n");
    let args = ["analyze", input.to_str().unwrap(), "--by", "tag,team,month"];
    let json: Value = serde_json::from_str(&report(&args, "json")).unwrap();
    let html = report(&args, "html");
    assert!(!html.contains("<script>"), "unescaped id");
    assert!(!html.contains("<b>"), "unescaped tag");
    let page = read_page(&html);
    assert_figures_match(&page, &json);
    // The strings come back whole once unescaped.
    assert!(page.texts.iter().any(|t| t.contains("Größe 😀 · équipe")));
    assert!(
        page.texts
            .iter()
            .any(|t| t == "<script>alert('x')</script>&\"q\"")
    );
    // The identifier value never appears, in clear or otherwise.
    assert!(!html.contains("12345678"));
    // Two tag segments of one conversation each: the overall row and both tags.
    assert_eq!(json["segments"].as_array().unwrap().len(), 2);
    assert_eq!(figure(&page, "/segments/1/kpis/conversations").text, "1");
    // The skipped line, by reason and with its line number.
    assert_eq!(figure(&page, "/skipped/by_reason/malformed_json").text, "1");
    assert_eq!(figure(&page, "/skipped/examples/0/line").text, "2");
}

#[test]
fn merged_partials_give_the_page_of_one_run() {
    let t = TempTree::new();
    let (a, b) = (t.path("a.partial"), t.path("b.partial"));
    let by = ["--by", "channel,month"];
    for (inputs, out) in [
        (
            vec![
                "samples/chat.jsonl",
                "samples/events/",
                "samples/phone.jsonl",
            ],
            &a,
        ),
        (
            vec![
                "samples/email.jsonl",
                "samples/sms.jsonl",
                "samples/social.jsonl",
                "samples/community.jsonl",
            ],
            &b,
        ),
    ] {
        let mut args = vec!["analyze"];
        args.extend(inputs);
        args.extend(by);
        args.extend(["--partial", out.as_str(), "--format", "json", "-q"]);
        let run = cxmine(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let merged_json: Value = serde_json::from_str(&report(&["merge", &b, &a], "json")).unwrap();
    let whole_json: Value = serde_json::from_str(&report(
        &["analyze", "samples/", "--by", "channel,month"],
        "json",
    ))
    .unwrap();
    assert_eq!(merged_json, whole_json);
    assert_eq!(
        merged_json["worth_a_look"]["most_effort"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let merged = report(&["merge", &a, &b], "html");
    assert_figures_match(&read_page(&merged), &merged_json);
    // A merge does not know the inputs: the explain commands say where they go.
    assert!(merged.contains("cxmine convert INPUT... | cxmine explain - --conversation "));
}

fn sh(command: &str) -> util::Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_cxmine")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("sh")
        .args(["-c", command])
        .env("PATH", path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("sh");
    util::Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn the_commands_of_the_worth_a_look_list_open_the_conversation() {
    let t = TempTree::new();
    let index = t.path("qa.idx");
    let html = report(&["analyze", "samples/", "--index", &index], "html");
    let page = read_page(&html);
    let commands: Vec<&String> = page
        .texts
        .iter()
        .filter(|t| t.starts_with("cxmine "))
        .collect();
    // 3 lists of up to 10, two commands each; the samples fill the first two lists.
    assert!(commands.len() >= 40, "{}", commands.len());
    let explain = commands.iter().find(|c| c.contains(" explain ")).unwrap();
    let search = commands.iter().find(|c| c.contains(" search ")).unwrap();
    assert!(
        search.contains(&index),
        "the index of the run is named: {search}"
    );
    let id = explain.rsplit(' ').next().unwrap();
    let run = sh(explain);
    assert_eq!(run.code, 0, "{explain}: {}", run.stderr);
    assert!(
        run.stdout.starts_with(&format!("conversation {id} ")),
        "{}",
        run.stdout
    );
    let run = sh(&format!("{search} --format json"));
    assert_eq!(run.code, 0, "{search}: {}", run.stderr);
    let hits: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(hits["total"], 1, "{}", run.stdout);
}

/// The Chromium binary, when installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `page` with `args`; returns (stdout, stderr).
fn headless(chromium: &Path, profile: &Path, page: &Path, args: &[&str]) -> (String, String) {
    let child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Output is read while Chromium runs (a full pipe would stall it).
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let Ok(o) = rx.recv_timeout(Duration::from_secs(120)) else {
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .ok();
        panic!("chromium did not finish within 120 s");
    };
    let o = o.expect("chromium output");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Console messages Chromium logged (`…:CONSOLE…] "message", source: …`).
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

#[test]
fn the_samples_page_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "skipped: headless rendering test needs Chromium (apt-get install chromium); not found on PATH"
        );
        return;
    };
    let t = TempTree::new();
    let html = report(&["analyze", "samples/", "--by", "channel,month"], "html");
    let page = t.write("report.html", &html);
    let profile = t.dir.path().join("profile");
    // A control page proves console messages are seen: one logged error, one uncaught.
    let control = t.write(
        "control.html",
        "<!DOCTYPE html><html><body><script>console.error('control');nothing();</script></body></html>",
    );
    let (_, stderr) = headless(&chromium, &profile, &control, &["--dump-dom"]);
    assert_eq!(console_lines(&stderr).len(), 2, "{stderr}");

    let (dom, stderr) = headless(&chromium, &profile, &page, &["--dump-dom"]);
    assert!(console_lines(&stderr).is_empty(), "{stderr}");
    // Chromium built the same charts: 13 SVGs with every mark of the file.
    let ours = read_page(&html);
    assert_eq!(dom.matches("<svg").count(), 13);
    for tag in ["rect", "circle", "polyline", "path", "line"] {
        let want = ours.tags.get(tag).copied().unwrap_or(0);
        assert!(want > 0, "{tag}");
        assert_eq!(dom.matches(&format!("<{tag} ")).count(), want, "<{tag}>");
    }

    let shot = t.dir.path().join("shot.png");
    let blank = t.write("blank.html", "<!DOCTYPE html><html><body></body></html>");
    let blank_shot = t.dir.path().join("blank.png");
    for (p, out) in [(&page, &shot), (&blank, &blank_shot)] {
        let arg = format!("--screenshot={}", out.display());
        let (_, stderr) = headless(&chromium, &profile, p, &[&arg, "--window-size=1280,2000"]);
        assert!(console_lines(&stderr).is_empty(), "{stderr}");
    }
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"));
    // A drawn page compresses far worse than a blank one of the same size.
    let blank_len = std::fs::metadata(&blank_shot).unwrap().len();
    assert!(
        png.len() as u64 > 10 * blank_len,
        "{} vs {blank_len}",
        png.len()
    );
}
