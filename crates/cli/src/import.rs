//! `dragnet import scams FILE.csv`: bulk intake of scam reports from a spreadsheet export
//! (`import stix` and `import medallion` are in `import_stix`).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::bail;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use model::scam::{
    AgeBracket, Amount, Incident, IntakeInput, Loss, PaymentMethod, ScamDetails, SourceType, Victim,
    VictimPii,
};
use model::{AudienceInput, ObservableInput, ObservableKind, ReportInput};

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

const COLUMNS: &[&str] = &[
    "title",
    "narrative",
    "date",
    "tlp",
    "labels",
    "source",
    "channel",
    "age_bracket",
    "age",
    "country",
    "region",
    "scam_type",
    "contact_method",
    "impersonated_brand",
    "remote_access_tool",
    "amount",
    "currency",
    "payment_method",
    "recovered",
    "phones",
    "emails",
    "urls",
    "domains",
    "wallets",
    "ibans",
    "telegram",
    "victim_name",
    "victim_phone",
    "victim_email",
    "victim_address",
    "victim_notes",
];

/// Where each known column is.
struct Header(HashMap<&'static str, usize>);

impl Header {
    fn parse(record: &csv::StringRecord) -> anyhow::Result<Header> {
        let mut map = HashMap::new();
        for (i, name) in record.iter().enumerate() {
            let n = name.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
            match COLUMNS.iter().find(|c| **c == n) {
                Some(c) => {
                    if map.insert(*c, i).is_some() {
                        bail!("line 1: column {c:?} appears twice");
                    }
                }
                None => bail!("line 1: unknown column {name:?} (known: {})", COLUMNS.join(", ")),
            }
        }
        if !map.contains_key("scam_type") {
            bail!("line 1: the header has no scam_type column (the one required column)");
        }
        Ok(Header(map))
    }
}

/// One row's fields by column name.
struct Row<'a> {
    header: &'a Header,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, col: &'static str) -> Option<&str> {
        let i = *self.header.0.get(col)?;
        self.record.get(i).map(str::trim).filter(|v| !v.is_empty())
    }

    fn list(&self, col: &'static str) -> Vec<&str> {
        self.get(col)
            .map(|v| v.split(';').map(str::trim).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }

    fn parse<T: std::str::FromStr<Err = String>>(&self, col: &'static str) -> Result<Option<T>, String> {
        self.get(col).map(|v| v.parse::<T>().map_err(|e| format!("column {col}: {e}"))).transpose()
    }
}

fn parse_date(v: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map(|d| d.and_time(Default::default()).and_utc())
        })
        .map_err(|_| format!("column date: {v:?} is not a date (2025-03-01 or RFC 3339)"))
}

