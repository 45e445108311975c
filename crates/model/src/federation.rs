//! Federation: instances pulling reports from each other.
//!
//! Every instance has an [`Instance`] identity (a stable UUID kept in its store, and a name).
//! An instance pulls from its peers: other dragnet instances through their event stream, other
//! platforms through TAXII 2.1 collections. On the instance that serves, a peer is represented
//! by a *peer organisation* ([`crate::Organization::peer`]) whose tokens the peer pulls with.
//!
//! # What may leave ([`may_export`])
//!
//! On top of the one visibility function ([`can_see`], which the peer organisation's viewer
//! must pass like any reader), the export rule decides what leaves the instance:
//!
//! - TLP:CLEAR and TLP:GREEN: as visible;
//! - TLP:AMBER: only when the peer organisation is named in the report's audience (a community
//!   it belongs to is not enough: the peer is another instance, not a member);
//! - TLP:AMBER+STRICT and TLP:RED: never;
//! - never a revoked report, never a report the peer organisation authored (it came from that
//!   peer), never a report whose provenance chain holds the pulling instance (no loops).
//!
//! # What may come in ([`may_import`])
//!
//! The receiving side refuses TLP:AMBER+STRICT and TLP:RED whatever the peer sends, and a
//! report whose chain holds the receiving instance or that originated there.
//!
//! # Provenance
//!
//! A report imported from a peer carries its [`Provenance`]: the instance it was written on
//! and its id and author there, the peer it was pulled from, and the chain of instances it
//! went through (origin first, the peer last).
//!
//! # Peer addresses ([`address_class`])
//!
//! A peer's URL must not lead the instance to its own network: addresses that are loopback,
//! private, link-local, unspecified, multicast, shared (CGNAT), reserved or IPv4 forms of these
//! embedded in IPv6 are refused unless the operator allows them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ReportAccess, Tlp, Viewer, can_see};

/// An instance's identity: a UUID created with its store, and a name operators choose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Instance {
    pub id: Uuid,
    pub name: String,
}

/// The header a pulling instance names itself with (its instance id), so that the serving
/// instance leaves out what went through it.
pub const INSTANCE_HEADER: &str = "x-dragnet-instance";

/// How a peer is pulled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PeerKind {
    /// Another dragnet instance: its event stream, and each report it names.
    Dragnet,
    /// A TAXII 2.1 collection (any platform), polled.
    Taxii,
}

impl PeerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeerKind::Dragnet => "dragnet",
            PeerKind::Taxii => "taxii",
        }
    }
}

impl std::fmt::Display for PeerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PeerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dragnet" => Ok(PeerKind::Dragnet),
            "taxii" => Ok(PeerKind::Taxii),
            other => Err(format!("unknown peer kind {other:?} (expected dragnet or taxii)")),
        }
    }
}

/// Where a report imported from a peer comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Provenance {
    /// The instance the report was written on (for a TAXII peer, an id derived from the
    /// collection's URL).
    pub origin_instance: Uuid,
    /// That instance's name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_name: Option<String>,
    /// The report's id on the instance it was written on (a STIX report's UUID for TAXII).
    pub original_report_id: Uuid,
    /// The author organisation's name there.
    pub original_author: String,
    /// The peer this instance pulled it from.
    pub peer_instance: Uuid,
    pub peer_name: String,
    /// The URL pulled (only shown on this instance; never sent to peers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_url: Option<String>,
    /// The report's id on that peer.
    pub peer_report_id: Uuid,
    /// The instances the report went through before this one: the origin first, the peer last.
    pub chain: Vec<Uuid>,
    /// When this instance imported it.
    pub imported_at: DateTime<Utc>,
}

impl Provenance {
    /// The provenance of a report `peer` serves: the peer's own report (`served` is `None`)
    /// or one the peer imported itself (`served` is its provenance, as the peer sends it).
    pub fn pulled(
        peer: &Instance,
        peer_url: &str,
        report_id: Uuid,
        author: &str,
        served: Option<&Provenance>,
        imported_at: DateTime<Utc>,
    ) -> Provenance {
        match served {
            None => Provenance {
                origin_instance: peer.id,
                origin_name: Some(peer.name.clone()),
                original_report_id: report_id,
                original_author: author.to_string(),
                peer_instance: peer.id,
                peer_name: peer.name.clone(),
                peer_url: Some(peer_url.to_string()),
                peer_report_id: report_id,
                chain: vec![peer.id],
                imported_at,
            },
            Some(p) => {
                let mut chain = p.chain.clone();
                if chain.last() != Some(&peer.id) {
                    chain.push(peer.id);
                }
                Provenance {
                    origin_instance: p.origin_instance,
                    origin_name: p.origin_name.clone(),
                    original_report_id: p.original_report_id,
                    original_author: p.original_author.clone(),
                    peer_instance: peer.id,
                    peer_name: peer.name.clone(),
                    peer_url: Some(peer_url.to_string()),
                    peer_report_id: report_id,
                    chain,
                    imported_at,
                }
            }
        }
    }

