/*
 * The HTTP side of mail and subscriptions (API §13, §14): password reset
 * by mail, the secret calendar feed URL, and the admin view of the outbox.
 * Messages themselves are written by schema/090 (triggers and functions,
 * in the transaction of the change) and sent by server/mail_sender.c;
 * nothing here talks SMTP. Secrets (reset tokens, feed secrets) are 32
 * random bytes shown once; only their BLAKE2b hashes are stored.
 */
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "crypto.h"
#include "db.h"
#include "problem.h"
#include "route.h"

static int	reset_request(struct req *);
static int	reset_confirm(struct req *);
static int	reset_confirm_resume(struct req *);
static int	feed_create(struct req *);
static int	feed_delete(struct req *);
static int	feed_get(struct req *);
static int	outbox_list(struct req *);

const struct route mail_routes[] = {
	{ "POST", "/api/v1/auth/password-reset", reset_request, 0 },
	{ "POST", "/api/v1/auth/password-reset/confirm", reset_confirm, 0 },
	{ "POST", "/api/v1/me/calendar-feed", feed_create, ROUTE_AUTH },
	{ "DELETE", "/api/v1/me/calendar-feed", feed_delete, ROUTE_AUTH },
	{ "GET", "/api/v1/calendar/{secret}.ics", feed_get, ROUTE_SECRET_PATH },
	{ "GET", "/api/v1/outbox", outbox_list, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

#define RESET_ACCEPTED	"{\"status\":\"accepted\",\"detail\":\"If an account " \
	"has this address, a link to reset its password is on its way.\"}"

/* A token as token_new makes them: 43 base64url characters. */
static int
token_shape_ok(const char *t)
{
	size_t	i;

	if (t == NULL || strlen(t) != TOKEN_TEXT_LEN - 1)
		return (0);
	for (i = 0; t[i] != '\0'; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' &&
		    t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') ||
		    t[i] == '-' || t[i] == '_'))
			return (0);
	return (1);
}

/* MIGTRAIN_PUBLIC_URL without a trailing slash, "" when unset. */
static const char *
public_base(struct req *r)
{
	const char	*u = getenv("MIGTRAIN_PUBLIC_URL");
	size_t		 len = u != NULL ? strlen(u) : 0;

	while (len > 0 && u[len - 1] == '/')
		len--;
	return (req_strf(r, "%.*s", (int)len, len > 0 ? u : ""));
}

/* The answer never depends on the account: same status, same body, and
 * the same one statement (which decides and writes the mail) either way. */
static int
reset_request(struct req *r)
{
	static const char *const fields[] = { "email", NULL };
	const char	*email;
	char		 token[TOKEN_TEXT_LEN], hash[TOKEN_HASH_HEX];
	json_t		*b;
	PGresult	*res;

	if ((b = body_json(r, fields)) == NULL ||
	    body_string(r, b, "email", 1, 1, 254, &email))
		return (-1);
	token_new(token);
	token_hash(token, hash);
	res = db_query(r, "SELECT mt_password_reset_request($1, $2, $3)",
	    3, email, hash, token);
	sodium_memzero(token, sizeof(token));
	if (res == NULL)
		return (-1);
	PQclear(res);
	return (reply_json(r, 202, RESET_ACCEPTED));
}

static int
reset_invalid(struct req *r)
{
	return (problem_set(r, 400, NULL, "the reset link is unknown, used "
	    "or expired"));
}

/* Checks the token before the costly hash, and again (atomically, in
 * mt_password_reset_confirm) after it. */
static int
reset_confirm(struct req *r)
{
	static const char *const fields[] = { "token", "new_password", NULL };
	const char	*token, *fresh;
	char		 hash[TOKEN_HASH_HEX];
	json_t		*b;
	PGresult	*res;
	int		 bad, found;

	if ((b = body_json(r, fields)) == NULL)
		return (-1);
	bad = body_string(r, b, "token", 1, 1, 1024, &token);
	bad |= body_password(r, b, "new_password", &fresh);
	if (bad)
		return (-1);
	if (!token_shape_ok(token))
		return (reset_invalid(r));
	token_hash(token, hash);
	res = db_query(r, "SELECT 1 FROM password_resets p"
	    "  JOIN users u ON u.id = p.user_id AND u.active"
	    " WHERE p.token_hash = decode($1, 'hex') AND p.used_at IS NULL"
	    "   AND p.expires_at > now()", 1, hash);
	if (res == NULL)
		return (-1);
	found = PQntuples(res) == 1;
	PQclear(res);
	if (!found)
		return (reset_invalid(r));
	return (pwhash_submit(r, pwjob_new(NULL, NULL, fresh),
	    reset_confirm_resume));
}

static int
reset_confirm_resume(struct req *r)
{
	struct pwjob	*job = r->job;
	char		 hash[TOKEN_HASH_HEX];
	PGresult	*res;

	if (!job->hashed)
		return (problem_set(r, 500, NULL, "could not hash the password"));
	token_hash(json_string_value(json_object_get(r->json, "token")), hash);
	res = db_query(r, "SELECT mt_password_reset_confirm($1, $2)",
	    2, hash, job->new_hash);
	if (res == NULL)
		return (-1);
	PQclear(res);
	return (reply_empty(r, 204));
}

/* A new secret replaces the old one, so a leaked URL is revoked by
 * asking for a new one as well as by DELETE. */
static int
feed_create(struct req *r)
{
	char		 secret[TOKEN_TEXT_LEN], hash[TOKEN_HASH_HEX];
	PGresult	*res;
	json_t		*answer;
	char		*url;

	token_new(secret);
	token_hash(secret, hash);
	res = db_query(r,
	    "WITH f AS (INSERT INTO calendar_feeds (user_id, secret_hash)"
	    "           VALUES ($1, decode($2, 'hex'))"
	    "           ON CONFLICT (user_id) DO UPDATE"
	    "           SET secret_hash = EXCLUDED.secret_hash, created_at = now()"
	    "           RETURNING user_id)"
	    "INSERT INTO audit_log (actor_id, action, object_type, object_id)"
	    " SELECT user_id, 'calendar_feed.create', 'user', user_id FROM f",
	    2, req_caller_id(r), hash);
	if (res == NULL)
		return (-1);
	PQclear(res);
	url = xasprintf("%s/api/v1/calendar/%s.ics", public_base(r), secret);
	sodium_memzero(secret, sizeof(secret));
	answer = json_pack("{s:s}", "url", url);
	sodium_memzero(url, strlen(url));
	free(url);
	return (reply_json_new(r, 201, answer));
}

static int
feed_delete(struct req *r)
{
	PGresult	*res;

	res = db_query(r,
	    "WITH f AS (DELETE FROM calendar_feeds WHERE user_id = $1"
	    "           RETURNING user_id)"
	    "INSERT INTO audit_log (actor_id, action, object_type, object_id)"
	    " SELECT user_id, 'calendar_feed.revoke', 'user', user_id FROM f",
	    1, req_caller_id(r));
	if (res == NULL)
		return (-1);
	PQclear(res);
	return (reply_empty(r, 204));
}

/* No login: the secret is the credential. Unknown, revoked and
 * deactivated owners all look the same (404). */
static int
feed_get(struct req *r)
{
	char		 hash[TOKEN_HASH_HEX];
	const char	*owner;
	PGresult	*res;

	if (!token_shape_ok(r->params[0]))
		return (problem_set(r, 404, NULL, "no such calendar"));
	token_hash(r->params[0], hash);
	res = db_query(r, "SELECT f.user_id FROM calendar_feeds f"
	    "  JOIN users u ON u.id = f.user_id AND u.active"
	    " WHERE f.secret_hash = decode($1, 'hex')", 1, hash);
	if (res == NULL)
		return (-1);
	if (PQntuples(res) != 1) {
		PQclear(res);
		return (problem_set(r, 404, NULL, "no such calendar"));
	}
	owner = req_strf(r, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	/* The URL is a credential: no shared cache may keep the answer. */
	reply_header(r, "Cache-Control", "private, no-store");
	return (events_calendar_for(r, owner));
}

/* Newest first, like the audit log; bodies never leave the database
 * (they may hold reset links). */
static int
outbox_list(struct req *r)
{
	static const char *const statuses[] = { "pending", "sent", "failed",
	    NULL };
	struct page	 p;
	const char	*status;

	if (require_role(r, ROLE_ADMIN) == -1 || req_page(r, &p) == -1 ||
	    req_query_enum(r, "status", statuses, &status) == -1)
		return (-1);
	return (db_reply(r, 200, "page",
	    "SELECT mt_page(json_agg(json_build_object('id', id,"
	    "         'to', to_addr, 'subject', subject, 'kind', kind,"
	    "         'status', status, 'attempts', attempts,"
	    "         'created_at', mt_ts(created_at),"
	    "         'sent_at', mt_ts(sent_at), 'last_error', last_error)"
	    "         ORDER BY id DESC), $2)::text"
	    "  FROM (SELECT * FROM mail_outbox"
	    "        WHERE ($1::bigint = 0 OR id < $1)"
	    "          AND ($3::text IS NULL OR status = $3)"
	    "        ORDER BY id DESC LIMIT $2::int + 1) o",
	    3, req_id_text(r, p.after), req_id_text(r, p.limit), status));
}
