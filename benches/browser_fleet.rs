//! The browser engine at fleet scale: many targets of a few light pages each, all at once (a
//! benchmark, not a test).
//!
//! `cargo bench --bench browser_fleet` serves `BENCH_TARGETS` (default 60) sites of
//! `BENCH_PAGES` (default 10) light pages from one server listening on every address, each under
//! its own host name (`t0.test` … given to the binary with `--resolve`), the portals spread over
//! `BENCH_ADDRESSES` loopback addresses (default: one each, 127.0.0.1 …), and audits them with
//! `--engine browser` and otherwise the defaults of targets.toml and of the command line
//! (`BENCH_DELAY_MS` sets `delay_ms`, default: the default). Every page sets one cookie by header
//! and one by script.
//!
//! While the run goes, the bench samples the binary's whole process tree (Chromium's processes
//! included): every 5 s the sum of their proportional set sizes (PSS, from
//! `/proc/PID/smaps_rollup`: shared pages split between the processes sharing them, so the sum
//! is the memory the run really holds) and the number of processes. It prints the wall time,
//! seconds per page, how busy the machine's cores were (`/proc/stat`, the whole machine: the
//! bench's own server included), and the peak PSS and process count; then checks that every
//! target was audited, every page visited and both cookies of every page found. `BENCH_ARGS` adds
//! arguments to the command line; `BENCH_STDERR=FILE` keeps the binary's standard error.

#[path = "../tests/common/mod.rs"]
mod common;

use common::sampler::run_sampled;
use common::{Server, html, site_dir};

fn page(target: usize, i: usize, pages: usize) -> String {
    let mut body = format!(
        "<!doctype html><html><head><title>Portal {target}, page {i}</title><script>\
         document.cookie = \"j{i}=1; path=/; max-age=3600\";</script></head><body><nav>"
    );
    for k in 0..pages {
        body.push_str(&format!("<a href=\"/p/{k}\">page {k}</a> "));
    }
    body.push_str("</nav><main>");
    for _ in 0..40 {
        body.push_str("<p>Open data about the city, its budget and its parks.</p>");
    }
    body.push_str("</main></body></html>");
    body
}

fn main() {
    let env = common::env_number;
    let targets = env("BENCH_TARGETS", 60) as usize;
    let pages = env("BENCH_PAGES", 10) as usize;
    let delay = std::env::var("BENCH_DELAY_MS").ok();
    let extra = common::env_args("BENCH_ARGS");
    let addresses = env("BENCH_ADDRESSES", targets as u64).max(1) as usize;
    let every_address = "0.0.0.0:0".parse().expect("address");
    let server = Server::start_at(every_address, move |host, path, _headers| {
        let target = host
            .strip_prefix('t')
            .and_then(|h| h.strip_suffix(".test"))
            .and_then(|n| n.parse::<usize>().ok());
        let index = path
            .strip_prefix("/p/")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|i| *i < pages);
        match (target, index) {
            (Some(t), Some(i)) => {
                let cookie = format!("h{i}=1; Path=/; Max-Age=600");
                html(200, &[("set-cookie", cookie.as_bytes())], page(t, i, pages))
            }
            _ => html(404, &[], "not found"),
        }
    })
    .expect("bind 0.0.0.0");
    let mut toml = format!(
        "[defaults]\nmax_pages = {pages}\nengine = \"browser\"\n{}\n",
        delay.map(|d| format!("delay_ms = {d}")).unwrap_or_default()
    );
    let hosts: Vec<String> = (0..targets).map(|t| format!("t{t}.test")).collect();
    for host in &hosts {
        toml.push_str(&format!(
            "[[target]]\nname = \"{host}\"\nurl = \"http://{host}:{}/p/0\"\n\n",
            server.port
        ));
    }
    let dir = site_dir(&toml);
    let mut argv = common::args(&["audit", "--ignore-robots"]);
    for (t, host) in hosts.iter().enumerate() {
        argv.push("--resolve".into());
        argv.push(format!(
            "{host}:{}:127.0.0.{}",
            server.port,
            t % addresses + 1
        ));
    }
    argv.extend(extra);
    let sampled = run_sampled(dir.path(), &argv);
    if let Ok(path) = std::env::var("BENCH_STDERR") {
        std::fs::write(path, &sampled.run.stderr).expect("write BENCH_STDERR");
    }
    assert!(
        matches!(sampled.run.code, 0 | 1),
        "exit {}: {}",
        sampled.run.code,
        sampled.run.stderr
    );
    let report = common::latest_report(dir.path());
    let mut missing = Vec::new();
    for target in report["targets"].as_array().expect("targets") {
        let name = target["name"].as_str().unwrap_or("?");
        let visited = target["crawl"]["pages"].as_array().map_or(0, Vec::len);
        if target["status"] != "audited" || visited != pages {
            missing.push(format!(
                "{name}: {} with {visited} pages ({})",
                target["status"], target["error"]
            ));
            continue;
        }
        let observed: Vec<&str> = target["observed"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str())
            .collect();
        for i in 0..pages {
            for cookie in [format!("h{i}"), format!("j{i}")] {
                if !observed.contains(&cookie.as_str()) {
                    missing.push(format!("{cookie} of {name}"));
                }
            }
        }
    }
    let total = targets * pages;
    println!(
        "browser fleet: {targets} targets x {pages} pages on {addresses} addresses = {total} \
         pages in {:.1} s = {:.3} s/page; {}",
        sampled.wall,
        sampled.wall / total as f64,
        sampled.machine()
    );
    assert!(missing.is_empty(), "missing: {missing:?}");
}
