//! The where-clause bounds the expansion asserts: each field type is a
//! `CommandField` (`Send + Sync`), each `#[stream]` field type is a
//! `StreamField`, each state type folds the command's events.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Generics, Type};

use crate::{
    command::ast::{Command, SnapshotFold, StreamField},
    internals::bounds::{self, Check},
};

/// The command's generics, plus `T: StreamField` for every `#[stream]` field
/// type, spanned at the field's type: a field type that is not a stream id
/// is reported by rustc at the field, once, and the rest of the expansion
/// type-checks under the bound, so there are no follow-on errors. Generic
/// field types need the bound anyway.
///
/// Also `T: CommandField` (`Send + Sync`, which the `Command` trait
/// requires) for the type of every field, `#[stream]` or not, so that a
/// field that is not `Send + Sync` is reported once, at its type, rather
/// than four times at the struct (`Send` and `Sync`, at the derive and at
/// the struct), and a generic field is bounded where the command is used.
///
/// Returns the generics and the assertions for the types that name no
/// generic parameter (see [`bounds::add_spanned`]).
pub(super) fn with_stream_field_bounds(input: &Command<'_>) -> (Generics, Vec<TokenStream>) {
    let mut generics = input.generics.clone();
    let mut assertions = Vec::new();
    let mut checked: Vec<String> = Vec::new();
    for ty in &input.field_types {
        let key = ty.to_token_stream().to_string();
        if !checked.contains(&key) {
            checked.push(key);
            assertions.extend(bounds::add_spanned(
                &mut generics,
                ty,
                &input.krate,
                &quote!(CommandField),
                Check::DynCast,
            ));
        }
    }
    // Once per distinct field type: two fields of one type share a bound.
    let mut bounded: Vec<String> = Vec::new();
    for field in &input.streams {
        let key = field.ty.to_token_stream().to_string();
        if bounded.contains(&key) {
            continue;
        }
        bounded.push(key);
        assertions.extend(bounds::add_spanned(
            &mut generics,
            &field.ty,
            &input.krate,
            &quote!(StreamField),
            Check::Method("declare"),
        ));
    }
    (generics, assertions)
}

/// The command's generics plus `State: Fold<Event>` for each distinct state
/// type, spanned at it: the generated assertion for `state = T`, reported
/// once, at the attribute, with the assertions for the predicates that
/// name no generic parameter. None without an event type (reported).
pub(super) fn with_fold_bounds(
    input: &Command<'_>,
    generics: &Generics,
    event: &Type,
    stateful: &[(&StreamField<'_>, &Type)],
) -> (Generics, Vec<TokenStream>) {
    let mut generics = generics.clone();
    let mut assertions = Vec::new();
    if input.event.is_none() {
        return (generics, assertions);
    }
    let mut bounded: Vec<String> = Vec::new();
    let mut bound = |generics: &mut Generics, state: &Type, bound: TokenStream, check: Check| {
        let key = format!("{}: {bound}", state.to_token_stream());
        if !bounded.contains(&key) {
            bounded.push(key);
            assertions.extend(bounds::add_spanned(
                generics,
                state,
                &input.krate,
                &bound,
                check,
            ));
        }
    };
    for (field, state) in stateful {
        bound(
            &mut generics,
            state,
            quote!(Fold<#event>),
            Check::Method("fold"),
        );
        match &field.snapshot {
            None => {}
            Some(fold) => {
                bound(
                    &mut generics,
                    state,
                    quote!(SnapshotState),
                    Check::Method("snapshot_state"),
                );
                if let SnapshotFold::Fingerprint(_) = fold {
                    bound(
                        &mut generics,
                        state,
                        quote!(FoldFingerprint<#event>),
                        Check::Method("FOLD_FINGERPRINT"),
                    );
                }
            }
        }
    }
    if let Some(state) = &input.discovered_state {
        bound(
            &mut generics,
            state,
            quote!(Fold<#event>),
            Check::Method("fold"),
        );
    }
    (generics, assertions)
}
