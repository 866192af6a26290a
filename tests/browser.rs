//! The browser engine against a fake portal in a real headless Chromium: cookies set by header
//! (redirect hops, a third-party frame and image), by `document.cookie` at load and after a
//! timer, by the CookieStore API on a later page, Web Storage, and a consent banner whose
//! buttons set cookies. The exact observations of each consent phase are asserted.
//!
//! The browser is `$CHROME`, else `/usr/lib/chromium/chromium`, else `/usr/bin/chromium`.
//! Without one the tests are skipped, except under CI (`CI` set), where they fail.

mod common;

use std::collections::BTreeSet;

use common::{
    Server, args, audit_site, binary, chromium, cookie_audit_with_env, html, latest_report,
    newest_run_report, redirect, request_port, site_dir,
};
use serde_json::Value;

const PORTAL: &str = "www.portal.test";
const TRACKER: &str = "tracker.test";

/// The fake portal: every way a site stores something in a browser, and a consent banner.
fn portal(host: &str, path: &str, headers: &axum::http::HeaderMap) -> axum::response::Response {
    let port = request_port(headers);
    let tracker = format!("http://{TRACKER}:{port}");
    match (host, path) {
        (PORTAL, "/") => html(
            200,
            &[("set-cookie", b"sessionid=s1; Path=/; HttpOnly")],
            format!(
                r#"<!doctype html><html><head><title>Portal</title>
<script src="/static/app.js"></script>
<script>
  document.cookie = "js_load=1; path=/; max-age=3600";
  setTimeout(function () {{ document.cookie = "js_timer=1; path=/"; }}, 500);
</script></head>
<body>
<div id="banner">
  <button id="accept" onclick="choose('all')">Tout accepter</button>
  <button id="reject" onclick="choose('none')">Tout refuser</button>
</div>
<a href="/go">Later</a>
<iframe src="{tracker}/frame"></iframe>
<img src="{tracker}/pixel.gif" alt="">
</body></html>"#
            ),
        ),
        (PORTAL, "/static/app.js") => html(
            200,
            &[("content-type", b"application/javascript")],
            r#"document.cookie = "app_js=1; path=/; max-age=86400";
localStorage.setItem("app_state", "ready");
function choose(choice) {
  document.cookie = "cookies_preferences=" + choice + "; path=/; max-age=15552000";
  document.getElementById("banner").hidden = true;
  // The portal's bug: refusing still starts an analytics cookie.
  if (choice === "none") document.cookie = "_gid=GA1.2.1; path=/; max-age=86400";
  if (choice === "all") document.cookie = "_ga=GA1.2.1; path=/; max-age=63072000";
}
// With consent already given, analytics start on every page.
if (document.cookie.indexOf("cookies_preferences=all") !== -1) {
  document.cookie = "_ga=GA1.2.1; path=/; max-age=63072000";
}
"#,
        ),
        (PORTAL, "/go") => redirect(302, "/later", &[("set-cookie", b"hop=1; Path=/")]),
        (PORTAL, "/later") => html(
            200,
            &[],
            r#"<!doctype html><html><head><title>Later</title><script>
  document.cookie = "maxage_later=1; max-age=7200; path=/";
  sessionStorage.setItem("tab_id", "42");
  cookieStore.set({ name: "cs_later", value: "1", expires: Date.now() + 86400000 });
</script></head><body><p>A later page.</p></body></html>"#,
        ),
        (TRACKER, "/frame") => html(
            200,
            &[("set-cookie", b"tp_frame=1; Path=/; SameSite=None; Secure")],
            r#"<!doctype html><html><body><script>
  document.cookie = "tp_js=1; path=/; SameSite=None; Secure; max-age=600";
</script></body></html>"#,
        ),
        (TRACKER, "/pixel.gif") => html(
            200,
            &[
                ("content-type", b"image/gif"),
                (
                    "set-cookie",
                    b"tp_pixel=1; Path=/; Max-Age=1000; SameSite=None; Secure",
                ),
            ],
            b"GIF89a".to_vec(),
        ),
        _ => html(404, &[], "not found"),
    }
}

