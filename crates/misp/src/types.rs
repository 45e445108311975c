//! MISP attribute types and dragnet observable kinds, both ways.
//!
//! | MISP type | dragnet kinds |
//! |---|---|
//! | `ip-src`, `ip-dst`, `ip` | ipv4 or ipv6 (a `/32` or `/128` is the address; a wider network is kept raw) |
//! | `ip-src\|port`, `ip-dst\|port` | the address; the port stays in the value as received |
//! | `domain`, `hostname` | domain |
//! | `hostname\|port` | the domain |
//! | `domain\|ip` | domain and the address |
//! | `url` | url |
//! | `email`, `email-src`, `email-dst`, `email-reply-to`, `target-email`, `whois-registrant-email` | email |
//! | `phone-number`, `whois-registrant-phone` | phone |
//! | `md5`, `sha1`, `sha256` | the hash |
//! | `filename\|md5`, `filename\|sha1`, `filename\|sha256`, `malware-sample` | the hash; the file name stays in the value as received |
//! | `btc` | btc |
//! | `iban` | iban |
//! | `bank-account-nr` | iban when the number is one; otherwise kept raw (dragnet has no kind for other account numbers) |
//! | `text` with the comment `dragnet:<kind>` | that kind (what dragnet exports for kinds MISP has no type for) |
//!
//! Every other type (`xmr`, `bic`, `filename`, `text`, `link`, `comment`, `user-agent`, …) has no
//! dragnet kind: its values are kept on the report as received, labelled with their type.

use model::ObservableKind;

/// Where one part of an attribute value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// An observable of this kind.
    Kind(ObservableKind),
    /// An IPv4 or IPv6 address, whichever it is (a single-address CIDR is the address).
    Ip,
    /// An IBAN when the value is one, else the whole attribute is kept raw.
    IbanIfValid,
}

/// How a MISP attribute type maps to observables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeMap {
    /// The whole value is one observable.
    Single(Target),
    /// A composite `a|b` value: each part's target, `None` for a part that is not an observable
    /// (a file name, a port).
    Composite([Option<Target>; 2]),
    /// No dragnet kind: the value is kept as received.
    Raw,
}

/// How the attribute type `t` maps (type names are compared as MISP writes them, lowercase).
pub fn type_map(t: &str) -> TypeMap {
    use ObservableKind as K;
    use Target::*;
    match t {
        "ip-src" | "ip-dst" | "ip" => TypeMap::Single(Ip),
        "ip-src|port" | "ip-dst|port" => TypeMap::Composite([Some(Ip), None]),
        "domain" | "hostname" => TypeMap::Single(Kind(K::Domain)),
        "hostname|port" => TypeMap::Composite([Some(Kind(K::Domain)), None]),
        "domain|ip" => TypeMap::Composite([Some(Kind(K::Domain)), Some(Ip)]),
        "url" => TypeMap::Single(Kind(K::Url)),
        "email"
        | "email-src"
        | "email-dst"
        | "email-reply-to"
        | "target-email"
        | "whois-registrant-email" => TypeMap::Single(Kind(K::Email)),
        "phone-number" | "whois-registrant-phone" => TypeMap::Single(Kind(K::Phone)),
        "md5" => TypeMap::Single(Kind(K::Md5)),
        "sha1" => TypeMap::Single(Kind(K::Sha1)),
        "sha256" => TypeMap::Single(Kind(K::Sha256)),
        "filename|md5" | "malware-sample" => TypeMap::Composite([None, Some(Kind(K::Md5))]),
        "filename|sha1" => TypeMap::Composite([None, Some(Kind(K::Sha1))]),
        "filename|sha256" => TypeMap::Composite([None, Some(Kind(K::Sha256))]),
        "btc" => TypeMap::Single(Kind(K::Btc)),
        "iban" => TypeMap::Single(Kind(K::Iban)),
        "bank-account-nr" => TypeMap::Single(IbanIfValid),
        _ => TypeMap::Raw,
    }
}

/// Whether `t` is a type whose values become observables (see [`type_map`]).
pub fn is_mapped(t: &str) -> bool {
    type_map(t) != TypeMap::Raw
}

/// The comment prefix of a `text` attribute carrying a value of a dragnet kind MISP has no
/// type for (`dragnet:eth`).
pub const KIND_COMMENT_PREFIX: &str = "dragnet:";

/// The MISP type a dragnet kind is exported as, or `None` when MISP has no type for it (such
/// values are exported as `text` with the comment `dragnet:<kind>`).
pub fn misp_type(kind: ObservableKind) -> Option<&'static str> {
    use ObservableKind as K;
    Some(match kind {
        K::Ipv4 | K::Ipv6 => "ip-dst",
        K::Domain => "domain",
        K::Url => "url",
        K::Email => "email-src",
        K::Phone => "phone-number",
        K::Btc => "btc",
        K::Iban => "iban",
        K::Md5 => "md5",
        K::Sha1 => "sha1",
        K::Sha256 => "sha256",
        K::Eth | K::Trx | K::Ltc | K::Pdq | K::Telegram | K::RemoteAccess => return None,
    })
}

