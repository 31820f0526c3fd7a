/*
 * test_nba_rules.c — the rest of the engine: sentiment of clear cases
 * (negation and intensifiers included), a call's running mood and its
 * flag, every condition of a rule, marks, order, the messages an admin
 * gets for a bad model, and arbitrary bytes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "nba/nba.h"
#include "unit.h"


static double senti(const char *text)
{
	struct nba_sentiment s;

	nba_sentiment(text, &s);
	return s.score;
}


static void test_sentiment(void)
{
	struct nba_sentiment s;

	CHECK(senti("I am very happy with the service, thank you") > 0.3);
	CHECK(senti("this is terrible, I'm furious") < -0.5);
	CHECK(senti("I am not happy") < -0.2);
	CHECK(senti("not bad at all") >= 0);
	CHECK(senti("it wasn't terrible") >= 0);
	CHECK(senti("I never had a good experience with you") < 0);
	CHECK(senti("my account number is 1234") == 0);
	CHECK(senti("") == 0);

	/* intensifiers scale, both ways */
	CHECK(senti("I am extremely angry") < senti("I am angry"));
	CHECK(senti("I am slightly annoyed") > senti("I am annoyed"));

	/* more angry words push further, never past -1 */
	CHECK(senti("awful awful awful terrible horrible worst") > -1);
	CHECK(senti("awful terrible horrible worst") <
	      senti("awful"));

	/* the reasons, heaviest first, negation shown */
	nba_sentiment("I'm not happy and this is a disgrace", &s);
	CHECK(s.score < 0);
	CHECK_EQ(s.nwords, 2u);
	CHECK_STR(s.words[0].word, "disgrace");
	CHECK_STR(s.words[1].word, "not happy");
	CHECK(s.words[1].weight < 0);

	/* negation ends at the sentence */
	CHECK(senti("I did not call before. Happy to be here") > 0);
}


static void test_call_mood(void)
{
	struct nba_call *c = NULL;
	int flags = 0;

	CHECK_EQ(nba_call_alloc(&c), 0);
	CHECK(nba_call_score(c) == 0);
	CHECK(!nba_call_negative(c));

	flags += nba_call_mood(c, 0.5);
	CHECK(nba_call_score(c) > 0);
	flags += nba_call_mood(c, -0.8);
	flags += nba_call_mood(c, -0.8);
	CHECK(nba_call_negative(c));
	CHECK(nba_call_score(c) < -0.3);
	CHECK_EQ(flags, 1);

	/* neutral utterances do not calm it down */
	for (int i = 0; i < 5; i++)
		flags += nba_call_mood(c, 0);
	CHECK(nba_call_negative(c));

	/* more anger: still flagged once */
	for (int i = 0; i < 5; i++)
		flags += nba_call_mood(c, -1);
	CHECK_EQ(flags, 1);
	CHECK(nba_call_score(c) >= -1);

	/* hysteresis: a bit better is still negative, then it clears */
	flags += nba_call_mood(c, 0.2);
	CHECK(nba_call_negative(c));
	for (int i = 0; i < 6; i++)
		flags += nba_call_mood(c, 0.6);
	CHECK(!nba_call_negative(c));
	CHECK(nba_call_score(c) > 0);

	/* turning negative again is not flagged a second time */
	for (int i = 0; i < 6; i++)
		flags += nba_call_mood(c, -1);
	CHECK(nba_call_negative(c));
	CHECK_EQ(flags, 1);

	/* nonsense scores are ignored */
	{
		double before = nba_call_score(c);

		nba_call_mood(c, NAN);
		nba_call_mood(c, 7);
		CHECK(nba_call_score(c) == before);
	}

	/* marks */
	CHECK(!nba_call_marked(c, "offer"));
	CHECK_EQ(nba_call_mark(c, "offer"), 0);
	CHECK_EQ(nba_call_mark(c, "offer"), 0);
	for (int i = 0; i < 20; i++) {
		char id[16];

		snprintf(id, sizeof(id), "r%d", i);
		CHECK_EQ(nba_call_mark(c, id), 0);
	}
	CHECK(nba_call_marked(c, "offer"));
	CHECK(nba_call_marked(c, "r19"));
	CHECK(!nba_call_marked(c, "r20"));
	CHECK_EQ(nba_call_mark(c, ""), EINVAL);

	mem_deref(c);
}


static const char *const cancel_ex[] = {
	"I want to cancel my subscription", "please close my account",
	"stop my service",
};
static const char *const outage_ex[] = {
	"my internet is down", "there is no signal", "is there an outage",
};
static const struct nba_intent_def intents[] = {
	{"cancel", cancel_ex, 3, NULL, 0},
	{"outage", outage_ex, 3, NULL, 0},
};


