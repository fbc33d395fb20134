//! A [`Partial`] on disk (`analyze --partial`, `cxmine merge`): JSON with a format version.
//!
//! Writing first reads back the ledger entries spilled to temporary files during the run
//! (serialising skips them) and puts the state in canonical form, so a written partial is
//! complete and equal states give equal bytes. Reading refuses a file that is not a partial
//! or has another format version.

use std::io::Write;
use std::path::Path;

use crate::error::Error;
use crate::metrics::{PARTIAL_VERSION, Partial};

impl Partial {
    /// Writes the complete partial as JSON to `out`; `path` names the destination in errors.
    pub fn write_json(&mut self, out: impl Write, path: &Path) -> Result<(), Error> {
        self.ledger.load_spilled()?;
        self.canonicalize();
        serde_json::to_writer(out, self).map_err(|e| Error::io(path, e.into()))
    }

    /// Reads a partial written by [`Partial::write_json`] from `bytes` (the contents of
    /// `path`), checking its format version.
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Partial, Error> {
        let bad = |message: String| Error::Partial {
            path: path.to_owned(),
            message,
        };
        let partial: Partial = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if partial.cxmine_partial != PARTIAL_VERSION {
            return Err(bad(format!(
                "format version {} is not supported",
                partial.cxmine_partial
            )));
        }
        Ok(partial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::metrics::ConversationFacts;
    use crate::model::{Channel, Conversation};

    #[test]
    fn a_written_partial_reads_back_equal() {
        let config = Config::default();
        let mut partial = Partial::new(Vec::new());
        let conv = Conversation::new("c1", Channel::Chat);
        partial.add(&ConversationFacts::compute(&conv, &config, None), &config);
        let mut bytes = Vec::new();
        partial.write_json(&mut bytes, Path::new("p.json")).unwrap();
        let back = Partial::from_json(&bytes, Path::new("p.json")).unwrap();
        assert_eq!(back, partial);
        assert_eq!(back.input.conversations, 1);
    }

    #[test]
    fn another_version_or_junk_is_refused_naming_the_file() {
        let mut partial = Partial::new(Vec::new());
        partial.cxmine_partial = PARTIAL_VERSION + 1;
        let bytes = serde_json::to_vec(&partial).unwrap();
        let err = Partial::from_json(&bytes, Path::new("old.json")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "partial result old.json: format version {} is not supported",
                PARTIAL_VERSION + 1
            )
        );
        let junk = Partial::from_json(b"{}", Path::new("junk.json")).unwrap_err();
        assert!(
            junk.to_string().starts_with("partial result junk.json: "),
            "{junk}"
        );
    }
}
