//! The HTML report in a real headless Chromium: strings from the web never run as script nor
//! fetch anything, every portal has its section, and the page's own script runs under its CSP.
//!
//! The browser is `$CHROME`, else `/usr/lib/chromium/chromium`, else `/usr/bin/chromium`. Without
//! one the tests are skipped, except under CI (`CI` set), where they fail.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use common::chromium;
use cookie_audit::report::render::html::render;
use cookie_audit::types::{Report, Totals};
use serde_json::{Value, json};

const TITLE: &str = "Cookie audit — run 20261124T113550Z";

/// Loads `html` from a file in Chromium, lets scripts run, and returns the DOM it ends with.
fn dump_dom(chrome: &Path, html: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    std::fs::write(&page, html).expect("write page");
    let profile = dir.path().join("profile");
    let stderr_path = dir.path().join("chromium.stderr");
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    let url = url::Url::from_file_path(&page).expect("file URL");
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url.as_str())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start Chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut dom = String::new();
        let read = stdout.read_to_string(&mut dom).map(|_| dom);
        let _ = sender.send(read);
    });
    // Chromium exits by itself after --dump-dom; the bound only keeps a broken one from hanging.
    let dom = match receiver.recv_timeout(Duration::from_secs(60)) {
        Ok(read) => read.expect("read Chromium's output"),
        Err(_) => {
            let _ = child.kill();
            panic!("Chromium did not finish within 60 s");
        }
    };
    let status = child.wait().expect("wait for Chromium");
    let log = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(status.success(), "Chromium failed: {status}\n{log}");
    assert!(dom.contains("</html>"), "no DOM dumped:\n{log}");
    dom
}

