//! Reading all of stdin into memory.

use std::io::Read;

/// Read stdin to its end, or to `limit` bytes (callers pass one byte past their limit, so an
/// oversized stream is refused without being read whole).
pub fn read_stdin(limit: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(64 << 10);
    std::io::stdin()
        .lock()
        .take(limit as u64)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}
