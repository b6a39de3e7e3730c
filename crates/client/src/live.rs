//! Live, content-free events over a WebSocket: a team's (device-signed) or one request's
//! (status secret). Events carry ids and states only; the app fetches what changed.

use futures_util::StreamExt as _;
use peerline_protocol::endpoints as ep;
use peerline_protocol::relay::{Event, HEADER_STATUS_SECRET};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{ClientError, Unreachable, is_certificate_error};
use crate::http::RelayClient;

/// Events are a few hundred bytes of ids and states; anything near this is a broken or
/// hostile relay, not news (tungstenite's defaults are 64 MiB / 16 MiB).
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// An open event stream.
pub struct EventStream {
    ws: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

impl EventStream {
    /// The next event; `None` once the relay closes the stream or the connection drops
    /// (reconnect and re-read state then). Messages that are not events are skipped.
    pub async fn next(&mut self) -> Option<Event> {
        while let Some(msg) = self.ws.next().await {
            match msg {
                Ok(Message::Text(text)) => {
                    if let Ok(event) = serde_json::from_str::<Event>(&text) {
                        return Some(event);
                    }
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
        None
    }

    /// Closes the stream politely.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

impl RelayClient {
    /// The team's events (device-signed).
    pub async fn team_events(&self, team: &str) -> Result<EventStream, ClientError> {
        self.connect_events(&ep::team_events(team), &[]).await
    }

    /// One request's events, followed with its status secret; the stream ends after the
    /// request closes.
    pub async fn request_events(
        &self,
        id: &str,
        status_secret: &str,
    ) -> Result<EventStream, ClientError> {
        self.connect_events(
            &ep::request_events(id),
            &[(HEADER_STATUS_SECRET, status_secret.to_owned())],
        )
        .await
    }

    async fn connect_events(
        &self,
        path: &str,
        extra: &[(&'static str, String)],
    ) -> Result<EventStream, ClientError> {
        // One process-wide crypto provider (ring); installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut request = self
            .ws_url(path)
            .into_client_request()
            .map_err(|_| ClientError::InvalidAddress)?;
        for (k, v) in self
            .auth_headers("GET", path, b"")
            .into_iter()
            .chain(extra.iter().cloned())
        {
            let value = v.parse().map_err(|_| ClientError::InvalidAddress)?;
            request.headers_mut().insert(k, value);
        }
        let limits = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(MAX_EVENT_BYTES))
            .max_frame_size(Some(MAX_EVENT_BYTES));
        let (ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(limits), false)
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(res) => {
                    let status = res.status().as_u16();
                    let body = res
                        .body()
                        .as_deref()
                        .and_then(|b| serde_json::from_slice(b).ok())
                        .unwrap_or_else(|| {
                            peerline_protocol::ErrorBody::new(
                                "HTTP_ERROR",
                                format!("The relay refused to stream events (HTTP {status})."),
                            )
                        });
                    ClientError::Refused { status, body }
                }
                tokio_tungstenite::tungstenite::Error::Tls(t) if is_certificate_error(&t) => {
                    ClientError::Unreachable(Unreachable::Certificate)
                }
                tokio_tungstenite::tungstenite::Error::Io(_) => {
                    ClientError::Unreachable(Unreachable::Connect)
                }
                _ => ClientError::Unreachable(Unreachable::Other),
            })?;
        Ok(EventStream { ws })
    }
}
