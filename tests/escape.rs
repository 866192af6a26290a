//! A portal must not make the auditor reach its own machine or network: a page's image, link
//! or redirect to `127.0.0.1` or `localhost` is refused (after DNS for names), reported with its
//! reason, and the crawl goes on; both engines. Only what the user vouched for (the start URL,
//! a `--resolve` rule, `allow_private_addresses = true`) reaches internal addresses.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Server, args, chromium, cookie_audit, html, latest_report, redirect, site_dir};
use serde_json::Value;

/// An internal service (an admin console, a metadata endpoint) on loopback, counting the
/// requests it gets; its cookie must never reach a report.
fn internal_service() -> (Server, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let server = Server::start(move |_host, _path, _headers| {
        counter.fetch_add(1, Ordering::SeqCst);
        html(
            200,
            &[("set-cookie", b"internal_session=s3cr3t; Path=/")],
            "<p>admin</p>",
        )
    });
    (server, hits)
}

/// The portal: an image, a frame and a redirect into the internal service.
fn portal(internal: u16) -> Server {
    Server::start(move |_host, path, _headers| match path {
        "/" => html(
            200,
            &[("set-cookie", b"sessionid=1; Path=/")],
            format!(
                r#"<img src="http://127.0.0.1:{internal}/pixel.gif" alt="">
<iframe src="http://localhost:{internal}/admin"></iframe> <a href="/go">go</a> <a href="/fine">fine</a>"#
            ),
        ),
        "/go" => redirect(302, &format!("http://[::ffff:127.0.0.1]:{internal}/r"), &[]),
        "/fine" => html(200, &[("set-cookie", b"fine=1; Path=/")], "<p>fine</p>"),
        _ => html(404, &[], "not found"),
    })
}

fn audit(engine: &str, extra: &str) -> (Value, usize, String) {
    let (internal, hits) = internal_service();
    let portal = portal(internal.port);
    let dir = site_dir(&format!(
        "[[target]]\nname = \"p\"\nurl = \"http://www.portal.test:{}/\"\nengine = \"{engine}\"\n\
         delay_ms = 0\nsettle_ms = 0\nmax_pages = 10\n{extra}",
        portal.port
    ));
    let mut argv = args(&["audit"]);
    if engine == "browser" {
        let Some(chrome) = chromium() else {
            return (Value::Null, usize::MAX, String::new());
        };
        argv.extend(["--chromium".to_string(), chrome.display().to_string()]);
    }
    argv.extend(portal.resolve_args(&["www.portal.test"]));
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = latest_report(dir.path());
    let html = std::fs::read_to_string(dir.path().join("reports/latest.html")).expect("html");
    (
        report["targets"][0].clone(),
        hits.load(Ordering::SeqCst),
        html,
    )
}

fn names(target: &Value) -> Vec<String> {
    target["observed"]
        .as_array()
        .expect("observed")
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

fn assert_refused(engine: &str) {
    let (target, hits, html) = audit(engine, "");
    if hits == usize::MAX {
        return; // no Chromium here, outside CI
    }
    assert_eq!(hits, 0, "{engine}: the internal service was reached");
    let names = names(&target);
    assert!(
        !names.contains(&"internal_session".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"fine".to_string()),
        "{engine}: the crawl went on: {names:?}"
    );
    let refused = target["crawl"]["refused"]
        .as_array()
        .expect("refused listed");
    let urls: Vec<&str> = refused.iter().filter_map(|r| r["url"].as_str()).collect();
    assert!(
        urls.iter().any(|u| u.contains("/pixel.gif")),
        "{engine}: {refused:#?}"
    );
    assert!(
        urls.iter().any(|u| u.starts_with("http://localhost:")),
        "{engine}: {refused:#?}"
    );
    assert!(
        urls.iter().any(|u| u.contains("/r")),
        "{engine}: the redirect: {refused:#?}"
    );
    assert!(html.contains("Requests refused"), "the HTML lists them too");
    for r in refused {
        let reason = r["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("loopback") && reason.contains("refused"),
            "{reason}"
        );
    }
}

#[test]
fn the_http_engine_refuses_internal_addresses_a_portal_points_to() {
    assert_refused("http");
}

#[test]
fn the_browser_refuses_internal_addresses_a_portal_points_to() {
    assert_refused("browser");
}

#[test]
fn allow_private_addresses_lets_the_crawl_reach_them() {
    let (target, hits, _) = audit("http", "allow_private_addresses = true\n");
    assert!(hits > 0, "the internal service was reached");
    assert!(names(&target).contains(&"internal_session".to_string()));
    assert!(
        target["crawl"]["refused"].is_null(),
        "{:#}",
        target["crawl"]
    );
}
