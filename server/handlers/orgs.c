/*
 * /api/v1/orgs (API §4). Admins and coordinators list every organisation
 * (their forms need them); trainees and reviewers see only their own, so
 * the list does not tell them who else trains here. Only admins create.
 */
#include "body.h"
#include "db.h"
#include "problem.h"

static int	orgs_list(struct req *);
static int	orgs_create(struct req *);

const struct route org_routes[] = {
	{ "GET", "/api/v1/orgs", orgs_list, ROUTE_AUTH },
	{ "POST", "/api/v1/orgs", orgs_create, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static int
orgs_list(struct req *r)
{
	struct page	p;

	if (req_page(r, &p) == -1)
		return (-1);
	return (db_reply(r, 200, "page",
	    "SELECT mt_page(json_agg(json_build_object('id', id, 'name', name)"
	    "                        ORDER BY id), $2)::text"
	    "  FROM (SELECT id, name FROM orgs WHERE id > $1"
	    "          AND ($3::bigint IS NULL OR id = $3)"
	    "        ORDER BY id LIMIT $2::int + 1) o",
	    3, req_id_text(r, p.after), req_id_text(r, p.limit),
	    (r->sess.role & ROLE_STAFF) ? NULL :
	    req_id_text(r, r->sess.org_id)));
}

static int
orgs_create(struct req *r)
{
	static const char *const fields[] = { "name", NULL };
	const char	*name;
	json_t		*b;

	if (require_role(r, ROLE_ADMIN) == -1 ||
	    (b = body_json(r, fields)) == NULL ||
	    body_string(r, b, "name", 1, 1, 200, &name) == -1)
		return (-1);
	return (db_reply(r, 201, "organisation",
	    "WITH o AS (INSERT INTO orgs (name) VALUES (btrim($1))"
	    "           RETURNING id, name),"
	    " a AS (INSERT INTO audit_log (actor_id, action, object_type,"
	    "       object_id, detail)"
	    "       SELECT $2, 'org.create', 'org', id,"
	    "              jsonb_build_object('name', name) FROM o)"
	    "SELECT json_build_object('id', id, 'name', name)::text FROM o",
	    2, name, req_caller_id(r)));
}
