/*
 * lm.h — trigram language models as ARPA text: a small one from a
 * domain's phrases (struct asr_vocab), and a larger one from a text
 * corpus (the call-center model built at build time, tools/asr_lm.c),
 * for a recognizer to use alone or combine with its general model.
 * Private to src/asr; exposed for the unit tests, the fuzzer, the build
 * tool and the backend.
 */
#ifndef SWITCHBOARD_ASR_LM_H
#define SWITCHBOARD_ASR_LM_H

#include <stdbool.h>
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

enum asr_lm_smooth {
	ASR_LM_ABSOLUTE,           /* D = 0.5, Katz-style back-off */
	ASR_LM_KNESER_NEY,         /* interpolated, D per order from the
				    * counts of counts */
};

/* A word the recognizer cannot pronounce is no use in its model. */
typedef bool (asr_lm_known_h)(const char *word, void *arg);

struct asr_lm_opt {
	enum asr_lm_smooth smooth;
	asr_lm_known_h *known;     /* NULL: every word */
	void *arg;
};

struct asr_lm_stats {
	size_t sentences, tokens, words;  /* used: lines, running words, types */
	size_t oov_tokens;                /* words left out as unknown */
	size_t cut;                       /* lines over ASR_LM_PHRASE_WORDS */
	size_t ngrams[3];
	double discount[3];               /* D of each order (0: none) */
};

/* The same from any number of lines (a corpus), with a choice of
 * smoothing; n-grams that would span a word known() refuses are not
 * counted (the sentence is not joined around it). stats may be NULL. */
int asr_lm_arpa_opt(struct mbuf *mb, const char *const *lines, size_t n,
		    const struct asr_lm_opt *opt, struct asr_lm_stats *stats);

#endif
