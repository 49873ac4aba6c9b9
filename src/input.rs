//! Reading all of stdin into memory.
//!
//! Bytes read into a growing `Vec` land on fresh 4 KiB pages, each a page fault: on a 2.6 MB
//! stream those faults cost more than splitting it into documents (issue 5). On Linux, past its
//! first 256 KiB the stream goes to a 2 MiB-aligned buffer marked for transparent huge pages, which
//! the kernel maps in a handful of faults; a small stream (a chart) stays in a `Vec`.

use std::io::Read;
use std::ops::Deref;

/// The bytes of a stream.
pub struct Input {
    bytes: Bytes,
}

enum Bytes {
    Small(Vec<u8>),
    #[cfg(target_os = "linux")]
    Large(huge::Buffer),
}

impl Deref for Input {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Small(v) => v,
            #[cfg(target_os = "linux")]
            Bytes::Large(b) => b,
        }
    }
}

/// Streams up to this size are read into a `Vec`.
#[cfg(target_os = "linux")]
const SMALL: usize = 256 << 10;

/// Read stdin to its end, or to `limit` bytes.
#[cfg(target_os = "linux")]
pub fn read_stdin(limit: usize) -> std::io::Result<Input> {
    use std::os::fd::{AsFd, AsRawFd};
    // One unbuffered reader for both parts: `io::stdin()` buffers, and bytes it had read ahead
    // would be skipped by the raw reads after it (a pipe returns short reads at any size).
    let mut stdin = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned()?);
    // Room for all of it up front: through `take`, `read_to_end` gets no size hint and would start
    // with a 32-byte read and double from there.
    let mut first = Vec::with_capacity(SMALL.min(limit));
    (&mut stdin)
        .take(SMALL.min(limit) as u64)
        .read_to_end(&mut first)?;
    if first.len() < SMALL || limit <= SMALL {
        return Ok(Input {
            bytes: Bytes::Small(first),
        });
    }
    let mut buffer = huge::Buffer::with_capacity((16 << 20).min(limit));
    buffer.extend_from_slice(&first);
    buffer.read_fd_to_end(stdin.as_raw_fd(), limit)?;
    Ok(Input {
        bytes: Bytes::Large(buffer),
    })
}

/// Read stdin to its end, or to `limit` bytes.
#[cfg(not(target_os = "linux"))]
pub fn read_stdin(limit: usize) -> std::io::Result<Input> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit as u64)
        .read_to_end(&mut bytes)?;
    Ok(Input {
        bytes: Bytes::Small(bytes),
    })
}

#[cfg(target_os = "linux")]
mod huge {
    use std::alloc::Layout;
    use std::ptr::NonNull;

    const HUGE_PAGE: usize = 2 << 20;

    /// A byte buffer in 2 MiB-aligned memory that `madvise` marks for huge pages. Grows by
    /// doubling, like a `Vec`.
    pub struct Buffer {
        ptr: NonNull<u8>,
        len: usize,
        capacity: usize,
    }

    impl Buffer {
        pub fn with_capacity(capacity: usize) -> Buffer {
            let capacity = capacity.max(HUGE_PAGE).next_multiple_of(HUGE_PAGE);
            let layout = Layout::from_size_align(capacity, HUGE_PAGE).expect("a valid layout");
            // SAFETY: the layout has a non-zero size.
            let ptr = unsafe { std::alloc::alloc(layout) };
            let Some(ptr) = NonNull::new(ptr) else {
                std::alloc::handle_alloc_error(layout)
            };
            // SAFETY: the range is the allocation just made. A refusal (no THP) changes nothing.
            unsafe {
                libc::madvise(ptr.as_ptr().cast(), capacity, libc::MADV_HUGEPAGE);
            }
            Buffer {
                ptr,
                len: 0,
                capacity,
            }
        }

        fn layout(&self) -> Layout {
            Layout::from_size_align(self.capacity, HUGE_PAGE).expect("a valid layout")
        }

        fn reserve(&mut self, more: usize) {
            if self.capacity - self.len >= more {
                return;
            }
            let mut bigger = Buffer::with_capacity((self.len + more).max(2 * self.capacity));
            bigger.extend_from_slice(self);
            *self = bigger;
        }

        pub fn extend_from_slice(&mut self, bytes: &[u8]) {
            self.reserve(bytes.len());
            // SAFETY: `reserve` made room for `bytes` after `len`; the ranges can't overlap, as
            // `bytes` is not in the spare capacity.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    self.ptr.as_ptr().add(self.len),
                    bytes.len(),
                );
            }
            self.len += bytes.len();
        }

        /// Read file descriptor `fd` to its end, or until the buffer holds `limit` bytes.
        pub fn read_fd_to_end(&mut self, fd: i32, limit: usize) -> std::io::Result<()> {
            while self.len < limit {
                self.reserve(1);
                let room = (self.capacity - self.len).min(limit - self.len);
                // SAFETY: the kernel writes at most `room` bytes into the spare capacity.
                let n = unsafe { libc::read(fd, self.ptr.as_ptr().add(self.len).cast(), room) };
                match n {
                    0 => break,
                    n if n > 0 => self.len += n as usize,
                    _ => {
                        let e = std::io::Error::last_os_error();
                        if e.kind() != std::io::ErrorKind::Interrupted {
                            return Err(e);
                        }
                    }
                }
            }
            Ok(())
        }
    }

    impl std::ops::Deref for Buffer {
        type Target = [u8];
        fn deref(&self) -> &[u8] {
            // SAFETY: the first `len` bytes were written.
            unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
        }
    }

    impl Drop for Buffer {
        fn drop(&mut self) {
            // SAFETY: allocated in `with_capacity` with this layout.
            unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout()) }
        }
    }

    // SAFETY: the buffer owns its bytes, like a `Vec<u8>`.
    unsafe impl Send for Buffer {}
    unsafe impl Sync for Buffer {}

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Growth past the first capacity keeps every byte, in order.
        #[test]
        fn grows_and_keeps_the_bytes() {
            let mut b = Buffer::with_capacity(1);
            assert_eq!(b.capacity, HUGE_PAGE);
            let chunk: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
            for _ in 0..10 {
                b.extend_from_slice(&chunk);
            }
            assert_eq!(b.len(), 3_000_000);
            assert!(b.capacity >= 3_000_000 && b.capacity % HUGE_PAGE == 0);
            assert!(b.chunks(300_000).all(|c| c == &chunk[..]));
        }
    }
}