/// The intake a CSV row describes, or why it cannot be read.
fn intake(row: &Row<'_>) -> Result<IntakeInput, String> {
    let scam_type = row.parse("scam_type")?.ok_or("column scam_type: missing (it is required)")?;
    let age_bracket = match (row.parse::<AgeBracket>("age_bracket")?, row.get("age")) {
        (Some(b), _) => b,
        (None, Some(a)) => AgeBracket::of_age(
            a.parse::<u32>().map_err(|_| format!("column age: {a:?} is not a whole number of years"))?,
        ),
        (None, None) => AgeBracket::Unknown,
    };
    let amounts = row.list("amount");
    let currencies = row.list("currency");
    let methods = row.list("payment_method");
    let recovered = row.list("recovered");
    if currencies.len() != amounts.len() || methods.len() != amounts.len() {
        return Err(format!(
            "columns amount, currency, payment_method: {} amount(s), {} currency(ies) and {} method(s); give one of each per loss",
            amounts.len(),
            currencies.len(),
            methods.len()
        ));
    }
    if recovered.len() > amounts.len() {
        return Err("column recovered: more values than amounts".into());
    }
    let mut losses = Vec::with_capacity(amounts.len());
    for (i, ((a, c), m)) in amounts.iter().zip(&currencies).zip(&methods).enumerate() {
        losses.push(Loss {
            amount: a.parse::<Amount>().map_err(|e| format!("column amount: {e}"))?,
            currency: c.to_string(),
            method: m.parse::<PaymentMethod>().map_err(|e| format!("column payment_method: {e}"))?,
            paid_at: None,
            recovered: recovered
                .get(i)
                .map(|r| r.parse::<Amount>().map_err(|e| format!("column recovered: {e}")))
                .transpose()?,
        });
    }
    let mut observables = Vec::new();
    for (col, kind) in [
        ("phones", Some(ObservableKind::Phone)),
        ("emails", Some(ObservableKind::Email)),
        ("urls", Some(ObservableKind::Url)),
        ("domains", Some(ObservableKind::Domain)),
        ("wallets", None),
        ("ibans", Some(ObservableKind::Iban)),
        ("telegram", Some(ObservableKind::Telegram)),
    ] {
        for v in row.list(col) {
            observables.push(ObservableInput {
                kind,
                value: v.to_string(),
                role: Some(format!("scammer-{col}")),
            });
        }
    }
    let pii = VictimPii {
        name: row.get("victim_name").map(str::to_string),
        phone: row.get("victim_phone").map(str::to_string),
        email: row.get("victim_email").map(str::to_string),
        address: row.get("victim_address").map(str::to_string),
        notes: row.get("victim_notes").map(str::to_string),
    };
    Ok(IntakeInput {
        title: row.get("title").map(str::to_string),
        narrative: row.get("narrative").unwrap_or_default().to_string(),
        scam: ScamDetails {
            source: row.parse("source")?.unwrap_or(SourceType::Victim),
            channel: row.parse("channel")?,
            victim: Victim {
                age_bracket,
                country: row.get("country").map(str::to_string),
                region: row.get("region").map(str::to_string),
            },
            incident: Incident {
                scam_type,
                contact_method: row.parse("contact_method")?,
                impersonated_brand: row.get("impersonated_brand").map(str::to_string),
                remote_access_tool: row.get("remote_access_tool").map(str::to_string),
            },
            losses,
        },
        victim_pii: (!pii.is_empty()).then_some(pii),
        observables,
        tlp: row.get("tlp").map(str::to_string),
        audience: AudienceInput::default(),
        labels: row.list("labels").into_iter().map(str::to_string).collect(),
        first_seen: row.get("date").map(parse_date).transpose()?,
    })
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
    let (header, width) = match records.next() {
        Some(Ok(h)) => (Header::parse(&h)?, h.len()),
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
                    let parsed = if record.len() != width {
                        Err(format!("{} fields where the header has {width}", record.len()))
                    } else {
                        intake(&Row { header: &header, record })
                            .map(|i| i.into_report_input(communities.clone()))
                    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(header: &str, line: &str) -> Result<IntakeInput, String> {
        let h = Header::parse(&csv::StringRecord::from(header.split(',').collect::<Vec<_>>())).unwrap();
        let record = csv::StringRecord::from(line.split(',').collect::<Vec<_>>());
        intake(&Row { header: &h, record: &record })
    }

    #[test]
    fn rows_become_intakes_and_errors_name_the_column() {
        let i = row(
            "scam_type,age,amount,currency,payment_method,phones,victim_name",
            "tech-support,78,100.50;20,GBP;GBP,gift-card;cash,+1 888 839 1214,Edna",
        )
        .unwrap();
        assert_eq!(i.scam.victim.age_bracket, AgeBracket::From70To79);
        assert_eq!(i.scam.losses.len(), 2);
        assert_eq!(i.scam.losses[0].amount.to_string(), "100.50");
        assert_eq!(i.observables[0].kind, Some(ObservableKind::Phone));
        assert_eq!(i.victim_pii.unwrap().name.as_deref(), Some("Edna"));
        assert!(row("scam_type", "").unwrap_err().contains("scam_type"));
        assert!(row("scam_type", "ponzi").unwrap_err().starts_with("column scam_type: unknown value"));
        assert!(
            row("scam_type,amount,currency,payment_method", "romance,12.x,EUR,wire")
                .unwrap_err()
                .starts_with("column amount")
        );
        assert!(row("scam_type,amount,currency", "romance,12,EUR").unwrap_err().contains("give one of each"));
        assert!(Header::parse(&csv::StringRecord::from(vec!["scam_type", "colour"])).is_err());
        assert!(Header::parse(&csv::StringRecord::from(vec!["title"])).is_err());
    }
}
