/*
 * classify.c — which intent an utterance is about.
 *
 * The utterance's feature vector (weighted like the training documents,
 * normalised; a feature no intent has still counts in the norm, so a
 * sentence full of unrelated words scores low everywhere) is compared by
 * cosine with every intent's centroid and with each of its examples:
 * score = share * centroid + (1 - share) * nearest example. The centroid
 * catches utterances that mix words of several examples, the nearest
 * example catches a close paraphrase of one.
 *
 * Confidences are a softmax over the scores plus one pseudo-intent,
 * "none", whose score is fixed (NBA_NONE_BELOW) or, when higher, how
 * near the utterance is to the bank's off-topic talk (small talk, asides:
 * bank.c), scored like an intent that is never reported: an utterance is
 * off-topic when none wins, and the confidence of a real intent shrinks
 * as the utterance gets further from everything the model knows or
 * nearer to talk that asks for nothing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "nba/internal.h"

enum { STACK_SCORES = 4096 };

/* the off-topic talk's score, scaled for none (tuned on the tuning
 * splits, docs/NOTES.md "Off-topic talk") */
#ifndef OFF_SCALE
#define OFF_SCALE 1.1
#endif


struct scored {
	double score;
	size_t intent;
	size_t ex;       /* its nearest example */
};


static void drivers(const struct nba *n, const struct nba_feat *q,
		    const int *qi, size_t nq, const struct nba_tok *t,
		    size_t ntok, size_t top, size_t best_ex,
		    struct nba_class *c)
{
	double per_tok[NBA_TOKENS] = {0};

	for (size_t i = 0; i < nq; i++) {
		double cw = 0, ew = 0, contrib;

		if (qi[i] < 0)
			continue;
		for (uint32_t p = n->cen_off[qi[i]];
		     p < n->cen_off[qi[i] + 1]; p++)
			if (n->cen_post[p].doc == top)
				cw = n->cen_post[p].w;
		for (uint32_t p = n->ex_off[qi[i]];
		     p < n->ex_off[qi[i] + 1]; p++)
			if (n->ex_post[p].doc == best_ex)
				ew = n->ex_post[p].w;

		contrib = q[i].w * (NBA_CENTROID_SHARE * cw +
				    (1 - NBA_CENTROID_SHARE) * ew);
		if (q[i].src == q[i].src2) {
			per_tok[q[i].src] += contrib;
		}
		else {
			per_tok[q[i].src] += contrib / 2;
			per_tok[q[i].src2] += contrib / 2;
		}
	}

	c->ndrivers = 0;
	for (;;) {
		size_t k = ntok;
		double w = 1e-9;

		for (size_t i = 0; i < ntok; i++) {
			if (per_tok[i] > w) {
				w = per_tok[i];
				k = i;
			}
		}
		if (k == ntok || c->ndrivers == NBA_DRIVERS)
			break;
		snprintf(c->drivers[c->ndrivers].word, NBA_WORD, "%s",
			 t[k].surface);
		c->drivers[c->ndrivers].weight = w;
		++c->ndrivers;
		per_tok[k] = 0;
	}
}


/* whether a real intent has the feature (the off-topic talk's words do
 * not count as known) */
static bool knows(const struct nba *n, uint64_t h)
{
	int f = nba_vocab_find(n, h);

	return f >= 0 && n->known[f];
}


