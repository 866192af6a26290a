//! The HTML report: one self-contained page that auditors read and forward.
//!
//! Rust decides everything (counts, the worst severity, human lifetimes, which URLs may become
//! links, anchors); the template `report.html.j2` only lays it out. The template is registered as
//! `report.html`, so minijinja escapes every value for HTML: strings that came from the web are
//! never marked safe. The only safe value is the page's own inline script, whose SHA-256 the
//! Content-Security-Policy names, so that even a markup injection that slipped past escaping
//! could run no script and fetch nothing.

mod breaks;
mod changes;
mod chart;
mod consent;
mod cross;
mod grid;
mod page;
mod script;
mod severity;
mod target;
mod words;

use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};

use crate::types::Report;
use page::PageView;

pub use crate::report::history::History;

const TEMPLATE: &str = include_str!("report.html.j2");

/// Why the HTML could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// The template failed to compile or to render; minijinja's message says where.
    #[error("the HTML report template failed: {0}")]
    Template(#[from] minijinja::Error),
}

/// The whole HTML report: one self-contained file. Consent screenshots are embedded from
/// `assets`, the folder of the report's `report.json` (without it they are listed, not shown).
pub fn render(report: &Report, assets: Option<&Path>) -> Result<String, HtmlError> {
    let mut html = Vec::new();
    // The `render` command has no `--out` folder of earlier runs to chart.
    render_to(report, assets, &History::empty(), &mut html)?;
    // minijinja writes only `str`s, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&html).into_owned())
}

