//! The where-clause bounds the expansion asserts: each `#[stream]` field
//! type is a `StreamField`, each state type folds the command's events.

use quote::{ToTokens, quote};
use syn::{Generics, Type};

use crate::{
    command::ast::{Command, StreamField},
    internals::bounds,
};

/// The command's generics, plus `T: StreamField` for every `#[stream]` field
/// type, spanned at the field's type. This bound is the generated assertion:
/// a field type that is not a stream id is reported by rustc at the field,
/// once, and the rest of the expansion type-checks under the bound, so there
/// are no follow-on errors. Generic field types need the bound anyway.
pub(super) fn with_stream_field_bounds(input: &Command<'_>) -> Generics {
    let mut generics = input.generics.clone();
    // Once per distinct field type: two fields of one type share a bound.
    let mut bounded: Vec<String> = Vec::new();
    for field in &input.streams {
        let key = field.ty.to_token_stream().to_string();
        if bounded.contains(&key) {
            continue;
        }
        bounded.push(key);
        bounds::add_spanned(&mut generics, field.ty, &input.krate, &quote!(StreamField));
    }
    generics
}

/// The command's generics plus `State: Fold<Event>` for each distinct state
/// type, spanned at it: the generated assertion for `state = T`, reported
/// once, at the attribute. None without an event type (reported).
pub(super) fn with_fold_bounds(
    input: &Command<'_>,
    generics: &Generics,
    event: &Type,
    stateful: &[(&StreamField<'_>, &Type)],
) -> Generics {
    let mut generics = generics.clone();
    if input.event.is_none() {
        return generics;
    }
    let mut bounded: Vec<String> = Vec::new();
    for (_, state) in stateful {
        let key = state.to_token_stream().to_string();
        if !bounded.contains(&key) {
            bounded.push(key);
            bounds::add_spanned(&mut generics, state, &input.krate, &quote!(Fold<#event>));
        }
    }
    generics
}
