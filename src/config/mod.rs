//! Strict loading of `targets.toml`, the list of sites to audit.
//!
//! The file is walked as toml's spanned document tree instead of going through
//! `#[derive(Deserialize)]`: serde's errors know neither which `[[target]]`
//! they happened in nor what the user should write instead, and a typo in a
//! crawl limit must never silently fall back to a default. Every check
//! therefore reports the exact line and column of the offending key or value
//! together with a concrete fix.

mod consent;
mod error;
mod run;
mod section;
mod settings;
mod source;
mod targets_list;
mod types;
mod values;
mod walk;

use std::path::Path;

use crate::types::Politeness;

pub(crate) use error::ConfigError;
pub(crate) use targets_list::parse_targets_list;
pub(crate) use types::{
    CharterSource, ClickStep, Config, ConsentPlan, CrawlSettings, DEFAULT_USER_AGENT, Target,
};

use walk::parse_document;

/// Reads and checks a `targets.toml`, and that its local `charter` files exist.
///
/// # Errors
///
/// Returns a [`ConfigError`] naming `path` when the file cannot be read, when
/// the text is rejected (as `parse` would), or when a local `charter` names no file.
pub(crate) fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|err| ConfigError::unreadable(path, &err))?;
    parse_document(&text, path, true, true)
}

/// Checks the text of a `targets.toml`. `path` is only used in error messages
/// and as the base directory for relative `charter` paths, which keeps this
/// function free of I/O and easy to test.
///
/// # Errors
///
/// Returns the first problem found, in file order within each section.
// Only the tests read a text without its files; the tool always goes through `load`.
#[cfg(test)]
pub(crate) fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    parse_document(text, path, true, false)
}

/// Only the `[defaults]` of a `targets.toml` (its crawl settings and the run-wide politeness),
/// for a run whose targets come from a `--targets-list`; its `[[target]]` blocks, if any, are
/// still checked, then left out.
///
/// # Errors
///
/// The first problem found, as `load` would report it.
pub(crate) fn parse_defaults_only(
    text: &str,
    path: &Path,
) -> Result<(CrawlSettings, Politeness), ConfigError> {
    parse_document(text, path, false, false).map(|config| (config.defaults, config.politeness))
}

#[cfg(test)]
mod tests;
