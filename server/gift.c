/*
 * The GIFT parser: it turns a course's quiz.gift (Moodle's GIFT format)
 * into the JSON array of questions that the importer stores and grade.c
 * grades. It accepts the question types the platform can grade and rejects
 * everything else, and every malformed construct, with a 1-based line so an
 * author can fix the file. Nothing here does I/O or keeps state between calls.
 *
 * How it reads: the text is cut into lines; blank lines end a question,
 * whole-line "//" comments vanish, "$CATEGORY:" lines set the category of
 * the questions that follow. The lines of one question are joined with "\n"
 * into a buffer of "cells": one byte each, with a flag telling whether the
 * byte came from a backslash escape. Every structural search (::, {, }, =,
 * ~, #, %, :, ->) skips flagged cells, so escapes are resolved exactly once
 * and cannot be confused with syntax later.
 *
 * Each question object has "type", "title", "text", "format",
 * "general_feedback", "category", "line" and then, by type:
 *   single, multiple	"choices": [{"id", "text", "weight", "feedback"}]
 *   truefalse		"answer", "feedback_wrong", "feedback_right"
 *   short		"answers": [{"text", "weight", "feedback"}]
 *   numeric		"answers": [{"value", "tolerance", "weight", "feedback"}
 *			    or {"min", "max", "weight", "feedback"}]
 *   matching		"pairs": [{"left", "right"}]
 * Weights, values, tolerances and bounds are always JSON reals (read them
 * with json_number_value); ids and lines are integers.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gift.h"

/*
 * Bounds on what one file may make us allocate. The working buffers take
 * about 2 bytes per input byte, the JSON its strings plus a few hundred
 * bytes per question or answer: tiny inputs like "Q{T}" repeated would
 * otherwise cost 300 times their size. Real quizzes are far below both.
 */
#define GIFT_MAX_INPUT	(5 * 1024 * 1024)	/* = the import body cap (API §2) */
#define GIFT_MAX_ITEMS	50000	/* questions plus answers, choices, pairs */
/* Longer than any sensible number ("-1.2345678901234567e-300" is 24). */
#define GIFT_MAX_NUMBER	64
/* Slack when multiple-answer weights add up to 100 (33.333 x 3 is fine). */
#define GIFT_SUM_SLACK	0.01

struct gline {
	size_t	cell;		/* first cell of this source line */
	int	line;		/* its 1-based line in the file */
};

struct parser {
	char			*c;	/* the current question, escapes resolved */
	unsigned char		*lit;	/* 1 where c[i] came from an escape */
	size_t			 n;
	struct gline		*lines;	/* where each source line begins in c */
	size_t			 nlines;
	size_t			 linecap;
	const char		*cat;	/* the current $CATEGORY, in the input */
	size_t			 catlen;
	int			 hascat;
	json_t			*out;
	size_t			 items;	/* against GIFT_MAX_ITEMS */
	struct gift_error	*err;
};

static int
fail(struct parser *p, int line, const char *msg)
{
	/* Line 0 means "no better place": the question's first line. */
	if (line <= 0)
		line = p->nlines > 0 ? p->lines[0].line : 1;
	p->err->line = line;
	snprintf(p->err->message, sizeof(p->err->message), "%s", msg);
	return (-1);
}

/* The source line of a cell, for error messages. */
static int
cell_line(const struct parser *p, size_t cell)
{
	size_t	lo, hi, mid;

	lo = 0;
	hi = p->nlines;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (p->lines[mid].cell <= cell)
			lo = mid;
		else
			hi = mid;
	}
	return (p->lines[lo].line);
}

static int
fail_at(struct parser *p, size_t cell, const char *msg)
{
	return (fail(p, cell_line(p, cell), msg));
}

