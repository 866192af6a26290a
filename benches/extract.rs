//! Link extraction: scraper's DOM against html5gum's streaming tokenizer (a benchmark, not a
//! test).
//!
//! `cargo bench --bench extract` generates a portal-like page of ~100 KB and one of ~20 KB
//! (head with styles, scripts and icons, menus, dataset cards with links and images, a table,
//! inline SVG, a footer with "Charte cookies") and times, per page:
//!
//! - `page_refs`: the crate's own `cookie_audit::extract::page_refs` (scraper, one walk
//!   over the DOM);
//! - scraper + 5 selectors: a DOM, then five CSS selectors (the 2.9 ms / 100 KB);
//! - html5gum callbacks: the tokenizer with a callback emitter, no DOM, no token allocations;
//! - html5gum tokens: the tokenizer's default emitter (a `Token` with owned strings per tag);
//! - and, to split the cost, scraper's parse alone and html5gum's tokenizing alone.
//!
//! Every extractor decodes the bytes and normalises the URLs as page_refs does, and the bench
//! checks that all of them find the same links, sub-resources and cookie links before timing.
//! Each figure is the median of `BENCH_BATCHES` (default 21) batches of ~40 ms;
//! `BENCH_ONLY=html5gum` (any part of a row's name) times only the matching rows, e.g. under a
//! profiler.

use std::convert::Infallible;
use std::hint::black_box;
use std::time::Instant;

use cookie_audit::extract::{
    PageRefs, RawRefs, decode_html, first_srcset, mentions_cookies, normalise, page_refs,
};
use scraper::{Html, Selector};
use url::Url;

