-- The relay's tables on PostgreSQL: the same as SQLite's five migrations, in one step
-- (PostgreSQL support starts here, so it has no older schema to carry).
CREATE TABLE teams (
    team_id         TEXT PRIMARY KEY,
    public_key      BYTEA NOT NULL,
    escalation_secs BIGINT NOT NULL,
    tokens_per_day  BIGINT NOT NULL DEFAULT 20
);

CREATE TABLE invites (
    invite_id  TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (team_id),
    code_hash  TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    max_uses   BIGINT NOT NULL,
    uses       BIGINT NOT NULL DEFAULT 0,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE devices (
    device_id  TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (team_id),
    public_key BYTEA NOT NULL
);

CREATE TABLE blobs (
    team_id   TEXT NOT NULL REFERENCES teams (team_id),
    kind      TEXT NOT NULL,
    version   BIGINT NOT NULL,
    payload   TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (team_id, kind)
);

CREATE TABLE requests (
    request_id        TEXT PRIMARY KEY,
    team_id           TEXT NOT NULL REFERENCES teams (team_id),
    urgency           TEXT NOT NULL,
    recipient_key_ids TEXT[] NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    escalate_at       BIGINT,
    escalated         BOOLEAN NOT NULL DEFAULT FALSE,
    ciphertext        BYTEA NOT NULL,
    status_hash       TEXT NOT NULL,
    claimed_by_key    TEXT,
    claimed_by_device TEXT,
    reply             BYTEA,
    delivered         BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX requests_by_team ON requests (team_id, created_at);
CREATE INDEX requests_by_expiry ON requests (expires_at);
CREATE INDEX requests_by_escalation ON requests (escalate_at) WHERE NOT escalated;

-- SHA-256 of the ids of closed requests, and nothing else, until the original expiry:
-- a replayed post of a closed request must not bring it back.
CREATE TABLE closed_requests (
    id_hash   TEXT PRIMARY KEY,
    forget_at BIGINT NOT NULL
);
CREATE INDEX closed_requests_by_forget ON closed_requests (forget_at);

CREATE TABLE nonces (
    nonce      TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX nonces_by_expiry ON nonces (expires_at);

-- Which roster keys want urgent requests now.
CREATE TABLE duty (
    team_id  TEXT NOT NULL REFERENCES teams (team_id),
    key_id   TEXT NOT NULL,
    until_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, key_id)
);

-- Anonymous request tokens: issuance is counted per device and day; spending records only
-- a hash of the token, in a table with no device in it, so the two cannot be joined.
CREATE TABLE token_keys (
    key_id     TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (team_id),
    secret_der BYTEA NOT NULL,
    public_der BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE token_issuance (
    device_id TEXT NOT NULL,
    day       BIGINT NOT NULL,
    issued    BIGINT NOT NULL,
    PRIMARY KEY (device_id, day)
);

CREATE TABLE spent_tokens (
    token_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX spent_tokens_by_expiry ON spent_tokens (expires_at);
