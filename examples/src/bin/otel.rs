//! EventCore's spans sent to OpenTelemetry, through `tracing-opentelemetry`
//! (a dependency of this example only, not of EventCore): a few banking
//! commands and a projection, their spans (`eventcore.execute`,
//! `eventcore.store`, `eventcore.projection.batch`) exported to stdout.
//! Swap the stdout exporter for an OTLP one to send them to a collector.
//!
//! ```text
//! cargo run -p eventcore-examples --features otel --bin otel
//! ```

use std::time::Duration;

use eventcore::{
    CommandExecutor,
    projection::{ProjectionRunner, RunnerConfig},
};
use eventcore_examples::banking::{
    AccountId, Amount, BalanceProjection, Deposit, Money, OpenAccount, Owner,
};
use eventcore_memory::MemoryStore;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() -> Result {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let tracer = provider.tracer("eventcore-example");
    let subscriber =
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
    subscriber.try_init()?;

    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    let alice = AccountId::try_new("alice")?;
    executor
        .execute(OpenAccount {
            account: alice.clone(),
            owner: Owner::try_new("Alice")?,
            initial_deposit: Money::ZERO,
        })
        .await?;
    executor
        .execute(Deposit {
            account: alice.clone(),
            amount: Amount::try_from_cents(250)?,
        })
        .await?;
    let runner =
        ProjectionRunner::new(store, BalanceProjection::new(), RunnerConfig::default()).start();
    runner
        .wait_for_position(eventcore::GlobalPosition::new(2), Duration::from_secs(5))
        .await;
    runner.shutdown().await?;
    provider.shutdown()?;
    Ok(())
}
