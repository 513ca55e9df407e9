/* Prometheus counters: requests by route and status, a latency histogram,
 * and the database pool in use. Lock-free on the request path. */
#ifndef MIGTRAIN_METRICS_H
#define MIGTRAIN_METRICS_H

#include "util.h"

void	 metrics_init(int nroutes);
void	 metrics_free(void);
/* route -1 = unmatched path. */
void	 metrics_observe(int route, unsigned status, double ms);
/* The exposition text, malloc'd. */
char	*metrics_render(void);

#endif
