/*
 * model.c — building a model: checking what provisioning gave us (every
 * message names the intent or rule and what is wrong with it), training
 * the classifier, indexing the rules by intent.
 *
 * Training (see classify.c for its use): every example and every keyword
 * becomes a feature vector; a feature's weight is scaled by how few
 * intents use it (an inverse document frequency over intents, so "cancel"
 * counts and "account" hardly does), and each vector is normalised. An
 * intent's centroid is the sum of its examples plus its keywords counted
 * KEYWORD_BOOST times, normalised. Both are stored as posting lists per
 * feature, so scoring an utterance touches only the features it has.
 * The lines the bank lends an intent (bank.c) are documents of it too,
 * with less weight.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "nba/internal.h"

#ifndef KEYWORD_BOOST
#define KEYWORD_BOOST 2.0
#endif
/* a line the bank lends (bank.c): its weight in the intent's centroid,
 * against an example's 1, and as a nearest example (tuned on the tuning
 * splits, docs/NOTES.md "A bank of callers' talk") */
#ifndef BANK_CEN
#define BANK_CEN 0.1
#endif
#ifndef BANK_EX
#define BANK_EX 0.9
#endif
#ifndef OFF_EX
#define OFF_EX 0.9             /* a line of off-topic talk as an example */
#endif
/* an example's feature weighing less than this (after idf, the
 * example's norm and its kind's scale) is left out of the example
 * postings (centroids keep it): mostly words that nearly every need or
 * intent has, which add almost nothing to a cosine but make the longest
 * lists, and the bank's 9,900 lines are scored on every utterance; in a
 * long line some rarer words go too. Measured: p99 back to what it was
 * with 7,700 lines, top-1 the same (docs/NOTES.md "Asking for nothing") */
#ifndef POSTING_MIN
#define POSTING_MIN 0.05
#endif
#ifndef UNKNOWN_SHARE
#define UNKNOWN_SHARE 0.25     /* weight of a feature no intent has */
#endif


static void destructor(void *arg)
{
	struct nba *n = arg;

	for (size_t i = 0; i < n->nintents; i++)
		mem_deref(n->ids[i]);
	mem_deref(n->ids);
	mem_deref(n->lent);
	mem_deref(n->lent_off);
	mem_deref(n->vkey);
	mem_deref(n->vidx);
	mem_deref(n->idf);
	mem_deref(n->known);
	mem_deref(n->ex_intent);
	mem_deref(n->ex_off);
	mem_deref(n->cen_off);
	mem_deref(n->ex_post);
	mem_deref(n->cen_post);
	for (size_t i = 0; i < n->nrules; i++) {
		struct nba_rule *r = &n->rules[i];

		mem_deref(r->id);
		mem_deref(r->queue);
		mem_deref(r->caller_prefix);
		for (size_t j = 0; j < r->ndata; j++)
			mem_deref(r->data[j]);
		mem_deref(r->data);
	}
	mem_deref(n->rules);
	mem_deref(n->by_intent_off);
	mem_deref(n->by_intent);
	mem_deref(n->any);
	mem_deref(n->prof);
	mem_deref(n->asks);
}


static bool empty(const char *s)
{
	return !s || !*s;
}


static int intent_index(const struct nba_intent_def *intents, size_t n,
			const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(intents[i].id, id))
			return (int)i;
	return -1;
}


/* whether a text has a word that carries a topic: "the", "not at all"
 * or "i am" teach nothing but how every request is said */
static bool has_words(const char *text)
{
	struct nba_tok t[NBA_TOKENS];
	size_t n = nba_tokenize(text, t, NBA_TOKENS);

	for (size_t i = 0; i < n; i++)
		if (nba_tok_content(&t[i]))
			return true;

	return false;
}


