//! The Server-Sent Events reader federation pullers and `dragnet tail` use on a peer's stream
//! (`server::sse::SseParser`, included from the server crate's source so that the fuzz build
//! does not need the server's dependencies), over arbitrary bytes cut into arbitrary chunks.
//!
//! Properties: no panic; the frames do not depend on how the stream is cut (byte by byte, in the
//! fuzzer's chunks, or all at once); no frame field holds a line break (CR or LF) except `data`,
//! whose lines are the `data:` lines.
#![no_main]

#[path = "../../crates/server/src/sse.rs"]
#[allow(dead_code)]
mod sse;

use libfuzzer_sys::fuzz_target;
use sse::{Frame, SseParser};

fn all(chunks: impl IntoIterator<Item = Vec<u8>>) -> Vec<Frame> {
    let mut p = SseParser::default();
    chunks.into_iter().flat_map(|c| p.push(&c)).collect()
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size for the third reading.
    let Some((&cut, stream)) = data.split_first() else { return };
    let whole = all([stream.to_vec()]);
    let bytes = all(stream.iter().map(|b| vec![*b]));
    let chunked = all(stream.chunks(usize::from(cut).max(1)).map(<[u8]>::to_vec));
    assert_eq!(whole, bytes, "frames do not depend on chunking");
    assert_eq!(whole, chunked, "frames do not depend on chunking");
    for f in &whole {
        for s in f.id.iter().chain(&f.event) {
            assert!(!s.contains(['\n', '\r']), "{f:?}");
        }
    }
});
