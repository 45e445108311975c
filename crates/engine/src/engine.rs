//! The engine: every use case of dragnet, on top of a [`Store`] and the correlation index.

use std::sync::{Arc, RwLock, RwLockReadGuard};

use chrono::{DateTime, SubsecRound, Utc};
use extract::{ExtractOptions, Extractor, Finding};
use graph::CorrelationIndex;
use model::observable::{canonicalize, infer_kind};
use model::report::AudienceInput;
use model::{
    Audience, CanonicalizeOptions, Community, CommunityId, Observable, ObservableKind, OrgId, Organization,
    Report, ReportInput, ReportKind, ReportObservable, Role, Tlp, Viewer,
};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use store::{Store, TokenRecord};
use uuid::Uuid;

use crate::directory::Directory;
use crate::*;

/// Most selectors one bulk check may hold.
pub const CHECK_MAX_SELECTORS: usize = 10_000;
/// Most report ids returned per checked selector (the count is always complete).
pub const CHECK_REPORT_IDS_LIMIT: usize = 10;
/// Most records one batch may hold.
pub const BATCH_MAX_REPORTS: usize = 10_000;
/// Most observables one report may hold.
pub const REPORT_MAX_OBSERVABLES: usize = 5_000;
/// Default and maximum page sizes of listings.
pub const PAGE_DEFAULT: usize = 50;
pub const PAGE_MAX: usize = 1_000;
/// Default and maximum occurrences returned by a lookup.
pub const OCCURRENCES_DEFAULT: usize = 100;
pub const OCCURRENCES_MAX: usize = 1_000;

const TOKEN_PREFIX: &str = "dn_";
/// Batches and checks at least this large are spread over the cores (rayon).
const PARALLEL_THRESHOLD: usize = 256;
const ROLE_DERIVED: &str = "derived";
/// The role of observables extracted from a report's narrative.
pub const ROLE_EXTRACTED: &str = "extracted";
/// The longest text `extract` takes (the HTTP body limit is the real bound for the API).
pub const EXTRACT_MAX_BYTES: usize = 16 << 20;

/// Settings of an engine.
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
    /// Region used to read phone numbers written without a country code (ISO 3166-1 alpha-2).
    pub default_region: Option<String>,
    /// Warning lists extraction flags findings with (see [`extract::WarningLists::builtin`]).
    pub warninglists: extract::WarningLists,
    /// Organisations (by name) whose public intake form is enabled.
    pub public_intake: Vec<String>,
    /// Title of the default TAXII api root (default [`crate::TAXII_DEFAULT_TITLE`]).
    pub taxii_title: Option<String>,
    /// `max_content_length` of the default TAXII api root (default
    /// [`crate::TAXII_MAX_CONTENT_LENGTH`]).
    pub taxii_max_content_length: Option<u64>,
    /// The bus committed events are published on (default: an [`crate::InProcessBus`], a
    /// single node).
    pub bus: Option<Arc<dyn crate::EventBus>>,
    /// This instance's name, shown to peers (default: the stored one, else `dragnet-` and the
    /// first digits of its id). Given, it renames the instance.
    pub instance_name: Option<String>,
}

