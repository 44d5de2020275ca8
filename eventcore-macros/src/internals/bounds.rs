//! Generics and where-clause helpers for the generated items.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

use super::attr::CratePath;
use syn::{GenericParam, Generics, Lifetime, LifetimeParam, Type, spanned::Spanned};

/// Adds `ty: krate::__private::bound` to the where-clause of `generics`,
/// and returns the assertion that checks it, for a predicate that names no
/// generic parameter.
///
/// A predicate that names no generic parameter is written under a binder
/// (`for<'__eventcore> ty: bound`), which rustc does not check where it is
/// written: a plain one would be reported as a "trivially false" bound
/// with a pointer to rustc's issue #48214 instead of the trait's own
/// message. The code under the bound type-checks without follow-on errors,
/// and the returned statement (`let _ = <ty as bound>::method;`, spanned at
/// `ty`) reports a type that does not meet it once, at the user's type,
/// with the trait's `on_unimplemented` message. A `crate = ..` path the
/// user wrote keeps its own spans, so a wrong one is reported at the
/// attribute.
///
/// A predicate that names a generic parameter is checked where the command
/// is used instead, and keeps the derive's span: spanned at the field,
/// rustc would suggest adding bounds there (`account: T + Send`), which is
/// not Rust.
pub fn add_spanned(
    generics: &mut Generics,
    ty: &Type,
    krate: &CratePath,
    bound: &TokenStream,
    check: Check,
) -> Option<TokenStream> {
    let path = &krate.path;
    let generic = mentions_generic(ty, generics) || mentions_generic_in(bound.clone(), generics);
    let (predicate, assertion) = if generic {
        let ty = respan(quote!(#ty), Span::call_site());
        (quote!(#ty: #path::__private::#bound), None)
    } else {
        let at = ty.span();
        let path = if krate.given {
            quote!(#path)
        } else {
            respan(quote!(#path), at)
        };
        let rest = respan(quote!(::__private::#bound), at);
        let binder = Lifetime::new("'__eventcore", Span::call_site());
        let assertion = match check {
            Check::Method(method) => {
                let method = Ident::new(method, at);
                quote_spanned!(at=> let _ = <#ty as #path #rest>::#method;)
            }
            Check::DynCast => quote_spanned! {at=>
                {
                    fn check(field: &'static #ty) -> &'static dyn #path #rest {
                        field
                    }
                    let _ = check;
                }
            },
        };
        (quote!(for<#binder> #ty: #path #rest), Some(assertion))
    };
    generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote!(#predicate));
    assertion
}

/// How [`add_spanned`] checks a predicate that names no generic parameter.
/// Both report the trait's own message, once, at the type.
#[derive(Clone, Copy)]
pub enum Check {
    /// Names the trait's method (`<T as Trait>::method`), which checks the
    /// trait and not its supertraits one by one.
    Method(&'static str),
    /// Casts `&T` to `&dyn Trait`: for a marker trait with supertraits,
    /// whose failure naming a method would report once per supertrait.
    DynCast,
}

/// The assertions returned by [`add_spanned`], as one item: an anonymous
/// constant, checked at compile time and absent at run time.
pub fn assertion_item(assertions: &[TokenStream]) -> Option<TokenStream> {
    (!assertions.is_empty()).then(|| {
        quote! {
            const _: () = {
                #(#assertions)*
            };
        }
    })
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
    mentions_generic_in(quote::ToTokens::to_token_stream(ty), generics)
}

/// Whether `tokens` name a parameter of `generics`.
fn mentions_generic_in(tokens: TokenStream, generics: &Generics) -> bool {
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
    walk(tokens, generics)
}
