/*
 * fuzz/nba_text.c — libFuzzer target for the text paths of the next best
 * action engine: whatever a caller says (or the recognizer makes of it)
 * goes through nba_classify and nba_sentiment, and an admin's intents and
 * keywords through nba_alloc. The input is cut at its first two NUL
 * bytes: an utterance, then an example, then a keyword.
 *
 * Checks: confidences in 0..1 summing to at most 1, top intents in
 * falling order, drivers non-empty words of weight > 0 and NUL-ended,
 * a sentiment score in -1..1, nothing read past the input (ASan);
 * a model built from the input's example (given twice, so that the bank
 * of callers' talk may lend it lines) either works or is refused with a
 * message.
 *
 *   make fuzz && build/fuzz/nba_text -max_total_time=60 \
 *       fuzz/corpus/nba_text
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "nba/nba.h"

#define TRAP() __builtin_trap()

static const char *const cancel[] = {
	"I want to cancel my subscription", "please close my account",
};
static const char *const outage[] = {
	"my internet is down", "there is no signal",
};
static const char *const kw[] = {"terminate"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void check(const struct nba *n, const char *text)
{
	struct nba_class c;
	struct nba_sentiment s;
	double sum = 0;

	if (nba_classify(n, text, &c))
		TRAP();
	if (c.ntop > NBA_TOP || c.ndrivers > NBA_DRIVERS)
		TRAP();
	for (size_t k = 0; k < c.ntop; k++) {
		double p = c.top[k].confidence;

		if (!(p >= 0 && p <= 1) || !c.top[k].intent)
			TRAP();
		if (k && p > c.top[k - 1].confidence)
			TRAP();
		sum += p;
	}
	if (sum > 1 + 1e-9)
		TRAP();
	for (size_t k = 0; k < c.ndrivers; k++) {
		if (!memchr(c.drivers[k].word, '\0', NBA_WORD) ||
		    !c.drivers[k].word[0] || !(c.drivers[k].weight > 0))
			TRAP();
	}

	nba_sentiment(text, &s);
	if (!(s.score >= -1 && s.score <= 1) || s.nwords > NBA_DRIVERS)
		TRAP();
	for (size_t k = 0; k < s.nwords; k++)
		if (!memchr(s.words[k].word, '\0', NBA_WORD))
			TRAP();
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nba *fixed;
	const struct nba_intent_def base[] = {
		{"cancel", cancel, 2, kw, 1},
		{"outage", outage, 2, NULL, 0},
	};
	char *buf, *ex, *key;
	struct nba *n = NULL;
	char err[256];

	if (!fixed && nba_alloc(&fixed, base, 2, NULL, 0, err, sizeof(err)))
		TRAP();

	/* exactly the input's bytes, NUL-ended */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	check(fixed, buf);

	ex = buf + strlen(buf);
	ex = ex < buf + size ? ex + 1 : NULL;
	key = ex ? ex + strlen(ex) : NULL;
	key = key && key < buf + size ? key + 1 : NULL;

	if (ex) {
		/* twice, so that the bank (src/nba/bank.c) may lend the
		 * fuzzed intent a need: it takes two examples agreeing */
		const char *exs[] = {ex, ex};
		const char *keys[] = {key ? key : "x"};
		const struct nba_intent_def in[] = {
			{"fuzz", exs, 2, key ? keys : NULL, key ? 1 : 0},
			{"outage", outage, 2, NULL, 0},
		};

		err[0] = '\0';
		if (nba_alloc(&n, in, 2, NULL, 0, err, sizeof(err))) {
			if (!err[0])
				TRAP();
		}
		else {
			check(n, buf);
			check(n, ex);
			mem_deref(n);
		}
	}

	free(buf);
	return 0;
}
