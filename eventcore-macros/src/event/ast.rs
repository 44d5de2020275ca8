//! Parsing `#[derive(Event)]`: the enum, its variants and their attributes,
//! as plain structs. Tolerant like the command's parser: problems go to the
//! accumulator and a best-effort model is returned for any enum.

use darling::{FromDeriveInput, FromMeta, FromVariant};
use proc_macro2::Span;
use syn::{Data, DeriveInput, Generics, Ident, ext::IdentExt};

use crate::internals::attr::{CratePath, WordFlag, with_value};

/// `#[event(..)]` on the enum.
#[derive(FromDeriveInput, Default)]
#[darling(attributes(event), default)]
pub struct EventAttr {
    /// Path to the `eventcore` crate.
    #[darling(rename = "crate")]
    pub krate: CratePath,
    /// The `fn() -> Upcasters` that builds the enum's upcasters.
    pub upcasters: Option<UpcastersFn>,
    /// Each variant wraps another event type: names come from the parts.
    pub compose: WordFlag,
}

/// `upcasters = path`: the function that builds the upcasters.
pub struct UpcastersFn(pub syn::Path);

impl FromMeta for UpcastersFn {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        with_value(
            item,
            "upcasters",
            "the path of a `fn() -> eventcore::Upcasters`",
            "`#[event(upcasters = bank_upcasters)]`",
        )
        .map(Self)
    }
}

/// `#[event(..)]` on a variant.
#[derive(FromVariant, Default)]
#[darling(attributes(event), default)]
pub struct VariantAttr {
    /// The event type name, instead of the variant name.
    pub rename: Option<RenameTo>,
    /// The schema version of the type name (default 1).
    pub version: Option<SchemaVersion>,
    /// Older type names that decode into this variant.
    #[darling(multiple)]
    pub alias: Vec<AliasOf>,
}

/// `version = N`: a schema version, 1 or more and at most `i32::MAX` (what
/// every store keeps).
pub struct SchemaVersion {
    pub value: u32,
}

impl FromMeta for SchemaVersion {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        let example = "`#[event(version = 2)]`";
        let number: syn::LitInt = with_value(
            item,
            "version",
            "the schema version of the event type, a whole number from 1",
            example,
        )?;
        let value = number
            .base10_parse::<u32>()
            .ok()
            .filter(|v| (1..=i32::MAX.unsigned_abs()).contains(v))
            .ok_or_else(|| {
                darling::Error::custom(format!(
                    "schema version {} is out of range: versions run from 1 to {}; write {example}",
                    number.base10_digits(),
                    i32::MAX
                ))
                .with_span(&number)
            })?;
        Ok(Self { value })
    }
}

/// `alias = "OldName"`: an older type name of this variant.
pub struct AliasOf {
    pub name: String,
    pub span: Span,
}

impl FromMeta for AliasOf {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        let text: syn::LitStr = with_value(
            item,
            "alias",
            "an older type name that decodes into this variant, as a string",
            "`#[event(alias = \"AccountOpened\")]`",
        )?;
        Ok(Self {
            name: text.value(),
            span: text.span(),
        })
    }
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
    pub upcasters: Option<syn::Path>,
    /// `compose`: each variant wraps one event type (its part).
    pub compose: bool,
    pub variants: Vec<EventVariant<'a>>,
}

/// One variant and its event type name.
pub struct EventVariant<'a> {
    pub ident: &'a Ident,
    pub name: String,
    pub name_span: Span,
    /// The schema version (1 unless given).
    pub version: u32,
    /// Older names of the variant.
    pub aliases: Vec<AliasOf>,
    /// The event type a composed enum's variant wraps.
    pub part: Option<&'a syn::Type>,
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
    let compose = attr.compose.span();
    if let Some(span) = compose {
        check_composable(input, &attr, span, errors);
    }
    let variants = data
        .variants
        .iter()
        .map(|variant| {
            let attr = errors
                .handle(VariantAttr::from_variant(variant))
                .unwrap_or_default();
            if compose.is_some()
                && (attr.rename.is_some() || attr.version.is_some() || !attr.alias.is_empty())
            {
                errors.push(
                    darling::Error::custom(
                        "a composed event enum takes its type names, versions and aliases from the event types it wraps: write them on those types",
                    )
                    .with_span(&variant.ident),
                );
            }
            let part = compose.and_then(|_| part_of(variant, errors));
            let (name, name_span) = attr.rename.map_or_else(
                || (variant.ident.unraw().to_string(), variant.ident.span()),
                |r| (r.name, r.span),
            );
            EventVariant {
                ident: &variant.ident,
                name,
                name_span,
                version: attr.version.map_or(1, |v| v.value),
                aliases: attr.alias,
                part,
            }
        })
        .collect();
    Some(EventEnum {
        ident: &input.ident,
        generics: &input.generics,
        krate: attr.krate,
        upcasters: attr.upcasters.map(|u| u.0),
        compose: compose.is_some(),
        variants,
    })
}

/// Reports what a composed enum cannot have: its own upcasters, generics.
fn check_composable(
    input: &DeriveInput,
    attr: &EventAttr,
    span: Span,
    errors: &mut darling::error::Accumulator,
) {
    if let Some(upcasters) = &attr.upcasters {
        errors.push(
            darling::Error::custom(
                "a composed event enum reads old events through the upcasters of the event types it wraps: register them there, not with `compose`",
            )
            .with_span(&upcasters.0),
        );
    }
    if !input.generics.params.is_empty() {
        errors.push(
            darling::Error::custom(
                "`compose` works on an enum without generic parameters: its type names are computed from the wrapped types when it compiles",
            )
            .with_span(&span),
        );
    }
}

/// The one event type a composed enum's variant wraps.
fn part_of<'a>(
    variant: &'a syn::Variant,
    errors: &mut darling::error::Accumulator,
) -> Option<&'a syn::Type> {
    match &variant.fields {
        syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
            fields.unnamed.first().map(|field| &field.ty)
        }
        _ => {
            errors.push(
                darling::Error::custom(format!(
                    "each variant of a composed event enum wraps one event type: write `{}(OrderEvent)`",
                    variant.ident
                ))
                .with_span(&variant.ident),
            );
            None
        }
    }
}
