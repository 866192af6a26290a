//! Test helpers: real HTTP servers on 127.0.0.1 and the real binary.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, Response};

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
    pub fn resolve_args(&self, hosts: &[&str]) -> Vec<String> {
        hosts
            .iter()
            .flat_map(|h| {
                [
                    "--resolve".to_string(),
                    format!("{h}:{}:127.0.0.1", self.port),
                ]
            })
            .collect()
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
        // A page that never answers: the client's timeout must end it.
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
    let output: Output = Command::new(env!("CARGO_BIN_EXE_cookie-audit"))
        .current_dir(dir)
        .args(args)
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

/// Reads `reports/latest.json` under `dir`.
pub fn latest_report(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("reports/latest.json")).expect("latest.json");
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
