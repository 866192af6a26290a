//! What a charter's tables and list items declare: which column says what (in French, English,
//! Dutch and German), which category a heading or cell names, and one declaration per cookie
//! name.

use std::collections::HashSet;
use std::ops::Range;

use super::category::{category_of, words_of};
use super::fields;
use super::headers::{Field, PROVIDER_STEMS, field_of, labels_duration, names_no_cookie};
use super::layout::{Layout, RawItem, RawTable};
use super::names::{self, NameSpec, looks_like_name};
use crate::duration;
use crate::text::fold;
use crate::types::{Category, Declaration, MatchKind};

/// Every declaration of a document's tables and list items, in document order, duplicates (same
/// name, kind, provider) dropped.
///
/// A [`Layout`] keeps tables and items apart, so every table's declarations come before the
/// items'.
pub(crate) fn declarations(layout: &Layout) -> Vec<Declaration> {
    let from_tables = layout.tables.iter().flat_map(table_declarations);
    let items = fields::grouped(&layout.items);
    let from_items = items.iter().flat_map(item_declarations);
    let mut found = without_duplicates(from_tables.chain(from_items));
    // A name a table or list declares, mentioned again in prose, is the same cookie.
    let declared: HashSet<String> = found.iter().map(|d| d.name.clone()).collect();
    let mentioned = layout
        .mentions
        .iter()
        .flat_map(item_declarations)
        .filter(|d| !declared.contains(&d.name));
    found.extend(without_duplicates(mentioned));
    found
}

// ---------------------------------------------------------------------------------------------
// Columns

/// The fields of a table's columns, read from its header row.
struct Columns {
    fields: Vec<Option<Field>>,
}

impl Columns {
    /// The columns `row` names, if it is a header row: a name column and at least one other.
    fn of(row: &[String]) -> Option<Columns> {
        let fields: Vec<Option<Field>> = row.iter().map(|cell| field_of(cell)).collect();
        let names = fields.contains(&Some(Field::Name));
        let others = fields
            .iter()
            .any(|field| field.is_some_and(|field| field != Field::Name));
        (names && others).then_some(Columns { fields })
    }

