//! Where in `targets.toml` a key was found, and the error for a key that does not belong there.

use std::fmt;

use super::error::{ConfigError, closest};
use super::source::{Key, Source, key_name};

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

/// The error for a key that `section` does not allow, listing the keys it does (`allowed`):
/// `home` names where the key belongs when it is valid elsewhere, since "unknown" would
/// mislead, and otherwise the allowed key it most likely meant is suggested.
pub(super) fn unknown_key(
    src: &Source<'_>,
    key: &Key<'_>,
    section: Section<'_>,
    allowed: &[&str],
    home: Option<&str>,
) -> ConfigError {
    let name = key_name(key);
    let hint = match home {
        Some(home) => format!("`{name}` belongs in {home}; "),
        None => closest(name, allowed)
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
