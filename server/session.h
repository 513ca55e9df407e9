/* Sessions in PostgreSQL: resolving the caller of a request from a bearer
 * token or the mt_session cookie, with idle and absolute expiry. */
#ifndef MIGTRAIN_SESSION_H
#define MIGTRAIN_SESSION_H

#include "http.h"

/* Fills r->sess and sets r->authed; 401/403 (CSRF) otherwise. */
int	session_resolve(struct req *) WARN_UNUSED;
/*
 * The hot read paths (routes flagged ROUTE_CALLER_IN_SQL) answer in one
 * round trip: their statement selects from mt_caller, whose parameters
 * are $1..$3, and begins with its columns; the answer is column 5 (NULL:
 * 404 "no such <what>"), and the handler's own parameters are $4 on:
 *   session_reply(r, "course",
 *       "SELECT " CALLER_COLUMNS ", (SELECT ... WHERE id = $4 AND
 *        (published OR c.staff)) FROM " CALLER_FROM, 1, id);
 * Fills r->sess as session_resolve does, or answers 401. For GET only: it
 * checks no CSRF token.
 */
#define CALLER_COLUMNS	"c.session_id, c.user_id, c.role, c.org_id, c.touch_due"
#define CALLER_FROM	"mt_caller(decode($1, 'hex'), $2::int, $3::int) c"
int	session_reply(struct req *, const char *what, const char *sql, int n,
	    ...) WARN_UNUSED;
/* The token the request presented, or NULL; *via_cookie tells which. */
const char *session_token(struct req *, int *via_cookie);

#endif
