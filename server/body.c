/*
 * The JSON side of request bodies. jansson rejects invalid UTF-8, a
 * \u0000 escape and (with JSON_REJECT_DUPLICATES) duplicated keys; its
 * parser depth limit stops deeply nested input. Field readers never stop
 * at the first error, so a client learns every bad field at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "crypto.h"
#include "problem.h"
#include "text.h"

static int
is_json_type(const char *ct)
{
	size_t	n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return (0);
	return (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

json_t *
body_json(struct req *r, const char *const *allowed)
{
	json_error_t	 err;
	const char	*key;
	json_t		*value;
	int		 i, bad = 0;

	if (r->json != NULL)
		return (r->json);
	if (!is_json_type(req_header(r, "Content-Type"))) {
		problem_set(r, 415, NULL, "send the body as application/json");
		return (NULL);
	}
	if (r->body == NULL || r->body_len == 0) {
		problem_set(r, 400, NULL, "the request needs a JSON body");
		return (NULL);
	}
	r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
	if (r->json == NULL) {
		problem_set(r, 400, "Malformed JSON", "line %d, column %d: %s",
		    err.line, err.column, err.text);
		return (NULL);
	}
	if (!json_is_object(r->json)) {
		problem_set(r, 400, "Malformed JSON", "the body must be a JSON "
		    "object");
		return (NULL);
	}
	json_object_foreach(r->json, key, value) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL) {
			problem_field(r, key, "unknown field");
			bad = 1;
		}
	}
	return (bad ? NULL : r->json);
}

/* The field's value, or NULL when absent or null (recording a missing
 * required field). */
static json_t *
field(struct req *r, json_t *o, const char *key, int required, int *failed)
{
	json_t	*v = json_object_get(o, key);

	*failed = 0;
	if (v == NULL || json_is_null(v)) {
		if (required) {
			problem_field(r, key, "is required");
			*failed = 1;
		}
		return (NULL);
	}
	return (v);
}

int
body_string(struct req *r, json_t *o, const char *key, int required,
    size_t minlen, size_t maxlen, const char **out)
{
	json_t	*v;
	size_t	 chars;
	int	 failed;
	const char *s;

	*out = NULL;
	if ((v = field(r, o, key, required, &failed)) == NULL)
		return (failed ? -1 : 0);
	if (!json_is_string(v))
		return (problem_field(r, key, "must be a string"));
	s = json_string_value(v);
	/* Lengths count characters, not bytes. */
	chars = utf8_chars(s);
	if (chars < minlen || chars > maxlen) {
		char msg[80];
		snprintf(msg, sizeof(msg), "must be %zu to %zu characters",
		    minlen, maxlen);
		return (problem_field(r, key, msg));
	}
	*out = s;
	return (0);
}

int
body_password(struct req *r, json_t *o, const char *key, const char **out)
{
	if (body_string(r, o, key, 1, 1, 1024, out) == -1)
		return (-1);
	if (password_acceptable(*out))
		return (0);
	*out = NULL;
	return (problem_field(r, key, "must be at least 10 characters and at "
	    "most 1024 bytes"));
}

int
body_int(struct req *r, json_t *o, const char *key, int required,
    int64_t min, int64_t max, int64_t *out, int *present)
{
	json_t	*v;
	int	 failed;

	*out = 0;
	if (present != NULL)
		*present = 0;
	if ((v = field(r, o, key, required, &failed)) == NULL)
		return (failed ? -1 : 0);
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		char msg[96];
		snprintf(msg, sizeof(msg), "must be an integer from %lld to %lld",
		    (long long)min, (long long)max);
		return (problem_field(r, key, msg));
	}
	*out = json_integer_value(v);
	if (present != NULL)
		*present = 1;
	return (0);
}

int
body_bool(struct req *r, json_t *o, const char *key, int required, int *out,
    int *present)
{
	json_t	*v;
	int	 failed;

	*out = 0;
	if (present != NULL)
		*present = 0;
	if ((v = field(r, o, key, required, &failed)) == NULL)
		return (failed ? -1 : 0);
	if (!json_is_boolean(v))
		return (problem_field(r, key, "must be true or false"));
	*out = json_is_true(v);
	if (present != NULL)
		*present = 1;
	return (0);
}

int
body_enum(struct req *r, json_t *o, const char *key, int required,
    const char *const *values, const char **out)
{
	const char	*s;
	int		 i;

	*out = NULL;
	if (body_string(r, o, key, required, 0, 64, &s) == -1)
		return (-1);
	if (s == NULL)
		return (0);
	for (i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], s) == 0) {
			*out = values[i];
			return (0);
		}
	return (problem_field(r, key, "is not one of the allowed values"));
}

int
body_time(struct req *r, json_t *o, const char *key, int required,
    const char **out)
{
	if (body_string(r, o, key, required, 0, 40, out) == -1)
		return (-1);
	if (*out != NULL && (strlen(*out) == 10 || !time_text_valid(*out))) {
		*out = NULL;
		return (problem_field(r, key, "must be an RFC 3339 timestamp"));
	}
	return (0);
}

int
body_date(struct req *r, json_t *o, const char *key, int required,
    const char **out)
{
	if (body_string(r, o, key, required, 0, 10, out) == -1)
		return (-1);
	if (*out != NULL && !date_text_valid(*out)) {
		*out = NULL;
		return (problem_field(r, key, "must be a date (YYYY-MM-DD)"));
	}
	return (0);
}

const char *
body_text(struct req *r, json_t *o)
{
	char	*s = json_dumps(o, JSON_COMPACT);
	char	*kept;

	if (s == NULL)
		return ("{}");
	kept = req_strf(r, "%s", s);
	free(s);
	return (kept);
}
