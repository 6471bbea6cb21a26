//! # CSRF: a token for every form
//!
//! The browser sends a site's cookies with every request *to* that site, even
//! when the request comes from another site. A page on `evil.example` can hold
//! a form that posts itself to `https://bank.example/settings` with
//! `email=attacker@evil.example`: the victim's browser adds the session cookie,
//! and the server sees a logged-in request. This is Cross-Site Request Forgery.
//! `SameSite=Lax` (sec6) stops most of it, but not from a sibling subdomain,
//! nor in old browsers; OWASP asks for a token as well.
//!
//! The synchronizer token pattern: each session gets a random token, kept on
//! the server. Every form of the site carries it in a hidden field
//! (`<input type="hidden" name="csrf_token" value="...">`), JavaScript clients
//! send it in an `X-CSRF-Token` header, and every request with an *unsafe*
//! method (POST, PUT, PATCH, DELETE: the ones that change things) must bring
//! the token of its own session, or be refused with `403 Forbidden` before it
//! does anything. The attacker's page can make the browser send a request, but
//! cannot read our pages (the same-origin policy), so it cannot know the token.
//! Safe methods (GET, HEAD, OPTIONS) change nothing and are not checked: that
//! is also why a GET must never change state.
//!
//! Compare tokens in constant time. `==` on strings stops at the first
//! different byte, so a wrong guess with a right first byte takes a little
//! longer; measured over many requests, that reveals the token byte by byte.
//! `subtle::ConstantTimeEq` looks at every byte whatever they hold
//! (`a.ct_eq(b)` gives a `Choice`; `bool::from` turns it into a bool). The
//! length is not secret (every token has 64 hex digits), but a token of
//! another length must never match. As defence in depth, servers also check
//! the `Origin` and `Sec-Fetch-Site` headers (OWASP, "Fetch Metadata").
//!
//! Read more:
//! https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html,
//! https://docs.rs/subtle/2/subtle/trait.ConstantTimeEq.html, RFC 9110 §9.2.1 (safe methods).

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

struct Session {
    csrf_token: String,
    email: String,
}

#[derive(Default)]
struct AppState {
    sessions: Mutex<HashMap<String, Session>>,
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
    let body = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let token = form_field(&String::from_utf8_lossy(&body), FORM_FIELD);
    (Request::from_parts(parts, Body::from(body)), token)
}

// TODO: is `method` one of the safe methods, which need no token?
fn is_safe(method: &Method) -> bool {
    todo!("is {method} safe?")
}

// TODO: do the tokens match? In constant time (see the lesson), and never
// when their lengths differ.
fn tokens_match(expected: &str, submitted: &str) -> bool {
    todo!(
        "compare {} bytes with {} bytes",
        expected.len(),
        submitted.len()
    )
}

