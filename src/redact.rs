//! Credentials in URLs (`https://user:secret@staging.portal/`) never reach a report or a log.
//!
//! A target's URL may carry them (a staging server behind basic auth), and so may any link a
//! site publishes. The crawl uses them as given; everything written out goes through here.

use std::borrow::Cow;
use std::io::{self, Write};

/// What replaces the user information of a URL.
pub const MASK: &str = "***";

/// `text` with the user information of every URL in it replaced by [`MASK`]:
/// `https://user:pass@host/` becomes `https://***@host/`.
pub fn credentials(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    // The authority ends where the path, query or fragment starts, or where the URL does in the
    // surrounding text: at a character a serialised URL escapes (`'` is legal in a password, so
    // it does not end one).
    let ends_authority =
        |c: char| matches!(c, '/' | '?' | '#' | '"' | '<' | '>' | '`' | '\\') || c.is_whitespace();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found + 3;
        let length = text[start..]
            .find(ends_authority)
            .unwrap_or(text.len() - start);
        if let Some(at) = text[start..start + length].rfind('@') {
            out.push_str(&text[copied..start]);
            out.push_str(MASK);
            copied = start + at;
        }
        // An authority holds no `/`, so the next `://` starts at its end at the earliest; it is
        // looked for from here so that `junk://https://user@host` is still found.
        from = start;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Redacts every string of a JSON document, keys included.
pub fn json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let Cow::Owned(redacted) = credentials(s) {
                *s = redacted;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(json),
        serde_json::Value::Object(map) => {
            let renamed: Vec<String> = map
                .keys()
                .filter(|k| matches!(credentials(k), Cow::Owned(_)))
                .cloned()
                .collect();
            for key in renamed {
                if let Some(v) = map.remove(&key) {
                    map.insert(credentials(&key).into_owned(), v);
                }
            }
            map.values_mut().for_each(json);
        }
        _ => {}
    }
}

/// A writer that redacts what goes through it; the log formatter writes one whole line per
/// call, so a URL is never split between two writes.
pub struct RedactingWriter<W>(pub W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(credentials(text).as_bytes())?,
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_information_is_masked_wherever_a_url_appears() {
        let cases = [
            (
                "https://user:pass@host.test/a?b=c@d",
                "https://***@host.test/a?b=c@d",
            ),
            ("http://token@host.test", "http://***@host.test"),
            (
                "error: cannot reach http://u:p@a.test:8080/x (refused); see https://b.test/@c",
                "error: cannot reach http://***@a.test:8080/x (refused); see https://b.test/@c",
            ),
            (
                "<a href=\"http://a:b@c.test\">",
                "<a href=\"http://***@c.test\">",
            ),
            ("mailto:someone@example.org", "mailto:someone@example.org"),
            ("no url here @ all", "no url here @ all"),
            ("https://p@ss:w@rd@host.test/", "https://***@host.test/"),
            ("://https://0:@a.test/path", "://https://***@a.test/path"),
            ("x://a@b://c:d@e/", "x://***@b://***@e/"),
            ("https://~:'@a.test/", "https://***@a.test/"),
        ];
        for (text, expected) in cases {
            assert_eq!(credentials(text), expected, "{text}");
        }
        assert!(matches!(
            credentials("https://host.test/@x"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn every_string_of_a_json_document_is_redacted() {
        let mut value = serde_json::json!({
            "url": "https://u:p@h.test/",
            "pages": [{"url": "https://u:p@h.test/a", "n": 1}],
            "https://k:v@h.test/": true
        });
        json(&mut value);
        let text = value.to_string();
        assert!(!text.contains("u:p") && !text.contains("k:v"), "{text}");
        assert_eq!(value["pages"][0]["url"], "https://***@h.test/a");
    }

    #[test]
    fn the_writer_redacts_each_line() {
        let mut out = RedactingWriter(Vec::new());
        writeln!(out, "GET https://a:b@h.test/ failed").unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            "GET https://***@h.test/ failed\n"
        );
    }
}
