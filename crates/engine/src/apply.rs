//! Applying committed events to the in-memory structures, on every node, in `seq` order.
//!
//! The store is the truth; each node keeps in memory what it answers from (the correlation
//! index, the directory, hash lists, campaigns, scam facts, alert rules, the link graph, the
//! instance's identity). Every committed event is *applied* once per node, in `seq` order, under
//! one lock ([`Engine::applied`]), and only then handed to the node's stream clients
//! ([`Engine::subscribe`]):
//!
//! - A write of this node stores its events, then [`Engine::commit`] applies every event
//!   committed before them that this node has not applied yet (read from the store), then its
//!   own change (with the objects it has in hand), then hands them out and publishes them on
//!   the bus.
//! - An event of another node (from the bus, [`Engine::receive`], or found by polling the
//!   store, [`Engine::sync`]) is applied by [`Engine::apply_event`], which re-reads the changed
//!   object from the store. An event at or below the last applied `seq` is a duplicate; above
//!   the next one, the missing ones are read from the store first.
//!
//! Writes with no public event store an internal `state.changed` event
//! ([`model::event::StateChange`]) so that the other nodes re-read what changed; those events
//! are never delivered to anyone ([`model::event::Event::visible_to`] is false for them).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use model::event::{Event, EventPayload, StateChange};
use tokio::sync::broadcast;

use crate::events::Subscription;
use crate::{Engine, EngineError};

/// How often a node polls the store for events it missed, by default.
pub const SYNC_POLL_DEFAULT: Duration = Duration::from_secs(1);
/// Events read from the store per page while catching up.
const CATCH_UP_PAGE: usize = 500;

impl Engine {
    /// A subscription to the events this node applied, in `seq` order without gaps (unless it
    /// lags by more than the bus capacity: then `RecvError::Lagged`, and the store has them).
    pub fn subscribe(&self) -> Subscription {
        self.applied_tx.subscribe()
    }

    /// The last `seq` this node applied.
    pub fn applied_seq(&self) -> u64 {
        self.applied_seq.load(Ordering::Acquire)
    }

    /// Applies the events this node just committed (`inline` brings the in-memory structures
    /// up to date with the objects in hand), after every earlier event it has not applied yet;
    /// hands them to the node's stream clients and publishes them on the bus.
    pub(crate) async fn commit(&self, events: Vec<Event>, inline: impl FnOnce()) {
        let events: Vec<Arc<Event>> = events.into_iter().map(Arc::new).collect();
        let (Some(first), Some(last)) = (events.first().map(|e| e.seq), events.last().map(|e| e.seq)) else {
            inline();
            return;
        };
        let mut applied = self.applied.lock().await;
        match self.catch_up(&mut applied, first.saturating_sub(1)).await {
            Ok(()) if *applied < first => {
                inline();
                self.mark_applied(&mut applied, last);
                for e in &events {
                    let _ = self.applied_tx.send(Arc::clone(e));
                }
            }
            Ok(()) => {
                // Already applied (in part) from the store by this node's sync task: the rest
                // the same way.
                for e in &events {
                    if e.seq <= *applied {
                        continue;
                    }
                    if let Err(err) = self.apply_one(&mut applied, e).await {
                        tracing::warn!(error = %err, seq = e.seq, "applying an event failed; the next poll retries");
                        break;
                    }
                }
            }
            Err(err) => {
                // Not applied in order: change the memory now anyway (every apply is
                // idempotent); the next poll applies the events and hands them out.
                tracing::warn!(error = %err, "catching up with the store failed; the next poll retries");
                inline();
            }
        }
        drop(applied);
        self.bus.publish(&events);
    }

    /// Stores an internal `state.changed` event for a change just written, and applies it
    /// like [`Engine::commit`]: the other nodes re-read what changed.
    pub(crate) async fn commit_state(&self, change: StateChange, inline: impl FnOnce()) {
        let event = Event::state_changed(change, crate::engine::now());
        match self.store.append_events(&[event]).await {
            Ok(stored) => self.commit(stored, inline).await,
            Err(err) => {
                tracing::error!(error = %err, "storing a state.changed event failed; other nodes see the change after their restart");
                inline();
            }
        }
    }

    /// Handles an event received from the bus: a duplicate is dropped; missing earlier events
    /// are read from the store first.
    pub async fn receive(&self, event: Arc<Event>) -> Result<(), EngineError> {
        let mut applied = self.applied.lock().await;
        if event.seq <= *applied {
            return Ok(());
        }
        self.catch_up(&mut applied, event.seq - 1).await?;
        if *applied + 1 == event.seq {
            self.apply_one(&mut applied, &event).await?;
        }
        Ok(())
    }

    /// Applies every stored event this node has not applied yet; returns the last `seq`
    /// applied.
    pub async fn sync(&self) -> Result<u64, EngineError> {
        let head = self.store.last_event_seq().await?;
        let mut applied = self.applied.lock().await;
        self.catch_up(&mut applied, head).await?;
        Ok(*applied)
    }

