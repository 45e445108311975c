//! Three `dragnet serve` nodes on one PostgreSQL database and one NATS JetStream stream, on
//! loopback. Opt-in: runs when both `DRAGNET_TEST_POSTGRES_URL` and `DRAGNET_TEST_NATS_URL`
//! are set (`.ci/run` sets them); each run uses a database and a stream of its own, dropped at
//! the end.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

/// The servers' URLs to test against, when both are configured.
fn services() -> Option<(String, String)> {
    let pg = std::env::var("DRAGNET_TEST_POSTGRES_URL").ok().filter(|v| !v.is_empty())?;
    let nats = std::env::var("DRAGNET_TEST_NATS_URL").ok().filter(|v| !v.is_empty())?;
    Some((pg, nats))
}

/// A fresh database and stream name; both are dropped with it.
struct Deployment {
    admin_url: String,
    db: String,
    url: String,
    nats: String,
    stream: String,
}

impl Deployment {
    async fn create(pg: &str, nats: &str) -> Deployment {
        use sqlx::Connection;
        let unique = uuid::Uuid::now_v7().simple().to_string();
        let db = format!("dragnet_nodes_{unique}");
        let mut c = sqlx::PgConnection::connect(pg).await.expect("postgres is reachable");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).execute(&mut c).await.unwrap();
        // postgres://USER@HOST:PORT/DB: the same server, the new database.
        let (server, _) = pg.split('?').next().unwrap().rsplit_once('/').expect("a database url");
        Deployment {
            admin_url: pg.to_string(),
            url: format!("{server}/{db}"),
            db,
            nats: nats.to_string(),
            stream: format!("dragnet-nodes-{unique}"),
        }
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let (admin, db, nats, stream) =
            (self.admin_url.clone(), self.db.clone(), self.nats.clone(), self.stream.clone());
        // Its own runtime: the test's may be gone or busy.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
                    )))
                    .execute(&mut c)
                    .await;
                }
                let _ = natsbus::delete_stream(&nats, &stream).await;
            });
        })
        .join();
    }
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// `dragnet` with these arguments, its stdout when it succeeds.
fn dragnet(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .args(args)
        .env_remove("DRAGNET_CONFIG")
        .env_remove("DRAGNET_DATA")
        .env_remove("DRAGNET_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "dragnet {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// One `dragnet serve` node.
struct Node {
    child: Child,
    addr: String,
    name: String,
}

impl Node {
    fn start(d: &Deployment, name: &str, addr: &str) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dragnet"))
            .args(["serve", "--database", &d.url, "--listen", addr])
            .args(["--nats", &d.nats, "--nats-stream", &d.stream, "--node-name", name])
            .env_remove("DRAGNET_CONFIG")
            .env("DRAGNET_LOG", "warn")
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stderr = child.stderr.take().unwrap();
        let (ready, listening) = std::sync::mpsc::channel();
        let who = name.to_string();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("is listening on") {
                    let _ = ready.send(());
                } else if !line.trim().is_empty() {
                    eprintln!("[{who}] {line}");
                }
            }
        });
        listening.recv_timeout(Duration::from_secs(60)).expect("the node listens");
        Node { child, addr: addr.to_string(), name: name.to_string() }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL: no shutdown of any kind.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What one stream client received: `(event type, report id)` per event, in order.
type Received = mpsc::UnboundedReceiver<(String, String)>;

/// Follows `GET /api/v1/stream?after=0` of a node as a token's organisation.
fn follow(http: &reqwest::Client, node: &Node, token: &str) -> Received {
    let (tx, rx) = mpsc::unbounded_channel();
    let request = http.get(format!("{}/api/v1/stream?after=0", node.url())).bearer_auth(token);
    tokio::spawn(async move {
        let mut resp = request.send().await.expect("the stream opens");
        assert!(resp.status().is_success(), "{}", resp.status());
        let mut buf = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                for line in block.lines() {
                    if let Some(data) = line.strip_prefix("data:") {
                        let v: Value = serde_json::from_str(data.trim()).unwrap();
                        let id = v["data"]["id"].as_str().or(v["data"]["report_id"].as_str()).unwrap_or("");
                        let _ = tx.send((v["type"].as_str().unwrap_or("").to_string(), id.to_string()));
                    }
                }
            }
        }
    });
    rx
}

