/*
 * Housekeeping (keeper.h). The watchdog ping proves more than "the process
 * exists": each round hands one socket pair per worker thread to the
 * daemon, past the connection limits, and sends GET /healthz; only when
 * every probe is answered does systemd hear WATCHDOG=1, so a worker stuck
 * on a lock gets the instance restarted. The purge keeps login_failures
 * bounded however many unknown emails are tried; it is a plain DELETE of
 * expired rows, safe to run from several instances at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "http.h"
#include "keeper.h"
#include "log.h"

#define PROBE_MAX	64

static pthread_t	 thread;
static int		 running;
static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 cond = PTHREAD_COND_INITIALIZER;
static int		 stopping;
static uint64_t		 watchdog_usec;
static PGconn		*pg;

/*
 * A descriptor for probe k with fd % n == k, since the daemon gives an
 * added connection to worker fd % threads: duplicates of fd are taken
 * until one has the residue, the others closed. -1 when none did.
 */
static int
fd_for_worker(int fd, unsigned k, unsigned n)
{
	int	 spare[PROBE_MAX], nspare = 0, d = -1, i;

	while (nspare < PROBE_MAX) {
		if ((d = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
			break;
		if ((unsigned)d % n == k)
			break;
		spare[nspare++] = d;
		d = -1;
	}
	for (i = 0; i < nspare; i++)
		close(spare[i]);
	close(fd);
	return (d);
}

int
keeper_probe(int timeout_ms)
{
	static const char	 ask[] = "GET /healthz HTTP/1.1\r\nHost: probe\r\n"
	    "Connection: close\r\n\r\n";
	struct pollfd		 pfd[PROBE_MAX];
	char			 got[PROBE_MAX][16];
	size_t			 have[PROBE_MAX];
	unsigned		 n, i, answered = 0;
	int			 sv[2], rc = -1, left = timeout_ms;
	ssize_t			 k;

	n = config.threads < PROBE_MAX ? config.threads : PROBE_MAX;
	for (i = 0; i < n; i++) {
		pfd[i].fd = -1;
		have[i] = 0;
	}
	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
			goto out;
		pfd[i].fd = sv[1];
		pfd[i].events = POLLIN;
		if ((sv[0] = fd_for_worker(sv[0], i, n)) == -1 ||
		    http_add_probe(sv[0]) == -1 ||
		    write(sv[1], ask, sizeof(ask) - 1) != (ssize_t)sizeof(ask) - 1)
			goto out;
	}
	while (answered < n && left > 0) {
		double t0 = now_ms();
		if (poll(pfd, n, left) == -1 && errno != EINTR)
			goto out;
		left -= (int)(now_ms() - t0) + 1;
		for (i = 0; i < n; i++) {
			if (pfd[i].fd == -1 || !(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			k = read(pfd[i].fd, got[i] + have[i],
			    sizeof(got[i]) - 1 - have[i]);
			if (k <= 0)
				goto out;	/* closed without an answer */
			have[i] += (size_t)k;
			if (have[i] < 12)
				continue;
			got[i][have[i]] = '\0';
			if (strncmp(got[i], "HTTP/1.1 200", 12) != 0)
				goto out;
			close(pfd[i].fd);
			pfd[i].fd = -1;	/* poll ignores negative fds */
			answered++;
		}
	}
	rc = answered == n ? 0 : -1;
out:
	for (i = 0; i < n; i++)
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	return (rc);
}

long
keeper_purge(void)
{
	PGresult	*res;
	char		 window[24];
	long		 n = -1;
	const char	*params[1] = { window };

	if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
		PQfinish(pg);
		pg = PQconnectdb(config.db);
		if (PQstatus(pg) != CONNECTION_OK) {
			log_warn("purge: %s", PQerrorMessage(pg));
			return (-1);
		}
	}
	snprintf(window, sizeof(window), "%ld", config.login_window_s);
	res = PQexecParams(pg, "SELECT mt_login_purge($1)", 1, NULL, params,
	    NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	else
		log_warn("purge: %s", PQresultErrorMessage(res));
	PQclear(res);
	return (n);
}

static void *
keeper(void *arg)
{
	struct timespec	 until;
	double		 next_ping = 0, next_purge = 0, now;
	long		 n;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		now = now_ms();
		if (watchdog_usec > 0 && now >= next_ping) {
			pthread_mutex_unlock(&lock);
			/* A probe may take a third of the interval. */
			if (keeper_probe((int)(watchdog_usec / 3000)) == 0)
				sd_notify(0, "WATCHDOG=1");
			else
				log_err("a worker did not answer its probe: "
				    "withholding the watchdog ping");
			pthread_mutex_lock(&lock);
			next_ping = now + (double)watchdog_usec / 2000.0;
		}
		if (now >= next_purge) {
			pthread_mutex_unlock(&lock);
			if ((n = keeper_purge()) > 0)
				log_info("purged %ld expired login failures", n);
			pthread_mutex_lock(&lock);
			next_purge = now + config.purge_interval_s * 1000.0;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&cond, &lock, &until);
	}
	pthread_mutex_unlock(&lock);
	PQfinish(pg);
	pg = NULL;
	return (NULL);
}

int
keeper_start(void)
{
	if (sd_watchdog_enabled(0, &watchdog_usec) <= 0)
		watchdog_usec = 0;
	if (pthread_create(&thread, NULL, keeper, NULL) != 0) {
		log_err("cannot start the housekeeping thread");
		return (-1);
	}
	running = 1;
	sd_notify(0, "READY=1");
	return (0);
}

void
keeper_stop(void)
{
	sd_notify(0, "STOPPING=1");
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = 0;
}
