//! Crash safety: `dragnet serve` under concurrent ingest is killed with SIGKILL at random
//! moments and restarted, again and again; afterwards every report whose POST was answered
//! `201` (body read in full) must be there, found by id and by a lookup of its observable,
//! recorded in the audit log, and the database must pass its integrity check and the audit
//! chain must verify (`dragnet admin check`).
//!
//! On SQLite always; on PostgreSQL too when `DRAGNET_TEST_POSTGRES_URL` is set (a fresh
//! database, dropped afterwards). The kill delays and the workload come from a seeded
//! generator: the seed is printed, `DRAGNET_CRASH_SEED=N` replays it (thread scheduling aside).

use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::cli::{TempDir, dragnet, ok};

/// Kills per backend.
const KILLS: usize = 20;
/// Concurrent writers.
const WRITERS: u64 = 4;

/// splitmix64: a small seeded generator, enough to pick delays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn seed() -> u64 {
    match std::env::var("DRAGNET_CRASH_SEED") {
        Ok(s) => s.trim().parse().expect("DRAGNET_CRASH_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

fn free_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("its address")
}

/// The `--data DIR` or `--database URL` arguments of a backend.
fn store_args(store: &[String]) -> Vec<&str> {
    store.iter().map(String::as_str).collect()
}

/// Starts `dragnet serve` and waits until it listens.
fn start(store: &[String], addr: SocketAddr) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .arg("serve")
        .args(store_args(store))
        .args(["--listen", &addr.to_string()])
        .env_remove("DRAGNET_CONFIG")
        .env_remove("DRAGNET_DATA")
        .env_remove("DRAGNET_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let (ready, listening) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("is listening on") {
                let _ = ready.send(());
            }
        }
    });
    if listening.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = child.kill();
        panic!("the server did not listen within 60 s");
    }
    child
}

/// One HTTP/1.1 exchange on a fresh connection: the status and the body, or `None` when the
/// connection failed or the answer was cut short (no status line, or fewer body bytes than
/// `Content-Length` says).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    exchange(s, addr, method, path, token, body)
}

/// [`http`] on a connected stream.
fn exchange(
    mut s: TcpStream,
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> Option<(u16, String)> {
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status: u16 = head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let length = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
    });
    match length {
        Some(n) if n == body.len() => Some((status, body.to_string())),
        Some(_) => None,
        None => Some((status, body.to_string())),
    }
}

/// What the writers saw.
#[derive(Default)]
struct Tally {
    /// (report id, domain) of every POST answered 201 with its whole body.
    acked: Mutex<Vec<(String, String)>>,
    /// POSTs sent on a connection that then got no complete answer (reset, cut short): the
    /// requests in flight when the server was killed.
    failed: AtomicU64,
    /// Connections refused while the server was down (nothing sent).
    down: AtomicU64,
    /// POSTs answered with another status.
    refused: AtomicU64,
}

