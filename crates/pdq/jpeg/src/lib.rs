//! JPEG decoding in memory with libjpeg-turbo's decoder, for `pdq`.
//!
//! PDQ reference hashes of JPEG files are hashes of the pixels libjpeg-turbo gives (PIL and the
//! C++ tool both decode with it, islow IDCT and fancy upsampling, the library defaults); other
//! decoders round the IDCT and the chroma upsampling differently, and on flat pictures that moves
//! hash bits. This crate decodes with that library itself (the copy mozjpeg-sys vendors and
//! builds with the C compiler: its decoder is libjpeg-turbo's), through a small C shim (`shim.c`)
//! that turns libjpeg's `error_exit` into an error code with `setjmp`/`longjmp`, so that no panic
//! and no unwinding ever crosses C frames. The library's messages are counted, never printed.
//!
//! The shim also replaces libjpeg's memory manager back end (`jmemsys.h`) with one that keeps a
//! few large blocks per thread between images (see `shim.c`).
//!
//! The only `unsafe` code of the `pdq` crates is here, each block with its reasoning.
//!
//! Licences: libjpeg-turbo is under the IJG licence, the Modified BSD licence and the zlib
//! licence; a binary distribution must say that "this software is based in part on the work of
//! the Independent JPEG Group".

use std::ffi::{CStr, c_char, c_int, c_long, c_uint, c_ulong};
use std::marker::PhantomData;
use std::ptr::NonNull;

// The static libjpeg that the shim calls into is mozjpeg-sys's; name it so that it is linked.
use mozjpeg_sys as _;

/// The decoder's opaque state (a `struct pdqj` of the shim).
#[repr(C)]
struct RawDecoder {
    _private: [u8; 0],
}

#[repr(C)]
#[derive(Default)]
struct RawInfo {
    width: c_uint,
    height: c_uint,
    components: c_int,
    color_space: c_int,
    progressive: c_int,
}

unsafe extern "C" {
    fn pdqj_open(
        buf: *const u8,
        len: c_ulong,
        max_memory: c_long,
        info: *mut RawInfo,
        failed: *mut c_int,
    ) -> *mut RawDecoder;
    fn pdqj_start(
        h: *mut RawDecoder,
        out_color_space: c_int,
        out_width: *mut c_uint,
        out_height: *mut c_uint,
        out_components: *mut c_int,
    ) -> c_int;
    fn pdqj_read(h: *mut RawDecoder, dest: *mut u8, stride: c_ulong, max_rows: c_uint) -> c_long;
    fn pdqj_warnings(h: *const RawDecoder) -> c_long;
    fn pdqj_message(h: *const RawDecoder) -> *const c_char;
    fn pdqj_close(h: *mut RawDecoder);
}

// libjpeg's J_COLOR_SPACE values (jpeglib.h).
const JCS_GRAYSCALE: c_int = 1;
const JCS_RGB: c_int = 2;
const JCS_YCBCR: c_int = 3;
const JCS_CMYK: c_int = 4;
const JCS_YCCK: c_int = 5;
const JCS_EXT_RGBX: c_int = 7;

/// Rows the shim reads per call at most.
pub const MAX_ROWS_PER_READ: usize = 16;

/// The colour model of the file's samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileColor {
    Grey,
    YCbCr,
    Rgb,
    Cmyk,
    Ycck,
    Other,
}

/// What a frame header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    pub color: FileColor,
    pub progressive: bool,
}

/// The samples to decode to: 1 (grey), 3 (RGB), 4 (RGB and a padding byte) or 4 (CMYK, as
/// stored: Adobe files invert it) bytes a pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Grey,
    Rgb,
    /// RGB padded to 4 bytes a pixel (libjpeg-turbo's `JCS_EXT_RGBX`): the same RGB values,
    /// easier to vectorise.
    Rgbx,
    Cmyk,
}

impl Output {
    fn color_space(self) -> c_int {
        match self {
            Output::Grey => JCS_GRAYSCALE,
            Output::Rgb => JCS_RGB,
            Output::Rgbx => JCS_EXT_RGBX,
            Output::Cmyk => JCS_CMYK,
        }
    }
}

/// libjpeg refused the data; `message` is the library's own text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// A JPEG decoder over bytes in memory. The header is read by [`Decoder::new`]; pixels are
/// read a few rows at a time after [`Decoder::start`].
pub struct Decoder<'a> {
    raw: NonNull<RawDecoder>,
    info: Info,
    /// Bytes per output row once started.
    row_bytes: Option<usize>,
    /// libjpeg reads the caller's bytes in place for as long as the decoder lives.
    _bytes: PhantomData<&'a [u8]>,
}

