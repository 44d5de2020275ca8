// Expansion of the `checkout` example. Regenerate with `EVENTCORE_BLESS=1 cargo test -p eventcore-macros`.
/// Write access to the streams of [`Checkout`]: one handle per `#[stream]` field. Only the executor creates it.
pub struct CheckoutStreams<'streams>
where
    for<'__eventcore> CartId: ::eventcore::__private::CommandField,
    for<'__eventcore> Option<CouponId>: ::eventcore::__private::CommandField,
    for<'__eventcore> Vec<StreamId>: ::eventcore::__private::CommandField,
    for<'__eventcore> CartId: ::eventcore::__private::StreamField,
    for<'__eventcore> Option<CouponId>: ::eventcore::__private::StreamField,
    for<'__eventcore> Vec<StreamId>: ::eventcore::__private::StreamField,
{
    /// Handle for the `cart` stream(s).
    pub cart: <CartId as ::eventcore::__private::StreamField>::Handles<
        'streams,
        Checkout,
    >,
    /// Handle for the `coupon` stream(s).
    pub coupon: <Option<
        CouponId,
    > as ::eventcore::__private::StreamField>::Handles<'streams, Checkout>,
    /// Handle for the `warehouses` stream(s).
    pub warehouses: ::eventcore::__private::StreamHandles<'streams, Checkout>,
    /// Handles for the streams the command's `StreamResolver` discovered.
    pub discovered: ::eventcore::__private::StreamHandles<'streams, Checkout>,
}
#[automatically_derived]
impl<'streams> ::core::fmt::Debug for CheckoutStreams<'streams>
where
    for<'__eventcore> CartId: ::eventcore::__private::CommandField,
    for<'__eventcore> Option<CouponId>: ::eventcore::__private::CommandField,
    for<'__eventcore> Vec<StreamId>: ::eventcore::__private::CommandField,
    for<'__eventcore> CartId: ::eventcore::__private::StreamField,
    for<'__eventcore> Option<CouponId>: ::eventcore::__private::StreamField,
    for<'__eventcore> Vec<StreamId>: ::eventcore::__private::StreamField,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        #[allow(unused_imports)]
        use ::eventcore::__private::{ViaDebug as _, ViaOpaque as _};
        f.debug_struct("CheckoutStreams")
            .field(
                "cart",
                (&::eventcore::__private::DebugField(&self.cart)).debug_field(),
            )
            .field(
                "coupon",
                (&::eventcore::__private::DebugField(&self.coupon)).debug_field(),
            )
            .field(
                "warehouses",
                (&::eventcore::__private::DebugField(&self.warehouses)).debug_field(),
            )
            .field(
                "discovered",
                (&::eventcore::__private::DebugField(&self.discovered)).debug_field(),
            )
            .finish()
    }
}
#[automatically_derived]
impl ::eventcore::__private::Command for Checkout
where
    for<'__eventcore> CartId: ::eventcore::__private::CommandField,
    for<'__eventcore> Option<CouponId>: ::eventcore::__private::CommandField,
    for<'__eventcore> Vec<StreamId>: ::eventcore::__private::CommandField,
    for<'__eventcore> CartId: ::eventcore::__private::StreamField,
    for<'__eventcore> Option<CouponId>: ::eventcore::__private::StreamField,
    for<'__eventcore> Vec<StreamId>: ::eventcore::__private::StreamField,
{
    type Event = ShopEvent;
    type Streams<'streams> = CheckoutStreams<'streams>;
    const NAME: &'static str = "Checkout";
    fn declare_streams(&self, streams: &mut ::eventcore::__private::StreamDeclarations) {
        <CartId as ::eventcore::__private::StreamField>::declare(&self.cart, streams);
        <Option<
            CouponId,
        > as ::eventcore::__private::StreamField>::declare(&self.coupon, streams);
        <Vec<
            StreamId,
        > as ::eventcore::__private::StreamField>::declare(&self.warehouses, streams);
    }
    fn build_streams<'streams>(
        &self,
        access: &'streams ::eventcore::__private::StreamAccess<
            <Self as ::eventcore::__private::Command>::Event,
        >,
    ) -> Self::Streams<'streams> {
        CheckoutStreams {
            cart: <CartId as ::eventcore::__private::StreamField>::handles::<
                Self,
            >(&self.cart, access),
            coupon: <Option<
                CouponId,
            > as ::eventcore::__private::StreamField>::handles::<
                Self,
            >(&self.coupon, access),
            warehouses: <Vec<
                StreamId,
            > as ::eventcore::__private::StreamField>::handles::<
                Self,
            >(&self.warehouses, access),
            discovered: ::eventcore::__private::discovered::<Self>(access),
        }
    }
    fn discover_streams(
        &self,
        state: &<Self as ::eventcore::__private::CommandState>::State,
    ) -> ::eventcore::__private::Vec<::eventcore::__private::StreamId>
    where
        Self: ::eventcore::__private::CommandState,
    {
        <Self as ::eventcore::__private::StreamResolver>::resolve(self, state)
    }
}
const _: () = {
    {
        fn check(
            field: &'static CartId,
        ) -> &'static dyn ::eventcore::__private::CommandField {
            field
        }
        let _ = check;
    }
    {
        fn check(
            field: &'static Option<CouponId>,
        ) -> &'static dyn ::eventcore::__private::CommandField {
            field
        }
        let _ = check;
    }
    {
        fn check(
            field: &'static Vec<StreamId>,
        ) -> &'static dyn ::eventcore::__private::CommandField {
            field
        }
        let _ = check;
    }
    let _ = <CartId as ::eventcore::__private::StreamField>::declare;
    let _ = <Option<CouponId> as ::eventcore::__private::StreamField>::declare;
    let _ = <Vec<StreamId> as ::eventcore::__private::StreamField>::declare;
};
