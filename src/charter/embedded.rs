//! Charters that arrive inside a script: Opendatasoft custom pages (`/pages/<slug>/`) do not
//! send their content as HTML but as an escaped AngularJS template in an inline script,
//! `$scope.blocks = {"html": "…", "css": "…"}`, or one template per language,
//! `"html": {"fr": "…", "en": "…"}`. The table exists only after scripts run; the HTTP engine
//! reads it from the template.

/// What marks a page whose content is an embedded template.
const MARKER: &str = "$scope.blocks";

/// At most this many templates are read from one page.
const MAX_TEMPLATES: usize = 16;

/// At most this many bytes of the page after the marker are searched.
const MAX_SEARCH_BYTES: usize = 8 << 20;

/// The templates a page embeds, the one in the page's own language first.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Templates {
    /// The HTML of each template, decoded from its script string.
    pub html: Vec<String>,
    /// A template whose string could not be read (it never ends, or holds a broken escape).
    pub malformed: bool,
}

/// Finds the templates embedded in `page` after `$scope.blocks`: the string values of its
/// `html` keys, a string or an object of strings per language.
pub(crate) fn templates(page: &str) -> Templates {
    let mut found = Templates::default();
    let Some(start) = page.find(MARKER) else {
        return found;
    };
    let mut rest = &page[start..];
    if rest.len() > MAX_SEARCH_BYTES {
        let mut end = MAX_SEARCH_BYTES;
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        rest = &rest[..end];
    }
    let mut by_language: Vec<(Option<String>, String)> = Vec::new();
    while let Some(at) = html_key(rest) {
        rest = rest[at..].trim_start();
        match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => match string_literal(&rest[1..], quote) {
                Some((text, used)) => {
                    by_language.push((None, text));
                    rest = &rest[1 + used..];
                }
                None => {
                    found.malformed = true;
                    break;
                }
            },
            Some('{') => {
                let (strings, used, broken) = language_object(&rest[1..]);
                found.malformed |= broken;
                by_language.extend(strings.into_iter().map(|(lang, text)| (Some(lang), text)));
                rest = &rest[1 + used..];
                if broken {
                    break;
                }
            }
            _ => {}
        }
        if by_language.len() >= MAX_TEMPLATES {
            break;
        }
    }
    let preferred = page_language(page);
    by_language.sort_by_key(|(lang, _)| lang.is_some() && lang.as_deref() != preferred.as_deref());
    found.html = by_language.into_iter().map(|(_, text)| text).collect();
    found
}

/// The byte offset just past the next `html` key and its colon (`"html":`, `'html':`,
/// `html:`), if any.
fn html_key(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = text[from..].find("html") {
        let at = from + offset;
        let after_word = at + "html".len();
        let before = text[..at].chars().next_back();
        let quoted = matches!(before, Some('"' | '\''));
        let mut after = after_word;
        if quoted && text[after..].starts_with(['"', '\'']) {
            after += 1;
        }
        let separated =
            !matches!(before, Some(c) if c.is_alphanumeric() || c == '_' || c == '.' || c == '-');
        let rest = text[after..].trim_start();
        if separated && rest.starts_with(':') {
            return Some(text.len() - rest.len() + 1);
        }
        from = after_word;
    }
    None
}

/// The strings of an object literal `{"fr": "…", "en": "…"}` whose opening brace was just read:
/// each with its key, the bytes used (closing brace included), and whether a string was broken.
fn language_object(text: &str) -> (Vec<(String, String)>, usize, bool) {
    let mut strings = Vec::new();
    let mut at = 0;
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        at += rest.len() - trimmed.len();
        let Some(first) = trimmed.chars().next() else {
            return (strings, at, true);
        };
        if first == '}' {
            return (strings, at + 1, false);
        }
        // The key: quoted or bare.
        let (key, used) = match first {
            '"' | '\'' => match string_literal(&trimmed[1..], first) {
                Some((key, used)) => (key, used + 1),
                None => return (strings, at, true),
            },
            _ => {
                let length = trimmed
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                    .unwrap_or(trimmed.len());
                (trimmed[..length].to_string(), length)
            }
        };
        at += used;
        let rest = &text[at..];
        let Some(value) = rest.trim_start().strip_prefix(':') else {
            return (strings, at, true);
        };
        let value_start = value.trim_start();
        at += rest.len() - value_start.len();
        match value_start.chars().next() {
            Some(quote @ ('"' | '\'')) => match string_literal(&value_start[1..], quote) {
                Some((text_value, used)) => {
                    strings.push((key, text_value));
                    at += 1 + used;
                }
                None => return (strings, at, true),
            },
            _ => return (strings, at, true),
        }
    }
}

