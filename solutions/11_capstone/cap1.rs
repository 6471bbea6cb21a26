//! # Capstone, stage 1: accounts
//!
//! From here on you build one service, stage by stage: a notes API with accounts,
//! login, protected notes, a cache and tracing. Each stage's file starts with the
//! previous stage's solution. The grading tests start your server on a free port
//! and talk to it over real HTTP; when a check fails you get the request as a
//! `curl` command, the bytes sent and received, and a diff of what differs.
//!
//! Stage 1: `POST /accounts` with `{"name": "...", "password": "..."}` signs up.
//! - **Never store the password.** Store an argon2id hash (auth1), made with a
//!   fresh random salt, and never send the hash back: a response carries only
//!   what the client needs, `{"id": 1, "name": "ada"}`.
//! - **201 Created with `Location: /accounts/<id>`** (RFC 9110 §15.3.2), the
//!   URL where the new resource lives (`GET /accounts/{id}` is provided).
//! - **Names are unique whatever their case**: if `Ada` exists, `ada` and `ADA`
//!   are taken, and so is `émile` once `Émile` exists: otherwise two people can
//!   look identical on screen (OWASP Authentication Cheat Sheet, "User IDs").
//!   Let the database enforce it (a UNIQUE column holding the lower-case name;
//!   SQLite's `COLLATE NOCASE` folds only ASCII), and answer a clash with
//!   409 Conflict.
//! - **Invalid input is 422** with an RFC 9457 problem details body, whose
//!   `detail` names the field. Lengths are counted in characters, not bytes.
//!
//! **SQLite from async code.** A rusqlite call blocks its thread until the disk
//! answers, and argon2 keeps a core busy on purpose. On tokio's worker threads
//! that stalls every other request, so both run on the blocking pool:
//! `tokio::task::spawn_blocking`. `Db::call` below does it for the database.
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
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(Db::open_in_memory()))
        .await
        .unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/server_check.rs"]
