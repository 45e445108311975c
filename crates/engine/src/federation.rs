//! Federation: this instance's identity, what peers may read (the export rule, applied in one
//! place for the stream, report reads and TAXII), the peers this instance pulls from, and
//! importing what they serve.
//!
//! The pulling itself (HTTP, the peer-address guard) lives in the server crate; it hands what
//! it receives to [`Engine::import_from_peer`], [`Engine::revoke_from_peer`] and
//! [`Engine::import_from_taxii`], which write through the ordinary write path (`prepare`, one
//! transaction with the events, the indexes, campaigns, alerts) as the peer's receiving
//! organisation, with the report's [`Provenance`].
//!
//! - **Out**: a peer organisation's principal reads what the visibility function *and*
//!   [`model::federation::may_export`] admit: [`Engine::exports`] is the one place that asks.
//! - **No loops**: the pulling instance names itself ([`model::federation::INSTANCE_HEADER`]);
//!   a report whose chain holds it is not served, and the receiving side refuses a report that
//!   went through it or originated there.
//! - **Once**: a report is imported once per origin (instance, report id): the store refuses a
//!   second copy, whichever peer it comes through.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, SubsecRound, Utc};
use model::event::{Event, EventType};
use model::federation::{Instance, PeerKind, Provenance, may_export, may_import};
use model::report::{AudienceInput, ObservableInput};
use model::{ReportAccess, ReportInput, ReportKind, Role, Tlp, Viewer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{PeerRecord, PeerState};
use uuid::Uuid;

use crate::engine::{now, truncate};
use crate::stix_import::{NARRATIVE_MAX_BYTES, marking_tlp, printable};
use crate::{Engine, EngineError, Principal, REPORT_MAX_OBSERVABLES, ReportView};

/// The name an instance gets when none is given: `dragnet-` and the first eight hex digits of
/// its id.
pub(crate) fn default_instance_name(id: Uuid) -> String {
    format!("dragnet-{}", &id.simple().to_string()[..8])
}

/// The TLP of a STIX object without a TLP marking, pulled from a TAXII peer: AMBER, for the
/// receiving organisation alone.
pub const TAXII_PEER_DEFAULT_TLP: Tlp = Tlp::Amber;

/// A peer as the operator adds it.
#[derive(Clone, Debug)]
pub struct PeerInput {
    pub url: String,
    pub kind: PeerKind,
    /// The token this instance presents to the peer.
    pub token: String,
    /// The TAXII collection id (TAXII peers only).
    pub collection: Option<String>,
    /// The organisation here that authors what is imported from the peer.
    pub receiving_org: String,
    /// The operator allows a URL resolving to a private, loopback or link-local address.
    pub allow_private: bool,
    /// The peer's identity, as it answered when it was checked (dragnet peers).
    pub remote: Option<Instance>,
}

/// A peer as listed (never with its token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PeerView {
    pub id: Uuid,
    pub url: String,
    pub kind: PeerKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// The organisation that authors what is imported.
    pub receiving_org: String,
    pub allow_private: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_instance: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_name: Option<String>,
    /// Where pulling resumes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ok_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error_at: Option<DateTime<Utc>>,
    pub imported: u64,
}

/// What became of one report a peer served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Imported {
    /// Stored here under this id.
    New(Uuid),
    /// Already here (this id), from this peer or another.
    Known(Uuid),
    /// Not imported, for this reason (TLP:RED, came from here, revoked, invalid…).
    Refused(String),
}

/// What one batch of a TAXII peer's objects became.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaxiiImported {
    pub imported: Vec<Uuid>,
    pub known: usize,
    pub revoked: usize,
    /// Objects left out, with the reason.
    pub refused: Vec<String>,
}

/// The part of a report a peer serves that an import reads (the API's [`ReportView`], and
/// older or other peers' answers with fewer fields).
#[derive(Clone, Debug, Deserialize)]
pub struct ServedReport {
    pub id: Uuid,
    pub kind: ReportKind,
    pub title: String,
    #[serde(default)]
    pub narrative: String,
    pub tlp: Tlp,
    pub author: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub first_seen: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_seen: Option<DateTime<Utc>>,
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub observables: Vec<ServedObservable>,
    #[serde(default)]
    pub scam: Option<model::scam::ScamDetails>,
    #[serde(default)]
    pub provenance: Option<Provenance>,
}

