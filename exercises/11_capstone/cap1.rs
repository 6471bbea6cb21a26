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
// TODO: a name has 3 to 32 characters, none of them white space or a control
// character as Unicode defines them (the lesson says which); a password has 8 to
// 128 characters of any kind. Characters, not bytes. The message names the field
// ("name ..." or "password ..."), and never repeats the password itself.
fn validate(account: &NewAccount) -> Result<(), String> {
    todo!("check the name, then the password")
}

// POST /accounts
// TODO: sign the account up, by the rules of the lesson:
// - input that `validate` refuses is 422, with its message as the detail;
// - hash the password, exactly as sent, with `argon2()` and a fresh random
//   salt, off the runtime's threads (hashing is slow on purpose);
// - store the name, its lower-case key and the hash with `db.call`; a name
//   whose key is taken is 409 Conflict, any other database error a 500;
// - answer 201 with the new account's `Location` and `{"id", "name"}`: the
//   password and its hash never leave the server.
async fn create_account(
    State(db): State<Db>,
    account: Result<Json<NewAccount>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(account) = account?;
    todo!("sign {} up", account.name)
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
    use crate::generated::{UNICODE_SPACES, config, tricky_char, tricky_text};
    use crate::server_check::{Check, Run};
    use argon2::{PasswordHash, PasswordVerifier};
    use proptest::prelude::*;
    use proptest::test_runner::{TestError, TestRunner};
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    const PASSWORD: &str = "correct horse battery";

    /// Starts `app` on a free port, on a runtime of its own in a background thread. The
    /// runtime has one thread, which runs every handler: a call that blocks it stops the
    /// whole server. Returns the address and that thread.
    fn serve(db: Db) -> (SocketAddr, ThreadId) {
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
                axum::serve(listener, app(db)).await.unwrap();
            });
        });
        rx.recv().expect("the server did not start: `app` panicked")
    }

    fn replaying(addr: SocketAddr) -> Run {
        Run::new(addr).replay("cargo run --bin cap1", "http://127.0.0.1:3000")
    }

    /// A fresh database and a server on it; the thread of the server's runtime.
    fn start() -> (Db, Run, ThreadId) {
        let db = Db::open_in_memory();
        let (addr, runtime) = serve(db.clone());
        (db, replaying(addr), runtime)
    }

    fn sign_up(what: &str, name: &str, password: &str) -> Check {
        let body = json!({"name": name, "password": password});
        Check::new(what).post("/accounts").json(body)
    }

    /// A 422 problem whose detail names `field`, and that does not echo the password.
    fn refused(what: &str, name: &str, password: &str, field: &'static str) -> Check {
        let problem =
            json!({"type": "about:blank", "title": "Unprocessable Content", "status": 422});
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

    /// Text with each character that is not an ASCII letter or digit written out, so that a
    /// learner sees what an input holds: `"ada\u{a0}x"` (5 characters, 6 bytes; U+00A0 is
    /// white space).
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

    /// The reference rules: may `validate` accept the account, and which fields may its
    /// refusal name? Zero-width and other invisible characters that are not white space are
    /// outside the rule: a name with one may be accepted or refused.
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

    /// Names near the rules' edges: 2, 3, 32 and 33 characters, multi-byte letters, and
    /// white space or control characters of every kind at any place.
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

    /// Passwords of 0, 7, 8, 9, 127, 128, 129 characters or any length, of any characters:
    /// spaces of every kind, controls, multi-byte letters.
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
        fn validate_follows_the_rules_on_generated_accounts(
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

    /// Sign-ups of a few names in any case (ASCII, Latin, Greek, Cyrillic, `ß`, `İ`), some of
    /// which the database refuses for another reason than a duplicate.
    fn sign_ups() -> impl Strategy<Value = Vec<(String, Failure)>> {
        let names = vec!["Ada", "Émile", "Straße", "Ωmega", "İlkay", "Джон"];
        let name = (
            proptest::sample::select(names),
            proptest::collection::vec(any::<bool>(), 6),
        );
        let name = name.prop_map(|(name, upper)| {
            let case = |(c, up): (char, &bool)| match up {
                true => c.to_uppercase().collect::<String>(),
                false => c.to_lowercase().collect(),
            };
            name.chars()
                .zip(upper.iter().cycle())
                .map(case)
                .collect::<String>()
        });
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
            let check = sign_up(&what, &name, PASSWORD);
            let check = match failure {
                Failure::None if taken.contains(&key) => {
                    let conflict = json!({"title": "Conflict", "status": 409});
                    let what = format!(
                        "status 409: {name:?} in lower case is {key:?}, which an earlier \
                         account has"
                    );
                    check
                        .expect_status(409)
                        .expect_json_subset(conflict)
                        .expect(&what, |_| Ok(()))
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
                db.0.lock()
                    .unwrap()
                    .execute_batch("PRAGMA query_only = ON;")
                    .unwrap();
            }
            run.check(check);
            if read_only {
                db.0.lock()
                    .unwrap()
                    .execute_batch("PRAGMA query_only = OFF;")
                    .unwrap();
            }
        }
        run.verdict()
    }

    #[test]
    fn a_taken_name_is_409_and_any_other_database_error_500() {
        let db = Db::open_in_memory();
        db.0.lock()
            .unwrap()
            .execute_batch(
                "CREATE TABLE refusals (x TEXT NOT NULL);
                 CREATE TRIGGER refuse_abort BEFORE INSERT ON accounts WHEN NEW.name GLOB 'refuse-*'
                 BEGIN SELECT RAISE(ABORT, 'refused by the tests'); END;
                 CREATE TRIGGER refuse_null BEFORE INSERT ON accounts WHEN NEW.name GLOB 'null-*'
                 BEGIN INSERT INTO refusals (x) VALUES (NULL); END;",
            )
            .unwrap();
        let (addr, _) = serve(db.clone());
        for_generated(32, sign_ups(), |sign_ups| {
            check_sign_ups(addr, &db, sign_ups)
        });
    }

    #[test]
    fn the_server_answers_while_the_database_is_busy() {
        let db = Db::open_in_memory();
        let (addr, _) = serve(db.clone());
        let mut run = replaying(addr);
        let busy = db.0.lock().unwrap(); // the test holds the database for a while
        let signing_up = std::thread::spawn(move || {
            let mut run = Run::new(addr).timeout(Duration::from_secs(10));
            let sign_up = sign_up("sign up Ada", "Ada", PASSWORD);
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
    fn passwords_are_hashed_off_the_runtimes_thread() {
        let (_, mut run, runtime) = start();
        run.check(sign_up("sign up Ada", "Ada", PASSWORD).expect_status(201));
        let _ = argon2();
        let threads = ARGON2_THREADS.lock().unwrap().clone();
        let why = "`argon2()` did not note the thread that called it: it must note every \
                   thread that asks it for a hasher, or this test cannot see where the \
                   password is hashed (keep the given `argon2()` as it is)";
        let what = "`argon2()` notes the thread that calls it";
        let noted = threads.contains(&std::thread::current().id());
        run.record(what, noted, why);
        let hashed_there = threads.contains(&runtime);
        let why = "`argon2()` was called on the runtime's own thread, the one that runs every \
                   handler: while argon2 works (on purpose slowly), no other request is \
                   answered. Hash inside `tokio::task::spawn_blocking`, as `db.call` does for \
                   the database";
        let what = "the password is hashed on the blocking pool, not the runtime's thread";
        run.record_after(&["sign up Ada"], what, !hashed_there, why);
        run.finish();
    }

    #[test]
    fn signing_up_answers_201_with_location_and_no_secret() {
        let (db, mut run, _) = start();
        let spaced = "\u{3000} correct horse battery\u{a0}";
        let accounts = [("ada", "Ada", PASSWORD), ("grace", "grace", PASSWORD)];
        let accounts = [accounts[0], accounts[1], ("Émile", "Émile", spaced)];
        for (k, (what, name, password)) in accounts.into_iter().enumerate() {
            let what = format!("sign up {what}");
            let id = k + 1;
            run.check(
                sign_up(&what, name, password)
                    .expect_status(201)
                    .expect_header("location", &format!("/accounts/{id}"))
                    .expect_json(json!({"id": id, "name": name}))
                    .expect_not_in_response(password, "the password")
                    .expect_not_in_response("$argon2", "the password hash"),
            );
        }
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
                .prepare("SELECT name, password_hash FROM accounts ORDER BY id")
                .unwrap();
            let rows = select
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap();
            rows.map(Result::unwrap).collect()
        };
        let verifies = |stored: &str, password: &str| {
            let parsed = PasswordHash::new(stored);
            parsed.is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        };
        for (what, name, password) in accounts {
            let Some((_, stored)) = rows.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let ok = stored.starts_with("$argon2id$v=19$m=4096,t=1,p=1$")
                && verifies(stored, password)
                && !stored.contains(password);
            let trimmed = password.trim();
            let why = match trimmed != password && verifies(stored, trimmed) {
                true => format!(
                    "{name}'s password is {password:?}, but the stored hash is the hash of \
                     {trimmed:?}: a password is hashed exactly as sent, its spaces included \
                     (never trimmed)"
                ),
                false => format!(
                    "the database holds {stored:?} for {name}: it should hold an argon2id hash \
                     of the password made with `argon2()`'s parameters (a PHC string \
                     `$argon2id$v=19$m=4096,t=1,p=1$...`), never the password"
                ),
            };
            let check = format!("{what}'s password is stored as an argon2id hash");
            let after = format!("sign up {what}");
            run.record_after(&[&after], &check, ok, &why);
        }
        if let [(_, first), (_, second), ..] = &rows[..] {
            let why = format!(
                "ada and grace have the same password, and the database holds the same hash for \
                 both ({first:?}): each hash needs a fresh random salt (SaltString::generate), \
                 or equal passwords show"
            );
            let hashed = [
                "ada's password is stored as an argon2id hash",
                "grace's password is stored as an argon2id hash",
            ];
            let what = "equal passwords get different hashes";
            run.record_after(&hashed, what, first != second, &why);
        }
        run.finish();
    }

    #[test]
    fn a_name_is_taken_whatever_its_case() {
        let (_, mut run, _) = start();
        run.check(sign_up("sign up Ada", "Ada", PASSWORD).expect_status(201));
        run.check(sign_up("sign up Émile", "Émile", PASSWORD).expect_status(201));
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
            sign_up("sign up adam, a different name", "adam", PASSWORD)
                .depends_on("sign up Ada")
                .depends_on("sign up Émile")
                .expect_status(201)
                .expect_header("location", "/accounts/3"),
        );
        run.finish();
    }

    #[test]
    fn names_have_3_to_32_characters_without_spaces() {
        let (_, mut run, _) = start();
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
            run.check(sign_up(&what, &name, PASSWORD).expect_status(201));
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
                "ada\u{a0}lovelace".to_string(),
                "a name with a no-break space (U+00A0, Unicode white space)",
            ),
            (
                "ada\u{3000}".to_string(),
                "a name with an ideographic space (U+3000, Unicode white space)",
            ),
            (
                "ada\u{7}".to_string(),
                "a name with a control character (BEL)",
            ),
        ];
        for (name, why) in refused_names {
            let what = format!("{why} is 422");
            run.check(refused(&what, &name, PASSWORD, "name"));
        }
        run.finish();
    }

    #[test]
    fn passwords_have_8_to_128_characters() {
        let (_, mut run, _) = start();
        let accepted = [
            ("ab", "12345678".to_string(), "8 characters"),
            ("cd", "é".repeat(8), "8 characters (é × 8)"),
            ("ef", "p".repeat(128), "128 characters"),
            (
                "gh",
                "\u{3000}".repeat(8),
                "8 ideographic spaces (any character is allowed)",
            ),
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
