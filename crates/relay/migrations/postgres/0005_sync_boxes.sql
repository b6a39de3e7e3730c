-- Officers' sync boxes: ciphertext their own devices exchange. A box is found by its id and
-- opened by its secret alone; nothing in it names a device.
CREATE TABLE sync_boxes (
    box_id       TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL REFERENCES teams(team_id),
    secret_hash  TEXT NOT NULL,
    next_seq     BIGINT NOT NULL DEFAULT 1,
    used_bytes   BIGINT NOT NULL DEFAULT 0,
    snapshot_seq BIGINT NOT NULL DEFAULT 0,
    snapshot     BYTEA
);
CREATE TABLE sync_records (
    box_id TEXT NOT NULL REFERENCES sync_boxes(box_id) ON DELETE CASCADE,
    seq    BIGINT NOT NULL,
    data   BYTEA NOT NULL,
    PRIMARY KEY (box_id, seq)
);
