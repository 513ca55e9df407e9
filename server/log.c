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

/*
 * Appends s to out[*n..cap) as a JSON string, escaping what JSON requires
 * (UTF-8 stays as it is, as jansson writes it). -1 when it does not fit.
 */
static int
put_json_string(char *out, size_t cap, size_t *n, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t		  i = *n;

	if (i + 2 > cap)
		return (-1);
	out[i++] = '"';
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (i + 8 > cap)
			return (-1);
		if (c == '"' || c == '\\') {
			out[i++] = '\\';
			out[i++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(out + i, "\\u00", 4);
			out[i + 4] = hex[c >> 4];
			out[i + 5] = hex[c & 15];
			i += 6;
		} else
			out[i++] = (char)c;
	}
	out[i++] = '"';
	*n = i;
	return (0);
}

/* Appends printf output at out[*n]; -1 when it does not fit. */
static int
put_fmt(char *out, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list	ap;
	int	k;

	if (*n >= cap)
		return (-1);
	va_start(ap, fmt);
	k = vsnprintf(out + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= cap - *n)
		return (-1);
	*n += (size_t)k;
	return (0);
}

/*
 * The access log line of every request, written straight into a stack
 * buffer: building it as a jansson object and dumping it was a third of
 * the server's instructions on GET /auth/me (callgrind, issue 11). Same
 * keys, order and values as the other lines; a line too long for the
 * buffer (a very long path) falls back to jansson.
 */
void
log_request(const char *method, const char *path, unsigned status, double ms,
    long long user_id, const char *request_id)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 line[1024], num[64];
	size_t		 n = 0;
	json_t		*o;
	int		 bad;

	if (!utf8_valid(path, strlen(path)))
		path = "(not UTF-8)";
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* ms as jansson prints a real: %.6g, with ".0" if it looks whole. */
	snprintf(num, sizeof(num), "%.6g", (long long)(ms * 1000) / 1000.0);
	if (strpbrk(num, ".e") == NULL)
		strcat(num, ".0");
	bad = put_fmt(line, sizeof(line), &n,
	    "{\"level\":\"info\",\"msg\":\"request\",\"method\":");
	bad |= put_json_string(line, sizeof(line), &n, method);
	bad |= put_fmt(line, sizeof(line), &n, ",\"path\":");
	bad |= put_json_string(line, sizeof(line), &n, path);
	bad |= put_fmt(line, sizeof(line), &n,
	    ",\"status\":%u,\"ms\":%s,\"user_id\":", status, num);
	bad |= user_id ? put_fmt(line, sizeof(line), &n, "%lld", user_id) :
	    put_fmt(line, sizeof(line), &n, "null");
	bad |= put_fmt(line, sizeof(line), &n, ",\"request_id\":");
	bad |= put_json_string(line, sizeof(line), &n, request_id);
	bad |= put_fmt(line, sizeof(line), &n,
	    ",\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\"}\n",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000) % 1000);
	if (!bad) {
		fwrite(line, 1, n, stderr);
		return;
	}
	o = json_object();
	json_object_set_new(o, "level", json_string("info"));
	json_object_set_new(o, "msg", json_string("request"));
	json_object_set_new(o, "method", json_string(method));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "status", json_integer(status));
	json_object_set_new(o, "ms", json_real((long long)(ms * 1000) / 1000.0));
	json_object_set_new(o, "user_id", user_id ? json_integer(user_id) :
	    json_null());
	json_object_set_new(o, "request_id", json_string(request_id));
	emit(o);
}
