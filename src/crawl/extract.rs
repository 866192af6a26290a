//! What a crawl reads out of bodies: links and sub-resources from HTML, URLs from sitemaps.

use std::borrow::Cow;

use quick_xml::events::Event;
use scraper::Html;
use url::Url;

/// The URLs a page refers to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PageRefs {
    /// Navigation links (`a`, `area`), normalised, in document order, duplicates removed.
    pub links: Vec<Url>,
    /// What a browser would load to show the page: images, scripts, frames, styles, media.
    pub subresources: Vec<Url>,
    /// Links whose text or URL mentions cookies (candidates for the cookie charter), with the
    /// link's text, whitespace collapsed.
    pub cookie_links: Vec<(Url, String)>,
}

/// At most this many cookie links are kept per page.
pub const MAX_COOKIE_LINKS_PER_PAGE: usize = 10;

/// Reads the links and sub-resources of an HTML page.
pub fn page_refs(body: &[u8], content_type: Option<&str>, page_url: &Url) -> PageRefs {
    let text = decode_html(body, content_type);
    let document = Html::parse_document(&text);

    let mut raw = RawRefs::default();
    // One pass over the elements is cheaper than one selector per element kind.
    for node in document.tree.nodes() {
        let Some(element) = node.value().as_element() else {
            continue;
        };
        let attr = |name| element.attr(name);
        match element.name() {
            "a" | "area" => {
                let Some(href) = attr("href") else { continue };
                raw.links.push(href);
                if raw.cookie_anchors.len() < MAX_COOKIE_LINKS_PER_PAGE {
                    let text = scraper::ElementRef::wrap(node)
                        .map(|a| a.text().collect::<Vec<_>>().join(" "))
                        .unwrap_or_default();
                    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if mentions_cookies(href) || mentions_cookies(&text) {
                        raw.cookie_anchors.push((href, text));
                    }
                }
            }
            "base" if raw.base.is_none() => {
                raw.base = attr("href").and_then(|href| page_url.join(href.trim()).ok());
            }
            "img" | "script" | "iframe" | "frame" | "embed" | "track" | "audio" => {
                raw.subresources.extend(attr("src"));
            }
            "source" => raw
                .subresources
                .extend(attr("src").or_else(|| first_srcset(attr("srcset")))),
            "video" => {
                raw.subresources.extend(attr("src"));
                raw.subresources.extend(attr("poster"));
            }
            "object" => raw.subresources.extend(attr("data")),
            "input" if attr("type").is_some_and(|t| t.eq_ignore_ascii_case("image")) => {
                raw.subresources.extend(attr("src"));
            }
            "link" => {
                let rel = attr("rel").unwrap_or("").to_ascii_lowercase();
                if rel
                    .split_ascii_whitespace()
                    .any(|r| matches!(r, "stylesheet" | "icon" | "manifest"))
                {
                    raw.subresources.extend(attr("href"));
                }
            }
            _ => {}
        }
    }
    raw.resolve(page_url)
}

/// The references an extractor found in a page, as written in it.
#[derive(Debug, Default)]
pub struct RawRefs<'a> {
    /// The page's first `<base href>`, already resolved, if it has one.
    pub base: Option<Url>,
    /// `href`s of links.
    pub links: Vec<&'a str>,
    /// URLs of sub-resources.
    pub subresources: Vec<&'a str>,
    /// `href`s of links that mention cookies, with their text.
    pub cookie_anchors: Vec<(&'a str, String)>,
}

impl RawRefs<'_> {
    /// Resolved against the page's base (else `page_url`) and normalised, each URL once.
    pub fn resolve(self, page_url: &Url) -> PageRefs {
        let base = self.base.as_ref().unwrap_or(page_url);
        PageRefs {
            links: normalise_all(base, self.links),
            subresources: normalise_all(base, self.subresources),
            cookie_links: self
                .cookie_anchors
                .into_iter()
                .filter_map(|(href, text)| Some((normalise(base, href)?, text)))
                .collect(),
        }
    }
}

/// True when `text` names cookies in any of the languages charters are written in ("cookie",
/// "Cookie-Richtlinie", "cookiebeleid", "témoins" for Québec).
pub fn mentions_cookies(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("cookie") || lower.contains("témoins")
}

/// The first URL of a `srcset`.
pub fn first_srcset(srcset: Option<&str>) -> Option<&str> {
    srcset?.split(',').next()?.split_ascii_whitespace().next()
}

fn normalise_all<'a>(base: &Url, hrefs: impl IntoIterator<Item = &'a str>) -> Vec<Url> {
    let mut seen = std::collections::HashSet::new();
    hrefs
        .into_iter()
        .filter_map(|href| normalise(base, href))
        .filter(|url| seen.insert(url.as_str().to_string()))
        .collect()
}

/// Resolves `href` against `base` and normalises it: http(s) only, fragment dropped, an empty
/// query dropped. Host case, default ports, dot segments and percent-encoding are normalised by
/// the URL parser itself.
pub fn normalise(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    if url.query() == Some("") {
        url.set_query(None);
    }
    Some(url)
}

