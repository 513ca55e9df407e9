/*
 * /api/v1/certificates (API §10, §17): the public verification page, the
 * printable PDF, revocation by staff, and the JWKS. Issuing lives in
 * certificate.c (domain logic that completion calls); drawing the PDF in
 * pdf.c.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "certificate.h"
#include "db.h"
#include "pdf.h"
#include "problem.h"
#include "signing.h"

#define CERT_CODE_PARAM_MAX	64	/* longer than any typed code */
#define CERT_REASON_MAX		500
#define CERT_PDF_CACHE		64	/* PDFs of about 40 kB */

static int	certificates_keys(struct req *);
static int	certificates_get(struct req *);
static int	certificates_revoke(struct req *);
static int	certificates_pdf(struct req *);

/* keys comes first: the matcher takes the first pattern that fits, and
 * {code} would capture "keys" otherwise. */
const struct route certificate_routes[] = {
	{ "GET", "/api/v1/certificates/keys", certificates_keys, 0 },
	{ "GET", "/api/v1/certificates/{code}", certificates_get, 0 },
	{ "POST", "/api/v1/certificates/{code}/revoke", certificates_revoke,
	    ROUTE_AUTH },
	{ "GET", "/api/v1/certificates/{code}/pdf", certificates_pdf, 0 },
	{ NULL, NULL, NULL, 0 }
};

/* The path's code, or NULL (and a 404) when it cannot be one. */
static const char *
cert_code_param(struct req *r)
{
	const char	*code = r->params[0];
	size_t		 len = code ? strlen(code) : 0;

	if (len == 0 || len > CERT_CODE_PARAM_MAX || !utf8_valid(code, len)) {
		problem_set(r, 404, NULL, "no such certificate");
		return (NULL);
	}
	return (code);
}

static int
certificates_keys(struct req *r)
{
	const struct signing_keyset *ks;

	if ((ks = signing_keys()) == NULL)
		return (problem_set(r, 500, NULL, "the certificate signing "
		    "keys are unavailable"));
	return (reply_json_new(r, 200, signing_jwks_json(ks)));
}

static int
certificates_get(struct req *r)
{
	const char	*code;

	if ((code = cert_code_param(r)) == NULL)
		return (-1);
	return (db_reply(r, 200, "certificate",
	    "SELECT certificate_json(c)::text FROM certificates c"
	    " WHERE code = mt_certificate_code($1)", 1, code));
}

/* Revoking twice is 409: the first reason and time stand. */
static int
certificates_revoke(struct req *r)
{
	static const char *const fields[] = { "reason", NULL };
	const char	*code, *reason;
	json_t		*b;
	size_t		 i;

	if (require_role(r, ROLE_STAFF) == -1 ||
	    (code = cert_code_param(r)) == NULL ||
	    (b = body_json(r, fields)) == NULL ||
	    body_string(r, b, "reason", 1, 1, CERT_REASON_MAX, &reason) == -1)
		return (-1);
	for (i = 0; reason[i] != '\0' && strchr(" \t\r\n", reason[i]); i++)
		;
	if (reason[i] == '\0')
		return (problem_field(r, "reason", "must not be blank"));
	return (db_reply(r, 200, "certificate",
	    "SELECT mt_certificate_revoke($1, $2, $3)::text", 3, code, reason,
	    req_caller_id(r)));
}

/*
 * Recently drawn PDFs, by code and revocation state. Drawing one costs
 * about 17 ms of CPU (most of it zlib compressing the font subsets;
 * tests/bench/pdf.sh), which a worker should not spend again on every
 * download of the same page. A certificate never changes after issue but
 * for its revocation (schema/050), so the key is exact; the settings that
 * also show on the page are fixed for the life of the process.
 */
struct pdf_cached {
	char		 key[CERT_CODE_PARAM_MAX + 40];
	char		*data;
	size_t		 len;
	uint64_t	 used;
};
static struct pdf_cached	pdf_cache[CERT_PDF_CACHE];
static uint64_t			pdf_clock;
static pthread_mutex_t		pdf_lock = PTHREAD_MUTEX_INITIALIZER;

