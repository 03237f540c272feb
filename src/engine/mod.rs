//! The deterministic core: simulated time, the event queue and the random streams.
//!
//! Architecture invariant: nothing here knows about Kubernetes, files or the wall clock.

/// Starts loading every cache line of `value` into the cache, for a use soon: a hint
/// with no effect on results (it reads nothing and cannot fault). A no-op off x86-64.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        const LINE: usize = 64;
        let start: *const i8 = std::ptr::from_ref(value).cast();
        let size = size_of::<T>().max(1);
        // Every line `value` touches, also when it does not start on a line.
        let skew = start.addr() % LINE;
        for offset in (0..skew + size).step_by(LINE) {
            // SAFETY: SSE is part of every x86-64 CPU, and a prefetch only hints the cache:
            // it reads nothing and cannot fault, wherever it points.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset).wrapping_sub(skew)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

pub mod alloc;
pub mod chacha;
pub mod math;
pub mod queue;
pub mod rng;
pub mod time;
