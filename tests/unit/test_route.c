/* Unit tests of the route matcher (server/route.c). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "route.h"
#include "util.h"

static void
free_params(char *p[ROUTE_MAX_PARAMS])
{
	int	i;

	for (i = 0; i < ROUTE_MAX_PARAMS; i++) {
		free(p[i]);
		p[i] = NULL;
	}
}

static void
test_patterns(void)
{
	char	*p[ROUTE_MAX_PARAMS] = { 0 };

	CHECK(route_path_matches("/api/v1/users", "/api/v1/users", p));
	CHECK(!route_path_matches("/api/v1/users", "/api/v1/users/", p));
	CHECK(!route_path_matches("/api/v1/users", "/api/v1/user", p));
	CHECK(route_path_matches("/api/v1/users/{id}", "/api/v1/users/17", p));
	CHECK_STR(p[0], "17");
	free_params(p);
	CHECK(!route_path_matches("/api/v1/users/{id}", "/api/v1/users/", p));
	CHECK(p[0] == NULL);
	CHECK(!route_path_matches("/api/v1/users/{id}", "/api/v1/users/1/x", p));
	CHECK(p[0] == NULL);
	CHECK(route_path_matches("/api/v1/a/{x}/b/{y}", "/api/v1/a/1/b/two", p));
	CHECK_STR(p[0], "1");
	CHECK_STR(p[1], "two");
	free_params(p);
	CHECK(!route_path_matches("/api/v1/a/{x}/b/{y}", "/api/v1/a/1/c/two", p));
	CHECK(p[0] == NULL && p[1] == NULL);
	/* A literal after a parameter in one segment ends the value. */
	CHECK(route_path_matches("/api/v1/calendar/{secret}.ics",
	    "/api/v1/calendar/a.b.ics", p));
	CHECK_STR(p[0], "a.b");
	free_params(p);
	CHECK(!route_path_matches("/api/v1/calendar/{secret}.ics",
	    "/api/v1/calendar/.ics", p));
	CHECK(!route_path_matches("/api/v1/calendar/{secret}.ics",
	    "/api/v1/calendar/abc", p));
	CHECK(!route_path_matches("/api/v1/calendar/{secret}.ics",
	    "/api/v1/calendar/ics", p));
	CHECK(!route_path_matches("/api/v1/calendar/{secret}.ics",
	    "/api/v1/calendar/abc.ics/x", p));
	CHECK(p[0] == NULL);
}

static void
test_table(void)
{
	char		*p[ROUTE_MAX_PARAMS] = { 0 };
	char		 allow[128];
	int		 index = -1, i, j;
	const struct route *rt;

	route_init();
	CHECK(route_count() > 10);
	rt = route_match("GET", "/api/v1/users/5", p, &index, allow, sizeof(allow));
	CHECK(rt != NULL && strcmp(rt->pattern, "/api/v1/users/{id}") == 0);
	CHECK(route_at(index) == rt);
	CHECK_STR(p[0], "5");
	free_params(p);
	rt = route_match("HEAD", "/healthz", p, &index, allow, sizeof(allow));
	CHECK(rt != NULL && strcmp(rt->method, "GET") == 0);
	rt = route_match("DELETE", "/api/v1/orgs", p, &index, allow, sizeof(allow));
	CHECK(rt == NULL);
	CHECK_STR(allow, "GET, POST");
	rt = route_match("GET", "/nowhere", p, &index, allow, sizeof(allow));
	CHECK(rt == NULL && allow[0] == '\0');
	/* No two routes share a method and pattern. */
	for (i = 0; i < route_count(); i++)
		for (j = i + 1; j < route_count(); j++)
			CHECK(strcmp(route_at(i)->method, route_at(j)->method) != 0 ||
			    strcmp(route_at(i)->pattern, route_at(j)->pattern) != 0);
	route_free();
}

/* The concrete path of a pattern, each {name} replaced with "7". */
static void
concrete(const char *pattern, char *out, size_t len)
{
	size_t	n = 0;

	for (; *pattern != '\0' && n + 2 < len; pattern++) {
		if (*pattern == '{') {
			out[n++] = '7';
			pattern = strchr(pattern, '}');
		} else
			out[n++] = *pattern;
	}
	out[n] = '\0';
}

/*
 * Every route is found by its own method and path: as itself, or as the
 * first route of the table with that method that matches the path too;
 * every other method answers 405 naming exactly the methods that match.
 */
static void
test_every_route(void)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH",
	    "DELETE" };
	char		*p[ROUTE_MAX_PARAMS] = { 0 };
	char		 allow[128], path[256], want[128];
	int		 index, i, j;
	size_t		 m;
	const struct route *rt, *own;

	route_init();
	for (i = 0; i < route_count(); i++) {
		own = route_at(i);
		concrete(own->pattern, path, sizeof(path));
		index = -1;
		rt = route_match(own->method, path, p, &index, allow,
		    sizeof(allow));
		free_params(p);
		CHECK(rt != NULL && route_at(index) == rt);
		CHECK(rt != NULL && strcmp(rt->method, own->method) == 0);
		CHECK(index <= i);
		for (j = 0; j < index; j++)
			CHECK(strcmp(route_at(j)->method, own->method) != 0 ||
			    !route_path_matches(route_at(j)->pattern, path, NULL));
		for (m = 0; m < NELEM(methods); m++) {
			want[0] = '\0';
			for (j = 0; j < route_count(); j++)
				if (route_path_matches(route_at(j)->pattern, path,
				    NULL) && strstr(want, route_at(j)->method) ==
				    NULL) {
					if (want[0] != '\0')
						strcat(want, ", ");
					strcat(want, route_at(j)->method);
				}
			if (strstr(want, methods[m]) != NULL)
				continue;
			rt = route_match(methods[m], path, p, &index, allow,
			    sizeof(allow));
			CHECK(rt == NULL && p[0] == NULL);
			CHECK_STR(allow, want);
		}
	}
	route_free();
}

int
main(void)
{
	test_patterns();
	test_table();
	test_every_route();
	return (check_summary());
}
