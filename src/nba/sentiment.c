/*
 * sentiment.c — how an utterance sounds, from a lexicon of word
 * valences: a negation in reach flips a word (a flipped positive word
 * weighs more than a flipped negative one: "not happy" is unhappy, "not
 * bad" is only mildly good), an intensifier just before a word scales it,
 * and the sum is squashed into -1..1 so that several angry words approach
 * -1 without reaching it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nba/internal.h"

#define FLIP_POSITIVE -0.75
#define FLIP_NEGATIVE -0.5


static void keep(struct nba_sentiment *s, const char *word, double w)
{
	size_t i;

	if (s->nwords < NBA_DRIVERS) {
		i = s->nwords++;
	}
	else {
		i = NBA_DRIVERS - 1;
		if (fabs(s->words[i].weight) >= fabs(w))
			return;
	}

	/* keep the list heaviest first */
	while (i > 0 && fabs(s->words[i - 1].weight) < fabs(w)) {
		s->words[i] = s->words[i - 1];
		--i;
	}
	snprintf(s->words[i].word, sizeof(s->words[i].word), "%s", word);
	s->words[i].weight = w;
}


void nba_sentiment(const char *text, struct nba_sentiment *s)
{
	struct nba_tok t[NBA_TOKENS];
	size_t n;
	double sum = 0;

	memset(s, 0, sizeof(*s));
	n = nba_tokenize(text, t, NBA_TOKENS);

	for (size_t i = 0; i < n; i++) {
		char label[NBA_WORD];
		double v, f = 1;
		bool found;
		size_t j;

		v = nba_lex_valence(t[i].stem, &found);
		if (!found || v == 0)
			continue;

		/* intensifiers just before it: "so very angry" */
		for (j = i; j > 0 && t[j - 1].intensifier; j--)
			f *= t[j - 1].intensity;
		v *= f;

		if (t[i].negated)
			v *= v > 0 ? FLIP_POSITIVE : FLIP_NEGATIVE;

		if (v > 1)
			v = 1;
		if (v < -1)
			v = -1;

		snprintf(label, sizeof(label), "%s%s%s",
			 t[i].negated ? "not " : "",
			 f > 1 ? "very " : (f < 1 ? "a bit " : ""),
			 t[i].surface);
		keep(s, label, v);
		sum += v;
	}

	s->score = sum / sqrt(sum * sum + 1);
}
