//! Synthetic corpus generator (`cxmine gen`): realistic multi-channel conversations in the
//! canonical JSONL, deterministic for a seed, fast enough to write a gigabyte in about a
//! minute for benchmarks.
//!
//! Phrasing comes from `vocabulary.txt` beside this file (compiled in). Each conversation
//! follows its channel's script (queue and bot hand-off in chat, hours-long gaps in e-mail,
//! alerts in SMS, endorsements in social, accepted answers in communities) with random
//! detours: clarifications, rephrase requests, repeated identifiers, failed solutions,
//! transfers, reopens, surveys and purchases. Customers are drawn from a pool with a
//! skewed distribution so repeat contacts occur.

use std::io::{self, Write};

use crate::error::Error;
use crate::model::Channel;
use crate::time::Timestamp;

const VOCABULARY: &str = include_str!("vocabulary.txt");

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Number of conversations.
    pub conversations: u64,
    /// Random seed.
    pub seed: u64,
    /// Channel weights.
    pub channels: Vec<(Channel, u32)>,
    /// Emit one line per event instead of whole conversations.
    pub event_lines: bool,
}

/// Parses `chat=40,email=25,…` into weights.
pub fn parse_channel_mix(s: &str) -> Result<Vec<(Channel, u32)>, Error> {
    let mut out = Vec::new();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let (name, w) = part.split_once('=').ok_or_else(|| {
            Error::Usage(format!("channel mix entry {part:?} is not name=weight"))
        })?;
        let ch = Channel::parse(name.trim())
            .ok_or_else(|| Error::Usage(format!("unknown channel {name:?} in channel mix")))?;
        let w: u32 = w.trim().parse().map_err(|_| {
            Error::Usage(format!("weight {w:?} in channel mix is not a whole number"))
        })?;
        out.push((ch, w));
    }
    if out.iter().map(|(_, w)| *w as u64).sum::<u64>() == 0 {
        return Err(Error::Usage("channel mix has no positive weight".into()));
    }
    Ok(out)
}

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

struct Vocabulary {
    sections: Vec<(&'static str, Vec<&'static str>)>,
}

impl Vocabulary {
    fn load() -> Vocabulary {
        let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
        for line in VOCABULARY.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix("## ") {
                sections.push((name.trim(), Vec::new()));
            } else if !line.is_empty() && !line.starts_with('#') {
                if let Some(last) = sections.last_mut() {
                    last.1.push(line);
                }
            }
        }
        Vocabulary { sections }
    }

    fn list(&self, name: &str) -> &[&'static str] {
        self.sections
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, l)| l.as_slice())
            .unwrap_or_else(|| panic!("vocabulary section {name} is missing"))
    }
}

struct Writer<'v> {
    vocab: &'v Vocabulary,
    rng: Rng,
    buf: Vec<u8>,
    customers: u64,
}

