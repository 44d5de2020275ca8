//! The kind of a `#[stream]` field, when its type says so plainly.

use syn::{Generics, Type};

use crate::internals::bounds;

/// What a `#[stream]` field holds, when its type says so plainly, so that
/// the generated structs spell their field types as a person would
/// (`StreamHandle<'streams, Transfer>`) rather than through `StreamField`.
pub(super) enum FieldKind {
    /// `StreamId`.
    Id,
    /// `Option<..>`.
    Optional,
    /// `Vec`, `VecDeque`, `HashSet`, `BTreeSet`, an array or a boxed slice.
    Collection,
    /// Anything else (a newtype id, an alias, a type naming a generic
    /// parameter): spelled through `StreamField`, which is always right.
    Other,
}

impl FieldKind {
    /// The kind of `ty`, when it is certain: the ids inside must be plain
    /// `StreamId`s, because for any other type the derive cannot tell an id
    /// from a type that only looks like one, and a wrong guess would add a
    /// confusing follow-on error to the real one.
    pub(super) fn of(ty: &Type, generics: &Generics) -> Self {
        // Under a bound on a generic type, only the bound is known.
        if bounds::mentions_generic(ty, generics) {
            return Self::Other;
        }
        match ty {
            Type::Array(array) if is_stream_id(&array.elem) => Self::Collection,
            Type::Path(path) if path.qself.is_none() => {
                let Some(last) = path.path.segments.last() else {
                    return Self::Other;
                };
                let argument = match &last.arguments {
                    syn::PathArguments::None => None,
                    syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => {
                        match args.args.first() {
                            Some(syn::GenericArgument::Type(inner)) => Some(inner),
                            _ => return Self::Other,
                        }
                    }
                    _ => return Self::Other,
                };
                match (last.ident.to_string().as_str(), argument) {
                    ("StreamId", None) => Self::Id,
                    ("Option", Some(inner)) if is_stream_id(inner) => Self::Optional,
                    ("Vec" | "VecDeque" | "HashSet" | "BTreeSet", Some(inner))
                        if is_stream_id(inner) =>
                    {
                        Self::Collection
                    }
                    ("Box", Some(Type::Slice(slice))) if is_stream_id(&slice.elem) => {
                        Self::Collection
                    }
                    _ => Self::Other,
                }
            }
            _ => Self::Other,
        }
    }
}

/// Whether `ty` is spelled `StreamId` (or a path ending in it).
fn is_stream_id(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none()
    && path.path.segments.last().is_some_and(|last| {
        last.ident == "StreamId" && matches!(last.arguments, syn::PathArguments::None)
    }))
}
