//! Politeness across the whole run, measured where it matters: at the server. Many host names
//! on one address share that address's budget (`politeness_key = "ip"`, the default), two
//! addresses have a budget each, and the bounds of a run come from its open-files limit.
//!
//! Only lower bounds on time are asserted (the limiter guarantees spacing; a loaded machine can
//! only add to it), and counts per window get a few requests of slack for arrival jitter.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Rlimit, Server, args, binary, cookie_audit, latest_report, site_dir, with_rlimit};

/// Pages per generated site, each linking to the next three.
const PAGES: usize = 8;

/// Requests one address may see in a second beyond its budget: one for the first request of a
/// window (a budget of r per second allows r + 1 arrivals within a closed second) and a few
/// for arrival jitter (a request that reached the server late bunches with the next one).
const WINDOW_SLACK: usize = 5;

/// How much shorter than the budget implies a run's span may look at the server: the first
/// request of a run opens its connection while the process is starting.
const SPAN_SLACK: Duration = Duration::from_millis(250);

/// Every request a server saw: its host and when it arrived.
type Log = Arc<Mutex<Vec<(String, Instant)>>>;

fn page(i: usize) -> String {
    let links: String = (1..=3)
        .map(|k| format!("<a href=\"/p/{}\">page</a> ", (i + k) % PAGES))
        .collect();
    format!("<!doctype html><html><body>{links}</body></html>")
}

/// A handler serving the generated site and recording arrivals in `log`.
fn recording(
    log: Log,
) -> impl Fn(&str, &str, &axum::http::HeaderMap) -> axum::http::Response<axum::body::Body>
+ Send
+ Sync
+ 'static {
    let pages: Vec<String> = (0..PAGES).map(page).collect();
    move |host, path, _headers| {
        log.lock()
            .expect("log")
            .push((host.to_string(), Instant::now()));
        common::numbered_page(&pages, path, &[("set-cookie", b"sid=1; Path=/")])
    }
}

/// A targets file with one target per host, all on `port`, under `[defaults]` of `defaults`.
fn targets(hosts: &[String], port: u16, defaults: &str) -> String {
    let mut toml =
        format!("[defaults]\nmax_pages = 5\ndelay_ms = 0\nconcurrency = 2\n{defaults}\n");
    for host in hosts {
        toml.push_str(&format!(
            "\n[[target]]\nname = \"{host}\"\nurl = \"http://{host}:{port}/p/0\"\n"
        ));
    }
    toml
}

/// The arrival instants of `log` (of the hosts `keep` accepts), sorted.
fn arrivals(log: &Log, keep: impl Fn(&str) -> bool) -> Vec<Instant> {
    let mut at: Vec<Instant> = log
        .lock()
        .expect("log")
        .iter()
        .filter(|(host, _)| keep(host))
        .map(|(_, at)| *at)
        .collect();
    at.sort();
    at
}

/// The most arrivals within any window of `width` (each window starting at an arrival).
fn busiest_window(at: &[Instant], width: Duration) -> usize {
    at.iter()
        .enumerate()
        .map(|(i, start)| at[i..].iter().take_while(|t| **t - *start < width).count())
        .max()
        .unwrap_or(0)
}

fn span(at: &[Instant]) -> Duration {
    match (at.first(), at.last()) {
        (Some(first), Some(last)) => *last - *first,
        _ => Duration::ZERO,
    }
}

/// The least span `count` requests take at `rate` per second, less the slack.
fn least_span(count: usize, rate: f64) -> Duration {
    Duration::from_secs_f64(count.saturating_sub(1) as f64 / rate).saturating_sub(SPAN_SLACK)
}

