//! Hostile sites end to end: redirect chains, bodies that drip or explode, absurd headers,
//! malformed cookies, mislabelled bytes, markup meant for the report's reader, hosts that cannot
//! be reached and broken configuration files. Every site is a server of this test on 127.0.0.1,
//! reached under a real-looking host name through `--resolve`; the real binary audits it and the
//! test reads the JSON report, the HTML report and the exit code.

mod common;

use std::convert::Infallible;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use common::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `[defaults]` of every run: no politeness delay and one request at a time, so pages are taken
/// in the order their links appear.
const DEFAULTS: &str = "[defaults]\nmax_pages = 30\nmax_depth = 2\nconcurrency = 1\n\
                        delay_ms = 0\ntimeout_secs = 5\n";

/// The fetcher's redirect limit (`MAX_REDIRECTS` in src/crawl/fetch.rs).
const MAX_REDIRECTS: u64 = 10;

// ---------------------------------------------------------------------------------------------
// Running the binary and reading what it wrote

/// One run of `cookie-audit audit` and the reports it wrote.
struct Audit {
    run: Run,
    report: Value,
    json: String,
    html: String,
    _dir: tempfile::TempDir,
}

/// Writes `targets_toml`, audits it with `resolve` (`--resolve` arguments) and reads the reports.
fn audit(targets_toml: &str, resolve: &[String]) -> Audit {
    let mut argv = args(&["audit", "--targets", "targets.toml", "--out", "reports"]);
    argv.extend(resolve.iter().cloned());
    let (dir, run) = audit_site(targets_toml, &argv);
    // The run's own folder: a run where nothing could be audited does not become `latest`.
    let json = read_report(dir.path(), "report.json", &run);
    let report = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("report.json is not valid JSON ({e}):\n{json}"));
    let html = read_report(dir.path(), "report.html", &run);
    Audit {
        run,
        report,
        json,
        html,
        _dir: dir,
    }
}

fn read_report(dir: &Path, file: &str, run: &Run) -> String {
    let runs = dir.join("reports");
    let newest = std::fs::read_dir(&runs)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .starts_with('.')
        })
        .max()
        .unwrap_or(runs);
    std::fs::read_to_string(newest.join(file)).unwrap_or_else(|e| {
        panic!(
            "{file} not readable ({e}); exit {}\nstdout: {}\nstderr: {}",
            run.code, run.stdout, run.stderr
        )
    })
}

impl Audit {
    fn assert_exit(&self, code: i32) {
        assert_eq!(
            self.run.code, code,
            "exit code\nstdout: {}\nstderr: {}",
            self.run.stdout, self.run.stderr
        );
    }

    fn target(&self, name: &str) -> &Value {
        self.report["targets"]
            .as_array()
            .expect("targets is a list")
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| {
                panic!(
                    "no target {name} in the report (stderr: {}): {:#}",
                    self.run.stderr, self.report["targets"]
                )
            })
    }
}

/// The text of a JSON string, "" for anything else (null errors then fail `contains` checks).
fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

fn list(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// The path and query of an absolute URL.
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.find('/').map_or("/", |slash| &rest[slash..])
}

fn find_page<'a>(target: &'a Value, path: &str) -> Option<&'a Value> {
    list(&target["crawl"]["pages"])
        .iter()
        .find(|p| path_of(text(&p["url"])) == path)
}

fn page<'a>(target: &'a Value, path: &str) -> &'a Value {
    find_page(target, path)
        .unwrap_or_else(|| panic!("page {path} not crawled: {:#}", target["crawl"]["pages"]))
}

fn find_cookie<'a>(target: &'a Value, name: &str) -> Option<&'a Value> {
    list(&target["observed"]).iter().find(|c| c["name"] == name)
}

fn cookie<'a>(target: &'a Value, name: &str) -> &'a Value {
    find_cookie(target, name)
        .unwrap_or_else(|| panic!("cookie {name:?} not observed: {:#}", target["observed"]))
}

fn findings<'a>(target: &'a Value, kind: &str) -> Vec<&'a Value> {
    list(&target["findings"])
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

fn malformed_raws(target: &Value) -> Vec<&str> {
    list(&target["malformed_set_cookies"])
        .iter()
        .map(|m| text(&m["raw"]))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Servers

/// Every request a test server answered, as `host` + `path`.
#[derive(Clone, Default)]
struct Requests(Arc<Mutex<Vec<String>>>);

impl Requests {
    fn log(&self, host: &str, path: &str) {
        self.entries().push(format!("{host}{path}"));
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn saw(&self, host_and_path: &str) -> bool {
        self.entries().iter().any(|r| r == host_and_path)
    }

    fn count(&self) -> usize {
        self.entries().len()
    }
}

/// A response with a streamed body.
fn streamed(headers: &[(&str, &[u8])], body: Body) -> Response<Body> {
    let mut response = html(200, headers, "");
    *response.body_mut() = body;
    response
}

/// How a raw server ends a connection once its answer is written.
#[derive(Clone, Copy)]
enum Ending {
    /// An orderly close (FIN).
    Close,
    /// SO_LINGER 0: the kernel sends RST.
    Reset,
}

type RawReply = dyn Fn(&str) -> (Vec<u8>, Ending) + Send + Sync;

/// A bare TCP server on 127.0.0.1 for what axum will not send: it reads each request's head and
/// writes `reply(path)` byte for byte, one request per connection. Returns its port.
fn raw_server(reply: impl Fn(&str) -> (Vec<u8>, Ending) + Send + Sync + 'static) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener
        .set_nonblocking(true)
        .expect("nonblocking listener");
    let port = listener.local_addr().expect("listener address").port();
    let reply: Arc<RawReply> = Arc::new(reply);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime for the raw server");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer_raw(stream, reply.clone()));
            }
        });
    });
    port
}

