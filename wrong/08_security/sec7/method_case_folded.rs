// wrong: compares method names ignoring case
// expect: names case-sensitive
//! # CSRF: a token for every form
//!
//! The browser sends a site's cookies with every request *to* that site, even
//! when the request comes from another site. A page on `evil.example` can hold
//! a form that posts itself to `https://bank.example/settings` with
//! `email=attacker@evil.example`: the victim's browser adds the session cookie,
//! and the server sees a logged-in request. This is Cross-Site Request Forgery.
//! The primary defence is a token (below) or a check of where the request
//! comes from (`Origin`, `Sec-Fetch-Site`). `SameSite=Lax` (sec6) is defence in
//! depth on top: it keeps the cookie off cross-site POSTs, but not off a
//! cross-site top-level GET, and a sibling subdomain counts as the same site.
//!
//! The synchronizer token pattern: each session gets a random token, kept on
//! the server. Every form of the site carries it in a hidden field
//! (`<input type="hidden" name="csrf_token" value="...">`), JavaScript clients
//! send it in an `X-CSRF-Token` header, and every request with an *unsafe*
//! method must bring the token of its own session, or be refused with
//! `403 Forbidden` before it does anything. The attacker's page can make the
//! browser send a request, but cannot read our pages (the same-origin policy),
//! so it cannot know the token.
//!
//! Which methods are unsafe? Every one that is not safe. RFC 9110 §9.2.1 names
//! the safe ones: GET, HEAD, OPTIONS and TRACE; they change nothing and are not
//! checked (which is also why a GET must never change state). POST, PUT, PATCH
//! and DELETE are unsafe, and so is a method you have never heard of
//! (`PURGE`, `PROPFIND`, any token a client invents): write an allow-list of
//! the safe methods, never a deny-list of the unsafe ones. Method names are
//! case-sensitive (§9.1): `get` is not `GET`, and not safe.
//!
//! Compare tokens in constant time. `==` on strings stops at the first
//! different byte, so a wrong guess with a right first byte takes a little
//! longer; measured over many requests, that reveals the token byte by byte.
//! The course provides `constant_time_eq` (with `subtle::ConstantTimeEq`,
//! which looks at every byte whatever they hold) and puts it in the state as
//! `state.compare`: decide with it, and with nothing else. No test can time a
//! comparison, so the tests replace `state.compare` with one that counts its
//! calls and check that every submitted token goes through it and that its
//! answer is the verdict. The length is not secret (every token has 64 hex
//! digits), but a token of another length must never match. As defence in
//! depth, servers also check the `Origin` and `Sec-Fetch-Site` headers (OWASP,
//! "Fetch Metadata").
//!
//! Read more:
//! https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html,
//! https://docs.rs/subtle/2/subtle/trait.ConstantTimeEq.html, RFC 9110 §9.1 and §9.2.1.

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::{self, Next},
    response::{Html, IntoResponse, Response},
    routing::{get, put},
};
use rand::RngCore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;

const FORM_FIELD: &str = "csrf_token";
const HEADER: &str = "x-csrf-token";
/// The largest form body read in search of the token; a larger one has none.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// How tokens are compared: `constant_time_eq`, or what a test puts in its place.
type Compare = Arc<dyn Fn(&[u8], &[u8]) -> bool + Send + Sync>;

/// Provided: do the bytes match? In constant time for equal lengths, and never for
/// different lengths (the length of a token is not secret).
fn constant_time_eq(expected: &[u8], submitted: &[u8]) -> bool {
    bool::from(expected.ct_eq(submitted))
}

struct Session {
    csrf_token: String,
    email: String,
}

struct AppState {
    sessions: Mutex<HashMap<String, Session>>,
    /// Compares a session's token (first) with a submitted one.
    compare: Compare,
}

impl Default for AppState {
    fn default() -> AppState {
        AppState {
            sessions: Mutex::default(),
            compare: Arc::new(constant_time_eq),
        }
    }
}

fn random_hex(bytes: usize) -> String {
    let mut random = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut random);
    random.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl AppState {
    /// Starts a session (as a login would): answers its id and CSRF token.
    fn log_in(&self, email: &str) -> (String, String) {
        let (id, csrf_token) = (random_hex(16), random_hex(32));
        let session = Session {
            csrf_token: csrf_token.clone(),
            email: email.to_string(),
        };
        self.sessions.lock().unwrap().insert(id.clone(), session);
        (id, csrf_token)
    }
}

