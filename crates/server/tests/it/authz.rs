//! The authorisation proof (issue 11): a generated matrix over every HTTP route (the OpenAPI
//! document's and TAXII's) × every role (and no token) × every organisation relation × every
//! TLP's object, checked against a small oracle written here, independently of the server:
//!
//! - allowed calls succeed (2xx) and their answer holds the object;
//! - a caller who may not see the object gets exactly the answer (status and bytes, after the
//!   id is replaced) of the same call about an object that never existed;
//! - a caller whose role may not make the call gets `403 forbidden`;
//! - no answer, whatever its status, names a report, value or hash set its caller may not see.
//!
//! Then IDOR (every write path, called by another organisation's admin on the author's exact
//! object, is refused and changes nothing) and numbers (an outsider's answers equal those of an
//! instance where the hidden reports were never submitted).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use model::Role;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::harness::{AUTHOR, COMMUNITY, Env, MEMBER, NAMED, OPERATOR, OUTSIDER, Resp, segment};

const TLPS: [&str; 5] = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];
const TAXII: &str = "application/taxii+json;version=2.1";
const CLEAR_MARKING: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";

/// Every TAXII route (its own API, not in the OpenAPI document), as `(method, template)`.
const TAXII_ROUTES: [(&str, &str); 11] = [
    ("get", "/taxii2/"),
    ("get", "/taxii2/{root}/"),
    ("get", "/taxii2/{root}/status/{id}/"),
    ("get", "/taxii2/{root}/collections/"),
    ("get", "/taxii2/{root}/collections/{id}/"),
    ("get", "/taxii2/{root}/collections/{id}/objects/"),
    ("post", "/taxii2/{root}/collections/{id}/objects/"),
    ("get", "/taxii2/{root}/collections/{id}/objects/{object_id}/"),
    ("delete", "/taxii2/{root}/collections/{id}/objects/{object_id}/"),
    ("get", "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/"),
    ("get", "/taxii2/{root}/collections/{id}/manifest/"),
];

// ---- the oracle ----------------------------------------------------------------------------

/// Whether `org` may see a TLP-`tlp` report (or hash set) authored by [`AUTHOR`] whose audience
/// names [`NAMED`] and [`COMMUNITY`] (of which [`MEMBER`] is the member). Written from TLP 2.0
/// as the brief states it, not from the server's code.
fn sees(org: &str, tlp: usize) -> bool {
    match TLPS[tlp] {
        "CLEAR" | "GREEN" => true,
        "AMBER" => [AUTHOR, NAMED, MEMBER].contains(&org),
        _ => [AUTHOR, NAMED].contains(&org),
    }
}

/// What a route asks of the caller's role.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Need {
    /// No token needed.
    Public,
    /// Any role that reads (not intake).
    Read,
    /// Intake tokens and every role that writes.
    Intake,
    /// Contributors and above.
    Write,
    /// Analysts and admins.
    Analyst,
    /// Admins.
    Admin,
    /// Admins of an operator organisation.
    OperatorAdmin,
}

fn role_may(need: Need, org: &str, role: Role) -> bool {
    match need {
        Need::Public => true,
        Need::Read => role >= Role::Reader,
        Need::Intake => role == Role::Intake || role >= Role::Contributor,
        Need::Write => role >= Role::Contributor,
        Need::Analyst => role >= Role::Analyst,
        Need::Admin => role == Role::Admin,
        Need::OperatorAdmin => role == Role::Admin && org == OPERATOR,
    }
}

/// Who may see the object a call is about.
#[derive(Clone, Copy, Debug)]
enum Seen {
    /// There is no object, or everyone may see it.
    All,
    /// A report, campaign or hash set of this TLP.
    Tlp(usize),
    /// The author organisation only (its tokens, rules, requests, TAXII collection).
    Owner,
    /// The author organisation and operator admins (tokens: operators manage every token).
    OwnerOrOperatorAdmin,
}

fn may_see(seen: Seen, org: &str, role: Role) -> bool {
    match seen {
        Seen::All => true,
        Seen::Tlp(t) => sees(org, t),
        Seen::Owner => org == AUTHOR,
        Seen::OwnerOrOperatorAdmin => org == AUTHOR || (org == OPERATOR && role == Role::Admin),
    }
}

/// The expected outcome of one call.
#[derive(Debug, PartialEq)]
enum Expect {
    /// 2xx, holding the object.
    Allowed,
    /// Exactly the answer of the same call about an object that never existed.
    LikeMissing,
    /// This status with this stable error code.
    Error(StatusCode, &'static str),
    /// A write on another organisation's object: 403 `forbidden`, or not found like a missing one.
    Refused,
}

fn expect(case: &Case, caller: Option<(&str, Role)>) -> Expect {
    if case.need == Need::Public {
        return Expect::Allowed;
    }
    let Some((org, role)) = caller else {
        return Expect::Error(StatusCode::UNAUTHORIZED, "unauthenticated");
    };
    if role == Role::Intake {
        return if case.need == Need::Intake {
            Expect::Allowed
        } else {
            Expect::Error(StatusCode::FORBIDDEN, "forbidden")
        };
    }
    if !may_see(case.seen, org, role) {
        return Expect::LikeMissing;
    }
    if case.owner_only
        && org != AUTHOR
        && !(case.seen_operator_writes && org == OPERATOR && role == Role::Admin)
    {
        return Expect::Refused;
    }
    if !role_may(case.need, org, role) {
        return Expect::Error(StatusCode::FORBIDDEN, "forbidden");
    }
    if case.always_like_missing {
        return Expect::LikeMissing;
    }
    Expect::Allowed
}

// ---- the fixture ---------------------------------------------------------------------------

/// The canonical phone of TLP `t`'s reports (digits only, as it appears in answers and URLs).
fn phone(t: usize) -> String {
    format!("1888839130{t}")
}

fn domain(t: usize) -> String {
    format!("authz-desk-{t}.com")
}

fn md5(t: usize) -> String {
    format!("{:032x}", 0xa0a0_0000_u64 + t as u64)
}

/// A valid GB IBAN with the bank code `WEST` and this account number (check digits computed).
fn iban(account: u64) -> String {
    let bban = format!("WEST{account:014}");
    let rearranged = format!("{bban}GB00");
    let mut rem = 0u64;
    for c in rearranged.chars() {
        let n = c.to_digit(36).unwrap() as u64;
        rem = if n >= 10 { (rem * 100 + n) % 97 } else { (rem * 10 + n) % 97 };
    }
    format!("GB{:02}{bban}", 98 - rem)
}

fn report_body(t: usize, title: &str) -> Value {
    json!({
        "kind": "scam",
        "title": format!("{title} {}", TLPS[t]),
        "tlp": TLPS[t],
        "audience": {"organizations": [NAMED], "communities": [COMMUNITY]},
        "first_seen": "2024-03-01T10:00:00Z",
        "observables": [
            {"kind": "phone", "value": format!("+{}", phone(t))},
            {"kind": "url", "value": format!("https://{}/pay", domain(t))},
            {"kind": "iban", "value": iban(555_000 + t as u64)},
        ],
    })
}

/// The objects the matrix is about.
struct Fixture {
    /// Per TLP: the report, and a second one sharing its values (they form a campaign).
    reports: Vec<String>,
    partners: Vec<String>,
    /// Per TLP: the campaign holding the two (as the author sees it).
    campaigns: Vec<String>,
    /// Per TLP: a hash set with one md5 entry.
    hashsets: Vec<String>,
    author_collection: String,
    public_collection: String,
    /// In the author's collection, unmarked (AMBER for the author alone).
    taxii_object: String,
    /// In the author's collection, TLP:CLEAR (so also in the public collection).
    taxii_clear: String,
    taxii_status: String,
    intake: HashMap<String, String>,
}

impl Fixture {
    /// The strings that name TLP `t`'s objects; none may reach a caller who may not see them.
    fn markers(&self, t: usize) -> Vec<String> {
        vec![
            self.reports[t].clone(),
            self.partners[t].clone(),
            phone(t),
            domain(t),
            iban(555_000 + t as u64),
            self.hashsets[t].clone(),
            md5(t),
        ]
    }
}

async fn taxii_post(env: &Env, uri: &str, token: &str, objects: &[Value]) -> Resp {
    let req = Request::post(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT, TAXII)
        .header(header::CONTENT_TYPE, TAXII)
        .body(Body::from(json!({ "objects": objects }).to_string()))
        .unwrap();
    env.send(req).await
}

fn indicator(n: u32, marking: Option<&str>) -> Value {
    let mut v = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '203.0.113.9']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    });
    if let Some(m) = marking {
        v["object_marking_refs"] = json!([m]);
    }
    v
}

