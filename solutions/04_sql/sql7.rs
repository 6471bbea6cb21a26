//! # Migrations: versioned schema changes
//!
//! The schema grows with the application: a new table here, a new column there.
//! Every database already out there (production, a colleague's laptop, the test
//! server) must be brought to the new schema without losing its data. The usual
//! answer is a list of migrations, numbered steps that are applied in order,
//! each exactly once, plus a record in the database of how far it has got.
//!
//! SQLite has a slot for that record: `PRAGMA user_version`, an integer in the
//! database file header (0 in a new database). Version N means "the first N
//! migrations have been applied". `migrate` reads it, applies only the missing
//! steps, and bumps it after each one. Running `migrate` again is then a no-op
//! ("idempotent"), and an old database is upgraded step by step.
//!
//! Run each step and its version bump in one transaction (exercise sql6): if a
//! step fails halfway, it is rolled back and the version still says where the
//! database really is. In rusqlite: `conn.pragma_query_value(None,
//! "user_version", |row| row.get(0))` reads it, `tx.pragma_update(None,
//! "user_version", n)` sets it, `execute_batch` runs a step's SQL.
//!
//! Read more: https://www.sqlite.org/pragma.html#pragma_user_version and
//! https://docs.rs/rusqlite/0.43/rusqlite/struct.Connection.html#method.pragma_update

use rusqlite::{Connection, Result, TransactionBehavior};

/// Step N + 1 brings a database from version N to version N + 1.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    "ALTER TABLE users ADD COLUMN email TEXT;",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT NOT NULL);
     CREATE INDEX posts_by_user ON posts (user_id);",
];

fn schema_version(conn: &Connection) -> Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

