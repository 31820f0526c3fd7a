/*
 * lm.h — a small trigram language model built from a domain's phrases
 * (struct asr_vocab), as ARPA text, for a recognizer to combine with its
 * general model. Private to src/asr; exposed for the unit tests, the
 * fuzzer and the backend.
 */
#ifndef SWITCHBOARD_ASR_LM_H
#define SWITCHBOARD_ASR_LM_H

#include <stddef.h>

struct mbuf;

enum {
	ASR_LM_WORD_MAX = 32,      /* longer words are cut */
	ASR_LM_PHRASE_WORDS = 32,  /* more words in a phrase are ignored */
	ASR_LM_PHRASES = 2000,     /* more phrases are ignored */
};

/* The words of a phrase, as the recognizer spells them: lower-case
 * ASCII letters, digits and inner apostrophes; anything else separates
 * words. Returns how many went into words (at most max). */
size_t asr_lm_words(const char *phrase, char words[][ASR_LM_WORD_MAX + 1],
		    size_t max);

/* Word errors of hyp against ref (substitutions, insertions and
 * deletions: Levenshtein distance over words as asr_lm_words splits
 * them, at most ASR_LM_PHRASE_WORDS each); *nref: the reference's word
 * count. For word error rates in tests and benchmarks. */
unsigned asr_lm_errors(const char *ref, const char *hyp, unsigned *nref);

/* An ARPA trigram model of the phrases (each one a sentence between
 * <s> and </s>), absolute discounting with back-off. ENODATA: no word
 * in any phrase. */
int asr_lm_arpa(struct mbuf *mb, const char *const *phrases, size_t n);

#endif