/// Posts a report to a node; its id.
async fn post(http: &reqwest::Client, node: &Node, token: &str, title: &str, tlp: &str) -> String {
    let body = serde_json::json!({
        "kind": "intel", "title": title, "tlp": tlp,
        "observables": [{"kind": "domain", "value": format!("{title}.example-nodes.net")}],
    });
    let resp = http
        .post(format!("{}/api/v1/reports", node.url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201, "{}: {}", node.name, resp.text().await.unwrap());
    resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

/// How many reports a lookup of a title's domain finds on a node, as a token's organisation.
async fn lookup(http: &reqwest::Client, node: &Node, token: &str, title: &str) -> u64 {
    let resp = http
        .get(format!("{}/api/v1/observables/domain/{title}.example-nodes.net", node.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.json::<Value>().await.unwrap()["count"].as_u64().unwrap()
}

/// Receives from a stream client until it holds `want` report.created ids (or the time is up),
/// then a little longer, to catch duplicates; every event received.
async fn collect(rx: &mut Received, want: &BTreeSet<String>, seen: &mut Vec<(String, String)>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let created = |seen: &Vec<(String, String)>| {
        seen.iter().filter(|(t, _)| t == "report.created").map(|(_, id)| id.clone()).collect::<BTreeSet<_>>()
    };
    while !want.is_subset(&created(seen)) && Instant::now() < deadline {
        if let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
            seen.push(e);
        }
    }
    while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await {
        seen.push(e);
    }
}

/// Each report id once, exactly the expected ones, nothing internal.
fn check_exactly_once(who: &str, seen: &[(String, String)], want: &BTreeSet<String>) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (t, id) in seen {
        assert!(!t.starts_with("state."), "{who} received an internal event: {t}");
        if t == "report.created" {
            *counts.entry(id.as_str()).or_default() += 1;
        }
    }
    let dups: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dups.is_empty(), "{who} received duplicates: {dups:?}");
    let got: BTreeSet<String> = counts.keys().map(|k| k.to_string()).collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(want).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{who}: missing {missing:?}, not expected {extra:?}");
}

#[test]
fn three_nodes_share_one_database_and_one_stream() {
    let Some((pg, nats)) = services() else {
        eprintln!("skipped: set DRAGNET_TEST_POSTGRES_URL and DRAGNET_TEST_NATS_URL");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(three_nodes(&pg, &nats));
}

async fn three_nodes(pg: &str, nats: &str) {
    let d = Deployment::create(pg, nats).await;
    // Organisations and tokens, written before the nodes start.
    dragnet(&["admin", "org", "create", "Alpha", "--database", &d.url]);
    dragnet(&["admin", "org", "create", "Outsider", "--database", &d.url]);
    let token = |org: &str| {
        let out =
            dragnet(&["admin", "token", "create", "--org", org, "--role", "analyst", "--database", &d.url]);
        out.lines().last().unwrap().trim().to_string()
    };
    let (alpha, outsider) = (token("Alpha"), token("Outsider"));
    let addrs: Vec<String> = (0..3).map(|_| free_addr()).collect();
    let mut nodes: Vec<Node> = (0..3).map(|i| Node::start(&d, &format!("node-{i}"), &addrs[i])).collect();
    let http = reqwest::Client::new();

    // On each node, a stream client of the author's organisation and one of an outsider.
    let mut alpha_rx: Vec<Received> = nodes.iter().map(|n| follow(&http, n, &alpha)).collect();
    let mut outsider_rx: Vec<Received> = nodes.iter().map(|n| follow(&http, n, &outsider)).collect();

    // Reports round-robin to every node: GREEN ones everyone sees, RED ones Alpha only.
    let (mut all, mut green) = (BTreeSet::new(), BTreeSet::new());
    let mut titles = Vec::new();
    for i in 0..30 {
        let tlp = if i % 2 == 0 { "GREEN" } else { "RED" };
        let title = format!("r{i}-{}", uuid::Uuid::now_v7().simple());
        let id = post(&http, &nodes[i % 3], &alpha, &title, tlp).await;
        if tlp == "GREEN" {
            green.insert(id.clone());
        }
        all.insert(id);
        titles.push(title);
    }
    let mut alpha_seen: Vec<Vec<(String, String)>> = vec![Vec::new(); 3];
    let mut outsider_seen: Vec<Vec<(String, String)>> = vec![Vec::new(); 3];
    for i in 0..3 {
        collect(&mut alpha_rx[i], &all, &mut alpha_seen[i]).await;
        check_exactly_once(&format!("alpha's client on node-{i}"), &alpha_seen[i], &all);
        collect(&mut outsider_rx[i], &green, &mut outsider_seen[i]).await;
        check_exactly_once(&format!("the outsider's client on node-{i}"), &outsider_seen[i], &green);
    }
    // A lookup on any node sees the reports written on any other (the outsider: GREEN only).
    for n in &nodes {
        for (i, title) in titles.iter().enumerate() {
            assert_eq!(lookup(&http, n, &alpha, title).await, 1, "{title} on {}", n.name);
            let visible = u64::from(i % 2 == 0);
            assert_eq!(lookup(&http, n, &outsider, title).await, visible, "{title} on {} (outsider)", n.name);
        }
    }

    // An organisation created while the nodes run (by the CLI, on the database alone): every
    // node learns of it by polling the store.
    dragnet(&["admin", "org", "create", "Late", "--database", &d.url]);
    let late = token("Late");
    for n in &nodes {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let r = http.get(format!("{}/api/v1/reports", n.url())).bearer_auth(&late).send().await.unwrap();
            if r.status().is_success() {
                break;
            }
            assert!(Instant::now() < deadline, "{} never learnt of the new organisation", n.name);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // node-2 dies (SIGKILL); reports go on to the others; it comes back under its name.
    nodes[2].kill();
    for i in 30..40 {
        let title = format!("r{i}-{}", uuid::Uuid::now_v7().simple());
        let id = post(&http, &nodes[i % 2], &alpha, &title, "GREEN").await;
        all.insert(id.clone());
        green.insert(id);
        titles.push(title);
    }
    let back = Node::start(&d, "node-2", &addrs[2]);
    nodes[2] = back;
    for title in &titles {
        assert_eq!(lookup(&http, &nodes[2], &alpha, title).await, 1, "{title} after the restart");
    }
    // Its stream replays everything once; the live clients of the others got the rest once.
    let mut rx = follow(&http, &nodes[2], &alpha);
    let mut seen = Vec::new();
    collect(&mut rx, &all, &mut seen).await;
    check_exactly_once("a new client on the restarted node", &seen, &all);
    for i in 0..2 {
        collect(&mut alpha_rx[i], &all, &mut alpha_seen[i]).await;
        check_exactly_once(&format!("alpha's client on node-{i}, after the restart"), &alpha_seen[i], &all);
        collect(&mut outsider_rx[i], &green, &mut outsider_seen[i]).await;
        check_exactly_once(&format!("the outsider's client on node-{i}, after"), &outsider_seen[i], &green);
    }
    // A report written on the restarted node reaches the others' live clients.
    let id = post(&http, &nodes[2], &alpha, &format!("after-{}", uuid::Uuid::now_v7().simple()), "RED").await;
    all.insert(id);
    for i in 0..2 {
        collect(&mut alpha_rx[i], &all, &mut alpha_seen[i]).await;
        check_exactly_once(&format!("alpha's client on node-{i}, at the end"), &alpha_seen[i], &all);
        collect(&mut outsider_rx[i], &green, &mut outsider_seen[i]).await;
        check_exactly_once(
            &format!("the outsider's client on node-{i}, at the end"),
            &outsider_seen[i],
            &green,
        );
    }
    drop(nodes);
    drop(d);
}
