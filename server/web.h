/* The web application (API §12): its assets, bundled from server/web/ and
 * compiled into the binary by server/web/build.mjs, and the one route that
 * serves them for every non-API GET the route table does not know. */
#ifndef MIGTRAIN_WEB_H
#define MIGTRAIN_WEB_H

#include <stddef.h>

#include "http.h"

struct web_asset {
	const char		*name;	/* "index.html" or a hashed file name */
	const char		*type;
	const unsigned char	*data;
	size_t			 len;
	const unsigned char	*gz;	/* the same, gzip-compressed */
	size_t			 gzlen;
};

/* Generated; ends with a { NULL } sentinel. */
extern const struct web_asset web_assets[];

/* The web route for a GET or HEAD of a path outside /api/, else NULL. */
const struct route *web_match(const char *method, const char *path);

#endif