static int check_intents(const struct nba_intent_def *in, size_t n,
			 char *err, size_t errsz)
{
	for (size_t i = 0; i < n; i++) {
		const char *id = in[i].id;

		if (empty(id)) {
			snprintf(err, errsz, "intent #%zu: empty id", i + 1);
			return EINVAL;
		}
		if (intent_index(in, i, id) >= 0) {
			snprintf(err, errsz, "intent \"%s\": duplicate id", id);
			return EINVAL;
		}
		if (!in[i].nexamples || !in[i].examples) {
			snprintf(err, errsz, "intent \"%s\": no examples", id);
			return EINVAL;
		}
		for (size_t j = 0; j < in[i].nexamples; j++) {
			if (empty(in[i].examples[j]) ||
			    !has_words(in[i].examples[j])) {
				snprintf(err, errsz, "intent \"%s\": example "
					 "%zu has no words to learn from",
					 id, j + 1);
				return EINVAL;
			}
		}
		if (in[i].nkeywords && !in[i].keywords) {
			snprintf(err, errsz, "intent \"%s\": keywords missing",
				 id);
			return EINVAL;
		}
		for (size_t j = 0; j < in[i].nkeywords; j++) {
			if (empty(in[i].keywords[j]) ||
			    !has_words(in[i].keywords[j])) {
				snprintf(err, errsz, "intent \"%s\": keyword "
					 "%zu has no words to learn from",
					 id, j + 1);
				return EINVAL;
			}
		}
	}

	return 0;
}


static int check_rules(const struct nba_rule_def *r, size_t n,
		       const struct nba_intent_def *in, size_t nin,
		       char *err, size_t errsz)
{
	for (size_t i = 0; i < n; i++) {
		const char *id = r[i].id;

		if (empty(id)) {
			snprintf(err, errsz, "recommendation #%zu: empty id",
				 i + 1);
			return EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(r[j].id, id)) {
				snprintf(err, errsz, "recommendation \"%s\": "
					 "duplicate id", id);
				return EINVAL;
			}
		}
		if (r[i].intent && intent_index(in, nin, r[i].intent) < 0) {
			snprintf(err, errsz, "recommendation \"%s\": unknown "
				 "intent \"%s\"", id, r[i].intent);
			return EINVAL;
		}
		if (!(r[i].min_confidence >= 0 && r[i].min_confidence <= 1)) {
			snprintf(err, errsz, "recommendation \"%s\": "
				 "min_confidence must be between 0 and 1", id);
			return EINVAL;
		}
		if (isnan(r[i].after_s)) {
			snprintf(err, errsz, "recommendation \"%s\": after_s "
				 "is not a number", id);
			return EINVAL;
		}
		if (r[i].leg && strcmp(r[i].leg, "customer") &&
		    strcmp(r[i].leg, "agent") && strcmp(r[i].leg, "any")) {
			snprintf(err, errsz, "recommendation \"%s\": leg must "
				 "be customer, agent or any, not \"%s\"", id,
				 r[i].leg);
			return EINVAL;
		}
		if (r[i].has_sentiment && !(r[i].sentiment_below >= -1 &&
					    r[i].sentiment_below <= 1)) {
			snprintf(err, errsz, "recommendation \"%s\": "
				 "sentiment_below must be between -1 and 1",
				 id);
			return EINVAL;
		}
		if (r[i].ndata % 2 || (r[i].ndata && !r[i].data)) {
			snprintf(err, errsz, "recommendation \"%s\": data must "
				 "be key and value pairs", id);
			return EINVAL;
		}
		for (size_t j = 0; j < r[i].ndata; j++) {
			if (!r[i].data[j] || (j % 2 == 0 && !*r[i].data[j])) {
				snprintf(err, errsz, "recommendation \"%s\": "
					 "data pair %zu has no %s", id,
					 j / 2 + 1, j % 2 ? "value" : "key");
				return EINVAL;
			}
		}
	}

	return 0;
}


/* a feature vector of one text, duplicates summed, sorted by hash */
struct vec {
	struct nba_feat f[NBA_TOKENS * 12];
	size_t n;
};


static int cmp_feat(const void *a, const void *b)
{
	const struct nba_feat *x = a, *y = b;

	return x->h < y->h ? -1 : x->h > y->h;
}


size_t nba_vector(const char *text, struct nba_feat *f, size_t max)
{
	struct nba_tok t[NBA_TOKENS];
	size_t ntok = nba_tokenize(text, t, NBA_TOKENS);
	size_t n = nba_features(t, ntok, f, max), m = 0;

	qsort(f, n, sizeof(*f), cmp_feat);
	for (size_t i = 0; i < n; i++) {
		if (m && f[m - 1].h == f[i].h)
			f[m - 1].w += f[i].w;
		else
			f[m++] = f[i];
	}

	return m;
}


