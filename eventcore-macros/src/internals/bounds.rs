//! Generics and where-clause helpers for the generated items.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use syn::{GenericParam, Generics, Lifetime, LifetimeParam, Type, spanned::Spanned};

/// Adds `ty: bound` to the where-clause of `generics`, with `bound` spanned
/// at `ty`. Such a bound is a generated assertion: when `ty` does not meet
/// it, rustc reports it once, at the user's type, and the code under the
/// bound type-checks without follow-on errors.
pub fn add_spanned(generics: &mut Generics, ty: &Type, bound: TokenStream) {
    let bound = respan(bound, ty.span());
    generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote!(#ty: #bound));
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
