//! `cxmine lexicon check`: validates a lexicon directory (or the shipped set) and lists
//! every finding as `file:line: severity: message`.

use std::path::Path;

use super::lexicon::{self, Issue, LexiconError, LexiconFile, Severity};

/// Checks the set in `dir` (the shipped set when `None`). Unknown `.txt` files in the
/// directory are reported as warnings: they are not read.
pub fn check_dir(dir: Option<&Path>) -> Result<Vec<Issue>, LexiconError> {
    let Some(dir) = dir else {
        return Ok(lexicon::check(&lexicon::builtin_sources()));
    };
    let mut issues = lexicon::check(&lexicon::read_dir(dir)?);
    let entries = std::fs::read_dir(dir).map_err(|source| LexiconError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let known: Vec<&str> = LexiconFile::ALL.iter().map(|f| f.file_name()).collect();
    let mut unknown: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt") && !known.contains(&n.as_str()))
        .collect();
    unknown.sort();
    for name in unknown {
        issues.push(Issue {
            file: name,
            line: 0,
            severity: Severity::Warning,
            message: format!(
                "not a lexicon file cxmine reads (expected one of {})",
                known.join(", ")
            ),
        });
    }
    Ok(issues)
}

/// Number of errors among `issues`.
pub fn error_count(issues: &[Issue]) -> usize {
    issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count()
}
