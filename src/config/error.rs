//! What goes wrong in a `targets.toml`, and the guess of what the user meant that help texts
//! offer.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A problem in `targets.toml`, located precisely enough for a person to fix
/// it without guessing, and printed like a compiler diagnostic.
#[derive(Debug, thiserror::Error)]
pub(crate) struct ConfigError {
    pub(super) path: PathBuf,
    pub(super) line: usize,
    pub(super) column: usize,
    pub(super) message: String,
    pub(super) help: Option<String>,
}

impl ConfigError {
    /// The file the problem is in, as it was given to [`load`](super::load) or
    /// [`parse`](super::parse).
    // Only the tests read it.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// 1-based line of the problem, or 0 when the file could not be read at all.
    // Only the tests read it.
    #[cfg(test)]
    pub(crate) fn line(&self) -> usize {
        self.line
    }

    /// 1-based column in characters (not bytes), or 0 when the file could not
    /// be read at all.
    // Only the tests read it.
    #[cfg(test)]
    pub(crate) fn column(&self) -> usize {
        self.column
    }

    /// What is wrong, without location or advice.
    // Only the tests read it.
    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// What to write instead, when there is something specific to suggest.
    // Only the tests read it.
    #[cfg(test)]
    pub(crate) fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    pub(super) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(super) fn unreadable(path: &Path, err: &io::Error) -> Self {
        let (reason, help) = match err.kind() {
            io::ErrorKind::NotFound => (
                "no such file".to_owned(),
                Some("pass --targets PATH or create targets.toml"),
            ),
            io::ErrorKind::InvalidData => (
                "it is not valid UTF-8 text".to_owned(),
                Some("save the file with UTF-8 encoding"),
            ),
            io::ErrorKind::IsADirectory => (
                "it is a directory".to_owned(),
                Some("pass the path of the targets.toml file itself"),
            ),
            _ => (err.to_string(), None),
        };
        Self {
            path: path.to_owned(),
            line: 0,
            column: 0,
            message: format!("could not read the targets file: {reason}"),
            help: help.map(str::to_owned),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// The allowed word the user most likely meant: a near-identical spelling,
/// or else the only key containing what was written as one of its
/// `_`-separated words (`depth` for `max_depth`), which spelling similarity
/// alone misses.
pub(super) fn closest<'a>(written: &str, allowed: &[&'a str]) -> Option<&'a str> {
    const MIN_SIMILARITY: f64 = 0.8;
    let written = written.to_lowercase();
    let similar = allowed
        .iter()
        .map(|candidate| (strsim::jaro_winkler(&written, candidate), *candidate))
        .filter(|(similarity, _)| *similarity >= MIN_SIMILARITY)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate);
    let mut containing = allowed
        .iter()
        .filter(|candidate| candidate.split('_').any(|word| word == written));
    similar.or(match (containing.next(), containing.next()) {
        (Some(only), None) => Some(*only),
        _ => None,
    })
}
