// wrong: stage 1 never recognises a duplicate name, so it answers 500 instead of 409 (cargo-mutants: is_unique_violation replaced by false)
// expect: which an earlier account has
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
        |f: &rusqlite::ffi::Error| f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY;
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
