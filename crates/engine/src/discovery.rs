//! Hit/no-hit: discoverable reports and access requests.
//!
//! An organisation may make reports discoverable, one by one (`discoverable` on submission, or
//! [`Engine::set_report_discoverable`] later) or all of them ([`Engine::set_reports_discoverable`];
//! a report's own `false` still wins). Lookups and checks then answer `held_elsewhere: true`
//! when a discoverable report the caller may not read holds the value — that one boolean and
//! nothing else (see [`graph::CorrelationIndex::held_elsewhere`]). TLP:RED reports are never
//! discoverable ([`model::discovery`]).
//!
//! The caller may then ask for access ([`Engine::request_access`]). The request is refused, with
//! the same answer as for a value no report holds, unless `held_elsewhere` is true for it; it
//! is recorded once per owner organisation of those reports (at most one pending per requester,
//! owner and selector), and the requester only ever sees the request as a whole: the selector,
//! when, and one status. An owner lists what it was asked (which organisation, which selector,
//! when) and grants — the requester joins the audience of the owner's discoverable reports
//! holding the selector that it could not read, through [`Engine::reshared`], the path every
//! sharing change takes so that the correlation index, the link graph and the hub indexes
//! follow — or declines.
//!
//! `model::can_see` stays the one decider of reads: nothing here shows a report; a grant
//! changes an audience, after which `can_see` answers differently.

use chrono::{DateTime, Utc};
use model::discovery::{AccessRequest, AccessRequestStatus, combined_status, may_be_discoverable};
use model::{Observable, ObservableKind, Report, Role, Viewer, can_see};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::engine::{now, page_args};
use crate::{Engine, EngineError, Page, Principal, ReportView, SelectorInput};

/// Most requests an organisation may have waiting for a decision at once.
pub const ACCESS_REQUESTS_PENDING_MAX: usize = 1_000;

/// The error for making a TLP:RED report discoverable.
pub(crate) fn red_is_never_discoverable() -> EngineError {
    EngineError::invalid(
        "discoverable",
        "a TLP:RED report is never discoverable (no disclosure beyond its named recipients)",
    )
}

/// The one answer to a request about a value no discoverable report hidden from the caller
/// holds — whether no report holds it, only reports the caller reads do, or only reports that
/// are not discoverable: requests cannot probe.
fn not_held() -> EngineError {
    EngineError::not_found("discoverable report holding this selector")
}

/// An organisation's hit/no-hit setting.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DiscoverySettingView {
    pub organization: String,
    /// Whether every report of the organisation is discoverable, except those whose own
    /// `discoverable` is `false` and TLP:RED ones.
    pub reports_discoverable: bool,
}

/// An access request as the organisation asked sees it: who asked, which selector, when.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IncomingAccessRequestView {
    /// What to grant or decline.
    pub id: Uuid,
    /// The organisation asking.
    pub requester: String,
    pub kind: ObservableKind,
    /// The canonical value.
    pub value: String,
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, example = "pending")]
    pub status: AccessRequestStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
}

/// An access request as the organisation that sent it sees it: the selector, when, and where
/// it stands (`granted` once any organisation holding it granted, `declined` once all
/// declined). Never who holds the selector, or how many.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OutgoingAccessRequestView {
    pub id: Uuid,
    pub kind: ObservableKind,
    /// The canonical value.
    pub value: String,
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, example = "pending")]
    pub status: AccessRequestStatus,
}

/// A granted request and the owner's reports now shared with the requester.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessGrantView {
    #[serde(flatten)]
    pub request: IncomingAccessRequestView,
    /// The reports whose audience now names the requester.
    pub reports: Vec<Uuid>,
}

/// What sending an access request did.
#[derive(Clone, Debug)]
pub struct RequestedAccess {
    /// The request as its sender sees it (the API answer).
    pub request: OutgoingAccessRequestView,
    /// The records created by this call, one per owner organisation newly asked (none when
    /// every owner already had the request pending). Each is what an owner-side "access
    /// request" event carries; never shown to the sender.
    pub routed: Vec<AccessRequest>,
}

impl Engine {
    fn require_sharing_role(actor: &Principal) -> Result<(), EngineError> {
        if actor.viewer.role.can_revoke() {
            Ok(())
        } else {
            Err(EngineError::Forbidden(
                "only analysts and admins may change who sees or discovers their organisation's reports"
                    .into(),
            ))
        }
    }

    fn require_reader(actor: &Principal) -> Result<(), EngineError> {
        if actor.viewer.role.can_read() {
            Ok(())
        } else {
            Err(EngineError::Forbidden("this role reads nothing".into()))
        }
    }

