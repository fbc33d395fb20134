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
    /// Read any supported input and write it as canonical JSONL.
    Convert(ConvertArgs),
    /// Build or update a search index of conversations.
    Index(IndexArgs),
    /// Search an index built by `cxmine index` or `analyze --index`.
    Search(SearchArgs),
    /// Print the sentiment score of every message as JSON lines (for comparisons).
    Sentiment(SentimentArgs),
}

/// Options that choose and configure the input readers.
#[derive(Debug, Args)]
pub struct ReaderArgs {
    /// Read every input with this reader instead of detecting it per file.
    #[arg(
        long,
        value_name = "FORMAT",
        long_help = "Read every input with this reader: jsonl, social_csv, mbox, eml, chat_log, \
                     stack_exchange_xml. Without it each file's reader is chosen from its extension \
                     and first bytes, and the choice is reported."
    )]
    pub input_format: Option<String>,
    /// Join survey answers from a CSV file (conversation_id or customer_id, csat/nps/ces).
    #[arg(long, value_name = "FILE")]
    pub surveys: Option<PathBuf>,
}

/// Output formats of `convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConvertTo {
    /// Canonical JSONL, one whole conversation a line.
    Jsonl,
}

/// `cxmine convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input files or directories (recursive); `-` reads stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ConvertTo::Jsonl)]
    pub to: ConvertTo,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Configuration (TOML) with the `[readers]` section.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Input reader options.
    #[command(flatten)]
    pub readers: ReaderArgs,
    /// No problem messages on stderr.
    #[arg(long, short)]
    pub quiet: bool,
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

/// Output formats of the researcher commands (`eval`, `lexicon suggest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    /// Aligned terminal table.
    Table,
    /// Pretty JSON.
    Json,
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
    /// Also score the lexicon directory DIR and show both side by side.
    #[arg(
        long,
        value_name = "DIR",
        long_help = "Score the gold file with a second lexicon directory and print one table: per \
                     detector and label, precision, recall and F1 with the first set (A: --lexicons, \
                     or the shipped lexicons), with DIR (B), and the F1 difference B − A."
    )]
    pub against: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    pub format: TableOrJson,
    /// Same as `--format json`.
    #[arg(long, hide = true, conflicts_with = "format")]
    pub json: bool,
}

/// Which messages `lexicon suggest` reads, by author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Customer messages.
    Customer,
    /// Responder messages: agents, bots and community members.
    Agent,
    /// Every message.
    Any,
}

/// `cxmine lexicon suggest`.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// Gold JSONL file (repeatable); its message lines are read.
    #[arg(long, value_name = "FILE", required = true)]
    pub gold: Vec<PathBuf>,
    /// The label whose marker phrases are wanted, e.g. `sentiment:negative`.
    #[arg(long, value_name = "DETECTOR:LABEL")]
    pub label: String,
    /// Only messages by this side.
    #[arg(long, value_enum, default_value_t = RoleArg::Any)]
    pub role: RoleArg,
    /// Fewest labelled messages a phrase must occur in.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub min_count: u64,
    /// Most candidates shown.
    #[arg(long, value_name = "K", default_value_t = 20)]
    pub limit: usize,
    /// Leave out phrases the lexicon already holds.
    #[arg(long)]
    pub new_only: bool,
    /// Lexicon directory checked for phrases it already holds (default: the shipped
    /// lexicons).
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    pub format: TableOrJson,
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
    /// Rank the phrases of gold messages that mark one label (log-odds ratio with an
    /// informative Dirichlet prior), with the lexicon line of those already present.
    #[command(
        long_about = "Rank the word n-grams (1 to 3 words, lower-cased, within one \
                            clause) of the gold messages by how strongly they mark the messages \
                            carrying --label against the others: the z-score of the log-odds \
                            ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn \
                            2008), the prior being each phrase's count over all messages. A \
                            message counts a phrase once. Ties are broken by phrase."
    )]
    Suggest(SuggestArgs),
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
    /// A self-contained HTML page with charts (use with --output).
    Html,
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
    /// Table: every metric with its sample size, one column per segment, however wide.
    #[arg(
        long,
        conflicts_with = "width",
        long_help = "With the table format: the full table, one row per metric (with sample sizes, \
                     means, medians, p90s and maxima) and one column per segment, however wide it \
                     gets. Without it the table shows one row per segment and the headline metrics \
                     that fit the width."
    )]
    pub wide: bool,
    /// Table: at most N characters a line (default: the terminal's width, else $COLUMNS, else 100).
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(20..),
        long_help = "With the table format: no line is longer than N characters; columns that do not \
                     fit are left out and named under the table. Default: $COLUMNS when set, else the \
                     width of the terminal when stdout is one, else 100."
    )]
    pub width: Option<u16>,
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
    /// Also write the mergeable partial state to FILE (for `cxmine merge`).
    #[arg(long, value_name = "FILE")]
    pub partial: Option<PathBuf>,
    /// Fail (exit 3) when any input record was skipped.
    #[arg(long)]
    pub strict: bool,
    /// How the input is read and analysed.
    #[command(flatten)]
    pub run: RunArgs,
    /// Also index every conversation into DIR, in the same pass.
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Index writer options (with `--index`).
    #[command(flatten)]
    pub writer: IndexWriterArgs,
}

