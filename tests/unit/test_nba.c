/*
 * test_nba.c — the classifier on the labelled set of tests/data/nba:
 * trained on the 6 examples per intent of train.tsv (no keywords), it
 * must find the intent of held-out paraphrases (test.tsv, never used for
 * tuning) and tell off-topic talk apart; confidences are probabilities,
 * and the drivers are words of the utterance that belong to the intent.
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "nba/nba.h"
#include "nba/internal.h"
#include "test_nba_data.h"
#include "unit.h"

/* targets on test.tsv (see docs/NOTES.md, "Next best action") */
#define MIN_TOP1        0.90   /* in-domain top-1 */
#define MIN_OFFTOPIC    0.80   /* off-topic utterances flagged none */
#define MAX_FALSE_NONE  0.05   /* in-domain utterances flagged none */

static struct nba_data train, split;


static int model(struct nba **np)
{
	char err[256];
	int e = nba_data_load(&train, "train");

	if (e)
		return e;

	return nba_alloc(np, train.intents, train.nintents, NULL, 0, err,
			 sizeof(err));
}


static void test_heldout_accuracy(void)
{
	struct nba *n = NULL;
	struct nba_score s;
	double top1, off, fnone;

	CHECK_EQ(model(&n), 0);
	CHECK_EQ(train.nintents, 14u);
	for (size_t i = 0; i < train.nintents; i++)
		CHECK_EQ(train.intents[i].nexamples, 6u);

	CHECK_EQ(nba_data_load(&split, "test"), 0);
	/* never printed: the test split must not guide tuning */
	nba_data_score(n, &split, &s, false);
	mem_deref(n);

	CHECK(s.in >= 150 && s.off >= 25);
	top1 = (double)s.top1 / (double)s.in;
	off = (double)s.off_none / (double)s.off;
	fnone = (double)s.none_in / (double)s.in;
	fprintf(stderr, "nba test split: top-1 %.1f %% (%zu/%zu), strict "
		"%.1f %%, off-topic flagged %.1f %% (%zu/%zu), false none "
		"%.1f %%\n", 100 * top1, s.top1, s.in,
		100.0 * (double)s.strict / (double)s.in, 100 * off,
		s.off_none, s.off, 100 * fnone);

	CHECK(top1 >= MIN_TOP1);
	CHECK(off >= MIN_OFFTOPIC);
	CHECK(fnone <= MAX_FALSE_NONE);
}


/* the training examples themselves: a sanity floor; the other splits
 * reported, not checked: dev for whoever tunes; dev2 and fresh..fresh50,
 * each written blind and measured once before any tuning looked at it
 * (tests/data/nba/README.md), for how far tuning carries */
static void test_train_and_dev(void)
{
	static const char *const splits[] = {
		"dev", "dev2", "fresh", "fresh2", "fresh3", "fresh4", "fresh5",
		"fresh6", "fresh7", "fresh8", "fresh9", "fresh10", "fresh11",
		"fresh12", "fresh13", "fresh14", "fresh15", "fresh16",
		"fresh17", "fresh18", "fresh19", "fresh20", "fresh21",
		"fresh22", "fresh23", "fresh24", "fresh25", "fresh26",
		"fresh27", "fresh28", "fresh29", "fresh30", "fresh31",
		"fresh32", "fresh33", "fresh34", "fresh35", "fresh36",
		"fresh37", "fresh38", "fresh39", "fresh40", "fresh41",
		"fresh42", "fresh43", "fresh44", "fresh45", "fresh46",
		"fresh47", "fresh48", "fresh49", "fresh50",
	};
	struct nba *n = NULL;
	struct nba_score s;

	CHECK_EQ(model(&n), 0);
	nba_data_score(n, &train, &s, false);
	CHECK_EQ(s.top1, s.in);
	CHECK_EQ(s.none_in, 0u);

	for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		CHECK_EQ(nba_data_load(&split, splits[i]), 0);
		nba_data_score(n, &split, &s, i == 0 && getenv("NBA_VERBOSE"));
		fprintf(stderr, "nba %s split: top-1 %.1f %% (%zu/%zu), "
			"off-topic flagged %zu/%zu, false none %zu\n",
			splits[i], 100.0 * (double)s.top1 / (double)s.in,
			s.top1, s.in, s.off_none, s.off, s.none_in);
	}

	mem_deref(n);
}


