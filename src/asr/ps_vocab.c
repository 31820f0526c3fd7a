/*
 * ps_vocab.c — a domain vocabulary in a PocketSphinx decoder.
 *
 * With the default base search (the call-center model of this build,
 * pocketsphinx.c) the phrases become more lines of its corpus, and the
 * model is built again with them (~0.3 s): the vocabulary's search is
 * that one model, or it mixed with the general model as the base is.
 * Other bases (the general model, a model of the administrator's) get
 * a small trigram model of the phrases alone interpolated with them
 * (ngram_model_set, DOMAIN_WEIGHT). The result is a named n-gram search
 * of the decoder ("v" + serial), kept for the next utterances of the
 * same vocabulary.
 *
 * Interpolating over the call-center base made the bench worse (WER
 * 15.2 -> 16.5 %), at any weight tried; one model of corpus and phrases
 * does no harm (15.2 %). What helps is the words the dictionary lacks:
 * product names, pronounced by ps_dict.c before the model is built
 * (15.2 -> 8.4 %, docs/PERFORMANCE.md "Queue vocabulary").
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <pocketsphinx.h>
#include <sphinxbase/ngram_model.h>
#include <re.h>
#include "asr/asr.h"
#include "asr/lm.h"
#include "asr/ps.h"
#include "util/file.h"

#ifndef ASR_CC_TXT
#define ASR_CC_TXT "data/asr/callcenter.txt"
#endif

/* share of the domain model in the interpolation: see docs/NOTES.md
 * "ASR" for what was measured */
#define DOMAIN_WEIGHT 0.3f

static void search_name(char *buf, size_t sz, uint64_t serial)
{
	(void)re_snprintf(buf, sz, "v%llu", (unsigned long long)serial);
}


/* the corpus of the call-center model, read once for all decoders */
static struct {
	pthread_once_t once;
	char *text;
	char **line;
	size_t n;
} corpus = {.once = PTHREAD_ONCE_INIT};


static void corpus_load(void)
{
	if (file_lines(ASR_CC_TXT, &corpus.text, &corpus.line, &corpus.n))
		corpus.n = 0;
}


static bool known(const char *word, void *arg)
{
	return asr_ps_known(arg, word);
}


/* The call-center corpus with the phrases as more lines of it, built as
 * tools/asr_lm builds the base model; ENOENT: no corpus. */
static int corpus_arpa(struct asr_ps *d, const struct asr_vocab *v,
		       struct mbuf *mb)
{
	struct asr_lm_opt opt = {ASR_LM_ABSOLUTE, known, d};
	const char **lines;
	size_t n = 0;
	int err;

	pthread_once(&corpus.once, corpus_load);
	if (!corpus.n)
		return ENOENT;

	lines = mem_alloc((corpus.n + v->n) * sizeof(*lines), NULL);
	if (!lines)
		return ENOMEM;
	for (size_t i = 0; i < corpus.n; i++)
		lines[n++] = corpus.line[i];
	for (size_t i = 0; i < v->n; i++)
		lines[n++] = v->phrases[i];

	err = asr_lm_arpa_opt(mb, lines, n, &opt, NULL);
	mem_deref(lines);
	return err;
}


/* the vocabulary's model: the corpus and the phrases when the base
 * search has the corpus's model, else the phrases alone */
static ngram_model_t *domain_lm(struct asr_ps *d, const struct asr_vocab *v,
				bool *whole, int *errp)
{
	struct mbuf *mb = mbuf_alloc(d->cc >= 0 ? 1 << 20 : 4096);
	ngram_model_t *lm = NULL;
	char path[64];
	int fd = -1, err;

	if (!mb) {
		*errp = ENOMEM;
		return NULL;
	}

	err = d->cc >= 0 ? corpus_arpa(d, v, mb) : ENOENT;
	*whole = !err;
	if (err == ENOENT) {
		mbuf_reset(mb);
		err = asr_lm_arpa(mb, (const char *const *)v->phrases, v->n);
	}
	if (!err)
		err = asr_ps_memfd(&fd, (const struct mbuf *const *)&mb, 1);
	if (err)
		goto out;

	(void)re_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* the model takes its own reference to the decoder's log-math
	 * (this sphinxbase retains it, whatever its header says) */
	lm = ngram_model_read(ps_get_config(d->ps), path, NGRAM_ARPA,
			      ps_get_logmath(d->ps));
	if (!lm)
		err = EINVAL;

 out:
	if (fd >= 0)
		close(fd);
	mem_deref(mb);
	*errp = err;
	return lm;
}


