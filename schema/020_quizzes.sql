-- Quizzes (a parsed GIFT question bank) and attempts (API §6).
--
-- Grading itself happens in C (server/grade.c, the same code the unit tests
-- check); these functions hold the rules around it: who may take a quiz,
-- one open attempt per learner, the attempt limit, the deadline, the grade
-- under the quiz's grading method and the module progress it earns.

CREATE TABLE quizzes (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title		text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
	pass_percent	integer NOT NULL DEFAULT 70 CHECK (pass_percent BETWEEN 0 AND 100),
	max_attempts	integer NOT NULL DEFAULT 0 CHECK (max_attempts >= 0),
	time_limit_s	integer NOT NULL DEFAULT 0 CHECK (time_limit_s >= 0),
	shuffle		boolean NOT NULL DEFAULT false,
	grading		text NOT NULL DEFAULT 'highest'
			    CHECK (grading IN ('highest', 'first', 'last', 'average')),
	-- gift_parse's array, each question with "id" = its 1-based index.
	questions	jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array'
			    AND jsonb_array_length(questions) >= 1),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE modules ADD FOREIGN KEY (quiz_id) REFERENCES quizzes;
CREATE INDEX modules_quiz_idx ON modules (quiz_id) WHERE quiz_id IS NOT NULL;

-- Question banks by content, so an attempt is graded against the bank it
-- was started on even when a re-import changes the quiz meanwhile; equal
-- banks are stored once.
CREATE TABLE quiz_banks (
	digest		text PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'),
	questions	jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array')
);

CREATE TABLE attempts (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	quiz_id		bigint NOT NULL REFERENCES quizzes,
	user_id		bigint NOT NULL REFERENCES users,
	started_at	timestamptz NOT NULL DEFAULT now(),
	deadline	timestamptz CHECK (deadline > started_at),
	-- The learner's view, fixed at the start: questions and choices in
	-- this attempt's (shuffled) order, without answers or feedback.
	questions	jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array'),
	bank_digest	text REFERENCES quiz_banks,	-- NULL: the quiz's own
	submitted_at	timestamptz,
	score		numeric CHECK (score >= 0),
	max_score	numeric CHECK (max_score >= 0),
	percent		numeric CHECK (percent BETWEEN 0 AND 100),
	passed		boolean,
	-- Per question: credit, correctness, the answer given, the correct
	-- answer and feedback; written once, when the attempt is graded.
	review		jsonb,
	CHECK ((submitted_at IS NULL) = (score IS NULL)),
	CHECK ((submitted_at IS NULL) = (review IS NULL)),
	CHECK ((submitted_at IS NULL) = (passed IS NULL))
);
CREATE INDEX attempts_user_quiz_idx ON attempts (user_id, quiz_id, id);
-- At most one open attempt per learner and quiz, whatever the concurrency.
CREATE UNIQUE INDEX attempts_open_key ON attempts (quiz_id, user_id)
    WHERE submitted_at IS NULL;

-- The latest saved answer to each question, with the time it was saved;
-- grading reads only answers saved by the deadline.
CREATE TABLE attempt_answers (
	attempt_id	bigint NOT NULL REFERENCES attempts ON DELETE CASCADE,
	question_id	integer NOT NULL CHECK (question_id >= 1),
	answer		jsonb NOT NULL CHECK (jsonb_typeof(answer) = 'object'),
	saved_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (attempt_id, question_id)
);

-- Which module of an imported course came from which file of the content
-- folder (the lesson's name, or 'quiz.gift'), so that a re-import finds the
-- same module again and learners keep their progress.
CREATE TABLE content_modules (
	module_id	bigint PRIMARY KEY REFERENCES modules ON DELETE CASCADE,
	course_id	bigint NOT NULL REFERENCES courses ON DELETE CASCADE,
	key		text NOT NULL CHECK (key ~ '^([a-z0-9][a-z0-9-]*|quiz\.gift)$'),
	UNIQUE (course_id, key)
);

CREATE FUNCTION mt_quiz_json(q quizzes) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', q.id, 'title', q.title,
	    'pass_percent', q.pass_percent, 'max_attempts', q.max_attempts,
	    'time_limit_s', q.time_limit_s, 'shuffle', q.shuffle,
	    'grading', q.grading,
	    'question_count', jsonb_array_length(q.questions))
$$;

