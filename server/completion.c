/*
 * Course completion. mt_enrollment_refresh (schema/010) sets completed_at
 * exactly once, under a row lock on the enrolment, when every module is
 * done; when it reports a fresh completion the certificate is issued in
 * the same transaction, so there is never a completion without one.
 */
#include <string.h>

#include "certificate.h"
#include "completion.h"
#include "db.h"

int
completion_check(struct req *r, int64_t enrollment_id)
{
	PGresult	*res;
	int		 fresh;

	res = db_query(r, "SELECT mt_enrollment_refresh($1)", 1,
	    req_id_text(r, enrollment_id));
	if (res == NULL)
		return (-1);
	fresh = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return (fresh ? certificate_issue(r, enrollment_id) : 0);
}
