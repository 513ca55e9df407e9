/*
 * Completion records, the summary report and transcripts (API §9), all
 * scoped by scope.c. The rows come from SQL functions in
 * schema/060_records.sql; this file parses filters, picks JSON or CSV and,
 * for CSV, streams a server-side cursor through libmicrohttpd in blocks of
 * CSV_FETCH rows so that an export of any size holds one block in memory.
 * All of them read from the replica when there is a current one.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "csv.h"
#include "db.h"
#include "log.h"
#include "problem.h"
#include "scope.h"

#define CSV_FETCH	1000		/* rows per FETCH (see the literal) */
#define CSV_BLOCK	(64 * 1024)	/* bytes encoded per refill, about */
#define CSV_MAXCOLS	16

static int	records_list(struct req *);
static int	records_summary(struct req *);
static int	records_transcript(struct req *);

const struct route record_routes[] = {
	{ "GET", "/api/v1/records", records_list, ROUTE_AUTH },
	{ "GET", "/api/v1/reports/summary", records_summary, ROUTE_AUTH },
	{ "GET", "/api/v1/users/{id}/transcript", records_transcript,
	    ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

/*
 * A CSV export in flight. Two owners hold it: the request (through
 * r->job/job_free, dropped when the glue frees the request) and the MHD
 * response (dropped by the content reader's free callback). Whichever
 * lets go last frees it, so neither order of teardown, nor a client that
 * disconnects half way, leaves the other with a dangling pointer. The
 * reader uses the request (and its database lease) only while r is set.
 */
struct csv_stream {
	struct req	*r;
	PGresult	*res;		/* the block being encoded */
	int		 row;		/* next row of res to encode */
	int		 ncols;
	int		 done;		/* the cursor is exhausted */
	struct buf	 out;
	size_t		 off;		/* bytes of out already sent */
	uint64_t	 sent;		/* bytes handed to MHD in all */
	int		 finished;	/* the reader reported the end */
	int		 slot;		/* 1: holds an export slot, 2: a zombie */
	int		 fd;		/* the client's socket */
	int		 started;	/* the response exists */
	int		 refs;
};

/*
 * An export keeps its database connection while the client reads, so at
 * most CSV_EXPORTS run at once: the worker threads always find theirs.
 * A further export gets 503 at once; waiting here would stall every other
 * connection of this worker thread.
 *
 * A client that cancels a download and retries must not meet its own
 * dead export, yet libmicrohttpd frees that one only when the worker
 * thread that owns it next looks at its socket: an instant, or seconds
 * on a busy machine. So a new export that finds every slot taken asks the
 * kernel whether a holder's client is still there: once the client's
 * reset or close has arrived, that slot is free at once. The taken-over
 * holder keeps its database connection until its worker lets go of it
 * (slot 2, a zombie); DB_POOL_SLACK covers CSV_EXPORTS zombies as well,
 * so the worker threads still find their connections.
 */
#define CSV_EXPORTS	(DB_POOL_SLACK / 2)

static pthread_mutex_t	 slots_lock = PTHREAD_MUTEX_INITIALIZER;
static struct csv_stream *holders[CSV_EXPORTS];
static int		 zombies;

/*
 * Has the client of fd gone (reset, or closed its side)? Only called for
 * a registered holder under slots_lock: a holder gives its slot back in
 * the request-completed callback, before libmicrohttpd closes the socket,
 * so fd is still that client's.
 */
static int
client_gone(int fd)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	char		 c;
	ssize_t		 n;

	if (fd < 0 || poll(&p, 1, 0) != 1)
		return (0);
	if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
		return (1);
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return (n == 0 || (n == -1 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR));
}

static int
slot_take(struct csv_stream *s)
{
	int	i, got = 0;

	pthread_mutex_lock(&slots_lock);
	for (i = 0; i < CSV_EXPORTS && !got; i++)
		if ((got = holders[i] == NULL))
			holders[i] = s;
	for (i = 0; i < CSV_EXPORTS && !got && zombies < CSV_EXPORTS; i++)
		if ((got = client_gone(holders[i]->fd))) {
			holders[i]->slot = 2;
			zombies++;
			holders[i] = s;
		}
	if (got)
		s->slot = 1;
	pthread_mutex_unlock(&slots_lock);
	return (got);
}

static void
slot_give(struct csv_stream *s)
{
	int	i;

	pthread_mutex_lock(&slots_lock);
	if (s->slot == 2)
		zombies--;
	for (i = 0; i < CSV_EXPORTS && s->slot == 1; i++)
		if (holders[i] == s)
			holders[i] = NULL;
	s->slot = 0;
	pthread_mutex_unlock(&slots_lock);
}

static void
stream_unref(void *p)
{
	struct csv_stream	*s = p;

	if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	PQclear(s->res);
	buf_free(&s->out);
	free(s);
}

/* job_free of the request: it is going away, forget it. */
static void
stream_detach(void *p)
{
	struct csv_stream	*s = p;

	if (s->started && !s->finished)
		log_info("CSV export stopped after %llu bytes: the client "
		    "went away", (unsigned long long)s->sent);
	s->r = NULL;
	slot_give(s);		/* the request's lease goes back with it */
	stream_unref(s);
}

/* The next block of the cursor; the last one releases the lease early. */
static int
stream_fetch(struct csv_stream *s)
{
	PQclear(s->res);
	s->row = 0;
	s->res = db_query(s->r, "FETCH 1000 FROM mt_csv", 0);
	if (s->res == NULL)
		return (-1);
	if (PQntuples(s->res) < CSV_FETCH) {
		s->done = 1;
		slot_give(s);		/* before the lease: see req_free */
		db_release(s->r);	/* rolls back: the cursor was read-only */
	}
	return (0);
}

/* Encodes rows of the current block until about CSV_BLOCK bytes. */
static void
stream_encode(struct csv_stream *s)
{
	const char	*cells[CSV_MAXCOLS];
	int		 i, n = PQntuples(s->res);

	for (; s->row < n && s->out.len < CSV_BLOCK; s->row++) {
		for (i = 0; i < s->ncols; i++)
			cells[i] = PQgetisnull(s->res, s->row, i) ? NULL :
			    PQgetvalue(s->res, s->row, i);
		csv_row(&s->out, cells, s->ncols);
	}
}

/* libmicrohttpd's content reader: copies out bytes, refilling as needed. */
static ssize_t
stream_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	struct csv_stream	*s = cls;
	size_t			 n;

	(void)pos;
	while (s->off == s->out.len) {
		s->out.len = 0;
		s->off = 0;
		if (s->res != NULL && s->row < PQntuples(s->res)) {
			stream_encode(s);
			continue;
		}
		if (s->done) {
			s->finished = 1;
			return (MHD_CONTENT_READER_END_OF_STREAM);
		}
		if (s->r == NULL)	/* not expected: MHD is done with us */
			return (MHD_CONTENT_READER_END_WITH_ERROR);
		if (stream_fetch(s) == -1) {
			s->finished = 1;
			log_warn("CSV export cut short by a database error");
			return (MHD_CONTENT_READER_END_WITH_ERROR);
		}
	}
	n = s->out.len - s->off;
	if (n > max)
		n = max;
	memcpy(dst, s->out.data + s->off, n);
	s->off += n;
	s->sent += n;
	return ((ssize_t)n);
}

