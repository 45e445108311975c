//! Alert rules and alerts: "an IBAN or wallet of ours appears in a new scam report", "a campaign
//! grows past N reports in 7 days".
//!
//! Rules are held in memory (watch selectors canonicalised into a map) and evaluated on every
//! committed batch of reports, after the correlation index and the campaigns are updated. An
//! alert is raised only when the rule's organisation may see the report (for growth rules: it
//! counts only the campaign's reports it may see), and it never holds victim data.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use model::alert::{Alert, AlertRule, RuleKind, WatchedSelector};
use model::{Observable, OrgId, Report, ReportKind, Role, Viewer, can_see};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::now;
use crate::{Engine, EngineError, Page, Principal};

/// The most selectors one watch rule holds.
pub const RULE_MAX_SELECTORS: usize = 100_000;

/// Rules in memory.
#[derive(Default)]
pub(crate) struct Rules {
    rules: HashMap<Uuid, AlertRule>,
    /// Canonical watched value → the rules watching it.
    watch: HashMap<Observable, Vec<Uuid>>,
    /// (growth rule, campaign) pairs that already fired.
    fired: HashSet<(Uuid, String)>,
}

impl Rules {
    pub(crate) async fn load(
        store: &dyn store::Store,
        canon: impl Fn(&WatchedSelector) -> Option<Observable>,
    ) -> Result<Rules, EngineError> {
        let mut r = Rules::default();
        for rule in store.list_alert_rules().await? {
            r.add(rule, &canon);
        }
        let mut after = None;
        loop {
            let page = store.list_alerts(None, after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for a in page {
                if let Some(c) = a.campaign {
                    r.fired.insert((a.rule_id, c));
                }
            }
        }
        Ok(r)
    }

    fn add(&mut self, rule: AlertRule, canon: impl Fn(&WatchedSelector) -> Option<Observable>) {
        if let RuleKind::Watch { selectors, .. } = &rule.rule {
            for s in selectors {
                if let Some(o) = canon(s) {
                    let rules = self.watch.entry(o).or_default();
                    if !rules.contains(&rule.id) {
                        rules.push(rule.id);
                    }
                }
            }
        }
        self.rules.insert(rule.id, rule);
    }

    fn remove(&mut self, id: Uuid) {
        self.rules.remove(&id);
        self.watch.retain(|_, rules| {
            rules.retain(|r| *r != id);
            !rules.is_empty()
        });
    }
}

/// A rule as created through the API.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRuleInput {
    pub name: String,
    pub rule: RuleKind,
}

/// A rule as its organisation sees it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertRuleView {
    pub id: Uuid,
    pub name: String,
    pub rule: RuleKind,
    pub created_at: chrono::DateTime<Utc>,
}

impl From<&AlertRule> for AlertRuleView {
    fn from(r: &AlertRule) -> Self {
        AlertRuleView { id: r.id, name: r.name.clone(), rule: r.rule.clone(), created_at: r.created_at }
    }
}

impl Engine {
    fn rules(&self) -> std::sync::RwLockReadGuard<'_, Rules> {
        self.rules.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn watched(&self, s: &WatchedSelector) -> Option<Observable> {
        self.canonical(s.kind, &s.value, String::new).ok().map(|c| c.observable)
    }

