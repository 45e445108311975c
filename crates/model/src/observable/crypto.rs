//! Cryptocurrency addresses: Bitcoin, Ethereum, Tron and Litecoin.
//!
//! Only mainnet addresses are accepted: a testnet address holds nothing of value, and taking it
//! for a mainnet one would correlate unrelated reports. Testnet and regtest addresses are
//! rejected with a reason that says so.

use bech32::primitives::decode::{
    CharError, CheckedHrpstring, ChecksumError, SegwitHrpstring, SegwitHrpstringError,
    UncheckedHrpstringError,
};
use bech32::{Bech32, Bech32m};
use sha3::{Digest, Keccak256};

use super::{Reason, strip_prefix_ci};

/// Base58Check version bytes and what they denote.
mod version {
    pub const BTC_P2PKH: u8 = 0x00;
    pub const BTC_P2SH: u8 = 0x05;
    pub const BTC_TEST_P2PKH: u8 = 0x6f;
    pub const BTC_TEST_P2SH: u8 = 0xc4;
    pub const LTC_P2PKH: u8 = 0x30;
    pub const LTC_P2SH: u8 = 0x32;
    pub const LTC_TEST_P2SH: u8 = 0x3a;
    pub const TRX: u8 = 0x41;
}

/// A decoded Base58Check address: the version byte and the payload length after it.
struct Base58Check {
    version: u8,
    payload_len: usize,
}

/// Decodes Base58Check without allocating. Bitcoin-family addresses are 25 bytes (version,
/// 20-byte hash, 4-byte checksum), which is 26 to 35 Base58 characters.
fn decode_base58check(s: &str) -> Result<Base58Check, Reason> {
    if !(25..=36).contains(&s.len()) {
        return Err(format!("wrong length for a base58 address ({} characters)", s.len()).into());
    }
    let mut buf = [0u8; 40];
    let n = bs58::decode(s).with_check(None).onto(&mut buf[..]).map_err(|e| match e {
        bs58::decode::Error::InvalidCharacter { character, .. } => {
            Reason::from(format!("invalid base58 character {character:?}"))
        }
        bs58::decode::Error::NonAsciiCharacter { .. } => "invalid base58 character".into(),
        bs58::decode::Error::InvalidChecksum { .. } => "base58check checksum mismatch".into(),
        _ => "not a base58check address".into(),
    })?;
    if n == 0 {
        return Err("not a base58check address".into());
    }
    Ok(Base58Check { version: buf[0], payload_len: n - 1 })
}

/// Which chain a Bech32 segwit address belongs to.
struct Segwit {
    hrp_lower: [u8; 8],
    hrp_len: usize,
}

impl Segwit {
    fn hrp(&self) -> &str {
        std::str::from_utf8(&self.hrp_lower[..self.hrp_len]).unwrap_or("")
    }
}

/// Decodes and validates a segwit address (BIP-173 / BIP-350): bech32 checksum for witness
/// version 0 (program of 20 or 32 bytes), bech32m for versions 1 to 16.
fn decode_segwit(s: &str) -> Result<Segwit, Reason> {
    let has_upper = s.bytes().any(|b| b.is_ascii_uppercase());
    let has_lower = s.bytes().any(|b| b.is_ascii_lowercase());
    if has_upper && has_lower {
        return Err("mixed-case bech32 address".into());
    }
    let checked = SegwitHrpstring::new(s).map_err(|e| segwit_error(s, e))?;
    let hrp = checked.hrp();
    let mut hrp_lower = [0u8; 8];
    let mut hrp_len = 0;
    for b in hrp.byte_iter() {
        if hrp_len == hrp_lower.len() {
            return Err("unknown human-readable part".into());
        }
        hrp_lower[hrp_len] = b.to_ascii_lowercase();
        hrp_len += 1;
    }
    Ok(Segwit { hrp_lower, hrp_len })
}

