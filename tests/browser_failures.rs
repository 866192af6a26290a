//! The browser engine when things go wrong around it: Chromium killed mid-run, the whole
//! process group stopped as `timeout` and systemd do, cookie-audit itself killed, and pages
//! whose answer is no document at all (204, 304).
//!
//! Each run is watched by a guard that kills it after two minutes, so a regression fails the
//! test (the run is reported killed) instead of hanging CI.

mod common;

use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::Value;

use common::processes::{descendants, parent_of};
use common::{Server, binary, chromium, html, newest_run_report, site_dir};

/// A portal whose start page links to a page that never answers (the test server's `/never`):
/// only the browser's fate can end its crawl. Returns the server and the paths it is asked for, as they arrive.
fn stuck_portal() -> (Server, Receiver<String>) {
    let (arrived_tx, arrived) = channel::<String>();
    let arrived_tx = std::sync::Mutex::new(arrived_tx);
    let server = Server::start(move |_host, path, _| {
        let _ = arrived_tx.lock().expect("sender").send(path.to_string());
        match path {
            "/" => html(
                200,
                &[("set-cookie", b"early=1; Path=/")],
                r#"<img src="/pixel" alt=""> <a href="/never">never</a>"#,
            ),
            "/pixel" => html(200, &[("content-type", b"image/gif")], "GIF89a"),
            _ => html(404, &[], "not found"),
        }
    });
    (server, arrived)
}

/// Starts an audit of the stuck portal in its own process group, with its own TMPDIR; returns
/// once the browser has read the start page and asked for the page that never answers.
fn start_stuck_audit(dir: &Path, chrome: &Path) -> (Child, Server) {
    let (server, arrived) = stuck_portal();
    std::fs::write(
        dir.join("targets.toml"),
        format!(
            "[[target]]\nname = \"stuck\"\nurl = \"http://www.stuck.test:{}/\"\n\
             engine = \"browser\"\ndelay_ms = 0\nsettle_ms = 0\ntimeout_secs = 600\n\
             target_timeout_secs = 900\n",
            server.port
        ),
    )
    .expect("targets.toml");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let argv = server.argv(
        &["audit", "--chromium", &chrome.display().to_string()],
        &["www.stuck.test"],
    );
    let mut command = binary(dir, &argv);
    command
        .env("TMPDIR", &tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command.spawn().expect("spawn");
    while arrived
        .recv_timeout(Duration::from_secs(60))
        .expect("the browser asks for /never")
        != "/never"
    {}
    (child, server)
}

/// Waits for `child`, killing it if it has not ended within two minutes; returns its exit code
/// (None when the guard had to kill it), stdout and stderr.
fn finish(mut child: Child) -> (Option<i32>, String, String) {
    let pid = child.id() as libc::pid_t;
    let (done_tx, done) = channel::<()>();
    let guard = std::thread::spawn(move || {
        if done.recv_timeout(Duration::from_secs(120)).is_err() {
            // SAFETY: signalling a process we started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stdout);
    }
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    let status = child.wait().expect("wait");
    let _ = done_tx.send(());
    guard.join().expect("guard");
    use std::os::unix::process::ExitStatusExt;
    let code = if status.signal() == Some(libc::SIGKILL) {
        None
    } else {
        status.code()
    };
    (code, stdout, stderr)
}

/// Whether `pid` is gone within `limit`: waits on a pidfd, which becomes readable when the
/// process exits, so nothing polls or sleeps.
fn gone_within(pid: u32, limit: Duration) -> bool {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) } as i32;
    if fd < 0 {
        return true; // already gone (ESRCH)
    }
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd; the descriptor is closed right after.
    let ready = unsafe { libc::poll(&mut poll, 1, limit.as_millis() as i32) };
    unsafe { libc::close(fd) };
    ready == 1
}

/// The Chromium process cookie-audit started (its direct child).
fn chromium_of(pid: u32) -> u32 {
    for child in descendants(pid) {
        let comm = std::fs::read_to_string(format!("/proc/{child}/comm")).unwrap_or_default();
        if parent_of(child) == Some(pid) && comm.trim().starts_with("chrom") {
            return child;
        }
    }
    panic!("no Chromium under cookie-audit (pid {pid})");
}

fn leftover_profiles(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("tmp"))
        .expect("tmp")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_browser_killed_mid_run_fails_its_targets_and_the_run_ends_with_its_report() {
    let Some(chrome) = chromium() else {
        return;
    };
    let dir = site_dir("");
    let (child, _server) = start_stuck_audit(dir.path(), &chrome);
    let browser = chromium_of(child.id());
    // SAFETY: signalling the Chromium this test's run started.
    assert_eq!(
        unsafe { libc::kill(browser as libc::pid_t, libc::SIGKILL) },
        0
    );
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, Some(3), "every target failed\n{stdout}\n{stderr}");
    let report = newest_run_report(dir.path());
    let target = &report["targets"][0];
    assert_eq!(target["status"], "failed", "{target:#}");
    let error = target["error"].as_str().unwrap_or_default();
    assert!(error.contains("browser died"), "{error}");
    assert!(error.contains("signal 9"), "the reason names how: {error}");
    assert!(stdout.contains("browser died"), "{stdout}");
    assert!(!stderr.contains("WS Connection error"), "{stderr}");
    assert!(leftover_profiles(dir.path()).is_empty(), "{stderr}");
    // The lock went with the process: the next run may start (it fails on its own terms).
    let lock = dir.path().join("reports/.cookie-audit.lock");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&lock)
        .expect("lock file");
    assert!(file.try_lock().is_ok(), "the --out lock is free");
}

