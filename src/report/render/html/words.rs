//! Values as a person reads them: times, lifetimes, anchors, links and the report's words.

use std::collections::HashSet;

use crate::duration;
use crate::site::Party;
use crate::types::{CharterStatus, Declaration, Run};

/// `2026-11-24T11:35:50Z` as `2026-11-24 11:35:50 UTC`; anything else as it is.
pub(super) fn readable_time(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| rfc3339.to_string())
}

pub(super) fn run_duration(run: &Run) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let start = time::OffsetDateTime::parse(&run.started_at, &Rfc3339).ok()?;
    let end = time::OffsetDateTime::parse(&run.finished_at, &Rfc3339).ok()?;
    let seconds = (end - start).whole_seconds();
    (seconds >= 0).then(|| duration::human(seconds))
}

/// `target-<slug>` anchors: ASCII alphanumerics and '-' only, unique even when names slug alike.
pub(super) fn slugs<'n>(names: impl Iterator<Item = &'n str>) -> Vec<String> {
    let mut used = HashSet::new();
    names
        .map(|name| {
            let mut base = String::new();
            for c in name.chars() {
                if c.is_ascii_alphanumeric() {
                    base.push(c.to_ascii_lowercase());
                } else if !base.is_empty() && !base.ends_with('-') {
                    base.push('-');
                }
            }
            let base = match base.trim_end_matches('-') {
                "" => "portal".to_string(),
                trimmed => trimmed.to_string(),
            };
            let mut slug = base.clone();
            let mut n = 2;
            while !used.insert(slug.clone()) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            slug
        })
        .collect()
}

/// The URL itself when it may become a link: http(s) only, so never `javascript:` or `data:`.
pub(super) fn http_href(text: &str) -> Option<&str> {
    let url = url::Url::parse(text).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(text)
}

/// How long an observed cookie asked to live: "session", "13 months", or "expired at once" for
/// a cookie set in order to delete it.
pub(super) fn lifetime(session: bool, seconds: Option<i64>) -> String {
    match seconds {
        Some(s) if !session && s > 0 => duration::human(s),
        Some(_) if !session => "expired at once".to_string(),
        _ => "session".to_string(),
    }
}

/// The declared duration in words, when they say more than the charter's own: "13 mois" gets
/// "13 months", "Session" gets nothing.
pub(super) fn duration_in_words(declaration: &Declaration) -> Option<String> {
    let words = declared_lifetime(declaration.duration_seconds?);
    let written = declaration.duration.as_deref().unwrap_or("").trim();
    (!written.eq_ignore_ascii_case(&words)).then_some(words)
}

/// A declared duration in words; charters write `0` for session cookies.
pub(super) fn declared_lifetime(seconds: u64) -> String {
    match i64::try_from(seconds) {
        Ok(0) => "session".to_string(),
        Ok(s) => duration::human(s),
        Err(_) => "forever".to_string(),
    }
}

pub(super) fn party(party: Party) -> &'static str {
    match party {
        Party::First => "first",
        Party::Third => "third",
    }
}

pub(super) fn jurisdiction(jurisdiction: crate::types::Jurisdiction) -> &'static str {
    use crate::types::Jurisdiction;
    match jurisdiction {
        Jurisdiction::Eu => "EU (ePrivacy)",
        Jurisdiction::Be => "Belgium (APD)",
        Jurisdiction::Fr => "France (CNIL)",
    }
}

pub(super) fn charter_status(status: CharterStatus) -> &'static str {
    match status {
        CharterStatus::Parsed => "parsed",
        CharterStatus::NotFound => "not found",
        CharterStatus::Unreachable => "unreachable",
        CharterStatus::Unparsed => "unreadable",
        CharterStatus::NotRead => "not read by this audit",
    }
}
