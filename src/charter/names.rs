//! Cookie names as charters write them: several names in one cell, families such as `_ga_*`,
//! `SSESS<ID>` or "any cookie starting with _hs", and how a written name covers cookie names.

use crate::text::fold;
use crate::types::{Declaration, MatchKind};

/// One name read from a charter cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameSpec {
    /// The name as written, cleaned of quotes and backticks; for a prose family, its stem.
    pub name: String,
    /// Whether `name` is one cookie or a family.
    pub kind: MatchKind,
}

/// The cookie names one cell lists: "_ga, _gid", one per line, "a et b", families, prose.
pub fn split(cell: &str) -> Vec<NameSpec> {
    if let Some(name) = plain_name(cell) {
        return vec![NameSpec {
            name: name.to_string(),
            kind: MatchKind::Exact,
        }];
    }
    if let Some(stem) = dotted_stem(cell) {
        return vec![NameSpec {
            name: stem.to_string(),
            kind: MatchKind::Prefix,
        }];
    }
    split_general(cell)
}

/// A cell holding one name that ends with a bare dot (`_pk_id.`, `_pk_ses.`): Matomo's way of
/// writing the family `_pk_id.*`, the dot kept as part of the stem.
fn dotted_stem(cell: &str) -> Option<&str> {
    let word = cell.trim();
    let body = word.strip_suffix('.')?;
    // Two underscores, as Matomo's `_pk_id`: a shorter name with a dot (`_ga.`) is more
    // likely a sentence's end.
    let named =
        body.matches('_').count() >= 2 && !body.ends_with('.') && plain_name(body).is_some();
    named.then_some(word)
}

/// The one exact name of a cell that holds nothing else (`csrftoken`, `_ga`, `JSESSIONID`):
/// most cells, answered without the general reader's allocations. Anything the general reader
/// could read differently (punctuation, quotes, placeholders, connectors, `XXX` placeholders,
/// non-ASCII) is left to it.
fn plain_name(cell: &str) -> Option<&str> {
    let word = cell.trim();
    let bytes = word.as_bytes();
    let edge_ok = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let plain = !bytes.is_empty()
        && bytes.len() <= 128
        && edge_ok(bytes[0])
        && edge_ok(bytes[bytes.len() - 1])
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && bytes.iter().any(|b| b.is_ascii_alphabetic() || *b == b'_')
        && !word.contains("XXX")
        && !has_placeholder_run(word)
        && !PLACEHOLDERS
            .iter()
            .chain(CONNECTORS)
            .any(|w| w.eq_ignore_ascii_case(word));
    plain.then_some(word)
}

/// The general reader: separators, connectors, quotes, remarks, families, prose.
fn split_general(cell: &str) -> Vec<NameSpec> {
    let cell = strip_remarks(cell);
    let mut specs = Vec::new();
    for chunk in chunks(&cell) {
        specs.extend(read_chunk(&chunk));
    }
    specs
}

/// Whether `cookie` is covered by a declaration written `written` of kind `kind`. Names are
/// case-sensitive.
pub fn matches(written: &str, kind: MatchKind, cookie: &str) -> bool {
    match kind {
        MatchKind::Exact => written == cookie,
        MatchKind::Prefix | MatchKind::Pattern => {
            let parts = parts(written);
            if !parts.contains(&Part::Wild) {
                // A prose stem ("cookies starting with _hs") has no wildcard of its own; a
                // pattern without one can only mean the name itself.
                return if kind == MatchKind::Prefix {
                    cookie.starts_with(written)
                } else {
                    written == cookie
                };
            }
            glob(&parts, cookie)
        }
    }
}

/// Whether `declaration` covers the cookie named `cookie`.
pub fn covers(declaration: &Declaration, cookie: &str) -> bool {
    matches(&declaration.name, declaration.match_kind, cookie)
}

/// Whether `word` reads as a cookie name rather than a word of prose: an ASCII token with an
/// underscore, a digit, a wildcard, or in capitals (`_ga`, `AWSALB2`, `SSESS<ID>`, `NID`).
pub(crate) fn looks_like_name(word: &str) -> bool {
    if !is_token(word) {
        return false;
    }
    let has_mark = word.contains('_') || word.chars().any(|c| c.is_ascii_digit());
    let letters: Vec<char> = word.chars().filter(char::is_ascii_alphabetic).collect();
    let capitals = letters.len() >= 2 && letters.iter().all(char::is_ascii_uppercase);
    has_mark || capitals || parts(word).contains(&Part::Wild)
}