    /// Whether the report went through (or was written on) `instance`.
    pub fn involves(&self, instance: Uuid) -> bool {
        self.origin_instance == instance || self.chain.contains(&instance)
    }
}

/// Whether a report may be sent to the peer whose organisation is `peer` (see the
/// [module docs](self)): `chain` is the report's provenance chain (empty for a report written
/// here), `puller` the pulling instance's id when it named itself.
pub fn may_export(peer: &Viewer, access: &ReportAccess, chain: &[Uuid], puller: Option<Uuid>) -> bool {
    if !can_see(peer, access) || access.revoked || access.author == peer.org {
        return false;
    }
    if puller.is_some_and(|p| chain.contains(&p)) {
        return false;
    }
    match access.tlp {
        Tlp::Clear | Tlp::Green => true,
        Tlp::Amber => access.audience_orgs.binary_search(&peer.org).is_ok(),
        Tlp::AmberStrict | Tlp::Red => false,
    }
}

/// Whether a report of this TLP may be imported from a peer: never AMBER+STRICT or RED.
pub fn may_import(tlp: Tlp) -> bool {
    !matches!(tlp, Tlp::AmberStrict | Tlp::Red)
}

/// Why a peer address is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressClass {
    Loopback,
    /// RFC 1918 and unique local (fc00::/7) addresses.
    Private,
    /// 169.254.0.0/16 and fe80::/10.
    LinkLocal,
    /// 0.0.0.0/8 and `::`.
    Unspecified,
    Multicast,
    /// Shared address space for carrier-grade NAT, 100.64.0.0/10.
    SharedCgnat,
    /// Broadcast, 240.0.0.0/4, site-local fec0::/10 and other space never routed to a peer.
    Reserved,
}

impl AddressClass {
    pub fn as_str(self) -> &'static str {
        match self {
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::Unspecified => "unspecified",
            AddressClass::Multicast => "multicast",
            AddressClass::SharedCgnat => "shared (cgnat)",
            AddressClass::Reserved => "reserved",
        }
    }
}

impl std::fmt::Display for AddressClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The class of an address a peer must not resolve to, or `None` for a public address.
/// IPv4 addresses embedded in IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
/// `64:ff9b::/96`, 6to4 `2002::/16`) are classified as the IPv4 address they carry.
pub fn address_class(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => ipv4_class(v4),
        IpAddr::V6(v6) => ipv6_class(v6),
    }
}

fn ipv4_class(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, _, _] = ip.octets();
    Some(match (a, b) {
        (0, _) => AddressClass::Unspecified,
        (127, _) => AddressClass::Loopback,
        (10, _) | (172, 16..=31) | (192, 168) => AddressClass::Private,
        (169, 254) => AddressClass::LinkLocal,
        (100, 64..=127) => AddressClass::SharedCgnat,
        (224..=239, _) => AddressClass::Multicast,
        (240..=255, _) => AddressClass::Reserved,
        _ => return None,
    })
}

