-- Courses, their ordered modules, enrolments and per-module progress (API §5).

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
	updated_at	timestamptz NOT NULL DEFAULT now()
);

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
		RETURN true;
	END IF;
	RETURN false;
END
$$;
