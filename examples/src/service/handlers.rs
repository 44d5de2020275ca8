//! The endpoints.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use eventcore::{
    CommandLogic, Executed, ExecutionOptions, IdempotencyKey,
    store::{EventStore, SnapshotStore},
};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};

use super::{App, errors::ApiError};
use crate::banking::{
    AccountId, Amount, BankError, BankEvent, Deposit, Money, OpenAccount, Owner, TransferMoney,
    Withdraw,
};

/// The header that makes a command idempotent.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// `POST /accounts`.
#[derive(Debug, Deserialize)]
pub struct OpenRequest {
    account: String,
    owner: String,
    #[serde(default)]
    initial_deposit_cents: i64,
}

/// A body that moves an amount.
#[derive(Debug, Deserialize)]
pub struct AmountRequest {
    amount_cents: i64,
}

/// `POST /transfers`.
#[derive(Debug, Deserialize)]
pub struct TransferRequest {
    from: String,
    to: String,
    amount_cents: i64,
}

/// The options of a command request: its idempotency key, if the header
/// gives one, with the body's bytes as the request's fingerprint (so the
/// key sent again with another body is refused, not replayed).
fn options(headers: &HeaderMap, body: &[u8]) -> Result<ExecutionOptions, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(ExecutionOptions::new());
    };
    let text = value.to_str().map_err(|_| {
        ApiError::bad_request("the Idempotency-Key header must be visible ASCII text")
    })?;
    Ok(ExecutionOptions::new()
        .idempotency_key(IdempotencyKey::try_new(text)?)
        .request_fingerprint(body))
}

/// The JSON body, or a 400 naming what is wrong with it.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}

/// Executes `command` and answers what it wrote.
async fn execute<S, C>(
    app: &App<S>,
    command: C,
    (headers, body): (&HeaderMap, &[u8]),
    created: bool,
) -> Result<(StatusCode, Json<Value>), ApiError>
where
    S: EventStore + SnapshotStore + Clone + 'static,
    C: CommandLogic<Event = BankEvent, Error = BankError>,
{
    let Executed {
        events, replayed, ..
    } = app
        .executor
        .execute_with_options(command, options(headers, body)?)
        .await?;
    let status = if created && !replayed {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let position = events.last().map(|e| e.position().value());
    Ok((
        status,
        Json(json!({ "events": events.len(), "replayed": replayed, "position": position })),
    ))
}

pub async fn open<S: EventStore + SnapshotStore + Clone + 'static>(
    State(app): State<App<S>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body: OpenRequest = parse(&bytes)?;
    let command = OpenAccount {
        account: AccountId::try_new(&body.account)?,
        owner: Owner::try_new(&body.owner)?,
        initial_deposit: Money::try_from_cents(body.initial_deposit_cents)?,
    };
    execute(&app, command, (&headers, &bytes), true).await
}

pub async fn deposit<S: EventStore + SnapshotStore + Clone + 'static>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body: AmountRequest = parse(&bytes)?;
    let command = Deposit {
        account: AccountId::try_new(&id)?,
        amount: Amount::try_from_cents(body.amount_cents)?,
    };
    execute(&app, command, (&headers, &bytes), false).await
}

pub async fn withdraw<S: EventStore + SnapshotStore + Clone + 'static>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body: AmountRequest = parse(&bytes)?;
    let command = Withdraw {
        account: AccountId::try_new(&id)?,
        amount: Amount::try_from_cents(body.amount_cents)?,
    };
    execute(&app, command, (&headers, &bytes), false).await
}

pub async fn transfer<S: EventStore + SnapshotStore + Clone + 'static>(
    State(app): State<App<S>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body: TransferRequest = parse(&bytes)?;
    let command = TransferMoney::new(
        AccountId::try_new(&body.from)?,
        AccountId::try_new(&body.to)?,
        Amount::try_from_cents(body.amount_cents)?,
    )?;
    execute(&app, command, (&headers, &bytes), false).await
}

/// `GET /accounts/{id}`: the balance as the projection has it (it may be a
/// moment behind the commands).
pub async fn balance<S>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = AccountId::try_new(&id)?;
    let balance = app.balances.balance(&account).ok_or_else(|| {
        ApiError::not_found(format!("account {account} is not in the read model"))
    })?;
    Ok(Json(json!({
        "account": id,
        "balance_cents": balance.cents(),
        "balance": balance.to_string(),
    })))
}

/// `GET /health`: the report, 200 unless something is down (503).
pub async fn health<S>(State(app): State<App<S>>) -> impl IntoResponse {
    let report = app.health.report().await;
    let status =
        StatusCode::from_u16(report.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(report))
}

/// `GET /metrics`: every metric, in Prometheus text format.
pub async fn metrics<S>(State(app): State<App<S>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}
