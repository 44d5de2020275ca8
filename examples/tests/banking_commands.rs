//! Given/when/then tests for every banking command, including each business
//! rule's failure.

#![cfg(test)]

use eventcore::CommandError;
use eventcore_examples::banking::{
    AccountId, Amount, BankError, BankEvent, Deposit, Money, OpenAccount, Owner, TransferMoney,
    Withdraw,
};
use eventcore_testing::{given, given_no_events};

fn id(n: &str) -> AccountId {
    AccountId::try_new(n).unwrap()
}

fn cents(n: i64) -> Amount {
    Amount::try_from_cents(n).unwrap()
}

fn money(n: i64) -> Money {
    Money::try_from_cents(n).unwrap()
}

fn opened(balance: i64) -> BankEvent {
    BankEvent::AccountOpened {
        owner: Owner::try_new("Ada").unwrap(),
        opening_balance: money(balance),
    }
}

#[test]
fn opening_a_new_account_emits_opened() {
    given_no_events()
        .when(OpenAccount {
            account: id("a"),
            owner: Owner::try_new("Ada").unwrap(),
            initial_deposit: money(500),
        })
        .then_emits([(id("a"), opened(500))]);
}

#[test]
fn opening_an_existing_account_is_rejected() {
    given([(id("a"), opened(0))])
        .when(OpenAccount {
            account: id("a"),
            owner: Owner::try_new("Bob").unwrap(),
            initial_deposit: money(1),
        })
        .then_fails_with(BankError::AccountExists(id("a")));
}

#[test]
fn depositing_emits_deposited() {
    given([(id("a"), opened(100))])
        .when(Deposit {
            account: id("a"),
            amount: cents(50),
        })
        .then_emits([(id("a"), BankEvent::Deposited { amount: cents(50) })]);
}

#[test]
fn depositing_to_a_missing_account_is_rejected() {
    given([(id("other"), opened(100))])
        .when(Deposit {
            account: id("a"),
            amount: cents(50),
        })
        .then_fails_with(BankError::AccountNotFound(id("a")));
}

#[test]
fn depositing_past_the_maximum_is_rejected() {
    given([(id("a"), opened(Money::MAX_CENTS.cast_signed()))])
        .when(Deposit {
            account: id("a"),
            amount: cents(1),
        })
        .then_fails_with(BankError::BalanceOverflow(id("a")));
}

#[test]
fn withdrawing_within_the_balance_emits_withdrawn() {
    given([
        (id("a"), opened(100)),
        (id("a"), BankEvent::Deposited { amount: cents(20) }),
    ])
    .when(Withdraw {
        account: id("a"),
        amount: cents(120),
    })
    .then_emits([(id("a"), BankEvent::Withdrawn { amount: cents(120) })]);
}

#[test]
fn overdrawing_is_rejected_with_the_balance() {
    given([
        (id("a"), opened(100)),
        (id("a"), BankEvent::Withdrawn { amount: cents(30) }),
    ])
    .when(Withdraw {
        account: id("a"),
        amount: cents(71),
    })
    .then_fails_with(BankError::InsufficientFunds {
        account: id("a"),
        balance: money(70),
        requested: cents(71),
    });
}

#[test]
fn withdrawing_from_a_missing_account_is_rejected() {
    given_no_events()
        .when(Withdraw {
            account: id("a"),
            amount: cents(1),
        })
        .then_fails_with(BankError::AccountNotFound(id("a")));
}

#[test]
fn transferring_writes_to_both_accounts() {
    given([(id("a"), opened(100)), (id("b"), opened(0))])
        .when(TransferMoney::new(id("a"), id("b"), cents(60)).unwrap())
        .then_emits([
            (
                id("a"),
                BankEvent::TransferredOut {
                    to: id("b"),
                    amount: cents(60),
                },
            ),
            (
                id("b"),
                BankEvent::TransferredIn {
                    from: id("a"),
                    amount: cents(60),
                },
            ),
        ]);
}

#[test]
fn transferring_more_than_the_balance_is_rejected() {
    given([
        (id("a"), opened(100)),
        (id("b"), opened(0)),
        (
            id("a"),
            BankEvent::TransferredIn {
                from: id("b"),
                amount: cents(5),
            },
        ),
    ])
    .when(TransferMoney::new(id("a"), id("b"), cents(106)).unwrap())
    .then_fails_with(BankError::InsufficientFunds {
        account: id("a"),
        balance: money(105),
        requested: cents(106),
    });
}

#[test]
fn transferring_from_a_missing_account_is_rejected() {
    given([(id("b"), opened(0))])
        .when(TransferMoney::new(id("a"), id("b"), cents(1)).unwrap())
        .then_fails_with(BankError::AccountNotFound(id("a")));
}

#[test]
fn transferring_to_a_missing_account_is_rejected() {
    given([(id("a"), opened(10))])
        .when(TransferMoney::new(id("a"), id("b"), cents(1)).unwrap())
        .then_fails_with(BankError::AccountNotFound(id("b")));
}

#[test]
fn transferring_past_the_receivers_maximum_is_rejected() {
    given([
        (id("a"), opened(10)),
        (id("b"), opened(Money::MAX_CENTS.cast_signed())),
    ])
    .when(TransferMoney::new(id("a"), id("b"), cents(1)).unwrap())
    .then_fails_with(BankError::BalanceOverflow(id("b")));
}

#[test]
fn only_new_events_are_compared() {
    // The history holds an AccountOpened event; the expectation lists only the new one.
    let outcome = given([(id("a"), opened(10))])
        .when(Deposit {
            account: id("a"),
            amount: cents(1),
        })
        .into_result();
    assert_eq!(outcome.unwrap().len(), 1);
}

#[test]
#[should_panic(expected = "expected")]
fn a_mismatch_shows_expected_and_actual_side_by_side() {
    given([(id("a"), opened(10))])
        .when(Deposit {
            account: id("a"),
            amount: cents(1),
        })
        .then_emits([(id("a"), BankEvent::Deposited { amount: cents(2) })]);
}

#[test]
fn mismatch_message_lists_both_columns() {
    let result = std::panic::catch_unwind(|| {
        given([(id("a"), opened(10))])
            .when(Deposit {
                account: id("a"),
                amount: cents(1),
            })
            .then_emits([(id("a"), BankEvent::Deposited { amount: cents(2) })]);
    });
    let message = *result.unwrap_err().downcast::<String>().unwrap();
    assert!(
        message.contains("expected") && message.contains("| actual"),
        "{message}"
    );
    assert!(
        message.contains("cents(2)") || message.contains("Money(2)"),
        "{message}"
    );
    assert!(message.contains("Money(1)"), "{message}");
    assert!(
        message.lines().any(|l| l.trim_start().starts_with('!')),
        "differences are marked: {message}"
    );
}

#[test]
fn a_domain_error_is_returned_as_a_value() {
    let outcome = given_no_events()
        .when(Deposit {
            account: id("a"),
            amount: cents(1),
        })
        .into_result();
    assert!(matches!(
        outcome,
        Err(CommandError::Rejected(BankError::AccountNotFound(_)))
    ));
}
