// wrong: answers with the stored row, password hash included
// expect: the response contains the password hash
//! # Capstone, stage 1: accounts
//!
//! From here on you build one service, stage by stage: a notes API with accounts,
//! login, protected notes, a cache and tracing. Each stage's file starts with the
//! previous stage's solution. The grading tests start your server on a free port
//! and talk to it over real HTTP; when a check fails you get the requests that
//! reproduce it as `curl` commands, the bytes sent and received, and a diff of
//! what differs.
//!
//! Stage 1: `POST /accounts` with `{"name": "...", "password": "..."}` signs up.
//! - **Never store the password.** Store an argon2id hash (auth1), made with a
//!   fresh random salt, and never send the hash back: a response carries only
//!   what the client needs, `{"id": 1, "name": "ada"}`.
//! - **201 Created with `Location: /accounts/<id>`** (RFC 9110 §15.3.2), the
//!   URL where the new resource lives (`GET /accounts/{id}` is provided).
//! - **Names are unique whatever their case**: if `Ada` exists, `ada` and `ADA`
//!   are taken, and so is `émile` once `Émile` exists, because people type the
//!   same name in either case (OWASP Authentication Cheat Sheet, "User IDs":
//!   user names should be case-insensitive). The rule this stage enforces: two
//!   names clash exactly when their `str::to_lowercase()` are equal. Lower-casing
//!   maps each letter to its lower-case form, in every script (`É` → `é`, `Ω` →
//!   `ω`); it does not make different letters equal: Cyrillic `а` (U+0430) and
//!   Latin `a` stay two letters, so `аda` and `ada` are two accounts that look
//!   alike on screen. Stopping look-alikes takes Unicode's confusable detection
//!   (UTS #39) or a PRECIS profile for user names (RFC 8265); this stage does not
//!   grade it. Let the database enforce uniqueness (a UNIQUE column holding the
//!   lower-case name; SQLite's `COLLATE NOCASE` folds only ASCII), and answer a
//!   clash with 409 Conflict. Any other database error is the server's fault:
//!   500, with nothing of the error in the body.
//! - **Invalid input is 422** with an RFC 9457 problem details body, whose
//!   `detail` names the field. Lengths are counted in characters, not bytes. A
//!   name may not contain white space or control characters as Unicode defines
//!   them (`char::is_whitespace`, `char::is_control`): the no-break space U+00A0
//!   and the ideographic space U+3000 count, not only ASCII's. (Invisible
//!   characters that Unicode does not class as white space, such as the
//!   zero-width space U+200B, are outside this rule: refusing them too is
//!   allowed, not required.) A password may contain any character, spaces of any
//!   kind included, and is used exactly as sent: never trimmed (OWASP Password
//!   Storage Cheat Sheet; NIST SP 800-63B §5.1.1.2).
//!
//! **SQLite and argon2 from async code.** A rusqlite call blocks its thread until
//! the disk answers, and argon2 keeps a core busy on purpose. On tokio's worker
//! threads that stalls every other request, so both run on the blocking pool:
//! `tokio::task::spawn_blocking`. `Db::call` below does it for the database. The
//! tests run your server on a runtime with one thread and see where you hash:
//! `argon2()` notes the thread that asks for it, and a hash made on the
//! runtime's thread fails.
//!
//! Try it: `cargo run --bin cap1`, then
//! `curl -i localhost:3000/accounts -H 'content-type: application/json' -d '{"name":"ada","password":"correct horse"}'`
//! Read more: https://docs.rs/tokio/1/tokio/task/fn.spawn_blocking.html,
//! https://www.rfc-editor.org/rfc/rfc9457, OWASP Password Storage Cheat Sheet.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{Json, Path, State, rejection::JsonRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get, routing::post};
use rusqlite::{Connection, ErrorCode, OptionalExtension};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

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
/// Call it where you hash: it notes the thread it runs on.
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
    let stored = hash.clone();
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
    let body = Json(json!({"id": id, "name": account.name, "password_hash": stored}));
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

fn app(db: Db) -> Router {
    Router::new()
        .route("/accounts", post(create_account))
        .route("/accounts/{id}", get(get_account))
        .with_state(db)
}

#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    // Standard error: standard output is for the service's own output (stage 4's logs).
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(Db::open_in_memory()))
        .await
        .unwrap();
}
