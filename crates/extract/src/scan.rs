//! Candidate scanning, validation and overlap resolution.
//!
//! Each kind has a scanner: a regular expression that finds candidates cheaply, boundary and
//! context checks that throw out the shapes that only look like indicators, and the model
//! crate's canonicaliser, which has the last word (checksums, libphonenumber validity, real
//! top-level domains, special-purpose address ranges). Scanners run in a fixed order and a
//! candidate that overlaps an accepted one is dropped:
//!
//! 1. Telegram links (`t.me/name`), reported as the handle, not as a URL;
//! 2. URLs;
//! 3. e-mail addresses;
//! 4. remote-access ids next to the tool's name;
//! 5. IBANs;
//! 6. wallets (Ethereum, Tron, Bech32, Base58) and hashes (`pdq` when the text says so), in one
//!    pass over runs of letters and digits;
//! 7. IPv6 and 8. IPv4 addresses;
//! 9. phone numbers;
//! 10. domains (or URLs without a scheme, `host/path`);
//! 11. bare `@handles` the text calls Telegram accounts.
//!
//! A URL or e-mail address is reported whole: the host or address inside it is not reported
//! again. Hashes and wallets are reported wherever they are, inside URLs too.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use model::observable::{CanonicalizeOptions, IBAN_LENGTHS, canonicalize, iban_length, remote_access_tool};
use model::{Canonical, Flag, ObservableKind};
use regex::Regex;
use serde::Serialize;

use crate::WarningLists;
use crate::normalize::{Mapped, normalize};
use crate::refang::refang;

/// Options for extraction.
#[derive(Clone, Debug, Default)]
pub struct ExtractOptions {
    /// ISO 3166-1 alpha-2 region used to read phone numbers written without a country code.
    pub default_region: Option<String>,
}

/// One indicator found in a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub kind: ObservableKind,
    /// The canonical value, as [`model::observable::canonicalize`] gives it.
    pub value: String,
    /// Byte offset of the first byte of the span in the original text.
    pub start: usize,
    /// Byte offset one past the last byte of the span in the original text.
    pub end: usize,
    /// The span as written in the original text.
    pub raw: String,
    /// Whether the span was written in a defanged or obfuscated form.
    pub defanged: bool,
    /// Facts about the value (`ip-host` for a URL on an IP address).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub flags: Vec<Flag>,
    /// Names of the warning lists the value is on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warninglists: Vec<String>,
}

/// Texts longer than this are cut (at a line break where possible) and scanned piece by piece,
/// so offsets fit in `u32` and memory stays bounded.
const PIECE: usize = 64 << 20;

/// Extracts findings from text. Build once, use from any thread.
#[derive(Debug)]
pub struct Extractor {
    canon: CanonicalizeOptions,
    lists: WarningLists,
}

impl Extractor {
    pub fn new(options: ExtractOptions, lists: WarningLists) -> Self {
        LazyLock::force(&RE);
        Extractor { canon: CanonicalizeOptions { default_region: options.default_region }, lists }
    }

    /// The warning lists findings are checked against.
    pub fn warninglists(&self) -> &WarningLists {
        &self.lists
    }

    /// Every indicator in `text`, in order of position. Never fails: a malformed candidate is
    /// skipped.
    pub fn extract(&self, text: &str) -> Vec<Finding> {
        self.extract_with(text, &self.canon)
    }

    /// As [`Extractor::extract`], reading national phone numbers in `region` rather than the
    /// extractor's default region.
    pub fn extract_in_region(&self, text: &str, region: Option<&str>) -> Vec<Finding> {
        self.extract_with(text, &CanonicalizeOptions { default_region: region.map(str::to_owned) })
    }

    fn extract_with(&self, text: &str, canon: &CanonicalizeOptions) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < text.len() {
            let mut end = (at + PIECE).min(text.len());
            if end < text.len() {
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                if let Some(nl) = text[at..end].rfind('\n').filter(|&nl| nl > PIECE / 2) {
                    end = at + nl + 1;
                }
            }
            self.extract_piece(&text[at..end], at, canon, &mut out);
            at = end;
        }
        out
    }

    fn extract_piece(&self, text: &str, offset: usize, canon: &CanonicalizeOptions, out: &mut Vec<Finding>) {
        let mapped = refang(normalize(text));
        let mut scan = Scan { t: &mapped.text, b: mapped.text.as_bytes(), canon, acc: Acc::default() };
        scan.telegram_links();
        scan.urls();
        scan.emails();
        scan.remote_access();
        scan.ibans();
        scan.tokens();
        scan.ipv6();
        scan.ipv4();
        scan.phones();
        scan.domains();
        scan.telegram_handles();
        let mut found = scan.acc.found;
        found.sort_by_key(|c| (c.start, std::cmp::Reverse(c.end)));
        out.extend(found.into_iter().map(|c| self.finding(text, offset, &mapped, c)));
    }

    fn finding(&self, text: &str, offset: usize, mapped: &Mapped<'_>, c: Cand) -> Finding {
        let (start, end) = mapped.original_span(c.start, c.end);
        let warninglists = self.lists.hits(c.kind, &c.value).into_iter().map(str::to_owned).collect();
        Finding {
            kind: c.kind,
            defanged: c.obfuscated || mapped.is_marked(c.start, c.end),
            value: c.value,
            start: offset + start,
            end: offset + end,
            raw: text[start..end].to_owned(),
            flags: c.flags,
            warninglists,
        }
    }
}

