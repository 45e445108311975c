//! The client side of `bench/stream`: latency from a report's POST on one node to its delivery
//! on another node's event stream, and fan-out to many concurrent stream clients.
//!
//! `stream --post URL[,URL…] --follow URL[,URL…] --token T --reports N --clients C --fanout N`
//! prints one JSON object: the latency percentiles of the single-client run (each report POSTed
//! in turn to the next `--post` node, followed on the first `--follow` node), then of the
//! fan-out run (`C` clients spread over the `--follow` nodes, every client must receive every
//! report exactly once), with deliveries per second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::sync::mpsc;

struct Args {
    post: Vec<String>,
    follow: Vec<String>,
    token: String,
    reports: usize,
    clients: usize,
    fanout: usize,
    /// A NATS stream to delete at the end (`--delete-stream URL NAME`).
    delete: Option<(String, String)>,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        post: vec![],
        follow: vec![],
        token: String::new(),
        reports: 10_000,
        clients: 200,
        fanout: 1_000,
        delete: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--post" => a.post = value.split(',').map(str::to_string).collect(),
            "--follow" => a.follow = value.split(',').map(str::to_string).collect(),
            "--token" => a.token = value,
            "--reports" => a.reports = value.parse()?,
            "--clients" => a.clients = value.parse()?,
            "--fanout" => a.fanout = value.parse()?,
            "--delete-stream" => {
                let name = it.next().context("--delete-stream needs a url and a name")?;
                a.delete = Some((value, name));
            }
            other => bail!("unknown flag {other}"),
        }
    }
    if a.post.is_empty() || a.follow.is_empty() || a.token.is_empty() {
        bail!(
            "usage: stream --post URL[,URL] --follow URL[,URL] --token T [--reports N] [--clients C] [--fanout N]"
        );
    }
    Ok(a)
}

/// When each report title was POSTed.
type Sent = Arc<Mutex<HashMap<String, Instant>>>;

/// One stream client: sends (title, delivery latency) for every `report.created` it receives.
/// Returns once the stream is open (its subscription made).
async fn follow(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    sent: Sent,
    tx: mpsc::UnboundedSender<(String, Duration)>,
) -> anyhow::Result<()> {
    let mut resp = http
        .get(format!("{url}/api/v1/stream?type=report.created"))
        .bearer_auth(token)
        .send()
        .await
        .context("opening the stream")?;
    if !resp.status().is_success() {
        bail!("the stream answered {}", resp.status());
    }
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            let now = Instant::now();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                for line in block.lines() {
                    let Some(data) = line.strip_prefix("data:") else { continue };
                    let Ok(v) = serde_json::from_str::<serde_json::Value>(data.trim()) else { continue };
                    let Some(title) = v["data"]["title"].as_str() else { continue };
                    let at = sent.lock().unwrap().get(title).copied();
                    if let Some(at) = at {
                        let _ = tx.send((title.to_string(), now.saturating_duration_since(at)));
                    }
                }
            }
        }
    });
    Ok(())
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    title: &str,
    sent: &Sent,
) -> anyhow::Result<()> {
    let body = serde_json::json!({
        "kind": "intel", "title": title, "tlp": "GREEN",
        "observables": [{"kind": "domain", "value": format!("{title}.bench-stream.net")}],
    });
    sent.lock().unwrap().insert(title.to_string(), Instant::now());
    let resp = http.post(format!("{url}/api/v1/reports")).bearer_auth(token).json(&body).send().await?;
    if resp.status().as_u16() != 201 {
        bail!("POST answered {}: {}", resp.status(), resp.text().await.unwrap_or_default());
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

/// Posts `n` reports round-robin over `post`, waits until `clients` clients each received all
/// of them; (sorted latencies, seconds from the first POST to the last delivery).
async fn run(
    a: &Args,
    http: &reqwest::Client,
    prefix: &str,
    n: usize,
    clients: usize,
) -> anyhow::Result<(Vec<Duration>, f64)> {
    let sent: Sent = Arc::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    for c in 0..clients {
        follow(http, &a.follow[c % a.follow.len()], &a.token, Arc::clone(&sent), tx.clone()).await?;
    }
    drop(tx);
    let start = Instant::now();
    let poster = {
        let (http, post, token, sent, prefix) =
            (http.clone(), a.post.clone(), a.token.clone(), Arc::clone(&sent), prefix.to_string());
        tokio::spawn(async move {
            for i in 0..n {
                post_one(&http, &post[i % post.len()], &token, &format!("{prefix}-{i}"), &sent).await?;
            }
            anyhow::Ok(())
        })
    };
    let mut per_title: HashMap<String, usize> = HashMap::new();
    let mut latencies = Vec::with_capacity(n * clients);
    let want = n * clients;
    let mut last = start;
    while latencies.len() < want {
        match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
            Ok(Some((title, lat))) => {
                *per_title.entry(title).or_default() += 1;
                latencies.push(lat);
                last = Instant::now();
            }
            Ok(None) => bail!("every stream ended"),
            Err(_) => bail!("{} of {want} deliveries after 60 s without any", latencies.len()),
        }
    }
    poster.await??;
    // A little longer: a duplicate would arrive now.
    while let Ok(Some((title, _))) = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await {
        *per_title.entry(title).or_default() += 1;
    }
    let bad: Vec<_> = per_title.iter().filter(|(_, c)| **c != clients).take(5).collect();
    if per_title.len() != n || !bad.is_empty() {
        bail!("not exactly once: {} titles, e.g. {bad:?}", per_title.len());
    }
    latencies.sort_unstable();
    Ok((latencies, last.duration_since(start).as_secs_f64()))
}

async fn post_one(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    title: &str,
    sent: &Sent,
) -> anyhow::Result<()> {
    post(http, url, token, title, sent).await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let outcome = async {
        let lat = run(&a, &http, &format!("lat-{tag}"), a.reports, 1).await?;
        let fan = run(&a, &http, &format!("fan-{tag}"), a.fanout, a.clients).await?;
        anyhow::Ok((lat, fan))
    }
    .await;
    if let Some((url, name)) = &a.delete {
        natsbus::delete_stream(url, name).await?;
    }
    let ((lat, secs), (fan, fan_secs)) = outcome?;
    let out = serde_json::json!({
        "reports": a.reports,
        "p50_ms": percentile(&lat, 0.50),
        "p99_ms": percentile(&lat, 0.99),
        "max_ms": percentile(&lat, 1.0),
        "reports_per_s": a.reports as f64 / secs,
        "clients": a.clients,
        "fanout_reports": a.fanout,
        "fanout_p50_ms": percentile(&fan, 0.50),
        "fanout_p99_ms": percentile(&fan, 0.99),
        "deliveries": fan.len(),
        "deliveries_per_s": fan.len() as f64 / fan_secs,
    });
    println!("{out}");
    Ok(())
}
