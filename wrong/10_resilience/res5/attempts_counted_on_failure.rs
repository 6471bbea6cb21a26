// wrong: counts an attempt when a job fails, so crashes are not counted
// expect: crashes included
//! # A job queue on SQLite: the outbox pattern
//!
//! After an order is saved, a confirmation email must go out. Sending it inside
//! the request is fragile: the mail server is slow or down, and if the process
//! dies between "order saved" and "email sent", the email is lost for good (or,
//! the other way round, sent for an order that was rolled back). Two systems
//! cannot be written atomically: this is the "dual write" problem.
//!
//! The *outbox pattern* turns the second write into a row of the same database:
//! the order and a job "send the confirmation for order 42" are inserted in ONE
//! transaction, so both exist or neither does. A worker then takes jobs from
//! the table and does them, as many times as it takes.
//!
//! Workers crash, so a worker does not "take" a job for ever, it *leases* it:
//! claiming sets `claimed_until = now + lease`. A worker that finishes marks the
//! job `done`; one that fails reports it, and the job is available again at
//! once. One that crashes reports nothing, and when its lease ends (at
//! `claimed_until` exactly), another worker claims the job again. So a job can
//! run twice (the first worker may have sent the email just before it died):
//! delivery is *at least once*, and handlers must be idempotent (res4).
//!
//! `attempts` counts claims, so crashes count too. A job that fails on its
//! `max_attempts`-th attempt is parked as `dead` with its error, for a human
//! to look at, instead of failing for ever. `done` and `dead` jobs are never
//! claimed again.
//!
//! Two workers must never claim the same job: finding a free job and leasing it
//! has to be one step. In SQLite, one `UPDATE ... WHERE id = (SELECT ...)
//! RETURNING ...` statement is atomic; so is a transaction begun with
//! `BEGIN IMMEDIATE`, which takes the write lock at its start (a plain `BEGIN`
//! lets two workers read the same free job, and then one of them fails).
//!
//! Read more: https://microservices.io/patterns/data/transactional-outbox.html,
//! https://www.sqlite.org/lang_returning.html, https://docs.rs/rusqlite/0.43/rusqlite/struct.Transaction.html

use rusqlite::{Connection, OptionalExtension, Result, params};

/// Provided: the tables. Times are milliseconds since the Unix epoch.
fn migrate(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS orders (
             id INTEGER PRIMARY KEY,
             customer TEXT NOT NULL,
             total_cents INTEGER NOT NULL
         );
         CREATE TABLE IF NOT EXISTS jobs (
             id INTEGER PRIMARY KEY,
             kind TEXT NOT NULL,
             payload TEXT NOT NULL,
             status TEXT NOT NULL DEFAULT 'pending', -- 'pending', 'done' or 'dead'
             attempts INTEGER NOT NULL DEFAULT 0,
             claimed_until INTEGER, -- NULL: never claimed, or released after a failure
             last_error TEXT
         );",
    )
}

#[derive(Debug, PartialEq)]
struct Job {
    id: i64,
    kind: String,
    payload: String,
    /// How many times it has been claimed, this claim included.
    attempts: u32,
}

/// Saves an order and its "send_confirmation" job, whose payload is
/// `{"order_id":<id>}`. Returns the order's id.
fn place_order(conn: &mut Connection, customer: &str, total_cents: i64) -> Result<i64> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO orders (customer, total_cents) VALUES (?1, ?2)",
        params![customer, total_cents],
    )?;
    let order_id = tx.last_insert_rowid();
    let payload = format!("{{\"order_id\":{order_id}}}");
    tx.execute(
        "INSERT INTO jobs (kind, payload) VALUES ('send_confirmation', ?1)",
        params![payload],
    )?;
    tx.commit()?;
    Ok(order_id)
}

/// Leases the oldest available job until `now + lease_ms`, or `None` if no job
/// is available.
fn claim(conn: &Connection, now: i64, lease_ms: i64) -> Result<Option<Job>> {
    conn.query_row(
        "UPDATE jobs SET claimed_until = ?1 + ?2
         WHERE id = (SELECT id FROM jobs
                     WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?1)
                     ORDER BY id LIMIT 1)
         RETURNING id, kind, payload, attempts + 1",
        params![now, lease_ms],
        |row| {
            Ok(Job {
                id: row.get(0)?,
                kind: row.get(1)?,
                payload: row.get(2)?,
                attempts: row.get(3)?,
            })
        },
    )
    .optional()
}

/// The job is done: it never runs again.
fn complete(conn: &Connection, job_id: i64) -> Result<()> {
    conn.execute(
        "UPDATE jobs SET status = 'done', claimed_until = NULL WHERE id = ?1",
        params![job_id],
    )?;
    Ok(())
}

/// The job failed with `error`: available again at once, or `dead` if that was
/// its `max_attempts`-th attempt.
fn fail(conn: &Connection, job_id: i64, error: &str, max_attempts: u32) -> Result<()> {
    conn.execute(
        "UPDATE jobs SET claimed_until = NULL, last_error = ?2, attempts = attempts + 1,
             status = CASE WHEN attempts >= ?3 THEN 'dead' ELSE 'pending' END
         WHERE id = ?1",
        params![job_id, error, max_attempts],
    )?;
    Ok(())
}

/// Provided: one round of a worker. `false` when there was nothing to do.
fn work_once(
    conn: &Connection,
    now: i64,
    handle: impl FnOnce(&Job) -> Result<(), String>,
) -> Result<bool> {
    let Some(job) = claim(conn, now, 30_000)? else {
        return Ok(false);
    };
    match handle(&job) {
        Ok(()) => complete(conn, job.id)?,
        Err(error) => fail(conn, job.id, &error, 5)?,
    }
    Ok(true)
}

fn main() -> Result<()> {
    let mut conn = Connection::open_in_memory()?;
    migrate(&conn)?;
    place_order(&mut conn, "ada", 4200)?;
    place_order(&mut conn, "grace", 1700)?;
    while work_once(&conn, 0, |job| {
        println!(
            "sending the email of {} (attempt {})",
            job.payload, job.attempts
        );
        Ok(())
    })? {}
    Ok(())
}
