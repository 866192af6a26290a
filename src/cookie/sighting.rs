//! What a crawl saw a site store: cookies and Web Storage keys, each tied to the page visited.

use url::Url;

use super::set_cookie::SetCookie;
use crate::types::StorageKind;

/// A cookie set while a page was being visited.
#[derive(Debug)]
pub struct CookieEvent {
    /// The cookie line and where it came from.
    pub set_cookie: SetCookie,
    /// The page being visited (for robots.txt and sitemaps: the target's start page).
    pub page: Url,
}

/// A Web Storage key written while a page was being visited (browser engine).
#[derive(Debug, Clone)]
pub struct StorageEvent {
    /// The origin that owns the storage area.
    pub origin: String,
    /// `localStorage` or `sessionStorage`.
    pub kind: StorageKind,
    /// The key.
    pub key: String,
    /// The value's length; the value itself is never kept.
    pub value_length: usize,
    /// The script that wrote it, or the page when only a snapshot showed it.
    pub set_by: Url,
    /// The page being visited.
    pub page: Url,
    /// True when only a snapshot of the storage area showed it: weaker evidence, kept only
    /// when no script was seen writing the same key.
    pub from_snapshot: bool,
}

/// Something a crawl saw a site store in the visitor's browser.
// Cookies are nearly every sighting; boxing them would cost an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Sighting {
    /// A cookie.
    Cookie(CookieEvent),
    /// A Web Storage key.
    Storage(StorageEvent),
}

/// Cookies set while `page` was visited, as sightings.
pub fn cookie_sightings(cookies: Vec<SetCookie>, page: &Url) -> Vec<Sighting> {
    cookies
        .into_iter()
        .map(|set_cookie| {
            Sighting::Cookie(CookieEvent {
                set_cookie,
                page: page.clone(),
            })
        })
        .collect()
}
