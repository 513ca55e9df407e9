-- Course authoring, part 2 (issue 13): editing a module, deleting a module
-- and deleting a course. Deleting never destroys a learner's record: a
-- course with enrolments (and so any certificate) or a module with progress
-- or quiz attempts of the course's learners is refused with a 409 that says
-- what is in the way. The foreign keys stay the last word: enrollments and
-- attempts do not cascade, so a race that slips past a count still fails.
SET LOCAL lock_timeout = '5s';

-- "1 learner has" / "3 learners have": the subject of a refusal.
CREATE FUNCTION mt_learners(n bigint, one text, many text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN n = 1 THEN '1 learner ' || one
	    ELSE n || ' learners ' || many END
$$;

-- Deletes quiz qid when nothing refers to it any more: no module, no event
-- (as its pre- or post-test) and no attempt, not even a coordinator's
-- trial. The caller holds the quiz row lock, which new references wait
-- for. True when it was deleted.
CREATE FUNCTION mt_quiz_delete_unused(qid bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM quizzes q WHERE q.id = qid
	   AND NOT EXISTS (SELECT 1 FROM modules m WHERE m.quiz_id = qid)
	   AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.quiz_id = qid)
	   AND NOT EXISTS (SELECT 1 FROM events e
	       WHERE e.pre_quiz_id = qid OR e.post_quiz_id = qid);
	RETURN FOUND;
END
$$;

-- PATCH /modules/{id}: a new title and, on a lesson, new Markdown with the
-- HTML the server rendered from it. NULL keeps a field. Audited as actor's;
-- returns the module as GET /modules/{id} does. 404 for an unknown module,
-- 422 for Markdown on a quiz module.
CREATE FUNCTION mt_module_update(mid bigint, mtitle text, md text, html text,
    actor bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	m modules;
BEGIN
	SELECT * INTO m FROM modules WHERE id = mid FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such module');
	END IF;
	IF md IS NOT NULL AND m.kind <> 'lesson' THEN
		PERFORM mt_raise(422, 'body_md: only a lesson has a body; a quiz '
		    'module''s questions are its quiz''s');
	END IF;
	UPDATE modules SET title = coalesce(btrim(mtitle), title),
	    body_md = coalesce(md, body_md), body_html = coalesce(html, body_html)
	 WHERE id = mid RETURNING * INTO m;
	UPDATE courses SET updated_at = now() WHERE id = m.course_id;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'module.update', 'module', mid, jsonb_strip_nulls(
	    jsonb_build_object('course_id', m.course_id, 'title', btrim(mtitle),
	    'body_md_changed', md IS NOT NULL)));
	RETURN module_full_json(m);
END
$$;

-- DELETE /modules/{id}. Refused (409) when a learner has completed the
-- module, or, for a quiz module, when a learner of the course has attempted
-- its quiz (the records count the best attempt of a course's quizzes).
-- Otherwise the module goes, the positions after it close up (still 1..n),
-- and its quiz goes too unless something else still uses it. Returns the
-- enrolments this completes: learners who had done every other module,
-- for completion_check() in the same transaction, so nobody is left
-- waiting on a module that no longer exists.
CREATE FUNCTION mt_module_delete(mid bigint, actor bigint)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
	m modules;
	n bigint;
	quiz_gone boolean := false;
BEGIN
	SELECT * INTO m FROM modules WHERE id = mid;
	IF FOUND THEN
		-- The course lock serialises appends, reorders and deletes;
		-- the module's and its quiz's make new progress and new
		-- attempts wait for the answer.
		PERFORM 1 FROM courses WHERE id = m.course_id FOR UPDATE;
		SELECT * INTO m FROM modules WHERE id = mid FOR UPDATE;
	END IF;
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such module');
	END IF;
	IF m.quiz_id IS NOT NULL THEN
		PERFORM 1 FROM quizzes WHERE id = m.quiz_id FOR UPDATE;
		SELECT count(DISTINCT a.user_id) INTO n FROM attempts a
		  JOIN enrollments e ON e.user_id = a.user_id
		   AND e.course_id = m.course_id
		 WHERE a.quiz_id = m.quiz_id;
		IF n > 0 THEN
			PERFORM mt_raise(409, mt_learners(n, 'has', 'have') ||
			    ' attempted this quiz; deleting the module would '
			    'take their results out of the course''s records. '
			    'Leave it in place, or unpublish the course instead.');
		END IF;
	END IF;
	SELECT count(*) INTO n FROM module_progress WHERE module_id = mid;
	IF n > 0 THEN
		PERFORM mt_raise(409, mt_learners(n, 'has', 'have') ||
		    ' completed this module; deleting it would erase their '
		    'progress. Edit it instead, or unpublish the course.');
	END IF;
	DELETE FROM modules WHERE id = mid;
	-- One statement: the deferrable unique (course_id, position) is
	-- checked at its end.
	UPDATE modules SET position = position - 1
	 WHERE course_id = m.course_id AND position > m.position;
	UPDATE courses SET updated_at = now() WHERE id = m.course_id;
	IF m.quiz_id IS NOT NULL THEN
		quiz_gone := mt_quiz_delete_unused(m.quiz_id);
	END IF;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'module.delete', 'module', mid, jsonb_strip_nulls(
	    jsonb_build_object('course_id', m.course_id, 'kind', m.kind,
	    'title', m.title, 'position', m.position, 'quiz_id', m.quiz_id,
	    'quiz_deleted', CASE WHEN m.quiz_id IS NOT NULL THEN quiz_gone END)));
	RETURN QUERY SELECT e.id FROM enrollments e
	 WHERE e.course_id = m.course_id AND e.completed_at IS NULL
	   AND EXISTS (SELECT 1 FROM modules x WHERE x.course_id = e.course_id)
	   AND NOT EXISTS (SELECT 1 FROM modules x WHERE x.course_id = e.course_id
	       AND NOT EXISTS (SELECT 1 FROM module_progress p
	           WHERE p.enrollment_id = e.id AND p.module_id = x.id))
	 ORDER BY e.id;
END
$$;

-- DELETE /courses/{id}. Refused (409) while anyone is enrolled: the
-- enrolment, its progress and its certificate are the learner's record.
-- Otherwise the course goes with its modules (ON DELETE CASCADE) and with
-- those of its quizzes nothing else uses. Audited as actor's.
CREATE FUNCTION mt_course_delete(cid bigint, actor bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	c courses;
	n bigint;
	qids bigint[];
	gone bigint[] := '{}';
	q bigint;
BEGIN
	SELECT * INTO c FROM courses WHERE id = cid FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such course');
	END IF;
	SELECT count(*) INTO n FROM enrollments WHERE course_id = cid;
	IF n > 0 THEN
		PERFORM mt_raise(409, mt_learners(n, 'is', 'are') ||
		    ' enrolled in this course; deleting it would erase their '
		    'records and certificates. Unpublish the course instead.');
	END IF;
	SELECT coalesce(array_agg(DISTINCT quiz_id ORDER BY quiz_id), '{}')
	  INTO qids FROM modules WHERE course_id = cid AND quiz_id IS NOT NULL;
	PERFORM 1 FROM quizzes WHERE id = ANY (qids) ORDER BY id FOR UPDATE;
	SELECT count(*) INTO n FROM modules WHERE course_id = cid;
	DELETE FROM courses WHERE id = cid;
	FOREACH q IN ARRAY qids LOOP
		IF mt_quiz_delete_unused(q) THEN
			gone := gone || q;
		END IF;
	END LOOP;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'course.delete', 'course', cid, jsonb_build_object(
	    'slug', c.slug, 'title', c.title, 'published', c.published,
	    'modules', n, 'quizzes_deleted', to_jsonb(gone)));
END
$$;
