//! A tiny deterministic random number generator (SplitMix64), shared by the harness (random
//! schedules) and paxos-tutor (quiz selection and shuffling). The same seed gives the same
//! sequence on every platform and every version, which a general-purpose RNG crate does not promise.

/// SplitMix64 (Steele, Lea, Flood 2014): fast, statistically sound for shuffling and sampling.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// An index picked with probability proportional to its weight; `None` when every weight is
    /// 0 (and then no number is drawn).
    pub fn weighted(&mut self, weights: &[u32]) -> Option<usize> {
        let total: u32 = weights.iter().sum();
        if total == 0 {
            return None;
        }
        let mut pick = self.below(total as usize) as u32;
        let mut i = 0;
        while pick >= weights[i] {
            pick -= weights[i];
            i += 1;
        }
        Some(i)
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_known_value() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        // Pinned: a change of algorithm would change every learner's seeds.
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn below_stays_in_range_and_shuffle_permutes() {
        let mut r = Rng::new(42);
        assert!((0..1000).all(|_| r.below(3) < 3));
        let mut v: Vec<u32> = (0..20).collect();
        r.shuffle(&mut v);
        let mut s = v.clone();
        s.sort();
        assert_eq!(s, (0..20).collect::<Vec<_>>());
        assert_ne!(v, s);
    }

    #[test]
    fn weighted_picks_by_weight_and_draws_nothing_when_all_are_zero() {
        let mut rng = Rng::new(3);
        let mut counts = [0u32; 4];
        for _ in 0..4_000 {
            counts[rng.weighted(&[0, 3, 0, 1]).expect("a weight")] += 1;
        }
        assert_eq!((counts[0], counts[2]), (0, 0));
        assert!(counts[1] > 2 * counts[3] && counts[3] > 0, "{counts:?}");
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        assert_eq!(a.weighted(&[0, 0]), None);
        assert_eq!(a.next_u64(), b.next_u64());
    }
}
