/* Unit tests of the access log line (server/log.c): its keys, and ms
 * written by hand exactly as jansson writes a real (%.6g). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

#define NELEM_VALUES(a) (sizeof(a) / sizeof((a)[0]))

/* The line log_request writes for these values (stderr captured). */
static void
line_of(double ms, long long user, const char *path, char *out, size_t len)
{
	FILE	*f = tmpfile();
	int	 saved = dup(2);
	size_t	 n;

	fflush(stderr);
	dup2(fileno(f), 2);
	log_request("GET", path, 200, ms, user, "req-1");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* What the "ms" value must read: jansson's form of the rounded value. */
static void
want_ms(double ms, char *out, size_t len)
{
	snprintf(out, len, "%.6g", (long long)(ms * 1000) / 1000.0);
	if (strpbrk(out, ".e") == NULL)
		strcat(out, ".0");
}

static void
test_ms(void)
{
	static const double values[] = { 0, 0.0004, 0.001, 0.01, 0.1, 0.5,
	    1, 1.5, 2.25, 9.999, 10, 12.3456, 100.05, 999.999, 1000, 1234.5678,
	    99999.9, 999999.999, 1000000, 123456789.5, -1 };
	char	line[2048], want[64], key[80];
	size_t	i;

	for (i = 0; i < NELEM_VALUES(values); i++) {
		line_of(values[i], 7, "/api/v1/x", line, sizeof(line));
		want_ms(values[i], want, sizeof(want));
		snprintf(key, sizeof(key), ",\"ms\":%s,\"user_id\":7,", want);
		CHECK(strstr(line, key) != NULL);
		if (strstr(line, key) == NULL)
			fprintf(stderr, "ms %g: %s", values[i], line);
	}
}

static void
test_line(void)
{
	char	line[2048];
	const char *ts;

	line_of(1.25, 0, "/a\"b", line, sizeof(line));
	CHECK(strncmp(line, "{\"level\":\"info\",\"msg\":\"request\","
	    "\"method\":\"GET\",\"path\":\"/a\\\"b\",\"status\":200,"
	    "\"ms\":1.25,\"user_id\":null,\"request_id\":\"req-1\",\"ts\":\"",
	    strlen("{\"level\":\"info\",\"msg\":\"request\","
	    "\"method\":\"GET\",\"path\":\"/a\\\"b\",\"status\":200,"
	    "\"ms\":1.25,\"user_id\":null,\"request_id\":\"req-1\",\"ts\":\""))
	    == 0);
	ts = strstr(line, "\"ts\":\"");
	CHECK(ts != NULL && strlen(ts) == strlen("\"ts\":\"2026-12-03T16:23:07.123Z\"}\n"));
	CHECK(ts != NULL && ts[10] == '-' && ts[16] == 'T' && ts[25] == '.' &&
	    strcmp(ts + 29, "Z\"}\n") == 0);
}



int
main(void)
{
	test_ms();
	test_line();
	return (check_summary());
}