static int
is_space(unsigned char ch)
{
	return (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\v' || ch == '\f');
}

static int
is_digit(char ch)
{
	return (ch >= '0' && ch <= '9');
}

/* ASCII only on purpose: <ctype.h> depends on the locale. */
static char
lower(char ch)
{
	return (ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch);
}

/* Non-zero when cell i is the unescaped syntax character ch. */
static int
is_syn(const struct parser *p, size_t i, char ch)
{
	return (!p->lit[i] && p->c[i] == ch);
}

static void
trim(const struct parser *p, size_t *b, size_t *e)
{
	while (*b < *e && is_space((unsigned char)p->c[*b]))
		(*b)++;
	while (*e > *b && is_space((unsigned char)p->c[*e - 1]))
		(*e)--;
}

/* The first unescaped ch in [b, e), or e. */
static size_t
find(const struct parser *p, size_t b, size_t e, char ch)
{
	for (; b < e; b++)
		if (is_syn(p, b, ch))
			break;
	return (b);
}

/* The first unescaped occurrence of the sequence s in [b, e), or e. */
static size_t
find_seq(const struct parser *p, size_t b, size_t e, const char *s)
{
	size_t	i, k, n;

	n = strlen(s);
	for (i = b; i < e && e - i >= n; i++) {
		for (k = 0; k < n; k++)
			if (!is_syn(p, i + k, s[k]))
				break;
		if (k == n)
			return (i);
	}
	return (e);
}

/* Non-zero when [b, e) is word, ignoring ASCII case. */
static int
equals_ci(const struct parser *p, size_t b, size_t e, const char *word)
{
	size_t	i, n;

	n = strlen(word);
	if (e - b != n)
		return (0);
	for (i = 0; i < n; i++)
		if (lower(p->c[b + i]) != word[i])
			return (0);
	return (1);
}

/* The trimmed cells [b, e) as a JSON string. */
static json_t *
str(const struct parser *p, size_t b, size_t e)
{
	trim(p, &b, &e);
	return (json_stringn(p->c + b, e - b));
}

/* Like str, but null when absent or blank: feedback that says nothing. */
static json_t *
opt_str(const struct parser *p, size_t b, size_t e, int present)
{
	if (present)
		trim(p, &b, &e);
	if (!present || b == e)
		return (json_null());
	return (json_stringn(p->c + b, e - b));
}

/*
 * A plain decimal number: [+-] digits [. digits] [e [+-] digits], which is
 * what Moodle's is_numeric accepts minus hex, inf and nan. strtod reads the
 * C locale's '.' because the server never calls setlocale.
 */
static int
parse_number(const struct parser *p, size_t b, size_t e, double *out)
{
	char	 buf[GIFT_MAX_NUMBER];
	char	*end;
	size_t	 i, n;
	int	 digits;

	trim(p, &b, &e);
	n = e - b;
	if (n == 0 || n >= sizeof(buf))
		return (-1);
	memcpy(buf, p->c + b, n);
	buf[n] = '\0';

	i = 0;
	digits = 0;
	if (buf[i] == '+' || buf[i] == '-')
		i++;
	for (; is_digit(buf[i]); i++)
		digits++;
	if (buf[i] == '.')
		for (i++; is_digit(buf[i]); i++)
			digits++;
	if (digits == 0)
		return (-1);
	if (buf[i] == 'e' || buf[i] == 'E') {
		i++;
		if (buf[i] == '+' || buf[i] == '-')
			i++;
		if (!is_digit(buf[i]))
			return (-1);
		while (is_digit(buf[i]))
			i++;
	}
	if (i != n)
		return (-1);

	*out = strtod(buf, &end);
	if (end != buf + n || !isfinite(*out))
		return (-1);
	return (0);
}

/*
 * Steps over one answer of a block: its marker ('=' or '~', or 0 for text
 * before the first marker) and the cells up to the next marker. Returns 0
 * when [*i, e) is used up.
 */
static int
next_answer(const struct parser *p, size_t *i, size_t e, int *mark,
    size_t *ab, size_t *ae)
{
	size_t	k;

	k = *i;
	if (k >= e)
		return (0);
	*mark = 0;
	if (is_syn(p, k, '=') || is_syn(p, k, '~'))
		*mark = p->c[k++];
	*ab = k;
	while (k < e && !is_syn(p, k, '=') && !is_syn(p, k, '~'))
		k++;
	*ae = k;
	*i = k;
	return (1);
}

struct answer {
	double	weight;
	size_t	tb, te;		/* the answer text */
	size_t	fb, fe;		/* the feedback after '#' */
	int	has_fb;
};

/*
 * Splits one answer into "%weight%", text and "#feedback". The weight
 * defaults to 100 for '=' and text without a marker, 0 for '~'.
 */
static int
parse_answer(struct parser *p, int mark, size_t b, size_t e,
    struct answer *a)
{
	size_t	pct, h;

	trim(p, &b, &e);
	a->weight = (mark == '~') ? 0 : 100;
	if (b < e && is_syn(p, b, '%')) {
		pct = find(p, b + 1, e, '%');
		if (pct == e)
			return (fail_at(p, b, "the weight has no closing %"));
		if (parse_number(p, b + 1, pct, &a->weight) == -1)
			return (fail_at(p, b, "the weight is not a number"));
		if (a->weight < -100 || a->weight > 100)
			return (fail_at(p, b,
			    "the weight must be between -100 and 100"));
		b = pct + 1;
	}
	h = find(p, b, e, '#');
	a->has_fb = (h < e);
	a->fb = a->has_fb ? h + 1 : e;
	a->fe = e;
	a->tb = b;
	a->te = h;
	trim(p, &a->tb, &a->te);
	return (0);
}

/* Counts one more question or answer against the budget. */
static int
count_item(struct parser *p, size_t cell)
{
	if (++p->items > GIFT_MAX_ITEMS)
		return (fail_at(p, cell, "the file has more than 50000 "
		    "questions and answers"));
	return (0);
}

static int
set(struct parser *p, json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, v) == -1)
		return (fail(p, 0, "out of memory"));
	return (0);
}

