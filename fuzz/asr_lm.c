/*
 * fuzz/asr_lm.c — libFuzzer target for the phrase model builder (a
 * queue's transcription vocabulary comes from provisioning): the input's
 * lines are the phrases; also the word-error count on the first two,
 * and the corpus builder (Kneser-Ney, words with a 'q' refused as if
 * the dictionary lacked them) on the same lines.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "asr/lm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static bool no_q(const char *word, void *arg)
{
	(void)arg;
	return !strchr(word, 'q');
}


static void arpa_check(const struct mbuf *mb)
{
	/* what it writes is an ARPA file */
	if (mb->end < 20 || memcmp(mb->buf, "\\data\\\n", 7) ||
	    memcmp(mb->buf + mb->end - 6, "\\end\\\n", 6))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *txt, *save = NULL;
	const char *phr[64];
	size_t n = 0;
	struct mbuf *mb;
	unsigned nref;

	txt = mem_alloc(size + 1, NULL);
	if (!txt)
		return 0;
	memcpy(txt, data, size);
	txt[size] = '\0';

	for (char *l = strtok_r(txt, "\n", &save); l && n < 64;
	     l = strtok_r(NULL, "\n", &save))
		phr[n++] = l;

	mb = mbuf_alloc(256);
	if (mb && !asr_lm_arpa(mb, phr, n))
		arpa_check(mb);
	mem_deref(mb);

	mb = mbuf_alloc(256);
	if (mb) {
		const struct asr_lm_opt opt = {.smooth = ASR_LM_KNESER_NEY,
					       .known = no_q};
		struct asr_lm_stats st;
		int err = asr_lm_arpa_opt(mb, phr, n, &opt, &st);

		if (!err) {
			arpa_check(mb);
			if (!st.sentences || st.sentences > n ||
			    st.discount[1] <= 0 || st.discount[1] >= 1 ||
			    st.discount[2] <= 0 || st.discount[2] >= 1)
				__builtin_trap();
		}
	}
	mem_deref(mb);

	if (n >= 2 && asr_lm_errors(phr[0], phr[1], &nref) >
	    nref + ASR_LM_PHRASE_WORDS)
		__builtin_trap();

	mem_deref(txt);
	return 0;
}
