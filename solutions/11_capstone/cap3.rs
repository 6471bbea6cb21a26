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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/server_check.rs"]
mod server_check;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_check::{Check, Run};
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

    /// A fresh server whose accounts Ada and grace have logged in: the check run, the clock,
    /// and their tokens. Checks on notes depend on "log in".
    fn start() -> (Run, Arc<TestClock>, String, String) {
        let clock = Arc::new(TestClock(AtomicU64::new(NOW)));
        let state = App {
            db: Db::open_in_memory(),
            clock: clock.clone(),
            secret: Arc::from(SECRET),
        };
        let run = Run::new(serve(state)).replay("cargo run --bin cap3", "http://127.0.0.1:3000");
        let mut run = run;
        let mut tokens = Vec::new();
        for name in ["Ada", "grace"] {
            let body = json!({"name": name, "password": PASSWORD});
            let what = format!("sign up {name}");
            run.check(
                Check::new(&what)
                    .post("/accounts")
                    .json(body.clone())
                    .expect_status(201),
            );
            let what = format!("log in {name}");
            let login = Check::new(&what)
                .post("/sessions")
                .json(body)
                .expect_status(200);
            tokens.push(run.check(login).json_str("/token"));
        }
        let ok = tokens.iter().all(|t| !t.is_empty());
        run.record("log in", ok, "the accounts could not log in (stage 2)");
        let grace = tokens.pop().unwrap();
        let ada = tokens.pop().unwrap();
        (run, clock, ada, grace)
    }

    fn write(what: &str, token: &str, text: &str) -> Check {
        let body = json!({ "text": text });
        let check = Check::new(what).post("/notes").bearer(token).json(body);
        check.depends_on("log in")
    }

    fn created(what: &str, token: &str, text: &str, id: u64) -> Check {
        write(what, token, text)
            .expect_status(201)
            .expect_header("location", &format!("/notes/{id}"))
            .expect_json(json!({"id": id, "text": text}))
    }

    fn list(what: &str, token: &str, notes: Value) -> Check {
        let check = Check::new(what)
            .get("/notes")
            .bearer(token)
            .depends_on("log in");
        check
            .expect_status(200)
            .expect_json(json!({ "notes": notes }))
    }

    fn not_found(check: Check) -> Check {
        let problem = json!({"type": "about:blank", "title": "Not Found", "status": 404});
        check
            .depends_on("log in")
            .expect_status(404)
            .expect_header("content-type", "application/problem+json")
            .expect_json_subset(problem)
    }

    fn unauthorized(check: Check, invalid_token: bool) -> Check {
        let challenge = match invalid_token {
            false => "Bearer realm=\"notes\"",
            true => "Bearer realm=\"notes\", error=\"invalid_token\"",
        };
        let problem = json!({"type": "about:blank", "title": "Unauthorized", "status": 401});
        check
            .depends_on("log in")
            .expect_status(401)
            .expect_header("www-authenticate", challenge)
            .expect_json_subset(problem)
    }

    #[test]
    fn notes_are_created_read_updated_and_deleted() {
        let (mut run, _, ada, _) = start();
        run.check(created("Ada writes note 1", &ada, "buy milk", 1));
        run.check(created("Ada writes note 2", &ada, "call Émile ☎", 2));
        let one = Check::new("Ada reads note 1").get("/notes/1").bearer(&ada);
        run.check(
            one.expect_status(200)
                .expect_json(json!({"id": 1, "text": "buy milk"})),
        );
        let both = json!([{"id": 1, "text": "buy milk"}, {"id": 2, "text": "call Émile ☎"}]);
        run.check(list("Ada lists her 2 notes, by id", &ada, both));
        let body = json!({"text": "buy oat milk"});
        let update = Check::new("Ada updates note 1")
            .put("/notes/1")
            .bearer(&ada)
            .json(body);
        let update = update.expect_status(200);
        run.check(update.expect_json(json!({"id": 1, "text": "buy oat milk"})));
        let reread = Check::new("note 1 has its new text")
            .get("/notes/1")
            .bearer(&ada);
        let updated = json!({"id": 1, "text": "buy oat milk"});
        run.check(reread.expect_status(200).expect_json(updated));
        let delete = Check::new("Ada deletes note 2").delete("/notes/2");
        let delete = delete.bearer(&ada).expect_status(204);
        run.check(
            delete.expect("no body", |reply| match reply.body.is_empty() {
                true => Ok(()),
                false => Err(format!("a 204 has no body, got {:?}", reply.text())),
            }),
        );
        let gone = Check::new("note 2 is gone after DELETE")
            .get("/notes/2")
            .bearer(&ada);
        run.check(not_found(gone));
        let again = Check::new("deleting note 2 again is 404")
            .delete("/notes/2")
            .bearer(&ada);
        run.check(not_found(again));
        let left = json!([{"id": 1, "text": "buy oat milk"}]);
        run.check(list("Ada lists what is left", &ada, left));
        run.check(not_found(
            Check::new("note 99 does not exist")
                .get("/notes/99")
                .bearer(&ada),
        ));
        let put99 = Check::new("PUT on note 99 is 404")
            .put("/notes/99")
            .bearer(&ada);
        run.check(not_found(put99.json(json!({"text": "x"}))));
        run.finish();
    }

    #[test]
    fn another_users_note_is_404_as_if_it_did_not_exist() {
        let (mut run, _, ada, grace) = start();
        run.check(created("Ada writes note 1", &ada, "Ada's secret", 1));
        run.check(created("grace writes note 2", &grace, "grace's note", 2));
        let read = Check::new("grace reads Ada's note 1: 404, as if it did not exist");
        let read = read.get("/notes/1").bearer(&grace);
        let read = not_found(read).expect_not_in_response("Ada's secret", "Ada's note");
        let other = run.check(read);
        let missing = Check::new("grace reads note 99, which does not exist: 404");
        let missing = run.check(not_found(missing.get("/notes/99").bearer(&grace)));
        if other.status == 404 && missing.status == 404 {
            let same = other.body == missing.body;
            let why = format!(
                "Ada's note answered {:?} and a missing note {:?}: the bodies must be the same, \
                 or grace learns that note 1 exists",
                other.text(),
                missing.text()
            );
            run.record("Ada's note looks exactly like a missing one", same, &why);
        }
        let put = Check::new("grace updates Ada's note 1: 404, as if it did not exist");
        let put = put
            .put("/notes/1")
            .bearer(&grace)
            .json(json!({"text": "hacked"}));
        run.check(not_found(put));
        let delete = Check::new("grace deletes Ada's note 1: 404, as if it did not exist");
        run.check(not_found(delete.delete("/notes/1").bearer(&grace)));
        let grace_list = json!([{"id": 2, "text": "grace's note"}]);
        run.check(list("grace lists only her own note", &grace, grace_list));
        let intact = json!([{"id": 1, "text": "Ada's secret"}]);
        let what = "Ada's note 1 is unchanged after grace's PUT and DELETE";
        run.check(list(what, &ada, intact));
        run.finish();
    }

    #[test]
    fn text_has_1_to_1000_characters_on_post_and_put() {
        let (mut run, _, ada, _) = start();
        let long = "é".repeat(1000);
        run.check(created("a text of 1 character", &ada, "a", 1));
        run.check(created(
            "a text of 1000 characters (é × 1000)",
            &ada,
            &long,
            2,
        ));
        let problem =
            json!({"type": "about:blank", "title": "Unprocessable Entity", "status": 422});
        let too_long = "a".repeat(1001);
        for (text, why) in [
            ("", "an empty text"),
            ("   \n", "a text of only white space"),
            (too_long.as_str(), "a text of 1001 characters"),
        ] {
            let what = format!("POST {why} is 422");
            let check = write(&what, &ada, text).expect_status(422);
            run.check(check.expect_json_subset(problem.clone()));
            let what = format!("PUT {why} is 422");
            let put = Check::new(&what).put("/notes/1").bearer(&ada);
            let put = put.json(json!({ "text": text })).depends_on("log in");
            run.check(put.expect_status(422).expect_json_subset(problem.clone()));
        }
        let unchanged = json!({"id": 1, "text": "a"});
        let read = Check::new("note 1 is unchanged after the refused PUTs").get("/notes/1");
        run.check(read.bearer(&ada).expect_status(200).expect_json(unchanged));
        run.finish();
    }

    #[test]
    fn notes_need_a_valid_bearer_token() {
        let (mut run, clock, ada, _) = start();
        let get = |what: &str| Check::new(what).get("/notes");
        run.check(unauthorized(get("no Authorization header is 401"), false));
        let basic = get("Basic credentials are 401 without an error code");
        run.check(unauthorized(
            basic.header("authorization", "Basic YWRhOnB3"),
            false,
        ));
        let lower = get("the scheme in lower case (`bearer`) is accepted");
        let lower = lower.header("authorization", &format!("bearer {ada}"));
        run.check(lower.depends_on("log in").expect_status(200));
        let garbage = get("a token that is not a JWT is 401 invalid_token").bearer("not.a.jwt");
        run.check(unauthorized(garbage, true));
        let claims = Claims {
            sub: "1".into(),
            name: "Ada".into(),
            iat: NOW,
            exp: NOW + 3600,
        };
        let key = EncodingKey::from_secret(b"another secret, not the app's one");
        let forged = jsonwebtoken::encode(&Header::default(), &claims, &key).unwrap();
        let forged = get("a token signed with another key is 401 invalid_token").bearer(&forged);
        run.check(unauthorized(forged, true));
        let tampered = get("a token with a changed signature is 401 invalid_token");
        run.check(unauthorized(tampered.bearer(&tampered_token(&ada)), true));
        clock.0.store(NOW + 3599, Ordering::SeqCst);
        let fresh = get("one second before exp (app clock), the token still works");
        run.check(fresh.bearer(&ada).depends_on("log in").expect_status(200));
        clock.0.store(NOW + 3600, Ordering::SeqCst);
        let expired = get("at exp (app clock: the token expired) it is 401 invalid_token");
        run.check(unauthorized(expired.bearer(&ada), true));
        clock.0.store(NOW + 7200, Ordering::SeqCst);
        let later = get("an hour after exp it is 401 invalid_token");
        run.check(unauthorized(later.bearer(&ada), true));
        let post = Check::new("POST /notes with an expired token is 401 and writes nothing");
        let post = post
            .post("/notes")
            .bearer(&ada)
            .json(json!({"text": "late"}));
        run.check(unauthorized(post, true));
        run.finish();
    }

    /// The token with the first character of its signature changed.
    fn tampered_token(token: &str) -> String {
        let at = token.rfind('.').map_or(0, |dot| dot + 1);
        let Some(first) = token[at..].chars().next() else {
            return token.to_string();
        };
        let other = if first == 'A' { "B" } else { "A" };
        let rest = &token[at + first.len_utf8()..];
        format!("{}{other}{rest}", &token[..at])
    }
}
