//! Markup primitives of the HTML report: escaping, and the marked figure every number of
//! the page is written through.
//!
//! A figure is an element with `data-p` (the JSON pointer of the value in the JSON report)
//! and `data-v` (the value exactly as the JSON report writes it, `null` when it is
//! undefined), so a test, or a reader's script, can check each number on the page against
//! the JSON. A `null` is shown as `n/a`, never as 0. Verbatim strings from the report
//! (segment names, ids, file names, dates) are written in elements with `data-text`, so
//! digits outside figures and verbatim strings are never numbers of the report.
//!
//! The markup is well-formed XML as well as HTML (every element closed, every attribute
//! quoted and escaped), so it can be read by an XML parser.

use std::fmt::Write as _;

/// Escapes text and attribute values: `& < > " '`.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// One reference token of a JSON pointer (`~` → `~0`, `/` → `~1`).
pub fn ptr_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// How a figure's number is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A percentage: `41.25%`.
    Percent,
    /// A signed score: `+7.69`, `-12.5`.
    Signed,
    /// A plain number as the JSON writes it: `4.52`.
    Plain,
    /// Seconds, shown in the largest fitting unit: `45s`, `12.0m`, `5.3h`, `1.5d`.
    Duration,
}

/// The JSON text of a number, as `serde_json` writes it in the JSON report.
pub fn json_number(v: f64) -> String {
    serde_json::to_string(&v).unwrap_or_else(|_| "null".to_owned())
}

/// A count with `,` between thousands.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds in the largest fitting unit (`45s`, `12.0m`, `5.3h`, `1.5d`).
pub fn human_secs(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.0}s")
    } else if secs < 3600.0 {
        format!("{:.1}m", secs / 60.0)
    } else if secs < 86_400.0 {
        format!("{:.1}h", secs / 3600.0)
    } else {
        format!("{:.1}d", secs / 86_400.0)
    }
}

/// The shown text of a defined value.
pub fn shown(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Percent => format!("{v}%"),
        Unit::Signed if v > 0.0 => format!("+{v}"),
        Unit::Signed | Unit::Plain => format!("{v}"),
        Unit::Duration => human_secs(v),
    }
}

/// The text shown for a value the report leaves undefined.
pub const NULL_TEXT: &str = "n/a";

/// A figure in a `span`: the value at `pointer`, shown in `unit`.
pub fn fig(pointer: &str, value: Option<f64>, unit: Unit) -> String {
    fig_in("span", "v", pointer, value, unit)
}

/// A count figure (integers the JSON writes without a fraction).
pub fn count(pointer: &str, n: u64) -> String {
    format!(
        "<span class=\"v\" data-p=\"{}\" data-v=\"{n}\">{}</span>",
        esc(pointer),
        grouped(n)
    )
}

/// A figure in an element `tag` of class `class` (for SVG, `tspan`).
pub fn fig_in(tag: &str, class: &str, pointer: &str, value: Option<f64>, unit: Unit) -> String {
    let (raw, text, null) = match value {
        Some(v) => (json_number(v), shown(v, unit), ""),
        None => ("null".to_owned(), NULL_TEXT.to_owned(), " null"),
    };
    format!(
        "<{tag} class=\"{class}{null}\" data-p=\"{}\" data-v=\"{raw}\">{}</{tag}>",
        esc(pointer),
        esc(&text)
    )
}

/// The marker attributes of a chart mark that draws the value at `pointer`:
/// ` data-p="…" data-v="…"`, to put in its start tag.
pub fn mark_attrs(pointer: &str, value: f64) -> String {
    format!(
        " data-p=\"{}\" data-v=\"{}\"",
        esc(pointer),
        json_number(value)
    )
}

/// A verbatim string of the report (a segment name, an id, a file name, a date).
pub fn text(tag: &str, s: &str) -> String {
    format!("<{tag} data-text=\"\">{}</{tag}>", esc(s))
}

/// Quotes `s` for a POSIX shell when it holds anything but plain word characters.
pub fn sh_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Appends formatted text to a `String` (writing to a `String` cannot fail).
pub fn push(out: &mut String, args: std::fmt::Arguments<'_>) {
    out.write_fmt(args).expect("writing to a String");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
        assert_eq!(esc("Größe 😀"), "Größe 😀");
        assert_eq!(esc("a\u{0}b"), "a\u{fffd}b");
    }

    #[test]
    fn null_is_shown_as_na_never_zero() {
        assert_eq!(
            fig("/overall/kpis/csat/value", None, Unit::Percent),
            "<span class=\"v null\" data-p=\"/overall/kpis/csat/value\" data-v=\"null\">n/a</span>"
        );
        assert_eq!(
            fig("/x", Some(0.0), Unit::Percent),
            "<span class=\"v\" data-p=\"/x\" data-v=\"0.0\">0%</span>"
        );
    }

    #[test]
    fn numbers_as_json_writes_them() {
        assert_eq!(json_number(69.7), "69.7");
        assert_eq!(json_number(100.0), "100.0");
        assert_eq!(shown(7.69, Unit::Signed), "+7.69");
        assert_eq!(shown(-12.5, Unit::Signed), "-12.5");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        // 720 s = 12 minutes; 19 080 s = 5.3 hours; 129 600 s = 1.5 days.
        assert_eq!(shown(720.0, Unit::Duration), "12.0m");
        assert_eq!(shown(19_080.0, Unit::Duration), "5.3h");
        assert_eq!(shown(129_600.0, Unit::Duration), "1.5d");
        assert_eq!(shown(4.0, Unit::Duration), "4s");
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(ptr_token("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(sh_quote("samples/chat.jsonl"), "samples/chat.jsonl");
        assert_eq!(sh_quote("id:\"c 1\""), "'id:\"c 1\"'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote(""), "''");
    }
}
