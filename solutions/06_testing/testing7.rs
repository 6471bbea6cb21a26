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

// not graded: a demo on an in-memory database; the learner's tests call the functions it calls
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

    fn database() -> Result<Connection> {
        let conn = Connection::open_in_memory()?;
        create_schema(&conn)?;
        Ok(conn)
    }

    fn titles(tasks: &[Task]) -> Vec<&str> {
        tasks.iter().map(|task| task.title.as_str()).collect()
    }

    #[test]
    fn inserted_tasks_are_found_with_or_without_a_due_date() -> Result<()> {
        let conn = database()?;
        let taxes = insert_task(&conn, "file taxes", Some("2025-05-31"))?;
        let plants = insert_task(&conn, "water the plants", None)?;
        let expected = Task {
            id: taxes,
            title: "file taxes".into(),
            due: Some("2025-05-31".into()),
            done: false,
        };
        assert_eq!(
            find_task(&conn, taxes)?,
            Some(expected),
            "the task with a due date"
        );
        let expected = Task {
            id: plants,
            title: "water the plants".into(),
            due: None,
            done: false,
        };
        assert_eq!(
            find_task(&conn, plants)?,
            Some(expected),
            "a task without a due date should have `due: None`"
        );
        assert_eq!(find_task(&conn, 999)?, None, "there is no task 999");
        Ok(())
    }

    #[test]
    fn marking_a_task_done_changes_only_that_task() -> Result<()> {
        let conn = database()?;
        let taxes = insert_task(&conn, "file taxes", Some("2025-05-31"))?;
        let plants = insert_task(&conn, "water the plants", None)?;
        assert!(
            mark_done(&conn, taxes)?,
            "mark_done should report that task {taxes} changed"
        );
        let done = |id| find_task(&conn, id).map(|task| task.map(|t| t.done));
        assert_eq!(
            done(taxes)?,
            Some(true),
            "the task marked done should be done"
        );
        assert_eq!(
            done(plants)?,
            Some(false),
            "the other task should still be open"
        );
        assert!(
            !mark_done(&conn, 999)?,
            "mark_done(999) should report false: there is no task 999"
        );
        Ok(())
    }

    #[test]
    fn open_tasks_are_by_due_date_undated_last_done_left_out() -> Result<()> {
        let conn = database()?;
        insert_task(&conn, "may", Some("2025-05-01"))?;
        insert_task(&conn, "someday", None)?;
        let march = insert_task(&conn, "march", Some("2025-03-01"))?;
        insert_task(&conn, "april", Some("2025-04-01"))?;
        insert_task(&conn, "may again", Some("2025-05-01"))?;
        let open = open_tasks(&conn)?;
        let expected = ["march", "april", "may", "may again", "someday"];
        assert_eq!(
            titles(&open),
            expected,
            "earliest due date first, the same date in creation order, tasks without a date last"
        );
        mark_done(&conn, march)?;
        let open = open_tasks(&conn)?;
        assert_eq!(
            titles(&open),
            ["april", "may", "may again", "someday"],
            "a done task is not open"
        );
        Ok(())
    }
}
