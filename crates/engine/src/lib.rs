//! dragnet's application layer.
//!
//! The [`Engine`] owns the store, the in-memory correlation index and the directory of
//! organisations and communities. The HTTP server and the CLI both drive it; neither talks to
//! the store directly. Every read goes through [`model::can_see`] via the correlation index.
//! Every write stores its [`model::event::Event`]s with the change and publishes them on the
//! [`EventBus`]; [`Engine::stream`] follows them for one reader (see [`events`]).

mod error;
mod views;

pub use error::EngineError;
pub use views::*;
mod alerts;
mod apply;
mod audit;
pub use audit::{AUDIT_READ_IDS_MAX, AuditEntryView, AuditFilter, audit_actor, read_is_audited};
mod campaigns;

pub use apply::SYNC_POLL_DEFAULT;

pub use alerts::{AlertRuleInput, AlertRuleView, RULE_MAX_SELECTORS};
mod directory;
mod discovery;

pub use discovery::{
    ACCESS_REQUESTS_PENDING_MAX, AccessGrantView, DiscoverySettingView, IncomingAccessRequestView,
    OutgoingAccessRequestView, RequestedAccess,
};
mod engine;
pub mod events;
mod federation;
pub use federation::{
    Imported, PeerInput, PeerView, ServedObservable, ServedReport, TAXII_PEER_DEFAULT_TLP, TaxiiImported,
    normalize_peer_url,
};
mod graph_export;
mod hashlists;
mod links;
mod misp_export;
mod misp_import;
mod scams;
pub use misp_import::{MispDocument, MispImported};
mod stix_export;
mod stix_import;
pub use stix_import::StixMapped;
mod taxii;

pub use taxii::{
    AddOutcome, ApiRootView, CollectionView, MedallionImport, ObjectPage, PUBLIC_COLLECTION_ID,
    STIX_MEDIA_20, STIX_MEDIA_21, StatusView, TAXII_DEFAULT_ROOT, TAXII_DEFAULT_TITLE,
    TAXII_MAX_CONTENT_LENGTH, TAXII_MEDIA_TYPE, TAXII_PAGE_DEFAULT, TAXII_PAGE_MAX, TaxiiFilter,
    VersionMatch,
};

pub use campaigns::{
    CampaignIndicatorView, CampaignQuery, CampaignReportView, CampaignSummaryView, CampaignView, HubView,
};

pub use scams::{GroupView, Interval, MAX_PERIODS, MoneyView, ScamStats, ScamStatsQuery, ScamTotals};

pub use hashlists::{
    HashEntryView, HashMatchView, HashQueryInput, HashSetInput, HashSetView, HashSightingView,
    IMPORT_MAX_ENTRIES, ImageMatchOptions, ImportFormat, ImportOutcome, MATCH_MAX_HASHES,
    MATCH_RADIUS_DEFAULT, MATCH_RADIUS_MAX, MATCHES_PER_QUERY_MAX, MatchOutcome, MatchRequest,
    MatchedSetView, QueryView, WithdrawOutcome, WithdrawRequest,
};

pub use engine::{
    BATCH_MAX_REPORTS, CHECK_MAX_SELECTORS, CHECK_REPORT_IDS_LIMIT, Engine, EngineOptions,
    OCCURRENCES_DEFAULT, OCCURRENCES_MAX, PAGE_DEFAULT, PAGE_MAX, REPORT_MAX_OBSERVABLES, error_body,
    intake_slug, token_hash,
};

pub use events::{
    BUS_CAPACITY_DEFAULT, EventBus, EventStream, EventView, InProcessBus, STREAM_BUFFER_DEFAULT, StreamItem,
    StreamOptions, StreamRequest, Subscription,
};
pub use graph_export::{GraphFormat, export as export_graph};
pub use links::{
    CONNECT_MAX_SELECTORS, ConnectInput, ConnectionView, ExpandQuery, ExpansionView, GRAPH_MAX_EDGES,
    GRAPH_MAX_NODES, GraphCommunityView, GraphEdgeView, GraphLimits, GraphNodeView, KeyNodeView,
    KindCountView, NetworkListView, NetworkQuery, NetworkSummaryView, NetworkView, NetworksQuery, PathView,
    SubgraphView, TimelineEntryView, VIEWER_HUBS_MAX, WeekCountView,
};