/*
 * Starts an export: an export slot (or 503) and the transaction its cursor
 * lives in. The stream is the request's from here on, so every way out,
 * error or not, gives the slot back when the request ends.
 */
static int
csv_begin(struct req *r)
{
	const union MHD_ConnectionInfo	*ci;
	struct csv_stream		*s;

	s = xcalloc(1, sizeof(*s));
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	s->fd = ci != NULL ? ci->connect_fd : -1;
	if (!slot_take(s)) {
		free(s);
		return (problem_later(r, 503, 5, "too many exports at once; "
		    "try again shortly"));
	}
	s->refs = 1;
	if (r->job_free != NULL)
		r->job_free(r->job);
	r->job = s;
	r->job_free = stream_detach;
	return (db_begin(r));
}

/*
 * Answers with the rows of the cursor mt_csv, which the caller declared
 * after csv_begin, as CSV under the header. The first block is fetched
 * here, so an error in the query is still a problem answer.
 */
static int
csv_reply(struct req *r, const char *filename, const char *const *header,
    int ncols)
{
	struct csv_stream	*s = r->job;
	struct MHD_Response	*resp;

	s->r = r;
	s->ncols = ncols;
	csv_row(&s->out, header, ncols);
	if (stream_fetch(s) == -1)
		return (-1);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, CSV_BLOCK,
	    stream_read, s, stream_unref);
	if (resp == NULL)
		return (problem_set(r, 500, NULL, "could not start the export"));
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);	/* MHD's */
	s->started = 1;
	reply_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
	reply_header(r, "Content-Disposition", req_strf(r,
	    "attachment; filename=\"%s\"", filename));
	return (reply_custom(r, 200, resp));
}