impl<'a> Decoder<'a> {
    /// Reads the header of `bytes`. `max_memory` bounds the library's whole-image arrays (the
    /// coefficients of a progressive file); past it decoding fails.
    pub fn new(bytes: &'a [u8], max_memory: u64) -> Result<Self, Error> {
        let mut info = RawInfo::default();
        let mut failed: c_int = 1;
        let len = c_ulong::try_from(bytes.len()).map_err(|_| Error { message: "file too large".into() })?;
        let max_memory = c_long::try_from(max_memory).unwrap_or(c_long::MAX).max(1);
        // SAFETY: `bytes` is valid for `len` bytes and outlives the returned decoder (the
        // lifetime 'a ties them); `info` and `failed` are valid for writes. The shim never keeps
        // a pointer to `info` or `failed`.
        let raw = unsafe { pdqj_open(bytes.as_ptr(), len, max_memory, &mut info, &mut failed) };
        let raw = NonNull::new(raw).ok_or_else(|| Error { message: "out of memory".into() })?;
        let color = match info.color_space {
            JCS_GRAYSCALE => FileColor::Grey,
            JCS_YCBCR => FileColor::YCbCr,
            JCS_RGB => FileColor::Rgb,
            JCS_CMYK => FileColor::Cmyk,
            JCS_YCCK => FileColor::Ycck,
            _ => FileColor::Other,
        };
        let dec = Decoder {
            raw,
            info: Info {
                width: info.width,
                height: info.height,
                components: u8::try_from(info.components).unwrap_or(u8::MAX),
                color,
                progressive: info.progressive != 0,
            },
            row_bytes: None,
            _bytes: PhantomData,
        };
        if failed != 0 {
            return Err(dec.error());
        }
        Ok(dec)
    }

    /// The frame header.
    pub fn info(&self) -> Info {
        self.info
    }

    /// Warnings the library gave so far (corrupt data it worked around).
    pub fn warnings(&self) -> u64 {
        // SAFETY: `raw` is a live decoder (freed only in Drop).
        let n = unsafe { pdqj_warnings(self.raw.as_ptr()) };
        u64::try_from(n).unwrap_or(0)
    }

    /// Starts decompressing to `out` with the library defaults (islow IDCT, fancy
    /// upsampling). Returns the output width, height and bytes a pixel.
    pub fn start(&mut self, out: Output) -> Result<(usize, usize, usize), Error> {
        if self.row_bytes.is_some() {
            return Err(Error { message: "decompression already started".into() });
        }
        let (mut w, mut h, mut c): (c_uint, c_uint, c_int) = (0, 0, 0);
        // SAFETY: `raw` is live and not started; the out-pointers are valid for writes.
        let rc = unsafe { pdqj_start(self.raw.as_ptr(), out.color_space(), &mut w, &mut h, &mut c) };
        if rc != 0 {
            return Err(self.error());
        }
        let (w, h, c) = (w as usize, h as usize, usize::try_from(c).unwrap_or(0));
        let row_bytes =
            w.checked_mul(c).filter(|&n| n > 0).ok_or_else(|| Error { message: "empty output".into() })?;
        self.row_bytes = Some(row_bytes);
        Ok((w, h, c))
    }

    /// Bytes of one output row (after [`Decoder::start`]).
    pub fn row_bytes(&self) -> Option<usize> {
        self.row_bytes
    }

    /// Decodes the next rows into `dest` (whole rows, at most [`MAX_ROWS_PER_READ`]): returns
    /// how many it wrote, 0 once the image is done.
    pub fn read_rows(&mut self, dest: &mut [u8]) -> Result<usize, Error> {
        let Some(row_bytes) = self.row_bytes else {
            return Err(Error { message: "decompression not started".into() });
        };
        let rows = (dest.len() / row_bytes).min(MAX_ROWS_PER_READ);
        if rows == 0 {
            return Err(Error { message: "buffer smaller than one row".into() });
        }
        // SAFETY: `raw` is live and started; `dest` holds `rows * row_bytes` writable bytes and
        // the shim writes at most `rows` rows of `row_bytes` (the output width times components
        // it reported in start) at `stride = row_bytes`.
        let n =
            unsafe { pdqj_read(self.raw.as_ptr(), dest.as_mut_ptr(), row_bytes as c_ulong, rows as c_uint) };
        usize::try_from(n).map_err(|_| self.error())
    }

    fn error(&self) -> Error {
        // SAFETY: `raw` is live; the shim's message buffer is NUL-terminated (it is zeroed at
        // allocation and written only by libjpeg's format_message, which terminates it).
        let msg = unsafe { CStr::from_ptr(pdqj_message(self.raw.as_ptr())) };
        let message = msg.to_string_lossy().trim().to_string();
        Error { message: if message.is_empty() { "invalid jpeg data".into() } else { message } }
    }
}

impl Drop for Decoder<'_> {
    fn drop(&mut self) {
        // SAFETY: `raw` came from pdqj_open and is freed exactly once, here.
        unsafe { pdqj_close(self.raw.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_crash() {
        let e = Decoder::new(b"not a jpeg", 1 << 20).err().unwrap();
        assert!(e.message.contains("JPEG"), "{e}");
        let e = Decoder::new(&[], 1 << 20).err().unwrap();
        assert!(!e.message.is_empty());
        let e = Decoder::new(&[0xFF, 0xD8, 0xFF, 0xC0, 0, 2], 1 << 20).err().unwrap();
        assert!(!e.message.is_empty());
    }
}