    /// The raw text of `row` under the first column of `field`; "" when absent or short.
    fn raw<'a>(&self, row: &'a [String], field: Field) -> &'a str {
        self.fields
            .iter()
            .position(|&f| f == Some(field))
            .and_then(|at| row.get(at))
            .map_or("", String::as_str)
    }

    /// The text of `row` under `field`, its whitespace runs made single spaces.
    fn text(&self, row: &[String], field: Field) -> String {
        tidy(self.raw(row, field))
    }

    fn has(&self, field: Field) -> bool {
        self.fields.contains(&Some(field))
    }

    /// With two name-like headers ("Cookie" holding a description beside "Name"), the name
    /// column is the one whose cells read as names in most `rows`; the other holds the purpose
    /// when no column does, else nothing.
    fn settle_names(mut self, rows: &[Vec<String>]) -> Columns {
        let candidates: Vec<usize> = (0..self.fields.len())
            .filter(|&at| self.fields[at] == Some(Field::Name))
            .collect();
        if candidates.len() < 2 {
            return self;
        }
        let named = |at: usize| {
            rows.iter()
                .filter_map(|row| row.get(at))
                .filter(|cell| {
                    let specs = names::split(cell);
                    !specs.is_empty() && specs.iter().all(|spec| looks_like_name(&spec.name))
                })
                .count()
        };
        // The first best wins ties, as the first name column did before.
        let best = candidates
            .iter()
            .copied()
            .fold(None, |best: Option<(usize, usize)>, at| {
                let count = named(at);
                match best {
                    Some((_, most)) if most >= count => best,
                    _ => Some((at, count)),
                }
            })
            .map_or(candidates[0], |(at, _)| at);
        let purpose_missing = !self.has(Field::Purpose);
        for at in candidates {
            if at != best {
                self.fields[at] = purpose_missing.then_some(Field::Purpose);
            }
        }
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Tables

/// The declarations of one table, from the rows under its header row.
fn table_declarations(table: &RawTable) -> Vec<Declaration> {
    let Some((at, columns)) = table
        .rows
        .iter()
        .enumerate()
        .find_map(|(at, row)| Columns::of(row).map(|columns| (at, columns)))
    else {
        return Vec::new();
    };
    let columns = columns.settle_names(&table.rows[at + 1..]);
    let header = normal_cells(&table.rows[at]);
    let mut section = table.heading.as_deref().and_then(category_of);
    let mut found = Vec::new();
    for row in &table.rows[at + 1..] {
        if is_blank(row) || is_separator(row) || repeats(row, &header) {
            continue;
        }
        if columns.has(Field::Category) && names_no_cookie(columns.raw(row, Field::Category)) {
            // Cookiebot and others list Web Storage keys and pixels beside cookies.
            continue;
        }
        let context = [
            columns.raw(row, Field::Provider),
            columns.raw(row, Field::Service),
        ];
        let names: Vec<NameSpec> = names::split(columns.raw(row, Field::Name))
            .into_iter()
            .filter(|spec| !names::names_vendor(spec, &context))
            .collect();
        if names.is_empty() {
            // A row without names may be a sub-heading ("Cookies statistiques") for the rows below.
            if let Some(category) = section_category(row) {
                section = Some(category);
            }
            continue;
        }
        found.extend(row_declarations(row, &columns, section, names));
    }
    found
}

/// One declaration per name of the row's name cell.
fn row_declarations(
    row: &[String],
    columns: &Columns,
    section: Option<Category>,
    names: Vec<names::NameSpec>,
) -> Vec<Declaration> {
    let written_category = columns
        .has(Field::Category)
        .then(|| category_of(columns.raw(row, Field::Category)))
        .flatten();
    let category = written_category.or(section).unwrap_or(Category::Unknown);
    let provider = columns.text(row, Field::Provider);
    let service = columns.text(row, Field::Service);
    let purpose = columns.text(row, Field::Purpose);
    // Without a duration column, a purpose may end with one ("…, kept up to 24 hours").
    let duration = Some(columns.text(row, Field::Duration))
        .filter(|text| !text.is_empty())
        .or_else(|| duration_at_end(&purpose));
    let duration_seconds = duration.as_deref().and_then(duration::parse);
    names
        .into_iter()
        .map(|spec| Declaration {
            name: spec.name,
            match_kind: spec.kind,
            provider: provider.clone(),
            service: service.clone(),
            purpose: purpose.clone(),
            category,
            duration: duration.clone(),
            duration_seconds,
        })
        .collect()
}

/// The category a sub-heading row names ("Cookies statistiques" spanning the table), which
/// then applies to the rows below it: every filled cell says the same words.
fn section_category(row: &[String]) -> Option<Category> {
    let mut filled = row.iter().map(|cell| tidy(cell)).filter(|t| !t.is_empty());
    let first = filled.next()?;
    if filled.any(|text| text != first) {
        return None;
    }
    category_of(&first)
}

fn is_blank(row: &[String]) -> bool {
    row.iter().all(|cell| cell.trim().is_empty())
}

/// A Markdown or plain-text rule under a header ("----|:---:").
fn is_separator(row: &[String]) -> bool {
    row.iter().all(|cell| {
        cell.chars()
            .all(|c| c.is_whitespace() || matches!(c, '-' | ':' | '=' | '|' | '+' | '–' | '—'))
    })
}

/// Whether two rows have the same text, ignoring case, accents, spacing and empty cells at the
/// end (a header repeated at a page break).
/// Cells as compared with a header: tidied, folded, trailing empty cells dropped.
fn normal_cells(cells: &[String]) -> Vec<String> {
    let mut cells: Vec<String> = cells.iter().map(|cell| fold(&tidy(cell))).collect();
    while cells.last().is_some_and(String::is_empty) {
        cells.pop();
    }
    cells
}

/// True when `row` repeats the header (long tables repeat it every page). Compares cell by
/// cell and stops at the first difference, which is the first cell for nearly every row.
fn repeats(row: &[String], header: &[String]) -> bool {
    let filled = row.len() - row.iter().rev().take_while(|c| c.trim().is_empty()).count();
    filled == header.len()
        && row
            .iter()
            .zip(header)
            .all(|(cell, normal)| fold(&tidy(cell)) == *normal)
}

/// `text` with every whitespace run, line breaks included, made one space.
fn tidy(text: &str) -> String {
    let mut previous_space = true;
    let already_tidy = text.chars().all(|c| {
        let ok = c == ' ' && !previous_space || !c.is_whitespace();
        previous_space = c == ' ';
        ok
    }) && !text.ends_with(' ');
    if already_tidy {
        return text.to_string();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// List items

/// Words that label a prose bullet ("note: …") rather than name a cookie.
const ITEM_LABELS: &[&str] = &[
    "note",
    "nb",
    "ex",
    "example",
    "exemple",
    "voorbeeld",
    "beispiel",
    "info",
    "source",
    "type",
    "duration",
    "purpose",
    "provider",
    "domain",
    "category",
    "name",
    "nom",
    "remarque",
    "attention",
    "important",
    "expiration",
    "description",
    "hinweis",
    "opmerking",
    "warning",
];

/// How an item sets its first token apart, which says how sure it is to be a cookie name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marking {
    /// Inline code: surely a name.
    Code,
    /// Bold, or before ':' / ' – ' / ' - ': a name or a label of prose.
    Label,
    /// Only the first word: a name only if it looks like one.
    Bare,
    /// A bullet holding one word and nothing else: a name in a list of cookies, a menu entry
    /// ("API", "CSV") anywhere else.
    Lone,
}

impl Marking {
    /// Whether a name read under this marking is taken as a cookie name.
    fn accepts(self, spec: &NameSpec) -> bool {
        let family = spec.kind != MatchKind::Exact;
        match self {
            Marking::Code => true,
            Marking::Label => {
                family || looks_like_name(&spec.name) || is_plain_identifier(&spec.name)
            }
            Marking::Bare => family || looks_like_name(&spec.name),
            Marking::Lone => Marking::Label.accepts(spec),
        }
    }
}

/// A lowercase ASCII identifier such as `sessionid` or `csrftoken`, but not a label word.
fn is_plain_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'))
        && !ITEM_LABELS.contains(&name)
}

/// An item's first token and what follows it.
struct ItemHead<'a> {
    name: &'a str,
    rest: &'a str,
    marking: Marking,
}