/* fires the rules on an utterance; returns them joined by spaces */
static const char *fire(const struct nba *n, const char *text,
			const struct nba_context *ctx)
{
	static char out[256];
	const char *ids[16];
	struct nba_class c;
	size_t k;

	out[0] = '\0';
	if (nba_classify(n, text, &c))
		return "error";
	k = nba_rules(n, &c, ctx, ids, 16);
	for (size_t i = 0; i < k; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, ids[i]);
	}
	return out;
}


static void test_rules(void)
{
	static const char *const vip[] = {"tier", "gold"};
	struct nba_rule_def r[] = {
		{.id = "any_cancel", .intent = "cancel"},
		/* a computed confidence is never quite 1 */
		{.id = "confident", .intent = "cancel", .min_confidence = 1},
		{.id = "billing_q", .intent = "cancel", .queue = "billing"},
		{.id = "late", .intent = "cancel", .after_s = 60},
		{.id = "agent_leg", .intent = "cancel", .leg = "agent"},
		{.id = "any_leg", .intent = "cancel", .leg = "any"},
		{.id = "uk", .intent = "cancel", .caller_prefix = "+44"},
		{.id = "angry", .intent = "cancel", .has_sentiment = true,
		 .sentiment_below = -0.3},
		{.id = "gold", .intent = "cancel", .data = vip, .ndata = 2},
		{.id = "outage_status", .intent = "outage"},
		{.id = "calm_down", .has_sentiment = true,
		 .sentiment_below = -0.3},
		{.id = "every", .leg = "any"},
	};
	struct nba *n = NULL;
	struct nba_call *call = NULL;
	const char *data_gold[] = {"tier", "gold", "x", "y"};
	const char *data_silver[] = {"tier", "silver"};
	struct nba_context ctx = {0};
	char err[128];

	CHECK_EQ(nba_alloc(&n, intents, 2, r, sizeof(r) / sizeof(r[0]),
			   err, sizeof(err)), 0);
	CHECK_EQ(nba_call_alloc(&call), 0);

	/* nothing known about the call: only unconstrained rules */
	CHECK_STR(fire(n, "I want to cancel my subscription", &ctx),
		  "any_cancel any_leg every");
	CHECK_STR(fire(n, "I want to cancel my subscription", NULL),
		  "any_cancel any_leg every");

	/* every condition, one at a time, in provisioning order */
	ctx.queue = "billing";
	CHECK_STR(fire(n, "I want to cancel my subscription", &ctx),
		  "any_cancel billing_q any_leg every");
	ctx.queue = "sales";
	ctx.call_s = 61;
	CHECK_STR(fire(n, "I want to cancel my subscription", &ctx),
		  "any_cancel late any_leg every");
	ctx.call_s = 59.9;
	ctx.caller = "+447700900123";
	CHECK_STR(fire(n, "I want to cancel my subscription", &ctx),
		  "any_cancel any_leg uk every");
	ctx.caller = "+33123";
	ctx.data = data_silver;
	ctx.ndata = 2;
	CHECK_STR(fire(n, "I want to cancel my subscription", &ctx),
		  "any_cancel any_leg every");
	ctx.data = data_gold;
	ctx.ndata = 4;
	CHECK_STR(fire(n, "I want to cancel my subscription", &ctx),
		  "any_cancel any_leg gold every");
	ctx.data = NULL;
	ctx.ndata = 0;

	/* legs: rules default to the customer's */
	ctx.leg = "agent";
	CHECK_STR(fire(n, "I want to cancel my subscription", &ctx),
		  "agent_leg any_leg every");
	ctx.leg = "customer";

	/* the other intent's rules; none for off-topic words */
	CHECK_STR(fire(n, "my internet is down", &ctx),
		  "outage_status every");
	CHECK_STR(fire(n, "what a lovely garden", &ctx), "every");

	/* running sentiment */
	ctx.call = call;
	nba_call_mood(call, -0.9);
	nba_call_mood(call, -0.9);
	CHECK(nba_call_score(call) < -0.3);
	CHECK_STR(fire(n, "I want to cancel my subscription", &ctx),
		  "any_cancel any_leg angry calm_down every");

	/* marks: not repeated */
	CHECK_EQ(nba_call_mark(call, "any_cancel"), 0);
	CHECK_EQ(nba_call_mark(call, "every"), 0);
	CHECK_STR(fire(n, "I want to cancel my subscription", &ctx),
		  "any_leg angry calm_down");

	/* confidence */
	{
		struct nba_class c;
		const char *ids[4];

		nba_classify(n, "cancel", &c);
		c.top[0].confidence = 1.0;
		CHECK_EQ(nba_rules(n, &c, &ctx, ids, 4), 4u);
		CHECK_STR(ids[0], "confident");
		CHECK_EQ(nba_rules(n, &c, &ctx, ids, 1), 1u);
		c.top[0].confidence = 0.5;
		CHECK_EQ(nba_rules(n, &c, &ctx, ids, 4), 3u);
		CHECK_STR(ids[0], "any_leg");
	}

	mem_deref(call);
	mem_deref(n);
}


