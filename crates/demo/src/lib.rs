//! dragnet's deterministic synthetic dataset.
//!
//! [`generate`] builds a realistic exchange: eight organisations (police, an international
//! agency, two banks, a payment processor, the national CSIRT that operates the instance, a
//! platform's trust & safety team and an elder-fraud hotline), three sharing communities and
//! (by default) 12,000 scam and intelligence reports spread over 300 days, under a TLP 2.0 mix
//! with audiences naming real communities and organisations.
//!
//! Hidden in the reports are nine **planted criminal networks** ([`PlantedNetwork`]), each with
//! its own phones, domains, URLs, wallets, mule IBANs, Telegram handle and e-mail addresses,
//! reused across 40–400 reports written by different organisations under different TLPs. Two
//! of them (a romance and an investment operation) share one mule IBAN. Everything else is
//! noise: one-off indicators, the real sites of impersonated brands (`microsoft.com`,
//! `paypal.com`, …), CDN addresses shared by unrelated sites, and `bit.ly` links.
//!
//! Every value is valid by real-world rules (allocated phone ranges, real TLDs, checksummed
//! Bitcoin addresses and IBANs, public IPv4), so it canonicalises; some are written the way
//! people write them (`+44 7400 123456`, IBANs in groups of four, EIP-55 Ethereum addresses).
//! Indicators are also written into each narrative.
//!
//! Two shared hash lists come with it ([`DemoHashSet`]): 20,000 PDQ hashes and 2,000 MD5s of
//! a platform's known abuse imagery shared with law enforcement (its first entry is
//! [`KNOWN_PDQ`], the hash of a reference test image), and a hotline's sextortion list.
//!
//! [`reports_with_observables`] and [`selectors`] are flat generators for benchmarks;
//! [`campaign_scenario`] is a ground-truth scenario for campaign clustering.
//!
//! Same seed, same output: all randomness comes from ChaCha8 seeded with the configured seed,
//! and nothing reads the clock or depends on hash-map order.

mod flat;
mod hashsets;
mod intake;
mod networks;
mod orgs;
mod scenario;
mod text;
mod values;

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use model::{AudienceInput, ObservableInput, ObservableKind, ReportInput, ReportKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use flat::{reports_with_observables, selectors};
pub use hashsets::{DemoHashSet, KNOWN_PDQ};
pub use scenario::{Scenario, ScenarioReport, campaign_scenario};

use networks::{NETWORKS, Role, Sel};
use orgs::{COMMUNITIES, ORGS, OrgType};
use text::{Scam, Story};

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoConfig {
    /// Seed of the random generator: same seed, same dataset.
    pub seed: u64,
    /// Number of reports (default 12,000).
    pub reports: usize,
    /// Start of the period the reports' `first_seen` dates fall in (default 2026-01-01 UTC).
    pub start: DateTime<Utc>,
    /// Length of that period in days (default 300; 0 is read as 1).
    pub days: u32,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            seed: 42,
            reports: 12_000,
            // 2026-01-01T00:00:00Z.
            start: DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(1_767_225_600),
            days: 300,
        }
    }
}

/// An organisation of the demo instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSpec {
    /// Unique display name; reports name their author and audiences by it.
    pub name: String,
    /// Whether this organisation operates the instance (the national CSIRT).
    pub operator: bool,
    /// What the organisation is and what it shares.
    pub description: String,
}

/// A sharing community of the demo instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunitySpec {
    /// Unique name; AMBER audiences name communities by it.
    pub name: String,
    /// Names of the member organisations.
    pub members: Vec<String>,
}

/// A report and the organisation that submits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoReport {
    /// Name of the author organisation (one of [`Dataset::orgs`]).
    pub author: String,
    /// The report as the author submits it.
    pub input: ReportInput,
}

/// Ground truth about one planted criminal network, for tests and benchmarks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedNetwork {
    /// The operation's name, e.g. `Azure Helpdesk`.
    pub name: String,
    /// What it does: `tech-support`, `grandparent`, `romance`, `investment`,
    /// `government-impersonation`, `courier`, `bank-impersonation`, `phishing` or `malware`.
    pub scam_type: String,
    /// Its infrastructure in canonical writing (E.164 phones, lowercase domains, URLs and
    /// Ethereum addresses, IBANs without spaces, `@handle`). Reports may write the same values
    /// differently. The bridge IBAN is listed in both networks that use it.
    pub selectors: Vec<(ObservableKind, String)>,
    /// How many reports were written about this network. Each holds at least one of its
    /// selectors; no other report does, except reports of the other bridge network holding the
    /// shared IBAN.
    pub report_count: usize,
}

