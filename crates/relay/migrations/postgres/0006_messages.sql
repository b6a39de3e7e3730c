-- The conversation after a claim. Each message waits, encrypted, until the other side has
-- read it; the request's row numbers them (its row lock orders posts from every node) and
-- keeps how far each side has fetched and read. Deleting the request deletes them.
ALTER TABLE requests
    ADD COLUMN msg_seq         BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN last_author     TEXT,
    ADD COLUMN officer_fetched BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN officer_read    BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN peer_fetched    BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN peer_read       BIGINT NOT NULL DEFAULT 0;
CREATE TABLE request_messages (
    request_id TEXT NOT NULL REFERENCES requests(request_id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    author     TEXT NOT NULL,
    message_id TEXT NOT NULL,
    ciphertext BYTEA NOT NULL,
    PRIMARY KEY (request_id, seq),
    UNIQUE (request_id, message_id)
);

-- Two more events wake the other nodes: a hand-off (the claim released, for other peers)
-- and any change in the conversation (a message, or one fetched or read). Otherwise the
-- same function as 0003.
CREATE OR REPLACE FUNCTION peerline_request_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    event json;
    team  text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        event := json_build_object('type', 'new_request', 'request_id', NEW.request_id,
                                   'urgency', NEW.urgency);
        team := NEW.team_id;
    ELSIF TG_OP = 'DELETE' THEN
        event := json_build_object('type', 'closed', 'request_id', OLD.request_id);
        team := OLD.team_id;
    ELSIF OLD.claimed_by_key IS NULL AND NEW.claimed_by_key IS NOT NULL THEN
        event := json_build_object('type', 'claimed', 'request_id', NEW.request_id);
        team := NEW.team_id;
    ELSIF OLD.claimed_by_key IS NOT NULL AND NEW.claimed_by_key IS NULL THEN
        event := json_build_object('type', 'handed_off', 'request_id', NEW.request_id);
        team := NEW.team_id;
    ELSIF OLD.reply IS DISTINCT FROM NEW.reply THEN
        event := json_build_object('type', 'replied', 'request_id', NEW.request_id);
        team := NEW.team_id;
    ELSIF (NOT OLD.escalated AND NEW.escalated)
          OR OLD.recipient_key_ids IS DISTINCT FROM NEW.recipient_key_ids
          OR OLD.ciphertext IS DISTINCT FROM NEW.ciphertext THEN
        -- Escalated, or widened to more peers: either way everyone is told again.
        event := json_build_object('type', 'escalated', 'request_id', NEW.request_id);
        team := NEW.team_id;
    ELSIF NOT OLD.delivered AND NEW.delivered THEN
        event := json_build_object('type', 'delivered', 'request_id', NEW.request_id);
        team := NEW.team_id;
    ELSIF OLD.msg_seq <> NEW.msg_seq THEN
        -- A message: for the side that did not write it.
        event := json_build_object('type', 'conversation', 'request_id', NEW.request_id,
            'to', CASE WHEN NEW.last_author = 'officer' THEN 'peer' ELSE 'officer' END);
        team := NEW.team_id;
    ELSIF OLD.officer_fetched <> NEW.officer_fetched OR OLD.officer_read <> NEW.officer_read THEN
        -- The officer fetched or read the peer's messages: the peer's "delivered", "read".
        event := json_build_object('type', 'conversation', 'request_id', NEW.request_id,
                                   'to', 'peer');
        team := NEW.team_id;
    ELSIF OLD.peer_fetched <> NEW.peer_fetched OR OLD.peer_read <> NEW.peer_read THEN
        event := json_build_object('type', 'conversation', 'request_id', NEW.request_id,
                                   'to', 'officer');
        team := NEW.team_id;
    ELSE
        RETURN NULL;
    END IF;
    PERFORM pg_notify('peerline_events_' || current_schema(), json_build_object(
        'node', current_setting('application_name'), 'team', team, 'event', event)::text);
    RETURN NULL;
END
$$;
