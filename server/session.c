/*
 * Who is calling. A session row is found by the hash of the presented
 * token; the same statement checks revocation, idle and absolute expiry
 * and the user's active flag and returns the user as JSON, so an
 * authenticated request costs one round trip. last_seen_at is touched by
 * a second statement, at most every tenth of the idle timeout, to spare a
 * write per request: as a data-modifying CTE of the first, the UPDATE
 * cost PostgreSQL four times the lookup on every request, touching or
 * not (callgrind of the backend, issue 11).
 */
#include <pthread.h>
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

int
session_resolve(struct req *r)
{
	const char	*token, *csrf;
	char		 hash[TOKEN_HASH_HEX], expected[TOKEN_TEXT_LEN];
	PGresult	*res, *touch;
	int		 via_cookie;

	/* Resolved afresh each time: a second call must not trust the first. */
	free(r->sess.user_json);
	r->sess.user_json = NULL;
	r->authed = 0;
	token = session_token(r, &via_cookie);
	if (token == NULL || !token_shaped(token))
		return (problem_set(r, 401, NULL, "log in first"));
	token_hash(token, hash);
	pthread_once(&limits_once, limits_format);
	res = db_query(r,
	    "SELECT s.id, u.id, u.role, u.org_id,"
	    "       CASE WHEN $4::boolean THEN user_json(u)::text END,"
	    "       s.last_seen_at < now() - make_interval(secs => $2::int / 10.0)"
	    "  FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.token_hash = decode($1, 'hex') AND s.revoked_at IS NULL"
	    "   AND s.last_seen_at > now() - make_interval(secs => $2::int)"
	    "   AND s.created_at > now() - make_interval(secs => $3::int)"
	    "   AND u.active",
	    4, hash, idle_text, max_text, r->route != NULL &&
	    (r->route->flags & ROUTE_USER_JSON) ? "true" : "false");
	if (res == NULL)
		return (-1);
	if (PQntuples(res) != 1) {
		PQclear(res);
		return (problem_set(r, 401, NULL, "the session has expired or "
		    "was revoked; log in again"));
	}
	if (strcmp(PQgetvalue(res, 0, 5), "t") == 0) {
		touch = db_query(r,
		    "UPDATE sessions SET last_seen_at = now()"
		    " WHERE id = $1 AND last_seen_at <"
		    "   now() - make_interval(secs => $2::int / 10.0)",
		    2, PQgetvalue(res, 0, 0), idle_text);
		if (touch == NULL) {
			PQclear(res);
			return (-1);
		}
		PQclear(touch);
	}
	r->sess.id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	r->sess.user_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	r->sess.role = role_bit(PQgetvalue(res, 0, 2));
	r->sess.org_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	/* Only the routes that answer with the caller pay for its JSON. */
	if (!PQgetisnull(res, 0, 4))
		r->sess.user_json = xstrdup(PQgetvalue(res, 0, 4));
	r->sess.via_cookie = via_cookie;
	PQclear(res);
	r->authed = 1;
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
