//! Federation between instances over real TCP on loopback (the operator's allow): two dragnet
//! instances pulling from each other, a third pulling a TAXII collection.
//!
//! Waits are for conditions with a generous deadline (the pullers run on their own), never
//! assertions on how long something took.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use engine::{Engine, EngineOptions, PeerInput, Principal};
use model::federation::{INSTANCE_HEADER, PeerKind};
use model::{ReportInput, Role};
use serde_json::{Value, json};
use server::federation::{FederationError, FederationOptions, Pullers};
use server::{AppState, serve_with_shutdown};
use store::Store;
use uuid::Uuid;

struct Node {
    engine: Arc<Engine>,
    store: Arc<store::SqliteStore>,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pullers: Option<Pullers>,
    /// Certificate authorities this node's pullers trust besides the system's.
    roots: Vec<reqwest::Certificate>,
    _dir: tempfile::TempDir,
}

fn options() -> FederationOptions {
    FederationOptions {
        allow_private: false,
        taxii_interval: Duration::from_millis(300),
        reconcile: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(30),
        request_timeout: Duration::from_secs(10),
        extra_roots: Vec::new(),
    }
}

impl Node {
    async fn start(name: &str) -> Node {
        Node::start_with(name, None).await
    }

    /// A node serving HTTPS with `tls` when given.
    async fn start_with(name: &str, tls: Option<server::tls::Tls>) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(store::SqliteStore::open(dir.path()).await.unwrap());
        let engine = Arc::new(
            Engine::open(
                store.clone(),
                EngineOptions { instance_name: Some(name.to_string()), ..EngineOptions::default() },
            )
            .await
            .unwrap(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = AppState::new(engine.clone());
        let stopped = async {
            let _ = stopped.await;
        };
        let (scheme, server) = match tls {
            None => ("http", tokio::spawn(serve_with_shutdown(listener, state, stopped))),
            Some(tls) => (
                "https",
                tokio::spawn(
                    async move { server::serve_tls_with_shutdown(listener, &tls, state, stopped).await },
                ),
            ),
        };
        Node {
            engine,
            store,
            url: format!("{scheme}://{addr}"),
            stop: Some(stop),
            server: Some(server),
            pullers: None,
            roots: Vec::new(),
            _dir: dir,
        }
    }

    fn start_pullers(&mut self) {
        let options = FederationOptions { extra_roots: self.roots.clone(), ..options() };
        self.pullers = Some(Pullers::start(self.engine.clone(), options));
    }

    async fn stop_pullers(&mut self) {
        if let Some(p) = self.pullers.take() {
            p.stop().await;
        }
    }

    async fn shutdown(mut self) {
        self.stop_pullers().await;
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(s) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), s).await;
        }
    }

    async fn org(&self, name: &str, peer: bool) {
        self.engine.create_org_as(None, name, false, peer).await.unwrap();
    }

    async fn token(&self, org: &str, role: Role) -> String {
        self.engine.create_token(None, org, role, "test", None).await.unwrap().token
    }

    fn as_org(&self, org: &str) -> Principal {
        self.engine.local_principal(org).unwrap()
    }

    async fn submit(&self, org: &str, report: Value) -> Uuid {
        let input: ReportInput = serde_json::from_value(report).unwrap();
        self.engine.submit(&self.as_org(org), input).await.unwrap().id
    }

    /// Adds a dragnet peer after checking it (loopback allowed by the operator).
    async fn pull_from(&self, other: &Node, token: &str, receiving_org: &str) {
        let probe = server::federation::probe(
            &other.url,
            PeerKind::Dragnet,
            token,
            None,
            true,
            &self.roots,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(probe.remote.as_ref().unwrap().id, other.engine.instance().id);
        self.engine
            .add_peer(PeerInput {
                url: other.url.clone(),
                kind: PeerKind::Dragnet,
                token: token.to_string(),
                collection: None,
                receiving_org: receiving_org.to_string(),
                allow_private: true,
                remote: probe.remote,
            })
            .await
            .unwrap();
    }

    /// Every stored report, revoked ones included.
    async fn reports(&self) -> Vec<model::Report> {
        self.store.scan_reports(None, 10_000).await.unwrap()
    }

    async fn federated(&self) -> Vec<model::Report> {
        self.reports().await.into_iter().filter(|r| r.provenance.is_some()).collect()
    }
}

/// Waits until `check` holds (30 s at most, then fails naming `what`).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if check().await {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn report(title: &str, tlp: &str, audience_orgs: &[&str], value: &str) -> Value {
    json!({"kind": "intel", "title": title, "tlp": tlp, "narrative": format!("about {title}"),
        "audience": {"organizations": audience_orgs},
        "labels": ["federation-test"],
        "observables": [{"kind": "domain", "value": value, "role": "c2"}]})
}

