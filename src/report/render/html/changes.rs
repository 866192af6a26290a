//! What changed since the baseline run, as a portal's section shows it.

use serde::Serialize;
use serde_json::Value as Json;

use super::severity::SeverityStyle;
use super::words::lifetime;
use crate::types::{CookieKey, FindingKey, TargetDiff};

#[derive(Serialize)]
pub(super) struct TargetChanges<'a> {
    old_run: &'a str,
    added: bool,
    status: Option<&'a [String; 2]>,
    charter_status: Option<&'a [String; 2]>,
    cookies_appeared: &'a [CookieKey],
    cookies_vanished: &'a [CookieKey],
    cookies_changed: Vec<CookieChangeView<'a>>,
    declarations_added: &'a [String],
    declarations_removed: &'a [String],
    findings_opened: Vec<FindingKeyView<'a>>,
    findings_closed: Vec<FindingKeyView<'a>>,
}

impl<'a> TargetChanges<'a> {
    pub(super) fn of(diff: &'a TargetDiff, old_run: &'a str) -> TargetChanges<'a> {
        let keys = |list: &'a [FindingKey]| -> Vec<FindingKeyView<'a>> {
            list.iter()
                .map(|k| FindingKeyView {
                    sev: SeverityStyle::of(k.severity),
                    kind: k.kind.as_str(),
                    title: k.kind.title(),
                    cookie: k.cookie.as_deref(),
                    message: &k.message,
                })
                .collect()
        };
        TargetChanges {
            old_run,
            added: diff.added,
            status: diff.status.as_ref(),
            charter_status: diff.charter_status.as_ref(),
            cookies_appeared: &diff.cookies_appeared,
            cookies_vanished: &diff.cookies_vanished,
            cookies_changed: diff
                .cookies_changed
                .iter()
                .map(|c| CookieChangeView {
                    key: &c.key,
                    changes: c
                        .changes
                        .iter()
                        .map(|f| FieldChangeView {
                            field: field_name(&f.field),
                            old: field_value(&f.field, &f.old),
                            new: field_value(&f.field, &f.new),
                        })
                        .collect(),
                })
                .collect(),
            declarations_added: &diff.declarations_added,
            declarations_removed: &diff.declarations_removed,
            findings_opened: keys(&diff.findings_opened),
            findings_closed: keys(&diff.findings_closed),
        }
    }
}

#[derive(Serialize)]
struct CookieChangeView<'a> {
    key: &'a CookieKey,
    changes: Vec<FieldChangeView<'a>>,
}

#[derive(Serialize)]
struct FieldChangeView<'a> {
    field: &'a str,
    old: String,
    new: String,
}

#[derive(Serialize)]
struct FindingKeyView<'a> {
    sev: SeverityStyle,
    kind: &'a str,
    title: &'a str,
    cookie: Option<&'a str>,
    message: &'a str,
}

/// A field of `observed[]` as the cookie tables name it.
fn field_name(field: &str) -> &str {
    match field {
        "lifetime_seconds" => "lifetime",
        "secure" => "Secure",
        "http_only" => "HttpOnly",
        "same_site" => "SameSite",
        "declared_as" => "declared as",
        other => other,
    }
}

/// A changed field's value as a person reads it: lifetimes in words, null as "none".
pub(super) fn field_value(field: &str, value: &Json) -> String {
    match value {
        Json::Number(n) if field == "lifetime_seconds" => match n.as_i64() {
            Some(s) => lifetime(false, Some(s)),
            None => n.to_string(),
        },
        Json::Null if field == "lifetime_seconds" => "session".to_string(),
        Json::Null => "none".to_string(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
