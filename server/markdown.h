/* Lesson Markdown to HTML, rendered once when a lesson is saved: CommonMark
 * by cmark in safe mode, with links and images limited to harmless URLs. */
#ifndef MIGTRAIN_MARKDOWN_H
#define MIGTRAIN_MARKDOWN_H

#include <stddef.h>

#include "util.h"

/*
 * Renders len bytes of Markdown as HTML. Raw HTML (blocks and inline) is
 * dropped; link and image URLs other than http:, https:, mailto: and
 * scheme-less (relative, #fragment) ones are emptied. Invalid UTF-8 and NUL
 * bytes become U+FFFD. Returns a malloc'd string the caller frees, or NULL
 * when out of memory.
 */
char	*markdown_render(const char *md, size_t len) WARN_UNUSED;

/* Limits of a lesson, for the API and the importer alike. Deeply nested
 * Markdown (">>>>...") renders to ~27 times its size, and a lesson is
 * served on every read, so its HTML is bounded too. */
#define MARKDOWN_MD_MAX		200000		/* characters */
#define MARKDOWN_HTML_MAX	(2u << 20)	/* bytes */

/* Non-zero when url may appear as an href or src (the test above). Pure. */
int	 markdown_url_safe(const char *url);

#endif
