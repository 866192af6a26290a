//! Crawl speed and memory on a generated local site (a benchmark, not a test).
//!
//! `cargo bench --bench crawl` serves N generated pages (~20 KB, 20 links and one cookie each;
//! N = 3000, or `BENCH_PAGES`) from memory on 127.0.0.1, runs the release binary over them with
//! `delay_ms = 0`, and prints pages per second and the binary's peak RSS. It also times link
//! extraction alone on one page, to show how much of the crawl is HTML parsing.
//!
//! `BENCH_COMPARE=wget cargo bench --bench crawl` also crawls the same site, from the same
//! server in the same run, with cookie-audit at `concurrency = 1` and with
//! `wget --recursive --level=inf --no-parent --delete-after -e robots=off`, and prints the three
//! wall times side by side (wget must find every page, or the bench fails).

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use common::{Server, cookie_audit, site_dir};

const PAGE_BYTES: usize = 20 * 1024;
const LINKS_PER_PAGE: usize = 20;

fn main() {
    let pages: usize = std::env::var("BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let site = Arc::new(generate_site(pages));
    let served = site.clone();
    // Requests for pages, and all requests, as the server saw them (for the comparison).
    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let seen = counts.clone();
    let server = Server::start(move |_host, path, _headers| {
        seen[1].fetch_add(1, Ordering::Relaxed);
        if path.starts_with("/p/") {
            seen[0].fetch_add(1, Ordering::Relaxed);
        }
        common::numbered_page(
            &served,
            path,
            &[(
                "set-cookie",
                b"sessionid=0123456789abcdef; Path=/; HttpOnly",
            )],
        )
    });

    extraction_alone(&site[0]);

    let fast = audit(&server, pages, 16);
    println!(
        "crawl: {} pages ({} requests) of ~{} KB in {:.2} s = {:.0} pages/s, peak RSS {:.1} MB",
        fast.pages,
        fast.requests,
        PAGE_BYTES / 1024,
        fast.seconds,
        fast.pages as f64 / fast.seconds,
        fast.rss_mb
    );

    if std::env::var("BENCH_COMPARE").is_ok_and(|v| v == "wget") {
        let single = audit(&server, pages, 1);
        for c in counts.iter() {
            c.store(0, Ordering::Relaxed);
        }
        let wget = wget(&server, pages);
        let (wget_pages, wget_requests) = (
            counts[0].load(Ordering::Relaxed),
            counts[1].load(Ordering::Relaxed),
        );
        assert_eq!(
            wget_pages, pages as u64,
            "wget must fetch every page once ({wget_requests} requests in all)"
        );
        println!("compare on the same {pages}-page site (same server, same run):");
        for (name, seconds, fetched, requests) in [
            (
                "cookie-audit, concurrency 16",
                fast.seconds,
                fast.pages,
                fast.requests,
            ),
            (
                "cookie-audit, concurrency 1",
                single.seconds,
                single.pages,
                single.requests,
            ),
            (
                "wget --recursive (1 connection)",
                wget,
                pages,
                wget_requests,
            ),
        ] {
            println!(
                "  {name:<32} {seconds:>6.2} s {:>7.0} pages/s ({fetched} pages, {requests} requests)",
                fetched as f64 / seconds
            );
        }
    }
}

struct Audited {
    pages: usize,
    requests: u64,
    seconds: f64,
    rss_mb: f64,
}

/// The release binary over the site with `concurrency` requests in flight.
fn audit(server: &Server, pages: usize, concurrency: usize) -> Audited {
    let dir = site_dir(&format!(
        "[defaults]\nmax_pages = {pages}\nmax_depth = 1000\nconcurrency = {concurrency}\n\
         delay_ms = 0\ntimeout_secs = 30\n\n[[target]]\nname = \"bench\"\n\
         url = \"http://bench.test:{port}/p/0\"\n",
        port = server.port
    ));
    let argv = server.argv(&["audit", "--ignore-robots", "-v"], &["bench.test"]);
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
    assert_eq!(crawled, pages, "pages crawled");
    let requests = report["targets"][0]["crawl"]["requests"]
        .as_u64()
        .unwrap_or(0);
    let rss_mb = common::peak_rss_mb(&run.stderr);
    Audited {
        pages: crawled,
        requests,
        seconds: elapsed.as_secs_f64(),
        rss_mb,
    }
}

/// wget over the same site: one connection, pages saved to disk, parsed, deleted. wget has no
/// `--resolve`, so it is sent to 127.0.0.1 (the server answers every host name alike).
fn wget(server: &Server, pages: usize) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let status = std::process::Command::new("wget")
        .args([
            "--recursive",
            "--level=inf",
            "--no-parent",
            "--delete-after",
            "-e",
            "robots=off",
            "--quiet",
        ])
        .arg(format!("http://127.0.0.1:{}/p/0", server.port))
        .current_dir(dir.path())
        .status()
        .expect("run wget (apt-get install -y wget)");
    let elapsed = started.elapsed().as_secs_f64();
    // wget exits 8 when some request answered an error (the stylesheet is a 404 here).
    assert!(
        matches!(status.code(), Some(0 | 8)),
        "wget failed: {status} over {pages} pages"
    );
    elapsed
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
        links += cookie_audit::extract::page_refs(page.as_bytes(), Some("text/html"), &url)
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
