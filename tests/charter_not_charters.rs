//! Pages that are not charters: read end to end, they declare nothing and say why.

mod common;

use common::{args, cookie_audit};

#[test]
fn a_home_page_with_one_word_lists_declares_no_cookie() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/charters/not-home.html");
    let dir = tempfile::tempdir().expect("tempdir");
    let run = cookie_audit(
        dir.path(),
        &args(&["charter", &path.to_string_lossy(), "--json"]),
    );
    let charter: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    assert_eq!(charter["status"], "unparsed", "{charter}");
    assert_eq!(charter["declared"].as_array().map(Vec::len), Some(0));
    let why = charter["error"].as_str().unwrap_or_default();
    assert!(
        why.contains("none with a column or entry naming cookies"),
        "{why}"
    );
    // Unparsed is exit 1, and the reason is on stderr for a person too.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no declared cookie could be read"),
        "{}",
        run.stderr
    );
}
