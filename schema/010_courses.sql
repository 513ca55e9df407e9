-- Courses, their ordered modules, enrolments and per-module progress (API §5),
-- and the SQL that builds their JSON, keeps module positions dense and
-- enrols idempotently. Lessons keep their Markdown and the HTML rendered
-- from it once, at save time (server/markdown.c), never per read.

CREATE TABLE courses (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug		text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$'),
	title		text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
	summary		text NOT NULL DEFAULT '' CHECK (length(summary) <= 1000),
	audience	text[] NOT NULL CHECK (cardinality(audience) >= 1 AND audience <@
			    ARRAY['border_guard', 'consular', 'migration', 'asylum', 'all']),
	language	text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}$'),
	published	boolean NOT NULL DEFAULT false,
	estimated_minutes integer NOT NULL DEFAULT 60 CHECK (estimated_minutes > 0),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	-- Full-text search over title (weight A) and summary (B); English
	-- stemming, so "check" finds "checks".
	search		tsvector GENERATED ALWAYS AS (
			    setweight(to_tsvector('english', title), 'A') ||
			    setweight(to_tsvector('english', summary), 'B')) STORED
);
CREATE INDEX courses_search_idx ON courses USING gin (search);
CREATE INDEX courses_audience_idx ON courses USING gin (audience);

