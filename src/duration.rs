//! Cookie lifetimes as charters write them ("13 mois", "Session", "2 weeks by default",
//! "6 à 13 mois"), in French, English, Dutch and German.
//!
//! Quantities are read wherever they stand in the text ("13 mois après le dépôt"), but a
//! session is only recognised when the whole text speaks of the session or of closing the
//! browser: a purpose such as "remembers you during the session" is not a lifetime.

use crate::text::fold;

/// Seconds in a day.
pub const DAY: u64 = 86_400;
/// Seconds in a month, counted as 30 days.
pub const MONTH: u64 = 30 * DAY;
/// Seconds in a year, counted as 365 days.
pub const YEAR: u64 = 365 * DAY;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const WEEK: u64 = 7 * DAY;

/// Unit words, folded, with their length in seconds.
const UNITS: &[(&[&str], u64)] = &[
    (
        &[
            "s", "sec", "secs", "second", "seconds", "seconde", "secondes", "seconden", "sekunde",
            "sekunden", "segundo", "segundos", "secondo", "secondi", "segon", "segons",
        ],
        1,
    ),
    (
        &[
            "min", "mins", "minute", "minutes", "minuut", "minuten", "minuto", "minutos", "minuti",
            "minut", "minuts",
        ],
        MINUTE,
    ),
    (
        &[
            "h", "hr", "hrs", "hour", "hours", "heure", "heures", "uur", "uren", "stunde",
            "stunden", "std", "hora", "horas", "ora", "ore", "hores",
        ],
        HOUR,
    ),
    (
        &[
            "d", "j", "day", "days", "jour", "jours", "dag", "dagen", "tag", "tage", "tagen",
            "dia", "dias", "giorno", "giorni", "dies",
        ],
        DAY,
    ),
    (
        &[
            "week",
            "weeks",
            "semaine",
            "semaines",
            "weken",
            "woche",
            "wochen",
            "semana",
            "semanas",
            "settimana",
            "settimane",
            "setmana",
            "setmanes",
        ],
        WEEK,
    ),
    (
        &[
            "month", "months", "mois", "maand", "maanden", "monat", "monate", "monaten", "mes",
            "meses", "mese", "mesi", "mesos",
        ],
        MONTH,
    ),
    (
        &[
            "y", "yr", "yrs", "year", "years", "an", "ans", "annee", "annees", "jaar", "jaren",
            "jahr", "jahre", "jahren", "ano", "anos", "anno", "anni", "any", "anys",
        ],
        YEAR,
    ),
];

/// Number words, folded, up to thirteen (a CNIL month count).
const NUMBER_WORDS: &[(&[&str], u64)] = &[
    (
        &[
            "un", "une", "one", "een", "ein", "eine", "einen", "einem", "uno", "una", "um", "uma",
        ],
        1,
    ),
    (
        &["deux", "two", "twee", "zwei", "dos", "due", "dois", "duas"],
        2,
    ),
    (&["trois", "three", "drie", "drei", "tres", "tre"], 3),
    (
        &["quatre", "four", "vier", "cuatro", "quattro", "quatro"],
        4,
    ),
    (&["cinq", "five", "vijf", "funf", "cinco", "cinque"], 5),
    (&["six", "zes", "sechs", "seis", "sei"], 6),
    (&["sept", "seven", "zeven", "sieben"], 7),
    (&["huit", "eight", "acht"], 8),
    (&["neuf", "nine", "negen", "neun"], 9),
    (&["dix", "ten", "tien", "zehn"], 10),
    (&["onze", "eleven", "elf"], 11),
    (
        &[
            "douze", "twelve", "twaalf", "zwolf", "doce", "dodici", "dotze", "doze",
        ],
        12,
    ),
    (
        &[
            "treize", "thirteen", "dertien", "dreizehn", "trece", "tredici", "tretze", "treze",
        ],
        13,
    ),
];

/// English articles that count as one only before a unit ("a year", "an hour"); elsewhere "a"
/// is the French "à" of a range and "an" the French year.
const ARTICLES: &[&str] = &["a", "an"];

/// Words that end one alternative of a range ("6 mois à 1 an", "1 year or 2 years").
const RANGE_WORDS: &[&str] = &[
    "a", "to", "tot", "bis", "till", "until", "jusqu", "ou", "or", "oder", "of", "hasta", "fino",
    "ate", "fins", "o",
];

