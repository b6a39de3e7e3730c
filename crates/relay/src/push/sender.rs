//! The sending side: a bounded queue of wakes, read by one task that looks up whom each
//! wakes and hands every push to a bounded set of senders. A post only puts a wake on the
//! queue (`try_send`), so a slow or hanging push service never delays it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use peerline_protocol::relay::{Event, PUSH_WAKE_WORD, PushSubscription};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use web_push::{ContentEncoding, SubscriptionInfo, WebPushMessageBuilder};

use super::{Audience, Push, PushConfig, VapidKey, Wake};
use crate::storage::Storage;

/// RFC 8030 topic: a push service keeps only the newest undelivered message per topic and
/// subscription, so a phone that was off wakes once, not once per event.
const TOPIC: &str = "peerline-wake";

/// Longest `Retry-After` honoured before the next try.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Web Push wake-ups from this node.
pub struct WebPush {
    queue: mpsc::Sender<Wake>,
    dropped: Arc<AtomicU64>,
}

impl WebPush {
    /// Starts the sending task; it ends when the returned `WebPush` is dropped.
    pub fn start(
        storage: Arc<dyn Storage>,
        key: VapidKey,
        config: PushConfig,
    ) -> (Self, JoinHandle<()>) {
        let (queue, rx) = mpsc::channel(config.queue.max(1));
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            // A push service answers; it never sends the relay elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let sender = Arc::new(Sender {
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
            storage,
            key,
            config,
            http,
        });
        let task = tokio::spawn(run(rx, sender));
        (
            Self {
                queue,
                dropped: Arc::default(),
            },
            task,
        )
    }

    /// Wakes dropped because the queue was full, since start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Push for WebPush {
    fn wake(&self, team_id: &str, event: &Event) {
        if let Err(mpsc::error::TrySendError::Full(_)) =
            self.queue.try_send(Wake::for_event(team_id, event))
        {
            let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            // Connected apps still get the event on their WebSocket; only a wake is lost.
            tracing::warn!(dropped = n, "push queue full; a wake-up was dropped");
        }
    }
}

struct Sender {
    storage: Arc<dyn Storage>,
    key: VapidKey,
    config: PushConfig,
    http: reqwest::Client,
    permits: Arc<Semaphore>,
}

async fn run(mut rx: mpsc::Receiver<Wake>, sender: Arc<Sender>) {
    while let Some(wake) = rx.recv().await {
        let targets = match sender.targets(&wake).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(code = e.code().as_str(), "push targets could not be read");
                continue;
            }
        };
        for target in targets {
            // Waits here when every sender is busy: the queue above is what absorbs a burst.
            let Ok(permit) = sender.permits.clone().acquire_owned().await else {
                return;
            };
            let s = sender.clone();
            let (ttl, urgency) = (wake.ttl, wake.urgency);
            tokio::spawn(async move {
                s.send(&target, ttl, urgency).await;
                drop(permit);
            });
        }
    }
}

/// What became of one push.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Sent,
    /// 404 or 410: the subscription is gone for good.
    Gone,
    /// Refused for a reason trying again will not fix.
    Refused(u16),
    /// Nothing worked within the tries allowed.
    GaveUp,
}

impl Sender {
    async fn targets(&self, wake: &Wake) -> crate::storage::Result<Vec<PushSubscription>> {
        match &wake.audience {
            Audience::Recipients(request_id) => {
                let Some(r) = self.storage.request(request_id).await? else {
                    return Ok(Vec::new());
                };
                if r.claimed_by_key.is_some() {
                    // Taken before the wake left: nobody else needs to wake for it.
                    return Ok(Vec::new());
                }
                let keys = (!r.recipient_key_ids.is_empty()).then_some(r.recipient_key_ids);
                self.storage.peer_push_targets(&wake.team_id, keys).await
            }
            Audience::Team => self.storage.peer_push_targets(&wake.team_id, None).await,
            Audience::Officer(request_id) => {
                let target = self.storage.request_push_target(request_id).await?;
                if wake.last && target.is_some() {
                    // The request is gone; so is the only link between it and a phone.
                    self.storage.delete_request_push(request_id).await?;
                }
                Ok(target.into_iter().collect())
            }
            Audience::Claimer(request_id) => {
                let Some(key) = self
                    .storage
                    .request(request_id)
                    .await?
                    .and_then(|r| r.claimed_by_key)
                else {
                    return Ok(Vec::new());
                };
                self.storage
                    .peer_push_targets(&wake.team_id, Some(vec![key]))
                    .await
            }
        }
    }

