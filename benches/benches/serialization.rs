//! Serialization: JSON encode and decode of bank events through
//! `JsonSerializer` (what the executor and projections do per event), the
//! metadata JSON the PostgreSQL store writes per event, and the cost of
//! upcasters: none for an event at its current version, whether or not its
//! type registers any.

use std::{hint::black_box, time::Duration};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eventcore::{
    Event, EventMetadata, EventSerializer, GlobalPosition, JsonSerializer, SerializedEvent,
    StreamId, StreamVersion, Upcasters, store::StoredEvent,
};
use eventcore_benches::{harness, or_exit};
use eventcore_examples::banking::{AccountId, Amount, BankEvent, Money, Owner};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The same event twice, with and without upcasters registered.
#[derive(Clone, Debug, Serialize, Deserialize, Event)]
enum Plain {
    #[event(version = 2)]
    Deposited { cents: u64, memo: String },
}

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
#[event(upcasters = upcasters)]
enum Evolved {
    #[event(version = 2)]
    Deposited { cents: u64, memo: String },
}

fn upcasters() -> Upcasters {
    Upcasters::new()
        .upcast("Deposited", 1, |data: Value| {
            let amount = data["amount"].as_u64().ok_or("no amount")?;
            Ok(json!({ "cents": amount * 100, "memo": data["memo"] }))
        })
        .retire("InterestAccrued")
}

fn stored(stream: &StreamId, event: SerializedEvent) -> StoredEvent {
    StoredEvent::new(
        stream.clone(),
        StreamVersion::new(7),
        GlobalPosition::new(42),
        EventMetadata::new(),
        event,
    )
}

fn evolution(c: &mut Criterion) {
    let mut group = c.benchmark_group("evolution");
    group.throughput(Throughput::Elements(1));
    let stream = or_exit(StreamId::try_new("account-customer-000001"), "stream id");
    let current = stored(
        &stream,
        SerializedEvent::new("Deposited", r#"{"cents":12345,"memo":"rent"}"#)
            .with_schema_version(2),
    );
    group.bench_function("decode_current/no_upcasters", |b| {
        b.iter(|| {
            or_exit(
                JsonSerializer.decode::<Plain>(black_box(&current)),
                "decode",
            )
        });
    });
    group.bench_function("decode_current/with_upcasters", |b| {
        b.iter(|| {
            or_exit(
                JsonSerializer.decode::<Evolved>(black_box(&current)),
                "decode",
            )
        });
    });
    let old = stored(
        &stream,
        SerializedEvent::new("Deposited", r#"{"amount":123,"memo":"rent"}"#),
    );
    group.bench_function("decode_v1/one_step", |b| {
        b.iter(|| or_exit(JsonSerializer.decode::<Evolved>(black_box(&old)), "decode"));
    });
    // serde_json alone on serde's own tagged form: what decoding costs
    // without the store's form (data alone, tag from the type name).
    let tagged = r#"{"Deposited":{"cents":12345,"memo":"rent"}}"#;
    group.bench_function("serde_json_from_str/tagged", |b| {
        b.iter(|| or_exit(serde_json::from_str::<Plain>(black_box(tagged)), "decode"));
    });
    group.finish();
}

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
    targets = serialization, evolution
);
criterion_main!(benches);
