//! Where long URLs and cookie names may wrap: after `/`, `?`, `&`, `=`, `.`, `-` and `_`, as a
//! person would split them (`_` too, since path slugs such as `bruxelles_parkings_publics` are
//! words joined by it), never in the middle of a word (`word-break: break-all` cuts `example` into
//! `exa` and `mple`). The template's `breakable` filter escapes the text and marks those points
//! with `<wbr>`, so a table of long URLs fits its page without a browser choosing where to cut.

use minijinja::{HtmlEscape, Value};

/// The characters after which a line may break, once the word has more than them: `_ga` and
/// `.example` never leave their first character alone on a line.
const AFTER: [char; 7] = ['/', '?', '&', '=', '.', '-', '_'];

/// A run without any of [`AFTER`] longer than this (a session id, a hash, a base64 value) has
/// no word to keep whole (`viewthroughconversion`, 21, is kept); it may break every [`CHUNK`]
/// characters instead of widening its column.
const LONGEST_RUN: usize = 22;
const CHUNK: usize = 12;

/// `text` escaped for HTML, with `<wbr>` where it may wrap; marked safe since every part of it
/// that came from `text` is escaped here.
pub(super) fn breakable_filter(text: &str) -> Value {
    Value::from_safe_string(breakable(text))
}

/// `text` escaped for HTML, with `<wbr>` after each run of [`AFTER`] characters (not between
/// the two slashes of `https://`) and inside runs longer than [`LONGEST_RUN`].
pub(super) fn breakable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 3);
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        word.push(c);
        let next = chars.peek().copied();
        let ends_word = if AFTER.contains(&c) {
            !next.is_some_and(|n| AFTER.contains(&n)) && !word.chars().all(|w| AFTER.contains(&w))
        } else {
            c.is_whitespace()
        };
        if ends_word || next.is_none() {
            push_word(&mut out, &word);
            // Whitespace breaks by itself; nothing breaks after the last character.
            if next.is_some() && !c.is_whitespace() {
                out.push_str("<wbr>");
            }
            word.clear();
        }
    }
    out
}

/// One word (letters and the separators ending it), escaped, cut into chunks when too long.
fn push_word(out: &mut String, word: &str) {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= LONGEST_RUN {
        out.push_str(&HtmlEscape(word).to_string());
        return;
    }
    for (i, chunk) in chars.chunks(CHUNK).enumerate() {
        if i > 0 {
            out.push_str("<wbr>");
        }
        let chunk: String = chunk.iter().collect();
        out.push_str(&HtmlEscape(&chunk).to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_wrap_after_their_separators_only() {
        assert_eq!(
            breakable("https://a.example/p?x=1&y=2").replace("&#x2f;", "/"),
            "https://<wbr>a.<wbr>example/<wbr>p?<wbr>x=<wbr>1&amp;<wbr>y=<wbr>2"
        );
        assert_eq!(breakable("_ga"), "_ga");
        assert_eq!(breakable("_pk_id.1"), "_pk_<wbr>id.<wbr>1");
        assert_eq!(breakable("a_long_slug"), "a_<wbr>long_<wbr>slug");
        assert_eq!(breakable("two words"), "two words");
        assert_eq!(breakable("end/"), "end&#x2f;");
    }

    #[test]
    fn long_tokens_break_in_chunks_and_everything_is_escaped() {
        let token = "a".repeat(40);
        assert_eq!(
            breakable(&"b".repeat(22)),
            "b".repeat(22),
            "a word of 22 stays whole"
        );
        assert_eq!(
            breakable(&token),
            format!("{0}<wbr>{0}<wbr>{0}<wbr>aaaa", "a".repeat(12))
        );
        let hostile = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>";
        let out = breakable(hostile);
        assert!(!out.replace("<wbr>", "").contains('<'), "{out}");
        assert_eq!(
            out.replace("<wbr>", ""),
            HtmlEscape(hostile).to_string(),
            "only <wbr> is added"
        );
    }
}
