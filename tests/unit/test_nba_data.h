/*
 * test_nba_data.h — the labelled utterances of tests/data/nba (see its
 * README), for the unit tests.
 */
#ifndef SWITCHBOARD_TEST_NBA_DATA_H
#define SWITCHBOARD_TEST_NBA_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include "nba/nba.h"

enum { NBA_DATA_MAX = 8192, NBA_DATA_INTENTS = 160 };

struct nba_data {
	size_t n;
	const char *label[NBA_DATA_MAX];     /* intent id or "none" */
	const char *text[NBA_DATA_MAX];

	/* train only: grouped per intent, in order of first appearance */
	struct nba_intent_def intents[NBA_DATA_INTENTS];
	const char *examples[NBA_DATA_MAX];
	size_t nintents;

	char buf[1024 * 1024];
};

/* split: "train", "dev", "test" ... of tests/data/nba; 0 or an errno */
int nba_data_load(struct nba_data *d, const char *split);
/* the same from any file in that format */
int nba_data_read(struct nba_data *d, const char *path);

struct nba_score {
	size_t in, top1, strict, none_in;  /* in-domain: right, right and
					      not none, flagged none */
	size_t off, off_none;              /* off-topic, flagged none */
};

/* classifies every line of d with n; print: the misses on stderr */
void nba_data_score(const struct nba *n, const struct nba_data *d,
		    struct nba_score *s, bool print);

#endif
