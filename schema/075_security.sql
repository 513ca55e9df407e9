-- Issue 18: emails compare after Unicode NFKC normalisation and lower
-- case, so a fullwidth or other compatibility form of an address is the
-- same account, the same login-failure counter and the same uniqueness
-- key; and expired login failures are purged, so guessing unknown emails
-- cannot grow login_failures without bound. normalize() needs a UTF-8
-- database (the only encoding migtrain supports).

CREATE FUNCTION mt_email_key(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT lower(normalize($1, NFKC))
$$;

-- Fails, naming the pair, if two existing accounts differ only by
-- compatibility forms: merge or rename one of them, then migrate again.
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (mt_email_key(email));

-- Failures are stored under the key from now on; the lower(email) index
-- of 001 serves both, since a key is already lower case.
CREATE OR REPLACE FUNCTION mt_login_begin(p_email text, window_s integer,
    max_failures integer, OUT retry_after integer, OUT password_hash text,
    OUT failure_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	k text := mt_email_key(p_email);
BEGIN
	PERFORM pg_advisory_xact_lock(7464, hashtext(k));
	DELETE FROM login_failures
	 WHERE lower(email) = k
	   AND at <= now() - make_interval(secs => window_s);
	SELECT ceil(extract(epoch FROM min(f.at)
	           + make_interval(secs => window_s) - now()))::integer
	  INTO retry_after
	  FROM (SELECT at FROM login_failures WHERE lower(email) = k
		  AND (NOT pending OR at < now() - interval '1 minute')
		ORDER BY at DESC LIMIT max_failures) f
	HAVING count(*) >= max_failures;
	IF retry_after IS NOT NULL THEN
		retry_after := greatest(retry_after, 1);
		RETURN;
	END IF;
	IF (SELECT count(*) FROM login_failures
	     WHERE lower(email) = k) >= max_failures THEN
		retry_after := 1;
		RETURN;
	END IF;
	INSERT INTO login_failures (email, pending) VALUES (k, true)
	RETURNING id INTO failure_id;
	SELECT u.password_hash INTO password_hash FROM users u
	 WHERE mt_email_key(u.email) = k AND u.active;
END
$$;

-- Deletes every failure older than the window, of any email: the rows of
-- addresses nobody tries again would otherwise stay for ever. Run by each
-- instance's housekeeping thread (MIGTRAIN_PURGE_INTERVAL_S); concurrent
-- runs simply find less to delete. Returns the rows deleted.
CREATE INDEX login_failures_at_idx ON login_failures (at);
CREATE FUNCTION mt_login_purge(window_s integer) RETURNS bigint
LANGUAGE sql AS $$
	WITH d AS (DELETE FROM login_failures
		    WHERE at <= now() - make_interval(secs => window_s)
		RETURNING 1)
	SELECT count(*) FROM d
$$;