fn ipv6_class(ip: Ipv6Addr) -> Option<AddressClass> {
    if ip.is_loopback() {
        return Some(AddressClass::Loopback);
    }
    if ip.is_unspecified() {
        return Some(AddressClass::Unspecified);
    }
    let seg = ip.segments();
    // IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96) addresses.
    if seg[..5] == [0; 5] && (seg[5] == 0xffff || seg[5] == 0) {
        let v4 = Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8);
        return ipv4_class(v4);
    }
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8);
        return ipv4_class(v4);
    }
    // 6to4 (2002::/16) carries one in bits 16..48.
    if seg[0] == 0x2002 {
        let v4 = Ipv4Addr::new((seg[1] >> 8) as u8, seg[1] as u8, (seg[2] >> 8) as u8, seg[2] as u8);
        return ipv4_class(v4);
    }
    Some(match seg[0] {
        0xfc00..=0xfdff => AddressClass::Private,
        0xfe80..=0xfebf => AddressClass::LinkLocal,
        0xfec0..=0xfeff => AddressClass::Reserved,
        0xff00..=0xffff => AddressClass::Multicast,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Audience, CommunityId, OrgId, Role};

    fn org(n: u128) -> OrgId {
        OrgId(Uuid::from_u128(n))
    }

    #[test]
    fn export_rule_per_tlp() {
        let author = org(1);
        let peer_org = org(2);
        let community = CommunityId(Uuid::from_u128(100));
        let peer = Viewer::new(peer_org, Role::Reader, vec![community]);
        let named = Audience { organizations: vec![peer_org], communities: vec![] };
        let via_community = Audience { organizations: vec![], communities: vec![community] };
        let none = Audience::default();
        // (tlp, audience, exported)
        let cases = [
            (Tlp::Clear, &none, true),
            (Tlp::Green, &none, true),
            (Tlp::Amber, &named, true),
            (Tlp::Amber, &via_community, false),
            (Tlp::Amber, &none, false),
            (Tlp::AmberStrict, &named, false),
            (Tlp::AmberStrict, &none, false),
            (Tlp::Red, &named, false),
            (Tlp::Red, &none, false),
        ];
        for (tlp, audience, expected) in cases {
            let access = ReportAccess::new(author, tlp, audience, false);
            assert_eq!(may_export(&peer, &access, &[], None), expected, "{tlp} {audience:?}");
            // Whatever can_see says, the export rule only ever narrows it.
            if expected {
                assert!(can_see(&peer, &access));
            }
            let revoked = ReportAccess::new(author, tlp, audience, true);
            assert!(!may_export(&peer, &revoked, &[], None), "{tlp} revoked");
        }
        // What the peer organisation authored (imported from that peer) never goes back.
        let own = ReportAccess::new(peer_org, Tlp::Clear, &none, false);
        assert!(!may_export(&peer, &own, &[], None));
    }

    #[test]
    fn export_rule_breaks_loops() {
        let peer = Viewer::new(org(2), Role::Reader, vec![]);
        let access = ReportAccess::new(org(1), Tlp::Green, &Audience::default(), false);
        let a = Uuid::from_u128(0xa);
        let b = Uuid::from_u128(0xb);
        assert!(may_export(&peer, &access, &[a], Some(b)));
        assert!(!may_export(&peer, &access, &[a, b], Some(b)));
        assert!(!may_export(&peer, &access, &[a], Some(a)));
        assert!(may_export(&peer, &access, &[a], None));
    }

    #[test]
    fn import_rule() {
        assert!(may_import(Tlp::Clear) && may_import(Tlp::Green) && may_import(Tlp::Amber));
        assert!(!may_import(Tlp::AmberStrict) && !may_import(Tlp::Red));
    }

    #[test]
    fn provenance_of_pulled_reports() {
        let a = Instance { id: Uuid::from_u128(0xa), name: "A".into() };
        let b = Instance { id: Uuid::from_u128(0xb), name: "B".into() };
        let at = DateTime::UNIX_EPOCH;
        let r = Uuid::from_u128(7);
        // B pulls A's own report.
        let on_b = Provenance::pulled(&a, "http://a", r, "Police", None, at);
        assert_eq!(on_b.chain, vec![a.id]);
        assert_eq!((on_b.origin_instance, on_b.original_report_id), (a.id, r));
        assert!(on_b.involves(a.id) && !on_b.involves(b.id));
        // C pulls B's copy (id 8 on B): the origin and author stay, the chain grows.
        let mut served = on_b.clone();
        served.peer_url = None;
        let on_c = Provenance::pulled(&b, "http://b", Uuid::from_u128(8), "B-receiver", Some(&served), at);
        assert_eq!(on_c.chain, vec![a.id, b.id]);
        assert_eq!(on_c.original_author, "Police");
        assert_eq!((on_c.origin_instance, on_c.original_report_id), (a.id, r));
        assert_eq!((on_c.peer_instance, on_c.peer_report_id), (b.id, Uuid::from_u128(8)));
        assert_eq!(on_c.peer_url.as_deref(), Some("http://b"));
    }

    #[test]
    fn address_classes() {
        let c = |s: &str| address_class(s.parse().unwrap());
        use AddressClass::*;
        let cases: &[(&str, Option<AddressClass>)] = &[
            ("127.0.0.1", Some(Loopback)),
            ("127.255.255.254", Some(Loopback)),
            ("10.0.0.1", Some(Private)),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.1", None),
            ("192.168.1.1", Some(Private)),
            ("169.254.169.254", Some(LinkLocal)),
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Unspecified)),
            ("100.64.0.1", Some(SharedCgnat)),
            ("100.127.255.255", Some(SharedCgnat)),
            ("100.128.0.1", None),
            ("224.0.0.1", Some(Multicast)),
            ("239.255.255.250", Some(Multicast)),
            ("255.255.255.255", Some(Reserved)),
            ("240.0.0.1", Some(Reserved)),
            ("8.8.8.8", None),
            ("93.184.216.34", None),
            ("::1", Some(Loopback)),
            ("::", Some(Unspecified)),
            ("fc00::1", Some(Private)),
            ("fd12:3456::1", Some(Private)),
            ("fe80::1", Some(LinkLocal)),
            ("febf::1", Some(LinkLocal)),
            ("fec0::1", Some(Reserved)),
            ("ff02::1", Some(Multicast)),
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:10.1.2.3", Some(Private)),
            ("::ffff:169.254.169.254", Some(LinkLocal)),
            ("::ffff:8.8.8.8", None),
            ("::127.0.0.1", Some(Loopback)),
            ("64:ff9b::10.0.0.1", Some(Private)),
            ("64:ff9b::8.8.8.8", None),
            ("2002:0a00:0001::1", Some(Private)),
            ("2002:7f00:0001::1", Some(Loopback)),
            ("2002:0808:0808::1", None),
            ("2001:4860:4860::8888", None),
            ("2606:4700::1111", None),
        ];
        for (ip, expected) in cases {
            assert_eq!(c(ip), *expected, "{ip}");
        }
    }
}
