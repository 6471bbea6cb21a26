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
    todo!()
}

// TODO: insert one user (the values as parameters) and return the id SQLite
// gave the new row.
fn insert_user(conn: &Connection, name: &str, email: &str) -> Result<i64> {
    todo!()
}

// TODO: read every user, ordered by id. Collecting an iterator of
// `Result<User>` gives a `Result<Vec<User>>`.
fn list_users(conn: &Connection) -> Result<Vec<User>> {
    todo!()
}

fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    insert_user(&conn, "Ada", "ada@example.com")?;
    println!("{:?}", list_users(&conn)?);
    Ok(())
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::tricky_text;
    use proptest::prelude::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        create_schema(&conn).expect("create_schema failed");
        conn
    }

    #[test]
    fn schema_has_a_users_table_with_id_name_email() {
        let conn = db();
        let mut stmt = conn
            .prepare("SELECT name, type, pk, \"notnull\" FROM pragma_table_info('users')")
            .unwrap();
        let columns: Vec<(String, String, bool, bool)> = stmt
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
        let names: Vec<&str> = columns.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            names,
            ["id", "name", "email"],
            "after create_schema the users table has columns {names:?}, \
             it should have id, name, email"
        );
        let id = &columns[0];
        assert!(
            id.1.eq_ignore_ascii_case("INTEGER") && id.2,
            "the id column is declared as {:?}{}: it should be INTEGER PRIMARY KEY, so that \
             SQLite numbers the rows itself",
            id.1,
            if id.2 { " PRIMARY KEY" } else { "" }
        );
        for (name, _, _, not_null) in &columns[1..] {
            assert!(
                not_null,
                "the {name} column accepts NULL: declare it TEXT NOT NULL, every user has one"
            );
        }
        let users = list_users(&conn).expect("list_users failed");
        assert!(
            users.is_empty(),
            "a new table should be empty, but list_users returned {users:?}"
        );
    }

    #[test]
    fn insert_returns_the_new_rows_id() {
        let conn = db();
        // Another part of the program already stored user 41.
        conn.execute_batch(
            "INSERT INTO users (id, name, email) VALUES (41, 'Old', 'old@example.com');",
        )
        .unwrap();
        let first = insert_user(&conn, "Ada", "ada@example.com").expect("insert_user failed");
        let second = insert_user(&conn, "Grace", "grace@example.com").expect("insert_user failed");
        assert_eq!(
            (first, second),
            (42, 43),
            "with user 41 already in the table, the next two inserts returned ids {first} and \
             {second}, but SQLite gave the new rows ids 42 and 43: return the id of the row \
             just inserted (conn.last_insert_rowid()), not a count of rows"
        );
    }

    #[test]
    fn inserted_row_is_in_the_table() {
        let conn = db();
        for (name, email) in [
            ("Ada", "ada@example.com"),
            ("Conan O'Brien", "conan@example.com"),
        ] {
            let id = insert_user(&conn, name, email);
            assert!(
                id.is_ok(),
                "insert_user({name:?}, {email:?}) failed with {id:?}: pass the values as \
                 parameters (?1, ?2), never inside the SQL text"
            );
            let id = id.unwrap();
            let row: Result<(String, String)> =
                conn.query_row("SELECT name, email FROM users WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                });
            assert_eq!(
                row,
                Ok((name.to_string(), email.to_string())),
                "insert_user({name:?}, {email:?}) returned id {id}, \
                 but reading that id back from the table gave {row:?}"
            );
        }
    }

    #[test]
    fn list_reads_every_row_in_id_order() {
        let conn = db();
        conn.execute_batch(
            "INSERT INTO users (name, email) VALUES ('Grace', 'grace@example.com');
             INSERT INTO users (name, email) VALUES ('Ada', 'ada@example.com');",
        )
        .unwrap();
        let users = list_users(&conn).expect("list_users failed");
        let expected = vec![
            User {
                id: 1,
                name: "Grace".into(),
                email: "grace@example.com".into(),
            },
            User {
                id: 2,
                name: "Ada".into(),
                email: "ada@example.com".into(),
            },
        ];
        assert_eq!(
            users, expected,
            "list_users returned {users:?}, but the table holds {expected:?} \
             (every user, by id: not by name)"
        );
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Users stored under any ids (negative, 0, i64::MAX), in any order, with any text;
        /// then one more from insert_user. SQLite is asked to return rows that have no
        /// ORDER BY in reverse (PRAGMA reverse_unordered_selects), so an order that only
        /// holds because of how the rows happen to be stored shows.
        #[test]
        fn any_users_in_any_order_are_listed_by_id(
            stored in proptest::collection::btree_map(
                prop_oneof![Just(i64::MIN), Just(-1i64), Just(0), Just(1), Just(i64::MAX), any::<i64>()],
                (tricky_text(0, 6), tricky_text(0, 6)),
                0..8,
            )
            .prop_map(|m| m.into_iter().collect::<Vec<_>>())
            .prop_shuffle(),
            new in (tricky_text(0, 6), tricky_text(0, 6)),
        ) {
            let conn = db();
            conn.execute_batch("PRAGMA reverse_unordered_selects = ON;").unwrap();
            for (id, (name, email)) in &stored {
                conn.execute(
                    "INSERT INTO users (id, name, email) VALUES (?1, ?2, ?3)",
                    (id, name, email),
                )
                .unwrap();
            }
            let id = insert_user(&conn, &new.0, &new.1).map_err(|e| {
                TestCaseError::fail(format!(
                    "insert_user({:?}, {:?}) failed with {e}: pass the values as parameters \
                     (?1, ?2), never inside the SQL text",
                    new.0, new.1
                ))
            })?;
            let largest = stored.iter().map(|(id, _)| *id).max();
            match largest {
                Some(i64::MAX) => prop_assert!(
                    stored.iter().all(|(old, _)| *old != id),
                    "with the ids {:?} taken, insert_user returned id {}, which another user \
                     already has: return the id SQLite gave the new row (last_insert_rowid)",
                    stored.iter().map(|(id, _)| id).collect::<Vec<_>>(), id
                ),
                _ => prop_assert_eq!(
                    id,
                    largest.map_or(1, |l| l + 1),
                    "with the ids {:?} taken, insert_user returned id {}, but SQLite gave the \
                     new row the id on the right: return conn.last_insert_rowid()",
                    stored.iter().map(|(id, _)| id).collect::<Vec<_>>(), id
                ),
            }
            let mut want: Vec<User> = stored
                .iter()
                .map(|(id, (name, email))| User { id: *id, name: name.clone(), email: email.clone() })
                .chain([User { id, name: new.0.clone(), email: new.1.clone() }])
                .collect();
            want.sort_by_key(|u| u.id);
            let got = list_users(&conn)
                .map_err(|e| TestCaseError::fail(format!("list_users failed: {e}")))?;
            prop_assert_eq!(
                &got, &want,
                "with users stored in the order {:?} and one more added by insert_user, \
                 list_users gave the left, but should give the right: every user, by id. \
                 Without ORDER BY, SQL promises no order at all (this test asks SQLite to \
                 return unordered rows in reverse, so an order that holds only by chance shows)",
                stored.iter().map(|(id, _)| id).collect::<Vec<_>>()
            );
        }
    }
}
