// wrong: compares cookie names case-insensitively
// expect: names are case-sensitive
//! # Cookie sessions
//!
//! A browser logs in once and then sends a cookie with every request. The
//! server keeps the session (who is logged in, until when) and gives the
//! browser only its id: `Set-Cookie: session=<id>` (RFC 6265 §4.1); the
//! browser sends it back as `Cookie: theme=dark; session=<id>`. Whoever holds
//! the id *is* the user, so everything about it matters (OWASP Session
//! Management Cheat Sheet):
//! - the id is 128 or more random bits from a cryptographically secure random
//!   generator (`rand::rngs::OsRng`), never a counter or a timestamp: those
//!   can be guessed;
//! - the cookie has `HttpOnly` (scripts cannot read it, so an XSS cannot steal
//!   it), `Secure` (sent over HTTPS only), `SameSite=Lax` and `Path=/`.
//!   `SameSite=Lax` keeps the cookie off most cross-site requests (a form
//!   another site POSTs to you), which makes CSRF harder: defence in depth,
//!   not the defence. It has gaps (a cross-site top-level GET still carries
//!   the cookie, and a sibling subdomain counts as the same site), so the
//!   primary defence against CSRF stays a token or a check of the request's
//!   origin (sec7);
//! - login always issues a NEW id and ends the session the browser came
//!   with. Otherwise an attacker who planted an id in the victim's browser
//!   before login (session fixation) shares the session once the victim logs
//!   in;
//! - logout deletes the session on the server, not only the cookie: a copy
//!   of a deleted cookie must be worthless. The browser drops its cookie when
//!   told `Max-Age=0` with the same name and `Path`;
//! - a session ends after a fixed time (here 30 minutes after login).
//!
//! Without a valid session, `GET /me` answers 401. RFC 9110 §15.5.2 wants a
//! `WWW-Authenticate` challenge with every 401, but there is no standard
//! scheme for cookies: APIs answer a bare 401, pages redirect to the login.
//!
//! A `Cookie` header holds several `name=value` pairs separated by `;` and
//! spaces; several `Cookie` headers may arrive (HTTP/2 splits them). Names are
//! case-sensitive and compared whole: `xsession` is not `session`.
//!
//! Read more: RFC 6265 §4.1 and §5.4,
//! https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use rand::RngCore;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const COOKIE: &str = "session";
/// A session ends this many seconds after login.
const SESSION_SECONDS: u64 = 30 * 60;

/// The time in seconds; the tests use a fake one.
trait Clock: Send + Sync {
    fn now(&self) -> u64;
}

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        let since_epoch = std::time::UNIX_EPOCH.elapsed().unwrap_or_default();
        since_epoch.as_secs()
    }
}

/// Where session ids come from: a secure random generator. The tests use a fake one.
trait Random: Send + Sync {
    fn fill(&self, bytes: &mut [u8]);
}

struct OsRandom;

impl Random for OsRandom {
    // not graded: the real generator; the tests inject their own
    fn fill(&self, bytes: &mut [u8]) {
        rand::rngs::OsRng.fill_bytes(bytes);
    }
}

struct Session {
    user: String,
    expires_at: u64,
}

struct AppState {
    clock: Arc<dyn Clock>,
    random: Arc<dyn Random>,
    sessions: Mutex<HashMap<String, Session>>,
}

#[derive(Deserialize)]
struct Login {
    user: String,
    password: String,
}

/// A stand-in for checking an argon2 hash (auth1).
fn check_password(user: &str, password: &str) -> bool {
    user == "alice" && password == "correct horse battery staple"
}

/// A new session id: 16 random bytes (128 bits) from the operating system's
/// secure generator, as 32 lowercase hex characters.
fn new_session_id(random: &dyn Random) -> String {
    let mut bytes = [0u8; 16];
    random.fill(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The `Set-Cookie` value that gives the browser its session id.
fn session_cookie(id: &str) -> String {
    format!("{COOKIE}={id}; HttpOnly; Secure; SameSite=Lax; Path=/")
}

/// The `Set-Cookie` value that makes the browser drop the session cookie.
fn expired_session_cookie() -> String {
    format!("{COOKIE}=; Max-Age=0; HttpOnly; Secure; SameSite=Lax; Path=/")
}

/// The value of the cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let values = headers.get_all(header::COOKIE).iter();
    let pairs = values.filter_map(|value| value.to_str().ok());
    let mut pairs = pairs.flat_map(|value| value.split(';'));
    let pair = pairs.find_map(|pair| {
        pair.trim()
            .split_once('=')
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
    });
    pair.map(|(_, value)| value)
}

/// The user of the request's session, if it exists and has not expired.
fn current_user(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let id = cookie(headers, COOKIE)?;
    let mut sessions = state.sessions.lock().unwrap();
    let session = sessions.get(id)?;
    if state.clock.now() >= session.expires_at {
        sessions.remove(id);
        return None;
    }
    Some(session.user.clone())
}

// POST /login {"user": "...", "password": "..."}
async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(login): Json<Login>,
) -> Response {
    if !check_password(&login.user, &login.password) {
        return (StatusCode::UNAUTHORIZED, "wrong user or password").into_response();
    }
    let mut sessions = state.sessions.lock().unwrap();
    if let Some(old) = cookie(&headers, COOKIE) {
        sessions.remove(old);
    }
    let id = new_session_id(state.random.as_ref());
    let expires_at = state.clock.now() + SESSION_SECONDS;
    let session = Session {
        user: login.user,
        expires_at,
    };
    sessions.insert(id.clone(), session);
    ([(header::SET_COOKIE, session_cookie(&id))], "logged in").into_response()
}

// POST /logout
async fn logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(id) = cookie(&headers, COOKIE) {
        state.sessions.lock().unwrap().remove(id);
    }
    let set_cookie = [(header::SET_COOKIE, expired_session_cookie())];
    (StatusCode::NO_CONTENT, set_cookie).into_response()
}

// GET /me
async fn me(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    match current_user(&state, &headers) {
        Some(user) => user.into_response(),
        None => (StatusCode::UNAUTHORIZED, "log in first").into_response(),
    }
}

fn app(clock: Arc<dyn Clock>, random: Arc<dyn Random>) -> Router {
    let sessions = Mutex::new(HashMap::new());
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .with_state(Arc::new(AppState {
            clock,
            random,
            sessions,
        }))
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin sec6`, then
    // `curl -i localhost:3000/login -H 'content-type: application/json'
    //  -d '{"user":"alice","password":"correct horse battery staple"}'`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(Arc::new(SystemClock), Arc::new(OsRandom)))
        .await
        .unwrap();
}
