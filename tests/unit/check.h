/*
 * A tiny assertion kit for the unit tests of the pure parts (parsers,
 * encoders, grading). Each test program is one ctest test: it runs every
 * CHECK, prints each failure with its line, ends with the plain summary line
 * "N passed, N failed" and exits non-zero when anything failed.
 */
#ifndef MIGTRAIN_CHECK_H
#define MIGTRAIN_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do {						\
	if (cond) {							\
		check_passed++;						\
	} else {							\
		check_failed++;						\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *check_g_ = (got), *check_w_ = (want);		\
	if (check_g_ != NULL && check_w_ != NULL &&			\
	    strcmp(check_g_, check_w_) == 0) {				\
		check_passed++;						\
	} else {							\
		check_failed++;						\
		fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, check_g_ ? check_g_ : "(null)",	\
		    check_w_ ? check_w_ : "(null)");			\
	}								\
} while (0)

static inline int
check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return (check_failed == 0 ? 0 : 1);
}

#endif