fn org_id(env: &Env, org: &str) -> String {
    env.engine.local_principal(org).unwrap().viewer.org.0.to_string()
}

async fn fixture(env: &Env) -> Fixture {
    fixture_of(env, &[0, 1, 2, 3, 4]).await
}

/// The fixture with the reports, campaigns and hash sets of the TLPs `order` names only,
/// submitted in that order (the others' entries stay empty).
async fn fixture_of(env: &Env, order: &[usize]) -> Fixture {
    let analyst = env.analyst(AUTHOR);
    let none = || vec![String::new(); TLPS.len()];
    let mut fx = Fixture {
        reports: none(),
        partners: none(),
        campaigns: none(),
        hashsets: none(),
        author_collection: org_id(env, AUTHOR),
        public_collection: engine::PUBLIC_COLLECTION_ID.to_string(),
        taxii_object: String::new(),
        taxii_clear: String::new(),
        taxii_status: String::new(),
        intake: HashMap::new(),
    };
    for &t in order {
        fx.reports[t] = env.submit(AUTHOR, &report_body(t, "authz report")).await;
        fx.partners[t] = env.submit(AUTHOR, &report_body(t, "authz partner")).await;
        let list = env.get(&format!("/api/v1/campaigns?selector=%2B{}", phone(t)), analyst).await;
        let list = list.expect(StatusCode::OK).json();
        let id = list["items"][0]["id"].as_str().unwrap_or_else(|| panic!("no campaign: {list}"));
        fx.campaigns[t] = id.to_string();
        let set = env
            .post(
                "/api/v1/hashsets",
                analyst,
                &json!({"name": format!("authz set {t}"), "category": "csam", "tlp": TLPS[t],
                    "audience": {"organizations": [NAMED], "communities": [COMMUNITY]}}),
            )
            .await
            .expect(StatusCode::CREATED)
            .json();
        let set = set["id"].as_str().unwrap().to_string();
        env.post(
            &format!("/api/v1/hashsets/{set}/entries"),
            analyst,
            &json!([{"kind": "md5", "value": md5(t)}]),
        )
        .await
        .expect(StatusCode::OK);
        fx.hashsets[t] = set;
    }
    let objects = format!("/taxii2/api/collections/{}/objects/", fx.author_collection);
    let r =
        taxii_post(env, &objects, analyst, &[indicator(1, None), indicator(2, Some(CLEAR_MARKING))]).await;
    let r = r.expect(StatusCode::ACCEPTED).json();
    assert_eq!(r["success_count"], 2, "{r}");
    fx.taxii_status = r["id"].as_str().unwrap().to_string();
    fx.taxii_object = indicator(1, None)["id"].as_str().unwrap().to_string();
    fx.taxii_clear = indicator(2, None)["id"].as_str().unwrap().to_string();
    // A spare community the operator may rewrite.
    env.engine.create_community(None, "Spare Community", &[]).await.expect("community");
    for org in [OPERATOR, AUTHOR, NAMED, MEMBER, OUTSIDER] {
        let t = env.engine.create_token(None, org, Role::Intake, "intake", None).await.expect("token");
        fx.intake.insert(org.to_string(), t.token);
    }
    fx
}

// ---- the cases -----------------------------------------------------------------------------

/// An object made anew for every call, for writes that consume or change it.
#[derive(Clone, Copy, Debug)]
enum Fresh {
    /// A report of the author at this TLP (revocation).
    Report(usize),
    /// A reader token of the author.
    Token,
    /// An alert rule of the author.
    Rule,
    /// An access request from the outsider to the author about a discoverable AMBER report.
    Request,
    /// A domain the operator marked as a hub.
    Hub,
    /// An object in the author's TAXII collection.
    TaxiiObject,
}

type BodyFn = Box<dyn Fn(&str, u32) -> Value + Send + Sync>;

struct Case {
    route: (&'static str, &'static str),
    name: String,
    method: Method,
    /// The URI; `{fresh}` is replaced by a fresh object's id.
    uri: String,
    /// The JSON body, given the caller's organisation and a unique number.
    body: Option<BodyFn>,
    need: Need,
    seen: Seen,
    /// The string naming the object in the request (swapped for `missing` for the comparison).
    object: Option<String>,
    missing: Option<String>,
    /// A write allowed to the object's owner only.
    owner_only: bool,
    /// Operator admins may write it too (tokens).
    seen_operator_writes: bool,
    /// Answered like a missing object even when allowed (an access request about a value the
    /// caller can already read, or one held by no discoverable report).
    always_like_missing: bool,
    /// What an allowed answer must hold.
    holds: Option<String>,
    fresh: Option<Fresh>,
    taxii: bool,
}

