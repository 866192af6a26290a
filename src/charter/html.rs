//! Layout reader for HTML charter pages.
//!
//! A charter page is mostly chrome: a header with menus, a consent banner, a footer that may
//! itself be a layout table. The reader picks the part of the page that holds the charter (a
//! `main` or `article` with a table or list in it, else the whole body), then walks it once, in
//! document order, without recursion (pages nest thousands of levels deep and weigh megabytes),
//! collecting tables, list items and the heading above each. Text that is neither table nor list
//! is rendered as plain text and handed to the text reader, which finds Markdown or
//! tab-separated tables that a CMS left unrendered in `<pre>` or `<p>`.

use std::borrow::Cow;

use scraper::{ElementRef, Html, Node};

use super::layout::{Layout, RawItem, RawTable};

/// Id or class fragments that mark a cookie banner or consent dialog, in lower case. The last
/// ones are widespread consent managers whose panels list cookies but are not the charter.
const BANNER_MARKERS: &[&str] = &[
    "cookie-banner",
    "cookie-consent",
    "consent",
    "cookiebar",
    "cc-banner",
    "ods-cookie",
    "tarteaucitron",
    "didomi",
    "axeptio",
    "cookiebot",
];

/// The tables, list items and portal URL of an HTML charter page.
pub fn layout(html: &str) -> Layout {
    let document = Html::parse_document(html);
    let page = document.root_element();
    let mut builder = Builder::new();
    for root in reading_roots(page) {
        walk(root, &mut builder);
    }
    builder.finish()
}

/// Receives a page in document order: each element opened and closed, text in between.
trait Visitor<'a> {
    fn open(&mut self, element: ElementRef<'a>);
    fn close(&mut self, element: ElementRef<'a>);
    fn text(&mut self, text: &str);
}

/// Visits everything under `root` (itself included) except the ignored parts, iteratively.
fn walk<'a>(root: ElementRef<'a>, visitor: &mut impl Visitor<'a>) {
    let mut chrome = Chrome::default();
    let mut node = *root;
    loop {
        let entered = match node.value() {
            Node::Text(text) => {
                visitor.text(text);
                None
            }
            Node::Element(_) => ElementRef::wrap(node).filter(|element| !chrome.hides(*element)),
            _ => None,
        };
        if let Some(element) = entered {
            chrome.enter(element);
            visitor.open(element);
            if let Some(child) = node.first_child() {
                node = child;
                continue;
            }
            chrome.leave(element);
            visitor.close(element);
        }
        // Climb until a next sibling, closing every element left on the way.
        loop {
            if node == *root {
                return;
            }
            if let Some(sibling) = node.next_sibling() {
                node = sibling;
                break;
            }
            let Some(parent) = node.parent() else {
                return;
            };
            node = parent;
            if let Some(element) = ElementRef::wrap(node) {
                chrome.leave(element);
                visitor.close(element);
            }
        }
    }
}

/// Decides which elements are page chrome rather than content.
#[derive(Default)]
struct Chrome {
    /// Open `main`, `article`, `section`… elements: a `header` inside one is that section's
    /// header (it may hold the charter's title), not the page banner.
    landmarks: usize,
}

impl Chrome {
    fn hides(&self, element: ElementRef<'_>) -> bool {
        let element = element.value();
        let name = element.name();
        match name {
            "script" | "style" | "template" | "noscript" | "svg" | "math" | "head" | "iframe"
            | "object" | "canvas" | "textarea" | "select" | "nav" | "footer" | "aside" => true,
            "header" => self.landmarks == 0,
            // Never hide the whole page or its content because of a class name such as
            // `<body class="has-consent">`.
            "html" | "body" | "main" | "article" => false,
            _ => {
                matches!(
                    element.attr("role").map(str::trim),
                    Some("navigation" | "banner" | "contentinfo" | "complementary")
                ) || names_banner(name)
                    || element.attr("id").is_some_and(names_banner)
                    || element.attr("class").is_some_and(names_banner)
            }
        }
    }

    fn enter(&mut self, element: ElementRef<'_>) {
        if is_landmark(element) {
            self.landmarks += 1;
        }
    }

    fn leave(&mut self, element: ElementRef<'_>) {
        if is_landmark(element) {
            self.landmarks = self.landmarks.saturating_sub(1);
        }
    }
}

