//! Phone numbers, canonicalised to E.164 with libphonenumber's metadata.
//!
//! The metadata (number patterns, possible lengths, national and international prefixes of
//! every region) comes from the `phonenumber` crate, which carries Google's libphonenumber
//! data. Parsing and validation follow libphonenumber's `parse` and `isValidNumber`, but run
//! on regular expressions compiled here, once per region, on first use. The `phonenumber`
//! crate's own parser and validator go through a process-wide, mutex-guarded LRU cache of 100
//! compiled expressions, which a batch of numbers from many countries thrashes (each number
//! then recompiles dozens of expressions: milliseconds per number); the bulk-check path cannot
//! afford that.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

use super::{Canonical, CanonicalizeOptions, Observable, ObservableKind, Reason, strip_prefix_ci};

/// More digits than any number written with an international prefix can have (`011` + 15).
const MAX_DIGITS: usize = 18;
/// Fewer digits than any number can have.
const MIN_DIGITS: usize = 4;
/// Bounds of a national significant number (libphonenumber).
const MIN_NSN: usize = 2;
const MAX_NSN: usize = 17;

/// Canonicalises a phone number to E.164 (`+18888391214`).
///
/// - Digits may be grouped with spaces, hyphens, dots, slashes and parentheses; a `tel:` prefix
///   is dropped; full-width and Arabic-Indic digits are read as digits.
/// - A number without a leading `+` is read in `opts.default_region`: in national format
///   (the national prefix, such as the `0` of `020 7946 0958`, is removed), with that region's
///   international prefix (`00`, `011`, …), or starting with the region's country code;
///   without a default region a `+` and country code are required.
/// - The number must be valid per libphonenumber (`isValidNumber`: the national number has a
///   possible length and falls in a known number range of its region), not merely of a
///   plausible length.
/// - Extensions and letters (vanity numbers) are rejected with a clear reason rather than
///   silently dropped or converted.
pub(crate) fn canonicalize_phone(raw: &str, opts: &CanonicalizeOptions) -> Result<Canonical, Reason> {
    let mut s = raw.trim();
    if let Some(rest) = strip_prefix_ci(s, "tel:") {
        s = rest.trim_start();
    }
    let mut buf = [0u8; MAX_DIGITS];
    let (plus, digits) = normalise(s, &mut buf)?;
    let data = &*DATA;
    let region = match opts.default_region.as_deref() {
        Some(region) => Some(data.region(region)?),
        None => None,
    };
    let number = parse(data, plus, digits, region)?;
    if !data.is_valid(number.code, &number.national) {
        return Err(invalid_reason(data, number.code, region));
    }
    let mut value = String::with_capacity(1 + 3 + number.national.len());
    value.push('+');
    value.push_str(itoa(number.code, &mut [0u8; 5]));
    value.push_str(&number.national);
    Ok(Canonical {
        observable: Observable { kind: ObservableKind::Phone, value },
        flags: Vec::new(),
        related: Vec::new(),
    })
}

fn itoa(mut n: u16, buf: &mut [u8; 5]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("")
}

/// Checks the characters and collects the digits; returns whether the number starts with `+`.
fn normalise<'b>(s: &str, buf: &'b mut [u8; MAX_DIGITS]) -> Result<(bool, &'b str), Reason> {
    if s.is_empty() {
        return Err("empty value".into());
    }
    let mut len = 0usize;
    let mut plus = false;
    for (i, c) in s.char_indices() {
        let digit = match c {
            '0'..='9' => Some(c as u32 - '0' as u32),
            // Full-width, Arabic-Indic and Eastern Arabic-Indic digits.
            '\u{ff10}'..='\u{ff19}' => Some(c as u32 - 0xff10),
            '\u{0660}'..='\u{0669}' => Some(c as u32 - 0x0660),
            '\u{06f0}'..='\u{06f9}' => Some(c as u32 - 0x06f0),
            _ => None,
        };
        if let Some(d) = digit {
            if len == buf.len() {
                return Err("too many digits".into());
            }
            buf[len] = b'0' + d as u8;
            len += 1;
            continue;
        }
        match c {
            '+' | '\u{ff0b}' if len == 0 && !plus => plus = true,
            ' '
            | '-'
            | '.'
            | '('
            | ')'
            | '/'
            | '\t'
            | '\u{a0}'
            | '\u{2010}'..='\u{2015}'
            | '\u{2212}'
            | '\u{3000}' => {}
            'x' | 'X' | '#' | ';' => return Err("phone extensions are not supported".into()),
            c if c.is_ascii_alphabetic() => {
                if strip_prefix_ci(&s[i..], "ext").is_some() {
                    return Err("phone extensions are not supported".into());
                }
                return Err("letters are not allowed (write vanity numbers in digits)".into());
            }
            c => return Err(format!("unexpected character {c:?}").into()),
        }
    }
    if len < MIN_DIGITS {
        return Err("too few digits".into());
    }
    // ASCII digits only.
    Ok((plus, std::str::from_utf8(&buf[..len]).unwrap_or("")))
}

