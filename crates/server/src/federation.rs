//! Pulling from peers: one task per peer, continuous, resumable, with backoff.
//!
//! - A **dragnet peer** is followed through its event stream (`GET /api/v1/stream`, report
//!   events only), resuming after the last event id received (the peer's cursor, stored after
//!   every event). Each `report.created` / `report.updated` names a report: it is fetched
//!   (`GET /api/v1/reports/{id}`) and imported through the engine
//!   ([`engine::Engine::import_from_peer`]); a `report.revoked` revokes the copy. Every request
//!   names this instance (`X-Dragnet-Instance`) so that the peer leaves out what came from here.
//! - A **TAXII peer** (any TAXII 2.1 server's collection) is polled every
//!   [`FederationOptions::taxii_interval`], `added_after` the last `X-TAXII-Date-Added-Last`
//!   received, page by page (`next`).
//!
//! Before connecting, the peer's host is resolved and every address checked
//! ([`model::federation::address_class`]): loopback, private, link-local and the like are
//! refused unless the operator allowed them (per peer, or for every peer). The client then
//! connects to the vetted addresses only (no second resolution, no redirects, no proxy).
//!
//! [`Pullers`] runs the tasks: it reads the peers from the store now and then, starts a task
//! for each new peer and stops the tasks of removed ones.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use engine::{Engine, EventView, Imported, ServedReport};
use model::event::EventPayload;
use model::federation::{INSTANCE_HEADER, Instance, PeerKind, address_class};
use serde::Deserialize;
use serde_json::Value;
use store::{PeerRecord, PeerState};
use tokio::sync::watch;
use uuid::Uuid;

/// How pulling runs.
#[derive(Clone, Debug)]
pub struct FederationOptions {
    /// Allow every peer's URL to resolve to private, loopback or link-local addresses (the
    /// operator's `--federation-allow-private`); otherwise only peers added with
    /// `--allow-private` may.
    pub allow_private: bool,
    /// How often a TAXII peer is polled.
    pub taxii_interval: Duration,
    /// How often the list of peers is read again (new peers start, removed ones stop).
    pub reconcile: Duration,
    /// The longest wait between two attempts after errors (the wait doubles from 1 s).
    pub backoff_max: Duration,
    /// A stream without a byte (events or heartbeats) for this long is reconnected.
    pub idle_timeout: Duration,
    /// Timeout of a single request other than the stream.
    pub request_timeout: Duration,
    /// Certificate authorities trusted for `https://` peers besides the system's (a private
    /// CA between partner agencies: `--federation-ca FILE`).
    pub extra_roots: Vec<reqwest::Certificate>,
}

impl Default for FederationOptions {
    fn default() -> Self {
        FederationOptions {
            allow_private: false,
            taxii_interval: Duration::from_secs(60),
            reconcile: Duration::from_secs(5),
            backoff_max: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(90),
            request_timeout: Duration::from_secs(30),
            extra_roots: Vec::new(),
        }
    }
}

/// Why talking to a peer failed.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// The peer's URL resolves to an address the operator did not allow.
    #[error(
        "peer url {url} resolves to {ip}, a {class} address: refused (allow it with --allow-private on peer add, or serve with --federation-allow-private)"
    )]
    Refused { url: String, ip: IpAddr, class: model::federation::AddressClass },
    #[error("peer url {url}: {message}")]
    Url { url: String, message: String },
    #[error("cannot reach {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("{url} answered {status}: {message}")]
    Status { url: String, status: u16, message: String },
    #[error("{url}: {message}")]
    Protocol { url: String, message: String },
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
}

