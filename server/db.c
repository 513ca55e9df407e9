/*
 * A fixed pool of libpq connections shared by the worker threads. A request
 * leases one connection for as long as it needs it and the glue gives it
 * back when the request ends, rolled back if a transaction was left open.
 * A connection that broke (the server restarted) is reset on its next
 * lease; while PostgreSQL is away requests get 503 with Retry-After at once.
 * Statements are prepared per connection on first use, keyed by their text.
 *
 * With MIGTRAIN_DB_REPLICA a second set of connections, as large, goes to a
 * streaming replica. A report handler asks for it with db_use_replica();
 * it gets it only while the replica answers and is within the lag bound
 * (checked at most once a second), and a replica that fails a statement
 * hands the request back to the primary, so callers never see an error
 * from it.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "problem.h"

#define DB_STMT_MAX		512
#define DB_ACQUIRE_TIMEOUT_S	5
#define DB_LAG_CHECK_MS		1000

struct stmt {
	const char	*sql_ptr;
	char		*sql;
};

struct db_conn {
	PGconn		*pg;
	int		 busy;
	int		 broken;
	int		 replica;	/* one of replicas[] */
	struct stmt	 stmts[DB_STMT_MAX];
	int		 nstmts;
};

static struct db_conn	*pool;
static unsigned		 pool_size;
static unsigned		 pool_busy;
static pthread_mutex_t	 pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 pool_cond = PTHREAD_COND_INITIALIZER;
static const char	*pool_conninfo;

static struct db_conn	*replicas;
static unsigned		 replica_size;
static const char	*replica_conninfo;
static long		 replica_max_lag_s;
/* The last lag check: when, its verdict, and whether one is running. */
static pthread_mutex_t	 lag_lock = PTHREAD_MUTEX_INITIALIZER;
static double		 lag_checked_ms = -1e12;
static int		 lag_ok;
static int		 lag_checking;

static PGconn		*connect_pg(const char *);
static void		 forget_statements(struct db_conn *);
static struct db_conn	*lease(struct req *);
static int		 heal(struct db_conn *);
static void		 replica_verdict(int);
static int		 sqlstate_problem(struct req *, PGconn *, PGresult *,
			    const char *);

/* PostgreSQL's notices (e.g. "text-search query contains only stop
 * words") go to the JSON log instead of bare lines on stderr. */
static void
notice_to_log(void *arg, const char *message)
{
	char	line[512];

	(void)arg;
	snprintf(line, sizeof(line), "%s", message);
	line[strcspn(line, "\n")] = '\0';
	log_info("postgresql: %s", line);
}

static PGconn *
connect_pg(const char *conninfo)
{
	/* A short connect timeout keeps workers from hanging on a dead
	 * server; later keywords override the caller's where both exist. */
	const char	*keys[] = { "dbname", "connect_timeout",
			    "application_name", NULL };
	const char	*vals[] = { conninfo, "2", "migtrain", NULL };
	PGconn		*pg;
	PGresult	*res;
	const char	*url;

	pg = PQconnectdbParams(keys, vals, 1);
	if (pg == NULL || PQstatus(pg) != CONNECTION_OK)
		return (pg);
	PQsetNoticeProcessor(pg, notice_to_log, NULL);
	res = PQexec(pg, "SET TIME ZONE 'UTC'; SET statement_timeout = '30s'; "
	    "SET idle_in_transaction_session_timeout = '60s'");
	PQclear(res);
	/* Links in mail written by triggers start with this (schema/090). */
	if ((url = getenv("MIGTRAIN_PUBLIC_URL")) != NULL) {
		res = PQexecParams(pg, "SELECT set_config('migtrain.public_url',"
		    " $1, false)", 1, NULL, &url, NULL, NULL, 0);
		PQclear(res);
	}
	return (pg);
}

PGconn *
db_connect(const char *conninfo)
{
	PGconn	*pg = connect_pg(conninfo);

	if (pg != NULL && PQstatus(pg) != CONNECTION_OK) {
		log_warn("database: %s", PQerrorMessage(pg));
		PQfinish(pg);
		pg = NULL;
	}
	return (pg);
}

