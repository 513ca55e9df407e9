/* Small helpers every module uses: allocation that never returns NULL,
 * a growable byte buffer, and the annotations of fallible functions. */
#ifndef MIGTRAIN_UTIL_H
#define MIGTRAIN_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define WARN_UNUSED	__attribute__((warn_unused_result))
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	 buf_append(struct buf *, const void *, size_t);
void	 buf_appendf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_free(struct buf *);

/* Parses a whole decimal integer in [min, max]; 0 or -1. */
int	 parse_int64(const char *, int64_t, int64_t, int64_t *) WARN_UNUSED;
/* Monotonic milliseconds, for durations only. */
double	 now_ms(void);
/* Characters (code points) of a valid UTF-8 string. */
size_t	 utf8_chars(const char *);
/* Non-zero when s (len bytes) is well-formed UTF-8 without NUL bytes. */
int	 utf8_valid(const char *, size_t);
/* Removes the whitespace between the tokens of the JSON text s in place
 * (PostgreSQL's json_build_object writes `{"id" : 1}`), so every answer
 * has jansson's compact form; returns the new length. */
size_t	 json_squeeze(char *);
/* Turns every run of whitespace in s (newlines, tabs: libpq's messages
 * have both) into one space and trims the ends, in place. */
void	 one_line(char *);

#endif
