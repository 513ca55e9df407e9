-- Seminars, trainings and study visits (API §7): events, registrations with
-- their waitlist, the history of every status change, and the PL/pgSQL
-- functions that are the only writers of registration status. Each of them
-- locks the event row first (SELECT ... FOR UPDATE), so all seat changes of
-- one event run one at a time inside PostgreSQL and the capacity invariant
-- holds under any concurrency; a trigger re-checks it for any other writer.

-- ISO 3166-1 alpha-2 (Debian iso-codes), plus XK (Kosovo), the user-assigned
-- code the EU and IOM use.
CREATE TABLE countries (
	code		char(2) PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$')
);
INSERT INTO countries (code) VALUES
	('AD'), ('AE'), ('AF'), ('AG'), ('AI'), ('AL'), ('AM'), ('AO'), ('AQ'),
	('AR'), ('AS'), ('AT'), ('AU'), ('AW'), ('AX'), ('AZ'), ('BA'), ('BB'),
	('BD'), ('BE'), ('BF'), ('BG'), ('BH'), ('BI'), ('BJ'), ('BL'), ('BM'),
	('BN'), ('BO'), ('BQ'), ('BR'), ('BS'), ('BT'), ('BV'), ('BW'), ('BY'),
	('BZ'), ('CA'), ('CC'), ('CD'), ('CF'), ('CG'), ('CH'), ('CI'), ('CK'),
	('CL'), ('CM'), ('CN'), ('CO'), ('CR'), ('CU'), ('CV'), ('CW'), ('CX'),
	('CY'), ('CZ'), ('DE'), ('DJ'), ('DK'), ('DM'), ('DO'), ('DZ'), ('EC'),
	('EE'), ('EG'), ('EH'), ('ER'), ('ES'), ('ET'), ('FI'), ('FJ'), ('FK'),
	('FM'), ('FO'), ('FR'), ('GA'), ('GB'), ('GD'), ('GE'), ('GF'), ('GG'),
	('GH'), ('GI'), ('GL'), ('GM'), ('GN'), ('GP'), ('GQ'), ('GR'), ('GS'),
	('GT'), ('GU'), ('GW'), ('GY'), ('HK'), ('HM'), ('HN'), ('HR'), ('HT'),
	('HU'), ('ID'), ('IE'), ('IL'), ('IM'), ('IN'), ('IO'), ('IQ'), ('IR'),
	('IS'), ('IT'), ('JE'), ('JM'), ('JO'), ('JP'), ('KE'), ('KG'), ('KH'),
	('KI'), ('KM'), ('KN'), ('KP'), ('KR'), ('KW'), ('KY'), ('KZ'), ('LA'),
	('LB'), ('LC'), ('LI'), ('LK'), ('LR'), ('LS'), ('LT'), ('LU'), ('LV'),
	('LY'), ('MA'), ('MC'), ('MD'), ('ME'), ('MF'), ('MG'), ('MH'), ('MK'),
	('ML'), ('MM'), ('MN'), ('MO'), ('MP'), ('MQ'), ('MR'), ('MS'), ('MT'),
	('MU'), ('MV'), ('MW'), ('MX'), ('MY'), ('MZ'), ('NA'), ('NC'), ('NE'),
	('NF'), ('NG'), ('NI'), ('NL'), ('NO'), ('NP'), ('NR'), ('NU'), ('NZ'),
	('OM'), ('PA'), ('PE'), ('PF'), ('PG'), ('PH'), ('PK'), ('PL'), ('PM'),
	('PN'), ('PR'), ('PS'), ('PT'), ('PW'), ('PY'), ('QA'), ('RE'), ('RO'),
	('RS'), ('RU'), ('RW'), ('SA'), ('SB'), ('SC'), ('SD'), ('SE'), ('SG'),
	('SH'), ('SI'), ('SJ'), ('SK'), ('SL'), ('SM'), ('SN'), ('SO'), ('SR'),
	('SS'), ('ST'), ('SV'), ('SX'), ('SY'), ('SZ'), ('TC'), ('TD'), ('TF'),
	('TG'), ('TH'), ('TJ'), ('TK'), ('TL'), ('TM'), ('TN'), ('TO'), ('TR'),
	('TT'), ('TV'), ('TW'), ('TZ'), ('UA'), ('UG'), ('UM'), ('US'), ('UY'),
	('UZ'), ('VA'), ('VC'), ('VE'), ('VG'), ('VI'), ('VN'), ('VU'), ('WF'),
	('WS'), ('YE'), ('YT'), ('ZA'), ('ZM'), ('ZW');
