//! Ingest throughput: dragnet's embedded store vs raw SQLite batched inserts of the same rows.
//!
//! dragnet: `Engine::submit_batch` on a file-backed `SqliteStore` — JSON-shaped input validated,
//! every observable canonicalised, reports written durably (WAL, synchronous=FULL, one
//! transaction per batch) and added to the correlation index; two batches in flight, so one
//! is prepared while the other is written (writes themselves are serialised, as SQLite's are).
//!
//! Anchor: the same rows (the reports dragnet stored, read back) inserted into the same schema
//! with rusqlite prepared statements, one transaction per batch of the same size, the same
//! pragmas as the store's writer (WAL, synchronous=FULL, cache size, checkpoint interval):
//! the floor of what SQLite itself costs, with no validation, canonicalisation or indexing.

use std::sync::Arc;

/// The allocator of the `dragnet` binary (mimalloc), so the figures are the product's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

use bench::{TempDir, arg, rate};
use engine::{Engine, EngineOptions};
use futures::StreamExt;
use model::Report;
use store::{SqliteStore, Store};

/// Batches submitted concurrently.
const IN_FLIGHT: usize = 2;

const SCHEMA: &str = include_str!("../../../crates/store/migrations/sqlite/0001_initial.sql");

fn main() -> anyhow::Result<()> {
    let n: usize = arg("reports", 100_000);
    let batch: usize = arg("batch", 5_000);
    let per_report = 5;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    eprintln!("generating {n} reports with {per_report} observables each…");
    let inputs = demo::reports_with_observables(7, n, per_report);

    // dragnet
    let dir = TempDir::new("ingest-dragnet");
    let (dragnet_secs, stored) = rt.block_on(async {
        let store = Arc::new(SqliteStore::open(&dir.0).await?);
        let engine = Engine::open(store.clone(), EngineOptions::default()).await?;
        engine.create_org(None, "bench", false).await?;
        let author = engine.local_principal("bench")?;
        let started = Instant::now();
        let mut accepted = 0;
        // Two batches in flight, as two clients (or `dragnet ingest`) would have: one is
        // validated and canonicalised while the other is written. Writes stay serialised.
        let mut outcomes = futures::stream::iter(inputs.chunks(batch))
            .map(|chunk| engine.submit_batch(&author, chunk.iter().cloned().map(Ok).collect()))
            .buffered(IN_FLIGHT);
        while let Some(outcome) = outcomes.next().await {
            let outcome = outcome?;
            anyhow::ensure!(outcome.rejected.is_empty(), "rejected: {:?}", outcome.rejected.first());
            accepted += outcome.accepted.len();
        }
        drop(outcomes);
        let secs = started.elapsed().as_secs_f64();
        anyhow::ensure!(accepted == n);
        let mut stored: Vec<Report> = Vec::with_capacity(n);
        let mut after = None;
        loop {
            let page = store.scan_reports(after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            stored.extend(page);
        }
        anyhow::Ok((secs, stored))
    })?;
    let rows: usize = stored.iter().map(|r| 1 + r.observables.len()).sum();

    // raw SQLite
    let raw_dir = TempDir::new("ingest-raw");
    let raw_secs = raw_insert(&raw_dir.0.join("raw.db"), &stored, batch)?;

    let dragnet_rate = n as f64 / dragnet_secs;
    let raw_rate = n as f64 / raw_secs;
    println!("reports: {n}, observables per report: {per_report}, rows: {rows}, batch: {batch}");
    println!(
        "dragnet ingest (validate + canonicalise + store + index): {} reports/s ({dragnet_secs:.2} s)",
        rate(dragnet_rate)
    );
    println!(
        "raw SQLite batched inserts of the same rows (rusqlite): {} reports/s ({raw_secs:.2} s)",
        rate(raw_rate)
    );
    println!(
        "ingest: dragnet {} reports/s vs raw sqlite {} reports/s, ratio {:.2}x",
        rate(dragnet_rate),
        rate(raw_rate),
        dragnet_rate / raw_rate
    );
    Ok(())
}

fn raw_insert(path: &std::path::Path, reports: &[Report], batch: usize) -> anyhow::Result<f64> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The embedded store's writer settings, so that only the work differs.
    conn.pragma_update(None, "cache_size", "-65536")?;
    conn.pragma_update(None, "temp_store", "memory")?;
    conn.pragma_update(None, "wal_autocheckpoint", "10000")?;
    conn.execute_batch(SCHEMA)?;
    let micros = |t: chrono::DateTime<chrono::Utc>| t.timestamp_micros();
    let started = Instant::now();
    for chunk in reports.chunks(batch) {
        let tx = conn.transaction()?;
        {
            let mut report = tx.prepare_cached(
                "INSERT INTO reports (id, kind, title, narrative, tlp, author_org, audience, labels, \
                 created_at, first_seen, last_seen, revoked_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            )?;
            let mut observable = tx.prepare_cached(
                "INSERT INTO report_observables (report_id, position, kind, value, original, role) \
                 VALUES (?,?,?,?,?,?)",
            )?;
            for r in chunk {
                report.execute(rusqlite::params![
                    r.id.as_bytes().as_slice(),
                    r.kind.as_str(),
                    r.title,
                    r.narrative,
                    r.tlp.as_str(),
                    r.author.0.as_bytes().as_slice(),
                    serde_json::to_string(&r.audience)?,
                    serde_json::to_string(&r.labels)?,
                    micros(r.created_at),
                    r.first_seen.map(micros),
                    r.last_seen.map(micros),
                    r.revoked_at.map(micros),
                ])?;
                for (i, o) in r.observables.iter().enumerate() {
                    observable.execute(rusqlite::params![
                        r.id.as_bytes().as_slice(),
                        i as i64,
                        o.kind.as_str(),
                        o.value,
                        o.original,
                        o.role
                    ])?;
                }
            }
        }
        tx.commit()?;
    }
    Ok(started.elapsed().as_secs_f64())
}
