-- Every change to a request wakes every relay node, from inside the transaction that made
-- it: PostgreSQL delivers a NOTIFY only if that transaction commits, and always if it does,
-- so a node killed just after committing cannot leave the other nodes' phones unwoken.
-- The payload is the WebSocket event (ids and states only) plus the team and the sending
-- node (its connections' application_name), so a node skips what it already sent itself.
-- The channel is named for the schema, so relays in two schemas of one database (or the
-- tests, which run in parallel schemas) never hear each other.
CREATE FUNCTION peerline_request_event() RETURNS trigger LANGUAGE plpgsql AS $$
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
    ELSE
        RETURN NULL;
    END IF;
    PERFORM pg_notify('peerline_events_' || current_schema(), json_build_object(
        'node', current_setting('application_name'), 'team', team, 'event', event)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER requests_wake_nodes
    AFTER INSERT OR UPDATE OR DELETE ON requests
    FOR EACH ROW EXECUTE FUNCTION peerline_request_event();
