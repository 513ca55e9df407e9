/* Routes of this resource are added by the issue that builds it. */
#include "http.h"

const struct route record_routes[] = {
	{ NULL, NULL, NULL, 0 }
};
