/*
 * bank.c — what callers say, by need: general contact-centre knowledge
 * that stretches an admin's handful of examples.
 *
 * Six examples leave out most of the ways customers put the same need
 * ("the card you've got on file runs out" for a new card). The bank
 * (data/nba/bank.tsv, compiled in) holds thousands of lines of callers'
 * talk grouped by need, across industries: password forgotten, parcel
 * late, price went up ... When a model is built, each of an intent's
 * examples is classified against the bank's needs; the needs that
 * several of them agree on lend their lines to the intent as weak
 * examples (model.c). A need goes to one intent only, the surest. An
 * intent the bank has no need for is trained on its examples alone, as
 * before. The bank's off-topic talk (data/nba/offtopic.tsv: small talk,
 * asides) is lent too, as one more intent after the real ones, which
 * classify.c scores as a reason for none and never reports.
 *
 * The needs also give every text a profile: its score against each need,
 * less their mean, as a unit vector. An intent's profile is that of its
 * examples together; classify.c ranks intents partly by how well an
 * utterance's profile agrees with theirs. That brings in every need, lent
 * or not: an utterance and an intent's examples that lean to the same
 * needs agree even when they share no word.
 *
 * The bank's lines against its off-topic talk also train a model of
 * whether an utterance asks for anything at all (asks.c), which
 * classify.c weighs in deciding none.
 *
 * The bank's own model is built once per process, on first use, in the
 * event loop (like the lexicon's tables); read-only after.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "nba/internal.h"

/* how sure an intent's examples must be of a need, as a share of their
 * number; each example gives its top need its confidence (tuned on the
 * tuning splits, docs/NOTES.md "A bank of callers' talk") */
#ifndef BANK_VOTES
#define BANK_VOTES 0.15
#endif

/* data/nba/bank.tsv as "need\tutterance" lines (generated, see Makefile) */
extern const char *const nba_bank_tsv[];
extern const size_t nba_bank_tsv_n;
/* data/nba/offtopic.tsv: "none\tutterance", talk that asks for nothing */
extern const char *const nba_offtopic_tsv[];
extern const size_t nba_offtopic_tsv_n;

#ifndef OFFTOPIC
#define OFFTOPIC 1       /* 0: leave the off-topic talk out (to measure) */
#endif


static struct {
	bool off;
	struct nba *model;         /* built on first use */
	struct nba_intent_def offtalk; /* the off-topic talk */
	const char **offtexts;
	struct nba_intent_def *needs;
	size_t nneeds;
	const char **texts;        /* the utterances, grouped by need */
	char *ids;                 /* the needs' names, NUL-separated */
	size_t nlines;             /* of texts */
	struct nba_asks *asks;     /* asks for something, or talk (asks.c) */
} bank;


void nba_bank_use(bool on)
{
	bank.off = !on;
}


static int cmp_line(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strcspn(x, "\t"), ly = strcspn(y, "\t");
	int c = strncmp(x, y, lx < ly ? lx : ly);

	if (c)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x < y ? -1 : x > y;   /* the file's order within a need */
}


