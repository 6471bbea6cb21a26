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
         HAVING COUNT(*) >= ?1
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

// not graded: a demo; the tests call the functions it calls
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    fn summary(min_orders: i64) -> Vec<CustomerSummary> {
        let conn = Connection::open_in_memory().unwrap();
        create_schema(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO orders (customer, product, quantity, price_cents) VALUES
                ('ada', 'keyboard', 1, 4500),
                ('bob', 'cable', 10, 500),
                ('cy', 'mouse', 1, 2500),
                ('ada', 'mouse', 2, 2500),
                ('dee', 'monitor', 1, 19900),
                ('cy', 'mouse', 1, 2500),
                ('ada', 'keyboard', 1, 4500),
                ('dee', 'cable', 2, 500);",
        )
        .unwrap();
        customer_summary(&conn, min_orders)
            .unwrap_or_else(|e| panic!("customer_summary(conn, {min_orders}) failed: {e}"))
    }

    fn row(customer: &str, orders: i64, distinct: i64, revenue: i64) -> CustomerSummary {
        CustomerSummary {
            customer: customer.to_string(),
            orders,
            distinct_products: distinct,
            revenue_cents: revenue,
        }
    }

    #[test]
    fn revenue_is_quantity_times_price() {
        let got = summary(1);
        let expected = [("ada", 14000), ("bob", 5000), ("cy", 5000), ("dee", 20900)];
        for s in &got {
            let Some((_, revenue)) = expected.iter().find(|(c, _)| *c == s.customer) else {
                continue;
            };
            assert_eq!(
                s.revenue_cents, *revenue,
                "the revenue of {} came back as {}, it should be {revenue}: each order is \
                 worth quantity * price (bob bought 10 cables at 500), summed over the \
                 customer's orders",
                s.customer, s.revenue_cents
            );
        }
    }

    #[test]
    fn one_row_per_customer_by_revenue() {
        let got = summary(1);
        let expected = vec![
            row("dee", 2, 2, 20900),
            row("ada", 3, 2, 14000),
            row("bob", 1, 1, 5000),
            row("cy", 2, 1, 5000),
        ];
        assert_eq!(
            got, expected,
            "customer_summary(conn, 1) returned {got:?}, it should return one row per customer \
             (GROUP BY), highest revenue first and bob before cy (same revenue, sorted by name)"
        );
    }

    #[test]
    fn distinct_counts_each_product_once() {
        let got = summary(1);
        let distinct: Vec<(&str, i64)> = got
            .iter()
            .map(|s| (s.customer.as_str(), s.distinct_products))
            .collect();
        assert!(
            distinct.contains(&("ada", 2)) && distinct.contains(&("cy", 1)),
            "ada ordered a keyboard twice and a mouse once (2 different products), cy a mouse \
             twice (1 product), but distinct_products per customer came back as {distinct:?}: \
             use COUNT(DISTINCT product)"
        );
    }

    #[test]
    fn having_keeps_only_customers_with_enough_orders() {
        let got = summary(2);
        let mut customers: Vec<&str> = got.iter().map(|s| s.customer.as_str()).collect();
        customers.sort();
        assert_eq!(
            customers,
            ["ada", "cy", "dee"],
            "customer_summary(conn, 2) returned customers {customers:?} (sorted here by name), \
             it should return those with at least 2 orders: cy and dee with exactly 2 (cy \
             ordered the same mouse twice) are in, bob with 1 is out. Filter the groups with \
             HAVING on the number of orders, COUNT(*)"
        );
        let got = summary(3);
        assert_eq!(
            got,
            vec![row("ada", 3, 2, 14000)],
            "customer_summary(conn, 3) returned {got:?}, it should return only ada, the one \
             customer with 3 orders (she bought only 2 different products: HAVING counts \
             orders, COUNT(*), not products)"
        );
        let got = summary(4);
        assert!(
            got.is_empty(),
            "no customer has 4 orders, but customer_summary(conn, 4) returned {got:?}"
        );
    }
}
