/// Returns `Err(error.into())` from the enclosing function unless
/// `condition` holds. Sugar for an `if` with an early return.
///
/// ```
/// use eventcore::require;
///
/// #[derive(Debug, PartialEq)]
/// enum BankError {
///     InsufficientFunds,
/// }
///
/// fn withdraw(balance: u64, amount: u64) -> Result<u64, BankError> {
///     require!(balance >= amount, BankError::InsufficientFunds);
///     Ok(balance - amount)
/// }
///
/// assert_eq!(withdraw(5, 10), Err(BankError::InsufficientFunds));
/// assert_eq!(withdraw(10, 5), Ok(5));
/// ```
#[macro_export]
macro_rules! require {
    ($condition:expr, $error:expr $(,)?) => {
        if !$condition {
            return ::core::result::Result::Err(::core::convert::Into::into($error));
        }
    };
}

/// Emits one or more events through a stream handle. Sugar for
/// [`StreamHandle::emit`](crate::StreamHandle::emit):
/// `emit!(streams.from, a, b)` is `streams.from.emit(a); streams.from.emit(b);`.
///
/// See the crate documentation for an example.
#[macro_export]
macro_rules! emit {
    ($handle:expr, $($event:expr),+ $(,)?) => {{
        $( $handle.emit($event); )+
    }};
}
