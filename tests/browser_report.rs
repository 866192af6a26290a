//! The HTML report in a real headless Chromium: strings from the web never run as script nor
//! fetch anything, every portal has its section, and the page's own script runs under its CSP.
//!
//! The page's layout is measured in the same Chromium at the widths auditors read it at: no
//! table wider than its box, no page wider than the window; screenshots of a realistic report are
//! left in `target/report-screenshots/` for a person to look at.
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
use cookie_audit::report::render::html::{History, render, render_to};
use cookie_audit::types::{Report, Totals};
use serde_json::{Value, json};

const TITLE: &str = "Cookie audit — run 20261124T113550Z";

/// Loads `html` from a file in Chromium, lets scripts run, and returns the DOM it ends with.
fn dump_dom(chrome: &Path, html: &str) -> String {
    run_chromium(chrome, html, &["--dump-dom".to_string()])
}

/// Opens `html` from a file in a headless Chromium with `args` (which say what to do with it)
/// and returns what Chromium printed.
fn run_chromium(chrome: &Path, html: &str, args: &[String]) -> String {
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
        .args(args)
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
    let dumping = args.iter().any(|a| a == "--dump-dom");
    assert!(!dumping || dom.contains("</html>"), "no DOM dumped:\n{log}");
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

/// The widths the layout is checked at: a laptop (the narrowest an auditor reads a report on)
/// and a desktop screen.
const WIDTHS: [u32; 2] = [1280, 1920];

/// Measures the page in Chromium at `width`: the window and page widths, each visible table's
/// width against its box's, and whether each of `shown` (CSS selectors) is on screen. A probe
/// script does it; the page's CSP is taken out for it, since the CSP lets only the page's own
/// script run (the CSP tests above keep it).
fn measure(chrome: &Path, html: &str, width: u32, shown: &[&str]) -> Value {
    const PROBE: &str = r#"(function () {
  var visible = function (el) {
    if (!el) { return false; }
    var box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
  };
  var out = {inner: innerWidth, page: document.documentElement.scrollWidth,
             height: document.documentElement.scrollHeight,
             ready: document.body.getAttribute("data-ready"), tables: [], shown: {}};
  Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (wrap) {
    if (!visible(wrap)) { return; }
    var table = wrap.querySelector("table"), section = wrap.closest("section");
    out.tables.push({where: (section ? section.id : "") + " table." + table.className,
                     table: table.scrollWidth, wrap: wrap.clientWidth});
  });
  SELECTORS.forEach(function (s) { out.shown[s] = visible(document.querySelector(s)); });
  var pre = document.createElement("pre");
  pre.id = "layout-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();"#;
    let probe = PROBE.replace("SELECTORS", &serde_json::to_string(shown).expect("JSON"));
    let page =
        without_csp(html).replacen("</body>", &format!("<script>{probe}</script></body>"), 1);
    let dom = run_chromium(
        chrome,
        &page,
        &[
            format!("--window-size={width},1000"),
            "--hide-scrollbars".to_string(),
            "--dump-dom".to_string(),
        ],
    );
    let start = dom
        .find("<pre id=\"layout-probe\">")
        .expect("the probe ran")
        + "<pre id=\"layout-probe\">".len();
    let end = dom[start..].find("</pre>").expect("probe end") + start;
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let layout: Value = serde_json::from_str(&text).expect("the probe's JSON");
    assert_eq!(layout["inner"], width, "the window is {width} px wide");
    assert_eq!(layout["ready"], "1", "the page's own script ran");
    layout
}

/// `html` without its Content-Security-Policy.
fn without_csp(html: &str) -> String {
    let csp = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("a CSP");
    let end = html[csp..].find('>').expect("meta end") + csp + 1;
    format!("{}{}", &html[..csp], &html[end..])
}

/// Asserts that nothing is wider than the window at that width, nor any table than its box.
fn assert_fits(layout: &Value, width: u32) {
    assert!(
        layout["page"].as_u64() <= Some(u64::from(width)),
        "the page scrolls sideways at {width} px: {} px wide",
        layout["page"]
    );
    let tables = layout["tables"].as_array().expect("tables");
    assert!(!tables.is_empty(), "no table measured");
    for table in tables {
        assert!(
            table["table"].as_u64() <= table["wrap"].as_u64(),
            "at {width} px, {} is {} px wide in a box of {} px",
            table["where"],
            table["table"],
            table["wrap"]
        );
    }
}

