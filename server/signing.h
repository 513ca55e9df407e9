/*
 * Ed25519 signing of certificates (API §10): the key file, compact JWS
 * (RFC 7515 with EdDSA, RFC 8037) and the published JWKS. The pure parts
 * (base64url, parsing, JWS assembly) take their keys as arguments so the
 * unit tests can drive them without a key file.
 */
#ifndef MIGTRAIN_SIGNING_H
#define MIGTRAIN_SIGNING_H

#include <stddef.h>

#include <jansson.h>
#include <sodium.h>

#include "util.h"

#define SIGNING_KID_MAX		16	/* 11 base64url characters + NUL */
#define SIGNING_MAX_KEYS	64
#define SIGNING_FILE_MAX	(64u << 10)

struct signing_key {
	char		kid[SIGNING_KID_MAX];
	unsigned char	pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	sk[crypto_sign_SECRETKEYBYTES];
};

/* Every key of the file, oldest first: keys[n - 1] signs. */
struct signing_keyset {
	struct signing_key	keys[SIGNING_MAX_KEYS];
	int			n;
};

/* base64url without padding (RFC 7515 §2); malloc'd. */
char	*signing_b64url(const void *, size_t);
/* The key id: base64url of the first 8 bytes of BLAKE2b-256(pk). */
void	 signing_kid_of(const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
	    char out[SIGNING_KID_MAX]);
/* A key from its 32-byte seed (the form the key file keeps). */
void	 signing_key_from_seed(struct signing_key *,
	    const unsigned char seed[crypto_sign_SEEDBYTES]);
/* One key file line, "kid seed\n" (malloc'd; holds the secret). */
char	*signing_key_line(const struct signing_key *);
/*
 * Parses key file text into ks: lines "kid base64url-seed", blank lines
 * and # comments ignored; each kid must be the one its key derives. -1
 * with a reason in err (never key material) when anything is off.
 */
int	 signing_parse(struct signing_keyset *, const char *text, char *err,
	    size_t errlen) WARN_UNUSED;
/* header.payload.signature over the given header and payload JSON text. */
char	*signing_jws_raw(const unsigned char sk[crypto_sign_SECRETKEYBYTES],
	    const char *header, const char *payload);
/* The same with the header {"alg":"EdDSA","kid":<kid>,"typ":"JWT"}. */
char	*signing_jws(const struct signing_key *, const char *payload);
/* {"keys":[{"kty":"OKP","crv":"Ed25519","x","kid","use":"sig","alg"}]}. */
json_t	*signing_jwks_json(const struct signing_keyset *);

/* The key file of config.key_file (MIGTRAIN_KEY_FILE). */
const char *signing_path(void);
/*
 * Loads the key file once per process, creating it (mode 0600, one new
 * key) when missing; refuses a file that group or others can read. Safe to
 * call from any thread; later calls return the first outcome. 0 or -1.
 */
int	 signing_init(void) WARN_UNUSED;
/*
 * Reads the key file again (SIGHUP): from then on the JWKS lists every key
 * in it and new certificates are signed with its newest. A file that
 * cannot be read leaves the keys loaded before in use. 0 or -1.
 */
int	 signing_reload(void);
/* The newest key, or NULL when the key file could not be loaded. The
 * pointers stay valid for the life of the process, across reloads. */
const struct signing_key *signing_current(void);
/* Every loaded key, or NULL. */
const struct signing_keyset *signing_keys(void);

#endif
