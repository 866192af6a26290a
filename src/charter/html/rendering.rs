//! What the page looks like in a browser: which elements start lines, which ones the table and
//! list collectors read, and text with its whitespace collapsed.

pub(super) fn is_heading(name: &str) -> bool {
    heading_level(name).is_some()
}

/// The level of a heading element: 1 for `<h1>` to 6 for `<h6>`.
pub(super) fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// Elements a browser lays out on their own lines.
pub(super) fn is_block(name: &str) -> bool {
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
pub(super) fn is_structured(name: &str) -> bool {
    matches!(
        name,
        "table" | "ul" | "ol" | "menu" | "dl" | "li" | "dt" | "dd"
    )
}

pub(super) fn is_list(name: &str) -> bool {
    matches!(name, "ul" | "ol" | "menu" | "dl")
}

/// Collapses every run of whitespace (no-break spaces included) into one space, trimmed.
pub(super) fn collapse(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ")
}

/// A cell's text: one line per `'\n'`, each collapsed, empty lines dropped.
pub(super) fn cell_text(raw: &str) -> String {
    let lines: Vec<String> = raw
        .split('\n')
        .map(collapse)
        .filter(|line| !line.is_empty())
        .collect();
    lines.join("\n")
}

pub(super) fn heading_text(raw: &str) -> Option<String> {
    let text = collapse(raw);
    if text.is_empty() {
        return None;
    }
    Some(crate::charter::text::capped_heading(&text))
}
