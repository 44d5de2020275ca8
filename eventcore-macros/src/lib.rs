//! Derive macros for EventCore: `#[derive(Command)]` and `#[derive(Event)]`.
//!
//! Use them through the `eventcore` crate, which re-exports them and
//! documents them. Each derive has its own module (`command`, `event`) with
//! one file per phase: `ast` parses the input and its attributes, `valid`
//! checks rules that span fields, and `expand` writes the generated code.
//! Both run on `proc_macro2` tokens through the same pipeline in
//! `internals`.

mod command;
mod event;
mod internals;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `eventcore::Command` (and `CommandState` when fields say
/// `#[stream(state = T)]`), and generates the handles and state structs.
/// Documented in `eventcore`.
#[proc_macro_derive(Command, attributes(command, stream))]
pub fn derive_command(input: TokenStream) -> TokenStream {
    command::derive(&parse_macro_input!(input as DeriveInput)).into()
}

/// Implements `eventcore::Event` for an enum, naming each event type after
/// its variant. Documented in `eventcore`.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    event::derive(&parse_macro_input!(input as DeriveInput)).into()
}