/* The vocabulary's search: the base search's models, the call-center
 * one replaced by the same corpus with the phrases in it; or, without
 * that corpus, the base models with the phrases' own model interpolated
 * (their weights scaled by what the domain model leaves). */
static int build(struct asr_ps *d, const struct asr_vocab *v,
		 const char *name)
{
	ngram_model_t *domain, *set;
	ngram_model_t *lms[ASR_PS_BASE_MAX + 1];
	char *names[ASR_PS_BASE_MAX + 1];
	float32 w[ASR_PS_BASE_MAX + 1];
	size_t n = d->nlm;
	bool whole;
	int err;

	if (!n)
		return ENOENT;

	/* first the words it lacks, so that the model can keep them */
	err = asr_ps_pronounce(d, v, NULL);
	if (err)
		return err;

	domain = domain_lm(d, v, &whole, &err);
	if (!domain)
		return err;

	for (size_t i = 0; i < n; i++) {
		lms[i] = whole && (int)i == d->cc ? domain : d->lm[i];
		names[i] = (char *)d->lmname[i];
		w[i] = d->w[i] * (whole ? 1.0f : 1.0f - DOMAIN_WEIGHT);
	}
	if (!whole) {
		lms[n] = domain;
		names[n] = "domain";
		w[n++] = DOMAIN_WEIGHT;
	}

	/* the set takes its own references (this sphinxbase retains
	 * them; LeakSanitizer caught an extra one on the general model) */
	set = n == 1 ? ngram_model_retain(domain) :
		ngram_model_set_init(ps_get_config(d->ps), lms, names, w,
				     (int32)n);
	ngram_model_free(domain);
	if (!set)
		return ENOMEM;

	/* the search holds its own reference */
	err = ps_set_lm(d->ps, name, set) < 0 ? EINVAL : 0;
	ngram_model_free(set);
	return err;
}


int asr_ps_vocabulary(void *dec, const struct asr_vocab *v)
{
	struct asr_ps *d = dec;
	char name[32];
	size_t slot = 0;
	int err;

	if (!d)
		return EINVAL;

	if (!v || !v->n) {
		if (ps_set_search(d->ps, d->base) < 0)
			return EIO;
		d->active = 0;
		return 0;
	}

	search_name(name, sizeof(name), v->serial);
	++d->tick;

	for (size_t i = 0; i < ASR_PS_CACHE; i++) {
		if (d->cache[i].serial == v->serial) {
			if (ps_set_search(d->ps, name) < 0)
				return EIO;
			d->cache[i].used = d->tick;
			d->active = v->serial;
			return 0;
		}
		/* a free slot, else the least recently used */
		if (d->cache[slot].serial &&
		    (!d->cache[i].serial ||
		     d->cache[i].used < d->cache[slot].used))
			slot = i;
	}

	/* the base search is active while the evicted one goes */
	if (ps_set_search(d->ps, d->base) < 0)
		return EIO;
	d->active = 0;

	if (d->cache[slot].serial) {
		char old[32];

		search_name(old, sizeof(old), d->cache[slot].serial);
		(void)ps_unset_search(d->ps, old);
		d->cache[slot].serial = 0;
	}

	err = build(d, v, name);
	if (err)
		return err;

	if (ps_set_search(d->ps, name) < 0) {
		(void)ps_unset_search(d->ps, name);
		return EIO;
	}

	d->cache[slot].serial = v->serial;
	d->cache[slot].used = d->tick;
	d->active = v->serial;
	return 0;
}
