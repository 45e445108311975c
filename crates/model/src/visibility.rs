//! The visibility function: the one place that decides whether a viewer may see a report.
//!
//! Architecture invariant: every read path in dragnet — report fetches and lists, observable
//! lookups and their counts, bulk checks, graph edges, exports, streams — asks this function,
//! and computes derived numbers over the reports it allows only.

use crate::{ReportAccess, Tlp, Viewer};

/// Whether `viewer` may see the report described by `report`.
///
/// TLP 2.0 semantics (BRIEF §3):
/// - CLEAR and GREEN: every member organisation of the instance (they differ on federation only);
/// - AMBER: the author organisation, the organisations named in the audience and the members of
///   the communities named in the audience;
/// - AMBER+STRICT: the author organisation and the organisations named in the audience
///   (communities do not widen it);
/// - RED: the author organisation and the named recipient organisations only;
/// - a revoked report: its author organisation only.
pub fn can_see(viewer: &Viewer, report: &ReportAccess) -> bool {
    if viewer.org == report.author {
        return true;
    }
    if report.revoked {
        return false;
    }
    match report.tlp {
        Tlp::Clear | Tlp::Green => true,
        Tlp::Amber => {
            report.audience_orgs.binary_search(&viewer.org).is_ok()
                || report.audience_communities.iter().any(|c| viewer.is_member_of(*c))
        }
        Tlp::AmberStrict | Tlp::Red => report.audience_orgs.binary_search(&viewer.org).is_ok(),
    }
}

/// Whether every viewer on the instance may see the report: CLEAR or GREEN and not revoked.
///
/// Indexes use it to count such reports without asking [`can_see`] per viewer; it is part of
/// the visibility function's definition, and `visible_to_all(r)` implies `can_see(v, r)` for
/// every viewer `v` (tested below).
pub fn visible_to_all(report: &ReportAccess) -> bool {
    !report.revoked && matches!(report.tlp, Tlp::Clear | Tlp::Green)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Audience, CommunityId, OrgId, Role};
    use uuid::Uuid;

    fn org(n: u128) -> OrgId {
        OrgId(Uuid::from_u128(n))
    }

    #[test]
    fn tlp_matrix() {
        let author = org(1);
        let named = org(2);
        let member = org(3);
        let outsider = org(4);
        let community = CommunityId(Uuid::from_u128(100));
        let audience = Audience { organizations: vec![named], communities: vec![community] };
        let viewer = |o, communities: Vec<CommunityId>| Viewer::new(o, Role::Reader, communities);
        let author_v = viewer(author, vec![]);
        let named_v = viewer(named, vec![]);
        let member_v = viewer(member, vec![community]);
        let outsider_v = viewer(outsider, vec![]);

        // (tlp, author, named org, community member, outsider)
        let expected = [
            (Tlp::Clear, true, true, true, true),
            (Tlp::Green, true, true, true, true),
            (Tlp::Amber, true, true, true, false),
            (Tlp::AmberStrict, true, true, false, false),
            (Tlp::Red, true, true, false, false),
        ];
        for (tlp, a, n, m, o) in expected {
            let r = ReportAccess::new(author, tlp, &audience, false);
            assert_eq!(can_see(&author_v, &r), a, "{tlp} author");
            assert_eq!(can_see(&named_v, &r), n, "{tlp} named");
            assert_eq!(can_see(&member_v, &r), m, "{tlp} member");
            assert_eq!(can_see(&outsider_v, &r), o, "{tlp} outsider");
            assert_eq!(visible_to_all(&r), o, "{tlp}: visible to all exactly when an outsider sees it");
            let revoked = ReportAccess::new(author, tlp, &audience, true);
            assert!(!visible_to_all(&revoked));
            assert!(can_see(&author_v, &revoked));
            for v in [&named_v, &member_v, &outsider_v] {
                assert!(!can_see(v, &revoked), "{tlp} revoked");
            }
        }
    }
}