static int
append(struct parser *p, json_t *arr, json_t *v)
{
	if (json_array_append_new(arr, v) == -1)
		return (fail(p, 0, "out of memory"));
	return (0);
}

/* Non-zero when [b, e) holds only whitespace. */
static int
blank(const struct parser *p, size_t b, size_t e)
{
	trim(p, &b, &e);
	return (b == e);
}

/* single and multiple: "=right#fb ~wrong#fb ~%50%half#fb". */
static int
build_choice(struct parser *p, json_t *q, int single, size_t b, size_t e)
{
	struct answer	 a;
	json_t		*choices, *c;
	size_t		 i, ab, ae;
	double		 positive;
	int		 mark, id;

	if ((choices = json_array()) == NULL || set(p, q, "choices", choices))
		return (fail(p, 0, "out of memory"));
	positive = 0;
	id = 0;
	i = b;
	while (next_answer(p, &i, e, &mark, &ab, &ae)) {
		if (mark == 0) {
			if (!blank(p, ab, ae))
				return (fail_at(p, ab, "text before the first "
				    "answer: start each answer with = or ~"));
			continue;
		}
		if (parse_answer(p, mark, ab, ae, &a) == -1)
			return (-1);
		if (a.tb == a.te)
			return (fail_at(p, ab, "an answer is empty"));
		if (count_item(p, ab) == -1)
			return (-1);
		if (a.weight > 0)
			positive += a.weight;
		if ((c = json_object()) == NULL || append(p, choices, c) ||
		    set(p, c, "id", json_integer(++id)) ||
		    set(p, c, "text", str(p, a.tb, a.te)) ||
		    set(p, c, "weight", json_real(a.weight)) ||
		    set(p, c, "feedback", opt_str(p, a.fb, a.fe, a.has_fb)))
			return (fail(p, 0, "out of memory"));
	}
	if (id < 2)
		return (fail(p, 0, "a choice question needs at least "
		    "2 answers"));
	if (single && positive <= 0)
		return (fail(p, 0, "no answer has a positive weight"));
	if (!single && fabs(positive - 100) > GIFT_SUM_SLACK)
		return (fail(p, 0, "the positive weights of a "
		    "multiple-answer question must add up to 100"));
	return (0);
}