fn is_landmark(element: ElementRef<'_>) -> bool {
    matches!(
        element.value().name(),
        "main" | "article" | "section" | "aside" | "nav"
    ) || is_main_role(element)
}

fn is_main_role(element: ElementRef<'_>) -> bool {
    element
        .value()
        .attr("role")
        .is_some_and(|role| role.trim().eq_ignore_ascii_case("main"))
}

fn names_banner(value: &str) -> bool {
    let value = if value.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(value.to_ascii_lowercase())
    } else {
        Cow::Borrowed(value)
    };
    BANNER_MARKERS.iter().any(|marker| value.contains(marker))
}

/// Where the charter is: the outermost `main`, `[role=main]` or `article` elements that hold a
/// table or list, else the whole page.
fn reading_roots(page: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    let mut finder = RootFinder::default();
    walk(page, &mut finder);
    if finder.roots.is_empty() {
        vec![page]
    } else {
        finder.roots
    }
}

#[derive(Default)]
struct RootFinder<'a> {
    open: Option<ElementRef<'a>>,
    open_is_root: bool,
    roots: Vec<ElementRef<'a>>,
}

impl<'a> Visitor<'a> for RootFinder<'a> {
    fn open(&mut self, element: ElementRef<'a>) {
        let name = element.value().name();
        if self.open.is_none() && (matches!(name, "main" | "article") || is_main_role(element)) {
            self.open = Some(element);
            self.open_is_root = false;
        } else if matches!(name, "table" | "ul" | "ol" | "dl")
            && let Some(candidate) = self.open
            && !self.open_is_root
        {
            self.roots.push(candidate);
            self.open_is_root = true;
        }
    }

    fn close(&mut self, element: ElementRef<'a>) {
        if self.open == Some(element) {
            self.open = None;
        }
    }

    fn text(&mut self, _text: &str) {}
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// Elements a browser lays out on their own lines.
fn is_block(name: &str) -> bool {
    is_heading(name)
        || matches!(
            name,
            "address"
                | "article"
                | "aside"
                | "blockquote"
                | "body"
                | "caption"
                | "center"
                | "dd"
                | "details"
                | "dialog"
                | "div"
                | "dl"
                | "dt"
                | "fieldset"
                | "figcaption"
                | "figure"
                | "footer"
                | "form"
                | "header"
                | "hr"
                | "html"
                | "legend"
                | "li"
                | "main"
                | "menu"
                | "nav"
                | "ol"
                | "p"
                | "pre"
                | "section"
                | "summary"
                | "table"
                | "tbody"
                | "tfoot"
                | "thead"
                | "tr"
                | "ul"
        )
}

/// Elements read by the table and list collectors, hence kept out of the text fallback.
fn is_structured(name: &str) -> bool {
    matches!(
        name,
        "table" | "ul" | "ol" | "menu" | "dl" | "li" | "dt" | "dd"
    )
}

fn is_list(name: &str) -> bool {
    matches!(name, "ul" | "ol" | "menu" | "dl")
}

/// Collapses every run of whitespace (no-break spaces included) into one space, trimmed.
fn collapse(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ")
}

/// A cell's text: one line per `'\n'`, each collapsed, empty lines dropped.
fn cell_text(raw: &str) -> String {
    let lines: Vec<String> = raw
        .split('\n')
        .map(collapse)
        .filter(|line| !line.is_empty())
        .collect();
    lines.join("\n")
}

fn heading_text(raw: &str) -> Option<String> {
    let text = collapse(raw);
    if text.is_empty() {
        return None;
    }
    Some(super::text::capped_heading(&text))
}

/// Most columns one cell may span: browsers allow 1000, charters never need more than a few.
const MAX_COLSPAN: usize = 20;

/// Columns beyond this one do not carry row spans: cookie tables are narrow, and padding every
/// row up to a far column would let one wide row multiply the size of the rows below it.
const MAX_SPANNED_COLUMN: usize = 64;

/// Most rows one cell may span (also what `rowspan="0"`, "to the end of the section", means).
const MAX_ROWSPAN: usize = 100;

/// Bytes of text a page may copy into the positions covered by spanning cells; beyond it they
/// stay empty, so a page of huge spanning cells cannot multiply its size in memory.
const SPAN_COPY_BUDGET: usize = 8 << 20;

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
struct OpenCell {
    text: String,
    colspan: usize,
    rowspan: usize,
}

