//! A run always finishes and loses nothing: signals, a second run on the same folder, a target
//! that takes too long, a link trap, an unwritable or full disk, a file-descriptor limit, and
//! secrets (cookie values, credentials in URLs) that must not leak into reports or logs.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Spawns `cookie-audit` in `dir` without waiting for it.
fn spawn(dir: &Path, argv: &[String]) -> Child {
    binary(dir, argv)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cookie-audit")
}

/// Waits for `child`; a child still running after `limit` is killed and the test fails, so a
/// run that never stops shows as a failure rather than a hung test.
fn finish(mut child: Child, limit: Duration) -> Run {
    let pid = child.id();
    let (done, watchdog) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if watchdog.recv_timeout(limit).is_err() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    });
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = read(stdout.map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let stderr = read(stderr.map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let status = child.wait().expect("wait");
    let _ = done.send(());
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    assert_ne!(
        run.code, -1,
        "cookie-audit did not exit by itself within {limit:?} (killed): {}",
        run.stderr
    );
    run
}

fn send_signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// A portal whose start page links to a page that answers and one that never does. `arrived`
/// hears of every request as `host path`.
fn slow_portal(arrived: mpsc::Sender<String>) -> Server {
    let arrived = Mutex::new(arrived);
    Server::start(move |host, path, _headers| {
        let _ = arrived
            .lock()
            .expect("sender")
            .send(format!("{host} {path}"));
        match path {
            "/" => html(
                200,
                &[("set-cookie", b"sessionid=abc; Path=/; HttpOnly")],
                r#"<a href="/pages/a">a</a> <a href="/never">never</a>"#,
            ),
            "/pages/a" => html(200, &[("set-cookie", b"seen_a=1; Path=/")], "<p>a</p>"),
            _ => html(404, &[], "not found"),
        }
    })
}

fn wait_for(arrived: &mpsc::Receiver<String>, wanted: &str) {
    loop {
        let request = arrived
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no request for {wanted} came"));
        if request.ends_with(wanted) {
            return;
        }
    }
}

const SLOW_TARGETS: &str = r#"
[defaults]
max_pages = 10
concurrency = 2
delay_ms = 0
timeout_secs = 600

[[target]]
name = "slow"
url = "http://www.slow.test:PORT/"

[[target]]
name = "waiting"
url = "http://www.waiting.test:PORT/"
"#;

fn slow_setup(arrived: mpsc::Sender<String>) -> (Server, tempfile::TempDir, Vec<String>) {
    let server = slow_portal(arrived);
    let dir = site_dir(&SLOW_TARGETS.replace("PORT", &server.port.to_string()));
    let argv = server.argv(
        &["audit", "--parallel-targets", "1"],
        &["www.slow.test", "www.waiting.test"],
    );
    (server, dir, argv)
}

/// SIGINT and SIGTERM stop a run within its limits, with a partial report of what was done:
/// the first target's finished pages and cookies, its page in flight listed as not finished,
/// and the target that never got its turn listed as failed.
#[test]
fn a_signal_stops_the_run_and_writes_a_partial_report() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let (arrived_tx, arrived) = mpsc::channel();
        let (_server, dir, argv) = slow_setup(arrived_tx);
        let child = spawn(dir.path(), &argv);
        // /pages/a and /never are asked for together, once the start page is in.
        wait_for(&arrived, "/pages/a");
        send_signal(&child, signal);
        let run = finish(child, Duration::from_secs(60));
        assert_eq!(run.code, code, "SIG{signal}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("interrupted by SIG{signal}")),
            "{}",
            run.stderr
        );

        // An interrupted run is kept under its run id; it does not become `latest`, which a
        // later `--against-latest` would compare with.
        assert!(!dir.path().join("reports/latest.json").exists());
        assert!(run.stdout.contains("latest:  unchanged"), "{}", run.stdout);
        let report = newest_run_report(dir.path());
        assert_eq!(report["run"]["partial"], true);
        assert_eq!(report["run"]["interrupted_by"], format!("SIG{signal}"));
        let slow = &report["targets"][0];
        assert_eq!(slow["status"], "audited", "{slow:#}");
        assert_eq!(slow["crawl"]["stopped"], "interrupted");
        let names: Vec<&str> = slow["observed"]
            .as_array()
            .expect("observed")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert!(names.contains(&"sessionid"), "{names:?}");
        let never = slow["crawl"]["pages"]
            .as_array()
            .expect("pages")
            .iter()
            .find(|p| p["url"].as_str().is_some_and(|u| u.ends_with("/never")))
            .expect("the page in flight is listed");
        assert_eq!(
            never["error"], "not finished: the run was interrupted",
            "{never}"
        );
        let waiting = &report["targets"][1];
        assert_eq!(waiting["status"], "failed");
        assert!(
            waiting["error"]
                .as_str()
                .is_some_and(|e| e.contains("interrupted")),
            "{waiting}"
        );
        let html =
            std::fs::read_to_string(newest_run_dir(dir.path()).join("report.html")).expect("html");
        assert!(html.contains("Partial run"), "the HTML says so too");
    }
}

