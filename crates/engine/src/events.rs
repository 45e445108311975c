//! The event bus and the event stream.
//!
//! Every write path stores its [`Event`]s in the transaction of the change (the store gives
//! them their `seq`), brings the in-memory structures up to date and then publishes the
//! committed events on the [`EventBus`]. The bus only carries them: the store is the truth, and
//! whoever consumes events handles them by `seq`, idempotently (an event at or below the last
//! `seq` handled is a duplicate; above the next one, the missing ones are read from the store,
//! where they are already committed since `seq` order is commit order).
//!
//! [`InProcessBus`] is the bus of a single node (a tokio broadcast channel). A bus that spans
//! nodes (NATS JetStream) publishes to its stream and fans what its consumer receives out to
//! the node's subscribers through the same kind of [`Subscription`]: nothing else changes.
//!
//! [`Engine::stream`] follows the events one viewer may see, for `GET /api/v1/stream`: replay
//! from the store after a position, then live from the bus, without loss or duplicates; see
//! [`EventStream`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use aes::Aes128;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use chrono::{DateTime, Utc};
use model::event::{Event, EventPayload, EventType};
use model::{ObservableKind, Viewer};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::{Engine, EngineError, ErrorBody, Principal};

/// A subscription to a bus: every event published after it was made, in publish order (which
/// may differ from `seq` order when writers race: consumers order by `seq`).
pub type Subscription = broadcast::Receiver<Arc<Event>>;

/// Where committed events are published and how they are followed.
pub trait EventBus: Send + Sync + std::fmt::Debug + 'static {
    /// Publishes events just committed (in `seq` order within the slice).
    fn publish(&self, events: &[Arc<Event>]);

    /// A new subscription: every event published from now on. A subscriber that falls behind
    /// by more than the bus's capacity misses events (`RecvError::Lagged`) and reads them
    /// from the store.
    fn subscribe(&self) -> Subscription;
}

/// Events a bus keeps for its slowest subscriber by default.
pub const BUS_CAPACITY_DEFAULT: usize = 4_096;

/// The bus of a single node: a tokio broadcast channel of the committed events.
#[derive(Debug)]
pub struct InProcessBus {
    tx: broadcast::Sender<Arc<Event>>,
}

impl InProcessBus {
    /// A bus keeping up to `capacity` events for the slowest subscriber.
    pub fn new(capacity: usize) -> InProcessBus {
        InProcessBus { tx: broadcast::channel(capacity.max(1)).0 }
    }
}

impl Default for InProcessBus {
    fn default() -> Self {
        InProcessBus::new(BUS_CAPACITY_DEFAULT)
    }
}

impl EventBus for InProcessBus {
    fn publish(&self, events: &[Arc<Event>]) {
        for e in events {
            // No subscriber is not an error: the events are in the store.
            let _ = self.tx.send(Arc::clone(e));
        }
    }

    fn subscribe(&self) -> Subscription {
        self.tx.subscribe()
    }
}

/// The name of the instance key that encrypts event ids.
pub(crate) const EVENT_ID_KEY: &str = "stream-event-ids";

/// Event ids as clients see them: the `seq` encrypted with the instance's key (AES-128 of the
/// `seq` and eight zero bytes, 32 hex digits).
///
/// A global `seq` would tell a client how many events it may not see were committed between
/// two it may see; an encrypted one tells nothing, not even the order, and still lets the
/// server resume exactly where the client stopped. The zero bytes authenticate an id: one that
/// was not given out decrypts to garbage and is refused.
#[derive(Clone)]
pub(crate) struct EventIds {
    cipher: Aes128,
}

impl std::fmt::Debug for EventIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventIds")
    }
}

impl EventIds {
    pub(crate) fn new(key: &[u8]) -> Option<EventIds> {
        Some(EventIds { cipher: Aes128::new_from_slice(key.get(..16)?).ok()? })
    }

    pub(crate) fn encode(&self, seq: u64) -> String {
        let mut block = [0u8; 16];
        block[..8].copy_from_slice(&seq.to_be_bytes());
        let mut b = aes::Block::from(block);
        self.cipher.encrypt_block(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    pub(crate) fn decode(&self, id: &str) -> Option<u64> {
        let id = id.trim();
        if id.len() != 32 || !id.is_ascii() {
            return None;
        }
        let mut block = [0u8; 16];
        for (i, byte) in block.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&id[2 * i..2 * i + 2], 16).ok()?;
        }
        let mut b = aes::Block::from(block);
        self.cipher.decrypt_block(&mut b);
        if b[8..].iter().any(|x| *x != 0) {
            return None;
        }
        let seq = u64::from_be_bytes(b[..8].try_into().ok()?);
        (seq > 0).then_some(seq)
    }
}

