/*
 * The request as every handler sees it, and the only ways a handler may
 * answer: reply_* for success, problem_set (problem.h) for failure. The
 * libmicrohttpd glue in http.c owns the lifecycle; handlers never touch MHD.
 */
#ifndef MIGTRAIN_HTTP_H
#define MIGTRAIN_HTTP_H

#include <stdint.h>

#include <jansson.h>

#include "util.h"

struct MHD_Connection;
struct MHD_Response;
struct db_conn;
struct req;

/* Handlers return 0 (answer set), -1 (problem set) or HTTP_SUSPENDED. */
typedef int handler_fn(struct req *);
#define HTTP_SUSPENDED	1

/* Route flags: what the glue does before calling the handler. */
#define ROUTE_AUTH	0x01	/* resolve the session first; 401 without */
#define ROUTE_BIG_BODY	0x02	/* 5 MiB body cap instead of 1 MiB */
#define ROUTE_SECRET_PATH 0x04	/* the path holds a secret: log the pattern */
#define ROUTE_USER_JSON	0x08	/* the session brings r->sess.user_json */
#define ROUTE_CALLER_IN_SQL 0x10	/* ROUTE_AUTH, checked by the handler's
					   statement (session_reply) */

struct route {
	const char	*method;
	const char	*pattern;	/* OpenAPI style: /api/v1/users/{id} */
	handler_fn	*handler;
	unsigned	 flags;
};

#define HTTP_BODY_MAX		(1u << 20)
/* Requests without a session (login, public routes) carry small bodies
 * and draw on their own budget, so anonymous uploads cannot starve the
 * signed-in ones (issue 18). */
#define HTTP_ANON_BODY_MAX	(8u << 10)
#define HTTP_ANON_BODY_BUDGET	(16u << 20)
#define HTTP_BIG_BODY_MAX	(5u << 20)
#define HTTP_DISCARD_MAX	(64u << 20)
/* Request bodies buffered at once, all connections together; past it a
 * body is dropped and answered 503, so memory stays bounded. */
#define HTTP_BODY_BUDGET	(256u << 20)
#define ROUTE_MAX_PARAMS	4
#define HTTP_MAX_HEADERS	8

/* Role bits, for require_role(). */
#define ROLE_ADMIN	0x1
#define ROLE_COORDINATOR 0x2
#define ROLE_REVIEWER	0x4
#define ROLE_TRAINEE	0x8
#define ROLE_STAFF	(ROLE_ADMIN | ROLE_COORDINATOR)
#define ROLE_ANY	0xf

struct problem {
	unsigned	 status;
	const char	*title;
	char		 detail[256];
	json_t		*errors;	/* [{"field","message"}] or NULL */
	long		 retry_after;	/* seconds; 0 = no header */
};

struct session {
	int64_t		 id;
	int64_t		 user_id;
	int64_t		 org_id;
	unsigned	 role;		/* one ROLE_* bit */
	int		 via_cookie;
	char		*user_json;	/* the user as GET /auth/me answers */
};

struct req {
	struct MHD_Connection	*conn;
	const struct route	*route;
	int			 route_index;
	const char		*method;
	const char		*path;
	char			*params[ROUTE_MAX_PARAMS];
	char			 request_id[72];
	double			 started_ms;

	char			*body;
	size_t			 body_len;
	size_t			 body_max;
	size_t			 body_cap;	/* allocated, counted in budget */
	size_t			 body_seen;
	int			 body_over_budget;
	int			 body_too_large;
	int			 body_anon;	/* counted in the anonymous budget */
	json_t			*json;		/* parsed body, owned */

	int			 authed;
	struct session		 sess;

	struct db_conn		*db;		/* lease, released at the end */
	struct problem		 problem;

	/* The answer. */
	unsigned		 status;
	char			*resp_body;
	size_t			 resp_len;
	const char		*resp_type;
	struct MHD_Response	*resp_custom;	/* e.g. a streamed body */
	char			*headers[HTTP_MAX_HEADERS][2];
	int			 nheaders;
	int			 answered;

	/* Suspension: the handler continues in `resume` on a worker. */
	handler_fn		*resume;
	void			*job;
	void			(*job_free)(void *);
	int			 suspended;
	int			 resumed;

	/* Strings that live as long as the request (req_strf). */
	char			**strs;
	int			 nstrs;
};

/* Answers. The body is copied unless the name says _new (ownership). */
int	 reply_json(struct req *, unsigned, const char *);
/* For JSON that is compact already: no squeeze (see reply_json). */
int	 reply_json_compact(struct req *, unsigned, const char *, size_t);
int	 reply_json_new(struct req *, unsigned, json_t *);
int	 reply_body(struct req *, unsigned, const char *ctype, const char *,
	    size_t);
int	 reply_empty(struct req *, unsigned);
/* Takes a response built elsewhere (streamed CSV); the glue adds headers. */
int	 reply_custom(struct req *, unsigned, struct MHD_Response *);
void	 reply_header(struct req *, const char *, const char *);

/* Request data. Borrowed pointers, valid for the request's life. */
const char	*req_header(struct req *, const char *);
const char	*req_query(struct req *, const char *);
const char	*req_cookie(struct req *, const char *);
char		*req_strf(struct req *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/* An id as a SQL text parameter, and the caller's user id as one. */
const char	*req_id_text(struct req *, int64_t);
const char	*req_caller_id(struct req *);
/* Path parameter i as a positive id; 404 when it is not one. */
int	 req_param_id(struct req *, int, int64_t *) WARN_UNUSED;
/* Optional query parameter as a positive id: *out = 0 when absent, 400
 * when malformed. */
int	 req_query_id(struct req *, const char *, int64_t *) WARN_UNUSED;
/* Optional query parameter; 400 unless it is one of values (NULL-ended). */
int	 req_query_enum(struct req *, const char *, const char *const *,
	    const char **) WARN_UNUSED;
/* Optional query date (YYYY-MM-DD) or RFC 3339 timestamp; 400 if bad. */
int	 req_query_time(struct req *, const char *, const char **) WARN_UNUSED;

/* Keyset pagination (§2): limit 1..200 (default 50), after = last id. */
struct page {
	int64_t	limit;
	int64_t	after;
};
int	 req_page(struct req *, struct page *) WARN_UNUSED;

/* The TCP peer as an addr.h key (all zero when it has none), and the
 * client: the peer, or for a trusted proxy what X-Forwarded-For names. */
void	 req_peer(struct req *, unsigned char out[16]);
void	 req_client(struct req *, unsigned char out[16]);

/* 403 unless the caller's role is in mask. */
int	 require_role(struct req *, unsigned) WARN_UNUSED;
const char *role_name(unsigned);
unsigned    role_bit(const char *);

/* Suspends the connection until job_done() is called for it; releases the
 * database lease first. Returns HTTP_SUSPENDED for the handler to return. */
int	 req_suspend(struct req *, handler_fn *resume);
void	 req_resume(struct req *);

/* The daemon. http_drain stops accepting and waits for the requests in
 * flight, at most config.drain_s seconds (-1 when some are left); http_stop
 * then shuts it down. */
int	 http_start(void);
int	 http_drain(void) WARN_UNUSED;
/* Hands one end of a socket pair to the daemon past every limit (the
 * watchdog's self-probe). On failure the fd is closed. 0 or -1. */
int	 http_add_probe(int fd);
/* Connections open now and refused so far, for /metrics. */
unsigned http_connections(void);
unsigned long http_refused(void);
void	 http_stop(void);
/* The route table in order (NULL-terminated), for /openapi.json checks. */
const struct route *const *http_routes(int *count);

#endif