fn titles(reports: &[model::Report]) -> Vec<String> {
    let mut t: Vec<String> = reports.iter().map(|r| r.title.clone()).collect();
    t.sort();
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_per_tlp_with_provenance_and_no_loops() {
    let mut a = Node::start("alpha").await;
    let mut b = Node::start("bravo").await;
    let (a_id, b_id) = (a.engine.instance().id, b.engine.instance().id);
    assert_ne!(a_id, b_id);

    // On A: its members, and "bravo", the peer organisation B pulls with.
    a.org("A-police", false).await;
    a.org("A-bank", false).await;
    a.org("bravo", true).await;
    a.engine.create_community(None, "fed", &["A-bank".into(), "bravo".into()]).await.unwrap();
    // On B: its members, and "alpha", the peer organisation A pulls with.
    b.org("B-cert", false).await;
    b.org("B-bank", false).await;
    b.org("alpha", true).await;
    let token_for_b = a.token("bravo", Role::Reader).await;
    let token_for_a = b.token("alpha", Role::Reader).await;

    let clear = a.submit("A-police", report("clear", "CLEAR", &[], "clear-fed.com")).await;
    let green = a.submit("A-police", report("green", "GREEN", &[], "green-fed.com")).await;
    a.submit("A-police", report("amber-to-bravo", "AMBER", &["bravo"], "amber-fed.com")).await;
    a.submit("A-police", report("amber-to-bank", "AMBER", &["A-bank"], "amber2-fed.com")).await;
    let strict =
        a.submit("A-police", report("amber-strict", "AMBER+STRICT", &["bravo"], "strict-fed.com")).await;
    let red = a.submit("A-police", report("red", "RED", &["bravo"], "red-fed.com")).await;
    let mut community = report("amber-to-community", "AMBER", &[], "community-fed.com");
    community["audience"]["communities"] = json!(["fed"]);
    a.submit("A-police", community).await;
    // A scam report whose narrative names the victim: the name never leaves A.
    a.submit(
        "A-police",
        json!({"kind": "scam", "title": "scam", "tlp": "GREEN",
            "narrative": "Margaret Example was called by +1 888 839 1214 pretending to be her bank",
            "victim_pii": {"name": "Margaret Example", "phone": "+1 202 555 0143"},
            "observables": [{"kind": "phone", "value": "+1 888 839 1214", "role": "scammer-phone"},
                            {"kind": "phone", "value": "+1 202 555 0143", "role": "victim-phone"}]}),
    )
    .await;
    b.submit("B-cert", report("from-bravo", "GREEN", &[], "bravo-fed.com")).await;

    // A peer organisation's token reads only through federation, under the export rule.
    let http = reqwest::Client::new();
    let get = |url: String, token: &str, puller: Option<Uuid>| {
        let mut req = http.get(url).bearer_auth(token.to_string());
        if let Some(p) = puller {
            req = req.header(INSTANCE_HEADER, p.to_string());
        }
        req.send()
    };
    let listing = get(format!("{}/api/v1/reports", a.url), &token_for_b, None).await.unwrap();
    assert_eq!(listing.status(), 403);
    let lookup =
        get(format!("{}/api/v1/observables/domain/red-fed.com", a.url), &token_for_b, None).await.unwrap();
    assert_eq!(lookup.status(), 403);
    for hidden in [red, strict] {
        let r = get(format!("{}/api/v1/reports/{hidden}", a.url), &token_for_b, Some(b_id)).await.unwrap();
        assert_eq!(r.status(), 404, "{hidden}");
    }
    let served: Value = get(format!("{}/api/v1/reports/{clear}", a.url), &token_for_b, Some(b_id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served["title"], "clear");
    assert_eq!(served["audience"], json!({"organizations": [], "communities": []}));
    let instance: Value =
        get(format!("{}/api/v1/instance", a.url), &token_for_b, None).await.unwrap().json().await.unwrap();
    assert_eq!(instance, json!({"id": a_id, "name": "alpha"}));

    // Mutual peering: B pulls A (imports authored by B-cert), A pulls B (by A-bank).
    b.pull_from(&a, &token_for_b, "B-cert").await;
    a.pull_from(&b, &token_for_a, "A-bank").await;
    a.start_pullers();
    b.start_pullers();

    let expected_on_b = vec!["amber-to-bravo".to_string(), "clear".into(), "green".into(), "scam".into()];
    eventually("B imports CLEAR, GREEN, AMBER to it and the scam report", || async {
        titles(&b.federated().await) == expected_on_b
    })
    .await;
    eventually("A imports B's GREEN report", || async { titles(&a.federated().await) == vec!["from-bravo"] })
        .await;

    // Several rounds later nothing more crossed: no loops, no copies of copies.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(a.reports().await.len(), 9);
        assert_eq!(b.reports().await.len(), 5);
    }
    assert!(a.federated().await.iter().all(|r| r.provenance.as_ref().unwrap().origin_instance == b_id));
    assert!(b.federated().await.iter().all(|r| r.provenance.as_ref().unwrap().origin_instance == a_id));

    // Provenance, as B's members read it over the API.
    let b_cert = b.token("B-cert", Role::Reader).await;
    let b_bank = b.token("B-bank", Role::Reader).await;
    let copies = b.federated().await;
    let copy_of = |title: &str| copies.iter().find(|r| r.title == title).unwrap().clone();
    let green_copy = copy_of("green");
    let view: Value = get(format!("{}/api/v1/reports/{}", b.url, green_copy.id), &b_cert, None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["author"], "B-cert");
    let p = &view["provenance"];
    assert_eq!(p["origin_instance"], json!(a_id));
    assert_eq!(p["origin_name"], "alpha");
    assert_eq!(p["original_author"], "A-police");
    assert_eq!(p["original_report_id"], json!(green));
    assert_eq!(p["peer_name"], "alpha");
    assert_eq!(p["peer_url"], json!(a.url));
    assert_eq!(p["chain"], json!([a_id]));
    assert_eq!(view["tlp"], "GREEN");
    assert_eq!(view["observables"][0]["value"], "green-fed.com");

    // AMBER arrives for the receiving organisation only.
    let amber = copy_of("amber-to-bravo");
    assert_eq!(amber.tlp, model::Tlp::Amber);
    assert_eq!(
        get(format!("{}/api/v1/reports/{}", b.url, amber.id), &b_cert, None).await.unwrap().status(),
        200
    );
    assert_eq!(
        get(format!("{}/api/v1/reports/{}", b.url, amber.id), &b_bank, None).await.unwrap().status(),
        404
    );

    // No victim data crossed: not in the narrative, not as an observable.
    let scam = copy_of("scam");
    assert!(!scam.narrative.contains("Margaret"), "{}", scam.narrative);
    assert!(scam.narrative.contains("[redacted]"));
    assert!(scam.observables.iter().all(|o| o.value != "+12025550143"), "{:?}", scam.observables);
    assert!(scam.observables.iter().any(|o| o.value == "+18888391214"));
    assert!(b.store.get_victim_pii(&[scam.id]).await.unwrap().is_empty());

    // The copy on A of B's report is never served back to B (its chain holds B)...
    let back = a.federated().await.pop().unwrap();
    assert_eq!(back.provenance.as_ref().unwrap().chain, vec![b_id]);
    let r = get(format!("{}/api/v1/reports/{}", a.url, back.id), &token_for_b, Some(b_id)).await.unwrap();
    assert_eq!(r.status(), 404);

    // A revocation upstream revokes the copy.
    a.engine.revoke_report(&a.as_org("A-police"), green).await.unwrap();
    eventually("B revokes its copy of the revoked report", || async {
        b.store.get_reports(&[green_copy.id]).await.unwrap()[0].revoked_at.is_some()
    })
    .await;

    // Resume: B's pullers stop; A writes more; B's pullers start again from their cursor.
    b.stop_pullers().await;
    let cursor = b.engine.list_peers().await.unwrap()[0].cursor.clone();
    assert!(cursor.is_some(), "the cursor is stored");
    a.submit("A-police", report("while-away-1", "CLEAR", &[], "away1-fed.com")).await;
    a.submit("A-police", report("while-away-2", "GREEN", &[], "away2-fed.com")).await;
    b.start_pullers();
    eventually("B imports what A wrote while it was away", || async { b.federated().await.len() == 6 }).await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let copies = b.federated().await;
        assert_eq!(copies.len(), 6);
        let mut origins: Vec<Uuid> =
            copies.iter().map(|r| r.provenance.as_ref().unwrap().original_report_id).collect();
        origins.sort();
        origins.dedup();
        assert_eq!(origins.len(), 6, "nothing imported twice");
    }
    let peers = b.engine.list_peers().await.unwrap();
    assert_eq!(peers[0].imported, 6);
    assert_eq!(peers[0].remote_name.as_deref(), Some("alpha"));
    assert_eq!(peers[0].last_error, None);

    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taxii_collection_is_pulled_under_the_export_rule() {
    let b = Node::start("bravo").await;
    let mut c = Node::start("charlie").await;
    b.org("B-cert", false).await;
    b.org("charlie", true).await;
    let community =
        b.engine.create_community(None, "fed", &["B-cert".into(), "charlie".into()]).await.unwrap();
    c.org("C-cert", false).await;
    let token_for_c = b.token("charlie", Role::Reader).await;

    // B-cert shares STIX through the community's collection: a CLEAR report, an AMBER one
    // (the community, not charlie by name) and a GREEN indicator.
    let marking = |tlp: model::Tlp| json!([tlp.stix_marking_id()]);
    let bundle = json!({"objects": [
        {"type": "identity", "spec_version": "2.1", "id": "identity--8d6f1f0d-1f43-4b8e-a6f1-0c1a6b0e9f11",
         "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z", "name": "B-cert analysts",
         "identity_class": "organization", "object_marking_refs": marking(model::Tlp::Green)},
        {"type": "report", "spec_version": "2.1", "id": "report--3f5a1f8e-0c36-4d0f-9c6c-7c9c3c1a2b01",
         "created": "2025-01-02T00:00:00.000Z", "modified": "2025-01-02T00:00:00.000Z", "name": "clear stix report",
         "published": "2025-01-02T00:00:00.000Z", "report_types": ["threat-report"],
         "created_by_ref": "identity--8d6f1f0d-1f43-4b8e-a6f1-0c1a6b0e9f11",
         "object_refs": ["domain-name--1bd0a1c6-5a8f-5b1e-9a3e-2f5d0b3c4d01"],
         "object_marking_refs": marking(model::Tlp::Clear)},
        {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--1bd0a1c6-5a8f-5b1e-9a3e-2f5d0b3c4d01",
         "value": "taxii-clear-fed.com", "object_marking_refs": marking(model::Tlp::Clear)},
        {"type": "report", "spec_version": "2.1", "id": "report--3f5a1f8e-0c36-4d0f-9c6c-7c9c3c1a2b02",
         "created": "2025-01-02T00:00:00.000Z", "modified": "2025-01-02T00:00:00.000Z", "name": "amber stix report",
         "published": "2025-01-02T00:00:00.000Z", "report_types": ["threat-report"],
         "object_refs": ["domain-name--1bd0a1c6-5a8f-5b1e-9a3e-2f5d0b3c4d02"],
         "object_marking_refs": marking(model::Tlp::Amber)},
        {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--1bd0a1c6-5a8f-5b1e-9a3e-2f5d0b3c4d02",
         "value": "taxii-amber-fed.com", "object_marking_refs": marking(model::Tlp::Amber)},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--6b7f3a2e-4c1d-4e0a-8f2b-9d3c1e0a7b03",
         "created": "2025-01-03T00:00:00.000Z", "modified": "2025-01-03T00:00:00.000Z", "name": "green indicator",
         "pattern": "[url:value = 'http://taxii-green-fed.com/login']", "pattern_type": "stix",
         "valid_from": "2025-01-03T00:00:00Z", "object_marking_refs": marking(model::Tlp::Green)},
    ]});
    let raw: Vec<Box<serde_json::value::RawValue>> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| serde_json::value::to_raw_value(o).unwrap())
        .collect();
    let refs: Vec<&serde_json::value::RawValue> = raw.iter().map(|r| r.as_ref()).collect();
    let added = b.engine.taxii_add_objects(&b.as_org("B-cert"), "api", community.id, &refs).await.unwrap();
    assert_eq!(added.status.failure_count, 0, "{:?}", added.status.failures);

    // A peer organisation's token writes nothing over TAXII.
    let http = reqwest::Client::new();
    let collections: Value = http
        .get(format!("{}/taxii2/api/collections/", b.url))
        .bearer_auth(&token_for_c)
        .header("accept", "application/taxii+json;version=2.1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        collections["collections"].as_array().unwrap().iter().all(|c| c["can_write"] == false),
        "{collections}"
    );

    // C pulls the collection.
    let api_root = format!("{}/taxii2/api", b.url);
    let collection = community.id.to_string();
    let probe = server::federation::probe(
        &api_root,
        PeerKind::Taxii,
        &token_for_c,
        Some(&collection),
        true,
        &[],
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(probe.title.as_deref(), Some("fed"));
    c.engine
        .add_peer(PeerInput {
            url: api_root.clone(),
            kind: PeerKind::Taxii,
            token: token_for_c.clone(),
            collection: Some(collection.clone()),
            receiving_org: "C-cert".into(),
            allow_private: true,
            remote: None,
        })
        .await
        .unwrap();
    c.start_pullers();
    eventually("C imports the CLEAR report and the GREEN indicator", || async {
        titles(&c.federated().await) == vec!["clear stix report", "green indicator"]
    })
    .await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(titles(&c.federated().await), vec!["clear stix report", "green indicator"]);
    }
    let copies = c.federated().await;
    let report = copies.iter().find(|r| r.title == "clear stix report").unwrap();
    let p = report.provenance.as_ref().unwrap();
    assert_eq!(p.original_author, "B-cert analysts");
    assert_eq!(p.original_report_id, Uuid::parse_str("3f5a1f8e-0c36-4d0f-9c6c-7c9c3c1a2b01").unwrap());
    assert_eq!(report.tlp, model::Tlp::Clear);
    assert!(report.observables.iter().any(|o| o.value == "taxii-clear-fed.com"));
    let indicator = copies.iter().find(|r| r.title == "green indicator").unwrap();
    assert_eq!(indicator.tlp, model::Tlp::Green);
    assert!(indicator.observables.iter().any(|o| o.value == "http://taxii-green-fed.com/login"));
    assert!(c.engine.list_peers().await.unwrap()[0].cursor.is_some());
    c.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_on_private_addresses_are_refused_unless_allowed() {
    let a = Node::start("alpha").await;
    let mut c = Node::start("charlie").await;
    a.org("charlie", true).await;
    c.org("C-cert", false).await;
    let token = a.token("charlie", Role::Reader).await;

    // Checking the peer: refused before anything is sent.
    let refused = server::federation::probe(
        &a.url,
        PeerKind::Dragnet,
        &token,
        None,
        false,
        &[],
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(refused, Err(FederationError::Refused { .. })), "{refused:?}");
    let message = refused.unwrap_err().to_string();
    assert!(message.contains("loopback") && message.contains("--allow-private"), "{message}");

    // A peer stored without the allow is never pulled: its puller records the refusal.
    c.engine
        .add_peer(PeerInput {
            url: a.url.clone(),
            kind: PeerKind::Dragnet,
            token: token.clone(),
            collection: None,
            receiving_org: "C-cert".into(),
            allow_private: false,
            remote: None,
        })
        .await
        .unwrap();
    a.org("A-police", false).await;
    a.submit("A-police", report("clear", "CLEAR", &[], "clear-fed.com")).await;
    c.start_pullers();
    eventually("the puller records the refusal", || async {
        c.engine.list_peers().await.unwrap()[0].last_error.as_deref().is_some_and(|e| e.contains("refused"))
    })
    .await;
    assert!(c.federated().await.is_empty());
    c.shutdown().await;
    a.shutdown().await;
}