/// An accepted candidate, with its span in the scanned (normalised, refanged) text.
#[derive(Debug)]
struct Cand {
    kind: ObservableKind,
    start: usize,
    end: usize,
    value: String,
    flags: Vec<Flag>,
    /// Obfuscated in a way the scanner saw itself (phone digits in brackets, one by one).
    obfuscated: bool,
}

/// Accepted spans: URLs apart (hashes and wallets may sit inside them), everything else in
/// `taken` (disjoint spans).
#[derive(Debug, Default)]
struct Acc {
    urls: BTreeMap<usize, usize>,
    taken: BTreeMap<usize, usize>,
    found: Vec<Cand>,
}

fn overlaps(spans: &BTreeMap<usize, usize>, start: usize, end: usize) -> bool {
    spans.range(..end).next_back().is_some_and(|(_, &e)| e > start)
}

/// Where a kind may sit relative to what was accepted before it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nest {
    /// Anywhere not already taken, inside URLs included (hashes, wallets).
    InUrls,
    /// Only outside URLs and taken spans.
    Outside,
}

struct Scan<'t> {
    t: &'t str,
    b: &'t [u8],
    canon: &'t CanonicalizeOptions,
    acc: Acc,
}

struct Patterns {
    telegram_link: Regex,
    url: Regex,
    email: Regex,
    rat_tool: Regex,
    rat_id: Regex,
    iban: Regex,
    ipv6: Regex,
    ipv4: Regex,
    phone: Regex,
    domain: Regex,
    handle: Regex,
}

static RE: LazyLock<Patterns> = LazyLock::new(|| {
    let re = |p: &str| Regex::new(p).expect("extraction pattern");
    Patterns {
        // The scheme and `www.` are added by hand: an optional prefix would cost the pattern its
        // literal prefilter (`t.me/`).
        telegram_link: re(r"(?i)(?:t|telegram)\.(?:me|dog)/(?:s/)?[a-z0-9_]{4,32}"),
        url: re(
            r#"(?i)(?:(?:https?|ftps?)://|www\.)[^\s<>"'`|\\^{}\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u{3000}-\u{303F}\u{FF00}-\u{FFEF}]+"#,
        ),
        email: re(r"(?i)[a-z0-9._%+\-]+@[\p{L}\p{M}0-9\-]+(?:\.[\p{L}\p{M}0-9\-]+)+"),
        rat_tool: re(r"(?i)any[ \-]?desk|team[ \-]?viewer|rust[ \-]?desk|ultra[ \-]?viewer|supremo"),
        rat_id: re(r"\d{3}[ \-]\d{3}[ \-]\d{3}|\d[ \-]\d{3}[ \-]\d{3}[ \-]\d{3}|\d{9,10}|\d(?: \d){8,9}"),
        // The registry's country codes as literals give the pattern a prefilter.
        iban: re(&format!(
            r"(?i)(?:{})\d{{2}}(?:[ \-]?[A-Za-z0-9]){{10,}}",
            IBAN_LENGTHS.iter().map(|(cc, _)| *cc).collect::<Vec<_>>().join("|")
        )),
        ipv6: re(r"(?i)[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f:.]*"),
        ipv4: re(r"(?:\d{1,3}\.){3}\d{1,3}"),
        phone: re(r"(?:\+[ \t]?)?(?:[(\[{][ \t]?)?\d(?:[ \t\-.()\[\]{}/]{0,8}\d){5,40}"),
        // No counted repetitions: with Unicode classes they blow the lazy DFA up (5 MB/s instead
        // of 330); label lengths and hyphens are the canonicaliser's to check.
        domain: re(r"(?i)(?:[\p{L}\p{M}0-9_][\p{L}\p{M}0-9_\-]*\.)+\p{L}[\p{L}\p{M}0-9\-]+"),
        handle: re(r"@[A-Za-z][A-Za-z0-9_]{3,31}"),
    }
});

fn is_base58(c: u8) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c, b'0' | b'O' | b'I' | b'l')
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

impl<'t> Scan<'t> {
    fn before(&self, i: usize) -> Option<u8> {
        i.checked_sub(1).map(|i| self.b[i])
    }