static void test_confidence_and_drivers(void)
{
	struct nba *n = NULL;
	struct nba_class c;
	double sum = 0;

	CHECK_EQ(model(&n), 0);
	CHECK_EQ(nba_data_load(&split, "test"), 0);

	for (size_t i = 0; i < split.n; i++) {
		CHECK_EQ(nba_classify(n, split.text[i], &c), 0);
		CHECK_EQ(c.ntop, (size_t)NBA_TOP);
		sum = 0;
		for (size_t k = 0; k < c.ntop; k++) {
			CHECK(c.top[k].confidence >= 0 &&
			      c.top[k].confidence <= 1);
			CHECK(!isnan(c.top[k].confidence));
			if (k)
				CHECK(c.top[k].confidence <=
				      c.top[k - 1].confidence);
			sum += c.top[k].confidence;
		}
		CHECK(sum <= 1 + 1e-9);

		/* every driver is a word of the utterance, heaviest first */
		for (size_t k = 0; k < c.ndrivers; k++) {
			char lower[512];
			size_t m = 0;

			/* as the tokenizer sees it: lower case, no
			 * apostrophes */
			for (const char *p = split.text[i];
			     *p && m + 1 < sizeof(lower); p++) {
				if (*p == '\'')
					continue;
				lower[m++] = (char)(*p >= 'A' && *p <= 'Z' ?
					*p - 'A' + 'a' : *p);
			}
			lower[m] = '\0';
			CHECK(c.drivers[k].weight > 0);
			CHECK(strstr(lower, c.drivers[k].word) != NULL);
			if (k)
				CHECK(c.drivers[k].weight <=
				      c.drivers[k - 1].weight);
		}
		if (!c.none)
			CHECK(c.ndrivers > 0);
	}

	/* a clear case: confident, and the reason is "terminate" */
	CHECK_EQ(nba_classify(n, "Please terminate my subscription today",
			      &c), 0);
	CHECK_STR(c.top[0].intent, "cancel_subscription");
	CHECK(!c.none);
	CHECK(c.top[0].confidence > 0.6);
	CHECK(c.ndrivers >= 2);
	{
		bool terminate = false;

		for (size_t k = 0; k < c.ndrivers; k++) {
			terminate |= !strcmp(c.drivers[k].word, "terminate");
			CHECK(strcmp(c.drivers[k].word, "my"));
			CHECK(strcmp(c.drivers[k].word, "please"));
		}
		CHECK(terminate);
	}

	/* off-topic: none, and no intent is confident */
	CHECK_EQ(nba_classify(n, "the weather is lovely in Lisbon", &c), 0);
	CHECK(c.none);
	CHECK(c.top[0].confidence < 0.5);

	/* empty and word-less text */
	CHECK_EQ(nba_classify(n, "", &c), 0);
	CHECK_EQ(c.ntop, 0u);
	CHECK_EQ(nba_classify(n, "  ?! ", &c), 0);
	CHECK_EQ(c.ntop, 0u);
	CHECK_EQ(nba_classify(n, "the and of", &c), 0);
	CHECK(c.none);

	mem_deref(n);
}