#[test]
fn sigterm_to_the_whole_process_group_still_writes_the_report() {
    let Some(chrome) = chromium() else {
        return;
    };
    let dir = site_dir("");
    let (child, _server) = start_stuck_audit(dir.path(), &chrome);
    let pid = child.id() as libc::pid_t;
    // What `timeout` does: the process first, then its whole group (Chromium too), so the
    // process sees SIGTERM twice.
    // SAFETY: signalling the process and group this test started.
    unsafe {
        assert_eq!(libc::kill(pid, libc::SIGTERM), 0);
        assert_eq!(libc::kill(-pid, libc::SIGTERM), 0);
    }
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, Some(143), "{stdout}\n{stderr}");
    assert!(!stderr.contains("no report written"), "{stderr}");
    let report = newest_run_report(dir.path());
    assert_eq!(report["run"]["partial"], true);
    assert_eq!(
        report["targets"][0]["observed"][0]["name"], "early",
        "{report:#}"
    );
    assert!(leftover_profiles(dir.path()).is_empty(), "{stderr}");
}

#[test]
fn chromium_dies_with_a_killed_cookie_audit() {
    let Some(chrome) = chromium() else {
        return;
    };
    let dir = site_dir("");
    let (mut child, _server) = start_stuck_audit(dir.path(), &chrome);
    let browsers = descendants(child.id());
    assert!(!browsers.is_empty());
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let survivors: Vec<u32> = browsers
        .into_iter()
        .filter(|&pid| !gone_within(pid, Duration::from_secs(30)))
        .collect();
    for &pid in &survivors {
        // SAFETY: cleaning up what this test started.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
    assert!(
        survivors.is_empty(),
        "Chromium outlived cookie-audit: {survivors:?}"
    );
}

#[test]
fn pages_answering_no_document_do_not_wait_for_one() {
    let Some(chrome) = chromium() else {
        return;
    };
    let server = Server::start(|_host, path, _| match path {
        "/" => html(
            200,
            &[("set-cookie", b"home=1; Path=/")],
            r#"<a href="/empty">a</a> <a href="/unchanged">b</a> <a href="/gone">c</a>"#,
        ),
        "/empty" => html(204, &[("set-cookie", b"empty=1; Path=/")], ""),
        "/unchanged" => html(304, &[], ""),
        "/gone" => html(205, &[], ""),
        _ => html(404, &[], "not found"),
    });
    // Three pages of no document, each waited for until timeout_secs before the fix: the
    // target's own time (less than three of them) ran out and the crawl was cut.
    let dir = site_dir(&format!(
        "[[target]]\nname = \"nodoc\"\nurl = \"http://www.nodoc.test:{}/\"\nengine = \"browser\"\n\
         delay_ms = 0\nsettle_ms = 0\nconcurrency = 1\ntimeout_secs = 20\ntarget_timeout_secs = 45\n",
        server.port
    ));
    let argv = server.argv(
        &["audit", "--chromium", &chrome.display().to_string()],
        &["www.nodoc.test"],
    );
    let child = binary(dir.path(), &argv)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let report = newest_run_report(dir.path());
    let target = &report["targets"][0];
    assert!(
        target["crawl"]["stopped"].is_null(),
        "{:#}",
        target["crawl"]
    );
    let pages = target["crawl"]["pages"].as_array().expect("pages");
    let status_of = |suffix: &str| {
        pages
            .iter()
            .find(|p| p["url"].as_str().unwrap_or_default().ends_with(suffix))
            .map(|p| (p["status"].clone(), p["error"].clone()))
    };
    for (path, status) in [("/empty", 204), ("/unchanged", 304), ("/gone", 205)] {
        assert_eq!(
            status_of(path),
            Some((status.into(), Value::Null)),
            "{path}: {pages:#?}"
        );
    }
    let names: Vec<&str> = target["observed"]
        .as_array()
        .expect("observed")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        names.contains(&"empty"),
        "a 204's cookie is still set: {names:?}"
    );
}