/// An observable of a [`ServedReport`].
#[derive(Clone, Debug, Deserialize)]
pub struct ServedObservable {
    pub kind: model::ObservableKind,
    pub value: String,
    #[serde(default)]
    pub role: Option<String>,
}

impl Engine {
    // ---- identity ---------------------------------------------------------------------------

    /// This instance's identity.
    pub fn instance(&self) -> Instance {
        self.instance.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Renames this instance (operator admins, or local access).
    pub async fn rename_instance(
        &self,
        actor: Option<&Principal>,
        name: &str,
    ) -> Result<Instance, EngineError> {
        if let Some(p) = actor
            && !(p.operator && p.viewer.role.is_admin())
        {
            return Err(EngineError::Forbidden("only admins of an operator organisation may do this".into()));
        }
        let name = Self::check_name("name", name)?;
        self.store.set_instance_name(&name).await?;
        let detail = serde_json::json!({ "name": name });
        let id = self.instance().id;
        self.audit(crate::audit_actor(actor), "instance.rename", "instance", id, Some(detail)).await;
        self.commit_state(model::event::StateChange::Instance, || {
            self.instance.write().unwrap_or_else(|e| e.into_inner()).name = name;
        })
        .await;
        Ok(self.instance())
    }

    /// Marks an organisation as a peer organisation or not (operator admins, or local access).
    pub async fn set_org_peer(
        &self,
        actor: Option<&Principal>,
        name: &str,
        peer: bool,
    ) -> Result<crate::OrganizationView, EngineError> {
        if let Some(p) = actor
            && !(p.operator && p.viewer.role.is_admin())
        {
            return Err(EngineError::Forbidden("only admins of an operator organisation may do this".into()));
        }
        let _w = self.writes.lock().await;
        let mut org = self
            .directory()
            .org_by_name(name)
            .cloned()
            .ok_or_else(|| EngineError::not_found(format!("organisation {name:?}")))?;
        if peer && org.operator {
            return Err(EngineError::invalid("peer", "a peer organisation cannot operate the instance"));
        }
        self.store.set_org_peer(org.id, peer).await?;
        let detail = serde_json::json!({ "peer": peer });
        self.audit(crate::audit_actor(actor), "org.set_peer", "organization", org.id.0, Some(detail)).await;
        org.peer = peer;
        self.commit_state(model::event::StateChange::Directory, || {
            self.directory.write().unwrap_or_else(|e| e.into_inner()).put_org(org)
        })
        .await;
        self.list_orgs()
            .into_iter()
            .find(|o| o.name == name)
            .ok_or_else(|| EngineError::not_found("organisation"))
    }

    // ---- the way out ------------------------------------------------------------------------

    /// The export rule, asked in one place: whether a peer organisation's `viewer` may receive
    /// a report with these access facts and provenance chain, pulled by `puller` (see
    /// [`model::federation::may_export`]; the visibility function is part of it).
    pub fn exports(
        &self,
        viewer: &Viewer,
        access: &ReportAccess,
        chain: &[Uuid],
        puller: Option<Uuid>,
    ) -> bool {
        may_export(viewer, access, chain, puller)
    }

    /// Whether a stream to a peer organisation carries `event`: report events only (created,
    /// updated, revoked), under the export rule.
    pub(crate) fn exports_event(&self, viewer: &Viewer, event: &Event, puller: Option<Uuid>) -> bool {
        matches!(
            event.event_type(),
            EventType::ReportCreated | EventType::ReportUpdated | EventType::ReportRevoked
        ) && self.exports(viewer, &event.access, &event.chain, puller)
    }

    /// A report as `principal` may read it by id: for a peer organisation, only what the
    /// export rule admits (else not found, as for a report that does not exist), without
    /// victim data (redacted from its text as a STIX export does), without its audience (names
    /// of this instance's members) and without the URLs of the peers it came through.
    pub async fn get_report_as(
        &self,
        principal: &Principal,
        id: Uuid,
        puller: Option<Uuid>,
    ) -> Result<ReportView, EngineError> {
        if !principal.peer {
            return self.get_report(&principal.viewer, id).await;
        }
        let viewer = &principal.viewer;
        if self.index().report(viewer, id).is_none() {
            return Err(EngineError::not_found("report"));
        }
        let mut report =
            self.store.get_reports(&[id]).await?.pop().ok_or_else(|| EngineError::not_found("report"))?;
        if !self.exports(viewer, &report.access(), report.chain(), puller) {
            return Err(EngineError::not_found("report"));
        }
        if report.kind == ReportKind::Scam {
            report.victim_pii = self.store.get_victim_pii(&[id]).await?.pop().map(|(_, pii)| pii);
            report = stix::export::without_victim_pii(&report);
        }
        let mut view = self.view(viewer.org, &report);
        view.audience = crate::AudienceView::default();
        view.discoverable = None;
        view.victim_pii = None;
        if let Some(p) = &mut view.provenance {
            p.peer_url = None;
        }
        Ok(view)
    }

    // ---- peers ------------------------------------------------------------------------------

    fn peer_view(&self, p: &PeerRecord) -> PeerView {
        PeerView {
            id: p.id,
            url: p.url.clone(),
            kind: p.kind,
            collection: p.collection.clone(),
            receiving_org: self.directory().org_name(p.receiving_org),
            allow_private: p.allow_private,
            remote_instance: p.state.remote_instance,
            remote_name: p.state.remote_name.clone(),
            cursor: p.state.cursor.clone(),
            created_at: p.created_at,
            last_ok_at: p.state.last_ok_at,
            last_error: p.state.last_error.clone(),
            last_error_at: p.state.last_error_at,
            imported: p.state.imported,
        }
    }

    /// Adds a peer to pull from (local operator access: the CLI). The URL is checked for its
    /// form here; whether it may be reached (its addresses) is the puller's check.
    pub async fn add_peer(&self, input: PeerInput) -> Result<PeerView, EngineError> {
        let url = normalize_peer_url(&input.url)?;
        if input.token.trim().is_empty() || input.token.chars().any(char::is_control) {
            return Err(EngineError::invalid(
                "token",
                "must be a token of the peer, without control characters",
            ));
        }
        let collection = input.collection.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
        match (input.kind, &collection) {
            (PeerKind::Taxii, None) => {
                return Err(EngineError::invalid(
                    "collection",
                    "a taxii peer needs the collection id to pull",
                ));
            }
            (PeerKind::Dragnet, Some(_)) => {
                return Err(EngineError::invalid("collection", "only taxii peers have a collection"));
            }
            _ => {}
        }
        let receiving_org =
            self.directory().org_by_name(&input.receiving_org).map(|o| o.id).ok_or_else(|| {
                EngineError::invalid(
                    "receiving_org",
                    format!("unknown organisation {:?}", input.receiving_org),
                )
            })?;
        if let Some(remote) = &input.remote
            && remote.id == self.instance().id
        {
            return Err(EngineError::invalid("url", "this is this instance itself"));
        }
        let record = PeerRecord {
            id: Uuid::now_v7(),
            url,
            kind: input.kind,
            token: input.token.trim().to_string(),
            collection,
            receiving_org,
            allow_private: input.allow_private,
            created_at: now(),
            state: PeerState {
                remote_instance: input.remote.as_ref().map(|r| r.id),
                remote_name: input.remote.map(|r| r.name),
                ..PeerState::default()
            },
        };
        self.store.create_peer(&record).await?;
        let detail = serde_json::json!({ "url": record.url, "kind": record.kind });
        self.audit(model::audit::AuditActor::cli(), "peer.create", "peer", record.id, Some(detail)).await;
        Ok(self.peer_view(&record))
    }

    /// Every peer, without tokens.
    pub async fn list_peers(&self) -> Result<Vec<PeerView>, EngineError> {
        Ok(self.store.list_peers().await?.iter().map(|p| self.peer_view(p)).collect())
    }

    /// Every peer with its token: what the pullers need.
    pub async fn peer_records(&self) -> Result<Vec<PeerRecord>, EngineError> {
        Ok(self.store.list_peers().await?)
    }

    /// Removes a peer by id, or by URL when exactly one peer has it.
    pub async fn remove_peer(&self, id_or_url: &str) -> Result<PeerView, EngineError> {
        let peers = self.store.list_peers().await?;
        let wanted = id_or_url.trim();
        let by_id = Uuid::parse_str(wanted).ok();
        let matches: Vec<&PeerRecord> = peers
            .iter()
            .filter(|p| Some(p.id) == by_id || p.url == wanted || p.url == wanted.trim_end_matches('/'))
            .collect();
        let peer = match matches.as_slice() {
            [one] => *one,
            [] => return Err(EngineError::not_found(format!("peer {wanted:?}"))),
            _ => return Err(EngineError::invalid("peer", "several peers have this url: give the peer's id")),
        };
        if !self.store.delete_peer(peer.id).await? {
            return Err(EngineError::not_found(format!("peer {wanted:?}")));
        }
        self.audit(model::audit::AuditActor::cli(), "peer.delete", "peer", peer.id, None).await;
        Ok(self.peer_view(peer))
    }

    /// Records what pulling a peer learnt and did. False when the peer was removed meanwhile.
    pub async fn set_peer_state(&self, id: Uuid, state: &PeerState) -> Result<bool, EngineError> {
        let mut state = state.clone();
        if let Some(e) = &mut state.last_error {
            *e = printable(truncate(e, 1_000));
        }
        Ok(self.store.set_peer_state(id, &state).await?)
    }

    // ---- the way in -------------------------------------------------------------------------

    /// The principal imports from `peer` are written as: its receiving organisation.
    fn receiver(&self, peer: &PeerRecord) -> Result<Principal, EngineError> {
        let mut p = self
            .principal_for(peer.receiving_org, Role::Contributor, None)
            .ok_or_else(|| EngineError::not_found("the peer's receiving organisation"))?;
        // Imports are this instance's own writes, whatever kind of organisation receives them.
        p.peer = false;
        Ok(p)
    }

    /// Whether a report from `origin` (instance, report id) or held by `source` is here.
    pub async fn federated_copy(&self, instance: Uuid, report_id: Uuid) -> Result<Option<Uuid>, EngineError> {
        Ok(self.store.find_federated_report(instance, report_id).await?)
    }

    /// Imports one report a dragnet peer (`remote`, pulled as `peer`) served, as the peer's
    /// receiving organisation, with its provenance. Refuses TLP:AMBER+STRICT and TLP:RED,
    /// reports that came through or from this instance, and revoked ones; imports nothing
    /// twice.
    pub async fn import_from_peer(
        &self,
        peer: &PeerRecord,
        remote: &Instance,
        served: ServedReport,
    ) -> Result<Imported, EngineError> {
        if !may_import(served.tlp) {
            return Ok(Imported::Refused(format!("TLP:{} never crosses to a peer", served.tlp)));
        }
        if served.revoked_at.is_some() {
            return Ok(Imported::Refused("revoked".into()));
        }
        let me = self.instance().id;
        let provenance = Provenance::pulled(
            remote,
            &peer.url,
            served.id,
            &served.author,
            served.provenance.as_ref(),
            now(),
        );
        if provenance.involves(me) {
            return Ok(Imported::Refused("it came from this instance".into()));
        }
        let receiver = self.receiver(peer)?;
        let input = ReportInput {
            kind: served.kind,
            title: printable(truncate(served.title.trim(), 500)),
            narrative: fit_narrative(served.narrative),
            tlp: served.tlp.as_str().to_string(),
            audience: AudienceInput::default(),
            labels: fit_labels(served.labels),
            first_seen: served.first_seen,
            last_seen: served.last_seen,
            observables: served
                .observables
                .into_iter()
                .take(REPORT_MAX_OBSERVABLES)
                .map(|o| ObservableInput { kind: Some(o.kind), value: o.value, role: o.role })
                .collect(),
            scam: if served.kind == ReportKind::Scam { served.scam } else { None },
            victim_pii: None,
            discoverable: None,
        };
        let mut report = match self.prepare(&receiver, input, now()) {
            Ok(r) => r,
            Err(e) => return Ok(Imported::Refused(e.to_string())),
        };
        report.provenance = Some(provenance);
        let mut stored = self.store_federated(vec![report]).await?;
        Ok(stored.pop().unwrap_or(Imported::Refused("nothing to store".into())))
    }

    /// Stores reports imported from peers (each with its provenance) under the write lock,
    /// skipping those already here; raises their alerts.
    async fn store_federated(&self, reports: Vec<model::Report>) -> Result<Vec<Imported>, EngineError> {
        let _w = self.writes.lock().await;
        let mut out = Vec::with_capacity(reports.len());
        let mut new = Vec::new();
        let mut seen = HashSet::new();
        for mut r in reports {
            let Some(p) = &r.provenance else { continue };
            let known =
                match self.store.find_federated_report(p.origin_instance, p.original_report_id).await? {
                    Some(id) => Some(id),
                    None => self.store.find_federated_report(p.peer_instance, p.peer_report_id).await?,
                };
            if let Some(id) = known {
                out.push(Imported::Known(id));
                continue;
            }
            if !seen.insert((p.origin_instance, p.original_report_id)) {
                continue;
            }
            r.id = Uuid::now_v7();
            out.push(Imported::New(r.id));
            new.push(r);
        }
        if !new.is_empty() {
            self.insert_reports(&new, Some(model::audit::AuditActor::system())).await?;
            drop(_w);
            self.alert(&new).await;
        }
        Ok(out)
    }

    /// A peer revoked the report it holds as `report_id`: the copy imported from it (if any)
    /// is revoked here too. True when a copy was revoked.
    pub async fn revoke_from_peer(
        &self,
        remote_instance: Uuid,
        report_id: Uuid,
    ) -> Result<bool, EngineError> {
        match self.store.find_federated_report(remote_instance, report_id).await? {
            Some(local) => {
                let live =
                    self.store.get_reports(&[local]).await?.pop().is_some_and(|r| r.revoked_at.is_none());
                let revoked = live && self.revoke_stored(local).await?;
                if revoked {
                    let detail = serde_json::json!({ "peer_instance": remote_instance });
                    self.audit(
                        model::audit::AuditActor::system(),
                        "report.revoke",
                        "report",
                        local,
                        Some(detail),
                    )
                    .await;
                }
                Ok(revoked)
            }
            None => Ok(false),
        }
    }

    /// The instance id a TAXII peer's reports originate from: UUIDv5 of its collection URL.
    pub fn taxii_origin(peer: &PeerRecord) -> Uuid {
        let collection = peer.collection.as_deref().unwrap_or("");
        Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("{}/collections/{collection}/", peer.url).as_bytes())
    }

