/* Grading of one answer against one question parsed by gift_parse. Pure:
 * the same question and answer always give the same credit. */
#ifndef MIGTRAIN_GRADE_H
#define MIGTRAIN_GRADE_H

#include <jansson.h>

/* Returns the credit for `answer` on `question`, in [0, 1]. question is one element of
 * gift_parse's array; answer is the learner's answer object (may be NULL = unanswered → 0). */
double	grade_answer(const json_t *question, const json_t *answer);

#endif
