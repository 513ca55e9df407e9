/*
 * The certificate signing keys. They live in one text file (API §1,
 * MIGTRAIN_KEY_FILE), never in the database: one line per Ed25519 key,
 * "kid base64url-seed", newest last. The server loads the file at start and
 * again on SIGHUP, and signs with the newest key; `migtrain rotate-key`
 * appends a key and keeps the old ones, so every certificate ever issued
 * still verifies against the published JWKS. The file is created 0600 and refused when group or
 * others may read it, as ssh does with its keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "log.h"
#include "signing.h"

#define KEYFILE_HEADER	"# migtrain certificate signing keys (Ed25519): " \
			"kid and base64url seed, newest last. Keep secret.\n"

static int	keyfile_open_checked(const char *, int, int *, char *, size_t);
static int	keyfile_read(int, struct signing_keyset *, char *, size_t);
static int	keyfile_create(const char *, struct signing_key *, char *,
		    size_t);
static int	write_all(int, const char *, size_t);
static void	load_once(void);

/*
 * What the server signs with is one immutable snapshot of the key file.
 * A reload publishes a new one with an atomic store; requests that read
 * the old one keep a valid pointer because snapshots are never freed (a
 * few kilobytes per SIGHUP), each holding on to the one it replaced.
 */
struct snapshot {
	struct signing_keyset	 ks;
	struct snapshot		*older;
};

static pthread_once_t		 once = PTHREAD_ONCE_INIT;
static pthread_mutex_t		 reload_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot		*server_snap;	/* NULL: never loaded */
static int			 server_loaded;	/* 1 ok, -1 failed */