static uint32_t vocab_slot(const struct nba *n, uint64_t h)
{
	size_t mask = n->vcap - 1;
	size_t i = (size_t)(h ^ (h >> 29)) & mask;

	while (n->vkey[i] && n->vkey[i] != h)
		i = (i + 1) & mask;

	return (uint32_t)i;
}


int nba_vocab_find(const struct nba *n, uint64_t h)
{
	uint32_t s;

	if (!n->vcap)
		return -1;
	s = vocab_slot(n, h);

	return n->vkey[s] ? (int)n->vidx[s] : -1;
}


struct triple {
	uint32_t feat, doc;
	float w;
};


static int cmp_triple(const void *a, const void *b)
{
	const struct triple *x = a, *y = b;

	if (x->feat != y->feat)
		return x->feat < y->feat ? -1 : 1;
	return x->doc < y->doc ? -1 : x->doc > y->doc;
}


static int postings(const struct triple *t, size_t n, size_t nfeat,
		    uint32_t **offp, struct nba_post **postp)
{
	uint32_t *off = mem_zalloc((nfeat + 1) * sizeof(*off), NULL);
	struct nba_post *post = mem_zalloc((n + 1) * sizeof(*post), NULL);

	if (!off || !post) {
		mem_deref(off);
		mem_deref(post);
		return ENOMEM;
	}

	for (size_t i = 0; i < n; i++) {
		++off[t[i].feat + 1];
		post[i].doc = t[i].doc;
		post[i].w = t[i].w;
	}
	for (size_t f = 0; f < nfeat; f++)
		off[f + 1] += off[f];

	*offp = off;
	*postp = post;
	return 0;
}


enum doc_kind { DOC_EXAMPLE, DOC_KEYWORD, DOC_BANK, DOC_OFF };


/*
 * Trains the classifier: docs are every example, every keyword, then
 * every line the bank lends (lent, sorted by intent) of every intent, in
 * order.
 */
