//! `GET /api/v1/stream`: filtered delivery, visibility (an outsider's stream equals its stream
//! on an instance where the hidden reports never existed), resume without loss or duplicates,
//! and a slow client dropped with `stream_lagged`.

use std::collections::VecDeque;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, BodyDataStream};
use axum::http::{Request, StatusCode, header};
use futures::StreamExt;
use model::Role;
use serde_json::{Value, json};
use server::{AppState, ServerOptions, app};
use tower::ServiceExt;

use crate::harness::{AUTHOR, COMMUNITY, Env, MEMBER, NAMED, OUTSIDER};

/// How long a test waits for a frame before failing (never reached when things work).
const WAIT: Duration = Duration::from_secs(20);

/// One Server-Sent Events frame.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) id: Option<String>,
    pub(crate) event: String,
    pub(crate) data: Value,
}

/// A stream read in-process, frame by frame. Not reading it is what a slow client does.
pub(crate) struct Sse {
    body: BodyDataStream,
    pending: Vec<u8>,
    frames: VecDeque<Frame>,
    /// Everything received, to search for what must never be there.
    pub(crate) raw: String,
}

impl Sse {
    pub(crate) async fn open(app: &Router, token: &str, query: &str, last_id: Option<&str>) -> Sse {
        let mut req = Request::get(format!("/api/v1/stream{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(id) = last_id {
            req = req.header("last-event-id", id);
        }
        let resp = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "text/event-stream");
        Sse {
            body: resp.into_body().into_data_stream(),
            pending: Vec::new(),
            frames: VecDeque::new(),
            raw: String::new(),
        }
    }

    /// The next frame, `None` at the end of the stream.
    async fn next(&mut self) -> Option<Frame> {
        loop {
            if let Some(f) = self.frames.pop_front() {
                return Some(f);
            }
            let chunk = tokio::time::timeout(WAIT, self.body.next()).await.expect("a frame in time")?;
            let chunk = chunk.expect("body");
            self.raw.push_str(&String::from_utf8_lossy(&chunk));
            self.pending.extend_from_slice(&chunk);
            while let Some(end) = find(&self.pending, b"\n\n") {
                let block: Vec<u8> = self.pending.drain(..end + 2).collect();
                let text = String::from_utf8(block).unwrap();
                let (mut id, mut event, mut data) = (None, None, String::new());
                for line in text.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if let Some(event) = event {
                    let data = serde_json::from_str(&data).unwrap_or_else(|e| panic!("{e}: {data}"));
                    self.frames.push_back(Frame { id, event, data });
                }
            }
        }
    }

