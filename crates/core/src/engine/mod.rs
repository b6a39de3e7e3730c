//! The app's engine: it owns the session, runs every timed job from one scheduler on the
//! session's (injectable) clock, keeps the live connections to the relay, and tells the app
//! what changed as typed [`CoreEvent`]s. The shell forwards commands in and events out; it
//! has no timers and decides nothing.
//!
//! Nothing polls. The jobs run at their deadlines (auto-lock, reminder, outbox retries,
//! token refills at random moments), and what happens on the relay arrives over WebSockets:
//! the team's events for a peer supporter, each open request's own events for the officer
//! (followed with the request's status secret, never the device id).

mod backoff;
mod events;
mod live;
mod scheduler;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, broadcast};

pub use backoff::Backoff;
pub use events::{ConversationEvent, CoreEvent, DutyStatus, EVENT_NAMES, PeerEvent};
pub use scheduler::{Job, Live, Scheduler};

use crate::clock::Clock;
use crate::error::Result;
use crate::session::{Session, VaultStatus};
use crate::talk::officer::{self, RequestView};
use crate::talk::{peer, team, tokens};

/// How many events wait for a slow listener before the oldest are dropped. Events say
/// "this changed"; a listener that lagged re-reads state, so nothing is lost for good.
const EVENT_BUFFER: usize = 256;

/// Refills of anonymous tokens happen at a random moment in this window (seconds) after
/// they run low, so fetching them is not tied in time to spending one.
const TOKEN_REFILL_WINDOW: (i64, i64) = (30, 600);

/// When a request waits for a token and none is held, the refill comes within this window
/// (seconds) instead: soon, since someone is waiting, but not at the tap itself.
const TOKEN_NEEDED_WINDOW: (i64, i64) = (1, 8);

/// While the vault is open with sync on, rounds follow one another at random gaps in this
/// window (seconds), and each uploads: the changes made here, or a cover upload of the same
/// size. So a change goes up within five minutes, and the relay cannot tell from the
/// uploads when (or whether) a check-in was written.
const SYNC_ROUND_WINDOW: (i64, i64) = (30, 300);

/// When the vault opens, a round takes in the other devices' changes within this window.
const SYNC_AFTER_UNLOCK_WINDOW: (i64, i64) = (2, 20);

/// The longest the engine sleeps without looking at the clock again. Timers pause while a
/// device sleeps; a deadline on the wall clock (auto-lock above all) must still be met soon
/// after it wakes. This re-reads the clock only: no I/O, no network.
const MAX_SLEEP_SECS: i64 = 60;

/// The engine. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    session: Arc<Mutex<Session>>,
    clock: Arc<dyn Clock>,
    events: broadcast::Sender<CoreEvent>,
    wake: Notify,
    plan: Mutex<Plan>,
}

/// What the engine keeps between jobs.
#[derive(Default)]
struct Plan {
    scheduler: Scheduler,
    /// Running live connections, each with the generation that started it.
    live: HashMap<Live, (u64, tokio::task::JoinHandle<()>)>,
    next_generation: u64,
    /// Failed connection attempts in a row, for the reconnect backoff.
    failures: HashMap<Live, i64>,
    /// A peer supporter's membership, kept from the last time the vault was open so the
    /// team's live connection (and its content-free notifications) carries on while the
    /// vault is locked: the relay address, the team and device ids and the device's signing
    /// key. It opens nothing in the vault (SECURITY.md). Dropped when the device leaves
    /// the team, stops being a peer, or the vault is erased.
    background: Option<Box<team::Membership>>,
    /// Until when this peer is on duty, as set from this device.
    duty_until: Option<i64>,
    /// A sync round is under way: what it uploads is still queued, and must not plan
    /// another round on its own account.
    sync_running: bool,
    /// What the app was last told, to emit changes only.
    status: Option<VaultStatus>,
    requests: HashMap<String, RequestView>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over `session`, on the session's clock. Call [`Engine::run`] on an async
    /// runtime to drive it.
    pub fn new(session: Session) -> Self {
        let clock = session.clock_handle();
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Self {
            inner: Arc::new(Inner {
                session: Arc::new(Mutex::new(session)),
                clock,
                events,
                wake: Notify::new(),
                plan: Mutex::new(Plan::default()),
            }),
        }
    }

