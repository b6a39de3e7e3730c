//! Storage on a shared PostgreSQL, for several relay nodes behind one name. Everything that
//! must happen once (a claim, an invite use, a dedup, an escalation, an expiry) is one
//! guarded statement or one transaction, so it holds whichever node runs it. Nodes wake
//! each other with LISTEN/NOTIFY carrying ids only, sent by a trigger inside the
//! transaction that changed the request (migration 0002).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::figures;
use peerline_protocol::relay::{
    Author, BlobKind, Event, InviteInfo, PushSubscription, SignedBlob, TeamStatus, Urgency,
};
use sqlx_core::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx_core::query::query;
use sqlx_core::row::Row as _;
use sqlx_postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow, Postgres};
use tokio::task::JoinHandle;

use super::{
    BoxCreated, BoxPage, ClaimOutcome, Counted, Device, DutyWrite, FIGURE_COLUMNS, FigureRows,
    Increments, InviteRefusal, MessageBatch, MessageOutcome, NewInvite, NewPost, PostOutcome,
    Result, SnapshotRefusal, Storage, StoredRequest, StoredTokenKey, SyncBox, Team,
};
use crate::error::RelayError;
use crate::hub::Hub;

/// The NOTIFY channel every node listens on, followed by the schema's name (migration 0002).
const CHANNEL_PREFIX: &str = "peerline_events_";

/// A quiet link is checked this often, so a silently dead connection (a firewall's idle
/// timeout, a failover without a reset) is noticed and its missed events made good.
const HEARTBEAT: Duration = Duration::from_secs(20);

/// How long a handler waits for a database connection before telling the phone the relay
/// is unavailable (the phone keeps the request and retries).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Connections per node.
const MAX_CONNECTIONS: u32 = 16;

/// Migrations, compiled in so a node needs nothing beside its binary.
#[derive(Debug)]
struct Embedded;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> futures_util::future::BoxFuture<
        's,
        std::result::Result<Vec<Migration>, sqlx_core::error::BoxDynError>,
    > {
        Box::pin(async {
            let m = |version, name, sql| {
                Migration::new(
                    version,
                    Cow::Borrowed(name),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            };
            Ok(vec![
                m(
                    1,
                    "initial",
                    include_str!("../../migrations/postgres/0001_initial.sql"),
                ),
                m(
                    2,
                    "request events",
                    include_str!("../../migrations/postgres/0002_request_events.sql"),
                ),
                m(
                    3,
                    "delivered event",
                    include_str!("../../migrations/postgres/0003_delivered_event.sql"),
                ),
                m(
                    4,
                    "push",
                    include_str!("../../migrations/postgres/0004_push.sql"),
                ),
                m(
                    5,
                    "sync boxes",
                    include_str!("../../migrations/postgres/0005_sync_boxes.sql"),
                ),
                m(
                    6,
                    "messages",
                    include_str!("../../migrations/postgres/0006_messages.sql"),
                ),
                m(
                    7,
                    "figures",
                    include_str!("../../migrations/postgres/0007_figures.sql"),
                ),
            ])
        })
    }
}

