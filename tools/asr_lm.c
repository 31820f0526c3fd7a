/*
 * tools/asr_lm.c — builds a trigram ARPA model from a text corpus, one
 * sentence a line, with switchboard's own builder (src/asr/lm.c), at
 * build time: the call-center model the PocketSphinx backend uses.
 *
 *   asr_lm [-k] DICT CORPUS OUT.arpa
 *
 * DICT is a CMU-style pronouncing dictionary ("word PH ON ES", variants
 * as "word(2)"): words it lacks cannot be recognized, so they are left
 * out of the model and counted.
 *
 * Smoothing: absolute discounting (D = 0.5), as for a queue's phrases;
 * -k: interpolated Kneser-Ney. Kneser-Ney predicts held-out corpus text
 * better (perplexity 41 against 46 on a 90/10 split), but the absolute
 * model had fewer word errors on the bench's telephone speech (65.7 %
 * against 70.2 % on its 63-utterance subset): it trusts the n-grams it
 * has seen more, which helps a decoder whose acoustics are this poor
 * (docs/PERFORMANCE.md "Call-center language model").
 * Statistics on stderr; exit 1 with a message on bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "asr/lm.h"
#include "util/file.h"

struct dict {
	char *text;                /* the file */
	char **word;               /* sorted by strcmp, variants repeated */
	size_t n;
	/* distinct refused words, for the report */
	char **oov;
	size_t noov, capoov;
};


static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


static int dict_load(struct dict *d, const char *path)
{
	size_t len, cap = 1;

	if (file_read(path, &d->text, &len))
		return ENOENT;

	for (size_t i = 0; i < len; i++)
		cap += d->text[i] == '\n';
	d->word = calloc(cap, sizeof(*d->word));
	if (!d->word)
		return ENOMEM;

	for (char *p = d->text, *nl; p && *p; p = nl) {
		char *end;

		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		/* "word PH ON ES", a variant as "word(2) ..." */
		end = strpbrk(p, " \t(");
		if (!end || end == p)
			continue;
		*end = '\0';
		d->word[d->n++] = p;
	}
	if (!d->n)
		return ENODATA;

	qsort(d->word, d->n, sizeof(*d->word), strp_cmp);
	return 0;
}


static bool known(const char *word, void *arg)
{
	struct dict *d = arg;

	if (bsearch(&word, d->word, d->n, sizeof(*d->word), strp_cmp))
		return true;

	for (size_t i = 0; i < d->noov; i++) {
		if (!strcmp(d->oov[i], word))
			return false;
	}
	if (d->noov == d->capoov) {
		size_t cap = d->capoov ? 2 * d->capoov : 64;
		char **o = realloc(d->oov, cap * sizeof(*o));

		if (!o)
			return false;
		d->oov = o;
		d->capoov = cap;
	}
	d->oov[d->noov] = strdup(word);
	if (d->oov[d->noov])
		++d->noov;
	return false;
}


static int write_all(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return errno;
	if (fwrite(buf, 1, len, f) != len)
		err = EIO;
	if (fclose(f) && !err)
		err = errno;
	return err;
}


static void dict_free(struct dict *d)
{
	for (size_t i = 0; i < d->noov; i++)
		free(d->oov[i]);
	free(d->word);
	free(d->oov);
	mem_deref(d->text);
}


static void usage(void)
{
	fprintf(stderr, "usage: asr_lm [-k] DICT CORPUS OUT.arpa\n");
}


int main(int argc, char **argv)
{
	struct asr_lm_opt opt = {.smooth = ASR_LM_ABSOLUTE, .known = known};
	struct asr_lm_stats st;
	char **lines = NULL;
	struct dict d = {0};
	struct mbuf *mb = NULL;
	char *corpus;
	size_t n = 0;
	int c, err;

	while ((c = getopt(argc, argv, "k")) != -1) {
		if (c != 'k') {
			usage();
			return 1;
		}
		opt.smooth = ASR_LM_KNESER_NEY;
	}
	if (argc - optind != 3) {
		usage();
		return 1;
	}

	err = dict_load(&d, argv[optind]);
	if (err) {
		fprintf(stderr, "asr_lm: %s: %s\n", argv[optind],
			err == ENODATA ? "no dictionary entries" :
			strerror(err));
		return 1;
	}
	opt.arg = &d;

	err = file_lines(argv[optind + 1], &corpus, &lines, &n);
	if (err) {
		fprintf(stderr, "asr_lm: %s: %s\n", argv[optind + 1],
			strerror(err));
		return 1;
	}

	err = libre_init();
	mb = err ? NULL : mbuf_alloc(1 << 20);
	if (!mb) {
		fprintf(stderr, "asr_lm: out of memory\n");
		return 1;
	}
	err = asr_lm_arpa_opt(mb, (const char *const *)lines, n, &opt, &st);
	if (err) {
		fprintf(stderr, "asr_lm: %s: %s\n", argv[optind + 1],
			err == ENODATA ? "no sentence with a dictionary word" :
			strerror(err));
		return 1;
	}

	err = write_all(argv[optind + 2], mb->buf, mb->end);
	if (err) {
		fprintf(stderr, "asr_lm: writing: %s\n", strerror(err));
		return 1;
	}

	fprintf(stderr, "asr_lm: %s: %zu of %zu lines, %zu words (%zu "
		"types); left out: %zu words not in the dictionary (%zu "
		"types), %zu lines cut at %d words; n-grams %zu/%zu/%zu, "
		"D %.3f/%.3f (%s)\n", argv[optind + 1], st.sentences, n,
		st.tokens, st.words, st.oov_tokens, d.noov, st.cut,
		ASR_LM_PHRASE_WORDS, st.ngrams[0], st.ngrams[1], st.ngrams[2],
		st.discount[1], st.discount[2],
		opt.smooth == ASR_LM_KNESER_NEY ? "Kneser-Ney" : "absolute");
	for (size_t i = 0; i < d.noov && getenv("ASR_LM_OOV"); i++)
		fprintf(stderr, "  oov: %s\n", d.oov[i]);

	mem_deref(mb);
	libre_close();
	mem_deref(lines);
	mem_deref(corpus);
	dict_free(&d);
	return 0;
}