/* "T", "TRUE", "F", "FALSE", then "#feedback if wrong#feedback if right". */
static int
build_truefalse(struct parser *p, json_t *q, size_t b, size_t e)
{
	size_t	h1, h2, tb, te;

	h1 = find(p, b, e, '#');
	h2 = (h1 < e) ? find(p, h1 + 1, e, '#') : e;
	tb = b;
	te = h1;
	trim(p, &tb, &te);
	if (set(p, q, "answer", json_boolean(equals_ci(p, tb, te, "t") ||
	    equals_ci(p, tb, te, "true"))) ||
	    set(p, q, "feedback_wrong", opt_str(p, h1 + 1, h2, h1 < e)) ||
	    set(p, q, "feedback_right", opt_str(p, h2 + 1, e, h2 < e)))
		return (-1);
	return (0);
}

/* "=answer#fb =%50%other#fb"; text before the first '=' counts as an
 * answer worth 100, as in Moodle ("{Paris}"). */
static int
build_short(struct parser *p, json_t *q, size_t b, size_t e)
{
	struct answer	 a;
	json_t		*answers, *o;
	size_t		 i, ab, ae;
	int		 mark, positive;

	if ((answers = json_array()) == NULL || set(p, q, "answers", answers))
		return (fail(p, 0, "out of memory"));
	positive = 0;
	i = b;
	while (next_answer(p, &i, e, &mark, &ab, &ae)) {
		if (mark == 0 && blank(p, ab, ae))
			continue;
		if (parse_answer(p, mark, ab, ae, &a) == -1)
			return (-1);
		if (a.tb == a.te)
			return (fail_at(p, ab, "an answer is empty"));
		if (count_item(p, ab) == -1)
			return (-1);
		if (a.weight > 0)
			positive = 1;
		if ((o = json_object()) == NULL || append(p, answers, o) ||
		    set(p, o, "text", str(p, a.tb, a.te)) ||
		    set(p, o, "weight", json_real(a.weight)) ||
		    set(p, o, "feedback", opt_str(p, a.fb, a.fe, a.has_fb)))
			return (fail(p, 0, "out of memory"));
	}
	if (!positive)
		return (fail(p, 0, "no answer has a positive weight"));
	return (0);
}

/*
 * "#90", "#90:2", "#1..5", "#=1822:0 =%50%1822:2#fb". A "~#feedback" with
 * no number is Moodle's feedback for any other answer; the JSON has no
 * place for it, so it is dropped.
 */
static int
build_numeric(struct parser *p, json_t *q, size_t b, size_t e)
{
	struct answer	 a;
	json_t		*answers, *o;
	size_t		 i, ab, ae, k;
	double		 v, t;
	int		 mark, positive, r;

	if ((answers = json_array()) == NULL || set(p, q, "answers", answers))
		return (fail(p, 0, "out of memory"));
	positive = 0;
	i = b + 1;		/* past the '#' */
	while (next_answer(p, &i, e, &mark, &ab, &ae)) {
		if (mark == 0 && blank(p, ab, ae))
			continue;
		if (parse_answer(p, mark, ab, ae, &a) == -1)
			return (-1);
		if (mark == '~') {
			if (a.tb == a.te)
				continue;
			return (fail_at(p, ab, "numeric answers start with ="));
		}
		if (a.tb == a.te)
			return (fail_at(p, ab, "an answer is empty"));
		if (count_item(p, ab) == -1)
			return (-1);
		if ((o = json_object()) == NULL || append(p, answers, o))
			return (fail(p, 0, "out of memory"));
		if ((k = find_seq(p, a.tb, a.te, "..")) < a.te) {
			if (parse_number(p, a.tb, k, &v) == -1 ||
			    parse_number(p, k + 2, a.te, &t) == -1)
				return (fail_at(p, a.tb,
				    "the numeric answer is not a number"));
			if (v > t)
				return (fail_at(p, a.tb, "the numeric range's "
				    "minimum is greater than its maximum"));
			r = set(p, o, "min", json_real(v)) ||
			    set(p, o, "max", json_real(t));
		} else {
			k = find(p, a.tb, a.te, ':');
			t = 0;
			if (parse_number(p, a.tb, k, &v) == -1 || (k < a.te &&
			    parse_number(p, k + 1, a.te, &t) == -1))
				return (fail_at(p, a.tb,
				    "the numeric answer is not a number"));
			if (t < 0)
				return (fail_at(p, a.tb,
				    "the tolerance must not be negative"));
			r = set(p, o, "value", json_real(v)) ||
			    set(p, o, "tolerance", json_real(t));
		}
		if (r || set(p, o, "weight", json_real(a.weight)) ||
		    set(p, o, "feedback", opt_str(p, a.fb, a.fe, a.has_fb)))
			return (-1);
		if (a.weight > 0)
			positive = 1;
	}
	if (json_array_size(answers) == 0)
		return (fail(p, 0, "the numeric question has no answer"));
	if (!positive)
		return (fail(p, 0, "no answer has a positive weight"));
	return (0);
}

