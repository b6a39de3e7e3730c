-- A request's first delivery to a peer's phone is an event too, so the officer's app learns
-- "delivered" from its request's live connection instead of asking. Same function as
-- 0002 with one more branch; everything else is unchanged.
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
    ELSE
        RETURN NULL;
    END IF;
    PERFORM pg_notify('peerline_events_' || current_schema(), json_build_object(
        'node', current_setting('application_name'), 'team', team, 'event', event)::text);
    RETURN NULL;
END
$$;
