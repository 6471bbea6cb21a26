// wrong: list_users has no ORDER BY: the order is only right because rows came back in insertion order
// expect: every user, by id
// expect: Without ORDER BY
//! # A first table: CREATE, INSERT, SELECT
//!
//! A backend keeps its data in a database, and most databases speak SQL. SQLite
//! is a whole SQL database in a library: no server to run, and
//! `Connection::open_in_memory()` gives a fresh, private database that vanishes
//! when the connection is dropped, which is perfect for tests.
//!
//! Three statements get you started (here for a table of books):
//! - `CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, ...)`
//!   defines the columns. An `INTEGER PRIMARY KEY` column is filled in by SQLite
//!   with a fresh id when you insert a row without one; `NOT NULL` makes SQLite
//!   refuse a row that lacks the value.
//! - `INSERT INTO books (title, year) VALUES (?1, ?2)` adds a row. The `?1`,
//!   `?2` are placeholders: the values travel separately from the SQL text
//!   (exercise sql3 shows why this matters).
//! - `SELECT id, title, year FROM books ORDER BY title` reads rows back, sorted
//!   (without `ORDER BY`, SQL promises no order at all).
//!
//! In rusqlite: `conn.execute(sql, params)` runs a statement that returns no
//! rows, `conn.last_insert_rowid()` is the id of the row just inserted, and
//! `conn.prepare(sql)?.query_map(params, |row| ...)` turns each row into a value
//! (`row.get(0)?` reads the first column).
//!
//! Read more: https://docs.rs/rusqlite/0.43/rusqlite/ (the example at the top)
//! and https://www.sqlite.org/lang_createtable.html

use rusqlite::{Connection, Result};

#[derive(Debug, PartialEq)]
struct User {
    id: i64,
    name: String,
    email: String,
}

// TODO: create the `users` table with three columns: `id` (INTEGER PRIMARY KEY),
// `name` (TEXT NOT NULL) and `email` (TEXT NOT NULL), in that order.
fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute(
        "CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT NOT NULL
        )",
        (),
    )?;
    Ok(())
}

// TODO: insert one user (the values as parameters) and return the id SQLite
// gave the new row.
fn insert_user(conn: &Connection, name: &str, email: &str) -> Result<i64> {
    conn.execute(
        "INSERT INTO users (name, email) VALUES (?1, ?2)",
        (name, email),
    )?;
    Ok(conn.last_insert_rowid())
}

// TODO: read every user, ordered by id. Collecting an iterator of
// `Result<User>` gives a `Result<Vec<User>>`.
fn list_users(conn: &Connection) -> Result<Vec<User>> {
    let mut stmt = conn.prepare("SELECT id, name, email FROM users")?;
    let rows = stmt.query_map((), |row| {
        Ok(User {
            id: row.get(0)?,
            name: row.get(1)?,
            email: row.get(2)?,
        })
    })?;
    rows.collect()
}

fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    insert_user(&conn, "Ada", "ada@example.com")?;
    println!("{:?}", list_users(&conn)?);
    Ok(())
}
