/* Request bodies as JSON: content type, parsing, unknown fields, and
 * typed field readers that record a field error (422) when they fail. */
#ifndef MIGTRAIN_BODY_H
#define MIGTRAIN_BODY_H

#include <stdint.h>

#include <jansson.h>

#include "http.h"

/*
 * Parses the body as a JSON object. 415 unless application/json, 400 when
 * malformed (duplicate keys and \u0000 included), 422 for a key not in
 * `allowed` (NULL-terminated). The object is owned by the request.
 */
json_t	*body_json(struct req *, const char *const *allowed) WARN_UNUSED;

/* Each reader: required → 422 when absent; absent optional → *present 0
 * (or *out NULL). A JSON null counts as absent for optional fields. */
int	 body_string(struct req *, json_t *, const char *, int required,
	    size_t minlen, size_t maxlen, const char **out) WARN_UNUSED;
int	 body_int(struct req *, json_t *, const char *, int required,
	    int64_t min, int64_t max, int64_t *out, int *present) WARN_UNUSED;
int	 body_bool(struct req *, json_t *, const char *, int required,
	    int *out, int *present) WARN_UNUSED;
int	 body_enum(struct req *, json_t *, const char *, int required,
	    const char *const *values, const char **out) WARN_UNUSED;
/* Strings checked by text.h's shape tests. */
int	 body_time(struct req *, json_t *, const char *, int required,
	    const char **out) WARN_UNUSED;
int	 body_date(struct req *, json_t *, const char *, int required,
	    const char **out) WARN_UNUSED;
/* A new password: required, at least 10 characters and at most 1024 bytes
 * (crypto.h's password_acceptable). */
int	 body_password(struct req *, json_t *, const char *,
	    const char **out) WARN_UNUSED;
/* The whole object as compact JSON text owned by the request, for
 * passing to SQL as one jsonb parameter. */
const char *body_text(struct req *, json_t *);

#endif