fn audit(dir: &std::path::Path, argv: &[String]) -> serde_json::Value {
    let run = cookie_audit(dir, argv);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = latest_report(dir);
    assert!(
        report["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .all(|t| t["status"] == "audited"),
        "every target audited: {}",
        report["targets"]
    );
    report
}

/// Ten host names on 127.0.0.1, each a target crawling without delay of its own: the address
/// sees no more than its budget of 20 requests per second over the whole run, and the run takes
/// at least the time that budget implies. Keyed by host instead, the same ten go faster.
#[test]
fn host_names_on_one_address_share_its_budget() {
    const RATE: f64 = 20.0;
    let log: Log = Arc::default();
    let server = Server::start(recording(log.clone()));
    let hosts: Vec<String> = (0..10).map(|h| format!("h{h}.test")).collect();
    let argv = server.argv(&["audit", "--ignore-robots"], &hosts);

    let by_ip = site_dir(&targets(
        &hosts,
        server.port,
        "politeness_key = \"ip\"\nmax_requests_per_second_per_ip = 20",
    ));
    let report = audit(by_ip.path(), &argv);
    let at = arrivals(&log, |_| true);
    assert!(at.len() >= hosts.len() * 5, "{} requests", at.len());
    let busiest = busiest_window(&at, Duration::from_secs(1));
    assert!(
        busiest <= RATE as usize + WINDOW_SLACK,
        "127.0.0.1 saw {busiest} requests within one second, its budget is {RATE}/s"
    );
    let ip_span = span(&at);
    assert!(
        ip_span >= least_span(at.len(), RATE),
        "{} requests in {ip_span:?}: faster than {RATE}/s",
        at.len()
    );
    let politeness = &report["run"]["politeness"];
    assert_eq!(politeness["key"], "ip", "{politeness}");
    assert_eq!(politeness["max_requests_per_second_per_ip"], 20.0);

    // Keyed by host, each host has the budget to itself: every host keeps to it, and the ten
    // together are not held to one address's pace.
    log.lock().expect("log").clear();
    let by_host = site_dir(&targets(
        &hosts,
        server.port,
        "politeness_key = \"host\"\nmax_requests_per_second_per_ip = 20",
    ));
    audit(by_host.path(), &argv);
    for host in &hosts {
        let at = arrivals(&log, |h| h == host);
        let busiest = busiest_window(&at, Duration::from_secs(1));
        assert!(busiest <= RATE as usize + WINDOW_SLACK, "{host}: {busiest}");
    }
    let at = arrivals(&log, |_| true);
    assert!(
        span(&at) < ip_span,
        "keyed by host, {} requests took {:?}, no less than keyed by address ({ip_span:?})",
        at.len(),
        span(&at)
    );
}

/// Two loopback addresses, each a server of its own on the same port, each given five host
/// names: each address keeps its budget, and they are not one budget (together they see twice
/// the budget's pace).
#[test]
fn two_addresses_have_a_budget_each() {
    const RATE: f64 = 8.0;
    let (log_one, log_two): (Log, Log) = (Arc::default(), Arc::default());
    // 127.0.0.2 on the port 127.0.0.1 got; another process may hold it there, so try again.
    let (one, two) = (0..20)
        .find_map(|_| {
            let one = Server::start(recording(log_one.clone()));
            let addr: SocketAddr = format!("127.0.0.2:{}", one.port).parse().ok()?;
            Server::start_at(addr, recording(log_two.clone())).map(|two| (one, two))
        })
        .expect("a port free on both 127.0.0.1 and 127.0.0.2");
    assert_eq!(one.port, two.port);
    let hosts: Vec<String> = (0..5)
        .map(|h| format!("a{h}.test"))
        .chain((0..5).map(|h| format!("b{h}.test")))
        .collect();
    let mut argv = args(&["audit", "--ignore-robots"]);
    for host in &hosts {
        let addr = if host.starts_with('a') {
            "127.0.0.1"
        } else {
            "127.0.0.2"
        };
        argv.extend([
            "--resolve".to_string(),
            format!("{host}:{}:{addr}", one.port),
        ]);
    }
    let dir = site_dir(&targets(
        &hosts,
        one.port,
        "max_requests_per_second_per_ip = 8",
    ));
    audit(dir.path(), &argv);

    let mut both = Vec::new();
    for (log, addr, stem) in [(&log_one, "127.0.0.1", "a"), (&log_two, "127.0.0.2", "b")] {
        let at = arrivals(log, |_| true);
        assert!(
            log.lock()
                .expect("log")
                .iter()
                .all(|(h, _)| h.starts_with(stem)),
            "{addr} only serves its own hosts"
        );
        assert!(at.len() >= 25, "{addr}: {} requests", at.len());
        let busiest = busiest_window(&at, Duration::from_secs(1));
        assert!(
            busiest <= RATE as usize + WINDOW_SLACK,
            "{addr} saw {busiest} requests within one second, its budget is {RATE}/s"
        );
        assert!(
            span(&at) >= least_span(at.len(), RATE),
            "{addr}: {:?}",
            span(&at)
        );
        both.extend(at);
    }
    both.sort();
    // One shared budget would allow at most RATE + WINDOW_SLACK = 13 in any second; two allow
    // 16 and the run keeps both busy for about five seconds.
    let busiest = busiest_window(&both, Duration::from_secs(1));
    assert!(
        busiest > RATE as usize + WINDOW_SLACK,
        "both addresses together saw at most {busiest} requests in a second: one budget?"
    );
}

/// A `politeness_key` the tool does not know stops the run before anything is fetched, with
/// the file, line and column, and the words it knows.
#[test]
fn an_unknown_politeness_key_is_a_configuration_error() {
    let dir = site_dir(
        "[defaults]\npoliteness_key = \"server\"\n\n[[target]]\nname = \"a\"\nurl = \"http://a.test/\"\n",
    );
    let run = cookie_audit(dir.path(), &args(&["audit"]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("targets.toml:2:18: unknown politeness_key \"server\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("allowed values: ip, host, domain"),
        "{}",
        run.stderr
    );
    let run = cookie_audit(
        dir.path(),
        &args(&["audit", "--max-requests-per-second-per-ip", "0"]),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("must be above 0"), "{}", run.stderr);
}

/// Without --parallel-targets and --max-connections, the bounds come from the open-files
/// limit: under 100 descriptors (soft and hard), 9 targets and 37 requests at once, and 40
/// targets are all audited. The command line's politeness wins over targets.toml's.
#[test]
fn default_bounds_come_from_the_open_files_limit() {
    const TARGETS: usize = 40;
    let log: Log = Arc::default();
    let server = Server::start(recording(log));
    let hosts: Vec<String> = (0..TARGETS).map(|h| format!("t{h}.test")).collect();
    let dir = site_dir(&targets(&hosts, server.port, "politeness_key = \"ip\""));
    let argv = server.argv(
        &[
            "audit",
            "--ignore-robots",
            "--politeness-key",
            "host",
            "--max-requests-per-second-per-ip",
            "1000",
        ],
        &hosts,
    );
    let output = with_rlimit(&mut binary(dir.path(), &argv), Rlimit::OpenFiles, 100)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report = latest_report(dir.path());
    assert_eq!(report["totals"]["audited"], TARGETS, "{stderr}");
    let politeness = &report["run"]["politeness"];
    assert_eq!(politeness["parallel_targets"], 9, "{politeness}");
    assert_eq!(politeness["max_connections"], 37, "{politeness}");
    assert_eq!(politeness["key"], "host", "{politeness}");
    assert_eq!(politeness["max_requests_per_second_per_ip"], 1000.0);
}
