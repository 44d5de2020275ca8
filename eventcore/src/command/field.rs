//! What every field of a command must be.

/// A type a command can hold: `Send + Sync`, implemented for every such
/// type.
///
/// The executor shares a command between tasks and threads and keeps it
/// across retries, so [`Command`](crate::Command) requires `Send + Sync`.
/// `#[derive(Command)]` checks each field against this trait, so that a
/// field that is not `Send + Sync` (an `Rc`, a `RefCell`) is reported once,
/// at the field, and a generic field is bounded by it where the command is
/// used.
///
/// ```
/// fn holdable<T: eventcore::CommandField>() {}
///
/// holdable::<std::sync::Arc<str>>();
/// holdable::<eventcore::StreamId>();
/// ```
///
/// ```compile_fail
/// fn holdable<T: eventcore::CommandField>() {}
///
/// holdable::<std::rc::Rc<str>>(); // not `Send + Sync`
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a field of a command: commands must be `Send + Sync`",
    label = "this field is not `Send + Sync`",
    note = "the executor shares a command between tasks and threads, and keeps it across retries",
    note = "use `Arc` for `Rc`, `Mutex` or `RwLock` for `RefCell` or `Cell`, or keep the value outside the command"
)]
pub trait CommandField: Send + Sync {}

#[diagnostic::do_not_recommend]
impl<T: Send + Sync + ?Sized> CommandField for T {}