/// How `analyze` and `index` read and analyse their input.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Lexicon directory for the text detectors (default: the shipped lexicons).
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,
    /// No progress bar and no problem messages on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Memory for regrouping event lines (and Stack Exchange posts) before spilling to
    /// temporary files, e.g. 256M, 2G.
    #[arg(long, value_name = "SIZE", default_value = "256M")]
    pub mem_limit: String,
    /// Input reader options.
    #[command(flatten)]
    pub readers: ReaderArgs,
}

/// Index writer options shared by `index` and `analyze --index`.
#[derive(Debug, Args)]
pub struct IndexWriterArgs {
    /// Store identifiers (account numbers, cards, e-mail addresses) unmasked.
    #[arg(
        long,
        long_help = "By default identifier values are replaced by ••• before text is indexed or stored, \
                     so an index can be shared without exposing them. This keeps them."
    )]
    pub keep_pii: bool,
    /// Commit every N conversations (a killed run keeps everything up to the last commit).
    #[arg(long, value_name = "N", default_value_t = 50_000)]
    pub commit_every: u64,
    /// Index writer memory budget, e.g. 128M.
    #[arg(long, value_name = "SIZE", default_value = "128M")]
    pub writer_memory: String,
    /// Index writer threads.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub writer_threads: usize,
}

/// `cxmine index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Input files or directories (recursive); `-` reads stdin. Gzip is detected.
    #[arg(value_name = "INPUT", required_unless_present = "delete")]
    pub inputs: Vec<PathBuf>,
    /// The index directory (created when missing).
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Delete these conversation ids from the index (an id it does not hold is reported).
    #[arg(long, value_name = "ID", num_args = 1..)]
    pub delete: Vec<String>,
    /// Fail (exit 3) when any input record was skipped or a `--delete` id was not in the
    /// index.
    #[arg(long)]
    pub strict: bool,
    /// Writer options.
    #[command(flatten)]
    pub writer: IndexWriterArgs,
    /// Metric configuration (TOML), for the facts stored with each conversation.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How the input is read and analysed.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Hit order for `cxmine search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Best match first.
    Relevance,
    /// Most recently opened first.
    Newest,
    /// Earliest opened first.
    Oldest,
}

/// Output formats of `cxmine search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SearchFormatArg {
    /// Readable text with marked snippets.
    Text,
    /// JSON with byte offsets of every highlighted span.
    Json,
}

/// `cxmine search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query, e.g. `refund flag:rephrase/customer shift:<-0.3 channel:chat`.
    #[arg(
        value_name = "QUERY",
        long_help = "tantivy query syntax (AND, OR, -term, \"phrases\", field:value, field:[a TO b], field:>x), \
                     terms ANDed by default. Fields: id channel customer agent team severity tag flag, \
                     opened resolved (dates: 2024-01-15, 2024-01, RFC 3339), counts (events messages \
                     customer_messages agent_messages transfers reopens handoffs rephrases restatements repeated_ids), \
                     before after shift effort first_response_s resolution_s csat nps ces, and text (the default)."
    )]
    pub query: String,
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Most hits shown.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Hit order.
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    pub sort: SortArg,
    /// Count flags by channel over all hits.
    #[arg(long)]
    pub facets: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SearchFormatArg::Text)]
    pub format: SearchFormatArg,
    /// Write every matching conversation (not only the shown hits) as JSONL to FILE.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// Write every matching conversation as a search document for Quickwit or
    /// Elasticsearch (one JSON object a line; configurations in scale/) to FILE.
    #[arg(long, value_name = "FILE")]
    pub documents: Option<PathBuf>,
    /// With --documents: write Elasticsearch's `_bulk` form, each document after its
    /// action line for this index.
    #[arg(long, value_name = "INDEX", requires = "documents")]
    pub bulk_index: Option<String>,
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
