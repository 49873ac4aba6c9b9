//! Scans over the text. Lines in manifests are short and deeply indented: scanning them a word
//! at a time costs less than memchr's vector setup per call, and far less than a byte loop over
//! the indentation.

pub(super) fn is_space_or_end(b: &[u8], i: usize) -> bool {
    i >= b.len() || b[i] == b' ' || b[i] == b'\n'
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// The eight bytes at `p`, if there are eight left.
pub(super) fn word(b: &[u8], p: usize) -> Option<u64> {
    let w = b.get(p..p + 8)?;
    Some(u64::from_le_bytes(w.try_into().ok()?))
}

/// The high bit of each byte of `w` equal to `c`. Bytes above a true match may be flagged
/// falsely, so only the lowest flag is exact, and it is the only one used.
fn matches_in_word(w: u64, c: u8) -> u64 {
    let x = w ^ (ONES * u64::from(c));
    x.wrapping_sub(ONES) & !x & (ONES << 7)
}

/// The index in `w` of its first byte equal to `c`, if any.
pub(super) fn find_in_word(w: u64, c: u8) -> Option<usize> {
    let m = matches_in_word(w, c);
    (m != 0).then(|| m.trailing_zeros() as usize / 8)
}

/// The first index in `p..to` holding `x` or `y`, or `to`. Words may read past `to` (the
/// result is clamped), which spares a byte loop over the last bytes of most lines.
pub(super) fn find2(b: &[u8], mut p: usize, to: usize, x: u8, y: u8) -> usize {
    while p < to {
        let Some(w) = word(b, p) else {
            return b[p..to]
                .iter()
                .position(|&c| c == x || c == y)
                .map_or(to, |i| p + i);
        };
        let m = matches_in_word(w, x) | matches_in_word(w, y);
        if m != 0 {
            return (p + m.trailing_zeros() as usize / 8).min(to);
        }
        p += 8;
    }
    to
}

/// The first byte at or after `p` that is not a space.
pub(super) fn skip_indent(b: &[u8], mut p: usize) -> usize {
    while let Some(w) = word(b, p) {
        let other = w ^ (ONES * u64::from(b' '));
        if other != 0 {
            return p + other.trailing_zeros() as usize / 8;
        }
        p += 8;
    }
    while p < b.len() && b[p] == b' ' {
        p += 1;
    }
    p
}