impl<'a> ItemHead<'a> {
    fn read(text: &'a str) -> Option<ItemHead<'a>> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix('`') {
            let end = inner.find('`')?;
            return Some(ItemHead::new(
                &inner[..end],
                &inner[end + 1..],
                Marking::Code,
            ));
        }
        if let Some(inner) = text.strip_prefix("**") {
            let end = inner.find("**")?;
            return Some(ItemHead::new(
                &inner[..end],
                &inner[end + 2..],
                Marking::Label,
            ));
        }
        let separator = [":", " – ", " - ", " — "]
            .iter()
            .filter_map(|sep| text.find(sep).map(|at| (at, sep.len())))
            .min_by_key(|&(at, _)| at);
        if let Some((at, length)) = separator {
            return Some(ItemHead::new(
                &text[..at],
                &text[at + length..],
                Marking::Label,
            ));
        }
        Some(match text.split_once(char::is_whitespace) {
            Some((first, rest)) => ItemHead::new(first, rest, Marking::Bare),
            // A bullet holding one word and nothing else lists a name, in a list of cookies.
            None => ItemHead::new(text, "", Marking::Lone),
        })
    }

    fn new(name: &'a str, rest: &'a str, marking: Marking) -> ItemHead<'a> {
        let rest = rest
            .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—'));
        ItemHead {
            name,
            rest,
            marking,
        }
    }
}

/// What an item says after its name.
#[derive(Debug)]
struct ItemDetails {
    purpose: String,
    provider: String,
    duration: Option<String>,
}

impl ItemDetails {
    /// The duration is the last segment (between commas, parentheses or sentences) that is
    /// one, or else the lifetime a longer last sentence ends with ("stores your choices for 6
    /// months"); the provider a "Provider: …" segment, and the purpose what remains.
    fn read(rest: &str) -> ItemDetails {
        let segments = segments(rest);
        let duration = segments
            .iter()
            .rev()
            .find_map(|range| lifetime_clause(&rest[range.clone()]).map(|text| (range, text)));
        let provider = segments
            .iter()
            .filter(|range| Some(*range) != duration.as_ref().map(|(range, _)| *range))
            .find_map(|range| provider_label(&rest[range.clone()]).map(|name| (range, name)));
        let mut removed: Vec<Range<usize>> = Vec::new();
        removed.extend(
            duration
                .iter()
                .map(|(range, _)| widen(rest, (*range).clone())),
        );
        removed.extend(
            provider
                .iter()
                .map(|(range, _)| widen(rest, (*range).clone())),
        );
        let duration = duration.map(|(_, text)| text).or_else(|| {
            segments
                .last()
                .and_then(|last| lifetime_within(&rest[last.clone()]))
        });
        ItemDetails {
            purpose: without(rest, &removed),
            provider: provider.map_or_else(String::new, |(_, name)| tidy(name)),
            duration,
        }
    }
}

/// The lifetime a clause states by itself, tidied: "13 mois", "kept for 1 year", "expires at
/// the end of the session", or the value of a label ("Lifetime: 13 months", "Durée de
/// conservation : 13 mois après le dépôt"). A clause that says more than one word before its
/// lifetime ("stores your choices for 6 months") is a purpose.
fn lifetime_clause(clause: &str) -> Option<String> {
    let clause = clause.trim().trim_end_matches('.').trim();
    if let Some((label, value)) = clause.split_once(':')
        && labels_duration(label)
    {
        let value = value.trim();
        return duration::parse(value).is_some().then(|| tidy(value));
    }
    let seconds = duration::parse(clause)?;
    // The parser reads a session or "never" only when the whole clause speaks of it.
    let whole = seconds == 0 || seconds == duration::NEVER;
    let lead = |tail: &str| &clause[..clause.len() - tail.len()];
    let stated =
        whole || lifetime_tail(clause, seconds).is_some_and(|tail| content_words(lead(tail)) <= 1);
    stated.then(|| tidy(clause))
}

/// The lifetime a longer sentence ends with, as the fewest last words that say it ("6
/// months" of "stores your consent choices for 6 months"); the sentence stays the purpose.
fn lifetime_within(sentence: &str) -> Option<String> {
    let sentence = sentence.trim().trim_end_matches('.');
    let seconds = duration::parse(sentence)?;
    lifetime_tail(sentence, seconds).map(tidy)
}

/// The fewest last words of `sentence` that read as the same `seconds`.
fn lifetime_tail(sentence: &str, seconds: u64) -> Option<&str> {
    let starts: Vec<usize> = sentence
        .char_indices()
        .filter(|&(at, c)| !c.is_whitespace() && (at == 0 || sentence[..at].ends_with(' ')))
        .map(|(at, _)| at)
        .collect();
    starts
        .iter()
        .rev()
        .map(|&at| &sentence[at..])
        .find(|tail| duration::parse(tail) == Some(seconds))
}

/// The words of `lead` that are neither numbers nor the little words around a lifetime
/// ("kept up to", "conservé pendant", "gespeichert für"): "kept" counts one.
fn content_words(lead: &str) -> usize {
    words_of(&fold(lead))
        .iter()
        .filter(|word| {
            !word.chars().all(|c| c.is_ascii_digit()) && !LIFETIME_FILLERS.contains(&word.as_str())
        })
        .count()
}

