//! Detection throughput on one core, over a synthetic corpus (`cxmine gen`, seed 7).
//!
//! Three measurements: `ingest` (parse the JSONL lines into conversations), `detect`
//! (the detectors' signals over the parsed conversations; throughput counts message text
//! bytes only) and `ingest+detect`. Before timing, the total of the detected signals is
//! compared with the pinned figure for this corpus, so a fast wrong answer fails.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cxmine::detect::{Detectors, Signals};
use cxmine::ingest::jsonl::{Line, parse_line};
use cxmine::model::{Conversation, EventKind, SourcePos};

const CONVERSATIONS: u64 = 4000;
const SEED: u64 = 7;
/// Sum of [`tally`] over the corpus, pinned when the bench was written: a change in the
/// generator or the lexicons shows up here first.
const EXPECTED_TALLY: u64 = 15_162;

fn corpus() -> Vec<u8> {
    let spec = cxmine::synth::Spec {
        conversations: CONVERSATIONS,
        seed: SEED,
        channels: cxmine::synth::parse_channel_mix(
            "chat=40,email=25,sms=10,social=10,community=5,phone=10",
        )
        .expect("mix"),
        event_lines: false,
    };
    let mut out = Vec::new();
    cxmine::synth::generate(&spec, &mut out).expect("generate");
    out
}

fn parse(data: &[u8]) -> Vec<Conversation<'_>> {
    let mut unknown = Vec::new();
    data.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(
            |l| match parse_line(l, SourcePos::default(), &mut unknown) {
                Ok(Line::Conversation(mut c, _)) => {
                    c.finish();
                    Some(c)
                }
                _ => None,
            },
        )
        .collect()
}

/// Every count the detectors produce, summed: one number that any wrong detection moves.
fn tally(s: &Signals) -> u64 {
    u64::from(s.ack_success + s.ack_failure + s.ack_thanks)
        + u64::from(s.rephrase_customer + s.rephrase_agent + s.restatements)
        + u64::from(s.repeated_ids_before_handoff + s.repeated_ids_after_handoff)
        + u64::from(s.reverify_requests + s.handoffs)
        + u64::from(s.escalating_anger)
        + u64::from(s.solution_event.is_some())
}

fn bench(c: &mut Criterion) {
    let data = corpus();
    let det = Detectors::builtin();
    let convs = parse(&data);
    assert_eq!(convs.len() as u64, CONVERSATIONS);
    let text_bytes: u64 = convs
        .iter()
        .flat_map(|c| c.events.iter())
        .filter(|e| e.kind == EventKind::Message)
        .map(|e| e.text.len() as u64)
        .sum();
    let total: u64 = convs.iter().map(|c| tally(&det.signals(c))).sum();
    assert_eq!(
        total, EXPECTED_TALLY,
        "detections changed for the pinned corpus"
    );

    let mut g = c.benchmark_group("detect");
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(4));
    g.throughput(Throughput::Bytes(text_bytes));
    g.bench_function("signals (message text bytes)", |b| {
        b.iter(|| {
            convs
                .iter()
                .map(|c| tally(&det.signals(black_box(c))))
                .sum::<u64>()
        })
    });
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("ingest only (input bytes)", |b| {
        b.iter(|| parse(black_box(&data)).len())
    });
    g.bench_function("ingest+signals (input bytes)", |b| {
        b.iter(|| {
            parse(black_box(&data))
                .iter()
                .map(|c| tally(&det.signals(c)))
                .sum::<u64>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
