/*
 * tools/asr_lm.c — builds a trigram ARPA model from a text corpus, one
 * sentence a line, with switchboard's own builder (src/asr/lm.c), at
 * build time: the call-center model the PocketSphinx backend uses.
 *
 *   asr_lm [-a] [-d OUT.dict] DICT CORPUS OUT.arpa
 *
 * DICT is a CMU-style pronouncing dictionary ("word PH ON ES", variants
 * as "word(2)"): words it lacks cannot be recognized, so they are left
 * out of the model and counted. -d writes the dictionary's entries for
 * the model's words (a decoder that only needs them loads less). -a:
 * absolute discounting instead of Kneser-Ney (for comparisons).
 * Statistics on stderr; exit 1 with a message on bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "asr/lm.h"

struct dict {
	char *text;                /* the file, words cut out in place */
	char **word;               /* sorted by strcmp */
	char **line;               /* each entry's line, for -d */
	bool *used;
	size_t n;
	/* distinct refused words, for the report */
	char **oov;
	size_t noov, capoov;
};


static char *slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1))) {
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
		else {
			buf[len] = '\0';
			*lenp = (size_t)len;
		}
	}
	fclose(f);
	return buf;
}


static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


/* word + line arrays sorted together: sort indices by word */
static struct dict *sort_ctx;

static int idx_cmp(const void *a, const void *b)
{
	return strcmp(sort_ctx->word[*(const size_t *)a],
		      sort_ctx->word[*(const size_t *)b]);
}


static int dict_load(struct dict *d, const char *path)
{
	size_t len, cap = 0, *idx;
	char **w, **l;

	d->text = slurp(path, &len);
	if (!d->text)
		return ENOENT;

	for (size_t i = 0; i < len; i++)
		cap += d->text[i] == '\n';
	++cap;
	d->word = calloc(cap, sizeof(*d->word));
	d->line = calloc(cap, sizeof(*d->line));
	if (!d->word || !d->line)
		return ENOMEM;

	for (char *p = d->text, *nl; p && *p; p = nl) {
		char *sp;

		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		sp = strpbrk(p, " \t");
		if (!sp || sp == p)
			continue;
		d->line[d->n] = p;
		/* the word is copied: the line stays whole for -d */
		d->word[d->n] = strndup(p, (size_t)(sp - p));
		if (!d->word[d->n])
			return ENOMEM;
		/* "word(2)": a variant of word */
		sp = strchr(d->word[d->n], '(');
		if (sp)
			*sp = '\0';
		++d->n;
	}
	if (!d->n)
		return ENODATA;

	idx = calloc(d->n, sizeof(*idx));
	w = calloc(d->n, sizeof(*w));
	l = calloc(d->n, sizeof(*l));
	d->used = calloc(d->n, sizeof(*d->used));
	if (!idx || !w || !l || !d->used)
		return ENOMEM;
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	sort_ctx = d;
	qsort(idx, d->n, sizeof(*idx), idx_cmp);
	for (size_t i = 0; i < d->n; i++) {
		w[i] = d->word[idx[i]];
		l[i] = d->line[idx[i]];
	}
	free(idx);
	free(d->word);
	free(d->line);
	d->word = w;
	d->line = l;
	return 0;
}


static bool known(const char *word, void *arg)
{
	struct dict *d = arg;
	char **p = bsearch(&word, d->word, d->n, sizeof(*d->word), strp_cmp);

	if (p) {
		/* every variant of the word */
		for (size_t i = (size_t)(p - d->word); i > 0 &&
		     !strcmp(d->word[i - 1], word); i--)
			d->used[i - 1] = true;
		for (size_t i = (size_t)(p - d->word); i < d->n &&
		     !strcmp(d->word[i], word); i++)
			d->used[i] = true;
		return true;
	}

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


static int write_dict(const struct dict *d, const char *path)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return errno;
	for (size_t i = 0; i < d->n; i++) {
		if (d->used[i] && fprintf(f, "%s\n", d->line[i]) < 0)
			err = EIO;
	}
	if (fclose(f) && !err)
		err = errno;
	return err;
}


static void dict_free(struct dict *d)
{
	for (size_t i = 0; d->word && i < d->n; i++)
		free(d->word[i]);
	for (size_t i = 0; i < d->noov; i++)
		free(d->oov[i]);
	free(d->word);
	free(d->line);
	free(d->used);
	free(d->oov);
	free(d->text);
}


static void usage(void)
{
	fprintf(stderr, "usage: asr_lm [-a] [-d OUT.dict] DICT CORPUS "
		"OUT.arpa\n");
}


int main(int argc, char **argv)
{
	struct asr_lm_opt opt = {.smooth = ASR_LM_KNESER_NEY, .known = known};
	struct asr_lm_stats st;
	const char *outdict = NULL, **lines = NULL;
	struct dict d = {0};
	struct mbuf *mb = NULL;
	char *corpus, *save = NULL;
	size_t len, n = 0, cap = 0;
	int c, err;

	while ((c = getopt(argc, argv, "ad:")) != -1) {
		switch (c) {
		case 'a': opt.smooth = ASR_LM_ABSOLUTE; break;
		case 'd': outdict = optarg; break;
		default: usage(); return 1;
		}
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

	corpus = slurp(argv[optind + 1], &len);
	if (!corpus) {
		fprintf(stderr, "asr_lm: %s: %s\n", argv[optind + 1],
			strerror(errno));
		return 1;
	}
	for (char *l = strtok_r(corpus, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (n == cap) {
			const char **x;

			cap = cap ? 2 * cap : 1024;
			x = realloc(lines, cap * sizeof(*x));
			if (!x) {
				fprintf(stderr, "asr_lm: out of memory\n");
				return 1;
			}
			lines = x;
		}
		lines[n++] = l;
	}

	err = libre_init();
	mb = err ? NULL : mbuf_alloc(1 << 20);
	if (!mb) {
		fprintf(stderr, "asr_lm: out of memory\n");
		return 1;
	}
	opt.arg = &d;
	err = asr_lm_arpa_opt(mb, lines, n, &opt, &st);
	if (err) {
		fprintf(stderr, "asr_lm: %s: %s\n", argv[optind + 1],
			err == ENODATA ? "no sentence with a dictionary word" :
			strerror(err));
		return 1;
	}

	err = write_all(argv[optind + 2], mb->buf, mb->end);
	if (!err && outdict)
		err = write_dict(&d, outdict);
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
	free(lines);
	free(corpus);
	dict_free(&d);
	return 0;
}
