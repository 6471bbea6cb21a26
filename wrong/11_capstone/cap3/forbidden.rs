// wrong: answers 403 Forbidden for another account's note, which confirms it exists
// expect: 404, as if it did not exist
// expect: got 403 Forbidden
//! # Capstone, stage 3: notes that belong to someone
//!
//! Stage 2 handed out tokens. Now they open doors: the notes API.
//!
//! | request                | answer                                         |
//! |------------------------|------------------------------------------------|
//! | `POST /notes {"text"}` | 201, `Location: /notes/<id>`, `{"id", "text"}` |
//! | `GET /notes`           | 200, `{"notes": [{"id", "text"}, ...]}`, by id |
//! | `GET /notes/{id}`      | 200, `{"id", "text"}`                          |
//! | `PUT /notes/{id}`      | 200, `{"id", "text"}` with the new text        |
//! | `DELETE /notes/{id}`   | 204, no body                                   |
//!
//! **Who is asking?** Every notes request carries `Authorization: Bearer
//! <token>` (auth9). An axum extractor (`FromRequestParts`) turns it into a
//! `User`, or answers 401 before the handler runs: without bearer credentials
//! `WWW-Authenticate: Bearer realm="notes"`; with a token that is malformed,
//! forged or expired, `Bearer realm="notes", error="invalid_token"` (RFC 6750
//! §3). A token has expired once the app's clock reaches its `exp` (RFC 7519
//! §4.1.4: "on or after"); jsonwebtoken's own `exp` check reads the system
//! clock, so switch it off and compare with `app.clock` yourself (auth6).
//!
//! **Whose note is it?** A note belongs to the account that wrote it. Anyone
//! else gets 404 Not Found, exactly as for a note that does not exist: a 403
//! would confirm that note 7 exists (OWASP: Insecure Direct Object
//! Reference). Put the owner in the SQL (`WHERE id = ?1 AND owner = ?2`)
//! rather than loading the note and comparing afterwards, which is easy to
//! forget on one path.
//!
//! **Valid text** has 1 to 1000 characters and is not only white space: else
//! 422, on PUT as on POST.
//!
//! Try it: `cargo run --bin cap3`, sign up and log in as in stage 2, then
//! `curl -i localhost:3000/notes -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"text":"milk"}'`
//! Read more: https://docs.rs/axum/0.8/axum/extract/trait.FromRequestParts.html,
//! RFC 6750 §3, https://cheatsheetseries.owasp.org/cheatsheets/Insecure_Direct_Object_Reference_Prevention_Cheat_Sheet.html

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{FromRef, FromRequestParts, Json, Path, State, rejection::JsonRejection};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get, routing::post};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
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
             );
             CREATE TABLE notes (
                 id INTEGER PRIMARY KEY,
                 owner INTEGER NOT NULL REFERENCES accounts (id),
                 text TEXT NOT NULL
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
    let location = [(header::LOCATION, format!("/notes/{id}"))];
    let body = Json(json!({"id": id, "text": note.text}));
    Ok((StatusCode::CREATED, location, body).into_response())
}

// GET /notes
async fn list_notes(user: User, State(db): State<Db>) -> Result<Json<Value>, Problem> {
    let notes = db
        .call(move |conn| {
            let sql = "SELECT id, text FROM notes WHERE owner = ?1 ORDER BY id";
            let mut select = conn.prepare(sql)?;
            let rows = select.query_map([user.id], |row| {
                Ok(json!({"id": row.get::<_, i64>(0)?, "text": row.get::<_, String>(1)?}))
            })?;
            Ok(rows.collect::<Result<Vec<Value>, _>>()?)
        })
        .await?;
    Ok(Json(json!({ "notes": notes })))
}

// GET /notes/{id}
async fn get_note(
    user: User,
    State(db): State<Db>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, Problem> {
    let text = db
        .call(move |conn| {
            let sql = "SELECT owner, text FROM notes WHERE id = ?1";
            let row = conn.query_row(sql, [id], |row| Ok((row.get::<_, i64>(0)?, row.get(1)?)));
            Ok(row.optional()?)
        })
        .await?;
    let (owner, text): (i64, String) = text.ok_or_else(no_such_note)?;
    if owner != user.id {
        return Err(Problem::new(StatusCode::FORBIDDEN, "not your note"));
    }
    Ok(Json(json!({"id": id, "text": text})))
}

// PUT /notes/{id}
async fn update_note(
    user: User,
    State(db): State<Db>,
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
    if changed == 0 {
        return Err(no_such_note());
    }
    Ok(Json(json!({"id": id, "text": note.text})))
}

// DELETE /notes/{id}
async fn delete_note(
    user: User,
    State(db): State<Db>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let deleted = db
        .call(move |conn| {
            let sql = "DELETE FROM notes WHERE id = ?1 AND owner = ?2";
            Ok(conn.execute(sql, (id, user.id))?)
        })
        .await?;
    match deleted {
        0 => Err(no_such_note()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

fn app(app: App) -> Router {
    Router::new()
        .route("/accounts", post(create_account))
        .route("/accounts/{id}", get(get_account))
        .route("/sessions", post(login))
        .route("/notes", post(create_note).get(list_notes))
        .route(
            "/notes/{id}",
            get(get_note).put(update_note).delete(delete_note),
        )
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
