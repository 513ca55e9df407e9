/*
 * Schema migrations: the files of schema/ (compiled in, in name order) are
 * applied once each, every one in its own transaction together with its
 * row in schema_migrations. A session-level advisory lock, taken before
 * anything else (the version table included), lets several instances
 * start at once: one applies, the others wait for it and then find
 * nothing left to do. Running it again is a no-op.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "db.h"
#include "embedded.h"

static int
ok(PGconn *pg, PGresult *res, const char *what)
{
	ExecStatusType	st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(res);
		return (0);
	}
	fprintf(stderr, "migrate: %s: %s", what, PQerrorMessage(pg));
	PQclear(res);
	return (-1);
}

int
migrate_apply(const char *conninfo, int quiet)
{
	PGconn		*pg;
	PGresult	*res;
	const char	*name;
	int		 i, applied = 0, rc = -1, done;

	if ((pg = db_connect_cli(conninfo)) == NULL)
		return (-1);
	/* No statement timeout here: waiting for another instance's
	 * migration, or a long one of our own, must not fail half way. */
	if (ok(pg, PQexec(pg, "SET statement_timeout = 0; "
	    "SELECT pg_advisory_lock(7463)"), "lock"))
		goto out;
	if (ok(pg, PQexec(pg, "SET client_min_messages = warning; "
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version text PRIMARY KEY,"
	    " applied_at timestamptz NOT NULL DEFAULT now())"), "version table"))
		goto out;
	for (i = 0; (name = embedded_schema[i].name) != NULL; i++) {
		if (ok(pg, PQexec(pg, "BEGIN"),
		    "begin"))
			goto out;
		res = PQexecParams(pg, "SELECT 1 FROM schema_migrations "
		    "WHERE version = $1", 1, NULL, &name, NULL, NULL, 0);
		done = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0;
		if (ok(pg, res, "version check"))
			goto out;
		if (!done) {
			if (ok(pg, PQexec(pg, embedded_schema[i].text), name) ||
			    ok(pg, PQexecParams(pg, "INSERT INTO schema_migrations "
			    "(version) VALUES ($1)", 1, NULL, &name, NULL, NULL,
			    0), "record version"))
				goto out;
			applied++;
			if (!quiet)
				printf("applied %s\n", name);
		}
		if (ok(pg, PQexec(pg, "COMMIT"), "commit"))
			goto out;
	}
	if (!quiet)
		printf("schema up to date (%d applied now)\n", applied);
	rc = 0;
out:
	PQfinish(pg);		/* ends the session and with it the lock */
	return (rc);
}

int
cmd_migrate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return (migrate_apply(config.db, 0) == 0 ? 0 : 1);
}
