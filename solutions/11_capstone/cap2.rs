//! # Capstone, stage 2: logging in
//!
//! Stage 1 stored accounts. Now `POST /sessions` with `{"name", "password"}`
//! logs in: it checks the password against the stored argon2 hash and answers
//! with a token that the client sends back on every later request (stage 3).
//!
//! This service issues a **JWT** (auth4–auth8): HS256, signed with the
//! server's secret, with the claims `sub` (the account id, as a string),
//! `name`, `iat` (issued at) and `exp` (expires), in seconds since 1970. A
//! token lives one hour. The time comes from the app's `Clock`, never from
//! `SystemTime` directly: the tests set the clock and check `iat` and `exp`.
//! The answer is shaped like an OAuth token response (RFC 6749 §5.1):
//! `200 {"token": "...", "token_type": "Bearer", "expires_in": 3600}`, with
//! `Cache-Control: no-store`, because a token must not sit in a cache.
//!
//! **No account enumeration.** An unknown name and a wrong password get the
//! same answer: 401, with the same headers and the same body. If they differed
//! (a message, a status, a header), anyone could test which names have an
//! account, then attack those (OWASP Authentication Cheat Sheet,
//! "Authentication and Error Messages"). A 401 carries
//! `WWW-Authenticate: Bearer realm="notes"` (RFC 9110 §11.6.1). Timing leaks
//! too: an unknown name answers faster when no hash is checked, so the
//! solution verifies against a dummy hash then (these tests do not time it).
//!
//! Names are looked up as at sign-up: by their `to_lowercase()`, so `ÉMILE`
//! finds `Émile`, letters beyond ASCII too. Passwords are compared exactly as
//! sent: never trimmed, never case-folded (`correct horse ` with a space at its
//! end is another password). argon2 checks them, on the blocking pool (it is
//! slow on purpose): `argon2()` notes the thread it runs on, and the tests run
//! your server on a runtime with one thread, so a check made on that thread
//! fails.
//!
//! Stage 1's code is below, finished; the tests still check its rules (422 for
//! invalid input, 409 for a taken name, 500 for any other database error).
//!
//! Try it: `cargo run --bin cap2`, sign up as in stage 1, then
//! `curl -i localhost:3000/sessions -H 'content-type: application/json' -d '{"name":"ada","password":"correct horse"}'`
//! Read more: RFC 6749 §5.1, RFC 7519 §4.1,
//! https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{FromRef, Json, Path, State, rejection::JsonRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get, routing::post};
use jsonwebtoken::{EncodingKey, Header};
use rusqlite::{Connection, ErrorCode, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{SystemTime, UNIX_EPOCH};

/// The database: one connection, shared, used only on tokio's blocking pool.
#[derive(Clone)]
struct Db(Arc<Mutex<Connection>>);

impl Db {
    fn open_in_memory() -> Db {
        let conn = Connection::open_in_memory().expect("an in-memory database");
        conn.execute_batch(
            "CREATE TABLE accounts (
                 id INTEGER PRIMARY KEY,
                 name TEXT NOT NULL,
                 name_key TEXT NOT NULL UNIQUE, -- the name in lower case
                 password_hash TEXT NOT NULL
             );",
        )
        .expect("the schema");
        Db(Arc::new(Mutex::new(conn)))
    }

    /// Runs `f` with the connection on the blocking pool, never on the runtime's threads.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        let db = self.0.clone();
        let job =
            tokio::task::spawn_blocking(move || f(&db.lock().unwrap_or_else(|e| e.into_inner())));
        job.await.map_err(Problem::internal)?
    }
}

/// An error answer as RFC 9457 problem details.
#[derive(Debug)]
struct Problem {
    status: StatusCode,
    detail: String,
}

impl Problem {
    fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        let detail = detail.into();
        Problem { status, detail }
    }
    /// A 500 that tells the client nothing; the cause goes to the server's log.
    fn internal(cause: impl std::fmt::Display) -> Problem {
        eprintln!("internal error: {cause}");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
    }
}

impl From<rusqlite::Error> for Problem {
    fn from(error: rusqlite::Error) -> Problem {
        Problem::internal(error)
    }
}

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Problem {
        Problem::new(rejection.status(), rejection.body_text())
    }
}

/// The title of a status: its reason phrase as RFC 9110 names it. The `http` crate still
/// calls 422 by its old name (RFC 4918's "Unprocessable Entity"); RFC 9110 §15.5.21 names
/// it "Unprocessable Content".
fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable Content",
        _ => status.canonical_reason().unwrap_or("error"),
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let title = title(self.status);
        let (status, detail) = (self.status.as_u16(), self.detail);
        let body =
            json!({"type": "about:blank", "title": title, "status": status, "detail": detail});
        let content_type = [(header::CONTENT_TYPE, "application/problem+json")];
        (self.status, content_type, body.to_string()).into_response()
    }
}

