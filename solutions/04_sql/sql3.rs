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
    conn.execute(
        "UPDATE users SET name = :name WHERE id = :id",
        named_params! { ":name": new_name, ":id": id },
    )?;
    Ok(())
}

// not graded: a demo; the tests call the functions it calls
fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    let id = add_user(&conn, "Conan O'Brien")?;
    rename_user(&conn, id, "Conan")?;
    println!("stored user {id}: {:?}", find_user(&conn, "Conan")?);
    Ok(())
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        create_schema(&conn).unwrap();
        conn
    }

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map((), |r| r.get(0))
            .unwrap()
            .map(|t| t.unwrap())
            .collect()
    }

    fn stored_names(conn: &Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT name FROM users ORDER BY id").unwrap();
        stmt.query_map((), |r| r.get(0))
            .unwrap()
            .map(|n| n.unwrap())
            .collect()
    }

    fn assert_stored_verbatim(name: &str) {
        let conn = db();
        let added = add_user(&conn, name);
        assert_eq!(
            tables(&conn),
            ["students", "users"],
            "after add_user({name:?}) the tables are not all there any more: \
             the name was pasted into the SQL text and ran as SQL"
        );
        assert!(
            added.is_ok(),
            "add_user({name:?}) failed with {added:?}: the name broke the SQL text it was \
             pasted into; pass the name as a parameter instead (escaping by hand is not enough)"
        );
        assert_eq!(
            stored_names(&conn),
            [name],
            "add_user({name:?}) stored the wrong name: it should be stored exactly as given, \
             byte for byte"
        );
        let found = find_user(&conn, name);
        assert_eq!(
            found,
            Ok(Some(added.unwrap())),
            "find_user({name:?}) should find the user just added, but returned {found:?}"
        );
    }

    #[test]
    fn drop_table_payload_is_stored_verbatim() {
        assert_stored_verbatim("'; DROP TABLE users; --");
    }

    #[test]
    fn bobby_tables_is_stored_verbatim() {
        assert_stored_verbatim("Robert'); DROP TABLE students;--");
    }

    #[test]
    fn names_with_apostrophes_work() {
        assert_stored_verbatim("Conan O'Brien");
    }

    #[test]
    fn a_nul_byte_does_not_cut_the_name() {
        // Attackers send NUL bytes to cut strings short. SQLite's parser stops at
        // one, so a hand-escaped name pasted into SQL text breaks; a parameter
        // carries the value whole, whatever bytes it holds.
        assert_stored_verbatim("nul\0byte");
    }

    #[test]
    fn find_user_matches_the_whole_name_exactly() {
        let conn = db();
        add_user(&conn, "alice").unwrap();
        for other in ["ALICE", "ali%", "alic_", "alice "] {
            let found = find_user(&conn, other);
            assert_eq!(
                found,
                Ok(None),
                "only \"alice\" is stored, so find_user({other:?}) should find nobody, but \
                 returned {found:?}: compare the name with `=` (exact and case-sensitive), \
                 not LIKE, whose % and _ are wildcards and which ignores case"
            );
        }
    }

    #[test]
    fn or_1_equals_1_finds_nobody() {
        let conn = db();
        add_user(&conn, "alice").unwrap();
        let found = find_user(&conn, "' OR '1'='1");
        assert_eq!(
            found,
            Ok(None),
            "no user is called \"' OR '1'='1\", but find_user returned {found:?}: pasted into \
             the SQL it made the condition name = '' OR '1'='1', which is true for every row"
        );
    }

    #[test]
    fn rename_changes_only_that_user() {
        let conn = db();
        let alice = add_user(&conn, "alice").unwrap();
        add_user(&conn, "bob").unwrap();
        let renamed = rename_user(&conn, alice, "hacked' --");
        assert!(renamed.is_ok(), "rename_user failed with {renamed:?}");
        let names = stored_names(&conn);
        assert_eq!(
            names,
            ["hacked' --", "bob"],
            "rename_user({alice}, \"hacked' --\") should rename only user {alice}, the names \
             are now {names:?}: pasted into the SQL, `--` commented out the WHERE clause"
        );
        let bob = find_user(&conn, "bob").unwrap().unwrap();
        let renamed = rename_user(&conn, bob, "nul\0byte");
        let names = stored_names(&conn);
        assert!(
            renamed.is_ok() && names == ["hacked' --", "nul\0byte"],
            "rename_user({bob}, \"nul\\0byte\") returned {renamed:?} and the names are now \
             {names:?}: the new name broke the SQL text it was pasted into (SQLite's parser \
             stops at a NUL byte); pass it as a parameter, escaping by hand is not enough"
        );
    }
}
