//! A ground-truth scenario for campaign clustering: scam campaigns of varied sizes whose
//! reports are connected only through chains of shared indicators, buried in hub noise.
//!
//! - **Campaigns** (88% of the reports) have sizes from a heavy-tailed distribution, from a
//!   few reports to thousands. Reports arrive over a timeline; each campaign is active in a
//!   window of it. A campaign's first report introduces one or two indicators; every later
//!   one holds one indicator of a recent report of its campaign (the chain) and sometimes
//!   introduces new ones, so that indicators live for a while and hand over to the next: no
//!   value is in every report, and the campaign is connected only through the chain. Which
//!   kinds a campaign uses depends on its scam (tech support: phones, sites; investment:
//!   wallets, Telegram, sites; romance: IBANs, e-mail, Telegram; phishing: sites, e-mail).
//!   About half the campaigns of 40 reports or more have a **busy** value: one phone (or
//!   Telegram handle) in about 70% of their reports.
//! - **Noise reports** (12%) hold one to three one-off indicators and belong to no campaign.
//! - **Hub noise**, in campaign and noise reports alike: the real sites of impersonated brands
//!   (`microsoft.com`, `paypal.com`, …, as URLs or domains) and spoofed brand sender addresses
//!   (`service@paypal.com`); URL-shortener links (`bit.ly`, `tinyurl.com`); scammers' webmail
//!   addresses (their e-mail is specific, their domain `gmail.com` is not); shared hosting and
//!   CDN addresses (IPv4); and the hotline's own phone number and e-mail address, which its
//!   staff write into 3% of the reports they file.
//! - **True links between separate campaigns**, which no method can tell from evidence of one
//!   operation: a mule account used by two campaigns (one pair in 50 campaigns) and the
//!   contact line of a small support group in reports of three campaigns.
//!
//! Every value is valid by real-world rules and written canonically. Same seed, same scenario.

use model::ObservableKind;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::values::{self, PhonePlan};

/// One report of the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioReport {
    /// Its observables, canonical.
    pub observables: Vec<(ObservableKind, String)>,
    /// The campaign it belongs to (ground truth), `None` for a noise report.
    pub campaign: Option<u32>,
}

/// A generated campaign-clustering scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// The reports, in arrival order.
    pub reports: Vec<ScenarioReport>,
    /// Number of campaigns (ids `0..campaigns`).
    pub campaigns: u32,
    /// The shared values planted as noise (brands, shorteners, webmail, hosting, the
    /// hotline's own contact details).
    pub hub_values: Vec<(ObservableKind, String)>,
}

/// Salt of the scenario's random stream (so that it differs from [`crate::generate`]'s).
const SALT: u64 = 0x6361_6d70_6169_676e;

/// Share of reports in campaigns.
const CAMPAIGN_SHARE: f64 = 0.88;
/// How many recently introduced values a new report may chain to.
const WINDOW: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scam {
    TechSupport,
    Investment,
    Romance,
    Phishing,
}

const BRANDS: [&str; 12] = [
    "microsoft.com",
    "apple.com",
    "amazon.com",
    "paypal.com",
    "google.com",
    "netflix.com",
    "facebook.com",
    "coinbase.com",
    "binance.com",
    "dhl.com",
    "fedex.com",
    "chase.com",
];
const SPOOFED_SENDERS: [&str; 4] =
    ["service@paypal.com", "no-reply@amazon.com", "security@microsoft.com", "support@apple.com"];
const SHORTENERS: [&str; 2] = ["bit.ly", "tinyurl.com"];
const BRAND_PATHS: [&str; 4] = ["support", "account/security", "help/contact", "login"];

/// A campaign's plan before its reports are written.
struct Plan {
    scam: Scam,
    size: usize,
    start: f64,
    len: f64,
    busy: Option<(ObservableKind, String)>,
    brand: Option<&'static str>,
}

