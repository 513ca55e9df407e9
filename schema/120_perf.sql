-- Hot read paths (issue 11). PostgreSQL 15 inlines a scalar SQL function
-- into the calling statement only when its body is one expression without
-- a subquery and no more volatile than the function is declared; any other
-- SQL function has its body parsed and planned again on every execution of
-- the statement that calls it, once per call site, even when that statement
-- is prepared. The catalogue called course_json per row, which was never
-- inlined (a subquery in its CASE), and course_json called mt_ts, which
-- was never inlined either (declared IMMUTABLE over the STABLE to_char), so
-- one page of courses paid for planning three function bodies on every
-- request: about 2.5 times the time of the whole statement (pgbench -M
-- prepared, same data, tests/bench/ratio.sh for the figures).

-- STABLE, like the to_char it wraps, so that callers inline it.
CREATE OR REPLACE FUNCTION mt_ts(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- A course with the given module list (a JSON array), as one expression
-- with modules used once, so statements that pass their own subquery for
-- the modules inline it (GET /courses/{id}).
CREATE FUNCTION course_with_modules_json(c courses, modules json)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', c.id, 'slug', c.slug, 'title', c.title,
	    'summary', c.summary, 'audience', to_json(c.audience),
	    'language', c.language, 'published', c.published,
	    'estimated_minutes', c.estimated_minutes,
	    'created_at', mt_ts(c.created_at),
	    'updated_at', mt_ts(c.updated_at),
	    'modules', modules)
$$;

-- The ordered module list of a course, for the with_modules form below
-- (writers and PL/pgSQL callers, where planning it each time is cheap
-- next to the write).
CREATE FUNCTION course_modules_json(cid bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT coalesce(json_agg(module_json(m) ORDER BY m.position), '[]'::json)
	  FROM modules m WHERE m.course_id = cid
$$;

-- Same answer as before; now one expression without a subquery, so the
-- catalogue (with_modules false) inlines it and folds the CASE away.
CREATE OR REPLACE FUNCTION course_json(c courses, with_modules boolean DEFAULT false)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN with_modules THEN
		course_with_modules_json(c, course_modules_json(c.id))
	ELSE
		json_build_object('id', c.id, 'slug', c.slug, 'title', c.title,
		    'summary', c.summary, 'audience', to_json(c.audience),
		    'language', c.language, 'published', c.published,
		    'estimated_minutes', c.estimated_minutes,
		    'created_at', mt_ts(c.created_at),
		    'updated_at', mt_ts(c.updated_at))
	END
$$;

-- The same page object as before, in PL/pgSQL: its statements are planned
-- once per connection and kept, where the SQL function (a subquery, so
-- never inlined) was planned again on every list request.
CREATE OR REPLACE FUNCTION mt_page(items json, lim bigint, key text DEFAULT 'id')
RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF json_array_length(items) > lim THEN
		RETURN json_build_object(
		    'items', (SELECT json_agg(e ORDER BY n)
			FROM json_array_elements(items) WITH ORDINALITY AS t(e, n)
			WHERE n <= lim),
		    'next', mt_cursor(((items -> (lim::int - 1)) ->> key)::bigint));
	END IF;
	RETURN json_build_object('items', coalesce(items, '[]'::json), 'next', NULL);
END
$$;
