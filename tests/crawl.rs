//! The HTTP engine end to end: a fake portal on 127.0.0.1, the real binary, the real report.

mod common;

use axum::http::HeaderMap;
use common::*;
use serde_json::Value;

/// `<html><body><a href="/gz-linked">gz</a></body></html>`, gzip-compressed.
const GZIPPED_PAGE: &[u8] = &[
    31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 179, 201, 40, 201, 205, 177, 179, 73, 202, 79, 169, 180, 179,
    73, 84, 200, 40, 74, 77, 179, 85, 210, 79, 175, 210, 205, 201, 204, 203, 78, 77, 81, 178, 75,
    175, 178, 209, 79, 180, 179, 209, 135, 168, 208, 7, 43, 7, 0, 88, 144, 26, 76, 53, 0, 0, 0,
];

/// The portal target's body cap; `/big` is twice as large.
const BODY_CAP: usize = 32 * 1024;

/// A cookie value that must never appear in a report.
const SECRET: &str = "S3cretCsrfValue";

fn portal(port: u16) -> impl Fn(&str, &str, &HeaderMap) -> axum::response::Response + Send + Sync {
    move |host, path, _headers| {
        let origin = format!("http://www.portal.test:{port}");
        match (host, path) {
            ("www.portal.test", "/robots.txt") => html(
                200,
                &[("content-type", b"text/plain")],
                format!("User-agent: *\nDisallow: /private/\n\nSitemap: {origin}/sitemap.xml\n"),
            ),
            ("www.portal.test", "/sitemap.xml") => html(
                200,
                &[("content-type", b"application/xml")],
                format!(
                    "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                     <url><loc>{origin}/pages/from-sitemap/</loc></url></urlset>"
                ),
            ),
            // The start page answers with a redirect hop that sets a cookie.
            ("www.portal.test", "/") => {
                redirect(302, "/pages/home/", &[("set-cookie", b"hop=1; Path=/; HttpOnly")])
            }
            ("www.portal.test", "/pages/home/") => html(
                200,
                &[
                    ("set-cookie", format!("csrftoken={SECRET}; Max-Age=31449600; Path=/; SameSite=Lax").as_bytes()),
                    ("set-cookie", b"django_language=fr; Path=/"),
                ],
                format!(
                    r#"<html><body>
                    <a href="/pages/about/">about</a> <a href="/private/secret">private</a>
                    <a href="/loop-a">loop</a> <a href="/calendar?page=1">calendar</a>
                    <a href="/never">slow</a> <a href="/many-cookies">many</a>
                    <a href="/latin1">latin1</a> <a href="/malformed">malformed</a>
                    <a href="/gzip">gzip</a> <a href="/big">big</a>
                    <a href="http://elsewhere.test/">off-site</a>
                    <img src="http://cdn.tracker.test:{port}/pixel.gif">
                    </body></html>"#
                ),
            ),
            ("www.portal.test", "/gzip") => html(200, &[("content-encoding", b"gzip")], GZIPPED_PAGE),
            ("www.portal.test", "/gz-linked") => html(200, &[("set-cookie", b"gz=1; Path=/")], "ok"),
            ("www.portal.test", "/big") => html(200, &[], "<p>big</p>".repeat(BODY_CAP * 2 / 10)),
            ("www.portal.test", "/pages/about/") => html(200, &[], "<p>about</p>"),
            ("www.portal.test", "/pages/from-sitemap/") => {
                html(200, &[("set-cookie", b"from_sitemap=1; Path=/")], "<p>only in the sitemap</p>")
            }
            ("www.portal.test", "/private/secret") => {
                html(200, &[("set-cookie", b"private=1; Path=/")], "<p>robots say no</p>")
            }
            ("www.portal.test", "/loop-a") => redirect(302, "/loop-b", &[]),
            ("www.portal.test", "/loop-b") => redirect(302, "/loop-a", &[]),
            ("www.portal.test", p) if p.starts_with("/calendar?page=") => {
                let n: u64 = p["/calendar?page=".len()..].parse().unwrap_or(0);
                let links: String = (1..=10)
                    .map(|k| format!("<a href=\"/calendar?page={}\">next</a>", n * 10 + k))
                    .collect();
                html(200, &[], links)
            }
            ("www.portal.test", "/many-cookies") => {
                let mut response = html(200, &[], "<p>many</p>");
                for i in 0..150 {
                    response.headers_mut().append(
                        "set-cookie",
                        format!("c{i}=v; Path=/; Max-Age=60").parse().unwrap(),
                    );
                }
                response
            }
            ("www.portal.test", "/latin1") => html(
                200,
                &[
                    ("content-type", b"text/html; charset=ISO-8859-1"),
                    // A value byte >= 0x80 that is not UTF-8, as some servers send.
                    ("set-cookie", b"latin=caf\xe9; Path=/"),
                ],
                b"<a href=\"/caf\xe9\">caf\xe9</a>".to_vec(),
            ),
            ("www.portal.test", "/caf%C3%A9") => html(200, &[("set-cookie", b"accent=1; Path=/")], "ok"),
            ("www.portal.test", "/malformed") => html(
                200,
                &[
                    ("set-cookie", b"=no-name"),
                    ("set-cookie", b"no-equals-sign"),
                    ("set-cookie", b"good=1; Path=/; Max-Age=abc"),
                ],
                "<p>malformed</p>",
            ),
            ("cdn.tracker.test", "/pixel.gif") => html(
                200,
                &[
                    ("content-type", b"image/gif"),
                    ("set-cookie", b"IDE=tracker; Domain=tracker.test; Path=/; Max-Age=34128000; SameSite=None"),
                ],
                "GIF89a",
            ),
            _ => html(404, &[], "not found"),
        }
    }
}

