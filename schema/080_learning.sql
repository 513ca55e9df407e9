-- Learning, part 2 (API §17): question draws, attempts per learner, answer
-- validation naming the question, module states and the certificate code
-- in enrolments, and each question's GIFT format in the attempt view.
-- Functions are replaced in place (same signatures) except
-- mt_attempt_start, which gains the drawn questions.

-- 0: every attempt holds the whole bank; N: each attempt holds N questions
-- drawn at random (server/handlers/attempts.c draws with libsodium's
-- generator and passes the positions to mt_attempt_start).
ALTER TABLE quizzes ADD COLUMN draw integer NOT NULL DEFAULT 0
	CONSTRAINT quizzes_draw_fits_bank
	CHECK (draw >= 0 AND draw <= jsonb_array_length(questions));

-- A draw for a bank, or a 422 that says what fits. NULL passes through
-- (PATCH without "draw").
CREATE FUNCTION mt_quiz_draw(n integer, questions jsonb) RETURNS integer
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF n > jsonb_array_length(questions) THEN
		PERFORM mt_raise(422, format('draw must be from 0 to %s (the '
		    'number of questions in the bank)',
		    jsonb_array_length(questions)));
	END IF;
	RETURN n;
END
$$;

CREATE OR REPLACE FUNCTION mt_quiz_json(q quizzes) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', q.id, 'title', q.title,
	    'pass_percent', q.pass_percent, 'max_attempts', q.max_attempts,
	    'time_limit_s', q.time_limit_s, 'shuffle', q.shuffle,
	    'grading', q.grading,
	    'question_count', jsonb_array_length(q.questions), 'draw', q.draw)
$$;

-- GET /quizzes/{id}: the quiz plus the caller's attempts so far (the open
-- one included) and how many more they may start (null: no limit).
CREATE FUNCTION mt_quiz_json_for(q quizzes, uid bigint) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT (mt_quiz_json(q)::jsonb || jsonb_build_object(
	    'attempts_used', u.n,
	    'attempts_left', CASE WHEN q.max_attempts > 0 THEN
		greatest(0, q.max_attempts - u.n) END))::json
	  FROM (SELECT count(*)::integer AS n FROM attempts a
		 WHERE a.quiz_id = q.id AND a.user_id = uid) u
$$;

-- One line of GET /quizzes/{id}/attempts. An open attempt has its
-- max_score (the questions it holds) but no score yet.
CREATE FUNCTION mt_attempt_summary(a attempts) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', a.id, 'user_id', a.user_id,
	    'started_at', mt_ts(a.started_at), 'deadline', mt_ts(a.deadline),
	    'submitted_at', mt_ts(a.submitted_at), 'score', a.score::float8,
	    'max_score', coalesce(a.max_score::float8,
		jsonb_array_length(a.questions)),
	    'percent', a.percent::float8, 'passed', a.passed)
$$;

