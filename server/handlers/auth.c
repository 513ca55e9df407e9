/*
 * /api/v1/auth: login, logout, the caller, password change (API §3).
 * Password work runs on the argon2id pool: a handler parses and looks up,
 * suspends, and continues in a *_resume function when the hash is done.
 * Unknown emails are verified against a dummy hash so that both failures
 * cost the same and answer the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "problem.h"
#include "session.h"

static int	auth_login(struct req *);
static int	auth_login_resume(struct req *);
static int	auth_logout(struct req *);
static int	auth_me(struct req *);
static int	auth_password(struct req *);
static int	auth_password_resume(struct req *);

const struct route auth_routes[] = {
	{ "POST", "/api/v1/auth/login", auth_login, 0 },
	{ "POST", "/api/v1/auth/logout", auth_logout, ROUTE_AUTH },
	{ "GET", "/api/v1/auth/me", auth_me, ROUTE_AUTH },
	{ "POST", "/api/v1/auth/password", auth_password, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static int
wrong_credentials(struct req *r)
{
	return (problem_set(r, 401, NULL, "the email or the password is wrong"));
}

/*
 * The row of mt_login_begin (retry_after, password_hash, failure_id): 429
 * with Retry-After when the account's failures fill the window, else the
 * stored hash (the dummy for no such active user) and the failure reserved
 * for this attempt, both owned by the request. Clears res. 0 or -1.
 */
