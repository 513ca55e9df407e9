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

/* Appends the literal s at out[*n]; -1 when it does not fit. */
static int
put_lit(char *out, size_t cap, size_t *n, const char *s)
{
	size_t	len = strlen(s);

	if (*n + len > cap)
		return (-1);
	memcpy(out + *n, s, len);
	*n += len;
	return (0);
}

/* Appends v in decimal, with at least width digits; -1 if it won't fit. */
static int
put_uint(char *out, size_t cap, size_t *n, unsigned long long v, int width)
{
	char	d[24];
	int	k = 0;

	do {
		d[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 || k < width);
	if (*n + (size_t)k > cap)
		return (-1);
	while (k > 0)
		out[(*n)++] = d[--k];
	return (0);
}

/*
 * Appends ms rounded down to microseconds' thousandths as jansson prints
 * a real (%.6g, ".0" if it looks whole). Below 1000 s that is the integer
 * part, a point and the three decimals without trailing zeros, written
 * here by hand: snprintf of a double was a tenth of a request.
 */
static int
put_ms(char *out, size_t cap, size_t *n, double ms)
{
	long long	k = (long long)(ms * 1000);
	char		num[64];
	int		frac, width = 3;

	if (k < 0 || k >= 1000000) {
		snprintf(num, sizeof(num), "%.6g", k / 1000.0);
		if (strpbrk(num, ".e") == NULL)
			strcat(num, ".0");
		return (put_lit(out, cap, n, num));
	}
	frac = (int)(k % 1000);
	while (frac != 0 && frac % 10 == 0) {
		frac /= 10;
		width--;
	}
	if (put_uint(out, cap, n, (unsigned long long)(k / 1000), 1) == -1 ||
	    put_lit(out, cap, n, ".") == -1)
		return (-1);
	return (put_uint(out, cap, n, (unsigned long long)frac,
	    frac == 0 ? 1 : width));
}

/* "YYYY-MM-DDTHH:MM:SS" of t, remembered per thread for the second. */
static const char *
utc_second(time_t t)
{
	static __thread time_t	last = -1;
	static __thread char	text[64];
	struct tm		tm;

	if (t != last) {
		gmtime_r(&t, &tm);
		snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		last = t;
	}
	return (text);
}

/*
 * The access log line of every request, written straight into a stack
 * buffer: building it as a jansson object and dumping it was a third of
 * the server's instructions on GET /auth/me (callgrind, issue 11), and
 * printf a tenth. Same keys, order and values as the other lines; a line
 * too long for the buffer (a very long path) falls back to jansson.
 */
void
log_request(const char *method, const char *path, unsigned status, double ms,
    long long user_id, const char *request_id)
{
	struct timespec	 ts;
	char		 line[1024];
	size_t		 n = 0;
	json_t		*o;
	int		 bad;

	if (!utf8_valid(path, strlen(path)))
		path = "(not UTF-8)";
	clock_gettime(CLOCK_REALTIME, &ts);
	bad = put_lit(line, sizeof(line), &n,
	    "{\"level\":\"info\",\"msg\":\"request\",\"method\":");
	bad |= put_json_string(line, sizeof(line), &n, method);
	bad |= put_lit(line, sizeof(line), &n, ",\"path\":");
	bad |= put_json_string(line, sizeof(line), &n, path);
	bad |= put_lit(line, sizeof(line), &n, ",\"status\":");
	bad |= put_uint(line, sizeof(line), &n, status, 1);
	bad |= put_lit(line, sizeof(line), &n, ",\"ms\":");
	bad |= put_ms(line, sizeof(line), &n, ms);
	bad |= put_lit(line, sizeof(line), &n, ",\"user_id\":");
	bad |= user_id > 0 ? put_uint(line, sizeof(line), &n,
	    (unsigned long long)user_id, 1) : put_lit(line, sizeof(line), &n,
	    "null");
	bad |= put_lit(line, sizeof(line), &n, ",\"request_id\":");
	bad |= put_json_string(line, sizeof(line), &n, request_id);
	bad |= put_lit(line, sizeof(line), &n, ",\"ts\":\"");
	bad |= put_lit(line, sizeof(line), &n, utc_second(ts.tv_sec));
	bad |= put_lit(line, sizeof(line), &n, ".");
	bad |= put_uint(line, sizeof(line), &n,
	    (unsigned long long)(ts.tv_nsec / 1000000) % 1000, 3);
	bad |= put_lit(line, sizeof(line), &n, "Z\"}\n");
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
