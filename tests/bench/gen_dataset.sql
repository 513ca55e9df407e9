-- Benchmark data set for the records endpoints (issue 6), generated in SQL on
-- a migrated database that already holds one user made by the CLI, whose
-- real argon2id hash every generated user shares (hashing 100,000 passwords
-- would take hours and measure nothing):
--   20 organisations, 100,000 officials (trainees), 50 courses each with a
--   quiz module, 500,000 enrolments (5 per official, ~60 % completed, each
--   completed one with its certificate), 100,000 submitted quiz attempts,
--   200 events with 50,000 registrations, 10,000 secondments.
-- Run: psql "$CONNINFO" -v ON_ERROR_STOP=1 -f tests/bench/gen_dataset.sql

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT setseed(0.42);

BEGIN;

INSERT INTO orgs (name)
SELECT format('Bench Ministry %s', lpad(g::text, 2, '0'))
  FROM generate_series(1, 20) g;

CREATE TEMP TABLE bench_orgs AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
  FROM orgs WHERE name LIKE 'Bench Ministry %';

INSERT INTO users (email, name, role, org_id, password_hash)
SELECT format('official%s@bench.example', g),
       format('Official %s, %s', g, (ARRAY['Anna', 'Jean-Luc', 'Zoë',
           'O''Brien', '"Kim"', 'Łukasz'])[1 + g % 6]),
       'trainee', o.id,
       (SELECT password_hash FROM users ORDER BY id LIMIT 1)
  FROM generate_series(1, 100000) g
  JOIN bench_orgs o ON o.n = g % 20;

CREATE TEMP TABLE bench_users AS
SELECT id, row_number() OVER (ORDER BY id) AS n
  FROM users WHERE email LIKE 'official%@bench.example';

INSERT INTO courses (slug, title, audience, published)
SELECT format('gen-course-%s', g), format('Bench course %s: borders, visas', g),
       '{all}', true
  FROM generate_series(1, 50) g;

CREATE TEMP TABLE bench_courses AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
  FROM courses WHERE slug LIKE 'gen-course-%';

INSERT INTO quizzes (title, questions)
SELECT format('Bench quiz %s', n), '[{"id": 1}]' FROM bench_courses;

INSERT INTO modules (course_id, position, title, kind, quiz_id)
SELECT c.id, 1, 'Final quiz', 'quiz', q.id
  FROM bench_courses c
  JOIN quizzes q ON q.title = format('Bench quiz %s', c.n);

-- 5 distinct courses per official: (7u + 13k) mod 50, k = 0..4.
INSERT INTO enrollments (user_id, course_id, enrolled_at, completed_at)
SELECT u.id, c.id, t.enrolled,
       CASE WHEN random() < 0.6 THEN t.enrolled + (1 + random() * 60) * interval '1 day' END
  FROM bench_users u
  CROSS JOIN generate_series(0, 4) k
  JOIN bench_courses c ON c.n = (7 * u.n + 13 * k) % 50
  -- (the u.n * 0 makes the subquery correlated: one random() per row)
  CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01' +
      (random() * 365 + u.n * 0) * interval '1 day' AS enrolled) t;

INSERT INTO certificates (code, enrollment_id, user_id, course_id, holder_name,
    course_title, completed_at, issued_at, kid, credential)
SELECT lpad(upper(to_hex(e.id)), 12, '0'), e.id, e.user_id, e.course_id,
       'Holder', 'Course', e.completed_at, e.completed_at, 'bench', 'a.b.c'
  FROM enrollments e
  JOIN bench_users u ON u.id = e.user_id
 WHERE e.completed_at IS NOT NULL;

-- One submitted attempt for the first enrolment of every official.
INSERT INTO attempts (quiz_id, user_id, started_at, questions, submitted_at,
    score, max_score, percent, passed, review)
SELECT m.quiz_id, e.user_id, e.enrolled_at, '[]', e.enrolled_at + interval '1 hour',
       p, 100, p, p >= 70, '[]'
  FROM (SELECT DISTINCT ON (user_id) * FROM enrollments
          WHERE user_id IN (SELECT id FROM bench_users)
          ORDER BY user_id, id) e
  JOIN modules m ON m.course_id = e.course_id AND m.kind = 'quiz'
  CROSS JOIN LATERAL (SELECT round((random() * 100 + e.id * 0)::numeric, 1)
      AS p) r;

INSERT INTO events (kind, title, location, country, starts_at, ends_at,
    capacity, registration_opens_at, registration_closes_at)
SELECT (ARRAY['seminar', 'training', 'study_visit'])[1 + g % 3],
       format('Bench event %s', g), 'Vienna', 'AT',
       timestamptz '2025-06-01' + g * interval '1 day',
       timestamptz '2025-06-01' + g * interval '1 day' + interval '8 hours',
       1000, timestamptz '2025-01-01', timestamptz '2025-05-31'
  FROM generate_series(1, 200) g;

CREATE TEMP TABLE bench_events AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
  FROM events WHERE title LIKE 'Bench event %';

INSERT INTO registrations (event_id, user_id, status, attendance)
SELECT ev.id, u.id, 'confirmed',
       (ARRAY['attended', 'attended', 'partial', 'no_show', NULL])[1 + u.n % 5]
  FROM bench_users u
  JOIN bench_events ev ON ev.n = u.n % 200
 WHERE u.n <= 50000;

-- 10,000 officials with one secondment each (so no overlaps).
INSERT INTO secondments (user_id, host_institution, host_country, starts_on,
    ends_on, purpose, status, created_by)
SELECT u.id, format('Host institution %s', u.n), c.code,
       date '2025-01-01' + (u.n % 300)::int,
       date '2025-01-01' + (u.n % 300)::int + 30,
       'Exchange of practice',
       (ARRAY['planned', 'active', 'completed', 'cancelled'])[1 + u.n % 4],
       (SELECT id FROM users ORDER BY id LIMIT 1)
  FROM bench_users u
  JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS n
          FROM eu_eea_countries) c ON c.n = u.n % 30
 WHERE u.n % 10 = 0;

COMMIT;

ANALYZE;

SELECT (SELECT count(*) FROM orgs WHERE name LIKE 'Bench%') AS orgs,
       (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM enrollments) AS enrollments,
       (SELECT count(*) FROM certificates) AS certificates,
       (SELECT count(*) FROM attempts) AS attempts,
       (SELECT count(*) FROM registrations) AS registrations,
       (SELECT count(*) FROM secondments) AS secondments;