/// The realistic run of `tests/fixtures/reports/multi-portal.json`: four portals, one failed,
/// one audited in four consent phases, with changes since an earlier run.
fn multi_portal_report() -> Report {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reports/multi-portal.json");
    let json = std::fs::read_to_string(&path).expect("the fixture");
    let mut report: Report = serde_json::from_str(&json).expect("a valid report");
    report.totals = Totals::of(&report.targets);
    report
}

#[test]
fn long_urls_and_cookie_names_fit_at_1280_and_1920() {
    let Some(chrome) = chromium() else { return };
    let mut report = multi_portal_report();
    // Longer still than the fixture's: a tracker URL of 400 characters, an opaque token with no
    // separator at all, a cookie name of 90 characters.
    let long_url = format!(
        "https://collect.tracker.example/v2/collect?{}",
        (0..25)
            .map(|i| format!("param_{i}=value-{i}-abcdefgh"))
            .collect::<Vec<_>>()
            .join("&")
    );
    let token = "Q".repeat(120);
    let cookie = &mut report.targets[0].observed[0];
    cookie.name = format!("_hjSessionUser_{}", "1234567890".repeat(7));
    cookie.set_by = long_url.clone();
    cookie.first_seen_on = format!("https://opendata.bruxelles.be/explore/{token}");
    report.targets[0].crawl.pages[0].url = long_url;
    let html = render(&report, None).expect("renders");
    for width in WIDTHS {
        let layout = measure(&chrome, &html, width, &[]);
        assert_fits(&layout, width);
    }
}

#[test]
fn a_realistic_report_lays_out_at_1280_and_1920_with_its_new_sections() {
    let Some(chrome) = chromium() else { return };
    let report = multi_portal_report();
    // Earlier runs in an `--out` folder: five complete ones with fewer findings, and a partial
    // one that the chart leaves out.
    let out = tempfile::tempdir().expect("temp dir");
    for (day, kept) in [(10, 1), (11, 2), (12, 2), (13, 3), (14, 4)] {
        let mut earlier = report.clone();
        earlier.run.id = format!("202611{day}T090000Z");
        earlier.changes = None;
        for target in &mut earlier.targets {
            target.status = cookie_audit::types::TargetStatus::Audited;
            target.findings.truncate(kept);
        }
        let dir = out.path().join(&earlier.run.id);
        std::fs::create_dir(&dir).expect("run folder");
        let json = serde_json::to_vec(&earlier).expect("JSON");
        std::fs::write(dir.join("report.json"), json).expect("write");
    }
    let mut partial = report.clone();
    partial.run.partial = true;
    std::fs::create_dir(out.path().join("20261115T090000Z")).expect("run folder");
    std::fs::write(
        out.path().join("20261115T090000Z/report.json"),
        serde_json::to_vec(&partial).expect("JSON"),
    )
    .expect("write");
    let history = History::load(out.path(), &report);
    let mut html = Vec::new();
    render_to(&report, None, &history, &mut html).expect("renders");
    let html = String::from_utf8(html).expect("UTF-8");
    assert!(
        html.contains("Findings in the last 6 runs"),
        "5 earlier runs and this one"
    );

    let shown = [
        "#overview ul.legend",
        "#overview td.error",
        "#overview a[href=\"#changes-opendata-bruxelles-be\"]",
        "#changes-opendata-bruxelles-be",
        "#cross-portal table",
        "#history-opendata-bruxelles-be svg",
        "#history-opendata-liege-be svg",
        "#target-opendata-bruxelles-be table.consent-grid",
        "#target-opendata-liege-be .alert",
    ];
    // `target/report-screenshots`, beside the build, whatever CARGO_TARGET_DIR says.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .join("report-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    for width in WIDTHS {
        let layout = measure(&chrome, &html, width, &shown);
        assert_fits(&layout, width);
        for selector in shown {
            assert_eq!(
                layout["shown"][selector], true,
                "{selector} is not visible at {width} px"
            );
        }
        // The whole page in one picture: a window as tall as the page (Chromium caps it).
        let height = layout["height"].as_u64().unwrap_or(4000).min(16_000);
        let path = shots.join(format!("multi-portal-{width}.png"));
        let _ = std::fs::remove_file(&path);
        run_chromium(
            &chrome,
            &html,
            &[
                format!("--window-size={width},{height}"),
                "--hide-scrollbars".to_string(),
                format!("--screenshot={}", path.display()),
            ],
        );
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 10_000, "no screenshot at {}", path.display());
        println!("screenshot at {width} px: {}", path.display());
    }
}