async fn answer_raw(mut stream: tokio::net::TcpStream, reply: Arc<RawReply>) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let request = String::from_utf8_lossy(&head);
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (bytes, ending) = reply(&path);
    if stream.write_all(&bytes).await.is_err() {
        return;
    }
    match ending {
        Ending::Close => {
            let _ = stream.shutdown().await;
        }
        // Dropping a socket with SO_LINGER 0 resets the connection instead of closing it.
        Ending::Reset => {
            let _ = stream.set_zero_linger();
        }
    }
}

/// A whole raw HTTP/1.1 response: `status` line, `headers` (raw bytes), a body, then close.
fn raw_response(status: &str, headers: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for header in headers {
        out.extend_from_slice(header);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

fn raw_not_found() -> (Vec<u8>, Ending) {
    (raw_response("404 Not Found", &[], b""), Ending::Close)
}

// ---------------------------------------------------------------------------------------------
// 1. Redirect chains

/// A chain /hop/1 → /hop/2 → … → /hop/50 where each hop sets `hopN`.
const HOPS: u64 = 50;

/// A 50-hop redirect chain: the fetcher follows 10 redirects and stops with the reason on the
/// page; every response it received (the 10 redirects followed and the 11th that was not) had
/// its `Set-Cookie` recorded, as a browser stores each hop's cookies; no hop beyond is requested.
#[test]
fn a_fifty_hop_redirect_chain_stops_after_ten_with_every_received_hop_cookie() {
    let requests = Requests::default();
    let log = requests.clone();
    let server = Server::start(move |host, path, _| {
        log.log(host, path);
        let hop = path
            .strip_prefix("/hop/")
            .and_then(|n| n.parse::<u64>().ok());
        match (path, hop) {
            ("/", _) => html(
                200,
                &[],
                r#"<a href="/hop/1">chain</a> <a href="/after">after</a>"#,
            ),
            ("/after", _) => html(200, &[("set-cookie", b"after=1; Path=/")], "after"),
            (_, Some(n)) if (1..HOPS).contains(&n) => {
                let cookie = format!("hop{n}=1; Path=/");
                redirect(
                    302,
                    &format!("/hop/{}", n + 1),
                    &[("set-cookie", cookie.as_bytes())],
                )
            }
            (_, Some(HOPS)) => html(200, &[("set-cookie", b"hop50=1; Path=/")], "the end"),
            _ => html(404, &[], "not found"),
        }
    });
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"hops\"\nurl = \"http://www.hops.test:{}/\"\n",
        server.port
    );
    let audit = audit(&toml, &server.resolve_args(&["www.hops.test"]));
    audit.assert_exit(0);
    let hops = audit.target("hops");
    assert_eq!(hops["status"], "audited");

    let chain = page(hops, "/hop/1");
    assert_eq!(chain["redirects"], MAX_REDIRECTS, "{chain}");
    assert!(
        text(&chain["error"]).contains("more than 10 redirects"),
        "{chain}"
    );
    // The last response received was the 11th, itself a redirect.
    let received = MAX_REDIRECTS + 1;
    assert_eq!(chain["status"], 302, "{chain}");
    assert_eq!(
        path_of(text(&chain["final_url"])),
        format!("/hop/{received}")
    );

    for n in 1..=received {
        let hop = cookie(hops, &format!("hop{n}"));
        assert_eq!(path_of(text(&hop["set_by"])), format!("/hop/{n}"));
        assert_eq!(path_of(text(&hop["first_seen_on"])), "/hop/1");
    }
    for n in received + 1..=HOPS {
        assert!(
            find_cookie(hops, &format!("hop{n}")).is_none(),
            "hop{n} was never received"
        );
    }
    assert!(requests.saw(&format!("www.hops.test/hop/{received}")));
    assert!(!requests.saw(&format!("www.hops.test/hop/{}", received + 1)));

    // The crawl went on after the chain.
    assert_eq!(page(hops, "/after")["status"], 200);
    cookie(hops, "after");
    assert!(audit.html.contains("more than 10 redirects"));
}

// ---------------------------------------------------------------------------------------------
// 2. A body that never ends

/// One space every 200 ms, forever: what a tarpit serves.
fn drip_body() -> Body {
    let drops = futures_util::stream::unfold(None, |interval: Option<tokio::time::Interval>| {
        let mut interval =
            interval.unwrap_or_else(|| tokio::time::interval(Duration::from_millis(200)));
        async move {
            interval.tick().await;
            Some((
                Ok::<_, Infallible>(Bytes::from_static(b" ")),
                Some(interval),
            ))
        }
    });
    Body::from_stream(drops)
}

/// A page whose headers come at once and whose body drips one byte per 200 ms forever, with
/// `timeout_secs = 1`: the page is recorded with its status, its cookie and a timeout error,
/// the crawl goes on to the next page, and the run ends with exit 0.
#[test]
fn a_page_that_drips_forever_times_out_and_the_crawl_goes_on() {
    let server = Server::start(|_, path, _| match path {
        "/" => html(
            200,
            &[],
            r#"<a href="/drip">drip</a> <a href="/after">after</a>"#,
        ),
        "/drip" => streamed(&[("set-cookie", b"drip=1; Path=/")], drip_body()),
        "/after" => html(200, &[("set-cookie", b"after=1; Path=/")], "after"),
        _ => html(404, &[], "not found"),
    });
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"tarpit\"\nurl = \"http://www.tarpit.test:{}/\"\n\
         timeout_secs = 1\n",
        server.port
    );
    let audit = audit(&toml, &server.resolve_args(&["www.tarpit.test"]));
    audit.assert_exit(0);
    let tarpit = audit.target("tarpit");
    assert_eq!(tarpit["status"], "audited");

    let drip = page(tarpit, "/drip");
    assert_eq!(drip["status"], 200, "{drip}");
    assert!(text(&drip["error"]).contains("timed out"), "{drip}");
    assert_eq!(drip["truncated"], false);
    cookie(tarpit, "drip");

    let after = page(tarpit, "/after");
    assert_eq!(after["status"], 200);
    assert_eq!(after["error"], Value::Null);
    cookie(tarpit, "after");
    assert!(audit.html.contains("timed out"));
}