/// Generates the scenario: `reports` reports (at least one), deterministic from `seed`.
pub fn campaign_scenario(seed: u64, reports: usize) -> Scenario {
    let n = reports.max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ SALT);

    // Hub noise.
    let hotline_phone = values::phone(&mut rng, PhonePlan::UkLondon);
    let hotline_email = "reports@elderfraud-hotline.org".to_string();
    let hosting: Vec<String> = (0..30).map(|i| values::cdn_ipv4(&mut rng, i)).collect();
    let mut hub_values: Vec<(ObservableKind, String)> =
        vec![(ObservableKind::Phone, hotline_phone.clone()), (ObservableKind::Email, hotline_email.clone())];
    hub_values.extend(BRANDS.iter().map(|b| (ObservableKind::Domain, b.to_string())));
    hub_values.extend(SPOOFED_SENDERS.iter().map(|e| (ObservableKind::Email, e.to_string())));
    hub_values.extend(SHORTENERS.iter().map(|s| (ObservableKind::Domain, s.to_string())));
    hub_values.extend(values::WEBMAIL.iter().map(|w| (ObservableKind::Domain, w.to_string())));
    hub_values.extend(hosting.iter().map(|h| (ObservableKind::Ipv4, h.clone())));

    // Campaign sizes: Pareto-like, from 3 to a cap that grows with the scenario.
    let budget = ((n as f64) * CAMPAIGN_SHARE) as usize;
    let cap = (n / 40).max(60);
    let mut plans: Vec<Plan> = Vec::new();
    let mut planned = 0;
    while planned < budget {
        let u: f64 = rng.random_range(f64::EPSILON..1.0);
        let size = ((3.0 * u.powf(-0.85)) as usize).clamp(3, cap).min(budget - planned).max(1);
        let scam =
            *values::pick(&mut rng, &[Scam::TechSupport, Scam::Investment, Scam::Romance, Scam::Phishing]);
        let busy = (size >= 40 && rng.random_bool(0.5)).then(|| match scam {
            Scam::Investment => (ObservableKind::Telegram, values::fresh_telegram(&mut rng)),
            _ => {
                let plan = *values::pick(&mut rng, &values::ALL_PLANS);
                (ObservableKind::Phone, values::phone(&mut rng, plan))
            }
        });
        let brand = rng.random_bool(0.7).then(|| *values::pick(&mut rng, &BRANDS));
        let start = rng.random_range(0.0..0.8);
        let len = rng.random_range(0.05..0.5);
        plans.push(Plan { scam, size, start, len, busy, brand });
        planned += size;
    }

    // What really links a few separate campaigns (the ground truth keeps them apart): a mule
    // account used by two operations, and the contact line of a small victim-support group
    // written into reports of three campaigns. Each is in one or two reports per campaign.
    let mut shared: Vec<Vec<(ObservableKind, String)>> = vec![Vec::new(); plans.len()];
    for _ in 0..plans.len() / 50 {
        let (a, b) = (rng.random_range(0..plans.len()), rng.random_range(0..plans.len()));
        let country = *values::pick(&mut rng, &values::ALL_IBAN);
        let mule = (ObservableKind::Iban, values::iban(&mut rng, country));
        shared[a].push(mule.clone());
        shared[b].push(mule);
    }
    for _ in 0..(plans.len() / 200).max(1) {
        let line = (ObservableKind::Phone, values::phone(&mut rng, PhonePlan::UkLondon));
        for _ in 0..3 {
            shared[rng.random_range(0..plans.len())].push(line.clone());
        }
    }

    // Reports with their times; campaign reports written in time order (the chain).
    let mut drafts: Vec<(f64, ScenarioReport)> = Vec::with_capacity(n);
    for (c, plan) in plans.iter().enumerate() {
        let mut times: Vec<f64> =
            (0..plan.size).map(|_| plan.start + rng.random_range(0.0..1.0) * plan.len).collect();
        times.sort_by(f64::total_cmp);
        let mut window: Vec<(ObservableKind, String)> = Vec::new();
        for (i, t) in times.into_iter().enumerate() {
            let mut obs: Vec<(ObservableKind, String)> = Vec::new();
            if i == 0 || window.is_empty() {
                for _ in 0..rng.random_range(1..=2) {
                    let v = campaign_value(&mut rng, plan.scam);
                    window.push(v.clone());
                    obs.push(v);
                }
            } else {
                // The chain: a value of a recent report.
                let lo = window.len().saturating_sub(WINDOW);
                obs.push(window[rng.random_range(lo..window.len())].clone());
                for _ in 0..rng.random_range(0..=2) {
                    if rng.random_bool(0.45) {
                        let v = campaign_value(&mut rng, plan.scam);
                        window.push(v.clone());
                        obs.push(v);
                    } else {
                        obs.push(window[rng.random_range(lo..window.len())].clone());
                    }
                }
            }
            if let Some(busy) = &plan.busy
                && rng.random_bool(0.7)
            {
                obs.push(busy.clone());
            }
            for v in &shared[c] {
                if rng.random_bool((1.5 / plan.size as f64).min(1.0)) {
                    obs.push(v.clone());
                }
            }
            if let Some(brand) = plan.brand
                && rng.random_bool(0.2)
            {
                obs.push(brand_mention(&mut rng, brand));
            }
            add_noise(&mut rng, &mut obs, &hotline_phone, &hotline_email, &hosting);
            obs.sort();
            obs.dedup();
            drafts.push((t, ScenarioReport { observables: obs, campaign: Some(c as u32) }));
        }
    }
    while drafts.len() < n {
        let t = rng.random_range(0.0..1.0);
        let mut obs: Vec<(ObservableKind, String)> = Vec::new();
        for _ in 0..rng.random_range(1..=3) {
            let scam = *values::pick(
                &mut rng,
                &[Scam::TechSupport, Scam::Investment, Scam::Romance, Scam::Phishing],
            );
            obs.push(campaign_value(&mut rng, scam));
        }
        if rng.random_bool(0.15) {
            let brand = *values::pick(&mut rng, &BRANDS);
            obs.push(brand_mention(&mut rng, brand));
        }
        add_noise(&mut rng, &mut obs, &hotline_phone, &hotline_email, &hosting);
        obs.sort();
        obs.dedup();
        drafts.push((t, ScenarioReport { observables: obs, campaign: None }));
    }
    drafts.sort_by(|a, b| a.0.total_cmp(&b.0));
    Scenario {
        reports: drafts.into_iter().map(|(_, r)| r).collect(),
        campaigns: plans.len() as u32,
        hub_values,
    }
}

