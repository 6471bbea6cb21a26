//! # Testing a router: without a socket and with one
//!
//! A `Router` is a tower `Service`: a function from a request to a future
//! response. So a test can call it directly, without any network:
//! `app().oneshot(request).await` (from `tower::ServiceExt`) runs one request
//! through routing, extractors, handlers and middleware. That is fast and
//! exact, and it is how most of your tests should look. Read the body with
//! `axum::body::to_bytes(body, limit)`.
//!
//! What `oneshot` skips is the HTTP server: hyper reading bytes from a
//! socket, answering 400 to garbage, writing the status line, adding the
//! `date` header, keeping connections alive. A few end-to-end tests cover that: bind a
//! `tokio::net::TcpListener` to `127.0.0.1:0` (port 0: the OS picks a free
//! port, so tests can run in parallel), run `axum::serve(listener, router)`
//! in a spawned task, and talk to it through a `tokio::net::TcpStream`.
//! The tests below send raw HTTP/1.1, as in topic 01, so you see every byte.
//! Every await that waits for the server is wrapped in
//! `tokio::time::timeout`, so a broken server fails the test instead of
//! hanging it.
//!
//! Your part: build the router the tests check, and serve it.
//!
//! Read more: https://docs.rs/axum/0.8/axum/serve/fn.serve.html and the
//! axum testing example: https://github.com/tokio-rs/axum/tree/main/examples/testing

use axum::{
    Json, Router,
    http::StatusCode,
    routing::{get, post},
};
use serde_json::{Value, json};
use tokio::net::TcpListener;

// GET /health
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

// POST /reverse
// TODO: answer the body backwards: "stressed" -> "desserts".
// A `String` parameter extracts the body as text; a `String` answer is sent
// as `text/plain; charset=utf-8`.
async fn reverse(body: String) -> String {
    todo!("reverse {body:?}")
}

// The answer for every path no route matches.
async fn not_found() -> (StatusCode, Json<Value>) {
    (StatusCode::NOT_FOUND, Json(json!({ "error": "not found" })))
}

// TODO: route `POST /reverse` to `reverse` too, and make `not_found` the
// fallback (`Router::fallback`) for paths no route matches.
fn app() -> Router {
    Router::new().route("/health", get(health))
}