/// Runs before every handler: unsafe requests without their session's token
/// are refused.
async fn csrf_guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    // TODO: let safe methods through; refuse any other request with 403
    // Forbidden unless it submits (`submitted_token`) exactly the CSRF token
    // of the session its cookie names.
    next.run(request).await
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
        // TODO: the form must carry the session's token in the hidden field
        // `csrf_token`, or the browser cannot send it back.
        let email = &session.email;
        let email = email
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;");
        Html(format!(
            "<form method=\"post\" action=\"/settings\">\n\
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tower::ServiceExt;

    struct Site {
        state: Arc<AppState>,
        session: String,
        token: String,
    }

    fn site() -> Site {
        let state = Arc::new(AppState::default());
        let (session, token) = state.log_in("alice@example.com");
        Site {
            state,
            session,
            token,
        }
    }

    /// Sends `method uri` with alice's session cookie, the header token (if
    /// any) and the body (a form if it has an `=`). Answers (status, body).
    async fn send(
        site: &Site,
        method: &str,
        uri: &str,
        header: Option<&str>,
        body: &str,
    ) -> (StatusCode, String) {
        let cookie = format!("session={}", site.session);
        let mut request = Request::builder().method(method).uri(uri);
        request = request.header(header::COOKIE, cookie);
        if body.contains('=') {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        if let Some(token) = header {
            request = request.header(HEADER, token);
        }
        let request = request.body(Body::from(body.to_string())).unwrap();
        let response = app(site.state.clone()).oneshot(request);
        let response = tokio::time::timeout(Duration::from_secs(5), response);
        let response = response.await.expect("no answer within 5 s").unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    async fn email(site: &Site) -> String {
        let sessions = site.state.sessions.lock().unwrap();
        sessions[&site.session].email.clone()
    }

    async fn assert_refused(
        site: &Site,
        method: &str,
        uri: &str,
        header: Option<&str>,
        body: &str,
        why: &str,
    ) {
        let (status, answer) = send(site, method, uri, header, body).await;
        let sent = format!("{method} {uri} with X-CSRF-Token {header:?} and body {body:?}");
        assert_eq!(
            status, 403,
            "{sent} answered {status} {answer:?}; it should answer 403 Forbidden: {why}"
        );
        let email = email(site).await;
        let changed = "but the request changed the email: refuse before the handler runs";
        assert_eq!(email, "alice@example.com", "{sent} was refused, {changed}");
    }

    #[tokio::test]
    async fn the_form_carries_the_sessions_token() {
        let site = site();
        let (status, body) = send(&site, "GET", "/settings", None, "").await;
        assert_eq!(
            status, 200,
            "GET /settings needs no token, but answered {status}"
        );
        let field = format!("name=\"{FORM_FIELD}\" value=\"{}\"", site.token);
        let why = "the form must carry the session's token in a hidden field";
        assert!(
            body.contains(&field),
            "GET /settings should contain `{field}`: {why}; it was:\n{body}"
        );
    }

    #[tokio::test]
    async fn a_form_with_the_right_token_is_saved() {
        let site = site();
        let body = format!("email=alice%40new.example&{FORM_FIELD}={}", site.token);
        let (status, answer) = send(&site, "POST", "/settings", None, &body).await;
        assert_eq!(
            status, 200,
            "POST /settings with the session's token answered {status} {answer:?}"
        );
        assert_eq!(
            email(&site).await,
            "alice@new.example",
            "the form should have been saved"
        );
    }

    #[tokio::test]
    async fn every_unsafe_method_needs_the_token() {
        let site = site();
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let uri = ["/settings/email", "/settings"][usize::from(method == "POST")];
            let body = ["mallory@evil.example", "email=mallory%40evil.example"]
                [usize::from(method == "POST")];
            let why =
                "every unsafe method (POST, PUT, PATCH, DELETE) must bring the session's token";
            assert_refused(&site, method, uri, None, body, why).await;
        }
        for method in ["PUT", "PATCH", "DELETE"] {
            let (status, answer) = send(
                &site,
                method,
                "/settings/email",
                Some(&site.token),
                "a@b.example",
            )
            .await;
            let sent = format!("{method} /settings/email with the session's token in X-CSRF-Token");
            assert_eq!(
                status, 204,
                "{sent} answered {status} {answer:?}; it should pass"
            );
        }
    }

    #[tokio::test]
    async fn safe_methods_need_no_token() {
        let site = site();
        for method in ["GET", "HEAD", "OPTIONS"] {
            let (status, _) = send(&site, method, "/settings", None, "").await;
            let why = "safe methods change nothing and need no token (RFC 9110 §9.2.1)";
            assert_ne!(
                status, 403,
                "{method} /settings without a token answered 403: {why}"
            );
        }
    }

    #[tokio::test]
    async fn a_wrong_token_is_refused() {
        let site = site();
        let other = site.state.log_in("mallory@evil.example").1;
        let token = &site.token;
        let mut flipped = token.clone().into_bytes();
        flipped[63] = if flipped[63] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        let cases = [
            (String::new(), "the token is empty"),
            (other, "that is the token of another session"),
            (flipped, "the last digit differs"),
            (token[..32].to_string(), "only the first half of the token"),
            (token[..1].to_string(), "only the first digit of the token"),
            (format!("{token}0"), "the token with one more digit"),
            (
                token.to_ascii_uppercase(),
                "tokens are compared exactly, case included",
            ),
        ];
        for (wrong, why) in &cases {
            let body = format!("email=mallory%40evil.example&{FORM_FIELD}={wrong}");
            assert_refused(&site, "POST", "/settings", None, &body, why).await;
            assert_refused(&site, "DELETE", "/settings/email", Some(wrong), "", why).await;
        }
        let why = "the form has no csrf_token field";
        assert_refused(
            &site,
            "POST",
            "/settings",
            None,
            "email=mallory%40evil.example",
            why,
        )
        .await;
    }

    #[tokio::test]
    async fn a_token_without_its_session_is_refused() {
        let site = site();
        let request = Request::delete("/settings/email").header(HEADER, &site.token);
        let request = request.body(Body::empty()).unwrap();
        let response = app(site.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let why = "without a session cookie there is no token to compare with";
        assert_eq!(
            status, 403,
            "DELETE /settings/email with a token but no session answered {status}: {why}"
        );
    }
}