// ---------------------------------------------------------------------------------------------
// 3. Huge and explosive bodies

/// The body cap of the bodies test.
const CAP: u64 = 256 * 1024;
/// What each bomb decompresses to.
const BOMB_BYTES: usize = 64 << 20;

fn zeros_compressed_with(mut encoder: impl std::io::Write) {
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..BOMB_BYTES >> 20 {
        encoder.write_all(&zeros).expect("compress into memory");
    }
}

/// 64 MiB of zeros, gzip-compressed (about 64 KiB).
fn gzip_bomb() -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    zeros_compressed_with(&mut encoder);
    Bytes::from(encoder.finish().expect("gzip into memory"))
}

/// 64 MiB of zeros, brotli-compressed (a few dozen bytes).
fn brotli_bomb() -> Bytes {
    let mut encoder = brotli::CompressorWriter::new(Vec::new(), 1 << 16, 5, 24);
    zeros_compressed_with(&mut encoder);
    Bytes::from(encoder.into_inner())
}

/// 40 MiB of `x`, streamed in 1 MiB chunks.
fn forty_mebibytes() -> Body {
    let chunk = Bytes::from(vec![b'x'; 1 << 20]);
    let chunks = (0..40).map(move |_| Ok::<_, Infallible>(chunk.clone()));
    Body::from_stream(futures_util::stream::iter(chunks))
}

/// A 40 MiB page, a gzip bomb and a brotli bomb (64 MiB of zeros each): each body is cut at
/// `max_body_bytes` of decompressed bytes (the bombs are far smaller than the cap compressed,
/// so a cap on the wire would let them through), marked truncated, and each response's cookie
/// is still recorded; the crawl goes on and the run exits 0.
#[test]
fn a_forty_megabyte_page_and_compression_bombs_are_cut_at_the_cap() {
    let (gzip, brotli) = std::thread::scope(|s| {
        let brotli = s.spawn(brotli_bomb);
        (gzip_bomb(), brotli.join().expect("brotli bomb"))
    });
    assert!(gzip.len() < CAP as usize / 2 && brotli.len() < CAP as usize / 2);
    let server = Server::start(move |_, path, _| match path {
        "/" => html(
            200,
            &[],
            r#"<a href="/forty-mib">big</a> <a href="/gzip-bomb">gz</a>
               <a href="/brotli-bomb">br</a> <a href="/after">after</a>"#,
        ),
        "/forty-mib" => streamed(&[("set-cookie", b"big=1; Path=/")], forty_mebibytes()),
        "/gzip-bomb" => html(
            200,
            &[
                ("content-encoding", b"gzip"),
                ("set-cookie", b"gzip_bomb=1; Path=/"),
            ],
            gzip.clone(),
        ),
        "/brotli-bomb" => html(
            200,
            &[
                ("content-encoding", b"br"),
                ("set-cookie", b"brotli_bomb=1; Path=/"),
            ],
            brotli.clone(),
        ),
        "/after" => html(200, &[("set-cookie", b"after=1; Path=/")], "after"),
        _ => html(404, &[], "not found"),
    });
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"bodies\"\nurl = \"http://www.bodies.test:{}/\"\n\
         max_body_bytes = {CAP}\n",
        server.port
    );
    let audit = audit(&toml, &server.resolve_args(&["www.bodies.test"]));
    audit.assert_exit(0);
    let bodies = audit.target("bodies");
    assert_eq!(bodies["status"], "audited");
    for (path, cookie_name) in [
        ("/forty-mib", "big"),
        ("/gzip-bomb", "gzip_bomb"),
        ("/brotli-bomb", "brotli_bomb"),
    ] {
        let cut = page(bodies, path);
        assert_eq!(cut["status"], 200, "{cut}");
        assert_eq!(cut["truncated"], true, "{cut}");
        assert_eq!(cut["bytes"], CAP, "{cut}");
        assert!(text(&cut["error"]).contains("cap"), "{cut}");
        assert_eq!(path_of(text(&cookie(bodies, cookie_name)["set_by"])), path);
    }
    assert_eq!(page(bodies, "/after")["truncated"], false);
    cookie(bodies, "after");
}

// ---------------------------------------------------------------------------------------------
// 4. Absurd headers

/// A 10 KiB cookie value, made of a marker that must never reach a report.
fn huge_value() -> String {
    "HugeValue-".repeat(1024)
}

