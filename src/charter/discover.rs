//! Finding a target's charter: the configured one, else a link that names a cookie policy,
//! else the platform's own address for it.
//!
//! Opendatasoft draws its footer with a script, so a portal's static HTML often has no link to
//! its charter at all; the platform serves it at [`PLATFORM_PATHS`] all the same.

use std::future::Future;
use std::io::Read;
use std::path::Path;

use url::Url;

use super::{Unreadable, read_document};
use crate::config::CharterSource;
use crate::crawl::{CookieLink, Document};
use crate::types::{Charter, CharterStatus};

/// Where the Opendatasoft platform serves every portal's charter.
pub(crate) const PLATFORM_PATHS: [&str; 2] =
    ["/terms/cookies-policy/", "/terms/cookies-information"];

/// At most this many linked candidates are fetched, best first.
const MAX_LINK_CANDIDATES: usize = 4;

/// Fetches documents for discovery: in an audit, the target's own session, so that the
/// charter's cookies are recorded like any other page's.
pub(crate) trait DocumentSource {
    /// Fetches `url`.
    fn fetch(&self, url: &Url) -> impl Future<Output = Document> + Send;
}

/// Reads the charter of a target: `configured` when given, else the best link among `links`,
/// else the platform paths on the site of `start`.
pub(crate) async fn find_charter(
    configured: Option<&CharterSource>,
    start: &Url,
    links: &[CookieLink],
    source: &impl DocumentSource,
    file_limit: u64,
) -> Charter {
    if let Some(configured) = configured {
        return read_configured(configured, source, file_limit).await;
    }
    let mut tried: Vec<Url> = Vec::new();
    let mut unparsed: Option<Charter> = None;
    let mut unreachable: Option<Charter> = None;

    for (strength, link) in ranked(links).into_iter().take(MAX_LINK_CANDIDATES) {
        tried.push(link.url.clone());
        let charter = read_fetched(source.fetch(&link.url).await, &link.url);
        // A weak candidate (a consent button, "cookie" only in the URL) that fails was probably
        // never the charter: it must not stand as "the charter could not be read".
        match (charter.status, strength >= STRONG) {
            (CharterStatus::Parsed, _) => return charter,
            (CharterStatus::Unparsed, true) => {
                unparsed.get_or_insert(charter);
            }
            (_, true) => {
                unreachable.get_or_insert(charter);
            }
            (_, false) => {}
        }
    }

    for path in PLATFORM_PATHS {
        let Ok(url) = start.join(path) else { continue };
        if tried.contains(&url) {
            continue;
        }
        let document = source.fetch(&url).await;
        // A probe only counts where the site really answers with a page about cookies: many
        // sites answer 200 with a generic page for any path.
        let answered = document.status.is_some_and(|s| (200..300).contains(&s));
        if !answered || !mentions_cookies(&document.body) {
            continue;
        }
        let charter = read_fetched(document, &url);
        if charter.status == CharterStatus::Parsed {
            return charter;
        }
        unparsed.get_or_insert(charter);
    }

    unparsed.or(unreachable).unwrap_or_else(|| {
        Charter::not_found(format!(
            "no link naming a cookie policy on the visited pages, and no charter at {}",
            PLATFORM_PATHS.join(" or ")
        ))
    })
}

/// Reads a charter given by URL or file (the target's `charter` key, or the `charter` command).
pub(crate) async fn read_configured(
    configured: &CharterSource,
    source: &impl DocumentSource,
    file_limit: u64,
) -> Charter {
    match configured {
        CharterSource::Url(url) => read_fetched(source.fetch(url).await, url),
        CharterSource::File(path) => read_file(path, file_limit),
    }
}

/// Reads a local charter file, at most `limit` bytes of it.
pub(crate) fn read_file(path: &Path, limit: u64) -> Charter {
    let shown = path.display().to_string();
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes));
    if let Err(error) = read {
        return failed(
            CharterStatus::Unreachable,
            &shown,
            format!("cannot read {shown}: {error}"),
        );
    }
    let cut = std::fs::metadata(path).is_ok_and(|m| m.len() > limit);
    from_reading(
        read_document(&bytes, None, &shown),
        &shown,
        cut.then_some(limit),
    )
}

/// The charter a fetched document gives.
pub(crate) fn read_fetched(document: Document, requested: &Url) -> Charter {
    let source = requested.as_str();
    match (document.status, &document.error) {
        (None, Some(error)) => {
            return failed(
                CharterStatus::Unreachable,
                source,
                format!("cannot fetch it: {error}"),
            );
        }
        (Some(status), _) if !(200..300).contains(&status) => {
            return failed(
                CharterStatus::Unreachable,
                source,
                format!("it answered HTTP {status}"),
            );
        }
        _ => {}
    }
    let cut = document.truncated.then_some(document.body.len() as u64);
    let reading = read_document(
        &document.body,
        document.content_type.as_deref(),
        document.url.as_str(),
    );
    Charter {
        rendered: document.rendered,
        ..from_reading(reading, source, cut)
    }
}

