//! The cookie name prefixes `__Secure-` and `__Host-` (RFC 6265bis §4.1.3), checked as Chromium
//! checks them: a cookie whose name claims a prefix it does not honour is refused by every
//! current browser, so both engines must report it refused.

use std::net::IpAddr;

use url::Url;

/// Why a browser refuses `cookie`, set by a response from (or a script on) `url`, for its name
/// prefix; `None` when it has no prefix or honours it.
pub fn prefix_violation(cookie: &cookie::Cookie<'_>, url: &Url) -> Option<String> {
    let name = cookie.name();
    // Chromium (like RFC 6265bis) matches the prefixes without regard to case: `__host-` too.
    let has = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    let (prefix, host) = if has("__Host-") {
        ("__Host-", true)
    } else if has("__Secure-") {
        ("__Secure-", false)
    } else {
        return None;
    };
    let mut missing = Vec::new();
    if cookie.secure() != Some(true) {
        missing.push("the Secure attribute".to_string());
    }
    if !trustworthy(url) {
        missing.push(format!("a secure origin (it came from {})", url.scheme()));
    }
    if host {
        if let Some(domain) = cookie.domain() {
            missing.push(format!("no Domain attribute (it has Domain={domain})"));
        }
        if cookie.path() != Some("/") {
            missing.push(match cookie.path() {
                Some(path) => format!("Path=/ (it has Path={path})"),
                None => "Path=/ (it has none)".to_string(),
            });
        }
    }
    if missing.is_empty() {
        return None;
    }
    Some(format!(
        "the {prefix} prefix requires {}; browsers refuse it",
        missing.join(", ")
    ))
}

/// An origin browsers let set `Secure` cookies: HTTPS, or the local machine (Chromium treats
/// `http://localhost` and loopback addresses as secure for cookies).
fn trustworthy(url: &Url) -> bool {
    if url.scheme() == "https" || url.scheme() == "wss" {
        return true;
    }
    match url.host() {
        Some(url::Host::Domain(host)) => {
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            host == "localhost" || host.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, url: &str) -> Option<String> {
        let cookie = cookie::Cookie::parse(line).expect("a cookie line");
        prefix_violation(&cookie, &Url::parse(url).expect("a URL"))
    }

    #[test]
    fn prefixes_are_checked_as_chromium_checks_them() {
        let https = "https://www.portal.test/a/";
        assert_eq!(check("__Host-id=1; Secure; Path=/", https), None);
        assert_eq!(
            check("__Secure-id=1; Secure; Domain=portal.test", https),
            None
        );
        assert_eq!(check("plain=1", "http://www.portal.test/"), None);
        let no_secure = check("__Secure-id=1; Path=/", https).expect("refused");
        assert!(no_secure.contains("Secure attribute"), "{no_secure}");
        let over_http = check("__Secure-id=1; Secure", "http://www.portal.test/").expect("refused");
        assert!(over_http.contains("secure origin"), "{over_http}");
        assert_eq!(
            check("__Secure-id=1; Secure", "http://localhost:8080/"),
            None
        );
        let domain =
            check("__Host-id=1; Secure; Path=/; Domain=portal.test", https).expect("refused");
        assert!(domain.contains("no Domain attribute"), "{domain}");
        let path = check("__Host-id=1; Secure", https).expect("refused");
        assert!(path.contains("Path=/ (it has none)"), "{path}");
        // The prefix is matched without regard to case.
        assert!(check("__host-id=1", https).is_some());
    }
}