/// 150 `Set-Cookie` headers on one response, one 10 KiB `Set-Cookie`, and 64 KiB of headers on
/// one response: every cookie is recorded, the 10 KiB value's length is right and the value
/// itself is in neither report, and the run exits 0.
#[test]
fn many_huge_and_heavy_headers_are_all_read() {
    let server = Server::start(|_, path, _| match path {
        "/" => html(
            200,
            &[],
            r#"<a href="/many">many</a> <a href="/huge-cookie">huge</a>
               <a href="/heavy-headers">heavy</a>"#,
        ),
        "/many" => {
            let cookies: Vec<String> = (0..150).map(|i| format!("c{i}=v; Path=/")).collect();
            let headers: Vec<(&str, &[u8])> = cookies
                .iter()
                .map(|c| ("set-cookie", c.as_bytes()))
                .collect();
            html(200, &headers, "many")
        }
        "/huge-cookie" => {
            let huge = format!("huge={}; Path=/", huge_value());
            html(200, &[("set-cookie", huge.as_bytes())], "huge")
        }
        "/heavy-headers" => {
            let filler = "f".repeat(1024);
            let names: Vec<String> = (0..64).map(|i| format!("x-filler-{i}")).collect();
            let mut headers: Vec<(&str, &[u8])> = names
                .iter()
                .map(|name| (name.as_str(), filler.as_bytes()))
                .collect();
            headers.extend([
                ("set-cookie", b"heavy1=1; Path=/".as_slice()),
                ("set-cookie", b"heavy2=1; Path=/".as_slice()),
                ("set-cookie", b"heavy3=1; Path=/".as_slice()),
            ]);
            html(200, &headers, "heavy")
        }
        _ => html(404, &[], "not found"),
    });
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"headers\"\nurl = \"http://www.headers.test:{}/\"\n",
        server.port
    );
    let audit = audit(&toml, &server.resolve_args(&["www.headers.test"]));
    audit.assert_exit(0);
    let target = audit.target("headers");
    assert_eq!(target["status"], "audited");

    for i in 0..150 {
        cookie(target, &format!("c{i}"));
    }

    let huge = cookie(target, "huge");
    assert_eq!(huge["value_length"], huge_value().len());
    let marker = "HugeValue-HugeValue-";
    assert!(!audit.json.contains(marker), "the value is in report.json");
    assert!(!audit.html.contains(marker), "the value is in report.html");

    let heavy = page(target, "/heavy-headers");
    assert_eq!(heavy["status"], 200, "{heavy}");
    assert_eq!(heavy["error"], Value::Null, "{heavy}");
    for name in ["heavy1", "heavy2", "heavy3"] {
        cookie(target, name);
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Malformed Set-Cookie headers

/// Audits one site whose `/cookies` response carries `set_cookies` (raw header values).
fn audit_set_cookies(name: &str, set_cookies: &'static [&'static [u8]]) -> Audit {
    let server = Server::start(move |_, path, _| match path {
        "/" => html(200, &[], r#"<a href="/cookies">cookies</a>"#),
        "/cookies" => {
            let headers: Vec<(&str, &[u8])> =
                set_cookies.iter().map(|c| ("set-cookie", *c)).collect();
            html(200, &headers, "cookies")
        }
        _ => html(404, &[], "not found"),
    });
    let host = format!("www.{name}.test");
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"{name}\"\nurl = \"http://{host}:{}/\"\n",
        server.port
    );
    audit(&toml, &server.resolve_args(&[&host]))
}

/// Malformed `Set-Cookie` variants on one response. A header with no name (`=v`) or no `=`
/// (`novalue`) is kept verbatim as malformed, with a `malformed_set_cookie` finding (Chromium
/// would store both as a nameless cookie; the contract lets the audit list them instead). Every
/// other variant is stored as a browser stores it (RFC 6265bis §5.6): an unparseable `Expires`
/// or `Max-Age` is ignored (a session cookie), the last of two `Max-Age` wins, bytes that are not
/// UTF-8 are kept (shown as U+FFFD), a tab inside a value is part of it; the good cookie beside
/// them is unaffected.
#[test]
fn malformed_set_cookies_are_listed_or_stored_as_a_browser_would() {
    const HEADERS: &[&[u8]] = &[
        b"=v",
        b"novalue",
        b"e1=v; Expires=not a date",
        b"m1=v; Max-Age=abc",
        b"d1=v; Max-Age=60; Max-Age=120",
        b"n\xff=v\xfe",
        b"t1=a\tb",
        b"good=1; Path=/; Max-Age=60",
    ];
    let audit = audit_set_cookies("malformed", HEADERS);
    audit.assert_exit(0);
    let target = audit.target("malformed");
    assert_eq!(target["status"], "audited");

    let raws = malformed_raws(target);
    let flagged: Vec<&str> = findings(target, "malformed_set_cookie")
        .iter()
        .map(|f| text(&f["evidence"]["raw"]))
        .collect();
    // Kept with their values replaced by their length (no `=`: the whole line is a value).
    for nameless in ["=[1 bytes]", "[7 bytes]"] {
        assert!(raws.contains(&nameless), "{nameless} not kept: {raws:?}");
        assert!(
            flagged.contains(&nameless),
            "{nameless} has no finding: {flagged:?}"
        );
    }
    assert!(
        findings(target, "malformed_set_cookie")
            .iter()
            .all(|f| f["severity"] == "low")
    );

    for session in ["e1", "m1"] {
        let c = cookie(target, session);
        assert_eq!(c["session"], true, "{c}");
        assert_eq!(c["lifetime_seconds"], Value::Null, "{c}");
    }
    let twice = cookie(target, "d1");
    assert_eq!(
        twice["lifetime_seconds"], 120,
        "the last Max-Age wins: {twice}"
    );
    assert_eq!(twice["session"], false);
    assert_eq!(cookie(target, "t1")["value_length"], 3);
    // Not UTF-8: stored, the name shown with U+FFFD where the byte was.
    cookie(target, "n\u{fffd}");
    assert_eq!(cookie(target, "good")["lifetime_seconds"], 60);
    // None of them became a cookie of another name.
    assert_eq!(
        list(&target["observed"]).len(),
        6,
        "{:#}",
        target["observed"]
    );
    assert!(audit.html.contains("malformed_set_cookie"));
}

/// `Max-Age` values without a digit: RFC 6265bis §5.6.2 ignores the attribute ("if the first
/// character is neither a DIGIT nor a `-` followed by a DIGIT, ignore the cookie-av"), so each
/// cookie is a session cookie, as in Chromium.
#[test]
fn max_age_without_digits_is_ignored_as_browsers_do() {
    const HEADERS: &[&[u8]] = &[b"empty=v; Max-Age=", b"minus=v; Max-Age=-"];
    let audit = audit_set_cookies("maxage", HEADERS);
    audit.assert_exit(0);
    let target = audit.target("maxage");
    for name in ["empty", "minus"] {
        let c = find_cookie(target, name)
            .unwrap_or_else(|| panic!("{name} not observed: {:#}", target["observed"]));
        assert_eq!(c["session"], true, "{c}");
        assert_eq!(c["lifetime_seconds"], Value::Null, "{c}");
    }
}