/// Folded little words that stand before a lifetime in every charter language.
const LIFETIME_FILLERS: &[&str] = &[
    "for",
    "up",
    "to",
    "at",
    "after",
    "until",
    "till",
    "about",
    "around",
    "approx",
    "approximately",
    "max",
    "maximum",
    "over",
    "during",
    "within",
    "in",
    "the",
    "a",
    "an",
    "of",
    "de",
    "du",
    "des",
    "d",
    "la",
    "le",
    "les",
    "l",
    "pendant",
    "durant",
    "jusqu",
    "jusque",
    "apres",
    "environ",
    "dans",
    "voor",
    "tot",
    "na",
    "gedurende",
    "ongeveer",
    "maximaal",
    "fur",
    "bis",
    "nach",
    "etwa",
    "ca",
    "maximal",
    "hochstens",
    "durante",
    "hasta",
    "por",
    "per",
    "fino",
    "circa",
    "fins",
    "ate",
    "entre",
    "between",
    "and",
    "et",
    "en",
    "und",
    "y",
    "e",
    "i",
    "o",
    "or",
    "ou",
    "oder",
    "un",
    "une",
    "uno",
    "una",
    "ein",
    "eine",
    "een",
];

/// The last clause of a sentence when it is a duration of a few words ("Counts visits, kept up
/// to 24 hours"): a purpose's other numbers ("3 services") are no duration.
fn duration_at_end(sentence: &str) -> Option<String> {
    let last = segments(sentence).pop()?;
    lifetime_clause(&sentence[last])
}

/// The byte ranges of `text` between commas, semicolons, parentheses and sentence ends; a
/// comma between digits is a decimal comma ("1,5 ans").
fn segments(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let digit_at = |at: Option<usize>| {
        at.and_then(|at| bytes.get(at))
            .is_some_and(u8::is_ascii_digit)
    };
    let space_at = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_whitespace);
    let mut ranges = Vec::new();
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let decimal = byte == b',' && digit_at(at.checked_sub(1)) && digit_at(Some(at + 1));
        let sentence_end = matches!(byte, b'.' | b'!' | b'?') && space_at(at + 1);
        if (matches!(byte, b',' | b';' | b'(' | b')') && !decimal) || sentence_end {
            ranges.push(start..at);
            start = at + 1;
        }
    }
    ranges.push(start..text.len());
    ranges
}

/// `range` with the punctuation that set it apart: its parentheses, or the comma before it.
fn widen(text: &str, range: Range<usize>) -> Range<usize> {
    let bytes = text.as_bytes();
    let before = range.start.checked_sub(1).and_then(|at| bytes.get(at));
    let after = bytes.get(range.end);
    match (before, after) {
        (Some(b'('), Some(b')')) => range.start - 1..range.end + 1,
        (Some(b',' | b';'), _) => range.start - 1..range.end,
        (None, Some(b',' | b';')) => range.start..range.end + 1,
        _ => range,
    }
}

/// `text` without the byte ranges `removed`, tidied of the punctuation left at its ends.
fn without(text: &str, removed: &[Range<usize>]) -> String {
    let kept: String = text
        .char_indices()
        .filter(|(at, _)| !removed.iter().any(|range| range.contains(at)))
        .map(|(_, c)| c)
        .collect();
    tidy(&kept.replace("()", ""))
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—'))
        .to_string()
}

/// The provider a segment such as "Provider: Google" or "Fournisseur : Google" names.
fn provider_label(segment: &str) -> Option<&str> {
    let (label, name) = segment.split_once(':')?;
    let words = words_of(&fold(label));
    let labelled = words.len() <= 3
        && words
            .iter()
            .any(|word| PROVIDER_STEMS.iter().any(|stem| word.contains(stem)));
    let name = name.trim();
    (labelled && !name.is_empty()).then_some(name)
}