/// Per-conversation random context used when filling placeholders.
struct Scene {
    product: &'static str,
    issue: &'static str,
    agent: &'static str,
    team: &'static str,
    customer: u64,
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0..=0x1f => {
                let _ = write!(out, "\\u{:04x}", b);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// One generated event before serialisation.
struct Ev {
    ts: i64,
    kind: &'static str,
    role: &'static str,
    author: Option<&'static str>,
    text: String,
    team: Option<&'static str>,
    value: Option<f64>,
    detail: Option<&'static str>,
    survey: Option<(u8, u8, u8)>,
}

impl Ev {
    fn new(ts: i64, kind: &'static str, role: &'static str) -> Ev {
        Ev {
            ts,
            kind,
            role,
            author: None,
            text: String::new(),
            team: None,
            value: None,
            detail: None,
            survey: None,
        }
    }
}

impl<'v> Writer<'v> {
    fn pick(&mut self, section: &str) -> &'static str {
        let list = self.vocab.list(section);
        list[self.rng.below(list.len() as u64) as usize]
    }

    fn fill(&mut self, template: &str, scene: &Scene) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let key = &rest[start + 1..start + len];
            let c = scene.customer;
            match key {
                "product" => out.push_str(scene.product),
                "issue" => out.push_str(scene.issue),
                "agent" => out.push_str(scene.agent),
                "team" => out.push_str(scene.team),
                "order" => out.push_str(&format!("ORD-{:06}", (c * 7919) % 1_000_000)),
                "account" => {
                    out.push_str(&format!("{:08}", 10_000_000 + (c * 104_729) % 89_999_999))
                }
                "email" => out.push_str(&format!("customer{c}@example.com")),
                "phone" => out.push_str(&format!("+44 7700 9{:05}", c % 100_000)),
                "last4" => out.push_str(&format!("{:04}", (c * 31) % 10_000)),
                "amount" => out.push_str(&format!(
                    "£{}.{:02}",
                    5 + self.rng.below(200),
                    self.rng.below(100)
                )),
                "days" => out.push_str(&(2 + self.rng.below(5)).to_string()),
                _ => out.push_str(&rest[start..=start + len]),
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }

    fn say(
        &mut self,
        ts: i64,
        role: &'static str,
        author: Option<&'static str>,
        section: &str,
        scene: &Scene,
    ) -> Ev {
        let template = self.pick(section);
        let mut e = Ev::new(ts, "message", role);
        e.author = author;
        e.text = self.fill(template, scene);
        e
    }

    /// Skewed customer choice: a third of contacts come from the busiest tenth of customers.
    fn customer(&mut self) -> u64 {
        if self.rng.chance(33) {
            self.rng.below((self.customers / 10).max(1))
        } else {
            self.rng.below(self.customers)
        }
    }

    fn conversation(&mut self, n: u64, channel: Channel, event_lines: bool) {
        const START: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
        const DAY: i64 = 86_400_000;
        let opened = START + self.rng.range(0, 91 * DAY - 1);
        let scene = Scene {
            product: self.pick("product"),
            issue: self.pick("issue"),
            agent: self.pick("agent"),
            team: self.pick("team"),
            customer: self.customer(),
        };
        let severity = self.pick("severity");
        let tag = self.pick("tag");
        let second_tag = self.rng.chance(20).then(|| self.pick("tag"));
        let (gap_lo, gap_hi) = match channel {
            Channel::Chat | Channel::Phone => (5_000, 180_000),
            Channel::Sms => (60_000, 3_600_000),
            Channel::Social => (300_000, 4 * 3_600_000),
            Channel::Email => (3_600_000, 30 * 3_600_000),
            Channel::Community => (3_600_000, 2 * DAY),
        };
        let mut t = opened;
        let mut events: Vec<Ev> = Vec::with_capacity(16);
        let responder_role = if channel == Channel::Community {
            "member"
        } else {
            "agent"
        };
        let responder = Some(scene.agent);
        if channel == Channel::Sms && self.rng.chance(40) {
            let mut alert = Ev::new(t, "alert", "system");
            alert.detail = Some("account");
            alert.text =
                "Alert: unusual activity on your account. Reply YES if this was you.".into();
            events.push(alert);
            t += self.rng.range(60_000, 2 * 3_600_000);
        }
        if matches!(channel, Channel::Chat | Channel::Phone) {
            events.push(Ev::new(t, "queue_enter", "system"));
            if channel == Channel::Chat && self.rng.chance(50) {
                events.push(self.say(t + 1_000, "bot", Some("assistant"), "bot_greeting", &scene));
                t += 2_000;
                events.push(self.say(t + 8_000, "customer", None, "opening", &scene));
                t += self.rng.range(15_000, 40_000);
                events.push(self.say(t, "bot", Some("assistant"), "bot_handoff", &scene));
            }
            t += self.rng.range(10_000, 600_000);
            events.push(Ev::new(t, "queue_exit", "system"));
            let mut assign = Ev::new(t, "assign", "system");
            assign.author = responder;
            assign.team = Some(scene.team);
            events.push(assign);
        }
        if events.iter().all(|e| e.role != "customer") {
            events.push(self.say(t, "customer", None, "opening", &scene));
        }
        let step = |w: &mut Self, t: &mut i64| *t += w.rng.range(gap_lo, gap_hi);
        step(self, &mut t);
        events.push(self.say(t, responder_role, responder, "agent_greeting", &scene));
        if self.rng.chance(60) {
            step(self, &mut t);
            events.push(self.say(t, "customer", None, "identify", &scene));
        }
        if self.rng.chance(30) {
            step(self, &mut t);
            events.push(self.say(t, responder_role, responder, "agent_clarify", &scene));
            step(self, &mut t);
            let section = if self.rng.chance(50) {
                "customer_rephrase"
            } else {
                "restatement"
            };
            events.push(self.say(t, "customer", None, section, &scene));
        }
        if self.rng.chance(15) {
            step(self, &mut t);
            events.push(self.say(t, "customer", None, "anger", &scene));
        }
        step(self, &mut t);
        let answer_section = if channel == Channel::Community {
            "member_answer"
        } else {
            "solution"
        };
        events.push(self.say(t, responder_role, responder, answer_section, &scene));
        let failed = self.rng.chance(25);
        step(self, &mut t);
        if failed {
            events.push(self.say(t, "customer", None, "ack_failure", &scene));
            if channel != Channel::Community {
                step(self, &mut t);
                events.push(self.say(t, "agent", responder, "handoff", &scene));
                let mut transfer = Ev::new(t + 1_000, "transfer", "agent");
                transfer.author = responder;
                let new_team = self.pick("team");
                transfer.team = Some(new_team);
                events.push(transfer);
                let colleague = self.pick("agent");
                step(self, &mut t);
                events.push(self.say(t, "agent", Some(colleague), "agent_greeting", &scene));
                step(self, &mut t);
                events.push(self.say(t, "customer", None, "identify", &scene));
                step(self, &mut t);
                events.push(self.say(t, "agent", Some(colleague), "solution", &scene));
                step(self, &mut t);
                events.push(self.say(t, "customer", None, "ack_success", &scene));
            }
        } else {
            let section = if self.rng.chance(70) {
                "ack_success"
            } else {
                "thanks"
            };
            events.push(self.say(t, "customer", None, section, &scene));
            if channel == Channel::Community {
                let mut accept = Ev::new(t + 1_000, "accept", "customer");
                accept.text = String::new();
                events.push(accept);
            }
        }
        if matches!(channel, Channel::Social | Channel::Community) {
            for _ in 0..self.rng.below(4) {
                let mut e = Ev::new(t + self.rng.range(60_000, DAY), "endorsement", "member");
                e.detail = Some(self.pick("endorsement"));
                events.push(e);
            }
            if channel == Channel::Community {
                let mut r = Ev::new(t + self.rng.range(60_000, DAY), "rating", "member");
                r.value = Some(1.0 + self.rng.below(5) as f64);
                events.push(r);
                if self.rng.chance(40) {
                    events.push(Ev::new(
                        t + self.rng.range(DAY, 20 * DAY),
                        "visit",
                        "customer",
                    ));
                }
            }
        }
        if channel != Channel::Community {
            step(self, &mut t);
            events.push(self.say(t, responder_role, responder, "closing", &scene));
            let mut resolve = Ev::new(t + 1_000, "resolve", "agent");
            resolve.author = responder;
            events.push(resolve);
            if self.rng.chance(8) {
                t += self.rng.range(DAY, 4 * DAY);
                events.push(Ev::new(t, "reopen", "customer"));
                events.push(self.say(t, "customer", None, "ack_failure", &scene));
                t += self.rng.range(gap_lo, gap_hi);
                events.push(self.say(t, "agent", responder, "solution", &scene));
                events.push(Ev::new(t + 1_000, "resolve", "agent"));
            }
        }
        if self.rng.chance(35) {
            let mut s = Ev::new(t + self.rng.range(60_000, 3_600_000), "survey", "customer");
            let base = if failed { 0 } else { 2 };
            let csat = (1 + base + self.rng.below(3)) as u8;
            let nps = ((csat as u64 * 2).saturating_sub(self.rng.below(3))).min(10) as u8;
            let ces = (1 + base + self.rng.below(5)).min(7) as u8;
            s.survey = Some((csat.min(5), nps, ces));
            events.push(s);
        }
        if self.rng.chance(12) {
            let mut p = Ev::new(t + self.rng.range(DAY, 30 * DAY), "purchase", "customer");
            p.value = Some((500 + self.rng.below(20_000)) as f64 / 100.0);
            events.push(p);
        }
        let due = (channel == Channel::Email && self.rng.chance(30))
            .then(|| opened + self.rng.range(DAY, 5 * DAY));
        let header = Header {
            n,
            channel,
            customer: scene.customer,
            opened,
            severity,
            tag,
            second_tag,
            due,
        };
        if event_lines {
            self.write_event_lines(&header, &events);
        } else {
            self.write_whole(&header, &events);
        }
    }

    fn write_header_fields(&mut self, h: &Header) {
        let b = &mut self.buf;
        let _ = write!(
            b,
            "\"channel\":\"{}\",\"customer_id\":\"cust-{:06}\",\"opened_at\":\"{}\",\"severity\":\"{}\",\"tags\":[",
            h.channel.as_str(),
            h.customer,
            Timestamp(h.opened),
            h.severity
        );
        json_str(b, h.tag);
        if let Some(t) = h.second_tag {
            b.push(b',');
            json_str(b, t);
        }
        b.push(b']');
        if let Some(d) = h.due {
            let _ = write!(b, ",\"due_at\":\"{}\"", Timestamp(d));
        }
    }

    fn write_event_fields(&mut self, e: &Ev) {
        let b = &mut self.buf;
        let _ = write!(
            b,
            "\"ts\":\"{}\",\"type\":\"{}\",\"role\":\"{}\"",
            Timestamp(e.ts),
            e.kind,
            e.role
        );
        if let Some(a) = e.author {
            b.extend_from_slice(b",\"author\":");
            json_str(b, a);
        }
        if !e.text.is_empty() {
            b.extend_from_slice(b",\"text\":");
            json_str(b, &e.text);
        }
        if let Some(t) = e.team {
            b.extend_from_slice(b",\"team\":");
            json_str(b, t);
        }
        if let Some(v) = e.value {
            let _ = write!(b, ",\"value\":{v}");
        }
        if let Some(d) = e.detail {
            b.extend_from_slice(b",\"detail\":");
            json_str(b, d);
        }
        if let Some((csat, nps, ces)) = e.survey {
            let _ = write!(b, ",\"csat\":{csat},\"nps\":{nps},\"ces\":{ces}");
        }
    }

    fn write_whole(&mut self, h: &Header, events: &[Ev]) {
        let _ = write!(self.buf, "{{\"id\":\"conv-{:08}\",", h.n);
        self.write_header_fields(h);
        self.buf.extend_from_slice(b",\"events\":[");
        for (i, e) in events.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.buf.push(b'{');
            self.write_event_fields(e);
            self.buf.push(b'}');
        }
        self.buf.extend_from_slice(b"]}\n");
    }