/// A complete demo instance: who is in it and what they report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    /// The organisations; exactly one has `operator` set.
    pub orgs: Vec<OrgSpec>,
    /// The sharing communities.
    pub communities: Vec<CommunitySpec>,
    /// The reports, in `first_seen` order.
    pub reports: Vec<DemoReport>,
    /// The planted networks hidden in the reports.
    pub networks: Vec<PlantedNetwork>,
    /// Shared hash lists (a platform's known-imagery list, a hotline's sextortion list).
    pub hash_sets: Vec<DemoHashSet>,
}

/// A report before it is written out.
struct Draft {
    author: usize,
    kind: ReportKind,
    scam: Scam,
    network: Option<usize>,
    obs: Vec<Sel>,
    /// Seconds after the start of the period.
    at: i64,
}

/// Values shared by unrelated reports: the noise that must not link networks together.
struct Shared {
    /// CDN and shared-hosting addresses.
    hosting: Vec<String>,
}

/// Generates the dataset described by `cfg`. Deterministic: the same configuration always
/// gives the same dataset.
pub fn generate(cfg: &DemoConfig) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    // Every value handed out so far: keeps one-off indicators one-off and networks apart.
    // Only used for membership, never iterated.
    let mut taken: HashSet<String> = HashSet::new();
    for s in [Scam::TechSupport, Scam::Phishing, Scam::Romance, Scam::Courier] {
        for b in s.brand_domains() {
            taken.insert((*b).to_string());
        }
    }
    let mut hosting: Vec<String> = (0..4).map(|i| values::cdn_ipv4(&mut rng, i)).collect();
    hosting.push("185.199.108.153".to_string());
    hosting.push(values::ipv4(&mut rng));
    for h in &hosting {
        taken.insert(h.clone());
    }
    let shared = Shared { hosting };

    let mut infra: Vec<Vec<Sel>> =
        NETWORKS.iter().map(|def| networks::infrastructure(&mut rng, def, &mut taken)).collect();
    if let Some(bridge) = infra[networks::BRIDGE_B].iter().find(|s| s.role == Role::Iban).cloned() {
        infra[networks::BRIDGE_A].push(bridge);
    }

    let counts = network_counts(&mut rng, cfg.reports);
    let span = i64::from(cfg.days.max(1)) * 86_400;
    let mut drafts: Vec<Draft> = Vec::with_capacity(cfg.reports);
    for (n, def) in NETWORKS.iter().enumerate() {
        let win_start = rng.random_range(0..=span * 7 / 10);
        let win_len = rng.random_range(span * 15 / 100..=span / 2).max(1);
        let win_end = (win_start + win_len).min(span).max(win_start + 1);
        let first = drafts.len();
        for i in 0..counts[n] {
            let author = network_author(&mut rng, def.scam, &drafts[first..], i);
            let kind = kind_for(&mut rng, ORGS[author].ty, def.scam.is_intel());
            let at = rng.random_range(win_start..win_end);
            let obs = network_observables(&mut rng, &infra[n], author, def.scam, &shared, &mut taken);
            drafts.push(Draft { author, kind, scam: def.scam, network: Some(n), obs, at });
        }
        spread(&mut drafts[first..], &infra[n]);
    }
    while drafts.len() < cfg.reports {
        drafts.push(noise_draft(&mut rng, span, &shared, &mut taken));
    }

    let mut reports: Vec<DemoReport> = drafts.iter().map(|d| render(&mut rng, d, cfg.start)).collect();
    // Intake facts from a generator of their own, so that the reports' texts do not depend on them.
    let mut intake_rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5ca3_1a7e);
    for (r, d) in reports.iter_mut().zip(&drafts) {
        if d.kind == ReportKind::Scam {
            let (details, pii) = intake::details(&mut intake_rng, d.scam, ORGS[d.author].ty);
            r.input.scam = Some(details);
            r.input.victim_pii = pii;
        }
    }
    reports.sort_by_key(|r| r.input.first_seen);

    Dataset {
        orgs: ORGS
            .iter()
            .map(|o| OrgSpec {
                name: o.name.to_string(),
                operator: o.operator,
                description: o.description.to_string(),
            })
            .collect(),
        communities: COMMUNITIES
            .iter()
            .map(|c| CommunitySpec {
                name: c.name.to_string(),
                members: c.members.iter().map(|&m| ORGS[m].name.to_string()).collect(),
            })
            .collect(),
        reports,
        networks: NETWORKS
            .iter()
            .zip(&infra)
            .zip(&counts)
            .map(|((def, sels), &count)| PlantedNetwork {
                name: def.name.to_string(),
                scam_type: def.scam.slug().to_string(),
                selectors: sels.iter().map(|s| (s.kind, s.value.clone())).collect(),
                report_count: count,
            })
            .collect(),
        // A generator of its own, so that the reports do not depend on the lists.
        hash_sets: hashsets::hash_sets(&mut ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x9d5f_1a3c), 20_000),
    }
}

