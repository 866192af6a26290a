//! The catalogue of known cookies: what a cookie really is for, whatever a charter says.
//!
//! Two sources, consulted in this order: the built-in list (`known_cookies.csv`, written from
//! vendors' documentation and compiled in) and, when given, the Open Cookie Database's CSV. The
//! built-in list comes first because the database files generic names under the one platform
//! someone catalogued (`sessionid` as Instagram's, although Django and Opendatasoft use it too);
//! for the same reason an entry that names a domain only describes that domain's cookie.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use csv::ByteRecord;
use serde::Serialize;

use crate::duration;
use crate::site::registrable_domain;
use crate::types::Category;

/// The built-in catalogue, compiled in so the tool needs no data file to know common cookies.
const BUILT_IN_CSV: &str = include_str!("known_cookies.csv");

/// The header of `known_cookies.csv`, in order.
const BUILT_IN_COLUMNS: [&str; 10] = [
    "name",
    "family",
    "platform",
    "category",
    "lifetime",
    "necessity",
    "appears",
    "domain",
    "traits",
    "description",
];

/// The Open Cookie Database's columns this catalogue needs, found by name so that a reordered
/// or extended export still loads.
const OCD_REQUIRED_COLUMNS: [&str; 7] = [
    "Platform",
    "Category",
    "Cookie / Data Key name",
    "Domain",
    "Description",
    "Retention period",
    "Wildcard match",
];

/// The Open Cookie Database column that stands in for an empty `Platform`.
const OCD_CONTROLLER_COLUMN: &str = "Data Controller";

/// A header row quoted in an error is cut to this many characters: a wrong file may have a
/// megabyte on its first line.
const QUOTED_HEADER_MAX: usize = 200;

/// Why a cookie is strictly necessary (exempt from consent in every jurisdiction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Necessity {
    /// Keeps the state of a visit (a server-side session).
    Session,
    /// Keeps a user signed in.
    Authentication,
    /// Protects the site or the visitor: anti-forgery tokens, bot and fraud detection.
    Security,
    /// Keeps a visitor on one server of a pool.
    LoadBalancing,
    /// Remembers the language the visitor chose.
    Language,
    /// Records the visitor's consent choice itself.
    Consent,
}

impl Necessity {
    /// The necessity written `word` in `known_cookies.csv`.
    fn from_word(word: &str) -> Option<Necessity> {
        match word {
            "session" => Some(Necessity::Session),
            "authentication" => Some(Necessity::Authentication),
            "security" => Some(Necessity::Security),
            "load-balancing" => Some(Necessity::LoadBalancing),
            "language" => Some(Necessity::Language),
            "consent" => Some(Necessity::Consent),
            _ => None,
        }
    }
}

/// When a cookie shows up on a site that uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Appears {
    /// On an ordinary visit, without signing in or answering a consent banner.
    Always,
    /// Only for a visitor who signs in (or visits the sign-in page).
    AfterLogin,
    /// Only once the visitor answered a consent request: the record of the answer itself.
    AfterConsent,
}

impl Appears {
    /// The moment written `word` in `known_cookies.csv`.
    fn from_word(word: &str) -> Option<Appears> {
        match word {
            "always" => Some(Appears::Always),
            "after-login" => Some(Appears::AfterLogin),
            "after-consent" => Some(Appears::AfterConsent),
            _ => None,
        }
    }
}

/// Where an entry comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "source")]
pub(crate) enum Origin {
    /// The compiled-in `known_cookies.csv`.
    BuiltIn,
    /// A row of an Open Cookie Database CSV.
    OpenCookieDatabase {
        /// The 1-based line the row starts on, so an auditor can check the source.
        line: usize,
    },
}

/// What the catalogue knows about one cookie, or about a family of cookies sharing a stem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct KnownCookie {
    /// The exact name, or the stem of a family.
    pub name: String,
    /// True when `name` is a prefix of the cookies it covers (`_ga_` covers `_ga_ABC123`).
    pub family: bool,
    /// Who sets it, e.g. `Google Analytics`.
    pub platform: String,
    /// Its real purpose: necessary, functional, statistics or marketing (never unknown).
    pub category: Category,
    /// Its usual lifetime in seconds; `Some(0)` for a session cookie, `None` when unknown.
    pub lifetime_seconds: Option<u64>,
    /// Why it is strictly necessary; `Some` only for strictly necessary cookies.
    pub necessity: Option<Necessity>,
    /// When it shows up on a site that uses it.
    pub appears: Appears,
    /// The domain whose cookie this entry describes; `None` for a cookie any site may set.
    pub domain: Option<String>,
    /// Set by a script (`document.cookie`), never by a `Set-Cookie` header: the HTTP engine
    /// cannot see it (`script` in the `traits` column).
    pub by_script: bool,
    /// Part of a session-recording or heatmap tool (Hotjar, Clarity): never the audience
    /// measurement the CNIL exempts from consent (`recording` in the `traits` column).
    pub recording: bool,
    /// What it does, in one sentence.
    pub description: String,
    /// Where the entry comes from.
    pub origin: Origin,
}

/// A catalogue row that could not be read, with its line number in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowError {
    /// The 1-based line the row starts on.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// What loading a database added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoadReport {
    /// Rows loaded. A row naming several domains adds one entry per domain, so
    /// [`Catalog::len`] may grow by more.
    pub loaded: usize,
    /// Rows that could not be read, in file order.
    pub skipped: Vec<RowError>,
}