    fn after(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    /// Lowercased text of up to `n` bytes before `i` (on character boundaries).
    fn window_before(&self, i: usize, n: usize) -> String {
        let mut s = i.saturating_sub(n);
        while !self.t.is_char_boundary(s) {
            s += 1;
        }
        self.t[s..i].to_lowercase()
    }

    /// Where the sentence (or line) holding `i` starts, looking back at most `n` bytes.
    fn sentence_start(&self, i: usize, n: usize) -> usize {
        let from = self.ceil(i.saturating_sub(n));
        let w = &self.t[from..i];
        let full_stop = w.match_indices(". ").map(|(j, _)| j).filter(|&j| !is_abbreviation(&w[..j])).last();
        let cut = [w.rfind('\n'), full_stop, w.rfind("! "), w.rfind("? ")].into_iter().flatten().max();
        cut.map_or(from, |c| from + c + 1)
    }

    /// Where the sentence (or line) holding `i` ends, looking ahead at most `n` bytes.
    fn sentence_end(&self, i: usize, n: usize) -> usize {
        let i = self.ceil(i.min(self.t.len()));
        let to = self.floor(i + n);
        let w = &self.t[i..to];
        let full_stop = w.match_indices(". ").map(|(j, _)| j).find(|&j| !is_abbreviation(&w[..j]));
        let cut = [w.find('\n'), full_stop, w.find("! "), w.find("? ")].into_iter().flatten().min();
        cut.map_or(to, |c| i + c)
    }

    /// The sentence before `i` (at most `n` bytes), lowercased.
    fn sentence_before(&self, i: usize, n: usize) -> String {
        self.t[self.sentence_start(i, n)..i].to_lowercase()
    }

    /// The rest of the sentence after `i` (at most `n` bytes), lowercased.
    fn sentence_after(&self, i: usize, n: usize) -> String {
        self.t[i..self.sentence_end(i, n)].to_lowercase()
    }

    /// Up to `n` words (letters only) before `i` in its sentence, nearest first, lowercased
    /// (borrowed when already lowercase: this runs for every candidate number).
    fn words_before(&self, i: usize, n: usize) -> Vec<Cow<'t, str>> {
        let t: &'t str = self.t;
        t[self.sentence_start(i, 64)..i]
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .rev()
            .take(n)
            .map(|w| {
                if w.chars().all(|c| !c.is_uppercase()) {
                    Cow::Borrowed(w)
                } else {
                    Cow::Owned(w.to_lowercase())
                }
            })
            .collect()
    }

    /// Whether the nearest of the last few words before `i` makes a number a reference (case,
    /// order, account…) rather than what it looks like; a word starting with one of `but` nearer
    /// wins.
    fn is_reference(&self, i: usize, but: &[&str]) -> bool {
        is_reference(&self.words_before(i, 3), but)
    }

    /// Whether a span would overlap what was accepted before it.
    fn blocked(&self, start: usize, end: usize, nest: Nest) -> bool {
        overlaps(&self.acc.taken, start, end)
            || (nest == Nest::Outside && overlaps(&self.acc.urls, start, end))
    }

    fn canon(&self, kind: ObservableKind, raw: &str) -> Option<Canonical> {
        canonicalize(kind, raw, self.canon).ok()
    }

    /// Accepts a validated candidate unless it overlaps what was accepted before it.
    fn accept(&mut self, c: Canonical, start: usize, end: usize, nest: Nest, obfuscated: bool) -> bool {
        if overlaps(&self.acc.taken, start, end)
            || (nest == Nest::Outside && overlaps(&self.acc.urls, start, end))
        {
            return false;
        }
        let kind = c.observable.kind;
        if kind == ObservableKind::Url {
            self.acc.urls.insert(start, end);
        } else {
            self.acc.taken.insert(start, end);
        }
        self.acc.found.push(Cand { kind, start, end, value: c.observable.value, flags: c.flags, obfuscated });
        true
    }

    fn telegram_links(&mut self) {
        let hits: Vec<(usize, usize)> =
            RE.telegram_link.find_iter(self.t).map(|m| (m.start(), m.end())).collect();
        for (mut s, e) in hits {
            let ends_ci = |s: usize, suffix: &str| {
                s >= suffix.len() && self.b[s - suffix.len()..s].eq_ignore_ascii_case(suffix.as_bytes())
            };
            if ends_ci(s, "www.") {
                s -= 4;
            }
            if let Some(scheme) = ["https://", "http://"].into_iter().find(|p| ends_ci(s, p)) {
                s -= scheme.len();
            }
            if self.before(s).is_some_and(|c| is_word(c) || c == b'.' || c == b'-')
                || self.after(e).is_some_and(|c| is_word(c) || c == b'_')
            {
                continue;
            }
            if let Some(c) = self.canon(ObservableKind::Telegram, &self.t[s..e]) {
                self.accept(c, s, e, Nest::Outside, false);
            }
        }
    }

    fn urls(&mut self) {
        for m in RE.url.find_iter(self.t) {
            if self.before(m.start()).is_some_and(is_word) {
                continue;
            }
            let end = m.start() + trim_url(m.as_str());
            self.try_url(m.start(), end);
        }
    }

    /// Validates `t[start..end]` as a URL (scheme optional) and accepts it; private and
    /// reserved hosts are not indicators.
    fn try_url(&mut self, start: usize, end: usize) -> bool {
        if end <= start || overlaps(&self.acc.taken, start, end) {
            return false;
        }
        match self.canon(ObservableKind::Url, &self.t[start..end]) {
            Some(c) if !c.flags.iter().any(|f| is_special(*f)) => {
                self.accept(c, start, end, Nest::Outside, false)
            }
            _ => false,
        }
    }

    fn emails(&mut self) {
        for m in RE.email.find_iter(self.t) {
            let s = m.as_str();
            let start = m.start() + (s.len() - s.trim_start_matches('.').len());
            let end = m.start() + s.trim_end_matches(['.', '-']).len();
            if self.after(end).is_some_and(|c| is_word(c) || c == b'@') {
                continue;
            }
            if let Some(c) = self.canon(ObservableKind::Email, &self.t[start..end]) {
                self.accept(c, start, end, Nest::Outside, false);
            }
        }
    }

