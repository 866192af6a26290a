//! Findings blame the portal only for what the portal did: a charter the audit did not read, a
//! cookie every browser refuses, a cookie the engine cannot see and the rules of each
//! jurisdiction are each reported for what they are (issue 18).

mod common;

use common::*;
use serde_json::Value;

/// The kinds of a target's findings about `cookie` (`-` for findings about no cookie).
fn kinds_for(target: &Value, cookie: &str) -> Vec<String> {
    target["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["cookie"].as_str().unwrap_or("-") == cookie)
        .map(|f| f["kind"].as_str().expect("kind").to_string())
        .collect()
}

fn kinds(target: &Value) -> Vec<String> {
    target["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["kind"].as_str().expect("kind").to_string())
        .collect()
}

fn finding<'t>(target: &'t Value, kind: &str, cookie: &str) -> &'t Value {
    target["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["kind"] == kind && f["cookie"].as_str().unwrap_or("-") == cookie)
        .unwrap_or_else(|| panic!("no {kind} for {cookie}: {:#}", target["findings"]))
}

const CHARTER_BASED: [&str; 5] = [
    "charter_missing",
    "undeclared",
    "not_observed",
    "lifetime_mismatch",
    "category_mismatch",
];

/// A target cut short by its `target_timeout_secs` is not the portal's fault: no charter-based
/// finding; the charter says `not_read` and why, in the JSON, the HTML and the summary line. (A
/// charter file of ours that is missing stops the run at load, exit 2: tests/operating.rs.)
#[test]
fn a_charter_the_audit_did_not_read_blames_nobody() {
    let server = Server::start(|_host, path, _headers| match path {
        "/" => html(
            200,
            &[
                ("set-cookie", b"tracker=1; Path=/; Max-Age=86400"),
                ("set-cookie", b"_ga=GA1.2.3.4; Path=/; Max-Age=86400"),
            ],
            r#"<a href="/never">never</a>"#,
        ),
        _ => html(404, &[], "not found"),
    });
    let port = server.port;
    let toml = format!(
        r#"[defaults]
delay_ms = 0
timeout_secs = 600

[[target]]
name = "slow"
url = "http://www.slow.test:{port}/"
target_timeout_secs = 1
"#
    );
    let argv = server.argv(&["audit"], &["www.slow.test"]);
    let (dir, run) = audit_site(&toml, &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    for (index, why) in [(0, "target_timeout_secs = 1")] {
        let target = &report["targets"][index];
        assert_eq!(target["status"], "audited", "{target:#}");
        assert_charter_status(&target["charter"], "not_read");
        let error = target["charter"]["error"].as_str().unwrap_or_default();
        assert!(error.contains(why), "{error}");
        for kind in kinds(target) {
            assert!(
                !CHARTER_BASED.contains(&kind.as_str()),
                "{kind}: {target:#}"
            );
        }
        // What does not depend on the charter is still judged.
        assert!(
            kinds_for(target, "_ga").contains(&"set_without_consent".to_string()),
            "{:#}",
            target["findings"]
        );
    }
    assert!(
        run.stdout
            .contains("charter not_read (not read: the target ran out of time"),
        "{}",
        run.stdout
    );
    let html = std::fs::read_to_string(dir.path().join("reports/latest.html")).expect("html");
    assert!(html.contains("not read by this audit"), "the HTML names it");
}

/// Cookies every browser refuses: a public suffix, a foreign domain, a one-label domain, broken
/// `__Host-`/`__Secure-` prefixes. The HTTP engine refuses them as Chromium does, and each is a
/// low `cookie_rejected` with its reason, never undeclared or set without consent.
#[test]
fn cookies_every_browser_refuses_are_rejected_not_blamed_as_set() {
    let server = Server::start(|_host, path, _headers| match path {
        "/" => html(
            200,
            &[
                ("set-cookie", b"suffix=1; Domain=.be; Path=/"),
                ("set-cookie", b"IDE=x; Domain=doubleclick.net; Path=/"),
                ("set-cookie", b"lan=1; Domain=localdomain; Path=/"),
                ("set-cookie", b"__Host-id=1; Path=/"),
                ("set-cookie", b"__Secure-id=1; Path=/"),
                ("set-cookie", b"kept=1; Path=/; HttpOnly"),
            ],
            "<p>Portal</p>",
        ),
        _ => html(404, &[], "not found"),
    });
    let toml = format!(
        "[defaults]\ndelay_ms = 0\ntimeout_secs = 5\nmax_pages = 1\n\n\
         [[target]]\nname = \"portal\"\nurl = \"http://www.portal.be:{}/\"\njurisdiction = \"be\"\n",
        server.port
    );
    let (dir, run) = audit_site(&toml, &server.argv(&["audit"], &["www.portal.be"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    let target = &report["targets"][0];
    let blocked = |name: &str| {
        target["observed"]
            .as_array()
            .expect("observed")
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["blocked"].as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("{name} observed"))
    };
    let expected = [
        ("suffix", "Domain=be is a public suffix"),
        ("IDE", "Domain=doubleclick.net is not the site's domain"),
        ("lan", "Domain=localdomain is a domain of one label"),
        (
            "__Host-id",
            "the __Host- prefix requires the Secure attribute",
        ),
        (
            "__Secure-id",
            "the __Secure- prefix requires the Secure attribute",
        ),
    ];
    for (name, why) in expected {
        let reason = blocked(name);
        assert!(reason.contains(why), "{name}: {reason}");
        assert_eq!(kinds_for(target, name), ["cookie_rejected"], "{name}");
        let rejected = finding(target, "cookie_rejected", name);
        assert_eq!(rejected["severity"], "low");
        assert!(
            rejected["message"]
                .as_str()
                .unwrap_or_default()
                .contains(why),
            "{rejected:#}"
        );
        assert_eq!(rejected["evidence"]["blocked"], reason.as_str());
    }
    assert!(!blocked("lan").contains("public suffix"));
    assert_eq!(blocked("kept"), "", "a fine cookie is kept");
    assert!(kinds_for(target, "kept").contains(&"undeclared".to_string()));
}

const SCRIPT_CHARTER: &str = r#"<table><tr><th>Nom du cookie</th><th>Finalités</th><th>Durée</th></tr>
<tr><td>csrftoken</td><td>Sécurité</td><td>1 an</td></tr>
<tr><td>_ga</td><td>Mesure d'audience</td><td>13 mois</td></tr>
<tr><td>oldcookie</td><td>Préférences</td><td>1 an</td></tr></table>"#;

/// The HTTP engine sees only `Set-Cookie` headers: a declared `_ga` (set by Google Analytics'
/// script) it never saw is no evidence against the portal. The report says what the engine
/// could not see, which declared cookies that leaves unverified, and what to run instead; in the
/// JSON, the `not_observed` messages, the summary line and the HTML.
#[test]
fn the_http_engine_says_what_it_could_not_see() {
    let server = Server::start(|_host, path, _headers| match path {
        "/" => html(
            200,
            &[("set-cookie", b"csrftoken=t; Max-Age=31449600; Path=/")],
            "<p>Portal</p>",
        ),
        "/terms/cookies-policy/" => html(200, &[], SCRIPT_CHARTER),
        _ => html(404, &[], "not found"),
    });
    let toml = format!(
        "[defaults]\ndelay_ms = 0\ntimeout_secs = 5\nmax_pages = 1\n\n\
         [[target]]\nname = \"portal\"\nurl = \"http://www.portal.test:{}/\"\n",
        server.port
    );
    let (dir, run) = audit_site(&toml, &server.argv(&["audit"], &["www.portal.test"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    let target = &report["targets"][0];
    assert_charter_status(&target["charter"], "parsed");
    let limits = &target["engine_limits"];
    assert_eq!(
        limits["declared_by_script"],
        serde_json::json!(["_ga"]),
        "{limits:#}"
    );
    assert!(
        limits["unobservable"][0]
            .as_str()
            .is_some_and(|s| s.contains("cookies set by JavaScript")),
        "{limits:#}"
    );
    assert!(
        limits["instead"]
            .as_str()
            .is_some_and(|s| s.contains("--engine browser"))
    );

    let ga = finding(target, "not_observed", "_ga");
    let message = ga["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("cannot see cookies set by JavaScript"),
        "{message}"
    );
    assert!(message.contains("--engine browser"), "{message}");
    assert!(!message.contains("pages not visited"), "{message}");
    assert_eq!(ga["evidence"]["unseen_by_engine"], true);
    let old = finding(target, "not_observed", "oldcookie");
    let message = old["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("not cookies set by JavaScript"),
        "{message}"
    );
    assert_eq!(old["evidence"]["unseen_by_engine"], false);

    assert!(
        run.stdout.contains("note: 1 target(s) crawled with the http engine, which cannot see cookies set by JavaScript"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("not verified: portal: _ga"),
        "{}",
        run.stdout
    );
    let html = std::fs::read_to_string(dir.path().join("reports/latest.html")).expect("html");
    assert!(
        html.contains("What the http engine could not see"),
        "the HTML says it"
    );
    assert!(html.contains("the charter declares <code>_ga</code>, set by scripts"));
}

/// Under the CNIL's rules only audience measurement meeting its conditions is exempt: Hotjar's
/// and Clarity's session recordings need consent, Matomo's first-party measurement does not. A
/// Belgian portal is not told of the CNIL's 13 months; a French one is.
#[test]
fn cnil_exempts_measurement_not_session_recording_and_belgium_is_not_told_of_the_cnil() {
    let server = Server::start(|_host, path, _headers| match path {
        "/" => html(
            200,
            &[
                ("set-cookie", b"_hjSessionUser_123=x; Max-Age=86400; Path=/"),
                ("set-cookie", b"_clck=x; Max-Age=86400; Path=/"),
                ("set-cookie", b"_pk_id.1.abcd=x; Max-Age=86400; Path=/"),
                ("set-cookie", b"long=1; Max-Age=63072000; Path=/; HttpOnly"),
            ],
            "<p>Portal</p>",
        ),
        _ => html(404, &[], "not found"),
    });
    let port = server.port;
    let toml = format!(
        "[defaults]\ndelay_ms = 0\ntimeout_secs = 5\nmax_pages = 1\n\n\
         [[target]]\nname = \"fr\"\nurl = \"http://www.portail.test:{port}/\"\njurisdiction = \"fr\"\n\n\
         [[target]]\nname = \"be\"\nurl = \"http://www.portal.test:{port}/\"\njurisdiction = \"be\"\n"
    );
    let argv = server.argv(&["audit"], &["www.portail.test", "www.portal.test"]);
    let (dir, run) = audit_site(&toml, &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    let (fr, be) = (&report["targets"][0], &report["targets"][1]);
    for recording in ["_hjSessionUser_123", "_clck"] {
        let found = finding(fr, "set_without_consent", recording);
        let message = found["message"].as_str().unwrap_or_default();
        assert!(message.contains("session recording"), "{message}");
    }
    assert!(
        !kinds_for(fr, "_pk_id.1.abcd").contains(&"set_without_consent".to_string()),
        "{:#}",
        fr["findings"]
    );
    let over = |target: &Value| {
        finding(target, "lifetime_over_limit", "long")["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(over(fr).contains("the CNIL's 13 months"), "{}", over(fr));
    assert!(!over(be).contains("CNIL"), "{}", over(be));
    for finding in be["findings"].as_array().expect("findings") {
        let message = finding["message"].as_str().unwrap_or_default();
        assert!(!message.contains("CNIL"), "{message}");
    }
}
