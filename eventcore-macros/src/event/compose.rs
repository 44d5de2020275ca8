//! `#[event(compose)]`: an event enum whose variants wrap other event
//! enums. Its type names, schema versions and aliases are its parts',
//! computed when it compiles; it encodes and decodes through the part
//! that owns a type name, so stored data is the parts' own.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::EventEnum;

/// `impl Event`, `From<Part>` and `ComposedOf<Part>` for a composed enum.
pub fn items(input: &EventEnum<'_>) -> TokenStream {
    let krate = &input.krate.path;
    let private = quote!(#krate::__private);
    let ident = input.ident;
    let parts: Vec<(&syn::Ident, &syn::Type)> = input
        .variants
        .iter()
        .filter_map(|v| v.part.map(|part| (v.ident, part)))
        .collect();
    if parts.len() != input.variants.len() {
        // A variant that wraps no single type was reported.
        return TokenStream::new();
    }
    let types: Vec<&syn::Type> = parts.iter().map(|(_, ty)| *ty).collect();
    let event = quote!(#private::Event);
    let arms = parts
        .iter()
        .map(|(variant, _)| quote!(Self::#variant(part) => #event::event_type(part),));
    let visits = parts
        .iter()
        .map(|(variant, _)| quote!(Self::#variant(part) => visitor.visit(part),));
    let part_types = parts
        .iter()
        .map(|(variant, ty)| quote!(visitor.part::<#ty>(Self::#variant);));
    let per_part = part_impls(ident, &parts, &private);
    let consts = name_consts(&types, &private);
    let message = format!(
        "the event types composed in `{ident}` share a type name; every type name must belong to one of them"
    );
    quote! {
        #[automatically_derived]
        impl #event for #ident {
            #consts

            fn event_type(&self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }

            fn upcasters() -> ::core::option::Option<&'static #private::Upcasters> {
                static UPCASTERS: #private::OnceLock<::core::option::Option<#private::Upcasters>> =
                    #private::OnceLock::new();
                UPCASTERS
                    .get_or_init(|| #private::Upcasters::composed(&[#(<#types as #event>::upcasters()),*]))
                    .as_ref()
            }

            fn visit_part<V: #private::PartVisitor>(
                &self,
                visitor: V,
            ) -> ::core::option::Option<V::Output> {
                ::core::option::Option::Some(match self {
                    #(#visits)*
                })
            }

            fn visit_parts<V: #private::PartsVisitor<Self>>(visitor: &mut V) -> bool {
                #(#part_types)*
                true
            }
        }

        const _: () = ::core::assert!(
            #private::distinct_names(<#ident as #event>::EVENT_TYPES),
            #message
        );

        #per_part
    }
}

/// `From<Part>` and `ComposedOf<Part>` for each part.
fn part_impls(
    ident: &syn::Ident,
    parts: &[(&syn::Ident, &syn::Type)],
    private: &TokenStream,
) -> TokenStream {
    // With one part, every value is that part's: no other arm.
    let others = (parts.len() > 1).then(|| quote!(_ => ::core::option::Option::None,));
    let impls = parts.iter().map(|(variant, ty)| {
        let span = ty.span();
        quote_spanned! {span=>
            #[automatically_derived]
            impl ::core::convert::From<#ty> for #ident {
                fn from(part: #ty) -> Self {
                    Self::#variant(part)
                }
            }

            #[automatically_derived]
            impl #private::ComposedOf<#ty> for #ident {
                fn part(&self) -> ::core::option::Option<&#ty> {
                    match self {
                        Self::#variant(part) => ::core::option::Option::Some(part),
                        #others
                    }
                }
            }
        }
    });
    quote!(#(#impls)*)
}

/// The composed enum's `EVENT_TYPES`, `SCHEMA_VERSIONS` and
/// `EVENT_ALIASES`: its parts', in order, computed when it compiles.
fn name_consts(types: &[&syn::Type], private: &TokenStream) -> TokenStream {
    let event = quote!(#private::Event);
    quote! {
            const EVENT_TYPES: &'static [&'static str] = {
                const PARTS: &[&[&str]] = &[#(<#types as #event>::EVENT_TYPES),*];
                const NAMES: [&str; #private::composed_len(PARTS)] =
                    #private::composed_names(PARTS);
                &NAMES
            };
            const SCHEMA_VERSIONS: &'static [u32] = {
                const PARTS: &[(&[&str], &[u32])] = &[
                    #((<#types as #event>::EVENT_TYPES, <#types as #event>::SCHEMA_VERSIONS)),*
                ];
                const NAMES: &[&[&str]] = &[#(<#types as #event>::EVENT_TYPES),*];
                const VERSIONS: [u32; #private::composed_len(NAMES)] =
                    #private::composed_versions(PARTS);
                &VERSIONS
            };
            const EVENT_ALIASES: &'static [(&'static str, &'static str)] = {
                const PARTS: &[&[(&str, &str)]] = &[#(<#types as #event>::EVENT_ALIASES),*];
                const ALIASES: [(&str, &str); #private::composed_alias_len(PARTS)] =
                    #private::composed_aliases(PARTS);
                &ALIASES
            };
    }
}
