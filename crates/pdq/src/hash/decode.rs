//! Decoding image files in memory, under pixel and allocation limits, straight to luma.
//!
//! JPEG goes through libjpeg-turbo's own decoder (`pdq-jpeg`), whose pixels are the ones the
//! reference hashes were computed from; the other formats through the `image` crate.

use std::error::Error as _;
use std::io::Cursor;

use image::error::ImageFormatHint;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::kernel::{self, Blur, Dct16, MIN_HASHABLE_DIM};
use super::{DecodeOptions, HashError};

/// The C++ tool squashes anything wider or taller than this to this square.
const CLI_SIDE: usize = 512;

/// A progressive JPEG with more scans than this is refused: each scan costs a pass over the
/// whole image, and real files have a dozen.
const MAX_JPEG_SCANS: usize = 100;

/// Decoded 8-bit pixels, owned.
struct Decoded {
    width: usize,
    height: usize,
    channels: usize,
    data: Vec<u8>,
}

/// Bytes the decoders may allocate for an image within the pixel limit (8 a pixel, plus slack).
fn alloc_limit(opts: &DecodeOptions) -> u64 {
    opts.max_pixels.saturating_mul(8).saturating_add(32 << 20)
}

/// Decodes `bytes` and streams its rows through the blur: the DCT of the image, `None` if it is
/// under 5x5 (after the C++ tool's squash when asked for). `skip_64`: see [`kernel::Blur::new`].
pub(super) fn decode(bytes: &[u8], opts: &DecodeOptions, skip_64: bool) -> Result<Option<Dct16>, HashError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return decode_jpeg(bytes, opts, skip_64);
    }
    let img = decode_other(bytes, opts)?;
    let img = if opts.cli512 { squash_512(img) } else { img };
    let mut sink = RowSink::new(img.width, img.height, false, skip_64);
    for (y, row) in img.data.chunks_exact(img.width * img.channels).enumerate() {
        sink.row(y, row, img.channels);
    }
    Ok(sink.finish())
}

/// CMYK as stored by Adobe (inverted) to RGB: `c * k / 255`, rounded (what the reference saw).
fn cmyk_row_to_rgb(src: &[u8], dst: &mut [u8]) {
    let mul = |v: u8, k: u8| -> u8 {
        let t = u32::from(v) * u32::from(k) + 128;
        ((t + (t >> 8)) >> 8) as u8
    };
    for (p, o) in src.chunks_exact(4).zip(dst.chunks_exact_mut(3)) {
        o[0] = mul(p[0], p[3]);
        o[1] = mul(p[1], p[3]);
        o[2] = mul(p[2], p[3]);
    }
}

