//! Scam reports as rows of a table (`dragnet import scams FILE.csv`): the header's column names
//! and one row's fields, already split by a CSV reader, read into an [`IntakeInput`]. Pure: the
//! caller tokenises the file (and numbers its lines).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    AgeBracket, Amount, Incident, IntakeInput, Loss, PaymentMethod, ScamDetails, SourceType, Victim,
    VictimPii,
};
use crate::ObservableKind;
use crate::report::{AudienceInput, ObservableInput};

/// The columns a table may have (names case-insensitive, any order; only `scam_type` is
/// required).
pub const COLUMNS: &[&str] = &[
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
#[derive(Clone, Debug)]
pub struct Header {
    columns: HashMap<&'static str, usize>,
    width: usize,
}

impl Header {
    /// Reads the header row; the error (`line 1: …`) names the column at fault.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Header, String> {
        let mut columns = HashMap::new();
        let mut width = 0;
        for (i, name) in names.into_iter().enumerate() {
            width = i + 1;
            let n = name.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
            match COLUMNS.iter().find(|c| **c == n) {
                Some(c) => {
                    if columns.insert(*c, i).is_some() {
                        return Err(format!("line 1: column {c:?} appears twice"));
                    }
                }
                None => {
                    return Err(format!("line 1: unknown column {name:?} (known: {})", COLUMNS.join(", ")));
                }
            }
        }
        if !columns.contains_key("scam_type") {
            return Err("line 1: the header has no scam_type column (the one required column)".into());
        }
        Ok(Header { columns, width })
    }

    /// The number of columns.
    pub fn width(&self) -> usize {
        self.width
    }
}

/// One row's fields by column name.
struct Row<'a> {
    header: &'a Header,
    fields: &'a [&'a str],
}

impl Row<'_> {
    fn get(&self, col: &'static str) -> Option<&str> {
        let i = *self.header.columns.get(col)?;
        self.fields.get(i).map(|f| f.trim()).filter(|v| !v.is_empty())
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

/// The intake one row describes, or why it cannot be read (`column <name>: …`). A row with
/// another number of fields than the header is refused.
pub fn intake(header: &Header, fields: &[&str]) -> Result<IntakeInput, String> {
    if fields.len() != header.width {
        return Err(format!("{} fields where the header has {}", fields.len(), header.width));
    }
    let row = Row { header, fields };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(header: &str, line: &str) -> Result<IntakeInput, String> {
        let h = Header::parse(header.split(',')).unwrap();
        intake(&h, &line.split(',').collect::<Vec<_>>())
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
        assert!(row("scam_type,title", "romance").unwrap_err().contains("1 fields where the header has 2"));
        assert!(Header::parse(["scam_type", "colour"]).unwrap_err().contains("unknown column \"colour\""));
        assert!(Header::parse(["title"]).is_err());
        assert!(Header::parse(["scam_type", "SCAM_TYPE"]).unwrap_err().contains("appears twice"));
    }
}
