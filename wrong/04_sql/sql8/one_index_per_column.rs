// wrong: the right indexes, plus one per column "just in case": indexes no query uses
// expect: which neither query uses
//! # Indexes and EXPLAIN QUERY PLAN
//!
//! To answer `WHERE email = ?1` on a table without a suitable index, SQLite must
//! read every row (a full table scan). That is fast on your laptop with 10 rows
//! and slow in production with 10 million. An index is a sorted copy of some
//! columns (a B-tree) pointing back at the rows, so a lookup reads a handful
//! of pages instead: `CREATE INDEX users_by_email ON users (email);`.
//!
//! An index can hold several columns, and their order matters: it is sorted by
//! the first column, then by the second within equal firsts, like a phone book.
//! An index on `(user_id, created_at)` finds one user's orders *and* returns
//! them already sorted by `created_at`, so `ORDER BY created_at` costs nothing.
//! Indexes are not free: every INSERT and UPDATE must update them too, so
//! create the ones your queries need, not one per column.
//!
//! Do not guess, ask: `EXPLAIN QUERY PLAN <query>` shows SQLite's plan.
//! `SCAN users` is a full scan; `SEARCH users USING INDEX users_by_email
//! (email=?)` uses the index (`USING COVERING INDEX` when the index alone holds
//! every column needed); `USE TEMP B-TREE FOR ORDER BY` means an extra sort.
//!
//! Read more: https://www.sqlite.org/queryplanner.html (how indexes work),
//! https://www.sqlite.org/eqp.html and https://www.sqlite.org/lang_createindex.html

use rusqlite::{Connection, Result};

const FIND_USER_BY_EMAIL: &str = "SELECT id, name FROM users WHERE email = ?1";

const RECENT_ORDERS_OF_USER: &str = "SELECT id, total_cents FROM orders WHERE user_id = ?1
     ORDER BY created_at DESC LIMIT 10";

fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL);
         CREATE TABLE orders (
             id INTEGER PRIMARY KEY,
             user_id INTEGER NOT NULL,
             created_at TEXT NOT NULL,
             total_cents INTEGER NOT NULL
         );",
    )
}

// The indexes the two queries above need.
fn create_indexes(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE INDEX users_by_email ON users (email);
         CREATE INDEX users_by_name ON users (name);
         CREATE INDEX orders_by_user ON orders (user_id);
         CREATE INDEX orders_by_user_and_time ON orders (user_id, created_at);",
    )
}

fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    create_indexes(&conn)?;
    for query in [FIND_USER_BY_EMAIL, RECENT_ORDERS_OF_USER] {
        println!("{query}");
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {query}"))?;
        let mut rows = stmt.query([rusqlite::types::Null])?;
        while let Some(row) = rows.next()? {
            println!("    {}", row.get::<_, String>(3)?);
        }
    }
    Ok(())
}
