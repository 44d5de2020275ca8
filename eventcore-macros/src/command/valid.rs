//! Checks of `#[derive(Command)]` that span more than one attribute or
//! field. Every problem is pushed to the accumulator; nothing stops at the
//! first one.

use super::ast::Command;

/// The field `#[command(resolver)]` adds to the handles struct.
pub const DISCOVERED_FIELD: &str = "discovered";

/// Cross-field rules of `#[derive(Command)]`.
pub fn check(input: &Command<'_>, errors: &mut darling::error::Accumulator) {
    if input.streams.is_empty() && input.rejected_streams == 0 {
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
    if let (Some(state), None) = (&input.discovered_state, input.resolver) {
        errors.push(darling::Error::from(syn::Error::new_spanned(
            state,
            "`discovered_state` folds the streams a `StreamResolver` discovers: add `resolver` to #[command(..)] and implement `StreamResolver`",
        )));
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
