//! Unicode pre-normalisation with an offset map back to the original text.
//!
//! Indicators hide behind Unicode as much as behind brackets: full-width digits and dots typed
//! on an East-Asian keyboard (`８４４．３９０`), ideographic full stops in domains (`evil。com`),
//! zero-width spaces pasted into the middle of an address so that naive tools miss it.
//! [`normalize`] turns such text into the ASCII forms the scanners look for, and keeps for every
//! output byte the span of the original text it came from.
//!
//! The text is cut into segments, each a character followed by its combining marks, and every
//! segment is normalised on its own (NFKC); all bytes it produces map back to the segment.
//! Zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen) are removed and
//! ideographic full stops (`。`, `｡`, after NFKC also `．`) become `.`; both count as obfuscation
//! and are reported in [`Mapped::marked`].

use std::borrow::Cow;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// A replaced run: output bytes `[out, out_end)` stand for input bytes `[src, src_end)`. Bytes
/// between edits are copies, so their positions follow from the edit before them.
#[derive(Clone, Copy, Debug)]
struct Edit {
    out: u32,
    out_end: u32,
    src: u32,
    src_end: u32,
}

/// One derivation step (normalisation, refanging): its edits and the output ranges that stand
/// for obfuscated characters.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layer {
    edits: Vec<Edit>,
    marked: Vec<(usize, usize)>,
}

impl Layer {
    /// The input offset of the span starting at output offset `p`.
    fn start_of(&self, p: usize) -> usize {
        let i = self.edits.partition_point(|e| e.out as usize <= p);
        match i.checked_sub(1).map(|i| self.edits[i]) {
            None => p,
            Some(e) if p < e.out_end as usize => e.src as usize,
            Some(e) => e.src_end as usize + (p - e.out_end as usize),
        }
    }

    /// The input offset one past the span ending (exclusive) at output offset `end > 0`.
    fn end_of(&self, end: usize) -> usize {
        let last = end - 1;
        // An empty edit (a removal) exactly at `end` is after the span, not in it.
        let i = self.edits.partition_point(|e| e.out as usize <= last);
        match i.checked_sub(1).map(|i| self.edits[i]) {
            None => end,
            Some(e) if last < e.out_end as usize => e.src_end as usize,
            Some(e) => e.src_end as usize + (end - e.out_end as usize),
        }
    }
}

/// A text derived from an original one, with the map back to it.
#[derive(Clone, Debug, Default)]
pub struct Mapped<'a> {
    /// The derived text.
    pub text: Cow<'a, str>,
    /// The steps from the original to `text`, first step first.
    layers: Vec<Layer>,
}

impl<'a> Mapped<'a> {
    /// The original text, unchanged.
    pub fn identity(text: &'a str) -> Self {
        Mapped { text: Cow::Borrowed(text), layers: Vec::new() }
    }

    /// Whether the text is the original, unchanged.
    pub fn is_identity(&self) -> bool {
        self.layers.is_empty()
    }

    /// The original span of the derived span `[start, end)` (`start < end`).
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        self.layers.iter().rev().fold((start, end), |(s, e), l| (l.start_of(s), l.end_of(e)))
    }

    /// Whether any byte of `[start, end)` stands for an obfuscated character.
    pub fn is_marked(&self, start: usize, end: usize) -> bool {
        let (mut s, mut e) = (start, end);
        for l in self.layers.iter().rev() {
            if overlaps_any(&l.marked, s, e) {
                return true;
            }
            (s, e) = (l.start_of(s), l.end_of(e));
        }
        false
    }

    /// Adds a step on top of this text.
    pub(crate) fn then(self, text: String, layer: Layer) -> Mapped<'a> {
        let mut layers = self.layers;
        layers.push(layer);
        Mapped { text: Cow::Owned(text), layers }
    }
}

/// Whether `[start, end)` overlaps one of the sorted, disjoint `ranges`.
pub(crate) fn overlaps_any(ranges: &[(usize, usize)], start: usize, end: usize) -> bool {
    let i = ranges.partition_point(|&(_, e)| e <= start);
    ranges.get(i).is_some_and(|&(s, _)| s < end)
}

