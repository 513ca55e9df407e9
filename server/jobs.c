/*
 * Background jobs of the server: today one, the release of reserved seats
 * (API §15). Every second a thread with its own database connection asks
 * PostgreSQL to apply the releases that are due (mt_quota_release_due);
 * the rows are taken FOR UPDATE SKIP LOCKED, so any number of instances
 * may run it at once. Correctness does not hang on this thread: the event
 * lock applies a due release itself before any seat decision, the job
 * only makes the promotion happen at the time when nothing else changes.
 * The same pass folds the summary report's count deltas
 * (mt_summary_compact, schema/135_perf3.sql) once they pile up; readers
 * sum whatever is there, so this only keeps their sums short.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <libpq-fe.h>

#include "config.h"
#include "db.h"
#include "jobs.h"
#include "log.h"

#define JOBS_INTERVAL_S	1

static pthread_t	thread;
static pthread_mutex_t	lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	wake = PTHREAD_COND_INITIALIZER;
static int		running, stopping;

/* One job (a SELECT of one integer); on a broken connection drop it, the
 * next pass reconnects. Returns the integer, 0 on failure. */
static int
run_job(PGconn **pg, const char *sql, const char *what)
{
	PGresult	*res;
	int		 n = 0;

	if (*pg == NULL && (*pg = db_connect(config.db)) == NULL)
		return (0);
	res = PQexec(*pg, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warn("%s: %s", what, PQerrorMessage(*pg));
		if (PQstatus(*pg) != CONNECTION_OK) {
			PQfinish(*pg);
			*pg = NULL;
		}
	} else
		n = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (n);
}

static void
release_due(PGconn **pg)
{
	int	n;

	if ((n = run_job(pg, "SELECT mt_quota_release_due()",
	    "quota release")) > 0)
		log_info("quota release: %d event(s) released", n);
	(void)run_job(pg, "SELECT mt_summary_compact()", "summary compaction");
}

static void *
jobs_main(void *arg)
{
	struct timespec	 until;
	PGconn		*pg = NULL;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		pthread_mutex_unlock(&lock);
		release_due(&pg);
		pthread_mutex_lock(&lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += JOBS_INTERVAL_S;
		while (!stopping && pthread_cond_timedwait(&wake, &lock,
		    &until) == 0)
			;
	}
	pthread_mutex_unlock(&lock);
	PQfinish(pg);
	return (NULL);
}

int
jobs_start(void)
{
	stopping = 0;
	if (pthread_create(&thread, NULL, jobs_main, NULL) != 0) {
		log_err("cannot start the job thread");
		return (-1);
	}
	running = 1;
	return (0);
}

void
jobs_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = 0;
}
