//! The process's allocator: the system's, except that large blocks get their own mapping,
//! aligned to and advised for 2 MiB pages (transparent huge pages) on Linux.
//!
//! At W3's scale (tens of thousands of live pods, their stream entries, a heap of as
//! many events) the slab and arrays span thousands of 4 KiB pages, more than the TLB
//! covers, and the run's loads, already missing the cache, also wait on page walks. The
//! same arrays in 2 MiB pages need a few entries. Linux backs a region with huge pages
//! only where it is 2 MiB-aligned and, in the default `madvise` mode, only after
//! `madvise(MADV_HUGEPAGE)`; glibc's `malloc` does neither, hence this wrapper.
//!
//! It changes where memory lies, never what is computed: no result depends on an address.
//! Blocks under [`LARGE`] (nearly all of them) go to the system allocator unchanged. Where
//! the kernel has no huge page to give, or transparent huge pages are off, a large block is
//! an ordinary mapping.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks of at least this many bytes are mapped on their own.
pub const LARGE: usize = 1 << 20;

/// The size of a transparent huge page on x86-64 and (with 4 KiB base pages) aarch64.
const HUGE_PAGE: usize = 2 << 20;

/// The system allocator, with blocks of [`LARGE`] bytes or more mapped in huge pages.
/// Install it with `#[global_allocator]` in a binary (see `src/main.rs`).
pub struct LargePages;

/// Whether a block of `layout` gets its own mapping (never off Linux).
#[inline]
fn is_large(layout: Layout) -> bool {
    cfg!(target_os = "linux") && layout.size() >= LARGE && layout.align() <= HUGE_PAGE
}

// SAFETY: small blocks are the system allocator's; large ones are fresh anonymous mappings
// of at least the layout's size, aligned to at least its alignment, released with the same
// length they were mapped with (computed from the layout, which the caller passes back).
// Which of the two a block is follows from its layout alone (`is_large`).
unsafe impl GlobalAlloc for LargePages {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_large(layout) {
            return large::map(layout);
        }
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_large(layout) {
            // A fresh anonymous mapping reads as zeros.
            return large::map(layout);
        }
        // SAFETY: the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_large(layout) {
            // SAFETY: `ptr` came from `large::map` with this layout.
            return unsafe { large::unmap(ptr, layout) };
        }
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees that `new_size` with this alignment is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (is_large(layout), is_large(new_layout)) {
            (false, false) => {
                // SAFETY: the caller upholds `realloc`'s contract; the block is `System`'s.
                return unsafe { System.realloc(ptr, layout, new_size) };
            }
            (true, true) => {
                // SAFETY: `ptr` came from `large::map` with `layout`.
                return unsafe { large::remap(ptr, layout, new_layout) };
            }
            _ => {}
        }
        // Across the threshold: a new block, a copy, the old one freed.
        // SAFETY: `new_layout` has a non-zero size (`realloc`'s contract).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are valid for the smaller size and do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[cfg(target_os = "linux")]
mod large {
    use super::HUGE_PAGE;
    use std::alloc::Layout;

    /// The length a large block is mapped with: whole huge pages, so that its last part can
    /// be one too.
    fn mapped_len(layout: Layout) -> usize {
        layout.size().next_multiple_of(HUGE_PAGE)
    }

    /// Maps a zeroed block for `layout` (alignment at most `HUGE_PAGE`) on a huge-page
    /// boundary, advised for huge pages. Returns null if the system has no memory to give.
    pub(super) fn map(layout: Layout) -> *mut u8 {
        let len = mapped_len(layout);
        // Over-map by one huge page, then trim both ends to the boundary.
        let Some(over) = len.checked_add(HUGE_PAGE) else {
            return std::ptr::null_mut();
        };
        // SAFETY: an anonymous private mapping at an address of the kernel's choosing
        // touches no existing memory.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                over,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let raw = raw.cast::<u8>();
        let head = raw.align_offset(HUGE_PAGE);
        let start = raw.wrapping_add(head);
        // SAFETY: both trimmed ranges lie inside the mapping just made and are page-aligned
        // (mmap returns page-aligned addresses and HUGE_PAGE is a multiple of the page
        // size); the block [start, start + len) stays mapped.
        unsafe {
            if head > 0 {
                libc::munmap(raw.cast(), head);
            }
            let tail = over - head - len;
            if tail > 0 {
                libc::munmap(start.add(len).cast(), tail);
            }
            // Advice only: if the kernel declines, the block is an ordinary mapping.
            libc::madvise(start.cast(), len, libc::MADV_HUGEPAGE);
        }
        start
    }

