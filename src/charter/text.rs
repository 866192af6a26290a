//! Layout reader for plain-text and Markdown charters.
//!
//! Charters reach us as text in two shapes: copied out of a CMS (tab-separated tables with blank
//! lines wherever the editor left them, headings that are only short lines) or written in
//! Markdown (pipe tables, `#` headings, bullet lists). Both are read in one pass: every line is
//! classified on its own, then a small state machine groups rows into tables and continuation
//! lines into items, remembering the last heading seen.

use std::borrow::Cow;

use super::category::category_of;
use super::headers::{labels_domain, labels_duration, labels_kind, labels_name, names_no_cookie};
use super::layout::{Headings, Layout, RawItem, RawTable, UNLEVELLED};
use super::names::{self, looks_like_name};
use crate::text::fold;

/// Longest line (in characters) that can still be a title line; longer lines are prose.
const MAX_TITLE_CHARS: usize = 120;

/// Longest heading kept, in characters: every table and item carries a copy of its heading, so
/// an unbounded one (a whole document under one `#` line) would make the output quadratic.
const MAX_HEADING_CHARS: usize = 200;

/// Characters that end a sentence or announce what follows: a line ending with one is prose, not
/// a title.
const SENTENCE_ENDINGS: &[char] = &['.', ',', ';', '!', '?', ':', '…'];

/// The tables, list items and portal URL of a plain-text or Markdown charter.
pub(crate) fn layout(text: &str) -> Layout {
    let text = normalise(text);
    let lines: Vec<Line<'_>> = text.split('\n').map(classify).collect();
    let mut reader = Reader::default();
    for (index, line) in lines.iter().enumerate() {
        reader.read(line, lines.get(index + 1));
    }
    reader.finish()
}

/// The first absolute http(s) URL in `text`, without the `<…>` or punctuation around it.
///
/// Shared with the HTML reader so both formats agree on what a portal URL looks like.
pub(super) fn first_url(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = text
        .get(from..)
        .and_then(|rest| find_scheme(rest.as_bytes()))
    {
        let start = from + offset;
        let scheme_len = if matches!(bytes.get(start + 4), Some(b's' | b'S')) {
            "https://".len()
        } else {
            "http://".len()
        };
        // `start` sits on an ASCII 'h' and the scheme is ASCII, so both are char boundaries.
        // Checking the host's first character before scanning keeps runs of bare schemes
        // (`https://-https://-…`) linear.
        let after_scheme = &text[start + scheme_len..];
        if after_scheme.starts_with(char::is_alphanumeric) {
            return Some(url_at(&text[start..]));
        }
        from = start + scheme_len;
    }
    None
}

/// Offset of the next `http://` or `https://` (any case) in `bytes`.
fn find_scheme(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len()).find(|&i| {
        let rest = &bytes[i..];
        starts_with_ignore_case(rest, b"http://") || starts_with_ignore_case(rest, b"https://")
    })
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The URL that starts `text`: up to the first character that cannot be part of a URL written
/// in prose, minus the punctuation of the sentence around it.
fn url_at(text: &str) -> &str {
    let end = text
        .char_indices()
        .find(|&(_, c)| ends_url(c))
        .map_or(text.len(), |(i, _)| i);
    let mut url = &text[..end];
    // A closing parenthesis belongs to the URL only when the URL opened one
    // (`…/wiki/Cookie_(informatique)`), not when the sentence did (`(https://x.fr)`).
    let opened = url.matches('(').count();
    let mut closed = url.matches(')').count();
    while let Some(last) = url.chars().next_back() {
        let sentence_punctuation = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '*' => true,
            ')' if closed > opened => {
                closed -= 1;
                true
            }
            _ => false,
        };
        if !sentence_punctuation {
            break;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
    url
}

fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '<' | '>' | '"' | '\'' | '`' | '|' | '[' | ']' | '{' | '}' | '\\' | '^'
        )
        || matches!(c, '«' | '»' | '“' | '”' | '‘' | '’')
}

/// `text` cut to [`MAX_HEADING_CHARS`] characters.
pub(super) fn capped_heading(text: &str) -> String {
    match text.char_indices().nth(MAX_HEADING_CHARS) {
        Some((end, _)) => text[..end].trim_end().to_owned(),
        None => text.to_owned(),
    }
}

/// Unix line endings and no byte-order mark, so lines can be split on `'\n'` alone.
fn normalise(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// How a line separates cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Tab,
    Pipe,
}

/// What one line is, judged on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line<'a> {
    Blank,
    /// A Markdown `#` heading or a `**bold-only**` line, markers removed, with its level
    /// ([`UNLEVELLED`] for a bold line).
    Heading {
        text: &'a str,
        level: u8,
    },
    /// A line of `-`, `=`, `*` or `_`: a thematic break, or a setext underline when it is made
    /// of `=` or `-` alone.
    Rule {
        setext: bool,
    },
    Item {
        text: &'a str,
    },
    Row {
        kind: RowKind,
        text: &'a str,
    },
    Text {
        text: &'a str,
        indented: bool,
    },
}

