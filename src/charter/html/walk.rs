//! Walking a page in document order past its chrome (menus, banners, footers, consent panels),
//! and finding where on the page the charter is.

use std::borrow::Cow;

use scraper::{ElementRef, Node};

/// Id or class fragments that mark a cookie banner or consent dialog, in lower case. The last
/// ones are widespread consent managers whose panels list cookies but are not the charter.
const BANNER_MARKERS: &[&str] = &[
    "cookie-banner",
    "cookie-consent",
    "consent",
    "cookiebar",
    "cc-banner",
    "ods-cookie",
    "tarteaucitron",
    "didomi",
    "axeptio",
    "cookiebot",
];

/// Receives a page in document order: each element opened and closed, text in between.
pub(super) trait Visitor<'a> {
    fn open(&mut self, element: ElementRef<'a>);
    fn close(&mut self, element: ElementRef<'a>);
    fn text(&mut self, text: &str);
}

/// Visits everything under `root` (itself included) except the ignored parts, iteratively.
pub(super) fn walk<'a>(root: ElementRef<'a>, visitor: &mut impl Visitor<'a>) {
    let mut chrome = Chrome::default();
    let mut node = *root;
    loop {
        let entered = match node.value() {
            Node::Text(text) => {
                visitor.text(text);
                None
            }
            Node::Element(_) => ElementRef::wrap(node).filter(|element| !chrome.hides(*element)),
            _ => None,
        };
        if let Some(element) = entered {
            chrome.enter(element);
            visitor.open(element);
            if let Some(child) = node.first_child() {
                node = child;
                continue;
            }
            chrome.leave(element);
            visitor.close(element);
        }
        // Climb until a next sibling, closing every element left on the way.
        loop {
            if node == *root {
                return;
            }
            if let Some(sibling) = node.next_sibling() {
                node = sibling;
                break;
            }
            let Some(parent) = node.parent() else {
                return;
            };
            node = parent;
            if let Some(element) = ElementRef::wrap(node) {
                chrome.leave(element);
                visitor.close(element);
            }
        }
    }
}

/// Decides which elements are page chrome rather than content.
#[derive(Default)]
struct Chrome {
    /// Open `main`, `article`, `section`… elements: a `header` inside one is that section's
    /// header (it may hold the charter's title), not the page banner.
    landmarks: usize,
}

impl Chrome {
    fn hides(&self, element: ElementRef<'_>) -> bool {
        let element = element.value();
        let name = element.name();
        match name {
            "script" | "style" | "template" | "noscript" | "svg" | "math" | "head" | "iframe"
            | "object" | "canvas" | "textarea" | "select" | "nav" | "footer" | "aside" => true,
            "header" => self.landmarks == 0,
            // Never hide the whole page or its content because of a class name such as
            // `<body class="has-consent">`.
            "html" | "body" | "main" | "article" => false,
            _ => {
                matches!(
                    element.attr("role").map(str::trim),
                    Some("navigation" | "banner" | "contentinfo" | "complementary")
                ) || names_banner(name)
                    || element.attr("id").is_some_and(names_banner)
                    || element.attr("class").is_some_and(names_banner)
            }
        }
    }

    fn enter(&mut self, element: ElementRef<'_>) {
        if is_landmark(element) {
            self.landmarks += 1;
        }
    }

    fn leave(&mut self, element: ElementRef<'_>) {
        if is_landmark(element) {
            self.landmarks = self.landmarks.saturating_sub(1);
        }
    }
}

fn is_landmark(element: ElementRef<'_>) -> bool {
    matches!(
        element.value().name(),
        "main" | "article" | "section" | "aside" | "nav"
    ) || is_main_role(element)
}

fn is_main_role(element: ElementRef<'_>) -> bool {
    element
        .value()
        .attr("role")
        .is_some_and(|role| role.trim().eq_ignore_ascii_case("main"))
}

fn names_banner(value: &str) -> bool {
    let value = if value.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(value.to_ascii_lowercase())
    } else {
        Cow::Borrowed(value)
    };
    BANNER_MARKERS.iter().any(|marker| value.contains(marker))
}

/// Where the charter is: the outermost `main`, `[role=main]` or `article` elements that hold a
/// table or list, else the whole page.
pub(super) fn reading_roots(page: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    let mut finder = RootFinder::default();
    walk(page, &mut finder);
    if finder.roots.is_empty() {
        vec![page]
    } else {
        finder.roots
    }
}

#[derive(Default)]
struct RootFinder<'a> {
    open: Option<ElementRef<'a>>,
    open_is_root: bool,
    roots: Vec<ElementRef<'a>>,
}

impl<'a> Visitor<'a> for RootFinder<'a> {
    fn open(&mut self, element: ElementRef<'a>) {
        let name = element.value().name();
        if self.open.is_none() && (matches!(name, "main" | "article") || is_main_role(element)) {
            self.open = Some(element);
            self.open_is_root = false;
        } else if matches!(name, "table" | "ul" | "ol" | "dl")
            && let Some(candidate) = self.open
            && !self.open_is_root
        {
            self.roots.push(candidate);
            self.open_is_root = true;
        }
    }

    fn close(&mut self, element: ElementRef<'a>) {
        if self.open == Some(element) {
            self.open = None;
        }
    }

    fn text(&mut self, _text: &str) {}
}
