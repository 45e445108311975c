//! Scam statistics: totals of the intake facts of the scam reports a viewer may see (losses by
//! currency, scam type, age bracket and payment method, over time). Campaign views use the same
//! [`Aggregate`].
//!
//! The intake facts of every scam report are held in memory ([`ScamFacts`], victim data never:
//! it is not loaded); every total is computed over the reports `can_see` admits for the viewer
//! asking, so a number never counts a report the viewer may not see.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use model::Viewer;
use model::scam::{AgeBracket, Amount, PaymentMethod, ScamDetails, ScamType};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Engine, EngineError};

/// A scam report's shareable intake facts, in memory.
#[derive(Clone, Debug)]
pub(crate) struct ScamFacts {
    pub(crate) details: ScamDetails,
    /// When it happened: `first_seen`, else when it was reported.
    pub(crate) at: DateTime<Utc>,
}

/// An amount in one currency or asset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MoneyView {
    pub currency: String,
    /// Sum of the losses.
    pub amount: Amount,
    /// Sum of what was recovered.
    pub recovered: Amount,
}

/// Report count and losses of one group.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupView {
    /// The group's key: a scam type, an age bracket, a payment method or a period start date.
    pub key: String,
    pub reports: usize,
    pub losses: Vec<MoneyView>,
}

/// Totals of a set of scam reports.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScamTotals {
    pub reports: usize,
    /// Reports whose victim is 60 or older.
    pub victims_60_plus: usize,
    /// `victims_60_plus` over the reports whose victim's age is known (0 when none is).
    pub share_60_plus: f64,
    pub losses: Vec<MoneyView>,
    pub by_scam_type: Vec<GroupView>,
    pub by_age_bracket: Vec<GroupView>,
    pub by_payment_method: Vec<GroupView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
}

/// The answer of `GET /api/v1/stats/scams`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScamStats {
    #[serde(flatten)]
    pub totals: ScamTotals,
    /// `day`, `week` (starting Mondays) or `month`.
    pub interval: String,
    /// Reports and losses per period, oldest first, empty periods included; at most the newest
    /// [`MAX_PERIODS`] periods.
    pub over_time: Vec<GroupView>,
}

/// The length of the periods of a series over time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Interval {
    /// Calendar days (UTC).
    Day,
    /// Weeks starting on Mondays.
    Week,
    /// Calendar months.
    #[default]
    Month,
}

impl Interval {
    /// The name the API uses: `day`, `week` or `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        }
    }
}

/// The most periods a series holds (the newest ones): 600 days, weeks or months.
pub const MAX_PERIODS: u32 = 600;

/// Filters of the statistics.
#[derive(Clone, Debug, Default)]
pub struct ScamStatsQuery {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub scam_type: Option<ScamType>,
    /// The periods of `over_time`.
    pub interval: Interval,
}

/// Money by currency: (lost, recovered).
type Money = BTreeMap<String, (Amount, Amount)>;

fn add_money(m: &mut Money, d: &ScamDetails, method: Option<PaymentMethod>) {
    for l in d.losses.iter().filter(|l| method.is_none_or(|m| m == l.method)) {
        let e = m.entry(l.currency.clone()).or_default();
        e.0 = e.0.saturating_add(l.amount);
        e.1 = e.1.saturating_add(l.recovered.unwrap_or(Amount::ZERO));
    }
}

fn money_view(m: &Money) -> Vec<MoneyView> {
    m.iter().map(|(c, (a, r))| MoneyView { currency: c.clone(), amount: *a, recovered: *r }).collect()
}

#[derive(Default)]
struct Group {
    reports: usize,
    money: Money,
}

fn groups<K: Ord + ToString>(g: BTreeMap<K, Group>) -> Vec<GroupView> {
    let mut out: Vec<GroupView> = g
        .into_iter()
        .map(|(k, g)| GroupView { key: k.to_string(), reports: g.reports, losses: money_view(&g.money) })
        .collect();
    out.sort_by(|a, b| b.reports.cmp(&a.reports).then_with(|| a.key.cmp(&b.key)));
    out
}