/// A parsed number: country calling code and national significant number.
struct Parsed<'a> {
    code: u16,
    national: Cow<'a, str>,
}

/// libphonenumber's `parseHelper`, for digit strings.
fn parse<'a>(
    data: &Data,
    plus: bool,
    digits: &'a str,
    default: Option<&Region>,
) -> Result<Parsed<'a>, Reason> {
    // The country code, the national number, and the region whose prefixes apply to it.
    let (code, mut national, region): (u16, Cow<'a, str>, Option<&Region>) = if plus {
        let (code, rest) = data.extract_country_code(digits)?;
        (code, Cow::Borrowed(rest), data.main_region(code))
    } else {
        let Some(default) = default else {
            return Err(
                "missing country code: write the number as +<country code>… or give a default region".into(),
            );
        };
        let c = default.compiled()?;
        let after_idd = c.idd.as_ref().and_then(|idd| {
            let end = idd.find(digits)?.end();
            // A country code never starts with 0.
            (end > 0 && !digits[end..].starts_with('0')).then(|| &digits[end..])
        });
        if let Some(rest) = after_idd {
            if rest.len() <= MIN_NSN {
                return Err("too short after the international prefix".into());
            }
            let (code, rest) = data.extract_country_code(rest)?;
            (code, Cow::Borrowed(rest), data.main_region(code))
        } else {
            let code = default.meta.country_code();
            let mut code_buf = [0u8; 5];
            let mut result = (code, Cow::Borrowed(digits), Some(default));
            if let Some(potential) = digits.strip_prefix(itoa(code, &mut code_buf)) {
                let potential = strip_national_prefix(Cow::Borrowed(potential), c);
                if (!c.general.re.is_match(digits) && c.general.re.is_match(&potential))
                    || test_length(digits.len(), c) == Length::TooLong
                {
                    let main = data.main_region(code).filter(|m| m.meta.id() != default.meta.id());
                    result = (code, potential, main.or(Some(default)));
                }
            }
            result
        }
    };
    if national.len() < MIN_NSN {
        return Err("too short".into());
    }
    if let Some(region) = region {
        let c = region.compiled()?;
        let potential = strip_national_prefix(national.clone(), c);
        if !matches!(test_length(potential.len(), c), Length::TooShort | Length::LocalOnly | Length::Invalid)
        {
            national = potential;
        }
    }
    if national.len() < MIN_NSN {
        return Err("too short".into());
    }
    if national.len() > MAX_NSN {
        return Err("too long".into());
    }
    Ok(Parsed { code, national })
}

/// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`.
fn strip_national_prefix<'a>(number: Cow<'a, str>, c: &Compiled) -> Cow<'a, str> {
    let Some(prefix) = &c.national_prefix else { return number };
    let Some(caps) = prefix.captures(&number) else { return number };
    let whole = caps.get(0).map_or(0..0, |m| m.range());
    let viable = c.general.re.is_match(&number);
    let last_group = caps.len() - 1;
    let transform =
        c.transform.as_deref().filter(|t| !t.is_empty() && last_group > 0 && caps.get(last_group).is_some());
    let stripped: Cow<'a, str> = match transform {
        None => match number {
            Cow::Borrowed(s) => Cow::Borrowed(&s[whole.end..]),
            Cow::Owned(ref s) => Cow::Owned(s[whole.end..].to_owned()),
        },
        Some(rule) => {
            let mut out = String::new();
            caps.expand(rule, &mut out);
            out.push_str(&number[whole.end..]);
            Cow::Owned(out)
        }
    };
    if viable && !c.general.re.is_match(&stripped) {
        return number;
    }
    stripped
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

