// wrong: compares origins ignoring case
// expect: compare bytes
//! # CORS and security headers
//!
//! A browser lets a page read a response from another origin (scheme, host and
//! port: `https://app.example.com` is not `http://app.example.com`, nor
//! `https://app.example.com:8443`) only if the response says so. That is CORS,
//! the Fetch standard's "CORS protocol":
//! - The browser sends `Origin: https://app.example.com` (the serialized origin:
//!   lowercase host, no default port, no path). If it is on your allow-list, answer
//!   `Access-Control-Allow-Origin` with that exact origin, and
//!   `Access-Control-Allow-Credentials: true` if cookies or `Authorization` may be
//!   sent. Never `*` with credentials (browsers refuse it), and never echo an
//!   origin you did not check. Compare the whole string, byte for byte, as the
//!   browser's check does: `starts_with` lets `https://app.example.com.evil.com`
//!   in, and `null` (sandboxed pages, files) is never a friend.
//! - A "non-simple" request (a `DELETE`, a JSON body, an `Authorization` header)
//!   is first *preflighted*: `OPTIONS` with `Access-Control-Request-Method` and
//!   `Access-Control-Request-Headers` (a comma-separated list of header names, any
//!   case). Allowed: `204 No Content` with `Access-Control-Allow-Methods`,
//!   `-Allow-Headers` and `-Max-Age` (how long the browser may cache the answer).
//! - A response whose headers depend on `Origin` must say `Vary: Origin`, on the
//!   allowed path *and* the refused one, or a cache in between serves one origin's
//!   answer to another.
//!
//! CORS relaxes the browser's same-origin policy; it does not protect your
//! server (curl sends any `Origin`). Authentication does that.
//!
//! Every response of an API, errors included, should also carry (OWASP HTTP Headers
//! Cheat Sheet): `X-Content-Type-Options: nosniff` (do not guess a content type),
//! `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` (a JSON API
//! loads nothing and is framed by no one), `Referrer-Policy: no-referrer`, and
//! `Cache-Control: no-store` (private data stays out of caches).
//!
//! Read more: https://fetch.spec.whatwg.org/#http-cors-protocol,
//! https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html

use axum::{
    Json, Router,
    extract::{Path, Request},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{delete, get},
};
use serde::Deserialize;
use serde_json::{Value, json};

const ALLOWED_ORIGINS: [&str; 2] = ["https://app.example.com", "http://localhost:3000"];
const ALLOWED_METHODS: [&str; 3] = ["GET", "POST", "DELETE"];
/// Lowercase: header names ignore case.
const ALLOWED_HEADERS: [&str; 2] = ["content-type", "authorization"];
const MAX_AGE_SECONDS: &str = "600";

#[derive(Deserialize)]
struct NewNote {
    text: String,
}

async fn list_notes() -> Json<Value> {
    Json(json!([{"id": 1, "text": "buy milk"}]))
}

async fn create_note(Json(note): Json<NewNote>) -> (StatusCode, Json<Value>) {
    (
        StatusCode::CREATED,
        Json(json!({"id": 2, "text": note.text})),
    )
}

async fn delete_note(Path(id): Path<u64>) -> StatusCode {
    if id == 1 {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

/// The value of header `name` as text, if it is there and is text.
fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Is `origin` on the allow-list?
fn is_allowed_origin(origin: &str) -> bool {
    ALLOWED_ORIGINS
        .iter()
        .any(|allowed| origin.eq_ignore_ascii_case(allowed))
}

/// Answers a preflight request (its `Origin` and `Access-Control-Request-Method` are there).
fn preflight(headers: &HeaderMap) -> Response {
    let origin = header_str(headers, "origin").unwrap_or("");
    let method = header_str(headers, "access-control-request-method").unwrap_or("");
    // Absent is no header asked for; a value that is not text names none we allow.
    let requested = headers.get("access-control-request-headers");
    let requested = requested.map_or(Some(""), |value| value.to_str().ok());
    let Some(requested) = requested else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let headers_ok = requested
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .all(|name| ALLOWED_HEADERS.contains(&name.as_str()));
    if !is_allowed_origin(origin) || !ALLOWED_METHODS.contains(&method) || !headers_ok {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    let allow = |value: &str| HeaderValue::from_str(value).unwrap();
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow(origin));
    out.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, allow("true"));
    let methods = allow(&ALLOWED_METHODS.join(", "));
    out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
    let headers = allow(&ALLOWED_HEADERS.join(", "));
    out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, headers);
    out.insert(header::ACCESS_CONTROL_MAX_AGE, allow(MAX_AGE_SECONDS));
    response
}

/// The CORS middleware: answers preflights, and tells the browser who may read responses.
async fn cors(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let origin = header_str(headers, "origin").map(str::to_string);
    let is_preflight = request.method() == Method::OPTIONS
        && origin.is_some()
        && headers.contains_key("access-control-request-method");
    let mut response = if is_preflight {
        preflight(headers)
    } else {
        next.run(request).await
    };
    let out = response.headers_mut();
    out.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin.filter(|origin| is_allowed_origin(origin)) {
        if !is_preflight {
            let origin = HeaderValue::from_str(&origin).unwrap();
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            let credentials = HeaderValue::from_static("true");
            out.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, credentials);
        }
    }
    response
}

/// Adds the security headers to every response.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let out = response.headers_mut();
    let nosniff = HeaderValue::from_static("nosniff");
    out.insert(header::X_CONTENT_TYPE_OPTIONS, nosniff);
    let policy = HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'");
    out.insert(header::CONTENT_SECURITY_POLICY, policy);
    out.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn app() -> Router {
    Router::new()
        .route("/notes", get(list_notes).post(create_note))
        .route("/notes/{id}", delete(delete_note))
        .layer(middleware::from_fn(cors))
        .layer(middleware::from_fn(security_headers))
}

#[tokio::main]
async fn main() {
    // Try: curl -i -X OPTIONS -H 'Origin: https://app.example.com' \
    //   -H 'Access-Control-Request-Method: DELETE' http://127.0.0.1:3000/notes/1
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app()).await.unwrap();
}
