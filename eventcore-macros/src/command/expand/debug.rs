//! `impl Debug` for the generated handles and state structs.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::{Generics, Type, ext::IdentExt};

use super::context::Context;
use crate::{
    command::{ast::StreamField, valid},
    internals::bounds,
};

/// `impl Debug` for the handles struct.
///
/// The generated structs always implement `Debug`: a field whose type has
/// `Debug` shows with it, any other as `..` (see `__private::DebugField`).
/// Only field types that name a generic parameter get a `Debug` bound: a
/// bound on a concrete type is checked where it is written, so a state type
/// without `Debug` would fail the derive.
pub(super) fn streams_debug(cx: &Context<'_>) -> TokenStream {
    let Context {
        private,
        lifetime,
        command_ty,
        ..
    } = cx;
    let mut generics = cx.streams_generics.clone();
    let mut fields = Vec::new();
    for field in &cx.input.streams {
        let ty = &*field.ty;
        let ident = field.ident;
        let name = ident.unraw().to_string();
        if bounds::mentions_generic(ty, cx.input.generics) {
            generics
                .make_where_clause()
                .predicates
                .push(syn::parse_quote!(
                    <#ty as #private::StreamField>::Handles<#lifetime, #command_ty>: ::core::fmt::Debug
                ));
        }
        fields.push(debug_field(private, &name, ident));
    }
    if cx.has_discovered() {
        let field = format_ident!("{}", valid::DISCOVERED_FIELD);
        fields.push(debug_field(private, valid::DISCOVERED_FIELD, &field));
    }
    struct_debug(private, &cx.streams_ident, &generics, &fields)
}

/// `impl Debug` for the state struct (see [`streams_debug`]).
pub(super) fn state_debug(cx: &Context<'_>, stateful: &[(&StreamField<'_>, &Type)]) -> TokenStream {
    let private = &cx.private;
    let mut debug_generics = cx.generics.clone();
    let debug_fields: Vec<TokenStream> = stateful
        .iter()
        .map(|(field, state)| {
            let ty = &*field.ty;
            let ident = field.ident;
            let name = ident.unraw().to_string();
            if bounds::mentions_generic(ty, cx.input.generics)
                || bounds::mentions_generic(state, cx.input.generics)
            {
                debug_generics
                    .make_where_clause()
                    .predicates
                    .push(syn::parse_quote!(
                        <#ty as #private::StreamField>::State<#state>: ::core::fmt::Debug
                    ));
            }
            debug_field(private, &name, ident)
        })
        .collect();
    struct_debug(private, &cx.state_ident, &debug_generics, &debug_fields)
}

/// `.field(name, ..)` for one field of a generated struct's `Debug`.
fn debug_field(private: &TokenStream, name: &str, field: &Ident) -> TokenStream {
    quote!(.field(#name, (&#private::DebugField(&self.#field)).debug_field()))
}

/// `impl Debug for ident` with `fields`, under `generics`.
fn struct_debug(
    private: &TokenStream,
    ident: &Ident,
    generics: &Generics,
    fields: &[TokenStream],
) -> TokenStream {
    let name = ident.unraw().to_string();
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::core::fmt::Debug for #ident #ty_generics #where_clause {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_imports)]
                use #private::{ViaDebug as _, ViaOpaque as _};
                f.debug_struct(#name) #(#fields)* .finish()
            }
        }
    }
}
