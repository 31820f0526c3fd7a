/*
 * vocab.c — a domain's phrase list, shared read-only between the event
 * loop and the decoder threads.
 */
#include <stdatomic.h>
#include <re.h>
#include "asr/asr.h"


static atomic_uint_fast64_t serials;


static void destructor(void *arg)
{
	struct asr_vocab *v = arg;

	for (size_t i = 0; i < v->n; i++)
		mem_deref(v->phrases[i]);

	mem_deref(v->phrases);
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