INSERT INTO countries (code) VALUES ('XK');

-- Arrival order on a waitlist: taken under the event lock, so it follows
-- the order in which PostgreSQL serialised the registrations.
CREATE SEQUENCE registration_queue_seq;

CREATE TABLE events (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- The iCalendar UID: fixed at creation, unique beyond this server.
	uid		text NOT NULL UNIQUE
			    DEFAULT 'event-' || gen_random_uuid() || '@migtrain',
	kind		text NOT NULL CHECK (kind IN ('seminar', 'training',
			    'study_visit')),
	title		text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
	description	text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
	location	text NOT NULL CHECK (length(btrim(location)) BETWEEN 1 AND 200),
	country		char(2) NOT NULL REFERENCES countries
			    CHECK (country ~ '^[A-Z]{2}$'),
	starts_at	timestamptz NOT NULL,
	ends_at		timestamptz NOT NULL,
	capacity	integer NOT NULL CHECK (capacity > 0),
	registration_opens_at timestamptz NOT NULL,
	registration_closes_at timestamptz NOT NULL,
	requires_approval boolean NOT NULL DEFAULT false,
	status		text NOT NULL DEFAULT 'scheduled'
			    CHECK (status IN ('scheduled', 'cancelled')),
	-- iCalendar SEQUENCE: raised when time or place changes, and on cancel.
	sequence	integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
	created_by	bigint REFERENCES users,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT events_ends_after_start CHECK (ends_at > starts_at),
	CONSTRAINT events_window_order
	    CHECK (registration_opens_at < registration_closes_at),
	CONSTRAINT events_window_before_end
	    CHECK (registration_closes_at <= ends_at)
);
CREATE INDEX events_starts_idx ON events (starts_at, id);

CREATE TABLE registrations (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id	bigint NOT NULL REFERENCES events,
	user_id		bigint NOT NULL REFERENCES users,
	status		text NOT NULL CHECK (status IN ('confirmed', 'waitlisted',
			    'pending', 'rejected', 'cancelled')),
	attendance	text CHECK (attendance IN ('attended', 'partial',
			    'no_show')),
	-- Ordering key of the waitlist: renewed each time the registration
	-- joins the waitlist (creation, or approval of a full event).
	queue_key	bigint NOT NULL DEFAULT nextval('registration_queue_seq'),
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	updated_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	CONSTRAINT registrations_attendance_confirmed
	    CHECK (attendance IS NULL OR status = 'confirmed')
);
-- One active registration per user and event; rejected and cancelled ones
-- stay as history and do not block registering again.
CREATE UNIQUE INDEX registrations_active_key ON registrations (event_id, user_id)
	WHERE status IN ('confirmed', 'waitlisted', 'pending');
CREATE INDEX registrations_event_idx ON registrations (event_id, status, queue_key);
CREATE INDEX registrations_event_id_idx ON registrations (event_id, id);
CREATE INDEX registrations_user_idx ON registrations (user_id, status);

CREATE TABLE registration_history (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	registration_id	bigint NOT NULL REFERENCES registrations,
	at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	actor_id	bigint REFERENCES users,
	from_status	text,		-- NULL when the registration was created
	to_status	text NOT NULL
);
CREATE INDEX registration_history_reg_idx ON registration_history
	(registration_id, id);

-- The waitlist position is computed from the queue, never stored, so it
-- cannot drift.
CREATE FUNCTION registration_json(r registrations) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', r.id, 'event_id', r.event_id,
	    'user_id', r.user_id, 'status', r.status,
	    'waitlist_position', CASE WHEN r.status = 'waitlisted' THEN
		(SELECT count(*) FROM registrations w
		 WHERE w.event_id = r.event_id AND w.status = 'waitlisted'
		   AND w.queue_key <= r.queue_key) END,
	    'attendance', r.attendance)
$$;

CREATE FUNCTION event_json(e events) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', e.id, 'kind', e.kind, 'title', e.title,
	    'description', e.description, 'location', e.location,
	    'country', e.country, 'starts_at', mt_ts(e.starts_at),
	    'ends_at', mt_ts(e.ends_at), 'capacity', e.capacity,
	    'registration_opens_at', mt_ts(e.registration_opens_at),
	    'registration_closes_at', mt_ts(e.registration_closes_at),
	    'requires_approval', e.requires_approval, 'status', e.status,
	    'confirmed', c.confirmed, 'waitlisted', c.waitlisted)
	  FROM (SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
		       count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted
		  FROM registrations WHERE event_id = e.id
		   AND status IN ('confirmed', 'waitlisted')) c