/// Running totals over scam reports.
#[derive(Default)]
pub(crate) struct Aggregate {
    reports: usize,
    known_age: usize,
    sixty_plus: usize,
    money: Money,
    by_type: BTreeMap<ScamType, Group>,
    by_age: BTreeMap<AgeBracket, Group>,
    by_method: BTreeMap<PaymentMethod, Group>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

impl Aggregate {
    pub(crate) fn add(&mut self, f: &ScamFacts) {
        let d = &f.details;
        self.reports += 1;
        let age = d.victim.age_bracket;
        if age != AgeBracket::Unknown {
            self.known_age += 1;
            self.sixty_plus += usize::from(age.is_60_plus());
        }
        add_money(&mut self.money, d, None);
        let t = self.by_type.entry(d.incident.scam_type).or_default();
        t.reports += 1;
        add_money(&mut t.money, d, None);
        let a = self.by_age.entry(age).or_default();
        a.reports += 1;
        add_money(&mut a.money, d, None);
        let mut methods: Vec<PaymentMethod> = d.losses.iter().map(|l| l.method).collect();
        methods.sort_unstable();
        methods.dedup();
        for m in methods {
            let g = self.by_method.entry(m).or_default();
            g.reports += 1;
            add_money(&mut g.money, d, Some(m));
        }
        self.first = Some(self.first.map_or(f.at, |t| t.min(f.at)));
        self.last = Some(self.last.map_or(f.at, |t| t.max(f.at)));
    }

    pub(crate) fn totals(self) -> ScamTotals {
        ScamTotals {
            reports: self.reports,
            victims_60_plus: self.sixty_plus,
            share_60_plus: if self.known_age == 0 {
                0.0
            } else {
                self.sixty_plus as f64 / self.known_age as f64
            },
            losses: money_view(&self.money),
            by_scam_type: groups(self.by_type),
            by_age_bracket: groups(self.by_age),
            by_payment_method: groups(self.by_method),
            first_seen: self.first,
            last_seen: self.last,
        }
    }
}

/// The start of the period holding `t`: its day, its Monday (weeks) or the 1st (months).
pub(crate) fn period_start(t: DateTime<Utc>, interval: Interval) -> NaiveDate {
    let d = t.date_naive();
    match interval {
        Interval::Day => d,
        Interval::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
        Interval::Month => d.with_day(1).unwrap_or(d),
    }
}

/// The start of the period `n` periods after (`n` > 0) or before the one starting at `d`.
fn shift_period(d: NaiveDate, interval: Interval, n: i32) -> NaiveDate {
    let months = chrono::Months::new(n.unsigned_abs());
    let shifted = match interval {
        Interval::Day => d.checked_add_signed(Duration::days(i64::from(n))),
        Interval::Week => d.checked_add_signed(Duration::days(7 * i64::from(n))),
        Interval::Month if n >= 0 => d.checked_add_months(months),
        Interval::Month => d.checked_sub_months(months),
    };
    shifted.unwrap_or(d)
}

/// Reports and losses per period, oldest first, empty periods included: from the period of the
/// oldest fact to the period of the newest, at most the newest [`MAX_PERIODS`] of them.
pub(crate) fn series<'a>(facts: impl Iterator<Item = &'a ScamFacts>, interval: Interval) -> Vec<GroupView> {
    let mut by: BTreeMap<NaiveDate, Group> = BTreeMap::new();
    for f in facts {
        let g = by.entry(period_start(f.at, interval)).or_default();
        g.reports += 1;
        add_money(&mut g.money, &f.details, None);
    }
    let (Some(first), Some(last)) = (by.keys().next().copied(), by.keys().next_back().copied()) else {
        return Vec::new();
    };
    let oldest_kept = shift_period(last, interval, 1 - MAX_PERIODS as i32);
    let mut out = Vec::new();
    let mut d = first.max(oldest_kept);
    while d <= last {
        let g = by.remove(&d).unwrap_or_default();
        out.push(GroupView { key: d.to_string(), reports: g.reports, losses: money_view(&g.money) });
        let next = shift_period(d, interval, 1);
        if next <= d {
            break;
        }
        d = next;
    }
    out
}

impl Engine {
    /// Scam statistics over the reports the viewer may see: totals, by scam type, age bracket
    /// and payment method, and over time.
    pub fn scam_stats(&self, viewer: &Viewer, q: &ScamStatsQuery) -> Result<ScamStats, EngineError> {
        if let (Some(s), Some(u)) = (q.since, q.until)
            && s >= u
        {
            return Err(EngineError::invalid("since", "must be before until"));
        }
        // Read in place under the lock: no copy of the facts per request.
        let scams = self.scams.read().unwrap_or_else(|e| e.into_inner());
        let idx = self.index();
        let facts: Vec<&ScamFacts> = scams
            .iter()
            .filter(|(id, _)| idx.report(viewer, **id).is_some_and(|r| !r.access.revoked))
            .map(|(_, f)| f)
            .filter(|f| q.since.is_none_or(|s| f.at >= s) && q.until.is_none_or(|u| f.at < u))
            .filter(|f| q.scam_type.is_none_or(|t| f.details.incident.scam_type == t))
            .collect();
        let mut agg = Aggregate::default();
        for f in &facts {
            agg.add(f);
        }
        Ok(ScamStats {
            totals: agg.totals(),
            interval: q.interval.as_str().into(),
            over_time: series(facts.into_iter(), q.interval),
        })
    }
}

