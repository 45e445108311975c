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

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// A text derived from an original one, with the original span of every byte.
#[derive(Clone, Debug, Default)]
pub struct Mapped<'a> {
    /// The derived text.
    pub text: Cow<'a, str>,
    /// For every byte of `text`, the original span `[start, end)` it came from; empty when the
    /// text is the original, unchanged.
    pub(crate) starts: Vec<u32>,
    pub(crate) ends: Vec<u32>,
    /// Byte ranges of `text` that stand for obfuscated characters (sorted, disjoint).
    pub marked: Vec<(usize, usize)>,
}

impl<'a> Mapped<'a> {
    /// The original text, unchanged.
    pub fn identity(text: &'a str) -> Self {
        Mapped { text: Cow::Borrowed(text), starts: Vec::new(), ends: Vec::new(), marked: Vec::new() }
    }

    /// Whether the text is the original, unchanged.
    pub fn is_identity(&self) -> bool {
        matches!(self.text, Cow::Borrowed(_)) && self.starts.is_empty()
    }

    /// The original span of the derived span `[start, end)` (`start < end`).
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        if self.starts.is_empty() {
            (start, end)
        } else {
            (self.starts[start] as usize, self.ends[end - 1] as usize)
        }
    }

    /// Whether any byte of `[start, end)` stands for an obfuscated character.
    pub fn is_marked(&self, start: usize, end: usize) -> bool {
        overlaps_any(&self.marked, start, end)
    }
}

/// Whether `[start, end)` overlaps one of the sorted, disjoint `ranges`.
pub(crate) fn overlaps_any(ranges: &[(usize, usize)], start: usize, end: usize) -> bool {
    let i = ranges.partition_point(|&(_, e)| e <= start);
    ranges.get(i).is_some_and(|&(s, _)| s < end)
}

/// Builds a [`Mapped`] text byte by byte.
#[derive(Debug)]
pub(crate) struct Builder {
    text: String,
    starts: Vec<u32>,
    ends: Vec<u32>,
    marked: Vec<(usize, usize)>,
}

impl Builder {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Builder {
            text: String::with_capacity(n),
            starts: Vec::with_capacity(n),
            ends: Vec::with_capacity(n),
            marked: Vec::new(),
        }
    }

    /// Appends `s`, every byte of which came from the original span `[start, end)`.
    pub(crate) fn push(&mut self, s: &str, start: usize, end: usize, marked: bool) {
        if s.is_empty() {
            return;
        }
        let at = self.text.len();
        self.text.push_str(s);
        self.starts.resize(self.text.len(), start as u32);
        self.ends.resize(self.text.len(), end as u32);
        if marked {
            self.mark(at, self.text.len());
        }
    }

    /// Appends `s` copied unchanged from the original at `start`, byte for byte.
    pub(crate) fn push_verbatim(&mut self, s: &str, start: usize) {
        self.text.push_str(s);
        self.starts.extend((start..start + s.len()).map(|i| i as u32));
        self.ends.extend((start + 1..=start + s.len()).map(|i| i as u32));
    }

    /// Appends `s` whose bytes map to the given original spans.
    pub(crate) fn push_raw(&mut self, s: &str, starts: &[u32], ends: &[u32]) {
        self.text.push_str(s);
        self.starts.extend_from_slice(starts);
        self.ends.extend_from_slice(ends);
    }

    /// Marks the output bytes `[start, end)` as obfuscated (calls in increasing order).
    pub(crate) fn mark(&mut self, start: usize, end: usize) {
        match self.marked.last_mut() {
            Some(last) if last.1 >= start => last.1 = last.1.max(end),
            _ => self.marked.push((start, end)),
        }
    }

    pub(crate) fn last_byte(&self) -> Option<u8> {
        self.text.as_bytes().last().copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    pub(crate) fn finish<'a>(self) -> Mapped<'a> {
        Mapped { text: Cow::Owned(self.text), starts: self.starts, ends: self.ends, marked: self.marked }
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

/// Normalises `text` for scanning. ASCII text is returned as it is, without copying.
///
/// Offsets are kept as `u32`: texts must be shorter than 4 GiB (the extractor cuts longer
/// texts into pieces first).
pub fn normalize(text: &str) -> Mapped<'_> {
    if text.is_ascii() {
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
        if is_invisible(first) && len == first.len_utf8() {
            b.marked_gap();
        } else if is_ideographic_dot(first) && len == first.len_utf8() {
            b.push(".", start, end, true);
        } else if len == first.len_utf8()
            && (is_dash(first)
                || (is_digit_dash(first)
                    && b.last_byte().is_some_and(|c| c.is_ascii_digit())
                    && rest[len..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c))))
        {
            b.push("-", start, end, false);
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
    b.finish()
}

impl Builder {
    /// Records that an invisible character was dropped here: the bytes on either side of the
    /// gap count as obfuscated, so an indicator spanning it is reported as defanged.
    fn marked_gap(&mut self) {
        let n = self.text.len();
        self.mark(n.saturating_sub(1), n + 1);
    }
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