    /// The session, for core's flows (they lock it briefly, never across I/O).
    pub fn session(&self) -> Arc<Mutex<Session>> {
        self.inner.session.clone()
    }

    /// Every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.inner.events.subscribe()
    }

    /// Now, in Unix seconds, on the engine's clock.
    pub fn now(&self) -> i64 {
        self.inner.clock.now().timestamp()
    }

    /// Runs `f` on the session, then lets the engine see what changed.
    pub fn with<T>(&self, f: impl FnOnce(&mut Session) -> T) -> T {
        let out = f(&mut self.lock_session());
        self.changed();
        out
    }

    /// Runs `f` on the session in a blocking worker (Argon2id takes a few hundred
    /// milliseconds on purpose), then lets the engine see what changed.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Session) -> Result<T> + Send + 'static,
    {
        let session = self.inner.session.clone();
        let out = tokio::task::spawn_blocking(move || {
            // A panic elsewhere must not leave the app unable to lock or erase.
            let mut s = session.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut s)
        })
        .await
        .unwrap_or_else(|_| Err(crate::Error::Internal));
        self.changed();
        out
    }

    /// Runs one of core's async flows (talk, directory) on the session, then lets the
    /// engine see what changed.
    pub async fn flow<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(Arc<Mutex<Session>>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let out = f(self.inner.session.clone()).await;
        // A flow may have brought a plan from another device (a sync round, a link): the
        // copy readable while locked, when chosen, follows it before the app can lock.
        if let Err(e) = self.lock_session().refresh_locked_plan() {
            tracing::debug!(code = e.code(), "locked plan copy not refreshed");
        }
        self.changed();
        out
    }

    /// Joins a team from an invite, then fetches what a member needs: the roster, the
    /// agency's directory and a first batch of anonymous tokens (now, at join, rather than
    /// at the first request, so fetching them is not tied in time to asking for help).
    /// The roster and directory may not be published yet; that is not a failure of the
    /// join, and a refused directory is recorded for the directory screen to show.
    pub async fn join_team(&self, invite: &str) -> Result<Option<team::TeamInfo>> {
        let s = self.session();
        team::join(&*s, invite).await?;
        if let Err(e) = team::sync_roster(&*s).await {
            tracing::debug!(code = e.code(), "no roster yet after joining");
        }
        if let Err(e) = crate::directory::sync_directory(&*s).await {
            tracing::debug!(code = e.code(), "no agency directory yet after joining");
        }
        if let Err(e) = tokens::top_up(&*s).await {
            tracing::debug!(
                code = e.code(),
                "no request tokens yet; they will come later"
            );
        }
        self.changed();
        let session = self.lock_session();
        team::team_info(session.vault()?)
    }

    /// Puts this peer on duty for `minutes` (0: off duty) on the relay, and tells the app
    /// (the UI and the tray). Returns the roster keys on duty now.
    pub async fn set_duty(&self, minutes: u32) -> Result<Vec<String>> {
        let on = peer::set_duty(&*self.session(), minutes).await?;
        let until = (minutes > 0).then(|| self.now() + i64::from(minutes) * 60);
        {
            let mut plan = self.lock_plan();
            plan.duty_until = until;
            set_or_clear(&mut plan.scheduler, Job::DutyEnds, until);
        }
        self.emit(CoreEvent::Duty(DutyStatus {
            on_duty_until: until,
        }));
        self.changed();
        Ok(on)
    }

    /// Whether this peer is on duty, as this device last set it.
    pub fn duty(&self) -> DutyStatus {
        DutyStatus {
            on_duty_until: self.lock_plan().duty_until,
        }
    }

    /// Whether this is a peer supporter's device whose team connection carries on in the
    /// background (the shell keeps such an app in the tray when its window closes).
    pub fn serves_in_background(&self) -> bool {
        self.lock_plan().background.is_some()
    }

    /// The app went to the background: the auto-lock deadline starts.
    pub fn app_backgrounded(&self) {
        self.with(Session::app_backgrounded);
    }

    /// The app came back: locks first if it was away too long.
    pub fn app_foregrounded(&self) -> VaultStatus {
        self.with(Session::app_foregrounded)
    }

    /// Something may have changed (a command ran): tell the app, and plan again.
    pub fn changed(&self) {
        self.observe();
        self.replan();
        self.inner.wake.notify_one();
    }

    /// Drives the engine for the life of the app: runs what is due, then sleeps until the
    /// next deadline or until something changes.
    pub async fn run(&self) {
        loop {
            self.tick().await;
            let wait = {
                let plan = self.lock_plan();
                plan.scheduler
                    .next()
                    .map(|at| (at - self.now()).clamp(0, MAX_SLEEP_SECS))
            };
            match wait {
                Some(secs) => {
                    tokio::select! {
                        () = tokio::time::sleep(std::time::Duration::from_secs(secs.unsigned_abs())) => {}
                        () = self.inner.wake.notified() => {}
                    }
                }
                None => self.inner.wake.notified().await,
            }
        }
    }

    /// Runs every job due now, then plans again. Tests call this after moving a manual
    /// clock; [`Engine::run`] calls it at each deadline.
    pub async fn tick(&self) {
        let due = self.lock_plan().scheduler.take_due(self.now());
        for job in due {
            self.run_job(job).await;
        }
        self.observe();
        self.replan();
    }

    /// The deadline the scheduler holds for `job`, if any (for tests and diagnostics).
    pub fn deadline(&self, job: &Job) -> Option<i64> {
        self.lock_plan().scheduler.deadline(job)
    }

    /// Which live connections are open or being opened.
    pub fn live_connections(&self) -> Vec<Live> {
        let mut live: Vec<Live> = self.lock_plan().live.keys().cloned().collect();
        live.sort();
        live
    }

    async fn run_job(&self, job: Job) {
        let session = self.session();
        match job {
            Job::AutoLock => {
                self.lock_session().tick();
            }
            Job::Reminder => {
                if self.lock_session().take_due_reminder() {
                    self.emit(CoreEvent::ReminderDue);
                }
            }
            // The same fixed words as the daily reminder: nothing says what it follows up.
            Job::FollowUp => {
                if self.lock_session().take_due_follow_up() {
                    self.emit(CoreEvent::ReminderDue);
                }
            }
            Job::ScheduledAsk => {
                if let Err(e) = crate::talk::scheduled::send_due(&*session).await {
                    tracing::debug!(code = e.code(), "scheduled request: not sent this time");
                }
            }
            Job::Outbox => {
                if let Err(e) = officer::flush_outbox(&*session).await {
                    tracing::debug!(code = e.code(), "outbox: nothing sent this time");
                }
            }
            Job::TokenRefill => match tokens::top_up(&*session).await {
                Ok(_) => {
                    // A request waiting for a token goes now, not at its next retry.
                    let now = self.now();
                    let waiting = self
                        .lock_session()
                        .vault()
                        .ok()
                        .is_some_and(|v| officer::tokens_arrived(v, now).unwrap_or(false));
                    if waiting && let Err(e) = officer::flush_outbox(&*session).await {
                        tracing::debug!(code = e.code(), "outbox: nothing sent this time");
                    }
                }
                Err(e) => tracing::debug!(code = e.code(), "token refill failed; will try later"),
            },
            // Clearing the deadline is the job: planning opens the connection again.
            Job::Reconnect(_) => {}
            Job::Sync => {
                self.lock_plan().sync_running = true;
                let done = crate::sync::round::scheduled_round(&*session).await;
                self.lock_plan().sync_running = false;
                if let Err(e) = done {
                    // Offline or refused: the changes stay queued, so planning sets the
                    // next round.
                    tracing::debug!(code = e.code(), "sync round not done; will try again");
                } else if let Err(e) = self.lock_session().refresh_locked_plan() {
                    // A plan edited on another device: the copy readable while locked
                    // follows at the next save or round.
                    tracing::debug!(code = e.code(), "locked plan copy not refreshed");
                }
            }
            Job::Link => {
                if let Some(view) = crate::sync::link::check(&session).await {
                    self.emit(CoreEvent::Link(view));
                }
            }
            Job::DutyEnds => {
                self.lock_plan().duty_until = None;
                self.emit(CoreEvent::Duty(DutyStatus {
                    on_duty_until: None,
                }));
            }
        }
    }

    /// Emits what changed since the app was last told: the vault's status, and each of the
    /// officer's requests whose view changed.
    fn observe(&self) {
        let (status, requests, sync_on) = {
            let s = self.lock_session();
            let requests = s.vault().ok().and_then(|v| officer::list(v).ok());
            let sync_on = s
                .vault()
                .ok()
                .is_some_and(|v| crate::sync::local::state(v.conn()).is_ok_and(|s| s.is_some()));
            (s.status(), requests, sync_on)
        };
        let mut out = Vec::new();
        {
            let mut plan = self.lock_plan();
            if plan.status.as_ref() != Some(&status) {
                let opened = matches!(status, VaultStatus::Unlocked { .. })
                    && !matches!(plan.status, Some(VaultStatus::Unlocked { .. }));
                if opened && sync_on {
                    // The other devices' changes, soon after the officer opens the app.
                    let (lo, hi) = SYNC_AFTER_UNLOCK_WINDOW;
                    let at = self.now() + live::random_between(lo, hi);
                    if plan.scheduler.deadline(&Job::Sync).is_none_or(|d| d > at) {
                        plan.scheduler.set(Job::Sync, at);
                    }
                }
                plan.status = Some(status.clone());
                out.push(CoreEvent::VaultStatus(status));
            }
            // Locked: nothing to compare with, and nothing is said about requests.
            if let Some(requests) = requests {
                let mut seen = HashMap::with_capacity(requests.len());
                for r in requests {
                    if plan.requests.get(&r.request_id) != Some(&r) {
                        out.push(CoreEvent::RequestUpdated(r.clone()));
                    }
                    seen.insert(r.request_id.clone(), r);
                }
                plan.requests = seen;
            }
        }
        for e in out {
            self.emit(e);
        }
    }

    /// Sets every deadline from the state as it is now, and opens or closes live
    /// connections to match.
    fn replan(&self) {
        let now = self.now();
        let wanted = {
            let s = self.lock_session();
            Wanted::read(&s)
        };
        let mut plan = self.lock_plan();
        let p = &mut *plan;
        let mut wanted = wanted;
        match wanted.background.take() {
            Background::Set(m) => {
                if m.is_none() {
                    // No longer a peer here (left the team, erased): no duty to end.
                    p.duty_until = None;
                    p.scheduler.clear(&Job::DutyEnds);
                }
                p.background = m;
            }
            Background::Keep => {
                if p.background.is_some() {
                    wanted.live.insert(Live::Team, None);
                }
            }
        }
        set_or_clear(&mut p.scheduler, Job::AutoLock, wanted.auto_lock_at);
        if wanted.sync_on && !p.sync_running {
            let (lo, hi) = SYNC_ROUND_WINDOW;
            p.scheduler
                .set_if_absent(Job::Sync, now + live::random_between(lo, hi));
        } else if !wanted.sync_on {
            p.scheduler.clear(&Job::Sync);
        }
        set_or_clear(&mut p.scheduler, Job::Reminder, wanted.reminder_at);
        set_or_clear(&mut p.scheduler, Job::FollowUp, wanted.follow_up_at);
        set_or_clear(&mut p.scheduler, Job::ScheduledAsk, wanted.scheduled_ask_at);
        set_or_clear(&mut p.scheduler, Job::Link, wanted.link_at);
        set_or_clear(&mut p.scheduler, Job::Outbox, wanted.outbox_at);
        if wanted.tokens_needed {
            let (lo, hi) = TOKEN_NEEDED_WINDOW;
            let soon = now + live::random_between(lo, hi);
            if p.scheduler
                .deadline(&Job::TokenRefill)
                .is_none_or(|at| at > now + hi)
            {
                p.scheduler.set(Job::TokenRefill, soon);
            }
        } else if wanted.tokens_low {
            let (lo, hi) = TOKEN_REFILL_WINDOW;
            p.scheduler
                .set_if_absent(Job::TokenRefill, now + live::random_between(lo, hi));
        } else {
            p.scheduler.clear(&Job::TokenRefill);
        }
        // Close what is no longer wanted (locked, left the team, request closed).
        p.live.retain(|key, (_, task)| {
            let keep = wanted.live.contains_key(key);
            if !keep {
                task.abort();
            }
            keep
        });
        p.failures.retain(|key, _| wanted.live.contains_key(key));
        let stale: Vec<Job> = p
            .scheduler
            .jobs()
            .filter(|job| matches!(job, Job::Reconnect(key) if !wanted.live.contains_key(key)))
            .cloned()
            .collect();
        for job in stale {
            p.scheduler.clear(&job);
        }
        // Open what is wanted and not open, unless it waits to reconnect. Outside the async
        // runtime (a window event on the UI thread) the run loop, woken, opens them.
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        for (key, secret) in wanted.live {
            if p.live.contains_key(&key)
                || p.scheduler.deadline(&Job::Reconnect(key.clone())).is_some()
            {
                continue;
            }
            p.next_generation += 1;
            let generation = p.next_generation;
            let task = live::spawn(self.clone(), key.clone(), generation, secret);
            p.live.insert(key, (generation, task));
        }
    }

    /// The membership the team's live connection uses: the one kept for the background
    /// (the vault may be locked).
    fn team_membership(&self) -> Option<Box<team::Membership>> {
        self.lock_plan().background.clone()
    }

    /// A live connection is up: its next failure starts the backoff again.
    fn live_connected(&self, key: &Live) {
        self.lock_plan().failures.remove(key);
    }

    /// A live connection ended. Unless it is no longer wanted, it reconnects after the
    /// backoff.
    fn live_ended(&self, key: &Live, generation: u64) {
        let now = self.now();
        {
            let mut plan = self.lock_plan();
            if plan.live.get(key).map(|(g, _)| *g) != Some(generation) {
                return;
            }
            plan.live.remove(key);
            let failures = plan.failures.entry(key.clone()).or_insert(0);
            let wait = Backoff::RECONNECT.delay_secs(*failures);
            *failures += 1;
            plan.scheduler.set(Job::Reconnect(key.clone()), now + wait);
        }
        self.replan();
        self.inner.wake.notify_one();
    }

    /// Reads one request's status from the relay (after an event on its connection), then
    /// tells the app what changed.
    async fn refresh_request(&self, id: &str) {
        match officer::refresh(&*self.session(), id).await {
            // Taken: its conversation may have moved (or have messages waiting to go).
            Ok(r) if r.stage == officer::Stage::Accepted => self.conversation(id).await,
            Ok(_) => {}
            Err(e) => tracing::debug!(code = e.code(), "request status not read this time"),
        }
        self.observe();
    }

    /// One round of a conversation this phone takes part in (either role): new messages
    /// in, waiting ones out, marks updated; the app is told, and notified (content-free)
    /// when the other side wrote.
    async fn conversation(&self, id: &str) {
        match crate::talk::conversation::sync(&*self.session(), id).await {
            Ok(arrived) => self.emit(CoreEvent::Conversation(ConversationEvent {
                request_id: id.to_owned(),
                arrived: u32::try_from(arrived).unwrap_or(u32::MAX),
            })),
            Err(e) => tracing::debug!(code = e.code(), "conversation not read this time"),
        }
    }

    /// Whether a new (escalated, handed-on) request should raise this peer's notification.
    /// With the vault open, only if this peer can read it and it is still open: a request
    /// encrypted to others (the officer chose, or kept it from this peer's unit) raises
    /// nothing here. With the vault locked the keys are out of reach, so the fixed, empty
    /// notification goes as before.
    async fn worth_telling(&self, id: &str) -> bool {
        let unlocked = self.lock_session().vault().is_ok();
        if !unlocked {
            return true;
        }
        match crate::talk::peer::inbox(&*self.session()).await {
            Ok(items) => items.iter().any(|i| i.request_id == id && i.open),
            // Cannot tell (the relay did not answer): say something rather than nothing.
            Err(_) => true,
        }
    }

    /// Every conversation of this peer (after a reconnect).
    async fn peer_conversations(&self) {
        let cases = {
            let s = self.lock_session();
            s.vault()
                .ok()
                .and_then(|v| crate::talk::conversation::peer_cases(v).ok())
                .unwrap_or_default()
        };
        for id in cases {
            self.conversation(&id).await;
        }
    }

    /// A team event about a conversation: this phone's only if it is the peer who took the
    /// request (and the vault is open, for the keys).
    async fn peer_conversation(&self, id: &str) {
        let ours = {
            let s = self.lock_session();
            s.vault()
                .ok()
                .and_then(|v| crate::talk::conversation::peer_cases(v).ok())
                .is_some_and(|cases| cases.iter().any(|c| c == id))
        };
        if ours {
            self.conversation(id).await;
        }
    }

    fn emit(&self, event: CoreEvent) {
        // No listener yet is fine: the UI reads state when it starts.
        let _ = self.inner.events.send(event);
    }

    fn lock_session(&self) -> MutexGuard<'_, Session> {
        self.inner.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_plan(&self) -> MutexGuard<'_, Plan> {
        self.inner.plan.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn set_or_clear(s: &mut Scheduler, job: Job, at: Option<i64>) {
    match at {
        Some(at) => s.set(job, at),
        None => s.clear(&job),
    }
}

