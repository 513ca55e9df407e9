/*
 * The libmicrohttpd glue: one access handler that accumulates the body
 * under its cap, matches the route, resolves the session, runs the
 * handler and queues exactly one response; one completion callback that
 * frees the request, returns its database lease and writes the access log.
 * Handlers that must wait for slow work (argon2id) suspend the connection
 * instead of blocking the worker thread that serves other connections.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "addr.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "problem.h"
#include "route.h"
#include "session.h"
#include "text.h"
#include "web.h"

static struct MHD_Daemon	*daemon_handle;
static int			 listen_fd = -1;
static pthread_t		 acceptor_thread;
static int			 acceptor_running;
static pthread_mutex_t		 suspend_lock = PTHREAD_MUTEX_INITIALIZER;
static int			 in_flight;
static int			 draining;
static size_t			 body_bytes;	/* buffered, signed-in requests */
static size_t			 anon_body_bytes; /* buffered, anonymous ones */

/*
 * Our own connection limits, enforced by the acceptor below
 * libmicrohttpd's: 0.9.75 leaves a mutex locked when its own limit
 * refuses a connection we add, which hangs every worker for good. Each
 * accepted descriptor remembers the address bucket it counts against;
 * the close notification gives the slot back.
 */
#define CONN_BUCKETS	4096
#define MHD_CONN_LIMIT	4096
static pthread_mutex_t		 conn_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned			 conns_open;
static unsigned long		 conns_refused;
static unsigned			 conns_max;
static unsigned			 bucket_conns[CONN_BUCKETS];
static int			*fd_bucket;	/* -1 free, -2 no address bucket */
static int			 fd_slots;

static void	 req_free(struct req *);
static void	 drop_body(struct req *);
static int	 dispatch(struct req *);
static enum MHD_Result send_answer(struct req *);

static const char *
method_of(const char *m)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT",
	    "PATCH", "DELETE", "OPTIONS" };
	size_t	i;

	for (i = 0; i < NELEM(known); i++)
		if (strcmp(known[i], m) == 0)
			return (known[i]);
	return ("OTHER");
}

static void
set_request_id(struct req *r)
{
	const char	*given;
	unsigned char	 rnd[12];
	size_t		 i, len;

	given = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    "X-Request-Id");
	if (given != NULL && (len = strlen(given)) > 0 &&
	    len < sizeof(r->request_id)) {
		for (i = 0; i < len; i++)
			if (given[i] < 0x21 || given[i] > 0x7e)
				break;
		if (i == len) {
			memcpy(r->request_id, given, len + 1);
			return;
		}
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(r->request_id, sizeof(r->request_id), rnd, sizeof(rnd));
}

static enum MHD_Result
arg_utf8(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	int	*bad = cls;

	(void)kind;
	if (!utf8_valid(key, strlen(key)) ||
	    (value != NULL && !utf8_valid(value, strlen(value))))
		*bad = 1;
	return (MHD_YES);
}

static struct req *
req_new(struct MHD_Connection *conn, const char *url, const char *method)
{
	struct req	*r;
	char		 allow[128];
	int		 bad = 0;

	r = xcalloc(1, sizeof(*r));
	r->conn = conn;
	r->method = method_of(method);
	r->path = xstrdup(url);
	r->started_ms = now_ms();
	r->route_index = -1;
	set_request_id(r);
	r->route = route_match(r->method, r->path, r->params, &r->route_index,
	    allow, sizeof(allow));
	if (r->route == NULL && allow[0] == '\0')
		r->route = web_match(r->method, r->path);	/* the web app */
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, arg_utf8, &bad);
	if (bad)
		problem_set(r, 400, NULL, "the query string is not UTF-8");
	else if (r->route == NULL) {
		if (allow[0] != '\0') {
			reply_header(r, "Allow", allow);
			problem_set(r, 405, NULL, "this resource answers to %s",
			    allow);
		} else
			problem_set(r, 404, NULL, "no such resource");
	}
	if (r->route != NULL && (r->route->flags & ROUTE_AUTH))
		r->body_max = (r->route->flags & ROUTE_BIG_BODY) ?
		    HTTP_BIG_BODY_MAX : HTTP_BODY_MAX;
	else {
		r->body_anon = 1;
		r->body_max = HTTP_ANON_BODY_MAX;
	}
	__atomic_add_fetch(&in_flight, 1, __ATOMIC_SEQ_CST);
	return (r);
}

