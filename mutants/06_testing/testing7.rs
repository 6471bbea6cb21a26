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
    // mutant(4): a missing due date is stored as '' instead of NULL.
    let due = if mutant(4) {
        Some(due.unwrap_or(""))
    } else {
        due
    };
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
    if mutant(1) {
        // The WHERE clause is forgotten: every task is marked done.
        let changed = conn.execute("UPDATE tasks SET done = 1", ())?;
        return Ok(changed > 0);
    }
    let sql = if mutant(8) {
        // The task and every task created after it.
        "UPDATE tasks SET done = 1 WHERE id >= ?1"
    } else if mutant(9) {
        // Every task, as long as the id names one.
        "UPDATE tasks SET done = 1 WHERE EXISTS (SELECT 1 FROM tasks WHERE id = ?1)"
    } else {
        "UPDATE tasks SET done = 1 WHERE id = ?1"
    };
    let changed = conn.execute(sql, [id])?;
    if mutant(6) {
        // Reports success whether or not a task changed.
        return Ok(true);
    }
    Ok(changed > 0)
}

/// The unfinished tasks, earliest due date first, tasks without a due date
/// last, ties in the order they were created.
fn open_tasks(conn: &Connection) -> Result<Vec<Task>> {
    let sql = if mutant(2) {
        // Creation order, not due date.
        "SELECT id, title, due, done FROM tasks WHERE done = 0 ORDER BY id"
    } else if mutant(3) {
        // NULLs sort first in SQLite.
        "SELECT id, title, due, done FROM tasks WHERE done = 0 ORDER BY due, id"
    } else if mutant(7) {
        // Ties are listed newest first.
        "SELECT id, title, due, done FROM tasks WHERE done = 0 ORDER BY due IS NULL, due, id DESC"
    } else if mutant(5) {
        // Done tasks are not filtered out.
        "SELECT id, title, due, done FROM tasks ORDER BY due IS NULL, due, id"
    } else {
        "SELECT id, title, due, done FROM tasks
         WHERE done = 0
         ORDER BY due IS NULL, due, id"
    };
    let mut stmt = conn.prepare(sql)?;
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