PGconn *
db_connect_cli(const char *conninfo)
{
	PGconn	*pg = connect_pg(conninfo);

	if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect to the database: %s",
		    pg ? PQerrorMessage(pg) : "out of memory\n");
		PQfinish(pg);
		return (NULL);
	}
	return (pg);
}

int
db_init(const char *conninfo, unsigned size)
{
	unsigned	i;

	pool_conninfo = conninfo;
	pool_size = size;
	pool = xcalloc(size, sizeof(*pool));
	for (i = 0; i < size; i++) {
		pool[i].pg = connect_pg(conninfo);
		if (pool[i].pg == NULL || PQstatus(pool[i].pg) != CONNECTION_OK) {
			/* Start anyway: requests answer 503 until it is back. */
			log_warn("database connection %u: %s", i, pool[i].pg ?
			    PQerrorMessage(pool[i].pg) : "out of memory");
			pool[i].broken = 1;
		}
	}
	return (0);
}

void
db_shutdown(void)
{
	unsigned	i;

	for (i = 0; i < pool_size; i++) {
		forget_statements(&pool[i]);
		PQfinish(pool[i].pg);
	}
	free(pool);
	pool = NULL;
	pool_size = 0;
	for (i = 0; i < replica_size; i++) {
		forget_statements(&replicas[i]);
		PQfinish(replicas[i].pg);
	}
	free(replicas);
	replicas = NULL;
	replica_size = 0;
}

int
db_init_replica(const char *conninfo, unsigned size, long max_lag_s)
{
	unsigned	i;

	replica_conninfo = conninfo;
	replica_max_lag_s = max_lag_s;
	replica_size = size;
	replicas = xcalloc(size, sizeof(*replicas));
	/* Connected on first use: a replica that is down must not delay
	 * the start, and the primary serves meanwhile. */
	for (i = 0; i < size; i++) {
		replicas[i].replica = 1;
		replicas[i].broken = 1;
	}
	return (0);
}

unsigned
db_in_use(void)
{
	unsigned	n;

	pthread_mutex_lock(&pool_lock);
	n = pool_busy;
	pthread_mutex_unlock(&pool_lock);
	return (n);
}

unsigned
db_size(void)
{
	return (pool_size);
}

static void
forget_statements(struct db_conn *c)
{
	int	i;

	for (i = 0; i < c->nstmts; i++)
		free(c->stmts[i].sql);
	c->nstmts = 0;
}

static int
unavailable(struct req *r)
{
	return (problem_later(r, 503, 1, "the database is unavailable; "
	    "try again shortly"));
}

/* Leases a connection to r, healing a broken one first. */
static struct db_conn *
lease(struct req *r)
{
	struct db_conn	*c = NULL;
	struct timespec	 until;
	unsigned	 i;

	if (r->db != NULL)
		return (r->db);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DB_ACQUIRE_TIMEOUT_S;
	pthread_mutex_lock(&pool_lock);
	while (c == NULL) {
		for (i = 0; i < pool_size && c == NULL; i++)
			if (!pool[i].busy)
				c = &pool[i];
		if (c != NULL)
			break;
		if (pthread_cond_timedwait(&pool_cond, &pool_lock, &until) != 0)
			break;
	}
	if (c != NULL) {
		c->busy = 1;
		pool_busy++;
	}
	pthread_mutex_unlock(&pool_lock);
	if (c == NULL) {
		unavailable(r);
		return (NULL);
	}
	r->db = c;
	if ((c->broken || PQstatus(c->pg) != CONNECTION_OK) && heal(c) == -1) {
		db_release(r);
		unavailable(r);
		return (NULL);
	}
	return (c);
}

/* Replaces a broken connection with a new one. */
static int
heal(struct db_conn *c)
{
	forget_statements(c);
	PQfinish(c->pg);
	c->pg = connect_pg(c->replica ? replica_conninfo : pool_conninfo);
	c->broken = (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK);
	if (c->broken)
		return (-1);
	log_info("%s connection re-established", c->replica ?
	    "replica" : "database");
	return (0);
}

void
db_release(struct req *r)
{
	struct db_conn	*c = r->db;
	PGresult	*res;

	if (c == NULL)
		return;
	r->db = NULL;
	if (!c->broken && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
		res = PQexec(c->pg, "ROLLBACK");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			c->broken = 1;
		PQclear(res);
	}
	pthread_mutex_lock(&pool_lock);
	c->busy = 0;
	if (!c->replica) {
		pool_busy--;
		pthread_cond_signal(&pool_cond);
	}
	pthread_mutex_unlock(&pool_lock);
}