static void
req_free(struct req *r)
{
	int	i;

	if (r->job_free != NULL)	/* first: an export's slot goes */
		r->job_free(r->job);	/* back before its lease does */
	db_release(r);
	for (i = 0; i < ROUTE_MAX_PARAMS; i++)
		free(r->params[i]);
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i][0]);
		free(r->headers[i][1]);
	}
	for (i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	free(r->strs);
	free(r->sess.user_json);
	drop_body(r);
	free(r->resp_body);
	if (r->resp_custom != NULL)
		MHD_destroy_response(r->resp_custom);
	json_decref(r->json);
	json_decref(r->problem.errors);
	free((char *)r->path);
	free(r);
	__atomic_sub_fetch(&in_flight, 1, __ATOMIC_SEQ_CST);
}

static size_t *
budget_of(struct req *r, size_t *limit)
{
	if (limit != NULL)
		*limit = r->body_anon ? HTTP_ANON_BODY_BUDGET : HTTP_BODY_BUDGET;
	return (r->body_anon ? &anon_body_bytes : &body_bytes);
}

static void
drop_body(struct req *r)
{
	free(r->body);
	__atomic_sub_fetch(budget_of(r, NULL), r->body_cap, __ATOMIC_RELAXED);
	r->body = NULL;
	r->body_len = r->body_cap = 0;
}

/* Appends to the body, growing it geometrically within its cap and the
 * budget shared by all connections of its kind. */