/// The outermost table being read.
///
/// Spanning cells are expanded into a grid (their text repeated in every position they cover),
/// so a provider written once with `rowspan` still stands in its column on every row.
#[derive(Default)]
struct OpenTable {
    heading: Option<String>,
    caption: String,
    in_caption: bool,
    rows: Vec<Vec<String>>,
    row: Option<OpenRow>,
    cell: Option<OpenCell>,
    /// By column: the span coming down from a row above, if any.
    spans: Vec<Option<Span>>,
    copy_budget: usize,
}

impl OpenTable {
    fn new(heading: Option<String>, copy_budget: usize) -> Self {
        OpenTable {
            heading,
            copy_budget,
            ..OpenTable::default()
        }
    }

    /// Row groups (`thead`, `tbody`, `tfoot`) bound row spans.
    fn start_group(&mut self) {
        self.end_row();
        self.spans.clear();
    }

    fn start_row(&mut self) {
        self.end_row();
        self.row = Some(OpenRow::default());
    }

    fn end_row(&mut self) {
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

    fn start_cell(&mut self, colspan: usize, rowspan: usize) {
        self.end_cell();
        self.row.get_or_insert_with(OpenRow::default);
        self.cell = Some(OpenCell {
            text: String::new(),
            colspan,
            rowspan,
        });
    }

    fn end_cell(&mut self) {
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

    fn finish(mut self) -> (Option<RawTable>, usize) {
        self.end_row();
        if self.rows.is_empty() {
            return (None, self.copy_budget);
        }
        let caption = heading_text(&self.caption);
        let table = RawTable {
            heading: caption.or(self.heading),
            rows: self.rows,
        };
        (Some(table), self.copy_budget)
    }
}

/// A `colspan`/`rowspan` attribute, clamped; `zero` is what 0 means for it.
fn span_attribute(element: ElementRef<'_>, name: &str, zero: usize, max: usize) -> usize {
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
struct Builder<'a> {
    tables: Vec<RawTable>,
    /// Slots reserved in document order when an item opens; `None` when it turned out empty.
    items: Vec<Option<RawItem>>,
    portal_url: Option<String>,
    heading: Option<String>,
    heading_depth: usize,
    heading_text: String,
    table: Option<OpenTable>,
    table_depth: usize,
    collectors: Vec<Collector<'a>>,
    lists: Vec<DefinitionList<'a>>,
    code_spans: Vec<CodeSpan<'a>>,
    pre_depth: usize,
    span_budget: usize,
    /// Plain-text rendering of everything outside tables and lists, for the text reader.
    fallback: String,
    fallback_off: usize,
}

impl<'a> Visitor<'a> for Builder<'a> {
    fn open(&mut self, element: ElementRef<'a>) {
        let name = element.value().name();
        if is_block(name) {
            self.line_break();
        }
        if is_heading(name) {
            self.open_heading();
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
            self.portal_url = super::text::first_url(text).map(str::to_owned);
        }
        if self.heading_depth > 0 {
            self.heading_text.push_str(text);
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
    fn new() -> Self {
        Builder {
            span_budget: SPAN_COPY_BUDGET,
            ..Builder::default()
        }
    }

    fn finish(self) -> Layout {
        let unrendered = super::text::layout(&self.fallback);
        let mut tables = self.tables;
        tables.extend(unrendered.tables);
        Layout {
            tables,
            items: self.items.into_iter().flatten().collect(),
            portal_url: self.portal_url.or(unrendered.portal_url),
        }
    }

    fn with_table(&mut self, change: impl FnOnce(&mut OpenTable)) {
        if let Some(table) = self.table.as_mut() {
            change(table);
        }
    }

    // --- headings

    fn open_heading(&mut self) {
        self.heading_depth += 1;
        if self.heading_depth == 1 {
            self.heading_text.clear();
            // A Markdown heading line, so the text reader files unrendered tables under it.
            if self.fallback_off == 0 {
                self.fallback.push_str("## ");
            }
        }
    }

    fn close_heading(&mut self) {
        self.heading_depth = self.heading_depth.saturating_sub(1);
        if self.heading_depth == 0
            && let Some(text) = heading_text(&self.heading_text)
        {
            self.heading = Some(text);
        }
    }

    // --- tables

    fn open_table(&mut self) {
        self.table_depth += 1;
        if self.table_depth == 1 {
            let budget = std::mem::take(&mut self.span_budget);
            self.table = Some(OpenTable::new(self.heading.clone(), budget));
        }
    }

    fn close_table(&mut self) {
        if self.table_depth == 1
            && let Some(open) = self.table.take()
        {
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
        self.items.push(Some(RawItem {
            heading: self.heading.clone(),
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
    }

    /// Inline code in an item keeps backticks, as the text reader's items do.
    fn open_code(&mut self, owner: ElementRef<'a>) {
        if self.table_depth > 0 {
            return;
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

#[cfg(test)]
mod tests {
    use super::*;

    const NECESSARY: &str =
        "Cookies nécessaires au bon fonctionnement de la plateforme / cookies fonctionnels";

    fn column(table: &RawTable, index: usize) -> Vec<&str> {
        table
            .rows
            .iter()
            .map(|row| row.get(index).map_or("", String::as_str))
            .collect()
    }

    fn items(layout: &Layout) -> Vec<&str> {
        layout.items.iter().map(|item| item.text.as_str()).collect()
    }

    fn headings(layout: &Layout) -> Vec<Option<&str>> {
        layout
            .tables
            .iter()
            .map(|table| table.heading.as_deref())
            .collect()
    }

    #[test]
    fn older_french_template_inside_portal_chrome() {
        let layout = layout(include_str!("../../tests/fixtures/charters/odsold-fr.html"));
        assert_eq!(
            headings(&layout),
            [Some(NECESSARY), Some("Cookies de mesure d'audience")],
            "the footer's layout table and the script's markup are not tables: {:#?}",
            layout.tables
        );
        let necessary = &layout.tables[0];
        assert_eq!(
            necessary.rows[0],
            [
                "Nom du prestataire",
                "Service et emplacement",
                "Nom du cookies",
                "Finalités"
            ]
        );
        assert_eq!(
            column(necessary, 2),
            [
                "Nom du cookies",
                "sessionid",
                "django_language",
                "csrftoken",
                "cookies_preferences"
            ]
        );
        assert_eq!(
            necessary.rows[1][1],
            "Authentification\n(front et back office)"
        );
        assert_eq!(
            necessary.rows[2][1],
            "Sélection de la langue\n(front et back office)"
        );
        assert_eq!(
            necessary.rows[3][3],
            "Récupérer des données via des appels API"
        );
        assert_eq!(necessary.rows[4][0], "Opendatasoft");
        let audience = &layout.tables[1];
        assert_eq!(audience.rows[0][4], "Durée de conservation");
        assert_eq!(column(audience, 2)[1..], ["_pk_id.*", "_pk_ses.*"]);
        assert_eq!(column(audience, 4)[1..], ["13 mois", "30 minutes"]);
        assert_eq!(audience.rows[1][0], "Matomo\n(Lormeau Agglo)");
        assert_eq!(
            items(&layout),
            ["Firefox : aide de Firefox", "Chrome : aide de Chrome"],
            "menu, banner and footer lists are chrome"
        );
        assert_eq!(
            layout.items[0].heading.as_deref(),
            Some("Gérer vos préférences")
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.lormeau-agglo.fr")
        );
    }

    #[test]
    fn older_english_template_without_main_or_th() {
        let layout = layout(include_str!("../../tests/fixtures/charters/odsold-en.html"));
        assert_eq!(
            headings(&layout),
            [
                Some("Strictly necessary cookies"),
                Some("Analytics cookies")
            ],
            "banner and footer tables are chrome: {:#?}",
            layout.tables
        );
        let necessary = &layout.tables[0];
        assert_eq!(
            necessary.rows[0],
            ["Provider", "Service and location", "Cookie name", "Purpose"]
        );
        assert_eq!(necessary.rows.len(), 5, "the row of blank cells is dropped");
        assert_eq!(
            column(&layout.tables[1], 2),
            ["Cookie name", "_ga, _gid", "_ga_*"]
        );
        assert!(
            layout.items.is_empty(),
            "header and aside lists are chrome: {:#?}",
            layout.items
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.kestrelford.uk"),
            "the noscript URL is not visible text; the sentence's '?' is not the URL's"
        );
    }

    #[test]
    fn newer_default_template_one_table_per_category() {
        let layout = layout(include_str!(
            "../../tests/fixtures/charters/odsnew-default.html"
        ));
        assert_eq!(
            headings(&layout),
            [Some("Strictly necessary"), Some("Statistics")]
        );
        let necessary = &layout.tables[0];
        assert_eq!(
            necessary.rows[0],
            ["Supplier name", "Cookie name", "Duration", "Function"]
        );
        assert_eq!(
            column(necessary, 1)[1..],
            ["sessionid", "csrftoken", "cookies_preferences"]
        );
        assert_eq!(
            column(necessary, 2)[1..],
            ["2 weeks by default", "12 months", "6 months"]
        );
        let statistics = &layout.tables[1];
        assert_eq!(column(statistics, 1)[1..], ["_ga", "_ga_<container-id>"]);
        assert_eq!(statistics.rows[1][2], "Up to 12 months");
        assert!(
            layout.items.is_empty(),
            "the banner's category list is chrome: {:#?}",
            layout.items
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.vallee-orbiere.fr")
        );
    }

    #[test]
    fn list_items_with_code_nested_lists_and_definitions() {
        let layout = layout(include_str!("../../tests/fixtures/charters/list.html"));
        assert!(layout.tables.is_empty());
        assert_eq!(
            items(&layout),
            [
                "quelles informations sont déposées sur votre appareil ;",
                "pendant combien de temps elles sont conservées ;",
                "comment retirer votre consentement.",
                "`sessionid` : maintient votre session de connexion (session)",
                "`csrftoken` : protège les formulaires contre la falsification de requêtes, 12 mois",
                "`cookies_preferences` : mémorise vos choix de consentement, 6 mois",
                "`_ga`: distinguishes users, 13 months",
                "`_gid`: 24 hours",
                "Matomo",
                "_pk_id.* – Matomo visitor id (13 mois)",
                "_pk_ses.* – Matomo, visite en cours (30 minutes)",
                "`_gat`: limite le nombre de requêtes envoyées à Google Analytics, 1 minute",
            ]
        );
        let item_headings: Vec<_> = layout
            .items
            .iter()
            .map(|item| item.heading.as_deref())
            .collect();
        assert_eq!(item_headings[0], Some("Pourquoi cette page ?"));
        assert_eq!(item_headings[3], Some("Cookies nécessaires"));
        assert!(
            item_headings[6..]
                .iter()
                .all(|h| *h == Some("Statistiques"))
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.pays-de-marval.fr")
        );
    }

    #[test]
    fn dutch_charter() {
        let layout = layout(include_str!("../../tests/fixtures/charters/nl.html"));
        assert_eq!(
            headings(&layout),
            [Some("Noodzakelijke cookies"), Some("Analytische cookies")]
        );
        assert_eq!(
            layout.tables[0].rows[0],
            ["Naam", "Aanbieder", "Doel", "Bewaartermijn"]
        );
        assert_eq!(
            column(&layout.tables[0], 3)[1..],
            ["2 weken", "1 jaar", "1 jaar", "6 maanden"]
        );
        assert_eq!(
            column(&layout.tables[1], 3)[1..],
            ["13 maanden", "30 minuten"]
        );
        assert_eq!(layout.tables[1].rows[1][1], "Matomo\n(gemeente Hoogveld)");
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.gemeente-hoogveld.nl")
        );
    }

    #[test]
    fn german_charter_with_a_caption_and_role_main() {
        let layout = layout(include_str!("../../tests/fixtures/charters/de.html"));
        assert_eq!(
            headings(&layout),
            [Some("Notwendige Cookies"), Some("Statistik")],
            "the caption overrides the h2 above: {:#?}",
            layout.tables
        );
        assert_eq!(
            layout.tables[0].rows[0],
            ["Name", "Anbieter", "Zweck", "Speicherdauer"]
        );
        assert_eq!(layout.tables[0].rows[2][3], "1 Jahr");
        assert_eq!(column(&layout.tables[1], 0)[1..], ["_ga", "_gid"]);
        assert_eq!(layout.tables[1].rows[2][3], "24 Stunden");
        assert!(layout.items.is_empty(), "{:#?}", layout.items);
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://daten.stadt-lindenau.de")
        );
    }

    #[test]
    fn prose_only_charter() {
        let layout = layout(include_str!("../../tests/fixtures/charters/no-table.html"));
        assert!(layout.tables.is_empty(), "{:#?}", layout.tables);
        assert!(layout.items.is_empty(), "{:#?}", layout.items);
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.cote-des-brumes.fr")
        );
    }

    #[test]
    fn unrendered_tables_in_pre_and_p() {
        let layout = layout(include_str!("../../tests/fixtures/charters/pre-pipe.html"));
        assert_eq!(
            headings(&layout),
            [Some("Cookies fonctionnels"), Some("Mesure d'audience")]
        );
        let pipe = &layout.tables[0];
        assert_eq!(
            pipe.rows[0],
            ["Nom du prestataire", "Nom du cookie", "Finalité", "Durée"]
        );
        assert_eq!(
            column(pipe, 1)[1..],
            ["sessionid", "csrftoken", "cookies_preferences"]
        );
        assert_eq!(pipe.rows[2][3], "1 an");
        let tabs = &layout.tables[1];
        assert_eq!(column(tabs, 1)[1..], ["_pk_id.*", "_pk_ses.*"]);
        assert_eq!(tabs.rows[2][3], "30 minutes");
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.saint-avrel.fr")
        );
    }

    #[test]
    fn latin1_page_decoded_or_not() {
        let bytes = include_bytes!("../../tests/fixtures/charters/latin1.html");
        assert!(
            bytes.windows(5).any(|w| w == b"Dur\xe9e") && !bytes.contains(&0xc3),
            "the fixture must really be ISO-8859-1"
        );
        let decoded: String = bytes.iter().map(|&b| char::from(b)).collect();
        let layout = layout(&decoded);
        assert_eq!(headings(&layout), [Some("Cookies nécessaires")]);
        assert_eq!(
            layout.tables[0].rows[0],
            ["Nom du cookie", "Finalité", "Durée de conservation"]
        );
        assert_eq!(
            column(&layout.tables[0], 0)[1..],
            ["sessionid", "csrftoken", "cookies_preferences"]
        );

        let lossy = super::layout(&String::from_utf8_lossy(bytes));
        assert_eq!(lossy.tables.len(), 1);
        assert_eq!(lossy.tables[0].rows[3][0], "cookies_preferences");
        assert_eq!(
            lossy.portal_url.as_deref(),
            Some("https://data.montclair-sur-loue.fr")
        );
    }

    #[test]
    fn chrome_is_ignored_without_a_main() {
        let html = r#"<body>
            <header><h1>Portail</h1><table><tr><td>menu</td></tr></table></header>
            <nav><ul><li>Accueil</li></ul></nav>
            <div class="wrapper"><div class="Cookie-Consent-Modal"><div><table><tr><td>banner</td></tr></table></div></div></div>
            <div id="tarteaucitronRoot"><ul><li>Google Analytics</li></ul></div>
            <aside><ul><li>Voir aussi</li></ul></aside>
            <h2>Cookies</h2>
            <table><tr><td>sessionid</td></tr></table>
            <script>document.write("<table><tr><td>x</td></tr></table>")</script>
            <style>td { color: red }</style>
            <template><table><tr><td>tpl</td></tr></table></template>
            <svg><text>https://svg.example.org</text></svg>
            <footer><table><tr><td>Mentions</td></tr></table></footer>
            </body>"#;
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1, "{:#?}", layout.tables);
        assert_eq!(layout.tables[0].rows, [["sessionid"]]);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Cookies"));
        assert!(layout.items.is_empty(), "{:#?}", layout.items);
        assert_eq!(layout.portal_url, None);
    }

    #[test]
    fn a_header_inside_an_article_is_content() {
        let html = "<header><h1>Site</h1></header><article><header><h1>Charte cookies</h1></header>\
                    <table><tr><td>sessionid</td></tr></table></article>";
        let layout = layout(html);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Charte cookies"));
    }

    #[test]
    fn only_the_main_is_read_when_it_holds_a_table() {
        let html = "<div><h2>Ailleurs</h2><ul><li>hors main</li></ul>\
                    <table><tr><td>hors main</td></tr></table></div>\
                    <main><p>Portail https://data.example.org</p><ul><li>_ga</li></ul></main>";
        let layout = layout(html);
        assert!(layout.tables.is_empty(), "{:#?}", layout.tables);
        assert_eq!(items(&layout), ["_ga"]);
        assert_eq!(layout.items[0].heading, None);
    }

    #[test]
    fn a_main_without_table_or_list_does_not_narrow_the_reading() {
        let html = "<main><p>Rien</p></main><div><h2>Cookies</h2><table><tr><td>_ga</td></tr></table></div>";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1);
    }

    #[test]
    fn the_heading_is_the_nearest_one_before() {
        let html = "<table><tr><td>a</td></tr></table><h2>Un</h2><div><div><h3>Deux</h3></div></div>\
                    <table><tr><td>b</td></tr></table><h2>Trois</h2>";
        let layout = layout(html);
        assert_eq!(headings(&layout), [None, Some("Deux")]);
    }

    #[test]
    fn nested_tables_are_text_of_the_outer_cell() {
        let html = "<table><tr><td>Opendatasoft</td><td>sessionid<table><tr><td>Durée</td><td>Session</td></tr>\
                    <tr><td>Domaine</td><td>data.example.org</td></tr></table></td></tr></table>";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(
            layout.tables[0].rows,
            [[
                "Opendatasoft",
                "sessionid\nDurée Session\nDomaine data.example.org"
            ]]
        );
    }

    #[test]
    fn cell_text_blocks_breaks_and_whitespace() {
        let html = "<table><tr><td>\n  <p>_ga</p><p>  _gid </p>\n</td><td>Google<br><br>  Analytics</td>\
                    <td>13&nbsp;mois\n  maximum</td><td><ul><li>a</li><li>b</li></ul></td></tr></table>";
        let layout = layout(html);
        assert_eq!(
            layout.tables[0].rows,
            [["_ga\n_gid", "Google\nAnalytics", "13 mois maximum", "a\nb"]]
        );
        assert!(layout.items.is_empty(), "list items in cells are cell text");
    }

    #[test]
    fn spanning_cells_are_expanded_into_a_grid() {
        let html = r#"<table>
            <tr><th>Fournisseur</th><th>Nom</th><th colspan="2">Durée et finalité</th></tr>
            <tr><td rowspan="3">Opendatasoft</td><td>sessionid</td><td>Session</td><td rowspan="2">Fonctionnement</td></tr>
            <tr><td>csrftoken</td><td>1 an</td></tr>
            <tr><td>django_language</td></tr>
            <tr><td>Matomo</td><td>_pk_id.*</td><td>13 mois</td><td>Audience</td></tr>
            </table>"#;
        let layout = layout(html);
        assert_eq!(
            layout.tables[0].rows,
            vec![
                vec![
                    "Fournisseur",
                    "Nom",
                    "Durée et finalité",
                    "Durée et finalité"
                ],
                vec!["Opendatasoft", "sessionid", "Session", "Fonctionnement"],
                vec!["Opendatasoft", "csrftoken", "1 an", "Fonctionnement"],
                vec!["Opendatasoft", "django_language"],
                vec!["Matomo", "_pk_id.*", "13 mois", "Audience"],
            ]
        );
    }

    #[test]
    fn absurd_spans_are_clamped() {
        let html =
            r#"<table><tr><td colspan="100000" rowspan="0">x</td></tr><tr><td>y</td></tr></table>"#;
        let layout = layout(html);
        assert_eq!(layout.tables[0].rows[0].len(), MAX_COLSPAN);
        assert_eq!(layout.tables[0].rows[1].len(), MAX_COLSPAN + 1);
        assert_eq!(layout.tables[0].rows[1][MAX_COLSPAN], "y");
    }

    #[test]
    fn ragged_rows_stay_ragged() {
        let html = "<table><tr><th>Nom</th><th>Durée</th><th>Finalité</th></tr>\
                    <tr><td>_ga</td></tr><tr><td>_gid</td><td>24 h</td><td>Stats</td><td>extra</td></tr>\
                    <tr><td></td><td> </td></tr></table>";
        let layout = layout(html);
        assert_eq!(
            layout.tables[0].rows,
            vec![
                vec!["Nom", "Durée", "Finalité"],
                vec!["_ga"],
                vec!["_gid", "24 h", "Stats", "extra"],
            ]
        );
    }

    #[test]
    fn items_order_nesting_and_definitions() {
        let html = "<h2>Statistiques</h2><ul><li>Google <strong>Analytics</strong><ol><li><code>_ga</code>: 13 mois</li>\
                    <li><code> </code>vide</li></ol> suite</li><li><ul><li>seul</li></ul></li></ul>\
                    <dl><dt>_gat</dt><dd>1 minute</dd><dd>limite les requêtes</dd><dt>_gcl_au</dt><dt>_fbp</dt><dd>3 mois</dd></dl>\
                    <dd>orphelin</dd>";
        let layout = layout(html);
        assert_eq!(
            items(&layout),
            [
                "Google Analytics suite",
                "`_ga`: 13 mois",
                "vide",
                "seul",
                "_gat: 1 minute",
                "_gat: limite les requêtes",
                "_gcl_au",
                "_fbp: 3 mois",
                "orphelin",
            ]
        );
        assert!(
            layout
                .items
                .iter()
                .all(|item| item.heading.as_deref() == Some("Statistiques"))
        );
    }

    #[test]
    fn fallback_does_not_duplicate_items_or_tables() {
        let html = "<h2>Cookies</h2><ul><li>- a\tb</li><li>| c | d |</li></ul>\
                    <table><tr><td>e\tf</td><td>| g | h |</td></tr></table>";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1, "{:#?}", layout.tables);
        assert_eq!(layout.items.len(), 2);
    }

    #[test]
    fn pipe_table_in_a_paragraph_with_source_line_breaks() {
        let html = "<h3>Cookies</h3>\n<p>| Nom | Durée |\n|---|---|\n| _ga | 13 mois |</p>";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Cookies"));
        assert_eq!(
            layout.tables[0].rows,
            [["Nom", "Durée"], ["_ga", "13 mois"]]
        );
    }

    #[test]
    fn indentation_tabs_in_the_source_are_not_cells() {
        let html = "<div>\n\t\t<p>\n\t\t\tUn paragraphe indenté\n\t\t</p>\n\t</div>";
        assert!(layout(html).tables.is_empty());
    }

    #[test]
    fn the_portal_url_is_visible_text_outside_tables() {
        let html = "<p><a href=\"https://href.example.org\">notre portail</a></p>\
                    <table><tr><td>https://policies.google.com</td></tr></table>\
                    <p>Portail : <b>https://data.example.org</b>.</p>";
        assert_eq!(
            layout(html).portal_url.as_deref(),
            Some("https://data.example.org")
        );
    }

    #[test]
    fn empty_and_garbage_inputs() {
        assert_eq!(layout(""), Layout::default());
        assert_eq!(layout("<html></html>"), Layout::default());
        let mut state: u32 = 0x9e37_79b9;
        let bytes: Vec<u8> = (0..100_000)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                match i % 7 {
                    0 => b'<',
                    3 => b"tdrlipb/>|\t"[(state % 11) as usize],
                    _ => state.to_le_bytes()[1],
                }
            })
            .collect();
        let layout = layout(&String::from_utf8_lossy(&bytes));
        assert!(layout.tables.iter().all(|table| !table.rows.is_empty()));
    }

    #[test]
    fn unclosed_tags() {
        let html =
            "<main><h2>Cookies<table><tr><td>_ga<td>13 mois<tr><td>_gid<ul><li>24 h<li><code>x";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(layout.tables[0].rows[0], ["_ga", "13 mois"]);
        assert_eq!(layout.tables[0].rows[1][0], "_gid\n24 h\nx");
    }

    #[test]
    fn deeply_nested_elements() {
        let depth = 10_000;
        let html = format!(
            "{}<h2>Cookies</h2><table><tr><td>_ga</td></tr></table><ul><li>x{}</li></ul>{}",
            "<div>".repeat(depth),
            "<ul><li>y".repeat(depth / 10),
            "</div>".repeat(depth)
        );
        let layout = layout(&html);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Cookies"));
        assert_eq!(layout.items.len(), 1 + depth / 10);
    }

    #[test]
    fn a_large_page_is_read() {
        let row = "<tr><td>Opendatasoft</td><td>sessionid</td><td>Session<br>et plus</td></tr>\n";
        let paragraph =
            "<p>Les cookies https://data.example.org servent à mesurer l'audience.</p>\n";
        let mut html = String::from("<html><body><h2>Cookies</h2><table>");
        while html.len() < 5 << 20 {
            html.push_str(row);
        }
        html.push_str("</table>");
        html.push_str(&paragraph.repeat(5_000));
        let layout = layout(&html);
        assert_eq!(layout.tables.len(), 1);
        assert!(layout.tables[0].rows.len() > 50_000);
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.example.org")
        );
    }
}
