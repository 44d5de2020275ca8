// Expansion of the `bank_event` example. Regenerate with `EVENTCORE_BLESS=1 cargo test -p eventcore-macros`.
#[automatically_derived]
impl ::eventcore::__private::Event for BankEvent {
    const EVENT_TYPES: &'static [&'static str] = &[
        "Opened",
        "Deposited",
        "Withdrawal",
        "Closed",
    ];
    fn event_type(&self) -> &'static str {
        match *self {
            Self::Opened { .. } => "Opened",
            Self::Deposited { .. } => "Deposited",
            Self::Withdrawn { .. } => "Withdrawal",
            Self::Closed { .. } => "Closed",
        }
    }
}
