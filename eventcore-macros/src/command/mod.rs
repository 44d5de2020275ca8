//! `#[derive(Command)]`: a struct whose `#[stream]` fields name the streams
//! the command reads and writes.

mod ast;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::internals::pipeline;

/// Expands `#[derive(Command)]`; on errors, emits them next to whatever
/// could still be generated.
pub fn derive(input: &DeriveInput) -> TokenStream {
    pipeline::run(input, ast::parse, valid::check, expand::items)
}
