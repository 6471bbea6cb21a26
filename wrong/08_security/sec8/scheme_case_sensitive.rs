// wrong: accepts the scheme only as `Bearer`, in that case
// expect: the scheme `Bearer` in any case (RFC 9110 §11.1)
//! # Hardening an axum service
//!
//! A service on the internet meets clients that are slow, hostile or buggy.
//! Four defences belong in every service, set up once for the whole router so
//! that no handler can forget them (OWASP REST Security Cheat Sheet):
//!
//! - **A body limit.** `axum::extract::DefaultBodyLimit::max(n)` caps what the
//!   body extractors (`Json`, `String`, `Bytes`) read: past `n` bytes they
//!   stop reading and answer `413 Content Too Large` (RFC 9110 §15.5.14). A
//!   check of `body.len()` in the handler comes too late: the whole body has
//!   been read into memory by then. axum's default limit is 2 MB; an API of
//!   short notes needs far less.
//! - **A time limit.** A request stuck on a slow database holds its memory
//!   and connection for ever. tower-http's `TimeoutLayer` ends it after a
//!   fixed time. Choose the status: `TimeoutLayer::new` (deprecated) answers
//!   `408 Request Timeout`, which tells the client that *it* was too slow to
//!   send its request (RFC 9110 §15.5.9). When the server is slow, the honest
//!   answer is `503 Service Unavailable` (as Go's `http.TimeoutHandler`
//!   does): `TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, t)`.
//! - **Authentication as an extractor.** A type that implements
//!   `FromRequestParts` runs before the handler and before the body is read.
//!   A handler that takes `AuthUser` as an argument cannot run without a valid
//!   token, and one that needs the user cannot forget to ask: it has no other
//!   way to know who is calling. Its rejection is the 401 of auth9, with its
//!   `WWW-Authenticate` challenge.
//! - **Security headers on every answer**, errors included: the 404 of an
//!   unknown path, the 405 of a wrong method, the 413 and the 503 above.
//!   `X-Content-Type-Options: nosniff` (browsers must not guess a type) and
//!   `Cache-Control: no-store` (no cache keeps private answers).
//!
//! Order matters: `router.layer(a).layer(b)` wraps `a` inside `b`, so `b`
//! sees every response that `a` makes. `Router::layer` also wraps the
//! fallback (the 404); `route_layer` wraps matched routes only.
//!
//! Read more: https://docs.rs/axum/0.8/axum/extract/struct.DefaultBodyLimit.html,
//! https://docs.rs/tower-http/0.6/tower_http/timeout/struct.TimeoutLayer.html,
//! https://docs.rs/axum/0.8/axum/extract/trait.FromRequestParts.html,
//! https://cheatsheetseries.owasp.org/cheatsheets/REST_Security_Cheat_Sheet.html

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, FromRequestParts, State},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_http::{set_header::SetResponseHeaderLayer, timeout::TimeoutLayer};

const MAX_BODY_BYTES: usize = 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// The user a valid bearer token belongs to. A stand-in for a JWT (auth8).
fn verify_token(token: &str) -> Option<&'static str> {
    match token {
        "mF_9.B5f-4.1JqM" => Some("alice"),
        "2YotnFZFEjr1zCsicMWpAA" => Some("bob"),
        _ => None,
    }
}

/// The authenticated caller. Taking it as a handler argument requires a
/// valid `Authorization: Bearer <token>`.
struct AuthUser(String);

/// Why a request is not authenticated.
enum AuthError {
    /// No `Authorization: Bearer ...` at all.
    Missing,
    /// A bearer token that is not valid.
    InvalidToken,
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let challenge = match self {
            AuthError::Missing => r#"Bearer realm="notes""#,
            AuthError::InvalidToken => r#"Bearer realm="notes", error="invalid_token""#,
        };
        let headers = [(header::WWW_AUTHENTICATE, challenge)];
        (StatusCode::UNAUTHORIZED, headers, "not authenticated").into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION);
        let value = value.and_then(|v| v.to_str().ok()).unwrap_or_default();
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        if scheme != "Bearer" {
            return Err(AuthError::Missing);
        }
        let user = verify_token(token.trim_start_matches(' '));
        let user = user.ok_or(AuthError::InvalidToken)?;
        Ok(AuthUser(user.to_string()))
    }
}

#[derive(Clone, Serialize)]
struct Note {
    owner: String,
    text: String,
}

#[derive(Deserialize)]
struct NewNote {
    text: String,
}

struct AppState {
    /// How long the (pretend) database takes to answer.
    db_latency: Duration,
    notes: Mutex<Vec<Note>>,
}

// GET /notes: the caller's notes.
async fn list_notes(
    State(state): State<Arc<AppState>>,
    AuthUser(user): AuthUser,
) -> Json<Vec<Note>> {
    tokio::time::sleep(state.db_latency).await;
    let notes = state.notes.lock().unwrap();
    Json(notes.iter().filter(|n| n.owner == user).cloned().collect())
}

// POST /notes {"text": "..."}: a new note of the caller's.
async fn create_note(
    State(state): State<Arc<AppState>>,
    AuthUser(owner): AuthUser,
    Json(new_note): Json<NewNote>,
) -> (StatusCode, Json<Note>) {
    tokio::time::sleep(state.db_latency).await;
    let note = Note {
        owner,
        text: new_note.text,
    };
    state.notes.lock().unwrap().push(note.clone());
    (StatusCode::CREATED, Json(note))
}

fn app(db_latency: Duration) -> Router {
    let notes = Mutex::new(Vec::new());
    let state = Arc::new(AppState { db_latency, notes });
    let timeout = TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT);
    let nosniff = HeaderValue::from_static("nosniff");
    let nosniff = SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, nosniff);
    let no_store = HeaderValue::from_static("no-store");
    let no_store = SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, no_store);
    Router::new()
        .route("/notes", get(list_notes).post(create_note))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(timeout)
        .layer(nosniff)
        .layer(no_store)
        .with_state(state)
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin sec8`, then
    // `curl -i localhost:3000/notes -H 'authorization: Bearer mF_9.B5f-4.1JqM'`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(Duration::from_millis(20)))
        .await
        .unwrap();
}