static void
append_body(struct req *r, const char *data, size_t len)
{
	size_t	cap, limit, *budget = budget_of(r, &limit);

	if (r->body_too_large || r->body_over_budget)
		return;
	if (r->body_len + len > r->body_max) {
		r->body_too_large = 1;
		drop_body(r);
		return;
	}
	if (r->body_len + len + 1 > r->body_cap) {
		cap = r->body_cap ? r->body_cap : 4096;
		while (cap < r->body_len + len + 1)
			cap *= 2;
		if (cap > r->body_max + 1)
			cap = r->body_max + 1;
		if (__atomic_add_fetch(budget, cap - r->body_cap,
		    __ATOMIC_RELAXED) > limit) {
			__atomic_sub_fetch(budget, cap - r->body_cap,
			    __ATOMIC_RELAXED);
			r->body_over_budget = 1;
			drop_body(r);
			return;
		}
		r->body = xrealloc(r->body, cap);
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
}

/* A body that trickles in below the minimum average rate, once its grace
 * has passed, holds a connection and its buffer for nothing: close it. */
static int
too_slow(struct req *r)
{
	double	s = (now_ms() - r->started_ms) / 1000.0;

	return (config.body_min_rate > 0 && s > config.body_grace_s &&
	    (double)r->body_seen < s * config.body_min_rate);
}

static int
too_large(struct req *r)
{
	return (problem_set(r, 413, NULL, "the request body is over the "
	    "limit of %zu bytes", r->body_max));
}

/*
 * Called by libmicrohttpd several times per request: first with headers
 * only, then with body chunks, then once with no data, where we answer.
 * Queueing on the first call would make MHD close keep-alive connections,
 * so even bodiless requests are answered on the second call.
 */
static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct req	*r = *con_cls;
	const char	*cl;
	int64_t		 declared;
	int		 rc;

	(void)cls;
	(void)version;
	if (r == NULL) {
		*con_cls = r = req_new(conn, url, method);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && parse_int64(cl, 0, INT64_MAX, &declared) == 0 &&
		    (uint64_t)declared > r->body_max) {
			/* Refuse before reading a byte of it. */
			r->body_too_large = 1;
			too_large(r);
			return (send_answer(r));
		}
		/*
		 * A request with a body is checked from its headers already:
		 * an anonymous or forged upload is refused before its body is
		 * read, and no database connection is held while a body
		 * trickles in. dispatch() checks again, since the session may
		 * be revoked while the body arrives.
		 */
		if (r->problem.status == 0 && (r->route->flags & ROUTE_AUTH) &&
		    ((cl != NULL && strcmp(cl, "0") != 0) ||
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)) {
			int failed = session_resolve(r) == -1;
			db_release(r);
			if (failed)
				return (send_answer(r));
		}
		return (MHD_YES);
	}
	if (r->answered) {
		/* Discard what a refused client sends, at the minimum rate. */
		r->body_seen += *upload_data_size;
		*upload_data_size = 0;
		return (too_slow(r) || r->body_seen > HTTP_DISCARD_MAX ?
		    MHD_NO : MHD_YES);
	}
	if (*upload_data_size != 0) {
		/*
		 * MHD can only answer once the body is in, so a body without a
		 * declared length that passes the cap is read and dropped, up
		 * to a bound past which the connection is simply closed.
		 */
		r->body_seen += *upload_data_size;
		append_body(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		if (r->body_seen > HTTP_DISCARD_MAX)
			return (MHD_NO);
		if (too_slow(r)) {
			log_warn("closing %s %s: the body arrives at under %u "
			    "bytes/s", r->method, r->path, config.body_min_rate);
			return (MHD_NO);
		}
		return (MHD_YES);
	}
	if (r->body_too_large && r->problem.status == 0)
		too_large(r);
	if (r->body_over_budget && r->problem.status == 0) {
		problem_later(r, 503, 1, "the server is receiving too much at "
		    "once; try again shortly");
	}
	if (r->resume != NULL) {
		handler_fn *next = r->resume;
		pthread_mutex_lock(&suspend_lock);
		r->suspended = 0;
		r->resumed = 0;
		pthread_mutex_unlock(&suspend_lock);
		r->resume = NULL;
		rc = next(r);
	} else if (r->problem.status != 0) {
		rc = -1;		/* 404/405 found at the start */
	} else
		rc = dispatch(r);
	if (rc == HTTP_SUSPENDED) {
		pthread_mutex_lock(&suspend_lock);
		if (!r->resumed) {
			r->suspended = 1;
			MHD_suspend_connection(conn);
		}
		pthread_mutex_unlock(&suspend_lock);
		if (r->suspended)
			return (MHD_YES);
		/* The job finished before we could suspend: go on now. */
		return (access_handler(cls, conn, url, method, version,
		    upload_data, upload_data_size, con_cls));
	}
	return (send_answer(r));
}

/* Runs the route's handler with the glue's preconditions met. */
static int
dispatch(struct req *r)
{
	int	rc;

	if (!(r->route->flags & ROUTE_CALLER_IN_SQL)) {
		if ((r->route->flags & ROUTE_AUTH) && session_resolve(r) == -1)
			return (-1);
		return (r->route->handler(r));
	}
	/*
	 * The handler's statement checks the caller (session_reply). What
	 * it refused before that statement ran (a bad query string) is a
	 * 401 all the same for an unknown caller, as on every other route.
	 */
	rc = r->route->handler(r);
	if (rc == -1 && !r->authed && r->problem.status != 401 &&
	    r->problem.status < 500 && session_resolve(r) == -1) {
		json_decref(r->problem.errors);
		r->problem.errors = NULL;
	}
	return (rc);
}

int
req_suspend(struct req *r, handler_fn *resume)
{
	/* Never hold a database connection while waiting. */
	db_release(r);
	r->resume = resume;
	return (HTTP_SUSPENDED);
}

void
req_resume(struct req *r)
{
	pthread_mutex_lock(&suspend_lock);
	r->resumed = 1;
	if (r->suspended)
		MHD_resume_connection(r->conn);
	pthread_mutex_unlock(&suspend_lock);
}

