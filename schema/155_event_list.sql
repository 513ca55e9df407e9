-- The list of events without a lookup of quotas for events that have none
-- (issue 11). Each event of a page cost three subqueries; most events have
-- no quotas, so has_quotas, kept by the trigger below in the transaction
-- that writes the quotas, spares their lookup. (The two counts became one
-- scan in the statement itself, server/handlers/events.c.)
SET LOCAL lock_timeout = '5s';

ALTER TABLE events ADD COLUMN has_quotas boolean NOT NULL DEFAULT false;

CREATE FUNCTION mt_event_has_quotas() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	eid bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.event_id
	    ELSE NEW.event_id END;
BEGIN
	UPDATE events SET has_quotas = x.found
	  FROM (SELECT EXISTS (SELECT 1 FROM event_quotas
	         WHERE event_id = eid) AS found) x
	 WHERE id = eid AND has_quotas IS DISTINCT FROM x.found;
	RETURN NULL;
END
$$;

CREATE TRIGGER event_quotas_flag AFTER INSERT OR DELETE ON event_quotas
	FOR EACH ROW EXECUTE FUNCTION mt_event_has_quotas();

UPDATE events SET has_quotas = true
 WHERE id IN (SELECT event_id FROM event_quotas);
