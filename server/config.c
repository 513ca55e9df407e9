/*
 * Configuration by environment variables (API §1). Everything is read and
 * checked once at start; the rest of the server only reads `config`.
 * Variables past the contract's list exist for tests and tuning and are
 * documented in the README.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "addr.h"
#include "config.h"
#include "util.h"

struct config config;

static int
env_long(const char *name, long def, long min, long max, long *out)
{
	const char	*v = getenv(name);
	int64_t		 n;

	if (v == NULL || *v == '\0') {
		*out = def;
		return (0);
	}
	if (parse_int64(v, min, max, &n) == -1) {
		fprintf(stderr, "%s must be an integer in %ld..%ld\n", name,
		    min, max);
		return (-1);
	}
	*out = (long)n;
	return (0);
}

int
config_load(void)
{
	const char	*listen, *colon;
	long		 ncpu, threads, hash_threads, hash_queue, secure, idle,
			 max, window, failures, port, ops, mem;
	long		 conns, per_addr, conn_idle, rate, grace, drain, login_addr,
			 login_minute, purge;
	size_t		 hostlen;

	config.db = getenv("MIGTRAIN_DB");
	if (config.db == NULL || *config.db == '\0') {
		fprintf(stderr, "MIGTRAIN_DB is required (a libpq "
		    "connection string)\n");
		return (-1);
	}
	config.db_replica = getenv("MIGTRAIN_DB_REPLICA");
	if (config.db_replica != NULL && *config.db_replica == '\0')
		config.db_replica = NULL;
	if (env_long("MIGTRAIN_REPLICA_MAX_LAG_S", 5, 0, 86400,
	    &config.replica_max_lag_s) == -1)
		return (-1);
	listen = getenv("MIGTRAIN_LISTEN");
	if (listen == NULL || *listen == '\0')
		listen = "127.0.0.1:8080";
	if ((colon = strrchr(listen, ':')) == NULL ||
	    (hostlen = (size_t)(colon - listen)) == 0 ||
	    hostlen >= sizeof(config.listen_host)) {
		fprintf(stderr, "MIGTRAIN_LISTEN must be host:port\n");
		return (-1);
	}
	memcpy(config.listen_host, listen, hostlen);
	config.listen_host[hostlen] = '\0';
	{
		int64_t p;
		if (parse_int64(colon + 1, 0, 65535, &p) == -1) {
			fprintf(stderr, "MIGTRAIN_LISTEN: bad port\n");
			return (-1);
		}
		port = (long)p;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	config.key_file = getenv("MIGTRAIN_KEY_FILE");
	if (config.key_file == NULL || *config.key_file == '\0')
		config.key_file = "./migtrain-signing.key";
	if (env_long("MIGTRAIN_THREADS", ncpu, 1, 256, &threads) == -1 ||
	    env_long("MIGTRAIN_HASH_THREADS", ncpu > 1 ? ncpu / 2 : 1, 1, 64,
	    &hash_threads) == -1 ||
	    env_long("MIGTRAIN_HASH_QUEUE", 16, 0, 4096, &hash_queue) == -1 ||
	    env_long("MIGTRAIN_SECURE_COOKIES", 0, 0, 1, &secure) == -1 ||
	    env_long("MIGTRAIN_SESSION_IDLE_S", 28800, 1, 31536000, &idle) == -1 ||
	    env_long("MIGTRAIN_SESSION_MAX_S", 604800, 1, 31536000, &max) == -1 ||
	    env_long("MIGTRAIN_LOGIN_WINDOW_S", 900, 1, 86400, &window) == -1 ||
	    env_long("MIGTRAIN_LOGIN_MAX_FAILURES", 5, 1, 1000, &failures) == -1 ||
	    env_long("MIGTRAIN_PWHASH_OPS",
	    (long)crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    (long)crypto_pwhash_OPSLIMIT_INTERACTIVE, 64, &ops) == -1 ||
	    env_long("MIGTRAIN_PWHASH_MEM_MIB",
	    (long)(crypto_pwhash_MEMLIMIT_INTERACTIVE >> 20),
	    (long)(crypto_pwhash_MEMLIMIT_INTERACTIVE >> 20), 4096, &mem) == -1)
		return (-1);
	/* Below libmicrohttpd's own limit (4096), whose refusal path hangs
	 * 0.9.75: see http.c. */
	if (env_long("MIGTRAIN_MAX_CONNECTIONS", 2048, 16, 4000, &conns) == -1 ||
	    env_long("MIGTRAIN_MAX_CONNECTIONS_PER_ADDRESS", 64, 1, 4000,
	    &per_addr) == -1 ||
	    env_long("MIGTRAIN_IDLE_TIMEOUT_S", 30, 1, 3600, &conn_idle) == -1 ||
	    env_long("MIGTRAIN_BODY_MIN_RATE", 1024, 0, 1 << 30, &rate) == -1 ||
	    env_long("MIGTRAIN_BODY_GRACE_S", 10, 1, 3600, &grace) == -1 ||
	    env_long("MIGTRAIN_DRAIN_S", 25, 1, 3600, &drain) == -1 ||
	    env_long("MIGTRAIN_LOGIN_PER_ADDRESS", 0, 0, 4096,
	    &login_addr) == -1 ||
	    env_long("MIGTRAIN_LOGIN_PER_ADDRESS_MINUTE", 120, 1, 1000000,
	    &login_minute) == -1 ||
	    env_long("MIGTRAIN_PURGE_INTERVAL_S", 300, 1, 86400, &purge) == -1 ||
	    addr_trusted_load(getenv("MIGTRAIN_TRUSTED_PROXIES")) == -1)
		return (-1);
	config.max_conns = (unsigned)conns;
	config.max_conns_per_addr = (unsigned)per_addr;
	config.idle_timeout_s = (unsigned)conn_idle;
	config.body_min_rate = (unsigned)rate;
	config.body_grace_s = (unsigned)grace;
	config.drain_s = (unsigned)drain;
	/* By default one address may fill half the hash pool, never all. */
	config.login_per_addr = login_addr > 0 ? (unsigned)login_addr :
	    (unsigned)((hash_queue + hash_threads) / 2 > 2 ?
	    (hash_queue + hash_threads) / 2 : 2);
	config.login_per_addr_minute = (unsigned)login_minute;
	config.purge_interval_s = (unsigned)purge;
	config.metrics_token = getenv("MIGTRAIN_METRICS_TOKEN");
	if (config.metrics_token != NULL && strlen(config.metrics_token) < 16) {
		fprintf(stderr, "MIGTRAIN_METRICS_TOKEN must be at least 16 "
		    "characters (or unset)\n");
		return (-1);
	}
	config.listen_port = (unsigned)port;
	config.threads = (unsigned)threads;
	config.hash_threads = (unsigned)hash_threads;
	config.hash_queue = (unsigned)hash_queue;
	config.secure_cookies = (int)secure;
	config.session_idle_s = idle;
	config.session_max_s = max;
	config.login_window_s = window;
	config.login_max_failures = failures;
	config.pwhash_ops = (unsigned long)ops;
	config.pwhash_mem = (unsigned long)mem << 20;
	return (0);
}
