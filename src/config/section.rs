//! Which keys each part of `targets.toml` allows, and the error for any other.

use std::fmt;

use super::error::ConfigError;
use super::error::closest;
use super::settings::SETTINGS_KEYS;
use super::source::{Key, Source, key_name};

pub(super) const TOP_LEVEL_KEYS: &[&str] = &["defaults", "target"];
pub(super) const TARGET_ONLY_KEYS: &[&str] = &["name", "url", "charter", "start", "jurisdiction"];
pub(super) const CONSENT_KEYS: &[&str] = &["accept", "reject"];

/// Where a key was found, to name it in messages and to know which keys are
/// allowed there.
#[derive(Clone, Copy)]
pub(super) enum Section<'a> {
    TopLevel,
    Defaults,
    Target {
        /// 1-based position among the `[[target]]` blocks, for targets
        /// whose name is missing or unusable.
        index: usize,
        name: Option<&'a str>,
    },
    /// Inside a `consent` table, wherever that table is.
    Consent,
}

impl Section<'_> {
    fn allowed_keys(self) -> Vec<&'static str> {
        match self {
            Self::TopLevel => TOP_LEVEL_KEYS.to_vec(),
            Self::Defaults => SETTINGS_KEYS.to_vec(),
            Self::Target { .. } => [TARGET_ONLY_KEYS, SETTINGS_KEYS].concat(),
            Self::Consent => CONSENT_KEYS.to_vec(),
        }
    }

    /// Where a key that is valid elsewhere belongs, because "unknown key" is
    /// misleading when the key is merely in the wrong section.
    fn home_of(self, key: &str) -> Option<&'static str> {
        let is_setting = SETTINGS_KEYS.contains(&key);
        let is_target_only = TARGET_ONLY_KEYS.contains(&key);
        match self {
            Self::TopLevel if is_setting => Some("[defaults] or a [[target]]"),
            Self::TopLevel | Self::Defaults if is_target_only => Some("a [[target]]"),
            _ => None,
        }
    }
}

/// Names the section the way it is written in the file, so messages can be
/// matched to the text at a glance.
impl fmt::Display for Section<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TopLevel => f.write_str("the top level"),
            Self::Defaults => f.write_str("[defaults]"),
            Self::Target {
                name: Some(name), ..
            } => write!(f, "[[target]] {name:?}"),
            Self::Target { index, name: None } => write!(f, "[[target]] #{index}"),
            Self::Consent => f.write_str("the `consent` table"),
        }
    }
}

pub(super) fn unknown_key(src: &Source<'_>, key: &Key<'_>, section: Section<'_>) -> ConfigError {
    let name = key_name(key);
    let allowed = section.allowed_keys();
    let hint = match section.home_of(name) {
        Some(home) => format!("`{name}` belongs in {home}; "),
        None => closest(name, &allowed)
            .map(|suggestion| format!("did you mean `{suggestion}`? "))
            .unwrap_or_default(),
    };
    let preposition = match section {
        Section::TopLevel => "at",
        Section::Defaults | Section::Target { .. } | Section::Consent => "in",
    };
    src.error_at(
        key.span(),
        format!("unknown key `{name}` {preposition} {section}"),
    )
    .with_help(format!("{hint}allowed keys: {}", allowed.join(", ")))
}
