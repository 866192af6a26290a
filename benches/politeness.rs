//! Politeness at scale: 100 hosts crawled at once, each at most one request per `delay_ms`
//! (a benchmark, not a test).
//!
//! `cargo bench --bench politeness` serves 100 small generated sites from one server listening
//! on every address (host names `h0.test` … `h99.test`, each given to the binary with
//! `--resolve` to an address of its own, 127.0.0.1 … 127.0.0.100), 20 linked pages each, and
//! audits them as 100 targets with `max_pages = 20`, `concurrency = 1`, `delay_ms = 100`,
//! `--ignore-robots` and otherwise the defaults: no `--parallel-targets`, no
//! `--max-connections` (both derived from the open-files limit), the default budget of 10
//! requests per second per address. The server records every request it receives, per host
//! and with its arrival time, so "requests per host" is what the sites really saw: the sitemap
//! probe, the 20 pages and the charter probes after the crawl.
//!
//! The ideal for one host is `(requests per host − 1) × delay`: the first request goes at once,
//! every next one waits its turn. The bench prints the run's wall time against that ideal, the
//! time the process takes before its first request and after its last one, each host's span
//! (first to last request) against the ideal, the gaps between two requests to one host as the
//! server saw them, and which gaps of the sequence run longest. A first run with `delay_ms = 0`
//! measures the work that is not waiting (start-up, crawl, report). `BENCH_RUNS` (default 3)
//! sets the number of runs at `BENCH_DELAY_MS` (default 100). A last run adds a 101st target,
//! `slow.test` (on 127.0.0.101), served by a second server that takes 400 ms over every answer:
//! the others must finish as early as without it.
//!
//! `BENCH_SCENARIO=one-address cargo bench --bench politeness` instead gives all 100 host
//! names one address, 127.0.0.1, with `politeness_key = "ip"` and a budget of
//! `BENCH_IP_BUDGET` requests per second (default 50): it prints the most requests the address
//! saw within any second against that budget, and the run's time against the time the budget
//! implies (requests / budget).

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::net::SocketAddr;

use common::{Server, cookie_audit, site_dir};

const HOSTS: usize = 100;
const PAGES: usize = 20;

/// One request as the server saw it.
#[derive(Clone)]
struct Seen {
    host: String,
    path: String,
    at: Instant,
}

fn main() {
    let env = common::env_number;
    let delay_ms = env("BENCH_DELAY_MS", 100);
    let runs = env("BENCH_RUNS", 3).max(1);

    let pages: Arc<Vec<String>> = Arc::new((0..PAGES).map(page).collect());
    let log: Arc<Mutex<Vec<Seen>>> = Arc::new(Mutex::new(Vec::new()));
    let (served, seen) = (pages.clone(), log.clone());
    // On every address, so that each host can have an address of its own on loopback.
    let every_address = SocketAddr::from(([0, 0, 0, 0], 0));
    let server = Server::start_at(every_address, move |host, path, _headers| {
        let at = Instant::now();
        seen.lock().unwrap().push(Seen {
            host: host.to_string(),
            path: path.to_string(),
            at,
        });
        common::numbered_page(
            &served,
            path,
            &[(
                "set-cookie",
                b"sessionid=0123456789abcdef; Path=/; HttpOnly",
            )],
        )
    })
    .expect("bind 0.0.0.0");

    if std::env::var("BENCH_SCENARIO").as_deref() == Ok("one-address") {
        one_address(&server, &log, delay_ms, env("BENCH_IP_BUDGET", 50));
        return;
    }

    println!(
        "politeness: {HOSTS} hosts × {PAGES} pages on {HOSTS} addresses, concurrency = 1, \
         default options"
    );
    // The first run also warms the page cache for the binary; the second is the baseline.
    let _ = run(&server, &log, 0, None);
    let base = run(&server, &log, 0, None);
    base.print(0);
    let mut walls = Vec::new();
    for _ in 0..runs {
        let measured = run(&server, &log, delay_ms, None);
        measured.print(delay_ms);
        walls.push(measured.wall);
        let ideal = measured.ideal(delay_ms);
        println!(
            "  vs ideal: wall / ideal = {:.3}; (wall − zero-delay wall) / ideal = {:.3}",
            measured.wall.as_secs_f64() / ideal.as_secs_f64(),
            (measured.wall.as_secs_f64() - base.wall.as_secs_f64()) / ideal.as_secs_f64()
        );
    }
    walls.sort();
    println!(
        "median wall time of {runs} run(s) at delay_ms = {delay_ms}: {:.3} s; zero-delay run: {:.3} s",
        walls[walls.len() / 2].as_secs_f64(),
        base.wall.as_secs_f64()
    );

    // The same run with a 101st host that takes SLOW_ANSWER to answer every request: the 100
    // others must keep their pace and finish as early as without it.
    let slow = slow_server(pages.clone(), SLOW_ANSWER);
    let measured = run(&server, &log, delay_ms, Some(slow));
    let finished = measured.exited - measured.spawned;
    let fast_done = measured
        .by_host
        .values()
        .filter_map(|seen| seen.last())
        .map(|s| s.at)
        .max()
        .expect("requests");
    println!(
        "with one slow host ({} ms per answer) among them: the {HOSTS} others' last request at \
         {:.3} s (ideal {:.3} s + start-up); the run ends at {:.3} s, when the slow one is done",
        SLOW_ANSWER.as_millis(),
        (fast_done - measured.spawned).as_secs_f64(),
        measured.ideal(delay_ms).as_secs_f64(),
        finished.as_secs_f64()
    );
    measured.print(delay_ms);
}

