// wrong: memo stops storing after 1024 distinct parcels (arbitrary cap)
// expect: however many there are (no size cap)
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
        // TODO: this calls the slow function every time and remembers
        // nothing. Make it call `self.compute` at most once per distinct
        // parcel (every field counts): later calls for an equal parcel are
        // answered from `self.results`.
        if let Some(v) = self.results.get(&parcel) {
            return *v;
        }
        let v = (self.compute)(&parcel);
        if self.results.len() < 1024 {
            self.results.insert(parcel, v);
        }
        v
    }

    /// How many distinct parcels have a remembered result.
    fn len(&self) -> usize {
        self.results.len()
    }
}

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
