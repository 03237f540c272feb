//! Random streams.
//!
//! Every random draw comes from a ChaCha8 stream derived from the scenario seed and a
//! *stream key* that names what the draw is for: the run-time of attempt 2 of index 7 of
//! Job `default/etl`, the start-up latency of that pod, the failures of node `pool-a-3`...
//!
//! Because the key names the thing rather than the order in which the simulation happens to
//! ask, changing a setting (parallelism, backoffLimit, node count) does not change the
//! sample drawn for the same attempt. Comparisons between settings then see *common random
//! numbers*: the difference between two runs is the effect of the setting, not noise.
//!
//! Keys are mixed with SplitMix64 (a bijective 64-bit finaliser) into a 256-bit ChaCha key;
//! the algorithm is named explicitly (ChaCha8, `rand_chacha::ChaCha8Rng`), never `StdRng`,
//! whose algorithm may change between rand releases.
//!
//! Most streams are short: an attempt draws its run time and a failure coin, two or three
//! 64-bit words. `ChaCha8Rng` computes four ChaCha blocks (64 words) on its first draw, which
//! made stream creation the largest single cost of a run. A [`Stream`] computes the first
//! block (16 words) itself, with the same bits, and hands over to `ChaCha8Rng` at word 16
//! only for the streams that draw more: every draw is the one `ChaCha8Rng` gives
//! (`stream_matches_chacha8rng_word_for_word` checks it).
//!
//! Even one block per attempt was a tenth of a run. The attempts' streams are known when
//! their pods are created, many in one sync, so [`StreamsAhead`] computes their first words
//! then, eight keys at a time in vector lanes, and hands them out when the pods start.

use std::convert::Infallible;

use rand::{SeedableRng, TryRng};
use rand_chacha::ChaCha8Rng;

use super::chacha::{self, BLOCK_WORDS};

/// What a stream is used for. The discriminant is part of the stream key, so two purposes
/// never share a stream even for the same object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Run time, exit code and failure point of one attempt of one index (or pod ordinal).
    Attempt = 1,
    /// Start-up latency and other kubelet timings of one pod.
    PodStartup = 2,
    /// The random suffix of a generated pod name.
    PodName = 3,
    /// Node failure and repair times of one node.
    NodeFailure = 4,
    /// Scheduler tie-breaks.
    Scheduler = 5,
    /// Arrival processes and other scenario-level draws.
    Arrivals = 6,
    /// Cluster-autoscaler provisioning delays.
    Autoscaler = 7,
    /// Image pulls.
    ImagePull = 8,
}

/// SplitMix64 finaliser: a fast bijective mix with good avalanche.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable 64-bit hash of a name (FNV-1a, then mixed), used to key streams by object
/// identity. Stable across runs, builds and platforms, unlike `std`'s `DefaultHasher`.
pub fn name_key(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix64(h)
}

/// Derives independent streams from one seed.
#[derive(Clone, Copy, Debug)]
pub struct Streams {
    seed: u64,
    /// `mix64(seed ^ mix64(purpose))` for each purpose (by discriminant): the start of every
    /// key of that purpose, computed once rather than on each of the run's hundreds of
    /// thousands of streams (the mixes of a key form one serial chain).
    purpose_keys: [u64; PURPOSES],
}

/// One more than the largest [`Purpose`] discriminant.
const PURPOSES: usize = Purpose::ImagePull as usize + 1;

impl Streams {
    pub fn new(seed: u64) -> Streams {
        Streams {
            seed,
            purpose_keys: std::array::from_fn(|p| mix64(seed ^ mix64(p as u64))),
        }
    }

    /// The start of the keys of `purpose`.
    #[inline]
    fn purpose_key(&self, purpose: Purpose) -> u64 {
        self.purpose_keys[purpose as usize]
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stream for `(purpose, a, b, c)`. Equal keys give equal streams; any difference in
    /// the key gives an unrelated stream.
    pub fn stream(&self, purpose: Purpose, a: u64, b: u64, c: u64) -> Stream {
        let origin = self.origin(purpose, [a, b, c]);
        Stream::new(origin)
    }

    fn origin(&self, purpose: Purpose, parts: [u64; 3]) -> Origin {
        Origin {
            start: self.purpose_key(purpose),
            parts,
        }
    }

    /// A keyed 64-bit hash of `(purpose, a, b, c)`: for values that must look random and be
    /// reproducible but are no model randomness (generated name suffixes), at a fraction
    /// of the cost of a stream.
    pub fn hash(&self, purpose: Purpose, a: u64, b: u64, c: u64) -> u64 {
        let mut h = self.purpose_key(purpose);
        for (i, part) in [a, b, c].into_iter().enumerate() {
            h = mix64(h ^ part.wrapping_add(i as u64));
        }
        h
    }
}

/// What a stream's ChaCha key is derived from: the purpose's start key and the three parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Origin {
    start: u64,
    parts: [u64; 3],
}