int nba_classify(const struct nba *n, const char *text, struct nba_class *c)
{
	struct nba_tok t[NBA_TOKENS];
	struct nba_feat q[NBA_TOKENS * 12];
	int qi[NBA_TOKENS * 12];
	double stack[STACK_SCORES], *ex, *cen, *heap = NULL;
	struct scored top[NBA_TOP];
	size_t ntok, nq, ntop = 0, nk;
	double norm = 0, z, none_e, cover, off = -1;

	if (!n || !c)
		return EINVAL;

	memset(c, 0, sizeof(*c));
	if (!text)
		return 0;

	ntok = nba_tokenize(text, t, NBA_TOKENS);
	if (!ntok || !n->nintents)
		return 0;

	nk = n->nintents + n->nhidden;
	if (n->nex + nk <= STACK_SCORES) {
		ex = stack;
	}
	else {
		heap = mem_alloc((n->nex + nk) * sizeof(*heap), NULL);
		if (!heap)
			return ENOMEM;
		ex = heap;
	}
	cen = ex + n->nex;
	memset(ex, 0, (n->nex + nk) * sizeof(*ex));

	{
		struct nba_feat raw[NBA_TOKENS * 12];
		size_t nraw = nba_features(t, ntok, raw,
					   sizeof(raw) / sizeof(raw[0]));

		/* sum duplicates (keep the first source) */
		nq = 0;
		for (size_t i = 0; i < nraw; i++) {
			size_t j;

			for (j = 0; j < nq && q[j].h != raw[i].h; j++)
				;
			if (j < nq)
				q[j].w += raw[i].w;
			else
				q[nq++] = raw[i];
		}
	}

	for (size_t i = 0; i < nq; i++) {
		qi[i] = nba_vocab_find(n, q[i].h);
		q[i].w *= qi[i] >= 0 ? n->idf[qi[i]] : n->idf_unknown;
		norm += q[i].w * q[i].w;
	}
	norm = norm > 0 ? sqrt(norm) : 1;

	/* how much of what was said any intent knows: one known word among
	 * several unknown ones is weak evidence ("what year did the war
	 * end") */
	{
		size_t content = 0, known = 0;

		for (size_t i = 0; i < ntok; i++) {
			if (t[i].stop || t[i].negator || t[i].intensifier)
				continue;
			++content;
			known += knows(n, nba_hash("u", t[i].concept, NULL)) ||
				 knows(n, nba_hash("n", t[i].concept, NULL));
		}
		cover = content ? pow((double)known / (double)content,
				      NBA_COVERAGE_POWER) : 0;
	}

	for (size_t i = 0; i < nq; i++) {
		q[i].w /= norm;
		if (qi[i] < 0)
			continue;
		for (uint32_t p = n->ex_off[qi[i]];
		     p < n->ex_off[qi[i] + 1]; p++)
			ex[n->ex_post[p].doc] += q[i].w * n->ex_post[p].w;
		for (uint32_t p = n->cen_off[qi[i]];
		     p < n->cen_off[qi[i] + 1]; p++)
			cen[n->cen_post[p].doc] += q[i].w * n->cen_post[p].w;
	}

	/* the intent's score = the best of its examples' combined scores */
	z = 0;
	none_e = exp(NBA_NONE_BELOW / NBA_TEMPERATURE);
	{
		size_t d = 0;

		for (size_t k = 0; k < nk; k++) {
			double s = -1;
			size_t arg = d;

			for (; d < n->nex && n->ex_intent[d] == k; d++) {
				double e = NBA_CENTROID_SHARE * cen[k] +
					   (1 - NBA_CENTROID_SHARE) * ex[d];

				if (e > s) {
					s = e;
					arg = d;
				}
			}
			if (k >= n->nintents) {
				off = s;
				continue;
			}
			s *= cover;
			z += exp(s / NBA_TEMPERATURE);

			/* insertion into the top list */
			if (ntop < NBA_TOP || s > top[ntop - 1].score) {
				size_t j = ntop < NBA_TOP ? ntop++ :
					NBA_TOP - 1;

				while (j > 0 && top[j - 1].score < s) {
					top[j] = top[j - 1];
					--j;
				}
				top[j].score = s;
				top[j].intent = k;
				top[j].ex = arg;
			}
		}
	}
	/* talk that asks for nothing, nearer than any intent */
	off = off * OFF_SCALE;
	if (off > NBA_NONE_BELOW)
		none_e = exp(off / NBA_TEMPERATURE);
	z += none_e;

	c->ntop = ntop;
	for (size_t i = 0; i < ntop; i++) {
		c->top[i].intent = n->ids[top[i].intent];
		c->top[i].confidence = exp(top[i].score / NBA_TEMPERATURE) / z;
	}
	c->none = top[0].score < NBA_NONE_BELOW || top[0].score < off;

	drivers(n, q, qi, nq, t, ntok, top[0].intent, top[0].ex, c);

	mem_deref(heap);
	return 0;
}