/// Resolves the host of `url` and checks every address it has (see the module docs). Returns
/// the host and the addresses to connect to.
pub async fn vet(url: &str, allow_private: bool) -> Result<(String, Vec<SocketAddr>), FederationError> {
    let bad = |message: String| FederationError::Url { url: url.to_string(), message };
    let parsed = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
    let host = parsed.host().ok_or_else(|| bad("no host".into()))?;
    let port = parsed.port_or_known_default().ok_or_else(|| bad("no port".into()))?;
    let (name, addrs): (String, Vec<SocketAddr>) = match host {
        url::Host::Ipv4(ip) => (ip.to_string(), vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        url::Host::Ipv6(ip) => (ip.to_string(), vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        url::Host::Domain(d) => {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((d, port))
                .await
                .map_err(|e| FederationError::Unreachable {
                    url: url.to_string(),
                    message: format!("cannot resolve {d}: {e}"),
                })?
                .collect();
            (d.to_string(), addrs)
        }
    };
    if addrs.is_empty() {
        return Err(bad(format!("{name} resolves to no address")));
    }
    if !allow_private {
        for a in &addrs {
            if let Some(class) = address_class(a.ip()) {
                return Err(FederationError::Refused { url: url.to_string(), ip: a.ip(), class });
            }
        }
    }
    Ok((name, addrs))
}

/// Reads the PEM certificates of `path` (one or more), to trust as certificate authorities of
/// `https://` peers.
pub fn read_roots(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let roots = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("{}: not PEM certificates: {e}", path.display()))?;
    if roots.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(roots)
}

/// A client that connects to the vetted addresses of one peer only; `https://` peers are
/// checked against the system's certificate authorities and `roots`.
async fn client(
    url: &str,
    allow_private: bool,
    roots: &[reqwest::Certificate],
) -> Result<reqwest::Client, FederationError> {
    let (host, addrs) = vet(url, allow_private).await?;
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .https_only(url.starts_with("https:"))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("dragnet/", env!("CARGO_PKG_VERSION"), " federation"));
    // A domain is pinned to the addresses just checked: no second look-up between the check
    // and the connection (DNS rebinding).
    if host.parse::<IpAddr>().is_err() {
        b = b.resolve_to_addrs(&host, &addrs);
    }
    for root in roots {
        b = b.add_root_certificate(root.clone());
    }
    b.build().map_err(|e| FederationError::Unreachable { url: url.to_string(), message: e.to_string() })
}

fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

/// A request with the peer's credentials: a bearer token, or HTTP Basic for `USER:PASSWORD`
/// (TAXII servers that speak Basic only).
fn authorized(req: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
    match token.split_once(':') {
        Some((user, password)) if !token.starts_with("dn_") => req.basic_auth(user, Some(password)),
        _ => req.bearer_auth(token),
    }
}

async fn send(url: &str, req: reqwest::RequestBuilder) -> Result<reqwest::Response, FederationError> {
    let resp = req
        .send()
        .await
        .map_err(|e| FederationError::Unreachable { url: url.to_string(), message: error_chain(&e) })?;
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    Err(FederationError::Status { url: url.to_string(), status, message: error_message(&body) })
}

/// The message of an error body (dragnet's `{"error": {"message"}}`, TAXII's `description`),
/// else its start.
fn error_message(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let m =
        v["error"]["message"].as_str().or_else(|| v["description"].as_str()).or_else(|| v["title"].as_str());
    match m {
        Some(m) => m.to_string(),
        None => body.chars().take(200).collect(),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

async fn json<T: serde::de::DeserializeOwned>(
    url: &str,
    resp: reqwest::Response,
) -> Result<T, FederationError> {
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| FederationError::Unreachable { url: url.to_string(), message: error_chain(&e) })?;
    serde_json::from_slice(&bytes).map_err(|e| FederationError::Protocol {
        url: url.to_string(),
        message: format!("unexpected answer: {e}"),
    })
}

/// What checking a peer found.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The dragnet peer's identity.
    pub remote: Option<Instance>,
    /// The TAXII collection's title.
    pub title: Option<String>,
}

/// Checks a peer before it is added: its addresses, its credentials, and what it is (a
/// dragnet instance's identity; a TAXII collection that may be read).
pub async fn probe(
    url: &str,
    kind: PeerKind,
    token: &str,
    collection: Option<&str>,
    allow_private: bool,
    roots: &[reqwest::Certificate],
    timeout: Duration,
) -> Result<Probe, FederationError> {
    let http = client(url, allow_private, roots).await?;
    match kind {
        PeerKind::Dragnet => {
            let remote = fetch_instance(&http, url, token, None, timeout).await?;
            Ok(Probe { remote: Some(remote), title: None })
        }
        PeerKind::Taxii => {
            let c = collection.unwrap_or("");
            let target = join(url, &format!("collections/{c}/"));
            let req = authorized(http.get(&target), token)
                .header("accept", engine::TAXII_MEDIA_TYPE)
                .timeout(timeout);
            let v: Value = json(&target, send(&target, req).await?).await?;
            if v["can_read"] != Value::Bool(true) {
                return Err(FederationError::Protocol {
                    url: target,
                    message: "the collection may not be read with this token".into(),
                });
            }
            Ok(Probe { remote: None, title: v["title"].as_str().map(str::to_string) })
        }
    }
}