fn classify(raw: &str) -> Line<'_> {
    let line = raw.trim();
    if line.is_empty() {
        return Line::Blank;
    }
    // Rules first: `*****` and `___` would otherwise pass for emphasis or list markers.
    if let Some(setext) = rule(line) {
        return Line::Rule { setext };
    }
    if let Some((level, text)) =
        atx_heading(line).or_else(|| bold_line(line).map(|text| (UNLEVELLED, text)))
    {
        return Line::Heading { text, level };
    }
    if let Some(text) = list_item(line) {
        return Line::Item { text };
    }
    if line.starts_with('|') {
        return Line::Row {
            kind: RowKind::Pipe,
            text: line,
        };
    }
    if line.contains('\t') {
        // Not the trimmed line: a leading tab is an empty first cell.
        return Line::Row {
            kind: RowKind::Tab,
            text: raw,
        };
    }
    if unescaped_pipes(line) >= 2 {
        return Line::Row {
            kind: RowKind::Pipe,
            text: line,
        };
    }
    Line::Text {
        text: line,
        indented: raw.starts_with(char::is_whitespace),
    }
}

/// The level and text of a `#`…`######` heading.
fn atx_heading(line: &str) -> Option<(u8, &str)> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &line[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        // `#cookies` is a hashtag, not a heading.
        return None;
    }
    let rest = rest.trim();
    // A closing run of `#` is decoration only when a space separates it from the text.
    let without_closing = rest.trim_end_matches('#');
    let text = if without_closing.is_empty() || without_closing.ends_with([' ', '\t']) {
        without_closing.trim()
    } else {
        rest
    };
    // At most 6, so the cast keeps the value.
    Some((level as u8, strip_emphasis(text)))
}

/// The text of a line that is bold and nothing else (`**Cookies statistiques**`).
fn bold_line(line: &str) -> Option<&str> {
    ["**", "__"].into_iter().find_map(|marker| {
        let inner = line.strip_prefix(marker)?.strip_suffix(marker)?;
        let inner = inner.trim();
        (!inner.is_empty() && !inner.contains(marker)).then_some(inner)
    })
}

/// Markdown writes headings such as `## **Cookies**`; the stars are not part of the title.
fn strip_emphasis(text: &str) -> &str {
    bold_line(text).unwrap_or(text)
}

/// `Some(setext)` when the line is a thematic break or a setext underline.
fn rule(line: &str) -> Option<bool> {
    let marker = line.chars().next()?;
    if !matches!(marker, '-' | '=' | '*' | '_') {
        return None;
    }
    let mut markers = 0;
    for c in line.chars() {
        if c == marker {
            markers += 1;
        } else if c != ' ' {
            return None;
        }
    }
    (markers >= 3).then(|| matches!(marker, '-' | '=') && !line.contains(' '))
}

/// The text of a bullet or numbered list item, marker removed.
fn list_item(line: &str) -> Option<&str> {
    let first = line.chars().next()?;
    let after_marker = if matches!(first, '-' | '*' | '+' | '•' | '–' | '·') {
        first.len_utf8()
    } else if first.is_ascii_digit() {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 9 || !matches!(line.as_bytes().get(digits), Some(b'.' | b')')) {
            return None;
        }
        digits + 1
    } else {
        return None;
    };
    let rest = &line[after_marker..];
    // The marker must be followed by a space: `-\tsessionid` is a row with an empty-looking
    // first cell, `**x**` is emphasis, `1.5` a number.
    let text = rest.strip_prefix([' ', '\u{a0}'])?;
    Some(text.trim())
}

/// Number of `|` not preceded by a backslash.
fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        if c == '|' && !escaped {
            count += 1;
        }
        escaped = c == '\\' && !escaped;
    }
    count
}

/// Cells of a row line, trimmed, `<br>` turned into line breaks.
fn cells(kind: RowKind, text: &str) -> Vec<String> {
    match kind {
        RowKind::Tab => text.split('\t').map(cell_text).collect(),
        RowKind::Pipe => pipe_cells(text),
    }
}

fn pipe_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                push_to_last(&mut cells, '|');
            }
            '|' => cells.push(String::new()),
            _ => push_to_last(&mut cells, c),
        }
    }
    // Leading and trailing pipes only frame the row; the empty cells they create are not columns.
    if line.starts_with('|') && cells.len() > 1 {
        cells.remove(0);
    }
    let closed = line.ends_with('|') && !line.ends_with("\\|");
    if closed && cells.len() > 1 && cells.last().is_some_and(|c| c.trim().is_empty()) {
        cells.pop();
    }
    cells.iter().map(|cell| cell_text(cell)).collect()
}

fn push_to_last(cells: &mut [String], c: char) {
    if let Some(cell) = cells.last_mut() {
        cell.push(c);
    }
}

/// A cell's text: `<br>` as a line break, each line trimmed, empty lines dropped.
fn cell_text(raw: &str) -> String {
    let with_breaks = replace_br(raw);
    let lines: Vec<&str> = with_breaks
        .split('\n')
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    lines.join("\n")
}

