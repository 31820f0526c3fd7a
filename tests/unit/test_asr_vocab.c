/*
 * test_asr_vocab.c — a queue's vocabulary in the PocketSphinx backend:
 * the phrase model (lm.c), and on real speech (espeak-ng, band-limited
 * and u-law coded as a call carries it, through our G.711 decoder) that
 * the vocabulary lowers the word errors on domain sentences, that NULL
 * gives back exactly what the general model said, and that a decoder
 * keeps a bounded number of vocabularies.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sphinxbase/ckd_alloc.h>
#include "asr/asr.h"
#include "asr/lm.h"
#include "asr/ps.h"
#include "unit.h"


static void test_lm_words(void)
{
	char w[4][ASR_LM_WORD_MAX + 1];

	CHECK_EQ(asr_lm_words("Don't reset the ZenTrix-5G, 'please'!", w, 4),
		 4u);
	CHECK_STR(w[0], "don't");
	CHECK_STR(w[1], "reset");
	CHECK_STR(w[2], "the");
	CHECK_STR(w[3], "zentrix");
	CHECK_EQ(asr_lm_words(" ,;- ", w, 4), 0u);

	unsigned n;
	CHECK_EQ(asr_lm_errors("Reset my password.", "reset the password",
			       &n), 1u);
	CHECK_EQ(n, 3u);
	CHECK_EQ(asr_lm_errors("a b c", "", &n), 3u);
	CHECK_EQ(asr_lm_errors("", "x y", &n), 2u);
	CHECK_EQ(n, 0u);
}


/* log10 probability of the n-gram on a line "<logp> <words> [<bo>]" */
static double arpa_logp(const char *txt, const char *words)
{
	size_t len = strlen(words);

	for (const char *l = txt; l && *l; l = strchr(l, '\n')) {
		const char *sp;

		l += *l == '\n';
		sp = strchr(l, ' ');
		if (sp && !strncmp(sp + 1, words, len) &&
		    (sp[1 + len] == ' ' || sp[1 + len] == '\n'))
			return strtod(l, NULL);
	}
	return 1.0;   /* not a log probability */
}


/* the ARPA text: the n-grams counted once each, and absolute
 * discounting's probabilities */
static void test_lm_arpa(void)
{
	const char *phr[] = {"cancel my plan", "upgrade my plan",
			     "Cancel my subscription", "!!"};
	struct mbuf *mb = mbuf_alloc(512);
	char *txt;

	CHECK(mb);
	CHECK_EQ(asr_lm_arpa(mb, phr + 3, 1), ENODATA);
	CHECK_EQ(asr_lm_arpa(mb, phr, 0), ENODATA);
	CHECK_EQ(mb->end, 0u);

	CHECK_EQ(asr_lm_arpa(mb, phr, 4), 0);
	CHECK_EQ(0, mbuf_write_u8(mb, 0));
	txt = (char *)mb->buf;

	/* words: </s> <s> cancel my plan subscription upgrade; bigrams:
	 * <s> cancel, <s> upgrade, cancel my, upgrade my, my plan,
	 * my subscription, plan </s>, subscription </s> */
	CHECK(strstr(txt, "ngram 1=7\nngram 2=8\nngram 3=7\n"));
	CHECK(strstr(txt, "\n-99.0000 <s> "));

	/* after "my": plan 2 of 3, subscription 1 of 3, discounted 0.5
	 * each: (2-0.5)/3 = 0.5, (1-0.5)/3 = 1/6 */
	CHECK(strstr(txt, "\n-0.3010 my plan "));
	CHECK(fabs(arpa_logp(txt, "my plan") - log10(0.5)) < 1e-3);
	CHECK(fabs(arpa_logp(txt, "my subscription") - log10(1 / 6.0)) < 1e-3);
	CHECK(strstr(txt, "\\end\\\n"));

	mem_deref(mb);
}


/* espeak-ng -> 8 kHz telephone band, u-law -> our decoder -> 16 kHz;
 * sox without dither (-D), so the audio is the same on every run */