static int train(struct nba *n, const struct nba_intent_def *in,
		 const struct nba_lent *lent, size_t nlent)
{
	struct vec *v = NULL;
	struct nba_feat **docf = NULL;
	size_t *docn = NULL, ndoc = 0, total = 0, nt = 0, p = 0;
	uint32_t *doc_intent = NULL, *df = NULL, *last = NULL;
	uint8_t *kind = NULL;
	struct triple *ex = NULL, *cen = NULL;
	double *cvec = NULL;
	int err = ENOMEM;

	for (size_t i = 0; i < n->nintents; i++)
		ndoc += in[i].nexamples + in[i].nkeywords;
	for (size_t l = 0; l < nlent; l++)
		ndoc += lent[l].need->nexamples;

	v = mem_zalloc(sizeof(*v), NULL);
	docf = mem_zalloc((ndoc + 1) * sizeof(*docf), NULL);
	docn = mem_zalloc((ndoc + 1) * sizeof(*docn), NULL);
	doc_intent = mem_zalloc((ndoc + 1) * sizeof(*doc_intent), NULL);
	kind = mem_zalloc((ndoc + 1) * sizeof(*kind), NULL);
	if (!v || !docf || !docn || !doc_intent || !kind)
		goto out;

	/* every document's features */
	ndoc = 0;
	for (size_t i = 0; i < n->nintents + n->nhidden; i++) {
		bool hidden = i >= n->nintents;
		size_t ne = hidden ? 0 : in[i].nexamples;
		size_t nk = hidden ? 0 : in[i].nkeywords, nb = 0;
		size_t l0 = p;

		for (; p < nlent && lent[p].intent == i; p++)
			nb += lent[p].need->nexamples;

		for (size_t j = 0, l = l0, m = 0; j < ne + nk + nb; j++) {
			const char *text;

			if (j < ne) {
				text = in[i].examples[j];
			}
			else if (j < ne + nk) {
				text = in[i].keywords[j - ne];
			}
			else {
				if (m == lent[l].need->nexamples) {
					++l;
					m = 0;
				}
				text = lent[l].need->examples[m++];
			}

			v->n = nba_vector(text, v->f,
					  sizeof(v->f) / sizeof(v->f[0]));
			docf[ndoc] = mem_alloc((v->n + 1) * sizeof(v->f[0]),
					       NULL);
			if (!docf[ndoc])
				goto out;
			memcpy(docf[ndoc], v->f, v->n * sizeof(v->f[0]));
			docn[ndoc] = v->n;
			doc_intent[ndoc] = (uint32_t)i;
			kind[ndoc] = j < ne ? DOC_EXAMPLE : j < ne + nk ?
				DOC_KEYWORD : hidden ? DOC_OFF : DOC_BANK;
			total += v->n;
			++ndoc;
		}
	}

	/* vocabulary */
	n->vcap = 16;
	while (n->vcap < 2 * total + 2)
		n->vcap *= 2;
	n->vkey = mem_zalloc(n->vcap * sizeof(*n->vkey), NULL);
	n->vidx = mem_zalloc(n->vcap * sizeof(*n->vidx), NULL);
	if (!n->vkey || !n->vidx)
		goto out;

	for (size_t d = 0; d < ndoc; d++) {
		for (size_t j = 0; j < docn[d]; j++) {
			uint32_t s = vocab_slot(n, docf[d][j].h);

			if (!n->vkey[s]) {
				n->vkey[s] = docf[d][j].h;
				n->vidx[s] = (uint32_t)n->nfeat++;
			}
			/* from now on: the feature's index */
			docf[d][j].src = 0;
			docf[d][j].h = n->vidx[s];
		}
	}

	/* in how many intents' examples and keywords each feature is; one
	 * that only the bank's lines have, in how many intents' lines (the
	 * bank must not blur the words an admin chose) */
	n->idf = mem_zalloc((n->nfeat + 1) * sizeof(*n->idf), NULL);
	n->known = mem_zalloc((n->nfeat + 1) * sizeof(*n->known), NULL);
	df = mem_zalloc(3 * (n->nfeat + 1) * sizeof(*df), NULL);
	last = mem_zalloc((n->nfeat + 1) * sizeof(*last), NULL);
	if (!n->idf || !n->known || !df || !last)
		goto out;
	for (int pass = 0; pass < 3; pass++) {
		uint32_t *c = &df[(size_t)pass * (n->nfeat + 1)];

		memset(last, 0, (n->nfeat + 1) * sizeof(*last));
		for (size_t d = 0; d < ndoc; d++) {
			int kp = kind[d] == DOC_BANK ? 1 :
				 kind[d] == DOC_OFF ? 2 : 0;

			if (kp != pass)
				continue;
			for (size_t j = 0; j < docn[d]; j++) {
				size_t f = (size_t)docf[d][j].h;

				if (last[f] != doc_intent[d] + 1) {
					last[f] = doc_intent[d] + 1;
					++c[f];
				}
			}
		}
	}
	for (size_t f = 0; f < n->nfeat; f++) {
		n->known[f] = df[f] || df[n->nfeat + 1 + f];
		if (!df[f])
			df[f] = n->known[f] ? df[n->nfeat + 1 + f] :
				df[2 * (n->nfeat + 1) + f];
	}
	for (size_t f = 0; f < n->nfeat; f++)
		n->idf[f] = (float)log((n->nintents + 1.0) / (df[f] + 0.5));
	n->idf_unknown = (float)(UNKNOWN_SHARE *
				 log((n->nintents + 1.0) / 0.5));

	/* normalised example vectors, and centroids from them */
	ex = mem_zalloc((total + 1) * sizeof(*ex), NULL);
	cen = mem_zalloc((total + 1) * sizeof(*cen), NULL);
	cvec = mem_zalloc((n->nfeat + 1) * sizeof(*cvec), NULL);
	n->ex_intent = mem_zalloc((ndoc + 1) * sizeof(*n->ex_intent), NULL);
	if (!ex || !cen || !cvec || !n->ex_intent)
		goto out;

	for (size_t d = 0; d < ndoc; d++) {
		double norm = 0, scale = kind[d] == DOC_BANK ? BANK_EX :
			kind[d] == DOC_OFF ? OFF_EX : 1;

		for (size_t j = 0; j < docn[d]; j++) {
			docf[d][j].w *= n->idf[docf[d][j].h];
			norm += docf[d][j].w * docf[d][j].w;
		}
		norm = norm > 0 ? sqrt(norm) : 1;
		for (size_t j = 0; j < docn[d]; j++) {
			docf[d][j].w /= norm;
			if (scale * docf[d][j].w < POSTING_MIN)
				continue;
			ex[nt].feat = (uint32_t)docf[d][j].h;
			ex[nt].doc = (uint32_t)d;
			ex[nt].w = (float)(scale * docf[d][j].w);
			++nt;
		}
		n->ex_intent[d] = doc_intent[d];
	}
	n->nex = ndoc;

	total = 0;
	for (size_t d = 0, i = 0; i < n->nintents + n->nhidden; i++) {
		size_t start = total;
		double norm = 0;

		for (; d < ndoc && doc_intent[d] == i; d++) {
			double b = kind[d] == DOC_KEYWORD ? KEYWORD_BOOST :
				   kind[d] == DOC_BANK ? BANK_CEN : 1;

			for (size_t j = 0; j < docn[d]; j++) {
				size_t f = (size_t)docf[d][j].h;

				if (cvec[f] == 0) {
					cen[total].feat = (uint32_t)f;
					cen[total].doc = (uint32_t)i;
					++total;
				}
				cvec[f] += b * docf[d][j].w;
			}
		}
		for (size_t j = start; j < total; j++)
			norm += cvec[cen[j].feat] * cvec[cen[j].feat];
		norm = norm > 0 ? sqrt(norm) : 1;
		for (size_t j = start; j < total; j++) {
			cen[j].w = (float)(cvec[cen[j].feat] / norm);
			cvec[cen[j].feat] = 0;
		}
	}

	qsort(ex, nt, sizeof(*ex), cmp_triple);
	qsort(cen, total, sizeof(*cen), cmp_triple);
	err = postings(ex, nt, n->nfeat, &n->ex_off, &n->ex_post);
	if (!err)
		err = postings(cen, total, n->nfeat, &n->cen_off,
			       &n->cen_post);

 out:
	if (docf)
		for (size_t d = 0; d < ndoc; d++)
			mem_deref(docf[d]);
	mem_deref(docf);
	mem_deref(docn);
	mem_deref(doc_intent);
	mem_deref(kind);
	mem_deref(df);
	mem_deref(last);
	mem_deref(ex);
	mem_deref(cen);
	mem_deref(cvec);
	mem_deref(v);

	return err;
}


