//! The scale of "every public portal": 441 simulated Opendatasoft portals in one run (a
//! benchmark, not a test).
//!
//! `cargo bench --bench portals` reads `../shared/data/opendatasoft-portals.txt` (441 portal
//! URLs), writes a targets.toml with one target per line (named by its host name; a host listed
//! twice gets `-2`), and serves every portal from one loopback server. The portals are https and
//! the test server speaks plain HTTP, so each URL becomes `http://HOST:PORT/` and every host is
//! given to the binary as `--resolve HOST:PORT:127.0.0.1`: the real host names, a local server.
//!
//! Every host serves the same portal-like site: `/` answers 302 to `/pages/home/`, which links to
//! 40 content pages (~20 KB each, 20 links, dataset cards), a footer with "Charte cookies"
//! (`/page/cookies/`, an Opendatasoft-like charter: a table Fournisseur / Service / Nom du
//! cookie / Finalité / Durée) and "Mentions légales", a stylesheet, and a Matomo-like pixel
//! `http://stats.tracker.test:PORT/p.gif` that sets `_pk_id.1.abcd` for 13 months. Every HTML
//! response sets `sessionid`, `csrftoken` and `django_language`; robots.txt disallows `/api/`;
//! `/sitemap.xml` is missing. The crawl uses `max_pages = 30`, `delay_ms = 0`, the default
//! `concurrency`, `--parallel-targets` and `--max-connections`.
//!
//! It prints wall time, pages per second, the binary's peak RSS, targets audited and the
//! report's size, after checking that every target was audited with 30 pages, its charter read
//! and its four cookies found. `BENCH_POLITE=1` adds a second run at the default politeness
//! (`delay_ms = 500`), after printing an estimate of how long it will take.
//! `BENCH_PARALLEL_TARGETS` (default 64, the binary's default) sets `--parallel-targets`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use common::{Server, args, cookie_audit, html, redirect, request_port, site_dir};

const CONTENT_PAGES: usize = 40;
const PAGE_BYTES: usize = 20 * 1024;
const MAX_PAGES: usize = 30;
const TRACKER: &str = "stats.tracker.test";
const COOKIES: [&str; 4] = ["sessionid", "csrftoken", "django_language", "_pk_id.1.abcd"];

fn main() {
    let list_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/opendatasoft-portals.txt"
    );
    let list = std::fs::read_to_string(list_path)
        .unwrap_or_else(|e| panic!("cannot read {list_path}: {e}"));
    let hosts: Vec<String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            url::Url::parse(l)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| panic!("not a URL with a host: {l}"))
        })
        .collect();

    let site = Arc::new(Site::generate());
    let requests = Arc::new(AtomicU64::new(0));
    let (served, counter) = (site.clone(), requests.clone());
    let server = Server::start(move |host, path, headers| {
        counter.fetch_add(1, Ordering::Relaxed);
        served.answer(host, path, &request_port(headers))
    });

    // Targets named by host name; a host listed twice (with another path) gets a suffix.
    let mut names = HashSet::new();
    let mut toml_targets = String::new();
    for host in &hosts {
        let mut name = host.clone();
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{host}-{n}");
            n += 1;
        }
        toml_targets.push_str(&format!(
            "\n[[target]]\nname = \"{name}\"\nurl = \"http://{host}:{}/\"\n",
            server.port
        ));
    }
    let mut resolved: Vec<&str> = hosts.iter().map(String::as_str).collect();
    resolved.sort_unstable();
    resolved.dedup();
    resolved.push(TRACKER);
    // How many targets run at once (the binary's default is 64).
    let parallel: usize = std::env::var("BENCH_PARALLEL_TARGETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let mut argv = args(&["audit", "-v", "--out", "reports"]);
    argv.extend(["--parallel-targets".to_string(), parallel.to_string()]);
    argv.extend(server.resolve_args(&resolved));
    println!(
        "portals: {} targets ({} host names) from ../shared/data/opendatasoft-portals.txt, \
         {} pages of ~{} KB each served per host",
        hosts.len(),
        resolved.len() - 1,
        CONTENT_PAGES + 3,
        PAGE_BYTES / 1024
    );

    let fast = run(
        &format!("[defaults]\nmax_pages = {MAX_PAGES}\ndelay_ms = 0\n{toml_targets}"),
        &argv,
        &requests,
        hosts.len(),
    );
    fast.print("delay_ms = 0");

    if std::env::var_os("BENCH_POLITE").is_some() {
        // At the default 500 ms per host, a target takes (its requests to its own host − 1) ×
        // 0.5 s (the pixel goes to another host), and `parallel` targets run at once.
        let own_host = fast.requests as f64 / hosts.len() as f64 - 1.0;
        let waves = hosts.len().div_ceil(parallel);
        println!(
            "estimate at delay_ms = 500: {own_host:.0} requests per target to its own host → \
             {:.1} s per target × {waves} waves of {parallel} targets ≈ {:.0} s",
            (own_host - 1.0) * 0.5,
            (own_host - 1.0) * 0.5 * waves as f64
        );
        let polite = run(
            &format!("[defaults]\nmax_pages = {MAX_PAGES}\n{toml_targets}"),
            &argv,
            &requests,
            hosts.len(),
        );
        polite.print("delay_ms = 500 (default)");
    }
}