impl Case {
    fn new(route: (&'static str, &'static str), uri: impl Into<String>, need: Need) -> Case {
        let method = route.0.to_uppercase().parse().unwrap();
        let uri = uri.into();
        Case {
            route,
            name: format!("{} {uri}", route.0),
            method,
            uri,
            body: None,
            need,
            seen: Seen::All,
            object: None,
            missing: None,
            owner_only: false,
            seen_operator_writes: false,
            always_like_missing: false,
            holds: None,
            fresh: None,
            taxii: route.1.starts_with("/taxii2"),
        }
    }
    fn body(mut self, f: impl Fn(&str, u32) -> Value + Send + Sync + 'static) -> Case {
        self.body = Some(Box::new(f));
        self
    }
    fn json(self, v: Value) -> Case {
        self.body(move |_, _| v.clone())
    }
    fn about(mut self, seen: Seen, object: &str, missing: &str) -> Case {
        self.seen = seen;
        self.object = Some(object.to_string());
        self.missing = Some(missing.to_string());
        self
    }
    fn tlp(self, t: usize, object: &str, missing: &str) -> Case {
        let name = format!("{} [{}]", self.name, TLPS[t]);
        let mut c = self.about(Seen::Tlp(t), object, missing);
        c.name = name;
        c
    }
    fn owner_only(mut self) -> Case {
        self.owner_only = true;
        self
    }
    fn holds(mut self, s: &str) -> Case {
        self.holds = Some(s.to_string());
        self
    }
    fn fresh(mut self, f: Fresh, seen: Seen) -> Case {
        self.fresh = Some(f);
        self.seen = seen;
        self.object = Some("{fresh}".into());
        self
    }
}

const MISSING_ID: &str = "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b";
const MISSING_PHONE: &str = "18888391399";

