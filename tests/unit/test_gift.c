/*
 * Unit tests of the GIFT parser (server/gift.c): the JSON shape of every
 * question type, the layout rules (titles, comments, categories, blank
 * lines, escapes, formats, CRLF) and every error with its line.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "gift.h"

static json_t	*parsed;	/* the last successful parse, freed by reset */

static void
reset(void)
{
	json_decref(parsed);
	parsed = NULL;
}

/* Parses s; the array, or NULL with the error printed. */
static json_t *
parse(const char *s)
{
	struct gift_error	e;

	reset();
	if ((parsed = gift_parse(s, strlen(s), &e)) == NULL)
		fprintf(stderr, "unexpected error at line %d: %s\n",
		    e.line, e.message);
	return (parsed);
}

/* Parses s, which must hold one question, and returns it. */
static json_t *
one(const char *s)
{
	json_t	*a;

	if ((a = parse(s)) == NULL || json_array_size(a) != 1)
		return (NULL);
	return (json_array_get(a, 0));
}

static const char *
sget(const json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

static double
nget(const json_t *o, const char *key)
{
	return (json_number_value(json_object_get(o, key)));
}

static int
is_null(const json_t *o, const char *key)
{
	return (json_is_null(json_object_get(o, key)));
}

/* Element i of the array at key. */
static json_t *
item(const json_t *o, const char *key, size_t i)
{
	return (json_array_get(json_object_get(o, key), i));
}

static size_t
count(const json_t *o, const char *key)
{
	return (json_array_size(json_object_get(o, key)));
}

/* gift_parse must fail at line ln with a message containing msg. */
#define CHECK_ERR(src, ln, msg) do {					\
	struct gift_error	 e_;					\
	json_t			*j_;					\
									\
	j_ = gift_parse((src), strlen(src), &e_);			\
	CHECK(j_ == NULL);						\
	json_decref(j_);						\
	if (j_ == NULL && (e_.line != (ln) ||				\
	    strstr(e_.message, (msg)) == NULL))				\
		fprintf(stderr, "  got line %d \"%s\"\n", e_.line,	\
		    e_.message);					\
	CHECK(e_.line == (ln));						\
	CHECK(strstr(e_.message, (msg)) != NULL);			\
} while (0)

static void
test_single(void)
{
	json_t	*q, *c;

	q = one("::Grant:: Who's buried in Grant's tomb?{~Grant#no "
	    "=no one#right! ~%50%Jefferson ####Nobody is buried.}");
	CHECK(q != NULL);
	CHECK_STR(sget(q, "type"), "single");
	CHECK_STR(sget(q, "title"), "Grant");
	CHECK_STR(sget(q, "text"), "Who's buried in Grant's tomb?");
	CHECK_STR(sget(q, "format"), "moodle");
	CHECK_STR(sget(q, "general_feedback"), "Nobody is buried.");
	CHECK(is_null(q, "category"));
	CHECK(nget(q, "line") == 1);
	CHECK(json_is_integer(json_object_get(q, "line")));
	CHECK(count(q, "choices") == 3);
	c = item(q, "choices", 0);
	CHECK(json_integer_value(json_object_get(c, "id")) == 1);
	CHECK_STR(sget(c, "text"), "Grant");
	CHECK(nget(c, "weight") == 0);
	CHECK_STR(sget(c, "feedback"), "no");
	c = item(q, "choices", 1);
	CHECK(json_integer_value(json_object_get(c, "id")) == 2);
	CHECK_STR(sget(c, "text"), "no one");
	CHECK(nget(c, "weight") == 100);
	CHECK_STR(sget(c, "feedback"), "right!");
	c = item(q, "choices", 2);
	CHECK(json_integer_value(json_object_get(c, "id")) == 3);
	CHECK_STR(sget(c, "text"), "Jefferson");
	CHECK(nget(c, "weight") == 50);
	CHECK(is_null(c, "feedback"));
	/* Exactly the documented keys, nothing else. */
	CHECK(json_object_size(q) == 8);
	CHECK(json_object_size(c) == 4);

	/* An explicit weight on "=", and a "~" with a negative weight. */
	q = one("Pick {=%50%half ~%-25%bad =full}");
	CHECK_STR(sget(q, "type"), "single");
	CHECK(nget(item(q, "choices", 0), "weight") == 50);
	CHECK(nget(item(q, "choices", 1), "weight") == -25);
	CHECK(nget(item(q, "choices", 2), "weight") == 100);
	/* An empty feedback is no feedback. */
	q = one("Pick {=a# ~b#  }");
	CHECK(is_null(item(q, "choices", 0), "feedback"));
	CHECK(is_null(item(q, "choices", 1), "feedback"));
	/* No general feedback after ####. */
	q = one("Pick {=a ~b ####}");
	CHECK(is_null(q, "general_feedback"));
	reset();
}

