//! `dragnet admin`: organisations, communities and tokens, on the data directory.

use anyhow::Context;
use clap::Subcommand;
use model::Role;

use crate::config::Settings;

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Organisations: `admin org create NAME [--operator]`, `admin org list`,
    /// `admin org discoverable NAME on|off`.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Sharing communities: `admin community create NAME --member ORG...`.
    #[command(subcommand)]
    Community(CommunityCommand),
    /// API tokens: `admin token create --org NAME --role ROLE` prints the token once.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Hash lists: `admin hashset create NAME --org ORG --category csam --tlp AMBER`,
    /// `admin hashset import NAME FILE --org ORG`, `admin hashset list --org ORG`.
    #[command(subcommand)]
    Hashset(crate::hashes::HashSetCommand),
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create a member organisation.
    Create {
        /// The organisation's unique name.
        name: String,
        /// The organisation operates the instance: its admins manage organisations and communities.
        #[arg(long)]
        operator: bool,
    },
    /// List the organisations.
    List,
    /// Turn an organisation's "all our reports are discoverable" setting on or off (hit/no-hit:
    /// others learn only that a selector is held elsewhere and may ask for access). Reports
    /// marked `"discoverable": false`, and TLP:RED ones, are never discoverable.
    Discoverable {
        /// The organisation.
        name: String,
        /// `on` or `off`.
        #[arg(value_parser = parse_on_off, action = clap::ArgAction::Set)]
        setting: bool,
    },
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        other => Err(format!("expected on or off, got {other:?}")),
    }
}

#[derive(Subcommand, Debug)]
pub enum CommunityCommand {
    /// Create a sharing community that AMBER reports can address.
    Create {
        name: String,
        /// A member organisation (repeat for several).
        #[arg(long = "member", value_name = "ORG")]
        members: Vec<String>,
    },
    /// Replace the members of a community.
    SetMembers {
        name: String,
        #[arg(long = "member", value_name = "ORG")]
        members: Vec<String>,
    },
    /// List the communities and their members.
    List,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token; the secret is printed alone on the last line of stdout, this once.
    Create {
        /// The organisation the token acts for.
        #[arg(long)]
        org: String,
        /// admin, analyst, contributor or reader.
        #[arg(long)]
        role: Role,
        /// A note to recognise the token by.
        #[arg(long, default_value = "")]
        label: String,
        /// Days until the token expires [default: never].
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: uuid::Uuid },
}

pub async fn run(settings: &Settings, cmd: AdminCommand) -> anyhow::Result<()> {
    let engine = crate::open_configured(settings).await?;
    match cmd {
        AdminCommand::Org(OrgCommand::Create { name, operator }) => {
            let org = engine.create_org(None, &name, operator).await?;
            println!("created organisation {:?} ({})", org.name, org.id);
        }
        AdminCommand::Org(OrgCommand::List) => {
            for o in engine.list_orgs() {
                println!("{}\t{}{}", o.id, o.name, if o.operator { "\t(operator)" } else { "" });
            }
        }
        AdminCommand::Org(OrgCommand::Discoverable { name, setting }) => {
            let s = engine.set_reports_discoverable(None, &name, setting).await?;
            println!(
                "reports of {:?} are {}",
                s.organization,
                if s.reports_discoverable { "discoverable" } else { "discoverable only when marked" }
            );
        }
        AdminCommand::Community(CommunityCommand::Create { name, members }) => {
            let c = engine.create_community(None, &name, &members).await?;
            println!("created community {:?} with {} members", c.name, c.members.len());
        }
        AdminCommand::Community(CommunityCommand::SetMembers { name, members }) => {
            let c = engine.set_community_members(None, &name, &members).await?;
            println!("community {:?} now has {} members", c.name, c.members.len());
        }
        AdminCommand::Community(CommunityCommand::List) => {
            for c in engine.list_communities() {
                println!("{}\t{}", c.name, c.members.join(", "));
            }
        }
        AdminCommand::Token(TokenCommand::Create { org, role, label, expires_in_days }) => {
            let expires = expires_in_days.map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d)));
            let t = engine
                .create_token(None, &org, role, &label, expires)
                .await
                .context("cannot create the token")?;
            println!(
                "token {} for {:?} as {} (shown once; store it now):",
                t.info.id, t.info.organization, t.info.role
            );
            println!("{}", t.token);
        }
        AdminCommand::Token(TokenCommand::List) => {
            for t in engine.list_tokens(None).await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                println!("{}\t{}\t{}\t{}\t{}", t.id, t.organization, t.role, state, t.label);
            }
        }
        AdminCommand::Token(TokenCommand::Revoke { id }) => {
            engine.revoke_token(None, id).await?;
            println!("revoked token {id}");
        }
        AdminCommand::Hashset(cmd) => crate::hashes::admin(&engine, cmd).await?,
    }
    Ok(())
}
