-- Web Push. The relay's own keys (the VAPID key, shared by every node); one subscription
-- per peer device, for its roster key; one per officer request, found by the request's id
-- alone (no device), kept no longer than the request.
CREATE TABLE relay_keys (
    name   TEXT PRIMARY KEY,
    secret BYTEA NOT NULL
);
CREATE TABLE peer_push (
    device_id TEXT PRIMARY KEY REFERENCES devices(device_id),
    team_id   TEXT NOT NULL REFERENCES teams(team_id),
    key_id    TEXT NOT NULL,
    endpoint  TEXT NOT NULL,
    p256dh    TEXT NOT NULL,
    auth      TEXT NOT NULL
);
CREATE INDEX peer_push_by_team ON peer_push (team_id, key_id);
CREATE INDEX peer_push_by_endpoint ON peer_push (endpoint);
CREATE TABLE request_push (
    request_id TEXT PRIMARY KEY,
    endpoint   TEXT NOT NULL,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    forget_at  BIGINT NOT NULL
);
CREATE INDEX request_push_by_endpoint ON request_push (endpoint);