static int16_t *speak(const char *text, size_t *np)
{
	char cmd[512];
	uint8_t ul[8000 * 10];
	int16_t *pcm, last = 0;
	size_t n;
	FILE *p;

	re_snprintf(cmd, sizeof(cmd), "espeak-ng -v en-us -s 150 --stdout "
		    "'%s' | sox -R -D -t wav - -r 8000 -c 1 -t raw -e mu-law - "
		    "sinc 300-3400 2>/dev/null", text);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	n = fread(ul, 1, sizeof(ul), p);
	if (pclose(p) || n < 4000)
		return NULL;

	pcm = mem_alloc(2 * n * sizeof(*pcm), NULL);
	if (!pcm)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int16_t s = asr_ulaw(ul[i]);

		asr_upsample(pcm + 2 * i, &s, 1, &last);
	}
	*np = 2 * n;
	return pcm;
}


static int recognize(void *dec, const int16_t *pcm, size_t n, char **textp)
{
	const struct asr_backend *be = &asr_pocketsphinx;
	double conf;
	int err;

	err = be->start(dec);
	if (!err)
		err = be->feed(dec, pcm, n);
	if (!err)
		err = be->result(dec, true, textp, &conf);
	return err;
}


static const char *const sentences[] = {
	"my zentrix router keeps restarting",
	"i want to cancel my subscription",
	"please update my payment details",
	"the novalink modem shows a red light",
};

/* the queue's list: its product names and the requests it hears,
 * phrased as an administrator would list them (bench/asr measures
 * phrases that the sentences only partly share) */
static const char *const phrases[] = {
	"zentrix router", "the router keeps restarting", "novalink modem",
	"the modem shows a red light", "i want to cancel my subscription",
	"update my payment details", "reset my password", "billing address",
	"technical support",
};


static void test_vocab_helps(void)
{
	enum { N = sizeof(sentences) / sizeof(sentences[0]) };
	const struct asr_backend *be = &asr_pocketsphinx;
	struct asr_vocab *v = NULL;
	int16_t *pcm[N] = {NULL};
	size_t n[N];
	char *gen[N] = {NULL}, *voc[N] = {NULL}, *back[N] = {NULL};
	unsigned eg = 0, ev = 0, words = 0;
	void *dec = NULL;

	CHECK_EQ(0, asr_vocab_alloc(&v, "q1", phrases,
				    sizeof(phrases) / sizeof(phrases[0])));
	/* against the general model, as measured below (the call-center
	 * default already knows such requests: 18 -> 15 there) */
	CHECK_EQ(0, asr_ps_language_model("general"));
	CHECK_EQ(0, be->open(&dec));
	CHECK_EQ(0, asr_ps_language_model("callcenter"));

	for (size_t i = 0; i < N; i++) {
		pcm[i] = speak(sentences[i], &n[i]);
		if (!pcm[i])
			break;
	}
	for (size_t i = 0; i < N && pcm[N - 1]; i++) {
		unsigned w;

		if (be->vocabulary(dec, NULL) ||
		    recognize(dec, pcm[i], n[i], &gen[i]) ||
		    be->vocabulary(dec, v) ||
		    recognize(dec, pcm[i], n[i], &voc[i]) ||
		    be->vocabulary(dec, NULL) ||
		    recognize(dec, pcm[i], n[i], &back[i]))
			break;

		eg += asr_lm_errors(sentences[i], gen[i], &w);
		ev += asr_lm_errors(sentences[i], voc[i], &w);
		words += w;
		fprintf(stderr, "    \"%s\"\n      general:    \"%s\"\n"
			"      vocabulary: \"%s\"\n", sentences[i], gen[i],
			voc[i]);
	}
	fprintf(stderr, "    word errors: general %u, vocabulary %u "
		"(of %u words)\n", eg, ev, words);

	bool all = back[N - 1] != NULL, same = all;
	for (size_t i = 0; all && i < N; i++)
		same &= !strcmp(gen[i], back[i]);

	for (size_t i = 0; i < N; i++) {
		mem_deref(pcm[i]);
		mem_deref(gen[i]);
		mem_deref(voc[i]);
		mem_deref(back[i]);
	}
	be->close(dec);
	mem_deref(v);

	CHECK(all);                /* espeak-ng, sox and the decoder ran */
	/* measurably better, with a margin: at least 3 fewer errors of
	 * 23 words (measured: 20 general, 15 with the vocabulary) */
	CHECK(ev + 3 <= eg);
	/* NULL is the general model again, word for word */
	CHECK(same);
}


/* "novalink" is in the sentence's result, n times */
static unsigned count_word(const char *text, const char *word)
{
	char w[ASR_LM_PHRASE_WORDS][ASR_LM_WORD_MAX + 1];
	size_t n = asr_lm_words(text, w, ASR_LM_PHRASE_WORDS);
	unsigned c = 0;

	for (size_t i = 0; i < n; i++)
		c += !strcmp(w[i], word);
	return c;
}