/// Whether a name cell's word names a company or product rather than a cookie: a capitalised
/// word (`Matomo`, `YouTube`, `Cloudflare`) that the row's other cells (`context`: provider,
/// service) also say, or one of the vendors charters list in place of their cookies. Cookie
/// names in capitals (`NID`, `AWSALB`) or lower case (`tarteaucitron`) are never vendors.
pub(crate) fn names_vendor(spec: &NameSpec, context: &[&str]) -> bool {
    let word = spec.name.as_str();
    let capitalised = word.starts_with(|c: char| c.is_ascii_uppercase())
        && word.chars().all(|c| c.is_ascii_alphabetic())
        && !looks_like_name(word);
    if spec.kind != MatchKind::Exact || !capitalised {
        return false;
    }
    let folded = fold(word);
    VENDORS.contains(&folded.as_str())
        || context.iter().any(|cell| {
            fold(cell)
                .split(|c: char| !c.is_alphanumeric())
                .any(|other| other == folded)
        })
}

/// Companies and products charters write in a name column, folded; none is a cookie name.
const VENDORS: &[&str] = &[
    "adobe",
    "addthis",
    "addtoany",
    "akamai",
    "amazon",
    "axeptio",
    "azure",
    "bing",
    "brevo",
    "calameo",
    "clarity",
    "cloudflare",
    "contentsquare",
    "cookiebot",
    "criteo",
    "crisp",
    "dailymotion",
    "datadog",
    "didomi",
    "disqus",
    "doubleclick",
    "eulerian",
    "facebook",
    "fastly",
    "google",
    "hcaptcha",
    "hotjar",
    "hubspot",
    "imperva",
    "incapsula",
    "instagram",
    "intercom",
    "issuu",
    "linkedin",
    "mailchimp",
    "mapbox",
    "marketo",
    "matomo",
    "microsoft",
    "mouseflow",
    "onetrust",
    "opendatasoft",
    "optimizely",
    "pardot",
    "paypal",
    "pinterest",
    "piwik",
    "plausible",
    "qualtrics",
    "quantcast",
    "recaptcha",
    "reddit",
    "salesforce",
    "sendinblue",
    "sentry",
    "sharethis",
    "smartlook",
    "snapchat",
    "soundcloud",
    "spotify",
    "stripe",
    "sucuri",
    "tiktok",
    "twitch",
    "twitter",
    "typeform",
    "usercentrics",
    "vimeo",
    "xiti",
    "yandex",
    "youtube",
    "zendesk",
];

// ---------------------------------------------------------------------------------------------
// Splitting a cell

/// Words that join two names in a cell ("_ga et _gid", "_ga / _gid").
const CONNECTORS: &[&str] = &["et", "and", "en", "und", "ou", "or", "oder", "/", "&", "+"];

/// What a cell writes instead of a name when it has none, and words that are not names.
const PLACEHOLDERS: &[&str] = &[
    "-", "n/a", "na", "nvt", "none", "aucun", "aucune", "geen", "kein", "keine", "etc", "tbd",
    "cookie", "cookies",
];

/// Quotes a charter may put around a name.
const QUOTES: &[char] = &[
    '`', '"', '\'', '«', '»', '“', '”', '‘', '’', '„', '\u{a0}', '\u{202f}',
];

/// Words that say a piece of prose describes a family by its beginning, folded.
const FAMILY_TRIGGERS: &[&str] = &[
    "start",
    "begin",
    "prefix",
    "prafix",
    "commenc",
    "debut",
    "anfang",
    "voorvoegsel",
];

/// Words after which prose names the stem ("starting with _hs", "die mit _hs beginnen").
const STEM_PREPOSITIONS: &[&str] = &["with", "by", "par", "met", "mit", "avec", "door", "op"];

/// Words between the preposition and the stem that are not the stem ("with the prefix _hs").
const STEM_FILLERS: &[&str] = &[
    "the", "a", "le", "la", "les", "l", "de", "du", "het", "dem", "den", "der", "die", "das",
    "prefix", "prefixe", "prafix", "name", "nom", "naam", "string", "chaine",
];