fn main() {
    let batches: usize = std::env::var("BENCH_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(21);
    let url = Url::parse("https://data.portal.test/pages/home/").expect("url");
    let selectors = Selectors::new();
    for size in [100 * 1024, 20 * 1024] {
        let page = generate(size);
        let bytes = page.as_bytes();
        let ct = Some("text/html; charset=utf-8");

        // All extractors must agree before any is timed.
        let reference = page_refs(bytes, ct, &url);
        let variants: [(&str, PageRefs); 3] = [
            (
                "scraper + 5 selectors",
                dom_selectors(bytes, ct, &url, &selectors),
            ),
            ("html5gum callbacks", gum::page_refs(bytes, ct, &url)),
            ("html5gum tokens", gum_tokens(bytes, ct, &url)),
        ];
        let sorted = |v: &[Url]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        for (name, refs) in &variants {
            assert_eq!(refs.links, reference.links, "{name}: links");
            if name.contains("selectors") {
                // Grouped by selector, not in document order: the same set.
                assert_eq!(
                    sorted(&refs.subresources),
                    sorted(&reference.subresources),
                    "{name}: sub-resources"
                );
            } else {
                assert_eq!(
                    refs.subresources, reference.subresources,
                    "{name}: sub-resources"
                );
            }
            assert_eq!(
                refs.cookie_links, reference.cookie_links,
                "{name}: cookie links"
            );
        }
        println!(
            "page of {} KB: {} links, {} sub-resources, {} cookie links (same for every extractor)",
            page.len() / 1024,
            reference.links.len(),
            reference.subresources.len(),
            reference.cookie_links.len()
        );
        println!(
            "  {:<28} {:>9} {:>14}",
            "extractor", "ms/page", "pages/s/core"
        );
        let only = std::env::var("BENCH_ONLY").ok();
        let row = |name: &str, f: &dyn Fn() -> usize| {
            if only.as_deref().is_some_and(|o| !name.contains(o)) {
                return;
            }
            let per_page = median_time(batches, f);
            println!(
                "  {name:<28} {:>9.3} {:>14.0}",
                per_page * 1000.0,
                1.0 / per_page
            );
        };
        row("page_refs (the crate's)", &|| {
            page_refs(black_box(bytes), ct, &url).links.len()
        });
        row("scraper + 5 selectors", &|| {
            dom_selectors(black_box(bytes), ct, &url, &selectors)
                .links
                .len()
        });
        row("html5gum callbacks", &|| {
            gum::page_refs(black_box(bytes), ct, &url).links.len()
        });
        row("html5gum tokens", &|| {
            gum_tokens(black_box(bytes), ct, &url).links.len()
        });
        row("  scraper parse alone", &|| {
            let text = decode_html(black_box(bytes), ct);
            Html::parse_document(&text).tree.nodes().count()
        });
        row("  html5gum tokenize alone", &|| {
            let text = decode_html(black_box(bytes), ct);
            let mut events = 0usize;
            let emitter = html5gum::emitters::callback::CallbackEmitter::new(
                |_: html5gum::emitters::callback::CallbackEvent<'_>,
                 _: html5gum::Span<()>|
                 -> Option<Infallible> {
                    events += 1;
                    None
                },
            );
            let _ = html5gum::Tokenizer::new_with_emitter(&*text, emitter).finish();
            events
        });
        row("  decode + normalise alone", &|| {
            let text = decode_html(black_box(bytes), ct);
            let mut n = text.len();
            for l in &reference.links {
                n += normalise(&url, l.as_str()).map_or(0, |u| u.as_str().len());
            }
            n
        });
    }
}

/// Median seconds per call over `batches` batches of about 40 ms each.
fn median_time(batches: usize, f: &dyn Fn() -> usize) -> f64 {
    // Warm up and size a batch.
    let started = Instant::now();
    let mut calls = 0;
    while started.elapsed().as_secs_f64() < 0.04 {
        black_box(f());
        calls += 1;
    }
    let mut times: Vec<f64> = (0..batches)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..calls {
                black_box(f());
            }
            started.elapsed().as_secs_f64() / calls as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// A portal-like page of about `size` bytes.
fn generate(size: usize) -> String {
    let mut page = String::from(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Données ouvertes — Accueil</title>\
         <link rel=\"stylesheet\" href=\"/static/ods.css\"><link rel=\"Shortcut Icon\" href=\"/favicon.ico\">\
         <link rel=\"alternate\" type=\"application/rss+xml\" href=\"/feed.xml\">\
         <style>.ods-card{margin:0 4px}a:hover{color:#123}</style>\
         <script src=\"/static/app.js\" defer></script>\
         <script>window.ods = {\"domain\": \"portal\", \"tpl\": \"<a href='/not-a-link'>x</a>\"};\
         if (a < b && c > d) { document.write('<img src=\"/nope.gif\">'); }</script>\
         <noscript><img src=\"https://stats.tracker.test/noscript.gif\"></noscript>\
         </head><body class=\"ods-body\"><header><a href=\"/\" class=\"logo\"><img src=\"/static/logo.svg\" alt=\"Logo\"></a>\
         <nav><ul>",
    );
    for k in 0..12 {
        page.push_str(&format!(
            "<li class=\"menu-item\"><a href=\"/pages/theme-{k}/\" title=\"Thème {k}\">Thème&nbsp;{k}</a></li>"
        ));
    }
    page.push_str("</ul></nav></header><main>");
    let footer = "</main><footer><ul><li><a href=\"/page/mentions-legales/\">Mentions légales</a></li>\
        <li><a href=\"/page/cookies/\">Charte\n cookies</a></li>\
        <li><a href=\"/page/vie-privee/\">Gestion des <b>Cookies</b></a></li>\
        <li><a href=\"#top\">Haut de page</a></li><li><a href=\"mailto:contact@portal.test\">Contact</a></li>\
        </ul><img src=\"https://stats.tracker.test/p.gif?idsite=1&amp;rec=1\" alt=\"\"></footer>\
        <iframe src=\"https://video.test/embed/1\"></iframe></body></html>";
    let mut i = 0;
    while page.len() + footer.len() < size {
        page.push_str(&format!(
            "<div class=\"ods-card\" data-id=\"{i}\"><h3><a href=\"/explore/dataset/jeu-{i}/\">Jeu de données \
             n°{i}</a></h3><img src=\"/api/datasets/jeu-{i}/thumbnail.png\" alt=\"\" loading=lazy>\
             <p>Budget, équipements et parcs de la collectivité, mis à jour chaque mois. \
             <a href=\"/explore/dataset/jeu-{i}/table/?sort=date&amp;q=parc#anchor\">Voir le tableau</a> \
             ou <a href='/explore/dataset/jeu-{i}/export/'>exporter</a>.</p>\
             <svg class=\"icon\" viewBox=\"0 0 10 10\"><path d=\"M0 0L10 10\"/></svg>\
             <table class=\"meta\"><tr><th>Producteur</th><td>Ville</td></tr><tr><th>Licence</th>\
             <td><a href=\"https://www.etalab.gouv.fr/licence-ouverte\">Licence ouverte</a></td></tr></table>\
             <!-- card {i} --></div>"
        ));
        i += 1;
    }
    page.push_str(footer);
    page
}

struct Selectors {
    anchors: Selector,
    base: Selector,
    src: Selector,
    links: Selector,
    other: Selector,
}

impl Selectors {
    fn new() -> Selectors {
        let parse = |s: &str| Selector::parse(s).expect("selector");
        Selectors {
            anchors: parse("a[href], area[href]"),
            base: parse("base[href]"),
            src: parse(
                "img[src], script[src], iframe[src], frame[src], embed[src], track[src], \
                 audio[src], video[src], source[src], input[src]",
            ),
            links: parse("link[rel][href]"),
            other: parse("video[poster], object[data], source[srcset]"),
        }
    }
}

/// A DOM and five selectors, as the issue measured it. Sub-resources come out grouped by
/// selector, not in document order: the comparison checks them as a set.
fn dom_selectors(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
    s: &Selectors,
) -> PageRefs {
    let text = decode_html(body, content_type);
    let document = Html::parse_document(&text);
    let base = document
        .select(&s.base)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok());
    let mut links = Vec::new();
    let mut cookie_anchors = Vec::new();
    for a in document.select(&s.anchors) {
        let href = a.value().attr("href").unwrap_or("");
        links.push(href);
        if cookie_anchors.len() < 10 {
            let text = a.text().collect::<Vec<_>>().join(" ");
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if mentions_cookies(href) || mentions_cookies(&text) {
                cookie_anchors.push((href, text));
            }
        }
    }
    let mut subs: Vec<&str> = Vec::new();
    for e in document.select(&s.src) {
        let v = e.value();
        if v.name() != "input"
            || v.attr("type")
                .is_some_and(|t| t.eq_ignore_ascii_case("image"))
        {
            subs.extend(v.attr("src"));
        }
    }
    for e in document.select(&s.links) {
        let rel = e.value().attr("rel").unwrap_or("").to_ascii_lowercase();
        if rel
            .split_ascii_whitespace()
            .any(|r| matches!(r, "stylesheet" | "icon" | "manifest"))
        {
            subs.extend(e.value().attr("href"));
        }
    }
    for e in document.select(&s.other) {
        let v = e.value();
        match v.name() {
            "video" => subs.extend(v.attr("poster")),
            "object" => subs.extend(v.attr("data")),
            _ if v.attr("src").is_none() => subs.extend(first_srcset(v.attr("srcset"))),
            _ => {}
        }
    }
    RawRefs {
        base,
        links,
        subresources: subs,
        cookie_anchors,
    }
    .resolve(page_url)
}

/// html5gum's default emitter: a `Token` with owned name and attributes per tag, fed to the
/// same collector as the callbacks.
fn gum_tokens(body: &[u8], content_type: Option<&str>, page_url: &Url) -> PageRefs {
    use html5gum::{Token, Tokenizer};
    let text = decode_html(body, content_type);
    let mut emitter = html5gum::DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut collect = gum::Collect::default();
    for token in Tokenizer::new_with_emitter(&*text, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                collect.open_start_tag(&tag.name);
                for (name, value) in &tag.attributes {
                    collect.attribute_name(name);
                    collect.attribute_value(value);
                }
                collect.close_start_tag();
            }
            Token::EndTag(tag) => collect.end_tag(&tag.name),
            Token::String(s) => collect.text(&s),
            _ => {}
        }
    }
    collect.finish(page_url)
}

