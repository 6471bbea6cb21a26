// wrong: HAVING COUNT(*) > ?1: customers with exactly the minimum are dropped
// expect: cy and dee with exactly 2 (cy
//! # Aggregates: GROUP BY, HAVING, COUNT(DISTINCT ...)
//!
//! Reports ("views per page", "authors with at least 5 posts") are computed by
//! the database with aggregate functions: `COUNT(*)` counts rows, `SUM(expr)`
//! adds up, `MAX(expr)` finds the largest, and `COUNT(DISTINCT visitor)`
//! counts different values once (`COUNT(column)` skips NULLs).
//! - `GROUP BY page` makes one group per page, and the aggregates are computed
//!   per group: the query returns one row per page. Without `GROUP BY`, the
//!   whole table is one group and you get a single row.
//! - `WHERE` filters rows *before* they are grouped, so it cannot use an
//!   aggregate (SQLite says "misuse of aggregate"). `HAVING COUNT(*) > 100`
//!   filters the groups *after* the aggregates are computed.
//! - `ORDER BY` may sort by an aggregate; give it a name with `AS` and use it:
//!   `SUM(seconds) AS time_spent ... ORDER BY time_spent DESC`.
//!
//! The order of the clauses: `SELECT ... FROM ... WHERE ... GROUP BY ...
//! HAVING ... ORDER BY ... LIMIT ...`.
//!
//! Read more: https://www.sqlite.org/lang_select.html ("Generation of the set of
//! result rows") and https://www.sqlite.org/lang_aggfunc.html

use rusqlite::{Connection, Result};

#[derive(Debug, PartialEq)]
struct CustomerSummary {
    customer: String,
    orders: i64,
    distinct_products: i64,
    revenue_cents: i64,
}

fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute(
        "CREATE TABLE orders (
            id INTEGER PRIMARY KEY,
            customer TEXT NOT NULL,
            product TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            price_cents INTEGER NOT NULL
        )",
        (),
    )?;
    Ok(())
}

// One summary per customer who placed at least `min_orders` orders: how many
// orders, how many different products, and the revenue (quantity * price summed
// over the orders). Highest revenue first; equal revenue sorted by customer.
fn customer_summary(conn: &Connection, min_orders: i64) -> Result<Vec<CustomerSummary>> {
    let mut stmt = conn.prepare(
        "SELECT customer, COUNT(*), COUNT(DISTINCT product),
                SUM(quantity * price_cents) AS revenue
         FROM orders
         GROUP BY customer
         HAVING COUNT(*) > ?1
         ORDER BY revenue DESC, customer",
    )?;
    let rows = stmt.query_map([min_orders], |row| {
        Ok(CustomerSummary {
            customer: row.get(0)?,
            orders: row.get(1)?,
            distinct_products: row.get(2)?,
            revenue_cents: row.get(3)?,
        })
    })?;
    rows.collect()
}

fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    conn.execute_batch(
        "INSERT INTO orders (customer, product, quantity, price_cents)
         VALUES ('ada', 'mouse', 2, 2500), ('ada', 'cable', 1, 500);",
    )?;
    println!("{:?}", customer_summary(&conn, 1)?);
    Ok(())
}