/// libphonenumber's `testNumberLength` for an unknown number type.
fn test_length(len: usize, c: &Compiled) -> Length {
    let possible = c.general.lengths.as_slice();
    let Some((&min, _)) = possible.split_first() else { return Length::Possible };
    let len = len as u16;
    if c.general_local.contains(&len) {
        return Length::LocalOnly;
    }
    if min == len || possible.contains(&len) {
        Length::Possible
    } else if min > len {
        Length::TooShort
    } else if possible.last().is_some_and(|&max| max < len) {
        Length::TooLong
    } else {
        Length::Invalid
    }
}

fn invalid_reason(data: &Data, code: u16, default: Option<&Region>) -> Reason {
    let region = default
        .filter(|r| r.meta.country_code() == code)
        .or_else(|| data.main_region(code))
        .map(|r| r.meta.id())
        .filter(|id| *id != "001");
    match region {
        Some(region) => format!("not a valid number for region {region}").into(),
        None => format!("not a valid number for country code +{code}").into(),
    }
}

/// A number descriptor: possible lengths and the full-match pattern of national numbers.
struct Desc {
    lengths: Vec<u16>,
    re: Regex,
}

impl Desc {
    /// libphonenumber's `isNumberMatchingDesc`.
    fn matches(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16)))
            && self.re.is_match(national)
    }
}

/// A region's expressions, compiled on first use.
struct Compiled {
    /// The general descriptor. Its possible lengths are the union of the number types' (as
    /// libphonenumber's metadata build computes them; the XML does not list them).
    general: Desc,
    general_local: Vec<u16>,
    /// The descriptors `getNumberType` consults: premium rate, toll free, shared cost, VoIP,
    /// personal, pager, UAN, voicemail, fixed line and mobile.
    types: Vec<Desc>,
    leading_digits: Option<Regex>,
    /// National prefix for parsing (defaults to the national prefix), anchored at the start.
    national_prefix: Option<Regex>,
    transform: Option<String>,
    /// International (exit) prefix, anchored at the start.
    idd: Option<Regex>,
}

struct Region {
    meta: &'static Metadata,
    compiled: OnceLock<Option<Compiled>>,
}

impl Region {
    fn compiled(&self) -> Result<&Compiled, Reason> {
        self.compiled
            .get_or_init(|| compile(self.meta))
            .as_ref()
            .ok_or_else(|| format!("phone metadata for region {} could not be loaded", self.meta.id()).into())
    }

    /// libphonenumber's `getNumberTypeHelper(…) != UNKNOWN`.
    fn has_type(&self, national: &str) -> bool {
        let Ok(c) = self.compiled() else { return false };
        c.general.matches(national) && c.types.iter().any(|d| d.matches(national))
    }
}

fn build_regex(pattern: &str, full: bool) -> Option<Regex> {
    let anchored = if full { format!("^(?:{pattern})$") } else { format!("^(?:{pattern})") };
    let build = |unicode: bool| RegexBuilder::new(&anchored).ignore_whitespace(true).unicode(unicode).build();
    // ASCII-only matching is smaller and faster; fall back where a pattern needs Unicode mode.
    build(false).or_else(|_| build(true)).ok()
}

fn compile(meta: &'static Metadata) -> Option<Compiled> {
    let desc = |d: &'static Descriptor| -> Option<Desc> {
        Some(Desc {
            lengths: d.possible_length().to_vec(),
            re: build_regex(d.national_number().as_str(), true)?,
        })
    };
    let ds = meta.descriptors();
    let type_descs: Vec<&'static Descriptor> = [
        ds.premium_rate(),
        ds.toll_free(),
        ds.shared_cost(),
        ds.voip(),
        ds.personal_number(),
        ds.pager(),
        ds.uan(),
        ds.voicemail(),
        ds.fixed_line(),
        ds.mobile(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let types = type_descs.iter().map(|d| desc(d)).collect::<Option<Vec<_>>>()?;
    let mut general = desc(ds.general())?;
    let mut general_local = ds.general().possible_local_length().to_vec();
    if general.lengths.is_empty() {
        let mut lengths: Vec<u16> = type_descs.iter().flat_map(|d| d.possible_length()).copied().collect();
        lengths.sort_unstable();
        lengths.dedup();
        let mut local: Vec<u16> = type_descs
            .iter()
            .flat_map(|d| d.possible_local_length())
            .copied()
            .filter(|l| !lengths.contains(l))
            .collect();
        local.sort_unstable();
        local.dedup();
        general.lengths = lengths;
        general_local = local;
    }
    let national_prefix = match (meta.national_prefix_for_parsing(), meta.national_prefix()) {
        (Some(re), _) => Some(build_regex(re.as_str(), false)?),
        (None, Some(prefix)) if !prefix.is_empty() => Some(build_regex(&regex::escape(prefix), false)?),
        _ => None,
    };
    // Java replacement syntax `$1` → `${1}` (a group number is one digit in the metadata).
    let transform = meta.national_prefix_transform_rule().map(|rule| {
        let mut out = String::with_capacity(rule.len() + 4);
        let mut chars = rule.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('$', Some(d)) if d.is_ascii_digit() => {
                    out.push_str("${");
                    out.push(*d);
                    out.push('}');
                    chars.next();
                }
                ('$', _) => out.push_str("$$"),
                (c, _) => out.push(c),
            }
        }
        out
    });
    Some(Compiled {
        general,
        general_local,
        types,
        leading_digits: match meta.leading_digits() {
            Some(re) => Some(build_regex(re.as_str(), false)?),
            None => None,
        },
        national_prefix,
        transform,
        idd: match meta.international_prefix() {
            Some(re) => Some(build_regex(re.as_str(), false)?),
            None => None,
        },
    })
}

