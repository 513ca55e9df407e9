/*
 * Assembles the resource tables into one list at start and matches
 * requests against it. Patterns use OpenAPI's {name} segments so the same
 * strings appear in /openapi.json, and a test compares the two.
 */
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "util.h"

static const struct route *const resource_tables[] = {
	ops_routes, auth_routes, org_routes, user_routes, audit_routes,
	course_routes, quiz_routes, attempt_routes, event_routes,
	registration_routes, evaluation_routes, secondment_routes,
	record_routes, certificate_routes, mail_routes, preview_routes,
};

static const struct route	**routes;
static int			  nroutes;

void
route_init(void)
{
	size_t	t;
	int	i;

	nroutes = 0;
	for (t = 0; t < NELEM(resource_tables); t++)
		for (i = 0; resource_tables[t][i].method != NULL; i++)
			nroutes++;
	routes = xcalloc((size_t)nroutes + 1, sizeof(*routes));
	nroutes = 0;
	for (t = 0; t < NELEM(resource_tables); t++)
		for (i = 0; resource_tables[t][i].method != NULL; i++)
			routes[nroutes++] = &resource_tables[t][i];
}

void
route_free(void)
{
	free(routes);
	routes = NULL;
	nroutes = 0;
}

int
route_count(void)
{
	return (nroutes);
}

const struct route *
route_at(int i)
{
	return (i >= 0 && i < nroutes ? routes[i] : NULL);
}

int
route_path_matches(const char *pattern, const char *path,
    char *params[ROUTE_MAX_PARAMS])
{
	const char	*p = pattern, *s = path;
	int		 np = 0, i;

	while (*p != '\0' && *s != '\0') {
		if (*p == '{') {
			const char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			/* A literal after the parameter in the same segment
			 * ({secret}.ics) ends it: the value stops before it. */
			const char *close = strchr(p, '}');
			size_t suffix = close ? strcspn(close + 1, "/") : 0;
			if (suffix > 0) {
				if (len <= suffix || strncmp(s + len - suffix,
				    close + 1, suffix) != 0)
					goto fail;
				len -= suffix;
			}
			if (len == 0 || np == ROUTE_MAX_PARAMS)
				goto fail;
			if (params != NULL)
				params[np] = xstrndup(s, len);
			np++;
			s += len;
			p = strchr(p, '}');
			if (p == NULL)
				goto fail;
			p++;
			continue;
		}
		if (*p != *s)
			goto fail;
		p++;
		s++;
	}
	if (*p == '\0' && *s == '\0')
		return (1);
fail:
	if (params != NULL)
		for (i = 0; i < np; i++) {
			free(params[i]);
			params[i] = NULL;
		}
	return (0);
}

const struct route *
route_match(const char *method, const char *path,
    char *params[ROUTE_MAX_PARAMS], int *index, char *allow, size_t allowlen)
{
	int	i;

	/* HEAD is answered as GET; libmicrohttpd drops the body. */
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	allow[0] = '\0';
	/* The method first: it is cheaper to compare than the path, and
	 * it leaves out most of the table. */
	for (i = 0; i < nroutes; i++) {
		if (strcmp(routes[i]->method, method) != 0 ||
		    !route_path_matches(routes[i]->pattern, path, params))
			continue;
		*index = i;
		return (routes[i]);
	}
	/* No route: the methods the path answers to, for a 405. */
	for (i = 0; i < nroutes; i++) {
		if (!route_path_matches(routes[i]->pattern, path, NULL))
			continue;
		if (strstr(allow, routes[i]->method) == NULL &&
		    strlen(allow) + strlen(routes[i]->method) + 3 < allowlen) {
			if (allow[0] != '\0')
				strcat(allow, ", ");
			strcat(allow, routes[i]->method);
		}
	}
	return (NULL);
}
