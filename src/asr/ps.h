/*
 * ps.h — the PocketSphinx backend's decoder, shared by its files
 * (pocketsphinx.c: the model and decoding; ps_vocab.c: domain
 * vocabularies) and the unit tests.
 */
#ifndef SWITCHBOARD_ASR_PS_H
#define SWITCHBOARD_ASR_PS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pocketsphinx.h>
#include <sphinxbase/ngram_model.h>

struct asr_vocab;
struct mbuf;

#ifndef ASR_PS_MODELDIR
#define ASR_PS_MODELDIR "/usr/share/pocketsphinx/model"
#endif
#define ASR_PS_DICT ASR_PS_MODELDIR "/en-us/cmudict-en-us.dict"

enum {
	/* searches kept per decoder, besides the base one: each is a
	 * whole second n-gram search over the base models' words (~40 MB
	 * with the general model, ~23 MB with the call-center one alone,
	 * see docs/NOTES.md "ASR"), so two, the least recently used
	 * evicted */
	ASR_PS_CACHE = 2,
};

/* the models of the decoder's base search (asr_ps_language_model),
 * interpolated with these weights (one model: used alone); a
 * vocabulary adds its own */
enum { ASR_PS_BASE_MAX = 2 };

struct asr_ps {
	ps_decoder_t *ps;
	const char *base;          /* name of the search without vocabulary */
	ngram_model_t *lm[ASR_PS_BASE_MAX];  /* our references */
	const char *lmname[ASR_PS_BASE_MAX];
	float32 w[ASR_PS_BASE_MAX];
	size_t nlm;
	int cc;                    /* lm[cc] is the call-center model made
				    * from the corpus of this build, -1: none
				    * (ps_vocab.c rebuilds it with a
				    * vocabulary's phrases) */
	struct mbuf *extra;        /* dictionary lines added (ps_dict.c) */
	struct {
		uint64_t serial;   /* 0: free slot */
		uint64_t used;
	} cache[ASR_PS_CACHE];
	uint64_t tick;
	uint64_t active;           /* serial of the active search, 0: general */
};

int asr_ps_vocabulary(void *dec, const struct asr_vocab *v);

/* ps_dict.c: whether the dictionary has the word; a pronunciation for
 * one it lacks, appended to phones (ENOENT: none); the vocabulary's
 * words the dictionary lacks added to it with such pronunciations
 * (*added: how many, may be NULL) */
bool asr_ps_known(struct asr_ps *d, const char *word);
int asr_ps_spell(struct asr_ps *d, const char *word, struct mbuf *phones);
int asr_ps_pronounce(struct asr_ps *d, const struct asr_vocab *v,
		     size_t *added);

/* an anonymous file of the parts' bytes, for sphinxbase, which reads
 * models and dictionaries only from a path (/proc/self/fd/N) */
int asr_ps_memfd(int *fdp, const struct mbuf *const *parts, size_t n);

#endif