/// `raw` with every `<br>`, `<br/>`, `<br />` (any case) replaced by `'\n'`.
fn replace_br(raw: &str) -> Cow<'_, str> {
    let bytes = raw.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(end) = br_tag_end(bytes, i) {
            // `i` and `end` are at ASCII bytes, hence char boundaries.
            out.push_str(&raw[copied..i]);
            out.push('\n');
            copied = end;
            i = end;
        } else {
            i += 1;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(raw);
    }
    out.push_str(&raw[copied..]);
    Cow::Owned(out)
}

/// The offset just past a `<br>` tag starting at `start`, if one does.
fn br_tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    if bytes.get(start) != Some(&b'<') || !starts_with_ignore_case(&bytes[start + 1..], b"br") {
        return None;
    }
    let mut i = start + 3;
    while bytes.get(i) == Some(&b' ') {
        i += 1;
    }
    if bytes.get(i) == Some(&b'/') {
        i += 1;
    }
    while bytes.get(i) == Some(&b' ') {
        i += 1;
    }
    (bytes.get(i) == Some(&b'>')).then_some(i + 1)
}

/// Rows that carry nothing: all cells empty, or a `----`/`:--:` separator.
fn is_filler_row(cells: &[String]) -> bool {
    cells.iter().all(|cell| {
        cell.chars()
            .all(|c| matches!(c, '-' | ':' | '=' | '+' | ' '))
    })
}

/// Whether a text line is a title: a one-line paragraph, short, without closing punctuation,
/// or any line underlined setext-style.
///
/// The line must stand alone on both sides: the last line of a hard-wrapped paragraph is as
/// short and unpunctuated as a title but belongs to the prose above it.
fn is_title(text: &str, after_prose: bool, next: Option<&Line<'_>>) -> bool {
    if matches!(next, Some(Line::Rule { setext: true })) {
        return true;
    }
    text.chars().take(MAX_TITLE_CHARS + 1).count() <= MAX_TITLE_CHARS
        && !text.ends_with(SENTENCE_ENDINGS)
        && !is_bare_url(text)
        && !after_prose
        && !matches!(next, Some(Line::Text { .. }))
}

/// A line holding only a URL names a place, not a section.
fn is_bare_url(text: &str) -> bool {
    let inner = text.trim_start_matches('<').trim_end_matches('>');
    first_url(inner).is_some_and(|url| url.len() == inner.len())
}

/// A table being read: rows of one kind, separated by nothing but blank lines.
struct OpenTable {
    kind: RowKind,
    heading: Option<String>,
    rows: Vec<Vec<String>>,
}

/// The state machine that turns classified lines into a [`Layout`].
#[derive(Default)]
struct Reader {
    layout: Layout,
    headings: Headings,
    table: Option<OpenTable>,
    /// The item that indented lines continue, until a blank or any other line.
    open_item: Option<usize>,
    /// Whether the previous line was paragraph text (not an item's continuation).
    after_prose: bool,
    /// A cookie described in lines of its own, being read.
    block: Option<Block>,
}

/// A cookie described in a block of lines instead of a table row: a name line (`sessionid`,
/// "Name: _pk_id.*"), then a description and a duration line ("Durée de conservation : 365
/// jours", "Expires: 13 months").
struct Block {
    heading: Option<String>,
    name: String,
    /// "Name: …" introduced it: a block even without a duration.
    labelled: bool,
    purpose: Vec<String>,
    duration: Option<String>,
    /// A "Type" line said the storage is no cookie (local storage, a pixel).
    no_cookie: bool,
    lines: usize,
}

/// A block reads at most this many lines after its name: beyond, it is prose.
const MAX_BLOCK_LINES: usize = 6;

/// The cookie a line names on its own: "Name: X" (any name label), or a single name-like token
/// that is not a category word.
fn block_name(line: &str) -> Option<(String, bool)> {
    // Emphasis and code marks around a name or label are not part of it; `_` and `*` inside
    // a name are (`_pk_id.*`).
    let strip = |text: &str| {
        let mut text = text
            .trim()
            .trim_matches(|c: char| c == '`' || c == ':')
            .trim();
        for mark in ["**", "__"] {
            if let Some(inner) = text.strip_prefix(mark).and_then(|t| t.strip_suffix(mark)) {
                text = inner.trim();
            }
        }
        text.trim_matches('`').trim().to_string()
    };
    // A cookie name, not a word: `sessionid`, `_pk_id.*`, `PHPSESSID`; "Cookies" or
    // "Introduction" (a capital, then lowercase letters) are words.
    let plausible = |token: &str| {
        let charset = token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '*'));
        let word = token.starts_with(|c: char| c.is_ascii_uppercase())
            && token.chars().skip(1).all(|c| c.is_ascii_lowercase());
        !token.is_empty()
            && token.len() <= 64
            && charset
            && !word
            && !token.eq_ignore_ascii_case("cookies")
            && (looks_like_name(token) || token.chars().any(|c| c.is_ascii_lowercase()))
    };
    if let Some((label, value)) = line.split_once(':') {
        let (label, value) = (strip(label), strip(value));
        let short_label = label.split_whitespace().count() <= 3;
        // "Cookies : _ga, _gid": a vendor's card lists several names under one label.
        let names = || {
            let specs = names::split(&value);
            !specs.is_empty() && specs.iter().all(|spec| plausible(&spec.name))
        };
        return (short_label && labels_name(&label) && (plausible(&value) || names()))
            .then_some((value, true));
    }
    let token = strip(line);
    (plausible(&token) && category_of(&token).is_none()).then_some((token, false))
}

