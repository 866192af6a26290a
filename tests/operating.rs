//! Operating a run: progress bars only on a terminal, JSON logs for cron and log shippers,
//! shards from a Kubernetes indexed Job, a plain list of URLs as targets, and the mistakes in
//! targets.toml and `--resolve` that are said before anything is fetched.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use serde_json::Value;

fn portal() -> Server {
    Server::start(|host, path, _headers| match path {
        "/" => html(
            200,
            &[("set-cookie", b"sessionid=x; Path=/; HttpOnly")],
            format!(r#"<a href="/a">a</a> <a href="/b">b</a> <p>{host}</p>"#),
        ),
        _ => html(200, &[], "<p>page</p>"),
    })
}

/// A site of four targets, `t0`… `t3` on `www.t0.test`… at `port`; with their host names.
fn four_targets(port: u16) -> (tempfile::TempDir, Vec<String>) {
    numbered_site("t", 4, port, "delay_ms = 0\nmax_pages = 3")
}

fn names(report: &Value) -> Vec<&str> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect()
}

/// Bars on a terminal (a pseudo-terminal made by `script`), none when stderr is a pipe.
#[test]
fn progress_bars_show_on_a_terminal_only() {
    let server = portal();
    let (dir, hosts) = four_targets(server.port);
    let argv = server.argv(&["audit"], &hosts);

    let piped = cookie_audit(dir.path(), &argv);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(!piped.stderr.contains("targets,"), "{}", piped.stderr);
    assert!(
        !piped.stderr.contains('\u{1b}'),
        "no terminal codes in a pipe"
    );

    let command_line = std::iter::once(env!("CARGO_BIN_EXE_cookie-audit").to_string())
        .chain(argv)
        .collect::<Vec<_>>()
        .join(" ");
    let on_terminal = Command::new("script")
        .args(["-qec", &command_line, "/dev/null"])
        .current_dir(dir.path())
        .output()
        .expect("script (util-linux) runs the command on a pseudo-terminal");
    let screen = String::from_utf8_lossy(&on_terminal.stdout);
    assert_eq!(on_terminal.status.code(), Some(0), "{screen}");
    assert!(screen.contains("targets,"), "the overall bar: {screen}");
    assert!(screen.contains("/4 targets"), "{screen}");
    // The summary still comes, after the bars.
    assert!(screen.contains("audited  t3"), "{screen}");
}

/// `--log-format json`: every stderr line is one JSON object, messages for people included.
#[test]
fn json_logs_are_one_object_per_line() {
    let server = portal();
    let port = server.port;
    let closed = closed_port();
    let dir = site_dir(&format!(
        "[defaults]\ndelay_ms = 0\nmax_pages = 2\n\n[[target]]\nname = \"ok\"\n\
         url = \"http://www.ok.test:{port}/\"\n\n[[target]]\nname = \"down\"\n\
         url = \"http://127.0.0.1:{closed}/\"\n"
    ));
    let argv = server.argv(
        &["audit", "--log-format", "json", "-v", "--fail-on", "info"],
        &["www.ok.test"],
    );
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 3, "{}", run.stderr);
    for line in &lines {
        assert!(
            line["level"].is_string() && line["timestamp"].is_string(),
            "{line}"
        );
    }
    let messages: Vec<&str> = lines.iter().filter_map(|l| l["message"].as_str()).collect();
    assert!(
        messages.iter().any(|m| m.starts_with("exit 1:")),
        "the exit message is a log event too: {messages:?}"
    );
    assert!(
        lines.iter().any(|l| l["message"]
            == "target failed: cannot connect: Connection refused (os error 111)"
            || l["message"]
                .as_str()
                .is_some_and(|m| m.contains("target failed"))),
        "{messages:?}"
    );
}

/// `--shards N` takes its index from `JOB_COMPLETION_INDEX`, as a Kubernetes indexed Job sets
/// it; the shards' reports merge into the whole run; without the index it is a usage error.
#[test]
fn shards_of_an_indexed_job_merge_into_the_whole_run() {
    let server = portal();
    let (dir, hosts) = four_targets(server.port);
    let mut paths = Vec::new();
    for index in ["0", "1"] {
        let out = format!("shard-{index}");
        let argv = server.argv(&["audit", "--shards", "2", "--out", &out], &hosts);
        let run = cookie_audit_with_env(
            dir.path(),
            &argv,
            &[("JOB_COMPLETION_INDEX", OsStr::new(index))],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(&out).join("latest.json")).expect("json"),
        )
        .expect("valid");
        let expected = if index == "0" {
            ["t0", "t2"]
        } else {
            ["t1", "t3"]
        };
        assert_eq!(names(&report), expected);
        paths.push(format!("{out}/latest.json"));
    }
    let merged = cookie_audit(
        dir.path(),
        &args(&["merge", &paths[0], &paths[1], "-o", "merged.json"]),
    );
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("merged.json")).expect("merged"),
    )
    .expect("valid");
    assert_eq!(report["totals"]["audited"], 4);

    let argv = server.argv(&["audit", "--shards", "2"], &hosts);
    let output = binary(dir.path(), &argv)
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("JOB_COMPLETION_INDEX"));
}