/// `Expires` dates browsers read with RFC 6265 §5.1.1's lenient algorithm (tokens in any
/// order, unknown tokens such as `UTC` skipped, full day names): both cookies live until 2099
/// in Chromium and Firefox, so they are persistent, not session cookies.
#[test]
fn expires_dates_are_read_as_browsers_read_them() {
    const HEADERS: &[&[u8]] = &[
        b"utc=v; Expires=Thu, 01 Jan 2099 00:00:00 UTC",
        b"long_day=v; Expires=Thursday, 01-Jan-2099 00:00:00 GMT",
    ];
    let audit = audit_set_cookies("expires", HEADERS);
    audit.assert_exit(0);
    let target = audit.target("expires");
    let fifty_years = 50 * 365 * 86_400;
    for name in ["utc", "long_day"] {
        let c = cookie(target, name);
        assert_eq!(c["session"], false, "{c}");
        assert!(
            c["lifetime_seconds"].as_i64().unwrap_or(0) > fifty_years,
            "{c}"
        );
    }
}

/// A value with a byte that is not UTF-8 (`n\xff=v\xfe`): the site set a 2-byte value and a
/// browser stores 2 bytes, so `value_length` is 2.
#[test]
fn a_value_that_is_not_utf8_is_measured_in_the_bytes_sent() {
    const HEADERS: &[&[u8]] = &[b"n\xff=v\xfe"];
    let audit = audit_set_cookies("bytes", HEADERS);
    audit.assert_exit(0);
    assert_eq!(
        cookie(audit.target("bytes"), "n\u{fffd}")["value_length"],
        2
    );
}

/// A `Set-Cookie` carrying a control character (0x01), which axum refuses to send, so a raw
/// server sends it: RFC 6265bis §5.6 ignores that one header and browsers load the page, so
/// the page is recorded with its status and the two good cookies beside it; the bad one is no
/// cookie.
#[test]
fn a_set_cookie_with_a_control_character_is_skipped_and_its_response_kept() {
    let port = raw_server(|path| match path {
        "/" => (
            raw_response(
                "200 OK",
                &[b"Content-Type: text/html"],
                br#"<a href="/control">control</a>"#,
            ),
            Ending::Close,
        ),
        "/control" => (
            raw_response(
                "200 OK",
                &[
                    b"Content-Type: text/html",
                    b"Set-Cookie: ok1=1; Path=/",
                    b"Set-Cookie: ctl=a\x01b; Path=/",
                    b"Set-Cookie: ok2=1; Path=/",
                ],
                b"control",
            ),
            Ending::Close,
        ),
        _ => raw_not_found(),
    });
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"control\"\nurl = \"http://www.control.test:{port}/\"\n"
    );
    let audit = audit(
        &toml,
        &args(&["--resolve", &format!("www.control.test:{port}:127.0.0.1")]),
    );
    audit.assert_exit(0);
    let target = audit.target("control");
    let control = page(target, "/control");
    assert_eq!(control["status"], 200, "{control}");
    cookie(target, "ok1");
    cookie(target, "ok2");
    assert!(find_cookie(target, "ctl").is_none());
}

/// The charter of the Max-Age overflow test: `big` is declared for 13 months.
const BIG_CHARTER: &str = r#"<!doctype html><html><body><main><h1>Charte cookies</h1>
<table><tr><th>Nom du prestataire</th><th>Nom du cookie</th><th>Finalités</th><th>Durée</th></tr>
<tr><td>Portal</td><td>big</td><td>Mémorise vos préférences</td><td>13 mois</td></tr>
</table></main></body></html>"#;

/// A declared cookie whose `Max-Age` does not fit in 64 bits (`Max-Age=99999999999999999999`):
/// the audit keeps the target, observes the cookie as living far longer than declared and says
/// so in a `lifetime_mismatch` finding.
#[test]
fn a_max_age_beyond_64_bits_on_a_declared_cookie_keeps_its_target() {
    let server = Server::start(|_, path, _| match path {
        "/" => html(
            200,
            &[("set-cookie", b"big=v; Path=/; Max-Age=99999999999999999999")],
            "home",
        ),
        "/charte" => html(200, &[], BIG_CHARTER),
        _ => html(404, &[], "not found"),
    });
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"overflow\"\nurl = \"http://www.overflow.test:{0}/\"\n\
         charter = \"http://www.overflow.test:{0}/charte\"\n",
        server.port
    );
    let audit = audit(&toml, &server.resolve_args(&["www.overflow.test"]));
    audit.assert_exit(0);
    assert_eq!(
        list(&audit.report["targets"]).len(),
        1,
        "{}",
        audit.run.stderr
    );
    let target = audit.target("overflow");
    assert_eq!(target["status"], "audited");
    assert_charter_status(&target["charter"], "parsed");
    let big = cookie(target, "big");
    assert!(
        big["lifetime_seconds"].as_i64().unwrap_or(0) > 400 * 86_400,
        "{big}"
    );
    assert!(
        findings(target, "lifetime_mismatch")
            .iter()
            .any(|f| f["cookie"] == "big"),
        "{:#}",
        target["findings"]
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Mislabelled and undecodable bodies

/// Pseudo-random bytes (NULs and invalid UTF-8 included), the same on every run.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x2545_f491;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// A PNG signature and header followed by noise.
fn png_bytes() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec();
    png.extend(noise(4096));
    png
}

