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

// not graded: prints demo totals; the learner's tests call `shipping_cents` and `order_total_cents`
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
    fn order_of_exactly_50_ships_free() {
        assert_eq!(
            shipping_cents(5000),
            0,
            "an order of exactly 50.00 should ship free"
        );
    }

    #[test]
    fn order_one_cent_below_50_pays_shipping() {
        assert_eq!(
            shipping_cents(4999),
            490,
            "an order of 49.99 is below the threshold and should pay 4.90 shipping"
        );
    }

    #[test]
    fn small_order_pays_shipping_and_large_order_ships_free() {
        assert_eq!(shipping_cents(1), 490, "an order of 0.01 should pay 4.90");
        assert_eq!(
            shipping_cents(12000),
            0,
            "an order of 120.00 should ship free"
        );
    }

    #[test]
    fn empty_cart_pays_no_shipping() {
        assert_eq!(
            shipping_cents(0),
            0,
            "an empty cart has nothing to ship and should cost nothing"
        );
    }

    #[test]
    fn order_total_includes_shipping() {
        assert_eq!(
            order_total_cents(1999),
            2489,
            "a cart of 19.99 plus 4.90 shipping should total 24.89"
        );
        assert_eq!(
            order_total_cents(5000),
            5000,
            "a cart of 50.00 ships free, so the total should be 50.00"
        );
    }
}
