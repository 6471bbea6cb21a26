// wrong: treats `after` as a number of notes to skip (an offset)
// expect: an offset would skip note 4
//! # Capstone, stage 5: pages that survive writes
//!
//! A list endpoint that answers everything at once breaks the day an account
//! has 50 000 notes. `GET /notes` now answers one page:
//! `{"notes": [...], "next": "/notes?limit=2&after=4"}`, where `next` is the
//! link to the following page, or `null` on the last one.
//!
//! - `limit`: how many notes a page holds, 1 to 100, 20 when absent. Anything
//!   else (0, 101, -1, `abc`, empty) is 422: a client that asks for a million
//!   rows must not get them, nor a silent default it did not ask for.
//! - `after`: the id of the last note of the previous page (0 when absent, a
//!   whole number otherwise, else 422). A page holds the notes with a greater
//!   id, in id order. This is *keyset* (cursor) pagination. An offset
//!   ("skip 2") would skip or repeat a note as soon as one is deleted or
//!   added between two pages; an id does not move.
//! - `next` only when more notes follow: a full page is not proof of that
//!   (the last page may be exactly full), so look one note further.
//!   Its `limit` is the page's limit, so the client keeps its page size.
//!
//! The list comes from stage 4's cache, so paging costs no database read:
//! `page` below works on the cached list of the account's notes, in id order.
//!
//! Try it: `cargo run --bin cap5`, then `curl -s 'localhost:3000/notes?limit=2' -H "authorization: Bearer $TOKEN"`
//! Read more: https://use-the-index-luke.com/no-offset, RFC 8288 (the `Link`
//! header, another place for `next`), https://docs.rs/axum/0.8/axum/extract/struct.Query.html

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::body::Body;
use axum::extract::{
    FromRef, FromRequestParts, Json, Path, Query, State, rejection::JsonRejection,
};
use axum::http::{Request, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get, routing::post};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use moka::sync::Cache;
use rusqlite::{Connection, ErrorCode, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

/// The database: one connection, shared, used only on tokio's blocking pool.
#[derive(Clone)]
struct Db {
    conn: Arc<Mutex<Connection>>,
    /// How many times `notes_of` read the database: the tests watch it.
    list_reads: Arc<AtomicUsize>,
}

impl Db {
    fn open_in_memory() -> Db {
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
             );",
        )
        .expect("the schema");
        let (conn, list_reads) = (Arc::new(Mutex::new(conn)), Arc::default());
        Db { conn, list_reads }
    }

    /// Runs `f` with the connection on the blocking pool, never on the runtime's threads.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        let db = self.conn.clone();
        let job =
            tokio::task::spawn_blocking(move || f(&db.lock().unwrap_or_else(|e| e.into_inner())));
        job.await.map_err(Problem::internal)?
    }

    /// The notes of `owner`, by id, read from the database (and counted).
    async fn notes_of(&self, owner: i64) -> Result<Vec<Value>, Problem> {
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

/// Each account's list of notes, as `GET /notes` answers it, by account id.
type NotesCache = Cache<i64, Arc<Vec<Value>>>;

/// What the handlers share. `State<Db>` and `State<NotesCache>` work through `FromRef`.
#[derive(Clone)]
struct App {
    db: Db,
    clock: Arc<dyn Clock>,
    /// The key that signs tokens (HS256).
    secret: Arc<[u8]>,
    notes_cache: NotesCache,
}

impl App {
    fn new(db: Db, clock: Arc<dyn Clock>, secret: Arc<[u8]>) -> App {
        let notes_cache = Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(300))
            .build();
        App {
            db,
            clock,
            secret,
            notes_cache,
        }
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

/// The account a request acts for, proven by its bearer token.
struct User {
    id: i64,
}

/// 401, with the challenge of RFC 6750 §3: `error="invalid_token"` when a bearer token was
/// sent but is not good.
fn unauthorized(invalid_token: bool) -> Response {
    let challenge = match invalid_token {
        false => "Bearer realm=\"notes\"",
        true => "Bearer realm=\"notes\", error=\"invalid_token\"",
    };
    let problem = Problem::new(StatusCode::UNAUTHORIZED, "log in first: POST /sessions");
    ([(header::WWW_AUTHENTICATE, challenge)], problem).into_response()
}

impl FromRequestParts<App> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<User, Response> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(false));
        };
        let value = value.to_str().map_err(|_| unauthorized(true))?;
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(unauthorized(false));
        }
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.validate_exp = false; // it reads the system clock: checked below instead
        let key = DecodingKey::from_secret(&app.secret);
        let token = token.trim_start_matches(' ');
        let decoded = jsonwebtoken::decode::<Claims>(token, &key, &validation);
        let claims = decoded.map_err(|_| unauthorized(true))?.claims;
        if app.clock.now() >= claims.exp {
            return Err(unauthorized(true));
        }
        let id = claims.sub.parse().map_err(|_| unauthorized(true))?;
        Ok(User { id })
    }
}

#[derive(Deserialize)]
struct NoteText {
    text: String,
}

/// 1 to 1000 characters, not only white space.
fn validate_text(text: &str) -> Result<(), Problem> {
    if text.trim().is_empty() || text.chars().count() > 1000 {
        let detail = "text must have 1 to 1000 characters, not only white space";
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail));
    }
    Ok(())
}

/// The answer for a note that does not exist, or is not yours.
fn no_such_note() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no such note")
}