/// Words that join the bounds of a range or the parts of a sum without ending either.
const JOIN_WORDS: &[&str] = &[
    "et", "and", "en", "und", "between", "entre", "tussen", "zwischen", "e", "i",
];

/// Stems that name a session.
const SESSION_STEMS: &[&str] = &["session", "sessie", "sitzung", "sesion", "sessao", "sessio"];

/// Words that name the browser, for "until the browser is closed".
const BROWSER_WORDS: &[&str] = &[
    "browser",
    "navigateur",
    "navigator",
    "webbrowser",
    "navegador",
];

/// Words that say the browser closes.
const CLOSING_WORDS: &[&str] = &[
    "closed",
    "close",
    "closes",
    "closing",
    "quit",
    "quits",
    "exit",
    "exits",
    "fermeture",
    "ferme",
    "fermer",
    "fermez",
    "quitter",
    "sluiten",
    "gesloten",
    "sluit",
    "afsluiten",
    "schliessen",
    "geschlossen",
    "schliesst",
    "beenden",
    "beendet",
    "cerrar",
    "cierre",
    "cierra",
    "chiusura",
    "chiudere",
    "fechar",
    "fechamento",
    "tancar",
];

/// The other words a session lifetime may be written with.
const SESSION_FILLERS: &[&str] = &[
    "a",
    "an",
    "als",
    "are",
    "at",
    "bis",
    "cookie",
    "cookies",
    "cours",
    "courante",
    "current",
    "d",
    "das",
    "dauer",
    "de",
    "dem",
    "den",
    "der",
    "des",
    "die",
    "du",
    "duration",
    "duree",
    "durant",
    "during",
    "einde",
    "en",
    "end",
    "ende",
    "ending",
    "est",
    "et",
    "expiration",
    "expire",
    "expires",
    "expiry",
    "fin",
    "for",
    "fur",
    "het",
    "is",
    "jusqu",
    "l",
    "la",
    "laufzeit",
    "le",
    "les",
    "lifetime",
    "looptijd",
    "lorsque",
    "of",
    "once",
    "only",
    "op",
    "pendant",
    "pour",
    "quand",
    "seulement",
    "sobald",
    "the",
    "tijdens",
    "time",
    "till",
    "tot",
    "u",
    "uniquement",
    "until",
    "uw",
    "van",
    "voor",
    "votre",
    "vous",
    "wahrend",
    "wanneer",
    "wenn",
    "when",
    "wird",
    "wordt",
    "you",
    "your",
    "zodra",
    "zum",
    "zur",
    "deleted",
    "supprime",
    "efface",
    "verwijderd",
    "geloscht",
    "removed",
    "alleen",
    "nur",
    "y",
    "is",
    "al",
    "del",
    "della",
    "el",
    "final",
    "fine",
    "hasta",
    "se",
    "que",
    "do",
    "da",
    "verloopt",
    "aan",
    "am",
    "endet",
    "termine",
    "termina",
];

/// Digits beyond these after a decimal separator do not change a lifetime.
const MAX_DECIMALS: u32 = 6;

/// Seconds a charter's duration text means: Some(0) for a session cookie, None when not
/// understood.
pub fn parse(text: &str) -> Option<u64> {
    let tokens = tokens(&fold(text));
    if let Some(seconds) = lifetime(&tokens) {
        return Some(seconds);
    }
    if says_never(&tokens) {
        return Some(NEVER);
    }
    is_session(&tokens).then_some(0)
}

/// What "Never" ("Jamais", "Nunca", "Nooit") reads as: a hundred years. The cookie is
/// persistent with no end; any lifetime a site really asks for is shorter, so a "never"
/// declaration is never judged too short, and a session cookie declared so is still seen not
/// to persist.
pub const NEVER: u64 = 100 * YEAR;

/// "Never", "never expires", "n'expire jamais": the whole text says the cookie does not end.
fn says_never(tokens: &[Token]) -> bool {
    let words: Vec<&str> = tokens
        .iter()
        .filter_map(|token| match token {
            Token::Word(word) => Some(word.as_str()),
            _ => None,
        })
        .collect();
    words.len() == tokens.len()
        && words.iter().any(|word| NEVER_WORDS.contains(word))
        && words
            .iter()
            .all(|word| NEVER_WORDS.contains(word) || NEVER_FILLERS.contains(word))
}

