//! The default storage: one SQLite file in WAL mode. A department fits on one small machine.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::figures;
use peerline_protocol::relay::{
    Author, BlobKind, InviteInfo, PushSubscription, SignedBlob, TeamStatus, Urgency,
};
use rusqlite::{Connection, OptionalExtension as _, params};
use rusqlite_migration::{M, Migrations};

use super::known::Known;
use super::writer::Writer;
use super::{
    BoxCreated, BoxPage, ClaimOutcome, Counted, Device, DutyWrite, FIGURE_COLUMNS, FigureRows,
    Increments, InviteRefusal, MessageBatch, MessageOutcome, NewInvite, NewPost, PostOutcome,
    Result, SnapshotRefusal, Storage, StoredRequest, StoredTokenKey, SyncBox, Team,
};
use crate::error::RelayError;

const MIGRATIONS: &[&str] = &[
    "CREATE TABLE teams (
        team_id         TEXT PRIMARY KEY NOT NULL,
        public_key      BLOB NOT NULL,
        escalation_secs INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE invites (
        invite_id  TEXT PRIMARY KEY NOT NULL,
        team_id    TEXT NOT NULL REFERENCES teams(team_id),
        code_hash  TEXT NOT NULL UNIQUE,
        expires_at INTEGER NOT NULL,
        max_uses   INTEGER NOT NULL,
        uses       INTEGER NOT NULL DEFAULT 0,
        revoked    INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE devices (
        device_id  TEXT PRIMARY KEY NOT NULL,
        team_id    TEXT NOT NULL REFERENCES teams(team_id),
        public_key BLOB NOT NULL
    ) STRICT;
    CREATE TABLE blobs (
        team_id   TEXT NOT NULL REFERENCES teams(team_id),
        kind      TEXT NOT NULL,
        version   INTEGER NOT NULL,
        payload   TEXT NOT NULL,
        signature TEXT NOT NULL,
        PRIMARY KEY (team_id, kind)
    ) STRICT;
    CREATE TABLE requests (
        request_id        TEXT PRIMARY KEY NOT NULL,
        team_id           TEXT NOT NULL REFERENCES teams(team_id),
        urgency           TEXT NOT NULL,
        recipient_key_ids TEXT NOT NULL,
        created_at        INTEGER NOT NULL,
        expires_at        INTEGER NOT NULL,
        escalate_at       INTEGER,
        escalated         INTEGER NOT NULL DEFAULT 0,
        ciphertext        BLOB NOT NULL,
        status_hash       TEXT NOT NULL,
        claimed_by_key    TEXT,
        claimed_by_device TEXT,
        reply             BLOB
    ) STRICT;
    CREATE INDEX requests_by_team ON requests (team_id);
    CREATE INDEX requests_by_expiry ON requests (expires_at);
    CREATE INDEX requests_by_escalation ON requests (escalate_at) WHERE escalated = 0;
    -- SHA-256 of the ids of closed requests, and nothing else, until the original
    -- expiry: a replayed post of a closed request must not bring it back.
    CREATE TABLE closed_requests (
        id_hash    TEXT PRIMARY KEY NOT NULL,
        forget_at  INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE nonces (
        nonce      TEXT PRIMARY KEY NOT NULL,
        expires_at INTEGER NOT NULL
    ) STRICT;",
    // v2: which peers are on duty. Peers are known to their coordinator by name anyway;
    // this says only which roster keys want urgent requests now.
    "CREATE TABLE duty (
        team_id  TEXT NOT NULL REFERENCES teams(team_id),
        key_id   TEXT NOT NULL,
        until_at INTEGER NOT NULL,
        PRIMARY KEY (team_id, key_id)
    ) STRICT;",
    // v3: anonymous request tokens. Issuance is counted per device and day (the cap);
    // spending records only a hash of the token, in a table with no device in it, so the
    // two cannot be joined.
    "CREATE TABLE token_keys (
        key_id     TEXT PRIMARY KEY NOT NULL,
        team_id    TEXT NOT NULL REFERENCES teams(team_id),
        secret_der BLOB NOT NULL,
        public_der BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE token_issuance (
        device_id TEXT NOT NULL,
        day       INTEGER NOT NULL,
        issued    INTEGER NOT NULL,
        PRIMARY KEY (device_id, day)
    ) STRICT;
    CREATE TABLE spent_tokens (
        token_hash TEXT PRIMARY KEY NOT NULL,
        expires_at INTEGER NOT NULL
    ) STRICT;",
    // v4: whether a request reached a peer's phone (a member's device listed it).
    "ALTER TABLE requests ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;",
    // v5: the team's own cap on anonymous tokens per device and day.
    "ALTER TABLE teams ADD COLUMN tokens_per_day INTEGER NOT NULL DEFAULT 20;",
    // v6: Web Push. The relay's own keys (the VAPID key); one subscription per peer
    // device, for its roster key; one per officer request, found by the request's id
    // alone (no device), kept no longer than the request.
    "CREATE TABLE relay_keys (
        name   TEXT PRIMARY KEY NOT NULL,
        secret BLOB NOT NULL
    ) STRICT;
    CREATE TABLE peer_push (
        device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(device_id),
        team_id   TEXT NOT NULL REFERENCES teams(team_id),
        key_id    TEXT NOT NULL,
        endpoint  TEXT NOT NULL,
        p256dh    TEXT NOT NULL,
        auth      TEXT NOT NULL
    ) STRICT;
    CREATE INDEX peer_push_by_team ON peer_push (team_id, key_id);
    CREATE INDEX peer_push_by_endpoint ON peer_push (endpoint);
    CREATE TABLE request_push (
        request_id TEXT PRIMARY KEY NOT NULL,
        endpoint   TEXT NOT NULL,
        p256dh     TEXT NOT NULL,
        auth       TEXT NOT NULL,
        forget_at  INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX request_push_by_endpoint ON request_push (endpoint);",
    // v7: officers' sync boxes: ciphertext their own devices exchange. A box is found by
    // its id and opened by its secret alone; nothing in it names a device.
    "CREATE TABLE sync_boxes (
        box_id       TEXT PRIMARY KEY NOT NULL,
        team_id      TEXT NOT NULL REFERENCES teams(team_id),
        secret_hash  TEXT NOT NULL,
        next_seq     INTEGER NOT NULL DEFAULT 1,
        used_bytes   INTEGER NOT NULL DEFAULT 0,
        snapshot_seq INTEGER NOT NULL DEFAULT 0,
        snapshot     BLOB
    ) STRICT;
    CREATE TABLE sync_records (
        box_id TEXT NOT NULL REFERENCES sync_boxes(box_id) ON DELETE CASCADE,
        seq    INTEGER NOT NULL,
        data   BLOB NOT NULL,
        PRIMARY KEY (box_id, seq)
    ) STRICT;",
    // v8: the conversation after a claim. Each message waits, encrypted, until the other
    // side has read it; the request's row numbers them and keeps how far each side has
    // fetched and read. Deleting the request deletes them.
    "ALTER TABLE requests ADD COLUMN msg_seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE requests ADD COLUMN last_author TEXT;
    ALTER TABLE requests ADD COLUMN officer_fetched INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE requests ADD COLUMN officer_read INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE requests ADD COLUMN peer_fetched INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE requests ADD COLUMN peer_read INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE request_messages (
        request_id TEXT NOT NULL REFERENCES requests(request_id) ON DELETE CASCADE,
        seq        INTEGER NOT NULL,
        author     TEXT NOT NULL,
        message_id TEXT NOT NULL,
        ciphertext BLOB NOT NULL,
        PRIMARY KEY (request_id, seq),
        UNIQUE (request_id, message_id)
    ) STRICT;",
    // v9: the program's figures. Counters per team and week, added to as a request closes
    // or expires (its claim time is kept on the request until then), and peer-seconds on
    // duty per team, week and hour of the week, added to as a stretch on duty ends.
    "ALTER TABLE requests ADD COLUMN claimed_at INTEGER;
    ALTER TABLE duty ADD COLUMN since_at INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE team_weeks (
        team_id           TEXT NOT NULL REFERENCES teams(team_id),
        week              INTEGER NOT NULL,
        requests          INTEGER NOT NULL DEFAULT 0,
        claimed           INTEGER NOT NULL DEFAULT 0,
        escalated         INTEGER NOT NULL DEFAULT 0,
        expired_unclaimed INTEGER NOT NULL DEFAULT 0,
        claim_b0          INTEGER NOT NULL DEFAULT 0,
        claim_b1          INTEGER NOT NULL DEFAULT 0,
        claim_b2          INTEGER NOT NULL DEFAULT 0,
        claim_b3          INTEGER NOT NULL DEFAULT 0,
        claim_b4          INTEGER NOT NULL DEFAULT 0,
        claim_b5          INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (team_id, week)
    ) STRICT;
    CREATE TABLE team_duty_hours (
        team_id      TEXT NOT NULL REFERENCES teams(team_id),
        week         INTEGER NOT NULL,
        hour         INTEGER NOT NULL,
        peer_seconds INTEGER NOT NULL,
        PRIMARY KEY (team_id, week, hour)
    ) STRICT;",
];

