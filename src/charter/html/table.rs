//! Reading one HTML table into a grid of cells, spanning cells expanded.

use scraper::ElementRef;

use super::rendering::{cell_text, heading_text};
use crate::charter::category::category_of;
use crate::charter::layout::RawTable;

/// Most columns one cell may span: browsers allow 1000, charters never need more than a few.
pub(super) const MAX_COLSPAN: usize = 20;

/// Columns beyond this one do not carry row spans: cookie tables are narrow, and padding every
/// row up to a far column would let one wide row multiply the size of the rows below it.
const MAX_SPANNED_COLUMN: usize = 64;

/// Most rows one cell may span (also what `rowspan="0"`, "to the end of the section", means).
pub(super) const MAX_ROWSPAN: usize = 100;

/// Bytes of text a page may copy into the positions covered by spanning cells; beyond it they
/// stay empty, so a page of huge spanning cells cannot multiply its size in memory.
pub(super) const SPAN_COPY_BUDGET: usize = 8 << 20;

/// A cell's text carried down into the rows its `rowspan` covers.
struct Span {
    text: String,
    rows_left: usize,
}

/// A row being read; `has_own_text` tells a real row from one made only of spanned copies.
#[derive(Default)]
struct OpenRow {
    cells: Vec<String>,
    has_own_text: bool,
}

#[derive(Default)]
pub(super) struct OpenCell {
    pub(super) text: String,
    colspan: usize,
    rowspan: usize,
}

/// The outermost table being read.
///
/// Spanning cells are expanded into a grid (their text repeated in every position they cover),
/// so a provider written once with `rowspan` still stands in its column on every row.
#[derive(Default)]
pub(super) struct OpenTable {
    heading: Option<String>,
    pub(super) caption: String,
    pub(super) in_caption: bool,
    rows: Vec<Vec<String>>,
    row: Option<OpenRow>,
    pub(super) cell: Option<OpenCell>,
    /// By column: the span coming down from a row above, if any.
    spans: Vec<Option<Span>>,
    copy_budget: usize,
}

impl OpenTable {
    pub(super) fn new(heading: Option<String>, copy_budget: usize) -> Self {
        OpenTable {
            heading,
            copy_budget,
            ..OpenTable::default()
        }
    }

    /// Row groups (`thead`, `tbody`, `tfoot`) bound row spans.
    pub(super) fn start_group(&mut self) {
        self.end_row();
        self.spans.clear();
    }

    pub(super) fn start_row(&mut self) {
        self.end_row();
        self.row = Some(OpenRow::default());
    }

    pub(super) fn end_row(&mut self) {
        self.end_cell();
        let Some(mut row) = self.row.take() else {
            return;
        };
        // Spans to the right of the row's last cell still occupy their columns.
        if let Some(last) = self.spans.iter().rposition(Option::is_some) {
            while row.cells.len() <= last {
                if !self.fill_span(&mut row) {
                    row.cells.push(String::new());
                }
            }
        }
        if row.has_own_text {
            self.rows.push(row.cells);
        }
    }

    pub(super) fn start_cell(&mut self, colspan: usize, rowspan: usize) {
        self.end_cell();
        self.row.get_or_insert_with(OpenRow::default);
        self.cell = Some(OpenCell {
            text: String::new(),
            colspan,
            rowspan,
        });
    }

    pub(super) fn end_cell(&mut self) {
        let Some(cell) = self.cell.take() else {
            return;
        };
        let mut row = self.row.take().unwrap_or_default();
        while self.fill_span(&mut row) {}
        let text = cell_text(&cell.text);
        row.has_own_text |= !text.is_empty();
        for copy in 0..cell.colspan {
            let column = row.cells.len();
            if cell.rowspan > 1 && column < MAX_SPANNED_COLUMN {
                let carried = self.copy(&text);
                self.set_span(column, carried, cell.rowspan - 1);
            }
            let value = if copy == 0 {
                text.clone()
            } else {
                self.copy(&text)
            };
            row.cells.push(value);
        }
        self.row = Some(row);
    }

    /// Puts the span coming down into the row's next column, if there is one.
    fn fill_span(&mut self, row: &mut OpenRow) -> bool {
        let column = row.cells.len();
        let Some(slot) = self.spans.get_mut(column) else {
            return false;
        };
        let Some(span) = slot.as_mut() else {
            return false;
        };
        span.rows_left = span.rows_left.saturating_sub(1);
        let text = if span.rows_left == 0 {
            let text = slot.take().map(|span| span.text).unwrap_or_default();
            // Expired spans at the end are forgotten, so rows stop being padded to them.
            while self.spans.last().is_some_and(Option::is_none) {
                self.spans.pop();
            }
            text
        } else {
            let text = span.text.clone();
            self.charge(text)
        };
        row.cells.push(text);
        true
    }

    fn set_span(&mut self, column: usize, text: String, rows_left: usize) {
        if column >= MAX_SPANNED_COLUMN {
            return;
        }
        if self.spans.len() <= column {
            self.spans.resize_with(column + 1, || None);
        }
        if let Some(slot) = self.spans.get_mut(column) {
            *slot = Some(Span { text, rows_left });
        }
    }

    fn copy(&mut self, text: &str) -> String {
        self.charge(text.to_owned())
    }

    /// `text` if the page's copy budget still allows it, else an empty cell.
    fn charge(&mut self, text: String) -> String {
        if text.len() <= self.copy_budget {
            self.copy_budget -= text.len();
            text
        } else {
            String::new()
        }
    }

    pub(super) fn finish(mut self) -> (Option<RawTable>, usize) {
        self.end_row();
        if self.rows.is_empty() {
            return (None, self.copy_budget);
        }
        let caption = heading_text(&self.caption);
        let table = RawTable {
            // A caption naming a category is the nearest; one that names none ("Cookies set by
            // our toolbar") leaves the heading above the table in charge.
            heading: caption
                .filter(|caption| category_of(caption).is_some())
                .or(self.heading),
            rows: self.rows,
        };
        (Some(table), self.copy_budget)
    }
}

/// A `colspan`/`rowspan` attribute, clamped; `zero` is what 0 means for it.
pub(super) fn span_attribute(
    element: ElementRef<'_>,
    name: &str,
    zero: usize,
    max: usize,
) -> usize {
    match element
        .value()
        .attr(name)
        .map(|v| v.trim().parse::<usize>())
    {
        Some(Ok(0)) => zero,
        Some(Ok(n)) => n.min(max),
        _ => 1,
    }
}