/*
 * "=left -> right" pairs; "= -> right" adds a distractor to the right-hand
 * list. Left sides must differ, or grading could not tell them apart.
 */
static int
build_matching(struct parser *p, json_t *q, size_t b, size_t e)
{
	json_t		*pairs, *o, *left, *seen;
	size_t		 i, ab, ae, arrow, lb, le, rb, re;
	int		 mark, prompts, r;

	if ((pairs = json_array()) == NULL || set(p, q, "pairs", pairs))
		return (fail(p, 0, "out of memory"));
	/* A hash set of the left sides, so a long list stays linear. */
	if ((seen = json_object()) == NULL)
		return (fail(p, 0, "out of memory"));
	prompts = 0;
	r = 0;
	i = b;
	while (r == 0 && next_answer(p, &i, e, &mark, &ab, &ae)) {
		if (mark == 0) {
			if (!blank(p, ab, ae))
				r = fail_at(p, ab, "text before the first "
				    "answer: start each pair with =");
			continue;
		}
		if ((arrow = find_seq(p, ab, ae, "->")) == ae) {
			r = fail_at(p, ab, "a matching answer needs ->");
			continue;
		}
		if (find(p, ab, ae, '#') < ae) {
			r = fail_at(p, ab, "matching questions take no "
			    "feedback (escape # as \\#)");
			continue;
		}
		lb = ab;
		le = arrow;
		rb = arrow + 2;
		re = ae;
		trim(p, &lb, &le);
		trim(p, &rb, &re);
		if (rb == re) {
			r = fail_at(p, ab, "a matching answer has nothing "
			    "after ->");
			continue;
		}
		if ((r = count_item(p, ab)) != 0)
			continue;
		if ((o = json_object()) == NULL || append(p, pairs, o) ||
		    set(p, o, "left", json_stringn(p->c + lb, le - lb)) ||
		    set(p, o, "right", json_stringn(p->c + rb, re - rb))) {
			r = fail(p, 0, "out of memory");
			continue;
		}
		left = json_object_get(o, "left");
		if (lb == le)
			continue;
		if (json_object_get(seen, json_string_value(left)) != NULL) {
			r = fail_at(p, ab, "two pairs have the same left side");
			continue;
		}
		if (json_object_set(seen, json_string_value(left),
		    json_true()) == -1)
			r = fail(p, 0, "out of memory");
		prompts++;
	}
	json_decref(seen);
	if (r == 0 && prompts < 2)
		r = fail(p, 0, "a matching question needs at least 2 pairs");
	return (r);
}

/* The question text: before the block, or with "_____" where the block
 * was when text follows it (a missing-word question). */
