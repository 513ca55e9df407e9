-- Completion records, the summary report and transcripts (API §9): the
-- queries behind server/handlers/records.c. Every function takes the
-- filters that server/scope.c has already narrowed to the caller's scope
-- (NULL = no filter), so visibility is decided in C in one place and
-- applied here by plain conditions.
--
-- Conventions, published in /openapi.json:
--  * best_percent is the highest percent of a submitted attempt on any quiz
--    module of the course, by that user; null when there is none.
--  * certificate_code is the enrolment's certificate that is not revoked;
--    null when there is none.
--  * from/to filter on completed_at (so they return completed rows only);
--    both inclusive; a plain date as `to` includes that whole day (UTC).
--  * summary: registered = confirmed registrations, attended = attendance
--    'attended'; completion_rate = completed / enrolled, 4 decimals.

-- Extra indexes for the records queries on large data sets.
CREATE INDEX IF NOT EXISTS enrollments_completed_idx ON enrollments (completed_at)
	WHERE completed_at IS NOT NULL;

-- One row per enrolment; the keyset of the pages is enrollment_id. A
-- single-SELECT SQL function without ORDER BY, so the planner inlines it
-- into the caller and flattens it (the caller orders), which keeps the
-- fast-start plans of "ORDER BY enrollment_id LIMIT n".
CREATE FUNCTION mt_records(p_org bigint, p_user bigint, p_course bigint,
    p_from text, p_to text, p_after bigint, p_bulk boolean DEFAULT false)
RETURNS TABLE (enrollment_id bigint, user_id bigint, user_name text,
    org_id bigint, org_name text, course_id bigint, course_title text,
    enrolled_at timestamptz, completed_at timestamptz, best_percent numeric,
    certificate_code text)
LANGUAGE sql STABLE AS $$
	SELECT e.id, u.id, u.name, o.id, o.name, c.id, c.title, e.enrolled_at,
	       e.completed_at,
	       -- Two ways to the same number: a lookup per row for pages, one
	       -- aggregate joined by hash for exports. p_bulk is a constant in
	       -- the (custom) plan, so the unused one is folded away and the
	       -- then-useless LEFT JOIN removed (its keys are its GROUP BY).
	       CASE WHEN p_bulk THEN b.best ELSE
		(SELECT max(a.percent) FROM modules m
		   JOIN attempts a ON a.quiz_id = m.quiz_id
		  WHERE m.course_id = e.course_id AND m.kind = 'quiz'
		    AND a.user_id = e.user_id AND a.submitted_at IS NOT NULL) END,
	       k.code
	  FROM enrollments e
	  JOIN users u ON u.id = e.user_id
	  JOIN orgs o ON o.id = u.org_id
	  JOIN courses c ON c.id = e.course_id
	  -- certificates.enrollment_id is unique
	  LEFT JOIN certificates k ON k.enrollment_id = e.id
	       AND k.revoked_at IS NULL
	  LEFT JOIN (SELECT a.user_id, m.course_id, max(a.percent) AS best
		       FROM attempts a
		       JOIN modules m ON m.quiz_id = a.quiz_id AND m.kind = 'quiz'
		       JOIN users au ON au.id = a.user_id
		      WHERE a.submitted_at IS NOT NULL
			AND (p_org IS NULL OR au.org_id = p_org)
			AND (p_user IS NULL OR a.user_id = p_user)
			AND (p_course IS NULL OR m.course_id = p_course)
		      GROUP BY a.user_id, m.course_id) b
	       ON b.user_id = e.user_id AND b.course_id = e.course_id
	 WHERE e.id > coalesce(p_after, 0)
	   AND (p_org IS NULL OR u.org_id = p_org)
	   AND (p_user IS NULL OR e.user_id = p_user)
	   AND (p_course IS NULL OR e.course_id = p_course)
	   AND (p_from IS NULL OR e.completed_at >= p_from::timestamptz)
	   AND (p_to IS NULL OR e.completed_at < CASE WHEN length(p_to) = 10
		THEN (p_to::date + 1)::timestamptz
		ELSE p_to::timestamptz + interval '1 microsecond' END)
$$;

-- Plans: the records filters are optional ($n IS NULL OR ...), which a
-- generic (cached) plan cannot exploit, so the functions the server calls
-- are PL/pgSQL with plan_cache_mode = force_custom_plan: every call is
-- planned for its actual filters (one organisation: index scans; all:
-- hash joins).

-- A keyset page of records (API §2): items without the key, `next` the
-- cursor of the last enrolment shown.
CREATE FUNCTION mt_records_page(p_org bigint, p_user bigint, p_course bigint,
    p_from text, p_to text, p_after bigint, p_limit int)
RETURNS json LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
	RETURN (SELECT json_build_object(
	    'items', coalesce(json_agg(x.j ORDER BY x.k)
		FILTER (WHERE x.n <= p_limit), '[]'),
	    'next', CASE WHEN count(*) > p_limit THEN
		mt_cursor(max(x.k) FILTER (WHERE x.n <= p_limit)) END)
	  -- The rank is taken above the LIMIT so that the inner query keeps
	  -- its fast-start plan (walk enrolments in id order, stop early).
	  FROM (SELECT y.k, y.j, row_number() OVER (ORDER BY y.k) AS n
	  FROM (SELECT t.enrollment_id AS k,
		       json_build_object('user_id', t.user_id,
			'user_name', t.user_name, 'org_id', t.org_id,
			'org_name', t.org_name, 'course_id', t.course_id,
			'course_title', t.course_title,
			'enrolled_at', mt_ts(t.enrolled_at),
			'completed_at', mt_ts(t.completed_at),
			'best_percent', t.best_percent,
			'certificate_code', t.certificate_code) AS j
		  FROM mt_records(p_org, p_user, p_course, p_from, p_to,
		       p_after) t
		 ORDER BY t.enrollment_id LIMIT p_limit + 1) y) x);