    /// Brings the in-memory structures up to date with reports whose sharing just changed in
    /// the store (their audience or `discoverable` flag): the correlation index, the link graph
    /// and the viewers' hub indexes. Campaigns and scam facts hold no access facts; they are
    /// filtered through the index on every read. Under the write lock.
    pub(crate) fn reshared(&self, reports: &[Report]) {
        let mut idx = self.index.write().unwrap_or_else(|e| e.into_inner());
        for r in reports {
            idx.update_sharing(r);
        }
        drop(idx);
        let mut links = self.links.write().unwrap_or_else(|e| e.into_inner());
        for r in reports {
            links.reshare(r);
        }
    }

    /// Sets whether a report of the actor's organisation is discoverable: `Some(true)`,
    /// `Some(false)` (never, whatever the organisation's setting) or `None` (the organisation's
    /// setting). Analysts and admins; reports of other organisations answer not found.
    pub async fn set_report_discoverable(
        &self,
        actor: &Principal,
        id: Uuid,
        discoverable: Option<bool>,
    ) -> Result<ReportView, EngineError> {
        let own = self.index().report(&actor.viewer, id).is_some_and(|r| r.access.author == actor.viewer.org);
        if !own {
            return Err(EngineError::not_found("report"));
        }
        Self::require_sharing_role(actor)?;
        let _w = self.writes.lock().await;
        let mut report =
            self.store.get_reports(&[id]).await?.pop().ok_or_else(|| EngineError::not_found("report"))?;
        if discoverable == Some(true) && !may_be_discoverable(report.tlp) {
            return Err(red_is_never_discoverable());
        }
        if !self.store.set_report_discoverable(id, discoverable).await? {
            return Err(EngineError::not_found("report"));
        }
        report.discoverable = discoverable;
        let detail = serde_json::json!({ "discoverable": discoverable });
        self.audit(crate::audit_actor(Some(actor)), "report.set_discoverable", "report", id, Some(detail))
            .await;
        self.commit_state(model::event::StateChange::ReportDiscoverable { id }, || {
            self.reshared(std::slice::from_ref(&report))
        })
        .await;
        drop(_w);
        self.get_report(&actor.viewer, id).await
    }

    /// The actor's organisation's hit/no-hit setting.
    pub fn discovery_setting(&self, actor: &Principal) -> DiscoverySettingView {
        DiscoverySettingView {
            organization: actor.org_name.clone(),
            reports_discoverable: self.index().org_discoverable(actor.viewer.org),
        }
    }

    /// Turns an organisation's "all our reports are discoverable" setting on or off. Its own
    /// admins only (`actor` `None` is local CLI access).
    pub async fn set_reports_discoverable(
        &self,
        actor: Option<&Principal>,
        org_name: &str,
        on: bool,
    ) -> Result<DiscoverySettingView, EngineError> {
        let org = self
            .directory()
            .org_by_name(org_name)
            .map(|o| (o.id, o.name.clone()))
            .ok_or_else(|| EngineError::not_found(format!("organisation {org_name:?}")))?;
        if let Some(p) = actor
            && !(p.viewer.role.is_admin() && p.viewer.org == org.0)
        {
            return Err(EngineError::Forbidden(
                "only an organisation's own admins may change its discovery setting".into(),
            ));
        }
        let _w = self.writes.lock().await;
        if !self.store.set_org_reports_discoverable(org.0, on).await? {
            return Err(EngineError::not_found(format!("organisation {org_name:?}")));
        }
        let detail = serde_json::json!({ "reports_discoverable": on });
        self.audit(crate::audit_actor(actor), "discovery.set", "organization", org.0.0, Some(detail)).await;
        self.commit_state(model::event::StateChange::OrgDiscoverable { org: org.0, on }, || {
            self.index.write().unwrap_or_else(|e| e.into_inner()).set_org_discoverable(org.0, on)
        })
        .await;
        Ok(DiscoverySettingView { organization: org.1, reports_discoverable: on })
    }