/// "Never" in the charters' languages, folded.
const NEVER_WORDS: &[&str] = &["never", "jamais", "nunca", "mai", "nooit", "nie", "niemals"];

/// The other words of a "never expires" duration.
const NEVER_FILLERS: &[&str] = &[
    "expires",
    "expire",
    "expiring",
    "n",
    "ne",
    "caduca",
    "scade",
    "expira",
    "verloopt",
    "ablaufend",
    "lauft",
    "ab",
    "it",
    "does",
    "not",
    "no",
    "non",
];

/// A number written with digits: `mantissa / 10^decimals`, or `None` when too large to mean
/// anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Amount {
    mantissa: Option<u128>,
    decimals: u32,
}

impl Amount {
    fn whole(value: u64) -> Amount {
        Amount {
            mantissa: Some(u128::from(value)),
            decimals: 0,
        }
    }

    /// This many units, in whole seconds, if that fits in a `u64`.
    fn times(self, unit: u64) -> Option<u64> {
        let seconds = self.mantissa?.checked_mul(u128::from(unit))? / 10u128.pow(self.decimals);
        u64::try_from(seconds).ok()
    }
}

/// One token of folded duration text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Number(Amount),
    Word(String),
    /// A hyphen or dash: a range ("6-13 months") or a pause.
    Dash,
}

/// The numbers, words and dashes of folded text; other characters only separate them.
fn tokens(folded: &str) -> Vec<Token> {
    let chars: Vec<char> = folded.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_ascii_digit() {
            let (amount, next) = read_number(&chars, i);
            tokens.push(Token::Number(amount));
            i = next;
        } else if c.is_alphabetic() {
            let length = chars[i..].iter().take_while(|c| c.is_alphabetic()).count();
            tokens.push(Token::Word(chars[i..i + length].iter().collect()));
            i += length;
        } else {
            if matches!(c, '-' | '–' | '—') {
                tokens.push(Token::Dash);
            }
            i += 1;
        }
    }
    tokens
}

/// The number starting at `start` ("13", "1,5", "0.25") and the index after it.
fn read_number(chars: &[char], start: usize) -> (Amount, usize) {
    let mut mantissa = Some(0u128);
    let mut decimals = 0;
    let mut i = start;
    let mut in_fraction = false;
    loop {
        match chars.get(i) {
            Some(c) if c.is_ascii_digit() => {
                if !in_fraction || decimals < MAX_DECIMALS {
                    let digit = u128::from(c.to_digit(10).unwrap_or(0));
                    mantissa = mantissa
                        .and_then(|m| m.checked_mul(10))
                        .and_then(|m| m.checked_add(digit));
                    if in_fraction {
                        decimals += 1;
                    }
                }
            }
            // A decimal comma or point only between digits: "1,5 ans", not "13 mois, 2 ans".
            Some(',' | '.')
                if !in_fraction && chars.get(i + 1).is_some_and(char::is_ascii_digit) =>
            {
                in_fraction = true;
            }
            _ => return (Amount { mantissa, decimals }, i),
        }
        i += 1;
    }
}

/// The seconds of the unit word `word`, if it is one.
fn unit_seconds(token: Option<&Token>) -> Option<u64> {
    let Some(Token::Word(word)) = token else {
        return None;
    };
    UNITS
        .iter()
        .find(|(words, _)| words.contains(&word.as_str()))
        .map(|&(_, seconds)| seconds)
}

/// The amount token `at` stands for, written in digits or in words.
fn amount_at(tokens: &[Token], at: usize) -> Option<Amount> {
    match tokens.get(at)? {
        Token::Number(amount) => Some(*amount),
        Token::Word(word) if ARTICLES.contains(&word.as_str()) => unit_seconds(tokens.get(at + 1))
            .is_some()
            .then(|| Amount::whole(1)),
        Token::Word(word) => NUMBER_WORDS
            .iter()
            .find(|(words, _)| words.contains(&word.as_str()))
            .map(|&(_, value)| Amount::whole(value)),
        Token::Dash => None,
    }
}

