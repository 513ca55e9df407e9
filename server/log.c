/*
 * Structured logging: every line is one JSON object with ts and level, so
 * the log can be shipped and queried as is. jansson does the escaping; a
 * single fputs per line keeps lines from interleaving between threads.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "util.h"

static void
emit(json_t *o)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 stamp[64], *line;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000) % 1000);
	json_object_set_new(o, "ts", json_string(stamp));
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6));
	json_decref(o);
	if (line == NULL)
		return;
	fprintf(stderr, "%s\n", line);
	free(line);
}

static void
vlog(const char *level, const char *fmt, va_list ap)
{
	char	 msg[1024];
	json_t	*o;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	one_line(msg);		/* one event, one line: libpq's have several */
	o = json_object();
	json_object_set_new(o, "level", json_string(level));
	/* Messages may quote PostgreSQL errors; keep invalid bytes out. */
	json_object_set_new(o, "msg", utf8_valid(msg, strlen(msg)) ?
	    json_string(msg) : json_string("(message not UTF-8)"));
	emit(o);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("info", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("warn", fmt, ap);
	va_end(ap);
}

void
log_err(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("error", fmt, ap);
	va_end(ap);
}

void
log_request(const char *method, const char *path, unsigned status, double ms,
    long long user_id, const char *request_id)
{
	json_t	*o;

	o = json_object();
	json_object_set_new(o, "level", json_string("info"));
	json_object_set_new(o, "msg", json_string("request"));
	json_object_set_new(o, "method", json_string(method));
	json_object_set_new(o, "path", utf8_valid(path, strlen(path)) ?
	    json_string(path) : json_string("(not UTF-8)"));
	json_object_set_new(o, "status", json_integer(status));
	json_object_set_new(o, "ms", json_real((long long)(ms * 1000) / 1000.0));
	json_object_set_new(o, "user_id", user_id ? json_integer(user_id) :
	    json_null());
	json_object_set_new(o, "request_id", json_string(request_id));
	emit(o);
}
