//! Domain names: IDNA (UTS #46) to Punycode, DNS syntax, and the Public Suffix List.

use std::borrow::Cow;

use idna::uts46::AsciiDenyList;
use psl::{Psl, Type};

use super::Reason;

/// The longest domain name in presentation form, without the root dot (RFC 1035).
const MAX_DOMAIN_LEN: usize = 253;
/// The longest label (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// Canonicalises a domain name.
///
/// - surrounding whitespace and one trailing root dot are dropped;
/// - the name goes through UTS #46 processing (non-transitional, as browsers do) to its ASCII
///   form: letters are lowercased, Unicode labels become `xn--` Punycode labels, and `xn--`
///   labels that do not decode are rejected;
/// - every label is 1 to 63 octets of `a-z`, `0-9`, `-` and `_`, not starting or ending with a
///   hyphen; the name is at most 253 octets and has at least two labels;
/// - the public suffix (Public Suffix List, ICANN and private sections) must be known: a name
///   whose last label is not a delegated top-level domain (`invoice.pdf`, `setup.exe`,
///   `host.local`) is rejected, as is a bare ICANN suffix such as `co.uk`. A bare private-section
///   suffix (`github.io`, `blogspot.com`) is a real host and is accepted;
/// - underscores are accepted in subdomain labels, because such names exist in DNS
///   (`_dmarc.example.com`, CDN and tracking hosts) and reports contain them; they are rejected
///   in the registered label and the suffix, which no registry allows (`my_shop.com`).
pub(crate) fn canonical_domain(raw: &str) -> Result<String, Reason> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("empty value".into());
    }
    if s.contains("://") {
        return Err("this is a url, not a domain".into());
    }
    if s.contains('@') {
        return Err("this is an e-mail address, not a domain".into());
    }
    if s.contains('/') {
        return Err("a domain has no path ('/')".into());
    }
    let s = s.strip_suffix('.').unwrap_or(s);
    let ascii = to_ascii(s)?;
    check_ascii_domain(&ascii)?;
    Ok(ascii.into_owned())
}

/// UTS #46 ToASCII with no ASCII deny list: syntax is checked afterwards with clearer errors.
fn to_ascii(s: &str) -> Result<Cow<'_, str>, Reason> {
    idna::domain_to_ascii_cow(s.as_bytes(), AsciiDenyList::EMPTY)
        .map_err(|_| "not a valid internationalised domain name (uts #46)".into())
}

/// Checks the syntax and public suffix of an ASCII (already UTS #46 processed) domain name.
pub(crate) fn check_ascii_domain(d: &str) -> Result<(), Reason> {
    if d.is_empty() {
        return Err("empty value".into());
    }
    if d.len() > MAX_DOMAIN_LEN {
        return Err(format!("longer than {MAX_DOMAIN_LEN} characters").into());
    }
    let mut labels = 0usize;
    for label in d.split('.') {
        labels += 1;
        check_label(label)?;
    }
    if labels < 2 {
        return Err("a domain needs at least two labels (name.tld)".into());
    }
    let suffix = match psl::List.suffix(d.as_bytes()) {
        Some(suffix) if suffix.is_known() => suffix,
        _ => {
            let tld = d.rsplit('.').next().unwrap_or(d);
            return Err(format!("unknown top-level domain \"{tld}\"").into());
        }
    };
    let suffix_len = suffix.as_bytes().len();
    if suffix_len == d.len() {
        if suffix.typ() == Some(Type::Icann) {
            return Err("a public suffix, not a domain".into());
        }
        // A private-section suffix (github.io) is itself a host.
        if d.contains('_') {
            return Err("underscore in a registered name".into());
        }
        return Ok(());
    }
    // The registered label is the one left of the suffix; it and the suffix take no underscore.
    let registrable_start = registrable_start(d, suffix_len);
    if d[registrable_start..].contains('_') {
        return Err("underscore in a registered name".into());
    }
    Ok(())
}

fn check_label(label: &str) -> Result<(), Reason> {
    if label.is_empty() {
        return Err("empty label".into());
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(format!("label longer than {MAX_LABEL_LEN} characters").into());
    }
    if let Some(c) =
        label.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
    {
        return Err(format!("invalid character {c:?}").into());
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!("label \"{label}\" starts or ends with a hyphen").into());
    }
    Ok(())
}

/// Byte offset where the registrable domain starts, given the length of the public suffix
/// (which must be shorter than `d`).
fn registrable_start(d: &str, suffix_len: usize) -> usize {
    let head = &d[..d.len() - suffix_len - 1];
    head.rfind('.').map_or(0, |i| i + 1)
}

/// The registrable domain (eTLD+1) of a canonical domain, if it has one and it differs from
/// the domain. Borrowed from the input: no allocation.
pub(crate) fn registrable_part(d: &str) -> Option<&str> {
    let suffix = psl::List.suffix(d.as_bytes()).filter(|s| s.is_known())?;
    let suffix_len = suffix.as_bytes().len();
    if suffix_len >= d.len() {
        return None;
    }
    Some(&d[registrable_start(d, suffix_len)..])
}

/// Cheap shape test used by kind inference: ASCII letters, digits, hyphens, underscores and
/// dots, at least one dot, and a last label the Public Suffix List knows.
pub(crate) fn looks_like_domain(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if !s.contains('.') || s.len() > MAX_DOMAIN_LEN {
        return false;
    }
    if s.is_ascii() {
        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.') {
            return false;
        }
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return check_ascii_domain(&s.to_ascii_lowercase()).is_ok();
        }
        return check_ascii_domain(s).is_ok();
    }
    canonical_domain(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical_domain(" Example.COM. ").unwrap(), "example.com");
        assert_eq!(canonical_domain("bücher.de").unwrap(), "xn--bcher-kva.de");
        assert_eq!(canonical_domain("xn--bcher-kva.de").unwrap(), "xn--bcher-kva.de");
        assert_eq!(canonical_domain("пример.рф").unwrap(), "xn--e1afmkfd.xn--p1ai");
        assert_eq!(canonical_domain("_dmarc.example.com").unwrap(), "_dmarc.example.com");
        assert_eq!(canonical_domain("github.io").unwrap(), "github.io");
        assert!(canonical_domain("abc.onion").is_ok());
    }

    #[test]
    fn rejections() {
        for bad in [
            "invoice.pdf",
            "setup.exe",
            "-bad-.com",
            "com",
            "co.uk",
            "my_shop.com",
            "a..com",
            "host.local",
            "xn--zz.com",
            "exa mple.com",
            "",
            "1.2.3.4",
        ] {
            assert!(canonical_domain(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn registrable() {
        assert_eq!(registrable_part("www.example.co.uk"), Some("example.co.uk"));
        assert_eq!(registrable_part("example.co.uk"), Some("example.co.uk"));
        assert_eq!(registrable_part("foo.blogspot.com"), Some("foo.blogspot.com"));
        assert_eq!(registrable_part("a.foo.blogspot.com"), Some("foo.blogspot.com"));
        assert_eq!(registrable_part("co.uk"), None);
        assert_eq!(registrable_part("github.io"), None);
    }
}