static int dup_opt(char **dst, const char *src)
{
	return src ? str_dup(dst, src) : 0;
}


static int copy_rules(struct nba *n, const struct nba_rule_def *def,
		      size_t nrules, const struct nba_intent_def *in)
{
	size_t *count;
	int err = 0;

	n->rules = mem_zalloc((nrules + 1) * sizeof(*n->rules), NULL);
	n->by_intent_off = mem_zalloc((n->nintents + 1) *
				      sizeof(*n->by_intent_off), NULL);
	n->by_intent = mem_zalloc((nrules + 1) * sizeof(*n->by_intent),
				  NULL);
	n->any = mem_zalloc((nrules + 1) * sizeof(*n->any), NULL);
	count = mem_zalloc((n->nintents + 1) * sizeof(*count), NULL);
	if (!n->rules || !n->by_intent_off || !n->by_intent || !n->any ||
	    !count) {
		mem_deref(count);
		return ENOMEM;
	}

	for (size_t i = 0; i < nrules; i++) {
		struct nba_rule *r = &n->rules[i];
		const struct nba_rule_def *d = &def[i];

		++n->nrules;
		err |= str_dup(&r->id, d->id);
		err |= dup_opt(&r->queue, d->queue);
		err |= dup_opt(&r->caller_prefix, d->caller_prefix);
		r->intent = d->intent ?
			intent_index(in, n->nintents, d->intent) : -1;
		r->min_confidence = d->min_confidence;
		r->after_s = d->after_s;
		r->leg = !d->leg || !strcmp(d->leg, "customer") ?
			LEG_CUSTOMER : !strcmp(d->leg, "agent") ?
			LEG_AGENT : LEG_ANY;
		r->sentiment_below = d->sentiment_below;
		r->has_sentiment = d->has_sentiment;
		if (d->ndata) {
			r->data = mem_zalloc(d->ndata * sizeof(*r->data),
					     NULL);
			if (!r->data) {
				err = ENOMEM;
				break;
			}
			r->ndata = d->ndata;
			for (size_t j = 0; j < d->ndata; j++)
				err |= str_dup(&r->data[j], d->data[j]);
		}
		if (err)
			break;

		if (r->intent < 0)
			n->any[n->nany++] = (uint32_t)i;
		else
			++count[r->intent];
	}

	if (!err) {
		/* rules per intent, in provisioning order */
		for (size_t i = 0; i < n->nintents; i++)
			n->by_intent_off[i + 1] = n->by_intent_off[i] +
				(uint32_t)count[i];
		memset(count, 0, (n->nintents + 1) * sizeof(*count));
		for (size_t i = 0; i < nrules; i++) {
			int k = n->rules[i].intent;

			if (k >= 0)
				n->by_intent[n->by_intent_off[k] +
					     count[k]++] = (uint32_t)i;
		}
	}

	mem_deref(count);
	return err ? ENOMEM : 0;
}


