//! Generics and where-clause helpers for the generated items.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::quote;

use super::attr::CratePath;
use syn::{GenericParam, Generics, Lifetime, LifetimeParam, Type, spanned::Spanned};

/// Adds `ty: krate::__private::bound` to the where-clause of `generics`.
///
/// For a type that names no generic parameter the bound is a generated
/// assertion, spanned at `ty`: when `ty` does not meet it, rustc reports it
/// once, at the user's type, and the code under the bound type-checks
/// without follow-on errors. A `crate = ..` path the user wrote keeps its
/// own spans, so a wrong one is reported once, at the attribute.
///
/// A type that names a generic parameter is checked where the command is
/// used instead, and its predicate keeps the derive's span: spanned at the
/// field, rustc would suggest adding bounds there (`account: T + Send`),
/// which is not Rust.
pub fn add_spanned(generics: &mut Generics, ty: &Type, krate: &CratePath, bound: &TokenStream) {
    let path = &krate.path;
    let predicate = if mentions_generic(ty, generics) {
        let ty = respan(quote!(#ty), Span::call_site());
        quote!(#ty: #path::__private::#bound)
    } else {
        let at = ty.span();
        let path = if krate.given {
            quote!(#path)
        } else {
            respan(quote!(#path), at)
        };
        let rest = respan(quote!(::__private::#bound), at);
        quote!(#ty: #path #rest)
    };
    generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote!(#predicate));
}

/// A lifetime named `'base`, or `'base_1`, `'base_2`, … : the first that no
/// parameter of `generics` already uses, so that generated code never
/// captures or shadows a user's lifetime.
pub fn fresh_lifetime(generics: &Generics, base: &str) -> Lifetime {
    let taken = |name: &str| {
        generics
            .lifetimes()
            .any(|param| param.lifetime.ident == name)
    };
    // One more candidate than there are lifetimes is always enough.
    let candidates = generics.lifetimes().count() + 1;
    let name = (0..=candidates)
        .map(|n| {
            if n == 0 {
                base.to_owned()
            } else {
                format!("{base}_{n}")
            }
        })
        .find(|name| !taken(name))
        .unwrap_or_else(|| format!("{base}_{candidates}"));
    Lifetime::new(&format!("'{name}"), Span::call_site())
}

/// `generics` with `lifetime` as the first parameter.
pub fn with_leading_lifetime(generics: &Generics, lifetime: &Lifetime) -> Generics {
    let mut generics = generics.clone();
    generics.params.insert(
        0,
        GenericParam::Lifetime(LifetimeParam::new(lifetime.clone())),
    );
    generics
}

/// `tokens` with every span set to `span`, so that a diagnostic about them
/// points at the user's code rather than at the derive.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                tree = TokenTree::Group(respanned);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// Whether `ty` names a parameter of `generics` (a type, const or lifetime
/// parameter), so that a bound on it is checked where it is used rather
/// than where it is written.
pub fn mentions_generic(ty: &Type, generics: &Generics) -> bool {
    fn walk(tokens: TokenStream, generics: &Generics) -> bool {
        let mut previous_was_quote = false;
        tokens.into_iter().any(|tree| {
            let found = match &tree {
                TokenTree::Group(group) => walk(group.stream(), generics),
                TokenTree::Ident(ident) if previous_was_quote => generics
                    .lifetimes()
                    .any(|param| param.lifetime.ident == *ident),
                TokenTree::Ident(ident) => {
                    generics.type_params().any(|param| param.ident == *ident)
                        || generics.const_params().any(|param| param.ident == *ident)
                }
                _ => false,
            };
            previous_was_quote = matches!(&tree, TokenTree::Punct(p) if p.as_char() == '\'');
            found
        })
    }
    walk(quote::ToTokens::to_token_stream(ty), generics)
}