/// A loopback port that counts every connection made to it, to catch any fetch from the page.
struct Witness {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Witness {
    fn start() -> Witness {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("address").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                // Answer at once, so that a page that does fetch is not left waiting.
                let mut stream = stream;
                let _ = stream.read(&mut [0; 4096]);
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
        Witness { port, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Markup that would run script, or fetch from `port`, if a page ever let it through.
fn payload(tag: &str, port: u16) -> String {
    format!(
        "<script>document.title='PWNED'</script>\"><img src=\"http://127.0.0.1:{port}/{tag}\" \
         onerror=\"document.title='PWNED'\"><b id=\"pwned-{tag}\">x</b>\
         <style>@import url(http://127.0.0.1:{port}/{tag}.css);</style>"
    )
}

fn hostile_report(port: u16) -> Report {
    let p = |tag: &str| payload(tag, port);
    let cookie = json!({
        "name": p("cookie"), "domain": p("domain"), "host_only": true, "path": "/",
        "party": "third", "source": "javascript", "phase": "none",
        "secure": false, "http_only": false, "same_site": null,
        "session": false, "lifetime_seconds": 63_072_000, "value_length": 3,
        "set_by": p("set-by"), "first_seen_on": p("seen-on"), "seen_on_pages": 2,
        "declared_as": null, "blocked": p("blocked"), "variants": []
    });
    let target = |name: &str, extra: Value| {
        let mut target = json!({
            "name": name, "url": format!("http://127.0.0.1:{port}/"), "jurisdiction": "fr",
            "engine": "http", "status": "audited", "error": null,
            "charter": {"source": "javascript:document.title='PWNED'", "status": "parsed",
                        "error": p("charter-error"), "portal_url": p("portal"),
                        "declared": [{"name": p("declared"), "match": "exact",
                                      "provider": p("provider"), "service": p("service"),
                                      "purpose": p("purpose"), "category": "necessary",
                                      "duration": p("duration"), "duration_seconds": 0}]},
            "crawl": {"pages": [{"url": p("page"), "status": 200, "depth": 0, "error": null,
                                 "final_url": null, "redirects": 0, "bytes": 10, "truncated": false}],
                      "requests": 1, "duration_ms": 10, "subresources": 0},
            "observed": [cookie.clone()], "storage": [], "malformed_set_cookies": [],
            "findings": [{"kind": "set_without_consent", "severity": "high", "cookie": p("cookie"),
                          "message": p("message"), "evidence": {"cookie": cookie.clone(), "x": p("evidence")}}]
        });
        if let (Some(t), Value::Object(extra)) = (target.as_object_mut(), extra) {
            t.extend(extra);
        }
        target
    };
    let mut report: Report = serde_json::from_value(json!({
        "schema_version": 1,
        "tool": {"name": "cookie-audit", "version": "0.1.0"},
        "run": {"id": "20261124T113550Z", "started_at": "2026-11-24T11:35:50Z",
                "finished_at": "2026-11-24T11:36:50Z", "engine": "http", "partial": true},
        "targets": [
            target(&p("name"), json!({})),
            target("data.example.be", json!({})),
            target("down.example", json!({"status": "failed", "error": p("error"), "observed": [], "findings": []})),
        ],
        "totals": {"targets": 0, "audited": 0, "failed": 0,
                   "findings": {"high": 0, "medium": 0, "low": 0, "info": 0}},
        "changes": {"old_run": p("old-run"), "new_run": "20261124T113550Z", "changed": true, "targets": [{
            "name": "data.example.be", "added": false, "removed": false, "status": null,
            "charter_status": null, "cookies_appeared": [{"name": p("appeared"), "domain": "d", "path": "/", "party": "third"}],
            "cookies_vanished": [], "cookies_changed": [], "declarations_added": [p("declaration")],
            "declarations_removed": [], "findings_opened": [], "findings_closed": []}]}
    }))
    .expect("a valid report");
    report.totals = Totals::of(&report.targets);
    report
}

/// The document's own title (the SVG bars have `<title>`s too, later).
fn title(dom: &str) -> &str {
    let start = dom.find("<title>").expect("a title") + "<title>".len();
    let end = dom[start..].find("</title>").expect("title end") + start;
    &dom[start..end]
}

#[test]
fn nothing_from_the_web_runs_or_fetches_and_the_page_script_does() {
    let Some(chrome) = chromium() else { return };
    let witness = Witness::start();
    let html = render(&hostile_report(witness.port), None).expect("renders");
    let dom = dump_dom(&chrome, &html);

    assert_eq!(title(&dom), TITLE, "an injected script changed the title");
    assert!(
        !dom.contains("<b id=\"pwned"),
        "injected markup became elements"
    );
    assert!(!dom.contains("<img"), "injected markup became elements");
    assert!(!dom.to_ascii_lowercase().contains("href=\"javascript"));
    assert_eq!(witness.hits(), 0, "the page fetched from the network");
    for id in [
        "target-script-document-title-pwned-script-img-src-http-127-0-0-1",
        "target-data-example-be",
        "target-down-example",
    ] {
        let found = dom.contains(&format!("id=\"{id}")) && dom.contains(&format!("href=\"#{id}"));
        assert!(found, "no section {id}");
    }
    assert!(dom.contains("Changes since run"));
    assert!(dom.contains("Partial run"));
    // Our script ran: JavaScript was on and the CSP hash lets it through.
    assert!(
        dom.contains("<body data-ready=\"1\">"),
        "the page's script did not run"
    );
    assert!(
        dom.contains("class=\"filter\""),
        "the script adds filter boxes"
    );
}

/// If escaping ever failed, the CSP would still stop injected scripts and fetches; without
/// the CSP the same injection does run and fetch, so the checks above can fail.
#[test]
fn the_csp_stops_markup_that_escaping_would_have_missed() {
    let Some(chrome) = chromium() else { return };
    let witness = Witness::start();
    let html = render(&hostile_report(witness.port), None).expect("renders");
    let injected = html.replacen(
        "<main>",
        &format!("<main>{}", payload("raw", witness.port)),
        1,
    );

    let dom = dump_dom(&chrome, &injected);
    assert_eq!(title(&dom), TITLE, "the CSP let an injected script run");
    assert_eq!(witness.hits(), 0, "the CSP let the page fetch");
    assert!(
        dom.contains("<body data-ready=\"1\">"),
        "our own script must still run"
    );

    let csp = injected
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("a CSP");
    let end = injected[csp..].find('>').expect("meta end") + csp + 1;
    let unprotected = format!("{}{}", &injected[..csp], &injected[end..]);
    let dom = dump_dom(&chrome, &unprotected);
    assert_eq!(
        title(&dom),
        "PWNED",
        "without the CSP the injected script runs"
    );
    assert!(
        witness.hits() > 0,
        "without the CSP the injected markup fetches"
    );
}
