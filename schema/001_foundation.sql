-- Organisations, users, sessions, login throttling and the audit log,
-- plus the small SQL helpers every later migration uses.

CREATE FUNCTION mt_ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- The opaque keyset cursor: base64url of 'k' || id (server/text.c decodes).
CREATE FUNCTION mt_cursor(id bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT rtrim(translate(encode(convert_to('k' || id, 'UTF8'), 'base64'),
	    '+/', '-_'), '=')
$$;

-- Turns limit+1 items (a JSON array ordered by the keyset, each with the
-- key in `key`) into the page object of API §2.
CREATE FUNCTION mt_page(items json, lim bigint, key text DEFAULT 'id')
RETURNS json LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN json_array_length(items) > lim THEN
		json_build_object(
		    'items', (SELECT json_agg(e ORDER BY n)
			FROM json_array_elements(items) WITH ORDINALITY AS t(e, n)
			WHERE n <= lim),
		    'next', mt_cursor(((items -> (lim::int - 1)) ->> key)::bigint))
	ELSE json_build_object('items', coalesce(items, '[]'::json), 'next', NULL)
	END
$$;

-- Raises an error the server shows to the client with the given status.
CREATE FUNCTION mt_raise(status int, message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'MT' || status, MESSAGE = message;
END
$$;

CREATE TABLE orgs (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX orgs_name_key ON orgs (lower(name));

CREATE TABLE users (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email		text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
			    AND length(email) <= 254),
	name		text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
	role		text NOT NULL CHECK (role IN ('admin', 'coordinator',
			    'reviewer', 'trainee')),
	org_id		bigint NOT NULL REFERENCES orgs,
	password_hash	text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
	active		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_org_idx ON users (org_id, id);

CREATE FUNCTION user_json(u users) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', u.id, 'email', u.email, 'name', u.name,
	    'role', u.role, 'org_id', u.org_id, 'active', u.active)
$$;

-- Only the BLAKE2b hash of a session token is kept.
CREATE TABLE sessions (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	token_hash	bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen_at	timestamptz NOT NULL DEFAULT now(),
	revoked_at	timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- Failed logins by email, shared by every server instance.
CREATE TABLE login_failures (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email		text NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	pending		boolean NOT NULL DEFAULT false	-- being checked now
);
CREATE INDEX login_failures_email_idx ON login_failures (lower(email), at);

-- The start of a login for email, under a lock per email: the seconds to
-- wait when the window holds max_failures failures; 1 when failures plus
-- attempts being checked right now reach it (so parallel guesses cannot
-- all pass the count before any has failed); else a pending row for this
-- attempt, which mt_login_failed turns into a failure and a success
-- deletes with the rest. A pending row older than a minute (its server
-- died) counts as a failure. The stored hash comes back to verify.
CREATE FUNCTION mt_login_begin(p_email text, window_s integer,
    max_failures integer, OUT retry_after integer, OUT password_hash text,
    OUT failure_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7464, hashtext(lower(p_email)));
	DELETE FROM login_failures
	 WHERE lower(email) = lower(p_email)
	   AND at <= now() - make_interval(secs => window_s);
	SELECT ceil(extract(epoch FROM min(f.at)
	           + make_interval(secs => window_s) - now()))::integer
	  INTO retry_after
	  FROM (SELECT at FROM login_failures WHERE lower(email) = lower(p_email)
		  AND (NOT pending OR at < now() - interval '1 minute')
		ORDER BY at DESC LIMIT max_failures) f
	HAVING count(*) >= max_failures;
	IF retry_after IS NOT NULL THEN
		retry_after := greatest(retry_after, 1);
		RETURN;
	END IF;
	IF (SELECT count(*) FROM login_failures
	     WHERE lower(email) = lower(p_email)) >= max_failures THEN
		retry_after := 1;
		RETURN;
	END IF;
	INSERT INTO login_failures (email, pending) VALUES (lower(p_email), true)
	RETURNING id INTO failure_id;
	SELECT u.password_hash INTO password_hash FROM users u
	 WHERE lower(u.email) = lower(p_email) AND u.active;
END
$$;

CREATE FUNCTION mt_login_failed(fid bigint) RETURNS void
LANGUAGE sql AS $$
	UPDATE login_failures SET pending = false, at = now() WHERE id = fid
$$;

CREATE TABLE audit_log (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	actor_id	bigint REFERENCES users,
	action		text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
	object_type	text NOT NULL,
	object_id	bigint,
	detail		jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_actor_idx ON audit_log (actor_id, id);
CREATE INDEX audit_action_idx ON audit_log (action, id);
