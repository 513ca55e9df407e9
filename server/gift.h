/* The GIFT quiz parser: Moodle's GIFT text in, a JSON array of questions
 * out (keys described in gift.c). Pure: no I/O, no globals. */
#ifndef MIGTRAIN_GIFT_H
#define MIGTRAIN_GIFT_H

#include <stddef.h>

#include <jansson.h>

struct gift_error {
	int	line;
	char	message[160];
};

/* Parses len bytes of GIFT text (not NUL-terminated; never read past len). Returns a new
 * jansson array of question objects, or NULL with *err filled (line is 1-based). */
json_t	*gift_parse(const char *text, size_t len, struct gift_error *err);

/*
 * Gives a parsed bank the ids a quiz stores: each question "id" = its
 * 1-based position, and each choice an id derived from its question's
 * position and its own text instead of its place in the file. Authors tend
 * to write the right answer first, so position-based choice ids would give
 * answers away even when choices are shown shuffled. The ids are stable
 * across re-imports of the same text and unique within a question.
 */
void	 gift_number(json_t *questions);

#endif
