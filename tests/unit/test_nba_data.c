/*
 * test_nba_data.c — reads tests/data/nba/<split>.tsv: one "label<TAB>
 * utterance" per line, # comments. Run from the repository root.
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
	size_t used = 0;
	FILE *f;

	memset(d, 0, sizeof(*d));
	snprintf(path, sizeof(path), "tests/data/nba/%s.tsv", split);
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
