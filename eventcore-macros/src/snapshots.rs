//! Expansion snapshots: the documented examples, expanded and rendered with
//! prettyplease, compared with the committed files in
//! `eventcore-macros/tests/snapshots/`. Set `EVENTCORE_BLESS=1` to rewrite
//! them.

use std::{fs, path::PathBuf};

use proc_macro2::TokenStream;
use syn::DeriveInput;

fn render(tokens: &TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(err) => panic!("expansion does not parse as a file: {err}\n{tokens}"),
    }
}

fn check(name: &str, derive: fn(&DeriveInput) -> TokenStream, input: &DeriveInput) {
    let actual = format!(
        "// Expansion of the `{name}` example. Regenerate with `EVENTCORE_BLESS=1 cargo test -p eventcore-macros`.\n{}",
        render(&derive(input))
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.expanded.rs"));
    if std::env::var_os("EVENTCORE_BLESS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read {}: {err}; run with EVENTCORE_BLESS=1 to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "expansion of `{name}` changed; review and rerun with EVENTCORE_BLESS=1\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

#[test]
fn transfer_money_with_generated_state() {
    let input = syn::parse_quote! {
        #[derive(Command)]
        #[command(event = BankEvent)]
        pub struct TransferMoney {
            #[stream(state = Account)]
            pub from: AccountId,
            #[stream(state = Account)]
            pub to: AccountId,
            pub amount: u64,
        }
    };
    check("transfer_money", crate::command::derive, &input);
}

#[test]
fn option_vec_and_discovery_with_hand_written_state() {
    let input = syn::parse_quote! {
        #[derive(Command)]
        #[command(event = ShopEvent, resolver)]
        pub struct Checkout {
            #[stream]
            cart: CartId,
            #[stream]
            coupon: Option<CouponId>,
            #[stream]
            warehouses: Vec<StreamId>,
        }
    };
    check("checkout", crate::command::derive, &input);
}

#[test]
fn generic_command() {
    let input = syn::parse_quote! {
        #[derive(Command)]
        #[command(event = LedgerEvent)]
        struct Post<Id: Clone + Send + Sync> where Id: Into<StreamId> {
            #[stream(state = Ledger)]
            ledger: Id,
            #[stream]
            audit: StreamId,
        }
    };
    check("generic", crate::command::derive, &input);
}

#[test]
fn event_enum() {
    let input = syn::parse_quote! {
        #[derive(Event)]
        enum BankEvent {
            Opened { owner: String },
            Deposited(u64),
            #[event(rename = "Withdrawal")]
            Withdrawn(u64),
            Closed,
        }
    };
    check("bank_event", crate::event::derive, &input);
}

#[test]
fn several_mistakes_are_reported_together() {
    let input: DeriveInput = syn::parse_quote! {
        #[derive(Command)]
        #[command(evnt = BankEvent)]
        struct Broken {
            #[stream(stat = Account)]
            from: AccountId,
        }
    };
    let output = crate::command::derive(&input).to_string();
    assert_eq!(output.matches("compile_error").count(), 2, "{output}");
}
