/*
 * Serves the web application: the app's HTML for / and every client-side
 * route (/courses/12, /verify/{code}), and its assets under /app/ with
 * content-hashed names cached for a year. It owns the security headers of
 * HTML answers (API §12); the app itself lives in server/web/ and is
 * compiled into web_assets[] at build time. It never serves /api/ paths.
 */
#include <string.h>

#include <microhttpd.h>

#include "problem.h"
#include "web.h"

#define WEB_CSP	"default-src 'self'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; object-src 'none'; base-uri 'none'; " \
	"frame-ancestors 'none'; form-action 'self'"

static int	web_serve(struct req *);

static const struct route web_route = { "GET", "/", web_serve, 0 };

const struct route *
web_match(const char *method, const char *path)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return (NULL);
	/* A path that is not UTF-8 is no route of the app: 404, not a page. */
	if (path[0] != '/' || strncmp(path, "/api/", 5) == 0 ||
	    strcmp(path, "/api") == 0 || !utf8_valid(path, strlen(path)))
		return (NULL);
	return (&web_route);
}

static const struct web_asset *
find(const char *name)
{
	int	i;

	for (i = 0; web_assets[i].name != NULL; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return (&web_assets[i]);
	return (NULL);
}

static int
accepts_gzip(struct req *r)
{
	const char	*ae = req_header(r, "Accept-Encoding");

	return (ae != NULL && strstr(ae, "gzip") != NULL);
}

static int
web_serve(struct req *r)
{
	const struct web_asset	*a;
	struct MHD_Response	*resp;
	int			 gz, html;

	html = strncmp(r->path, "/app/", 5) != 0;
	a = find(html ? "index.html" : r->path + 5);
	if (a == NULL)
		return (problem_set(r, 404, NULL, "no such resource"));
	gz = a->gz != NULL && accepts_gzip(r);
	/* The asset lives as long as the process: MHD may send it in place. */
	resp = MHD_create_response_from_buffer(gz ? a->gzlen : a->len,
	    (void *)(gz ? a->gz : a->data), MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return (problem_set(r, 500, NULL, "out of memory"));
	reply_custom(r, 200, resp);
	reply_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
	reply_header(r, "Vary", "Accept-Encoding");
	if (gz)
		reply_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (html) {
		reply_header(r, "Content-Security-Policy", WEB_CSP);
		reply_header(r, "Referrer-Policy", "same-origin");
		reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	} else
		reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "public, max-age=31536000, immutable");
	return (0);
}
