/* The environment, read once at start into an immutable struct. */
#ifndef MIGTRAIN_CONFIG_H
#define MIGTRAIN_CONFIG_H

struct config {
	const char	*db;		/* MIGTRAIN_DB */
	const char	*db_replica;	/* MIGTRAIN_DB_REPLICA, or NULL */
	long		 replica_max_lag_s;
	char		 listen_host[64];
	unsigned	 listen_port;
	unsigned	 threads;
	unsigned	 hash_threads;	/* argon2id workers */
	unsigned	 hash_queue;	/* waiting hash jobs before 503 */
	const char	*key_file;
	int		 secure_cookies;
	long		 session_idle_s;
	long		 session_max_s;
	long		 login_window_s;
	long		 login_max_failures;
	unsigned long	 pwhash_ops;	/* argon2id opslimit */
	unsigned long	 pwhash_mem;	/* argon2id memlimit, bytes */

	/* Limits against clients that hold resources (README "Limits"). */
	unsigned	 max_conns;	/* open connections, all clients */
	unsigned	 max_conns_per_addr;
	unsigned	 idle_timeout_s;
	unsigned	 body_min_rate;	/* bytes/s a body must average */
	unsigned	 body_grace_s;	/* before the rate is checked */
	unsigned	 drain_s;	/* SIGTERM: wait for requests, then exit 1 */
	unsigned	 login_per_addr;	/* password checks in flight */
	unsigned	 login_per_addr_minute;
	unsigned	 purge_interval_s;	/* expired login failures */
	const char	*metrics_token;	/* NULL: /metrics for loopback only */
};

extern struct config config;

/* Fills `config` from the environment; -1 with a message on stderr. */
int	config_load(void);

#endif
