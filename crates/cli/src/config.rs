//! One configuration for every command: a TOML file < `DRAGNET_*` environment variables < flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{ArgMatches, Args, parser::ValueSource};
use serde::Deserialize;

/// The default data directory, relative to the current directory.
pub const DEFAULT_DATA_DIR: &str = "dragnet-data";
/// The default data directory of `dragnet demo`.
pub const DEFAULT_DEMO_DIR: &str = "dragnet-demo";
/// The configuration file read when present and no `--config` is given.
pub const DEFAULT_CONFIG_FILE: &str = "dragnet.toml";

/// Settings shared by the commands. Each may come from the configuration file (same names,
/// `snake_case`), from the environment (`DRAGNET_` + upper case) or from a flag; flags win
/// over the environment, which wins over the file.
#[derive(Args, Clone, Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Data directory of the embedded store [default: ./dragnet-data, ./dragnet-demo for demo]
    #[arg(long, global = true, env = "DRAGNET_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Database URL of a shared store instead of the data directory (`postgres://USER@HOST/DB`)
    #[arg(long, global = true, env = "DRAGNET_DATABASE_URL", value_name = "URL", conflicts_with = "data")]
    pub database: Option<String>,

    /// Address the server listens on [default: 127.0.0.1:8080]
    #[arg(long, global = true, env = "DRAGNET_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Serve HTTPS with this PEM certificate chain (leaf first; with --tls-key)
    #[arg(long, global = true, env = "DRAGNET_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1)
    #[arg(long, global = true, env = "DRAGNET_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Region (ISO 3166-1 alpha-2) for phone numbers written without a country code, e.g. US
    #[arg(long, global = true, env = "DRAGNET_DEFAULT_REGION", value_name = "CC")]
    pub default_region: Option<String>,

    /// Directory of MISP warning lists (`list.json` files, e.g. a misp-warninglists checkout),
    /// used besides the built-in lists to flag extracted indicators
    #[arg(long, global = true, env = "DRAGNET_WARNINGLISTS", value_name = "DIR")]
    pub warninglists: Option<PathBuf>,

    /// Organisations whose public scam-report form is served at `/intake/<name-as-slug>` (a plain
    /// HTML form for victims, rate-limited; comma-separate several)
    #[arg(long, global = true, env = "DRAGNET_PUBLIC_INTAKE", value_name = "ORG", value_delimiter = ',')]
    pub public_intake: Option<Vec<String>>,

    /// Title of the default TAXII 2.1 api root (`/taxii2/api/`), shown to TAXII clients
    /// [default: dragnet]
    #[arg(long, global = true, env = "DRAGNET_TAXII_TITLE", value_name = "TEXT")]
    pub taxii_title: Option<String>,

    /// Largest TAXII 2.1 request body, in bytes, the default api root accepts (its
    /// `max_content_length`) [default: 10485760]
    #[arg(long, global = true, env = "DRAGNET_TAXII_MAX_CONTENT_LENGTH", value_name = "BYTES")]
    pub taxii_max_content_length: Option<u64>,

    /// Seconds without an event after which an event stream (`GET /api/v1/stream`) sends a
    /// heartbeat comment [default: 15]
    #[arg(long, global = true, env = "DRAGNET_STREAM_HEARTBEAT", value_name = "SECONDS")]
    pub stream_heartbeat: Option<u64>,

    /// Events a stream client may fall behind by before it is disconnected with
    /// `stream_lagged` (it resumes with its last event id) [default: 1024]
    #[arg(long, global = true, env = "DRAGNET_STREAM_BUFFER", value_name = "EVENTS")]
    pub stream_buffer: Option<usize>,

    /// Requests per token: `N/s`, `N/m` or `N/h`, optionally `,BURST` (e.g. `50/s,500`);
    /// over it, `429 rate_limited` with `Retry-After` [default: off]
    #[arg(long, global = true, env = "DRAGNET_RATE_LIMIT_TOKEN", value_name = "RATE")]
    pub rate_limit_token: Option<String>,

    /// Failed authentications per client address (same syntax, or `off`); over it, requests
    /// whose credentials do not authenticate get `429` [default: 30/m,60]
    #[arg(long, global = true, env = "DRAGNET_RATE_LIMIT_AUTH_FAILURES", value_name = "RATE")]
    pub rate_limit_auth_failures: Option<String>,

    /// This instance's name, shown to peers (federation) [default: the stored one, first
    /// `dragnet-` and the first digits of the instance id]
    #[arg(long, global = true, env = "DRAGNET_INSTANCE_NAME", value_name = "NAME")]
    pub instance_name: Option<String>,

    /// Let every peer's URL resolve to private, loopback or link-local addresses (federation;
    /// otherwise only peers added with `--allow-private` may)
    #[arg(long, global = true, env = "DRAGNET_FEDERATION_ALLOW_PRIVATE", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub federation_allow_private: Option<bool>,

    /// Seconds between two polls of a TAXII peer's collection [default: 60]
    #[arg(long, global = true, env = "DRAGNET_FEDERATION_TAXII_INTERVAL", value_name = "SECONDS")]
    pub federation_taxii_interval: Option<u64>,

    /// PEM file of certificate authorities trusted for `https://` peers besides the system's
    /// (e.g. the private CA of a partner network)
    #[arg(long, global = true, env = "DRAGNET_FEDERATION_CA", value_name = "FILE")]
    pub federation_ca: Option<PathBuf>,

    /// Whether `serve` pulls its peers [default: true]. With several nodes on one database,
    /// let one node pull (`--federation-pull false` on the others): the pulled intelligence
    /// reaches every node through the database
    #[arg(long, global = true, env = "DRAGNET_FEDERATION_PULL", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub federation_pull: Option<bool>,

    /// Log filter, e.g. `info`, `dragnet=debug,tower_http=debug`
    #[arg(long, global = true, env = "DRAGNET_LOG", value_name = "FILTER")]
    pub log: Option<String>,

    /// URL of a running dragnet server for `lookup`, `check`, `tail`, … (instead of the data
    /// directory)
    #[arg(long, visible_alias = "url", global = true, env = "DRAGNET_SERVER", value_name = "URL")]
    pub server: Option<String>,

    /// Bearer token for `--server`
    #[arg(long, global = true, env = "DRAGNET_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl Settings {
    /// Fills every setting that was given neither as a flag nor in the environment from `file`.
    pub fn merge_file(&mut self, file: Settings, matches: &ArgMatches) {
        fn given(m: &ArgMatches, id: &str) -> bool {
            matches!(m.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
        }
        // Global args are visible in the subcommand matches too; look at the deepest one.
        let mut m = matches;
        while let Some((_, sub)) = m.subcommand() {
            m = sub;
        }
        macro_rules! fill {
            ($($field:ident),*) => {$(
                if !given(m, stringify!($field)) && !given(matches, stringify!($field)) && file.$field.is_some() {
                    self.$field = file.$field;
                }
            )*};
        }
        fill!(
            data,
            database,
            listen,
            tls_cert,
            tls_key,
            default_region,
            warninglists,
            public_intake,
            taxii_title,
            taxii_max_content_length,
            stream_heartbeat,
            stream_buffer,
            rate_limit_token,
            rate_limit_auth_failures,
            instance_name,
            federation_allow_private,
            federation_taxii_interval,
            federation_ca,
            federation_pull,
            log,
            server,
            token
        );
    }

    /// Reads a configuration file; a missing default file is no error.
    pub fn read_file(path: Option<&Path>) -> anyhow::Result<Settings> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read config file {}", path.display())),
        };
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }

    /// Engine options: the default region, and the built-in warning lists plus those of the
    /// `warninglists` directory.
    pub fn engine_options(&self) -> anyhow::Result<engine::EngineOptions> {
        Ok(engine::EngineOptions {
            default_region: self.default_region.clone(),
            warninglists: crate::warninglists::load(self.warninglists.as_deref())?,
            public_intake: self.public_intake.clone().unwrap_or_default(),
            taxii_title: self.taxii_title.clone(),
            taxii_max_content_length: self.taxii_max_content_length,
            bus: None,
            instance_name: self.instance_name.clone(),
        })
    }

    /// Settings of the HTTP edge: the stream's heartbeat and buffer, the rest by default.
    pub fn server_options(&self) -> anyhow::Result<server::ServerOptions> {
        let mut options = server::ServerOptions::default();
        if let Some(s) = self.stream_heartbeat {
            if s == 0 {
                bail!("--stream-heartbeat must be at least 1 second");
            }
            options.stream_heartbeat = std::time::Duration::from_secs(s);
        }
        if let Some(n) = self.stream_buffer {
            if n == 0 {
                bail!("--stream-buffer must be at least 1 event");
            }
            options.stream_buffer = n;
        }
        let rate = |flag: &str, value: &str| -> anyhow::Result<Option<server::limits::Rate>> {
            if value.trim() == "off" {
                return Ok(None);
            }
            server::limits::Rate::parse(value).map(Some).map_err(|e| anyhow::anyhow!("{flag}: {e}"))
        };
        if let Some(v) = &self.rate_limit_token {
            options.token_rate = rate("--rate-limit-token", v)?;
        }
        if let Some(v) = &self.rate_limit_auth_failures {
            options.auth_failure_rate = rate("--rate-limit-auth-failures", v)?;
        }
        Ok(options)
    }

    /// How `serve` pulls its peers.
    pub fn federation_options(&self) -> anyhow::Result<server::federation::FederationOptions> {
        let mut options = server::federation::FederationOptions {
            allow_private: self.federation_allow_private.unwrap_or(false),
            ..Default::default()
        };
        if let Some(s) = self.federation_taxii_interval {
            if s == 0 {
                bail!("--federation-taxii-interval must be at least 1 second");
            }
            options.taxii_interval = std::time::Duration::from_secs(s);
        }
        if let Some(path) = &self.federation_ca {
            options.extra_roots =
                server::federation::read_roots(path).map_err(|e| anyhow::anyhow!("--federation-ca: {e}"))?;
        }
        Ok(options)
    }

    /// The certificate and key `serve` answers HTTPS with, when given.
    pub fn tls(&self) -> anyhow::Result<Option<server::tls::Tls>> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(server::tls::Tls::from_pem_files(cert, key)?)),
            (None, None) => Ok(None),
            _ => bail!("--tls-cert and --tls-key go together"),
        }
    }

    pub fn data_dir(&self, default: &str) -> PathBuf {
        self.data.clone().unwrap_or_else(|| PathBuf::from(default))
    }

    pub fn listen(&self) -> SocketAddr {
        self.listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)))
    }

    /// Where the store lives: the data directory, or a database URL.
    pub fn store_location(&self, default: &str) -> anyhow::Result<StoreLocation> {
        match &self.database {
            None => Ok(StoreLocation::Dir(self.data_dir(default))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StoreLocation::Postgres(url.clone()))
            }
            Some(url) => match url.strip_prefix("sqlite://") {
                Some(path) => Ok(StoreLocation::Dir(PathBuf::from(path))),
                None => bail!(
                    "unsupported database url {url:?}: use postgres://USER@HOST:PORT/DB, sqlite://DIR, or --data DIR"
                ),
            },
        }
    }
}

/// Where the store lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreLocation {
    /// The embedded SQLite store in a data directory.
    Dir(PathBuf),
    /// A shared PostgreSQL database.
    Postgres(String),
}