    fn write_event_lines(&mut self, h: &Header, events: &[Ev]) {
        for (i, e) in events.iter().enumerate() {
            let _ = write!(self.buf, "{{\"conversation_id\":\"conv-{:08}\",", h.n);
            if i == 0 {
                self.write_header_fields(h);
                self.buf.push(b',');
            }
            self.write_event_fields(e);
            self.buf.extend_from_slice(b"}\n");
        }
    }
}

struct Header {
    n: u64,
    channel: Channel,
    customer: u64,
    opened: i64,
    severity: &'static str,
    tag: &'static str,
    second_tag: Option<&'static str>,
    due: Option<i64>,
}

/// Writes `spec.conversations` conversations to `out`.
pub fn generate(spec: &Spec, out: &mut dyn Write) -> io::Result<()> {
    let vocab = Vocabulary::load();
    let mut w = Writer {
        vocab: &vocab,
        rng: Rng(spec.seed ^ 0x5DEE_CE66_D1CE_4E5B),
        buf: Vec::with_capacity(1 << 20),
        customers: (spec.conversations / 3).max(1),
    };
    let total: u64 = spec.channels.iter().map(|(_, w)| *w as u64).sum();
    for n in 0..spec.conversations {
        let mut roll = w.rng.below(total);
        let channel = spec
            .channels
            .iter()
            .find(|(_, weight)| {
                let hit = roll < *weight as u64;
                roll = roll.saturating_sub(*weight as u64);
                hit
            })
            .map_or(Channel::Chat, |(c, _)| *c);
        w.conversation(n, channel, spec.event_lines);
        if w.buf.len() >= 1 << 20 {
            out.write_all(&w.buf)?;
            w.buf.clear();
        }
    }
    out.write_all(&w.buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(n: u64, seed: u64, event_lines: bool) -> Spec {
        Spec {
            conversations: n,
            seed,
            channels: parse_channel_mix("chat=1,email=1,sms=1,social=1,community=1,phone=1")
                .unwrap(),
            event_lines,
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let run = |seed| {
            let mut v = Vec::new();
            generate(&spec(50, seed, false), &mut v).unwrap();
            v
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        assert_eq!(run(7).iter().filter(|&&b| b == b'\n').count(), 50);
    }

    #[test]
    fn every_line_is_valid_input_in_both_shapes() {
        for event_lines in [false, true] {
            let mut v = Vec::new();
            generate(&spec(200, 3, event_lines), &mut v).unwrap();
            let mut unknown = Vec::new();
            for (i, line) in v
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .enumerate()
            {
                let pos = crate::model::SourcePos {
                    file: 0,
                    line: i as u64 + 1,
                };
                let parsed = crate::ingest::jsonl::parse_line(line, pos, &mut unknown);
                match parsed {
                    Ok(crate::ingest::jsonl::Line::Conversation(_, problems)) => {
                        assert!(problems.is_empty())
                    }
                    Ok(_) => assert!(event_lines),
                    Err(e) => panic!("line {}: {e:?}", i + 1),
                }
            }
            assert!(unknown.is_empty());
        }
    }

    #[test]
    fn channel_mix_is_validated() {
        assert!(parse_channel_mix("chat=0").is_err());
        assert!(parse_channel_mix("fax=3").is_err());
        assert!(parse_channel_mix("chat").is_err());
        assert_eq!(parse_channel_mix("sms=2").unwrap(), vec![(Channel::Sms, 2)]);
    }
}