/// Removes parenthetical remarks ("_ga (Google Analytics)"): they never hold a cookie name, and
/// their commas must not split the cell. An unclosed remark ends with its line.
fn strip_remarks(cell: &str) -> String {
    let mut kept = String::with_capacity(cell.len());
    let mut depth = 0usize;
    for c in cell.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                if depth == 1 {
                    kept.push(' ');
                }
                depth = depth.saturating_sub(1);
            }
            '\n' => {
                depth = 0;
                kept.push('\n');
            }
            _ if depth == 0 => kept.push(c),
            _ => {}
        }
    }
    kept
}

/// The cell cut at hard separators (lines, commas, semicolons), each cut again at connector
/// words into pieces of whitespace-joined words.
fn chunks(cell: &str) -> Vec<Vec<String>> {
    cell.split(['\n', '\r', ',', ';'])
        .map(|chunk| {
            let mut pieces = Vec::new();
            let mut words: Vec<&str> = Vec::new();
            for word in chunk.split_whitespace() {
                if CONNECTORS.contains(&fold(word).as_str()) {
                    pieces.push(words.join(" "));
                    words.clear();
                } else {
                    words.push(word);
                }
            }
            pieces.push(words.join(" "));
            pieces.retain(|piece| !piece.is_empty());
            pieces
        })
        .filter(|pieces| !pieces.is_empty())
        .collect()
}

/// The names of one chunk's pieces. A bare name right after a prose family in the same chunk
/// belongs to it: "cookies starting with _hs or _hj" declares two families.
fn read_chunk(pieces: &[String]) -> Vec<NameSpec> {
    let mut specs = Vec::new();
    let mut after_prose = false;
    for piece in pieces {
        // The piece's own bullet first: "1. _ga" must not leave a word "1".
        let piece = clean(piece);
        let words: Vec<String> = piece
            .split_whitespace()
            .map(clean)
            .filter(|word| !word.is_empty())
            .collect();
        if let Some(stem) = prose_stem(&words) {
            specs.push(NameSpec {
                name: stem,
                kind: MatchKind::Prefix,
            });
            after_prose = true;
            continue;
        }
        let found = read_words(&words);
        if after_prose
            && let [only] = found.as_slice()
            && only.kind == MatchKind::Exact
        {
            specs.push(NameSpec {
                name: only.name.clone(),
                kind: MatchKind::Prefix,
            });
            continue;
        }
        after_prose = false;
        specs.extend(found);
    }
    specs
}

/// The names among the cleaned words of a piece that is not a prose family.
fn read_words(words: &[String]) -> Vec<NameSpec> {
    match words {
        [] => Vec::new(),
        [word] => name_spec(word).into_iter().collect(),
        // The family typo "_pk_ *": a stem, a space, then a lone wildcard.
        [stem, wild] if (wild == "*" || wild == "#") && is_token(stem) => {
            name_spec(&format!("{stem}{wild}")).into_iter().collect()
        }
        _ => words
            .iter()
            .filter(|word| looks_like_name(word))
            .filter_map(|word| name_spec(word))
            .collect(),
    }
}

/// The stem of a family described in prose ("tous les cookies commençant par _hs"), if the
/// words are such prose.
fn prose_stem(words: &[String]) -> Option<String> {
    if words.len() < 2 {
        return None;
    }
    let folded: Vec<String> = words.iter().map(|word| fold(word)).collect();
    let triggered = folded
        .iter()
        .any(|word| FAMILY_TRIGGERS.iter().any(|t| word.starts_with(t)));
    if !triggered {
        return None;
    }
    let stem = match words.iter().find(|word| looks_like_name(word)) {
        Some(word) => word.as_str(),
        None => word_after_preposition(words, &folded)?,
    };
    let stem = stem.trim_end_matches(['*', '#']);
    (is_token(stem) && parts(stem).iter().any(|part| matches!(part, Part::Char(_))))
        .then(|| stem.to_string())
}

/// The first word after a stem preposition that is not a filler ("with the prefix intercom").
fn word_after_preposition<'a>(words: &'a [String], folded: &[String]) -> Option<&'a str> {
    let at = folded
        .iter()
        .position(|word| STEM_PREPOSITIONS.contains(&word.as_str()))?;
    words
        .iter()
        .zip(folded)
        .skip(at + 1)
        .find(|(_, folded)| !STEM_FILLERS.contains(&folded.as_str()))
        .map(|(word, _)| word.as_str())
}

