//! dragnet's NATS JetStream event bus: several `dragnet serve` nodes on one PostgreSQL.
//!
//! [`NatsBus`] implements [`engine::EventBus`]. Every event a node commits is published to the
//! JetStream stream `<stream>` on the subject `<stream>.events.<type>` (e.g.
//! `dragnet.events.report.created`), with `Nats-Msg-Id` set to its `seq`, so that JetStream
//! drops a second publish of the same event within its duplicate window. Each node reads the
//! stream through a durable pull consumer named after it (`--node-name`): a restarted node
//! resumes where its consumer stopped. What the consumer receives is handed to the node's
//! subscribers ([`engine::EventBus::subscribe`]) — the engine's sync task, which applies each
//! event in `seq` order (a duplicate, such as the node's own event coming back, is dropped; a
//! gap is filled from the store) and then hands it to the node's stream clients.
//!
//! The store stays the truth: the bus only makes other nodes learn of an event quickly. A node
//! also polls the store, so a lost message delays an event by at most the poll interval.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use engine::events::Subscription;
use futures::StreamExt;
use model::event::Event;
use tokio::sync::{broadcast, mpsc};

/// How long the stream keeps events by default (a node down for longer catches up from the
/// store all the same).
pub const MAX_AGE_DEFAULT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Errors setting up the bus.
#[derive(Debug, thiserror::Error)]
pub enum NatsBusError {
    #[error("cannot connect to nats at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("jetstream stream {stream:?}: {message}")]
    Stream { stream: String, message: String },
    #[error("jetstream consumer {consumer:?}: {message}")]
    Consumer { consumer: String, message: String },
    #[error("invalid {field}: {message}")]
    Invalid { field: &'static str, message: String },
}

/// How to reach NATS and which stream and consumer to use.
#[derive(Clone, Debug)]
pub struct NatsOptions {
    /// The server URL, e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// The JetStream stream's name; subjects are `<stream>.events.<type>`.
    pub stream: String,
    /// This node's name: its durable consumer's name.
    pub node: String,
    /// How long the stream keeps events.
    pub max_age: Duration,
    /// Events kept for the slowest local subscriber.
    pub capacity: usize,
}

impl NatsOptions {
    pub fn new(url: impl Into<String>, stream: impl Into<String>, node: impl Into<String>) -> NatsOptions {
        NatsOptions {
            url: url.into(),
            stream: stream.into(),
            node: node.into(),
            max_age: MAX_AGE_DEFAULT,
            capacity: engine::events::BUS_CAPACITY_DEFAULT,
        }
    }
}

/// A name JetStream accepts for a stream or a consumer: letters, digits, `-` and `_`.
fn check_name(field: &'static str, name: &str) -> Result<(), NatsBusError> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(NatsBusError::Invalid {
            field,
            message: format!("{name:?}: use 1 to 200 ascii letters, digits, '-' or '_'"),
        })
    }
}

/// The JetStream event bus (see the [crate docs](crate)).
#[derive(Debug)]
pub struct NatsBus {
    /// Events to publish, in commit order, to the publishing task.
    outgoing: mpsc::UnboundedSender<Arc<Event>>,
    /// What the consumer receives, for this node's subscribers.
    incoming: broadcast::Sender<Arc<Event>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for NatsBus {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl NatsBus {
    /// Connects, creates the stream if it does not exist, and starts this node's consumer.
    pub async fn connect(options: &NatsOptions) -> Result<NatsBus, NatsBusError> {
        check_name("nats stream", &options.stream)?;
        check_name("node name", &options.node)?;
        let client = async_nats::connect(options.url.as_str())
            .await
            .map_err(|e| NatsBusError::Connect { url: options.url.clone(), message: e.to_string() })?;
        let js = jetstream::new(client);
        let stream_err = |e: &dyn std::fmt::Display| NatsBusError::Stream {
            stream: options.stream.clone(),
            message: e.to_string(),
        };
        let subjects = format!("{}.events.>", options.stream);
        let stream = js
            .get_or_create_stream(stream::Config {
                name: options.stream.clone(),
                subjects: vec![subjects],
                max_age: options.max_age,
                storage: stream::StorageType::File,
                duplicate_window: Duration::from_secs(120),
                ..Default::default()
            })
            .await
            .map_err(|e| stream_err(&e))?;
        let consumer_err = |e: &dyn std::fmt::Display| NatsBusError::Consumer {
            consumer: options.node.clone(),
            message: e.to_string(),
        };
        let consumer: consumer::PullConsumer = stream
            .get_or_create_consumer(
                &options.node,
                consumer::pull::Config {
                    durable_name: Some(options.node.clone()),
                    // A new node loads everything from the store: it needs what comes next.
                    deliver_policy: consumer::DeliverPolicy::New,
                    ack_policy: consumer::AckPolicy::Explicit,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| consumer_err(&e))?;
        let mut messages = consumer.messages().await.map_err(|e| consumer_err(&e))?;

        let (incoming, _) = broadcast::channel(options.capacity.max(1));
        let (outgoing, mut to_publish) = mpsc::unbounded_channel::<Arc<Event>>();

        let tx = incoming.clone();
        let receive = tokio::spawn(async move {
            while let Some(m) = messages.next().await {
                let m = match m {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!(error = %e, "nats consumer error; the store poll covers the gap");
                        continue;
                    }
                };
                match serde_json::from_slice::<Event>(&m.payload) {
                    Ok(e) => {
                        let _ = tx.send(Arc::new(e));
                    }
                    Err(e) => tracing::warn!(error = %e, subject = %m.subject, "not an event; skipped"),
                }
                if let Err(e) = m.ack().await {
                    tracing::debug!(error = %e, "acknowledging a nats message failed");
                }
            }
            tracing::warn!("the nats consumer stopped; events of other nodes arrive by polling the store");
        });

        let prefix = options.stream.clone();
        let publish = tokio::spawn(async move {
            while let Some(e) = to_publish.recv().await {
                let subject = format!("{prefix}.events.{}", e.event_type().as_str());
                let payload = match serde_json::to_vec(e.as_ref()) {
                    Ok(p) => p,
                    Err(err) => {
                        tracing::error!(error = %err, "serialising an event failed");
                        continue;
                    }
                };
                let msg = jetstream::message::PublishMessage::build()
                    .payload(payload.into())
                    .message_id(e.seq.to_string());
                match js.send_publish(subject, msg).await {
                    Ok(ack) => {
                        if let Err(err) = ack.await {
                            tracing::warn!(error = %err, seq = e.seq, "jetstream did not acknowledge an event; other nodes read it from the store");
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, seq = e.seq, "publishing an event failed; other nodes read it from the store")
                    }
                }
            }
        });
        Ok(NatsBus { outgoing, incoming, tasks: vec![receive, publish] })
    }
}

impl engine::EventBus for NatsBus {
    fn publish(&self, events: &[Arc<Event>]) {
        for e in events {
            let _ = self.outgoing.send(Arc::clone(e));
        }
    }

    fn subscribe(&self) -> Subscription {
        self.incoming.subscribe()
    }
}

/// Deletes a stream (tests and benchmarks clean up with it).
pub async fn delete_stream(url: &str, stream: &str) -> Result<(), NatsBusError> {
    let client = async_nats::connect(url)
        .await
        .map_err(|e| NatsBusError::Connect { url: url.to_string(), message: e.to_string() })?;
    jetstream::new(client)
        .delete_stream(stream)
        .await
        .map_err(|e| NatsBusError::Stream { stream: stream.to_string(), message: e.to_string() })?;
    Ok(())
}
