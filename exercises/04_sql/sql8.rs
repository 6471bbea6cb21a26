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

// TODO: create the indexes the two queries above need (leave the queries as
// they are; several statements can go in one `execute_batch`):
// - FIND_USER_BY_EMAIL must search `users` instead of scanning it;
// - RECENT_ORDERS_OF_USER must find one user's orders without scanning
//   `orders`, and get them already sorted, with no extra sorting step.
// Run `cargo run --bin sql8` to see the plans SQLite picks.
fn create_indexes(conn: &Connection) -> Result<()> {
    conn.execute_batch("")
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        create_schema(&conn).unwrap();
        create_indexes(&conn).unwrap_or_else(|e| panic!("create_indexes failed: {e}"));
        conn
    }

    /// The `detail` column of `EXPLAIN QUERY PLAN`, one line per step of the plan.
    fn plan(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps = stmt
            .query_map([rusqlite::types::Null], |row| row.get(3))
            .unwrap();
        steps.map(|s| s.unwrap()).collect()
    }

    fn assert_uses_index(sql: &str, table: &str, columns: &str) {
        let steps = plan(&db(), sql);
        let scans = steps.iter().any(|s| s.starts_with("SCAN"));
        let index = steps
            .iter()
            .any(|s| s.contains("USING INDEX") || s.contains("USING COVERING INDEX"));
        assert!(
            index && !scans,
            "EXPLAIN QUERY PLAN for `{sql}` says {steps:?}. SCAN means SQLite reads every row \
             of {table} (SCAN ... USING INDEX: every entry of the index); it should SEARCH \
             {table} USING INDEX: create an index on {table} ({columns}). An index can only be \
             searched by its first column, like a phone book by surname"
        );
    }

    #[test]
    fn the_queries_are_the_ones_given() {
        let normalize = |sql: &str| sql.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            normalize(FIND_USER_BY_EMAIL),
            "SELECT id, name FROM users WHERE email = ?1",
            "FIND_USER_BY_EMAIL was changed: the exercise is to make the given queries fast \
             with indexes, the queries themselves must stay as they are"
        );
        assert_eq!(
            normalize(RECENT_ORDERS_OF_USER),
            "SELECT id, total_cents FROM orders WHERE user_id = ?1 \
             ORDER BY created_at DESC LIMIT 10",
            "RECENT_ORDERS_OF_USER was changed: the exercise is to make the given queries fast \
             with indexes, the queries themselves must stay as they are (the newest orders are \
             the ones with the latest created_at, whatever their id)"
        );
    }

    #[test]
    fn email_lookup_uses_an_index() {
        assert_uses_index(FIND_USER_BY_EMAIL, "users", "email");
    }

    #[test]
    fn orders_of_a_user_use_an_index() {
        assert_uses_index(RECENT_ORDERS_OF_USER, "orders", "user_id, ...");
    }

    #[test]
    fn orders_come_sorted_from_the_index() {
        let steps = plan(&db(), RECENT_ORDERS_OF_USER);
        assert!(
            !steps.iter().any(|s| s.contains("TEMP B-TREE")),
            "EXPLAIN QUERY PLAN for the recent orders says {steps:?}: SQLite finds the rows, then \
             sorts them in a temporary B-tree. An index on orders (user_id, created_at) returns \
             one user's orders already sorted by created_at"
        );
    }

    #[test]
    fn queries_still_return_the_right_rows() {
        let conn = db();
        // Ada's orders were imported out of order: neither the order of insertion
        // nor the ids follow the dates.
        conn.execute_batch(
            "INSERT INTO users (id, email, name) VALUES
                 (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob');
             INSERT INTO orders (id, user_id, created_at, total_cents) VALUES
                 (7, 1, '2024-03-01 09:00', 700),
                 (3, 1, '2024-01-15 12:00', 300),
                 (8, 2, '2024-04-01 08:00', 800),
                 (9, 1, '2023-12-24 18:00', 900),
                 (5, 1, '2024-02-10 10:30', 500);",
        )
        .unwrap();
        let bob: Result<(i64, String)> =
            conn.query_row(FIND_USER_BY_EMAIL, ["bob@example.com"], |r| {
                Ok((r.get(0)?, r.get(1)?))
            });
        assert_eq!(
            bob,
            Ok((2, "Bob".to_string())),
            "FIND_USER_BY_EMAIL should find Bob"
        );
        let mut stmt = conn.prepare(RECENT_ORDERS_OF_USER).unwrap();
        let orders: Vec<i64> = stmt
            .query_map([1], |r| r.get(0))
            .unwrap()
            .map(|o| o.unwrap())
            .collect();
        assert_eq!(
            orders,
            [7, 5, 3, 9],
            "RECENT_ORDERS_OF_USER returned Ada's order ids {orders:?}, it should return them \
             newest created_at first: 7 (2024-03-01), 5 (2024-02-10), 3 (2024-01-15), \
             9 (2023-12-24)"
        );
    }

    #[test]
    fn every_index_is_one_a_query_uses() {
        let conn = db();
        let mut stmt = conn
            .prepare(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
            )
            .unwrap();
        let indexes: Vec<(String, String)> = stmt
            .query_map((), |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(|i| i.unwrap())
            .collect();
        let steps: Vec<String> = [FIND_USER_BY_EMAIL, RECENT_ORDERS_OF_USER]
            .iter()
            .flat_map(|sql| plan(&conn, sql))
            .collect();
        let unused: Vec<&(String, String)> = indexes
            .iter()
            .filter(|(name, _)| {
                !steps.iter().any(|s| {
                    s.split_whitespace()
                        .collect::<Vec<_>>()
                        .windows(2)
                        .any(|w| w[0] == "INDEX" && w[1] == name)
                })
            })
            .collect();
        assert!(
            unused.is_empty(),
            "create_indexes made the indexes (name, table) {unused:?}, which neither query uses \
             (their plans: {steps:?}). Every INSERT and UPDATE must keep each index up to date: \
             create the indexes the queries need, not one per column"
        );
    }
}
