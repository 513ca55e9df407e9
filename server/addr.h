/*
 * Client addresses as 16-byte keys (IPv4 mapped into IPv6), the trusted
 * proxies of MIGTRAIN_TRUSTED_PROXIES, and a keyed hash of an address into
 * a bucket, for the per-address limits of http.c and crypto.c. Pure: no
 * sockets are opened here.
 */
#ifndef MIGTRAIN_ADDR_H
#define MIGTRAIN_ADDR_H

#include <stddef.h>

#include "util.h"

struct sockaddr;

#define ADDR_LEN	16
#define ADDR_TEXT_MAX	46	/* INET6_ADDRSTRLEN */

/* The key of an IPv4 or IPv6 socket address; -1 for other families. */
int	 addr_from_sockaddr(const struct sockaddr *, unsigned char out[ADDR_LEN])
	    WARN_UNUSED;
/* Parses a numeric IPv4 or IPv6 address (surrounding blanks allowed). */
int	 addr_parse(const char *, size_t, unsigned char out[ADDR_LEN])
	    WARN_UNUSED;
void	 addr_text(const unsigned char a[ADDR_LEN], char out[ADDR_TEXT_MAX]);
int	 addr_is_loopback(const unsigned char a[ADDR_LEN]);

/* Loads a comma-separated list of addresses and CIDR ranges (NULL or ""
 * = none); -1 with a message on stderr when an entry is not one. */
int	 addr_trusted_load(const char *) WARN_UNUSED;
int	 addr_is_trusted(const unsigned char a[ADDR_LEN]);

/*
 * The client behind a peer: the peer itself unless it is a trusted proxy;
 * then the right-most entry of X-Forwarded-For (xff, may be NULL) that is
 * not a trusted proxy, since only the entries our proxies appended can be
 * believed. A malformed entry stops the walk at the last trusted hop.
 */
void	 addr_client(const unsigned char peer[ADDR_LEN], const char *xff,
	    unsigned char out[ADDR_LEN]);

/* Bucket of an address in [0, n): a keyed hash with a per-process random
 * key, so a client cannot pick addresses that collide with another's. */
unsigned addr_bucket(const unsigned char a[ADDR_LEN], unsigned n);

#endif