/// Bodies whose bytes and labels disagree: legacy bytes without a charset, invalid UTF-8 under
/// `charset=utf-8`, HTML labelled `application/octet-stream` or `image/png`, a PNG and random
/// bytes labelled `text/html`, and HTML without a Content-Type. No panic, exit 0, every page
/// recorded with its status; links are read where a browser would render the page as HTML
/// (declared HTML, however broken, and unlabelled bytes that sniff as HTML), and not from a
/// body a browser would download or show as an image.
#[test]
fn mislabelled_and_undecodable_bodies_are_read_where_a_browser_would() {
    let server = Server::start(|_, path, _| match path {
        "/" => html(
            200,
            &[],
            r#"<a href="/legacy">legacy</a> <a href="/bad-utf8">bad utf-8</a>
               <a href="/octet">octet</a> <a href="/png-label">png label</a>
               <a href="/png-as-html">png</a> <a href="/noise-as-html">noise</a>
               <a href="/unlabelled">unlabelled</a>"#,
        ),
        // windows-1252 bytes, no charset anywhere: é is 0xE9.
        "/legacy" => html(
            200,
            &[("content-type", b"text/html")],
            b"<p>caf\xe9</p><a href=\"/caf\xe9\">caf\xe9</a>".to_vec(),
        ),
        "/caf%C3%A9" => html(200, &[("set-cookie", b"legacy_link=1; Path=/")], "ok"),
        "/bad-utf8" => html(
            200,
            &[("set-cookie", b"bad_utf8=1; Path=/")],
            b"<p>\xff\xfe\xc3\x28 \xed\xa0\x80</p><a href=\"/after-bad-bytes\">next</a>".to_vec(),
        ),
        "/after-bad-bytes" => html(200, &[("set-cookie", b"after_bad=1; Path=/")], "ok"),
        "/octet" => html(
            200,
            &[
                ("content-type", b"application/octet-stream"),
                ("set-cookie", b"octet=1; Path=/"),
            ],
            r#"<html><a href="/from-octet">download</a></html>"#,
        ),
        "/png-label" => html(
            200,
            &[("content-type", b"image/png")],
            r#"<html><a href="/from-png-label">image</a></html>"#,
        ),
        "/png-as-html" => html(200, &[("set-cookie", b"png=1; Path=/")], png_bytes()),
        "/noise-as-html" => html(200, &[("set-cookie", b"noise=1; Path=/")], noise(64 * 1024)),
        "/unlabelled" => {
            let mut response = html(200, &[], r#"<html><a href="/from-sniffed">sniffed</a>"#);
            response.headers_mut().remove("content-type");
            response
        }
        "/from-octet" | "/from-png-label" | "/from-sniffed" => html(200, &[], "ok"),
        _ => html(404, &[], "not found"),
    });
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"labels\"\nurl = \"http://www.labels.test:{}/\"\n",
        server.port
    );
    let audit = audit(&toml, &server.resolve_args(&["www.labels.test"]));
    audit.assert_exit(0);
    let target = audit.target("labels");
    assert_eq!(target["status"], "audited");
    for path in [
        "/legacy",
        "/bad-utf8",
        "/octet",
        "/png-label",
        "/png-as-html",
        "/noise-as-html",
        "/unlabelled",
    ] {
        let p = page(target, path);
        assert_eq!(p["status"], 200, "{p}");
        assert_eq!(p["error"], Value::Null, "{p}");
    }
    // Legacy bytes read as windows-1252, as browsers do without a declared charset.
    assert_eq!(page(target, "/caf%C3%A9")["status"], 200);
    cookie(target, "legacy_link");
    // Invalid UTF-8 under a UTF-8 label: the bytes around it are still read.
    assert_eq!(page(target, "/after-bad-bytes")["status"], 200);
    cookie(target, "after_bad");
    // Unlabelled bytes that start with markup are sniffed as HTML.
    assert!(find_page(target, "/from-sniffed").is_some());
    // A download and an image are not documents: their markup is not followed…
    assert!(find_page(target, "/from-octet").is_none());
    assert!(find_page(target, "/from-png-label").is_none());
    // …but their cookies count, as do those of binary bodies labelled HTML.
    for name in ["bad_utf8", "octet", "png", "noise"] {
        cookie(target, name);
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Markup meant for the report's reader

/// A charter whose provider and purpose cells hold markup as text.
const HOSTILE_CHARTER: &str = r#"<!doctype html><html><body><main><h1>Charte cookies</h1>
<table><tr><th>Nom du prestataire</th><th>Nom du cookie</th><th>Finalités</th><th>Durée</th></tr>
<tr><td>&lt;img src=x onerror=alert(3)&gt;</td><td>sessionid</td><td>&lt;script&gt;alert(4)&lt;/script&gt;</td><td>Session</td></tr>
<tr><td>Portal</td><td>csrftoken</td><td>Sécurité</td><td>1 an</td></tr>
</table></main></body></html>"#;

/// HTML's escaping of `text` as minijinja writes it.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

/// Markup from the web in every field that reaches the HTML report: cookie names
/// (`<script>alert(1)</script>`, and `<img src` from `<img src=x onerror=alert(2)>=v`), a
/// malformed header, charter cells holding markup as text, a link whose query carries
/// `"><script>`, and error texts quoting a redirect's `Location`. The JSON report parses and
/// holds each payload as data; the HTML report holds each only escaped.
#[test]
fn markup_from_the_web_reaches_the_html_report_only_escaped() {
    let server = Server::start(|_, path, _| match path {
        "/" => html(
            200,
            &[
                ("set-cookie", b"<script>alert(1)</script>=v; Path=/"),
                ("set-cookie", b"<img src=x onerror=alert(2)>=v; Path=/"),
                // Nameless, so malformed; its attributes are kept as sent (the value is not).
                ("set-cookie", b"=v; Path=<script>alert(7)</script>"),
            ],
            r#"<a href="/search?q=&quot;&gt;&lt;script&gt;alert(5)&lt;/script&gt;">search</a>
               <a href="/bad-location">bad</a> <a href="/js-location">js</a>"#,
        ),
        "/bad-location" => redirect(302, "http://<script>alert(6)</script>/", &[]),
        "/js-location" => redirect(302, "javascript:<script>alert(8)</script>", &[]),
        "/cookies/" => html(200, &[], HOSTILE_CHARTER),
        _ => html(200, &[], "ok"),
    });
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"inject\"\nurl = \"http://www.inject.test:{0}/\"\n\
         charter = \"http://www.inject.test:{0}/cookies/\"\n",
        server.port
    );
    let audit = audit(&toml, &server.resolve_args(&["www.inject.test"]));
    audit.assert_exit(0);
    let target = audit.target("inject");
    assert_eq!(target["status"], "audited");

    // Each payload reached the report as data…
    cookie(target, "<script>alert(1)</script>");
    cookie(target, "<img src");
    assert!(
        malformed_raws(target)
            .iter()
            .any(|raw| raw.contains("<script>alert(7)</script>"))
    );
    let charter = &target["charter"];
    assert_charter_status(charter, "parsed");
    let session = list(&charter["declared"])
        .iter()
        .find(|d| d["name"] == "sessionid")
        .unwrap_or_else(|| panic!("sessionid not declared: {charter:#}"));
    assert!(
        text(&session["provider"]).contains("<img src=x onerror=alert(3)>"),
        "{session}"
    );
    assert!(
        text(&session["purpose"]).contains("<script>alert(4)</script>"),
        "{session}"
    );
    assert!(text(&page(target, "/bad-location")["error"]).contains("<script>alert(6)"));
    assert!(text(&page(target, "/js-location")["error"]).contains("<script>alert(8)"));
    // …except in URLs, where the URL parser percent-encodes it.
    find_page(target, "/search?q=%22%3E%3Cscript%3Ealert(5)%3C/script%3E")
        .unwrap_or_else(|| panic!("search page not crawled: {:#}", target["crawl"]["pages"]));
    assert!(!audit.json.contains("<script>alert(5)"));

    // The HTML report shows every payload, escaped, and none of them raw.
    for payload in [
        "<script>alert(1)",
        "<img src",
        "<img src=x onerror=alert(3)",
        "<script>alert(4)",
        "<script>alert(6)",
        "<script>alert(7)",
        "<script>alert(8)",
    ] {
        assert!(
            !audit.html.contains(payload),
            "{payload} is in report.html unescaped"
        );
        assert!(
            audit.html.contains(&escaped(payload)),
            "{payload} is not shown in report.html"
        );
    }
    assert!(!audit.html.contains("<script>alert(5)"));
}

// ---------------------------------------------------------------------------------------------
// 8. Hosts that cannot be reached

/// A host name getaddrinfo refuses before sending any query: a 64-character label.
fn undeliverable_host() -> String {
    format!("{}.example.test", "a".repeat(64))
}

/// A raw server whose `/` answers 200 with `Content-Length: 100000` and a cookie, sends 300
/// bytes and resets the connection.
fn resetting_server() -> u16 {
    raw_server(|path| match path {
        "/" => {
            let mut bytes = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                              Content-Length: 100000\r\nSet-Cookie: before_reset=1; Path=/\r\n\r\n"
                .to_vec();
            bytes.extend_from_slice(&[b'x'; 300]);
            (bytes, Ending::Reset)
        }
        _ => raw_not_found(),
    })
}

/// The failing targets of the unreachable-hosts tests, and their `--resolve` arguments: a
/// closed port, a name that cannot be resolved, and TLS spoken to a plain-HTTP server.
fn unreachable_targets(http_port: u16) -> (String, Vec<String>) {
    let closed = closed_port();
    let toml = format!(
        "[[target]]\nname = \"closed\"\nurl = \"http://closed.example.test:{closed}/\"\n\n\
         [[target]]\nname = \"dns\"\nurl = \"http://{}:{closed}/\"\n\n\
         [[target]]\nname = \"tls\"\nurl = \"https://secure.example.test:{http_port}/\"\n",
        undeliverable_host()
    );
    let resolve = args(&[
        "--resolve",
        &format!("closed.example.test:{closed}:127.0.0.1"),
        "--resolve",
        &format!("secure.example.test:{http_port}:127.0.0.1"),
    ]);
    (toml, resolve)
}

/// Checks the failing targets of [`unreachable_targets`]: each failed with its reason, shown
/// in the HTML report. (That the TLS target's reason says TLS is
/// `a_tls_failure_is_reported_as_one`'s business.)
fn assert_unreachable_targets_failed(audit: &Audit) {
    for (name, reason) in [
        ("closed", "cannot connect: Connection refused"),
        ("dns", "DNS lookup failed"),
        ("tls", ""),
    ] {
        let target = audit.target(name);
        assert_eq!(target["status"], "failed", "{target}");
        let error = text(&target["error"]);
        assert!(
            !error.is_empty() && error.contains(reason),
            "{name}: {error}"
        );
        assert!(
            audit.html.contains(&escaped(error)),
            "{name}'s error is not in report.html: {error}"
        );
    }
}

/// Several hostile targets in one run: a closed port, a host name that cannot be resolved, TLS
/// spoken to a plain-HTTP server (each `failed` with its reason), a start page whose connection
/// is reset mid-body (audited: the page has its status, the reason and its cookie) and a healthy
/// site (audited): exit 0 since some targets were audited.
#[test]
fn unreachable_hosts_fail_their_targets_and_the_others_are_audited() {
    let server = Server::start(|_, path, _| match path {
        "/" => html(200, &[("set-cookie", b"healthy=1; Path=/")], "<p>fine</p>"),
        _ => html(404, &[], "not found"),
    });
    let reset_port = resetting_server();
    let (failing, mut resolve) = unreachable_targets(server.port);
    let toml = format!(
        "{DEFAULTS}\n{failing}\n\
         [[target]]\nname = \"reset\"\nurl = \"http://reset.example.test:{reset_port}/\"\n\n\
         [[target]]\nname = \"healthy\"\nurl = \"http://www.healthy.test:{}/\"\n",
        server.port
    );
    resolve.extend(server.resolve_args(&["www.healthy.test"]));
    resolve.extend(args(&[
        "--resolve",
        &format!("reset.example.test:{reset_port}:127.0.0.1"),
    ]));
    let audit = audit(&toml, &resolve);
    audit.assert_exit(0);
    assert_unreachable_targets_failed(&audit);

    let reset = audit.target("reset");
    assert_eq!(reset["status"], "audited", "{reset}");
    let start = page(reset, "/");
    assert_eq!(start["status"], 200, "{start}");
    assert!(text(&start["error"]).contains("body cut short"), "{start}");
    cookie(reset, "before_reset");

    let healthy = audit.target("healthy");
    assert_eq!(healthy["status"], "audited");
    cookie(healthy, "healthy");
    assert_eq!(audit.report["totals"]["audited"], 2);
    assert_eq!(audit.report["totals"]["failed"], 3);
}

/// The same unreachable targets alone: nothing could be audited, so exit 3, with the report
/// written all the same.
#[test]
fn a_run_where_no_host_can_be_reached_exits_3_with_a_report() {
    let server = Server::start(|_, _, _| html(404, &[], "not found"));
    let (failing, resolve) = unreachable_targets(server.port);
    let audit = audit(&format!("{DEFAULTS}\n{failing}"), &resolve);
    audit.assert_exit(3);
    assert_unreachable_targets_failed(&audit);
    assert_eq!(audit.report["totals"]["audited"], 0);
    assert_eq!(audit.report["totals"]["failed"], 3);
}

/// An `https://` target whose server speaks plain HTTP: rustls gets an HTTP answer to its
/// ClientHello. The target fails with a reason that names TLS, as `describe_error` promises
/// ("what failed (DNS, connection, TLS, timeout)"), so an operator looks at the right layer.
#[test]
fn a_tls_failure_is_reported_as_one() {
    let server = Server::start(|_, _, _| html(404, &[], "not found"));
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"tls\"\nurl = \"https://secure.example.test:{}/\"\n",
        server.port
    );
    let audit = audit(&toml, &server.resolve_args(&["secure.example.test"]));
    audit.assert_exit(3);
    let tls = audit.target("tls");
    assert_eq!(tls["status"], "failed");
    assert!(text(&tls["error"]).contains("TLS"), "{tls}");
}