static void
test_multiple(void)
{
	json_t	*q;

	q = one("What two people are entombed in Grant's tomb? {\n"
	    "~%-100%No one\n"
	    "~%50%Grant\n"
	    "~%50%Grant's wife\n"
	    "~%-100%Grant's father\n"
	    "}");
	CHECK(q != NULL);
	CHECK_STR(sget(q, "type"), "multiple");
	CHECK(count(q, "choices") == 4);
	CHECK(nget(item(q, "choices", 0), "weight") == -100);
	CHECK(nget(item(q, "choices", 1), "weight") == 50);
	CHECK_STR(sget(item(q, "choices", 2), "text"), "Grant's wife");
	CHECK(json_integer_value(json_object_get(item(q, "choices", 3),
	    "id")) == 4);

	/* Thirds add up to 99.99999, within the slack. */
	q = one("Thirds {~%33.33333%a ~%33.33333%b ~%33.33333%c "
	    "~%-33.33333%d ~e}");
	CHECK_STR(sget(q, "type"), "multiple");
	CHECK(nget(item(q, "choices", 3), "weight") == -33.33333);
	CHECK(nget(item(q, "choices", 4), "weight") == 0);
	/* Whitespace between the marker and the weight. */
	q = one("Spaced {~ %100% a ~ b}");
	CHECK(nget(item(q, "choices", 0), "weight") == 100);
	CHECK_STR(sget(item(q, "choices", 0), "text"), "a");
	reset();
}

static void
test_truefalse(void)
{
	json_t		*q;
	const char	*yes[] = { "{T}", "{TRUE}", "{t}", "{True}", "{ tRuE }" };
	const char	*no[] = { "{F}", "{FALSE}", "{f}", "{false}" };
	char		 buf[64];
	size_t		 i;

	q = one("::TF:: Grant is buried in New York City.{T#No, he is."
	    "#Yes.}");
	CHECK(q != NULL);
	CHECK_STR(sget(q, "type"), "truefalse");
	CHECK(json_is_true(json_object_get(q, "answer")));
	CHECK_STR(sget(q, "feedback_wrong"), "No, he is.");
	CHECK_STR(sget(q, "feedback_right"), "Yes.");
	CHECK(json_object_size(q) == 10);

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(buf, sizeof(buf), "The sun is hot %s", yes[i]);
		q = one(buf);
		CHECK_STR(sget(q, "type"), "truefalse");
		CHECK(json_is_true(json_object_get(q, "answer")));
		CHECK(is_null(q, "feedback_wrong"));
		CHECK(is_null(q, "feedback_right"));
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(buf, sizeof(buf), "The sun is cold %s", no[i]);
		q = one(buf);
		CHECK_STR(sget(q, "type"), "truefalse");
		CHECK(json_is_false(json_object_get(q, "answer")));
	}
	/* Only the wrong-answer feedback. */
	q = one("Cold? {F#It is hot.}");
	CHECK_STR(sget(q, "feedback_wrong"), "It is hot.");
	CHECK(is_null(q, "feedback_right"));
	/* A third # belongs to the right-answer feedback. */
	q = one("Cold? {F#a#b#c}");
	CHECK_STR(sget(q, "feedback_right"), "b#c");
	/* "Tr" is no truth value: a short answer. */
	q = one("Word? {Tr}");
	CHECK_STR(sget(q, "type"), "short");
	reset();
}