/// How long the slow host of the last run takes to answer each request.
const SLOW_ANSWER: Duration = Duration::from_millis(400);

/// A second server, for the host `slow.test`, that waits `answer_after` before each answer
/// (without holding a thread, so it could serve many such hosts). Returns its port.
fn slow_server(pages: Arc<Vec<String>>, answer_after: Duration) -> u16 {
    // On every address: slow.test is given 127.0.0.101, an address of its own.
    let listener = std::net::TcpListener::bind("0.0.0.0:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
                let pages = pages.clone();
                async move {
                    tokio::time::sleep(answer_after).await;
                    common::numbered_page(&pages, uri.path(), &[])
                }
            });
            axum::serve(listener, app).await.expect("serve");
        });
    });
    port
}

/// A small page linking to the next three pages and back home, so BFS reaches all of them.
fn page(i: usize) -> String {
    let mut body = format!(
        "<!doctype html><html><head><title>Page {i}</title></head><body><nav><a href=\"/p/0\">home</a>"
    );
    for k in 1..=3 {
        let target = (i + k) % PAGES;
        body.push_str(&format!(" <a href=\"/p/{target}\">page {target}</a>"));
    }
    body.push_str("</nav><main>");
    while body.len() < 4000 {
        body.push_str("<p>Open data about the city, its budget and its parks.</p>");
    }
    body.push_str("</main></body></html>");
    body
}

struct Measured {
    wall: Duration,
    spawned: Instant,
    exited: Instant,
    /// Each host's requests in arrival order.
    by_host: BTreeMap<String, Vec<Seen>>,
}

impl Measured {
    /// Requests per host (the same for every host, checked).
    fn per_host(&self) -> usize {
        self.by_host.values().map(Vec::len).max().unwrap_or(0)
    }

    fn ideal(&self, delay_ms: u64) -> Duration {
        Duration::from_millis(delay_ms) * (self.per_host().saturating_sub(1) as u32)
    }

