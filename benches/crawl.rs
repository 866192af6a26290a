//! Crawl speed and memory on a generated local site (a benchmark, not a test).
//!
//! `cargo bench --bench crawl` serves N generated pages (~20 KB, 20 links and one cookie each;
//! N = 3000, or `BENCH_PAGES`) from memory on 127.0.0.1, runs the release binary over them with
//! `delay_ms = 0`, and prints pages per second and the binary's peak RSS. It also times link
//! extraction alone on one page, to show how much of the crawl is HTML parsing.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{Server, args, cookie_audit, html, write_targets};

const PAGE_BYTES: usize = 20 * 1024;
const LINKS_PER_PAGE: usize = 20;

fn main() {
    let pages: usize = std::env::var("BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let site = Arc::new(generate_site(pages));
    let served = site.clone();
    let server = Server::start(move |_host, path, _headers| {
        let index = path
            .strip_prefix("/p/")
            .and_then(|n| n.parse::<usize>().ok());
        match index.and_then(|i| served.get(i)) {
            Some(body) => html(
                200,
                &[(
                    "set-cookie",
                    b"sessionid=0123456789abcdef; Path=/; HttpOnly",
                )],
                body.clone(),
            ),
            None => html(404, &[], "not found"),
        }
    });

    extraction_alone(&site[0]);

    let dir = tempfile::tempdir().expect("tempdir");
    write_targets(
        dir.path(),
        &format!(
            "[defaults]\nmax_pages = {pages}\nmax_depth = 1000\nconcurrency = 16\ndelay_ms = 0\n\
             timeout_secs = 30\n\n[[target]]\nname = \"bench\"\nurl = \"http://bench.test:{port}/p/0\"\n",
            port = server.port
        ),
    );
    let mut argv = args(&["audit", "--ignore-robots", "-v"]);
    argv.extend(server.resolve_args(&["bench.test"]));
    let started = Instant::now();
    let run = match std::env::var("BENCH_WRAP") {
        // A profiler around the binary, e.g. BENCH_WRAP="valgrind --tool=massif".
        Ok(wrap) => wrapped(&wrap, dir.path(), &argv),
        Err(_) => cookie_audit(dir.path(), &argv),
    };
    let elapsed = started.elapsed();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = common::latest_report(dir.path());
    let crawled = report["targets"][0]["crawl"]["pages"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    let requests = report["targets"][0]["crawl"]["requests"]
        .as_u64()
        .unwrap_or(0);
    // The binary logs its own VmHWM; ru_maxrss of a child would include this process's memory.
    let rss_mb: f64 = run
        .stderr
        .split("peak_rss_mb=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.trim_matches('"').parse().ok())
        .unwrap_or(f64::NAN);
    println!(
        "crawl: {crawled} pages ({requests} requests) of ~{} KB in {:.2} s = {:.0} pages/s, peak RSS {:.1} MB",
        PAGE_BYTES / 1024,
        elapsed.as_secs_f64(),
        crawled as f64 / elapsed.as_secs_f64(),
        rss_mb
    );
}

fn wrapped(wrap: &str, dir: &std::path::Path, argv: &[String]) -> common::Run {
    let mut words = wrap.split_whitespace();
    let program = words.next().expect("BENCH_WRAP names a program");
    let output = std::process::Command::new(program)
        .args(words)
        .arg(env!("CARGO_BIN_EXE_cookie-audit"))
        .args(argv)
        .current_dir(dir)
        .output()
        .expect("run the wrapped binary");
    common::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Pages with `LINKS_PER_PAGE` links each, to pages chosen by a fixed pseudo-random sequence
/// (the same site every run), padded with text to `PAGE_BYTES`.
fn generate_site(pages: usize) -> Vec<String> {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..pages)
        .map(|i| {
            let mut body = format!(
                "<!doctype html><html><head><title>Page {i}</title>\
                 <link rel=\"stylesheet\" href=\"/static/site.css\"></head><body><nav>"
            );
            for k in 0..LINKS_PER_PAGE {
                // Half the links go forward, so the whole site is reachable from page 0.
                let target = if k % 2 == 0 {
                    (i + 1 + k) % pages
                } else {
                    (next() as usize) % pages
                };
                body.push_str(&format!("<a href=\"/p/{target}\">page {target}</a> "));
            }
            body.push_str("</nav><main>");
            while body.len() < PAGE_BYTES - 30 {
                body.push_str("<p>Open data about the city, its budget and its parks.</p>");
            }
            body.push_str("</main></body></html>");
            body
        })
        .collect()
}

fn extraction_alone(page: &str) {
    let url = url::Url::parse("http://bench.test/p/0").expect("url");
    let rounds = 500;
    let started = Instant::now();
    let mut links = 0;
    for _ in 0..rounds {
        links += cookie_audit::crawl::extract::page_refs(page.as_bytes(), Some("text/html"), &url)
            .links
            .len();
    }
    let per_page = started.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "extract: {:.3} ms per {} KB page ({} links), {:.0} pages/s on one core",
        per_page * 1000.0,
        page.len() / 1024,
        links / rounds,
        1.0 / per_page
    );
}