/* CSV when format=csv, or without format when Accept names text/csv.
 * Shared with the event report (csv.h). */
int
wants_csv(struct req *r, int *csv)
{
	static const char *const formats[] = { "json", "csv", NULL };
	const char	*format, *accept;

	*csv = 0;
	if (req_query_enum(r, "format", formats, &format) == -1)
		return (-1);
	if (format != NULL)
		*csv = strcmp(format, "csv") == 0;
	else if ((accept = req_header(r, "Accept")) != NULL)
		*csv = strstr(accept, "text/csv") != NULL;
	return (0);
}

static int
records_list(struct req *r)
{
	static const char *const header[] = { "user_id", "user_name",
	    "org_id", "org_name", "course_id", "course_title", "enrolled_at",
	    "completed_at", "best_percent", "certificate_code" };
	struct page	 p;
	int64_t		 org_id, user_id, course_id;
	const char	*from, *to;
	PGresult	*res;
	int		 csv;

	if (req_page(r, &p) == -1 || req_query_id(r, "org_id", &org_id) == -1 ||
	    req_query_id(r, "user_id", &user_id) == -1 ||
	    req_query_id(r, "course_id", &course_id) == -1 ||
	    req_query_time(r, "from", &from) == -1 ||
	    req_query_time(r, "to", &to) == -1 || wants_csv(r, &csv) == -1 ||
	    scope_records(r, &org_id, &user_id) == -1)
		return (-1);
	db_use_replica(r);
	if (!csv)
		return (db_reply(r, 200, "page",
		    "SELECT mt_records_page($1, $2, $3, $4, $5, $6, $7)::text",
		    7, scope_param(r, org_id), scope_param(r, user_id),
		    scope_param(r, course_id), from, to,
		    req_id_text(r, p.after),
		    req_id_text(r, p.limit)));
	if (csv_begin(r) == -1)
		return (-1);
	res = db_query(r, "SELECT mt_records_open($1, $2, $3, $4, $5)", 5,
	    scope_param(r, org_id), scope_param(r, user_id),
	    scope_param(r, course_id), from, to);
	if (res == NULL)
		return (-1);
	PQclear(res);
	return (csv_reply(r, "records.csv", header, (int)NELEM(header)));
}

static int
records_summary(struct req *r)
{
	static const char *const header[] = { "section", "org_id", "org_name",
	    "course_id", "course_title", "event_kind", "secondment_status",
	    "enrolled", "completed", "completion_rate", "registered",
	    "attended", "secondments" };
	int64_t		 org_id, user_id = 0;
	PGresult	*res;
	int		 csv;

	if (req_query_id(r, "org_id", &org_id) == -1 ||
	    wants_csv(r, &csv) == -1 ||
	    scope_records(r, &org_id, &user_id) == -1)
		return (-1);
	db_use_replica(r);
	if (!csv)
		return (db_reply(r, 200, "summary",
		    "SELECT mt_summary_json($1, $2)::text", 2,
		    scope_param(r, org_id), scope_param(r, user_id)));
	if (csv_begin(r) == -1)
		return (-1);
	res = db_query(r,
	    "DECLARE mt_csv NO SCROLL CURSOR FOR"
	    " SELECT section, org_id, org_name, course_id, course_title,"
	    "        event_kind, secondment_status, enrolled, completed,"
	    "        completion_rate, registered, attended, secondments"
	    "   FROM mt_summary($1, $2) ORDER BY ord",
	    2, scope_param(r, org_id), scope_param(r, user_id));
	if (res == NULL)
		return (-1);
	PQclear(res);
	return (csv_reply(r, "summary.csv", header, (int)NELEM(header)));
}

static int
records_transcript(struct req *r)
{
	int64_t	id, org_id = 0;

	if (req_param_id(r, 0, &id) == -1)
		return (-1);
	/* Naming the user in the filter makes another organisation's, or
	 * another trainee's, transcript a 403 like every records query. */
	if (scope_records(r, &org_id, &id) == -1)
		return (-1);
	db_use_replica(r);
	return (db_reply(r, 200, "user",
	    "SELECT mt_transcript($1)::text", 1, scope_param(r, id)));
}