/* The statement name of sql on c, preparing it on first use. */
static const char *
prepared(struct req *r, struct db_conn *c, const char *sql, int n,
    char name[16])
{
	PGresult	*res;
	int		 i;

	for (i = 0; i < c->nstmts; i++) {
		if (c->stmts[i].sql_ptr == sql && strcmp(c->stmts[i].sql, sql) == 0) {
			snprintf(name, 16, "s%d", i);
			return (name);
		}
	}
	if (c->nstmts == DB_STMT_MAX)
		return (NULL);		/* run it unprepared */
	snprintf(name, 16, "s%d", c->nstmts);
	res = PQprepare(c->pg, name, sql, n, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		if (PQstatus(c->pg) != CONNECTION_OK)
			c->broken = 1;
		else
			sqlstate_problem(r, c->pg, res, sql);
		PQclear(res);
		return ("");
	}
	PQclear(res);
	c->stmts[c->nstmts].sql_ptr = sql;
	c->stmts[c->nstmts].sql = xstrdup(sql);
	c->nstmts++;
	return (name);
}

/*
 * A statement that finds its connection dead is retried once on a fresh
 * one, unless it ran inside a transaction (whose earlier work is lost), so
 * clients see no error once PostgreSQL is back after a restart.
 */
PGresult *
db_queryv(struct req *r, const char *sql, int n, const char *const *params)
{
	struct db_conn	*c;
	PGresult	*res;
	const char	*stmt;
	char		 name[16];
	ExecStatusType	 st;
	int		 attempt, in_tx;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((c = lease(r)) == NULL)
			return (NULL);
		in_tx = PQtransactionStatus(c->pg) != PQTRANS_IDLE;
		stmt = prepared(r, c, sql, n, name);
		if (stmt != NULL && *stmt == '\0' && !c->broken)
			return (NULL);		/* problem set */
		if (!c->broken) {
			if (stmt != NULL)
				res = PQexecPrepared(c->pg, stmt, n, params, NULL,
				    NULL, 0);
			else
				res = PQexecParams(c->pg, sql, n, NULL, params,
				    NULL, NULL, 0);
			st = PQresultStatus(res);
			if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
				return (res);
			if (PQstatus(c->pg) == CONNECTION_OK) {
				sqlstate_problem(r, c->pg, res, sql);
				PQclear(res);
				return (NULL);
			}
			PQclear(res);
			c->broken = 1;
		}
		if (c->replica && !in_tx) {
			/* Read again from the primary, and from the primary
			 * only until the next lag check finds the replica. */
			log_warn("replica connection lost, reading from the "
			    "primary: %s", PQerrorMessage(c->pg));
			replica_verdict(0);
			db_release(r);
			attempt--;
			continue;
		}
		log_warn("database connection lost: %s", PQerrorMessage(c->pg));
		if (in_tx || heal(c) == -1)
			break;
	}
	return (unavailable(r), NULL);
}

void
db_params(const char **params, int n, va_list ap)
{
	int	i;

	if (n > DB_PARAMS_MAX)
		abort();
	for (i = 0; i < n; i++)
		params[i] = va_arg(ap, const char *);
}

PGresult *
db_query(struct req *r, const char *sql, int n, ...)
{
	const char	*params[DB_PARAMS_MAX];
	va_list		 ap;

	va_start(ap, n);
	db_params(params, n, ap);
	va_end(ap);
	return (db_queryv(r, sql, n, params));
}

static int
reply_first(struct req *r, unsigned status, const char *what, int compact,
    const char *sql, int n, va_list ap)
{
	const char	*params[DB_PARAMS_MAX];
	PGresult	*res;
	int		 rc;

	db_params(params, n, ap);
	if ((res = db_queryv(r, sql, n, params)) == NULL)
		return (-1);
	if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0))
		rc = problem_set(r, 404, NULL, "no such %s", what);
	else if (compact)
		rc = reply_json_compact(r, status, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	else
		rc = reply_json(r, status, PQgetvalue(res, 0, 0));
	PQclear(res);
	return (rc);
}

