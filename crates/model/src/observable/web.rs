//! URLs: WHATWG URL Standard parsing (the `url` crate), with the host canonicalised as a domain
//! or an IP address.

use ::url::{Host, ParseError, Url};

use super::domain::canonical_domain;
use super::ip::{ipv4_flag, ipv6_flag, parse_ipv4};
use super::{Canonical, Flag, Observable, ObservableKind, Reason};

/// Schemes the WHATWG URL Standard treats as special (their hosts are parsed as domains or IPs).
const SPECIAL_SCHEMES: [&str; 6] = ["http", "https", "ftp", "ws", "wss", "file"];

/// Canonicalises a URL.
///
/// The value is parsed with the WHATWG URL Standard, as browsers do: the scheme and host are
/// lowercased, Unicode hosts become Punycode, default ports are dropped, the path is
/// percent-encoded where required, and numeric IPv4 hosts are normalised (`http://0x7f.1/` is
/// `http://127.0.0.1/`). The serialisation of that parse is the canonical form.
///
/// - A URL must have a host; any scheme with a host is accepted (`http`, `https`, `ftp`, `ws`,
///   `sftp`, …). Schemes without an authority (`mailto:`, `javascript:`, `data:`) are rejected.
/// - A value without a scheme (`example.com/login`, `www.example.com`, `//cdn.example.com/x`)
///   is read as `http://…`, which is how a browser's address bar reads it and how indicators
///   are usually written in reports.
/// - The host must be a valid domain (see the domain kind: a known public suffix is required)
///   or an IP address. A trailing root dot is dropped from the host. For non-special schemes,
///   whose hosts the URL Standard leaves opaque, the host is canonicalised the same way.
/// - `related` holds the host as a domain, IPv4 or IPv6 observable. An IP host adds
///   [`Flag::IpHost`] and the address's own flag (private, reserved, …) to the URL.
pub(crate) fn canonicalize_url(raw: &str) -> Result<Canonical, Reason> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("empty value".into());
    }
    let mut url = parse(s)?;
    let mut flags = Vec::new();
    let related = match url.host() {
        None => return Err("no host".into()),
        Some(Host::Ipv4(ip)) => ip_host(ObservableKind::Ipv4, ip.to_string(), ipv4_flag(ip), &mut flags),
        Some(Host::Ipv6(ip)) => ip_host(ObservableKind::Ipv6, ip.to_string(), ipv6_flag(ip), &mut flags),
        Some(Host::Domain(host)) => {
            let host = host.to_owned();
            if let Ok(ip) = parse_ipv4(&host) {
                // Opaque host of a non-special scheme written as an address.
                ip_host(ObservableKind::Ipv4, ip.to_string(), ipv4_flag(ip), &mut flags)
            } else {
                let domain = canonical_domain(&host)
                    .map_err(|reason| Reason::from(format!("invalid host: {reason}")))?;
                if domain != host {
                    url.set_host(Some(&domain))
                        .map_err(|e| Reason::from(format!("invalid host: {}", parse_error(e))))?;
                }
                Observable { kind: ObservableKind::Domain, value: domain }
            }
        }
    };
    Ok(Canonical {
        observable: Observable { kind: ObservableKind::Url, value: url.into() },
        flags,
        related: vec![related],
    })
}

fn ip_host(kind: ObservableKind, value: String, flag: Option<Flag>, flags: &mut Vec<Flag>) -> Observable {
    flags.push(Flag::IpHost);
    flags.extend(flag);
    Observable { kind, value }
}

/// Parses `s` as an absolute URL, reading a value without a scheme as `http://…`.
fn parse(s: &str) -> Result<Url, Reason> {
    let with_scheme = match scheme_end(s) {
        Some(colon) => {
            let scheme = &s[..colon];
            let rest = &s[colon + 1..];
            if rest.starts_with("//")
                || SPECIAL_SCHEMES.iter().any(|special| scheme.eq_ignore_ascii_case(special))
            {
                None
            } else if rest.starts_with(|c: char| c.is_ascii_digit()) {
                // `example.com:8080/path`: a host and port, not a scheme.
                Some(format!("http://{s}"))
            } else {
                return Err(format!(
                    "scheme \"{}\" has no host (expected scheme://host/…)",
                    scheme.to_ascii_lowercase()
                )
                .into());
            }
        }
        None if s.starts_with("//") => Some(format!("http:{s}")),
        None => Some(format!("http://{s}")),
    };
    let parsed = match &with_scheme {
        Some(full) => Url::parse(full),
        None => Url::parse(s),
    };
    parsed.map_err(|e| parse_error(e).into())
}

/// The index of the `:` ending a syntactically valid scheme at the start of `s`, if any.
pub(crate) fn scheme_end(s: &str) -> Option<usize> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    (first.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.'))
    .then_some(colon)
}

/// Whether `s` starts with `scheme://`, for kind inference.
pub(crate) fn has_authority_scheme(s: &str) -> bool {
    scheme_end(s).is_some_and(|colon| s[colon + 1..].starts_with("//"))
}

fn parse_error(e: ParseError) -> &'static str {
    match e {
        ParseError::EmptyHost => "empty host",
        ParseError::IdnaError => "invalid internationalised domain name in host",
        ParseError::InvalidPort => "invalid port number",
        ParseError::InvalidIpv4Address => "invalid ipv4 address in host",
        ParseError::InvalidIpv6Address => "invalid ipv6 address in host",
        ParseError::InvalidDomainCharacter => "invalid character in host",
        ParseError::RelativeUrlWithoutBase => "not an absolute url",
        ParseError::Overflow => "too long",
        _ => "not a valid url",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonicalize_url(s).unwrap().observable.value
    }

    #[test]
    fn forms() {
        assert_eq!(canon("HTTPS://Example.COM:443/Login?a=B#x"), "https://example.com/Login?a=B#x");
        assert_eq!(canon("example.com/login"), "http://example.com/login");
        assert_eq!(canon("www.example.com"), "http://www.example.com/");
        assert_eq!(canon("example.com:8080/x"), "http://example.com:8080/x");
        assert_eq!(canon("//cdn.example.com/x"), "http://cdn.example.com/x");
        assert_eq!(canon("http://bücher.de/"), "http://xn--bcher-kva.de/");
        assert_eq!(canon("http://example.com./a"), "http://example.com/a");
        assert_eq!(canon("hxxp://Evil.COM/x"), "hxxp://evil.com/x");
        assert_eq!(canon("http://0x7f.1/"), "http://127.0.0.1/");
        assert_eq!(canon("http://[2001:DB8::1]:8080/"), "http://[2001:db8::1]:8080/");
    }

    #[test]
    fn rejections() {
        for bad in [
            "mailto:john@example.com",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "http://localhost/",
            "http://invoice.pdf/",
            "http://exa mple.com/",
            "http://1.2.3.256/",
            "",
        ] {
            assert!(canonicalize_url(bad).is_err(), "{bad} accepted");
        }
    }
}
