//! The browser engine's time per page on a 22-page local site (a benchmark, not a test).
//!
//! `cargo bench --bench browser` serves 22 pages on 127.0.0.1 under a real host name. Every page
//! sets a cookie by header and one by `document.cookie`; page 15 also writes one with the
//! CookieStore API and page 18 one with `Max-Age` after a 300 ms timer. The release binary audits
//! the site with `--engine browser` and the bench prints the wall time per page, browser start
//! included, after checking that every one of the 46 cookies was found with the right lifetime.
//! The site is audited with the default settings of targets.toml but `delay_ms = 0` (the aim is
//! the engine's speed, not the politeness); `BENCH_CONCURRENCY` sets the target's tabs
//! (`concurrency`, default: the default, 2), `BENCH_SETTLE_MS` the most a page waits for its
//! timers (`settle_ms`, default: the default, 1000 ms), `BENCH_ROUNDS` (default 3) the runs,
//! `BENCH_ARGS` adds arguments to the command line.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::{Server, cookie_audit, html, site_dir};

const PAGES: usize = 22;

fn page(i: usize) -> String {
    let mut body = format!(
        "<!doctype html><html><head><title>Page {i}</title><script>\
         document.cookie = \"j{i}=1; path=/; max-age=3600\";"
    );
    if i == 15 {
        body.push_str(
            "cookieStore.set({name: \"cs15\", value: \"1\", expires: Date.now() + 86400000});",
        );
    }
    if i == 18 {
        body.push_str(
            "setTimeout(function () { document.cookie = \"late18=1; path=/; max-age=7200\"; }, 300);",
        );
    }
    body.push_str("</script></head><body><nav>");
    for k in 0..PAGES {
        body.push_str(&format!("<a href=\"/p/{k}\">page {k}</a> "));
    }
    body.push_str("</nav><main>");
    for _ in 0..100 {
        body.push_str("<p>Open data about the city, its budget and its parks.</p>");
    }
    body.push_str("</main></body></html>");
    body
}

fn main() {
    let env = common::env_number;
    let concurrency = env("BENCH_CONCURRENCY", 2);
    let settle = env("BENCH_SETTLE_MS", 1000);
    let rounds = env("BENCH_ROUNDS", 3);
    // BENCH_OPEN=1: `allow_private_addresses = true`, which turns off the browser's per-request
    // address check (the Fetch-domain interception), to measure what the check costs.
    let open = env("BENCH_OPEN", 0) == 1;
    let server = Server::start(move |_host, path, _headers| {
        let index = path
            .strip_prefix("/p/")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|i| *i < PAGES);
        match index {
            Some(i) => {
                let cookie = format!("h{i}=1; Path=/; Max-Age=600");
                html(200, &[("set-cookie", cookie.as_bytes())], page(i))
            }
            None => html(404, &[], "not found"),
        }
    });
    let dir = site_dir(&format!(
        "[defaults]\nmax_pages = {PAGES}\nmax_depth = 2\nconcurrency = {concurrency}\n\
         delay_ms = 0\nsettle_ms = {settle}\ntimeout_secs = 30\nengine = \"browser\"\n\
         allow_private_addresses = {open}\n\n\
         [[target]]\nname = \"bench\"\nurl = \"http://bench.test:{port}/p/0\"\n",
        port = server.port
    ));
    let mut argv = server.argv(&["audit", "--ignore-robots"], &["bench.test"]);
    // BENCH_ARGS: more arguments, e.g. `--max-requests-per-second-per-ip 1000` to lift the
    // politeness budget of the site's address (10 requests/s by default: 22 pages and the
    // charter probes take 2.8 s under it).
    argv.extend(common::env_args("BENCH_ARGS"));
    let mut per_page = Vec::new();
    for round in 1..=rounds {
        let started = Instant::now();
        let run = cookie_audit(dir.path(), &argv);
        let elapsed = started.elapsed().as_secs_f64();
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        let report = common::latest_report(dir.path());
        let target = &report["targets"][0];
        let pages = target["crawl"]["pages"].as_array().map_or(0, Vec::len);
        assert_eq!(pages, PAGES, "every page visited");
        let observed = target["observed"].as_array().expect("observed");
        let lifetime = |name: &str| {
            observed
                .iter()
                .find(|c| c["name"] == name)
                .and_then(|c| c["lifetime_seconds"].as_i64())
        };
        for i in 0..PAGES {
            assert_eq!(
                lifetime(&format!("h{i}")),
                Some(600),
                "header cookie of page {i}"
            );
            assert_eq!(
                lifetime(&format!("j{i}")),
                Some(3600),
                "script cookie of page {i}"
            );
        }
        assert!(
            lifetime("cs15").is_some_and(|s| (86_300..=86_400).contains(&s)),
            "CookieStore"
        );
        assert_eq!(
            lifetime("late18"),
            Some(7200),
            "Max-Age after a timer on a later page"
        );
        assert_eq!(
            observed.len(),
            2 * PAGES + 2,
            "nothing else, nothing missing"
        );
        let seconds_per_page = elapsed / PAGES as f64;
        per_page.push(seconds_per_page);
        println!(
            "browser round {round}: {PAGES} pages, {} cookies, concurrency {concurrency}, \
             settle {settle} ms: {elapsed:.2} s = {seconds_per_page:.3} s/page",
            observed.len()
        );
    }
    per_page.sort_by(f64::total_cmp);
    println!(
        "browser: median {:.3} s/page over {rounds} runs (EDPS Website Evidence Collector: 1.76 s/page)",
        per_page[per_page.len() / 2]
    );
}
