/*
 * ps.h — the PocketSphinx backend's decoder, shared by its files
 * (pocketsphinx.c: the model and decoding; ps_vocab.c: domain
 * vocabularies) and the unit tests.
 */
#ifndef SWITCHBOARD_ASR_PS_H
#define SWITCHBOARD_ASR_PS_H

#include <stdint.h>
#include <pocketsphinx.h>

struct asr_vocab;

enum {
	/* searches kept per decoder, besides the general one: each is
	 * a whole second n-gram search over the general vocabulary
	 * (~60 MB, see docs/NOTES.md "ASR"), so two, the least recently
	 * used evicted */
	ASR_PS_CACHE = 2,
};

struct asr_ps {
	ps_decoder_t *ps;
	struct {
		uint64_t serial;   /* 0: free slot */
		uint64_t used;
	} cache[ASR_PS_CACHE];
	uint64_t tick;
	uint64_t active;           /* serial of the active search, 0: general */
};

int asr_ps_vocabulary(void *dec, const struct asr_vocab *v);

#endif