/// Adds requests' increments to their team's week.
fn count_requests(
    tx: &Connection,
    week: i64,
    sums: &BTreeMap<String, Increments>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(&super::week_upsert_sql('?'))?;
    for (team, inc) in sums {
        let mut args: Vec<&dyn rusqlite::ToSql> = vec![team, &week];
        args.extend(inc.iter().map(|v| v as &dyn rusqlite::ToSql));
        stmt.execute(args.as_slice())?;
    }
    Ok(())
}

/// Adds ended stretches on duty to their teams' hours.
fn count_duty(tx: &Connection, sums: &BTreeMap<(String, i64, usize), i64>) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(&super::duty_upsert_sql('?'))?;
    for ((team, week, hour), secs) in sums {
        stmt.execute(params![team, week, *hour as i64, secs])?;
    }
    Ok(())
}

/// The columns holding how far `side` has fetched and read the other side's messages.
/// Fixed names, never input: safe to put in SQL text.
fn marks(side: Author) -> (&'static str, &'static str) {
    match side {
        Author::Officer => ("officer_fetched", "officer_read"),
        Author::Peer => ("peer_fetched", "peer_read"),
    }
}

/// SQLite storage. One connection, owned by one writer thread that commits concurrent
/// calls together (see `writer`): SQLite serialises writers anyway, and the relay's
/// statements are all short.
#[derive(Clone)]
pub struct SqliteStorage {
    writer: Writer,
    /// Devices and teams already read (they never change).
    known: Arc<Known>,
    /// A request was deleted since the last compaction: its pages still sit in the WAL
    /// until a truncating checkpoint, so the background loop compacts at its next tick.
    deleted_since_compact: Arc<std::sync::atomic::AtomicBool>,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path).map_err(RelayError::storage)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;
             PRAGMA secure_delete = ON;",
        )
        .map_err(RelayError::storage)?;
        Migrations::new(MIGRATIONS.iter().map(|m| M::up(m)).collect())
            .to_latest(&mut conn)
            .map_err(|e| RelayError::Unavailable(format!("database migration failed: {e}")))?;
        // The hot statements are prepared once and kept (the default keeps 16).
        conn.set_prepared_statement_cache_capacity(128);
        let writer = Writer::start(conn).map_err(|e| {
            RelayError::Unavailable(format!("could not start the storage writer: {e}"))
        })?;
        Ok(Self {
            writer,
            known: Arc::default(),
            deleted_since_compact: Arc::default(),
        })
    }

    /// Runs `f` on the connection in the writer's next batch; answered once it committed.
    async fn with<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.writer.batched(f).await
    }
}

fn key32(v: Vec<u8>) -> [u8; 32] {
    v.try_into().unwrap_or([0; 32])
}

const REQUEST_COLUMNS: &str = "request_id, team_id, urgency, recipient_key_ids, created_at,
    expires_at, escalate_at, escalated, ciphertext, status_hash, claimed_by_key,
    claimed_by_device, reply, delivered";

