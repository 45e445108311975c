//! Decoding image files in memory with the `image` crate, under pixel and allocation limits.

use std::error::Error as _;
use std::io::Cursor;

use image::error::ImageFormatHint;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::{DecodeOptions, HashError, Pixels};

/// The C++ tool squashes anything wider or taller than this to this square.
const CLI_SIDE: usize = 512;

/// Decoded 8-bit pixels, owned.
pub(super) struct Decoded {
    pub(super) width: usize,
    pub(super) height: usize,
    channels: usize,
    data: Vec<u8>,
}

impl Decoded {
    pub(super) fn pixels(&self) -> Pixels<'_> {
        match self.channels {
            1 => Pixels::Grey(&self.data),
            3 => Pixels::Rgb(&self.data),
            _ => Pixels::Rgba(&self.data),
        }
    }
}

pub(super) fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded, HashError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| HashError::Corrupt { format: "image".into(), detail: e.to_string() })?;
    let Some(format) = reader.format() else {
        return Err(HashError::Unsupported { format: None, detail: None });
    };
    let err = |e: ImageError| map_error(e, format, opts.max_pixels);

    // Headers first, with only the allocation limit, so that an oversized image is reported with
    // its size; then the strict per-side limits for the decode itself.
    let alloc = opts.max_pixels.saturating_mul(8).saturating_add(32 << 20);
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_alloc = Some(alloc);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(err)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(HashError::ZeroSize { width: w.into(), height: h.into() });
    }
    if u64::from(w) * u64::from(h) > opts.max_pixels {
        return Err(HashError::TooManyPixels { width: w.into(), height: h.into(), limit: opts.max_pixels });
    }
    let side = u32::try_from(opts.max_pixels).unwrap_or(u32::MAX);
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    decoder.set_limits(limits).map_err(err)?;
    // Some JPEG decoders fill a cut-off scan with grey and carry on; a hash of that is a hash of
    // another picture, so a JPEG must reach its end-of-image marker.
    if format == ImageFormat::Jpeg && !jpeg_reaches_eoi(bytes) {
        return Err(HashError::Truncated { format: format_name(format) });
    }
    if decoder.total_bytes() > alloc {
        return Err(HashError::TooManyPixels { width: w.into(), height: h.into(), limit: opts.max_pixels });
    }
    let img = DynamicImage::from_decoder(decoder).map_err(err)?;

    let (width, height) = (img.width() as usize, img.height() as usize);
    let (channels, data) = match img {
        DynamicImage::ImageLuma8(b) => (1, b.into_raw()),
        DynamicImage::ImageRgb8(b) => (3, b.into_raw()),
        DynamicImage::ImageRgba8(b) => (4, b.into_raw()),
        // Grey with alpha, or 16-bit grey: the grey channel (alpha ignored, as in the reference).
        img @ (DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_)) => (1, img.into_luma8().into_raw()),
        img => (3, img.into_rgb8().into_raw()),
    };
    let decoded = Decoded { width, height, channels, data };
    Ok(if opts.cli512 { squash_512(decoded) } else { decoded })
}

/// The C++ tool's `CImg::resize(512, 512)` (nearest neighbour) for images over 512 px on a side:
/// output (x, y) takes input (floor(x * w / 512), floor(y * h / 512)).
fn squash_512(img: Decoded) -> Decoded {
    if img.width <= CLI_SIDE && img.height <= CLI_SIDE {
        return img;
    }
    let c = img.channels;
    let mut data = Vec::with_capacity(CLI_SIDE * CLI_SIDE * c);
    for y in 0..CLI_SIDE {
        let sy = y * img.height / CLI_SIDE;
        let row = &img.data[sy * img.width * c..(sy + 1) * img.width * c];
        for x in 0..CLI_SIDE {
            let sx = x * img.width / CLI_SIDE;
            data.extend_from_slice(&row[sx * c..(sx + 1) * c]);
        }
    }
    Decoded { width: CLI_SIDE, height: CLI_SIDE, channels: c, data }
}

/// Walks a JPEG's marker segments and entropy-coded scans: true if it reaches an EOI marker.
///
/// Segments are skipped by their length (so thumbnails inside APPn segments do not count); in a
/// scan, `FF 00` is a stuffed byte and `FF D0..=D7` a restart marker; any other marker ends it.
fn jpeg_reaches_eoi(b: &[u8]) -> bool {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut pos = 2;
    loop {
        // A marker: one or more 0xFF, then its code.
        if b.get(pos) != Some(&0xFF) {
            return false;
        }
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&code) = b.get(pos) else { return false };
        pos += 1;
        match code {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = b.get(pos..pos + 2).map(|l| usize::from(u16::from_be_bytes([l[0], l[1]]))) else {
            return false;
        };
        if len < 2 || pos + len > b.len() {
            return false;
        }
        pos += len;
        if code == 0xDA {
            // Entropy-coded data up to the next real marker.
            loop {
                let Some(off) = b.get(pos..).and_then(|rest| rest.iter().position(|&x| x == 0xFF)) else {
                    return false;
                };
                pos += off;
                match b.get(pos + 1) {
                    None => return false,
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => pos += 1,
                    Some(_) => break,
                }
            }
        }
    }
}

