//! The ChaCha8 block function (RFC 7539's block function with 8 rounds), for block 0 of a
//! key (block counter and nonce 0): the only block most of jobsim's streams ever use.
//!
//! [`block`] computes one block. [`blocks`] computes [`BATCH`] blocks of unrelated keys at
//! once, one key per vector lane, which costs a fraction of [`BATCH`] single blocks on CPUs
//! with wide vectors: on an AVX-512 Xeon a block costs about 40 ns alone and about 10 ns in a
//! batch. Every path computes the same bits (integer arithmetic only); the tests compare each
//! path the CPU offers with [`block`], and [`block`] with `rand_chacha`.

/// Words in a block.
pub const BLOCK_WORDS: usize = 16;

/// Keys per call of [`blocks`].
pub const BATCH: usize = 8;

/// "expand 32-byte k"
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Block 0 of `key`: the lane code with a single lane, which compiles to scalar code.
pub fn block(key: &[u32; 8]) -> [u32; BLOCK_WORDS] {
    let mut out = [[0u32; BLOCK_WORDS]; 1];
    blocks_in_lanes::<1>(std::slice::from_ref(key), &mut out);
    out[0]
}

/// Block 0 of each of `keys`.
pub fn blocks(keys: &[[u32; 8]; BATCH], out: &mut [[u32; BLOCK_WORDS]; BATCH]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: the CPU has the features `x86::avx512` is compiled for.
            unsafe { x86::avx512(keys, out) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has the feature `x86::avx2` is compiled for.
            unsafe { x86::avx2(keys, out) };
            return;
        }
    }
    blocks_one_by_one(keys, out);
}

fn blocks_one_by_one(keys: &[[u32; 8]; BATCH], out: &mut [[u32; BLOCK_WORDS]; BATCH]) {
    for (k, o) in keys.iter().zip(out) {
        *o = block(k);
    }
}

/// One state word of `N` blocks, lane `i` belonging to block `i`.
type Lanes<const N: usize> = [u32; N];

#[inline(always)]
fn add<const N: usize>(a: Lanes<N>, b: Lanes<N>) -> Lanes<N> {
    std::array::from_fn(|i| a[i].wrapping_add(b[i]))
}

#[inline(always)]
fn xor_rotate<const N: usize>(a: Lanes<N>, b: Lanes<N>, r: u32) -> Lanes<N> {
    std::array::from_fn(|i| (a[i] ^ b[i]).rotate_left(r))
}

#[inline(always)]
fn quarter_round_lanes<const N: usize>(
    x: &mut [Lanes<N>; BLOCK_WORDS],
    a: usize,
    b: usize,
    c: usize,
    d: usize,
) {
    x[a] = add(x[a], x[b]);
    x[d] = xor_rotate(x[d], x[a], 16);
    x[c] = add(x[c], x[d]);
    x[b] = xor_rotate(x[b], x[c], 12);
    x[a] = add(x[a], x[b]);
    x[d] = xor_rotate(x[d], x[a], 8);
    x[c] = add(x[c], x[d]);
    x[b] = xor_rotate(x[b], x[c], 7);
}

/// ChaCha8's eight rounds (four double rounds: the four columns, then the four diagonals)
/// over a state whose words are of any representation: `$quarter_round(x, a, b, c, d)` is
/// RFC 7539's quarter round on words `a`, `b`, `c` and `d` of `x`. A macro, not a function
/// taking a closure: the vector kernel's quarter round is an `unsafe fn` that must be
/// inlined into the function that enables the CPU features, which a closure was not.
macro_rules! eight_rounds {
    ($quarter_round:expr, $x:expr) => {
        for _ in 0..4 {
            $quarter_round($x, 0, 4, 8, 12);
            $quarter_round($x, 1, 5, 9, 13);
            $quarter_round($x, 2, 6, 10, 14);
            $quarter_round($x, 3, 7, 11, 15);
            $quarter_round($x, 0, 5, 10, 15);
            $quarter_round($x, 1, 6, 11, 12);
            $quarter_round($x, 2, 7, 8, 13);
            $quarter_round($x, 3, 4, 9, 14);
        }
    };
}