/// The html5gum extractor with a callback emitter: no DOM, no allocation per tag.
mod gum {
    use std::convert::Infallible;

    use html5gum::Tokenizer;
    use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
    use url::Url;

    use cookie_audit::extract::{
        MAX_COOKIE_LINKS_PER_PAGE, PageRefs, RawRefs, decode_html, first_srcset, mentions_cookies,
    };

    /// Elements whose end tag ends an anchor opened inside them: a DOM closes an `<a>` with the
    /// block that holds it.
    const BLOCKS: &[&[u8]] = &[
        b"p", b"div", b"li", b"ul", b"ol", b"dl", b"dt", b"dd", b"td", b"th", b"tr", b"table",
        b"nav", b"header", b"footer", b"main", b"section", b"article", b"aside", b"body", b"html",
        b"h1", b"h2", b"h3", b"h4", b"h5", b"h6", b"form", b"button",
    ];

    /// What the tokenizer's events tell about links, read as a DOM walk would read them.
    #[derive(Default)]
    pub(crate) struct Collect {
        tag: Vec<u8>,
        /// The current start tag is one whose attributes matter.
        wanted: bool,
        /// Its attributes that matter (the first of a repeated name wins, as in a DOM).
        attrs: Vec<(&'static str, String)>,
        /// The last attribute name was a repeat: its value is ignored.
        repeat: bool,
        base: Option<String>,
        links: Vec<String>,
        subresources: Vec<String>,
        /// The `<a>` whose text is being read: its href, its text, the blocks opened inside it.
        anchor: Option<(String, String, Vec<Vec<u8>>)>,
        cookie_anchors: Vec<(String, String)>,
    }

