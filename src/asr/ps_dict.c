/*
 * ps_dict.c — pronunciations for the words of a vocabulary that the
 * decoder's dictionary lacks: product names such as "novalink" or
 * "skyfiber", which a queue's phrases exist for.
 *
 * Such names are mostly compounds of words the dictionary has, so a new
 * word is said as the fewest dictionary words that spell it ("nova" +
 * "link", "sky" + "fiber", "zent" + "rix"), a single letter costing as
 * much as three longer pieces: a letter is said by its name, right in
 * an acronym but seldom inside a word. A word that cannot be cut at all
 * is left out, as before.
 *
 * An administrator may say how a word sounds instead (the vocabulary's
 * "sounds_like", e.g. "esim" like "e sim"): that is its pronunciation,
 * or one more of a word the dictionary has.
 *
 * The words go in by reloading the whole dictionary with them
 * (ps_load_dict), not through ps_add_word: that also adds the word to
 * every n-gram model of the decoder, and this sphinxbase's trie models
 * then score it out of bounds (see ps_vocab.c). A reload reads
 * cmudict again (~0.2 s), once per decoder for each vocabulary that
 * brings new words; words once added stay for later vocabularies.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pocketsphinx.h>
#include <sphinxbase/ckd_alloc.h>
#include <re.h>
#include "asr/asr.h"
#include "asr/lm.h"
#include "asr/ps.h"
#include "util/file.h"

enum { LETTER_COST = 3 };


bool asr_ps_known(struct asr_ps *d, const char *word)
{
	char *ph = ps_lookup_word(d->ps, word);

	ckd_free(ph);
	return ph != NULL;
}


int asr_ps_spell(struct asr_ps *d, const char *word, struct mbuf *phones)
{
	enum { N = ASR_LM_WORD_MAX };
	/* cost[i]: fewest-cost cut of word[0..i); from[i]: where its last
	 * piece starts */
	unsigned cost[N + 1];
	size_t from[N + 1], len = strlen(word);
	size_t cut[N], ncut = 0;
	char piece[N + 1];
	int err = 0;

	if (!len || len > N)
		return EINVAL;

	cost[0] = 0;
	for (size_t i = 1; i <= len; i++) {
		cost[i] = UINT32_MAX;
		for (size_t j = 0; j < i; j++) {
			unsigned c;

			if (cost[j] == UINT32_MAX)
				continue;
			c = cost[j] + (i - j == 1 ? LETTER_COST : 1);
			if (c >= cost[i])
				continue;
			memcpy(piece, word + j, i - j);
			piece[i - j] = '\0';
			if (!asr_ps_known(d, piece))
				continue;
			cost[i] = c;
			from[i] = j;
		}
	}
	if (cost[len] == UINT32_MAX)
		return ENOENT;

	for (size_t i = len; i; i = from[i])
		cut[ncut++] = i;

	for (size_t k = ncut, j = 0; !err && k--; j = cut[k]) {
		char *ph;

		memcpy(piece, word + j, cut[k] - j);
		piece[cut[k] - j] = '\0';
		ph = ps_lookup_word(d->ps, piece);
		if (!ph)
			return ENOENT;
		err = mbuf_printf(phones, "%s%s", k + 1 == ncut ? "" : " ",
				  ph);
		ckd_free(ph);
	}
	return err;
}


int asr_ps_memfd(int *fdp, const struct mbuf *const *parts, size_t n)
{
	int fd = memfd_create("asr", MFD_CLOEXEC);

	if (fd < 0)
		return errno;

	for (size_t i = 0; i < n; i++) {
		for (size_t off = 0; off < parts[i]->end;) {
			ssize_t w = write(fd, parts[i]->buf + off,
					  parts[i]->end - off);

			if (w <= 0) {
				int err = w < 0 ? errno : EIO;

				close(fd);
				return err;
			}
			off += (size_t)w;
		}
	}

	*fdp = fd;
	return 0;
}


/* cmudict and what was added to it */
static int reload(struct asr_ps *d)
{
	struct mbuf dict = {0};
	const struct mbuf *parts[2] = {&dict, d->extra};
	char path[64], *text;
	size_t len;
	int fd, err;

	err = file_read(ASR_PS_DICT, &text, &len);
	if (err)
		return err;
	dict.buf = (uint8_t *)text;
	dict.end = dict.size = len;

	err = asr_ps_memfd(&fd, parts, 2);
	mem_deref(text);
	if (err)
		return err;

	(void)re_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err = ps_load_dict(d->ps, path, NULL, NULL) < 0 ? EIO : 0;
	close(fd);
	return err;
}


