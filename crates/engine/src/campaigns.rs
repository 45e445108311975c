//! Campaigns as a viewer sees them.
//!
//! [`graph::CampaignIndex`] links every live report (scam and intel) through shared strong
//! indicators, never through hubs (warning-listed values, operator marks, structural hubs), as
//! reports arrive. A viewer never sees that global partition directly: a campaign's view is
//! built from the reports of it the viewer may see, re-linked through the indicators those
//! reports share. When a hidden report was the only link between two visible groups, the viewer
//! sees two campaigns (`5e0c19a4` and `5e0c19a4.2`), so no answer reveals that a hidden report connects
//! them. Every number (reports, victims, losses, organisations, indicators, weekly trend) is
//! computed over visible reports only; victim data is never loaded.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use graph::{CampaignId, CampaignIndex, CampaignOptions, IndicatorKey};
use model::{ObservableKind, Report, Viewer};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::scams::{Aggregate, GroupView, Interval, MoneyView, ScamFacts, ScamTotals, series};
use crate::{Engine, EngineError, PAGE_MAX};

/// Campaigns in memory: the index and the report slots it is keyed by.
pub(crate) struct Campaigns {
    pub(crate) index: CampaignIndex,
    slot_of: HashMap<Uuid, u32>,
    ids: Vec<Uuid>,
    /// Each report's strong indicators (for per-viewer re-linking and counts).
    keys: Vec<Box<[IndicatorKey]>>,
}

/// Warning lists as the clustering's `listed` predicate (campaigns and the link graph's hubs).
pub(crate) fn listed(lists: extract::WarningLists) -> graph::campaigns::ListedFn {
    Box::new(move |k: &IndicatorKey| lists.is_listed(k.kind, &k.value))
}

fn keys_of(r: &Report) -> Vec<IndicatorKey> {
    let obs: Vec<(ObservableKind, &str)> = r.observables.iter().map(|o| (o.kind, o.value.as_str())).collect();
    graph::strong_keys(&obs)
}

impl Campaigns {
    /// Builds the campaigns of stored reports from scratch (at start).
    pub(crate) fn build(
        lists: extract::WarningLists,
        reports: Vec<(Uuid, Vec<IndicatorKey>, bool)>,
    ) -> Campaigns {
        let opts = CampaignOptions { listed: Some(listed(lists)), ..Default::default() };
        let index = CampaignIndex::build(opts, reports.iter().map(|(_, k, _)| k.as_slice()));
        let mut c = Campaigns {
            index,
            slot_of: reports.iter().enumerate().map(|(i, (id, _, _))| (*id, i as u32)).collect(),
            ids: reports.iter().map(|(id, _, _)| *id).collect(),
            keys: Vec::with_capacity(reports.len()),
        };
        // The keys move into the map of each report's keys: no second copy at start.
        for (i, (_, keys, revoked)) in reports.into_iter().enumerate() {
            if revoked {
                c.index.revoke(i as u32);
            }
            c.keys.push(keys.into_boxed_slice());
        }
        c
    }

    pub(crate) fn entry(r: &Report) -> (Uuid, Vec<IndicatorKey>, bool) {
        (r.id, keys_of(r), r.revoked_at.is_some())
    }

    pub(crate) fn insert(&mut self, r: &Report) {
        if self.slot_of.contains_key(&r.id) {
            return;
        }
        let slot = self.ids.len() as u32;
        let keys = keys_of(r);
        self.index.insert(slot, &keys);
        self.slot_of.insert(r.id, slot);
        self.ids.push(r.id);
        self.keys.push(keys.into_boxed_slice());
    }

    pub(crate) fn revoke(&mut self, id: Uuid) {
        if let Some(&slot) = self.slot_of.get(&id) {
            self.index.revoke(slot);
        }
    }

    /// The report ids of a campaign's live members.
    pub(crate) fn member_ids(&self, campaign: CampaignId) -> impl Iterator<Item = Uuid> + '_ {
        self.index.members(campaign).iter().map(|s| self.ids[*s as usize])
    }

    pub(crate) fn campaign_of(&self, id: Uuid) -> Option<CampaignId> {
        self.index.campaign_of(*self.slot_of.get(&id)?)
    }
}

