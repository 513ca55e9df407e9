/*
 * Grading: the credit, from 0 to 1, that one learner answer earns on one
 * question in the JSON shape gift.c produces. It is pure and total: the
 * answer comes from the network, so any shape it has (missing keys, wrong
 * types, huge arrays) yields a number, never a crash; a wrong shape is 0.
 *
 * Answer shapes: {"choice_ids": [1, 3]} for single, multiple and truefalse
 * (1 = True, 2 = False), {"text": "..."} for short, {"number": 4.2} for
 * numeric, {"pairs": [["left", "right"], ...]} for matching.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "grade.h"

/* Relative slack for numeric answers, so 0.1 + 0.2 still equals 0.3. */
#define GRADE_EPSILON	1e-9

static double
max2(double a, double b)
{
	return (a > b ? a : b);
}

static double
clamp(double credit)
{
	if (isnan(credit) || credit < 0)
		return (0);
	if (credit > 1)
		return (1);
	return (credit);
}

/* A weight in percent as a fraction; a missing weight is worth nothing. */
static double
fraction(const json_t *o)
{
	return (json_number_value(json_object_get(o, "weight")) / 100);
}

/* Byte equality of a JSON string with len bytes at s; JSON strings may
 * hold "\u0000", so lengths are compared rather than NUL terminators. */
static int
str_eq(const json_t *js, const char *s, size_t len)
{
	return (json_is_string(js) && json_string_length(js) == len &&
	    memcmp(json_string_value(js), s, len) == 0);
}

/*
 * The index of the choice whose id is id, or -1. gift.c numbers choices
 * 1..n in order, so the direct index is tried first and a linear scan
 * keeps working for a question stored some other way.
 */
static long
choice_index(const json_t *choices, json_int_t id)
{
	const json_t	*c;
	size_t		 i, n;

	n = json_array_size(choices);
	if (id >= 1 && (size_t)id <= n) {
		c = json_object_get(json_array_get(choices, (size_t)id - 1), "id");
		if (json_is_number(c) && json_number_value(c) == (double)id)
			return ((long)id - 1);
	}
	for (i = 0; i < n; i++) {
		c = json_object_get(json_array_get(choices, i), "id");
		if (json_is_number(c) && json_number_value(c) == (double)id)
			return ((long)i);
	}
	return (-1);
}

/* The ids of a choice answer, or NULL when any of them is not an integer. */
static const json_t *
choice_ids(const json_t *answer)
{
	const json_t	*ids;
	size_t		 i;

	ids = json_object_get(answer, "choice_ids");
	if (!json_is_array(ids))
		return (NULL);
	for (i = 0; i < json_array_size(ids); i++)
		if (!json_is_integer(json_array_get(ids, i)))
			return (NULL);
	return (ids);
}

/* One choice: its weight. None or several: nothing. */
static double
grade_single(const json_t *q, const json_t *answer)
{
	const json_t	*ids, *choices;
	long		 k;

	if ((ids = choice_ids(answer)) == NULL || json_array_size(ids) != 1)
		return (0);
	choices = json_object_get(q, "choices");
	k = choice_index(choices, json_integer_value(json_array_get(ids, 0)));
	if (k < 0)
		return (0);
	return (fraction(json_array_get(choices, (size_t)k)));
}

/* The sum of the chosen weights, each choice once, unknown ids ignored;
 * wrong choices carry negative weights, and the caller clamps at 0. */
static double
grade_multiple(const json_t *q, const json_t *answer)
{
	const json_t	*ids, *choices;
	unsigned char	*seen;
	double		 sum;
	size_t		 i, n;
	long		 k;

	if ((ids = choice_ids(answer)) == NULL)
		return (0);
	choices = json_object_get(q, "choices");
	if ((n = json_array_size(choices)) == 0)
		return (0);
	/* Failing to allocate a few bytes grades as 0 rather than crash. */
	if ((seen = calloc(n, 1)) == NULL)
		return (0);
	sum = 0;
	for (i = 0; i < json_array_size(ids); i++) {
		k = choice_index(choices,
		    json_integer_value(json_array_get(ids, i)));
		if (k < 0 || seen[k])
			continue;
		seen[k] = 1;
		sum += fraction(json_array_get(choices, (size_t)k));
	}
	free(seen);
	return (sum);
}

