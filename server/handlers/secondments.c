/*
 * /api/v1/secondments (API §8). Coordinators and admins write; everyone
 * reads within the records scope of scope.c (trainee own, reviewer own
 * organisation, staff all). The country list, the date rule and the
 * no-overlap rule live in schema/040_secondments.sql; this file checks
 * shapes and passes the body on.
 */
#include <string.h>

#include "body.h"
#include "db.h"
#include "problem.h"
#include "scope.h"

static int	secondments_list(struct req *);
static int	secondments_get(struct req *);
static int	secondments_create(struct req *);
static int	secondments_update(struct req *);

const struct route secondment_routes[] = {
	{ "GET", "/api/v1/secondments", secondments_list, ROUTE_AUTH },
	{ "POST", "/api/v1/secondments", secondments_create, ROUTE_AUTH },
	{ "GET", "/api/v1/secondments/{id}", secondments_get, ROUTE_AUTH },
	{ "PATCH", "/api/v1/secondments/{id}", secondments_update, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static const char *const statuses[] = { "planned", "active", "completed",
	"cancelled", NULL };

/* ISO 3166-1 alpha-2 as the contract spells it: two upper-case letters.
 * "de" is refused rather than normalised (see the schema). */
static int
country_shape(const char *s)
{
	return (s != NULL && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' &&
	    s[1] >= 'A' && s[1] <= 'Z');
}

/* The field checks shared by create (required) and update (optional). */
static int
secondment_fields(struct req *r, json_t *b, int required)
{
	const char	*inst, *country, *starts, *ends, *purpose, *status;
	const char	*report;
	int		 bad;

	bad = body_string(r, b, "host_institution", required, 1, 200, &inst);
	bad |= body_string(r, b, "host_country", required, 2, 2, &country);
	bad |= body_date(r, b, "starts_on", required, &starts);
	bad |= body_date(r, b, "ends_on", required, &ends);
	bad |= body_string(r, b, "purpose", 0, 0, 2000, &purpose);
	bad |= body_enum(r, b, "status", 0, statuses, &status);
	bad |= body_string(r, b, "report", 0, 0, 20000, &report);
	if (country != NULL && !country_shape(country))
		bad |= problem_field(r, "host_country", "must be an upper-case "
		    "ISO 3166-1 alpha-2 code of an EU or EEA member state");
	if (starts != NULL && ends != NULL && strcmp(ends, starts) < 0)
		bad |= problem_field(r, "ends_on", "must not be before "
		    "starts_on");
	return (bad ? -1 : 0);
}

static int
secondments_create(struct req *r)
{
	static const char *const fields[] = { "user_id", "host_institution",
	    "host_country", "starts_on", "ends_on", "purpose", "status",
	    "report", NULL };
	json_t	*b;
	int64_t	 user_id;
	int	 bad;

	if (require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	bad = body_int(r, b, "user_id", 1, 1, INT64_MAX, &user_id, NULL);
	bad |= secondment_fields(r, b, 1);
	if (bad)
		return (-1);
	return (db_reply(r, 201, "secondment",
	    "SELECT mt_secondment_save($1, NULL, $2::jsonb)::text", 2,
	    scope_param(r, r->sess.user_id), body_text(r, b)));
}

static int
secondments_update(struct req *r)
{
	static const char *const fields[] = { "host_institution",
	    "host_country", "starts_on", "ends_on", "purpose", "status",
	    "report", NULL };
	json_t	*b;
	int64_t	 id;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	if (secondment_fields(r, b, 0) == -1)
		return (-1);
	if (json_object_size(b) == 0)
		return (problem_set(r, 422, NULL, "nothing to change"));
	return (db_reply(r, 200, "secondment",
	    "SELECT mt_secondment_save($1, $2, $3::jsonb)::text", 3,
	    scope_param(r, r->sess.user_id), scope_param(r, id),
	    body_text(r, b)));
}

static int
secondments_list(struct req *r)
{
	struct page	 p;
	int64_t		 org_id, user_id;
	const char	*status, *country;

	if (req_page(r, &p) == -1 || req_query_id(r, "org_id", &org_id) == -1 ||
	    req_query_id(r, "user_id", &user_id) == -1 ||
	    req_query_enum(r, "status", statuses, &status) == -1)
		return (-1);
	country = req_query(r, "country");
	if (country != NULL && *country == '\0')
		country = NULL;
	if (country != NULL && !country_shape(country))
		return (problem_set(r, 400, NULL, "query parameter country "
		    "must be an upper-case ISO 3166-1 alpha-2 code"));
	if (scope_records(r, &org_id, &user_id) == -1)
		return (-1);
	return (db_reply(r, 200, "page",
	    "SELECT mt_page(json_agg(secondment_json(s) ORDER BY s.id), $2)::text"
	    "  FROM (SELECT s.* FROM secondments s JOIN users u ON u.id = s.user_id"
	    "        WHERE s.id > $1"
	    "          AND ($3::bigint IS NULL OR u.org_id = $3)"
	    "          AND ($4::bigint IS NULL OR s.user_id = $4)"
	    "          AND ($5::text IS NULL OR s.status = $5)"
	    "          AND ($6::text IS NULL OR s.host_country = $6)"
	    "        ORDER BY s.id LIMIT $2::int + 1) s",
	    6, req_id_text(r, p.after),
	    req_id_text(r, p.limit), scope_param(r, org_id),
	    scope_param(r, user_id), status, country));
}

/* One secondment; outside the caller's scope it does not exist (404). */
static int
secondments_get(struct req *r)
{
	int64_t	id, org_id = 0, user_id = 0;

	if (req_param_id(r, 0, &id) == -1 ||
	    scope_records(r, &org_id, &user_id) == -1)
		return (-1);
	return (db_reply(r, 200, "secondment",
	    "SELECT secondment_json(s)::text FROM secondments s"
	    "  JOIN users u ON u.id = s.user_id WHERE s.id = $1"
	    "   AND ($2::bigint IS NULL OR u.org_id = $2)"
	    "   AND ($3::bigint IS NULL OR s.user_id = $3)",
	    3, scope_param(r, id), scope_param(r, org_id),
	    scope_param(r, user_id)));
}
