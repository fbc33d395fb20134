//! Indexing throughput next to the cost of analysis alone.
//!
//! Writes a synthetic corpus of [`CONVERSATIONS`] conversations (seed 7) to a temporary
//! file, then measures, in bytes of input per second:
//! - `analyze`: the pipeline alone (parse, facts, aggregates);
//! - `analyze+index/N thread(s)`: the same pass with the indexer observing every
//!   conversation (128 MB writer, masking on), with one and with two tantivy indexing
//!   threads, to check the default (two) on a two-core machine.
//!
//! Every run asserts the expected counts, so a fast wrong answer fails.

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cxmine::index::{ConversationIndexer, WriterOptions};
use cxmine::pipeline::{self, Options};

const CONVERSATIONS: u64 = 20_000;

fn corpus() -> (tempfile::TempDir, PathBuf, u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corpus.jsonl");
    let spec = cxmine::synth::Spec {
        conversations: CONVERSATIONS,
        seed: 7,
        channels: cxmine::synth::parse_channel_mix(
            "chat=40,email=25,sms=10,social=10,community=5,phone=10",
        )
        .unwrap(),
        event_lines: false,
    };
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    cxmine::synth::generate(&spec, &mut f).unwrap();
    drop(f);
    let size = std::fs::metadata(&path).unwrap().len();
    (dir, path, size)
}

fn bench(c: &mut Criterion) {
    let (_dir, path, size) = corpus();
    let files = cxmine::ingest::discover(&[path]).unwrap();
    // Analysis and indexing as the CLI runs them: the shipped detectors, their identifier
    // spans masking the text, their detections stored for highlighting.
    let detectors = std::sync::Arc::new(cxmine::detect::Detectors::builtin());
    let options = Options {
        detectors: Some(detectors.clone()),
        ..Options::default()
    };
    let masker = move |text: &str| detectors.identifier_spans(text);
    let mut g = c.benchmark_group("index");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(size));
    g.bench_function("analyze", |b| {
        b.iter(|| {
            let partial = pipeline::run(&files, &options, None, None).unwrap();
            assert_eq!(partial.input.records, CONVERSATIONS);
        })
    });
    for threads in [1, 2] {
        g.bench_function(format!("analyze+index/{threads} thread(s)"), |b| {
            b.iter(|| {
                let out = tempfile::tempdir().unwrap();
                let writer = WriterOptions {
                    threads,
                    ..WriterOptions::default()
                };
                let indexer = ConversationIndexer::open_or_create(out.path(), writer)
                    .unwrap()
                    .with_masker(&masker)
                    .with_pipeline_detections();
                let partial = pipeline::run(&files, &options, None, Some(&indexer)).unwrap();
                assert_eq!(partial.input.records, CONVERSATIONS);
                let summary = indexer.finish().unwrap();
                assert_eq!(summary.documents, CONVERSATIONS);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