/* Product names the dictionary lacks get pronunciations made of the
 * words they are cut into, and are then recognized, with the model and
 * language model a server uses by default. */
static void test_vocab_names(void)
{
	static const char *const said[] = {
		"my zentrix router keeps restarting",
		"the novalink modem shows a red light",
		"i want the skyfiber plan",
	};
	static const char *const name[] = {"zentrix", "novalink", "skyfiber"};
	enum { N = sizeof(said) / sizeof(said[0]) };
	const struct asr_backend *be = &asr_pocketsphinx;
	struct asr_vocab *v = NULL;
	struct mbuf *ph = mbuf_alloc(64);
	unsigned before = 0, after = 0;
	struct asr_ps *d;
	void *dec = NULL;
	bool adapted;

	CHECK(ph);
	CHECK_EQ(0, asr_ps_model(NULL));
	(void)asr_ps_model_dir(&adapted);
	CHECK(adapted);            /* make builds it before the tests */
	CHECK_EQ(0, be->open(&dec));
	d = dec;

	/* the fewest dictionary words, letters said by name last */
	CHECK_EQ(0, asr_ps_spell(d, "novalink", ph));
	CHECK_EQ(0, mbuf_write_u8(ph, 0));
	CHECK_STR((char *)ph->buf, "N OW V AH L IH NG K");
	mbuf_reset(ph);
	CHECK_EQ(0, asr_ps_spell(d, "skyfiber", ph));
	CHECK_EQ(0, mbuf_write_u8(ph, 0));
	CHECK_STR((char *)ph->buf, "S K AY F AY B ER");
	mbuf_reset(ph);
	CHECK_EQ(ENOENT, asr_ps_spell(d, "x25", ph));
	CHECK_EQ(ph->end, 0u);

	CHECK_EQ(0, asr_vocab_alloc(&v, "q", (const char *const[]){
		"zentrix router", "novalink modem", "skyfiber plan",
		"x25 line"}, 4));
	CHECK(!asr_ps_known(d, "novalink"));

	for (size_t i = 0; i < N; i++) {
		size_t n;
		int16_t *pcm = speak(said[i], &n);
		char *a = NULL, *b = NULL;

		CHECK(pcm);
		if (!pcm)
			break;
		CHECK_EQ(0, be->vocabulary(dec, NULL));
		CHECK_EQ(0, recognize(dec, pcm, n, &a));
		CHECK_EQ(0, be->vocabulary(dec, v));
		CHECK_EQ(0, recognize(dec, pcm, n, &b));
		before += count_word(a, name[i]);
		after += count_word(b, name[i]);
		fprintf(stderr, "    \"%s\"\n      base:       \"%s\"\n"
			"      vocabulary: \"%s\"\n", said[i], a, b);
		mem_deref(a);
		mem_deref(b);
		mem_deref(pcm);
	}

	/* the names stay known to later vocabularies; "x25" has no cut */
	CHECK(asr_ps_known(d, "zentrix"));
	CHECK(asr_ps_known(d, "skyfiber"));
	CHECK(!asr_ps_known(d, "x25"));
	CHECK_EQ(0, be->vocabulary(dec, NULL));
	CHECK(asr_ps_known(d, "novalink"));

	be->close(dec);
	mem_deref(v);
	mem_deref(ph);
	CHECK_EQ(0, asr_ps_model(ASR_PS_MODELDIR "/en-us/en-us"));

	CHECK_EQ(before, 0u);      /* without the vocabulary: never */
	CHECK(after >= N - 1);     /* with it: in (nearly) every sentence */
}


/* An administrator's "sounds like": refused when malformed; the word's
 * pronunciation when the dictionary lacks it (instead of the cut by
 * spelling, "es" + "im"), one more variant when it has it. */