    /// Sends an access request about a selector for which the actor's lookups answer
    /// `held_elsewhere: true`; otherwise not found, exactly as for a selector no report holds.
    /// The request is routed to every organisation whose discoverable reports hidden from the
    /// actor hold the selector (one record each; owners already asked and not yet decided are
    /// not asked twice). A request still pending for the selector is answered again rather
    /// than duplicated.
    pub async fn request_access(
        &self,
        actor: &Principal,
        selector: &SelectorInput,
    ) -> Result<RequestedAccess, EngineError> {
        Self::require_reader(actor)?;
        let obs = self.canonical(selector.kind, &selector.value, || "selector".into())?.observable;
        let requester = actor.viewer.org;
        let _w = self.writes.lock().await;
        let owners = self.index().held_elsewhere_by(&actor.viewer, &obs);
        if owners.is_empty() {
            return Err(not_held());
        }
        let earlier = self.store.access_requests_for_selector(requester, obs.kind, &obs.value).await?;
        let pending: Vec<&AccessRequest> =
            earlier.iter().filter(|r| r.status == AccessRequestStatus::Pending).collect();
        let request_id = match pending.iter().map(|r| r.request_id).max() {
            Some(id) => id,
            None => {
                let waiting = self.store.count_pending_access_requests_from(requester).await?;
                let waiting = usize::try_from(waiting).unwrap_or(usize::MAX);
                if waiting >= ACCESS_REQUESTS_PENDING_MAX {
                    return Err(EngineError::TooMany {
                        what: "pending access requests".into(),
                        limit: ACCESS_REQUESTS_PENDING_MAX,
                        got: waiting + 1,
                    });
                }
                Uuid::now_v7()
            }
        };
        let created_at = now();
        let routed: Vec<AccessRequest> = owners
            .into_iter()
            .filter(|owner| !pending.iter().any(|r| r.owner == *owner))
            .map(|owner| AccessRequest {
                id: Uuid::now_v7(),
                request_id,
                requester,
                requester_token: actor.token_id,
                kind: obs.kind,
                value: obs.value.clone(),
                owner,
                status: AccessRequestStatus::Pending,
                created_at,
                decided_at: None,
                decided_by: None,
            })
            .collect();
        // Each owner is told who asks about which selector; the requester is told its request
        // is out (once per request), never to whom.
        let events: Vec<model::event::Event> = {
            let dir = self.directory();
            let event = |r: &AccessRequest| model::event::AccessRequestEvent {
                id: r.id,
                requester: dir.org_name(r.requester),
                owner: Some(dir.org_name(r.owner)),
                selector_kind: r.kind,
                selector_value: r.value.clone(),
            };
            let mut events: Vec<model::event::Event> = routed
                .iter()
                .map(|r| model::event::Event::access_requested_to(r.owner, event(r), created_at))
                .collect();
            if pending.is_empty()
                && let Some(first) = routed.first()
            {
                let by = model::event::AccessRequestEvent { id: request_id, ..event(first) };
                events.push(model::event::Event::access_requested_by(requester, by, created_at));
            }
            events
        };
        let stored = self.store.insert_access_requests(&routed, &events).await?;
        if !routed.is_empty() {
            let detail = serde_json::json!({ "kind": obs.kind, "records": routed.len() });
            self.audit(
                crate::audit_actor(Some(actor)),
                "access_request.create",
                "access_request",
                request_id,
                Some(detail),
            )
            .await;
        }
        self.commit(stored, || {}).await;
        let records = earlier.iter().filter(|r| r.request_id == request_id).chain(&routed);
        let request = outgoing(request_id, records).ok_or_else(not_held)?;
        Ok(RequestedAccess { request, routed })
    }

