/*
 * Client addresses (addr.h). Everything per-address in the server keys on
 * the 16-byte form of an address, so IPv4 and IPv6 clients meet the same
 * limits, and only proxies the operator named may speak for a client
 * through X-Forwarded-For.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "addr.h"

#define ADDR_TRUSTED_MAX	32

static struct {
	unsigned char	net[ADDR_LEN];
	int		bits;		/* prefix length over the 16 bytes */
} trusted[ADDR_TRUSTED_MAX];
static int		 ntrusted;
static unsigned char	 bucket_key[crypto_shorthash_KEYBYTES];
static pthread_once_t	 key_once = PTHREAD_ONCE_INIT;

static const unsigned char v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff };

int
addr_from_sockaddr(const struct sockaddr *sa, unsigned char out[ADDR_LEN])
{
	if (sa == NULL)
		return (-1);
	if (sa->sa_family == AF_INET) {
		memcpy(out, v4_prefix, sizeof(v4_prefix));
		memcpy(out + 12, &((const struct sockaddr_in *)(const void *)sa)
		    ->sin_addr, 4);
		return (0);
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)
		    ->sin6_addr, ADDR_LEN);
		return (0);
	}
	return (-1);
}

int
addr_parse(const char *s, size_t len, unsigned char out[ADDR_LEN])
{
	char	buf[ADDR_TEXT_MAX + 1];

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len > ADDR_TEXT_MAX)
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out + 12) == 1) {
		memcpy(out, v4_prefix, sizeof(v4_prefix));
		return (0);
	}
	return (inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1);
}

void
addr_text(const unsigned char a[ADDR_LEN], char out[ADDR_TEXT_MAX])
{
	if (memcmp(a, v4_prefix, sizeof(v4_prefix)) == 0)
		inet_ntop(AF_INET, a + 12, out, ADDR_TEXT_MAX);
	else
		inet_ntop(AF_INET6, a, out, ADDR_TEXT_MAX);
}

int
addr_is_loopback(const unsigned char a[ADDR_LEN])
{
	static const unsigned char v6_loop[ADDR_LEN] = { [15] = 1 };

	return ((memcmp(a, v4_prefix, sizeof(v4_prefix)) == 0 && a[12] == 127) ||
	    memcmp(a, v6_loop, ADDR_LEN) == 0);
}

static int
prefix_match(const unsigned char *a, const unsigned char *net, int bits)
{
	int	full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, (size_t)full) != 0)
		return (0);
	return (rest == 0 ||
	    ((a[full] ^ net[full]) & (0xff << (8 - rest)) & 0xff) == 0);
}

int
addr_trusted_load(const char *list)
{
	const char	*p, *end, *slash;
	int		 bits, is_v4;
	char		*stop;

	ntrusted = 0;
	for (p = list; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		slash = memchr(p, '/', (size_t)(end - p));
		if (p == end)
			continue;
		if (ntrusted == ADDR_TRUSTED_MAX ||
		    addr_parse(p, (size_t)((slash ? slash : end) - p),
		    trusted[ntrusted].net) == -1)
			goto bad;
		is_v4 = memcmp(trusted[ntrusted].net, v4_prefix,
		    sizeof(v4_prefix)) == 0;
		bits = ADDR_LEN * 8;
		if (slash != NULL) {
			long n = strtol(slash + 1, &stop, 10);
			if (stop == slash + 1 || stop != end || n < 0 ||
			    n > (is_v4 ? 32 : 128))
				goto bad;
			bits = (int)n + (is_v4 ? 96 : 0);
		}
		trusted[ntrusted++].bits = bits;
	}
	return (0);
bad:
	fprintf(stderr, "MIGTRAIN_TRUSTED_PROXIES: \"%.*s\" is not an address "
	    "or CIDR range (at most %d entries)\n", (int)(end - p), p,
	    ADDR_TRUSTED_MAX);
	ntrusted = 0;
	return (-1);
}

int
addr_is_trusted(const unsigned char a[ADDR_LEN])
{
	int	i;

	for (i = 0; i < ntrusted; i++)
		if (prefix_match(a, trusted[i].net, trusted[i].bits))
			return (1);
	return (0);
}

void
addr_client(const unsigned char peer[ADDR_LEN], const char *xff,
    unsigned char out[ADDR_LEN])
{
	unsigned char	hop[ADDR_LEN];
	const char	*end, *start;

	memcpy(out, peer, ADDR_LEN);
	if (xff == NULL || !addr_is_trusted(peer))
		return;
	end = xff + strlen(xff);
	while (end > xff) {
		for (start = end; start > xff && start[-1] != ','; start--)
			;
		if (addr_parse(start, (size_t)(end - start), hop) == -1)
			return;
		memcpy(out, hop, ADDR_LEN);
		if (!addr_is_trusted(hop))
			return;
		end = start > xff ? start - 1 : start;
	}
}

static void
key_init(void)
{
	randombytes_buf(bucket_key, sizeof(bucket_key));
}

unsigned
addr_bucket(const unsigned char a[ADDR_LEN], unsigned n)
{
	unsigned char	h[crypto_shorthash_BYTES];
	uint64_t	v;

	pthread_once(&key_once, key_init);
	crypto_shorthash(h, a, ADDR_LEN, bucket_key);
	memcpy(&v, h, sizeof(v));
	return ((unsigned)(v % n));
}
