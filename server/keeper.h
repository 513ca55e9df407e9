/*
 * The housekeeping thread of `serve`: tells systemd the instance is ready,
 * pings its watchdog only while every HTTP worker answers a self-probe,
 * and purges expired login failures (schema/075) on a timer.
 */
#ifndef MIGTRAIN_KEEPER_H
#define MIGTRAIN_KEEPER_H

#include "util.h"

/* Sends READY=1 and starts the thread; -1 when it cannot start. */
int	 keeper_start(void) WARN_UNUSED;
/* Sends STOPPING=1 and joins the thread. */
void	 keeper_stop(void);
/* One self-probe of every worker: 0 when all answered within timeout_ms. */
int	 keeper_probe(int timeout_ms) WARN_UNUSED;
/* Deletes expired login failures once; the rows deleted, or -1. */
long	 keeper_purge(void);

#endif
