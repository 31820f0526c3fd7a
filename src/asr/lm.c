/*
 * lm.c — trigram ARPA models: a queue's phrases, or a corpus.
 *
 * A queue's vocabulary is a few dozen to a few hundred short phrases, so
 * the counts are tiny: absolute discounting (D = 0.5) with Katz-style
 * back-off weights is enough, and keeps every n-gram seen in a phrase
 * clearly likelier than what the general model would give it. The
 * model is closed-vocabulary on purpose: the backend interpolates it
 * with the general model, which covers every other word.
 *
 * A corpus (thousands of sentences) may be smoothed with interpolated
 * Kneser-Ney instead: lower orders count in how many contexts a word
 * or pair was seen, not how often, so a word frequent in one fixed
 * phrase ("thank you for calling") does not get a high probability
 * everywhere; D per order is Ney's estimate n1 / (n1 + 2 n2) from the
 * counts of counts. In ARPA form an interpolated model is exact: each
 * seen n-gram stores its interpolated probability and each history its
 * interpolation weight as the back-off weight. It predicts held-out
 * text better, yet the call-center model is built with absolute
 * discounting: that had fewer word errors on telephone speech
 * (tools/asr_lm.c says by how much).
 *
 * Everything is arrays sorted by word id and binary search: the work
 * stays O(N log N) in the text's size.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "asr/lm.h"

#define DISCOUNT 0.5

/* a word known() refused: n-grams holding it are not counted */
#define UNK UINT32_MAX

struct gram {
	uint32_t w[3];
	uint32_t c;                /* occurrences */
	uint32_t e;                /* the count estimated with (KN: contexts) */
	double p, bo;              /* probability; back-off as a history */
};

struct grams {
	struct gram *g;
	size_t n;
};

struct model {
	const struct asr_lm_opt *opt;
	struct asr_lm_stats *st;
	char (*tok)[ASR_LM_WORD_MAX + 1];
	size_t ntok;
	const char **vocab;        /* sorted, unique */
	size_t nvocab;
	uint32_t bos, eos;
	struct grams o[3];
};


size_t asr_lm_words(const char *phrase, char words[][ASR_LM_WORD_MAX + 1],
		    size_t max)
{
	size_t n = 0, len = 0;

	if (!phrase)
		return 0;

	for (const char *p = phrase; n < max; p++) {
		char ch = *p;
		bool in = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (ch >= 'A' && ch <= 'Z') {
			ch = (char)(ch - 'A' + 'a');
			in = true;
		}
		/* an apostrophe inside a word ("don't"), not around it */
		if (ch == '\'' && len && ((p[1] >= 'a' && p[1] <= 'z') ||
					  (p[1] >= 'A' && p[1] <= 'Z')))
			in = true;

		if (in) {
			if (len < ASR_LM_WORD_MAX)
				words[n][len++] = ch;
			continue;
		}

		if (len) {
			words[n++][len] = '\0';
			len = 0;
		}
		if (!ch)
			break;
	}

	return n;
}


unsigned asr_lm_errors(const char *ref, const char *hyp, unsigned *nref)
{
	enum { N = ASR_LM_PHRASE_WORDS };
	char r[N][ASR_LM_WORD_MAX + 1], h[N][ASR_LM_WORD_MAX + 1];
	unsigned d[N + 1][N + 1];
	size_t nr = asr_lm_words(ref, r, N), nh = asr_lm_words(hyp, h, N);

	for (size_t i = 0; i <= nr; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= nh; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= nr; i++) {
		for (size_t j = 1; j <= nh; j++) {
			unsigned sub = d[i - 1][j - 1] +
				(strcmp(r[i - 1], h[j - 1]) != 0);
			unsigned del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			unsigned m = sub < del ? sub : del;

			d[i][j] = m < ins ? m : ins;
		}
	}

	if (nref)
		*nref = (unsigned)nr;
	return d[nr][nh];
}


static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}


static uint32_t wid(const struct model *m, const char *w)
{
	const char **p = bsearch(&w, m->vocab, m->nvocab, sizeof(*m->vocab),
				 strp_cmp);

	return (uint32_t)(p - m->vocab);
}


static int gram_cmp(const void *a, const void *b)
{
	const struct gram *x = a, *y = b;

	for (int i = 0; i < 3; i++) {
		if (x->w[i] != y->w[i])
			return x->w[i] < y->w[i] ? -1 : 1;
	}
	return 0;
}


