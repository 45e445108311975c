//! International Bank Account Numbers (ISO 13616).

use super::{Reason, strip_prefix_ci};

/// IBAN country codes and IBAN lengths, from the SWIFT IBAN Registry (ISO 13616 registration
/// authority). Dependent territories that use their parent country's IBAN country code (French
/// overseas departments and collectivities use `FR`, the Crown Dependencies `GB`, Åland `FI`)
/// need no entry of their own. Sorted by code for binary search.
pub const IBAN_LENGTHS: [(&str, u8); 89] = [
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HN", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// The longest IBAN of any country.
const MAX_IBAN_LEN: usize = 34;

/// The IBAN length of a registered IBAN country code.
pub fn iban_length(country: &str) -> Option<usize> {
    IBAN_LENGTHS
        .binary_search_by(|(code, _)| (*code).cmp(country))
        .ok()
        .map(|i| usize::from(IBAN_LENGTHS[i].1))
}

/// The ISO 7064 MOD 97-10 remainder of an IBAN (country and check digits moved to the end,
/// letters as 10 to 35). A valid IBAN gives 1.
pub fn iban_mod97(iban: &[u8]) -> u32 {
    let (head, body) = iban.split_at(4.min(iban.len()));
    body.iter().chain(head).fold(0u32, |acc, &b| match b {
        b'0'..=b'9' => (acc * 10 + u32::from(b - b'0')) % 97,
        _ => (acc * 100 + u32::from(b.to_ascii_uppercase() - b'A') + 10) % 97,
    })
}

/// Canonicalises an IBAN: spaces, hyphens and dots are dropped, a leading `IBAN` label is
/// dropped, letters are uppercased (the electronic format). The country code must be in the
/// SWIFT registry, the length must be that country's, the check digits must be 02 to 98 and
/// the MOD 97-10 checksum must hold. The BBAN's national structure is not checked.
pub(crate) fn canonical_iban(raw: &str) -> Result<String, Reason> {
    let mut buf = [0u8; MAX_IBAN_LEN + 1];
    let mut len = 0;
    let mut s = raw.trim();
    if let Some(rest) = strip_prefix_ci(s, "iban") {
        s = rest.trim_start_matches([':', ' ']);
    }
    for c in s.chars() {
        match c {
            ' ' | '-' | '.' | '\t' | '\u{a0}' => continue,
            c if c.is_ascii_alphanumeric() => {
                if len == buf.len() {
                    return Err(format!("longer than {MAX_IBAN_LEN} characters").into());
                }
                buf[len] = c.to_ascii_uppercase() as u8;
                len += 1;
            }
            c => return Err(format!("invalid character {c:?}").into()),
        }
    }
    let iban = &buf[..len];
    if len == 0 {
        return Err("empty value".into());
    }
    if len < 5 {
        return Err("too short".into());
    }
    if !iban[0].is_ascii_alphabetic() || !iban[1].is_ascii_alphabetic() {
        return Err("must start with a two-letter country code".into());
    }
    if !iban[2].is_ascii_digit() || !iban[3].is_ascii_digit() {
        return Err("check digits (characters 3 and 4) must be digits".into());
    }
    // ASCII by construction.
    let country = std::str::from_utf8(&iban[..2]).unwrap_or_default();
    let Some(expected) = iban_length(country) else {
        return Err(format!("unknown iban country code \"{country}\"").into());
    };
    if len != expected {
        return Err(format!("wrong length for {country}: expected {expected} characters, found {len}").into());
    }
    if matches!(&iban[2..4], b"00" | b"01" | b"99") {
        return Err("check digits 00, 01 and 99 are never issued".into());
    }
    if iban_mod97(iban) != 1 {
        return Err("iban checksum mismatch (mod 97)".into());
    }
    Ok(String::from_utf8_lossy(iban).into_owned())
}

/// Kind inference: two letters, two digits, then letters and digits (spaces allowed in groups),
/// a registered country with the right length, and a valid checksum.
pub(crate) fn is_iban(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 15
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_uppercase()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit()
        && b.iter().all(|b| b.is_ascii_alphanumeric() || *b == b' ')
        && canonical_iban(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(IBAN_LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn forms() {
        assert_eq!(canonical_iban("GB82 WEST 1234 5698 7654 32").unwrap(), "GB82WEST12345698765432");
        assert_eq!(canonical_iban("iban: de89-3704-0044-0532-0130-00").unwrap(), "DE89370400440532013000");
        assert!(canonical_iban("GB82 WEST 1234 5698 7654 33").is_err());
        assert!(canonical_iban("GB82 WEST 1234 5698 7654 3").is_err());
        assert!(canonical_iban("XX82 WEST 1234 5698 7654 32").is_err());
    }
}