-- The learner's view of a question now also carries its GIFT text format
-- ("moodle", "markdown", "html" or "plain"): clients render the text by
-- it and must sanitise "html" (the text is the author's, not ours).
CREATE OR REPLACE FUNCTION mt_question_public(e jsonb, shuffle boolean)
RETURNS jsonb LANGUAGE sql VOLATILE AS $$
	SELECT jsonb_build_object('id', e -> 'id', 'type', e -> 'type',
	    'text', e -> 'text',
	    'format', coalesce(e -> 'format', '"moodle"'::jsonb)) ||
	    CASE e ->> 'type'
	    WHEN 'truefalse' THEN jsonb_build_object('choices',
		'[{"id": 1, "text": "True"}, {"id": 2, "text": "False"}]'::jsonb)
	    WHEN 'single' THEN jsonb_build_object('choices', (
		SELECT jsonb_agg(jsonb_build_object('id', c -> 'id',
		    'text', c -> 'text')
		    ORDER BY CASE WHEN shuffle THEN random() END, n)
		  FROM jsonb_array_elements(e -> 'choices')
		       WITH ORDINALITY AS t(c, n)))
	    WHEN 'multiple' THEN jsonb_build_object('choices', (
		SELECT jsonb_agg(jsonb_build_object('id', c -> 'id',
		    'text', c -> 'text')
		    ORDER BY CASE WHEN shuffle THEN random() END, n)
		  FROM jsonb_array_elements(e -> 'choices')
		       WITH ORDINALITY AS t(c, n)))
	    WHEN 'matching' THEN jsonb_build_object(
		'left', (SELECT coalesce(jsonb_agg(p -> 'left'
		    ORDER BY CASE WHEN shuffle THEN random() END, n), '[]')
		  FROM jsonb_array_elements(e -> 'pairs')
		       WITH ORDINALITY AS t(p, n)
		 WHERE coalesce(p ->> 'left', '') <> ''),
		'right', (SELECT coalesce(jsonb_agg(to_jsonb(r)
		    ORDER BY random()), '[]')
		  FROM (SELECT DISTINCT p ->> 'right' AS r
			  FROM jsonb_array_elements(e -> 'pairs') AS t(p)) d))
	    ELSE '{}'::jsonb
	    END
$$;

-- The certificate earned by the course(s) this quiz belongs to, once
-- complete: the submit answer carries it (API §17).
CREATE OR REPLACE FUNCTION mt_attempt_result(a attempts) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('score', a.score::float8,
	    'max_score', a.max_score::float8, 'percent', a.percent::float8,
	    'passed', a.passed,
	    'certificate_code', (SELECT c.code FROM certificates c
		JOIN enrollments e ON e.id = c.enrollment_id
	       WHERE e.user_id = a.user_id AND EXISTS (SELECT 1 FROM modules m
		     WHERE m.course_id = e.course_id AND m.quiz_id = a.quiz_id)
	       ORDER BY c.issued_at DESC, c.id DESC LIMIT 1))
$$;

-- An enrolment with its progress, each module's state in course order,
-- and the certificate once the course is complete.
CREATE OR REPLACE FUNCTION enrollment_json(e enrollments) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', e.id, 'user_id', e.user_id,
	    'course_id', e.course_id, 'enrolled_at', mt_ts(e.enrolled_at),
	    'completed_at', mt_ts(e.completed_at),
	    'progress', json_build_object('done', count(p.module_id),
		'total', count(m.id)),
	    'modules', coalesce(json_agg(json_build_object('module_id', m.id,
		'done', p.module_id IS NOT NULL, 'done_at', mt_ts(p.done_at))
		ORDER BY m.position) FILTER (WHERE m.id IS NOT NULL), '[]'),
	    'certificate_code', (SELECT c.code FROM certificates c
		WHERE c.enrollment_id = e.id))
	  FROM (SELECT 1) one
	  LEFT JOIN modules m ON m.course_id = e.course_id
	  LEFT JOIN module_progress p ON p.enrollment_id = e.id
	       AND p.module_id = m.id
$$;