static void
add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	if (MHD_add_response_header(resp, name, value) == MHD_NO)
		log_warn("could not add header %s", name);
}

static enum MHD_Result
send_answer(struct req *r)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ok;
	char			 retry[24];
	int			 i;

	/* Only a streamed answer still needs the database while it is sent;
	 * a slow reader must not keep a connection from the pool. */
	if (r->resp_custom == NULL)
		db_release(r);
	if (!r->answered) {
		/* The one place a problem becomes a response. */
		char *body = problem_json(r);
		if (r->problem.status >= 500 && r->problem.status != 503)
			log_err("answering %u to %s %s", r->problem.status,
			    r->method, r->path);
		r->status = r->problem.status;
		free(r->resp_body);
		r->resp_body = body;
		r->resp_len = body ? strlen(body) : 0;
		r->resp_type = "application/problem+json";
		if (r->problem.retry_after > 0) {
			snprintf(retry, sizeof(retry), "%ld",
			    r->problem.retry_after);
			reply_header(r, "Retry-After", retry);
		}
		r->answered = 1;
	}
	if (r->resp_custom != NULL) {
		resp = r->resp_custom;
		r->resp_custom = NULL;
	} else {
		resp = MHD_create_response_from_buffer(r->resp_len,
		    r->resp_body, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			return (MHD_NO);
		r->resp_body = NULL;
	}
	if (r->resp_type != NULL)
		add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->resp_type);
	add_header(resp, "X-Content-Type-Options", "nosniff");
	add_header(resp, "X-Request-Id", r->request_id);
	if (r->authed || (r->route && (r->route->flags & ROUTE_AUTH)))
		add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (i = 0; i < r->nheaders; i++)
		add_header(resp, r->headers[i][0], r->headers[i][1]);
	if (__atomic_load_n(&draining, __ATOMIC_RELAXED))
		add_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ok = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	return (ok);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req	*r = *con_cls;
	double		 ms;

	(void)cls;
	(void)conn;
	if (r == NULL)
		return;
	ms = now_ms() - r->started_ms;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->answered)
		r->status = 499;	/* the client went away */
	metrics_observe(r->route_index, r->status, ms);
	log_request(r->method, r->route != NULL &&
	    (r->route->flags & ROUTE_SECRET_PATH) ? r->route->pattern : r->path,
	    r->status, ms,
	    r->authed ? (long long)r->sess.user_id : 0, r->request_id);
	req_free(r);
	*con_cls = NULL;
}

/* ---- answers ---- */

int
reply_body(struct req *r, unsigned status, const char *ctype, const char *body,
    size_t len)
{
	free(r->resp_body);
	r->resp_body = xmalloc(len + 1);
	memcpy(r->resp_body, body, len);
	r->resp_body[len] = '\0';
	r->resp_len = len;
	r->resp_type = ctype;
	r->status = status;
	r->answered = 1;
	return (0);
}

int
reply_json(struct req *r, unsigned status, const char *json)
{
	reply_body(r, status, "application/json", json, strlen(json));
	r->resp_len = json_squeeze(r->resp_body);	/* one form for all */
	return (0);
}

int
reply_json_compact(struct req *r, unsigned status, const char *json,
    size_t len)
{
	return (reply_body(r, status, "application/json", json, len));
}

int
reply_json_new(struct req *r, unsigned status, json_t *o)
{
	char	*s;

	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return (problem_set(r, 500, NULL, "could not encode the answer"));
	free(r->resp_body);
	r->resp_body = s;
	r->resp_len = strlen(s);
	r->resp_type = "application/json";
	r->status = status;
	r->answered = 1;
	return (0);
}

int
reply_empty(struct req *r, unsigned status)
{
	return (reply_body(r, status, NULL, "", 0));
}

