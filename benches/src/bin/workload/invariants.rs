//! Invariant checks: each is `(held, why not)`.

use eventcore_benches::audit::Audit;

/// One check: whether it held, and if not, why.
pub type Check = (bool, String);

/// A check whose failure message is only built when it failed.
pub fn check(ok: bool, why: impl FnOnce() -> String) -> Check {
    (ok, if ok { String::new() } else { why() })
}

/// Money is conserved: the total is as expected, no balance ever went
/// below zero, and the streams hold exactly the expected events.
pub fn conservation(audit: &Audit, expected_total: i128, expected_events: usize) -> Vec<Check> {
    vec![
        check(audit.total_cents == expected_total, || {
            format!(
                "total {} cents, expected {expected_total}",
                audit.total_cents
            )
        }),
        check(audit.went_negative.is_empty(), || {
            format!("negative balance in {:?}", audit.went_negative)
        }),
        check(audit.events == expected_events, || {
            format!("{} events, expected {expected_events}", audit.events)
        }),
    ]
}
