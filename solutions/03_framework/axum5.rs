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

// not graded: a demo server on port 3000; the learner's tests call `serve` on their own listener
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
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, header};
    use std::time::Duration;
    use tokio::time::timeout;
    use tower::ServiceExt;

    const FIVE_SECONDS: Duration = Duration::from_secs(5);

    struct Reply {
        status: u16,
        headers: header::HeaderMap,
        body: String,
    }

    impl Reply {
        fn header(&self, name: header::HeaderName) -> &str {
            let value = self.headers.get(name).map(|v| v.to_str().unwrap());
            value.unwrap_or_default()
        }
    }

    /// One request through the router, without a socket.
    async fn call(method: &str, uri: &str, body: &'static str) -> Reply {
        let request = Request::builder().method(method).uri(uri);
        let request = request.body(Body::from(body)).unwrap();
        let response = timeout(FIVE_SECONDS, app().oneshot(request))
            .await
            .expect("no answer within 5 s")
            .unwrap();
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        let body = String::from_utf8_lossy(&body).into_owned();
        Reply {
            status,
            headers,
            body,
        }
    }

    #[tokio::test]
    async fn health_is_200_json() {
        let reply = call("GET", "/health", "").await;
        assert_eq!(reply.status, 200, "GET /health");
        let content_type = reply.header(header::CONTENT_TYPE);
        assert_eq!(content_type, "application/json", "GET /health is JSON");
        assert_eq!(reply.body, r#"{"status":"ok"}"#, "GET /health body");
    }

    #[tokio::test]
    async fn reverse_reverses_characters_not_bytes() {
        for (text, reversed) in [("stressed", "desserts"), ("héllo wörld", "dlröw olléh")] {
            let reply = call("POST", "/reverse", text).await;
            assert_eq!(reply.status, 200, "POST /reverse {text}");
            assert_eq!(reply.body, reversed, "POST /reverse {text}");
        }
    }

    #[tokio::test]
    async fn get_on_reverse_is_405_with_allow() {
        let reply = call("GET", "/reverse", "").await;
        assert_eq!(reply.status, 405, "only POST is routed for /reverse");
        assert_eq!(
            reply.header(header::ALLOW),
            "POST",
            "a 405 lists the methods"
        );
    }

    #[tokio::test]
    async fn every_item_by_its_id() {
        for (id, name) in [(1, "apple"), (2, "banana"), (3, "cherry")] {
            let reply = call("GET", &format!("/items/{id}"), "").await;
            assert_eq!(reply.status, 200, "GET /items/{id}");
            let body: Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(body, json!({"id": id, "name": name}), "GET /items/{id}");
        }
    }

    #[tokio::test]
    async fn ids_just_outside_the_range_and_unknown_paths_are_404_json() {
        for uri in ["/items/0", "/items/4", "/nope"] {
            let reply = call("GET", uri, "").await;
            assert_eq!(reply.status, 404, "GET {uri}");
            assert_eq!(reply.body, r#"{"error":"not found"}"#, "GET {uri}");
        }
    }

    #[tokio::test]
    async fn health_over_a_real_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener));
        let request = "GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
        let answer = timeout(FIVE_SECONDS, raw_http(addr, request))
            .await
            .expect("the server did not answer and close within 5 s")
            .expect("could not talk to the server: does serve() serve?");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer:?}");
        let answer = answer.to_ascii_lowercase();
        assert!(answer.contains("\r\ncontent-length: 15\r\n"), "{answer:?}");
        assert!(
            answer.ends_with("\r\n\r\n{\"status\":\"ok\"}"),
            "{answer:?}"
        );
    }
}
