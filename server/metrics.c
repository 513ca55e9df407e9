/*
 * Request metrics in the Prometheus text format. Counters are plain
 * integers updated with relaxed atomics: each is independent, and a scrape
 * that sees one request half-counted is still a correct monotonic series.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "metrics.h"
#include "route.h"

#define STATUS_SLOTS	500	/* 100..599 */

static const double bounds_ms[] = { 1, 2.5, 5, 10, 25, 50, 100, 250, 500,
	1000, 2500, 5000 };

static unsigned long	*counts;	/* (nroutes + 1) * STATUS_SLOTS */
static int		 routes_n;
static unsigned long	 buckets[NELEM(bounds_ms) + 1];
static unsigned long	 observed;
static unsigned long	 sum_us;

void
metrics_init(int nroutes)
{
	routes_n = nroutes;
	counts = xcalloc((size_t)(nroutes + 1) * STATUS_SLOTS, sizeof(*counts));
}

void
metrics_free(void)
{
	free(counts);
	counts = NULL;
}

void
metrics_observe(int route, unsigned status, double ms)
{
	size_t	b;
	int	row = route < 0 ? routes_n : route;

	if (counts == NULL || status < 100 || status > 599)
		return;
	__atomic_add_fetch(&counts[(size_t)row * STATUS_SLOTS + status - 100],
	    1, __ATOMIC_RELAXED);
	for (b = 0; b < NELEM(bounds_ms) && ms > bounds_ms[b]; b++)
		;
	__atomic_add_fetch(&buckets[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&observed, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sum_us, (unsigned long)(ms * 1000.0),
	    __ATOMIC_RELAXED);
}

char *
metrics_render(void)
{
	struct buf	 out = { 0 };
	unsigned long	 n, cumulative = 0;
	size_t		 b;
	int		 i, s;

	buf_appendf(&out, "# HELP migtrain_http_requests_total HTTP requests "
	    "by route and status.\n# TYPE migtrain_http_requests_total counter\n");
	for (i = 0; i <= routes_n; i++) {
		const struct route *rt = route_at(i);
		for (s = 0; s < STATUS_SLOTS; s++) {
			n = __atomic_load_n(&counts[(size_t)i * STATUS_SLOTS + s],
			    __ATOMIC_RELAXED);
			if (n == 0)
				continue;
			buf_appendf(&out, "migtrain_http_requests_total{method=\"%s\","
			    "route=\"%s\",status=\"%d\"} %lu\n",
			    rt ? rt->method : "", rt ? rt->pattern : "unmatched",
			    s + 100, n);
		}
	}
	buf_appendf(&out, "# HELP migtrain_http_request_duration_seconds "
	    "Time to answer a request.\n"
	    "# TYPE migtrain_http_request_duration_seconds histogram\n");
	for (b = 0; b <= NELEM(bounds_ms); b++) {
		cumulative += __atomic_load_n(&buckets[b], __ATOMIC_RELAXED);
		if (b < NELEM(bounds_ms))
			buf_appendf(&out, "migtrain_http_request_duration_seconds_"
			    "bucket{le=\"%g\"} %lu\n", bounds_ms[b] / 1000.0,
			    cumulative);
		else
			buf_appendf(&out, "migtrain_http_request_duration_seconds_"
			    "bucket{le=\"+Inf\"} %lu\n", cumulative);
	}
	buf_appendf(&out, "migtrain_http_request_duration_seconds_sum %.6f\n"
	    "migtrain_http_request_duration_seconds_count %lu\n",
	    __atomic_load_n(&sum_us, __ATOMIC_RELAXED) / 1e6, __atomic_load_n(&observed, __ATOMIC_RELAXED));
	buf_appendf(&out, "# HELP migtrain_db_pool_in_use Database connections "
	    "leased to requests.\n# TYPE migtrain_db_pool_in_use gauge\n"
	    "migtrain_db_pool_in_use %u\n"
	    "# HELP migtrain_db_pool_size Database connections in the pool.\n"
	    "# TYPE migtrain_db_pool_size gauge\nmigtrain_db_pool_size %u\n",
	    db_in_use(), db_size());
	buf_appendf(&out, "# HELP migtrain_http_connections Client connections "
	    "open.\n# TYPE migtrain_http_connections gauge\n"
	    "migtrain_http_connections %u\n"
	    "# HELP migtrain_http_connections_refused_total Connections closed "
	    "at once for the connection limits.\n"
	    "# TYPE migtrain_http_connections_refused_total counter\n"
	    "migtrain_http_connections_refused_total %lu\n",
	    http_connections(), http_refused());
	if (db_replica_current() != -1)
		buf_appendf(&out, "# HELP migtrain_db_replica_current 1 while "
		    "reports read from the replica (lag within the bound).\n"
		    "# TYPE migtrain_db_replica_current gauge\n"
		    "migtrain_db_replica_current %d\n", db_replica_current());
	return (out.data);
}