static json_t *
question_text(const struct parser *p, size_t b, size_t open, size_t close,
    size_t e)
{
	static const char	 gap[] = " _____ ";
	json_t			*s;
	char			*buf;
	size_t			 ab, n;

	ab = close + 1;
	trim(p, &ab, &e);
	if (ab == e)
		return (str(p, b, open));
	trim(p, &b, &open);
	n = 0;
	if ((buf = malloc((open - b) + sizeof(gap) + (e - ab))) == NULL)
		return (NULL);
	memcpy(buf, p->c + b, open - b);
	n += open - b;
	/* No leading space when the block opens the question. */
	if (n == 0) {
		memcpy(buf, gap + 1, sizeof(gap) - 2);
		n = sizeof(gap) - 2;
	} else {
		memcpy(buf + n, gap, sizeof(gap) - 1);
		n += sizeof(gap) - 1;
	}
	memcpy(buf + n, p->c + ab, e - ab);
	n += e - ab;
	s = json_stringn(buf, n);
	free(buf);
	return (s);
}

static const char *const formats[] = { "moodle", "markdown", "html", "plain" };

/* Parses the question in cells [0, p->n) and appends it to p->out. */
static int
parse_question(struct parser *p)
{
	json_t		*q, *text;
	const char	*type, *format;
	size_t		 b, e, tb, te, open, close, k, bb, be, gb, h;
	int		 line, r;

	b = 0;
	e = p->n;
	trim(p, &b, &e);
	line = p->lines[0].line;

	/* ::title:: */
	tb = te = 0;
	if (e - b >= 2 && is_syn(p, b, ':') && is_syn(p, b + 1, ':')) {
		if ((k = find_seq(p, b + 2, e, "::")) == e)
			return (fail_at(p, b, "the title has no closing ::"));
		tb = b + 2;
		te = k;
		b = k + 2;
		trim(p, &b, &e);
	}

	/* [format] */
	format = formats[0];
	if (b < e && is_syn(p, b, '[') && (k = find(p, b, e, ']')) < e) {
		for (h = 0; h < sizeof(formats) / sizeof(formats[0]); h++) {
			if (equals_ci(p, b + 1, k, formats[h])) {
				format = formats[h];
				b = k + 1;
				break;
			}
		}
	}

	/* The answer block: exactly one {...}. */
	open = find(p, b, e, '{');
	close = find(p, b, e, '}');
	if (open == e && close == e)
		return (fail(p, line, "description items are not supported"));
	if (close < open)
		return (fail_at(p, close, "} without a matching { "
		    "(escape it as \\})"));
	if (close == e)
		return (fail_at(p, open, "unclosed {"));
	if ((k = find(p, open + 1, close, '{')) < close)
		return (fail_at(p, k, "{ inside an answer block "
		    "(escape it as \\{)"));
	k = find(p, close + 1, e, '{');
	if ((h = find(p, close + 1, e, '}')) < k)
		k = h;
	if (k < e)
		return (fail_at(p, k, "a question has only one answer block"));

	/* {answers #### general feedback} */
	bb = open + 1;
	be = close;
	gb = be;
	if ((k = find_seq(p, bb, be, "####")) < be) {
		gb = k + 4;
		be = k;
	}
	trim(p, &bb, &be);
	if (bb == be)
		return (fail_at(p, open, "essay questions are not supported"));

	/* The type, by Moodle's rules and in Moodle's order. */
	if (is_syn(p, bb, '#'))
		type = "numeric";
	else if (find(p, bb, be, '~') < be)
		type = find(p, bb, be, '=') < be ? "single" : "multiple";
	else if (find(p, bb, be, '=') < be && find_seq(p, bb, be, "->") < be)
		type = "matching";
	else {
		k = bb;
		h = find(p, bb, be, '#');
		trim(p, &k, &h);
		if (equals_ci(p, k, h, "t") || equals_ci(p, k, h, "true") ||
		    equals_ci(p, k, h, "f") || equals_ci(p, k, h, "false"))
			type = "truefalse";
		else
			type = "short";
	}

	if (count_item(p, 0) == -1)
		return (-1);
	if ((q = json_object()) == NULL)
		return (fail(p, 0, "out of memory"));
	if (set(p, q, "type", json_string(type)) ||
	    set(p, q, "title", str(p, tb, te))) {
		json_decref(q);
		return (-1);
	}
	if ((text = question_text(p, b, open, close, e)) == NULL) {
		json_decref(q);
		return (fail(p, 0, "out of memory"));
	}
	if (json_string_length(text) == 0) {
		json_decref(text);
		json_decref(q);
		return (fail(p, line, "the question text is empty"));
	}
	r = set(p, q, "text", text) ||
	    set(p, q, "format", json_string(format)) ||
	    set(p, q, "general_feedback", opt_str(p, gb, close, gb < close)) ||
	    set(p, q, "category", p->hascat ?
	    json_stringn(p->cat, p->catlen) : json_null()) ||
	    set(p, q, "line", json_integer(line));
	if (r == 0) {
		if (strcmp(type, "numeric") == 0)
			r = build_numeric(p, q, bb, be);
		else if (strcmp(type, "single") == 0)
			r = build_choice(p, q, 1, bb, be);
		else if (strcmp(type, "multiple") == 0)
			r = build_choice(p, q, 0, bb, be);
		else if (strcmp(type, "matching") == 0)
			r = build_matching(p, q, bb, be);
		else if (strcmp(type, "truefalse") == 0)
			r = build_truefalse(p, q, bb, be);
		else
			r = build_short(p, q, bb, be);
	}
	if (r != 0) {
		json_decref(q);
		return (-1);
	}
	return (append(p, p->out, q));
}

