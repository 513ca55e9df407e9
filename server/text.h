/* Pure text helpers with unit tests: pagination cursors and the syntax
 * checks of dates and timestamps (PostgreSQL checks the calendar). */
#ifndef MIGTRAIN_TEXT_H
#define MIGTRAIN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Cursor of a keyset page: base64url of "k" + decimal id. out >= 32 bytes. */
void	cursor_encode(int64_t, char *out, size_t outlen);
int	cursor_decode(const char *, int64_t *) WARN_UNUSED;
/* YYYY-MM-DD with a plausible month and day. */
int	date_text_valid(const char *);
/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), or a plain date. */
int	time_text_valid(const char *);
/* An email address as far as a form can tell: one @, no spaces, a dot in
 * the domain, at most 254 bytes. */
int	email_text_valid(const char *);

/* A course slug: a-z, 0-9 and inner '-', 3 to 64 characters. */
int	slug_text_valid(const char *);
/* Non-zero when s is empty or only white space. */
int	text_blank(const char *);

#endif
