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
    /// Whether local `charter` files must exist: [`load`](super::load) checks them, while
    /// `parse` stays free of I/O.
    pub(super) check_files: bool,
    lines: LineStarts,
}

impl<'a> Source<'a> {
    pub(super) fn new(text: &'a str, path: &'a Path, check_files: bool) -> Self {
        Source {
            text,
            path,
            check_files,
            lines: LineStarts::new(text),
        }
    }

    pub(super) fn error_at(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.lines.line_column(self.text, span.start);
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

    /// The 1-based line of `span`; called for every target, so it must not rescan the text.
    pub(super) fn line_of(&self, span: &Range<usize>) -> usize {
        self.lines.line(span.start)
    }

    /// Relative charter paths are written from the point of view of the
    /// config file, not of wherever the tool happens to be started.
    pub(super) fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }
}

/// Where each line of a text starts, so that a byte offset becomes a line by binary search.
/// Counting newlines from the start for every located key made loading a file of 40,000
/// targets take 44 s (each target's name is located to report duplicates).
pub(super) struct LineStarts(Vec<usize>);

impl LineStarts {
    pub(super) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(newline, _)| newline + 1))
            .collect();
        Self(starts)
    }

    /// The 1-based line holding byte `offset`.
    pub(super) fn line(&self, offset: usize) -> usize {
        // The first line starts at 0, so at least one start is at or before any offset.
        self.0.partition_point(|&start| start <= offset).max(1)
    }

    /// Converts a byte offset of `text` (the text this index was made from) into a 1-based
    /// line and a 1-based column counted in characters, which is what editors expect.
    pub(super) fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line(offset);
        let line_start = self.0.get(line - 1).copied().unwrap_or(0).min(offset);
        let column = text[line_start..offset].chars().count() + 1;
        (line, column)
    }
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
