//! Consent banners as real sites show them, driven with `consent = "auto"` and no selectors:
//! the real tarteaucitron, vanilla-cookieconsent and klaro from their npm packages
//! (tests/consent-managers), an Opendatasoft-like preferences modal, a banner in an open shadow
//! root, one in a cross-origin iframe, a site that hides trackers from automated browsers, and
//! one whose tracker ignores the refusal. Also: user steps, hidden buttons, Global Privacy
//! Control and the screenshots kept as evidence.
//!
//! One audit of every site runs once (they are independent targets of one run); each test
//! reads its part of the report.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::http::HeaderMap;
use serde_json::Value;

use common::*;

/// Each site's host name and its folder under tests/fixtures/consent.
const SITES: &[(&str, &str)] = &[
    ("tarteaucitron.test", "tarteaucitron"),
    ("cookieconsent.test", "vanilla-cookieconsent"),
    ("klaro.test", "klaro"),
    ("ods.test", "opendatasoft"),
    ("shadow.test", "shadow"),
    ("iframe.test", "iframe"),
    ("webdriver.test", "webdriver"),
    ("dishonest.test", "dishonest"),
    ("gpc.test", "gpc"),
];
/// The cross-origin frame of iframe.test.
const CMP_HOST: &str = "cmp.test";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The npm packages the sites load, installed by `.ci/run` (`npm ci` in tests/consent-managers).
fn node_modules() -> PathBuf {
    repo("tests/consent-managers/node_modules")
}

fn content_type(path: &str) -> &'static [u8] {
    match path.rsplit('.').next() {
        Some("js") => b"application/javascript",
        Some("css") => b"text/css",
        Some("json") => b"application/json",
        Some("svg") => b"image/svg+xml",
        _ => b"text/html; charset=utf-8",
    }
}

/// Serves each site's folder on its host, `/vendor/` from node_modules, and a page of our own
/// that records whether Global Privacy Control reached it.
fn serve(host: &str, path: &str, headers: &HeaderMap) -> axum::response::Response {
    let path = path.split('?').next().unwrap_or("/");
    if path.contains("..") {
        return html(400, &[], "no");
    }
    if host == "gpc.test" {
        let header = if headers.get("sec-gpc").is_some_and(|v| v == "1") {
            "gpc_header_seen=1; Path=/; Max-Age=60"
        } else {
            "gpc_header_absent=1; Path=/; Max-Age=60"
        };
        // A tracker that ignores the signal, and one that honours it.
        let body = r#"<!doctype html><html><head><title>GPC</title><script>
document.cookie = "_ga=GA1.1.1.1; path=/; max-age=63072000";
if (!navigator.globalPrivacyControl) document.cookie = "_fbp=fb.1.1.1; path=/; max-age=7776000";
</script></head><body><p>GPC</p></body></html>"#;
        return html(200, &[("set-cookie", header.as_bytes())], body);
    }
    let file = if let Some(rest) = path.strip_prefix("/vendor/") {
        node_modules().join(rest)
    } else {
        let folder = if host == CMP_HOST {
            "iframe"
        } else {
            match SITES.iter().find(|(h, _)| *h == host) {
                Some((_, folder)) => folder,
                None => return html(404, &[], "unknown host"),
            }
        };
        let rest = path.trim_start_matches('/');
        let rest = if rest.is_empty() { "index.html" } else { rest };
        repo("tests/fixtures/consent").join(folder).join(rest)
    };
    match std::fs::read(&file) {
        Ok(bytes) => html(200, &[("content-type", content_type(path))], bytes),
        Err(_) => html(404, &[], "not found"),
    }
}

/// The audit of every site, run once for all the tests of this file; None without Chromium.
fn report() -> Option<&'static Value> {
    audit().map(|(_, report)| report)
}

/// The run's report folder (`reports/<run id>`).
fn run_dir() -> Option<PathBuf> {
    let (dir, report) = audit()?;
    Some(
        dir.path()
            .join("reports")
            .join(report["run"]["id"].as_str()?),
    )
}

