use axum::{
    Json, Router,
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};
use std::io::ErrorKind::WouldBlock;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

const ITEMS: [&str; 3] = ["apple", "banana", "cherry"];

// GET /health: 200 with the JSON {"status":"ok"}
async fn health() -> Response {
    if mutant(1) {
        // The right text, labelled as plain text.
        return r#"{"status":"ok"}"#.into_response();
    }
    Json(json!({ "status": "ok" })).into_response()
}

// POST /reverse: the body's characters in reverse order, as text
async fn reverse(body: String) -> String {
    if mutant(2) {
        // Bytes, not characters: "é" is two bytes, and they end up swapped.
        let bytes: Vec<u8> = body.bytes().rev().collect();
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    body.chars().rev().collect()
}

// GET /items/{id}: item 1, 2 or 3 as {"id":..,"name":..}; any other id is 404
async fn item(Path(id): Path<usize>) -> Response {
    if mutant(6) {
        // `saturating_sub` avoids the underflow, and turns id 0 into item 1.
        if id > ITEMS.len() {
            return not_found().await;
        }
        let name = ITEMS[id.saturating_sub(1)];
        return Json(json!({ "id": id, "name": name })).into_response();
    }
    if mutant(9) {
        // One past the last item slips through the range check.
        if id == 0 || id > ITEMS.len() + 1 {
            return not_found().await;
        }
        let name = ITEMS.get(id - 1).copied().unwrap_or_default();
        return Json(json!({ "id": id, "name": name })).into_response();
    }
    if !(1..=ITEMS.len()).contains(&id) {
        return not_found().await;
    }
    // mutant(5): every item is named like the first one.
    let name = if mutant(5) { ITEMS[0] } else { ITEMS[id - 1] };
    Json(json!({ "id": id, "name": name })).into_response()
}

// Every path that is not routed: 404 with the JSON {"error":"not found"}
async fn not_found() -> Response {
    if mutant(7) {
        // The right status, an empty body.
        return StatusCode::NOT_FOUND.into_response();
    }
    let body = Json(json!({ "error": "not found" }));
    (StatusCode::NOT_FOUND, body).into_response()
}

/// The API. Only POST is routed for /reverse, so axum answers another
/// method with 405 Method Not Allowed and an `Allow: POST` header.
fn app() -> Router {
    let mut reverse_route = post(reverse);
    if mutant(3) {
        // GET runs the handler too.
        reverse_route = reverse_route.get(reverse);
    }
    if mutant(4) {
        // A hand-written 405, without the Allow header axum would add.
        reverse_route = reverse_route.get(|| async { StatusCode::METHOD_NOT_ALLOWED });
    }
    Router::new()
        .route("/health", get(health))
        .route("/reverse", reverse_route)
        .route("/items/{id}", get(item))
        .fallback(not_found)
}

/// Serves the API on `listener` until the process ends.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    if mutant(8) {
        // Returns at once: app() is fine, but nobody serves it.
        drop(listener);
        return Ok(());
    }
    if mutant(10) {
        // A placeholder health check left in: over a socket, /health is 200
        // with the text "ok", not the API's JSON.
        let placeholder = Router::new().route("/health", get(|| async { "ok" }));
        return axum::serve(listener, placeholder).await;
    }
    if mutant(11) {
        // Serves a router without the API's routes: every request is 404.
        return axum::serve(listener, Router::new().fallback(not_found)).await;
    }
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
