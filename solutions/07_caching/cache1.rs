//! # Memoization: remember what you already computed
//!
//! A cache keeps the result of expensive work so the next request for the
//! same thing is answered from memory instead of doing the work again. The
//! simplest cache is *memoization*: wrap a function, store each result in a
//! `HashMap` keyed by the input, and on the next call with the same input
//! return the stored result without calling the function.
//!
//! This is only correct for a *pure* function: same input, same output, no
//! side effects (no reading the clock, the database or a random number). A
//! shipping price computed from a rate table compiled into the program is
//! pure; "the current price of product 7" is not, because someone can change
//! it. The rest of this topic is about caching things that *can* change.
//!
//! Two rules to get right:
//! - the key must contain *every* input: cache by zone alone and a 5 kg parcel
//!   gets the price of the 1 kg parcel that was asked for first;
//! - on a hit, the function is not called at all. That is the whole point.
//! - every distinct input is computed once, however many there are: this memo
//!   keeps every result it computed, with no size cap (a pure function's inputs
//!   here are bounded; bounding a cache that would grow forever is eviction, a
//!   different cache with rules of its own).
//!
//! `HashMap::entry(key).or_insert_with(|| ...)` does "look up, and on a miss
//! compute and store" in one step.
//!
//! Read more: https://en.wikipedia.org/wiki/Memoization and
//! https://doc.rust-lang.org/std/collections/hash_map/enum.Entry.html

use std::collections::HashMap;

/// The inputs of the shipping price: the key of the memo. `Hash + Eq` is what
/// a `HashMap` key needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Parcel {
    zone: u8,
    grams: u32,
}

/// Price in cents. Pretend this takes 200 ms of table lookups: it is slow, but
/// it is pure, so its results can be remembered forever.
// not graded: the course's stand-in for slow work; the tests memoize functions of their own
fn shipping_cost(parcel: &Parcel) -> u64 {
    let base = 400 + 150 * u64::from(parcel.zone);
    let per_started_kg = 90 * u64::from(parcel.zone + 1);
    base + per_started_kg * u64::from(parcel.grams.div_ceil(1000))
}

/// Remembers the results of `compute`, one per distinct `Parcel`.
struct Memo<F> {
    compute: F,
    results: HashMap<Parcel, u64>,
}

impl<F: Fn(&Parcel) -> u64> Memo<F> {
    fn new(compute: F) -> Self {
        Memo {
            compute,
            results: HashMap::new(),
        }
    }

    /// The price of `parcel`, computed at most once per distinct parcel.
    fn get(&mut self, parcel: Parcel) -> u64 {
        *self
            .results
            .entry(parcel)
            .or_insert_with(|| (self.compute)(&parcel))
    }

    /// How many distinct parcels have a remembered result.
    fn len(&self) -> usize {
        self.results.len()
    }
}