/// The facts of a stored report, if it is a scam report with intake facts.
pub(crate) fn facts_of(r: &model::Report) -> Option<(Uuid, ScamFacts)> {
    let details = r.scam.clone()?;
    Some((r.id, ScamFacts { details, at: r.first_seen.unwrap_or(r.created_at) }))
}

/// Loads every report's intake facts into a map.
pub(crate) fn facts_map<'a>(reports: impl Iterator<Item = &'a model::Report>) -> HashMap<Uuid, ScamFacts> {
    reports.filter_map(facts_of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(at: &str, amount: &str, currency: &str) -> ScamFacts {
        let details: ScamDetails = serde_json::from_value(serde_json::json!({
            "source": "victim",
            "incident": {"scam_type": "tech-support"},
            "losses": [{"amount": amount, "currency": currency, "method": "gift-card"}],
        }))
        .unwrap();
        ScamFacts { details, at: at.parse().unwrap() }
    }

    fn keys(s: &[GroupView]) -> Vec<(&str, usize)> {
        s.iter().map(|g| (g.key.as_str(), g.reports)).collect()
    }

    fn lost(g: &GroupView) -> Vec<(&str, String)> {
        g.losses.iter().map(|m| (m.currency.as_str(), m.amount.to_string())).collect()
    }

    #[test]
    fn a_series_counts_reports_and_losses_per_day_week_and_month() {
        let facts = [
            fact("2026-03-01T23:59:59Z", "10.50", "USD"),
            fact("2026-03-02T00:00:00Z", "1.25", "USD"),
            fact("2026-03-02T12:00:00Z", "0.5", "BTC"),
            fact("2026-03-04T08:00:00Z", "2.00", "USD"),
            fact("2026-04-01T00:00:00Z", "7", "EUR"),
        ];
        let days = series(facts.iter(), Interval::Day);
        assert_eq!(days.len(), 32, "2026-03-01 to 2026-04-01, empty days included");
        assert_eq!(
            keys(&days[..4]),
            vec![("2026-03-01", 1), ("2026-03-02", 2), ("2026-03-03", 0), ("2026-03-04", 1)]
        );
        assert_eq!(lost(&days[1]), vec![("BTC", "0.50".to_string()), ("USD", "1.25".to_string())]);
        assert!(days[2].losses.is_empty());
        assert_eq!(keys(&days[31..]), vec![("2026-04-01", 1)]);

        let weeks = series(facts.iter(), Interval::Week);
        assert_eq!(weeks[0].key, "2026-02-23", "2026-03-01 is a Sunday: its week began on Monday the 23rd");
        assert_eq!(keys(&weeks[..2]), vec![("2026-02-23", 1), ("2026-03-02", 3)]);
        assert_eq!(lost(&weeks[1]), vec![("BTC", "0.50".to_string()), ("USD", "3.25".to_string())]);
        assert_eq!(weeks.last().map(|g| g.key.as_str()), Some("2026-03-30"));

        let months = series(facts.iter(), Interval::Month);
        assert_eq!(keys(&months), vec![("2026-03-01", 4), ("2026-04-01", 1)]);
        assert_eq!(lost(&months[0]), vec![("BTC", "0.50".to_string()), ("USD", "13.75".to_string())]);
        assert_eq!(lost(&months[1]), vec![("EUR", "7.00".to_string())]);
        assert!(series(std::iter::empty(), Interval::Day).is_empty());
    }

    #[test]
    fn a_long_series_keeps_the_newest_periods() {
        let facts = [
            fact("2020-01-01T00:00:00Z", "1", "USD"),
            fact("2024-06-30T10:00:00Z", "2", "USD"),
            fact("2026-03-02T00:00:00Z", "3", "USD"),
        ];
        let days = series(facts.iter(), Interval::Day);
        assert_eq!(days.len(), MAX_PERIODS as usize);
        assert_eq!(days.last().map(|g| (g.key.as_str(), g.reports)), Some(("2026-03-02", 1)));
        // 599 days before 2026-03-02.
        assert_eq!(days[0].key, "2024-07-11");
        assert_eq!(days.iter().map(|g| g.reports).sum::<usize>(), 1, "older days fall outside");
        let weeks = series(facts.iter(), Interval::Week);
        assert_eq!((weeks.len(), weeks[0].key.as_str()), (323, "2019-12-30"), "short enough: whole");
        assert_eq!(weeks.iter().map(|g| g.reports).sum::<usize>(), 3);
        let months = series(facts.iter(), Interval::Month);
        assert_eq!((months.len(), months[0].key.as_str()), (75, "2020-01-01"));
        assert_eq!(months.iter().map(|g| g.reports).sum::<usize>(), 3);
    }
}