fn audit() -> Option<&'static (tempfile::TempDir, Value)> {
    static REPORT: OnceLock<Option<(tempfile::TempDir, Value)>> = OnceLock::new();
    REPORT
        .get_or_init(|| {
            let chrome = chromium()?;
            assert!(
                node_modules().join("tarteaucitronjs").is_dir(),
                "run `npm ci --ignore-scripts` in tests/consent-managers first (.ci/run does)"
            );
            let server = Server::start(serve);
            let mut toml = String::from(
                "[defaults]\ndelay_ms = 0\ntimeout_secs = 20\nmax_pages = 2\nmax_depth = 1\n\
                 engine = \"browser\"\nconsent = \"auto\"\n",
            );
            for (host, folder) in SITES {
                toml.push_str(&format!(
                    "\n[[target]]\nname = \"{folder}\"\nurl = \"http://{host}:{}/\"\n",
                    server.port
                ));
                if *host == "gpc.test" {
                    toml.push_str("consent = false\ngpc = true\n");
                }
            }
            let mut hosts: Vec<&str> = SITES.iter().map(|(h, _)| *h).collect();
            hosts.push(CMP_HOST);
            let autoconsent = node_modules().join("@duckduckgo/autoconsent");
            let (dir, run) = audit_site(
                &toml,
                &server.argv(
                    &[
                        "audit",
                        "--chromium",
                        &chrome.display().to_string(),
                        "--autoconsent",
                        &autoconsent.display().to_string(),
                    ],
                    &hosts,
                ),
            );
            assert!(
                run.code == 0,
                "stdout: {}\nstderr: {}",
                run.stdout,
                run.stderr
            );
            let report = latest_report(dir.path());
            Some((dir, report))
        })
        .as_ref()
}

fn target<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["targets"]
        .as_array()
        .and_then(|targets| targets.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("no target {name}"))
}

/// The cookie names observed in `phase`.
fn names_in(target: &Value, phase: &str) -> BTreeSet<String> {
    target["observed"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["phase"] == phase)
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

fn phase<'a>(target: &'a Value, name: &str) -> &'a Value {
    target["consent"]["phases"]
        .as_array()
        .and_then(|phases| phases.iter().find(|p| p["phase"] == name))
        .unwrap_or_else(|| panic!("no phase {name}: {:#}", target["consent"]))
}

/// Both choices made and taking effect, `_ga` seen only after acceptance.
fn assert_honest_site(name: &str) -> &'static Value {
    let report = report().expect("checked by the caller");
    let site = target(report, name);
    for choice in ["reject", "accept"] {
        let outcome = phase(site, choice);
        assert_eq!(outcome["clicked"], true, "{name} {choice}: {outcome:#}");
        assert!(outcome["pages"].as_u64().unwrap_or(0) >= 1, "{outcome:#}");
    }
    assert!(
        names_in(site, "accept").contains("_ga"),
        "{name}: {:#}",
        site["observed"]
    );
    for phase in ["none", "reject"] {
        assert!(
            !names_in(site, phase).contains("_ga"),
            "{name}: _ga in {phase}: {:#}",
            site["observed"]
        );
    }
    assert!(
        !site["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["kind"] == "set_without_consent" && f["cookie"] == "_ga"),
        "{name}: {:#}",
        site["findings"]
    );
    site
}

fn cmp(site: &Value) -> String {
    site["consent"]["cmp"].as_str().unwrap_or("").to_lowercase()
}

#[test]
fn tarteaucitron_is_found_and_driven_both_ways() {
    if report().is_none() {
        return;
    }
    let site = assert_honest_site("tarteaucitron");
    assert!(cmp(site).contains("tarteaucitron"), "{:#}", site["consent"]);
    let reject = phase(site, "reject");
    assert_eq!(reject["method"], "autoconsent", "{reject:#}");
    assert_eq!(
        reject["choice"]["manager"], "tarteaucitron",
        "the refusal as tarteaucitron recorded it: {reject:#}"
    );
}

#[test]
fn vanilla_cookieconsent_shows_its_banner_to_the_audit() {
    if report().is_none() {
        return;
    }
    // It hides the banner from browsers that say navigator.webdriver: both phases running is
    // the proof that Chromium does not.
    let site = assert_honest_site("vanilla-cookieconsent");
    assert!(cmp(site).contains("cookieconsent"), "{:#}", site["consent"]);
    assert_eq!(
        phase(site, "accept")["choice"]["manager"],
        "vanilla-cookieconsent"
    );
}

#[test]
fn klaro_is_found_and_driven_both_ways() {
    if report().is_none() {
        return;
    }
    let site = assert_honest_site("klaro");
    assert!(cmp(site).contains("klaro"), "{:#}", site["consent"]);
}