/// The session id in the `session` cookie (as in sec6).
fn session_id(headers: &HeaderMap) -> Option<&str> {
    let values = headers.get_all(header::COOKIE).iter();
    let mut pairs = values
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'));
    let pair = pairs.find_map(|p| p.trim().split_once('=').filter(|(n, _)| *n == "session"));
    pair.map(|(_, value)| value)
}

/// The field `name` of a form body (`a=1&b=2`), percent-decoded.
fn form_field(body: &str, name: &str) -> Option<String> {
    let (_, value) = body
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(n, _)| *n == name)?;
    let mut bytes = value.replace('+', " ").into_bytes().into_iter();
    let mut decoded = Vec::new();
    while let Some(byte) = bytes.next() {
        let hex = |b: Option<u8>| char::from(b.unwrap_or(b'?')).to_digit(16);
        match byte {
            b'%' => decoded.push((hex(bytes.next())? * 16 + hex(bytes.next())?) as u8),
            byte => decoded.push(byte),
        }
    }
    String::from_utf8(decoded).ok()
}

/// The token the request submits: the `X-CSRF-Token` header, or else the
/// `csrf_token` field of a form body. Answers the request (its body put back).
async fn submitted_token(request: Request) -> (Request, Option<String>) {
    if let Some(token) = request.headers().get(HEADER) {
        let token = token.to_str().ok().map(str::to_string);
        return (request, token);
    }
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_FORM_BYTES).await.unwrap_or_default();
    let token = form_field(&String::from_utf8_lossy(&body), FORM_FIELD);
    (Request::from_parts(parts, Body::from(body)), token)
}

fn is_safe(method: &Method) -> bool {
    let safe = ["GET", "HEAD", "OPTIONS", "TRACE"];
    safe.iter()
        .any(|name| method.as_str().eq_ignore_ascii_case(name))
}

/// Runs before every handler: unsafe requests without their session's token
/// are refused.
async fn csrf_guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if is_safe(request.method()) {
        return next.run(request).await;
    }
    let (request, submitted) = submitted_token(request).await;
    let expected = {
        let sessions = state.sessions.lock().unwrap();
        let session = session_id(request.headers()).and_then(|id| sessions.get(id));
        session.map(|session| session.csrf_token.clone())
    };
    match (expected, submitted) {
        (Some(expected), Some(submitted))
            if (state.compare)(expected.as_bytes(), submitted.as_bytes()) =>
        {
            next.run(request).await
        }
        _ => (StatusCode::FORBIDDEN, "missing or invalid CSRF token").into_response(),
    }
}

/// Runs `change` on the request's session; 401 without one.
fn with_session(
    state: &AppState,
    headers: &HeaderMap,
    change: impl FnOnce(&mut Session) -> Response,
) -> Response {
    let mut sessions = state.sessions.lock().unwrap();
    match session_id(headers).and_then(|id| sessions.get_mut(id)) {
        Some(session) => change(session),
        None => (StatusCode::UNAUTHORIZED, "log in first").into_response(),
    }
}

// GET /settings: the form, which carries the session's token.
async fn show_settings(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    with_session(&state, &headers, |session| {
        let (email, token) = (&session.email, &session.csrf_token);
        let email = email
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;");
        Html(format!(
            "<form method=\"post\" action=\"/settings\">\n\
             <input type=\"hidden\" name=\"{FORM_FIELD}\" value=\"{token}\">\n\
             <input name=\"email\" value=\"{email}\"> <button>Save</button>\n</form>\n"
        ))
        .into_response()
    })
}

// POST /settings, from the form: `email=...&csrf_token=...`
async fn save_settings(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let email = form_field(&body, "email").unwrap_or_default();
    with_session(&state, &headers, |session| {
        session.email = email;
        "saved".into_response()
    })
}

// PUT, PATCH or DELETE /settings/email, from JavaScript: the body is the
// new email (none for DELETE).
async fn set_email(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    with_session(&state, &headers, |session| {
        session.email = body;
        StatusCode::NO_CONTENT.into_response()
    })
}

fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/settings", get(show_settings).post(save_settings))
        .route(
            "/settings/email",
            put(set_email).patch(set_email).delete(set_email),
        )
        .layer(middleware::from_fn_with_state(state.clone(), csrf_guard))
        .with_state(state)
}

#[tokio::main]
async fn main() {
    let state = Arc::new(AppState::default());
    let (id, _) = state.log_in("alice@example.com");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    let address = listener.local_addr().unwrap();
    println!("try: curl -i {address}/settings -H 'cookie: session={id}'");
    axum::serve(listener, app(state)).await.unwrap();
}
