// wrong: error paths checked with is_err() and a bare should_panic
// expect: reported as "not a number" instead of "empty"
// expect: instead of the maximum, 99
// expect: bare "attempt to divide by zero"
//! # Testing the error paths
//!
//! Half of a backend's work is saying no: an empty form field, a number that
//! is not a number, a quantity nobody may order. The happy path gets tried by
//! hand every day; the error paths do not, so that is where bugs wait. Test
//! them on purpose.
//!
//! - A function returning `Result` is tested by comparing the *whole* result:
//!   `assert_eq!(parse_quantity("0"), Err(QuantityError::Zero), "...")`. Check
//!   the exact variant and its data, not just "it failed": the caller turns
//!   each variant into a different message for the user, so failing for the
//!   wrong reason is a bug too. (`assert_eq!` needs `Debug` and `PartialEq`
//!   on the error type.) When only the variant matters, `assert!(matches!(
//!   result, Err(QuantityError::NotANumber)), "...")` works without them.
//! - A function that panics on a *programming* error (a bug in the caller,
//!   not bad input) is tested with `#[should_panic(expected = "...")]` under
//!   `#[test]`: the test passes only if the code panics with a message
//!   containing that text. Always give `expected`: a bare `#[should_panic]`
//!   also passes on an unrelated crash, such as a division by zero.
//!
//! Rust Book ch. 11.1, "Checking for Panics with `should_panic`":
//! https://doc.rust-lang.org/book/ch11-01-writing-tests.html

const MAX_QUANTITY: u32 = 99;

#[derive(Debug, PartialEq)]
enum QuantityError {
    /// Nothing was typed, or only spaces.
    Empty,
    /// Not a whole number (`"two"`, `"1.5"`, `"-3"`), or too big for a `u32`.
    NotANumber,
    /// Nobody orders zero items.
    Zero,
    /// More than one order may hold; `max` is shown to the user.
    TooMany { max: u32 },
}

/// Parses the quantity field of an order form: `" 3 "` gives `Ok(3)`.
fn parse_quantity(input: &str) -> Result<u32, QuantityError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(QuantityError::Empty);
    }
    let quantity: u32 = input.parse().map_err(|_| QuantityError::NotANumber)?;
    match quantity {
        0 => Err(QuantityError::Zero),
        1..=MAX_QUANTITY => Ok(quantity),
        _ => Err(QuantityError::TooMany { max: MAX_QUANTITY }),
    }
}

/// Splits a bill of `total_cents` among `people`, fair to the cent: the
/// first `total_cents % people` people pay one cent more, so the shares add
/// up to the bill. `people` comes from our own code, never from a user, so 0
/// is a bug in the caller: it panics with a message that says so.
fn split_bill(total_cents: u64, people: u64) -> Vec<u64> {
    assert!(people > 0, "split_bill: cannot split a bill among 0 people");
    let share = total_cents / people;
    let leftover = total_cents % people;
    (0..people)
        .map(|i| share + u64::from(i < leftover))
        .collect()
}

fn main() {
    for input in ["3", " 12 ", "", "two", "0", "250"] {
        println!("{input:?} -> {:?}", parse_quantity(input));
    }
    println!("10.00 among 3: {:?}", split_bill(1000, 3));
}

// ---- your tests: write them below ----
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_quantities_are_parsed() {
        assert_eq!(parse_quantity("3"), Ok(3), "\"3\" is 3 items");
        assert_eq!(parse_quantity(" 12 "), Ok(12), "spaces do not matter");
        assert_eq!(parse_quantity("99"), Ok(99), "99 is the maximum");
    }

    #[test]
    fn bad_quantities_are_errors() {
        for input in ["", "   ", "two", "1.5", "0", "100"] {
            assert!(
                parse_quantity(input).is_err(),
                "{input:?} should be refused"
            );
        }
    }

    #[test]
    fn bill_is_split_without_losing_cents() {
        let shares = split_bill(1000, 3);
        assert_eq!(
            shares.iter().sum::<u64>(),
            1000,
            "the shares add up to the bill"
        );
    }

    #[test]
    #[should_panic]
    fn splitting_among_nobody_panics() {
        split_bill(1000, 0);
    }
}
