-- Events, part 2 (API §15, §16): reserved seats per organisation and their
-- release, nominations, evaluations, pre/post tests and the event report.
-- Seat decisions stay where 030_events.sql put them: in PL/pgSQL under the
-- event's row lock. This file redefines those functions so that every seat
-- is either an open seat or a reserved seat of one organisation
-- (registrations.seat_org_id), and extends the trigger that re-checks the
-- invariants for any writer.

ALTER TABLE events
	ADD COLUMN quota_release_at timestamptz,
	-- When the release was applied (reserved seats opened and the waitlist
	-- promoted); NULL while reserved seats are still reserved.
	ADD COLUMN quota_released_at timestamptz,
	ADD COLUMN pre_quiz_id bigint REFERENCES quizzes,
	ADD COLUMN post_quiz_id bigint REFERENCES quizzes,
	-- [{"id","text","kind":"scale"|"text"}], ids 1..n in order.
	ADD COLUMN evaluation jsonb NOT NULL DEFAULT '[]'
	    CHECK (jsonb_typeof(evaluation) = 'array'),
	ADD CONSTRAINT events_quota_release_before_start
	    CHECK (quota_release_at < starts_at);
-- What the release job looks for.
CREATE INDEX events_quota_due_idx ON events (quota_release_at)
	WHERE quota_released_at IS NULL AND quota_release_at IS NOT NULL;

CREATE TABLE event_quotas (
	event_id	bigint NOT NULL REFERENCES events,
	org_id		bigint NOT NULL REFERENCES orgs,
	seats		integer NOT NULL CHECK (seats > 0),
	PRIMARY KEY (event_id, org_id)
);

ALTER TABLE registrations
	-- The organisation whose reserved seat a confirmed registration holds;
	-- NULL for an open seat (and for anything not confirmed).
	ADD COLUMN seat_org_id bigint REFERENCES orgs,
	ADD COLUMN nominated_by bigint REFERENCES users,
	ADD COLUMN note text CHECK (length(note) <= 2000),
	ADD CONSTRAINT registrations_seat_confirmed
	    CHECK (seat_org_id IS NULL OR status = 'confirmed');
CREATE INDEX registrations_nominated_idx ON registrations (nominated_by)
	WHERE nominated_by IS NOT NULL;

-- One evaluation per registration; answers as given, checked against the
-- event's questions when submitted.
CREATE TABLE evaluations (
	registration_id	bigint PRIMARY KEY REFERENCES registrations,
	event_id	bigint NOT NULL REFERENCES events,
	submitted_at	timestamptz NOT NULL DEFAULT now(),
	-- [{"question_id","value"?,"text"?}]
	answers		jsonb NOT NULL CHECK (jsonb_typeof(answers) = 'array')
);
CREATE INDEX evaluations_event_idx ON evaluations (event_id);

CREATE OR REPLACE FUNCTION registration_json(r registrations) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', r.id, 'event_id', r.event_id,
	    'user_id', r.user_id, 'status', r.status,
	    'waitlist_position', CASE WHEN r.status = 'waitlisted' THEN
		(SELECT count(*) FROM registrations w
		 WHERE w.event_id = r.event_id AND w.status = 'waitlisted'
		   AND w.queue_key <= r.queue_key) END,
	    'attendance', r.attendance, 'seat_org_id', r.seat_org_id,
	    'nominated_by', r.nominated_by, 'note', r.note,
	    'user', (SELECT json_build_object('id', u.id, 'name', u.name,
		'email', u.email, 'org_id', u.org_id, 'org_name', o.name)
		FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.id = r.user_id))
$$;

-- Unfilled reserved seats of an event: what open seats may not use before
-- the release.
CREATE FUNCTION mt_event_unfilled(eid bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT coalesce(sum(greatest(q.seats - (SELECT count(*)
	    FROM registrations g WHERE g.event_id = eid
	     AND g.status = 'confirmed' AND g.seat_org_id = q.org_id), 0)), 0)
	  FROM event_quotas q WHERE q.event_id = eid
$$;

CREATE OR REPLACE FUNCTION event_json(e events) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', e.id, 'kind', e.kind, 'title', e.title,
	    'description', e.description, 'location', e.location,
	    'country', e.country, 'starts_at', mt_ts(e.starts_at),
	    'ends_at', mt_ts(e.ends_at), 'capacity', e.capacity,
	    'registration_opens_at', mt_ts(e.registration_opens_at),
	    'registration_closes_at', mt_ts(e.registration_closes_at),
	    'requires_approval', e.requires_approval, 'status', e.status,
	    'confirmed', c.confirmed, 'waitlisted', c.waitlisted,
	    'quotas', (SELECT coalesce(json_agg(json_build_object(
		'org_id', q.org_id, 'seats', q.seats, 'used', (SELECT count(*)
		    FROM registrations g WHERE g.event_id = e.id
		     AND g.status = 'confirmed' AND g.seat_org_id = q.org_id))
		ORDER BY q.org_id), '[]') FROM event_quotas q
		WHERE q.event_id = e.id),
	    'quota_release_at', mt_ts(e.quota_release_at),
	    'quotas_released', e.quota_released_at IS NOT NULL,
	    'pre_quiz_id', e.pre_quiz_id, 'post_quiz_id', e.post_quiz_id,
	    'evaluation', e.evaluation)
	  FROM (SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
		       count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted
		  FROM registrations WHERE event_id = e.id
		   AND status IN ('confirmed', 'waitlisted')) c
