//! # Transactions: all or nothing
//!
//! A money transfer is several statements: take the amount from one account, add
//! it to the other, write a log entry. If the program stops halfway (an error,
//! a crash, a missing account), money has vanished. A transaction groups the
//! statements so that either all of them take effect (COMMIT) or none does
//! (ROLLBACK): the "A" (atomicity) of ACID.
//!
//! In rusqlite, `let tx = conn.transaction()?;` starts one (it needs
//! `&mut Connection`); run your statements on `tx` (it derefs to a
//! `Connection`), then `tx.commit()?`. If `tx` is dropped without a commit,
//! for example because a `?` returned early, it rolls back. So: return early
//! on any error, commit only at the very end.
//!
//! Inside the transaction, check the rules and report them as errors:
//! `execute` returns how many rows it changed, so 0 means the account does
//! not exist, and a balance that went negative means insufficient funds.
//!
//! Read more: https://www.sqlite.org/lang_transaction.html and
//! https://docs.rs/rusqlite/0.43/rusqlite/struct.Transaction.html

use rusqlite::Connection;

#[derive(Debug, PartialEq)]
enum TransferError {
    AccountNotFound(i64),
    InsufficientFunds,
    Db(String),
}

impl From<rusqlite::Error> for TransferError {
    fn from(err: rusqlite::Error) -> Self {
        TransferError::Db(err.to_string())
    }
}

fn create_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance_cents INTEGER NOT NULL);
         CREATE TABLE transfers (
             id INTEGER PRIMARY KEY,
             from_id INTEGER NOT NULL,
             to_id INTEGER NOT NULL,
             amount_cents INTEGER NOT NULL
         );",
    )
}

// Moves `amount_cents` from account `from` to account `to` and logs the
// transfer, all in one transaction: on any error nothing is changed.
fn transfer(
    conn: &mut Connection,
    from: i64,
    to: i64,
    amount_cents: i64,
) -> Result<(), TransferError> {
    let tx = conn.transaction()?;
    let debited = tx.execute(
        "UPDATE accounts SET balance_cents = balance_cents - ?1 WHERE id = ?2",
        (amount_cents, from),
    )?;
    if debited == 0 {
        return Err(TransferError::AccountNotFound(from));
    }
    let balance: i64 = tx.query_row(
        "SELECT balance_cents FROM accounts WHERE id = ?1",
        [from],
        |row| row.get(0),
    )?;
    if balance < 0 {
        return Err(TransferError::InsufficientFunds);
    }
    let credited = tx.execute(
        "UPDATE accounts SET balance_cents = balance_cents + ?1 WHERE id = ?2",
        (amount_cents, to),
    )?;
    if credited == 0 {
        return Err(TransferError::AccountNotFound(to));
    }
    tx.execute(
        "INSERT INTO transfers (from_id, to_id, amount_cents) VALUES (?1, ?2, ?3)",
        (from, to, amount_cents),
    )?;
    tx.commit()?;
    Ok(())
}