char *
signing_b64url(const void *data, size_t len)
{
	size_t	 n = sodium_base64_ENCODED_LEN(len,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char	*out = xmalloc(n);

	sodium_bin2base64(out, n, data, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return (out);
}

void
signing_kid_of(const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
    char out[SIGNING_KID_MAX])
{
	unsigned char	h[32];

	crypto_generichash(h, sizeof(h), pk, crypto_sign_PUBLICKEYBYTES,
	    NULL, 0);
	sodium_bin2base64(out, SIGNING_KID_MAX, h, 8,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
signing_key_from_seed(struct signing_key *k,
    const unsigned char seed[crypto_sign_SEEDBYTES])
{
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	signing_kid_of(k->pk, k->kid);
}

char *
signing_key_line(const struct signing_key *k)
{
	unsigned char	 seed[crypto_sign_SEEDBYTES];
	char		*s, *line;

	crypto_sign_ed25519_sk_to_seed(seed, k->sk);
	s = signing_b64url(seed, sizeof(seed));
	line = xasprintf("%s %s\n", k->kid, s);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(s, strlen(s));
	free(s);
	return (line);
}

int
signing_parse(struct signing_keyset *ks, const char *text, char *err,
    size_t errlen)
{
	const char	*p = text, *eol, *sp;
	unsigned char	 seed[crypto_sign_SEEDBYTES];
	char		 kid[SIGNING_KID_MAX], b64[64];
	size_t		 len, seedlen;
	int		 lineno = 0, i;

	ks->n = 0;
	for (; *p != '\0'; p = *eol ? eol + 1 : eol) {
		lineno++;
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		len = (size_t)(eol - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0 || p[0] == '#')
			continue;
		sp = memchr(p, ' ', len);
		if (sp == NULL || sp == p ||
		    (size_t)(sp - p) >= sizeof(kid) ||
		    len - (size_t)(sp - p) - 1 >= sizeof(b64)) {
			snprintf(err, errlen, "line %d: expected \"kid seed\"",
			    lineno);
			return (-1);
		}
		memcpy(kid, p, (size_t)(sp - p));
		kid[sp - p] = '\0';
		memcpy(b64, sp + 1, len - (size_t)(sp - p) - 1);
		b64[len - (size_t)(sp - p) - 1] = '\0';
		if (sodium_base642bin(seed, sizeof(seed), b64, strlen(b64),
		    NULL, &seedlen, NULL,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
		    seedlen != sizeof(seed)) {
			sodium_memzero(b64, sizeof(b64));
			snprintf(err, errlen, "line %d: the seed is not 32 "
			    "bytes of base64url", lineno);
			return (-1);
		}
		sodium_memzero(b64, sizeof(b64));
		if (ks->n == SIGNING_MAX_KEYS) {
			sodium_memzero(seed, sizeof(seed));
			snprintf(err, errlen, "more than %d keys",
			    SIGNING_MAX_KEYS);
			return (-1);
		}
		signing_key_from_seed(&ks->keys[ks->n], seed);
		sodium_memzero(seed, sizeof(seed));
		if (strcmp(ks->keys[ks->n].kid, kid) != 0) {
			snprintf(err, errlen, "line %d: kid %s does not match "
			    "its key", lineno, kid);
			return (-1);
		}
		for (i = 0; i < ks->n; i++)
			if (strcmp(ks->keys[i].kid, kid) == 0) {
				snprintf(err, errlen, "line %d: key %s appears "
				    "twice", lineno, kid);
				return (-1);
			}
		ks->n++;
	}
	if (ks->n == 0) {
		snprintf(err, errlen, "no key in the file");
		return (-1);
	}
	return (0);
}

char *
signing_jws_raw(const unsigned char sk[crypto_sign_SECRETKEYBYTES],
    const char *header, const char *payload)
{
	unsigned char	 sig[crypto_sign_BYTES];
	char		*h, *p, *s, *input, *jws;

	h = signing_b64url(header, strlen(header));
	p = signing_b64url(payload, strlen(payload));
	input = xasprintf("%s.%s", h, p);
	crypto_sign_detached(sig, NULL, (const unsigned char *)input,
	    strlen(input), sk);
	s = signing_b64url(sig, sizeof(sig));
	jws = xasprintf("%s.%s", input, s);
	free(h);
	free(p);
	free(s);
	free(input);
	return (jws);
}

char *
signing_jws(const struct signing_key *k, const char *payload)
{
	char	*header, *jws;

	/* The kid is base64url, so it needs no JSON escaping. */
	header = xasprintf("{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
	    k->kid);
	jws = signing_jws_raw(k->sk, header, payload);
	free(header);
	return (jws);
}

json_t *
signing_jwks_json(const struct signing_keyset *ks)
{
	json_t	*keys = json_array();
	char	*x;
	int	 i;

	for (i = 0; ks != NULL && i < ks->n; i++) {
		x = signing_b64url(ks->keys[i].pk, sizeof(ks->keys[i].pk));
		json_array_append_new(keys, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s, s:s}", "kty", "OKP", "crv", "Ed25519", "x", x,
		    "kid", ks->keys[i].kid, "use", "sig", "alg", "EdDSA"));
		free(x);
	}
	return (json_pack("{s:o}", "keys", keys));
}

const char *
signing_path(void)
{
	const char	*p;

	/* rotate-key runs without the database, so maybe without config. */
	if (config.key_file != NULL)
		return (config.key_file);
	p = getenv("MIGTRAIN_KEY_FILE");
	return (p != NULL && *p != '\0' ? p : "./migtrain-signing.key");
}

/*
 * Opens the key file with flags and checks it is a regular file that only
 * its owner may read or write. *missing is set when it does not exist.
 */
static int
keyfile_open_checked(const char *path, int flags, int *missing, char *err,
    size_t errlen)
{
	struct stat	st;
	int		fd;

	*missing = 0;
	if ((fd = open(path, flags | O_CLOEXEC)) == -1) {
		*missing = errno == ENOENT;
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		close(fd);
		return (-1);
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "%s is accessible by group or others "
		    "(mode %03o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 0777));
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
keyfile_read(int fd, struct signing_keyset *ks, char *err, size_t errlen)
{
	char	*text = xmalloc(SIGNING_FILE_MAX + 1);
	size_t	 len = 0;
	ssize_t	 n;
	int	 rc;

	while ((n = read(fd, text + len, SIGNING_FILE_MAX - len)) > 0)
		len += (size_t)n;
	if (n == -1 || len == SIGNING_FILE_MAX) {
		snprintf(err, errlen, n == -1 ? "cannot read the key file" :
		    "the key file is too large");
		rc = -1;
	} else {
		text[len] = '\0';
		rc = signing_parse(ks, text, err, errlen);
	}
	sodium_memzero(text, len);
	free(text);
	return (rc);
}

static int
write_all(int fd, const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		s += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Creates the file with one new key: 0, -1, or -2 when it exists. */
static int
keyfile_create(const char *path, struct signing_key *k, char *err,
    size_t errlen)
{
	unsigned char	 seed[crypto_sign_SEEDBYTES];
	char		*line, *text;
	int		 fd, rc;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    S_IRUSR | S_IWUSR)) == -1) {
		rc = errno == EEXIST ? -2 : -1;
		snprintf(err, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		return (rc);
	}
	randombytes_buf(seed, sizeof(seed));
	signing_key_from_seed(k, seed);
	sodium_memzero(seed, sizeof(seed));
	line = signing_key_line(k);
	text = xasprintf("%s%s", KEYFILE_HEADER, line);
	/* The umask can only take bits away; say 0600 exactly anyway. */
	rc = fchmod(fd, S_IRUSR | S_IWUSR) == -1 ||
	    write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1 ? -1 : 0;
	if (rc == -1)
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
	if (close(fd) == -1 && rc == 0) {
		snprintf(err, errlen, "cannot write %s", path);
		rc = -1;
	}
	if (rc == -1)
		unlink(path);
	sodium_memzero(line, strlen(line));
	sodium_memzero(text, strlen(text));
	free(line);
	free(text);
	return (rc);
}

/*
 * Reads the key file into ks, creating it (one new key) when create is
 * set and it is missing. 0, or -1 with the reason in err.
 */
static int
load_file(struct signing_keyset *ks, int create, char *err, size_t errlen)
{
	const char	*path = signing_path();
	int		 fd, missing, tries, rc;

	for (tries = 0; tries < 2; tries++) {
		fd = keyfile_open_checked(path, O_RDONLY, &missing, err,
		    errlen);
		if (fd == -1 && missing && create) {
			rc = keyfile_create(path, &ks->keys[0], err, errlen);
			if (rc == 0) {
				ks->n = 1;
				log_info("created the signing key file %s with "
				    "key %s", path, ks->keys[0].kid);
				return (0);
			}
			if (rc == -2)	/* created meanwhile: read it */
				continue;
		}
		break;
	}
	if (fd == -1)
		return (-1);
	rc = keyfile_read(fd, ks, err, errlen);
	close(fd);
	if (rc == 0)
		log_info("loaded %d signing key(s) from %s, signing with %s",
		    ks->n, path, ks->keys[ks->n - 1].kid);
	return (rc);
}

static void
load_once(void)
{
	struct snapshot	*snap = xcalloc(1, sizeof(*snap));
	char		 err[256];

	if (load_file(&snap->ks, 1, err, sizeof(err)) == -1) {
		sodium_memzero(snap, sizeof(*snap));
		free(snap);
		server_loaded = -1;
		log_err("signing keys unavailable: %s", err);
		return;
	}
	__atomic_store_n(&server_snap, snap, __ATOMIC_RELEASE);
	server_loaded = 1;
}

int
signing_reload(void)
{
	struct snapshot	*snap;
	char		 err[256];

	if (signing_init() == -1)
		return (-1);
	snap = xcalloc(1, sizeof(*snap));
	if (load_file(&snap->ks, 0, err, sizeof(err)) == -1) {
		log_err("key file not reloaded, still signing with the keys "
		    "loaded before: %s", err);
		sodium_memzero(snap, sizeof(*snap));
		free(snap);
		return (-1);
	}
	pthread_mutex_lock(&reload_lock);
	snap->older = server_snap;
	__atomic_store_n(&server_snap, snap, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&reload_lock);
	return (0);
}

int
signing_init(void)
{
	pthread_once(&once, load_once);
	return (server_loaded == 1 ? 0 : -1);
}

const struct signing_key *
signing_current(void)
{
	const struct signing_keyset *ks = signing_keys();

	return (ks == NULL ? NULL : &ks->keys[ks->n - 1]);
}

const struct signing_keyset *
signing_keys(void)
{
	if (signing_init() == -1)
		return (NULL);
	return (&__atomic_load_n(&server_snap, __ATOMIC_ACQUIRE)->ks);
}

/*
 * `migtrain rotate-key`: appends a new key under an exclusive lock, after
 * checking that the file is intact, and keeps every old key. A running
 * server signs with it after SIGHUP (or a restart).
 */
int
cmd_rotate_key(int argc, char **argv)
{
	static struct signing_keyset	 ks;
	struct signing_key		 k;
	struct flock			 lk;
	unsigned char			 seed[crypto_sign_SEEDBYTES];
	const char			*path = signing_path();
	char				 err[256], *line, *text;
	int				 fd, missing, rc = 1;
	off_t				 end;
	char				 last;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: migtrain rotate-key\n");
		return (2);
	}
	fd = keyfile_open_checked(path, O_RDWR, &missing, err, sizeof(err));
	if (fd == -1 && missing) {
		if (keyfile_create(path, &k, err, sizeof(err)) != 0) {
			fprintf(stderr, "rotate-key: %s\n", err);
			return (1);
		}
		printf("created %s with key %s\n", path, k.kid);
		sodium_memzero(&k, sizeof(k));
		return (0);
	}
	if (fd == -1) {
		fprintf(stderr, "rotate-key: %s\n", err);
		return (1);
	}
	memset(&lk, 0, sizeof(lk));
	lk.l_type = F_WRLCK;
	lk.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLKW, &lk) == -1) {
		fprintf(stderr, "rotate-key: cannot lock %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	if (keyfile_read(fd, &ks, err, sizeof(err)) == -1) {
		fprintf(stderr, "rotate-key: %s: %s (nothing changed)\n", path,
		    err);
		goto out;
	}
	if (ks.n == SIGNING_MAX_KEYS) {
		fprintf(stderr, "rotate-key: %s already holds %d keys\n", path,
		    SIGNING_MAX_KEYS);
		goto out;
	}
	randombytes_buf(seed, sizeof(seed));
	signing_key_from_seed(&k, seed);
	sodium_memzero(seed, sizeof(seed));
	/* A file edited by hand may lack its final newline. */
	last = '\n';
	if ((end = lseek(fd, 0, SEEK_END)) > 0 &&
	    pread(fd, &last, 1, end - 1) != 1)
		last = '\n';
	line = signing_key_line(&k);
	text = xasprintf("%s%s", last == '\n' ? "" : "\n", line);
	if (write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1)
		fprintf(stderr, "rotate-key: cannot write %s: %s\n", path,
		    strerror(errno));
	else {
		printf("added key %s to %s (%d keys); send SIGHUP to every "
		    "server (or restart it) to sign with it\n", k.kid, path, ks.n + 1);
		rc = 0;
	}
	sodium_memzero(line, strlen(line));
	sodium_memzero(text, strlen(text));
	free(line);
	free(text);
out:
	sodium_memzero(&ks, sizeof(ks));
	sodium_memzero(&k, sizeof(k));
	close(fd);
	return (rc);
}
