//! Cookie charters: finding a portal's published charter and reading the cookies it declares.
//!
//! A document is read in three steps, reader → layout → declarations. A reader of its format
//! ([`text`] for plain text and Markdown, [`html`] for pages) finds its [`layout`]: tables and
//! list items, each under its heading, not a word of them understood yet. Then [`declarations`]
//! understands that layout (which column says what, the categories, cookie [`names`], durations
//! through [`crate::duration`]) and yields one declaration per cookie. Readers never interpret
//! and the interpretation never parses, so every format shares one understanding of charters.
//! The words that name a category live in [`category`]. A page whose content is a template
//! inside a script (an Opendatasoft custom page) is read from that template ([`embedded`]).
//!
//! [`discover`] decides which document is the charter, fetching candidates through a
//! [`discover::DocumentSource`] (in an audit, the target's own browsing session).

pub(crate) mod category;
pub(crate) mod declarations;
pub(crate) mod discover;
pub(crate) mod embedded;
pub(crate) mod fields;
pub(crate) mod headers;
pub(crate) mod html;
pub(crate) mod layout;
pub mod names;
pub(crate) mod text;

use crate::crawl::extract::decode_html;
use crate::types::Declaration;

/// What reading one charter document gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The declared cookies, in document order.
    pub declared: Vec<Declaration>,
    /// The portal the charter names, if any.
    pub portal_url: Option<String>,
}

/// Why a document gave no declaration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// Zero bytes, or only white space.
    #[error("the document is empty")]
    Empty,
    /// NUL bytes: an image, a PDF, an archive.
    #[error("the document is binary data, not text or HTML")]
    Binary,
    /// Text without any table or list item.
    #[error("no table or list was found in the document")]
    NoTable,
    /// A page whose content is a template in a script (an Opendatasoft custom page), which
    /// could not be read.
    #[error(
        "the page's content is a template inside a script ($scope.blocks), and its text could not be \
         read (a string that never ends or a broken escape)"
    )]
    BrokenTemplate,
    /// Tables or lists, none of which names cookies.
    #[error(
        "{tables} table(s) and {items} list item(s) were found, but none with a column or entry \
         naming cookies (e.g. a header \"Cookie name\" or \"Nom du cookie\")"
    )]
    NoCookieColumn {
        /// Tables found.
        tables: usize,
        /// List items found.
        items: usize,
    },
}

/// The formats a charter comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An HTML page.
    Html,
    /// Plain text or Markdown.
    Text,
}

/// Decides a document's format from its `Content-Type`, the name it came under (URL or file
/// path), and its first bytes.
pub fn sniff_format(body: &[u8], content_type: Option<&str>, name: &str) -> Format {
    let mime = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("text/html" | "application/xhtml+xml") => return Format::Html,
        Some("text/plain" | "text/markdown" | "text/x-markdown") => return Format::Text,
        _ => {}
    }
    let lower_name = name.to_ascii_lowercase();
    if [".md", ".markdown", ".txt"]
        .iter()
        .any(|ext| lower_name.ends_with(ext))
    {
        return Format::Text;
    }
    if [".html", ".htm", ".xhtml"]
        .iter()
        .any(|ext| lower_name.ends_with(ext))
    {
        return Format::Html;
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_ascii_lowercase();
    let looks_html = [
        "<!doctype html",
        "<html",
        "<body",
        "<table",
        "<div",
        "<p>",
        "<h1",
        "<h2",
    ]
    .iter()
    .any(|tag| head.contains(tag));
    if looks_html {
        Format::Html
    } else {
        Format::Text
    }
}

/// Reads the cookies a charter document declares.
pub fn read_document(
    body: &[u8],
    content_type: Option<&str>,
    name: &str,
) -> Result<Reading, Unreadable> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Unreadable::Empty);
    }
    if is_binary(body) {
        return Err(Unreadable::Binary);
    }
    let text = decode_html(body, content_type);
    let format = sniff_format(body, content_type, name);
    let layout = match format {
        Format::Html => html::layout(&text),
        Format::Text => text::layout(&text),
    };
    let declared = declarations::declarations(&layout);
    if declared.is_empty() && matches!(format, Format::Html) {
        // An Opendatasoft custom page: the charter is a template inside a script.
        let embedded = embedded::templates(&text);
        for template in &embedded.html {
            let inner = html::layout(template);
            let declared = declarations::declarations(&inner);
            if !declared.is_empty() {
                return Ok(Reading {
                    declared,
                    portal_url: inner.portal_url.or(layout.portal_url),
                });
            }
        }
        if embedded.malformed {
            return Err(Unreadable::BrokenTemplate);
        }
    }
    if declared.is_empty() {
        return Err(if layout.tables.is_empty() && layout.items.is_empty() {
            Unreadable::NoTable
        } else {
            Unreadable::NoCookieColumn {
                tables: layout.tables.len(),
                items: layout.items.len(),
            }
        });
    }
    Ok(Reading {
        declared,
        portal_url: layout.portal_url,
    })
}

/// NUL bytes in the first 8 KiB mean binary data, unless a UTF-16 byte-order mark says the
/// NULs are half of each character.
fn is_binary(body: &[u8]) -> bool {
    if body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    body[..body.len().min(8192)].contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_sniffed_from_type_then_name_then_content() {
        assert_eq!(
            sniff_format(b"x", Some("text/html; charset=utf-8"), "a.txt"),
            Format::Html
        );
        assert_eq!(
            sniff_format(b"<html>", Some("text/plain"), "a"),
            Format::Text
        );
        assert_eq!(sniff_format(b"<html>", None, "charte.md"), Format::Text);
        assert_eq!(
            sniff_format(b"Charte", None, "https://p.test/c.html"),
            Format::Html
        );
        assert_eq!(
            sniff_format(b"\n<!DOCTYPE html><html>", None, "https://p.test/c/"),
            Format::Html
        );
        assert_eq!(
            sniff_format(b"## Charte cookies\n", None, "https://p.test/c/"),
            Format::Text
        );
    }

    #[test]
    fn unreadable_documents_say_why() {
        assert_eq!(read_document(b"", None, "a.txt"), Err(Unreadable::Empty));
        assert_eq!(
            read_document(b" \n\t ", None, "a.txt"),
            Err(Unreadable::Empty)
        );
        assert_eq!(
            read_document(b"\x89PNG\r\n\x1a\n\0\0\0", None, "a.png"),
            Err(Unreadable::Binary)
        );
        assert_eq!(
            read_document(b"Just some prose about privacy.", None, "a.txt"),
            Err(Unreadable::NoTable)
        );
        let no_name = read_document(
            b"<table><tr><th>Provider</th><th>Purpose</th></tr><tr><td>X</td><td>Y</td></tr></table>",
            Some("text/html"),
            "p",
        );
        assert!(
            matches!(no_name, Err(Unreadable::NoCookieColumn { tables: 1, .. })),
            "{no_name:?}"
        );
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_text() {
        let text = "Nom du cookie\tFinalités\n_ga\tmesure\n";
        let mut body = vec![0xFF, 0xFE];
        body.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert!(!is_binary(&body));
        let reading = read_document(&body, None, "charte.txt").expect("read");
        assert_eq!(reading.declared[0].name, "_ga");
    }
}
