//! `#[derive(Event)]`: an enum whose variants are the event types.

mod ast;
mod compose;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::internals::pipeline;

/// Expands `#[derive(Event)]`; on errors, emits them next to whatever could
/// still be generated.
pub fn derive(input: &DeriveInput) -> TokenStream {
    pipeline::run(input, ast::parse, valid::check, expand::items)
}