/// Reports per network: 40–400 each, scaled down so networks never take more than 40% of a
/// small dataset.
fn network_counts<R: Rng + ?Sized>(rng: &mut R, reports: usize) -> Vec<usize> {
    let targets: Vec<usize> = NETWORKS.iter().map(|_| rng.random_range(40..=400)).collect();
    let total: usize = targets.iter().sum();
    let cap = reports * 2 / 5;
    if total <= cap {
        return targets;
    }
    targets.iter().map(|t| t * cap / total).collect()
}

/// The author of report `i` of a network: weighted towards who sees that kind of crime, and
/// never the same organisation for the first two reports.
fn network_author<R: Rng + ?Sized>(rng: &mut R, scam: Scam, so_far: &[Draft], i: usize) -> usize {
    // Order as in `orgs::ORGS`: police, agency, Northbridge, Carrow, Kestrel, CSIRT, platform,
    // hotline.
    let weights: [u32; 8] =
        if scam.is_intel() { [10, 14, 8, 6, 4, 30, 14, 6] } else { [14, 8, 12, 10, 5, 6, 10, 25] };
    let mut author = values::weighted(rng, &weights);
    if i == 1
        && let Some(prev) = so_far.first()
    {
        while author == prev.author {
            author = values::weighted(rng, &weights);
        }
    }
    author
}

/// Whether an organisation of type `ty` writes a scam or an intel report.
fn kind_for<R: Rng + ?Sized>(rng: &mut R, ty: OrgType, intel_crime: bool) -> ReportKind {
    let p_intel = match ty {
        OrgType::Csirt => 0.95,
        OrgType::Agency => 0.7,
        OrgType::Platform if intel_crime => 0.7,
        OrgType::Platform => 0.15,
        _ => 0.0,
    };
    if rng.random_bool(p_intel) { ReportKind::Intel } else { ReportKind::Scam }
}

/// How likely an organisation of type `ty` is to hold an indicator of role `role`.
fn role_weight(ty: OrgType, role: Role) -> u32 {
    use Role::*;
    match ty {
        OrgType::Hotline => match role {
            Phone => 6,
            Telegram | Email | Domain | Url => 2,
            Iban | Wallet => 1,
            _ => 0,
        },
        OrgType::Bank | OrgType::Payments => match role {
            Iban => 6,
            Phone => 3,
            Wallet => 2,
            Email | Domain | Url => 1,
            _ => 0,
        },
        OrgType::Police => match role {
            Phone => 4,
            Iban | Wallet => 3,
            Domain | Telegram | Email => 2,
            Url | Hash | C2 => 1,
            _ => 0,
        },
        OrgType::Platform => match role {
            Telegram | Url => 4,
            Domain => 3,
            Email => 2,
            Phone => 1,
            _ => 0,
        },
        OrgType::Csirt => match role {
            Domain | C2 => 5,
            Url | Hash => 4,
            HostingIp => 3,
            Email | Phone | Wallet => 1,
            _ => 0,
        },
        OrgType::Agency => match role {
            Wallet => 4,
            Iban | Domain | C2 => 3,
            Phone | Telegram | Hash => 2,
            Url | Email | HostingIp => 1,
            _ => 0,
        },
    }
}

