//! Test helpers: real HTTP servers on 127.0.0.1 and the real binary.
#![allow(dead_code)]
// Each test crate includes this module and uses part of it; nothing here is a library's API.
#![allow(unreachable_pub)]

pub mod processes;
pub mod sampler;

use std::ffi::OsStr;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, Response};
use tempfile::TempDir;

/// A handler: (host without port, path and query, request headers) → response.
pub type Handler = dyn Fn(&str, &str, &HeaderMap) -> Response<Body> + Send + Sync;

/// An HTTP server on 127.0.0.1 that answers every host name given to it by `--resolve`.
pub struct Server {
    /// The port it listens on.
    pub port: u16,
}

impl Server {
    /// Starts `handler` on a free loopback port, in a thread with its own runtime. The listener
    /// is bound before this returns, so the server accepts connections at once.
    pub fn start(
        handler: impl Fn(&str, &str, &HeaderMap) -> Response<Body> + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        Server::serve(listener, handler)
    }

    /// The same on `addr` (another loopback address such as 127.0.0.2, a given port, or
    /// 0.0.0.0 for every address); `None` when it cannot be bound (the port is taken).
    pub fn start_at(
        addr: SocketAddr,
        handler: impl Fn(&str, &str, &HeaderMap) -> Response<Body> + Send + Sync + 'static,
    ) -> Option<Server> {
        let listener = TcpListener::bind(addr).ok()?;
        Some(Server::serve(listener, handler))
    }

    fn serve(
        listener: TcpListener,
        handler: impl Fn(&str, &str, &HeaderMap) -> Response<Body> + Send + Sync + 'static,
    ) -> Server {
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let handler: Arc<Handler> = Arc::new(handler);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = Router::new().fallback(dispatch).with_state(handler);
                axum::serve(listener, app).await.expect("serve");
            });
        });
        Server { port }
    }

    /// `--resolve` arguments sending each of `hosts` to this server.
    pub fn resolve_args(&self, hosts: &[impl AsRef<str>]) -> Vec<String> {
        hosts
            .iter()
            .flat_map(|h| {
                [
                    "--resolve".to_string(),
                    format!("{}:{}:127.0.0.1", h.as_ref(), self.port),
                ]
            })
            .collect()
    }

    /// The arguments `list`, then the `--resolve` arguments sending each of `hosts` here.
    pub fn argv(&self, list: &[&str], hosts: &[impl AsRef<str>]) -> Vec<String> {
        let mut argv = args(list);
        argv.extend(self.resolve_args(hosts));
        argv
    }
}

async fn dispatch(State(handler): State<Arc<Handler>>, request: Request<Body>) -> Response<Body> {
    let host = request
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    if path == "/never" {
        // A page that never answers: the client's timeout must end it. The handler still sees
        // it arrive (its answer is dropped), so a test can act while it is in flight.
        drop(handler(&host, &path, request.headers()));
        std::future::pending::<()>().await;
    }
    handler(&host, &path, request.headers())
}

/// The port a request was sent to, from its `Host` header (handlers build links with it).
pub fn request_port(headers: &axum::http::HeaderMap) -> String {
    headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.rsplit(':').next())
        .unwrap_or("80")
        .to_string()
}

/// A port on which nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    drop(listener);
    addr.port()
}

