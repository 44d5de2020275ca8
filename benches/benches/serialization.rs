//! Serialization: JSON encode and decode of bank events through
//! `JsonSerializer` (what the executor and projections do per event), and
//! the metadata JSON the PostgreSQL store writes per event.

use std::{hint::black_box, time::Duration};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eventcore::{
    EventMetadata, EventSerializer, GlobalPosition, JsonSerializer, StreamId, StreamVersion,
    store::StoredEvent,
};
use eventcore_benches::{harness, or_exit};
use eventcore_examples::banking::{AccountId, Amount, BankEvent, Money, Owner};

fn events() -> Vec<(&'static str, BankEvent)> {
    let amount = or_exit(Amount::try_from_cents(12_345), "amount");
    vec![
        ("deposited", BankEvent::Deposited { amount }),
        (
            "transferred_out",
            BankEvent::TransferredOut {
                to: or_exit(AccountId::try_new("customer-000042"), "account"),
                amount,
            },
        ),
        (
            "opened",
            BankEvent::AccountOpened {
                owner: or_exit(Owner::try_new("Ada Lovelace"), "owner"),
                opening_balance: or_exit(Money::try_from_cents(100_000), "money"),
            },
        ),
    ]
}

fn serialization(c: &mut Criterion) {
    let mut group = c.benchmark_group("serialization");
    group.throughput(Throughput::Elements(1));
    let stream = or_exit(StreamId::try_new("account-customer-000001"), "stream id");
    for (name, event) in events() {
        group.bench_function(format!("encode/{name}"), |b| {
            b.iter(|| or_exit(JsonSerializer.encode(black_box(&event)), "encode"));
        });
        // The same event through serde_json alone: the encoder's cost over
        // it is the finite-number check (and naming the type).
        group.bench_function(format!("serde_json_to_string/{name}"), |b| {
            b.iter(|| or_exit(serde_json::to_string(black_box(&event)), "encode"));
        });
        let encoded = or_exit(JsonSerializer.encode(&event), "encode");
        let stored = StoredEvent::new(
            stream.clone(),
            StreamVersion::new(7),
            GlobalPosition::new(42),
            EventMetadata::new(),
            encoded,
        );
        group.bench_function(format!("decode/{name}"), |b| {
            b.iter(|| {
                or_exit(
                    JsonSerializer.decode::<BankEvent>(black_box(&stored)),
                    "decode",
                )
            });
        });
    }
    let metadata = EventMetadata::new();
    group.bench_function("metadata/encode", |b| {
        b.iter(|| or_exit(serde_json::to_string(black_box(&metadata)), "encode"));
    });
    let text = or_exit(serde_json::to_string(&metadata), "encode");
    group.bench_function("metadata/decode", |b| {
        b.iter(|| {
            or_exit(
                serde_json::from_str::<EventMetadata>(black_box(&text)),
                "decode",
            )
        });
    });
    group.finish();
}

criterion_group!(
    name = benches;
    config = harness::config(Duration::from_secs(2), 20);
    targets = serialization
);
criterion_main!(benches);