END
$$;

-- Opens the cursor mt_csv over every matching record, in the CSV's
-- columns, for the caller to FETCH in blocks (call inside a transaction).
CREATE FUNCTION mt_records_open(p_org bigint, p_user bigint, p_course bigint,
    p_from text, p_to text)
RETURNS refcursor LANGUAGE plpgsql
-- Every row will be read: plan for all of them, not for the first few.
SET plan_cache_mode = force_custom_plan SET cursor_tuple_fraction = 1 AS $$
DECLARE
	c refcursor := 'mt_csv';
BEGIN
	OPEN c NO SCROLL FOR
	SELECT t.user_id, t.user_name, t.org_id, t.org_name, t.course_id,
	       t.course_title, mt_ts(t.enrolled_at), mt_ts(t.completed_at),
	       t.best_percent, t.certificate_code
	  FROM mt_records(p_org, p_user, p_course, p_from, p_to, NULL, true) t
	 ORDER BY t.enrollment_id;
	RETURN c;
END
$$;

-- The summary as rows: section 'course' (per organisation and course),
-- 'event' (per event kind) and 'secondment' (per status), each filling
-- its own columns, in the order of `ord`. The CSV export streams these rows
-- (without ord) as they are.
CREATE FUNCTION mt_summary(p_org bigint, p_user bigint)
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
		SELECT s.org_id, e.course_id, count(*) AS enrolled,
		       count(e.completed_at) AS completed
		  FROM enrollments e JOIN scoped s ON s.id = e.user_id
		 GROUP BY s.org_id, e.course_id),
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
		       (SELECT count(*) FROM registrations r
			  JOIN events ev ON ev.id = r.event_id
			  JOIN scoped s ON s.id = r.user_id
			 WHERE ev.kind = k.kind AND r.status = 'confirmed'),
		       (SELECT count(*) FROM registrations r
			  JOIN events ev ON ev.id = r.event_id
			  JOIN scoped s ON s.id = r.user_id
			 WHERE ev.kind = k.kind AND r.attendance = 'attended'),
		       NULL::bigint, 1000000000000 + k.n
		  FROM kinds k
	UNION ALL
		SELECT 'secondment', NULL::bigint, NULL::text, NULL::bigint,
		       NULL::text, NULL::text, st.status, NULL::bigint,
		       NULL::bigint, NULL::numeric, NULL::bigint,
		       NULL::bigint,
		       (SELECT count(*) FROM secondments x
			  JOIN scoped s ON s.id = x.user_id
			 WHERE x.status = st.status), 2000000000000 + st.n
		  FROM statuses st) t
	 ORDER BY t.ord;
END
$$;

-- The summary as the JSON of GET /api/v1/reports/summary.
CREATE FUNCTION mt_summary_json(p_org bigint, p_user bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	WITH t AS (SELECT *, ord AS n FROM mt_summary(p_org, p_user))
	SELECT json_build_object(
	    'courses', coalesce((SELECT json_agg(json_build_object(
		'org_id', org_id, 'org_name', org_name, 'course_id', course_id,
		'course_title', course_title, 'enrolled', enrolled,
		'completed', completed, 'completion_rate', completion_rate)
		ORDER BY n) FROM t WHERE section = 'course'), '[]'),
	    'events', coalesce((SELECT json_agg(json_build_object(
		'kind', event_kind, 'registered', registered,
		'attended', attended) ORDER BY n)
		FROM t WHERE section = 'event'), '[]'),
	    'secondments', (SELECT json_object_agg(secondment_status,
		secondments ORDER BY n) FROM t WHERE section = 'secondment'))
$$;

-- The transcript of one official; NULL when there is no such user.
CREATE FUNCTION mt_transcript(p_user bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
	    'user', user_json(u),
	    'org', json_build_object('id', o.id, 'name', o.name),
	    'courses', coalesce((SELECT json_agg(json_build_object(
		'course_id', t.course_id, 'course_title', t.course_title,
		'enrolled_at', mt_ts(t.enrolled_at),
		'completed_at', mt_ts(t.completed_at),
		'best_percent', t.best_percent,
		'certificate_code', t.certificate_code)
		ORDER BY t.completed_at, t.enrollment_id)
		FROM mt_records(NULL, u.id, NULL, NULL, NULL, NULL) t
		WHERE t.completed_at IS NOT NULL), '[]'),
	    'events', coalesce((SELECT json_agg(json_build_object(
		'event_id', ev.id, 'kind', ev.kind, 'title', ev.title,
		'location', ev.location, 'country', ev.country,
		'starts_at', mt_ts(ev.starts_at), 'ends_at', mt_ts(ev.ends_at),
		'attendance', r.attendance)
		ORDER BY ev.starts_at, ev.id)
		FROM registrations r JOIN events ev ON ev.id = r.event_id
		WHERE r.user_id = u.id
		  AND r.attendance IN ('attended', 'partial')), '[]'),
	    'secondments', coalesce((SELECT json_agg(secondment_json(s)
		ORDER BY s.starts_on, s.id)
		FROM secondments s WHERE s.user_id = u.id
		  AND s.status <> 'cancelled'), '[]'))
	  FROM users u JOIN orgs o ON o.id = u.org_id
	 WHERE u.id = p_user
$$;