    impl Collect {
        pub(crate) fn open_start_tag(&mut self, name: &[u8]) {
            self.tag.clear();
            self.tag.extend_from_slice(name);
            self.attrs.clear();
            self.wanted = matches!(
                name,
                b"a" | b"area"
                    | b"base"
                    | b"img"
                    | b"image"
                    | b"script"
                    | b"iframe"
                    | b"frame"
                    | b"embed"
                    | b"track"
                    | b"audio"
                    | b"source"
                    | b"video"
                    | b"object"
                    | b"input"
                    | b"link"
            );
        }

        pub(crate) fn attribute_name(&mut self, name: &[u8]) {
            self.repeat = true;
            if !self.wanted {
                return;
            }
            let name = match name {
                b"href" => "href",
                b"src" => "src",
                b"srcset" => "srcset",
                b"poster" => "poster",
                b"data" => "data",
                b"type" => "type",
                b"rel" => "rel",
                _ => return,
            };
            if !self.attrs.iter().any(|(n, _)| *n == name) {
                self.repeat = false;
                self.attrs.push((name, String::new()));
            }
        }

        pub(crate) fn attribute_value(&mut self, value: &[u8]) {
            if !self.repeat
                && let Some((_, v)) = self.attrs.last_mut()
            {
                *v = String::from_utf8_lossy(value).into_owned();
            }
        }

        pub(crate) fn text(&mut self, value: &[u8]) {
            if let Some((_, text, _)) = &mut self.anchor {
                // A DOM's text() joined with " ": the pieces between tags stay apart.
                text.push(' ');
                text.push_str(&String::from_utf8_lossy(value));
            }
        }

        pub(crate) fn end_tag(&mut self, name: &[u8]) {
            let Some((_, _, inside)) = &mut self.anchor else {
                return;
            };
            if name == b"a" {
                self.close_anchor();
            } else if BLOCKS.contains(&name) {
                match inside.iter().rposition(|open| open == name) {
                    Some(at) => inside.truncate(at),
                    None => self.close_anchor(),
                }
            }
        }

        fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        }

        fn close_anchor(&mut self) {
            if let Some((href, text, _)) = self.anchor.take() {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if mentions_cookies(&href) || mentions_cookies(&text) {
                    self.cookie_anchors.push((href, text));
                }
            }
        }

