//! Identity fields in the index: customer ids and the authors of customer and member
//! messages are replaced by keyed tokens, so they stay joinable (one customer, one token,
//! in every run over the same index) without being readable or searchable in clear.
//!
//! A token is `anon-` and 16 hex digits: SipHash-2-4 of the value under a 128-bit key
//! drawn once per index and kept in the index directory ([`KEY_FILE`], readable by its
//! owner only). Only the writer needs the key; searching does not, so an index handed to a
//! QA team without its key file gives nobody a way to test a guessed e-mail address
//! against the tokens. Whoever holds the key can, which is why it is not shared.
//!
//! Agent and bot names stay in clear (QA teams search by agent), with any identifier
//! shape in them masked (`Sam Ortega <•••>`, from a mailbox's `From:`). Values that are
//! already tokens are kept, so re-indexing a masked export does not hash twice.
//!
//! [`Pseudonyms::known_values`] also finds a conversation's own identity values (handles
//! such as `@couchpotato` or `netwizard`, full names, ids) where they stand in its text, as
//! whole words.

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::ops::Range;
use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::mask::{MASK, identifier_shapes, mask_text};
use crate::error::Error;
use crate::model::{Conversation, Role};

/// The key file, in the index directory.
pub const KEY_FILE: &str = "pii.key";

/// What every token starts with.
pub const TOKEN_PREFIX: &str = "anon-";

/// Shortest identity value looked for in text: shorter ones are common words.
const MIN_KNOWN_LEN: usize = 3;

/// The keyed token function of one index.
#[derive(Clone)]
pub struct Pseudonyms {
    k0: u64,
    k1: u64,
}

impl std::fmt::Debug for Pseudonyms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonyms { key: <hidden> }")
    }
}

impl Pseudonyms {
    /// A token function with a given key (tests, or a key kept elsewhere).
    pub fn with_key(k0: u64, k1: u64) -> Pseudonyms {
        Pseudonyms { k0, k1 }
    }

    /// Reads the key of the index in `dir`, drawing and writing a new one when there is
    /// none (a new index, or one built before keys existed).
    pub fn load_or_create(dir: &Path) -> Result<Pseudonyms, Error> {
        let path = dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => parse_key(text.trim()).ok_or_else(|| Error::Index {
                path: dir.to_owned(),
                message: format!("{KEY_FILE} is not a key (32 hex digits)"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Pseudonyms::random();
                write_key(&path, &key)?;
                Ok(key)
            }
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// A key from the standard library's randomly seeded hasher (seeded by the operating
    /// system), mixed with the time and the process id.
    fn random() -> Pseudonyms {
        let state = std::collections::hash_map::RandomState::new();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let draw = |n: u8| {
            let mut h = state.build_hasher();
            h.write_u8(n);
            h.write_u128(now);
            h.write_u32(std::process::id());
            h.finish()
        };
        Pseudonyms::with_key(draw(0), draw(1))
    }

    /// The token of `value` (a token is returned unchanged).
    pub fn token(&self, value: &str) -> String {
        if is_token(value) {
            return value.to_owned();
        }
        #[allow(deprecated)] // SipHash-2-4 with explicit keys; its output is stable.
        let mut h = std::hash::SipHasher::new_with_keys(self.k0, self.k1);
        h.write(value.as_bytes());
        format!("{TOKEN_PREFIX}{:016x}", h.finish())
    }

    /// The author as stored: a token for customers and members; for agents, bots and the
    /// system, the name with any identifier shape in it masked (`Sam Ortega <•••>`), or a
    /// token when nothing but the identifier is left.
    pub fn author(&self, role: Role, author: &str) -> String {
        if is_identity(role) {
            return self.token(author);
        }
        let spans = identifier_shapes(author);
        if spans.is_empty() {
            return author.to_owned();
        }
        let (masked, _) = mask_text(author, spans);
        if masked.replace(MASK, "").chars().any(char::is_alphanumeric) {
            masked
        } else {
            self.token(author)
        }
    }

    /// Finds the identity values of `conv` (customer id, customer and member authors) in
    /// texts.
    pub fn known_values(conv: &Conversation<'_>) -> KnownValues {
        let mut values: Vec<&str> = conv
            .customer_id
            .as_deref()
            .into_iter()
            .chain(
                conv.events
                    .iter()
                    .filter(|e| is_identity(e.role))
                    .filter_map(|e| e.author.as_deref()),
            )
            .filter(|v| looks_identifying(v))
            .map(|v| v.trim().trim_start_matches('@'))
            .filter(|v| v.chars().count() >= MIN_KNOWN_LEN)
            .collect();
        values.sort_unstable();
        values.dedup();
        let automaton = (!values.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&values)
                    .ok()
            })
            .flatten();
        KnownValues { automaton }
    }
}

/// Whether the authors of this role are identities (tokens, looked for in text).
fn is_identity(role: Role) -> bool {
    matches!(role, Role::Customer | Role::Member)
}

/// Whether an identity value is looked for in text: any but a role's name or alias
/// (`Customer`, `user`), which exports write as a placeholder author on every message and
/// which masking would blank everywhere in the conversation's text.
fn looks_identifying(value: &str) -> bool {
    Role::parse(value.trim().trim_start_matches('@')).is_none()
}

/// The identity values of one conversation, ready to be found in its texts.
#[derive(Debug, Clone, Default)]
pub struct KnownValues {
    automaton: Option<AhoCorasick>,
}

impl KnownValues {
    /// Byte ranges of the values in `text`, as whole words (ASCII case ignored).
    pub fn spans(&self, text: &str) -> Vec<Range<usize>> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        ac.find_iter(text)
            .filter(|m| {
                !word(text[..m.start()].chars().next_back())
                    && !word(text[m.end()..].chars().next())
            })
            .map(|m| m.start()..m.end())
            .collect()
    }
}

