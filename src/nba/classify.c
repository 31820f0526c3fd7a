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
 * Then a second opinion: how much the utterance resembles each of the
 * bank's needs (bank.c), against how much the intent's examples do, adds
 * NBA_NEED_SHARE times their agreement to the intent's score. The bank's
 * lines say what callers with each need talk about, so "the bill is far
 * more than usual" sits near the overcharge need even though the words of
 * the examples pull it to an upgrade (docs/NOTES.md "The needs' opinion").
 *
 * Confidences are a softmax over the scores plus one pseudo-intent,
 * "none", whose score is fixed (NBA_NONE_BELOW) or, when higher, how
 * near the utterance is to the bank's off-topic talk (small talk, asides:
 * bank.c), scored like an intent that is never reported, and moved by
 * how sure asks.c is that the words ask for anything at all ("can you",
 * "my account" against "my neighbour", "the bus"): an utterance is
 * off-topic when none beats every intent's word score (the needs'
 * opinion does not add to that score; it only lets words that ask lower
 * none's line when it agrees with the best intent), and the confidence
 * of a real intent shrinks
 * as the utterance gets further from everything the model knows or
 * nearer to talk that asks for nothing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "nba/internal.h"

enum { STACK_SCORES = 4096, STACK_INTENTS = 512 };

/* the off-topic talk's score, scaled for none (tuned on the tuning
 * splits, docs/NOTES.md "Off-topic talk") */
#ifndef OFF_SCALE
#define OFF_SCALE 1.1
#endif


struct scored {
	double score;
	size_t intent;
	size_t ex;       /* its nearest example */
	double agree;    /* its needs' agreement with the utterance's */
};


static void drivers(const struct nba *n, const struct nba_feat *q,
		    const int *qi, size_t nq, const struct nba_tok *t,
		    size_t ntok, size_t top, size_t best_ex,
		    struct nba_class *c)
{
	double per_tok[NBA_TOKENS] = {0};