fn cases(fx: &Fixture) -> Vec<Case> {
    use Need::*;
    let m = MISSING_ID;
    let mut v = vec![
        Case::new(("get", "/healthz"), "/healthz", Public),
        Case::new(("get", "/metrics"), "/metrics", Public),
        Case::new(("get", "/api/v1/openapi.json"), "/api/v1/openapi.json", Public),
        Case::new(("get", "/api/v1/organizations"), "/api/v1/organizations", Read).holds(AUTHOR),
        Case::new(("post", "/api/v1/organizations"), "/api/v1/organizations", OperatorAdmin)
            .body(|_, n| json!({"name": format!("New Org {n}")})),
        Case::new(("get", "/api/v1/communities"), "/api/v1/communities", Read).holds(COMMUNITY),
        Case::new(("post", "/api/v1/communities"), "/api/v1/communities", OperatorAdmin)
            .body(|_, n| json!({"name": format!("New Community {n}"), "members": []})),
        Case::new(
            ("put", "/api/v1/communities/{name}/members"),
            "/api/v1/communities/Spare%20Community/members",
            OperatorAdmin,
        )
        .json(json!({"members": [OPERATOR]})),
        Case::new(("get", "/api/v1/tokens"), "/api/v1/tokens", Admin),
        Case::new(("post", "/api/v1/tokens"), "/api/v1/tokens", Admin)
            .body(|org, _| json!({"organization": org, "role": "reader", "label": "authz"})),
        Case::new(("get", "/api/v1/whoami"), "/api/v1/whoami", Read),
        Case::new(("get", "/api/v1/instance"), "/api/v1/instance", Read),
        Case::new(("get", "/api/v1/reports"), "/api/v1/reports", Read),
        Case::new(("post", "/api/v1/reports"), "/api/v1/reports", Write)
            .json(json!({"kind": "scam", "title": "authz new", "tlp": "GREEN"})),
        Case::new(("post", "/api/v1/reports/batch"), "/api/v1/reports/batch", Write)
            .json(json!([{"kind": "scam", "title": "authz batch", "tlp": "GREEN"}])),
        Case::new(("get", "/api/v1/access-requests/incoming"), "/api/v1/access-requests/incoming", Analyst),
        Case::new(("get", "/api/v1/access-requests/outgoing"), "/api/v1/access-requests/outgoing", Read),
        Case::new(("get", "/api/v1/discovery"), "/api/v1/discovery", Read),
        Case::new(("put", "/api/v1/discovery"), "/api/v1/discovery", Admin)
            .json(json!({"reports_discoverable": false})),
        Case::new(("post", "/api/v1/extract"), "/api/v1/extract", Read)
            .json(json!({"text": "call +1 888 839 1214"}))
            .holds("18888391214"),
        Case::new(("get", "/api/v1/hashsets"), "/api/v1/hashsets", Read),
        Case::new(("post", "/api/v1/hashsets"), "/api/v1/hashsets", Analyst)
            .body(|_, n| json!({"name": format!("authz new set {n}"), "category": "csam", "tlp": "GREEN"})),
        Case::new(("post", "/api/v1/hashes/match"), "/api/v1/hashes/match", Read)
            .json(json!({"hashes": [{"value": md5(0)}]}))
            .holds(&fx.hashsets[0]),
        Case::new(("post", "/api/v1/intake"), "/api/v1/intake", Intake).json(json!({
            "narrative": "a caller said my account was hacked",
            "tlp": "GREEN",
            "scam": {"source": "victim", "channel": "hotline",
                "incident": {"scam_type": "tech-support"}},
        })),
        Case::new(("get", "/api/v1/stats/scams"), "/api/v1/stats/scams", Read),
        Case::new(("get", "/api/v1/campaigns"), "/api/v1/campaigns", Read),
        Case::new(("get", "/api/v1/campaigns/hubs"), "/api/v1/campaigns/hubs", OperatorAdmin),
        Case::new(("post", "/api/v1/campaigns/hubs"), "/api/v1/campaigns/hubs", OperatorAdmin)
            .body(|_, n| json!({"value": format!("authz-hub-{n}.com"), "reason": "authz"})),
        Case::new(("get", "/api/v1/alerts"), "/api/v1/alerts", Read),
        Case::new(("get", "/api/v1/alerts/rules"), "/api/v1/alerts/rules", Read),
        Case::new(("post", "/api/v1/alerts/rules"), "/api/v1/alerts/rules", Analyst).json(json!({
            "name": "authz watch",
            "rule": {"type": "watch", "selectors": [{"kind": "phone", "value": "+1 888 839 1214"}]},
        })),
        Case::new(("get", "/api/v1/audit"), "/api/v1/audit", Admin),
        Case::new(("get", "/api/v1/graph/networks"), "/api/v1/graph/networks?min_reports=1", Read),
        Case::new(("get", "/api/v1/stream"), "/api/v1/stream?after=0", Read),
        // Fresh objects: each call gets its own.
        Case::new(("delete", "/api/v1/tokens/{id}"), "/api/v1/tokens/{fresh}", Admin)
            .fresh(Fresh::Token, Seen::OwnerOrOperatorAdmin),
        Case::new(("delete", "/api/v1/alerts/rules/{id}"), "/api/v1/alerts/rules/{fresh}", Analyst)
            .fresh(Fresh::Rule, Seen::Owner),
        Case::new(
            ("post", "/api/v1/access-requests/{id}/grant"),
            "/api/v1/access-requests/{fresh}/grant",
            Analyst,
        )
        .fresh(Fresh::Request, Seen::Owner),
        Case::new(
            ("post", "/api/v1/access-requests/{id}/decline"),
            "/api/v1/access-requests/{fresh}/decline",
            Analyst,
        )
        .fresh(Fresh::Request, Seen::Owner),
        Case::new(
            ("delete", "/api/v1/campaigns/hubs/{kind}/{value}"),
            "/api/v1/campaigns/hubs/domain/{fresh}",
            OperatorAdmin,
        )
        .fresh(Fresh::Hub, Seen::All),
    ];
    for c in v.iter_mut().filter(|c| c.fresh.is_some()) {
        c.missing = Some(match c.fresh {
            Some(Fresh::Hub) => "never-marked.com".into(),
            _ => m.into(),
        });
    }
    for (t, id) in fx.reports.iter().enumerate() {
        let p = phone(t);
        let (campaign, set) = (&fx.campaigns[t], &fx.hashsets[t]);
        let report = |route, uri: String, need| Case::new(route, uri, need).tlp(t, id, m).holds(id);
        let value =
            |route, uri: String, need| Case::new(route, uri, need).tlp(t, &p, MISSING_PHONE).holds(id);
        let camp = |route, uri: String| Case::new(route, uri, Read).tlp(t, campaign, "999999").holds(id);
        let hashset = |route, uri: String, need| Case::new(route, uri, need).tlp(t, set, m).holds(set);
        v.extend([
            report(("get", "/api/v1/reports/{id}"), format!("/api/v1/reports/{id}"), Read),
            report(("get", "/api/v1/reports/{id}/misp"), format!("/api/v1/reports/{id}/misp"), Read),
            report(("get", "/api/v1/reports/{id}/stix"), format!("/api/v1/reports/{id}/stix"), Read),
            report(
                ("post", "/api/v1/reports/{id}/discoverable"),
                format!("/api/v1/reports/{id}/discoverable"),
                Analyst,
            )
            .json(json!({"discoverable": false}))
            .owner_only(),
            report(("get", "/api/v1/graph/networks/{id}"), format!("/api/v1/graph/networks/{id}"), Read),
            value(
                ("get", "/api/v1/observables/{kind}/{value}"),
                format!("/api/v1/observables/phone/%2B{p}"),
                Read,
            ),
            value(("post", "/api/v1/check"), "/api/v1/check".into(), Read)
                .json(json!({"selectors": [{"kind": "phone", "value": format!("+{p}")}]})),
            value(("get", "/api/v1/graph/expand"), format!("/api/v1/graph/expand?node=phone:%2B{p}"), Read),
            value(
                ("get", "/api/v1/graph/neighbourhood"),
                format!("/api/v1/graph/neighbourhood?node=%2B{p}&depth=3"),
                Read,
            ),
            value(
                ("get", "/api/v1/graph/path"),
                format!("/api/v1/graph/path?from=%2B{p}&to=iban:{}", iban(555_000 + t as u64)),
                Read,
            ),
            value(("post", "/api/v1/graph/connect"), "/api/v1/graph/connect".into(), Read).json(json!({
                "selectors": [format!("+{p}"), format!("iban:{}", iban(555_000 + t as u64))],
            })),
            value(
                ("get", "/api/v1/graph/networks/{id}/stix"),
                format!("/api/v1/graph/networks/%2B{p}/stix"),
                Read,
            ),
            value(
                ("get", "/api/v1/graph/networks"),
                format!("/api/v1/graph/networks?min_reports=1&selector=%2B{p}"),
                Read,
            ),
            // Nothing discoverable holds it: asked by anyone, like a value nobody holds.
            {
                let mut c =
                    value(("post", "/api/v1/access-requests"), "/api/v1/access-requests".into(), Read)
                        .json(json!({"kind": "phone", "value": format!("+{p}")}));
                c.always_like_missing = true;
                c
            },
            camp(("get", "/api/v1/campaigns/{id}"), format!("/api/v1/campaigns/{campaign}")),
            camp(("get", "/api/v1/campaigns/{id}/misp"), format!("/api/v1/campaigns/{campaign}/misp")),
            camp(("get", "/api/v1/campaigns/{id}/stix"), format!("/api/v1/campaigns/{campaign}/stix")),
            hashset(("get", "/api/v1/hashsets/{id}"), format!("/api/v1/hashsets/{set}"), Read),
            hashset(
                ("get", "/api/v1/hashsets/{id}/entries"),
                format!("/api/v1/hashsets/{set}/entries"),
                Read,
            )
            .holds(&md5(t)),
            hashset(("put", "/api/v1/hashsets/{id}"), format!("/api/v1/hashsets/{set}"), Analyst)
                .json(json!({"name": format!("authz set {t}"), "category": "csam", "tlp": TLPS[t],
                    "audience": {"organizations": [NAMED], "communities": [COMMUNITY]}}))
                .owner_only(),
            hashset(
                ("post", "/api/v1/hashsets/{id}/entries"),
                format!("/api/v1/hashsets/{set}/entries"),
                Write,
            )
            .json(json!([{"kind": "md5", "value": md5(t)}]))
            .owner_only()
            .holds("\"duplicates\":1"),
            hashset(
                ("post", "/api/v1/hashsets/{id}/entries/withdraw"),
                format!("/api/v1/hashsets/{set}/entries/withdraw"),
                Analyst,
            )
            .json(json!({"values": [{"kind": "md5", "value": "ffffffffffffffffffffffffffffffff"}]}))
            .owner_only()
            .holds("md5:ffffffffffffffffffffffffffffffff"),
            hashset(
                ("get", "/api/v1/hashsets/{id}/sightings"),
                format!("/api/v1/hashsets/{set}/sightings"),
                Analyst,
            )
            .owner_only()
            .holds("\"items\""),
        ]);
        // Revocation consumes its report: one fresh report of this TLP per call.
        let mut revoke =
            Case::new(("post", "/api/v1/reports/{id}/revoke"), "/api/v1/reports/{fresh}/revoke", Analyst)
                .fresh(Fresh::Report(t), Seen::Tlp(t))
                .owner_only();
        revoke.missing = Some(m.into());
        revoke.name = format!("{} [{}]", revoke.name, TLPS[t]);
        v.push(revoke);
    }
    // TAXII.
    let (coll, public, obj) = (&fx.author_collection, &fx.public_collection, &fx.taxii_object);
    let own = |route, uri: String, need| Case::new(route, uri, need).about(Seen::Owner, coll, m);
    v.extend([
        Case::new(("get", "/taxii2/"), "/taxii2/", Read),
        Case::new(("get", "/taxii2/{root}/"), "/taxii2/api/", Read),
        Case::new(("get", "/taxii2/{root}/collections/"), "/taxii2/api/collections/", Read).holds(public),
        Case::new(
            ("get", "/taxii2/{root}/status/{id}/"),
            format!("/taxii2/api/status/{}/", fx.taxii_status),
            Read,
        )
        .about(Seen::Owner, &fx.taxii_status, m)
        .holds(&fx.taxii_status),
        own(("get", "/taxii2/{root}/collections/{id}/"), format!("/taxii2/api/collections/{coll}/"), Read)
            .holds(coll),
        own(
            ("get", "/taxii2/{root}/collections/{id}/objects/"),
            format!("/taxii2/api/collections/{coll}/objects/"),
            Read,
        )
        .holds(obj),
        own(
            ("post", "/taxii2/{root}/collections/{id}/objects/"),
            format!("/taxii2/api/collections/{coll}/objects/"),
            Write,
        )
        .body(|_, n| json!({"objects": [indicator(1000 + n, None)]})),
        own(
            ("get", "/taxii2/{root}/collections/{id}/objects/{object_id}/"),
            format!("/taxii2/api/collections/{coll}/objects/{obj}/"),
            Read,
        )
        .holds(obj),
        own(
            ("get", "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/"),
            format!("/taxii2/api/collections/{coll}/objects/{obj}/versions/"),
            Read,
        ),
        own(
            ("get", "/taxii2/{root}/collections/{id}/manifest/"),
            format!("/taxii2/api/collections/{coll}/manifest/"),
            Read,
        )
        .holds(obj),
        {
            let mut c = Case::new(
                ("delete", "/taxii2/{root}/collections/{id}/objects/{object_id}/"),
                format!("/taxii2/api/collections/{coll}/objects/{{fresh}}/"),
                Write,
            )
            .fresh(Fresh::TaxiiObject, Seen::Owner);
            c.missing = Some("indicator--00000000-0000-4000-8000-999999999999".into());
            c
        },
        // The public collection: every reader reads its CLEAR objects.
        Case::new(
            ("get", "/taxii2/{root}/collections/{id}/"),
            format!("/taxii2/api/collections/{public}/"),
            Read,
        )
        .holds(public),
        Case::new(
            ("get", "/taxii2/{root}/collections/{id}/objects/"),
            format!("/taxii2/api/collections/{public}/objects/"),
            Read,
        )
        .holds(&fx.taxii_clear),
    ]);
    v
}