    async fn send(&self, target: &PushSubscription, ttl: u32, urgency: web_push::Urgency) {
        let outcome = self.try_send(target, ttl, urgency).await;
        match outcome {
            Outcome::Sent => tracing::debug!("push sent"),
            Outcome::Gone => {
                tracing::info!("push subscription gone; removed");
                if let Err(e) = self.storage.forget_push_endpoint(&target.endpoint).await {
                    tracing::warn!(
                        code = e.code().as_str(),
                        "could not remove a push subscription"
                    );
                }
            }
            Outcome::Refused(status) => tracing::warn!(status, "push service refused a push"),
            Outcome::GaveUp => tracing::warn!("push service did not take a push; gave up"),
        }
    }

    async fn try_send(
        &self,
        target: &PushSubscription,
        ttl: u32,
        urgency: web_push::Urgency,
    ) -> Outcome {
        let Ok(url) = reqwest::Url::parse(&target.endpoint) else {
            return Outcome::Gone;
        };
        let info = SubscriptionInfo::new(
            target.endpoint.as_str(),
            target.p256dh.as_str(),
            target.auth.as_str(),
        );
        let origin = url.origin().ascii_serialization();
        let message = self
            .key
            .sign(&info, &origin, &self.config.contact)
            .and_then(|signature| {
                let mut m = WebPushMessageBuilder::new(&info);
                m.set_payload(ContentEncoding::Aes128Gcm, PUSH_WAKE_WORD.as_bytes());
                m.set_ttl(ttl);
                m.set_urgency(urgency);
                m.set_topic(TOPIC.to_owned());
                m.set_vapid_signature(signature);
                m.build()
            });
        let Some(payload) = message.ok().and_then(|m| m.payload) else {
            // Only keys that passed the check at registration get here; a failure to
            // encrypt to them means they are unusable.
            return Outcome::Gone;
        };
        let mut delay = Duration::from_secs(1);
        for attempt in 1..=self.config.attempts.max(1) {
            let mut request = self
                .http
                .post(url.clone())
                .header("TTL", ttl.to_string())
                .header("Urgency", urgency.to_string())
                .header("Topic", TOPIC)
                .header("Content-Encoding", payload.content_encoding.to_str())
                .header("Content-Type", "application/octet-stream");
            for (name, value) in &payload.crypto_headers {
                request = request.header(*name, value.as_str());
            }
            let wait = match request.body(payload.content.clone()).send().await {
                Ok(answer) => {
                    let status = answer.status();
                    if status.is_success() {
                        return Outcome::Sent;
                    }
                    if status == reqwest::StatusCode::NOT_FOUND
                        || status == reqwest::StatusCode::GONE
                    {
                        return Outcome::Gone;
                    }
                    if status != reqwest::StatusCode::TOO_MANY_REQUESTS && !status.is_server_error()
                    {
                        return Outcome::Refused(status.as_u16());
                    }
                    retry_after(answer.headers()).unwrap_or(delay)
                }
                Err(_) => delay,
            };
            if attempt < self.config.attempts {
                tokio::time::sleep(wait.min(MAX_RETRY_AFTER)).await;
                delay *= 4;
            }
        }
        Outcome::GaveUp
    }
}

/// A `Retry-After` given in seconds (the HTTP-date form is rare from push services and is
/// treated as absent).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