/// Whether `value` is already a token.
pub fn is_token(value: &str) -> bool {
    value.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| {
        hex.len() == 16
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn parse_key(text: &str) -> Option<Pseudonyms> {
    if text.len() != 32 || !text.is_ascii() {
        return None;
    }
    let k0 = u64::from_str_radix(&text[..16], 16).ok()?;
    let k1 = u64::from_str_radix(&text[16..], 16).ok()?;
    Some(Pseudonyms::with_key(k0, k1))
}

/// Writes the key, readable by its owner only; a key written meanwhile by another writer
/// is kept (only one writer holds an index at a time, so this is a corner case).
fn write_key(path: &Path, key: &Pseudonyms) -> Result<(), Error> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(Error::io(path, e)),
    };
    writeln!(file, "{:016x}{:016x}", key.k0, key.k1)
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, Event};
    use crate::time::Timestamp;

    #[test]
    fn tokens_are_keyed_stable_and_idempotent() {
        let a = Pseudonyms::with_key(1, 2);
        let t = a.token("dana.w@example.com");
        assert!(is_token(&t), "{t}");
        assert_eq!(t.len(), TOKEN_PREFIX.len() + 16);
        assert_eq!(a.token("dana.w@example.com"), t);
        assert_ne!(a.token("dana.w@example.co"), t);
        assert_ne!(Pseudonyms::with_key(1, 3).token("dana.w@example.com"), t);
        assert_eq!(a.token(&t), t);
    }

    #[test]
    fn key_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = Pseudonyms::load_or_create(dir.path()).unwrap();
        let again = Pseudonyms::load_or_create(dir.path()).unwrap();
        assert_eq!(first.token("C1001"), again.token("C1001"));
        std::fs::write(dir.path().join(KEY_FILE), "not a key").unwrap();
        let err = Pseudonyms::load_or_create(dir.path()).unwrap_err();
        assert!(err.to_string().contains("not a key"), "{err}");
    }

    #[test]
    fn customer_authors_are_tokens_agents_only_when_shaped() {
        let p = Pseudonyms::with_key(7, 7);
        assert!(is_token(&p.author(Role::Customer, "pixelpapa")));
        assert!(is_token(&p.author(Role::Member, "@couchpotato")));
        assert_eq!(p.author(Role::Agent, "Maya Patel"), "Maya Patel");
        let from = "Sam Ortega <sam@help.shop.example>";
        assert_eq!(p.author(Role::Agent, from), "Sam Ortega <•••>");
        assert!(is_token(&p.author(Role::Agent, "sam@help.shop.example")));
    }

    #[test]
    fn known_values_are_found_as_whole_words() {
        let t = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        let mut c = Conversation::new("s-1", Channel::Social);
        c.customer_id = Some("C1001".into());
        let author = |role, name: &'static str| Event::message(t, role, "x").with_author(name);
        c.events.push(author(Role::Customer, "@lena_builds"));
        c.events.push(author(Role::Member, "@couchpotato"));
        c.events.push(author(Role::Member, "netwizard"));
        c.events.push(author(Role::Customer, "Customer"));
        c.events.push(author(Role::Agent, "@BrightlineCares"));
        let known = Pseudonyms::known_values(&c);
        let text = "thanks @couchpotato! c1001, lena_builds and netwizard's answer, \
                    not couchpotatoes; Customer care by BrightlineCares";
        let found: Vec<&str> = known.spans(text).into_iter().map(|r| &text[r]).collect();
        // "couchpotatoes" is another word; "Customer" is a role's name, the placeholder of
        // some exports; the agent's handle is not an identity value.
        assert_eq!(found, ["couchpotato", "c1001", "lena_builds", "netwizard"]);
    }
}