    /// Frames until (and with) the first one `stop` accepts.
    pub(crate) async fn until(&mut self, stop: impl Fn(&Frame) -> bool) -> Vec<Frame> {
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.next()).await;
            let f = next
                .unwrap_or_else(|_| panic!("no end frame in time; got {out:?}"))
                .expect("the stream goes on");
            let done = stop(&f);
            out.push(f);
            if done {
                return out;
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn title(f: &Frame) -> &str {
    f.data["data"]["title"].as_str().unwrap_or_default()
}

fn report(title: &str, tlp: &str, labels: &[&str], observables: Value) -> Value {
    json!({"kind": "intel", "title": title, "tlp": tlp, "labels": labels,
           "audience": {"organizations": [NAMED], "communities": [COMMUNITY]},
           "observables": observables})
}

/// A CLEAR report everybody sees, written last: once a stream delivers it, it has delivered
/// everything before it (events stream in `seq` order).
async fn sentinel(env: &Env, title: &str) {
    env.submit(
        AUTHOR,
        &report(title, "CLEAR", &["end"], json!([{"kind": "domain", "value": "sentinel-test.net"}])),
    )
    .await;
}

#[tokio::test]
async fn filters_select_by_type_kind_and_label() {
    let env = Env::new().await;
    let phone = json!([{"kind": "phone", "value": "+1 888 839 1214"}]);
    let iban = json!([{"kind": "iban", "value": "GB82 WEST 1234 5698 7654 32"}]);
    env.submit(AUTHOR, &report("phone, mule", "GREEN", &["mule"], phone.clone())).await;
    env.submit(AUTHOR, &report("iban, mule", "GREEN", &["mule", "bank"], iban.clone())).await;
    env.submit(AUTHOR, &report("iban, other", "GREEN", &["other"], iban.clone())).await;
    let revoked = env.submit(AUTHOR, &report("phone, to revoke", "GREEN", &["mule"], phone.clone())).await;
    env.post(&format!("/api/v1/reports/{revoked}/revoke"), env.analyst(AUTHOR), &json!({}))
        .await
        .expect(StatusCode::OK);
    let both = json!([{"kind": "iban", "value": "GB82 WEST 1234 5698 7654 32"}, {"kind": "phone", "value": "+1 888 839 1214"}]);
    env.submit(AUTHOR, &report("sentinel", "CLEAR", &["mule", "end"], both)).await;
    let token = env.analyst(NAMED);
    let read = async |query: &str| -> Vec<(String, String)> {
        let mut s = Sse::open(&env.app, token, query, None).await;
        s.until(|f| title(f) == "sentinel")
            .await
            .iter()
            .map(|f| {
                assert_eq!(f.data["type"], f.event.as_str());
                assert_eq!(f.data["id"].as_str(), f.id.as_deref());
                let what = match f.event.as_str() {
                    "report.revoked" => "revoked".to_string(),
                    "campaign.changed" => format!("campaign of {}", f.data["data"]["reports"]),
                    _ => title(f).to_string(),
                };
                (f.event.clone(), what)
            })
            .collect()
    };
    let created = |t: &str| ("report.created".to_string(), t.to_string());
    assert_eq!(
        read("?after=0&type=report.created&kind=iban").await,
        vec![created("iban, mule"), created("iban, other"), created("sentinel")]
    );
    assert_eq!(
        read("?after=0&type=report.created&label=mule").await,
        vec![created("phone, mule"), created("iban, mule"), created("phone, to revoke"), created("sentinel")]
    );
    // Several parameters: all of them; several values of one: any of them.
    assert_eq!(
        read("?after=0&type=report.created&type=report.revoked&kind=phone&label=mule&label=end").await,
        vec![
            created("phone, mule"),
            created("phone, to revoke"),
            ("report.revoked".into(), "revoked".into()),
            created("sentinel")
        ]
    );
    // Unfiltered, the campaigns show too: the second iban report joined the first's campaign,
    // named as the reader sees it when it is delivered (the sentinel since linked the phone
    // reports to it, and the revoked report's event is not delivered: it is in no campaign).
    let all = read("?after=0").await;
    let campaigns: Vec<&(String, String)> = all.iter().filter(|(t, _)| t == "campaign.changed").collect();
    assert_eq!(campaigns, [&("campaign.changed".to_string(), "campaign of 4".to_string())], "{all:?}");
    // Bad filters and positions are refused before anything streams.
    for (query, field) in
        [("?type=report", "type"), ("?kind=colour", "kind"), ("?after=abc", "last-event-id")]
    {
        let r = env.get(&format!("/api/v1/stream{query}"), token).await;
        let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
        assert!(r.message().starts_with(field), "{query}: {}", r.message());
    }
    env.call(axum::http::Method::GET, "/api/v1/stream", None, None)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let intake = env.engine.create_token(None, AUTHOR, Role::Intake, "form", None).await.unwrap().token;
    env.get("/api/v1/stream", &intake).await.expect_error(StatusCode::FORBIDDEN, "forbidden");
}

/// Every TLP × viewer: the stream carries a report's events exactly to those who may see it.
#[tokio::test]
async fn every_tlp_reaches_exactly_its_readers() {
    let env = Env::new().await;
    let tlps = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];
    for tlp in tlps {
        let obs = json!([{"kind": "email", "value": format!("{}@scam-mail.net", tlp.replace('+', "."))}]);
        env.submit(AUTHOR, &report(&format!("tlp {tlp}"), tlp, &[], obs)).await;
    }
    sentinel(&env, "sentinel").await;
    // (viewer, the TLPs it sees): the audience names NAMED and the community of MEMBER.
    let expected = [
        (AUTHOR, vec!["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]),
        (NAMED, vec!["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]),
        (MEMBER, vec!["CLEAR", "GREEN", "AMBER"]),
        (OUTSIDER, vec!["CLEAR", "GREEN"]),
    ];
    for (viewer, sees) in expected {
        for role in Role::ALL {
            let mut s =
                Sse::open(&env.app, env.token(viewer, role), "?after=0&type=report.created", None).await;
            let got: Vec<String> =
                s.until(|f| title(f) == "sentinel").await.iter().map(|f| title(f).to_string()).collect();
            let mut want: Vec<String> = sees.iter().map(|t| format!("tlp {t}")).collect();
            want.push("sentinel".into());
            assert_eq!(got, want, "{viewer} {role}");
        }
    }
}

/// Removes what differs between two instances by construction (ids, campaign ids, times).
fn normalise(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "id" | "at" | "created_at" | "report_id" | "revoked_at" | "campaign"
                    )
                })
                .map(|(k, v)| (k.clone(), normalise(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// The outsider's stream on an instance with hidden activity equals its stream on one where
/// that activity never existed: same frames, same count of ids, nothing of the hidden reports.
#[tokio::test]
async fn hidden_events_leave_no_trace_in_an_outsiders_stream() {
    let with_hidden = Env::new().await;
    let baseline = Env::new().await;
    let secret = "+44 20 7946 0018";
    let shared = "+1 888 839 1214";
    for env in [&with_hidden, &baseline] {
        let hidden = std::ptr::eq(env, &with_hidden);
        env.submit(AUTHOR, &report("visible one", "GREEN", &["x"], json!([{"value": shared}]))).await;
        if hidden {
            for tlp in ["AMBER", "AMBER+STRICT", "RED"] {
                // Linked to the visible report through the shared phone, and alerting its owner.
                let obs = json!([{"value": shared}, {"value": secret}]);
                let id = env.submit(AUTHOR, &report(&format!("hidden {tlp}"), tlp, &["x"], obs)).await;
                if tlp == "RED" {
                    env.post(&format!("/api/v1/reports/{id}/revoke"), env.analyst(AUTHOR), &json!({})).await;
                }
            }
            env.post(
                "/api/v1/alerts/rules",
                env.analyst(NAMED),
                &json!({"name": "watch", "rule": {"type": "watch", "selectors": [{"value": secret}]}}),
            )
            .await
            .expect(StatusCode::CREATED);
            env.submit(AUTHOR, &report("hidden alerting", "RED", &["x"], json!([{"value": secret}]))).await;
        }
        env.submit(AUTHOR, &report("visible two", "CLEAR", &["x"], json!([{"value": shared}]))).await;
        sentinel(env, "sentinel").await;
    }
    let read = async |env: &Env| {
        let mut s = Sse::open(&env.app, env.analyst(OUTSIDER), "?after=0", None).await;
        let frames = s.until(|f| title(f) == "sentinel").await;
        (frames, s.raw)
    };
    let (got, raw) = read(&with_hidden).await;
    let (base, _) = read(&baseline).await;
    let shape = |frames: &[Frame]| -> Vec<(String, bool, Value)> {
        frames.iter().map(|f| (f.event.clone(), f.id.is_some(), normalise(&f.data))).collect()
    };
    assert_eq!(shape(&got), shape(&base));
    assert!(got.iter().any(|f| f.event == "campaign.changed"), "the visible reports link: {got:?}");
    for needle in ["hidden", "7946", "alert", "AMBER", "RED"] {
        assert!(!raw.contains(needle), "{needle:?} in the outsider's stream:\n{raw}");
    }
    // Neither the ids of the hidden events nor those of the hidden reports appear.
    let engine = &with_hidden.engine;
    let everything = engine::StreamRequest { after: Some("0".into()), ..Default::default() };
    let ids_of = async |org: &str| -> std::collections::HashSet<String> {
        let viewer = engine.local_principal(org).unwrap().viewer;
        engine.events_page(&viewer, &everything, 10_000).await.unwrap().into_iter().map(|e| e.id).collect()
    };
    let outsider_ids = ids_of(OUTSIDER).await;
    let hidden: Vec<String> = ids_of(AUTHOR)
        .await
        .union(&ids_of(NAMED).await)
        .filter(|i| !outsider_ids.contains(*i))
        .cloned()
        .collect();
    assert!(hidden.len() >= 6, "{hidden:?}");
    let reports =
        with_hidden.get("/api/v1/reports?include_revoked=true", with_hidden.analyst(AUTHOR)).await.json();
    let hidden_reports: Vec<&str> = reports["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["title"].as_str().unwrap().starts_with("hidden"))
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(hidden_reports.len(), 4);
    for id in hidden.iter().map(String::as_str).chain(hidden_reports) {
        assert!(!raw.contains(id), "{id} in the outsider's stream");
    }
    // The named organisation sees the alert raised for it, and the revocation.
    let mut named = Sse::open(&with_hidden.app, with_hidden.analyst(NAMED), "?after=0", None).await;
    let frames = named.until(|f| title(f) == "sentinel").await;
    let types: Vec<&str> = frames.iter().map(|f| f.event.as_str()).collect();
    assert!(types.contains(&"alert.raised") && types.contains(&"report.revoked"), "{types:?}");
}

/// A client that disconnects and resumes with `Last-Event-ID` gets every event once: those
/// written while it was away, then live ones.
#[tokio::test]
async fn resume_after_disconnect_has_no_loss_and_no_duplicates() {
    let env = Env::new().await;
    let token = env.analyst(MEMBER);
    let numbered = |i: usize| {
        report(&format!("r{i}"), "AMBER", &[], json!([{"kind": "md5", "value": format!("{i:032x}")}]))
    };
    env.submit(AUTHOR, &numbered(0)).await;
    // Live from now on: r0 is history and not sent.
    let mut s = Sse::open(&env.app, token, "?type=report.created", None).await;
    for i in 1..=3 {
        env.submit(AUTHOR, &numbered(i)).await;
    }
    let first = s.until(|f| title(f) == "r3").await;
    assert_eq!(first.iter().map(title).collect::<Vec<_>>(), ["r1", "r2", "r3"]);
    let last = first.last().unwrap().id.clone().unwrap();
    drop(s);
    // Written while disconnected, some hidden from the member.
    for i in 4..=7 {
        env.submit(AUTHOR, &numbered(i)).await;
        env.submit(AUTHOR, &report(&format!("hidden {i}"), "RED", &[], json!([]))).await;
    }
    let mut s = Sse::open(&env.app, token, "?type=report.created", Some(&last)).await;
    for i in 8..=9 {
        env.submit(AUTHOR, &numbered(i)).await;
    }
    let resumed = s.until(|f| title(f) == "r9").await;
    assert_eq!(resumed.iter().map(title).collect::<Vec<_>>(), ["r4", "r5", "r6", "r7", "r8", "r9"]);
    // Ids are distinct and opaque (32 hex digits); `after=` resumes like the header.
    let ids: std::collections::HashSet<String> =
        first.iter().chain(&resumed).map(|f| f.id.clone().unwrap()).collect();
    assert_eq!(ids.len(), 9);
    assert!(ids.iter().all(|i| i.len() == 32 && i.bytes().all(|b| b.is_ascii_hexdigit())));
    let mid = resumed[1].id.clone().unwrap();
    let mut again = Sse::open(&env.app, token, &format!("?type=report.created&after={mid}"), None).await;
    let tail = again.until(|f| title(f) == "r9").await;
    assert_eq!(tail.iter().map(title).collect::<Vec<_>>(), ["r6", "r7", "r8", "r9"]);
}

/// A client that stops reading is sent a final `stream_lagged` error once it is `buffer`
/// events behind, and disconnected: the server queues no more than that for it. It resumes
/// from the error's `last_event_id` without loss.
#[tokio::test]
async fn a_slow_client_is_dropped_with_stream_lagged_and_resumes() {
    let env = Env::new().await;
    let buffer = 4;
    let options = ServerOptions { stream_buffer: buffer, ..ServerOptions::default() };
    let small = app(AppState::with_options(env.engine.clone(), options));
    let token = env.analyst(OUTSIDER);
    let mut slow = Sse::open(&small, token, "?type=report.created", None).await;
    let total = 20;
    for i in 0..total {
        env.submit(
            AUTHOR,
            &report(&format!("r{i}"), "GREEN", &[], json!([{"kind": "md5", "value": format!("{i:032x}")}])),
        )
        .await;
    }
    // Only now does the client read: what was queued for it, then the error, then the end.
    let mut delivered = Vec::new();
    let error = loop {
        let f = slow.next().await.expect("an error before the end");
        if f.event == "error" {
            break f;
        }
        delivered.push(f);
    };
    assert_eq!(delivered.len(), buffer, "the server queued exactly the buffer: {delivered:?}");
    assert_eq!(error.id, None);
    assert_eq!(error.data["code"], "stream_lagged");
    assert!(error.data["message"].as_str().unwrap().contains("4 events behind"), "{}", error.data);
    let last = delivered.last().unwrap().id.clone().unwrap();
    assert_eq!(error.data["last_event_id"], last.as_str());
    assert!(slow.next().await.is_none(), "disconnected after the error");
    // Resuming from the error's id delivers the rest, once each, in order.
    let mut resumed = Sse::open(&small, token, "?type=report.created", Some(&last)).await;
    let rest = resumed.until(|f| title(f) == format!("r{}", total - 1)).await;
    let titles: Vec<String> = delivered.iter().chain(&rest).map(|f| title(f).to_string()).collect();
    assert_eq!(titles, (0..total).map(|i| format!("r{i}")).collect::<Vec<_>>());
}

/// Heartbeats keep an idle stream open: a comment, never an event.
#[tokio::test]
async fn idle_streams_get_heartbeats() {
    let env = Env::new().await;
    let options = ServerOptions { stream_heartbeat: Duration::from_millis(50), ..ServerOptions::default() };
    let quick = app(AppState::with_options(env.engine.clone(), options));
    let mut s = Sse::open(&quick, env.analyst(AUTHOR), "", None).await;
    let chunk = tokio::time::timeout(WAIT, s.body.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(String::from_utf8_lossy(&chunk), ": heartbeat\n\n");
}

/// Over TCP: a shutdown ends open streams with `unavailable` (and their last event id), so the
/// graceful shutdown completes.
#[tokio::test]
async fn shutdown_ends_open_streams() {
    let env = Env::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server =
        tokio::spawn(server::serve_with_shutdown(listener, AppState::new(env.engine.clone()), async {
            let _ = stopped.await;
        }));
    let mut resp = reqwest::Client::new()
        .get(format!("http://{addr}/api/v1/stream"))
        .bearer_auth(env.analyst(AUTHOR))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    env.submit(AUTHOR, &report("before shutdown", "GREEN", &[], json!([]))).await;
    let mut text = String::new();
    while !text.contains("before shutdown") {
        let chunk = tokio::time::timeout(WAIT, resp.chunk()).await.unwrap().unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let id = text.lines().find_map(|l| l.strip_prefix("id: ")).unwrap().to_string();
    stop.send(()).unwrap();
    while let Some(chunk) = tokio::time::timeout(WAIT, resp.chunk()).await.unwrap().unwrap() {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let last = text.trim_end().lines().last().unwrap();
    let error: Value = serde_json::from_str(last.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(error["code"], "unavailable");
    assert_eq!(error["last_event_id"], id.as_str());
    tokio::time::timeout(WAIT, server).await.expect("the server stops").unwrap().unwrap();
}