static double
grade_truefalse(const json_t *q, const json_t *answer)
{
	const json_t	*ids, *right;
	json_int_t	 id;

	if ((ids = choice_ids(answer)) == NULL || json_array_size(ids) != 1)
		return (0);
	right = json_object_get(q, "answer");
	if (!json_is_boolean(right))
		return (0);
	id = json_integer_value(json_array_get(ids, 0));
	if (id == 1)
		return (json_is_true(right) ? 1 : 0);
	if (id == 2)
		return (json_is_false(right) ? 1 : 0);
	return (0);
}

/*
 * The next code point of s (n bytes) from *i. The input is UTF-8 already
 * (jansson checks it), but a malformed byte still decodes, to a value
 * above U+10FFFF that only equals the same byte, and never past n.
 */
static unsigned long
next_cp(const unsigned char *s, size_t n, size_t *i)
{
	unsigned long	cp;
	size_t		k, need;

	if (s[*i] < 0x80)
		return (s[(*i)++]);
	if (s[*i] >= 0xC0 && s[*i] < 0xE0) {
		need = 1;
		cp = s[*i] & 0x1F;
	} else if (s[*i] >= 0xE0 && s[*i] < 0xF0) {
		need = 2;
		cp = s[*i] & 0x0F;
	} else if (s[*i] >= 0xF0 && s[*i] < 0xF8) {
		need = 3;
		cp = s[*i] & 0x07;
	} else
		return (0x110000UL + s[(*i)++]);
	if (n - *i <= need)
		return (0x110000UL + s[(*i)++]);
	for (k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xC0) != 0x80)
			return (0x110000UL + s[(*i)++]);
		cp = (cp << 6) | (s[*i + k] & 0x3F);
	}
	*i += need + 1;
	return (cp);
}

/*
 * Simple lower-casing: ASCII, Latin-1, Latin Extended-A (the Baltic,
 * Polish, Czech, ... letters), Romanian comma letters, Greek and Cyrillic;
 * one code point to one code point, no locale. Anything else (German
 * sharp s, Turkish dotless i, ...) compares exactly.
 */
static unsigned long
fold(unsigned long cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return (cp + 32);
	if (cp < 0xC0)
		return (cp);
	if (cp <= 0xDE)
		return (cp == 0xD7 ? cp : cp + 32);		/* not × */
	if (cp == 0x130)
		return ('i');					/* İ */
	if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177) ||
	    (cp >= 0x218 && cp <= 0x21B))
		return (cp % 2 == 0 ? cp + 1 : cp);
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
		return (cp % 2 == 1 ? cp + 1 : cp);
	if (cp == 0x178)
		return (0xFF);					/* Ÿ */
	if (cp == 0x386)
		return (0x3AC);
	if (cp >= 0x388 && cp <= 0x38A)
		return (cp + 37);
	if (cp == 0x38C)
		return (0x3CC);
	if (cp == 0x38E || cp == 0x38F)
		return (cp + 63);
	if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2)
		return (cp + 32);
	if (cp == 0x3C2)
		return (0x3C3);					/* final sigma */
	if (cp >= 0x400 && cp <= 0x40F)
		return (cp + 80);
	if (cp >= 0x410 && cp <= 0x42F)
		return (cp + 32);
	return (cp);
}

