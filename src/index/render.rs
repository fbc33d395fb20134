//! Plain-text rendering of [`SearchResults`] for the terminal (`--format text`); JSON is
//! the serde form of the same structure.

use std::io::{self, Write};

use super::search::SearchResults;
use crate::model::Channel;

/// Writes the hits with their marked snippets, then the facet table when present.
pub fn write_text(r: &SearchResults, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "{} of {} conversations matching {:?}",
        r.hits.len(),
        r.total,
        r.query
    )?;
    for h in &r.hits {
        write!(w, "\n{}  {}", h.id, h.channel)?;
        if let Some(t) = &h.opened_at {
            write!(w, "  {t}")?;
        }
        if let Some(s) = h.score {
            write!(w, "  score {s:.3}")?;
        }
        writeln!(w)?;
        if !h.flags.is_empty() {
            writeln!(w, "  flags: {}", h.flags.join(", "))?;
        }
        for s in &h.snippets {
            let one_line = s.marked.replace(['\n', '\r'], " ");
            writeln!(w, "  #{} {}: {one_line}", s.event, s.role)?;
        }
    }
    if let Some(f) = &r.facets {
        writeln!(w, "\nflag counts over all {} hits", r.total)?;
        let channels: Vec<&str> = Channel::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| f.by_channel.contains_key(*c))
            .collect();
        write!(w, "{:<32}{:>8}", "flag", "total")?;
        for c in &channels {
            write!(w, "{c:>10}")?;
        }
        writeln!(w)?;
        for (flag, n) in &f.total {
            write!(w, "{flag:<32}{n:>8}")?;
            for c in &channels {
                let n = f.by_channel[*c].get(flag).copied().unwrap_or(0);
                write!(w, "{n:>10}")?;
            }
            writeln!(w)?;
        }
    }
    Ok(())
}