#[test]
fn the_opendatasoft_modal_is_saved_with_its_switches_off_then_on() {
    if report().is_none() {
        return;
    }
    let site = target(report().unwrap(), "opendatasoft");
    assert_eq!(
        site["consent"]["cmp"], "opendatasoft",
        "{:#}",
        site["consent"]
    );
    let reject = phase(site, "reject");
    assert_eq!(reject["method"], "rule:opendatasoft", "{reject:#}");
    assert_eq!(reject["clicked"], true, "{reject:#}");
    let choices = &reject["choice"]["choices"];
    assert!(
        choices
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "matomo" && c["allowed"] == false),
        "{reject:#}"
    );
    let accept = phase(site, "accept");
    assert_eq!(accept["clicked"], true, "{accept:#}");
    assert!(
        names_in(site, "accept")
            .iter()
            .any(|n| n.starts_with("_pk_id")),
        "{:#}",
        site["observed"]
    );
    assert!(
        !names_in(site, "reject")
            .iter()
            .any(|n| n.starts_with("_pk_id")),
        "{:#}",
        site["observed"]
    );
}

#[test]
fn a_banner_in_an_open_shadow_root_is_reached() {
    if report().is_none() {
        return;
    }
    assert_honest_site("shadow");
}

#[test]
fn a_banner_in_a_cross_origin_iframe_is_reached() {
    if report().is_none() {
        return;
    }
    assert_honest_site("iframe");
}

#[test]
fn chromium_does_not_say_it_is_automated() {
    if report().is_none() {
        return;
    }
    let site = assert_honest_site("webdriver");
    let none = names_in(site, "none");
    assert!(none.contains("webdriver_false"), "{none:?}");
    assert!(!none.contains("webdriver_true"), "{none:?}");
}

#[test]
fn a_tracker_that_ignores_the_refusal_is_caught_with_the_recorded_choice() {
    if report().is_none() {
        return;
    }
    let site = target(report().unwrap(), "dishonest");
    let reject = phase(site, "reject");
    assert_eq!(reject["clicked"], true, "{reject:#}");
    assert!(names_in(site, "reject").contains("_ga"));
    let finding = site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "set_without_consent" && f["cookie"] == "_ga")
        .unwrap_or_else(|| panic!("{:#}", site["findings"]));
    assert_eq!(finding["severity"], "high");
    // The site's own record of the refusal, quoted against it.
    let matomo = site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["kind"] == "set_without_consent"
                && f["cookie"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("_pk_id"))
        })
        .unwrap_or_else(|| panic!("{:#}", site["findings"]));
    let message = matomo["message"].as_str().unwrap();
    assert!(
        message.contains("even after the visitor refused consent")
            && message.contains("recorded matomo:false"),
        "{message}"
    );
    assert_eq!(
        matomo["evidence"]["choice_recorded"]["cookie"],
        "cookies_preferences"
    );
}