-- Staff see every quiz; anyone else only a quiz that is a module of a
-- published course (a draft's quiz is as hidden as its lessons).
CREATE FUNCTION mt_quiz_visible(qid bigint, uid bigint, role text)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT role IN ('admin', 'coordinator') OR EXISTS (
	    SELECT 1 FROM modules m JOIN courses c ON c.id = m.course_id
	     WHERE m.quiz_id = qid AND c.published)
$$;

-- Takers: anyone enrolled in a published course with a module for this
-- quiz, and staff (so coordinators can try a quiz out before publishing it).
CREATE FUNCTION mt_quiz_may_take(qid bigint, uid bigint, role text)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT role IN ('admin', 'coordinator') OR EXISTS (
	    SELECT 1 FROM modules m JOIN enrollments e ON e.course_id = m.course_id
	      JOIN courses c ON c.id = m.course_id
	     WHERE m.quiz_id = qid AND e.user_id = uid AND c.published)
$$;

-- One question as a learner sees it during an attempt: no weights, no
-- feedback, no correct answers. Choices and matching prompts follow the
-- quiz's shuffle setting; the right-hand answers of a matching question
-- are always shuffled (and deduplicated), or their order would give the
-- pairs away.
CREATE FUNCTION mt_question_public(e jsonb, shuffle boolean) RETURNS jsonb
LANGUAGE sql VOLATILE AS $$
	SELECT jsonb_build_object('id', e -> 'id', 'type', e -> 'type',
	    'text', e -> 'text') ||
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

CREATE FUNCTION mt_quiz_public(questions jsonb, shuffle boolean)
RETURNS jsonb LANGUAGE sql VOLATILE AS $$
	SELECT coalesce(jsonb_agg(mt_question_public(e, shuffle)
	    ORDER BY CASE WHEN shuffle THEN random() END, n), '[]')
	  FROM jsonb_array_elements(questions) WITH ORDINALITY AS t(e, n)
$$;

-- The attempt as its owner sees it. Before submission: the questions
-- without answer data and the answers saved so far; after: the score and
-- the review in place of the questions.
CREATE FUNCTION mt_attempt_json(a attempts) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN a.submitted_at IS NULL THEN
	    json_build_object('id', a.id, 'quiz_id', a.quiz_id,
		'started_at', mt_ts(a.started_at), 'deadline', mt_ts(a.deadline),
		'submitted_at', NULL, 'questions', a.questions,
		'saved_answers', (SELECT coalesce(json_agg(
		    jsonb_build_object('question_id', s.question_id) || s.answer
		    ORDER BY s.question_id), '[]')
		  FROM attempt_answers s WHERE s.attempt_id = a.id))
	ELSE
	    json_build_object('id', a.id, 'quiz_id', a.quiz_id,
		'started_at', mt_ts(a.started_at), 'deadline', mt_ts(a.deadline),
		'submitted_at', mt_ts(a.submitted_at),
		'score', a.score::float8, 'max_score', a.max_score::float8,
		'percent', a.percent::float8, 'passed', a.passed,
		'questions', a.review)
	END
$$;

CREATE FUNCTION mt_attempt_result(a attempts) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('score', a.score::float8,
	    'max_score', a.max_score::float8, 'percent', a.percent::float8,
	    'passed', a.passed)
$$;

-- The learner's grade on a quiz under its grading method, over submitted
-- attempts in the order they were started; NULL before any submission.
CREATE FUNCTION mt_quiz_grade(qid bigint, uid bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
	SELECT round(CASE q.grading
	    WHEN 'highest' THEN max(a.percent)
	    WHEN 'average' THEN avg(a.percent)
	    WHEN 'first' THEN (array_agg(a.percent ORDER BY a.id))[1]
	    ELSE (array_agg(a.percent ORDER BY a.id DESC))[1]
	    END, 2)
	  FROM quizzes q JOIN attempts a ON a.quiz_id = q.id
	 WHERE q.id = qid AND a.user_id = uid AND a.submitted_at IS NOT NULL
	 GROUP BY q.grading
$$;

CREATE FUNCTION mt_quiz_passed(qid bigint, uid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce(mt_quiz_grade(qid, uid) >= q.pass_percent, false)
	  FROM quizzes q WHERE q.id = qid
$$;

-- Creates a quiz from parsed questions and, with a course, appends a quiz
-- module to it at the next position; one transaction, one audit entry each.
CREATE FUNCTION mt_quiz_import(title text, questions jsonb, cid bigint,
    pass integer, maxa integer, tlimit integer, shuf boolean, grading text,
    actor bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	q quizzes;
	mid bigint;
BEGIN
	IF cid IS NOT NULL THEN
		PERFORM 1 FROM courses WHERE id = cid FOR UPDATE;
		IF NOT FOUND THEN
			PERFORM mt_raise(404, 'no such course');
		END IF;
	END IF;
	INSERT INTO quizzes (title, questions, pass_percent, max_attempts,
	    time_limit_s, shuffle, grading)
	VALUES (btrim(title), questions, coalesce(pass, 70), coalesce(maxa, 0),
	    coalesce(tlimit, 0), coalesce(shuf, false),
	    coalesce(grading, 'highest'))
	RETURNING * INTO q;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'quiz.import', 'quiz', q.id, jsonb_build_object(
	    'title', q.title, 'question_count', jsonb_array_length(questions),
	    'course_id', cid));
	IF cid IS NULL THEN
		RETURN mt_quiz_json(q);
	END IF;
	-- The same append as lessons: under the course's row lock.
	SELECT (mt_module_append(cid, q.title, 'quiz', NULL, NULL, q.id)).id
	  INTO mid;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (actor, 'module.create', 'module', mid, jsonb_build_object(
	    'course_id', cid, 'kind', 'quiz', 'quiz_id', q.id));
	RETURN (mt_quiz_json(q)::jsonb || jsonb_build_object('module_id', mid))::json;
END
$$;

-- Starts an attempt, or returns the open one (status 200). The caller has
-- graded any open attempt past its deadline first, under the same lock.
CREATE FUNCTION mt_attempt_start(qid bigint, uid bigint, role text,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
	q quizzes;
	a attempts;
	used integer;
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
	INSERT INTO quiz_banks (digest, questions)
	VALUES (encode(sha256(convert_to(q.questions::text, 'UTF8')), 'hex'),
	    q.questions)
	ON CONFLICT (digest) DO NOTHING;
	INSERT INTO attempts (quiz_id, user_id, deadline, questions, bank_digest)
	VALUES (qid, uid, CASE WHEN q.time_limit_s > 0 THEN
	    now() + make_interval(secs => q.time_limit_s) END,
	    mt_quiz_public(q.questions, q.shuffle),
	    encode(sha256(convert_to(q.questions::text, 'UTF8')), 'hex'))
	RETURNING * INTO a;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (uid, 'attempt.start', 'attempt', a.id,
	    jsonb_build_object('quiz_id', qid, 'number', used + 1));
	status := 201;
	body := mt_attempt_json(a)::text;
END
$$;

-- Serialises starting and grading of one learner's attempts at one quiz,
-- and lists their open attempts that are past the deadline (to be graded
-- by the caller before anything else happens).
CREATE FUNCTION mt_attempt_lock(qid bigint, uid bigint) RETURNS SETOF bigint
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended(
	    'attempt:' || qid || ':' || uid, 0));
	RETURN QUERY SELECT id FROM attempts
	 WHERE quiz_id = qid AND user_id = uid AND submitted_at IS NULL
	   AND deadline <= now();
END
$$;

-- Saves answers: each element {"question_id", and the key of that
-- question's type}. Refused once submitted or past the deadline.
CREATE FUNCTION mt_attempt_save(aid bigint, uid bigint, answers jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	a attempts;
	bad text;
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
	SELECT CASE WHEN q.e IS NULL THEN
		format('question %s is not part of this attempt',
		    x ->> 'question_id')
	    ELSE format('question %s (%s) takes %s', x ->> 'question_id',
		q.e ->> 'type', CASE q.e ->> 'type' WHEN 'short' THEN 'text'
		WHEN 'numeric' THEN 'number' WHEN 'matching' THEN 'pairs'
		ELSE 'choice_ids' END)
	    END INTO bad
	  FROM jsonb_array_elements(answers) AS x
	  LEFT JOIN LATERAL (SELECT e FROM jsonb_array_elements(a.questions) e
		WHERE e -> 'id' = x -> 'question_id') q ON true
	 WHERE q.e IS NULL OR EXISTS (
	     SELECT 1 FROM jsonb_object_keys(x) k
	      WHERE k <> 'question_id' AND k <> CASE q.e ->> 'type'
		WHEN 'short' THEN 'text' WHEN 'numeric' THEN 'number'
		WHEN 'matching' THEN 'pairs' ELSE 'choice_ids' END)
	 LIMIT 1;
	IF bad IS NOT NULL THEN
		PERFORM mt_raise(422, bad);
	END IF;
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

-- Records the grade computed by the server (score = sum of the questions'
-- credits), closes the attempt, and when the learner's grade under the
-- quiz's method is now a pass, marks the quiz's modules done in every
-- enrolment of the learner. Returns the enrolments that gained progress,
-- for completion_check(). An attempt graded after its deadline is
-- recorded as submitted at the deadline.
CREATE FUNCTION mt_attempt_close(aid bigint, credit numeric, rev jsonb)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
	a attempts;
	q quizzes;
	mx integer;
	pct numeric;
BEGIN
	SELECT * INTO a FROM attempts WHERE id = aid FOR UPDATE;
	IF NOT FOUND OR a.submitted_at IS NOT NULL THEN
		RETURN;
	END IF;
	SELECT * INTO q FROM quizzes WHERE id = a.quiz_id;
	mx := jsonb_array_length(a.questions);
	pct := CASE WHEN mx > 0 THEN
	    least(100, greatest(0, round(credit * 100 / mx, 2))) ELSE 0 END;
	UPDATE attempts SET submitted_at = CASE WHEN deadline < now()
		THEN deadline ELSE now() END,
	       score = round(credit, 4), max_score = mx, percent = pct,
	       passed = pct >= q.pass_percent, review = rev
	 WHERE id = aid;
	INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
	VALUES (a.user_id, 'attempt.submit', 'attempt', aid, jsonb_build_object(
	    'quiz_id', a.quiz_id, 'percent', pct,
	    'passed', pct >= q.pass_percent,
	    'late', a.deadline IS NOT NULL AND a.deadline < now()));
	IF mt_quiz_passed(a.quiz_id, a.user_id) THEN
		RETURN QUERY
		WITH done AS (
			INSERT INTO module_progress (enrollment_id, module_id)
			SELECT e.id, m.id FROM enrollments e
			  JOIN modules m ON m.course_id = e.course_id
			 WHERE m.quiz_id = a.quiz_id AND e.user_id = a.user_id
			ON CONFLICT DO NOTHING
			RETURNING module_progress.enrollment_id,
			    module_progress.module_id),
		audited AS (
			INSERT INTO audit_log (actor_id, action, object_type,
			    object_id, detail)
			SELECT a.user_id, 'module.complete', 'module', d.module_id,
			    jsonb_build_object('enrollment_id', d.enrollment_id,
			    'via', 'quiz', 'attempt_id', a.id)
			  FROM done d)
		SELECT d.enrollment_id FROM done d;
	END IF;
END
$$;

-- `migtrain import-content`: upserts one course by slug with its lessons
-- (matched to existing modules by file name, so unchanged lessons keep
-- their ids and learners their progress) and its quiz, always last.
-- lessons: [{"key","title","body_md","body_html"}] in order; quiz: NULL or
-- {"title","pass_percent"?,...,"questions"}. Returns 'created', 'updated'
-- or 'unchanged'.
CREATE FUNCTION mt_import_course(cslug text, meta jsonb, lessons jsonb,
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
			       updated_at = now()
			 WHERE id = qid AND (title, questions, pass_percent,
			       max_attempts, time_limit_s, shuffle, grading)
			       IS DISTINCT FROM (quiz ->> 'title', quiz -> 'questions',
			       coalesce((quiz ->> 'pass_percent')::integer, 70),
			       coalesce((quiz ->> 'max_attempts')::integer, 0),
			       coalesce((quiz ->> 'time_limit_s')::integer, 0),
			       coalesce((quiz ->> 'shuffle')::boolean, false),
			       coalesce(quiz ->> 'grading', 'highest'));
			GET DIAGNOSTICS nrows = ROW_COUNT;
			changed := changed OR nrows > 0;
			UPDATE modules SET position = pos, title = quiz ->> 'title'
			 WHERE id = mid AND (position, title) IS DISTINCT FROM
			       (pos, quiz ->> 'title');
			GET DIAGNOSTICS nrows = ROW_COUNT;
			changed := changed OR nrows > 0;
		ELSE
			INSERT INTO quizzes (title, questions, pass_percent,
			    max_attempts, time_limit_s, shuffle, grading)
			VALUES (quiz ->> 'title', quiz -> 'questions',
			    coalesce((quiz ->> 'pass_percent')::integer, 70),
			    coalesce((quiz ->> 'max_attempts')::integer, 0),
			    coalesce((quiz ->> 'time_limit_s')::integer, 0),
			    coalesce((quiz ->> 'shuffle')::boolean, false),
			    coalesce(quiz ->> 'grading', 'highest'))
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
