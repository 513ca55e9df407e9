-- Mail (API §13) and calendar subscriptions (API §14): the outbox, the
-- message texts in English and Lithuanian, the triggers that write a
-- message in the same transaction as the change that causes it, password
-- reset tokens and calendar feed secrets. Delivery is not done here:
-- server/mail_sender.c takes due rows with FOR UPDATE SKIP LOCKED and
-- server/mail_message.c turns them into MIME (HTML and iCalendar parts).
--
-- Why triggers: every writer of a registration status or of an event
-- (the PL/pgSQL functions of 030, and those of later migrations) is
-- covered without being edited, and a rolled-back change takes its
-- message with it.

ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT 'en'
	CHECK (language IN ('en', 'lt'));

CREATE OR REPLACE FUNCTION user_json(u users) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', u.id, 'email', u.email, 'name', u.name,
	    'role', u.role, 'org_id', u.org_id, 'active', u.active,
	    'language', u.language)
$$;

CREATE TABLE mail_outbox (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind		text NOT NULL CHECK (kind IN ('registration_confirmed',
			    'registration_waitlisted', 'registration_pending',
			    'promoted', 'approved', 'rejected', 'nominated',
			    'event_changed', 'event_cancelled',
			    'certificate_issued', 'password_reset')),
	user_id		bigint REFERENCES users ON DELETE SET NULL,
	to_addr		text NOT NULL,
	to_name		text NOT NULL,
	language	text NOT NULL CHECK (language IN ('en', 'lt')),
	subject		text NOT NULL,
	-- Plain text; the HTML part is made from it at send time. NULL once
	-- a password reset link has been delivered (it is a secret).
	body_text	text,
	-- For event changes and cancellations: the event as it was in the
	-- causing transaction, for the iCalendar part (uid, sequence, ...).
	event		jsonb,
	status		text NOT NULL DEFAULT 'pending'
			    CHECK (status IN ('pending', 'sent', 'failed')),
	attempts	integer NOT NULL DEFAULT 0,
	next_attempt_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	sent_at		timestamptz,
	last_error	text
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at, id)
	WHERE status = 'pending';
CREATE INDEX mail_outbox_status_idx ON mail_outbox (status, id);

-- The sender LISTENs on this channel; NOTIFY is delivered at commit, so it
-- wakes only for messages that really exist.
CREATE FUNCTION mt_mail_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('mail_outbox', '');
	RETURN NULL;
END
$$;
CREATE TRIGGER mail_outbox_notify AFTER INSERT ON mail_outbox
	FOR EACH STATEMENT EXECUTE FUNCTION mt_mail_notify();

-- The base of links in messages: MIGTRAIN_PUBLIC_URL, which the server
-- sets on each of its connections (server/db.c).
CREATE FUNCTION mt_public_url() RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT rtrim(coalesce(current_setting('migtrain.public_url', true), ''),
	    '/')
$$;

