/*
 * Who is calling. A session row is found by the hash of the presented
 * token; mt_caller (schema/150_caller.sql) checks revocation, idle and
 * absolute expiry and the user's active flag. The hot read paths select
 * their answer in the same statement (session_reply), so they cost one
 * round trip; the other routes resolve the caller first. last_seen_at is
 * touched by a second statement, at most every tenth of the idle timeout,
 * to spare a write per request: as a data-modifying CTE, the UPDATE cost
 * PostgreSQL four times the lookup on every request, touching or not
 * (callgrind of the backend, issue 11).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "crypto.h"
#include "db.h"
#include "problem.h"
#include "session.h"

/* The idle and absolute limits as statement parameters, formatted once:
 * the configuration does not change while the server runs. */
static pthread_once_t	limits_once = PTHREAD_ONCE_INIT;
static char		idle_text[24], max_text[24];

static void
limits_format(void)
{
	snprintf(idle_text, sizeof(idle_text), "%ld", config.session_idle_s);
	snprintf(max_text, sizeof(max_text), "%ld", config.session_max_s);
}

static int
token_shaped(const char *t)
{
	size_t	i;

	if (strlen(t) != TOKEN_TEXT_LEN - 1)
		return (0);
	for (i = 0; t[i] != '\0'; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= '0' && t[i] <= '9') || t[i] == '-' || t[i] == '_'))
			return (0);
	return (1);
}

const char *
session_token(struct req *r, int *via_cookie)
{
	const char	*auth = req_header(r, "Authorization");

	*via_cookie = 0;
	if (auth != NULL) {
		if (strncasecmp(auth, "Bearer ", 7) != 0)
			return (NULL);
		auth += 7;
		while (*auth == ' ')
			auth++;
		return (auth);
	}
	*via_cookie = 1;
	return (req_cookie(r, "mt_session"));
}

/*
 * Runs sql, a statement over mt_caller($1, $2, $3) whose first columns
 * are CALLER_COLUMNS, with the token's hash and the limits as $1..$3 and
 * the n params after them; fills r->sess and touches the session when due.
 * The result, or NULL with 401 (no such caller) or the database's problem.
 */
static PGresult *
caller_query(struct req *r, const char *token, const char *sql, int n,
    const char *const *params)
{
	const char	*all[DB_PARAMS_MAX];
	char		 hash[TOKEN_HASH_HEX];
	PGresult	*res, *touch;
	int		 i;

	if (n + 3 > DB_PARAMS_MAX)
		abort();
	token_hash(token, hash);
	pthread_once(&limits_once, limits_format);
	all[0] = hash;
	all[1] = idle_text;
	all[2] = max_text;
	for (i = 0; i < n; i++)
		all[i + 3] = params[i];
	if ((res = db_queryv(r, sql, n + 3, all)) == NULL)
		return (NULL);
	if (PQntuples(res) != 1) {
		PQclear(res);
		problem_set(r, 401, NULL, "the session has expired or was "
		    "revoked; log in again");
		return (NULL);
	}
	if (strcmp(PQgetvalue(res, 0, 4), "t") == 0) {
		touch = db_query(r,
		    "UPDATE sessions SET last_seen_at = now()"
		    " WHERE id = $1 AND last_seen_at <"
		    "   now() - make_interval(secs => $2::int / 10.0)",
		    2, PQgetvalue(res, 0, 0), idle_text);
		if (touch == NULL) {
			PQclear(res);
			return (NULL);
		}
		PQclear(touch);
	}
	r->sess.id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	r->sess.user_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	r->sess.role = role_bit(PQgetvalue(res, 0, 2));
	r->sess.org_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	r->authed = 1;
	return (res);
}

/* The presented token when it has a token's shape; NULL with 401. */
static const char *
token_presented(struct req *r, int *via_cookie)
{
	const char	*token;

	/* Resolved afresh each time: a second call must not trust the first. */
	free(r->sess.user_json);
	r->sess.user_json = NULL;
	r->authed = 0;
	token = session_token(r, via_cookie);
	if (token == NULL || !token_shaped(token)) {
		problem_set(r, 401, NULL, "log in first");
		return (NULL);
	}
	r->sess.via_cookie = *via_cookie;
	return (token);
}

int
session_resolve(struct req *r)
{
	const char	*token, *csrf, *want_json;
	char		 expected[TOKEN_TEXT_LEN];
	PGresult	*res;
	int		 via_cookie;

	if ((token = token_presented(r, &via_cookie)) == NULL)
		return (-1);
	want_json = r->route != NULL && (r->route->flags & ROUTE_USER_JSON) ?
	    "true" : "false";
	res = caller_query(r, token,
	    "SELECT " CALLER_COLUMNS ","
	    "       CASE WHEN $4::boolean THEN user_json(c.usr)::text END"
	    "  FROM " CALLER_FROM, 1, &want_json);
	if (res == NULL)
		return (-1);
	/* Only the routes that answer with the caller pay for its JSON. */
	if (!PQgetisnull(res, 0, 5))
		r->sess.user_json = xstrdup(PQgetvalue(res, 0, 5));
	PQclear(res);
	/* A browser sends the cookie on its own; a write must prove it came
	 * from our page by echoing the CSRF token. */
	if (via_cookie && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0 && strcmp(r->method, "OPTIONS") != 0) {
		csrf = req_header(r, "X-CSRF-Token");
		csrf_for(token, expected);
		if (csrf == NULL || !secret_equal(csrf, expected))
			return (problem_set(r, 403, NULL, "a cookie session "
			    "needs the X-CSRF-Token header on writes"));
	}
	return (0);
}

int
session_reply(struct req *r, const char *what, const char *sql, int n, ...)
{
	const char	*params[DB_PARAMS_MAX], *token;
	PGresult	*res;
	va_list		 ap;
	int		 rc, via_cookie;

	va_start(ap, n);
	db_params(params, n, ap);
	va_end(ap);
	if ((token = token_presented(r, &via_cookie)) == NULL)
		return (-1);
	if ((res = caller_query(r, token, sql, n, params)) == NULL)
		return (-1);
	if (PQgetisnull(res, 0, 5))
		rc = problem_set(r, 404, NULL, "no such %s", what);
	else
		rc = reply_json_compact(r, 200, PQgetvalue(res, 0, 5),
		    (size_t)PQgetlength(res, 0, 5));
	PQclear(res);
	return (rc);
}