/// Why a cookie database could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CatalogError {
    /// The file could not be read.
    #[error("cannot read the cookie database {}: {source}", .path.display())]
    Read {
        /// The file asked for.
        path: PathBuf,
        /// Why reading it failed.
        source: std::io::Error,
    },
    /// The header row is not the Open Cookie Database's.
    #[error(
        "{} is not an Open Cookie Database CSV: its header row is {found:?}, \
         expected one with the columns {}",
        describe_source(.path.as_deref()),
        .expected.join(", ")
    )]
    Header {
        /// The file, or `None` for text given directly.
        path: Option<PathBuf>,
        /// The header row as found (cut when long).
        found: String,
        /// The columns an Open Cookie Database CSV must have.
        expected: &'static [&'static str],
    },
}

/// How an error names where the text came from.
fn describe_source(path: Option<&Path>) -> String {
    match path {
        Some(path) => path.display().to_string(),
        None => "the given text".to_string(),
    }
}

/// The catalogue of known cookies, built in and from Open Cookie Database files.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    built_in: Tier,
    database: Tier,
}

impl Catalog {
    /// A catalogue that knows nothing: for a run that must trust only a given database, and for
    /// tests that look at a database alone.
    pub(crate) fn empty() -> Catalog {
        Catalog {
            built_in: Tier::default(),
            database: Tier::default(),
        }
    }

    /// The compiled-in catalogue. A malformed row is skipped (a unit test guarantees there is
    /// none), so starting the tool never fails on its own data.
    pub(crate) fn built_in() -> Catalog {
        let mut catalog = Catalog::empty();
        let (cookies, _errors) = read_built_in(BUILT_IN_CSV);
        for cookie in cookies {
            catalog.built_in.insert(cookie);
        }
        catalog
    }

    /// Adds the rows of an Open Cookie Database CSV file. Bad rows are skipped and reported;
    /// only an unreadable file or a header that is not the database's fails.
    pub(crate) fn add_open_cookie_database(
        &mut self,
        path: &Path,
    ) -> Result<LoadReport, CatalogError> {
        let bytes = std::fs::read(path).map_err(|source| CatalogError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.add_database_bytes(&bytes, Some(path))
    }

    /// Adds the rows of an Open Cookie Database CSV given as text, as
    /// [`Catalog::add_open_cookie_database`] does for a file.
    // Only the tests read it.
    #[cfg(test)]
    pub(crate) fn add_open_cookie_database_str(
        &mut self,
        text: &str,
    ) -> Result<LoadReport, CatalogError> {
        self.add_database_bytes(text.as_bytes(), None)
    }

    /// The entry that describes the cookie `name` set on `cookie_domain` (a host or the Domain
    /// attribute), if any.
    ///
    /// Names are case-sensitive. Built-in entries come before the database's, and within each an
    /// exact name before a family, the longest stem first; among equals the first loaded wins.
    /// An entry naming a domain is passed over unless `cookie_domain` has the same registrable
    /// domain.
    pub(crate) fn lookup(&self, name: &str, cookie_domain: &str) -> Option<&KnownCookie> {
        let site = CookieSite::new(cookie_domain);
        self.built_in
            .exact(name, &site)
            .or_else(|| self.built_in.family(name, &site))
            .or_else(|| self.database.exact(name, &site))
            .or_else(|| self.database.family(name, &site))
    }

    /// Entries in the catalogue (a database row naming several domains counts once per domain).
    // Only the tests read it.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.built_in.entries.len() + self.database.entries.len()
    }

    /// True when the catalogue knows no cookie at all.
    // Only the tests read it.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads a database's bytes (not necessarily UTF-8: a bad row must not lose the others).
    fn add_database_bytes(
        &mut self,
        bytes: &[u8],
        path: Option<&Path>,
    ) -> Result<LoadReport, CatalogError> {
        let mut reader = csv_reader(bytes);
        let header = read_header(&mut reader);
        let columns = OcdColumns::find(&header).ok_or_else(|| CatalogError::Header {
            path: path.map(Path::to_path_buf),
            found: quote_header(&header),
            expected: &OCD_REQUIRED_COLUMNS,
        })?;
        let mut report = LoadReport {
            loaded: 0,
            skipped: Vec::new(),
        };
        for_each_row(&mut reader, |line, fields| {
            match fields.and_then(|fields| database_row(&fields, &columns, line)) {
                Ok(cookies) => {
                    report.loaded += 1;
                    for cookie in cookies {
                        self.database.insert(cookie);
                    }
                }
                Err(message) => report.skipped.push(RowError { line, message }),
            }
        });
        Ok(report)
    }
}

/// The entries of one source, indexed so a lookup costs a few hash probes, not a scan.
#[derive(Debug, Clone, Default)]
struct Tier {
    /// In load order, which decides between entries of equal precedence.
    entries: Vec<Entry>,
    /// Exact names to their entries, in load order.
    exact: HashMap<String, Vec<usize>>,
    /// Family stems to their entries, in load order.
    families: HashMap<String, Vec<usize>>,
    /// The distinct lengths of the stems, ascending: a lookup tries only these prefixes.
    stem_lengths: Vec<usize>,
}

impl Tier {
    fn insert(&mut self, cookie: KnownCookie) {
        let index = self.entries.len();
        let index_map = if cookie.family {
            if let Err(at) = self.stem_lengths.binary_search(&cookie.name.len()) {
                self.stem_lengths.insert(at, cookie.name.len());
            }
            &mut self.families
        } else {
            &mut self.exact
        };
        index_map
            .entry(cookie.name.clone())
            .or_default()
            .push(index);
        self.entries.push(Entry::new(cookie));
    }

    /// The first entry for exactly `name` that applies on `site`.
    fn exact(&self, name: &str, site: &CookieSite) -> Option<&KnownCookie> {
        self.first_applying(self.exact.get(name)?, site)
    }

