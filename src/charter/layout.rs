//! The layout of a charter document, before its words are understood: tables of cells and list
//! items, each with the heading above it.
//!
//! Readers of the formats (`text`, `html`) produce a [`Layout`]; `declarations` turns it into
//! declarations. Keeping the two apart lets every format share one understanding of columns,
//! categories, names and durations.

use super::category::category_of;

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

/// The level of a title that says none (a bold line, a lead-in label, a short line of plain
/// text): below every numbered heading level.
pub(crate) const UNLEVELLED: u8 = 7;

/// The headings open above a point of a document, outermost first, each with its level (1 for
/// `<h1>` or `#`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Headings {
    open: Vec<(u8, String)>,
    current: Option<String>,
}

impl Headings {
    /// A heading of `level`: it closes the open headings at its level and deeper.
    pub(crate) fn enter(&mut self, level: u8, text: String) {
        let kept = self.open.partition_point(|(open, _)| *open < level);
        self.open.truncate(kept);
        self.open.push((level, text));
        self.current = self.filing();
    }

    /// The heading what follows is filed under; see [`Headings::enter`].
    pub(crate) fn current(&self) -> Option<String> {
        self.current.clone()
    }

    /// The nearest heading; when it names no category but an enclosing one does, both
    /// ("Cookies de mesure d'audience › Matomo"): a service's sub-heading keeps the category
    /// of the section it stands in.
    fn filing(&self) -> Option<String> {
        let (_, nearest) = self.open.last()?;
        if category_of(nearest).is_some() {
            return Some(nearest.clone());
        }
        let outer = self.open.iter().rev().skip(1).map(|(_, text)| text);
        Some(
            match outer.into_iter().find(|text| category_of(text).is_some()) {
                Some(outer) => format!("{outer} › {nearest}"),
                None => nearest.clone(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sub_heading_keeps_the_category_of_its_section() {
        let mut headings = Headings::default();
        assert_eq!(headings.current(), None);
        headings.enter(1, "Cookie policy".into());
        assert_eq!(headings.current().as_deref(), Some("Cookie policy"));
        headings.enter(2, "Analytics cookies".into());
        headings.enter(3, "Matomo".into());
        assert_eq!(
            headings.current().as_deref(),
            Some("Analytics cookies › Matomo")
        );
        // A sibling section closes the one before, and its sub-headings with it.
        headings.enter(2, "Contact".into());
        assert_eq!(headings.current().as_deref(), Some("Contact"));
        headings.enter(UNLEVELLED, "Marketing cookies:".into());
        assert_eq!(headings.current().as_deref(), Some("Marketing cookies:"));
    }
}