// TODO: serve `app()` on the listener with `axum::serve` and await it.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    todo!("serve app() on {}", listener.local_addr()?)
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin axum5`, then `curl -i -d hello localhost:3000/reverse`.
    let listener = TcpListener::bind("127.0.0.1:3000").await.unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    serve(listener).await.unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, header};
    use std::io::ErrorKind::WouldBlock;
    use std::net::SocketAddr;
    use std::time::Duration;
    use tokio::net::TcpStream;
    use tokio::time::timeout;
    use tower::ServiceExt;

    const FIVE_SECONDS: Duration = Duration::from_secs(5);

    // ---- without a socket: call the router as a tower Service ----

    /// Answers (status, a header's value or "", body).
    async fn call(
        method: &str,
        uri: &str,
        body: &'static str,
        header: header::HeaderName,
    ) -> (u16, String, String) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::from(body))
            .unwrap();
        let response = timeout(FIVE_SECONDS, app().oneshot(request))
            .await
            .expect("no answer within 5 s")
            .unwrap();
        let value = response
            .headers()
            .get(header)
            .map(|v| v.to_str().unwrap().to_string());
        let status = response.status().as_u16();
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        (
            status,
            value.unwrap_or_default(),
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    #[tokio::test]
    async fn health_is_200_json() {
        let (status, content_type, body) = call("GET", "/health", "", header::CONTENT_TYPE).await;
        assert_eq!(
            status, 200,
            "GET /health should answer 200, but answered {status} with {body:?}"
        );
        assert_eq!(
            content_type, "application/json",
            "GET /health should answer JSON"
        );
        assert_eq!(
            body, r#"{"status":"ok"}"#,
            "GET /health answered the wrong body"
        );
    }

    #[tokio::test]
    async fn reverse_answers_the_body_backwards() {
        let (status, content_type, body) =
            call("POST", "/reverse", "stressed", header::CONTENT_TYPE).await;
        assert_eq!(
            status, 200,
            "POST /reverse should answer 200, but answered {status} with {body:?}"
        );
        assert_eq!(
            content_type, "text/plain; charset=utf-8",
            "POST /reverse should answer text (a String)"
        );
        assert_eq!(
            body, "desserts",
            "POST /reverse with \"stressed\" should answer \"desserts\""
        );
    }

    #[tokio::test]
    async fn get_on_reverse_is_405_with_allow() {
        let (status, allow, _) = call("GET", "/reverse", "", header::ALLOW).await;
        assert_eq!(
            status, 405,
            "GET /reverse should answer 405 Method Not Allowed (only POST is routed), but answered {status}"
        );
        assert_eq!(
            allow, "POST",
            "a 405 answer must list the allowed methods in Allow"
        );
    }

    #[tokio::test]
    async fn unknown_path_is_404_json() {
        let (status, content_type, body) = call("GET", "/nope", "", header::CONTENT_TYPE).await;
        assert_eq!(
            status, 404,
            "GET /nope should answer 404, but answered {status}"
        );
        assert_eq!(
            content_type, "application/json",
            "the 404 should be JSON (from the fallback handler)"
        );
        assert_eq!(
            body, r#"{"error":"not found"}"#,
            "GET /nope answered the wrong body"
        );
    }

    // ---- with a real socket: raw HTTP/1.1 over TCP ----

    /// Starts `serve` on a free port of 127.0.0.1, sends `request` over a new
    /// connection and reads until the server closes it. Without tokio's
    /// `io-util` feature we use readiness: wait until the socket is
    /// writable/readable, then `try_write`/`try_read`.
    async fn exchange(request: &str) -> std::io::Result<String> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        tokio::spawn(serve(listener));
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

    /// `exchange` with a time limit; header names are lowercased.
    async fn over_socket(request: &str) -> String {
        let answer = timeout(FIVE_SECONDS, exchange(request))
            .await
            .expect("the server did not answer and close within 5 s");
        let answer = answer.unwrap_or_else(|e| {
            panic!("could not talk to the server ({e}); does serve() run axum::serve?")
        });
        assert!(
            !answer.is_empty(),
            "the server closed the connection without an answer; does serve() run axum::serve?"
        );
        answer.to_lowercase()
    }

    #[tokio::test]
    async fn health_over_a_real_socket() {
        let answer =
            over_socket("GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").await;
        assert!(
            answer.starts_with("http/1.1 200 ok\r\n"),
            "GET /health over TCP should start with the status line HTTP/1.1 200 OK: {answer:?}"
        );
        assert!(
            answer.contains("\r\ncontent-length: 15\r\n"),
            "the 15-byte body should be framed with content-length: 15: {answer:?}"
        );
        assert!(
            answer.contains("\r\ndate: "),
            "hyper adds a date header, which oneshot never shows: {answer:?}"
        );
        assert!(
            answer.ends_with("\r\n\r\n{\"status\":\"ok\"}"),
            "the body should follow the blank line: {answer:?}"
        );
    }

    #[tokio::test]
    async fn reverse_over_a_real_socket() {
        let request = "POST /reverse HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
        let answer = over_socket(request).await;
        assert!(
            answer.starts_with("http/1.1 200 ok\r\n"),
            "POST /reverse over TCP should answer 200: {answer:?}"
        );
        assert!(
            answer.ends_with("\r\n\r\nolleh"),
            "POST /reverse with the body hello should answer olleh: {answer:?}"
        );
    }

    #[tokio::test]
    async fn garbage_is_answered_400_by_the_server() {
        let answer = over_socket("HELLO?\r\n\r\n").await;
        assert!(
            answer.starts_with("http/1.1 400 bad request\r\n"),
            "hyper itself should answer 400 to bytes that are not HTTP, before any router runs: {answer:?}"
        );
    }
}
