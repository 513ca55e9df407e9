/*
 * The migtrain executable: a table of subcommands (API §1). `serve` wires
 * the modules together: configuration, the database pool, the argon2id
 * pool and the HTTP daemon, then waits for SIGTERM/SIGINT and drains;
 * SIGHUP reloads the signing key file meanwhile.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "commands.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "http.h"
#include "keeper.h"
#include "jobs.h"
#include "log.h"
#include "mail_sender.h"
#include "metrics.h"
#include "route.h"
#include "signing.h"

static const struct {
	const char	*name;
	int		(*run)(int, char **);
	int		 needs_db;
	const char	*usage;
} commands[] = {
	{ "migrate", cmd_migrate, 1, "migrate" },
	{ "import-content", cmd_import_content, 1, "import-content DIR" },
	{ "create-user", cmd_create_user, 1, "create-user --email E --name N "
	    "--role R --org ORG   (password on stdin)" },
	{ "rotate-key", cmd_rotate_key, 0, "rotate-key" },
	{ "serve", cmd_serve, 1, "serve" },
	{ "routes", cmd_routes, 0, "routes   (lists the route table)" },
	{ "openapi", cmd_openapi, 0, "openapi  (prints /openapi.json)" },
};

static void
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage:\n");
	for (i = 0; i < NELEM(commands); i++)
		fprintf(stderr, "  migtrain %s\n", commands[i].usage);
}

int
cmd_routes(int argc, char **argv)
{
	int	i;

	(void)argc;
	(void)argv;
	route_init();
	for (i = 0; i < route_count(); i++)
		printf("%s %s\n", route_at(i)->method, route_at(i)->pattern);
	route_free();
	return (0);
}

int
cmd_openapi(int argc, char **argv)
{
	const char	*doc = ops_openapi_text();

	(void)argc;
	(void)argv;
	if (doc == NULL)
		return (1);
	puts(doc);
	return (0);
}

/*
 * The bound on a stop: a worker stuck for good (a lock never released)
 * would keep MHD_stop_daemon waiting forever, so past the drain and a
 * margin the process leaves with status 1 and systemd restarts it.
 */
static void *
stop_bound(void *arg)
{
	struct timespec	t = { (time_t)config.drain_s + 10, 0 };

	(void)arg;
	while (nanosleep(&t, &t) == -1)
		;
	log_err("the stop did not finish within %u s: exiting",
	    config.drain_s + 10);
	_exit(1);
}

int
cmd_serve(int argc, char **argv)
{
	sigset_t	set;
	pthread_t	bound;
	int		sig;

	(void)argc;
	(void)argv;
	/* Block the stop signals in every thread; main waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The signing keys are loaded (or created, mode 0600) before anything
	 * listens, so a bad key file stops the start, not a completion. */
	if (signing_init() == -1)
		return (1);
	route_init();
	metrics_init(route_count());
	/* One connection per worker, plus slack for streamed answers. */
	if (db_init(config.db, config.threads + DB_POOL_SLACK) == -1 ||
	    (config.db_replica != NULL && db_init_replica(config.db_replica,
	    config.threads + DB_POOL_SLACK, config.replica_max_lag_s) == -1) ||
	    pwhash_start() == -1 || mail_sender_start() == -1 ||
	    http_start() == -1 || keeper_start() == -1 ||
	    jobs_start() == -1)
		return (1);
	log_info("listening on %s:%u with %u threads", config.listen_host,
	    config.listen_port, config.threads);
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
		log_info("SIGHUP: reloading the signing key file");
		(void)signing_reload();
	}
	log_info("signal %d: draining", sig);
	if (pthread_create(&bound, NULL, stop_bound, NULL) == 0)
		pthread_detach(bound);
	keeper_stop();
	/* Drain first: suspended logins need the hash pool and the daemon to
	 * finish; only then stop the hash threads, then the daemon. */
	if (http_drain() == -1) {
		log_err("requests still running after %u s: exiting",
		    config.drain_s);
		_exit(1);
	}
	pwhash_stop();
	http_stop();
	jobs_stop();
	mail_sender_stop();
	db_shutdown();
	metrics_free();
	route_free();
	log_info("stopped");
	return (0);
}

int
main(int argc, char **argv)
{
	size_t	i;

	if (argc < 2) {
		usage();
		return (2);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "libsodium failed to initialise\n");
		return (1);
	}
	for (i = 0; i < NELEM(commands); i++) {
		if (strcmp(commands[i].name, argv[1]) != 0)
			continue;
		if (commands[i].needs_db && config_load() == -1)
			return (2);
		if (!commands[i].needs_db && getenv("MIGTRAIN_DB") != NULL &&
		    config_load() == -1)
			return (2);
		return (commands[i].run(argc - 1, argv + 1));
	}
	usage();
	return (2);
}
