/*
 * /api/v1/events (API §7, §15, §16): seminars, trainings and study visits
 * with their reserved seats, tests and evaluation questions, and the
 * iCalendar feeds. Registrations live in registrations.c, evaluations and
 * the report in evaluations.c. Every seat decision is made by the PL/pgSQL
 * functions of schema/030_events.sql and 100_events2.sql under a lock on
 * the event row, never here: this file parses, authorises and passes one
 * call to PostgreSQL.
 */
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "db.h"
#include "ical.h"
#include "problem.h"
#include "route.h"
#include "session.h"
#include "text.h"

static int	events_list(struct req *);
static int	events_get(struct req *);
static int	events_create(struct req *);
static int	events_update(struct req *);
static int	events_cancel(struct req *);
static int	events_calendar(struct req *);
static int	events_my_calendar(struct req *);

const struct route event_routes[] = {
	{ "GET", "/api/v1/events", events_list,
	    ROUTE_AUTH | ROUTE_CALLER_IN_SQL },
	{ "POST", "/api/v1/events", events_create, ROUTE_AUTH },
	{ "GET", "/api/v1/events/{id}", events_get, ROUTE_AUTH },
	{ "PATCH", "/api/v1/events/{id}", events_update, ROUTE_AUTH },
	{ "POST", "/api/v1/events/{id}/cancel", events_cancel, ROUTE_AUTH },
	{ "GET", "/api/v1/events/{id}/calendar", events_calendar, ROUTE_AUTH },
	{ "GET", "/api/v1/me/calendar", events_my_calendar, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static const char *const kinds[] = { "seminar", "training", "study_visit",
	NULL };
static const char *const event_fields[] = { "kind", "title", "description",
	"location", "country", "starts_at", "ends_at", "capacity",
	"registration_opens_at", "registration_closes_at", "requires_approval",
	"quotas", "quota_release_at", "pre_quiz_id", "post_quiz_id",
	"evaluation", NULL };

#define EVENT_CAPACITY_MAX	100000

/* A field that must be a JSON array when present (null: absent). */
static int
field_array(struct req *r, json_t *b, const char *key)
{
	json_t	*v = json_object_get(b, key);

	if (v == NULL || json_is_null(v) || json_is_array(v))
		return (0);
	return (problem_field(r, key, "must be an array"));
}

/*
 * Checks each field of an event body on its own: types, lengths, shapes.
 * Rules that join fields (end after start, the registration window) are
 * checked by mt_event_save on the merged values. 0 or -1.
 */
static int
event_fields_valid(struct req *r, json_t *b, int creating)
{
	const char	*s;
	int64_t		 n;
	int		 bad, v;

	bad = body_enum(r, b, "kind", creating, kinds, &s);
	bad |= body_string(r, b, "title", creating, 1, 200, &s);
	if (s != NULL && s[strspn(s, " \t\r\n")] == '\0')
		bad |= problem_field(r, "title", "must not be blank");
	bad |= body_string(r, b, "description", 0, 0, 10000, &s);
	bad |= body_string(r, b, "location", creating, 1, 200, &s);
	if (s != NULL && s[strspn(s, " \t\r\n")] == '\0')
		bad |= problem_field(r, "location", "must not be blank");
	bad |= body_string(r, b, "country", creating, 2, 2, &s);
	if (s != NULL && (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' ||
	    s[1] < 'A' || s[1] > 'Z'))
		bad |= problem_field(r, "country", "must be an ISO 3166-1 "
		    "alpha-2 code in upper case, e.g. CH");
	bad |= body_time(r, b, "starts_at", creating, &s);
	bad |= body_time(r, b, "ends_at", creating, &s);
	bad |= body_int(r, b, "capacity", creating, 1, EVENT_CAPACITY_MAX, &n,
	    NULL);
	bad |= body_time(r, b, "registration_opens_at", 0, &s);
	bad |= body_time(r, b, "registration_closes_at", 0, &s);
	bad |= body_bool(r, b, "requires_approval", 0, &v, NULL);
	/* §15/§16: shapes here, contents (organisations, quizzes, seats
	 * against capacity) in mt_event_extras_errors. */
	bad |= body_time(r, b, "quota_release_at", 0, &s);
	bad |= body_int(r, b, "pre_quiz_id", 0, 1, INT64_MAX, &n, NULL);
	bad |= body_int(r, b, "post_quiz_id", 0, 1, INT64_MAX, &n, NULL);
	bad |= field_array(r, b, "quotas");
	bad |= field_array(r, b, "evaluation");
	return (bad ? -1 : 0);
}

/* Answers the {"event"} or {"errors"} object of mt_event_save_all. */
static int
event_save_reply(struct req *r, unsigned status, PGresult *res)
{
	json_t		*o, *errs, *e, *ev;
	size_t		 i;
	int		 rc;

	if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return (problem_set(r, 404, NULL, "no such event"));
	}
	o = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	if (o == NULL)
		return (problem_set(r, 500, NULL, "the server failed to answer"));
	if ((errs = json_object_get(o, "errors")) != NULL) {
		json_array_foreach(errs, i, e)
			problem_field(r, json_string_value(json_object_get(e,
			    "field")), json_string_value(json_object_get(e,
			    "message")));
		json_decref(o);
		return (-1);
	}
	ev = json_incref(json_object_get(o, "event"));
	json_decref(o);
	rc = reply_json_new(r, status, ev);
	return (rc);
}

/* Ordered by start time, then id (keyset on both; the cursor names the
 * last event of the page). `from`/`to` select events overlapping the
 * range; a plain date as `to` includes that whole day. */
static int
events_list(struct req *r)
{
	struct page	 p;
	const char	*kind, *from, *to;

	if (req_page(r, &p) == -1 || req_query_enum(r, "kind", kinds,
	    &kind) == -1 || req_query_time(r, "from", &from) == -1 ||
	    req_query_time(r, "to", &to) == -1)
		return (-1);
	/*
	 * One statement planned once per connection: each event is the text
	 * stored in its row around its live counts and quotas, which are
	 * this statement's own subqueries (schema/130_perf2.sql): both
	 * counts in one scan, the quotas only for events that have some
	 * (155_event_list.sql). The page is joined as text, compact. The
	 * cursor names the last event of the page.
	 */
	return (session_reply(r, "page",
	    "SELECT " CALLER_COLUMNS ", (SELECT mt_page_text("
	    "  string_agg(mt_event_text(p.json_head, k.confirmed, k.waitlisted,"
	    "    CASE WHEN p.has_quotas THEN (SELECT coalesce(array_to_json(array_agg("
	    "      ROW(q.org_id, q.seats,"
	    "        (SELECT count(*) FROM registrations g"
	    "          WHERE g.event_id = q.event_id AND g.status = 'confirmed'"
	    "            AND g.seat_org_id = q.org_id))::mt_quota_out"
	    "        ORDER BY q.org_id)), '[]')"
	    "      FROM event_quotas q WHERE q.event_id = p.id) ELSE '[]' END,"
	    "    p.json_tail), ',' ORDER BY p.n) FILTER (WHERE p.n <= $5),"
	    "  CASE WHEN max(p.n) > $5 THEN"
	    "    mt_cursor(max(p.id) FILTER (WHERE p.n = $5)) END)"
	    "  FROM (SELECT id, json_head, json_tail, has_quotas,"
	    "               row_number() OVER (ORDER BY starts_at, id) AS n"
	    "          FROM events"
	    "        WHERE ($4::bigint = 0 OR (starts_at, id) >"
	    "               (SELECT starts_at, id FROM events WHERE id = $4))"
	    "          AND ($6::text IS NULL OR kind = $6)"
	    "          AND ($7::timestamptz IS NULL OR ends_at > $7::timestamptz)"
	    "          AND ($8::text IS NULL OR starts_at < CASE"
	    "               WHEN length($8) = 10 THEN ($8::date + 1)::timestamptz"
	    "               ELSE $8::timestamptz END)"
	    "        ORDER BY starts_at, id LIMIT $5::int + 1) p"
	    "  CROSS JOIN LATERAL (SELECT"
	    "         count(*) FILTER (WHERE g.status = 'confirmed') AS confirmed,"
	    "         count(*) FILTER (WHERE g.status = 'waitlisted') AS waitlisted"
	    "         FROM registrations g WHERE g.event_id = p.id"
	    "          AND g.status IN ('confirmed', 'waitlisted')) k)"
	    "  FROM " CALLER_FROM,
	    5, req_id_text(r, p.after), req_id_text(r, p.limit), kind, from, to));
}

static int
events_get(struct req *r)
{
	int64_t	id;

	if (req_param_id(r, 0, &id) == -1)
		return (-1);
	return (db_reply(r, 200, "event",
	    "SELECT event_json(e)::text FROM events e WHERE id = $1",
	    1, req_id_text(r, id)));
}

static int
events_create(struct req *r)
{
	json_t		*b;
	PGresult	*res;

	if (require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, event_fields)) == NULL ||
	    event_fields_valid(r, b, 1) == -1)
		return (-1);
	res = db_query(r, "SELECT mt_event_save_all(NULL, $1::jsonb, $2)::text",
	    2, body_text(r, b), req_caller_id(r));
	if (res == NULL)
		return (-1);
	return (event_save_reply(r, 201, res));
}