CREATE TABLE modules (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	course_id	bigint NOT NULL REFERENCES courses ON DELETE CASCADE,
	position	integer NOT NULL CHECK (position >= 1),
	title		text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
	kind		text NOT NULL CHECK (kind IN ('lesson', 'quiz')),
	body_md		text,
	body_html	text,
	quiz_id		bigint,		-- REFERENCES quizzes, added by 020
	CHECK ((kind = 'lesson') = (body_md IS NOT NULL AND body_html IS NOT NULL)),
	CHECK ((kind = 'quiz') = (quiz_id IS NOT NULL)),
	UNIQUE (course_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE enrollments (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users,
	course_id	bigint NOT NULL REFERENCES courses,
	enrolled_at	timestamptz NOT NULL DEFAULT now(),
	completed_at	timestamptz,
	UNIQUE (user_id, course_id)
);
CREATE INDEX enrollments_course_idx ON enrollments (course_id);

CREATE TABLE module_progress (
	enrollment_id	bigint NOT NULL REFERENCES enrollments ON DELETE CASCADE,
	module_id	bigint NOT NULL REFERENCES modules ON DELETE CASCADE,
	done_at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (enrollment_id, module_id)
);
CREATE INDEX module_progress_module_idx ON module_progress (module_id);

-- Positions of a course's modules are exactly 1..n. Checked at commit, so a
-- transaction may move modules through intermediate states (reordering,
-- re-import) as long as it ends dense.
CREATE FUNCTION mt_modules_dense_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	cid bigint;
BEGIN
	IF TG_OP = 'DELETE' THEN
		cid := OLD.course_id;
	ELSE
		cid := NEW.course_id;
	END IF;
	IF EXISTS (SELECT 1 FROM (SELECT count(*) AS n, max(position) AS top
	    FROM modules WHERE course_id = cid) s WHERE s.n > 0 AND s.top <> s.n)
	THEN
		PERFORM mt_raise(409, 'module positions of a course must be 1..n');
	END IF;
	IF TG_OP = 'UPDATE' AND OLD.course_id <> NEW.course_id THEN
		IF EXISTS (SELECT 1 FROM (SELECT count(*) AS n, max(position) AS top
		    FROM modules WHERE course_id = OLD.course_id) s
		    WHERE s.n > 0 AND s.top <> s.n) THEN
			PERFORM mt_raise(409, 'module positions of a course must be 1..n');
		END IF;
	END IF;
	RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER modules_dense AFTER INSERT OR UPDATE OR DELETE
	ON modules DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION mt_modules_dense_check();

-- A module as it appears in a course's list; quiz_id only on quiz modules.
CREATE FUNCTION module_json(m modules) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_strip_nulls(json_build_object('id', m.id,
	    'position', m.position, 'title', m.title, 'kind', m.kind,
	    'quiz_id', m.quiz_id))
$$;

-- GET /modules/{id}: the list entry plus course_id and, on lessons, the
-- Markdown and its rendered HTML.
CREATE FUNCTION module_full_json(m modules) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN m.kind = 'lesson' THEN
		json_build_object('id', m.id, 'course_id', m.course_id,
		    'position', m.position, 'title', m.title, 'kind', m.kind,
		    'body_md', m.body_md, 'body_html', m.body_html)
	ELSE
		json_build_object('id', m.id, 'course_id', m.course_id,
		    'position', m.position, 'title', m.title, 'kind', m.kind,
		    'quiz_id', m.quiz_id)
	END
$$;

-- A course; with_modules adds the ordered module list (single view).
CREATE FUNCTION course_json(c courses, with_modules boolean DEFAULT false)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN with_modules THEN
		json_build_object('id', c.id, 'slug', c.slug, 'title', c.title,
		    'summary', c.summary, 'audience', to_json(c.audience),
		    'language', c.language, 'published', c.published,
		    'estimated_minutes', c.estimated_minutes,
		    'created_at', mt_ts(c.created_at),
		    'updated_at', mt_ts(c.updated_at),
		    'modules', coalesce((SELECT json_agg(module_json(m)
			ORDER BY m.position) FROM modules m
			WHERE m.course_id = c.id), '[]'::json))
	ELSE
		json_build_object('id', c.id, 'slug', c.slug, 'title', c.title,
		    'summary', c.summary, 'audience', to_json(c.audience),
		    'language', c.language, 'published', c.published,
		    'estimated_minutes', c.estimated_minutes,
		    'created_at', mt_ts(c.created_at),
		    'updated_at', mt_ts(c.updated_at))
	END
$$;

-- An enrolment with its progress: modules done of the course's modules.
CREATE FUNCTION enrollment_json(e enrollments) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', e.id, 'user_id', e.user_id,
	    'course_id', e.course_id, 'enrolled_at', mt_ts(e.enrolled_at),
	    'completed_at', mt_ts(e.completed_at),
	    'progress', json_build_object(
		'done', (SELECT count(*) FROM module_progress p
		    JOIN modules m ON m.id = p.module_id
		    WHERE p.enrollment_id = e.id AND m.course_id = e.course_id),
		'total', (SELECT count(*) FROM modules m
		    WHERE m.course_id = e.course_id)))
$$;

-- Appends a module at the end of its course (positions stay 1..n). The
-- course row lock serialises concurrent appends. 404 for an unknown course.
CREATE FUNCTION mt_module_append(cid bigint, mtitle text, mkind text,
    md text, html text, qid bigint) RETURNS modules
LANGUAGE plpgsql AS $$
DECLARE
	m modules;
BEGIN
	PERFORM 1 FROM courses WHERE id = cid FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such course');
	END IF;
	INSERT INTO modules (course_id, position, title, kind, body_md,
	    body_html, quiz_id)
	SELECT cid, coalesce(max(position), 0) + 1, btrim(mtitle), mkind, md,
	    html, qid FROM modules WHERE course_id = cid
	RETURNING * INTO m;
	UPDATE courses SET updated_at = now() WHERE id = cid;
	RETURN m;
END
$$;

-- Puts a course's modules in the order of ids, which must name every module
-- of the course exactly once; positions become 1..n. Audited as actor's;
-- returns the course as it now is. 404 for an unknown course, 422 for a
-- list that is not a permutation.
CREATE FUNCTION mt_module_reorder(cid bigint, ids bigint[], actor bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c courses;
BEGIN
	PERFORM 1 FROM courses WHERE id = cid FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such course');
	END IF;
	IF ids IS NULL OR EXISTS (SELECT 1 FROM unnest(ids) i WHERE i IS NULL)
	   OR cardinality(ids) <> (SELECT count(DISTINCT i) FROM unnest(ids) i)
	   OR cardinality(ids) <> (SELECT count(*) FROM modules
	       WHERE course_id = cid)
	   OR EXISTS (SELECT 1 FROM unnest(ids) i WHERE NOT EXISTS (
	       SELECT 1 FROM modules m WHERE m.id = i AND m.course_id = cid)) THEN
		PERFORM mt_raise(422, 'module_ids must list every module of the '
		    'course exactly once');
	END IF;
	-- One statement: the deferrable unique constraint is checked at its
	-- end, so swapping positions does not trip over itself.
	UPDATE modules m SET position = o.n
	  FROM unnest(ids) WITH ORDINALITY AS o(id, n)
	 WHERE m.id = o.id AND m.position <> o.n;
	UPDATE courses SET updated_at = now() WHERE id = cid RETURNING * INTO c;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'course.reorder', 'course', cid,
	    jsonb_build_object('module_ids', to_jsonb(ids)));
	RETURN course_json(c, true);
END
$$;

-- Enrols uid in cid (idempotent). Returns the HTTP status (201 new, 200
-- existing) and the enrolment. Non-staff callers see published courses
-- only, so a draft is 404 to them as an unknown id is.
CREATE FUNCTION mt_enroll(cid bigint, uid bigint, actor bigint, staff boolean,
    OUT status integer, OUT body json)
LANGUAGE plpgsql AS $$
DECLARE
	e enrollments;
BEGIN
	PERFORM 1 FROM courses WHERE id = cid AND (published OR staff);
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such course');
	END IF;
	PERFORM 1 FROM users WHERE id = uid AND active;
	IF NOT FOUND THEN
		PERFORM mt_raise(422, 'user_id: no such active user');
	END IF;
	INSERT INTO enrollments (user_id, course_id) VALUES (uid, cid)
	ON CONFLICT (user_id, course_id) DO NOTHING RETURNING * INTO e;
	IF FOUND THEN
		INSERT INTO audit_log (actor_id, action, object_type, object_id,
		    detail)
		VALUES (actor, 'enrollment.create', 'enrollment', e.id,
		    jsonb_build_object('user_id', uid, 'course_id', cid));
		status := 201;
	ELSE
		SELECT * INTO e FROM enrollments
		 WHERE user_id = uid AND course_id = cid;
		status := 200;
	END IF;
	body := enrollment_json(e);
END
$$;

-- Marks a lesson done for uid (idempotent) and returns the enrolment id,
-- for completion_check() to follow in the same transaction. 404 when the
-- module is unknown or in a draft the caller may not see, 403 when uid is
-- not enrolled in its course, 409 for a quiz module (done by passing it).
CREATE FUNCTION mt_module_complete(mid bigint, uid bigint, staff boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	m modules;
	eid bigint;
BEGIN
	SELECT mo.* INTO m FROM modules mo JOIN courses c ON c.id = mo.course_id
	 WHERE mo.id = mid AND (c.published OR staff);
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such module');
	END IF;
	SELECT id INTO eid FROM enrollments
	 WHERE user_id = uid AND course_id = m.course_id;
	IF NOT FOUND THEN
		PERFORM mt_raise(403, 'you are not enrolled in this course');
	END IF;
	IF m.kind <> 'lesson' THEN
		PERFORM mt_raise(409, 'a quiz module is done when its quiz is '
		    'passed');
	END IF;
	WITH p AS (INSERT INTO module_progress (enrollment_id, module_id)
	    VALUES (eid, mid) ON CONFLICT DO NOTHING RETURNING *)
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	SELECT uid, 'module.complete', 'module', mid,
	    jsonb_build_object('enrollment_id', eid) FROM p;
	RETURN eid;
END
$$;

-- Marks the enrolment complete when every module of its course is done;
-- true only for the call that completed it (so a certificate is issued once).
CREATE FUNCTION mt_enrollment_refresh(eid bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	e enrollments;
BEGIN
	SELECT * INTO e FROM enrollments WHERE id = eid FOR UPDATE;
	IF NOT FOUND OR e.completed_at IS NOT NULL THEN
		RETURN false;
	END IF;
	IF EXISTS (SELECT 1 FROM modules m WHERE m.course_id = e.course_id)
	   AND NOT EXISTS (SELECT 1 FROM modules m WHERE m.course_id = e.course_id
	       AND NOT EXISTS (SELECT 1 FROM module_progress p
	           WHERE p.enrollment_id = eid AND p.module_id = m.id)) THEN
		UPDATE enrollments SET completed_at = now() WHERE id = eid;
		-- The learner's own action completed it.
		INSERT INTO audit_log (actor_id, action, object_type, object_id,
		    detail)
		VALUES (e.user_id, 'enrollment.complete', 'enrollment', eid,
		    jsonb_build_object('user_id', e.user_id,
		    'course_id', e.course_id));
		RETURN true;
	END IF;
	RETURN false;
END
$$;
