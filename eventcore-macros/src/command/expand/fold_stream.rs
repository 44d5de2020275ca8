//! `CommandState::fold_stream`: folds one stream into the states of the
//! fields holding it, so that the executor can start each from the state
//! its cache keeps (for states that are `Clone + Send + Sync`, picked by
//! autoref through `__private::Folding`) and fold only the new events.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Type, spanned::Spanned};

use super::context::Context;
use crate::command::ast::StreamField;

/// The method, unless a state is kept for discovered streams (their
/// states are added on their first event: the executor folds every event
/// through `apply` then) or there is no event type (reported).
pub(super) fn method(
    cx: &Context<'_>,
    stateful: &[(&StreamField<'_>, &Type)],
    state_ty: &TokenStream,
) -> Option<TokenStream> {
    if cx.input.discovered_state.is_some() || cx.input.event.is_none() {
        return None;
    }
    let private = &cx.private;
    let event = quote!(<Self as #private::Command>::Event);
    let folds = stateful.iter().map(|(field, state)| {
        let (ident, ty) = (field.ident, &*field.ty);
        let (source, routed) = (field.source(private), field.fold_source(private));
        // A field type that cannot lend the stream's state folds the
        // stream's events itself, as `apply` would.
        quote_spanned! {state.span()=>
            match <#ty as #private::StreamField>::state_mut::<#state>(#routed, &mut state.#ident, fold.stream()) {
                ::core::option::Option::Some(slot) => {
                    (&#private::Folding::<#state, #event>::new()).folder()(slot, fold);
                }
                ::core::option::Option::None => {
                    if <#ty as #private::StreamField>::holds(#source, fold.stream()) {
                        for event in fold.events() {
                            <#ty as #private::StreamField>::fold::<#state, #event>(#routed, &mut state.#ident, event);
                        }
                    }
                }
            }
        }
    });
    Some(quote! {
        fn fold_stream(
            &self,
            state: &mut #state_ty,
            fold: &#private::StreamFold<'_, #event>,
        ) -> bool {
            #[allow(unused_imports)]
            use #private::{ViaKept as _, ViaWhole as _};
            #(#folds)*
            true
        }
    })
}
