//! # capstone: the service of stages 1 and 2, and what every later stage shares
//!
//! Spoiler: this is the course's own solution of capstone stages 1 (accounts) and 2 (login).
//! Finish those stages before you read it. From stage 3 on, your file declares this module
//! (`#[path = "../../support/capstone.rs"] mod capstone;`) and builds on it, so that your
//! stage's work is what your file shows. It is the course's: editing your workspace's copy
//! changes nothing when your work is graded.
//!
//! - `Db`: one SQLite connection (accounts and notes), used only on tokio's blocking pool.
//! - `Problem`: an error answer as RFC 9457 problem details.
//! - `create_account`, `get_account`, `login`: the handlers of stages 1 and 2.
//! - `App`: what the handlers share (the database, the clock, the token key, the caches).
//! - `User`, `unauthorized`, `NoteText`, `validate_text`, `no_such_note`, `create_note`,
//!   `list_notes`: the pieces of the notes API (stage 3) that your stage does not change.
#![allow(dead_code)]

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::Router;
use axum::extract::{FromRef, Json, Path, State, rejection::JsonRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{EncodingKey, Header};
use moka::sync::Cache;
use rusqlite::{Connection, ErrorCode, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The database: one connection, shared, used only on tokio's blocking pool.
#[derive(Clone)]
pub struct Db {
    pub conn: Arc<Mutex<Connection>>,
    /// How many times `call` ran: the tests watch it.
    pub calls: Arc<AtomicUsize>,
    /// How many times `notes_of` read the database: the tests watch it.
    pub list_reads: Arc<AtomicUsize>,
    /// A test's hook: what runs once, just before the next `call` touches the database.
    pub interlude: Arc<Mutex<Option<Interlude>>>,
}

/// What a test runs between a handler's `call` and the database, e.g. another request.
pub type Interlude = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

impl Db {
    pub fn open_in_memory() -> Db {
        let conn = Connection::open_in_memory().expect("an in-memory database");
        conn.execute_batch(
            "CREATE TABLE accounts (
                 id INTEGER PRIMARY KEY,
                 name TEXT NOT NULL,
                 name_key TEXT NOT NULL UNIQUE, -- the name in lower case
                 password_hash TEXT NOT NULL
             );
             CREATE TABLE notes (
                 id INTEGER PRIMARY KEY,
                 owner INTEGER NOT NULL REFERENCES accounts (id),
                 text TEXT NOT NULL
             );
             CREATE INDEX notes_by_owner ON notes (owner, id);",
        )
        .expect("the schema");
        let conn = Arc::new(Mutex::new(conn));
        let (calls, list_reads) = (Arc::default(), Arc::default());
        Db {
            conn,
            calls,
            list_reads,
            interlude: Arc::default(),
        }
    }

    /// For the tests: `then` runs (to its end) when the next `call` begins, before that call
    /// touches the database. A handler awaits it, so the server answers other requests meanwhile.
    pub fn before_next_call(&self, then: impl std::future::Future<Output = ()> + Send + 'static) {
        *self.interlude.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::pin(then));
    }

    /// Runs `f` with the connection on the blocking pool, never on the runtime's threads.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let interlude = self
            .interlude
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(interlude) = interlude {
            interlude.await;
        }
        let db = self.conn.clone();
        let job =
            tokio::task::spawn_blocking(move || f(&db.lock().unwrap_or_else(|e| e.into_inner())));
        job.await.map_err(Problem::internal)?
    }

    /// All the notes of `owner`, by id, read from the database (and counted).
    pub async fn notes_of(&self, owner: i64) -> Result<Vec<Value>, Problem> {
        self.list_reads.fetch_add(1, Ordering::SeqCst);
        self.call(move |conn| {
            let sql = "SELECT id, text FROM notes WHERE owner = ?1 ORDER BY id";
            let mut select = conn.prepare(sql)?;
            let rows = select.query_map([owner], |row| {
                Ok(json!({"id": row.get::<_, i64>(0)?, "text": row.get::<_, String>(1)?}))
            })?;
            Ok(rows.collect::<Result<Vec<Value>, _>>()?)
        })
        .await
    }
}

