//! The layout of a charter document, before its words are understood: tables of cells and list
//! items, each with the heading above it.
//!
//! Readers of the formats (`text`, `html`) produce a [`Layout`]; `declarations` turns it into
//! declarations. Keeping the two apart lets every format share one understanding of columns,
//! categories, names and durations.

/// A table as laid out in a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawTable {
    /// The nearest heading above the table (a Markdown `#` line, an HTML `<h1>`–`<h6>`, or a
    /// short title line of plain text), if any.
    pub heading: Option<String>,
    /// Rows of cells in document order, header row(s) included, cells trimmed. A line break
    /// inside a cell (`<br>`, one name per line) is kept as `'\n'`.
    pub rows: Vec<Vec<String>>,
}

/// One item of a list, e.g. "`_ga`: distinguishes users, 13 months".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawItem {
    /// The nearest heading above the list, if any.
    pub heading: Option<String>,
    /// The item's text, its marker (`-`, `*`, `•`, `1.`) removed; inline code keeps its
    /// backticks in text documents and is rendered as `` `name` `` from HTML `<code>`.
    pub text: String,
}

/// Everything a reader found in one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Tables, in document order.
    pub tables: Vec<RawTable>,
    /// List items, in document order.
    pub items: Vec<RawItem>,
    /// Names marked as code in running prose ("Matomo sets `_pk_id*` and `_pk_ses*`"), each
    /// as an item of its own with the sentence as its text: read only for names nothing else
    /// declares.
    pub mentions: Vec<RawItem>,
    /// The portal the charter says it is about ("…sur la plateforme <https://data.bep.be>"),
    /// the first absolute http(s) URL of the text outside tables, if any.
    pub portal_url: Option<String>,
}
