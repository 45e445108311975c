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
    /// This instance's identity (federation): `admin instance` shows its id and name,
    /// `admin instance --name NAME` renames it.
    Instance {
        /// The new name
        #[arg(long)]
        name: Option<String>,
    },
    /// Hash lists: `admin hashset create NAME --org ORG --category csam --tlp AMBER`,
    /// `admin hashset import NAME FILE --org ORG`, `admin hashset list --org ORG`.
    #[command(subcommand)]
    Hashset(crate::hashes::HashSetCommand),
    /// Check the database: SQLite's `integrity_check` and `foreign_key_check` (PostgreSQL: the
    /// store's gapless sequences), then the audit chain. Exit status 1 on any problem.
    Check,
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
        /// A peer organisation: it represents another instance, whose tokens pull from this
        /// one (federation): they read only the event stream, reports by id and TAXII, under
        /// the export rule (never TLP:RED or AMBER+STRICT; AMBER only when it is named).
        #[arg(long, conflicts_with = "operator")]
        peer: bool,
    },
    /// Mark an organisation as a peer organisation (`on`) or a member again (`off`).
    Peer {
        /// The organisation.
        name: String,
        /// `on` or `off`.
        #[arg(value_parser = parse_on_off, action = clap::ArgAction::Set)]
        setting: bool,
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
        AdminCommand::Org(OrgCommand::Create { name, operator, peer }) => {
            let org = engine.create_org_as(None, &name, operator, peer).await?;
            println!(
                "created {}organisation {:?} ({})",
                if org.peer { "peer " } else { "" },
                org.name,
                org.id
            );
        }
        AdminCommand::Org(OrgCommand::List) => {
            for o in engine.list_orgs() {
                let what = if o.operator {
                    "\t(operator)"
                } else if o.peer {
                    "\t(peer)"
                } else {
                    ""
                };
                println!("{}\t{}{what}", o.id, o.name);
            }
        }
        AdminCommand::Org(OrgCommand::Peer { name, setting }) => {
            let o = engine.set_org_peer(None, &name, setting).await?;
            println!(
                "{:?} is {}",
                o.name,
                if o.peer { "a peer organisation (federation reads only)" } else { "a member organisation" }
            );
        }
        AdminCommand::Instance { name } => {
            let i = match name {
                Some(n) => engine.rename_instance(None, &n).await?,
                None => engine.instance(),
            };
            println!("{}\t{}", i.id, i.name);
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
        AdminCommand::Check => anyhow::bail!("admin check is run by dragnet itself, not here"),
    }
    Ok(())
}