impl Origin {
    /// The 256-bit ChaCha key.
    fn key(&self) -> [u32; 8] {
        let mut key = [0u32; 8];
        let mut h = self.start;
        let [a, b, c] = self.parts;
        for (i, part) in [a, b, c, 0x6a6f_6273_696d].into_iter().enumerate() {
            h = mix64(h ^ part.wrapping_add(i as u64));
            // The little-endian bytes of `h`, as ChaCha reads its key.
            key[2 * i] = h as u32;
            key[2 * i + 1] = (h >> 32) as u32;
        }
        key
    }
}

/// The ChaCha8 stream of one key (nonce 0, from block 0): the first block computed here (or
/// its first words ahead of time, by [`StreamsAhead`]), the rest by `ChaCha8Rng`.
#[derive(Clone, Debug)]
pub struct Stream {
    origin: Origin,
    /// Block 0 of the key stream, its first `known` words.
    block: [u32; BLOCK_WORDS],
    /// Words of `block` computed: `BLOCK_WORDS`, or `AHEAD_WORDS` for a stream computed ahead.
    known: usize,
    /// Words of `block` used so far; `BLOCK_WORDS` once `rest` has taken over.
    pos: usize,
    /// The generator from word 16 on, made when a draw first needs it.
    rest: Option<Box<ChaCha8Rng>>,
}

impl Stream {
    /// The stream of `origin`, its first block computed now.
    #[inline]
    fn new(origin: Origin) -> Stream {
        Stream {
            origin,
            block: chacha::block(&origin.key()),
            known: BLOCK_WORDS,
            pos: 0,
            rest: None,
        }
    }

    /// The stream whose first words were computed ahead.
    #[inline]
    fn ahead(origin: Origin, first: &[u32; AHEAD_WORDS]) -> Stream {
        let mut block = [0; BLOCK_WORDS];
        block[..AHEAD_WORDS].copy_from_slice(first);
        Stream {
            origin,
            block,
            known: AHEAD_WORDS,
            pos: 0,
            rest: None,
        }
    }

    /// The key the stream's words come from.
    fn key(&self) -> [u32; 8] {
        self.origin.key()
    }

    /// Makes the next draw possible from the block, or hands over to the generator: called
    /// when fewer than the `words` a draw takes are left of what is known of the block.
    #[cold]
    fn refill(&mut self, words: usize) {
        if self.known < BLOCK_WORDS {
            self.block = chacha::block(&self.key());
            self.known = BLOCK_WORDS;
        }
        if self.pos + words > BLOCK_WORDS {
            self.rest();
        }
    }

    /// The generator positioned at word `self.pos`, for draws past the first block.
    #[cold]
    fn rest(&mut self) -> &mut ChaCha8Rng {
        let (key, pos) = (self.key(), self.pos);
        self.pos = BLOCK_WORDS;
        self.known = BLOCK_WORDS;
        self.rest.get_or_insert_with(|| {
            let mut seed = [0u8; 32];
            for (i, w) in key.iter().enumerate() {
                seed[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
            }
            let mut rng = ChaCha8Rng::from_seed(seed);
            rng.set_word_pos(pos as u128);
            Box::new(rng)
        })
    }
}

impl TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        if self.pos >= self.known {
            self.refill(1);
            if let Some(rest) = &mut self.rest {
                return rest.try_next_u32();
            }
        }
        let w = self.block[self.pos];
        self.pos += 1;
        Ok(w)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        // Two consecutive words, low first, as `ChaCha8Rng` takes them.
        if self.pos + 1 >= self.known {
            self.refill(2);
            if let Some(rest) = &mut self.rest {
                return rest.try_next_u64();
            }
        }
        let (lo, hi) = (self.block[self.pos], self.block[self.pos + 1]);
        self.pos += 2;
        Ok(u64::from(hi) << 32 | u64::from(lo))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        // No stream fills bytes on a hot path: the generator does it as it would.
        self.rest().try_fill_bytes(dst)
    }
}

/// Words of block 0 that [`StreamsAhead`] keeps per stream: enough for the draws of a
/// typical attempt (a run time, a failure coin and point: three 64-bit draws), after which
/// the stream computes its block again.
pub const AHEAD_WORDS: usize = 8;

