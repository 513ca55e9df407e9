-- Quizzes (a parsed GIFT question bank) and attempts (API §6).

CREATE TABLE quizzes (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title		text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
	pass_percent	integer NOT NULL DEFAULT 70 CHECK (pass_percent BETWEEN 0 AND 100),
	max_attempts	integer NOT NULL DEFAULT 0 CHECK (max_attempts >= 0),
	time_limit_s	integer NOT NULL DEFAULT 0 CHECK (time_limit_s >= 0),
	shuffle		boolean NOT NULL DEFAULT false,
	grading		text NOT NULL DEFAULT 'highest'
			    CHECK (grading IN ('highest', 'first', 'last', 'average')),
	questions	jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array'),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE modules ADD FOREIGN KEY (quiz_id) REFERENCES quizzes;

CREATE TABLE attempts (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	quiz_id		bigint NOT NULL REFERENCES quizzes,
	user_id		bigint NOT NULL REFERENCES users,
	started_at	timestamptz NOT NULL DEFAULT now(),
	deadline	timestamptz,
	submitted_at	timestamptz,
	answers		jsonb NOT NULL DEFAULT '{}',
	score		numeric,
	max_score	numeric,
	percent		numeric CHECK (percent BETWEEN 0 AND 100),
	passed		boolean
);
CREATE INDEX attempts_user_quiz_idx ON attempts (user_id, quiz_id, id);
