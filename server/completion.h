/* Course completion: the one place that decides a course is complete and
 * issues its certificate, inside the caller's transaction. */
#ifndef MIGTRAIN_COMPLETION_H
#define MIGTRAIN_COMPLETION_H

#include "http.h"

/*
 * Call inside a transaction (db_begin) after marking a module done for an
 * enrolment. Sets completed_at once when every module is done and issues
 * the certificate in the same transaction. 0, or -1 with the problem set.
 */
int	completion_check(struct req *, int64_t enrollment_id) WARN_UNUSED;

#endif
