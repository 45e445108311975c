//! Bulk-check and lookup throughput, in process and over HTTP, and canonicalisation per kind.
//!
//! 1. Loads `--reports` reports (5 observables each; 200,000 → 1M stored observables), 40% of
//!    them addressed to one partner organisation only.
//! 2. In-process visibility-filtered lookups of canonical values (`Engine::count`), side by side
//!    with an unfiltered hash-map lookup of the same values (the floor: no visibility at all).
//! 3. In-process bulk checks of 10,000 raw mixed-kind selectors (`Engine::check`).
//! 4. The same 10,000-selector check over HTTP (`POST /api/v1/check`) on loopback: latency.
//! 5. Canonicalisation throughput per observable kind.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use bench::{TempDir, arg, rate};
use engine::{Engine, EngineOptions, SelectorInput};
use model::observable::canonicalize;
use model::{CanonicalizeOptions, Observable, ObservableKind, Role};
use rustc_hash::FxHashMap;
use store::{SqliteStore, Store};

/// mimalloc: ingest and bulk checks allocate many small values from several threads.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let n: usize = arg("reports", 200_000);
    let rounds: usize = arg("rounds", 30);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = TempDir::new("check");

    eprintln!("loading {n} reports with 5 observables each…");
    // 60% CLEAR/GREEN, 40% addressed to the partner organisation only (AMBER, AMBER+STRICT,
    // RED): the viewer below, an outsider, sees the first kind only, so visibility is exercised.
    let mut inputs = demo::reports_with_observables(11, n, 5);
    for (i, r) in inputs.iter_mut().enumerate() {
        let tlp = match i % 10 {
            0..=2 => "AMBER",
            3 => "AMBER+STRICT",
            4 => "RED",
            _ => continue,
        };
        r.tlp = tlp.into();
        r.audience.organizations = vec!["partner".into()];
    }
    let (engine, store) = rt.block_on(async {
        let store = Arc::new(SqliteStore::open(&dir.0).await?);
        let engine = Arc::new(Engine::open(store.clone(), EngineOptions::default()).await?);
        for (name, operator) in [("author", false), ("partner", false), ("outsider", true)] {
            engine.create_org(None, name, operator).await?;
        }
        let author = engine.local_principal("author")?;
        for chunk in inputs.chunks(5_000) {
            let outcome = engine.submit_batch(&author, chunk.iter().cloned().map(Ok).collect()).await?;
            anyhow::ensure!(outcome.rejected.is_empty(), "rejected: {:?}", outcome.rejected.first());
        }
        anyhow::Ok((engine, store))
    })?;
    let (reports, values, occurrences) = engine.index_sizes();
    println!("loaded: {reports} reports, {values} distinct values, {occurrences} stored observables");

    // The canonical values, read back from the store.
    let stored = rt.block_on(async {
        let mut all = Vec::with_capacity(occurrences);
        let mut after = None;
        loop {
            let page = store.scan_reports(after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for r in page {
                all.extend(r.observables.into_iter().map(|o| Observable { kind: o.kind, value: o.value }));
            }
        }
        anyhow::Ok(all)
    })?;

    // 2. lookups: visibility-filtered vs an unfiltered hash map of the same values.
    let viewer = engine.local_principal("outsider")?.viewer;
    let started = Instant::now();
    let mut visible = 0usize;
    for o in &stored {
        visible += engine.count(&viewer, o);
    }
    let lookup_secs = started.elapsed().as_secs_f64();
    let mut plain: Vec<FxHashMap<String, Vec<u32>>> = vec![FxHashMap::default(); ObservableKind::ALL.len()];
    for (i, o) in stored.iter().enumerate() {
        plain[o.kind as usize].entry(o.value.clone()).or_default().push(i as u32);
    }
    let started = Instant::now();
    let mut found = 0usize;
    for o in &stored {
        found += plain[o.kind as usize].get(o.value.as_str()).map_or(0, Vec::len);
    }
    let plain_secs = started.elapsed().as_secs_f64();
    let lookup_rate = stored.len() as f64 / lookup_secs;
    let plain_rate = stored.len() as f64 / plain_secs;
    println!(
        "in-process lookups: {} visibility-filtered lookups/s over {} stored observables ({visible} visible hits); unfiltered hash map: {} lookups/s ({found} hits)",
        rate(lookup_rate),
        stored.len(),
        rate(plain_rate)
    );

    // 3. in-process bulk checks of raw selectors.
    // The same seed as the reports: every other selector is a value they hold.
    let raw = demo::selectors(11, 10_000);
    let selectors: Vec<SelectorInput> = raw
        .iter()
        .enumerate()
        .map(|(i, (k, v))| SelectorInput { kind: (i % 4 != 0).then_some(*k), value: v.clone() })
        .collect();
    let mut times = Vec::with_capacity(rounds);
    let mut hits = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let results = engine.check(&viewer, &selectors)?;
        times.push(started.elapsed().as_secs_f64());
        hits = results.iter().filter(|r| r.hit).count();
    }
    let in_process = median(&mut times);
    println!(
        "in-process bulk check: 10,000 raw selectors in {:.2} ms median = {} selectors/s ({hits} hits)",
        in_process * 1e3,
        rate(10_000.0 / in_process)
    );

    // Where an HTTP check's time goes besides checking: JSON in and out.
    #[derive(serde::Deserialize)]
    struct Request {
        #[allow(dead_code)]
        selectors: Vec<SelectorInput>,
    }
    let body = serde_json::to_vec(&serde_json::json!({ "selectors": selectors }))?;
    let results = engine.check(&viewer, &selectors)?;
    let (mut parse, mut serialise) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let started = Instant::now();
        let parsed: Request = serde_json::from_slice(&body)?;
        parse.push(started.elapsed().as_secs_f64());
        drop(parsed);
        let started = Instant::now();
        #[derive(serde::Serialize)]
        struct Answer<'a> {
            results: &'a [engine::CheckResult],
        }
        let out = serde_json::to_vec(&Answer { results: &results })?;
        serialise.push(started.elapsed().as_secs_f64());
        drop(out);
    }
    println!(
        "JSON of a 10,000-selector check: parse request {:.2} ms, serialise answer {:.2} ms",
        median(&mut parse) * 1e3,
        median(&mut serialise) * 1e3
    );

    // 4. over HTTP on loopback.
    let token = rt.block_on(engine.create_token(None, "outsider", Role::Reader, "bench", None))?.token;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    rt.spawn(server::serve(listener, server::AppState::new(engine.clone())));
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/api/v1/check");
    let mut http_times = Vec::with_capacity(rounds);
    rt.block_on(async {
        for i in 0..rounds + 3 {
            let started = Instant::now();
            let resp = client
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await?;
            anyhow::ensure!(resp.status().is_success(), "check answered {}", resp.status());
            let bytes = resp.bytes().await?;
            if i >= 3 {
                http_times.push(started.elapsed().as_secs_f64());
            }
            anyhow::ensure!(bytes.len() > 10_000);
        }
        anyhow::Ok(())
    })?;
    // The server's own view of the same requests (from its metrics): time inside the server.
    let metrics =
        rt.block_on(async { client.get(format!("http://{addr}/metrics")).send().await?.text().await })?;
    let metric = |name: &str| -> Option<f64> {
        metrics
            .lines()
            .find(|l| l.starts_with(name) && l.contains("route=\"/api/v1/check\""))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    };
    if let (Some(sum), Some(count)) = (
        metric("dragnet_http_request_duration_seconds_sum"),
        metric("dragnet_http_request_duration_seconds_count"),
    ) {
        println!("server-side time per check request (mean, from /metrics): {:.2} ms", sum / count * 1e3);
    }
    let http_p50 = median(&mut http_times);
    let http_p95 = http_times[(http_times.len() * 95 / 100).min(http_times.len() - 1)];
    println!(
        "HTTP bulk check: 10,000 raw selectors, p50 {:.2} ms, p95 {:.2} ms (request {} KiB)",
        http_p50 * 1e3,
        http_p95 * 1e3,
        body.len() / 1024
    );

    // 5. canonicalisation per kind.
    let opts = CanonicalizeOptions::default();
    let mut by_kind: BTreeMap<ObservableKind, Vec<&str>> = BTreeMap::new();
    for (k, v) in &raw {
        by_kind.entry(*k).or_default().push(v);
    }
    for (kind, values) in &by_kind {
        let reps = (200_000 / values.len()).max(1);
        let started = Instant::now();
        let mut ok = 0usize;
        for _ in 0..reps {
            for v in values {
                ok += canonicalize(*kind, v, &opts).is_ok() as usize;
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "canonicalise {kind:<8} {:>12} values/s ({} of {} valid)",
            rate((reps * values.len()) as f64 / secs),
            ok / reps,
            values.len()
        );
    }
    println!(
        "check: HTTP 10k-selector p50 {:.2} ms (target < 20 ms); in-process lookups {} /s vs unfiltered hash map {} /s, ratio {:.2}x",
        http_p50 * 1e3,
        rate(lookup_rate),
        rate(plain_rate),
        lookup_rate / plain_rate
    );
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
