//! PDQ perceptual hashing and matching, without IO.
//!
//! - [`Hash256`]: a 256-bit PDQ hash, its reference hex form and Hamming distance.
//! - [`hash`]: hashing decoded pixels (bit-exact with Meta's reference C++ core) and image files.
//! - [`index`]: an exact multi-index hashing (MIH) range-search index over 256-bit hashes.

pub mod hash;
pub mod index;

pub use hash::{
    DecodeOptions, Dihedral, HashError, PdqResult, Pixels, hash_image, hash_image_dihedral, hash_pixels,
    hash_pixels_dihedral,
};
pub use index::{Index, IndexOptions, Match};

/// A 256-bit PDQ hash.
///
/// Stored as 16 `u16` words like the reference (`words[0]` holds bits 0..16); the hex form
/// prints word 15 first, `%04x` each, exactly as the reference tools do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash256 {
    pub words: [u16; 16],
}

/// Why a hex string is not a PDQ hash.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid pdq hash: {0}")]
pub struct HexError(pub &'static str);

impl Hash256 {
    /// The hash as four `u64` (word `4*i..4*i+4` little-endian in `u64` `i`), for popcount work.
    pub fn to_u64s(&self) -> [u64; 4] {
        let mut out = [0u64; 4];
        for (i, w) in self.words.iter().enumerate() {
            out[i / 4] |= u64::from(*w) << (16 * (i % 4));
        }
        out
    }

    /// The inverse of [`Hash256::to_u64s`].
    pub fn from_u64s(v: [u64; 4]) -> Self {
        let mut words = [0u16; 16];
        for (i, w) in words.iter_mut().enumerate() {
            *w = (v[i / 4] >> (16 * (i % 4))) as u16;
        }
        Hash256 { words }
    }

    /// Number of bits set.
    pub fn popcount(&self) -> u32 {
        self.to_u64s().iter().map(|w| w.count_ones()).sum()
    }

    /// Hamming distance.
    pub fn distance(&self, other: &Hash256) -> u32 {
        let (a, b) = (self.to_u64s(), other.to_u64s());
        (0..4).map(|i| (a[i] ^ b[i]).count_ones()).sum()
    }

    /// The reference hex form: 64 lowercase hex digits, word 15 first.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for w in self.words.iter().rev() {
            s.push_str(&format!("{w:04x}"));
        }
        s
    }

    /// Parses the reference hex form (64 hex digits, either case).
    pub fn from_hex(hex: &str) -> Result<Self, HexError> {
        let hex = hex.trim();
        if hex.len() != 64 {
            return Err(HexError("expected 64 hex digits"));
        }
        // `from_str_radix` alone would take a leading `+` in a group of four.
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HexError("not a hex digit"));
        }
        let mut words = [0u16; 16];
        for (i, w) in words.iter_mut().rev().enumerate() {
            let chunk = hex.get(4 * i..4 * i + 4).ok_or(HexError("not ascii"))?;
            *w = u16::from_str_radix(chunk, 16).map_err(|_| HexError("not a hex digit"))?;
        }
        Ok(Hash256 { words })
    }
}

impl std::fmt::Display for Hash256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_distance() {
        let hex = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        let h = Hash256::from_hex(hex).unwrap();
        assert_eq!(h.to_hex(), hex);
        assert_eq!(h.words[15], 0xf8f8);
        assert_eq!(Hash256::from_u64s(h.to_u64s()), h);
        assert_eq!(h.distance(&h), 0);
        let mut g = h;
        g.words[0] ^= 0b101;
        assert_eq!(h.distance(&g), 2);
        assert!(Hash256::from_hex("abc").is_err());
        assert!(Hash256::from_hex(&"g".repeat(64)).is_err());
        // A sign is not a digit, even where a group of four would parse with it.
        assert!(Hash256::from_hex(&format!("+abc{}", &hex[4..])).is_err());
        assert!(Hash256::from_hex(&format!("{}+0f", &hex[..61])).is_err());
    }
}
