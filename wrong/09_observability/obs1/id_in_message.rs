// wrong: adds the user_id field but still formats the id into the message
// expect: should be the constants "loading user" and "user loaded"
//! # A span per request
//!
//! A busy server interleaves the log lines of hundreds of requests. To read
//! what happened to *one* of them, every line must say which request it
//! belongs to. With the `tracing` crate you do not add the id to every line
//! by hand: you open a **span**, a period of work with its own fields, and
//! every event (`info!`, `error!`, ...) emitted inside it is recorded with
//! the span's fields.
//!
//! ```text
//! let span = tracing::info_span!("request", request_id = %id, method = %method);
//! async { /* all the work of the request */ }.instrument(span).await
//! ```
//!
//! `%value` records a field with `Display`, `?value` with `Debug` (a
//! `String` then gets quotes around it). In async code a span must follow
//! the *future*, not the thread: `Instrument::instrument` enters the span
//! each time the future is polled and leaves it when the future waits, so
//! two requests served by one thread never see each other's span.
//!
//! Data goes into **fields**, not into the message: `info!(user_id, "loading
//! user")` rather than `info!("loading user {user_id}")`. A log pipeline can
//! then search and count by `user_id`, and the message stays a constant that
//! groups all such lines.
//!
//! Read more: https://docs.rs/tracing/0.1/tracing/#spans,
//! https://docs.rs/tracing/0.1/tracing/trait.Instrument.html,
//! https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html

use axum::{
    Router,
    extract::{Path, Request},
    http::HeaderValue,
    middleware::{self, Next},
    response::Response,
    routing::get,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tracing::{Instrument, info};

const REQUEST_ID: &str = "x-request-id";

/// Keeps a proxy's id if it is 1 to 64 ASCII letters, digits, `-`, `_` or
/// `.` (anything else could write what it likes into the logs); otherwise
/// makes a new one.
fn choose_request_id(incoming: Option<&str>) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let acceptable = |id: &str| {
        (1..=64).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    match incoming {
        Some(id) if acceptable(id) => id.to_string(),
        _ => format!("req-{}", NEXT.fetch_add(1, Ordering::Relaxed)),
    }
}

// Every event of a request, from the handler's to "request finished", is
// recorded inside one span named "request" with the fields `request_id`,
// `method` and `path`, all recorded with Display.
async fn trace_requests(req: Request, next: Next) -> Response {
    let incoming = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok());
    let id = choose_request_id(incoming);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    async move {
        let mut response = next.run(req).await;
        info!(status = response.status().as_u16(), "request finished");
        let value = HeaderValue::from_str(&id).expect("an acceptable id is a valid header");
        response.headers_mut().insert(REQUEST_ID, value);
        response
    }
    .instrument(span)
    .await
}

// GET /users/{id}: the message is a constant; the user id is a field.
async fn get_user(Path(user_id): Path<u64>) -> String {
    info!(user_id, "loading user {user_id}");
    // The database takes 10 ms per id: a slow query.
    tokio::time::sleep(Duration::from_millis(10 * user_id)).await;
    info!(user_id, "user loaded");
    format!("user {user_id}")
}

fn app() -> Router {
    Router::new()
        .route("/users/{id}", get(get_user))
        .layer(middleware::from_fn(trace_requests))
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin obs1`, then `curl -i localhost:3000/users/7`.
    tracing_subscriber::fmt().json().init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app()).await.unwrap();
}
