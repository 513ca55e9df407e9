-- Performance, part 3 (issue 11): the summary report.

-- The summary report of all organisations counted every enrolment by its
-- user's current organisation on each request: a hash join of all
-- enrolments with all users, then a grouping (on 500,000 enrolments and
-- 100,000 officials about 4,400 buffers and most of a second here). The
-- counts per (organisation, course) are now kept as they change, as rows
-- of signed deltas written by the triggers below in the same transaction
-- as the change, so a reader's snapshot sees exactly the enrolments it
-- would have counted: exact at read time, never stale. Deltas are only
-- ever inserted (no counter row for concurrent enrolments to queue on or
-- deadlock over); mt_summary_compact folds them into one row per pair
-- now and then (server/jobs.c), and a reader sums what is there.
CREATE TABLE summary_enrolments (
	org_id		bigint NOT NULL,
	course_id	bigint NOT NULL,
	enrolled	bigint NOT NULL,
	completed	bigint NOT NULL
);
CREATE INDEX summary_enrolments_org_idx ON summary_enrolments (org_id);

-- Enrolments inserted, updated or deleted by one statement, counted by the
-- organisation their user is in. FOR SHARE on those users waits for a
-- transaction moving one of them to another organisation, and then reads
-- the organisation it moved to (READ COMMITTED re-reads a row it waited
-- for); a move that comes second sees these enrolments (below). Without
-- the lock an enrolment made during a move could stay counted under the
-- old organisation.
CREATE FUNCTION mt_summary_enrolments_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		INSERT INTO summary_enrolments
		SELECT u.org_id, o.course_id, -count(*), -count(o.completed_at)
		  FROM old_rows o
		  JOIN (SELECT id, org_id FROM users
			 WHERE id IN (SELECT user_id FROM old_rows)
			   FOR SHARE) u ON u.id = o.user_id
		 GROUP BY u.org_id, o.course_id;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		INSERT INTO summary_enrolments
		SELECT u.org_id, n.course_id, count(*), count(n.completed_at)
		  FROM new_rows n
		  JOIN (SELECT id, org_id FROM users
			 WHERE id IN (SELECT user_id FROM new_rows)
			   FOR SHARE) u ON u.id = n.user_id
		 GROUP BY u.org_id, n.course_id;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER summary_enrolments_ins AFTER INSERT ON enrollments
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION mt_summary_enrolments_track();
CREATE TRIGGER summary_enrolments_upd AFTER UPDATE ON enrollments
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION mt_summary_enrolments_track();
CREATE TRIGGER summary_enrolments_del AFTER DELETE ON enrollments
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION mt_summary_enrolments_track();
-- No TRUNCATE: a truncated enrolments table empties the counts too.
CREATE FUNCTION mt_summary_enrolments_clear() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM summary_enrolments;
	RETURN NULL;
END
$$;
CREATE TRIGGER summary_enrolments_trunc AFTER TRUNCATE ON enrollments
	FOR EACH STATEMENT EXECUTE FUNCTION mt_summary_enrolments_clear();

-- A user moved to another organisation takes their enrolments along. The
-- enrolments are read with the trigger's own (newer) snapshot, so one
-- committed by a transaction this update waited for is moved too.
CREATE FUNCTION mt_summary_users_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO summary_enrolments
	SELECT m.org_id, e.course_id, sum(m.sign * 1), sum(CASE WHEN
	       e.completed_at IS NOT NULL THEN m.sign ELSE 0 END)
	  FROM (SELECT o.id, o.org_id, -1 AS sign FROM old_rows o
		  JOIN new_rows n ON n.id = o.id
		 WHERE n.org_id IS DISTINCT FROM o.org_id
		UNION ALL
		SELECT n.id, n.org_id, 1 FROM old_rows o
		  JOIN new_rows n ON n.id = o.id
		 WHERE n.org_id IS DISTINCT FROM o.org_id) m
	  JOIN enrollments e ON e.user_id = m.id
	 GROUP BY m.org_id, e.course_id;
	RETURN NULL;
END
$$;
CREATE TRIGGER summary_users_upd AFTER UPDATE ON users
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION mt_summary_users_track();

-- The counts as they stand (from the data already there).
INSERT INTO summary_enrolments
SELECT u.org_id, e.course_id, count(*), count(e.completed_at)
  FROM enrollments e JOIN users u ON u.id = e.user_id
 GROUP BY u.org_id, e.course_id;

