//! # Errors: logged once, where they are handled, with their causes
//!
//! A failure deep down (a disk that refuses a read) travels up through
//! layers: the repository wraps the `io::Error` in its own error, the
//! service wraps that in its own, and the HTTP handler finally decides what
//! the client sees. Two habits keep the logs useful:
//!
//! - **Log once, where the error is handled.** A layer that logs and then
//!   returns the error ("log and rethrow") makes one failure look like three
//!   incidents, each with a third of the story. Lower layers *return* errors;
//!   the HTTP boundary, which decides the response, logs each failure exactly
//!   once, at `error` level if it is the server's fault. A 404 is the
//!   client's business, not an incident.
//! - **Keep the cause chain.** Each error says what *its* layer was doing
//!   and hands the lower error out through `std::error::Error::source()`.
//!   Its `Display` shows its own message only: if it also printed the
//!   source, every cause would appear twice once the chain is printed. The
//!   handler walks `source()` down to the root cause and logs the lot:
//!   `could not load note 42; caused by: reading notes/42.txt failed;
//!   caused by: permission denied`.
//!
//! The client gets a generic message: paths, hosts and driver errors help an
//! attacker and mean nothing to a user (OWASP Error Handling Cheat Sheet).
//!
//! Read more: https://doc.rust-lang.org/std/error/trait.Error.html#method.source,
//! https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Arc;
use tracing::error;

/// Where notes are kept: a disk, a bucket, another service. Tests use a fake.
trait Storage: Send + Sync {
    fn read(&self, key: &str) -> io::Result<String>;
}

#[derive(Debug)]
enum RepoError {
    /// There is no such note.
    Missing,
    /// The storage failed to read `key`.
    Read { key: String, source: io::Error },
}

impl fmt::Display for RepoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepoError::Missing => write!(f, "no such note"),
            RepoError::Read { key, .. } => write!(f, "reading {key} failed"),
        }
    }
}

impl Error for RepoError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            RepoError::Missing => None,
            RepoError::Read { source, .. } => Some(source),
        }
    }
}

fn load_note(storage: &dyn Storage, id: u64) -> Result<String, RepoError> {
    let key = format!("notes/{id}.txt");
    storage.read(&key).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => RepoError::Missing,
        _ => RepoError::Read { key, source },
    })
}

#[derive(Debug)]
enum ServiceError {
    NotFound(u64),
    Storage { id: u64, source: RepoError },
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::NotFound(id) => write!(f, "note {id} does not exist"),
            ServiceError::Storage { id, .. } => write!(f, "could not load note {id}"),
        }
    }
}

impl Error for ServiceError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ServiceError::NotFound(_) => None,
            ServiceError::Storage { source, .. } => Some(source),
        }
    }
}

fn get_note(storage: &dyn Storage, id: u64) -> Result<String, ServiceError> {
    load_note(storage, id).map_err(|error| match error {
        RepoError::Missing => ServiceError::NotFound(id),
        source => ServiceError::Storage { id, source },
    })
}

/// The error's message and each of its causes, from the top down, joined by
/// "; caused by: ".
fn error_chain(error: &dyn Error) -> String {
    let mut chain = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        chain.push_str("; caused by: ");
        chain.push_str(&error.to_string());
        cause = error.source();
    }
    chain
}