/// The HTML report written to `out` as it is rendered, so that a run of many pages never holds
/// the whole page in memory beside the report. Each portal charts its findings over the runs of
/// `history` ([`History::load`]); with [`History::empty`] the charts are left out.
pub fn render_to(
    report: &Report,
    assets: Option<&Path>,
    history: &History,
    out: impl std::io::Write,
) -> Result<(), HtmlError> {
    let mut env = Environment::new();
    // A misspelt field in the template must fail the tests, not print nothing.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Block tags on their own lines leave no blank lines behind.
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    // The `.html` name turns on minijinja's HTML auto-escaping for every value.
    // Long URLs and names wrap at their separators (`<wbr>`), escaped by the filter itself.
    env.add_filter("breakable", breaks::breakable_filter);
    env.add_template("report.html", TEMPLATE)?;
    let page = PageView::of(report, assets, history);
    env.get_template("report.html")?
        .render_captured_to(Serde(page), out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;
    use serde_json::json;

    use super::changes::field_value;
    use super::script::{SCRIPT, base64, sha256_base64};
    use super::severity::bar;
    use super::words::{declared_lifetime, lifetime};
    use crate::types::SeverityCounts;

    /// A payload that would run script if it reached the page unescaped, tagged with the field
    /// it goes into so that each field is checked on its own.
    fn payload(field: &str) -> String {
        format!("<script>alert('{field}')</script>\"><img src=x onerror=alert('{field}')>")
    }

    fn escaped(text: &str) -> String {
        minijinja::HtmlEscape(text).to_string()
    }

    /// The page without the `<wbr>`s that let long values wrap: the text as a reader copies it.
    fn plain(html: &str) -> String {
        html.replace("<wbr>", "")
    }

    fn observed(name: &str, extra: Json) -> Json {
        let mut cookie = json!({
            "name": name, "domain": "example.org", "host_only": true, "path": "/",
            "party": "first", "source": "http", "phase": "none",
            "secure": true, "http_only": true, "same_site": "Lax",
            "session": false, "lifetime_seconds": 33_696_000,
            "value_length": 8, "set_by": "https://example.org/", "first_seen_on": "https://example.org/",
            "seen_on_pages": 1, "declared_as": null, "blocked": null, "variants": []
        });
        merge(&mut cookie, extra);
        cookie
    }

    fn target(name: &str, extra: Json) -> Json {
        let mut target = json!({
            "name": name, "url": "https://example.org/", "jurisdiction": "be", "engine": "http",
            "status": "audited", "error": null,
            "charter": {"source": "https://example.org/cookies", "status": "parsed", "error": null,
                        "portal_url": null, "declared": []},
            "crawl": {"pages": [], "requests": 3, "duration_ms": 1200, "subresources": 0},
            "observed": [], "storage": [], "malformed_set_cookies": [], "findings": []
        });
        merge(&mut target, extra);
        target
    }

    fn report(targets: Vec<Json>, changes: Json) -> Report {
        let mut report: Report = serde_json::from_value(json!({
            "schema_version": 1,
            "tool": {"name": "cookie-audit", "version": "0.1.0"},
            "run": {"id": "20261124T113550Z", "started_at": "2026-11-24T11:35:50Z",
                    "finished_at": "2026-11-24T11:37:50Z", "engine": "http", "partial": false},
            "targets": targets,
            "totals": {"targets": 0, "audited": 0, "failed": 0,
                       "findings": {"high": 0, "medium": 0, "low": 0, "info": 0}},
            "changes": changes,
        }))
        .expect("a valid report");
        report.totals = crate::types::Totals::of(&report.targets);
        report
    }

    fn merge(base: &mut Json, extra: Json) {
        if let (Some(base), Json::Object(extra)) = (base.as_object_mut(), extra) {
            base.extend(extra);
        }
    }

    /// The part of the page from `id="<id>"` to the end of that section.
    fn section<'h>(html: &'h str, id: &str) -> &'h str {
        let start = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no section {id}"));
        let end = html[start..].find("</section>").expect("section end") + start;
        &html[start..end]
    }

    fn hostile_report() -> Report {
        let p = payload;
        let cookie = observed(
            &p("cookie-name"),
            json!({"domain": p("cookie-domain"), "path": p("cookie-path"),
                   "set_by": p("set-by"), "first_seen_on": p("first-seen-on"),
                   "declared_as": p("declared-as"), "blocked": p("blocked")}),
        );
        let audited = target(
            &p("target-name"),
            json!({
                "url": p("target-url"),
                "charter": {"source": "javascript:alert(1)", "status": "unparsed",
                            "error": p("charter-error"), "portal_url": " JavaScript:alert(2)",
                            "declared": [{"name": p("decl-name"), "match": "exact",
                                          "provider": p("decl-provider"), "service": p("decl-service"),
                                          "purpose": p("decl-purpose"), "category": "necessary",
                                          "duration": p("decl-duration"), "duration_seconds": null}]},
                "crawl": {"pages": [{"url": p("page-url"), "status": 200, "depth": 0, "error": p("page-error"),
                                     "final_url": null, "redirects": 0, "bytes": 1, "truncated": false}],
                          "requests": 1, "duration_ms": 1, "subresources": 0},
                "observed": [cookie.clone()],
                "storage": [{"origin": p("storage-origin"), "kind": "local", "key": p("storage-key"),
                             "value_length": 1, "set_by": p("storage-set-by"), "phase": "none"}],
                "consent": {"accept": p("consent-accept"), "reject": p("consent-reject"),
                            "phases": [{"phase": "none", "clicked": false, "error": null, "pages": 1},
                                       {"phase": "reject", "clicked": false,
                                        "error": p("consent-error"), "pages": 0},
                                       {"phase": "accept", "clicked": true, "error": null,
                                        "pages": 0}]},
                "findings": [{"kind": "set_without_consent", "severity": "high", "cookie": p("cookie-name"),
                              "message": p("finding-message"),
                              "evidence": {"cookie": cookie, "note": p("evidence")}},
                             {"kind": p("finding-kind"), "severity": "low", "cookie": null,
                              "message": "m", "evidence": null}]
            }),
        );
        let failed = target(
            "failed",
            json!({"status": "failed", "error": p("target-error"), "url": "javascript:alert(3)"}),
        );
        let key = json!({"name": p("appeared"), "domain": "d", "path": "/", "party": "third"});
        report(
            vec![audited, failed],
            json!({"old_run": p("old-run"), "new_run": "n", "changed": true, "targets": [{
                "name": p("target-name"), "added": false, "removed": false, "status": null,
                "charter_status": [p("old-status"), "unparsed"],
                "cookies_appeared": [key], "cookies_vanished": [],
                "cookies_changed": [{"name": "c", "domain": "d", "path": "/", "party": "first",
                                     "changes": [{"field": p("field"), "old": p("old-value"), "new": 1}]}],
                "declarations_added": [p("declaration-added")], "declarations_removed": [],
                "findings_opened": [{"kind": "undeclared", "cookie": "c", "severity": "high",
                                     "message": p("opened")}],
                "findings_closed": []
            }, {
                "name": p("gone"), "added": false, "removed": true, "status": null,
                "charter_status": null, "cookies_appeared": [], "cookies_vanished": [],
                "cookies_changed": [], "declarations_added": [], "declarations_removed": [],
                "findings_opened": [], "findings_closed": []
            }]}),
        )
    }

    #[test]
    fn every_string_from_the_web_is_escaped() {
        let rendered = render(&hostile_report(), None).expect("renders");
        // The only markup `breakable` adds is <wbr>; without it the values read whole.
        let html = plain(&rendered);
        assert!(!rendered.replace("<wbr>", "").contains("<wbr"));
        let fields = [
            "cookie-name",
            "cookie-domain",
            "cookie-path",
            "set-by",
            "first-seen-on",
            "declared-as",
            "blocked",
            "target-name",
            "target-url",
            "charter-error",
            "decl-name",
            "decl-provider",
            "decl-service",
            "decl-purpose",
            "decl-duration",
            "page-url",
            "page-error",
            "storage-origin",
            "storage-key",
            "storage-set-by",
            "consent-accept",
            "consent-reject",
            "consent-error",
            "finding-message",
            "finding-kind",
            "target-error",
            "old-run",
            "old-status",
            "appeared",
            "field",
            "old-value",
            "declaration-added",
            "opened",
            "gone",
        ];
        for field in fields {
            let raw = payload(field);
            assert!(!html.contains(&raw), "{field} is in the page unescaped");
            assert!(
                html.contains(&escaped(&raw)),
                "{field} is missing from the page"
            );
        }
        // Evidence goes through JSON first: its quotes are backslashed, its markup still escaped.
        assert!(html.contains("&lt;script&gt;alert(&#x27;evidence&#x27;)&lt;&#x2f;script&gt;"));
        assert!(!html.contains("<script>alert("));
        assert!(!html.contains("<img"), "no injected element at all");
        assert_eq!(html.matches("<script").count(), 1, "only our own script");
    }

    #[test]
    fn only_http_urls_become_links() {
        let html = render(&hostile_report(), None).expect("renders");
        for href in html.split("href=\"").skip(1) {
            assert!(
                href.starts_with('#') || href.starts_with("http:") || href.starts_with("https:"),
                "unexpected link: {}",
                &href[..href.len().min(40)]
            );
        }
        assert!(
            html.contains("javascript:alert(1)"),
            "the source is still shown, as text"
        );
        assert!(!html.to_ascii_lowercase().contains("href=\"javascript"));

        let mut safe = hostile_report();
        safe.targets[0].charter.source = Some("https://example.org/cookies".into());
        let html = render(&safe, None).expect("renders");
        assert!(html.contains("href=\"https:&#x2f;&#x2f;example.org&#x2f;cookies\""));
    }

    #[test]
    fn anchors_are_unique_even_when_names_slug_alike() {
        let names = ["a.b", "a-b", "A B", "a-b-2", "été", "—"];
        let report = report(
            names.iter().map(|n| target(n, json!({}))).collect(),
            Json::Null,
        );
        let html = render(&report, None).expect("renders");
        let ids: Vec<&str> = html
            .split("<section class=\"target")
            .skip(1)
            .filter_map(|s| s.split("id=\"").nth(1)?.split('"').next())
            .collect();
        assert_eq!(
            ids,
            [
                "target-a-b",
                "target-a-b-2",
                "target-a-b-3",
                "target-a-b-2-2",
                "target-t",
                "target-portal"
            ]
        );
        for id in &ids {
            assert!(
                id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                "{id}"
            );
            assert!(
                html.contains(&format!("href=\"#{id}\"")),
                "overview links to {id}"
            );
        }
    }

    #[test]
    fn a_failed_target_shows_why() {
        let failed = target(
            "down.example",
            json!({"status": "failed", "error": "DNS lookup failed: down.example"}),
        );
        let html = render(&report(vec![failed], Json::Null), None).expect("renders");
        let section = section(&html, "target-down-example");
        assert!(section.contains("role=\"alert\""), "{section}");
        assert!(section.contains("could not be audited:</strong> DNS lookup failed: down.example"));
        assert!(
            !section.contains("Cookies observed"),
            "no empty tables for a failed target"
        );
    }

    #[test]
    fn nothing_is_fetched_when_the_page_is_opened() {
        let mut report = hostile_report();
        report.targets[0].charter.source = Some("https://example.org/cookies".into());
        let html = render(&report, None).expect("renders");
        let mut links = 0;
        assert!(
            html.contains("content=\"default-src &#x27;none&#x27;;"),
            "a CSP that blocks fetches"
        );
        let script = html.find("<script>").expect("our script");
        // Outside our script every '<' opens a tag, since text has its '<' escaped.
        for tag in html[..script].split('<').skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            let name = tag.split([' ', '>']).next().unwrap_or("");
            assert!(
                ![
                    "img", "link", "iframe", "object", "embed", "base", "video", "audio", "source"
                ]
                .contains(&name),
                "<{tag}>"
            );
            let decoded = tag.replace("&#x2f;", "/");
            let url = decoded.contains("://") || decoded.contains("\"//");
            links += usize::from(name == "a" && url);
            assert!(name == "a" || !url, "fetches on open: <{tag}>");
        }
        assert!(
            links > 0,
            "links to the web are fine: clicking is not opening"
        );
        assert!(!html.contains("@import"));
        assert!(!html.contains("url("), "no CSS url() at all");
    }

    #[test]
    fn the_script_is_the_one_the_csp_allows() {
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        // FIPS 180-2's test vector.
        assert_eq!(
            sha256_base64(b"abc").as_deref(),
            Some("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
        );
        let html = render(&report(vec![], Json::Null), None).expect("renders");
        assert!(
            html.contains(&format!("<script>{SCRIPT}</script>")),
            "script verbatim"
        );
        let hash = sha256_base64(SCRIPT.as_bytes()).expect("hash");
        assert!(html.contains(&escaped(&format!("script-src 'sha256-{hash}';"))));
    }

    #[test]
    fn an_empty_run_still_renders() {
        let html = render(&report(vec![], Json::Null), None).expect("renders");
        assert!(html.contains("This run has no portals."));
        assert!(html.contains("No portal could be audited"));
        assert!(html.contains("<title>Cookie audit — run 20261124T113550Z</title>"));
        assert!(!html.contains("Changes since run"));
    }

    #[test]
    fn changes_are_shown_in_their_target() {
        let html = render(&hostile_report(), None).expect("renders");
        let section = section(
            &html,
            "target-script-alert-target-name-script-img-src-x-onerror-alert-target-name",
        );
        assert!(section.contains("Changes since run"), "{section}");
        assert!(section.contains("Cookies appeared (1)"));
        assert!(section.contains("Declarations added to the charter"));
        assert!(section.contains("Findings opened (1)"));
        let header = &html[..html.find("<main>").expect("main")];
        assert!(
            header.contains("No longer in this run"),
            "a portal gone since: {header}"
        );

        let mut lifetimes = hostile_report();
        let changes = lifetimes.changes.as_mut().expect("changes");
        changes.targets[0].cookies_changed[0].changes[0] = crate::types::FieldChange {
            field: "lifetime_seconds".into(),
            old: json!(33_696_000),
            new: Json::Null,
        };
        let html = render(&lifetimes, None).expect("renders");
        assert!(html.contains("lifetime 13 months → <strong>session</strong>"));
    }

    #[test]
    fn consent_table_lists_cookies_set_without_consent_and_where() {
        let cookie = observed(
            "_ga",
            json!({"set_by": "https://gtm.example/gtag.js", "first_seen_on": "https://a.example/page"}),
        );
        let other = observed("csrftoken", json!({}));
        let a = target(
            "a.example",
            json!({"observed": [cookie.clone(), other.clone()], "findings": [
                {"kind": "set_without_consent", "severity": "high", "cookie": "_ga",
                 "message": "m", "evidence": {"cookie": cookie}},
                {"kind": "insecure_attributes", "severity": "low", "cookie": "csrftoken",
                 "message": "m", "evidence": {"cookie": other}},
            ]}),
        );
        let html = render(&report(vec![a], Json::Null), None).expect("renders");
        let html = plain(&html);
        let table = section(&html, "without-consent");
        assert!(
            table.contains("<a href=\"#target-a-example\">a.example</a>"),
            "{table}"
        );
        assert!(table.contains("<code>_ga</code>"));
        assert!(table.contains("https:&#x2f;&#x2f;gtm.example&#x2f;gtag.js"));
        assert!(table.contains("https:&#x2f;&#x2f;a.example&#x2f;page"));
        assert!(
            !table.contains("csrftoken"),
            "only set_without_consent findings"
        );
        let overview = section(&html, "overview");
        assert!(overview.contains("<span class=\"badge sev-high\">High</span>"));
    }

    #[test]
    fn findings_are_grouped_high_first() {
        let finding = |severity: &str, message: &str| {
            json!({"kind": "undeclared", "severity": severity, "cookie": "c", "message": message,
                   "evidence": {}})
        };
        let t = target(
            "t",
            json!({"findings": [finding("info", "INFO-1"), finding("high", "HIGH-1"),
                                finding("low", "LOW-1"), finding("high", "HIGH-2")]}),
        );
        let html = render(&report(vec![t], Json::Null), None).expect("renders");
        let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle}"));
        assert!(
            at("HIGH-1") < at("HIGH-2") && at("HIGH-2") < at("LOW-1") && at("LOW-1") < at("INFO-1")
        );
        assert!(html.contains("2 high-severity findings"));
    }

    #[test]
    fn lifetimes_read_as_people_say_them() {
        assert_eq!(lifetime(true, None), "session");
        assert_eq!(lifetime(false, Some(33_696_000)), "13 months");
        assert_eq!(lifetime(false, Some(0)), "expired at once");
        assert_eq!(declared_lifetime(0), "session");
        assert_eq!(
            field_value("lifetime_seconds", &json!(63_072_000)),
            "2 years"
        );
        assert_eq!(field_value("same_site", &Json::Null), "none");
    }

    #[test]
    fn bars_compare_across_targets() {
        let counts = SeverityCounts {
            high: 2,
            medium: 0,
            low: 1,
            info: 0,
        };
        let bar = bar(&counts, 6);
        let parts: Vec<(&str, &str, &str)> = bar
            .iter()
            .map(|s| (s.key, s.x.as_str(), s.width.as_str()))
            .collect();
        assert_eq!(
            parts,
            [("high", "0.00", "33.33"), ("low", "33.33", "16.67")]
        );
    }

    #[test]
    fn consent_phases_are_shown_escaped_and_only_when_they_ran() {
        let hostile = "<script>alert(1)</script>";
        let consent = json!({
            "accept": "#banner .yes", "reject": "button[data-consent=\"refuse\"]",
            "phases": [
                {"phase": "none", "clicked": false, "error": null, "pages": 3},
                {"phase": "reject", "clicked": false, "error": hostile, "pages": 2},
                {"phase": "accept", "clicked": true, "error": null, "pages": 4},
            ]
        });
        let page = |phase: &str| {
            json!({"url": format!("https://example.org/{phase}"), "status": 200, "depth": 0,
                   "error": null, "final_url": null, "redirects": 0, "bytes": 1,
                   "truncated": false, "phase": phase})
        };
        let with = target(
            "with.example",
            json!({"engine": "browser", "consent": consent,
                   "crawl": {"pages": [page("none"), page("reject"), page("accept")],
                             "requests": 9, "duration_ms": 1, "subresources": 0}}),
        );
        let without = target(
            "without.example",
            json!({"crawl": {"pages": [page("none")], "requests": 1, "duration_ms": 1,
                             "subresources": 0}}),
        );
        // A report written without phases has no `phase` on its pages at all.
        let mut report = report(vec![with, without], Json::Null);
        report.targets[1].crawl.pages[0].phase = None;
        let html = render(&report, None).expect("renders");

        let section_with = section(&html, "target-with-example");
        assert!(
            section_with.contains("<h3>Consent phases</h3>"),
            "{section_with}"
        );
        let block = &section_with[section_with.find("Consent phases").unwrap()..];
        let block = &block[..block.find("</table>").unwrap()];
        let rows: Vec<&str> = block.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 3, "{block}");
        assert!(rows[0].contains("before consent <span class=\"muted\">(none)</span>"));
        assert!(rows[0].contains("<td class=\"num\">3</td>"));
        assert!(rows[1].contains("after refusal"));
        assert!(rows[1].contains("<code>button[data-consent=&quot;refuse&quot;]</code>"));
        assert!(
            rows[1].contains("<strong>no</strong>"),
            "not clicked: {}",
            rows[1]
        );
        assert!(rows[1].contains(&escaped(hostile)), "{}", rows[1]);
        assert!(rows[2].contains("after consent"));
        assert!(rows[2].contains("<td>yes</td>"));
        assert!(rows[2].contains("<td class=\"num\">4</td>"));
        assert!(
            section_with.contains("Choice not made (after refusal): that phase was not crawled"),
            "a phase whose choice was not made is flagged: {section_with}"
        );
        assert!(!html.contains(hostile), "the error is escaped");
        assert_eq!(html.matches("<script").count(), 1, "only our own script");
        // The pages table says which phase each page was visited in.
        assert!(section_with.contains("<th>Phase</th><th>Problem</th>"));
        assert!(section_with.contains("<td>reject</td>"));

        let section_without = section(&html, "target-without-example");
        assert!(
            !section_without.contains("Consent phases"),
            "{section_without}"
        );
        assert!(!section_without.contains("<th>Phase</th><th>Problem</th>"));
        assert!(!section_without.contains("Choice not made"));
        // The overview says so too, beside the portal's status.
        let overview = section(&html, "overview");
        assert!(overview.contains("not tested: after refusal"), "{overview}");
    }

    #[test]
    fn a_run_where_nothing_was_audited_claims_nothing_about_consent() {
        let report: Report = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "tool": {"name": "cookie-audit", "version": "0.1.0"},
            "run": {"id": "r", "started_at": "2026-11-24T10:00:00Z",
                    "finished_at": "2026-11-24T10:00:01Z", "engine": "http", "partial": false},
            "targets": [],
            "totals": {"targets": 1, "audited": 0, "failed": 1,
                       "findings": {"high": 0, "medium": 0, "low": 0, "info": 0}}
        }))
        .unwrap();
        let html = render(&report, None).unwrap();
        assert!(html.contains("No portal could be audited"));
        assert!(!html.contains("No audited portal set a cookie"));
    }

    fn diff(name: &str, extra: Json) -> Json {
        let mut diff = json!({
            "name": name, "added": false, "removed": false, "status": null,
            "charter_status": null, "cookies_appeared": [], "cookies_vanished": [],
            "cookies_changed": [], "declarations_added": [], "declarations_removed": [],
            "findings_opened": [], "findings_closed": []
        });
        merge(&mut diff, extra);
        diff
    }

    fn finding_key(kind: &str, severity: &str, cookie: &str) -> Json {
        json!({"kind": kind, "cookie": cookie, "severity": severity, "message": "m"})
    }

    /// The overview table's row of the portal whose anchor is `slug`.
    fn overview_row<'h>(html: &'h str, slug: &str) -> &'h str {
        let overview = section(html, "overview");
        let link = format!("<td class=\"name\"><a href=\"#target-{slug}\">");
        let start = overview
            .find(&link)
            .unwrap_or_else(|| panic!("no row {slug}"));
        let end = overview[start..].find("</tr>").expect("row end") + start;
        &overview[start..end]
    }

    #[test]
    fn long_values_wrap_only_at_separators() {
        let url = "https://www.googletagmanager.com/gtag/js?id=G-7XK2&l=dataLayer";
        let cookie = observed(
            "_pk_id.8.a1f4c0e2b9d7",
            json!({"set_by": url, "first_seen_on": url}),
        );
        let t = target("a.example", json!({"observed": [cookie]}));
        let html = render(&report(vec![t], Json::Null), None).expect("renders");
        let section = section(&html, "target-a-example");
        let wrapped = "https:&#x2f;&#x2f;<wbr>www.<wbr>googletagmanager.<wbr>com&#x2f;<wbr>gtag&#x2f;<wbr>\
                       js?<wbr>id=<wbr>G-<wbr>7XK2&amp;<wbr>l=<wbr>dataLayer";
        assert!(section.contains(wrapped), "{section}");
        assert!(section.contains("<code>_pk_<wbr>id.<wbr>8.<wbr>a1f4c0e2b9d7</code>"));
        // Nothing tells the browser to cut words anywhere it likes.
        assert!(!html.contains("break-all"));
        let url_rule = html
            .lines()
            .find(|l| l.starts_with("td.url {"))
            .expect("td.url");
        assert!(!url_rule.contains("anywhere"), "{url_rule}");
    }

    #[test]
    fn the_overview_links_each_portal_to_its_changes() {
        let targets = vec![
            target("a.example", json!({})),
            target("b.example", json!({})),
            target("c.example", json!({})),
            target("d.example", json!({})),
        ];
        let changes = json!({"old_run": "20261117T090000Z", "new_run": "n", "changed": true,
        "targets": [
            diff("a.example", json!({"findings_opened": [
                finding_key("undeclared", "medium", "_ga"),
                finding_key("set_without_consent", "high", "_ga")],
                "findings_closed": [finding_key("undeclared", "low", "x")]})),
            diff("b.example", json!({"declarations_added": ["_ga"]})),
            diff("c.example", json!({"added": true})),
        ]});
        let html = render(&report(targets, changes), None).expect("renders");
        let overview = section(&html, "overview");
        assert!(
            overview.contains(
                "<th>Changes<br><span class=\"muted\">since 20261117T090000Z</span></th>"
            ),
            "{overview}"
        );
        let a = overview_row(&html, "a-example");
        assert!(a.contains("<a href=\"#changes-a-example\""), "{a}");
        assert!(a.contains("+2 new / −1 gone findings"), "{a}");
        assert!(overview_row(&html, "b-example").contains("other changes"));
        assert!(overview_row(&html, "c-example").contains("new portal"));
        assert!(overview_row(&html, "d-example").contains("no change"));
        // Each link lands on the portal's own changes.
        for slug in ["a-example", "b-example", "c-example"] {
            let target = section(&html, &format!("target-{slug}"));
            assert!(target.contains(&format!("<div class=\"changes\" id=\"changes-{slug}\">")));
        }

        let html = render(
            &report(vec![target("a.example", json!({}))], Json::Null),
            None,
        )
        .unwrap();
        assert!(
            !section(&html, "overview").contains("Changes<br>"),
            "no column without a baseline"
        );
    }

    #[test]
    fn the_findings_bar_has_a_legend() {
        let html = render(
            &report(vec![target("a.example", json!({}))], Json::Null),
            None,
        )
        .unwrap();
        let overview = section(&html, "overview");
        let legend = &overview[overview.find("<ul class=\"legend\"").expect("a legend")..];
        for (key, label) in [
            ("high", "High"),
            ("medium", "Medium"),
            ("low", "Low"),
            ("info", "Info"),
        ] {
            assert!(
                legend.contains(&format!(
                    "<span class=\"swatch sev-{key}\" aria-hidden=\"true\"></span>{label}</li>"
                )),
                "{legend}"
            );
        }
        // The swatches take the bars' own colours.
        for key in ["high", "medium", "low", "info"] {
            assert!(html.contains(&format!(
                ".swatch.sev-{key} {{ background: var(--{key}); }}"
            )));
            assert!(html.contains(&format!("svg.bar .sev-{key} {{ fill: var(--{key}); }}")));
        }
    }

    #[test]
    fn a_failed_portal_shows_its_error_instead_of_empty_results() {
        let failed = target(
            "down.example",
            json!({"status": "failed", "error": "DNS lookup failed: down.example",
                   "charter": {"source": null, "status": "not_found", "error": null,
                               "portal_url": null, "declared": []}}),
        );
        let up = target("up.example", json!({}));
        let html = render(&report(vec![failed, up], Json::Null), None).expect("renders");
        let row = overview_row(&html, "down-example");
        assert!(
            row.contains("<strong>failed:</strong> DNS lookup failed: down.<wbr>example"),
            "{row}"
        );
        assert!(!row.contains("not found"), "{row}");
        assert!(
            !row.contains("<td class=\"num\">0</td>"),
            "no zero counts: {row}"
        );
        let section = section(&html, "target-down-example");
        assert!(section.contains("DNS lookup failed: down.example"));
        assert!(!section.contains("not found"), "{section}");
        assert!(!section.contains("Cookie charter"), "{section}");
        assert!(overview_row(&html, "up-example").contains("<td>parsed</td>"));
    }

    #[test]
    fn cookies_across_portals_count_setters_declarers_and_findings() {
        let decl = |name: &str, kind: &str| {
            json!({"name": name, "match": kind, "provider": "", "service": "", "purpose": "",
                   "category": "statistics", "duration": null, "duration_seconds": null})
        };
        let charter = |declared: Json| {
            json!({"source": "https://x.example/cookies", "status": "parsed", "error": null,
                   "portal_url": null, "declared": declared})
        };
        let undeclared = |cookie: &str| {
            json!({"kind": "undeclared", "severity": "medium", "cookie": cookie, "message": "m",
                   "evidence": {}})
        };
        let hostile = payload("cross-name");
        let a = target(
            "a.example",
            json!({"observed": [observed("_ga", json!({})), observed("_pk_id.1.abc", json!({})),
                                observed(&hostile, json!({}))],
                   "charter": charter(json!([decl("_pk_id.*", "pattern")])),
                   "findings": [undeclared("_ga"), undeclared(&hostile)]}),
        );
        let b = target(
            "b.example",
            json!({"observed": [observed("_ga", json!({"declared_as": "_ga"}))],
                   "charter": charter(json!([decl("_ga", "exact")])),
                   "findings": [{"kind": "set_without_consent", "severity": "high", "cookie": "_ga",
                                 "message": "m", "evidence": {}}]}),
        );
        let c = target(
            "c.example",
            json!({"observed": [observed("_ga", json!({}))], "findings": [undeclared("_ga")]}),
        );
        let down = target("down.example", json!({"status": "failed", "error": "x"}));
        let html = render(&report(vec![a, b.clone(), c, down], Json::Null), None).expect("renders");
        let cross = section(&html, "cross-portal");
        assert!(
            cross.contains("how many of the 3 audited portals"),
            "{cross}"
        );
        let rows: Vec<&str> = cross.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 3, "{cross}");
        assert!(
            rows[0]
                .contains("<code>_ga</code></td><td class=\"num\">3</td><td class=\"num\">1</td>"),
            "{}",
            rows[0]
        );
        assert!(
            rows[0].contains(
                "<td><span title=\"undeclared\">Not in the charter ×2</span>, \
                 <span title=\"set_without_consent\">Set without consent ×1</span></td>"
            ),
            "{}",
            rows[0]
        );
        // Set by one portal, each: in name order, the hostile name escaped.
        assert!(plain(rows[1]).contains(&escaped(&hostile)), "{}", rows[1]);
        assert!(
            rows[2].contains(
                "_pk_<wbr>id.<wbr>1.<wbr>abc</code></td><td class=\"num\">1</td><td class=\"num\">1</td>"
            ),
            "declared by a pattern: {}",
            rows[2]
        );
        assert!(rows[2].contains("<span class=\"muted\">none</span>"));
        assert!(!html.contains(&hostile));

        // One audited portal: its own tables say it all.
        let html = render(&report(vec![b], Json::Null), None).expect("renders");
        assert!(!html.contains("id=\"cross-portal\""));
    }

    #[test]
    fn cookies_across_portals_are_bounded() {
        let names = |prefix: &str, n: usize| -> Json {
            (0..n)
                .map(|i| observed(&format!("{prefix}{i:03}"), json!({})))
                .collect()
        };
        let shared = names("shared_", 2);
        let mut many = shared.as_array().unwrap().clone();
        many.extend(names("only_", 503).as_array().unwrap().iter().cloned());
        let a = target("a.example", json!({"observed": many}));
        let b = target("b.example", json!({"observed": shared}));
        let html = render(&report(vec![a, b], Json::Null), None).expect("renders");
        let cross = section(&html, "cross-portal");
        assert_eq!(cross.matches("<tr>").count(), 1 + super::cross::MAX_ROWS);
        let first = cross.split("<tr>").nth(2).unwrap();
        assert!(
            plain(first).contains("shared_000"),
            "most portals first: {first}"
        );
        assert!(
            cross.contains("5 more names, set by fewer portals, are not shown"),
            "{cross}"
        );
    }

    #[test]
    fn each_portal_charts_its_findings_over_earlier_runs() {
        let out = tempfile::tempdir().unwrap();
        let high = |n: usize| -> Json {
            (0..n)
                .map(|_| {
                    json!({"kind": "undeclared", "severity": "high", "cookie": "c",
                                "message": "m", "evidence": {}})
                })
                .collect()
        };
        for (id, n) in [("20261120T090000Z", 1), ("20261121T090000Z", 3)] {
            let mut earlier = report(
                vec![target("a.example", json!({"findings": high(n)}))],
                Json::Null,
            );
            earlier.run.id = id.into();
            std::fs::create_dir(out.path().join(id)).unwrap();
            std::fs::write(
                out.path().join(id).join("report.json"),
                serde_json::to_vec(&earlier).unwrap(),
            )
            .unwrap();
        }
        let current = report(
            vec![
                target("a.example", json!({"findings": high(2)})),
                target("new.example", json!({})),
            ],
            Json::Null,
        );
        let history = History::load(out.path(), &current);
        let mut html = Vec::new();
        render_to(&current, None, &history, &mut html).unwrap();
        let html = String::from_utf8(html).unwrap();
        let a = section(&html, "target-a-example");
        let chart = &a[a
            .find("<figure class=\"history\" id=\"history-a-example\">")
            .expect("a chart")..];
        let chart = &chart[..chart.find("</figure>").unwrap()];
        assert!(
            chart.contains("aria-label=\"Findings per run, oldest first: 1 → 3 → 2\""),
            "{chart}"
        );
        assert_eq!(chart.matches("<g><title>").count(), 3);
        assert!(chart.contains(
            "<title>run 20261121T090000Z: 3 findings (3 high, 0 medium, 0 low, 0 info)</title>"
        ));
        // The tallest column fills the chart; the others are to scale.
        assert!(
            chart.contains(
                "class=\"sev-high\" x=\"38.33\" y=\"0.00\" width=\"23.33\" height=\"40.00\""
            ),
            "{chart}"
        );
        assert!(chart.contains("to this run (<code>20261124T113550Z</code>)"));
        assert!(
            !chart.contains("<image") && !chart.contains("href"),
            "nothing to fetch"
        );
        // A portal seen for the first time has nothing to compare with.
        assert!(!section(&html, "target-new-example").contains("class=\"history\""));
        // The `render` command has no earlier runs.
        assert!(
            !render(&current, None)
                .unwrap()
                .contains("class=\"history\"")
        );
    }

    #[test]
    fn a_merge_with_missing_shards_says_so() {
        let mut report = report(vec![], Json::Null);
        report.run.sharding.merged = Some(crate::types::MergedShards {
            count: 4,
            shards: vec![0, 1, 3],
            missing: vec![2],
        });
        let html = render(&report, None).unwrap();
        assert!(
            html.contains("shard 2/4 of this run was missing when it was merged"),
            "{html}"
        );
    }

    #[test]
    fn the_consent_grid_shows_each_cookie_in_each_phase() {
        let in_phase = |name: &str, domain: &str, phase: &str| {
            observed(name, json!({"domain": domain, "phase": phase}))
        };
        let hostile = payload("grid-name");
        let consent = json!({
            "accept": "auto", "reject": "auto",
            "phases": [
                {"phase": "none", "clicked": false, "error": null, "pages": 3},
                {"phase": "reject", "clicked": true, "error": null, "pages": 3},
                {"phase": "accept", "clicked": false, "error": "no button", "pages": 0},
                {"phase": "gpc", "clicked": false, "error": null, "pages": 3},
            ]
        });
        let t = target(
            "a.example",
            json!({"engine": "browser", "consent": consent, "observed": [
                in_phase("_ga", "a.example", "none"), in_phase("_ga", "a.example", "reject"),
                in_phase("csrftoken", "a.example", "none"), in_phase("csrftoken", "a.example", "gpc"),
                in_phase(&hostile, "evil.example", "reject"),
            ], "findings": [{"kind": "set_without_consent", "severity": "high", "cookie": "_ga",
                            "message": "m", "evidence": {}}]}),
        );
        let html = render(&report(vec![t], Json::Null), None).expect("renders");
        let section = section(&html, "target-a-example");
        let grid = &section[section.find("<table class=\"consent-grid").expect("a grid")..];
        let grid = &grid[..grid.find("</table>").unwrap()];
        assert!(grid.contains("<th>Cookie</th><th>before consent</th><th>after refusal</th><th>after consent <span class=\"muted\">(not crawled)</span></th><th>with Global Privacy Control</th>"), "{grid}");
        let rows: Vec<&str> = grid.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 3, "one row per name and domain: {grid}");
        let cells = |row: &str| -> Vec<String> {
            row.split("<td class=\"cell")
                .skip(1)
                .map(|c| c[..c.find("</td>").unwrap()].to_string())
                .collect()
        };
        // Sorted by name: `<` sorts before letters.
        assert!(plain(rows[0]).contains(&escaped(&hostile)), "{}", rows[0]);
        assert_eq!(
            cells(rows[1]),
            [
                " set unlawful\"><strong>set</strong>, needs consent",
                " set unlawful\"><strong>set</strong>, needs consent",
                "\"><span class=\"muted\">?</span>",
                "\"><span class=\"muted\">—</span>"
            ]
        );
        assert_eq!(
            cells(rows[2]),
            [
                " set\">set",
                "\"><span class=\"muted\">—</span>",
                "\"><span class=\"muted\">?</span>",
                " set\">set"
            ]
        );
        assert!(!html.contains(&hostile));
        // Five sightings of three cookies: the counts say three.
        assert!(
            section.contains("Cookies observed (3, in 5 sightings across the consent phases)"),
            "{section}"
        );
        assert!(
            html.contains("data-sort=\"3\">3 (0)</td>"),
            "overview counts distinct cookies"
        );

        // No phases, no grid.
        let html = render(
            &report(vec![target("b.example", json!({}))], Json::Null),
            None,
        )
        .unwrap();
        assert!(!html.contains("consent-grid\""));
    }
}
