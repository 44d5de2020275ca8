//! Checks of `#[derive(Event)]` that span more than one variant. Every
//! problem is pushed to the accumulator; nothing stops at the first one.

use std::collections::HashMap;

use super::ast::EventEnum;

/// Cross-variant rules of `#[derive(Event)]`: type names are unique.
pub fn check(input: &EventEnum<'_>, errors: &mut darling::error::Accumulator) {
    let mut seen: HashMap<&str, &syn::Ident> = HashMap::new();
    for variant in &input.variants {
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