    /// Imports what a TAXII peer's collection served: each STIX report as a report, the other
    /// indicators and observables as one report per source object, authored by the peer's
    /// receiving organisation with their provenance. Objects without a TLP marking are
    /// [`TAXII_PEER_DEFAULT_TLP`]; AMBER+STRICT and RED are refused; a report object marked
    /// `revoked` revokes its copy.
    pub async fn import_from_taxii(
        &self,
        peer: &PeerRecord,
        objects: &[Value],
    ) -> Result<TaxiiImported, EngineError> {
        let origin = Self::taxii_origin(peer);
        let peer_name = peer.state.remote_name.clone().unwrap_or_else(|| peer.url.clone());
        let remote = Instance { id: origin, name: peer_name.clone() };
        let receiver = self.receiver(peer)?;
        let mut out = TaxiiImported::default();
        let mapped = stix::import::map_objects_with(objects, &self.canon);
        out.refused.extend(mapped.errors.iter().map(|e| match &e.id {
            Some(id) => format!("{id}: {}", e.message),
            None => e.to_string(),
        }));
        let names: BTreeMap<&str, &str> = objects
            .iter()
            .filter(|o| o["type"] == "identity")
            .filter_map(|o| Some((o["id"].as_str()?, o["name"].as_str()?)))
            .collect();
        let revoked: HashSet<&str> = objects
            .iter()
            .filter(|o| o["revoked"] == Value::Bool(true))
            .filter_map(|o| o["id"].as_str())
            .collect();
        let at = now();
        let mut reports = Vec::new();
        let mut make =
            |id: Uuid, author: &str, tlp: Tlp, input: ReportInput, out: &mut TaxiiImported, what: &str| {
                if !may_import(tlp) {
                    out.refused.push(format!("{what}: TLP:{tlp} never crosses to a peer"));
                    return;
                }
                match self.prepare(&receiver, input, at) {
                    Ok(mut r) => {
                        r.provenance = Some(Provenance::pulled(&remote, &peer.url, id, author, None, at));
                        reports.push(r);
                    }
                    Err(e) => out.refused.push(format!("{what}: {e}")),
                }
            };
        for r in &mapped.reports {
            if revoked.contains(r.stix_id.as_str()) {
                if self.revoke_from_peer(origin, r.id).await? {
                    out.revoked += 1;
                }
                continue;
            }
            let tlp = r.tlp.unwrap_or(TAXII_PEER_DEFAULT_TLP);
            let author =
                r.created_by_ref.as_deref().and_then(|id| names.get(id)).copied().unwrap_or(&peer_name);
            let title = if r.title.trim().is_empty() {
                r.stix_id.clone()
            } else {
                printable(truncate(r.title.trim(), 500))
            };
            let input = intel_input(
                title,
                fit_narrative(r.narrative.clone()),
                tlp,
                fit_labels(r.labels.clone()),
                r.observables.iter().take(REPORT_MAX_OBSERVABLES).map(observable_input).collect(),
            );
            let mut input = input;
            input.first_seen = r.published.or(r.created).map(|t| t.trunc_subsecs(6));
            make(r.id, author, tlp, input, &mut out, &r.stix_id);
        }
        // Indicators and observables no report names: one report per source object.
        let tlp_of: BTreeMap<&str, Tlp> =
            objects.iter().filter_map(|o| Some((o["id"].as_str()?, marking_tlp(o)?))).collect();
        let mut loose: BTreeMap<&str, Vec<&stix::import::MappedObservable>> = BTreeMap::new();
        for o in &mapped.loose {
            loose.entry(o.source_id.as_deref().unwrap_or(o.stix_id.as_str())).or_default().push(o);
        }
        for (source, obs) in loose {
            let object = objects.iter().find(|o| o["id"].as_str() == Some(source));
            let tlp = tlp_of.get(source).copied().unwrap_or(TAXII_PEER_DEFAULT_TLP);
            let author = object
                .and_then(|o| o["created_by_ref"].as_str())
                .and_then(|id| names.get(id))
                .copied()
                .unwrap_or(&peer_name);
            let name = object.and_then(|o| o["name"].as_str()).map(str::trim).filter(|n| !n.is_empty());
            let title = printable(truncate(name.unwrap_or(source), 500));
            let id = Uuid::new_v5(&origin, source.as_bytes());
            let input = intel_input(
                title,
                String::new(),
                tlp,
                vec!["stix".into()],
                obs.into_iter().take(REPORT_MAX_OBSERVABLES).map(observable_input).collect(),
            );
            make(id, author, tlp, input, &mut out, source);
        }
        for r in self.store_federated(reports).await? {
            match r {
                Imported::New(id) => out.imported.push(id),
                Imported::Known(_) => out.known += 1,
                Imported::Refused(why) => out.refused.push(why),
            }
        }
        Ok(out)
    }
}