    /// The entry of the longest family stem that begins `name` and applies on `site`.
    fn family(&self, name: &str, site: &CookieSite) -> Option<&KnownCookie> {
        self.stem_lengths
            .iter()
            .rev()
            .filter_map(|&length| name.get(..length))
            .filter_map(|stem| self.families.get(stem))
            .find_map(|indices| self.first_applying(indices, site))
    }

    fn first_applying(&self, indices: &[usize], site: &CookieSite) -> Option<&KnownCookie> {
        indices
            .iter()
            .map(|&index| &self.entries[index])
            .find(|entry| entry.applies_on(site))
            .map(|entry| &entry.cookie)
    }
}

/// A catalogue entry with the registrable domain of its `domain`, computed once at load time.
#[derive(Debug, Clone)]
struct Entry {
    cookie: KnownCookie,
    site: Option<String>,
}

impl Entry {
    fn new(cookie: KnownCookie) -> Entry {
        let site = cookie.domain.as_deref().map(registrable_site);
        Entry { cookie, site }
    }

    fn applies_on(&self, site: &CookieSite) -> bool {
        self.site
            .as_deref()
            .is_none_or(|own| own == site.registrable())
    }
}

/// The domain a looked-up cookie was set on. Its registrable domain is computed only when a
/// domain-bound candidate needs it: most lookups meet none.
struct CookieSite<'a> {
    domain: &'a str,
    registrable: OnceCell<String>,
}

impl<'a> CookieSite<'a> {
    fn new(domain: &'a str) -> CookieSite<'a> {
        CookieSite {
            domain,
            registrable: OnceCell::new(),
        }
    }

    fn registrable(&self) -> &str {
        self.registrable
            .get_or_init(|| registrable_site(self.domain))
    }
}

/// The registrable domain of a host or a Domain attribute (which may start with a dot).
fn registrable_site(domain: &str) -> String {
    registrable_domain(domain.trim().trim_start_matches('.'))
}

/// A reader that hands every row over, whatever its length, so a bad row is reported with its
/// line instead of stopping the file. The header is read as an ordinary row.
fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// The first row's cells, trimmed; empty when the file is empty or its first row unreadable,
/// which no expected header matches.
fn read_header(reader: &mut csv::Reader<&[u8]>) -> Vec<String> {
    let mut record = ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|cell| String::from_utf8_lossy(cell).trim().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

fn quote_header(header: &[String]) -> String {
    header.join(",").chars().take(QUOTED_HEADER_MAX).collect()
}

/// Calls `each` with the 1-based line and the text cells of every row after the header.
fn for_each_row(
    reader: &mut csv::Reader<&[u8]>,
    mut each: impl FnMut(usize, Result<Vec<&str>, String>),
) {
    let mut record = ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(0, |position| position.line() as usize);
                each(line, text_cells(&record));
            }
            Ok(false) => break,
            Err(error) => {
                // Reading from memory only fails on input the reader cannot resynchronise
                // after; the rows before it are kept.
                let line = error
                    .position()
                    .map_or(0, |position| position.line() as usize);
                each(line, Err(format!("unreadable CSV: {error}")));
                break;
            }
        }
    }
}

fn text_cells(record: &ByteRecord) -> Result<Vec<&str>, String> {
    record
        .iter()
        .enumerate()
        .map(|(index, cell)| {
            std::str::from_utf8(cell).map_err(|_| format!("field {} is not valid UTF-8", index + 1))
        })
        .collect()
}

/// Where the needed columns stand in an Open Cookie Database header.
struct OcdColumns {
    width: usize,
    platform: usize,
    category: usize,
    name: usize,
    domain: usize,
    description: usize,
    retention: usize,
    wildcard: usize,
    controller: Option<usize>,
}

impl OcdColumns {
    /// The columns of `header`, or `None` when one the catalogue needs is missing.
    fn find(header: &[String]) -> Option<OcdColumns> {
        let position = |name: &str| {
            header
                .iter()
                .position(|cell| cell.eq_ignore_ascii_case(name))
        };
        let [
            platform,
            category,
            name,
            domain,
            description,
            retention,
            wildcard,
        ] = OCD_REQUIRED_COLUMNS.map(position);
        Some(OcdColumns {
            width: header.len(),
            platform: platform?,
            category: category?,
            name: name?,
            domain: domain?,
            description: description?,
            retention: retention?,
            wildcard: wildcard?,
            controller: position(OCD_CONTROLLER_COLUMN),
        })
    }
}

/// The entries of one Open Cookie Database row: one per domain it names, or one for any domain.
fn database_row(
    fields: &[&str],
    columns: &OcdColumns,
    line: usize,
) -> Result<Vec<KnownCookie>, String> {
    if fields.len() != columns.width {
        return Err(format!(
            "expected {} fields as in the header, found {}",
            columns.width,
            fields.len()
        ));
    }
    let cell = |index: usize| fields[index].trim();
    let (name, starred) = database_name(cell(columns.name))?;
    let (category, necessity) = database_category(cell(columns.category), name)?;
    let family = database_wildcard(cell(columns.wildcard))? || starred;
    let platform = match cell(columns.platform) {
        "" => columns.controller.map_or("", cell),
        platform => platform,
    };
    let template = KnownCookie {
        name: name.to_string(),
        family,
        platform: platform.to_string(),
        category,
        lifetime_seconds: read_lifetime(cell(columns.retention)),
        necessity,
        // The database does not say; a cookie it lists is assumed to show on any visit.
        appears: Appears::Always,
        domain: None,
        // The database says neither; without knowing, nothing is claimed.
        by_script: false,
        recording: false,
        description: cell(columns.description).to_string(),
        origin: Origin::OpenCookieDatabase { line },
    };
    let domains = database_domains(cell(columns.domain));
    if domains.is_empty() {
        return Ok(vec![template]);
    }
    Ok(domains
        .into_iter()
        .map(|domain| KnownCookie {
            domain: Some(domain),
            ..template.clone()
        })
        .collect())
}

