/* Sessions in PostgreSQL: resolving the caller of a request from a bearer
 * token or the mt_session cookie, with idle and absolute expiry. */
#ifndef MIGTRAIN_SESSION_H
#define MIGTRAIN_SESSION_H

#include "http.h"

/* Fills r->sess and sets r->authed; 401/403 (CSRF) otherwise. */
int	session_resolve(struct req *) WARN_UNUSED;
/* The token the request presented, or NULL; *via_cookie tells which. */
const char *session_token(struct req *, int *via_cookie);

#endif