/// What the state asks of the engine right now.
struct Wanted {
    auto_lock_at: Option<i64>,
    reminder_at: Option<i64>,
    follow_up_at: Option<i64>,
    scheduled_ask_at: Option<i64>,
    /// When to look in an open device link's mailbox.
    link_at: Option<i64>,
    outbox_at: Option<i64>,
    tokens_low: bool,
    /// A queued request waits for a token and none is held.
    tokens_needed: bool,
    /// Sync is on.
    sync_on: bool,
    /// Live connections, with the status secret for a request's.
    live: HashMap<Live, Option<String>>,
    /// What to keep for the team's connection while locked.
    background: Background,
}

/// The background membership, as the state says now.
enum Background {
    /// Locked: keep what was kept.
    Keep,
    /// Open (or gone): this is the membership to keep, if any.
    Set(Option<Box<team::Membership>>),
}

impl Background {
    fn take(&mut self) -> Self {
        std::mem::replace(self, Self::Keep)
    }
}

impl Wanted {
    fn read(s: &Session) -> Self {
        let mut w = Self {
            auto_lock_at: s.auto_lock_at(),
            reminder_at: s.reminder_due_at().map(|d| d.timestamp()),
            follow_up_at: s.follow_up_due_at().map(|d| d.timestamp()),
            scheduled_ask_at: None,
            link_at: s.link().and_then(crate::sync::link::Pending::check_at),
            outbox_at: None,
            tokens_low: false,
            tokens_needed: false,
            sync_on: false,
            live: HashMap::new(),
            background: Background::Keep,
        };
        // Locked: only the lock, the reminders (their words are fixed; they need no vault) and
        // a peer's team connection on the membership kept from when it was open.
        let Ok(v) = s.vault() else {
            if !matches!(s.status(), VaultStatus::Locked { .. }) {
                // No vault (erased) or a damaged one: nothing of it is kept.
                w.background = Background::Set(None);
            }
            return w;
        };
        w.sync_on = crate::sync::local::state(v.conn()).is_ok_and(|s| s.is_some());
        let membership = team::load_membership(v).ok().flatten();
        let peer = peer::has_identity(v).unwrap_or(false);
        w.background = Background::Set(membership.clone().filter(|_| peer).map(Box::new));
        if membership.is_none() {
            return w;
        }
        w.outbox_at = officer::next_outbox_attempt(v).ok().flatten();
        w.scheduled_ask_at = crate::talk::scheduled::next_at(v).ok().flatten();
        w.tokens_low = tokens::count(v).is_ok_and(|n| n < tokens::LOW_WATER);
        w.tokens_needed = officer::waiting_for_tokens(v).unwrap_or(false);
        if peer {
            w.live.insert(Live::Team, None);
        }
        for (id, secret) in officer::live_requests(v).unwrap_or_default() {
            w.live.insert(Live::Request(id), Some(secret));
        }
        w
    }
}

#[cfg(test)]
mod tests;