    fn remote_access(&mut self) {
        let mentions: Vec<(usize, usize)> = RE
            .rat_tool
            .find_iter(self.t)
            .filter(|m| {
                // Not inside a word or a file name (`Supremo_log.txt`, `AnyDesk.exe`).
                let file_name =
                    self.after(m.end()) == Some(b'.') && self.after(m.end() + 1).is_some_and(is_word);
                !self.before(m.start()).is_some_and(|c| is_word(c) || c == b'_')
                    && !self.after(m.end()).is_some_and(|c| is_word(c) || c == b'_')
                    && !file_name
            })
            .map(|m| (m.start(), m.end()))
            .collect();
        for (i, &(ms, me)) in mentions.iter().enumerate() {
            let Some(tool) = remote_access_tool(&self.t[ms..me]) else { continue };
            // Ids after the name in its sentence, then in the next one (`Install AnyDesk. The ID
            // is 123 456 789.`) unless that sentence denies something; up to the next mention.
            // Failing those, the nearest id before the name in its sentence.
            let next_mention = mentions.get(i + 1).map_or(self.t.len(), |m| m.0);
            let own_end = self.sentence_end(me, 160).min(next_mention);
            let next_end = self.sentence_end(own_end + 1, 120).min(next_mention).max(own_end);
            let mut found = false;
            for (s, e) in self.rat_ids(me, own_end) {
                found |= self.accept_rat(tool, s, e);
            }
            if !found && !has_negation(&self.t[own_end..next_end]) {
                for (s, e) in self.rat_ids(own_end, next_end) {
                    found |= self.accept_rat(tool, s, e);
                }
            }
            if !found {
                let from = self.sentence_start(ms, 60).max(i.checked_sub(1).map_or(0, |j| mentions[j].1));
                // `… 731958204 is not an AnyDesk id` names the tool to deny it.
                if let Some((s, e)) = self.rat_ids(from, ms).pop()
                    && !has_negation(&self.t[e..ms])
                {
                    self.accept_rat(tool, s, e);
                }
            }
        }
    }