/// The declaration a single cleaned word makes, if it is a name at all.
fn name_spec(word: &str) -> Option<NameSpec> {
    if !is_token(word) || PLACEHOLDERS.contains(&fold(word).as_str()) {
        return None;
    }
    let parts = parts(word);
    // A name that is only wildcards ("*", "{id}") would cover every cookie.
    if !parts.iter().any(|part| matches!(part, Part::Char(_))) {
        return None;
    }
    Some(NameSpec {
        name: word.to_string(),
        kind: kind_of(&parts),
    })
}

/// Whether `word` may be a cookie name: printable ASCII without the separators of a cookie
/// header, with at least one letter or underscore.
fn is_token(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | ',' | ';' | '\\' | '(' | ')'))
        // A bare number in a name cell is a footnote or a count, not a name.
        && word.chars().any(|c| c.is_ascii_alphabetic() || c == '_')
}

/// `piece` without list bullets, bold markers, quotes and trailing punctuation.
fn clean(piece: &str) -> String {
    let mut text = piece.trim();
    loop {
        let before = text;
        text = strip_bullet(text);
        if text.len() >= 4 && text.starts_with("**") && text.ends_with("**") {
            text = &text[2..text.len() - 2];
        }
        text = text
            .trim_matches(QUOTES)
            .trim_end_matches(['.', ',', ';', ':', '!', '?'])
            .trim();
        if text == before {
            return text.to_string();
        }
    }
}

/// `text` without a leading list marker ("- ", "• ", "1. ").
fn strip_bullet(text: &str) -> &str {
    let digits = text.trim_start_matches(|c: char| c.is_ascii_digit());
    let after_marker = if digits.len() < text.len() {
        digits.strip_prefix(['.', ')'])
    } else {
        text.strip_prefix(['-', '*', '•', '·', '–', '—', '▪', '►', '‣', '◦'])
    };
    match after_marker {
        Some(rest) if rest.starts_with(char::is_whitespace) => rest.trim_start(),
        _ => text,
    }
}

// ---------------------------------------------------------------------------------------------
// Families

/// One element of a written name: a literal character or a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Char(char),
    /// `*`, `#`, `<…>`, `[…]`, `{…}` or a run of three or more `X`: one or more characters.
    Wild,
}

/// The length of a placeholder run of `N` or `x` at `at` (`_hjSessionUser_NNNNNN`,
/// `_ga_xxxxxx`): three or more, standing apart from letters on both sides.
fn placeholder_run(chars: &[char], at: usize) -> Option<usize> {
    let c = *chars.get(at)?;
    if !matches!(c, 'N' | 'x') {
        return None;
    }
    let run = chars[at..].iter().take_while(|&&d| d == c).count();
    let apart = |d: Option<&char>| d.is_none_or(|d| !d.is_ascii_alphabetic());
    let before = at.checked_sub(1).and_then(|b| chars.get(b));
    (run >= 3 && apart(before) && apart(chars.get(at + run))).then_some(run)
}

/// Whether a written name holds a placeholder run of `N` or `x`.
fn has_placeholder_run(word: &str) -> bool {
    // Most names hold neither: the common cell is answered without collecting its characters.
    if !word.contains("NNN") && !word.contains("xxx") {
        return false;
    }
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len()).any(|at| placeholder_run(&chars, at).is_some())
}

/// The literal characters and wildcards of a written name.
fn parts(written: &str) -> Vec<Part> {
    let chars: Vec<char> = written.chars().collect();
    let mut parts = Vec::with_capacity(chars.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let closer = match c {
            '<' => Some('>'),
            '[' => Some(']'),
            '{' => Some('}'),
            _ => None,
        };
        if c == '*' || c == '#' {
            parts.push(Part::Wild);
            i += 1;
        } else if let Some(end) =
            closer.and_then(|closer| chars[i + 1..].iter().position(|&d| d == closer))
        {
            parts.push(Part::Wild);
            i += end + 2;
        } else if c == 'X' {
            let run = chars[i..].iter().take_while(|&&d| d == 'X').count();
            if run >= 3 {
                parts.push(Part::Wild);
            } else {
                parts.extend(std::iter::repeat_n(Part::Char('X'), run));
            }
            i += run;
        } else if let Some(run) = placeholder_run(&chars, i) {
            parts.push(Part::Wild);
            i += run;
        } else {
            parts.push(Part::Char(c));
            i += 1;
        }
    }
    parts
}