fn targets(port: u16, closed: u16, extra: &str) -> String {
    format!(
        r#"[defaults]
max_pages = 30
max_depth = 3
# One request at a time: pages finish in the order they are taken, so which pages the budget
# reaches is the same on every run (the frontier's unit tests cover pages finishing out of order).
concurrency = 1
delay_ms = 0
timeout_secs = 1
# The calendar trap must be stopped by max_pages here (tests/resilience.rs has the query budget).
max_queries_per_path = 1000
{extra}

[[target]]
name = "portal"
url = "http://www.portal.test:{port}/"
jurisdiction = "be"
max_body_bytes = {BODY_CAP}

[[target]]
name = "down"
url = "http://127.0.0.1:{closed}/"
"#
    )
}

fn observed<'a>(target: &'a Value, name: &str) -> &'a Value {
    target["observed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("cookie {name} not observed: {:#}", target["observed"]))
}

fn page<'a>(target: &'a Value, suffix: &str) -> Option<&'a Value> {
    target["crawl"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"].as_str().unwrap().ends_with(suffix))
}

fn run_portal(extra_toml: &str, extra_args: &[&str]) -> (Run, Value, tempfile::TempDir) {
    let server = Server::start(portal_handler());
    let mut argv = server.argv(&["audit"], &["www.portal.test", "cdn.tracker.test"]);
    argv.extend(args(extra_args));
    let (dir, run) = audit_site(&targets(server.port, closed_port(), extra_toml), &argv);
    let report = latest_report(dir.path());
    (run, report, dir)
}

// The handler needs the port, known only once the server is bound: it reads it from the Host.
fn portal_handler() -> impl Fn(&str, &str, &HeaderMap) -> axum::response::Response + Send + Sync {
    move |host, path, headers| {
        let port: u16 = request_port(headers).parse().unwrap_or(80);
        portal(port)(host, path, headers)
    }
}