static int build(void)
{
	const char **lines;
	size_t n = nba_bank_tsv_n, idlen = 0;
	char *p;
	int err = ENOMEM;

	lines = mem_zalloc((n + 1) * sizeof(*lines), NULL);
	bank.texts = mem_zalloc((n + 1) * sizeof(*bank.texts), NULL);
	bank.needs = mem_zalloc((n + 1) * sizeof(*bank.needs), NULL);
	if (!lines || !bank.texts || !bank.needs)
		goto out;

	for (size_t i = 0; i < n; i++) {
		lines[i] = nba_bank_tsv[i];
		idlen += strcspn(lines[i], "\t") + 1;
	}
	qsort(lines, n, sizeof(*lines), cmp_line);

	bank.ids = mem_alloc(idlen + 1, NULL);
	if (!bank.ids)
		goto out;

	p = bank.ids;
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(lines[i], "\t");
		struct nba_intent_def *d = bank.nneeds ?
			&bank.needs[bank.nneeds - 1] : NULL;

		if (!lines[i][len])
			continue;
		if (!d || strncmp(d->id, lines[i], len) || d->id[len]) {
			memcpy(p, lines[i], len);
			p[len] = '\0';
			d = &bank.needs[bank.nneeds++];
			d->id = p;
			d->examples = &bank.texts[bank.nlines];
			p += len + 1;
		}
		bank.texts[bank.nlines++] = lines[i] + len + 1;
		++d->nexamples;
	}

	bank.offtexts = mem_zalloc((nba_offtopic_tsv_n + 1) *
				   sizeof(*bank.offtexts), NULL);
	if (!bank.offtexts)
		goto out;
	bank.offtalk.id = "none";
	bank.offtalk.examples = bank.offtexts;
	for (size_t i = 0; i < nba_offtopic_tsv_n; i++) {
		const char *tab = strchr(nba_offtopic_tsv[i], '\t');

		if (tab)
			bank.offtexts[bank.offtalk.nexamples++] = tab + 1;
	}

	err = nba_alloc_examples(&bank.model, bank.needs, bank.nneeds);
	if (!err && bank.nlines && bank.offtalk.nexamples)
		err = nba_asks_train(&bank.asks, bank.texts, bank.nlines,
				     bank.offtalk.examples,
				     bank.offtalk.nexamples);
 out:
	mem_deref(lines);
	return err;
}


/* per need, how sure the intent's examples are that it is theirs: the sum
 * of the confidences of the examples the bank gives to it; and how many
 * do */
static void vote(const struct nba_intent_def *in, double *votes,
		 uint8_t *count)
{
	for (size_t j = 0; j < in->nexamples; j++) {
		struct nba_class c;

		if (nba_classify(bank.model, in->examples[j], &c) || !c.ntop)
			continue;
		for (size_t k = 0; k < bank.nneeds; k++) {
			if (!strcmp(bank.needs[k].id, c.top[0].intent)) {
				votes[k] += c.top[0].confidence;
				count[k] += count[k] < 255;
				break;
			}
		}
	}
}


/* whether an intent may have need k: two or more of its examples must
 * agree on it (one is too little to go on: "i want to talk about cars" is
 * not a caller asking for a person), and be sure enough */
static bool eligible(const double *votes, const uint8_t *count, size_t k,
		     size_t nexamples)
{
	return count[k] >= 2 && votes[k] >= BANK_VOTES * (double)nexamples;
}


int nba_bank_expand(const struct nba_intent_def *in, size_t nin,
		    struct nba_lent **lentp, size_t *nlentp)
{
	struct nba_lent *lent = NULL;
	double *votes = NULL;
	uint8_t *count = NULL;
	int *owner = NULL;
	size_t nlent = 0;

	*lentp = NULL;
	*nlentp = 0;

	if (bank.off || !nin)
		return 0;
	if (!bank.model) {
		int err = build();

		if (err) {
			/* out of memory: this build fails, the next tries
			 * again */
			bank.model = mem_deref(bank.model);
			bank.asks = mem_deref(bank.asks);
			bank.needs = mem_deref(bank.needs);
			bank.texts = mem_deref(bank.texts);
			bank.ids = mem_deref(bank.ids);
			bank.offtexts = mem_deref(bank.offtexts);
			memset(&bank.offtalk, 0, sizeof(bank.offtalk));
			bank.nneeds = 0;
			bank.nlines = 0;
			return err;
		}
	}
	if (!bank.nneeds)
		return 0;

	votes = mem_zalloc(nin * bank.nneeds * sizeof(*votes), NULL);
	count = mem_zalloc(nin * bank.nneeds * sizeof(*count), NULL);
	owner = mem_zalloc(bank.nneeds * sizeof(*owner), NULL);
	if (!votes || !count || !owner)
		goto nomem;

	for (size_t i = 0; i < nin; i++)
		vote(&in[i], &votes[i * bank.nneeds],
		     &count[i * bank.nneeds]);