-- Starts an attempt, or returns the open one (status 200). The caller has
-- graded any open attempt past its deadline first, under the same lock.
-- drawn: the 1-based positions in the bank of the questions this attempt
-- holds when the quiz draws (the caller draws them with libsodium); when
-- missing or not a valid draw of the current bank, they are drawn here.
DROP FUNCTION mt_attempt_start(bigint, bigint, text);
CREATE FUNCTION mt_attempt_start(qid bigint, uid bigint, role text,
    drawn integer[] DEFAULT NULL, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
	q quizzes;
	a attempts;
	used integer;
	len integer;
	bank jsonb;
BEGIN
	SELECT * INTO q FROM quizzes WHERE id = qid;
	IF NOT FOUND OR NOT mt_quiz_visible(qid, uid, role) THEN
		PERFORM mt_raise(404, 'no such quiz');
	END IF;
	IF NOT mt_quiz_may_take(qid, uid, role) THEN
		PERFORM mt_raise(403, 'enrol in a course with this quiz to '
		    'take it');
	END IF;
	SELECT * INTO a FROM attempts
	 WHERE quiz_id = qid AND user_id = uid AND submitted_at IS NULL;
	IF FOUND THEN
		status := 200;
		body := mt_attempt_json(a)::text;
		RETURN;
	END IF;
	SELECT count(*) INTO used FROM attempts
	 WHERE quiz_id = qid AND user_id = uid;
	IF q.max_attempts > 0 AND used >= q.max_attempts THEN
		PERFORM mt_raise(409, format('all %s attempts of this quiz are '
		    'used', q.max_attempts));
	END IF;
	len := jsonb_array_length(q.questions);
	bank := q.questions;
	IF q.draw > 0 AND q.draw < len THEN
		IF drawn IS NULL OR cardinality(drawn) <> q.draw OR
		   (SELECT count(DISTINCT d) FROM unnest(drawn) AS d
		     WHERE d BETWEEN 1 AND len) <> q.draw THEN
			drawn := ARRAY(SELECT n FROM generate_series(1, len) AS n
			    ORDER BY random() LIMIT q.draw);
		END IF;
		bank := (SELECT jsonb_agg(e ORDER BY n)
		    FROM jsonb_array_elements(q.questions)
			 WITH ORDINALITY AS t(e, n)
		   WHERE n = ANY (drawn));
	ELSE
		drawn := NULL;
	END IF;
	INSERT INTO quiz_banks (digest, questions)
	VALUES (encode(sha256(convert_to(q.questions::text, 'UTF8')), 'hex'),
	    q.questions)
	ON CONFLICT (digest) DO NOTHING;
	-- The attempt's questions are its draw: grading, the review, the
	-- answers it accepts and max_score all follow them.
	INSERT INTO attempts (quiz_id, user_id, deadline, questions, bank_digest)
	VALUES (qid, uid, CASE WHEN q.time_limit_s > 0 THEN
	    now() + make_interval(secs => q.time_limit_s) END,
	    mt_quiz_public(bank, q.shuffle),
	    encode(sha256(convert_to(q.questions::text, 'UTF8')), 'hex'))
	RETURNING * INTO a;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (uid, 'attempt.start', 'attempt', a.id,
	    jsonb_build_object('quiz_id', qid, 'number', used + 1,
	    'drawn', to_jsonb(drawn)));
	status := 201;
	body := mt_attempt_json(a)::text;
END
$$;

-- Saves answers: each element {"question_id", and the key of that
-- question's type}. Refused once submitted or past the deadline; every
-- answer is checked against the question it names in this attempt, and
-- the first wrong one is a 422 that names the question.
CREATE OR REPLACE FUNCTION mt_attempt_save(aid bigint, uid bigint,
    answers jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	a attempts;
	ans jsonb;
	qe jsonb;
	qid text;
	kind text;
	k text;
	v jsonb;
BEGIN
	SELECT * INTO a FROM attempts WHERE id = aid AND user_id = uid
	   FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM mt_raise(404, 'no such attempt');
	END IF;
	IF a.submitted_at IS NOT NULL THEN
		PERFORM mt_raise(409, 'the attempt is already submitted');
	END IF;
	IF a.deadline IS NOT NULL AND clock_timestamp() > a.deadline THEN
		PERFORM mt_raise(409, 'the time limit of the attempt has passed');
	END IF;
	FOR ans IN SELECT e FROM jsonb_array_elements(answers) AS e LOOP
		qid := ans ->> 'question_id';
		SELECT e INTO qe FROM jsonb_array_elements(a.questions) AS e
		 WHERE e -> 'id' = ans -> 'question_id';
		IF NOT FOUND THEN
			PERFORM mt_raise(422, format('question %s is not a '
			    'question of this attempt', qid));
		END IF;
		kind := CASE qe ->> 'type' WHEN 'short' THEN 'text'
		    WHEN 'numeric' THEN 'number' WHEN 'matching' THEN 'pairs'
		    ELSE 'choice_ids' END;
		FOR k IN SELECT jsonb_object_keys(ans) LOOP
			IF k <> 'question_id' AND k <> kind THEN
				PERFORM mt_raise(422, format('question %s (%s) '
				    'takes %s, not %s', qid, qe ->> 'type',
				    kind, k));
			END IF;
		END LOOP;
		IF kind = 'choice_ids' THEN
			IF qe ->> 'type' IN ('single', 'truefalse') AND
			   jsonb_array_length(ans -> 'choice_ids') > 1 THEN
				PERFORM mt_raise(422, format('question %s (%s) '
				    'takes one choice', qid, qe ->> 'type'));
			END IF;
			SELECT c INTO v FROM jsonb_array_elements(ans -> 'choice_ids')
			    AS c
			 WHERE NOT EXISTS (SELECT 1
			       FROM jsonb_array_elements(qe -> 'choices') AS o
			      WHERE o -> 'id' = c)
			 LIMIT 1;
			IF FOUND THEN
				PERFORM mt_raise(422, format('choice %s is not a '
				    'choice of question %s', v, qid));
			END IF;
			IF (SELECT count(DISTINCT c) FROM
			    jsonb_array_elements(ans -> 'choice_ids') AS c) <>
			   jsonb_array_length(ans -> 'choice_ids') THEN
				PERFORM mt_raise(422, format('question %s: a '
				    'choice is given twice', qid));
			END IF;
		ELSIF kind = 'pairs' THEN
			SELECT p INTO v FROM jsonb_array_elements(ans -> 'pairs') AS p
			 WHERE NOT (qe -> 'left' @> jsonb_build_array(p -> 0))
			    OR NOT (qe -> 'right' @> jsonb_build_array(p -> 1))
			 LIMIT 1;
			IF FOUND THEN
				PERFORM mt_raise(422, format('question %s: %s is '
				    'not a prompt and answer of this question',
				    qid, v));
			END IF;
		END IF;
	END LOOP;
	-- The last answer to a question in one request wins.
	INSERT INTO attempt_answers (attempt_id, question_id, answer, saved_at)
	SELECT DISTINCT ON ((x ->> 'question_id')::integer) aid,
	       (x ->> 'question_id')::integer, x - 'question_id',
	       clock_timestamp()
	  FROM jsonb_array_elements(answers) WITH ORDINALITY AS t(x, n)
	 ORDER BY (x ->> 'question_id')::integer, n DESC
	ON CONFLICT (attempt_id, question_id) DO UPDATE
	   SET answer = excluded.answer, saved_at = excluded.saved_at;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (uid, 'attempt.answer', 'attempt', aid, jsonb_build_object(
	    'question_ids', (SELECT jsonb_agg(x -> 'question_id')
		FROM jsonb_array_elements(answers) AS x)));
END
$$;

-- `migtrain import-content`: upserts one course by slug with its lessons
-- (matched to existing modules by file name, so unchanged lessons keep
-- their ids and learners their progress) and its quiz, always last.
-- lessons: [{"key","title","body_md","body_html"}] in order; quiz: NULL or
-- {"title","pass_percent"?,...,"draw"?,"questions"}. Returns 'created', 'updated'
-- or 'unchanged'.
CREATE OR REPLACE FUNCTION mt_import_course(cslug text, meta jsonb, lessons jsonb,
    quiz jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	c courses;
	created boolean := false;
	changed boolean := false;
	l record;
	mid bigint;
	qid bigint;
	nrows integer;
	pos integer := 0;
BEGIN
	INSERT INTO courses (slug, title, summary, audience, language,
	    published, estimated_minutes)
	VALUES (cslug, meta ->> 'title', coalesce(meta ->> 'summary', ''),
	    ARRAY(SELECT jsonb_array_elements_text(meta -> 'audience')),
	    meta ->> 'language', (meta ->> 'published')::boolean,
	    (meta ->> 'estimated_minutes')::integer)
	ON CONFLICT (slug) DO NOTHING
	RETURNING * INTO c;
	IF FOUND THEN
		created := true;
	ELSE
		SELECT * INTO c FROM courses WHERE slug = cslug FOR UPDATE;
		UPDATE courses SET title = meta ->> 'title',
		       summary = coalesce(meta ->> 'summary', ''),
		       audience = ARRAY(SELECT jsonb_array_elements_text(
			   meta -> 'audience')),
		       language = meta ->> 'language',
		       published = (meta ->> 'published')::boolean,
		       estimated_minutes = (meta ->> 'estimated_minutes')::integer,
		       updated_at = now()
		 WHERE id = c.id AND (title, summary, audience, language,
		       published, estimated_minutes) IS DISTINCT FROM
		       (meta ->> 'title', coalesce(meta ->> 'summary', ''),
			ARRAY(SELECT jsonb_array_elements_text(meta -> 'audience')),
			meta ->> 'language', (meta ->> 'published')::boolean,
			(meta ->> 'estimated_minutes')::integer);
		GET DIAGNOSTICS nrows = ROW_COUNT;
		changed := nrows > 0;
	END IF;

	-- Modules of the course that the folder no longer has go (with the
	-- progress on them); positions are rewritten below, so the unique
	-- (course_id, position) is checked at commit.
	SET CONSTRAINTS ALL DEFERRED;
	DELETE FROM modules m WHERE m.course_id = c.id
	   AND NOT EXISTS (SELECT 1 FROM content_modules k
		WHERE k.module_id = m.id AND (k.key IN (SELECT x ->> 'key'
		    FROM jsonb_array_elements(lessons) AS x)
		    OR (k.key = 'quiz.gift' AND quiz IS NOT NULL)));
	GET DIAGNOSTICS nrows = ROW_COUNT;
	changed := changed OR nrows > 0;

	FOR l IN SELECT x ->> 'key' AS key, x ->> 'title' AS title,
		x ->> 'body_md' AS md, x ->> 'body_html' AS html
	    FROM jsonb_array_elements(lessons) AS x LOOP
		pos := pos + 1;
		SELECT module_id INTO mid FROM content_modules
		 WHERE course_id = c.id AND key = l.key;
		IF FOUND THEN
			UPDATE modules SET position = pos, title = l.title,
			       body_md = l.md, body_html = l.html
			 WHERE id = mid AND (position, title, body_md, body_html)
			       IS DISTINCT FROM (pos, l.title, l.md, l.html);
			GET DIAGNOSTICS nrows = ROW_COUNT;
			changed := changed OR nrows > 0;
		ELSE
			INSERT INTO modules (course_id, position, title, kind,
			    body_md, body_html)
			VALUES (c.id, pos, l.title, 'lesson', l.md, l.html)
			RETURNING id INTO mid;
			INSERT INTO content_modules (module_id, course_id, key)
			VALUES (mid, c.id, l.key);
			changed := true;
		END IF;
	END LOOP;

	IF quiz IS NOT NULL THEN
		pos := pos + 1;
		SELECT k.module_id, m.quiz_id INTO mid, qid
		  FROM content_modules k JOIN modules m ON m.id = k.module_id
		 WHERE k.course_id = c.id AND k.key = 'quiz.gift';
		IF FOUND THEN
			UPDATE quizzes SET title = quiz ->> 'title',
			       questions = quiz -> 'questions',
			       pass_percent = coalesce((quiz ->> 'pass_percent')::integer, 70),
			       max_attempts = coalesce((quiz ->> 'max_attempts')::integer, 0),
			       time_limit_s = coalesce((quiz ->> 'time_limit_s')::integer, 0),
			       shuffle = coalesce((quiz ->> 'shuffle')::boolean, false),
			       grading = coalesce(quiz ->> 'grading', 'highest'),
			       draw = coalesce((quiz ->> 'draw')::integer, 0),
			       updated_at = now()
			 WHERE id = qid AND (title, questions, pass_percent,
			       max_attempts, time_limit_s, shuffle, grading, draw)
			       IS DISTINCT FROM (quiz ->> 'title', quiz -> 'questions',
			       coalesce((quiz ->> 'pass_percent')::integer, 70),
			       coalesce((quiz ->> 'max_attempts')::integer, 0),
			       coalesce((quiz ->> 'time_limit_s')::integer, 0),
			       coalesce((quiz ->> 'shuffle')::boolean, false),
			       coalesce(quiz ->> 'grading', 'highest'),
			       coalesce((quiz ->> 'draw')::integer, 0));
			GET DIAGNOSTICS nrows = ROW_COUNT;
			changed := changed OR nrows > 0;
			UPDATE modules SET position = pos, title = quiz ->> 'title'
			 WHERE id = mid AND (position, title) IS DISTINCT FROM
			       (pos, quiz ->> 'title');
			GET DIAGNOSTICS nrows = ROW_COUNT;
			changed := changed OR nrows > 0;
		ELSE
			INSERT INTO quizzes (title, questions, pass_percent,
			    max_attempts, time_limit_s, shuffle, grading, draw)
			VALUES (quiz ->> 'title', quiz -> 'questions',
			    coalesce((quiz ->> 'pass_percent')::integer, 70),
			    coalesce((quiz ->> 'max_attempts')::integer, 0),
			    coalesce((quiz ->> 'time_limit_s')::integer, 0),
			    coalesce((quiz ->> 'shuffle')::boolean, false),
			    coalesce(quiz ->> 'grading', 'highest'),
			    coalesce((quiz ->> 'draw')::integer, 0))
			RETURNING id INTO qid;
			INSERT INTO modules (course_id, position, title, kind,
			    quiz_id)
			VALUES (c.id, pos, quiz ->> 'title', 'quiz', qid)
			RETURNING id INTO mid;
			INSERT INTO content_modules (module_id, course_id, key)
			VALUES (mid, c.id, 'quiz.gift');
			changed := true;
		END IF;
	END IF;
	SET CONSTRAINTS ALL IMMEDIATE;

	IF created OR changed THEN
		INSERT INTO audit_log (action, object_type, object_id, detail)
		VALUES (CASE WHEN created THEN 'course.import_create'
		    ELSE 'course.import_update' END, 'course', c.id,
		    jsonb_build_object('slug', cslug, 'lessons',
		    jsonb_array_length(lessons), 'quiz', quiz IS NOT NULL,
		    'via', 'cli'));
	END IF;
	RETURN CASE WHEN created THEN 'created' WHEN changed THEN 'updated'
	    ELSE 'unchanged' END;
END
$$;