mod server_check;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_check::{Check, Run};
    use argon2::{PasswordHash, PasswordVerifier};
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    /// Starts `app` on a free port, on a runtime of its own in a background thread. The
    /// runtime has one thread: a call that blocks it stops the whole server.
    fn serve(db: Db) -> SocketAddr {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app(db)).await.unwrap();
            });
        });
        rx.recv().expect("the server did not start: `app` panicked")
    }

    /// A fresh database and a server on it.
    fn start() -> (Db, Run) {
        let db = Db::open_in_memory();
        let run = Run::new(serve(db.clone()));
        (
            db,
            run.replay("cargo run --bin cap1", "http://127.0.0.1:3000"),
        )
    }

    fn sign_up(what: &str, name: &str, password: &str) -> Check {
        let body = json!({"name": name, "password": password});
        Check::new(what).post("/accounts").json(body)
    }

    /// A 422 problem whose detail names `field`, and that does not echo the password.
    fn refused(what: &str, name: &str, password: &str, field: &'static str) -> Check {
        let problem =
            json!({"type": "about:blank", "title": "Unprocessable Entity", "status": 422});
        sign_up(what, name, password)
            .expect_status(422)
            .expect_header("content-type", "application/problem+json")
            .expect_json_subset(problem)
            .expect_json_at("/detail", "<string>")
            .expect(
                &format!("a detail that names the field `{field}`"),
                move |reply| {
                    let detail = reply.json_str("/detail");
                    match detail.contains(field) {
                        true => Ok(()),
                        false => Err(format!("body /detail: {detail:?} does not say `{field}`")),
                    }
                },
            )
            .expect_not_in_response(password, "the password")
    }

    #[test]
    fn the_server_answers_while_the_database_is_busy() {
        let db = Db::open_in_memory();
        let addr = serve(db.clone());
        let mut run = Run::new(addr).replay("cargo run --bin cap1", "http://127.0.0.1:3000");
        let busy = db.0.lock().unwrap(); // the test holds the database for a while
        let signing_up = std::thread::spawn(move || {
            let mut run = Run::new(addr).timeout(Duration::from_secs(10));
            let sign_up = sign_up("sign up Ada", "Ada", "correct horse battery");
            run.check(sign_up.expect_status(201)).status
        });
        // Meanwhile other requests (a 404 needs no database) must be answered at once.
        let start = Instant::now();
        let mut stalled = None;
        while start.elapsed() < Duration::from_millis(300) && stalled.is_none() {
            let asked = Instant::now();
            let mut probe = Run::new(addr).timeout(Duration::from_secs(2));
            let reply = probe.check(Check::new("probe").get("/no-such-page").expect_status(404));
            stalled = (reply.status != 404).then(|| asked.elapsed());
        }
        drop(busy);
        let why = format!(
            "while POST /accounts waited for the database, GET /no-such-page got no answer \
             within {} ms: a database call blocks the runtime's thread, so every request \
             waits. Run database calls on the blocking pool (`db.call`, which uses \
             `tokio::task::spawn_blocking`), never directly in a handler",
            stalled.unwrap_or_default().as_millis()
        );
        let what = "other requests are answered while one waits for the database";
        run.record(what, stalled.is_none(), &why);
        let status = signing_up.join().unwrap_or_default();
        let why = format!("once the database was free, POST /accounts answered {status}");
        run.record("the waiting sign-up then succeeds", status == 201, &why);
        run.finish();
    }

    #[test]
    fn signing_up_answers_201_with_location_and_no_secret() {
        let (db, mut run) = start();
        let password = "correct horse battery";
        run.check(
            sign_up("sign up ada", "Ada", password)
                .expect_status(201)
                .expect_header("location", "/accounts/1")
                .expect_json(json!({"id": 1, "name": "Ada"}))
                .expect_not_in_response(password, "the password")
                .expect_not_in_response("$argon2", "the password hash"),
        );
        run.check(
            sign_up("sign up grace, the second account", "grace", password)
                .expect_status(201)
                .expect_header("location", "/accounts/2")
                .expect_json(json!({"id": 2, "name": "grace"})),
        );
        run.check(
            Check::new("the Location of ada answers")
                .get("/accounts/1")
                .depends_on("sign up ada")
                .expect_status(200)
                .expect_json(json!({"id": 1, "name": "Ada"}))
                .expect_not_in_response("$argon2", "the password hash"),
        );
        let rows: Vec<(String, String)> = {
            let conn = db.0.lock().unwrap();
            let mut select = conn
                .prepare("SELECT name, password_hash FROM accounts")
                .unwrap();
            let rows = select
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap();
            rows.map(Result::unwrap).collect()
        };
        for (name, stored) in &rows {
            let parsed = PasswordHash::new(stored);
            let verifies =
                parsed.is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok());
            let ok = stored.starts_with("$argon2id$") && verifies && !stored.contains(password);
            let why = format!(
                "the database holds {stored:?} for {name}: it should hold an argon2id hash \
                 (a PHC string `$argon2id$v=19$...`) of the password, never the password"
            );
            run.record(
                &format!("{name}'s password is stored as an argon2id hash"),
                ok,
                &why,
            );
        }
        if let [(_, first), (_, second)] = &rows[..] {
            let why = format!(
                "ada and grace have the same password, and the database holds the same hash for \
                 both ({first:?}): each hash needs a fresh random salt (SaltString::generate), \
                 or equal passwords show"
            );
            run.record(
                "equal passwords get different hashes",
                first != second,
                &why,
            );
        }
        run.finish();
    }

    #[test]
    fn a_name_is_taken_whatever_its_case() {
        let (_, mut run) = start();
        let password = "correct horse battery";
        run.check(sign_up("sign up Ada", "Ada", password).expect_status(201));
        run.check(sign_up("sign up Émile", "Émile", password).expect_status(201));
        let conflict = json!({"type": "about:blank", "title": "Conflict", "status": 409});
        for (name, why) in [
            ("Ada", "the same name"),
            ("ada", "Ada exists: names are unique whatever their case"),
            ("ADA", "Ada exists: names are unique whatever their case"),
            (
                "émile",
                "Émile exists: case-insensitive for letters beyond ASCII too",
            ),
            (
                "ÉMILE",
                "Émile exists: case-insensitive for letters beyond ASCII too",
            ),
        ] {
            let what = format!("sign up {name} is 409 Conflict ({why})");
            run.check(
                sign_up(&what, name, "another password")
                    .depends_on("sign up Ada")
                    .depends_on("sign up Émile")
                    .expect_status(409)
                    .expect_header("content-type", "application/problem+json")
                    .expect_json_subset(conflict.clone()),
            );
        }
        run.check(
            sign_up("sign up adam, a different name", "adam", password)
                .expect_status(201)
                .expect_header("location", "/accounts/3"),
        );
        run.finish();
    }

    #[test]
    fn names_have_3_to_32_characters_without_spaces() {
        let (_, mut run) = start();
        let password = "correct horse battery";
        let accepted = [
            ("abc".to_string(), "3 characters"),
            ("a".repeat(32), "32 characters"),
            (
                "é".repeat(32),
                "32 characters (64 bytes in UTF-8: count characters)",
            ),
            ("名前".repeat(16), "32 characters (96 bytes in UTF-8)"),
        ];
        for (name, why) in accepted {
            let what = format!("a name of {why} is accepted");
            run.check(sign_up(&what, &name, password).expect_status(201));
        }
        let refused_names = [
            (String::new(), "an empty name"),
            ("ab".to_string(), "a name of 2 characters"),
            ("b".repeat(33), "a name of 33 characters"),
            ("é".repeat(33), "a name of 33 characters (é × 33)"),
            ("ada lovelace".to_string(), "a name with a space"),
            ("ada\tl".to_string(), "a name with a tab"),
            (" bob".to_string(), "a name that starts with a space"),
            (
                "ada\u{7}".to_string(),
                "a name with a control character (BEL)",
            ),
        ];
        for (name, why) in refused_names {
            let what = format!("{why} is 422");
            run.check(refused(&what, &name, password, "name"));
        }
        run.finish();
    }

    #[test]
    fn passwords_have_8_to_128_characters() {
        let (_, mut run) = start();
        let accepted = [
            ("ab", "12345678".to_string(), "8 characters"),
            ("cd", "é".repeat(8), "8 characters (é × 8)"),
            ("ef", "p".repeat(128), "128 characters"),
        ];
        for (suffix, password, why) in accepted {
            let what = format!("a password of {why} is accepted");
            run.check(sign_up(&what, &format!("user{suffix}"), &password).expect_status(201));
        }
        let refused_passwords = [
            ("1234567".to_string(), "7 characters"),
            (
                "é".repeat(4),
                "4 characters (é × 4, 8 bytes: count characters)",
            ),
            ("p".repeat(129), "129 characters"),
            (String::new(), "no characters"),
        ];
        for (password, why) in refused_passwords {
            let what = format!("a password of {why} is 422");
            run.check(refused(&what, "dave", &password, "password"));
        }
        run.finish();
    }
}
