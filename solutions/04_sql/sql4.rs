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
         ORDER BY users.id, orders.id",
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

// not graded: a demo; the tests call the functions it calls
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Ada has two orders, Margaret none, Linus one, Grace none. The names are
    // not in alphabetical order of their ids, and neither are the totals.
    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        create_schema(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, name) VALUES
                 (1, 'Ada'), (2, 'Margaret'), (3, 'Linus'), (4, 'Grace');
             INSERT INTO orders (id, user_id, total_cents) VALUES
                 (10, 3, 500), (11, 1, 1200), (12, 1, 300);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn inner_join_pairs_each_order_with_its_customer() {
        let rows = orders_with_customer(&db()).expect("orders_with_customer failed");
        let expected = vec![
            (10, "Linus".to_string(), 500),
            (11, "Ada".to_string(), 1200),
            (12, "Ada".to_string(), 300),
        ];
        assert_eq!(
            rows, expected,
            "orders_with_customer returned {rows:?}, it should return each of the 3 orders, \
             by order id, with the name of the user who placed it (and no row for the users \
             who never ordered)"
        );
    }

    #[test]
    fn left_join_keeps_users_without_orders() {
        let rows = users_and_their_orders(&db()).expect("users_and_their_orders failed");
        let expected = vec![
            ("Ada".to_string(), Some(11)),
            ("Ada".to_string(), Some(12)),
            ("Margaret".to_string(), None),
            ("Linus".to_string(), Some(10)),
            ("Grace".to_string(), None),
        ];
        let kept_everyone = ["Margaret", "Grace"]
            .iter()
            .all(|n| rows.iter().any(|(name, _)| name == n));
        assert!(
            kept_everyone,
            "users_and_their_orders returned {rows:?}: Margaret and Grace have no orders but \
             must still appear once each with None; an INNER JOIN drops them, a LEFT JOIN \
             (with users on the left) keeps them"
        );
        assert_eq!(
            rows, expected,
            "users_and_their_orders returned {rows:?}, it should return every user by user id \
             (not by name), each order of a user by order id"
        );
    }

    #[test]
    fn users_without_orders_are_found() {
        let names = users_without_orders(&db()).expect("users_without_orders failed");
        assert_eq!(
            names,
            ["Margaret", "Grace"],
            "users_without_orders returned {names:?}, but exactly Margaret (id 2) and Grace \
             (id 4) never ordered, in that order (by user id, not by name)"
        );
    }

    /// Distinct ids (small, 0, negative, the largest), in any order.
    fn ids(max: usize) -> impl Strategy<Value = Vec<i64>> {
        proptest::collection::btree_set(
            prop_oneof![1i64..40, Just(0i64), Just(-1), Just(i64::MAX), any::<i64>()],
            0..=max,
        )
        .prop_map(|set| set.into_iter().collect::<Vec<_>>())
        .prop_shuffle()
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Users and orders stored in any order under any ids, names that repeat or
        /// differ only by case or an accent, totals at 0 and the extremes, and an
        /// index a real schema might have: each function gives the rows its comment
        /// promises, in the promised order. Rows that no ORDER BY sorts come back in
        /// reverse (PRAGMA reverse_unordered_selects).
        #[test]
        fn any_users_and_orders_give_the_promised_rows(
            user_ids in ids(5),
            names in proptest::collection::vec(0usize..4, 5),
            order_ids in ids(8),
            owners in proptest::collection::vec(any::<prop::sample::Index>(), 8),
            totals in proptest::collection::vec(
                prop_oneof![Just(0i64), Just(i64::MAX), Just(i64::MIN), -5i64..2000], 8),
            index in proptest::sample::select(vec![
                "",
                "CREATE INDEX orders_by_user ON orders (user_id);",
                "CREATE INDEX orders_by_user_total ON orders (user_id, total_cents);",
                "CREATE INDEX orders_by_total ON orders (total_cents, user_id);",
                "CREATE INDEX users_by_name ON users (name);",
            ]),
        ) {
            const NAMES: [&str; 4] = ["Ada", "ada", "Grace", "Gräce"];
            let conn = Connection::open_in_memory().unwrap();
            create_schema(&conn).unwrap();
            conn.execute_batch(index).unwrap();
            conn.execute_batch("PRAGMA reverse_unordered_selects = ON;").unwrap();
            let users: Vec<(i64, &str)> =
                user_ids.iter().enumerate().map(|(n, id)| (*id, NAMES[names[n]])).collect();
            for (id, name) in &users {
                conn.execute("INSERT INTO users (id, name) VALUES (?1, ?2)", (id, name)).unwrap();
            }
            let mut orders: Vec<(i64, i64, i64)> = Vec::new();
            if !users.is_empty() {
                for (n, id) in order_ids.iter().enumerate() {
                    let owner = users[owners[n].index(users.len())].0;
                    orders.push((*id, owner, totals[n]));
                    conn.execute(
                        "INSERT INTO orders (id, user_id, total_cents) VALUES (?1, ?2, ?3)",
                        (id, owner, totals[n]),
                    )
                    .unwrap();
                }
            }
            let stored = format!(
                "users (id, name) stored in the order {users:?} and orders (id, user id, total) \
                 in the order {orders:?}{}",
                if index.is_empty() { String::new() } else { format!(", with the index `{index}`") }
            );
            let name_of = |id: i64| users.iter().find(|u| u.0 == id).unwrap().1.to_string();
            let mut by_user = users.clone();
            by_user.sort();
            let mut by_order = orders.clone();
            by_order.sort();

            let want: Vec<(i64, String, i64)> =
                by_order.iter().map(|(id, user, total)| (*id, name_of(*user), *total)).collect();
            let got = orders_with_customer(&conn)
                .map_err(|e| TestCaseError::fail(format!("orders_with_customer failed: {e}")))?;
            prop_assert_eq!(
                &got, &want,
                "with {}, orders_with_customer gave the left, but should give the right: every \
                 order with its customer's name, by order id (only an ORDER BY promises an order)",
                stored
            );

            let mut want: Vec<(String, Option<i64>)> = Vec::new();
            for (user, name) in &by_user {
                let theirs: Vec<i64> =
                    by_order.iter().filter(|o| o.1 == *user).map(|o| o.0).collect();
                if theirs.is_empty() {
                    want.push((name.to_string(), None));
                }
                want.extend(theirs.into_iter().map(|id| (name.to_string(), Some(id))));
            }
            let got = users_and_their_orders(&conn)
                .map_err(|e| TestCaseError::fail(format!("users_and_their_orders failed: {e}")))?;
            prop_assert_eq!(
                &got, &want,
                "with {}, users_and_their_orders gave the left, but should give the right: every \
                 user by user id (two users with the same name are still two), each with their \
                 order ids in order, and once with None when they have none (LEFT JOIN)",
                stored
            );

            let want: Vec<String> = by_user
                .iter()
                .filter(|(user, _)| orders.iter().all(|o| o.1 != *user))
                .map(|(_, name)| name.to_string())
                .collect();
            let got = users_without_orders(&conn)
                .map_err(|e| TestCaseError::fail(format!("users_without_orders failed: {e}")))?;
            prop_assert_eq!(
                &got, &want,
                "with {}, users_without_orders gave the left, but should give the right: the \
                 names of the users with no order, by user id",
                stored
            );
        }
    }
}