/// An event as a stream client receives it: its opaque id, and the event without its access
/// facts. A `campaign.changed` event names the reader's part of the campaign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventView {
    /// The event's id: give it back as `Last-Event-ID` (or `?after=`) to resume after it.
    pub id: String,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// The kinds of the observables the event is about.
    pub kinds: Vec<ObservableKind>,
    /// The labels of the report the event is about.
    pub labels: Vec<String>,
    /// `type` (`report.created`, `report.updated`, `report.revoked`, `sighting.recorded`,
    /// `campaign.changed`, `alert.raised`, `hash.matched`, `access.requested`) and `data`.
    #[serde(flatten)]
    #[schema(inline)]
    pub payload: EventPayload,
}

impl EventView {
    pub fn event_type(&self) -> EventType {
        self.payload.event_type()
    }
}

/// What a stream client asks for.
#[derive(Clone, Debug, Default)]
pub struct StreamRequest {
    /// Resume after this event id (`Last-Event-ID`); `"0"` replays from the first event; `None`
    /// follows from now on.
    pub after: Option<String>,
    /// Only events of these types (any, when empty).
    pub types: Vec<EventType>,
    /// Only events about an observable of one of these kinds (any, when empty).
    pub kinds: Vec<ObservableKind>,
    /// Only events about a report with one of these labels (any, when empty).
    pub labels: Vec<String>,
    /// The pulling instance's id, when a peer names itself: events about reports that went
    /// through it are left out (federation).
    pub puller: Option<uuid::Uuid>,
}

/// How streams run.
#[derive(Clone, Copy, Debug)]
pub struct StreamOptions {
    /// Events a client may fall behind by before it is dropped with `stream_lagged`.
    pub buffer: usize,
    /// How often a stream checks that its token still authenticates (and re-reads the
    /// organisation's communities).
    pub recheck: Duration,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { buffer: STREAM_BUFFER_DEFAULT, recheck: Duration::from_secs(30) }
    }
}

/// Events a stream client may fall behind by, by default.
pub const STREAM_BUFFER_DEFAULT: usize = 1_024;
/// Events read from the store per page while replaying.
const REPLAY_PAGE: usize = 500;

/// What a stream yields.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamItem {
    /// An event the reader may see and asked for.
    Event(EventView),
    /// The last item: the stream ended with an error (`stream_lagged`: the client fell behind
    /// by more than its buffer; `unauthenticated`: its token was revoked). `last_event_id` is
    /// the last event delivered, to resume after.
    End { error: ErrorBody, last_event_id: Option<String> },
}

enum Msg {
    Event(EventView),
    End(ErrorBody),
}

/// The events one reader follows: a bounded buffer filled by a task of its own.
///
/// The task subscribes to the bus first, then replays the store from the requested position,
/// then follows the bus, dropping events at or below the last `seq` handled and reading any
/// `seq` it skipped from the store: no event is lost or delivered twice. History (events
/// committed before the stream opened) is replayed at the reader's pace. Live events (committed
/// since) never wait for the reader: when `buffer` events already wait, the stream ends with
/// `stream_lagged` (memory stays bounded, whatever the reader does). Dropping the stream stops
/// the task.
#[derive(Debug)]
pub struct EventStream {
    rx: mpsc::Receiver<Msg>,
    last_event_id: Option<String>,
    ended: bool,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Event(e) => write!(f, "Event({})", e.id),
            Msg::End(e) => write!(f, "End({})", e.code),
        }
    }
}

impl EventStream {
    /// The id of the last event delivered, if any.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_event_id.as_deref()
    }

    /// The next item; `None` once the stream has ended.
    pub async fn next(&mut self) -> Option<StreamItem> {
        if self.ended {
            return None;
        }
        match self.rx.recv().await {
            Some(Msg::Event(e)) => {
                self.last_event_id = Some(e.id.clone());
                Some(StreamItem::Event(e))
            }
            Some(Msg::End(error)) => {
                self.ended = true;
                Some(StreamItem::End { error, last_event_id: self.last_event_id.clone() })
            }
            None => {
                self.ended = true;
                None
            }
        }
    }
}