/// A JavaScript string literal whose opening `quote` was just read: its value, with every
/// escape decoded, and the bytes used (closing quote included); `None` when it never ends or
/// holds a broken escape.
fn string_literal(text: &str, quote: char) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c == quote => return Some((value, at + c.len_utf8())),
            '\\' => {
                let (_, escaped) = chars.next()?;
                match escaped {
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    'b' => value.push('\u{8}'),
                    'f' => value.push('\u{c}'),
                    'v' => value.push('\u{b}'),
                    '0' => value.push('\0'),
                    // A line continuation adds nothing.
                    '\n' => {}
                    'x' => {
                        let hex: String = (0..2)
                            .filter_map(|_| chars.next().map(|(_, h)| h))
                            .collect();
                        value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    'u' => value.push(unicode_escape(&mut chars)?),
                    other => value.push(other),
                }
            }
            // A raw line break ends a broken string literal.
            '\n' => return None,
            c => value.push(c),
        }
    }
    None
}

/// The character of a `\uXXXX` escape (a surrogate pair joined with the `\uXXXX` after it) or
/// of a `\u{X…}` escape, whose `\u` was just read.
fn unicode_escape(chars: &mut std::str::CharIndices<'_>) -> Option<char> {
    let hex4 = |chars: &mut std::str::CharIndices<'_>| -> Option<u32> {
        let hex: String = (0..4)
            .filter_map(|_| chars.next().map(|(_, h)| h))
            .collect();
        (hex.len() == 4).then_some(())?;
        u32::from_str_radix(&hex, 16).ok()
    };
    let mut peek = chars.clone();
    if peek.next().map(|(_, c)| c) == Some('{') {
        chars.next();
        let mut hex = String::new();
        for (_, c) in chars.by_ref() {
            if c == '}' {
                return char::from_u32(u32::from_str_radix(&hex, 16).ok()?);
            }
            if hex.len() >= 6 {
                return None;
            }
            hex.push(c);
        }
        return None;
    }
    let first = hex4(chars)?;
    if (0xD800..0xDC00).contains(&first) {
        let mut after = chars.clone();
        if after.next().map(|(_, c)| c) == Some('\\') && after.next().map(|(_, c)| c) == Some('u') {
            let low = hex4(&mut after)?;
            if (0xDC00..0xE000).contains(&low) {
                *chars = after;
                return char::from_u32(0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00));
            }
        }
        return Some(char::REPLACEMENT_CHARACTER);
    }
    Some(char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER))
}

/// The page's own language (`<html lang="fr">`), lowercased, region dropped.
fn page_language(page: &str) -> Option<String> {
    let tag_start = page.find("<html")?;
    let tag = &page[tag_start..];
    let tag = &tag[..tag.find('>')?];
    let lang_at = tag.find("lang=")? + "lang=".len();
    let value = tag[lang_at..].trim_start_matches(['"', '\'']);
    let end = value.find(|c: char| !c.is_ascii_alphabetic())?;
    Some(value[..end].to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escaped_template_is_decoded() {
        let page = r#"<html lang="fr"><script>app.controller('x', function($scope) {
            $scope.blocks = {"html": "\u003ch2\u003eCharte\u003c/h2\u003e\n\u003cp\u003eL\u0027usage \"libre\" \/ \x3cb\x3eok\x3c/b\x3e caf\u00e9 \ud83c\udf6a\u003c/p\u003e", "css": "h2 {color: red}"};
        });</script></html>"#;
        let found = templates(page);
        assert!(!found.malformed);
        assert_eq!(
            found.html,
            ["<h2>Charte</h2>\n<p>L'usage \"libre\" / <b>ok</b> café 🍪</p>"]
        );
    }

    #[test]
    fn the_page_language_comes_first() {
        let page = r#"<html lang="en-GB"><script>$scope.blocks = {html: {'fr': 'bonjour', "en": "hello"}, css: {}};</script>"#;
        assert_eq!(templates(page).html, ["hello", "bonjour"]);
    }

    #[test]
    fn broken_or_absent_templates_do_not_panic() {
        assert_eq!(templates("<p>no script</p>"), Templates::default());
        let unterminated = r#"<script>$scope.blocks = {"html": "<table><tr><td>_ga"#;
        assert!(templates(unterminated).malformed);
        for garbage in [
            "$scope.blocks",
            "$scope.blocks = {\"html\":",
            "$scope.blocks = {\"html\": {\"fr\": ",
            "$scope.blocks = {\"html\": \"\\u12\"}",
            "$scope.blocks = {\"html\": \"\\u{110000}\"}",
            "$scope.blocks = {\"html\": \"\\ud800\"}",
            "$scope.blocks = {html: 'a\\",
            "$scope.blocks = { 'html' : { fr : 'é' , } }",
        ] {
            let _ = templates(garbage);
        }
    }
}
