//! Consent phases: a target with consent selectors is audited three times, each in a fresh
//! browser context, so that what a site stores before any choice, after a refusal and after
//! an acceptance can be told apart.

use crate::config::ConsentSelectors;
use crate::types::Phase;

/// The phases to audit and the button each one clicks first: only `none` without selectors.
pub(crate) fn phases(consent: Option<&ConsentSelectors>) -> Vec<(Phase, Option<&str>)> {
    match consent {
        None => vec![(Phase::None, None)],
        Some(selectors) => vec![
            (Phase::None, None),
            (Phase::Reject, Some(selectors.reject.as_str())),
            (Phase::Accept, Some(selectors.accept.as_str())),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_phases_with_selectors_one_without() {
        assert_eq!(phases(None), vec![(Phase::None, None)]);
        let selectors = ConsentSelectors {
            accept: "#yes".into(),
            reject: "#no".into(),
        };
        assert_eq!(
            phases(Some(&selectors)),
            vec![
                (Phase::None, None),
                (Phase::Reject, Some("#no")),
                (Phase::Accept, Some("#yes")),
            ]
        );
    }
}