static int
events_update(struct req *r)
{
	json_t		*b;
	PGresult	*res;
	int64_t		 id;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, event_fields)) == NULL ||
	    event_fields_valid(r, b, 0) == -1)
		return (-1);
	if (json_object_size(b) == 0)
		return (problem_set(r, 422, NULL, "nothing to change"));
	res = db_query(r, "SELECT mt_event_save_all($1, $2::jsonb, $3)::text",
	    3, req_id_text(r, id), body_text(r, b), req_caller_id(r));
	if (res == NULL)
		return (-1);
	return (event_save_reply(r, 200, res));
}

static int
events_cancel(struct req *r)
{
	int64_t	id;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1)
		return (-1);
	return (db_reply(r, 200, "event",
	    "SELECT mt_event_cancel($1, $2)::text",
	    2, req_id_text(r, id), req_caller_id(r)));
}

/* Turns the rows of a calendar query into an RFC 5545 answer. Columns:
 * uid, sequence, starts, ends, created, modified (Unix seconds), title,
 * description, location, kind, cancelled, dtstamp. */
static int
calendar_reply(struct req *r, PGresult *res)
{
	struct buf		 b = { NULL, 0, 0 };
	struct ical_event	 e;
	int64_t			 dtstamp = 0;
	int			 i, rc;

	ical_begin(&b);
	for (i = 0; i < PQntuples(res); i++) {
		memset(&e, 0, sizeof(e));
		e.uid = PQgetvalue(res, i, 0);
		e.sequence = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		e.starts = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		e.ends = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		e.created = strtoll(PQgetvalue(res, i, 4), NULL, 10);
		e.modified = strtoll(PQgetvalue(res, i, 5), NULL, 10);
		e.summary = PQgetvalue(res, i, 6);
		e.description = PQgetvalue(res, i, 7);
		e.location = PQgetvalue(res, i, 8);
		e.category = PQgetvalue(res, i, 9);
		e.cancelled = strcmp(PQgetvalue(res, i, 10), "t") == 0;
		dtstamp = strtoll(PQgetvalue(res, i, 11), NULL, 10);
		ical_event(&b, &e, dtstamp);
	}
	ical_end(&b);
	PQclear(res);
	rc = reply_body(r, 200, "text/calendar; charset=utf-8", b.data, b.len);
	buf_free(&b);
	return (rc);
}