static void
test_short(void)
{
	json_t	*q, *a;

	q = one("Who's buried in Grant's tomb?{=Grant =Ulysses S. Grant"
	    "#Full name =%50%Ulysses Grant}");
	CHECK(q != NULL);
	CHECK_STR(sget(q, "type"), "short");
	CHECK(count(q, "answers") == 3);
	a = item(q, "answers", 0);
	CHECK_STR(sget(a, "text"), "Grant");
	CHECK(nget(a, "weight") == 100);
	CHECK(is_null(a, "feedback"));
	CHECK(json_object_size(a) == 3);
	CHECK_STR(sget(item(q, "answers", 1), "feedback"), "Full name");
	CHECK(nget(item(q, "answers", 2), "weight") == 50);

	/* One "=" is still a short answer, as in Moodle. */
	q = one("Two plus two equals {=four}.");
	CHECK_STR(sget(q, "type"), "short");
	CHECK(count(q, "answers") == 1);
	CHECK_STR(sget(q, "text"), "Two plus two equals _____ .");
	/* Bare text is an answer worth 100, as in Moodle. */
	q = one("Capital of France? {Paris}");
	CHECK_STR(sget(q, "type"), "short");
	CHECK_STR(sget(item(q, "answers", 0), "text"), "Paris");
	CHECK(nget(item(q, "answers", 0), "weight") == 100);
	/* "->" without "=" is plain text. */
	q = one("Arrow? {a -> b}");
	CHECK_STR(sget(q, "type"), "short");
	CHECK_STR(sget(item(q, "answers", 0), "text"), "a -> b");
	reset();
}

static void
test_numeric(void)
{
	json_t	*q, *a;

	q = one("When was Ulysses S. Grant born?{#1822}");
	CHECK(q != NULL);
	CHECK_STR(sget(q, "type"), "numeric");
	CHECK(count(q, "answers") == 1);
	a = item(q, "answers", 0);
	CHECK(nget(a, "value") == 1822);
	CHECK(nget(a, "tolerance") == 0);
	CHECK(nget(a, "weight") == 100);
	CHECK(is_null(a, "feedback"));
	CHECK(json_object_size(a) == 4);
	CHECK(json_is_real(json_object_get(a, "value")));

	q = one("Angle {#90:2#About right}");
	a = item(q, "answers", 0);
	CHECK(nget(a, "value") == 90);
	CHECK(nget(a, "tolerance") == 2);
	CHECK_STR(sget(a, "feedback"), "About right");

	q = one("Between {#1..5}");
	a = item(q, "answers", 0);
	CHECK(nget(a, "min") == 1);
	CHECK(nget(a, "max") == 5);
	CHECK(json_object_get(a, "value") == NULL);
	CHECK(json_object_size(a) == 4);

	q = one("Negative {#-5.5..-1}");
	a = item(q, "answers", 0);
	CHECK(nget(a, "min") == -5.5);
	CHECK(nget(a, "max") == -1);

	q = one("When was Grant born? {#\n"
	    "    =1822:0      # Correct!\n"
	    "    =%50%1822:2  # Nearly.\n"
	    "}");
	CHECK(count(q, "answers") == 2);
	a = item(q, "answers", 0);
	CHECK(nget(a, "value") == 1822);
	CHECK(nget(a, "weight") == 100);
	CHECK_STR(sget(a, "feedback"), "Correct!");
	a = item(q, "answers", 1);
	CHECK(nget(a, "tolerance") == 2);
	CHECK(nget(a, "weight") == 50);
	CHECK_STR(sget(a, "feedback"), "Nearly.");

	/* Exponents and a leading dot; "~#..." catch-all feedback dropped. */
	q = one("Small {#=1.5e-3:.5e-3 ~#No.}");
	CHECK(count(q, "answers") == 1);
	CHECK(nget(item(q, "answers", 0), "value") == 1.5e-3);
	CHECK(nget(item(q, "answers", 0), "tolerance") == .5e-3);
	reset();
}