    /// The actor's organisation's requests, oldest first, one page at a time.
    pub async fn list_outgoing_access_requests(
        &self,
        actor: &Principal,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Page<OutgoingAccessRequestView>, EngineError> {
        Self::require_reader(actor)?;
        let (after, limit) = page_args(cursor, limit)?;
        let records = self.store.list_access_requests_from(actor.viewer.org, after, limit + 1).await?;
        let mut items = Vec::new();
        for group in records.chunk_by(|a, b| a.request_id == b.request_id) {
            items.extend(outgoing(group[0].request_id, group));
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = if more { items.last().map(|r| r.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    fn incoming(&self, r: &AccessRequest) -> IncomingAccessRequestView {
        IncomingAccessRequestView {
            id: r.id,
            requester: self.directory().org_name(r.requester),
            kind: r.kind,
            value: r.value.clone(),
            created_at: r.created_at,
            status: r.status,
            decided_at: r.decided_at,
        }
    }

    /// Requests addressed to the actor's organisation (only those with `status` when given),
    /// oldest first, one page at a time. Analysts and admins.
    pub async fn list_incoming_access_requests(
        &self,
        actor: &Principal,
        status: Option<AccessRequestStatus>,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Page<IncomingAccessRequestView>, EngineError> {
        Self::require_sharing_role(actor)?;
        let (after, limit) = page_args(cursor, limit)?;
        let mut records =
            self.store.list_access_requests_to(actor.viewer.org, status, after, limit + 1).await?;
        let more = records.len() > limit;
        records.truncate(limit);
        let next_cursor = if more { records.last().map(|r| r.id.to_string()) } else { None };
        Ok(Page { items: records.iter().map(|r| self.incoming(r)).collect(), next_cursor })
    }

    /// A pending request addressed to the actor's organisation; others answer not found, and
    /// decided ones conflict.
    async fn pending_for(&self, actor: &Principal, id: Uuid) -> Result<AccessRequest, EngineError> {
        Self::require_sharing_role(actor)?;
        let record = self
            .store
            .get_access_request(id)
            .await?
            .filter(|r| r.owner == actor.viewer.org)
            .ok_or_else(|| EngineError::not_found("access request"))?;
        if record.status != AccessRequestStatus::Pending {
            return Err(EngineError::Conflict(format!("the access request is already {}", record.status)));
        }
        Ok(record)
    }

    /// Grants a request addressed to the actor's organisation: the requester joins the audience
    /// of every discoverable report of the organisation that holds the selector and that the
    /// requester may not read. Conflict when there is no such report any more (revoked, made
    /// undiscoverable, or already shared): decline instead.
    pub async fn grant_access_request(
        &self,
        actor: &Principal,
        id: Uuid,
    ) -> Result<AccessGrantView, EngineError> {
        let _w = self.writes.lock().await;
        let record = self.pending_for(actor, id).await?;
        let requester = {
            let dir = self.directory();
            Viewer::new(record.requester, Role::Reader, dir.memberships(record.requester))
        };
        let obs = Observable { kind: record.kind, value: record.value.clone() };
        let ids: Vec<Uuid> = {
            let idx = self.index();
            idx.occurrences(&actor.viewer, &obs)
                .map(|o| o.report)
                .filter(|r| {
                    r.access.author == actor.viewer.org
                        && idx.is_discoverable(r)
                        && !can_see(&requester, &r.access)
                })
                .map(|r| r.id)
                .collect()
        };
        if ids.is_empty() {
            return Err(EngineError::Conflict(format!(
                "no discoverable report of yours holding {} {} is hidden from {} any more; decline the request instead",
                record.kind,
                record.value,
                self.directory().org_name(record.requester)
            )));
        }
        let mut reports = self.store.get_reports(&ids).await?;
        for r in &mut reports {
            r.audience.organizations.push(record.requester);
        }
        let audiences: Vec<(Uuid, model::Audience)> =
            reports.iter().map(|r| (r.id, r.audience.clone())).collect();
        let at = now();
        // Every opened report, as it is now: its readers (the requester now among them) learn it.
        let events: Vec<model::event::Event> = {
            let dir = self.directory();
            reports
                .iter()
                .map(|r| model::event::Event::report_updated(r, &dir.org_name(r.author), at))
                .collect()
        };
        let Some(stored) = self
            .store
            .decide_access_request(id, AccessRequestStatus::Granted, at, actor.token_id, &audiences, &events)
            .await?
        else {
            return Err(EngineError::Conflict("the access request was decided meanwhile".into()));
        };
        let detail = serde_json::json!({ "requester": record.requester.0, "reports": ids });
        self.audit(
            crate::audit_actor(Some(actor)),
            "access_request.grant",
            "access_request",
            id,
            Some(detail),
        )
        .await;
        self.commit(stored, || self.reshared(&reports)).await;
        let decided = AccessRequest {
            status: AccessRequestStatus::Granted,
            decided_at: Some(at),
            decided_by: actor.token_id,
            ..record
        };
        Ok(AccessGrantView { request: self.incoming(&decided), reports: ids })
    }

    /// Declines a request addressed to the actor's organisation.
    pub async fn decline_access_request(
        &self,
        actor: &Principal,
        id: Uuid,
    ) -> Result<IncomingAccessRequestView, EngineError> {
        let _w = self.writes.lock().await;
        let record = self.pending_for(actor, id).await?;
        let at = now();
        if self
            .store
            .decide_access_request(id, AccessRequestStatus::Declined, at, actor.token_id, &[], &[])
            .await?
            .is_none()
        {
            return Err(EngineError::Conflict("the access request was decided meanwhile".into()));
        }
        let detail = serde_json::json!({ "requester": record.requester.0 });
        self.audit(
            crate::audit_actor(Some(actor)),
            "access_request.decline",
            "access_request",
            id,
            Some(detail),
        )
        .await;
        let decided = AccessRequest {
            status: AccessRequestStatus::Declined,
            decided_at: Some(at),
            decided_by: actor.token_id,
            ..record
        };
        Ok(self.incoming(&decided))
    }
}

/// A request as its sender sees it, from its records (`None` for no records).
fn outgoing<'a>(
    request_id: Uuid,
    records: impl IntoIterator<Item = &'a AccessRequest>,
) -> Option<OutgoingAccessRequestView> {
    let mut records = records.into_iter().peekable();
    let first = records.peek().copied()?;
    let (kind, value) = (first.kind, first.value.clone());
    let mut created_at = first.created_at;
    let mut statuses = Vec::new();
    for r in records {
        created_at = created_at.min(r.created_at);
        statuses.push(r.status);
    }
    Some(OutgoingAccessRequestView {
        id: request_id,
        kind,
        value,
        created_at,
        status: combined_status(statuses),
    })
}