int
reply_custom(struct req *r, unsigned status, struct MHD_Response *resp)
{
	if (r->resp_custom != NULL)
		MHD_destroy_response(r->resp_custom);
	r->resp_custom = resp;
	r->resp_type = NULL;
	r->status = status;
	r->answered = 1;
	return (0);
}

void
reply_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders == HTTP_MAX_HEADERS)
		abort();		/* a programming error */
	r->headers[r->nheaders][0] = xstrdup(name);
	r->headers[r->nheaders][1] = xstrdup(value);
	r->nheaders++;
}

/* ---- request data ---- */

const char *
req_header(struct req *r, const char *name)
{
	return (MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name));
}

const char *
req_query(struct req *r, const char *name)
{
	return (MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    name));
}

const char *
req_cookie(struct req *r, const char *name)
{
	return (MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name));
}

char *
req_strf(struct req *r, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
	r->strs = xrealloc(r->strs, sizeof(*r->strs) * (size_t)(r->nstrs + 1));
	r->strs[r->nstrs++] = s;
	return (s);
}

const char *
req_id_text(struct req *r, int64_t id)
{
	return (req_strf(r, "%lld", (long long)id));
}

const char *
req_caller_id(struct req *r)
{
	return (req_id_text(r, r->sess.user_id));
}

int
req_param_id(struct req *r, int i, int64_t *out)
{
	if (i < 0 || i >= ROUTE_MAX_PARAMS || r->params[i] == NULL ||
	    parse_int64(r->params[i], 1, INT64_MAX, out) == -1)
		return (problem_set(r, 404, NULL, "no such resource"));
	return (0);
}

int
req_query_id(struct req *r, const char *name, int64_t *out)
{
	const char	*v = req_query(r, name);

	*out = 0;
	if (v == NULL || *v == '\0')
		return (0);
	if (parse_int64(v, 1, INT64_MAX, out) == -1)
		return (problem_set(r, 400, NULL, "query parameter %s must be "
		    "a positive integer", name));
	return (0);
}

int
req_query_enum(struct req *r, const char *name, const char *const *values,
    const char **out)
{
	const char	*v = req_query(r, name);
	int		 i;

	*out = NULL;
	if (v == NULL || *v == '\0')
		return (0);
	for (i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], v) == 0) {
			*out = values[i];
			return (0);
		}
	return (problem_set(r, 400, NULL, "query parameter %s has an "
	    "unknown value", name));
}

int
req_query_time(struct req *r, const char *name, const char **out)
{
	const char	*v = req_query(r, name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return (0);
	if (!time_text_valid(v))
		return (problem_set(r, 400, NULL, "query parameter %s must be "
		    "a date (YYYY-MM-DD) or an RFC 3339 timestamp", name));
	*out = v;
	return (0);
}

int
req_page(struct req *r, struct page *p)
{
	const char	*limit = req_query(r, "limit");
	const char	*after = req_query(r, "after");

	p->limit = 50;
	p->after = 0;
	if (limit != NULL && parse_int64(limit, 1, 200, &p->limit) == -1)
		return (problem_set(r, 400, NULL, "limit must be 1..200"));
	if (after != NULL && cursor_decode(after, &p->after) == -1)
		return (problem_set(r, 400, NULL, "after is not a cursor "
		    "this server gave out"));
	return (0);
}

static const struct {
	unsigned	 bit;
	const char	*name;
} roles[] = {
	{ ROLE_ADMIN, "admin" },
	{ ROLE_COORDINATOR, "coordinator" },
	{ ROLE_REVIEWER, "reviewer" },
	{ ROLE_TRAINEE, "trainee" },
};

const char *
role_name(unsigned bit)
{
	size_t	i;

	for (i = 0; i < NELEM(roles); i++)
		if (roles[i].bit == bit)
			return (roles[i].name);
	return ("");
}

unsigned
role_bit(const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < NELEM(roles); i++)
		if (strcmp(roles[i].name, name) == 0)
			return (roles[i].bit);
	return (0);
}

void
req_peer(struct req *r, unsigned char out[ADDR_LEN])
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || addr_from_sockaddr(ci->client_addr, out) == -1)
		memset(out, 0, ADDR_LEN);
}