fn decode_jpeg(bytes: &[u8], opts: &DecodeOptions, skip_64: bool) -> Result<Option<Dct16>, HashError> {
    let format = || "jpeg".to_string();
    // libjpeg pads a cut-off scan with grey and carries on; a hash of that is a hash of another
    // picture, so a JPEG must reach its end-of-image marker.
    let layout = jpeg_layout(bytes).ok_or_else(|| HashError::Truncated { format: format() })?;
    if layout.scans > MAX_JPEG_SCANS {
        return Err(HashError::Corrupt {
            format: format(),
            detail: format!("more than {MAX_JPEG_SCANS} scans"),
        });
    }
    // The frame's size from its header, checked before libjpeg allocates anything for it.
    if let Some((w, h)) = layout.frame {
        let (w, h) = (u64::from(w), u64::from(h));
        if w * h > opts.max_pixels {
            return Err(HashError::TooManyPixels { width: w, height: h, limit: opts.max_pixels });
        }
    }
    let mut dec = pdq_jpeg::Decoder::new(bytes, alloc_limit(opts)).map_err(jpeg_error)?;
    let info = dec.info();
    let (w, h) = (u64::from(info.width), u64::from(info.height));
    if w == 0 || h == 0 {
        return Err(HashError::ZeroSize { width: w, height: h });
    }
    if w * h > opts.max_pixels {
        return Err(HashError::TooManyPixels { width: w, height: h, limit: opts.max_pixels });
    }
    let out = match info.color {
        pdq_jpeg::FileColor::Grey => pdq_jpeg::Output::Grey,
        pdq_jpeg::FileColor::Cmyk | pdq_jpeg::FileColor::Ycck => pdq_jpeg::Output::Cmyk,
        _ => pdq_jpeg::Output::Rgbx,
    };
    let (width, height, channels) = dec.start(out).map_err(jpeg_error)?;
    let row_bytes = width * channels;
    let mut sink = RowSink::new(width, height, opts.cli512, skip_64);
    let mut buf = vec![0u8; row_bytes * pdq_jpeg::MAX_ROWS_PER_READ];
    let cmyk = out == pdq_jpeg::Output::Cmyk;
    let mut rgb = if cmyk { vec![0u8; width * 3] } else { Vec::new() };
    let mut y = 0;
    while y < height {
        let n = dec.read_rows(&mut buf).map_err(jpeg_error)?;
        if n == 0 {
            return Err(HashError::Truncated { format: format() });
        }
        for row in buf[..n * row_bytes].chunks_exact(row_bytes) {
            if cmyk {
                cmyk_row_to_rgb(row, &mut rgb);
                sink.row(y, &rgb, 3);
            } else {
                sink.row(y, row, channels);
            }
            y += 1;
        }
    }
    Ok(sink.finish())
}

/// Takes decoded rows in order into the blur, at full resolution or squashed like the C++ tool
/// (`squash` only for JPEG, whose rows stream; other formats are squashed whole first).
struct RowSink {
    blur: Option<Blur>,
    src_height: usize,
    /// Squash: the next output row, the source column of each output column, one luma row.
    squash: Option<(usize, Vec<usize>, Vec<f32>)>,
}

impl RowSink {
    fn new(width: usize, height: usize, cli512: bool, skip_64: bool) -> Self {
        let squash = cli512 && (width > CLI_SIDE || height > CLI_SIDE);
        let (w, h) = if squash { (CLI_SIDE, CLI_SIDE) } else { (width, height) };
        let hashable = w >= MIN_HASHABLE_DIM && h >= MIN_HASHABLE_DIM;
        RowSink {
            blur: hashable.then(|| Blur::new(h, w, skip_64)),
            src_height: height,
            squash: squash
                .then(|| (0, (0..CLI_SIDE).map(|x| x * width / CLI_SIDE).collect(), vec![0.0; CLI_SIDE])),
        }
    }

    /// Source row `y` (rows arrive in order), `channels` bytes a pixel (1, 3, or 4 with alpha or
    /// padding, ignored).
    fn row(&mut self, y: usize, row: &[u8], channels: usize) {
        let Some(blur) = &mut self.blur else { return };
        match &mut self.squash {
            None => match channels {
                1 => blur.push_grey_row(row),
                3 => blur.push_rgb_row(row),
                _ => blur.push_rgbx_row(row),
            },
            Some((next, cols, luma)) => {
                // Output row oy takes source row oy * h / 512 (several output rows may share one).
                while *next < CLI_SIDE && *next * self.src_height / CLI_SIDE == y {
                    for (o, &sx) in luma.iter_mut().zip(cols.iter()) {
                        let p = &row[sx * channels..(sx + 1) * channels];
                        *o = if channels == 1 { f32::from(p[0]) } else { kernel::luma_rgb(p[0], p[1], p[2]) };
                    }
                    blur.push_luma_row(luma);
                    *next += 1;
                }
            }
        }
    }

    fn finish(self) -> Option<Dct16> {
        self.blur.map(Blur::finish)
    }
}

fn jpeg_error(e: pdq_jpeg::Error) -> HashError {
    let text = detail(&e);
    if looks_truncated(&text) {
        HashError::Truncated { format: "jpeg".into() }
    } else if text.starts_with("unsupported") || text.contains("not supported") {
        HashError::Unsupported { format: Some("jpeg".into()), detail: Some(text) }
    } else {
        HashError::Corrupt { format: "jpeg".into(), detail: text }
    }
}