static void test_vocab_sounds_like(void)
{
	const struct asr_backend *be = &asr_pocketsphinx;
	struct asr_vocab *v = NULL;
	const char *why = NULL;
	struct asr_ps *d;
	void *dec = NULL;
	char *ph;

	CHECK_EQ(0, asr_vocab_alloc(&v, "q", (const char *const[]){
		"esim card", "x25 line", "cancel my plan"}, 3));
	CHECK_EQ(EINVAL, asr_vocab_sounds(v, "two words", "x", &why));
	CHECK(why && strstr(why, "one lower-case word"));
	CHECK_EQ(EINVAL, asr_vocab_sounds(v, "ESIM", "e sim", &why));
	CHECK_EQ(EINVAL, asr_vocab_sounds(v, "esim", " ,; ", &why));
	CHECK_EQ(EINVAL, asr_vocab_sounds(v, "esim",
					  "a b c d e f g h i", &why));
	CHECK_EQ(0, asr_vocab_sounds(v, "esim", "e sim", &why));
	CHECK_EQ(EINVAL, asr_vocab_sounds(v, "esim", "ee sim", &why));
	CHECK_EQ(0, asr_vocab_sounds(v, "x25", "x twenty five", &why));
	CHECK_EQ(0, asr_vocab_sounds(v, "cancel", "can sell", &why));
	CHECK_EQ(v->nlike, 3u);

	CHECK_EQ(0, be->open(&dec));
	d = dec;
	CHECK(!asr_ps_known(d, "x25"));
	CHECK_EQ(0, be->vocabulary(dec, v));

	ph = ps_lookup_word(d->ps, "esim");
	CHECK(ph && !strcmp(ph, "IY S IH M"));
	ckd_free(ph);
	ph = ps_lookup_word(d->ps, "x25");
	CHECK(ph && !strcmp(ph, "EH K S T W EH N T IY F AY V"));
	ckd_free(ph);
	/* cmudict's own stays first; "can sell" is a variant, unless
	 * cmudict had that already */
	ph = ps_lookup_word(d->ps, "cancel");
	CHECK(ph && !strcmp(ph, "K AE N S AH L"));
	ckd_free(ph);
	bool found = false;
	for (unsigned k = 2; k < 6 && !found; k++) {
		char name[32];

		re_snprintf(name, sizeof(name), "cancel(%u)", k);
		ph = ps_lookup_word(d->ps, name);
		found = ph && !strcmp(ph, "K AE N S EH L");
		ckd_free(ph);
	}
	CHECK(found);

	be->close(dec);
	mem_deref(v);
}


/* Each decoder keeps ASR_PS_CACHE vocabularies, least recently used out;
 * an evicted one is rebuilt when it comes back. */
static void test_vocab_cache(void)
{
	enum { NV = ASR_PS_CACHE + 2 };
	const struct asr_backend *be = &asr_pocketsphinx;
	struct asr_vocab *v[NV] = {NULL};
	struct asr_ps *d;
	void *dec = NULL;
	size_t held;

	for (size_t i = 0; i < NV; i++) {
		char p0[32];
		const char *p[2] = {p0, "technical support"};

		re_snprintf(p0, sizeof(p0), "plan number %zu", i);
		CHECK_EQ(0, asr_vocab_alloc(&v[i], "q", p, 2));
	}
	CHECK_EQ(0, be->open(&dec));
	d = dec;

	for (size_t i = 0; i < NV; i++) {
		CHECK_EQ(0, be->vocabulary(dec, v[i]));
		CHECK_EQ(d->active, v[i]->serial);
		/* v[0] stays in use, so it is never the least recent */
		CHECK_EQ(0, be->vocabulary(dec, v[0]));
	}

	held = 0;
	for (size_t k = 0; k < ASR_PS_CACHE; k++) {
		bool known = false;

		for (size_t i = 0; i < NV; i++)
			known |= d->cache[k].serial == v[i]->serial;
		held += known;
		/* v[1] and v[2] were the least recently used */
		CHECK(d->cache[k].serial != v[1]->serial);
		CHECK(d->cache[k].serial != v[2]->serial);
	}
	CHECK_EQ(held, (size_t)ASR_PS_CACHE);

	/* an evicted vocabulary comes back (rebuilt), and NULL works */
	CHECK_EQ(0, be->vocabulary(dec, v[1]));
	CHECK_EQ(d->active, v[1]->serial);
	CHECK_EQ(0, be->vocabulary(dec, NULL));
	CHECK_EQ(d->active, 0u);

	be->close(dec);
	for (size_t i = 0; i < NV; i++)
		mem_deref(v[i]);
}


UNIT_SUITE(asr_vocab,
	UNIT_CASE(test_lm_words),
	UNIT_CASE(test_lm_arpa),
	UNIT_CASE(test_vocab_helps),
	UNIT_CASE(test_vocab_names),
	UNIT_CASE(test_vocab_sounds_like),
	UNIT_CASE(test_vocab_cache),
);
