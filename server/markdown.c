/*
 * Markdown rendering for lessons. cmark's safe mode already drops raw HTML
 * and some dangerous URLs, but it allows data:image/... and judges schemes
 * by its own scanner; we do not want the safety of lesson pages to rest on
 * that, so every link and image URL in the parsed tree is checked against an
 * allow-list of schemes the way a browser would read it, before rendering.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "markdown.h"

static const char *const safe_schemes[] = { "http", "https", "mailto", NULL };

/*
 * A browser strips leading and trailing C0 controls and spaces from a URL
 * and deletes every tab and newline inside it before it looks for the
 * scheme, so "\x01java\tscript:" is a javascript: URL. Read it the same way:
 * the scheme is the run of [A-Za-z][A-Za-z0-9+.-]* ending in ':'; anything
 * else before the first ':' (or no ':' before '/', '?', '#') is relative.
 */
int
markdown_url_safe(const char *url)
{
	char		 scheme[16];
	size_t		 n = 0;
	const unsigned char *p = (const unsigned char *)url;
	int		 i;

	if (url == NULL)
		return (1);
	while (*p != '\0' && *p <= 0x20)
		p++;
	for (; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (*p == ':')
			break;
		if (n == 0 ? !isalpha(*p) :
		    !(isalnum(*p) || *p == '+' || *p == '-' || *p == '.'))
			return (1);	/* not a scheme: a relative URL */
		if (n + 1 >= sizeof(scheme))
			return (0);	/* a scheme, and not one we know */
		scheme[n++] = (char)tolower(*p);
	}
	if (*p != ':')
		return (1);		/* no colon: relative */
	if (n == 0)
		return (0);		/* ":foo" is odd; refuse it */
	scheme[n] = '\0';
	for (i = 0; safe_schemes[i] != NULL; i++)
		if (strcmp(scheme, safe_schemes[i]) == 0)
			return (1);
	return (0);
}

/* Empties unsafe link and image URLs; the text of the link stays. */
static int
markdown_sanitise(cmark_node *doc)
{
	cmark_iter	*it;
	cmark_event_type ev;
	cmark_node	*n;
	int		 rc = 0;

	if ((it = cmark_iter_new(doc)) == NULL)
		return (-1);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		n = cmark_iter_get_node(it);
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE:
			if (!markdown_url_safe(cmark_node_get_url(n)) &&
			    !cmark_node_set_url(n, ""))
				rc = -1;
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
	return (rc);
}

char *
markdown_render(const char *md, size_t len)
{
	/* SAFE is cmark's default since 0.29; name it anyway so the intent
	 * survives an older library. UNSAFE must never be set here. */
	const int	 opts = CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8;
	cmark_node	*doc;
	char		*html = NULL;

	if (md == NULL)
		md = "";
	if ((doc = cmark_parse_document(md, len, opts)) == NULL)
		return (NULL);
	if (markdown_sanitise(doc) == 0)
		html = cmark_render_html(doc, opts);
	cmark_node_free(doc);
	return (html);
}
