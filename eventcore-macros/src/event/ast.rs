//! Parsing `#[derive(Event)]`: the enum, its variants and their attributes,
//! as plain structs. Tolerant like the command's parser: problems go to the
//! accumulator and a best-effort model is returned for any enum.

use darling::{FromDeriveInput, FromMeta, FromVariant};
use proc_macro2::Span;
use syn::{Data, DeriveInput, Generics, Ident, ext::IdentExt};

use crate::internals::attr::{CratePath, with_value};

/// `#[event(..)]` on the enum.
#[derive(FromDeriveInput, Default)]
#[darling(attributes(event), default)]
pub struct EventAttr {
    /// Path to the `eventcore` crate.
    #[darling(rename = "crate")]
    pub krate: CratePath,
}

/// `#[event(..)]` on a variant.
#[derive(FromVariant, Default)]
#[darling(attributes(event), default)]
pub struct VariantAttr {
    /// The event type name, instead of the variant name.
    pub rename: Option<RenameTo>,
}

/// A type name given with `rename = "..."`.
pub struct RenameTo {
    pub name: String,
    pub span: Span,
}

impl Default for RenameTo {
    fn default() -> Self {
        Self {
            name: String::new(),
            span: Span::call_site(),
        }
    }
}

impl FromMeta for RenameTo {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        let text: syn::LitStr = with_value(
            item,
            "rename",
            "the stored event type name, as a string",
            "`#[event(rename = \"AccountOpened\")]`",
        )?;
        Ok(Self {
            name: text.value(),
            span: text.span(),
        })
    }
}

/// A parsed `#[derive(Event)]` input.
pub struct EventEnum<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub krate: CratePath,
    pub variants: Vec<EventVariant<'a>>,
}

/// One variant and its event type name.
pub struct EventVariant<'a> {
    pub ident: &'a Ident,
    pub name: String,
    pub name_span: Span,
}

/// Parses a `#[derive(Event)]` input. Returns `None` when it is not an enum.
pub fn parse<'a>(
    input: &'a DeriveInput,
    errors: &mut darling::error::Accumulator,
) -> Option<EventEnum<'a>> {
    let Data::Enum(data) = &input.data else {
        errors.push(
            darling::Error::custom(
                "#[derive(Event)] works on enums: each variant is one event type",
            )
            .with_span(&input.ident),
        );
        return None;
    };
    let attr = errors
        .handle(EventAttr::from_derive_input(input))
        .unwrap_or_default();
    let variants = data
        .variants
        .iter()
        .map(|variant| {
            let rename = errors
                .handle(VariantAttr::from_variant(variant))
                .and_then(|a| a.rename);
            let (name, name_span) = rename.map_or_else(
                || (variant.ident.unraw().to_string(), variant.ident.span()),
                |r| (r.name, r.span),
            );
            EventVariant {
                ident: &variant.ident,
                name,
                name_span,
            }
        })
        .collect();
    Some(EventEnum {
        ident: &input.ident,
        generics: &input.generics,
        krate: attr.krate,
        variants,
    })
}
