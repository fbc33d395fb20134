//! Input formats: which reader handles a file, chosen from `--input-format`, else from the
//! file's extension, else from its first bytes.
//!
//! The choice is deterministic and cheap. A known extension (a trailing `.gz` is ignored)
//! decides: the name is what the user chose, and a first line is a weak witness (a JSONL
//! file whose first line is damaged — `<?xml …`, `From …`, `[…]` — must still be read as
//! JSONL, its bad line reported and the rest kept, not handed to a reader that finds
//! nothing in it). Only a name with no known extension is sniffed (an mbox starts with
//! `From `, a Stack Exchange dump with `<?xml` / `<posts>`, JSONL with `{`). Every choice
//! carries the [`ChosenBy`] reason so the run can say why a reader was picked.

use std::fmt;
use std::path::Path;

/// A supported input format.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// The canonical JSONL (whole conversations or event lines).
    Jsonl,
    /// Social support threads as CSV (`tweet_id,author_id,inbound,created_at,text,…`).
    SocialCsv,
    /// A Unix mailbox: messages separated by `From ` lines.
    Mbox,
    /// One RFC 5322 message per file.
    Eml,
    /// Plain-text chat (or call) logs, one message a line.
    ChatLog,
    /// Stack Exchange style `Posts.xml`.
    StackExchangeXml,
}

impl InputFormat {
    /// Every format, in documentation order.
    pub const ALL: [InputFormat; 6] = [
        InputFormat::Jsonl,
        InputFormat::SocialCsv,
        InputFormat::Mbox,
        InputFormat::Eml,
        InputFormat::ChatLog,
        InputFormat::StackExchangeXml,
    ];

    /// The snake-case name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Jsonl => "jsonl",
            InputFormat::SocialCsv => "social_csv",
            InputFormat::Mbox => "mbox",
            InputFormat::Eml => "eml",
            InputFormat::ChatLog => "chat_log",
            InputFormat::StackExchangeXml => "stack_exchange_xml",
        }
    }

    /// Parses a format name (`-` and `_` are interchangeable; a few short aliases).
    pub fn parse(s: &str) -> Option<InputFormat> {
        Some(match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "jsonl" | "ndjson" | "json" => InputFormat::Jsonl,
            "social_csv" | "social" | "csv" => InputFormat::SocialCsv,
            "mbox" => InputFormat::Mbox,
            "eml" | "email" => InputFormat::Eml,
            "chat_log" | "chatlog" | "chat" | "log" => InputFormat::ChatLog,
            "stack_exchange_xml" | "stackexchange" | "posts_xml" | "xml" => {
                InputFormat::StackExchangeXml
            }
            _ => return None,
        })
    }

    /// True for the formats whose records are e-mail messages (threaded together).
    pub fn is_email(self) -> bool {
        matches!(self, InputFormat::Mbox | InputFormat::Eml)
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a format was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChosenBy {
    /// Forced with `--input-format`.
    Forced,
    /// The extension named it (the content is not looked at).
    Extension,
    /// The first bytes decided (the name has no known extension).
    Content,
    /// Nothing matched; the canonical JSONL reader is the default.
    Default,
}

impl ChosenBy {
    /// A short phrase for messages ("by extension").
    pub fn as_str(self) -> &'static str {
        match self {
            ChosenBy::Forced => "forced",
            ChosenBy::Extension => "by extension",
            ChosenBy::Content => "by content",
            ChosenBy::Default => "by default",
        }
    }
}

/// The format an extension suggests (lower-case, `.gz` stripped by the caller).
pub fn format_of_extension(ext: &str) -> Option<InputFormat> {
    Some(match ext {
        "jsonl" | "ndjson" | "json" => InputFormat::Jsonl,
        "csv" => InputFormat::SocialCsv,
        "mbox" | "mbx" => InputFormat::Mbox,
        "eml" => InputFormat::Eml,
        "txt" | "log" => InputFormat::ChatLog,
        "xml" => InputFormat::StackExchangeXml,
        _ => return None,
    })
}

/// The extension of `path` after removing a `.gz` suffix, lower-cased.
pub fn effective_extension(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let name = name.strip_suffix(".gz").unwrap_or(name);
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// The format the first bytes show, when they are distinctive.
pub fn format_of_content(head: &[u8]) -> Option<InputFormat> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let trimmed = trim_start(head);
    if head.starts_with(b"From ") {
        return Some(InputFormat::Mbox);
    }
    if trimmed.starts_with(b"{") {
        return Some(InputFormat::Jsonl);
    }
    if trimmed.starts_with(b"<?xml") || trimmed.starts_with(b"<posts") {
        return Some(InputFormat::StackExchangeXml);
    }
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(b"");
    if first_line.starts_with(b"tweet_id,") {
        return Some(InputFormat::SocialCsv);
    }
    if looks_like_mail_headers(first_line) {
        return Some(InputFormat::Eml);
    }
    if looks_like_chat(head) {
        return Some(InputFormat::ChatLog);
    }
    None
}

/// The first line (after a byte-order mark) is an mbox separator with a sender and a date.
fn starts_with_mbox_separator(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = head.split(|&b| b == b'\n').next().unwrap_or(b"");
    super::email::is_separator_line(first.strip_suffix(b"\r").unwrap_or(first))
}