// POST /notes
async fn create_note(
    user: User,
    State(db): State<Db>,
    State(cache): State<NotesCache>,
    note: Result<Json<NoteText>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(note) = note?;
    validate_text(&note.text)?;
    let text = note.text.clone();
    let id = db
        .call(move |conn| {
            let sql = "INSERT INTO notes (owner, text) VALUES (?1, ?2)";
            conn.execute(sql, (user.id, &text))?;
            Ok(conn.last_insert_rowid())
        })
        .await?;
    cache.invalidate(&user.id); // after the write: a reader now finds the new note
    let location = [(header::LOCATION, format!("/notes/{id}"))];
    let body = Json(json!({"id": id, "text": note.text}));
    Ok((StatusCode::CREATED, location, body).into_response())
}

/// Reads a whole number in `range` from the query, or says what is wrong with it.
fn number(
    query: &HashMap<String, String>,
    name: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, Problem> {
    let Some(text) = query.get(name) else {
        return Ok(default);
    };
    let value = text.parse::<i64>().ok().filter(|v| range.contains(v));
    let detail = format!(
        "{name} must be a whole number from {} to {}",
        range.start(),
        range.end()
    );
    value.ok_or_else(|| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail))
}

/// One page of `notes` (all of an account's notes, in id order), by the query's `limit` and
/// `after`: `{"notes": [...], "next": link or null}`.
fn page(notes: &[Value], query: &HashMap<String, String>) -> Result<Value, Problem> {
    let limit = number(query, "limit", 20, 1..=100)?;
    let after = number(query, "after", 0, 0..=i64::MAX)?;
    let newer = notes.iter().skip(after as usize);
    // One more than the page holds: is there a next page?
    let mut notes: Vec<&Value> = newer.take(limit as usize + 1).collect();
    let more = notes.len() > limit as usize;
    notes.truncate(limit as usize);
    let last = notes.last().and_then(|note| note["id"].as_i64());
    let next = match (more, last) {
        (true, Some(last)) => json!(format!("/notes?limit={limit}&after={last}")),
        _ => Value::Null,
    };
    Ok(json!({"notes": notes, "next": next}))
}

// GET /notes?limit=&after=
async fn list_notes(
    user: User,
    State(db): State<Db>,
    State(cache): State<NotesCache>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let notes = match cache.get(&user.id) {
        Some(notes) => notes,
        None => {
            let notes = Arc::new(db.notes_of(user.id).await?);
            cache.insert(user.id, notes.clone());
            notes
        }
    };
    Ok(Json(page(&notes, &query)?))
}

// GET /notes/{id}
async fn get_note(
    user: User,
    State(db): State<Db>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, Problem> {
    let text = db
        .call(move |conn| {
            let sql = "SELECT text FROM notes WHERE id = ?1 AND owner = ?2";
            let text = conn.query_row(sql, (id, user.id), |row| row.get::<_, String>(0));
            Ok(text.optional()?)
        })
        .await?;
    let text = text.ok_or_else(no_such_note)?;
    Ok(Json(json!({"id": id, "text": text})))
}

// PUT /notes/{id}
async fn update_note(
    user: User,
    State(db): State<Db>,
    State(cache): State<NotesCache>,
    Path(id): Path<i64>,
    note: Result<Json<NoteText>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    let Json(note) = note?;
    validate_text(&note.text)?;
    let text = note.text.clone();
    let changed = db
        .call(move |conn| {
            let sql = "UPDATE notes SET text = ?1 WHERE id = ?2 AND owner = ?3";
            Ok(conn.execute(sql, (&text, id, user.id))?)
        })
        .await?;
    cache.invalidate(&user.id);
    if changed == 0 {
        return Err(no_such_note());
    }
    Ok(Json(json!({"id": id, "text": note.text})))
}

// DELETE /notes/{id}
async fn delete_note(
    user: User,
    State(db): State<Db>,
    State(cache): State<NotesCache>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let deleted = db
        .call(move |conn| {
            let sql = "DELETE FROM notes WHERE id = ?1 AND owner = ?2";
            Ok(conn.execute(sql, (id, user.id))?)
        })
        .await?;
    cache.invalidate(&user.id);
    match deleted {
        0 => Err(no_such_note()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

/// One span per request, named "request", with the request's id, method and path, and
/// nothing else of the request: its headers carry tokens and cookies.
fn request_span(request: &Request<Body>) -> Span {
    let id = request.headers().get("x-request-id");
    let id = id.and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (method, path) = (request.method(), request.uri().path());
    tracing::info_span!("request", request_id = %id, method = %method, path = %path)
}

fn app(app: App) -> Router {
    let routes = Router::new()
        .route("/accounts", post(create_account))
        .route("/accounts/{id}", get(get_account))
        .route("/sessions", post(login))
        .route("/notes", post(create_note).get(list_notes))
        .route(
            "/notes/{id}",
            get(get_note).put(update_note).delete(delete_note),
        )
        .with_state(app);
    // Outermost first: the id is set before the span is made, and copied to the response.
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id());
    routes.layer(layers)
}

#[tokio::main]
async fn main() {
    // JSON logs on standard output, INFO and above.
    tracing_subscriber::fmt()
        .json()
        .with_max_level(Level::INFO)
        .init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    // A real service reads its secret from the environment (topic 08), never from the code.
    let secret: Arc<[u8]> = Arc::from(&b"change me: a long random secret from the environment"[..]);
    let state = App::new(Db::open_in_memory(), Arc::new(SystemClock), secret);
    axum::serve(listener, app(state)).await.unwrap();
}
