//! The client side of `bench/soak`: minutes of mixed load on one running `dragnet serve`.
//!
//! `soak --url URL --tokens FILE --pid PID [--seconds 600] [--ingest-rate 20] [--streams 20]
//! [--rss-per-report BYTES]` reads the demo's token file (organisation, role, token), collects
//! selectors each organisation may see, then runs until the deadline:
//!
//! - ingest: GREEN reports at `--ingest-rate` per second, each holding one known selector (so
//!   correlations grow) and two new ones;
//! - lookups: `GET /api/v1/observables/{kind}/{value}` of known selectors (4 workers);
//! - checks: `POST /api/v1/check` of 100 selectors, half known, half never seen (2 workers);
//! - graph: expand, 2-hop neighbourhood and shortest path between two known selectors (2 workers);
//! - listings: report and campaign pages (1 worker);
//! - `--streams` event-stream clients following `report.created`, spread over the organisations.
//!
//! Every answer that is not a success, and every transport error, is an error. Every stream
//! client must receive every ingested report exactly once (GREEN reports are visible to every
//! organisation). The server's resident set size is read from `/proc/PID/status` every 5 s.
//! Prints a table and, last, one JSON object with the figures.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use tokio::sync::mpsc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Op {
    Ingest,
    Lookup,
    Check,
    GraphExpand,
    GraphNeighbourhood,
    GraphPath,
    ListReports,
    ListCampaigns,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Ingest => "ingest",
            Op::Lookup => "lookup",
            Op::Check => "check (100)",
            Op::GraphExpand => "graph expand",
            Op::GraphNeighbourhood => "graph 2-hop",
            Op::GraphPath => "graph path",
            Op::ListReports => "list reports",
            Op::ListCampaigns => "list campaigns",
        }
    }
}

/// One finished request: its kind, when it ended (seconds from the start), its latency and
/// its error, if any.
struct Done {
    op: Op,
    at: f64,
    latency: Duration,
    error: Option<String>,
}

/// An organisation's token and the selectors (kind, canonical value) it may see.
struct Viewer {
    token: String,
    selectors: Vec<(String, String)>,
}

struct Args {
    url: String,
    tokens: String,
    pid: u32,
    seconds: u64,
    ingest_rate: f64,
    streams: usize,
    rss_per_report: f64,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        url: String::new(),
        tokens: String::new(),
        pid: 0,
        seconds: 600,
        ingest_rate: 20.0,
        streams: 20,
        rss_per_report: 0.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--url" => a.url = value,
            "--tokens" => a.tokens = value,
            "--pid" => a.pid = value.parse().context("--pid")?,
            "--seconds" => a.seconds = value.parse().context("--seconds")?,
            "--ingest-rate" => a.ingest_rate = value.parse().context("--ingest-rate")?,
            "--streams" => a.streams = value.parse().context("--streams")?,
            "--rss-per-report" => a.rss_per_report = value.parse().context("--rss-per-report")?,
            other => bail!("unknown flag {other}"),
        }
    }
    if a.url.is_empty() || a.tokens.is_empty() || a.pid == 0 {
        bail!("usage: soak --url URL --tokens FILE --pid PID [--seconds S] [--ingest-rate R] [--streams N]");
    }
    Ok(a)
}

/// The server's resident set size in bytes.
fn rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("the server is gone")?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
    let kb: u64 = line.split_whitespace().nth(1).context("VmRSS")?.parse()?;
    Ok(kb * 1024)
}

