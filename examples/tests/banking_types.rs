//! Valid input can always be constructed; invalid raw data is rejected with
//! a message naming the value and the rule.

#![cfg(test)]

use eventcore_examples::banking::{AccountId, Amount, Money, Owner, TransferMoney};
use proptest::prelude::*;

proptest! {
    #[test]
    fn money_accepts_every_cent_amount_in_range(cents in 0..=Money::MAX_CENTS.cast_signed()) {
        let money = Money::try_from_cents(cents).unwrap();
        prop_assert_eq!(money.cents(), cents.cast_unsigned());
        prop_assert_eq!(Money::parse(&money.to_string()).unwrap(), money);
        let json = serde_json::to_string(&money).unwrap();
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
    }

    #[test]
    fn negative_money_is_rejected(cents in i64::MIN..0) {
        let err = Money::try_from_cents(cents).unwrap_err().to_string();
        prop_assert!(err.contains(&cents.to_string()) && err.contains("must not be negative"), "{}", err);
    }

    #[test]
    fn too_much_money_is_rejected(cents in Money::MAX_CENTS.cast_signed() + 1..) {
        let err = Money::try_from_cents(cents).unwrap_err().to_string();
        prop_assert!(err.contains("must be at most"), "{}", err);
    }

    #[test]
    fn malformed_money_text_is_rejected(text in "[0-9]*[.,][0-9]{3,5}|[a-z]+|-[0-9]+|") {
        let err = Money::parse(&text).unwrap_err().to_string();
        prop_assert!(err.starts_with("Money"), "{}", err);
    }

    #[test]
    fn amounts_are_positive(cents in 1..=Money::MAX_CENTS.cast_signed()) {
        prop_assert_eq!(Amount::try_from_cents(cents).unwrap().money().cents(), cents.cast_unsigned());
    }

    #[test]
    fn valid_account_ids_are_accepted(number in "[A-Za-z0-9_-]{1,32}") {
        let id = AccountId::try_new(&number).unwrap();
        prop_assert_eq!(id.as_str(), number.as_str());
        prop_assert_eq!(id.stream_id().as_str(), format!("account-{number}"));
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(serde_json::from_str::<AccountId>(&json).unwrap(), id);
    }

    #[test]
    fn invalid_account_ids_are_rejected(number in "|[A-Za-z0-9]{33,40}|[a-z]*[ /.#\n][a-z]*") {
        let err = AccountId::try_new(&number).unwrap_err().to_string();
        prop_assert!(err.starts_with("AccountId") && err.contains("must be 1 to 32"), "{}", err);
    }

    #[test]
    fn owners_must_not_be_blank(blank in "[ \t]{0,5}") {
        prop_assert!(Owner::try_new(blank).is_err());
    }
}

#[test]
fn zero_amount_is_rejected_with_the_rule() {
    let err = Amount::try_new(Money::ZERO).unwrap_err().to_string();
    assert_eq!(err, "Amount \"0.00\" is invalid: must be greater than zero");
}

#[test]
fn transfer_to_the_same_account_is_rejected_at_construction() {
    let a = AccountId::try_new("a").unwrap();
    let err = TransferMoney::new(a.clone(), a, Amount::try_from_cents(1).unwrap()).unwrap_err();
    assert!(err.to_string().contains("must differ"), "{err}");
}

#[test]
fn deserializing_invalid_amounts_fails() {
    assert!(serde_json::from_str::<Amount>("0").is_err());
    assert!(serde_json::from_str::<Money>("-5").is_err());
    assert!(serde_json::from_str::<AccountId>("\"has space\"").is_err());
}
