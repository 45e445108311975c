//! The observable values' storage: every value once, back to back in fixed-size chunks that
//! never move. Growing never copies what is stored (a new chunk is added), so neither a bulk
//! load nor an insert after it pays for moving hundreds of megabytes of strings, and nothing has
//! to be reserved from a guess of the values' total length.
//!
//! Values are addressed by a global byte offset (`u32`): chunk `c` covers offsets
//! `[c << SHIFT, (c + 1) << SHIFT)`. A value never straddles two chunks: one that does not fit
//! in what is left of the current chunk starts the next one (the rest of the chunk stays
//! unused: at most a value's length per chunk). A value longer than a chunk gets a chunk of its
//! own, as large as it is, and covers the offsets of as many chunks as its length needs (the
//! chunks past the first are empty placeholders naming the first as their owner). Value `i` is
//! then found from `bounds[i]` and `bounds[i + 1]` alone: it ends at `e = bounds[i + 1]`, lies in
//! the chunk that owns offset `e - 1`, and starts at `bounds[i]` or at that chunk's start,
//! whichever is later.

/// Chunks are 1 MiB.
const SHIFT: u32 = 20;
const CHUNK: usize = 1 << SHIFT;
const MASK: u64 = CHUNK as u64 - 1;

#[derive(Clone)]
pub(super) struct Values {
    /// Per chunk: the chunk holding its bytes (itself, or for a placeholder the chunk of a long
    /// value), and its bytes.
    chunks: Vec<(u32, String)>,
    /// `bounds[0] = 0`; value `i` ends at `bounds[i + 1]` (see the module docs).
    bounds: Vec<u32>,
}

impl Values {
    pub fn new() -> Self {
        Values { chunks: Vec::new(), bounds: vec![0] }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    pub fn reserve(&mut self, values: usize) {
        self.bounds.reserve(values);
    }

    /// Leaves room for `extra` more values without reallocating.
    pub fn headroom(&mut self, extra: usize) {
        super::headroom(&mut self.bounds, extra);
    }

    /// Value `slot`.
    pub fn get(&self, slot: u32) -> &str {
        let (s, e) = (self.bounds[slot as usize], self.bounds[slot as usize + 1]);
        if s == e {
            return "";
        }
        let owner = self.chunks[((e - 1) >> SHIFT) as usize].0;
        let base = owner << SHIFT;
        &self.chunks[owner as usize].1[(s.max(base) - base) as usize..(e - base) as usize]
    }

    /// Stores `value` as the next slot, and returns the slot.
    pub fn push(&mut self, value: &str) -> u32 {
        let slot =
            u32::try_from(self.len()).ok().filter(|&s| s != u32::MAX).expect("more than u32::MAX values");
        let cursor = u64::from(*self.bounds.last().expect("bounds start with 0"));
        let len = value.len() as u64;
        let c = (cursor >> SHIFT) as usize;
        let fits = cursor & MASK != 0 && self.chunks[c].0 as usize == c && (cursor & MASK) + len <= MASK + 1;
        let end = if len == 0 {
            cursor
        } else if fits {
            self.chunks[c].1.push_str(value);
            cursor + len
        } else {
            // A new chunk (or, for a long value, as many chunk indices as its length covers).
            let start = (cursor + MASK) & !MASK;
            let first = (start >> SHIFT) as usize;
            debug_assert_eq!(self.chunks.len(), first);
            let span = len.div_ceil(CHUNK as u64) as usize;
            let owner = u32::try_from(first).expect("more than 4 GiB of observable values");
            let mut bytes = String::with_capacity(CHUNK.max(value.len()));
            bytes.push_str(value);
            self.chunks.push((owner, bytes));
            for _ in 1..span {
                self.chunks.push((owner, String::new()));
            }
            start + len
        };
        let end = u32::try_from(end).expect("more than 4 GiB of observable values");
        self.bounds.push(end);
        slot
    }

    /// Heap bytes held (chunks by capacity).
    pub fn memory_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<(u32, String)>()
            + self.chunks.iter().map(|c| c.1.capacity()).sum::<usize>()
            + self.bounds.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_across_chunks_and_long_values() {
        let mut values = Values::new();
        let mut expected = Vec::new();
        let long = "x".repeat(CHUNK * 2 + 5);
        let exact = "y".repeat(CHUNK);
        for i in 0..40_000usize {
            let v = match i {
                7 | 30_001 => long.clone(),
                9 | 20_000 => exact.clone(),
                _ if i % 1000 == 3 => String::new(),
                _ => format!("{i:x}-").repeat(1 + i % 23),
            };
            assert_eq!(values.push(&v) as usize, i);
            expected.push(v);
        }
        for (i, v) in expected.iter().enumerate() {
            assert_eq!(values.get(i as u32), v, "value {i}");
        }
    }
}
