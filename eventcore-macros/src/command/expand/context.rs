//! The names and generics every generated item shares.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::{Generics, Lifetime, Type, ext::IdentExt};

use super::assertions::with_stream_field_bounds;
use crate::{
    command::{ast::Command, valid},
    internals::bounds,
};

/// Names and generics shared by the generated items.
pub(super) struct Context<'a> {
    pub(super) input: &'a Command<'a>,
    pub(super) event: &'a Type,
    pub(super) private: TokenStream,
    pub(super) name: String,
    pub(super) streams_ident: Ident,
    pub(super) state_ident: Ident,
    pub(super) generics: Generics,
    pub(super) streams_generics: Generics,
    pub(super) lifetime: Lifetime,
    pub(super) command_ty: TokenStream,
    pub(super) has_generics: bool,
    /// The checks of the `#[stream]` field types that name no generic
    /// parameter.
    pub(super) field_assertions: Vec<TokenStream>,
}

impl<'a> Context<'a> {
    pub(super) fn new(input: &'a Command<'a>, event: &'a Type, private: TokenStream) -> Self {
        let ident = input.ident;
        let (generics, field_assertions) = with_stream_field_bounds(input);
        let (_, ty_generics, _) = generics.split_for_impl();
        let command_ty = quote!(#ident #ty_generics);
        let lifetime = bounds::fresh_lifetime(&generics, "streams");
        let streams_generics = bounds::with_leading_lifetime(&generics, &lifetime);
        Self {
            input,
            event,
            private,
            name: ident.unraw().to_string(),
            streams_ident: input
                .streams_name
                .clone()
                .unwrap_or_else(|| format_ident!("{}Streams", ident.unraw())),
            state_ident: input
                .state_name
                .clone()
                .unwrap_or_else(|| format_ident!("{}State", ident.unraw())),
            generics,
            streams_generics,
            lifetime,
            command_ty,
            has_generics: !input.generics.params.is_empty(),
            field_assertions,
        }
    }

    pub(super) fn phantom(&self) -> TokenStream {
        let command_ty = &self.command_ty;
        quote!(::core::marker::PhantomData<fn() -> #command_ty>)
    }

    pub(super) fn streams_phantom(&self) -> TokenStream {
        let command_ty = &self.command_ty;
        let lifetime = &self.lifetime;
        quote!(::core::marker::PhantomData<(&#lifetime (), fn() -> #command_ty)>)
    }

    /// Whether the handles struct needs a marker field to use its generics
    /// (only when it has no handle at all, which is an error reported
    /// elsewhere).
    pub(super) fn streams_need_phantom(&self) -> bool {
        self.input.streams.is_empty() && !self.has_discovered()
    }

    /// Whether the handles struct gets a `discovered` field. Not when a
    /// `#[stream]` field already has that name (reported in `valid`).
    pub(super) fn has_discovered(&self) -> bool {
        self.input.resolver.is_some()
            && !self
                .input
                .streams
                .iter()
                .any(|f| f.ident == valid::DISCOVERED_FIELD)
    }
}
