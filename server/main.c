/*
 * The migtrain executable: a table of subcommands (API §1). `serve` wires
 * the modules together: configuration, the database pool, the argon2id
 * pool and the HTTP daemon, then waits for SIGTERM/SIGINT and drains.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "commands.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "http.h"
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

int
cmd_serve(int argc, char **argv)
{
	sigset_t	set;
	int		sig;

	(void)argc;
	(void)argv;
	/* Block the stop signals in every thread; main waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
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
	    pwhash_start() == -1 || mail_sender_start() == -1 ||
	    http_start() == -1 || jobs_start() == -1)
		return (1);
	log_info("listening on %s:%u with %u threads", config.listen_host,
	    config.listen_port, config.threads);
	sigwait(&set, &sig);
	log_info("signal %d: draining", sig);
	/* Drain first: suspended logins need the hash pool and the daemon to
	 * finish; only then stop the hash threads, then the daemon. */
	http_drain();
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
