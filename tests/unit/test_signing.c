/*
 * Unit tests of signing.c's pure parts: base64url, the compact JWS against
 * the Ed25519 example of RFC 8037 (Appendix A), the header of our JWS,
 * tamper detection, the key file parser and the JWKS shape.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "signing.h"

/* RFC 8037 A.1: the example Ed25519 key. */
static const char rfc_d[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
static const char rfc_x[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

static void
rfc_key(struct signing_key *k)
{
	unsigned char	seed[32];
	size_t		len;

	CHECK(sodium_base642bin(seed, sizeof(seed), rfc_d, strlen(rfc_d), NULL,
	    &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0);
	CHECK(len == 32);
	signing_key_from_seed(k, seed);
}

static char *
b64s(const char *s)
{
	return (signing_b64url(s, strlen(s)));
}

static void
test_b64url(void)
{
	static const unsigned char url[] = { 0xfb, 0xff, 0xbf };
	char	*s;

	s = b64s("");
	CHECK_STR(s, "");
	free(s);
	s = b64s("f");
	CHECK_STR(s, "Zg");
	free(s);
	s = b64s("fo");
	CHECK_STR(s, "Zm8");
	free(s);
	s = b64s("foo");
	CHECK_STR(s, "Zm9v");
	free(s);
	s = signing_b64url(url, sizeof(url));
	CHECK_STR(s, "-_-_");
	free(s);
}

static void
test_rfc8037_vector(void)
{
	struct signing_key	 k;
	char			*x, *jws;

	rfc_key(&k);
	x = signing_b64url(k.pk, sizeof(k.pk));
	CHECK_STR(x, rfc_x);
	free(x);
	jws = signing_jws_raw(k.sk, "{\"alg\":\"EdDSA\"}",
	    "Example of Ed25519 signing");
	CHECK_STR(jws, "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
	    ".hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B"
	    "hVsPt9g7sVvpAr_MuM0KAg");
	free(jws);
}

/* Splits a compact JWS and checks its signature with the public key. */
static int
jws_verifies(const char *jws, const unsigned char *pk)
{
	const char	*dot2 = strrchr(jws, '.');
	unsigned char	 sig[crypto_sign_BYTES];
	size_t		 len;

	if (dot2 == NULL || sodium_base642bin(sig, sizeof(sig), dot2 + 1,
	    strlen(dot2 + 1), NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || len != sizeof(sig))
		return (0);
	return (crypto_sign_verify_detached(sig, (const unsigned char *)jws,
	    (size_t)(dot2 - jws), pk) == 0);
}

static void
test_jws_header_and_tamper(void)
{
	struct signing_key	 k;
	const char		*payload = "{\"iss\":\"urn:x\",\"name\":\"Ré\"}";
	char			*jws, *h, *p, *dot, *bad;
	char			 part[512];

	rfc_key(&k);
	CHECK(strlen(k.kid) == 11);
	jws = signing_jws(&k, payload);
	dot = strchr(jws, '.');
	CHECK(dot != NULL && strchr(dot + 1, '.') != NULL &&
	    strchr(strchr(dot + 1, '.') + 1, '.') == NULL);
	CHECK(strchr(jws, '=') == NULL && strchr(jws, '+') == NULL &&
	    strchr(jws, '/') == NULL);
	/* The header is exactly alg, kid, typ. */
	snprintf(part, sizeof(part), "{\"alg\":\"EdDSA\",\"kid\":\"%s\","
	    "\"typ\":\"JWT\"}", k.kid);
	h = b64s(part);
	p = b64s(payload);
	snprintf(part, sizeof(part), "%s.%s.", h, p);
	CHECK(strncmp(jws, part, strlen(part)) == 0);
	CHECK(jws_verifies(jws, k.pk));
	/* Ed25519 is deterministic: the same input signs the same. */
	bad = signing_jws(&k, payload);
	CHECK_STR(bad, jws);
	free(bad);
	/* A changed payload byte or signature byte no longer verifies. */
	bad = xstrdup(jws);
	bad[strlen(h) + 3] = bad[strlen(h) + 3] == 'A' ? 'B' : 'A';
	CHECK(!jws_verifies(bad, k.pk));
	free(bad);
	bad = xstrdup(jws);
	bad[strlen(bad) - 5] = bad[strlen(bad) - 5] == 'A' ? 'B' : 'A';
	CHECK(!jws_verifies(bad, k.pk));
	free(bad);
	free(h);
	free(p);
	free(jws);
}

static void
test_parse(void)
{
	static struct signing_keyset ks;
	struct signing_key	 a, b;
	unsigned char		 seed[32];
	char			*la, *lb, *text, err[256];

	rfc_key(&a);
	memset(seed, 7, sizeof(seed));
	signing_key_from_seed(&b, seed);
	la = signing_key_line(&a);
	lb = signing_key_line(&b);
	CHECK(strncmp(la, a.kid, strlen(a.kid)) == 0);
	CHECK(strstr(la, rfc_d) != NULL);

	text = xasprintf("# comment\n\n%s%.*s\r\n", la, (int)strlen(lb) - 1, lb);
	CHECK(signing_parse(&ks, text, err, sizeof(err)) == 0);
	CHECK(ks.n == 2);
	CHECK_STR(ks.keys[0].kid, a.kid);
	CHECK_STR(ks.keys[1].kid, b.kid);
	CHECK(memcmp(ks.keys[1].sk, b.sk, sizeof(b.sk)) == 0);
	free(text);

	/* No final newline is fine too. */
	text = xasprintf("%.*s", (int)strlen(la) - 1, la);
	CHECK(signing_parse(&ks, text, err, sizeof(err)) == 0 && ks.n == 1);
	free(text);

	/* A kid that is not its key's, twice the same key, a short seed,
	 * a missing seed, no key at all. */
	text = xasprintf("%s %s\n", b.kid, rfc_d);
	CHECK(signing_parse(&ks, text, err, sizeof(err)) == -1);
	CHECK(strstr(err, "does not match") != NULL);
	CHECK(strstr(err, rfc_d) == NULL);
	free(text);
	text = xasprintf("%s%s", la, la);
	CHECK(signing_parse(&ks, text, err, sizeof(err)) == -1);
	CHECK(strstr(err, "twice") != NULL);
	free(text);
	CHECK(signing_parse(&ks, "abc Zm9v\n", err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 1") != NULL);
	CHECK(signing_parse(&ks, "# x\nabc\n", err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 2") != NULL);
	CHECK(signing_parse(&ks, "# only a comment\n", err, sizeof(err)) == -1);
	CHECK(signing_parse(&ks, "", err, sizeof(err)) == -1);
	free(la);
	free(lb);
}

static void
test_jwks(void)
{
	static struct signing_keyset ks;
	json_t	*j, *k;
	char	*x;

	rfc_key(&ks.keys[0]);
	ks.n = 1;
	j = signing_jwks_json(&ks);
	CHECK(json_array_size(json_object_get(j, "keys")) == 1);
	k = json_array_get(json_object_get(j, "keys"), 0);
	CHECK(json_object_size(k) == 6);
	CHECK_STR(json_string_value(json_object_get(k, "kty")), "OKP");
	CHECK_STR(json_string_value(json_object_get(k, "crv")), "Ed25519");
	CHECK_STR(json_string_value(json_object_get(k, "x")), rfc_x);
	CHECK_STR(json_string_value(json_object_get(k, "kid")), ks.keys[0].kid);
	CHECK_STR(json_string_value(json_object_get(k, "use")), "sig");
	CHECK_STR(json_string_value(json_object_get(k, "alg")), "EdDSA");
	/* No secret material in what is published. */
	x = json_dumps(j, JSON_COMPACT);
	CHECK(strstr(x, rfc_d) == NULL);
	free(x);
	json_decref(j);
}

int
main(void)
{
	if (sodium_init() < 0)
		return (99);
	test_b64url();
	test_rfc8037_vector();
	test_jws_header_and_tamper();
	test_parse();
	test_jwks();
	return (check_summary());
}
