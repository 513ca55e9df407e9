/*
 * `migtrain create-user`: the first accounts of an install, and demo data.
 * The organisation is created by name when missing; the password is the
 * first line of standard input, so it never shows in a process list.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "text.h"

int
cmd_create_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "email", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "org", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*email = NULL, *name = NULL, *role = NULL, *org = NULL;
	const char	*params[5];
	char		 line[1100], hash[crypto_pwhash_STRBYTES];
	PGconn		*pg;
	PGresult	*res;
	size_t		 len;
	int		 c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e': email = optarg; break;
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 'o': org = optarg; break;
		default:
			fprintf(stderr, "create-user: unknown option\n");
			return (2);
		}
	}
	if (email == NULL || name == NULL || role == NULL || org == NULL) {
		fprintf(stderr, "create-user: --email, --name, --role and --org "
		    "are required\n");
		return (2);
	}
	if (!email_text_valid(email) || role_bit(role) == 0) {
		fprintf(stderr, "create-user: invalid email or role (admin, "
		    "coordinator, reviewer, trainee)\n");
		return (2);
	}
	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "create-user: no password on stdin\n");
		return (2);
	}
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (!password_acceptable(line)) {
		fprintf(stderr, "create-user: the password must be at least 10 "
		    "characters and at most 1024 bytes\n");
		sodium_memzero(line, sizeof(line));
		return (2);
	}
	if (pwhash_now(line, hash) != 0) {
		fprintf(stderr, "create-user: out of memory while hashing\n");
		return (1);
	}
	sodium_memzero(line, sizeof(line));
	if ((pg = db_connect_cli(config.db)) == NULL)
		return (1);
	params[0] = email;
	params[1] = name;
	params[2] = role;
	params[3] = org;
	params[4] = hash;
	res = PQexecParams(pg,
	    "WITH o AS (INSERT INTO orgs (name) VALUES (btrim($4))"
	    "           ON CONFLICT ((lower(name))) DO UPDATE SET name = orgs.name"
	    "           RETURNING id),"
	    " u AS (INSERT INTO users (email, name, role, org_id, password_hash)"
	    "       SELECT $1, btrim($2), $3, id, $5 FROM o RETURNING id),"
	    " a AS (INSERT INTO audit_log (action, object_type, object_id, detail)"
	    "       SELECT 'user.create', 'user', id,"
	    "              jsonb_build_object('email', $1::text, 'via', 'cli')"
	    "       FROM u)"
	    "SELECT id FROM u", 5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		printf("created user %s (%s) in %s\n", PQgetvalue(res, 0, 0),
		    role, org);
		rc = 0;
	} else {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state != NULL && strcmp(state, "23505") == 0)
			fprintf(stderr, "create-user: a user with this email "
			    "already exists\n");
		else
			fprintf(stderr, "create-user: %s",
			    PQresultErrorMessage(res));
	}
	PQclear(res);
	PQfinish(pg);
	return (rc);
}
