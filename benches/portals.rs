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
//! `concurrency`, `--parallel-targets` and `--max-connections` (derived from the open-files
//! limit), and a budget per address lifted out of the way (this run measures the machine).
//!
//! The server listens on every address, and the portals are spread over `BENCH_ADDRESSES`
//! loopback addresses (default: one per host name; 127.1.x.y), the tracker on one of its own
//! (127.2.0.1), so that the budget per address (`politeness_key = "ip"`, the default) meets
//! what it would on the web: each portal its own address, or many on a few shared ones as
//! Opendatasoft serves them (`BENCH_ADDRESSES=4`).
//!
//! It prints wall time, pages per second, the binary's peak RSS, targets audited and the
//! report's size, after checking that every target was audited with 30 pages, its charter read
//! and its four cookies found. `BENCH_POLITE=1` adds a second run with every default
//! (`delay_ms = 500`, 10 requests per second per address), after printing an estimate of how
//! long it will take: the longest of a target's own pace and of the busiest address's requests
//! at its budget (HTTP only); `BENCH_POLITE=only` runs that one alone.
//! `BENCH_PARALLEL_TARGETS` sets `--parallel-targets` (default: not given).
//!
//! `BENCH_PORTALS=N` keeps the first N portals of the list only.
//!
//! `BENCH_ENGINE=browser` audits the portals with `engine = "browser"`: Chromium loads every
//! page, its stylesheet and the pixel. The memory printed is then the peak PSS of the whole
//! process tree, Chromium's processes included (sampled every 5 s). The report's request count
//! must still equal the server's: it counts every request Chromium made too.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::sampler::run_sampled;
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
        .take(common::env_number("BENCH_PORTALS", u64::MAX) as usize)
        .collect();

    let engine = std::env::var("BENCH_ENGINE").unwrap_or_else(|_| "http".into());
    assert!(
        matches!(engine.as_str(), "http" | "browser"),
        "BENCH_ENGINE is http or browser, not {engine:?}"
    );
    let browser = engine == "browser";
    let site = Arc::new(Site::generate());
    let requests = Arc::new(AtomicU64::new(0));
    let per_host: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let (served, counter, hosts_seen) = (site.clone(), requests.clone(), per_host.clone());
    let every_address = SocketAddr::from(([0, 0, 0, 0], 0));
    let server = Server::start_at(every_address, move |host, path, headers| {
        counter.fetch_add(1, Ordering::Relaxed);
        *hosts_seen
            .lock()
            .unwrap()
            .entry(host.to_string())
            .or_default() += 1;
        served.answer(host, path, &request_port(headers))
    })
    .expect("bind 0.0.0.0");

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
    // Each host name's address: the names spread round-robin over `addresses` of them.
    let addresses = std::env::var("BENCH_ADDRESSES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(resolved.len())
        .clamp(1, 40_000);
    let mut address_of: HashMap<String, String> = resolved
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let k = i % addresses;
            (
                host.to_string(),
                format!("127.1.{}.{}", k / 200, k % 200 + 1),
            )
        })
        .collect();
    address_of.insert(TRACKER.to_string(), "127.2.0.1".to_string());
    let mut argv = args(&["audit", "-v", "--out", "reports"]);
    if let Ok(parallel) = std::env::var("BENCH_PARALLEL_TARGETS") {
        argv.extend(["--parallel-targets".to_string(), parallel]);
    }
    for (host, addr) in &address_of {
        argv.extend([
            "--resolve".to_string(),
            format!("{host}:{}:{addr}", server.port),
        ]);
    }
    println!(
        "portals: {} targets ({} host names on {addresses} addresses, the tracker on its own) \
         from ../shared/data/opendatasoft-portals.txt, {} pages of ~{} KB each served per host",
        hosts.len(),
        resolved.len(),
        CONTENT_PAGES + 3,
        PAGE_BYTES / 1024
    );

    let polite = std::env::var("BENCH_POLITE").ok();
    let fast = (polite.as_deref() != Some("only")).then(|| {
        run(
            &format!(
                "[defaults]\nmax_pages = {MAX_PAGES}\nengine = \"{engine}\"\ndelay_ms = 0\n\
                 max_requests_per_second_per_ip = 100000\n{toml_targets}"
            ),
            &argv,
            &requests,
            hosts.len(),
            browser,
        )
    });
    if let Some(fast) = &fast {
        fast.print("delay_ms = 0, no budget per address");
    }

    if polite.is_none() {
        return;
    }
    // The HTTP engine's pace; the browser's is bound by its tabs as well.
    if let Some(fast) = fast.as_ref().filter(|_| !browser) {
        // At the default 500 ms per host, a target takes (its requests to its own host − 1) ×
        // 0.5 s (the pixel goes to another host), every target at once; an address takes its
        // requests / 10 s at the default budget; the longer of the two bounds the run.
        let own_host = fast.requests as f64 / hosts.len() as f64 - 1.0;
        let mut per_address: HashMap<&str, u64> = HashMap::new();
        for (host, count) in per_host.lock().unwrap().iter() {
            *per_address.entry(address_of[host].as_str()).or_default() += count;
        }
        let (busiest, most) = per_address
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(addr, count)| (addr.to_string(), *count))
            .expect("requests");
        println!(
            "estimate with defaults: {own_host:.0} requests per target to its own host → {:.1} s \
             per target; the busiest address, {busiest}, takes {most} requests → {:.1} s at 10/s; \
             run ≈ {:.0} s",
            (own_host - 1.0) * 0.5,
            most as f64 / 10.0,
            ((own_host - 1.0) * 0.5).max(most as f64 / 10.0)
        );
    }
    let polite = run(
        &format!("[defaults]\nmax_pages = {MAX_PAGES}\nengine = \"{engine}\"\n{toml_targets}"),
        &argv,
        &requests,
        hosts.len(),
        browser,
    );
    polite.print("defaults (delay_ms = 500, 10 requests/s per address)");
}

struct Measured {
    wall: f64,
    pages: usize,
    audited: usize,
    requests: u64,
    /// "peak RSS 113.0 MB" (the binary's own), or the process tree's PSS with the browser.
    memory: String,
    json_bytes: u64,
    html_bytes: u64,
}

impl Measured {
    fn print(&self, label: &str) {
        println!(
            "{label}: {} targets audited, {} pages ({} requests) in {:.2} s = {:.0} pages/s, \
             {}, report {:.1} MB JSON + {:.1} MB HTML",
            self.audited,
            self.pages,
            self.requests,
            self.wall,
            self.pages as f64 / self.wall,
            self.memory,
            self.json_bytes as f64 / 1e6,
            self.html_bytes as f64 / 1e6
        );
    }
}

fn run(
    toml: &str,
    argv: &[String],
    requests: &AtomicU64,
    targets: usize,
    browser: bool,
) -> Measured {
    let dir = site_dir(toml);
    requests.store(0, Ordering::Relaxed);
    let (result, wall, memory) = if browser {
        let sampled = run_sampled(dir.path(), argv);
        let machine = sampled.machine();
        (sampled.run, sampled.wall, machine)
    } else {
        let started = Instant::now();
        let result = cookie_audit(dir.path(), argv);
        let wall = started.elapsed().as_secs_f64();
        let rss = format!("peak RSS {:.1} MB", common::peak_rss_mb(&result.stderr));
        (result, wall, rss)
    };
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
        memory,
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