static int build(const struct nba_intent_def *in, size_t nin,
		 const struct nba_rule_def *r, size_t nr, char *err)
{
	struct nba *n = NULL;
	int e;

	err[0] = '\0';
	e = nba_alloc(&n, in, nin, r, nr, err, 128);
	mem_deref(n);
	return e;
}


static void test_validation(void)
{
	static const char *const ex[] = {"hello there my friend"};
	static const char *const blank[] = {"  ... "};
	static const char *const bare[] = {"the", "not at all", "i am"};
	static const char *const empty_kw[] = {""};
	static const char *const odd[] = {"tier"};
	static const char *const nokey[] = {"", "gold"};
	struct nba_intent_def in[2] = {{"a", ex, 1, NULL, 0},
				       {"b", ex, 1, NULL, 0}};
	struct nba_rule_def r[2] = {{.id = "r1", .intent = "a"},
				    {.id = "r2"}};
	char err[128];

	CHECK_EQ(build(in, 2, r, 2, err), 0);
	CHECK_EQ(build(NULL, 0, NULL, 0, err), 0);

	in[1].id = "";
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "intent #2: empty id");
	in[1].id = "a";
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "intent \"a\": duplicate id");
	in[1].id = "b";
	in[1].nexamples = 0;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "intent \"b\": no examples");
	in[1].examples = blank;
	in[1].nexamples = 1;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "intent \"b\": example 1 has no words to learn "
		  "from");
	/* stop words, negations and their pairs carry no topic */
	for (size_t i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		in[1].examples = &bare[i];
		CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
		CHECK_STR(err, "intent \"b\": example 1 has no words to "
			  "learn from");
	}
	in[1].examples = ex;
	in[1].keywords = empty_kw;
	in[1].nkeywords = 1;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "intent \"b\": keyword 1 has no words to learn "
		  "from");
	in[1].nkeywords = 0;

	r[1].id = NULL;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "recommendation #2: empty id");
	r[1].id = "r1";
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "recommendation \"r1\": duplicate id");
	r[1].id = "r2";
	r[1].intent = "zzz";
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "recommendation \"r2\": unknown intent \"zzz\"");
	r[1].intent = NULL;
	r[1].min_confidence = 1.5;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "recommendation \"r2\": min_confidence must be "
		  "between 0 and 1");
	r[1].min_confidence = NAN;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	r[1].min_confidence = -0.1;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	r[1].min_confidence = 0;
	r[1].leg = "supervisor";
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "recommendation \"r2\": leg must be customer, agent "
		  "or any, not \"supervisor\"");
	r[1].leg = "agent";
	r[1].has_sentiment = true;
	r[1].sentiment_below = -2;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "recommendation \"r2\": sentiment_below must be "
		  "between -1 and 1");
	r[1].sentiment_below = -0.5;
	r[1].data = odd;
	r[1].ndata = 1;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "recommendation \"r2\": data must be key and value "
		  "pairs");
	r[1].data = nokey;
	r[1].ndata = 2;
	CHECK_EQ(build(in, 2, r, 2, err), EINVAL);
	CHECK_STR(err, "recommendation \"r2\": data pair 1 has no key");
	r[1].data = NULL;
	r[1].ndata = 0;
	CHECK_EQ(build(in, 2, r, 2, err), 0);
}


/* arbitrary bytes: no crash, sane output (bounded: 3,000 strings) */
static void test_random_text(void)
{
	struct nba *n = NULL;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	CHECK_EQ(nba_alloc(&n, intents, 2, NULL, 0, NULL, 0), 0);

	for (int i = 0; i < 3000; i++) {
		char buf[600];
		size_t len;
		struct nba_class c;
		struct nba_sentiment s;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = (size_t)(x % (sizeof(buf) - 1));
		for (size_t j = 0; j < len; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* half the time mostly letters, spaces, apostrophes */
			buf[j] = (char)(i % 2 ? (int)(x & 0xff) :
					"abc def'not very!. xyzzy"[x % 24]);
			if (!buf[j])
				buf[j] = ' ';
		}
		buf[len] = '\0';

		CHECK_EQ(nba_classify(n, buf, &c), 0);
		CHECK(c.ntop <= NBA_TOP && c.ndrivers <= NBA_DRIVERS);
		for (size_t k = 0; k < c.ntop; k++)
			CHECK(c.top[k].confidence >= 0 &&
			      c.top[k].confidence <= 1);
		for (size_t k = 0; k < c.ndrivers; k++)
			CHECK(memchr(c.drivers[k].word, '\0', NBA_WORD));
		nba_sentiment(buf, &s);
		CHECK(s.score >= -1 && s.score <= 1 && !isnan(s.score));
		CHECK(s.nwords <= NBA_DRIVERS);
	}

	mem_deref(n);
}


UNIT_SUITE(nba_rules,
	UNIT_CASE(test_sentiment),
	UNIT_CASE(test_call_mood),
	UNIT_CASE(test_rules),
	UNIT_CASE(test_validation),
	UNIT_CASE(test_random_text),
);