/// `--targets-list`: one URL per line, comments and blank lines skipped, `[defaults]` of
/// targets.toml applied (its targets left out); a bad line is named with its line number.
#[test]
fn a_plain_list_of_urls_is_a_run_with_the_defaults_of_targets_toml() {
    let server = portal();
    let port = server.port;
    let dir = site_dir(&format!(
        "[defaults]\ndelay_ms = 0\nmax_pages = 1\n\n[[target]]\nname = \"not-in-the-list\"\n\
         url = \"http://www.other.test:{port}/\"\n"
    ));
    std::fs::write(
        dir.path().join("portals.txt"),
        format!("# nightly list\nhttp://www.one.test:{port}/\n\n  http://www.two.test:{port}/  \n"),
    )
    .expect("list");
    let argv = server.argv(
        &["audit", "--targets-list", "portals.txt"],
        &["www.one.test", "www.two.test", "www.other.test"],
    );
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    assert_eq!(names(&report), ["www.one.test", "www.two.test"]);
    for target in report["targets"].as_array().expect("targets") {
        assert_eq!(
            target["crawl"]["pages"].as_array().map(Vec::len),
            Some(1),
            "max_pages from [defaults]"
        );
    }

    std::fs::write(
        dir.path().join("bad.txt"),
        format!("http://www.one.test:{port}/\nwww.two.test\n"),
    )
    .expect("list");
    let argv = server.argv(&["audit", "--targets-list", "bad.txt"], &["www.one.test"]);
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("bad.txt:2:1"), "{}", run.stderr);
    assert!(
        run.stderr.contains("not an absolute http(s) URL"),
        "{}",
        run.stderr
    );
}

