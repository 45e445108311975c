//! `dragnet import scams FILE.csv`: bulk intake of scam reports from a spreadsheet export
//! (`import stix` and `import medallion` are in `import_stix`).

use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};
use model::ReportInput;
use model::scam::table::{Header, intake};

use crate::config::Settings;

/// Rows per stored batch (one transaction each).
const BATCH_ROWS: usize = 2_000;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import scam reports from a CSV file with a header row, one report per row.
    ///
    /// Columns (names case-insensitive, any order; only `scam_type` is required):
    ///
    ///   title, narrative, date (when it happened: 2025-03-01 or RFC 3339), tlp (default AMBER
    ///   to the organisation's communities), labels (`;`-separated);
    ///   source (victim, third-party, institution; default victim), channel (hotline, web-form,
    ///   bank, police, platform);
    ///   age_bracket (<20, 20-29, …, 60-69, 70-79, 80+, unknown) or age (years), country (ISO
    ///   alpha-2), region;
    ///   scam_type (tech-support, government-impersonation, business-impersonation,
    ///   family-grandparent, romance, investment-crypto, lottery-inheritance, advance-fee,
    ///   online-shopping, employment, extortion-sextortion, phishing, bec, recovery-scam,
    ///   courier-cash-pickup, other), contact_method (phone-call, sms, e-mail, social-media,
    ///   messaging-app, website, pop-up, search-ad, mail, in-person), impersonated_brand,
    ///   remote_access_tool;
    ///   amount, currency, payment_method, recovered: one loss, or several separated by `;`
    ///   (the same number in each column); amounts are exact decimals (`1250.00`);
    ///   the scammer's indicators, `;`-separated: phones, emails, urls, domains, wallets, ibans,
    ///   telegram (they are also extracted from the narrative);
    ///   the victim's personal data, which only your organisation will ever see: victim_name,
    ///   victim_phone, victim_email, victim_address, victim_notes.
    ///
    /// Every bad row is reported with its line number and the reason; every good row is kept.
    /// Example: `dragnet import scams calls-2025.csv --org "Silver Line Elder Fraud Hotline"`
    #[command(verbatim_doc_comment)]
    Scams(ScamsArgs),
    /// Add STIX objects from bundles or TAXII envelopes to a TAXII collection.
    ///
    /// Objects are validated one by one (common properties of STIX 2.1, and 2.0) and stored
    /// exactly as written; a bad object is reported with its file and position
    /// (`apt1.json: objects[12].created: invalid timestamp "2017-13-01"`) and the others are
    /// kept. Each object's TLP comes from its TLP marking (2.0 or 1.0 ids), else from the
    /// collection: the organisation's own collection is TLP:AMBER for the organisation only, a
    /// community's is TLP:AMBER for the community, the public collection takes TLP:CLEAR only.
    /// The same version of an object added again is not stored twice.
    ///
    /// Examples:
    ///   dragnet import stix apt1.json poisonivy.json --org "National CSIRT"
    ///   dragnet import stix feed.json --org "National CSIRT" --collection <community id>
    #[command(verbatim_doc_comment)]
    Stix(crate::import_stix::StixArgs),
    /// Migrate a medallion TAXII 2.1 server's data file (its memory backend's JSON).
    ///
    /// Creates its api roots, its collections (same ids, titles and can_read / can_write, for
    /// the members of --org), its objects with the date_added of their manifest entries and its
    /// status resources. A file already migrated is refused and nothing changes.
    ///
    /// Example: dragnet import medallion default_data.json --org "Malware Research Group"
    #[command(verbatim_doc_comment)]
    Medallion(crate::import_stix::MedallionArgs),
    /// Import MISP events: event files, feed directories or feed URLs.
    ///
    /// Each event becomes a report of --org with the event's uuid as its id (importing it again
    /// adds nothing). Attributes and objects become observables (ip-src/ip-dst, domain,
    /// hostname, domain|ip, ip-dst|port, url, email-src/email-dst, phone-number, md5, sha1,
    /// sha256, filename|sha256, btc, iban, bank-account-nr holding an IBAN, …), canonicalised as
    /// every dragnet value is; the attribute's type, object, relation and to_ids are kept in the
    /// observable's role. Values of types dragnet has no kind for (xmr, bic, filename, text, …)
    /// and sightings are kept on the report, labelled with their type. tlp: tags (1.0 and 2.0)
    /// give the TLP, other tags become labels; distribution 0 is the organisation only, 1 to 3
    /// the instance as the TLP allows, 4 the dragnet community named like the sharing group.
    /// An event that cannot be read is reported with its file name and why; an attribute that
    /// cannot be used with its event and attribute uuids; everything else is imported.
    ///
    /// Examples:
    ///   dragnet import misp event.json --org "National CSIRT"
    ///   dragnet import misp ./circl-feed/ --org "National CSIRT"
    ///   dragnet import misp https://feeds.example/misp/ --org "National CSIRT"
    #[command(verbatim_doc_comment)]
    Misp(crate::import_misp::MispArgs),
}

