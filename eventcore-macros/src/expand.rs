//! Code generation. Generated code names only `::eventcore::__private::*`
//! (or the `crate = ..` override) and `::core`, carries
//! `#[automatically_derived]`, and never unwraps.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::{DeriveInput, GenericParam, Generics, Lifetime, LifetimeParam, Type, spanned::Spanned};

use crate::{
    ast::{self, Command, EventEnum},
    valid,
};

/// `#[derive(Command)]`: parse, validate, expand. On errors, the expansion
/// is still emitted whenever the input allows it, so the user sees only the
/// real errors and none of the follow-on ones.
pub fn command(input: &DeriveInput) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let parsed = ast::command(input, &mut errors);
    if let Some(parsed) = &parsed {
        valid::command(parsed, &mut errors);
    }
    let expansion = parsed.as_ref().map(command_items).unwrap_or_default();
    let errors = errors
        .finish()
        .err()
        .map(darling::Error::write_errors)
        .unwrap_or_default();
    quote! {
        #errors
        #expansion
    }
}

/// `#[derive(Event)]`: parse, validate, expand.
pub fn event(input: &DeriveInput) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let parsed = ast::event(input, &mut errors);
    if let Some(parsed) = &parsed {
        valid::event(parsed, &mut errors);
    }
    let expansion = parsed.as_ref().map(event_impl).unwrap_or_default();
    let errors = errors
        .finish()
        .err()
        .map(darling::Error::write_errors)
        .unwrap_or_default();
    quote! {
        #errors
        #expansion
    }
}

