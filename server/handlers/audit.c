/*
 * /api/v1/audit (API §11): the append-only record of every change, newest
 * first, for admins. Entries are written by the statements that make the
 * changes, in the same transaction; this file only reads them.
 */
#include "db.h"
#include "problem.h"

static int	audit_list(struct req *);

const struct route audit_routes[] = {
	{ "GET", "/api/v1/audit", audit_list, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static int
audit_list(struct req *r)
{
	struct page	 p;
	int64_t		 actor;
	const char	*action = req_query(r, "action");

	if (require_role(r, ROLE_ADMIN) == -1 || req_page(r, &p) == -1 ||
	    req_query_id(r, "actor_id", &actor) == -1)
		return (-1);
	if (action != NULL && *action == '\0')
		action = NULL;
	return (db_reply(r, 200, "page",
	    "SELECT mt_page(json_agg(json_build_object('id', id, 'at', mt_ts(at),"
	    "         'actor_id', actor_id, 'action', action,"
	    "         'object_type', object_type, 'object_id', object_id,"
	    "         'detail', detail) ORDER BY id DESC), $2)::text"
	    "  FROM (SELECT * FROM audit_log"
	    "        WHERE ($1::bigint = 0 OR id < $1)"
	    "          AND ($3::bigint IS NULL OR actor_id = $3)"
	    "          AND ($4::text IS NULL OR action = $4)"
	    "        ORDER BY id DESC LIMIT $2::int + 1) a",
	    4, req_id_text(r, p.after),
	    req_id_text(r, p.limit),
	    actor ? req_id_text(r, actor) : NULL, action));
}