/// Builds a derived text and its [`Layer`] from an input text, piece by piece in input order.
#[derive(Debug)]
pub(crate) struct Builder {
    text: String,
    layer: Layer,
    /// The input offset the next copied byte comes from, if nothing was skipped.
    src: usize,
}

impl Builder {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Builder { text: String::with_capacity(n), layer: Layer::default(), src: 0 }
    }

    /// Appends `s` in place of the input span `[start, end)`.
    pub(crate) fn push(&mut self, s: &str, start: usize, end: usize, marked: bool) {
        self.sync(start);
        let at = self.text.len();
        self.text.push_str(s);
        self.layer.edits.push(Edit {
            out: at as u32,
            out_end: self.text.len() as u32,
            src: start as u32,
            src_end: end as u32,
        });
        self.src = end;
        if marked && !s.is_empty() {
            self.mark(at, self.text.len());
        }
    }

    /// Appends `s`, copied unchanged from the input at `start`.
    pub(crate) fn push_verbatim(&mut self, s: &str, start: usize) {
        self.sync(start);
        self.text.push_str(s);
        self.src = start + s.len();
    }

    /// Records a jump in the input (bytes dropped without an edit) as an empty edit.
    fn sync(&mut self, start: usize) {
        if start != self.src {
            let at = self.text.len() as u32;
            self.layer.edits.push(Edit { out: at, out_end: at, src: self.src as u32, src_end: start as u32 });
            self.src = start;
        }
    }

    /// Marks the output bytes `[start, end)` as obfuscated (calls in increasing order).
    pub(crate) fn mark(&mut self, start: usize, end: usize) {
        match self.layer.marked.last_mut() {
            Some(last) if last.1 >= start => last.1 = last.1.max(end),
            _ => self.layer.marked.push((start, end)),
        }
    }

    pub(crate) fn last_byte(&self) -> Option<u8> {
        self.text.as_bytes().last().copied()
    }

    /// The text and its layer, on top of `input`.
    pub(crate) fn finish<'a>(self, input: Mapped<'a>) -> Mapped<'a> {
        input.then(self.text, self.layer)
    }

    /// The text and its layer, to stack on the input with [`Mapped::then`] once it is free.
    pub(crate) fn into_parts(self) -> (String, Layer) {
        (self.text, self.layer)
    }

    /// Records that an invisible character was dropped here: the bytes on either side of the
    /// gap count as obfuscated, so an indicator spanning it is reported as defanged.
    fn marked_gap(&mut self) {
        let n = self.text.len();
        self.mark(n.saturating_sub(1), n + 1);
    }
}

/// Characters removed outright: they are invisible and only ever split an indicator.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}')
}

/// Dashes that stand for `-` in a phone number (NFKC keeps them as they are).
fn is_dash(c: char) -> bool {
    matches!(c, '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}')
}

/// Long-vowel marks that Japanese writers use as a dash between digits (`０９０ー６２１８`).
fn is_digit_dash(c: char) -> bool {
    matches!(c, '\u{30FC}' | '\u{FF70}')
}

/// Ideographic full stops (and their NFKC forms) that stand for `.` in an address.
fn is_ideographic_dot(c: char) -> bool {
    matches!(c, '\u{3002}' | '\u{FF61}' | '\u{FF0E}')
}

/// Whether `c` is changed by [`normalize`] whatever surrounds it.
fn is_special(c: char) -> bool {
    is_invisible(c) || is_ideographic_dot(c) || is_dash(c) || is_digit_dash(c)
}

