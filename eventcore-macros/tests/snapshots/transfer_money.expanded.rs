// Expansion of the `transfer_money` example. Regenerate with `EVENTCORE_BLESS=1 cargo test -p eventcore-macros`.
/// Write access to the streams of [`TransferMoney`]: one handle per `#[stream]` field. Only the executor creates it.
pub struct TransferMoneyStreams<'streams>
where
    for<'__eventcore> AccountId: ::eventcore::__private::CommandField,
    for<'__eventcore> u64: ::eventcore::__private::CommandField,
    for<'__eventcore> AccountId: ::eventcore::__private::StreamField,
{
    /// Handle for the `from` stream(s).
    pub from: <AccountId as ::eventcore::__private::StreamField>::Handles<
        'streams,
        TransferMoney,
    >,
    /// Handle for the `to` stream(s).
    pub to: <AccountId as ::eventcore::__private::StreamField>::Handles<
        'streams,
        TransferMoney,
    >,
}
#[automatically_derived]
impl<'streams> ::core::fmt::Debug for TransferMoneyStreams<'streams>
where
    for<'__eventcore> AccountId: ::eventcore::__private::CommandField,
    for<'__eventcore> u64: ::eventcore::__private::CommandField,
    for<'__eventcore> AccountId: ::eventcore::__private::StreamField,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        #[allow(unused_imports)]
        use ::eventcore::__private::{ViaDebug as _, ViaOpaque as _};
        f.debug_struct("TransferMoneyStreams")
            .field(
                "from",
                (&::eventcore::__private::DebugField(&self.from)).debug_field(),
            )
            .field("to", (&::eventcore::__private::DebugField(&self.to)).debug_field())
            .finish()
    }
}
#[automatically_derived]
impl ::eventcore::__private::Command for TransferMoney
where
    for<'__eventcore> AccountId: ::eventcore::__private::CommandField,
    for<'__eventcore> u64: ::eventcore::__private::CommandField,
    for<'__eventcore> AccountId: ::eventcore::__private::StreamField,
{
    type Event = BankEvent;
    type Streams<'streams> = TransferMoneyStreams<'streams>;
    const NAME: &'static str = "TransferMoney";
    fn declare_streams(&self, streams: &mut ::eventcore::__private::StreamDeclarations) {
        <AccountId as ::eventcore::__private::StreamField>::declare(&self.from, streams);
        <AccountId as ::eventcore::__private::StreamField>::declare(&self.to, streams);
    }
    fn build_streams<'streams>(
        &self,
        access: &'streams ::eventcore::__private::StreamAccess<
            <Self as ::eventcore::__private::Command>::Event,
        >,
    ) -> Self::Streams<'streams> {
        TransferMoneyStreams {
            from: <AccountId as ::eventcore::__private::StreamField>::handles::<
                Self,
            >(&self.from, access),
            to: <AccountId as ::eventcore::__private::StreamField>::handles::<
                Self,
            >(&self.to, access),
        }
    }
}
/// State of [`TransferMoney`], folded from its streams by the generated `CommandState::apply`.
pub struct TransferMoneyState
where
    for<'__eventcore> AccountId: ::eventcore::__private::CommandField,
    for<'__eventcore> u64: ::eventcore::__private::CommandField,
    for<'__eventcore> AccountId: ::eventcore::__private::StreamField,
{
    /// State folded from the `from` stream(s).
    pub from: <AccountId as ::eventcore::__private::StreamField>::State<Account>,
    /// State folded from the `to` stream(s).
    pub to: <AccountId as ::eventcore::__private::StreamField>::State<Account>,
}
#[automatically_derived]
impl ::core::fmt::Debug for TransferMoneyState
where
    for<'__eventcore> AccountId: ::eventcore::__private::CommandField,
    for<'__eventcore> u64: ::eventcore::__private::CommandField,
    for<'__eventcore> AccountId: ::eventcore::__private::StreamField,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        #[allow(unused_imports)]
        use ::eventcore::__private::{ViaDebug as _, ViaOpaque as _};
        f.debug_struct("TransferMoneyState")
            .field(
                "from",
                (&::eventcore::__private::DebugField(&self.from)).debug_field(),
            )
            .field("to", (&::eventcore::__private::DebugField(&self.to)).debug_field())
            .finish()
    }
}
#[automatically_derived]
impl ::eventcore::__private::CommandState for TransferMoney
where
    for<'__eventcore> AccountId: ::eventcore::__private::CommandField,
    for<'__eventcore> u64: ::eventcore::__private::CommandField,
    for<'__eventcore> AccountId: ::eventcore::__private::StreamField,
    for<'__eventcore> Account: ::eventcore::__private::Fold<BankEvent>,
{
    type State = TransferMoneyState;
    fn initial_state(&self) -> TransferMoneyState {
        TransferMoneyState {
            from: <AccountId as ::eventcore::__private::StreamField>::initial_state::<
                Account,
            >(&self.from),
            to: <AccountId as ::eventcore::__private::StreamField>::initial_state::<
                Account,
            >(&self.to),
        }
    }
    fn apply(
        &self,
        state: &mut TransferMoneyState,
        event: &::eventcore::__private::RecordedEvent<
            <Self as ::eventcore::__private::Command>::Event,
        >,
    ) {
        <AccountId as ::eventcore::__private::StreamField>::fold::<
            Account,
            <Self as ::eventcore::__private::Command>::Event,
        >(&self.from, &mut state.from, event);
        <AccountId as ::eventcore::__private::StreamField>::fold::<
            Account,
            <Self as ::eventcore::__private::Command>::Event,
        >(&self.to, &mut state.to, event);
    }
    fn fold_stream(
        &self,
        state: &mut TransferMoneyState,
        fold: &::eventcore::__private::StreamFold<
            '_,
            <Self as ::eventcore::__private::Command>::Event,
        >,
    ) -> bool {
        #[allow(unused_imports)]
        use ::eventcore::__private::{ViaKept as _, ViaWhole as _};
        match <AccountId as ::eventcore::__private::StreamField>::state_mut::<
            Account,
        >(&self.from, &mut state.from, fold.stream()) {
            ::core::option::Option::Some(slot) => {
                (&::eventcore::__private::Folding::<
                    Account,
                    <Self as ::eventcore::__private::Command>::Event,
                >::new())
                    .folder()(slot, fold);
            }
            ::core::option::Option::None => {
                if <AccountId as ::eventcore::__private::StreamField>::holds(
                    &self.from,
                    fold.stream(),
                ) {
                    for event in fold.events() {
                        <AccountId as ::eventcore::__private::StreamField>::fold::<
                            Account,
                            <Self as ::eventcore::__private::Command>::Event,
                        >(&self.from, &mut state.from, event);
                    }
                }
            }
        }
        match <AccountId as ::eventcore::__private::StreamField>::state_mut::<
            Account,
        >(&self.to, &mut state.to, fold.stream()) {
            ::core::option::Option::Some(slot) => {
                (&::eventcore::__private::Folding::<
                    Account,
                    <Self as ::eventcore::__private::Command>::Event,
                >::new())
                    .folder()(slot, fold);
            }
            ::core::option::Option::None => {
                if <AccountId as ::eventcore::__private::StreamField>::holds(
                    &self.to,
                    fold.stream(),
                ) {
                    for event in fold.events() {
                        <AccountId as ::eventcore::__private::StreamField>::fold::<
                            Account,
                            <Self as ::eventcore::__private::Command>::Event,
                        >(&self.to, &mut state.to, event);
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
            field: &'static AccountId,
        ) -> &'static dyn ::eventcore::__private::CommandField {
            field
        }
        let _ = check;
    }
    {
        fn check(
            field: &'static u64,
        ) -> &'static dyn ::eventcore::__private::CommandField {
            field
        }
        let _ = check;
    }
    let _ = <AccountId as ::eventcore::__private::StreamField>::declare;
    let _ = <Account as ::eventcore::__private::Fold<BankEvent>>::fold;
};