/// A response builder with a status, headers and an HTML body.
pub fn html(status: u16, headers: &[(&str, &[u8])], body: impl Into<Vec<u8>>) -> Response<Body> {
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(Body::from(body.into()))
        .expect("response");
    for (name, value) in headers {
        let name: axum::http::HeaderName = name.parse().expect("header name");
        let value = axum::http::HeaderValue::from_bytes(value).expect("header value");
        // A Content-Type given replaces the default one; every other header is added.
        if name == axum::http::header::CONTENT_TYPE {
            response.headers_mut().insert(name, value);
        } else {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// A redirect.
pub fn redirect(status: u16, location: &str, headers: &[(&str, &[u8])]) -> Response<Body> {
    let mut response = html(status, headers, "");
    response
        .headers_mut()
        .insert("location", location.parse().expect("location"));
    response
}

/// The result of running the binary.
pub struct Run {
    /// Exit status code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `cookie-audit` with `args` in `dir`.
pub fn cookie_audit(dir: &Path, args: &[String]) -> Run {
    cookie_audit_with_env(dir, args, &[])
}

/// Runs `cookie-audit` with `args` in `dir`, with `env` added to its environment.
pub fn cookie_audit_with_env(dir: &Path, args: &[String], env: &[(&str, &OsStr)]) -> Run {
    let output: Output = binary(dir, args)
        .envs(env.iter().copied())
        .output()
        .expect("run cookie-audit");
    keep_reports(dir);
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The `cookie-audit` command with `args`, to run in `dir`: for a test that spawns it, limits
/// it or changes its environment before it runs.
pub fn binary(dir: &Path, args: &[String]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cookie-audit"));
    command.current_dir(dir).args(args);
    command
}

/// A resource of the binary's process that a test limits, standing in for a full disk or a
/// machine short of file descriptors.
#[derive(Clone, Copy, Debug)]
pub enum Rlimit {
    /// The largest file it may write (`RLIMIT_FSIZE`), in bytes.
    FileSize,
    /// How many files and sockets it may hold open (`RLIMIT_NOFILE`).
    OpenFiles,
}

/// Limits `resource` to `limit` (soft and hard) in the process `command` starts. Under a
/// file-size limit SIGXFSZ is ignored, so a write beyond it fails with EFBIG instead of killing
/// the process.
pub fn with_rlimit(command: &mut Command, resource: Rlimit, limit: libc::rlim_t) -> &mut Command {
    let (resource, ignore_sigxfsz) = match resource {
        Rlimit::FileSize => (libc::RLIMIT_FSIZE, true),
        Rlimit::OpenFiles => (libc::RLIMIT_NOFILE, false),
    };
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if ignore_sigxfsz {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            }
            let limit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(resource, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// With `COOKIE_AUDIT_KEEP_REPORTS=DIR`, copies the run's `latest.json` and `latest.html` into
/// DIR as `NNNN.json` and `NNNN.html` (numbered in run order), so two builds can be compared on
/// the same sites (README, "Comparing reports between builds").
fn keep_reports(dir: &Path) {
    let Some(keep) = std::env::var_os("COOKIE_AUDIT_KEEP_REPORTS") else {
        return;
    };
    let keep = PathBuf::from(keep);
    std::fs::create_dir_all(&keep).expect("create COOKIE_AUDIT_KEEP_REPORTS");
    let n = std::fs::read_dir(&keep).map(|d| d.count()).unwrap_or(0) / 2;
    for ext in ["json", "html"] {
        let from = dir.join(format!("reports/latest.{ext}"));
        if from.exists() {
            std::fs::copy(&from, keep.join(format!("{n:04}.{ext}"))).expect("keep a report");
        }
    }
}

/// Writes `targets.toml` in `dir` and returns its path.
pub fn write_targets(dir: &Path, toml: &str) -> PathBuf {
    let path = dir.join("targets.toml");
    std::fs::write(&path, toml).expect("write targets.toml");
    path
}

/// A new temporary folder holding `targets.toml` with `toml`, where a test runs the binary; it
/// is removed when dropped.
pub fn site_dir(toml: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_targets(dir.path(), toml);
    dir
}

/// Runs `cookie-audit` with `args` in a new [`site_dir`] of `toml`; the folder, with the
/// reports the run wrote, lasts as long as the `TempDir` returned.
pub fn audit_site(toml: &str, args: &[String]) -> (TempDir, Run) {
    let dir = site_dir(toml);
    let run = cookie_audit(dir.path(), args);
    (dir, run)
}

/// A [`site_dir`] of `count` targets, `t0`, `t1`… on `www.{stem}0.test`… at `port`, under
/// `[defaults]` of `defaults`; with their host names in order.
pub fn numbered_site(
    stem: &str,
    count: usize,
    port: u16,
    defaults: &str,
) -> (TempDir, Vec<String>) {
    let hosts: Vec<String> = (0..count).map(|i| format!("www.{stem}{i}.test")).collect();
    let mut toml = format!("[defaults]\n{defaults}\n");
    for (i, host) in hosts.iter().enumerate() {
        toml.push_str(&format!(
            "\n[[target]]\nname = \"t{i}\"\nurl = \"http://{host}:{port}/\"\n"
        ));
    }
    (site_dir(&toml), hosts)
}

/// Asserts that a report's `charter` object has `status`, showing the whole charter if not.
#[track_caller]
pub fn assert_charter_status(charter: &serde_json::Value, status: &str) {
    assert_eq!(charter["status"], status, "{charter:#}");
}

/// Reads `reports/latest.json` under `dir`.
pub fn latest_report(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("reports/latest.json")).expect("latest.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// The newest run folder under `dir/reports` holding a report, whether or not the run became
/// `latest` (interrupted and failed runs do not).
pub fn newest_run_dir(dir: &Path) -> PathBuf {
    let reports = dir.join("reports");
    let mut runs: Vec<PathBuf> = std::fs::read_dir(&reports)
        .expect("reports folder")
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| p.join("report.json").is_file())
        .collect();
    runs.sort();
    runs.pop().expect("a run folder with report.json")
}

/// Reads the report of the newest run folder under `dir/reports` ([`newest_run_dir`]).
pub fn newest_run_report(dir: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(newest_run_dir(dir).join("report.json")).expect("report.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// Strings from a list of args.
pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The Chromium to run, or `None` when this machine has none and the test may be skipped.
pub fn chromium() -> Option<PathBuf> {
    if let Some(chrome) = std::env::var_os("CHROME") {
        // Asked for by name: a wrong path is a mistake to report, not a reason to look elsewhere.
        let chrome = PathBuf::from(chrome);
        assert!(
            chrome.is_file(),
            "CHROME={} is not a file",
            chrome.display()
        );
        return Some(chrome);
    }
    for candidate in ["/usr/lib/chromium/chromium", "/usr/bin/chromium"] {
        if Path::new(candidate).is_file() {
            return Some(PathBuf::from(candidate));
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "no Chromium found (CHROME, /usr/lib/chromium/chromium, /usr/bin/chromium): \
             apt-get install -y chromium"
        );
    }
    eprintln!("skipped: no Chromium (apt-get install -y chromium)");
    None
}

/// A benchmark's extra command-line arguments: the environment variable `name` split at
/// whitespace, none when it is unset.
pub fn env_args(name: &str) -> Vec<String> {
    std::env::var(name)
        .map(|v| v.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

/// A benchmark's knob: the number in the environment variable `name`, else `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The peak RSS in MB that the binary logs at `-v` (`peak_rss_mb=`), NaN when absent. The binary
/// reads its own `VmHWM`: a child's `ru_maxrss` would include the memory of the process that
/// spawned it.
pub fn peak_rss_mb(stderr: &str) -> f64 {
    stderr
        .split("peak_rss_mb=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.trim_matches('"').parse().ok())
        .unwrap_or(f64::NAN)
}

/// The page `/p/N` of a generated site (`pages[N]`) with `headers`, or a 404.
pub fn numbered_page(pages: &[String], path: &str, headers: &[(&str, &[u8])]) -> Response<Body> {
    let page = path
        .strip_prefix("/p/")
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|i| pages.get(i));
    match page {
        Some(body) => html(200, headers, body.clone()),
        None => html(404, &[], "not found"),
    }
}

/// The charter of `tests/fixtures/charters/FILE` as `cookie-audit charter FILE --json` prints
/// it; the command must succeed.
pub fn fixture_charter(file: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/charters")
        .join(file);
    let dir = tempfile::tempdir().expect("tempdir");
    let run = cookie_audit(
        dir.path(),
        &args(&["charter", &path.to_string_lossy(), "--json"]),
    );
    assert_eq!(run.code, 0, "{file}: {}\n{}", run.stdout, run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{file}: {e}: {}", run.stdout))
}

/// A declaration as the end-to-end charter tests compare it: name, match kind, category and
/// duration in seconds.
pub type Declared = (String, String, String, Option<u64>);

/// The declarations of a charter printed by `charter --json`, in order.
pub fn declared(charter: &serde_json::Value) -> Vec<Declared> {
    charter["declared"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|d| {
            let word = |key: &str| d[key].as_str().unwrap_or_default().to_string();
            (
                word("name"),
                word("match"),
                word("category"),
                d["duration_seconds"].as_u64(),
            )
        })
        .collect()
}

/// Asserts that a fixture reads as `parsed`, about `portal`, with exactly `expected`.
pub fn check_charter(file: &str, portal: &str, expected: &[(&str, &str, &str, Option<u64>)]) {
    let charter = fixture_charter(file);
    assert_eq!(charter["status"], "parsed", "{file}: {charter}");
    assert_eq!(charter["portal_url"], portal, "{file}");
    let expected: Vec<Declared> = expected
        .iter()
        .map(|(n, m, c, d)| (n.to_string(), m.to_string(), c.to_string(), *d))
        .collect();
    assert_eq!(declared(&charter), expected, "{file}");
}
