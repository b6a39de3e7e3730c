//! The vault's schema, one migration per version. Never edit a shipped migration: add one.
//! `rusqlite_migration` keeps the version in SQLite's `user_version`.

use rusqlite_migration::{M, Migrations};

const STEPS: &[&str] = &[
    // v1: app settings that are private (reminder time, contact method, …).
    "CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;",
    // v2: quick check-ins. Time is stored in UTC with the officer's offset at the time, so
    // trends can bucket by the local day it was for them.
    "CREATE TABLE checkins (
        id               TEXT PRIMARY KEY NOT NULL,
        recorded_at_utc  TEXT NOT NULL,
        utc_offset_min   INTEGER NOT NULL,
        mood             INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
        stress           INTEGER NOT NULL CHECK (stress BETWEEN 1 AND 5),
        energy           INTEGER NOT NULL CHECK (energy BETWEEN 1 AND 5),
        sleep_half_hours INTEGER NOT NULL CHECK (sleep_half_hours BETWEEN 0 AND 28),
        tags             TEXT NOT NULL DEFAULT '[]',
        note             TEXT
    ) STRICT;
    CREATE INDEX checkins_by_time ON checkins (recorded_at_utc);",
    // v3: talk to a peer. The team this device joined (one at a time), the verified
    // roster, this device's peer keys (peer role), and the officer's own requests, which
    // double as the outbox until the relay has them.
    "CREATE TABLE membership (
        id                INTEGER PRIMARY KEY CHECK (id = 1),
        relay_url         TEXT NOT NULL,
        team_id           TEXT NOT NULL,
        team_public_key   BLOB NOT NULL,
        device_id         TEXT NOT NULL,
        device_secret_key BLOB NOT NULL,
        joined_at_utc     TEXT NOT NULL
    ) STRICT;
    CREATE TABLE roster (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        version   INTEGER NOT NULL,
        payload   BLOB NOT NULL,
        signature BLOB NOT NULL
    ) STRICT;
    CREATE TABLE peer_identity (
        id                 INTEGER PRIMARY KEY CHECK (id = 1),
        key_id             TEXT NOT NULL,
        age_identity       TEXT NOT NULL,
        signing_secret_key BLOB NOT NULL
    ) STRICT;
    CREATE TABLE peer_requests (
        request_id      TEXT PRIMARY KEY NOT NULL,
        created_at_utc  TEXT NOT NULL,
        urgency         TEXT NOT NULL,
        contact         TEXT NOT NULL,
        note            TEXT,
        reply_identity  TEXT,
        status_secret   TEXT NOT NULL,
        recipients      TEXT NOT NULL,
        ciphertext      BLOB NOT NULL,
        expires_at      INTEGER NOT NULL,
        state           TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        escalated       INTEGER NOT NULL DEFAULT 0,
        widened         INTEGER NOT NULL DEFAULT 0,
        accepted_by     TEXT,
        reply_message   TEXT,
        reply_eta_min   INTEGER,
        failure         TEXT,
        token           TEXT
    ) STRICT;
    CREATE TABLE request_tokens (
        id    INTEGER PRIMARY KEY,
        token TEXT NOT NULL
    ) STRICT;",
    // v4: screener results. Answers are kept so a score can be explained later.
    "CREATE TABLE screener_results (
        id             TEXT PRIMARY KEY NOT NULL,
        instrument     TEXT NOT NULL,
        taken_at_utc   TEXT NOT NULL,
        utc_offset_min INTEGER NOT NULL,
        answers        TEXT NOT NULL,
        total          INTEGER NOT NULL,
        band           TEXT NOT NULL,
        safety         INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX screener_results_by_time ON screener_results (instrument, taken_at_utc);",
    // v5: the agency's directory, exactly as signed (so it can be checked again), for the
    // team that published it; and the last update that was refused, to tell the officer.
    // The search index is not stored: it is rebuilt in memory from these and the built-in
    // list, so a backup or restore never carries index tables.
    "CREATE TABLE agency_directory (
        id               INTEGER PRIMARY KEY CHECK (id = 1),
        team_id          TEXT NOT NULL,
        team_public_key  BLOB NOT NULL,
        version          INTEGER NOT NULL,
        digest           TEXT NOT NULL,
        entries          INTEGER NOT NULL,
        installed_at_utc TEXT NOT NULL,
        signature        BLOB NOT NULL,
        payload          BLOB NOT NULL
    ) STRICT;
    CREATE TABLE agency_directory_refusal (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        team_id     TEXT NOT NULL,
        version     INTEGER NOT NULL,
        reason      TEXT NOT NULL,
        at_utc      TEXT NOT NULL
    ) STRICT;",
    // v6: sync of the officer's own record between their devices. The box this vault syncs
    // through (keys derived from the recovery code, which is not kept), this device's clock
    // and writer counter, the stamp of every synced record it holds (deletes kept as
    // tombstones), and the changes not yet uploaded.
    "CREATE TABLE sync_state (
        id             INTEGER PRIMARY KEY CHECK (id = 1),
        relay_url      TEXT NOT NULL,
        box_id         TEXT NOT NULL,
        box_secret     TEXT NOT NULL,
        record_key     BLOB NOT NULL,
        device         INTEGER NOT NULL,
        writer_counter INTEGER NOT NULL DEFAULT 0,
        hlc_ms         INTEGER NOT NULL DEFAULT 0,
        hlc_counter    INTEGER NOT NULL DEFAULT 0,
        last_seq       INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE sync_held (
        tbl         TEXT NOT NULL,
        id          TEXT NOT NULL,
        hlc_ms      INTEGER NOT NULL,
        hlc_counter INTEGER NOT NULL,
        hlc_device  INTEGER NOT NULL,
        deleted     INTEGER NOT NULL,
        PRIMARY KEY (tbl, id)
    ) STRICT;
    CREATE TABLE sync_writers (
        writer  INTEGER PRIMARY KEY NOT NULL,
        counter INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE sync_outbox (
        seq    INTEGER PRIMARY KEY,
        change TEXT NOT NULL
    ) STRICT;",
    // v7: choosing and talking. The officer's choice per request (so escalation keeps to
    // the exclusions), the per-request keys of a conversation (deleted at close), the
    // peer's side of a request they took (also deleted at close), and the messages, with
    // the author's counter that orders and deduplicates them.
    "ALTER TABLE peer_requests ADD COLUMN preferences TEXT;
    ALTER TABLE peer_requests ADD COLUMN sign_secret BLOB;
    ALTER TABLE peer_requests ADD COLUMN peer_key TEXT;
    ALTER TABLE peer_requests ADD COLUMN peer_key_id TEXT;
    ALTER TABLE peer_requests ADD COLUMN keep INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE peer_requests ADD COLUMN sent_counter INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE peer_requests ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE peer_cases (
        request_id    TEXT PRIMARY KEY NOT NULL,
        case_identity TEXT NOT NULL,
        reply_key     TEXT NOT NULL,
        officer_key   TEXT NOT NULL,
        sent_counter  INTEGER NOT NULL DEFAULT 0,
        last_seq      INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE talk_messages (
        request_id TEXT NOT NULL,
        author     TEXT NOT NULL,
        counter    INTEGER NOT NULL,
        mine       INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        body       TEXT NOT NULL,
        sent_at    INTEGER NOT NULL,
        seq        INTEGER,
        state      TEXT NOT NULL,
        message_id TEXT,
        ciphertext BLOB,
        PRIMARY KEY (request_id, author, counter)
    ) STRICT;",
    // v8: the officer's safety plan (one, as JSON: its steps are lists in their own words).
    "CREATE TABLE safety_plan (
        id             INTEGER PRIMARY KEY CHECK (id = 1),
        plan           TEXT NOT NULL,
        updated_at_utc TEXT NOT NULL
    ) STRICT;",
    // v9: the coordinator's console. The team's signing key (it never leaves the vault but
    // in a passphrase-sealed export), the roster and directory being edited, and every
    // version published from this device, for "publish this older version again".
    "CREATE TABLE coordinator_team (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        relay_url  TEXT NOT NULL,
        team_id    TEXT NOT NULL,
        secret_key BLOB NOT NULL
    ) STRICT;
    CREATE TABLE coordinator_drafts (
        kind    TEXT PRIMARY KEY NOT NULL,
        payload TEXT NOT NULL
    ) STRICT;
    CREATE TABLE coordinator_published (
        kind             TEXT NOT NULL,
        version          INTEGER NOT NULL,
        payload          TEXT NOT NULL,
        published_at_utc TEXT NOT NULL,
        PRIMARY KEY (kind, version)
    ) STRICT;",
    // v10: follow-up after a critical incident: when it was (local wall-clock time) and
    // which of the four steps are done. The prompts' moments alone are in vault.json.
    "CREATE TABLE incident_followup (
        id             INTEGER PRIMARY KEY CHECK (id = 1),
        incident_local TEXT NOT NULL,
        done           TEXT NOT NULL DEFAULT '[]'
    ) STRICT;",
    // v11: "ask a peer to check on me in three days": the request as the officer wrote it
    // and when to send it. It is built and encrypted only then, to the peers on duty then.
    "CREATE TABLE scheduled_asks (
        id      TEXT PRIMARY KEY NOT NULL,
        send_at INTEGER NOT NULL,
        request TEXT NOT NULL
    ) STRICT;",
    // v12: compaction of the sync box (the size of its last snapshot this device wrote or
    // read, so it knows when the records after it are worth folding into a new one), and
    // removing a device: this device's own key (an age identity; other devices seal a moved
    // box's keys to it), and the box left behind after a move, until the others have moved.
    "ALTER TABLE sync_state ADD COLUMN snapshot_bytes INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE sync_state ADD COLUMN identity TEXT;
     ALTER TABLE sync_state ADD COLUMN left_box TEXT;
     CREATE TABLE sync_devices (
         id        TEXT PRIMARY KEY NOT NULL,
         name      TEXT NOT NULL,
         recipient TEXT NOT NULL,
         added_on  TEXT NOT NULL
     ) STRICT;",
];

/// All migrations, oldest first.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up(sql)).collect())
}

/// The schema version a fully migrated vault has.
pub const LATEST: usize = STEPS.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }
}
