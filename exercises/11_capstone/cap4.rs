//! # Capstone, stage 4: a cached list, and a trace of every request
//!
//! The notes API works. Two things a real service adds next. Stages 1 to 3
//! live in the course's modules `support/capstone.rs` and
//! `support/capstone_notes.rs` (declared below: `App`, the `User` extractor,
//! `get_note`, ...), so this file holds only this stage's work.
//!
//! **A cache for the hot read.** Clients poll `GET /notes`; each poll reads
//! the database. Keep each account's list in a moka cache (cache8), keyed by
//! the account id, so that one account never sees another's list. A cache
//! must never answer what the database no longer holds: every write path
//! (create, update, delete) invalidates the writer's entry, after its write
//! (invalidated first, a reader could cache the old list again in between).
//! Forget one path and the list stays stale until the entry expires. The
//! tests count the database reads (`Db::notes_of` counts them) and check
//! that every write shows at once.
//!
//! **A trace of every request** (tracing, topic 09). tower-http's layers do
//! the work around your handlers: `SetRequestIdLayer` gives each request an
//! `x-request-id` (a new UUID, or the one the client sent),
//! `PropagateRequestIdLayer` copies it onto the response, so a user can quote
//! it in a bug report, and `TraceLayer` opens a span per request and logs
//! when the response is ready, with its status and latency. Every log line of
//! the request then carries the span's fields: `request_id`, `method`,
//! `path`. Nothing else of the request goes into the span: its headers carry
//! the bearer token (`include_headers(true)` would log it), and a logged
//! token is a stolen token (OWASP Logging Cheat Sheet, "Data to exclude").
//!
//! Try it: `cargo run --bin cap4` (JSON log lines on standard output; the
//! `listening on` line goes to standard error, so the output stays JSON), then
//! `curl -i localhost:3000/notes -H "authorization: Bearer $TOKEN" -H 'x-request-id: try-1'`
//! Read more: https://docs.rs/moka/0.12/moka/sync/struct.Cache.html,
//! https://docs.rs/tower-http/0.6/tower_http/trace/index.html,
//! https://docs.rs/tower-http/0.6/tower_http/request_id/index.html

#[path = "../../support/capstone.rs"]
mod capstone;
#[path = "../../support/capstone_notes.rs"]
mod capstone_notes;

use axum::body::Body;
use axum::extract::{Json, Path, State, rejection::JsonRejection};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get, routing::post};
use capstone::{App, Db, NoteText, NotesCache, Problem, User, no_such_note, validate_text};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

// TODO: the cache must never answer a list the database no longer holds:
// every path that changes an account's notes leaves no stale list of it behind.

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
    let location = [(header::LOCATION, format!("/notes/{id}"))];
    let body = Json(json!({"id": id, "text": note.text}));
    Ok((StatusCode::CREATED, location, body).into_response())
}

