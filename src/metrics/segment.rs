//! Segmentation: the `--by` dimensions and the segment keys of a conversation.
//!
//! A key holds one value per chosen dimension, in the order the user gave them. Tags are
//! multi-valued, so a conversation with two tags belongs to two `tag` segments (and the
//! cartesian product when combined with other dimensions); a missing value is `(none)`.

use crate::error::Error;
use crate::metrics::ConversationFacts;
pub use crate::report::schema::Dimension;

/// Value used when a conversation has no value for a dimension.
pub const NONE_VALUE: &str = "(none)";

/// Parses a comma-separated list like `channel,month`; duplicates are refused.
pub fn parse_dimensions(s: &str) -> Result<Vec<Dimension>, Error> {
    let mut dims: Vec<Dimension> = Vec::new();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let d: Dimension = part.parse()?;
        if dims.contains(&d) {
            return Err(Error::Usage(format!("--by names {d} twice")));
        }
        dims.push(d);
    }
    Ok(dims)
}

/// A segment: one value per dimension.
pub type SegmentKey = Vec<String>;

fn values_of(dim: Dimension, f: &ConversationFacts) -> Vec<String> {
    let or_none = |v: Option<&String>| v.cloned().unwrap_or_else(|| NONE_VALUE.to_owned());
    let opened = f.opened_at.or(f.first_contact_at);
    match dim {
        Dimension::Channel => vec![f.channel.as_str().to_owned()],
        Dimension::Month => vec![opened.map_or_else(|| NONE_VALUE.to_owned(), |t| t.month_label())],
        Dimension::Week => {
            vec![opened.map_or_else(|| NONE_VALUE.to_owned(), |t| t.iso_week_label())]
        }
        Dimension::Agent => vec![or_none(f.agent.as_ref())],
        Dimension::Team => vec![or_none(f.team.as_ref())],
        Dimension::Severity => vec![or_none(f.severity.as_ref())],
        Dimension::Tag if f.tags.is_empty() => vec![NONE_VALUE.to_owned()],
        Dimension::Tag => {
            let mut tags = f.tags.clone();
            tags.sort();
            tags.dedup();
            tags
        }
    }
}

/// Every segment key a conversation belongs to (empty when no dimension is chosen).
pub fn segment_keys(dims: &[Dimension], f: &ConversationFacts) -> Vec<SegmentKey> {
    if dims.is_empty() {
        return Vec::new();
    }
    let mut values: Vec<Vec<String>> = dims.iter().map(|&d| values_of(d, f)).collect();
    // Single-valued dimensions (all but tags, usually): exactly one key, built by moving.
    if values.iter().all(|v| v.len() == 1) {
        return vec![
            values
                .iter_mut()
                .map(|v| v.pop().expect("one value"))
                .collect(),
        ];
    }
    let mut keys: Vec<SegmentKey> = vec![Vec::with_capacity(dims.len())];
    for dim_values in &values {
        let mut next = Vec::with_capacity(keys.len() * dim_values.len());
        for k in &keys {
            for v in dim_values {
                let mut key = Vec::with_capacity(dims.len());
                key.extend_from_slice(k);
                key.push(v.clone());
                next.push(key);
            }
        }
        keys = next;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::model::{Channel, Conversation};
    use crate::time::Timestamp;

    #[test]
    fn tags_multiply_keys_and_missing_values_are_named() {
        let mut c = Conversation::new("c", Channel::Email);
        c.opened_at = Some(Timestamp::parse("2024-02-29T23:59:59Z").unwrap());
        c.tags = vec!["refund".into(), "billing".into(), "refund".into()];
        let f = crate::metrics::conversation_facts(&c, &Config::default());
        let dims = parse_dimensions("channel,tag,severity,month").unwrap();
        let keys = segment_keys(&dims, &f);
        assert_eq!(
            keys,
            vec![
                vec!["email", "billing", "(none)", "2024-02"],
                vec!["email", "refund", "(none)", "2024-02"],
            ]
        );
        assert!(segment_keys(&[], &f).is_empty());
    }

    #[test]
    fn bad_dimension_lists_are_refused() {
        assert!(parse_dimensions("channel,channel").is_err());
        assert!(parse_dimensions("colour").is_err());
        assert_eq!(parse_dimensions("").unwrap(), vec![]);
    }
}