impl Reader {
    fn read(&mut self, line: &Line<'_>, next: Option<&Line<'_>>) {
        let after_prose = std::mem::replace(
            &mut self.after_prose,
            match line {
                Line::Text { indented, .. } => !(*indented && self.open_item.is_some()),
                _ => false,
            },
        );
        match *line {
            // Blank lines end an item but not a table: copied charters put them between rows.
            Line::Blank => self.open_item = None,
            Line::Row { kind, text } => {
                self.open_item = None;
                self.add_row(kind, text);
            }
            Line::Text {
                text,
                indented: true,
            } if self.open_item.is_some() => {
                self.note_url(text);
                self.continue_item(text);
            }
            Line::Text { text, .. } if self.block_line(text) => self.note_url(text),
            Line::Text { text, .. } => {
                self.end_block();
                self.note_url(text);
                if is_title(text, after_prose, next) {
                    self.headings.enter(UNLEVELLED, capped_heading(text));
                } else if let Some(label) = lead_in(text) {
                    // "**Cookies strictement nécessaires :** sans eux…" titles what follows.
                    self.headings.enter(UNLEVELLED, label);
                } else {
                    self.mentions(text);
                }
            }
            Line::Heading { text, .. } if block_name(text).is_some() => {
                self.block_line(text);
            }
            Line::Heading { text, level } => {
                self.end_block();
                self.note_url(text);
                if !text.is_empty() {
                    self.headings.enter(level, capped_heading(text));
                }
            }
            Line::Item { text } => {
                self.end_block();
                self.note_url(text);
                self.start_item(text);
            }
            Line::Rule { .. } => self.end_block(),
        }
    }

    fn finish(mut self) -> Layout {
        self.end_block();
        self.layout
    }

    fn end_block(&mut self) {
        self.open_item = None;
        self.end_table();
        self.end_cookie_block();
    }

    /// Names marked as code in a sentence of prose ("Matomo sets `_pk_id*` and `_pk_ses*`"):
    /// one mention each. Only the name is kept: which duration or purpose of the sentence
    /// belongs to which name is not something prose says reliably.
    fn mentions(&mut self, text: &str) {
        let marked = text.split('`').skip(1).step_by(2);
        for name in marked.filter_map(|span| block_name(span).map(|(name, _)| name)) {
            self.layout.mentions.push(RawItem {
                heading: self.headings.current(),
                text: format!("`{name}`"),
            });
        }
    }

    /// Reads `text` as a line of a cookie's own block, starting one on a name line; false
    /// when it is not one.
    fn block_line(&mut self, text: &str) -> bool {
        if let Some((name, labelled)) = block_name(text) {
            self.end_block();
            self.block = Some(Block {
                heading: self.headings.current(),
                name,
                labelled,
                purpose: Vec::new(),
                duration: None,
                no_cookie: false,
                lines: 0,
            });
            return true;
        }
        let Some(block) = self.block.as_mut() else {
            return false;
        };
        if block.lines >= MAX_BLOCK_LINES {
            self.end_cookie_block();
            return false;
        }
        block.lines += 1;
        match text.split_once(':') {
            Some((label, value)) if labels_duration(label) => {
                block.duration = Some(value.trim().to_string());
                // The duration closes a cookie's block; what follows is the page's prose.
                self.end_cookie_block();
            }
            // "Type : HTML Local Storage": what the block describes is no cookie.
            // "Catégorie : statistiques" files the block as a heading would.
            Some((label, value)) if labels_kind(label) => {
                block.no_cookie |= names_no_cookie(value);
                if category_of(value).is_some() {
                    block.heading = Some(value.trim().to_string());
                }
            }
            // "Domaine : .example.fr" says where, not what.
            Some((label, _)) if labels_domain(label) => {}
            // "Typical content: …", "Finalité : …": the description, its label dropped.
            Some((label, value)) if label.split_whitespace().count() <= 3 => {
                block.purpose.push(value.trim().to_string());
            }
            _ => block.purpose.push(text.trim().to_string()),
        }
        true
    }

    /// A block becomes an item (`` `name`: purpose; duration ``) when it gave a duration or
    /// began with "Name:"; a lone word followed by prose was no cookie.
    fn end_cookie_block(&mut self) {
        let Some(block) = self.block.take() else {
            return;
        };
        if block.duration.is_none() && !block.labelled || block.no_cookie {
            return;
        }
        // Commas and semicolons would cut the description into segments the item reader
        // takes apart; the duration is the item's last segment.
        let purpose = block.purpose.join(" ").replace([',', ';'], " ");
        let mut text = format!("`{}`: {}", block.name, purpose.trim());
        if let Some(duration) = block.duration {
            text.push_str("; ");
            text.push_str(&duration);
        }
        self.layout.items.push(RawItem {
            heading: block.heading,
            text,
        });
    }