// GET /notes
// TODO: answer from `cache` when it holds this account's list; otherwise read
// it with `db.notes_of` (the tests count those reads) and keep it in `cache`.
async fn list_notes(
    user: User,
    State(db): State<Db>,
    State(cache): State<NotesCache>,
) -> Result<Json<Value>, Problem> {
    let notes = db.notes_of(user.id).await?;
    Ok(Json(json!({ "notes": notes })))
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
    match deleted {
        0 => Err(no_such_note()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

/// One span per request, named "request", with the request's id, method and path, and
/// nothing else of the request: its headers carry tokens and cookies.
// TODO: make that span (the id is the `x-request-id` header, set by the time this runs).
fn request_span(request: &Request<Body>) -> Span {
    todo!("a span for {} {}", request.method(), request.uri().path())
}

// TODO: wrap the routes in tower-http's layers (see the lesson), outermost
// first: give every request an `x-request-id` if it has none, trace it in a
// span made by `request_span` with an INFO line when its response is ready,
// and copy the id onto the response.
fn app(app: App) -> Router {
    Router::new()
        .route("/accounts", post(capstone::create_account))
        .route("/accounts/{id}", get(capstone::get_account))
        .route("/sessions", post(capstone::login))
        .route("/notes", post(create_note).get(list_notes))
        .route(
            "/notes/{id}",
            get(capstone_notes::get_note)
                .put(update_note)
                .delete(delete_note),
        )
        .with_state(app)
}

#[tokio::main]
async fn main() {
    // JSON log lines on standard output, INFO and above.
    tracing_subscriber::fmt()
        .json()
        .with_max_level(Level::INFO)
        .init();
    let db = Db::open_in_memory();
    let secret = Arc::from(capstone::DEV_SECRET);
    let state = App::new(db, Arc::new(capstone::SystemClock), secret);
    capstone::serve_on_port_3000(app(state)).await;
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/server_check.rs"]
mod server_check;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capstone::Clock;
    use crate::server_check::{Check, Run};
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The tests' time: 2030-03-17, not today.
    const NOW: u64 = 1_900_000_000;
    const PASSWORD: &str = "correct horse battery";

    struct TestClock(AtomicU64);

    impl Clock for TestClock {
        fn now(&self) -> f64 {
            self.0.load(Ordering::SeqCst) as f64
        }
    }

    /// Where the server's log lines go: a buffer the test reads.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    impl Captured {
        /// The log lines so far, each parsed as JSON.
        fn lines(&self) -> Vec<Value> {
            let text = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
            text.lines()
                .map(|l| serde_json::from_str(l).unwrap_or(json!(l)))
                .collect()
        }
    }

    /// Starts `app` on a free port, on a single-threaded runtime in a background thread whose
    /// log lines (JSON, INFO and above) go to `logs`.
    fn serve(state: App, logs: Captured) -> SocketAddr {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let subscriber = tracing_subscriber::fmt()
                .json()
                .with_max_level(Level::INFO)
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(logs)
                .finish();
            let _default = tracing::subscriber::set_default(subscriber);
            let runtime = tokio::runtime::Builder::new_current_thread()
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

    /// A fresh server where Ada and grace have logged in: the run, the database (to count
    /// its reads), the logs, and the two tokens. Later checks depend on "log in".
    fn start() -> (Run, Db, Captured, String, String) {
        let clock = Arc::new(TestClock(AtomicU64::new(NOW)));
        let db = Db::open_in_memory();
        let logs = Captured::default();
        let state = App::new(db.clone(), clock, Arc::from(capstone::DEV_SECRET));
        let run = Run::new(serve(state, logs.clone()));
        let mut run = run.replay("cargo run --bin cap4", "http://127.0.0.1:3000");
        let mut tokens = Vec::new();
        for (name, var) in [("Ada", "ADA"), ("grace", "GRACE")] {
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
                .expect_status(200)
                .capture(var, "token");
            tokens.push(run.check(login).json_str("/token"));
        }
        let ok = tokens.iter().all(|t| !t.is_empty());
        run.record("log in", ok, "the accounts could not log in (stage 2)");
        let grace = tokens.pop().unwrap();
        let ada = tokens.pop().unwrap();
        (run, db, logs, ada, grace)
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

    /// Records whether the database was read `want` times in all so far.
    fn reads(run: &mut Run, db: &Db, what: &str, want: usize, why: &str) {
        let got = db.list_reads.load(Ordering::SeqCst);
        let message = format!(
            "{what}: GET /notes read the notes from the database {got} time(s) so far, \
             expected {want}: {why}"
        );
        run.record(what, got == want, &message);
    }

    #[test]
    fn the_list_is_cached_per_account() {
        let (mut run, db, _, ada, grace) = start();
        let note = json!({"text": "buy milk"});
        let write = Check::new("Ada writes a note")
            .post("/notes")
            .bearer(&ada)
            .json(note);
        run.check(write.depends_on("log in").expect_status(201));
        let mine = json!([{"id": 1, "text": "buy milk"}]);
        run.check(list("Ada lists her notes", &ada, mine.clone()));
        run.check(list("Ada lists her notes again", &ada, mine.clone()));
        let why = "the second GET /notes should be answered from the cache";
        reads(
            &mut run,
            &db,
            "Ada's second list comes from the cache",
            1,
            why,
        );
        let what = "grace's list is her own (empty), not Ada's cached one";
        run.check(list(what, &grace, json!([])));
        run.check(list("grace lists her notes again", &grace, json!([])));
        let why = "one read for Ada, one for grace: the cache is keyed by account";
        reads(&mut run, &db, "each account's list is read once", 2, why);
        run.check(list("Ada's list is still cached", &ada, mine));
        reads(
            &mut run,
            &db,
            "Ada's list is still cached after grace's",
            2,
            why,
        );
        run.finish();
    }

    #[test]
    fn every_write_shows_at_once() {
        let (mut run, db, _, ada, grace) = start();
        run.check(list("Ada's list, empty, is cached", &ada, json!([])));
        let note = json!({"text": "buy milk"});
        let write = Check::new("Ada writes a note")
            .post("/notes")
            .bearer(&ada)
            .json(note);
        run.check(write.depends_on("log in").expect_status(201));
        let one = json!([{"id": 1, "text": "buy milk"}]);
        let what = "after POST, GET /notes lists the new note (the cache is invalidated on create)";
        run.check(list(what, &ada, one));
        let text = json!({"text": "buy oat milk"});
        let put = Check::new("Ada updates her note")
            .put("/notes/1")
            .bearer(&ada)
            .json(text);
        run.check(put.depends_on("log in").expect_status(200));
        let changed = json!([{"id": 1, "text": "buy oat milk"}]);
        let what = "after PUT, GET /notes shows the new text (the cache is invalidated on update)";
        run.check(list(what, &ada, changed.clone()));
        let delete = Check::new("grace tries to delete Ada's note: 404").delete("/notes/1");
        run.check(
            delete
                .bearer(&grace)
                .depends_on("log in")
                .expect_status(404),
        );
        run.check(list("Ada's note is still there", &ada, changed));
        let delete = Check::new("Ada deletes her note")
            .delete("/notes/1")
            .bearer(&ada);
        run.check(delete.depends_on("log in").expect_status(204));
        let what = "after DELETE, GET /notes no longer lists the note (the cache is invalidated \
                    on delete)";
        run.check(list(what, &ada, json!([])));
        run.check(list("and that list is cached again", &ada, json!([])));
        let why = "one read at the start and one after each of the 3 writes; the last GET \
                   is answered from the cache";
        reads(
            &mut run,
            &db,
            "the database is read only after writes",
            4,
            why,
        );
        run.finish();
    }

    /// Arms `db` so that, when the next write reaches the database, a GET /notes of `token`
    /// runs first (to its end); returns where its status will be.
    fn reader_in_between(run: &Run, db: &Db, token: &str) -> Arc<Mutex<Option<u16>>> {
        let mut reader = run.fork();
        let token = token.to_string();
        let status = Arc::new(Mutex::new(None));
        let seen = status.clone();
        db.before_next_call(async move {
            let get = move || {
                let get = Check::new("a GET /notes in between").get("/notes");
                reader.check(get.bearer(&token)).status
            };
            let reply = tokio::task::spawn_blocking(get).await;
            *seen.lock().unwrap() = reply.ok();
        });
        status
    }

    /// Records that the GET /notes armed by `reader_in_between` ran and was answered.
    fn reader_ran(run: &mut Run, status: &Mutex<Option<u16>>, during: &str) {
        let status = *status.lock().unwrap();
        let message = format!(
            "a GET /notes sent while {during} was about to write should be answered (200); \
             got {status:?}"
        );
        let what = format!("a reader during {during} is answered");
        run.record(&what, status == Some(200), &message);
    }

    #[test]
    fn a_reader_during_a_write_caches_nothing_stale() {
        let (mut run, db, _, ada, _) = start();
        run.check(list("Ada's list, empty, is cached", &ada, json!([])));
        let rule = "the cache is invalidated after the write, not before, so that a GET /notes \
                    arriving while the write is under way cannot cache the old list again";
        let reader = reader_in_between(&run, &db, &ada);
        let write = Check::new("Ada writes a note")
            .post("/notes")
            .bearer(&ada)
            .json(json!({"text": "buy milk"}));
        run.check(write.depends_on("log in").expect_status(201));
        reader_ran(&mut run, &reader, "POST");
        let one = json!([{"id": 1, "text": "buy milk"}]);
        let what = format!("after POST, GET /notes lists the new note ({rule})");
        run.check(list(&what, &ada, one));
        let reader = reader_in_between(&run, &db, &ada);
        let put = Check::new("Ada updates her note")
            .put("/notes/1")
            .bearer(&ada)
            .json(json!({"text": "buy oat milk"}));
        run.check(put.depends_on("log in").expect_status(200));
        reader_ran(&mut run, &reader, "PUT");
        let changed = json!([{"id": 1, "text": "buy oat milk"}]);
        let what = format!("after PUT, GET /notes shows the new text ({rule})");
        run.check(list(&what, &ada, changed));
        let reader = reader_in_between(&run, &db, &ada);
        let delete = Check::new("Ada deletes her note")
            .delete("/notes/1")
            .bearer(&ada);
        run.check(delete.depends_on("log in").expect_status(204));
        reader_ran(&mut run, &reader, "DELETE");
        let what = format!("after DELETE, GET /notes no longer lists the note ({rule})");
        run.check(list(&what, &ada, json!([])));
        run.finish();
    }

    /// The log lines whose span is the request with `id`.
    fn lines_of(logs: &Captured, id: &str) -> Vec<Value> {
        let lines = logs.lines().into_iter();
        lines.filter(|l| l["span"]["request_id"] == id).collect()
    }

    #[test]
    fn every_request_has_a_span_with_its_request_id() {
        let (mut run, _, logs, ada, _) = start();
        let requests = [
            ("trace-1", "GET", "/notes", 200),
            ("trace-2", "POST", "/notes", 201),
            ("trace-3", "GET", "/notes/1", 200),
            ("trace-4", "GET", "/notes/99", 404),
        ];
        for (id, method, path, status) in requests {
            let what = format!("{method} {path} with x-request-id: {id}");
            let check = Check::new(&what).method(method, path).bearer(&ada);
            let check = match method {
                "POST" => check.json(json!({"text": "buy milk"})),
                _ => check,
            };
            let check = check.header("x-request-id", id).depends_on("log in");
            let check = check
                .expect_status(status)
                .expect_header("x-request-id", id);
            if run.check(check).status != status {
                continue;
            }
            let lines = lines_of(&logs, id);
            let finished = lines.iter().find(|l| {
                let span = &l["span"];
                let fields = &l["fields"];
                span["name"] == "request"
                    && span["method"] == method
                    && span["path"] == path
                    && fields["status"] == status
                    && l["level"] == "INFO"
            });
            let message = format!(
                "no INFO log line of the response ({status}) inside a span \"request\" with \
                 request_id={id:?}, method={method:?}, path={path:?}; the lines of this \
                 request: {lines:?}; all lines: {}",
                cut(logs.lines())
            );
            let what = format!("{what} is logged in its span");
            run.record(&what, finished.is_some(), &message);
        }
        let check = Check::new("a request without x-request-id gets one").get("/notes");
        let reply = run.check(check.bearer(&ada).depends_on("log in").expect_status(200));
        if reply.status == 200 {
            let id = reply.header("x-request-id").unwrap_or_default().to_string();
            let logged = !id.is_empty() && !lines_of(&logs, &id).is_empty();
            let message = format!(
                "the response should carry a new x-request-id, and the request's log lines \
                 the same request_id; got x-request-id {id:?}, and the lines {}",
                cut(logs.lines())
            );
            run.record(
                "the new request id is in the response and the logs",
                logged,
                &message,
            );
        }
        run.finish();
    }

    /// The last lines, for a message.
    fn cut(lines: Vec<Value>) -> String {
        let from = lines.len().saturating_sub(4);
        let last: Vec<String> = lines[from..].iter().map(Value::to_string).collect();
        format!(
            "(last {} of {}) {}",
            last.len(),
            lines.len(),
            last.join("\n")
        )
    }

    #[test]
    fn no_secret_reaches_the_logs() {
        let (mut run, _, logs, ada, _) = start();
        let note = json!({"text": "buy milk"});
        let write = Check::new("Ada writes a note")
            .post("/notes")
            .bearer(&ada)
            .json(note);
        run.check(write.depends_on("log in").expect_status(201));
        run.check(list(
            "Ada lists her notes",
            &ada,
            json!([{"id": 1, "text": "buy milk"}]),
        ));
        let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
        let found_any = text.contains("\"request\"");
        let message = format!("the server logged nothing in a span \"request\": {text:?}");
        run.record("requests are logged", found_any, &message);
        let signature = ada.rsplit('.').next().unwrap_or_default().to_string();
        for (secret, what) in [
            (signature.as_str(), "Ada's bearer token"),
            (PASSWORD, "the password"),
            ("$argon2", "a password hash"),
        ] {
            let line = text
                .lines()
                .find(|l| !secret.is_empty() && l.contains(secret));
            let message = format!(
                "{what} appears in the logs, in the line {:?}: log the request's id, method \
                 and path, never its headers or body",
                line.unwrap_or_default()
            );
            run.record(&format!("{what} is not logged"), line.is_none(), &message);
        }
        run.finish();
    }
}