#[test]
fn a_crawl_records_every_cookie_of_every_response() {
    let (run, report, dir) = run_portal("", &[]);
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"]["name"], "cookie-audit");
    assert_eq!(report["run"]["engine"], "http");
    assert_eq!(report["run"]["partial"], false);
    let run_id = report["run"]["id"].as_str().unwrap();
    let in_run_dir =
        std::fs::read(dir.path().join("reports").join(run_id).join("report.json")).unwrap();
    assert_eq!(
        in_run_dir,
        std::fs::read(dir.path().join("reports/latest.json")).unwrap()
    );

    let portal = &report["targets"][0];
    assert_eq!(portal["status"], "audited");
    assert_charter_status(&portal["charter"], "not_found");
    assert_eq!(portal["jurisdiction"], "be");
    let origin = portal["url"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .to_string();

    // The redirect hop's cookie, with the hop's URL.
    let hop = observed(portal, "hop");
    assert_eq!(hop["set_by"], format!("{origin}/"));
    assert_eq!(hop["first_seen_on"], format!("{origin}/"));
    assert_eq!(hop["http_only"], true);
    assert_eq!(hop["session"], true);
    assert_eq!(hop["lifetime_seconds"], Value::Null);

    let csrf = observed(portal, "csrftoken");
    assert_eq!(csrf["lifetime_seconds"], 31_449_600);
    assert_eq!(csrf["session"], false);
    assert_eq!(csrf["same_site"], "Lax");
    assert_eq!(csrf["party"], "first");
    assert_eq!(csrf["source"], "http");
    assert_eq!(csrf["phase"], "none");
    assert_eq!(csrf["value_length"], SECRET.len());
    assert_eq!(csrf["domain"], "www.portal.test");
    assert_eq!(csrf["path"], "/");
    assert_eq!(csrf["set_by"], format!("{origin}/pages/home/"));
    assert_eq!(csrf["declared_as"], Value::Null);

    // The third-party pixel: its own URL as set_by, the page that loaded it as first_seen_on.
    let ide = observed(portal, "IDE");
    assert_eq!(ide["party"], "third");
    assert_eq!(ide["domain"], "tracker.test");
    assert_eq!(ide["host_only"], false);
    assert_eq!(ide["lifetime_seconds"], 34_128_000);
    assert!(
        ide["set_by"]
            .as_str()
            .unwrap()
            .starts_with("http://cdn.tracker.test:")
    );
    // first_seen_on names the page as listed in crawl.pages: "/" (which redirected to the home).
    assert_eq!(ide["first_seen_on"], format!("{origin}/"));
    assert_eq!(
        page(portal, "/").unwrap()["final_url"],
        format!("{origin}/pages/home/")
    );
    assert_eq!(page(portal, "/").unwrap()["redirects"], 1);
    assert!(portal["crawl"]["subresources"].as_u64().unwrap() >= 1);

    // 150 Set-Cookie headers on one response, all read.
    for i in 0..150 {
        observed(portal, &format!("c{i}"));
    }

    // The sitemap's page was visited at depth 1.
    let from_sitemap = page(portal, "/pages/from-sitemap/").expect("sitemap page visited");
    assert_eq!(from_sitemap["depth"], 1);
    observed(portal, "from_sitemap");

    // robots.txt is honoured: the page is listed as not fetched and its cookie never set.
    let private = page(portal, "/private/secret").expect("private page listed");
    assert!(
        private["error"].as_str().unwrap().contains("robots.txt"),
        "{private}"
    );
    assert_eq!(private["status"], Value::Null);
    assert!(
        portal["observed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "private")
    );

    // A redirect loop ends with the reason on the page.
    let looped = page(portal, "/loop-a").expect("loop page listed");
    assert!(
        looped["error"].as_str().unwrap().contains("redirect loop"),
        "{looped}"
    );

    // A page slower than the timeout is recorded as such; the crawl went on.
    let slow = page(portal, "/never").expect("slow page listed");
    assert!(
        slow["error"].as_str().unwrap().contains("timed out"),
        "{slow}"
    );
    assert_eq!(slow["status"], Value::Null);

    // A non-UTF-8 page: its link was read in its own charset and followed.
    assert!(
        page(portal, "/caf%C3%A9").is_some(),
        "{:#}",
        portal["crawl"]["pages"]
    );
    observed(portal, "accent");
    let latin = observed(portal, "latin");
    assert!(latin["value_length"].as_u64().unwrap() >= 4);

    // A compressed page is decoded before its links are read.
    assert!(
        page(portal, "/gz-linked").is_some(),
        "{:#}",
        portal["crawl"]["pages"]
    );
    observed(portal, "gz");

    // A body over the cap is cut there and marked so; the crawl goes on.
    let big = page(portal, "/big").expect("big page listed");
    assert_eq!(big["truncated"], true, "{big}");
    assert_eq!(big["bytes"], BODY_CAP);
    assert!(big["error"].as_str().unwrap().contains("cap"), "{big}");
    assert_eq!(page(portal, "/pages/about/").unwrap()["truncated"], false);

    // Malformed headers are kept, values replaced by their length; a bad Max-Age is ignored as
    // browsers do.
    let malformed: Vec<&str> = portal["malformed_set_cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["raw"].as_str().unwrap())
        .collect();
    assert!(malformed.contains(&"=[7 bytes]"), "{malformed:?}");
    assert!(malformed.contains(&"[14 bytes]"), "{malformed:?}");
    assert_eq!(observed(portal, "good")["session"], true);

    // The link trap is bounded by max_pages; off-site links are never followed.
    let pages = portal["crawl"]["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 30, "the trap fills the budget exactly");
    assert!(
        pages
            .iter()
            .any(|p| p["url"].as_str().unwrap().contains("/calendar?page=1"))
    );
    assert!(
        pages
            .iter()
            .all(|p| !p["url"].as_str().unwrap().contains("elsewhere.test"))
    );
    let depth_max = pages
        .iter()
        .map(|p| p["depth"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(depth_max <= 3);
    assert!(portal["crawl"]["requests"].as_u64().unwrap() > pages.len() as u64);

    // The unreachable target failed cleanly and the run went on.
    let down = &report["targets"][1];
    assert_eq!(down["status"], "failed");
    assert!(
        down["error"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("connect"),
        "{down}"
    );
    assert_eq!(report["totals"]["targets"], 2);
    assert_eq!(report["totals"]["audited"], 1);
    assert_eq!(report["totals"]["failed"], 1);

    // Values are never stored.
    let text = std::fs::read_to_string(dir.path().join("reports/latest.json")).unwrap();
    assert!(!text.contains(SECRET));

    // One summary line per target on stdout.
    assert!(run.stdout.contains("audited  portal"), "{}", run.stdout);
    assert!(run.stdout.contains("failed   down"), "{}", run.stdout);
}

#[test]
fn ignore_robots_fetches_disallowed_pages() {
    let (run, report, _dir) = run_portal("", &["--ignore-robots", "--only", "portal"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let portal = &report["targets"][0];
    assert_eq!(report["targets"].as_array().unwrap().len(), 1);
    assert_eq!(page(portal, "/private/secret").unwrap()["status"], 200);
    observed(portal, "private");
}

#[test]
fn a_run_where_every_target_fails_exits_3_with_a_report() {
    let closed = closed_port();
    let (dir, run) = audit_site(
        &format!("[[target]]\nname = \"down\"\nurl = \"http://127.0.0.1:{closed}/\"\n"),
        &args(&["audit"]),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    // Kept under its run id; not `latest`, which stays the last run that audited something.
    assert!(!dir.path().join("reports/latest.json").exists());
    let report = newest_run_report(dir.path());
    assert_eq!(report["targets"][0]["status"], "failed");
    assert_eq!(report["totals"]["failed"], 1);
}

#[test]
fn a_bad_config_exits_2_naming_file_and_line_and_crawls_nothing() {
    let (dir, run) = audit_site(
        "[defaults]\nmax_pages = 5\n\n[[target]]\nname = \"a\"\nurl = \"https://a.test/\"\nmax_page = 3\n",
        &args(&["audit"]),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("targets.toml:7"), "{}", run.stderr);
    assert!(run.stderr.contains("max_pages"), "{}", run.stderr);
    assert!(!dir.path().join("reports").exists());
}

#[test]
fn only_with_an_unknown_name_is_a_usage_error() {
    let (_dir, run) = audit_site(
        "[[target]]\nname = \"a\"\nurl = \"https://a.test/\"\n",
        &args(&["audit", "--only", "b"]),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--only b"), "{}", run.stderr);
}

/// A sitemap served gzip-compressed as a file (`sitemap.xml.gz`, no `Content-Encoding`), named
/// by robots.txt: its pages are crawled like those of a plain one.
#[test]
fn a_gzip_compressed_sitemap_is_read() {
    use std::io::Write;
    let server = Server::start(|_host, path, headers| {
        let origin = format!("http://www.gz.test:{}", request_port(headers));
        match path {
            "/robots.txt" => html(
                200,
                &[("content-type", b"text/plain")],
                format!("User-agent: *\nAllow: /\nSitemap: {origin}/sitemap.xml.gz\n"),
            ),
            "/sitemap.xml.gz" => {
                let xml = format!(
                    "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                     <url><loc>{origin}/only-in-sitemap</loc></url></urlset>"
                );
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gz.write_all(xml.as_bytes()).expect("gzip");
                html(
                    200,
                    &[("content-type", b"application/gzip")],
                    gz.finish().expect("gzip"),
                )
            }
            "/" => html(200, &[], "<p>no links</p>"),
            "/only-in-sitemap" => html(200, &[("set-cookie", b"deep=1; Path=/")], "<p>deep</p>"),
            _ => html(404, &[], "not found"),
        }
    });
    let (dir, run) = audit_site(
        &format!(
            "[[target]]\nname = \"gz\"\nurl = \"http://www.gz.test:{}/\"\ndelay_ms = 0\n",
            server.port
        ),
        &server.argv(&["audit"], &["www.gz.test"]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = latest_report(dir.path());
    let portal = &report["targets"][0];
    assert_eq!(
        page(portal, "/only-in-sitemap").expect("crawled")["status"],
        200
    );
    observed(portal, "deep");
}
