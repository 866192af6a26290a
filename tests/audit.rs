//! The audit end to end: a fake portal whose charter and cookies produce every finding kind,
//! asserted on report.json; `--fail-on` and `--cookie-db` as a cron job uses them.

mod common;

use std::collections::BTreeSet;

use axum::http::HeaderMap;
use common::*;
use serde_json::Value;

const CHARTER: &str = r#"<html><body><main><h1>Charte cookies</h1>
<h2>Cookies nécessaires au bon fonctionnement de la plateforme</h2>
<table><tr><th>Nom du prestataire</th><th>Nom du cookie</th><th>Finalités</th><th>Durée</th></tr>
<tr><td>Portal</td><td>sessionid</td><td>Authentification</td><td>Session</td></tr>
<tr><td>Portal</td><td>csrftoken</td><td>Sécurité des formulaires</td><td>1 an</td></tr>
<tr><td>Portal</td><td>cookies_preferences</td><td>Choix de consentement</td><td>6 mois</td></tr>
<tr><td>Portal</td><td>pref</td><td>Préférences d'affichage</td><td>Session</td></tr>
<tr><td>Google</td><td>_ga</td><td>Distinguer les visiteurs</td><td>13 mois</td></tr>
</table></main></body></html>"#;

const CLEAN_CHARTER: &str = r#"<table><tr><th>Nom du cookie</th><th>Finalités</th><th>Durée</th></tr>
<tr><td>csrftoken</td><td>Sécurité</td><td>1 an</td></tr>
<tr><td>sessionid</td><td>Authentification</td><td>2 semaines</td></tr></table>"#;

