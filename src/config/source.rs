//! The text of `targets.toml` with its path, so that a byte span becomes a line and column.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::error::ConfigError;

/// The text being checked together with its path, so that any check can turn
/// a byte span into a located [`ConfigError`].
pub(super) struct Source<'a> {
    pub(super) text: &'a str,
    pub(super) path: &'a Path,
}

impl Source<'_> {
    pub(super) fn error_at(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError {
            path: self.path.to_owned(),
            line,
            column,
            message: message.into(),
            help: None,
        }
    }

    pub(super) fn syntax_error(&self, err: &toml::de::Error) -> ConfigError {
        let span = err.span().unwrap_or(0..0);
        let repeated = self.text.get(span.clone()).unwrap_or_default();
        // toml names neither the repeated key nor a fix for this common slip.
        if err.message() == "duplicate key" && !repeated.is_empty() {
            return self
                .error_at(span, format!("duplicate key `{repeated}`"))
                .with_help("a key or [table] may be defined only once; keep one of them");
        }
        self.error_at(span, err.message())
    }

    pub(super) fn line_of(&self, span: &Range<usize>) -> usize {
        line_column(self.text, span.start).0
    }

    /// Relative charter paths are written from the point of view of the
    /// config file, not of wherever the tool happens to be started.
    pub(super) fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }
}

/// Converts a byte offset into a 1-based line and a 1-based column counted in
/// characters, which is what editors expect.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

pub(super) type Key<'i> = Spanned<DeString<'i>>;
pub(super) type Value<'i> = Spanned<DeValue<'i>>;

pub(super) fn key_name<'a>(key: &'a Key<'_>) -> &'a str {
    key.get_ref()
}

/// toml stores keys sorted by name; checking them in file order makes the
/// reported error the first one the user would run into.
pub(super) fn in_file_order<'t, 'i>(table: &'t DeTable<'i>) -> Vec<(&'t Key<'i>, &'t Value<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}
