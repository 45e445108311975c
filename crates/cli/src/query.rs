//! `dragnet lookup` and `dragnet check`, against a server or the data directory.

use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use engine::{CheckResult, LookupView, SelectorInput};
use model::ObservableKind;

use crate::config::Settings;

#[derive(Args, Debug)]
pub struct LookupArgs {
    /// Observable kind (ipv4, ipv6, domain, url, email, phone, btc, eth, trx, ltc, iban, md5,
    /// sha1, sha256, pdq, telegram) or `auto` to infer it.
    kind: String,
    /// The value, written any way (it is canonicalised).
    value: String,
    /// With the data directory: the organisation whose view to show.
    #[arg(long)]
    org: Option<String>,
    /// Print the JSON answer.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// File with one selector per line: `VALUE` (kind inferred) or `KIND<TAB>VALUE`; `-` for stdin.
    file: PathBuf,
    /// With the data directory: the organisation whose view to use.
    #[arg(long)]
    org: Option<String>,
    /// Print the JSON answer.
    #[arg(long)]
    json: bool,
}

pub(crate) fn parse_kind(kind: &str) -> anyhow::Result<Option<ObservableKind>> {
    if kind.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    Ok(Some(kind.parse().map_err(|e| anyhow!("{e} (expected one of the kinds in --help, or auto)"))?))
}

pub(crate) fn client(settings: &Settings) -> anyhow::Result<Option<(reqwest::Client, reqwest::Url, String)>> {
    let Some(server) = &settings.server else { return Ok(None) };
    let url = reqwest::Url::parse(server).with_context(|| format!("invalid server url {server:?}"))?;
    let token = settings.token.clone().ok_or_else(|| anyhow!("--server needs --token (or DRAGNET_TOKEN)"))?;
    Ok(Some((reqwest::Client::new(), url, token)))
}

pub(crate) async fn answer<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> anyhow::Result<T> {
    let status = resp.status();
    let body = resp.text().await.context("cannot read the server's answer")?;
    if !status.is_success() {
        bail!("server answered {status}: {body}");
    }
    serde_json::from_str(&body).with_context(|| format!("unexpected answer from the server: {body}"))
}

pub async fn lookup(settings: &Settings, args: LookupArgs) -> anyhow::Result<()> {
    let kind = parse_kind(&args.kind)?;
    let view: LookupView = match client(settings)? {
        Some((http, mut url, token)) => {
            url.path_segments_mut().map_err(|()| anyhow!("invalid server url"))?.pop_if_empty().extend([
                "api",
                "v1",
                "observables",
                kind.map_or("auto", ObservableKind::as_str),
                &args.value,
            ]);
            answer(http.get(url).bearer_auth(token).send().await.context("cannot reach the server")?).await?
        }
        None => {
            let org =
                args.org.as_deref().ok_or_else(|| anyhow!("give --org NAME (whose view) or --server URL"))?;
            let engine = crate::open_configured(settings).await?;
            let who = engine.local_principal(org)?;
            engine.lookup(&who.viewer, kind, &args.value, None)?
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(());
    }
    println!("{} {}  ({})", view.kind, view.canonical, view.stix_id);
    if !view.flags.is_empty() {
        println!("flags: {}", serde_json::to_string(&view.flags)?);
    }
    println!("seen in {} visible report(s)", view.count);
    if view.held_elsewhere {
        println!(
            "held elsewhere: reports you may not read hold it too (ask with `dragnet access-requests request {} {}`)",
            view.kind, view.canonical
        );
    }
    if let (Some(f), Some(l)) = (view.first_seen, view.last_seen) {
        println!("first seen {f}, last seen {l}");
    }
    if !view.organizations.is_empty() {
        println!("by: {}", view.organizations.join(", "));
    }
    for o in &view.occurrences {
        println!(
            "  {}  {:<6} {:<13} {:<20} {}",
            o.report_id,
            o.report_kind.as_str(),
            o.tlp.as_str(),
            o.role.as_deref().unwrap_or("-"),
            o.organization
        );
    }
    Ok(())
}

fn read_selectors(file: &PathBuf) -> anyhow::Result<Vec<SelectorInput>> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let selector = match line.split_once('\t') {
            Some((k, v)) => SelectorInput {
                kind: parse_kind(k.trim()).with_context(|| format!("line {}", i + 1))?,
                value: v.to_string(),
            },
            None => SelectorInput { kind: None, value: line.to_string() },
        };
        out.push(selector);
    }
    Ok(out)
}

pub async fn check(settings: &Settings, args: CheckArgs) -> anyhow::Result<()> {
    let selectors = read_selectors(&args.file)?;
    let mut results: Vec<CheckResult> = Vec::with_capacity(selectors.len());
    match client(settings)? {
        Some((http, mut url, token)) => {
            url.path_segments_mut()
                .map_err(|()| anyhow!("invalid server url"))?
                .pop_if_empty()
                .extend(["api", "v1", "check"]);
            #[derive(serde::Deserialize)]
            struct Answer {
                results: Vec<CheckResult>,
            }
            for chunk in selectors.chunks(engine::CHECK_MAX_SELECTORS) {
                let body = serde_json::json!({ "selectors": chunk });
                let resp = http.post(url.clone()).bearer_auth(&token).json(&body).send().await?;
                let offset = results.len();
                let a: Answer = answer(resp).await?;
                results.extend(a.results.into_iter().map(|mut r| {
                    r.index += offset;
                    r
                }));
            }
        }
        None => {
            let org =
                args.org.as_deref().ok_or_else(|| anyhow!("give --org NAME (whose view) or --server URL"))?;
            let engine = crate::open_configured(settings).await?;
            let who = engine.local_principal(org)?;
            for chunk in selectors.chunks(engine::CHECK_MAX_SELECTORS) {
                let offset = results.len();
                results.extend(engine.check(&who.viewer, chunk)?.into_iter().map(|mut r| {
                    r.index += offset;
                    r
                }));
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "results": results }))?);
        return Ok(());
    }
    let hits = results.iter().filter(|r| r.hit).count();
    for r in &results {
        match &r.error {
            Some(e) => println!("{}\terror\t{}\t{}", r.index, e.code, e.message),
            None => println!(
                "{}\t{}\t{}\t{}{}",
                r.index,
                r.kind.map_or("-", ObservableKind::as_str),
                r.canonical.as_deref().unwrap_or("-"),
                r.count,
                if r.held_elsewhere { "\theld-elsewhere" } else { "" }
            ),
        }
    }
    let held = results.iter().filter(|r| r.held_elsewhere).count();
    eprintln!("{} selectors checked, {hits} hit(s), {held} held elsewhere", results.len());
    Ok(())
}
