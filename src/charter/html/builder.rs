//! The visitor that builds a page's layout: tables, list items, the heading above each, the
//! portal URL, and the plain text left for the text reader.

use scraper::ElementRef;

use super::rendering::{
    collapse, heading_level, heading_text, is_block, is_heading, is_list, is_structured,
};
use super::table::{MAX_COLSPAN, MAX_ROWSPAN, OpenTable, SPAN_COPY_BUDGET, span_attribute};
use super::walk::Visitor;
use crate::charter::layout::{Headings, Layout, RawItem, RawTable};

/// Where the text of a list element goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Item(usize),
    Term(usize),
    Definition(usize),
    /// A nested list inside an item: its stray text is not the item's.
    Void,
}

/// An element whose text is being gathered for an item.
struct Collector<'a> {
    owner: ElementRef<'a>,
    role: Role,
    text: String,
}

/// A `<dl>` being read: the last term waits for its definitions.
struct DefinitionList<'a> {
    owner: ElementRef<'a>,
    /// The last term's text and its reserved item slot.
    term: Option<(String, usize)>,
    /// Whether a definition already carried the term; otherwise it becomes an item alone.
    term_used: bool,
}

/// An open `<code>` inside an item: where its opening backtick is.
struct CodeSpan<'a> {
    owner: ElementRef<'a>,
    collector: usize,
    start: usize,
}

/// The visitor that builds the layout.
#[derive(Default)]
pub(super) struct Builder<'a> {
    tables: Vec<RawTable>,
    /// Slots reserved in document order when an item opens; `None` when it turned out empty.
    items: Vec<Option<RawItem>>,
    portal_url: Option<String>,
    headings: Headings,
    /// The level of the heading element being read.
    heading_level: u8,
    heading_depth: usize,
    heading_text: String,
    /// The last paragraph of text outside tables, headings and lists since the last heading or
    /// table: a table's lead-in ("**Cookies strictement nécessaires :** sans eux…").
    paragraph: String,
    /// A block began since `paragraph` got text: the next text starts a new paragraph.
    paragraph_ended: bool,
    /// The last lead-in label since the last heading, table or list, when prose came after it
    /// (Cookiebot: "Necessary (5)", then a paragraph of description, then the table).
    label: Option<String>,
    table: Option<OpenTable>,
    table_depth: usize,
    collectors: Vec<Collector<'a>>,
    lists: Vec<DefinitionList<'a>>,
    code_spans: Vec<CodeSpan<'a>>,
    pre_depth: usize,
    span_budget: usize,
    /// Plain-text rendering of everything outside tables and lists, for the text reader.
    fallback: String,
    /// The `<code>` element whose text the fallback is marking with backticks (a name in
    /// prose: "Matomo sets <code>_pk_id*</code>").
    fallback_code: Option<ElementRef<'a>>,
    fallback_off: usize,
}

impl<'a> Visitor<'a> for Builder<'a> {
    fn open(&mut self, element: ElementRef<'a>) {
        let name = element.value().name();
        if is_block(name) {
            self.line_break();
            self.paragraph_ended = true;
        }
        if let Some(level) = heading_level(name) {
            self.open_heading(level);
            self.paragraph.clear();
            self.label = None;
        }
        match name {
            "table" => self.open_table(),
            "caption" if self.table_depth == 1 => {
                self.with_table(|table| table.in_caption = true);
            }
            "tr" => self.open_row(),
            "td" | "th" => self.open_cell(element),
            "thead" | "tbody" | "tfoot" if self.table_depth == 1 => {
                self.with_table(OpenTable::start_group);
            }
            "br" => self.line_break(),
            "pre" => self.pre_depth += 1,
            "code" => self.open_code(element),
            "li" => self.open_collector(element, Role::Item),
            "dt" => self.open_collector(element, Role::Term),
            "dd" => self.open_collector(element, Role::Definition),
            _ => {}
        }
        if is_list(name) {
            self.open_list(element);
        }
        if is_structured(name) {
            self.fallback_off += 1;
        }
    }

    fn close(&mut self, element: ElementRef<'a>) {
        let name = element.value().name();
        if is_structured(name) {
            self.fallback_off = self.fallback_off.saturating_sub(1);
        }
        match name {
            "table" => self.close_table(),
            "caption" if self.table_depth == 1 => {
                self.with_table(|table| table.in_caption = false);
            }
            "tr" if self.table_depth == 1 => self.with_table(OpenTable::end_row),
            "td" | "th" if self.table_depth == 1 => self.with_table(OpenTable::end_cell),
            "pre" => self.pre_depth = self.pre_depth.saturating_sub(1),
            "code" => self.close_code(element),
            "li" | "dt" | "dd" => self.close_collector(element),
            _ => {}
        }
        if is_list(name) {
            self.close_list(element);
        }
        if is_heading(name) {
            self.close_heading();
        }
        if is_block(name) {
            self.line_break();
        }
    }

    fn text(&mut self, text: &str) {
        if self.table_depth == 0 && self.portal_url.is_none() {
            self.portal_url = crate::charter::text::first_url(text).map(str::to_owned);
        }
        if self.heading_depth > 0 {
            self.heading_text.push_str(text);
        } else if self.table_depth == 0 && self.collectors.is_empty() {
            self.paragraph_text(text);
        }
        if self.table_depth > 0 {
            self.table_text(text);
            return;
        }
        if let Some(collector) = self.collectors.last_mut()
            && collector.role != Role::Void
        {
            collector.text.push_str(text);
        }
        self.fallback_text(text);
    }
}