/* per intent, the names of the needs it learnt from too (lent is sorted
 * by intent; the off-topic talk, after the intents, is none of theirs) */
static int index_lent(struct nba *n, const struct nba_lent *lent,
		      size_t nlent)
{
	n->lent = mem_zalloc((nlent + 1) * sizeof(*n->lent), NULL);
	n->lent_off = mem_zalloc((n->nintents + 1) * sizeof(*n->lent_off),
				 NULL);
	if (!n->lent || !n->lent_off)
		return ENOMEM;

	for (size_t i = 0, l = 0; i < n->nintents; i++) {
		for (; l < nlent && lent[l].intent == i; l++)
			n->lent[l] = lent[l].need->id;
		n->lent_off[i + 1] = (uint32_t)l;
	}

	return 0;
}


int nba_intent_bank(const struct nba *n, const char *intent,
		    struct nba_needs *ns)
{
	for (size_t i = 0; n && intent && ns && i < n->nintents; i++) {
		if (strcmp(n->ids[i], intent))
			continue;
		ns->v = &n->lent[n->lent_off[i]];
		ns->n = n->lent_off[i + 1] - n->lent_off[i];
		return 0;
	}
	return ENOENT;
}


static int alloc(struct nba **np, const struct nba_intent_def *intents,
		 size_t nintents, const struct nba_lent *lent, size_t nlent)
{
	struct nba *n;
	int e = 0;

	n = mem_zalloc(sizeof(*n), destructor);
	if (!n)
		return ENOMEM;

	n->ids = mem_zalloc((nintents + 1) * sizeof(*n->ids), NULL);
	if (!n->ids)
		e = ENOMEM;
	for (size_t i = 0; !e && i < nintents; i++) {
		e = str_dup(&n->ids[i], intents[i].id);
		if (!e)
			++n->nintents;
	}
	for (size_t l = 0; l < nlent; l++)
		if (lent[l].intent >= nintents)
			n->nhidden = 1;
	if (!e)
		e = train(n, intents, lent, nlent);
	if (!e)
		e = index_lent(n, lent, nlent);

	if (e)
		mem_deref(n);
	else
		*np = n;
	return e;
}


int nba_alloc_examples(struct nba **np, const struct nba_intent_def *in,
		       size_t n)
{
	return alloc(np, in, n, NULL, 0);
}


int nba_alloc(struct nba **np, const struct nba_intent_def *intents,
	      size_t nintents, const struct nba_rule_def *rules,
	      size_t nrules, char *err, size_t errsz)
{
	struct nba_lent *lent = NULL;
	struct nba *n = NULL;
	char dummy[1];
	size_t nlent = 0;
	int e;

	if (!np || (nintents && !intents) || (nrules && !rules))
		return EINVAL;

	if (!err || !errsz) {
		err = dummy;
		errsz = sizeof(dummy);
	}
	err[0] = '\0';

	e = check_intents(intents, nintents, err, errsz);
	if (!e)
		e = check_rules(rules, nrules, intents, nintents, err, errsz);
	if (e)
		return e;

	e = nba_bank_expand(intents, nintents, &lent, &nlent);
	if (!e)
		e = alloc(&n, intents, nintents, lent, nlent);
	mem_deref(lent);
	if (!e)
		e = copy_rules(n, rules, nrules, intents);
	if (!e && nlent) {
		n->asks = mem_ref(nba_bank_asks());
		e = nba_bank_profiles(intents, nintents, &n->prof, &n->nprof);
	}

	if (e) {
		snprintf(err, errsz, "out of memory");
		mem_deref(n);
		return e;
	}

	*np = n;
	return 0;
}