/// Decodes a text or HTML body: a byte-order mark, else the charset of `Content-Type`, else a
/// `<meta charset>` near the top, else UTF-8 when the bytes are UTF-8, else windows-1252 (what
/// browsers in French-, Dutch- and German-speaking countries assume for undeclared legacy pages).
/// Never fails: invalid bytes become U+FFFD.
pub fn decode_html<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(&body[..body.len().min(1024)]))
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
    let encoding = match declared {
        Some(encoding) => encoding,
        None if std::str::from_utf8(body).is_ok() => encoding_rs::UTF_8,
        None => encoding_rs::WINDOWS_1252,
    };
    // decode() lets a byte-order mark override the label, as browsers do.
    let (text, _, _) = encoding.decode(body);
    text
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

fn meta_charset(head: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let rest = head[at..].trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}

/// The URLs of a sitemap, or of the sitemaps an index lists.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sitemap {
    /// True for a `<sitemapindex>`, whose `<loc>`s are further sitemaps.
    pub is_index: bool,
    /// The `<loc>` values, in order, at most [`MAX_SITEMAP_LOCS`].
    pub locs: Vec<String>,
}

/// The sitemap protocol's own limit of URLs per file.
pub const MAX_SITEMAP_LOCS: usize = 50_000;

/// The sitemap protocol's limit of a file's size, uncompressed: a gzip bomb stops there.
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

/// Reads a sitemap or sitemap index; a broken file yields the URLs read before the break. A
/// gzip-compressed one (`sitemap.xml.gz`, served as a file rather than with
/// `Content-Encoding: gzip`) is read through a decoder, never more than 50 MB of it.
pub fn parse_sitemap(body: &[u8]) -> Sitemap {
    if body.starts_with(&[0x1f, 0x8b]) {
        let decoder = flate2::read::GzDecoder::new(body);
        let reader = std::io::BufReader::new(std::io::Read::take(decoder, MAX_SITEMAP_BYTES));
        return read_sitemap(reader);
    }
    read_sitemap(body)
}

