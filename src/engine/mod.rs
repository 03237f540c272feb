//! The deterministic core: simulated time, the event queue and the random streams.
//!
//! Architecture invariant: nothing here knows about Kubernetes, files or the wall clock.

/// Starts loading every cache line of `value` into the cache, for a use soon: a hint
/// with no effect on results (it reads nothing and cannot fault). A no-op off x86-64.
///
/// The lines are those of the addresses `start + 64 k` (k from 0 while below the size)
/// and of the last byte: together every line the value touches, whatever its alignment,
/// in a count fixed by the type, so the sequence unrolls into that many instructions with
/// no loop or alignment arithmetic (a line named twice costs one more hint, nothing else).
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start: *const i8 = std::ptr::from_ref(value).cast();
        for_each_line_offset(size_of::<T>(), |offset| {
            // SAFETY: SSE is part of every x86-64 CPU, and a prefetch only hints the cache:
            // it reads nothing and cannot fault, wherever it points.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
        });
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Calls `hint` with offsets into a value of `size` bytes that together fall on every
/// cache line the value touches, wherever it starts (see [`prefetch`]).
#[inline(always)]
fn for_each_line_offset(size: usize, mut hint: impl FnMut(usize)) {
    const LINE: usize = 64;
    let size = size.max(1);
    let mut offset = 0;
    while offset < size {
        hint(offset);
        offset += LINE;
    }
    if !(size - 1).is_multiple_of(LINE) {
        hint(size - 1);
    }
}

pub mod alloc;
pub mod chacha;
pub mod math;
pub mod queue;
pub mod rng;
pub mod time;

#[cfg(test)]
mod tests {
    /// Every line a value touches gets a hint, for every size and start within a line, and
    /// no hint falls outside the value.
    #[test]
    fn hints_cover_every_line_of_a_value() {
        for size in 1..=300 {
            for skew in 0..64 {
                let mut hinted = std::collections::BTreeSet::new();
                super::for_each_line_offset(size, |offset| {
                    assert!(
                        offset < size,
                        "size {size}: offset {offset} outside the value"
                    );
                    hinted.insert((skew + offset) / 64);
                });
                let touched: std::collections::BTreeSet<usize> =
                    (skew / 64..=(skew + size - 1) / 64).collect();
                assert_eq!(
                    hinted, touched,
                    "size {size}, start {skew} bytes into a line"
                );
            }
        }
    }
}