/* sort and merge the occurrences into counts */
static void grams_merge(struct grams *gs)
{
	size_t out = 0;

	qsort(gs->g, gs->n, sizeof(*gs->g), gram_cmp);
	for (size_t i = 0; i < gs->n; i++) {
		if (out && !gram_cmp(&gs->g[out - 1], &gs->g[i]))
			gs->g[out - 1].c += gs->g[i].c;
		else
			gs->g[out++] = gs->g[i];
	}
	gs->n = out;
}


static struct gram *gram_find(const struct grams *gs, uint32_t a,
			      uint32_t b, uint32_t c)
{
	struct gram key = {.w = {a, b, c}};

	return bsearch(&key, gs->g, gs->n, sizeof(*gs->g), gram_cmp);
}


static void model_destructor(void *arg)
{
	struct model *m = arg;

	mem_deref(m->tok);
	mem_deref(m->vocab);
	for (int i = 0; i < 3; i++)
		mem_deref(m->o[i].g);
}


/* every word of every line into m->tok, a line ending at an empty
 * string, a refused word as "\1"; the vocabulary from them */
static int tokenize(struct model *m, const char *const *lines, size_t n)
{
	char w[ASR_LM_PHRASE_WORDS + 1][ASR_LM_WORD_MAX + 1];
	size_t cap;

	if (n > SIZE_MAX / sizeof(*m->tok) / (ASR_LM_PHRASE_WORDS + 1))
		return EOVERFLOW;
	cap = n * (ASR_LM_PHRASE_WORDS + 1);
	m->tok = mem_zalloc(cap * sizeof(*m->tok), NULL);
	if (!m->tok)
		return ENOMEM;

	for (size_t i = 0; i < n; i++) {
		size_t k = asr_lm_words(lines[i], w, ASR_LM_PHRASE_WORDS + 1);
		size_t known = 0;

		if (k > ASR_LM_PHRASE_WORDS) {
			k = ASR_LM_PHRASE_WORDS;
			++m->st->cut;
		}
		for (size_t j = 0; j < k; j++) {
			if (m->opt->known &&
			    !m->opt->known(w[j], m->opt->arg)) {
				++m->st->oov_tokens;
				w[j][0] = '\1';
				w[j][1] = '\0';
			}
			else {
				++known;
			}
		}
		if (!known)
			continue;

		memcpy(&m->tok[m->ntok], w, k * sizeof(*w));
		m->ntok += k;
		m->tok[m->ntok++][0] = '\0';
		++m->st->sentences;
		m->st->tokens += known;
	}

	m->vocab = mem_zalloc((m->ntok + 2) * sizeof(*m->vocab), NULL);
	if (!m->vocab)
		return ENOMEM;

	for (size_t i = 0; i < m->ntok; i++) {
		if (m->tok[i][0])
			m->vocab[m->nvocab++] = m->tok[i];
	}
	if (!m->nvocab)
		return ENODATA;

	m->vocab[m->nvocab++] = "<s>";
	m->vocab[m->nvocab++] = "</s>";
	qsort(m->vocab, m->nvocab, sizeof(*m->vocab), strp_cmp);

	size_t out = 0;
	for (size_t i = 0; i < m->nvocab; i++) {
		/* refused words ("\1") are no word of the model */
		if (m->vocab[i][0] == '\1' ||
		    (out && !strcmp(m->vocab[out - 1], m->vocab[i])))
			continue;
		m->vocab[out++] = m->vocab[i];
	}
	m->nvocab = out;
	m->st->words = m->nvocab - 2;
	m->bos = wid(m, "<s>");
	m->eos = wid(m, "</s>");
	return 0;
}