/// An error answer as RFC 9457 problem details.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        let detail = detail.into();
        Problem { status, detail }
    }
    /// A 500 that tells the client nothing; the cause goes to the server's log.
    pub fn internal(cause: impl std::fmt::Display) -> Problem {
        ::std::eprintln!("internal error: {cause}");
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
pub fn title(status: StatusCode) -> &'static str {
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
pub fn is_unique_violation(error: &rusqlite::Error) -> bool {
    let failure = error.sqlite_error();
    let unique =
        |f: &rusqlite::ffi::Error| f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE;
    failure.is_some_and(|f| f.code == ErrorCode::ConstraintViolation && unique(f))
}

/// argon2id with small parameters, so that the tests stay fast (production: the defaults).
pub fn argon2() -> Argon2<'static> {
    let params = Params::new(4096, 1, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Deserialize)]
pub struct NewAccount {
    pub name: String,
    pub password: String,
}

/// Stage 1's rules: a name of 3 to 32 characters, none white space or a control character;
/// a password of 8 to 128 characters.
pub fn validate(account: &NewAccount) -> Result<(), String> {
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
pub async fn create_account(
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
    let location = [(header::LOCATION, ::std::format!("/accounts/{id}"))];
    let body = Json(json!({"id": id, "name": account.name}));
    Ok((StatusCode::CREATED, location, body).into_response())
}

// GET /accounts/{id}
pub async fn get_account(
    State(db): State<Db>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, Problem> {
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

/// Seconds since 1970-01-01 UTC, with their fraction (a JWT NumericDate may have one,
/// RFC 7519 §2). The app reads the time only through this.
pub trait Clock: Send + Sync {
    fn now(&self) -> f64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> f64 {
        let since = SystemTime::now().duration_since(UNIX_EPOCH);
        since.map_or(0.0, |d| d.as_secs_f64())
    }
}

/// The key `main` signs tokens with, in every stage. A real service reads its secret from
/// the environment (topic 08), never from the code; the tests sign with it too, so that a
/// token a failed check shows is one your own server (`cargo run`) can verify.
pub const DEV_SECRET: &[u8] = b"change me: a long random secret from the environment";

/// How long a token lives, in seconds.
pub const TOKEN_LIFETIME: u64 = 3600;

/// How far the issuer's clock may be ahead of ours, in seconds: a token whose `nbf` or `iat`
/// is at most this far in the future is accepted (RFC 7519 §4.1.5 allows "some small leeway").
pub const LEEWAY: f64 = 30.0;

/// A token's claims. Times are NumericDates: seconds, possibly with a fraction.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub name: String,
    pub iat: f64,
    pub exp: f64,
    /// Not before: absent in the tokens `login` issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<f64>,
}

/// Each account's list of notes, as `GET /notes` answers it, by account id (stage 4).
pub type NotesCache = Cache<i64, Arc<Vec<Value>>>;

/// Pages of notes by (account id, after, limit) (stage 5).
pub type PagesCache = Cache<(i64, i64, i64), Arc<Value>>;

/// What the handlers share. `State<Db>` and the caches work through `FromRef`.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// The key that signs tokens (HS256).
    pub secret: Arc<[u8]>,
    pub notes_cache: NotesCache,
    pub pages: PagesCache,
}

impl App {
    pub fn new(db: Db, clock: Arc<dyn Clock>, secret: Arc<[u8]>) -> App {
        let notes_cache = Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(300))
            .build();
        let pages = Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(300))
            .support_invalidation_closures()
            .build();
        App {
            db,
            clock,
            secret,
            notes_cache,
            pages,
        }
    }

    /// Forgets everything cached about `owner`'s notes: call it after each write.
    pub fn forget(&self, owner: i64) {
        self.notes_cache.invalidate(&owner);
        let forgotten = self
            .pages
            .invalidate_entries_if(move |key, _| key.0 == owner);
        forgotten.expect("the pages cache supports invalidation closures");
    }
}

impl FromRef<App> for Db {
    fn from_ref(app: &App) -> Db {
        app.db.clone()
    }
}

