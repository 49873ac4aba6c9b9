//! Reading all of stdin into memory.

use std::io::Read;
use std::os::fd::AsFd;

/// Read stdin to its end, or to `limit` bytes (callers pass one byte past their limit, so an
/// oversized stream is refused without being read whole).
pub fn read_stdin(limit: usize) -> std::io::Result<Vec<u8>> {
    // A file on stdin says how big it is: one allocation, instead of a buffer that doubles (and
    // faults in fresh pages) a dozen times on a large release. A pipe (Helm's) doesn't say.
    let size = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata())
        .ok()
        .filter(|m| m.is_file())
        .map_or(0, |m| m.len() as usize);
    let mut bytes = Vec::with_capacity(size.clamp(64 << 10, limit) + 1);
    std::io::stdin()
        .lock()
        .take(limit as u64)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}