/// (name, domain, source) of the observations of `phase`.
fn observed_in(target: &Value, phase: &str) -> BTreeSet<(String, String, String)> {
    target["observed"]
        .as_array()
        .expect("observed")
        .iter()
        .filter(|c| c["phase"] == phase)
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["domain"].as_str().unwrap().to_string(),
                c["source"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn cookie<'a>(target: &'a Value, name: &str, phase: &str) -> &'a Value {
    target["observed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name && c["phase"] == phase)
        .unwrap_or_else(|| panic!("{name} not observed in phase {phase}"))
}

fn set(items: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    items
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

/// What every phase sees: the portal's own cookies, by every path.
const EVERY_PHASE: &[(&str, &str, &str)] = &[
    ("sessionid", PORTAL, "http"),
    ("js_load", PORTAL, "javascript"),
    ("js_timer", PORTAL, "javascript"),
    ("app_js", PORTAL, "javascript"),
    ("hop", PORTAL, "http"),
    ("maxage_later", PORTAL, "javascript"),
    ("cs_later", PORTAL, "javascript"),
    ("tp_frame", TRACKER, "http"),
    ("tp_js", TRACKER, "javascript"),
    ("tp_pixel", TRACKER, "http"),
];

fn run_portal(consent_line: &str) -> Option<Value> {
    let chrome = chromium()?;
    let server = Server::start(portal);
    let (dir, run) = audit_site(
        &format!(
            r#"[defaults]
delay_ms = 0
timeout_secs = 20
max_pages = 10
engine = "browser"

[[target]]
name = "portal"
url = "http://{PORTAL}:{port}/"
{consent_line}
"#,
            port = server.port
        ),
        &server.argv(
            &["audit", "--chromium", &chrome.display().to_string()],
            &[PORTAL, TRACKER],
        ),
    );
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    Some(latest_report(dir.path()))
}

#[test]
fn every_path_a_cookie_can_take_is_observed_with_its_source_page_and_lifetime() {
    let Some(report) = run_portal("") else {
        return;
    };
    assert_eq!(report["run"]["engine"], "browser");
    let target = &report["targets"][0];
    assert_eq!(target["status"], "audited", "{target:#}");
    assert_eq!(
        observed_in(target, "none"),
        set(EVERY_PHASE),
        "{:#}",
        target["observed"]
    );
    assert!(
        target.get("consent").is_none(),
        "no consent phases without selectors"
    );

    let port = report["targets"][0]["url"].as_str().unwrap().to_string();
    let home = port.clone();
    let at = |path: &str| format!("{home}{}", path.trim_start_matches('/'));

    let app = cookie(target, "app_js", "none");
    assert_eq!(
        app["set_by"],
        at("/static/app.js"),
        "the script that wrote it"
    );
    assert_eq!(app["first_seen_on"], home);
    assert_eq!(app["lifetime_seconds"], 86_400);

    let hop = cookie(target, "hop", "none");
    assert_eq!(hop["set_by"], at("/go"), "the redirect hop that set it");
    assert_eq!(hop["first_seen_on"], at("/go"), "the page as queued");

    let later = cookie(target, "maxage_later", "none");
    assert_eq!(later["first_seen_on"], at("/go"));
    assert_eq!(
        later["session"], false,
        "a Max-Age cookie on a later page is no session cookie"
    );
    assert_eq!(later["lifetime_seconds"], 7_200);

    let store = cookie(target, "cs_later", "none");
    let lifetime = store["lifetime_seconds"]
        .as_i64()
        .expect("a persistent cookie");
    assert!((86_300..=86_400).contains(&lifetime), "{lifetime}");

    assert_eq!(cookie(target, "js_timer", "none")["session"], true);
    assert_eq!(cookie(target, "sessionid", "none")["http_only"], true);

    let pixel = cookie(target, "tp_pixel", "none");
    assert_eq!(pixel["party"], "third");
    assert_eq!(
        pixel["first_seen_on"], home,
        "a sub-resource's cookie belongs to its page"
    );
    assert_eq!(cookie(target, "tp_js", "none")["party"], "third");

    let storage: BTreeSet<(String, String)> = target["storage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap().into(),
                s["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        storage,
        BTreeSet::from([
            ("app_state".to_string(), "local".to_string()),
            ("tab_id".to_string(), "session".to_string())
        ])
    );
    let app_state = target["storage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "app_state")
        .unwrap();
    assert_eq!(app_state["set_by"], at("/static/app.js"));
    assert_eq!(app_state["value_length"], 5);
    assert!(
        !report.to_string().contains("GA1.2.1"),
        "cookie values are never stored"
    );
}

#[test]
fn consent_phases_see_what_each_choice_sets() {
    let Some(report) = run_portal(r##"consent = { accept = "#accept", reject = "#reject" }"##)
    else {
        return;
    };
    let target = &report["targets"][0];
    assert_eq!(target["status"], "audited", "{target:#}");

    let none = observed_in(target, "none");
    assert_eq!(none, set(EVERY_PHASE), "{:#}", target["observed"]);

    let mut reject = set(EVERY_PHASE);
    reject.extend(set(&[
        ("cookies_preferences", PORTAL, "javascript"),
        ("_gid", PORTAL, "javascript"),
    ]));
    assert_eq!(observed_in(target, "reject"), reject);

    let mut accept = set(EVERY_PHASE);
    accept.extend(set(&[
        ("cookies_preferences", PORTAL, "javascript"),
        ("_ga", PORTAL, "javascript"),
    ]));
    assert_eq!(observed_in(target, "accept"), accept);

    let phases: Vec<(String, bool)> = target["consent"]["phases"]
        .as_array()
        .expect("consent phases reported")
        .iter()
        .map(|p| {
            (
                p["phase"].as_str().unwrap().to_string(),
                p["clicked"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        phases,
        [
            ("none".into(), false),
            ("reject".into(), true),
            ("accept".into(), true)
        ]
    );

    // _gid after a refusal is the worst case; _ga only after acceptance is no finding.
    let findings = target["findings"].as_array().unwrap();
    let without_consent: Vec<&Value> = findings
        .iter()
        .filter(|f| f["kind"] == "set_without_consent")
        .collect();
    let gid = without_consent
        .iter()
        .find(|f| f["cookie"] == "_gid")
        .expect("_gid set after refusal is reported");
    assert!(
        gid["message"].as_str().unwrap().contains("refused"),
        "{}",
        gid["message"]
    );
    assert!(without_consent.iter().all(|f| f["cookie"] != "_ga"));
    let undeclared_sessionid = findings
        .iter()
        .filter(|f| f["kind"] == "undeclared" && f["cookie"] == "sessionid")
        .count();
    assert_eq!(
        undeclared_sessionid, 1,
        "one finding per cookie, not one per phase"
    );
}

#[test]
fn a_missing_chromium_is_a_clear_error() {
    let (dir, run) = audit_site(
        "[[target]]\nname = \"p\"\nurl = \"http://www.portal.test/\"\nengine = \"browser\"\n",
        &args(&["audit", "--chromium", "/nonexistent/chromium"]),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("/nonexistent/chromium"),
        "{}",
        run.stderr
    );
    // The folder holds the run's lock file, taken before Chromium is started, and nothing else.
    let written: Vec<_> = std::fs::read_dir(dir.path().join("reports"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        written,
        [std::ffi::OsString::from(".cookie-audit.lock")],
        "nothing crawled, nothing written"
    );
}

#[test]
fn the_temporary_profile_is_removed_and_the_resolved_host_is_used() {
    let Some(chrome) = chromium() else {
        return;
    };
    let server = Server::start(|host, path, _| match (host, path) {
        ("one.portal.test", "/") => html(200, &[("set-cookie", b"only=1; Path=/")], "<p>one</p>"),
        _ => html(404, &[], "not found"),
    });
    let dir = site_dir(&format!(
        "[[target]]\nname = \"one\"\nurl = \"http://one.portal.test:{}/\"\nengine = \"browser\"\n\
         delay_ms = 0\nsettle_ms = 0\n",
        server.port
    ));
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp dir");
    let argv = server.argv(
        &["audit", "--chromium", &chrome.display().to_string()],
        &["one.portal.test"],
    );
    let run = cookie_audit_with_env(dir.path(), &argv, &[("TMPDIR", tmp.as_os_str())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // chromiumoxide's protocol noise ("WS Invalid message" for CDP events newer than its
    // bindings) is not a warning for the person reading a cron job's mail.
    assert!(!run.stderr.contains("WS "), "{}", run.stderr);
    let report = latest_report(dir.path());
    let names: Vec<&str> = report["targets"][0]["observed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["only"]);
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .expect("read tmp")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with("cookie-audit-chromium-"))
        .collect();
    assert!(left.is_empty(), "profile left behind: {left:?}");
}

#[test]
fn a_button_that_is_not_there_skips_its_phase() {
    let Some(report) =
        run_portal(r##"consent = { accept = "#accept", reject = "#no-such-button" }"##)
    else {
        return;
    };
    let target = &report["targets"][0];
    let reject = &target["consent"]["phases"][1];
    assert_eq!(reject["phase"], "reject");
    assert_eq!(reject["clicked"], false);
    assert_eq!(reject["pages"], 0);
    assert!(
        reject["error"]
            .as_str()
            .unwrap()
            .contains("#no-such-button"),
        "{reject}"
    );
    assert!(
        observed_in(target, "reject").is_empty(),
        "nothing filed under a choice not made"
    );
    assert!(observed_in(target, "accept").contains(&(
        "_ga".to_string(),
        PORTAL.to_string(),
        "javascript".to_string()
    )));
}

/// SIGTERM in the middle of a browser crawl: the run stops, writes its partial report, closes
/// Chromium (its main process has exited before the run does) and removes its profile.
#[test]
fn a_signal_during_a_browser_crawl_closes_chromium_and_writes_the_report() {
    let Some(chrome) = chromium() else {
        return;
    };
    let (arrived_tx, arrived) = std::sync::mpsc::channel::<String>();
    let arrived_tx = std::sync::Mutex::new(arrived_tx);
    let server = Server::start(move |_host, path, _| {
        let _ = arrived_tx.lock().expect("sender").send(path.to_string());
        match path {
            "/" => html(
                200,
                &[("set-cookie", b"early=V4lueNotLogged; Path=/")],
                r#"<a href="/pages/a">a</a> <a href="/never">never</a>"#,
            ),
            "/pages/a" => html(200, &[], "<p>a</p>"),
            _ => html(404, &[], "not found"),
        }
    });
    let dir = site_dir(&format!(
        "[[target]]\nname = \"b\"\nurl = \"http://www.stopped.test:{}/\"\nengine = \"browser\"\n\
         delay_ms = 0\nsettle_ms = 0\nconcurrency = 2\ntimeout_secs = 600\n",
        server.port
    ));
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp dir");
    let argv = server.argv(
        &["audit", "-vv", "--chromium", &chrome.display().to_string()],
        &["www.stopped.test"],
    );
    let mut child = binary(dir.path(), &argv)
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    while arrived
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the browser asks for /pages/a")
        != "/pages/a"
    {}
    let killed = std::process::Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    assert_eq!(status.code(), Some(143), "{stderr}");
    let report = newest_run_report(dir.path());
    assert_eq!(report["run"]["partial"], true);
    let target = &report["targets"][0];
    assert_eq!(target["status"], "audited", "{target:#}");
    assert_eq!(target["crawl"]["stopped"], "interrupted");
    assert_eq!(target["observed"][0]["name"], "early");
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .expect("read tmp")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "profile left behind: {left:?}\n{stderr}");
    // Closed, not killed: Chromium got to shut down cleanly while the run waited for it.
    assert!(!stderr.contains("killing it"), "{stderr}");
    // Even at -vv, no log line quotes a cookie's value (CDP messages carry them).
    assert!(stderr.contains("DEBUG"), "-vv logs: {stderr}");
    assert!(!stderr.contains("V4lueNotLogged"), "{stderr}");
}

/// One tab loads every page of a target (`concurrency = 1`): `/a` sets `same` by header and
/// opens an event stream whose answer, held by the server until `/b` is asked for, sets `late`;
/// `/b` sets `same` again by script with another lifetime; `/c` ends the walk. Each sighting
/// must be filed under the page whose visit caused it, the answer that came while `/b` was
/// being loaded included.
#[test]
fn a_reused_tab_files_every_cookie_under_the_page_that_caused_it() {
    let Some(chrome) = chromium() else {
        return;
    };
    let asked_for_b =
        std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let signal = asked_for_b.clone();
    let server = Server::start(move |_host, path, _headers| match path {
        "/a" => html(
            200,
            &[("set-cookie", b"same=a; Path=/; Max-Age=100")],
            r#"<!doctype html><title>A</title>
<script>new EventSource("/events");</script>
<a href="/b">b</a>"#,
        ),
        "/b" => {
            let (asked, changed) = &*signal;
            *asked.lock().unwrap() = true;
            changed.notify_all();
            html(
                200,
                &[],
                r#"<!doctype html><title>B</title>
<script>document.cookie = "same=b; path=/; max-age=200";</script>
<a href="/c">c</a>"#,
            )
        }
        "/c" => html(200, &[], "<!doctype html><title>C</title><p>end</p>"),
        "/events" => {
            // Answered only once the crawl has moved on to /b (or after 20 s, so that a broken
            // crawl fails the test instead of hanging it).
            // block_in_place: the server's other requests (/b) must not queue behind this one.
            let (asked, changed) = &*signal;
            tokio::task::block_in_place(|| {
                let guard = asked.lock().unwrap();
                drop(
                    changed
                        .wait_timeout_while(guard, std::time::Duration::from_secs(20), |a| !*a)
                        .unwrap(),
                );
            });
            html(
                200,
                &[
                    ("set-cookie", b"late=1; Path=/; Max-Age=300"),
                    ("content-type", b"text/event-stream"),
                ],
                "retry: 600000\ndata: hello\n\n",
            )
        }
        _ => html(404, &[], "not found"),
    });
    let (dir, run) = audit_site(
        &format!(
            "[defaults]\ndelay_ms = 0\ntimeout_secs = 20\nmax_pages = 3\nconcurrency = 1\n\
             engine = \"browser\"\n\n[[target]]\nname = \"reuse\"\n\
             url = \"http://reuse.test:{}/a\"\n",
            server.port
        ),
        &server.argv(
            &["audit", "--chromium", &chrome.display().to_string()],
            &["reuse.test"],
        ),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(*asked_for_b.0.lock().unwrap(), "the crawl reached /b");
    let report = latest_report(dir.path());
    let target = &report["targets"][0];
    let pages = target["crawl"]["pages"].as_array().map_or(0, Vec::len);
    assert_eq!(pages, 3, "{:#}", target["crawl"]);
    let at = |path: &str| format!("http://reuse.test:{}{path}", server.port);
    let observed = target["observed"].as_array().expect("observed");
    let same: Vec<&Value> = observed.iter().filter(|c| c["name"] == "same").collect();
    // Every sighting of `same`, as (page, lifetime): the cookie itself and its variants.
    let mut sightings: BTreeSet<(String, i64)> = BTreeSet::new();
    for cookie in &same {
        sightings.insert((
            cookie["first_seen_on"].as_str().unwrap_or("").to_string(),
            cookie["lifetime_seconds"].as_i64().unwrap_or(-1),
        ));
        for variant in cookie["variants"].as_array().into_iter().flatten() {
            sightings.insert((
                variant["seen_on"].as_str().unwrap_or("").to_string(),
                variant["lifetime_seconds"].as_i64().unwrap_or(-1),
            ));
        }
    }
    assert_eq!(
        sightings,
        BTreeSet::from([(at("/a"), 100), (at("/b"), 200)]),
        "{same:#?}"
    );
    let late = observed
        .iter()
        .find(|c| c["name"] == "late")
        .unwrap_or_else(|| panic!("the late answer to /a is kept: {observed:#?}"));
    assert_eq!(late["first_seen_on"], at("/a"), "{late:#}");
    assert_eq!(late["set_by"], at("/events"), "{late:#}");
    assert_eq!(late["source"], "http", "{late:#}");
}
