/*
 * vocab.c — a domain's phrase list, shared read-only between the event
 * loop and the decoder threads.
 */
#include <stdatomic.h>
#include <string.h>
#include <re.h>
#include "asr/asr.h"
#include "asr/lm.h"


static atomic_uint_fast64_t serials;


static void destructor(void *arg)
{
	struct asr_vocab *v = arg;

	for (size_t i = 0; i < v->n; i++)
		mem_deref(v->phrases[i]);
	for (size_t i = 0; i < v->nlike; i++) {
		mem_deref(v->word[i]);
		mem_deref(v->like[i]);
	}

	mem_deref(v->phrases);
	mem_deref(v->word);
	mem_deref(v->like);
	mem_deref(v->id);
}


int asr_vocab_alloc(struct asr_vocab **vp, const char *id,
		    const char *const *phrases, size_t n)
{
	struct asr_vocab *v;
	int err;

	if (!vp || !id || (n && !phrases))
		return EINVAL;

	v = mem_zalloc(sizeof(*v), destructor);
	if (!v)
		return ENOMEM;

	err = str_dup(&v->id, id);
	if (!err && n) {
		v->phrases = mem_zalloc(n * sizeof(*v->phrases), NULL);
		if (!v->phrases)
			err = ENOMEM;
	}

	for (size_t i = 0; !err && i < n; i++) {
		err = str_dup(&v->phrases[i], phrases[i]);
		if (!err)
			++v->n;
	}

	if (err) {
		mem_deref(v);
		return err;
	}

	v->serial = atomic_fetch_add(&serials, 1) + 1;
	*vp = v;
	return 0;
}


int asr_vocab_sounds(struct asr_vocab *v, const char *word, const char *like,
		     const char **why)
{
	char w[ASR_SOUNDS_WORDS + 1][ASR_LM_WORD_MAX + 1];
	size_t n;
	int err;

	if (!v || !word || !like || !why)
		return EINVAL;

	/* as the recognizer writes it, or it would never match */
	if (asr_lm_words(word, w, 2) != 1 || strcmp(w[0], word)) {
		*why = "a sounds_like word must be one lower-case word "
			"(letters, digits, inner apostrophes; at most 32)";
		return EINVAL;
	}
	n = strlen(like) <= 200 ? asr_lm_words(like, w, ASR_SOUNDS_WORDS + 1)
		: 0;
	if (!n || n > ASR_SOUNDS_WORDS) {
		*why = "sounds_like must say a word as 1 to 8 words the "
			"recognizer knows, e.g. \"e sim\"";
		return EINVAL;
	}
	for (size_t i = 0; i < v->nlike; i++) {
		if (!strcmp(v->word[i], word)) {
			*why = "a word is said only one way";
			return EINVAL;
		}
	}
	if (v->nlike == ASR_SOUNDS_MAX) {
		*why = "at most 100 sounds_like words";
		return E2BIG;
	}

	if (!(v->nlike % 8)) {
		size_t cap = v->nlike + 8;

		char **wd = mem_reallocarray(v->word, cap, sizeof(*wd), NULL);
		char **lk;

		if (!wd)
			return ENOMEM;
		v->word = wd;
		lk = mem_reallocarray(v->like, cap, sizeof(*lk), NULL);
		if (!lk)
			return ENOMEM;
		v->like = lk;
	}

	v->word[v->nlike] = NULL;
	v->like[v->nlike] = NULL;
	err = str_dup(&v->word[v->nlike], word);
	err = err ? err : str_dup(&v->like[v->nlike], like);
	if (err) {
		v->word[v->nlike] = mem_deref(v->word[v->nlike]);
		v->like[v->nlike] = mem_deref(v->like[v->nlike]);
		return err;
	}
	++v->nlike;
	return 0;
}