/// A strong indicator of a campaign and how many of its visible reports hold it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CampaignIndicatorView {
    pub kind: ObservableKind,
    pub value: String,
    pub reports: usize,
}

/// A campaign in a listing.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CampaignSummaryView {
    /// `5e0c19a4`, or `5e0c19a4.2` for the second part of campaign 5e0c19a4 the caller sees apart.
    pub id: String,
    /// Visible reports.
    pub reports: usize,
    /// Visible scam reports with intake facts.
    pub scam_reports: usize,
    pub victims_60_plus: usize,
    pub losses: Vec<MoneyView>,
    /// The most common scam type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scam_type: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Contributing organisations (of visible reports).
    pub organizations: Vec<String>,
    /// The most shared indicators, at most five.
    pub top_indicators: Vec<CampaignIndicatorView>,
    /// Its visible reports (for the audit of reads; not in answers).
    #[serde(skip)]
    #[schema(ignore)]
    pub report_ids: Vec<Uuid>,
}

/// A report of a campaign.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CampaignReportView {
    pub id: Uuid,
    pub kind: model::ReportKind,
    pub title: String,
    pub organization: String,
    #[schema(value_type = String)]
    pub tlp: model::Tlp,
    pub first_seen: DateTime<Utc>,
}

/// One campaign with its totals, indicators, weekly trend and reports.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CampaignView {
    #[serde(flatten)]
    pub summary: CampaignSummaryView,
    /// Totals of its visible scam reports: losses by currency and payment method, victims by
    /// age bracket (and the 60+ share), scam types.
    pub totals: ScamTotals,
    /// Reports per week (Mondays), oldest first.
    pub weekly: Vec<GroupView>,
    /// Every linking indicator the visible reports share, most shared first.
    pub indicators: Vec<CampaignIndicatorView>,
    /// Its visible reports, newest first (at most 1,000; `reports` is their count).
    pub members: Vec<CampaignReportView>,
}

/// Filters of the campaign listing.
#[derive(Clone, Debug, Default)]
pub struct CampaignQuery {
    /// Campaigns holding this selector (written any way; it is canonicalised).
    pub selector: Option<(Option<ObservableKind>, String)>,
    /// Campaigns with a report of this scam type.
    pub scam_type: Option<model::scam::ScamType>,
    /// Campaigns with at least this many visible reports (default 2).
    pub min_reports: Option<usize>,
    pub limit: Option<usize>,
}

/// The name of the instance key that encrypts campaign ids.
pub(crate) const CAMPAIGN_ID_KEY: &str = "campaign-ids";

/// Campaign ids as clients see them: the campaign's number (the slot of its first report in
/// the index, which counts every report stored before it, hidden ones included) put through
/// a keyed permutation of 32-bit numbers (a four-round Feistel network whose round function
/// is AES-128 under the instance's key), as eight hex digits. The id says nothing about how
/// many reports came before; the server maps it back without a table.
#[derive(Clone)]
pub(crate) struct CampaignIds {
    cipher: aes::Aes128,
}

impl std::fmt::Debug for CampaignIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CampaignIds")
    }
}

impl CampaignIds {
    const ROUNDS: u8 = 4;

    pub(crate) fn new(key: &[u8]) -> Option<CampaignIds> {
        use aes::cipher::KeyInit;
        Some(CampaignIds { cipher: aes::Aes128::new_from_slice(key.get(..16)?).ok()? })
    }

    fn round(&self, round: u8, half: u16) -> u16 {
        use aes::cipher::BlockEncrypt;
        let mut block = [0u8; 16];
        block[0] = round;
        block[1..3].copy_from_slice(&half.to_be_bytes());
        let mut b = aes::Block::from(block);
        self.cipher.encrypt_block(&mut b);
        u16::from_be_bytes([b[0], b[1]])
    }

    pub(crate) fn encode(&self, id: CampaignId) -> String {
        let (mut l, mut r) = ((id.0 >> 16) as u16, id.0 as u16);
        for round in 0..Self::ROUNDS {
            (l, r) = (r, l ^ self.round(round, r));
        }
        format!("{:08x}", (u32::from(l) << 16) | u32::from(r))
    }