/// The lifetime the quantities of the text add up to: parts of one alternative are summed
/// ("1 an et 6 mois"), alternatives of a range give their maximum ("6 mois à 1 an"), and a
/// bare number takes the unit of the quantity after it ("6 à 13 mois"). `None` when the text
/// has no quantity or one too large for a `u64`.
fn lifetime(tokens: &[Token]) -> Option<u64> {
    let mut longest: Option<u64> = None;
    let mut current: Option<u64> = None;
    let mut bare: Option<Amount> = None;
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        if let Some(amount) = amount_at(tokens, i) {
            if let Some(unit) = unit_seconds(tokens.get(i + 1)) {
                if let Some(low) = bare.take() {
                    longest = longest.max(Some(low.times(unit)?));
                }
                current = Some(current.unwrap_or(0).checked_add(amount.times(unit)?)?);
                i += 2;
                continue;
            }
            bare = Some(amount);
        } else if is_range_separator(token) {
            longest = longest.max(current.take());
        } else if !is_join_word(token) {
            // Only connectors may stand between the bounds of a range: in "1000 visits for
            // 1 day" the 1000 is not a number of days.
            bare = None;
        }
        i += 1;
    }
    longest.max(current)
}

fn is_range_separator(token: &Token) -> bool {
    match token {
        Token::Dash => true,
        Token::Word(word) => RANGE_WORDS.contains(&word.as_str()),
        Token::Number(_) => false,
    }
}

fn is_join_word(token: &Token) -> bool {
    matches!(token, Token::Word(word) if JOIN_WORDS.contains(&word.as_str()))
        || is_range_separator(token)
}

/// Whether the text, having no quantity, says only that the cookie lasts the session or until
/// the browser is closed.
fn is_session(tokens: &[Token]) -> bool {
    let mut session = false;
    let mut browser = false;
    let mut closing = false;
    for token in tokens {
        let word = match token {
            Token::Word(word) => word.as_str(),
            Token::Dash => continue,
            Token::Number(_) => return false,
        };
        if SESSION_STEMS.iter().any(|stem| word.contains(stem)) {
            session = true;
        } else if BROWSER_WORDS.contains(&word) {
            browser = true;
        } else if CLOSING_WORDS.contains(&word) {
            closing = true;
        } else if !SESSION_FILLERS.contains(&word) {
            return false;
        }
    }
    session || (browser && closing)
}

