//! A charter that exists only once scripts run (a consent manager's declaration, a table drawn
//! by a script): the browser engine reads it from the rendered page (`charter.rendered`), the
//! HTTP engine from the document as served, where it is not.
//!
//! Needs Chromium (see tests/browser.rs); skipped without one, except under CI.

mod common;

use common::{Server, audit_site, chromium, html, latest_report};
use serde_json::Value;

const PORTAL: &str = "www.declared.test";

fn portal(_host: &str, path: &str, _headers: &axum::http::HeaderMap) -> axum::response::Response {
    match path {
        "/" => html(
            200,
            &[],
            r#"<!doctype html><html><head><title>Portal</title></head><body>
<p>Open data of the city.</p><a href="/cookie-declaration">Cookie declaration</a>
</body></html>"#,
        ),
        // As Cookiebot's cd.js does: the declaration is written into an empty element.
        "/cookie-declaration" => html(
            200,
            &[],
            r#"<!doctype html><html><head><title>Cookie declaration</title></head><body>
<main><h1>Cookie declaration</h1><div id="CookieDeclaration"></div></main>
<script>
document.getElementById("CookieDeclaration").innerHTML =
  '<div class="CookieDeclarationType"><p class="CookieDeclarationTypeHeader">Necessary (1)</p>' +
  '<table><tr><th>Name</th><th>Provider</th><th>Purpose</th><th>Maximum Storage Duration</th><th>Type</th></tr>' +
  '<tr><td>sessionid</td><td>Portal</td><td>Keeps you signed in</td><td>14 days</td><td>HTTP Cookie</td></tr></table></div>' +
  '<div class="CookieDeclarationType"><p class="CookieDeclarationTypeHeader">Statistics (1)</p>' +
  '<table><tr><th>Name</th><th>Provider</th><th>Purpose</th><th>Maximum Storage Duration</th><th>Type</th></tr>' +
  '<tr><td>_pk_id.#</td><td>Matomo</td><td>Distinguishes visitors</td><td>13 months</td><td>HTTP Cookie</td></tr></table></div>';
</script></body></html>"#,
        ),
        _ => html(404, &[], "not here"),
    }
}

fn charter_with(engine: &str, chrome: &std::path::Path) -> Value {
    let server = Server::start(portal);
    let (dir, run) = audit_site(
        &format!(
            "[defaults]\ndelay_ms = 0\ntimeout_secs = 20\nmax_pages = 3\nengine = \"{engine}\"\n\n\
             [[target]]\nname = \"portal\"\nurl = \"http://{PORTAL}:{port}/\"\n",
            port = server.port
        ),
        &server.argv(
            &["audit", "--chromium", &chrome.display().to_string()],
            &[PORTAL],
        ),
    );
    assert!(matches!(run.code, 0 | 1), "{}\n{}", run.stdout, run.stderr);
    latest_report(dir.path())["targets"][0]["charter"].clone()
}

#[test]
fn the_browser_engine_reads_a_declaration_drawn_by_a_script() {
    let Some(chrome) = chromium() else { return };
    let charter = charter_with("browser", &chrome);
    assert_eq!(charter["status"], "parsed", "{charter}");
    assert_eq!(charter["rendered"], true, "{charter}");
    let names: Vec<(&str, &str)> = charter["declared"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap_or_default(),
                d["category"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [("sessionid", "necessary"), ("_pk_id.#", "statistics")],
        "{charter}"
    );

    // Served as is, the page holds no declaration: the HTTP engine cannot read it.
    let served = charter_with("http", &chrome);
    assert_eq!(served["rendered"], false, "{served}");
    assert_ne!(served["status"], "parsed", "{served}");
}
