//! The banking service on a loopback port, driven by a real HTTP client:
//! commands (one replayed by its idempotency key), balances from the
//! projection, the errors' status codes, `/metrics` counters that moved and
//! `/health`.

#![cfg(test)]

use std::time::Duration;

use eventcore::{
    health::HealthCheck,
    projection::{ProjectionRunner, RunnerConfig},
};
use eventcore_examples::{banking::BalanceProjection, service::App};
use eventcore_memory::MemoryStore;
use metrics_exporter_prometheus::PrometheusBuilder;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The value of the counter line that starts with `series` (name and
/// labels as rendered), or 0.
fn counter(text: &str, series: &str) -> u64 {
    text.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// A client of the service at `base`.
struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.base)).json(body)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_executes_commands_serves_balances_health_and_metrics() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).unwrap();

    let store = MemoryStore::new();
    let balances = BalanceProjection::new();
    let runner =
        ProjectionRunner::new(store.clone(), balances.clone(), RunnerConfig::default()).start();
    let health = HealthCheck::new()
        .store("events", store.clone())
        .projection(runner.watch());
    let router = App::new(store, balances, health, handle).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let client = Client {
        http: reqwest::Client::new(),
        base,
    };
    commands(&client).await;
    errors(&client).await;
    // Balances from the projection, once it has caught up.
    let mut alice = Value::Null;
    for _ in 0..200 {
        alice = client.get("/accounts/alice").await.json().await.unwrap();
        if alice["balance_cents"] == 6_250 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(alice["balance"], "62.50", "{alice}");
    let bob: Value = client.get("/accounts/bob").await.json().await.unwrap();
    assert_eq!(bob["balance_cents"], 4_000);

    let metrics = client.get("/metrics").await.text().await.unwrap();
    let executions = "eventcore_command_executions_total{command=\"Deposit\",outcome=";
    assert_eq!(
        counter(&metrics, &format!("{executions}\"ok\"}}")),
        1,
        "{metrics}"
    );
    assert_eq!(counter(&metrics, &format!("{executions}\"replayed\"}}")), 1);
    let rejected = "eventcore_command_executions_total{command=\"Withdraw\",outcome=\"rejected\"}";
    assert_eq!(counter(&metrics, rejected), 1);
    let appended = "eventcore_store_events_appended_total{store=\"memory\"}";
    assert!(counter(&metrics, appended) >= 5);
    assert!(metrics.contains("eventcore_projection_position{projection=\"account-balances\"}"));

    let health = client.get("/health").await;
    assert_eq!(health.status(), StatusCode::OK);
    let report: Value = health.json().await.unwrap();
    assert_eq!(report["status"], "up", "{report}");
    assert_eq!(report["components"][1]["name"], "account-balances");

    // A stopped projection: the service reports itself down.
    runner.shutdown().await.unwrap();
    let down = client.get("/health").await;
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    server.abort();
}

/// Opens two accounts, deposits twice under one key, transfers.
async fn commands(client: &Client) {
    for (account, cents) in [("alice", 10_000), ("bob", 0)] {
        let opened = client
            .post(
                "/accounts",
                &json!({ "account": account, "owner": "Ada", "initial_deposit_cents": cents }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), StatusCode::CREATED);
    }

    // The same deposit twice under one key: written once, replayed once.
    let mut answers = Vec::new();
    for _ in 0..2 {
        let answer = client
            .post("/accounts/alice/deposits", &json!({ "amount_cents": 250 }))
            .header("Idempotency-Key", "deposit-alice-1")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        answers.push(answer.json::<Value>().await.unwrap());
    }
    assert_eq!(answers[0]["replayed"], false);
    assert_eq!(answers[1]["replayed"], true);
    assert_eq!(answers[0]["position"], answers[1]["position"]);
    // The key reused for another request is refused.
    let reused = client
        .post("/accounts/alice/deposits", &json!({ "amount_cents": 999 }))
        .header("Idempotency-Key", "deposit-alice-1")
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let moved = client
        .post(
            "/transfers",
            &json!({ "from": "alice", "to": "bob", "amount_cents": 4_000 }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
}

/// What goes wrong, and the codes that say so.
async fn errors(client: &Client) {
    let too_much = client
        .post(
            "/accounts/bob/withdrawals",
            &json!({ "amount_cents": 5_000 }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = too_much.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("holds"), "{body}");
    let nobody = client
        .post("/accounts/nobody/deposits", &json!({ "amount_cents": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);
    let negative = client
        .post("/accounts/alice/deposits", &json!({ "amount_cents": -5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(negative.status(), StatusCode::BAD_REQUEST);
    let twice = client
        .post(
            "/accounts",
            &json!({ "account": "alice", "owner": "Ada", "initial_deposit_cents": 0 }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), StatusCode::CONFLICT);
}
