//! IPv4 and IPv6 addresses.
//!
//! Addresses are never rejected for being private, reserved or otherwise special: an analyst
//! reporting `10.0.0.5` meant it. Such addresses are only flagged (see [`Flag`]).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Flag, Reason};

/// Parses a dotted-quad IPv4 address: exactly four decimal octets of one to three digits each.
///
/// Only the dotted-quad form is accepted; the integer (`3232235777`), hexadecimal (`0xc0a80101`)
/// and short (`127.1`) forms that `inet_aton` and browsers accept are rejected, because nobody
/// writes an indicator that way on purpose and each of them is more often a version number or a
/// counter than an address.
///
/// Zero-padded octets (`010.001.002.003`) are **accepted and read as decimal**
/// (`10.1.2.3`): IOC feeds, firewall logs and spreadsheets zero-pad octets to align columns, and
/// rejecting those records would lose them. The octal reading `inet_aton` gives a leading zero is
/// a socket-API quirk nobody uses for writing indicators; inside a URL, where a browser would
/// read it as octal, the host is parsed by the WHATWG URL parser instead (see the url kind).
pub(crate) fn parse_ipv4(s: &str) -> Result<Ipv4Addr, Reason> {
    let mut octets = [0u8; 4];
    let mut count = 0;
    for part in s.split('.') {
        if count == 4 {
            return Err("expected four dot-separated decimal octets, found more".into());
        }
        if part.is_empty() {
            return Err("empty octet".into());
        }
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err("expected four dot-separated decimal octets".into());
        }
        if part.len() > 3 {
            return Err(format!("octet {part} has more than three digits").into());
        }
        let value: u16 = part.bytes().fold(0, |acc, b| acc * 10 + u16::from(b - b'0'));
        octets[count] =
            u8::try_from(value).map_err(|_| Reason::from(format!("octet {part} is out of range (0-255)")))?;
        count += 1;
    }
    if count != 4 {
        return Err(format!("expected four dot-separated decimal octets, found {count}").into());
    }
    Ok(Ipv4Addr::from(octets))
}

/// Cheap shape test used by kind inference: four dot-separated groups of one to three digits.
pub(crate) fn looks_like_ipv4(s: &str) -> bool {
    let mut count = 0;
    for part in s.split('.') {
        count += 1;
        if count > 4 || part.is_empty() || part.len() > 3 {
            return false;
        }
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    count == 4
}

/// Parses an IPv6 address in any RFC 4291 text form. Brackets and zone indices are rejected:
/// the first belongs to URLs, the second is meaningful on one host only.
pub(crate) fn parse_ipv6(s: &str) -> Result<Ipv6Addr, Reason> {
    if s.starts_with('[') || s.ends_with(']') {
        return Err("remove the brackets around the address".into());
    }
    if s.contains('%') {
        return Err("zone indices (%…) are not allowed".into());
    }
    if !s.contains(':') {
        if looks_like_ipv4(s) {
            return Err("this is an ipv4 address".into());
        }
        return Err("not an ipv6 address (no ':')".into());
    }
    s.parse::<Ipv6Addr>().map_err(|_| "not a valid ipv6 address".into())
}

/// The flag describing a special-purpose IPv4 block, if the address is in one.
pub(crate) fn ipv4_flag(ip: Ipv4Addr) -> Option<Flag> {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (10, _, _) => Some(Flag::Private),
        (172, 16..=31, _) => Some(Flag::Private),
        (192, 168, _) => Some(Flag::Private),
        (127, _, _) => Some(Flag::Loopback),
        (169, 254, _) => Some(Flag::LinkLocal),
        // "This network" (includes the unspecified 0.0.0.0).
        (0, _, _) => Some(Flag::Reserved),
        // Shared address space for carrier-grade NAT (RFC 6598).
        (100, 64..=127, _) => Some(Flag::Reserved),
        // IETF protocol assignments (RFC 6890).
        (192, 0, 0) => Some(Flag::Reserved),
        // Documentation: TEST-NET-1, -2 and -3 (RFC 5737).
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Some(Flag::Reserved),
        // 6to4 relay anycast (RFC 7526, deprecated).
        (192, 88, 99) => Some(Flag::Reserved),
        // Benchmarking (RFC 2544).
        (198, 18..=19, _) => Some(Flag::Reserved),
        // Multicast (224/4), reserved (240/4) and the limited broadcast address.
        (224..=255, _, _) => Some(Flag::Reserved),
        _ => None,
    }
}

