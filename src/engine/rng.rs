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
//! the algorithm is named explicitly (`ChaCha8Rng`), never `StdRng`, whose algorithm may
//! change between rand releases.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

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
}

impl Streams {
    pub fn new(seed: u64) -> Streams {
        Streams { seed }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stream for `(purpose, a, b, c)`. Equal keys give equal streams; any difference in
    /// the key gives an unrelated stream.
    pub fn stream(&self, purpose: Purpose, a: u64, b: u64, c: u64) -> ChaCha8Rng {
        let mut key = [0u8; 32];
        let mut h = mix64(self.seed ^ mix64(purpose as u64));
        for (i, part) in [a, b, c, 0x6a6f_6273_696d].into_iter().enumerate() {
            h = mix64(h ^ part.wrapping_add(i as u64));
            key[i * 8..i * 8 + 8].copy_from_slice(&h.to_le_bytes());
        }
        ChaCha8Rng::from_seed(key)
    }

    /// A keyed 64-bit hash of `(purpose, a, b, c)`: for values that must look random and be
    /// reproducible but are no model randomness (generated name suffixes), at a fraction
    /// of the cost of a stream.
    pub fn hash(&self, purpose: Purpose, a: u64, b: u64, c: u64) -> u64 {
        let mut h = mix64(self.seed ^ mix64(purpose as u64));
        for (i, part) in [a, b, c].into_iter().enumerate() {
            h = mix64(h ^ part.wrapping_add(i as u64));
        }
        h
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
}