void
req_client(struct req *r, unsigned char out[ADDR_LEN])
{
	unsigned char	peer[ADDR_LEN];

	req_peer(r, peer);
	addr_client(peer, req_header(r, "X-Forwarded-For"), out);
}

int
require_role(struct req *r, unsigned mask)
{
	if (!r->authed || (r->sess.role & mask) == 0)
		return (problem_set(r, 403, NULL, "your role may not do this"));
	return (0);
}

/* ---- the daemon ---- */

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("libmicrohttpd: %s", msg);
}

/* Opens the listening socket of MIGTRAIN_LISTEN; -1 with a log line. */
static int
listen_socket(void)
{
	struct addrinfo	 hints, *ai = NULL;
	char		 port[8];
	int		 fd, err, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", config.listen_port);
	if ((err = getaddrinfo(config.listen_host, port, &hints, &ai)) != 0) {
		log_err("MIGTRAIN_LISTEN: %s", gai_strerror(err));
		return (-1);
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 || bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 1024) == -1) {
		log_err("cannot listen on %s:%u: %s", config.listen_host,
		    config.listen_port, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return (fd);
}

/* Gives back the slot of fd, if it holds one. Under conn_lock. */
static void
slot_release(int fd)
{
	int	b;

	if (fd < 0 || fd >= fd_slots || (b = fd_bucket[fd]) == -1)
		return;
	if (b >= 0)
		bucket_conns[b]--;
	conns_open--;
	fd_bucket[fd] = -1;
}

/*
 * Counts a new connection against the limits: 0 when it may stay, -1 when
 * it must be closed. Trusted proxies carry many clients on one address,
 * so only the overall limit applies to them.
 */
static int
slot_take(int fd, const struct sockaddr *sa)
{
	unsigned char	a[ADDR_LEN];
	int		b = -2, rc = -1;

	if (addr_from_sockaddr(sa, a) == 0 && !addr_is_trusted(a))
		b = (int)addr_bucket(a, CONN_BUCKETS);
	pthread_mutex_lock(&conn_lock);
	slot_release(fd);	/* closed without a notification: stale */
	if (fd < fd_slots && conns_open < conns_max &&
	    (b < 0 || bucket_conns[b] < config.max_conns_per_addr)) {
		fd_bucket[fd] = b;
		if (b >= 0)
			bucket_conns[b]++;
		conns_open++;
		rc = 0;
	} else
		conns_refused++;
	pthread_mutex_unlock(&conn_lock);
	return (rc);
}

static void
connection_note(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo	*ci;

	(void)cls;
	(void)socket_context;
	if (code != MHD_CONNECTION_NOTIFY_CLOSED ||
	    (ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD)) == NULL)
		return;
	pthread_mutex_lock(&conn_lock);
	slot_release(ci->connect_fd);
	pthread_mutex_unlock(&conn_lock);
}

unsigned
http_connections(void)
{
	return (__atomic_load_n(&conns_open, __ATOMIC_RELAXED));
}

unsigned long
http_refused(void)
{
	return (__atomic_load_n(&conns_refused, __ATOMIC_RELAXED));
}

/*
 * Raises the descriptor limit to its hard maximum and fits our connection
 * limit under it, leaving room for the database pool, the key file and
 * the descriptors libmicrohttpd keeps for itself.
 */
static void
size_limits(void)
{
	struct rlimit	rl;
	rlim_t		room;

	conns_max = config.max_conns;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		room = rl.rlim_cur > 256 ? rl.rlim_cur - 128 : rl.rlim_cur / 2;
		if (room < conns_max) {
			log_warn("only %lu descriptors: at most %lu connections",
			    (unsigned long)rl.rlim_cur, (unsigned long)room);
			conns_max = (unsigned)room;
		}
	}
	fd_slots = (int)(conns_max + 1024);
	fd_bucket = xmalloc(sizeof(*fd_bucket) * (size_t)fd_slots);
	memset(fd_bucket, 0xff, sizeof(*fd_bucket) * (size_t)fd_slots);
}