/// Two runs on the same `--out`: the second is refused with the first one's pid while the
/// first runs, and nothing of it is written; once the first is over the folder is free again.
#[test]
fn a_second_run_on_the_same_out_is_refused_while_the_first_holds_it() {
    let (arrived_tx, arrived) = mpsc::channel();
    let (_server, dir, argv) = slow_setup(arrived_tx);
    let first = spawn(dir.path(), &argv);
    wait_for(&arrived, "/pages/a");

    let second = cookie_audit(dir.path(), &argv);
    assert_eq!(second.code, 2, "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains(&format!("another cookie-audit run (pid {})", first.id())),
        "{}",
        second.stderr
    );
    // The second run crawled nothing: every request so far came from the first.
    assert!(
        arrived.try_iter().all(|r| !r.contains("www.waiting.test")),
        "the first run never got to its second target, and the second run must not have either"
    );

    send_signal(&first, "TERM");
    let first = finish(first, Duration::from_secs(60));
    assert_eq!(first.code, 143, "{}", first.stderr);
    let folders = |dir: &Path| {
        std::fs::read_dir(dir.join("reports"))
            .expect("reports")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .count()
    };
    assert_eq!(folders(dir.path()), 1, "one run folder: the first run's");

    // Free again: a third run may start (and is stopped the same way).
    let third = spawn(dir.path(), &argv);
    wait_for(&arrived, "/pages/a");
    send_signal(&third, "TERM");
    assert_eq!(finish(third, Duration::from_secs(60)).code, 143);
    assert_eq!(folders(dir.path()), 2);
}

/// A target slower than its `target_timeout_secs` stops there with what it saw; a target whose
/// start page never answers fails; the other targets of the run are audited as usual.
#[test]
fn the_target_timeout_stops_a_slow_target_and_the_run_goes_on() {
    let server = Server::start(|_host, path, _headers| match path {
        "/" => html(
            200,
            &[("set-cookie", b"first=1; Path=/")],
            r#"<a href="/never">never</a>"#,
        ),
        _ => html(404, &[], "not found"),
    });
    let port = server.port;
    let dir = site_dir(&format!(
        r#"[defaults]
delay_ms = 0
timeout_secs = 600

[[target]]
name = "slow"
url = "http://www.slow.test:{port}/"
target_timeout_secs = 1

[[target]]
name = "silent"
url = "http://www.silent.test:{port}/never"
target_timeout_secs = 1

[[target]]
name = "fine"
url = "http://www.fine.test:{port}/"
max_pages = 1
"#
    ));
    let argv = server.argv(
        &["audit"],
        &["www.slow.test", "www.silent.test", "www.fine.test"],
    );
    let run = finish(spawn(dir.path(), &argv), Duration::from_secs(120));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    assert_eq!(report["run"]["partial"], false);

    let slow = &report["targets"][0];
    assert_eq!(slow["status"], "audited");
    assert_eq!(slow["crawl"]["stopped"], "target_timeout");
    let never = &slow["crawl"]["pages"][1];
    assert!(
        never["error"]
            .as_str()
            .is_some_and(|e| e.contains("not finished: the target ran out of time")),
        "{never}"
    );
    assert_eq!(slow["observed"][0]["name"], "first");
    assert!(
        slow["charter"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("target_timeout_secs = 1")),
        "{:#}",
        slow["charter"]
    );

    let silent = &report["targets"][1];
    assert_eq!(silent["status"], "failed");
    assert!(
        silent["error"]
            .as_str()
            .is_some_and(|e| e.contains("before the start page answered")),
        "{silent}"
    );

    let fine = &report["targets"][2];
    assert_eq!(fine["status"], "audited");
    assert_eq!(fine["crawl"]["stopped"], Value::Null);
}