/// The first line that is not blank or a separator (`---`, `===`) starts with `[`.
fn looks_like_chat(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n')
        .map(trim_start)
        .find(|l| !l.is_empty() && !l.starts_with(b"---") && !l.starts_with(b"==="))
        .is_some_and(|l| l.starts_with(b"["))
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn looks_like_mail_headers(line: &[u8]) -> bool {
    const NAMES: [&[u8]; 8] = [
        b"return-path:",
        b"received:",
        b"message-id:",
        b"from:",
        b"date:",
        b"mime-version:",
        b"delivered-to:",
        b"subject:",
    ];
    let lower = line.to_ascii_lowercase();
    NAMES.iter().any(|n| lower.starts_with(n))
}

/// The format a file's name names: its extension (`.gz` stripped), when known.
pub fn format_of_path(path: &Path) -> Option<InputFormat> {
    effective_extension(path).and_then(|e| format_of_extension(&e))
}

/// Chooses the reader for a file: the forced format, else the known extension, else the
/// first bytes, else JSONL. `head` is only looked at when the name says nothing, or says
/// only `.txt`: plain text is a chat or call log unless its first line is an mbox
/// separator with a sender and a date (mailing-list archives are published as monthly
/// `.txt` files), which picks the mbox reader.
pub fn detect(path: &Path, head: &[u8], forced: Option<InputFormat>) -> (InputFormat, ChosenBy) {
    if let Some(f) = forced {
        return (f, ChosenBy::Forced);
    }
    if effective_extension(path).as_deref() == Some("txt") && starts_with_mbox_separator(head) {
        return (InputFormat::Mbox, ChosenBy::Content);
    }
    if let Some(f) = format_of_path(path) {
        return (f, ChosenBy::Extension);
    }
    match format_of_content(head) {
        Some(c) => (c, ChosenBy::Content),
        None => (InputFormat::Jsonl, ChosenBy::Default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in InputFormat::ALL {
            assert_eq!(InputFormat::parse(f.as_str()), Some(f));
        }
        assert_eq!(
            InputFormat::parse("stack-exchange-xml"),
            Some(InputFormat::StackExchangeXml)
        );
        assert_eq!(InputFormat::parse("pdf"), None);
    }

    #[test]
    fn detection_table() {
        // (file name, first bytes, expected format, expected reason)
        let cases: [(&str, &[u8], InputFormat, ChosenBy); 19] = [
            // A mailing-list archive published as .txt: its separator picks the mbox reader.
            (
                "2016-January.txt",
                b"From ana at mail.example  Fri Jan  1 01:46:06 2016\nFrom: ana at mail.example\n",
                InputFormat::Mbox,
                ChosenBy::Content,
            ),
            // A .txt whose first line only starts with "From " stays a chat log.
            (
                "notes.txt",
                b"From the log we see this\n",
                InputFormat::ChatLog,
                ChosenBy::Extension,
            ),
            // The extension wins for .log.
            (
                "a.log",
                b"From ana@mail.example Fri Jan  1 01:46:06 2016\n",
                InputFormat::ChatLog,
                ChosenBy::Extension,
            ),
            (
                "a.jsonl",
                b"{\"id\":1}",
                InputFormat::Jsonl,
                ChosenBy::Extension,
            ),
            ("a.jsonl.gz", b"", InputFormat::Jsonl, ChosenBy::Extension),
            (
                "tweets.csv",
                b"tweet_id,author_id",
                InputFormat::SocialCsv,
                ChosenBy::Extension,
            ),
            (
                "box",
                b"From a@b Mon Jan  1 00:00:00 2024\n",
                InputFormat::Mbox,
                ChosenBy::Content,
            ),
            (
                "m.eml",
                b"From a@b Mon Jan",
                InputFormat::Eml,
                ChosenBy::Extension,
            ),
            (
                "noext",
                b"Message-ID: <x@y>\r\n",
                InputFormat::Eml,
                ChosenBy::Content,
            ),
            (
                "Posts.xml",
                b"\xEF\xBB\xBF<?xml version",
                InputFormat::StackExchangeXml,
                ChosenBy::Extension,
            ),
            (
                "chat.txt",
                b"[2024-03-01 10:02:13] Agent Sam: hi",
                InputFormat::ChatLog,
                ChosenBy::Extension,
            ),
            // A known extension wins over a first line of another format.
            (
                "dump.txt",
                b"{\"id\":\"c\"}",
                InputFormat::ChatLog,
                ChosenBy::Extension,
            ),
            (
                "calls.jsonl",
                b"<?xml version=\"1.0\"?>\n{\"id\":\"c\"}",
                InputFormat::Jsonl,
                ChosenBy::Extension,
            ),
            (
                "calls.jsonl",
                b"From someone\n{\"id\":\"c\"}",
                InputFormat::Jsonl,
                ChosenBy::Extension,
            ),
            (
                "calls.ndjson.gz",
                b"[note]\n{\"id\":\"c\"}",
                InputFormat::Jsonl,
                ChosenBy::Extension,
            ),
            (
                "notes.xml",
                b"just some text",
                InputFormat::StackExchangeXml,
                ChosenBy::Extension,
            ),
            (
                "box.mbox",
                b"{\"id\":\"c\"}",
                InputFormat::Mbox,
                ChosenBy::Extension,
            ),
            ("mystery", b"hello", InputFormat::Jsonl, ChosenBy::Default),
            (
                "export",
                b"--- c1 ---\n[2024-03-01 10:00:00] Agent A: x",
                InputFormat::ChatLog,
                ChosenBy::Content,
            ),
        ];
        for (name, head, format, why) in cases {
            assert_eq!(detect(Path::new(name), head, None), (format, why), "{name}");
        }
        assert_eq!(
            detect(Path::new("a.jsonl"), b"{", Some(InputFormat::ChatLog)),
            (InputFormat::ChatLog, ChosenBy::Forced)
        );
    }
}
