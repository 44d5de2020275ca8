//! Checks that span more than one attribute or field. Every problem is
//! pushed to the accumulator; nothing stops at the first one.

use std::collections::HashMap;

use crate::ast::{Command, EventEnum};

/// The field `#[command(resolver)]` adds to the handles struct.
pub const DISCOVERED_FIELD: &str = "discovered";

/// Cross-field rules of `#[derive(Command)]`.
pub fn command(input: &Command<'_>, errors: &mut darling::error::Accumulator) {
    if input.streams.is_empty() {
        errors.push(
            darling::Error::custom(format!(
                "`{}` has no #[stream] field; mark each field that names a stream this command reads with #[stream]",
                input.ident
            ))
            .with_span(input.ident),
        );
    }
    if input.attr_ok && input.event.is_none() {
        errors.push(
            darling::Error::custom(format!(
                "`{}` needs its event type: add #[command(event = YourEvent)]",
                input.ident
            ))
            .with_span(input.ident),
        );
    }
    if input.resolver.is_some() {
        for field in input.streams.iter().filter(|f| f.ident == DISCOVERED_FIELD) {
            errors.push(
                darling::Error::custom(
                    "with #[command(resolver)] the handles struct has a `discovered` field for discovered streams; rename this #[stream] field",
                )
                .with_span(field.ident),
            );
        }
    }
}

/// Cross-variant rules of `#[derive(Event)]`: type names are unique.
pub fn event(input: &EventEnum<'_>, errors: &mut darling::error::Accumulator) {
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
