/*
 * Problem details (RFC 9457). Every error a client sees is built here from
 * the struct problem a lower layer filled in; nothing else writes
 * application/problem+json. A request that failed without recording a
 * problem is a bug in the server, so it becomes a 500 and is logged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "problem.h"

static const struct {
	unsigned	 status;
	const char	*title;
} titles[] = {
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 409, "Conflict" },
	{ 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" },
	{ 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
};

const char *
problem_title(unsigned status)
{
	size_t	i;

	for (i = 0; i < NELEM(titles); i++)
		if (titles[i].status == status)
			return (titles[i].title);
	return ("Error");
}

int
problem_set(struct req *r, unsigned status, const char *title,
    const char *fmt, ...)
{
	va_list	ap;

	r->problem.retry_after = 0;	/* only problem_later's carry one */
	r->problem.status = status;
	r->problem.title = title ? title : problem_title(status);
	va_start(ap, fmt);
	vsnprintf(r->problem.detail, sizeof(r->problem.detail), fmt, ap);
	va_end(ap);
	return (-1);
}

int
problem_later(struct req *r, unsigned status, long seconds, const char *fmt,
    ...)
{
	va_list	ap;

	r->problem.status = status;
	r->problem.title = problem_title(status);
	va_start(ap, fmt);
	vsnprintf(r->problem.detail, sizeof(r->problem.detail), fmt, ap);
	va_end(ap);
	r->problem.retry_after = seconds > 0 ? seconds : 1;
	return (-1);
}

int
problem_field(struct req *r, const char *field, const char *message)
{
	json_t	*e;

	if (r->problem.status == 0) {
		r->problem.status = 422;
		r->problem.title = "Validation failed";
		snprintf(r->problem.detail, sizeof(r->problem.detail),
		    "one or more fields are invalid");
	}
	if (r->problem.errors == NULL)
		r->problem.errors = json_array();
	e = json_pack("{s:s, s:s}", "field", field, "message", message);
	json_array_append_new(r->problem.errors, e);
	return (-1);
}

/*
 * Every 422 names its fields in errors[]. Problems recorded as one
 * message (by a handler, or raised in SQL as "field: message") get their
 * field from the message: "name: ..." or "name must/is ..." names it;
 * anything else concerns the body as a whole, field "body".
 */
static void
fields_of_detail(struct req *r)
{
	const char	*d = r->problem.detail;
	size_t		 n = strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789_");
	char		 field[64];

	if (n > 0 && n < sizeof(field) && d[0] >= 'a' && d[0] <= 'z' &&
	    (strncmp(d + n, ": ", 2) == 0 || strncmp(d + n, " must ", 6) == 0 ||
	    strncmp(d + n, " is ", 4) == 0)) {
		memcpy(field, d, n);
		field[n] = '\0';
		d += n + (d[n] == ':' ? 2 : 1);
	} else
		snprintf(field, sizeof(field), "body");
	r->problem.errors = json_array();
	json_array_append_new(r->problem.errors, json_pack("{s:s, s:s}",
	    "field", field, "message", d));
}

char *
problem_json(struct req *r)
{
	json_t	*o;
	char	*s;

	if (r->problem.status < 400 || r->problem.status > 599)
		problem_set(r, 500, NULL, "the server failed to answer");
	if (r->problem.status == 422 && r->problem.errors == NULL)
		fields_of_detail(r);
	o = json_object();
	json_object_set_new(o, "type", json_string("about:blank"));
	json_object_set_new(o, "title", json_string(r->problem.title ?
	    r->problem.title : problem_title(r->problem.status)));
	json_object_set_new(o, "status", json_integer(r->problem.status));
	json_object_set_new(o, "detail", json_string(r->problem.detail));
	json_object_set_new(o, "instance", json_string(r->request_id));
	if (r->problem.errors != NULL)
		json_object_set(o, "errors", r->problem.errors);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return (s);
}
