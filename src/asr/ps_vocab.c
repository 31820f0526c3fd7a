/*
 * ps_vocab.c — a domain vocabulary in a PocketSphinx decoder.
 *
 * The phrases' trigram model (lm.c) is read back as an sphinxbase model
 * and interpolated with the general model (ngram_model_set: each word's
 * probability is DOMAIN_WEIGHT times the domain model's plus the rest
 * times the general one's), so words and word sequences of the domain
 * get much likelier while everything else can still be recognized. The
 * result is a named n-gram search of the decoder ("v" + serial), kept
 * for the next utterances of the same vocabulary.
 *
 * Words the dictionary lacks (product names) get a pronunciation made
 * of dictionary words they are spelled with ("skyfiber" = "sky" +
 * "fiber"), else letter by letter, as one says an acronym. They stay in
 * the decoder's dictionary: PocketSphinx cannot remove a word.
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
#define GENERAL_SEARCH "_default"

enum {
	PIECE_MIN = 3,             /* shorter dictionary words are noise */
	SPELL_COST = 4,            /* a letter costs this many pieces */
};


static void search_name(char *buf, size_t sz, uint64_t serial)
{
	(void)re_snprintf(buf, sz, "v%llu", (unsigned long long)serial);
}


/* how one says a letter or digit on its own */
static char *spell(ps_decoder_t *ps, char c)
{
	static const char *const digits[] = {"zero", "one", "two", "three",
		"four", "five", "six", "seven", "eight", "nine"};
	char w[2] = {c, '\0'};

	if (c >= '0' && c <= '9')
		return ps_lookup_word(ps, digits[c - '0']);
	if (c == 'a')
		return ckd_salloc("EY");   /* the dictionary's "a" is "AH" */
	if (c == '\'')
		return ckd_salloc("");

	return ps_lookup_word(ps, w);
}


/* The fewest pieces that spell word: dictionary words of PIECE_MIN
 * letters or more, or single letters (dearer). Dynamic programming
 * over the prefixes; a word is at most ASR_LM_WORD_MAX long. */
static int pronounce(ps_decoder_t *ps, const char *word, struct mbuf *out)
{
	size_t len = strlen(word);
	unsigned cost[ASR_LM_WORD_MAX + 1];
	size_t from[ASR_LM_WORD_MAX + 1], cut[ASR_LM_WORD_MAX + 1], n = 0;
	char piece[ASR_LM_WORD_MAX + 1];

	if (!len || len > ASR_LM_WORD_MAX)
		return EINVAL;

	cost[0] = 0;
	for (size_t j = 1; j <= len; j++) {
		cost[j] = (unsigned)-1;
		for (size_t i = 0; i < j; i++) {
			unsigned c;
			char *ph;

			if (cost[i] == (unsigned)-1)
				continue;
			if (j - i == 1) {
				c = cost[i] + SPELL_COST;
			}
			else if (j - i >= PIECE_MIN) {
				memcpy(piece, word + i, j - i);
				piece[j - i] = '\0';
				ph = ps_lookup_word(ps, piece);
				if (!ph)
					continue;
				ckd_free(ph);
				c = cost[i] + 1;
			}
			else {
				continue;
			}
			if (c < cost[j]) {
				cost[j] = c;
				from[j] = i;
			}
		}
	}

	for (size_t j = len; j > 0; j = from[j])
		cut[n++] = j;

	for (size_t k = n; k > 0; k--) {
		size_t j = cut[k - 1], i = from[j];
		char *ph;
		int err;

		memcpy(piece, word + i, j - i);
		piece[j - i] = '\0';
		ph = j - i == 1 ? spell(ps, piece[0]) : ps_lookup_word(ps, piece);
		if (!ph)
			return ENOENT;
		err = *ph ? mbuf_printf(out, "%s%s", out->end ? " " : "", ph) : 0;
		ckd_free(ph);
		if (err)
			return err;
	}

	return out->end ? 0 : ENOENT;
}


static int add_words(struct asr_ps *d, const struct asr_vocab *v)
{
	char (*words)[ASR_LM_WORD_MAX + 1];
	size_t nphr = v->n < ASR_LM_PHRASES ? v->n : ASR_LM_PHRASES;
	int err = 0;

	words = mem_alloc(ASR_LM_PHRASE_WORDS * sizeof(*words), NULL);
	if (!words)
		return ENOMEM;

	for (size_t i = 0; !err && i < nphr; i++) {
		size_t n = asr_lm_words(v->phrases[i], words,
					ASR_LM_PHRASE_WORDS);

		for (size_t k = 0; !err && k < n; k++) {
			char *ph = ps_lookup_word(d->ps, words[k]);
			struct mbuf *mb;

			if (ph) {
				ckd_free(ph);
				continue;
			}

			mb = mbuf_alloc(64);
			if (!mb) {
				err = ENOMEM;
				break;
			}
			/* a word that cannot be said stays out of the
			 * dictionary: the search ignores the model's word */
			if (!pronounce(d->ps, words[k], mb) &&
			    !mbuf_write_u8(mb, 0) &&
			    ps_add_word(d->ps, words[k], (char *)mb->buf,
					FALSE) >= 0)
				++d->added;
			mem_deref(mb);
		}
	}

	mem_deref(words);
	return err;
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


static int build(struct asr_ps *d, const struct asr_vocab *v,
		 const char *name)
{
	ngram_model_t *general, *domain, *set;
	ngram_model_t *lms[2];
	char *names[2] = {"general", "domain"};
	const float32 w[2] = {1.0f - DOMAIN_WEIGHT, DOMAIN_WEIGHT};
	int err;

	general = ps_get_lm(d->ps, GENERAL_SEARCH);
	if (!general)
		return ENOENT;

	err = add_words(d, v);
	if (err)
		return err;

	domain = domain_lm(d, v, &err);
	if (!domain)
		return err;

	/* the set takes its own references (this sphinxbase retains
	 * them; LeakSanitizer caught an extra one on the general model) */
	lms[0] = general;
	lms[1] = domain;
	set = ngram_model_set_init(ps_get_config(d->ps), lms, names, w, 2);
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
		if (ps_set_search(d->ps, GENERAL_SEARCH) < 0)
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

	/* the general search is active while the evicted one goes */
	if (ps_set_search(d->ps, GENERAL_SEARCH) < 0)
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
