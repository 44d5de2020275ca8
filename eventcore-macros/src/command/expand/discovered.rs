//! `#[command(resolver, discovered_state = T)]`: the generated state keeps
//! a `T` for each discovered stream, keyed by id.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::context::Context;
use crate::command::valid;

/// The pieces of the generated state for discovered streams: the field,
/// its initial value and the fold of an event of no declared stream. All
/// empty without `discovered_state`.
pub(super) struct Discovered {
    pub field: Option<TokenStream>,
    pub init: Option<TokenStream>,
    pub fold: Option<TokenStream>,
}

pub(super) fn items(cx: &Context<'_>, has_event: bool) -> Discovered {
    let Some(state) = cx.input.discovered_state.as_ref() else {
        return Discovered {
            field: None,
            init: None,
            fold: None,
        };
    };
    let private = &cx.private;
    let field = format_ident!("{}", valid::DISCOVERED_FIELD);
    let held = cx.input.streams.iter().map(|f| {
        let ty = &*f.ty;
        let source = f.source(private);
        quote!(<#ty as #private::StreamField>::holds(#source, event.stream_id()))
    });
    // Without the event option (reported) nothing is folded.
    let fold = has_event.then(|| {
        quote_spanned! {state.span()=>
            // An event of no declared stream is a discovered stream's.
            if !(false #(|| #held)*) {
                state.#field.fold_discovered::<<Self as #private::Command>::Event>(event);
            }
        }
    });
    Discovered {
        field: Some(quote! {
            /// State folded from each discovered stream that has events.
            pub #field: #private::StreamStates<#state>,
        }),
        init: Some(quote!(#field: ::core::default::Default::default(),)),
        fold,
    }
}
