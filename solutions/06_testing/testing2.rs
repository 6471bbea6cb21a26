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

// not graded: prints demo parses; the learner's tests call `parse_quantity` and `split_bill`
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
    fn valid_quantity_is_parsed_without_spaces() {
        assert_eq!(parse_quantity("3"), Ok(3), "\"3\" should be 3 items");
        assert_eq!(
            parse_quantity(" 12 "),
            Ok(12),
            "spaces around should not matter"
        );
        assert_eq!(
            parse_quantity("99"),
            Ok(99),
            "99 is the maximum, so it is allowed"
        );
    }

    #[test]
    fn empty_field_is_empty_not_a_number() {
        for input in ["", "   "] {
            assert_eq!(
                parse_quantity(input),
                Err(QuantityError::Empty),
                "the field {input:?} was left empty; the user should be told that, not that it is not a number"
            );
        }
    }

    #[test]
    fn words_and_fractions_are_not_a_number() {
        for input in ["two", "1.5", "-3"] {
            let result = parse_quantity(input);
            assert!(
                matches!(result, Err(QuantityError::NotANumber)),
                "{input:?} is not a whole number, but parsing gave {result:?}"
            );
        }
    }

    #[test]
    fn zero_is_rejected() {
        assert_eq!(
            parse_quantity("0"),
            Err(QuantityError::Zero),
            "an order of 0 items should be rejected"
        );
    }

    #[test]
    fn too_many_names_the_maximum() {
        assert_eq!(
            parse_quantity("100"),
            Err(QuantityError::TooMany { max: 99 }),
            "100 is over the limit, and the error should tell the user the maximum, 99"
        );
    }

    #[test]
    fn uneven_bill_is_split_to_the_cent() {
        assert_eq!(
            split_bill(1000, 3),
            vec![334, 333, 333],
            "10.00 among 3 should be 3.34 + 3.33 + 3.33, adding up to the bill"
        );
        assert_eq!(split_bill(900, 3), vec![300, 300, 300], "9.00 among 3");
    }

    #[test]
    #[should_panic(expected = "cannot split a bill among 0 people")]
    fn splitting_among_nobody_panics_with_a_clear_message() {
        split_bill(1000, 0);
    }
}
