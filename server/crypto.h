/*
 * Secrets: session tokens and their hashes, CSRF tokens derived from them,
 * and argon2id hashing on a small pool of threads so that no HTTP worker
 * ever blocks in it.
 */
#ifndef MIGTRAIN_CRYPTO_H
#define MIGTRAIN_CRYPTO_H

#include <sodium.h>

#include "http.h"

#define TOKEN_TEXT_LEN	44	/* 32 bytes, base64url, plus NUL */
#define TOKEN_HASH_HEX	65	/* 32-byte BLAKE2b, hex, plus NUL */

void	token_new(char out[TOKEN_TEXT_LEN]);
void	token_hash(const char *token, char out[TOKEN_HASH_HEX]);
/* The CSRF token of a session token: a keyed hash, so nothing is stored. */
void	csrf_for(const char *token, char out[TOKEN_TEXT_LEN]);
/* Constant-time comparison of two NUL-terminated strings. */
int	secret_equal(const char *, const char *);

/*
 * A password job. With `stored`, verify_pw is checked against it; then, if
 * hash_pw is set (and a stored hash, if any, verified), hash_pw is hashed
 * into new_hash. Passwords are copied and wiped when the job is freed.
 */
struct pwjob {
	char		*stored;
	char		*verify_pw;
	char		*hash_pw;
	int		 rehash_if_needed;	/* set hash_pw = verify_pw */
	int		 verified;
	int		 hashed;
	char		 new_hash[crypto_pwhash_STRBYTES];
	char		 ref[24];	/* the caller's, e.g. a row id */
	struct req	*req;
	unsigned	 gate;		/* the client's address bucket */
	struct pwjob	*next;
};

int	pwhash_start(void) WARN_UNUSED;
void	pwhash_stop(void);
/* A stored hash that verifies nothing, for unknown emails (same cost). */
const char *pwhash_dummy(void);
/* Hashes synchronously (CLI). */
int	pwhash_now(const char *password, char out[crypto_pwhash_STRBYTES])
	    WARN_UNUSED;
/*
 * Queues the job for r (taking ownership) and suspends r; the pool resumes
 * r when done, and r->job is the job. Full queue: 503 + Retry-After.
 * Returns HTTP_SUSPENDED or -1.
 */
int	pwhash_submit(struct req *, struct pwjob *, handler_fn *resume);
/*
 * Before a login's first database work: 503 + Retry-After when the pool
 * is full already (so a refused login writes nothing), and per-address
 * fairness: 0 when the client (addr.h, behind trusted proxies) may start
 * another login this minute, else 429 with Retry-After. Jobs in
 * flight per address are capped in pwhash_submit (429 too), so one client
 * cannot fill the queue that everyone's logins share.
 */
int	pwhash_admit(struct req *) WARN_UNUSED;
struct pwjob *pwjob_new(const char *stored, const char *verify_pw,
	    const char *hash_pw);
/* Password policy of API §3: 10 characters to 1024 bytes. */
int	password_acceptable(const char *);

#endif
