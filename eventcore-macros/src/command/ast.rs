//! Parsing `#[derive(Command)]`: the struct and its attributes, as plain
//! structs.
//!
//! Parsing is tolerant: every problem is pushed to the accumulator and, when
//! the input is still a struct with named fields, a best-effort model is
//! returned, so that the expansion can be emitted next to the errors and the
//! user sees only the real mistakes.

use std::borrow::Cow;

use darling::{FromDeriveInput, FromField, util::SpannedValue};
use proc_macro2::Span;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{
    Attribute, Data, DeriveInput, Fields, Generics, Ident, Type, Visibility, spanned::Spanned,
};

use crate::internals::attr::{CratePath, NameOption, TypeOption, WordFlag};

/// `#[command(..)]` on the struct.
#[derive(FromDeriveInput, Default)]
#[darling(attributes(command), default)]
pub struct CommandAttr {
    /// The command's event type.
    pub event: Option<TypeOption<true>>,
    /// The command implements `StreamResolver`.
    pub resolver: WordFlag,
    /// The type each discovered stream folds into, in the generated state.
    pub discovered_state: Option<TypeOption<false>>,
    /// The name of the generated state struct, instead of `<Command>State`.
    pub state_name: Option<NameOption>,
    /// The name of the generated handles struct, instead of
    /// `<Command>Streams`.
    pub streams_name: Option<NameOption>,
    /// Path to the `eventcore` crate.
    #[darling(rename = "crate")]
    pub krate: CratePath,
}

/// `#[stream(..)]` on a field.
#[derive(FromField, Default)]
#[darling(attributes(stream), default)]
pub struct StreamAttr {
    /// The type the field's streams fold into.
    pub state: Option<TypeOption<false>>,
    /// Keep the state in snapshots, fingerprinted by `#[eventcore::fold]`.
    pub snapshot: WordFlag,
    /// Keep the state in snapshots, identified by a version bumped by hand.
    pub snapshot_version: Option<SpannedValue<syn::Expr>>,
    /// The field's streams are this function applied to each of its items.
    pub ids: Option<SpannedValue<syn::Expr>>,
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
    /// `discovered_state = T`: each discovered stream folds into a `T`.
    pub discovered_state: Option<Type>,
    /// `state_name = ..`, when given.
    pub state_name: Option<Ident>,
    /// `streams_name = ..`, when given.
    pub streams_name: Option<Ident>,
    pub krate: CratePath,
    /// Whether `#[command(..)]` parsed; if not, checks that depend on it are
    /// skipped to avoid follow-on errors.
    pub attr_ok: bool,
    pub streams: Vec<StreamField<'a>>,
    /// The type of every field, `#[stream]` or not.
    pub field_types: Vec<&'a Type>,
    /// `#[stream]` fields reported as wrong and left out of `streams`.
    pub rejected_streams: usize,
}

/// A `#[stream]` field.
pub struct StreamField<'a> {
    pub ident: &'a Ident,
    /// The type whose `StreamField` impl generated code goes through: the
    /// field's own, or `ProjectedIds` for `ids = f`.
    pub ty: Cow<'a, Type>,
    /// `ids = f`: the function that gives each item's stream id.
    pub ids: Option<syn::Expr>,
    pub state: Option<Type>,
    /// How the state's snapshots are identified, when it is kept in them.
    pub snapshot: Option<SnapshotFold>,
}