    pub(crate) fn decode(&self, id: &str) -> Option<CampaignId> {
        if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return None;
        }
        let n = u32::from_str_radix(id, 16).ok()?;
        let (mut l, mut r) = ((n >> 16) as u16, n as u16);
        for round in (0..Self::ROUNDS).rev() {
            (l, r) = (r ^ self.round(round, l), l);
        }
        Some(CampaignId((u32::from(l) << 16) | u32::from(r)))
    }
}

/// A viewer's part of a campaign: visible report slots linked through their shared indicators.
struct Part {
    id: String,
    slots: Vec<u32>,
}

/// What the campaign listing orders parts by besides their size: as [`CampaignSummaryView`]'s
/// `last_seen` and newest report, without summarising the part.
struct Rank {
    last_seen: Option<DateTime<Utc>>,
    newest: Option<Uuid>,
}

/// Splits a campaign's visible members into the parts their shared linking indicators connect.
/// A viewer who sees every member sees the whole campaign as one part (a campaign is one
/// component of its linking indicators: `whole_campaigns_are_one_part` checks it), which is
/// the common case and costs no re-linking.
fn parts(c: &Campaigns, ids: &CampaignIds, campaign: CampaignId, visible: &[u32]) -> Vec<Part> {
    if visible.len() == c.index.members(campaign).len() {
        return vec![Part { id: ids.encode(campaign), slots: visible.to_vec() }];
    }
    split(c, ids, campaign, visible)
}

