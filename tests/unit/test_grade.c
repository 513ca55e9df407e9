/*
 * Unit tests of grading (server/grade.c): every question type with full,
 * partial, negative and no credit, the clamp to [0, 1], unanswered
 * questions and answers of the wrong shape. Questions come from gift_parse
 * where they can, so the two files are tested against each other.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "gift.h"
#include "grade.h"

/* Parses one GIFT question; the caller frees it. */
static json_t *
question(const char *gift)
{
	struct gift_error	 e;
	json_t			*a, *q;

	if ((a = gift_parse(gift, strlen(gift), &e)) == NULL) {
		fprintf(stderr, "bad test question: line %d: %s\n", e.line,
		    e.message);
		return (NULL);
	}
	q = json_incref(json_array_get(a, 0));
	json_decref(a);
	return (q);
}

/* The credit for the answer written as JSON text ("null" for none). */
static double
grade(const json_t *q, const char *answer)
{
	json_error_t	 je;
	json_t		*a;
	double		 credit;

	a = json_loads(answer, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (a == NULL && strcmp(answer, "null") != 0)
		fprintf(stderr, "bad test answer: %s\n", answer);
	credit = grade_answer(q, a);
	json_decref(a);
	return (credit);
}

/* Credit comparison with room for floating rounding. */
#define CHECK_GRADE(q, answer, want)					\
	CHECK(fabs(grade((q), (answer)) - (want)) < 1e-9)

static void
test_single(void)
{
	json_t	*q;

	q = question("Q {~Grant =No one ~%50%Jefferson ~%-50%Lincoln}");
	CHECK(q != NULL);
	CHECK_GRADE(q, "{\"choice_ids\": [2]}", 1);
	CHECK_GRADE(q, "{\"choice_ids\": [1]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [3]}", 0.5);
	CHECK_GRADE(q, "{\"choice_ids\": [4]}", 0);	/* negative: 0 */
	CHECK_GRADE(q, "{\"choice_ids\": [2, 3]}", 0);	/* two: none */
	CHECK_GRADE(q, "{\"choice_ids\": [2, 2]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": []}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [9]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [0]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [-1]}", 0);
	/* Unanswered and wrong shapes. */
	CHECK(grade_answer(q, NULL) == 0);
	CHECK_GRADE(q, "{}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": 2}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [\"2\"]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [2.0]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [null]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [[2]]}", 0);
	CHECK_GRADE(q, "{\"text\": \"No one\"}", 0);
	CHECK_GRADE(q, "[2]", 0);
	CHECK_GRADE(q, "2", 0);
	CHECK(grade_answer(NULL, NULL) == 0);
	json_decref(q);
}

