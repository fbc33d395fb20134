//! Command-line definition (clap derive). Each flag has a short `help` and, where it
//! needs one, a longer `long_help`; `main.rs` turns these into library calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Text mining of customer-care transcripts: standard KPIs and customer-centric metrics.
#[derive(Debug, Parser)]
#[command(name = "cxmine", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse transcripts and report KPIs.
    Analyze(AnalyzeArgs),
    /// Merge partial results written by `analyze --partial` into one report.
    Merge(MergeArgs),
    /// Generate a synthetic corpus (deterministic for a given seed).
    Gen(GenArgs),
    /// Show every message with its detections, the lexicon lines behind them and the
    /// sentiment arithmetic.
    Explain(ExplainArgs),
    /// Score the detectors against a labelled gold file (precision, recall, F1).
    Eval(EvalArgs),
    /// Work with lexicon sets.
    #[command(subcommand)]
    Lexicon(LexiconCommand),
    /// Print the sentiment score of every message as JSON lines (for comparisons).
    Sentiment(SentimentArgs),
}

/// `cxmine sentiment`.
#[derive(Debug, Args)]
pub struct SentimentArgs {
    /// JSONL of gold messages (`text`) or whole conversations (`events`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Lexicon directory (default: the shipped lexicons).
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,
}

/// `cxmine explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Canonical JSONL file of whole conversations (gzip is detected).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Only the conversation with this id.
    #[arg(long, value_name = "ID")]
    pub conversation: Option<String>,
    /// Lexicon directory (default: the shipped lexicons).
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,
}

/// `cxmine eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold JSONL file (format in docs/detectors.md).
    #[arg(long, value_name = "FILE")]
    pub gold: PathBuf,
    /// Lexicon directory (default: the shipped lexicons).
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,
    /// Print the scores as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `cxmine lexicon …`.
#[derive(Debug, Subcommand)]
pub enum LexiconCommand {
    /// Validate a lexicon directory: invalid regexes, duplicate or conflicting entries,
    /// shadowed phrases, with file:line in every message. Exit 1 on errors.
    Check {
        /// The directory (default: the shipped lexicons).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Aligned terminal table.
    Table,
    /// Pretty JSON (stable, documented shape).
    Json,
    /// One row per segment.
    Csv,
    /// Markdown tables.
    Markdown,
}

/// Options shared by commands that print a report.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Metric configuration (TOML): SLA targets, FCR window, CLV lifespan, costs.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `cxmine analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Input files or directories (recursive); `-` reads stdin. Gzip is detected.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Segment the report, e.g. `channel,month`.
    #[arg(
        long,
        value_name = "DIMS",
        default_value = "",
        long_help = "Segment the report by any combination of channel, month, week, agent, team, severity, tag \
                     (comma-separated). A conversation with several tags counts in each tag's segment."
    )]
    pub by: String,
    /// Report and output options.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Write one JSON line of facts per conversation to FILE.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Lexicon directory for the text detectors (default: the shipped lexicons).
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,
    /// Also write the mergeable partial state to FILE (for `cxmine merge`).
    #[arg(long, value_name = "FILE")]
    pub partial: Option<PathBuf>,
    /// Fail (exit 3) when any input record was skipped.
    #[arg(long)]
    pub strict: bool,
    /// No progress bar and no problem messages on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Memory for event-line reassembly before spilling to temporary files, e.g. 256M, 2G.
    #[arg(long, value_name = "SIZE", default_value = "256M")]
    pub mem_limit: String,
}

/// `cxmine merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial files written by `analyze --partial`.
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,
    /// Report and output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `cxmine gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of conversations.
    #[arg(long, default_value_t = 1000)]
    pub conversations: u64,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Channel mix as weights, e.g. `chat=40,email=25,sms=10,social=10,community=5,phone=10`.
    #[arg(
        long,
        default_value = "chat=40,email=25,sms=10,social=10,community=5,phone=10"
    )]
    pub channels: String,
    /// Write events as separate lines (the second JSONL shape) instead of whole conversations.
    #[arg(long)]
    pub event_lines: bool,
    /// Output file (default stdout); a `.gz` name is compressed.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Parses `512K`, `256M`, `2G` or a plain byte count.
pub fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()?.to_ascii_uppercase() {
        'K' => (&s[..s.len() - 1], 1usize << 10),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim().parse::<usize>().ok()?.checked_mul(mult)
}
