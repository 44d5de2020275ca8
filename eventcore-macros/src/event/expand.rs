//! Code generation for `#[derive(Event)]`. Generated code names only
//! `::eventcore::__private::*` (or the `crate = ..` override), carries
//! `#[automatically_derived]`, and never unwraps.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::EventEnum;

/// Everything `#[derive(Event)]` generates: `impl Event`.
pub fn items(input: &EventEnum<'_>) -> TokenStream {
    if input.compose {
        return super::compose::items(input);
    }
    let krate = &input.krate.path;
    let ident = input.ident;
    // A generic enum is an event for the type arguments that allow it: the
    // bound is checked where the enum is used, not here (with none of its
    // parameters known, every supertrait would fail at once).
    let mut generics = input.generics.clone();
    if !generics.params.is_empty() {
        let (_, ty_generics, _) = input.generics.split_for_impl();
        generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(
                #ident #ty_generics: #krate::__private::Serialize
                    + #krate::__private::DeserializeOwned
                    + ::core::clone::Clone
                    + ::core::fmt::Debug
                    + ::core::marker::Send
                    + ::core::marker::Sync
                    + 'static
            ));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let names = input.variants.iter().map(|v| &v.name);
    // Written only when some version is not 1, so that a plain enum's
    // expansion stays as it was.
    let versions = input.variants.iter().any(|v| v.version != 1).then(|| {
        let versions = input.variants.iter().map(|v| v.version);
        quote!(const SCHEMA_VERSIONS: &'static [u32] = &[#(#versions),*];)
    });
    let aliases = input
        .variants
        .iter()
        .any(|v| !v.aliases.is_empty())
        .then(|| {
            let pairs = input.variants.iter().flat_map(|v| {
                let current = &v.name;
                v.aliases.iter().map(move |alias| {
                    let old = &alias.name;
                    quote!((#old, #current))
                })
            });
            quote!(const EVENT_ALIASES: &'static [(&'static str, &'static str)] = &[#(#pairs),*];)
        });
    let arms = input.variants.iter().map(|variant| {
        let variant_ident = variant.ident;
        let name = &variant.name;
        quote!(Self::#variant_ident { .. } => #name,)
    });
    let upcasters = input.upcasters.as_ref().map(|path| {
        let build = quote_spanned!(path.span()=> #path);
        quote! {
            fn upcasters() -> ::core::option::Option<&'static #krate::__private::Upcasters> {
                static UPCASTERS: #krate::__private::OnceLock<#krate::__private::Upcasters> =
                    #krate::__private::OnceLock::new();
                ::core::option::Option::Some(UPCASTERS.get_or_init(#build))
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::__private::Event for #ident #ty_generics #where_clause {
            const EVENT_TYPES: &'static [&'static str] = &[#(#names),*];
            #versions
            #aliases

            fn event_type(&self) -> &'static str {
                match *self {
                    #(#arms)*
                }
            }

            #upcasters
        }
    }
}