fn writer(addr: SocketAddr, token: String, tag: String, w: u64, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let domain = format!("crash-{tag}-{w}-{i}.com");
        let tlp = ["GREEN", "AMBER", "CLEAR"][(i % 3) as usize];
        let body = format!(
            r#"{{"kind":"intel","title":"crash {w}-{i}","tlp":"{tlp}","labels":["crash"],"observables":[{{"kind":"domain","value":"{domain}"}},{{"kind":"url","value":"https://{domain}/login"}}]}}"#
        );
        let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            tally.down.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        match exchange(stream, addr, "POST", "/api/v1/reports", &token, Some(&body)) {
            Some((201, answer)) => {
                let v: serde_json::Value = serde_json::from_str(&answer).expect("a 201 answer is JSON");
                let id = v["id"].as_str().expect("an id").to_string();
                tally.acked.lock().unwrap().push((id, domain));
            }
            Some((status, _)) if status >= 500 => {
                // An error answer while the store goes away is a failure, not an acknowledgement.
                tally.failed.fetch_add(1, Ordering::Relaxed);
            }
            Some((status, answer)) => {
                tally.refused.fetch_add(1, Ordering::Relaxed);
                panic!("POST answered {status}: {answer}");
            }
            None => {
                tally.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Runs the whole scenario on one backend; `label` names it in the output.
fn crash_and_check(label: &str, store: Vec<String>, seed: u64) {
    let started = Instant::now();
    let tmp = TempDir::new();
    let args = store_args(&store);
    let run = |extra: &[&str]| {
        let mut all: Vec<&str> = extra.to_vec();
        all.extend(args.iter().copied());
        dragnet(&tmp.0, &all, &[])
    };
    ok(run(&["admin", "org", "create", "Crash Org"]));
    let out = ok(run(&["admin", "token", "create", "--org", "Crash Org", "--role", "analyst"]));
    let token = out.lines().last().expect("a token line").to_string();

    let mut rng = Rng(seed);
    let addr = free_addr();
    let mut server = start(&store, addr);
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let tag = format!("{seed:x}");
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (token, tag, stop, tally) = (token.clone(), tag.clone(), stop.clone(), tally.clone());
            std::thread::spawn(move || writer(addr, token, tag, w, stop, tally))
        })
        .collect();

    let mut delays = Vec::with_capacity(KILLS);
    for _ in 0..KILLS {
        let delay = 30 + rng.below(470);
        delays.push(delay);
        std::thread::sleep(Duration::from_millis(delay));
        // SIGKILL: no shutdown hook runs, whatever was in flight is cut.
        server.kill().expect("SIGKILL");
        server.wait().expect("reaped");
        server = start(&store, addr);
    }
    // Let the writers see the last server, then stop them.
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer");
    }

    let acked = tally.acked.lock().unwrap().clone();
    assert!(!acked.is_empty(), "no POST was acknowledged");
    let mut missing = Vec::new();
    let mut unlinked = Vec::new();
    for (id, domain) in &acked {
        match http(addr, "GET", &format!("/api/v1/reports/{id}"), &token, None) {
            Some((200, _)) => {}
            other => missing.push((id.clone(), other.map(|o| o.0))),
        }
        let lookup = http(addr, "GET", &format!("/api/v1/observables/domain/{domain}"), &token, None);
        let found = lookup.as_ref().is_some_and(|(s, body)| *s == 200 && body.contains(id.as_str()));
        if !found {
            unlinked.push((domain.clone(), lookup.map(|o| o.0)));
        }
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    assert!(missing.is_empty(), "{label}: acknowledged reports missing after the crashes: {missing:?}");
    assert!(unlinked.is_empty(), "{label}: lookups do not find acknowledged reports: {unlinked:?}");

    // Every acknowledged report was recorded (the audit append comes before the answer).
    let audit = ok(run(&["audit", "list", "--action", "report.create", "--limit", "1000000"]));
    let created: std::collections::HashSet<&str> =
        audit.lines().filter_map(|l| l.split('\t').nth(6)?.strip_prefix("report:")).collect();
    let unaudited: Vec<&String> =
        acked.iter().map(|(id, _)| id).filter(|id| !created.contains(id.as_str())).collect();
    assert!(unaudited.is_empty(), "{label}: acknowledged reports without an audit entry: {unaudited:?}");

    let check = run(&["admin", "check"]);
    let stdout = String::from_utf8_lossy(&check.stdout).to_string();
    let stderr = String::from_utf8_lossy(&check.stderr).to_string();
    assert!(check.status.success(), "{label}: admin check failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("integrity ok") && stdout.contains("audit chain ok"), "{stdout}");
    let stored: usize = stdout
        .lines()
        .find_map(|l| l.strip_prefix("integrity ok: ")?.strip_suffix(" reports")?.parse().ok())
        .expect("a report count");
    assert!(stored >= acked.len(), "{label}: {stored} stored < {} acknowledged", acked.len());
    // Reports and their audit entries commit together: none stored without one.
    assert_eq!(created.len(), stored, "{label}: stored reports and report.create entries differ");

    println!(
        "crash test [{label}] seed {seed}: {KILLS} kills (delays ms {delays:?}), {} acknowledged reports all present \
         and found by lookup, {} stored ({} committed but unacknowledged), {} in-flight requests failed, \
         {} connections refused while down, {} report.create audit entries; {} in {:.1} s",
        acked.len(),
        stored,
        stored - acked.len(),
        tally.failed.load(Ordering::Relaxed),
        tally.down.load(Ordering::Relaxed),
        created.len(),
        stdout.lines().filter(|l| l.starts_with("audit chain ok")).collect::<Vec<_>>().join(""),
        started.elapsed().as_secs_f64(),
    );
}

#[test]
fn sigkill_under_concurrent_ingest_loses_no_acknowledged_report_sqlite() {
    let seed = seed();
    println!("crash test seed {seed} (DRAGNET_CRASH_SEED={seed} replays it)");
    let tmp = TempDir::new();
    let data = tmp.0.join("data");
    crash_and_check("sqlite", vec!["--data".into(), data.to_str().unwrap().into()], seed);
}

#[test]
fn sigkill_under_concurrent_ingest_loses_no_acknowledged_report_postgres() {
    let Ok(url) = std::env::var("DRAGNET_TEST_POSTGRES_URL") else {
        eprintln!("skipping: DRAGNET_TEST_POSTGRES_URL not set");
        return;
    };
    let seed = seed();
    println!("crash test seed {seed} (DRAGNET_CRASH_SEED={seed} replays it)");
    let db = format!("dragnet_crash_{}", uuid::Uuid::now_v7().simple());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(store::PgStore::create_database(&url, &db)).expect("create the test database");
    let (base, _) = url.rsplit_once('/').expect("a database url");
    let db_url = format!("{base}/{db}");
    let outcome =
        std::panic::catch_unwind(|| crash_and_check("postgres", vec!["--database".into(), db_url], seed));
    runtime.block_on(store::PgStore::drop_database(&url, &db)).expect("drop the test database");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}