    fn floor(&self, mut i: usize) -> usize {
        i = i.min(self.t.len());
        while !self.t.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    fn ceil(&self, mut i: usize) -> usize {
        while !self.t.is_char_boundary(i) {
            i += 1;
        }
        i
    }

    /// Id-shaped numbers in `t[from..to]` that are not part of a longer number or a phone.
    fn rat_ids(&self, from: usize, to: usize) -> Vec<(usize, usize)> {
        let hay = &self.t[..to];
        let mut ids = Vec::new();
        let mut at = from;
        while let Some(m) = RE.rat_id.find_at(hay, at) {
            at = m.end();
            let before = self.before(m.start());
            let after = &self.b[m.end()..];
            let continues = after.first().is_some_and(|c| is_word(*c))
                || (after.len() >= 2 && matches!(after[0], b' ' | b'-' | b'.') && after[1].is_ascii_digit());
            if before.is_some_and(|c| is_word(c) || matches!(c, b'+' | b'-' | b'.'))
                || continues
                || self.is_reference(m.start(), &["id", "desk", "viewer", "supremo"])
            {
                continue;
            }
            ids.push((m.start(), m.end()));
        }
        ids
    }

    fn accept_rat(&mut self, tool: &str, start: usize, end: usize) -> bool {
        let raw = format!("{tool}:{}", &self.t[start..end]);
        match self.canon(ObservableKind::RemoteAccess, &raw) {
            Some(c) => self.accept(c, start, end, Nest::Outside, false),
            None => false,
        }
    }

    fn ibans(&mut self) {
        let mut at = 0;
        while let Some(m) = RE.iban.find_at(self.t, at) {
            at = m.start() + 4;
            if self.before(m.start()).is_some_and(is_word) {
                continue;
            }
            let Some(len) = iban_length(&m.as_str()[..2].to_ascii_uppercase()) else { continue };
            // Take exactly the country's length of characters, single spaces or hyphens between.
            let s = m.as_str().as_bytes();
            let (mut n, mut i) = (0, 0);
            while i < s.len() && n < len {
                if s[i].is_ascii_alphanumeric() {
                    n += 1;
                } else if i + 1 >= s.len() || !s[i + 1].is_ascii_alphanumeric() {
                    break;
                }
                i += 1;
            }
            let end = m.start() + i;
            if n != len || self.after(end).is_some_and(is_word) {
                continue;
            }
            if let Some(c) = self.canon(ObservableKind::Iban, &self.t[m.start()..end])
                && self.accept(c, m.start(), end, Nest::Outside, false)
            {
                at = end;
            }
        }
    }

    /// Wallets (Ethereum, Tron, Bech32, Base58) and hashes: all are whole runs of ASCII letters
    /// and digits, so one pass over the runs finds them, faster than a pattern per kind.
    fn tokens(&mut self) {
        let (b, n) = (self.b, self.b.len());
        let mut runs = Vec::new();
        let mut i = 0;
        while i < n {
            if !b[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let s = i;
            while i < n && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            // The shortest wallet is a 26-character Base58 address.
            if i - s >= 26 && self.before(s) != Some(b'_') && self.after(i) != Some(b'_') {
                runs.push((s, i));
            }
        }
        for (s, e) in runs {
            let run = &b[s..e];
            let hex = |r: &[u8]| r.iter().all(u8::is_ascii_hexdigit);
            let kinds: &[ObservableKind] = match run {
                [b'0', b'x' | b'X', rest @ ..] if rest.len() == 40 && hex(rest) => &[ObservableKind::Eth],
                [b'4', b'1', rest @ ..] if rest.len() == 40 && hex(rest) => &[ObservableKind::Trx],
                _ if hex(run) => match run.len() {
                    32 => &[ObservableKind::Md5],
                    40 => &[ObservableKind::Sha1],
                    64 if self.says_pdq(s) => &[ObservableKind::Pdq],
                    64 => &[ObservableKind::Sha256],
                    _ => continue,
                },
                _ if run[..3].eq_ignore_ascii_case(b"bc1") => &[ObservableKind::Btc],
                _ if run[..4].eq_ignore_ascii_case(b"ltc1") => &[ObservableKind::Ltc],
                [first, ..] if (26..=35).contains(&run.len()) && run.iter().all(|&c| is_base58(c)) => {
                    match first {
                        b'1' => &[ObservableKind::Btc],
                        b'3' => &[ObservableKind::Btc, ObservableKind::Ltc],
                        b'L' | b'M' => &[ObservableKind::Ltc],
                        b'T' => &[ObservableKind::Trx],
                        _ => continue,
                    }
                }
                _ => continue,
            };
            if self.blocked(s, e, Nest::InUrls) {
                continue;
            }
            if let Some(c) = kinds.iter().find_map(|&k| self.canon(k, &self.t[s..e])) {
                self.accept(c, s, e, Nest::InUrls, false);
            }
        }
    }

    /// Whether the nearest hash name before `i` is PDQ: on the same line if the line names a
    /// hash, else in the lines just before (a heading over a list of hashes).
    fn says_pdq(&self, i: usize) -> bool {
        let nearest = |w: &str| {
            let pdq = w.rfind("pdq");
            let other = ["sha", "md5"].iter().filter_map(|k| w.rfind(k)).max();
            match (pdq, other) {
                (None, None) => None,
                (p, o) => Some(p > o),
            }
        };
        let w = self.window_before(i, 200);
        let line = &w[w.rfind('\n').map_or(0, |n| n + 1)..];
        nearest(line).or_else(|| nearest(&w)).unwrap_or(false)
    }

    fn ipv6(&mut self) {
        let hits: Vec<(usize, usize)> = RE.ipv6.find_iter(self.t).map(|m| (m.start(), m.end())).collect();
        for (s, mut e) in hits {
            if self.before(s).is_some_and(|c| is_word(c) || c == b':' || c == b'.')
                || self.blocked(s, e, Nest::Outside)
            {
                continue;
            }
            while e > s && matches!(self.b[e - 1], b'.' | b':') && !self.t[s..e].ends_with("::") {
                e -= 1;
            }
            if self.after(e).is_some_and(is_word) || self.t[s..e].bytes().filter(|&c| c == b':').count() < 2 {
                continue;
            }
            if let Some(c) = self.canon(ObservableKind::Ipv6, &self.t[s..e])
                && !c.flags.iter().any(|f| is_special(*f))
            {
                self.accept(c, s, e, Nest::Outside, false);
            }
        }
    }

    fn ipv4(&mut self) {
        let hits: Vec<(usize, usize)> = RE.ipv4.find_iter(self.t).map(|m| (m.start(), m.end())).collect();
        for (s, e) in hits {
            if self.before(s).is_some_and(|c| is_word(c) || c == b'.' || c == b'-')
                || self.after(e).is_some_and(is_word)
                || (self.after(e) == Some(b'.') && self.after(e + 1).is_some_and(|c| c.is_ascii_digit()))
                || self.blocked(s, e, Nest::Outside)
            {
                continue;
            }
            if self.words_before(s, 3).iter().any(|w| VERSION_WORDS.contains(&w.as_ref())) {
                continue;
            }
            // `host/path` or `host:port/path` is a URL without a scheme.
            if let Some(url_end) = self.path_after(e)
                && self.try_url(s, url_end)
            {
                continue;
            }
            if let Some(c) = self.canon(ObservableKind::Ipv4, &self.t[s..e])
                && !c.flags.iter().any(|f| is_special(*f))
            {
                self.accept(c, s, e, Nest::Outside, false);
            }
        }
    }

    /// If a path (or a port and a path) follows the host ending at `e`, where the URL ends.
    fn path_after(&self, e: usize) -> Option<usize> {
        let rest = &self.b[e..];
        let mut i = 0;
        if rest.first() == Some(&b':') {
            i = 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if i == 1 {
                return None;
            }
        }
        if rest.get(i) != Some(&b'/') || rest.get(i + 1) == Some(&b'/') {
            return None;
        }
        let tail = &self.t[e..];
        let len = tail.find(|c: char| c.is_whitespace() || "<>\"'`|\\^{}".contains(c)).unwrap_or(tail.len());
        Some(e + trim_url(&tail[..len]))
    }

    fn phones(&mut self) {
        let hits: Vec<(usize, usize)> = RE.phone.find_iter(self.t).map(|m| (m.start(), m.end())).collect();
        for (s, mut e) in hits {
            if self.before(s).is_some_and(|c| is_word(c) || matches!(c, b'.' | b'-' | b'_' | b'/'))
                || (self.before(s) == Some(b',') && self.before(s - 1).is_some_and(|c| c.is_ascii_digit()))
                || (self.before(s) == Some(b':') && self.before(s - 1).is_some_and(|c| c.is_ascii_digit()))
            {
                continue;
            }
            if self.after(e).is_some_and(|c| is_word(c) || c == b'_')
                || (matches!(self.after(e), Some(b'.' | b',' | b'-'))
                    && self.after(e + 1).is_some_and(|c| c.is_ascii_digit()))
            {
                continue;
            }
            // Close brackets opened inside the span.
            let open = self.b[s..e].iter().filter(|c| matches!(c, b'(' | b'[' | b'{')).count();
            let mut close = self.b[s..e].iter().filter(|c| matches!(c, b')' | b']' | b'}')).count();
            while close < open {
                let mut j = e;
                while self.after(j).is_some_and(|c| c == b' ' || c == b'\t') {
                    j += 1;
                }
                if matches!(self.after(j), Some(b')' | b']' | b'}')) {
                    e = j + 1;
                    close += 1;
                } else {
                    break;
                }
            }
            if self.try_phone(s, e) {
                continue;
            }
            // `+39 351 847 2096 / 06 9480 2271`: two numbers, each on its own.
            let mut at = s;
            for part in self.t[s..e].split('/') {
                let (ps, pe) = (at + (part.len() - part.trim_start().len()), at + part.trim_end().len());
                at += part.len() + 1;
                if pe > ps && pe - ps < e - s && (self.b[ps].is_ascii_digit() || self.b[ps] == b'+') {
                    self.try_phone(ps, pe);
                }
            }
        }
    }

    fn try_phone(&mut self, s: usize, e: usize) -> bool {
        if self.blocked(s, e, Nest::Outside) {
            return false;
        }
        let span = &self.t[s..e];
        let Some((clean, obfuscated)) = self.phone_candidate(s, span) else { return false };
        let c = self.canon(ObservableKind::Phone, &clean).or_else(|| {
            clean.strip_prefix("00").and_then(|rest| self.canon(ObservableKind::Phone, &format!("+{rest}")))
        });
        c.is_some_and(|c| self.accept(c, s, e, Nest::Outside, obfuscated))
    }

    /// The digits of a phone-shaped span (with `+` if written), and whether it was obfuscated;
    /// `None` when the span is a date, a reference number or otherwise not a phone number.
    fn phone_candidate(&self, s: usize, span: &str) -> Option<(String, bool)> {
        let plus = span.starts_with('+');
        // Digit groups, counted without allocating: this runs for every digit-shaped span.
        let (mut digits, mut groups, mut singles, mut run) = (0, 0, 0, 0);
        for &c in span.as_bytes().iter().chain(b" ") {
            if c.is_ascii_digit() {
                (digits, run) = (digits + 1, run + 1);
            } else if run > 0 {
                groups += 1;
                singles += usize::from(run == 1);
                run = 0;
            }
        }
        if !(7..=17).contains(&digits)
            || (span.len() <= 15 && (is_date(span) || is_dotted_quad(span) || is_year_reference(span)))
        {
            return None;
        }
        let brackets = span.bytes().filter(|c| matches!(c, b'[' | b']' | b'{' | b'}')).count();
        let parens = span.bytes().filter(|&c| c == b'(').count();
        let obfuscated = brackets > 0 || parens > 1 || singles >= 4;
        let words = self.words_before(s, 3);
        let cue = words.iter().any(|w| PHONE_CUES.iter().any(|c| w.starts_with(c)));
        let hash_sign = self.t[..s].trim_end().ends_with('#');
        if !plus && !cue && (hash_sign || is_reference(&words, &PHONE_CUES)) {
            return None;
        }
        let international = plus || span.starts_with("00") || span.starts_with("011");
        if groups == 1 && !international {
            // An unformatted run of digits is a phone number only where the text says so.
            // `case number 4417203958` is not such a place.
            let context = self.sentence_before(s, 80);
            let words: Vec<&str> =
                context.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).collect();
            let says_phone = words.iter().enumerate().any(|(i, w)| {
                if NUMBER_WORDS.contains(w) {
                    !i.checked_sub(1).is_some_and(|j| REFERENCE_WORDS.contains(&words[j]))
                } else {
                    PHONE_CUES.iter().chain(&PHONE_WORDS).any(|p| w.starts_with(p))
                }
            }) || context.contains("電話");
            if !says_phone {
                return None;
            }
        }
        let mut clean = String::with_capacity(digits + 1);
        if plus {
            clean.push('+');
        }
        clean.extend(span.chars().filter(char::is_ascii_digit));
        Some((clean, obfuscated))
    }

    fn domains(&mut self) {
        let hits: Vec<(usize, usize)> = RE.domain.find_iter(self.t).map(|m| (m.start(), m.end())).collect();
        for (s, e) in hits {
            // After a `/` only as a regular expression's delimiter (`"/evil\\.com/i"`).
            let delimited = self.before(s) == Some(b'/')
                && s.checked_sub(2).is_none_or(|i| matches!(self.b[i], b'"' | b'\'' | b' ' | b'(' | b'\n'));
            if (!delimited
                && self
                    .before(s)
                    .is_some_and(|c| is_word(c) || matches!(c, b'.' | b'-' | b'@' | b'_' | b'/' | b'\\')))
                || self.after(e).is_some_and(|c| is_word(c) || matches!(c, b'-' | b'_' | b'@'))
                || overlaps(&self.acc.urls, s, e)
                || overlaps(&self.acc.taken, s, e)
            {
                continue;
            }
            if !delimited
                && let Some(url_end) = self.path_after(e)
                && self.try_url(s, url_end)
            {
                continue;
            }
            let name = &self.t[s..e];
            // `com.example.app`: a Java or Android package name, not a host.
            let first = name.split('.').next().unwrap_or("");
            if name.matches('.').count() >= 2
                && (["com", "org", "net"].contains(&first.to_ascii_lowercase().as_str())
                    || self.words_before(s, 2).iter().any(|w| w == "package" || w == "bundle"))
            {
                continue;
            }
            let tld = name.rsplit('.').next().unwrap_or("");
            let label = name[..name.len() - tld.len() - 1].rsplit('.').next().unwrap_or("");
            if FILE_EXTENSION_TLDS.contains(&tld) {
                continue;
            }
            // `received.It`: two sentences run together, not a domain.
            let title = tld.chars().next().is_some_and(char::is_uppercase)
                && tld.chars().skip(1).all(char::is_lowercase);
            let title_label = label.chars().next().is_some_and(char::is_uppercase)
                && label.chars().skip(1).any(char::is_lowercase);
            if title && !title_label {
                continue;
            }
            if let Some(c) = self.canon(ObservableKind::Domain, name) {
                self.accept(c, s, e, Nest::Outside, false);
            }
        }
    }

    fn telegram_handles(&mut self) {
        let hits: Vec<(usize, usize)> = RE.handle.find_iter(self.t).map(|m| (m.start(), m.end())).collect();
        for (s, e) in hits {
            if self.before(s).is_some_and(|c| is_word(c) || b"._%+-".contains(&c))
                || self.blocked(s, e, Nest::Outside)
                || self.after(e).is_some_and(|c| is_word(c) || c == b'_')
                || (self.after(e) == Some(b'.') && self.after(e + 1).is_some_and(|c| c.is_ascii_alphabetic()))
            {
                continue;
            }
            if !self.names_telegram(s, e) {
                continue;
            }
            if let Some(c) = self.canon(ObservableKind::Telegram, &self.t[s..e]) {
                self.accept(c, s, e, Nest::Outside, false);
            }
        }
    }

    /// Whether the platform named nearest to the handle at `[s, e)` is Telegram.
    fn names_telegram(&self, s: usize, e: usize) -> bool {
        let before = self.sentence_before(s, 100);
        let after = self.sentence_after(e, 40);
        // `(not Telegram)`: a platform named to be denied does not count.
        let named = |w: &str, i: usize| {
            !has_negation(&w[w[..i].char_indices().rev().nth(12).map_or(0, |(j, _)| j)..i])
        };
        let last_before = PLATFORMS
            .iter()
            .filter_map(|&(p, tg)| {
                before.rfind(p).filter(|&i| named(&before, i)).map(|i| (before.len() - i, tg))
            })
            .min();
        let first_after = PLATFORMS.iter().filter_map(|&(p, tg)| after.find(p).map(|i| (i, tg))).min();
        match (last_before, first_after) {
            (Some((db, tg)), Some((da, tga))) => {
                if da < db {
                    tga
                } else {
                    tg
                }
            }
            (Some((_, tg)), None) | (None, Some((_, tg))) => tg,
            // Bot usernames end in `bot` on Telegram; else the platform the text spoke of last.
            (None, None) => {
                let wider = self.window_before(s, 300);
                let last = PLATFORMS.iter().filter_map(|&(p, tg)| wider.rfind(p).map(|i| (i, tg))).max();
                self.t[s..e].to_ascii_lowercase().ends_with("bot") || last.is_some_and(|(_, tg)| tg)
            }
        }
    }
}

/// Platform names near an `@handle`, and whether each is Telegram.
const PLATFORMS: [(&str, bool); 14] = [
    ("telegram", true),
    ("телеграм", true),
    ("t.me", true),
    ("tg:", true),
    ("instagram", false),
    ("twitter", false),
    ("tiktok", false),
    ("facebook", false),
    ("snapchat", false),
    ("whatsapp", false),
    ("signal", false),
    ("discord", false),
    ("skype", false),
    ("x.com", false),
];

/// Words that, among the last few before a number, make it a reference (case, order,
/// account, customer…) rather than a phone number or a remote-access id, in the languages of
/// the reports dragnet receives.
const REFERENCE_WORDS: [&str; 71] = [
    "no",
    "nr",
    "case",
    "ref",
    "reference",
    "order",
    "invoice",
    "ticket",
    "account",
    "acct",
    "acc",
    "transaction",
    "tracking",
    "claim",
    "policy",
    "serial",
    "crime",
    "incident",
    "report",
    "customer",
    "client",
    "iban",
    "bic",
    "sort",
    "bsb",
    "routing",
    "listing",
    "parcel",
    "shipment",
    "receipt",
    "passport",
    "uid",
    "member",
    "membership",
    "badge",
    "cliente",
    "kunde",
    "kundennummer",
    "aktenzeichen",
    "az",
    "vorgang",
    "affaire",
    "dossier",
    "réf",
    "référence",
    "pratica",
    "protocollo",
    "protocolo",
    "expediente",
    "pedido",
    "zaak",
    "zaaknummer",
    "dossiernummer",
    "sprawa",
    "sygnatura",
    "zamówienie",
    "заказ",
    "заказа",
    "дело",
    "anzeigen",
    "rechnung",
    "ordernummer",
    "bestelnummer",
    "registratienummer",
    "kenmerk",
    "referentie",
    "ärende",
    "bankgiro",
    "plusgiro",
    "folio",
    "ssn",
];

/// Whether `text` holds a word that denies something (`not`, `kein`, `pas`…).
fn has_negation(text: &str) -> bool {
    text.to_lowercase().split(|c: char| !c.is_alphabetic()).any(|w| NEGATIONS.contains(&w))
}

/// Words that deny what follows them.
const NEGATIONS: [&str; 14] = [
    "not", "no", "isn", "wasn", "never", "geen", "kein", "keine", "nicht", "pas", "non", "nie", "не", "nunca",
];

/// Words (prefixes) that make a number near them a phone number, even after a reference word.
const PHONE_CUES: [&str; 23] = [
    "call",
    "phone",
    "tel",
    "mobile",
    "cell",
    "whatsapp",
    "sms",
    "ring",
    "rang",
    "dial",
    "fax",
    "hotline",
    "téléphone",
    "teléfono",
    "telefono",
    "телефон",
    "電話",
    "handy",
    "anruf",
    "appel",
    "llam",
    "chiam",
    "zadzwo",
];

/// Weaker words that, with [`PHONE_CUES`], say an unformatted run of digits is a phone number.
const PHONE_WORDS: [&str; 2] = ["text", "contact"];

/// "Number" in the languages of the reports: a phone word unless a reference word comes first
/// (`case number`).
const NUMBER_WORDS: [&str; 10] =
    ["number", "numbers", "nummer", "numero", "número", "numéro", "numer", "номер", "nr", "no"];

/// Real top-level domains that are, outside a URL, far more often file extensions.
const FILE_EXTENSION_TLDS: [&str; 5] = ["zip", "mov", "py", "sh", "md"];

fn is_special(f: Flag) -> bool {
    matches!(f, Flag::Private | Flag::Loopback | Flag::LinkLocal | Flag::Reserved)
}

/// Words that, among the three before a dotted quad, make it a version number.
const VERSION_WORDS: [&str; 25] = [
    "version",
    "versions",
    "ver",
    "v",
    "build",
    "firmware",
    "fw",
    "release",
    "chrome",
    "firefox",
    "windows",
    "edge",
    "safari",
    "android",
    "ios",
    "update",
    "patch",
    "kb",
    "versión",
    "versione",
    "versie",
    "wersja",
    "версия",
    "версии",
    "сборки",
];

/// `2024-0412`, `2024/118734`: a year and a serial, the shape of case and file numbers.
fn is_year_reference(span: &str) -> bool {
    let b = span.as_bytes();
    b.len() >= 7
        && (span.starts_with("19") || span.starts_with("20"))
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/' | b'.')
        && b[5..].iter().all(u8::is_ascii_digit)
}

/// `192.168.1.10`: an address (even a private one, which is no indicator), never a phone number.
fn is_dotted_quad(span: &str) -> bool {
    let parts: Vec<&str> = span.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
}

/// Whether the text before a `. ` ends in an abbreviation (`Nr`, `Az`, `Gen`, `no`) rather than a
/// sentence: a word of one to three letters.
fn is_abbreviation(before: &str) -> bool {
    let word = before.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    (1..=3).contains(&word.chars().count())
        && word.len() == before.len() - before.trim_end_matches(char::is_alphabetic).len()
}

/// `2024-03-15`, `15.03.2024`, `03/15/2024` and the like.
fn is_date(span: &str) -> bool {
    let parts: Vec<&str> = span.split(['.', '-', '/']).collect();
    if parts.len() != 3 || !parts.iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())) {
        return false;
    }
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    matches!(lens.as_slice(), [4, 1..=2, 1..=2] | [1..=2, 1..=2, 2 | 4])
}

