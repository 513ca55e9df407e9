/*
 * Issuing certificates (API §10): domain logic that course completion
 * calls inside its transaction. The credential is built by PostgreSQL from
 * the certificate row it certifies (certificate_payload, schema/050),
 * signed here with the newest key of signing.c and stored in the same
 * transaction, so a completion never commits without its signed
 * certificate. The HTTP side (the public page, the PDF, revocation) is
 * handlers/certificates.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "certificate.h"
#include "db.h"
#include "log.h"
#include "problem.h"
#include "signing.h"

/* 12 characters of 5 bits: 60 random bits, so a collision is rare and a
 * handful of draws always finds a free code. */
#define CERT_CODE_LEN		12
#define CERT_CODE_ATTEMPTS	8

/* Crockford's base32: no I, L, O or U, so a code read aloud or copied by
 * hand survives. 32 symbols divide 256, so `byte & 31` is uniform. */
static const char cert_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void
cert_code_new(char out[CERT_CODE_LEN + 1])
{
	unsigned char	raw[CERT_CODE_LEN];
	size_t		i;

	randombytes_buf(raw, sizeof(raw));
	for (i = 0; i < CERT_CODE_LEN; i++)
		out[i] = cert_alphabet[raw[i] & 31];
	out[CERT_CODE_LEN] = '\0';
}

/* Optional deployment settings for the credential's ids and issuer name
 * (README); without them the ids are URNs and the issuer is "migtrain". */
const char *
certificate_public_url(struct req *r)
{
	const char	*u = getenv("MIGTRAIN_PUBLIC_URL");
	size_t		 len;

	if (u == NULL || *u == '\0')
		return (NULL);
	len = strlen(u);
	while (len > 0 && u[len - 1] == '/')
		len--;
	return (len == 0 ? NULL : req_strf(r, "%.*s", (int)len, u));
}

const char *
certificate_issuer_name(void)
{
	const char	*n = getenv("MIGTRAIN_ISSUER_NAME");

	return (n != NULL && *n != '\0' ? n : "migtrain");
}

int
certificate_issue(struct req *r, int64_t enrollment_id)
{
	const struct signing_key *key;
	PGresult	*res = NULL;
	json_t		*payload;
	char		 code[CERT_CODE_LEN + 1], *compact, *jws, *id;
	int		 attempt, rc;

	if ((key = signing_current()) == NULL)
		return (problem_set(r, 500, NULL, "the certificate signing "
		    "key is unavailable"));
	/* ON CONFLICT keeps the transaction alive on a code collision (a
	 * failed INSERT would abort the caller's transaction), and no row
	 * back means: draw again. */
	for (attempt = 0; attempt < CERT_CODE_ATTEMPTS; attempt++) {
		cert_code_new(code);
		res = db_query(r,
		    "WITH c AS (INSERT INTO certificates (code, enrollment_id,"
		    "           user_id, course_id, holder_name, course_title,"
		    "           completed_at)"
		    "           SELECT $2, e.id, e.user_id, e.course_id, u.name,"
		    "                  co.title, e.completed_at"
		    "             FROM enrollments e"
		    "             JOIN users u ON u.id = e.user_id"
		    "             JOIN courses co ON co.id = e.course_id"
		    "            WHERE e.id = $1 AND e.completed_at IS NOT NULL"
		    "           ON CONFLICT (code) DO NOTHING RETURNING *)"
		    "SELECT c.id, certificate_payload(c::certificates, $3, $4)::text"
		    "  FROM c",
		    4, req_id_text(r, enrollment_id), code,
		    certificate_public_url(r),
		    certificate_issuer_name());
		if (res == NULL)
			return (-1);
		if (PQntuples(res) == 1)
			break;
		PQclear(res);
		res = NULL;
		log_warn("certificate code collision for enrollment %lld, "
		    "drawing another", (long long)enrollment_id);
	}
	if (res == NULL)
		return (problem_set(r, 500, NULL, "could not draw a free "
		    "certificate code"));
	/* The signed bytes are jansson's compact form of PostgreSQL's JSON,
	 * member order kept. */
	payload = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	id = req_strf(r, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (payload == NULL)
		return (problem_set(r, 500, NULL, "could not build the "
		    "credential"));
	compact = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	if (compact == NULL)
		return (problem_set(r, 500, NULL, "could not build the "
		    "credential"));
	jws = signing_jws(key, compact);
	free(compact);
	res = db_query(r,
	    "WITH c AS (UPDATE certificates SET kid = $2, credential = $3"
	    "           WHERE id = $1 RETURNING *)"
	    "INSERT INTO audit_log (actor_id, action, object_type, object_id,"
	    "                       detail)"
	    "SELECT user_id, 'certificate.issue', 'certificate', id,"
	    "       jsonb_build_object('code', code, 'kid', kid,"
	    "                          'enrollment_id', enrollment_id) FROM c",
	    3, id, key->kid, jws);
	free(jws);
	rc = res == NULL ? -1 : 0;
	PQclear(res);
	return (rc);
}

