//! `Set-Cookie` parsing on arbitrary (lossily decoded) bytes, and the line recorded the way a
//! crawl records a header: `SetCookie::header` → `CookieEvent` → `ObservationBook`.

#![no_main]

use std::time::{Duration, SystemTime};

use cookie_audit::cookie::{CookieEvent, RAW_HEADER_KEEP, SetCookie, Sighting, parse_set_cookie};
use cookie_audit::observe::{ObservationBook, requested_lifetime, without_value};
use cookie_audit::types::CookieSource;
use cookie_audit::site::Site;
use libfuzzer_sys::fuzz_target;
use url::Url;

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data).into_owned();
    let parsed = parse_set_cookie(&raw);
    if let Ok(cookie) = &parsed {
        // fetch.rs: a nameless cookie is an error, never a cookie.
        assert!(!cookie.name().trim().is_empty());
    }

    let page = Url::parse("https://www.portal.test/a/b/page?x=1").unwrap();
    let site = Site::of(&page).expect("the portal is a site");
    // A fixed response date keeps Expires-based lifetimes reproducible.
    let date = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let sighting = || {
        let header = SetCookie::header(raw.clone(), &page, date);
        assert_eq!(header.raw, raw);
        assert_eq!(header.parsed.is_ok(), parsed.is_ok());
        Sighting::Cookie(CookieEvent {
            set_cookie: header,
            page: page.clone(),
        })
    };
    let mut book = ObservationBook::new(site);
    // The same header twice (a cookie set again on the next response) makes one observation.
    book.record(&sighting());
    book.record(&sighting());
    let observations = book.finish();
    assert!(observations.storage.is_empty());

    match &parsed {
        Err(_) => {
            assert!(observations.cookies.is_empty());
            assert_eq!(observations.malformed.len(), 1);
            let malformed = &observations.malformed[0];
            assert_eq!(malformed.count, 2);
            assert!(malformed.raw.len() <= RAW_HEADER_KEEP);
            // Kept without its value (only its length), unless --record-values.
            assert!(without_value(&raw).starts_with(&malformed.raw));
            assert!(observations.cookies.iter().all(|c| c.value.is_none()));
            assert!(!malformed.error.is_empty());
        }
        Ok(cookie) => {
            assert!(observations.malformed.is_empty());
            let lifetime = requested_lifetime(cookie, date);
            match lifetime {
                // An expiry in the past deletes the cookie: nothing is recorded.
                None => assert!(observations.cookies.is_empty()),
                Some(lifetime) => {
                    assert_eq!(observations.cookies.len(), 1);
                    let observed = &observations.cookies[0];
                    assert_eq!(observed.name, cookie.name());
                    assert_eq!(observed.seen_on_pages, 1);
                    assert_eq!(observed.value_length, cookie.value().len());
                    assert_eq!(observed.value, None, "values are not kept by default");
                    assert_eq!(observed.source, CookieSource::Http);
                    assert_eq!(observed.attributes.lifetime_seconds, lifetime);
                    assert_eq!(observed.attributes.session, lifetime.is_none());
                    if let Some(seconds) = lifetime {
                        assert!(seconds > 0);
                    }
                    // The path is the cookie's own when absolute, else the request's directory.
                    assert!(observed.path.starts_with('/'), "{observed:?}");
                    // Host-only exactly when no (non-empty) Domain attribute was given.
                    let has_domain = cookie.domain().is_some_and(|d| !d.is_empty());
                    assert_eq!(observed.host_only, !has_domain);
                    if observed.host_only {
                        assert_eq!(observed.domain, "www.portal.test");
                    } else {
                        assert!(!observed.domain.starts_with('.'), "{observed:?}");
                    }
                    assert!(observed.variants.is_empty());
                    assert_eq!(observed.first_seen_on, page.as_str());
                }
            }
        }
    }
});
