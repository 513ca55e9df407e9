/* The single error path: lower layers record a problem and return -1; the
 * glue in http.c turns it into application/problem+json (RFC 9457). */
#ifndef MIGTRAIN_PROBLEM_H
#define MIGTRAIN_PROBLEM_H

#include "http.h"

/* Records status, title and a formatted detail; always returns -1. */
int	problem_set(struct req *, unsigned, const char *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
/* A problem the client may retry after `seconds` (429, 503): sets the
 * Retry-After of the answer. Always returns -1. */
int	problem_later(struct req *, unsigned, long seconds, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
/* Adds a field error and makes the problem a 422 unless one is set;
 * always returns -1. */
int	problem_field(struct req *, const char *field, const char *message);
/* The standard title of an HTTP status. */
const char *problem_title(unsigned);
/* Serialises the problem (owned by the caller, malloc'd). */
char	*problem_json(struct req *);

#endif