/// Normalises `text` for scanning. Text that needs nothing (all ASCII, say) is returned as it
/// is, without copying; otherwise only changed segments are recorded in the map.
///
/// Offsets are kept as `u32`: texts must be shorter than 4 GiB (the extractor cuts longer
/// texts into pieces first).
pub fn normalize(text: &str) -> Mapped<'_> {
    if text.is_ascii() || (is_nfkc_quick(text.chars()) == IsNormalized::Yes && !text.chars().any(is_special))
    {
        return Mapped::identity(text);
    }
    let mut b = Builder::with_capacity(text.len() + text.len() / 8);
    let mut rest = text;
    let mut at = 0;
    // Copy ASCII runs verbatim; normalise each non-ASCII segment on its own.
    while !rest.is_empty() {
        let mut ascii = rest.bytes().position(|c| !c.is_ascii()).unwrap_or(rest.len());
        // An ASCII letter followed by a combining mark belongs to the mark's segment.
        if ascii > 0 && rest[ascii..].chars().next().is_some_and(|c| canonical_combining_class(c) != 0) {
            ascii -= 1;
        }
        if ascii > 0 {
            b.push_verbatim(&rest[..ascii], at);
            rest = &rest[ascii..];
            at += ascii;
            continue;
        }
        // One segment: a character and the combining marks after it.
        let mut chars = rest.char_indices();
        let (_, first) = chars.next().expect("non-empty");
        let len = chars.find(|&(_, c)| canonical_combining_class(c) == 0).map_or(rest.len(), |(i, _)| i);
        let segment = &rest[..len];
        let (start, end) = (at, at + len);
        let single = len == first.len_utf8();
        if is_invisible(first) && single {
            b.push("", start, end, false);
            b.marked_gap();
        } else if is_ideographic_dot(first) && single {
            b.push(".", start, end, true);
        } else if single
            && (is_dash(first)
                || (is_digit_dash(first)
                    && b.last_byte().is_some_and(|c| c.is_ascii_digit())
                    && rest[len..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c))))
        {
            b.push("-", start, end, false);
        } else if is_nfkc_quick(segment.chars()) == IsNormalized::Yes && !segment.chars().any(is_special) {
            b.push_verbatim(segment, start);
        } else {
            let mut buf = [0u8; 4];
            let mut out = String::new();
            for c in segment.nfkc() {
                if is_invisible(c) {
                    continue;
                }
                out.push_str(if is_ideographic_dot(c) { "." } else { c.encode_utf8(&mut buf) });
            }
            b.push(&out, start, end, false);
        }
        rest = &rest[len..];
        at = end;
    }
    b.finish(Mapped::identity(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orig<'a>(m: &Mapped<'_>, text: &'a str, needle: &str) -> &'a str {
        let s = m.text.find(needle).expect("needle");
        let (a, b) = m.original_span(s, s + needle.len());
        &text[a..b]
    }

    #[test]
    fn ascii_is_borrowed() {
        let m = normalize("call 844-390-5364 now");
        assert!(m.is_identity());
        assert_eq!(m.original_span(5, 17), (5, 17));
    }

    #[test]
    fn full_width_and_ideographic_dots() {
        let text = "電話 ８４４．３９０ and evil。com or bad｡net";
        let m = normalize(text);
        assert!(m.text.contains("844.390"), "{}", m.text);
        assert!(m.text.contains("evil.com"));
        assert!(m.text.contains("bad.net"));
        assert_eq!(orig(&m, text, "844.390"), "８４４．３９０");
        assert_eq!(orig(&m, text, "evil.com"), "evil。com");
        let s = m.text.find("evil.com").unwrap();
        assert!(m.is_marked(s, s + 8));
        let s = m.text.find("844").unwrap();
        assert!(!m.is_marked(s, s + 3), "full-width digits are not obfuscation");
    }

    #[test]
    fn zero_width_removed_and_marked() {
        let text = "go to ev\u{200B}il.com\u{200D} now";
        let m = normalize(text);
        assert_eq!(m.text, "go to evil.com now");
        assert_eq!(orig(&m, text, "evil.com"), "ev\u{200B}il.com");
        let s = m.text.find("evil.com").unwrap();
        assert!(m.is_marked(s, s + 8));
        assert!(!m.is_marked(0, 5));
    }

    #[test]
    fn combining_marks_compose() {
        let text = "cafe\u{0301}.fr";
        let m = normalize(text);
        assert_eq!(m.text, "café.fr");
        assert_eq!(orig(&m, text, "café.fr"), text);
    }
}