/// Streams computed ahead of time, [`chacha::BATCH`] at a time: the first words of streams
/// that will be needed later, each stored under a slot number (a pod's slot). Computing
/// blocks in a batch costs a fraction of computing them one by one (see [`chacha`]), and the
/// streams of an attempt are known when its pod is created, in batches, while they are drawn
/// one pod at a time when each pod starts.
///
/// A pure cache: [`StreamsAhead::take`] gives exactly the stream [`Streams::stream`] gives,
/// whether or not it was announced, computed yet, or overwritten by another stream of the
/// same slot. Its size follows the largest slot number, that is the most pods alive at
/// once.
#[derive(Clone, Debug)]
pub struct StreamsAhead {
    purpose: Purpose,
    slots: Vec<Ahead>,
    /// Slots announced but not computed yet.
    pending: [u32; chacha::BATCH],
    pending_len: usize,
}

#[derive(Clone, Copy, Debug)]
struct Ahead {
    parts: [u64; 3],
    state: AheadState,
    first: [u32; AHEAD_WORDS],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AheadState {
    Empty,
    Pending,
    Ready,
}

impl StreamsAhead {
    pub fn new(purpose: Purpose) -> StreamsAhead {
        StreamsAhead {
            purpose,
            slots: Vec::new(),
            pending: [0; chacha::BATCH],
            pending_len: 0,
        }
    }

    /// Announces that `slot` will draw from the stream of `(purpose, a, b, c)`.
    #[inline]
    pub fn announce(&mut self, streams: &Streams, slot: u32, a: u64, b: u64, c: u64) {
        let i = slot as usize;
        if i >= self.slots.len() {
            self.slots.resize(
                i + 1,
                Ahead {
                    parts: [0; 3],
                    state: AheadState::Empty,
                    first: [0; AHEAD_WORDS],
                },
            );
        }
        // Written without reading the entry first: the slot was last used by a pod that
        // started a minute ago, and reading its state was a cache miss per pod. A slot
        // announced twice before its batch is computed is computed twice, the same way.
        let entry = &mut self.slots[i];
        entry.parts = [a, b, c];
        entry.state = AheadState::Pending;
        self.pending[self.pending_len] = slot;
        self.pending_len += 1;
        if self.pending_len == chacha::BATCH {
            self.compute_pending(streams);
        }
    }

    /// Starts loading `slot`'s entry into the cache, for a [`StreamsAhead::take`] soon.
    #[inline]
    pub fn prefetch(&self, slot: u32) {
        if let Some(entry) = self.slots.get(slot as usize) {
            super::prefetch(entry);
        }
    }

    /// The stream of `(purpose, a, b, c)` for `slot`: from what was computed ahead when it
    /// was announced for this slot, else computed now.
    #[inline]
    pub fn take(&mut self, streams: &Streams, slot: u32, a: u64, b: u64, c: u64) -> Stream {
        let origin = streams.origin(self.purpose, [a, b, c]);
        match self.slots.get(slot as usize) {
            Some(entry) if entry.state != AheadState::Empty && entry.parts == [a, b, c] => {
                if entry.state == AheadState::Pending {
                    self.compute_pending(streams);
                }
                let entry = &mut self.slots[slot as usize];
                entry.state = AheadState::Empty;
                Stream::ahead(origin, &entry.first)
            }
            _ => Stream::new(origin),
        }
    }

    /// Computes the announced streams not computed yet.
    fn compute_pending(&mut self, streams: &Streams) {
        let mut keys = [[0u32; 8]; chacha::BATCH];
        let pending = &self.pending[..self.pending_len];
        for (key, &slot) in keys.iter_mut().zip(pending) {
            *key = streams
                .origin(self.purpose, self.slots[slot as usize].parts)
                .key();
        }
        let mut blocks = [[0u32; BLOCK_WORDS]; chacha::BATCH];
        chacha::blocks(&keys, &mut blocks);
        for (block, &slot) in blocks.iter().zip(pending) {
            let entry = &mut self.slots[slot as usize];
            entry.first.copy_from_slice(&block[..AHEAD_WORDS]);
            entry.state = AheadState::Ready;
        }
        self.pending_len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn equal_keys_give_equal_streams_and_different_keys_differ() {
        let s = Streams::new(42);
        let a1 = s.stream(Purpose::Attempt, 1, 2, 3).next_u64();
        let a2 = s.stream(Purpose::Attempt, 1, 2, 3).next_u64();
        let b = s.stream(Purpose::Attempt, 1, 2, 4).next_u64();
        let c = s.stream(Purpose::PodStartup, 1, 2, 3).next_u64();
        let d = Streams::new(43)
            .stream(Purpose::Attempt, 1, 2, 3)
            .next_u64();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, c);
        assert_ne!(a1, d);
    }