static int
events_calendar(struct req *r)
{
	PGresult	*res;
	int64_t		 id;

	if (req_param_id(r, 0, &id) == -1)
		return (-1);
	res = db_query(r,
	    "SELECT uid, sequence, extract(epoch FROM starts_at)::bigint,"
	    "       extract(epoch FROM ends_at)::bigint,"
	    "       floor(extract(epoch FROM created_at))::bigint,"
	    "       floor(extract(epoch FROM updated_at))::bigint,"
	    "       title, description, location || ', ' || country,"
	    "       upper(kind), status = 'cancelled',"
	    "       floor(extract(epoch FROM now()))::bigint"
	    "  FROM events WHERE id = $1",
	    1, req_id_text(r, id));
	if (res == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (problem_set(r, 404, NULL, "no such event"));
	}
	return (calendar_reply(r, res));
}

/* The caller's confirmed events, cancelled ones included (they say
 * STATUS:CANCELLED, so calendar clients take them off). */
static int
events_my_calendar(struct req *r)
{
	return (events_calendar_for(r, req_caller_id(r)));
}

int
events_calendar_for(struct req *r, const char *user_id)
{
	PGresult	*res;

	res = db_query(r,
	    "SELECT uid, sequence, extract(epoch FROM starts_at)::bigint,"
	    "       extract(epoch FROM ends_at)::bigint,"
	    "       floor(extract(epoch FROM created_at))::bigint,"
	    "       floor(extract(epoch FROM updated_at))::bigint,"
	    "       title, description, location || ', ' || country,"
	    "       upper(kind), status = 'cancelled',"
	    "       floor(extract(epoch FROM now()))::bigint"
	    "  FROM events e WHERE EXISTS (SELECT 1 FROM registrations g"
	    "        WHERE g.event_id = e.id AND g.user_id = $1"
	    "          AND g.status = 'confirmed')"
	    " ORDER BY starts_at, id",
	    1, user_id);
	if (res == NULL)
		return (-1);
	return (calendar_reply(r, res));
}