/// The declarations of one list item, or none when it does not start with a cookie name.
fn item_declarations(item: &RawItem) -> Vec<Declaration> {
    let Some(head) = ItemHead::read(&item.text) else {
        return Vec::new();
    };
    let about_cookies = |heading: &str| {
        let folded = fold(heading);
        folded.contains("cookie") || folded.contains("traceur") || category_of(heading).is_some()
    };
    if head.marking == Marking::Lone && item.heading.as_deref().is_some_and(|h| !about_cookies(h)) {
        // A home page's "API", "CSV" under "Accès rapides" declares nothing; a list under no
        // heading at all (a bare list of names) still does.
        return Vec::new();
    }
    // A plain word before a colon ("dpo: privacy@…") is a cookie only where the page speaks
    // of cookies; a name in code or shaped as one (`_ga`, `NID`) is one anywhere.
    let off_topic = head.marking == Marking::Label
        && item.heading.as_deref().is_some_and(|h| !about_cookies(h));
    let specs: Vec<NameSpec> = names::split(head.name)
        .into_iter()
        .filter(|spec| head.marking.accepts(spec))
        .filter(|spec| !off_topic || spec.kind != MatchKind::Exact || looks_like_name(&spec.name))
        .collect();
    if specs.is_empty() {
        return Vec::new();
    }
    let details = ItemDetails::read(head.rest);
    let category = item
        .heading
        .as_deref()
        .and_then(category_of)
        .unwrap_or(Category::Unknown);
    let duration_seconds = details.duration.as_deref().and_then(duration::parse);
    specs
        .into_iter()
        .map(|spec| Declaration {
            name: spec.name,
            match_kind: spec.kind,
            provider: details.provider.clone(),
            service: String::new(),
            purpose: details.purpose.clone(),
            category,
            duration: details.duration.clone(),
            duration_seconds,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Duplicates

/// `declarations` in order, each (name, kind, provider) kept the first time only.
fn without_duplicates(declarations: impl Iterator<Item = Declaration>) -> Vec<Declaration> {
    let mut seen = HashSet::new();
    declarations
        .filter(|d| seen.insert((d.name.clone(), kind_code(d.match_kind), d.provider.clone())))
        .collect()
}

/// A hashable stand-in for [`MatchKind`], which does not derive `Hash`.
fn kind_code(kind: MatchKind) -> u8 {
    match kind {
        MatchKind::Exact => 0,
        MatchKind::Prefix => 1,
        MatchKind::Pattern => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::{DAY, MONTH};

    const SEED_HEADING: &str =
        "Cookies nécessaires au bon fonctionnement de la plateforme / cookies fonctionnels";

    fn table(heading: Option<&str>, rows: &[&[&str]]) -> RawTable {
        RawTable {
            heading: heading.map(str::to_string),
            rows: rows
                .iter()
                .map(|row| row.iter().map(|cell| cell.to_string()).collect())
                .collect(),
        }
    }

    fn of_tables(tables: Vec<RawTable>) -> Vec<Declaration> {
        declarations(&Layout {
            tables,
            ..Layout::default()
        })
    }

    fn of_items(heading: Option<&str>, texts: &[&str]) -> Vec<Declaration> {
        let items = texts
            .iter()
            .map(|text| RawItem {
                heading: heading.map(str::to_string),
                text: text.to_string(),
            })
            .collect();
        declarations(&Layout {
            items,
            ..Layout::default()
        })
    }

    fn names_of(declarations: &[Declaration]) -> Vec<&str> {
        declarations.iter().map(|d| d.name.as_str()).collect()
    }

    #[test]
    fn older_french_template() {
        let found = of_tables(vec![table(
            Some(SEED_HEADING),
            &[
                &[
                    "Nom du prestataire",
                    "Service et emplacement",
                    "Nom du cookies",
                    "Finalités",
                ],
                &[
                    "Opendatasoft",
                    "Authentification",
                    "sessionid",
                    "Se souvenir de l'utilisateur",
                ],
            ],
        )]);
        assert_eq!(
            found,
            vec![Declaration {
                name: "sessionid".to_string(),
                match_kind: MatchKind::Exact,
                provider: "Opendatasoft".to_string(),
                service: "Authentification".to_string(),
                purpose: "Se souvenir de l'utilisateur".to_string(),
                category: Category::Necessary,
                duration: None,
                duration_seconds: None,
            }]
        );
    }

    #[test]
    fn english_templates() {
        for header in [
            ["Provider", "Service and location", "Cookie name", "Purpose"],
            [
                "Service provider's name",
                "Function and location",
                "Cookie name(s)",
                "Purposes",
            ],
        ] {
            let found = of_tables(vec![table(
                Some("Strictly necessary cookies"),
                &[
                    &header,
                    &[
                        "Opendatasoft",
                        "API (CSRF)",
                        "csrftoken",
                        "Fetch data through the API",
                    ],
                ],
            )]);
            assert_eq!(names_of(&found), ["csrftoken"], "{header:?}");
            assert_eq!(found[0].provider, "Opendatasoft");
            assert_eq!(found[0].service, "API (CSRF)");
            assert_eq!(found[0].purpose, "Fetch data through the API");
            assert_eq!(found[0].category, Category::Necessary);
        }
    }

    #[test]
    fn newer_default_template_with_durations() {
        let found = of_tables(vec![table(
            None,
            &[
                &["Supplier name", "Cookie name", "Duration", "Function"],
                &[
                    "Opendatasoft",
                    "sessionid",
                    "2 weeks by default",
                    "Authentication",
                ],
                &["Opendatasoft", "csrftoken", "Up to 12 months", "Security"],
                &["Opendatasoft", "django_language", "6 months", "Language"],
                &[
                    "Opendatasoft",
                    "cookies_preferences",
                    "12 months",
                    "Consent choice",
                ],
            ],
        )]);
        let read: Vec<(&str, Option<&str>, Option<u64>, &str)> = found
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.duration.as_deref(),
                    d.duration_seconds,
                    d.purpose.as_str(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    "sessionid",
                    Some("2 weeks by default"),
                    Some(14 * DAY),
                    "Authentication"
                ),
                (
                    "csrftoken",
                    Some("Up to 12 months"),
                    Some(12 * MONTH),
                    "Security"
                ),
                (
                    "django_language",
                    Some("6 months"),
                    Some(6 * MONTH),
                    "Language"
                ),
                (
                    "cookies_preferences",
                    Some("12 months"),
                    Some(12 * MONTH),
                    "Consent choice"
                ),
            ]
        );
        assert!(found.iter().all(|d| d.provider == "Opendatasoft"));
        assert!(found.iter().all(|d| d.service.is_empty()));
        assert!(found.iter().all(|d| d.category == Category::Unknown));
    }

    #[test]
    fn dutch_and_german_tables() {
        let dutch = of_tables(vec![table(
            Some("Noodzakelijke cookies"),
            &[
                &["Aanbieder", "Cookienaam", "Doel", "Looptijd"],
                &["Matomo", "_pk_id.*", "Bezoeker herkennen", "13 maanden"],
            ],
        )]);
        assert_eq!(names_of(&dutch), ["_pk_id.*"]);
        assert_eq!(dutch[0].match_kind, MatchKind::Prefix);
        assert_eq!(dutch[0].duration_seconds, Some(13 * MONTH));
        assert_eq!(dutch[0].category, Category::Necessary);
        let german = of_tables(vec![table(
            Some("Statistik"),
            &[
                &["Name", "Anbieter", "Zweck", "Speicherdauer"],
                &["_ga", "Google", "Unterscheidet Nutzer", "2 Jahre"],
            ],
        )]);
        assert_eq!(names_of(&german), ["_ga"]);
        assert_eq!(german[0].provider, "Google");
        assert_eq!(german[0].purpose, "Unterscheidet Nutzer");
        assert_eq!(german[0].duration.as_deref(), Some("2 Jahre"));
        assert_eq!(german[0].category, Category::Statistics);
    }

    #[test]
    fn blank_separator_and_repeated_header_rows_are_skipped() {
        let header: &[&str] = &["Cookie", "Durée"];
        let found = of_tables(vec![table(
            None,
            &[
                header,
                &["---", ":---:"],
                &["", ""],
                &["a_1", "1 an"],
                &[],
                &["| - |", "=+="],
                &["COOKIE ", "  durée"],
                &["a_2", "Session"],
                header,
            ],
        )]);
        assert_eq!(names_of(&found), ["a_1", "a_2"]);
        assert_eq!(found[1].duration_seconds, Some(0));
    }

    #[test]
    fn rows_before_the_header_are_ignored_and_short_rows_padded() {
        let found = of_tables(vec![table(
            None,
            &[
                &["Les cookies que nous utilisons"],
                &["not_a_cookie", "13 mois"],
                &["Nom", "Durée", "Finalité"],
                &["_ga"],
                &["_gid", "24 heures"],
            ],
        )]);
        assert_eq!(names_of(&found), ["_ga", "_gid"]);
        assert_eq!(found[0].duration, None);
        assert_eq!(found[0].purpose, "");
        assert_eq!(found[1].duration_seconds, Some(86_400));
    }

    #[test]
    fn a_table_without_a_header_row_yields_nothing() {
        let cases = [
            table(
                Some("Cookies nécessaires"),
                &[&["Prestataire", "Finalité"], &["Opendatasoft", "_ga"]],
            ),
            // A name column alone is not enough to trust a header.
            table(None, &[&["Cookie"], &["_ga"]]),
            table(None, &[]),
            table(None, &[&[], &[""]]),
        ];
        for raw in cases {
            assert_eq!(of_tables(vec![raw.clone()]), Vec::new(), "{raw:?}");
        }
    }

    #[test]
    fn category_comes_from_the_column_then_the_heading() {
        let found = of_tables(vec![table(
            Some("Cookies nécessaires"),
            &[
                &["Cookie", "Catégorie"],
                &["_ga", "Mesure d'audience"],
                &["sessionid", ""],
                &["_fbp", "Publicité"],
                &["lang", "Google"],
            ],
        )]);
        let categories: Vec<(&str, Category)> = found
            .iter()
            .map(|d| (d.name.as_str(), d.category))
            .collect();
        assert_eq!(
            categories,
            [
                ("_ga", Category::Statistics),
                ("sessionid", Category::Necessary),
                ("_fbp", Category::Marketing),
                ("lang", Category::Necessary),
            ]
        );
        let unknown = of_tables(vec![table(
            Some("Liste"),
            &[&["Cookie", "Durée"], &["_ga", "13 mois"]],
        )]);
        assert_eq!(unknown[0].category, Category::Unknown);
    }

    #[test]
    fn a_sub_heading_row_sets_the_category_below_it() {
        let found = of_tables(vec![table(
            Some("Cookies nécessaires"),
            &[
                &["Cookie", "Finalité"],
                &["sessionid", "Authentification"],
                &["Cookies statistiques", ""],
                &["_pk_id.*", "Matomo"],
            ],
        )]);
        let categories: Vec<(&str, Category)> = found
            .iter()
            .map(|d| (d.name.as_str(), d.category))
            .collect();
        assert_eq!(
            categories,
            [
                ("sessionid", Category::Necessary),
                ("_pk_id.*", Category::Statistics),
            ]
        );
    }

    #[test]
    fn a_cell_with_several_names_gives_several_declarations() {
        let found = of_tables(vec![table(
            None,
            &[
                &["Cookie", "Provider"],
                &["_ga, _gid\n_gat et _ga_*", "Google"],
                &["any cookie starting with _hs", "HubSpot"],
            ],
        )]);
        let read: Vec<(&str, MatchKind, &str)> = found
            .iter()
            .map(|d| (d.name.as_str(), d.match_kind, d.provider.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                ("_ga", MatchKind::Exact, "Google"),
                ("_gid", MatchKind::Exact, "Google"),
                ("_gat", MatchKind::Exact, "Google"),
                ("_ga_*", MatchKind::Prefix, "Google"),
                ("_hs", MatchKind::Prefix, "HubSpot"),
            ]
        );
    }

    #[test]
    fn duplicates_are_dropped_but_not_other_providers() {
        let header: &[&str] = &["Cookie", "Provider"];
        let found = of_tables(vec![
            table(None, &[header, &["_ga", "Google"], &["_ga", "Google"]]),
            table(
                None,
                &[
                    header,
                    &["_ga", "Google"],
                    &["_ga", "Other"],
                    &["_ga*", "Google"],
                ],
            ),
        ]);
        let read: Vec<(&str, &str)> = found
            .iter()
            .map(|d| (d.name.as_str(), d.provider.as_str()))
            .collect();
        assert_eq!(
            read,
            [("_ga", "Google"), ("_ga", "Other"), ("_ga*", "Google")]
        );
    }

    /// The table of /work/shared/seeds/000_5064902187e21bd9.txt, its tab-separated lines as
    /// written (blank line inside the table included).
    const SEED_000_TABLE: &str = "Nom du prestataire\tService et emplacement\tNom du cookies\tFinalités
Opendatasoft\tAuthentification (front et back office)\tsessionid\tSe souvenir de l'utilisateur d'une page à une autre.

Opendatasoft\tSélection de la langue (front et back office)\tdjango_language\tSe souvenir de la langue du visiteur
Opendatasoft\tAPI (CSRF) (front et back office)\tcsrftoken\tRécupérer des données via des appels API
Opendatasoft\tChoix concernant vos préférences sur les cookies\tcookies_preferences\tPermet de se souvenir du choix opéré par le visiteur concernant les cookies";

    #[test]
    fn seed_charter_table_yields_its_four_cookies() {
        let rows = SEED_000_TABLE
            .lines()
            .map(|line| {
                line.split('\t')
                    .map(|cell| cell.trim().to_string())
                    .collect()
            })
            .collect();
        let found = declarations(&Layout {
            tables: vec![RawTable {
                heading: Some(SEED_HEADING.to_string()),
                rows,
            }],
            ..Layout::default()
        });
        assert_eq!(
            names_of(&found),
            [
                "sessionid",
                "django_language",
                "csrftoken",
                "cookies_preferences"
            ]
        );
        for declaration in &found {
            assert_eq!(declaration.provider, "Opendatasoft");
            assert_eq!(declaration.category, Category::Necessary);
            assert_eq!(declaration.match_kind, MatchKind::Exact);
            assert_eq!(declaration.duration, None);
        }
        assert_eq!(found[2].service, "API (CSRF) (front et back office)");
        assert_eq!(found[1].purpose, "Se souvenir de la langue du visiteur");
    }

    #[test]
    fn category_words_in_each_language() {
        let cases = [
            (SEED_HEADING, Some(Category::Necessary)),
            ("Cookies nécessaires", Some(Category::Necessary)),
            ("Cookies strictement nécessaires", Some(Category::Necessary)),
            ("Strictly necessary cookies", Some(Category::Necessary)),
            ("Essential", Some(Category::Necessary)),
            ("Cookies essentiels", Some(Category::Necessary)),
            ("Noodzakelijke cookies", Some(Category::Necessary)),
            ("Technisch noodzakelijk", Some(Category::Necessary)),
            ("Notwendige Cookies", Some(Category::Necessary)),
            ("Unbedingt erforderlich", Some(Category::Necessary)),
            ("Cookies fonctionnels", Some(Category::Functional)),
            ("Functional cookies", Some(Category::Functional)),
            ("Functionality", Some(Category::Functional)),
            ("Préférences", Some(Category::Functional)),
            ("Functionele cookies", Some(Category::Functional)),
            ("Funktionale Cookies", Some(Category::Functional)),
            ("Funktionscookies", Some(Category::Functional)),
            ("Cookies statistiques", Some(Category::Statistics)),
            ("Mesure d'audience", Some(Category::Statistics)),
            ("Analytics", Some(Category::Statistics)),
            ("Cookies analytiques", Some(Category::Statistics)),
            ("Performance cookies", Some(Category::Statistics)),
            ("Statistische cookies", Some(Category::Statistics)),
            ("Analytische cookies", Some(Category::Statistics)),
            ("Statistik", Some(Category::Statistics)),
            ("Analyse", Some(Category::Statistics)),
            ("Cookies publicitaires", Some(Category::Marketing)),
            ("Publicité ciblée", Some(Category::Marketing)),
            ("Marketing", Some(Category::Marketing)),
            ("Advertising", Some(Category::Marketing)),
            ("Targeting cookies", Some(Category::Marketing)),
            ("Reclamecookies", Some(Category::Marketing)),
            ("Werbung", Some(Category::Marketing)),
            ("Advertentiecookies", Some(Category::Marketing)),
            // Several categories: the one needing consent the most.
            (
                "Cookies fonctionnels et nécessaires",
                Some(Category::Necessary),
            ),
            (
                "Necessary and analytics cookies",
                Some(Category::Statistics),
            ),
            ("Statistiques et publicité", Some(Category::Marketing)),
            // False friends and negations.
            ("Pour le bon fonctionnement du site", None),
            ("Cookies non nécessaires", None),
            ("Cookies not strictly necessary", None),
            ("Liste des cookies", None),
            ("", None),
        ];
        for (text, category) in cases {
            assert_eq!(category_of(text), category, "{text:?}");
        }
    }

    #[test]
    fn list_items_of_every_shape() {
        let found = of_items(
            Some("Cookies de mesure d'audience"),
            &[
                "`_ga`: distinguishes users, 13 months",
                "_gat – distingue les utilisateurs (13 mois)",
                "_pk_id.* : Matomo, identifiant du visiteur, durée 13 mois",
                "**_gid** : 24 heures",
                "sessionid: keeps you logged in, session",
                "_pk_ses - Matomo, Provider: InnoCraft, 30 minutes",
            ],
        );
        // (name, purpose, provider, duration, seconds)
        type Read<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<u64>);
        let read: Vec<Read> = found
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.purpose.as_str(),
                    d.provider.as_str(),
                    d.duration.as_deref(),
                    d.duration_seconds,
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    "_ga",
                    "distinguishes users",
                    "",
                    Some("13 months"),
                    Some(13 * MONTH)
                ),
                (
                    "_gat",
                    "distingue les utilisateurs",
                    "",
                    Some("13 mois"),
                    Some(13 * MONTH)
                ),
                (
                    "_pk_id.*",
                    "Matomo, identifiant du visiteur",
                    "",
                    Some("durée 13 mois"),
                    Some(13 * MONTH)
                ),
                ("_gid", "", "", Some("24 heures"), Some(DAY)),
                (
                    "sessionid",
                    "keeps you logged in",
                    "",
                    Some("session"),
                    Some(0)
                ),
                (
                    "_pk_ses",
                    "Matomo",
                    "InnoCraft",
                    Some("30 minutes"),
                    Some(1_800)
                ),
            ]
        );
        assert_eq!(found[2].match_kind, MatchKind::Prefix);
        assert!(found.iter().all(|d| d.category == Category::Statistics));
        assert!(found.iter().all(|d| d.service.is_empty()));
    }

    #[test]
    fn list_items_keep_decimal_commas_and_purposes_without_duration() {
        let found = of_items(
            None,
            &[
                "`_fbp`: Facebook pixel, 1,5 ans",
                "`_hjid`: Hotjar identifier",
            ],
        );
        assert_eq!(found[0].duration.as_deref(), Some("1,5 ans"));
        assert_eq!(found[0].purpose, "Facebook pixel");
        assert_eq!(found[1].duration, None);
        assert_eq!(found[1].duration_seconds, None);
        assert_eq!(found[1].purpose, "Hotjar identifier");
        assert_eq!(found[1].category, Category::Unknown);
    }

    #[test]
    fn lifetimes_stand_alone_or_end_a_purpose() {
        assert_eq!(
            lifetime_clause("kept up to 13 months."),
            Some("kept up to 13 months".into())
        );
        assert_eq!(
            lifetime_clause("Lifetime: 13 months"),
            Some("13 months".into())
        );
        assert_eq!(
            lifetime_clause("Expires at the end of the session"),
            Some("Expires at the end of the session".into())
        );
        assert_eq!(
            lifetime_clause("conservé pendant 6 à 13 mois"),
            Some("conservé pendant 6 à 13 mois".into())
        );
        // More than one word of purpose before the lifetime: a purpose, not a duration.
        assert_eq!(
            lifetime_clause("stores your consent choices for 6 months"),
            None
        );
        assert_eq!(
            lifetime_clause("identifies your session on the server"),
            None
        );
        assert_eq!(
            lifetime_within("stores your consent choices for 6 months."),
            Some("6 months".into())
        );
        assert_eq!(lifetime_within("counts 3 services"), None);
    }

    #[test]
    fn prose_list_items_are_ignored() {
        let found = of_items(
            None,
            &[
                "Les cookies statistiques permettent de suivre les actions d'un internaute",
                "Matomo : outil de mesure d'audience",
                "Durée : 13 mois",
                "**Finalité** : mesure d'audience",
                "Google Analytics - 2 years",
                "note: this list may change",
                "ils sont déposés pour 13 mois",
                "Voir https://example.com/cookies",
                "",
                "`",
                "**",
            ],
        );
        assert_eq!(found, Vec::new());
    }

    #[test]
    fn single_word_and_family_items_are_names() {
        let found = of_items(
            None,
            &[
                "csrftoken",
                "cookies starting with _hs: HubSpot",
                "_pk_ * : Matomo",
            ],
        );
        let read: Vec<(&str, MatchKind)> = found
            .iter()
            .map(|d| (d.name.as_str(), d.match_kind))
            .collect();
        assert_eq!(
            read,
            [
                ("csrftoken", MatchKind::Exact),
                ("_hs", MatchKind::Prefix),
                ("_pk_*", MatchKind::Prefix),
            ]
        );
    }

    #[test]
    fn tables_come_before_items_and_duplicates_across_them_go() {
        let found = declarations(&Layout {
            tables: vec![table(None, &[&["Cookie", "Durée"], &["_ga", "13 mois"]])],
            items: vec![
                RawItem {
                    heading: None,
                    text: "`_ga`: again".to_string(),
                },
                RawItem {
                    heading: None,
                    text: "`_gid`: new".to_string(),
                },
            ],
            // Prose mentioning a declared name again adds nothing; a new name it adds.
            mentions: vec![
                RawItem {
                    heading: None,
                    text: "`_gid`".to_string(),
                },
                RawItem {
                    heading: None,
                    text: "`_pk_ses*`".to_string(),
                },
            ],
            portal_url: None,
        });
        assert_eq!(names_of(&found), ["_ga", "_gid", "_pk_ses*"]);
        assert_eq!(found[0].duration.as_deref(), Some("13 mois"));
    }

    #[test]
    fn hostile_cells_do_not_panic() {
        let weird = [
            "é(",
            ")",
            "((",
            "`",
            "**",
            "*",
            ":",
            " – ",
            "\u{0}",
            "1,",
            ",1",
            "()",
            "é,1,5 é",
        ];
        let rows: Vec<Vec<String>> = std::iter::once(vec![
            "Cookie".to_string(),
            "Durée".to_string(),
            "Fournisseur".to_string(),
        ])
        .chain(weird.iter().map(|w| vec![w.to_string(); 3]))
        .collect();
        let items: Vec<RawItem> = weird
            .iter()
            .map(|w| RawItem {
                heading: Some(w.to_string()),
                text: format!("`_a`: {w}, {w} ({w}"),
            })
            .collect();
        let found = declarations(&Layout {
            tables: vec![RawTable {
                heading: None,
                rows,
            }],
            items,
            mentions: Vec::new(),
            portal_url: None,
        });
        // Only the items' `_a` is a name; the table's cells hold none.
        assert_eq!(names_of(&found), ["_a"]);
    }
}