// ---------------------------------------------------------------------------------------------
// 9. Broken targets.toml

/// Runs the audit on `toml` (`{port}` replaced by a counting server's port) and checks that it
/// was refused: exit 2, stderr pointing at `targets.toml:LINE:` with `message` and a `help:`
/// line containing `help`, no request sent and no report folder written.
fn assert_refused(toml: &str, line: usize, message: &str, help: &str) {
    let requests = Requests::default();
    let log = requests.clone();
    let server = Server::start(move |host, path, _| {
        log.log(host, path);
        html(200, &[("set-cookie", b"crawled=1; Path=/")], "crawled")
    });
    let argv = server.argv(
        &["audit", "--targets", "targets.toml", "--out", "reports"],
        &["www.good.test", "www.other.test"],
    );
    let (dir, run) = audit_site(&toml.replace("{port}", &server.port.to_string()), &argv);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let at = format!("targets.toml:{line}:");
    assert!(run.stderr.contains(&at), "no {at} in: {}", run.stderr);
    assert!(
        run.stderr.contains(message),
        "no {message:?} in: {}",
        run.stderr
    );
    let help_line = run
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("help:"))
        .unwrap_or_else(|| panic!("no help line in: {}", run.stderr));
    assert!(help_line.contains(help), "no {help:?} in: {help_line}");
    assert_eq!(requests.count(), 0, "requests were sent");
    assert!(
        !dir.path().join("reports").exists(),
        "a report folder was written"
    );
}

