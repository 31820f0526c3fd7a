/*
 * asks.c — whether an utterance asks the company for anything at all.
 *
 * `none` used to be decided by nearness alone: the words' best intent
 * against the bank's off-topic talk. Talk about someone else's business
 * ("what time does the post office close", "my grandson is learning to
 * balance on his bike") is near a request on its content words and far
 * from every line of small talk, so it got through; a real request put
 * in unusual words was far from everything and flagged none.
 *
 * What tells them apart is mostly in the words a bag of concepts drops:
 * "can you", "i need", "my account" against "my neighbour", "the bus",
 * "isn't it". So this is a second, small model of its own: a logistic
 * regression over every word as said (stop words included), each
 * content word's concept, and each pair of neighbouring words (with the
 * start and end of the utterance), trained once per process on the
 * bank's lines (callers who ask for something: thousands, across
 * industries) against its off-topic talk, each side weighted to count
 * the same. Its log-odds move the line that none must cross
 * (classify.c); docs/NOTES.md "Asking for nothing" has the figures.
 *
 * The features are hashed into a fixed table (no vocabulary to keep),
 * and training is plain stochastic gradient descent in a fixed order, so
 * every process builds the same model.
 */
#include <math.h>
#include <string.h>
#include <re.h>
#include "nba/internal.h"

enum {
	ASK_BITS = 18,        /* 2^18 weights: 1 MiB; few collisions */
	ASK_EPOCHS = 10,
	ASK_FEATS = NBA_TOKENS * 3 + 1,
};

/* tuned on the tuning splits (docs/NOTES.md "Asking for nothing"); the
 * figures hardly move between half and twice these */
#define ASK_RATE 0.1
#define ASK_L2   1e-4

struct nba_asks {
	float *w;
	float bias;
};


static void destructor(void *arg)
{
	struct nba_asks *a = arg;

	mem_deref(a->w);
}


static size_t features(const struct nba_tok *t, size_t ntok, uint32_t *h)
{
	const uint32_t mask = (1u << ASK_BITS) - 1;
	size_t n = 0;

	if (ntok > NBA_TOKENS)   /* h has room for NBA_TOKENS' features */
		ntok = NBA_TOKENS;

	for (size_t i = 0; i < ntok; i++) {
		h[n++] = (uint32_t)nba_hash("w", t[i].surface, NULL) & mask;
		if (!t[i].stop)
			h[n++] = (uint32_t)nba_hash("k", t[i].concept,
						    NULL) & mask;
		h[n++] = (uint32_t)nba_hash("p", i ? t[i - 1].surface : "^",
					    t[i].surface) & mask;
	}
	if (ntok)
		h[n++] = (uint32_t)nba_hash("p", t[ntok - 1].surface,
					    "$") & mask;

	return n;
}


/* each feature counts 1/sqrt(n): long and short lines weigh alike */
static double logit(const struct nba_asks *a, const uint32_t *h, size_t n)
{
	double z = 0;

	for (size_t i = 0; i < n; i++)
		z += a->w[h[i]];

	return a->bias + (n ? z / sqrt((double)n) : 0);
}


double nba_asks(const struct nba_asks *a, const struct nba_tok *t,
		size_t ntok)
{
	uint32_t h[ASK_FEATS];

	return logit(a, h, features(t, ntok, h));
}


/* one step of gradient descent on a line's features (y: it asks for
 * something) */
static void learn(struct nba_asks *a, const uint32_t *h, size_t n, bool y,
		  double weight, double rate)
{
	double p = 1 / (1 + exp(-logit(a, h, n)));
	double g = weight * (p - (y ? 1 : 0));
	double scale = n ? 1 / sqrt((double)n) : 1;

	a->bias -= (float)(rate * g);
	for (size_t i = 0; i < n; i++)
		a->w[h[i]] -= (float)(rate * (g * scale +
					     ASK_L2 * a->w[h[i]]));
}


/* every line's features, once: h[off[i]] .. h[off[i + 1]] */
static int featurize(const char *const *asks, size_t na,
		     const char *const *talk, size_t nt, uint32_t **hp,
		     uint32_t **offp)
{
	struct nba_tok t[NBA_TOKENS];
	uint32_t one[ASK_FEATS], *h, *off;
	size_t n = na + nt, cap = 64 * n + ASK_FEATS, used = 0;

	/* room for lines of ~20 words; grown for longer ones */
	off = mem_alloc((n + 1) * sizeof(*off), NULL);
	h = mem_alloc(cap * sizeof(*h), NULL);
	if (!off || !h) {
		mem_deref(off);
		mem_deref(h);
		return ENOMEM;
	}

	for (size_t i = 0; i < n; i++) {
		const char *x = i < na ? asks[i] : talk[i - na];
		size_t k = features(t, nba_tokenize(x, t, NBA_TOKENS), one);

		if (used + k > cap) {
			uint32_t *g;

			cap = 2 * (used + k);
			g = mem_realloc(h, cap * sizeof(*h));
			if (!g) {
				mem_deref(h);
				mem_deref(off);
				return ENOMEM;
			}
			h = g;
		}
		off[i] = (uint32_t)used;
		memcpy(h + used, one, k * sizeof(*one));
		used += k;
	}
	off[n] = (uint32_t)used;

	*hp = h;
	*offp = off;
	return 0;
}


int nba_asks_train(struct nba_asks **ap, const char *const *asks, size_t na,
		   const char *const *talk, size_t nt)
{
	struct nba_asks *a;
	uint32_t *order = NULL, *h = NULL, *off = NULL;
	uint64_t x = 88172645463325252ULL;   /* xorshift64: a fixed order */
	size_t n = na + nt;

	if (!ap || !na || !nt)
		return EINVAL;

	a = mem_zalloc(sizeof(*a), destructor);
	order = mem_alloc(n * sizeof(*order), NULL);
	if (!a || !order)
		goto nomem;
	a->w = mem_zalloc(((size_t)1 << ASK_BITS) * sizeof(*a->w), NULL);
	if (!a->w || featurize(asks, na, talk, nt, &h, &off))
		goto nomem;

	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;

	for (int e = 0; e < ASK_EPOCHS; e++) {
		double rate = ASK_RATE / (1 + 0.5 * e);

		for (size_t i = n - 1; i > 0; i--) {
			size_t j;
			uint32_t s;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			j = (size_t)(x % (i + 1));
			s = order[i];
			order[i] = order[j];
			order[j] = s;
		}
		for (size_t i = 0; i < n; i++) {
			size_t d = order[i];

			learn(a, h + off[d], off[d + 1] - off[d], d < na,
			      d < na ? 1 : (double)na / (double)nt, rate);
		}
	}

	mem_deref(h);
	mem_deref(off);
	mem_deref(order);
	*ap = a;
	return 0;

 nomem:
	mem_deref(h);
	mem_deref(off);
	mem_deref(order);
	mem_deref(a);
	return ENOMEM;
}
