const MAX_QUANTITY: u32 = 99;

#[derive(Debug, PartialEq)]
enum QuantityError {
    Empty,
    NotANumber,
    Zero,
    TooMany { max: u32 },
}

fn parse_quantity(input: &str) -> Result<u32, QuantityError> {
    // mutant(8): spaces around the number are not allowed.
    let input = if mutant(8) { input } else { input.trim() };
    // mutant(1): the empty check is forgotten; "" then fails to parse.
    if input.is_empty() && !mutant(1) {
        return Err(QuantityError::Empty);
    }
    let quantity: u32 = input.parse().map_err(|_| QuantityError::NotANumber)?;
    if mutant(2) {
        // Zero slips through.
        return match quantity {
            0..=MAX_QUANTITY => Ok(quantity),
            _ => Err(QuantityError::TooMany { max: MAX_QUANTITY }),
        };
    }
    match quantity {
        0 => Err(QuantityError::Zero),
        // mutant(6): the maximum itself, 99, is refused.
        MAX_QUANTITY if mutant(6) => Err(QuantityError::TooMany { max: MAX_QUANTITY }),
        1..=MAX_QUANTITY => Ok(quantity),
        // mutant(3): the error carries what was typed, not the maximum.
        _ if mutant(3) => Err(QuantityError::TooMany { max: quantity }),
        _ => Err(QuantityError::TooMany { max: MAX_QUANTITY }),
    }
}

fn split_bill(total_cents: u64, people: u64) -> Vec<u64> {
    // mutant(4): no assert, so 0 people is a bare division by zero.
    if !mutant(4) {
        assert!(people > 0, "split_bill: cannot split a bill among 0 people");
    }
    let share = total_cents / people;
    let leftover = total_cents % people;
    if mutant(5) {
        // The leftover cents are lost.
        return (0..people).map(|_| share).collect();
    }
    if mutant(7) {
        // The leftover cents go to the last people instead of the first.
        return (0..people)
            .map(|i| share + u64::from(i >= people - leftover))
            .collect();
    }
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
