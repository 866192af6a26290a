//! `crawl::extract::normalise` on arbitrary hrefs: it never panics, normalising is idempotent,
//! and what it gives is what it promises (http(s) with a host, no fragment, no empty query).

#![no_main]

use cookie_audit::extract::normalise;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use url::Url;

static BASE: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://portal.test/a/b?x=1").expect("a valid base"));

fuzz_target!(|data: &[u8]| {
    let href = String::from_utf8_lossy(data);
    let Some(once) = normalise(&BASE, &href) else {
        return;
    };
    assert!(matches!(once.scheme(), "http" | "https"), "{once}");
    assert!(once.host_str().is_some(), "{once}");
    assert_eq!(once.fragment(), None, "{once}");
    assert_ne!(once.query(), Some(""), "{once}");
    let twice = normalise(&BASE, once.as_str());
    assert_eq!(twice.as_ref(), Some(&once), "{href:?} -> {once}");
});
