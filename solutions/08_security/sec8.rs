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
        if !scheme.eq_ignore_ascii_case("bearer") {
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

// not graded: binds port 3000 and serves for ever; the tests call `app`
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{any_case, edge_u64};
    use axum::body::{Body, Bytes, to_bytes};
    use axum::http::Request;
    use hyper::body::Frame;
    use proptest::prelude::*;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};
    use tower::ServiceExt;

    const ALICE: &str = "Bearer mF_9.B5f-4.1JqM";

    struct Reply {
        status: StatusCode,
        headers: axum::http::HeaderMap,
        body: String,
    }

    async fn send(app: Router, method: &str, uri: &str, auth: Option<&str>, body: Body) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        request = request.header(header::CONTENT_TYPE, "application/json");
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let response = app.oneshot(request.body(body).unwrap());
        // Virtual time in the paused tests: a long guard against a hang.
        let response = tokio::time::timeout(Duration::from_secs(7200), response);
        let response = response.await.expect("no answer at all").unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let body = String::from_utf8_lossy(&body).into_owned();
        Reply {
            status,
            headers,
            body,
        }
    }

    fn note_of(bytes: usize) -> Body {
        let text = "a".repeat(bytes - r#"{"text":""}"#.len());
        Body::from(serde_json::json!({ "text": text }).to_string())
    }

    /// A body of `chunks` KiB of spaces, sent 1 KiB at a time, with no
    /// Content-Length; `pulled` counts the chunks the server read.
    struct Trickle {
        chunks: usize,
        pulled: Arc<AtomicUsize>,
    }

    impl hyper::body::Body for Trickle {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            if self.chunks == 0 {
                return Poll::Ready(None);
            }
            self.chunks -= 1;
            self.pulled.fetch_add(1, Ordering::SeqCst);
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b' '; 1024])))))
        }
    }

    fn challenge(reply: &Reply) -> String {
        let value = reply.headers.get(header::WWW_AUTHENTICATE);
        value
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn every_handler_requires_a_bearer_token() {
        for (method, body) in [("GET", ""), ("POST", r#"{"text":"hi"}"#)] {
            for (auth, invalid) in [
                (None, false),
                (Some("Basic YWxpY2U6aHVudGVyMg=="), false),
                (Some("Bearer mF_9.B5f-4.1JqX"), true),
            ] {
                let reply = send(
                    app(Duration::ZERO),
                    method,
                    "/notes",
                    auth,
                    Body::from(body),
                )
                .await;
                let sent = format!("{method} /notes with Authorization {auth:?}");
                let status = reply.status;
                assert_eq!(
                    status, 401,
                    "{sent} answered {status} {:?}; it should answer 401",
                    reply.body
                );
                let want = match invalid {
                    true => r#"Bearer realm="notes", error="invalid_token""#,
                    false => r#"Bearer realm="notes""#,
                };
                let got = challenge(&reply);
                let why = "a 401 says how to authenticate (RFC 6750 §3)";
                assert_eq!(
                    got, want,
                    "{sent}: WWW-Authenticate should be {want}: {why}"
                );
            }
        }
        let app = app(Duration::ZERO);
        let reply = send(
            app.clone(),
            "POST",
            "/notes",
            Some(ALICE),
            Body::from(r#"{"text":"hi"}"#),
        )
        .await;
        let (status, body) = (reply.status, &reply.body);
        assert_eq!(
            status, 201,
            "POST /notes with alice's token answered {status} {body:?}"
        );
        assert!(
            body.contains(r#""owner":"alice""#),
            "the note should be alice's: {body}"
        );
        let bob = "bearer 2YotnFZFEjr1zCsicMWpAA";
        let reply = send(app, "GET", "/notes", Some(bob), Body::empty()).await;
        let why = "the scheme is case-insensitive, and bob sees none of alice's notes";
        assert_eq!(
            (reply.status.as_u16(), reply.body.as_str()),
            (200, "[]"),
            "GET /notes as bob: {why}"
        );
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_413() {
        for (bytes, want) in [(1023, 201), (1024, 201), (1025, 413), (4096, 413)] {
            let reply = send(
                app(Duration::ZERO),
                "POST",
                "/notes",
                Some(ALICE),
                note_of(bytes),
            )
            .await;
            let status = reply.status;
            let why = "the limit is 1024 bytes, that many included";
            let sent = format!("POST /notes with a JSON body of {bytes} bytes");
            assert_eq!(
                status, want,
                "{sent} answered {status}; it should answer {want}: {why}"
            );
        }
    }

    #[tokio::test]
    async fn the_limit_stops_reading_the_body() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let trickle = Trickle {
            chunks: 64,
            pulled: pulled.clone(),
        };
        let reply = send(
            app(Duration::ZERO),
            "POST",
            "/notes",
            Some(ALICE),
            Body::new(trickle),
        )
        .await;
        let (status, read) = (reply.status, pulled.load(Ordering::SeqCst));
        let sent = "POST /notes with a 64 KiB body (no Content-Length)";
        assert_eq!(
            status, 413,
            "{sent} answered {status}; it should answer 413"
        );
        let why =
            "the limit must stop reading at 1 KiB, not check the size once all of it is in memory";
        assert!(
            read <= 2,
            "{sent}: the server read {read} KiB before answering: {why}"
        );
        let pulled = Arc::new(AtomicUsize::new(0));
        let trickle = Trickle {
            chunks: 64,
            pulled: pulled.clone(),
        };
        let reply = send(
            app(Duration::ZERO),
            "POST",
            "/notes",
            None,
            Body::new(trickle),
        )
        .await;
        let read = pulled.load(Ordering::SeqCst);
        let sent = "POST /notes without a token and with a 64 KiB body";
        assert_eq!(reply.status, 401, "{sent} answered {}", reply.status);
        let why = "authentication comes before the body is read";
        assert_eq!(read, 0, "{sent}: the server read {read} KiB of it: {why}");
    }

    #[tokio::test(start_paused = true)]
    async fn slow_requests_end_with_503_after_2_seconds() {
        for (latency, want) in [(1999, 200), (2001, 503), (3_600_000, 503)] {
            let app = app(Duration::from_millis(latency));
            let start = tokio::time::Instant::now();
            let reply = send(app, "GET", "/notes", Some(ALICE), Body::empty()).await;
            let (status, took) = (reply.status, start.elapsed());
            let sent = format!("GET /notes with a database that takes {latency} ms");
            let why = "a request gets 2 s; a server too slow to answer is 503 Service Unavailable \
                       (408 would blame the client for sending its request too slowly)";
            assert_eq!(
                status, want,
                "{sent} answered {status} after {took:?}; it should answer {want}: {why}"
            );
            let limit = Duration::from_millis(latency.min(2000));
            let on_time = took >= limit && took <= limit + Duration::from_millis(10);
            assert!(
                on_time,
                "{sent} answered after {took:?}; it should answer after {limit:?}"
            );
        }
    }

    async fn assert_security_headers(reply: Reply, what: &str) {
        for (name, want) in [
            ("x-content-type-options", "nosniff"),
            ("cache-control", "no-store"),
        ] {
            let got = reply.headers.get(name).map(|v| v.to_str().unwrap());
            let why = "every answer, errors included, carries the security headers";
            let status = reply.status;
            assert_eq!(
                got,
                Some(want),
                "{what} answered {status} without `{name}: {want}`: {why}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_answer_carries_the_security_headers() {
        let fast = || app(Duration::ZERO);
        let hi = || Body::from(r#"{"text":"hi"}"#);
        let reply = send(fast(), "GET", "/notes", Some(ALICE), Body::empty()).await;
        assert_security_headers(reply, "GET /notes").await;
        let reply = send(fast(), "POST", "/notes", Some(ALICE), hi()).await;
        assert_security_headers(reply, "POST /notes").await;
        let reply = send(fast(), "GET", "/notes", None, Body::empty()).await;
        assert_security_headers(reply, "GET /notes without a token").await;
        let reply = send(fast(), "GET", "/nope", Some(ALICE), Body::empty()).await;
        assert_security_headers(reply, "GET /nope (an unknown path)").await;
        let reply = send(fast(), "DELETE", "/notes", Some(ALICE), Body::empty()).await;
        assert_security_headers(reply, "DELETE /notes (a method not allowed)").await;
        let reply = send(fast(), "POST", "/notes", Some(ALICE), note_of(2048)).await;
        assert_security_headers(reply, "POST /notes with a 2 KiB body").await;
        let slow = app(Duration::from_secs(60));
        let reply = send(slow, "GET", "/notes", Some(ALICE), Body::empty()).await;
        assert_security_headers(
            reply,
            "GET /notes with a database that never answers in time",
        )
        .await;
    }

    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        runtime.unwrap().block_on(future)
    }

    /// A body of `data` in chunks of the given sizes, with no Content-Length.
    struct Chunks(Vec<Bytes>);

    impl hyper::body::Body for Chunks {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            match self.0.is_empty() {
                true => Poll::Ready(None),
                false => Poll::Ready(Some(Ok(Frame::data(self.0.remove(0))))),
            }
        }
    }

    /// A token one step away from a valid one: a character changed, added or removed, or
    /// its case changed.
    fn token() -> impl Strategy<Value = (String, bool)> {
        let valid = prop::sample::select(vec!["mF_9.B5f-4.1JqM", "2YotnFZFEjr1zCsicMWpAA"]);
        let near = (
            valid.clone(),
            any::<prop::sample::Index>(),
            "[A-Za-z0-9._~+/-]",
            0..4u8,
        )
            .prop_map(|(token, at, odd, how)| {
                let mut chars: Vec<char> = token.chars().collect();
                let at = at.index(chars.len());
                let odd = odd.chars().next().unwrap();
                match how {
                    0 => chars[at] = odd,
                    1 => chars.insert(at, odd),
                    2 => drop(chars.remove(at)),
                    _ => chars = chars.iter().map(|c| c.to_ascii_lowercase()).collect(),
                }
                let token: String = chars.into_iter().collect();
                let valid = verify_token(&token).is_some();
                (token, valid)
            });
        prop_oneof![
            2 => valid.prop_map(|t| (t.to_string(), true)),
            3 => near,
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        #[test]
        fn the_bearer_scheme_in_any_case_and_only_valid_tokens_get_in(
            scheme in prop_oneof![
                4 => any_case("bearer"),
                1 => Just("Basic".to_string()),
                1 => Just("Bearerx".to_string()),
                1 => Just("Token".to_string()),
            ],
            spaces in 1usize..3,
            (token, valid) in token(),
        ) {
            let auth = format!("{scheme}{}{token}", " ".repeat(spaces));
            let reply = block_on(send(app(Duration::ZERO), "GET", "/notes", Some(&auth), Body::empty()));
            let bearer = scheme.eq_ignore_ascii_case("bearer");
            let want = match (bearer, valid) {
                (true, true) => (200, String::new()),
                (true, false) => (401, r#"Bearer realm="notes", error="invalid_token""#.to_string()),
                (false, _) => (401, r#"Bearer realm="notes""#.to_string()),
            };
            prop_assert_eq!(
                (reply.status.as_u16(), challenge(&reply)),
                want,
                "GET /notes with `Authorization: {}` answered the left (status, \
                 WWW-Authenticate), expected the right: the scheme `Bearer` in any case (RFC \
                 9110 §11.1), then the token, which is valid or not as a whole; another scheme \
                 is no credentials at all (no error=), a bad bearer token is \
                 error=\"invalid_token\" (RFC 6750 §3)",
                auth
            );
            if reply.status == 401 {
                let headers = format!("{:?}", reply.headers);
                prop_assert!(
                    !reply.body.contains(&token) && !headers.contains(&token),
                    "the 401 for `Authorization: {}` repeats the token it refused (body {:?}, \
                     headers {}): a credential, right or wrong, is never echoed",
                    auth, reply.body, headers
                );
            }
        }

        #[test]
        fn a_body_is_refused_past_the_limit_however_it_arrives(
            bytes in prop_oneof![
                2 => edge_u64(3 * MAX_BODY_BYTES as u64).prop_map(|n| n as usize),
                1 => (MAX_BODY_BYTES - 1..=MAX_BODY_BYTES + 1),
            ]
            .prop_map(|n| n.max(r#"{"text":""}"#.len())),
            chunk in prop_oneof![Just(0usize), 1usize..300, Just(MAX_BODY_BYTES)],
        ) {
            let text = "a".repeat(bytes - r#"{"text":""}"#.len());
            let json = serde_json::json!({ "text": text }).to_string();
            // Chunk size 0: one body with a Content-Length; else chunks with none.
            let (body, how) = match chunk {
                0 => (Body::from(json.clone()), "with a Content-Length".to_string()),
                n => {
                    let chunks = json.as_bytes().chunks(n).map(Bytes::copy_from_slice).collect();
                    (Body::new(Chunks(chunks)), format!("in chunks of {n} bytes, no Content-Length"))
                }
            };
            let reply = block_on(send(app(Duration::ZERO), "POST", "/notes", Some(ALICE), body));
            let want = if bytes <= MAX_BODY_BYTES { 201 } else { 413 };
            prop_assert_eq!(
                reply.status.as_u16(),
                want,
                "POST /notes with a JSON body of {} bytes ({}) answered {} {:?}: the limit is \
                 {} bytes, that many included, whether the length is announced or not",
                bytes, how, reply.status, reply.body, MAX_BODY_BYTES
            );
        }

        #[test]
        fn any_answer_carries_the_security_headers(
            method in prop_oneof![
                prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
                    .prop_map(str::to_string),
                "[A-Z]{1,8}",
            ],
            path in prop_oneof![Just("/notes".to_string()), "/[a-z0-9/._-]{0,12}"],
            auth in prop::option::of(Just(ALICE)),
        ) {
            let body = Body::from(r#"{"text":"hi"}"#);
            let reply = block_on(send(app(Duration::ZERO), &method, &path, auth, body));
            for (name, want) in [("x-content-type-options", "nosniff"), ("cache-control", "no-store")] {
                let got = reply.headers.get(name).map(|v| v.to_str().unwrap_or("<not text>"));
                prop_assert_eq!(
                    got,
                    Some(want),
                    "{} {} with Authorization {:?} answered {} without `{}: {}`: every answer, \
                     whatever the method and path, carries the security headers",
                    method, path, auth, reply.status, name, want
                );
            }
        }
    }
}