    /// Pins the stream derivation: if this changes, every published result changes, so it
    /// must only change deliberately (and the docs must say so).
    #[test]
    fn stream_values_are_stable() {
        let v = Streams::new(1).stream(Purpose::Attempt, 0, 0, 0).next_u64();
        assert_eq!(v, STABLE_FIRST_DRAW);
        assert_eq!(name_key("default/pi"), STABLE_NAME_KEY);
    }

    const STABLE_FIRST_DRAW: u64 = 3_401_582_742_084_609_649;
    const STABLE_NAME_KEY: u64 = 17_081_428_395_743_910_122;

    /// `ChaCha8Rng` with `stream`'s key.
    fn reference(stream: &Stream) -> ChaCha8Rng {
        let mut seed = [0u8; 32];
        for (i, w) in stream.key().iter().enumerate() {
            seed[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        ChaCha8Rng::from_seed(seed)
    }

    /// Draws from both in a pseudo-random pattern chosen by `pattern`: 32-bit, 64-bit
    /// (across the ends of the words computed ahead and of the block, at odd and even
    /// positions), floats, ranges, and from step `bytes_from` on, bytes.
    fn assert_same_draws(mut ours: Stream, mut theirs: ChaCha8Rng, pattern: u64, bytes_from: u32) {
        use rand::RngExt;
        let mut x = pattern;
        for step in 0..60 {
            x = mix64(x);
            match x % 5 {
                0 => assert_eq!(ours.next_u32(), theirs.next_u32(), "u32 {pattern}/{step}"),
                1 | 2 => assert_eq!(ours.next_u64(), theirs.next_u64(), "u64 {pattern}/{step}"),
                3 => assert_eq!(
                    ours.random::<f64>().to_bits(),
                    theirs.random::<f64>().to_bits()
                ),
                _ => {
                    let (mut a, mut b) = ([0u8; 7], [0u8; 7]);
                    if step >= bytes_from {
                        ours.fill_bytes(&mut a);
                        theirs.fill_bytes(&mut b);
                    }
                    assert_eq!(a, b);
                    assert_eq!(
                        ours.random_range(0..1000u32),
                        theirs.random_range(0..1000u32)
                    );
                }
            }
        }
    }

    /// Every way of drawing gives exactly what `ChaCha8Rng` gives.
    #[test]
    fn stream_matches_chacha8rng_word_for_word() {
        let streams = Streams::new(99);
        for k in 0..200u64 {
            let ours = streams.stream(Purpose::Attempt, k, k * 7, k % 3);
            let theirs = reference(&ours);
            assert_same_draws(ours, theirs, k, 21);
        }
    }

    /// A stream taken from [`StreamsAhead`] is the stream [`Streams::stream`] gives, draw for
    /// draw, in every state of its slot: computed in a full batch, pending in a partial
    /// one, announced twice, announced for other parts, or never announced.
    #[test]
    fn streams_computed_ahead_are_the_same_streams() {
        let streams = Streams::new(5);
        let mut ahead = StreamsAhead::new(Purpose::Attempt);
        let parts = |slot: u32| [u64::from(slot) * 11, u64::from(slot), 3];
        // Slots 0..=8: the first eight are computed as one batch, slot 8 stays pending.
        for slot in 0..=8 {
            let [a, b, c] = parts(slot);
            ahead.announce(&streams, slot, a, b, c);
        }
        assert_eq!(ahead.pending_len, 1);
        // Slot 9 twice (a new pod in the same slot before its batch was computed).
        ahead.announce(&streams, 9, 1, 1, 1);
        let [a, b, c] = parts(9);
        ahead.announce(&streams, 9, a, b, c);
        for slot in 0..12 {
            let [a, b, c] = parts(slot);
            // Slots 10 and 11 were never announced; slot 3 is taken for other parts.
            let c = if slot == 3 { c + 1 } else { c };
            let ours = ahead.take(&streams, slot, a, b, c);
            let expect_ahead = slot < 10 && slot != 3;
            assert_eq!(ours.known == AHEAD_WORDS, expect_ahead, "slot {slot}");
            let fresh = streams.stream(Purpose::Attempt, a, b, c);
            assert_eq!(ours.key(), fresh.key());
            for bytes_from in [0, 3, 60] {
                let theirs = reference(&fresh);
                assert_same_draws(
                    ours.clone(),
                    theirs,
                    u64::from(slot) + 100 * u64::from(bytes_from),
                    bytes_from,
                );
            }
        }
        assert_eq!(
            ahead.pending_len, 0,
            "taking a pending slot computed its batch"
        );
        // A slot's stream is handed out once; the next run of the slot computes its own.
        let [a, b, c] = parts(0);
        assert_eq!(ahead.take(&streams, 0, a, b, c).known, BLOCK_WORDS);
    }
}