static void
test_matching(void)
{
	json_t	*q, *p;

	q = one("Match the following countries with their capitals. {\n"
	    "    =Canada -> Ottawa\n"
	    "    =Italy  -> Rome\n"
	    "    =Japan  -> Tokyo\n"
	    "    = -> Paris\n"
	    "}");
	CHECK(q != NULL);
	CHECK_STR(sget(q, "type"), "matching");
	CHECK(count(q, "pairs") == 4);
	p = item(q, "pairs", 0);
	CHECK_STR(sget(p, "left"), "Canada");
	CHECK_STR(sget(p, "right"), "Ottawa");
	CHECK(json_object_size(p) == 2);
	CHECK_STR(sget(item(q, "pairs", 1), "left"), "Italy");
	CHECK_STR(sget(item(q, "pairs", 2), "right"), "Tokyo");
	p = item(q, "pairs", 3);
	CHECK_STR(sget(p, "left"), "");
	CHECK_STR(sget(p, "right"), "Paris");
	CHECK(json_object_size(q) == 8);

	/* Two pairs are enough; an escaped "=" and ":" stay text. */
	q = one("Match {=a\\=1 -> x\\:y =b -> z}");
	CHECK_STR(sget(item(q, "pairs", 0), "left"), "a=1");
	CHECK_STR(sget(item(q, "pairs", 0), "right"), "x:y");
	reset();
}

static void
test_layout(void)
{
	json_t	*a, *q;

	/* Comments anywhere, blank lines of any width, categories. */
	a = parse("// a comment\n"
	    "  // an indented comment\n"
	    "::One:: Q1 {T}\n"
	    "// a comment after the question\n"
	    "\n"
	    "   \t \n"
	    "\n"
	    "$CATEGORY: $course$/Borders/Entry\n"
	    "\n"
	    "::Two::\n"
	    "Line one\n"
	    "line two\n"
	    "{\n"
	    "  =yes # good\n"
	    "  // a comment in the block\n"
	    "  ~no\n"
	    "}\n"
	    "\n"
	    "$CATEGORY:   Exit  \n"
	    "Q3 {F}\n"
	    "$CATEGORY:\n"
	    "Q4 {F}");
	CHECK(a != NULL);
	CHECK(json_array_size(a) == 4);
	q = json_array_get(a, 0);
	CHECK_STR(sget(q, "title"), "One");
	CHECK_STR(sget(q, "text"), "Q1");
	CHECK(is_null(q, "category"));
	CHECK(nget(q, "line") == 3);
	q = json_array_get(a, 1);
	CHECK_STR(sget(q, "title"), "Two");
	CHECK_STR(sget(q, "text"), "Line one\nline two");
	CHECK_STR(sget(q, "category"), "$course$/Borders/Entry");
	CHECK(nget(q, "line") == 10);
	CHECK(count(q, "choices") == 2);
	CHECK_STR(sget(item(q, "choices", 0), "text"), "yes");
	CHECK_STR(sget(item(q, "choices", 0), "feedback"), "good");
	CHECK_STR(sget(item(q, "choices", 1), "text"), "no");
	q = json_array_get(a, 2);
	CHECK_STR(sget(q, "category"), "Exit");
	CHECK(nget(q, "line") == 20);
	/* An empty $CATEGORY: clears it. */
	q = json_array_get(a, 3);
	CHECK(is_null(q, "category"));
	CHECK(nget(q, "line") == 22);

	/* A $CATEGORY: line ends the question before it. */
	a = parse("Q1 {T}\n$CATEGORY: c\nQ2 {T}");
	CHECK(a != NULL && json_array_size(a) == 2);
	CHECK(is_null(json_array_get(a, 0), "category"));
	CHECK_STR(sget(json_array_get(a, 1), "category"), "c");
	CHECK(nget(json_array_get(a, 1), "line") == 3);

	/* Windows line ends, a byte order mark, no final newline. */
	a = parse("\xEF\xBB\xBF::A::\r\nText\r\n{\r\n=x\r\n~y\r\n}\r\n\r\n"
	    "B {T}\r\n");
	CHECK(a != NULL);
	CHECK(json_array_size(a) == 2);
	q = json_array_get(a, 0);
	CHECK_STR(sget(q, "title"), "A");
	CHECK_STR(sget(q, "text"), "Text");
	CHECK_STR(sget(item(q, "choices", 1), "text"), "y");
	CHECK(nget(json_array_get(a, 1), "line") == 8);

	/* Missing-word questions. */
	q = one("Moodle costs {~lots of money =nothing ~a small amount} "
	    "to download from moodle.org.");
	CHECK_STR(sget(q, "text"), "Moodle costs _____ to download from "
	    "moodle.org.");
	q = one("{=Paris} is the capital of France.");
	CHECK_STR(sget(q, "text"), "_____ is the capital of France.");
	q = one("Text {T}\n// only a comment after it");
	CHECK_STR(sget(q, "text"), "Text");
	reset();
}