/// Exact without wildcards, prefix with one wildcard at the end, pattern otherwise.
fn kind_of(parts: &[Part]) -> MatchKind {
    let wilds = parts.iter().filter(|&&part| part == Part::Wild).count();
    match wilds {
        0 => MatchKind::Exact,
        1 if parts.last() == Some(&Part::Wild) => MatchKind::Prefix,
        _ => MatchKind::Pattern,
    }
}

/// Whether `cookie` is the literal parts in order, each wildcard standing for one or more
/// characters.
fn glob(parts: &[Part], cookie: &str) -> bool {
    /// A wildcard is one character followed by any run, so the classic `?`/`*` matcher applies.
    #[derive(Clone, Copy)]
    enum Step {
        Char(char),
        One,
        Any,
    }
    let steps: Vec<Step> = parts
        .iter()
        .flat_map(|part| match part {
            Part::Char(c) => vec![Step::Char(*c)],
            Part::Wild => vec![Step::One, Step::Any],
        })
        .collect();
    let text: Vec<char> = cookie.chars().collect();
    let (mut s, mut t) = (0, 0);
    // Where the last `Any` was met and how far into the text it had reached, to retry from.
    let mut retry: Option<(usize, usize)> = None;
    while let Some(&c) = text.get(t) {
        match steps.get(s) {
            Some(Step::One) => {
                s += 1;
                t += 1;
            }
            Some(Step::Char(d)) if *d == c => {
                s += 1;
                t += 1;
            }
            Some(Step::Any) => {
                retry = Some((s, t));
                s += 1;
            }
            _ => match retry {
                Some((any, from)) => {
                    retry = Some((any, from + 1));
                    s = any + 1;
                    t = from + 1;
                }
                None => return false,
            },
        }
    }
    steps[s.min(steps.len())..]
        .iter()
        .all(|step| matches!(step, Step::Any))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(name: &str) -> NameSpec {
        NameSpec {
            name: name.to_string(),
            kind: MatchKind::Exact,
        }
    }

    fn prefix(name: &str) -> NameSpec {
        NameSpec {
            name: name.to_string(),
            kind: MatchKind::Prefix,
        }
    }

    fn pattern(name: &str) -> NameSpec {
        NameSpec {
            name: name.to_string(),
            kind: MatchKind::Pattern,
        }
    }

    #[test]
    fn vendor_words_are_told_from_cookie_names() {
        let exact = |name: &str| NameSpec {
            name: name.to_string(),
            kind: MatchKind::Exact,
        };
        assert!(names_vendor(&exact("Matomo"), &["", ""]));
        assert!(names_vendor(&exact("Hotjar"), &["Hotjar Ltd", ""]));
        assert!(names_vendor(&exact("Statify"), &["Statify plugin", ""]));
        assert!(!names_vendor(&exact("Statify"), &["WordPress", ""]));
        for (cookie, provider) in [
            ("NID", "Google"),
            ("AWSALB", "Amazon"),
            ("tarteaucitron", "tarteaucitron"),
            ("_ga", "Google"),
            ("CookieConsent", "Cookiebot"),
            ("YSC", "YouTube"),
        ] {
            assert!(!names_vendor(&exact(cookie), &[provider, ""]), "{cookie}");
        }
        let family = NameSpec {
            name: "Matomo".to_string(),
            kind: MatchKind::Prefix,
        };
        assert!(!names_vendor(&family, &["Matomo", ""]));
    }

    #[test]
    fn fold_lowercases_and_drops_accents() {
        let cases = [
            ("Durée", "duree"),
            ("PRÉFÉRENCES", "preferences"),
            ("Schließen", "schliessen"),
            ("jusqu’à", "jusqu'a"),
            ("Ça hè ïô ñ Œuvre", "ca he io n oeuvre"),
            ("e\u{301}te\u{301}", "ete"),
        ];
        for (text, folded) in cases {
            assert_eq!(fold(text), folded, "{text}");
        }
    }

    #[test]
    fn split_cuts_at_every_separator() {
        let cases: &[(&str, &[&str])] = &[
            ("_ga", &["_ga"]),
            ("_ga, _gid", &["_ga", "_gid"]),
            ("_ga\n_gid\n_gat", &["_ga", "_gid", "_gat"]),
            ("_ga; _gid", &["_ga", "_gid"]),
            ("_ga / _gid", &["_ga", "_gid"]),
            ("_ga et _gid", &["_ga", "_gid"]),
            ("_ga and _gid", &["_ga", "_gid"]),
            ("_ga en _gid", &["_ga", "_gid"]),
            ("_ga und _gid", &["_ga", "_gid"]),
            ("_ga ou _gid", &["_ga", "_gid"]),
            ("_ga or _gid", &["_ga", "_gid"]),
            ("_ga, _gid et _gat", &["_ga", "_gid", "_gat"]),
            ("a/b", &["a/b"]),
        ];
        for (cell, names) in cases {
            let found: Vec<String> = split(cell).into_iter().map(|spec| spec.name).collect();
            assert_eq!(found, *names, "{cell:?}");
        }
    }

    #[test]
    fn split_cleans_names() {
        let cases = [
            ("`_ga`", "_ga"),
            ("\"_ga\"", "_ga"),
            ("'_ga'", "_ga"),
            ("« _ga »", "_ga"),
            ("“_ga”", "_ga"),
            ("- _ga", "_ga"),
            ("• _ga", "_ga"),
            ("* _ga", "_ga"),
            ("1. _ga", "_ga"),
            ("_ga.", "_ga"),
            ("_ga:", "_ga"),
            ("**_ga**", "_ga"),
            ("_ga (Google Analytics)", "_ga"),
            ("_ga (Google Analytics, 2 years)", "_ga"),
            ("  sessionid  ", "sessionid"),
        ];
        for (cell, name) in cases {
            assert_eq!(split(cell), vec![exact(name)], "{cell:?}");
        }
    }

    #[test]
    fn split_keeps_commas_of_remarks_out_of_the_names() {
        assert_eq!(
            split("_ga (Google, Inc.), _gid"),
            vec![exact("_ga"), exact("_gid")]
        );
        // An unclosed remark ends with its line.
        assert_eq!(
            split("_ga (Google\n_gid"),
            vec![exact("_ga"), exact("_gid")]
        );
    }

    #[test]
    fn split_drops_empty_pieces_placeholders_and_prose() {
        let cases = [
            "",
            "   ",
            ",,;",
            "-",
            "n/a",
            "Aucun",
            "*",
            "{id}",
            "1",
            "42.",
            "Google Analytics",
            "Cookies de mesure d'audience",
            "préférences",
        ];
        for cell in cases {
            assert_eq!(split(cell), Vec::new(), "{cell:?}");
        }
        assert_eq!(split("_ga, etc."), vec![exact("_ga")]);
    }

    #[test]
    fn split_takes_names_out_of_short_prose() {
        assert_eq!(split("le cookie _ga"), vec![exact("_ga")]);
        assert_eq!(split("PHPSESSID cookie"), vec![exact("PHPSESSID")]);
    }

    #[test]
    fn split_reads_written_families() {
        let cases = [
            ("_ga_*", prefix("_ga_*")),
            ("_pk_id.*", prefix("_pk_id.*")),
            ("_pk_id#", prefix("_pk_id#")),
            ("_pk_ *", prefix("_pk_*")),
            ("_hjSession_#", prefix("_hjSession_#")),
            ("SSESS<ID>", prefix("SSESS<ID>")),
            ("incap_ses_*", prefix("incap_ses_*")),
            ("_ga_XXXXXXX", prefix("_ga_XXXXXXX")),
            ("_ga_<container-id>", prefix("_ga_<container-id>")),
            ("session_{id}", prefix("session_{id}")),
            ("[id]_l", pattern("[id]_l")),
            ("_pk_id.*.*", pattern("_pk_id.*.*")),
            ("`_ga_*`", prefix("_ga_*")),
            // Two X are letters, not a placeholder.
            ("XX_ga", exact("XX_ga")),
        ];
        for (cell, spec) in cases {
            assert_eq!(split(cell), vec![spec], "{cell:?}");
        }
    }

    #[test]
    fn split_reads_prose_families() {
        let cases = [
            "any cookie starting with _hs",
            "cookies starting with _hs",
            "all cookies prefixed with _hs",
            "tout cookie commençant par _hs",
            "tous les cookies commençant par _hs",
            "cookies préfixés par _hs",
            "alle cookies die beginnen met _hs",
            "cookies beginnend met _hs",
            "alle Cookies, die mit _hs beginnen",
            "Cookies, die mit _hs beginnen",
            "cookies starting with `_hs`",
            "cookies starting with _hs*",
        ];
        for cell in cases {
            assert_eq!(split(cell), vec![prefix("_hs")], "{cell:?}");
        }
        assert_eq!(
            split("cookies starting with the prefix intercom"),
            vec![prefix("intercom")]
        );
    }

    #[test]
    fn a_name_joined_to_a_prose_family_is_a_family_too() {
        assert_eq!(
            split("cookies starting with _hs or _hj"),
            vec![prefix("_hs"), prefix("_hj")]
        );
        assert_eq!(
            split("cookies starting with _hs\n_hj"),
            vec![prefix("_hs"), exact("_hj")]
        );
    }

    #[test]
    fn families_match_their_members_only() {
        // (written, kind, cookie, covered)
        let cases = [
            ("_ga_*", MatchKind::Prefix, "_ga_ABC123", true),
            ("_ga_*", MatchKind::Prefix, "_ga", false),
            ("_ga_*", MatchKind::Prefix, "_gat", false),
            ("_ga_*", MatchKind::Prefix, "_ga_", false),
            ("_pk_id.*", MatchKind::Prefix, "_pk_id.1.a3f0", true),
            ("_pk_id.*", MatchKind::Prefix, "_pk_ses.1.a3f0", false),
            ("_pk_id#", MatchKind::Prefix, "_pk_id.1.a3f0", true),
            ("_pk_id#", MatchKind::Prefix, "_pk_id", false),
            ("_pk_*", MatchKind::Prefix, "_pk_ses.1.x", true),
            ("_pk_*", MatchKind::Prefix, "_pk", false),
            ("_hjSession_#", MatchKind::Prefix, "_hjSession_123456", true),
            (
                "_hjSession_#",
                MatchKind::Prefix,
                "_hjsession_123456",
                false,
            ),
            ("SSESS<ID>", MatchKind::Prefix, "SSESSabc123", true),
            ("SSESS<ID>", MatchKind::Prefix, "SESSabc", false),
            ("incap_ses_*", MatchKind::Prefix, "incap_ses_123_456", true),
            ("incap_ses_*", MatchKind::Prefix, "incap_sess", false),
            ("[id]_l", MatchKind::Pattern, "42_l", true),
            ("[id]_l", MatchKind::Pattern, "42_lx", false),
            ("[id]_l", MatchKind::Pattern, "_l", false),
            ("_ga_XXXXXXX", MatchKind::Prefix, "_ga_1A2B3C", true),
            ("_ga_XXXXXXX", MatchKind::Prefix, "_gid", false),
            ("_ga_<container-id>", MatchKind::Prefix, "_ga_QWERTY", true),
            ("_ga_<container-id>", MatchKind::Prefix, "_gb_QWERTY", false),
            ("_pk_id.*.*", MatchKind::Pattern, "_pk_id.1.a3f0", true),
            ("_pk_id.*.*", MatchKind::Pattern, "_pk_id.1", false),
            ("_hs", MatchKind::Prefix, "_hssc", true),
            ("_hs", MatchKind::Prefix, "_hstc", true),
            ("_hs", MatchKind::Prefix, "_hs", true),
            ("_hs", MatchKind::Prefix, "__hs", false),
            ("_ga", MatchKind::Exact, "_ga", true),
            ("_ga", MatchKind::Exact, "_ga_X", false),
            ("_ga", MatchKind::Exact, "_GA", false),
            ("sessionid", MatchKind::Pattern, "sessionid", true),
            ("sessionid", MatchKind::Pattern, "sessionid2", false),
        ];
        for (written, kind, cookie, covered) in cases {
            assert_eq!(
                matches(written, kind, cookie),
                covered,
                "{written} {kind:?} {cookie}"
            );
        }
    }

    #[test]
    fn glob_retries_after_a_false_start() {
        assert!(matches("a*b*c", MatchKind::Pattern, "axbxbyc"));
        assert!(matches("a*bc", MatchKind::Pattern, "abcbc"));
        assert!(!matches("a*bc", MatchKind::Pattern, "abcb"));
        assert!(!matches("a*b*c", MatchKind::Pattern, "abc"));
    }

    #[test]
    fn split_names_match_the_cookies_they_declare() {
        let [spec] = split("_pk_ *")
            .try_into()
            .unwrap_or_else(|v| panic!("{v:?}"));
        assert!(matches(&spec.name, spec.kind, "_pk_ses.1.x"));
        assert!(!matches(&spec.name, spec.kind, "_pk"));
        let [spec] = split("tous les cookies commençant par _hs")
            .try_into()
            .unwrap_or_else(|v| panic!("{v:?}"));
        assert!(matches(&spec.name, spec.kind, "_hssc"));
        assert!(!matches(&spec.name, spec.kind, "_h"));
    }

    #[test]
    fn declaration_matches_through_its_kind() {
        let declaration = Declaration {
            name: "_ga_*".to_string(),
            match_kind: MatchKind::Prefix,
            provider: String::new(),
            service: String::new(),
            purpose: String::new(),
            category: crate::types::Category::Statistics,
            duration: None,
            duration_seconds: None,
        };
        assert!(covers(&declaration, "_ga_ABC"));
        assert!(!covers(&declaration, "_ga"));
    }

    #[test]
    fn looks_like_name_tells_names_from_words() {
        for word in ["_ga", "AWSALB2", "NID", "SSESS<ID>", "x1"] {
            assert!(looks_like_name(word), "{word}");
        }
        for word in ["Google", "YouTube", "cookies", "préférences", "a", "(x)"] {
            assert!(!looks_like_name(word), "{word}");
        }
    }

    #[test]
    fn split_survives_hostile_input() {
        let cells = [
            "<<<<<<<<",
            "[[[",
            "((((",
            "))))",
            "é,è;à\n\u{300}",
            "XXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "** *",
            "\u{0}\u{1}",
        ];
        for cell in cells {
            let specs = split(cell);
            for spec in specs {
                let _ = matches(&spec.name, spec.kind, cell);
            }
        }
        assert!(!matches("<<<", MatchKind::Pattern, "<<"));
    }

    #[test]
    fn the_plain_name_shortcut_reads_as_the_general_reader_does() {
        for cell in [
            "sessionid",
            "_ga",
            "JSESSIONID",
            "_pk_id.1.a3f0",
            "AWSALB-CORS",
            "x",
            "_",
            "a.b",
            " csrftoken ",
            "cookie",
            "Cookies",
            "et",
            "OR",
            "n-a",
            "NA",
            "_ga_XXXXXX",
            "42",
            "1.",
            "v2",
            "__Host-id",
            "z9",
        ] {
            let fast = plain_name(cell).map(|name| NameSpec {
                name: name.to_string(),
                kind: MatchKind::Exact,
            });
            let general = split_general(cell);
            if let Some(fast) = fast {
                assert_eq!(general, vec![fast], "{cell:?}");
            }
            assert_eq!(split(cell), general, "{cell:?}");
        }
    }

    #[test]
    fn placeholder_runs_and_a_bare_final_dot_make_families() {
        let one = |cell: &str| {
            let specs = split(cell);
            assert_eq!(specs.len(), 1, "{cell}: {specs:?}");
            (specs[0].name.clone(), specs[0].kind)
        };
        let (name, kind) = one("_hjSessionUser_NNNNNN");
        assert_eq!(kind, MatchKind::Prefix);
        assert!(matches(&name, kind, "_hjSessionUser_123456"));
        assert!(!matches(&name, kind, "_hjSession_123456"));
        let (name, kind) = one("_ga_xxxxxxxx");
        assert!(matches(&name, kind, "_ga_ABC123") && kind == MatchKind::Prefix);
        let (name, kind) = one("_pk_ses.");
        assert_eq!((name.as_str(), kind), ("_pk_ses.", MatchKind::Prefix));
        assert!(matches(&name, kind, "_pk_ses.1.a1b2"));
        assert!(!matches(&name, kind, "_pk_id.1.a1b2"));
        // Letters around a run keep it literal; a sentence's final dot is no family.
        assert_eq!(one("ANNNA").1, MatchKind::Exact);
        assert_eq!(one("sessionid").1, MatchKind::Exact);
        assert_eq!(one("lang.").1, MatchKind::Exact);
    }
}