    fn end_table(&mut self) {
        if let Some(table) = self.table.take()
            && !table.rows.is_empty()
        {
            self.layout.tables.push(RawTable {
                heading: table.heading,
                rows: table.rows,
            });
        }
    }

    fn add_row(&mut self, kind: RowKind, text: &str) {
        if self.table.as_ref().is_some_and(|table| table.kind != kind) {
            self.end_table();
        }
        let row = cells(kind, text);
        if is_filler_row(&row) {
            let separator = row.iter().any(|cell| !cell.is_empty());
            if separator && kind == RowKind::Pipe {
                self.split_before_header();
            }
            return;
        }
        let headings = &self.headings;
        self.table
            .get_or_insert_with(|| OpenTable {
                kind,
                heading: headings.current(),
                rows: Vec::new(),
            })
            .rows
            .push(row);
    }

    /// A pipe separator under the third or later row of a table means a second table started
    /// one row earlier (two Markdown tables separated only by a blank line).
    fn split_before_header(&mut self) {
        let Some(table) = self.table.as_mut() else {
            return;
        };
        if table.rows.len() < 2 {
            return;
        }
        let Some(header) = table.rows.pop() else {
            return;
        };
        let kind = table.kind;
        let heading = table.heading.clone();
        self.end_table();
        self.table = Some(OpenTable {
            kind,
            heading,
            rows: vec![header],
        });
    }

    fn start_item(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.open_item = Some(self.layout.items.len());
        self.layout.items.push(RawItem {
            heading: self.headings.current(),
            text: text.to_owned(),
        });
    }

    fn continue_item(&mut self, text: &str) {
        if let Some(item) = self.open_item.and_then(|i| self.layout.items.get_mut(i)) {
            item.text.push(' ');
            item.text.push_str(text);
        }
    }

    fn note_url(&mut self, text: &str) {
        if self.layout.portal_url.is_none() {
            self.layout.portal_url = first_url(text).map(str::to_owned);
        }
    }
}

/// The label of a lead-in paragraph when it names a cookie category: the words before its
/// first colon ("Cookies strictement nécessaires : sans eux…", "Strictly necessary cookies:
/// without these…"), or the whole paragraph when it is a short line that is not a sentence. A
/// sentence that merely mentions a category is not a label.
pub(crate) fn lead_in(paragraph: &str) -> Option<String> {
    let text: String = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    // Markdown emphasis around the label ("**Cookies nécessaires :**") is not part of it.
    let clean = |part: &str| {
        part.trim()
            .trim_matches(|c: char| c == '*' || c == '_')
            .trim()
            .to_string()
    };
    let (label, rest) = match text.find(':') {
        Some(at) => (clean(&text[..at]), clean(&text[at + 1..])),
        // Without a colon only a title-like line is a label; a sentence is prose.
        None if !text.trim_end().ends_with(['.', '!', '?']) => (clean(&text), String::new()),
        None => return None,
    };
    // "Catégorie : mesure d'audience": the category is what the word "category" introduces.
    let label = if CATEGORY_WORDS.contains(&fold(&label).as_str()) {
        rest
    } else {
        label
    };
    let short = !label.is_empty() && label.chars().count() <= 80;
    (short && category_of(&label).is_some()).then_some(label)
}