// GET /notes/{id}: 200 with the note; 404 {"error": "note not found"} for a
// missing note, with nothing logged at WARN or ERROR; 500 {"error": "internal
// server error"} for any other failure, logged here once, at ERROR, as
// "request failed" with the field `error` holding the whole cause chain.
async fn show_note(State(storage): State<Arc<dyn Storage>>, Path(id): Path<u64>) -> Response {
    match get_note(storage.as_ref(), id) {
        Ok(text) => text.into_response(),
        Err(ServiceError::NotFound(_)) => {
            let body = json!({ "error": "note not found" });
            (StatusCode::NOT_FOUND, Json(body)).into_response()
        }
        Err(failure) => {
            error!(error = %error_chain(&failure), "request failed");
            let body = json!({ "error": "internal server error" });
            (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
        }
    }
}

fn app(storage: Arc<dyn Storage>) -> Router {
    Router::new()
        .route("/notes/{id}", get(show_note))
        .with_state(storage)
}

/// Notes as files in a folder.
struct Folder(std::path::PathBuf);

impl Storage for Folder {
    // not graded: reads the real disk; the tests use fake storages
    fn read(&self, key: &str) -> io::Result<String> {
        std::fs::read_to_string(self.0.join(key))
    }
}

// not graded: serves a demo; the tests call `app` without a socket
#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin obs3`, then `curl -i localhost:3000/notes/1`.
    tracing_subscriber::fmt().init();
    let storage = Arc::new(Folder(".".into()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(storage)).await.unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{edge_u64, tricky_text};
    use axum::body::{Body, to_bytes};
    use axum::extract::Request;
    use proptest::prelude::*;
    use serde_json::Value;
    use std::io::Write;
    use std::sync::Mutex;
    use tower::ServiceExt;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    /// Note 1 exists; note 2 does not; note 42 cannot be read (permission
    /// denied); reading note 7 times out on an internal host.
    struct FakeStorage;

    impl Storage for FakeStorage {
        fn read(&self, key: &str) -> io::Result<String> {
            match key {
                "notes/1.txt" => Ok("buy milk".into()),
                "notes/42.txt" => Err(io::ErrorKind::PermissionDenied.into()),
                "notes/7.txt" => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection to 10.0.0.7:9000 timed out",
                )),
                _ => Err(io::ErrorKind::NotFound.into()),
            }
        }
    }

    /// GET /notes/{id} (no socket): answers (status, body, every event logged).
    async fn get(id: u64) -> (StatusCode, String, Vec<Value>) {
        get_from(Arc::new(FakeStorage), id).await
    }

    /// GET /notes/{id} from `storage`: answers (status, body, every event logged).
    async fn get_from(storage: Arc<dyn Storage>, id: u64) -> (StatusCode, String, Vec<Value>) {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .without_time()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(captured.clone())
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let request = Request::get(format!("/notes/{id}"));
        let request = request.body(Body::empty()).unwrap();
        let response = app(storage).oneshot(request).await.unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        let body = String::from_utf8_lossy(&body).into_owned();
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let events = text.lines().map(|l| serde_json::from_str(l).unwrap());
        (status, body, events.collect())
    }

    fn describe(events: &[Value]) -> String {
        let lines = events.iter().map(|e| format!("\n  {e}"));
        lines.collect()
    }

    /// Checks one failure: 500, a generic body, and exactly one event.
    async fn check_failure(id: u64, chain: &str, internals: &[&str]) {
        let (status, body, events) = get(id).await;
        assert_eq!(
            (status.as_u16(), body.as_str()),
            (500, r#"{"error":"internal server error"}"#),
            "GET /notes/{id} fails in the storage: it should answer 500 with the generic \
             body {{\"error\":\"internal server error\"}}"
        );
        for secret in internals {
            assert!(
                !body.contains(secret),
                "the 500 body must not reveal {secret:?}: internals belong in the log"
            );
        }
        assert_eq!(
            events.len(),
            1,
            "one failure of GET /notes/{id} should be logged exactly once, by the HTTP \
             handler; lower layers should return errors, not log them. Logged:{}",
            describe(&events)
        );
        let event = &events[0];
        assert_eq!(
            (&event["level"], &event["fields"]["message"]),
            (&Value::from("ERROR"), &Value::from("request failed")),
            "the failure should be logged at ERROR as \"request failed\": {event}"
        );
        assert_eq!(
            event["fields"]["error"], chain,
            "the `error` field should hold the whole cause chain, from the top error down \
             to the root cause, each layer's message once: {event}"
        );
    }

    #[tokio::test]
    async fn a_storage_failure_is_logged_once_with_its_causes() {
        let chain = "could not load note 42; caused by: reading notes/42.txt failed; \
                     caused by: permission denied";
        check_failure(42, chain, &["notes/42", "permission", "denied"]).await;
    }

    #[tokio::test]
    async fn the_root_cause_keeps_its_own_message() {
        let chain = "could not load note 7; caused by: reading notes/7.txt failed; caused \
                     by: connection to 10.0.0.7:9000 timed out";
        check_failure(7, chain, &["10.0.0.7", "9000", "timed out", "notes/"]).await;
    }

    #[tokio::test]
    async fn a_missing_note_is_404_and_no_incident() {
        let (status, body, events) = get(2).await;
        assert_eq!(
            (status.as_u16(), body.as_str()),
            (404, r#"{"error":"note not found"}"#),
            "GET /notes/2 (no such note) should answer 404 {{\"error\":\"note not found\"}}"
        );
        let alarms: Vec<Value> = events
            .into_iter()
            .filter(|e| e["level"] == "ERROR" || e["level"] == "WARN")
            .collect();
        assert!(
            alarms.is_empty(),
            "a missing note is the client's mistake, not a failure of the server: nothing \
             should be logged at WARN or ERROR, but there was:{}",
            describe(&alarms)
        );
        let (status, body, events) = get(1).await;
        assert_eq!((status.as_u16(), body.as_str()), (200, "buy milk"));
        let alarms = events
            .iter()
            .filter(|e| e["level"] == "ERROR" || e["level"] == "WARN");
        assert_eq!(
            alarms.count(),
            0,
            "a success is no incident: nothing at WARN or ERROR"
        );
    }

    #[test]
    fn each_layer_shows_its_own_message_and_hands_out_its_cause() {
        let Err(error) = get_note(&FakeStorage, 42) else {
            panic!("reading note 42 should fail")
        };
        assert_eq!(
            error.to_string(),
            "could not load note 42",
            "the service error's Display should show only its own layer's message: its \
             cause comes out through source()"
        );
        let repo = error
            .source()
            .expect("the service error should hand out the repository error from source()");
        assert_eq!(repo.to_string(), "reading notes/42.txt failed");
        let io = repo
            .source()
            .expect("the repository error should hand out the io::Error from source()");
        assert_eq!(io.to_string(), "permission denied");
    }

    #[test]
    fn an_error_without_a_cause_is_its_message() {
        let error = io::Error::other("disk on fire");
        assert_eq!(error_chain(&error), "disk on fire");
        let missing = ServiceError::NotFound(3);
        assert_eq!(error_chain(&missing), "note 3 does not exist");
    }

    /// A storage whose every read fails with this error (or finds nothing).
    struct Failing(io::ErrorKind, String);

    impl Storage for Failing {
        fn read(&self, _key: &str) -> io::Result<String> {
            Err(io::Error::new(self.0, self.1.clone()))
        }
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Any note id and any storage failure (any kind but NotFound, any
        /// message, Unicode and control characters too): 500 with the generic
        /// body, nothing of the failure in it, and one ERROR event whose
        /// `error` is the whole chain, each layer's message once.
        #[test]
        fn any_storage_failure_is_logged_once_with_its_chain(
            id in edge_u64(u64::MAX),
            kind in proptest::sample::select(vec![
                io::ErrorKind::PermissionDenied,
                io::ErrorKind::TimedOut,
                io::ErrorKind::ConnectionRefused,
                io::ErrorKind::InvalidData,
                io::ErrorKind::Other,
                io::ErrorKind::NotFound,
            ]),
            message in tricky_text(1, 24).prop_map(|t| format!("secret-{t}")),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let storage = Arc::new(Failing(kind, message.clone()));
            let (status, body, events) = runtime.block_on(get_from(storage, id));
            let what = format!(
                "GET /notes/{id} while the storage fails with {kind:?}: {message:?}"
            );
            if kind == io::ErrorKind::NotFound {
                prop_assert_eq!(
                    (status.as_u16(), body.as_str()),
                    (404, r#"{"error":"note not found"}"#),
                    "{}: NotFound means the note does not exist: 404", what
                );
                let alarms = events.iter().filter(|e| e["level"] == "ERROR" || e["level"] == "WARN");
                prop_assert_eq!(alarms.count(), 0, "{}: a missing note is no incident", what);
                return Ok(());
            }
            prop_assert_eq!(
                (status.as_u16(), body.as_str()),
                (500, r#"{"error":"internal server error"}"#),
                "{}: it should answer 500 with the generic body", what
            );
            prop_assert!(
                !body.contains("secret") && !body.contains("notes/"),
                "{}: the body {} reveals the failure: internals belong in the log", what, body
            );
            let chain = format!(
                "could not load note {id}; caused by: reading notes/{id}.txt failed; caused by: \
                 {message}"
            );
            prop_assert!(
                events.len() == 1
                    && events[0]["level"] == "ERROR"
                    && events[0]["fields"]["message"] == "request failed"
                    && events[0]["fields"]["error"] == chain.as_str(),
                "{}: there should be exactly one event, at ERROR, \"request failed\", with \
                 error = {:?} (the whole cause chain, each layer's message once, the root \
                 cause's own text as it is), but the events were:{}",
                what, chain, describe(&events)
            );
            let leaks: Vec<&Value> = events
                .iter()
                .filter(|e| e.to_string().matches("secret-").count() > 1)
                .collect();
            prop_assert!(
                leaks.is_empty(),
                "{}: the root cause's message is logged more than once:{}", what,
                leaks.iter().map(|e| format!("\n  {e}")).collect::<String>()
            );
        }
    }
}