$$;

-- The seat a user of organisation uorg would get now: the organisation's
-- id for one of its reserved seats, 0 for an open seat, NULL when there is
-- none. The caller holds the event lock.
CREATE FUNCTION mt_event_seat(eid bigint, uorg bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e events;
	confirmed bigint;
BEGIN
	SELECT * INTO e FROM events WHERE id = eid;
	IF e.status <> 'scheduled' THEN
		RETURN NULL;
	END IF;
	confirmed := mt_event_confirmed(eid);
	IF confirmed >= e.capacity THEN
		RETURN NULL;
	END IF;
	IF e.quota_released_at IS NOT NULL THEN
		RETURN 0;
	END IF;
	IF EXISTS (SELECT 1 FROM event_quotas q WHERE q.event_id = eid
	    AND q.org_id = uorg AND q.seats > (SELECT count(*)
		FROM registrations g WHERE g.event_id = eid
		 AND g.status = 'confirmed' AND g.seat_org_id = uorg)) THEN
		RETURN uorg;
	END IF;
	IF e.capacity - confirmed - mt_event_unfilled(eid) > 0 THEN
		RETURN 0;
	END IF;
	RETURN NULL;
END
$$;

-- Leaving 'confirmed' gives the seat back.
CREATE OR REPLACE FUNCTION mt_registration_move(rid bigint, to_status text,
    actor bigint, action text) RETURNS registrations
LANGUAGE plpgsql AS $$
DECLARE
	old_status text;
	r registrations;
BEGIN
	SELECT status INTO old_status FROM registrations WHERE id = rid;
	UPDATE registrations SET status = to_status, updated_at = clock_timestamp(),
	    seat_org_id = CASE WHEN to_status = 'confirmed' THEN seat_org_id END,
	    queue_key = CASE WHEN to_status = 'waitlisted'
		THEN nextval('registration_queue_seq') ELSE queue_key END
	 WHERE id = rid RETURNING * INTO r;
	PERFORM mt_registration_log(r, old_status, actor, action);
	RETURN r;
END
$$;

-- Confirms a registration on the given seat (mt_event_seat's answer), or,
-- without one, puts it on the waitlist. Caller holds both locks.
CREATE FUNCTION mt_registration_place(rid bigint, seat bigint, actor bigint,
    action text) RETURNS registrations
LANGUAGE plpgsql AS $$
DECLARE
	old_status text;
	r registrations;
BEGIN
	IF seat IS NULL THEN
		RETURN mt_registration_move(rid, 'waitlisted', actor, action);
	END IF;
	SELECT status INTO old_status FROM registrations WHERE id = rid;
	UPDATE registrations SET status = 'confirmed',
	    seat_org_id = nullif(seat, 0), updated_at = clock_timestamp()
	 WHERE id = rid RETURNING * INTO r;
	PERFORM mt_registration_log(r, old_status, actor, action,
	    jsonb_build_object('seat_org_id', r.seat_org_id));
	RETURN r;
END
$$;

-- Gives free seats to the waitlist in arrival order. A waitlisted user for
-- whom no seat is free (the free seats are another organisation's reserved
-- ones) keeps their place and the next one is tried.
CREATE OR REPLACE FUNCTION mt_event_promote(eid bigint, actor bigint)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	n integer := 0;
	w record;
	seat bigint;
BEGIN
	SELECT * INTO e FROM events WHERE id = eid;
	IF e.status <> 'scheduled' THEN
		RETURN 0;
	END IF;
	FOR w IN SELECT g.id, u.org_id FROM registrations g
	    JOIN users u ON u.id = g.user_id
	    WHERE g.event_id = eid AND g.status = 'waitlisted'
	    ORDER BY g.queue_key FOR UPDATE OF g
	LOOP
		EXIT WHEN mt_event_confirmed(eid) >= e.capacity;
		seat := mt_event_seat(eid, w.org_id);
		CONTINUE WHEN seat IS NULL;
		PERFORM mt_registration_place(w.id, seat, actor,
		    'registration.promote');
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;

-- Opens the unfilled reserved seats of a locked event and promotes the
-- waitlist into them. actor NULL: the release job or the lock below.
CREATE FUNCTION mt_quota_apply(eid bigint, actor bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	n integer;
BEGIN
	UPDATE events SET quota_released_at = now() WHERE id = eid;
	n := mt_event_promote(eid, actor);
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'event.quota_release', 'event', eid,
	    jsonb_build_object('promoted', n));
	RETURN n;
END
$$;

-- The event lock applies a release that is due before anything else, so
-- every seat decision sees the seats as they are at this moment even when
-- the release job has not run yet.
CREATE OR REPLACE FUNCTION mt_event_lock(eid bigint) RETURNS events
LANGUAGE plpgsql AS $$
DECLARE
	e events;
BEGIN
	SELECT * INTO e FROM events WHERE id = eid FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such event');
	END IF;
	IF e.quota_released_at IS NULL AND e.quota_release_at <= now()
	    AND e.status = 'scheduled' THEN
		PERFORM mt_quota_apply(eid, NULL);
		SELECT * INTO e FROM events WHERE id = eid;
	END IF;
	RETURN e;
END
$$;

-- The release job (server/jobs.c): applies every due release. SKIP LOCKED
-- lets several server instances run it at once, each event released once.
CREATE FUNCTION mt_quota_release_due() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	eid bigint;
	n integer := 0;
BEGIN
	FOR eid IN SELECT id FROM events
	    WHERE quota_released_at IS NULL AND quota_release_at <= now()
	      AND status = 'scheduled'
	    ORDER BY quota_release_at, id FOR UPDATE SKIP LOCKED
	LOOP
		PERFORM mt_quota_apply(eid, NULL);
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;

-- The seat invariants of one event, raised as 409 naming what is over:
-- confirmed within capacity, reserved seats within capacity, each
-- organisation within its reserved seats, and before the release the open
-- seats within what is left.
CREATE FUNCTION mt_event_seats_check(eid bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	confirmed bigint;
	reserved bigint;
	open_used bigint;
	q record;
BEGIN
	SELECT * INTO e FROM events WHERE id = eid;
	confirmed := mt_event_confirmed(eid);
	IF confirmed > e.capacity THEN
		PERFORM mt_raise(409, format('%s registrations are confirmed: '
		    'capacity cannot be lower than that', confirmed));
	END IF;
	SELECT coalesce(sum(seats), 0) INTO reserved FROM event_quotas
	 WHERE event_id = eid;
	IF reserved > e.capacity THEN
		PERFORM mt_raise(409, format('%s seats are reserved: capacity '
		    'cannot be lower than that (%s registrations are '
		    'confirmed)', reserved, confirmed));
	END IF;
	FOR q IN SELECT g.seat_org_id, count(*) AS used,
		coalesce(max(x.seats), 0) AS seats
	    FROM registrations g LEFT JOIN event_quotas x
	      ON x.event_id = eid AND x.org_id = g.seat_org_id
	    WHERE g.event_id = eid AND g.status = 'confirmed'
	      AND g.seat_org_id IS NOT NULL
	    GROUP BY g.seat_org_id
	LOOP
		IF q.used > q.seats THEN
			PERFORM mt_raise(409, format('organisation %s has %s '
			    'confirmed on reserved seats: its quota cannot be '
			    'below that', q.seat_org_id, q.used));
		END IF;
	END LOOP;
	IF e.quota_released_at IS NULL THEN
		SELECT count(*) INTO open_used FROM registrations
		 WHERE event_id = eid AND status = 'confirmed'
		   AND seat_org_id IS NULL;
		IF open_used > e.capacity - reserved THEN
			PERFORM mt_raise(409, format('%s registrations are '
			    'confirmed on open seats; only %s would remain',
			    open_used, e.capacity - reserved));
		END IF;
	END IF;
END
$$;

-- The safety net, extended to reserved seats: whoever writes a confirmed
-- registration or moves it to another seat, the event is locked and the
-- seats counted.
CREATE OR REPLACE FUNCTION mt_registrations_capacity() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	reserved bigint;
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.status = 'confirmed'
	    AND OLD.seat_org_id IS NOT DISTINCT FROM NEW.seat_org_id THEN
		RETURN NEW;
	END IF;
	SELECT * INTO e FROM events WHERE id = NEW.event_id FOR UPDATE;
	IF (SELECT count(*) FROM registrations WHERE event_id = NEW.event_id
	    AND status = 'confirmed' AND id <> NEW.id) >= e.capacity THEN
		PERFORM mt_raise(409, 'the event is full');
	END IF;
	IF NEW.seat_org_id IS NOT NULL THEN
		IF NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id
		    AND org_id = NEW.seat_org_id) THEN
			PERFORM mt_raise(409, 'a reserved seat goes to a user '
			    'of its organisation only');
		END IF;
		IF (SELECT count(*) FROM registrations
		    WHERE event_id = NEW.event_id AND status = 'confirmed'
		      AND seat_org_id = NEW.seat_org_id AND id <> NEW.id) >=
		    coalesce((SELECT seats FROM event_quotas
		    WHERE event_id = NEW.event_id
		      AND org_id = NEW.seat_org_id), 0) THEN
			PERFORM mt_raise(409, 'the reserved seats of this '
			    'organisation are taken');
		END IF;
	ELSIF e.quota_released_at IS NULL THEN
		SELECT coalesce(sum(seats), 0) INTO reserved FROM event_quotas
		 WHERE event_id = NEW.event_id;
		IF (SELECT count(*) FROM registrations
		    WHERE event_id = NEW.event_id AND status = 'confirmed'
		      AND seat_org_id IS NULL AND id <> NEW.id) >=
		    e.capacity - reserved THEN
			PERFORM mt_raise(409, 'no open seat is left');
		END IF;
	END IF;
	RETURN NEW;
END
$$;
DROP TRIGGER registrations_capacity ON registrations;
CREATE TRIGGER registrations_capacity BEFORE INSERT OR UPDATE OF status,
	seat_org_id ON registrations FOR EACH ROW
	WHEN (NEW.status = 'confirmed')
	EXECUTE FUNCTION mt_registrations_capacity();

-- Registration and nomination share one body: the checks of §7, then the
-- seat of §15. nominator/nom_note are NULL for a registration.
CREATE FUNCTION mt_register_as(eid bigint, uid bigint, actor bigint,
    nominator bigint, nom_note text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	r registrations;
	st text;
	seat bigint;
BEGIN
	e := mt_event_lock(eid);
	IF NOT EXISTS (SELECT 1 FROM users WHERE id = uid AND active) THEN
		PERFORM mt_raise(422, 'user_id: is not an active user');
	END IF;
	IF e.status = 'cancelled' THEN
		PERFORM mt_raise(409, 'the event is cancelled');
	END IF;
	IF now() < e.registration_opens_at THEN
		PERFORM mt_raise(409, 'registration has not opened yet');
	END IF;
	IF now() >= e.registration_closes_at THEN
		PERFORM mt_raise(409, 'registration has closed');
	END IF;
	IF EXISTS (SELECT 1 FROM registrations WHERE event_id = eid
	    AND user_id = uid AND status IN ('confirmed', 'waitlisted',
	    'pending')) THEN
		PERFORM mt_raise(409, 'already registered for this event');
	END IF;
	IF EXISTS (SELECT 1 FROM registrations WHERE event_id = eid
	    AND user_id = uid AND status = 'rejected') THEN
		PERFORM mt_raise(409, 'the registration for this event was '
		    'rejected');
	END IF;
	IF NOT e.requires_approval THEN
		seat := mt_event_seat(eid, (SELECT org_id FROM users
		    WHERE id = uid));
	END IF;
	st := CASE WHEN e.requires_approval THEN 'pending'
	    WHEN seat IS NOT NULL THEN 'confirmed' ELSE 'waitlisted' END;
	INSERT INTO registrations (event_id, user_id, status, seat_org_id,
	    nominated_by, note, created_at, updated_at)
	VALUES (eid, uid, st, nullif(seat, 0), nominator, nom_note,
	    clock_timestamp(),
	    clock_timestamp())
	RETURNING * INTO r;
	IF nominator IS NULL THEN
		PERFORM mt_registration_log(r, NULL, actor,
		    'registration.create',
		    jsonb_build_object('seat_org_id', r.seat_org_id));
	ELSE
		PERFORM mt_registration_log(r, NULL, actor,
		    'registration.nominate',
		    jsonb_build_object('seat_org_id', r.seat_org_id,
			'nominated_by', nominator, 'note', nom_note));
	END IF;
	RETURN registration_json(r);
END
$$;

CREATE OR REPLACE FUNCTION mt_register(eid bigint, uid bigint, actor bigint)
RETURNS json
LANGUAGE sql AS $$
	SELECT mt_register_as(eid, uid, actor, NULL, NULL)
$$;

-- POST /events/{id}/nominations: a reviewer nominates users of their own
-- organisation (anyone else's → 403, whether or not the user exists), a
-- coordinator anyone.
CREATE FUNCTION mt_nominate(eid bigint, uid bigint, nom_note text,
    actor bigint,
    actor_role text, actor_org bigint) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
	IF actor_role = 'reviewer' AND NOT EXISTS (SELECT 1 FROM users
	    WHERE id = uid AND org_id = actor_org) THEN
		PERFORM mt_raise(403, 'reviewers nominate users of their own '
		    'organisation only');
	END IF;
	RETURN mt_register_as(eid, uid, actor, actor, nom_note);
END
$$;

-- DELETE /registrations/{id}: the registrant, staff, or the reviewer who
-- nominated it.
CREATE OR REPLACE FUNCTION mt_registration_cancel(rid bigint, actor bigint,
    actor_role text, actor_org bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	r registrations;
BEGIN
	r := mt_registration_lock(rid, actor, actor_role, actor_org);
	IF actor_role NOT IN ('admin', 'coordinator') AND r.user_id <> actor
	    AND r.nominated_by IS DISTINCT FROM actor THEN
		PERFORM mt_raise(403, 'only the registrant, a coordinator or '
		    'the reviewer who nominated it may cancel a registration');
	END IF;
	IF r.status IN ('cancelled', 'rejected') THEN
		PERFORM mt_raise(409, 'the registration is already ' || r.status);
	END IF;
	IF r.attendance IS NOT NULL THEN
		PERFORM mt_raise(409, 'attendance is recorded for this '
		    'registration');
	END IF;
	r := mt_registration_move(rid, 'cancelled', actor, 'registration.cancel');
	PERFORM mt_event_promote(r.event_id, actor);
	RETURN registration_json(r);
END
$$;

-- Approval takes a seat as registering would.
CREATE OR REPLACE FUNCTION mt_registration_decide(rid bigint, approve boolean,
    actor bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	r registrations;
	e events;
BEGIN
	r := mt_registration_lock(rid, actor, 'coordinator', NULL);
	SELECT * INTO e FROM events WHERE id = r.event_id;
	IF r.status <> 'pending' THEN
		PERFORM mt_raise(409, 'the registration is ' || r.status ||
		    ', not pending');
	END IF;
	IF NOT approve THEN
		r := mt_registration_move(rid, 'rejected', actor,
		    'registration.reject');
	ELSIF e.status = 'cancelled' THEN
		PERFORM mt_raise(409, 'the event is cancelled');
	ELSE
		r := mt_registration_place(rid, mt_event_seat(e.id,
		    (SELECT org_id FROM users WHERE id = r.user_id)), actor,
		    'registration.approve');
	END IF;
	RETURN registration_json(r);
END
$$;

-- The fields of §15/§16 in an event body: the field errors found, judged
-- against the merged capacity and start (eid NULL when creating). Writes
-- nothing, so the caller can answer 422 before anything changed.
CREATE FUNCTION mt_event_extras_errors(eid bigint, b jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	errs jsonb := '[]';
	x jsonb;
	t timestamptz;
	f text;
	cap integer;
	starts timestamptz;
BEGIN
	IF eid IS NOT NULL THEN
		SELECT * INTO e FROM events WHERE id = eid;
	END IF;
	cap := coalesce((b->>'capacity')::integer, e.capacity);
	starts := coalesce(mt_try_timestamptz(b->>'starts_at'), e.starts_at);
	IF b ? 'quotas' THEN
		IF jsonb_typeof(b->'quotas') <> 'array'
		    OR jsonb_array_length(b->'quotas') > 200 THEN
			RETURN jsonb_build_array(jsonb_build_object('field',
			    'quotas', 'message', 'must be an array of at most '
			    '200 {"org_id","seats"}'));
		END IF;
		FOR x IN SELECT * FROM jsonb_array_elements(b->'quotas') LOOP
			IF jsonb_typeof(x) <> 'object' OR
			    EXISTS (SELECT 1 FROM jsonb_object_keys(x) k
				WHERE k NOT IN ('org_id', 'seats')) OR
			    jsonb_typeof(x->'org_id') IS DISTINCT FROM 'number' OR
			    jsonb_typeof(x->'seats') IS DISTINCT FROM 'number' OR
			    (x->>'org_id') !~ '^[0-9]{1,15}$' OR
			    (x->>'seats') !~ '^[0-9]{1,6}$' THEN
				RETURN jsonb_build_array(jsonb_build_object(
				    'field', 'quotas', 'message', 'each must be '
				    '{"org_id": id, "seats": positive integer}'));
			END IF;
			IF (x->>'seats')::integer < 1 THEN
				errs := errs || jsonb_build_object('field',
				    'quotas', 'message', 'seats must be positive');
			END IF;
			IF NOT EXISTS (SELECT 1 FROM orgs
			    WHERE id = (x->>'org_id')::bigint) THEN
				errs := errs || jsonb_build_object('field',
				    'quotas', 'message', format('no organisation '
				    '%s', x->>'org_id'));
			END IF;
		END LOOP;
		IF (SELECT count(DISTINCT v->>'org_id') <> count(*)
		    FROM jsonb_array_elements(b->'quotas') v) THEN
			errs := errs || jsonb_build_object('field', 'quotas',
			    'message', 'an organisation appears twice');
		END IF;
		IF jsonb_array_length(errs) = 0 AND (SELECT
		    coalesce(sum((v->>'seats')::integer), 0)
		    FROM jsonb_array_elements(b->'quotas') v) > cap THEN
			errs := errs || jsonb_build_object('field', 'quotas',
			    'message', format('the seats add up to more than '
			    'the capacity (%s)', cap));
		END IF;
	END IF;
	IF b->>'quota_release_at' IS NOT NULL THEN
		t := mt_try_timestamptz(b->>'quota_release_at');
		IF t IS NULL THEN
			errs := errs || jsonb_build_object('field',
			    'quota_release_at', 'message', 'is not a valid time');
		END IF;
	ELSIF NOT b ? 'quota_release_at' THEN
		t := e.quota_release_at;
	END IF;
	IF t >= starts THEN
		errs := errs || jsonb_build_object('field', 'quota_release_at',
		    'message', 'must be before starts_at');
	END IF;
	FOREACH f IN ARRAY ARRAY['pre_quiz_id', 'post_quiz_id'] LOOP
		CONTINUE WHEN b->>f IS NULL;
		IF (b->>f) !~ '^[0-9]{1,15}$' OR NOT EXISTS (SELECT 1
		    FROM quizzes WHERE id = (b->>f)::bigint) THEN
			errs := errs || jsonb_build_object('field', f,
			    'message', 'is not a quiz');
		END IF;
	END LOOP;
	IF b ? 'evaluation' AND (jsonb_typeof(b->'evaluation') <> 'array'
	    OR jsonb_array_length(b->'evaluation') > 100
	    OR EXISTS (SELECT 1 FROM jsonb_array_elements(b->'evaluation') v
		WHERE jsonb_typeof(v) <> 'object'
		   OR EXISTS (SELECT 1 FROM jsonb_object_keys(v) k
		       WHERE k NOT IN ('text', 'kind'))
		   OR jsonb_typeof(v->'text') IS DISTINCT FROM 'string'
		   OR length(btrim(v->>'text')) NOT BETWEEN 1 AND 1000
		   OR (v->>'kind') IS NULL
		   OR (v->>'kind') NOT IN ('scale', 'text'))) THEN
		errs := errs || jsonb_build_object('field', 'evaluation',
		    'message', 'must be an array of at most 100 '
		    '{"text": 1..1000 chars, "kind": "scale"|"text"}');
	END IF;
	RETURN errs;
END
$$;

-- Writes the checked §15/§16 fields of event eid (locked), applies a
-- release that is now due, checks the seat invariants and promotes.
CREATE FUNCTION mt_event_extras_write(eid bigint, b jsonb, actor bigint)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	t timestamptz;
BEGIN
	SELECT * INTO e FROM events WHERE id = eid;
	IF b ? 'evaluation' AND e.evaluation IS DISTINCT FROM b->'evaluation'
	    AND EXISTS (SELECT 1 FROM evaluations WHERE event_id = eid) THEN
		PERFORM mt_raise(409, 'evaluations were submitted: the '
		    'questions can no longer change');
	END IF;
	IF b ? 'quotas' THEN
		DELETE FROM event_quotas WHERE event_id = eid;
		INSERT INTO event_quotas (event_id, org_id, seats)
		SELECT eid, (v->>'org_id')::bigint, (v->>'seats')::integer
		  FROM jsonb_array_elements(b->'quotas') v;
	END IF;
	t := CASE WHEN b ? 'quota_release_at'
	    THEN mt_try_timestamptz(b->>'quota_release_at')
	    ELSE e.quota_release_at END;
	UPDATE events SET quota_release_at = t,
	    -- A release time moved back into the future reserves the seats
	    -- again (the check below refuses it when they are taken).
	    quota_released_at = CASE WHEN t IS NULL OR t > now() THEN NULL
		ELSE quota_released_at END,
	    pre_quiz_id = CASE WHEN b ? 'pre_quiz_id'
		THEN (b->>'pre_quiz_id')::bigint ELSE pre_quiz_id END,
	    post_quiz_id = CASE WHEN b ? 'post_quiz_id'
		THEN (b->>'post_quiz_id')::bigint ELSE post_quiz_id END,
	    evaluation = CASE WHEN b ? 'evaluation' THEN (SELECT
		coalesce(jsonb_agg(jsonb_build_object('id', i,
		    'text', btrim(v->>'text'), 'kind', v->>'kind') ORDER BY i),
		    '[]') FROM jsonb_array_elements(b->'evaluation')
		    WITH ORDINALITY AS x(v, i)) ELSE evaluation END
	 WHERE id = eid RETURNING * INTO e;
	IF e.quota_released_at IS NULL AND e.quota_release_at <= now()
	    AND e.status = 'scheduled' THEN
		PERFORM mt_quota_apply(eid, actor);
	END IF;
	PERFORM mt_event_seats_check(eid);
	PERFORM mt_event_promote(eid, actor);
END
$$;

-- POST/PATCH /events: the §15/§16 fields are checked first, then 030's
-- mt_event_save does the fields of §7, then the rest is written and the
-- seat invariants checked (capacity below the confirmed count → 409). One
-- statement, so a refusal undoes everything.
CREATE FUNCTION mt_event_save_all(eid bigint, b jsonb, actor bigint)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	extras text[] := ARRAY['quotas', 'quota_release_at', 'pre_quiz_id',
	    'post_quiz_id', 'evaluation'];
	base jsonb := b - extras;
	o jsonb;
	ev_id bigint := eid;
	errs jsonb;
	e events;
BEGIN
	IF eid IS NOT NULL THEN
		e := mt_event_lock(eid);
		IF e.status = 'cancelled' THEN
			PERFORM mt_raise(409, 'the event is cancelled');
		END IF;
	END IF;
	errs := mt_event_extras_errors(eid, b);
	IF jsonb_array_length(errs) > 0 THEN
		-- Collect the §7 field errors too, undoing what the save did.
		IF eid IS NULL OR base <> '{}' THEN
			BEGIN
				o := mt_event_save(eid, base, actor)::jsonb;
				RAISE EXCEPTION USING ERRCODE = 'MT000';
			EXCEPTION WHEN SQLSTATE 'MT000' THEN
				NULL;
			END;
		END IF;
		RETURN json_build_object('errors',
		    coalesce(o->'errors', '[]') || errs);
	END IF;
	IF eid IS NULL OR base <> '{}' THEN
		o := mt_event_save(eid, base, actor)::jsonb;
		IF o ? 'errors' THEN
			RETURN o::json;
		END IF;
		ev_id := (o->'event'->>'id')::bigint;
	END IF;
	IF b <> base THEN
		PERFORM mt_event_extras_write(ev_id, b, actor);
		INSERT INTO audit_log (actor_id, action, object_type, object_id,
		    detail)
		VALUES (actor, 'event.configure', 'event', ev_id, b - ARRAY(
		    SELECT jsonb_object_keys(base)));
	ELSE
		PERFORM mt_event_seats_check(ev_id);
	END IF;
	SELECT * INTO e FROM events WHERE events.id = ev_id;
	RETURN json_build_object('event', event_json(e));
END
$$;

-- Confirmed registrants of an event may see and take its pre and post
-- tests without a course.
CREATE OR REPLACE FUNCTION mt_quiz_visible(qid bigint, uid bigint, role text)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT role IN ('admin', 'coordinator') OR EXISTS (
	    SELECT 1 FROM modules m JOIN courses c ON c.id = m.course_id
	     WHERE m.quiz_id = qid AND c.published) OR EXISTS (
	    SELECT 1 FROM events e JOIN registrations g ON g.event_id = e.id
	     WHERE $1 IN (e.pre_quiz_id, e.post_quiz_id) AND g.user_id = $2
	       AND g.status = 'confirmed')
$$;

CREATE OR REPLACE FUNCTION mt_quiz_may_take(qid bigint, uid bigint, role text)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT role IN ('admin', 'coordinator') OR EXISTS (
	    SELECT 1 FROM modules m JOIN enrollments e ON e.course_id = m.course_id
	      JOIN courses c ON c.id = m.course_id
	     WHERE m.quiz_id = qid AND e.user_id = uid AND c.published) OR EXISTS (
	    SELECT 1 FROM events e JOIN registrations g ON g.event_id = e.id
	     WHERE $1 IN (e.pre_quiz_id, e.post_quiz_id) AND g.user_id = $2
	       AND g.status = 'confirmed' AND e.status = 'scheduled')
$$;

-- POST /registrations/{id}/evaluation: the registrant, once the event has
-- started, with attendance attended or partial; once. Answers are checked
-- against the event's questions (422 'answers: ...').
CREATE FUNCTION mt_evaluation_submit(rid bigint, answers jsonb, actor bigint,
    actor_role text, actor_org bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	r registrations;
	e events;
	a jsonb;
	q jsonb;
BEGIN
	r := mt_registration_lock(rid, actor, actor_role, actor_org);
	IF r.user_id <> actor THEN
		PERFORM mt_raise(403, 'only the registrant evaluates an event');
	END IF;
	SELECT * INTO e FROM events WHERE id = r.event_id;
	IF e.starts_at > now() THEN
		PERFORM mt_raise(409, 'the event has not started yet');
	END IF;
	IF r.status <> 'confirmed' OR r.attendance IS NULL
	    OR r.attendance NOT IN ('attended', 'partial') THEN
		PERFORM mt_raise(409, 'only attendees evaluate an event; '
		    'attendance is ' || coalesce(r.attendance, 'not recorded'));
	END IF;
	IF EXISTS (SELECT 1 FROM evaluations WHERE registration_id = rid) THEN
		PERFORM mt_raise(409, 'this registration has already evaluated '
		    'the event');
	END IF;
	IF jsonb_typeof(answers) <> 'array' OR jsonb_array_length(answers) >
	    jsonb_array_length(e.evaluation) THEN
		PERFORM mt_raise(422, 'answers: at most one answer per question');
	END IF;
	FOR a IN SELECT * FROM jsonb_array_elements(answers) LOOP
		IF jsonb_typeof(a) <> 'object' OR EXISTS (SELECT 1
		    FROM jsonb_object_keys(a) k
		    WHERE k NOT IN ('question_id', 'value', 'text')) THEN
			PERFORM mt_raise(422, 'answers: each is {"question_id", '
			    '"value"? | "text"?}');
		END IF;
		SELECT v INTO q FROM jsonb_array_elements(e.evaluation) v
		 WHERE v->'id' = a->'question_id';
		IF q IS NULL THEN
			PERFORM mt_raise(422, 'answers: no question ' ||
			    coalesce(a->>'question_id', 'null'));
		END IF;
		IF q->>'kind' = 'scale' AND (a ? 'text' OR
		    jsonb_typeof(a->'value') IS DISTINCT FROM 'number' OR
		    (a->>'value')::numeric NOT IN (1, 2, 3, 4, 5)) THEN
			PERFORM mt_raise(422, format('answers: question %s '
			    'takes a "value" from 1 to 5', q->>'id'));
		END IF;
		IF q->>'kind' = 'text' AND (a ? 'value' OR
		    jsonb_typeof(a->'text') IS DISTINCT FROM 'string' OR
		    length(a->>'text') > 5000) THEN
			PERFORM mt_raise(422, format('answers: question %s '
			    'takes a "text" of at most 5000 characters',
			    q->>'id'));
		END IF;
		q := NULL;
	END LOOP;
	IF (SELECT count(DISTINCT v->'question_id') <> count(*)
	    FROM jsonb_array_elements(answers) v) THEN
		PERFORM mt_raise(422, 'answers: a question is answered twice');
	END IF;
	-- Stored in one shape (ids and values as integers), whatever the
	-- spelling of the numbers (1.0, 1e0), so the report can cast them.
	INSERT INTO evaluations (registration_id, event_id, answers)
	VALUES (rid, r.event_id, (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(
	    jsonb_build_object('question_id', (v->>'question_id')::numeric::int,
		'value', (v->>'value')::numeric::int, 'text', v->>'text'))
	    ORDER BY n), '[]')
	  FROM jsonb_array_elements(answers) WITH ORDINALITY AS t(v, n)))
	RETURNING evaluations.answers INTO answers;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'evaluation.submit', 'registration', rid,
	    jsonb_build_object('event_id', r.event_id));
	RETURN json_build_object('registration_id', rid,
	    'event_id', r.event_id, 'answers', answers);
END
$$;

-- GET /events/{id}/report: counts, evaluation means and free text, and the
-- knowledge gain of participants with both a submitted pre attempt (the
-- first) and a submitted post attempt (the last). org NULL: everyone;
-- otherwise only that organisation's participants (a reviewer's view).
CREATE FUNCTION mt_event_report(eid bigint, org bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	WITH e AS (SELECT * FROM events WHERE id = eid),
	g AS (SELECT g.* FROM registrations g JOIN users u ON u.id = g.user_id
	       WHERE g.event_id = eid AND (org IS NULL OR u.org_id = org)),
	ev AS (SELECT v.* FROM evaluations v JOIN g ON g.id = v.registration_id),
	ans AS (SELECT (a->>'question_id')::bigint AS qid,
		       (a->>'value')::numeric AS value, a->>'text' AS text,
		       ev.registration_id
		  FROM ev, jsonb_array_elements(ev.answers) a),
	k AS (SELECT g.user_id,
		(SELECT t.percent FROM attempts t, e WHERE t.user_id = g.user_id
		  AND t.quiz_id = e.pre_quiz_id AND t.submitted_at IS NOT NULL
		  ORDER BY t.submitted_at, t.id LIMIT 1) AS pre,
		(SELECT t.percent FROM attempts t, e WHERE t.user_id = g.user_id
		  AND t.quiz_id = e.post_quiz_id AND t.submitted_at IS NOT NULL
		  ORDER BY t.submitted_at DESC, t.id DESC LIMIT 1) AS post
	       FROM g WHERE g.status = 'confirmed'),
	p AS (SELECT * FROM k WHERE pre IS NOT NULL AND post IS NOT NULL)
	SELECT json_build_object(
	    'event_id', eid,
	    'registered', (SELECT count(*) FROM g
		WHERE status IN ('confirmed', 'waitlisted', 'pending')),
	    'confirmed', (SELECT count(*) FROM g WHERE status = 'confirmed'),
	    'waitlisted', (SELECT count(*) FROM g WHERE status = 'waitlisted'),
	    'attended', (SELECT count(*) FROM g WHERE attendance = 'attended'),
	    'partial', (SELECT count(*) FROM g WHERE attendance = 'partial'),
	    'no_show', (SELECT count(*) FROM g WHERE attendance = 'no_show'),
	    'evaluation', json_build_object(
		'responses', (SELECT count(*) FROM ev),
		'questions', (SELECT coalesce(json_agg(
		    CASE WHEN q->>'kind' = 'scale' THEN json_build_object(
			'id', (q->>'id')::bigint, 'text', q->>'text',
			'kind', 'scale',
			'mean', (SELECT round(avg(value), 2) FROM ans
			    WHERE qid = (q->>'id')::bigint),
			'n', (SELECT count(*) FROM ans
			    WHERE qid = (q->>'id')::bigint))
		    ELSE json_build_object(
			'id', (q->>'id')::bigint, 'text', q->>'text',
			'kind', 'text', 'mean', NULL,
			'n', (SELECT count(*) FROM ans
			    WHERE qid = (q->>'id')::bigint),
			'answers', (SELECT coalesce(json_agg(text
			    ORDER BY registration_id), '[]') FROM ans
			    WHERE qid = (q->>'id')::bigint)) END
		    ORDER BY (q->>'id')::bigint), '[]')
		  FROM e, jsonb_array_elements(e.evaluation) q)),
	    'knowledge', (SELECT json_build_object('paired', count(*),
		'pre_mean_percent', round(avg(pre), 2),
		'post_mean_percent', round(avg(post), 2),
		'gain_points', round(avg(post) - avg(pre), 2)) FROM p))
	  FROM e
$$;