/// The filters of a stream, checked.
#[derive(Clone, Debug)]
struct Filter {
    types: Vec<EventType>,
    kinds: Vec<ObservableKind>,
    labels: Vec<String>,
}

impl Filter {
    fn admits(&self, e: &Event) -> bool {
        (self.types.is_empty() || self.types.contains(&e.event_type()))
            && (self.kinds.is_empty() || e.kinds.iter().any(|k| self.kinds.contains(k)))
            && (self.labels.is_empty() || e.labels.iter().any(|l| self.labels.contains(l)))
    }
}

/// Why a stream task stopped early.
enum Stop {
    /// The reader is gone.
    Gone,
    /// End the stream with this error.
    End(ErrorBody),
}

impl From<EngineError> for Stop {
    fn from(e: EngineError) -> Self {
        Stop::End(crate::error_body(&e))
    }
}

impl Engine {
    /// The bus this engine publishes on.
    pub fn bus(&self) -> &Arc<dyn EventBus> {
        &self.bus
    }

    /// The id clients see for the event with this `seq`.
    pub fn event_id(&self, seq: u64) -> String {
        self.event_ids.encode(seq)
    }

    /// `event` as `viewer` receives it, if the viewer may see it: the visibility function
    /// decides ([`Event::visible_to`]); a `campaign.changed` event is delivered only when the
    /// viewer sees the report in a campaign (a part of at least two reports it may see), and
    /// names that part.
    pub fn event_view(&self, viewer: &Viewer, event: &Event) -> Option<EventView> {
        if !event.visible_to(viewer) {
            return None;
        }
        let payload = match &event.payload {
            EventPayload::CampaignChanged(c) => {
                let (campaign, reports) = self.campaign_part_of(viewer, c.report_id)?;
                EventPayload::CampaignChanged(model::event::CampaignEvent {
                    campaign,
                    report_id: c.report_id,
                    reports: Some(reports),
                })
            }
            other => other.clone(),
        };
        Some(EventView {
            id: self.event_id(event.seq),
            at: event.at,
            kinds: event.kinds.clone(),
            labels: event.labels.clone(),
            payload,
        })
    }

    /// Up to `limit` stored events after `request.after` (`"0"` or none: from the first) that
    /// `viewer` may see and `request` asks for, as a stream would deliver them. For tests and
    /// tools; streams use [`Engine::stream`].
    pub async fn events_page(
        &self,
        viewer: &Viewer,
        request: &StreamRequest,
        limit: usize,
    ) -> Result<Vec<EventView>, EngineError> {
        let filter = self.stream_filter(request)?;
        let mut last = self.stream_start(request.after.as_deref()).await?.unwrap_or(0);
        let mut out = Vec::new();
        while out.len() < limit {
            let page = self.store.events_after(last, REPLAY_PAGE).await?;
            let Some(end) = page.last().map(|e| e.seq) else { break };
            for e in &page {
                if filter.admits(e)
                    && let Some(v) = self.event_view(viewer, e)
                {
                    out.push(v);
                    if out.len() == limit {
                        break;
                    }
                }
            }
            last = end;
        }
        Ok(out)
    }

    fn stream_filter(&self, request: &StreamRequest) -> Result<Filter, EngineError> {
        for (i, l) in request.labels.iter().enumerate() {
            if l.trim().is_empty() || l.chars().count() > 100 {
                return Err(EngineError::invalid(format!("label[{i}]"), "must be 1 to 100 characters"));
            }
        }
        Ok(Filter {
            types: request.types.clone(),
            kinds: request.kinds.clone(),
            labels: request.labels.iter().map(|l| l.trim().to_string()).collect(),
        })
    }

    /// The `seq` to resume after: `None` for "from now on".
    async fn stream_start(&self, after: Option<&str>) -> Result<Option<u64>, EngineError> {
        match after.map(str::trim) {
            None | Some("") => Ok(None),
            Some("0") => Ok(Some(0)),
            Some(id) => self.event_ids.decode(id).map(Some).ok_or_else(|| {
                EngineError::invalid(
                    "last-event-id",
                    "not an event id of this instance (give \"0\" to replay from the first event)",
                )
            }),
        }
    }

