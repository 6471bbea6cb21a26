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

use rusqlite::{Connection, ErrorCode, ffi};

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
impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        match &err {
            rusqlite::Error::SqliteFailure(failure, _)
                if failure.code == ErrorCode::ConstraintViolation =>
            {
                match failure.extended_code {
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                        ApiError::Conflict("already exists".to_string())
                    }
                    // FOREIGN KEY, CHECK, NOT NULL: the content breaks a rule of the data.
                    _ => ApiError::Unprocessable(
                        "breaks a rule of the data (a missing reference, an empty or missing field)"
                            .to_string(),
                    ),
                }
            }
            _ => {
                eprintln!("database error: {err}");
                ApiError::Internal
            }
        }
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

// not graded: a demo; the tests call the functions it calls
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

    /// Turns the error of a statement the test runs itself into an ApiError.
    fn api_error(result: rusqlite::Result<usize>, what: &str) -> ApiError {
        match result {
            Ok(_) => panic!("{what} was accepted, but the schema should refuse it"),
            Err(err) => ApiError::from(err),
        }
    }

    /// The message a client would read must not reveal how the database is built.
    fn assert_safe_for_clients(err: &ApiError, what: &str) {
        let message = match err {
            ApiError::Conflict(m) | ApiError::Unprocessable(m) => m,
            ApiError::Internal => return,
        };
        assert!(
            !message.trim().is_empty(),
            "for {what} the client gets an empty message: say briefly what was wrong"
        );
        let lower = message.to_lowercase();
        let internals = [
            "constraint",
            "sqlite",
            "users.",
            "posts.",
            "length(",
            "extended_code",
        ];
        for word in internals {
            assert!(
                !lower.contains(word),
                "for {what} the client would read {message:?}: it contains `{word}`, a detail \
                 of our database (SQLite's wording, table and column names). Write a short \
                 message of your own for clients; the details belong in the log (OWASP Error \
                 Handling Cheat Sheet)"
            );
        }
    }

    fn assert_status(err: &ApiError, expected: u16, what: &str, why: &str) {
        let status = err.status();
        assert_eq!(
            status, expected,
            "{what} should answer {expected} ({why}), but it answered {status} ({err:?})"
        );
        assert_safe_for_clients(err, what);
    }

    #[test]
    fn duplicate_email_is_409() {
        let conn = open().expect("open failed");
        let first = create_user(&conn, "ada@example.com").map_err(|e| e.status());
        assert_eq!(
            first,
            Ok(1),
            "registering ada@example.com the first time should work"
        );
        let again = create_user(&conn, "ada@example.com");
        let err = again.expect_err("registering ada@example.com twice was accepted");
        assert_status(
            &err,
            409,
            "registering ada@example.com twice",
            "409 Conflict, RFC 9110 §15.5.10: a UNIQUE column clashes with an existing user",
        );
    }

    #[test]
    fn duplicate_primary_key_is_409() {
        let conn = open().expect("open failed");
        create_user(&conn, "ada@example.com").expect("create_user failed");
        let err = api_error(
            conn.execute(
                "INSERT INTO users (id, email) VALUES (1, 'grace@example.com')",
                (),
            ),
            "a second user with id 1",
        );
        assert_status(
            &err,
            409,
            "creating a user with an id that is taken",
            "409 Conflict: a PRIMARY KEY is unique too, SQLite reports it as \
             SQLITE_CONSTRAINT_PRIMARYKEY rather than SQLITE_CONSTRAINT_UNIQUE",
        );
    }

    #[test]
    fn post_for_a_missing_user_is_422() {
        let conn = open().expect("open failed");
        let result = create_post(&conn, 42, "Hello");
        let err = result.expect_err(
            "a post for user 42, who does not exist, was stored: foreign keys are not \
             enforced on this connection (PRAGMA foreign_keys = ON in open())",
        );
        assert_status(
            &err,
            422,
            "a post for user 42, who does not exist",
            "422 Unprocessable Content, RFC 9110 §15.5.21: a FOREIGN KEY violation, the \
             request refers to something that is not there",
        );
    }

    #[test]
    fn empty_title_is_422() {
        let conn = open().expect("open failed");
        let user = create_user(&conn, "ada@example.com").expect("create_user failed");
        let err = create_post(&conn, user, "").expect_err("a post with an empty title was stored");
        assert_status(
            &err,
            422,
            "a post with an empty title",
            "422 Unprocessable Content: it breaks the CHECK rule",
        );
        let ok = create_post(&conn, user, "Hello").map_err(|e| e.status());
        assert_eq!(
            ok,
            Ok(1),
            "a valid post by an existing user should be stored"
        );
    }

    #[test]
    fn missing_title_is_422() {
        let conn = open().expect("open failed");
        create_user(&conn, "ada@example.com").expect("create_user failed");
        let err = api_error(
            conn.execute("INSERT INTO posts (user_id, title) VALUES (1, NULL)", ()),
            "a post without a title",
        );
        assert_status(
            &err,
            422,
            "a post without a title (NULL)",
            "422 Unprocessable Content: a NOT NULL violation is a constraint the client's \
             data broke, like CHECK",
        );
    }

    #[test]
    fn other_database_errors_stay_500() {
        let conn = open().expect("open failed");
        conn.execute_batch("DROP TABLE posts;").unwrap();
        let result = create_post(&conn, 1, "Hello").map_err(|e| e.status());
        assert_eq!(
            result,
            Err(500),
            "inserting into a table that does not exist is our bug, not the client's: it should \
             be a 500, but the result was {result:?} (only constraint violations are 409/422)"
        );
    }
}
