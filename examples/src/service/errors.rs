//! How the service answers what goes wrong: a status code that says what
//! the caller can do, and `{"error": "..."}`.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use eventcore::{CommandError, ValidationError};
use serde_json::json;

use crate::banking::BankError;

/// An error answered to the caller.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// The caller sent something invalid.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// What was asked for does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// The status the caller gets.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        Self::bad_request(error.to_string())
    }
}

impl From<CommandError<BankError>> for ApiError {
    fn from(error: CommandError<BankError>) -> Self {
        let status = match &error {
            CommandError::Rejected(BankError::AccountNotFound(_)) => StatusCode::NOT_FOUND,
            CommandError::Rejected(BankError::AccountExists(_)) => StatusCode::CONFLICT,
            CommandError::Rejected(_) | CommandError::IdempotencyKeyReused { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            CommandError::Validation(_) => StatusCode::BAD_REQUEST,
            // Contention or a store that is away: the caller may try again
            // (with the same idempotency key, so nothing is written twice).
            CommandError::RetriesExhausted { .. }
            | CommandError::DeadlineExceeded { .. }
            | CommandError::OutcomeUnknown { .. } => StatusCode::SERVICE_UNAVAILABLE,
            CommandError::Store(store) if store.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self {
            status,
            message: error.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}
