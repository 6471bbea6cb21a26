//! # Cookie sessions
//!
//! A browser logs in once and then sends a cookie with every request. The
//! server keeps the session (who is logged in, until when) and gives the
//! browser only its id: `Set-Cookie: session=<id>` (RFC 6265 §4.1); the
//! browser sends it back as `Cookie: theme=dark; session=<id>`. Whoever holds
//! the id *is* the user, so everything about it matters (OWASP Session
//! Management Cheat Sheet):
//! - the id is 128 or more random bits from a cryptographically secure random
//!   generator (`rand::rngs::OsRng`, which asks the operating system), never a
//!   counter, a timestamp or a generator seeded with one: those can be
//!   guessed. Here the course hands the generator to the app (`OsRandom`, in
//!   `AppState::random`) and the tests hand it one of their own, so they can
//!   check that every bit of an id comes from it, unchanged (a test cannot
//!   tell good randomness from bad by looking at the output);
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

// TODO: a counter is guessable: whoever sees their own id knows the next
// ones. Make each id 128 random bits (or more), all of them from `random` (the
// secure generator the app was given), written as lowercase hex digits.
fn new_session_id(random: &dyn Random) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{n:032x}")
}

// TODO: give the session cookie the four protections of the lesson.
fn session_cookie(id: &str) -> String {
    format!("{COOKIE}={id}")
}

// TODO: the value of the cookie named exactly `name`, in any of the request's
// `Cookie` headers, each of which may hold several `name=value` pairs.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    todo!(
        "find the cookie {name:?} in {} Cookie headers",
        headers.get_all(header::COOKIE).iter().count()
    )
}

/// The user of the request's session, if it exists and has not expired.
fn current_user(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let id = cookie(headers, COOKIE)?;
    let mut sessions = state.sessions.lock().unwrap();
    let session = sessions.get(id)?;
    // TODO: a session ends SESSION_SECONDS after login (`expires_at`).
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
    // TODO: a login must always start a session with a new id, and end the
    // session the browser came with (session fixation).
    let id = match cookie(&headers, COOKIE) {
        Some(id) => id.to_string(),
        None => new_session_id(state.random.as_ref()),
    };
    let expires_at = state.clock.now() + SESSION_SECONDS;
    let session = Session {
        user: login.user,
        expires_at,
    };
    sessions.insert(id.clone(), session);
    ([(header::SET_COOKIE, session_cookie(&id))], "logged in").into_response()
}

