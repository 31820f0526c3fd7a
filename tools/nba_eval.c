/*
 * nba_eval — accuracy of the classifier trained on tests/data/nba/train.tsv
 * on labelled files: nba_eval [-v] [-n] [-t TRAIN] FILE...
 *   -v  the misses, and the bank's needs each intent learnt from, on stderr
 *   -n  without the bank (src/nba/bank.c)
 *   -t  train on TRAIN instead
 * Run from the repository root; see tests/data/nba/README.md.
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "nba/nba.h"
#include "nba/internal.h"
#include "test_nba_data.h"


int main(int argc, char *argv[])
{
	static struct nba_data train, set;
	const char *tpath = "tests/data/nba/train.tsv";
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");
	struct nba *n = NULL;
	char err[256];
	int a = 1 + verbose, e;

	if (a < argc && !strcmp(argv[a], "-n")) {
		nba_bank_use(false);
		++a;
	}
	if (a + 1 < argc && !strcmp(argv[a], "-t")) {
		tpath = argv[a + 1];
		a += 2;
	}
	e = nba_data_read(&train, tpath);
	if (e) {
		fprintf(stderr, "nba_eval: %s: %s "
			"(run from the repository root)\n", tpath, strerror(e));
		return 1;
	}
	if (nba_alloc(&n, train.intents, train.nintents, NULL, 0, err,
		      sizeof(err))) {
		fprintf(stderr, "nba_eval: model: %s\n", err);
		return 1;
	}
	for (size_t i = 0; verbose && i < train.nintents; i++) {
		struct nba_needs ns;

		if (!nba_intent_bank(n, train.intents[i].id, &ns))
			re_fprintf(stderr, "%s learns from the bank's %H\n",
				   train.intents[i].id, nba_needs_print, &ns);
	}

	for (; a < argc; a++) {
		struct nba_score s;

		e = nba_data_read(&set, argv[a]);
		if (e) {
			fprintf(stderr, "nba_eval: %s: %s\n", argv[a],
				strerror(e));
			mem_deref(n);
			return 1;
		}
		nba_data_score(n, &set, &s, verbose);
		printf("%s: top-1 %.1f %% (%zu/%zu) off-topic %zu/%zu "
		       "false-none %zu\n", argv[a],
		       s.in ? 100.0 * (double)s.top1 / (double)s.in : 0.0,
		       s.top1, s.in, s.off_none, s.off, s.none_in);
	}

	mem_deref(n);
	return 0;
}
