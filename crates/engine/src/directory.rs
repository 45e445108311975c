//! Organisations and communities, cached in memory (they are few and read on every request).

use std::collections::HashMap;

use model::{Community, CommunityId, OrgId, Organization};

#[derive(Default)]
pub(crate) struct Directory {
    orgs: HashMap<OrgId, Organization>,
    org_by_name: HashMap<String, OrgId>,
    communities: HashMap<CommunityId, Community>,
    community_by_name: HashMap<String, CommunityId>,
    memberships: HashMap<OrgId, Vec<CommunityId>>,
}

/// Names are unique regardless of case and surrounding white space.
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Directory {
    pub(crate) fn new(orgs: Vec<Organization>, communities: Vec<Community>) -> Self {
        let mut d = Directory::default();
        for o in orgs {
            d.put_org(o);
        }
        for c in communities {
            d.put_community(c);
        }
        d
    }

    pub(crate) fn put_org(&mut self, org: Organization) {
        self.org_by_name.insert(name_key(&org.name), org.id);
        self.orgs.insert(org.id, org);
    }

    pub(crate) fn put_community(&mut self, c: Community) {
        if let Some(old) = self.communities.get(&c.id) {
            for m in &old.members {
                if let Some(list) = self.memberships.get_mut(m) {
                    list.retain(|x| *x != c.id);
                }
            }
        }
        for m in &c.members {
            self.memberships.entry(*m).or_default().push(c.id);
        }
        self.community_by_name.insert(name_key(&c.name), c.id);
        self.communities.insert(c.id, c);
    }

    pub(crate) fn org(&self, id: OrgId) -> Option<&Organization> {
        self.orgs.get(&id)
    }

    pub(crate) fn org_name(&self, id: OrgId) -> String {
        self.orgs.get(&id).map(|o| o.name.clone()).unwrap_or_else(|| id.to_string())
    }

    pub(crate) fn org_by_name(&self, name: &str) -> Option<&Organization> {
        self.org_by_name.get(&name_key(name)).and_then(|id| self.orgs.get(id))
    }

    pub(crate) fn community_name(&self, id: CommunityId) -> String {
        self.communities.get(&id).map(|c| c.name.clone()).unwrap_or_else(|| id.to_string())
    }

    pub(crate) fn community_by_name(&self, name: &str) -> Option<&Community> {
        self.community_by_name.get(&name_key(name)).and_then(|id| self.communities.get(id))
    }

    pub(crate) fn memberships(&self, org: OrgId) -> Vec<CommunityId> {
        self.memberships.get(&org).cloned().unwrap_or_default()
    }

    pub(crate) fn orgs(&self) -> impl Iterator<Item = &Organization> {
        self.orgs.values()
    }

    pub(crate) fn communities(&self) -> impl Iterator<Item = &Community> {
        self.communities.values()
    }
}
