/*
 * test_asr_lm.c — the corpus model builder (lm.c, Kneser-Ney) and the
 * backend's choice of language model: Kneser-Ney's numbers on a corpus
 * small enough to work out by hand, every history's distribution
 * summing to one on a corpus of thousands of sentences, words the
 * dictionary lacks left out without joining their neighbours, and the
 * decoder's models for each asr_lm choice.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "asr/asr.h"
#include "asr/lm.h"
#include "asr/ps.h"
#include "unit.h"


/* An ARPA text read back: each n-gram line as "w1 w2 w3" -> logp, bo.
 * Sorted arrays and binary search, as lm.c does. */
struct arpa {
	struct entry {
		char key[3 * (ASR_LM_WORD_MAX + 1)];
		int order;
		double logp, bo;
	} *e;
	size_t n;
	char (*word)[ASR_LM_WORD_MAX + 1];
	size_t nword;
};


static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key,
		      ((const struct entry *)b)->key);
}


static int arpa_read(struct arpa *a, const char *txt)
{
	int order = 0;
	size_t cap = 0;

	for (const char *l = txt; *l; l = strchr(l, '\n') + 1) {
		if (l[0] == '\n')
			continue;
		if (l[0] == '\\') {
			order = l[1] >= '1' && l[1] <= '3' ? l[1] - '0' : 0;
			continue;
		}
		if (order)
			++cap;
		if (!strchr(l, '\n'))
			break;
	}
	a->e = calloc(cap, sizeof(*a->e));
	a->word = calloc(cap, sizeof(*a->word));
	if (!a->e || !a->word)
		return ENOMEM;

	order = 0;
	for (const char *l = txt; *l; l = strchr(l, '\n') + 1) {
		char w[4][ASR_LM_WORD_MAX + 1], line[256];
		const char *nl = strchr(l, '\n');
		struct entry *e;
		double p, bo = 0;
		int k;

		if (l[0] == '\\') {
			order = l[1] >= '1' && l[1] <= '3' ? l[1] - '0' : 0;
			continue;
		}
		if (!order || l[0] == '\n')
			continue;
		/* one line at a time: %s would read on past its end */
		re_snprintf(line, sizeof(line), "%b", l,
			    nl ? (size_t)(nl - l) : strlen(l));
		k = sscanf(line, "%lf %32s %32s %32s %32s", &p, w[0], w[1],
			   w[2], w[3]);
		if (k < order + 1)
			return EINVAL;
		if (k == order + 2)
			bo = atof(w[order]);
		e = &a->e[a->n++];
		e->order = order;
		e->logp = p;
		e->bo = bo;
		strcpy(e->key, w[0]);
		for (int i = 1; i < order; i++) {
			strcat(e->key, " ");
			strcat(e->key, w[i]);
		}
		if (order == 1)
			strcpy(a->word[a->nword++], w[0]);
	}
	qsort(a->e, a->n, sizeof(*a->e), entry_cmp);
	return 0;
}


static const struct entry *arpa_find(const struct arpa *a, const char *key)
{
	struct entry k;

	re_snprintf(k.key, sizeof(k.key), "%s", key);
	return bsearch(&k, a->e, a->n, sizeof(*a->e), entry_cmp);
}


/* p(w | h) by the ARPA back-off rule; h is "", "v" or "u v" */
static double arpa_p(const struct arpa *a, const char *h, const char *w)
{
	char key[sizeof(((struct entry *)0)->key) + 40];
	const struct entry *e, *he;
	const char *sp;

	re_snprintf(key, sizeof(key), "%s%s%s", h, *h ? " " : "", w);
	e = arpa_find(a, key);
	if (e)
		return pow(10, e->logp);
	if (!*h)
		return 0;
	he = arpa_find(a, h);
	sp = strchr(h, ' ');
	return (he ? pow(10, he->bo) : 1.0) * arpa_p(a, sp ? sp + 1 : "", w);
}


static void arpa_free(struct arpa *a)
{
	free(a->e);
	free(a->word);
}


/* Kneser-Ney worked out by hand (lower orders count contexts):
 * bigram D2 = 6 / (6 + 2*2) = 0.6, trigram D3 = 5 / (5 + 2*2) = 5/9;
 * unigrams by the bigram types ending in them (8 in all): my 2/8,
 * plan 1/8; after "my": plan 2 contexts, subscription 1, so
 * gamma(my) = 0.6 * 2 / 3 = 0.4 and p(plan | my) = 1.4/3 + 0.4/8;
 * after "cancel my": plan 1, subscription 1, gamma = 5/9 and
 * p(plan | cancel my) = (4/9)/2 + 5/9 * p(plan | my). */
