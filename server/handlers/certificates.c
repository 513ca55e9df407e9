/* Routes of this resource are added by the issue that builds it. */
#include "http.h"

const struct route certificate_routes[] = {
	{ NULL, NULL, NULL, 0 }
};

#include "completion.h"

/* Built by the certificates issue; until then completion issues nothing. */
int
certificate_issue(struct req *r, int64_t enrollment_id)
{
	(void)r;
	(void)enrollment_id;
	return (0);
}