fn web(host: &str, path: &str, headers: &HeaderMap) -> axum::response::Response {
    let port = request_port(headers);
    match (host, path) {
        (_, "/robots.txt") => html(404, &[], ""),
        ("www.portal.test", "/") => html(
            200,
            &[
                ("set-cookie", b"sessionid=abc123; Path=/"),
                ("set-cookie", b"_ga=GA1.2.3.4; Max-Age=63072000; Path=/"),
                (
                    "set-cookie",
                    b"pref=dark; Max-Age=2592000; Path=/; HttpOnly",
                ),
                ("set-cookie", b"widget=1; Path=/; SameSite=None; HttpOnly"),
                ("set-cookie", b"=broken"),
            ],
            format!(r#"<p>Portal</p><img src="http://cdn.tracker.test:{port}/pixel.gif">"#),
        ),
        ("www.portal.test", "/terms/cookies-policy/") => html(200, &[], CHARTER),
        ("cdn.tracker.test", "/pixel.gif") => html(
            200,
            &[
                ("content-type", b"image/gif"),
                (
                    "set-cookie",
                    b"IDE=x; Domain=tracker.test; Path=/; Max-Age=34128000",
                ),
            ],
            "GIF89a",
        ),
        ("www.other.test", "/") => html(
            200,
            &[("set-cookie", b"visitor=1; Path=/; HttpOnly")],
            "<p>No charter here.</p>",
        ),
        ("www.clean.test", "/") => html(
            200,
            &[(
                "set-cookie",
                b"csrftoken=t0k3n; Max-Age=31449600; Path=/; SameSite=Lax",
            )],
            "<p>Clean</p>",
        ),
        ("www.clean.test", "/terms/cookies-policy/") => html(200, &[], CLEAN_CHARTER),
        _ => html(404, &[], "not found"),
    }
}

fn run(extra: &[&str]) -> (Run, Option<Value>, tempfile::TempDir) {
    let server = Server::start(web);
    let mut argv = server.argv(
        &["audit"],
        &[
            "www.portal.test",
            "cdn.tracker.test",
            "www.other.test",
            "www.clean.test",
        ],
    );
    argv.extend(args(extra));
    let (dir, run) = audit_site(
        &format!(
            "[defaults]\ndelay_ms = 0\ntimeout_secs = 5\nmax_pages = 3\n\n\
             [[target]]\nname = \"portal\"\nurl = \"http://www.portal.test:{p}/\"\njurisdiction = \"be\"\n\n\
             [[target]]\nname = \"other\"\nurl = \"http://www.other.test:{p}/\"\njurisdiction = \"fr\"\n\n\
             [[target]]\nname = \"clean\"\nurl = \"http://www.clean.test:{p}/\"\njurisdiction = \"fr\"\n",
            p = server.port
        ),
        &argv,
    );
    let report = std::fs::read_to_string(dir.path().join("reports/latest.json"))
        .ok()
        .map(|text| serde_json::from_str(&text).unwrap());
    (run, report, dir)
}

/// (kind, cookie) pairs of a target's findings.
fn found(target: &Value) -> BTreeSet<(String, String)> {
    target["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["cookie"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(k, c)| (k.to_string(), c.to_string()))
        .collect()
}

#[test]
fn every_finding_kind_appears_where_it_should_and_nowhere_else() {
    let (run, report, _dir) = run(&[]);
    assert_eq!(
        run.code, 0,
        "no --fail-on: findings never fail the run\n{}",
        run.stderr
    );
    let report = report.expect("report");
    let portal = &report["targets"][0];
    assert_charter_status(&portal["charter"], "parsed");
    assert_eq!(
        found(portal),
        pairs(&[
            ("undeclared", "widget"),
            ("undeclared", "IDE"),
            ("set_without_consent", "IDE"),
            ("set_without_consent", "_ga"),
            ("category_mismatch", "_ga"),
            ("lifetime_mismatch", "_ga"),
            ("lifetime_mismatch", "pref"),
            ("lifetime_over_limit", "_ga"),
            ("insecure_attributes", "sessionid"),
            ("insecure_attributes", "widget"),
            ("malformed_set_cookie", "-"),
            ("not_observed", "csrftoken"),
            ("not_observed", "cookies_preferences"),
        ]),
        "{:#}",
        portal["findings"]
    );
    let other = &report["targets"][1];
    assert_eq!(
        found(other),
        pairs(&[("charter_missing", "-"), ("undeclared", "visitor")])
    );
    let clean = &report["targets"][2];
    assert_eq!(found(clean), pairs(&[("not_observed", "sessionid")]));

    // declared_as links each observed cookie to its declaration.
    let declared_as = |name: &str| {
        portal["observed"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["declared_as"].clone())
            .unwrap()
    };
    assert_eq!(declared_as("_ga"), "_ga");
    assert_eq!(declared_as("IDE"), Value::Null);

    // Severities as README.md says, counted in totals over audited targets.
    let severity = |target: &Value, kind: &str, cookie: &str| {
        target["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == kind && f["cookie"].as_str().unwrap_or("-") == cookie)
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(severity(portal, "undeclared", "IDE"), "high");
    assert_eq!(severity(portal, "undeclared", "widget"), "medium");
    assert_eq!(severity(portal, "set_without_consent", "_ga"), "high");
    assert_eq!(severity(portal, "category_mismatch", "_ga"), "medium");
    assert_eq!(severity(portal, "insecure_attributes", "sessionid"), "low");
    assert_eq!(severity(portal, "not_observed", "csrftoken"), "info");
    assert_eq!(severity(other, "charter_missing", "-"), "high");
    let totals = &report["totals"]["findings"];
    assert_eq!(totals["high"], 4);
    assert_eq!(totals["medium"], 6);
    assert_eq!(totals["low"], 3);
    assert_eq!(totals["info"], 3);

    // Every message is a sentence, and evidence names the page that set the cookie.
    for finding in portal["findings"].as_array().unwrap() {
        let message = finding["message"].as_str().unwrap();
        assert!(message.ends_with('.') && message.len() > 20, "{message}");
    }
    let consent = portal["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "set_without_consent" && f["cookie"] == "IDE")
        .unwrap();
    assert!(
        consent["evidence"]["cookie"]["set_by"]
            .as_str()
            .unwrap()
            .contains("cdn.tracker.test")
    );
    assert!(
        consent["evidence"]["cookie"]["first_seen_on"]
            .as_str()
            .unwrap()
            .contains("www.portal.test")
    );
    assert!(
        consent["message"]
            .as_str()
            .unwrap()
            .contains("before any consent")
    );
}

#[test]
fn fail_on_turns_findings_into_exit_code_1_for_cron() {
    let (high, report, _a) = run(&["--fail-on", "high"]);
    assert_eq!(high.code, 1, "{}", high.stderr);
    assert!(
        report.is_some(),
        "a report is written whatever the exit code"
    );
    assert!(high.stderr.contains("--fail-on"), "{}", high.stderr);

    let (clean_low, _, _b) = run(&["--only", "clean", "--fail-on", "low"]);
    assert_eq!(
        clean_low.code, 0,
        "only an info finding: not at or above low\n{}",
        clean_low.stderr
    );
    let (clean_info, _, _c) = run(&["--only", "clean", "--fail-on", "info"]);
    assert_eq!(clean_info.code, 1);
}

#[test]
fn the_open_cookie_database_can_be_added_and_bad_rows_are_named() {
    let db = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/open-cookie-database/open-cookie-database.csv");
    let (run_db, report, _a) = run(&["--only", "portal", "--cookie-db", db.to_str().unwrap()]);
    assert_eq!(run_db.code, 0, "{}", run_db.stderr);
    // The Open Cookie Database files sessionid as Instagram's: it must not make Django's marketing.
    let portal = &report.unwrap()["targets"][0];
    assert!(!found(portal).contains(&("set_without_consent".to_string(), "sessionid".to_string())));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n\
         1,Test,Analytics,good_one,,Counts visits,1 year,Test,https://t.test,0\n\
         2,Test,Nonsense,bad_category,,x,1 year,Test,https://t.test,0\n",
    )
    .unwrap();
    let (run_bad, _, _b) = run(&["--only", "clean", "--cookie-db", bad.to_str().unwrap()]);
    assert_eq!(run_bad.code, 0, "{}", run_bad.stderr);
    assert!(run_bad.stderr.contains("bad.csv:3"), "{}", run_bad.stderr);

    let (missing, report, _c) = run(&["--cookie-db", "/nonexistent/ocd.csv"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("/nonexistent/ocd.csv"),
        "{}",
        missing.stderr
    );
    assert!(report.is_none(), "nothing crawled on a usage error");
}