/* keywords weigh: a word no example has still decides */
static void test_keywords(void)
{
	static const char *const ex_a[] = {"I want to talk about cars"};
	static const char *const ex_b[] = {"I want to talk about boats"};
	static const char *const kw_a[] = {"sedan", "hatchback"};
	const struct nba_intent_def in[] = {
		{"cars", ex_a, 1, kw_a, 2},
		{"boats", ex_b, 1, NULL, 0},
	};
	struct nba *n = NULL;
	struct nba_class c;

	CHECK_EQ(nba_alloc(&n, in, 2, NULL, 0, NULL, 0), 0);
	CHECK_EQ(nba_classify(n, "my hatchback", &c), 0);
	CHECK_STR(c.top[0].intent, "cars");
	CHECK(!c.none);
	CHECK_STR(c.drivers[0].word, "hatchback");
	mem_deref(n);
}


/* every synonym entry counts: one whose stem an earlier group already
 * has does nothing, and means that group's concept, not its own; one
 * longer than the tokenizer looks (NBA_PHRASE words) is never matched */
static void test_synonyms_all_live(void)
{
	CHECK_EQ(nba_lex_dead(), 0u);

	/* the tokenizer parts "wi-fi" into two words; so must the table */
	CHECK(nba_lex_concept("wi fi") != NULL);
	CHECK_STR(nba_lex_concept("wi fi"), nba_lex_concept("wifi"));
	CHECK_STR(nba_lex_concept("e mail"), nba_lex_concept("email"));
}


/* whether the model's intent learnt from this need of the bank */
static bool learnt(const struct nba *n, const char *intent, const char *need)
{
	struct nba_needs ns;

	if (nba_intent_bank(n, intent, &ns))
		return false;
	for (size_t k = 0; k < ns.n; k++)
		if (!strcmp(ns.v[k], need))
			return true;
	return false;
}


/* how many needs the model's intent learnt from; -1: no such intent */
static int nlearnt(const struct nba *n, const char *intent)
{
	struct nba_needs ns;

	return nba_intent_bank(n, intent, &ns) ? -1 : (int)ns.n;
}


/* the bank of callers' talk: each intent learns the need its examples
 * agree on, a need goes to one intent only, and an utterance in words
 * only the bank has is understood with it and not without */
static void test_bank(void)
{
	static const char *const ex_a[] = {"I want to talk about cars"};
	static const char *const ex_b[] = {"I want to talk about boats"};
	const struct nba_intent_def none_fit[] = {
		{"cars", ex_a, 1, NULL, 0},
		{"boats", ex_b, 1, NULL, 0},
	};
	static const char *const expect[][2] = {
		{"cancel_subscription", "cancel_subscription"},
		{"change_address", "change_postal_address"},
		{"delivery_status", "order_status"},
		{"reset_password", "password_forgotten"},
		{"update_payment_method", "payment_method_update"},
	};
	/* words the examples and the synonym table do not have */
	static const char *const said[][2] = {
		{"delivery_status", "the courier app says out for delivery "
		 "for three days running"},
		{"upgrade_plan", "i keep running out of data every month"},
	};
	struct nba *n = NULL;
	struct nba_class c;

	CHECK_EQ(model(&n), 0);
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		size_t k;

		for (k = 0; k < train.nintents; k++)
			if (!strcmp(train.intents[k].id, expect[i][0]))
				break;
		CHECK(k < train.nintents);
		CHECK(learnt(n, expect[i][0], expect[i][1]));
	}
	for (size_t i = 0; i < train.nintents; i++) {
		struct nba_needs a;

		CHECK_EQ(nba_intent_bank(n, train.intents[i].id, &a), 0);
		for (size_t j = i + 1; j < train.nintents; j++)
			for (size_t k = 0; k < a.n; k++)
				CHECK(!learnt(n, train.intents[j].id,
					      a.v[k]));
	}
	CHECK_EQ(nlearnt(n, "no_such_intent"), -1);
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++) {
		CHECK_EQ(nba_classify(n, said[i][1], &c), 0);
		CHECK_STR(c.top[0].intent, said[i][0]);
		CHECK(!c.none);
	}
	mem_deref(n);

	nba_bank_use(false);
	CHECK_EQ(model(&n), 0);
	nba_bank_use(true);
	CHECK_EQ(nlearnt(n, train.intents[0].id), 0);
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++) {
		CHECK_EQ(nba_classify(n, said[i][1], &c), 0);
		CHECK(c.none || strcmp(c.top[0].intent, said[i][0]));
	}
	mem_deref(n);

	CHECK_EQ(nba_alloc(&n, none_fit, 2, NULL, 0, NULL, 0), 0);
	CHECK_EQ(nlearnt(n, "cars"), 0);
	CHECK_EQ(nlearnt(n, "boats"), 0);
	mem_deref(n);
}