	for (size_t k = 0; k < bank.nneeds; k++) {
		owner[k] = -1;
		for (size_t i = 0; i < nin; i++) {
			const double *v = &votes[i * bank.nneeds];

			if (!eligible(v, &count[i * bank.nneeds], k,
				      in[i].nexamples))
				continue;
			if (owner[k] < 0 ||
			    v[k] > votes[(size_t)owner[k] * bank.nneeds + k])
				owner[k] = (int)i;
		}
		nlent += owner[k] >= 0;
	}
	nlent += OFFTOPIC && bank.offtalk.nexamples;

	lent = mem_zalloc((nlent + 1) * sizeof(*lent), NULL);
	if (!lent)
		goto nomem;
	nlent = 0;
	for (size_t i = 0; i < nin; i++) {
		for (size_t k = 0; k < bank.nneeds; k++) {
			if (owner[k] != (int)i)
				continue;
			lent[nlent].intent = (uint32_t)i;
			lent[nlent].need = &bank.needs[k];
			++nlent;
		}
	}

	/* the off-topic talk, as one more intent after the real ones */
	if (OFFTOPIC && bank.offtalk.nexamples) {
		lent[nlent].intent = (uint32_t)nin;
		lent[nlent].need = &bank.offtalk;
		++nlent;
	}

	mem_deref(owner);
	mem_deref(count);
	mem_deref(votes);
	*lentp = lent;
	*nlentp = nlent;
	return 0;

 nomem:
	mem_deref(owner);
	mem_deref(count);
	mem_deref(votes);
	return ENOMEM;
}


int nba_bank_profile(const struct nba_feat *f, size_t nf, float *v,
		     size_t nv)
{
	double *s, mean = 0, norm = 0;
	int err;

	if (!bank.model || nv != bank.nneeds)
		return EINVAL;

	s = mem_alloc(nv * sizeof(*s), NULL);
	if (!s)
		return ENOMEM;
	err = nba_scores(bank.model, f, nf, s);
	if (!err) {
		for (size_t k = 0; k < nv; k++)
			mean += s[k] / (double)nv;
		for (size_t k = 0; k < nv; k++)
			norm += (s[k] - mean) * (s[k] - mean);
		norm = norm > 0 ? sqrt(norm) : 1;
		for (size_t k = 0; k < nv; k++)
			v[k] = (float)((s[k] - mean) / norm);
	}

	mem_deref(s);
	return err;
}


struct nba_asks *nba_bank_asks(void)
{
	return bank.asks;
}


const char *nba_bank_need(size_t k)
{
	return k < bank.nneeds ? bank.needs[k].id : NULL;
}


int nba_bank_profiles(const struct nba_intent_def *in, size_t nin,
		      float **profp, size_t *nvp)
{
	struct nba_feat f[NBA_TOKENS * 12];
	size_t nv = bank.nneeds;
	float *prof, *v;
	int err = 0;

	*profp = NULL;
	*nvp = 0;
	if (!bank.model || !nv || !nin)
		return 0;

	prof = mem_zalloc(nin * nv * sizeof(*prof), NULL);
	v = mem_alloc(nv * sizeof(*v), NULL);
	if (!prof || !v) {
		err = ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < nin && !err; i++) {
		float *p = &prof[i * nv];
		double norm = 0;

		for (size_t j = 0; j < in[i].nexamples && !err; j++) {
			size_t nf = nba_vector(in[i].examples[j], f,
					       sizeof(f) / sizeof(f[0]));

			err = nba_bank_profile(f, nf, v, nv);
			for (size_t k = 0; !err && k < nv; k++)
				p[k] += v[k];
		}
		for (size_t k = 0; k < nv; k++)
			norm += (double)p[k] * p[k];
		norm = norm > 0 ? sqrt(norm) : 1;
		for (size_t k = 0; k < nv; k++)
			p[k] = (float)(p[k] / norm);
	}

 out:
	mem_deref(v);
	if (err) {
		mem_deref(prof);
		return err;
	}
	*profp = prof;
	*nvp = nv;
	return 0;
}