-- Folds the deltas into one row per (organisation, course) once they are
-- at least twice as many as the pairs; deltas committed meanwhile are not
-- in the DELETE's snapshot and stay as they are. Returns the rows folded.
CREATE FUNCTION mt_summary_compact() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	n integer;
BEGIN
	IF (SELECT count(*) FROM summary_enrolments) <= 100 + 2 * (SELECT
	    count(*) FROM (SELECT DISTINCT org_id, course_id
	    FROM summary_enrolments) p) THEN
		RETURN 0;
	END IF;
	-- One folder at a time (several server instances run the job); 7466
	-- is this lock's own class (7463-7465: migrate, logins, mail).
	IF NOT pg_try_advisory_xact_lock(7466, 0) THEN
		RETURN 0;
	END IF;
	WITH gone AS (DELETE FROM summary_enrolments RETURNING *),
	folded AS (INSERT INTO summary_enrolments
		SELECT org_id, course_id, sum(enrolled), sum(completed)
		  FROM gone GROUP BY org_id, course_id
		HAVING sum(enrolled) <> 0 OR sum(completed) <> 0)
	SELECT count(*) INTO n FROM gone;
	RETURN n;
END
$$;

-- The summary as before (same rows, same order), now from the counts when
-- no single user is asked for, and each of the event and secondment parts
-- in one pass (they were one subquery per kind and per status, each
-- joining the users) that skips the users altogether when unscoped.
CREATE OR REPLACE FUNCTION mt_summary(p_org bigint, p_user bigint)
RETURNS TABLE (section text, org_id bigint, org_name text, course_id bigint,
    course_title text, event_kind text, secondment_status text,
    enrolled bigint, completed bigint, completion_rate numeric,
    registered bigint, attended bigint, secondments bigint, ord bigint)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan SET work_mem = '64MB' AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH scoped AS NOT MATERIALIZED (
		SELECT u.id, u.org_id FROM users u
		 WHERE (p_org IS NULL OR u.org_id = p_org)
		   AND (p_user IS NULL OR u.id = p_user)),
	courses_part AS (
		SELECT d.org_id, d.course_id, sum(d.enrolled)::bigint AS enrolled,
		       sum(d.completed)::bigint AS completed
		  FROM summary_enrolments d
		 WHERE p_user IS NULL AND (p_org IS NULL OR d.org_id = p_org)
		 GROUP BY d.org_id, d.course_id
		HAVING sum(d.enrolled) > 0
		UNION ALL
		SELECT s.org_id, e.course_id, count(*), count(e.completed_at)
		  FROM enrollments e JOIN scoped s ON s.id = e.user_id
		 WHERE p_user IS NOT NULL
		 GROUP BY s.org_id, e.course_id),
	regs AS (
		SELECT ev.kind,
		       count(*) FILTER (WHERE r.status = 'confirmed') AS registered,
		       count(*) FILTER (WHERE r.attendance = 'attended') AS attended
		  FROM registrations r JOIN events ev ON ev.id = r.event_id
		 WHERE (p_org IS NULL AND p_user IS NULL)
		    OR r.user_id IN (SELECT s.id FROM scoped s)
		 GROUP BY ev.kind),
	secs AS (
		SELECT x.status, count(*) AS n FROM secondments x
		 WHERE (p_org IS NULL AND p_user IS NULL)
		    OR x.user_id IN (SELECT s.id FROM scoped s)
		 GROUP BY x.status),
	kinds(kind, n) AS (
		VALUES ('seminar', 1), ('training', 2), ('study_visit', 3)),
	statuses(status, n) AS (
		VALUES ('planned', 1), ('active', 2), ('completed', 3),
		    ('cancelled', 4))
	SELECT * FROM (
		SELECT 'course' AS section, o.id AS org_id, o.name AS org_name,
		       c.id AS course_id, c.title AS course_title,
		       NULL::text AS event_kind, NULL::text AS secondment_status,
		       p.enrolled, p.completed,
		       round(p.completed::numeric / p.enrolled, 4)
			   AS completion_rate,
		       NULL::bigint AS registered, NULL::bigint AS attended,
		       NULL::bigint AS secondments,
		       row_number() OVER (ORDER BY o.name, o.id, c.title, c.id)
			   AS ord
		  FROM courses_part p
		  JOIN orgs o ON o.id = p.org_id
		  JOIN courses c ON c.id = p.course_id
	UNION ALL
		SELECT 'event', NULL::bigint, NULL::text, NULL::bigint,
		       NULL::text, k.kind, NULL::text, NULL::bigint,
		       NULL::bigint, NULL::numeric,
		       coalesce(g.registered, 0), coalesce(g.attended, 0),
		       NULL::bigint, 1000000000000 + k.n
		  FROM kinds k LEFT JOIN regs g ON g.kind = k.kind
	UNION ALL
		SELECT 'secondment', NULL::bigint, NULL::text, NULL::bigint,
		       NULL::text, NULL::text, st.status, NULL::bigint,
		       NULL::bigint, NULL::numeric, NULL::bigint,
		       NULL::bigint, coalesce(x.n, 0), 2000000000000 + st.n
		  FROM statuses st LEFT JOIN secs x ON x.status = st.status) t
	 ORDER BY t.ord;
END
$$;