fn row_to_request(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRequest> {
    let urgency: String = r.get(2)?;
    let keys: String = r.get(3)?;
    Ok(StoredRequest {
        request_id: r.get(0)?,
        team_id: r.get(1)?,
        urgency: Urgency::parse(&urgency).unwrap_or(Urgency::Now),
        recipient_key_ids: serde_json::from_str(&keys).unwrap_or_default(),
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
        escalate_at: r.get(6)?,
        escalated: r.get::<_, i64>(7)? != 0,
        ciphertext: r.get(8)?,
        status_hash: r.get(9)?,
        claimed_by_key: r.get(10)?,
        claimed_by_device: r.get(11)?,
        reply: r.get(12)?,
        delivered: r.get::<_, i64>(13)? != 0,
    })
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn ping(&self) -> Result<()> {
        self.with(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }

    async fn create_team(&self, team: Team) -> Result<()> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO teams (team_id, public_key, escalation_secs, tokens_per_day)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    team.team_id,
                    team.public_key.to_vec(),
                    team.escalation_secs,
                    team.tokens_per_day
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn team(&self, team_id: &str) -> Result<Option<Team>> {
        if let Some(t) = self.known.team(team_id) {
            return Ok(Some(t));
        }
        let id = team_id.to_owned();
        let found = self.with(move |c| {
            c.prepare_cached(
                "SELECT team_id, public_key, escalation_secs, tokens_per_day FROM teams WHERE team_id = ?1",
            )?
            .query_row(
                [id],
                |r| {
                    Ok(Team {
                        team_id: r.get(0)?,
                        public_key: key32(r.get(1)?),
                        escalation_secs: r.get(2)?,
                        tokens_per_day: r.get(3)?,
                    })
                },
            )
            .optional()
        })
        .await?;
        if let Some(v) = &found {
            self.known.keep_team(v);
        }
        Ok(found)
    }

    async fn team_status(&self, team_id: &str, now: i64) -> Result<Option<TeamStatus>> {
        let id = team_id.to_owned();
        self.with(move |c| {
            let Some(escalation_secs) = c
                .query_row(
                    "SELECT escalation_secs FROM teams WHERE team_id = ?1",
                    [&id],
                    |r| r.get::<_, u32>(0),
                )
                .optional()?
            else {
                return Ok(None);
            };
            let count = |sql: &str| -> rusqlite::Result<u64> {
                c.query_row(sql, params![id, now], |r| r.get::<_, i64>(0))
                    .map(|n| n.max(0) as u64)
            };
            let version = |kind: &str| -> rusqlite::Result<Option<u64>> {
                c.query_row(
                    "SELECT version FROM blobs WHERE team_id = ?1 AND kind = ?2",
                    params![id, kind],
                    |r| r.get::<_, i64>(0),
                )
                .optional()
                .map(|v| v.map(|v| v.max(0) as u64))
            };
            Ok(Some(TeamStatus {
                team_id: id.clone(),
                devices: count("SELECT count(*) FROM devices WHERE team_id = ?1 AND ?2 = ?2")?,
                open_requests: count(
                    "SELECT count(*) FROM requests WHERE team_id = ?1 AND expires_at > ?2",
                )?,
                active_invites: count(
                    "SELECT count(*) FROM invites WHERE team_id = ?1 AND expires_at > ?2
                       AND revoked = 0 AND uses < max_uses",
                )?,
                roster_version: version("roster")?,
                directory_version: version("directory")?,
                escalation_secs,
            }))
        })
        .await
    }

    async fn insert_invite(&self, invite: NewInvite) -> Result<()> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO invites (invite_id, team_id, code_hash, expires_at, max_uses)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    invite.invite_id,
                    invite.team_id,
                    invite.code_hash,
                    invite.expires_at,
                    invite.max_uses
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn revoke_invite(&self, team_id: &str, invite_id: &str) -> Result<bool> {
        let (t, i) = (team_id.to_owned(), invite_id.to_owned());
        self.with(move |c| {
            c.execute(
                "UPDATE invites SET revoked = 1 WHERE team_id = ?1 AND invite_id = ?2",
                params![t, i],
            )
            .map(|n| n > 0)
        })
        .await
    }

    async fn list_invites(&self, team_id: &str) -> Result<Vec<InviteInfo>> {
        let t = team_id.to_owned();
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT invite_id, expires_at, max_uses, uses, revoked FROM invites
                 WHERE team_id = ?1 ORDER BY expires_at",
            )?;
            let rows = stmt.query_map([t], |r| {
                Ok(InviteInfo {
                    invite_id: r.get(0)?,
                    expires_at: r.get(1)?,
                    max_uses: r.get(2)?,
                    uses: r.get(3)?,
                    revoked: r.get::<_, i64>(4)? != 0,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn redeem_invite(
        &self,
        team_id: &str,
        code_hash: &str,
        now: i64,
        device: Device,
    ) -> Result<std::result::Result<(), InviteRefusal>> {
        let (t, h) = (team_id.to_owned(), code_hash.to_owned());
        self.with(move |c| {
            let tx = c.savepoint()?;
            let row = tx
                .query_row(
                    "SELECT expires_at, max_uses, uses, revoked FROM invites
                     WHERE team_id = ?1 AND code_hash = ?2",
                    params![t, h],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)? != 0,
                        ))
                    },
                )
                .optional()?;
            let refusal = match row {
                None => Some(InviteRefusal::Unknown),
                Some((_, _, _, true)) => Some(InviteRefusal::Revoked),
                Some((exp, _, _, _)) if exp <= now => Some(InviteRefusal::Expired),
                Some((_, max, uses, _)) if uses >= max => Some(InviteRefusal::UsedUp),
                Some(_) => None,
            };
            if let Some(r) = refusal {
                return Ok(Err(r));
            }
            // The guard in WHERE makes the use atomic even across nodes sharing a database.
            let used = tx.execute(
                "UPDATE invites SET uses = uses + 1
                 WHERE team_id = ?1 AND code_hash = ?2 AND uses < max_uses AND revoked = 0",
                params![t, h],
            )?;
            if used != 1 {
                return Ok(Err(InviteRefusal::UsedUp));
            }
            tx.execute(
                "INSERT INTO devices (device_id, team_id, public_key) VALUES (?1, ?2, ?3)",
                params![device.device_id, device.team_id, device.public_key.to_vec()],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    async fn device(&self, device_id: &str) -> Result<Option<Device>> {
        if let Some(d) = self.known.device(device_id) {
            return Ok(Some(d));
        }
        let id = device_id.to_owned();
        let found = self
            .with(move |c| {
                c.prepare_cached(
                    "SELECT device_id, team_id, public_key FROM devices WHERE device_id = ?1",
                )?
                .query_row([id], |r| {
                    Ok(Device {
                        device_id: r.get(0)?,
                        team_id: r.get(1)?,
                        public_key: key32(r.get(2)?),
                    })
                })
                .optional()
            })
            .await?;
        if let Some(v) = &found {
            self.known.keep_device(v);
        }
        Ok(found)
    }

    async fn put_blob(
        &self,
        team_id: &str,
        kind: BlobKind,
        blob: SignedBlob,
    ) -> Result<std::result::Result<(), u64>> {
        let t = team_id.to_owned();
        self.with(move |c| {
            let version = i64::try_from(blob.version).unwrap_or(i64::MAX);
            // Insert, or replace only with a strictly newer version, in one statement.
            let n = c.execute(
                "INSERT INTO blobs (team_id, kind, version, payload, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (team_id, kind) DO UPDATE SET
                   version = excluded.version, payload = excluded.payload,
                   signature = excluded.signature
                 WHERE excluded.version > blobs.version",
                params![t, kind.as_str(), version, blob.payload, blob.signature],
            )?;
            if n == 1 {
                return Ok(Ok(()));
            }
            let current: i64 = c.query_row(
                "SELECT version FROM blobs WHERE team_id = ?1 AND kind = ?2",
                params![t, kind.as_str()],
                |r| r.get(0),
            )?;
            Ok(Err(current.max(0) as u64))
        })
        .await
    }

    async fn blob(&self, team_id: &str, kind: BlobKind) -> Result<Option<SignedBlob>> {
        let t = team_id.to_owned();
        self.with(move |c| {
            c.query_row(
                "SELECT version, payload, signature FROM blobs WHERE team_id = ?1 AND kind = ?2",
                params![t, kind.as_str()],
                |r| {
                    Ok(SignedBlob {
                        version: r.get::<_, i64>(0)?.max(0) as u64,
                        payload: r.get(1)?,
                        signature: r.get(2)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn post_request(&self, post: NewPost) -> Result<PostOutcome> {
        self.with(move |c| {
            let NewPost {
                request: q,
                token,
                nonce,
            } = post;
            // The nonce is kept whatever the post's outcome: a replay changes nothing.
            if let Some(n) = &nonce {
                let fresh = c
                    .prepare_cached(
                        "INSERT INTO nonces (nonce, expires_at) VALUES (?1, ?2)
                         ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![n.scoped, n.expires_at])?;
                if fresh == 0 {
                    return Ok(PostOutcome::Replay);
                }
            }
            let Some(escalation_secs) = c
                .prepare_cached("SELECT escalation_secs FROM teams WHERE team_id = ?1")?
                .query_row([&q.team_id], |r| r.get::<_, i64>(0))
                .optional()?
            else {
                return Ok(PostOutcome::UnknownTeam);
            };
            let escalate_at = (q.urgency == Urgency::Now).then(|| q.created_at + escalation_secs);
            let tx = c.savepoint()?;
            let seen = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM requests WHERE request_id = ?1)
                         OR EXISTS (SELECT 1 FROM closed_requests WHERE id_hash = ?2)",
                )?
                .query_row(params![q.request_id, secret_hash_hex(&q.request_id)], |r| {
                    r.get::<_, bool>(0)
                })?;
            if seen {
                // A retry of a post the relay already has: nothing changes, no token spent.
                return Ok(PostOutcome::Duplicate);
            }
            if let Some((hash, expires_at)) = &token {
                let fresh = tx
                    .prepare_cached(
                        "INSERT INTO spent_tokens (token_hash, expires_at) VALUES (?1, ?2)
                         ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![hash, expires_at])?;
                if fresh == 0 {
                    return Ok(PostOutcome::TokenSpent);
                }
            }
            let keys = serde_json::to_string(&q.recipient_key_ids).unwrap_or_else(|_| "[]".into());
            let n = tx
                .prepare_cached(
                    "INSERT INTO requests (request_id, team_id, urgency, recipient_key_ids,
                       created_at, expires_at, escalate_at, ciphertext, status_hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (request_id) DO NOTHING",
                )?
                .execute(params![
                    q.request_id,
                    q.team_id,
                    q.urgency.as_str(),
                    keys,
                    q.created_at,
                    q.expires_at,
                    escalate_at,
                    q.ciphertext,
                    q.status_hash
                ])?;
            tx.commit()?;
            Ok(if n == 1 {
                PostOutcome::Created
            } else {
                PostOutcome::Duplicate
            })
        })
        .await
    }

    async fn team_requests(&self, team_id: &str, now: i64) -> Result<Vec<StoredRequest>> {
        let t = team_id.to_owned();
        self.with(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {REQUEST_COLUMNS} FROM requests
                 WHERE team_id = ?1 AND expires_at > ?2 ORDER BY created_at"
            ))?;
            let rows = stmt.query_map(params![t, now], row_to_request)?;
            rows.collect()
        })
        .await
    }

    async fn request(&self, request_id: &str) -> Result<Option<StoredRequest>> {
        let id = request_id.to_owned();
        self.with(move |c| {
            c.query_row(
                &format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE request_id = ?1"),
                [id],
                row_to_request,
            )
            .optional()
        })
        .await
    }

    async fn claim(
        &self,
        request_id: &str,
        team_id: &str,
        key_id: &str,
        device_id: &str,
        now: i64,
    ) -> Result<ClaimOutcome> {
        let (r, t, k, d) = (
            request_id.to_owned(),
            team_id.to_owned(),
            key_id.to_owned(),
            device_id.to_owned(),
        );
        self.with(move |c| {
            // One conditional UPDATE: whichever claim the database applies first wins.
            let won = c.execute(
                "UPDATE requests SET claimed_by_key = ?3, claimed_by_device = ?4,
                   claimed_at = COALESCE(claimed_at, ?5)
                 WHERE request_id = ?1 AND team_id = ?2 AND claimed_by_key IS NULL",
                params![r, t, k, d, now],
            )?;
            if won == 1 {
                return Ok(ClaimOutcome::Won);
            }
            let holder: Option<Option<String>> = c
                .query_row(
                    "SELECT claimed_by_key FROM requests WHERE request_id = ?1 AND team_id = ?2",
                    params![r, t],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(match holder {
                None => ClaimOutcome::NotFound,
                Some(Some(h)) if h == k => ClaimOutcome::AlreadyYours,
                Some(_) => ClaimOutcome::Taken,
            })
        })
        .await
    }

    async fn widen(
        &self,
        request_id: &str,
        recipient_key_ids: Vec<String>,
        ciphertext: Vec<u8>,
    ) -> Result<bool> {
        let r = request_id.to_owned();
        let keys = serde_json::to_string(&recipient_key_ids).unwrap_or_else(|_| "[]".into());
        self.with(move |c| {
            c.execute(
                "UPDATE requests SET recipient_key_ids = ?2, ciphertext = ?3
                 WHERE request_id = ?1 AND claimed_by_key IS NULL",
                params![r, keys, ciphertext],
            )
            .map(|n| n == 1)
        })
        .await
    }

    async fn reply(&self, request_id: &str, device_id: &str, ciphertext: Vec<u8>) -> Result<bool> {
        let (r, d) = (request_id.to_owned(), device_id.to_owned());
        self.with(move |c| {
            c.execute(
                "UPDATE requests SET reply = ?3 WHERE request_id = ?1 AND claimed_by_device = ?2",
                params![r, d, ciphertext],
            )
            .map(|n| n == 1)
        })
        .await
    }

    async fn post_message(
        &self,
        request_id: &str,
        author: Author,
        message_id: &str,
        ciphertext: Vec<u8>,
        max_unread: u64,
    ) -> Result<MessageOutcome> {
        let (r, m) = (request_id.to_owned(), message_id.to_owned());
        self.with(move |c| {
            let tx = c.savepoint()?;
            if let Some(seq) = tx
                .query_row(
                    "SELECT seq FROM request_messages WHERE request_id = ?1 AND message_id = ?2",
                    params![r, m],
                    |row| row.get::<_, i64>(0),
                )
                .optional()?
            {
                return Ok(MessageOutcome::Duplicate(seq as u64));
            }
            let waiting: i64 = tx.query_row(
                "SELECT count(*) FROM request_messages WHERE request_id = ?1 AND author = ?2",
                params![r, author.as_str()],
                |row| row.get(0),
            )?;
            if waiting as u64 >= max_unread {
                return Ok(MessageOutcome::Full);
            }
            let Some(seq) = tx
                .query_row(
                    "UPDATE requests SET msg_seq = msg_seq + 1, last_author = ?2
                     WHERE request_id = ?1 AND claimed_by_key IS NOT NULL RETURNING msg_seq",
                    params![r, author.as_str()],
                    |row| row.get::<_, i64>(0),
                )
                .optional()?
            else {
                return Ok(MessageOutcome::Gone);
            };
            tx.execute(
                "INSERT INTO request_messages (request_id, seq, author, message_id, ciphertext)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![r, seq, author.as_str(), m, ciphertext],
            )?;
            tx.commit()?;
            Ok(MessageOutcome::Stored(seq as u64))
        })
        .await
    }

    async fn messages(
        &self,
        request_id: &str,
        reader: Author,
        after: u64,
        limit: usize,
    ) -> Result<Option<MessageBatch>> {
        let r = request_id.to_owned();
        let (fetched_col, _) = marks(reader);
        let (other_fetched, other_read) = marks(reader.other());
        self.with(move |c| {
            let tx = c.savepoint()?;
            let Some((fetched, delivered_upto, read_upto)) = tx
                .query_row(
                    &format!(
                        "SELECT {fetched_col}, {other_fetched}, {other_read} FROM requests
                         WHERE request_id = ?1"
                    ),
                    [&r],
                    |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            row.get::<_, i64>(1)?,
                            row.get::<_, i64>(2)?,
                        ))
                    },
                )
                .optional()?
            else {
                return Ok(None);
            };
            let mut messages: Vec<(u64, Vec<u8>)> = {
                let mut stmt = tx.prepare(
                    "SELECT seq, ciphertext FROM request_messages
                     WHERE request_id = ?1 AND author = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
                )?;
                let rows = stmt.query_map(
                    params![r, reader.other().as_str(), after as i64, limit as i64 + 1],
                    |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?)),
                )?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let more = messages.len() > limit;
            messages.truncate(limit);
            let top = messages.last().map_or(0, |(seq, _)| *seq as i64);
            let marked = top > fetched;
            if marked {
                tx.execute(
                    &format!("UPDATE requests SET {fetched_col} = ?2 WHERE request_id = ?1"),
                    params![r, top],
                )?;
            }
            tx.commit()?;
            Ok(Some(MessageBatch {
                messages,
                more,
                delivered_upto: delivered_upto as u64,
                read_upto: read_upto as u64,
                marked,
            }))
        })
        .await
    }

    async fn mark_read(&self, request_id: &str, reader: Author, upto: u64) -> Result<bool> {
        let r = request_id.to_owned();
        let (fetched_col, read_col) = marks(reader);
        self.with(move |c| {
            let tx = c.savepoint()?;
            // Never past what this side fetched: what it has not seen, it has not read.
            let moved: Option<i64> = tx
                .query_row(
                    &format!(
                        "UPDATE requests SET {read_col} = min(?2, {fetched_col})
                         WHERE request_id = ?1 AND {read_col} < min(?2, {fetched_col})
                         RETURNING {read_col}"
                    ),
                    params![r, upto as i64],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(upto) = moved {
                tx.execute(
                    "DELETE FROM request_messages WHERE request_id = ?1 AND author = ?2 AND seq <= ?3",
                    params![r, reader.other().as_str(), upto],
                )?;
            }
            tx.commit()?;
            Ok(moved.is_some())
        })
        .await
    }

    async fn hand_off(
        &self,
        request_id: &str,
        recipient_key_ids: Vec<String>,
        ciphertext: Vec<u8>,
    ) -> Result<bool> {
        let r = request_id.to_owned();
        let keys = serde_json::to_string(&recipient_key_ids).unwrap_or_else(|_| "[]".into());
        let deleted = self.deleted_since_compact.clone();
        self.with(move |c| {
            let tx = c.savepoint()?;
            let n = tx.execute(
                "UPDATE requests SET recipient_key_ids = ?2, ciphertext = ?3,
                   claimed_by_key = NULL, claimed_by_device = NULL, reply = NULL, delivered = 0,
                   officer_fetched = 0, officer_read = 0, peer_fetched = 0, peer_read = 0
                 WHERE request_id = ?1 AND claimed_by_key IS NOT NULL",
                params![r, keys, ciphertext],
            )?;
            if n == 1 {
                tx.execute("DELETE FROM request_messages WHERE request_id = ?1", [&r])?;
            }
            tx.commit()?;
            if n == 1 {
                deleted.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(n == 1)
        })
        .await
    }

    async fn close(&self, request_id: &str, forget_at: i64, now: i64) -> Result<bool> {
        let r = request_id.to_owned();
        let deleted = self.deleted_since_compact.clone();
        self.with(move |c| {
            let tx = c.savepoint()?;
            let gone: Option<(String, i64, Option<i64>, bool)> = tx
                .query_row(
                    "DELETE FROM requests WHERE request_id = ?1
                     RETURNING team_id, created_at, claimed_at, escalated",
                    [&r],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?;
            let n = usize::from(gone.is_some());
            if let Some((team, created, claimed, escalated)) = gone {
                count_requests(
                    &tx,
                    figures::week_of(now),
                    &super::week_sums([(team, Counted::of(created, claimed, escalated, false))]),
                )?;
                tx.execute(
                    "INSERT OR IGNORE INTO closed_requests (id_hash, forget_at) VALUES (?1, ?2)",
                    params![secret_hash_hex(&r), forget_at],
                )?;
            }
            tx.commit()?;
            if n == 1 {
                deleted.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(n == 1)
        })
        .await
    }

    async fn expire(&self, now: i64) -> Result<Vec<(String, String)>> {
        self.with(move |c| {
            let tx = c.savepoint()?;
            let gone: Vec<(String, String, i64, Option<i64>, bool)> = {
                let mut stmt = tx.prepare(
                    "DELETE FROM requests WHERE expires_at <= ?1
                     RETURNING team_id, request_id, created_at, claimed_at, escalated",
                )?;
                let rows = stmt.query_map([now], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let week = figures::week_of(now);
            count_requests(
                &tx,
                week,
                &super::week_sums(gone.iter().map(|(team, _, created, claimed, escalated)| {
                    (
                        team.clone(),
                        Counted::of(*created, *claimed, *escalated, true),
                    )
                })),
            )?;
            let lapsed: Vec<(String, i64, i64)> = {
                let mut stmt = tx.prepare(
                    "DELETE FROM duty WHERE until_at <= ?1 RETURNING team_id, since_at, until_at",
                )?;
                let rows = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            count_duty(&tx, &super::duty_sums(lapsed))?;
            let gone = gone.into_iter().map(|(t, r, ..)| (t, r)).collect();
            tx.execute("DELETE FROM closed_requests WHERE forget_at <= ?1", [now])?;
            tx.execute("DELETE FROM nonces WHERE expires_at <= ?1", [now])?;
            tx.execute("DELETE FROM spent_tokens WHERE expires_at <= ?1", [now])?;
            tx.execute("DELETE FROM request_push WHERE forget_at <= ?1", [now])?;
            tx.commit()?;
            Ok(gone)
        })
        .await
    }

    async fn escalate_due(&self, now: i64) -> Result<Vec<(String, String)>> {
        self.with(move |c| {
            // RETURNING from the UPDATE itself: each request escalates exactly once, even
            // with several relay nodes running this loop.
            let mut stmt = c.prepare(
                "UPDATE requests SET escalated = 1
                 WHERE escalated = 0 AND escalate_at IS NOT NULL AND escalate_at <= ?1
                   AND claimed_by_key IS NULL
                 RETURNING team_id, request_id",
            )?;
            let rows = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .await
    }

    async fn set_duty(
        &self,
        team_id: &str,
        key_id: &str,
        until_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let (t, k) = (team_id.to_owned(), key_id.to_owned());
        self.with(move |c| {
            let tx = c.savepoint()?;
            // The stretch so far, when there is one. A lapsed stretch ends here (counted
            // up to its end); one still running is extended or ended now.
            let held: Option<(i64, i64)> = tx
                .query_row(
                    "SELECT since_at, until_at FROM duty WHERE team_id = ?1 AND key_id = ?2",
                    params![t, k],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (counted, write) = super::duty_change(&t, held, until_at, now);
            count_duty(&tx, &counted)?;
            match write {
                DutyWrite::Extend(until) => {
                    tx.execute(
                        "UPDATE duty SET until_at = ?3 WHERE team_id = ?1 AND key_id = ?2",
                        params![t, k, until],
                    )?;
                }
                DutyWrite::Start(until) => {
                    tx.execute(
                        "INSERT INTO duty (team_id, key_id, until_at, since_at) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (team_id, key_id)
                         DO UPDATE SET until_at = excluded.until_at, since_at = excluded.since_at",
                        params![t, k, until, now],
                    )?;
                }
                DutyWrite::End => {
                    tx.execute(
                        "DELETE FROM duty WHERE team_id = ?1 AND key_id = ?2",
                        params![t, k],
                    )?;
                }
                DutyWrite::Nothing => {}
            }
            tx.commit()
        })
        .await
    }

    async fn figures(&self, team_id: &str, duty_from_week: i64) -> Result<FigureRows> {
        let t = team_id.to_owned();
        self.with(move |c| {
            let columns = FIGURE_COLUMNS.join(", ");
            let mut stmt = c.prepare(&format!(
                "SELECT week, {columns} FROM team_weeks WHERE team_id = ?1 ORDER BY week"
            ))?;
            let weeks = stmt
                .query_map([&t], |r| {
                    let counts = (1..=FIGURE_COLUMNS.len())
                        .map(|i| r.get::<_, i64>(i))
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    Ok((r.get(0)?, super::figures_from(&counts)))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut stmt = c.prepare(
                "SELECT week, hour, peer_seconds FROM team_duty_hours
                 WHERE team_id = ?1 AND week >= ?2 ORDER BY week, hour",
            )?;
            let duty = stmt
                .query_map(params![t, duty_from_week], |r| {
                    Ok((r.get(0)?, r.get::<_, i64>(1)? as usize, r.get(2)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(FigureRows { weeks, duty })
        })
        .await
    }

    async fn on_duty(&self, team_id: &str, now: i64) -> Result<Vec<String>> {
        let t = team_id.to_owned();
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT key_id FROM duty WHERE team_id = ?1 AND until_at > ?2 ORDER BY key_id",
            )?;
            let rows = stmt.query_map(params![t, now], |r| r.get(0))?;
            rows.collect()
        })
        .await
    }

    async fn token_keys(&self, team_id: &str, now: i64) -> Result<Vec<StoredTokenKey>> {
        let t = team_id.to_owned();
        self.with(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT key_id, secret_der, public_der, created_at, expires_at FROM token_keys
                 WHERE team_id = ?1 AND expires_at > ?2 ORDER BY created_at DESC",
            )?;
            let rows = stmt.query_map(params![t, now], |r| {
                Ok(StoredTokenKey {
                    key_id: r.get(0)?,
                    secret_der: r.get(1)?,
                    public_der: r.get(2)?,
                    created_at: r.get(3)?,
                    expires_at: r.get(4)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn insert_token_key(&self, team_id: &str, key: StoredTokenKey) -> Result<()> {
        let t = team_id.to_owned();
        self.with(move |c| {
            c.execute(
                "INSERT INTO token_keys (key_id, team_id, secret_der, public_der, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![key.key_id, t, key.secret_der, key.public_der, key.created_at, key.expires_at],
            )
            .map(|_| ())
        })
        .await
    }

    async fn reserve_tokens(&self, device_id: &str, day: i64, n: u32, cap: u32) -> Result<bool> {
        let d = device_id.to_owned();
        self.with(move |c| {
            let tx = c.savepoint()?;
            tx.execute(
                "INSERT INTO token_issuance (device_id, day, issued) VALUES (?1, ?2, 0)
                 ON CONFLICT DO NOTHING",
                params![d, day],
            )?;
            // One guarded UPDATE: the cap holds even with several nodes issuing at once.
            let ok = tx.execute(
                "UPDATE token_issuance SET issued = issued + ?3
                 WHERE device_id = ?1 AND day = ?2 AND issued + ?3 <= ?4",
                params![d, day, n, cap],
            )?;
            tx.execute("DELETE FROM token_issuance WHERE day < ?1", [day - 1])?;
            tx.commit()?;
            Ok(ok == 1)
        })
        .await
    }

    async fn mark_delivered(&self, request_ids: Vec<String>) -> Result<()> {
        self.with(move |c| {
            let tx = c.savepoint()?;
            for id in &request_ids {
                tx.execute(
                    "UPDATE requests SET delivered = 1 WHERE request_id = ?1 AND delivered = 0",
                    [id],
                )?;
            }
            tx.commit()
        })
        .await
    }

    async fn compact(&self) -> Result<()> {
        // Folds the WAL into the main file (where secure_delete has zeroed deleted rows)
        // and truncates it, so closed requests do not linger in the log.
        self.deleted_since_compact
            .store(false, std::sync::atomic::Ordering::Relaxed);
        self.writer
            .alone(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"))
            .await
    }

    fn wants_compaction(&self) -> bool {
        self.deleted_since_compact
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn use_nonce(&self, nonce: &str, expires_at: i64, _now: i64) -> Result<bool> {
        let n = nonce.to_owned();
        self.with(move |c| {
            c.prepare_cached(
                "INSERT INTO nonces (nonce, expires_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            )?
            .execute(params![n, expires_at])
            .map(|n| n == 1)
        })
        .await
    }

    async fn vapid_secret(&self, fresh: Vec<u8>) -> Result<Vec<u8>> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO relay_keys (name, secret) VALUES ('vapid', ?1) ON CONFLICT DO NOTHING",
                [fresh],
            )?;
            c.query_row(
                "SELECT secret FROM relay_keys WHERE name = 'vapid'",
                [],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn put_peer_push(
        &self,
        team_id: &str,
        device_id: &str,
        key_id: &str,
        subscription: PushSubscription,
    ) -> Result<()> {
        let (t, d, k) = (team_id.to_owned(), device_id.to_owned(), key_id.to_owned());
        self.with(move |c| {
            c.execute(
                "INSERT INTO peer_push (device_id, team_id, key_id, endpoint, p256dh, auth)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (device_id) DO UPDATE SET team_id = excluded.team_id,
                   key_id = excluded.key_id, endpoint = excluded.endpoint,
                   p256dh = excluded.p256dh, auth = excluded.auth",
                params![
                    d,
                    t,
                    k,
                    subscription.endpoint,
                    subscription.p256dh,
                    subscription.auth
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn delete_peer_push(&self, device_id: &str) -> Result<bool> {
        let d = device_id.to_owned();
        self.with(move |c| {
            c.execute("DELETE FROM peer_push WHERE device_id = ?1", [d])
                .map(|n| n > 0)
        })
        .await
    }

    async fn peer_push_targets(
        &self,
        team_id: &str,
        key_ids: Option<Vec<String>>,
    ) -> Result<Vec<PushSubscription>> {
        let t = team_id.to_owned();
        self.with(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT key_id, endpoint, p256dh, auth FROM peer_push WHERE team_id = ?1",
            )?;
            let rows = stmt.query_map([t], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    PushSubscription {
                        endpoint: r.get(1)?,
                        p256dh: r.get(2)?,
                        auth: r.get(3)?,
                    },
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (key, sub) = row?;
                if key_ids.as_ref().is_none_or(|keys| keys.contains(&key)) {
                    out.push(sub);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn put_request_push(
        &self,
        request_id: &str,
        subscription: PushSubscription,
        forget_at: i64,
    ) -> Result<()> {
        let r = request_id.to_owned();
        self.with(move |c| {
            c.execute(
                "INSERT INTO request_push (request_id, endpoint, p256dh, auth, forget_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (request_id) DO UPDATE SET endpoint = excluded.endpoint,
                   p256dh = excluded.p256dh, auth = excluded.auth, forget_at = excluded.forget_at",
                params![
                    r,
                    subscription.endpoint,
                    subscription.p256dh,
                    subscription.auth,
                    forget_at
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn delete_request_push(&self, request_id: &str) -> Result<bool> {
        let r = request_id.to_owned();
        self.with(move |c| {
            c.execute("DELETE FROM request_push WHERE request_id = ?1", [r])
                .map(|n| n > 0)
        })
        .await
    }

    async fn request_push_target(&self, request_id: &str) -> Result<Option<PushSubscription>> {
        let r = request_id.to_owned();
        self.with(move |c| {
            c.query_row(
                "SELECT endpoint, p256dh, auth FROM request_push WHERE request_id = ?1",
                [r],
                |r| {
                    Ok(PushSubscription {
                        endpoint: r.get(0)?,
                        p256dh: r.get(1)?,
                        auth: r.get(2)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn forget_push_endpoint(&self, endpoint: &str) -> Result<()> {
        let e = endpoint.to_owned();
        self.with(move |c| {
            let tx = c.savepoint()?;
            tx.execute("DELETE FROM peer_push WHERE endpoint = ?1", [&e])?;
            tx.execute("DELETE FROM request_push WHERE endpoint = ?1", [&e])?;
            tx.commit()
        })
        .await
    }

    async fn create_box(
        &self,
        box_id: &str,
        team_id: &str,
        secret_hash: &str,
        token: (String, i64),
        _now: i64,
    ) -> Result<BoxCreated> {
        let (b, t, h) = (
            box_id.to_owned(),
            team_id.to_owned(),
            secret_hash.to_owned(),
        );
        self.with(move |c| {
            let tx = c.savepoint()?;
            let held: Option<String> = tx
                .query_row(
                    "SELECT secret_hash FROM sync_boxes WHERE box_id = ?1",
                    [&b],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(held) = held {
                return Ok(if held == h {
                    BoxCreated::Exists
                } else {
                    BoxCreated::Conflict
                });
            }
            let fresh = tx.execute(
                "INSERT INTO spent_tokens (token_hash, expires_at) VALUES (?1, ?2)
                 ON CONFLICT DO NOTHING",
                params![token.0, token.1],
            )?;
            if fresh == 0 {
                return Ok(BoxCreated::TokenSpent);
            }
            tx.execute(
                "INSERT INTO sync_boxes (box_id, team_id, secret_hash) VALUES (?1, ?2, ?3)",
                params![b, t, h],
            )?;
            tx.commit()?;
            Ok(BoxCreated::Created)
        })
        .await
    }

    async fn sync_box(&self, box_id: &str) -> Result<Option<SyncBox>> {
        let b = box_id.to_owned();
        self.with(move |c| {
            c.query_row(
                "SELECT secret_hash, used_bytes, snapshot_seq FROM sync_boxes WHERE box_id = ?1",
                [b],
                |r| {
                    Ok(SyncBox {
                        secret_hash: r.get(0)?,
                        used_bytes: r.get::<_, i64>(1)?.max(0) as u64,
                        snapshot_seq: r.get::<_, i64>(2)?.max(0) as u64,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn append_record(&self, box_id: &str, data: Vec<u8>, quota: u64) -> Result<Option<u64>> {
        let b = box_id.to_owned();
        let out = self
            .with(move |c| {
                let tx = c.savepoint()?;
                let row: Option<(i64, i64)> = tx
                    .query_row(
                        "SELECT next_seq, used_bytes FROM sync_boxes WHERE box_id = ?1",
                        [&b],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let Some((seq, used)) = row else {
                    return Ok(Err(()));
                };
                let len = data.len() as i64;
                if (used + len) as u64 > quota {
                    return Ok(Ok(None));
                }
                tx.execute(
                    "INSERT INTO sync_records (box_id, seq, data) VALUES (?1, ?2, ?3)",
                    params![b, seq, data],
                )?;
                tx.execute(
                    "UPDATE sync_boxes SET next_seq = next_seq + 1, used_bytes = used_bytes + ?2
                     WHERE box_id = ?1",
                    params![b, len],
                )?;
                tx.commit()?;
                Ok(Ok(Some(seq as u64)))
            })
            .await?;
        out.map_err(|()| RelayError::UnknownBox)
    }

    async fn box_page(&self, box_id: &str, after: u64, limit: usize) -> Result<BoxPage> {
        let b = box_id.to_owned();
        self.with(move |c| {
            let (snapshot_seq, snapshot): (i64, Option<Vec<u8>>) = c
                .query_row(
                    "SELECT snapshot_seq, snapshot FROM sync_boxes WHERE box_id = ?1",
                    [&b],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .unwrap_or((0, None));
            let snapshot_seq = snapshot_seq.max(0) as u64;
            let (snapshot, from) = match snapshot {
                Some(data) if after < snapshot_seq => (Some((snapshot_seq, data)), snapshot_seq),
                _ => (None, after),
            };
            let mut stmt = c.prepare_cached(
                "SELECT seq, data FROM sync_records WHERE box_id = ?1 AND seq > ?2
                 ORDER BY seq LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![b, from as i64, limit as i64 + 1], |r| {
                Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get::<_, Vec<u8>>(1)?))
            })?;
            let mut records = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            let more = records.len() > limit;
            records.truncate(limit);
            Ok(BoxPage {
                snapshot,
                records,
                more,
            })
        })
        .await
    }

    async fn put_snapshot(
        &self,
        box_id: &str,
        upto_seq: u64,
        data: Vec<u8>,
        quota: u64,
    ) -> Result<std::result::Result<(), SnapshotRefusal>> {
        let b = box_id.to_owned();
        let deleted = self.deleted_since_compact.clone();
        let out = self
            .with(move |c| {
                let tx = c.savepoint()?;
                let row: Option<(i64, i64, i64, i64)> = tx
                    .query_row(
                        "SELECT next_seq, used_bytes, snapshot_seq, COALESCE(length(snapshot), 0)
                         FROM sync_boxes WHERE box_id = ?1",
                        [&b],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                let Some((next_seq, used, snapshot_seq, snapshot_len)) = row else {
                    return Ok(Err(None));
                };
                let upto = upto_seq as i64;
                if upto >= next_seq || upto <= snapshot_seq {
                    return Ok(Err(Some(SnapshotRefusal::BadSequence)));
                }
                let covered: i64 = tx.query_row(
                    "SELECT COALESCE(SUM(length(data)), 0) FROM sync_records
                     WHERE box_id = ?1 AND seq <= ?2",
                    params![b, upto],
                    |r| r.get(0),
                )?;
                let after = used - snapshot_len - covered + data.len() as i64;
                if after.max(0) as u64 > quota {
                    return Ok(Err(Some(SnapshotRefusal::Full)));
                }
                tx.execute(
                    "DELETE FROM sync_records WHERE box_id = ?1 AND seq <= ?2",
                    params![b, upto],
                )?;
                tx.execute(
                    "UPDATE sync_boxes SET snapshot = ?2, snapshot_seq = ?3, used_bytes = ?4
                     WHERE box_id = ?1",
                    params![b, data, upto, after.max(0)],
                )?;
                tx.commit()?;
                deleted.store(true, std::sync::atomic::Ordering::Relaxed);
                Ok(Ok(()))
            })
            .await?;
        match out {
            Ok(()) => Ok(Ok(())),
            Err(Some(refusal)) => Ok(Err(refusal)),
            Err(None) => Err(RelayError::UnknownBox),
        }
    }

    async fn delete_box(&self, box_id: &str) -> Result<bool> {
        let b = box_id.to_owned();
        let deleted = self.deleted_since_compact.clone();
        self.with(move |c| {
            let tx = c.savepoint()?;
            tx.execute("DELETE FROM sync_records WHERE box_id = ?1", [&b])?;
            let n = tx.execute("DELETE FROM sync_boxes WHERE box_id = ?1", [&b])?;
            tx.commit()?;
            if n > 0 {
                deleted.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(n > 0)
        })
        .await
    }
}
