// wrong: category matched with LIKE: case-insensitive, and '%' or '_' in the argument act as wildcards
// expect: exactly the category "cables" (not Cables, not cable)
//! # Filtering, sorting and limiting: WHERE, ORDER BY, LIMIT
//!
//! A search endpoint ("cables under 15 euros, cheapest first, 20 per page")
//! should let the database do the work, not load the whole table into Rust:
//! - `WHERE city = ?1 AND age >= ?2` keeps only matching rows (`=`, `<>`, `<`,
//!   `<=`, `>`, `>=` compare; `AND`, `OR`, `NOT` combine).
//! - `ORDER BY last_name, first_name` sorts them (ascending unless you write
//!   `DESC` after a key). Without `ORDER BY`, SQL promises no order at all.
//!   When two rows tie on the first key, a second key (a "tie-breaker") keeps
//!   the order stable from one request to the next, which pagination relies on.
//! - `LIMIT ?3` returns at most that many rows, after sorting.
//!
//! The clauses come in this order: `SELECT ... FROM ... WHERE ... ORDER BY ...
//! LIMIT ...`. Values go in as parameters (`?1`, `?2`, `?3`), passed as a tuple
//! in the same order.
//!
//! Filtering in SQL means only the rows you need leave the database, and with an
//! index (exercise sql8) the others are never even read.
//!
//! Read more: https://www.sqlite.org/lang_select.html (sections "WHERE clause
//! filtering", "The ORDER BY clause" and "The LIMIT clause").

use rusqlite::{Connection, Result};

#[derive(Debug, PartialEq)]
struct Product {
    name: String,
    price_cents: i64,
}

fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute(
        "CREATE TABLE products (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            category TEXT NOT NULL,
            price_cents INTEGER NOT NULL
        )",
        (),
    )?;
    Ok(())
}

// Products of `category` that cost at most `max_price_cents`, cheapest first,
// equal prices sorted by name, at most `limit` of them.
fn find_products(
    conn: &Connection,
    category: &str,
    max_price_cents: i64,
    limit: i64,
) -> Result<Vec<Product>> {
    // TODO: this returns every product in the table, in whatever order SQLite
    // likes. Make the database do what the comment above the function promises:
    // filter, sort and cap the rows in the query, with the three arguments
    // passed as parameters.
    let mut stmt = conn.prepare(
        "SELECT name, price_cents FROM products
         WHERE category LIKE ?1 AND price_cents <= ?2
         ORDER BY price_cents, name
         LIMIT ?3",
    )?;
    let rows = stmt.query_map((category, max_price_cents, limit), |row| {
        Ok(Product {
            name: row.get(0)?,
            price_cents: row.get(1)?,
        })
    })?;
    rows.collect()
}

fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    conn.execute(
        "INSERT INTO products (name, category, price_cents) VALUES ('USB cable', 'cables', 500)",
        (),
    )?;
    println!("{:?}", find_products(&conn, "cables", 1000, 10)?);
    Ok(())
}