$$;

-- Who may see a registration: staff, the registrant, and reviewers of the
-- registrant's organisation.
CREATE FUNCTION mt_registration_visible(r registrations, actor bigint,
    actor_role text, actor_org bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT actor_role IN ('admin', 'coordinator') OR r.user_id = actor
	    OR (actor_role = 'reviewer' AND EXISTS (SELECT 1 FROM users u
		WHERE u.id = r.user_id AND u.org_id = actor_org))
$$;

-- Locks an event for the rest of the transaction: the serialisation point
-- of everything that changes its seats.
CREATE FUNCTION mt_event_lock(eid bigint) RETURNS events
LANGUAGE plpgsql AS $$
DECLARE
	e events;
BEGIN
	SELECT * INTO e FROM events WHERE id = eid FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such event');
	END IF;
	RETURN e;
END
$$;

CREATE FUNCTION mt_event_confirmed(eid bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT count(*) FROM registrations
	 WHERE event_id = eid AND status = 'confirmed'
$$;

-- Writes the history row and the audit row of one status change.
CREATE FUNCTION mt_registration_log(r registrations, from_status text,
    actor bigint, action text, extra jsonb DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO registration_history (registration_id, actor_id,
	    from_status, to_status)
	VALUES (r.id, actor, from_status, r.status);
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, action, 'registration', r.id,
	    jsonb_build_object('event_id', r.event_id, 'user_id', r.user_id,
		'from', from_status, 'to', r.status) || extra);
END
$$;

-- Moves a registration (already locked by the caller, as is its event) to
-- a new status. Joining the waitlist takes a fresh place at its end.
CREATE FUNCTION mt_registration_move(rid bigint, to_status text, actor bigint,
    action text) RETURNS registrations
LANGUAGE plpgsql AS $$
DECLARE
	old_status text;
	r registrations;
BEGIN
	SELECT status INTO old_status FROM registrations WHERE id = rid;
	UPDATE registrations SET status = to_status, updated_at = clock_timestamp(),
	    queue_key = CASE WHEN to_status = 'waitlisted'
		THEN nextval('registration_queue_seq') ELSE queue_key END
	 WHERE id = rid RETURNING * INTO r;
	PERFORM mt_registration_log(r, old_status, actor, action);
	RETURN r;
END
$$;

-- Gives free seats to the waitlist, first come first served. The caller
-- holds the event lock. Returns how many were promoted.
CREATE FUNCTION mt_event_promote(eid bigint, actor bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	free bigint;
	n integer := 0;
	rid bigint;
BEGIN
	SELECT * INTO e FROM events WHERE id = eid;
	IF e.status <> 'scheduled' THEN
		RETURN 0;
	END IF;
	free := e.capacity - mt_event_confirmed(eid);
	FOR rid IN SELECT id FROM registrations
	    WHERE event_id = eid AND status = 'waitlisted'
	    ORDER BY queue_key LIMIT greatest(free, 0) FOR UPDATE
	LOOP
		PERFORM mt_registration_move(rid, 'confirmed', actor,
		    'registration.promote');
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;

-- The safety net: whoever writes a confirmed registration (these
-- functions or anything else), the event is locked and the seat counted.
-- Lowering capacity never unconfirms, so only new confirmations are checked.
CREATE FUNCTION mt_registrations_capacity() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	cap integer;
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.status = 'confirmed' THEN
		RETURN NEW;
	END IF;
	SELECT capacity INTO cap FROM events WHERE id = NEW.event_id FOR UPDATE;
	IF (SELECT count(*) FROM registrations WHERE event_id = NEW.event_id
	    AND status = 'confirmed' AND id <> NEW.id) >= cap THEN
		PERFORM mt_raise(409, 'the event is full');
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER registrations_capacity BEFORE INSERT OR UPDATE OF status
	ON registrations FOR EACH ROW WHEN (NEW.status = 'confirmed')
	EXECUTE FUNCTION mt_registrations_capacity();

-- A registration by id with its event locked first (the one lock order:
-- event, then registration), after checking the caller may see it.
CREATE FUNCTION mt_registration_lock(rid bigint, actor bigint, actor_role text,
    actor_org bigint) RETURNS registrations
LANGUAGE plpgsql AS $$
DECLARE
	r registrations;
BEGIN
	SELECT * INTO r FROM registrations WHERE id = rid;
	IF NOT FOUND OR NOT mt_registration_visible(r, actor, actor_role,
	    actor_org) THEN
		PERFORM mt_raise(404, 'no such registration');
	END IF;
	PERFORM mt_event_lock(r.event_id);
	SELECT * INTO r FROM registrations WHERE id = rid FOR UPDATE;
	RETURN r;
END
$$;

-- POST /events/{id}/registrations. Field problems are raised as
-- 'field: message' (422); state conflicts as 409.
CREATE FUNCTION mt_register(eid bigint, uid bigint, actor bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	r registrations;
	st text;
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
	-- Rejection is final: the same user cannot queue again.
	IF EXISTS (SELECT 1 FROM registrations WHERE event_id = eid
	    AND user_id = uid AND status = 'rejected') THEN
		PERFORM mt_raise(409, 'the registration for this event was '
		    'rejected');
	END IF;
	st := CASE WHEN e.requires_approval THEN 'pending'
	    WHEN mt_event_confirmed(eid) < e.capacity THEN 'confirmed'
	    ELSE 'waitlisted' END;
	INSERT INTO registrations (event_id, user_id, status, created_at,
	    updated_at)
	VALUES (eid, uid, st, clock_timestamp(), clock_timestamp())
	RETURNING * INTO r;
	PERFORM mt_registration_log(r, NULL, actor, 'registration.create');
	RETURN registration_json(r);
END
$$;

-- DELETE /registrations/{id}: the registrant or staff. A freed seat goes
-- to the waitlist in the same transaction.
CREATE FUNCTION mt_registration_cancel(rid bigint, actor bigint,
    actor_role text, actor_org bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	r registrations;
BEGIN
	r := mt_registration_lock(rid, actor, actor_role, actor_org);
	IF actor_role NOT IN ('admin', 'coordinator') AND r.user_id <> actor THEN
		PERFORM mt_raise(403, 'only the registrant or a coordinator '
		    'may cancel a registration');
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

-- POST /registrations/{id}/approve and /reject (staff; pending only).
CREATE FUNCTION mt_registration_decide(rid bigint, approve boolean,
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
		r := mt_registration_move(rid, CASE WHEN
		    mt_event_confirmed(e.id) < e.capacity THEN 'confirmed'
		    ELSE 'waitlisted' END, actor, 'registration.approve');
	END IF;
	RETURN registration_json(r);
END
$$;

-- PUT /registrations/{id}/attendance (staff): confirmed registrations of an
-- event that has started.
CREATE FUNCTION mt_registration_attendance(rid bigint, att text, actor bigint)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	r registrations;
	e events;
	before text;
BEGIN
	r := mt_registration_lock(rid, actor, 'coordinator', NULL);
	SELECT * INTO e FROM events WHERE id = r.event_id;
	IF r.status <> 'confirmed' THEN
		PERFORM mt_raise(409, 'attendance is kept for confirmed '
		    'registrations only; this one is ' || r.status);
	END IF;
	IF e.status = 'cancelled' THEN
		PERFORM mt_raise(409, 'the event is cancelled');
	END IF;
	IF e.starts_at > now() THEN
		PERFORM mt_raise(409, 'the event has not started yet');
	END IF;
	before := r.attendance;
	UPDATE registrations SET attendance = att, updated_at = clock_timestamp()
	 WHERE id = rid RETURNING * INTO r;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'registration.attendance', 'registration', rid,
	    jsonb_build_object('event_id', r.event_id, 'user_id', r.user_id,
		'from', before, 'to', att));
	RETURN registration_json(r);
END
$$;

-- A timestamp from client text, or NULL when PostgreSQL cannot read it
-- (the C side has checked the shape; this catches 2026-02-30 and friends).
CREATE FUNCTION mt_try_timestamptz(t text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN date_trunc('second', t::timestamptz);
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

-- POST /events (eid NULL) and PATCH /events/{id}. The C side has checked
-- each field's type and shape; the rules that join fields are checked
-- here on the merged values. Returns {"errors": [{"field","message"}]} or
-- {"event": ...}. Raising capacity promotes the waitlist; a change of time
-- or place raises the iCalendar SEQUENCE.
CREATE FUNCTION mt_event_save(eid bigint, b jsonb, actor bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	e events;
	n events;
	errs jsonb := '[]';
	f text;
	t timestamptz;
BEGIN
	IF eid IS NOT NULL THEN
		e := mt_event_lock(eid);
		IF e.status = 'cancelled' THEN
			PERFORM mt_raise(409, 'the event is cancelled');
		END IF;
		n := e;
	END IF;
	n.kind := coalesce(b->>'kind', n.kind);
	n.title := coalesce(btrim(b->>'title'), n.title);
	n.description := coalesce(b->>'description', n.description, '');
	n.location := coalesce(btrim(b->>'location'), n.location);
	n.country := coalesce(b->>'country', n.country);
	n.capacity := coalesce((b->>'capacity')::integer, n.capacity);
	n.requires_approval := coalesce((b->>'requires_approval')::boolean,
	    n.requires_approval, false);
	FOREACH f IN ARRAY ARRAY['starts_at', 'ends_at', 'registration_opens_at',
	    'registration_closes_at'] LOOP
		CONTINUE WHEN b->>f IS NULL;
		t := mt_try_timestamptz(b->>f);
		IF t IS NULL THEN
			errs := errs || jsonb_build_object('field', f,
			    'message', 'is not a valid time');
		END IF;
		n := jsonb_populate_record(n, jsonb_build_object(f, t));
	END LOOP;
	IF NOT EXISTS (SELECT 1 FROM countries WHERE code = n.country) THEN
		errs := errs || jsonb_build_object('field', 'country',
		    'message', 'is not an ISO 3166-1 alpha-2 country code');
	END IF;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN json_build_object('errors', errs);
	END IF;
	-- By default registration opens now and closes when the event starts.
	n.registration_closes_at := coalesce(n.registration_closes_at,
	    n.starts_at);
	n.registration_opens_at := coalesce(n.registration_opens_at,
	    date_trunc('second', least(now(),
		n.registration_closes_at - interval '1 day')));
	IF n.ends_at <= n.starts_at THEN
		errs := errs || jsonb_build_object('field', 'ends_at',
		    'message', 'must be after starts_at');
	END IF;
	IF n.registration_opens_at >= n.registration_closes_at THEN
		errs := errs || jsonb_build_object('field',
		    'registration_opens_at', 'message',
		    'must be before registration_closes_at');
	END IF;
	IF n.registration_closes_at > n.ends_at AND n.ends_at > n.starts_at THEN
		errs := errs || jsonb_build_object('field',
		    'registration_closes_at', 'message',
		    'must not be after ends_at');
	END IF;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN json_build_object('errors', errs);
	END IF;

	IF eid IS NULL THEN
		INSERT INTO events (kind, title, description, location, country,
		    starts_at, ends_at, capacity, registration_opens_at,
		    registration_closes_at, requires_approval, created_by)
		VALUES (n.kind, n.title, n.description, n.location, n.country,
		    n.starts_at, n.ends_at, n.capacity, n.registration_opens_at,
		    n.registration_closes_at, n.requires_approval, actor)
		RETURNING * INTO n;
		INSERT INTO audit_log (actor_id, action, object_type, object_id,
		    detail)
		VALUES (actor, 'event.create', 'event', n.id, b);
	ELSE
		UPDATE events SET kind = n.kind, title = n.title,
		    description = n.description, location = n.location,
		    country = n.country, starts_at = n.starts_at,
		    ends_at = n.ends_at, capacity = n.capacity,
		    registration_opens_at = n.registration_opens_at,
		    registration_closes_at = n.registration_closes_at,
		    requires_approval = n.requires_approval,
		    sequence = sequence + CASE WHEN (n.starts_at, n.ends_at,
			n.location, n.country) IS DISTINCT FROM (e.starts_at,
			e.ends_at, e.location, e.country) THEN 1 ELSE 0 END,
		    updated_at = now()
		 WHERE id = eid RETURNING * INTO n;
		INSERT INTO audit_log (actor_id, action, object_type, object_id,
		    detail)
		VALUES (actor, 'event.update', 'event', eid,
		    b || jsonb_build_object('sequence', n.sequence));
		IF n.capacity > e.capacity THEN
			PERFORM mt_event_promote(eid, actor);
		END IF;
	END IF;
	RETURN json_build_object('event', event_json(n));
END
$$;

-- POST /events/{id}/cancel. Registrations keep their status, so the
-- calendars of those confirmed carry STATUS:CANCELLED.
CREATE FUNCTION mt_event_cancel(eid bigint, actor bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	e events;
BEGIN
	e := mt_event_lock(eid);
	IF e.status = 'cancelled' THEN
		PERFORM mt_raise(409, 'the event is already cancelled');
	END IF;
	UPDATE events SET status = 'cancelled', sequence = sequence + 1,
	    updated_at = now()
	 WHERE id = eid RETURNING * INTO e;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'event.cancel', 'event', eid,
	    jsonb_build_object('sequence', e.sequence));
	RETURN event_json(e);
END
$$;
