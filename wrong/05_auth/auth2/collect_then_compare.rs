// wrong: collects both inputs, then compares the vectors with ==
// expect: collect the inputs
//! # Constant-time comparison
//!
//! A server compares secrets all the time: an API key from a header with the
//! stored one, a signature from a token with the one it computes. The obvious
//! `sent == expected` is wrong for secrets. `==` on strings and slices (like
//! `Iterator::eq`) returns at the first byte that differs, so rejecting
//! `"Xxxxxx"` is a little faster than rejecting `"sxxxxx"` when the secret
//! starts with `s`. An attacker who sends many guesses and measures the
//! response times learns the secret one byte at a time. This is a timing
//! attack (CWE-208, "Observable Timing Discrepancy"), and it has been done over
//! the network.
//!
//! A constant-time comparison takes the same time wherever the inputs differ:
//! 1. compare the lengths (the length of a key or signature is not a secret);
//! 2. look at *every* pair of bytes, XOR them (`x ^ y` is 0 only when
//!    `x == y`) and OR the result into an accumulator, with no early return;
//! 3. the inputs are equal exactly when the accumulator is 0 at the end.
//!
//! The compiler may still turn such a loop into one that exits early, so real
//! code uses a vetted crate: `subtle` (`ConstantTimeEq`), or `Mac::verify_slice`
//! from the `hmac` crate for signatures (you will use it in auth5).
//! Read more: https://codahale.com/a-lesson-in-timing-attacks/ and
//! https://docs.rs/subtle/latest/subtle/
//!
//! The inputs come as iterators over bytes so the tests can count how many
//! bytes your comparison reads, and when; `ExactSizeIterator::len` gives the
//! length without reading anything. Collecting both into vectors and then
//! comparing those with `==` only moves the early exit out of sight.

/// The comparison everyone writes first. It returns at the first difference.
fn leaky_eq(a: impl Iterator<Item = u8>, b: impl Iterator<Item = u8>) -> bool {
    a.eq(b)
}

fn constant_time_eq<A, B>(a: A, b: B) -> bool
where
    A: ExactSizeIterator<Item = u8>,
    B: ExactSizeIterator<Item = u8>,
{
    // Read everything first, so the time does not depend on the bytes.
    let a: Vec<u8> = a.collect();
    let b: Vec<u8> = b.collect();
    a == b
}

/// Checks the API key a client sent, e.g. in an `X-Api-Key` header.
fn api_key_matches(sent: &str, expected: &str) -> bool {
    constant_time_eq(sent.bytes(), expected.bytes())
}

fn main() {
    let key = "k3y-2f9a7c";
    println!("{}", api_key_matches("k3y-2f9a7c", key));
    println!("{}", leaky_eq("X".bytes(), key.bytes()));
}