/// See the crate docs.
pub struct Engine {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) index: RwLock<CorrelationIndex>,
    pub(crate) directory: RwLock<Directory>,
    pub(crate) canon: CanonicalizeOptions,
    extractor: Extractor,
    /// Serialises writes so that the store and the index see them in the same order.
    pub(crate) writes: tokio::sync::Mutex<()>,
    /// Hash sets and their entries (see [`crate::hashlists`]).
    pub(crate) hashlists: RwLock<crate::hashlists::HashLists>,
    /// The intake facts of every scam report (see [`crate::scams`]).
    pub(crate) scams: RwLock<std::collections::HashMap<Uuid, crate::scams::ScamFacts>>,
    /// Reports linked into campaigns (see [`crate::campaigns`]).
    pub(crate) campaigns: RwLock<crate::campaigns::Campaigns>,
    /// Alert rules (see [`crate::alerts`]).
    pub(crate) rules: RwLock<crate::alerts::Rules>,
    /// The link-analysis graph and recent viewers' hubs (see [`crate::links`]).
    pub(crate) links: RwLock<crate::links::Links>,
    public_intake: Vec<String>,
    /// The default TAXII api root's title and `max_content_length`.
    pub(crate) taxii_title: String,
    pub(crate) taxii_max_content_length: u64,
    /// The last `date_added` given to a STIX object (see [`crate::taxii`]).
    pub(crate) taxii_clock: tokio::sync::Mutex<DateTime<Utc>>,
    /// Where committed events are published (see [`crate::events`]).
    pub(crate) bus: Arc<dyn crate::EventBus>,
    /// The ids stream clients see for events.
    pub(crate) event_ids: crate::events::EventIds,
    pub(crate) campaign_ids: crate::campaigns::CampaignIds,
    /// This instance's identity (see [`crate::federation`]).
    pub(crate) instance: RwLock<model::federation::Instance>,
    /// The last `seq` applied to the in-memory structures; held while applying (see
    /// [`crate::apply`]).
    pub(crate) applied: tokio::sync::Mutex<u64>,
    /// A copy of it readable without waiting.
    pub(crate) applied_seq: std::sync::atomic::AtomicU64,
    /// The events this node applied, in `seq` order, for its stream clients.
    pub(crate) applied_tx: tokio::sync::broadcast::Sender<std::sync::Arc<model::event::Event>>,
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The SHA-256 of a token secret: what the store keeps.
pub fn token_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl Engine {
    /// Opens an engine on a store: loads the directory and rebuilds the correlation index.
    pub async fn open(store: Arc<dyn Store>, options: EngineOptions) -> Result<Engine, EngineError> {
        // Compile the phone-number tables while the index loads, not on the first request.
        let warm_up = std::thread::spawn(model::observable::warm_up);
        // Read before loading: what is committed from here on is applied again (idempotently).
        let applied = store.last_event_seq().await?;
        let directory = Directory::new(store.list_orgs().await?, store.list_communities().await?);
        let mut index = CorrelationIndex::new();
        let mut scams = std::collections::HashMap::new();
        let mut campaign_entries = Vec::new();
        let mut links = graph::LinkGraphBuilder::new();
        let mut after = None;
        loop {
            let page = store.scan_reports(after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for r in &page {
                index.insert(r);
                links.add_report(r);
            }
            scams.extend(crate::scams::facts_map(page.iter()));
            campaign_entries.extend(page.iter().map(crate::campaigns::Campaigns::entry));
        }
        for org in store.list_discoverable_orgs().await? {
            index.set_org_discoverable(org, true);
        }
        let mut campaigns =
            crate::campaigns::Campaigns::build(options.warninglists.clone(), campaign_entries);
        let mut links = crate::links::Links::new(links.finish(), options.warninglists.clone());
        for mark in store.list_hub_marks().await? {
            campaigns.apply_mark(&mark);
            links.set_mark(mark.kind, &mark.value, true);
        }
        if warm_up.join().is_err() {
            tracing::warn!("warming up the phone-number tables failed; they are built on first use");
        }
        let hashlists = crate::hashlists::HashLists::load(store.as_ref()).await?;
        let taxii_clock = store.last_stix_date_added().await?.unwrap_or(DateTime::UNIX_EPOCH);
        let mut fresh = [0u8; 16];
        rand::fill(&mut fresh);
        let key = store.instance_key(crate::events::EVENT_ID_KEY, &fresh).await?;
        let event_ids = crate::events::EventIds::new(&key).ok_or_else(|| {
            store::StoreError::Corrupt(format!("the event id key has {} bytes, not 16", key.len()))
        })?;
        rand::fill(&mut fresh);
        let key = store.instance_key(crate::campaigns::CAMPAIGN_ID_KEY, &fresh).await?;
        let campaign_ids = crate::campaigns::CampaignIds::new(&key).ok_or_else(|| {
            store::StoreError::Corrupt(format!("the campaign id key has {} bytes, not 16", key.len()))
        })?;
        let fresh_id = Uuid::now_v7();
        let fresh = model::federation::Instance {
            id: fresh_id,
            name: options
                .instance_name
                .clone()
                .unwrap_or_else(|| crate::federation::default_instance_name(fresh_id)),
        };
        let mut instance = store.instance_identity(&fresh).await?;
        if let Some(name) = options.instance_name.as_deref().map(str::trim).filter(|n| *n != instance.name) {
            let name = Self::check_name("instance_name", name)?;
            store.set_instance_name(&name).await?;
            instance.name = name;
        }
        let canon = CanonicalizeOptions { default_region: options.default_region.clone() };
        let rules = crate::alerts::Rules::load(store.as_ref(), |s| Self::watched_with(&canon, s)).await?;
        tracing::info!(
            reports = index.report_count(),
            values = index.value_count(),
            occurrences = index.occurrence_count(),
            "correlation index rebuilt"
        );
        Ok(Engine {
            store,
            index: RwLock::new(index),
            directory: RwLock::new(directory),
            extractor: Extractor::new(
                ExtractOptions { default_region: options.default_region.clone() },
                options.warninglists,
            ),
            canon: CanonicalizeOptions { default_region: options.default_region },
            writes: tokio::sync::Mutex::new(()),
            hashlists: RwLock::new(hashlists),
            scams: RwLock::new(scams),
            campaigns: RwLock::new(campaigns),
            rules: RwLock::new(rules),
            links: RwLock::new(links),
            public_intake: options.public_intake,
            taxii_title: options.taxii_title.unwrap_or_else(|| crate::TAXII_DEFAULT_TITLE.to_string()),
            taxii_max_content_length: options
                .taxii_max_content_length
                .unwrap_or(crate::TAXII_MAX_CONTENT_LENGTH),
            taxii_clock: tokio::sync::Mutex::new(taxii_clock),
            bus: options.bus.unwrap_or_else(|| Arc::new(crate::InProcessBus::default())),
            event_ids,
            campaign_ids,
            instance: RwLock::new(instance),
            applied: tokio::sync::Mutex::new(applied),
            applied_seq: std::sync::atomic::AtomicU64::new(applied),
            applied_tx: tokio::sync::broadcast::channel(crate::BUS_CAPACITY_DEFAULT).0,
        })
    }

    /// The canonical form of a watched selector, if it has one.
    pub(crate) fn watched_with(
        canon: &CanonicalizeOptions,
        s: &model::alert::WatchedSelector,
    ) -> Option<Observable> {
        let kind = s.kind.or_else(|| infer_kind(&s.value))?;
        canonicalize(kind, &s.value, canon).ok().map(|c| c.observable)
    }

    /// The alert rules as stored.
    pub(crate) async fn load_rules(&self) -> Result<crate::alerts::Rules, EngineError> {
        crate::alerts::Rules::load(self.store.as_ref(), |s| Self::watched_with(&self.canon, s)).await
    }

    pub(crate) fn index(&self) -> RwLockReadGuard<'_, CorrelationIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn directory(&self) -> RwLockReadGuard<'_, Directory> {
        self.directory.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Index sizes, for metrics: (reports, distinct values, occurrences).
    pub fn index_sizes(&self) -> (usize, usize, usize) {
        let idx = self.index();
        (idx.report_count(), idx.value_count(), idx.occurrence_count())
    }

    // ---- principals -------------------------------------------------------------------------

    pub(crate) fn principal_for(&self, org: OrgId, role: Role, token_id: Option<Uuid>) -> Option<Principal> {
        let dir = self.directory();
        let o = dir.org(org)?;
        Some(Principal {
            viewer: Viewer::new(org, role, dir.memberships(org)),
            org_name: o.name.clone(),
            operator: o.operator,
            token_id,
            peer: o.peer,
        })
    }

    /// Authenticates a bearer token.
    pub async fn authenticate(&self, secret: &str) -> Result<Principal, EngineError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(EngineError::Unauthenticated);
        }
        let record =
            self.store.token_by_hash(&token_hash(secret)).await?.ok_or(EngineError::Unauthenticated)?;
        if record.revoked_at.is_some() || record.expires_at.is_some_and(|t| t <= Utc::now()) {
            return Err(EngineError::Unauthenticated);
        }
        self.principal_for(record.org, record.role, Some(record.id)).ok_or(EngineError::Unauthenticated)
    }

    /// Authenticates HTTP Basic credentials (TAXII clients): the password is a token and the
    /// username its id or its organisation's name; anything else is unauthenticated.
    pub async fn authenticate_basic(&self, username: &str, password: &str) -> Result<Principal, EngineError> {
        let p = self.authenticate(password).await?;
        let by_id = p.token_id.is_some_and(|id| id.to_string().eq_ignore_ascii_case(username));
        if by_id || p.org_name == username { Ok(p) } else { Err(EngineError::Unauthenticated) }
    }

    /// A principal for local access to the data directory (the CLI): the named organisation
    /// acting as admin.
    pub fn local_principal(&self, org_name: &str) -> Result<Principal, EngineError> {
        let org = self.directory().org_by_name(org_name).map(|o| o.id);
        org.and_then(|id| self.principal_for(id, Role::Admin, None))
            .ok_or_else(|| EngineError::not_found(format!("organisation {org_name:?}")))
    }

    /// `principal` as it is now: `None` when its token no longer authenticates (revoked,
    /// expired, gone), else with its organisation's current communities. Long-lived reads (the
    /// event stream) call it now and then.
    pub async fn refresh_principal(&self, principal: &Principal) -> Result<Option<Principal>, EngineError> {
        let Some(token) = principal.token_id else {
            return Ok(self.principal_for(principal.viewer.org, principal.viewer.role, None));
        };
        let record =
            self.store.list_tokens(Some(principal.viewer.org)).await?.into_iter().find(|t| t.id == token);
        let valid =
            record.is_some_and(|r| r.revoked_at.is_none() && r.expires_at.is_none_or(|t| t > Utc::now()));
        Ok(if valid {
            self.principal_for(principal.viewer.org, principal.viewer.role, Some(token))
        } else {
            None
        })
    }

    fn require_operator(actor: Option<&Principal>) -> Result<(), EngineError> {
        match actor {
            None => Ok(()),
            Some(p) if p.operator && p.viewer.role.is_admin() => Ok(()),
            Some(_) => {
                Err(EngineError::Forbidden("only admins of an operator organisation may do this".into()))
            }
        }
    }

    // ---- organisations and communities ------------------------------------------------------

    fn org_view(o: &Organization) -> OrganizationView {
        OrganizationView {
            id: o.id.0,
            name: o.name.clone(),
            operator: o.operator,
            peer: o.peer,
            created_at: o.created_at,
        }
    }

    fn community_view(&self, c: &Community) -> CommunityView {
        let dir = self.directory();
        let mut members: Vec<String> = c.members.iter().map(|m| dir.org_name(*m)).collect();
        members.sort();
        CommunityView { id: c.id.0, name: c.name.clone(), members, created_at: c.created_at }
    }

    pub(crate) fn check_name(field: &str, name: &str) -> Result<String, EngineError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(EngineError::invalid(field, "must not be empty"));
        }
        if name.chars().count() > 200 {
            return Err(EngineError::invalid(field, "longer than 200 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(EngineError::invalid(field, "must not contain control characters"));
        }
        Ok(name.to_string())
    }

    /// Creates an organisation. `actor` `None` is local CLI access.
    pub async fn create_org(
        &self,
        actor: Option<&Principal>,
        name: &str,
        operator: bool,
    ) -> Result<OrganizationView, EngineError> {
        self.create_org_as(actor, name, operator, false).await
    }

    /// Creates an organisation, a peer organisation (another instance pulling from this one,
    /// see [`model::federation`]) when `peer`. A peer organisation operates nothing.
    pub async fn create_org_as(
        &self,
        actor: Option<&Principal>,
        name: &str,
        operator: bool,
        peer: bool,
    ) -> Result<OrganizationView, EngineError> {
        Self::require_operator(actor)?;
        if operator && peer {
            return Err(EngineError::invalid("peer", "a peer organisation cannot operate the instance"));
        }
        let name = Self::check_name("name", name)?;
        let _w = self.writes.lock().await;
        if self.directory().org_by_name(&name).is_some() {
            return Err(EngineError::Conflict(format!("an organisation named {name:?} exists")));
        }
        let org = Organization { peer, id: OrgId(Uuid::now_v7()), name, operator, created_at: now() };
        self.store.create_org(&org).await?;
        let detail = serde_json::json!({ "name": org.name, "operator": operator, "peer": peer });
        self.audit(audit_actor(actor), "org.create", "organization", org.id.0, Some(detail)).await;
        let view = Self::org_view(&org);
        self.commit_state(model::event::StateChange::Directory, || {
            self.directory.write().unwrap_or_else(|e| e.into_inner()).put_org(org)
        })
        .await;
        Ok(view)
    }

    /// Every organisation of the instance (names are not secret among members).
    pub fn list_orgs(&self) -> Vec<OrganizationView> {
        let mut v: Vec<_> = self.directory().orgs().map(Self::org_view).collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    fn resolve_orgs(&self, field: &str, names: &[String]) -> Result<Vec<OrgId>, EngineError> {
        let dir = self.directory();
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                dir.org_by_name(n).map(|o| o.id).ok_or_else(|| {
                    EngineError::invalid(format!("{field}[{i}]"), format!("unknown organisation {n:?}"))
                })
            })
            .collect()
    }

    /// An audience given by names, as ids; unknown names are errors naming where.
    pub(crate) fn resolve_audience(&self, input: &AudienceInput) -> Result<Audience, EngineError> {
        let organizations = self.resolve_orgs("audience.organizations", &input.organizations)?;
        let dir = self.directory();
        let communities = input
            .communities
            .iter()
            .enumerate()
            .map(|(i, n)| {
                dir.community_by_name(n).map(|c| c.id).ok_or_else(|| {
                    EngineError::invalid(
                        format!("audience.communities[{i}]"),
                        format!("unknown community {n:?}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Audience { organizations, communities })
    }

    /// Creates a sharing community with its member organisations (by name).
    pub async fn create_community(
        &self,
        actor: Option<&Principal>,
        name: &str,
        members: &[String],
    ) -> Result<CommunityView, EngineError> {
        Self::require_operator(actor)?;
        let name = Self::check_name("name", name)?;
        let mut members = self.resolve_orgs("members", members)?;
        members.sort_unstable();
        members.dedup();
        let _w = self.writes.lock().await;
        if self.directory().community_by_name(&name).is_some() {
            return Err(EngineError::Conflict(format!("a community named {name:?} exists")));
        }
        let c = Community { id: CommunityId(Uuid::now_v7()), name, members, created_at: now() };
        self.store.create_community(&c).await?;
        let detail = serde_json::json!({ "name": c.name, "members": c.members.len() });
        self.audit(audit_actor(actor), "community.create", "community", c.id.0, Some(detail)).await;
        self.commit_state(model::event::StateChange::Directory, || {
            self.directory.write().unwrap_or_else(|e| e.into_inner()).put_community(c.clone())
        })
        .await;
        Ok(self.community_view(&c))
    }

    /// Replaces the members of a community.
    pub async fn set_community_members(
        &self,
        actor: Option<&Principal>,
        community: &str,
        members: &[String],
    ) -> Result<CommunityView, EngineError> {
        Self::require_operator(actor)?;
        let mut members = self.resolve_orgs("members", members)?;
        members.sort_unstable();
        members.dedup();
        let _w = self.writes.lock().await;
        let mut c = self
            .directory()
            .community_by_name(community)
            .cloned()
            .ok_or_else(|| EngineError::not_found(format!("community {community:?}")))?;
        self.store.set_community_members(c.id, &members).await?;
        let detail = serde_json::json!({ "members": members.len() });
        self.audit(audit_actor(actor), "community.set_members", "community", c.id.0, Some(detail)).await;
        c.members = members;
        self.commit_state(model::event::StateChange::Directory, || {
            self.directory.write().unwrap_or_else(|e| e.into_inner()).put_community(c.clone())
        })
        .await;
        Ok(self.community_view(&c))
    }

    /// Every community with its members.
    pub fn list_communities(&self) -> Vec<CommunityView> {
        let all: Vec<Community> = self.directory().communities().cloned().collect();
        let mut v: Vec<_> = all.iter().map(|c| self.community_view(c)).collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    // ---- tokens -----------------------------------------------------------------------------

    fn token_view(&self, t: &TokenRecord) -> TokenView {
        TokenView {
            id: t.id,
            organization: self.directory().org_name(t.org),
            role: t.role,
            label: t.label.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }

    /// Whether `actor` may manage the tokens of `org`.
    fn may_manage_tokens(actor: Option<&Principal>, org: OrgId) -> bool {
        match actor {
            None => true,
            Some(p) => p.viewer.role.is_admin() && (p.operator || p.viewer.org == org),
        }
    }

    /// Creates a token for an organisation and role; the secret is returned this once.
    pub async fn create_token(
        &self,
        actor: Option<&Principal>,
        org_name: &str,
        role: Role,
        label: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<CreatedToken, EngineError> {
        if let Some(p) = actor
            && !p.viewer.role.is_admin()
        {
            return Err(EngineError::Forbidden("only admins may create tokens".into()));
        }
        let org = self
            .directory()
            .org_by_name(org_name)
            .map(|o| o.id)
            .ok_or_else(|| EngineError::not_found(format!("organisation {org_name:?}")))?;
        if !Self::may_manage_tokens(actor, org) {
            return Err(EngineError::Forbidden(
                "admins may create tokens for their own organisation only".into(),
            ));
        }
        if label.chars().count() > 200 || label.chars().any(char::is_control) {
            return Err(EngineError::invalid("label", "must be at most 200 printable characters"));
        }
        if expires_at.is_some_and(|t| t <= Utc::now()) {
            return Err(EngineError::invalid("expires_at", "must be in the future"));
        }
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        let secret = format!("{TOKEN_PREFIX}{}", hex(&bytes));
        let record = TokenRecord {
            id: Uuid::now_v7(),
            org,
            role,
            label: label.trim().to_string(),
            hash: token_hash(&secret),
            created_at: now(),
            expires_at: expires_at.map(|t| t.trunc_subsecs(6)),
            revoked_at: None,
            last_used_at: None,
        };
        self.store.create_token(&record).await?;
        let detail = serde_json::json!({ "organization": org.0, "role": role.as_str() });
        self.audit(audit_actor(actor), "token.create", "token", record.id, Some(detail)).await;
        Ok(CreatedToken { info: self.token_view(&record), token: secret })
    }

    /// Tokens the actor may manage: its organisation's, or every one for operator admins.
    pub async fn list_tokens(&self, actor: Option<&Principal>) -> Result<Vec<TokenView>, EngineError> {
        let filter = match actor {
            None => None,
            Some(p) if !p.viewer.role.is_admin() => {
                return Err(EngineError::Forbidden("only admins may list tokens".into()));
            }
            Some(p) if p.operator => None,
            Some(p) => Some(p.viewer.org),
        };
        let tokens = self.store.list_tokens(filter).await?;
        Ok(tokens.iter().map(|t| self.token_view(t)).collect())
    }

    /// Revokes a token the actor may manage; others answer not found.
    pub async fn revoke_token(&self, actor: Option<&Principal>, id: Uuid) -> Result<(), EngineError> {
        if let Some(p) = actor
            && !p.viewer.role.is_admin()
        {
            return Err(EngineError::Forbidden("only admins may revoke tokens".into()));
        }
        let filter = actor.filter(|p| !p.operator).map(|p| p.viewer.org);
        let known =
            self.store.list_tokens(filter).await?.into_iter().any(|t| t.id == id && t.revoked_at.is_none());
        if !known || !self.store.revoke_token(id, now()).await? {
            return Err(EngineError::not_found("token"));
        }
        self.audit(audit_actor(actor), "token.revoke", "token", id, None).await;
        Ok(())
    }

    // ---- extraction ----------------------------------------------------------------------

    /// The indicators in a free text, canonicalised, with warning-list hits. `region` reads
    /// national phone numbers (default: the engine's region). Needs no particular role: it
    /// reads nothing stored.
    pub fn extract(&self, text: &str, region: Option<&str>) -> Result<Vec<Finding>, EngineError> {
        if text.len() > EXTRACT_MAX_BYTES {
            return Err(EngineError::invalid("text", format!("longer than {EXTRACT_MAX_BYTES} bytes")));
        }
        match region.map(str::trim).filter(|r| !r.is_empty()) {
            None => Ok(self.extractor.extract(text)),
            Some(r) if r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()) => {
                Ok(self.extractor.extract_in_region(text, Some(&r.to_ascii_uppercase())))
            }
            Some(r) => {
                Err(EngineError::invalid("region", format!("{r:?} is not an ISO 3166-1 alpha-2 code")))
            }
        }
    }

    // ---- reports: writes --------------------------------------------------------------------

    /// Validates and canonicalises one submitted report (no IO).
    pub(crate) fn prepare(
        &self,
        author: &Principal,
        input: ReportInput,
        created_at: DateTime<Utc>,
    ) -> Result<Report, EngineError> {
        let title = input.title.trim();
        if title.is_empty() {
            return Err(EngineError::invalid("title", "must not be empty"));
        }
        if title.chars().count() > 500 {
            return Err(EngineError::invalid("title", "longer than 500 characters"));
        }
        if title.chars().any(char::is_control) {
            return Err(EngineError::invalid("title", "must not contain control characters"));
        }
        if input.narrative.len() > 200_000 {
            return Err(EngineError::invalid("narrative", "longer than 200,000 bytes"));
        }
        if input.narrative.contains('\0') {
            return Err(EngineError::invalid("narrative", "must not contain NUL characters"));
        }
        let tlp = Tlp::parse(&input.tlp).map_err(|e| EngineError::invalid("tlp", e.to_string()))?;
        if input.discoverable == Some(true) && !model::discovery::may_be_discoverable(tlp) {
            return Err(crate::discovery::red_is_never_discoverable());
        }
        let audience = self.resolve_audience(&input.audience)?;
        let mut labels = Vec::with_capacity(input.labels.len());
        for (i, l) in input.labels.iter().enumerate() {
            let l = l.trim();
            if l.is_empty() || l.chars().count() > 100 || l.chars().any(char::is_control) {
                return Err(EngineError::invalid(
                    format!("labels[{i}]"),
                    "must be 1 to 100 printable characters",
                ));
            }
            if !labels.iter().any(|x: &String| x == l) {
                labels.push(l.to_string());
            }
        }
        if labels.len() > 100 {
            return Err(EngineError::invalid("labels", "more than 100 labels"));
        }
        let first_seen = input.first_seen.map(|t| t.trunc_subsecs(6));
        let last_seen = input.last_seen.map(|t| t.trunc_subsecs(6));
        if let (Some(f), Some(l)) = (first_seen, last_seen)
            && l < f
        {
            return Err(EngineError::invalid("last_seen", "is before first_seen"));
        }
        if input.observables.len() > REPORT_MAX_OBSERVABLES {
            return Err(EngineError::TooMany {
                what: "observables".into(),
                limit: REPORT_MAX_OBSERVABLES,
                got: input.observables.len(),
            });
        }
        let (scam, victim_pii) = self.intake(&input)?;
        let mut observables: Vec<ReportObservable> = Vec::with_capacity(input.observables.len() + 2);
        let mut derived: Vec<Observable> = Vec::new();
        for (i, o) in input.observables.iter().enumerate() {
            let role = o.role.as_deref().map(str::trim).filter(|r| !r.is_empty());
            if let Some(r) = role
                && (r.len() > 64 || r.chars().any(char::is_control))
            {
                return Err(EngineError::invalid(
                    format!("observables[{i}].role"),
                    "must be 1 to 64 printable characters",
                ));
            }
            if o.value.contains('\0') {
                return Err(EngineError::invalid(
                    format!("observables[{i}].value"),
                    "must not contain NUL characters",
                ));
            }
            let c = self.canonical(o.kind, &o.value, || format!("observables[{i}]"))?;
            let value = c.observable.value;
            let entry = ReportObservable {
                kind: c.observable.kind,
                original: (value != o.value).then(|| o.value.clone()),
                value,
                role: role.map(str::to_string),
            };
            if !observables
                .iter()
                .any(|x| x.kind == entry.kind && x.value == entry.value && x.role == entry.role)
            {
                observables.push(entry);
            }
            derived.extend(c.related);
        }
        // A narrative without explicit observables, or a scam report's narrative: what
        // extraction finds in it. Never the victim's own phone number or e-mail address.
        if input.observables.is_empty() || input.kind == ReportKind::Scam {
            let own = self.victim_values(victim_pii.as_ref());
            for f in self.extractor.extract(&input.narrative) {
                if observables.len() >= REPORT_MAX_OBSERVABLES {
                    break;
                }
                if observables.iter().any(|x| x.kind == f.kind && x.value == f.value)
                    || own.iter().any(|o| o.kind == f.kind && o.value == f.value)
                {
                    continue;
                }
                if let Ok(c) = canonicalize(f.kind, &f.value, &self.canon) {
                    derived.extend(c.related);
                }
                observables.push(ReportObservable {
                    kind: f.kind,
                    original: (f.raw != f.value).then_some(f.raw),
                    value: f.value,
                    role: Some(ROLE_EXTRACTED.into()),
                });
            }
        }
        // Implied observables (a URL's host, a domain's registrable domain) correlate too.
        for d in derived {
            if !observables.iter().any(|x| x.kind == d.kind && x.value == d.value) {
                observables.push(ReportObservable {
                    kind: d.kind,
                    value: d.value,
                    original: None,
                    role: Some(ROLE_DERIVED.into()),
                });
            }
        }
        Ok(Report {
            provenance: None,
            // Assigned under the write lock, in submission order.
            id: Uuid::nil(),
            kind: input.kind,
            title: title.to_string(),
            narrative: input.narrative,
            tlp,
            audience,
            author: author.viewer.org,
            labels,
            created_at,
            first_seen,
            last_seen,
            observables,
            revoked_at: None,
            scam,
            victim_pii,
            discoverable: input.discoverable,
        })
    }

    /// Validates a report's intake facts and victim data (scam reports only).
    fn intake(
        &self,
        input: &ReportInput,
    ) -> Result<(Option<model::scam::ScamDetails>, Option<model::scam::VictimPii>), EngineError> {
        if input.kind != ReportKind::Scam {
            if input.scam.is_some() {
                return Err(EngineError::invalid("scam", "only scam reports carry intake details"));
            }
            if input.victim_pii.is_some() {
                return Err(EngineError::invalid("victim_pii", "only scam reports carry victim data"));
            }
            return Ok((None, None));
        }
        let scam = input.scam.clone().map(|s| s.validate("scam")).transpose().map_err(intake_error)?;
        let pii = input
            .victim_pii
            .clone()
            .map(|p| p.validate("victim_pii"))
            .transpose()
            .map_err(intake_error)?
            .filter(|p| !p.is_empty());
        Ok((scam, pii))
    }

    /// The victim's own phone number and e-mail address, canonicalised, so that extraction
    /// never shares them as the scammer's indicators.
    fn victim_values(&self, pii: Option<&model::scam::VictimPii>) -> Vec<Observable> {
        let Some(pii) = pii else { return Vec::new() };
        [(ObservableKind::Phone, &pii.phone), (ObservableKind::Email, &pii.email)]
            .into_iter()
            .filter_map(|(kind, v)| canonicalize(kind, v.as_deref()?, &self.canon).ok())
            .map(|c| c.observable)
            .collect()
    }

    /// Canonicalises a raw value, inferring its kind when not given. `field` names the input.
    /// `field` is only called on error (the bulk-check path must not allocate per selector).
    pub(crate) fn canonical(
        &self,
        kind: Option<ObservableKind>,
        raw: &str,
        field: impl Fn() -> String,
    ) -> Result<model::Canonical, EngineError> {
        let kind = match kind.or_else(|| infer_kind(raw)) {
            Some(k) => k,
            None => {
                return Err(EngineError::invalid(
                    format!("{}.kind", field()),
                    format!("cannot infer the kind of {:?}; give a kind", truncate(raw, 80)),
                ));
            }
        };
        canonicalize(kind, raw, &self.canon)
            .map_err(|source| EngineError::InvalidObservable { field: format!("{}.value", field()), source })
    }

    fn require_writer(author: &Principal) -> Result<(), EngineError> {
        if author.peer {
            return Err(EngineError::Forbidden("a peer organisation's tokens write nothing".into()));
        }
        if author.viewer.role.can_write() {
            Ok(())
        } else {
            Err(EngineError::Forbidden("readers may not submit reports".into()))
        }
    }

    /// Submits one report; it is durable when this returns.
    pub async fn submit(&self, author: &Principal, input: ReportInput) -> Result<ReportView, EngineError> {
        Self::require_writer(author)?;
        let report = self.prepare(author, input, now())?;
        self.store_one(author, report).await
    }

    /// Stores one prepared report under the write lock (its id assigned there, in order) and
    /// brings the indexes, campaigns and alerts up to date.
    async fn store_one(&self, author: &Principal, mut report: Report) -> Result<ReportView, EngineError> {
        let _w = self.writes.lock().await;
        report.id = Uuid::now_v7();
        self.insert_reports(std::slice::from_ref(&report), Some(audit_actor(Some(author)))).await?;
        self.alert(std::slice::from_ref(&report)).await;
        Ok(self.view(report.author, &report))
    }

    /// Stores reports with their `report.created` events and their `report.create` audit
    /// entries (by `actor`, or each by its author organisation when `None`) in one transaction
    /// (under the write lock), brings the in-memory structures up to date and publishes the
    /// events.
    pub(crate) async fn insert_reports(
        &self,
        reports: &[Report],
        actor: Option<model::audit::AuditActor>,
    ) -> Result<(), EngineError> {
        let events: Vec<model::event::Event> = {
            let dir = self.directory();
            reports
                .iter()
                .map(|r| model::event::Event::report_created(r, &dir.org_name(r.author), r.created_at))
                .collect()
        };
        let audit = Self::created_records(actor, reports);
        let events = self.store.insert_reports_audited(reports, &events, &audit).await?;
        self.commit(events, || self.committed(reports)).await;
        Ok(())
    }

    /// Raises the alerts of reports just committed and records the campaigns they joined
    /// (`campaign.changed`). The reports are stored whatever happens here: a failure is
    /// logged, not returned.
    pub(crate) async fn alert(&self, reports: &[Report]) {
        let joined = self.campaign_events(reports);
        match self.raise_alerts(reports, joined).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(alerts = n, "alerts raised"),
            Err(e) => tracing::error!(error = %e, "raising alerts failed"),
        }
    }

    /// The audit records of reports being created: one `report.create` entry each (their TLP
    /// and kind, never their contents); by `actor`, or when `None` by each report's author
    /// organisation.
    fn created_records(
        actor: Option<model::audit::AuditActor>,
        reports: &[Report],
    ) -> Vec<model::audit::AuditRecord> {
        let at = now();
        reports
            .iter()
            .map(|r| {
                let detail =
                    serde_json::json!({ "tlp": r.tlp, "kind": r.kind, "observables": r.observables.len() });
                let by = actor.clone().unwrap_or_else(|| model::audit::AuditActor {
                    kind: "org".into(),
                    org: Some(r.author),
                    token: None,
                    role: None,
                });
                model::audit::AuditRecord::new(at, by, "report.create", "report", r.id, Some(detail))
            })
            .collect()
    }

    /// Brings the in-memory structures up to date with reports just stored (under the write
    /// lock, in the order they were stored).
    pub(crate) fn committed(&self, reports: &[Report]) {
        let mut idx = self.index.write().unwrap_or_else(|e| e.into_inner());
        for r in reports {
            idx.insert(r);
        }
        drop(idx);
        let mut scams = self.scams.write().unwrap_or_else(|e| e.into_inner());
        scams.extend(crate::scams::facts_map(reports.iter()));
        drop(scams);
        let mut campaigns = self.campaigns.write().unwrap_or_else(|e| e.into_inner());
        for r in reports {
            campaigns.insert(r);
        }
        drop(campaigns);
        self.links.write().unwrap_or_else(|e| e.into_inner()).insert(reports);
    }

    /// Submits a scam report through an intake channel (intake tokens, and every role that may
    /// write). Without a TLP it is `AMBER` to the reporter's communities.
    pub async fn submit_intake(
        &self,
        reporter: &Principal,
        input: model::scam::IntakeInput,
    ) -> Result<ReportView, EngineError> {
        if !reporter.viewer.role.can_intake() {
            return Err(EngineError::Forbidden("readers may not submit intake reports".into()));
        }
        let communities = {
            let dir = self.directory();
            reporter.viewer.communities.iter().map(|c| dir.community_name(*c)).collect()
        };
        let report = self.prepare(reporter, input.into_report_input(communities), now())?;
        self.store_one(reporter, report).await
    }

    /// The organisation whose public intake form is at `slug` (its name in lower case, runs
    /// of other characters as `-`), if that organisation enabled it.
    pub fn public_intake_org(&self, slug: &str) -> Option<String> {
        self.public_intake.iter().find(|name| intake_slug(name) == slug).cloned()
    }

    /// Submits a report from an organisation's public intake form, as that organisation's
    /// intake channel (channel `web-form` unless given). Returns the report's id, the
    /// reference the victim is shown.
    pub async fn submit_public_intake(
        &self,
        slug: &str,
        mut input: model::scam::IntakeInput,
    ) -> Result<Uuid, EngineError> {
        let name = self.public_intake_org(slug).ok_or_else(|| EngineError::not_found("intake form"))?;
        let org = self
            .directory()
            .org_by_name(&name)
            .map(|o| o.id)
            .ok_or_else(|| EngineError::not_found("intake form"))?;
        let reporter = self
            .principal_for(org, Role::Intake, None)
            .ok_or_else(|| EngineError::not_found("intake form"))?;
        input.scam.channel.get_or_insert(model::scam::Channel::WebForm);
        Ok(self.submit_intake(&reporter, input).await?.id)
    }

    /// Submits a batch of records, each already parsed or the reason it could not be. Good
    /// records are stored (durably, in one transaction) and bad ones reported by position.
    pub async fn submit_batch(
        &self,
        author: &Principal,
        records: Vec<Result<ReportInput, String>>,
    ) -> Result<BatchOutcome, EngineError> {
        self.import(records.into_iter().map(|r| (author, r)).collect()).await
    }

    /// Like [`Engine::submit_batch`], with an author per record: bulk loads and the demo.
    pub async fn import(
        &self,
        records: Vec<(&Principal, Result<ReportInput, String>)>,
    ) -> Result<BatchOutcome, EngineError> {
        for (author, _) in &records {
            Self::require_writer(author)?;
        }
        // A batch usually has one author; bulk loads with several (the demo) are recorded per
        // report as its author organisation.
        let records_actor = match records.first() {
            Some((first, _))
                if records
                    .iter()
                    .all(|(a, _)| a.token_id == first.token_id && a.viewer.org == first.viewer.org) =>
            {
                Some(audit_actor(Some(first)))
            }
            _ => None,
        };
        if records.len() > BATCH_MAX_REPORTS {
            return Err(EngineError::TooMany {
                what: "reports".into(),
                limit: BATCH_MAX_REPORTS,
                got: records.len(),
            });
        }
        let created_at = now();
        let prepare = |(author, record): (&Principal, Result<ReportInput, String>)| match record {
            Ok(input) => self.prepare(author, input, created_at),
            Err(message) => Err(EngineError::invalid("record", message)),
        };
        // Validation and canonicalisation are pure: spread large batches over the cores.
        let prepared: Vec<Result<Report, EngineError>> = if records.len() >= PARALLEL_THRESHOLD {
            records.into_par_iter().map(prepare).collect()
        } else {
            records.into_iter().map(prepare).collect()
        };
        let _w = self.writes.lock().await;
        let mut outcome = BatchOutcome::default();
        let mut good = Vec::with_capacity(prepared.len());
        for (index, prepared) in prepared.into_iter().enumerate() {
            match prepared {
                Ok(mut r) => {
                    r.id = Uuid::now_v7();
                    outcome.accepted.push(Accepted { index, id: r.id });
                    good.push(r);
                }
                Err(e) => outcome.rejected.push(Rejected { index, error: error_body(&e) }),
            }
        }
        if !good.is_empty() {
            self.insert_reports(&good, records_actor).await?;
            self.alert(&good).await;
        }
        Ok(outcome)
    }

    /// Revokes a report of the actor's organisation. Reports of other organisations answer
    /// not found, as if they did not exist.
    pub async fn revoke_report(&self, actor: &Principal, id: Uuid) -> Result<ReportView, EngineError> {
        let own = self.index().report(&actor.viewer, id).is_some_and(|r| r.access.author == actor.viewer.org);
        if !own {
            return Err(EngineError::not_found("report"));
        }
        if !actor.viewer.role.can_revoke() {
            return Err(EngineError::Forbidden("only analysts and admins may revoke reports".into()));
        }
        if !self.revoke_stored(id).await? {
            return Err(EngineError::not_found("report"));
        }
        self.audit(audit_actor(Some(actor)), "report.revoke", "report", id, None).await;
        self.get_report(&actor.viewer, id).await
    }

    /// Revokes a stored report (under the write lock) and brings the in-memory structures up
    /// to date. False when the report is unknown; revoking it again changes nothing.
    pub(crate) async fn revoke_stored(&self, id: Uuid) -> Result<bool, EngineError> {
        let _w = self.writes.lock().await;
        let Some(report) = self.store.get_reports(&[id]).await?.pop() else { return Ok(false) };
        let at = now();
        let event = model::event::Event::report_revoked(&report, at);
        let events = self.store.revoke_report(id, at, &[event]).await?;
        if report.revoked_at.is_none() {
            self.commit(events.unwrap_or_default(), || self.revoked(&report)).await;
        }
        Ok(true)
    }

    /// Brings the in-memory structures up to date with a report just revoked (`report`: as
    /// stored, before or after the revocation).
    pub(crate) fn revoked(&self, report: &Report) {
        self.index.write().unwrap_or_else(|e| e.into_inner()).revoke(report);
        self.campaigns.write().unwrap_or_else(|e| e.into_inner()).revoke(report.id);
        self.links.write().unwrap_or_else(|e| e.into_inner()).revoke(report);
    }

    // ---- reports: reads ---------------------------------------------------------------------

    /// A report as an organisation that may see it sees it (`reader`: the discoverable flag
    /// is shown to the author organisation only).
    pub(crate) fn view(&self, reader: OrgId, r: &Report) -> ReportView {
        let discoverable = (reader == r.author).then(|| {
            model::discovery::is_discoverable(
                &r.access(),
                r.discoverable,
                self.index().org_discoverable(r.author),
            )
        });
        let dir = self.directory();
        ReportView {
            discoverable,
            id: r.id,
            kind: r.kind,
            title: r.title.clone(),
            narrative: r.narrative.clone(),
            tlp: r.tlp,
            audience: AudienceView {
                organizations: r.audience.organizations.iter().map(|o| dir.org_name(*o)).collect(),
                communities: r.audience.communities.iter().map(|c| dir.community_name(*c)).collect(),
            },
            author: dir.org_name(r.author),
            labels: r.labels.clone(),
            created_at: r.created_at,
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            revoked_at: r.revoked_at,
            scam: r.scam.clone(),
            victim_pii: r.victim_pii.clone(),
            provenance: r.provenance.clone(),
            observables: r
                .observables
                .iter()
                .map(|o| {
                    let obs = Observable { kind: o.kind, value: o.value.clone() };
                    ObservableView {
                        kind: o.kind,
                        stix_id: model::stix::stix_id(&obs),
                        value: obs.value,
                        original: o.original.clone(),
                        role: o.role.clone(),
                    }
                })
                .collect(),
        }
    }

    /// A report, if the viewer may see it; otherwise not found.
    pub async fn get_report(&self, viewer: &Viewer, id: Uuid) -> Result<ReportView, EngineError> {
        if self.index().report(viewer, id).is_none() {
            return Err(EngineError::not_found("report"));
        }
        let mut reports = self.store.get_reports(&[id]).await?;
        self.attach_pii(viewer, &mut reports).await?;
        let report = reports.pop().ok_or_else(|| EngineError::not_found("report"))?;
        Ok(self.view(viewer.org, &report))
    }

    /// Fills in the victim data of the viewer's own organisation's reports: the only place
    /// it is read, and only ever for the reporting organisation.
    pub(crate) async fn attach_pii(
        &self,
        viewer: &Viewer,
        reports: &mut [Report],
    ) -> Result<(), EngineError> {
        let own: Vec<Uuid> = reports
            .iter()
            .filter(|r| r.author == viewer.org && r.kind == ReportKind::Scam)
            .map(|r| r.id)
            .collect();
        if own.is_empty() {
            return Ok(());
        }
        let pii: std::collections::HashMap<Uuid, model::scam::VictimPii> =
            self.store.get_victim_pii(&own).await?.into_iter().collect();
        for r in reports.iter_mut().filter(|r| r.author == viewer.org) {
            r.victim_pii = pii.get(&r.id).cloned();
        }
        Ok(())
    }

    /// Visible reports, newest first, filtered, one page at a time.
    pub async fn list_reports(
        &self,
        viewer: &Viewer,
        filter: &ReportFilter,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Page<ReportView>, EngineError> {
        let (after, limit) = page_args(cursor, limit)?;
        let holding = match &filter.observable {
            Some((kind, raw)) => Some(self.canonical(*kind, raw, || "observable".into())?.observable),
            None => None,
        };
        let author = match &filter.author {
            Some(name) => match self.directory().org_by_name(name) {
                Some(o) => Some(o.id),
                // An unknown author holds no reports: an empty page, like any other filter.
                None => return Ok(Page { items: vec![], next_cursor: None }),
            },
            None => None,
        };
        let (ids, more) = {
            let idx = self.index();
            let (page, more) = idx.list(viewer, holding.as_ref(), after, limit, |r| {
                filter.kind.is_none_or(|k| r.kind == k)
                    && filter.tlp.is_none_or(|t| r.access.tlp == t)
                    && author.is_none_or(|a| r.access.author == a)
                    && filter.since.is_none_or(|t| r.created_at >= t)
                    && filter.until.is_none_or(|t| r.created_at < t)
                    && filter.label.as_ref().is_none_or(|l| r.labels.iter().any(|x| x == l))
                    && (filter.include_revoked || !r.access.revoked)
            });
            (page.iter().map(|r| r.id).collect::<Vec<_>>(), more)
        };
        let mut reports = self.store.get_reports(&ids).await?;
        self.attach_pii(viewer, &mut reports).await?;
        let next_cursor = if more { ids.last().map(|id| id.to_string()) } else { None };
        Ok(Page { items: reports.iter().map(|r| self.view(viewer.org, r)).collect(), next_cursor })
    }

    /// Looks an observable up: its canonical form, STIX id and visible occurrences.
    /// A value no visible report holds answers the same shape with `count: 0`.
    pub fn lookup(
        &self,
        viewer: &Viewer,
        kind: Option<ObservableKind>,
        raw: &str,
        limit: Option<usize>,
    ) -> Result<LookupView, EngineError> {
        let limit = limit.unwrap_or(OCCURRENCES_DEFAULT);
        if limit > OCCURRENCES_MAX {
            return Err(EngineError::invalid("limit", format!("must be at most {OCCURRENCES_MAX}")));
        }
        let c = self.canonical(kind, raw, || "observable".into())?;
        let obs = c.observable;
        let idx = self.index();
        let dir = self.directory();
        let summary = idx.summary(viewer, &obs);
        let held_elsewhere = idx.held_elsewhere(viewer, &obs);
        let occurrences = idx
            .occurrences(viewer, &obs)
            .take(limit)
            .map(|o| OccurrenceView {
                report_id: o.report.id,
                report_kind: o.report.kind,
                organization: dir.org_name(o.report.access.author),
                tlp: o.report.access.tlp,
                role: o.role.map(str::to_string),
                first_seen: o.report.first_seen,
                last_seen: o.report.last_seen,
            })
            .collect();
        Ok(LookupView {
            kind: obs.kind,
            stix_id: model::stix::stix_id(&obs),
            canonical: obs.value,
            flags: c.flags,
            related: c.related.into_iter().map(|r| RelatedView { kind: r.kind, value: r.value }).collect(),
            count: summary.count,
            first_seen: summary.first_seen,
            last_seen: summary.last_seen,
            organizations: summary.organizations.iter().map(|o| dir.org_name(*o)).collect(),
            occurrences,
            held_elsewhere,
        })
    }

    /// Number of visible reports holding a canonical value (the in-process hot path).
    pub fn count(&self, viewer: &Viewer, obs: &Observable) -> usize {
        self.index().count(viewer, obs)
    }

    /// Checks many raw selectors at once; one answer per selector, in order.
    pub fn check(
        &self,
        viewer: &Viewer,
        selectors: &[SelectorInput],
    ) -> Result<Vec<CheckResult>, EngineError> {
        if selectors.len() > CHECK_MAX_SELECTORS {
            return Err(EngineError::TooMany {
                what: "selectors".into(),
                limit: CHECK_MAX_SELECTORS,
                got: selectors.len(),
            });
        }
        let idx = self.index();
        let idx: &CorrelationIndex = &idx;
        let one = |(index, s): (usize, &SelectorInput)| match self
            .canonical(s.kind, &s.value, || format!("selectors[{index}]"))
        {
            Ok(c) => {
                let obs = c.observable;
                let (count, report_ids) = idx.hits(viewer, &obs, CHECK_REPORT_IDS_LIMIT);
                let held_elsewhere = idx.held_elsewhere(viewer, &obs);
                CheckResult {
                    index,
                    kind: Some(obs.kind),
                    canonical: Some(obs.value),
                    hit: count > 0,
                    count,
                    report_ids,
                    held_elsewhere,
                    error: None,
                }
            }
            Err(e) => CheckResult {
                index,
                kind: s.kind,
                canonical: None,
                hit: false,
                count: 0,
                report_ids: vec![],
                held_elsewhere: false,
                error: Some(error_body(&e)),
            },
        };
        Ok(if selectors.len() >= PARALLEL_THRESHOLD {
            selectors.par_iter().enumerate().map(one).collect()
        } else {
            selectors.iter().enumerate().map(one).collect()
        })
    }
}

/// The machine-readable form of an error.
pub fn error_body(e: &EngineError) -> ErrorBody {
    ErrorBody { code: e.code().to_string(), message: e.to_string() }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn intake_error(e: model::scam::IntakeError) -> EngineError {
    EngineError::Invalid { field: e.field, message: e.message }
}

/// The URL slug of an organisation's public intake form: its name in lower case, every run of
/// other characters one `-`.
pub fn intake_slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// A page's cursor (the last id of the previous page) and size (1 to [`PAGE_MAX`], default
/// [`PAGE_DEFAULT`]), checked.
pub(crate) fn page_args(
    cursor: Option<&str>,
    limit: Option<usize>,
) -> Result<(Option<Uuid>, usize), EngineError> {
    let limit = limit.unwrap_or(PAGE_DEFAULT);
    if limit == 0 || limit > PAGE_MAX {
        return Err(EngineError::invalid("limit", format!("must be between 1 and {PAGE_MAX}")));
    }
    let after = cursor
        .map(|c| {
            Uuid::parse_str(c)
                .map_err(|_| EngineError::invalid("cursor", "not a cursor from a previous page"))
        })
        .transpose()?;
    Ok((after, limit))
}
