//! The `CommandState` methods that keep the states of fields marked
//! `#[stream(state = T, snapshot)]` in snapshots: which snapshots a
//! stream's state may be restored from, restoring it, and capturing it.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Type, spanned::Spanned};

use super::context::Context;
use crate::command::ast::{SnapshotFold, StreamField};

/// The methods, when any stateful field keeps its state in snapshots.
pub(super) fn methods(
    cx: &Context<'_>,
    stateful: &[(&StreamField<'_>, &Type)],
    state_ty: &TokenStream,
) -> Option<TokenStream> {
    let private = &cx.private;
    let kept: Vec<_> = stateful
        .iter()
        .filter(|(field, _)| field.snapshot.is_some())
        .collect();
    if kept.is_empty() || cx.input.event.is_none() {
        return None;
    }
    let event = quote!(<Self as #private::Command>::Event);
    let kinds = stateful.iter().map(|(field, state)| {
        let ty = &*field.ty;
        let source = field.source(private);
        let holds = quote_spanned!(ty.span()=> <#ty as #private::StreamField>::holds(#source, stream));
        let Some(fold) = &field.snapshot else {
            // A state that is not kept: the stream is always folded whole.
            return quote! {
                if #holds {
                    return ::core::option::Option::None;
                }
            };
        };
        let identity = match fold {
            SnapshotFold::Fingerprint(span) => quote_spanned! {*span=>
                #private::FoldIdentity::Tokens(<#state as #private::FoldFingerprint<#event>>::FOLD_FINGERPRINT)
            },
            SnapshotFold::Manual(version, span) => {
                quote_spanned!(*span=> #private::FoldIdentity::Manual(#version))
            }
        };
        quote! {
            if #holds {
                found = #private::SnapshotKind::join(
                    found,
                    #private::SnapshotKind::of::<#state, #event>(#identity),
                );
            }
        }
    });
    let restores = kept.iter().map(|(field, state)| {
        let (ident, ty) = (field.ident, &*field.ty);
        let source = field.source(private);
        quote_spanned! {state.span()=>
            restored |= #private::restore_field::<#ty, #state>(#source, &mut state.#ident, stream, value)?;
        }
    });
    let captures = kept.iter().map(|(field, state)| {
        let (ident, ty) = (field.ident, &*field.ty);
        let source = field.source(private);
        quote_spanned! {state.span()=>
            if let ::core::option::Option::Some(captured) =
                #private::capture_field::<#ty, #state>(#source, &mut state.#ident, stream)
            {
                return ::core::option::Option::Some(captured);
            }
        }
    });
    Some(quote! {
        fn snapshot_kind(
            &self,
            stream: &#private::StreamId,
        ) -> ::core::option::Option<#private::SnapshotKind> {
            let mut found: ::core::option::Option<::core::option::Option<#private::SnapshotKind>> =
                ::core::option::Option::None;
            #(#kinds)*
            found.flatten()
        }

        fn restore_snapshot(
            &self,
            state: &mut #state_ty,
            stream: &#private::StreamId,
            value: &#private::JsonValue,
        ) -> ::core::result::Result<(), #private::RestoreError> {
            let mut restored = false;
            #(#restores)*
            if restored {
                ::core::result::Result::Ok(())
            } else {
                ::core::result::Result::Err(#private::RestoreError::NoPlace)
            }
        }

        fn capture_snapshot(
            &self,
            state: &mut #state_ty,
            stream: &#private::StreamId,
        ) -> ::core::option::Option<::core::result::Result<#private::JsonValue, #private::CaptureError>> {
            #(#captures)*
            ::core::option::Option::None
        }
    })
}