static int count(struct model *m)
{
	size_t cap = m->ntok * 2 + 2;
	uint32_t h1 = 0, h2 = 0;
	size_t pos = 0;

	for (int i = 0; i < 3; i++) {
		m->o[i].g = mem_zalloc(cap * sizeof(*m->o[i].g), NULL);
		if (!m->o[i].g)
			return ENOMEM;
	}

	/* each line: <s> w1 .. wk </s>, where </s> is the empty token */
	for (size_t i = 0; i < m->ntok; i++) {
		const char *t = m->tok[i];
		uint32_t w = !t[0] ? m->eos : t[0] == '\1' ? UNK : wid(m, t);

		if (pos == 0) {
			h1 = m->bos;
			h2 = m->bos;
		}
		if (w != UNK) {
			m->o[0].g[m->o[0].n++] =
				(struct gram){.w = {w}, .c = 1};
			if (h2 != UNK)
				m->o[1].g[m->o[1].n++] =
					(struct gram){.w = {h2, w}, .c = 1};
			if (pos > 0 && h1 != UNK && h2 != UNK)
				m->o[2].g[m->o[2].n++] =
					(struct gram){.w = {h1, h2, w}, .c = 1};
		}
		h1 = h2;
		h2 = w;
		pos = w == m->eos ? 0 : pos + 1;
	}

	/* <s> is a unigram too (never predicted): it holds the back-off
	 * weight of phrase starts */
	m->o[0].g[m->o[0].n++] = (struct gram){.w = {m->bos}, .c = 0};

	for (int i = 0; i < 3; i++) {
		grams_merge(&m->o[i]);
		for (size_t k = 0; k < m->o[i].n; k++)
			m->o[i].g[k].e = m->o[i].g[k].c;
		m->st->ngrams[i] = i ? m->o[i].n : m->nvocab;
	}

	return 0;
}


/* The gram of order k (1 or 2) made of the k words at w: a history of
 * the order above, or the lower-order gram a back-off lands on. */
static struct gram *gram_of(struct model *m, int k, const uint32_t *w)
{
	return k == 1 ? gram_find(&m->o[0], w[0], 0, 0) :
		gram_find(&m->o[1], w[0], w[1], 0);
}


/* Unigram probabilities: maximum likelihood over the counts in .e
 * (plain counts, or Kneser-Ney's continuation counts). */
static void estimate_unigrams(struct grams *u)
{
	uint64_t total = 0;

	for (size_t i = 0; i < u->n; i++)
		total += u->g[i].e;
	for (size_t i = 0; i < u->n; i++)
		u->g[i].p = (double)u->g[i].e / (double)total;
}


/* Where the n-grams of order k that share g[i]'s history (its first k
 * words) end: the order is sorted, so they are adjacent. */
static size_t history_end(const struct grams *gs, size_t i, int k)
{
	size_t j = i;

	while (j < gs->n && !memcmp(gs->g[j].w, gs->g[i].w,
				    k * sizeof(uint32_t)))
		j++;
	return j;
}


/* The order-k grams (k = 1, 2) sharing a history sit together: their
 * discounted probabilities, and the history's back-off weight, which
 * gives what the discount freed to the next lower order's probability of
 * the words not seen after this history. */
static void estimate_absolute(struct model *m)
{
	estimate_unigrams(&m->o[0]);

	for (int k = 1; k < 3; k++) {
		struct grams *gs = &m->o[k];

		m->st->discount[k] = DISCOUNT;
		for (size_t i = 0, j; i < gs->n; i = j) {
			uint64_t c = 0;
			double lower = 0;
			struct gram *hist;
			size_t types;

			j = history_end(gs, i, k);
			for (size_t x = i; x < j; x++) {
				c += gs->g[x].c;
				lower += gram_of(m, k, gs->g[x].w + 1)->p;
			}
			types = j - i;

			for (size_t x = i; x < j; x++)
				gs->g[x].p = (gs->g[x].c - DISCOUNT) / (double)c;

			hist = gram_of(m, k, gs->g[i].w);
			if (hist) {
				double left = 1.0 - lower;

				hist->bo = DISCOUNT * (double)types / (double)c /
					(left > 1e-6 ? left : 1e-6);
			}
		}
	}
}


/* Kneser-Ney's counts below the top order: in how many contexts an
 * n-gram was seen (distinct words before it). A pair starting with <s>
 * has no word before it, so it keeps its count. */
static void continuation_counts(struct model *m)
{
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < m->o[k].n; i++) {
			struct gram *g = &m->o[k].g[i];

			g->e = k == 1 && g->w[0] == m->bos ? g->c : 0;
		}
		/* each type of the order above adds one context */
		for (size_t i = 0; i < m->o[k + 1].n; i++) {
			const uint32_t *w = m->o[k + 1].g[i].w;
			struct gram *g = gram_find(&m->o[k], w[1],
						   k ? w[2] : 0, 0);

			if (g && !(k == 1 && w[1] == m->bos))
				++g->e;
		}
	}
}


/* Ney's D = n1 / (n1 + 2 n2); 0.5 when the counts say nothing */
static double ney_discount(const struct grams *gs)
{
	size_t n1 = 0, n2 = 0;
	double d;

	for (size_t i = 0; i < gs->n; i++) {
		n1 += gs->g[i].e == 1;
		n2 += gs->g[i].e == 2;
	}
	if (!n1 || !n2)
		return DISCOUNT;
	d = (double)n1 / (double)(n1 + 2 * n2);
	return d < 0.05 ? 0.05 : d > 0.95 ? 0.95 : d;
}


