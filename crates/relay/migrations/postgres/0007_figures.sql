-- The program's figures (SQLite v9). Counters per team and week, added to as a request
-- closes or expires (its claim time is kept on the request until then), and peer-seconds
-- on duty per team, week and hour of the week, added to as a stretch on duty ends.
ALTER TABLE requests ADD COLUMN claimed_at BIGINT;
ALTER TABLE duty ADD COLUMN since_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE team_weeks (
    team_id           TEXT NOT NULL REFERENCES teams (team_id),
    week              BIGINT NOT NULL,
    requests          BIGINT NOT NULL DEFAULT 0,
    claimed           BIGINT NOT NULL DEFAULT 0,
    escalated         BIGINT NOT NULL DEFAULT 0,
    expired_unclaimed BIGINT NOT NULL DEFAULT 0,
    claim_b0          BIGINT NOT NULL DEFAULT 0,
    claim_b1          BIGINT NOT NULL DEFAULT 0,
    claim_b2          BIGINT NOT NULL DEFAULT 0,
    claim_b3          BIGINT NOT NULL DEFAULT 0,
    claim_b4          BIGINT NOT NULL DEFAULT 0,
    claim_b5          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, week)
);

CREATE TABLE team_duty_hours (
    team_id      TEXT NOT NULL REFERENCES teams (team_id),
    week         BIGINT NOT NULL,
    hour         BIGINT NOT NULL,
    peer_seconds BIGINT NOT NULL,
    PRIMARY KEY (team_id, week, hour)
);