// not graded: a demo; the tests call the functions it calls
fn main() -> Result<(), TransferError> {
    let mut conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    conn.execute_batch("INSERT INTO accounts (id, balance_cents) VALUES (1, 100), (2, 0);")?;
    println!("{:?}", transfer(&mut conn, 1, 2, 500));
    Ok(())
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    // Account 1 holds 100.00, account 2 holds 20.00. There is no account 99.
    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        create_schema(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO accounts (id, balance_cents) VALUES (1, 10000), (2, 2000);",
        )
        .unwrap();
        conn
    }

    fn state(conn: &Connection) -> (Vec<(i64, i64)>, i64) {
        let mut stmt = conn
            .prepare("SELECT id, balance_cents FROM accounts ORDER BY id")
            .unwrap();
        let balances = stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        let balances = balances.map(|b| b.unwrap()).collect();
        let logged = conn
            .query_row("SELECT COUNT(*) FROM transfers", (), |r| r.get(0))
            .unwrap();
        (balances, logged)
    }

    /// Runs a transfer that must fail, checks that it left the database exactly as
    /// it was, and returns its result.
    fn failed_transfer(
        mut conn: Connection,
        from: i64,
        to: i64,
        amount: i64,
        why: &str,
    ) -> Result<(), TransferError> {
        let before = state(&conn);
        let result = transfer(&mut conn, from, to, amount);
        assert!(
            result.is_err(),
            "transfer({from} -> {to}, {amount}) should fail ({why}), but it succeeded"
        );
        assert!(
            conn.is_autocommit(),
            "after the failed transfer({from} -> {to}, {amount}) ({why}) a transaction is \
             still open on the connection: an error must roll it back (dropping the \
             Transaction does that), or the next request inherits it"
        );
        let after = state(&conn);
        assert_eq!(
            after, before,
            "the failed transfer({from} -> {to}, {amount}) ({why}) changed the database: \
             (balances, logged transfers) went from {before:?} to {after:?}; every \
             statement must be in one transaction that is committed only at the very end"
        );
        result
    }

    fn assert_succeeds(conn: &mut Connection, from: i64, to: i64, amount: i64, why: &str) {
        let result = transfer(conn, from, to, amount);
        assert_eq!(
            result,
            Ok(()),
            "transfer({from} -> {to}, {amount}) should succeed ({why}), but returned {result:?}"
        );
    }

    #[test]
    fn successful_transfer_moves_money_and_logs_it() {
        let mut conn = db();
        assert_succeeds(&mut conn, 1, 2, 2500, "account 1 holds 10000");
        let after = state(&conn);
        assert_eq!(
            after,
            (vec![(1, 7500), (2, 4500)], 1),
            "after transfer(1 -> 2, 2500), (balances, logged transfers) should be \
             ([(1, 7500), (2, 4500)], 1), but are {after:?}"
        );
    }

    #[test]
    fn the_whole_balance_can_be_sent() {
        let mut conn = db();
        assert_succeeds(
            &mut conn,
            2,
            1,
            2000,
            "it sends exactly the whole balance of account 2; a balance of 0 is allowed, \
             only a negative one is not",
        );
        let after = state(&conn);
        assert_eq!(
            after,
            (vec![(1, 12000), (2, 0)], 1),
            "after transfer(2 -> 1, 2000), (balances, logged transfers) should be \
             ([(1, 12000), (2, 0)], 1), but are {after:?}"
        );
    }

    #[test]
    fn one_cent_more_than_the_balance_leaves_no_trace() {
        let result = failed_transfer(db(), 2, 1, 2001, "account 2 holds only 2000");
        assert_eq!(
            result,
            Err(TransferError::InsufficientFunds),
            "transfer(2 -> 1, 2001) should fail with InsufficientFunds"
        );
    }

    #[test]
    fn insufficient_funds_leaves_no_trace() {
        let result = failed_transfer(db(), 2, 1, 5000, "account 2 holds only 2000");
        assert_eq!(
            result,
            Err(TransferError::InsufficientFunds),
            "transfer(2 -> 1, 5000) should fail with InsufficientFunds"
        );
    }

    #[test]
    fn missing_destination_leaves_no_trace() {
        let result = failed_transfer(db(), 1, 99, 1000, "there is no account 99");
        assert_eq!(
            result,
            Err(TransferError::AccountNotFound(99)),
            "transfer(1 -> 99, 1000) should fail with AccountNotFound(99)"
        );
    }

    #[test]
    fn missing_source_leaves_no_trace() {
        let result = failed_transfer(db(), 99, 1, 1000, "there is no account 99");
        assert_eq!(
            result,
            Err(TransferError::AccountNotFound(99)),
            "transfer(99 -> 1, 1000) should fail with AccountNotFound(99)"
        );
    }

    #[test]
    fn a_failure_while_logging_leaves_no_trace() {
        let conn = db();
        // From now on every INSERT into `transfers` fails, like a full disk would.
        conn.execute_batch(
            "CREATE TRIGGER log_fails BEFORE INSERT ON transfers
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
        let result = failed_transfer(
            conn,
            1,
            2,
            2500,
            "writing the log entry fails, so the money must not move either",
        );
        assert!(
            matches!(result, Err(TransferError::Db(_))),
            "when writing the log entry fails, transfer should return that database error \
             (TransferError::Db), but returned {result:?}"
        );
    }
}
