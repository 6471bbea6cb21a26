//! # Constraints: let the database say no, then answer 409 or 422
//!
//! Checking "is this email taken?" with a SELECT before the INSERT has a race:
//! two requests can both see "free" and both insert. Constraints make the
//! database itself refuse bad data, atomically: `UNIQUE` (no duplicates),
//! `REFERENCES users(id)` (a FOREIGN KEY: the user must exist), `NOT NULL`,
//! `CHECK (length(title) > 0)`. Careful: stock SQLite ignores FOREIGN KEY
//! clauses unless the connection runs `PRAGMA foreign_keys = ON`. rusqlite's
//! bundled build turns them on by default, but set it anyway: it is a setting
//! per connection, and other builds of SQLite differ.
//!
//! A violated constraint comes back as `rusqlite::Error::SqliteFailure(err, _)`
//! with `err.code == ErrorCode::ConstraintViolation`; `err.extended_code` says
//! which kind, e.g. `ffi::SQLITE_CONSTRAINT_UNIQUE` or
//! `ffi::SQLITE_CONSTRAINT_FOREIGNKEY` (`rusqlite::ffi`). An API turns that into
//! the right status code instead of a 500:
//! - 409 Conflict (RFC 9110 §15.5.10): the request clashes with the current
//!   state of a resource, e.g. that email is already registered.
//! - 422 Unprocessable Content (RFC 9110 §15.5.21): the request is well-formed,
//!   but its content cannot be processed: it points at a user that does not
//!   exist, or breaks a CHECK rule.
//! Anything else stays a 500, without SQL details in the response.
//!
//! Read more: https://www.sqlite.org/foreignkeys.html (section 2, "Enabling
//! Foreign Key Support") and https://www.sqlite.org/rescode.html#constraint

use rusqlite::Connection;

#[derive(Debug, PartialEq)]
enum ApiError {
    Conflict(String),
    Unprocessable(String),
    Internal,
}

impl ApiError {
    fn status(&self) -> u16 {
        match self {
            ApiError::Conflict(_) => 409,
            ApiError::Unprocessable(_) => 422,
            ApiError::Internal => 500,
        }
    }
}

// Sorts a database error into the right kind of API error.
//
// TODO: everything is a 500 so far. When `err` is
// `rusqlite::Error::SqliteFailure(failure, _)` and `failure.code` is
// `rusqlite::ErrorCode::ConstraintViolation`, look at `failure.extended_code`:
// - `rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE` (or `..._PRIMARYKEY`): Conflict;
// - `rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY`, or any other constraint
//   (CHECK, NOT NULL): Unprocessable.
// Give each a short message for the client. Every other error stays Internal.
impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        eprintln!("database error: {err}");
        ApiError::Internal
    }
}

// Opens the database the API uses, with foreign keys enforced.
fn open() -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
         CREATE TABLE posts (
             id INTEGER PRIMARY KEY,
             user_id INTEGER NOT NULL REFERENCES users(id),
             title TEXT NOT NULL CHECK (length(title) > 0)
         );",
    )?;
    Ok(conn)
}

fn create_user(conn: &Connection, email: &str) -> Result<i64, ApiError> {
    conn.execute("INSERT INTO users (email) VALUES (?1)", [email])?;
    Ok(conn.last_insert_rowid())
}

fn create_post(conn: &Connection, user_id: i64, title: &str) -> Result<i64, ApiError> {
    conn.execute(
        "INSERT INTO posts (user_id, title) VALUES (?1, ?2)",
        (user_id, title),
    )?;
    Ok(conn.last_insert_rowid())
}

fn main() {
    let conn = open().expect("could not open the database");
    let first = create_user(&conn, "ada@example.com");
    let again = create_user(&conn, "ada@example.com");
    let post = create_post(&conn, 42, "Hello");
    println!("{first:?}, then {again:?}, post for user 42: {post:?}");
    if let Err(err) = again {
        println!("the second registration answers {}", err.status());
    }
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    fn status(result: Result<i64, ApiError>) -> Result<i64, u16> {
        result.map_err(|e| e.status())
    }

    #[test]
    fn duplicate_email_is_409() {
        let conn = open().expect("open failed");
        let first = status(create_user(&conn, "ada@example.com"));
        assert_eq!(
            first,
            Ok(1),
            "registering ada@example.com the first time should work"
        );
        let again = status(create_user(&conn, "ada@example.com"));
        assert_eq!(
            again,
            Err(409),
            "registering ada@example.com twice should fail with 409 Conflict (a UNIQUE \
             violation), but the result was {again:?}"
        );
    }

    #[test]
    fn post_for_a_missing_user_is_422() {
        let conn = open().expect("open failed");
        let result = status(create_post(&conn, 42, "Hello"));
        assert!(
            result.is_err(),
            "a post for user 42, who does not exist, was stored with id {result:?}: foreign \
             keys are not enforced on this connection (PRAGMA foreign_keys = ON in open())"
        );
        assert_eq!(
            result,
            Err(422),
            "a post for a user who does not exist should fail with 422 Unprocessable Content \
             (a FOREIGN KEY violation)"
        );
    }

    #[test]
    fn empty_title_is_422() {
        let conn = open().expect("open failed");
        let user = create_user(&conn, "ada@example.com").expect("create_user failed");
        let result = status(create_post(&conn, user, ""));
        assert_eq!(
            result,
            Err(422),
            "a post with an empty title breaks the CHECK rule and should fail with 422, \
             but the result was {result:?}"
        );
        let ok = status(create_post(&conn, user, "Hello"));
        assert_eq!(
            ok,
            Ok(1),
            "a valid post by an existing user should be stored"
        );
    }

    #[test]
    fn other_database_errors_stay_500() {
        let conn = open().expect("open failed");
        conn.execute_batch("DROP TABLE posts;").unwrap();
        let result = status(create_post(&conn, 1, "Hello"));
        assert_eq!(
            result,
            Err(500),
            "inserting into a table that does not exist is our bug, not the client's: it should \
             be a 500, but the result was {result:?} (only constraint violations are 409/422)"
        );
    }
}
