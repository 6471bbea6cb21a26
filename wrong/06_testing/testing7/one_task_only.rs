// wrong: everything tried on a single task with a due date
// expect: marks every task done
// expect: empty due date
//! # Testing against a real database, in memory
//!
//! A fake repository (testing4) is right for testing the code *around* the
//! database. But when the code under test *is* the SQL, only a database can
//! tell whether it is right: a fake cannot notice an `UPDATE` without a
//! `WHERE`. So these tests run the repository below against SQLite itself.
//!
//! `Connection::open_in_memory()` gives each test a fresh, private database in
//! a few microseconds: nothing to install, nothing left behind, and tests that
//! run in parallel cannot see each other's rows. Start each test by creating
//! the schema, insert exactly the rows the test needs, then check what the
//! functions return *and* what is in the table afterwards.
//!
//! Hunt where SQL bugs live:
//! - a write must change the rows it should and *only* those: have a
//!   second row around that must stay untouched;
//! - `ORDER BY` only shows when the rows were inserted in a different order;
//! - `NULL` is not `''`: it reads back as `None`, and it sorts first in
//!   SQLite unless the query says otherwise.
//!
//! A test may return `rusqlite::Result<()>` and use `?` for its setup steps:
//! an `Err` fails the test (Rust Book ch. 11.1, "Using `Result<T, E>` in
//! Tests": https://doc.rust-lang.org/book/ch11-01-writing-tests.html).

use rusqlite::{Connection, OptionalExtension, Result, Row};

#[derive(Debug, PartialEq)]
struct Task {
    id: i64,
    title: String,
    /// An ISO date, `YYYY-MM-DD`, which sorts correctly as text; or none.
    due: Option<String>,
    done: bool,
}

fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute(
        "CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            due TEXT,
            done INTEGER NOT NULL DEFAULT 0
        )",
        (),
    )?;
    Ok(())
}

/// Stores a new, unfinished task and returns its id.
fn insert_task(conn: &Connection, title: &str, due: Option<&str>) -> Result<i64> {
    conn.execute(
        "INSERT INTO tasks (title, due) VALUES (?1, ?2)",
        (title, due),
    )?;
    Ok(conn.last_insert_rowid())
}

fn task_from_row(row: &Row) -> Result<Task> {
    Ok(Task {
        id: row.get(0)?,
        title: row.get(1)?,
        due: row.get(2)?,
        done: row.get(3)?,
    })
}

fn find_task(conn: &Connection, id: i64) -> Result<Option<Task>> {
    let sql = "SELECT id, title, due, done FROM tasks WHERE id = ?1";
    conn.query_row(sql, [id], task_from_row).optional()
}

/// Marks the task done; `false` when there is no such task.
fn mark_done(conn: &Connection, id: i64) -> Result<bool> {
    let changed = conn.execute("UPDATE tasks SET done = 1 WHERE id = ?1", [id])?;
    Ok(changed > 0)
}

/// The unfinished tasks, earliest due date first, tasks without a due date
/// last, ties in the order they were created.
fn open_tasks(conn: &Connection) -> Result<Vec<Task>> {
    let mut stmt = conn.prepare(
        "SELECT id, title, due, done FROM tasks
         WHERE done = 0
         ORDER BY due IS NULL, due, id",
    )?;
    let tasks = stmt.query_map((), task_from_row)?;
    tasks.collect()
}

fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    insert_task(&conn, "water the plants", None)?;
    let id = insert_task(&conn, "file taxes", Some("2025-05-31"))?;
    mark_done(&conn, id)?;
    println!("{:?}", find_task(&conn, id)?);
    println!("{:?}", open_tasks(&conn)?);
    Ok(())
}

// ---- your tests: write them below ----
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_can_be_found_and_marked_done() -> Result<()> {
        let conn = Connection::open_in_memory()?;
        create_schema(&conn)?;
        let id = insert_task(&conn, "file taxes", Some("2025-05-31"))?;
        let task = find_task(&conn, id)?.expect("the task was just inserted");
        assert_eq!(task.title, "file taxes", "the title is stored");
        assert!(!task.done, "a new task is open");
        assert_eq!(open_tasks(&conn)?.len(), 1, "one open task");
        assert!(mark_done(&conn, id)?, "marking it done changes it");
        let task = find_task(&conn, id)?.expect("the task is still there");
        assert!(task.done, "the task is done");
        assert!(open_tasks(&conn)?.is_empty(), "no open task is left");
        Ok(())
    }
}
