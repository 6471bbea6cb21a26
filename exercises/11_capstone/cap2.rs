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
//! Names are looked up as at sign-up: whatever their case. Passwords are
//! compared exactly, by argon2, on the blocking pool (it is slow on purpose).
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

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("error");
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

/// argon2id with small parameters, so that the tests stay fast (production: the defaults).
fn argon2() -> Argon2<'static> {
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
// TODO: log the account in, by the rules of the lesson:
// - find the account by its name in any case, and check the password against
//   its hash with argon2, off the runtime's threads;
// - an unknown name and a wrong password both answer `login_failed()`, after
//   the same work (verify `DUMMY_HASH` when there is no account);
// - otherwise sign `Claims` for `TOKEN_LIFETIME` with HS256 and the app's
//   secret, the times from the app's clock, and answer the token as the lesson
//   shows, marked as not to be stored by caches.
async fn login(
    State(app): State<App>,
    login: Result<Json<Login>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(login) = login?;
    todo!("log {} in", login.name)
}

fn app(app: App) -> Router {
    Router::new()
        .route("/accounts", post(create_account))
        .route("/accounts/{id}", get(get_account))
        .route("/sessions", post(login))
        .with_state(app)
}

#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    // A real service reads its secret from the environment (topic 08), never from the code.
    let secret: Arc<[u8]> = Arc::from(&b"change me: a long random secret from the environment"[..]);
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
mod tests {
    use super::*;
    use crate::server_check::{Check, Reply, Run};
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicU64, Ordering};

    const SECRET: &[u8] = b"a test secret that is long enough";
    /// The tests' time: 2030-03-17, not today.
    const NOW: u64 = 1_900_000_000;
    const PASSWORD: &str = "correct horse battery";

    /// A clock the tests set.
    struct TestClock(AtomicU64);

    impl Clock for TestClock {
        fn now(&self) -> u64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// Starts `app` on a free port, on a runtime of its own in a background thread.
    fn serve(state: App) -> SocketAddr {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app(state)).await.unwrap();
            });
        });
        rx.recv().expect("the server did not start: `app` panicked")
    }

    /// A server on a fresh database, with the accounts Ada (1) and grace (2); its clock.
    fn start() -> (Arc<TestClock>, Run) {
        let clock = Arc::new(TestClock(AtomicU64::new(NOW)));
        let state = App {
            db: Db::open_in_memory(),
            clock: clock.clone(),
            secret: Arc::from(SECRET),
        };
        let run = Run::new(serve(state)).replay("cargo run --bin cap2", "http://127.0.0.1:3000");
        let mut run = run;
        for name in ["Ada", "grace"] {
            let body = json!({"name": name, "password": PASSWORD});
            let what = format!("sign up {name}");
            run.check(
                Check::new(&what)
                    .post("/accounts")
                    .json(body)
                    .expect_status(201),
            );
        }
        (clock, run)
    }

    fn log_in(what: &str, name: &str, password: &str) -> Check {
        let body = json!({"name": name, "password": password});
        Check::new(what)
            .post("/sessions")
            .json(body)
            .depends_on("sign up Ada")
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

    /// Checks the token of `reply`: HS256 with SECRET, and these claims.
    fn check_token(run: &mut Run, what: &str, reply: &Reply, sub: &str, name: &str, now: u64) {
        let token = reply.json_str("/token");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false; // the test's clock is not the system's
        validation.required_spec_claims.clear();
        let key = DecodingKey::from_secret(SECRET);
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
        let (_, mut run) = start();
        let check = log_in("Ada logs in", "Ada", PASSWORD);
        let reply = run.check(token_answer(check));
        if reply.status == 200 {
            check_token(
                &mut run,
                "Ada's token has the right claims",
                &reply,
                "1",
                "Ada",
                NOW,
            );
        }
        let check = log_in("grace logs in", "grace", PASSWORD).depends_on("sign up grace");
        let reply = run.check(token_answer(check));
        if reply.status == 200 {
            check_token(
                &mut run,
                "grace's token has the right claims",
                &reply,
                "2",
                "grace",
                NOW,
            );
        }
        run.finish();
    }

    #[test]
    fn the_token_times_come_from_the_apps_clock_at_login() {
        let (clock, mut run) = start();
        clock.0.store(NOW + 777, Ordering::SeqCst);
        let reply = run.check(token_answer(log_in(
            "Ada logs in 777 s later",
            "Ada",
            PASSWORD,
        )));
        if reply.status == 200 {
            let what = "iat and exp follow the app's clock at login";
            check_token(&mut run, what, &reply, "1", "Ada", NOW + 777);
        }
        run.finish();
    }

    #[test]
    fn names_are_case_insensitive_at_login_too() {
        let (_, mut run) = start();
        for name in ["ada", "ADA"] {
            let what = format!("{name} logs in as Ada (names are case-insensitive at login too)");
            let reply = run.check(token_answer(log_in(&what, name, PASSWORD)));
            if reply.status == 200 {
                let what = format!("{name}'s token is Ada's");
                check_token(&mut run, &what, &reply, "1", "Ada", NOW);
            }
        }
        run.finish();
    }

    #[test]
    fn a_wrong_password_and_an_unknown_name_get_the_same_401() {
        let (_, mut run) = start();
        let failed = json!({
            "type": "about:blank", "title": "Unauthorized", "status": 401,
            "detail": "<string>",
        });
        let refused = |what: &str, name: &str, password: &str| {
            log_in(what, name, password)
                .expect_status(401)
                .expect_header("www-authenticate", "Bearer realm=\"notes\"")
                .expect_header("content-type", "application/problem+json")
                .expect_json(failed.clone())
                .expect_not_in_response(password, "the password that was sent")
        };
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
            replies.push((what.clone(), run.check(refused(&what, name, password))));
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
}
