//! Code generation for `#[derive(Command)]`. Generated code names only
//! `::eventcore::__private::*` (or the `crate = ..` override) and `::core`,
//! carries `#[automatically_derived]`, and never unwraps.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{Generics, Lifetime, Type, ext::IdentExt, spanned::Spanned};

use super::{
    ast::{Command, StreamField},
    valid,
};
use crate::internals::bounds;

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
    let state_items = state_items(&cx);
    quote! {
        #streams_struct
        #command_impl
        #state_items
    }
}

/// Names and generics shared by the generated items.
struct Context<'a> {
    input: &'a Command<'a>,
    event: &'a Type,
    private: TokenStream,
    name: String,
    streams_ident: Ident,
    state_ident: Ident,
    generics: Generics,
    streams_generics: Generics,
    lifetime: Lifetime,
    command_ty: TokenStream,
    has_generics: bool,
}

impl<'a> Context<'a> {
    fn new(input: &'a Command<'a>, event: &'a Type, private: TokenStream) -> Self {
        let ident = input.ident;
        let generics = with_stream_field_bounds(input);
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
        }
    }

    fn phantom(&self) -> TokenStream {
        let command_ty = &self.command_ty;
        quote!(::core::marker::PhantomData<fn() -> #command_ty>)
    }

    fn streams_phantom(&self) -> TokenStream {
        let command_ty = &self.command_ty;
        let lifetime = &self.lifetime;
        quote!(::core::marker::PhantomData<(&#lifetime (), fn() -> #command_ty)>)
    }

    /// Whether the handles struct needs a marker field to use its generics
    /// (only when it has no handle at all, which is an error reported
    /// elsewhere).
    fn streams_need_phantom(&self) -> bool {
        self.input.streams.is_empty() && !self.has_discovered()
    }

    /// Whether the handles struct gets a `discovered` field. Not when a
    /// `#[stream]` field already has that name (reported in `valid`).
    fn has_discovered(&self) -> bool {
        self.input.resolver.is_some()
            && !self
                .input
                .streams
                .iter()
                .any(|f| f.ident == valid::DISCOVERED_FIELD)
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
        let ty = field.ty;
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

/// `impl Debug` for the handles struct.
///
/// The generated structs always implement `Debug`: a field whose type has
/// `Debug` shows with it, any other as `..` (see `__private::DebugField`).
/// Only field types that name a generic parameter get a `Debug` bound: a
/// bound on a concrete type is checked where it is written, so a state type
/// without `Debug` would fail the derive.
fn streams_debug(cx: &Context<'_>) -> TokenStream {
    let Context {
        private,
        lifetime,
        command_ty,
        ..
    } = cx;
    let mut generics = cx.streams_generics.clone();
    let mut fields = Vec::new();
    for field in &cx.input.streams {
        let ty = field.ty;
        let ident = field.ident;
        let name = ident.unraw().to_string();
        if bounds::mentions_generic(ty, cx.input.generics) {
            generics
                .make_where_clause()
                .predicates
                .push(syn::parse_quote!(
                    <#ty as #private::StreamField>::Handles<#lifetime, #command_ty>: ::core::fmt::Debug
                ));
        }
        fields.push(debug_field(private, &name, ident));
    }
    if cx.has_discovered() {
        let field = format_ident!("{}", valid::DISCOVERED_FIELD);
        fields.push(debug_field(private, valid::DISCOVERED_FIELD, &field));
    }
    struct_debug(private, &cx.streams_ident, &generics, &fields)
}

/// `impl Debug` for the state struct (see [`streams_debug`]).
fn state_debug(cx: &Context<'_>, stateful: &[(&StreamField<'_>, &Type)]) -> TokenStream {
    let private = &cx.private;
    let mut debug_generics = cx.generics.clone();
    let debug_fields: Vec<TokenStream> = stateful
        .iter()
        .map(|(field, state)| {
            let ty = field.ty;
            let ident = field.ident;
            let name = ident.unraw().to_string();
            if bounds::mentions_generic(ty, cx.input.generics)
                || bounds::mentions_generic(state, cx.input.generics)
            {
                debug_generics
                    .make_where_clause()
                    .predicates
                    .push(syn::parse_quote!(
                        <#ty as #private::StreamField>::State<#state>: ::core::fmt::Debug
                    ));
            }
            debug_field(private, &name, ident)
        })
        .collect();
    struct_debug(private, &cx.state_ident, &debug_generics, &debug_fields)
}

/// `.field(name, ..)` for one field of a generated struct's `Debug`.
fn debug_field(private: &TokenStream, name: &str, field: &Ident) -> TokenStream {
    quote!(.field(#name, (&#private::DebugField(&self.#field)).debug_field()))
}

/// `impl Debug for ident` with `fields`, under `generics`.
fn struct_debug(
    private: &TokenStream,
    ident: &Ident,
    generics: &Generics,
    fields: &[TokenStream],
) -> TokenStream {
    let name = ident.unraw().to_string();
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::core::fmt::Debug for #ident #ty_generics #where_clause {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_imports)]
                use #private::{ViaDebug as _, ViaOpaque as _};
                f.debug_struct(#name) #(#fields)* .finish()
            }
        }
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
        let field_ident = field.ident;
        let ty = field.ty;
        quote_spanned!(ty.span()=> <#ty as #private::StreamField>::declare(&self.#field_ident, streams);)
    });
    let builds = streams.iter().map(|field| {
        let field_ident = field.ident;
        let ty = field.ty;
        let value = quote_spanned!(ty.span()=> <#ty as #private::StreamField>::handles::<Self>(&self.#field_ident, access));
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

/// The command's generics plus `State: Fold<Event>` for each distinct state
/// type, spanned at it: the generated assertion for `state = T`, reported
/// once, at the attribute. None without an event type (reported).
fn with_fold_bounds(cx: &Context<'_>, stateful: &[(&StreamField<'_>, &Type)]) -> Generics {
    let event = cx.event;
    let mut generics = cx.generics.clone();
    if cx.input.event.is_none() {
        return generics;
    }
    let mut bounded: Vec<String> = Vec::new();
    for (_, state) in stateful {
        let key = state.to_token_stream().to_string();
        if !bounded.contains(&key) {
            bounded.push(key);
            bounds::add_spanned(&mut generics, state, &cx.input.krate, &quote!(Fold<#event>));
        }
    }
    generics
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

/// The generated state struct and `impl CommandState`, when any field says
/// `state = ..`.
fn state_items(cx: &Context<'_>) -> Option<TokenStream> {
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
    if stateful.is_empty() {
        return None;
    }
    let state_fields = stateful.iter().map(|(field, state)| {
        let field_ident = field.ident;
        let ty = field.ty;
        let doc = format!(
            " State folded from the `{}` stream(s).",
            field_ident.unraw()
        );
        let field_ty = state_field_ty(cx, ty, state);
        quote! {
            #[doc = #doc]
            pub #field_ident: #field_ty,
        }
    });
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
        let ty = field.ty;
        let value = quote_spanned!(state.span()=> <#ty as #private::StreamField>::initial_state::<#state>(&self.#field_ident));
        quote!(#field_ident: #value,)
    });
    let init_phantom = cx
        .has_generics
        .then(|| quote!(__command: ::core::marker::PhantomData,));
    // `T: Fold<Event>` bounds, spanned at each state type: the generated
    // assertion for `state = T`, reported once, at the attribute.
    // Without the event option (reported) nothing is folded: the states'
    // `Fold` impls cannot be checked against an event type there is none of.
    let has_event = cx.input.event.is_some();
    let fold_generics = with_fold_bounds(cx, &stateful);
    let folds = stateful.iter().filter(|_| has_event).map(|(field, state)| {
        let field_ident = field.ident;
        let ty = field.ty;
        quote_spanned! {state.span()=>
            <#ty as #private::StreamField>::fold::<#state, <Self as #private::Command>::Event>(
                &self.#field_ident,
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
    Some(quote! {
        #[doc = #doc]
        #vis struct #state_ident #decl_generics #where_clause {
            #(#state_fields)*
            #state_phantom
        }

        #debug

        #[automatically_derived]
        impl #impl_generics #private::CommandState for #command_ty #impl_where_clause {
            type State = #state_ident #ty_generics;

            fn initial_state(&self) -> #state_ident #ty_generics {
                #state_ident {
                    #(#inits)*
                    #init_phantom
                }
            }

            fn apply(
                &self,
                state: &mut #state_ident #ty_generics,
                event: &#private::RecordedEvent<<Self as #private::Command>::Event>,
            ) {
                #(#folds)*
            }
        }
    })
}

/// The command's generics, plus `T: StreamField` for every `#[stream]` field
/// type, spanned at the field's type. This bound is the generated assertion:
/// a field type that is not a stream id is reported by rustc at the field,
/// once, and the rest of the expansion type-checks under the bound, so there
/// are no follow-on errors. Generic field types need the bound anyway.
fn with_stream_field_bounds(input: &Command<'_>) -> Generics {
    let mut generics = input.generics.clone();
    // Once per distinct field type: two fields of one type share a bound.
    let mut bounded: Vec<String> = Vec::new();
    for field in &input.streams {
        let key = field.ty.to_token_stream().to_string();
        if bounded.contains(&key) {
            continue;
        }
        bounded.push(key);
        bounds::add_spanned(&mut generics, field.ty, &input.krate, &quote!(StreamField));
    }
    generics
}

/// What a `#[stream]` field holds, when its type says so plainly, so that
/// the generated structs spell their field types as a person would
/// (`StreamHandle<'streams, Transfer>`) rather than through `StreamField`.
enum FieldKind {
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
    fn of(ty: &Type, generics: &Generics) -> Self {
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