fn segwit_error(s: &str, e: SegwitHrpstringError) -> Reason {
    use SegwitHrpstringError as E;
    match e {
        E::Unchecked(UncheckedHrpstringError::Char(CharError::MissingSeparator)) => {
            "missing bech32 separator '1'".into()
        }
        E::Unchecked(UncheckedHrpstringError::Char(CharError::NothingAfterSeparator)) | E::NoData => {
            "no data after the bech32 separator".into()
        }
        E::Unchecked(UncheckedHrpstringError::Char(CharError::InvalidChar(c))) => {
            format!("invalid bech32 character {c:?}").into()
        }
        E::Unchecked(UncheckedHrpstringError::Char(CharError::MixedCase)) => {
            "mixed-case bech32 address".into()
        }
        E::Unchecked(_) => "invalid human-readable part".into(),
        E::TooLong(_) => "too long for a segwit address".into(),
        E::InvalidWitnessVersion(_) => "invalid witness version (must be 0 to 16)".into(),
        E::Padding(_) => "invalid padding in the witness program".into(),
        E::WitnessLength(_) => "invalid witness program length".into(),
        E::Checksum(ChecksumError::InvalidResidue) => {
            // Say which constant the address was (wrongly) encoded with, if any.
            let v0 = s
                .rfind('1')
                .and_then(|i| s[i + 1..].chars().next())
                .is_some_and(|c| c.eq_ignore_ascii_case(&'q'));
            if v0 && CheckedHrpstring::new::<Bech32m>(s).is_ok() {
                "witness version 0 must use the bech32 checksum, not bech32m (bip-350)".into()
            } else if !v0 && CheckedHrpstring::new::<Bech32>(s).is_ok() {
                "witness version 1 and above must use the bech32m checksum, not bech32 (bip-350)".into()
            } else {
                "bech32 checksum mismatch".into()
            }
        }
        E::Checksum(_) => "invalid bech32 data length".into(),
        _ => "not a valid segwit address".into(),
    }
}

fn is_bech32_prefixed(s: &str, hrp: &str) -> bool {
    strip_prefix_ci(s, hrp).is_some_and(|rest| rest.len() > 1 && rest.starts_with('1'))
}

/// Canonicalises a Bitcoin address.
///
/// Base58Check P2PKH (`1…`, version 0x00) and P2SH (`3…`, 0x05) are kept exactly as written
/// (Base58 is case-sensitive). Segwit addresses (`bc1…`, witness v0 with the bech32 checksum,
/// v1 and above with bech32m) are lowercased; BIP-173 allows an all-uppercase form but never a
/// mixed-case one.
pub(crate) fn canonical_btc(s: &str) -> Result<String, Reason> {
    if is_bech32_prefixed(s, "bc") || is_bech32_prefixed(s, "tb") || is_bech32_prefixed(s, "bcrt") {
        let segwit = decode_segwit(s)?;
        return match segwit.hrp() {
            "bc" => Ok(s.to_ascii_lowercase()),
            "tb" => Err("testnet address (only mainnet addresses are accepted)".into()),
            "bcrt" => Err("regtest address (only mainnet addresses are accepted)".into()),
            other => Err(format!("not a bitcoin address (human-readable part \"{other}\")").into()),
        };
    }
    if is_bech32_prefixed(s, "ltc") {
        return Err("litecoin address, not bitcoin".into());
    }
    let decoded = decode_base58check(s)?;
    match decoded.version {
        version::BTC_P2PKH | version::BTC_P2SH => {}
        version::BTC_TEST_P2PKH | version::BTC_TEST_P2SH => {
            return Err("testnet address (only mainnet addresses are accepted)".into());
        }
        version::LTC_P2PKH | version::LTC_P2SH => return Err("litecoin address, not bitcoin".into()),
        version::TRX => return Err("tron address, not bitcoin".into()),
        v => return Err(format!("unknown address version 0x{v:02x}").into()),
    }
    check_hash160(&decoded)?;
    Ok(s.to_owned())
}

/// Canonicalises a Litecoin address: Base58Check P2PKH (`L…`, 0x30), P2SH (`M…`, 0x32) and the
/// legacy P2SH (`3…`, 0x05, shared with Bitcoin), kept as written; segwit (`ltc1…`) lowercased.
pub(crate) fn canonical_ltc(s: &str) -> Result<String, Reason> {
    if is_bech32_prefixed(s, "ltc") || is_bech32_prefixed(s, "tltc") || is_bech32_prefixed(s, "rltc") {
        let segwit = decode_segwit(s)?;
        return match segwit.hrp() {
            "ltc" => Ok(s.to_ascii_lowercase()),
            "tltc" => Err("testnet address (only mainnet addresses are accepted)".into()),
            "rltc" => Err("regtest address (only mainnet addresses are accepted)".into()),
            other => Err(format!("not a litecoin address (human-readable part \"{other}\")").into()),
        };
    }
    if is_bech32_prefixed(s, "bc") {
        return Err("bitcoin address, not litecoin".into());
    }
    let decoded = decode_base58check(s)?;
    match decoded.version {
        version::LTC_P2PKH | version::LTC_P2SH | version::BTC_P2SH => {}
        version::BTC_TEST_P2PKH | version::BTC_TEST_P2SH | version::LTC_TEST_P2SH => {
            return Err("testnet address (only mainnet addresses are accepted)".into());
        }
        version::BTC_P2PKH => return Err("bitcoin address, not litecoin".into()),
        version::TRX => return Err("tron address, not litecoin".into()),
        v => return Err(format!("unknown address version 0x{v:02x}").into()),
    }
    check_hash160(&decoded)?;
    Ok(s.to_owned())
}