/// The length of `s` without trailing punctuation that belongs to the sentence, not the URL. A
/// comma before the query ends the URL (`…/retrait,page de retrait` in a CSV line).
fn trim_url(s: &str) -> usize {
    let query = s.find('?').unwrap_or(s.len());
    let mut end = s[..query].find(',').unwrap_or(s.len());
    loop {
        let Some(c) = s[..end].chars().next_back() else { return end };
        let drop = match c {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '*' | '>' => true,
            ')' => s[..end].matches('(').count() < s[..end].matches(')').count(),
            ']' => s[..end].matches('[').count() < s[..end].matches(']').count(),
            _ => false,
        };
        if !drop {
            return end;
        }
        end -= c.len_utf8();
    }
}

/// See [`Scan::is_reference`]; `words` are the last words before the number, nearest first.
fn is_reference(words: &[Cow<'_, str>], but: &[&str]) -> bool {
    if words.iter().any(|w| but.iter().any(|b| w.starts_with(b))) {
        return false;
    }
    words.iter().any(|w| {
        REFERENCE_WORDS.contains(&w.as_ref())
            // Vorgangsnummer, kundennummer, ärendenummer, ordernummer… but not telefonnummer.
            || (w.len() > "nummer".len()
                && w.ends_with("nummer")
                && !PHONE_CUES.iter().any(|c| w.starts_with(c))
                && !w.ends_with("rufnummer"))
    })
}
