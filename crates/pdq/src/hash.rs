//! PDQ hashing: pixels to hash, quality and the eight dihedral hashes.
//!
//! Bit-exact with Meta's reference C++ core (ThreatExchange `pdq/cpp/hashing`): luma in `f32`,
//! two passes of Jarosz box filters, decimation to 64x64, the 16x64 DCT, a lower-median threshold.
//! [`hash_pixels`] hashes decoded pixels; [`hash_image`] decodes a PNG, JPEG, GIF, WebP or BMP in
//! memory first (at full resolution, the convention of pdqhash on PyPI, HMA and the Java port, or
//! squashed to 512x512 like the C++ `pdq-photo-hasher` tool with [`DecodeOptions::cli512`]).
//!
//! Images under 5 px on a side hash to all zeros with quality 0, as in the reference.
//! A hash with quality under 50 is not meant for matching.

mod dct_table;
mod decode;
mod kernel;

use crate::Hash256;
use kernel::MIN_HASHABLE_DIM;

/// A PDQ hash and its quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PdqResult {
    pub hash: Hash256,
    /// The reference's gradient-based quality, 0..=100; under 50 the hash is not meant for matching.
    pub quality: u8,
}

/// The hashes of the eight rotations and flips of an image, and its quality.
///
/// Each field is what hashing the transformed image would give (up to the reference's own rounding):
/// the reference derives them from the original's DCT without re-hashing, and so do we.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dihedral {
    pub original: Hash256,
    pub rot90: Hash256,
    pub rot180: Hash256,
    pub rot270: Hash256,
    pub flipx: Hash256,
    pub flipy: Hash256,
    pub flip_plus1: Hash256,
    pub flip_minus1: Hash256,
    pub quality: u8,
}

impl Dihedral {
    /// The eight hashes in the reference order (original, rot90, rot180, rot270, flipx, flipy,
    /// flip_plus1, flip_minus1).
    pub fn hashes(&self) -> [Hash256; 8] {
        [
            self.original,
            self.rot90,
            self.rot180,
            self.rot270,
            self.flipx,
            self.flipy,
            self.flip_plus1,
            self.flip_minus1,
        ]
    }
}

/// Decoded 8-bit pixels, row-major, no padding between rows.
#[derive(Clone, Copy, Debug)]
pub enum Pixels<'a> {
    /// 3 bytes a pixel.
    Rgb(&'a [u8]),
    /// 4 bytes a pixel; alpha is ignored (not composited), as in the reference.
    Rgba(&'a [u8]),
    /// 1 byte a pixel, used as the luma directly.
    Grey(&'a [u8]),
}

impl Pixels<'_> {
    fn channels(&self) -> usize {
        match self {
            Pixels::Rgb(_) => 3,
            Pixels::Rgba(_) => 4,
            Pixels::Grey(_) => 1,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Pixels::Rgb(b) | Pixels::Rgba(b) | Pixels::Grey(b) => b,
        }
    }

    fn layout(&self) -> &'static str {
        match self {
            Pixels::Rgb(_) => "rgb",
            Pixels::Rgba(_) => "rgba",
            Pixels::Grey(_) => "grey",
        }
    }
}

/// How [`hash_image`] decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Refuse images with more pixels than this, before allocating for them (decompression bombs).
    /// Default 64 Mpx.
    pub max_pixels: u64,
    /// Reproduce the C++ `pdq-photo-hasher` tool: an image wider or taller than 512 px is first
    /// squashed to exactly 512x512 by nearest neighbour (aspect not kept). Default false: full
    /// resolution, the convention of pdqhash (PyPI), python-threatexchange, HMA and the Java port.
    pub cli512: bool,
}

impl DecodeOptions {
    /// The default pixel limit: 64 Mpx.
    pub const DEFAULT_MAX_PIXELS: u64 = 64 * 1024 * 1024;
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { max_pixels: Self::DEFAULT_MAX_PIXELS, cli512: false }
    }
}

/// Why an image could not be hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// Not an image format we decode (PNG, JPEG, GIF, WebP, BMP), or a feature of one we do not.
    #[error(
        "unsupported image format{}{}",
        .format.as_deref().map(|f| format!(": {f}")).unwrap_or_default(),
        .detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
    )]
    Unsupported { format: Option<String>, detail: Option<String> },
    /// A recognised format whose data is invalid.
    #[error("corrupt {format} image: {detail}")]
    Corrupt { format: String, detail: String },
    /// The data ends before the image does.
    #[error("truncated {format} image")]
    Truncated { format: String },
    /// Width or height is zero.
    #[error("zero-size image ({width}x{height})")]
    ZeroSize { width: u64, height: u64 },
    /// More pixels than [`DecodeOptions::max_pixels`].
    #[error("too many pixels: {width}x{height} is over the limit of {limit} pixels")]
    TooManyPixels { width: u64, height: u64, limit: u64 },
    /// A decoder's own resource limit tripped (set from [`DecodeOptions::max_pixels`]).
    #[error("image over the decoding limits for {limit} pixels: {detail}")]
    LimitExceeded { limit: u64, detail: String },
    /// The pixel buffer does not hold width x height pixels of its layout.
    #[error("pixel buffer length mismatch: {width}x{height} {layout} needs {expected} bytes, got {actual}")]
    LengthMismatch { width: u64, height: u64, layout: &'static str, expected: u64, actual: u64 },
}

