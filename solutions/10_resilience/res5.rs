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
        "UPDATE jobs SET claimed_until = ?1 + ?2, attempts = attempts + 1
         WHERE id = (SELECT id FROM jobs
                     WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?1)
                     ORDER BY id LIMIT 1)
         RETURNING id, kind, payload, attempts",
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
        "UPDATE jobs SET claimed_until = NULL, last_error = ?2,
             status = CASE WHEN attempts >= ?3 THEN 'dead' ELSE 'pending' END
         WHERE id = ?1",
        params![job_id, error, max_attempts],
    )?;
    Ok(())
}

// not graded: a provided worker loop used only by `main`; the tests call `claim`, `complete` and `fail` directly
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

// not graded: a demo outbox run on an in-memory database; the tests call `migrate`, `place_order`, `claim`, `complete` and `fail` directly
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::{Arc, Barrier};
    use std::thread;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    const LEASE: i64 = 30_000;
    const WORKERS: usize = 8;
    const JOBS: i64 = 500;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        conn
    }

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }

    /// (status, attempts, claimed_until, last_error) of a job.
    fn job_row(conn: &Connection, id: i64) -> (String, u32, Option<i64>, Option<String>) {
        let sql = "SELECT status, attempts, claimed_until, last_error FROM jobs WHERE id = ?1";
        let row = |r: &rusqlite::Row| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
        conn.query_row(sql, [id], row).unwrap()
    }

    fn claimed(conn: &Connection, now: i64, what: &str) -> Job {
        match claim(conn, now, LEASE) {
            Ok(Some(job)) => job,
            other => panic!("{what}: claim(now = {now}) should give a job, but gave {other:?}"),
        }
    }

    fn nothing_to_claim(conn: &Connection, now: i64, what: &str) {
        let got = claim(conn, now, LEASE);
        assert!(
            matches!(got, Ok(None)),
            "{what}: claim(now = {now}) should find no job, but gave {got:?}"
        );
    }

    #[test]
    fn an_order_and_its_job_are_saved_together() {
        let mut conn = db();
        let id = place_order(&mut conn, "ada", 4200).unwrap();
        let orders = count(&conn, "SELECT COUNT(*) FROM orders WHERE customer = 'ada'");
        assert_eq!(orders, 1, "place_order should save the order");
        let sql = "SELECT kind, payload, status, attempts FROM jobs";
        let row = |r: &rusqlite::Row| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
        let jobs: Vec<(String, String, String, u32)> = conn
            .prepare(sql)
            .unwrap()
            .query_map([], row)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let want = (
            "send_confirmation".into(),
            format!("{{\"order_id\":{id}}}"),
            "pending".into(),
            0,
        );
        assert_eq!(
            jobs,
            vec![want],
            "place_order(ada) saved order {id}: there should be exactly one job (kind, payload, \
             status, attempts), pending and never tried"
        );
    }

    #[test]
    fn if_the_job_cannot_be_saved_neither_is_the_order() {
        let mut conn = db();
        conn.execute_batch(
            "CREATE TRIGGER outbox_down BEFORE INSERT ON jobs
             BEGIN SELECT RAISE(ABORT, 'the outbox is down'); END;",
        )
        .unwrap();
        let result = place_order(&mut conn, "ada", 4200);
        assert!(
            result.is_err(),
            "saving the job failed, so place_order must return Err"
        );
        let orders = count(&conn, "SELECT COUNT(*) FROM orders");
        assert_eq!(
            orders, 0,
            "saving the job failed, but the order was saved anyway: its confirmation will never \
             be sent. Write the order and its job in ONE transaction, so that both are saved \
             or neither is"
        );
    }

    #[test]
    fn claim_leases_the_oldest_available_job() {
        let mut conn = db();
        for customer in ["ada", "grace", "linus"] {
            place_order(&mut conn, customer, 100).unwrap();
        }
        for id in 1..=3 {
            let what = format!("{} job(s) of 3 are leased", id - 1);
            let job = claimed(&conn, 1_000, &what);
            assert_eq!(
                (job.id, job.attempts),
                (id, 1),
                "{what}: the next claim should get the oldest job that nobody holds, job {id}, \
                 on its first attempt; it got job {} (attempt {})",
                job.id,
                job.attempts
            );
            let (_, _, until, _) = job_row(&conn, id);
            assert_eq!(
                until,
                Some(31_000),
                "claimed at now = 1000 with a lease of 30000 ms: claimed_until should be 31000"
            );
        }
        nothing_to_claim(&conn, 1_000, "all 3 jobs are leased to workers");
    }

    #[test]
    fn a_crashed_workers_job_is_claimed_again_when_its_lease_ends() {
        let mut conn = db();
        place_order(&mut conn, "ada", 4200).unwrap();
        let first = claimed(&conn, 0, "a new job");
        drop(first); // the worker crashes: no complete, no fail
        nothing_to_claim(
            &conn,
            29_999,
            "the job is leased until 30000 (claimed at 0)",
        );
        let again = claimed(&conn, 30_000, "the lease ends at 30000 exactly");
        assert_eq!(
            (again.id, again.attempts),
            (1, 2),
            "the worker holding job 1 crashed; when its lease ended the job was claimed again, \
             and this is its 2nd attempt (attempts counts claims, crashes included)"
        );
    }

    #[test]
    fn a_completed_job_never_runs_again() {
        let mut conn = db();
        place_order(&mut conn, "ada", 4200).unwrap();
        let job = claimed(&conn, 0, "a new job");
        complete(&conn, job.id).unwrap();
        let (status, ..) = job_row(&conn, job.id);
        assert_eq!(
            status, "done",
            "a completed job should have the status 'done'"
        );
        for now in [1_000, LEASE, 10 * LEASE] {
            nothing_to_claim(&conn, now, "the only job was completed (long ago)");
        }
    }

    #[test]
    fn a_failing_job_is_retried_then_parked_as_dead() {
        let mut conn = db();
        place_order(&mut conn, "ada", 4200).unwrap();
        for attempt in 1..=3 {
            let what = format!("attempt {attempt} failed before (max_attempts 3)");
            let job = claimed(&conn, 1_000, &what);
            assert_eq!(
                job.attempts, attempt,
                "{what}: attempts should be {attempt}"
            );
            fail(&conn, job.id, &format!("smtp error {attempt}"), 3).unwrap();
            let (status, ..) = job_row(&conn, job.id);
            let want = if attempt < 3 { "pending" } else { "dead" };
            assert_eq!(
                status, want,
                "the job failed on attempt {attempt} of at most 3: its status should be \
                 {want:?} (a failed job is available again at once, until it has failed on \
                 its 3rd attempt)"
            );
        }
        let (_, _, _, error) = job_row(&conn, 1);
        assert_eq!(
            error.as_deref(),
            Some("smtp error 3"),
            "a dead job keeps its last error, for the human who looks at it"
        );
        nothing_to_claim(&conn, 10 * LEASE, "the only job is dead");
    }

    /// A database file in the temporary folder, deleted at the end.
    struct TempDb(PathBuf);

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let mut path = self.0.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }

    #[test]
    fn two_workers_never_get_the_same_job() {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("res5-{}-{nanos}.db", std::process::id());
        let file = TempDb(std::env::temp_dir().join(name));
        let mut conn = Connection::open(&file.0).unwrap();
        // No waiting for the disk: this test is about locks, not durability.
        let fast = "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;";
        conn.execute_batch(fast).unwrap();
        migrate(&conn).unwrap();
        for i in 0..JOBS {
            place_order(&mut conn, &format!("customer {i}"), 100).unwrap();
        }
        let start = Arc::new(Barrier::new(WORKERS));
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let (path, start) = (file.0.clone(), start.clone());
                thread::spawn(move || {
                    let conn = Connection::open(path).unwrap();
                    conn.busy_timeout(Duration::from_secs(5)).unwrap();
                    conn.execute_batch("PRAGMA synchronous = OFF;").unwrap();
                    start.wait();
                    let mut got = Vec::new();
                    loop {
                        match claim(&conn, 1_000, LEASE) {
                            Ok(Some(_)) if got.len() > JOBS as usize => return Ok(got), // jobs given twice
                            Ok(Some(job)) => got.push(job.id),
                            Ok(None) => return Ok(got),
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        for worker in workers {
            let panicked = |_| Err("the worker panicked (see above)".to_string());
            match worker.join().unwrap_or_else(panicked) {
                Ok(ids) => all.extend(ids),
                Err(e) => panic!(
                    "{WORKERS} workers claimed jobs at the same time, and a claim failed: {e}. Find \
                     and lease a job in one statement, or in a transaction that takes the \
                     write lock from its start (BEGIN IMMEDIATE)"
                ),
            }
        }
        all.sort();
        let mut twice: Vec<_> = all.windows(2).filter(|w| w[0] == w[1]).collect();
        twice.dedup();
        let twice: Vec<i64> = twice.iter().map(|w| w[0]).collect();
        assert!(
            twice.is_empty(),
            "{WORKERS} workers claimed jobs at the same time, and these jobs went to more than one worker: \
             {twice:?}. Finding a free job and leasing it must be ONE atomic step"
        );
        assert_eq!(
            all,
            (1..=JOBS).collect::<Vec<i64>>(),
            "each of the {JOBS} jobs is claimed once"
        );
    }
}
