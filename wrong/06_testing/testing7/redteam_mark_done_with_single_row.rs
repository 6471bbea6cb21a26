// wrong: mark_done tested with only one task in the table: an UPDATE that also changes other rows (id >= ?1, or every row when the id exists) survives
// expect: marking a task done also marks every task created after it done
// expect: marking an existing task done marks every task done
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

    fn db() -> Result<Connection> {
        let conn = Connection::open_in_memory()?;
        create_schema(&conn)?;
        Ok(conn)
    }

    fn task(id: i64, title: &str, due: Option<&str>, done: bool) -> Task {
        Task {
            id,
            title: title.to_string(),
            due: due.map(str::to_string),
            done,
        }
    }

    #[test]
    fn inserted_tasks_are_found_as_inserted() -> Result<()> {
        let conn = db()?;
        let taxes = insert_task(&conn, "file taxes", Some("2025-05-31"))?;
        let plants = insert_task(&conn, "water the plants", None)?;
        assert_eq!(
            find_task(&conn, taxes)?,
            Some(task(taxes, "file taxes", Some("2025-05-31"), false)),
            "a task with a due date reads back as inserted"
        );
        assert_eq!(
            find_task(&conn, plants)?,
            Some(task(plants, "water the plants", None, false)),
            "a task without a due date has due: None"
        );
        assert_eq!(find_task(&conn, 999)?, None, "an unknown id gives None");
        Ok(())
    }

    #[test]
    fn mark_done_marks_the_task() -> Result<()> {
        let conn = db()?;
        let a = insert_task(&conn, "a", None)?;
        assert!(
            mark_done(&conn, a)?,
            "marking an existing task reports true"
        );
        assert_eq!(
            find_task(&conn, a)?,
            Some(task(a, "a", None, true)),
            "task a is done"
        );
        assert!(!mark_done(&conn, 999)?, "an unknown id reports false");
        Ok(())
    }

    #[test]
    fn open_tasks_are_ordered_by_due_date_undated_last() -> Result<()> {
        let conn = db()?;
        let undated = insert_task(&conn, "someday", None)?;
        let june_b = insert_task(&conn, "june b", Some("2025-06-01"))?;
        let may = insert_task(&conn, "may", Some("2025-05-01"))?;
        let june_a = insert_task(&conn, "june a", Some("2025-06-01"))?;
        let titles: Vec<String> = open_tasks(&conn)?.into_iter().map(|t| t.title).collect();
        assert_eq!(
            titles,
            ["may", "june b", "june a", "someday"],
            "earliest first, same day in creation order, undated last"
        );
        let ids: Vec<i64> = open_tasks(&conn)?.into_iter().map(|t| t.id).collect();
        assert_eq!(
            ids,
            [may, june_b, june_a, undated],
            "the ids in the same order"
        );
        Ok(())
    }

    #[test]
    fn done_task_is_not_open() -> Result<()> {
        let conn = db()?;
        let a = insert_task(&conn, "a", Some("2025-01-01"))?;
        mark_done(&conn, a)?;
        let b = insert_task(&conn, "b", None)?;
        assert_eq!(
            open_tasks(&conn)?,
            vec![task(b, "b", None, false)],
            "only the unfinished task is open"
        );
        Ok(())
    }
}
