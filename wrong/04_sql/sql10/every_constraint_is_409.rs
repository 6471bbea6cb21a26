// wrong: every constraint violation is answered 409 Conflict
// expect: user 42, who does not exist should answer 422
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

use rusqlite::{Connection, ErrorCode};

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
                ApiError::Conflict("the data clashes with what is stored".to_string())
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
