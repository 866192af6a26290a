//! Renders a realistic sample HTML report, the one shown in `docs/report-sample.png`.
//!
//! ```sh
//! cargo run --example report_sample -- /tmp/report-sample.html
//! chromium --headless --screenshot=docs/report-sample.png --window-size=1280,2000 \
//!     file:///tmp/report-sample.html
//! ```

use cookie_audit::report::render::html::render;
use cookie_audit::types::{Report, Totals};
use serde_json::{Value, json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "report-sample.html".to_string());
    let mut report: Report = serde_json::from_value(sample())?;
    report.totals = Totals::of(&report.targets);
    std::fs::write(&out, render(&report, None)?)?;
    println!("{out}");
    Ok(())
}

/// An observed cookie as `report.json` has it.
#[allow(clippy::too_many_arguments)]
fn cookie(
    name: &str,
    domain: &str,
    party: &str,
    lifetime: Option<i64>,
    secure: bool,
    http_only: bool,
    same_site: Option<&str>,
    set_by: &str,
    seen_on: &str,
    pages: u32,
    declared_as: Option<&str>,
) -> Value {
    json!({
        "name": name, "domain": domain, "host_only": party == "first", "path": "/",
        "party": party, "source": "http", "phase": "none",
        "secure": secure, "http_only": http_only, "same_site": same_site,
        "session": lifetime.is_none(), "lifetime_seconds": lifetime,
        "value_length": 32, "set_by": set_by, "first_seen_on": seen_on,
        "seen_on_pages": pages, "declared_as": declared_as, "blocked": null, "variants": []
    })
}

/// A finding whose evidence is the observed cookie, as the rules write it.
fn finding(kind: &str, severity: &str, cookie: &Value, message: &str) -> Value {
    json!({
        "kind": kind, "severity": severity, "cookie": cookie["name"], "message": message,
        "evidence": {"cookie": cookie, "declaration": null, "catalogue": null}
    })
}

fn declaration(name: &str, category: &str, duration: Option<(&str, u64)>, purpose: &str) -> Value {
    json!({
        "name": name, "match": if name.ends_with('*') { "prefix" } else { "exact" },
        "provider": "Opendatasoft", "service": "Portail open data", "purpose": purpose,
        "category": category, "duration": duration.map(|d| d.0),
        "duration_seconds": duration.map(|d| d.1)
    })
}

fn pages(base: &str, n: usize) -> Value {
    let paths = [
        "",
        "explore/",
        "pages/about/",
        "api/",
        "page/cookies/",
        "explore/dataset/1/",
    ];
    Value::Array(
        paths
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, p)| {
                json!({"url": format!("{base}{p}"), "status": 200, "depth": u32::from(i > 0),
                       "error": null, "final_url": null, "redirects": 0, "bytes": 48_213, "truncated": false})
            })
            .collect(),
    )
}

fn target(name: &str, url: &str, jurisdiction: &str) -> Value {
    json!({
        "name": name, "url": url, "jurisdiction": jurisdiction, "engine": "http",
        "status": "audited", "error": null,
        "charter": {"source": format!("{url}page/cookies/"), "status": "parsed", "error": null,
                    "portal_url": url.trim_end_matches('/'), "declared": []},
        "crawl": {"pages": pages(url, 6), "requests": 57, "duration_ms": 8123, "subresources": 21},
        "observed": [], "storage": [], "malformed_set_cookies": [], "findings": []
    })
}

