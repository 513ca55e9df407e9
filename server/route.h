/* The route table: every resource's routes in one ordered list, and the
 * matcher that maps (method, path) to a route and its path parameters. */
#ifndef MIGTRAIN_ROUTE_H
#define MIGTRAIN_ROUTE_H

#include "http.h"

/* One table per resource, each ending with a { NULL } sentinel. */
extern const struct route auth_routes[];
extern const struct route org_routes[];
extern const struct route user_routes[];
extern const struct route audit_routes[];
extern const struct route ops_routes[];
extern const struct route course_routes[];
extern const struct route quiz_routes[];
extern const struct route attempt_routes[];
extern const struct route event_routes[];
extern const struct route registration_routes[];
extern const struct route evaluation_routes[];
extern const struct route secondment_routes[];
extern const struct route record_routes[];
extern const struct route certificate_routes[];
extern const struct route preview_routes[];
extern const struct route mail_routes[];

/* The calendar of a user's confirmed events (GET /me/calendar), answered
 * for the caller or for the owner of a calendar feed secret (events.c). */
int	events_calendar_for(struct req *, const char *user_id);

void	 route_init(void);
void	 route_free(void);
int	 route_count(void);
const struct route *route_at(int);

/*
 * Finds the route for method and path. On a match, fills params (malloc'd
 * copies the caller frees) and *index. With no match, *allow lists the
 * methods the path does answer to ("" when the path is unknown: 404).
 */
const struct route *route_match(const char *method, const char *path,
	    char *params[ROUTE_MAX_PARAMS], int *index, char *allow,
	    size_t allowlen);

/* Non-zero when path matches pattern; fills params when given. Pure. */
int	 route_path_matches(const char *pattern, const char *path,
	    char *params[ROUTE_MAX_PARAMS]);

#endif
