/*
 * test_nba_data.c — reads labelled utterances: one "label<TAB>utterance"
 * per line, # comments (tests/data/nba/README.md), and scores the
 * classifier on them; for the unit tests and tools/nba_eval. Run from the
 * repository root.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "test_nba_data.h"


static void group(struct nba_data *d)
{
	size_t k = 0;

	for (size_t i = 0; i < d->nintents; i++) {
		struct nba_intent_def *in = &d->intents[i];

		in->examples = &d->examples[k];
		in->nexamples = 0;
		for (size_t j = 0; j < d->n; j++) {
			if (strcmp(d->label[j], in->id))
				continue;
			d->examples[k++] = d->text[j];
			++in->nexamples;
		}
	}
}


int nba_data_load(struct nba_data *d, const char *split)
{
	char path[256];

	snprintf(path, sizeof(path), "tests/data/nba/%s.tsv", split);
	return nba_data_read(d, path);
}


int nba_data_read(struct nba_data *d, const char *path)
{
	size_t used = 0;
	FILE *f;

	memset(d, 0, sizeof(*d));
	f = fopen(path, "r");
	if (!f)
		return errno;

	for (;;) {
		char *line = d->buf + used, *tab;
		size_t len;

		if (used + 512 > sizeof(d->buf) || d->n == NBA_DATA_MAX)
			break;
		if (!fgets(line, 512, f))
			break;
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (!len || line[0] == '#')
			continue;
		tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		d->label[d->n] = line;
		d->text[d->n] = tab + 1;
		++d->n;
		used += len + 1;

		if (strcmp(line, "none")) {
			size_t i;

			for (i = 0; i < d->nintents; i++)
				if (!strcmp(d->intents[i].id, line))
					break;
			if (i == d->nintents && i < NBA_DATA_INTENTS)
				d->intents[d->nintents++].id = line;
		}
	}

	fclose(f);
	group(d);

	return d->n ? 0 : ENOENT;
}


void nba_data_score(const struct nba *n, const struct nba_data *d,
		    struct nba_score *s, bool print)
{
	memset(s, 0, sizeof(*s));

	for (size_t i = 0; i < d->n; i++) {
		struct nba_class c;

		if (nba_classify(n, d->text[i], &c) || !c.ntop)
			continue;

		if (!strcmp(d->label[i], "none")) {
			++s->off;
			s->off_none += c.none;
			if (print && !c.none)
				fprintf(stderr, "  off-topic as %s %.2f: %s\n",
					c.top[0].intent, c.top[0].confidence,
					d->text[i]);
			continue;
		}

		++s->in;
		if (!strcmp(c.top[0].intent, d->label[i])) {
			++s->top1;
			s->strict += !c.none;
		}
		else if (print) {
			fprintf(stderr, "  %s as %s %.2f: %s\n", d->label[i],
				c.top[0].intent, c.top[0].confidence,
				d->text[i]);
		}
		s->none_in += c.none;
		if (print && c.none)
			fprintf(stderr, "  %s flagged none: %s\n",
				d->label[i], d->text[i]);
	}
}