/* a word that names a request in one sense says nothing of it in
 * another: "down" of a broken line, not of what the bill has you down
 * for or of down here; "close" of a contract, not of opening hours (a
 * phrase of five words, the longest the tokenizer looks at) */
static void test_other_senses(void)
{
	static const char *const said[][2] = {
		{"billing_dispute", "you've got me down for two lines but i "
		 "only ever had one"},
		{"change_address", "you've still got us down at number "
		 "fourteen but we've been at number forty for two years now"},
		{"none", "is the weather as bad up north as it is down here"},
		{"none", "what time do you close today"},
		{"report_outage", "the internet's been down since this "
		 "morning"},
		{"cancel_subscription", "please close my account i'm done"},
	};
	struct nba *n = NULL;
	struct nba_class c;

	CHECK_EQ(model(&n), 0);
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++) {
		bool none = !strcmp(said[i][0], "none");

		CHECK_EQ(nba_classify(n, said[i][1], &c), 0);
		CHECK(c.ntop > 0);
		CHECK_EQ(c.none, none);
		if (!none)
			CHECK_STR(c.top[0].intent, said[i][0]);
	}
	mem_deref(n);
}


/* how the utterance resembles the bank's needs ranks the intents when
 * the words alone point elsewhere: a bill "more than usual" is a dispute,
 * not an upgrade; a "prepaid top up" asked about is a balance (lines of
 * the tuning splits that the words alone got wrong) */
static void test_needs_rank(void)
{
	static const char *const said[][2] = {
		{"billing_dispute", "my direct debit took more than the bill "
		 "said"},
		{"billing_dispute", "the bill is far more than usual and i "
		 "don't know why"},
		{"billing_dispute", "the price you're taking each month "
		 "doesn't match what the salesman quoted me"},
		{"check_balance", "how much is left on my prepaid top up"},
		{"delivery_status", "i paid extra for next day and it's been "
		 "three days and there's no sign of it"},
	};
	struct nba *n = NULL;
	struct nba_class c;

	CHECK_EQ(model(&n), 0);
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++) {
		CHECK_EQ(nba_classify(n, said[i][1], &c), 0);
		CHECK(!c.none);
		CHECK_STR(c.top[0].intent, said[i][0]);
	}

	/* the needs that added most to the top intent are the explanation:
	 * "i was charged twice for the same booking" is as near on its
	 * words, but billing_dispute's examples lean to the overcharge */
	CHECK_EQ(nba_classify(n, "i was charged twice on my bill", &c), 0);
	CHECK(c.nneeds > 0);
	CHECK_STR(c.needs[0], "overcharged_dispute");
	CHECK_EQ(nba_classify(n, "my internet has been down all day", &c), 0);
	CHECK(c.nneeds > 0);
	CHECK_STR(c.needs[0], "internet_outage");
	CHECK_EQ(nba_classify(n, "what a lovely day for a picnic by the "
			      "river", &c), 0);
	CHECK(c.none);
	CHECK_EQ(c.nneeds, 0u);
	mem_deref(n);
}


/* the bank's off-topic talk (data/nba/offtopic.tsv) makes none win for
 * talk nearer to it than to any intent, and is never an intent itself */
