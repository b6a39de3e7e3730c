//! Fan-out of content-free events to connected WebSockets, one channel per team.

use std::collections::HashMap;
use std::sync::Mutex;

use peerline_protocol::relay::Event;
use tokio::sync::broadcast;

/// Events buffered per team before a slow subscriber starts missing some (it then
/// re-lists open requests, so nothing is lost, only a wake-up).
const CHANNEL_CAPACITY: usize = 1024;

/// Team channels.
#[derive(Default)]
pub struct Hub {
    teams: Mutex<HashMap<String, broadcast::Sender<Event>>>,
}

impl Hub {
    /// Subscribes to a team's events.
    pub fn subscribe(&self, team_id: &str) -> broadcast::Receiver<Event> {
        let mut teams = self.teams.lock().unwrap_or_else(|p| p.into_inner());
        teams
            .entry(team_id.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Sends an event to everyone connected for the team (nobody connected is fine).
    pub fn publish(&self, team_id: &str, event: Event) {
        let mut teams = self.teams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = teams.get(team_id)
            && tx.send(event).is_err()
        {
            // Last subscriber gone: drop the channel so idle teams cost nothing.
            teams.remove(team_id);
        }
    }

    /// Ends every subscription, so each phone reconnects and re-lists: used when events
    /// may have been missed (this node lost its link to the other nodes for a while).
    pub fn resync_all(&self) {
        let mut teams = self.teams.lock().unwrap_or_else(|p| p.into_inner());
        teams.clear();
    }
}