static void test_kn_by_hand(void)
{
	const char *phr[] = {"cancel my plan", "upgrade my plan",
			     "cancel my subscription"};
	const struct asr_lm_opt opt = {.smooth = ASR_LM_KNESER_NEY};
	struct asr_lm_stats st;
	struct mbuf *mb = mbuf_alloc(512);
	struct arpa a = {0};
	const struct entry *e;
	double p2 = 1.4 / 3 + 0.4 / 8;

	CHECK(mb);
	CHECK_EQ(0, asr_lm_arpa_opt(mb, phr, 3, &opt, &st));
	CHECK_EQ(0, mbuf_write_u8(mb, 0));
	CHECK_EQ(0, arpa_read(&a, (char *)mb->buf));
	mem_deref(mb);

	CHECK(fabs(st.discount[1] - 0.6) < 1e-9);
	CHECK(fabs(st.discount[2] - 5 / 9.0) < 1e-9);
	CHECK_EQ(st.sentences, 3u);
	CHECK_EQ(st.tokens, 9u);
	CHECK_EQ(st.words, 5u);

	CHECK(fabs(arpa_p(&a, "", "my") - 0.25) < 1e-3);
	CHECK(fabs(arpa_p(&a, "my", "plan") - p2) < 1e-3);
	CHECK((e = arpa_find(&a, "my")) != NULL);
	CHECK(fabs(e->bo - log10(0.4)) < 1e-3);
	CHECK(fabs(arpa_p(&a, "cancel my", "plan") -
		   ((4 / 9.0) / 2 + 5 / 9.0 * p2)) < 1e-3);
	/* unseen after "upgrade my": gamma times the bigram */
	CHECK(fabs(arpa_p(&a, "upgrade my", "subscription") -
		   5 / 9.0 * (0.4 / 3 + 0.4 / 8)) < 1e-3);
	arpa_free(&a);
}


/* a corpus of thousands of varied sentences, from a fixed generator */
static char **corpus(size_t n)
{
	static const char *const who[] = {"i", "we", "my husband", "she",
					  "the customer", "my daughter"};
	static const char *const verb[] = {"want to", "would like to",
					   "need to", "cannot", "tried to"};
	static const char *const act[] = {"cancel", "upgrade", "pay",
					  "change", "check", "renew",
					  "transfer", "close"};
	static const char *const obj[] = {"my plan", "the bill", "our order",
					  "the account", "a payment",
					  "my subscription", "the contract"};
	static const char *const tail[] = {"", " today", " please",
					   " this month", " right now",
					   " before friday"};
	char **s = mem_zalloc(n * sizeof(*s), NULL);
	uint32_t x = 12345;

	for (size_t i = 0; s && i < n; i++) {
		uint32_t r[5];

		for (int k = 0; k < 5; k++) {
			x = x * 1103515245u + 12345u;
			r[k] = x >> 16;
		}
		if (re_sdprintf(&s[i], "%s %s %s %s%s",
				who[r[0] % ARRAY_SIZE(who)],
				verb[r[1] % ARRAY_SIZE(verb)],
				act[r[2] % ARRAY_SIZE(act)],
				obj[r[3] % ARRAY_SIZE(obj)],
				tail[r[4] % ARRAY_SIZE(tail)]))
			return NULL;
	}
	return s;
}


static void corpus_free(char **s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		mem_deref(s[i]);
	mem_deref(s);
}


/* every history's distribution over the words sums to one, for both
 * smoothings, on 5,000 sentences (more than a queue may have phrases) */
static void test_sums_to_one(void)
{
	enum { N = 5000 };
	char **s = corpus(N);
	double worst[2] = {0, 0};
	size_t hists = 0;

	CHECK(s);
	for (int sm = 0; sm < 2; sm++) {
		const struct asr_lm_opt opt = {
			.smooth = sm ? ASR_LM_KNESER_NEY : ASR_LM_ABSOLUTE};
		struct asr_lm_stats st;
		struct mbuf *mb = mbuf_alloc(1 << 16);
		struct arpa a = {0};
		int err;

		CHECK(mb);
		err = asr_lm_arpa_opt(mb, (const char *const *)s, N, &opt,
				      &st);
		if (!err)
			err = mbuf_write_u8(mb, 0);
		if (!err)
			err = arpa_read(&a, (char *)mb->buf);
		mem_deref(mb);
		CHECK_EQ(err, 0);
		CHECK_EQ(st.sentences, (size_t)N);
		CHECK(st.ngrams[2] > 300);

		hists = 0;
		for (size_t i = 0; i < a.n; i++) {
			const struct entry *h = &a.e[i];
			double sum = 0;

			/* a history: a unigram or bigram not ending the
			 * sentence (<s> included, as it starts them) */
			if (h->order == 3 || strstr(h->key, "</s>"))
				continue;
			for (size_t w = 0; w < a.nword; w++) {
				if (strcmp(a.word[w], "<s>"))
					sum += arpa_p(&a, h->key, a.word[w]);
			}
			if (fabs(sum - 1) > worst[sm])
				worst[sm] = fabs(sum - 1);
			++hists;
		}
		arpa_free(&a);
		CHECK(hists > 100);
	}
	corpus_free(s, N);

	fprintf(stderr, "    %zu histories: |sum - 1| at most %.5f "
		"(absolute), %.5f (Kneser-Ney)\n", hists, worst[0], worst[1]);
	/* the ARPA text rounds each log10 to 4 decimals */
	CHECK(worst[0] < 2e-3);
	CHECK(worst[1] < 2e-3);
}