static void
test_multiple(void)
{
	json_t	*q;

	q = question("Q {~%50%a ~%50%b ~%-100%c ~d ~%-50%e}");
	CHECK(q != NULL);
	CHECK_GRADE(q, "{\"choice_ids\": [1, 2]}", 1);
	CHECK_GRADE(q, "{\"choice_ids\": [2, 1]}", 1);
	CHECK_GRADE(q, "{\"choice_ids\": [1]}", 0.5);
	CHECK_GRADE(q, "{\"choice_ids\": [1, 4]}", 0.5);
	CHECK_GRADE(q, "{\"choice_ids\": [1, 2, 5]}", 0.5);	/* -50 */
	CHECK_GRADE(q, "{\"choice_ids\": [1, 2, 3]}", 0);	/* -100 */
	CHECK_GRADE(q, "{\"choice_ids\": [1, 3]}", 0);	/* clamp at 0 */
	CHECK_GRADE(q, "{\"choice_ids\": [3, 5]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [1, 1, 1]}", 0.5);	/* once */
	CHECK_GRADE(q, "{\"choice_ids\": [1, 99, -7, 0]}", 0.5);
	CHECK_GRADE(q, "{\"choice_ids\": []}", 0);
	CHECK(grade_answer(q, NULL) == 0);
	CHECK_GRADE(q, "{\"choice_ids\": [1, \"2\"]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": {\"1\": true}}", 0);
	json_decref(q);

	/* Thirds add up to 1 within rounding. */
	q = question("Q {~%33.33333%a ~%33.33333%b ~%33.33334%c ~d}");
	CHECK_GRADE(q, "{\"choice_ids\": [1, 2, 3]}", 1);
	CHECK(grade(q, "{\"choice_ids\": [1]}") > 0.333 &&
	    grade(q, "{\"choice_ids\": [1]}") < 0.334);
	json_decref(q);
}

static void
test_truefalse(void)
{
	json_t	*t, *f;

	t = question("Q {T}");
	f = question("Q {FALSE#a#b}");
	CHECK(t != NULL && f != NULL);
	CHECK_GRADE(t, "{\"choice_ids\": [1]}", 1);
	CHECK_GRADE(t, "{\"choice_ids\": [2]}", 0);
	CHECK_GRADE(f, "{\"choice_ids\": [2]}", 1);
	CHECK_GRADE(f, "{\"choice_ids\": [1]}", 0);
	CHECK_GRADE(t, "{\"choice_ids\": [1, 2]}", 0);
	CHECK_GRADE(t, "{\"choice_ids\": [1, 1]}", 0);
	CHECK_GRADE(t, "{\"choice_ids\": [3]}", 0);
	CHECK_GRADE(f, "{\"choice_ids\": [0]}", 0);
	CHECK_GRADE(t, "{\"choice_ids\": []}", 0);
	CHECK_GRADE(t, "{\"choice_ids\": [true]}", 0);
	CHECK_GRADE(t, "{\"answer\": true}", 0);
	CHECK(grade_answer(t, NULL) == 0);
	json_decref(t);
	json_decref(f);
}

static void
test_short(void)
{
	json_t	*q;

	q = question("Q {=Grant =%50%Ulysses Grant =%-20%Lincoln "
	    "=Šiauliai =МОСКВА =Ärger =Αθήνα =Ġgantija}");
	CHECK(q != NULL);
	CHECK_GRADE(q, "{\"text\": \"Grant\"}", 1);
	CHECK_GRADE(q, "{\"text\": \"  gRANT \\n\"}", 1);
	CHECK_GRADE(q, "{\"text\": \"ulysses grant\"}", 0.5);
	CHECK_GRADE(q, "{\"text\": \"Lincoln\"}", 0);	/* negative: 0 */
	CHECK_GRADE(q, "{\"text\": \"Ulysses  Grant\"}", 0);
	CHECK_GRADE(q, "{\"text\": \"Gran\"}", 0);
	CHECK_GRADE(q, "{\"text\": \"Grants\"}", 0);
	CHECK_GRADE(q, "{\"text\": \"\"}", 0);
	CHECK_GRADE(q, "{\"text\": \"   \"}", 0);
	/* Simple case folding beyond ASCII. */
	CHECK_GRADE(q, "{\"text\": \"ŠIAULIAI\"}", 1);
	CHECK_GRADE(q, "{\"text\": \"šiauliai\"}", 1);
	CHECK_GRADE(q, "{\"text\": \"siauliai\"}", 0);	/* no accent folding */
	CHECK_GRADE(q, "{\"text\": \"москва\"}", 1);
	CHECK_GRADE(q, "{\"text\": \"ärger\"}", 1);
	CHECK_GRADE(q, "{\"text\": \"ΑΘΉΝΑ\"}", 1);
	CHECK_GRADE(q, "{\"text\": \"ġGANTIJA\"}", 1);
	/* A NUL inside the answer does not cut the comparison short. */
	CHECK_GRADE(q, "{\"text\": \"Grant\\u0000x\"}", 0);
	/* Wrong shapes. */
	CHECK(grade_answer(q, NULL) == 0);
	CHECK_GRADE(q, "{}", 0);
	CHECK_GRADE(q, "{\"text\": 5}", 0);
	CHECK_GRADE(q, "{\"text\": [\"Grant\"]}", 0);
	CHECK_GRADE(q, "{\"choice_ids\": [1]}", 0);
	json_decref(q);

	/* The best of several matching answers. */
	q = question("Q {=%50%colour =%100%Colour}");
	CHECK_GRADE(q, "{\"text\": \"COLOUR\"}", 1);
	json_decref(q);
}

static void
test_numeric(void)
{
	json_t	*q;

	q = question("Q {#90:2}");
	CHECK(q != NULL);
	CHECK_GRADE(q, "{\"number\": 90}", 1);
	CHECK_GRADE(q, "{\"number\": 91.5}", 1);
	CHECK_GRADE(q, "{\"number\": 88}", 1);		/* the edge */
	CHECK_GRADE(q, "{\"number\": 92.001}", 0);
	CHECK_GRADE(q, "{\"number\": -90}", 0);
	CHECK_GRADE(q, "{\"number\": \"90\"}", 0);
	CHECK_GRADE(q, "{\"number\": null}", 0);
	CHECK_GRADE(q, "{\"text\": \"90\"}", 0);
	CHECK_GRADE(q, "{}", 0);
	CHECK(grade_answer(q, NULL) == 0);
	json_decref(q);

	q = question("Q {#1..5}");
	CHECK_GRADE(q, "{\"number\": 1}", 1);
	CHECK_GRADE(q, "{\"number\": 3.3}", 1);
	CHECK_GRADE(q, "{\"number\": 5}", 1);
	CHECK_GRADE(q, "{\"number\": 5.1}", 0);
	CHECK_GRADE(q, "{\"number\": 0.999}", 0);
	json_decref(q);

	q = question("Q {#=1822:0 =%50%1822:2 =%-50%1900}");
	CHECK_GRADE(q, "{\"number\": 1822}", 1);	/* the best */
	CHECK_GRADE(q, "{\"number\": 1823}", 0.5);
	CHECK_GRADE(q, "{\"number\": 1824.5}", 0);
	CHECK_GRADE(q, "{\"number\": 1900}", 0);	/* negative: 0 */
	json_decref(q);

	/* Exact answers survive binary rounding: 0.1 + 0.2 is 0.3. */
	q = question("Q {#0.3}");
	CHECK_GRADE(q, "{}", 0);
	{
		json_t	*a;

		a = json_pack("{s:f}", "number", 0.1 + 0.2);
		CHECK(grade_answer(q, a) == 1);
		json_decref(a);
	}
	CHECK_GRADE(q, "{\"number\": 0.3000001}", 0);
	json_decref(q);
}

static void
test_matching(void)
{
	json_t	*q;

	q = question("Q {=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo "
	    "= -> Paris}");
	CHECK(q != NULL);
	CHECK_GRADE(q, "{\"pairs\": [[\"Canada\", \"Ottawa\"], "
	    "[\"Italy\", \"Rome\"], [\"Japan\", \"Tokyo\"]]}", 1);
	CHECK_GRADE(q, "{\"pairs\": [[\"Japan\", \"Tokyo\"], "
	    "[\"Canada\", \"Ottawa\"], [\"Italy\", \"Paris\"]]}", 2.0 / 3);
	CHECK_GRADE(q, "{\"pairs\": [[\"Italy\", \"Rome\"]]}", 1.0 / 3);
	CHECK_GRADE(q, "{\"pairs\": [[\"Italy\", \"rome\"]]}", 0);
	/* The first pair for a left side counts. */
	CHECK_GRADE(q, "{\"pairs\": [[\"Italy\", \"Paris\"], "
	    "[\"Italy\", \"Rome\"]]}", 0);
	CHECK_GRADE(q, "{\"pairs\": [[\"Italy\", \"Rome\"], "
	    "[\"Italy\", \"Paris\"]]}", 1.0 / 3);
	/* The distractor is no prompt, and unknown lefts are ignored. */
	CHECK_GRADE(q, "{\"pairs\": [[\"\", \"Paris\"], [\"France\", "
	    "\"Paris\"], [\"Canada\", \"Ottawa\"]]}", 1.0 / 3);
	CHECK_GRADE(q, "{\"pairs\": []}", 0);
	/* A NUL does not cut the comparison short. */
	CHECK_GRADE(q, "{\"pairs\": [[\"Italy\\u0000x\", \"Rome\"]]}", 0);
	/* Wrong shapes: the whole answer is worth nothing. */
	CHECK(grade_answer(q, NULL) == 0);
	CHECK_GRADE(q, "{}", 0);
	CHECK_GRADE(q, "{\"pairs\": {\"Italy\": \"Rome\"}}", 0);
	CHECK_GRADE(q, "{\"pairs\": [[\"Italy\", \"Rome\"], [\"Japan\"]]}",
	    0);
	CHECK_GRADE(q, "{\"pairs\": [[\"Italy\", \"Rome\", \"x\"]]}", 0);
	CHECK_GRADE(q, "{\"pairs\": [[\"Italy\", 1]]}", 0);
	CHECK_GRADE(q, "{\"pairs\": [\"Italy\", \"Rome\"]}", 0);
	json_decref(q);
}

/* Questions that gift.c would not produce must still grade safely. */
static void
test_odd_questions(void)
{
	json_t	*q;

	/* A weight above 100 is clamped to 1. */
	q = json_loads("{\"type\": \"single\", \"choices\": [{\"id\": 1, "
	    "\"weight\": 150}]}", 0, NULL);
	CHECK_GRADE(q, "{\"choice_ids\": [1]}", 1);
	json_decref(q);
	q = json_loads("{\"type\": \"multiple\", \"choices\": [{\"id\": 1, "
	    "\"weight\": 80}, {\"id\": 2, \"weight\": 80.0}]}", 0, NULL);
	CHECK_GRADE(q, "{\"choice_ids\": [1, 2]}", 1);
	CHECK_GRADE(q, "{\"choice_ids\": [2]}", 0.8);
	json_decref(q);
	/* Ids out of order are found by a scan. */
	q = json_loads("{\"type\": \"multiple\", \"choices\": [{\"id\": 7, "
	    "\"weight\": 50}, {\"id\": 1, \"weight\": 50}]}", 0, NULL);
	CHECK_GRADE(q, "{\"choice_ids\": [1]}", 0.5);
	CHECK_GRADE(q, "{\"choice_ids\": [7, 1]}", 1);
	json_decref(q);
	/* Missing or mistyped parts. */
	q = json_loads("{\"type\": \"single\"}", 0, NULL);
	CHECK_GRADE(q, "{\"choice_ids\": [1]}", 0);
	json_decref(q);
	q = json_loads("{\"type\": \"multiple\", \"choices\": [1, \"x\", "
	    "{\"id\": \"1\"}]}", 0, NULL);
	CHECK_GRADE(q, "{\"choice_ids\": [1]}", 0);
	json_decref(q);
	q = json_loads("{\"type\": \"truefalse\", \"answer\": 1}", 0, NULL);
	CHECK_GRADE(q, "{\"choice_ids\": [1]}", 0);
	json_decref(q);
	q = json_loads("{\"type\": \"short\", \"answers\": [{\"text\": 1}, "
	    "{\"weight\": 100}, {\"text\": \"\", \"weight\": 100}]}", 0, NULL);
	CHECK_GRADE(q, "{\"text\": \"\"}", 0);
	CHECK_GRADE(q, "{\"text\": \"1\"}", 0);
	json_decref(q);
	q = json_loads("{\"type\": \"numeric\", \"answers\": [{\"min\": 1}, "
	    "{\"tolerance\": 5, \"weight\": 100}]}", 0, NULL);
	CHECK_GRADE(q, "{\"number\": 1}", 0);
	json_decref(q);
	q = json_loads("{\"type\": \"matching\", \"pairs\": [{\"left\": \"\", "
	    "\"right\": \"x\"}]}", 0, NULL);
	CHECK_GRADE(q, "{\"pairs\": [[\"\", \"x\"]]}", 0);	/* no prompts */
	json_decref(q);
	q = json_loads("{\"type\": \"essay\"}", 0, NULL);
	CHECK_GRADE(q, "{\"text\": \"x\"}", 0);
	json_decref(q);
	q = json_loads("{\"type\": 5}", 0, NULL);
	CHECK_GRADE(q, "{\"text\": \"x\"}", 0);
	json_decref(q);
	q = json_loads("[1]", 0, NULL);
	CHECK_GRADE(q, "{\"text\": \"x\"}", 0);
	json_decref(q);
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
	test_odd_questions();
	return (check_summary());
}