/// [`parts`] by re-linking the visible members through the campaign's linking indicators.
fn split(c: &Campaigns, ids: &CampaignIds, campaign: CampaignId, visible: &[u32]) -> Vec<Part> {
    let linking: FxHashSet<&IndicatorKey> =
        c.index.indicators(campaign).into_iter().map(|(k, _)| k).collect();
    let mut parent: Vec<usize> = (0..visible.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut first: FxHashMap<&IndicatorKey, usize> = FxHashMap::default();
    for (i, &s) in visible.iter().enumerate() {
        for k in c.keys[s as usize].iter().filter(|k| linking.contains(k)) {
            match first.get(k) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
                None => {
                    first.insert(k, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for (i, &s) in visible.iter().enumerate() {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(s);
    }
    let mut g: Vec<Vec<u32>> = groups.into_values().collect();
    g.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a[0].cmp(&b[0])));
    let base = ids.encode(campaign);
    g.into_iter()
        .enumerate()
        .map(|(n, slots)| Part { id: if n == 0 { base.clone() } else { format!("{base}.{}", n + 1) }, slots })
        .collect()
}

impl Engine {
    fn campaigns(&self) -> std::sync::RwLockReadGuard<'_, Campaigns> {
        self.campaigns.read().unwrap_or_else(|e| e.into_inner())
    }

    /// `campaign.changed` for each of these reports (just committed, the campaigns up to date)
    /// that is linked to at least one other live report.
    pub(crate) fn campaign_events(&self, reports: &[Report]) -> Vec<model::event::Event> {
        let at = crate::engine::now();
        let c = self.campaigns();
        reports
            .iter()
            .filter_map(|r| {
                let campaign = c.campaign_of(r.id)?;
                (c.index.members(campaign).len() >= 2)
                    .then(|| model::event::Event::campaign_changed(r, campaign.0.to_string(), at))
            })
            .collect()
    }

    /// The viewer's part of the campaign holding report `id` (`5e0c19a4`, `5e0c19a4.2`) and how many
    /// reports of it the viewer sees, when that part has at least two: what a stream reader is
    /// told of a `campaign.changed` event. `None` when the viewer sees the report in no
    /// campaign (all computed over the reports it may see, like every campaign answer).
    pub(crate) fn campaign_part_of(&self, viewer: &Viewer, id: Uuid) -> Option<(String, usize)> {
        let c = self.campaigns();
        let slot = *c.slot_of.get(&id)?;
        let campaign = c.index.campaign_of(slot)?;
        let visible = self.visible_members(viewer, &c, campaign);
        if !visible.contains(&slot) {
            return None;
        }
        let part = parts(&c, &self.campaign_ids, campaign, &visible)
            .into_iter()
            .find(|p| p.slots.contains(&slot))?;
        let n = part.slots.len();
        (n >= 2).then_some((part.id, n))
    }

    /// The visible, live members of a campaign.
    /// The part of a campaign the viewer sees named `id` (`5e0c19a4`, `5e0c19a4.2`), with at least two
    /// visible reports; not found otherwise.
    fn find_part(&self, viewer: &Viewer, c: &Campaigns, id: &str) -> Result<Part, EngineError> {
        let not_found = || EngineError::not_found("campaign");
        let (base, part_no) = match id.split_once('.') {
            Some((b, p)) => (b, p.parse::<usize>().map_err(|_| not_found())?),
            None => (id, 1),
        };
        let campaign = self.campaign_ids.decode(base).ok_or_else(not_found)?;
        let visible = self.visible_members(viewer, c, campaign);
        let part = parts(c, &self.campaign_ids, campaign, &visible)
            .into_iter()
            .nth(part_no.checked_sub(1).ok_or_else(not_found)?)
            .ok_or_else(not_found)?;
        if part.slots.len() < 2 {
            return Err(not_found());
        }
        Ok(part)
    }

    /// The ids of the reports of the campaign (part) the viewer sees named `id`.
    pub(crate) fn campaign_report_ids(&self, viewer: &Viewer, id: &str) -> Result<Vec<Uuid>, EngineError> {
        let c = self.campaigns();
        let part = self.find_part(viewer, &c, id)?;
        Ok(part.slots.iter().map(|s| c.ids[*s as usize]).collect())
    }

    fn visible_members(&self, viewer: &Viewer, c: &Campaigns, campaign: CampaignId) -> Vec<u32> {
        let idx = self.index();
        c.index
            .members(campaign)
            .iter()
            .copied()
            .filter(|&s| idx.report(viewer, c.ids[s as usize]).is_some_and(|r| !r.access.revoked))
            .collect()
    }

    fn rank(&self, viewer: &Viewer, c: &Campaigns, part: &Part) -> Rank {
        let idx = self.index();
        let ids = part.slots.iter().map(|s| c.ids[*s as usize]);
        Rank {
            last_seen: ids.clone().filter_map(|id| idx.report(viewer, id)).map(|r| r.last_seen).max(),
            newest: ids.max(),
        }
    }

    fn summary(
        &self,
        viewer: &Viewer,
        c: &Campaigns,
        part: &Part,
        facts: &HashMap<Uuid, ScamFacts>,
    ) -> (CampaignSummaryView, ScamTotals) {
        let idx = self.index();
        let dir = self.directory();
        let mut agg = Aggregate::default();
        let (mut first, mut last): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
        let mut authors: FxHashSet<model::OrgId> = FxHashSet::default();
        let mut counts: FxHashMap<&IndicatorKey, usize> = FxHashMap::default();
        let linking: FxHashSet<&IndicatorKey> = c
            .index
            .campaign_of(part.slots[0])
            .map(|id| c.index.indicators(id).into_iter().map(|(k, _)| k).collect())
            .unwrap_or_default();
        for &s in &part.slots {
            let id = c.ids[s as usize];
            if let Some(f) = facts.get(&id) {
                agg.add(f);
            }
            if let Some(r) = idx.report(viewer, id) {
                first = Some(first.map_or(r.first_seen, |t| t.min(r.first_seen)));
                last = Some(last.map_or(r.last_seen, |t| t.max(r.last_seen)));
                authors.insert(r.access.author);
            }
            for k in c.keys[s as usize].iter().filter(|k| linking.contains(k)) {
                *counts.entry(k).or_default() += 1;
            }
        }
        let orgs: std::collections::BTreeSet<String> = authors.into_iter().map(|a| dir.org_name(a)).collect();
        let mut indicators: Vec<CampaignIndicatorView> = counts
            .into_iter()
            .filter(|(_, n)| *n >= 2)
            .map(|(k, n)| CampaignIndicatorView { kind: k.kind, value: k.value.clone(), reports: n })
            .collect();
        indicators.sort_by(|a, b| b.reports.cmp(&a.reports).then_with(|| a.value.cmp(&b.value)));
        let totals = agg.totals();
        let now = chrono::Utc::now();
        let view = CampaignSummaryView {
            id: part.id.clone(),
            reports: part.slots.len(),
            scam_reports: totals.reports,
            victims_60_plus: totals.victims_60_plus,
            losses: totals.losses.clone(),
            scam_type: totals.by_scam_type.first().map(|g| g.key.clone()),
            first_seen: first.unwrap_or(now),
            last_seen: last.unwrap_or(now),
            organizations: orgs.into_iter().collect(),
            top_indicators: indicators,
            report_ids: part.slots.iter().map(|s| c.ids[*s as usize]).collect(),
        };
        (view, totals)
    }

    /// The campaigns the viewer sees (parts with at least `min_reports` visible reports, 2 by
    /// default), largest first.
    pub fn list_campaigns(
        &self,
        viewer: &Viewer,
        q: &CampaignQuery,
    ) -> Result<Vec<CampaignSummaryView>, EngineError> {
        let limit = q.limit.unwrap_or(crate::PAGE_DEFAULT);
        if limit == 0 || limit > PAGE_MAX {
            return Err(EngineError::invalid("limit", format!("must be between 1 and {PAGE_MAX}")));
        }
        let min = q.min_reports.unwrap_or(2).max(1);
        let holding = match &q.selector {
            Some((kind, raw)) => Some(self.canonical(*kind, raw, || "selector".into())?.observable),
            None => None,
        };
        let facts = self.scams.read().unwrap_or_else(|e| e.into_inner());
        let c = self.campaigns();
        let holders: Option<std::collections::HashSet<Uuid>> =
            holding.as_ref().map(|obs| self.index().hits(viewer, obs, usize::MAX).1.into_iter().collect());
        let mut candidates: Vec<CampaignId> = match &holders {
            Some(ids) => {
                let mut cs: Vec<CampaignId> = ids.iter().filter_map(|id| c.campaign_of(*id)).collect();
                cs.sort_unstable();
                cs.dedup();
                cs
            }
            None => c.index.campaigns().filter(|(_, m)| m.len() >= min).map(|(id, _)| id).collect(),
        };
        // Largest campaigns first: a part is never larger than its campaign, and the page is
        // ordered by size first, so once the page is full and the next campaign is smaller than
        // its smallest part, no campaign left can reach it. The answer is the one looking at
        // every campaign would give (`listing_pages_are_prefixes_of_the_whole_list`).
        candidates.sort_by_key(|&id| std::cmp::Reverse(c.index.members(id).len()));
        // Every part is ranked by what is cheap to know of it; only the page is summarised (a
        // summary reads every member's indicators and scam facts).
        let mut ranked: Vec<(Rank, Part)> = Vec::new();
        // The sizes of the `limit` largest parts so far, smallest on top.
        let mut page_sizes: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = Default::default();
        for id in candidates {
            if page_sizes.len() == limit
                && page_sizes.peek().is_some_and(|&std::cmp::Reverse(s)| c.index.members(id).len() < s)
            {
                break;
            }
            let visible = self.visible_members(viewer, &c, id);
            if visible.len() < min {
                continue;
            }
            for part in parts(&c, &self.campaign_ids, id, &visible) {
                if part.slots.len() < min {
                    continue;
                }
                if let Some(t) = q.scam_type
                    && !part.slots.iter().any(|s| {
                        facts.get(&c.ids[*s as usize]).is_some_and(|f| f.details.incident.scam_type == t)
                    })
                {
                    continue;
                }
                if let Some(holds) = &holders
                    && !part.slots.iter().any(|s| holds.contains(&c.ids[*s as usize]))
                {
                    continue;
                }
                page_sizes.push(std::cmp::Reverse(part.slots.len()));
                if page_sizes.len() > limit {
                    page_sizes.pop();
                }
                ranked.push((self.rank(viewer, &c, &part), part));
            }
        }
        // Largest first, then most recently active, then by their newest visible report (ids
        // are time-ordered): never by the campaign id, which is a random-looking number.
        ranked.sort_by(|(a, pa), (b, pb)| {
            pb.slots
                .len()
                .cmp(&pa.slots.len())
                .then_with(|| b.last_seen.cmp(&a.last_seen))
                .then_with(|| b.newest.cmp(&a.newest))
                .then_with(|| pa.id.cmp(&pb.id))
        });
        ranked.truncate(limit);
        Ok(ranked
            .into_iter()
            .map(|(_, part)| {
                let (mut view, _) = self.summary(viewer, &c, &part, &facts);
                view.top_indicators.truncate(5);
                view
            })
            .collect())
    }

    /// One campaign (or part of one) the viewer sees; not found otherwise.
    pub async fn get_campaign(&self, viewer: &Viewer, id: &str) -> Result<CampaignView, EngineError> {
        let (summary, totals, part_facts, mut reports) = {
            let facts = self.scams.read().unwrap_or_else(|e| e.into_inner());
            let c = self.campaigns();
            let part = self.find_part(viewer, &c, id)?;
            let (summary, totals) = self.summary(viewer, &c, &part, &facts);
            let part_facts: Vec<ScamFacts> =
                part.slots.iter().filter_map(|s| facts.get(&c.ids[*s as usize]).cloned()).collect();
            let idx = self.index();
            let dir = self.directory();
            let mut reports: Vec<CampaignReportView> = part
                .slots
                .iter()
                .filter_map(|s| idx.report(viewer, c.ids[*s as usize]))
                .map(|r| CampaignReportView {
                    id: r.id,
                    kind: r.kind,
                    title: String::new(),
                    organization: dir.org_name(r.access.author),
                    tlp: r.access.tlp,
                    first_seen: r.first_seen,
                })
                .collect();
            reports.sort_by(|a, b| b.first_seen.cmp(&a.first_seen).then_with(|| b.id.cmp(&a.id)));
            reports.truncate(1_000);
            (summary, totals, part_facts, reports)
        };
        let ids: Vec<Uuid> = reports.iter().map(|r| r.id).collect();
        let titles: HashMap<Uuid, String> =
            self.store.get_reports(&ids).await?.into_iter().map(|r| (r.id, r.title)).collect();
        for r in &mut reports {
            r.title = titles.get(&r.id).cloned().unwrap_or_default();
        }
        let indicators = summary.top_indicators.clone();
        let mut summary = summary;
        summary.top_indicators.truncate(5);
        Ok(CampaignView {
            summary,
            totals,
            weekly: series(part_facts.iter(), Interval::Week),
            indicators,
            members: reports,
        })
    }
}

/// A value that never links reports into campaigns, as an operator sees it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HubView {
    pub kind: ObservableKind,
    pub value: String,
    /// `listed` (on a warning list), `marked` (by an operator) or `structural` (it joins
    /// groups of reports that are otherwise apart, and is a minority in each).
    pub reason: String,
    /// The operator's reason, or for structural hubs the groups joined and coverage.
    pub detail: String,
    /// Live reports holding the value, on the whole instance.
    pub reports: u32,
}

/// The keys a mark on a canonical value stands for: a domain or URL marks its registrable
/// domain, an e-mail address itself only.
fn mark_keys(kind: ObservableKind, value: &str) -> Vec<IndicatorKey> {
    let keys = graph::strong_keys(&[(kind, value)]);
    if kind == ObservableKind::Email { keys.into_iter().filter(|k| k.kind == kind).collect() } else { keys }
}

impl Campaigns {
    pub(crate) fn apply_mark(&mut self, m: &model::campaign::HubMark) {
        for k in mark_keys(m.kind, &m.value) {
            self.index.mark_hub(&k, m.reason.clone());
        }
    }
}

impl Engine {
    fn require_operator_admin(actor: &crate::Principal) -> Result<(), EngineError> {
        if actor.operator && actor.viewer.role.is_admin() {
            Ok(())
        } else {
            Err(EngineError::Forbidden("only admins of an operator organisation may see or mark hubs".into()))
        }
    }

    /// Marks a value as a hub (operator admins): it stops linking reports into campaigns and
    /// networks, and is no longer traversed in the link graph by default, at once and after
    /// restarts. The value is canonicalised; a domain or URL marks its registrable domain. A
    /// value that never links campaigns (an IP address, a hash) is marked for the link graph.
    pub async fn mark_hub(
        &self,
        actor: &crate::Principal,
        kind: Option<ObservableKind>,
        value: &str,
        reason: &str,
    ) -> Result<HubView, EngineError> {
        Self::require_operator_admin(actor)?;
        let c = self.canonical(kind, value, || "value".into())?.observable;
        let keys = mark_keys(c.kind, &c.value);
        let own = IndicatorKey::new(c.kind, c.value.clone());
        let key = keys.first().unwrap_or(&own);
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(EngineError::invalid("reason", "must be 1 to 500 characters"));
        }
        let mark = model::campaign::HubMark {
            kind: key.kind,
            value: key.value.clone(),
            reason: reason.to_string(),
            marked_by: actor.viewer.org,
            marked_at: crate::engine::now(),
        };
        let _w = self.writes.lock().await;
        self.store.set_hub_mark(&mark).await?;
        let object = format!("{}:{}", mark.kind, mark.value);
        self.audit(crate::audit_actor(Some(actor)), "hub.mark", "hub_mark", object, None).await;
        let change =
            model::event::StateChange::HubMark { kind: mark.kind, value: mark.value.clone(), on: true };
        self.commit_state(change, || {
            self.campaigns.write().unwrap_or_else(|e| e.into_inner()).apply_mark(&mark);
            self.links.write().unwrap_or_else(|e| e.into_inner()).set_mark(mark.kind, &mark.value, true);
        })
        .await;
        let campaigns = self.campaigns.read().unwrap_or_else(|e| e.into_inner());
        Ok(HubView {
            kind: mark.kind,
            value: mark.value,
            reason: "marked".into(),
            detail: mark.reason,
            reports: campaigns.index.hubs().find(|h| h.key == key).map_or(0, |h| h.degree),
        })
    }

    /// Removes an operator's mark (operator admins): the value links again unless a warning
    /// list or the structure of the graph makes it a hub.
    pub async fn unmark_hub(
        &self,
        actor: &crate::Principal,
        kind: Option<ObservableKind>,
        value: &str,
    ) -> Result<(), EngineError> {
        Self::require_operator_admin(actor)?;
        let c = self.canonical(kind, value, || "value".into())?.observable;
        let _w = self.writes.lock().await;
        let mut found = false;
        let mut keys = mark_keys(c.kind, &c.value);
        if keys.is_empty() {
            keys.push(IndicatorKey::new(c.kind, c.value.clone()));
        }
        for k in keys {
            found |= self.store.delete_hub_mark(k.kind, &k.value).await?;
            let change =
                model::event::StateChange::HubMark { kind: k.kind, value: k.value.clone(), on: false };
            self.commit_state(change, || {
                self.campaigns.write().unwrap_or_else(|e| e.into_inner()).index.unmark_hub(&k);
                self.links.write().unwrap_or_else(|e| e.into_inner()).set_mark(k.kind, &k.value, false);
            })
            .await;
        }
        if !found {
            return Err(EngineError::not_found("hub mark"));
        }
        let object = format!("{}:{}", c.kind, c.value);
        self.audit(crate::audit_actor(Some(actor)), "hub.unmark", "hub_mark", object, None).await;
        Ok(())
    }

    /// Every hub with its reason and instance-wide degree (operator admins: the list names
    /// values of reports other organisations may not see).
    pub fn list_hubs(&self, actor: &crate::Principal) -> Result<Vec<HubView>, EngineError> {
        Self::require_operator_admin(actor)?;
        let c = self.campaigns();
        let mut out: Vec<HubView> = c
            .index
            .hubs()
            .map(|h| {
                let (reason, detail) = match h.reason {
                    graph::HubReason::Listed => ("listed", "on a warning list".to_string()),
                    graph::HubReason::Marked(r) => ("marked", r),
                    graph::HubReason::Structural { groups, coverage } => (
                        "structural",
                        format!("joins {groups} groups of reports that are otherwise apart; in {:.0}% of their reports", coverage * 100.0),
                    ),
                };
                HubView { kind: h.key.kind, value: h.key.value.clone(), reason: reason.into(), detail, reports: h.degree }
            })
            .collect();
        out.sort_by(|a, b| b.reports.cmp(&a.reports).then_with(|| a.value.cmp(&b.value)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_ids_round_trip_and_depend_on_the_key() {
        let ids = CampaignIds::new(&[7u8; 16]).unwrap();
        let other = CampaignIds::new(&[8u8; 16]).unwrap();
        let mut seen = std::collections::HashSet::new();
        let mut ascending = 0;
        let mut previous = String::new();
        for n in (0..5_000u32).chain([u32::MAX - 1, u32::MAX]) {
            let id = ids.encode(CampaignId(n));
            assert_eq!(id.len(), 8);
            assert_eq!(ids.decode(&id), Some(CampaignId(n)), "{n} -> {id}");
            assert_ne!(other.encode(CampaignId(n)), id, "another key, another id");
            assert!(seen.insert(id.clone()), "a permutation: {id} twice");
            ascending += usize::from(id > previous);
            previous = id;
        }
        // Consecutive numbers give ids in no order (about half ascending), not a count.
        assert!((2_000..3_000).contains(&ascending), "{ascending}");
        for bad in ["", "17", "0000001", "000000001", "0000000g", "ABCDEF01", " 0000001"] {
            assert_eq!(ids.decode(bad), None, "{bad:?}");
        }
    }

    /// `parts` answers a viewer who sees every member with the whole campaign, without
    /// re-linking: re-linking every member of every demo campaign gives that one part too.
    /// An engine holding `reports` demo reports, each submitted by its author.
    async fn demo_engine(reports: usize) -> (Engine, demo::Dataset) {
        let data = demo::generate(&demo::DemoConfig { reports, ..Default::default() });
        let store = store::SqliteStore::open_in_memory().await.unwrap();
        let options =
            crate::EngineOptions { warninglists: extract::WarningLists::builtin(), ..Default::default() };
        let e = Engine::open(std::sync::Arc::new(store), options).await.unwrap();
        for o in &data.orgs {
            e.create_org(None, &o.name, o.operator).await.unwrap();
        }
        for c in &data.communities {
            e.create_community(None, &c.name, &c.members).await.unwrap();
        }
        let principals: HashMap<&str, crate::Principal> =
            data.orgs.iter().map(|o| (o.name.as_str(), e.local_principal(&o.name).unwrap())).collect();
        let records =
            data.reports.iter().map(|r| (&principals[r.author.as_str()], Ok(r.input.clone()))).collect();
        assert!(e.import(records).await.unwrap().rejected.is_empty());
        (e, data)
    }

    #[tokio::test]
    async fn whole_campaigns_are_one_part() {
        let (e, _) = demo_engine(3_000).await;
        let c = e.campaigns();
        let mut linked = 0;
        for (campaign, members) in c.index.campaigns() {
            let whole = split(&c, &e.campaign_ids, campaign, members);
            assert_eq!(
                whole.len(),
                1,
                "a campaign of {} reports re-links into {} parts",
                members.len(),
                whole.len()
            );
            assert_eq!(whole[0].slots, members);
            linked += usize::from(members.len() >= 2);
        }
        assert!(linked >= 5, "only {linked} demo campaigns of two reports or more");
        // A viewer missing a member gets the re-linked parts.
        let (campaign, members) =
            c.index.campaigns().find(|(_, m)| m.len() >= 3).expect("a campaign of three");
        let some = &members[1..];
        let expected: Vec<Vec<u32>> =
            split(&c, &e.campaign_ids, campaign, some).into_iter().map(|p| p.slots).collect();
        let got: Vec<Vec<u32>> =
            parts(&c, &e.campaign_ids, campaign, some).into_iter().map(|p| p.slots).collect();
        assert_eq!(got, expected);
    }
    /// A page of the listing is the start of the whole list, for every page size and viewer:
    /// the listing stops early (largest campaigns first) without changing its answer.
    #[tokio::test]
    async fn listing_pages_are_prefixes_of_the_whole_list() {
        let (e, data) = demo_engine(3_000).await;
        let mut checked = 0;
        for org in &data.orgs {
            let viewer = e.local_principal(&org.name).unwrap().viewer;
            let list = |limit, min_reports| {
                let q = CampaignQuery { limit: Some(limit), min_reports, ..Default::default() };
                e.list_campaigns(&viewer, &q)
                    .unwrap()
                    .into_iter()
                    .map(|v| (v.id, v.reports))
                    .collect::<Vec<_>>()
            };
            for min in [None, Some(1), Some(3)] {
                let whole = list(PAGE_MAX, min);
                for limit in [1, 2, 3, 5, 8, 13] {
                    let page = list(limit, min);
                    assert_eq!(
                        page,
                        whole[..limit.min(whole.len())],
                        "{}: limit {limit}, min {min:?}",
                        org.name
                    );
                    checked += usize::from(whole.len() > limit);
                }
            }
        }
        assert!(checked >= 20, "only {checked} pages shorter than their list");
    }
}