static void
test_escapes_formats(void)
{
	json_t	*q;

	q = one("::Colon\\: title:: Braces \\{\\} equals \\= tilde \\~ "
	    "hash \\# colon \\: slash \\\\ new\\nline \\x {=a\\#b\\~c#fb\\=x "
	    "~d\\}}");
	CHECK(q != NULL);
	CHECK_STR(sget(q, "title"), "Colon: title");
	CHECK_STR(sget(q, "text"), "Braces {} equals = tilde ~ hash # colon "
	    ": slash \\ new\nline \\x");
	CHECK_STR(sget(item(q, "choices", 0), "text"), "a#b~c");
	CHECK_STR(sget(item(q, "choices", 0), "feedback"), "fb=x");
	CHECK_STR(sget(item(q, "choices", 1), "text"), "d}");

	q = one("::T::[markdown]**Bold** {T}");
	CHECK_STR(sget(q, "format"), "markdown");
	CHECK_STR(sget(q, "text"), "**Bold**");
	q = one("[html]<p>Hi</p> {T}");
	CHECK_STR(sget(q, "format"), "html");
	CHECK_STR(sget(q, "title"), "");
	CHECK_STR(sget(q, "text"), "<p>Hi</p>");
	q = one("[PLAIN] Hi {T}");
	CHECK_STR(sget(q, "format"), "plain");
	CHECK_STR(sget(q, "text"), "Hi");
	q = one("[moodle]Hi {T}");
	CHECK_STR(sget(q, "format"), "moodle");
	/* An unknown [tag] is text. */
	q = one("[b]Hi {T}");
	CHECK_STR(sget(q, "format"), "moodle");
	CHECK_STR(sget(q, "text"), "[b]Hi");
	/* A title without a title: "::::". */
	q = one("::::Hi {T}");
	CHECK_STR(sget(q, "title"), "");
	CHECK_STR(sget(q, "text"), "Hi");
	/* UTF-8 passes through. */
	q = one("Kur yra Šiauliai? {=Lietuvoje ~Latvijoje}");
	CHECK_STR(sget(q, "text"), "Kur yra Šiauliai?");
	reset();
}