/// MISP's default category and `to_ids` of the types dragnet writes (MISP's `describeTypes`
/// sane defaults); `None` for a type dragnet does not write.
pub fn defaults(t: &str) -> Option<(&'static str, bool)> {
    Some(match t {
        "ip-src" | "ip-dst" | "ip-src|port" | "ip-dst|port" | "domain" | "hostname" | "hostname|port"
        | "domain|ip" | "url" => ("Network activity", true),
        "email" => ("Social network", true),
        "email-src" => ("Payload delivery", true),
        "email-dst" => ("Network activity", true),
        "email-reply-to" => ("Payload delivery", false),
        "target-email" => ("Targeting data", false),
        "whois-registrant-email" | "whois-registrant-phone" => ("Attribution", false),
        "phone-number" => ("Person", false),
        "md5" | "sha1" | "sha256" | "filename|md5" | "filename|sha1" | "filename|sha256"
        | "malware-sample" => ("Payload delivery", true),
        "btc" | "iban" | "bank-account-nr" => ("Financial fraud", true),
        "text" => ("Other", false),
        _ => return None,
    })
}

/// Where an observable came from in a MISP event, as dragnet keeps it in the observable's
/// `role`: `[<object>#<n>/<relation> ]<type>[ ids]`, e.g. `ip-dst ids`, `btc`,
/// `domain-ip#0/ip ip-dst ids` (the attribute type, `ids` when `to_ids` was set, and for an
/// object's attribute the object's name, its position among the event's objects and the
/// relation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub object: Option<ObjectRef>,
    /// The MISP attribute type.
    pub misp_type: String,
    pub to_ids: bool,
}

/// An attribute's place in a MISP object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    pub name: String,
    /// The object's position among the event's objects.
    pub index: usize,
    pub relation: String,
}

/// The longest role dragnet keeps.
pub const ROLE_MAX_CHARS: usize = 64;

impl Role {
    /// The role as dragnet stores it; the object part is left out when the whole would not fit,
    /// or would not read back (an object name or relation with a space, a name with a `/`).
    pub fn to_role_string(&self) -> String {
        let tail = if self.to_ids { format!("{} ids", self.misp_type) } else { self.misp_type.clone() };
        if let Some(o) = &self.object {
            let full = format!("{}#{}/{} {tail}", o.name, o.index, o.relation);
            if full.chars().count() <= ROLE_MAX_CHARS && Role::parse(&full).as_ref() == Some(self) {
                return full;
            }
        }
        tail
    }

    /// Reads a role written by [`Role::to_role_string`]; `None` for any other role (a role
    /// given by a dragnet user, such as `scammer-phone`).
    pub fn parse(role: &str) -> Option<Role> {
        let mut tokens: Vec<&str> = role.split(' ').collect();
        let to_ids = tokens.last() == Some(&"ids") && tokens.len() > 1;
        if to_ids {
            tokens.pop();
        }
        let (object, t) = match tokens.as_slice() {
            [t] => (None, *t),
            [o, t] => {
                let (head, relation) = o.split_once('/')?;
                let (name, index) = head.rsplit_once('#')?;
                let index = index.parse().ok()?;
                if name.is_empty() || relation.is_empty() {
                    return None;
                }
                (Some(ObjectRef { name: name.into(), index, relation: relation.into() }), *t)
            }
            _ => return None,
        };
        (is_mapped(t) || t == "text").then(|| Role { object, misp_type: t.into(), to_ids })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in [
            Role { object: None, misp_type: "ip-dst".into(), to_ids: true },
            Role { object: None, misp_type: "domain|ip".into(), to_ids: false },
            Role {
                object: Some(ObjectRef { name: "domain-ip".into(), index: 3, relation: "ip".into() }),
                misp_type: "ip-dst".into(),
                to_ids: true,
            },
        ] {
            assert_eq!(Role::parse(&r.to_role_string()), Some(r.clone()), "{}", r.to_role_string());
        }
        // An object part that would not read back is left out, as one too long is.
        for (name, relation) in [("bank account", "iban"), ("a/b", "iban"), ("bank", "account number")] {
            let r = Role {
                object: Some(ObjectRef { name: name.into(), index: 0, relation: relation.into() }),
                misp_type: "iban".into(),
                to_ids: true,
            };
            assert_eq!(r.to_role_string(), "iban ids");
        }
        assert_eq!(Role::parse("scammer-phone"), None);
        assert_eq!(Role::parse("extracted"), None);
        assert_eq!(Role::parse("a b c"), None);
        assert_eq!(Role::parse("x/y btc"), None, "an object part needs its position");
        let long = Role {
            object: Some(ObjectRef { name: "x".repeat(70), index: 0, relation: "r".into() }),
            misp_type: "btc".into(),
            to_ids: true,
        };
        assert_eq!(long.to_role_string(), "btc ids");
    }

    #[test]
    fn every_exported_kind_maps_back() {
        for kind in ObservableKind::ALL {
            match misp_type(kind) {
                Some(t) => {
                    assert!(is_mapped(t), "{t}");
                    assert!(defaults(t).is_some(), "{t}");
                }
                None => assert!(defaults("text").is_some()),
            }
        }
    }
}
