/*
 * /api/v1/events and /api/v1/registrations (API §7): seminars, trainings
 * and study visits, registration with waitlist and approval, attendance,
 * and the iCalendar feeds. Every seat decision is made by the PL/pgSQL
 * functions of schema/030_events.sql under a lock on the event row, never
 * here: this file parses, authorises and passes one call to PostgreSQL.
 */
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "db.h"
#include "ical.h"
#include "problem.h"
#include "route.h"
#include "text.h"

static int	events_list(struct req *);
static int	events_get(struct req *);
static int	events_create(struct req *);
static int	events_update(struct req *);
static int	events_cancel(struct req *);
static int	events_calendar(struct req *);
static int	events_my_calendar(struct req *);
static int	registrations_create(struct req *);
static int	registrations_list(struct req *);
static int	registrations_approve(struct req *);
static int	registrations_reject(struct req *);
static int	registrations_cancel(struct req *);
static int	registrations_attendance(struct req *);

const struct route event_routes[] = {
	{ "GET", "/api/v1/events", events_list, ROUTE_AUTH },
	{ "POST", "/api/v1/events", events_create, ROUTE_AUTH },
	{ "GET", "/api/v1/events/{id}", events_get, ROUTE_AUTH },
	{ "PATCH", "/api/v1/events/{id}", events_update, ROUTE_AUTH },
	{ "POST", "/api/v1/events/{id}/cancel", events_cancel, ROUTE_AUTH },
	{ "GET", "/api/v1/events/{id}/calendar", events_calendar, ROUTE_AUTH },
	{ "POST", "/api/v1/events/{id}/registrations", registrations_create,
	    ROUTE_AUTH },
	{ "GET", "/api/v1/events/{id}/registrations", registrations_list,
	    ROUTE_AUTH },
	{ "POST", "/api/v1/registrations/{id}/approve", registrations_approve,
	    ROUTE_AUTH },
	{ "POST", "/api/v1/registrations/{id}/reject", registrations_reject,
	    ROUTE_AUTH },
	{ "DELETE", "/api/v1/registrations/{id}", registrations_cancel,
	    ROUTE_AUTH },
	{ "PUT", "/api/v1/registrations/{id}/attendance",
	    registrations_attendance, ROUTE_AUTH },
	{ "GET", "/api/v1/me/calendar", events_my_calendar, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static const char *const kinds[] = { "seminar", "training", "study_visit",
	NULL };
static const char *const reg_statuses[] = { "confirmed", "waitlisted",
	"pending", "rejected", "cancelled", NULL };
static const char *const attendances[] = { "attended", "partial", "no_show",
	NULL };
static const char *const event_fields[] = { "kind", "title", "description",
	"location", "country", "starts_at", "ends_at", "capacity",
	"registration_opens_at", "registration_closes_at", "requires_approval",
	NULL };

#define EVENT_CAPACITY_MAX	100000

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
	return (bad ? -1 : 0);
}

/* Answers the {"event"} or {"errors"} object of mt_event_save. */
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
	return (db_reply(r, 200, "page",
	    "SELECT mt_page(json_agg(event_json(e) ORDER BY e.starts_at, e.id),"
	    "       $2)::text"
	    "  FROM (SELECT * FROM events"
	    "        WHERE ($1::bigint = 0 OR (starts_at, id) >"
	    "               (SELECT starts_at, id FROM events WHERE id = $1))"
	    "          AND ($3::text IS NULL OR kind = $3)"
	    "          AND ($4::timestamptz IS NULL OR ends_at > $4::timestamptz)"
	    "          AND ($5::text IS NULL OR starts_at < CASE"
	    "               WHEN length($5) = 10 THEN ($5::date + 1)::timestamptz"
	    "               ELSE $5::timestamptz END)"
	    "        ORDER BY starts_at, id LIMIT $2::int + 1) e",
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
	res = db_query(r, "SELECT mt_event_save(NULL, $1::jsonb, $2)::text",
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
	res = db_query(r, "SELECT mt_event_save($1, $2::jsonb, $3)::text",
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

/* mt_register raises 'user_id: message' (422) for a user that cannot be
 * registered; it becomes a field error like the others. */
static void
field_from_detail(struct req *r, const char *field)
{
	size_t	n = strlen(field);
	char	msg[sizeof(r->problem.detail)];

	if (r->problem.status != 422 ||
	    strncmp(r->problem.detail, field, n) != 0 ||
	    strncmp(r->problem.detail + n, ": ", 2) != 0)
		return;
	snprintf(msg, sizeof(msg), "%s", r->problem.detail + n + 2);
	r->problem.status = 0;
	problem_field(r, field, msg);
}

static int
registrations_create(struct req *r)
{
	static const char *const fields[] = { "user_id", NULL };
	json_t		*b;
	int64_t		 id, user_id = 0;
	int		 present = 0, rc;

	if (req_param_id(r, 0, &id) == -1 ||
	    require_role(r, ROLE_STAFF | ROLE_TRAINEE) == -1)
		return (-1);
	/* The body is optional: a trainee registering needs none. */
	if (r->body_len > 0 || req_header(r, "Content-Type") != NULL) {
		if ((b = body_json(r, fields)) == NULL ||
		    body_int(r, b, "user_id", 0, 1, INT64_MAX, &user_id,
		    &present) == -1)
			return (-1);
	}
	if (!present)
		user_id = r->sess.user_id;
	if (r->sess.role == ROLE_TRAINEE && user_id != r->sess.user_id)
		return (problem_set(r, 403, NULL, "trainees register "
		    "themselves only"));
	rc = db_reply(r, 201, "registration",
	    "SELECT mt_register($1, $2, $3)::text",
	    3, req_id_text(r, id), req_id_text(r, user_id),
	    req_caller_id(r));
	if (rc == -1)
		field_from_detail(r, "user_id");
	return (rc);
}

/* Staff see every registration, reviewers those of their organisation's
 * users, trainees their own; ordered by id (arrival). */
static int
registrations_list(struct req *r)
{
	struct page	 p;
	const char	*status;
	int64_t		 id;

	if (req_param_id(r, 0, &id) == -1 || req_page(r, &p) == -1 ||
	    req_query_enum(r, "status", reg_statuses, &status) == -1)
		return (-1);
	return (db_reply(r, 200, "event",
	    "SELECT (SELECT mt_page(json_agg(registration_json(g)"
	    "                ORDER BY g.id), $3)"
	    "          FROM (SELECT g.* FROM registrations g"
	    "                WHERE g.event_id = $1 AND g.id > $2"
	    "                  AND ($4::text IS NULL OR g.status = $4)"
	    "                  AND mt_registration_visible(g, $5, $6, $7)"
	    "                ORDER BY g.id LIMIT $3::int + 1) g)::text"
	    " WHERE EXISTS (SELECT 1 FROM events WHERE id = $1)",
	    7, req_id_text(r, id), req_id_text(r, p.after), req_id_text(r, p.limit), status,
	    req_caller_id(r), role_name(r->sess.role),
	    req_id_text(r, r->sess.org_id)));
}

static int
registrations_decide(struct req *r, const char *approve)
{
	int64_t	id;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1)
		return (-1);
	return (db_reply(r, 200, "registration",
	    "SELECT mt_registration_decide($1, $2::boolean, $3)::text",
	    3, req_id_text(r, id), approve, req_caller_id(r)));
}

static int
registrations_approve(struct req *r)
{
	return (registrations_decide(r, "true"));
}

static int
registrations_reject(struct req *r)
{
	return (registrations_decide(r, "false"));
}

static int
registrations_cancel(struct req *r)
{
	int64_t	id;

	if (req_param_id(r, 0, &id) == -1)
		return (-1);
	return (db_reply(r, 200, "registration",
	    "SELECT mt_registration_cancel($1, $2, $3, $4)::text",
	    4, req_id_text(r, id), req_caller_id(r),
	    role_name(r->sess.role), req_id_text(r, r->sess.org_id)));
}

static int
registrations_attendance(struct req *r)
{
	static const char *const fields[] = { "status", NULL };
	const char	*status;
	json_t		*b;
	int64_t		 id;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL ||
	    body_enum(r, b, "status", 1, attendances, &status) == -1)
		return (-1);
	return (db_reply(r, 200, "registration",
	    "SELECT mt_registration_attendance($1, $2, $3)::text",
	    3, req_id_text(r, id), status, req_caller_id(r)));
}