    /// Follows the bus and polls the store every `poll`, applying what other nodes commit
    /// (see the [module docs](self)). Stops when the engine is dropped or the bus closes.
    pub fn spawn_sync(self: &Arc<Self>, poll: Duration) -> tokio::task::JoinHandle<()> {
        let mut bus = self.bus.subscribe();
        let engine: Weak<Engine> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let received = tokio::select! {
                    r = bus.recv() => Some(r),
                    _ = tick.tick() => None,
                };
                let Some(engine) = engine.upgrade() else { return };
                let outcome = match received {
                    Some(Ok(e)) => engine.receive(e).await,
                    Some(Err(broadcast::error::RecvError::Lagged(_))) | None => engine.sync().await.map(drop),
                    Some(Err(broadcast::error::RecvError::Closed)) => return,
                };
                if let Err(err) = outcome {
                    tracing::warn!(error = %err, "applying events of other nodes failed; retrying at the next poll");
                }
            }
        })
    }

    fn mark_applied(&self, applied: &mut u64, seq: u64) {
        *applied = seq;
        self.applied_seq.store(seq, Ordering::Release);
    }

    /// Applies the stored events after `*applied` up to `upto`.
    async fn catch_up(&self, applied: &mut u64, upto: u64) -> Result<(), EngineError> {
        while *applied < upto {
            let want = usize::try_from(upto - *applied).unwrap_or(CATCH_UP_PAGE).min(CATCH_UP_PAGE);
            let page = self.store.events_after(*applied, want).await?;
            if page.is_empty() {
                return Ok(());
            }
            for e in page {
                if e.seq > upto {
                    return Ok(());
                }
                self.apply_one(applied, &Arc::new(e)).await?;
            }
        }
        Ok(())
    }

    async fn apply_one(&self, applied: &mut u64, e: &Arc<Event>) -> Result<(), EngineError> {
        self.apply_event(e).await?;
        self.mark_applied(applied, e.seq);
        let _ = self.applied_tx.send(Arc::clone(e));
        Ok(())
    }

    /// Brings the in-memory structures up to date with one committed event, re-reading what
    /// it is about from the store. Idempotent: applying an event twice changes nothing more.
    pub(crate) async fn apply_event(&self, e: &Event) -> Result<(), EngineError> {
        match &e.payload {
            EventPayload::ReportCreated(r) => {
                if self.index().indexed(r.id).is_none() {
                    let reports = self.store.get_reports(&[r.id]).await?;
                    self.committed(&reports);
                }
            }
            EventPayload::ReportUpdated(r) => {
                let reports = self.store.get_reports(&[r.id]).await?;
                self.reshared(&reports);
            }
            EventPayload::ReportRevoked(r) => {
                let live = self.index().indexed(r.id).is_some_and(|x| !x.access.revoked);
                if live && let Some(report) = self.store.get_reports(&[r.id]).await?.pop() {
                    self.revoked(&report);
                }
            }
            EventPayload::AlertRaised(a) => self.alert_applied(a),
            EventPayload::StateChanged(change) => self.apply_state(change).await?,
            EventPayload::CampaignChanged(_)
            | EventPayload::SightingRecorded(_)
            | EventPayload::HashMatched(_)
            | EventPayload::AccessRequested(_) => {}
        }
        Ok(())
    }

    async fn apply_state(&self, change: &StateChange) -> Result<(), EngineError> {
        match change {
            StateChange::Directory => {
                let dir = crate::directory::Directory::new(
                    self.store.list_orgs().await?,
                    self.store.list_communities().await?,
                );
                *self.directory.write().unwrap_or_else(|e| e.into_inner()) = dir;
            }
            StateChange::HashLists => {
                let lists = crate::hashlists::HashLists::load(self.store.as_ref()).await?;
                *self.hashlists.write().unwrap_or_else(|e| e.into_inner()) = lists;
            }
            StateChange::Rules => {
                let rules = self.load_rules().await?;
                *self.rules.write().unwrap_or_else(|e| e.into_inner()) = rules;
            }
            StateChange::HubMark { kind, value, on } => {
                let key = graph::IndicatorKey::new(*kind, value.clone());
                let mark = if *on {
                    self.store
                        .list_hub_marks()
                        .await?
                        .into_iter()
                        .find(|m| m.kind == *kind && m.value == *value)
                } else {
                    None
                };
                match &mark {
                    Some(m) => self.campaigns.write().unwrap_or_else(|e| e.into_inner()).apply_mark(m),
                    None => self.campaigns.write().unwrap_or_else(|e| e.into_inner()).index.unmark_hub(&key),
                }
                self.links.write().unwrap_or_else(|e| e.into_inner()).set_mark(*kind, value, mark.is_some());
            }
            StateChange::ReportDiscoverable { id } => {
                let reports = self.store.get_reports(&[*id]).await?;
                self.reshared(&reports);
            }
            StateChange::OrgDiscoverable { org, on } => {
                self.index.write().unwrap_or_else(|e| e.into_inner()).set_org_discoverable(*org, *on);
            }
            StateChange::Instance => {
                let current = self.instance();
                let stored = self.store.instance_identity(&current).await?;
                *self.instance.write().unwrap_or_else(|e| e.into_inner()) = stored;
            }
        }
        Ok(())
    }
}
