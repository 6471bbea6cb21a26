// wrong: a transfer that empties the account is refused (balance <= 0)
// expect: should succeed
// expect: whole balance
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
    if balance <= 0 {
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

fn main() -> Result<(), TransferError> {
    let mut conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    conn.execute_batch("INSERT INTO accounts (id, balance_cents) VALUES (1, 100), (2, 0);")?;
    println!("{:?}", transfer(&mut conn, 1, 2, 500));
    Ok(())
}