#[derive(Args, Debug)]
pub struct ScamsArgs {
    /// The CSV file (`-` for standard input).
    file: PathBuf,
    /// The reporting organisation.
    #[arg(long)]
    org: String,
}

pub async fn run(settings: &Settings, cmd: ImportCommand) -> anyhow::Result<i32> {
    let args = match cmd {
        ImportCommand::Scams(args) => args,
        ImportCommand::Stix(args) => return crate::import_stix::run_stix(settings, args).await,
        ImportCommand::Medallion(args) => return crate::import_stix::run_medallion(settings, args).await,
        ImportCommand::Misp(args) => return crate::import_misp::run(settings, args).await,
    };
    let engine = crate::open_configured(settings).await?;
    let reporter = engine.local_principal(&args.org)?;
    let communities: Vec<String> = engine
        .list_communities()
        .into_iter()
        .filter(|c| c.members.contains(&reporter.org_name))
        .map(|c| c.name)
        .collect();
    let (input, len) = crate::ingest::open_input(&args.file)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let bar = crate::ingest::bytes_bar(len);
    let started = std::time::Instant::now();
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => Header::parse(&h).map_err(anyhow::Error::msg)?,
        Some(Err(e)) => bail!("line 1: {e}"),
        None => bail!("{} is empty", args.file.display()),
    };
    let (mut accepted, mut rejected) = (0usize, 0usize);
    let mut batch: Vec<(&engine::Principal, Result<ReportInput, String>)> = Vec::with_capacity(BATCH_ROWS);
    let mut lines: Vec<u64> = Vec::with_capacity(BATCH_ROWS);
    let report = |line: u64, why: &str| {
        bar.suspend(|| eprintln!("line {line}: {why}"));
    };
    loop {
        let next = records.next();
        if let Some(r) = &next {
            match r {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line());
                    bar.set_position(record.position().map_or(0, |p| p.byte()));
                    if record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    let fields: Vec<&str> = record.iter().collect();
                    let parsed = intake(&header, &fields).map(|i| i.into_report_input(communities.clone()));
                    batch.push((&reporter, parsed));
                    lines.push(line);
                }
                Err(e) => {
                    rejected += 1;
                    let line = e.position().map_or(0, |p| p.line());
                    report(line, &e.to_string());
                }
            }
        }
        if batch.len() >= BATCH_ROWS || (next.is_none() && !batch.is_empty()) {
            let outcome = engine.import(std::mem::take(&mut batch)).await?;
            accepted += outcome.accepted.len();
            rejected += outcome.rejected.len();
            for r in &outcome.rejected {
                report(lines[r.index], &r.error.message);
            }
            lines.clear();
            bar.set_message(format!("{accepted} stored, {rejected} rejected"));
        }
        if next.is_none() {
            break;
        }
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "imported {}: {accepted} scam reports stored, {rejected} rows rejected, in {secs:.1} s ({:.0} rows/s)",
        args.file.display(),
        (accepted + rejected) as f64 / secs.max(1e-9)
    );
    Ok(if rejected == 0 { 0 } else { 1 })
}
