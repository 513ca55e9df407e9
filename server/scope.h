/*
 * Who may see which records (API §9). The one place that decides it, for
 * every records endpoint: secondments, completion records, the summary
 * report and transcripts. A caller never gets its scope silently widened:
 * asking for rows outside it is a 403.
 */
#ifndef MIGTRAIN_SCOPE_H
#define MIGTRAIN_SCOPE_H

#include <stdint.h>

#include "http.h"

/*
 * Validates and narrows the filters of a records request. On entry *org_id
 * and *user_id are what the client asked for (0 = no filter); on success
 * they are the filters the SQL must apply (0 = none):
 *   trainee      user_id = self; another user, or another organisation, 403;
 *   reviewer     org_id = own organisation; another organisation, or a user
 *                who is not in it (or does not exist), 403;
 *   coordinator, admin   unchanged.
 * Needs one query only when a reviewer names a user. 0, or -1 with the
 * problem set.
 */
int	 scope_records(struct req *, int64_t *org_id, int64_t *user_id)
	    WARN_UNUSED;

/* An id as a SQL text parameter; 0 becomes NULL (no filter). */
const char *scope_param(struct req *, int64_t);

#endif