/// The flag describing a special-purpose IPv6 block, if the address is in one.
pub(crate) fn ipv6_flag(ip: Ipv6Addr) -> Option<Flag> {
    let seg = ip.segments();
    if ip.is_loopback() {
        return Some(Flag::Loopback);
    }
    if ip.is_unspecified() {
        return Some(Flag::Reserved);
    }
    match seg[0] {
        // Unique local addresses (RFC 4193).
        0xfc00..=0xfdff => return Some(Flag::Private),
        // Link-local unicast.
        0xfe80..=0xfebf => return Some(Flag::LinkLocal),
        // Deprecated site-local (RFC 3879).
        0xfec0..=0xfeff => return Some(Flag::Reserved),
        // Multicast.
        0xff00..=0xffff => return Some(Flag::Reserved),
        _ => {}
    }
    let reserved =
        // IPv4-compatible (deprecated) and IPv4-mapped addresses never appear on the wire.
        (seg[..5] == [0; 5] && (seg[5] == 0 || seg[5] == 0xffff))
        // Discard-only prefix (RFC 6666).
        || seg[..4] == [0x100, 0, 0, 0]
        // Documentation (RFC 3849, RFC 9637).
        || (seg[0] == 0x2001 && seg[1] == 0x0db8)
        || (seg[0] == 0x3fff && seg[1] & 0xf000 == 0)
        // Benchmarking (RFC 5180).
        || (seg[0] == 0x2001 && seg[1] == 0x0002 && seg[2] == 0);
    reserved.then_some(Flag::Reserved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_dotted_quad_only() {
        assert_eq!(parse_ipv4("1.2.3.4").unwrap(), Ipv4Addr::new(1, 2, 3, 4));
        assert_eq!(parse_ipv4("010.001.002.003").unwrap(), Ipv4Addr::new(10, 1, 2, 3));
        assert!(parse_ipv4("1.2.3").is_err());
        assert!(parse_ipv4("1.2.3.4.5").is_err());
        assert!(parse_ipv4("256.1.1.1").is_err());
        assert!(parse_ipv4("0010.1.1.1").is_err());
        assert!(parse_ipv4("1..2.3").is_err());
        assert!(parse_ipv4("1.2.3.4 ").is_err());
        assert!(parse_ipv4("0x7f.0.0.1").is_err());
    }

    #[test]
    fn flags() {
        let f = |s: &str| ipv4_flag(s.parse().unwrap());
        assert_eq!(f("10.1.2.3"), Some(Flag::Private));
        assert_eq!(f("172.31.0.1"), Some(Flag::Private));
        assert_eq!(f("172.32.0.1"), None);
        assert_eq!(f("127.0.0.1"), Some(Flag::Loopback));
        assert_eq!(f("169.254.1.1"), Some(Flag::LinkLocal));
        assert_eq!(f("100.64.0.1"), Some(Flag::Reserved));
        assert_eq!(f("100.128.0.1"), None);
        assert_eq!(f("198.19.255.255"), Some(Flag::Reserved));
        assert_eq!(f("255.255.255.255"), Some(Flag::Reserved));
        assert_eq!(f("8.8.8.8"), None);
        let g = |s: &str| ipv6_flag(s.parse().unwrap());
        assert_eq!(g("::1"), Some(Flag::Loopback));
        assert_eq!(g("::"), Some(Flag::Reserved));
        assert_eq!(g("fd00::1"), Some(Flag::Private));
        assert_eq!(g("fe80::1"), Some(Flag::LinkLocal));
        assert_eq!(g("ff02::1"), Some(Flag::Reserved));
        assert_eq!(g("2001:db8::1"), Some(Flag::Reserved));
        assert_eq!(g("3fff::1"), Some(Flag::Reserved));
        assert_eq!(g("::ffff:1.2.3.4"), Some(Flag::Reserved));
        assert_eq!(g("2606:4700::1111"), None);
    }
}
