/*
 * The PostgreSQL layer: a fixed pool of libpq connections, leased to one
 * request at a time, and parameterised queries only. SQL errors become
 * problems through one SQLSTATE table; raw messages go to the log only.
 */
#ifndef MIGTRAIN_DB_H
#define MIGTRAIN_DB_H

#include <libpq-fe.h>
#include <stdarg.h>

#include "http.h"

/* Connections past one per worker thread: what streamed answers (CSV
 * exports, which keep theirs while the client reads) may hold at most:
 * half for exports in flight, half for exports whose client has gone but
 * whose worker has not let go yet (see records.c). */
#define DB_POOL_SLACK	4

/* Parameters of one statement at most. */
#define DB_PARAMS_MAX	32

int	 db_init(const char *conninfo, unsigned size);
void	 db_shutdown(void);
/*
 * The read replica (MIGTRAIN_DB_REPLICA): size connections, used while its
 * replay lag is at most max_lag_s seconds. Call after db_init.
 */
int	 db_init_replica(const char *conninfo, unsigned size, long max_lag_s);
/*
 * The read-replica lease: the request's next statements run on the
 * replica when one is configured, answers and is within the lag bound;
 * otherwise (or inside a transaction) nothing changes and they run on the
 * primary. Never fails; a replica that breaks later falls back to the
 * primary by itself. For read-only reports only (records, CSV, summary,
 * transcripts, event reports): call it after the caller is authorised,
 * just before the report's queries. Data may be up to the lag bound old.
 */
void	 db_use_replica(struct req *);
/* For /metrics: -1 without a replica, else 1 when the last lag check
 * found it current (reports read from it), 0 when not. */
int	 db_replica_current(void);
/* Connections of the primary leased right now, for /metrics. */
unsigned db_in_use(void);
unsigned db_size(void);

/*
 * Runs sql with n text parameters (const char *, NULL = SQL NULL) on the
 * request's lease, taking one from the pool first if needed. `sql` must be
 * a string literal: statements are prepared once per connection and found
 * again by their text. Returns the result, or NULL with the problem set
 * (409/422/503/... by SQLSTATE).
 */
PGresult *db_query(struct req *, const char *sql, int n, ...) WARN_UNUSED;
PGresult *db_queryv(struct req *, const char *sql, int n,
	    const char *const *params) WARN_UNUSED;
/* Collects the n const char * arguments of ap into params (at most
 * DB_PARAMS_MAX), for functions that take them as db_query does. */
void	 db_params(const char **params, int n, va_list ap);
/*
 * Runs sql and answers with the text of its first row's first column
 * (JSON). No row, or NULL → 404 with `what` in the detail.
 */
int	 db_reply(struct req *, unsigned status, const char *what,
	    const char *sql, int n, ...) WARN_UNUSED;
/* The same for a statement whose JSON is compact already (row_to_json and
 * array_to_json, schema/130_perf2.sql): sent as it comes, not squeezed. */
int	 db_reply_compact(struct req *, unsigned status, const char *what,
	    const char *sql, int n, ...) WARN_UNUSED;
/* Copies column col of every row as integers into a malloc'd array (NULL
 * when there are no rows) and clears res: for ids that later queries of
 * the same request need. */
int64_t	*db_take_ids(PGresult *res, int col, int *n);
/* Transactions spanning several statements of one request. A lease that
 * goes back to the pool inside a transaction is rolled back. */
int	 db_begin(struct req *) WARN_UNUSED;
int	 db_commit(struct req *) WARN_UNUSED;
/* Gives the lease back early (before a slow step). NULL-safe. */
void	 db_release(struct req *);
/* "ready" check for /readyz: 0 when the database answers. */
int	 db_ping(struct req *);

/* A connection of its own for a background job (session set up as the
 * pool's), or NULL with a warning logged. */
PGconn	*db_connect(const char *conninfo);
/* A connection outside any request (CLI commands). */
PGconn	*db_connect_cli(const char *conninfo);

#endif