#[test]
fn global_privacy_control_is_sent_and_trackers_that_ignore_it_are_named() {
    if report().is_none() {
        return;
    }
    let site = target(report().unwrap(), "gpc");
    let gpc = names_in(site, "gpc");
    assert!(gpc.contains("gpc_header_seen"), "{gpc:?}");
    assert!(gpc.contains("_ga"), "{gpc:?}");
    assert!(
        !gpc.contains("_fbp"),
        "navigator.globalPrivacyControl is true: {gpc:?}"
    );
    assert!(names_in(site, "none").contains("gpc_header_absent"));
    let kinds: Vec<(&str, &str)> = site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["cookie"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(kinds.contains(&("set_despite_gpc", "_ga")), "{kinds:?}");
}

#[test]
fn each_choice_leaves_screenshots_in_the_run_folder_and_the_html() {
    let Some(report) = report() else {
        return;
    };
    let site = target(report, "shadow");
    let shots = phase(site, "reject")["screenshots"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let moments: Vec<&str> = shots.iter().filter_map(|s| s["moment"].as_str()).collect();
    assert_eq!(moments, ["banner", "after_choice"], "{shots:?}");
    let run = run_dir().unwrap();
    for shot in &shots {
        let bytes = shot["bytes"].as_u64().unwrap();
        assert!(bytes > 1_000 && bytes <= 250 * 1024, "{shot}");
        let file = shot["file"].as_str().unwrap();
        assert!(file.starts_with("screenshots/"), "{file}");
        let jpeg = std::fs::read(run.join(file)).expect("the screenshot beside report.json");
        assert_eq!(jpeg.len() as u64, bytes);
        assert_eq!(&jpeg[..3], b"\xff\xd8\xff", "a JPEG");
    }
    let page = std::fs::read_to_string(run.join("report.html")).unwrap();
    // The template escapes every value, `/` included; a browser reads the entity back.
    assert!(
        page.matches("<img src=\"data:image&#x2f;jpeg;base64,")
            .count()
            >= 2,
        "screenshots embedded in the one-file report"
    );
}

/// The user's own steps: a two-layer refusal by button texts, and buttons no visitor could
/// press (hidden, disabled), which are never reported clicked.
#[test]
fn steps_are_clicked_in_order_and_hidden_buttons_never() {
    let Some(chrome) = chromium() else {
        return;
    };
    let server = Server::start(serve_steps);
    let toml = format!(
        r##"[defaults]
delay_ms = 0
timeout_secs = 5
max_pages = 1
engine = "browser"

[[target]]
name = "steps"
url = "http://steps.test:{port}/"
consent = {{ accept = {{ text = "Accepter" }}, reject = [{{ text = "Paramétrer" }}, {{ text = "Tout refuser" }}, {{ text = "Enregistrer" }}] }}

[[target]]
name = "hidden"
url = "http://hidden.test:{port}/"
consent = {{ accept = "#accept-hidden", reject = "#disabled" }}

[[target]]
name = "ods-quiet"
url = "http://ods-quiet.test:{port}/"
consent = "opendatasoft"

[[target]]
name = "ods-reopen"
url = "http://ods-reopen.test:{port}/"
consent = "opendatasoft"

[[target]]
name = "shadow"
url = "http://shadow.test:{port}/"
consent = "auto"
"##,
        port = server.port
    );
    let (_dir, run) = audit_site(
        &toml,
        &server.argv(
            &[
                "audit",
                "--chromium",
                &chrome.display().to_string(),
                "--fail-on",
                "low",
            ],
            &[
                "steps.test",
                "hidden.test",
                "ods-quiet.test",
                "ods-reopen.test",
            ],
        ),
    );
    let report = latest_report(_dir.path());
    let steps = target(&report, "steps");
    let reject = phase(steps, "reject");
    assert_eq!(reject["clicked"], true, "{reject:#}");
    assert_eq!(reject["method"], "steps");
    let clicked: Vec<&str> = reject["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(
        clicked,
        [
            "button \"Paramétrer\"",
            "button \"Tout refuser\"",
            "button \"Enregistrer\""
        ]
    );
    assert!(names_in(steps, "accept").contains("_ga"));
    assert!(!names_in(steps, "reject").contains("_ga"));

    let hidden = target(&report, "hidden");
    for choice in ["accept", "reject"] {
        let outcome = phase(hidden, choice);
        assert_eq!(outcome["clicked"], false, "{outcome:#}");
        assert_eq!(outcome["pages"], 0);
        assert!(
            outcome["error"]
                .as_str()
                .unwrap()
                .contains("none visible and enabled"),
            "{outcome:#}"
        );
    }
    assert!(
        !names_in(hidden, "accept").contains("_ga"),
        "a hidden button was pressed"
    );
    let not_tested = hidden["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "consent_not_tested" && f["severity"] == "low")
        .count();
    assert_eq!(not_tested, 2, "{:#}", hidden["findings"]);
    assert!(
        run.stdout.contains("not tested"),
        "the target's line says so: {}",
        run.stdout
    );
    assert_eq!(
        run.code, 1,
        "--fail-on low fails the cron job: {}",
        run.stderr
    );
}

fn serve_steps(host: &str, path: &str, _: &HeaderMap) -> axum::response::Response {
    let folder = host.trim_end_matches(".test");
    let rest = path.trim_start_matches('/');
    let rest = if rest.is_empty() { "index.html" } else { rest };
    match std::fs::read(repo("tests/fixtures/consent").join(folder).join(rest)) {
        Ok(bytes) => html(200, &[("content-type", content_type(rest))], bytes),
        Err(_) => html(404, &[], "not found"),
    }
}