/* added by this call, not yet in the dictionary */
static bool pending(const struct mbuf *mb, size_t from, const char *word)
{
	size_t len = strlen(word);

	for (size_t p = from; p < mb->end;) {
		const uint8_t *nl = memchr(mb->buf + p, '\n', mb->end - p);
		size_t e = nl ? (size_t)(nl - mb->buf) : mb->end;

		if (e - p > len && !memcmp(mb->buf + p, word, len) &&
		    mb->buf[p + len] == ' ')
			return true;
		p = e + 1;
	}
	return false;
}


/* the pronunciation of like: each of its words as the dictionary has
 * it, or cut as above */
static int say_as(struct asr_ps *d, const char *like, struct mbuf *phones)
{
	char w[ASR_SOUNDS_WORDS][ASR_LM_WORD_MAX + 1];
	size_t n = asr_lm_words(like, w, ASR_SOUNDS_WORDS);
	int err = n ? 0 : ENOENT;

	for (size_t k = 0; !err && k < n; k++) {
		if (k)
			err = mbuf_write_u8(phones, ' ');
		err = err ? err : asr_ps_spell(d, w[k], phones);
	}
	return err;
}


/* whether the word has that pronunciation already: itself or one of
 * its variants "word(2)", "word(3)"...; *next: the first free variant */
static bool has_pron(struct asr_ps *d, const char *word, const char *pron,
		     unsigned *next)
{
	char name[ASR_LM_WORD_MAX + 8];
	bool same = false;
	unsigned k = 1;

	for (;; k++) {
		char *ph;

		if (k == 1)
			str_ncpy(name, word, sizeof(name));
		else
			(void)re_snprintf(name, sizeof(name), "%s(%u)", word,
					  k);
		ph = ps_lookup_word(d->ps, name);
		if (!ph)
			break;
		same |= !strcmp(ph, pron);
		ckd_free(ph);
	}
	*next = k;
	return same;
}


/* An administrator's "sounds like": the word's pronunciation when the
 * dictionary lacks it, else one more variant of it. */
static int sounds_like(struct asr_ps *d, const char *word, const char *like,
		       size_t end, size_t *added)
{
	const size_t at = d->extra->end;
	struct mbuf *ph = mbuf_alloc(64);
	unsigned next = 1;
	int err;

	if (!ph)
		return ENOMEM;
	err = say_as(d, like, ph);
	if (!err)
		err = mbuf_write_u8(ph, 0);
	if (err == ENOENT || pending(d->extra, end, word) ||
	    (!err && has_pron(d, word, (char *)ph->buf, &next))) {
		/* unsayable (then the word's own cut serves, as without
		 * sounds_like), or said so already */
		mem_deref(ph);
		return 0;
	}

	if (!err && next > 1)
		err = mbuf_printf(d->extra, "%s(%u) %s\n", word, next,
				  (char *)ph->buf);
	else if (!err)
		err = mbuf_printf(d->extra, "%s %s\n", word, (char *)ph->buf);
	mem_deref(ph);
	if (err)
		d->extra->end = at;
	*added += !err;
	return err;
}


int asr_ps_pronounce(struct asr_ps *d, const struct asr_vocab *v,
		     size_t *addedp)
{
	char w[ASR_LM_PHRASE_WORDS][ASR_LM_WORD_MAX + 1];
	size_t end, added = 0;
	int err = 0;

	if (!d->extra) {
		d->extra = mbuf_alloc(256);
		if (!d->extra)
			return ENOMEM;
	}
	end = d->extra->end;

	for (size_t i = 0; !err && i < v->nlike; i++)
		err = sounds_like(d, v->word[i], v->like[i], end, &added);

	for (size_t i = 0; !err && i < v->n; i++) {
		size_t nw = asr_lm_words(v->phrases[i], w, ASR_LM_PHRASE_WORDS);

		for (size_t k = 0; !err && k < nw; k++) {
			size_t at = d->extra->end;

			if (asr_ps_known(d, w[k]) ||
			    pending(d->extra, end, w[k]))
				continue;
			err = mbuf_printf(d->extra, "%s ", w[k]);
			if (!err)
				err = asr_ps_spell(d, w[k], d->extra);
			if (err == ENOENT) {
				/* no cut: the word stays unknown */
				d->extra->end = at;
				err = 0;
				continue;
			}
			if (!err)
				err = mbuf_write_u8(d->extra, '\n');
			added += !err;
		}
	}
	if (!err && added)
		err = reload(d);
	if (err)
		d->extra->end = end;
	if (addedp)
		*addedp = added;
	return err;
}
