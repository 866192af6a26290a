//! One `Set-Cookie` line as a site sent it (or a script wrote it), parsed as browsers parse it.

use std::time::SystemTime;

use url::Url;

use super::date::browser_attributes;

/// A malformed `Set-Cookie` header is kept verbatim up to this many bytes.
pub const RAW_HEADER_KEEP: usize = 200;

/// How a cookie reached the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieVia {
    /// A `Set-Cookie` response header.
    Header,
    /// A script: `document.cookie` or the CookieStore API (browser engine).
    Script,
    /// Found in the browser's cookie store and seen by no other path (browser engine): weaker
    /// evidence, kept only when nothing better shows the same cookie.
    Store,
}

/// One cookie as a site set it: a `Set-Cookie` header, or the same line written by a script.
#[derive(Debug, Clone)]
pub struct SetCookie {
    /// The line decoded lossily (bytes ≥ 0x80 that are not UTF-8 become U+FFFD).
    pub raw: String,
    /// The parsed cookie, or why it could not be parsed.
    pub parsed: Result<cookie::Cookie<'static>, String>,
    /// The response that carried it, or the script that wrote it.
    pub set_by: Url,
    /// The URL whose host and directory a cookie without `Domain`/`Path` gets: the response's
    /// for a header, the document's for a script.
    pub scope: Url,
    /// How it was seen.
    pub via: CookieVia,
    /// The clock `Expires` is measured against: the response's `Date`, or the script's clock.
    pub response_date: Option<SystemTime>,
    /// Why the jar (or the browser) refused to store it, if it did.
    pub refused: Option<String>,
    /// The value's length in the bytes the site sent, when they are known and differ from the
    /// decoded line's (bytes that are not UTF-8 become 3-byte U+FFFD in `raw`).
    pub value_bytes: Option<usize>,
}

impl SetCookie {
    /// A `Set-Cookie` header received from `url`.
    pub fn header(raw: String, url: &Url, response_date: Option<SystemTime>) -> SetCookie {
        SetCookie {
            parsed: parse_set_cookie(&raw),
            raw,
            set_by: url.clone(),
            scope: url.clone(),
            via: CookieVia::Header,
            response_date,
            refused: None,
            value_bytes: None,
        }
    }
}

/// The length of a `Set-Cookie` line's value in the bytes sent: the name-value pair is what
/// precedes the first `;`, the value what follows its first `=` (all of it without one),
/// whitespace around it aside.
pub fn value_bytes(line: &[u8]) -> usize {
    let pair = line.split(|&b| b == b';').next().unwrap_or_default();
    let value = match pair.iter().position(|&b| b == b'=') {
        Some(at) => &pair[at + 1..],
        None => pair,
    };
    value.trim_ascii().len()
}

/// Parses one `Set-Cookie` value as browsers would, or says why it cannot be.
pub fn parse_set_cookie(raw: &str) -> Result<cookie::Cookie<'static>, String> {
    let line = browser_attributes(raw).into_owned();
    let cookie = cookie::Cookie::parse(line).map_err(|e| e.to_string())?;
    if cookie.name().trim().is_empty() {
        return Err("the cookie has no name".into());
    }
    Ok(cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_parsing_keeps_attributes_and_rejects_nameless_cookies() {
        let c = parse_set_cookie("csrftoken=abc; Path=/; Max-Age=31449600; SameSite=Lax").unwrap();
        assert_eq!(c.name(), "csrftoken");
        assert_eq!(c.max_age(), Some(time::Duration::seconds(31_449_600)));
        assert!(parse_set_cookie("=value").is_err());
        assert!(parse_set_cookie("novalue").is_err());
        assert!(parse_set_cookie("").is_err());
    }
}