async fn fetch_instance(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    me: Option<Uuid>,
    timeout: Duration,
) -> Result<Instance, FederationError> {
    let url = join(base, "api/v1/instance");
    let mut req = authorized(http.get(&url), token).timeout(timeout);
    if let Some(me) = me {
        req = req.header(INSTANCE_HEADER, me.to_string());
    }
    json(&url, send(&url, req).await?).await
}

/// The pullers of every peer in the store (see the module docs).
#[derive(Debug)]
pub struct Pullers {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Pullers {
    /// Starts pulling every peer of the store, and follows changes of the list.
    pub fn start(engine: Arc<Engine>, options: FederationOptions) -> Pullers {
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(reconcile(engine, options, rx));
        Pullers { stop, task }
    }

    /// Stops every puller and waits for them (their cursors are stored).
    pub async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.task.await;
    }
}

async fn reconcile(engine: Arc<Engine>, options: FederationOptions, mut stop: watch::Receiver<bool>) {
    let mut running: HashMap<Uuid, (watch::Sender<bool>, tokio::task::JoinHandle<()>)> = HashMap::new();
    loop {
        match engine.peer_records().await {
            Ok(peers) => {
                let ids: Vec<Uuid> = peers.iter().map(|p| p.id).collect();
                running.retain(|id, (stop, _)| {
                    let keep = ids.contains(id);
                    if !keep {
                        tracing::info!(peer = %id, "peer removed: stopping its puller");
                        stop.send_replace(true);
                    }
                    keep
                });
                for p in peers {
                    if running.get(&p.id).is_some_and(|(_, t)| !t.is_finished()) {
                        continue;
                    }
                    tracing::info!(peer = %p.url, kind = %p.kind, "starting to pull");
                    let (tx, rx) = watch::channel(false);
                    let task = tokio::spawn(pull(Arc::clone(&engine), p.clone(), options.clone(), rx));
                    running.insert(p.id, (tx, task));
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the peers"),
        }
        tokio::select! {
            () = tokio::time::sleep(options.reconcile) => {}
            _ = stop.wait_for(|s| *s) => break,
        }
    }
    for (_, (stop, task)) in running {
        stop.send_replace(true);
        let _ = task.await;
    }
}

/// One peer's puller: attempts with backoff until stopped or the peer is removed.
async fn pull(
    engine: Arc<Engine>,
    peer: PeerRecord,
    options: FederationOptions,
    mut stop: watch::Receiver<bool>,
) {
    let mut puller = Puller { engine, state: peer.state.clone(), peer, options };
    let mut backoff = Duration::from_secs(1);
    loop {
        let attempt = async {
            match puller.peer.kind {
                PeerKind::Dragnet => puller.follow_stream().await,
                PeerKind::Taxii => puller.poll_taxii().await,
            }
        };
        let outcome = tokio::select! {
            r = attempt => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        let wait = match outcome {
            Ok(Step::Removed) => {
                tracing::info!(peer = %puller.peer.url, "the peer was removed");
                return;
            }
            Ok(Step::Again(wait)) => {
                backoff = Duration::from_secs(1);
                wait
            }
            Err(e) => {
                tracing::warn!(peer = %puller.peer.url, error = %e, retry_in_s = backoff.as_secs(), "pulling failed");
                puller.state.last_error = Some(e.to_string());
                puller.state.last_error_at = Some(Utc::now());
                if let Ok(false) = puller.engine.set_peer_state(puller.peer.id, &puller.state).await {
                    return;
                }
                let wait = backoff;
                backoff = (backoff * 2).min(puller.options.backoff_max);
                wait
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// What a successful attempt leads to.
enum Step {
    /// Go on after this wait.
    Again(Duration),
    /// The peer is no longer in the store.
    Removed,
}

struct Puller {
    engine: Arc<Engine>,
    peer: PeerRecord,
    state: PeerState,
    options: FederationOptions,
}

/// The final `event: error` of a stream.
#[derive(Debug, Deserialize)]
struct StreamEnd {
    code: String,
    message: String,
}

impl Puller {
    fn allow_private(&self) -> bool {
        self.peer.allow_private || self.options.allow_private
    }

    /// Stores the state; false when the peer was removed.
    async fn save(&mut self) -> Result<bool, FederationError> {
        Ok(self.engine.set_peer_state(self.peer.id, &self.state).await?)
    }

    /// Follows a dragnet peer's stream until it ends or fails.
    async fn follow_stream(&mut self) -> Result<Step, FederationError> {
        let base = self.peer.url.clone();
        let http = client(&base, self.allow_private(), &self.options.extra_roots).await?;
        let me = self.engine.instance().id;
        let remote =
            fetch_instance(&http, &base, &self.peer.token, Some(me), self.options.request_timeout).await?;
        if remote.id == me {
            return Err(FederationError::Protocol {
                url: base,
                message: "the peer is this instance itself".into(),
            });
        }
        if self.state.remote_instance.is_some_and(|id| id != remote.id) {
            tracing::warn!(peer = %base, was = ?self.state.remote_instance, now = %remote.id,
                "the peer is another instance than before: following its stream from the start");
            self.state.cursor = None;
        }
        self.state.remote_instance = Some(remote.id);
        self.state.remote_name = Some(remote.name.clone());

        let url = join(&base, "api/v1/stream?type=report.created&type=report.updated&type=report.revoked");
        let mut req = authorized(http.get(&url), &self.peer.token)
            .header("accept", "text/event-stream")
            .header(INSTANCE_HEADER, me.to_string());
        req = match &self.state.cursor {
            Some(id) => req.header("last-event-id", id.as_str()),
            None => req.query(&[("after", "0")]),
        };
        let mut resp = match send(&url, req).await {
            Ok(r) => r,
            Err(FederationError::Status { status: 422, message, .. }) if self.state.cursor.is_some() => {
                // The peer no longer knows the id (its key changed): start again; imports are
                // deduplicated, so nothing is imported twice.
                tracing::warn!(peer = %base, %message, "the peer refused the stored position: following from the start");
                self.state.cursor = None;
                return Ok(Step::Again(Duration::ZERO));
            }
            Err(e) => return Err(e),
        };
        self.state.last_ok_at = Some(Utc::now());
        self.state.last_error = None;
        if !self.save().await? {
            return Ok(Step::Removed);
        }
        tracing::info!(peer = %base, remote = %remote.name, resume = self.state.cursor.is_some(), "following the peer's stream");
        let mut parser = crate::sse::SseParser::default();
        loop {
            let chunk = match tokio::time::timeout(self.options.idle_timeout, resp.chunk()).await {
                Err(_) => {
                    return Err(FederationError::Protocol {
                        url,
                        message: "the stream went silent; reconnecting".into(),
                    });
                }
                Ok(Err(e)) => return Err(FederationError::Unreachable { url, message: error_chain(&e) }),
                Ok(Ok(None)) => return Ok(Step::Again(Duration::from_secs(1))),
                Ok(Ok(Some(c))) => c,
            };
            for frame in parser.push(&chunk) {
                if frame.event.as_deref() == Some("error") {
                    let end: StreamEnd = serde_json::from_str(&frame.data)
                        .unwrap_or(StreamEnd { code: "unknown".into(), message: frame.data.clone() });
                    return Err(FederationError::Protocol {
                        url,
                        message: format!("the stream ended: {} ({})", end.message, end.code),
                    });
                }
                let Ok(view) = serde_json::from_str::<EventView>(&frame.data) else {
                    tracing::debug!(peer = %base, event = ?frame.event, "skipping an event this instance does not read");
                    continue;
                };
                self.handle(&http, &remote, &view).await?;
                self.state.cursor = frame.id.or(Some(view.id));
                if !self.save().await? {
                    return Ok(Step::Removed);
                }
            }
        }
    }

    /// Imports or revokes what one event names.
    async fn handle(
        &mut self,
        http: &reqwest::Client,
        remote: &Instance,
        view: &EventView,
    ) -> Result<(), FederationError> {
        match &view.payload {
            EventPayload::ReportCreated(r) | EventPayload::ReportUpdated(r) => {
                if self.engine.federated_copy(remote.id, r.id).await?.is_some() {
                    return Ok(());
                }
                let url = join(&self.peer.url, &format!("api/v1/reports/{}", r.id));
                let req = authorized(http.get(&url), &self.peer.token)
                    .header(INSTANCE_HEADER, self.engine.instance().id.to_string())
                    .timeout(self.options.request_timeout);
                let served: ServedReport = match send(&url, req).await {
                    Ok(resp) => json(&url, resp).await?,
                    // Revoked since, or no longer for us: nothing to import.
                    Err(FederationError::Status { status: 404, .. }) => return Ok(()),
                    Err(e) => return Err(e),
                };
                match self.engine.import_from_peer(&self.peer, remote, served).await? {
                    Imported::New(id) => {
                        self.state.imported += 1;
                        tracing::info!(peer = %self.peer.url, report = %r.id, local = %id, "imported a report");
                    }
                    Imported::Known(_) => {}
                    Imported::Refused(why) => {
                        tracing::info!(peer = %self.peer.url, report = %r.id, reason = %why, "left a report out");
                    }
                }
            }
            EventPayload::ReportRevoked(r) if self.engine.revoke_from_peer(remote.id, r.id).await? => {
                tracing::info!(peer = %self.peer.url, report = %r.id, "revoked the copy of a report the peer revoked");
            }
            _ => {}
        }
        Ok(())
    }

    /// Polls a TAXII peer's collection once: every object added after the cursor.
    async fn poll_taxii(&mut self) -> Result<Step, FederationError> {
        let base = self.peer.url.clone();
        let http = client(&base, self.allow_private(), &self.options.extra_roots).await?;
        let collection = self.peer.collection.clone().unwrap_or_default();
        let url = join(&base, &format!("collections/{collection}/objects/"));
        let added_after = self.state.cursor.clone();
        let mut next: Option<String> = None;
        let mut last_added: Option<String> = None;
        let mut imported = 0usize;
        loop {
            let mut query: Vec<(&str, String)> = vec![("limit", "500".into())];
            if let Some(a) = &added_after {
                query.push(("added_after", a.clone()));
            }
            if let Some(n) = &next {
                query.push(("next", n.clone()));
            }
            let req = authorized(http.get(&url), &self.peer.token)
                .header("accept", engine::TAXII_MEDIA_TYPE)
                .query(&query)
                .timeout(self.options.request_timeout);
            let resp = send(&url, req).await?;
            if let Some(h) = resp.headers().get("x-taxii-date-added-last").and_then(|v| v.to_str().ok()) {
                last_added = Some(h.to_string());
            }
            let envelope: Value = json(&url, resp).await?;
            let objects: Vec<Value> = envelope["objects"].as_array().cloned().unwrap_or_default();
            if !objects.is_empty() {
                let out = self.engine.import_from_taxii(&self.peer, &objects).await?;
                imported += out.imported.len();
                for why in out.refused.iter().take(20) {
                    tracing::info!(peer = %base, reason = %why, "left an object out");
                }
            }
            let more = envelope["more"] == Value::Bool(true);
            next = envelope["next"].as_str().map(str::to_string);
            if !more || next.is_none() {
                break;
            }
        }
        self.state.imported += imported as u64;
        if let Some(t) = last_added {
            self.state.cursor = Some(t);
        }
        self.state.last_ok_at = Some(Utc::now());
        self.state.last_error = None;
        if imported > 0 {
            tracing::info!(peer = %base, imported, "pulled the collection");
        }
        if !self.save().await? {
            return Ok(Step::Removed);
        }
        Ok(Step::Again(self.options.taxii_interval))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn private_addresses_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:8080",
            "http://10.1.2.3",
            "http://[::1]:9000",
            "http://[::ffff:192.168.0.1]",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1",
            "http://0.0.0.0:80",
            "http://[fe80::1]",
            "http://localhost:8080",
        ] {
            match vet(url, false).await {
                Err(FederationError::Refused { ip, .. }) => assert!(address_class(ip).is_some(), "{url}"),
                other => panic!("{url}: {other:?}"),
            }
        }
        // Allowed by the operator: vetted, nothing is contacted here.
        let (host, addrs) = vet("http://127.0.0.1:8080/", true).await.unwrap();
        assert_eq!(host, "127.0.0.1");
        assert_eq!(addrs, vec!["127.0.0.1:8080".parse().unwrap()]);
        // A public literal passes the check (no connection is made by `vet`).
        assert!(vet("https://93.184.216.34/", false).await.is_ok());
        assert!(matches!(vet("not a url", false).await, Err(FederationError::Url { .. })));
    }
}
