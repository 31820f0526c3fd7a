/*
 * nba_eval — accuracy of the classifier trained on tests/data/nba/train.tsv
 * on labelled files: nba_eval [-v] FILE...   (-v prints the errors)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "nba/nba.h"

static char buf[1 << 20];

struct set {
	size_t n;
	char *label[4096], *text[4096];
};

static int load(struct set *s, const char *path, char **pool)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (!f)
		return -1;
	s->n = 0;
	while (fgets(line, sizeof(line), f) && s->n < 4096) {
		size_t len = strcspn(line, "\r\n");
		char *tab;

		line[len] = 0;
		if (!len || line[0] == '#' || !(tab = strchr(line, '\t')))
			continue;
		*tab = 0;
		s->label[s->n] = *pool;
		strcpy(*pool, line);
		*pool += strlen(line) + 1;
		s->text[s->n] = *pool;
		strcpy(*pool, tab + 1);
		*pool += strlen(tab + 1) + 1;
		++s->n;
	}
	fclose(f);
	return 0;
}

int main(int argc, char *argv[])
{
	static struct set train, s;
	static struct nba_intent_def in[64];
	static const char *ex[4096];
	size_t nin = 0, k = 0;
	char *pool = buf, err[256];
	struct nba *n = NULL;
	int verbose = 0, a = 1;

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = 1;
		++a;
	}
	load(&train, "tests/data/nba/train.tsv", &pool);
	for (size_t i = 0; i < train.n; i++) {
		size_t j;
		for (j = 0; j < nin; j++)
			if (!strcmp(in[j].id, train.label[i]))
				break;
		if (j == nin)
			in[nin++].id = train.label[i];
	}
	for (size_t j = 0; j < nin; j++) {
		in[j].examples = &ex[k];
		for (size_t i = 0; i < train.n; i++)
			if (!strcmp(train.label[i], in[j].id)) {
				ex[k++] = train.text[i];
				++in[j].nexamples;
			}
	}
	if (nba_alloc(&n, in, nin, NULL, 0, err, sizeof(err))) {
		fprintf(stderr, "model: %s\n", err);
		return 1;
	}
	for (; a < argc; a++) {
		size_t tin = 0, top1 = 0, fnone = 0, off = 0, offn = 0;

		if (load(&s, argv[a], &pool)) {
			perror(argv[a]);
			return 1;
		}
		for (size_t i = 0; i < s.n; i++) {
			struct nba_class c;

			if (nba_classify(n, s.text[i], &c) || !c.ntop)
				continue;
			if (!strcmp(s.label[i], "none")) {
				++off;
				offn += c.none;
				if (verbose && !c.none)
					printf("  OFF as %s %.2f: %s\n",
					       c.top[0].intent,
					       c.top[0].confidence, s.text[i]);
				continue;
			}
			++tin;
			if (!strcmp(c.top[0].intent, s.label[i]))
				++top1;
			else if (verbose)
				printf("  %s as %s %.2f: %s\n", s.label[i],
				       c.top[0].intent, c.top[0].confidence,
				       s.text[i]);
			fnone += c.none;
		}
		printf("%s: top-1 %.1f %% (%zu/%zu) off-topic %zu/%zu "
		       "false-none %zu\n", argv[a],
		       100.0 * (double)top1 / (double)tin, top1, tin, offn,
		       off, fnone);
	}
	mem_deref(n);
	return 0;
}