	for (size_t i = 0; i < nq; i++) {
		double cw = 0, ew = 0, contrib;
		bool a, b;   /* which of the feature's tokens carry a topic */

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

		/* a pair's share goes to its words that carry a topic: "my"
		 * or "for" explain nothing to an admin */
		a = nba_tok_content(&t[q[i].src]);
		b = q[i].src2 != q[i].src && nba_tok_content(&t[q[i].src2]);
		if (a)
			per_tok[q[i].src] += contrib / (a + b);
		if (b)
			per_tok[q[i].src2] += contrib / (a + b);
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


/* an utterance's features, duplicates summed; the first source of each
 * is kept, in order, for the drivers (nba_vector sorts them) */
static size_t utterance(const struct nba_tok *t, size_t ntok,
			struct nba_feat *f, size_t max)
{
	struct nba_feat raw[NBA_TOKENS * 12];
	size_t nraw = nba_features(t, ntok, raw, sizeof(raw) / sizeof(raw[0]));
	size_t nf = 0;

	for (size_t i = 0; i < nraw; i++) {
		size_t j;

		for (j = 0; j < nf && f[j].h != raw[i].h; j++)
			;
		if (j < nf)
			f[j].w += raw[i].w;
		else if (nf < max)
			f[nf++] = raw[i];
	}

	return nf;
}


/* the features weighted like model n's documents and normalised; qi:
 * each one's index in its vocabulary, or -1 */
static void weigh(const struct nba *n, const struct nba_feat *f, size_t nf,
		  struct nba_feat *q, int *qi)
{
	double norm = 0;

	for (size_t i = 0; i < nf; i++) {
		q[i] = f[i];
		qi[i] = nba_vocab_find(n, q[i].h);
		q[i].w *= qi[i] >= 0 ? n->idf[qi[i]] : n->idf_unknown;
		norm += q[i].w * q[i].w;
	}
	norm = norm > 0 ? sqrt(norm) : 1;
	for (size_t i = 0; i < nf; i++)
		q[i].w /= norm;
}


/*
 * Every intent's score (real and hidden, nintents + nhidden of them):
 * share * centroid + (1 - share) * its best example; arg, when not
 * NULL, gets that example.
 */
static int score(const struct nba *n, const struct nba_feat *q,
		 const int *qi, size_t nq, double *s, size_t *arg)
{
	double stack[STACK_SCORES], *ex, *cen, *heap = NULL;
	size_t nk = n->nintents + n->nhidden, d = 0;

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

	for (size_t i = 0; i < nq; i++) {
		if (qi[i] < 0)
			continue;
		for (uint32_t p = n->ex_off[qi[i]];
		     p < n->ex_off[qi[i] + 1]; p++)
			ex[n->ex_post[p].doc] += q[i].w * n->ex_post[p].w;
		for (uint32_t p = n->cen_off[qi[i]];
		     p < n->cen_off[qi[i] + 1]; p++)
			cen[n->cen_post[p].doc] += q[i].w * n->cen_post[p].w;
	}

	/* the best example is the one with the highest cosine (the
	 * centroid's share is the same for all of an intent's) */
	for (size_t k = 0; k < nk; k++) {
		size_t start = d, best = d, end = d;
		double m = -1;

		while (end < n->nex && n->ex_intent[end] == k)
			++end;
		if (arg) {
			for (; d < end; d++) {
				if (ex[d] > m) {
					m = ex[d];
					best = d;
				}
			}
			arg[k] = best;
		}
		else {
			for (; d < end; d++)
				m = ex[d] > m ? ex[d] : m;
		}
		s[k] = end > start ? NBA_CENTROID_SHARE * cen[k] +
			(1 - NBA_CENTROID_SHARE) * m : -1;
	}

	mem_deref(heap);
	return 0;
}


int nba_scores(const struct nba *n, const struct nba_feat *f, size_t nf,
	       double *s)
{
	struct nba_feat q[NBA_TOKENS * 12];
	int qi[NBA_TOKENS * 12];

	if (nf > NBA_TOKENS * 12)
		nf = NBA_TOKENS * 12;
	weigh(n, f, nf, q, qi);

	return score(n, q, qi, nf, s, NULL);
}


/* how far the utterance and the intent's examples lean to the same needs
 * of the bank (bank.c; unit vectors, so -1..1): a second opinion that
 * knows what callers with each need say, beyond the words an admin's
 * examples happen to have */
static double need_agreement(const struct nba *n, const float *pu,
			     size_t k)
{
	const float *pk = &n->prof[k * n->nprof];
	float dot[8] = {0};
	size_t j = 0;

	/* eight independent running sums in float, so that the compiler may
	 * vectorise the loop (it may not reorder one double sum); this runs
	 * for every intent on every utterance */
	for (; j + 8 <= n->nprof; j += 8)
		for (size_t l = 0; l < 8; l++)
			dot[l] += pk[j + l] * pu[j + l];
	for (; j < n->nprof; j++)
		dot[0] += pk[j] * pu[j];

	return (double)dot[0] + dot[1] + dot[2] + dot[3] + dot[4] + dot[5] +
		dot[6] + dot[7];
}


/* the needs that added most to the top intent's score: those the
 * utterance and the intent's examples both lean to (their terms of the
 * agreement), so the explanation is of this ranking, not of the wording
 * alone (off-topic talk has none to explain) */
static void likest_needs(const float *pu, const float *pk, size_t nv,
			 struct nba_class *c)
{
	size_t k[NBA_TOP];
	float w[NBA_TOP];

	c->nneeds = 0;
	for (size_t j = 0; j < nv; j++) {
		float x = pu[j] * pk[j];
		size_t i;

		if (pu[j] <= 0 || pk[j] <= 0)
			continue;
		if (c->nneeds == NBA_TOP && x <= w[NBA_TOP - 1])
			continue;
		i = c->nneeds < NBA_TOP ? c->nneeds++ : NBA_TOP - 1;
		while (i > 0 && w[i - 1] < x) {
			k[i] = k[i - 1];
			w[i] = w[i - 1];
			--i;
		}
		k[i] = j;
		w[i] = x;
	}
	for (size_t i = 0; i < c->nneeds; i++)
		c->needs[i] = nba_bank_need(k[i]);
}


int nba_classify(const struct nba *n, const char *text, struct nba_class *c)
{
	struct nba_tok t[NBA_TOKENS];
	struct nba_feat f[NBA_TOKENS * 12], q[NBA_TOKENS * 12];
	int qi[NBA_TOKENS * 12];
	double stack[STACK_INTENTS], *s, *heap = NULL;
	float *pu = NULL;
	size_t stack_arg[STACK_INTENTS], *arg, *heap_arg = NULL;
	struct scored top[NBA_TOP];
	size_t ntok, nq, ntop = 0, nk;
	double z, none_s, cover, off, words = -1;
	int err;

	if (!n || !c)
		return EINVAL;

	memset(c, 0, sizeof(*c));
	if (!text)
		return 0;

	ntok = nba_tokenize(text, t, NBA_TOKENS);
	if (!ntok || !n->nintents)
		return 0;

	nk = n->nintents + n->nhidden;
	if (nk <= STACK_INTENTS) {
		s = stack;
		arg = stack_arg;
	}
	else {
		heap = mem_alloc(nk * sizeof(*heap), NULL);
		heap_arg = mem_alloc(nk * sizeof(*heap_arg), NULL);
		if (!heap || !heap_arg) {
			err = ENOMEM;
			goto out;
		}
		s = heap;
		arg = heap_arg;
	}

	nq = utterance(t, ntok, f, sizeof(f) / sizeof(f[0]));
	weigh(n, f, nq, q, qi);
	err = score(n, q, qi, nq, s, arg);
	if (err)
		goto out;
	if (n->nprof) {
		pu = mem_alloc(n->nprof * sizeof(*pu), NULL);
		if (!pu) {
			err = ENOMEM;
			goto out;
		}
		err = nba_bank_profile(f, nq, pu, n->nprof);
		if (err)
			goto out;
	}

	/* how much of what was said any intent knows: one known word among
	 * several unknown ones is weak evidence ("what year did the war
	 * end") */
	{
		size_t content = 0, known = 0;

		for (size_t i = 0; i < ntok; i++) {
			if (!nba_tok_content(&t[i]))
				continue;
			++content;
			known += knows(n, nba_hash("u", t[i].concept, NULL)) ||
				 knows(n, nba_hash("n", t[i].concept, NULL));
		}
		cover = content ? pow((double)known / (double)content,
				      NBA_COVERAGE_POWER) : 0;
	}

	z = 0;
	for (size_t k = 0; k < n->nintents; k++) {
		double e = s[k] * cover;
		double agree = pu ? need_agreement(n, pu, k) : 0;

		/* none is weighed against the word score: the needs'
		 * opinion ranks the intents, it does not make talk a request
		 * (below, it only decides whether words that ask count) */
		if (e > words)
			words = e;
		e += NBA_NEED_SHARE * agree;
		z += exp(e / NBA_TEMPERATURE);

		/* insertion into the top list */
		if (ntop < NBA_TOP || e > top[ntop - 1].score) {
			size_t j = ntop < NBA_TOP ? ntop++ : NBA_TOP - 1;

			while (j > 0 && top[j - 1].score < e) {
				top[j] = top[j - 1];
				--j;
			}
			top[j].score = e;
			top[j].intent = k;
			top[j].ex = arg[k];
			top[j].agree = agree;
		}
	}

	/* talk that asks for nothing, nearer than any intent, or words that
	 * do not ask (asks.c) raise the line an intent must clear. Words
	 * that do ask lower it only when the needs they resemble are the
	 * best intent's too: a request for something no intent covers is
	 * then far more often none (docs/NOTES.md "Asking for nothing").
	 * none's score moves with what the needs added to the best intent,
	 * so that none wins the softmax exactly when it is set */
	off = n->nhidden ? s[n->nintents] * OFF_SCALE : -1;
	none_s = off > NBA_NONE_BELOW ? off : NBA_NONE_BELOW;
	if (n->asks) {
		double lo = nba_asks(n->asks, t, ntok) - NBA_ASKS_BIAS;

		/* however sure, a line no intent knows a word of (word
		 * score 0) stays none: the line stays above 0 */
		if (lo > NBA_ASKS_MAX)
			lo = NBA_ASKS_MAX;
		if (lo < 0 || (pu && top[0].agree >= NBA_ASKS_AGREE))
			none_s -= NBA_ASKS_SHARE * lo;
	}
	z += exp((none_s + top[0].score - words) / NBA_TEMPERATURE);

	c->ntop = ntop;
	for (size_t i = 0; i < ntop; i++) {
		c->top[i].intent = n->ids[top[i].intent];
		c->top[i].confidence = exp(top[i].score / NBA_TEMPERATURE) / z;
	}
	c->none = words < none_s;

	drivers(n, q, qi, nq, t, ntok, top[0].intent, top[0].ex, c);
	if (pu && !c->none)
		likest_needs(pu, &n->prof[top[0].intent * n->nprof],
			     n->nprof, c);

 out:
	mem_deref(pu);
	mem_deref(heap);
	mem_deref(heap_arg);
	return err;
}
