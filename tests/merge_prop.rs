//! Property: analysing shards separately and merging their partials gives exactly the
//! report of one run over all shards, whatever the sharding, merge order or thread count.

use std::io::Write;

use proptest::prelude::*;

use cxmine::config::Config;
use cxmine::ingest::discover;
use cxmine::metrics::Partial;
use cxmine::metrics::segment::parse_dimensions;
use cxmine::pipeline::{Options, run};
use cxmine::synth::{Spec, generate, parse_channel_mix};

fn corpus(n: u64, seed: u64, event_lines: bool) -> Vec<String> {
    let spec = Spec {
        conversations: n,
        seed,
        channels: parse_channel_mix("chat=3,email=2,sms=1,social=1,community=1,phone=1").unwrap(),
        event_lines,
    };
    let mut out = Vec::new();
    generate(&spec, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn analyse(paths: &[std::path::PathBuf], threads: usize, options: &Options) -> Partial {
    let files = discover(paths).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| run(&files, options, None, None)).unwrap()
}

fn report_json(p: Partial, config: &Config) -> String {
    serde_json::to_string(&p.finish(config).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn merge_of_shards_equals_whole(
        seed in 0u64..1000,
        n in 1u64..250,
        shards in 1usize..5,
        assignment_seed in 0u64..1000,
        event_lines in any::<bool>(),
    ) {
        let lines = corpus(n, seed, event_lines);
        let dir = tempfile::tempdir().unwrap();
        let mut files: Vec<std::fs::File> = Vec::new();
        let mut paths = Vec::new();
        for i in 0..shards {
            let p = dir.path().join(format!("shard{i}.jsonl"));
            files.push(std::fs::File::create(&p).unwrap());
            paths.push(p);
        }
        // Event lines of one conversation must stay in one shard (a partial holds whole conversations).
        for line in &lines {
            let id = line.split('"').nth(3).unwrap();
            let h = id.bytes().fold(assignment_seed, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
            writeln!(files[(h % shards as u64) as usize], "{line}").unwrap();
        }
        drop(files);
        let options = Options {
            dims: parse_dimensions("channel,month,tag").unwrap(),
            ..Options::default()
        };
        let config = Config::default();
        let whole = analyse(&paths, 2, &options);
        let whole_single = analyse(&paths, 1, &options);
        prop_assert_eq!(&whole, &whole_single);
        let mut merged: Option<Partial> = None;
        for p in paths.iter().rev() {
            let part = analyse(std::slice::from_ref(p), 1, &options);
            // Round-trip through the on-disk form, as `cxmine merge` does.
            let part: Partial = serde_json::from_str(&serde_json::to_string(&part).unwrap()).unwrap();
            match &mut merged {
                None => merged = Some(part),
                Some(m) => m.merge(part).unwrap(),
            }
        }
        let mut merged = merged.unwrap();
        merged.canonicalize();
        prop_assert_eq!(merged.input.conversations, n);
        prop_assert_eq!(report_json(merged, &config), report_json(whole, &config));
    }
}