/// One-off indicator roles of a kind of scam, with weights.
fn noise_roles(scam: Scam) -> &'static [(Role, u32)] {
    use Role::*;
    match scam {
        Scam::TechSupport => &[(Phone, 5), (Domain, 3), (Url, 2), (Wallet, 1), (Iban, 1), (Email, 1)],
        Scam::Grandparent => &[(Phone, 6), (Iban, 2), (Wallet, 1), (Email, 1)],
        Scam::Romance => &[(Telegram, 3), (Email, 3), (Phone, 2), (Wallet, 2), (Iban, 2), (Domain, 1)],
        Scam::Investment => {
            &[(Domain, 3), (Url, 3), (Wallet, 3), (Phone, 2), (Telegram, 2), (Iban, 1), (Email, 1)]
        }
        Scam::Government => &[(Phone, 4), (Domain, 2), (Url, 2), (Iban, 2), (Email, 1)],
        Scam::Courier => &[(Phone, 5), (Iban, 1)],
        Scam::BankImpersonation => &[(Phone, 4), (Iban, 4), (Url, 1)],
        Scam::Phishing => &[(Url, 4), (Domain, 3), (HostingIp, 1), (Email, 1), (Hash, 1), (Phone, 1)],
        Scam::Malware => &[(C2, 4), (Hash, 4), (Domain, 2)],
    }
}

/// A fresh indicator of `role` in a `scam` report, not used anywhere else in the dataset.
fn one_off<R: Rng + ?Sized>(rng: &mut R, role: Role, scam: Scam, taken: &mut HashSet<String>) -> Sel {
    use ObservableKind as K;
    let mut last = None;
    for _ in 0..16 {
        let (kind, value) = match role {
            Role::Phone => {
                let plan = *values::pick(rng, &values::ALL_PLANS);
                (K::Phone, values::phone(rng, plan))
            }
            Role::Wallet if rng.random_bool(0.4) => (K::Eth, values::eth(rng)),
            Role::Wallet => (K::Btc, values::btc(rng)),
            Role::Iban => {
                let c = *values::pick(rng, &values::ALL_IBAN);
                (K::Iban, values::iban(rng, c))
            }
            Role::Domain | Role::Brand => (K::Domain, values::fresh_domain(rng)),
            Role::Url => {
                let d = values::fresh_domain(rng);
                (K::Url, values::url(rng, &d, scam.url_paths()))
            }
            Role::C2 if rng.random_bool(0.3) => (K::Domain, values::fresh_domain(rng)),
            Role::C2 | Role::HostingIp => (K::Ipv4, values::ipv4(rng)),
            Role::Email => {
                let d = if rng.random_bool(0.7) {
                    values::pick(rng, &values::WEBMAIL).to_string()
                } else {
                    values::fresh_domain(rng)
                };
                (K::Email, values::email(rng, &d))
            }
            Role::Telegram => (K::Telegram, values::fresh_telegram(rng)),
            Role::Hash => (K::Sha256, values::sha256(rng)),
        };
        if taken.insert(value.clone()) {
            return Sel { kind, value, role };
        }
        last = Some((kind, value));
    }
    // Sixteen collisions in a row do not happen with these value spaces; keep the last draw.
    let (kind, value) = last.unwrap_or((K::Sha256, values::sha256(rng)));
    Sel { kind, value, role }
}

/// Adds the everyday noise a report may carry besides its real indicators: the impersonated
/// brand's real site, a CDN address, a bit.ly link or an unrelated one-off indicator.
fn add_noise<R: Rng + ?Sized>(
    rng: &mut R,
    obs: &mut Vec<Sel>,
    scam: Scam,
    shared: &Shared,
    taken: &mut HashSet<String>,
    one_offs: usize,
) {
    let push = |obs: &mut Vec<Sel>, s: Sel| {
        if obs.len() < 8 && !obs.iter().any(|o| o.value == s.value) {
            obs.push(s);
        }
    };
    let roles = noise_roles(scam);
    let weights: Vec<u32> = roles.iter().map(|(_, w)| *w).collect();
    for _ in 0..one_offs {
        let role = roles[values::weighted(rng, &weights)].0;
        let s = one_off(rng, role, scam, taken);
        push(obs, s);
    }
    let brands = scam.brand_domains();
    if !brands.is_empty() && rng.random_bool(0.2) {
        let b = values::pick(rng, brands).to_string();
        push(obs, Sel { kind: ObservableKind::Domain, value: b, role: Role::Brand });
    }
    let p_hosting =
        if matches!(scam, Scam::Phishing | Scam::Investment | Scam::TechSupport) { 0.25 } else { 0.05 };
    if rng.random_bool(p_hosting) {
        let h = values::pick(rng, &shared.hosting).clone();
        push(obs, Sel { kind: ObservableKind::Ipv4, value: h, role: Role::HostingIp });
    }
    if rng.random_bool(0.05) {
        let u = values::short_url(rng);
        taken.insert(u.clone());
        push(obs, Sel { kind: ObservableKind::Url, value: u, role: Role::Url });
    }
}

