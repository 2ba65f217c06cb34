//! The 32-bit Mersenne Twister exactly as ATen's `at::mt19937` runs it.
//!
//! Matsumoto and Nishimura's MT19937 with the 2002 `init_genrand` seeding. Two ATen quirks
//! matter for bit-exactness: only the low 32 bits of the 64-bit seed enter the state (the full
//! seed is kept for `initial_seed`), and the state is regenerated lazily, on the draw after the
//! 624th, so a freshly seeded engine twists on its first draw.
//!
//! Knows nothing of distributions; `random.rs` builds them on [`Mt19937::next_u32`].

/// Words of state.
const N: usize = 624;
/// The twist offset.
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// One MT19937 stream: 624 words of state and the read position.
#[derive(Clone)]
pub(crate) struct Mt19937 {
    seed: u64,
    state: [u32; N],
    /// Index of the next word to temper; `N` means "twist before the next read".
    next: usize,
}

impl Mt19937 {
    /// Seeds like `at::mt19937(seed)`: the low 32 bits fill the state by Knuth's recurrence.
    pub(crate) fn new(seed: u64) -> Self {
        let mut state = [0u32; N];
        // Truncation is the point: ATen seeds the 32-bit state from `seed & 0xffffffff`.
        state[0] = seed as u32;
        for j in 1..N {
            let prev = state[j - 1];
            state[j] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(j as u32);
        }
        Self {
            seed,
            state,
            next: N,
        }
    }

    /// The seed this stream was created with, all 64 bits.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// The next tempered 32-bit output.
    #[inline]
    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.next >= N {
            self.twist();
        }
        let y = self.state[self.next];
        self.next += 1;
        temper(y)
    }

    /// Fills `out` with `f` of consecutive outputs, the same values as calling
    /// [`Mt19937::next_u32`] per element, but a run of state words at a time, which the compiler
    /// vectorises.
    pub(crate) fn fill_with<T>(&mut self, mut out: &mut [T], f: impl Fn(u32) -> T) {
        while !out.is_empty() {
            if self.next >= N {
                self.twist();
            }
            let words = &self.state[self.next..];
            let k = words.len().min(out.len());
            let (head, rest) = out.split_at_mut(k);
            for (o, &w) in head.iter_mut().zip(words) {
                *o = f(temper(w));
            }
            self.next += k;
            out = rest;
        }
    }

    /// Regenerates all 624 words (the "twist"); word `i` mixes `i`, `i + 1` and `i + M`, all
    /// modulo `N`, reading words already rewritten in this pass where the index wrapped.
    fn twist(&mut self) {
        let mix = |upper: u32, lower: u32| {
            let y = (upper & UPPER_MASK) | (lower & LOWER_MASK);
            (y >> 1) ^ if lower & 1 == 1 { MATRIX_A } else { 0 }
        };
        for i in 0..N - M {
            self.state[i] = self.state[i + M] ^ mix(self.state[i], self.state[i + 1]);
        }
        for i in N - M..N - 1 {
            self.state[i] = self.state[i + M - N] ^ mix(self.state[i], self.state[i + 1]);
        }
        self.state[N - 1] = self.state[M - 1] ^ mix(self.state[N - 1], self.state[0]);
        self.next = 0;
    }
}

/// MT19937's output tempering.
#[inline(always)]
fn temper(mut y: u32) -> u32 {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c_5680;
    y ^= (y << 15) & 0xefc6_0000;
    y ^ (y >> 18)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_mt19937_sequence() {
        // The 10000th output of std::mt19937 seeded with 5489 is fixed by the C++ standard
        // ([rand.predef]): 4123659995.
        let mut mt = Mt19937::new(5489);
        let mut last = 0;
        for _ in 0..10_000 {
            last = mt.next_u32();
        }
        assert_eq!(last, 4_123_659_995);
    }

    #[test]
    fn fill_with_matches_one_draw_at_a_time() {
        let mut a = Mt19937::new(9);
        let mut b = a.clone();
        a.next_u32();
        b.next_u32();
        let mut bulk = vec![0u32; 2000];
        a.fill_with(&mut bulk, |w| w);
        let single: Vec<u32> = (0..2000).map(|_| b.next_u32()).collect();
        assert_eq!(bulk, single);
        assert_eq!(a.next_u32(), b.next_u32());
    }

    #[test]
    fn only_the_low_32_bits_seed_the_state() {
        let mut a = Mt19937::new(7);
        let mut b = Mt19937::new(7 | (1 << 40));
        assert_eq!(a.next_u32(), b.next_u32());
        assert_eq!(b.seed(), 7 | (1 << 40));
    }
}
