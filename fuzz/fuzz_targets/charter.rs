//! The charter parser on arbitrary bytes, read both as an HTML page and as text/Markdown
//! (the first byte picks which is read first, so both orders are exercised).

#![no_main]

use cookie_audit::charter;
use cookie_audit::duration;
use cookie_audit::types::MatchKind;
use libfuzzer_sys::fuzz_target;

fn check(data: &[u8], content_type: Option<&str>, name: &str) {
    match charter::read_document(data, content_type, name) {
        Ok(reading) => {
            // A reading that succeeds has declarations (otherwise it says why not).
            assert!(!reading.declared.is_empty());
            for d in &reading.declared {
                // tests/properties.rs: declared names are never empty, and an exact
                // declaration covers the name it was read from.
                assert!(!d.name.trim().is_empty(), "{d:?}");
                if d.match_kind == MatchKind::Exact {
                    assert!(charter::names::covers(d, &d.name), "{d:?}");
                }
                // table.rs: the seconds are the duration text read by duration::parse.
                assert_eq!(
                    d.duration_seconds,
                    d.duration.as_deref().and_then(duration::parse),
                    "{d:?}"
                );
            }
        }
        Err(why) => assert!(!why.to_string().is_empty()),
    }
}

fuzz_target!(|data: &[u8]| {
    let html = (
        Some("text/html; charset=utf-8"),
        "https://portal.test/charte.html",
    );
    let text = (Some("text/markdown"), "https://portal.test/charte.md");
    let (first, second) = match data.first() {
        Some(b) if b & 1 == 1 => (html, text),
        _ => (text, html),
    };
    check(data, first.0, first.1);
    check(data, second.0, second.1);
    // No content type: the format is sniffed from the bytes.
    check(data, None, "https://portal.test/charte/");
});
