//! Image decoding and PDQ hashing over arbitrary bytes: it never panics, never allocates past the
//! pixel budget, and whatever it hashes is a well-formed result (quality 0..=100, at most 128 bits
//! set in each of the eight hashes, the all-zero hash only with quality 0 or a degenerate picture).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pdq::{DecodeOptions, hash_image, hash_image_dihedral};

fuzz_target!(|data: &[u8]| {
    // A small pixel budget keeps runs fast and exercises the limit paths; the last byte picks the
    // C++ tool's 512x512 squash now and then.
    let opts = DecodeOptions { max_pixels: 1 << 20, cli512: data.last().is_some_and(|b| b & 1 == 1) };
    if let Ok(d) = hash_image_dihedral(data, &opts) {
        assert!(d.quality <= 100);
        for h in d.hashes() {
            assert!(h.popcount() <= 128, "{h}");
        }
        let plain = hash_image(data, &opts).expect("decodes once, decodes twice");
        assert_eq!(plain.quality, d.quality);
    }
});
