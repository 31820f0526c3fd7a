/*
 * ps_vocab.c — a domain vocabulary in a PocketSphinx decoder.
 *
 * The phrases' trigram model (lm.c) is read back as an sphinxbase model
 * and interpolated with the decoder's base models (ngram_model_set: each
 * word's probability is DOMAIN_WEIGHT times the domain model's plus the
 * rest times the base search's: the call-center model, the general one
 * or both, see pocketsphinx.c), so words and word sequences of the domain
 * get much likelier while everything else can still be recognized. The
 * result is a named n-gram search of the decoder ("v" + serial), kept
 * for the next utterances of the same vocabulary.
 *
 * Words the dictionary lacks (product names) are not added: the search
 * ignores them. Adding them (ps_add_word) gives the general model, a
 * binary trie (en-us.lm.bin), a word id beyond its arrays, and scoring
 * it read out of bounds: bench/asr crashed in lm_trie_score, every run,
 * even on one thread. Without them the bench's vocabulary gain was the
 * same (WER 85.4 -> 80.4 %). Pronouncing new words needs a model that is
 * not a trie (an ARPA general LM), measured against its cost first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pocketsphinx.h>
#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/ngram_model.h>
#include <re.h>
#include "asr/asr.h"
#include "asr/lm.h"
#include "asr/ps.h"

/* share of the domain model in the interpolation: see docs/NOTES.md
 * "ASR" for what was measured */
#define DOMAIN_WEIGHT 0.3f

static void search_name(char *buf, size_t sz, uint64_t serial)
{
	(void)re_snprintf(buf, sz, "v%llu", (unsigned long long)serial);
}


/* sphinxbase reads models from a path only: the ARPA text goes through
 * an anonymous in-memory file */
static ngram_model_t *domain_lm(struct asr_ps *d, const struct asr_vocab *v,
				int *errp)
{
	struct mbuf *mb = mbuf_alloc(4096);
	ngram_model_t *lm = NULL;
	char path[64];
	int fd = -1, err;

	if (!mb) {
		*errp = ENOMEM;
		return NULL;
	}

	err = asr_lm_arpa(mb, (const char *const *)v->phrases, v->n);
	if (err)
		goto out;

	fd = memfd_create("asr-lm", MFD_CLOEXEC);
	if (fd < 0) {
		err = errno;
		goto out;
	}
	for (size_t off = 0; off < mb->end;) {
		ssize_t w = write(fd, mb->buf + off, mb->end - off);

		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			goto out;
		}
		off += (size_t)w;
	}

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


/* the base search's models, their weights scaled by what the domain
 * model leaves */
static int build(struct asr_ps *d, const struct asr_vocab *v,
		 const char *name)
{
	ngram_model_t *domain, *set;
	ngram_model_t *lms[ASR_PS_BASE_MAX + 1];
	char *names[ASR_PS_BASE_MAX + 1];
	float32 w[ASR_PS_BASE_MAX + 1];
	size_t n = d->nlm;
	int err;

	if (!n)
		return ENOENT;

	domain = domain_lm(d, v, &err);
	if (!domain)
		return err;

	for (size_t i = 0; i < n; i++) {
		lms[i] = d->lm[i];
		names[i] = (char *)d->lmname[i];
		w[i] = d->w[i] * (1.0f - DOMAIN_WEIGHT);
	}
	lms[n] = domain;
	names[n] = "domain";
	w[n] = DOMAIN_WEIGHT;

	/* the set takes its own references (this sphinxbase retains
	 * them; LeakSanitizer caught an extra one on the general model) */
	set = ngram_model_set_init(ps_get_config(d->ps), lms, names, w,
				   (int32)n + 1);
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