/// The name of a database row and whether it ended with `*`: a few rows write a family as
/// `SSPR_*` without setting Wildcard match.
fn database_name(cell: &str) -> Result<(&str, bool), String> {
    let stem = cell.trim_end_matches('*').trim_end();
    if stem.is_empty() {
        return Err("empty cookie name".to_string());
    }
    Ok((stem, stem.len() != cell.len()))
}

/// The category and necessity of a database category word.
fn database_category(word: &str, name: &str) -> Result<(Category, Option<Necessity>), String> {
    match word.to_ascii_lowercase().as_str() {
        "analytics" => Ok((Category::Statistics, None)),
        "marketing" => Ok((Category::Marketing, None)),
        "functional" | "personalization" => Ok((Category::Functional, None)),
        "security" => Ok((Category::Necessary, Some(Necessity::Security))),
        "necessary" => Ok((Category::Necessary, necessity_from_name(name))),
        _ => Err(format!(
            "unknown category {word:?} (expected Analytics, Marketing, Functional, \
             Personalization, Security or Necessary)"
        )),
    }
}

/// Why a cookie the database calls necessary is so, when its name says it; `None` otherwise,
/// for the audit to treat as necessary without a known reason.
fn necessity_from_name(name: &str) -> Option<Necessity> {
    const HINTS: [(&str, Necessity); 7] = [
        ("csrf", Necessity::Security),
        ("xsrf", Necessity::Security),
        ("consent", Necessity::Consent),
        ("auth", Necessity::Authentication),
        ("sess", Necessity::Session),
        ("lang", Necessity::Language),
        ("affinity", Necessity::LoadBalancing),
    ];
    let name = name.to_ascii_lowercase();
    HINTS
        .iter()
        .find(|(hint, _)| name.contains(hint))
        .map(|&(_, necessity)| necessity)
}

fn database_wildcard(cell: &str) -> Result<bool, String> {
    match cell {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(format!("Wildcard match must be 0 or 1, found {cell:?}")),
    }
}

/// The domains of a database Domain cell: `.bing.com (3rd party) or .microsoft.com (3rd party)`
/// names two; the remark and the leading dot are dropped.
fn database_domains(cell: &str) -> Vec<String> {
    cell.split(" or ")
        .filter_map(|part| {
            let part = part.find('(').map_or(part, |at| &part[..at]);
            let domain = part.trim().trim_start_matches('.').to_ascii_lowercase();
            (!domain.is_empty()).then_some(domain)
        })
        .collect()
}

/// A lifetime written as free text. "Sessions" is said to be a session whatever the shared
/// duration reader makes of plurals: the database writes it for PHP's session cookie.
fn read_lifetime(text: &str) -> Option<u64> {
    if text.trim().eq_ignore_ascii_case("sessions") {
        return Some(0);
    }
    duration::parse(text)
}

/// The entries of the built-in CSV and the rows that could not be read.
fn read_built_in(text: &str) -> (Vec<KnownCookie>, Vec<RowError>) {
    let mut reader = csv_reader(text.as_bytes());
    let header = read_header(&mut reader);
    let mut cookies = Vec::new();
    let mut errors = Vec::new();
    if header != BUILT_IN_COLUMNS {
        errors.push(RowError {
            line: 1,
            message: format!(
                "header is {:?}, expected {:?}",
                quote_header(&header),
                BUILT_IN_COLUMNS.join(",")
            ),
        });
        return (cookies, errors);
    }
    for_each_row(&mut reader, |line, fields| {
        match fields.and_then(|fields| built_in_row(&fields)) {
            Ok(cookie) => cookies.push(cookie),
            Err(message) => errors.push(RowError { line, message }),
        }
    });
    (cookies, errors)
}

/// One row of the built-in CSV, held to a stricter standard than the database's: it is ours.
fn built_in_row(fields: &[&str]) -> Result<KnownCookie, String> {
    let &[
        name,
        family,
        platform,
        category,
        lifetime,
        necessity,
        appears,
        domain,
        traits,
        description,
    ] = fields
    else {
        return Err(format!(
            "expected {} fields, found {}",
            BUILT_IN_COLUMNS.len(),
            fields.len()
        ));
    };
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(format!("bad name {name:?}"));
    }
    let category = built_in_category(category)?;
    let necessity = built_in_necessity(necessity, category)?;
    if platform.trim().is_empty() || description.trim().is_empty() {
        return Err("platform and description must be given".to_string());
    }
    Ok(KnownCookie {
        name: name.to_string(),
        family: built_in_flag(family)?,
        platform: platform.trim().to_string(),
        category,
        lifetime_seconds: built_in_lifetime(lifetime)?,
        necessity,
        appears: Appears::from_word(appears).ok_or_else(|| format!("bad appears {appears:?}"))?,
        domain: built_in_domain(domain)?,
        by_script: built_in_trait(traits, "script")?,
        recording: built_in_trait(traits, "recording")?,
        description: description.trim().to_string(),
        origin: Origin::BuiltIn,
    })
}

/// Whether the `traits` cell (words separated by spaces) has `wanted`; an unknown word is a typo.
fn built_in_trait(cell: &str, wanted: &str) -> Result<bool, String> {
    let mut has = false;
    for word in cell.split_whitespace() {
        match word {
            "script" | "recording" => has |= word == wanted,
            _ => return Err(format!("bad trait {word:?}")),
        }
    }
    Ok(has)
}

fn built_in_flag(cell: &str) -> Result<bool, String> {
    match cell {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(format!("family must be 0 or 1, found {cell:?}")),
    }
}