/// The indicators of one report about network `sels`, as the author would hold them.
fn network_observables<R: Rng + ?Sized>(
    rng: &mut R,
    sels: &[Sel],
    author: usize,
    scam: Scam,
    shared: &Shared,
    taken: &mut HashSet<String>,
) -> Vec<Sel> {
    let ty = ORGS[author].ty;
    let want = 1 + values::weighted(rng, &[3, 4, 3, 2, 1]);
    let mut weights: Vec<u32> = sels.iter().map(|s| role_weight(ty, s.role)).collect();
    let mut obs: Vec<Sel> = Vec::with_capacity(8);
    for _ in 0..want {
        if weights.iter().all(|w| *w == 0) {
            break;
        }
        let i = values::weighted(rng, &weights);
        weights[i] = 0;
        obs.push(sels[i].clone());
    }
    if obs.is_empty() && !sels.is_empty() {
        obs.push(values::pick(rng, sels).clone());
    }
    let one_offs = usize::from(rng.random_bool(0.15));
    add_noise(rng, &mut obs, scam, shared, taken, one_offs);
    obs
}

/// Makes sure every selector of a network appears in reports of at least two organisations,
/// adding it to reports that have room when chance did not.
fn spread(drafts: &mut [Draft], sels: &[Sel]) {
    for s in sels {
        let mut authors: Vec<usize> = Vec::new();
        for d in drafts.iter() {
            if !authors.contains(&d.author) && d.obs.iter().any(|o| o.value == s.value) {
                authors.push(d.author);
            }
        }
        for d in drafts.iter_mut() {
            if authors.len() >= 2 {
                break;
            }
            if authors.contains(&d.author) || d.obs.len() >= 8 || d.obs.iter().any(|o| o.value == s.value) {
                continue;
            }
            d.obs.push(s.clone());
            authors.push(d.author);
        }
    }
}

/// A report unrelated to any planted network.
fn noise_draft<R: Rng + ?Sized>(
    rng: &mut R,
    span: i64,
    shared: &Shared,
    taken: &mut HashSet<String>,
) -> Draft {
    let weights = ORGS.map(|o| o.weight);
    let author = values::weighted(rng, &weights);
    let kind = kind_for(rng, ORGS[author].ty, false);
    let scam = if kind == ReportKind::Intel {
        match rng.random_range(0..100) {
            0..55 => Scam::Phishing,
            55..85 => Scam::Malware,
            _ => text::SCAM_MIX[values::weighted(rng, &text::SCAM_MIX.map(|(_, w)| w))].0,
        }
    } else {
        match rng.random_range(0..100) {
            0..8 => Scam::Phishing,
            8..11 => Scam::Malware,
            _ => text::SCAM_MIX[values::weighted(rng, &text::SCAM_MIX.map(|(_, w)| w))].0,
        }
    };
    let count = 1 + values::weighted(rng, &[10, 20, 22, 18, 12, 8, 5, 5]);
    let mut obs = Vec::with_capacity(count);
    add_noise(rng, &mut obs, scam, shared, taken, count);
    Draft { author, kind, scam, network: None, obs, at: rng.random_range(0..span) }
}

/// How a value of `kind` is written in a report: the canonical writing or a variant.
fn writing<R: Rng + ?Sized>(rng: &mut R, kind: ObservableKind) -> u32 {
    let p = match kind {
        ObservableKind::Iban => 0.4,
        ObservableKind::Eth => 0.3,
        ObservableKind::Phone => 0.25,
        ObservableKind::Sha256 => 0.1,
        ObservableKind::Domain => 0.04,
        ObservableKind::Url | ObservableKind::Email => 0.03,
        ObservableKind::Btc => 0.02,
        _ => 0.0,
    };
    if p > 0.0 && rng.random_bool(p) { rng.random_range(1..=3) } else { 0 }
}

