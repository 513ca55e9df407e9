-- Hot read paths, second pass (issue 11): compact JSON from PostgreSQL.
--
-- Every answer is compact JSON ({"id":1}). json_build_object and json_agg
-- write {"id" : 1} and "}, {", jsonb writes {"id": 1}, so until now the
-- server squeezed every body in C, byte by byte: about 100,000
-- instructions for one page of the catalogue. row_to_json of a composite
-- value and array_to_json of an array write the compact form themselves,
-- so the JSON of the hot paths is built from the row types below and the
-- server sends it as it comes (db_reply_compact in server/db.c). A type
-- fixes the keys and their order; the functions stay single expressions
-- without a subquery, so PostgreSQL inlines them into the prepared
-- statements that call them (see 120_perf.sql).
SET LOCAL lock_timeout = '5s';

-- STABLE, like convert_to and || on a bigint that it uses, so that callers
-- inline it (declared IMMUTABLE, its body was planned on every call).
CREATE OR REPLACE FUNCTION mt_cursor(id bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT rtrim(translate(encode(convert_to('k' || id, 'UTF8'), 'base64'),
	    '+/', '-_'), '=')
$$;

-- The page object of API §2: {"items":[...],"next":cursor or null}.
CREATE TYPE mt_page_out AS (items json, next text);

CREATE FUNCTION mt_page_json(items json, next text) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT row_to_json(ROW(coalesce(items, '[]'::json), next)::mt_page_out)
$$;

-- A user (auth/me and the session statement).
CREATE TYPE mt_user_out AS (id bigint, email text, name text, role text,
    org_id bigint, active boolean, language text);

CREATE OR REPLACE FUNCTION user_json(u users) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT row_to_json(ROW(u.id, u.email, u.name, u.role, u.org_id,
	    u.active, u.language)::mt_user_out)
$$;

-- A course, in the catalogue and with its modules.
CREATE TYPE mt_course_out AS (id bigint, slug text, title text,
    summary text, audience text[], language text, published boolean,
    estimated_minutes integer, created_at text, updated_at text);
CREATE TYPE mt_course_full_out AS (id bigint, slug text, title text,
    summary text, audience text[], language text, published boolean,
    estimated_minutes integer, created_at text, updated_at text,
    modules json);

CREATE OR REPLACE FUNCTION course_with_modules_json(c courses, modules json)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT row_to_json(ROW(c.id, c.slug, c.title, c.summary, c.audience,
	    c.language, c.published, c.estimated_minutes, mt_ts(c.created_at),
	    mt_ts(c.updated_at), modules)::mt_course_full_out)
$$;

CREATE OR REPLACE FUNCTION course_json(c courses, with_modules boolean DEFAULT false)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN with_modules THEN
		course_with_modules_json(c, course_modules_json(c.id))
	ELSE
		row_to_json(ROW(c.id, c.slug, c.title, c.summary, c.audience,
		    c.language, c.published, c.estimated_minutes,
		    mt_ts(c.created_at), mt_ts(c.updated_at))::mt_course_out)
	END
$$;

-- Modules: quiz_id only on quiz modules, body only on lessons.
CREATE TYPE mt_module_out AS (id bigint, "position" integer, title text,
    kind text);
CREATE TYPE mt_module_quiz_out AS (id bigint, "position" integer,
    title text, kind text, quiz_id bigint);
CREATE TYPE mt_module_lesson_full_out AS (id bigint, course_id bigint,
    "position" integer, title text, kind text, body_md text, body_html text);
CREATE TYPE mt_module_quiz_full_out AS (id bigint, course_id bigint,
    "position" integer, title text, kind text, quiz_id bigint);

CREATE OR REPLACE FUNCTION module_json(m modules) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN m.quiz_id IS NULL THEN
		row_to_json(ROW(m.id, m.position, m.title, m.kind)::mt_module_out)
	ELSE
		row_to_json(ROW(m.id, m.position, m.title, m.kind,
		    m.quiz_id)::mt_module_quiz_out)
	END
$$;

CREATE OR REPLACE FUNCTION module_full_json(m modules) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN m.kind = 'lesson' THEN
		row_to_json(ROW(m.id, m.course_id, m.position, m.title, m.kind,
		    m.body_md, m.body_html)::mt_module_lesson_full_out)
	ELSE
		row_to_json(ROW(m.id, m.course_id, m.position, m.title, m.kind,
		    m.quiz_id)::mt_module_quiz_full_out)
	END
$$;

-- The ordered module list of a course (writers; GET /courses/{id} has
-- the same subquery in its own statement).
CREATE OR REPLACE FUNCTION course_modules_json(cid bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_to_json(array_agg(module_json(m)
	    ORDER BY m.position)), '[]'::json)
	  FROM modules m WHERE m.course_id = cid
$$;

-- An event. The counts and the quota list come in as arguments, so that
-- the list statement computes them per row with its own subqueries and
-- the whole page is planned once per connection; event_json keeps its
-- one-argument form for everyone else. The evaluation questions are
-- jsonb (written {"id": 1}); json_strip_nulls writes them compact, and
-- they hold no nulls (mt_event_extras_write builds them).
CREATE TYPE mt_quota_out AS (org_id bigint, seats integer, used bigint);
CREATE TYPE mt_event_out AS (id bigint, kind text, title text,
    description text, location text, country text, starts_at text,
    ends_at text, capacity integer, registration_opens_at text,
    registration_closes_at text, requires_approval boolean, status text,
    confirmed bigint, waitlisted bigint, quotas json,
    quota_release_at text, quotas_released boolean, pre_quiz_id bigint,
    post_quiz_id bigint, evaluation json);

CREATE FUNCTION event_counted_json(e events, confirmed bigint,
    waitlisted bigint, quotas json) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT row_to_json(ROW(e.id, e.kind, e.title, e.description,
	    e.location, e.country::text, mt_ts(e.starts_at), mt_ts(e.ends_at),
	    e.capacity, mt_ts(e.registration_opens_at),
	    mt_ts(e.registration_closes_at), e.requires_approval, e.status,
	    confirmed, waitlisted, quotas, mt_ts(e.quota_release_at),
	    e.quota_released_at IS NOT NULL, e.pre_quiz_id, e.post_quiz_id,
	    json_strip_nulls(e.evaluation::json))::mt_event_out)
$$;

-- The quotas of event eid with the seats used, ordered by organisation.
CREATE FUNCTION event_quotas_json(eid bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_to_json(array_agg(ROW(q.org_id, q.seats,
	    (SELECT count(*) FROM registrations g WHERE g.event_id = eid
	      AND g.status = 'confirmed' AND g.seat_org_id = q.org_id)
	    )::mt_quota_out ORDER BY q.org_id)), '[]'::json)
	  FROM event_quotas q WHERE q.event_id = eid
$$;

CREATE OR REPLACE FUNCTION event_json(e events) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT event_counted_json(e,
	    count(*) FILTER (WHERE r.status = 'confirmed'),
	    count(*) FILTER (WHERE r.status = 'waitlisted'),
	    event_quotas_json(e.id))
	  FROM registrations r WHERE r.event_id = e.id
	   AND r.status IN ('confirmed', 'waitlisted')
$$;

-- The JSON of each course and module as the catalogue, the course page
-- and the lesson page send it, kept in the row by a trigger on every
-- insert and update, so that those reads pass stored text on instead of
-- building it: building was three quarters of PostgreSQL's work for a page
-- of the catalogue (row_to_json looks up the output function of every
-- field of every row). It holds no authorisation: who may see a row is
-- decided by its live columns (published, audience) in every statement.
-- A later migration that changes course_json, module_json or
-- module_full_json must refresh these columns (an UPDATE of every row, as below).
ALTER TABLE courses ADD COLUMN catalog_json json;
ALTER TABLE modules ADD COLUMN list_json json, ADD COLUMN full_json json;

CREATE FUNCTION mt_courses_json() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.catalog_json := course_json(NEW);
	RETURN NEW;
END
$$;

CREATE FUNCTION mt_modules_json() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.list_json := module_json(NEW);
	NEW.full_json := module_full_json(NEW);
	RETURN NEW;
END
$$;

CREATE TRIGGER courses_json BEFORE INSERT OR UPDATE ON courses
	FOR EACH ROW EXECUTE FUNCTION mt_courses_json();
CREATE TRIGGER modules_json BEFORE INSERT OR UPDATE ON modules
	FOR EACH ROW EXECUTE FUNCTION mt_modules_json();

UPDATE courses SET slug = slug;
UPDATE modules SET title = title;

-- An event's JSON around its live parts: the counts and the quotas change
-- with every registration, the rest only when the event row does. The
-- trigger keeps the text before the counts (json_head, without its
-- closing brace) and after the quotas (json_tail, without its opening
-- brace) in the row; mt_event_text puts an event together from them and
-- its live parts, and the list of events (server/handlers/events.c) sends
-- a page of them without building JSON field by field. The keys and
-- their order are event_counted_json's; tests compare the two.
CREATE TYPE mt_event_head_out AS (id bigint, kind text, title text,
    description text, location text, country text, starts_at text,
    ends_at text, capacity integer, registration_opens_at text,
    registration_closes_at text, requires_approval boolean, status text);
CREATE TYPE mt_event_tail_out AS (quota_release_at text,
    quotas_released boolean, pre_quiz_id bigint, post_quiz_id bigint,
    evaluation json);

ALTER TABLE events ADD COLUMN json_head text, ADD COLUMN json_tail text;

CREATE FUNCTION mt_events_json() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	e events := NEW;
BEGIN
	NEW.json_head := left(row_to_json(ROW(e.id, e.kind, e.title,
	    e.description, e.location, e.country::text, mt_ts(e.starts_at),
	    mt_ts(e.ends_at), e.capacity, mt_ts(e.registration_opens_at),
	    mt_ts(e.registration_closes_at), e.requires_approval,
	    e.status)::mt_event_head_out)::text, -1);
	NEW.json_tail := substr(row_to_json(ROW(mt_ts(e.quota_release_at),
	    e.quota_released_at IS NOT NULL, e.pre_quiz_id, e.post_quiz_id,
	    json_strip_nulls(e.evaluation::json))::mt_event_tail_out)::text, 2);
	RETURN NEW;
END
$$;

CREATE TRIGGER events_json BEFORE INSERT OR UPDATE ON events
	FOR EACH ROW EXECUTE FUNCTION mt_events_json();
UPDATE events SET title = title;

CREATE FUNCTION mt_event_text(head text, confirmed bigint, waitlisted bigint,
    quotas json, tail text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT head || ',"confirmed":' || confirmed || ',"waitlisted":' ||
	    waitlisted || ',"quotas":' || quotas::text || ',' || tail
$$;

-- The page object of mt_page_json from items already joined with commas.
CREATE FUNCTION mt_page_text(items text, next text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT '{"items":[' || coalesce(items, '') || '],"next":' ||
	    coalesce('"' || next || '"', 'null') || '}'
$$;
