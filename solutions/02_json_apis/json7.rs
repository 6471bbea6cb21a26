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
                log.push(format!("database error: {message}"));
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

// not graded: prints a demo; the tests call the functions it calls
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const DB_MESSAGE: &str = "SQLITE_BUSY: database is locked (SELECT id, email, password_hash \
                              FROM users WHERE id = 1) in /var/lib/app/users.db";

    fn db() -> Db {
        let ada = User {
            id: 1,
            email: "ada@example.com".into(),
        };
        Db {
            users: BTreeMap::from([(1, ada)]),
            broken: None,
        }
    }

    /// Sends `GET /users/{id}`, checks the status and returns the JSON body.
    #[track_caller]
    fn get(db: &Db, log: &mut Vec<String>, id: &str, status: u16) -> Value {
        let resp = handle(db, log, id);
        let why = format!(
            "GET /users/{id} should be {status}, got {}: {}",
            resp.status, resp.body
        );
        assert_eq!(resp.status, status, "{why}");
        serde_json::from_str(&resp.body).expect("the body should be JSON")
    }

    #[test]
    fn existing_user_is_200() {
        let user = get(&db(), &mut Vec::new(), "1", 200);
        assert_eq!(
            user["email"], "ada@example.com",
            "the body should be the user: {user}"
        );
    }

    #[test]
    fn client_errors_are_4xx_problems_that_explain_and_are_not_logged() {
        let mut log = Vec::new();
        for (id, status, title) in [
            ("abc", 400, "Bad Request"),
            ("-1", 400, "Bad Request"),
            ("2", 404, "Not Found"),
        ] {
            let resp = handle(&db(), &mut log, id);
            assert_eq!(
                resp.status, status,
                "GET /users/{id}: want {status}, got {}",
                resp.status
            );
            assert_eq!(
                resp.content_type, "application/problem+json",
                "errors are problem details"
            );
            let problem: Value = serde_json::from_str(&resp.body).expect("the body should be JSON");
            assert_eq!(
                problem["title"], title,
                "GET /users/{id}: wrong title in {problem}"
            );
            let detail = problem["detail"].as_str().unwrap_or_default();
            assert!(
                detail.contains(id),
                "the detail should tell the client what was wrong with {id:?}: {problem}"
            );
        }
        assert!(
            log.is_empty(),
            "a client's mistake is no server problem; nothing to log: {log:?}"
        );
    }

    #[test]
    fn database_failure_is_500_and_leaks_nothing() {
        let broken = Db {
            broken: Some(DB_MESSAGE.into()),
            ..db()
        };
        let problem = get(&broken, &mut Vec::new(), "1", 500);
        assert_eq!(
            problem["title"], "Internal Server Error",
            "wrong title in {problem}"
        );
        for secret in ["SQLITE", "locked", "SELECT", "password_hash", "/var/lib"] {
            assert!(
                !problem.to_string().contains(secret),
                "the 500 body leaks {secret:?} from the database's message: the client \
                 must get only a generic detail, the message goes to the log: {problem}"
            );
        }
    }

    #[test]
    fn database_failure_is_logged_for_operators() {
        let broken = Db {
            broken: Some(DB_MESSAGE.into()),
            ..db()
        };
        let mut log = Vec::new();
        get(&broken, &mut log, "1", 500);
        let logged = log.iter().any(|line| line.contains(DB_MESSAGE));
        assert!(
            logged,
            "the database's message should be in the log, for the operators: {log:?}"
        );
    }
}
