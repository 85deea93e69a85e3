//! A small, fast, deterministic 64-bit hasher. States are compared by hash in the exhaustive
//! search, so the hash must be the same on every run (no random keys) and mix well.

use std::fmt;
use std::hash::Hasher;

/// Multiply-xorshift over 64-bit words (in the spirit of wyhash/FxHash, with a strong final mix).
#[derive(Clone, Copy, Debug)]
pub struct StableHasher {
    state: u64,
    pending: u64,
    pending_len: u32,
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher {
            state: 0x243F_6A88_85A3_08D3,
            pending: 0,
            pending_len: 0,
        }
    }
}

impl StableHasher {
    #[cfg(test)]
    fn push_byte(&mut self, b: u8) {
        self.pending |= (b as u64) << (8 * self.pending_len);
        self.pending_len += 1;
        if self.pending_len == 8 {
            let w = self.pending;
            self.mix(w);
            self.pending = 0;
            self.pending_len = 0;
        }
    }

    #[inline]
    fn mix(&mut self, word: u64) {
        self.state = (self.state ^ word).wrapping_mul(K).rotate_left(29) ^ (self.state >> 17);
    }
}

/// Up to 8 bytes as the low bytes of a little-endian word.
#[inline]
fn load_le(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

impl Hasher for StableHasher {
    /// The bytes are taken as one stream of little-endian 8-byte words, whatever the pieces it
    /// comes in: a piece tops up the pending word, whole words are mixed, and the tail waits.
    /// Pieces are mostly short (the `Debug` text of learner state, a value's string), so the
    /// pending word is filled a piece at a time, not a byte at a time (the hash is the same, see
    /// the test `a_piece_at_a_time_is_a_byte_at_a_time`).
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        if self.pending_len != 0 {
            let take = (8 - self.pending_len as usize).min(bytes.len());
            self.pending |= load_le(&bytes[..take]) << (8 * self.pending_len);
            self.pending_len += take as u32;
            bytes = &bytes[take..];
            if self.pending_len < 8 {
                return;
            }
            let w = self.pending;
            self.mix(w);
            self.pending = 0;
            self.pending_len = 0;
        }
        while bytes.len() >= 8 {
            let (word, rest) = bytes.split_at(8);
            self.mix(u64::from_le_bytes(word.try_into().expect("8 bytes")));
            bytes = rest;
        }
        if !bytes.is_empty() {
            self.pending = load_le(bytes);
            self.pending_len = bytes.len() as u32;
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.mix(n as u64);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.mix(n as u64 | 0x100);
    }

    fn finish(&self) -> u64 {
        let mut h = self.state ^ self.pending ^ ((self.pending_len as u64) << 56);
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
        h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        h ^ (h >> 33)
    }
}

/// Feeds `Debug` output straight into a hasher, without building a String.
pub struct DebugHash<'a>(pub &'a mut StableHasher);

impl fmt::Write for DebugHash<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

/// The hash of a value's `Debug` rendering (how learner state is compared).
pub fn hash_debug<T: fmt::Debug + ?Sized>(value: &T) -> u64 {
    let mut h = StableHasher::default();
    let _ = fmt::write(&mut DebugHash(&mut h), format_args!("{value:?}"));
    h.finish()
}

/// The hash of a value's `Hash` implementation.
pub fn hash_of<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    let mut h = StableHasher::default();
    value.hash(&mut h);
    h.finish()
}

/// A value with its [`hash_of`] kept once computed: every mutable borrow forgets it. The
/// exhaustive search hashes every state it generates, and most parts of a state (the ghost
/// records, shared between worlds behind an `Rc`) are the same as in the state it came from.
/// Hashing one feeds its 64-bit hash to the hasher: equal values hash the same, as before.
#[derive(Clone, Debug, Default)]
pub struct Hashed<T> {
    inner: T,
    cached: std::cell::Cell<Option<u64>>,
}

impl<T: std::hash::Hash> Hashed<T> {
    pub fn new(inner: T) -> Hashed<T> {
        Hashed {
            inner,
            cached: std::cell::Cell::new(None),
        }
    }

    /// [`hash_of`] the value, computed at most once between mutable borrows.
    pub fn hash64(&self) -> u64 {
        match self.cached.get() {
            Some(h) => h,
            None => {
                let h = hash_of(&self.inner);
                self.cached.set(Some(h));
                h
            }
        }
    }
}

impl<T> std::ops::Deref for Hashed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> std::ops::DerefMut for Hashed<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.cached.set(None);
        &mut self.inner
    }
}

impl<T: std::hash::Hash> std::hash::Hash for Hashed<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash64());
    }
}

/// An identity hasher for maps keyed by an already-mixed 64-bit hash.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type IdentityBuild = std::hash::BuildHasherDefault<IdentityHasher>;

/// A set of already-mixed 64-bit hashes (the visited states of a search): one flat table with
/// linear probing, at most half full, so an insert is one probe into memory in the common case
/// (a `HashSet` reads a control byte and then the slot). The empty slot is 0; the hash 0 itself
/// is kept aside. Its contents, and so `len`, are those of a `HashSet<u64>` given the same
/// inserts: only where the hashes sit differs.
pub struct HashSet64 {
    slots: Vec<u64>,
    len: usize,
    zero: bool,
}

