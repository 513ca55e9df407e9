/*
 * Operations endpoints (API §11): liveness, readiness, Prometheus metrics
 * and the OpenAPI document. The document is assembled once, at first use,
 * from the fragments under server/openapi/ compiled into the binary.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "commands.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "embedded.h"
#include "log.h"
#include "metrics.h"
#include "problem.h"

static int	ops_healthz(struct req *);
static int	ops_readyz(struct req *);
static int	ops_metrics(struct req *);
static int	ops_openapi(struct req *);

const struct route ops_routes[] = {
	{ "GET", "/healthz", ops_healthz, 0 },
	{ "GET", "/readyz", ops_readyz, 0 },
	{ "GET", "/metrics", ops_metrics, 0 },
	{ "GET", "/openapi.json", ops_openapi, 0 },
	{ NULL, NULL, NULL, 0 }
};

static pthread_once_t	 openapi_once = PTHREAD_ONCE_INIT;
static char		*openapi_text;

static int
ops_healthz(struct req *r)
{
	return (reply_body(r, 200, "text/plain; charset=utf-8", "ok\n", 3));
}

static int
ops_readyz(struct req *r)
{
	if (db_ping(r) == -1)
		return (-1);		/* 503 with Retry-After */
	return (reply_body(r, 200, "text/plain; charset=utf-8", "ready\n", 6));
}

/*
 * /metrics tells an attacker the load and the error rates: with
 * MIGTRAIN_METRICS_TOKEN it needs that token as a Bearer credential;
 * without, it answers only a scraper on this host that connects directly
 * (a loopback peer, no proxy header), never a client through a proxy.
 */
static int
metrics_allowed(struct req *r)
{
	const char	*auth = req_header(r, "Authorization");
	unsigned char	 peer[ADDR_LEN];

	if (config.metrics_token != NULL) {
		if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0 &&
		    secret_equal(auth + 7, config.metrics_token))
			return (0);
		reply_header(r, "WWW-Authenticate", "Bearer realm=\"metrics\"");
		return (problem_set(r, 401, NULL, "/metrics needs the metrics "
		    "token as a Bearer credential"));
	}
	req_peer(r, peer);
	if (addr_is_loopback(peer) && req_header(r, "X-Forwarded-For") == NULL &&
	    req_header(r, "Forwarded") == NULL &&
	    req_header(r, "X-Real-IP") == NULL)
		return (0);
	return (problem_set(r, 403, NULL, "/metrics answers only on this host; "
	    "set MIGTRAIN_METRICS_TOKEN to scrape it from elsewhere"));
}

static int
ops_metrics(struct req *r)
{
	char	*text;
	int	 rc;

	if (metrics_allowed(r) == -1)
		return (-1);
	text = metrics_render();

	rc = reply_body(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    text, strlen(text));
	free(text);
	return (rc);
}

/* Merges object `from` into `into` one level deep per key (paths and
 * component maps are unions of the fragments). */
static void
merge(json_t *into, json_t *from)
{
	const char	*key;
	json_t		*v, *have;

	json_object_foreach(from, key, v) {
		have = json_object_get(into, key);
		if (json_is_object(have) && json_is_object(v))
			merge(have, v);
		else
			json_object_set(into, key, v);
	}
}

static void
build_openapi(void)
{
	json_t		*doc = json_object(), *part;
	json_error_t	 err;
	int		 i;

	for (i = 0; embedded_openapi[i].name != NULL; i++) {
		part = json_loads(embedded_openapi[i].text, 0, &err);
		if (part == NULL) {
			log_err("openapi fragment %s: %s", embedded_openapi[i].name,
			    err.text);
			continue;
		}
		merge(doc, part);
		json_decref(part);
	}
	openapi_text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
}

const char *
ops_openapi_text(void)
{
	pthread_once(&openapi_once, build_openapi);
	return (openapi_text);
}

static int
ops_openapi(struct req *r)
{
	const char	*text = ops_openapi_text();

	if (text == NULL)
		return (problem_set(r, 500, NULL, "no OpenAPI document"));
	return (reply_body(r, 200, "application/json", text, strlen(text)));
}
