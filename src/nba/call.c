/*
 * call.c — what one call has said so far: a running sentiment score and
 * the recommendations it has already had.
 *
 * The running score is an exponential moving average of the utterances
 * that carry sentiment (an utterance scoring exactly 0 had no sentiment
 * words and leaves it alone: reading out an account number does not calm
 * a caller down). The call turns negative when the score falls below
 * NEGATIVE_BELOW and is back only above NEGATIVE_CLEARS, so a score
 * wobbling around one threshold does not flap; the flag is raised once.
 */
#include <string.h>
#include <re.h>
#include "nba/internal.h"

#define ALPHA           0.4    /* weight of the newest utterance */
#define NEGATIVE_BELOW  -0.3
#define NEGATIVE_CLEARS -0.1

struct nba_call {
	double score;
	bool negative;
	bool flagged;
	char **marks;
	size_t nmarks, cap;
};


static void destructor(void *arg)
{
	struct nba_call *c = arg;

	for (size_t i = 0; i < c->nmarks; i++)
		mem_deref(c->marks[i]);
	mem_deref(c->marks);
}


int nba_call_alloc(struct nba_call **cp)
{
	struct nba_call *c;

	if (!cp)
		return EINVAL;

	c = mem_zalloc(sizeof(*c), destructor);
	if (!c)
		return ENOMEM;

	*cp = c;
	return 0;
}


bool nba_call_mood(struct nba_call *c, double u)
{
	if (!c || !(u >= -1 && u <= 1) || u == 0)
		return false;

	c->score = (1 - ALPHA) * c->score + ALPHA * u;

	if (c->negative && c->score > NEGATIVE_CLEARS)
		c->negative = false;
	else if (!c->negative && c->score < NEGATIVE_BELOW)
		c->negative = true;

	if (c->negative && !c->flagged) {
		c->flagged = true;
		return true;
	}

	return false;
}


double nba_call_score(const struct nba_call *c)
{
	return c ? c->score : 0;
}


bool nba_call_negative(const struct nba_call *c)
{
	return c && c->negative;
}


int nba_call_mark(struct nba_call *c, const char *rule_id)
{
	char *id;
	int err;

	if (!c || !rule_id || !*rule_id)
		return EINVAL;

	if (nba_call_marked(c, rule_id))
		return 0;

	if (c->nmarks == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4;
		char **m = c->marks ?
			mem_realloc(c->marks, cap * sizeof(*m)) :
			mem_alloc(cap * sizeof(*m), NULL);

		if (!m)
			return ENOMEM;
		c->marks = m;
		c->cap = cap;
	}

	err = str_dup(&id, rule_id);
	if (err)
		return err;

	c->marks[c->nmarks++] = id;
	return 0;
}


bool nba_call_marked(const struct nba_call *c, const char *rule_id)
{
	if (!c || !rule_id)
		return false;

	for (size_t i = 0; i < c->nmarks; i++)
		if (!strcmp(c->marks[i], rule_id))
			return true;
	return false;
}