impl<'a> Builder<'a> {
    pub(super) fn new() -> Self {
        Builder {
            span_budget: SPAN_COPY_BUDGET,
            ..Builder::default()
        }
    }

    pub(super) fn finish(self) -> Layout {
        let unrendered = crate::charter::text::layout(&self.fallback);
        let mut tables = self.tables;
        tables.extend(unrendered.tables);
        // The text reader's items here are cookies described in paragraphs of their own
        // (lists were read above, and the text rendering leaves them out).
        let mut items: Vec<RawItem> = self.items.into_iter().flatten().collect();
        items.extend(unrendered.items);
        Layout {
            tables,
            items,
            mentions: unrendered.mentions,
            portal_url: self.portal_url.or(unrendered.portal_url),
        }
    }

    fn with_table(&mut self, change: impl FnOnce(&mut OpenTable)) {
        if let Some(table) = self.table.as_mut() {
            change(table);
        }
    }

    // --- headings

    fn open_heading(&mut self, level: u8) {
        self.heading_depth += 1;
        if self.heading_depth == 1 {
            self.heading_level = level;
            self.heading_text.clear();
            // A Markdown heading line, so the text reader files unrendered tables under it.
            if self.fallback_off == 0 {
                let marks = "######";
                self.fallback
                    .push_str(&marks[..usize::from(level).min(marks.len())]);
                self.fallback.push(' ');
            }
        }
    }

    fn close_heading(&mut self) {
        self.heading_depth = self.heading_depth.saturating_sub(1);
        if self.heading_depth == 0
            && let Some(text) = heading_text(&self.heading_text)
        {
            self.headings.enter(self.heading_level, text);
        }
    }

    // --- lead-in paragraphs

    fn paragraph_text(&mut self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        if std::mem::take(&mut self.paragraph_ended) {
            if let Some(label) = crate::charter::text::lead_in(&self.paragraph) {
                self.label = Some(label);
            }
            self.paragraph.clear();
        }
        // Only a lead-in's first words matter; a long paragraph is cut, not kept whole.
        if self.paragraph.len() < MAX_LEAD_IN_BYTES {
            self.paragraph.push_str(text);
        }
    }

    /// The lead-in of what comes next: the paragraph just before it, else the last label.
    fn lead_in(&self) -> Option<String> {
        crate::charter::text::lead_in(&self.paragraph).or_else(|| self.label.clone())
    }

    // --- tables

    fn open_table(&mut self) {
        self.table_depth += 1;
        if self.table_depth == 1 {
            let budget = std::mem::take(&mut self.span_budget);
            // A lead-in naming a category is nearer the table than the heading above both.
            let context = self.lead_in().or_else(|| self.headings.current());
            self.paragraph.clear();
            self.label = None;
            self.table = Some(OpenTable::new(context, budget));
        }
    }

    fn close_table(&mut self) {
        if self.table_depth == 1
            && let Some(open) = self.table.take()
        {
            self.paragraph.clear();
            self.label = None;
            let (table, budget_left) = open.finish();
            self.span_budget = budget_left;
            self.tables.extend(table);
        }
        self.table_depth = self.table_depth.saturating_sub(1);
    }

    fn open_row(&mut self) {
        if self.table_depth == 1 {
            self.with_table(OpenTable::start_row);
        }
    }