/// Sends a request and reads its body: the error names the status and the start of the body.
async fn call(req: reqwest::RequestBuilder) -> Result<Value, String> {
    let resp = req.send().await.map_err(|e| format!("transport: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body[..body.len().min(200)])));
    }
    serde_json::from_slice(&body).map_err(|e| format!("not json: {e}"))
}

/// The selectors `token` may see, from its newest report pages.
async fn selectors(http: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let mut req = http.get(format!("{url}/api/v1/reports?limit=200")).bearer_auth(token);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let page = call(req).await.map_err(anyhow::Error::msg)?;
        for r in page["items"].as_array().into_iter().flatten() {
            for o in r["observables"].as_array().into_iter().flatten() {
                if let (Some(k), Some(v)) = (o["kind"].as_str(), o["value"].as_str()) {
                    out.push((k.to_string(), v.to_string()));
                }
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Runs `f` again and again until `stop`, sending each outcome.
async fn worker<F, Fut>(
    op: Op,
    start: Instant,
    stop: Arc<AtomicBool>,
    tx: mpsc::UnboundedSender<Done>,
    mut f: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Value, String>>,
{
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        let outcome = f().await;
        let latency = t.elapsed();
        let _ = tx.send(Done { op, at: start.elapsed().as_secs_f64(), latency, error: outcome.err() });
    }
}

/// A stream client: counts the `report.created` events of this run (titles with `prefix`),
/// and how many titles arrived more than once. Returns (received, duplicates, ended early).
async fn stream_client(
    http: reqwest::Client,
    url: String,
    token: String,
    prefix: String,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<(u64, u64, bool)> {
    let mut resp =
        http.get(format!("{url}/api/v1/stream?type=report.created")).bearer_auth(&token).send().await?;
    if !resp.status().is_success() {
        bail!("the stream answered {}", resp.status());
    }
    let mut seen = std::collections::HashSet::new();
    let (mut received, mut duplicates) = (0, 0);
    let mut buf = String::new();
    loop {
        let chunk = tokio::select! {
            c = resp.chunk() => c,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                if stop.load(Ordering::Relaxed) { return Ok((received, duplicates, false)); }
                continue;
            }
        };
        let Ok(Some(chunk)) = chunk else { return Ok((received, duplicates, !stop.load(Ordering::Relaxed))) };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            for line in block.lines() {
                let Some(data) = line.strip_prefix("data:") else { continue };
                let Ok(v) = serde_json::from_str::<Value>(data.trim()) else { continue };
                let Some(title) = v["data"]["title"].as_str() else { continue };
                if title.starts_with(&prefix) {
                    if seen.insert(title.to_string()) {
                        received += 1;
                    } else {
                        duplicates += 1;
                    }
                }
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let http =
        reqwest::Client::builder().pool_max_idle_per_host(64).timeout(Duration::from_secs(30)).build()?;
    let mut viewers = Vec::new();
    for line in std::fs::read_to_string(&a.tokens).with_context(|| format!("reading {}", a.tokens))?.lines() {
        let mut parts = line.split('\t');
        let (Some(_org), Some(_role), Some(token)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let selectors = selectors(&http, &a.url, token).await?;
        if !selectors.is_empty() {
            viewers.push(Viewer { token: token.to_string(), selectors });
        }
    }
    if viewers.is_empty() {
        bail!("no organisation of {} sees any selector", a.tokens);
    }
    eprintln!(
        "soak: {} organisations, {} selectors; {} s of mixed load on {}",
        viewers.len(),
        viewers.iter().map(|v| v.selectors.len()).sum::<usize>(),
        a.seconds,
        a.url
    );
    let viewers = Arc::new(viewers);
    let prefix = format!("soak-{}", uuid::Uuid::now_v7().simple());
    let stop = Arc::new(AtomicBool::new(false));
    let streams_stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel::<Done>();

    let mut streams = Vec::new();
    // Streams never end on their own: a client without the requests' timeout.
    let streaming = reqwest::Client::builder().build()?;
    for i in 0..a.streams {
        let v = &viewers[i % viewers.len()];
        streams.push(tokio::spawn(stream_client(
            streaming.clone(),
            a.url.clone(),
            v.token.clone(),
            prefix.clone(),
            streams_stop.clone(),
        )));
    }
    // Let the streams subscribe before the first report.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let ingested = Arc::new(AtomicU64::new(0));
    {
        let (http, url, viewers, prefix, stop, tx, ingested) = (
            http.clone(),
            a.url.clone(),
            viewers.clone(),
            prefix.clone(),
            stop.clone(),
            tx.clone(),
            ingested.clone(),
        );
        let period = Duration::from_secs_f64(1.0 / a.ingest_rate.max(1e-9));
        let ingesting = a.ingest_rate > 0.0;
        tokio::spawn(async move {
            if !ingesting {
                return;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut n = 0u64;
            // Each report is POSTed on its own task, so the rate holds while some are slow; at
            // most 16 at once.
            let in_flight = Arc::new(tokio::sync::Semaphore::new(16));
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else { break };
                let v = &viewers[rng.random_range(0..viewers.len())];
                let (kind, value) = &v.selectors[rng.random_range(0..v.selectors.len())];
                let body = json!({
                    "kind": "intel", "title": format!("{prefix}-{n}"), "tlp": "GREEN",
                    "narrative": "soak: a report holding one known selector and two new ones",
                    "observables": [
                        {"kind": kind, "value": value},
                        {"kind": "domain", "value": format!("n{n}.soak-{}.net", &prefix[5..13])},
                        {"kind": "url", "value": format!("https://n{n}.soak-{}.net/login", &prefix[5..13])},
                    ],
                });
                n += 1;
                let req = http.post(format!("{url}/api/v1/reports")).bearer_auth(&v.token).json(&body);
                let (tx, ingested) = (tx.clone(), Arc::clone(&ingested));
                tokio::spawn(async move {
                    let t = Instant::now();
                    let outcome = call(req).await;
                    if outcome.is_ok() {
                        ingested.fetch_add(1, Ordering::Relaxed);
                    }
                    let _ = tx.send(Done {
                        op: Op::Ingest,
                        at: start.elapsed().as_secs_f64(),
                        latency: t.elapsed(),
                        error: outcome.err(),
                    });
                    drop(permit);
                });
            }
        });
    }
    let pick = |rng: &mut ChaCha8Rng, viewers: &[Viewer]| -> (usize, usize) {
        let v = rng.random_range(0..viewers.len());
        (v, rng.random_range(0..viewers[v].selectors.len()))
    };
    for w in 0..4u64 {
        let (http, url, viewers) = (http.clone(), a.url.clone(), viewers.clone());
        let mut rng = ChaCha8Rng::seed_from_u64(100 + w);
        tokio::spawn(worker(Op::Lookup, start, stop.clone(), tx.clone(), move || {
            let (v, s) = pick(&mut rng, &viewers);
            let (kind, value) = &viewers[v].selectors[s];
            let mut uri = reqwest::Url::parse(&format!("{url}/api/v1/observables")).expect("a url");
            uri.path_segments_mut().expect("a base").push(kind).push(value);
            call(http.get(uri).bearer_auth(&viewers[v].token))
        }));
    }
    for w in 0..2u64 {
        let (http, url, viewers) = (http.clone(), a.url.clone(), viewers.clone());
        let mut rng = ChaCha8Rng::seed_from_u64(200 + w);
        let mut miss = 0u64;
        tokio::spawn(worker(Op::Check, start, stop.clone(), tx.clone(), move || {
            let v = rng.random_range(0..viewers.len());
            let sel = &viewers[v].selectors;
            let mut selectors = Vec::with_capacity(100);
            for _ in 0..50 {
                let (kind, value) = &sel[rng.random_range(0..sel.len())];
                selectors.push(json!({"kind": kind, "value": value}));
                miss += 1;
                selectors.push(json!({"kind": "domain", "value": format!("never-{w}-{miss}.example.org")}));
            }
            call(
                http.post(format!("{url}/api/v1/check"))
                    .bearer_auth(&viewers[v].token)
                    .json(&json!({"selectors": selectors})),
            )
        }));
    }
    for (w, op) in [Op::GraphExpand, Op::GraphNeighbourhood, Op::GraphPath].into_iter().enumerate() {
        let (http, url, viewers) = (http.clone(), a.url.clone(), viewers.clone());
        let mut rng = ChaCha8Rng::seed_from_u64(300 + w as u64);
        tokio::spawn(worker(op, start, stop.clone(), tx.clone(), move || {
            let (v, s) = pick(&mut rng, &viewers);
            let viewer = &viewers[v];
            let (kind, value) = &viewer.selectors[s];
            let node = format!("{kind}:{value}");
            let req = match op {
                Op::GraphExpand => http.get(format!("{url}/api/v1/graph/expand")).query(&[("node", &node)]),
                Op::GraphNeighbourhood => http
                    .get(format!("{url}/api/v1/graph/neighbourhood"))
                    .query(&[("node", node.as_str()), ("depth", "2")]),
                _ => {
                    let (k2, v2) = &viewer.selectors[rng.random_range(0..viewer.selectors.len())];
                    http.get(format!("{url}/api/v1/graph/path"))
                        .query(&[("from", &node), ("to", &format!("{k2}:{v2}"))])
                }
            };
            call(req.bearer_auth(&viewer.token))
        }));
    }
    {
        let (http, url, viewers) = (http.clone(), a.url.clone(), viewers.clone());
        let mut rng = ChaCha8Rng::seed_from_u64(400);
        let mut turn = 0u64;
        let (tx2, list_stop) = (tx.clone(), stop.clone());
        tokio::spawn(async move {
            // Alternates report pages and campaign pages under one worker's budget.
            while !list_stop.load(Ordering::Relaxed) {
                let v = &viewers[rng.random_range(0..viewers.len())];
                turn += 1;
                let (op, path) = if turn.is_multiple_of(2) {
                    (Op::ListReports, "/api/v1/reports?limit=100")
                } else {
                    (Op::ListCampaigns, "/api/v1/campaigns?limit=50")
                };
                let t = Instant::now();
                let outcome = call(http.get(format!("{url}{path}")).bearer_auth(&v.token)).await;
                let _ = tx2.send(Done {
                    op,
                    at: start.elapsed().as_secs_f64(),
                    latency: t.elapsed(),
                    error: outcome.err(),
                });
            }
        });
    }
    drop(tx);

    // Collect until the deadline, sampling RSS every 5 s.
    let deadline = start + Duration::from_secs(a.seconds);
    let mut latencies: HashMap<Op, Vec<Duration>> = HashMap::new();
    let mut errors: HashMap<Op, u64> = HashMap::new();
    let mut first_errors: Vec<String> = Vec::new();
    let minutes = a.seconds.div_ceil(60) as usize;
    let mut per_minute = vec![0u64; minutes.max(1)];
    // Per operation and minute: the latencies, to tell which operation slows as data grows.
    let mut op_minutes: HashMap<Op, Vec<Vec<Duration>>> = HashMap::new();
    // The first third of the run warms the caches; after it, memory may grow only by what the
    // ingested reports take.
    let warm_at = a.seconds as f64 / 3.0;
    let mut ingested_after_warm = 0u64;
    let mut rss_samples: Vec<(f64, u64)> = vec![(0.0, rss(a.pid)?)];
    let mut sample = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(5),
        Duration::from_secs(5),
    );
    let mut last_report = Instant::now();
    loop {
        tokio::select! {
            d = rx.recv() => {
                let Some(d) = d else { break };
                if d.at > a.seconds as f64 { continue; }
                latencies.entry(d.op).or_default().push(d.latency);
                if d.op == Op::Ingest && d.error.is_none() && d.at >= warm_at {
                    ingested_after_warm += 1;
                }
                if let Some(e) = d.error {
                    *errors.entry(d.op).or_default() += 1;
                    if first_errors.len() < 10 { first_errors.push(format!("{}: {e}", d.op.name())); }
                }
                let minute = ((d.at / 60.0) as usize).min(minutes - 1);
                per_minute[minute] += 1;
                op_minutes.entry(d.op).or_insert_with(|| vec![Vec::new(); minutes])[minute].push(d.latency);
            }
            _ = sample.tick() => {
                let now = start.elapsed().as_secs_f64();
                rss_samples.push((now, rss(a.pid)?));
                if last_report.elapsed() >= Duration::from_secs(60) {
                    last_report = Instant::now();
                    let done: usize = latencies.values().map(Vec::len).sum();
                    eprintln!(
                        "  {:>4.0} s: {done} requests, {} errors, rss {:.0} MB, {} reports ingested",
                        now,
                        errors.values().sum::<u64>(),
                        rss_samples.last().unwrap().1 as f64 / 1e6,
                        ingested.load(Ordering::Relaxed),
                    );
                }
                if Instant::now() >= deadline { break; }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    // The reports in flight are answered and the stream clients get their events, then stop.
    tokio::time::sleep(Duration::from_secs(5)).await;
    streams_stop.store(true, Ordering::Relaxed);
    let ingested = ingested.load(Ordering::Relaxed);
    let mut stream_missing = 0u64;
    let mut stream_duplicates = 0u64;
    let mut stream_ended = 0u64;
    for s in streams {
        let (received, duplicates, ended) = s.await??;
        stream_missing += ingested.saturating_sub(received);
        stream_duplicates += duplicates;
        stream_ended += u64::from(ended);
    }

    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "operation", "requests", "per s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    let mut all = Vec::new();
    let mut ops: Vec<_> = latencies.keys().copied().collect();
    ops.sort();
    let secs = a.seconds as f64;
    for op in ops {
        let l = latencies.get_mut(&op).unwrap();
        l.sort_unstable();
        println!(
            "{:<16} {:>9} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>7}",
            op.name(),
            l.len(),
            l.len() as f64 / secs,
            percentile(l, 0.5),
            percentile(l, 0.99),
            percentile(l, 1.0),
            errors.get(&op).copied().unwrap_or(0)
        );
        all.extend_from_slice(l);
    }
    all.sort_unstable();
    let total_errors: u64 = errors.values().sum();
    for e in &first_errors {
        println!("error: {e}");
    }
    println!("requests per minute: {per_minute:?}");
    println!("per operation and minute: requests (p50 ms)");
    let mut by_op: Vec<_> = op_minutes.into_iter().collect();
    by_op.sort_by_key(|(op, _)| *op);
    for (op, mut minutes) in by_op {
        let cells: Vec<String> = minutes
            .iter_mut()
            .map(|l| {
                l.sort_unstable();
                format!("{} ({:.1})", l.len(), percentile(l, 0.5))
            })
            .collect();
        println!("  {:<16} {}", op.name(), cells.join("  "));
    }
    let mb = |b: u64| b as f64 / 1e6;
    let series: Vec<String> = rss_samples
        .iter()
        .filter(|(t, _)| (*t as u64) % 60 < 5)
        .map(|(t, b)| format!("{:.0}s:{:.0}", t, mb(*b)))
        .collect();
    println!("server rss (MB) by minute: {}", series.join(" "));
    // Levelling off: after the first third (warm caches), growth beyond what the reports
    // ingested since take (at the per-report cost measured when the data was loaded).
    let warm = rss_samples.iter().find(|(t, _)| *t >= warm_at).map_or(rss_samples[0].1, |s| s.1);
    let peak = rss_samples.iter().map(|s| s.1).max().unwrap_or(0);
    let end = rss_samples.last().map_or(0, |s| s.1);
    let data_growth = ingested_after_warm as f64 * a.rss_per_report;
    let unexplained = end as f64 - warm as f64 - data_growth;
    let half = rss_samples.len() / 2;
    let second_half_growth = end as f64 - rss_samples[half].1 as f64;
    let first = per_minute.first().copied().unwrap_or(0) as f64;
    let last = per_minute.last().copied().unwrap_or(0) as f64;
    println!(
        "{}",
        json!({
            "seconds": a.seconds,
            "requests": all.len(),
            "requests_per_s": all.len() as f64 / secs,
            "p50_ms": percentile(&all, 0.5),
            "p99_ms": percentile(&all, 0.99),
            "errors": total_errors,
            "reports_ingested": ingested,
            "streams": a.streams,
            "stream_missing": stream_missing,
            "stream_duplicates": stream_duplicates,
            "streams_ended_early": stream_ended,
            "rss_start_mb": mb(rss_samples[0].1),
            "rss_warm_mb": mb(warm),
            "rss_warm_at_s": warm_at,
            "reports_ingested_after_warm": ingested_after_warm,
            "rss_peak_mb": mb(peak),
            "rss_end_mb": mb(end),
            "rss_second_half_growth_mb": second_half_growth / 1e6,
            "rss_growth_from_ingested_data_mb": data_growth / 1e6,
            "rss_unexplained_growth_mb": unexplained / 1e6,
            "throughput_last_over_first_minute": if first > 0.0 { last / first } else { f64::NAN },
        })
    );
    Ok(())
}