    /// Moves a block that [`map`] returned for `layout` to a mapping for `new_layout` (both
    /// large), by moving its pages rather than copying them: a growing slab is never
    /// resident twice. Returns null, leaving the block as it was, if that fails.
    ///
    /// # Safety
    /// `ptr` must come from `map(layout)` and not have been unmapped yet.
    pub(super) unsafe fn remap(ptr: *mut u8, layout: Layout, new_layout: Layout) -> *mut u8 {
        let (old_len, len) = (mapped_len(layout), mapped_len(new_layout));
        if len <= old_len {
            // Shrinking: the tail goes, the block stays where it is.
            if len < old_len {
                // SAFETY: the tail lies inside the block's mapping and is page-aligned.
                unsafe { libc::munmap(ptr.add(len).cast(), old_len - len) };
            }
            return ptr;
        }
        // A huge-page-aligned place for the result, which the move then replaces.
        let target = map(new_layout);
        if target.is_null() {
            return target;
        }
        // SAFETY: [ptr, ptr + old_len) is one live mapping (the contract) and
        // [target, target + len) one just made; MREMAP_FIXED replaces the latter.
        let moved = unsafe {
            libc::mremap(
                ptr.cast(),
                old_len,
                len,
                libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED,
                target.cast::<libc::c_void>(),
            )
        };
        if moved == libc::MAP_FAILED {
            // SAFETY: `target` came from `map(new_layout)` just above.
            unsafe { unmap(target, new_layout) };
            return std::ptr::null_mut();
        }
        // SAFETY: the moved block is one mapping of `len` bytes; advice only.
        unsafe { libc::madvise(moved, len, libc::MADV_HUGEPAGE) };
        moved.cast()
    }

    /// Unmaps a block that [`map`] returned for `layout`.
    ///
    /// # Safety
    /// `ptr` must come from `map(layout)` and not have been unmapped yet.
    pub(super) unsafe fn unmap(ptr: *mut u8, layout: Layout) {
        // SAFETY: per the contract, [ptr, ptr + mapped_len) is exactly one live mapping.
        unsafe { libc::munmap(ptr.cast(), mapped_len(layout)) };
    }
}

/// Off Linux no block is large (`is_large`); these are never called.
#[cfg(not(target_os = "linux"))]
mod large {
    use std::alloc::Layout;

    pub(super) fn map(_: Layout) -> *mut u8 {
        std::ptr::null_mut()
    }

    pub(super) unsafe fn remap(_: *mut u8, _: Layout, _: Layout) -> *mut u8 {
        std::ptr::null_mut()
    }

    pub(super) unsafe fn unmap(_: *mut u8, _: Layout) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small and large blocks, their growth across the threshold and back, keep their
    /// contents, and a zeroed large block reads as zeros.
    #[test]
    fn blocks_keep_their_contents_across_the_threshold() {
        let a = LargePages;
        let small = Layout::from_size_align(4096, 8).unwrap();
        // SAFETY: layouts are non-zero; every block is freed with the layout it has.
        unsafe {
            let p = a.alloc(small);
            assert!(!p.is_null());
            for i in 0..4096 {
                *p.add(i) = (i % 251) as u8;
            }
            let big = 3 * LARGE + 5;
            let q = a.realloc(p, small, big);
            assert!(!q.is_null());
            if cfg!(target_os = "linux") {
                assert_eq!(
                    q.addr() % HUGE_PAGE,
                    0,
                    "a large block starts on a huge page"
                );
            }
            assert!((0..4096).all(|i| *q.add(i) == (i % 251) as u8));
            *q.add(big - 1) = 7;
            let big_layout = Layout::from_size_align(big, 8).unwrap();
            // Growing between mappings moves the pages; shrinking keeps the block.
            let bigger = 9 * LARGE;
            let q = a.realloc(q, big_layout, bigger);
            assert!(!q.is_null());
            assert!((0..4096).all(|i| *q.add(i) == (i % 251) as u8));
            assert_eq!(*q.add(big - 1), 7);
            *q.add(bigger - 1) = 9;
            let bigger_layout = Layout::from_size_align(bigger, 8).unwrap();
            let q2 = a.realloc(q, bigger_layout, big);
            assert_eq!(q2, q, "a shrinking large block stays in place");
            assert_eq!(*q2.add(big - 1), 7);
            let r = a.realloc(q2, big_layout, 100);
            assert!(!r.is_null());
            assert!((0..100).all(|i| *r.add(i) == (i % 251) as u8));
            a.dealloc(r, Layout::from_size_align(100, 8).unwrap());

            let z = Layout::from_size_align(2 * LARGE, 64).unwrap();
            let p = a.alloc_zeroed(z);
            assert!(!p.is_null());
            assert!((0..z.size()).step_by(4093).all(|i| *p.add(i) == 0));
            a.dealloc(p, z);
        }
    }

    /// A large block allocated at once holds, word for word, what is written into it.
    #[test]
    fn a_large_block_holds_what_is_written() {
        let a = LargePages;
        let n = 3 * LARGE / 8;
        let layout = Layout::array::<u64>(n).unwrap();
        // SAFETY: as above.
        unsafe {
            let p = a.alloc(layout).cast::<u64>();
            assert!(!p.is_null());
            for i in 0..n {
                p.add(i).write(i as u64 * 3);
            }
            assert!((0..n).all(|i| p.add(i).read() == i as u64 * 3));
            a.dealloc(p.cast(), layout);
        }
    }
}