fn from_reading(
    reading: Result<super::Reading, Unreadable>,
    source: &str,
    cut_at: Option<u64>,
) -> Charter {
    match reading {
        Ok(reading) => Charter {
            source: Some(source.to_string()),
            status: CharterStatus::Parsed,
            error: None,
            portal_url: reading.portal_url,
            declared: reading.declared,
            rendered: false,
        },
        Err(why) => {
            let mut message = why.to_string();
            if let Some(bytes) = cut_at {
                message.push_str(&format!(" (only its first {bytes} bytes were read)"));
            }
            failed(CharterStatus::Unparsed, source, message)
        }
    }
}

fn failed(status: CharterStatus, source: &str, error: String) -> Charter {
    Charter {
        source: Some(source.to_string()),
        status,
        error: Some(error),
        portal_url: None,
        declared: Vec::new(),
        rendered: false,
    }
}

/// A link at least this likely names the charter itself (its text says cookies or policy).
const STRONG: u8 = 2;

/// Links that may be the charter with how likely each is, most likely first; links that only
/// mention cookies in passing (a consent button) are kept last, links that do not are dropped.
pub(crate) fn ranked(links: &[CookieLink]) -> Vec<(u8, &CookieLink)> {
    let mut scored: Vec<(u8, usize, &CookieLink)> = links
        .iter()
        .enumerate()
        .map(|(i, link)| (score(link), i, link))
        .filter(|(score, _, _)| *score > 0)
        .collect();
    // Best score first; among equals, the first found.
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .map(|(score, _, link)| (score, link))
        .collect()
}

/// Phrases that name a cookie policy, lowercase (French, English, Dutch, German).
const POLICY_PHRASES: &[&str] = &[
    "charte cookie",
    "charte des cookies",
    "charte d'utilisation des cookies",
    "politique cookie",
    "politique de cookie",
    "politique des cookies",
    "politique relative aux cookies",
    "politique d'utilisation des cookies",
    "gestion des cookies",
    "utilisation des cookies",
    "informations sur les cookies",
    "cookie policy",
    "cookies policy",
    "cookie notice",
    "cookie statement",
    "use of cookies",
    "cookiebeleid",
    "cookieverklaring",
    "cookie-richtlinie",
    "cookie richtlinie",
    "cookie-hinweis",
    "cookie-erklärung",
    "datenschutz/cookies",
    "datenschutz & cookies",
];

/// Words of consent buttons and settings links, which mention cookies but are not the policy.
const ACTION_WORDS: &[&str] = &[
    "accept",
    "refus",
    "reject",
    "paramétr",
    "settings",
    "instellingen",
    "einstellungen",
    "préférences",
    "preferences",
    "manage",
    "weiger",
    "ablehnen",
    "akzeptieren",
];

fn score(link: &CookieLink) -> u8 {
    let text = link.text.to_lowercase();
    let path = link.url.path().to_lowercase();
    let url_names_policy = path.contains("cookie")
        && [
            "polic",
            "charte",
            "beleid",
            "richtlinie",
            "information",
            "verklaring",
        ]
        .iter()
        .any(|w| path.contains(w));
    if POLICY_PHRASES.iter().any(|p| text.contains(p)) || url_names_policy {
        3
    } else if ACTION_WORDS.iter().any(|w| text.contains(w)) {
        1
    } else if text.contains("cookie") {
        2
    } else if path.contains("cookie") {
        1
    } else {
        0
    }
}

fn mentions_cookies(body: &[u8]) -> bool {
    body.windows(6).any(|w| w.eq_ignore_ascii_case(b"cookie"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str, text: &str) -> CookieLink {
        CookieLink {
            url: Url::parse(url).unwrap(),
            text: text.to_string(),
            found_on: Url::parse("https://p.test/").unwrap(),
        }
    }

    #[test]
    fn policy_links_rank_before_buttons_and_passing_mentions() {
        let links = [
            link("https://p.test/#", "Accepter les cookies"),
            link("https://p.test/blog/cookies-recipe", "Our cookies"),
            link("https://p.test/page/charte", "Charte cookies"),
            link("https://other.test/legal/cookie-policy", "Legal"),
            link("https://p.test/about", "About"),
        ];
        let order: Vec<&str> = ranked(&links).iter().map(|(_, l)| l.url.as_str()).collect();
        assert_eq!(
            order,
            [
                "https://p.test/page/charte",
                "https://other.test/legal/cookie-policy",
                "https://p.test/blog/cookies-recipe",
                "https://p.test/#",
            ]
        );
    }

    #[test]
    fn every_language_names_its_policy() {
        for text in [
            "Charte cookies",
            "Politique de cookies",
            "Gestion des cookies",
            "Cookie policy",
            "Cookiebeleid",
            "Cookie-Richtlinie",
            "Datenschutz/Cookies",
        ] {
            assert_eq!(score(&link("https://p.test/x", text)), 3, "{text}");
        }
    }

    #[test]
    fn a_missing_or_binary_file_is_unreachable_or_unparsed_with_the_reason() {
        let missing = read_file(Path::new("/nonexistent/charte.txt"), 1000);
        assert_eq!(missing.status, CharterStatus::Unreachable);
        assert!(missing.error.unwrap().contains("cannot read"));
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("charte.bin");
        std::fs::write(&binary, b"\x00\x01\x02PK").unwrap();
        let charter = read_file(&binary, 1000);
        assert_eq!(charter.status, CharterStatus::Unparsed);
        assert!(charter.error.unwrap().contains("binary"));
    }
}