/// A certificate authority and, signed by it, a certificate for 127.0.0.1.
fn private_ca() -> (server::tls::Tls, String) {
    let dir = tempfile::tempdir().unwrap();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "partner agencies test ca");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    (server::tls::Tls::from_pem_files(&cert, &key).unwrap(), ca_cert.pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_are_pulled_over_https_with_the_operators_certificate_authority() {
    let (tls, ca_pem) = private_ca();
    let a = Node::start_with("alpha", Some(tls)).await;
    assert!(a.url.starts_with("https://127.0.0.1:"), "{}", a.url);
    let mut b = Node::start("bravo").await;
    a.org("A-police", false).await;
    a.org("bravo", true).await;
    b.org("B-cert", false).await;
    let token = a.token("bravo", Role::Reader).await;

    // Without the operator's certificate authority, the peer's certificate is not trusted.
    let untrusted =
        server::federation::probe(&a.url, PeerKind::Dragnet, &token, None, true, &[], Duration::from_secs(5))
            .await;
    let message = untrusted.unwrap_err().to_string();
    assert!(message.to_lowercase().contains("certificate"), "{message}");

    // With it (`--federation-ca FILE`), the peer is checked and pulled over TLS.
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    b.roots = server::federation::read_roots(&ca_file).unwrap();
    assert_eq!(b.roots.len(), 1);
    a.submit("A-police", report("green over tls", "GREEN", &[], "tls-fed.com")).await;
    b.pull_from(&a, &token, "B-cert").await;
    b.start_pullers();
    eventually("the report crosses over https", || async {
        titles(&b.federated().await) == ["green over tls"]
    })
    .await;

    // A file without a certificate is refused with its name.
    std::fs::write(&ca_file, "no pem here").unwrap();
    let error = server::federation::read_roots(&ca_file).unwrap_err();
    assert!(error.contains("ca.pem"), "{error}");
    b.shutdown().await;
    a.shutdown().await;
}
