//! Cookies described as a run of "Label: value" list items, one field each ("Nom : _fbp",
//! "Type : cookie", "Durée : 90 jours", "Domaine : .example.fr"): the way consent managers'
//! vendor lists show a vendor's device storage. The run becomes one item the item reader
//! understands (`` `_fbp`: purpose; Provider: …; 90 jours ``); a run whose type is no cookie
//! ("Type : localStorage") declares nothing.

use std::borrow::Cow;

use super::category::category_of;
use super::headers::{Field, field_of, names_no_cookie};
use super::layout::RawItem;
use super::names;

/// `items` with every run of field items that starts with a name field made one item.
pub(crate) fn grouped(items: &[RawItem]) -> Cow<'_, [RawItem]> {
    // Most documents have no field items at all: keep their items as they are.
    if !items
        .iter()
        .any(|item| field(&item.text).is_some_and(|(field, _)| field == Field::Name))
    {
        return Cow::Borrowed(items);
    }
    let mut out = Vec::with_capacity(items.len());
    let mut open: Option<Group> = None;
    for item in items {
        match field(&item.text) {
            Some((Field::Name, value)) => {
                out.extend(open.take().and_then(Group::finish));
                open = Some(Group::new(item.heading.clone(), value));
            }
            Some((field, value)) if open.is_some() => {
                if let Some(group) = open.as_mut() {
                    group.add(field, value);
                }
            }
            _ => {
                out.extend(open.take().and_then(Group::finish));
                out.push(item.clone());
            }
        }
    }
    out.extend(open.take().and_then(Group::finish));
    Cow::Owned(out)
}

/// A name field listing more words than this is a sentence.
const MAX_NAME_WORDS: usize = 12;

/// Labels longer than this are a sentence's start, not a field's label.
const MAX_LABEL_WORDS: usize = 3;

/// The field and value of an item written "Label: value", emphasis and code marks removed.
fn field(text: &str) -> Option<(Field, String)> {
    let (label, value) = text.split_once(':')?;
    // Only paired marks: `_` and `*` inside a name are part of it (`_fbp`, `_pk_id.*`).
    let unmark = |text: &str| {
        let mut text = text.trim();
        for mark in ["**", "__", "`"] {
            if let Some(inner) = text.strip_prefix(mark).and_then(|t| t.strip_suffix(mark)) {
                text = inner.trim();
            }
        }
        text.to_string()
    };
    // "**Name:** _fbp" leaves half a mark on each side of the colon.
    let label = label.trim().trim_matches(['*', '_']);
    let value = value.trim().trim_start_matches("**");
    let (label, value) = (unmark(label), unmark(value));
    // A label is words ("Nom du cookie"); `cookies_preferences: …` is a name and its purpose.
    let worded = label
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '’' | '-' | '(' | ')'));
    if value.is_empty() || !worded || label.split_whitespace().count() > MAX_LABEL_WORDS {
        return None;
    }
    let field = field_of(&label)?;
    // A name field holds names, not a sentence about them.
    let names = || {
        let specs = names::split(&value);
        !specs.is_empty()
            && specs.iter().all(|spec| !spec.name.contains(' '))
            && value.split_whitespace().count() <= MAX_NAME_WORDS
    };
    (field != Field::Name || names()).then_some((field, value))
}

/// A run of fields being gathered.
struct Group {
    heading: Option<String>,
    name: String,
    purpose: Vec<String>,
    provider: Option<String>,
    duration: Option<String>,
    no_cookie: bool,
}

impl Group {
    fn new(heading: Option<String>, name: String) -> Group {
        Group {
            heading,
            name,
            purpose: Vec::new(),
            provider: None,
            duration: None,
            no_cookie: false,
        }
    }

    fn add(&mut self, field: Field, value: String) {
        match field {
            Field::Purpose | Field::Service => self.purpose.push(value),
            Field::Provider => self.provider = Some(value),
            Field::Duration => self.duration = Some(value),
            Field::Category => {
                self.no_cookie |= names_no_cookie(&value);
                // "Catégorie : statistiques" files the cookie as a heading would.
                if category_of(&value).is_some() {
                    self.heading = Some(value);
                }
            }
            // The domain says where, not what: the report has it from the cookie itself.
            Field::Domain | Field::Name => {}
        }
    }

    /// The item the run declares, written as the item reader reads one.
    fn finish(self) -> Option<RawItem> {
        if self.no_cookie {
            return None;
        }
        // The item reader cuts at commas and semicolons: a purpose's own would split it.
        let flat = |text: &str| text.replace([',', ';'], " ");
        let mut text = format!("`{}`: {}", self.name, flat(&self.purpose.join(" ")));
        if let Some(provider) = self.provider {
            text.push_str("; Provider: ");
            text.push_str(&flat(&provider));
        }
        if let Some(duration) = self.duration {
            text.push_str("; ");
            text.push_str(&duration);
        }
        Some(RawItem {
            heading: self.heading,
            text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(texts: &[&str]) -> Vec<RawItem> {
        texts
            .iter()
            .map(|text| RawItem {
                heading: Some("Publicité".to_string()),
                text: text.to_string(),
            })
            .collect()
    }

    fn texts(items: &[RawItem]) -> Vec<&str> {
        items.iter().map(|item| item.text.as_str()).collect()
    }

    #[test]
    fn a_run_of_fields_is_one_item_and_storage_that_is_no_cookie_goes() {
        let found = grouped(&items(&[
            "Voir aussi la politique du partenaire",
            "Nom : _fbp",
            "Type : cookie",
            "Durée : 90 jours",
            "Domaine : .example.fr",
            "**Name:** fb_local",
            "Type: HTML Local Storage",
            "Expiry: 90 days",
            "Nom du cookie : `_ga, _gid`",
            "Finalité : mesure, d'audience",
            "Éditeur : Google",
            "cookies_preferences: stores your consent choices for 6 months",
            "Fin de la liste",
        ]))
        .into_owned();
        assert_eq!(
            texts(&found),
            [
                "Voir aussi la politique du partenaire",
                "`_fbp`: ; 90 jours",
                "`_ga, _gid`: mesure  d'audience; Provider: Google",
                "cookies_preferences: stores your consent choices for 6 months",
                "Fin de la liste",
            ]
        );
        assert!(
            found
                .iter()
                .all(|item| item.heading.as_deref() == Some("Publicité"))
        );
    }

    #[test]
    fn items_without_a_name_field_are_left_alone() {
        let plain = items(&[
            "Durée : 13 mois",
            "`_ga`: distinguishes users",
            "Type : cookie",
        ]);
        assert!(matches!(grouped(&plain), Cow::Borrowed(_)));
    }
}