static int
is_space(unsigned char ch)
{
	return (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\v' || ch == '\f');
}

/* Equality of a and b after trimming ASCII whitespace and folding case. */
static int
text_eq(const char *a, size_t an, const char *b, size_t bn)
{
	const unsigned char	*sa, *sb;
	size_t			 i, k;

	sa = (const unsigned char *)a;
	sb = (const unsigned char *)b;
	while (an > 0 && is_space(sa[0])) {
		sa++;
		an--;
	}
	while (an > 0 && is_space(sa[an - 1]))
		an--;
	while (bn > 0 && is_space(sb[0])) {
		sb++;
		bn--;
	}
	while (bn > 0 && is_space(sb[bn - 1]))
		bn--;
	i = k = 0;
	while (i < an && k < bn)
		if (fold(next_cp(sa, an, &i)) != fold(next_cp(sb, bn, &k)))
			return (0);
	return (i == an && k == bn);
}

/* The best weight among the accepted answers equal to the text. */
static double
grade_short(const json_t *q, const json_t *answer)
{
	const json_t	*text, *answers, *a, *t;
	double		 best;
	size_t		 i;

	text = json_object_get(answer, "text");
	if (!json_is_string(text))
		return (0);
	answers = json_object_get(q, "answers");
	best = 0;
	for (i = 0; i < json_array_size(answers); i++) {
		a = json_array_get(answers, i);
		t = json_object_get(a, "text");
		if (!json_is_string(t) || json_string_length(t) == 0)
			continue;
		if (text_eq(json_string_value(text), json_string_length(text),
		    json_string_value(t), json_string_length(t)) &&
		    fraction(a) > best)
			best = fraction(a);
	}
	return (best);
}

/* The best weight among the answers the number falls within. */
static double
grade_numeric(const json_t *q, const json_t *answer)
{
	const json_t	*num, *answers, *a, *v, *t, *lo, *hi;
	double		 x, best, slack;
	size_t		 i;
	int		 hit;

	num = json_object_get(answer, "number");
	if (!json_is_number(num) || !isfinite(x = json_number_value(num)))
		return (0);
	answers = json_object_get(q, "answers");
	best = 0;
	for (i = 0; i < json_array_size(answers); i++) {
		a = json_array_get(answers, i);
		lo = json_object_get(a, "min");
		hi = json_object_get(a, "max");
		v = json_object_get(a, "value");
		t = json_object_get(a, "tolerance");
		if (json_is_number(lo) && json_is_number(hi)) {
			slack = GRADE_EPSILON * max2(1, max2(
			    fabs(json_number_value(lo)),
			    fabs(json_number_value(hi))));
			hit = x >= json_number_value(lo) - slack &&
			    x <= json_number_value(hi) + slack;
		} else if (json_is_number(v)) {
			slack = GRADE_EPSILON *
			    max2(1, fabs(json_number_value(v)));
			hit = fabs(x - json_number_value(v)) <=
			    fabs(json_number_value(t)) + slack;
		} else
			hit = 0;
		if (hit && fraction(a) > best)
			best = fraction(a);
	}
	return (best);
}

/*
 * The share of prompts (pairs with a left side; "-> right" distractors are
 * not prompts) matched to their right side. When the answer names a left
 * side twice, its first pair counts.
 */
static double
grade_matching(const json_t *q, const json_t *answer)
{
	const json_t	*given, *pairs, *p, *left, *right, *g;
	size_t		 i, k, prompts, matched;

	given = json_object_get(answer, "pairs");
	if (!json_is_array(given))
		return (0);
	for (k = 0; k < json_array_size(given); k++) {
		g = json_array_get(given, k);
		if (!json_is_array(g) || json_array_size(g) != 2 ||
		    !json_is_string(json_array_get(g, 0)) ||
		    !json_is_string(json_array_get(g, 1)))
			return (0);
	}
	pairs = json_object_get(q, "pairs");
	prompts = matched = 0;
	for (i = 0; i < json_array_size(pairs); i++) {
		p = json_array_get(pairs, i);
		left = json_object_get(p, "left");
		right = json_object_get(p, "right");
		if (!json_is_string(left) || json_string_length(left) == 0 ||
		    !json_is_string(right))
			continue;
		prompts++;
		for (k = 0; k < json_array_size(given); k++) {
			g = json_array_get(given, k);
			if (!str_eq(json_array_get(g, 0),
			    json_string_value(left), json_string_length(left)))
				continue;
			if (str_eq(json_array_get(g, 1),
			    json_string_value(right),
			    json_string_length(right)))
				matched++;
			break;
		}
	}
	if (prompts == 0)
		return (0);
	return ((double)matched / (double)prompts);
}

double
grade_answer(const json_t *question, const json_t *answer)
{
	const char	*type;
	double		 credit;

	if (!json_is_object(question) || !json_is_object(answer))
		return (0);
	if ((type = json_string_value(json_object_get(question, "type"))) == NULL)
		return (0);
	if (strcmp(type, "single") == 0)
		credit = grade_single(question, answer);
	else if (strcmp(type, "multiple") == 0)
		credit = grade_multiple(question, answer);
	else if (strcmp(type, "truefalse") == 0)
		credit = grade_truefalse(question, answer);
	else if (strcmp(type, "short") == 0)
		credit = grade_short(question, answer);
	else if (strcmp(type, "numeric") == 0)
		credit = grade_numeric(question, answer);
	else if (strcmp(type, "matching") == 0)
		credit = grade_matching(question, answer);
	else
		credit = 0;
	return (clamp(credit));
}