/// Is this the database refusing a duplicate in a UNIQUE column?
fn is_unique_violation(error: &rusqlite::Error) -> bool {
    let failure = error.sqlite_error();
    let unique =
        |f: &rusqlite::ffi::Error| f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE;
    failure.is_some_and(|f| f.code == ErrorCode::ConstraintViolation && unique(f))
}

/// The threads that asked `argon2()` for a hasher: the tests check that none of them is
/// the runtime's own thread.
static ARGON2_THREADS: Mutex<Vec<ThreadId>> = Mutex::new(Vec::new());

/// argon2id with small parameters, so that the tests stay fast (production: the defaults).
/// Call it where you hash or verify: it notes the thread it runs on.
fn argon2() -> Argon2<'static> {
    let mut threads = ARGON2_THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let here = std::thread::current().id();
    if !threads.contains(&here) {
        threads.push(here);
    }
    let params = Params::new(4096, 1, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Deserialize)]
struct NewAccount {
    name: String,
    password: String,
}

/// Checks the rules of a new account; `Err` says which field breaks which rule.
fn validate(account: &NewAccount) -> Result<(), String> {
    let name = account.name.chars();
    let bad_char = |c: char| c.is_whitespace() || c.is_control();
    if !(3..=32).contains(&name.clone().count()) || name.clone().any(bad_char) {
        return Err("name must have 3 to 32 characters, without spaces".into());
    }
    if !(8..=128).contains(&account.password.chars().count()) {
        return Err("password must have 8 to 128 characters".into());
    }
    Ok(())
}

