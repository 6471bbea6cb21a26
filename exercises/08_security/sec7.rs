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

// TODO: is `method` one of the safe methods, which need no token? Every other
// method, one this server has never heard of included, is unsafe.
fn is_safe(method: &Method) -> bool {
    todo!("is {method} safe?")
}

/// Runs before every handler: unsafe requests without their session's token
/// are refused.
async fn csrf_guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    // TODO: let safe methods through; refuse any other request with 403
    // Forbidden unless it submits (`submitted_token`) exactly the CSRF token
    // of the session its cookie names. Compare the two with `state.compare`
    // (constant time), and decide by its answer alone.
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
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::any_case;
    use proptest::prelude::*;
    use std::time::Duration;
    use tower::ServiceExt;

    struct Site {
        state: Arc<AppState>,
        session: String,
        token: String,
    }

    fn site() -> Site {
        site_with(AppState::default())
    }

    fn site_with(state: AppState) -> Site {
        let state = Arc::new(state);
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
        assert!(
            !answer.contains(&site.token),
            "{sent} was refused with a body that holds the session's token: a refusal must \
             not tell the attacker the token ({answer:?})"
        );
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
        for method in ["GET", "HEAD", "OPTIONS", "TRACE"] {
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

    /// A comparator that records what it was given and answers `answer(expected, submitted)`.
    fn recording(
        answer: fn(&[u8], &[u8]) -> bool,
    ) -> (AppState, Arc<Mutex<Vec<(String, String)>>>) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let compare: Compare = Arc::new(move |a: &[u8], b: &[u8]| {
            let text = |x: &[u8]| String::from_utf8_lossy(x).into_owned();
            seen.lock().unwrap().push((text(a), text(b)));
            answer(a, b)
        });
        let state = AppState {
            sessions: Mutex::default(),
            compare,
        };
        (state, calls)
    }

    /// The token with its last digit changed: as long as the token, and wrong.
    fn flipped(token: &str) -> String {
        let (head, last) = token.split_at(token.len() - 1);
        format!("{head}{}", if last == "0" { "1" } else { "0" })
    }

    #[tokio::test]
    async fn every_submitted_token_goes_through_state_compare() {
        let (state, calls) = recording(constant_time_eq);
        let site = site_with(state);
        let (right, wrong) = (site.token.clone(), flipped(&site.token));
        let form = |token: &str| format!("email=a%40b.example&{FORM_FIELD}={token}");
        let cases = [
            (
                "POST",
                "/settings",
                None,
                form(&right),
                200,
                "the form's right token",
            ),
            (
                "POST",
                "/settings",
                None,
                form(&wrong),
                403,
                "the form's wrong token",
            ),
            (
                "DELETE",
                "/settings/email",
                Some(&right),
                String::new(),
                204,
                "the header's right token",
            ),
            (
                "PUT",
                "/settings/email",
                Some(&wrong),
                "x@y.example".into(),
                403,
                "the header's wrong token",
            ),
        ];
        for (method, uri, header, body, want, what) in cases {
            calls.lock().unwrap().clear();
            let (status, answer) =
                send(&site, method, uri, header.map(|s| s.as_str()), &body).await;
            let submitted = if what.contains("right") {
                &right
            } else {
                &wrong
            };
            let seen = calls.lock().unwrap().clone();
            let pair = |(a, b): &(String, String)| {
                (a == &site.token && b == submitted) || (b == &site.token && a == submitted)
            };
            assert!(
                seen.len() == 1 && pair(&seen[0]),
                "{method} {uri} with {what}: `state.compare` was called {} time(s) with {seen:?}; \
                 expected once, with the session's token and the submitted one. Compare tokens \
                 with `state.compare` (constant time) and nothing else: `==` on the token \
                 leaks, through timing, how many of its first bytes were right",
                seen.len()
            );
            assert_eq!(
                status, want,
                "{method} {uri} with {what} answered {status} {answer:?}, expected {want}"
            );
        }
    }

    #[tokio::test]
    async fn the_answer_of_state_compare_is_the_verdict() {
        let (state, _) = recording(|_, _| true);
        let site = site_with(state);
        let wrong = flipped(&site.token);
        let (status, answer) = send(&site, "DELETE", "/settings/email", Some(&wrong), "").await;
        assert_eq!(
            status, 204,
            "with a `state.compare` that says every token matches, DELETE /settings/email with a \
             token as long as the session's one should pass, but answered {status} {answer:?}: \
             the verdict must be `state.compare`'s alone (an `==` beside it is a comparison \
             that is not constant-time)"
        );
        let (state, _) = recording(|_, _| false);
        let site = site_with(state);
        let token = site.token.clone();
        let (status, answer) = send(&site, "DELETE", "/settings/email", Some(&token), "").await;
        assert_eq!(
            status, 403,
            "with a `state.compare` that says no token matches, DELETE /settings/email with the \
             session's own token should be refused, but answered {status} {answer:?}: the \
             verdict must be `state.compare`'s alone"
        );
    }

    #[tokio::test]
    async fn a_form_body_is_read_up_to_the_limit_and_no_further() {
        let site = site();
        let start = format!("email=a%40b.example&{FORM_FIELD}={}&pad=", site.token);
        const LIMIT: usize = 64 * 1024; // MAX_FORM_BYTES: a form of 64 KiB is read
        let at_limit = format!("{start}{}", "x".repeat(LIMIT - start.len()));
        let (status, answer) = send(&site, "POST", "/settings", None, &at_limit).await;
        assert_eq!(
            status, 200,
            "a form of exactly 64 KiB (MAX_FORM_BYTES, {LIMIT} bytes) with the right token \
             answered {status} {answer:?}: a body at the limit is read whole"
        );
        let over = format!("{at_limit}x");
        let why = "a form one byte over 64 KiB (MAX_FORM_BYTES) is not read in search of a token";
        let (status, answer) = send(&site, "POST", "/settings", None, &over).await;
        assert!(
            status == 403 || status == 413,
            "POST /settings with a body of {LIMIT} + 1 bytes answered {status} \
             {answer:?}; expected 403 or 413: {why}"
        );
    }

    /// Runs a request on a runtime of its own (proptest cases are not async).
    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        runtime.unwrap().block_on(future)
    }

    /// Any method token: a few real ones beside safe ones spelled in another case, and
    /// made-up tokens of capital letters.
    fn unsafe_method() -> impl Strategy<Value = String> {
        let real = [
            "POST", "PUT", "PATCH", "DELETE", "PURGE", "PROPFIND", "MKCOL", "LINK",
        ];
        prop_oneof![
            2 => prop::sample::select(real.to_vec()).prop_map(str::to_string),
            2 => "[A-Z][A-Z_-]{0,9}",
            1 => any_case("get"),
            1 => any_case("head"),
            1 => any_case("options"),
            1 => any_case("trace"),
        ]
        .prop_filter("safe or CONNECT", |m| {
            !["GET", "HEAD", "OPTIONS", "TRACE", "CONNECT"].contains(&m.as_str())
        })
    }

    /// Percent-encodes every byte but the unreserved ones, with hex digits in either case.
    fn form_encode(text: &str, upper: bool) -> String {
        let keep = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
        let encoded = text.bytes().map(|b| match keep(b) {
            true => char::from(b).to_string(),
            false if upper => format!("%{b:02X}"),
            false => format!("%{b:02x}"),
        });
        encoded.collect()
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        #[test]
        fn every_method_but_the_safe_ones_needs_the_token(method in unsafe_method()) {
            block_on(async {
                let site = site();
                let (status, answer) = send(&site, &method, "/settings", None, "a=b").await;
                prop_assert_eq!(
                    status, 403,
                    "{} /settings without a token answered {} {:?}: only GET, HEAD, OPTIONS \
                     and TRACE are safe (RFC 9110 §9.2.1, names case-sensitive, §9.1); every \
                     other method, one you never heard of included, needs the token: an \
                     allow-list of safe methods, not a deny-list of unsafe ones",
                    method, status, answer
                );
                let token = site.token.clone();
                let (status, _) = send(&site, &method, "/settings", Some(&token), "a=b").await;
                prop_assert_ne!(
                    status, 403,
                    "{} /settings with the session's token should pass the CSRF check", method
                );
                Ok(())
            })?;
        }

        #[test]
        fn a_form_token_is_compared_percent_decoded(
            token in prop_oneof![
                "[A-Za-z0-9+/=%&;~._ -]{1,40}",
                crate::generated::tricky_text(1, 12),
            ],
            upper in any::<bool>(),
        ) {
            block_on(async {
                let site = site();
                let session = Session {
                    csrf_token: token.clone(),
                    email: "alice@example.com".into(),
                };
                site.state.sessions.lock().unwrap().insert(site.session.clone(), session);
                let encoded = form_encode(&token, upper);
                let body = format!("email=a%40b.example&{FORM_FIELD}={encoded}");
                let (status, answer) = send(&site, "POST", "/settings", None, &body).await;
                prop_assert_eq!(
                    status, 200,
                    "the session's token is {:?}; the form sends it percent-encoded as {:?} \
                     (as a browser does), which decodes to the same token, but POST /settings \
                     answered {} {:?}",
                    token, encoded, status, answer
                );
                Ok(())
            })?;
        }
    }
}