/// PNG, GIF, WebP or BMP through the `image` crate.
fn decode_other(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded, HashError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| HashError::Corrupt { format: "image".into(), detail: e.to_string() })?;
    let Some(format) = reader.format() else {
        return Err(HashError::Unsupported { format: None, detail: None });
    };
    let err = |e: ImageError| map_error(e, format, opts.max_pixels);

    // Headers first, with only the allocation limit, so that an oversized image is reported with
    // its size; then the strict per-side limits for the decode itself.
    let alloc = alloc_limit(opts);
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
    Ok(Decoded { width, height, channels, data })
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

/// What walking a JPEG's markers tells before decoding it.
#[derive(Debug, PartialEq, Eq)]
struct JpegLayout {
    scans: usize,
    /// Width and height of the first frame header.
    frame: Option<(u16, u16)>,
}

/// The number of scans of a JPEG, `None` if it does not reach its end-of-image marker.
#[cfg(test)]
fn jpeg_scans(b: &[u8]) -> Option<usize> {
    jpeg_layout(b).map(|l| l.scans)
}

/// Walks a JPEG's marker segments and entropy-coded scans: its layout if it reaches an EOI
/// marker, `None` if it does not.
///
/// Segments are skipped by their length (so thumbnails inside APPn segments do not count); in a
/// scan, `FF 00` is a stuffed byte and `FF D0..=D7` a restart marker; any other marker ends it.
fn jpeg_layout(b: &[u8]) -> Option<JpegLayout> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2;
    let (mut scans, mut frame) = (0, None);
    loop {
        // A marker: one or more 0xFF, then its code.
        if b.get(pos) != Some(&0xFF) {
            return None;
        }
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let &code = b.get(pos)?;
        pos += 1;
        match code {
            0xD9 => return Some(JpegLayout { scans, frame }),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = b.get(pos..pos + 2).map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))?;
        if len < 2 || pos + len > b.len() {
            return None;
        }
        // SOFn (not DHT C4, JPG C8, DAC CC): precision, height, width.
        if matches!(code, 0xC0..=0xCF) && !matches!(code, 0xC4 | 0xC8 | 0xCC) && frame.is_none() && len >= 7 {
            let at = |i: usize| u16::from_be_bytes([b[pos + i], b[pos + i + 1]]);
            frame = Some((at(5), at(3)));
        }
        pos += len;
        if code == 0xDA {
            scans += 1;
            // Entropy-coded data up to the next real marker.
            loop {
                let off = b.get(pos..).and_then(find_ff)?;
                pos += off;
                match b.get(pos + 1) {
                    None => return None,
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => pos += 1,
                    Some(_) => break,
                }
            }
        }
    }
}

/// The position of the first `0xFF` byte (entropy-coded data holds one only every few hundred
/// bytes).
fn find_ff(s: &[u8]) -> Option<usize> {
    memchr::memchr(0xFF, s)
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
        assert_eq!(jpeg_scans(&j), None);
        let mut done = j.clone();
        done.extend_from_slice(&[0xFF, 0xFF, 0xD9, 0x00, 0x00]);
        assert_eq!(jpeg_scans(&done), Some(1));
        for cut in 0..done.len() - 2 {
            assert_eq!(jpeg_scans(&done[..cut]), None, "cut {cut}");
        }
        assert_eq!(jpeg_scans(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01]), None);
    }

    #[test]
    fn find_ff_finds_the_first() {
        for len in [0, 1, 31, 32, 33, 64, 100] {
            let mut v = vec![0x12u8; len];
            assert_eq!(find_ff(&v), None);
            for at in [0, len / 2, len.saturating_sub(1)] {
                if at < len {
                    v[at] = 0xFF;
                    assert_eq!(find_ff(&v), Some(at));
                    v[len - 1] = 0xFF;
                    assert_eq!(find_ff(&v), Some(at), "{len} {at}");
                    v.fill(0x12);
                }
            }
        }
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