    fn print(&self, delay_ms: u64) {
        let all: Vec<&Seen> = self.by_host.values().flatten().collect();
        let first = all.iter().map(|s| s.at).min().expect("requests");
        let last = all.iter().map(|s| s.at).max().expect("requests");
        let per_host = self.per_host();
        let kinds = self.by_host.values().next().expect("a host");
        let count = |f: &dyn Fn(&str) -> bool| kinds.iter().filter(|s| f(&s.path)).count();
        let pages = count(&|p| p.starts_with("/p/"));
        let sitemap = count(&|p| p == "/sitemap.xml");
        let robots = count(&|p| p == "/robots.txt");
        let other: Vec<&str> = kinds
            .iter()
            .filter(|s| !s.path.starts_with("/p/") && s.path != "/sitemap.xml")
            .filter(|s| s.path != "/robots.txt")
            .map(|s| s.path.as_str())
            .collect();
        println!(
            "delay_ms = {delay_ms}: wall {:.3} s; {} requests, {per_host} per host \
             ({pages} pages, {sitemap} sitemap, {robots} robots.txt, {} after the crawl: {})",
            self.wall.as_secs_f64(),
            all.len(),
            other.len(),
            other.join(" ")
        );
        println!(
            "  start-up (spawn → first request) {:.3} s; requests {:.3} s; \
             tail (last request → exit) {:.3} s",
            (first - self.spawned).as_secs_f64(),
            (last - first).as_secs_f64(),
            (self.exited - last).as_secs_f64()
        );
        let mut spans: Vec<f64> = self
            .by_host
            .values()
            .map(|seen| (seen[seen.len() - 1].at - seen[0].at).as_secs_f64())
            .collect();
        spans.sort_by(f64::total_cmp);
        let mut starts: Vec<f64> = self
            .by_host
            .values()
            .map(|seen| (seen[0].at - first).as_secs_f64())
            .collect();
        starts.sort_by(f64::total_cmp);
        println!(
            "  per host span (first → last request): min {:.3} / median {:.3} / max {:.3} s; \
             ideal {:.3} s; hosts' first requests spread over {:.3} s",
            spans[0],
            spans[spans.len() / 2],
            spans[spans.len() - 1],
            self.ideal(delay_ms).as_secs_f64(),
            starts[starts.len() - 1]
        );
        if delay_ms == 0 {
            return;
        }
        // Gap k: between a host's request k and k + 1; mean over hosts, beyond the delay.
        let delay = delay_ms as f64 / 1000.0;
        let mut gaps = Vec::new();
        // How far any request came ahead of the pace set by any earlier one to the same host:
        // min over i < j of (t_j − t_i − (j − i) × delay). The limiter spaces its own clock
        // readings exactly, so this is only the jitter between the limiter and the server
        // (one request reaching the server late makes the next gap look short).
        let mut lead = 0.0f64;
        let mut excess = vec![0.0; per_host - 1];
        for seen in self.by_host.values() {
            for (k, pair) in seen.windows(2).enumerate() {
                let gap = (pair[1].at - pair[0].at).as_secs_f64();
                gaps.push(gap);
                excess[k] += (gap - delay) / HOSTS as f64;
            }
            for i in 0..seen.len() {
                for j in i + 1..seen.len() {
                    let ahead = (seen[j].at - seen[i].at).as_secs_f64() - (j - i) as f64 * delay;
                    lead = lead.min(ahead);
                }
            }
        }
        gaps.sort_by(f64::total_cmp);
        let pct = |p: f64| gaps[((gaps.len() - 1) as f64 * p) as usize] * 1000.0;
        let total: f64 = excess.iter().sum();
        let mut worst: Vec<(usize, f64)> = excess.iter().copied().enumerate().collect();
        worst.sort_by(|a, b| b.1.total_cmp(&a.1));
        let named: Vec<String> = worst
            .iter()
            .take(3)
            .map(|(k, e)| {
                format!(
                    "{} → {} +{:.1} ms",
                    kinds[*k].path,
                    kinds[k + 1].path,
                    e * 1000.0
                )
            })
            .collect();
        println!(
            "  gaps between two requests to one host (ms, as the server saw them): min {:.1}, \
             p1 {:.1}, median {:.1}, p99 {:.1}, max {:.1}; most ahead of the pace {:.1}",
            pct(0.0),
            pct(0.01),
            pct(0.5),
            pct(0.99),
            pct(1.0),
            -lead * 1000.0
        );
        let shortest = worst.last().map_or(String::new(), |(k, e)| {
            format!(
                "{} → {} {:+.1} ms",
                kinds[*k].path,
                kinds[k + 1].path,
                e * 1000.0
            )
        });
        println!(
            "  time beyond the delay, mean per host {:.1} ms; longest gaps on average: {}; \
             shortest: {shortest}",
            total * 1000.0,
            named.join("; ")
        );
        if lead < -0.025 {
            println!(
                "  WARNING: a request {:.1} ms ahead of its host's pace: more than arrival jitter",
                -lead * 1000.0
            );
        }
    }
}

/// One audit of the 100 hosts (and of `slow.test` on the port `slow`, if given), each host on
/// an address of its own.
fn run(server: &Server, log: &Mutex<Vec<Seen>>, delay_ms: u64, slow: Option<u16>) -> Measured {
    audit(server, log, delay_ms, slow, Addresses::OnePerHost, "")
}

/// Where the hosts' names lead.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Addresses {
    /// `h{i}.test` to 127.0.0.{i + 1}.
    OnePerHost,
    /// Every host to 127.0.0.1.
    Shared,
}

