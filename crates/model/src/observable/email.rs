//! E-mail addresses.

use super::domain::canonical_domain;
use super::{Canonical, Observable, ObservableKind, Reason, strip_prefix_ci};

/// The longest local part (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_LEN: usize = 64;
/// The longest address usable in SMTP (RFC 5321 path limit minus the angle brackets).
const MAX_ADDRESS_LEN: usize = 254;

/// Canonicalises an e-mail address.
///
/// - Surrounding whitespace and a `mailto:` prefix are dropped.
/// - The local part must be an RFC 5322 dot-atom: atext characters (letters, digits and
///   ``!#$%&'*+-/=?^_`{|}~``) in dot-separated runs, with no leading, trailing or doubled dot.
///   Non-ASCII characters are accepted (RFC 6531 internationalised addresses). Quoted local
///   parts (`"john doe"@example.com`) and address literals (`john@[192.0.2.1]`) are rejected:
///   they do not occur in fraud reports and only serve to smuggle odd values.
/// - The domain is canonicalised like the domain kind (IDNA to Punycode, known suffix).
/// - The whole address is lowercased. Mailbox providers treat local parts case-insensitively
///   in practice, and correlation must not split `John@…` from `john@…`. Provider-specific
///   rewrites (Gmail dots, `+tags`) are deliberately **not** applied: they are different
///   identities as far as a report is concerned.
/// - `related` holds the domain.
pub(crate) fn canonicalize_email(raw: &str) -> Result<Canonical, Reason> {
    let s = raw.trim();
    let s = strip_prefix_ci(s, "mailto:").unwrap_or(s);
    if s.is_empty() {
        return Err("empty value".into());
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err("missing '@'".into());
    };
    if local.starts_with('"') {
        return Err("quoted local parts are not supported".into());
    }
    if local.contains('@') {
        return Err("more than one '@'".into());
    }
    check_local(local)?;
    if domain.starts_with('[') {
        return Err("address literals ([…]) are not supported".into());
    }
    let domain =
        canonical_domain(domain).map_err(|reason| Reason::from(format!("invalid domain: {reason}")))?;
    let len = local.len() + 1 + domain.len();
    if len > MAX_ADDRESS_LEN {
        return Err(format!("longer than {MAX_ADDRESS_LEN} characters").into());
    }
    let mut value = String::with_capacity(len);
    if local.is_ascii() {
        value.extend(local.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        value.push_str(&local.to_lowercase());
    }
    value.push('@');
    value.push_str(&domain);
    Ok(Canonical {
        observable: Observable { kind: ObservableKind::Email, value },
        flags: Vec::new(),
        related: vec![Observable { kind: ObservableKind::Domain, value: domain }],
    })
}

fn check_local(local: &str) -> Result<(), Reason> {
    if local.is_empty() {
        return Err("empty local part".into());
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(format!("local part longer than {MAX_LOCAL_LEN} characters").into());
    }
    if local.starts_with('.') || local.ends_with('.') {
        return Err("local part starts or ends with a dot".into());
    }
    if local.contains("..") {
        return Err("two dots in a row in the local part".into());
    }
    if let Some(c) = local.chars().find(|&c| !is_atext(c) && c != '.') {
        return Err(format!("invalid character {c:?} in local part").into());
    }
    Ok(())
}

/// RFC 5322 atext, extended with non-ASCII characters (RFC 6532) other than controls and
/// whitespace.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
}

/// Cheap shape test used by kind inference.
pub(crate) fn looks_like_email(s: &str) -> bool {
    let s = strip_prefix_ci(s, "mailto:").unwrap_or(s);
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let c = canonicalize_email(" John.Doe+x@Example.COM ").unwrap();
        assert_eq!(c.observable.value, "john.doe+x@example.com");
        assert_eq!(c.related[0].value, "example.com");
        assert_eq!(canonicalize_email("mailto:a@bücher.de").unwrap().observable.value, "a@xn--bcher-kva.de");
        assert_eq!(canonicalize_email("Ünal@example.com").unwrap().observable.value, "ünal@example.com");
    }

    #[test]
    fn rejections() {
        for bad in [
            "john",
            "@example.com",
            "john@",
            ".john@example.com",
            "jo..hn@example.com",
            "jo hn@example.com",
            "\"jo hn\"@example.com",
            "john@[192.0.2.1]",
            "john@invoice.pdf",
            "a@b@example.com",
        ] {
            assert!(canonicalize_email(bad).is_err(), "{bad} accepted");
        }
    }
}