// ---- the calls -----------------------------------------------------------------------------

static COUNTER: AtomicU32 = AtomicU32::new(1);

fn token<'a>(env: &'a Env, fx: &'a Fixture, caller: Option<(&str, Role)>) -> Option<&'a str> {
    caller
        .map(|(org, role)| if role == Role::Intake { fx.intake[org].as_str() } else { env.token(org, role) })
}

/// One call; a stream's body is not read when it opened (it never ends).
async fn call(env: &Env, case: &Case, uri: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
    let mut req = Request::builder().method(case.method.clone()).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if case.taxii {
        req = req.header(header::ACCEPT, TAXII);
    }
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, if case.taxii { TAXII } else { "application/json" });
            Body::from(serde_json::to_vec(v).unwrap())
        }
        None => Body::empty(),
    };
    let resp = env.app.clone().oneshot(req.body(body).unwrap()).await.expect("infallible");
    let (parts, body) = resp.into_parts();
    let body = if case.route.1 == "/api/v1/stream" && parts.status == StatusCode::OK {
        Default::default()
    } else {
        axum::body::to_bytes(body, usize::MAX).await.expect("body")
    };
    Resp { status: parts.status, headers: parts.headers, body }
}

/// Makes a fresh object for one call and returns the string naming it in the URI.
async fn make_fresh(env: &Env, f: Fresh) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let analyst = env.analyst(AUTHOR);
    match f {
        Fresh::Report(t) => {
            let mut b = report_body(t, "authz revocable");
            b["observables"] = json!([]);
            env.submit(AUTHOR, &b).await
        }
        Fresh::Token => env
            .engine
            .create_token(None, AUTHOR, Role::Reader, "fresh", None)
            .await
            .unwrap()
            .info
            .id
            .to_string(),
        Fresh::Rule => {
            let r = env
                .post(
                    "/api/v1/alerts/rules",
                    analyst,
                    &json!({"name": "fresh", "rule": {"type": "watch", "selectors": [{"value": "fresh.example.com"}]}}),
                )
                .await
                .expect(StatusCode::CREATED);
            r.json()["id"].as_str().unwrap().to_string()
        }
        Fresh::Request => {
            let value = format!("authz-asked-{n}.com");
            let mut b = json!({"kind": "scam", "title": "discoverable", "tlp": "AMBER",
                "audience": {"organizations": [NAMED]},
                "observables": [{"kind": "domain", "value": value}]});
            b["discoverable"] = json!(true);
            env.submit(AUTHOR, &b).await;
            env.post(
                "/api/v1/access-requests",
                env.analyst(OUTSIDER),
                &json!({"kind": "domain", "value": value}),
            )
            .await
            .expect(StatusCode::ACCEPTED);
            let mut uri = "/api/v1/access-requests/incoming?status=pending".to_string();
            loop {
                let page = env.get(&uri, analyst).await.expect(StatusCode::OK).json();
                let items = page["items"].as_array().unwrap();
                if let Some(item) = items.iter().find(|i| i["value"] == value.as_str()) {
                    return item["id"].as_str().unwrap().to_string();
                }
                let cursor = page["next_cursor"].as_str().unwrap_or_else(|| panic!("no request for {value}"));
                uri = format!("/api/v1/access-requests/incoming?status=pending&cursor={cursor}");
            }
        }
        Fresh::Hub => {
            let value = format!("authz-marked-{n}.com");
            env.post(
                "/api/v1/campaigns/hubs",
                env.token(OPERATOR, Role::Admin),
                &json!({"value": value, "reason": "authz"}),
            )
            .await
            .expect(StatusCode::CREATED);
            value
        }
        Fresh::TaxiiObject => {
            let coll = org_id(env, AUTHOR);
            let o = indicator(500_000 + n, None);
            let r = taxii_post(
                env,
                &format!("/taxii2/api/collections/{coll}/objects/"),
                analyst,
                std::slice::from_ref(&o),
            )
            .await;
            assert_eq!(r.json()["success_count"], 1, "{}", r.text());
            o["id"].as_str().unwrap().to_string()
        }
    }
}