int
db_reply(struct req *r, unsigned status, const char *what, const char *sql,
    int n, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, n);
	rc = reply_first(r, status, what, 0, sql, n, ap);
	va_end(ap);
	return (rc);
}

int
db_reply_compact(struct req *r, unsigned status, const char *what,
    const char *sql, int n, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, n);
	rc = reply_first(r, status, what, 1, sql, n, ap);
	va_end(ap);
	return (rc);
}

int64_t *
db_take_ids(PGresult *res, int col, int *n)
{
	int64_t	*ids = NULL;
	int	 i;

	*n = PQntuples(res);
	if (*n > 0)
		ids = xcalloc((size_t)*n, sizeof(*ids));
	for (i = 0; i < *n; i++)
		ids[i] = strtoll(PQgetvalue(res, i, col), NULL, 10);
	PQclear(res);
	return (ids);
}

static int
simple(struct req *r, const char *sql)
{
	PGresult	*res;

	if ((res = db_query(r, sql, 0)) == NULL)
		return (-1);
	PQclear(res);
	return (0);
}

int
db_begin(struct req *r)
{
	return (simple(r, "BEGIN"));
}

int
db_commit(struct req *r)
{
	return (simple(r, "COMMIT"));
}

/* Records the outcome of a lag check, or a replica found down. */
static void
replica_verdict(int ok)
{
	pthread_mutex_lock(&lag_lock);
	lag_ok = ok;
	lag_checked_ms = now_ms();
	pthread_mutex_unlock(&lag_lock);
}

/*
 * Whether the replica is close enough to the primary, on connection c. An
 * idle primary sends nothing, so the age of the last replayed transaction
 * grows without the replica falling behind: when it has replayed all it
 * received from a live WAL receiver it counts as current, and only WAL
 * received but not yet replayed makes the timestamp matter. Paused replay
 * counts as lagging at once. Clocks of both hosts must agree (NTP).
 */
static int
replica_current(struct db_conn *c)
{
	char		*max = xasprintf("%ld", replica_max_lag_s);
	const char	*param = max;
	PGresult	*res;
	int		 ok;

	res = PQexecParams(c->pg,
	    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN true"
	    " WHEN pg_is_wal_replay_paused() THEN false"
	    " WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver"
	    "                   WHERE pid IS NOT NULL) THEN false"
	    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
	    "  THEN true"
	    " ELSE coalesce(now() - pg_last_xact_replay_timestamp()"
	    "  <= make_interval(secs => $1::int), false) END",
	    1, NULL, &param, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warn("replica lag check failed: %s", PQerrorMessage(c->pg));
		if (PQstatus(c->pg) != CONNECTION_OK)
			c->broken = 1;
	}
	PQclear(res);
	free(max);
	return (ok);
}

void
db_use_replica(struct req *r)
{
	struct db_conn	*c = NULL;
	unsigned	 i;
	int		 check, ok;

	if (replicas == NULL || (r->db != NULL && (r->db->replica ||
	    PQtransactionStatus(r->db->pg) != PQTRANS_IDLE)))
		return;
	pthread_mutex_lock(&lag_lock);
	check = !lag_checking && now_ms() - lag_checked_ms >= DB_LAG_CHECK_MS;
	ok = lag_ok;
	if (check)
		lag_checking = 1;
	pthread_mutex_unlock(&lag_lock);
	if (!check && !ok)
		return;
	/* A free replica connection or none: never wait for one. */
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < replica_size && c == NULL; i++)
		if (!replicas[i].busy)
			c = &replicas[i];
	if (c != NULL)
		c->busy = 1;
	pthread_mutex_unlock(&pool_lock);
	if (c != NULL) {
		if ((c->broken || PQstatus(c->pg) != CONNECTION_OK) &&
		    heal(c) == -1)
			ok = 0;
		else if (check)
			ok = replica_current(c);
	}
	if (check) {
		pthread_mutex_lock(&lag_lock);
		if (c != NULL) {	/* else: all busy, check next time */
			lag_ok = ok;
			lag_checked_ms = now_ms();
		}
		lag_checking = 0;
		pthread_mutex_unlock(&lag_lock);
	} else if (c != NULL && !ok)
		replica_verdict(0);
	if (c == NULL)
		return;
	if (!ok) {
		pthread_mutex_lock(&pool_lock);
		c->busy = 0;
		pthread_mutex_unlock(&pool_lock);
		return;
	}
	db_release(r);		/* the primary's, taken for the session */
	r->db = c;
}