    /// Follows the events `principal` may see and `request` asks for (see [`EventStream`]).
    /// Errors in the request (a bad event id, a bad filter) are returned before anything
    /// streams.
    pub async fn stream(
        self: &Arc<Self>,
        principal: Principal,
        request: StreamRequest,
        options: StreamOptions,
    ) -> Result<EventStream, EngineError> {
        if !principal.viewer.role.can_read() {
            return Err(EngineError::Forbidden("an intake token reads nothing".into()));
        }
        let filter = self.stream_filter(&request)?;
        // Subscribe before reading the position: nothing applied from here on can be missed.
        let bus = self.subscribe();
        let head = self.applied_seq();
        let start = self.stream_start(request.after.as_deref()).await?.unwrap_or(head);
        let buffer = options.buffer.max(1);
        // One slot more than the buffer: the final error always fits.
        let (tx, rx) = mpsc::channel(buffer + 1);
        let task = StreamTask {
            engine: Arc::clone(self),
            puller: request.puller,
            principal,
            filter,
            bus,
            last: start,
            head,
            live: false,
            tx,
            buffer,
            recheck: options.recheck,
            reads: Vec::new(),
            reads_since: Instant::now(),
        };
        tokio::spawn(task.run());
        Ok(EventStream { rx, last_event_id: None, ended: false })
    }
}

struct StreamTask {
    engine: Arc<Engine>,
    principal: Principal,
    /// The pulling instance, for a peer organisation's stream.
    puller: Option<uuid::Uuid>,
    filter: Filter,
    bus: Subscription,
    /// The last `seq` handled (delivered, hidden or filtered out).
    last: u64,
    /// The last `seq` committed when the stream opened: events up to it are history, replayed
    /// at the reader's pace; later ones are live, and a reader `buffer` events behind on them
    /// is dropped.
    head: u64,
    /// Whether the stream has reached the live events.
    live: bool,
    tx: mpsc::Sender<Msg>,
    buffer: usize,
    recheck: Duration,
    /// AMBER / AMBER+STRICT / RED reports delivered and not yet in the audit log.
    reads: Vec<uuid::Uuid>,
    /// When `reads` was last recorded.
    reads_since: Instant,
}

/// How often a stream records the AMBER/RED reports it delivered, at most.
const STREAM_AUDIT_EVERY: Duration = Duration::from_secs(5);
/// A stream records its reads at once when this many wait.
const STREAM_AUDIT_BATCH: usize = 100;

impl StreamTask {
    async fn run(mut self) {
        let mut stop = self.follow().await;
        if let Err(e) = self.record_reads().await {
            stop = e;
        }
        if let Stop::End(error) = stop {
            // The reserved slot: this never waits for the reader.
            let _ = self.tx.try_send(Msg::End(error));
        }
    }

    async fn follow(&mut self) -> Stop {
        let mut recheck = tokio::time::interval(self.recheck);
        recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        recheck.tick().await;
        loop {
            // Replay: the store from `last` (history paced by the reader, then live events).
            if let Err(stop) = self.replay().await {
                return stop;
            }
            if let Err(stop) = self.go_live().await {
                return stop;
            }
            // Live: the bus, never waiting for the reader.
            loop {
                let received = tokio::select! {
                    r = self.bus.recv() => r,
                    _ = recheck.tick() => {
                        if let Err(stop) = self.recheck().await {
                            return stop;
                        }
                        if let Err(stop) = self.record_reads().await {
                            return stop;
                        }
                        continue;
                    }
                    () = self.tx.closed() => return Stop::Gone,
                };
                match received {
                    Ok(e) => {
                        if e.seq <= self.last {
                            continue;
                        }
                        if e.seq > self.last + 1 {
                            // Skipped seqs were committed before `e`: read them from the store.
                            if let Err(stop) = self.fill(e.seq).await {
                                return stop;
                            }
                            if self.last + 1 != e.seq {
                                break;
                            }
                        }
                        self.last = e.seq;
                        if let Err(stop) = self.offer(&e) {
                            return stop;
                        }
                        if let Err(stop) = self.record_reads_when_due().await {
                            return stop;
                        }
                    }
                    // This subscription fell behind the bus (not the reader): catch up from the
                    // store, where every published event is.
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => {
                        return Stop::End(ErrorBody {
                            code: "unavailable".into(),
                            message: "the server is shutting down; resume with the last event id".into(),
                        });
                    }
                }
            }
        }
    }