static void test_offtopic_talk(void)
{
	const char *aside = "my neighbour's hedge is blocking the light again";
	struct nba *n = NULL;
	struct nba_class c;

	CHECK_EQ(model(&n), 0);
	CHECK_EQ(nba_classify(n, aside, &c), 0);
	CHECK(c.none);
	for (size_t i = 0; i < c.ntop; i++)
		CHECK(strcmp(c.top[i].intent, "none"));
	CHECK_EQ(nlearnt(n, "none"), -1);
	CHECK_EQ(nba_classify(n, "my internet has been down all day", &c), 0);
	CHECK_STR(c.top[0].intent, "report_outage");
	CHECK(!c.none);
	mem_deref(n);

	nba_bank_use(false);
	CHECK_EQ(model(&n), 0);
	nba_bank_use(true);
	CHECK_EQ(nba_classify(n, aside, &c), 0);
	CHECK(!c.none);
	mem_deref(n);
}


/* whether a line asks for anything at all (asks.c) decides none with the
 * words: talk about other people's doings is none even when a word of it
 * is a request's ("saving up", "bank"; lines written for this test, that
 * the words alone took for intents); a request for something no intent
 * covers stays none when the needs it resembles are not the best
 * intent's: an address request, with the address intent taken out of
 * the model (a line of fresh13; without the needs' agreement it goes to
 * an intent). Not every such request does: "I moved house and need to
 * update my address" goes to update_payment_method, whose example "I
 * need to update my credit card" it shares "need to update my" with
 * (docs/NOTES.md "Words as said"). Without the bank there is no such
 * model */
static void test_asks_for_nothing(void)
{
	static const char *const talk[] = {
		"my husband keeps losing his reading glasses around the "
		"house",
		"my daughter's saving up for a new bike and she's nearly "
		"there",
		"my mum's been doing her family tree and found a cousin in "
		"canada",
		"our book club is reading a thriller about a bank robbery "
		"this month",
		"my colleague's off on holiday to greece next week lucky "
		"thing",
	};
	const char *moved = "I moved house and need to update my address";
	struct nba_intent_def rest[14];
	struct nba *n = NULL;
	struct nba_class c;
	size_t nrest = 0;
	int e;

	CHECK_EQ(model(&n), 0);
	CHECK(n->asks != NULL);
	for (size_t i = 0; i < sizeof(talk) / sizeof(talk[0]); i++) {
		CHECK_EQ(nba_classify(n, talk[i], &c), 0);
		CHECK(c.none);
		CHECK_EQ(c.nneeds, 0u);
	}
	CHECK_EQ(nba_classify(n, moved, &c), 0);
	CHECK(!c.none);
	CHECK_STR(c.top[0].intent, "change_address");
	mem_deref(n);

	for (size_t i = 0; i < train.nintents && nrest < 14; i++)
		if (strcmp(train.intents[i].id, "change_address"))
			rest[nrest++] = train.intents[i];
	CHECK_EQ(nrest, 13u);
	CHECK_EQ(nba_alloc(&n, rest, nrest, NULL, 0, NULL, 0), 0);
	CHECK_EQ(nba_classify(n, "i've moved house and i need you to have my "
			      "new details for where i live", &c), 0);
	CHECK(c.none);
	mem_deref(n);

	nba_bank_use(false);
	e = model(&n);
	nba_bank_use(true);
	CHECK_EQ(e, 0);
	CHECK(n->asks == NULL);
	mem_deref(n);
}

UNIT_SUITE(nba,
	UNIT_CASE(test_heldout_accuracy),
	UNIT_CASE(test_train_and_dev),
	UNIT_CASE(test_confidence_and_drivers),
	UNIT_CASE(test_keywords),
	UNIT_CASE(test_synonyms_all_live),
	UNIT_CASE(test_bank),
	UNIT_CASE(test_offtopic_talk),
	UNIT_CASE(test_other_senses),
	UNIT_CASE(test_needs_rank),
	UNIT_CASE(test_asks_for_nothing),
);
