//! The pipeline both derives run. Every error, from parsing and from
//! validation, goes to one darling accumulator and is written out once, so
//! the user sees all mistakes in one pass.

use darling::error::Accumulator;
use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

/// Parses `input`, validates the parsed model and expands it.
///
/// `parse` returns `None` only when the input has the wrong shape for the
/// derive (a struct where an enum is needed, say); otherwise it returns a
/// best-effort model even after reporting errors. The expansion of that
/// model is the fallback: it is emitted next to the `compile_error!`s, so
/// the user sees only the real errors and none of the follow-on ones about
/// missing items.
pub fn run<'a, T>(
    input: &'a DeriveInput,
    parse: fn(&'a DeriveInput, &mut Accumulator) -> Option<T>,
    validate: fn(&T, &mut Accumulator),
    expand: fn(&T) -> TokenStream,
) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let parsed = parse(input, &mut errors);
    if let Some(parsed) = &parsed {
        validate(parsed, &mut errors);
    }
    let expansion = parsed.as_ref().map(expand).unwrap_or_default();
    let errors = errors
        .finish()
        .err()
        .map(darling::Error::write_errors)
        .unwrap_or_default();
    quote! {
        #errors
        #expansion
    }
}
