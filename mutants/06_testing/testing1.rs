const FREE_SHIPPING_FROM_CENTS: u32 = 5000;
const SHIPPING_FEE_CENTS: u32 = 490;

fn shipping_cents(subtotal_cents: u32) -> u32 {
    let ships_free = if mutant(1) {
        // Exactly 50.00 pays shipping.
        subtotal_cents > FREE_SHIPPING_FROM_CENTS
    } else if mutant(2) {
        // 49.99 ships free.
        subtotal_cents >= FREE_SHIPPING_FROM_CENTS - 1
    } else {
        subtotal_cents >= FREE_SHIPPING_FROM_CENTS
    };
    // mutant(3): the empty cart is forgotten.
    let is_empty = subtotal_cents == 0 && !mutant(3);
    if is_empty || ships_free {
        0
    } else if mutant(5) {
        // The fee is 4.99, not 4.90.
        499
    } else {
        SHIPPING_FEE_CENTS
    }
}

fn order_total_cents(subtotal_cents: u32) -> u32 {
    if mutant(4) {
        // The shipping is never added.
        return subtotal_cents;
    }
    if mutant(6) {
        // The fee is added to every non-empty cart, even one that ships free.
        let fee = if subtotal_cents == 0 {
            0
        } else {
            SHIPPING_FEE_CENTS
        };
        return subtotal_cents + fee;
    }
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