    /// Delivers every stored event after `last`: history waiting for the reader when its
    /// buffer is full, live events as [`StreamTask::offer`] does.
    async fn replay(&mut self) -> Result<(), Stop> {
        loop {
            // Only events this node applied: the later ones come from the subscription, after
            // the node brought its memory up to date with them.
            let applied = self.engine.applied_seq();
            let mut page =
                self.engine.store.events_after(self.last, REPLAY_PAGE).await.map_err(EngineError::from)?;
            page.retain(|e| e.seq <= applied);
            if page.is_empty() {
                return Ok(());
            }
            for e in &page {
                if e.seq > self.head {
                    self.go_live().await?;
                    self.last = e.seq;
                    self.offer(e)?;
                    continue;
                }
                self.last = e.seq;
                if let Some(v) = self.view(e) {
                    self.tx.send(Msg::Event(v)).await.map_err(|_| Stop::Gone)?;
                }
            }
            self.record_reads_when_due().await?;
        }
    }

    /// From history to live events: first wait until the reader has taken at least half of
    /// the history queued, so that a reader that just caught up is not taken for a slow one.
    async fn go_live(&mut self) -> Result<(), Stop> {
        if self.live {
            return Ok(());
        }
        match self.tx.reserve_many(self.buffer.div_ceil(2)).await {
            Ok(permits) => drop(permits),
            Err(_) => return Err(Stop::Gone),
        }
        self.live = true;
        Ok(())
    }

    /// Delivers the stored events between `last` and `upto` (exclusive), live.
    async fn fill(&mut self, upto: u64) -> Result<(), Stop> {
        while self.last + 1 < upto {
            let want = usize::try_from(upto - self.last - 1).unwrap_or(REPLAY_PAGE).min(REPLAY_PAGE);
            let page = self.engine.store.events_after(self.last, want).await.map_err(EngineError::from)?;
            if page.is_empty() {
                return Ok(());
            }
            for e in &page {
                self.last = e.seq;
                self.offer(e)?;
            }
        }
        Ok(())
    }

    /// Queues an event for the reader without waiting: a reader already `buffer` events
    /// behind is dropped.
    fn offer(&mut self, e: &Event) -> Result<(), Stop> {
        let Some(v) = self.view(e) else { return Ok(()) };
        if self.tx.capacity() <= 1 {
            return Err(Stop::End(ErrorBody {
                code: "stream_lagged".into(),
                message: format!(
                    "the client fell more than {} events behind and was disconnected; reconnect with the last event id to resume",
                    self.buffer
                ),
            }));
        }
        match self.tx.try_send(Msg::Event(v)) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Stop::Gone),
            Err(mpsc::error::TrySendError::Full(_)) => Err(Stop::End(ErrorBody {
                code: "stream_lagged".into(),
                message: format!(
                    "the client fell more than {} events behind and was disconnected",
                    self.buffer
                ),
            })),
        }
    }

    fn view(&mut self, e: &Event) -> Option<EventView> {
        if !self.filter.admits(e) {
            return None;
        }
        // A peer organisation's stream: report events under the export rule only.
        if self.principal.peer && !self.engine.exports_event(&self.principal.viewer, e, self.puller) {
            return None;
        }
        let view = self.engine.event_view(&self.principal.viewer, e)?;
        if let EventPayload::ReportCreated(r) | EventPayload::ReportUpdated(r) = &e.payload
            && crate::audit::read_is_audited(e.access.tlp)
        {
            self.reads.push(r.id);
        }
        Some(view)
    }

    /// Records the reads waiting when there are many or the last record is a few seconds old.
    async fn record_reads_when_due(&mut self) -> Result<(), Stop> {
        if self.reads.len() >= STREAM_AUDIT_BATCH || self.reads_since.elapsed() >= STREAM_AUDIT_EVERY {
            self.record_reads().await?;
        }
        Ok(())
    }

    /// Records the AMBER/RED reports delivered since the last record; the stream ends when
    /// they cannot be recorded.
    async fn record_reads(&mut self) -> Result<(), Stop> {
        self.reads_since = Instant::now();
        if self.reads.is_empty() {
            return Ok(());
        }
        let mut ids = std::mem::take(&mut self.reads);
        ids.sort_unstable();
        ids.dedup();
        self.engine.audit_stream_reads(&self.principal, &ids).await?;
        Ok(())
    }

    /// Ends the stream when its token no longer authenticates; follows changes of the
    /// organisation's communities.
    async fn recheck(&mut self) -> Result<(), Stop> {
        match self.engine.refresh_principal(&self.principal).await? {
            Some(p) => {
                self.principal = p;
                Ok(())
            }
            None => Err(Stop::End(ErrorBody {
                code: "unauthenticated".into(),
                message: "the token was revoked or expired".into(),
            })),
        }
    }
}
