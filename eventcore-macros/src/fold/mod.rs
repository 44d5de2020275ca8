//! `#[eventcore::fold]`: fingerprints the code of an `impl Fold<E> for T`
//! block, so that a snapshot folded by other code is never used.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::{
    ItemImpl, Path, PathArguments, Token,
    parse::{Parse, ParseStream},
    spanned::Spanned,
};

/// How the attribute is written, for the error when it is not.
const USAGE: &str = "`#[eventcore::fold]` takes nothing, or any of `via = ComposedEvent` (repeatable) and `crate = path::to::eventcore`, separated by commas";

/// The attribute's arguments: `via = Type` (any number) and `crate = path`.
struct Args {
    krate: Path,
    /// Composed event enums the fold also folds, through this part.
    via: Vec<syn::Type>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self {
            krate: syn::parse_quote!(::eventcore),
            via: Vec::new(),
        };
        while !input.is_empty() {
            if input.peek(Token![crate]) {
                let _: Token![crate] = input.parse()?;
                let _: Token![=] = input.parse()?;
                args.krate = input.parse()?;
            } else {
                let name: syn::Ident = input.parse().map_err(|_| input.error(USAGE))?;
                if name != "via" {
                    return Err(syn::Error::new(name.span(), USAGE));
                }
                let _: Token![=] = input.parse()?;
                args.via.push(input.parse()?);
            }
            if input.is_empty() {
                break;
            }
            let _: Token![,] = input.parse().map_err(|_| input.error(USAGE))?;
        }
        Ok(args)
    }
}

/// Expands the attribute: the impl as written, and its fingerprint.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let args: Args = match syn::parse2(args) {
        Ok(args) => args,
        Err(error) => return with_item(error.to_compile_error(), item),
    };
    let Ok(block) = syn::parse2::<ItemImpl>(item.clone()) else {
        let error = syn::Error::new(
            item.span(),
            "`#[eventcore::fold]` goes on an `impl Fold<Event> for State` block",
        );
        return with_item(error.to_compile_error(), item);
    };
    let Some(event) = fold_event(&block) else {
        let span = block
            .trait_
            .as_ref()
            .map_or_else(|| block.self_ty.span(), |(path, _)| path.span());
        let error = syn::Error::new(
            span,
            "`#[eventcore::fold]` goes on an `impl Fold<Event> for State` block: it fingerprints \
             the fold logic that snapshots of `State` depend on",
        );
        return with_item(error.to_compile_error(), item);
    };
    let fingerprint = fingerprint(item);
    let krate = &args.krate;
    let (generics, _, where_clause) = block.generics.split_for_impl();
    let state = &block.self_ty;
    let span = block.impl_token.span;
    let constant = quote_spanned! {span=>
        #[automatically_derived]
        impl #generics #krate::FoldFingerprint<#event> for #state #where_clause {
            const FOLD_FINGERPRINT: u64 = #fingerprint;
        }
    };
    let via = args.via.iter().map(|composed| {
        let span = composed.span();
        quote_spanned! {span=>
            #[automatically_derived]
            impl #generics #krate::Fold<#composed> for #state #where_clause {
                fn fold(&mut self, event: &#krate::RecordedEvent<#composed>) {
                    if let ::core::option::Option::Some(part) = event.narrow::<#event>() {
                        <Self as #krate::Fold<#event>>::fold(self, &part);
                    }
                }
            }

            #[automatically_derived]
            impl #generics #krate::FoldFingerprint<#composed> for #state #where_clause {
                const FOLD_FINGERPRINT: u64 = #fingerprint;
            }
        }
    });
    quote! {
        #block
        #constant
        #(#via)*
    }
}

/// The event type of `impl Fold<E> for T`, if the block is one.
fn fold_event(block: &ItemImpl) -> Option<&syn::Type> {
    let (path, _) = block.trait_.as_ref()?;
    let last = path.segments.last()?;
    if last.ident != "Fold" {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        syn::GenericArgument::Type(event) if arguments.args.len() == 1 => Some(event),
        _ => None,
    }
}

/// Keeps the item in the output beside an error, so that no follow-on
/// errors about a missing impl appear.
fn with_item(mut error: TokenStream, item: TokenStream) -> TokenStream {
    error.extend(item);
    error
}

/// FNV-1a over the item's tokens, walked one by one: each token's text, a
/// separator, and a marker for each group's delimiters. Spacing, line
/// breaks and ordinary comments are not tokens, so they do not count; every
/// other edit does.
fn fingerprint(item: TokenStream) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    fn feed(hash: &mut u64, bytes: &[u8]) {
        for byte in bytes {
            *hash ^= u64::from(*byte);
            *hash = hash.wrapping_mul(PRIME);
        }
    }
    fn walk(hash: &mut u64, tokens: TokenStream) {
        for token in tokens {
            match token {
                TokenTree::Group(group) => {
                    let (open, close) = match group.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::None => ("\u{2}", "\u{3}"),
                    };
                    feed(hash, open.as_bytes());
                    walk(hash, group.stream());
                    feed(hash, close.as_bytes());
                }
                TokenTree::Ident(ident) => feed(hash, ident.to_string().as_bytes()),
                TokenTree::Punct(punct) => {
                    let mut buffer = [0_u8; 4];
                    feed(hash, punct.as_char().encode_utf8(&mut buffer).as_bytes());
                }
                TokenTree::Literal(literal) => feed(hash, literal.to_string().as_bytes()),
            }
            feed(hash, &[0]);
        }
    }
    let mut hash = OFFSET;
    walk(&mut hash, item);
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(tokens: TokenStream) -> u64 {
        fingerprint(tokens)
    }

    #[test]
    fn spacing_does_not_count_and_every_edit_does() {
        let a = of(quote! { impl Fold<E> for S { fn fold(&mut self, e: &R<E>) { self.n += 1; } } });
        let spaced: TokenStream =
            "impl Fold < E > for S {\n  fn fold ( & mut self , e : & R < E > ) { self . n += 1 ; }\n}"
                .parse()
                .unwrap();
        assert_eq!(a, of(spaced));
        let edited =
            of(quote! { impl Fold<E> for S { fn fold(&mut self, e: &R<E>) { self.n += 2; } } });
        assert_ne!(a, edited);
        let regrouped =
            of(quote! { impl Fold<E> for S { fn fold(&mut self, e: &R<E>) { (self.n += 1); } } });
        assert_ne!(a, regrouped);
    }

    #[test]
    fn only_fold_impls_are_accepted() {
        let out = expand(
            TokenStream::new(),
            quote! { impl Default for S { fn default() -> Self { S } } },
        );
        assert!(out.to_string().contains("compile_error"), "{out}");
        let out = expand(TokenStream::new(), quote! { struct S; });
        assert!(out.to_string().contains("compile_error"), "{out}");
        let out = expand(
            TokenStream::new(),
            quote! { impl Fold<E> for S { fn fold(&mut self, _: &R<E>) {} } },
        );
        assert!(out.to_string().contains("FOLD_FINGERPRINT"), "{out}");
        assert!(!out.to_string().contains("compile_error"), "{out}");
    }
}
