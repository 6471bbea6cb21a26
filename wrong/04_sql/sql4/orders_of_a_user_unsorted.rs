// wrong: users_and_their_orders sorts by user id only: a user's orders come in whatever order SQLite reads them
// expect: each with their order ids in order
//! # Joins: INNER JOIN and LEFT JOIN
//!
//! Data is split over tables so each fact is stored once: a user's name lives in
//! `users`, and each order in `orders` refers to its user by `user_id`. A join
//! puts the pieces back together in one query:
//! - `FROM orders INNER JOIN users ON users.id = orders.user_id` pairs every
//!   order with its user. A row without a partner on the other side is dropped:
//!   a user who never ordered does not appear at all.
//! - `FROM users LEFT JOIN orders ON orders.user_id = users.id` keeps every row
//!   of the left table (`users`); when there is no matching order, the order's
//!   columns are `NULL`. In Rust you read a column that may be `NULL` as an
//!   `Option<T>`: `row.get::<_, Option<i64>>(1)?`.
//!
//! Which one? Ask whether rows without a partner belong in the answer. "Orders
//! with their customer's name": INNER. "Every user and their orders, if any" or
//! "users who never ordered" (LEFT JOIN, then `WHERE orders.id IS NULL`): LEFT.
//! When both tables have a column of the same name (`id`), say which one you
//! mean: `users.id`, `orders.id`.
//!
//! Read more: https://www.sqlite.org/lang_select.html#the_from_clause and
//! https://www.sqlite.org/syntax/join-operator.html

use rusqlite::{Connection, Result};

fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE orders (
             id INTEGER PRIMARY KEY,
             user_id INTEGER NOT NULL REFERENCES users(id),
             total_cents INTEGER NOT NULL
         );",
    )
}

fn collect_rows<T>(
    conn: &Connection,
    sql: &str,
    f: impl FnMut(&rusqlite::Row) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map((), f)?;
    rows.collect()
}

// Every order as (order id, customer name, total), ordered by order id.
fn orders_with_customer(conn: &Connection) -> Result<Vec<(i64, String, i64)>> {
    collect_rows(
        conn,
        "SELECT orders.id, users.name, orders.total_cents
         FROM orders INNER JOIN users ON users.id = orders.user_id
         ORDER BY orders.id",
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
}

// Every user with each of their order ids, ordered by user id, then order id.
// A user without orders appears once, with `None`.
fn users_and_their_orders(conn: &Connection) -> Result<Vec<(String, Option<i64>)>> {
    collect_rows(
        conn,
        "SELECT users.name, orders.id
         FROM users LEFT JOIN orders ON orders.user_id = users.id
         ORDER BY users.id",
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
}

// The names of the users who have never ordered, ordered by user id.
fn users_without_orders(conn: &Connection) -> Result<Vec<String>> {
    collect_rows(
        conn,
        "SELECT users.name
         FROM users LEFT JOIN orders ON orders.user_id = users.id
         WHERE orders.id IS NULL
         ORDER BY users.id",
        |row| row.get(0),
    )
}

fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    conn.execute_batch("INSERT INTO users (name) VALUES ('Ada'), ('Grace');")?;
    conn.execute_batch("INSERT INTO orders (user_id, total_cents) VALUES (1, 999);")?;
    println!("orders: {:?}", orders_with_customer(&conn)?);
    println!("users and orders: {:?}", users_and_their_orders(&conn)?);
    println!("never ordered: {:?}", users_without_orders(&conn)?);
    Ok(())
}