/// Hashes decoded pixels, bit-exact with the reference `pdqHash256FromFloatLuma`.
///
/// Fewer than 5 pixels on a side gives the all-zero hash with quality 0; a zero side is an error.
/// A 64x64 input is used as is, without blurring, as the reference does here (but not in
/// [`hash_pixels_dihedral`], whose blur with window 1 may round differently).
pub fn hash_pixels(width: usize, height: usize, px: Pixels<'_>) -> Result<PdqResult, HashError> {
    check_buffer(width, height, &px)?;
    Ok(plain_result(blur_pixels(width, height, &px, true)))
}

/// Hashes decoded pixels and derives the eight dihedral hashes, bit-exact with the reference
/// `pdqDihedralHash256esFromFloatLuma`.
pub fn hash_pixels_dihedral(width: usize, height: usize, px: Pixels<'_>) -> Result<Dihedral, HashError> {
    check_buffer(width, height, &px)?;
    Ok(dihedral_result(blur_pixels(width, height, &px, false)))
}

/// Decodes an image file held in memory (PNG, JPEG, GIF, WebP, BMP; the first frame of an
/// animation; EXIF orientation ignored) and hashes it with [`hash_pixels`].
pub fn hash_image(bytes: &[u8], opts: &DecodeOptions) -> Result<PdqResult, HashError> {
    Ok(plain_result(decode::decode(bytes, opts, true)?))
}

/// Decodes like [`hash_image`] and hashes with [`hash_pixels_dihedral`].
pub fn hash_image_dihedral(bytes: &[u8], opts: &DecodeOptions) -> Result<Dihedral, HashError> {
    Ok(dihedral_result(decode::decode(bytes, opts, false)?))
}

/// The DCT of checked pixels, `None` under 5x5.
fn blur_pixels(width: usize, height: usize, px: &Pixels<'_>, skip_64: bool) -> Option<kernel::Dct16> {
    if width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM {
        return None;
    }
    let mut blur = kernel::Blur::new(height, width, skip_64);
    let row_bytes = width * px.channels();
    for row in px.bytes().chunks_exact(row_bytes) {
        match px {
            Pixels::Rgb(_) => blur.push_rgb_row(row),
            Pixels::Rgba(_) => blur.push_rgbx_row(row),
            Pixels::Grey(_) => blur.push_grey_row(row),
        }
    }
    Some(blur.finish())
}

fn plain_result(dct: Option<kernel::Dct16>) -> PdqResult {
    match dct {
        None => PdqResult { hash: Hash256::default(), quality: 0 },
        Some(dct) => PdqResult { hash: kernel::to_hash(&dct.coef), quality: dct.quality },
    }
}

fn dihedral_result(dct: Option<kernel::Dct16>) -> Dihedral {
    let Some(dct) = dct else {
        let zero = Hash256::default();
        return Dihedral {
            original: zero,
            rot90: zero,
            rot180: zero,
            rot270: zero,
            flipx: zero,
            flipy: zero,
            flip_plus1: zero,
            flip_minus1: zero,
            quality: 0,
        };
    };
    let h = kernel::dihedral_blocks(&dct.coef).map(|b| kernel::to_hash(&b));
    Dihedral {
        original: h[0],
        rot90: h[1],
        rot180: h[2],
        rot270: h[3],
        flipx: h[4],
        flipy: h[5],
        flip_plus1: h[6],
        flip_minus1: h[7],
        quality: dct.quality,
    }
}

fn check_buffer(width: usize, height: usize, px: &Pixels<'_>) -> Result<(), HashError> {
    if width == 0 || height == 0 {
        return Err(HashError::ZeroSize { width: width as u64, height: height as u64 });
    }
    let expected = width.checked_mul(height).and_then(|n| n.checked_mul(px.channels()));
    let actual = px.bytes().len();
    if expected != Some(actual) {
        return Err(HashError::LengthMismatch {
            width: width as u64,
            height: height as u64,
            layout: px.layout(),
            expected: expected.map_or(u64::MAX, |n| n as u64),
            actual: actual as u64,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_images_hash_to_zero() {
        let px = vec![200u8; 4 * 9 * 3];
        let r = hash_pixels(4, 9, Pixels::Rgb(&px)).unwrap();
        assert_eq!(r, PdqResult { hash: Hash256::default(), quality: 0 });
        let d = hash_pixels_dihedral(9, 4, Pixels::Rgb(&px)).unwrap();
        assert!(d.hashes().iter().all(|h| *h == Hash256::default()));
        assert_eq!(d.quality, 0);
    }

    #[test]
    fn buffer_errors() {
        let err = hash_pixels(0, 10, Pixels::Grey(&[])).unwrap_err();
        assert!(matches!(err, HashError::ZeroSize { .. }), "{err}");
        let err = hash_pixels(10, 10, Pixels::Rgba(&[0; 399])).unwrap_err();
        assert_eq!(err.to_string(), "pixel buffer length mismatch: 10x10 rgba needs 400 bytes, got 399");
        let err = hash_pixels(usize::MAX, usize::MAX, Pixels::Rgb(&[0; 3])).unwrap_err();
        assert!(matches!(err, HashError::LengthMismatch { .. }), "{err}");
    }

    #[test]
    fn layouts_agree() {
        let (w, h) = (70usize, 50usize);
        let rgb: Vec<u8> = (0..w * h * 3).map(|k| ((k * 131 + k / 7) % 256) as u8).collect();
        let rgba: Vec<u8> = rgb.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 7]).collect();
        let a = hash_pixels(w, h, Pixels::Rgb(&rgb)).unwrap();
        let b = hash_pixels(w, h, Pixels::Rgba(&rgba)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.hash.popcount(), 128);
        let d = hash_pixels_dihedral(w, h, Pixels::Rgb(&rgb)).unwrap();
        assert_eq!(d.original, a.hash);
        assert_eq!(d.quality, a.quality);
    }
}