int
db_replica_current(void)
{
	int	ok;

	if (replicas == NULL)
		return (-1);
	pthread_mutex_lock(&lag_lock);
	ok = lag_ok;
	pthread_mutex_unlock(&lag_lock);
	return (ok);
}

int
db_ping(struct req *r)
{
	return (simple(r, "SELECT 1"));
}

/*
 * What a violated constraint means, in the words a client reads: clients
 * never see constraint names. Constraints not listed here are named by
 * PostgreSQL's defaults (table_column_key, _fkey, _check), from which
 * constraint_field takes the field.
 */
static const struct {
	const char	*name;
	const char	*field;		/* NULL: the request as a whole */
	const char	*words;
} constraint_words[] = {
	{ "orgs_name_key", "name",
	    "an organisation with this name already exists" },
	{ "users_email_key", "email", "a user with this email already exists" },
	{ "courses_slug_key", "slug", "a course with this slug already exists" },
	{ "modules_course_id_position_key", "position",
	    "the course already has a module at this position" },
	{ "enrollments_user_id_course_id_key", NULL,
	    "the user is already enrolled in this course" },
	{ "attempts_open_key", NULL,
	    "an attempt at this quiz is already open" },
	{ "registrations_active_key", NULL,
	    "the user is already registered for this event" },
	{ "secondments_no_overlap", "starts_on", "the official already has a "
	    "secondment (not cancelled) on some of these days; both dates "
	    "count" },
	{ "secondments_dates_check", "ends_on", "must not be before starts_on" },
	{ "events_ends_after_start", "ends_at", "must be after starts_at" },
	{ "events_window_order", "registration_closes_at",
	    "must be after registration_opens_at" },
	{ "events_window_before_end", "registration_closes_at",
	    "must not be after the end of the event" },
	{ "registrations_attendance_confirmed", "attendance",
	    "may only be recorded for a confirmed registration" },
};

/*
 * The record a unique value collides with, found by the request's value of
 * the constraint's field: only records that every caller who can cause the
 * conflict may read (organisations and users: admins, who create them, and
 * coordinators, who read every user; courses: coordinators).
 */
static const struct {
	const char	*constraint;
	const char	*noun;
	const char	*sql;
} existing_records[] = {
	{ "orgs_name_key", "organisation",
	    "SELECT id FROM orgs WHERE name = btrim($1)" },
	{ "users_email_key", "user",
	    "SELECT id FROM users WHERE lower(email) = lower($1)" },
	{ "courses_slug_key", "course", "SELECT id FROM courses WHERE slug = $1" },
};

/* The field of a constraint named table_field_suffix, or "" (at most n). */
static void
constraint_field(const char *constraint, const char *table, char *field,
    size_t n)
{
	static const char *const suffixes[] = { "_key", "_fkey", "_check",
	    "_not_null" };
	size_t		 tl = table ? strlen(table) : 0, len, i, sl;

	field[0] = '\0';
	if (constraint == NULL || table == NULL ||
	    strncmp(constraint, table, tl) != 0 || constraint[tl] != '_')
		return;
	constraint += tl + 1;
	len = strlen(constraint);
	for (i = 0; i < NELEM(suffixes); i++) {
		sl = strlen(suffixes[i]);
		if (len > sl && strcmp(constraint + len - sl, suffixes[i]) == 0 &&
		    len - sl < n) {
			memcpy(field, constraint, len - sl);
			field[len - sl] = '\0';
			return;
		}
	}
}

/*
 * The id of the record the unique value of field collided with, and its
 * noun; 0 when unknown. Outside a transaction only: inside one, the failed
 * statement aborted it.
 */