fn read_sitemap(body: impl std::io::BufRead) -> Sitemap {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut sitemap = Sitemap::default();
    let mut in_loc = false;
    let mut loc = String::new();
    let mut buf = Vec::new();
    while sitemap.locs.len() < MAX_SITEMAP_LOCS {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(tag)) => match tag.local_name().as_ref() {
                "sitemapindex" => sitemap.is_index = true,
                "loc" => {
                    in_loc = true;
                    loc.clear();
                }
                _ => {}
            },
            Ok(Event::Text(text)) if in_loc => loc.push_str(&text),
            Ok(Event::CData(text)) if in_loc => loc.push_str(&text),
            Ok(Event::GeneralRef(entity)) if in_loc => {
                if let Ok(Some(c)) = entity.resolve_char_ref() {
                    loc.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&entity) {
                    loc.push_str(s);
                }
            }
            Ok(Event::End(tag)) if tag.local_name().as_ref() == "loc" => {
                in_loc = false;
                let value = loc.trim();
                if !value.is_empty() {
                    sitemap.locs.push(value.to_string());
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    sitemap
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn normalisation_resolves_and_drops_what_does_not_name_a_page() {
        let base = url("https://Portal.TEST:443/a/b/page?x=1");
        let n = |href| normalise(&base, href).map(|u| u.to_string());
        assert_eq!(n("../c#frag").as_deref(), Some("https://portal.test/a/c"));
        assert_eq!(n("/d?").as_deref(), Some("https://portal.test/d"));
        assert_eq!(n("  e  ").as_deref(), Some("https://portal.test/a/b/e"));
        assert_eq!(n("//other.test/x").as_deref(), Some("https://other.test/x"));
        assert_eq!(
            n("HTTP://portal.test:80/./f/../g").as_deref(),
            Some("http://portal.test/g")
        );
        assert_eq!(n("#top"), None);
        assert_eq!(n("mailto:a@b.c"), None);
        assert_eq!(n("javascript:void(0)"), None);
        assert_eq!(n("data:text/plain,hi"), None);
        assert_eq!(n(""), None);
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        let base = url("https://portal.test/x/");
        for href in ["a/../b?q=1#f", "/c?", "HTTPS://PORTAL.test/%7Euser", "d e"] {
            let once = normalise(&base, href).unwrap();
            let twice = normalise(&base, once.as_str()).unwrap();
            assert_eq!(once, twice, "{href}");
        }
    }

    #[test]
    fn page_refs_finds_links_and_every_kind_of_subresource() {
        let html = br#"<html><head><base href="https://portal.test/root/">
            <link rel="stylesheet" href="s.css"><link rel="alternate" href="feed.xml">
            <link rel="shortcut icon" href="/favicon.ico"><script src="app.js"></script></head>
            <body><a href="p1">1</a><a href="p1#x">1 again</a><area href="/p2">
            <img src="https://cdn.tracker.test/pixel.gif"><iframe src="/frame"></iframe>
            <video src="v.mp4" poster="poster.jpg"><source srcset="s1.webp 1x, s2.webp 2x"></video>
            <audio src="a.mp3"></audio><embed src="e.swf"><object data="o.pdf"></object>
            <a href="mailto:x@y.z">mail</a></body></html>"#;
        let refs = page_refs(html, Some("text/html"), &url("https://portal.test/"));
        let links: Vec<_> = refs.links.iter().map(Url::as_str).collect();
        assert_eq!(
            links,
            ["https://portal.test/root/p1", "https://portal.test/p2"]
        );
        let subs: Vec<_> = refs.subresources.iter().map(Url::as_str).collect();
        for expected in [
            "https://portal.test/root/s.css",
            "https://portal.test/favicon.ico",
            "https://portal.test/root/app.js",
            "https://cdn.tracker.test/pixel.gif",
            "https://portal.test/frame",
            "https://portal.test/root/v.mp4",
            "https://portal.test/root/poster.jpg",
            "https://portal.test/root/s1.webp",
            "https://portal.test/root/a.mp3",
            "https://portal.test/root/e.swf",
            "https://portal.test/root/o.pdf",
        ] {
            assert!(subs.contains(&expected), "missing {expected} in {subs:?}");
        }
        assert!(!subs.iter().any(|s| s.ends_with("feed.xml")));
        assert!(refs.cookie_links.is_empty());
    }

    #[test]
    fn links_that_mention_cookies_are_kept_with_their_text() {
        let html = br#"<footer><a href="/terms/cookies-policy/">Charte
            cookies</a> <a href="/page/vie-privee">Gestion des <b>Cookies</b></a>
            <a href="/legal">Mentions</a> <a href="/cookiebeleid">Privacy</a></footer>"#;
        let refs = page_refs(html, None, &url("https://portal.test/"));
        let found: Vec<(&str, &str)> = refs
            .cookie_links
            .iter()
            .map(|(u, t)| (u.path(), t.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("/terms/cookies-policy/", "Charte cookies"),
                ("/page/vie-privee", "Gestion des Cookies"),
                ("/cookiebeleid", "Privacy"),
            ]
        );
    }

    #[test]
    fn non_utf8_pages_are_decoded_by_their_charset() {
        // "café" in ISO-8859-1, declared by the header, then by a meta tag.
        let body = b"<a href=\"/caf\xe9\">x</a>";
        let text = decode_html(body, Some("text/html; charset=ISO-8859-1"));
        assert!(text.contains("café"));
        let meta = b"<meta charset=\"windows-1252\"><a href=\"/caf\xe9\">x</a>";
        assert!(decode_html(meta, None).contains("café"));
        // Undeclared bytes that are not UTF-8 are read as windows-1252, as browsers here do.
        assert!(decode_html(b"<p>caf\xe9</p>", None).contains("café"));
        // A byte-order mark wins over everything.
        assert_eq!(
            decode_html(b"\xef\xbb\xbfok", Some("text/html; charset=latin1")),
            "ok"
        );
        let refs = page_refs(
            body,
            Some("text/html; charset=latin1"),
            &url("https://p.test/"),
        );
        assert_eq!(refs.links[0].as_str(), "https://p.test/caf%C3%A9");
    }

    #[test]
    fn gzip_compressed_sitemaps_are_read_and_bounded() {
        use std::io::Write;
        let gzip = |bytes: &[u8]| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        };
        let xml = br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://p.test/a</loc></url><url><loc>https://p.test/b</loc></url></urlset>"#;
        let sitemap = parse_sitemap(&gzip(xml));
        assert_eq!(sitemap.locs, ["https://p.test/a", "https://p.test/b"]);
        // A bomb: 64 MB of one <loc> that never closes, compressed to about 64 KB. Reading
        // stops at 50 MB and yields nothing rather than the whole.
        let mut bomb = b"<urlset><url><loc>https://p.test/".to_vec();
        bomb.resize(64 * 1024 * 1024, b'a');
        let compressed = gzip(&bomb);
        drop(bomb);
        assert!(compressed.len() < 1024 * 1024);
        assert!(parse_sitemap(&compressed).locs.is_empty());
    }

    #[test]
    fn sitemaps_and_indexes_are_read() {
        let set = parse_sitemap(
            br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc> https://p.test/a?x=1&amp;y=2 </loc></url><url><loc>https://p.test/b</loc></url>
            </urlset>"#,
        );
        assert!(!set.is_index);
        assert_eq!(set.locs, ["https://p.test/a?x=1&y=2", "https://p.test/b"]);
        let index = parse_sitemap(
            br#"<sitemapindex><sitemap><loc>https://p.test/sm1.xml</loc></sitemap></sitemapindex>"#,
        );
        assert!(index.is_index);
        assert_eq!(index.locs, ["https://p.test/sm1.xml"]);
        let broken = parse_sitemap(b"<urlset><url><loc>https://p.test/a</loc></url><url><loc>");
        assert_eq!(broken.locs, ["https://p.test/a"]);
        assert_eq!(parse_sitemap(b"\x00\x01 not xml").locs.len(), 0);
    }
}