impl StreamField<'_> {
    /// The expression generated code reads the field's streams from: a
    /// reference to the field, or to its `ProjectedIds`.
    pub fn source(&self, private: &TokenStream) -> TokenStream {
        let ident = self.ident;
        match &self.ids {
            None => quote!(&self.#ident),
            Some(ids) => {
                let id =
                    quote_spanned!(ids.span()=> #private::IntoStreamId::to_stream_id(&ids(item)));
                // Bound first: a closure called where it is written is a
                // lint in the user's code.
                quote! {
                    &#private::ProjectedIds::from_ids({
                        let ids = #ids;
                        ::core::iter::IntoIterator::into_iter(&self.#ident).map(move |item| #id)
                    })
                }
            }
        }
    }

    /// The expression generated code folds events through: like
    /// [`source`](Self::source), but projected ids are not computed per
    /// event (a collection routes by the event's stream id).
    pub fn fold_source(&self, private: &TokenStream) -> TokenStream {
        let ident = self.ident;
        if self.ids.is_none() {
            quote!(&self.#ident)
        } else {
            quote!(&#private::ProjectedIds::ROUTED_BY_EVENT)
        }
    }
}

/// What identifies the fold logic of a state kept in snapshots.
#[derive(Clone)]
pub enum SnapshotFold {
    /// The fingerprint `#[eventcore::fold]` puts on the state type.
    Fingerprint(Span),
    /// `snapshot_version = N`: a `u32` literal or constant.
    Manual(syn::Expr, Span),
}

/// Parses a `#[derive(Command)]` input. Returns `None` when the input is not
/// a struct with named fields.
pub fn parse<'a>(
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

    report_misplaced(input, fields, errors);

    let attr = errors.handle(CommandAttr::from_derive_input(input));
    let attr_ok = attr.is_some();
    let attr = attr.unwrap_or_default();

    let mut streams = Vec::new();
    let mut rejected_streams = 0;
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
        if let Type::Reference(reference) = &field.ty {
            // Caught here: with a lifetime in scope, rustc would accept the
            // field and report the mistake only where the command is used.
            errors.push(darling::Error::from(syn::Error::new_spanned(
                reference.and_token,
                "a #[stream] field owns its stream id: write the id type itself (`StreamId` or your id newtype), not a reference to it; the executor keeps the command across retries",
            )));
            rejected_streams += 1;
            continue;
        }
        let snapshot = snapshot_fold(&parsed, errors);
        let (ty, ids) = through(field, parsed.ids, &attr.krate.path);
        streams.push(StreamField {
            ident,
            ty,
            ids,
            state: parsed.state.map(|state| state.0),
            snapshot,
        });
    }

    Some(Command {
        ident: &input.ident,
        vis: &input.vis,
        generics: &input.generics,
        event: attr.event.map(|event| event.0),
        resolver: attr.resolver.span(),
        discovered_state: attr.discovered_state.map(|state| state.0),
        state_name: attr.state_name.map(|name| name.0),
        streams_name: attr.streams_name.map(|name| name.0),
        krate: attr.krate,
        attr_ok,
        streams,
        field_types: fields.named.iter().map(|field| &field.ty).collect(),
        rejected_streams,
    })
}

/// Reports `#[stream]` on the struct and `#[command]` on a field.
fn report_misplaced(
    input: &DeriveInput,
    fields: &syn::FieldsNamed,
    errors: &mut darling::error::Accumulator,
) {
    for misplaced in input.attrs.iter().filter(|a| a.path().is_ident("stream")) {
        errors.push(darling::Error::from(syn::Error::new_spanned(
            misplaced.path(),
            "#[stream] goes on a field that names a stream, not on the struct; options for the whole command go in #[command(..)]",
        )));
    }
    for field in &fields.named {
        for misplaced in field.attrs.iter().filter(|a| a.path().is_ident("command")) {
            errors.push(darling::Error::from(syn::Error::new_spanned(
                misplaced.path(),
                "#[command(..)] goes on the struct, not on a field; mark a field that names a stream with #[stream] or #[stream(state = T)]",
            )));
        }
    }
}

/// The type generated code treats a field's streams as, and its `ids`
/// function: the field's own type, or `ProjectedIds` for `ids = f`.
fn through<'a>(
    field: &'a syn::Field,
    ids: Option<SpannedValue<syn::Expr>>,
    krate: &syn::Path,
) -> (Cow<'a, Type>, Option<syn::Expr>) {
    match ids {
        None => (Cow::Borrowed(&field.ty), None),
        Some(ids) => {
            let span = ids.span();
            let projected: Type = syn::parse_quote_spanned!(span=> #krate::__private::ProjectedIds);
            (Cow::Owned(projected), Some((*ids).clone()))
        }
    }
}

/// How a field's snapshots are identified, from `snapshot` or
/// `snapshot_version = N`; reports either without `state = T`, and both.
fn snapshot_fold(
    parsed: &StreamAttr,
    errors: &mut darling::error::Accumulator,
) -> Option<SnapshotFold> {
    let fold = match (parsed.snapshot.span(), &parsed.snapshot_version) {
        (None, None) => return None,
        (Some(span), None) => SnapshotFold::Fingerprint(span),
        (None, Some(version)) => SnapshotFold::Manual((**version).clone(), version.span()),
        (Some(_), Some(version)) => {
            errors.push(
                darling::Error::custom(
                    "write either `snapshot` (the fold's fingerprint comes from #[eventcore::fold] on its impl) or `snapshot_version = N` (a version you bump whenever the fold changes), not both",
                )
                .with_span(&version.span()),
            );
            SnapshotFold::Manual((**version).clone(), version.span())
        }
    };
    if parsed.state.is_none() {
        let span = match &fold {
            SnapshotFold::Fingerprint(span) | SnapshotFold::Manual(_, span) => *span,
        };
        errors.push(
            darling::Error::custom(
                "a snapshot keeps the state a field folds into: write #[stream(state = T, snapshot)]",
            )
            .with_span(&span),
        );
        return None;
    }
    Some(fold)
}