/// One audit of the 100 hosts under `[defaults]` plus `extra`.
fn audit(
    server: &Server,
    log: &Mutex<Vec<Seen>>,
    delay_ms: u64,
    slow: Option<u16>,
    addresses: Addresses,
    extra: &str,
) -> Measured {
    log.lock().unwrap().clear();
    let mut toml = format!(
        "[defaults]\nmax_pages = {PAGES}\nmax_depth = 50\nconcurrency = 1\n\
         delay_ms = {delay_ms}\ntimeout_secs = 30\n{extra}\n"
    );
    for h in 0..HOSTS {
        toml.push_str(&format!(
            "\n[[target]]\nname = \"h{h}\"\nurl = \"http://h{h}.test:{}/p/0\"\n",
            server.port
        ));
    }
    if let Some(port) = slow {
        toml.push_str(&format!(
            "\n[[target]]\nname = \"slow\"\nurl = \"http://slow.test:{port}/p/0\"\n"
        ));
    }
    let dir = site_dir(&toml);
    // The defaults: no --parallel-targets, no --max-connections.
    let mut argv = common::args(&["audit", "--ignore-robots", "-v"]);
    for h in 0..HOSTS {
        let addr = match addresses {
            Addresses::OnePerHost => format!("127.0.0.{}", h + 1),
            Addresses::Shared => "127.0.0.1".to_string(),
        };
        argv.extend([
            "--resolve".to_string(),
            format!("h{h}.test:{}:{addr}", server.port),
        ]);
    }
    if let Some(port) = slow {
        argv.extend([
            "--resolve".to_string(),
            format!("slow.test:{port}:127.0.0.101"),
        ]);
    }

    let spawned = Instant::now();
    let result = cookie_audit(dir.path(), &argv);
    let exited = Instant::now();
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);

    // What was crawled must be what was served: every target audited, all its pages fetched.
    let report = common::latest_report(dir.path());
    let targets = report["targets"].as_array().expect("targets");
    assert_eq!(
        targets.len(),
        HOSTS + usize::from(slow.is_some()),
        "targets in the report"
    );
    let mut by_host: BTreeMap<String, Vec<Seen>> = BTreeMap::new();
    for seen in log.lock().unwrap().iter() {
        by_host
            .entry(seen.host.clone())
            .or_default()
            .push(seen.clone());
    }
    assert_eq!(by_host.len(), HOSTS, "hosts that received requests");
    for target in targets {
        let name = target["name"].as_str().unwrap_or("?");
        assert_eq!(target["status"], "audited", "{name}: {target}");
        let pages = target["crawl"]["pages"].as_array().expect("pages");
        assert_eq!(pages.len(), PAGES, "{name}: pages crawled");
        assert!(
            pages.iter().all(|p| p["status"] == 200),
            "{name}: a page did not answer 200"
        );
        if name == "slow" {
            continue;
        }
        let seen = &by_host[&format!("{name}.test")];
        assert_eq!(
            target["crawl"]["requests"].as_u64(),
            Some(seen.len() as u64),
            "{name}: requests in the report vs requests the server saw"
        );
    }
    let counts: std::collections::BTreeSet<usize> = by_host.values().map(Vec::len).collect();
    assert_eq!(
        counts.len(),
        1,
        "every host saw the same requests: {counts:?}"
    );
    Measured {
        wall: exited - spawned,
        spawned,
        exited,
        by_host,
    }
}

/// All 100 hosts on 127.0.0.1 with `politeness_key = "ip"` and a budget of `budget` requests
/// per second: what the address saw, against what the budget allows.
fn one_address(server: &Server, log: &Mutex<Vec<Seen>>, delay_ms: u64, budget: u64) {
    println!(
        "politeness: {HOSTS} hosts × {PAGES} pages on one address (127.0.0.1), \
         politeness_key = \"ip\", max_requests_per_second_per_ip = {budget}, \
         delay_ms = {delay_ms}, concurrency = 1, default options"
    );
    let extra = format!("politeness_key = \"ip\"\nmax_requests_per_second_per_ip = {budget}");
    let measured = audit(server, log, delay_ms, None, Addresses::Shared, &extra);
    let mut at: Vec<Instant> = measured.by_host.values().flatten().map(|s| s.at).collect();
    at.sort();
    let busiest = |width: Duration| {
        at.iter()
            .enumerate()
            .map(|(i, start)| at[i..].iter().take_while(|t| **t - *start < width).count())
            .max()
            .unwrap_or(0)
    };
    let requests = at.len();
    let implied = requests as f64 / budget as f64;
    let span = (at[requests - 1] - at[0]).as_secs_f64();
    println!(
        "  {requests} requests; most within any 1 s: {} (budget {budget}, +1 for the first of \
         a window); within any 100 ms: {}",
        busiest(Duration::from_secs(1)),
        busiest(Duration::from_millis(100))
    );
    println!(
        "  wall {:.3} s; requests / budget = {implied:.3} s; wall / implied = {:.3}; \
         first → last request {span:.3} s against (requests − 1) / budget = {:.3} s",
        measured.wall.as_secs_f64(),
        measured.wall.as_secs_f64() / implied,
        (requests - 1) as f64 / budget as f64
    );
    let mut gaps: Vec<f64> = at
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64() * 1000.0)
        .collect();
    gaps.sort_by(f64::total_cmp);
    let pct = |p: f64| gaps[((gaps.len() - 1) as f64 * p) as usize];
    println!(
        "  gaps between two requests to the address (ms): min {:.1}, p1 {:.1}, median {:.1}, \
         p99 {:.1}, max {:.1}; the budget's spacing {:.1}",
        pct(0.0),
        pct(0.01),
        pct(0.5),
        pct(0.99),
        pct(1.0),
        1000.0 / budget as f64
    );
}