fn format_name(format: ImageFormat) -> String {
    format!("{format:?}").to_lowercase()
}

fn hint_name(hint: &ImageFormatHint, fallback: ImageFormat) -> String {
    match hint {
        ImageFormatHint::Exact(f) => format_name(*f),
        ImageFormatHint::Name(n) => n.to_lowercase(),
        _ => format_name(fallback),
    }
}

/// The decoder's own words, without the `image` crate's "Format error decoding X:" prefix.
fn detail(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string().trim().trim_end_matches('.').to_string();
    // Lowercase a leading capital of an ordinary word ("Invalid" but not "CRC" or "I/O").
    let b = s.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_uppercase() && b[1].is_ascii_lowercase() {
        s[..1].make_ascii_lowercase();
    }
    s
}

fn looks_truncated(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    [
        "eof",
        "end of",
        "unexpected end",
        "truncat",
        "no more",
        "premature",
        "not enough data",
        "not enough bytes",
        "exhausted",
    ]
    .iter()
    .any(|p| m.contains(p))
}

fn map_error(e: ImageError, format: ImageFormat, limit: u64) -> HashError {
    let name = format_name(format);
    match e {
        ImageError::Unsupported(u) => {
            let fmt = hint_name(&u.format_hint(), format);
            let what = detail(&u);
            // The crate's text repeats the format; keep only what is not the format itself.
            let extra = (!what.to_ascii_lowercase().contains("format")).then_some(what);
            HashError::Unsupported { format: Some(fmt), detail: extra }
        }
        ImageError::Limits(l) => HashError::LimitExceeded { limit, detail: detail(&l) },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            HashError::Truncated { format: name }
        }
        ImageError::IoError(io) => HashError::Corrupt { format: name, detail: detail(&io) },
        ImageError::Decoding(d) => {
            let fmt = hint_name(&d.format_hint(), format);
            let text = match d.source() {
                Some(src) => detail(src),
                None => "invalid data".to_string(),
            };
            let mut eof = false;
            let mut cause = d.source();
            while let Some(c) = cause {
                eof |= c
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof);
                cause = c.source();
            }
            if eof || looks_truncated(&text) {
                HashError::Truncated { format: fmt }
            } else {
                HashError::Corrupt { format: fmt, detail: text }
            }
        }
        other => HashError::Corrupt { format: name, detail: detail(&other) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_picks_floor_indices() {
        let (w, h) = (1024usize, 600usize);
        let data: Vec<u8> = (0..w * h).map(|k| ((k % w) / 4) as u8 ^ ((k / w) % 256) as u8).collect();
        let s = squash_512(Decoded { width: w, height: h, channels: 1, data: data.clone() });
        assert_eq!((s.width, s.height), (512, 512));
        for (y, x) in [(0, 0), (1, 1), (511, 511), (300, 17)] {
            assert_eq!(s.data[y * 512 + x], data[(y * h / 512) * w + x * 2]);
        }
        let small = squash_512(Decoded { width: 512, height: 100, channels: 3, data: vec![1; 512 * 300] });
        assert_eq!((small.width, small.height), (512, 100));
    }

    #[test]
    fn jpeg_walker() {
        let seg = |code: u8, body: &[u8]| {
            let mut v = vec![0xFF, code];
            v.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            v.extend_from_slice(body);
            v
        };
        let mut j = vec![0xFF, 0xD8];
        // An APP1 holding a complete little JPEG (its EOI must not count).
        j.extend(seg(0xE1, &[0xFF, 0xD8, 0xFF, 0xD9]));
        j.extend(seg(0xDA, &[1, 2, 3]));
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56]);
        assert!(!jpeg_reaches_eoi(&j));
        let mut done = j.clone();
        done.extend_from_slice(&[0xFF, 0xFF, 0xD9, 0x00, 0x00]);
        assert!(jpeg_reaches_eoi(&done));
        for cut in 0..done.len() - 2 {
            assert!(!jpeg_reaches_eoi(&done[..cut]), "cut {cut}");
        }
        assert!(!jpeg_reaches_eoi(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01]));
    }

    #[test]
    fn details_are_lowercased_only_when_a_word() {
        let e = std::io::Error::other("Bad thing");
        assert_eq!(detail(&e), "bad thing");
        let e = std::io::Error::other("CRC error.\n");
        assert_eq!(detail(&e), "CRC error");
        let e = std::io::Error::other("I/O error");
        assert_eq!(detail(&e), "I/O error");
    }
}
