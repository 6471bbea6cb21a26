// wrong: axum's explanation of a rejected body is replaced by a generic message
// expect: is axum's own explanation
//! # An error type that is a response
//!
//! Handlers fail: the user does not exist, the input is invalid, the name is
//! taken, the database is down. Instead of building an error response by hand
//! at every `return`, define one error enum for the whole API and implement
//! axum's `IntoResponse` for it. A handler then returns
//! `Result<Json<T>, ApiError>` and uses `?`; with `From<StoreError> for ApiError`
//! the `?` operator converts the store's errors on the way.
//!
//! `into_response` is the one place that decides, for every error, the status
//! code and the body, so every error of the API looks the same to clients:
//! here `{"error": "<machine-readable code>", "message": "<for humans>"}`
//! (RFC 9457 "problem details" is a standard shape for the same idea).
//!
//! "Every error" includes the ones axum finds before your handler runs: a
//! body that is not JSON, a path segment that is not a number. By default
//! each extractor answers those itself, in plain text, in its own words. To
//! keep one shape, ask for `Result<Json<T>, JsonRejection>` instead of
//! `Json<T>`: the handler then receives the rejection as a value and `?`
//! turns it into an `ApiError` (through `From`), keeping the status axum
//! chose (400, 415 or 422) and its explanation.
//!
//! A 500 must not leak internals: hostnames, SQL, file paths and stack traces
//! help an attacker and mean nothing to the client. Log the details on the
//! server and answer a generic message (OWASP Error Handling Cheat Sheet).
//!
//! Read more: https://docs.rs/axum/0.8/axum/error_handling/index.html,
//! https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html

use axum::{
    Json, Router,
    extract::{
        Path, State,
        rejection::{JsonRejection, PathRejection},
    },
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Clone, Serialize)]
struct User {
    id: u64,
    name: String,
}

#[derive(Debug, Deserialize)]
struct NewUser {
    name: String,
}

/// What the storage layer can report. It knows nothing about HTTP.
#[derive(Debug)]
enum StoreError {
    NotFound,
    Duplicate,
    Unavailable(String),
}

/// A store of users; `online: false` plays a database that is down.
struct Store {
    online: bool,
    users: Mutex<Vec<User>>,
}

impl Store {
    fn connect(&self) -> Result<MutexGuard<'_, Vec<User>>, StoreError> {
        if !self.online {
            let details = "connect to db.internal:5432: connection refused";
            return Err(StoreError::Unavailable(details.into()));
        }
        Ok(self.users.lock().unwrap())
    }

    fn find(&self, id: u64) -> Result<User, StoreError> {
        let users = self.connect()?;
        let user = users.iter().find(|u| u.id == id);
        user.cloned().ok_or(StoreError::NotFound)
    }

    fn insert(&self, name: &str) -> Result<User, StoreError> {
        let mut users = self.connect()?;
        if users.iter().any(|u| u.name == name) {
            return Err(StoreError::Duplicate);
        }
        let id = users.len() as u64 + 1;
        users.push(User {
            id,
            name: name.into(),
        });
        Ok(users[users.len() - 1].clone())
    }
}

/// Every way a request to this API can fail.
#[derive(Debug)]
enum ApiError {
    NotFound(String),
    InvalidInput(String),
    Conflict(String),
    /// An extractor could not read the request: the status it chose and why.
    Unreadable(StatusCode, String),
    /// The details are for the server log only.
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::NotFound("no such user".into()),
            StoreError::Duplicate => ApiError::Conflict("this name is taken".into()),
            StoreError::Unavailable(details) => ApiError::Internal(details),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::Unreadable(rejection.status(), rejection.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Unreadable(rejection.status(), "the body could not be read".into())
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message) = match self {
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, "not_found", message),
            ApiError::InvalidInput(message) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
            }
            ApiError::Conflict(message) => (StatusCode::CONFLICT, "conflict", message),
            ApiError::Unreadable(status, message) => (status, "bad_request", message),
            ApiError::Internal(details) => {
                eprintln!("internal error: {details}");
                let message = "internal server error".to_string();
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
            }
        };
        (status, Json(ErrorBody { error, message })).into_response()
    }
}

// GET /users/{id}
async fn get_user(
    State(store): State<Arc<Store>>,
    id: Result<Path<u64>, PathRejection>,
) -> Result<Json<User>, ApiError> {
    let Path(id) = id?;
    Ok(Json(store.find(id)?))
}

// POST /users
async fn create_user(
    State(store): State<Arc<Store>>,
    new_user: Result<Json<NewUser>, JsonRejection>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let Json(new_user) = new_user?;
    let name = new_user.name.trim();
    // Characters, not bytes: "é" is one character but two bytes in UTF-8.
    if name.is_empty() || name.chars().count() > 32 {
        return Err(ApiError::InvalidInput(
            "name must have 1 to 32 characters".into(),
        ));
    }
    let user = store.insert(name)?;
    Ok((StatusCode::CREATED, Json(user)))
}

fn app(store: Arc<Store>) -> Router {
    Router::new()
        .route("/users", post(create_user))
        .route("/users/{id}", get(get_user))
        .with_state(store)
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin axum3`, then `curl -i localhost:3000/users/1`.
    let store = Arc::new(Store {
        online: true,
        users: Mutex::new(Vec::new()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(store)).await.unwrap();
}