    /// Creates an alert rule for the actor's organisation (analysts and admins). Watched
    /// selectors are canonicalised; an invalid one is an error naming it.
    pub async fn create_alert_rule(
        &self,
        actor: &Principal,
        input: AlertRuleInput,
    ) -> Result<AlertRuleView, EngineError> {
        if !actor.viewer.role.can_revoke() {
            return Err(EngineError::Forbidden("only analysts and admins may manage alert rules".into()));
        }
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(EngineError::invalid("name", "must be 1 to 200 printable characters"));
        }
        let mut rule = input.rule;
        match &mut rule {
            RuleKind::Watch { selectors, .. } => {
                if selectors.is_empty() {
                    return Err(EngineError::invalid("rule.selectors", "must not be empty"));
                }
                if selectors.len() > RULE_MAX_SELECTORS {
                    return Err(EngineError::TooMany {
                        what: "selectors".into(),
                        limit: RULE_MAX_SELECTORS,
                        got: selectors.len(),
                    });
                }
                for (i, s) in selectors.iter_mut().enumerate() {
                    let c = self.canonical(s.kind, &s.value, || format!("rule.selectors[{i}]"))?;
                    *s = WatchedSelector { kind: Some(c.observable.kind), value: c.observable.value };
                }
            }
            RuleKind::CampaignGrowth { threshold, window_days } => {
                if *threshold < 2 {
                    return Err(EngineError::invalid("rule.threshold", "must be at least 2"));
                }
                if *window_days == 0 || *window_days > 3_650 {
                    return Err(EngineError::invalid("rule.window_days", "must be between 1 and 3650"));
                }
            }
        }
        let rule = AlertRule {
            id: Uuid::now_v7(),
            org: actor.viewer.org,
            name: name.to_string(),
            rule,
            created_at: now(),
        };
        let _w = self.writes.lock().await;
        self.store.create_alert_rule(&rule).await?;
        self.audit(crate::audit_actor(Some(actor)), "alert_rule.create", "alert_rule", rule.id, None).await;
        let view = AlertRuleView::from(&rule);
        self.commit_state(model::event::StateChange::Rules, || {
            self.rules.write().unwrap_or_else(|e| e.into_inner()).add(rule, |s| self.watched(s));
        })
        .await;
        Ok(view)
    }

    /// The rules of the viewer's organisation.
    pub fn list_alert_rules(&self, viewer: &Viewer) -> Vec<AlertRuleView> {
        let mut out: Vec<AlertRuleView> =
            self.rules().rules.values().filter(|r| r.org == viewer.org).map(AlertRuleView::from).collect();
        out.sort_by_key(|r| r.id);
        out
    }

    /// Deletes a rule of the actor's organisation (analysts and admins); its alerts stay.
    pub async fn delete_alert_rule(&self, actor: &Principal, id: Uuid) -> Result<(), EngineError> {
        let own = self.rules().rules.get(&id).is_some_and(|r| r.org == actor.viewer.org);
        if !own {
            return Err(EngineError::not_found("alert rule"));
        }
        if !actor.viewer.role.can_revoke() {
            return Err(EngineError::Forbidden("only analysts and admins may manage alert rules".into()));
        }
        let _w = self.writes.lock().await;
        self.store.delete_alert_rule(id, now()).await?;
        self.audit(crate::audit_actor(Some(actor)), "alert_rule.delete", "alert_rule", id, None).await;
        self.commit_state(model::event::StateChange::Rules, || {
            self.rules.write().unwrap_or_else(|e| e.into_inner()).remove(id);
        })
        .await;
        Ok(())
    }

    /// The alerts of the viewer's organisation, oldest first, one page at a time.
    pub async fn list_alerts(
        &self,
        viewer: &Viewer,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Page<Alert>, EngineError> {
        let limit = limit.unwrap_or(crate::PAGE_DEFAULT);
        if limit == 0 || limit > crate::PAGE_MAX {
            return Err(EngineError::invalid("limit", format!("must be between 1 and {}", crate::PAGE_MAX)));
        }
        let after = cursor
            .map(|c| {
                Uuid::parse_str(c)
                    .map_err(|_| EngineError::invalid("cursor", "not a cursor from a previous page"))
            })
            .transpose()?;
        let mut items = self.store.list_alerts(Some(viewer.org), after, limit + 1).await?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = if more { items.last().map(|a| a.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    fn rule_viewer(&self, org: OrgId) -> Option<Viewer> {
        let dir = self.directory();
        dir.org(org)?;
        Some(Viewer::new(org, Role::Reader, dir.memberships(org)))
    }

    /// Evaluates every rule against reports just committed and stores the alerts raised.
    /// Called under the write lock, after the indexes and campaigns were updated.
    /// `events` (derived events of the same reports, e.g. `campaign.changed`) are stored in the
    /// alerts' transaction, or alone when nothing is raised, and published.
    pub(crate) async fn raise_alerts(
        &self,
        reports: &[Report],
        mut events: Vec<model::event::Event>,
    ) -> Result<usize, EngineError> {
        let at = now();
        let mut alerts = Vec::new();
        // Per alert: the kind of the matched selector and the report's labels, for its event.
        let mut facets: Vec<(Option<model::ObservableKind>, Vec<String>)> = Vec::new();
        if self.rules().rules.is_empty() {
            let stored = self.store.append_events(&events).await?;
            self.commit(stored, || {}).await;
            return Ok(0);
        }
        {
            let rules = self.rules();
            let mut viewers: HashMap<OrgId, Option<Viewer>> = HashMap::new();
            let mut viewer_of =
                |org: OrgId| viewers.entry(org).or_insert_with(|| self.rule_viewer(org)).clone();
            // Watch rules: a watched value in a new report the subscriber may see.
            for r in reports {
                let mut raised: HashSet<Uuid> = HashSet::new();
                for o in &r.observables {
                    let key = Observable { kind: o.kind, value: o.value.clone() };
                    let Some(ids) = rules.watch.get(&key) else { continue };
                    for id in ids {
                        let Some(rule) = rules.rules.get(id) else { continue };
                        let RuleKind::Watch { scam_only, .. } = &rule.rule else { continue };
                        if (*scam_only && r.kind != ReportKind::Scam) || raised.contains(id) {
                            continue;
                        }
                        let Some(v) = viewer_of(rule.org) else { continue };
                        if !can_see(&v, &r.access()) {
                            continue;
                        }
                        raised.insert(*id);
                        facets.push((Some(o.kind), r.labels.clone()));
                        alerts.push(Alert {
                            id: Uuid::now_v7(),
                            rule_id: *id,
                            org: rule.org,
                            created_at: at,
                            report_id: Some(r.id),
                            campaign: None,
                            selector: Some(format!("{}:{}", o.kind, o.value)),
                            message: format!(
                                "{} {} appears in a new {} report: {}",
                                o.kind,
                                o.value,
                                r.kind.as_str(),
                                r.title
                            ),
                        });
                    }
                }
            }
            // Growth rules: the campaigns the new reports are in.
            let growth: Vec<&AlertRule> =
                rules.rules.values().filter(|r| matches!(r.rule, RuleKind::CampaignGrowth { .. })).collect();
            if !growth.is_empty() {
                let campaigns = self.campaigns.read().unwrap_or_else(|e| e.into_inner());
                let mut touched: Vec<graph::CampaignId> =
                    reports.iter().filter_map(|r| campaigns.campaign_of(r.id)).collect();
                touched.sort_unstable();
                touched.dedup();
                let idx = self.index();
                for rule in growth {
                    let RuleKind::CampaignGrowth { threshold, window_days } = rule.rule else { continue };
                    let Some(v) = viewer_of(rule.org) else { continue };
                    let since = Utc::now() - Duration::days(i64::from(window_days));
                    for c in &touched {
                        let key = (rule.id, self.campaign_ids.encode(*c));
                        if rules.fired.contains(&key) {
                            continue;
                        }
                        let recent = campaigns
                            .member_ids(*c)
                            .filter_map(|id| idx.report(&v, id))
                            .filter(|r| !r.access.revoked && r.first_seen >= since)
                            .count();
                        if recent >= threshold as usize {
                            facets.push((None, Vec::new()));
                            alerts.push(Alert {
                                id: Uuid::now_v7(),
                                rule_id: rule.id,
                                org: rule.org,
                                created_at: at,
                                report_id: None,
                                campaign: Some(key.1.clone()),
                                selector: None,
                                message: format!(
                                    "campaign {} has {recent} reports from the last {window_days} days (threshold {threshold})",
                                    c.0
                                ),
                            });
                        }
                    }
                }
            }
        }
        if alerts.is_empty() {
            let stored = self.store.append_events(&events).await?;
            self.commit(stored, || {}).await;
            return Ok(0);
        }
        events.extend(
            alerts
                .iter()
                .zip(facets)
                .map(|(a, (kind, labels))| model::event::Event::alert(a.clone(), kind, labels)),
        );
        let stored = self.store.insert_alerts(&alerts, &events).await?;
        self.commit(stored, || {
            for a in &alerts {
                self.alert_applied(a);
            }
        })
        .await;
        Ok(alerts.len())
    }

    /// Brings the rules up to date with an alert just raised (a growth rule fires once per
    /// campaign).
    pub(crate) fn alert_applied(&self, a: &model::alert::Alert) {
        if let Some(c) = &a.campaign {
            self.rules.write().unwrap_or_else(|e| e.into_inner()).fired.insert((a.rule_id, c.clone()));
        }
    }
}
