// wrong: server-timing reports seconds instead of milliseconds
// expect: app;dur=25 or more (milliseconds
//! # Middleware: request ids and timing
//!
//! Some work belongs to every request: give it an id, time it, log it.
//! Instead of repeating it in each handler, wrap the router in *middleware*.
//! axum is built on tower: a `Layer` wraps a service (here the router) in a
//! new service that sees each request before the handler and each response
//! after it. The easiest way to write one is an `async fn(Request, Next)`
//! made into a layer with `axum::middleware::from_fn`:
//!
//! ```text
//! async fn mw(req: Request, next: Next) -> Response {
//!     /* before the handler */ let response = next.run(req).await; /* after */ response
//! }
//! ```
//!
//! A request id ties together every log line of one request, across
//! services. `x-request-id` is a common convention, not a standard: a proxy
//! may already have set one, and then the server keeps it; otherwise the
//! server makes one. Either way it is sent back in the response. The client
//! controls that header, so accept only short, plain ids, or an attacker
//! writes what they like into your logs (OWASP Logging Cheat Sheet, "log
//! injection"). Middleware passes data to handlers in the request's
//! *extensions*; a handler reads them with the `Extension<T>` extractor.
//!
//! `Server-Timing: app;dur=1.25` tells the client how many milliseconds the
//! server worked on the request (W3C Server Timing).
//!
//! Read more: https://docs.rs/axum/0.8/axum/middleware/index.html,
//! https://www.w3.org/TR/server-timing/

use axum::{
    Extension, Router,
    extract::Request,
    http::HeaderValue,
    middleware::{self, Next},
    response::Response,
    routing::get,
};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::time::Instant;

const REQUEST_ID: &str = "x-request-id";

/// The id of the request being handled, put in the extensions by the middleware.
#[derive(Debug, Clone)]
struct RequestId(String);

fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("req-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// An incoming id is acceptable if it has 1 to 64 characters, each an ASCII
/// letter or digit, `-`, `_` or `.`.
fn is_acceptable(id: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    (1..=64).contains(&id.len()) && id.chars().all(allowed)
}

fn choose_request_id(incoming: Option<&str>) -> String {
    match incoming {
        Some(id) if is_acceptable(id) => id.to_string(),
        _ => new_request_id(),
    }
}

async fn request_id_and_timing(mut req: Request, next: Next) -> Response {
    let incoming = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok());
    let id = choose_request_id(incoming);
    req.extensions_mut().insert(RequestId(id.clone()));

    let started = Instant::now();
    let mut response = next.run(req).await;
    let millis = started.elapsed().as_secs_f64();

    let headers = response.headers_mut();
    headers.insert(REQUEST_ID, HeaderValue::from_str(&id).unwrap());
    let timing = format!("app;dur={millis:.3}");
    headers.insert("server-timing", HeaderValue::from_str(&timing).unwrap());
    response
}

// GET /slow: takes at least 25 ms, like a handler waiting for a database.
async fn slow() -> &'static str {
    tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    "done"
}

// GET /hello
async fn hello(Extension(RequestId(id)): Extension<RequestId>) -> String {
    format!("hello, your request id is {id}")
}

fn app() -> Router {
    Router::new()
        .route("/hello", get(hello))
        .route("/slow", get(slow))
        .layer(middleware::from_fn(request_id_and_timing))
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin axum4`, then `curl -i localhost:3000/hello`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app()).await.unwrap();
}
