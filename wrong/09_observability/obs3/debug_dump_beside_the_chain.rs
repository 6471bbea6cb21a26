// wrong: logs the chain and, beside it, the error's Debug dump, so the root cause's message is logged twice
// expect: logged more than once
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
            error!(error = %error_chain(&failure), details = ?failure, "request failed");
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
    fn read(&self, key: &str) -> io::Result<String> {
        std::fs::read_to_string(self.0.join(key))
    }
}

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
