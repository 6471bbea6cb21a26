// wrong: hides the database's message from the client but logs nothing
// expect: should be in the log, for the operators
//! # One error type, mapped to status codes, leaking nothing
//!
//! A handler can fail for many reasons, and they fall into two groups:
//! - the client's mistakes (a malformed id: 400, no such user: 404). The
//!   client can fix these, so tell it exactly what was wrong.
//! - the server's own failures (the database is locked, a disk is full):
//!   **500 Internal Server Error** (RFC 9110 §15.6.1). The client can do
//!   nothing about them, and their text is dangerous: a database error names
//!   tables, columns, SQL, file paths and versions, a map for an attacker
//!   (CWE-209). The client gets a generic message; the details go to the
//!   server's log, where operators can read them.
//!
//! In Rust this is one error enum for the whole API, `ApiError`:
//! - `impl From<DbError> for ApiError` lets `?` turn a database error into
//!   an `ApiError` inside a handler returning `Result<_, ApiError>`.
//! - one function maps every variant to a status and a problem details body
//!   (RFC 9457), so no handler can forget a case or leak a message.
//!
//! Read https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Serialize)]
struct User {
    id: u64,
    email: String,
}

/// An error from the database, with the database's own message.
#[derive(Debug)]
struct DbError(String);

/// A fake database. When `broken` is set, every query fails with that message.
#[derive(Default)]
struct Db {
    users: BTreeMap<u64, User>,
    broken: Option<String>,
}

impl Db {
    fn find_user(&self, id: u64) -> Result<Option<User>, DbError> {
        match &self.broken {
            Some(message) => Err(DbError(message.clone())),
            None => Ok(self.users.get(&id).cloned()),
        }
    }
}

#[derive(Debug)]
enum ApiError {
    /// The request is malformed; the message is for the client.
    BadRequest(String),
    /// There is no such resource; the message is for the client.
    NotFound(String),
    /// The database failed; its message is for the log only.
    Database(DbError),
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        ApiError::Database(e)
    }
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Response {
    fn new(status: u16, content_type: &'static str, body: String) -> Self {
        Response {
            status,
            content_type,
            body,
        }
    }
}

impl ApiError {
    fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) => 400,
            ApiError::NotFound(_) => 404,
            ApiError::Database(_) => 500,
        }
    }

    /// The response for this error; what the client must not see goes to `log`.
    fn into_response(self, log: &mut Vec<String>) -> Response {
        let status = self.status();
        let (title, detail) = match self {
            ApiError::BadRequest(detail) => ("Bad Request", detail),
            ApiError::NotFound(detail) => ("Not Found", detail),
            ApiError::Database(DbError(message)) => {
                let _ = message;
                let detail = "the server failed; please try again later";
                ("Internal Server Error", detail.to_string())
            }
        };
        let problem = serde_json::json!({
            "type": "about:blank", "title": title, "status": status, "detail": detail
        });
        Response::new(status, "application/problem+json", problem.to_string())
    }
}

/// `GET /users/{id}`: the handler only says *what* went wrong.
fn get_user(db: &Db, id: &str) -> Result<User, ApiError> {
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("{id:?} is not a user id")))?;
    db.find_user(id)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no user {id}")))
}

/// Turns the handler's result into a response.
fn handle(db: &Db, log: &mut Vec<String>, id: &str) -> Response {
    match get_user(db, id) {
        Ok(user) => Response::new(200, "application/json", serde_json::json!(user).to_string()),
        Err(e) => e.into_response(log),
    }
}

fn main() {
    // Try it: `cargo run --bin json7`
    let db = Db {
        broken: Some("SQLITE_BUSY: database is locked".into()),
        ..Db::default()
    };
    let mut log = Vec::new();
    let resp = handle(&db, &mut log, "1");
    println!(
        "{} {} {}\nlog: {log:?}",
        resp.status, resp.content_type, resp.body
    );
}