/// An endless calendar of query strings: the per-path query budget holds (and `max_pages`
/// would), and the run ends.
#[test]
fn a_query_string_trap_gets_only_its_budget() {
    let server = Server::start(|_host, path, _headers| {
        if path == "/" || path.starts_with("/calendar") {
            let n: u64 = path
                .split_once("page=")
                .and_then(|(_, n)| n.parse().ok())
                .unwrap_or(0);
            let links: String = (1..=5)
                .map(|k| format!(r#"<a href="/calendar?page={}">next</a>"#, n * 5 + k))
                .collect();
            html(200, &[], format!(r#"{links}<a href="/about">about</a>"#))
        } else {
            html(200, &[], "<p>about</p>")
        }
    });
    let dir = site_dir(&format!(
        r#"[[target]]
name = "trap"
url = "http://www.trap.test:{}/"
max_pages = 200
max_depth = 50
delay_ms = 0
concurrency = 4
max_queries_per_path = 7
"#,
        server.port
    ));
    let argv = server.argv(&["audit"], &["www.trap.test"]);
    let run = finish(spawn(dir.path(), &argv), Duration::from_secs(120));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    let pages = report["targets"][0]["crawl"]["pages"]
        .as_array()
        .expect("pages");
    let calendar = pages
        .iter()
        .filter(|p| p["url"].as_str().is_some_and(|u| u.contains("/calendar?")))
        .count();
    assert_eq!(calendar, 7, "{pages:#?}");
    assert!(
        pages
            .iter()
            .any(|p| p["url"].as_str().is_some_and(|u| u.ends_with("/about")))
    );
}

/// A portal behind basic auth (`user:pass@` in the target's URL) and links carrying
/// credentials: the crawl uses them, no report, summary or log line shows them.
#[test]
fn credentials_in_urls_never_reach_reports_or_logs() {
    let server = Server::start(|_host, path, headers| {
        let port = request_port(headers);
        let authorised = headers.get("authorization").is_some();
        match path {
            "/" if authorised => html(
                200,
                &[("set-cookie", b"authed=1; Path=/")],
                format!(
                    r#"<a href="http://linkuser:LinkPassw0rd@www.staging.test:{port}/inner">in</a>"#
                ),
            ),
            "/" => html(401, &[], "who are you?"),
            _ => html(200, &[], "<p>inner</p>"),
        }
    });
    let dir = site_dir(&format!(
        r#"[[target]]
name = "staging"
url = "http://auditor:TargetPassw0rd@www.staging.test:{}/"
delay_ms = 0
"#,
        server.port
    ));
    let argv = server.argv(&["audit", "-vv"], &["www.staging.test"]);
    let run = finish(spawn(dir.path(), &argv), Duration::from_secs(120));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    let target = &report["targets"][0];
    assert_eq!(target["observed"][0]["name"], "authed", "credentials used");
    assert!(
        target["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://***@www.staging.test:")),
        "{}",
        target["url"]
    );
    let json = std::fs::read_to_string(dir.path().join("reports/latest.json")).expect("json");
    let html = std::fs::read_to_string(dir.path().join("reports/latest.html")).expect("html");
    assert!(run.stderr.contains("www.staging.test"), "URLs are logged");
    for (what, text) in [
        ("json", &json),
        ("html", &html),
        ("stdout", &run.stdout),
        ("stderr", &run.stderr),
    ] {
        for secret in ["TargetPassw0rd", "LinkPassw0rd", "auditor:", "linkuser:"] {
            assert!(!text.contains(secret), "{secret} leaked into {what}");
        }
    }
}

fn values_portal() -> Server {
    Server::start(|_host, _path, _headers| {
        html(
            200,
            &[
                ("set-cookie", b"sessionid=ValueS3cr3t; Path=/; HttpOnly"),
                ("set-cookie", b"Br0kenNoEquals"),
            ],
            "<p>hello</p>",
        )
    })
}

/// Cookie values stay out of reports unless `--record-values` asks for them, and then the
/// report's header says so.
#[test]
fn cookie_values_are_kept_only_with_record_values() {
    for record in [false, true] {
        let server = values_portal();
        let dir = site_dir(&format!(
            "[[target]]\nname = \"p\"\nurl = \"http://www.values.test:{}/\"\nmax_pages = 1\n",
            server.port
        ));
        let mut argv = args(&["audit", "-vv"]);
        if record {
            argv.push("--record-values".into());
        }
        argv.extend(server.resolve_args(&["www.values.test"]));
        let run = finish(spawn(dir.path(), &argv), Duration::from_secs(120));
        assert_eq!(run.code, 0, "{}", run.stderr);
        let json = std::fs::read_to_string(dir.path().join("reports/latest.json")).expect("json");
        let html = std::fs::read_to_string(dir.path().join("reports/latest.html")).expect("html");
        let report: Value = serde_json::from_str(&json).expect("json");
        assert_eq!(report["run"]["values_recorded"], record);
        let cookie = &report["targets"][0]["observed"][0];
        assert_eq!(cookie["value_length"], 11);
        let malformed = &report["targets"][0]["malformed_set_cookies"][0]["raw"];
        if record {
            assert_eq!(cookie["value"], "ValueS3cr3t");
            assert_eq!(malformed, "Br0kenNoEquals");
            assert!(html.contains("Cookie values recorded"));
            assert!(html.contains("ValueS3cr3t"));
        } else {
            assert_eq!(cookie.get("value"), None);
            assert_eq!(malformed, "[14 bytes]");
            for (what, text) in [("json", &json), ("html", &html), ("stderr", &run.stderr)] {
                assert!(!text.contains("ValueS3cr3t"), "value leaked into {what}");
                assert!(
                    !text.contains("Br0ken"),
                    "malformed value leaked into {what}"
                );
            }
            assert!(!html.contains("Cookie values recorded"));
        }
    }
}

/// An `--out` that cannot be created is refused before anything is crawled.
#[test]
fn an_unwritable_out_is_refused_before_crawling() {
    let requests = Arc::new(Mutex::new(0u32));
    let counted = requests.clone();
    let server = Server::start(move |_host, _path, _headers| {
        *counted.lock().expect("count") += 1;
        html(200, &[], "<p>hi</p>")
    });
    let dir = site_dir(&format!(
        "[[target]]\nname = \"p\"\nurl = \"http://www.out.test:{}/\"\n",
        server.port
    ));
    std::fs::write(dir.path().join("a-file"), "not a folder").expect("file");
    let argv = server.argv(&["audit", "--out", "a-file/reports"], &["www.out.test"]);
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot write to the reports folder a-file/reports"),
        "{}",
        run.stderr
    );
    assert_eq!(*requests.lock().expect("count"), 0, "nothing crawled");
}

/// The disk fills up while the report is written (a file-size limit stands in for it): the
/// error is clear, the run exits 3, the previous `latest.*` are intact and no half file or
/// empty run folder is left behind.
#[test]
fn a_full_disk_while_writing_keeps_the_previous_latest_intact() {
    let server = Server::start(|_host, _path, _headers| {
        let mut response = html(200, &[], "<p>many cookies</p>");
        for i in 0..200 {
            response.headers_mut().append(
                "set-cookie",
                format!("cookie_number_{i}=v; Path=/; Max-Age=600")
                    .parse()
                    .expect("header"),
            );
        }
        response
    });
    let argv = server.argv(&["audit"], &["www.full.test"]);
    let (dir, first) = audit_site(
        &format!(
            "[[target]]\nname = \"p\"\nurl = \"http://www.full.test:{}/\"\nmax_pages = 1\n",
            server.port
        ),
        &argv,
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    let latest_json = std::fs::read(dir.path().join("reports/latest.json")).expect("json");
    let latest_html = std::fs::read(dir.path().join("reports/latest.html")).expect("html");
    assert!(
        latest_json.len() > 64 * 1024,
        "the report outgrows the limit"
    );

    // Writes beyond 16 KiB fail with EFBIG instead of killing the process (SIGXFSZ).
    let output = with_rlimit(&mut binary(dir.path(), &argv), Rlimit::FileSize, 16 * 1024)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(stderr.contains("report could not be written"), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("reports/latest.json")).expect("json"),
        latest_json
    );
    assert_eq!(
        std::fs::read(dir.path().join("reports/latest.html")).expect("html"),
        latest_html
    );
    let left: Vec<String> = std::fs::read_dir(dir.path().join("reports"))
        .expect("reports")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("latest") && name != ".cookie-audit.lock")
        .collect();
    assert_eq!(left.len(), 1, "only the first run's folder: {left:?}");
}

/// Many targets under a low file-descriptor limit: sockets are bounded by the run (targets in
/// parallel, each session's connections closed when its target is done), so every target is
/// audited.
#[test]
fn many_targets_fit_in_a_small_file_descriptor_limit() {
    const TARGETS: usize = 150;
    let server = Server::start(|_host, _path, _headers| {
        html(
            200,
            &[("set-cookie", b"sid=1; Path=/")],
            r#"<a href="/a">a</a><a href="/b">b</a>"#,
        )
    });
    let (dir, hosts) = numbered_site(
        "portal",
        TARGETS,
        server.port,
        // All 150 hosts are on 127.0.0.1: the budget per address is lifted, this is about sockets.
        "delay_ms = 0\nmax_pages = 3\nconcurrency = 2\nmax_requests_per_second_per_ip = 100000",
    );
    let argv = server.argv(
        &[
            "audit",
            "--parallel-targets",
            "8",
            "--max-connections",
            "16",
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
}

/// With one target at a time, targets are audited in the order of targets.toml: every request
/// of a target comes before any request of the next.
#[test]
fn targets_take_their_turns_in_the_order_given() {
    const TARGETS: usize = 12;
    let hosts_asked = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = hosts_asked.clone();
    let server = Server::start(move |host, _path, _headers| {
        log.lock().expect("log").push(host.to_string());
        html(
            200,
            &[("set-cookie", b"sid=1; Path=/")],
            r#"<a href="/a">a</a>"#,
        )
    });
    let (dir, hosts) = numbered_site("turn", TARGETS, server.port, "delay_ms = 0\nmax_pages = 2");
    let argv = server.argv(&["audit", "--parallel-targets", "1"], &hosts);
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let mut turns: Vec<String> = hosts_asked.lock().expect("log").clone();
    turns.dedup();
    assert_eq!(turns, hosts, "each host once, in the order given");
}

/// A run where nothing could be audited (the portal down) does not become `latest`: the next
/// `--against-latest` compares with the last run that audited it, so nothing is lost between.
#[test]
fn a_failed_run_leaves_latest_to_the_last_complete_one() {
    let server = Server::start(|_host, _path, _headers| {
        html(200, &[("set-cookie", b"sid=1; Path=/")], "<p>up</p>")
    });
    let dir = site_dir(&format!(
        "[[target]]\nname = \"p\"\nurl = \"http://www.flaky.test:{}/\"\nmax_pages = 1\n",
        server.port
    ));
    let up = server.argv(&["audit"], &["www.flaky.test"]);
    let first = cookie_audit(dir.path(), &up);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let good = latest_report(dir.path())["run"]["id"].clone();

    // The same name sent to an address where nothing listens: the target fails.
    let down = args(&[
        "audit",
        "--resolve",
        &format!("www.flaky.test:{}:127.0.0.2", server.port),
    ]);
    let failed = cookie_audit(dir.path(), &down);
    assert_eq!(failed.code, 3, "{}", failed.stderr);
    assert!(
        failed
            .stdout
            .contains("latest:  unchanged (no target could be audited"),
        "{}",
        failed.stdout
    );
    assert_eq!(latest_report(dir.path())["run"]["id"], good);
    assert_eq!(
        newest_run_report(dir.path())["targets"][0]["status"],
        "failed"
    );

    let mut against = up.clone();
    against.push("--against-latest".into());
    let third = cookie_audit(dir.path(), &against);
    assert_eq!(third.code, 0, "{}", third.stderr);
    let report = latest_report(dir.path());
    assert_eq!(
        report["changes"]["old_run"], good,
        "compared with the last good run"
    );
    assert_eq!(report["changes"]["new_run"], report["run"]["id"]);
}