/// "Category" in the languages charters are written in, folded.
const CATEGORY_WORDS: &[&str] = &[
    "category",
    "categorie",
    "categoria",
    "kategorie",
    "cookie category",
    "categorie de cookies",
    "categoria de cookies",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed charters live beside the repository (`shared/seeds`), as in CI.
    const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seeds/");

    const NECESSARY: &str =
        "Cookies nécessaires au bon fonctionnement de la plateforme / cookies fonctionnels";

    fn seed(file: &str) -> Layout {
        let path = format!("{SEEDS}{file}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        layout(&text)
    }

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

    fn assert_seed(file: &str, portal: &str) {
        let layout = seed(file);
        assert_eq!(layout.tables.len(), 1, "{file}: {:#?}", layout.tables);
        let table = &layout.tables[0];
        assert_eq!(
            table.rows[0],
            [
                "Nom du prestataire",
                "Service et emplacement",
                "Nom du cookies",
                "Finalités"
            ],
            "{file}"
        );
        assert_eq!(
            column(table, 2),
            [
                "Nom du cookies",
                "sessionid",
                "django_language",
                "csrftoken",
                "cookies_preferences"
            ],
            "{file}"
        );
        assert!(
            table.rows[1..]
                .iter()
                .all(|row| row.len() == 4 && row[0] == "Opendatasoft"),
            "{file}: {:#?}",
            table.rows
        );
        assert_eq!(table.heading.as_deref(), Some(NECESSARY), "{file}");
        assert_eq!(layout.portal_url.as_deref(), Some(portal), "{file}");
        assert!(layout.items.is_empty(), "{file}: {:#?}", layout.items);
    }

    #[test]
    fn seed_000_plain_text_with_a_blank_line_in_the_table() {
        assert_seed("000_5064902187e21bd9.txt", "https://opendata.bruxelles.be");
    }

    #[test]
    fn seed_001_markdown_headings_and_blank_lines_in_the_table() {
        assert_seed("001_cad2b1edd5d77c10.txt", "https://data.bep.be");
    }

    #[test]
    fn seed_002_url_on_its_own_line_and_a_dashed_separator_row() {
        assert_seed(
            "002_3b9924e3c15a634c.txt",
            "https://ares-digitalwallonia.opendatasoft.com",
        );
    }

    #[test]
    fn seed_003_blank_lines_in_the_table() {
        assert_seed(
            "003_227d0ba1bdef09d5.txt",
            "https://opendata.brest-metropole.fr",
        );
    }

    #[test]
    fn seed_004_leading_blank_lines() {
        assert_seed("004_0db7675d648b40dc.txt", "https://www.opendata56.fr");
    }

    #[test]
    fn seed_purposes_are_whole_cells() {
        let layout = seed("000_5064902187e21bd9.txt");
        assert_eq!(
            layout.tables[0].rows[1][3],
            "Se souvenir de l'utilisateur d'une page à une autre."
        );
        assert_eq!(
            layout.tables[0].rows[3][1],
            "API (CSRF) (front et back office)"
        );
    }

    #[test]
    fn markdown_pipe_tables_of_the_older_english_template() {
        let layout = layout(include_str!("../../tests/fixtures/charters/odsold-en-2.md"));
        assert_eq!(layout.tables.len(), 2, "{:#?}", layout.tables);
        let necessary = &layout.tables[0];
        assert_eq!(
            necessary.heading.as_deref(),
            Some("Cookies necessary for the platform to work / functional cookies")
        );
        assert_eq!(
            necessary.rows[0],
            [
                "Service provider's name",
                "Function and location",
                "Cookie name(s)",
                "Purposes"
            ]
        );
        assert_eq!(
            column(necessary, 2),
            [
                "Cookie name(s)",
                "`sessionid`",
                "`django_language`",
                "`csrftoken`",
                "`cookies_preferences`"
            ]
        );
        assert_eq!(
            necessary.rows[4][3],
            "Remember the visitor's choice about cookies\nKept for 6 months"
        );
        let audience = &layout.tables[1];
        assert_eq!(
            audience.heading.as_deref(),
            Some("Audience measurement cookies")
        );
        assert_eq!(audience.rows.len(), 2, "alignment row dropped");
        assert_eq!(audience.rows[1][2], "`_pk_id.*`\n`_pk_ses.*`");
        assert_eq!(audience.rows[1][3], "Count visits | pages viewed");
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.harrowmere-county.org")
        );
    }

    #[test]
    fn list_items_with_their_headings() {
        let layout = layout(include_str!("../../tests/fixtures/charters/list.md"));
        assert!(layout.tables.is_empty(), "{:#?}", layout.tables);
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
                "_pk_id.* – Matomo visitor id (13 mois)",
                "_pk_ses.* – Matomo, visite en cours (30 minutes)",
            ]
        );
        let headings: Vec<_> = layout
            .items
            .iter()
            .map(|item| item.heading.as_deref())
            .collect();
        assert_eq!(headings[0], Some("Pourquoi cette page ?"));
        assert_eq!(headings[3], Some("Cookies nécessaires"));
        assert!(headings[6..].iter().all(|h| *h == Some("Statistiques")));
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.pays-de-marval.fr")
        );
    }

    #[test]
    fn cookie_families_are_kept_verbatim() {
        let layout = layout(include_str!("../../tests/fixtures/charters/families.md"));
        assert_eq!(layout.tables.len(), 1);
        let table = &layout.tables[0];
        assert_eq!(table.heading.as_deref(), Some("Full list"));
        assert_eq!(
            column(table, 0),
            [
                "Name",
                "_ga_*",
                "_pk_id#",
                "_pk_ *",
                "_hjSession_#",
                "SSESS<ID>",
                "incap_ses_*",
                "[id]_l",
                "any cookie starting with _hs",
            ]
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.region-nordmark.eu")
        );
    }

    #[test]
    fn crlf_cr_and_bom_are_normalised() {
        let text = "\u{feff}# Cookies\r\n\r\nNom\tDurée\r\n\r\nsessionid\tSession\rcsrftoken\t1 an";
        let layout = layout(text);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Cookies"));
        assert_eq!(
            layout.tables[0].rows,
            [
                ["Nom", "Durée"],
                ["sessionid", "Session"],
                ["csrftoken", "1 an"]
            ]
        );
    }

    #[test]
    fn a_line_without_tab_ends_a_tab_table() {
        let text = "a\tb\n\nc\td\nLes cookies ci-dessus sont nécessaires.\ne\tf";
        let layout = layout(text);
        assert_eq!(layout.tables.len(), 2);
        assert_eq!(layout.tables[0].rows, [["a", "b"], ["c", "d"]]);
        assert_eq!(layout.tables[1].rows, [["e", "f"]]);
    }

    #[test]
    fn tab_rows_keep_empty_and_ragged_cells() {
        let layout =
            layout("Nom\tFournisseur\tDurée\n_ga\t\t13 mois\n_gid\tGoogle\n\t_gat\t1 minute");
        assert_eq!(
            layout.tables[0].rows,
            vec![
                vec!["Nom", "Fournisseur", "Durée"],
                vec!["_ga", "", "13 mois"],
                vec!["_gid", "Google"],
                vec!["", "_gat", "1 minute"],
            ]
        );
    }

    #[test]
    fn title_lines_and_prose() {
        let text = "Charte cookies\n\n\
            Les cookies suivants sont utilisés :\n\n\
            Un paragraphe coupé à la main\nqui finit sans point\n\n\
            a\tb\n\n\
            Cookies de mesure d'audience\nc\td";
        let layout = layout(text);
        assert_eq!(layout.tables.len(), 2);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Charte cookies"));
        assert_eq!(
            layout.tables[1].heading.as_deref(),
            Some("Cookies de mesure d'audience")
        );
    }

    #[test]
    fn a_long_line_or_a_bare_url_is_not_a_title() {
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        let layout = layout(&format!(
            "Cookies\n\n{long}\n\n<https://data.example.org>\n\na\tb"
        ));
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Cookies"));
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.example.org")
        );
    }

    #[test]
    fn bold_lines_setext_and_closing_hashes_are_headings() {
        let layout = layout(
            "**Cookies nécessaires**\n- `sessionid`\n\nStatistiques\n=====\n- `_ga`\n\n## Marketing ##\n- `_fbp`",
        );
        let headings: Vec<_> = layout
            .items
            .iter()
            .map(|item| item.heading.as_deref())
            .collect();
        assert_eq!(
            headings,
            [
                Some("Cookies nécessaires"),
                Some("Statistiques"),
                Some("Marketing")
            ]
        );
    }

    #[test]
    fn list_markers() {
        let text = "- a\n* b\n+ c\n• d\n– e\n· f\n1. g\n12) h\n**i**\n-\tj\tk\n1.5 l\n#m\n* * *";
        let layout = layout(text);
        assert_eq!(items(&layout), ["a", "b", "c", "d", "e", "f", "g", "h"]);
        assert_eq!(layout.tables.len(), 1, "`-<tab>` starts a row");
        assert_eq!(layout.tables[0].rows, [["-", "j", "k"]]);
    }

    #[test]
    fn a_list_item_is_not_a_table_row() {
        let layout = layout("- _ga\tGoogle\t13 mois\n- _gid\tGoogle\t24 heures");
        assert!(layout.tables.is_empty());
        assert_eq!(
            items(&layout),
            ["_ga\tGoogle\t13 mois", "_gid\tGoogle\t24 heures"]
        );
    }

    #[test]
    fn only_indented_lines_continue_an_item() {
        let layout =
            layout("- `_ga` : Google Analytics,\n  13 mois\nStatistiques\n- `_gid`\n\n  24 heures");
        assert_eq!(
            items(&layout),
            ["`_ga` : Google Analytics, 13 mois", "`_gid`"]
        );
        assert_eq!(layout.items[1].heading.as_deref(), Some("Statistiques"));
        let layout = super::layout("- a\nsuite du paragraphe\nPas un titre\n- b");
        assert_eq!(layout.items[1].heading, None);
    }

    #[test]
    fn pipe_rows_without_outer_pipes_and_with_br() {
        let layout = layout(
            "Nom | Fournisseur | Durée\n--- | --- | ---\n_ga | Google<br/>Alphabet | 13 mois<BR >max",
        );
        assert_eq!(
            layout.tables[0].rows,
            [
                ["Nom", "Fournisseur", "Durée"],
                ["_ga", "Google\nAlphabet", "13 mois\nmax"]
            ]
        );
    }

    #[test]
    fn two_pipe_tables_separated_by_a_blank_line_stay_apart() {
        let layout = layout("| a | b |\n|---|---|\n| 1 | 2 |\n\n| c | d |\n|---|---|\n| 3 | 4 |");
        assert_eq!(layout.tables.len(), 2);
        assert_eq!(layout.tables[0].rows, [["a", "b"], ["1", "2"]]);
        assert_eq!(layout.tables[1].rows, [["c", "d"], ["3", "4"]]);
    }

    #[test]
    fn empty_pipe_cells_are_kept_between_the_frame() {
        let layout = layout("| a || c |\n| \\| | x |");
        assert_eq!(
            layout.tables[0].rows,
            vec![vec!["a", "", "c"], vec!["|", "x"]]
        );
    }

    #[test]
    fn the_portal_url_is_outside_tables_and_without_punctuation() {
        let layout = layout(
            "Nom\tPolitique\n_ga\thttps://policies.google.com/privacy\n\nVoir (https://opendata.example.fr/page/cookies/).",
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.example.fr/page/cookies/")
        );
    }

    #[test]
    fn url_edges() {
        assert_eq!(
            first_url("see https:// and HTTPS://Data.example.org;"),
            Some("HTTPS://Data.example.org")
        );
        assert_eq!(
            first_url("(voir https://fr.wikipedia.org/wiki/Cookie_(informatique))"),
            Some("https://fr.wikipedia.org/wiki/Cookie_(informatique)")
        );
        assert_eq!(
            first_url("«https://données.example.fr»"),
            Some("https://données.example.fr")
        );
        assert_eq!(first_url("http://"), None);
        assert_eq!(first_url("ftp://x.fr mailto:a@b.fr"), None);
        assert_eq!(first_url("[lien](http://x.fr/a)."), Some("http://x.fr/a"));
    }

    #[test]
    fn headings_are_capped() {
        let long = "é".repeat(1000);
        let layout = layout(&format!("# {long}\n- x"));
        let heading = layout.items[0].heading.as_deref().unwrap_or_default();
        assert_eq!(heading.chars().count(), MAX_HEADING_CHARS);
    }

    #[test]
    fn empty_and_degenerate_inputs() {
        assert_eq!(layout(""), Layout::default());
        assert_eq!(layout("\u{feff}"), Layout::default());
        assert_eq!(layout("\n\r\n\t\t\n   \n"), Layout::default());
        for text in [
            "#", "-", "- ", "|", "||", "\\", "<br", "1", "1.", "•", "**", "****", "\t", "|\\",
        ] {
            let _ = layout(text);
        }
        assert_eq!(layout("|---|---|").tables.len(), 0);
    }

    #[test]
    fn garbage_bytes_do_not_panic() {
        let mut bytes = Vec::new();
        let mut state: u32 = 0x2545_f491;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            bytes.push(state.to_le_bytes()[0]);
        }
        // Sprinkle the bytes the reader looks at, around multi-byte characters.
        for (i, b) in "é|\t•–\n#*<br>`\\".bytes().cycle().take(20_000).enumerate() {
            if let Some(slot) = bytes.get_mut(i * 9) {
                *slot = b;
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let layout = layout(&text);
        assert!(layout.tables.iter().all(|t| !t.rows.is_empty()));
    }

    #[test]
    fn a_large_document_is_read() {
        let row = "Opendatasoft\tsessionid\tSe souvenir de l'utilisateur\n\n";
        let text = format!("Cookies\n\n{}", row.repeat(100_000));
        let layout = layout(&text);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(layout.tables[0].rows.len(), 100_000);
    }

    #[test]
    fn a_lead_in_is_a_label_naming_a_category_not_a_sentence_mentioning_one() {
        let necessary = Some("Cookies strictement nécessaires".to_string());
        assert_eq!(
            lead_in("**Cookies strictement nécessaires :** sans eux, rien ne marche."),
            necessary
        );
        assert_eq!(
            lead_in("Strictly necessary cookies: without these the site fails."),
            Some("Strictly necessary cookies".to_string())
        );
        assert_eq!(
            lead_in("Catégorie : mesure d'audience"),
            Some("mesure d'audience".to_string())
        );
        assert_eq!(
            lead_in("Analytische cookies"),
            Some("Analytische cookies".to_string())
        );
        // Prose, a label naming no category, a long first clause: none is a lead-in.
        assert_eq!(
            lead_in("Diese Cookies sind für den Betrieb erforderlich."),
            None
        );
        assert_eq!(
            lead_in("Voici la liste des cookies : nécessaires et autres"),
            None
        );
        let long = format!("{} nécessaires : x", "mot ".repeat(30));
        assert_eq!(lead_in(&long), None);
        assert_eq!(lead_in(""), None);
    }

    #[test]
    fn a_block_starts_at_a_name_line_not_at_a_word() {
        let named = |line: &str| block_name(line).map(|(name, _)| name);
        assert_eq!(named("sessionid"), Some("sessionid".to_string()));
        assert_eq!(named("**_pk_id.***"), Some("_pk_id.*".to_string()));
        assert_eq!(named("`PHPSESSID`"), Some("PHPSESSID".to_string()));
        assert_eq!(named("Name: _ga"), Some("_ga".to_string()));
        assert_eq!(
            named("Nom du cookie : csrftoken"),
            Some("csrftoken".to_string())
        );
        for word in [
            "Cookies",
            "Introduction",
            "cookies",
            "Statistics",
            "Name: two words",
        ] {
            assert_eq!(named(word), None, "{word}");
        }
        assert_eq!(
            named("Les cookies du portail https://data.example.fr"),
            None
        );
        // A name line followed by prose and no duration is not a cookie.
        let layout = layout("sessionid\n\nThis word opens a paragraph of prose.\n");
        assert!(layout.items.is_empty(), "{:?}", layout.items);
    }
}
