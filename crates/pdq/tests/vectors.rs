//! PDQ against the reference vectors in `shared/testdata/pdq` (Meta ThreatExchange images, BSD
//! licence; expected values from the reference C++ core, see that folder's README).
//!
//! - `expected-raw.tsv`: decoded pixels, so no decoder is involved: quality and all eight dihedral
//!   hashes must be bit-exact.
//! - `expected-files.tsv`: whole files. PNG must be exact; every JPEG within 2 bits, at full
//!   resolution and in the C++ tool's 512x512 convention (we decode with libjpeg-turbo's own
//!   decoder, as the reference did, so today all are exact: the exact counts are printed).

use std::io::Read;
use std::path::{Path, PathBuf};

use pdq::{DecodeOptions, Dihedral, Hash256, HashError, Pixels, hash_image, hash_image_dihedral};

fn testdata() -> PathBuf {
    let dir = shared().join("testdata/pdq");
    assert!(
        dir.join("expected-raw.tsv").is_file(),
        "PDQ test vectors missing: expected {} (shared/testdata/pdq beside the workspace)",
        dir.display()
    );
    dir.to_path_buf()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Rows of a TSV file, without the `#` header.
fn rows(name: &str) -> Vec<Vec<String>> {
    let text = String::from_utf8(read(&testdata().join(name))).unwrap();
    let rows: Vec<Vec<String>> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    assert!(!rows.is_empty(), "{name} has no rows");
    rows
}

fn hex(s: &str) -> Hash256 {
    Hash256::from_hex(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A `raw/*.rgb.gz`: gzip of LE i32 width, LE i32 height, then width*height RGB bytes.
fn raw_rgb(path: &Path) -> (usize, usize, Vec<u8>) {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(&read(path)[..]).read_to_end(&mut bytes).unwrap();
    let w = i32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize;
    let h = i32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    bytes.drain(..8);
    assert_eq!(bytes.len(), w * h * 3, "{}", path.display());
    (w, h, bytes)
}

fn assert_real_hash(h: &Hash256, what: &str) {
    assert_eq!(h.popcount(), 128, "{what}: a real PDQ hash has exactly 128 bits set ({h})");
}

#[test]
fn raw_vectors_are_bit_exact() {
    let dir = testdata();
    for row in rows("expected-raw.tsv") {
        let (file, w, h, q) = (&row[0], &row[1], &row[2], &row[3]);
        let (width, height, rgb) = raw_rgb(&dir.join(file));
        assert_eq!((width.to_string(), height.to_string()), (w.clone(), h.clone()), "{file}");
        let want_q: u8 = q.parse().unwrap();
        let want: Vec<Hash256> = row[4..12].iter().map(|s| hex(s)).collect();

        let d = pdq::hash_pixels_dihedral(width, height, Pixels::Rgb(&rgb)).unwrap();
        assert_eq!(d.quality, want_q, "{file}: quality");
        let names = ["original", "rot90", "rot180", "rot270", "flipx", "flipy", "flip_plus1", "flip_minus1"];
        for ((got, want), name) in d.hashes().iter().zip(&want).zip(names) {
            assert_eq!(got, want, "{file}: {name} (distance {})", got.distance(want));
            assert_real_hash(want, &format!("{file} expected {name}"));
            assert_real_hash(got, &format!("{file} {name}"));
        }

        let plain = pdq::hash_pixels(width, height, Pixels::Rgb(&rgb)).unwrap();
        assert_eq!((plain.hash, plain.quality), (want[0], want_q), "{file}: hash_pixels");
    }
}

struct FileRow {
    file: String,
    quality: u8,
    fullres: Hash256,
    cli512: Option<Hash256>,
}

fn file_rows() -> Vec<FileRow> {
    rows("expected-files.tsv")
        .into_iter()
        .map(|r| FileRow {
            file: r[0].clone(),
            quality: r[3].parse().unwrap(),
            fullres: hex(&r[4]),
            cli512: (r[5] != "-").then(|| hex(&r[5])),
        })
        .collect()
}

#[test]
fn files_match_the_reference() {
    let dir = testdata();
    let (mut png, mut jpeg_exact, mut jpeg_near, mut cli_exact, mut cli_near, mut cli_skipped) =
        (0, 0, 0, 0, 0, Vec::new());
    let mut worst = Vec::new();
    for row in file_rows() {
        let bytes = read(&dir.join(&row.file));
        let got =
            hash_image(&bytes, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", row.file));
        assert_real_hash(&row.fullres, &format!("{} expected", row.file));
        assert_real_hash(&got.hash, &row.file);
        let dist = got.hash.distance(&row.fullres);
        if row.file.ends_with(".png") {
            assert_eq!(got.hash, row.fullres, "{}: png must be exact (distance {dist})", row.file);
            assert_eq!(got.quality, row.quality, "{}: quality", row.file);
            png += 1;
        } else {
            // Within 2 bits, whatever the quality (a near-flat picture has DCT coefficients
            // crowding the median, where any difference in the decoded pixels flips bits).
            assert!(dist <= 2, "{}: jpeg {dist} bits from the reference", row.file);
            assert!(got.quality.abs_diff(row.quality) <= 1, "{}: quality {}", row.file, got.quality);
            if dist == 0 {
                jpeg_exact += 1;
            } else {
                worst.push(format!("{} {dist}", row.file));
            }
            jpeg_near += 1;
        }

        // The C++ tool's 512x512 squash (`-`: that tool refuses the file, nothing to compare).
        match row.cli512 {
            Some(want) => {
                let opts = DecodeOptions { cli512: true, ..DecodeOptions::default() };
                let got = hash_image(&bytes, &opts).unwrap();
                assert_real_hash(&want, &format!("{} expected cli512", row.file));
                let dist = got.hash.distance(&want);
                assert!(dist <= 2, "{}: cli512 {dist} bits from the reference tool", row.file);
                cli_near += 1;
                if dist == 0 {
                    cli_exact += 1;
                }
            }
            None => cli_skipped.push(row.file.clone()),
        }
    }
    println!(
        "png exact: {png}; jpeg exact: {jpeg_exact} of {jpeg_near} (the others, file and bits: {worst:?}); \
         cli512 exact: {cli_exact} of {cli_near}; cli512 skipped (tool refuses): {cli_skipped:?}"
    );
    assert!(png >= 1 && jpeg_near >= 1 && cli_near >= 1);
}

#[test]
fn dihedral_of_files_agrees_with_plain() {
    let dir = testdata();
    for row in file_rows().iter().filter(|r| r.file.starts_with("labelme") || r.file.contains("wee")) {
        let bytes = read(&dir.join(&row.file));
        let d: Dihedral = hash_image_dihedral(&bytes, &DecodeOptions::default()).unwrap();
        let p = hash_image(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!((d.original, d.quality), (p.hash, p.quality), "{}", row.file);
    }
}

/// A PNG chunk with its CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out
}

/// A PNG that only claims its size: signature, IHDR (8-bit RGB), an empty IDAT, IEND.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &[]));
    png.extend(chunk(b"IEND", &[]));
    png
}

fn err(bytes: &[u8]) -> HashError {
    match hash_image_dihedral(bytes, &DecodeOptions::default()) {
        Ok(d) => panic!("expected an error, got a hash {}", d.original),
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.chars().next().is_some_and(|c| c.is_lowercase()), "message not lowercase: {msg}");
            assert!(!msg.ends_with('.'), "message ends with a period: {msg}");
            e
        }
    }
}

#[test]
fn errors_are_clear_and_cheap() {
    let dir = testdata();
    // Not an image at all.
    let e = err(b"definitely not an image, just some text");
    assert!(matches!(e, HashError::Unsupported { format: None, .. }), "{e}");
    assert_eq!(e.to_string(), "unsupported image format");
    let e = err(&[]);
    assert!(matches!(e, HashError::Unsupported { .. }), "{e}");

    // A known format we do not decode.
    let e = err(b"II*\x00\x08\x00\x00\x00garbage tiff");
    assert_eq!(e.to_string(), "unsupported image format: tiff", "{e:?}");

    // Recognised signatures, corrupt bodies.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0xAB; 64]);
    let e = err(&png);
    assert!(matches!(e, HashError::Corrupt { .. } | HashError::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("png"), "{e}");
    let e = err(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0x03, 0x04]);
    assert!(e.to_string().contains("jpeg"), "{e}");

    // Truncated files.
    let jpeg = read(&dir.join("labelme-subset/q2821.jpg"));
    for cut in [3, 20, 200, jpeg.len() / 8, jpeg.len() / 2, jpeg.len() - 1] {
        let e = err(&jpeg[..cut]);
        assert!(matches!(e, HashError::Truncated { .. }), "cut at {cut}: {e}");
        assert_eq!(e.to_string(), "truncated jpeg image");
    }
    let png = read(&dir.join("misc/pen-and-coaster.png"));
    for cut in [20, 100, png.len() / 2, png.len() - 13] {
        let e = err(&png[..cut]);
        assert!(matches!(e, HashError::Truncated { .. }), "cut at {cut}: {e}");
        assert_eq!(e.to_string(), "truncated png image");
    }

    // Zero size.
    let e = err(&png_claiming(0, 10));
    assert!(e.to_string().contains("png"), "{e}");
    let e = pdq::hash_pixels(10, 0, Pixels::Grey(&[])).unwrap_err();
    assert_eq!(e.to_string(), "zero-size image (10x0)");

    // Headers claiming enormous images fail before any allocation for the pixels.
    let e = err(&png_claiming(100_000, 100_000));
    assert!(matches!(e, HashError::TooManyPixels { width: 100_000, height: 100_000, .. }), "{e}");
    assert_eq!(e.to_string(), "too many pixels: 100000x100000 is over the limit of 67108864 pixels");
    let e = err(&png_claiming(u32::MAX / 4, 1));
    assert!(matches!(e, HashError::TooManyPixels { .. } | HashError::LimitExceeded { .. }), "{e}");
    // A JPEG whose frame header says 65535x65535.
    let mut big = read(&dir.join("labelme-subset/q0003.jpg"));
    let sof = big.windows(2).position(|w| w[0] == 0xFF && (w[1] == 0xC0 || w[1] == 0xC2)).unwrap();
    big[sof + 5..sof + 9].copy_from_slice(&[0xFF; 4]);
    let e = err(&big);
    assert!(matches!(e, HashError::TooManyPixels { width: 65535, height: 65535, .. }), "{e}");
    // A lower limit applies to real files too.
    let opts = DecodeOptions { max_pixels: 1000, ..DecodeOptions::default() };
    let e = hash_image(&jpeg, &opts).unwrap_err();
    assert_eq!(e.to_string(), "too many pixels: 256x256 is over the limit of 1000 pixels");
}

/// The shared test data: `shared/` beside the workspace, else `/tmp/shared` (which `.ci/run` links).
fn shared() -> std::path::PathBuf {
    let beside = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if beside.is_dir() { beside.to_path_buf() } else { std::path::PathBuf::from("/tmp/shared") }
}