    fn open_cell(&mut self, element: ElementRef<'a>) {
        match self.table_depth {
            0 => {}
            1 => {
                let colspan = span_attribute(element, "colspan", 1, MAX_COLSPAN);
                let rowspan = span_attribute(element, "rowspan", MAX_ROWSPAN, MAX_ROWSPAN);
                self.with_table(|table| table.start_cell(colspan, rowspan));
            }
            // A nested table is part of its outer cell: its cells become words of one line.
            _ => self.cell_push(" "),
        }
    }

    fn cell_push(&mut self, text: &str) {
        if let Some(cell) = self.table.as_mut().and_then(|t| t.cell.as_mut()) {
            cell.text.push_str(text);
        }
    }

    fn table_text(&mut self, text: &str) {
        let in_pre = self.pre_depth > 0;
        let Some(table) = self.table.as_mut() else {
            return;
        };
        if let Some(cell) = table.cell.as_mut() {
            // Source line breaks are spaces for the browser; only `<br>`, blocks and `<pre>`
            // break a cell's lines.
            cell.text.extend(text.chars().map(|c| match c {
                '\n' if in_pre => '\n',
                c if c.is_whitespace() => ' ',
                c => c,
            }));
        } else if table.in_caption {
            table.caption.push_str(text);
        }
    }

    // --- items

    /// Reserves the item's slot now, so that a parent item precedes the items nested in it.
    fn open_collector(&mut self, owner: ElementRef<'a>, role: fn(usize) -> Role) {
        if self.table_depth > 0 {
            return;
        }
        let slot = self.items.len();
        // "Catégorie : mesure d'audience" just before the list files its items as a heading would.
        let context = self.lead_in().or_else(|| self.headings.current());
        self.items.push(Some(RawItem {
            heading: context,
            text: String::new(),
        }));
        self.collectors.push(Collector {
            owner,
            role: role(slot),
            text: String::new(),
        });
    }

    fn close_collector(&mut self, owner: ElementRef<'a>) {
        if self.collectors.last().is_none_or(|c| c.owner != owner) {
            return;
        }
        let Some(collector) = self.collectors.pop() else {
            return;
        };
        let text = collapse(&collector.text);
        match collector.role {
            Role::Item(slot) => self.fill(slot, text),
            Role::Term(slot) => self.close_term(slot, text),
            Role::Definition(slot) => self.close_definition(slot, text),
            Role::Void => {}
        }
    }

    /// Gives a reserved slot its text, or drops it when there is none.
    fn fill(&mut self, slot: usize, text: String) {
        if let Some(entry) = self.items.get_mut(slot) {
            match entry {
                Some(item) if !text.is_empty() => item.text = text,
                _ => *entry = None,
            }
        }
    }

    fn close_term(&mut self, slot: usize, text: String) {
        let Some(list) = self.lists.last_mut() else {
            // A term outside any `<dl>`: nothing can pair with it.
            self.fill(slot, text);
            return;
        };
        let previous = list.term.replace((text, slot));
        let previous_used = std::mem::replace(&mut list.term_used, false);
        self.settle_term(previous, previous_used);
    }

    /// A term that no definition carried becomes an item of its own.
    fn settle_term(&mut self, term: Option<(String, usize)>, used: bool) {
        if let Some((text, slot)) = term {
            self.fill(slot, if used { String::new() } else { text });
        }
    }

    fn close_definition(&mut self, slot: usize, definition: String) {
        let list = self.lists.last_mut();
        let text = match list {
            Some(DefinitionList {
                term: Some((term, _)),
                term_used,
                ..
            }) if !term.is_empty() && !definition.is_empty() => {
                *term_used = true;
                format!("{term}: {definition}")
            }
            _ => definition,
        };
        self.fill(slot, text);
    }

    fn open_list(&mut self, owner: ElementRef<'a>) {
        if self.table_depth > 0 {
            return;
        }
        if !self.collectors.is_empty() {
            self.collectors.push(Collector {
                owner,
                role: Role::Void,
                text: String::new(),
            });
        }
        if owner.value().name() == "dl" {
            self.lists.push(DefinitionList {
                owner,
                term: None,
                term_used: false,
            });
        }
    }

