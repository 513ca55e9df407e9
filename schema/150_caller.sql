-- The caller of a request in the statement that answers it (issue 11).
--
-- Until now every authenticated request made two round trips: the session
-- lookup, then the handler's statement. The ceiling of the stack makes
-- one, and on two cores the second round trip (its protocol messages,
-- transaction and context switches) cost as much as the work of a small
-- statement. mt_caller is the one definition of a valid session: the
-- session lookup (server/session.c) selects from it, and the hot read
-- paths put it in their own statement, so they answer in one round trip.
-- It is a single SELECT in SQL, STABLE, not STRICT: PostgreSQL inlines it
-- into the statements that call it. Nothing is cached: every statement
-- reads the session and the user afresh, so a revoked session, a
-- deactivated user or a changed role count from the next request.
SET LOCAL lock_timeout = '5s';

CREATE FUNCTION mt_caller(token_hash bytea, idle_s integer, max_s integer)
RETURNS TABLE (session_id bigint, user_id bigint, role text, org_id bigint,
    staff boolean, touch_due boolean, usr users)
LANGUAGE sql STABLE AS $$
	SELECT s.id, u.id, u.role, u.org_id, u.role IN ('admin', 'coordinator'),
	       s.last_seen_at < now() - make_interval(secs => idle_s / 10.0), u
	  FROM sessions s JOIN users u ON u.id = s.user_id
	 WHERE s.token_hash = mt_caller.token_hash AND s.revoked_at IS NULL
	   AND s.last_seen_at > now() - make_interval(secs => idle_s)
	   AND s.created_at > now() - make_interval(secs => max_s)
	   AND u.active
$$;