struct Measured {
    wall: f64,
    pages: usize,
    audited: usize,
    requests: u64,
    rss_mb: f64,
    json_bytes: u64,
    html_bytes: u64,
}

impl Measured {
    fn print(&self, label: &str) {
        println!(
            "{label}: {} targets audited, {} pages ({} requests) in {:.2} s = {:.0} pages/s, \
             peak RSS {:.1} MB, report {:.1} MB JSON + {:.1} MB HTML",
            self.audited,
            self.pages,
            self.requests,
            self.wall,
            self.pages as f64 / self.wall,
            self.rss_mb,
            self.json_bytes as f64 / 1e6,
            self.html_bytes as f64 / 1e6
        );
    }
}

fn run(toml: &str, argv: &[String], requests: &AtomicU64, targets: usize) -> Measured {
    let dir = site_dir(toml);
    requests.store(0, Ordering::Relaxed);
    let started = Instant::now();
    let result = cookie_audit(dir.path(), argv);
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);

    // Every target audited, with its 30 pages, its charter and its four cookies.
    let report = common::latest_report(dir.path());
    let list = report["targets"].as_array().expect("targets");
    assert_eq!(list.len(), targets, "targets in the report");
    let mut pages = 0;
    let mut reported_requests = 0;
    for target in list {
        let name = target["name"].as_str().unwrap_or("?");
        assert_eq!(target["status"], "audited", "{name}: {}", target["error"]);
        let crawled = target["crawl"]["pages"].as_array().expect("pages");
        assert_eq!(crawled.len(), MAX_PAGES, "{name}: pages crawled");
        assert!(
            crawled.iter().all(|p| p["status"] == 200),
            "{name}: a page did not answer 200: {crawled:?}"
        );
        pages += crawled.len();
        reported_requests += target["crawl"]["requests"].as_u64().unwrap_or(0);
        assert_eq!(target["charter"]["status"], "parsed", "{name}: charter");
        let declared = target["charter"]["declared"].as_array().map_or(0, Vec::len);
        assert_eq!(declared, 4, "{name}: declarations read from the charter");
        let observed: HashSet<&str> = target["observed"]
            .as_array()
            .expect("observed")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        for cookie in COOKIES {
            assert!(
                observed.contains(cookie),
                "{name}: {cookie} not observed: {observed:?}"
            );
        }
    }
    let served = requests.load(Ordering::Relaxed);
    assert_eq!(
        reported_requests, served,
        "requests in the report vs requests the server saw"
    );
    let rss_mb = common::peak_rss_mb(&result.stderr);
    // "reports: <run>.json <run>.html" on stdout.
    let line = result
        .stdout
        .lines()
        .find(|l| l.starts_with("reports: "))
        .expect("the report paths on stdout");
    let mut paths = line["reports: ".len()..].split_whitespace();
    let size = |p: Option<&str>| {
        let p = dir.path().join(p.expect("a report path"));
        std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0)
    };
    let json_bytes = size(paths.next());
    let html_bytes = size(paths.next());
    Measured {
        wall,
        pages,
        audited: list.iter().filter(|t| t["status"] == "audited").count(),
        requests: served,
        rss_mb,
        json_bytes,
        html_bytes,
    }
}

/// The same portal for every host; pages refer to the tracker by the port they were asked on.
struct Site {
    home: String,
    pages: Vec<String>,
    charter: String,
    legal: String,
}

const PORT_MARK: &str = "{PORT}";

impl Site {
    fn generate() -> Site {
        let home = chrome(
            "Accueil",
            &(0..CONTENT_PAGES)
                .map(|k| format!("<li><a href=\"/pages/p{k}/\">Thème {k}</a></li>"))
                .collect::<String>(),
            0,
        );
        let pages = (0..CONTENT_PAGES)
            .map(|i| {
                let cards: String = (1..=10)
                    .map(|k| {
                        let target = (i + k) % CONTENT_PAGES;
                        format!(
                            "<div class=\"ods-card\"><h3><a href=\"/pages/p{target}/\">Jeu de \
                             données {target}</a></h3><p>Budget, équipements et parcs de la \
                             collectivité, mis à jour chaque mois.</p></div>"
                        )
                    })
                    .collect();
                chrome(&format!("Thème {i}"), &cards, PAGE_BYTES)
            })
            .collect();
        Site {
            home,
            pages,
            charter: chrome("Charte cookies", CHARTER_TABLE, 0),
            legal: chrome("Mentions légales", "<p>Éditeur du portail.</p>", 0),
        }
    }