impl Default for HashSet64 {
    fn default() -> HashSet64 {
        HashSet64 {
            slots: vec![0; 1 << 12],
            len: 0,
            zero: false,
        }
    }
}

impl HashSet64 {
    /// How many hashes the set holds.
    pub fn len(&self) -> usize {
        self.len + self.zero as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add `h`; false when it was there already.
    #[inline]
    pub fn insert(&mut self, h: u64) -> bool {
        if h == 0 {
            return !std::mem::replace(&mut self.zero, true);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let placed = Self::place(&mut self.slots, h);
        self.len += placed as usize;
        placed
    }

    /// Put `h` (not 0) into `slots` (a power of two long, not full); false when it was there.
    #[inline]
    fn place(slots: &mut [u64], h: u64) -> bool {
        let mask = slots.len() - 1;
        // The high bits pick the slot: the low bits of some keys carry less of the mix.
        let mut i = (h.rotate_left(32) as usize) & mask;
        loop {
            match slots[i] {
                0 => {
                    slots[i] = h;
                    return true;
                }
                s if s == h => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }

    #[cold]
    fn grow(&mut self) {
        let mut slots = vec![0; self.slots.len() * 2];
        for &h in self.slots.iter().filter(|&&h| h != 0) {
            Self::place(&mut slots, h);
        }
        self.slots = slots;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_sensitive() {
        assert_eq!(hash_of(&("a", 1u32)), hash_of(&("a", 1u32)));
        assert_ne!(hash_of(&("a", 1u32)), hash_of(&("a", 2u32)));
        assert_ne!(hash_debug("ab"), hash_debug("ba"));
        // Word-at-a-time and byte-at-a-time feeding give the same hash.
        let mut a = StableHasher::default();
        a.write(b"0123456789abcdefXYZ");
        let mut b = StableHasher::default();
        for chunk in [&b"012"[..], b"3456789abcd", b"efXYZ"] {
            b.write(chunk);
        }
        assert_eq!(a.finish(), b.finish());
    }

    /// The hasher as it was first written, one byte at a time into the pending word (`push_byte`,
    /// now kept for this test): the faster
    /// `write` must give the very same hashes (message keys order the set network, and so the
    /// search and its counterexamples).
    fn bytewise(pieces: &[&[u8]]) -> u64 {
        let mut h = StableHasher::default();
        for piece in pieces {
            for &b in *piece {
                h.push_byte(b);
            }
        }
        h.finish()
    }

    #[test]
    fn a_piece_at_a_time_is_a_byte_at_a_time() {
        let mut rng = crate::rng::Rng::new(11);
        let data: Vec<u8> = (0..64).map(|_| rng.next_u64() as u8).collect();
        for round in 0..2_000 {
            // Cut a random prefix of the data into random pieces, empty ones included.
            let total = (rng.next_u64() % 64) as usize;
            let mut pieces: Vec<&[u8]> = Vec::new();
            let mut at = 0;
            while at < total {
                let len = ((rng.next_u64() % 12) as usize).min(total - at);
                pieces.push(&data[at..at + len]);
                at += len;
            }
            let mut h = StableHasher::default();
            for piece in &pieces {
                h.write(piece);
            }
            assert_eq!(h.finish(), bytewise(&pieces), "round {round}: {pieces:?}");
        }
        // And mixed with whole words in between, as a derived `Hash` feeds them.
        let mut h = StableHasher::default();
        h.write(b"abc");
        h.write_u64(7);
        h.write(b"0123456789");
        let mut r = StableHasher::default();
        for &b in b"abc" {
            r.push_byte(b);
        }
        r.mix(7);
        for &b in b"0123456789" {
            r.push_byte(b);
        }
        assert_eq!(h.finish(), r.finish());
    }

    #[test]
    fn the_flat_set_holds_what_a_hash_set_holds() {
        let mut flat = HashSet64::default();
        let mut std_set = std::collections::HashSet::new();
        let mut rng = crate::rng::Rng::new(7);
        // Enough to grow the table several times; repeats, 0 and neighbours of each other.
        for i in 0..40_000u64 {
            let h = match i % 5 {
                0 => rng.next_u64() % 64,
                1 => i / 5,
                _ => rng.next_u64(),
            };
            assert_eq!(flat.insert(h), std_set.insert(h), "insert {h} at {i}");
            assert_eq!(flat.len(), std_set.len());
        }
        assert!(std_set.contains(&0) && !flat.insert(0));
    }

    #[test]
    fn a_kept_hash_is_forgotten_on_every_change() {
        let mut v = Hashed::new(vec![1u32, 2]);
        let before = v.hash64();
        assert_eq!(before, hash_of(&vec![1u32, 2]));
        v.push(3);
        assert_eq!(v.hash64(), hash_of(&vec![1u32, 2, 3]));
        let copy = v.clone();
        v[0] = 9;
        assert_eq!(v.hash64(), hash_of(&vec![9u32, 2, 3]));
        assert_eq!(copy.hash64(), hash_of(&vec![1u32, 2, 3]));
        v[0] = 1;
        assert_eq!(v.hash64(), copy.hash64());
    }
}
