/*
 * /api/v1/users (API §4). Admins manage everyone; coordinators create
 * trainees and read everyone; reviewers read the users of their own
 * organisation; trainees read themselves. A user the caller may not see
 * is a 404, not a 403, so ids do not leak who exists.
 */
#include <string.h>

#include "body.h"
#include "crypto.h"
#include "db.h"
#include "problem.h"
#include "text.h"

static int	users_list(struct req *);
static int	users_get(struct req *);
static int	users_create(struct req *);
static int	users_create_resume(struct req *);
static int	users_update(struct req *);

const struct route user_routes[] = {
	{ "GET", "/api/v1/users", users_list, ROUTE_AUTH },
	{ "POST", "/api/v1/users", users_create, ROUTE_AUTH },
	{ "GET", "/api/v1/users/{id}", users_get, ROUTE_AUTH },
	{ "PATCH", "/api/v1/users/{id}", users_update, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static const char *const role_names[] = { "admin", "coordinator", "reviewer",
	"trainee", NULL };

static int
users_list(struct req *r)
{
	struct page	 p;
	int64_t		 org_id;
	const char	*role;

	if (require_role(r, ROLE_STAFF | ROLE_REVIEWER) == -1 ||
	    req_page(r, &p) == -1 || req_query_id(r, "org_id", &org_id) == -1 ||
	    req_query_enum(r, "role", role_names, &role) == -1)
		return (-1);
	if (r->sess.role == ROLE_REVIEWER) {
		if (org_id != 0 && org_id != r->sess.org_id)
			return (problem_set(r, 403, NULL, "reviewers see the "
			    "users of their own organisation only"));
		org_id = r->sess.org_id;
	}
	return (db_reply(r, 200, "page",
	    "SELECT mt_page(json_agg(user_json(u) ORDER BY u.id), $2)::text"
	    "  FROM (SELECT * FROM users"
	    "        WHERE id > $1 AND ($3::bigint IS NULL OR org_id = $3)"
	    "          AND ($4::text IS NULL OR role = $4)"
	    "        ORDER BY id LIMIT $2::int + 1) u",
	    4, req_id_text(r, p.after),
	    req_id_text(r, p.limit),
	    org_id ? req_id_text(r, org_id) : NULL, role));
}

static int
users_get(struct req *r)
{
	int64_t	id;

	if (req_param_id(r, 0, &id) == -1)
		return (-1);
	return (db_reply(r, 200, "user",
	    "SELECT user_json(u)::text FROM users u WHERE id = $1"
	    "   AND ($2 IN ('admin', 'coordinator')"
	    "        OR ($2 = 'reviewer' AND org_id = $3) OR id = $4)",
	    4, req_id_text(r, id), role_name(r->sess.role),
	    req_id_text(r, r->sess.org_id), req_caller_id(r)));
}

static int
users_create(struct req *r)
{
	static const char *const fields[] = { "email", "name", "role",
	    "org_id", "password", NULL };
	const char	*email, *name, *role, *password;
	int64_t		 org_id;
	json_t		*b;
	int		 bad;

	if (require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	bad = body_string(r, b, "email", 1, 3, 254, &email);
	bad |= body_string(r, b, "name", 1, 1, 200, &name);
	bad |= body_enum(r, b, "role", 1, role_names, &role);
	bad |= body_int(r, b, "org_id", 1, 1, INT64_MAX, &org_id, NULL);
	bad |= body_password(r, b, "password", &password);
	if (email != NULL && !email_text_valid(email))
		bad |= problem_field(r, "email", "is not an email address");
	if (bad)
		return (-1);
	if (r->sess.role == ROLE_COORDINATOR && strcmp(role, "trainee") != 0)
		return (problem_set(r, 403, NULL, "coordinators create "
		    "trainees only"));
	return (pwhash_submit(r, pwjob_new(NULL, NULL, password),
	    users_create_resume));
}

static int
users_create_resume(struct req *r)
{
	struct pwjob	*job = r->job;
	json_t		*b = r->json;

	if (!job->hashed)
		return (problem_set(r, 500, NULL, "could not hash the password"));
	return (db_reply(r, 201, "user",
	    "WITH u AS (INSERT INTO users (email, name, role, org_id,"
	    "           password_hash) VALUES ($1, btrim($2), $3, $4, $5)"
	    "           RETURNING *),"
	    " a AS (INSERT INTO audit_log (actor_id, action, object_type,"
	    "       object_id, detail)"
	    "       SELECT $6, 'user.create', 'user', id, jsonb_build_object("
	    "         'email', email, 'role', role, 'org_id', org_id) FROM u)"
	    "SELECT user_json(u)::text FROM u",
	    6, json_string_value(json_object_get(b, "email")),
	    json_string_value(json_object_get(b, "name")),
	    json_string_value(json_object_get(b, "role")),
	    req_strf(r, "%lld", (long long)json_integer_value(
	    json_object_get(b, "org_id"))), job->new_hash, req_caller_id(r)));
}

static int
users_update(struct req *r)
{
	static const char *const fields[] = { "name", "role", "org_id",
	    "active", "language", NULL };
	static const char *const languages[] = { "en", "lt", NULL };
	const char	*name, *role, *language;
	int64_t		 id, org_id;
	int		 active, has_org, has_active, bad, self;
	json_t		*b;

	if (req_param_id(r, 0, &id) == -1)
		return (-1);
	/* Anyone may change their own name and language (§13); the rest,
	 * and other people, are an admin's. */
	self = id == r->sess.user_id && r->sess.role != ROLE_ADMIN;
	if ((!self && require_role(r, ROLE_ADMIN) == -1) ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	if (self && (json_object_get(b, "role") != NULL ||
	    json_object_get(b, "org_id") != NULL ||
	    json_object_get(b, "active") != NULL))
		return (problem_set(r, 403, NULL, "only an admin may change "
		    "role, org_id or active"));
	bad = body_string(r, b, "name", 0, 1, 200, &name);
	bad |= body_enum(r, b, "role", 0, role_names, &role);
	bad |= body_int(r, b, "org_id", 0, 1, INT64_MAX, &org_id, &has_org);
	bad |= body_bool(r, b, "active", 0, &active, &has_active);
	bad |= body_enum(r, b, "language", 0, languages, &language);
	if (bad)
		return (-1);
	if (name == NULL && role == NULL && !has_org && !has_active &&
	    language == NULL)
		return (problem_set(r, 422, NULL, "nothing to change"));
	/* One statement: the change, revoking the sessions of a deactivated
	 * user, and the audit entries commit or fail together. */
	return (db_reply(r, 200, "user",
	    "WITH old AS (SELECT * FROM users WHERE id = $1 FOR UPDATE),"
	    " u AS (UPDATE users SET name = coalesce(btrim($2), users.name),"
	    "         role = coalesce($3, users.role),"
	    "         org_id = coalesce($4::bigint, users.org_id),"
	    "         active = coalesce($5::boolean, users.active),"
	    "         language = coalesce($8, users.language),"
	    "         updated_at = now()"
	    "       FROM old WHERE users.id = old.id RETURNING users.*),"
	    " revoked AS (UPDATE sessions SET revoked_at = now() FROM u"
	    "       WHERE sessions.user_id = u.id AND NOT u.active"
	    "         AND sessions.revoked_at IS NULL),"
	    " a AS (INSERT INTO audit_log (actor_id, action, object_type,"
	    "       object_id, detail)"
	    "       SELECT $6::bigint, 'user.update', 'user', u.id, $7::jsonb FROM u"
	    "       UNION ALL"
	    "       SELECT $6::bigint, 'user.role_change', 'user', u.id,"
	    "              jsonb_build_object('from', old.role, 'to', u.role)"
	    "         FROM u, old WHERE old.role <> u.role)"
	    "SELECT user_json(u)::text FROM u",
	    8, req_id_text(r, id), name, role,
	    has_org ? req_id_text(r, org_id) : NULL,
	    has_active ? (active ? "true" : "false") : NULL, req_caller_id(r),
	    body_text(r, b), language));
}