static int
attempt_begin(struct req *r, PGresult *res, const char **hash,
    const char **failure_id)
{
	long	wait;

	if (PQntuples(res) != 1) {
		PQclear(res);
		return (problem_set(r, 401, NULL, "log in again"));
	}
	if (!PQgetisnull(res, 0, 0)) {
		wait = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		return (problem_later(r, 429, wait, "too many failed attempts "
		    "for this account; wait before trying again"));
	}
	*hash = PQgetisnull(res, 0, 1) ? pwhash_dummy() :
	    req_strf(r, "%s", PQgetvalue(res, 0, 1));
	*failure_id = req_strf(r, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	return (0);
}

/* Submits the password job; a full hash pool (503) means the attempt was
 * never tried, so its reserved failure is taken back. */
static int
attempt_submit(struct req *r, struct pwjob *job, const char *failure_id,
    handler_fn *resume)
{
	int	rc;

	if ((rc = pwhash_submit(r, job, resume)) == -1)
		PQclear(db_query(r, "DELETE FROM login_failures WHERE id = $1",
		    1, failure_id));
	return (rc);
}

/* The attempt's pending row becomes a failure; returns rc. */
static int
attempt_failed(struct req *r, struct pwjob *job, int rc)
{
	struct problem	keep = r->problem;

	PQclear(db_query(r, "SELECT mt_login_failed($1)", 1, job->ref));
	r->problem = keep;	/* the answer stays the caller's */
	return (rc);
}

static int
auth_login(struct req *r)
{
	static const char *const fields[] = { "email", "password", NULL };
	const char	*email, *password;
	json_t		*b;
	PGresult	*res;
	struct pwjob	*job;
	const char	*stored, *failure_id;
	int		 bad;

	if ((b = body_json(r, fields)) == NULL)
		return (-1);
	bad = body_string(r, b, "email", 1, 1, 254, &email);
	bad |= body_string(r, b, "password", 1, 1, 1024, &password);
	if (bad)
		return (-1);
	if (strlen(password) > 1024)
		return (problem_field(r, "password", "must be at most 1024 bytes"));
	if (pwhash_admit(r) == -1)
		return (-1);

	/* Counts this attempt as a failure until it succeeds (schema/001). */
	res = db_query(r, "SELECT retry_after, password_hash, failure_id"
	    "  FROM mt_login_begin($1, $2, $3)",
	    3, email, req_strf(r, "%ld", config.login_window_s),
	    req_strf(r, "%ld", config.login_max_failures));
	if (res == NULL || attempt_begin(r, res, &stored, &failure_id) == -1)
		return (-1);
	job = pwjob_new(stored, password, NULL);
	job->rehash_if_needed = 1;
	snprintf(job->ref, sizeof(job->ref), "%s", failure_id);
	return (attempt_submit(r, job, failure_id, auth_login_resume));
}

static int
auth_login_resume(struct req *r)
{
	struct pwjob	*job = r->job;
	const char	*email = json_string_value(json_object_get(r->json,
			    "email"));
	char		 token[TOKEN_TEXT_LEN], hash[TOKEN_HASH_HEX],
			 csrf[TOKEN_TEXT_LEN];
	PGresult	*res;
	json_t		*answer, *user;
	char		*cookie;

	if (!job->verified || strcmp(job->stored, pwhash_dummy()) == 0)
		return (attempt_failed(r, job, wrong_credentials(r)));
	token_new(token);
	token_hash(token, hash);
	csrf_for(token, csrf);
	res = db_query(r,
	    "WITH u AS (SELECT * FROM users"
	    "           WHERE mt_email_key(email) = mt_email_key($1)"
	    "           AND active),"
	    " rehash AS (UPDATE users SET password_hash = $3 FROM u"
	    "            WHERE users.id = u.id AND $3::text IS NOT NULL),"
	    " cleared AS (DELETE FROM login_failures"
	    "             WHERE lower(email) = mt_email_key($1)"
	    "               AND (NOT pending OR id = $6::bigint)),"
	    " expired AS (DELETE FROM sessions USING u"
	    "             WHERE sessions.user_id = u.id"
	    "               AND (sessions.revoked_at IS NOT NULL OR sessions.created_at <"
	    "                    now() - make_interval(secs => $5::int))),"
	    " s AS (INSERT INTO sessions (user_id, token_hash)"
	    "       SELECT id, decode($2, 'hex') FROM u RETURNING created_at)"
	    "SELECT mt_ts(least(now() + make_interval(secs => $4::int),"
	    "                   s.created_at + make_interval(secs => $5::int))),"
	    "       user_json(u)::text FROM s, u",
	    6, email, hash, job->hashed ? job->new_hash : NULL,
	    req_strf(r, "%ld", config.session_idle_s),
	    req_strf(r, "%ld", config.session_max_s), job->ref);
	if (res == NULL)
		return (-1);
	if (PQntuples(res) != 1) {
		PQclear(res);
		return (wrong_credentials(r));	/* deactivated meanwhile */
	}
	user = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	answer = json_pack("{s:s, s:s, s:s, s:o}", "token", token,
	    "csrf_token", csrf, "expires_at", PQgetvalue(res, 0, 0),
	    "user", user ? user : json_null());
	PQclear(res);
	cookie = xasprintf("mt_session=%s; HttpOnly; SameSite=Strict; Path=/%s",
	    token, config.secure_cookies ? "; Secure" : "");
	reply_header(r, "Set-Cookie", cookie);
	sodium_memzero(cookie, strlen(cookie));
	free(cookie);
	sodium_memzero(token, sizeof(token));
	r->authed = 1;		/* the answer carries a secret: no-store */
	return (reply_json_new(r, 200, answer));
}

static int
auth_logout(struct req *r)
{
	PGresult	*res;

	res = db_query(r, "UPDATE sessions SET revoked_at = now() "
	    "WHERE id = $1", 1, req_id_text(r, r->sess.id));
	if (res == NULL)
		return (-1);
	PQclear(res);
	reply_header(r, "Set-Cookie", "mt_session=; HttpOnly; SameSite=Strict; "
	    "Path=/; Max-Age=0");
	return (reply_empty(r, 204));
}

/* The caller. A cookie session also gets its csrf_token back (API §12):
 * a reloaded page has lost it, yet must keep writing. */
static int
auth_me(struct req *r)
{
	const char	*token;
	char		 csrf[TOKEN_TEXT_LEN];
	json_t		*user;
	json_error_t	 err;
	int		 via_cookie;

	if (!r->sess.via_cookie)
		return (reply_json(r, 200, r->sess.user_json));
	user = json_loads(r->sess.user_json, 0, &err);
	if (user == NULL)
		return (problem_set(r, 500, NULL, "the user did not parse"));
	token = session_token(r, &via_cookie);
	csrf_for(token, csrf);
	json_object_set_new(user, "csrf_token", json_string(csrf));
	return (reply_json_new(r, 200, user));
}

static int
auth_password(struct req *r)
{
	static const char *const fields[] = { "current_password",
	    "new_password", NULL };
	const char	*current, *fresh, *stored, *failure_id;
	json_t		*b;
	PGresult	*res;
	struct pwjob	*job;
	int		 bad;

	if ((b = body_json(r, fields)) == NULL)
		return (-1);
	bad = body_string(r, b, "current_password", 1, 1, 1024, &current);
	bad |= body_password(r, b, "new_password", &fresh);
	if (bad)
		return (-1);
	/* Guessing the current password with a stolen session meets the
	 * same per-account limit as guessing it at login. */
	res = db_query(r, "SELECT b.retry_after, b.password_hash, b.failure_id"
	    "  FROM users u, mt_login_begin(u.email, $2, $3) b WHERE u.id = $1",
	    3, req_caller_id(r), req_strf(r, "%ld", config.login_window_s),
	    req_strf(r, "%ld", config.login_max_failures));
	if (res == NULL || attempt_begin(r, res, &stored, &failure_id) == -1)
		return (-1);
	job = pwjob_new(stored, current, fresh);
	snprintf(job->ref, sizeof(job->ref), "%s", failure_id);
	return (attempt_submit(r, job, failure_id, auth_password_resume));
}

static int
auth_password_resume(struct req *r)
{
	struct pwjob	*job = r->job;
	PGresult	*res;
	const char	*uid = req_caller_id(r);

	if (!job->verified)
		return (attempt_failed(r, job, problem_set(r, 403, NULL,
		    "the current password is wrong")));
	if (!job->hashed)
		return (problem_set(r, 500, NULL, "could not hash the password"));
	res = db_query(r,
	    "WITH u AS (UPDATE users SET password_hash = $2, updated_at = now()"
	    "           WHERE id = $1 RETURNING id),"
	    " revoked AS (UPDATE sessions SET revoked_at = now()"
	    "             WHERE user_id = $1 AND id <> $3 AND revoked_at IS NULL),"
	    " cleared AS (DELETE FROM login_failures WHERE lower(email) ="
	    "             (SELECT mt_email_key(email) FROM users WHERE id = $1)"
	    "               AND (NOT pending OR id = $4::bigint))"
	    "INSERT INTO audit_log (actor_id, action, object_type, object_id)"
	    " SELECT $1, 'user.password_change', 'user', id FROM u",
	    4, uid, job->new_hash, req_id_text(r, r->sess.id),
	    job->ref);
	if (res == NULL)
		return (-1);
	PQclear(res);
	return (reply_empty(r, 204));
}