/// Everything `#[derive(Command)]` generates.
fn command_items(input: &Command<'_>) -> TokenStream {
    // Without an event type no trait impl can be written; the missing
    // option has been reported.
    let Some(event) = &input.event else {
        return TokenStream::new();
    };
    let krate = &input.krate;
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
        let generics = with_stream_field_bounds(input, &private);
        let (_, ty_generics, _) = generics.split_for_impl();
        let command_ty = quote!(#ident #ty_generics);
        let lifetime = Lifetime::new("'streams", Span::call_site());
        let streams_generics = with_leading_lifetime(&generics, &lifetime);
        Self {
            input,
            event,
            private,
            name: ident.to_string(),
            streams_ident: format_ident!("{}Streams", ident),
            state_ident: format_ident!("{}State", ident),
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

    /// Whether the handles struct needs a marker field to use its generics.
    fn streams_need_phantom(&self) -> bool {
        self.has_generics && self.input.streams.is_empty() && self.input.resolver.is_none()
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
        let doc = format!(" Handle for the `{field_ident}` stream(s).");
        let field_ty = quote_spanned!(ty.span()=> <#ty as #private::StreamField>::Handles<#lifetime, #command_ty>);
        quote! {
            #[doc = #doc]
            pub #field_ident: #field_ty,
        }
    });
    let discovered_field = cx.input.resolver.map(|_| {
        let field = format_ident!("{}", valid::DISCOVERED_FIELD);
        quote! {
            /// Handles for the streams the command's `StreamResolver` discovered.
            pub #field: #private::StreamHandles<#lifetime, #command_ty>,
        }
    });
    let phantom = cx.phantom();
    let streams_phantom = cx
        .streams_need_phantom()
        .then(|| quote!(#[doc(hidden)] pub __command: #phantom,));
    let doc = format!(
        " Write access to the streams of [`{}`]: one handle per `#[stream]` field. Only the executor creates it.",
        cx.name
    );
    let vis = cx.input.vis;
    let ident = &cx.streams_ident;
    let (decl_generics, _, where_clause) = cx.streams_generics.split_for_impl();
    quote! {
        #[doc = #doc]
        #vis struct #ident #decl_generics #where_clause {
            #(#handle_fields)*
            #discovered_field
            #streams_phantom
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
    let assertions = streams.iter().map(|field| {
        let ty = field.ty;
        quote_spanned!(ty.span()=> #private::assert_stream_field::<#ty>();)
    });
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
    let build_discovered = cx.input.resolver.map(|_| {
        let field = format_ident!("{}", valid::DISCOVERED_FIELD);
        quote!(#field: #private::discovered::<Self>(access),)
    });
    let build_phantom = cx
        .streams_need_phantom()
        .then(|| quote!(__command: ::core::marker::PhantomData,));
    let discover = cx.input.resolver.map(|span| {
        let assertion = quote_spanned!(span=> #private::assert_resolver::<Self>(););
        quote! {
            fn discover_streams(
                &self,
                state: &<Self as #private::CommandState>::State,
            ) -> #private::Vec<#private::StreamId>
            where
                Self: #private::CommandState,
            {
                #assertion
                <Self as #private::StreamResolver>::resolve(self, state)
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
                #(#assertions)*
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

/// The generated state struct and `impl CommandState`, when any field says
/// `state = ..`.
fn state_items(cx: &Context<'_>) -> Option<TokenStream> {
    let Context {
        private,
        command_ty,
        event,
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
        let doc = format!(" State folded from the `{field_ident}` stream(s).");
        let field_ty = quote_spanned!(ty.span()=> <#ty as #private::StreamField>::State<#state>);
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
    let fold_assertions = stateful.iter().map(
        |(_, state)| quote_spanned!(state.span()=> #private::assert_fold::<#state, #event>();),
    );
    let folds = stateful.iter().map(|(field, state)| {
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
    let (impl_generics, ty_generics, where_clause) = cx.generics.split_for_impl();
    Some(quote! {
        #[doc = #doc]
        #vis struct #state_ident #impl_generics #where_clause {
            #(#state_fields)*
            #state_phantom
        }

        #[automatically_derived]
        impl #impl_generics #private::CommandState for #command_ty #where_clause {
            type State = #state_ident #ty_generics;

            fn initial_state(&self) -> Self::State {
                #(#fold_assertions)*
                #state_ident {
                    #(#inits)*
                    #init_phantom
                }
            }

            fn apply(
                &self,
                state: &mut Self::State,
                event: &#private::RecordedEvent<<Self as #private::Command>::Event>,
            ) {
                #(#folds)*
            }
        }
    })
}

/// The command's generics, plus `T: StreamField` for every `#[stream]` field
/// type that mentions a type parameter (like serde's inferred bounds).
/// Concrete field types get no bound: a false bound on a concrete type is an
/// error of its own; they are checked by a generated assertion instead.
fn with_stream_field_bounds(input: &Command<'_>, private: &TokenStream) -> Generics {
    let mut generics = input.generics.clone();
    let params: Vec<&Ident> = input
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Type(t) => Some(&t.ident),
            GenericParam::Lifetime(_) | GenericParam::Const(_) => None,
        })
        .collect();
    let bounded: Vec<&Type> = input
        .streams
        .iter()
        .map(|f| f.ty)
        .filter(|ty| mentions_any(quote!(#ty), &params))
        .collect();
    if !bounded.is_empty() {
        let where_clause = generics.make_where_clause();
        for ty in bounded {
            where_clause
                .predicates
                .push(syn::parse_quote_spanned!(ty.span()=> #ty: #private::StreamField));
        }
    }
    generics
}

fn mentions_any(tokens: TokenStream, idents: &[&Ident]) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => idents.contains(&&ident),
        TokenTree::Group(group) => mentions_any(group.stream(), idents),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}

fn with_leading_lifetime(generics: &Generics, lifetime: &Lifetime) -> Generics {
    let mut generics = generics.clone();
    generics.params.insert(
        0,
        GenericParam::Lifetime(LifetimeParam::new(lifetime.clone())),
    );
    generics
}

/// Everything `#[derive(Event)]` generates.
fn event_impl(input: &EventEnum<'_>) -> TokenStream {
    let krate = &input.krate;
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let names = input.variants.iter().map(|v| &v.name);
    let arms = input.variants.iter().map(|variant| {
        let variant_ident = variant.ident;
        let name = &variant.name;
        quote!(Self::#variant_ident { .. } => #name,)
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::__private::Event for #ident #ty_generics #where_clause {
            const EVENT_TYPES: &'static [&'static str] = &[#(#names),*];

            fn event_type(&self) -> &'static str {
                match *self {
                    #(#arms)*
                }
            }
        }
    }
}
