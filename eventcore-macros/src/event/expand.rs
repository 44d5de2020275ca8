//! Code generation for `#[derive(Event)]`. Generated code names only
//! `::eventcore::__private::*` (or the `crate = ..` override), carries
//! `#[automatically_derived]`, and never unwraps.

use proc_macro2::TokenStream;
use quote::quote;

use super::ast::EventEnum;

/// Everything `#[derive(Event)]` generates: `impl Event`.
pub fn items(input: &EventEnum<'_>) -> TokenStream {
    let krate = &input.krate;
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let names = input.variants.iter().map(|v| &v.name);
    let arms = input.variants.iter().map(|variant| {
        let variant_ident = variant.ident;
        let name = &variant.name;
        quote!(Self::#variant_ident { .. } => #name,)
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::__private::Event for #ident #ty_generics #where_clause {
            const EVENT_TYPES: &'static [&'static str] = &[#(#names),*];

            fn event_type(&self) -> &'static str {
                match *self {
                    #(#arms)*
                }
            }
        }
    }
}