impl FromRef<App> for NotesCache {
    fn from_ref(app: &App) -> NotesCache {
        app.notes_cache.clone()
    }
}

#[derive(Deserialize)]
pub struct Login {
    pub name: String,
    pub password: String,
}

/// The one answer for every failed login.
pub fn login_failed() -> Response {
    let problem = Problem::new(StatusCode::UNAUTHORIZED, "wrong name or password");
    let challenge = [(header::WWW_AUTHENTICATE, "Bearer realm=\"notes\"")];
    (challenge, problem).into_response()
}

/// A valid hash of a password nobody has, checked when the name is unknown so that
/// both failures take as long.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$8/ALHOR1L8+FBJrvtHJ2eLdXZ0IWfcK1D5cKY0GxBsE";

// POST /sessions
pub async fn login(
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
        let verified = argon2().verify_password(login.password.as_bytes(), &hash);
        Ok::<_, Problem>(verified.is_ok())
    });
    let verified = verified.await.map_err(Problem::internal)??;
    let Some((id, name, _)) = found.filter(|_| verified) else {
        return Ok(login_failed());
    };
    let now = app.clock.now().floor();
    let claims = Claims {
        sub: id.to_string(),
        name,
        iat: now,
        exp: now + TOKEN_LIFETIME as f64,
        nbf: None,
    };
    let key = EncodingKey::from_secret(&app.secret);
    let token =
        jsonwebtoken::encode(&Header::default(), &claims, &key).map_err(Problem::internal)?;
    let body = json!({"token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME});
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    Ok((no_store, Json(body)).into_response())
}

/// The account a request acts for, proven by its bearer token.
pub struct User {
    pub id: i64,
}

/// 401, with the challenge of RFC 6750 §3: `error="invalid_token"` when a bearer token was
/// sent but is not good.
pub fn unauthorized(invalid_token: bool) -> Response {
    let challenge = match invalid_token {
        false => "Bearer realm=\"notes\"",
        true => "Bearer realm=\"notes\", error=\"invalid_token\"",
    };
    let problem = Problem::new(StatusCode::UNAUTHORIZED, "log in first: POST /sessions");
    ([(header::WWW_AUTHENTICATE, challenge)], problem).into_response()
}

#[derive(Deserialize)]
pub struct NoteText {
    pub text: String,
}

/// 1 to 1000 characters, not only white space.
pub fn validate_text(text: &str) -> Result<(), Problem> {
    if text.trim().is_empty() || text.chars().count() > 1000 {
        let detail = "text must have 1 to 1000 characters, not only white space";
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail));
    }
    Ok(())
}

/// The answer for a note that does not exist, or is not yours.
pub fn no_such_note() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no such note")
}

// POST /notes: 201 with `Location`.
pub async fn create_note(
    user: User,
    State(app): State<App>,
    note: Result<Json<NoteText>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(note) = note?;
    validate_text(&note.text)?;
    let text = note.text.clone();
    let id = app
        .db
        .call(move |conn| {
            let sql = "INSERT INTO notes (owner, text) VALUES (?1, ?2)";
            conn.execute(sql, (user.id, &text))?;
            Ok(conn.last_insert_rowid())
        })
        .await?;
    app.forget(user.id); // after the write: a reader now finds the new note
    let location = [(header::LOCATION, ::std::format!("/notes/{id}"))];
    let body = Json(json!({"id": id, "text": note.text}));
    Ok((StatusCode::CREATED, location, body).into_response())
}

// GET /notes: all the notes of the account, by id.
pub async fn list_notes(user: User, State(app): State<App>) -> Result<Json<Value>, Problem> {
    let notes = app.db.notes_of(user.id).await?;
    Ok(Json(json!({ "notes": notes })))
}

/// Serves `routes` on 127.0.0.1:3000 until the process ends. The address goes to standard
/// error: standard output is for the service's own output (stage 4's JSON log lines).
pub async fn serve_on_port_3000(routes: Router) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .expect("port 3000 is free");
    let addr = listener.local_addr().expect("a bound address");
    ::std::eprintln!("listening on http://{addr}");
    axum::serve(listener, routes).await.expect("the server");
}