fn check_hash160(decoded: &Base58Check) -> Result<(), Reason> {
    if decoded.payload_len != 20 {
        return Err(format!("wrong payload length ({} bytes, expected 20)", decoded.payload_len).into());
    }
    Ok(())
}

/// Canonicalises a Tron address: Base58Check of 21 bytes starting with 0x41 (so `T…`, 34
/// characters), kept as written. The hexadecimal form (`41` + 40 hex digits) is accepted and
/// converted to Base58Check, which is how explorers and reports show Tron addresses.
pub(crate) fn canonical_trx(s: &str) -> Result<String, Reason> {
    if s.len() == 42 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut bytes = [0u8; 21];
        for (i, pair) in s.as_bytes().chunks(2).enumerate() {
            bytes[i] = (hex_val(pair[0]) << 4) | hex_val(pair[1]);
        }
        if bytes[0] != version::TRX {
            return Err("hexadecimal tron address must start with 41".into());
        }
        return Ok(bs58::encode(bytes).with_check().into_string());
    }
    if !s.starts_with('T') {
        return Err("tron address must start with 'T'".into());
    }
    let decoded = decode_base58check(s)?;
    if decoded.version != version::TRX {
        return Err(format!("unknown address version 0x{:02x} (tron is 0x41)", decoded.version).into());
    }
    check_hash160(&decoded)?;
    Ok(s.to_owned())
}

fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Canonicalises an Ethereum address: `0x` and 40 hex digits, lowercased. A mixed-case address
/// carries an EIP-55 checksum, which must match; all-lowercase and all-uppercase addresses carry
/// none. The `0x` prefix is required: without it, 40 hex digits are a SHA-1.
pub(crate) fn canonical_eth(s: &str) -> Result<String, Reason> {
    let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) else {
        if s.ends_with(".eth") {
            return Err("ens names are not addresses".into());
        }
        return Err("missing 0x prefix".into());
    };
    if let Some(c) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("invalid hex character {c:?}").into());
    }
    if hex.len() != 40 {
        return Err(format!("expected 40 hex digits after 0x, found {}", hex.len()).into());
    }
    let mut value = String::with_capacity(42);
    value.push_str("0x");
    value.extend(hex.chars().map(|c| c.to_ascii_lowercase()));
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    if has_upper && has_lower && eip55(&value[2..]) != hex {
        return Err("eip-55 checksum mismatch".into());
    }
    Ok(value)
}

/// The EIP-55 mixed-case form of 40 lowercase hex digits (without `0x`).
pub fn eip55(lower_hex: &str) -> String {
    let hash = Keccak256::digest(lower_hex.as_bytes());
    lower_hex
        .char_indices()
        .map(|(i, c)| {
            let nibble = if i % 2 == 0 { hash[i / 2] >> 4 } else { hash[i / 2] & 0x0f };
            if c.is_ascii_alphabetic() && nibble >= 8 { c.to_ascii_uppercase() } else { c }
        })
        .collect()
}

/// Kind inference: whether `s` is a valid mainnet address of the given chain. The checksum is
/// part of the shape, since Base58 strings can otherwise look like hashes or words.
pub(crate) fn is_btc(s: &str) -> bool {
    (s.starts_with(['1', '3']) || is_bech32_prefixed(s, "bc")) && canonical_btc(s).is_ok()
}

pub(crate) fn is_ltc(s: &str) -> bool {
    (s.starts_with(['L', 'M']) || is_bech32_prefixed(s, "ltc")) && canonical_ltc(s).is_ok()
}

pub(crate) fn is_trx(s: &str) -> bool {
    s.len() == 34 && s.starts_with('T') && canonical_trx(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_vector() {
        assert_eq!(
            eip55("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
    }

    #[test]
    fn trx_hex_roundtrip() {
        let b58 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
        assert_eq!(canonical_trx(b58).unwrap(), b58);
        let mut bytes = [0u8; 40];
        let n = bs58::decode(b58).with_check(None).onto(&mut bytes[..]).unwrap();
        let hex: String = bytes[..n].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(canonical_trx(&hex).unwrap(), b58);
    }
}