// POST /accounts
async fn create_account(
    State(db): State<Db>,
    account: Result<Json<NewAccount>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(account) = account?;
    validate(&account).map_err(|why| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, why))?;
    let password = account.password;
    let hash = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        let hash = argon2().hash_password(password.as_bytes(), &salt);
        hash.map(|h| h.to_string()).map_err(Problem::internal)
    });
    let hash = hash.await.map_err(Problem::internal)??;
    let (name, key) = (account.name.clone(), account.name.to_lowercase());
    let id = db
        .call(move |conn| {
            let sql = "INSERT INTO accounts (name, name_key, password_hash) VALUES (?1, ?2, ?3)";
            match conn.execute(sql, (&name, &key, &hash)) {
                Ok(_) => Ok(conn.last_insert_rowid()),
                Err(e) if is_unique_violation(&e) => {
                    Err(Problem::new(StatusCode::CONFLICT, "this name is taken"))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    let location = [(header::LOCATION, format!("/accounts/{id}"))];
    let body = Json(json!({"id": id, "name": account.name}));
    Ok((StatusCode::CREATED, location, body).into_response())
}

// GET /accounts/{id}
async fn get_account(State(db): State<Db>, Path(id): Path<i64>) -> Result<Json<Value>, Problem> {
    let sql = "SELECT name FROM accounts WHERE id = ?1";
    let name = db
        .call(move |conn| {
            Ok(conn
                .query_row(sql, [id], |row| row.get::<_, String>(0))
                .optional()?)
        })
        .await?;
    let name = name.ok_or(Problem::new(StatusCode::NOT_FOUND, "no such account"))?;
    Ok(Json(json!({"id": id, "name": name})))
}

/// Seconds since 1970-01-01 UTC. The app reads the time only through this.
trait Clock: Send + Sync {
    fn now(&self) -> u64;
}

struct SystemClock;

impl Clock for SystemClock {
    // not graded: reads the real clock; the tests inject a fake one
    fn now(&self) -> u64 {
        let since = SystemTime::now().duration_since(UNIX_EPOCH);
        since.map_or(0, |d| d.as_secs())
    }
}

/// What the handlers share. `State<Db>` still works, through `FromRef`.
#[derive(Clone)]
struct App {
    db: Db,
    clock: Arc<dyn Clock>,
    /// The key that signs tokens (HS256).
    secret: Arc<[u8]>,
}

impl FromRef<App> for Db {
    fn from_ref(app: &App) -> Db {
        app.db.clone()
    }
}

/// The key `main` signs tokens with. A real service reads its secret from the environment
/// (topic 08), never from the code; the tests sign with it too.
const DEV_SECRET: &[u8] = b"change me: a long random secret from the environment";

/// How long a token lives, in seconds.
const TOKEN_LIFETIME: u64 = 3600;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    name: String,
    iat: u64,
    exp: u64,
}

#[derive(Deserialize)]
struct Login {
    name: String,
    password: String,
}

/// The one answer for every failed login.
fn login_failed() -> Response {
    let problem = Problem::new(StatusCode::UNAUTHORIZED, "wrong name or password");
    let challenge = [(header::WWW_AUTHENTICATE, "Bearer realm=\"notes\"")];
    (challenge, problem).into_response()
}

/// A valid hash of a password nobody has, checked when the name is unknown so that
/// both failures take as long.
const DUMMY_HASH: &str = "$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$8/ALHOR1L8+FBJrvtHJ2eLdXZ0IWfcK1D5cKY0GxBsE";

// POST /sessions
async fn login(
    State(app): State<App>,
    login: Result<Json<Login>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(login) = login?;
    let key = login.name.to_lowercase();
    let sql = "SELECT id, name, password_hash FROM accounts WHERE name_key = ?1";
    let found = app
        .db
        .call(move |conn| {
            let row = |r: &rusqlite::Row| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
            let found: Option<(i64, String, String)> =
                conn.query_row(sql, [key], row).optional()?;
            Ok(found)
        })
        .await?;
    let stored = found.as_ref().map(|(_, _, hash)| hash.clone());
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
    let verified = tokio::task::spawn_blocking(move || {
        let hash = PasswordHash::new(&stored).map_err(Problem::internal)?;
        Ok::<_, Problem>(
            argon2()
                .verify_password(login.password.as_bytes(), &hash)
                .is_ok(),
        )
    });
    let verified = verified.await.map_err(Problem::internal)??;
    let Some((id, name, _)) = found.filter(|_| verified) else {
        return Ok(login_failed());
    };
    let now = app.clock.now();
    let claims = Claims {
        sub: id.to_string(),
        name,
        iat: now,
        exp: now + TOKEN_LIFETIME,
    };
    let key = EncodingKey::from_secret(&app.secret);
    let token =
        jsonwebtoken::encode(&Header::default(), &claims, &key).map_err(Problem::internal)?;
    let body = json!({"token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME});
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    Ok((no_store, Json(body)).into_response())
}

fn app(app: App) -> Router {
    Router::new()
        .route("/accounts", post(create_account))
        .route("/accounts/{id}", get(get_account))
        .route("/sessions", post(login))
        .with_state(app)
}

// not graded: serves on port 3000 for the learner; the tests start `app` themselves
#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    // Standard error: standard output is for the service's own output (stage 4's logs).
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    let secret: Arc<[u8]> = Arc::from(DEV_SECRET);
    let state = App {
        db: Db::open_in_memory(),
        clock: Arc::new(SystemClock),
        secret,
    };
    axum::serve(listener, app(state)).await.unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/server_check.rs"]
mod server_check;

#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{LOOK_ALIKES, UNICODE_SPACES, config, tricky_char, tricky_text};
    use crate::server_check::{Check, Reply, Run};
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    use proptest::prelude::*;
    use proptest::test_runner::{TestError, TestRunner};
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The tests' time: 2030-03-17, not today.
    const NOW: u64 = 1_900_000_000;
    const PASSWORD: &str = "correct horse battery";
    /// For logins whose token the tests check against their own clock.
    const TESTS_CLOCK: &str = "the tests set the app's clock to 2030-03-17; your server \
                               reads today's clock, so its token's times differ";

    /// A clock the tests set.
    struct TestClock(AtomicU64);

    impl Clock for TestClock {
        fn now(&self) -> u64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// Starts `app` on a free port, on a runtime of its own in a background thread. The
    /// runtime has one thread, which runs every handler. Returns the address and that thread.
    fn serve(state: App) -> (SocketAddr, ThreadId) {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let here = std::thread::current().id();
                tx.send((listener.local_addr().unwrap(), here)).unwrap();
                axum::serve(listener, app(state)).await.unwrap();
            });
        });
        rx.recv().expect("the server did not start: `app` panicked")
    }

    fn replaying(addr: SocketAddr) -> Run {
        Run::new(addr).replay("cargo run --bin cap2", "http://127.0.0.1:3000")
    }

    /// A server on a fresh database; its clock, database and runtime thread.
    struct Server {
        clock: Arc<TestClock>,
        db: Db,
        addr: SocketAddr,
        runtime: ThreadId,
    }

    fn server() -> Server {
        let clock = Arc::new(TestClock(AtomicU64::new(NOW)));
        let db = Db::open_in_memory();
        let state = App {
            db: db.clone(),
            clock: clock.clone(),
            secret: Arc::from(DEV_SECRET),
        };
        let (addr, runtime) = serve(state);
        Server {
            clock,
            db,
            addr,
            runtime,
        }
    }

    /// Signs up each (name, password); each check is called "sign up <name>".
    fn sign_up_all(run: &mut Run, accounts: &[(&str, &str)]) {
        for (name, password) in accounts {
            let body = json!({"name": name, "password": password});
            let what = format!("sign up {name}");
            let check = Check::new(&what).post("/accounts").json(body);
            run.check(check.expect_status(201));
        }
    }

    /// A server with the accounts Ada (1) and grace (2); its clock and runtime thread.
    fn start() -> (Arc<TestClock>, Run, ThreadId) {
        let server = server();
        let mut run = replaying(server.addr);
        sign_up_all(&mut run, &[("Ada", PASSWORD), ("grace", PASSWORD)]);
        (server.clock, run, server.runtime)
    }

    fn log_in(what: &str, name: &str, password: &str) -> Check {
        let body = json!({"name": name, "password": password});
        Check::new(what).post("/sessions").json(body)
    }

    fn token_answer(check: Check) -> Check {
        let body = json!({"token": "<string>", "token_type": "Bearer", "expires_in": 3600});
        check
            .expect_status(200)
            .expect_header("cache-control", "no-store")
            .expect_json(body)
            .expect_not_in_response(PASSWORD, "the password")
            .expect_not_in_response("$argon2", "the password hash")
    }

    fn login_refused(check: Check, password: &str) -> Check {
        let failed = json!({
            "type": "about:blank", "title": "Unauthorized", "status": 401,
            "detail": "<string>",
        });
        check
            .expect_status(401)
            .expect_header("www-authenticate", "Bearer realm=\"notes\"")
            .expect_header("content-type", "application/problem+json")
            .expect_json(failed)
            .expect_not_in_response(password, "the password that was sent")
    }

    /// Checks the token of `reply`: HS256 with the app's secret, and these claims.
    fn check_token(run: &mut Run, what: &str, reply: &Reply, sub: &str, name: &str, now: u64) {
        let token = reply.json_str("/token");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false; // the test's clock is not the system's
        validation.required_spec_claims.clear();
        let key = DecodingKey::from_secret(DEV_SECRET);
        let decoded = jsonwebtoken::decode::<Value>(&token, &key, &validation);
        let (ok, why) = match decoded {
            Err(e) => (
                false,
                format!(
                    "the token {token:?} is not an HS256 JWT signed with the app's secret ({e})"
                ),
            ),
            Ok(data) => {
                let want = json!({"sub": sub, "name": name, "iat": now, "exp": now + 3600});
                let ok = data.claims == want;
                let why = format!(
                    "the token's claims are {}, but should be {want}: `sub` the account id as \
                     a string, `name` as stored, `iat` the app's clock now ({now}) and `exp` one \
                     hour later; the time must come from the app's clock (`app.clock.now()`), \
                     not from the system",
                    data.claims
                );
                (ok, why)
            }
        };
        run.record(what, ok, &why);
    }

    #[test]
    fn logging_in_answers_a_token_for_one_hour() {
        let (_, mut run, _) = start();
        let check = log_in("Ada logs in", "Ada", PASSWORD).depends_on("sign up Ada");
        let reply = run.check(token_answer(check).replay_note(TESTS_CLOCK));
        if reply.status == 200 {
            let what = "Ada's token has the right claims";
            check_token(&mut run, what, &reply, "1", "Ada", NOW);
        }
        let check = log_in("grace logs in", "grace", PASSWORD).depends_on("sign up grace");
        let reply = run.check(token_answer(check).replay_note(TESTS_CLOCK));
        if reply.status == 200 {
            let what = "grace's token has the right claims";
            check_token(&mut run, what, &reply, "2", "grace", NOW);
        }
        run.finish();
    }

    #[test]
    fn the_token_times_come_from_the_apps_clock_at_login() {
        let (clock, mut run, _) = start();
        clock.0.store(NOW + 777, Ordering::SeqCst);
        let check = log_in("Ada logs in 777 s later", "Ada", PASSWORD).depends_on("sign up Ada");
        let reply = run.check(token_answer(check).replay_note(TESTS_CLOCK));
        if reply.status == 200 {
            let what = "iat and exp follow the app's clock at login";
            check_token(&mut run, what, &reply, "1", "Ada", NOW + 777);
        }
        run.finish();
    }

    #[test]
    fn passwords_are_verified_off_the_runtimes_thread() {
        let server = server();
        let mut run = replaying(server.addr);
        sign_up_all(&mut run, &[("Ada", PASSWORD)]);
        let stored: Option<String> = {
            let conn = server.db.0.lock().unwrap();
            let sql = "SELECT password_hash FROM accounts WHERE id = 1";
            conn.query_row(sql, [], |row| row.get(0))
                .optional()
                .unwrap()
        };
        if let Some(stored) = stored {
            let ok = stored.starts_with("$argon2id$v=19$m=4096,t=1,p=1$");
            let why = format!(
                "the database holds {stored:?} for Ada: stage 1 hashes with `argon2()`'s \
                 parameters (`$argon2id$v=19$m=4096,t=1,p=1$...`)"
            );
            let what = "Ada's password is hashed with argon2()";
            run.record_after(&["sign up Ada"], what, ok, &why);
        }
        let runtime = server.runtime;
        let check = log_in("Ada logs in", "Ada", PASSWORD).depends_on("sign up Ada");
        run.check(token_answer(check));
        let wrong = log_in("bob logs in", "bob", PASSWORD);
        run.check(login_refused(wrong, PASSWORD));
        let _ = argon2();
        let threads = ARGON2_THREADS.lock().unwrap().clone();
        let why = "`argon2()` did not note the thread that called it: it must note every \
                   thread that asks it for a hasher, or this test cannot see where the \
                   password is verified (keep the given `argon2()` as it is)";
        let what = "`argon2()` notes the thread that calls it";
        let noted = threads.contains(&std::thread::current().id());
        run.record(what, noted, why);
        let verified_there = threads.contains(&runtime);
        let why = "`argon2()` was called on the runtime's own thread, the one that runs every \
                   handler: while argon2 works (on purpose slowly), no other request is \
                   answered. Verify inside `tokio::task::spawn_blocking`";
        let what = "passwords are verified on the blocking pool, not the runtime's thread";
        run.record_after(&["Ada logs in"], what, !verified_there, why);
        run.finish();
    }

    #[test]
    fn problem_titles_are_rfc_9110s_reason_phrases() {
        assert_eq!(
            title(StatusCode::UNPROCESSABLE_ENTITY),
            "Unprocessable Content",
            "a 422 problem is titled \"Unprocessable Content\" (RFC 9110 §15.5.21), not the \
             `http` crate's older \"Unprocessable Entity\" (RFC 4918)"
        );
        assert_eq!(
            title(StatusCode::CONFLICT),
            "Conflict",
            "other statuses keep their RFC 9110 reason phrase"
        );
    }

    #[test]
    fn names_are_case_insensitive_at_login_too() {
        let (_, mut run, _) = start();
        for name in ["ada", "ADA"] {
            let what = format!("{name} logs in as Ada (names are case-insensitive at login too)");
            let check = log_in(&what, name, PASSWORD).depends_on("sign up Ada");
            let reply = run.check(token_answer(check).replay_note(TESTS_CLOCK));
            if reply.status == 200 {
                let what = format!("{name}'s token is Ada's");
                check_token(&mut run, &what, &reply, "1", "Ada", NOW);
            }
        }
        run.finish();
    }

    /// A spelling of `name` with each letter in upper or lower case (`upper`, in turn).
    fn in_case(name: &str, upper: &[bool]) -> String {
        let case = |(c, up): (char, &bool)| match up {
            true => c.to_uppercase().collect::<String>(),
            false => c.to_lowercase().collect(),
        };
        name.chars().zip(upper.iter().cycle()).map(case).collect()
    }

    /// Names in Latin, Greek and Cyrillic, with `ß` (whose upper case is `SS`) and `İ`
    /// (whose lower case is `i` and a combining dot).
    const NAMES: [&str; 6] = ["Ada", "Émile", "Straße", "Ωmega", "İlkay", "Джон"];

    #[test]
    fn a_name_in_any_case_logs_in_as_at_sign_up() {
        let server = server();
        let mut setup = replaying(server.addr);
        let accounts: Vec<(&str, &str)> = NAMES.iter().map(|n| (*n, PASSWORD)).collect();
        sign_up_all(&mut setup, &accounts);
        if let Err(report) = setup.verdict() {
            panic!("the accounts could not sign up (stage 1):\n{report}");
        }
        let setup = &setup;
        let spelling = (0..NAMES.len(), proptest::collection::vec(any::<bool>(), 6));
        for_generated(48, spelling, |(k, upper)| {
            let stored = NAMES[k];
            let typed = in_case(stored, &upper);
            let same = typed.to_lowercase() == stored.to_lowercase();
            let mut run = setup.fork();
            let check = log_in(&format!("log in as {typed:?}"), &typed, PASSWORD);
            match same {
                true => {
                    let what = format!(
                        "status 200: {typed:?} in lower case is {:?}, as {stored:?} is: the \
                         same account (look the name up by its `to_lowercase()`, as at sign-up)",
                        typed.to_lowercase()
                    );
                    let check = token_answer(check).expect(&what, |_| Ok(()));
                    let reply = run.check(check.replay_note(TESTS_CLOCK));
                    if reply.status == 200 {
                        let what = format!("{typed:?}'s token is {stored:?}'s");
                        let id = (k + 1).to_string();
                        check_token(&mut run, &what, &reply, &id, stored, NOW);
                    }
                }
                false => {
                    let what = format!(
                        "status 401: {typed:?} in lower case is {:?}, not {:?}: no such account",
                        typed.to_lowercase(),
                        stored.to_lowercase()
                    );
                    run.check(login_refused(check, PASSWORD).expect(&what, |_| Ok(())));
                }
            }
            run.verdict()
        });
    }

    /// How a generated login changes the password: the way it may differ from the one
    /// signed up with.
    fn changed_password() -> impl Strategy<Value = (usize, u8, char, prop::sample::Index)> {
        let mut spaces: Vec<char> = UNICODE_SPACES.to_vec();
        spaces.extend([' ', '\t', '\n', '\r']);
        let odd = prop_oneof![
            3 => proptest::sample::select(spaces),
            1 => proptest::sample::select(LOOK_ALIKES.to_vec()),
            1 => tricky_char(),
        ];
        (0..2usize, 0..7u8, odd, any::<prop::sample::Index>())
    }

    fn change(password: &str, how: u8, c: char, at: prop::sample::Index) -> (String, String) {
        let mut chars: Vec<char> = password.chars().collect();
        let k = at.index(chars.len());
        let (changed, why) = match how {
            0 => (
                format!("{password}{c}"),
                format!("U+{:04X} added at the end", c as u32),
            ),
            1 => (
                format!("{c}{password}"),
                format!("U+{:04X} added at the start", c as u32),
            ),
            2 => (password.trim().to_string(), "trimmed".to_string()),
            3 => {
                let flipped: String = match chars[k].is_uppercase() {
                    true => chars[k].to_lowercase().collect(),
                    false => chars[k].to_uppercase().collect(),
                };
                let mut out: String = chars[..k].iter().collect();
                out.push_str(&flipped);
                out.extend(&chars[k + 1..]);
                (out, format!("character {} in the other case", k + 1))
            }
            4 => {
                chars.remove(k);
                let out = chars.into_iter().collect();
                (out, format!("character {} left out", k + 1))
            }
            5 => {
                chars[k] = c;
                let out = chars.into_iter().collect();
                (
                    out,
                    format!("character {} replaced by U+{:04X}", k + 1, c as u32),
                )
            }
            _ => (password.to_string(), "the same".to_string()),
        };
        (changed, why)
    }

    #[test]
    fn only_the_exact_password_logs_in() {
        let server = server();
        let mut setup = replaying(server.addr);
        let spaced = "\u{3000} Correct horse battery\u{a0}";
        let accounts = [("Ada", PASSWORD), ("spacey", spaced)];
        sign_up_all(&mut setup, &accounts);
        if let Err(report) = setup.verdict() {
            panic!("the accounts could not sign up (stage 1):\n{report}");
        }
        let setup = &setup;
        for_generated(64, changed_password(), |(k, how, c, at)| {
            let (name, password) = accounts[k];
            let (sent, why) = change(password, how, c, at);
            let mut run = setup.fork();
            let what = format!("{name} logs in with {sent:?} ({why})");
            let check = log_in(&what, name, &sent);
            match sent == password {
                true => {
                    let check = token_answer(check).replay_note(TESTS_CLOCK);
                    run.check(check.expect_not_in_response(password, "the password"));
                }
                false => {
                    let rule = format!(
                        "status 401: {name}'s password is {password:?}, and {sent:?} is another \
                         password: passwords are compared exactly as sent (never trimmed or \
                         case-folded)"
                    );
                    let check = login_refused(check, &sent).expect(&rule, |_| Ok(()));
                    run.check(check.expect_not_in_response(password, "the password"));
                }
            }
            run.verdict()
        });
    }

    #[test]
    fn a_wrong_password_and_an_unknown_name_get_the_same_401() {
        let (_, mut run, _) = start();
        let cases = [
            ("a wrong password", "Ada", "wrong horse battery"),
            (
                "the password in another case",
                "Ada",
                "Correct Horse Battery",
            ),
            ("an empty password", "Ada", ""),
            ("an unknown name", "bob", PASSWORD),
            ("an unknown name with grace's password", "bobby", PASSWORD),
        ];
        let mut replies = Vec::new();
        for (what, name, password) in cases {
            let what = format!("{what} is 401");
            let check = log_in(&what, name, password).depends_on("sign up Ada");
            replies.push((what.clone(), run.check(login_refused(check, password))));
        }
        let shown = |r: &Reply| {
            let headers = r.headers.iter().filter(|(n, _)| n != "date");
            let headers: Vec<_> = headers.collect();
            format!("{} {headers:?} {}", r.status, r.text())
        };
        let (first_what, first) = &replies[0];
        for (what, reply) in &replies[1..] {
            if reply.status == 0 || first.status == 0 {
                continue;
            }
            let same = shown(reply) == shown(first);
            let why = format!(
                "account enumeration: \"{what}\" and \"{first_what}\" must look exactly alike \
                 (status, headers, body), or a client can tell which names have an account.\n  \
                 {first_what}: {}\n  {what}: {}",
                shown(first),
                shown(reply)
            );
            run.record(
                &format!("\"{what}\" looks like \"{first_what}\""),
                same,
                &why,
            );
        }
        run.finish();
    }

    // Stage 1 is still graded: its rules hold in this file too.

    /// Text with each character that is not an ASCII letter or digit written out.
    fn shown(text: &str) -> String {
        let mut notes = Vec::new();
        for c in text.chars().filter(|c| !c.is_ascii_alphanumeric()) {
            let code = format!("U+{:04X}", c as u32);
            let note = match (c.is_whitespace(), c.is_control()) {
                (true, true) => format!("{code} is white space and a control character"),
                (true, false) => format!("{code} is white space"),
                (false, true) => format!("{code} is a control character"),
                (false, false) => continue,
            };
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        let (count, bytes) = (text.chars().count(), text.len());
        let mut out = format!("{text:?} ({count} characters, {bytes} bytes");
        if !notes.is_empty() {
            out.push_str(&format!("; {}", notes.join(", ")));
        }
        out.push(')');
        out
    }

    /// Stage 1's rules: may `validate` accept the account, and which fields may its refusal
    /// name? Invisible characters that are not white space are outside the rule.
    fn rules(name: &str, password: &str) -> (bool, Vec<&'static str>) {
        let bad = |c: char| c.is_whitespace() || c.is_control();
        let invisible = |c: char| {
            matches!(c, '\u{ad}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}' | '\u{feff}')
        };
        let name_bad = !(3..=32).contains(&name.chars().count()) || name.chars().any(bad);
        let password_bad = !(8..=128).contains(&password.chars().count());
        let mut fields = Vec::new();
        if name_bad || name.chars().any(invisible) {
            fields.push("name");
        }
        if password_bad {
            fields.push("password");
        }
        (!name_bad && !password_bad, fields)
    }

    fn name_like() -> impl Strategy<Value = String> {
        let letter = prop_oneof![
            4 => proptest::char::range('a', 'z'),
            1 => proptest::sample::select(vec!['é', 'ж', '中', '😀', 'ß', 'Ω']),
        ];
        let length = prop_oneof![Just(2usize), Just(3), Just(32), Just(33), 0usize..=36];
        let letters = length.prop_flat_map(move |n| proptest::collection::vec(letter.clone(), n));
        let mut odd: Vec<char> = UNICODE_SPACES.to_vec();
        odd.extend([
            ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\0', '\u{7}', '\u{7f}', '\u{9f}',
        ]);
        let inserted =
            proptest::option::of((proptest::sample::select(odd), any::<prop::sample::Index>()));
        let built = (letters, inserted).prop_map(|(mut chars, inserted)| {
            if let Some((c, at)) = inserted {
                chars.insert(at.index(chars.len() + 1), c);
            }
            chars.into_iter().collect::<String>()
        });
        prop_oneof![3 => built, 1 => tricky_text(0, 36), 2 => Just("ada_lovelace".to_string())]
    }

    fn password_like() -> impl Strategy<Value = String> {
        let length = prop_oneof![
            1 => Just(0usize), 1 => Just(7), 1 => Just(8), 1 => Just(9),
            1 => Just(127), 1 => Just(128), 1 => Just(129), 3 => 0usize..=140,
        ];
        let chars = length.prop_flat_map(|n| proptest::collection::vec(tricky_char(), n));
        chars.prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        #![proptest_config(config(256))]

        #[test]
        fn stage_1_validate_follows_the_rules_on_generated_accounts(
            name in name_like(),
            password in password_like(),
        ) {
            let (may_accept, fields) = rules(&name, &password);
            let account = NewAccount { name: name.clone(), password: password.clone() };
            let input = format!("name {} and a password {}", shown(&name), shown(&password));
            let rule = "a name has 3 to 32 characters, none of them white space or a control \
                        character (char::is_whitespace, char::is_control: Unicode's, not only \
                        ASCII's); a password has 8 to 128 characters of any kind";
            match validate(&account) {
                Ok(()) => prop_assert!(
                    may_accept,
                    "validate accepted {input}, which breaks the rules for the {}: {rule}",
                    fields.join(" and the ")
                ),
                Err(detail) => {
                    prop_assert!(
                        !fields.is_empty(),
                        "validate refused {input} with {detail:?}, but it follows the rules: {rule}"
                    );
                    prop_assert!(
                        fields.iter().any(|field| detail.contains(field)),
                        "validate refused {input} with {detail:?}: the message should name the \
                         field that breaks the rules (`{}`)",
                        fields.join("` or `")
                    );
                    let echoes = password.chars().count() >= 3
                        && !password.chars().all(|c| c.is_ascii_lowercase())
                        && detail.contains(&password);
                    prop_assert!(
                        !echoes,
                        "validate refused {input} with {detail:?}, which repeats the password: \
                         a password never goes back to the client"
                    );
                }
            }
        }
    }

    /// Runs `test` on `cases` generated inputs (fixed seed); a failure panics with the
    /// smallest failing input proptest found, and its report.
    #[track_caller]
    fn for_generated<S: Strategy>(
        cases: u32,
        strategy: S,
        test: impl Fn(S::Value) -> Result<(), String>,
    ) {
        let mut runner = TestRunner::new(config(cases));
        match runner.run(&strategy, |value| test(value).map_err(TestCaseError::fail)) {
            Ok(()) => {}
            Err(TestError::Fail(why, value)) => {
                panic!("{why}\n(a generated case, shrunk to a smallest one that fails: {value:?})")
            }
            Err(TestError::Abort(why)) => panic!("{why}"),
        }
    }

    /// How the tests make the database fail one sign-up.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Failure {
        None,
        /// A trigger refuses the INSERT: a constraint error, but not a UNIQUE one.
        Trigger,
        /// A trigger writes NULL into a NOT NULL column: another constraint error.
        NotNull,
        /// The database is read-only for this request: not a constraint error at all.
        ReadOnly,
    }

    fn sign_ups() -> impl Strategy<Value = Vec<(String, Failure)>> {
        let name = (
            proptest::sample::select(NAMES.to_vec()),
            proptest::collection::vec(any::<bool>(), 6),
        );
        let name = name.prop_map(|(name, upper)| in_case(name, &upper));
        let failure = prop_oneof![
            6 => Just(Failure::None),
            1 => Just(Failure::Trigger),
            1 => Just(Failure::NotNull),
            1 => Just(Failure::ReadOnly),
        ];
        proptest::collection::vec((name, failure), 1..=6)
    }

    /// Sends the sign-ups to a server on `db` (emptied first) and checks each answer against
    /// the reference: 500 when the database failed, 409 when the lower-case name is taken,
    /// else 201 with the next id.
    fn check_sign_ups(
        addr: SocketAddr,
        db: &Db,
        sign_ups: Vec<(String, Failure)>,
    ) -> Result<(), String> {
        let reset = "DELETE FROM accounts; PRAGMA query_only = OFF;";
        db.0.lock().unwrap().execute_batch(reset).unwrap();
        let mut run = replaying(addr);
        let (mut taken, mut next_id) = (Vec::new(), 1);
        for (k, (name, failure)) in sign_ups.into_iter().enumerate() {
            let name = match failure {
                Failure::Trigger => format!("refuse-{name}"),
                Failure::NotNull => format!("null-{name}"),
                _ => name,
            };
            let key = name.to_lowercase();
            let what = format!("sign-up {} of {name:?}", k + 1);
            let body = json!({"name": name, "password": PASSWORD});
            let check = Check::new(&what).post("/accounts").json(body);
            let check = match failure {
                Failure::None if taken.contains(&key) => {
                    let conflict = json!({"title": "Conflict", "status": 409});
                    let what = format!(
                        "status 409: {name:?} in lower case is {key:?}, which an earlier \
                         account has"
                    );
                    let check = check.expect_status(409).expect_json_subset(conflict);
                    check.expect(&what, |_| Ok(()))
                }
                Failure::None => {
                    taken.push(key.clone());
                    next_id += 1;
                    let location = format!("/accounts/{}", next_id - 1);
                    let what = format!("status 201: no earlier account has {key:?}");
                    let check = check
                        .expect_status(201)
                        .expect_header("location", &location);
                    check.expect(&what, |_| Ok(()))
                }
                failure => {
                    let what = format!(
                        "status 500: the database refused this INSERT ({failure:?}), and not \
                         because the name is taken: only a UNIQUE violation is 409, any other \
                         database error is the server's fault"
                    );
                    check
                        .expect_status(500)
                        .expect(&what, |_| Ok(()))
                        .expect_not_in_response("refused by the tests", "the database's error")
                        .expect_not_in_response("constraint failed", "the database's error")
                        .expect_not_in_response("readonly", "the database's error")
                        .replay_note("the tests made the database fail this INSERT; yours won't")
                }
            };
            let read_only = failure == Failure::ReadOnly;
            if read_only {
                let conn = db.0.lock().unwrap();
                conn.execute_batch("PRAGMA query_only = ON;").unwrap();
            }
            run.check(check);
            if read_only {
                let conn = db.0.lock().unwrap();
                conn.execute_batch("PRAGMA query_only = OFF;").unwrap();
            }
        }
        run.verdict()
    }

    #[test]
    fn stage_1_a_taken_name_is_409_and_any_other_database_error_500() {
        let server = server();
        let db = server.db.clone();
        db.0.lock()
            .unwrap()
            .execute_batch(
                "CREATE TABLE refusals (x TEXT NOT NULL);
                 CREATE TRIGGER refuse_abort BEFORE INSERT ON accounts
                 WHEN NEW.name GLOB 'refuse-*'
                 BEGIN SELECT RAISE(ABORT, 'refused by the tests'); END;
                 CREATE TRIGGER refuse_null BEFORE INSERT ON accounts
                 WHEN NEW.name GLOB 'null-*'
                 BEGIN INSERT INTO refusals (x) VALUES (NULL); END;",
            )
            .unwrap();
        let addr = server.addr;
        for_generated(32, sign_ups(), |sign_ups| {
            check_sign_ups(addr, &db, sign_ups)
        });
    }
}