/// Adds requests' increments to their team's week, in team order.
async fn count_requests(
    conn: &mut sqlx_postgres::PgConnection,
    week: i64,
    sums: &BTreeMap<String, Increments>,
) -> sqlx_core::Result<()> {
    let sql = super::week_upsert_sql('$');
    for (team, inc) in sums {
        let mut q = query::<Postgres>(&sql).bind(team).bind(week);
        for v in inc {
            q = q.bind(*v);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds ended stretches on duty to their teams' hours, in (team, week, hour) order.
async fn count_duty(
    conn: &mut sqlx_postgres::PgConnection,
    sums: &BTreeMap<(String, i64, usize), i64>,
) -> sqlx_core::Result<()> {
    let sql = super::duty_upsert_sql('$');
    for ((team, week, hour), secs) in sums {
        query::<Postgres>(&sql)
            .bind(team)
            .bind(*week)
            .bind(*hour as i64)
            .bind(*secs)
            .execute(&mut *conn)
            .await?;
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

/// PostgreSQL storage: a connection pool, and this node's id so it can tell its own
/// notifications from other nodes'.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: PgPool,
    /// Devices and teams already read (they never change, on any node).
    known: Arc<super::known::Known>,
    node: Arc<str>,
    channel: Arc<str>,
}

impl PostgresStorage {
    /// Connects and migrates. Several nodes starting at once are safe: the migrator holds
    /// a PostgreSQL advisory lock while it works.
    pub async fn connect(url: &str) -> Result<Self> {
        let node: Arc<str> = Arc::from(format!("peerline-relay-{}", crate::ids::random_id()));
        let options: PgConnectOptions = url
            .parse()
            .map_err(|_| RelayError::Unavailable("the PostgreSQL URL is not valid".into()))?;
        // The trigger names the sending node by its connections' application_name.
        let options = options.application_name(&node);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| {
                RelayError::Unavailable(format!("could not connect to PostgreSQL: {}", brief(&e)))
            })?;
        let migrator = Migrator::new(Embedded)
            .await
            .map_err(|e| RelayError::Unavailable(format!("database migration failed: {e}")))?;
        migrator
            .run(&pool)
            .await
            .map_err(|e| RelayError::Unavailable(format!("database migration failed: {e}")))?;
        let schema: String = query::<Postgres>("SELECT current_schema()::text")
            .fetch_one(&pool)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(RelayError::database)?;
        Ok(Self {
            known: Arc::default(),
            pool,
            node,
            channel: Arc::from(format!("{CHANNEL_PREFIX}{schema}")),
        })
    }
}

/// The cause of a connection failure without the URL (which may hold a password).
fn brief(e: &sqlx_core::Error) -> String {
    match e {
        sqlx_core::Error::Io(io) => io.to_string(),
        sqlx_core::Error::Database(db) => db.message().to_owned(),
        sqlx_core::Error::PoolTimedOut => "timed out".into(),
        sqlx_core::Error::Configuration(_) => "the database URL is not valid".into(),
        other => other.to_string(),
    }
}

fn key32(v: Vec<u8>) -> [u8; 32] {
    v.try_into().unwrap_or([0; 32])
}

fn non_negative(v: i64) -> u64 {
    v.max(0) as u64
}

const REQUEST_COLUMNS: &str = "request_id, team_id, urgency, recipient_key_ids, created_at,
    expires_at, escalate_at, escalated, ciphertext, status_hash, claimed_by_key,
    claimed_by_device, reply, delivered";

fn row_to_request(r: &PgRow) -> sqlx_core::Result<StoredRequest> {
    let urgency: String = r.try_get(2)?;
    Ok(StoredRequest {
        request_id: r.try_get(0)?,
        team_id: r.try_get(1)?,
        urgency: Urgency::parse(&urgency).unwrap_or(Urgency::Now),
        recipient_key_ids: r.try_get(3)?,
        created_at: r.try_get(4)?,
        expires_at: r.try_get(5)?,
        escalate_at: r.try_get(6)?,
        escalated: r.try_get(7)?,
        ciphertext: r.try_get(8)?,
        status_hash: r.try_get(9)?,
        claimed_by_key: r.try_get(10)?,
        claimed_by_device: r.try_get(11)?,
        reply: r.try_get(12)?,
        delivered: r.try_get(13)?,
    })
}

fn pairs(rows: Vec<PgRow>) -> sqlx_core::Result<Vec<(String, String)>> {
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// What the trigger sends over NOTIFY: the sending node, the team, and the content-free
/// event.
#[derive(serde::Deserialize)]
struct Notice {
    node: String,
    team: String,
    event: Event,
}

/// Whether the relay holds this request, or held it and closed it.
async fn already_seen<'e, E>(executor: E, request_id: &str) -> Result<bool>
where
    E: sqlx_core::executor::Executor<'e, Database = Postgres>,
{
    query::<Postgres>(
        "SELECT EXISTS (SELECT 1 FROM requests WHERE request_id = $1)
             OR EXISTS (SELECT 1 FROM closed_requests WHERE id_hash = $2)",
    )
    .bind(request_id)
    .bind(secret_hash_hex(request_id))
    .fetch_one(executor)
    .await
    .and_then(|r| r.try_get::<bool, _>(0))
    .map_err(RelayError::database)
}

impl PostgresStorage {
    async fn duplicate_or_spent(&self, request_id: &str) -> Result<PostOutcome> {
        Ok(if already_seen(&self.pool, request_id).await? {
            PostOutcome::Duplicate
        } else {
            PostOutcome::TokenSpent
        })
    }
}

#[async_trait]
impl Storage for PostgresStorage {
    async fn ping(&self) -> Result<()> {
        query::<Postgres>("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(RelayError::database)
    }

    async fn create_team(&self, team: Team) -> Result<()> {
        query::<Postgres>(
            "INSERT INTO teams (team_id, public_key, escalation_secs, tokens_per_day)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(team.team_id)
        .bind(team.public_key.to_vec())
        .bind(i64::from(team.escalation_secs))
        .bind(i64::from(team.tokens_per_day))
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(RelayError::database)
    }

    async fn team(&self, team_id: &str) -> Result<Option<Team>> {
        if let Some(t) = self.known.team(team_id) {
            return Ok(Some(t));
        }
        let row = query::<Postgres>(
            "SELECT team_id, public_key, escalation_secs, tokens_per_day FROM teams
             WHERE team_id = $1",
        )
        .bind(team_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(RelayError::database)?;
        row.map(|r| {
            Ok(Team {
                team_id: r.try_get(0)?,
                public_key: key32(r.try_get(1)?),
                escalation_secs: u32::try_from(r.try_get::<i64, _>(2)?).unwrap_or(u32::MAX),
                tokens_per_day: u32::try_from(r.try_get::<i64, _>(3)?).unwrap_or(u32::MAX),
            })
        })
        .transpose()
        .map_err(RelayError::database)
        .inspect(|t| {
            if let Some(t) = t {
                self.known.keep_team(t);
            }
        })
    }

    async fn team_status(&self, team_id: &str, now: i64) -> Result<Option<TeamStatus>> {
        // One statement, so the counts are of one moment.
        let row = query::<Postgres>(
            "SELECT t.escalation_secs,
               (SELECT count(*) FROM devices d WHERE d.team_id = t.team_id),
               (SELECT count(*) FROM requests r WHERE r.team_id = t.team_id AND r.expires_at > $2),
               (SELECT count(*) FROM invites i WHERE i.team_id = t.team_id AND i.expires_at > $2
                  AND NOT i.revoked AND i.uses < i.max_uses),
               (SELECT version FROM blobs b WHERE b.team_id = t.team_id AND b.kind = 'roster'),
               (SELECT version FROM blobs b WHERE b.team_id = t.team_id AND b.kind = 'directory')
             FROM teams t WHERE t.team_id = $1",
        )
        .bind(team_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(RelayError::database)?;
        row.map(|r| {
            Ok(TeamStatus {
                team_id: team_id.to_owned(),
                escalation_secs: u32::try_from(r.try_get::<i64, _>(0)?).unwrap_or(u32::MAX),
                devices: non_negative(r.try_get(1)?),
                open_requests: non_negative(r.try_get(2)?),
                active_invites: non_negative(r.try_get(3)?),
                roster_version: r.try_get::<Option<i64>, _>(4)?.map(non_negative),
                directory_version: r.try_get::<Option<i64>, _>(5)?.map(non_negative),
            })
        })
        .transpose()
        .map_err(RelayError::database)
    }

    async fn insert_invite(&self, invite: NewInvite) -> Result<()> {
        query::<Postgres>(
            "INSERT INTO invites (invite_id, team_id, code_hash, expires_at, max_uses)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(invite.invite_id)
        .bind(invite.team_id)
        .bind(invite.code_hash)
        .bind(invite.expires_at)
        .bind(i64::from(invite.max_uses))
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(RelayError::database)
    }

    async fn revoke_invite(&self, team_id: &str, invite_id: &str) -> Result<bool> {
        query::<Postgres>("UPDATE invites SET revoked = TRUE WHERE team_id = $1 AND invite_id = $2")
            .bind(team_id)
            .bind(invite_id)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected() > 0)
            .map_err(RelayError::database)
    }

    async fn list_invites(&self, team_id: &str) -> Result<Vec<InviteInfo>> {
        let rows = query::<Postgres>(
            "SELECT invite_id, expires_at, max_uses, uses, revoked FROM invites
             WHERE team_id = $1 ORDER BY expires_at",
        )
        .bind(team_id)
        .fetch_all(&self.pool)
        .await
        .map_err(RelayError::database)?;
        rows.iter()
            .map(|r| {
                Ok(InviteInfo {
                    invite_id: r.try_get(0)?,
                    expires_at: r.try_get(1)?,
                    max_uses: u32::try_from(r.try_get::<i64, _>(2)?).unwrap_or(u32::MAX),
                    uses: u32::try_from(r.try_get::<i64, _>(3)?).unwrap_or(u32::MAX),
                    revoked: r.try_get(4)?,
                })
            })
            .collect::<sqlx_core::Result<_>>()
            .map_err(RelayError::database)
    }

    async fn redeem_invite(
        &self,
        team_id: &str,
        code_hash: &str,
        now: i64,
        device: Device,
    ) -> Result<std::result::Result<(), InviteRefusal>> {
        let mut tx = self.pool.begin().await.map_err(RelayError::database)?;
        let row = query::<Postgres>(
            "SELECT expires_at, max_uses, uses, revoked FROM invites
             WHERE team_id = $1 AND code_hash = $2",
        )
        .bind(team_id)
        .bind(code_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(RelayError::database)?;
        let refusal = match row {
            None => Some(InviteRefusal::Unknown),
            Some(r) => {
                let get = |i: usize| r.try_get::<i64, _>(i).map_err(RelayError::database);
                let revoked: bool = r.try_get(3).map_err(RelayError::database)?;
                if revoked {
                    Some(InviteRefusal::Revoked)
                } else if get(0)? <= now {
                    Some(InviteRefusal::Expired)
                } else if get(2)? >= get(1)? {
                    Some(InviteRefusal::UsedUp)
                } else {
                    None
                }
            }
        };
        if let Some(r) = refusal {
            return Ok(Err(r));
        }
        // The guard in WHERE makes the use atomic: a second node redeeming the last use
        // at the same moment waits for this row, re-checks, and finds it used up.
        let used = query::<Postgres>(
            "UPDATE invites SET uses = uses + 1
             WHERE team_id = $1 AND code_hash = $2 AND uses < max_uses AND NOT revoked",
        )
        .bind(team_id)
        .bind(code_hash)
        .execute(&mut *tx)
        .await
        .map_err(RelayError::database)?;
        if used.rows_affected() != 1 {
            return Ok(Err(InviteRefusal::UsedUp));
        }
        query::<Postgres>(
            "INSERT INTO devices (device_id, team_id, public_key) VALUES ($1, $2, $3)",
        )
        .bind(device.device_id)
        .bind(device.team_id)
        .bind(device.public_key.to_vec())
        .execute(&mut *tx)
        .await
        .map_err(RelayError::database)?;
        tx.commit().await.map_err(RelayError::database)?;
        Ok(Ok(()))
    }

    async fn device(&self, device_id: &str) -> Result<Option<Device>> {
        if let Some(d) = self.known.device(device_id) {
            return Ok(Some(d));
        }
        let row = query::<Postgres>(
            "SELECT device_id, team_id, public_key FROM devices WHERE device_id = $1",
        )
        .bind(device_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(RelayError::database)?;
        row.map(|r| {
            Ok(Device {
                device_id: r.try_get(0)?,
                team_id: r.try_get(1)?,
                public_key: key32(r.try_get(2)?),
            })
        })
        .transpose()
        .map_err(RelayError::database)
        .inspect(|d| {
            if let Some(d) = d {
                self.known.keep_device(d);
            }
        })
    }

    async fn put_blob(
        &self,
        team_id: &str,
        kind: BlobKind,
        blob: SignedBlob,
    ) -> Result<std::result::Result<(), u64>> {
        let version = i64::try_from(blob.version).unwrap_or(i64::MAX);
        // Insert, or replace only with a strictly newer version, in one statement.
        let n = query::<Postgres>(
            "INSERT INTO blobs (team_id, kind, version, payload, signature)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (team_id, kind) DO UPDATE SET
               version = excluded.version, payload = excluded.payload,
               signature = excluded.signature
             WHERE excluded.version > blobs.version",
        )
        .bind(team_id)
        .bind(kind.as_str())
        .bind(version)
        .bind(blob.payload)
        .bind(blob.signature)
        .execute(&self.pool)
        .await
        .map_err(RelayError::database)?;
        if n.rows_affected() == 1 {
            return Ok(Ok(()));
        }
        let current: i64 =
            query::<Postgres>("SELECT version FROM blobs WHERE team_id = $1 AND kind = $2")
                .bind(team_id)
                .bind(kind.as_str())
                .fetch_one(&self.pool)
                .await
                .and_then(|r| r.try_get(0))
                .map_err(RelayError::database)?;
        Ok(Err(non_negative(current)))
    }

    async fn blob(&self, team_id: &str, kind: BlobKind) -> Result<Option<SignedBlob>> {
        let row = query::<Postgres>(
            "SELECT version, payload, signature FROM blobs WHERE team_id = $1 AND kind = $2",
        )
        .bind(team_id)
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(RelayError::database)?;
        row.map(|r| {
            Ok(SignedBlob {
                version: non_negative(r.try_get(0)?),
                payload: r.try_get(1)?,
                signature: r.try_get(2)?,
            })
        })
        .transpose()
        .map_err(RelayError::database)
    }

    async fn post_request(&self, post: NewPost) -> Result<PostOutcome> {
        let NewPost {
            request: q,
            token,
            nonce,
        } = post;
        let mut tx = self.pool.begin().await.map_err(RelayError::database)?;
        // The nonce and the team's delay in one statement. The nonce commits with the post
        // (and with a duplicate); when the team is unknown or a retry on another node won,
        // the transaction is dropped and the nonce with it, which only lets that same
        // refused request be refused again.
        let row = query::<Postgres>(
            "WITH n AS (
                 INSERT INTO nonces (nonce, expires_at)
                 SELECT $1, $2 WHERE $1 IS NOT NULL
                 ON CONFLICT DO NOTHING RETURNING 1
             )
             SELECT (SELECT escalation_secs FROM teams WHERE team_id = $3),
                    $1 IS NULL OR EXISTS (SELECT 1 FROM n)",
        )
        .bind(nonce.as_ref().map(|n| n.scoped.as_str()))
        .bind(nonce.as_ref().map(|n| n.expires_at))
        .bind(&q.team_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(RelayError::database)?;
        let escalation_secs: Option<i64> = row.try_get(0).map_err(RelayError::database)?;
        let fresh_nonce: bool = row.try_get(1).map_err(RelayError::database)?;
        if !fresh_nonce {
            return Ok(PostOutcome::Replay);
        }
        let Some(escalation_secs) = escalation_secs else {
            return Ok(PostOutcome::UnknownTeam);
        };
        let escalate_at = (q.urgency == Urgency::Now).then(|| q.created_at + escalation_secs);
        if already_seen(&mut *tx, &q.request_id).await? {
            // A retry of a post the relay already has: nothing changes, no token spent.
            tx.commit().await.map_err(RelayError::database)?;
            return Ok(PostOutcome::Duplicate);
        }
        if let Some((hash, expires_at)) = &token {
            let fresh = query::<Postgres>(
                "INSERT INTO spent_tokens (token_hash, expires_at) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(hash)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(RelayError::database)?;
            if fresh.rows_affected() == 0 {
                // Either a replay of a spent token, or this very post retried on another
                // node while the first attempt was committing (this statement waited for
                // its token row). A new statement sees that commit: tell them apart.
                drop(tx);
                return self.duplicate_or_spent(&q.request_id).await;
            }
        }
        // The same post retried on another node at the same moment (without a token, or
        // with another) waits here for the first one's row and then does nothing;
        // dropping the transaction un-spends its token.
        let n = query::<Postgres>(
            "INSERT INTO requests (request_id, team_id, urgency, recipient_key_ids, created_at,
               expires_at, escalate_at, ciphertext, status_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (request_id) DO NOTHING",
        )
        .bind(&q.request_id)
        .bind(&q.team_id)
        .bind(q.urgency.as_str())
        .bind(&q.recipient_key_ids)
        .bind(q.created_at)
        .bind(q.expires_at)
        .bind(escalate_at)
        .bind(&q.ciphertext)
        .bind(&q.status_hash)
        .execute(&mut *tx)
        .await
        .map_err(RelayError::database)?;
        if n.rows_affected() != 1 {
            return Ok(PostOutcome::Duplicate);
        }
        tx.commit().await.map_err(RelayError::database)?;
        Ok(PostOutcome::Created)
    }

    async fn team_requests(&self, team_id: &str, now: i64) -> Result<Vec<StoredRequest>> {
        let rows = query::<Postgres>(&format!(
            "SELECT {REQUEST_COLUMNS} FROM requests
             WHERE team_id = $1 AND expires_at > $2 ORDER BY created_at"
        ))
        .bind(team_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(RelayError::database)?;
        rows.iter()
            .map(row_to_request)
            .collect::<sqlx_core::Result<_>>()
            .map_err(RelayError::database)
    }

    async fn request(&self, request_id: &str) -> Result<Option<StoredRequest>> {
        let row = query::<Postgres>(&format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE request_id = $1"
        ))
        .bind(request_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(RelayError::database)?;
        row.as_ref()
            .map(row_to_request)
            .transpose()
            .map_err(RelayError::database)
    }

    async fn claim(
        &self,
        request_id: &str,
        team_id: &str,
        key_id: &str,
        device_id: &str,
        now: i64,
    ) -> Result<ClaimOutcome> {
        // One conditional UPDATE: a claim racing on another node waits for the row lock,
        // re-checks `claimed_by_key IS NULL`, and loses.
        let won = query::<Postgres>(
            "UPDATE requests SET claimed_by_key = $3, claimed_by_device = $4,
               claimed_at = COALESCE(claimed_at, $5)
             WHERE request_id = $1 AND team_id = $2 AND claimed_by_key IS NULL",
        )
        .bind(request_id)
        .bind(team_id)
        .bind(key_id)
        .bind(device_id)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(RelayError::database)?;
        if won.rows_affected() == 1 {
            return Ok(ClaimOutcome::Won);
        }
        let holder = query::<Postgres>(
            "SELECT claimed_by_key FROM requests WHERE request_id = $1 AND team_id = $2",
        )
        .bind(request_id)
        .bind(team_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(RelayError::database)?
        .map(|r| r.try_get::<Option<String>, _>(0))
        .transpose()
        .map_err(RelayError::database)?;
        Ok(match holder {
            None => ClaimOutcome::NotFound,
            Some(Some(h)) if h == key_id => ClaimOutcome::AlreadyYours,
            Some(_) => ClaimOutcome::Taken,
        })
    }

    async fn widen(
        &self,
        request_id: &str,
        recipient_key_ids: Vec<String>,
        ciphertext: Vec<u8>,
    ) -> Result<bool> {
        query::<Postgres>(
            "UPDATE requests SET recipient_key_ids = $2, ciphertext = $3
             WHERE request_id = $1 AND claimed_by_key IS NULL",
        )
        .bind(request_id)
        .bind(recipient_key_ids)
        .bind(ciphertext)
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected() == 1)
        .map_err(RelayError::database)
    }

    async fn reply(&self, request_id: &str, device_id: &str, ciphertext: Vec<u8>) -> Result<bool> {
        query::<Postgres>(
            "UPDATE requests SET reply = $3 WHERE request_id = $1 AND claimed_by_device = $2",
        )
        .bind(request_id)
        .bind(device_id)
        .bind(ciphertext)
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected() == 1)
        .map_err(RelayError::database)
    }

    async fn post_message(
        &self,
        request_id: &str,
        author: Author,
        message_id: &str,
        ciphertext: Vec<u8>,
        max_unread: u64,
    ) -> Result<MessageOutcome> {
        let db = RelayError::database;
        // The request row's lock, taken first and held to the commit, orders every post to
        // this conversation from every node: the duplicate check and the count below see
        // all earlier posts, and sequences commit in order.
        let mut tx = self.pool.begin().await.map_err(db)?;
        let Some(row) = query::<Postgres>(
            "UPDATE requests SET msg_seq = msg_seq + 1, last_author = $2
             WHERE request_id = $1 AND claimed_by_key IS NOT NULL RETURNING msg_seq",
        )
        .bind(request_id)
        .bind(author.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        else {
            return Ok(MessageOutcome::Gone);
        };
        let seq: i64 = row.try_get(0).map_err(db)?;
        if let Some(dup) = query::<Postgres>(
            "SELECT seq FROM request_messages WHERE request_id = $1 AND message_id = $2",
        )
        .bind(request_id)
        .bind(message_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        {
            let dup: i64 = dup.try_get(0).map_err(db)?;
            return Ok(MessageOutcome::Duplicate(dup as u64));
        }
        let waiting: i64 = query::<Postgres>(
            "SELECT count(*) FROM request_messages WHERE request_id = $1 AND author = $2",
        )
        .bind(request_id)
        .bind(author.as_str())
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(db)?;
        if waiting as u64 >= max_unread {
            return Ok(MessageOutcome::Full);
        }
        query::<Postgres>(
            "INSERT INTO request_messages (request_id, seq, author, message_id, ciphertext)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(request_id)
        .bind(seq)
        .bind(author.as_str())
        .bind(message_id)
        .bind(ciphertext)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(MessageOutcome::Stored(seq as u64))
    }

    async fn messages(
        &self,
        request_id: &str,
        reader: Author,
        after: u64,
        limit: usize,
    ) -> Result<Option<MessageBatch>> {
        let db = RelayError::database;
        let (fetched_col, _) = marks(reader);
        let (other_fetched, other_read) = marks(reader.other());
        let mut tx = self.pool.begin().await.map_err(db)?;
        let Some(head) = query::<Postgres>(&format!(
            "SELECT {fetched_col}, {other_fetched}, {other_read} FROM requests
             WHERE request_id = $1 FOR UPDATE"
        ))
        .bind(request_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let fetched: i64 = head.try_get(0).map_err(db)?;
        let delivered_upto: i64 = head.try_get(1).map_err(db)?;
        let read_upto: i64 = head.try_get(2).map_err(db)?;
        let rows = query::<Postgres>(
            "SELECT seq, ciphertext FROM request_messages
             WHERE request_id = $1 AND author = $2 AND seq > $3 ORDER BY seq LIMIT $4",
        )
        .bind(request_id)
        .bind(reader.other().as_str())
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .bind(limit as i64 + 1)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut messages = rows
            .iter()
            .map(|r| Ok((r.try_get::<i64, _>(0)? as u64, r.try_get(1)?)))
            .collect::<std::result::Result<Vec<(u64, Vec<u8>)>, sqlx_core::Error>>()
            .map_err(db)?;
        let more = messages.len() > limit;
        messages.truncate(limit);
        let top = messages.last().map_or(0, |(seq, _)| *seq as i64);
        let marked = top > fetched;
        if marked {
            query::<Postgres>(&format!(
                "UPDATE requests SET {fetched_col} = $2 WHERE request_id = $1"
            ))
            .bind(request_id)
            .bind(top)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(Some(MessageBatch {
            messages,
            more,
            delivered_upto: delivered_upto as u64,
            read_upto: read_upto as u64,
            marked,
        }))
    }

    async fn mark_read(&self, request_id: &str, reader: Author, upto: u64) -> Result<bool> {
        let db = RelayError::database;
        let (fetched_col, read_col) = marks(reader);
        let mut tx = self.pool.begin().await.map_err(db)?;
        // Never past what this side fetched: what it has not seen, it has not read.
        let moved = query::<Postgres>(&format!(
            "UPDATE requests SET {read_col} = LEAST($2, {fetched_col})
             WHERE request_id = $1 AND {read_col} < LEAST($2, {fetched_col})
             RETURNING {read_col}"
        ))
        .bind(request_id)
        .bind(i64::try_from(upto).unwrap_or(i64::MAX))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(moved) = moved else {
            return Ok(false);
        };
        let upto: i64 = moved.try_get(0).map_err(db)?;
        query::<Postgres>(
            "DELETE FROM request_messages WHERE request_id = $1 AND author = $2 AND seq <= $3",
        )
        .bind(request_id)
        .bind(reader.other().as_str())
        .bind(upto)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn hand_off(
        &self,
        request_id: &str,
        recipient_key_ids: Vec<String>,
        ciphertext: Vec<u8>,
    ) -> Result<bool> {
        let db = RelayError::database;
        let mut tx = self.pool.begin().await.map_err(db)?;
        let n = query::<Postgres>(
            "UPDATE requests SET recipient_key_ids = $2, ciphertext = $3,
               claimed_by_key = NULL, claimed_by_device = NULL, reply = NULL, delivered = FALSE,
               officer_fetched = 0, officer_read = 0, peer_fetched = 0, peer_read = 0
             WHERE request_id = $1 AND claimed_by_key IS NOT NULL",
        )
        .bind(request_id)
        .bind(recipient_key_ids)
        .bind(ciphertext)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n == 1 {
            query::<Postgres>("DELETE FROM request_messages WHERE request_id = $1")
                .bind(request_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(n == 1)
    }

    async fn close(&self, request_id: &str, forget_at: i64, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(RelayError::database)?;
        let gone = query::<Postgres>(
            "DELETE FROM requests WHERE request_id = $1
             RETURNING team_id, created_at, claimed_at, escalated",
        )
        .bind(request_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(RelayError::database)?;
        let n = u64::from(gone.is_some());
        if let Some(row) = gone {
            let team: String = row.try_get(0).map_err(RelayError::database)?;
            let counted = Counted::of(
                row.try_get(1).map_err(RelayError::database)?,
                row.try_get(2).map_err(RelayError::database)?,
                row.try_get(3).map_err(RelayError::database)?,
                false,
            );
            count_requests(
                &mut tx,
                figures::week_of(now),
                &super::week_sums([(team, counted)]),
            )
            .await
            .map_err(RelayError::database)?;
            query::<Postgres>(
                "INSERT INTO closed_requests (id_hash, forget_at) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(secret_hash_hex(request_id))
            .bind(forget_at)
            .execute(&mut *tx)
            .await
            .map_err(RelayError::database)?;
        }
        tx.commit().await.map_err(RelayError::database)?;
        Ok(n == 1)
    }

    async fn expire(&self, now: i64) -> Result<Vec<(String, String)>> {
        // SKIP LOCKED: every node runs this pass; a row another node is deleting (or a
        // peer is claiming) is left to that transaction, so each request expires once and
        // no pass waits on another.
        // The deletions and their counts commit together: a request is counted exactly
        // when it is deleted, by whichever node deleted it.
        let db = RelayError::database;
        let mut tx = self.pool.begin().await.map_err(db)?;
        let rows = query::<Postgres>(
            "DELETE FROM requests WHERE request_id IN (
               SELECT request_id FROM requests WHERE expires_at <= $1 FOR UPDATE SKIP LOCKED)
             RETURNING team_id, request_id, created_at, claimed_at, escalated",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let week = figures::week_of(now);
        let mut gone = Vec::with_capacity(rows.len());
        let mut counted = Vec::with_capacity(rows.len());
        for row in rows {
            let team: String = row.try_get(0).map_err(db)?;
            counted.push((
                team.clone(),
                Counted::of(
                    row.try_get(2).map_err(db)?,
                    row.try_get(3).map_err(db)?,
                    row.try_get(4).map_err(db)?,
                    true,
                ),
            ));
            gone.push((team, row.try_get(1).map_err(db)?));
        }
        count_requests(&mut tx, week, &super::week_sums(counted))
            .await
            .map_err(db)?;
        let lapsed = query::<Postgres>(
            "DELETE FROM duty WHERE (team_id, key_id) IN (
               SELECT team_id, key_id FROM duty WHERE until_at <= $1 FOR UPDATE SKIP LOCKED)
             RETURNING team_id, since_at, until_at",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let stretches = lapsed
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
            .collect::<sqlx_core::Result<Vec<(String, i64, i64)>>>()
            .map_err(db)?;
        count_duty(&mut tx, &super::duty_sums(stretches))
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        // Housekeeping, each its own short statement so nodes never hold locks across
        // them; deleting a row twice is harmless.
        for sql in [
            "DELETE FROM closed_requests WHERE forget_at <= $1",
            "DELETE FROM nonces WHERE expires_at <= $1",
            "DELETE FROM spent_tokens WHERE expires_at <= $1",
            "DELETE FROM request_push WHERE forget_at <= $1",
        ] {
            query::<Postgres>(sql)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(RelayError::database)?;
        }
        Ok(gone)
    }

    async fn escalate_due(&self, now: i64) -> Result<Vec<(String, String)>> {
        // RETURNING from the UPDATE itself, over rows this pass alone has locked: each
        // request escalates exactly once, whichever node gets there first.
        query::<Postgres>(
            "UPDATE requests SET escalated = TRUE WHERE request_id IN (
               SELECT request_id FROM requests
               WHERE NOT escalated AND escalate_at IS NOT NULL AND escalate_at <= $1
                 AND claimed_by_key IS NULL
               FOR UPDATE SKIP LOCKED)
             RETURNING team_id, request_id",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .and_then(pairs)
        .map_err(RelayError::database)
    }

    async fn set_duty(
        &self,
        team_id: &str,
        key_id: &str,
        until_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let db = RelayError::database;
        let mut tx = self.pool.begin().await.map_err(db)?;
        // The stretch so far, locked: a lapsed stretch ends here (counted up to its end);
        // one still running is extended or ended now.
        let held: Option<(i64, i64)> = query::<Postgres>(
            "SELECT since_at, until_at FROM duty WHERE team_id = $1 AND key_id = $2 FOR UPDATE",
        )
        .bind(team_id)
        .bind(key_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .map(|r| Ok::<_, sqlx_core::Error>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()
        .map_err(db)?;
        let (counted, write) = super::duty_change(team_id, held, until_at, now);
        count_duty(&mut tx, &counted).await.map_err(db)?;
        let q = match write {
            DutyWrite::Extend(until) => Some(
                query::<Postgres>(
                    "UPDATE duty SET until_at = $3 WHERE team_id = $1 AND key_id = $2",
                )
                .bind(team_id)
                .bind(key_id)
                .bind(until),
            ),
            DutyWrite::Start(until) => Some(
                query::<Postgres>(
                    "INSERT INTO duty (team_id, key_id, until_at, since_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (team_id, key_id)
                     DO UPDATE SET until_at = excluded.until_at, since_at = excluded.since_at",
                )
                .bind(team_id)
                .bind(key_id)
                .bind(until)
                .bind(now),
            ),
            DutyWrite::End => Some(
                query::<Postgres>("DELETE FROM duty WHERE team_id = $1 AND key_id = $2")
                    .bind(team_id)
                    .bind(key_id),
            ),
            DutyWrite::Nothing => None,
        };
        if let Some(q) = q {
            q.execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn figures(&self, team_id: &str, duty_from_week: i64) -> Result<FigureRows> {
        let db = RelayError::database;
        let columns = FIGURE_COLUMNS.join(", ");
        let weeks = query::<Postgres>(&format!(
            "SELECT week, {columns} FROM team_weeks WHERE team_id = $1 ORDER BY week"
        ))
        .bind(team_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            let counts = (1..=FIGURE_COLUMNS.len())
                .map(|i| r.try_get::<i64, _>(i))
                .collect::<sqlx_core::Result<Vec<_>>>()?;
            Ok((r.try_get(0)?, super::figures_from(&counts)))
        })
        .collect::<sqlx_core::Result<Vec<_>>>()
        .map_err(db)?;
        let duty = query::<Postgres>(
            "SELECT week, hour, peer_seconds FROM team_duty_hours
             WHERE team_id = $1 AND week >= $2 ORDER BY week, hour",
        )
        .bind(team_id)
        .bind(duty_from_week)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get::<i64, _>(1)? as usize,
                r.try_get(2)?,
            ))
        })
        .collect::<sqlx_core::Result<Vec<_>>>()
        .map_err(db)?;
        Ok(FigureRows { weeks, duty })
    }

    async fn on_duty(&self, team_id: &str, now: i64) -> Result<Vec<String>> {
        query::<Postgres>(
            "SELECT key_id FROM duty WHERE team_id = $1 AND until_at > $2 ORDER BY key_id",
        )
        .bind(team_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .and_then(|rows| rows.iter().map(|r| r.try_get(0)).collect())
        .map_err(RelayError::database)
    }

    async fn token_keys(&self, team_id: &str, now: i64) -> Result<Vec<StoredTokenKey>> {
        let rows = query::<Postgres>(
            "SELECT key_id, secret_der, public_der, created_at, expires_at FROM token_keys
             WHERE team_id = $1 AND expires_at > $2 ORDER BY created_at DESC",
        )
        .bind(team_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(RelayError::database)?;
        rows.iter()
            .map(|r| {
                Ok(StoredTokenKey {
                    key_id: r.try_get(0)?,
                    secret_der: r.try_get(1)?,
                    public_der: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    expires_at: r.try_get(4)?,
                })
            })
            .collect::<sqlx_core::Result<_>>()
            .map_err(RelayError::database)
    }

    async fn insert_token_key(&self, team_id: &str, key: StoredTokenKey) -> Result<()> {
        query::<Postgres>(
            "INSERT INTO token_keys (key_id, team_id, secret_der, public_der, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key.key_id)
        .bind(team_id)
        .bind(key.secret_der)
        .bind(key.public_der)
        .bind(key.created_at)
        .bind(key.expires_at)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(RelayError::database)
    }

    async fn reserve_tokens(&self, device_id: &str, day: i64, n: u32, cap: u32) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(RelayError::database)?;
        query::<Postgres>(
            "INSERT INTO token_issuance (device_id, day, issued) VALUES ($1, $2, 0)
             ON CONFLICT DO NOTHING",
        )
        .bind(device_id)
        .bind(day)
        .execute(&mut *tx)
        .await
        .map_err(RelayError::database)?;
        // One guarded UPDATE: the cap holds with several nodes issuing at once.
        let ok = query::<Postgres>(
            "UPDATE token_issuance SET issued = issued + $3
             WHERE device_id = $1 AND day = $2 AND issued + $3 <= $4",
        )
        .bind(device_id)
        .bind(day)
        .bind(i64::from(n))
        .bind(i64::from(cap))
        .execute(&mut *tx)
        .await
        .map_err(RelayError::database)?
        .rows_affected()
            == 1;
        query::<Postgres>("DELETE FROM token_issuance WHERE day < $1")
            .bind(day - 1)
            .execute(&mut *tx)
            .await
            .map_err(RelayError::database)?;
        tx.commit().await.map_err(RelayError::database)?;
        Ok(ok)
    }

    async fn mark_delivered(&self, request_ids: Vec<String>) -> Result<()> {
        query::<Postgres>(
            // Rows locked in one order and skipped when another node holds them (it is
            // marking them too): no deadlock between nodes, no queue behind one row.
            "UPDATE requests SET delivered = TRUE WHERE request_id IN (
               SELECT request_id FROM requests WHERE request_id = ANY($1) AND NOT delivered
               ORDER BY request_id FOR UPDATE SKIP LOCKED)",
        )
        .bind(request_ids)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(RelayError::database)
    }

    async fn compact(&self) -> Result<()> {
        // PostgreSQL's autovacuum reclaims deleted rows; there is no log for a node to
        // fold. SECURITY.md says what an operator should do about dead tuples and WAL.
        Ok(())
    }

    async fn use_nonce(&self, nonce: &str, expires_at: i64, _now: i64) -> Result<bool> {
        query::<Postgres>(
            "INSERT INTO nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(nonce)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected() == 1)
        .map_err(RelayError::database)
    }

    async fn vapid_secret(&self, fresh: Vec<u8>) -> Result<Vec<u8>> {
        query::<Postgres>(
            "INSERT INTO relay_keys (name, secret) VALUES ('vapid', $1) ON CONFLICT DO NOTHING",
        )
        .bind(fresh)
        .execute(&self.pool)
        .await
        .map_err(RelayError::database)?;
        query::<Postgres>("SELECT secret FROM relay_keys WHERE name = 'vapid'")
            .fetch_one(&self.pool)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(RelayError::database)
    }

    async fn put_peer_push(
        &self,
        team_id: &str,
        device_id: &str,
        key_id: &str,
        subscription: PushSubscription,
    ) -> Result<()> {
        query::<Postgres>(
            "INSERT INTO peer_push (device_id, team_id, key_id, endpoint, p256dh, auth)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (device_id) DO UPDATE SET team_id = excluded.team_id,
               key_id = excluded.key_id, endpoint = excluded.endpoint,
               p256dh = excluded.p256dh, auth = excluded.auth",
        )
        .bind(device_id)
        .bind(team_id)
        .bind(key_id)
        .bind(subscription.endpoint)
        .bind(subscription.p256dh)
        .bind(subscription.auth)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(RelayError::database)
    }

    async fn delete_peer_push(&self, device_id: &str) -> Result<bool> {
        query::<Postgres>("DELETE FROM peer_push WHERE device_id = $1")
            .bind(device_id)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected() > 0)
            .map_err(RelayError::database)
    }

    async fn peer_push_targets(
        &self,
        team_id: &str,
        key_ids: Option<Vec<String>>,
    ) -> Result<Vec<PushSubscription>> {
        let rows = match key_ids {
            None => {
                query::<Postgres>("SELECT endpoint, p256dh, auth FROM peer_push WHERE team_id = $1")
                    .bind(team_id)
            }
            Some(keys) => query::<Postgres>(
                "SELECT endpoint, p256dh, auth FROM peer_push
                 WHERE team_id = $1 AND key_id = ANY($2)",
            )
            .bind(team_id)
            .bind(keys),
        }
        .fetch_all(&self.pool)
        .await
        .map_err(RelayError::database)?;
        rows.iter()
            .map(|r| {
                Ok(PushSubscription {
                    endpoint: r.try_get(0)?,
                    p256dh: r.try_get(1)?,
                    auth: r.try_get(2)?,
                })
            })
            .collect::<std::result::Result<_, sqlx_core::Error>>()
            .map_err(RelayError::database)
    }

    async fn put_request_push(
        &self,
        request_id: &str,
        subscription: PushSubscription,
        forget_at: i64,
    ) -> Result<()> {
        query::<Postgres>(
            "INSERT INTO request_push (request_id, endpoint, p256dh, auth, forget_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (request_id) DO UPDATE SET endpoint = excluded.endpoint,
               p256dh = excluded.p256dh, auth = excluded.auth, forget_at = excluded.forget_at",
        )
        .bind(request_id)
        .bind(subscription.endpoint)
        .bind(subscription.p256dh)
        .bind(subscription.auth)
        .bind(forget_at)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(RelayError::database)
    }

    async fn delete_request_push(&self, request_id: &str) -> Result<bool> {
        query::<Postgres>("DELETE FROM request_push WHERE request_id = $1")
            .bind(request_id)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected() > 0)
            .map_err(RelayError::database)
    }

    async fn request_push_target(&self, request_id: &str) -> Result<Option<PushSubscription>> {
        query::<Postgres>("SELECT endpoint, p256dh, auth FROM request_push WHERE request_id = $1")
            .bind(request_id)
            .fetch_optional(&self.pool)
            .await
            .and_then(|row| {
                row.map(|r| {
                    Ok(PushSubscription {
                        endpoint: r.try_get(0)?,
                        p256dh: r.try_get(1)?,
                        auth: r.try_get(2)?,
                    })
                })
                .transpose()
            })
            .map_err(RelayError::database)
    }

    async fn forget_push_endpoint(&self, endpoint: &str) -> Result<()> {
        for sql in [
            "DELETE FROM peer_push WHERE endpoint = $1",
            "DELETE FROM request_push WHERE endpoint = $1",
        ] {
            query::<Postgres>(sql)
                .bind(endpoint)
                .execute(&self.pool)
                .await
                .map_err(RelayError::database)?;
        }
        Ok(())
    }

    async fn create_box(
        &self,
        box_id: &str,
        team_id: &str,
        secret_hash: &str,
        token: (String, i64),
        _now: i64,
    ) -> Result<BoxCreated> {
        let db = RelayError::database;
        let mut tx = self.pool.begin().await.map_err(db)?;
        let fresh = query::<Postgres>(
            "INSERT INTO spent_tokens (token_hash, expires_at) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(&token.0)
        .bind(token.1)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // The box first: a retry of a creation that committed must not read as a spent
        // token. Whichever node inserts first wins; the other sees its row.
        let made = query::<Postgres>(
            "INSERT INTO sync_boxes (box_id, team_id, secret_hash) VALUES ($1, $2, $3)
             ON CONFLICT (box_id) DO NOTHING",
        )
        .bind(box_id)
        .bind(team_id)
        .bind(secret_hash)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if made.rows_affected() == 1 && fresh.rows_affected() == 1 {
            tx.commit().await.map_err(db)?;
            return Ok(BoxCreated::Created);
        }
        // Nothing is kept from this attempt (the token stays unspent by it).
        drop(tx);
        let held: Option<String> =
            query::<Postgres>("SELECT secret_hash FROM sync_boxes WHERE box_id = $1")
                .bind(box_id)
                .fetch_optional(&self.pool)
                .await
                .and_then(|r| r.map(|r| r.try_get(0)).transpose())
                .map_err(db)?;
        Ok(match held {
            Some(h) if h == secret_hash => BoxCreated::Exists,
            Some(_) => BoxCreated::Conflict,
            None => BoxCreated::TokenSpent,
        })
    }

    async fn sync_box(&self, box_id: &str) -> Result<Option<SyncBox>> {
        query::<Postgres>(
            "SELECT secret_hash, used_bytes, snapshot_seq FROM sync_boxes WHERE box_id = $1",
        )
        .bind(box_id)
        .fetch_optional(&self.pool)
        .await
        .and_then(|row| {
            row.map(|r| {
                Ok(SyncBox {
                    secret_hash: r.try_get(0)?,
                    used_bytes: r.try_get::<i64, _>(1)?.max(0) as u64,
                    snapshot_seq: r.try_get::<i64, _>(2)?.max(0) as u64,
                })
            })
            .transpose()
        })
        .map_err(RelayError::database)
    }

    async fn append_record(&self, box_id: &str, data: Vec<u8>, quota: u64) -> Result<Option<u64>> {
        let db = RelayError::database;
        // The box row's lock, held to the commit, orders appends from every node: sequence
        // numbers commit in order, so a reader never sees a later record before an earlier.
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = query::<Postgres>(
            "UPDATE sync_boxes SET next_seq = next_seq + 1, used_bytes = used_bytes + $2
             WHERE box_id = $1 AND used_bytes + $2 <= $3
             RETURNING next_seq - 1",
        )
        .bind(box_id)
        .bind(data.len() as i64)
        .bind(i64::try_from(quota).unwrap_or(i64::MAX))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            drop(tx);
            return match self.sync_box(box_id).await? {
                Some(_) => Ok(None),
                None => Err(RelayError::UnknownBox),
            };
        };
        let seq: i64 = row.try_get(0).map_err(db)?;
        query::<Postgres>("INSERT INTO sync_records (box_id, seq, data) VALUES ($1, $2, $3)")
            .bind(box_id)
            .bind(seq)
            .bind(data)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Some(seq as u64))
    }

    async fn box_page(&self, box_id: &str, after: u64, limit: usize) -> Result<BoxPage> {
        let db = RelayError::database;
        let head =
            query::<Postgres>("SELECT snapshot_seq, snapshot FROM sync_boxes WHERE box_id = $1")
                .bind(box_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        let (snapshot_seq, snapshot): (i64, Option<Vec<u8>>) = match head {
            Some(r) => (r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?),
            None => (0, None),
        };
        let snapshot_seq = snapshot_seq.max(0) as u64;
        let (snapshot, from) = match snapshot {
            Some(data) if after < snapshot_seq => (Some((snapshot_seq, data)), snapshot_seq),
            _ => (None, after),
        };
        let rows = query::<Postgres>(
            "SELECT seq, data FROM sync_records WHERE box_id = $1 AND seq > $2
             ORDER BY seq LIMIT $3",
        )
        .bind(box_id)
        .bind(i64::try_from(from).unwrap_or(i64::MAX))
        .bind(limit as i64 + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut records = rows
            .iter()
            .map(|r| Ok((r.try_get::<i64, _>(0)?.max(0) as u64, r.try_get(1)?)))
            .collect::<std::result::Result<Vec<_>, sqlx_core::Error>>()
            .map_err(db)?;
        let more = records.len() > limit;
        records.truncate(limit);
        Ok(BoxPage {
            snapshot,
            records,
            more,
        })
    }

    async fn put_snapshot(
        &self,
        box_id: &str,
        upto_seq: u64,
        data: Vec<u8>,
        quota: u64,
    ) -> Result<std::result::Result<(), SnapshotRefusal>> {
        let db = RelayError::database;
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = query::<Postgres>(
            "SELECT next_seq, used_bytes, snapshot_seq, COALESCE(length(snapshot), 0)::BIGINT
             FROM sync_boxes WHERE box_id = $1 FOR UPDATE",
        )
        .bind(box_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(RelayError::UnknownBox)?;
        let next_seq: i64 = row.try_get(0).map_err(db)?;
        let used: i64 = row.try_get(1).map_err(db)?;
        let snapshot_seq: i64 = row.try_get(2).map_err(db)?;
        let snapshot_len: i64 = row.try_get(3).map_err(db)?;
        let upto = i64::try_from(upto_seq).unwrap_or(i64::MAX);
        if upto >= next_seq || upto <= snapshot_seq {
            return Ok(Err(SnapshotRefusal::BadSequence));
        }
        let covered: i64 = query::<Postgres>(
            "SELECT COALESCE(SUM(length(data)), 0)::BIGINT FROM sync_records
             WHERE box_id = $1 AND seq <= $2",
        )
        .bind(box_id)
        .bind(upto)
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(db)?;
        let after = (used - snapshot_len - covered + data.len() as i64).max(0);
        if after as u64 > quota {
            return Ok(Err(SnapshotRefusal::Full));
        }
        query::<Postgres>("DELETE FROM sync_records WHERE box_id = $1 AND seq <= $2")
            .bind(box_id)
            .bind(upto)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        query::<Postgres>(
            "UPDATE sync_boxes SET snapshot = $2, snapshot_seq = $3, used_bytes = $4
             WHERE box_id = $1",
        )
        .bind(box_id)
        .bind(data)
        .bind(upto)
        .bind(after)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Ok(()))
    }

    async fn delete_box(&self, box_id: &str) -> Result<bool> {
        // The records go with the box (ON DELETE CASCADE).
        query::<Postgres>("DELETE FROM sync_boxes WHERE box_id = $1")
            .bind(box_id)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected() > 0)
            .map_err(RelayError::database)
    }

    async fn listen(&self, hub: Arc<Hub>) -> Result<Option<JoinHandle<()>>> {
        // The first LISTEN is in place before the node serves, so no socket it accepts can
        // miss another node's event.
        let listener = subscribe(&self.pool, &self.channel)
            .await
            .map_err(|e| RelayError::Unavailable(format!("LISTEN failed: {}", brief(&e))))?;
        let (pool, node, channel) = (self.pool.clone(), self.node.clone(), self.channel.clone());
        Ok(Some(tokio::spawn(listen_loop(
            listener, pool, node, channel, hub,
        ))))
    }
}

async fn subscribe(pool: &PgPool, channel: &str) -> sqlx_core::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    Ok(listener)
}

/// Relays other nodes' events to this node's sockets. When the link to PostgreSQL drops,
/// notifications sent meanwhile are gone, so every socket here is closed once the link is
/// back: each phone reconnects and re-lists, which is how a missed event is made good.
async fn listen_loop(
    mut listener: PgListener,
    pool: PgPool,
    node: Arc<str>,
    channel: Arc<str>,
    hub: Arc<Hub>,
) {
    loop {
        relay_until_lost(&mut listener, &node, &hub).await;
        tracing::warn!("event listener lost PostgreSQL; reconnecting");
        let mut backoff = Duration::from_millis(100);
        listener = loop {
            match subscribe(&pool, &channel).await {
                Ok(l) => break l,
                Err(e) => {
                    tracing::warn!(error = %brief(&e), "event listener cannot reach PostgreSQL; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
        };
        hub.resync_all();
    }
}

/// Passes notifications on until the connection fails or stops answering.
async fn relay_until_lost(listener: &mut PgListener, node: &str, hub: &Hub) {
    loop {
        match tokio::time::timeout(HEARTBEAT, listener.try_recv()).await {
            Ok(Ok(Some(n))) => match serde_json::from_str::<Notice>(n.payload()) {
                Ok(notice) if notice.node != node => hub.publish(&notice.team, notice.event),
                Ok(_) => {}
                Err(_) => tracing::warn!("ignoring a malformed event notification"),
            },
            Ok(Ok(None) | Err(_)) => return,
            Err(_) => {
                let alive = tokio::time::timeout(
                    Duration::from_secs(5),
                    query::<Postgres>("SELECT 1").execute(&mut *listener),
                )
                .await;
                if !matches!(alive, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}