/// The stable error code of a REST or TAXII error answer.
fn error_code(r: &Resp) -> Option<String> {
    let v: Value = serde_json::from_slice(&r.body).ok()?;
    v["error"]["code"].as_str().or(v["error_code"].as_str()).map(str::to_string)
}

/// An answer with the object's and the missing object's names replaced, and the value-derived
/// `stix_id` (a hash of the value itself, not of any report) removed.
fn normalised(r: &Resp, names: &[&str]) -> (StatusCode, String) {
    let mut text = r.text();
    for n in names {
        text = text.replace(n, "<ID>");
    }
    if let Ok(mut v) = serde_json::from_str::<Value>(&text) {
        fn strip(v: &mut Value) {
            match v {
                Value::Object(o) => {
                    o.remove("stix_id");
                    o.values_mut().for_each(strip);
                }
                Value::Array(a) => a.iter_mut().for_each(strip),
                _ => {}
            }
        }
        strip(&mut v);
        text = v.to_string();
    }
    (r.status, text)
}

fn callers() -> Vec<Option<(&'static str, Role)>> {
    let mut v = vec![None];
    // The author last: its writes come after every refusal was checked.
    for org in [OUTSIDER, OPERATOR, MEMBER, NAMED, AUTHOR] {
        for role in [Role::Intake, Role::Reader, Role::Contributor, Role::Analyst, Role::Admin] {
            v.push(Some((org, role)));
        }
    }
    v
}

