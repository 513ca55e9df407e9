/* Certificates as domain objects: issuing one on completion, and the
 * deployment settings every view of a certificate shares. */
#ifndef MIGTRAIN_CERTIFICATE_H
#define MIGTRAIN_CERTIFICATE_H

#include "http.h"

/*
 * Issues the certificate of a just-completed enrolment, inside the
 * caller's transaction: a fresh random code, the signed credential and an
 * audit entry. 0, or -1 with the problem set.
 */
int	certificate_issue(struct req *, int64_t enrollment_id) WARN_UNUSED;

/* MIGTRAIN_PUBLIC_URL without trailing slashes (request-owned), or NULL
 * when it is not set: then credential ids are URNs. */
const char *certificate_public_url(struct req *);

/* MIGTRAIN_ISSUER_NAME, or "migtrain". */
const char *certificate_issuer_name(void);

#endif