static void
test_errors(void)
{
	/* Empty input and inputs without questions. */
	CHECK_ERR("", 1, "no questions");
	CHECK_ERR("\n\n  \n", 1, "no questions");
	CHECK_ERR("// only\n// comments\n", 1, "no questions");
	CHECK_ERR("$CATEGORY: x\n", 1, "no questions");
	CHECK(gift_parse(NULL, 0, NULL) == NULL);

	/* Blocks. */
	CHECK_ERR("Q1 {T}\n\nQ2\n{=a\n~b\n", 4, "unclosed {");
	CHECK_ERR("Q }{", 1, "} without");
	CHECK_ERR("Q {=a} and {=b}", 1, "only one answer block");
	CHECK_ERR("Q {=a }}", 1, "only one answer block");
	CHECK_ERR("Q {=a {~b}", 1, "{ inside");
	CHECK_ERR("Essay?{}", 1, "essay questions are not supported");
	CHECK_ERR("Essay?{ \n }", 1, "essay questions are not supported");
	CHECK_ERR("Essay?{####Think.}", 1, "essay");
	CHECK_ERR("Q1 {T}\n\nJust a description.\n", 3,
	    "description items are not supported");
	CHECK_ERR("::Title without end {T}", 1, "no closing ::");
	CHECK_ERR("::T:: {T}", 1, "question text is empty");

	/* Choices. */
	CHECK_ERR("Q {~a ~b =%0%c}", 1, "positive weight");
	CHECK_ERR("Q {=%-50%a ~b}", 1, "positive weight");
	CHECK_ERR("Q {~%50%a ~%40%b}", 1, "add up to 100");
	CHECK_ERR("Q {~%60%a ~%60%b}", 1, "add up to 100");
	CHECK_ERR("Q {~a ~b}", 1, "add up to 100");
	CHECK_ERR("Q {~%100%a}", 1, "at least 2");
	CHECK_ERR("Q {=a ~}", 1, "answer is empty");
	CHECK_ERR("Q {=a ~%50%}", 1, "answer is empty");
	CHECK_ERR("Q {x =a ~b}", 1, "text before the first answer");

	/* Weights. */
	CHECK_ERR("Q {=%abc%a ~b}", 1, "weight is not a number");
	CHECK_ERR("Q {=%%a ~b}", 1, "weight is not a number");
	CHECK_ERR("Q {=%1e%a ~b}", 1, "weight is not a number");
	CHECK_ERR("Q {=%150%a ~b}", 1, "between -100 and 100");
	CHECK_ERR("Q {=a ~%-100.5%b}", 1, "between -100 and 100");
	CHECK_ERR("Q {=%50a ~b}", 1, "no closing %");
	CHECK_ERR("Q {=%50%a =%x%b}", 1, "weight is not a number");

	/* Short answers. */
	CHECK_ERR("Q {=%0%a}", 1, "positive weight");
	CHECK_ERR("Q {=a =}", 1, "answer is empty");

	/* Numeric. */
	CHECK_ERR("Q {#abc}", 1, "not a number");
	CHECK_ERR("Q {#1:x}", 1, "not a number");
	CHECK_ERR("Q {#1..}", 1, "not a number");
	CHECK_ERR("Q {#0x10}", 1, "not a number");
	CHECK_ERR("Q {#inf}", 1, "not a number");
	CHECK_ERR("Q {#1e999}", 1, "not a number");
	CHECK_ERR("Q {#5..1}", 1, "greater than");
	CHECK_ERR("Q {#5:-1}", 1, "tolerance");
	CHECK_ERR("Q {#}", 1, "no answer");
	CHECK_ERR("Q {#~#only feedback}", 1, "no answer");
	CHECK_ERR("Q {#=%0%5}", 1, "positive weight");
	CHECK_ERR("Q {#=5 ~6}", 1, "start with =");

	/* Matching. */
	CHECK_ERR("Q {=a -> b}", 1, "at least 2 pairs");
	CHECK_ERR("Q {=a -> b = -> c = -> d}", 1, "at least 2 pairs");
	CHECK_ERR("Q {=a -> b =c}", 1, "needs ->");
	CHECK_ERR("Q {=a -> b =c -> }", 1, "nothing after ->");
	CHECK_ERR("Q {=a -> b =a -> c}", 1, "same left side");
	CHECK_ERR("Q {=a -> b#fb =c -> d}", 1, "no feedback");
	CHECK_ERR("Q {x =a -> b =c -> d}", 1, "text before");

	/* Encoding. */
	CHECK_ERR("Q {T}\n\nQ \xff {T}", 3, "not valid UTF-8");
	CHECK_ERR("Q \xC0\xAF {T}", 1, "not valid UTF-8");	/* overlong */
	CHECK_ERR("Q \xED\xA0\x80 {T}", 1, "not valid UTF-8");	/* surrogate */
	CHECK_ERR("Q \xF4\x90\x80\x80 {T}", 1, "not valid UTF-8");
	CHECK_ERR("Q \x80 {T}", 1, "not valid UTF-8");
	CHECK_ERR("Q {T}\n\xE2\x82", 2, "not valid UTF-8");	/* cut */
	{
		struct gift_error	 e;
		static const char	 nul[] = "Q {T}\n\nQ\0 {T}";

		CHECK(gift_parse(nul, sizeof(nul) - 1, &e) == NULL);
		CHECK(e.line == 3);
		CHECK(strstr(e.message, "NUL") != NULL);
	}

	/* The error's line is the offending line of a later question. */
	CHECK_ERR("Q1 {T}\n\n::Q2::\nText\n{\n=a\n~%x%b\n}\n", 7,
	    "not a number");
	CHECK_ERR("Q1 {T}\n\n// c\n\nQ2 {\n~%10%a\n~%10%b\n}\n", 5,
	    "add up to 100");
}

