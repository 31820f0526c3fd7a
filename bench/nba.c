/*
 * nba.c — how long the next-best-action engine takes per utterance, and
 * how accurate it stays in a larger model, on one core.
 *
 * Model (built twice, not measured in the latency: the first build of a
 * process also builds the bank's own model, src/nba/bank.c; a change of
 * intents pays the second): 100 intents — the 14
 * of tests/data/nba/train.tsv (6 examples each) and 86 synthetic ones,
 * each 6 examples of 5-9 words drawn from its own 12 made-up topic words
 * plus common English filler — and 500 rules: 5 per intent with every
 * kind of condition (confidence, queue, call age, leg, caller prefix,
 * running sentiment, call data), the last of each intent's set naming no
 * intent (fires on sentiment alone).
 *
 * Measured: every utterance of dev.tsv and test.tsv (in-domain and
 * off-topic), `passes` times over, each timed alone (CLOCK_MONOTONIC)
 * through what the call module does per final utterance: nba_classify,
 * nba_sentiment, nba_call_mood and nba_rules on a call that already has
 * marks. Wall time is what a call waits; the thread's CPU time (also
 * printed) leaves out the time the process was not running, which on a
 * shared 2-core machine is most of the tail. Accuracy: top-1 on
 * test.tsv's in-domain utterances with the 86 synthetic intents
 * competing, off-topic flagged none, false none (the unit tests' reader
 * and scorer, tests/unit/test_nba_data.c).
 *
 * Progress on stderr; one line on stdout:
 *   nba: p50 … us, p99 … us, max … us per utterance (cpu p50 … us, p99
 *   … us; 100 intents, 500 rules, … utterances); held-out top-1 … %,
 *   off-topic … %, false none … %; build … ms, first … ms
 *
 *   make bench && build/bench/nba [passes]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "nba/nba.h"
#include "test_nba_data.h"

enum {
	NINTENTS = 100,
	NRULES = 500,
	NEX = 6,
	PASSES = 200,
};

/* train: the 14 real intents; test: accuracy; test and dev: latency */
static struct nba_data train, test, dev;

/* the synthetic intents' strings */
static char synth[NINTENTS][NEX][128];
static const char *synth_ex[NINTENTS][NEX];
static char rule_id[NRULES][32], rule_intent[NRULES][64];

static uint64_t rng = 0x2545f4914f6cdd1dULL;


static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}


static double clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}


static double now_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}


static void load(struct nba_data *d, const char *split)
{
	if (nba_data_load(d, split)) {
		fprintf(stderr, "nba: cannot read tests/data/nba/%s.tsv (run "
			"from the repository root)\n", split);
		exit(1);
	}
}


static void pseudo_word(char *w, size_t sz)
{
	static const char *const syl[] = {
		"ka", "lo", "mi", "ran", "tesh", "vo", "zu", "pel", "dri",
		"gon", "bax", "quin", "sor", "fey", "lum", "tor", "ny", "ach",
	};
	size_t n = 2 + rnd() % 2;

	w[0] = '\0';
	for (size_t i = 0; i < n; i++)
		strncat(w, syl[rnd() % 18], sz - strlen(w) - 1);
}


static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


