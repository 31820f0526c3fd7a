/*
 * ps.h — the PocketSphinx backend's decoder, shared by its files
 * (pocketsphinx.c: the model and decoding; ps_vocab.c: domain
 * vocabularies) and the unit tests.
 */
#ifndef SWITCHBOARD_ASR_PS_H
#define SWITCHBOARD_ASR_PS_H

#include <stdint.h>
#include <pocketsphinx.h>
#include <sphinxbase/ngram_model.h>

struct asr_vocab;

enum {
	/* searches kept per decoder, besides the base one: each is a
	 * whole second n-gram search over the base models' words (~40 MB
	 * with the general model, ~16 MB with the call-center one alone,
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
	struct {
		uint64_t serial;   /* 0: free slot */
		uint64_t used;
	} cache[ASR_PS_CACHE];
	uint64_t tick;
	uint64_t active;           /* serial of the active search, 0: general */
};

int asr_ps_vocabulary(void *dec, const struct asr_vocab *v);

#endif
