// wrong: each step is committed, then user_version is set outside the transaction: a failure in between re-runs the step next time
// expect: committed together or not at all
// expect: even at the bump
//! # Migrations: versioned schema changes
//!
//! The schema grows with the application: a new table here, a new column there.
//! Every database already out there (production, a colleague's laptop, the test
//! server) must be brought to the new schema without losing its data. The usual
//! answer is a list of migrations, numbered steps that are applied in order,
//! each exactly once, plus a record in the database of how far it has got.
//!
//! SQLite has a slot for that record: `PRAGMA user_version`, an integer in the
//! database file header (0 in a new database). Version N means "the first N
//! migrations have been applied". `migrate` reads it, applies only the missing
//! steps, and bumps it after each one. Running `migrate` again is then a no-op
//! ("idempotent"), and an old database is upgraded step by step.
//!
//! Run each step and its version bump in one transaction (exercise sql6): if a
//! step fails halfway, it is rolled back and the version still says where the
//! database really is. In rusqlite: `conn.pragma_query_value(None,
//! "user_version", |row| row.get(0))` reads it, `tx.pragma_update(None,
//! "user_version", n)` sets it, `execute_batch` runs a step's SQL.
//!
//! Read more: https://www.sqlite.org/pragma.html#pragma_user_version and
//! https://docs.rs/rusqlite/0.43/rusqlite/struct.Connection.html#method.pragma_update

use rusqlite::{Connection, Result};

/// Step N + 1 brings a database from version N to version N + 1.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    "ALTER TABLE users ADD COLUMN email TEXT;",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT NOT NULL);
     CREATE INDEX posts_by_user ON posts (user_id);",
];

fn schema_version(conn: &Connection) -> Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

// Applies the steps of `migrations` the database has not seen yet, in order,
// each in its own transaction together with the new version number.
//
// TODO: this runs every step every time, so a second run fails ("table users
// already exists") and so does upgrading an old database. Fix it so that:
// 1. only the steps the database has not seen yet run, in order;
// 2. each step and the new version number are committed together, or not
//    at all, so a step that fails leaves the database at the version before.
fn migrate_with(conn: &mut Connection, migrations: &[&str]) -> Result<()> {
    let current = schema_version(conn)? as usize;
    for (index, step) in migrations.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.commit()?;
        conn.pragma_update(None, "user_version", (index + 1) as u32)?;
    }
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_with(conn, MIGRATIONS)
}

fn main() -> Result<()> {
    let mut conn = Connection::open_in_memory()?;
    migrate(&mut conn)?;
    println!("schema version {}", schema_version(&conn)?);
    Ok(())
}
