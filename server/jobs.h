/* The server's background jobs (jobs.c): started after the database pool,
 * stopped before it. */
#ifndef MIGTRAIN_JOBS_H
#define MIGTRAIN_JOBS_H

int	jobs_start(void);
void	jobs_stop(void);

#endif