/// TLP and audience of a report by `author`: CLEAR ~10%, GREEN ~45%, AMBER ~30% (communities
/// and/or organisations), AMBER+STRICT ~8% (organisations), RED ~7% (one recipient).
fn marking<R: Rng + ?Sized>(rng: &mut R, author: usize) -> (&'static str, AudienceInput) {
    let others: Vec<usize> = (0..ORGS.len()).filter(|&o| o != author).collect();
    let some_orgs = |rng: &mut R, max: usize| -> Vec<String> {
        let mut pool = others.clone();
        let n = rng.random_range(1..=max.min(pool.len()));
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let i = rng.random_range(0..pool.len());
            out.push(ORGS[pool.swap_remove(i)].name.to_string());
        }
        out
    };
    let mut audience = AudienceInput::default();
    let tlp = match values::weighted(rng, &[10, 45, 30, 8, 7]) {
        0 => "CLEAR",
        1 => "GREEN",
        2 => {
            let mine = orgs::communities_of(author);
            let style = rng.random_range(0..10);
            if style < 8 && !mine.is_empty() {
                let c = *values::pick(rng, &mine);
                audience.communities.push(COMMUNITIES[c].name.to_string());
                if mine.len() > 1 && rng.random_bool(0.2) {
                    for &o in &mine {
                        if o != c {
                            audience.communities.push(COMMUNITIES[o].name.to_string());
                        }
                    }
                }
            }
            if style >= 6 || audience.communities.is_empty() {
                audience.organizations = some_orgs(rng, 3);
            }
            "AMBER"
        }
        3 => {
            audience.organizations = some_orgs(rng, 3);
            "AMBER+STRICT"
        }
        _ => {
            audience.organizations = some_orgs(rng, 1);
            "RED"
        }
    };
    (tlp, audience)
}

/// Writes a draft out as the report its author submits.
fn render<R: Rng + ?Sized>(rng: &mut R, d: &Draft, start: DateTime<Utc>) -> DemoReport {
    let org = &ORGS[d.author];
    let persona = match d.network {
        Some(n) if rng.random_bool(0.6) => Some(NETWORKS[n].persona()),
        _ => None,
    };
    let story = Story::new(rng, d.scam, persona.as_deref());
    let title = text::title(rng, d.scam, d.kind, &story);
    let mut narrative = text::intro(rng, d.scam, d.kind, &story);
    let mut observables = Vec::with_capacity(d.obs.len());
    for s in &d.obs {
        let variant = writing(rng, s.kind);
        let value = values::written(s.kind, &s.value, variant);
        narrative.push(' ');
        narrative.push_str(&text::indicator(rng, s.role.as_str(), &value));
        observables.push(ObservableInput {
            kind: Some(s.kind),
            value,
            role: Some(s.role.as_str().to_string()),
        });
    }
    narrative.push(' ');
    narrative.push_str(text::closing(rng, org.ty, d.kind));

    let (tlp, audience) = marking(rng, d.author);
    let mut labels = Vec::new();
    if rng.random_bool(0.55) {
        labels.push(d.scam.slug().to_string());
    }
    if d.kind == ReportKind::Scam && rng.random_bool(0.45) {
        labels.push("elder-fraud".to_string());
    }
    if let Some(n) = d.network
        && rng.random_bool(0.3)
    {
        labels.push(format!("campaign:{}", NETWORKS[n].slug()));
    }

    let first_seen = start.checked_add_signed(TimeDelta::seconds(d.at)).unwrap_or(start);
    let last_seen = if rng.random_bool(0.6) {
        let secs = rng.random_range(600..=3 * 86_400);
        first_seen.checked_add_signed(TimeDelta::seconds(secs))
    } else {
        None
    };

    DemoReport {
        author: org.name.to_string(),
        input: ReportInput {
            kind: d.kind,
            title,
            narrative,
            tlp: tlp.to_string(),
            audience,
            labels,
            first_seen: Some(first_seen),
            last_seen,
            observables,
            scam: None,
            victim_pii: None,
            discoverable: None,
        },
    }
}