fn built_in_category(word: &str) -> Result<Category, String> {
    match word {
        "necessary" => Ok(Category::Necessary),
        "functional" => Ok(Category::Functional),
        "statistics" => Ok(Category::Statistics),
        "marketing" => Ok(Category::Marketing),
        _ => Err(format!("bad category {word:?}")),
    }
}

/// The necessity of a built-in row, which must be given exactly for necessary cookies: the
/// consent rules exempt a cookie by its reason, and a reason on another category is a typo.
fn built_in_necessity(word: &str, category: Category) -> Result<Option<Necessity>, String> {
    let necessity = match word {
        "" => None,
        word => Some(Necessity::from_word(word).ok_or_else(|| format!("bad necessity {word:?}"))?),
    };
    if necessity.is_some() != (category == Category::Necessary) {
        return Err("necessity must be given for necessary cookies and only for them".to_string());
    }
    Ok(necessity)
}

/// An empty lifetime is unknown; any other text must be one the duration reader understands.
fn built_in_lifetime(text: &str) -> Result<Option<u64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    read_lifetime(text)
        .map(Some)
        .ok_or_else(|| format!("lifetime {text:?} is not understood"))
}

fn built_in_domain(cell: &str) -> Result<Option<String>, String> {
    let domain = cell.trim_start_matches('.');
    if domain.is_empty() {
        return Ok(None);
    }
    let plausible = domain.contains('.')
        && domain
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'));
    if !plausible {
        return Err(format!("bad domain {cell:?}"));
    }
    Ok(Some(domain.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OCD_PATH: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/open-cookie-database/open-cookie-database.csv"
    );

    const OCD_HEADER: &str = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,\
                              Retention period,Data Controller,User Privacy & GDPR Rights Portals,\
                              Wildcard match";

    fn ocd_only() -> Catalog {
        let mut catalog = Catalog::empty();
        let report = catalog
            .add_open_cookie_database(Path::new(OCD_PATH))
            .expect("the Open Cookie Database loads");
        assert!(report.loaded > 0);
        catalog
    }

    fn from_text(rows: &str) -> (Catalog, LoadReport) {
        let mut catalog = Catalog::empty();
        let report = catalog
            .add_open_cookie_database_str(&format!("{OCD_HEADER}\n{rows}"))
            .expect("header accepted");
        (catalog, report)
    }

    fn names(catalog: &Catalog, name: &str, domain: &str) -> Option<(String, String)> {
        catalog
            .lookup(name, domain)
            .map(|cookie| (cookie.name.clone(), cookie.platform.clone()))
    }

    #[test]
    fn every_built_in_row_parses() {
        let (cookies, errors) = read_built_in(BUILT_IN_CSV);
        let report: Vec<String> = errors
            .iter()
            .map(|error| format!("known_cookies.csv:{}: {}", error.line, error.message))
            .collect();
        assert!(
            report.is_empty(),
            "bad built-in rows:\n{}",
            report.join("\n")
        );
        assert!(
            cookies.len() >= 100,
            "only {} built-in entries",
            cookies.len()
        );
        assert_eq!(Catalog::built_in().len(), cookies.len());
    }

    #[test]
    fn no_built_in_entry_is_shadowed_by_a_duplicate() {
        let (cookies, _) = read_built_in(BUILT_IN_CSV);
        let mut seen = std::collections::HashSet::new();
        for cookie in &cookies {
            let key = (&cookie.name, cookie.family, &cookie.domain);
            assert!(seen.insert(key), "{key:?} is listed twice");
        }
    }

    #[test]
    fn the_built_in_reader_names_the_line_of_a_bad_row() {
        let text = "name,family,platform,category,lifetime,necessity,appears,domain,traits,description\n\
                    ok,0,P,statistics,1 year,,always,,script recording,Fine.\n\
                    bad,0,P,statistics,1 year,security,always,,,Reason on a non-necessary cookie.\n\
                    worse,0,P,necessary,forever,session,always,,,Unreadable lifetime.\n\
                    typo,0,P,statistics,1 year,,always,,scirpt,A misspelt trait.\n";
        let (cookies, errors) = read_built_in(text);
        assert_eq!(cookies.len(), 1);
        assert!(cookies[0].by_script && cookies[0].recording);
        let lines: Vec<usize> = errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, [3, 4, 5], "{errors:?}");
        assert!(errors[1].message.contains("forever"), "{errors:?}");
        assert!(errors[2].message.contains("scirpt"), "{errors:?}");
    }

    #[test]
    fn script_cookies_and_session_recordings_are_known() {
        let catalog = Catalog::built_in();
        let known = |name: &str| catalog.lookup(name, "www.portal.test").expect(name);
        assert!(known("_ga").by_script && !known("_ga").recording);
        assert!(known("_hjSessionUser_42").recording && known("_hjid").recording);
        assert!(known("_clck").recording && known("_clsk").recording);
        assert!(
            catalog
                .lookup("CLID", "www.clarity.ms")
                .expect("CLID")
                .recording
        );
        assert!(
            !known("_pk_id.1.ab").recording,
            "Matomo's measurement is no recording"
        );
        assert!(!known("csrftoken").by_script, "a server sets it");
    }

    #[test]
    fn exact_names_and_families_are_found() {
        let catalog = Catalog::built_in();
        let ga = catalog.lookup("_ga", "www.portal.test").expect("_ga");
        assert_eq!((ga.name.as_str(), ga.family), ("_ga", false));
        assert_eq!(ga.category, Category::Statistics);
        assert_eq!(ga.lifetime_seconds, Some(2 * duration::YEAR));
        assert_eq!(ga.origin, Origin::BuiltIn);
        for (cookie, stem) in [
            ("_ga_ABC123", "_ga_"),
            ("_gat_UA-1-1", "_gat"),
            ("_gat", "_gat"),
            ("_pk_id.1.a3f0", "_pk_id"),
            ("_pk_ses.1.a3f0", "_pk_ses"),
            ("_hjSessionUser_123", "_hjSessionUser_"),
            ("_hjSession_123", "_hjSession_"),
            ("_hjSomethingNew", "_hj"),
            ("SSESS0123abcd", "SSESS"),
            ("wordpress_logged_in_0f1e", "wordpress_logged_in_"),
        ] {
            let found = catalog.lookup(cookie, "www.portal.test");
            assert_eq!(
                found.map(|c| (c.name.as_str(), c.family)),
                Some((stem, true)),
                "{cookie}"
            );
        }
    }

    #[test]
    fn a_built_in_exact_name_wins_over_a_family_that_covers_it() {
        let catalog = Catalog::built_in();
        // `_hjid` is also covered by the `_hj` fallback family.
        let hjid = catalog.lookup("_hjid", "a.test").expect("_hjid");
        assert!(!hjid.family);
        assert_eq!(hjid.lifetime_seconds, Some(365 * duration::DAY));
    }

    #[test]
    fn a_built_in_family_wins_over_a_database_exact_name() {
        let mut catalog = Catalog::built_in();
        catalog
            .add_open_cookie_database_str(&format!(
                "{OCD_HEADER}\n1,Other,Marketing,_ga_XYZ,,x,1 year,T,u,0\n"
            ))
            .expect("loads");
        let found = catalog.lookup("_ga_XYZ", "a.test").expect("_ga_XYZ");
        assert_eq!(
            (found.name.as_str(), &found.origin),
            ("_ga_", &Origin::BuiltIn)
        );
    }

    #[test]
    fn sessionid_is_djangos_authentication_cookie_everywhere() {
        let catalog = Catalog::built_in();
        for domain in ["opendata.bruxelles.be", "www.instagram.com", ""] {
            let cookie = catalog.lookup("sessionid", domain).expect("sessionid");
            assert_eq!(cookie.category, Category::Necessary, "{domain}");
            assert_eq!(
                cookie.necessity,
                Some(Necessity::Authentication),
                "{domain}"
            );
            assert_eq!(cookie.appears, Appears::AfterLogin);
        }
    }

    #[test]
    fn a_domain_bound_entry_only_describes_its_domains_cookie() {
        let catalog = Catalog::built_in();
        for domain in [".doubleclick.net", "doubleclick.net", "ad.DoubleClick.net."] {
            let ide = catalog.lookup("IDE", domain);
            assert_eq!(
                ide.map(|c| c.category),
                Some(Category::Marketing),
                "{domain}"
            );
        }
        assert_eq!(catalog.lookup("IDE", "portal.test"), None);
        assert_eq!(catalog.lookup("IDE", "doubleclick.net.evil.test"), None);
        // One name, two domains: each domain gets its own row.
        assert_eq!(
            names(&catalog, "MUID", ".clarity.ms")
                .map(|(_, p)| p)
                .as_deref(),
            Some("Microsoft Clarity")
        );
        assert_eq!(
            names(&catalog, "MUID", "bat.bing.com")
                .map(|(_, p)| p)
                .as_deref(),
            Some("Microsoft Bing")
        );
        // A generic name filed for one platform leaves other sites' cookies of that name alone.
        assert!(catalog.lookup("lang", "www.linkedin.com").is_some());
        assert_eq!(catalog.lookup("lang", "opendata.bruxelles.be"), None);
    }

    #[test]
    fn strictly_necessary_cookies_say_why() {
        let catalog = Catalog::built_in();
        let cases = [
            ("AWSALB", Necessity::LoadBalancing),
            ("BIGipServer~pool", Necessity::LoadBalancing),
            ("csrftoken", Necessity::Security),
            ("__cf_bm", Necessity::Security),
            ("django_language", Necessity::Language),
            ("cookies_preferences", Necessity::Consent),
            ("mtm_consent", Necessity::Consent),
            ("PHPSESSID", Necessity::Session),
        ];
        for (name, necessity) in cases {
            let cookie = catalog.lookup(name, "www.portal.test").expect(name);
            assert_eq!(cookie.category, Category::Necessary, "{name}");
            assert_eq!(cookie.necessity, Some(necessity), "{name}");
        }
        let aws = catalog.lookup("AWSALB", "x.test").expect("AWSALB");
        assert_eq!(aws.lifetime_seconds, Some(7 * duration::DAY));
    }

    #[test]
    fn unknown_names_are_not_found_and_names_are_case_sensitive() {
        let catalog = Catalog::built_in();
        assert_eq!(catalog.lookup("no_such_cookie", "www.portal.test"), None);
        assert_eq!(catalog.lookup("", "www.portal.test"), None);
        assert_eq!(catalog.lookup("_GA", "www.portal.test"), None);
        assert_eq!(catalog.lookup("SessionId", "www.portal.test"), None);
        assert!(Catalog::empty().is_empty());
        assert_eq!(Catalog::empty().lookup("_ga", "a.test"), None);
    }

    #[test]
    fn an_entry_serialises_with_its_origin() {
        let (catalog, _) =
            from_text("1,Test,Analytics,t_id,,Counts,13 months,Test,https://t.test,0\n");
        let json = serde_json::to_value(catalog.lookup("t_id", "a.test").expect("t_id"))
            .expect("serialises");
        assert_eq!(
            json["origin"],
            serde_json::json!({"source": "open-cookie-database", "line": 2})
        );
        assert_eq!(json["category"], "statistics");
        assert_eq!(json["appears"], "always");
        let built_in = Catalog::built_in();
        let json = serde_json::to_value(built_in.lookup("AWSALB", "a.test").expect("AWSALB"))
            .expect("serialises");
        assert_eq!(json["origin"], serde_json::json!({"source": "built-in"}));
        assert_eq!(json["necessity"], "load-balancing");
    }

    #[test]
    fn the_open_cookie_database_loads_with_few_skips() {
        let mut catalog = Catalog::built_in();
        let built_in = catalog.len();
        let report = catalog
            .add_open_cookie_database(Path::new(OCD_PATH))
            .expect("loads");
        assert!(report.loaded >= 2_200, "loaded {}", report.loaded);
        assert!(report.skipped.len() <= 20, "{:?}", report.skipped);
        assert!(
            report.skipped.iter().all(|skip| skip.line > 1),
            "{:?}",
            report.skipped
        );
        assert!(catalog.len() >= built_in + report.loaded);
        // The built-in Django row still wins over Instagram's.
        let sessionid = catalog
            .lookup("sessionid", "opendata.bruxelles.be")
            .expect("sessionid");
        assert_eq!(sessionid.origin, Origin::BuiltIn);
        assert_eq!(sessionid.necessity, Some(Necessity::Authentication));
        // A name only the database knows is found, with the line it came from.
        let found = catalog
            .lookup("cookiePreferences", "a.test")
            .expect("cookiePreferences");
        assert_eq!(found.origin, Origin::OpenCookieDatabase { line: 2 });
        assert_eq!(found.platform, "Google Tag Manager");
    }

    #[test]
    fn a_database_row_naming_a_domain_does_not_describe_other_sites_cookies() {
        let catalog = ocd_only();
        assert_eq!(catalog.lookup("sessionid", "opendata.bruxelles.be"), None);
        let instagram = catalog
            .lookup("sessionid", "www.instagram.com")
            .expect("Instagram");
        assert_eq!(instagram.platform, "Instagram");
        assert_eq!(instagram.category, Category::Marketing);
        assert_eq!(instagram.domain.as_deref(), Some("instagram.com"));
        // "(3rd party)" remarks and "a or b" lists are understood.
        assert!(catalog.lookup("fr", ".facebook.com").is_some());
        assert!(catalog.lookup("MUID", "c.bing.com").is_some());
        assert!(catalog.lookup("MUID", "www.microsoft.com").is_some());
        assert_eq!(catalog.lookup("MUID", "portal.test"), None);
    }

    #[test]
    fn database_wildcards_are_families_and_the_longest_stem_wins() {
        let catalog = ocd_only();
        let hotjar = catalog
            .lookup("_hjSessionUser_42", "a.test")
            .expect("hotjar");
        assert_eq!(
            (hotjar.name.as_str(), hotjar.family),
            ("_hjSessionUser_", true)
        );
        assert_eq!(hotjar.lifetime_seconds, Some(365 * duration::DAY));
        // `_pk_id` (Matomo) and `_pk_id.` (Piwik) both cover it; the longer stem decides.
        let piwik = catalog.lookup("_pk_id.1.a3f0", "a.test").expect("piwik");
        assert_eq!(piwik.name, "_pk_id.");
        // A database exact name wins over a database family.
        assert_eq!(
            names(&catalog, "_ga", "a.test").map(|(n, _)| n).as_deref(),
            Some("_ga")
        );
    }

    #[test]
    fn database_retention_texts_are_read() {
        let catalog = ocd_only();
        let php = catalog.lookup("PHPSESSID", "a.test").expect("PHPSESSID");
        assert_eq!(php.lifetime_seconds, Some(0), "'Sessions' is a session");
        let ga = catalog.lookup("_ga", "a.test").expect("_ga");
        assert_eq!(ga.lifetime_seconds, Some(2 * duration::YEAR));
        let (catalog, _) = from_text(
            "1,T,Analytics,a,,x,Sessions,T,u,0\n\
             2,T,Analytics,b,,x,13 Months,T,u,0\n\
             3,T,Analytics,c,,x,Unknown,T,u,0\n",
        );
        let lifetime = |name| {
            catalog
                .lookup(name, "a.test")
                .and_then(|c| c.lifetime_seconds)
        };
        assert_eq!(lifetime("a"), Some(0));
        assert_eq!(lifetime("b"), Some(13 * duration::MONTH));
        assert_eq!(lifetime("c"), None);
    }

    #[test]
    fn database_categories_are_mapped() {
        let (catalog, report) = from_text(
            "1,T,Analytics,a,,x,1 year,T,u,0\n\
             2,T,Marketing,b,,x,1 year,T,u,0\n\
             3,T,Functional,c,,x,1 year,T,u,0\n\
             4,T,Personalization,d,,x,1 year,T,u,0\n\
             5,T,Security,e,,x,1 year,T,u,0\n\
             6,T,Necessary,f,,x,1 year,T,u,0\n\
             7,T,Necessary,app_session,,x,1 year,T,u,0\n",
        );
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        let of = |name| {
            let cookie = catalog.lookup(name, "a.test").expect(name);
            (cookie.category, cookie.necessity)
        };
        assert_eq!(of("a"), (Category::Statistics, None));
        assert_eq!(of("b"), (Category::Marketing, None));
        assert_eq!(of("c"), (Category::Functional, None));
        assert_eq!(of("d"), (Category::Functional, None));
        assert_eq!(of("e"), (Category::Necessary, Some(Necessity::Security)));
        assert_eq!(of("f"), (Category::Necessary, None));
        assert_eq!(
            of("app_session"),
            (Category::Necessary, Some(Necessity::Session))
        );
    }

    #[test]
    fn equal_database_entries_keep_file_order_and_a_starred_name_is_a_family() {
        let (catalog, report) = from_text(
            "1,First,Analytics,dup,,x,1 year,T,u,0\n\
             2,Second,Marketing,dup,,x,1 year,T,u,0\n\
             3,Starred,Marketing,SSPR_*,,x,1 year,T,u,0\n\
             4,,Marketing,anon,,x,1 year,Controller Inc,u,0\n\
             5,Family,Marketing,fam_,,x,1 year,T,u,1\n\
             6,Exact,Analytics,fam_one,,x,1 year,T,u,0\n",
        );
        assert_eq!(report.loaded, 6);
        assert_eq!(catalog.len(), 6, "both duplicates are kept");
        // A database exact name wins over a database family, even one loaded before it.
        assert_eq!(
            names(&catalog, "fam_one", "a.test")
                .map(|(_, p)| p)
                .as_deref(),
            Some("Exact")
        );
        assert_eq!(
            names(&catalog, "fam_two", "a.test")
                .map(|(_, p)| p)
                .as_deref(),
            Some("Family")
        );
        assert_eq!(
            names(&catalog, "dup", "a.test").map(|(_, p)| p).as_deref(),
            Some("First")
        );
        let starred = catalog.lookup("SSPR_123", "a.test").expect("SSPR_");
        assert_eq!((starred.name.as_str(), starred.family), ("SSPR_", true));
        assert_eq!(
            catalog
                .lookup("anon", "a.test")
                .map(|c| c.platform.as_str()),
            Some("Controller Inc")
        );
    }

    #[test]
    fn malformed_rows_are_skipped_with_their_line() {
        let (catalog, report) = from_text(
            "1,T,Analytics,good_one,,x,1 year,T,u,0\n\
             2,T,Analytics,short_row,,x,1 year\n\
             3,T,Analytics,,,x,1 year,T,u,0\n\
             4,T,Nonsense,bad_category,,x,1 year,T,u,0\n\
             5,T,Analytics,bad_wildcard,,x,1 year,T,u,yes\n\
             6,T,Marketing,\"multi\nline\",,\"a, b\",1 year,T,u,0\n\
             7,T,Analytics,good_two,,x,1 year,T,u,1\n",
        );
        let skipped: Vec<(usize, &str)> = report
            .skipped
            .iter()
            .map(|skip| (skip.line, skip.message.as_str()))
            .collect();
        assert_eq!(skipped.len(), 4, "{skipped:?}");
        assert_eq!(skipped[0].0, 3);
        assert!(skipped[0].1.contains("found 7"), "{skipped:?}");
        assert_eq!(skipped[1], (4, "empty cookie name"));
        assert_eq!(skipped[2].0, 5);
        assert!(skipped[2].1.contains("Nonsense"), "{skipped:?}");
        assert_eq!(skipped[3].0, 6);
        assert!(skipped[3].1.contains("\"yes\""), "{skipped:?}");
        assert_eq!(report.loaded, 3);
        assert!(catalog.lookup("good_one", "a.test").is_some());
        assert!(catalog.lookup("multi\nline", "a.test").is_some());
        // The quoted line break above shifts the next row to line 9.
        let two = catalog.lookup("good_two_x", "a.test").expect("family");
        assert_eq!(two.origin, Origin::OpenCookieDatabase { line: 9 });
    }

    #[test]
    fn a_row_that_is_not_utf8_is_skipped_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ocd.csv");
        let mut bytes = format!("\u{feff}{OCD_HEADER}\n").into_bytes();
        bytes.extend_from_slice(b"1,T,Analytics,bad\xFF,,x,1 year,T,u,0\n");
        bytes.extend_from_slice(b"2,T,Analytics,fine,,x,1 year,T,u,0\n");
        std::fs::write(&path, bytes).expect("write");
        let mut catalog = Catalog::empty();
        let report = catalog.add_open_cookie_database(&path).expect("loads");
        assert_eq!(report.loaded, 1);
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(report.skipped[0].line, 2);
        assert!(catalog.lookup("fine", "a.test").is_some());
    }

    #[test]
    fn a_wrong_header_is_an_error_naming_the_expected_columns() {
        let mut catalog = Catalog::empty();
        let error = catalog
            .add_open_cookie_database_str("name,category\n_ga,analytics\n")
            .expect_err("not the database");
        let message = error.to_string();
        assert!(matches!(error, CatalogError::Header { .. }), "{error:?}");
        assert!(message.contains("name,category"), "{message}");
        assert!(message.contains("Cookie / Data Key name"), "{message}");
        assert!(message.contains("Wildcard match"), "{message}");
        assert!(catalog.is_empty(), "nothing is loaded from a wrong file");
        assert!(matches!(
            catalog.add_open_cookie_database_str(""),
            Err(CatalogError::Header { .. })
        ));
    }

    #[test]
    fn a_reordered_header_still_loads() {
        let mut catalog = Catalog::empty();
        let report = catalog
            .add_open_cookie_database_str(
                "Wildcard match,Cookie / Data Key name,Category,Platform,Domain,Description,\
                 Retention period\n0,moved,Marketing,P,,x,1 year\n",
            )
            .expect("loads");
        assert_eq!(report.loaded, 1);
        assert_eq!(
            catalog.lookup("moved", "a.test").map(|c| c.category),
            Some(Category::Marketing)
        );
    }

    #[test]
    fn a_missing_file_is_an_error_naming_the_path() {
        let path = Path::new("/nonexistent/ocd.csv");
        let error = Catalog::empty()
            .add_open_cookie_database(path)
            .expect_err("missing");
        assert!(matches!(error, CatalogError::Read { .. }), "{error:?}");
        assert!(
            error.to_string().contains("/nonexistent/ocd.csv"),
            "{error}"
        );
    }
}