/// Block 0 of `N` keys, word by word across the keys, so that the compiler keeps each state
/// word of all `N` blocks in one vector register (RFC 7539's block function, lane by lane).
#[inline(always)]
fn blocks_in_lanes<const N: usize>(keys: &[[u32; 8]], out: &mut [[u32; BLOCK_WORDS]]) {
    let input: [Lanes<N>; BLOCK_WORDS] = std::array::from_fn(|w| {
        std::array::from_fn(|lane| match w {
            0..4 => SIGMA[w],
            4..12 => keys[lane][w - 4],
            _ => 0,
        })
    });
    let mut x = input;
    eight_rounds!(quarter_round_lanes, &mut x);
    for (w, (word, start)) in x.iter().zip(&input).enumerate() {
        for lane in 0..N {
            out[lane][w] = word[lane].wrapping_add(start[lane]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{BATCH, BLOCK_WORDS, SIGMA};
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi32, _mm256_loadu_si256, _mm256_or_si256, _mm256_permute2x128_si256,
        _mm256_set1_epi32, _mm256_setzero_si256, _mm256_slli_epi32, _mm256_srli_epi32,
        _mm256_storeu_si256, _mm256_unpackhi_epi32, _mm256_unpackhi_epi64, _mm256_unpacklo_epi32,
        _mm256_unpacklo_epi64, _mm256_xor_si256,
    };

    /// [`eight_lanes`] compiled with AVX-512VL, whose rotates are single instructions.
    #[target_feature(enable = "avx512f,avx512vl")]
    pub(super) fn avx512(keys: &[[u32; 8]; BATCH], out: &mut [[u32; BLOCK_WORDS]; BATCH]) {
        // SAFETY: AVX-512F implies AVX2.
        unsafe { eight_lanes(keys, out) };
    }

    /// [`eight_lanes`] with AVX2 alone.
    #[target_feature(enable = "avx2")]
    pub(super) fn avx2(keys: &[[u32; 8]; BATCH], out: &mut [[u32; BLOCK_WORDS]; BATCH]) {
        // SAFETY: the CPU has AVX2.
        unsafe { eight_lanes(keys, out) };
    }

    /// The eight keys one per 32-bit lane of 256-bit registers, written with intrinsics: the
    /// sixteen state words stay in sixteen registers, every round is lane-wise (adds, xors,
    /// rotates) with no shuffle, and the keys and the output cross between key-major and
    /// word-major order in 8 x 8 transposes. What the compiler made of [`blocks_in_lanes`]
    /// shuffled state words between lanes in every round.
    ///
    /// The kernel and its helpers are inlined into the two functions above, which enable
    /// the CPU features, so that each is compiled with its own: with AVX-512VL the rotates'
    /// shifts become single rotate instructions.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2 (as every helper below requires).
    #[inline(always)]
    unsafe fn eight_lanes(keys: &[[u32; 8]; BATCH], out: &mut [[u32; BLOCK_WORDS]; BATCH]) {
        // SAFETY: the caller guarantees AVX2, which every intrinsic here needs; the loads
        // and stores stay within `keys` and `out`.
        unsafe {
            let mut rows = [_mm256_setzero_si256(); 8];
            for (row, key) in rows.iter_mut().zip(keys) {
                // Reads one key, eight u32 (32 bytes), unaligned.
                *row = _mm256_loadu_si256(key.as_ptr().cast());
            }
            let key = transpose(rows);
            let mut input = [_mm256_setzero_si256(); BLOCK_WORDS];
            for (w, sigma) in SIGMA.iter().enumerate() {
                input[w] = _mm256_set1_epi32(*sigma as i32);
            }
            input[4..12].copy_from_slice(&key);
            let mut x = input;
            eight_rounds!(quarter_round, &mut x);
            let mut low = [_mm256_setzero_si256(); 8];
            let mut high = [_mm256_setzero_si256(); 8];
            for w in 0..8 {
                low[w] = _mm256_add_epi32(x[w], input[w]);
                high[w] = _mm256_add_epi32(x[8 + w], input[8 + w]);
            }
            let (low, high) = (transpose(low), transpose(high));
            for (k, block) in out.iter_mut().enumerate() {
                // Each store writes eight u32 (32 bytes) of one output block, unaligned.
                _mm256_storeu_si256(block.as_mut_ptr().cast(), low[k]);
                _mm256_storeu_si256(block[8..].as_mut_ptr().cast(), high[k]);
            }
        }
    }

    /// `x` rotated left by `L` bits in every lane (`R` = 32 - `L`). Written as two shifts:
    /// where AVX-512VL is enabled the compiler makes them its one-instruction rotate.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2.
    #[inline(always)]
    unsafe fn rotate<const L: i32, const R: i32>(x: __m256i) -> __m256i {
        // SAFETY: the caller guarantees AVX2.
        unsafe { _mm256_or_si256(_mm256_slli_epi32::<L>(x), _mm256_srli_epi32::<R>(x)) }
    }

    /// # Safety
    ///
    /// The CPU must have AVX2.
    #[inline(always)]
    unsafe fn quarter_round(
        x: &mut [__m256i; BLOCK_WORDS],
        a: usize,
        b: usize,
        c: usize,
        d: usize,
    ) {
        // SAFETY: the caller guarantees AVX2.
        unsafe {
            x[a] = _mm256_add_epi32(x[a], x[b]);
            x[d] = rotate::<16, 16>(_mm256_xor_si256(x[d], x[a]));
            x[c] = _mm256_add_epi32(x[c], x[d]);
            x[b] = rotate::<12, 20>(_mm256_xor_si256(x[b], x[c]));
            x[a] = _mm256_add_epi32(x[a], x[b]);
            x[d] = rotate::<8, 24>(_mm256_xor_si256(x[d], x[a]));
            x[c] = _mm256_add_epi32(x[c], x[d]);
            x[b] = rotate::<7, 25>(_mm256_xor_si256(x[b], x[c]));
        }
    }

    /// Rows `r[i]` (eight words each) to columns: lane `i` of result `j` is word `j` of
    /// row `i`.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2.
    #[inline(always)]
    unsafe fn transpose(r: [__m256i; 8]) -> [__m256i; 8] {
        // SAFETY: the caller guarantees AVX2.
        unsafe {
            let t = [
                _mm256_unpacklo_epi32(r[0], r[1]),
                _mm256_unpackhi_epi32(r[0], r[1]),
                _mm256_unpacklo_epi32(r[2], r[3]),
                _mm256_unpackhi_epi32(r[2], r[3]),
                _mm256_unpacklo_epi32(r[4], r[5]),
                _mm256_unpackhi_epi32(r[4], r[5]),
                _mm256_unpacklo_epi32(r[6], r[7]),
                _mm256_unpackhi_epi32(r[6], r[7]),
            ];
            // Columns j and j + 4, by 128-bit halves, of rows 0-3 (u[j]) and rows 4-7 (u[j + 4]).
            let u = [
                _mm256_unpacklo_epi64(t[0], t[2]),
                _mm256_unpackhi_epi64(t[0], t[2]),
                _mm256_unpacklo_epi64(t[1], t[3]),
                _mm256_unpackhi_epi64(t[1], t[3]),
                _mm256_unpacklo_epi64(t[4], t[6]),
                _mm256_unpackhi_epi64(t[4], t[6]),
                _mm256_unpacklo_epi64(t[5], t[7]),
                _mm256_unpackhi_epi64(t[5], t[7]),
            ];
            [
                _mm256_permute2x128_si256::<0x20>(u[0], u[4]),
                _mm256_permute2x128_si256::<0x20>(u[1], u[5]),
                _mm256_permute2x128_si256::<0x20>(u[2], u[6]),
                _mm256_permute2x128_si256::<0x20>(u[3], u[7]),
                _mm256_permute2x128_si256::<0x31>(u[0], u[4]),
                _mm256_permute2x128_si256::<0x31>(u[1], u[5]),
                _mm256_permute2x128_si256::<0x31>(u[2], u[6]),
                _mm256_permute2x128_si256::<0x31>(u[3], u[7]),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::mix64;

    fn keys(seed: u64) -> [[u32; 8]; BATCH] {
        std::array::from_fn(|k| std::array::from_fn(|w| mix64(seed ^ (k * 8 + w) as u64) as u32))
    }

    /// RFC 7539's block function at 8 rounds, as `rand_chacha` computes it.
    #[test]
    fn block_is_rand_chachas_first_block() {
        use rand::{Rng, SeedableRng};
        for k in keys(7) {
            let mut seed = [0u8; 32];
            for (i, w) in k.iter().enumerate() {
                seed[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
            }
            let mut theirs = rand_chacha::ChaCha8Rng::from_seed(seed);
            let expected: [u32; BLOCK_WORDS] = std::array::from_fn(|_| theirs.next_u32());
            assert_eq!(block(&k), expected);
        }
    }

    /// Every vector path this CPU offers computes [`block`]'s bits.
    #[test]
    fn every_path_computes_the_same_blocks() {
        for seed in 0..50 {
            let keys = keys(seed);
            let expected: [[u32; BLOCK_WORDS]; BATCH] = std::array::from_fn(|k| block(&keys[k]));
            let mut out = [[0; BLOCK_WORDS]; BATCH];
            blocks(&keys, &mut out);
            assert_eq!(out, expected, "dispatched path");
            let mut out = [[0; BLOCK_WORDS]; BATCH];
            blocks_one_by_one(&keys, &mut out);
            assert_eq!(out, expected, "one by one");
            let mut out = [[0; BLOCK_WORDS]; BATCH];
            blocks_in_lanes::<BATCH>(&keys, &mut out);
            assert_eq!(out, expected, "portable lanes");
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                {
                    let mut out = [[0; BLOCK_WORDS]; BATCH];
                    // SAFETY: checked just above.
                    unsafe { x86::avx512(&keys, &mut out) };
                    assert_eq!(out, expected, "AVX-512");
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut out = [[0; BLOCK_WORDS]; BATCH];
                    // SAFETY: checked just above.
                    unsafe { x86::avx2(&keys, &mut out) };
                    assert_eq!(out, expected, "AVX2");
                }
            }
        }
    }
}