/// A good target (name on line 9), then a second one (name on line 13, url on line 14) whose
/// last line is `extra` (line 15).
fn with_second_target(extra: &str) -> String {
    format!(
        "{DEFAULTS}\n[[target]]\nname = \"good\"\nurl = \"http://www.good.test:{{port}}/\"\n\n\
         [[target]]\nname = \"other\"\nurl = \"http://www.other.test:{{port}}/\"\n{extra}\n"
    )
}

/// An unknown key (`max_page`): refused at its line, with the key it most likely meant.
#[test]
fn an_unknown_key_is_refused_before_anything_is_fetched() {
    assert_refused(
        &with_second_target("max_page = 3"),
        15,
        "unknown key `max_page`",
        "did you mean `max_pages`?",
    );
}

/// Two targets with one name: refused at the second name, saying where the first one is.
#[test]
fn a_duplicate_target_name_is_refused_before_anything_is_fetched() {
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"good\"\nurl = \"http://www.good.test:{{port}}/\"\n\n\
         [[target]]\nname = \"good\"\nurl = \"http://www.other.test:{{port}}/\"\n"
    );
    assert_refused(
        &toml,
        13,
        "duplicate target name \"good\"",
        "already defined on line 9; give each [[target]] a unique name",
    );
}

/// A URL without its scheme: refused at its line, with a full URL to copy.
#[test]
fn a_bad_url_is_refused_before_anything_is_fetched() {
    let toml = format!(
        "{DEFAULTS}\n[[target]]\nname = \"good\"\nurl = \"http://www.good.test:{{port}}/\"\n\n\
         [[target]]\nname = \"other\"\nurl = \"www.other.test/\"\n"
    );
    assert_refused(
        &toml,
        14,
        "`url` must be an absolute http(s) URL",
        "url = \"https://example.org/\"",
    );
}

/// A number written as a word (`max_pages = "ten"`): refused at its line, asking for a number
/// without quotes.
#[test]
fn a_value_of_the_wrong_type_is_refused_before_anything_is_fetched() {
    assert_refused(
        &with_second_target("max_pages = \"ten\""),
        15,
        "`max_pages` must be a whole number, found the string \"ten\"",
        "write it without quotes or decimals",
    );
}

/// The request counter of the configuration tests does count: the same good target, correctly
/// written, is crawled (so a refused file's zero requests mean something).
#[test]
fn the_configuration_tests_server_counts_requests() {
    let requests = Requests::default();
    let log = requests.clone();
    let server = Server::start(move |host, path, _| {
        log.log(host, path);
        html(200, &[], "crawled")
    });
    let toml = with_second_target("").replace("{port}", &server.port.to_string());
    let audit = audit(
        &toml,
        &server.resolve_args(&["www.good.test", "www.other.test"]),
    );
    audit.assert_exit(0);
    assert!(requests.saw("www.good.test/"));
    assert!(requests.saw("www.other.test/"));
}
