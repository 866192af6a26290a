//! Credentials in URLs (`https://user:secret@staging.portal/`) never reach a report or a log.
//!
//! A target's URL may carry them (a staging server behind basic auth), and so may any link a
//! site publishes. The crawl uses them as given; everything written out goes through here.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

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
    // it does not end one). Every character JSON escapes (`"`, `\`, controls) is among them, so
    // redacting a JSON document's text masks exactly what redacting each string would.
    let ends_authority = |c: char| {
        matches!(c, '/' | '?' | '#' | '"' | '<' | '>' | '`' | '\\')
            || c.is_whitespace()
            || c.is_control()
    };
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

/// `value` with every string it serialises to redacted, keys included.
///
/// The value is serialised to JSON text and the text redacted: no escape sequence or string
/// boundary can fall inside a masked span (see `ends_authority`), so the text stays valid JSON.
/// It is read back only when something was masked, so the common case costs one string, not a
/// copy of the whole document as a `serde_json::Value` tree.
pub fn serialised<T: Serialize + DeserializeOwned>(value: T) -> T {
    let Ok(text) = serde_json::to_string(&value) else {
        return value;
    };
    match credentials(&text) {
        Cow::Borrowed(_) => value,
        Cow::Owned(masked) => serde_json::from_str(&masked).unwrap_or_else(|_| {
            // Not expected (see above); the tree walk is the slower way to the same result.
            let mut tree = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
            json(&mut tree);
            serde_json::from_value(tree).unwrap_or(value)
        }),
    }
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
    fn a_serialised_value_is_redacted_as_its_strings_would_be() {
        let strings = vec![
            "https://u:p@h.test/\"quoted\"".to_string(),
            "a \\ backslash, then http://t@h.test".to_string(),
            "a quote in the user: http://u\"x:p@h.test/".to_string(),
            "a control in the user: http://u\u{1}x:p@h.test/".to_string(),
            "https://k:v@h.test/ as a key".to_string(),
            "nothing to mask".to_string(),
        ];
        let one_by_one: Vec<String> = strings
            .iter()
            .map(|s| credentials(s).into_owned())
            .collect();
        assert_eq!(serialised(strings.clone()), one_by_one);
        assert!(one_by_one[0].starts_with("https://***@h.test/"));
        let keys: std::collections::BTreeMap<String, u8> = [(strings[4].clone(), 1)].into();
        assert_eq!(
            serialised(keys).into_keys().collect::<Vec<_>>(),
            ["https://***@h.test/ as a key"]
        );
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