int main(int argc, char *argv[])
{
	static const char *const filler[] = {
		"I", "want", "to", "my", "the", "please", "can", "you", "help",
		"with", "need", "a", "about", "is", "it", "for", "how", "do",
	};
	static const char *const queues[] = {"billing", "support", "sales"};
	static const char *const data[] = {"tier", "gold", "lang", "en"};
	static struct nba_intent_def in[NINTENTS];
	static struct nba_rule_def rules[NRULES];
	double *lat, *cpu;
	size_t passes = argc > 1 ? strtoul(argv[1], NULL, 10) : PASSES;
	size_t nint = 0, nlat = 0;
	struct nba_score sc;
	struct nba *n = NULL;
	struct nba_call *call = NULL;
	char err[256];
	double t0, build_ms, first_ms = 0;
	int e;

	if (!passes || passes > PASSES)
		passes = PASSES;

	e = libre_init();
	if (e)
		return 1;

	/* the 14 real intents, grouped from train.tsv */
	load(&train, "train");
	for (; nint < train.nintents; nint++)
		in[nint] = train.intents[nint];

	/* synthetic intents: own topic words and common filler */
	for (size_t k = nint; k < NINTENTS; k++) {
		char topic[12][16];
		static char ids[NINTENTS][16];

		for (size_t t = 0; t < 12; t++)
			pseudo_word(topic[t], sizeof(topic[t]));
		for (size_t x = 0; x < NEX; x++) {
			size_t len = 5 + rnd() % 5;

			synth[k][x][0] = '\0';
			for (size_t w = 0; w < len; w++) {
				const char *word = w < 2 || rnd() % 2 ?
					topic[rnd() % 12] : filler[rnd() % 18];

				strncat(synth[k][x], word,
					sizeof(synth[k][x]) -
					strlen(synth[k][x]) - 2);
				strcat(synth[k][x], " ");
			}
			synth_ex[k][x] = synth[k][x];
		}
		snprintf(ids[k], sizeof(ids[k]), "synthetic_%zu", k);
		in[k].id = ids[k];
		in[k].examples = synth_ex[k];
		in[k].nexamples = NEX;
	}

	/* 5 rules per intent, every kind of condition */
	for (size_t r = 0; r < NRULES; r++) {
		size_t k = r / 5;

		snprintf(rule_id[r], sizeof(rule_id[r]), "rule_%zu", r);
		snprintf(rule_intent[r], sizeof(rule_intent[r]), "%s",
			 in[k].id);
		rules[r].id = rule_id[r];
		rules[r].intent = rule_intent[r];
		switch (r % 5) {
		case 0:
			rules[r].min_confidence = 0.6;
			break;
		case 1:
			rules[r].queue = queues[r % 3];
			rules[r].after_s = 30;
			break;
		case 2:
			rules[r].caller_prefix = "+44";
			rules[r].leg = "any";
			break;
		case 3:
			rules[r].data = data;
			rules[r].ndata = 4;
			rules[r].has_sentiment = true;
			rules[r].sentiment_below = 0.2;
			break;
		default:
			rules[r].intent = NULL;   /* sentiment alone */
			rules[r].has_sentiment = true;
			rules[r].sentiment_below = -0.9 + 0.001 * (double)r;
			break;
		}
	}

	/* the first build also builds the bank's own model (once per
	 * process); a change of intents over the API pays the second */
	for (int b = 0; b < 2; b++) {
		mem_deref(n);
		n = NULL;
		t0 = now_us();
		e = nba_alloc(&n, in, NINTENTS, rules, NRULES, err,
			      sizeof(err));
		build_ms = (now_us() - t0) / 1000;
		if (e) {
			fprintf(stderr, "nba: model: %s\n", err);
			return 1;
		}
		if (!b)
			first_ms = build_ms;
	}
	fprintf(stderr, "nba: model of %d intents, %d rules built in %.1f "
		"ms (the first in the process: %.1f ms)\n", NINTENTS, NRULES,
		build_ms, first_ms);

	/* held-out accuracy among all 100 intents */
	load(&test, "test");
	load(&dev, "dev");
	nba_data_score(n, &test, &sc, false);

	/* latency: the work of one final utterance */
	lat = mem_zalloc(2 * (test.n + dev.n) * passes * sizeof(*lat), NULL);
	if (!lat)
		return 1;
	cpu = lat + (test.n + dev.n) * passes;
	nba_call_alloc(&call);
	for (int m = 0; m < 10; m++) {
		char id[16];

		snprintf(id, sizeof(id), "rule_%d", m * 7);
		nba_call_mark(call, id);
	}
	for (size_t p = 0; p < passes; p++) {
		for (size_t i = 0; i < test.n + dev.n; i++) {
			const char *text = i < test.n ? test.text[i] :
				dev.text[i - test.n];
			struct nba_context ctx = {
				.queue = queues[i % 3],
				.leg = "customer",
				.caller = i % 2 ? "+447700900123" : "+1555",
				.call_s = (double)(i % 90),
				.data = data,
				.ndata = 4,
				.call = call,
			};
			struct nba_class c;
			struct nba_sentiment s;
			const char *ids[16];
			double t, tc;
			size_t k;

			t = now_us();
			tc = clock_us(CLOCK_THREAD_CPUTIME_ID);
			nba_classify(n, text, &c);
			nba_sentiment(text, &s);
			nba_call_mood(call, s.score);
			k = nba_rules(n, &c, &ctx, ids, 16);
			cpu[nlat] = clock_us(CLOCK_THREAD_CPUTIME_ID) - tc;
			lat[nlat++] = now_us() - t;
			(void)k;
		}
	}
	qsort(lat, nlat, sizeof(lat[0]), cmp_double);
	qsort(cpu, nlat, sizeof(cpu[0]), cmp_double);

	printf("nba: p50 %.1f us, p99 %.1f us, max %.1f us per utterance "
	       "(cpu p50 %.1f us, p99 %.1f us; "
	       "%d intents, %d rules, %zu utterances); held-out top-1 "
	       "%.1f %%, off-topic %.1f %%, false none %.1f %%; build %.0f "
	       "ms, first %.0f ms\n", lat[nlat / 2], lat[nlat * 99 / 100], lat[nlat - 1],
	       cpu[nlat / 2], cpu[nlat * 99 / 100],
	       NINTENTS, NRULES, nlat, 100.0 * (double)sc.top1 / (double)sc.in,
	       100.0 * (double)sc.off_none / (double)sc.off,
	       100.0 * (double)sc.none_in / (double)sc.in, build_ms, first_ms);

	mem_deref(lat);
	mem_deref(call);
	mem_deref(n);
	libre_close();

	return 0;
}
