/*
 * libFuzzer target for the GIFT parser: quiz files come from course
 * authors' uploads, so gift_parse must survive any bytes. The input is
 * copied into a buffer of exactly its size, without a terminator, so that
 * AddressSanitizer reports any read past len.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gift.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gift_error	 err;
	json_t			*questions;
	char			*copy;

	if ((copy = malloc(size ? size : 1)) == NULL)
		return (0);
	if (size > 0)
		memcpy(copy, data, size);
	questions = gift_parse(copy, size, &err);
	/* A failure must say where and why. */
	if (questions == NULL && (err.line < 1 || err.message[0] == '\0'))
		abort();
	json_decref(questions);
	free(copy);
	return (0);
}
