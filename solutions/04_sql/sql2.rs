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
//!   Text compares byte by byte by default (the `BINARY` collation), so `=`
//!   and `ORDER BY` are case-sensitive: `Banana` sorts before `apple`, and
//!   `LIKE`, which ignores ASCII case, is not a spelling of `=`.
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
    let mut stmt = conn.prepare(
        "SELECT name, price_cents FROM products
         WHERE category = ?1 AND price_cents <= ?2
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

// not graded: a demo; the tests call the functions it calls
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        create_schema(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO products (name, category, price_cents) VALUES
                ('USB cable', 'cables', 500),
                ('HDMI cable', 'cables', 1500),
                ('Mouse', 'input', 2500),
                ('Keyboard', 'input', 4500),
                ('Ethernet cable', 'cables', 500),
                ('Trackball', 'input', 2500),
                ('Fibre cable', 'cables', 9900),
                ('Audio cable', 'cables', 900),
                ('Optical cable', 'cables', 1501);",
        )
        .unwrap();
        conn
    }

    fn names(products: &[Product]) -> Vec<&str> {
        products.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn only_the_category_at_or_under_the_price() {
        let found = find_products(&db(), "cables", 1500, 100).expect("find_products failed");
        let mut got = names(&found);
        got.sort();
        let expected = ["Audio cable", "Ethernet cable", "HDMI cable", "USB cable"];
        assert_eq!(
            got, expected,
            "find_products(\"cables\", 1500, 100) returned {got:?} (sorted here by name), \
             it should return the cables costing at most 1500 cents: {expected:?} \
             (no other category; HDMI cable at exactly 1500 is included, Optical cable at \
             1501 is not)"
        );
    }

    #[test]
    fn cheapest_first_and_ties_broken_by_name() {
        let found = find_products(&db(), "cables", 1500, 100).expect("find_products failed");
        let expected = vec![
            Product {
                name: "Ethernet cable".into(),
                price_cents: 500,
            },
            Product {
                name: "USB cable".into(),
                price_cents: 500,
            },
            Product {
                name: "Audio cable".into(),
                price_cents: 900,
            },
            Product {
                name: "HDMI cable".into(),
                price_cents: 1500,
            },
        ];
        assert_eq!(
            found,
            expected,
            "find_products(\"cables\", 1500, 100) returned {:?}, it should return {:?}: \
             cheapest first, and two products with the same price sorted by name (the \
             tie-breaker; not by id or the order they were inserted in)",
            names(&found),
            names(&expected)
        );
    }

    #[test]
    fn limit_caps_the_number_of_rows() {
        let found = find_products(&db(), "cables", 10_000, 2).expect("find_products failed");
        assert_eq!(
            names(&found),
            ["Ethernet cable", "USB cable"],
            "find_products(\"cables\", 10000, 2) returned {:?}, it should return only the 2 \
             cheapest cables, sorted as always (LIMIT cuts the sorted list)",
            names(&found)
        );
    }

    #[test]
    fn no_match_is_an_empty_list() {
        let found = find_products(&db(), "garden", 10_000, 10).expect("find_products failed");
        assert!(
            found.is_empty(),
            "there are no products in category \"garden\", but find_products returned {:?}",
            names(&found)
        );
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Any table, inserted in any order, any price cap and any limit from 0
        /// to one past the rows: the rows the comment promises, in its order.
        #[test]
        fn any_table_gives_the_promised_rows_in_the_promised_order(
            rows in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["apple", "Apple", "Banana", "banana", "Éclair", "eclair", "Zebra", "a b", "ab"]),
                    proptest::sample::select(vec!["cables", "Cables", "cable", "cables "]),
                    prop_oneof![Just(0i64), Just(500), Just(501), Just(i64::MAX), -5i64..1000],
                ),
                0..12,
            ),
            cap in prop_oneof![Just(500i64), Just(0), Just(i64::MAX), -5i64..1000],
            pick in prop_oneof![Just(0usize), Just(1), 0usize..100],
        ) {
            let conn = Connection::open_in_memory().unwrap();
            create_schema(&conn).unwrap();
            for (name, category, price) in &rows {
                conn.execute(
                    "INSERT INTO products (name, category, price_cents) VALUES (?1, ?2, ?3)",
                    (name, category, price),
                )
                .unwrap();
            }
            let limit = (pick % (rows.len() + 2)) as i64;
            let mut want: Vec<Product> = rows
                .iter()
                .filter(|(_, c, p)| *c == "cables" && *p <= cap)
                .map(|(n, _, p)| Product { name: n.to_string(), price_cents: *p })
                .collect();
            want.sort_by(|a, b| (a.price_cents, &a.name).cmp(&(b.price_cents, &b.name)));
            want.truncate(limit as usize);
            let got = find_products(&conn, "cables", cap, limit).unwrap();
            prop_assert_eq!(
                &got, &want,
                "with the rows (name, category, price) {:?} inserted in that order, \
                 find_products(\"cables\", {}, {}) gave the left, but should give the right: \
                 exactly the category \"cables\" (not Cables, not cable), price at most the cap, \
                 cheapest first, equal prices by name (byte order, so \"Banana\" before \"apple\"), \
                 at most limit rows",
                rows, cap, limit
            );
        }
    }
}
