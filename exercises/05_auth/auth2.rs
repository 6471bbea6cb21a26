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
//!
//! What the tests can and cannot see: they count the bytes read from each
//! input, and when, so an early exit, a length check done by reading, or
//! reading one input ahead of the other fails. They cannot see what your code
//! does with a pair once it has read it: a fold like `eq && x == y` reads
//! every byte yet skips the comparison after the first difference (`&&`
//! short-circuits), and no test here catches it. That part is not graded, so
//! it is on you: combine every pair with `^` and `|`, which always run, and
//! branch on nothing but the final accumulator.

/// The comparison everyone writes first. It returns at the first difference.
fn leaky_eq(a: impl Iterator<Item = u8>, b: impl Iterator<Item = u8>) -> bool {
    a.eq(b)
}

// TODO: replace the leaky comparison. Inputs of different lengths are not
// equal (say so right away: lengths are not secret). Otherwise read both
// inputs pair by pair, every byte whatever it holds, and decide only at the
// end; the amount of work must not depend on where the bytes differ.
fn constant_time_eq<A, B>(a: A, b: B) -> bool
where
    A: ExactSizeIterator<Item = u8>,
    B: ExactSizeIterator<Item = u8>,
{
    leaky_eq(a, b)
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    const KEY: &str = "k3y-2f9a7c1e5b";

    /// The bytes of one input; counts how many were read and how far this
    /// input ever got ahead of the other one.
    struct Counted<'a> {
        bytes: std::str::Bytes<'a>,
        read: &'a Cell<usize>,
        other: &'a Cell<usize>,
        lead: &'a Cell<usize>,
    }

    impl Iterator for Counted<'_> {
        type Item = u8;
        fn next(&mut self) -> Option<u8> {
            let byte = self.bytes.next();
            if byte.is_some() {
                self.read.set(self.read.get() + 1);
                let ahead = self.read.get().saturating_sub(self.other.get());
                self.lead.set(self.lead.get().max(ahead));
            }
            byte
        }
        fn size_hint(&self) -> (usize, Option<usize>) {
            self.bytes.size_hint()
        }
    }

    impl ExactSizeIterator for Counted<'_> {}

    /// Compares `a` and `b` with `constant_time_eq` (or `leaky_eq`) and returns
    /// how many bytes of each it read, and the most bytes one input was read
    /// ahead of the other.
    fn reads(a: &str, b: &str, leaky: bool) -> (usize, usize, usize) {
        let (read_a, read_b, lead) = (Cell::new(0), Cell::new(0), Cell::new(0));
        let a = Counted {
            bytes: a.bytes(),
            read: &read_a,
            other: &read_b,
            lead: &lead,
        };
        let b = Counted {
            bytes: b.bytes(),
            read: &read_b,
            other: &read_a,
            lead: &lead,
        };
        match leaky {
            true => leaky_eq(a, b),
            false => constant_time_eq(a, b),
        };
        (read_a.get(), read_b.get(), lead.get())
    }

    #[test]
    fn equal_keys_match() {
        for key in [KEY, "", "a"] {
            assert!(
                api_key_matches(key, key),
                "api_key_matches({key:?}, {key:?}) returned false for two equal keys"
            );
        }
    }

    #[test]
    fn keys_that_differ_anywhere_do_not_match() {
        for (sent, expected, why) in [
            ("X3y-2f9a7c1e5b", KEY, "the first byte differs"),
            ("k3y-2f9X7c1e5b", KEY, "a byte in the middle differs"),
            ("k3y-2f9a7c1e5X", KEY, "the last byte differs"),
            (
                "ba",
                "ab",
                "their differences are equal and cancel out if you combine them with `^`",
            ),
        ] {
            assert!(
                !api_key_matches(sent, expected),
                "api_key_matches({sent:?}, {expected:?}) returned true, but {why}"
            );
        }
    }

    #[test]
    fn differences_never_add_up_to_zero() {
        let (a, b) = ([0x80u8, 0x80], [0x00u8, 0x00]);
        let same = constant_time_eq(a.iter().copied(), b.iter().copied());
        assert!(
            !same,
            "constant_time_eq([0x80, 0x80], [0x00, 0x00]) returned true: two differences of \
             0x80 add up to 0x100, which is 0 in a u8. Combine differences with `|`, which \
             can only set bits, never with `+` or `^`"
        );
    }

    #[test]
    fn keys_of_different_lengths_do_not_match() {
        for (sent, expected) in [(KEY, "k3y"), ("k3y", KEY), ("", "a"), ("a", "")] {
            assert!(
                !api_key_matches(sent, expected),
                "api_key_matches({sent:?}, {expected:?}) returned true for keys of different \
                 lengths: compare `a.len()` and `b.len()` first (zip stops at the shorter one)"
            );
        }
    }

    #[test]
    fn leaky_eq_stops_at_the_first_difference() {
        // This test passes from the start: it shows the leak you are fixing.
        assert_eq!(reads("X3y-2f9a7c1e5b", KEY, true), (1, 1, 1));
        assert_eq!(reads("k3y-2f9a7c1e5X", KEY, true), (14, 14, 1));
    }

    #[test]
    fn reads_every_byte_wherever_the_inputs_differ() {
        for sent in ["X3y-2f9a7c1e5b", "k3y-2fXa7c1e5b", "k3y-2f9a7c1e5X", KEY] {
            let (read_sent, read_key, _) = reads(sent, KEY, false);
            assert_eq!(
                (read_sent, read_key),
                (KEY.len(), KEY.len()),
                "comparing {sent:?} with {KEY:?}, constant_time_eq read {read_sent} and \
                 {read_key} of the {} bytes: it must read all of them, or the time it takes \
                 tells an attacker where the first difference is",
                KEY.len()
            );
        }
    }

    #[test]
    fn compares_pair_by_pair_instead_of_collecting_first() {
        let (_, _, lead) = reads("X3y-2f9a7c1e5b", KEY, false);
        assert!(
            lead <= 1,
            "constant_time_eq read {lead} bytes of one input before the matching bytes of \
             the other: it seems to collect the inputs and compare them afterwards, and \
             comparing collected vectors with `==` stops at the first difference again. \
             Zip the two inputs and combine each pair as you read it"
        );
    }
}