/* Inputs that would make the JSON huge are refused. */
static void
test_limits(void)
{
	struct gift_error	 e;
	json_t			*a;
	char			*big;
	size_t			 i, n;

	n = 5 * 1024 * 1024 + 1;
	if ((big = malloc(n)) == NULL)
		return;
	memset(big, 'x', n);
	memcpy(big, "Q {T}\n\n", 7);
	CHECK(gift_parse(big, n, &e) == NULL);
	CHECK(strstr(e.message, "larger than") != NULL);

	/* 50000 choices pass, 50001 do not (the question counts too). */
	memcpy(big, "Q {=a", 5);
	n = 5;
	for (i = 0; i < 49998; i++) {
		memcpy(big + n, "~b", 2);
		n += 2;
	}
	big[n++] = '}';
	a = gift_parse(big, n, &e);
	CHECK(a != NULL);
	json_decref(a);
	memcpy(big + n - 1, "~b}", 3);
	a = gift_parse(big, n + 2, &e);
	CHECK(a == NULL);
	CHECK(strstr(e.message, "more than 50000") != NULL);
	free(big);
}

/* The parser reads exactly len bytes: a heap copy without a terminator
 * lets AddressSanitizer catch any overread, and a short len cuts text. */
static void
test_bounds(void)
{
	static const char	 src[] = "Q {T}\n\nR {F} trailing text";
	struct gift_error	 e;
	json_t			*a;
	char			*copy;
	size_t			 n;

	for (n = 0; n <= sizeof(src) - 1; n++) {
		if ((copy = malloc(n ? n : 1)) == NULL)
			continue;
		memcpy(copy, src, n);
		a = gift_parse(copy, n, &e);
		if (n == 5 || n == 6 || n == 7)
			CHECK(a != NULL && json_array_size(a) == 1);
		if (n == 12)
			CHECK(a != NULL && json_array_size(a) == 2 &&
			    strcmp(sget(json_array_get(a, 1), "text"), "R")
			    == 0);
		json_decref(a);
		free(copy);
	}

	/* A lone backslash at the very end is kept as text. */
	copy = malloc(7);
	memcpy(copy, "Q {T} \\", 7);
	a = gift_parse(copy, 7, &e);
	CHECK(a != NULL);
	if (a != NULL)
		CHECK_STR(sget(json_array_get(a, 0), "text"), "Q _____ \\");
	json_decref(a);
	free(copy);

	/* A NULL err is allowed. */
	a = gift_parse("Q {T}", 5, NULL);
	CHECK(a != NULL);
	json_decref(a);
}

/* gift_number: question ids by position, choice ids unrelated to order. */
static void
test_number(void)
{
	json_t		*a, *b, *c;
	json_int_t	 first[3], id;
	size_t		 i, j, k;
	const char	*bank = "Q {=a ~b ~c}\n\nQ {=a ~b ~c}\n\nR {=x ~y ~z}\n";

	if ((a = parse(bank)) == NULL)
		return;
	gift_number(a);
	b = gift_parse(bank, strlen(bank), &(struct gift_error){ 0, "" });
	CHECK(b != NULL);
	gift_number(b);
	CHECK(json_equal(a, b));	/* stable for the same text */
	json_decref(b);
	for (i = 0; i < 3; i++) {
		json_t *q = json_array_get(a, i);
		CHECK(json_integer_value(json_object_get(q, "id")) == (json_int_t)i + 1);
		for (j = 0; j < 3; j++) {
			c = json_array_get(json_object_get(q, "choices"), j);
			id = json_integer_value(json_object_get(c, "id"));
			CHECK(id >= 1 && id <= 1000000);
			for (k = 0; k < j; k++)
				CHECK(json_integer_value(json_object_get(
				    json_array_get(json_object_get(q, "choices"),
				    k), "id")) != id);
			if (j == 0)
				first[i] = id;
		}
	}
	/* The same text in another position gets other ids. */
	CHECK(first[0] != first[1]);
	CHECK(!(first[0] == 1 && first[1] == 1 && first[2] == 1));
}

int
main(void)
{
	test_single();
	test_multiple();
	test_truefalse();
	test_short();
	test_numeric();
	test_matching();
	test_layout();
	test_escapes_formats();
	test_errors();
	test_bounds();
	test_limits();
	test_number();
	reset();
	return (check_summary());
}