    fn close_list(&mut self, owner: ElementRef<'a>) {
        if self.collectors.last().is_some_and(|c| c.owner == owner) {
            self.collectors.pop();
        }
        if self.lists.last().is_some_and(|list| list.owner == owner)
            && let Some(list) = self.lists.pop()
        {
            self.settle_term(list.term, list.term_used);
        }
        if self.collectors.is_empty() {
            // The lead-in was the list's; a table after it has none.
            self.paragraph.clear();
            self.label = None;
        }
    }

    /// Inline code in an item keeps backticks, as the text reader's items do.
    fn open_code(&mut self, owner: ElementRef<'a>) {
        if self.table_depth > 0 {
            return;
        }
        let in_prose = self.collectors.is_empty() && self.pre_depth == 0 && self.fallback_off == 0;
        if in_prose && self.fallback_code.is_none() {
            self.fallback.push('`');
            self.fallback_code = Some(owner);
        }
        let index = self.collectors.len().wrapping_sub(1);
        // `<code>` inside `<code>` adds nothing but a second pair of backticks.
        if self
            .code_spans
            .last()
            .is_some_and(|span| span.collector == index)
        {
            return;
        }
        if let Some(collector) = self.collectors.last_mut()
            && collector.role != Role::Void
        {
            collector.text.push('`');
            self.code_spans.push(CodeSpan {
                owner,
                collector: index,
                start: collector.text.len(),
            });
        }
    }

    fn close_code(&mut self, owner: ElementRef<'a>) {
        if self.fallback_code == Some(owner) {
            self.fallback.push('`');
            self.fallback_code = None;
        }
        if self
            .code_spans
            .last()
            .is_none_or(|span| span.owner != owner)
        {
            return;
        }
        let Some(span) = self.code_spans.pop() else {
            return;
        };
        if let Some(collector) = self.collectors.get_mut(span.collector) {
            close_backtick(&mut collector.text, span.start);
        }
    }

    // --- text and breaks

    /// A `<br>` or block boundary: a line break in cells and the fallback, a space in
    /// headings, captions and items (they are one line each).
    fn line_break(&mut self) {
        if self.heading_depth > 0 {
            self.heading_text.push(' ');
        }
        if self.table_depth > 0 {
            if let Some(table) = self.table.as_mut() {
                if let Some(cell) = table.cell.as_mut() {
                    cell.text.push('\n');
                } else if table.in_caption {
                    table.caption.push(' ');
                }
            }
            return;
        }
        if let Some(collector) = self.collectors.last_mut() {
            collector.text.push(' ');
        }
        if self.fallback_off == 0 {
            if self.heading_depth > 0 {
                self.fallback.push(' ');
            } else {
                self.fallback_newline();
            }
        }
    }

    fn fallback_text(&mut self, text: &str) {
        if self.fallback_off > 0 {
            return;
        }
        let keep_layout = self.pre_depth > 0;
        for c in text.chars() {
            match c {
                '\n' | '\r' if self.heading_depth > 0 => self.fallback.push(' '),
                '\n' => self.fallback_newline(),
                '\r' => {}
                // Source indentation is not content, but inside `<pre>` it may be a cell.
                c if c.is_whitespace() && !keep_layout && self.at_line_start() => {}
                c => self.fallback.push(c),
            }
        }
    }

    fn at_line_start(&self) -> bool {
        self.fallback.is_empty() || self.fallback.ends_with('\n')
    }

    fn fallback_newline(&mut self) {
        if self.pre_depth == 0 {
            let kept = self.fallback.trim_end_matches([' ', '\t']).len();
            self.fallback.truncate(kept);
        }
        // Blank lines mean nothing to the text reader's tables; a deep nest of blocks must not
        // pile them up.
        if !self.fallback.ends_with("\n\n") {
            self.fallback.push('\n');
        }
    }
}

/// At most this much of a paragraph is kept to look for a lead-in label.
const MAX_LEAD_IN_BYTES: usize = 1_000;

/// Ends a code span opened at `start` (just past its backtick): trims the code, closes it, or
/// removes the opening backtick when the span was empty.
fn close_backtick(text: &mut String, start: usize) {
    if start == 0 || start > text.len() || !text.is_char_boundary(start) {
        return;
    }
    let code = &text[start..];
    let leading = code.len() - code.trim_start().len();
    if leading > 0 {
        text.drain(start..start + leading);
    }
    let end = text.trim_end().len().max(start);
    text.truncate(end);
    if text.len() == start {
        text.truncate(start - 1);
    } else {
        text.push('`');
    }
}