fn sample() -> Value {
    let month = 30 * 86_400;
    let year = 365 * 86_400;

    let bxl = "https://opendata.bruxelles.be/";
    let mut bruxelles = target("opendata.bruxelles.be", bxl, "be");
    let csrf = cookie(
        "csrftoken",
        "opendata.bruxelles.be",
        "first",
        Some(year),
        true,
        false,
        Some("Lax"),
        bxl,
        bxl,
        6,
        Some("csrftoken"),
    );
    let session = cookie(
        "sessionid",
        "opendata.bruxelles.be",
        "first",
        None,
        false,
        false,
        Some("Lax"),
        &format!("{bxl}login/"),
        &format!("{bxl}explore/"),
        3,
        Some("sessionid"),
    );
    let ga = cookie(
        "_ga",
        "bruxelles.be",
        "first",
        Some(2 * year),
        false,
        false,
        None,
        "https://www.googletagmanager.com/gtag/js?id=G-XYZ",
        bxl,
        6,
        Some("_ga"),
    );
    let ga4 = cookie(
        "_ga_8RZ1KX",
        "bruxelles.be",
        "first",
        Some(2 * year),
        false,
        false,
        None,
        "https://www.googletagmanager.com/gtag/js?id=G-XYZ",
        bxl,
        6,
        Some("_ga_*"),
    );
    let yt = cookie(
        "VISITOR_INFO1_LIVE",
        "youtube.com",
        "third",
        Some(6 * month),
        true,
        true,
        Some("None"),
        "https://www.youtube-nocookie.com/embed/abc",
        &format!("{bxl}pages/about/"),
        1,
        None,
    );
    bruxelles["observed"] = json!([csrf, session, ga, ga4, yt]);
    bruxelles["charter"]["declared"] = json!([
        declaration(
            "csrftoken",
            "necessary",
            Some(("1 an", year as u64)),
            "Protection contre les attaques CSRF."
        ),
        declaration(
            "sessionid",
            "necessary",
            Some(("Session", 0)),
            "Se souvenir de l'utilisateur d'une page à une autre."
        ),
        declaration(
            "_ga",
            "necessary",
            Some(("13 mois", 13 * month as u64)),
            "Mesure d'audience."
        ),
        declaration(
            "_ga_*",
            "statistics",
            Some(("13 mois", 13 * month as u64)),
            "Mesure d'audience."
        ),
        declaration(
            "ods_lang",
            "functional",
            Some(("1 an", year as u64)),
            "Langue choisie."
        ),
    ]);
    bruxelles["findings"] = json!([
        finding("set_without_consent", "high", &bruxelles["observed"][2],
            "_ga (statistics, Google Analytics) is set by https://www.googletagmanager.com/gtag/js?id=G-XYZ on https://opendata.bruxelles.be/ before any consent was given; audience measurement needs consent in Belgium: set it only after consent."),
        finding("set_without_consent", "high", &bruxelles["observed"][3],
            "_ga_8RZ1KX (statistics, Google Analytics) is set by https://www.googletagmanager.com/gtag/js?id=G-XYZ on https://opendata.bruxelles.be/ before any consent was given: set it only after consent."),
        finding("undeclared", "high", &bruxelles["observed"][4],
            "VISITOR_INFO1_LIVE (third-party, marketing, YouTube) is set but the charter does not declare it: declare it or stop setting it."),
        finding("set_without_consent", "high", &bruxelles["observed"][4],
            "VISITOR_INFO1_LIVE (marketing, YouTube) is set by https://www.youtube-nocookie.com/embed/abc on https://opendata.bruxelles.be/pages/about/ before any consent was given: set it only after consent."),
        finding("category_mismatch", "medium", &bruxelles["observed"][2],
            "_ga is filed as necessary by the charter but is Google Analytics audience measurement: file it under statistics."),
        finding("lifetime_mismatch", "medium", &bruxelles["observed"][2],
            "_ga lives 2 years where the charter says \"13 mois\": correct the charter or the cookie."),
        finding("lifetime_over_limit", "medium", &bruxelles["observed"][2],
            "_ga is set to live 2 years, longer than 13 months (the CNIL's 13 months by default): shorten it."),
        finding("insecure_attributes", "low", &bruxelles["observed"][1],
            "sessionid has no Secure on an HTTPS site, so it may be sent over plain HTTP, and is a session identifier readable by scripts (no HttpOnly): add Secure and HttpOnly."),
        {"kind": "not_observed", "severity": "info", "cookie": "ods_lang",
         "message": "ods_lang is declared but was never set during the crawl; expected: it is set when a visitor picks a language.",
         "evidence": {"declaration": bruxelles["charter"]["declared"][4]}},
    ]);

    let bep = "https://data.bep.be/";
    let mut bep_target = target("data.bep.be", bep, "be");
    let bep_session = cookie(
        "sessionid",
        "data.bep.be",
        "first",
        None,
        true,
        true,
        Some("Lax"),
        bep,
        bep,
        6,
        Some("sessionid"),
    );
    let pk = cookie(
        "_pk_id.3.1fff",
        "data.bep.be",
        "first",
        Some(13 * month),
        true,
        false,
        Some("Lax"),
        "https://data.bep.be/matomo.js",
        bep,
        6,
        Some("_pk_id.*"),
    );
    bep_target["observed"] = json!([bep_session, pk]);
    bep_target["charter"]["declared"] = json!([
        declaration(
            "sessionid",
            "necessary",
            Some(("Session", 0)),
            "Se souvenir de l'utilisateur d'une page à une autre."
        ),
        declaration(
            "_pk_id.*",
            "statistics",
            Some(("13 mois", 13 * month as u64)),
            "Mesure d'audience Matomo."
        ),
    ]);
    bep_target["findings"] = json!([
        finding("set_without_consent", "high", &bep_target["observed"][1],
            "_pk_id.3.1fff (statistics per the charter) is set by https://data.bep.be/matomo.js on https://data.bep.be/ before any consent was given: set it only after consent."),
        {"kind": "malformed_set_cookie", "severity": "low", "cookie": null,
         "message": "A Set-Cookie header from https://data.bep.be/api/ could not be parsed (no '=' in the name-value pair): fix the header.",
         "evidence": {"raw": "tracking; Path=/; Secure", "error": "no '=' in the name-value pair",
                      "set_by": "https://data.bep.be/api/", "seen_on": "https://data.bep.be/api/", "count": 4}},
    ]);

    let liege = "https://opendata.liege.be/";
    let mut liege_target = target("opendata.liege.be", liege, "be");
    let liege_csrf = cookie(
        "csrftoken",
        "opendata.liege.be",
        "first",
        Some(year),
        true,
        false,
        Some("Lax"),
        liege,
        liege,
        5,
        None,
    );
    liege_target["observed"] = json!([liege_csrf]);
    liege_target["charter"] = json!({"source": format!("{liege}page/cookies/"), "status": "unreachable",
        "error": "it answered HTTP 404", "portal_url": null, "declared": []});
    liege_target["findings"] = json!([
        {"kind": "charter_missing", "severity": "high", "cookie": null,
         "message": "The cookie charter at https://opendata.liege.be/page/cookies/ could not be fetched (it answered HTTP 404): publish it where visitors and this audit can read it.",
         "evidence": {"status": "unreachable", "source": "https://opendata.liege.be/page/cookies/", "error": "it answered HTTP 404"}},
        finding("undeclared", "medium", &liege_target["observed"][0],
            "csrftoken (first-party, necessary, Django) is set but no charter could be read to declare it: publish a charter that lists it."),
    ]);

    let namur = "https://data.namur.be/";
    let mut namur_target = target("data.namur.be", namur, "be");
    namur_target["status"] = json!("failed");
    namur_target["error"] = json!("DNS lookup failed: data.namur.be: Name or service not known");
    namur_target["charter"] = json!({"source": null, "status": "not_found",
        "error": "the site could not be reached", "portal_url": null, "declared": []});
    namur_target["crawl"] = json!({"pages": [{"url": namur, "status": null, "depth": 0,
        "error": "DNS lookup failed", "final_url": null, "redirects": 0, "bytes": 0, "truncated": false}],
        "requests": 1, "duration_ms": 40, "subresources": 0});

    let key = |name: &str, domain: &str, party: &str| json!({"name": name, "domain": domain, "path": "/", "party": party});
    json!({
        "schema_version": 1,
        "tool": {"name": "cookie-audit", "version": env!("CARGO_PKG_VERSION")},
        "run": {"id": "20261124T113550Z", "started_at": "2026-11-24T11:35:50Z",
                "finished_at": "2026-11-24T11:38:12Z", "engine": "http", "partial": false},
        "targets": [bruxelles, bep_target, liege_target, namur_target],
        "totals": {"targets": 0, "audited": 0, "failed": 0, "findings": {"high": 0, "medium": 0, "low": 0, "info": 0}},
        "changes": {
            "old_run": "20261117T113547Z", "new_run": "20261124T113550Z", "changed": true,
            "targets": [{
                "name": "opendata.bruxelles.be", "added": false, "removed": false,
                "status": null, "charter_status": null,
                "cookies_appeared": [key("VISITOR_INFO1_LIVE", "youtube.com", "third")],
                "cookies_vanished": [key("_gid", "bruxelles.be", "first")],
                "cookies_changed": [{"name": "_ga", "domain": "bruxelles.be", "path": "/", "party": "first",
                    "changes": [{"field": "lifetime_seconds", "old": 13 * month, "new": 2 * year}]}],
                "declarations_added": ["ods_lang"], "declarations_removed": ["_gid"],
                "findings_opened": [{"kind": "set_without_consent", "cookie": "VISITOR_INFO1_LIVE", "severity": "high",
                    "message": "VISITOR_INFO1_LIVE (marketing, YouTube) is set before any consent was given: set it only after consent."}],
                "findings_closed": [{"kind": "set_without_consent", "cookie": "_gid", "severity": "high",
                    "message": "_gid (statistics, Google Analytics) is set before any consent was given: set it only after consent."}]
            }, {
                "name": "opendata.liege.be", "added": false, "removed": false,
                "status": null, "charter_status": ["parsed", "unreachable"],
                "cookies_appeared": [], "cookies_vanished": [], "cookies_changed": [],
                "declarations_added": [], "declarations_removed": [],
                "findings_opened": [{"kind": "charter_missing", "cookie": null, "severity": "high",
                    "message": "The cookie charter at https://opendata.liege.be/page/cookies/ could not be fetched (it answered HTTP 404)."}],
                "findings_closed": []
            }, {
                "name": "data.wallonie.be", "added": false, "removed": true,
                "status": null, "charter_status": null,
                "cookies_appeared": [], "cookies_vanished": [], "cookies_changed": [],
                "declarations_added": [], "declarations_removed": [],
                "findings_opened": [], "findings_closed": []
            }]
        }
    })
}
