//! What a consent phase costs per target (a benchmark, not a test).
//!
//! `cargo bench --bench consent` serves a 5-page site on 127.0.0.1 whose home-made banner
//! ("Tout refuser" / "Tout accepter") hides itself and writes a choice cookie when pressed, and
//! whose analytics start only after acceptance. The release binary audits it with the browser
//! engine, once per way of making the choice, and the bench prints the wall time of each run and
//! what the two consent phases add over `consent = false`, per phase. Each run must see `_ga`
//! after acceptance and only then.
//!
//! `BENCH_ROUNDS` (default 3) sets the runs per way. `BENCH_BINARY` audits with another build
//! of cookie-audit (an older one, for a before/after: selectors only); `BENCH_AUTOCONSENT` names the
//! `@duckduckgo/autoconsent` package folder to time `consent = "auto"` with its rules.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::time::Instant;

use common::{Server, html, site_dir};

const PAGES: usize = 5;

fn page(i: usize) -> String {
    let mut body = String::from(
        "<!doctype html><html><head><title>Portail</title><script>\
         function choose(all) {\
           document.cookie = 'consent_choice=' + (all ? 'all' : 'none') + '; path=/; max-age=15552000';\
           document.getElementById('banner').hidden = true;\
           if (all) document.cookie = '_ga=GA1.1.1.1; path=/; max-age=63072000';\
         }\
         if (document.cookie.indexOf('consent_choice=all') !== -1)\
           document.cookie = '_ga=GA1.1.1.1; path=/; max-age=63072000';\
         </script></head><body>",
    );
    body.push_str(
        "<div id=\"banner\" role=\"dialog\"><p>Nous utilisons des cookies de mesure d'audience.</p>\
         <button id=\"reject\" onclick=\"choose(false)\">Tout refuser</button>\
         <button id=\"accept\" onclick=\"choose(true)\">Tout accepter</button></div><nav>",
    );
    for k in 0..PAGES {
        body.push_str(&format!("<a href=\"/p/{k}\">page {k}</a> "));
    }
    body.push_str(&format!("</nav><main><p>Page {i}</p></main></body></html>"));
    body
}

fn main() {
    let rounds = common::env_number("BENCH_ROUNDS", 3);
    let other_build = std::env::var("BENCH_BINARY").ok();
    let binary = other_build
        .clone()
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_cookie-audit").to_string());
    let autoconsent = std::env::var("BENCH_AUTOCONSENT").ok();
    let server = Server::start(move |_host, path, _headers| {
        let index = path
            .strip_prefix("/p/")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|i| *i < PAGES);
        match index {
            Some(i) => html(200, &[], page(i)),
            None => html(404, &[], "not found"),
        }
    });
    let mut ways = vec![
        ("no consent phases", "consent = false", None),
        (
            "selectors",
            "consent = { accept = \"#accept\", reject = \"#reject\" }",
            None,
        ),
        ("auto, own rules", "consent = \"auto\"", None),
    ];
    // An older build knows only selectors.
    if other_build.is_some() {
        ways.truncate(2);
    }
    if let (Some(dir), None) = (&autoconsent, &other_build) {
        ways.push(("auto, autoconsent", "consent = \"auto\"", Some(dir.clone())));
    }
    let mut baseline = None;
    for (label, line, package) in ways {
        let dir = site_dir(&format!(
            "[defaults]\nmax_pages = {PAGES}\nmax_depth = 1\nconcurrency = 2\ndelay_ms = 0\n\
             settle_ms = 1000\ntimeout_secs = 30\nengine = \"browser\"\n{line}\n\n\
             [[target]]\nname = \"bench\"\nurl = \"http://bench.test:{port}/p/0\"\n",
            port = server.port
        ));
        let mut argv = server.argv(&["audit", "--ignore-robots"], &["bench.test"]);
        if let Some(package) = &package {
            argv.extend(["--autoconsent".to_string(), package.clone()]);
        }
        let mut times = Vec::new();
        for _ in 0..rounds {
            let started = Instant::now();
            let output = Command::new(&binary)
                .current_dir(dir.path())
                .args(&argv)
                .output()
                .expect("run cookie-audit");
            times.push(started.elapsed().as_secs_f64());
            assert!(
                output.status.success(),
                "{label}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            check(
                &common::latest_report(dir.path()),
                line != "consent = false",
                label,
            );
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        match baseline {
            None => {
                println!("{label}: {median:.2} s (median of {rounds})");
                baseline = Some(median);
            }
            Some(base) => println!(
                "{label}: {median:.2} s (median of {rounds}); each consent phase adds {:.2} s",
                (median - base) / 2.0
            ),
        }
    }
}

/// `_ga` after acceptance only, and both choices made, when phases ran.
fn check(report: &serde_json::Value, phases: bool, label: &str) {
    let target = &report["targets"][0];
    let ga: Vec<&str> = target["observed"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["name"] == "_ga")
        .filter_map(|c| c["phase"].as_str())
        .collect();
    if !phases {
        assert!(ga.is_empty(), "{label}: {ga:?}");
        return;
    }
    assert_eq!(ga, ["accept"], "{label}: {:#}", target["consent"]);
    for phase in target["consent"]["phases"].as_array().into_iter().flatten() {
        if phase["phase"] != "none" {
            assert_eq!(phase["clicked"], true, "{label}: {phase:#}");
        }
    }
}