/*
 * Accepts connections and hands them to the daemon's workers. Accepting
 * here rather than inside libmicrohttpd lets a drain close the listening
 * socket outright (MHD_quiesce_daemon races its own workers over the epoll
 * set in 0.9.75 and can abort the process) and lets us refuse, by closing
 * at once, a connection past our limits before the daemon sees it.
 */
static void *
acceptor(void *arg)
{
	struct sockaddr_storage	 addr;
	socklen_t		 len;
	int			 fd;

	(void)arg;
	for (;;) {
		len = sizeof(addr);
		fd = accept(listen_fd, (struct sockaddr *)&addr, &len);
		if (fd == -1) {
			if (__atomic_load_n(&draining, __ATOMIC_RELAXED))
				return (NULL);
			if (errno != EINTR && errno != ECONNABORTED) {
				/* Out of descriptors or memory, or worse:
				 * pause rather than spin. */
				struct timespec pause = { 0, 50 * 1000 * 1000 };
				log_warn("accept: %s", strerror(errno));
				nanosleep(&pause, NULL);
			}
			continue;
		}
		if (slot_take(fd, (struct sockaddr *)&addr) == -1) {
			close(fd);
			continue;
		}
		/* On failure MHD has closed the socket already. */
		if (MHD_add_connection(daemon_handle, fd,
		    (struct sockaddr *)&addr, len) == MHD_NO) {
			log_warn("could not take a connection: %s",
			    strerror(errno));
			pthread_mutex_lock(&conn_lock);
			slot_release(fd);
			pthread_mutex_unlock(&conn_lock);
		}
	}
}

int
http_add_probe(int fd)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (daemon_handle == NULL) {
		close(fd);
		return (-1);
	}
	return (MHD_add_connection(daemon_handle, fd, (struct sockaddr *)&sin,
	    sizeof(sin)) == MHD_YES ? 0 : -1);
}

int
http_start(void)
{
	unsigned	flags;

	if ((listen_fd = listen_socket()) == -1)
		return (-1);
	size_limits();
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	    MHD_USE_NO_LISTEN_SOCKET;
	daemon_handle = MHD_start_daemon(flags, 0, NULL, NULL, access_handler,
	    NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_THREAD_POOL_SIZE, config.threads,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, connection_note, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, config.idle_timeout_s,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MHD_CONN_LIMIT,
	    MHD_OPTION_END);
	if (daemon_handle == NULL) {
		log_err("cannot start the HTTP daemon");
		return (-1);
	}
	if (pthread_create(&acceptor_thread, NULL, acceptor, NULL) != 0) {
		log_err("cannot start the acceptor thread");
		return (-1);
	}
	acceptor_running = 1;
	return (0);
}

/*
 * Stops accepting (the listening socket is closed, so new connections are
 * refused rather than left waiting) and lets the requests in flight,
 * suspended ones included, finish. Answers sent meanwhile close their
 * connections, so keep-alive clients move to another instance.
 */
int
http_drain(void)
{
	long	waited_ms = 0;

	if (daemon_handle == NULL)
		return (0);
	__atomic_store_n(&draining, 1, __ATOMIC_RELAXED);
	if (acceptor_running) {
		shutdown(listen_fd, SHUT_RDWR);	/* wakes accept() */
		pthread_join(acceptor_thread, NULL);
		acceptor_running = 0;
	}
	close(listen_fd);
	listen_fd = -1;
	while (__atomic_load_n(&in_flight, __ATOMIC_SEQ_CST) > 0) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };
		if (waited_ms >= (long)config.drain_s * 1000)
			return (-1);
		nanosleep(&tick, NULL);
		waited_ms += 10;
	}
	return (0);
}

void
http_stop(void)
{
	if (daemon_handle == NULL)
		return;
	MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
	free(fd_bucket);
	fd_bucket = NULL;
	fd_slots = 0;
}
