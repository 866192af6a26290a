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

/// A target cut short by its `target_timeout_secs`, and one whose charter file (ours, named in
/// targets.toml) is missing: neither is the portal's fault, so no charter-based finding; the
/// charter says `not_read` and why, in the JSON, the HTML and the summary line.
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

[[target]]
name = "own-file"
url = "http://www.fine.test:{port}/"
charter = "no-such-charter.html"
max_pages = 1
"#
    );
    let argv = server.argv(&["audit"], &["www.slow.test", "www.fine.test"]);
    let (dir, run) = audit_site(&toml, &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    for (index, why) in [(0, "target_timeout_secs = 1"), (1, "no-such-charter.html")] {
        let target = &report["targets"][index];
        assert_eq!(target["status"], "audited", "{target:#}");
        assert_charter_status(&target["charter"], "not_read");
        let error = target["charter"]["error"].as_str().unwrap_or_default();
        assert!(error.contains(why), "{error}");
        for kind in kinds(target) {
            assert!(!CHARTER_BASED.contains(&kind.as_str()), "{kind}: {target:#}");
        }
        // What does not depend on the charter is still judged.
        assert!(
            kinds_for(target, "_ga").contains(&"set_without_consent".to_string()),
            "{:#}",
            target["findings"]
        );
    }
    assert!(
        run.stdout.contains("charter not_read (not read: the target ran out of time"),
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
        ("__Host-id", "the __Host- prefix requires the Secure attribute"),
        ("__Secure-id", "the __Secure- prefix requires the Secure attribute"),
    ];
    for (name, why) in expected {
        let reason = blocked(name);
        assert!(reason.contains(why), "{name}: {reason}");
        assert_eq!(kinds_for(target, name), ["cookie_rejected"], "{name}");
        let rejected = finding(target, "cookie_rejected", name);
        assert_eq!(rejected["severity"], "low");
        assert!(
            rejected["message"].as_str().unwrap_or_default().contains(why),
            "{rejected:#}"
        );
        assert_eq!(rejected["evidence"]["blocked"], reason.as_str());
    }
    assert!(!blocked("lan").contains("public suffix"));
    assert_eq!(blocked("kept"), "", "a fine cookie is kept");
    assert!(kinds_for(target, "kept").contains(&"undeclared".to_string()));
}
