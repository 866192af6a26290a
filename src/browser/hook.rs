//! What a tab's sources report, checked: the `Set-Cookie` lines of one hop's raw headers, and
//! the messages of the hook installed in every page (the page could call its binding itself).

use url::Url;

use crate::cookie::SetCookie;
use crate::text::truncate_at_char;
use crate::types::StorageKind;

/// A cookie line longer than this is cut (browsers refuse more than 4 KiB anyway).
pub(super) const MAX_LINE: usize = 8 * 1024;

/// The `Set-Cookie` lines of one hop's raw headers, blocked ones with the browser's reasons.
pub(super) fn header_cookies(
    headers: &serde_json::Value,
    blocked: &[(String, Vec<String>)],
    set_by: &Url,
) -> Vec<SetCookie> {
    let Some(headers) = headers.as_object() else {
        return Vec::new();
    };
    let header = |name: &str| {
        headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .filter_map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
    };
    let date = header("date")
        .first()
        .and_then(|d| httpdate::parse_http_date(d).ok());
    let mut lines: Vec<String> = header("set-cookie")
        .iter()
        .flat_map(|value| value.split('\n'))
        .filter(|line| !line.trim().is_empty())
        .map(|line| cut(line, MAX_LINE))
        .collect();
    // A blocked line the headers did not show is still a cookie the site set.
    for (line, _) in blocked {
        let line = cut(line, MAX_LINE);
        if !line.is_empty() && !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
        .into_iter()
        .map(|line| {
            let refused = blocked
                .iter()
                .find(|(b, _)| cut(b, MAX_LINE) == line)
                .map(|(_, reasons)| format!("blocked by Chromium: {}", reasons.join(", ")));
            let mut cookie = SetCookie::header(line, set_by, date);
            cookie.refused = refused;
            cookie
        })
        .collect()
}

pub(super) fn cut(s: &str, max: usize) -> String {
    truncate_at_char(s, max).to_string()
}

/// One message of the hook, checked: the page could call the binding itself.
pub(super) struct HookReport {
    pub(super) kind: ReportKind,
    pub(super) document: Url,
    pub(super) script: Option<Url>,
    pub(super) at_ms: f64,
}

pub(super) enum ReportKind {
    Cookie {
        raw: String,
    },
    Storage {
        kind: StorageKind,
        key: String,
        length: usize,
        origin: String,
    },
}

impl HookReport {
    pub(super) fn parse(payload: &str) -> Option<HookReport> {
        let value: serde_json::Value = serde_json::from_str(payload).ok()?;
        let text = |key: &str| value.get(key).and_then(|v| v.as_str());
        let web_url = |s: &str| {
            Url::parse(s)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
        };
        let document = web_url(text("doc")?)?;
        let script = text("script").and_then(web_url);
        let at_ms = value.get("at").and_then(|v| v.as_f64())?;
        let kind = match text("t")? {
            "cookie" => ReportKind::Cookie {
                raw: cut(text("raw")?, MAX_LINE),
            },
            "storage" => ReportKind::Storage {
                kind: match text("kind")? {
                    "session" => StorageKind::Session,
                    _ => StorageKind::Local,
                },
                key: cut(text("key")?, 1024),
                length: value.get("len").and_then(|v| v.as_u64())? as usize,
                origin: cut(text("origin")?, 1024),
            },
            _ => return None,
        };
        Some(HookReport {
            kind,
            document,
            script,
            at_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::CookieVia;

    #[test]
    fn header_lines_are_split_and_blocked_ones_keep_their_reason() {
        let headers = serde_json::json!({
            "Set-Cookie": "a=1; Path=/\nb=2; Secure",
            "date": "Wed, 21 Oct 2015 07:28:00 GMT",
        });
        let blocked = vec![
            ("b=2; Secure".to_string(), vec!["SecureOnly".to_string()]),
            (
                "c=3; Domain=other.test".to_string(),
                vec!["DomainMismatch".to_string()],
            ),
        ];
        let url = Url::parse("http://portal.test/").unwrap();
        let cookies = header_cookies(&headers, &blocked, &url);
        let lines: Vec<_> = cookies.iter().map(|c| c.raw.as_str()).collect();
        assert_eq!(
            lines,
            ["a=1; Path=/", "b=2; Secure", "c=3; Domain=other.test"]
        );
        assert_eq!(cookies[0].refused, None);
        assert_eq!(
            cookies[1].refused.as_deref(),
            Some("blocked by Chromium: SecureOnly")
        );
        assert!(cookies[0].response_date.is_some());
        assert_eq!(cookies[2].via, CookieVia::Header);
    }

    #[test]
    fn hook_reports_are_checked() {
        let good = r#"{"t":"cookie","raw":"a=1","doc":"http://p.test/x","script":"http://cdn.test/s.js","at":1000}"#;
        let report = HookReport::parse(good).unwrap();
        assert_eq!(report.script.unwrap().as_str(), "http://cdn.test/s.js");
        assert!(matches!(report.kind, ReportKind::Cookie { raw } if raw == "a=1"));
        for bad in [
            "not json",
            r#"{"t":"cookie","raw":"a=1","doc":"javascript:alert(1)","at":1}"#,
            r#"{"t":"cookie","doc":"http://p.test/","at":1}"#,
            r#"{"t":"other","raw":"a=1","doc":"http://p.test/","at":1}"#,
            r#"{"t":"storage","kind":"local","key":"k","doc":"http://p.test/","at":1,"origin":"x"}"#,
        ] {
            assert!(HookReport::parse(bad).is_none(), "{bad}");
        }
    }
}