        pub(crate) fn close_start_tag(&mut self) {
            let tag = std::mem::take(&mut self.tag);
            self.start_tag(&tag);
            self.tag = tag;
        }

        fn start_tag(&mut self, name: &[u8]) {
            if let Some((_, _, inside)) = &mut self.anchor {
                // An `<a>` inside an `<a>` closes it; so does a new list item next to it.
                let item = matches!(name, b"li" | b"dt" | b"dd") && inside.is_empty();
                if name == b"a" || item {
                    self.close_anchor();
                } else if BLOCKS.contains(&name) {
                    inside.push(name.to_vec());
                }
            }
            let own = |v: Option<&str>| v.map(str::to_string);
            let found: [Option<String>; 2] = match name {
                b"a" | b"area" => {
                    if let Some(href) = own(self.attr("href")) {
                        if self.cookie_anchors.len() < MAX_COOKIE_LINKS_PER_PAGE {
                            if name == b"a" {
                                self.anchor = Some((href.clone(), String::new(), Vec::new()));
                            } else if mentions_cookies(&href) {
                                self.cookie_anchors.push((href.clone(), String::new()));
                            }
                        }
                        self.links.push(href);
                    }
                    return;
                }
                b"base" => {
                    if self.base.is_none() {
                        self.base = own(self.attr("href"));
                    }
                    return;
                }
                // A DOM renames `<image>` to `<img>`.
                b"img" | b"image" | b"script" | b"iframe" | b"frame" | b"embed" | b"track"
                | b"audio" => [own(self.attr("src")), None],
                b"source" => [
                    own(self
                        .attr("src")
                        .or_else(|| first_srcset(self.attr("srcset")))),
                    None,
                ],
                b"video" => [own(self.attr("src")), own(self.attr("poster"))],
                b"object" => [own(self.attr("data")), None],
                b"input"
                    if self
                        .attr("type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("image")) =>
                {
                    [own(self.attr("src")), None]
                }
                b"link" => {
                    let rel = self.attr("rel").unwrap_or("").to_ascii_lowercase();
                    let wanted = rel
                        .split_ascii_whitespace()
                        .any(|r| matches!(r, "stylesheet" | "icon" | "manifest"));
                    [wanted.then(|| own(self.attr("href"))).flatten(), None]
                }
                _ => return,
            };
            self.subresources.extend(found.into_iter().flatten());
        }

        pub(crate) fn finish(mut self, page_url: &Url) -> PageRefs {
            self.close_anchor();
            self.cookie_anchors.truncate(MAX_COOKIE_LINKS_PER_PAGE);
            let base = self
                .base
                .as_deref()
                .and_then(|href| page_url.join(href.trim()).ok());
            RawRefs {
                base,
                links: self.links.iter().map(String::as_str).collect(),
                subresources: self.subresources.iter().map(String::as_str).collect(),
                cookie_anchors: self
                    .cookie_anchors
                    .iter()
                    .map(|(h, t)| (h.as_str(), t.clone()))
                    .collect(),
            }
            .resolve(page_url)
        }
    }

    pub(crate) fn page_refs(body: &[u8], content_type: Option<&str>, page_url: &Url) -> PageRefs {
        let text = decode_html(body, content_type);
        let mut collect = Collect::default();
        let mut emitter = CallbackEmitter::new(
            |event: CallbackEvent<'_>, _: html5gum::Span<()>| -> Option<Infallible> {
                match event {
                    CallbackEvent::OpenStartTag { name } => collect.open_start_tag(name),
                    CallbackEvent::AttributeName { name } => collect.attribute_name(name),
                    CallbackEvent::AttributeValue { value } => collect.attribute_value(value),
                    CallbackEvent::CloseStartTag { .. } => collect.close_start_tag(),
                    CallbackEvent::EndTag { name } => collect.end_tag(name),
                    CallbackEvent::String { value } => collect.text(value),
                    _ => {}
                }
                None
            },
        );
        emitter.naively_switch_states(true);
        let _ = Tokenizer::new_with_emitter(&*text, emitter).finish();
        collect.finish(page_url)
    }
}
