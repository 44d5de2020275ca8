//! Code generation for `#[derive(Command)]`. Generated code names only
//! `::eventcore::__private::*` (or the `crate = ..` override) and `::core`,
//! carries `#[automatically_derived]`, and never unwraps.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{Type, ext::IdentExt, spanned::Spanned};

use super::{ast::Command, valid};
use crate::internals::bounds;

mod assertions;
mod context;
mod debug;
mod discovered;
mod fold_stream;
mod kind;
mod snapshot;

use self::{
    assertions::with_fold_bounds,
    context::Context,
    debug::{state_debug, streams_debug},
    discovered::Discovered,
    kind::FieldKind,
};

/// Everything `#[derive(Command)]` generates.
pub fn items(input: &Command<'_>) -> TokenStream {
    let krate = &input.krate.path;
    // Without an event type (reported), the expansion uses a placeholder so
    // that the user's code that names the generated items still type-checks
    // and only the real error shows.
    let placeholder: Type = syn::parse_quote!(#krate::__private::MissingEventOption);
    let event = input.event.as_ref().unwrap_or(&placeholder);
    let cx = Context::new(input, event, quote!(#krate::__private));
    let streams_struct = streams_struct(&cx);
    let command_impl = command_impl(&cx);
    let (state_items, fold_assertions) = state_items(&cx).unzip();
    let assertions: Vec<TokenStream> = cx
        .field_assertions
        .iter()
        .cloned()
        .chain(fold_assertions.into_iter().flatten())
        .collect();
    let assertions = bounds::assertion_item(&assertions);
    quote! {
        #streams_struct
        #command_impl
        #state_items
        #assertions
    }
}

/// The handles struct: one handle per `#[stream]` field.
fn streams_struct(cx: &Context<'_>) -> TokenStream {
    let Context {
        private,
        lifetime,
        command_ty,
        ..
    } = cx;
    let handle_fields = cx.input.streams.iter().map(|field| {
        let field_ident = field.ident;
        let ty = &*field.ty;
        let doc = format!(" Handle for the `{}` stream(s).", field_ident.unraw());
        let field_ty = match FieldKind::of(ty, cx.input.generics) {
            FieldKind::Id => quote!(#private::StreamHandle<#lifetime, #command_ty>),
            FieldKind::Optional => {
                quote!(::core::option::Option<#private::StreamHandle<#lifetime, #command_ty>>)
            }
            FieldKind::Collection => quote!(#private::StreamHandles<#lifetime, #command_ty>),
            FieldKind::Other => {
                quote_spanned!(ty.span()=> <#ty as #private::StreamField>::Handles<#lifetime, #command_ty>)
            }
        };
        quote! {
            #[doc = #doc]
            pub #field_ident: #field_ty,
        }
    });
    let discovered_field = cx.has_discovered().then(|| {
        let field = format_ident!("{}", valid::DISCOVERED_FIELD);
        quote! {
            /// Handles for the streams the command's `StreamResolver` discovered.
            pub #field: #private::StreamHandles<#lifetime, #command_ty>,
        }
    });
    let phantom = cx.streams_phantom();
    let streams_phantom = cx
        .streams_need_phantom()
        .then(|| quote!(#[doc(hidden)] pub __command: #phantom,));
    let doc = format!(
        " Write access to the streams of [`{}`]: one handle per `#[stream]` field. Only the executor creates it.",
        cx.name
    );
    let vis = cx.input.vis;
    let ident = &cx.streams_ident;
    // The declaration keeps the command's defaults (`<Id = StreamId>`), so
    // users can name the struct as they name the command.
    let decl_generics = &cx.streams_generics;
    let (_, _, where_clause) = cx.streams_generics.split_for_impl();
    let debug = streams_debug(cx);
    quote! {
        #[doc = #doc]
        #vis struct #ident #decl_generics #where_clause {
            #(#handle_fields)*
            #discovered_field
            #streams_phantom
        }

        #debug
    }
}

/// `impl Command`.
fn command_impl(cx: &Context<'_>) -> TokenStream {
    let Context {
        private,
        lifetime,
        command_ty,
        event,
        name,
        streams_ident,
        ..
    } = cx;
    let streams = &cx.input.streams;
    let declares = streams.iter().map(|field| {
        let ty = &*field.ty;
        let source = field.source(private);
        quote_spanned!(ty.span()=> <#ty as #private::StreamField>::declare(#source, streams);)
    });
    let builds = streams.iter().map(|field| {
        let field_ident = field.ident;
        let ty = &*field.ty;
        let source = field.source(private);
        let value = quote_spanned!(ty.span()=> <#ty as #private::StreamField>::handles::<Self>(#source, access));
        quote!(#field_ident: #value,)
    });
    let build_discovered = cx.has_discovered().then(|| {
        let field = format_ident!("{}", valid::DISCOVERED_FIELD);
        quote!(#field: #private::discovered::<Self>(access),)
    });
    let build_phantom = cx
        .streams_need_phantom()
        .then(|| quote!(__command: ::core::marker::PhantomData,));
    let discover = cx.input.resolver.map(|span| {
        let resolve =
            quote_spanned!(span=> <Self as #private::StreamResolver>::resolve(self, state));
        quote! {
            fn discover_streams(
                &self,
                state: &<Self as #private::CommandState>::State,
            ) -> #private::Vec<#private::StreamId>
            where
                Self: #private::CommandState,
            {
                #resolve
            }
        }
    });
    let (impl_generics, _, where_clause) = cx.generics.split_for_impl();
    let (_, streams_ty_generics, _) = cx.streams_generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #private::Command for #command_ty #where_clause {
            type Event = #event;
            type Streams<#lifetime> = #streams_ident #streams_ty_generics;
            const NAME: &'static str = #name;

            fn declare_streams(&self, streams: &mut #private::StreamDeclarations) {
                #(#declares)*
            }

            fn build_streams<#lifetime>(
                &self,
                access: &#lifetime #private::StreamAccess<<Self as #private::Command>::Event>,
            ) -> Self::Streams<#lifetime> {
                #streams_ident {
                    #(#builds)*
                    #build_discovered
                    #build_phantom
                }
            }

            #discover
        }
    }
}

/// The type of a state struct's field for a `#[stream]` field of type `ty`.
fn state_field_ty(cx: &Context<'_>, ty: &Type, state: &Type) -> TokenStream {
    let private = &cx.private;
    match FieldKind::of(ty, cx.input.generics) {
        FieldKind::Id => quote!(#state),
        FieldKind::Optional => quote!(::core::option::Option<#state>),
        FieldKind::Collection => quote!(#private::StreamStates<#state>),
        FieldKind::Other => {
            quote_spanned!(ty.span()=> <#ty as #private::StreamField>::State<#state>)
        }
    }
}

/// The state struct's field for each stateful `#[stream]` field.
fn state_field_decls(
    cx: &Context<'_>,
    stateful: &[(&super::ast::StreamField<'_>, &Type)],
) -> Vec<TokenStream> {
    stateful
        .iter()
        .map(|(field, state)| {
            let field_ident = field.ident;
            let ty = &*field.ty;
            let doc = format!(
                " State folded from the `{}` stream(s).",
                field_ident.unraw()
            );
            let field_ty = state_field_ty(cx, ty, state);
            quote! {
                #[doc = #doc]
                pub #field_ident: #field_ty,
            }
        })
        .collect()
}

/// The generated state struct and `impl CommandState`, when any field says
/// `state = ..`, with the assertions of the state types.
fn state_items(cx: &Context<'_>) -> Option<(TokenStream, Vec<TokenStream>)> {
    let Context {
        private,
        command_ty,
        state_ident,
        ..
    } = cx;
    let stateful: Vec<_> = cx
        .input
        .streams
        .iter()
        .filter_map(|f| f.state.as_ref().map(|s| (f, s)))
        .collect();
    let discovered = cx.input.discovered_state.as_ref();
    if stateful.is_empty() && discovered.is_none() {
        return None;
    }
    let state_fields = state_field_decls(cx, &stateful);
    let phantom = cx.phantom();
    let state_phantom = cx
        .has_generics
        .then(|| quote!(#[doc(hidden)] pub __command: #phantom,));
    let doc = format!(
        " State of [`{}`], folded from its streams by the generated `CommandState::apply`.",
        cx.name
    );
    let inits = stateful.iter().map(|(field, state)| {
        let field_ident = field.ident;
        let ty = &*field.ty;
        let source = field.source(private);
        let value = quote_spanned!(state.span()=> <#ty as #private::StreamField>::initial_state::<#state>(#source));
        quote!(#field_ident: #value,)
    });
    let init_phantom = cx
        .has_generics
        .then(|| quote!(__command: ::core::marker::PhantomData,));
    let has_event = cx.input.event.is_some();
    let Discovered {
        field: discovered_field,
        init: init_discovered,
        fold: fold_discovered,
    } = discovered::items(cx, has_event);
    // `T: Fold<Event>` bounds, spanned at each state type: the generated
    // assertion for `state = T`, reported once, at the attribute.
    // Without the event option (reported) nothing is folded: the states'
    // `Fold` impls cannot be checked against an event type there is none of.
    let (fold_generics, fold_assertions) =
        with_fold_bounds(cx.input, &cx.generics, cx.event, &stateful);
    let folds = stateful.iter().filter(|_| has_event).map(|(field, state)| {
        let field_ident = field.ident;
        let ty = &*field.ty;
        let source = field.fold_source(private);
        quote_spanned! {state.span()=>
            <#ty as #private::StreamField>::fold::<#state, <Self as #private::Command>::Event>(
                #source,
                &mut state.#field_ident,
                event,
            );
        }
    });
    let vis = cx.input.vis;
    let decl_generics = &cx.generics;
    let (impl_generics, ty_generics, where_clause) = cx.generics.split_for_impl();
    let (_, _, impl_where_clause) = fold_generics.split_for_impl();
    let debug = state_debug(cx, &stateful);
    let fold_stream = fold_stream::method(cx, &stateful, &quote!(#state_ident #ty_generics));
    let snapshots = snapshot::methods(cx, &stateful, &quote!(#state_ident #ty_generics));
    let items = quote! {
        #[doc = #doc]
        #vis struct #state_ident #decl_generics #where_clause {
            #(#state_fields)*
            #discovered_field
            #state_phantom
        }

        #debug

        #[automatically_derived]
        impl #impl_generics #private::CommandState for #command_ty #impl_where_clause {
            type State = #state_ident #ty_generics;

            fn initial_state(&self) -> #state_ident #ty_generics {
                #state_ident {
                    #(#inits)*
                    #init_discovered
                    #init_phantom
                }
            }

            fn apply(
                &self,
                state: &mut #state_ident #ty_generics,
                event: &#private::RecordedEvent<<Self as #private::Command>::Event>,
            ) {
                #(#folds)*
                #fold_discovered
            }

            #fold_stream

            #snapshots
        }
    };
    Some((items, fold_assertions))
}