fn intel_input(
    title: String,
    narrative: String,
    tlp: Tlp,
    labels: Vec<String>,
    observables: Vec<ObservableInput>,
) -> ReportInput {
    ReportInput {
        kind: ReportKind::Intel,
        title,
        narrative,
        tlp: tlp.as_str().to_string(),
        audience: AudienceInput::default(),
        labels,
        first_seen: None,
        last_seen: None,
        observables,
        scam: None,
        victim_pii: None,
        discoverable: None,
    }
}

fn observable_input(o: &stix::import::MappedObservable) -> ObservableInput {
    ObservableInput {
        kind: Some(o.kind),
        value: o.original.clone().unwrap_or_else(|| o.value.clone()),
        role: o.role.clone(),
    }
}

/// A narrative cut to what a report holds, without NUL characters.
fn fit_narrative(mut narrative: String) -> String {
    narrative.retain(|c| c != '\0');
    if narrative.len() > NARRATIVE_MAX_BYTES {
        let mut end = NARRATIVE_MAX_BYTES;
        while !narrative.is_char_boundary(end) {
            end -= 1;
        }
        narrative.truncate(end);
    }
    narrative
}

/// The labels a report may keep (what `prepare` would refuse is left out).
fn fit_labels(labels: Vec<String>) -> Vec<String> {
    labels
        .into_iter()
        .filter(|l| !l.trim().is_empty() && l.chars().count() <= 100 && !l.chars().any(char::is_control))
        .take(100)
        .collect()
}

/// A peer URL as stored: `http` or `https`, a host, no credentials, query or fragment, no
/// trailing slash.
pub fn normalize_peer_url(raw: &str) -> Result<String, EngineError> {
    let bad = |m: &str| EngineError::invalid("url", m.to_string());
    let url = url::Url::parse(raw.trim()).map_err(|e| bad(&format!("not a url: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must be an http or https url"));
    }
    if url.host().is_none() {
        return Err(bad("must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not hold credentials (give the token with --token)"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}
