//! dragnet's correlation index and campaign clustering and its link-analysis graph.
//!
//! This crate is pure: no IO, no async. It is fed reports by the engine (at start from the
//! store, then on every write) and answers every question through [`model::can_see`].
//!
//! [`CampaignIndex`] is the exception that proves the rule: it knows report slots and indicator
//! values, no access facts, and answers nothing to a viewer. Whoever shows a campaign filters its
//! members (and every figure derived from them) through [`model::can_see`] first.

pub mod campaigns;
mod correlation;
pub mod link;

pub use campaigns::{
    CampaignId, CampaignIndex, CampaignOptions, HubInfo, HubReason, IndicatorKey, PairScores, Work,
    pair_scores, strong_keys,
};
pub use correlation::{CorrelationIndex, IndexedReport, Occurrence, Summary};
pub use link::{
    Community, Components, ConnectOptions, Connection, EdgeLabel, EdgeView, ExpandOptions, Expansion, IsHub,
    KeyNode, LinkGraph, LinkGraphBuilder, NeighbourView, Neighbourhood, NeighbourhoodOptions, NetworkDetail,
    NetworkDetailOptions, NetworkList, NetworkOptions, NetworkSummary, NodeRef, NodeView, PathOptions, Scope,
    TimelineEntry, no_hubs,
};