// Applies the steps of `migrations` the database has not seen yet, in order,
// each in its own transaction together with the new version number.
fn migrate_with(conn: &mut Connection, migrations: &[&str]) -> Result<()> {
    loop {
        // IMMEDIATE takes the write lock before the version is read, so two
        // processes migrating at once cannot both apply the same step.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version = schema_version(&tx)?;
        let Some(step) = migrations.get(version as usize) else {
            return Ok(()); // up to date (or newer than this code knows)
        };
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_with(conn, MIGRATIONS)
}

// not graded: a demo; the tests call the functions it calls
fn main() -> Result<()> {
    let mut conn = Connection::open_in_memory()?;
    migrate(&mut conn)?;
    println!("schema version {}", schema_version(&conn)?);
    Ok(())
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(conn: &mut Connection, migrations: &[&str], what: &str) {
        migrate_with(conn, migrations).unwrap_or_else(|e| panic!("{what} failed: {e}"));
    }

    fn columns(conn: &Connection, table: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .unwrap();
        stmt.query_map([table], |r| r.get(0))
            .unwrap()
            .map(|c| c.unwrap())
            .collect()
    }

    #[test]
    fn new_database_gets_every_step() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, MIGRATIONS, "migrating a new database");
        let version = schema_version(&conn).unwrap();
        assert_eq!(
            version, 3,
            "after migrating a new database user_version is {version}, \
             it should be 3 (3 steps applied)"
        );
        assert_eq!(
            columns(&conn, "users"),
            ["id", "name", "email"],
            "users should have id, name, email"
        );
        assert_eq!(
            columns(&conn, "posts"),
            ["id", "user_id", "title"],
            "the posts table should exist"
        );
    }

    #[test]
    fn migrating_twice_is_harmless() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, MIGRATIONS, "the first migrate");
        run(
            &mut conn,
            MIGRATIONS,
            "the second migrate (on a database already at version 3)",
        );
        let version = schema_version(&conn).unwrap();
        assert_eq!(
            version, 3,
            "after migrating twice user_version is {version}, it should still be 3"
        );
    }

    #[test]
    fn old_database_is_upgraded_and_keeps_its_data() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             INSERT INTO users (name) VALUES ('ada');
             PRAGMA user_version = 1;",
        )
        .unwrap();
        run(
            &mut conn,
            MIGRATIONS,
            "upgrading a version-1 database (it has users, no email column)",
        );
        let version = schema_version(&conn).unwrap();
        assert_eq!(
            version, 3,
            "after upgrading a version-1 database user_version is {version}, it should be 3"
        );
        let ada: Result<(String, Option<String>)> =
            conn.query_row("SELECT name, email FROM users", (), |r| {
                Ok((r.get(0)?, r.get(1)?))
            });
        assert_eq!(
            ada,
            Ok(("ada".to_string(), None)),
            "the user stored at version 1 should still be there, with no email yet"
        );
    }

    #[test]
    fn version_2_database_gets_only_the_last_step() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             ALTER TABLE users ADD COLUMN email TEXT;
             INSERT INTO users (name, email) VALUES ('grace', 'grace@example.com');
             PRAGMA user_version = 2;",
        )
        .unwrap();
        run(
            &mut conn,
            MIGRATIONS,
            "upgrading a version-2 database (it has users with email, no posts): only step 3 \
             should run",
        );
        let version = schema_version(&conn).unwrap();
        assert_eq!(
            version, 3,
            "after upgrading a version-2 database user_version is {version}, it should be 3"
        );
        assert_eq!(
            columns(&conn, "posts"),
            ["id", "user_id", "title"],
            "after upgrading a version-2 database the posts table (step 3) should exist"
        );
        let grace: Result<(String, Option<String>)> =
            conn.query_row("SELECT name, email FROM users", (), |r| {
                Ok((r.get(0)?, r.get(1)?))
            });
        assert_eq!(
            grace,
            Ok(("grace".to_string(), Some("grace@example.com".to_string()))),
            "the user stored at version 2 should still be there, with her email"
        );
    }

    #[test]
    fn failed_step_is_rolled_back_and_the_version_stays() {
        let mut conn = Connection::open_in_memory().unwrap();
        let steps = [
            "CREATE TABLE a (x INTEGER);",
            "CREATE TABLE b (x INTEGER); INSERT INTO no_such_table VALUES (1);",
        ];
        let result = migrate_with(&mut conn, &steps);
        assert!(
            result.is_err(),
            "step 2 inserts into a missing table, migrate_with should return the error"
        );
        let version = schema_version(&conn).unwrap();
        assert_eq!(
            version, 1,
            "step 1 succeeded and step 2 failed, so user_version should be 1, but is {version}: \
             each step must be committed on its own, together with its own version number \
             (step 1 worked, so it stays applied and the version says so)"
        );
        assert!(
            columns(&conn, "b").is_empty(),
            "step 2 failed, yet its table b exists: run each step in a transaction together \
             with its version bump, so a failed step leaves nothing behind"
        );
        run(
            &mut conn,
            &steps[..1],
            "migrating the version-1 database with step 1 only",
        );
    }

    #[test]
    fn migrate_brings_a_new_database_to_the_latest_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).expect("migrate failed on a new database");
        let version = schema_version(&conn).unwrap();
        assert_eq!(
            version,
            MIGRATIONS.len() as u32,
            "after migrate on a new database user_version is {version}, it should be {} \
             (migrate applies this program's MIGRATIONS)",
            MIGRATIONS.len()
        );
    }

    /// How a generated step goes wrong.
    #[derive(Debug, Clone, Copy)]
    enum Failure {
        /// Its own SQL fails halfway (after creating its table).
        InItsSql,
        /// Its SQL runs, then the version bump is refused: the step switches the
        /// connection to read-only (PRAGMA query_only), as a crash or a full disk
        /// would stop the bump.
        AtTheVersionBump,
    }

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%' ORDER BY name")
            .unwrap();
        stmt.query_map((), |r| r.get(0))
            .unwrap()
            .map(|c| c.unwrap())
            .collect()
    }

    fn ran(conn: &Connection) -> Vec<usize> {
        let mut stmt = conn.prepare("SELECT step FROM ran ORDER BY rowid").unwrap();
        stmt.query_map((), |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|c| c.unwrap() as usize)
            .collect()
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Any number of steps, a database already at any version, and a step that
        /// fails in its SQL or at its version bump (or none): only the missing steps
        /// run, once each, in order, and the version always says which steps are in
        /// the database.
        #[test]
        fn the_version_always_says_which_steps_are_applied(
            (count, start, failure) in (1usize..=5).prop_flat_map(|count| {
                (0..=count).prop_flat_map(move |start| {
                    (
                        Just(count),
                        Just(start),
                        proptest::option::of((
                            start..count.max(start + 1),
                            prop_oneof![Just(Failure::InItsSql), Just(Failure::AtTheVersionBump)],
                        ))
                        .prop_map(move |f| f.filter(|(k, _)| *k < count)),
                    )
                })
            }),
        ) {
            // Step i (from 1) creates table t<i> and notes that it ran.
            let good: Vec<String> = (1..=count)
                .map(|i| format!("CREATE TABLE t{i} (x INTEGER); INSERT INTO ran (step) VALUES ({i});"))
                .collect();
            let mut steps = good.clone();
            if let Some((k, how)) = failure {
                steps[k] = match how {
                    Failure::InItsSql => format!(
                        "CREATE TABLE t{} (x INTEGER); INSERT INTO no_such_table VALUES (1);",
                        k + 1
                    ),
                    Failure::AtTheVersionBump => format!(
                        "CREATE TABLE t{} (x INTEGER); INSERT INTO ran (step) VALUES ({}); \
                         PRAGMA query_only = ON;",
                        k + 1,
                        k + 1
                    ),
                };
            }
            let mut conn = Connection::open_in_memory().unwrap();
            conn.execute_batch("CREATE TABLE ran (step INTEGER NOT NULL);").unwrap();
            for step in &good[..start] {
                conn.execute_batch(step).unwrap();
            }
            conn.execute_batch("DELETE FROM ran;").unwrap();
            conn.pragma_update(None, "user_version", start as u32).unwrap();
            let names = |n: usize| (1..=n).map(|i| format!("t{i}")).collect::<Vec<_>>();
            let story = format!(
                "{}, {count} step{}{}",
                match start {
                    0 => "a new database (version 0)".to_string(),
                    1 => "a database at version 1 (step 1 applied)".to_string(),
                    _ => format!("a database at version {start} (steps 1 to {start} applied)"),
                },
                if count == 1 { "" } else { "s" },
                match failure {
                    None => String::new(),
                    Some((k, Failure::InItsSql)) => format!(", step {} fails in its SQL", k + 1),
                    Some((k, Failure::AtTheVersionBump)) => format!(
                        ", step {}'s SQL runs but its version bump is refused (the step leaves \
                         the connection read-only, as a crash right after it would)",
                        k + 1
                    ),
                }
            );
            let refs: Vec<&str> = steps.iter().map(String::as_str).collect();
            let result = migrate_with(&mut conn, &refs);
            conn.execute_batch("PRAGMA query_only = OFF;").unwrap();
            let reached = failure.map_or(count, |(k, _)| k);
            prop_assert_eq!(
                result.is_err(),
                failure.is_some(),
                "{}: migrate_with returned {:?}",
                story,
                result
            );
            let version = schema_version(&conn).unwrap() as usize;
            let present = tables(&conn);
            prop_assert!(
                version == reached && present == names(reached),
                "{}: afterwards user_version is {} and the tables of the applied steps are {:?}, \
                 but they should be {} and {:?}. The version must always say which steps are \
                 in the database: run each step and its version bump in one transaction, \
                 committed together or not at all, so a failure anywhere in a step (even at \
                 the bump) leaves neither its changes nor its number",
                story, version, present, reached, names(reached)
            );
            prop_assert_eq!(
                ran(&conn),
                (start + 1..=reached).collect::<Vec<_>>(),
                "{}: the steps that ran (and stayed) are on the left, they should be on the \
                 right: only the steps the database has not seen yet, once each, in order",
                story
            );
            // Fixed and run again (twice): the rest is applied, nothing twice.
            let refs: Vec<&str> = good.iter().map(String::as_str).collect();
            for _ in 0..2 {
                let again = migrate_with(&mut conn, &refs);
                prop_assert!(again.is_ok(), "{}: migrating again with every step fixed failed: {:?}", story, again);
            }
            let version = schema_version(&conn).unwrap() as usize;
            prop_assert!(
                version == count && tables(&conn) == names(count) && ran(&conn) == (start + 1..=count).collect::<Vec<_>>(),
                "{}: after migrating again twice with every step fixed, user_version is {} and \
                 the steps that ran are {:?}: the version should be {} and steps {}..={} \
                 should each have run once",
                story, version, ran(&conn), count, start + 1, count
            );
        }
    }
}