/// `-q`, for cron: a run where all went well prints nothing at all; a failed target, findings
/// at or above `--fail-on`, say so on stderr in a few lines with where the report is, and
/// stdout stays empty whatever happens.
#[test]
fn quiet_runs_print_nothing_unless_something_is_wrong() {
    let server = portal();
    let port = server.port;
    let closed = closed_port();
    let ok = "[defaults]\ndelay_ms = 0\nmax_pages = 2\n\n[[target]]\nname = \"ok\"\n\
              url = \"http://www.ok.test:{port}/\"\n";
    let dir = site_dir(&ok.replace("{port}", &port.to_string()));
    let quiet = |extra: &[&str]| {
        let mut list = vec!["audit", "-q"];
        list.extend(extra);
        cookie_audit(dir.path(), &server.argv(&list, &["www.ok.test"]))
    };

    let calm = quiet(&[]);
    assert_eq!(calm.code, 0, "{}", calm.stderr);
    assert_eq!((calm.stdout.as_str(), calm.stderr.as_str()), ("", ""));

    // No charter: a high finding.
    let findings = quiet(&["--fail-on", "high"]);
    assert_eq!(findings.code, 1, "{}", findings.stderr);
    assert_eq!(findings.stdout, "");
    let lines: Vec<&str> = findings.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", findings.stderr);
    assert!(
        lines[0].starts_with("report: ") && lines[0].ends_with("report.json"),
        "{}",
        findings.stderr
    );
    assert!(
        lines[1].starts_with("exit 1: ") && lines[1].contains("--fail-on high"),
        "{}",
        findings.stderr
    );

    // The same for a log shipper: the exit line is a JSON event, not filtered out as a warning.
    let json = quiet(&["--fail-on", "high", "--log-format", "json"]);
    assert_eq!(json.code, 1);
    assert_eq!(json.stdout, "");
    let messages: Vec<String> = json
        .stderr
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter_map(|l| l["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        messages.iter().any(|m| m.starts_with("exit 1: ")),
        "{messages:?}"
    );

    // A portal down: its line and the report's place, though the exit code is 0.
    let with_down = format!(
        "{}\n[[target]]\nname = \"down\"\nurl = \"http://127.0.0.1:{closed}/\"\n",
        ok.replace("{port}", &port.to_string())
    );
    std::fs::write(dir.path().join("targets.toml"), with_down).expect("targets");
    let down = quiet(&[]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert_eq!(down.stdout, "");
    let lines: Vec<&str> = down.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", down.stderr);
    assert!(
        lines[0].starts_with("failed   down: cannot connect"),
        "{}",
        down.stderr
    );
    assert!(lines[1].starts_with("report: "), "{}", down.stderr);
}

/// A portal that counts the requests it is sent, to show that a run stopped before any.
fn counting_portal() -> (Server, Arc<AtomicUsize>) {
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    let server = Server::start(move |_host, path, _headers| {
        counted.fetch_add(1, Ordering::SeqCst);
        match path {
            "/" => html(
                200,
                &[("set-cookie", b"sessionid=x; Path=/")],
                "<p>home</p>",
            ),
            _ => html(404, &[], "<p>none</p>"),
        }
    });
    (server, requests)
}

/// A local charter path that names no file is a mistake in targets.toml like any other: exit 2
/// with the file, line and the path tried (resolved against the folder of targets.toml), before
/// any request; with the path fixed, the same run reads the charter.
#[test]
fn a_mistyped_local_charter_stops_the_run_before_anything_is_fetched() {
    let (server, requests) = counting_portal();
    let port = server.port;
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("conf");
    std::fs::create_dir(&conf).expect("conf");
    std::fs::write(
        conf.join("cookies.html"),
        "<table><tr><th>Nom</th><th>Finalité</th></tr>\
         <tr><td>sessionid</td><td>session</td></tr></table>",
    )
    .expect("charter");
    let toml = |charter: &str| {
        format!(
            "[defaults]\ndelay_ms = 0\nmax_pages = 1\n\n[[target]]\nname = \"portal\"\n\
             url = \"http://www.portal.test:{port}/\"\ncharter = \"{charter}\"\n"
        )
    };
    std::fs::write(conf.join("targets.toml"), toml("cookeis.html")).expect("targets");
    let argv = server.argv(
        &["audit", "--targets", "conf/targets.toml"],
        &["www.portal.test"],
    );
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let tried = Path::new("conf").join("cookeis.html");
    assert!(
        run.stderr.contains(&format!(
            "conf/targets.toml:8:11: `charter` file {} does not exist",
            tried.display()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `cookies.html`?"),
        "{}",
        run.stderr
    );
    assert_eq!(requests.load(Ordering::SeqCst), 0, "nothing is fetched");
    assert!(!dir.path().join("reports").exists(), "no report is written");

    std::fs::write(conf.join("targets.toml"), toml("cookies.html")).expect("targets");
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    assert_charter_status(&report["targets"][0]["charter"], "parsed");
}

/// `--resolve` with a Unicode host name matches the target's URL, whose host the URL parser
/// turned into punycode: the run reaches the local server instead of looking the name up.
#[test]
fn a_unicode_resolve_host_reaches_its_target() {
    let (server, requests) = counting_portal();
    let port = server.port;
    let dir = site_dir(&format!(
        "[defaults]\ndelay_ms = 0\nmax_pages = 1\n\n[[target]]\nname = \"bruxelles\"\n\
         url = \"http://bruxellés.test:{port}/\"\n"
    ));
    let argv = server.argv(&["audit"], &["bruxellés.test"]);
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stderr.contains("no target starts on"),
        "{}",
        run.stderr
    );
    let report = latest_report(dir.path());
    assert_eq!(report["targets"][0]["status"], "audited", "{report:#}");
    assert!(requests.load(Ordering::SeqCst) > 0);
}

/// A `--resolve` rule that no target starts on (a typo in the host, the wrong port) is said once
/// per rule, with what was checked; rules that a target starts on are not.
#[test]
fn a_resolve_rule_no_target_starts_on_is_warned_about() {
    let (server, _requests) = counting_portal();
    let port = server.port;
    let dir = site_dir(&format!(
        "[defaults]\ndelay_ms = 0\nmax_pages = 1\n\n[[target]]\nname = \"portal\"\n\
         url = \"http://www.portal.test:{port}/\"\n"
    ));
    let mut argv = server.argv(&["audit"], &["www.portal.test", "www.protal.test"]);
    argv.extend(args(&["--resolve", "www.portal.test:8443:127.0.0.1"]));
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("no target starts on"))
        .collect();
    assert_eq!(warnings.len(), 2, "{}", run.stderr);
    assert!(
        warnings[0].starts_with(&format!(
            "warning: --resolve www.protal.test:{port}:127.0.0.1: no target starts on \
             www.protal.test:{port}"
        )),
        "{}",
        run.stderr
    );
    assert!(
        warnings[1].starts_with(
            "warning: --resolve www.portal.test:8443:127.0.0.1: no target starts on \
             www.portal.test:8443"
        ),
        "{}",
        run.stderr
    );
}

/// The soft limit on open files is raised to the hard one at start, as servers do, so that a
/// run of many targets is bound by politeness rather than by a default of 1024 descriptors.
#[test]
fn the_open_files_soft_limit_is_raised_to_the_hard_one() {
    use std::os::unix::process::CommandExt;
    let server = Server::start(|_host, _path, _headers| html(200, &[], "<p>ok</p>"));
    let dir = site_dir(&format!(
        "[[target]]\nname = \"p\"\nurl = \"http://www.fd.test:{}/\"\nmax_pages = 1\n",
        server.port
    ));
    let mut command = binary(dir.path(), &server.argv(&["audit", "-v"], &["www.fd.test"]));
    // SAFETY: only setrlimit between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 256,
                rlim_max: 4096,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("soft limit raised from 256 to 4096"),
        "{stderr}"
    );
}
