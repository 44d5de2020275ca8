// Expansion of the `generic` example. Regenerate with `EVENTCORE_BLESS=1 cargo test -p eventcore-macros`.
/// Write access to the streams of [`Post`]: one handle per `#[stream]` field. Only the executor creates it.
struct PostStreams<'streams, Id: Clone + Send + Sync>
where
    Id: Into<StreamId>,
    Id: ::eventcore::__private::CommandField,
    for<'__eventcore> StreamId: ::eventcore::__private::CommandField,
    Id: ::eventcore::__private::StreamField,
    for<'__eventcore> StreamId: ::eventcore::__private::StreamField,
{
    /// Handle for the `ledger` stream(s).
    pub ledger: <Id as ::eventcore::__private::StreamField>::Handles<'streams, Post<Id>>,
    /// Handle for the `audit` stream(s).
    pub audit: ::eventcore::__private::StreamHandle<'streams, Post<Id>>,
}
#[automatically_derived]
impl<'streams, Id: Clone + Send + Sync> ::core::fmt::Debug for PostStreams<'streams, Id>
where
    Id: Into<StreamId>,
    Id: ::eventcore::__private::CommandField,
    for<'__eventcore> StreamId: ::eventcore::__private::CommandField,
    Id: ::eventcore::__private::StreamField,
    for<'__eventcore> StreamId: ::eventcore::__private::StreamField,
    <Id as ::eventcore::__private::StreamField>::Handles<
        'streams,
        Post<Id>,
    >: ::core::fmt::Debug,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        #[allow(unused_imports)]
        use ::eventcore::__private::{ViaDebug as _, ViaOpaque as _};
        f.debug_struct("PostStreams")
            .field(
                "ledger",
                (&::eventcore::__private::DebugField(&self.ledger)).debug_field(),
            )
            .field(
                "audit",
                (&::eventcore::__private::DebugField(&self.audit)).debug_field(),
            )
            .finish()
    }
}
#[automatically_derived]
impl<Id: Clone + Send + Sync> ::eventcore::__private::Command for Post<Id>
where
    Id: Into<StreamId>,
    Id: ::eventcore::__private::CommandField,
    for<'__eventcore> StreamId: ::eventcore::__private::CommandField,
    Id: ::eventcore::__private::StreamField,
    for<'__eventcore> StreamId: ::eventcore::__private::StreamField,
{
    type Event = LedgerEvent;
    type Streams<'streams> = PostStreams<'streams, Id>;
    const NAME: &'static str = "Post";
    fn declare_streams(&self, streams: &mut ::eventcore::__private::StreamDeclarations) {
        <Id as ::eventcore::__private::StreamField>::declare(&self.ledger, streams);
        <StreamId as ::eventcore::__private::StreamField>::declare(&self.audit, streams);
    }
    fn build_streams<'streams>(
        &self,
        access: &'streams ::eventcore::__private::StreamAccess<
            <Self as ::eventcore::__private::Command>::Event,
        >,
    ) -> Self::Streams<'streams> {
        PostStreams {
            ledger: <Id as ::eventcore::__private::StreamField>::handles::<
                Self,
            >(&self.ledger, access),
            audit: <StreamId as ::eventcore::__private::StreamField>::handles::<
                Self,
            >(&self.audit, access),
        }
    }
}
/// State of [`Post`], folded from its streams by the generated `CommandState::apply`.
struct PostState<Id: Clone + Send + Sync>
where
    Id: Into<StreamId>,
    Id: ::eventcore::__private::CommandField,
    for<'__eventcore> StreamId: ::eventcore::__private::CommandField,
    Id: ::eventcore::__private::StreamField,
    for<'__eventcore> StreamId: ::eventcore::__private::StreamField,
{
    /// State folded from the `ledger` stream(s).
    pub ledger: <Id as ::eventcore::__private::StreamField>::State<Ledger>,
    #[doc(hidden)]
    pub __command: ::core::marker::PhantomData<fn() -> Post<Id>>,
}
#[automatically_derived]
impl<Id: Clone + Send + Sync> ::core::fmt::Debug for PostState<Id>
where
    Id: Into<StreamId>,
    Id: ::eventcore::__private::CommandField,
    for<'__eventcore> StreamId: ::eventcore::__private::CommandField,
    Id: ::eventcore::__private::StreamField,
    for<'__eventcore> StreamId: ::eventcore::__private::StreamField,
    <Id as ::eventcore::__private::StreamField>::State<Ledger>: ::core::fmt::Debug,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        #[allow(unused_imports)]
        use ::eventcore::__private::{ViaDebug as _, ViaOpaque as _};
        f.debug_struct("PostState")
            .field(
                "ledger",
                (&::eventcore::__private::DebugField(&self.ledger)).debug_field(),
            )
            .finish()
    }
}
#[automatically_derived]
impl<Id: Clone + Send + Sync> ::eventcore::__private::CommandState for Post<Id>
where
    Id: Into<StreamId>,
    Id: ::eventcore::__private::CommandField,
    for<'__eventcore> StreamId: ::eventcore::__private::CommandField,
    Id: ::eventcore::__private::StreamField,
    for<'__eventcore> StreamId: ::eventcore::__private::StreamField,
    for<'__eventcore> Ledger: ::eventcore::__private::Fold<LedgerEvent>,
{
    type State = PostState<Id>;
    fn initial_state(&self) -> PostState<Id> {
        PostState {
            ledger: <Id as ::eventcore::__private::StreamField>::initial_state::<
                Ledger,
            >(&self.ledger),
            __command: ::core::marker::PhantomData,
        }
    }
    fn apply(
        &self,
        state: &mut PostState<Id>,
        event: &::eventcore::__private::RecordedEvent<
            <Self as ::eventcore::__private::Command>::Event,
        >,
    ) {
        <Id as ::eventcore::__private::StreamField>::fold::<
            Ledger,
            <Self as ::eventcore::__private::Command>::Event,
        >(&self.ledger, &mut state.ledger, event);
    }
    fn fold_stream(
        &self,
        state: &mut PostState<Id>,
        fold: &::eventcore::__private::StreamFold<
            '_,
            <Self as ::eventcore::__private::Command>::Event,
        >,
    ) -> bool {
        #[allow(unused_imports)]
        use ::eventcore::__private::{ViaKept as _, ViaWhole as _};
        match <Id as ::eventcore::__private::StreamField>::state_mut::<
            Ledger,
        >(&self.ledger, &mut state.ledger, fold.stream()) {
            ::core::option::Option::Some(slot) => {
                (&::eventcore::__private::Folding::<
                    Ledger,
                    <Self as ::eventcore::__private::Command>::Event,
                >::new())
                    .folder()(slot, fold);
            }
            ::core::option::Option::None => {
                if <Id as ::eventcore::__private::StreamField>::holds(
                    &self.ledger,
                    fold.stream(),
                ) {
                    for event in fold.events() {
                        <Id as ::eventcore::__private::StreamField>::fold::<
                            Ledger,
                            <Self as ::eventcore::__private::Command>::Event,
                        >(&self.ledger, &mut state.ledger, event);
                    }
                }
            }
        }
        true
    }
}
const _: () = {
    {
        fn check(
            field: &'static StreamId,
        ) -> &'static dyn ::eventcore::__private::CommandField {
            field
        }
        let _ = check;
    }
    let _ = <StreamId as ::eventcore::__private::StreamField>::declare;
    let _ = <Ledger as ::eventcore::__private::Fold<LedgerEvent>>::fold;
};