static bool no_zentrix(const char *word, void *arg)
{
	(void)arg;
	return strcmp(word, "zentrix") != 0;
}


/* a refused word is out of the model and its neighbours are not made
 * neighbours; a line of refused words only is not a sentence */
static void test_unknown_words(void)
{
	const char *lines[] = {"reset the zentrix router", "zentrix",
			       "fix the router",
			       ("a b c d e f g h i j k l m n o p q r s t u v "
				"w x y z aa bb cc dd ee ff gg")};
	const struct asr_lm_opt opt = {.smooth = ASR_LM_KNESER_NEY,
				       .known = no_zentrix};
	struct asr_lm_stats st;
	struct mbuf *mb = mbuf_alloc(4096);
	struct arpa a = {0};

	CHECK(mb);
	CHECK_EQ(0, asr_lm_arpa_opt(mb, lines, 4, &opt, &st));
	CHECK_EQ(0, mbuf_write_u8(mb, 0));
	CHECK_EQ(0, arpa_read(&a, (char *)mb->buf));
	mem_deref(mb);

	CHECK_EQ(st.oov_tokens, 2u);
	CHECK_EQ(st.sentences, 3u);
	CHECK_EQ(st.cut, 1u);
	CHECK(!arpa_find(&a, "zentrix"));
	CHECK(arpa_find(&a, "the router"));     /* from the third line */
	CHECK(arpa_find(&a, "<s> reset the"));  /* before zentrix */
	CHECK(arpa_find(&a, "router </s>"));
	/* not joined around it */
	CHECK(!arpa_find(&a, "reset the router"));
	/* the 33rd word of the long line is cut */
	CHECK(arpa_find(&a, "ff"));
	CHECK(!arpa_find(&a, "gg"));
	arpa_free(&a);

	CHECK_EQ(asr_lm_arpa_opt(mb = mbuf_alloc(64), lines + 1, 1, &opt,
				 &st), ENODATA);
	mem_deref(mb);
}


static void test_language_model_choice(void)
{
	CHECK_EQ(asr_ps_language_model(NULL), EINVAL);
	CHECK_EQ(asr_ps_language_model(""), EINVAL);
	CHECK_EQ(asr_ps_language_model("/nonexistent/model.arpa"), ENOENT);
	CHECK_EQ(asr_ps_language_model("general"), 0);
	/* the build made it (the Makefile's callcenter.arpa) */
	CHECK_EQ(asr_ps_language_model("mixed"), 0);
	CHECK_EQ(asr_ps_language_model("callcenter"), 0);
}


/* the default decoder searches the call-center model alone, "mixed"
 * interpolates it with the general one, and a vocabulary adds its model
 * to either */
static void test_decoder_models(void)
{
	const struct backend_case {
		const char *lm;
		size_t nlm;
		const char *first;
	} cases[] = {
		{"callcenter", 1, "callcenter"},
		{"mixed", 2, "general"},
		{"general", 1, "general"},
	};
	const struct asr_backend *be = &asr_pocketsphinx;
	const char *phr[] = {"zentrix router", "reset my password"};
	struct asr_vocab *v = NULL;

	CHECK_EQ(0, asr_vocab_alloc(&v, "q", phr, 2));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct backend_case *c = &cases[i];
		struct asr_ps *d;
		void *dec = NULL;
		float sum = 0;
		bool cc = strcmp(c->lm, "general") != 0;

		CHECK_EQ(0, asr_ps_language_model(c->lm));
		CHECK_EQ(0, be->open(&dec));
		d = dec;
		CHECK_EQ(d->nlm, c->nlm);
		CHECK_STR(d->lmname[0], c->first);
		for (size_t k = 0; k < d->nlm; k++)
			sum += d->w[k];
		CHECK(fabsf(sum - 1) < 1e-6f);
		/* the call-center model knows its corpus's words, the
		 * general one a great many more */
		CHECK(ngram_unknown_wid(d->lm[d->nlm - 1]) !=
		      ngram_wid(d->lm[d->nlm - 1], "account"));
		CHECK_EQ(cc, ngram_model_get_counts(d->lm[d->nlm - 1])[0] < 10000);
		CHECK_EQ(0, be->vocabulary(dec, v));
		CHECK_EQ(d->active, v->serial);
		CHECK_EQ(0, be->vocabulary(dec, NULL));
		CHECK_EQ(d->active, 0u);
		be->close(dec);
	}
	mem_deref(v);

	CHECK_EQ(0, asr_ps_language_model("callcenter"));
}


UNIT_SUITE(asr_lm,
	UNIT_CASE(test_kn_by_hand),
	UNIT_CASE(test_sums_to_one),
	UNIT_CASE(test_unknown_words),
	UNIT_CASE(test_language_model_choice),
	UNIT_CASE(test_decoder_models),
);
