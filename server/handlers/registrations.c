/*
 * /api/v1/events/{id}/registrations, /nominations and /api/v1/registrations
 * (API §7, §15): registration with waitlist and approval, nominations by
 * reviewers and coordinators, cancellation, attendance. Seats are decided
 * by mt_register_as and friends (schema/100_events2.sql) under the event
 * lock; this file parses, authorises and passes one call to PostgreSQL.
 */
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "db.h"
#include "problem.h"

static int	registrations_create(struct req *);
static int	registrations_list(struct req *);
static int	registrations_approve(struct req *);
static int	registrations_reject(struct req *);
static int	registrations_cancel(struct req *);
static int	registrations_attendance(struct req *);
static int	nominations_create(struct req *);

const struct route registration_routes[] = {
	{ "POST", "/api/v1/events/{id}/registrations", registrations_create,
	    ROUTE_AUTH },
	{ "GET", "/api/v1/events/{id}/registrations", registrations_list,
	    ROUTE_AUTH },
	{ "POST", "/api/v1/events/{id}/nominations", nominations_create,
	    ROUTE_AUTH },
	{ "POST", "/api/v1/registrations/{id}/approve", registrations_approve,
	    ROUTE_AUTH },
	{ "POST", "/api/v1/registrations/{id}/reject", registrations_reject,
	    ROUTE_AUTH },
	{ "DELETE", "/api/v1/registrations/{id}", registrations_cancel,
	    ROUTE_AUTH },
	{ "PUT", "/api/v1/registrations/{id}/attendance",
	    registrations_attendance, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static const char *const reg_statuses[] = { "confirmed", "waitlisted",
	"pending", "rejected", "cancelled", NULL };
static const char *const attendances[] = { "attended", "partial", "no_show",
	NULL };

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

/* A reviewer nominates users of their own organisation (checked under the
 * lock by mt_nominate, so a user moved between organisations meanwhile is
 * judged as they are); coordinators nominate anyone. */
static int
nominations_create(struct req *r)
{
	static const char *const fields[] = { "user_id", "note", NULL };
	const char	*note;
	json_t		*b;
	int64_t		 id, user_id;
	int		 rc;

	if (req_param_id(r, 0, &id) == -1 ||
	    require_role(r, ROLE_STAFF | ROLE_REVIEWER) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	if ((body_int(r, b, "user_id", 1, 1, INT64_MAX, &user_id, NULL) |
	    body_string(r, b, "note", 0, 0, 2000, &note)) != 0)
		return (-1);
	rc = db_reply(r, 201, "registration",
	    "SELECT mt_nominate($1, $2, $3, $4, $5, $6)::text",
	    6, req_id_text(r, id), req_id_text(r, user_id), note,
	    req_caller_id(r), role_name(r->sess.role),
	    req_id_text(r, r->sess.org_id));
	if (rc == -1)
		field_from_detail(r, "user_id");
	return (rc);
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