/// "13 months", "2 years", "30 minutes": how people say lifetimes.
pub fn human(seconds: i64) -> String {
    const DAY: i64 = self::DAY as i64;
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match seconds {
        s if s >= 365 * DAY && s % (365 * DAY) == 0 => plural(s / (365 * DAY), "year"),
        s if s >= 30 * DAY && s % (30 * DAY) == 0 => plural(s / (30 * DAY), "month"),
        s if s >= 2 * 365 * DAY => format!("{:.1} years", s as f64 / (365 * DAY) as f64),
        s if s >= 60 * DAY => plural(s / (30 * DAY), "month"),
        s if s >= DAY => plural(s / DAY, "day"),
        s if s >= 3_600 => plural(s / 3_600, "hour"),
        s if s >= 60 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60;
    const HOUR: u64 = 3_600;
    const WEEK: u64 = 7 * DAY;

    #[test]
    fn constants_are_the_charter_conventions() {
        assert_eq!(DAY, 86_400);
        assert_eq!(MONTH, 2_592_000);
        assert_eq!(YEAR, 31_536_000);
        assert_eq!(13 * MONTH, 33_696_000);
    }

    #[test]
    fn session_texts_mean_zero() {
        let cases = [
            "Session",
            "session",
            "SESSION",
            "session cookie",
            "Cookie de session",
            "durée de la session",
            "Durée de la session",
            "fin de session",
            "Fin de la session",
            "end of session",
            "Sitzung",
            "Ende der Sitzung",
            "sessie",
            "einde van de sessie",
            "until the browser is closed",
            "jusqu'à la fermeture du navigateur",
            "Jusqu’à la fermeture du navigateur",
            "  Session\u{a0}",
            "Session-Cookie",
        ];
        for text in cases {
            assert_eq!(parse(text), Some(0), "{text:?}");
        }
    }

    #[test]
    fn prose_about_the_session_is_not_a_lifetime() {
        let cases = [
            "Se souvenir de l'utilisateur pendant la session",
            "keeps you logged in during your session",
            "the browser",
            "closed",
        ];
        for text in cases {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn charter_forms_are_understood() {
        let cases = [
            ("13 mois", 13 * MONTH),
            ("1 an", YEAR),
            ("2 ans", 2 * YEAR),
            ("30 minutes", 30 * MINUTE),
            ("24 heures", 24 * HOUR),
            ("jusqu'à 13 mois", 13 * MONTH),
            ("Jusqu’à 13 mois", 13 * MONTH),
            ("2 weeks by default", 2 * WEEK),
            ("Up to 12 months", 12 * MONTH),
            ("6 months", 6 * MONTH),
            ("12 months", 12 * MONTH),
            ("1 jaar", YEAR),
            ("13 maanden", 13 * MONTH),
            ("30 minuten", 30 * MINUTE),
            ("1 Jahr", YEAR),
            ("24 Stunden", 24 * HOUR),
            ("1 année", YEAR),
            ("2 années", 2 * YEAR),
            ("durée 13 mois", 13 * MONTH),
            ("13 mois après le dépôt", 13 * MONTH),
            ("13mois", 13 * MONTH),
            ("24h", 24 * HOUR),
            ("13\u{a0}mois", 13 * MONTH),
            ("Session (30 minutes)", 30 * MINUTE),
            ("0 seconds", 0),
        ];
        for (text, seconds) in cases {
            assert_eq!(parse(text), Some(seconds), "{text:?}");
        }
    }

    #[test]
    fn number_words_are_understood() {
        let cases = [
            ("un an", YEAR),
            ("une semaine", WEEK),
            ("one year", YEAR),
            ("a year", YEAR),
            ("an hour", HOUR),
            ("een jaar", YEAR),
            ("ein Jahr", YEAR),
            ("eine Woche", WEEK),
            ("deux ans", 2 * YEAR),
            ("two years", 2 * YEAR),
            ("twee jaar", 2 * YEAR),
            ("zwei Jahre", 2 * YEAR),
            ("trois mois", 3 * MONTH),
            ("three days", 3 * DAY),
            ("drie dagen", 3 * DAY),
            ("drei Tage", 3 * DAY),
            ("six mois", 6 * MONTH),
            ("sechs Monate", 6 * MONTH),
            ("douze mois", 12 * MONTH),
            ("twelve months", 12 * MONTH),
            ("zwölf Monate", 12 * MONTH),
            ("treize mois", 13 * MONTH),
            ("thirteen months", 13 * MONTH),
            ("dertien maanden", 13 * MONTH),
            ("dreizehn Monate", 13 * MONTH),
        ];
        for (text, seconds) in cases {
            assert_eq!(parse(text), Some(seconds), "{text:?}");
        }
    }

    #[test]
    fn decimals_sums_and_ranges() {
        let cases = [
            ("1,5 ans", YEAR + YEAR / 2),
            ("1.5 years", YEAR + YEAR / 2),
            ("0,5 heure", HOUR / 2),
            ("1 an et 6 mois", YEAR + 6 * MONTH),
            ("1 year 6 months", YEAR + 6 * MONTH),
            ("1 year and 6 months", YEAR + 6 * MONTH),
            ("1 jaar en 6 maanden", YEAR + 6 * MONTH),
            ("6 à 13 mois", 13 * MONTH),
            ("6-13 months", 13 * MONTH),
            ("6 – 13 mois", 13 * MONTH),
            ("between 6 and 13 months", 13 * MONTH),
            ("entre 6 et 13 mois", 13 * MONTH),
            ("zwischen 6 und 13 Monaten", 13 * MONTH),
            ("6 mois à 1 an", YEAR),
            ("1 an ou 6 mois", YEAR),
            ("13 ou 25 mois", 25 * MONTH),
            ("1000 visits for 1 day", DAY),
        ];
        for (text, seconds) in cases {
            assert_eq!(parse(text), Some(seconds), "{text:?}");
        }
    }

    #[test]
    fn other_texts_are_not_understood() {
        let cases = [
            "",
            "   ",
            "-",
            "N/A",
            "Persistent",
            "permanent",
            "13",
            "13 bananas",
            "mois",
            "par an",
            "Se souvenir de la langue du visiteur",
            "99999999999999999999999999999999999999999999 years",
            "1,5,5,5",
        ];
        for text in cases {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn every_unit_word_round_trips() {
        let units: &[(&str, u64)] = &[
            ("s", 1),
            ("sec", 1),
            ("second", 1),
            ("seconds", 1),
            ("seconde", 1),
            ("secondes", 1),
            ("seconden", 1),
            ("Sekunde", 1),
            ("Sekunden", 1),
            ("min", MINUTE),
            ("minute", MINUTE),
            ("minutes", MINUTE),
            ("minuut", MINUTE),
            ("minuten", MINUTE),
            ("Minuten", MINUTE),
            ("h", HOUR),
            ("hour", HOUR),
            ("hours", HOUR),
            ("heure", HOUR),
            ("heures", HOUR),
            ("uur", HOUR),
            ("uren", HOUR),
            ("Stunde", HOUR),
            ("Stunden", HOUR),
            ("day", DAY),
            ("days", DAY),
            ("jour", DAY),
            ("jours", DAY),
            ("dag", DAY),
            ("dagen", DAY),
            ("Tag", DAY),
            ("Tage", DAY),
            ("week", WEEK),
            ("weeks", WEEK),
            ("semaine", WEEK),
            ("semaines", WEEK),
            ("weken", WEEK),
            ("Woche", WEEK),
            ("Wochen", WEEK),
            ("month", MONTH),
            ("months", MONTH),
            ("mois", MONTH),
            ("maand", MONTH),
            ("maanden", MONTH),
            ("Monat", MONTH),
            ("Monate", MONTH),
            ("year", YEAR),
            ("years", YEAR),
            ("an", YEAR),
            ("ans", YEAR),
            ("année", YEAR),
            ("années", YEAR),
            ("jaar", YEAR),
            ("jaren", YEAR),
            ("Jahr", YEAR),
            ("Jahre", YEAR),
        ];
        for &(unit, seconds) in units {
            for n in 1..=1000u64 {
                assert_eq!(
                    parse(&format!("{n} {unit}")),
                    Some(n * seconds),
                    "{n} {unit}"
                );
            }
        }
    }

    #[test]
    fn hostile_input_neither_panics_nor_crawls() {
        let long = "6 à ".repeat(50_000) + "13 mois";
        assert_eq!(parse(&long), Some(13 * MONTH));
        let digits = "9".repeat(100_000);
        assert_eq!(parse(&format!("{digits} ans")), None);
        // Decimals beyond the sixth are dropped rather than overflowing.
        assert_eq!(
            parse(&format!("1,{digits} ans")),
            Some(YEAR + YEAR * 999_999 / 1_000_000)
        );
        for text in ["\u{0}", "é̈́", "-–—", ",.,.", "1,", "1.", ".5 an"] {
            let _ = parse(text);
        }
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human(13 * MONTH as i64), "13 months");
        assert_eq!(human(2 * YEAR as i64), "2 years");
        assert_eq!(human(30 * MINUTE as i64), "30 minutes");
        assert_eq!(human(DAY as i64), "1 day");
        assert_eq!(human(34_128_000), "13 months");
    }

    #[test]
    fn spanish_italian_portuguese_and_catalan_durations() {
        for (text, seconds) in [
            ("2 años", 2 * YEAR),
            ("13 meses", 13 * MONTH),
            ("30 minutos", 30 * MINUTE),
            ("24 horas", DAY),
            ("1 día", DAY),
            ("dos años", 2 * YEAR),
            ("2 anni", 2 * YEAR),
            ("13 mesi", 13 * MONTH),
            ("30 giorni", 30 * DAY),
            ("2 anos", 2 * YEAR),
            ("1 semana", WEEK),
            ("2 anys", 2 * YEAR),
            ("13 mesos", 13 * MONTH),
            ("1 setmana", WEEK),
            ("aprox. 1 año", YEAR),
            ("circa 6 mesi", 6 * MONTH),
            ("1 año y 6 meses", YEAR + 6 * MONTH),
            ("hasta 2 años", 2 * YEAR),
            ("fino a 12 mesi", 12 * MONTH),
        ] {
            assert_eq!(parse(text), Some(seconds), "{text}");
        }
        for session in ["Sesión", "sessione", "sessão", "sessió", "Fin de la sesión"] {
            assert_eq!(parse(session), Some(0), "{session}");
        }
        assert_eq!(parse("Al cerrar el navegador"), Some(0));
    }

    #[test]
    fn never_is_a_hundred_years_and_only_when_the_text_says_nothing_else() {
        for never in [
            "Never",
            "never expires",
            "Jamais",
            "n'expire jamais",
            "Nunca",
            "Nooit",
        ] {
            assert_eq!(parse(never), Some(NEVER), "{never}");
        }
        assert_eq!(parse("Never used for tracking, 2 years"), Some(2 * YEAR));
        assert_eq!(parse("Persistent"), None);
        assert_eq!(parse("Deleted at any time"), None);
    }
}