/*
 * The offset of the first byte that is not part of well-formed UTF-8 (no
 * overlong forms, surrogates or code points above U+10FFFF), or of the
 * first NUL, which no stored text may contain; len when all is well.
 */
static size_t
utf8_check(const unsigned char *s, size_t len)
{
	size_t		i, k, need;
	unsigned int	cp, min;

	for (i = 0; i < len; i += need + 1) {
		if (s[i] == 0)
			return (i);
		if (s[i] < 0x80) {
			need = 0;
			continue;
		}
		if (s[i] >= 0xC2 && s[i] <= 0xDF) {
			need = 1;
			cp = s[i] & 0x1F;
			min = 0x80;
		} else if (s[i] >= 0xE0 && s[i] <= 0xEF) {
			need = 2;
			cp = s[i] & 0x0F;
			min = 0x800;
		} else if (s[i] >= 0xF0 && s[i] <= 0xF4) {
			need = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return (i);
		if (len - i <= need)
			return (i);
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return (i);
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return (i);
	}
	return (len);
}

/* Parses the question gathered so far, if any, and starts a new one. */
static int
flush(struct parser *p)
{
	int	r;

	r = 0;
	if (p->nlines > 0)
		r = parse_question(p);
	p->n = 0;
	p->nlines = 0;
	return (r);
}

/*
 * Adds the source line [b, e) to the current question: a "\n" join first,
 * then its bytes with escapes resolved. \~ \= \# \{ \} \: \\ are
 * literal characters and \n a newline; any other backslash is kept, as
 * Moodle keeps it. The cells never outnumber the input bytes: each join
 * stands for the newline that ended the previous line.
 */
static int
add_line(struct parser *p, const char *src, size_t b, size_t e, int line)
{
	struct gline	*nl;
	size_t		 cap;
	char		 ch;

	if (p->nlines == p->linecap) {
		cap = p->linecap ? p->linecap * 2 : 64;
		if ((nl = realloc(p->lines, cap * sizeof(*nl))) == NULL)
			return (fail(p, line, "out of memory"));
		p->lines = nl;
		p->linecap = cap;
	}
	if (p->nlines > 0) {
		p->c[p->n] = '\n';
		p->lit[p->n++] = 0;
	}
	p->lines[p->nlines].cell = p->n;
	p->lines[p->nlines++].line = line;
	while (b < e) {
		ch = src[b++];
		p->lit[p->n] = 0;
		if (ch == '\\' && b < e && strchr("~=#{}:\\n", src[b]) != NULL) {
			ch = src[b++];
			if (ch == 'n')
				ch = '\n';
			p->lit[p->n] = 1;
		}
		p->c[p->n++] = ch;
	}
	return (0);
}

json_t *
gift_parse(const char *text, size_t len, struct gift_error *err)
{
	struct gift_error	 dummy;
	struct parser		 p;
	json_t			*out;
	const char		*nl;
	size_t			 pos, bad, b, e, k;
	int			 line, r;

	if (err == NULL)
		err = &dummy;
	err->line = 0;
	err->message[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.err = err;
	if (text == NULL)
		len = 0;
	if (len > GIFT_MAX_INPUT) {
		fail(&p, 1, "the file is larger than 5 MiB");
		return (NULL);
	}
	if ((bad = utf8_check((const unsigned char *)text, len)) < len) {
		line = 1;
		for (k = 0; k < bad; k++)
			if (text[k] == '\n')
				line++;
		fail(&p, line, text[bad] == '\0' ? "the file contains a NUL "
		    "byte" : "the file is not valid UTF-8");
		return (NULL);
	}

	p.c = malloc(len + 1);
	p.lit = malloc(len + 1);
	p.out = json_array();
	r = 0;
	if (p.c == NULL || p.lit == NULL || p.out == NULL)
		r = fail(&p, 1, "out of memory");

	/* A UTF-8 byte order mark, as Windows editors write, is not text. */
	pos = 0;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	for (line = 1; r == 0 && pos < len; line++) {
		b = pos;
		if ((nl = memchr(text + pos, '\n', len - pos)) != NULL) {
			e = (size_t)(nl - text);
			pos = e + 1;
		} else
			e = pos = len;
		if (e > b && text[e - 1] == '\r')
			e--;

		k = b;
		while (k < e && is_space((unsigned char)text[k]))
			k++;
		if (k == e)
			r = flush(&p);
		else if (e - k >= 2 && text[k] == '/' && text[k + 1] == '/')
			continue;
		else if (e - k >= 10 && memcmp(text + k, "$CATEGORY:", 10) == 0) {
			/* It ends the question before it and applies after. */
			if ((r = flush(&p)) != 0)
				break;
			k += 10;
			while (k < e && is_space((unsigned char)text[k]))
				k++;
			while (e > k && is_space((unsigned char)text[e - 1]))
				e--;
			p.cat = text + k;
			p.catlen = e - k;
			p.hascat = (e > k);
		} else
			r = add_line(&p, text, b, e, line);
	}
	if (r == 0)
		r = flush(&p);
	if (r == 0 && json_array_size(p.out) == 0)
		r = fail(&p, 1, "no questions");

	out = p.out;
	if (r != 0) {
		json_decref(out);
		out = NULL;
	}
	free(p.c);
	free(p.lit);
	free(p.lines);
	return (out);
}

/* FNV-1a: the choice ids only need to be unrelated to file order. */
static uint32_t
fnv1a(uint32_t h, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return (h);
}

void
gift_number(json_t *questions)
{
	json_t		*q, *choices, *c, *other;
	const char	*text;
	size_t		 i, j, k;
	uint32_t	 h, salt;
	char		 num[24];
	json_int_t	 id;

	json_array_foreach(questions, i, q) {
		json_object_set_new(q, "id", json_integer((json_int_t)i + 1));
		choices = json_object_get(q, "choices");
		json_array_foreach(choices, j, c) {
			text = json_string_value(json_object_get(c, "text"));
			/* The position as decimal text: the same ids on every
			 * machine, whatever its byte order. */
			snprintf(num, sizeof(num), "%u", (unsigned)i);
			h = fnv1a(2166136261u, num, strlen(num));
			h = fnv1a(h, text ? text : "", text ? strlen(text) : 0);
			for (salt = 0;; salt++) {
				snprintf(num, sizeof(num), "#%u", (unsigned)salt);
				id = (json_int_t)((fnv1a(h, num, strlen(num)) %
				    999999u) + 1);
				for (k = 0; k < j; k++) {
					other = json_array_get(choices, k);
					if (json_integer_value(json_object_get(other,
					    "id")) == id)
						break;
				}
				if (k == j)
					break;	/* unique within the question */
			}
			json_object_set_new(c, "id", json_integer(id));
		}
	}
}