/// Every region of libphonenumber's metadata, by calling code and by region code.
struct Data {
    /// Regions of each calling code, the main country first.
    by_code: HashMap<u16, Vec<Region>>,
    by_id: HashMap<&'static str, (u16, usize)>,
}

static DATA: LazyLock<Data> = LazyLock::new(|| {
    let database: &'static phonenumber::metadata::Database = &DATABASE;
    let mut by_code = HashMap::new();
    let mut by_id = HashMap::new();
    for code in 1..1000u16 {
        let Some(metas) = database.by_code(&code) else { continue };
        let regions: Vec<Region> =
            metas.into_iter().map(|meta| Region { meta, compiled: OnceLock::new() }).collect();
        for (i, region) in regions.iter().enumerate() {
            if region.meta.id() != "001" {
                by_id.insert(region.meta.id(), (code, i));
            }
        }
        by_code.insert(code, regions);
    }
    Data { by_code, by_id }
});

impl Data {
    fn region(&self, id: &str) -> Result<&Region, Reason> {
        let id = id.trim();
        // Region codes are two letters (three characters for "001"): uppercase on the stack.
        let mut buf = [0u8; 3];
        let upper = match id.len() {
            2 | 3 => {
                buf[..id.len()].copy_from_slice(id.as_bytes());
                buf[..id.len()].make_ascii_uppercase();
                std::str::from_utf8(&buf[..id.len()]).ok()
            }
            _ => None,
        };
        upper
            .and_then(|upper| self.by_id.get(upper))
            .and_then(|&(code, i)| self.by_code.get(&code)?.get(i))
            .ok_or_else(|| format!("unknown default region \"{id}\"").into())
    }

    fn main_region(&self, code: u16) -> Option<&Region> {
        self.by_code.get(&code)?.first()
    }