static void estimate_kn(struct model *m)
{
	continuation_counts(m);
	estimate_unigrams(&m->o[0]);

	for (int k = 1; k < 3; k++) {
		struct grams *gs = &m->o[k];
		double d = ney_discount(gs);

		m->st->discount[k] = d;
		for (size_t i = 0, j; i < gs->n; i = j) {
			uint64_t c = 0;
			struct gram *hist;
			double gamma;

			j = history_end(gs, i, k);
			for (size_t x = i; x < j; x++)
				c += gs->g[x].e;

			/* the mass the discount freed, spread over the
			 * lower order: the history's back-off weight */
			gamma = d * (double)(j - i) / (double)c;
			for (size_t x = i; x < j; x++) {
				const struct gram *lo =
					gram_of(m, k, gs->g[x].w + 1);

				gs->g[x].p = (gs->g[x].e - d) / (double)c +
					gamma * lo->p;
			}

			hist = gram_of(m, k, gs->g[i].w);
			if (hist)
				hist->bo = gamma;
		}
	}
}


static int write_arpa(struct mbuf *mb, const struct model *m)
{
	int err;

	err = mbuf_printf(mb, "\\data\\\nngram 1=%zu\nngram 2=%zu\n"
			  "ngram 3=%zu\n", m->nvocab, m->o[1].n, m->o[2].n);

	/* <s> only starts phrases: never predicted, but a history */
	err |= mbuf_printf(mb, "\n\\1-grams:\n");
	for (size_t w = 0; w < m->nvocab; w++) {
		const struct gram *g = gram_find(&m->o[0], (uint32_t)w, 0, 0);
		double p = g && g->p > 0 ? log10(g->p) : -99.0;
		double bo = g && g->bo > 0 ? log10(g->bo) : 0;

		if (w == m->bos)
			p = -99.0;
		err |= mbuf_printf(mb, "%.4f %s %.4f\n", p, m->vocab[w], bo);
	}

	err |= mbuf_printf(mb, "\n\\2-grams:\n");
	for (size_t i = 0; i < m->o[1].n; i++) {
		const struct gram *g = &m->o[1].g[i];

		err |= mbuf_printf(mb, "%.4f %s %s %.4f\n", log10(g->p),
				   m->vocab[g->w[0]], m->vocab[g->w[1]],
				   g->bo > 0 ? log10(g->bo) : 0);
	}

	err |= mbuf_printf(mb, "\n\\3-grams:\n");
	for (size_t i = 0; i < m->o[2].n; i++) {
		const struct gram *g = &m->o[2].g[i];

		err |= mbuf_printf(mb, "%.4f %s %s %s\n", log10(g->p),
				   m->vocab[g->w[0]], m->vocab[g->w[1]],
				   m->vocab[g->w[2]]);
	}

	err |= mbuf_printf(mb, "\n\\end\\\n");
	return err ? ENOMEM : 0;
}


int asr_lm_arpa_opt(struct mbuf *mb, const char *const *lines, size_t n,
		    const struct asr_lm_opt *opt, struct asr_lm_stats *stats)
{
	static const struct asr_lm_opt dflt = {.smooth = ASR_LM_ABSOLUTE};
	struct asr_lm_stats st0;
	struct model *m;
	int err;

	if (!mb || (n && !lines))
		return EINVAL;
	if (!n)
		return ENODATA;

	m = mem_zalloc(sizeof(*m), model_destructor);
	if (!m)
		return ENOMEM;
	m->opt = opt ? opt : &dflt;
	m->st = stats ? stats : &st0;
	memset(m->st, 0, sizeof(*m->st));

	err = tokenize(m, lines, n);
	if (!err)
		err = count(m);
	if (!err) {
		if (m->opt->smooth == ASR_LM_KNESER_NEY)
			estimate_kn(m);
		else
			estimate_absolute(m);
		err = write_arpa(mb, m);
	}

	mem_deref(m);
	return err;
}


int asr_lm_arpa(struct mbuf *mb, const char *const *phrases, size_t n)
{
	return asr_lm_arpa_opt(mb, phrases,
			       n > ASR_LM_PHRASES ? ASR_LM_PHRASES : n,
			       NULL, NULL);
}
