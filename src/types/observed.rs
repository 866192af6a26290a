//! What a site was seen storing: cookies with their attributes and Web Storage keys.

use serde::{Deserialize, Serialize};

use crate::site::Party;

/// How a cookie came to be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CookieSource {
    /// A `Set-Cookie` response header.
    Http,
    /// A script (`document.cookie`, CookieStore API).
    Javascript,
}

/// The consent phase a cookie was seen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// No interaction with a consent banner.
    None,
    /// After refusing consent.
    Reject,
    /// After accepting.
    Accept,
    /// No interaction, in a browser sending Global Privacy Control (`Sec-GPC: 1`).
    Gpc,
}

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

/// The attributes a site asked for when it set a cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieAttributes {
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite`, when given.
    pub same_site: Option<SameSite>,
    /// No `Max-Age` nor `Expires`: the cookie ends with the browser session.
    pub session: bool,
    /// The lifetime asked for (`Max-Age`, else `Expires` against the response's `Date`), before
    /// any browser cap; null for session cookies.
    pub lifetime_seconds: Option<i64>,
}

/// A later sighting of a cookie whose attributes differ from the first one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieVariant {
    /// The attributes of that sighting.
    #[serde(flatten)]
    pub attributes: CookieAttributes,
    /// The response that set it.
    pub set_by: String,
    /// The page being visited.
    pub seen_on: String,
}

/// One cookie set during the crawl, identified by (name, domain, path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedCookie {
    /// The cookie's name.
    pub name: String,
    /// The `Domain` attribute (without a leading dot), or the host that set a host-only cookie.
    pub domain: String,
    /// True when no `Domain` attribute was given: only `domain` itself gets the cookie back.
    pub host_only: bool,
    /// The cookie's path.
    pub path: String,
    /// First or third party, on registrable domains.
    pub party: Party,
    /// Header or script.
    pub source: CookieSource,
    /// The consent phase it was seen in.
    pub phase: Phase,
    /// The attributes of the first sighting.
    #[serde(flatten)]
    pub attributes: CookieAttributes,
    /// Length in bytes of the value.
    pub value_length: usize,
    /// The value of the first sighting, only with `--record-values` (cut at 4 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// URL of the response (or script) that first set it.
    pub set_by: String,
    /// URL of the page being visited when it was first set.
    pub first_seen_on: String,
    /// On how many distinct pages it was set.
    pub seen_on_pages: u32,
    /// The charter declaration it matched, if any.
    pub declared_as: Option<String>,
    /// Why the cookie jar refused to store it, if it did.
    pub blocked: Option<String>,
    /// Later sightings whose attributes or lifetime differed from the first (at most 10).
    pub variants: Vec<CookieVariant>,
}

/// Which Web Storage area a key lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// `localStorage`.
    Local,
    /// `sessionStorage`.
    Session,
}

/// One Web Storage key (browser engine only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageEntry {
    /// The origin that owns the storage area.
    pub origin: String,
    /// Local or session storage.
    pub kind: StorageKind,
    /// The key.
    pub key: String,
    /// Length of the value; the value itself is not stored.
    pub value_length: usize,
    /// The page or script that wrote it.
    pub set_by: String,
    /// The consent phase it was seen in.
    pub phase: Phase,
}

/// A `Set-Cookie` header that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedSetCookie {
    /// The header as received (decoded lossily), cut to 200 bytes.
    pub raw: String,
    /// Why it could not be parsed.
    pub error: String,
    /// The response that carried it.
    pub set_by: String,
    /// The page being visited.
    pub seen_on: String,
    /// How many times this exact header was received.
    pub count: u32,
}