static int64_t
existing_id(struct req *r, PGconn *pg, const char *constraint,
    const char *field, const char **noun)
{
	const char	*value;
	PGresult	*res;
	int64_t		 id;
	size_t		 i;

	value = json_string_value(json_object_get(r->json, field));
	for (i = 0; i < NELEM(existing_records); i++)
		if (strcmp(existing_records[i].constraint, constraint) == 0)
			break;
	if (i == NELEM(existing_records) || value == NULL ||
	    PQtransactionStatus(pg) != PQTRANS_IDLE)
		return (0);
	*noun = existing_records[i].noun;
	res = PQexecParams(pg, existing_records[i].sql, 1, NULL, &value, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    parse_int64(PQgetvalue(res, 0, 0), 1, INT64_MAX, &id) == -1)
		id = 0;
	PQclear(res);
	return (id);
}

/* A constraint violation (23xxx) as a 409 or 422 in words. */
static int
constraint_problem(struct req *r, PGconn *pg, PGresult *res, unsigned status,
    const char *generic)
{
	const char	*constraint = PQresultErrorField(res,
			    PG_DIAG_CONSTRAINT_NAME);
	const char	*column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
	char		 field[64];
	size_t		 i;
	const char	*noun = NULL;
	int64_t		 id;
	json_t		*e;

	for (i = 0; constraint != NULL && i < NELEM(constraint_words); i++) {
		if (strcmp(constraint, constraint_words[i].name) != 0)
			continue;
		if (status == 422 || constraint_words[i].field == NULL)
			return (problem_set(r, status, NULL, "%s%s%s",
			    constraint_words[i].field ?
			    constraint_words[i].field : "",
			    constraint_words[i].field ? ": " : "",
			    constraint_words[i].words));
		id = existing_id(r, pg, constraint, constraint_words[i].field,
		    &noun);
		if (id > 0)
			problem_set(r, status, NULL, "%s: %s %lld",
			    constraint_words[i].words, noun, (long long)id);
		else
			problem_set(r, status, NULL, "%s",
			    constraint_words[i].words);
		/* A 409 names its field too, for forms to show it there, and
		 * the record in the way, for clients to link to it. */
		e = json_pack("{s:s, s:s}", "field", constraint_words[i].field,
		    "message", r->problem.detail);
		if (id > 0)
			json_object_set_new(e, "existing_id", json_integer(id));
		r->problem.errors = json_array();
		json_array_append_new(r->problem.errors, e);
		return (-1);
	}
	if (column != NULL)
		snprintf(field, sizeof(field), "%s", column);
	else
		constraint_field(constraint, PQresultErrorField(res,
		    PG_DIAG_TABLE_NAME), field, sizeof(field));
	return (problem_set(r, status, NULL, "%s%s%s", field,
	    field[0] ? ": " : "", generic));
}

/*
 * SQLSTATE → HTTP, after PostgREST's mapSQLtoHTTP. Functions in the schema
 * raise 'MT' + status (MT404, MT409, MT422, ...) with a message meant for
 * the client; every other message stays in the log.
 */
static int
sqlstate_problem(struct req *r, PGconn *pg, PGresult *res, const char *sql)
{
	const char	*state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char	*msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (state == NULL)
		state = "XX000";
	if (msg == NULL)
		msg = "";
	if (strncmp(state, "MT", 2) == 0) {
		int64_t status;
		if (parse_int64(state + 2, 400, 599, &status) == 0)
			return (problem_set(r, (unsigned)status, NULL, "%s", msg));
	}
	if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0)
		return (constraint_problem(r, pg, res, 409, "conflicts with an "
		    "existing record"));
	if (strcmp(state, "23503") == 0)
		return (constraint_problem(r, pg, res, 422, "refers to something "
		    "that does not exist"));
	if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0)
		return (constraint_problem(r, pg, res, 422, "is not allowed"));
	if (strncmp(state, "22", 2) == 0) {
		log_info("value refused by PostgreSQL (%s): %s", state, msg);
		return (problem_set(r, 422, NULL, "a value is malformed or out "
		    "of range"));
	}
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	    strncmp(state, "57P0", 4) == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
	    strcmp(state, "57014") == 0) {
		log_warn("database busy or away (%s): %s", state, msg);
		return (problem_later(r, 503, 1, "the database is busy; "
		    "try again shortly"));
	}
	log_err("sql error %s: %s (statement: %.120s)", state, msg, sql);
	return (problem_set(r, 500, NULL, "the server failed to answer"));
}