    fn answer(&self, host: &str, path: &str, port: &str) -> axum::http::Response<axum::body::Body> {
        if host == TRACKER {
            return match path {
                "/p.gif" => html(
                    200,
                    &[
                        ("content-type", b"image/gif"),
                        (
                            "set-cookie",
                            b"_pk_id.1.abcd=0123456789abcdef.1700000000.; Max-Age=33955200; Path=/; SameSite=Lax",
                        ),
                    ],
                    &b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"[..],
                ),
                _ => html(404, &[], "not found"),
            };
        }
        let body = match path {
            "/" => return redirect(302, "/pages/home/", SESSION_COOKIES),
            "/robots.txt" => {
                return html(
                    200,
                    &[("content-type", b"text/plain")],
                    "User-agent: *\nDisallow: /api/\n",
                );
            }
            "/static/ods.css" => {
                return html(200, &[("content-type", b"text/css")], "body{margin:0}");
            }
            "/pages/home/" => &self.home,
            "/page/cookies/" => &self.charter,
            "/page/mentions-legales/" => &self.legal,
            _ => match path
                .strip_prefix("/pages/p")
                .and_then(|rest| rest.strip_suffix('/'))
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|i| self.pages.get(i))
            {
                Some(page) => page,
                None => return html(404, &[], "not found"),
            },
        };
        html(200, SESSION_COOKIES, body.replace(PORT_MARK, port))
    }
}

const SESSION_COOKIES: &[(&str, &[u8])] = &[
    (
        "set-cookie",
        b"sessionid=0123456789abcdef0123456789abcdef; Path=/; HttpOnly; SameSite=Lax",
    ),
    (
        "set-cookie",
        b"csrftoken=abcdefabcdefabcdefabcdefabcdefab; Max-Age=31449600; Path=/; SameSite=Lax",
    ),
    (
        "set-cookie",
        b"django_language=fr; Max-Age=31536000; Path=/; SameSite=Lax",
    ),
];

const CHARTER_TABLE: &str = "<h2>Cookies utilisés sur ce portail</h2>\
    <table class=\"table\"><thead><tr><th>Fournisseur</th><th>Service</th><th>Nom du cookie</th>\
    <th>Finalité</th><th>Durée</th></tr></thead><tbody>\
    <tr><td>Opendatasoft</td><td>Authentification</td><td>sessionid</td>\
    <td>Se souvenir de l'utilisateur d'une page à une autre</td><td>Session</td></tr>\
    <tr><td>Opendatasoft</td><td>API (CSRF)</td><td>csrftoken</td>\
    <td>Protéger les formulaires et les appels API</td><td>1 an</td></tr>\
    <tr><td>Opendatasoft</td><td>Langue</td><td>django_language</td>\
    <td>Se souvenir de la langue du visiteur</td><td>1 an</td></tr>\
    <tr><td>Matomo</td><td>Mesure d'audience</td><td>_pk_id.*</td>\
    <td>Distinguer les visiteurs</td><td>13 mois</td></tr>\
    </tbody></table>";

/// A portal page: header menu, the content, a footer with the charter link, a pixel; padded
/// with dataset descriptions to `size` bytes.
fn chrome(title: &str, content: &str, size: usize) -> String {
    let mut body = format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title} — Portail \
         open data</title><link rel=\"stylesheet\" href=\"/static/ods.css\"></head>\
         <body class=\"ods-body ods-front\"><header class=\"ods-front-header\"><a href=\"/pages/home/\">\
         Données ouvertes</a><nav><ul>"
    );
    for k in 0..10 {
        body.push_str(&format!(
            "<li><a href=\"/pages/p{k}/\">Rubrique {k}</a></li>"
        ));
    }
    body.push_str("</ul></nav></header><main class=\"ods-main\"><h1>");
    body.push_str(title);
    body.push_str("</h1>");
    body.push_str(content);
    let footer = format!(
        "</main><footer class=\"ods-front-footer\"><a href=\"/page/mentions-legales/\">Mentions \
         légales</a> <a href=\"/page/cookies/\">Charte cookies</a></footer>\
         <img src=\"http://{TRACKER}:{PORT_MARK}/p.gif\" alt=\"\"></body></html>"
    );
    while body.len() + footer.len() < size {
        body.push_str(
            "<p class=\"ods-dataset-description\">Ce jeu de données recense les équipements \
             publics de la collectivité : adresse, horaires, accessibilité et coordonnées.</p>",
        );
    }
    body.push_str(&footer);
    body
}