// not graded: a demo; the tests call Memo themselves
fn main() {
    let mut prices = Memo::new(shipping_cost);
    let parcel = Parcel {
        zone: 2,
        grams: 1500,
    };
    println!("{} cents", prices.get(parcel));
    println!("{} cents (from memory)", prices.get(parcel));
    println!("{} result(s) remembered", prices.len());
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::{Cell, RefCell};

    const SMALL: Parcel = Parcel {
        zone: 1,
        grams: 800,
    };
    const HEAVY: Parcel = Parcel {
        zone: 1,
        grams: 5000,
    };

    #[test]
    fn repeated_input_is_computed_once() {
        let calls = Cell::new(0);
        let mut memo = Memo::new(|p: &Parcel| {
            calls.set(calls.get() + 1);
            shipping_cost(p)
        });
        for _ in 0..3 {
            memo.get(SMALL);
        }
        assert_eq!(
            calls.get(),
            1,
            "get(SMALL) three times called shipping_cost {} times; it should be called \
             once and the next two answers should come from the HashMap",
            calls.get()
        );
    }

    #[test]
    fn memoized_result_equals_the_direct_result() {
        let mut memo = Memo::new(shipping_cost);
        for parcel in [SMALL, HEAVY, SMALL, Parcel { zone: 3, grams: 1 }, HEAVY] {
            let (got, want) = (memo.get(parcel), shipping_cost(&parcel));
            assert_eq!(
                got, want,
                "get({parcel:?}) returned {got}, but shipping_cost gives {want}"
            );
        }
    }

    #[test]
    fn key_includes_every_input() {
        let calls = Cell::new(0);
        let mut memo = Memo::new(|p: &Parcel| {
            calls.set(calls.get() + 1);
            shipping_cost(p)
        });
        let small = memo.get(SMALL);
        let heavy = memo.get(HEAVY);
        assert_eq!(
            (calls.get(), heavy),
            (2, shipping_cost(&HEAVY)),
            "two parcels that differ only in weight must be computed separately: \
             (calls, price of HEAVY) should be (2, {}); the price of SMALL was {small}",
            shipping_cost(&HEAVY)
        );
        let far = Parcel { zone: 4, ..SMALL };
        let price = memo.get(far);
        assert_eq!(
            (calls.get(), price),
            (3, shipping_cost(&far)),
            "two parcels that differ only in zone must be computed separately: \
             (calls, price of {far:?}) should be (3, {}); the price of SMALL was {small}",
            shipping_cost(&far)
        );
    }

    #[test]
    fn one_entry_per_distinct_input() {
        let mut memo = Memo::new(shipping_cost);
        for parcel in [SMALL, HEAVY, SMALL, HEAVY, SMALL] {
            memo.get(parcel);
        }
        assert_eq!(
            memo.len(),
            2,
            "after asking for SMALL, HEAVY, SMALL, HEAVY, SMALL the memo holds {} \
             results; it should hold 2, one per distinct parcel",
            memo.len()
        );
    }

    #[test]
    fn every_distinct_parcel_is_remembered_however_many() {
        // 70 000 distinct parcels: more than any small cap (1024, 4096, u16::MAX).
        let parcels: Vec<Parcel> = (0u32..70_000)
            .map(|n| Parcel {
                zone: (n % 256) as u8,
                grams: n / 256 * 1000 + n % 7,
            })
            .collect();
        let calls = Cell::new(0usize);
        let mut memo = Memo::new(|p: &Parcel| {
            calls.set(calls.get() + 1);
            price(p)
        });
        for parcel in &parcels {
            memo.get(*parcel);
        }
        for parcel in parcels.iter().rev() {
            let got = memo.get(*parcel);
            assert_eq!(
                got,
                price(parcel),
                "asking again for {parcel:?} gave a wrong price"
            );
        }
        let (n, got) = (parcels.len(), calls.get());
        assert_eq!(
            (got, memo.len()),
            (n, n),
            "{n} distinct parcels, each asked for twice, called compute {got} times and the \
             memo holds {} results; it should be {n} and {n}: every distinct parcel is \
             computed once and remembered, however many there are (no size cap)",
            memo.len()
        );
    }

    /// Parcels at the edges: zone 0 and 255, grams at 0, around a kilogram and
    /// u32::MAX, and two weights in the same started kilogram (1200 g, 1800 g).
    fn parcel() -> impl Strategy<Value = Parcel> {
        let zone = prop_oneof![0u8..3, Just(u8::MAX), any::<u8>()];
        let grams = prop_oneof![
            (0u32..3).prop_map(|kg| kg * 1000 + 200),
            (0u32..3).prop_map(|kg| kg * 1000 + 800),
            Just(0u32),
            Just(999),
            Just(1000),
            Just(1001),
            Just(u32::MAX),
            any::<u32>(),
        ];
        (zone, grams).prop_map(|(zone, grams)| Parcel { zone, grams })
    }

    /// A made-up pure price: 0 for some parcels, u64::MAX for others, and a
    /// different number for every other parcel.
    fn price(p: &Parcel) -> u64 {
        match (u64::from(p.zone) * 7 + u64::from(p.grams)) % 5 {
            0 => 0,
            1 => u64::MAX,
            _ => (u64::from(p.zone) << 32) | u64::from(p.grams),
        }
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        /// Any sequence of parcels (repeats, parcels a gram or a zone apart, prices of
        /// 0 and u64::MAX): each answer is compute's answer for exactly that parcel, and
        /// compute runs once per distinct parcel, on that parcel.
        #[test]
        fn any_parcels_are_computed_once_each(
            pool in proptest::collection::vec(parcel(), 1..6),
            picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..24),
        ) {
            let asked: Vec<Parcel> = picks.iter().map(|i| pool[i.index(pool.len())]).collect();
            let calls = RefCell::new(Vec::new());
            let mut memo = Memo::new(|p: &Parcel| {
                calls.borrow_mut().push(*p);
                price(p)
            });
            let mut distinct: Vec<Parcel> = Vec::new();
            for (n, parcel) in asked.iter().enumerate() {
                let got = memo.get(*parcel);
                prop_assert_eq!(
                    got,
                    price(parcel),
                    "asking for {:?} gave {} (call {} of {:?}), but compute gives {} for that \
                     parcel: the key must hold every field, so two parcels that differ in any \
                     way (a gram, a zone) never share a result",
                    parcel, got, n + 1, asked, price(parcel)
                );
                if !distinct.contains(parcel) {
                    distinct.push(*parcel);
                }
            }
            let len = memo.len();
            drop(memo);
            let calls = calls.into_inner();
            prop_assert_eq!(
                &calls, &distinct,
                "asking for {:?} called compute with the left parcels, but it should be called \
                 once for each distinct parcel, with that parcel, the first time it is asked \
                 for (the right). On a hit compute is not called at all (not even to build a \
                 default), and a remembered result counts whatever it is, 0 included: look \
                 the key up, do not test the value",
                asked
            );
            prop_assert_eq!(
                len,
                distinct.len(),
                "after asking for {:?}, len() is {} but {} distinct parcels were asked for",
                asked, len, distinct.len()
            );
        }
    }
}
