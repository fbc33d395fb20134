//! The index schema: one tantivy document per conversation, and the text analyzer.
//!
//! Field names are the names users type in queries (`channel:chat`, `shift:<-0.3`), so
//! they are short and singular. Invariants: `id` is indexed untokenised (the delete-by-id
//! term of incremental updates); every numeric and date field is indexed *and* fast (range
//! queries and sorting); the conversation itself is stored once, as a canonical JSONL line
//! in `conversation`, and both snippets and `--export` read it from there.

use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, FacetOptions, Field, INDEXED, IndexRecordOption,
    NumericOptions, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

/// Name under which [`text_analyzer`] is registered in every index cxmine opens.
pub const TEXT_ANALYZER: &str = "cx_text";

/// Count fields (u64, indexed, fast, stored), in the order they are documented.
pub const COUNT_FIELDS: [&str; 10] = [
    "events",
    "messages",
    "customer_messages",
    "agent_messages",
    "transfers",
    "reopens",
    "handoffs",
    "rephrases",
    "restatements",
    "repeated_ids",
];

/// Real-valued fields (f64, indexed, fast, stored).
pub const REAL_FIELDS: [&str; 6] = [
    "before",
    "after",
    "shift",
    "effort",
    "first_response_s",
    "resolution_s",
];

/// Survey fields (u64, indexed, fast, stored).
pub const SURVEY_FIELDS: [&str; 3] = ["csat", "nps", "ces"];

/// Date fields (indexed, fast, stored, millisecond precision).
pub const DATE_FIELDS: [&str; 2] = ["opened", "resolved"];

/// Exact-match keyword fields (untokenised, stored).
pub const KEYWORD_FIELDS: [&str; 8] = [
    "id", "channel", "customer", "agent", "team", "severity", "tag", "flag",
];

/// Handles to every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Conversation id (exact, stored, fast).
    pub id: Field,
    /// Deterministic tie-breaker for equal sort keys: a stable hash of the id (fast).
    pub id_key: Field,
    /// Channel name.
    pub channel: Field,
    /// Opening time.
    pub opened: Field,
    /// Resolution time.
    pub resolved: Field,
    /// Customer id.
    pub customer: Field,
    /// Every agent who wrote.
    pub agent: Field,
    /// Owning team.
    pub team: Field,
    /// Severity label.
    pub severity: Field,
    /// Tags.
    pub tag: Field,
    /// Flags as keywords, each with its ancestors (`rephrase`, `rephrase/customer`).
    pub flag: Field,
    /// Flags as a facet (`/flag/rephrase/customer`), for counting.
    pub flags: Field,
    /// [`COUNT_FIELDS`], in order.
    pub counts: Vec<Field>,
    /// [`REAL_FIELDS`], in order.
    pub reals: Vec<Field>,
    /// [`SURVEY_FIELDS`], in order.
    pub surveys: Vec<Field>,
    /// Message text, one value per message (positions indexed for phrases; not stored,
    /// the stored conversation holds it).
    pub text: Field,
    /// The whole conversation as a canonical JSONL line (stored only).
    pub conversation: Field,
    /// Detector hits as a JSON array with byte spans into the stored texts (stored only).
    pub detections: Field,
}

/// Builds the schema.
pub fn build_schema() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field("id", STRING | STORED | FAST);
    b.add_u64_field("id_key", FAST);
    for name in KEYWORD_FIELDS.iter().skip(1) {
        b.add_text_field(name, STRING | STORED);
    }
    b.add_facet_field("flags", FacetOptions::default());
    let date =
        DateOptions::from(INDEXED | STORED | FAST).set_precision(DateTimePrecision::Milliseconds);
    for name in DATE_FIELDS {
        b.add_date_field(name, date.clone());
    }
    let number = || NumericOptions::from(INDEXED | STORED | FAST);
    for name in COUNT_FIELDS.iter().chain(SURVEY_FIELDS.iter()) {
        b.add_u64_field(name, number());
    }
    for name in REAL_FIELDS {
        b.add_f64_field(name, number());
    }
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    b.add_text_field("text", text);
    b.add_text_field("conversation", STORED);
    b.add_text_field("detections", STORED);
    b.build()
}

impl Fields {
    /// Looks every field up; `Err(name)` names the first field the schema lacks (an index
    /// cxmine did not write, or an older layout).
    pub fn from_schema(schema: &Schema) -> Result<Fields, String> {
        let f = |name: &str| schema.get_field(name).map_err(|_| name.to_owned());
        let many = |names: &[&str]| names.iter().map(|n| f(n)).collect::<Result<Vec<_>, _>>();
        Ok(Fields {
            id: f("id")?,
            id_key: f("id_key")?,
            channel: f("channel")?,
            opened: f("opened")?,
            resolved: f("resolved")?,
            customer: f("customer")?,
            agent: f("agent")?,
            team: f("team")?,
            severity: f("severity")?,
            tag: f("tag")?,
            flag: f("flag")?,
            flags: f("flags")?,
            counts: many(&COUNT_FIELDS)?,
            reals: many(&REAL_FIELDS)?,
            surveys: many(&SURVEY_FIELDS)?,
            text: f("text")?,
            conversation: f("conversation")?,
            detections: f("detections")?,
        })
    }

    /// The field of a real-valued metric by name (one of [`REAL_FIELDS`]).
    pub fn real(&self, name: &str) -> Field {
        let i = REAL_FIELDS
            .iter()
            .position(|n| *n == name)
            .expect("known real field");
        self.reals[i]
    }

    /// The field of a count by name (one of [`COUNT_FIELDS`]).
    pub fn count(&self, name: &str) -> Field {
        let i = COUNT_FIELDS
            .iter()
            .position(|n| *n == name)
            .expect("known count field");
        self.counts[i]
    }
}

/// The message-text analyzer: Unicode word split, long tokens dropped, lower case,
/// accents folded, English stemming (so `refunds` finds `refund`; other languages are
/// mostly left alone by the English stemmer rather than harmed).
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// A stable 64-bit FNV-1a hash of an id: the tie-breaker stored in `id_key`.
pub fn id_key(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_has_every_field_the_handles_name() {
        let schema = build_schema();
        let fields = Fields::from_schema(&schema).unwrap();
        assert_eq!(fields.counts.len(), COUNT_FIELDS.len());
        assert_eq!(schema.get_field_name(fields.real("shift")), "shift");
        assert_eq!(schema.get_field_name(fields.count("handoffs")), "handoffs");
    }

    #[test]
    fn foreign_schema_names_the_missing_field() {
        let mut b = Schema::builder();
        b.add_text_field("id", STRING);
        assert_eq!(Fields::from_schema(&b.build()).unwrap_err(), "id_key");
    }

    #[test]
    fn analyzer_stems_folds_and_splits_unicode_words() {
        let mut a = text_analyzer();
        let mut stream = a.token_stream("Refunds CAFÉ naïve 😀 déjà-vu");
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        // "refunds" → "refund"; "café" folds to "cafe"; the emoji is not a word.
        assert_eq!(out, ["refund", "cafe", "naiv", "deja", "vu"]);
    }
}
