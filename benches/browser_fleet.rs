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

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Server, binary, html, site_dir};

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

/// Every process whose parent chain leads to `root`, `root` included.
fn tree(root: u32) -> Vec<u32> {
    let mut parent_of = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses: fields follow the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        if let Some(ppid) = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok())
        {
            parent_of.insert(pid, ppid);
        }
    }
    parent_of
        .keys()
        .copied()
        .filter(|&pid| {
            let mut at = pid;
            for _ in 0..64 {
                if at == root {
                    return true;
                }
                match parent_of.get(&at) {
                    Some(&parent) if parent > 1 => at = parent,
                    _ => return false,
                }
            }
            false
        })
        .collect()
}

/// The PSS of `pid` in KB, 0 when it is gone.
fn pss_kb(pid: u32) -> u64 {
    let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
        return 0;
    };
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The machine's (busy, total) CPU time in ticks, from `/proc/stat`. Chromium's renderers are
/// not reaped by the binary (their parent dies with the browser), so the binary's rusage would
/// miss them: only the whole machine tells.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = fields.iter().sum();
    // idle and iowait are the 4th and 5th fields.
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

fn main() {
    let env = common::env_number;
    let targets = env("BENCH_TARGETS", 60) as usize;
    let pages = env("BENCH_PAGES", 10) as usize;
    let delay = std::env::var("BENCH_DELAY_MS").ok();
    let extra: Vec<String> = std::env::var("BENCH_ARGS")
        .map(|a| a.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
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
    let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("stderr file");
    let ticks_before = machine_ticks();
    let started = Instant::now();
    let mut child = binary(dir.path(), &argv)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("start cookie-audit");
    let (mut peak_pss_kb, mut peak_processes) = (0u64, 0usize);
    // The first sample 2 s in, once Chromium runs.
    let mut sampled = Instant::now() - Duration::from_secs(3);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if sampled.elapsed() >= Duration::from_secs(5) {
            sampled = Instant::now();
            let processes = tree(child.id());
            peak_processes = peak_processes.max(processes.len());
            peak_pss_kb = peak_pss_kb.max(processes.iter().map(|&p| pss_kb(p)).sum());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let wall = started.elapsed().as_secs_f64();
    let ticks_after = machine_ticks();
    let busy =
        (ticks_after.0 - ticks_before.0) as f64 / (ticks_after.1 - ticks_before.1).max(1) as f64;
    let stderr = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
    if let Ok(path) = std::env::var("BENCH_STDERR") {
        std::fs::write(path, &stderr).expect("write BENCH_STDERR");
    }
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "exit {status}: {stderr}"
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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let total = targets * pages;
    println!(
        "browser fleet: {targets} targets x {pages} pages on {addresses} addresses = {total} \
         pages in {wall:.1} s = {:.3} s/page; the machine's {cores} cores {:.0} % busy; peak PSS \
         {:.0} MB over {peak_processes} processes at most",
        wall / total as f64,
        100.0 * busy,
        peak_pss_kb as f64 / 1024.0
    );
    assert!(missing.is_empty(), "missing: {missing:?}");
}