-- What a message says about an event, and what its iCalendar part needs.
CREATE FUNCTION mt_mail_event(e events) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('uid', e.uid, 'sequence', e.sequence,
	    'starts', extract(epoch FROM e.starts_at)::bigint,
	    'ends', extract(epoch FROM e.ends_at)::bigint,
	    'created', floor(extract(epoch FROM e.created_at))::bigint,
	    'modified', floor(extract(epoch FROM e.updated_at))::bigint,
	    'title', e.title, 'description', e.description,
	    'location', e.location || ', ' || e.country,
	    'category', upper(e.kind), 'cancelled', e.status = 'cancelled',
	    'when', to_char(e.starts_at AT TIME ZONE 'UTC',
		'YYYY-MM-DD HH24:MI') || ' – ' ||
		to_char(e.ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
		|| ' UTC')
$$;

-- The subject and plain text of one message in one language. d holds
-- title, when, location, link, status, position, nominator as the kind
-- needs. Lithuanian quotes are „…“.
CREATE FUNCTION mt_mail_compose(kind text, lang text, d jsonb,
    OUT subject text, OUT body text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	t text := coalesce(d->>'title', '');
	place text;
	st text;
BEGIN
	IF lang = 'lt' THEN
		place := format(E'Laikas: %s\nVieta: %s', d->>'when',
		    d->>'location');
		st := CASE d->>'status' WHEN 'confirmed' THEN 'patvirtinta'
		    WHEN 'waitlisted' THEN 'įrašyta į laukiančiųjų sąrašą'
		    WHEN 'pending' THEN 'laukia organizatoriaus patvirtinimo'
		    ELSE coalesce(d->>'status', '') END;
		CASE kind
		WHEN 'registration_confirmed' THEN
			subject := 'Registracija patvirtinta: ' || t;
			body := format(E'Jūsų registracija į renginį „%s“ '
			    'patvirtinta.\n\n%s', t, place);
		WHEN 'registration_waitlisted' THEN
			subject := 'Įrašyta į laukiančiųjų sąrašą: ' || t;
			body := format(E'Renginyje „%s“ laisvų vietų nebeliko, '
			    'todėl jūsų registracija įrašyta į laukiančiųjų '
			    'sąrašą (vieta eilėje: %s). Atsilaisvinus vietai jums '
			    || E'pranešime.\n\n%s', t, d->>'position', place);
		WHEN 'registration_pending' THEN
			subject := 'Registracija laukia patvirtinimo: ' || t;
			body := format(E'Jūsų registraciją į renginį „%s“ '
			    'gavome. Ji laukia organizatoriaus patvirtinimo; '
			    || E'apie sprendimą jums pranešime.\n\n%s', t, place);
		WHEN 'promoted' THEN
			subject := 'Atsilaisvino vieta: ' || t;
			body := format(E'Atsilaisvino vieta, todėl jūsų '
			    'registracija į renginį „%s“ patvirtinta (perkelta iš '
			    || E'laukiančiųjų sąrašo).\n\n%s', t, place);
		WHEN 'approved' THEN
			subject := 'Registracija patvirtinta: ' || t;
			body := format(E'Organizatorius patvirtino jūsų '
			    'registraciją į renginį „%s“. Registracijos būsena: '
			    || E'%s.\n\n%s', t, st, place);
		WHEN 'rejected' THEN
			subject := 'Registracija atmesta: ' || t;
			body := format(E'Deja, jūsų registracija į renginį „%s“ '
			    || E'atmesta.\n\n%s', t, place);
		WHEN 'nominated' THEN
			subject := 'Kvietimas dalyvauti: ' || t;
			body := format(E'%s pasiūlė jums dalyvauti renginyje '
			    || E'„%s“. Registracijos būsena: %s.\n\n%s',
			    d->>'nominator', t, st, place);
		WHEN 'event_changed' THEN
			subject := 'Pasikeitė renginio laikas arba vieta: ' || t;
			body := format(E'Pasikeitė renginio „%s“ laikas arba '
			    || E'vieta. Nauji duomenys:\n\n%s\n\nPrisegtas '
			    'kalendoriaus įrašas atnaujins renginį jūsų '
			    'kalendoriuje.', t, place);
		WHEN 'event_cancelled' THEN
			subject := 'Renginys atšauktas: ' || t;
			body := format(E'Renginys „%s“ atšauktas.\n\n%s\n\n'
			    'Prisegtas kalendoriaus įrašas pašalins renginį iš '
			    'jūsų kalendoriaus.', t, place);
		WHEN 'certificate_issued' THEN
			subject := 'Išduotas pažymėjimas: ' || t;
			body := format(E'Sveikiname baigus kursą „%s“. Jūsų '
			    'pažymėjimą galima peržiūrėti ir patikrinti šiuo '
			    || E'adresu:\n\n%s', t, d->>'link');
		WHEN 'password_reset' THEN
			subject := 'Slaptažodžio keitimas';
			body := format(E'Gavome prašymą pakeisti jūsų '
			    'slaptažodį. Naują slaptažodį galite nustatyti šia '
			    || E'nuoroda (ji galioja vieną valandą ir tinka tik '
			    || E'vieną kartą):\n\n%s\n\nJei to neprašėte, šį laišką '
			    'tiesiog ignoruokite: slaptažodis nepasikeis.',
			    d->>'link');
		END CASE;
		body := E'Laba diena,\n\n' || body ||
		    E'\n\n-- \nmigtrain (šis laiškas išsiųstas automatiškai)';
	ELSE
		place := format(E'When: %s\nWhere: %s', d->>'when',
		    d->>'location');
		st := CASE d->>'status' WHEN 'confirmed' THEN 'confirmed'
		    WHEN 'waitlisted' THEN 'on the waitlist'
		    WHEN 'pending' THEN 'waiting for approval'
		    ELSE coalesce(d->>'status', '') END;
		CASE kind
		WHEN 'registration_confirmed' THEN
			subject := 'Registration confirmed: ' || t;
			body := format(E'Your registration for "%s" is '
			    || E'confirmed.\n\n%s', t, place);
		WHEN 'registration_waitlisted' THEN
			subject := 'On the waitlist: ' || t;
			body := format(E'"%s" is full, so your registration is on '
			    'the waitlist (position %s). We will write to you '
			    || E'when a seat becomes free.\n\n%s', t,
			    d->>'position', place);
		WHEN 'registration_pending' THEN
			subject := 'Registration awaiting approval: ' || t;
			body := format(E'We have received your registration for '
			    '"%s". It is waiting for approval by the organisers; '
			    || E'we will write to you when they decide.\n\n%s',
			    t, place);
		WHEN 'promoted' THEN
			subject := 'A seat is yours: ' || t;
			body := format(E'A seat became free, so your registration '
			    'for "%s" moved from the waitlist to confirmed.'
			    || E'\n\n%s', t, place);
		WHEN 'approved' THEN
			subject := 'Registration approved: ' || t;
			body := format(E'The organisers approved your '
			    'registration for "%s". Your registration is now '
			    || E'%s.\n\n%s', t, st, place);
		WHEN 'rejected' THEN
			subject := 'Registration declined: ' || t;
			body := format(E'We are sorry: your registration for "%s" '
			    || E'was declined.\n\n%s', t, place);
		WHEN 'nominated' THEN
			subject := 'You have been nominated: ' || t;
			body := format(E'%s nominated you for "%s". Your '
			    || E'registration is %s.\n\n%s', d->>'nominator', t,
			    st, place);
		WHEN 'event_changed' THEN
			subject := 'Time or place changed: ' || t;
			body := format(E'The time or place of "%s" has changed. '
			    || E'The event now is:\n\n%s\n\nThe attached calendar '
			    'entry updates the event in your calendar.', t,
			    place);
		WHEN 'event_cancelled' THEN
			subject := 'Cancelled: ' || t;
			body := format(E'"%s" has been cancelled.\n\n%s\n\nThe '
			    'attached calendar entry removes the event from your '
			    'calendar.', t, place);
		WHEN 'certificate_issued' THEN
			subject := 'Your certificate: ' || t;
			body := format(E'Congratulations on completing "%s". '
			    || E'Your certificate can be viewed and verified at:'
			    || E'\n\n%s', t, d->>'link');
		WHEN 'password_reset' THEN
			subject := 'Resetting your password';
			body := format(E'We received a request to reset your '
			    'password. You can choose a new password with this '
			    || E'link (valid for one hour, once):\n\n%s\n\nIf you '
			    'did not ask for this, ignore this message: your '
			    'password stays as it is.', d->>'link');
		END CASE;
		body := E'Hello,\n\n' || body ||
		    E'\n\n-- \nmigtrain (an automatic message)';
	END IF;
END
$$;

-- Writes one message to an active user in their language.
CREATE FUNCTION mt_mail_enqueue(p_user bigint, p_kind text, d jsonb)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	u users;
	m record;
BEGIN
	SELECT * INTO u FROM users WHERE id = p_user AND active;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT * INTO m FROM mt_mail_compose(p_kind, u.language, d);
	INSERT INTO mail_outbox (kind, user_id, to_addr, to_name, language,
	    subject, body_text, event)
	VALUES (p_kind, u.id, u.email, u.name, u.language, m.subject, m.body,
	    CASE WHEN p_kind IN ('event_changed', 'event_cancelled')
		THEN d END);
END
$$;

-- Registration status changes. `nominated_by` comes with the nominations
-- of API §15 (a later migration); read through to_jsonb so this trigger
-- works with or without that column.
CREATE FUNCTION mt_mail_registration() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	kind text;
	e events;
	d jsonb;
	nominator bigint;
BEGIN
	IF TG_OP = 'INSERT' THEN
		nominator := (to_jsonb(NEW)->>'nominated_by')::bigint;
		IF nominator IS NOT NULL AND nominator <> NEW.user_id THEN
			kind := 'nominated';
		ELSIF NEW.status IN ('confirmed', 'waitlisted', 'pending') THEN
			kind := 'registration_' || NEW.status;
		END IF;
	ELSIF OLD.status = 'waitlisted' AND NEW.status = 'confirmed' THEN
		kind := 'promoted';
	ELSIF OLD.status = 'pending' AND NEW.status IN ('confirmed',
	    'waitlisted') THEN
		kind := 'approved';
	ELSIF OLD.status = 'pending' AND NEW.status = 'rejected' THEN
		kind := 'rejected';
	END IF;
	IF kind IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT * INTO e FROM events WHERE id = NEW.event_id;
	d := mt_mail_event(e) || jsonb_build_object('status', NEW.status,
	    'nominator', (SELECT name FROM users WHERE id = nominator),
	    'position', CASE WHEN NEW.status = 'waitlisted' THEN
		(SELECT count(*) FROM registrations w
		  WHERE w.event_id = NEW.event_id AND w.status = 'waitlisted'
		    AND w.queue_key <= NEW.queue_key) END);
	PERFORM mt_mail_enqueue(NEW.user_id, kind, d);
	RETURN NULL;
END
$$;
CREATE TRIGGER registrations_mail AFTER INSERT OR UPDATE OF status
	ON registrations FOR EACH ROW EXECUTE FUNCTION mt_mail_registration();

-- A change of time or place, or a cancellation, to everyone confirmed or
-- waitlisted, with the event as it now is (raised SEQUENCE included).
CREATE FUNCTION mt_mail_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	kind text;
	d jsonb;
BEGIN
	IF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
		kind := 'event_cancelled';
	ELSIF NEW.status = 'scheduled' AND (NEW.starts_at, NEW.ends_at,
	    NEW.location, NEW.country) IS DISTINCT FROM (OLD.starts_at,
	    OLD.ends_at, OLD.location, OLD.country) THEN
		kind := 'event_changed';
	ELSE
		RETURN NULL;
	END IF;
	d := mt_mail_event(NEW);
	PERFORM mt_mail_enqueue(g.user_id, kind, d)
	   FROM registrations g
	  WHERE g.event_id = NEW.id AND g.status IN ('confirmed', 'waitlisted')
	  ORDER BY g.id;
	RETURN NULL;
END
$$;
CREATE TRIGGER events_mail AFTER UPDATE ON events
	FOR EACH ROW EXECUTE FUNCTION mt_mail_event_change();

CREATE FUNCTION mt_mail_certificate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM mt_mail_enqueue(NEW.user_id, 'certificate_issued',
	    jsonb_build_object('title', NEW.course_title,
		'link', mt_public_url() || '/verify/' || NEW.code));
	RETURN NULL;
END
$$;
CREATE TRIGGER certificates_mail AFTER INSERT ON certificates
	FOR EACH ROW EXECUTE FUNCTION mt_mail_certificate();

-- Password reset tokens: only the BLAKE2b hash of the 32 random bytes.
CREATE TABLE password_resets (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	token_hash	bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at);

-- POST /auth/password-reset: nothing is said to the caller, whatever
-- happens; at most 3 mails per account and hour. Serialised per email so
-- parallel requests cannot all pass the count.
CREATE FUNCTION mt_password_reset_request(p_email text, p_hash text,
    p_token text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	u users;
BEGIN
	PERFORM pg_advisory_xact_lock(7465, hashtext(lower(p_email)));
	SELECT * INTO u FROM users WHERE lower(email) = lower(p_email) AND active;
	IF NOT FOUND OR (SELECT count(*) FROM password_resets
	    WHERE user_id = u.id AND created_at > now() - interval '1 hour')
	    >= 3 THEN
		RETURN;
	END IF;
	INSERT INTO password_resets (user_id, token_hash, expires_at)
	VALUES (u.id, decode(p_hash, 'hex'), now() + interval '1 hour');
	PERFORM mt_mail_enqueue(u.id, 'password_reset', jsonb_build_object(
	    'link', mt_public_url() || '/reset#' || p_token));
	INSERT INTO audit_log (actor_id, action, object_type, object_id)
	VALUES (NULL, 'user.password_reset_request', 'user', u.id);
END
$$;

-- POST /auth/password-reset/confirm, after the new password is hashed:
-- the token is spent, the password set, every session revoked and the
-- other open tokens of the account spent too.
CREATE FUNCTION mt_password_reset_confirm(p_hash text, p_password text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	uid bigint;
BEGIN
	UPDATE password_resets p SET used_at = now()
	  FROM users u
	 WHERE p.token_hash = decode(p_hash, 'hex') AND p.used_at IS NULL
	   AND p.expires_at > now() AND u.id = p.user_id AND u.active
	RETURNING p.user_id INTO uid;
	IF uid IS NULL THEN
		PERFORM mt_raise(400, 'the reset link is unknown, used or '
		    'expired');
	END IF;
	UPDATE password_resets SET used_at = now()
	 WHERE user_id = uid AND used_at IS NULL;
	UPDATE users SET password_hash = p_password, updated_at = now()
	 WHERE id = uid;
	UPDATE sessions SET revoked_at = now()
	 WHERE user_id = uid AND revoked_at IS NULL;
	DELETE FROM login_failures WHERE NOT pending
	   AND lower(email) = (SELECT lower(email) FROM users WHERE id = uid);
	INSERT INTO audit_log (actor_id, action, object_type, object_id)
	VALUES (uid, 'user.password_reset', 'user', uid);
END
$$;

-- Calendar subscription secrets (API §14): one per user, only its hash.
CREATE TABLE calendar_feeds (
	user_id		bigint PRIMARY KEY REFERENCES users ON DELETE CASCADE,
	secret_hash	bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now()
);