/// The noise any report may carry: shorteners, spoofed senders, hosting, the hotline.
fn add_noise<R: Rng + ?Sized>(
    rng: &mut R,
    obs: &mut Vec<(ObservableKind, String)>,
    hotline_phone: &str,
    hotline_email: &str,
    hosting: &[String],
) {
    if rng.random_bool(0.04) {
        let host = values::pick_str(rng, &SHORTENERS);
        let short = values::short_url(rng);
        obs.push((ObservableKind::Url, short.replacen("bit.ly", host, 1)));
    }
    if rng.random_bool(0.02) {
        obs.push((ObservableKind::Email, values::pick_str(rng, &SPOOFED_SENDERS).to_string()));
    }
    if rng.random_bool(0.2) {
        obs.push((ObservableKind::Ipv4, values::pick(rng, hosting).clone()));
    }
    if rng.random_bool(0.03) {
        obs.push((ObservableKind::Phone, hotline_phone.to_string()));
        if rng.random_bool(0.5) {
            obs.push((ObservableKind::Email, hotline_email.to_string()));
        }
    }
}

/// An impersonated brand's real site, as a URL or a domain.
fn brand_mention<R: Rng + ?Sized>(rng: &mut R, brand: &str) -> (ObservableKind, String) {
    if rng.random_bool(0.5) {
        let path = values::pick_str(rng, &BRAND_PATHS);
        (ObservableKind::Url, format!("https://www.{brand}/{path}"))
    } else {
        (ObservableKind::Domain, brand.to_string())
    }
}

/// A fresh indicator of the kind a campaign of `scam` uses.
fn campaign_value<R: Rng + ?Sized>(rng: &mut R, scam: Scam) -> (ObservableKind, String) {
    use ObservableKind as K;
    let kinds: &[(K, u32)] = match scam {
        Scam::TechSupport => &[(K::Phone, 5), (K::Domain, 2), (K::Url, 2), (K::Email, 1)],
        Scam::Investment => &[(K::Btc, 2), (K::Eth, 2), (K::Telegram, 3), (K::Domain, 2), (K::Email, 1)],
        Scam::Romance => &[(K::Iban, 4), (K::Email, 3), (K::Telegram, 2), (K::Phone, 1)],
        Scam::Phishing => &[(K::Domain, 3), (K::Url, 3), (K::Email, 2), (K::Iban, 1)],
    };
    let weights: Vec<u32> = kinds.iter().map(|(_, w)| *w).collect();
    let kind = kinds[values::weighted(rng, &weights)].0;
    let value = match kind {
        K::Phone => {
            let plan = *values::pick(rng, &values::ALL_PLANS);
            values::phone(rng, plan)
        }
        K::Domain => values::fresh_domain(rng),
        K::Url => {
            let d = values::fresh_domain(rng);
            values::url(rng, &d, &values::URL_PATHS)
        }
        K::Email => {
            if rng.random_bool(0.4) {
                let webmail = values::pick_str(rng, &values::WEBMAIL);
                values::email(rng, webmail)
            } else {
                let d = values::fresh_domain(rng);
                values::email(rng, &d)
            }
        }
        K::Btc => values::btc(rng),
        K::Eth => values::eth(rng),
        K::Telegram => values::fresh_telegram(rng),
        _ => {
            let country = *values::pick(rng, &values::ALL_IBAN);
            values::iban(rng, country)
        }
    };
    (kind, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let a = campaign_scenario(7, 3_000);
        let b = campaign_scenario(7, 3_000);
        assert_eq!(a, b);
        assert_eq!(a.reports.len(), 3_000);
        assert_ne!(campaign_scenario(8, 3_000).reports, a.reports);
        let noise = a.reports.iter().filter(|r| r.campaign.is_none()).count();
        assert!((250..=450).contains(&noise), "{noise}");
        assert!(a.reports.iter().all(|r| !r.observables.is_empty()));
    }

    #[test]
    fn every_value_is_valid_and_canonical() {
        let opts = model::CanonicalizeOptions::default();
        for r in campaign_scenario(3, 2_000).reports {
            for (kind, value) in r.observables {
                let c = model::observable::canonicalize(kind, &value, &opts)
                    .unwrap_or_else(|e| panic!("{kind} {value}: {e}"));
                assert_eq!(c.observable.value, value, "{kind} not canonical");
            }
        }
    }

    #[test]
    fn campaigns_vary_in_size() {
        let s = campaign_scenario(11, 20_000);
        let mut sizes = vec![0usize; s.campaigns as usize];
        for r in &s.reports {
            if let Some(c) = r.campaign {
                sizes[c as usize] += 1;
            }
        }
        sizes.sort_unstable();
        assert!(sizes[0] <= 5, "{:?}", &sizes[..5]);
        assert!(*sizes.last().unwrap() >= 300, "{:?}", sizes.last());
    }
}
