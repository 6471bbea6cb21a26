// wrong: server-timing uses as_millis(): truncated to whole ms, so fast requests report dur=0
// expect: to the microsecond
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

// TODO: an incoming id is acceptable if it has 1 to 64 characters, each an
// ASCII letter or digit, `-`, `_` or `.`.
fn is_acceptable(id: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    !id.is_empty() && id.len() <= 64 && id.bytes().all(allowed)
}

fn choose_request_id(incoming: Option<&str>) -> String {
    match incoming {
        Some(id) if is_acceptable(id) => id.to_string(),
        _ => new_request_id(),
    }
}

// TODO: finish the middleware; the id is already chosen and given to the
// handlers. Every response, whatever its status, leaves with two headers:
//   x-request-id: <id>
//   server-timing: app;dur=<milliseconds the handler took, e.g. 1.250>
async fn request_id_and_timing(mut req: Request, next: Next) -> Response {
    let incoming = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok());
    let id = choose_request_id(incoming);
    req.extensions_mut().insert(RequestId(id.clone()));

    let start = Instant::now();
    let mut response = next.run(req).await;
    let elapsed = start.elapsed();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, value);
    }
    let timing = format!("app;dur={}", elapsed.as_millis());
    headers.insert(
        "server-timing",
        HeaderValue::from_str(&timing).expect("a number is a valid header value"),
    );
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
