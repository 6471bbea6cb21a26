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
mod tests {
    use super::*;

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
}
