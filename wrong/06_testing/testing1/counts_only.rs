// wrong: tests check only that some fee is charged, never its amount
// expect: 4.99 instead of 4.90
//! # Your first tests: `assert_eq!` with a message
//!
//! In this topic the code is already right, and *you* write the tests. The
//! grader runs your tests against the code below, where they must pass, and
//! then against copies of it with one bug planted in each (a *mutant*): for
//! every mutant, at least one of your tests must fail. A test suite is worth
//! exactly the bugs it catches.
//!
//! A test is a function marked `#[test]` inside `#[cfg(test)] mod tests`. It
//! passes unless it panics, and `assert_eq!(actual, expected, "message")`
//! panics when the two values differ, printing both and your message (Rust
//! Book ch. 11.1: https://doc.rust-lang.org/book/ch11-01-writing-tests.html).
//!
//! Good tests read like a specification:
//! - Name each test for the rule it checks: `order_of_exactly_50_ships_free`,
//!   not `test2`. The name is the first thing you read when it fails.
//! - Give every assert a message saying what was tried and what should have
//!   happened: `"an order of 50.00 should ship free"`.
//! - Test the boundaries. Off-by-one bugs (`>` where `>=` was meant) live at
//!   the exact edge of a rule: test the value on the edge *and* the one just
//!   below it, not only "small" and "large".
//!
//! Write your tests below the marker line at the end of the file: the grader
//! takes only that part, and runs it against its own copies of the code.
//! Try them yourself with `cargo test --bin testing1`.

/// Orders of at least 50.00 ship free. Amounts are in cents: money is never
/// a float.
const FREE_SHIPPING_FROM_CENTS: u32 = 5000;
const SHIPPING_FEE_CENTS: u32 = 490;

/// The shipping fee for a cart worth `subtotal_cents`: nothing for an empty
/// cart (there is nothing to ship), 4.90 below 50.00, free from 50.00 on.
fn shipping_cents(subtotal_cents: u32) -> u32 {
    if subtotal_cents == 0 || subtotal_cents >= FREE_SHIPPING_FROM_CENTS {
        0
    } else {
        SHIPPING_FEE_CENTS
    }
}

/// What the customer pays: the cart plus its shipping.
fn order_total_cents(subtotal_cents: u32) -> u32 {
    subtotal_cents + shipping_cents(subtotal_cents)
}

fn main() {
    for subtotal in [0, 1999, 4999, 5000] {
        println!(
            "cart {subtotal} cents: shipping {}, total {}",
            shipping_cents(subtotal),
            order_total_cents(subtotal)
        );
    }
}

// ---- your tests: write them below ----
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_order_pays_some_shipping() {
        assert!(
            shipping_cents(1999) > 0,
            "an order of 19.99 should pay shipping"
        );
        assert!(
            shipping_cents(4999) > 0,
            "an order of 49.99 should pay shipping"
        );
    }

    #[test]
    fn order_of_50_ships_free() {
        assert_eq!(
            shipping_cents(5000),
            0,
            "an order of 50.00 should ship free"
        );
        assert_eq!(shipping_cents(0), 0, "an empty cart should pay nothing");
    }

    #[test]
    fn total_is_more_than_the_cart() {
        assert!(
            order_total_cents(1999) > 1999,
            "a small order should cost more than the cart"
        );
    }
}
