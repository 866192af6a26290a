//! Which cookie category a heading, a label, a cell or a purpose names, in the languages
//! charters are written in.

use crate::text::fold;
use crate::types::Category;

/// The category words in a heading, a category cell or a purpose, if any.
///
/// When several categories are named, the one needing consent the most wins (marketing, then
/// statistics), except that functional words beside necessary ones ("nécessaires au bon
/// fonctionnement / cookies fonctionnels") still mean necessary. Negated words ("non
/// nécessaires", "not strictly necessary") do not count.
pub(crate) fn category_of(text: &str) -> Option<Category> {
    let words = words_of(&fold(text));
    let said = |stems: &[&str], exact: &[&str]| {
        words.iter().enumerate().any(|(at, word)| {
            (stems.iter().any(|stem| word.starts_with(stem)) || exact.contains(&word.as_str()))
                && !negated(&words, at)
        })
    };
    if said(MARKETING_STEMS, &[]) {
        Some(Category::Marketing)
    } else if said(STATISTICS_STEMS, &[]) {
        Some(Category::Statistics)
    } else if said(NECESSARY_STEMS, NECESSARY_WORDS) {
        Some(Category::Necessary)
    } else if said(FUNCTIONAL_STEMS, &[]) {
        Some(Category::Functional)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Categories

const NECESSARY_STEMS: &[&str] = &[
    "necessaire",
    "necessary",
    "essential",
    "essentiel",
    "noodzakelijk",
    "notwendig",
    "erforderlich",
    "indispensable",
    // Spanish, Italian, Portuguese, Catalan: Opendatasoft runs portals in those languages too.
    "necesari",
    "necessari",
    "esencial",
    "essenzial",
    "essenci",
    "imprescindible",
    "tecnic",
    // "Cookies obligatoires" (tarteaucitron's mandatory group), "mandatory", "verplicht".
    "obligatoir",
    "obligatori",
    "obbligatori",
    "mandatory",
    "verplicht",
];

/// Short words that would match too much as stems ("technologies").
const NECESSARY_WORDS: &[&str] = &[
    "technique",
    "techniques",
    "technical",
    "technisch",
    "technische",
];

/// Stems of functional words; "fonctionnel" on purpose does not match "fonctionnement".
const FUNCTIONAL_STEMS: &[&str] = &[
    "fonctionnel",
    "functional",
    "functione",
    "funktional",
    "funktionscookie",
    "funcional",
    "funzional",
    "preferen",
    "praferenz",
    "voorkeur",
];

const STATISTICS_STEMS: &[&str] = &[
    "statisti",
    "audienc",
    "analyti",
    "analyse",
    "performance",
    "estadistic",
    "analiti",
    "medicion",
    "misurazion",
    "medicao",
    "rendiment",
    "prestazion",
];

const MARKETING_STEMS: &[&str] = &[
    "publicit",
    "marketing",
    "advertis",
    "advertentie",
    "targeting",
    "ciblage",
    "reclame",
    "werb",
    "pubblicit",
    "profilazion",
    // Social networks and embedded videos track visitors for their own ends (tarteaucitron's
    // "Réseaux sociaux", "Vidéos"): consent is needed as for advertising.
    "social",
    "sociaux",
    "video",
];

/// Words that turn a category word into its opposite when they stand just before it.
const NEGATIONS: &[&str] = &[
    "non", "not", "no", "niet", "nicht", "pas", "geen", "kein", "keine", "sans", "without",
    "zonder", "ohne", "sin", "senza", "sem",
];

/// Whether one of the two words before `at` negates it ("pas strictement nécessaires").
fn negated(words: &[String], at: usize) -> bool {
    words[at.saturating_sub(2)..at]
        .iter()
        .any(|word| NEGATIONS.contains(&word.as_str()))
}

/// The alphanumeric words of folded text.
pub(super) fn words_of(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}
