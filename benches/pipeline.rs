//! Ingest + KPI throughput on a generated corpus.
//!
//! Generates a deterministic corpus once (seed 42), then measures `pipeline::run` over it
//! (parse, validate, facts, aggregates, customer ledger) in MB/s of input. The expected
//! conversation count is asserted so that a fast wrong answer fails.

use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use cxmine::ingest::discover;
use cxmine::pipeline::{Options, run};
use cxmine::synth::{Spec, generate, parse_channel_mix};

const CONVERSATIONS: u64 = 20_000;

fn corpus(event_lines: bool) -> (tempfile::TempDir, std::path::PathBuf, u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.jsonl");
    let spec = Spec {
        conversations: CONVERSATIONS,
        seed: 42,
        channels: parse_channel_mix("chat=40,email=25,sms=10,social=10,community=5,phone=10")
            .expect("mix"),
        event_lines,
    };
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    generate(&spec, &mut f).expect("generate");
    f.flush().expect("flush");
    let size = std::fs::metadata(&path).expect("size").len();
    (dir, path, size)
}

fn bench_pipeline(c: &mut Criterion) {
    for (name, event_lines) in [("whole_conversations", false), ("event_lines", true)] {
        let (_dir, path, size) = corpus(event_lines);
        let files = discover(&[path]).expect("discover");
        let options = Options {
            dims: cxmine::metrics::segment::parse_dimensions("channel,month").expect("dims"),
            ..Options::default()
        };
        let mut group = c.benchmark_group("ingest_kpis");
        group.throughput(Throughput::Bytes(size));
        group.sample_size(10);
        group.bench_function(name, |b| {
            b.iter(|| {
                let partial = run(&files, &options, None, None).expect("run");
                assert_eq!(partial.input.conversations, CONVERSATIONS);
                assert_eq!(partial.diagnostics.skipped_total(), 0);
                partial
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);