/// The matrix. Every failure is collected and all are shown at once.
#[tokio::test]
async fn every_route_role_relation_and_tlp() {
    let env = Env::new().await;
    let fx = fixture(&env).await;
    let cases = cases(&fx);

    // Coverage: the matrix has an entry for every route of the OpenAPI document and of TAXII.
    let doc = env.call(Method::GET, "/api/v1/openapi.json", None, None).await.json();
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys().filter(|k| *k != "parameters") {
            routes.insert((method.clone(), path.clone()));
        }
    }
    routes.extend(TAXII_ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())));
    let covered: BTreeSet<(String, String)> =
        cases.iter().map(|c| (c.route.0.to_string(), c.route.1.to_string())).collect();
    let uncovered: Vec<_> = routes.difference(&covered).collect();
    assert!(uncovered.is_empty(), "routes without a matrix entry: {uncovered:?}");
    let unknown: Vec<_> = covered.difference(&routes).collect();
    assert!(unknown.is_empty(), "matrix entries for no route: {unknown:?}");

    let mut failures = Vec::new();
    let mut calls = 0usize;
    for case in &cases {
        for caller in callers() {
            let who = match caller {
                Some((org, role)) => format!("{org}/{role}"),
                None => "no token".into(),
            };
            let ctx = format!("{} as {who}", case.name);
            let expected = expect(case, caller);
            let token = token(&env, &fx, caller);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let body = case.body.as_ref().map(|f| f(caller.map_or(AUTHOR, |c| c.0), n));
            let (uri, object) = match case.fresh {
                Some(f) => {
                    let id = make_fresh(&env, f).await;
                    (case.uri.replace("{fresh}", &id), Some(id))
                }
                None => (case.uri.clone(), case.object.clone()),
            };
            let answer = call(&env, case, &uri, token, body.as_ref()).await;
            calls += 1;
            let mut fail = |m: String| failures.push(format!("{ctx}: {m}"));
            match expected {
                Expect::Allowed => {
                    if !answer.status.is_success() {
                        fail(format!("expected 2xx, got {} {}", answer.status, answer.text()));
                    } else if let Some(h) = &case.holds
                        && !answer.text().contains(h.as_str())
                    {
                        fail(format!("answer does not hold {h}: {}", answer.text()));
                    }
                }
                Expect::Error(status, code) => {
                    if answer.status != status || error_code(&answer).as_deref() != Some(code) {
                        fail(format!("expected {status} {code}, got {} {}", answer.status, answer.text()));
                    }
                }
                Expect::LikeMissing | Expect::Refused => {
                    let (object, missing) = (object.clone().unwrap(), case.missing.clone().unwrap());
                    let swap = |s: &str| s.replace(object.as_str(), &missing);
                    let missing_uri = swap(&uri);
                    let missing_body =
                        body.as_ref().map(|b| serde_json::from_str(&swap(&b.to_string())).unwrap());
                    let other = call(&env, case, &missing_uri, token, missing_body.as_ref()).await;
                    calls += 1;
                    let like_missing =
                        normalised(&answer, &[&object, &missing]) == normalised(&other, &[&object, &missing]);
                    let ok = if expected == Expect::LikeMissing {
                        like_missing
                    } else {
                        (answer.status == StatusCode::FORBIDDEN
                            && error_code(&answer).as_deref() == Some("forbidden"))
                            || (like_missing && answer.status == StatusCode::NOT_FOUND)
                    };
                    if !ok {
                        fail(format!(
                            "expected {expected:?}: got {} {}, for a missing object {} {}",
                            answer.status,
                            answer.text(),
                            other.status,
                            other.text()
                        ));
                    }
                }
            }
            // No answer names what its caller may not see.
            let request = format!("{uri} {}", body.as_ref().map(Value::to_string).unwrap_or_default());
            let text = answer.text();
            for (t, tlp) in TLPS.iter().enumerate() {
                let visible = matches!(caller, Some((org, role)) if role != Role::Intake && sees(org, t));
                if visible {
                    continue;
                }
                for marker in fx.markers(t) {
                    if text.contains(&marker) && !request.contains(&marker) {
                        failures.push(format!("{ctx}: answer names {marker} of the {tlp} objects: {text}"));
                    }
                }
            }
        }
    }
    eprintln!("authz matrix: {} cases, {calls} calls, {} failures", cases.len(), failures.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

// ---- IDOR ----------------------------------------------------------------------------------

/// A write: name, method, URI, body, the URI reading the object back and whose token reads it.
type Write = (&'static str, Method, String, Option<Value>, String, String);

/// Every write path, called by other organisations' admins and analysts on the author's exact
/// object: refused, and the object reads back unchanged as its owner.
#[tokio::test]
async fn writes_on_another_organisations_object_are_refused_and_change_nothing() {
    let env = Env::new().await;
    let fx = fixture(&env).await;
    let author_admin = env.token(AUTHOR, Role::Admin).to_string();
    let (amber, set, coll, obj) = (&fx.reports[2], &fx.hashsets[2], &fx.author_collection, &fx.taxii_object);
    let token = env.engine.create_token(None, AUTHOR, Role::Reader, "target", None).await.unwrap();
    let rule = make_fresh(&env, Fresh::Rule).await;
    let request = make_fresh(&env, Fresh::Request).await;
    let hub = make_fresh(&env, Fresh::Hub).await;
    let operator_admin = env.token(OPERATOR, Role::Admin).to_string();
    let objects = format!("/taxii2/api/collections/{coll}/objects/");
    // (name, method, uri, body, how to read the object back, with whose token)
    let writes: Vec<Write> = vec![
        (
            "revoke",
            Method::POST,
            format!("/api/v1/reports/{amber}/revoke"),
            None,
            format!("/api/v1/reports/{amber}"),
            author_admin.clone(),
        ),
        (
            "discoverable",
            Method::POST,
            format!("/api/v1/reports/{amber}/discoverable"),
            Some(json!({"discoverable": true})),
            format!("/api/v1/reports/{amber}"),
            author_admin.clone(),
        ),
        (
            "hash set update",
            Method::PUT,
            format!("/api/v1/hashsets/{set}"),
            Some(json!({"name": "taken over", "category": "csam", "tlp": "CLEAR"})),
            format!("/api/v1/hashsets/{set}"),
            author_admin.clone(),
        ),
        (
            "hash set entries",
            Method::POST,
            format!("/api/v1/hashsets/{set}/entries"),
            Some(json!([{"kind": "md5", "value": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"}])),
            format!("/api/v1/hashsets/{set}/entries"),
            author_admin.clone(),
        ),
        (
            "hash set withdraw",
            Method::POST,
            format!("/api/v1/hashsets/{set}/entries/withdraw"),
            Some(json!({"values": [{"kind": "md5", "value": md5(2)}]})),
            format!("/api/v1/hashsets/{set}/entries"),
            author_admin.clone(),
        ),
        (
            "token delete",
            Method::DELETE,
            format!("/api/v1/tokens/{}", token.info.id),
            None,
            "/api/v1/whoami".into(),
            token.token.clone(),
        ),
        (
            "token create for the author",
            Method::POST,
            "/api/v1/tokens".into(),
            Some(json!({"organization": AUTHOR, "role": "admin", "label": "takeover"})),
            "/api/v1/tokens".into(),
            author_admin.clone(),
        ),
        (
            "alert rule delete",
            Method::DELETE,
            format!("/api/v1/alerts/rules/{rule}"),
            None,
            "/api/v1/alerts/rules".into(),
            author_admin.clone(),
        ),
        (
            "access request grant",
            Method::POST,
            format!("/api/v1/access-requests/{request}/grant"),
            None,
            "/api/v1/access-requests/incoming?limit=1000".into(),
            author_admin.clone(),
        ),
        (
            "access request decline",
            Method::POST,
            format!("/api/v1/access-requests/{request}/decline"),
            None,
            "/api/v1/access-requests/incoming?limit=1000".into(),
            author_admin.clone(),
        ),
        (
            "hub delete",
            Method::DELETE,
            format!("/api/v1/campaigns/hubs/domain/{hub}"),
            None,
            "/api/v1/campaigns/hubs".into(),
            operator_admin.clone(),
        ),
        (
            "community members",
            Method::PUT,
            format!("/api/v1/communities/{}/members", segment(COMMUNITY)),
            Some(json!({"members": [OUTSIDER]})),
            "/api/v1/communities".into(),
            author_admin.clone(),
        ),
        (
            "taxii add",
            Method::POST,
            objects.clone(),
            Some(json!({"objects": [indicator(1, Some(CLEAR_MARKING))]})),
            objects.clone(),
            author_admin.clone(),
        ),
        (
            "taxii delete",
            Method::DELETE,
            format!("{objects}{obj}/"),
            None,
            objects.clone(),
            author_admin.clone(),
        ),
    ];
    let attackers = [
        (NAMED, Role::Admin),
        (NAMED, Role::Analyst),
        (MEMBER, Role::Admin),
        (OUTSIDER, Role::Admin),
        (OUTSIDER, Role::Analyst),
        (OPERATOR, Role::Analyst),
    ];
    let mut failures = Vec::new();
    for (name, method, uri, body, readback, reader) in &writes {
        let taxii = uri.starts_with("/taxii2");
        let case = |method: Method| {
            let mut c = Case::new(("get", "/"), "/", Need::Read);
            c.method = method;
            c.taxii = taxii;
            c
        };
        let before = call(&env, &case(Method::GET), readback, Some(reader), None).await;
        assert!(before.status.is_success(), "{name}: read back {} {}", before.status, before.text());
        for (org, role) in attackers {
            let r = call(&env, &case(method.clone()), uri, Some(env.token(org, role)), body.as_ref()).await;
            if !matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
                failures.push(format!("{name} as {org}/{role}: {} {}", r.status, r.text()));
            }
            let after = call(&env, &case(Method::GET), readback, Some(reader), None).await;
            if (after.status, &after.body) != (before.status, &before.body) {
                failures.push(format!(
                    "{name} as {org}/{role} changed it: {} -> {}",
                    before.text(),
                    after.text()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- numbers -------------------------------------------------------------------------------

/// Replaces what legitimately differs between two instances: ids (any UUID inside a string)
/// and times.
fn anonymised(v: &mut Value) {
    fn uuids(s: &str) -> String {
        let b = s.as_bytes();
        let is_uuid = |w: &[u8]| {
            w.len() == 36
                && w.iter().enumerate().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() }
                })
        };
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            if i + 36 <= b.len() && is_uuid(&b[i..i + 36]) {
                out.push_str("<uuid>");
                i += 36;
            } else {
                let c = s[i..].chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
        out
    }
    match v {
        Value::String(s) => {
            *s = if chrono::DateTime::parse_from_rfc3339(s).is_ok() { "<time>".into() } else { uuids(s) };
        }
        Value::Array(a) => a.iter_mut().for_each(anonymised),
        Value::Object(o) => o.values_mut().for_each(anonymised),
        _ => {}
    }
}

/// What a viewer's reads answer, each anonymised: lookups, checks, graph queries, campaigns,
/// statistics, hash sets and matches, alerts, TAXII's public collection, and every page of the
/// report list at several page sizes (items, sizes and whether a next page exists).
async fn answers(env: &Env, viewer: &str) -> Vec<(String, StatusCode, Value)> {
    let token = env.analyst(viewer);
    let phones: Vec<String> = (0..TLPS.len()).map(|t| format!("+{}", phone(t))).collect();
    let mut uris: Vec<(String, Option<Value>)> = vec![
        ("/api/v1/reports?limit=100".into(), None),
        ("/api/v1/campaigns".into(), None),
        ("/api/v1/stats/scams".into(), None),
        ("/api/v1/hashsets".into(), None),
        ("/api/v1/alerts".into(), None),
        ("/api/v1/graph/networks?min_reports=1".into(), None),
        ("/api/v1/graph/networks".into(), None),
        (
            "/api/v1/hashes/match".into(),
            Some(json!({"hashes": (0..TLPS.len()).map(|t| json!({"value": md5(t)})).collect::<Vec<_>>()})),
        ),
        (
            "/api/v1/check".into(),
            Some(json!({"selectors": (0..TLPS.len()).flat_map(|t| [
                json!({"value": phones[t]}),
                json!({"kind": "domain", "value": domain(t)}),
                json!({"kind": "iban", "value": iban(555_000 + t as u64)}),
            ]).collect::<Vec<_>>()})),
        ),
        ("/api/v1/graph/connect".into(), Some(json!({"selectors": phones.clone()}))),
    ];
    for t in 0..TLPS.len() {
        let p = phone(t);
        uris.extend([
            (format!("/api/v1/observables/phone/%2B{p}"), None),
            (format!("/api/v1/observables/domain/{}", domain(t)), None),
            (format!("/api/v1/reports?observable=%2B{p}"), None),
            (format!("/api/v1/campaigns?selector=%2B{p}"), None),
            (format!("/api/v1/graph/expand?node=phone:%2B{p}"), None),
            (format!("/api/v1/graph/neighbourhood?node=%2B{p}&depth=4"), None),
            (format!("/api/v1/graph/networks?min_reports=1&selector=%2B{p}"), None),
            (format!("/api/v1/graph/networks/%2B{p}"), None),
        ]);
    }
    let mut out = Vec::new();
    for (uri, body) in uris {
        let r = match &body {
            Some(b) => env.post(&uri, token, b).await,
            None => env.get(&uri, token).await,
        };
        let mut v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        anonymised(&mut v);
        out.push((uri, r.status, v));
    }
    for limit in [1, 2, 3] {
        let mut uri = format!("/api/v1/reports?limit={limit}");
        loop {
            let r = env.get(&uri, token).await.expect(StatusCode::OK).json();
            let next = r["next_cursor"].as_str().map(str::to_string);
            let mut v = r.clone();
            anonymised(&mut v);
            out.push((uri.clone(), StatusCode::OK, v));
            match next {
                Some(c) => uri = format!("/api/v1/reports?limit={limit}&cursor={c}"),
                None => break,
            }
        }
    }
    let public = engine::PUBLIC_COLLECTION_ID;
    for uri in [
        format!("/taxii2/api/collections/{public}/objects/"),
        format!("/taxii2/api/collections/{public}/manifest/"),
    ] {
        let req = Request::get(&uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::ACCEPT, TAXII)
            .body(Body::empty())
            .unwrap();
        let r = env.send(req).await;
        let mut v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        anonymised(&mut v);
        out.push((uri, r.status, v));
    }
    out
}

/// No number reveals hidden data: what an outsider (and a community member) reads equals what
/// it reads on an instance where the reports, campaigns and hash sets it may not see were never
/// submitted. Those are submitted first, so that ids or positions they take would show.
#[tokio::test]
async fn numbers_equal_an_instance_without_the_hidden_objects() {
    let full = Env::new().await;
    fixture_of(&full, &[4, 3, 2, 0, 1]).await;
    // The clean instances get the visible objects in the same relative order.
    for (viewer, visible) in [(OUTSIDER, vec![0, 1]), (MEMBER, vec![2, 0, 1]), (OPERATOR, vec![0, 1])] {
        let clean = Env::new().await;
        fixture_of(&clean, &visible).await;
        let (mut a, mut b) = (answers(&full, viewer).await, answers(&clean, viewer).await);
        // Campaign ids are encrypted under each instance's own key, so they differ between
        // the two instances whatever they hold (`campaign_ids_are_opaque` below checks that
        // they are not counts). Everything else must be equal.
        for (uri, _, v) in a.iter_mut().chain(b.iter_mut()) {
            if uri.starts_with("/api/v1/campaigns") {
                for item in v["items"].as_array_mut().into_iter().flatten() {
                    item["id"] = json!("<campaign>");
                }
            }
        }
        assert_eq!(a.len(), b.len(), "{viewer}: a different number of pages");
        let mut failures = Vec::new();
        for ((uri, s1, v1), (_, s2, v2)) in a.iter().zip(&b) {
            if (s1, v1) != (s2, v2) {
                failures.push(format!(
                    "{viewer} {uri}:\n  with hidden:    {s1} {v1}\n  without hidden: {s2} {v2}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // The comparison is not vacuous: the visible objects are there.
        assert!(
            a[0].2["items"].as_array().is_some_and(|i| i.len() == 2 * visible.len()),
            "{viewer}: {}",
            a[0].2
        );
    }
}

/// Campaign ids once were index slots of reports, which count every report submitted before,
/// hidden ones included (the numbers test found it). They are now encrypted: eight hex
/// digits, not the slot, and the slot itself is not an id.
#[tokio::test]
async fn campaign_ids_are_opaque() {
    let full = Env::new().await;
    fixture_of(&full, &[4, 3, 2, 0, 1]).await;
    let outsider = full.analyst(OUTSIDER);
    let list = full.get("/api/v1/campaigns", outsider).await.expect(StatusCode::OK).json();
    let ids: Vec<String> =
        list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2, "{list}");
    for id in &ids {
        assert!(id.len() == 8 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        full.get(&format!("/api/v1/campaigns/{id}"), outsider).await.expect(StatusCode::OK);
    }
    // The outsider's campaigns start at slots 6 and 8 (after the six hidden reports): those
    // numbers name nothing, and the ids are not them in any base.
    for slot in ["6", "8", "00000006", "00000008"] {
        assert!(!ids.iter().any(|id| id == slot), "{ids:?}");
        full.get(&format!("/api/v1/campaigns/{slot}"), outsider)
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
}
