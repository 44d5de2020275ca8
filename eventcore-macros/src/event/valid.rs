//! Checks of `#[derive(Event)]` that span more than one variant. Every
//! problem is pushed to the accumulator; nothing stops at the first one.

use std::collections::HashMap;

use super::ast::EventEnum;

/// The most characters an event type name may have (as for stream ids).
const MAX_NAME_CHARS: usize = 255;

/// Rules of `#[derive(Event)]`: each type name is one a store can keep and
/// a reader can tell apart, and type names are unique.
pub fn check(input: &EventEnum<'_>, errors: &mut darling::error::Accumulator) {
    let mut seen: HashMap<&str, &syn::Ident> = HashMap::new();
    check_names(input, &mut seen, errors);
    check_aliases(input, &mut seen, errors);
}

/// Each variant's type name is one a store can keep, and no two are equal.
fn check_names<'a>(
    input: &'a EventEnum<'_>,
    seen: &mut HashMap<&'a str, &'a syn::Ident>,
    errors: &mut darling::error::Accumulator,
) {
    for variant in &input.variants {
        if let Some(rule) = broken_name_rule(&variant.name) {
            errors.push(darling::Error::from(syn::Error::new(
                variant.name_span,
                format!(
                    "event type name {} {rule}; write a name such as `rename = \"AccountOpened\"`",
                    shown(&variant.name)
                ),
            )));
            continue;
        }
        if let Some(first) = seen.insert(&variant.name, variant.ident) {
            errors.push(darling::Error::from(syn::Error::new(
                variant.name_span,
                format!(
                    "event type name {:?} is already used by variant `{first}`; event type names must be unique",
                    variant.name
                ),
            )));
        }
    }
}

/// Each alias is a name a store can keep, and names one type only: not a
/// current type name, not another variant's alias.
fn check_aliases<'a>(
    input: &'a EventEnum<'_>,
    seen: &mut HashMap<&'a str, &'a syn::Ident>,
    errors: &mut darling::error::Accumulator,
) {
    for variant in &input.variants {
        for alias in &variant.aliases {
            if let Some(rule) = broken_name_rule(&alias.name) {
                errors.push(darling::Error::from(syn::Error::new(
                    alias.span,
                    format!(
                        "alias {} {rule}; write the older type name, such as `alias = \"AccountOpened\"`",
                        shown(&alias.name)
                    ),
                )));
                continue;
            }
            if let Some(owner) = seen.insert(&alias.name, variant.ident) {
                let what = if owner == variant.ident {
                    "is already a name of this variant".to_owned()
                } else {
                    format!("is already a name of variant `{owner}`")
                };
                errors.push(darling::Error::from(syn::Error::new(
                    alias.span,
                    format!(
                        "alias {:?} {what}; a stored type name must decode into one variant",
                        alias.name
                    ),
                )));
            }
        }
    }
}

/// `name` quoted for a message: a long one cut short, so that the rule it
/// breaks stays in sight.
fn shown(name: &str) -> String {
    const SHOWN_CHARS: usize = 40;
    if name.chars().count() <= SHOWN_CHARS {
        format!("{name:?}")
    } else {
        let start: String = name.chars().take(SHOWN_CHARS).collect();
        format!("{start:?}…")
    }
}

/// The rule `name` breaks, if any.
fn broken_name_rule(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty: an event type needs a name".to_owned());
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Some(format!(
            "has {chars} characters; event type names have at most {MAX_NAME_CHARS}"
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Some(format!(
            "contains the control character {c:?}; event type names are printable text"
        ));
    }
    if name.trim() != name {
        return Some(
            "starts or ends with whitespace, which no one reading a log can see".to_owned(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{MAX_NAME_CHARS, broken_name_rule};

    #[test]
    fn type_names_are_non_empty_printable_trimmed_and_at_most_255_characters() {
        assert_eq!(broken_name_rule("AccountOpened"), None);
        assert_eq!(broken_name_rule(&"é".repeat(MAX_NAME_CHARS)), None);
        let too_long = broken_name_rule(&"a".repeat(MAX_NAME_CHARS + 1));
        assert!(too_long.is_some_and(|rule| rule.contains("256 characters")));
        assert!(broken_name_rule("").is_some_and(|rule| rule.contains("empty")));
        assert!(broken_name_rule("a\u{0}b").is_some_and(|rule| rule.contains("control")));
        assert!(broken_name_rule("Opened ").is_some_and(|rule| rule.contains("whitespace")));
    }
}