    /// libphonenumber's `extractCountryCode`: calling codes are prefix-free, one to three digits.
    fn extract_country_code<'a>(&self, digits: &'a str) -> Result<(u16, &'a str), Reason> {
        if digits.starts_with('0') {
            return Err("unknown country code".into());
        }
        for len in 1..=3.min(digits.len()) {
            let code: u16 = digits[..len].parse().map_err(|_| Reason::from("unknown country code"))?;
            if self.by_code.contains_key(&code) {
                return Ok((code, &digits[len..]));
            }
        }
        Err("unknown country code".into())
    }

    /// libphonenumber's `isValidNumber`: the region the number belongs to (by leading digits,
    /// or the first whose number ranges it falls in) has a number type for it.
    fn is_valid(&self, code: u16, national: &str) -> bool {
        let Some(regions) = self.by_code.get(&code) else { return false };
        if let [only] = regions.as_slice() {
            return only.has_type(national);
        }
        for region in regions {
            let Ok(c) = region.compiled() else { continue };
            match &c.leading_digits {
                Some(leading) if leading.is_match(national) => return region.has_type(national),
                Some(_) => {}
                None => {
                    if region.has_type(national) {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// Loads the metadata and compiles every region's expressions now rather than on first use.
pub(crate) fn warm_up() {
    for regions in DATA.by_code.values() {
        for region in regions {
            let _ = region.compiled();
        }
    }
}

/// Cheap shape test used by kind inference: a `+` and 7 to 15 digits, or 7 to 15 digits
/// grouped with spaces, hyphens and parentheses only (so dates such as `2024-01-15` and dotted
/// version numbers are not taken for phone numbers).
pub(crate) fn looks_like_phone(s: &str) -> bool {
    let plus = s.starts_with('+');
    let body = if plus { &s[1..] } else { s };
    let mut digits = 0;
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b' ' | b'-' | b'(' | b')' => {}
            b'.' | b'/' if plus => {}
            _ => return false,
        }
    }
    if !(7..=15).contains(&digits) {
        return false;
    }
    if !plus {
        // ISO dates: dddd-dd-dd.
        let b = s.as_bytes();
        if s.len() == 10 && b[4] == b'-' && b[7] == b'-' {
            return false;
        }
    }
    body.starts_with(|c: char| c.is_ascii_digit() || c == '(')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> CanonicalizeOptions {
        CanonicalizeOptions { default_region: Some("US".into()) }
    }

    fn region(r: &str) -> CanonicalizeOptions {
        CanonicalizeOptions { default_region: Some(r.into()) }
    }

    fn c(s: &str, o: &CanonicalizeOptions) -> Result<String, String> {
        canonicalize_phone(s, o).map(|c| c.observable.value).map_err(|e| e.into_owned())
    }

    #[test]
    fn forms() {
        let none = CanonicalizeOptions::default();
        assert_eq!(c("+1 888 839 1214", &none).unwrap(), "+18888391214");
        assert_eq!(c("(888) 839-1214", &us()).unwrap(), "+18888391214");
        assert_eq!(c("1 888 839 1214", &us()).unwrap(), "+18888391214");
        assert_eq!(c("tel:+1-888-839-1214", &none).unwrap(), "+18888391214");
        assert_eq!(c("+39 06 6982 1234", &none).unwrap(), "+390669821234");
        assert_eq!(c("06 6982 1234", &region("it")).unwrap(), "+390669821234");
        assert_eq!(c("+44 20 7946 0958", &us()).unwrap(), "+442079460958");
        assert_eq!(c("+44 (0)20 7946 0958", &none).unwrap(), "+442079460958");
        assert_eq!(c("020 7946 0958", &region("GB")).unwrap(), "+442079460958");
        assert_eq!(c("44 20 7946 0958", &region("GB")).unwrap(), "+442079460958");
        assert_eq!(c("011 44 20 7946 0958", &us()).unwrap(), "+442079460958");
        assert_eq!(c("0044 20 7946 0958", &region("DE")).unwrap(), "+442079460958");
        assert_eq!(c("8 800 555-35-35", &region("RU")).unwrap(), "+78005553535");
        assert_eq!(c("+7 800 555-35-35", &none).unwrap(), "+78005553535");
        assert_eq!(c("+54 9 11 2345 6789", &none).unwrap(), "+5491123456789");
        assert_eq!(c("011 15 2345 6789", &region("AR")).unwrap(), "+5491123456789");
        assert_eq!(c("＋４４ ２０ ７９４６ ０９５８", &none).unwrap(), "+442079460958");
    }

    #[test]
    fn rejections() {
        let none = CanonicalizeOptions::default();
        assert_eq!(c("+1 555 0100", &none).unwrap_err(), "not a valid number for region US");
        assert_eq!(c("555 0100", &us()).unwrap_err(), "not a valid number for region US");
        assert!(c("+44 12", &none).is_err());
        assert_eq!(c("+999 1234 5678", &none).unwrap_err(), "unknown country code");
        assert!(c("888 839 1214", &none).unwrap_err().starts_with("missing country code"));
        assert_eq!(c("+1 888 839 1214 ext 12", &none).unwrap_err(), "phone extensions are not supported");
        assert_eq!(
            c("1-800-FLOWERS", &us()).unwrap_err(),
            "letters are not allowed (write vanity numbers in digits)"
        );
        assert_eq!(c("888 839 1214", &region("ZZ")).unwrap_err(), "unknown default region \"ZZ\"");
    }

    #[test]
    fn every_region_compiles() {
        for regions in DATA.by_code.values() {
            for region in regions {
                assert!(region.compiled().is_ok(), "{}", region.meta.id());
            }
        }
    }
}
