//! Parsing: the derive input and its attributes, as plain structs.
//!
//! Parsing is tolerant: every problem is pushed to the accumulator and, when
//! the input is still a struct with named fields, a best-effort model is
//! returned, so that the expansion can be emitted next to the errors and the
//! user sees only the real mistakes.

use darling::{FromDeriveInput, FromField, FromMeta, FromVariant, util::Flag};
use proc_macro2::Span;
use syn::{Attribute, Data, DeriveInput, Fields, Generics, Ident, Path, Type, Visibility};

/// `#[command(..)]` on the struct.
#[derive(FromDeriveInput, Default)]
#[darling(attributes(command), default)]
pub struct CommandAttr {
    /// The command's event type.
    pub event: Option<Type>,
    /// The command implements `StreamResolver`.
    pub resolver: Flag,
    /// Path to the `eventcore` crate.
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
}

/// `#[stream(..)]` on a field.
#[derive(FromField, Default)]
#[darling(attributes(stream), default)]
pub struct StreamAttr {
    /// The type the field's streams fold into.
    pub state: Option<Type>,
}

/// A parsed `#[derive(Command)]` input.
pub struct Command<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub generics: &'a Generics,
    /// `None` when missing or unparsable (an error has been reported).
    pub event: Option<Type>,
    /// The span of `resolver`, when present.
    pub resolver: Option<Span>,
    pub krate: Path,
    /// Whether `#[command(..)]` parsed; if not, checks that depend on it are
    /// skipped to avoid follow-on errors.
    pub attr_ok: bool,
    pub streams: Vec<StreamField<'a>>,
}

/// A `#[stream]` field.
pub struct StreamField<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub state: Option<Type>,
}

/// Parses a `#[derive(Command)]` input. Returns `None` when the input is not
/// a struct with named fields.
pub fn command<'a>(
    input: &'a DeriveInput,
    errors: &mut darling::error::Accumulator,
) -> Option<Command<'a>> {
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => named,
            Fields::Unnamed(_) | Fields::Unit => {
                errors.push(
                    darling::Error::custom(
                        "#[derive(Command)] needs a struct with named fields, so that each #[stream] field has a name for its handle",
                    )
                    .with_span(&input.ident),
                );
                return None;
            }
        },
        Data::Enum(data) => {
            errors.push(
                darling::Error::custom("#[derive(Command)] works on structs, not enums: a command is one struct whose #[stream] fields name its streams")
                    .with_span(&data.enum_token),
            );
            return None;
        }
        Data::Union(data) => {
            errors.push(
                darling::Error::custom("#[derive(Command)] works on structs, not unions")
                    .with_span(&data.union_token),
            );
            return None;
        }
    };

    let attr = errors.handle(CommandAttr::from_derive_input(input));
    let attr_ok = attr.is_some();
    let attr = attr.unwrap_or_default();

    let mut streams = Vec::new();
    for field in &fields.named {
        let stream_attrs: Vec<&Attribute> = field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("stream"))
            .collect();
        let Some((_, rest)) = stream_attrs.split_first() else {
            continue;
        };
        for extra in rest {
            errors.push(
                darling::Error::custom(
                    "duplicate #[stream] attribute; give each field one #[stream(..)]",
                )
                .with_span(extra),
            );
        }
        let parsed = errors
            .handle(StreamAttr::from_field(field))
            .unwrap_or_default();
        let Some(ident) = field.ident.as_ref() else {
            continue;
        };
        streams.push(StreamField {
            ident,
            ty: &field.ty,
            state: parsed.state,
        });
    }

    Some(Command {
        ident: &input.ident,
        vis: &input.vis,
        generics: &input.generics,
        event: attr.event,
        resolver: attr.resolver.is_present().then(|| attr.resolver.span()),
        krate: attr.krate.unwrap_or_else(|| syn::parse_quote!(::eventcore)),
        attr_ok,
        streams,
    })
}

/// `#[event(..)]` on the enum.
#[derive(FromDeriveInput, Default)]
#[darling(attributes(event), default)]
pub struct EventAttr {
    /// Path to the `eventcore` crate.
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
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
    fn from_value(value: &syn::Lit) -> darling::Result<Self> {
        match value {
            syn::Lit::Str(text) => Ok(Self {
                name: text.value(),
                span: text.span(),
            }),
            other => Err(darling::Error::unexpected_lit_type(other)),
        }
    }
}

/// A parsed `#[derive(Event)]` input.
pub struct EventEnum<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub krate: Path,
    pub variants: Vec<EventVariant<'a>>,
}

/// One variant and its event type name.
pub struct EventVariant<'a> {
    pub ident: &'a Ident,
    pub name: String,
    pub name_span: Span,
}

/// Parses a `#[derive(Event)]` input. Returns `None` when it is not an enum.
pub fn event<'a>(
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
                || (variant.ident.to_string(), variant.ident.span()),
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
        krate: attr.krate.unwrap_or_else(|| syn::parse_quote!(::eventcore)),
        variants,
    })
}
