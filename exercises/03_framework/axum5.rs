//! # Testing a router: without a socket and with one
//!
//! A `Router` is a tower `Service`: a function from a request to a future
//! response. So a test can call it directly, without any network:
//! `app().oneshot(request).await` (from `tower::ServiceExt`) runs one request
//! through routing, extractors, handlers and the fallback. That is fast and
//! exact, and it is how most of your tests should look. Build the request
//! with `Request::builder()`, read the body with
//! `axum::body::to_bytes(body, limit)`, and check all three parts of the
//! answer: the status, the headers that carry meaning (`Content-Type`,
//! `Allow`), and the body.
//!
//! What `oneshot` skips is the server: `serve` binding the listener, hyper
//! reading bytes from a socket, writing the status line and `Content-Length`.
//! A few end-to-end tests cover that: bind a `tokio::net::TcpListener` to
//! `127.0.0.1:0` (port 0: the OS picks a free port, so tests can run in
//! parallel), `tokio::spawn(serve(listener))`, and send raw HTTP/1.1 to
//! `listener.local_addr()` with `raw_http` below, as in topic 01. Wrap every
//! wait in `tokio::time::timeout`, so a broken server fails the test instead
//! of hanging it.
//!
//! The API below is finished. Your part: the tests. They must pass against
//! this code and catch the bugs the grader plants in it, so think about what
//! a plausible bug would break: the second item, the id just outside the
//! range, a header and not only the status, the body of an error, text that
//! is not ASCII, a server that never really serves.
//!
//! Read more: https://docs.rs/axum/0.8/axum/serve/fn.serve.html and the
//! axum testing example: https://github.com/tokio-rs/axum/tree/main/examples/testing

use axum::{
    Json, Router,
    extract::Path,
    http::StatusCode,
    routing::{get, post},
};
use serde_json::{Value, json};
use std::io::ErrorKind::WouldBlock;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

const ITEMS: [&str; 3] = ["apple", "banana", "cherry"];

// GET /health: 200 with the JSON {"status":"ok"}
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

// POST /reverse: the body's characters in reverse order, as text
async fn reverse(body: String) -> String {
    body.chars().rev().collect()
}

// GET /items/{id}: item 1, 2 or 3 as {"id":..,"name":..}; any other id is 404
async fn item(Path(id): Path<usize>) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    if !(1..=ITEMS.len()).contains(&id) {
        return Err(not_found().await);
    }
    Ok(Json(json!({ "id": id, "name": ITEMS[id - 1] })))
}

// Every path that is not routed: 404 with the JSON {"error":"not found"}
async fn not_found() -> (StatusCode, Json<Value>) {
    (StatusCode::NOT_FOUND, Json(json!({ "error": "not found" })))
}

/// The API. Only POST is routed for /reverse, so axum answers another
/// method with 405 Method Not Allowed and an `Allow: POST` header.
fn app() -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/reverse", post(reverse))
        .route("/items/{id}", get(item))
        .fallback(not_found)
}

/// Serves the API on `listener` until the process ends.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    axum::serve(listener, app()).await
}

/// Sends `request` (raw HTTP/1.1 bytes) to `addr` on a new connection and
/// returns everything the server sends until it closes the connection. Ask
/// for that with `Connection: close`. Without tokio's `io-util` feature this
/// waits for readiness, then uses `try_write`/`try_read`.
#[cfg_attr(not(test), allow(dead_code))]
async fn raw_http(addr: SocketAddr, request: &str) -> std::io::Result<String> {
    let stream = TcpStream::connect(addr).await?;
    let mut unsent = request.as_bytes();
    while !unsent.is_empty() {
        stream.writable().await?;
        match stream.try_write(unsent) {
            Ok(n) => unsent = &unsent[n..],
            Err(e) if e.kind() == WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    let (mut received, mut buf) = (Vec::new(), [0u8; 4096]);
    loop {
        stream.readable().await?;
        match stream.try_read(&mut buf) {
            Ok(0) => return Ok(String::from_utf8_lossy(&received).into_owned()),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin axum5`, then `curl -i -d hello localhost:3000/reverse`.
    let listener = TcpListener::bind("127.0.0.1:3000").await.unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    serve(listener).await.unwrap();
}

// ---- your tests: write them below ----
#[cfg(test)]
mod tests {
    use super::*;

    // TODO: write tests that pass against the code above and would fail if it
    // broke. Call the router without a socket (`app().oneshot(request)`) and
    // check status, headers and body of each route:
    // - `GET /health`, `POST /reverse`, and `GET /reverse` (refused);
    // - `GET /items/{id}` for the ids that exist and for those just outside;
    // - a path that is not routed at all.
    // Then at least one test over a real socket: `serve` on 127.0.0.1:0,
    // a raw HTTP/1.1 request with `raw_http`, and a check of the bytes that
    // come back. `#[tokio::test]` makes an `async fn` a test.
}
