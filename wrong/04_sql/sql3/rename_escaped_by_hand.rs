// wrong: rename_user doubles the quotes by hand and pastes the new name into the SQL
// expect: stops at a NUL byte
//! # SQL injection and query parameters
//!
//! Building SQL by pasting user input into the text (`format!("... '{name}'")`)
//! lets the input rewrite the query. A name like `x' OR '1'='1` turns
//! `WHERE name = '...'` into a condition that is true for every row, a name
//! ending in `' --` comments out the rest of an UPDATE, and `Robert'); DROP TABLE
//! students;--` (xkcd 327) smuggles in a second statement. This is SQL
//! injection, for decades one of the most exploited bugs on the web.
//!
//! The fix is not escaping quotes by hand: it is query parameters. The SQL text
//! holds placeholders (`?1`, or named ones like `:name`) and the values are sent
//! separately, so the database never parses them as SQL, whatever they contain.
//! In rusqlite: `conn.execute("... VALUES (?1)", [name])`, or with names
//! `conn.execute("... :name ...", named_params! { ":name": name })`.
//! `execute_batch` takes no parameters at all: use it only for fixed SQL.
//!
//! Read more: OWASP SQL Injection Prevention Cheat Sheet, "Defense Option 1:
//! Prepared Statements (with Parameterized Queries)"
//! https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html
//! and https://docs.rs/rusqlite/0.43/rusqlite/macro.named_params.html

use rusqlite::{Connection, OptionalExtension, Result, named_params};

fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE students (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);",
    )
}

fn add_user(conn: &Connection, name: &str) -> Result<i64> {
    conn.execute("INSERT INTO users (name) VALUES (?1)", [name])?;
    Ok(conn.last_insert_rowid())
}

fn find_user(conn: &Connection, name: &str) -> Result<Option<i64>> {
    conn.query_row("SELECT id FROM users WHERE name = ?1", [name], |row| {
        row.get(0)
    })
    .optional()
}

fn rename_user(conn: &Connection, id: i64, new_name: &str) -> Result<()> {
    let new_name = new_name.replace('\'', "''");
    let sql = format!("UPDATE users SET name = '{new_name}' WHERE id = :id");
    conn.execute(&sql, named_params! { ":id": id })?;
    Ok(())
}

fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    let id = add_user(&conn, "Conan O'Brien")?;
    rename_user(&conn, id, "Conan")?;
    println!("stored user {id}: {:?}", find_user(&conn, "Conan")?);
    Ok(())
}