/* A copy of the cached PDF under key into *out, or 0 when there is none. */
static int
pdf_cache_get(const char *key, struct buf *out)
{
	int	i, hit = 0;

	pthread_mutex_lock(&pdf_lock);
	for (i = 0; i < CERT_PDF_CACHE && !hit; i++)
		if (pdf_cache[i].data != NULL &&
		    strcmp(pdf_cache[i].key, key) == 0) {
			pdf_cache[i].used = ++pdf_clock;
			buf_append(out, pdf_cache[i].data, pdf_cache[i].len);
			hit = 1;
		}
	pthread_mutex_unlock(&pdf_lock);
	return (hit);
}

/* Keeps a copy, in place of the least recently used entry. */
static void
pdf_cache_put(const char *key, const struct buf *b)
{
	struct pdf_cached	*e = &pdf_cache[0];
	char			*copy;
	int			 i;

	copy = xmalloc(b->len);
	memcpy(copy, b->data, b->len);
	pthread_mutex_lock(&pdf_lock);
	for (i = 1; i < CERT_PDF_CACHE; i++)
		if (pdf_cache[i].used < e->used)
			e = &pdf_cache[i];
	free(e->data);
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->data = copy;
	e->len = b->len;
	e->used = ++pdf_clock;
	pthread_mutex_unlock(&pdf_lock);
}

/*
 * GET /certificates/{code}/pdf, drawn on first request and then served
 * from the cache above, so a revocation shows at once. The QR code holds
 * {MIGTRAIN_PUBLIC_URL}/verify/{code}; without a public URL it holds the
 * credential's id, urn:migtrain:certificate:{code}, since a relative
 * address means nothing to a phone.
 */
static int
certificates_pdf(struct req *r)
{
	struct pdf_certificate	 c;
	struct buf		 b = { NULL, 0, 0 };
	const char		*code, *base, *key;
	PGresult		*res;
	int			 rc;

	if ((code = cert_code_param(r)) == NULL)
		return (-1);
	res = db_query(r, "SELECT code, holder_name, course_title,"
	    "       to_char(completed_at AT TIME ZONE 'UTC',"
	    "               'FMDD FMMonth YYYY'),"
	    "       to_char(revoked_at AT TIME ZONE 'UTC', 'FMDD FMMonth YYYY')"
	    "  FROM certificates"
	    " WHERE code = mt_certificate_code($1) AND credential IS NOT NULL",
	    1, code);
	if (res == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (problem_set(r, 404, NULL, "no such certificate"));
	}
	code = req_strf(r, "%s", PQgetvalue(res, 0, 0));
	c.holder = req_strf(r, "%s", PQgetvalue(res, 0, 1));
	c.course = req_strf(r, "%s", PQgetvalue(res, 0, 2));
	c.completed = req_strf(r, "%s", PQgetvalue(res, 0, 3));
	c.revoked = PQgetisnull(res, 0, 4) ? NULL :
	    req_strf(r, "%s", PQgetvalue(res, 0, 4));
	PQclear(res);
	key = req_strf(r, "%s|%s", code, c.revoked ? c.revoked : "");
	if (!pdf_cache_get(key, &b)) {
		c.issuer = certificate_issuer_name();
		c.code = code;
		if ((base = certificate_public_url(r)) != NULL) {
			c.qr = req_strf(r, "%s/verify/%s", base, code);
			c.verify = req_strf(r, "Verify at %s", c.qr);
		} else {
			c.qr = req_strf(r, "urn:migtrain:certificate:%s", code);
			c.verify = "Verify this code on the issuer's migtrain "
			    "site.";
		}
		if (pdf_certificate(&c, &b) == -1) {
			buf_free(&b);
			return (problem_set(r, 500, NULL, "could not draw the "
			    "certificate"));
		}
		pdf_cache_put(key, &b);
	}
	reply_header(r, "Content-Disposition", req_strf(r, "inline; "
	    "filename=\"certificate-%s.pdf\"", code));
	rc = reply_body(r, 200, "application/pdf", b.data, b.len);
	buf_free(&b);
	return (rc);
}
