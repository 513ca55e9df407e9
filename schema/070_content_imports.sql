-- What `migtrain import-content` last wrote into each course, so that a
-- re-import (deploy/dev-up runs one at every start) applies content/ only
-- where content/ changed, and never over what people edited in the
-- platform since.
--
-- The rule, per course of the folder:
--   * no course with that slug: import it ('imported', new);
--   * a course with that slug that the importer never wrote (created in
--     the platform): leave it ('kept platform edits');
--   * the course as it is now differs from the course as the last import
--     left it (its fingerprint, below): someone edited it in the platform,
--     leave it ('kept platform edits'), whatever content/ says;
--   * otherwise, content/ unchanged since that import (same content
--     hash): nothing to do ('unchanged');
--   * otherwise import it ('imported', changed in content/).
-- Courses imported before this table existed have no row: they count as
-- edited when the audit log shows a person's edit after their last import.

CREATE TABLE content_imports (
	course_id	bigint PRIMARY KEY REFERENCES courses ON DELETE CASCADE,
	content_hash	text NOT NULL,	-- of what import-content was given
	fingerprint	text NOT NULL,	-- of the course right after it wrote
	imported_at	timestamptz NOT NULL DEFAULT now()
);

-- The editable state of a course: its fields, its modules in order and
-- their quizzes. Timestamps and derived columns are left out, so only an
-- edit changes it.
CREATE FUNCTION mt_course_fingerprint(cid bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT md5(jsonb_build_array(
	    (SELECT jsonb_build_array(c.title, c.summary, c.audience,
		c.language, c.published, c.estimated_minutes)
	       FROM courses c WHERE c.id = cid),
	    (SELECT coalesce(jsonb_agg(jsonb_build_array(m.id, m.position,
		m.title, m.kind, m.body_md, m.quiz_id, q.title, q.pass_percent,
		q.max_attempts, q.time_limit_s, q.shuffle, q.grading,
		q.questions) ORDER BY m.position), '[]')
	       FROM modules m LEFT JOIN quizzes q ON q.id = m.quiz_id
	      WHERE m.course_id = cid))::text)
$$;

-- A person's edit of course cid (course, its modules or quizzes) after the
-- course's last import, by the audit log: for courses without a row above.
CREATE FUNCTION mt_course_edited_since_import(cid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM audit_log a
	 WHERE a.actor_id IS NOT NULL
	   AND a.id > coalesce((SELECT max(i.id) FROM audit_log i
		WHERE i.object_type = 'course' AND i.object_id = cid
		  AND i.action IN ('course.import_create',
		      'course.import_update')), 0)
	   AND ((a.object_type = 'course' AND a.object_id = cid)
	     OR (a.object_type = 'module' AND (a.detail ->> 'course_id')
		 = cid::text)
	     OR (a.object_type = 'quiz' AND a.object_id IN (SELECT m.quiz_id
		 FROM modules m WHERE m.course_id = cid))))
$$;

-- import-content's entry point: applies the rule above, then
-- mt_import_course (020) where it imports. Returns 'created', 'updated',
-- 'unchanged' or 'kept'.
CREATE FUNCTION mt_import_course_kept(cslug text, meta jsonb, lessons jsonb,
    quiz jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	cid bigint;
	hash text := md5(jsonb_build_array(cslug, meta, lessons, quiz)::text);
	prev content_imports;
	result text;
BEGIN
	SELECT id INTO cid FROM courses WHERE slug = cslug FOR UPDATE;
	IF FOUND THEN
		SELECT * INTO prev FROM content_imports WHERE course_id = cid;
		IF NOT FOUND THEN
			IF NOT EXISTS (SELECT 1 FROM content_modules k
			    WHERE k.course_id = cid)
			   AND NOT EXISTS (SELECT 1 FROM audit_log a
			    WHERE a.object_type = 'course' AND a.object_id = cid
			      AND a.action = 'course.import_create')
			   OR mt_course_edited_since_import(cid) THEN
				RETURN 'kept';
			END IF;
		ELSIF prev.fingerprint <> mt_course_fingerprint(cid) THEN
			RETURN 'kept';
		ELSIF prev.content_hash = hash THEN
			RETURN 'unchanged';
		END IF;
	END IF;
	result := mt_import_course(cslug, meta, lessons, quiz);
	SELECT id INTO cid FROM courses WHERE slug = cslug;
	INSERT INTO content_imports (course_id, content_hash, fingerprint)
	VALUES (cid, hash, mt_course_fingerprint(cid))
	ON CONFLICT (course_id) DO UPDATE SET content_hash = excluded.content_hash,
	    fingerprint = excluded.fingerprint, imported_at = now();
	RETURN result;
END
$$;

-- A secondment that overlaps another of the same official says which one
-- (only staff write secondments, and staff see them all); the exclusion
-- constraint secondments_no_overlap stays the guard against races, and
-- db.c words it for the rare request that meets it instead.
CREATE FUNCTION mt_secondment_overlap() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	o secondments;
BEGIN
	IF NEW.status <> 'cancelled' THEN
		SELECT * INTO o FROM secondments x
		 WHERE x.user_id = NEW.user_id AND x.id <> NEW.id
		   AND x.status <> 'cancelled'
		   AND daterange(x.starts_on, x.ends_on, '[]') &&
		       daterange(NEW.starts_on, NEW.ends_on, '[]')
		 ORDER BY x.starts_on, x.id LIMIT 1;
		IF FOUND THEN
			PERFORM mt_raise(409, format('the official already has '
			    'secondment %s (%s, %s, %s to %s) on some of these '
			    'days; both dates count', o.id, o.host_institution,
			    o.host_country, o.starts_on, o.ends_on));
		END IF;
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER secondments_overlap BEFORE INSERT OR UPDATE ON secondments
FOR EACH ROW EXECUTE FUNCTION mt_secondment_overlap();