// POST /logout
// TODO: end the session on the server, and tell the browser to drop its cookie.
async fn logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    StatusCode::NO_CONTENT.into_response()
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::any_case;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;
    use tower::ServiceExt;

    const LOGIN_AT: u64 = 1_700_000_000;
    const PASSWORD: &str = "correct horse battery staple";

    struct FakeClock(AtomicU64);

    impl Clock for FakeClock {
        fn now(&self) -> u64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    struct Reply {
        status: StatusCode,
        set_cookie: Vec<String>,
        body: String,
    }

    async fn send(app: &Router, uri: &str, cookies: &[&str], password: Option<&str>) -> Reply {
        let mut request = match password {
            Some(_) => Request::post(uri).header(header::CONTENT_TYPE, "application/json"),
            None if uri == "/me" => Request::get(uri),
            None => Request::post(uri),
        };
        for cookie in cookies {
            request = request.header(header::COOKIE, *cookie);
        }
        let body = password.map(|p| serde_json::json!({"user": "alice", "password": p}));
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_default();
        let response = app.clone().oneshot(request.body(body).unwrap());
        let response = tokio::time::timeout(Duration::from_secs(5), response);
        let response = response.await.expect("no answer within 5 s").unwrap();
        let set_cookie = response.headers().get_all(header::SET_COOKIE).iter();
        let set_cookie = set_cookie
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let status = response.status();
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        let body = String::from_utf8_lossy(&body).into_owned();
        Reply {
            status,
            set_cookie,
            body,
        }
    }

    fn new_app() -> (Router, Arc<FakeClock>) {
        let clock = Arc::new(FakeClock(AtomicU64::new(LOGIN_AT)));
        (app(clock.clone(), Arc::new(OsRandom)), clock)
    }

    /// A stand-in generator: hands out `bytes` in a cycle and records all it gave.
    struct FakeRandom {
        bytes: Vec<u8>,
        given: Mutex<Vec<u8>>,
    }

    impl Random for FakeRandom {
        fn fill(&self, out: &mut [u8]) {
            let mut given = self.given.lock().unwrap();
            for byte in out.iter_mut() {
                *byte = self.bytes[given.len() % self.bytes.len()];
                given.push(*byte);
            }
        }
    }

    impl FakeRandom {
        /// The bytes given since the last call, as lowercase hex.
        fn take_hex(&self) -> (usize, String) {
            let given = std::mem::take(&mut *self.given.lock().unwrap());
            let hex = given.iter().map(|b| format!("{b:02x}")).collect();
            (given.len(), hex)
        }
    }

    /// Logs alice in, sending `cookies`, and answers the Set-Cookie header.
    async fn log_in(app: &Router, cookies: &[&str]) -> String {
        let reply = send(app, "/login", cookies, Some(PASSWORD)).await;
        let (status, set_cookie) = (reply.status, &reply.set_cookie);
        assert_eq!(
            status, 200,
            "a login with the right password should answer 200"
        );
        let [set_cookie] = &set_cookie[..] else {
            panic!("a login should send one Set-Cookie header, but sent {set_cookie:?}");
        };
        set_cookie.clone()
    }

    /// The session id in a `Set-Cookie: session=<id>; ...` value.
    fn id_of(set_cookie: &str) -> String {
        let pair = set_cookie.split(';').next().unwrap_or_default();
        let id = pair.strip_prefix("session=");
        let why = "should start with session=<the id>";
        id.unwrap_or_else(|| panic!("Set-Cookie: {set_cookie} {why}"))
            .to_string()
    }

    async fn assert_me(app: &Router, cookies: &[&str], want: u16, why: &str) {
        let reply = send(app, "/me", cookies, None).await;
        let (status, body) = (reply.status, reply.body);
        let sent = format!("GET /me with Cookie headers {cookies:?}");
        assert_eq!(
            status, want,
            "{sent} answered {status} {body:?}; it should answer {want}: {why}"
        );
        if want == 200 {
            assert_eq!(body, "alice", "{sent} should answer alice's name");
        }
    }

    #[tokio::test]
    async fn login_sets_a_protected_session_cookie() {
        let (app, _) = new_app();
        let set_cookie = log_in(&app, &[]).await;
        let attributes: Vec<String> = set_cookie
            .split(';')
            .map(|a| a.trim().to_ascii_lowercase())
            .collect();
        for (attribute, why) in [
            (
                "httponly",
                "without it any script on the page (an XSS) can read the session id",
            ),
            (
                "secure",
                "without it the browser also sends the session id over plain HTTP",
            ),
            (
                "samesite=lax",
                "without it the cookie goes along with cross-site POSTs (CSRF)",
            ),
            (
                "path=/",
                "the cookie is for the whole site, and logout needs the same Path",
            ),
        ] {
            let found = attributes.iter().any(|a| *a == attribute);
            assert!(found, "Set-Cookie: {set_cookie} lacks `{attribute}`: {why}");
        }
        let wrong = send(&app, "/login", &[], Some("hunter2")).await;
        let (status, set_cookie) = (wrong.status, wrong.set_cookie);
        assert_eq!(
            status, 401,
            "a login with a wrong password should answer 401"
        );
        assert!(
            set_cookie.is_empty(),
            "a failed login set the cookie {set_cookie:?}"
        );
    }

    #[tokio::test]
    async fn session_ids_are_128_random_bits() {
        let ids: Vec<String> = (0..200).map(|_| new_session_id(&OsRandom)).collect();
        for id in &ids {
            let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
            let hex = id.len() >= 32 && id.bytes().all(hex);
            let why = "it should have at least 32 lowercase hex digits (128 bits)";
            assert!(
                hex,
                "new_session_id gave {id:?} ({} characters): {why}",
                id.len()
            );
        }
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        let repeated = "new_session_id gave the same id twice in 200 calls";
        assert_eq!(distinct.len(), ids.len(), "{repeated}: ids must be random");
        for position in 0..32 {
            let first = ids[0].as_bytes()[position];
            let fixed = ids.iter().all(|id| id.as_bytes()[position] == first);
            let guessable =
                "ids from a counter or a clock are guessable; use a secure random generator";
            assert!(
                !fixed,
                "the hex digit at position {position} was the same in 200 session ids: {guessable}"
            );
        }
        let (app, _) = new_app();
        let (first, second) = (log_in(&app, &[]).await, log_in(&app, &[]).await);
        assert_ne!(
            id_of(&first),
            id_of(&second),
            "two logins gave the same session id"
        );
        assert!(
            id_of(&first).len() >= 32,
            "login should use new_session_id: {first}"
        );
    }

    #[tokio::test]
    async fn the_session_cookie_is_found_among_others() {
        let (app, _) = new_app();
        let id = id_of(&log_in(&app, &[]).await);
        let why = "the request carries alice's session cookie";
        assert_me(&app, &[&format!("session={id}")], 200, why).await;
        assert_me(
            &app,
            &[&format!("theme=dark; session={id}; lang=en")],
            200,
            why,
        )
        .await;
        assert_me(&app, &[&format!("theme=dark;session={id}")], 200, why).await;
        assert_me(&app, &[&format!("  session={id} ")], 200, why).await;
        assert_me(&app, &["theme=dark", &format!("session={id}")], 200, why).await;
        assert_me(&app, &[&format!("xsession=nope; session={id}")], 200, why).await;
    }

    #[tokio::test]
    async fn only_the_exact_cookie_name_counts() {
        let (app, _) = new_app();
        let id = id_of(&log_in(&app, &[]).await);
        let lookalikes = [
            format!("xsession={id}"),
            format!("Session={id}"),
            format!("session_old={id}"),
            format!("theme=session={id}"),
        ];
        for cookie in &lookalikes {
            let why = "there is no cookie named exactly `session` (names are case-sensitive)";
            assert_me(&app, &[cookie], 401, why).await;
        }
        assert_me(&app, &[], 401, "there is no cookie at all").await;
        assert_me(&app, &["session="], 401, "the session id is empty").await;
        let unknown = format!("session={}", &id[..id.len() - 1]);
        assert_me(&app, &[&unknown], 401, "that session id was never issued").await;
    }

    #[tokio::test]
    async fn login_issues_a_new_id_and_ends_the_old_session() {
        let (app, _) = new_app();
        let first = id_of(&log_in(&app, &[]).await);
        let second = id_of(&log_in(&app, &[&format!("session={first}")]).await);
        let fixation =
            "an id that existed before a login must not work after it (session fixation)";
        assert_ne!(
            first, second,
            "a login that came with session={first} kept that id: {fixation}"
        );
        assert_me(&app, &[&format!("session={first}")], 401, fixation).await;
        assert_me(
            &app,
            &[&format!("session={second}")],
            200,
            "the new session works",
        )
        .await;
        let planted = "5e55101d0ba55ed1dea1ca7ed0000042";
        let issued = id_of(&log_in(&app, &[&format!("session={planted}")]).await);
        let why = "an attacker planted this id in the browser before the login (session fixation)";
        assert_ne!(
            issued, planted,
            "the login adopted the session id sent by the browser: {why}"
        );
        assert_me(&app, &[&format!("session={planted}")], 401, why).await;
    }

    #[tokio::test]
    async fn logout_ends_the_session_on_both_sides() {
        let (app, _) = new_app();
        let id = id_of(&log_in(&app, &[]).await);
        let cookie = format!("session={id}");
        let reply = send(&app, "/logout", &[&cookie], None).await;
        assert!(
            reply.status.is_success(),
            "POST /logout answered {}",
            reply.status
        );
        let expired = reply.set_cookie.iter().find(|c| c.starts_with("session="));
        let Some(expired) = expired else {
            panic!(
                "POST /logout should tell the browser to drop the cookie: Set-Cookie: session=; Max-Age=0; Path=/"
            );
        };
        let attributes: Vec<String> = expired
            .split(';')
            .map(|a| a.trim().to_ascii_lowercase())
            .collect();
        for attribute in ["max-age=0", "path=/"] {
            let why = "the browser drops a cookie when told Max-Age=0 for the same name and Path";
            let found = attributes.iter().any(|a| *a == attribute);
            assert!(
                found,
                "POST /logout sent Set-Cookie: {expired}, without `{attribute}`: {why}"
            );
        }
        let why = "after logout the server must have deleted the session: a copy of the cookie still worked";
        assert_me(&app, &[&cookie], 401, why).await;
    }

    #[tokio::test]
    async fn sessions_end_30_minutes_after_login() {
        let (app, clock) = new_app();
        let cookie = format!("session={}", id_of(&log_in(&app, &[]).await));
        clock.0.store(LOGIN_AT + 30 * 60 - 1, Ordering::SeqCst);
        assert_me(
            &app,
            &[&cookie],
            200,
            "29:59 after login the session is still valid",
        )
        .await;
        clock.0.store(LOGIN_AT + 30 * 60, Ordering::SeqCst);
        assert_me(
            &app,
            &[&cookie],
            401,
            "30:00 after login the session has ended",
        )
        .await;
    }

    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        runtime.unwrap().block_on(future)
    }

    /// A cookie that is not the session's: another name, or one that looks like `session`.
    fn other_cookie() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            3 => "[a-z][a-z_]{0,8}",
            2 => any_case("session"),
            1 => Just("xsession".to_string()),
            1 => Just("session_old".to_string()),
            1 => Just("sessionid".to_string()),
        ]
        .prop_filter("not the session cookie", |n| n != "session");
        let value = prop_oneof!["[a-f0-9]{0,32}", Just("session=1".to_string())];
        (name, value).prop_map(|(n, v)| format!("{n}={v}"))
    }

    /// One step of a browser's life with the site.
    #[derive(Clone, Debug)]
    enum Step {
        /// Log in, sending the cookie the browser holds (`None`: none at all), or an id an
        /// attacker planted.
        LogIn {
            planted: bool,
        },
        LogOut,
        /// GET /me with the browser's cookie, or with an id the browser held before.
        Me {
            old: Option<prop::sample::Index>,
        },
        /// The clock moves on by this many seconds.
        Wait(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            2 => any::<bool>().prop_map(|planted| Step::LogIn { planted }),
            1 => Just(Step::LogOut),
            3 => Just(Step::Me { old: None }),
            1 => any::<prop::sample::Index>().prop_map(|old| Step::Me { old: Some(old) }),
            3 => prop_oneof![
                Just(SESSION_SECONDS - 1),
                Just(SESSION_SECONDS),
                Just(SESSION_SECONDS / 2),
                Just(1),
                0..=SESSION_SECONDS * 2,
            ]
            .prop_map(Step::Wait),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(48))]

        #[test]
        fn the_session_cookie_is_found_wherever_it_is_sent(
            before in prop::collection::vec(other_cookie(), 0..4),
            after in prop::collection::vec(other_cookie(), 0..4),
            separators in prop::collection::vec(prop_oneof![Just("; "), Just(";"), Just(";  ")], 8),
            split in prop::collection::vec(any::<bool>(), 8),
            with_session in any::<bool>(),
        ) {
            block_on(async {
                let (app, _) = new_app();
                let id = id_of(&log_in(&app, &[]).await);
                let mut pairs = before.clone();
                if with_session {
                    pairs.push(format!("session={id}"));
                }
                pairs.extend(after.iter().cloned());
                // Several `Cookie` headers (as HTTP/2 sends them) or one, `;` with or
                // without spaces.
                let mut headers = vec![String::new()];
                for (n, pair) in pairs.iter().enumerate() {
                    let last = headers.last_mut().unwrap();
                    if !last.is_empty() {
                        last.push_str(separators[n % 8]);
                    }
                    last.push_str(pair);
                    if split[n % 8] {
                        headers.push(String::new());
                    }
                }
                headers.retain(|h| !h.is_empty());
                let cookies: Vec<&str> = headers.iter().map(String::as_str).collect();
                let reply = send(&app, "/me", &cookies, None).await;
                let want = if with_session { 200 } else { 401 };
                prop_assert_eq!(
                    reply.status.as_u16(),
                    want,
                    "GET /me with the Cookie headers {:?} answered {} {:?}: {}",
                    cookies,
                    reply.status,
                    reply.body,
                    if with_session {
                        "the cookie named exactly `session` is among them, in whichever header \
                         and place"
                    } else {
                        "no cookie there is named exactly `session` (names are case-sensitive \
                         and compared whole; a value holding `session=` is not a name)"
                    }
                );
                Ok(())
            })?;
        }

    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        #[test]
        fn every_bit_of_a_session_id_comes_from_the_generator(
            bytes in prop::collection::vec(any::<u8>(), 1..40),
            edge in prop::sample::select(vec![None, Some(0u8), Some(0xff)]),
        ) {
            let bytes = match edge {
                Some(b) => vec![b; bytes.len()],
                None => bytes,
            };
            let random = Arc::new(FakeRandom { bytes, given: Mutex::new(Vec::new()) });
            let rule = "a session id is 128 or more bits taken from the secure generator the \
                        app was given, all of them, as lowercase hex, and nothing else: no \
                        clock, no counter, no generator of its own (seeded from a time, it can \
                        be guessed)";
            let id = new_session_id(random.as_ref());
            let (taken, hex) = random.take_hex();
            prop_assert!(
                taken >= 16,
                "new_session_id took {} bytes from the generator: {}", taken, rule
            );
            prop_assert_eq!(
                &id, &hex,
                "new_session_id gave {:?}, but the generator gave the bytes {:?}: {}", id, hex, rule
            );
            let clock = Arc::new(FakeClock(AtomicU64::new(LOGIN_AT)));
            let app = app(clock, random.clone());
            let set_cookie = block_on(log_in(&app, &[]));
            let (taken, hex) = random.take_hex();
            let id = id_of(&set_cookie);
            prop_assert!(
                taken >= 16 && id == hex,
                "a login set the id {:?}, but the app's generator gave {:?} ({} bytes) during it: \
                 {}", id, hex, taken, rule
            );
        }

        #[test]
        fn sessions_follow_logins_logouts_and_the_clock(
            steps in prop::collection::vec(step(), 1..24),
        ) {
            block_on(async {
                let (app, clock) = new_app();
                let planted = "5e55101d0ba55ed1dea1ca7ed0000042".to_string();
                // The model: live sessions and when they end; what the browser holds.
                let mut live: HashMap<String, u64> = HashMap::new();
                let (mut browser, mut held) = (None::<String>, vec![planted.clone()]);
                let mut log = Vec::new();
                for step in &steps {
                    let now = clock.now();
                    log.push(format!("{step:?} at {}s", now - LOGIN_AT));
                    match step {
                        Step::LogIn { planted: plant } => {
                            let sent = if *plant { Some(planted.clone()) } else { browser.clone() };
                            let cookie = sent.as_ref().map(|id| format!("session={id}"));
                            let cookies: Vec<&str> = cookie.iter().map(String::as_str).collect();
                            let id = id_of(&log_in(&app, &cookies).await);
                            prop_assert!(
                                Some(&id) != sent.as_ref() && !live.contains_key(&id),
                                "after {:?}: the login answered the id {} it was sent or one \
                                 in use: every login issues a new id", log, id
                            );
                            if let Some(sent) = sent {
                                live.remove(&sent); // a login ends the session it came with
                            }
                            live.insert(id.clone(), now + SESSION_SECONDS);
                            held.push(id.clone());
                            browser = Some(id);
                        }
                        Step::LogOut => {
                            let cookie = browser.as_ref().map(|id| format!("session={id}"));
                            let cookies: Vec<&str> = cookie.iter().map(String::as_str).collect();
                            send(&app, "/logout", &cookies, None).await;
                            if let Some(id) = browser.take() {
                                live.remove(&id);
                            }
                        }
                        Step::Me { old } => {
                            let id = match old {
                                Some(index) => Some(index.get(&held).clone()),
                                None => browser.clone(),
                            };
                            let cookie = id.as_ref().map(|id| format!("session={id}"));
                            let cookies: Vec<&str> = cookie.iter().map(String::as_str).collect();
                            let reply = send(&app, "/me", &cookies, None).await;
                            let ends = id.as_ref().and_then(|id| live.get(id)).copied();
                            let want = match ends {
                                Some(end) if now < end => 200,
                                _ => 401,
                            };
                            prop_assert_eq!(
                                reply.status.as_u16(),
                                want,
                                "steps: {:?}; the last GET /me with {:?} answered {}: a session \
                                 works from its login until {} s after it (not at that second), \
                                 and not after a logout or a later login that came with it",
                                log, cookie, reply.status, SESSION_SECONDS
                            );
                        }
                        Step::Wait(seconds) => {
                            clock.0.store(now + seconds, Ordering::SeqCst);
                        }
                    }
                }
                Ok(())
            })?;
        }
    }
}
