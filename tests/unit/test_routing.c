/*
 * test_routing.c — the routing engine on a fake clock: skills and levels,
 * every strategy, relaxation, tiers, aging across queues, overflow,
 * capacity and sizes, decline / timeout / withdraw and blocks, ring-all,
 * statuses and presence, statistics windows, explanations (strict JSON),
 * and a randomized run of a million operations against an independent
 * brute-force model (test_routing_fuzz.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "routing/routing.h"
#include "unit.h"
#include "test_routing.h"

/* 2026-11-27T10:00:00Z: a real date, so "today" and ISO times are real */
#define T0 1795773600000ull

#define LOG_MAX 512

struct offer_rec {
	struct routing_item *item;
	size_t n;
	char agents[256];          /* comma-separated */
};

/* every offer handler call; a ring, rt_log.n counts them all */
static struct {
	struct offer_rec v[LOG_MAX];
	int n;
} rt_log;

static uint64_t clock_ms;
static struct routing *R;
static void (*hook)(struct routing_item *item, const char *const *agents,
		    size_t n);


static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return clock_ms;
}


static void offer_h(struct routing_item *item, const char *const *agents,
		    size_t n, void *arg)
{
	struct offer_rec *o = &rt_log.v[rt_log.n++ % LOG_MAX];
	(void)arg;

	{
		o->item = item;
		o->n = n;
		o->agents[0] = '\0';
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(o->agents);

			re_snprintf(o->agents + len, sizeof(o->agents) - len,
				    "%s%s", i ? "," : "", agents[i]);
		}
	}

	if (hook)
		hook(item, agents, n);
}


static const char *last_agents(void)
{
	return rt_log.n ? rt_log.v[(rt_log.n - 1) % LOG_MAX].agents : "";
}


static struct routing_item *last_item(void)
{
	return rt_log.n ? rt_log.v[(rt_log.n - 1) % LOG_MAX].item : NULL;
}


static void start(uint64_t t)
{
	memset(&rt_log, 0, sizeof(rt_log));
	hook = NULL;
	clock_ms = t;
	R = NULL;
	if (routing_alloc(&R, fake_clock, offer_h, NULL))
		R = NULL;
	else
		routing_seed(R, 1);
}


static void stop(void)
{
	R = mem_deref(R);
}


/* "billing:3,english:5" */
static size_t skills(struct routing_skill *v, char names[][24],
		     const char *spec)
{
	size_t n = 0;

	while (spec && *spec && n < 8) {
		const char *c = strchr(spec, ':');
		const char *e = strchr(spec, ',');
		size_t len = (size_t)(c - spec);

		if (!c)
			break;

		memcpy(names[n], spec, len);
		names[n][len] = '\0';
		v[n].name = names[n];
		v[n].level = (uint8_t)atoi(c + 1);
		++n;
		spec = e ? e + 1 : NULL;
	}

	return n;
}


static struct routing_queue_conf qc(const char *id, enum routing_strategy s)
{
	struct routing_queue_conf c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.strategy = s;
	c.decline_block_s = 30;
	return c;
}


static int queue(struct routing_queue_conf c, const char *spec)
{
	struct routing_skill v[8];
	char names[8][24];

	c.skills = v;
	c.nskills = skills(v, names, spec);
	return routing_queue_set(R, &c);
}


/* A present agent; members NULL: every queue whose skills it meets. */
static int agent_m(const char *id, const char *spec, uint32_t cap,
		   const struct routing_member *m, size_t nm)
{
	struct routing_agent_conf c;
	struct routing_skill v[8];
	char names[8][24];
	int err;

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.skills = v;
	c.nskills = skills(v, names, spec);
	c.capacity = cap;
	c.queues = m;
	c.nqueues = nm;

	err = routing_agent_set(R, &c);
	if (!err)
		routing_agent_present(R, id, true);

	return err;
}


static int agent(const char *id, const char *spec, uint32_t cap)
{
	return agent_m(id, spec, cap, NULL, 0);
}


static struct routing_item *item_x(const char *q, uint8_t prio,
				   uint32_t size, const char *spec)
{
	struct routing_item_conf c;
	struct routing_item *it = NULL;
	struct routing_skill v[8];
	char names[8][24];

	memset(&c, 0, sizeof(c));
	c.queue = q;
	c.size = size;
	c.priority = prio;
	c.skills = v;
	c.nskills = skills(v, names, spec);

	if (routing_item_add(&it, R, &c))
		return NULL;

	return it;
}


static struct routing_item *item(const char *q, uint8_t prio)
{
	return item_x(q, prio, 1, NULL);
}


static uint32_t load_of(const char *agent)
{
	struct routing_agent_info ai;

	if (routing_agent_info(R, agent, &ai))
		return 9999;

	return ai.load;
}


static uint32_t waiting(const char *q)
{
	struct routing_queue_stats st;

	if (routing_queue_stats(R, q, &st))
		return 9999;

	return st.waiting;
}


/* The agent takes it and is done with it at once. */
static void serve(struct routing_item *it, const char *agent)
{
	routing_offer_accepted(it, agent);
	mem_deref(it);
}


static char *explain(const struct routing_item *it)
{
	char *s = NULL;

	if (re_sdprintf(&s, "%H", routing_item_explain, it))
		return NULL;

	return s;
}


/* ---- strict JSON syntax (RFC 8259), enough to validate our output -- */

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		++p;
	return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;

	while (*p != '"') {
		const unsigned char c = (unsigned char)*p;

		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			++p;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++) {
					if (!strchr("0123456789abcdefABCDEF",
						    p[i]) || !p[i])
						return NULL;
				}
				p += 5;
				continue;
			}
			if (!*p || !strchr("\"\\/bfnrt", *p))
				return NULL;
		}
		++p;
	}

	return p + 1;
}

static const char *js_number(const char *p)
{
	if (*p == '-')
		++p;
	if (*p == '0')
		++p;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			++p;
	else
		return NULL;
	if (*p == '.') {
		++p;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			++p;
	}
	if (*p == 'e' || *p == 'E') {
		++p;
		if (*p == '+' || *p == '-')
			++p;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			++p;
	}
	return p;
}

static const char *js_container(const char *p, int depth, bool obj)
{
	const char close = obj ? '}' : ']';

	p = js_ws(p + 1);
	if (*p == close)
		return p + 1;

	for (;;) {
		if (obj) {
			p = js_string(js_ws(p));
			if (!p)
				return NULL;
			p = js_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = js_value(p, depth + 1);
		if (!p)
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *js_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;

	p = js_ws(p);
	switch (*p) {

	case '{': return js_container(p, depth, true);
	case '[': return js_container(p, depth, false);
	case '"': return js_string(p);
	case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
	default:  return js_number(p);
	}
}

bool rt_json_valid(const char *s)
{
	const char *p = s ? js_value(s, 0) : NULL;

	return p && !*js_ws(p);
}


/* ------------------------------------------------------------------ */

static void test_json_checker(void)
{
	CHECK(rt_json_valid("{\"a\":[1,2.5,-3e2,true,null,\"x\\n\\u00e9\"]}"));
	CHECK(!rt_json_valid("{\"a\":1,}"));
	CHECK(!rt_json_valid("{\"a\":01}"));
	CHECK(!rt_json_valid("{\"a\":\"\x01\"}"));
	CHECK(!rt_json_valid("[1] x"));
	CHECK(!rt_json_valid("{'a':1}"));
}


static void test_strategy_names(void)
{
	enum routing_strategy s;

	for (int i = 0; i < ROUTING_STRATEGIES; i++) {
		const char *n = routing_strategy_name((enum routing_strategy)i);

		CHECK_EQ(routing_strategy_parse(&s, n), 0);
		CHECK_EQ((int)s, i);
	}

	CHECK_STR(routing_strategy_name(ROUTING_LONGEST_IDLE),
		  "longest-idle");
	CHECK_EQ(routing_strategy_parse(&s, "linear"), ENOENT);
}


static void setup_billing(void)
{
	const struct routing_skill alice[] = {{"english", 8}, {"billing", 5}};
	const struct routing_skill bob[] = {{"billing", 2}};
	const struct routing_skill carol[] = {{"billing", 9}, {"zulu", 1}};
	struct routing_agent_conf c = {.capacity = 1};
	struct routing_queue_conf q = qc("billing", ROUTING_LONGEST_IDLE);

	start(T0 + 1000);
	q.decline_block_s = 30;
	queue(q, "billing:3");

	/* created, but no phone yet */
	clock_ms = T0 + 1100;
	c.id = "alice"; c.skills = alice; c.nskills = 2;
	routing_agent_set(R, &c);
	clock_ms = T0 + 1200;
	c.id = "bob"; c.skills = bob; c.nskills = 1;
	routing_agent_set(R, &c);
	clock_ms = T0 + 1300;
	c.id = "carol"; c.skills = carol; c.nskills = 2;
	routing_agent_set(R, &c);
}


static void test_skills_and_longest_idle(void)
{
	struct routing_item *i1, *i2, *i3;

	setup_billing();
	CHECK(R != NULL);

	/* nobody present yet: it waits */
	i1 = item("billing", 0);
	CHECK(i1 != NULL);
	CHECK_EQ(rt_log.n, 0);
	CHECK_EQ(waiting("billing"), 1u);
	CHECK_EQ(routing_item_state(i1), ROUTING_ITEM_WAITING);

	clock_ms = T0 + 2000;
	routing_agent_present(R, "carol", true);       /* idle since 2000 */
	CHECK_EQ(rt_log.n, 1);
	CHECK_STR(last_agents(), "carol");
	CHECK(last_item() == i1);
	CHECK_EQ(waiting("billing"), 0u);
	CHECK_EQ(routing_item_state(i1), ROUTING_ITEM_OFFERED);

	clock_ms = T0 + 2100;
	routing_agent_present(R, "bob", true);         /* level 2 < 3 */
	clock_ms = T0 + 2200;
	routing_agent_present(R, "alice", true);       /* idle since 2200 */

	i2 = item("billing", 0);
	CHECK_EQ(rt_log.n, 2);
	CHECK_STR(last_agents(), "alice");             /* bob lacks level */

	/* carol finishes at 3000 and alice at 3100: carol idle longest */
	clock_ms = T0 + 2500;
	CHECK_EQ(routing_offer_accepted(i1, "carol"), 0);
	CHECK_EQ(routing_item_state(i1), ROUTING_ITEM_ACCEPTED);
	CHECK_EQ(routing_offer_accepted(i2, "alice"), 0);
	clock_ms = T0 + 3000;
	mem_deref(i1);
	clock_ms = T0 + 3100;
	mem_deref(i2);

	i3 = item("billing", 0);
	CHECK_EQ(rt_log.n, 3);
	CHECK_STR(last_agents(), "carol");

	mem_deref(i3);
	stop();
}


static void test_decline_blocks_then_expires(void)
{
	struct routing_item *i1;
	char *s;

	setup_billing();
	routing_agent_present(R, "alice", true);
	i1 = item("billing", 0);
	CHECK_EQ(rt_log.n, 1);
	CHECK_EQ(load_of("alice"), 1u);

	/* busy: back to waiting, alice skipped for 30 s */
	CHECK_EQ(routing_offer_declined(i1, "alice", ROUTING_DECLINED), 0);
	CHECK_EQ(load_of("alice"), 0u);
	CHECK_EQ(rt_log.n, 1);
	CHECK_EQ(waiting("billing"), 1u);
	CHECK_EQ(routing_next_deadline(R), clock_ms + 30000);
	CHECK_EQ(routing_offer_declined(i1, "alice", ROUTING_DECLINED),
		 ENOENT);

	/* carol comes: she gets it */
	routing_agent_present(R, "carol", true);
	CHECK_EQ(rt_log.n, 2);
	CHECK_STR(last_agents(), "carol");

	/* she declines too; after alice's block she is tried again */
	clock_ms += 1000;
	routing_offer_declined(i1, "carol", ROUTING_DECLINED);
	CHECK_EQ(rt_log.n, 2);
	clock_ms += 28999;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 2);
	clock_ms += 1;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 3);
	CHECK_STR(last_agents(), "alice");

	s = explain(i1);
	CHECK(rt_json_valid(s));
	CHECK(strstr(s, "\"outcome\":\"declined\"") != NULL);
	CHECK(strstr(s, "\"trigger\":\"block_ended\"") != NULL);
	CHECK(strstr(s, "declined it recently") != NULL);
	mem_deref(s);

	mem_deref(i1);
	CHECK_EQ(load_of("alice"), 0u);
	stop();
}


static void test_order_and_capacity(void)
{
	struct routing_item *it[3];
	struct routing_queue_conf q = qc("billing", ROUTING_LONGEST_IDLE);

	setup_billing();
	q.decline_block_s = 1;
	queue(q, "billing:3");
	routing_agent_present(R, "alice", false);
	agent("alice", "billing:5", 2);                 /* capacity 2 */
	routing_agent_present(R, "alice", false);

	for (int i = 0; i < 3; i++) {
		clock_ms += 10;
		it[i] = item("billing", 0);
	}
	CHECK_EQ(rt_log.n, 0);

	routing_agent_present(R, "alice", true);
	CHECK_EQ(rt_log.n, 2);                          /* two fit */
	CHECK(rt_log.v[0].item == it[0]);
	CHECK(rt_log.v[1].item == it[1]);

	/* the first is declined: alice is skipped for it, so the third,
	 * which she has room for now, is hers */
	routing_offer_declined(it[0], "alice", ROUTING_DECLINED);
	CHECK_EQ(rt_log.n, 3);
	CHECK(rt_log.v[2].item == it[2]);
	CHECK_EQ(waiting("billing"), 1u);

	/* once the block is over and she has room, the first is next */
	clock_ms += 1000;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 3);                          /* still full */
	serve(it[1], "alice");
	CHECK_EQ(rt_log.n, 4);
	CHECK(rt_log.v[3].item == it[0]);

	/* the caller of the third hangs up while ringing: capacity back */
	mem_deref(it[2]);
	CHECK_EQ(load_of("alice"), 1u);

	mem_deref(it[0]);
	CHECK_EQ(load_of("alice"), 0u);
	stop();
}


static struct routing_item *held;
static bool offered_again;

static void decline_first(struct routing_item *it, const char *const *a,
			  size_t n)
{
	(void)n;

	/* the phone is unreachable: decline from inside the handler */
	if (!offered_again) {
		offered_again = true;
		routing_offer_declined(it, a[0], ROUTING_FAILED);
		return;
	}
	held = it;
}


static void test_reentrant_handler(void)
{
	struct routing_item *it;
	char *s;

	start(T0);
	offered_again = false;
	held = NULL;
	hook = decline_first;
	queue(qc("q", ROUTING_LONGEST_IDLE), "x:1");
	agent("a1", "x:1", 1);
	clock_ms = T0 + 5;
	agent("a2", "x:1", 1);

	it = item("q", 0);
	CHECK(held == it);                              /* went to a2 */
	CHECK_EQ(rt_log.n, 2);
	CHECK_STR(rt_log.v[0].agents, "a1");
	CHECK_STR(rt_log.v[1].agents, "a2");
	CHECK_EQ(routing_item_state(it), ROUTING_ITEM_OFFERED);
	CHECK_EQ(load_of("a1"), 0u);

	/* the engine may go first; the item and its story stay usable */
	stop();
	s = explain(it);
	CHECK(rt_json_valid(s));
	CHECK(strstr(s, "\"outcome\":\"failed\"") != NULL);
	mem_deref(s);
	CHECK(routing_item_owner(it) == NULL);
	mem_deref(it);
}


static void fail_always(struct routing_item *it, const char *const *a,
			size_t n)
{
	for (size_t i = 0; i < n; i++)
		routing_offer_declined(it, a[i], ROUTING_FAILED);
}


/* decline_block_s 0 re-offers at once — but not in the same millisecond,
 * and not within a second of a failure, or an owner refusing from inside
 * the handler would spin forever. */
static void test_no_block_no_spin(void)
{
	struct routing_queue_conf q = qc("q", ROUTING_LONGEST_IDLE);
	struct routing_item *it;

	start(T0);
	q.decline_block_s = 0;
	queue(q, NULL);
	agent("a", NULL, 1);

	hook = fail_always;
	it = item("q", 0);
	CHECK_EQ(rt_log.n, 1);
	CHECK_EQ(routing_item_state(it), ROUTING_ITEM_WAITING);
	CHECK_EQ(routing_next_deadline(R), T0 + 1000);
	clock_ms = T0 + 999;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 1);
	clock_ms = T0 + 1000;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 2);

	/* a plain decline: offered again a millisecond later */
	hook = NULL;
	clock_ms = T0 + 5000;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 3);
	routing_offer_declined(it, "a", ROUTING_DECLINED);
	CHECK_EQ(rt_log.n, 3);
	clock_ms += 1;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 4);
	CHECK_EQ(routing_item_state(it), ROUTING_ITEM_OFFERED);

	mem_deref(it);
	stop();
}


static void test_statuses(void)
{
	struct routing_agent_info ai;
	struct routing_item *it;
	char *s;

	start(T0);
	CHECK(routing_status_exists(R, "available"));
	CHECK(routing_status_exists(R, "missed"));
	CHECK(!routing_status_exists(R, "chat"));
	CHECK_EQ(routing_status_set(R, "available", false), EINVAL);
	CHECK_EQ(routing_status_remove(R, "available"), EPERM);
	CHECK_EQ(routing_status_remove(R, "nosuch"), ENOENT);

	queue(qc("q", ROUTING_LONGEST_IDLE), NULL);
	agent("a", NULL, 1);
	CHECK_EQ(routing_agent_status(R, "a", "nosuch"), ENOENT);
	CHECK_EQ(routing_agent_status(R, "nobody", "break"), ENOENT);

	clock_ms = T0 + 100;
	CHECK_EQ(routing_agent_status(R, "a", "break"), 0);
	CHECK_EQ(routing_agent_info(R, "a", &ai), 0);
	CHECK_STR(ai.status, "break");
	CHECK_EQ(ai.status_since, T0 + 100);
	CHECK(ai.present);
	CHECK(!ai.routable);

	it = item("q", 0);
	CHECK_EQ(rt_log.n, 0);                  /* non-routable: nothing */
	s = explain(it);
	CHECK(strstr(s, "\"reason\":\"status break\"") != NULL);
	mem_deref(s);

	CHECK_EQ(routing_status_remove(R, "break"), EBUSY);

	/* back to available: offered at once */
	clock_ms = T0 + 200;
	routing_agent_status(R, "a", "available");
	CHECK_EQ(rt_log.n, 1);
	CHECK_STR(last_agents(), "a");
	routing_offer_declined(it, "a", ROUTING_FAILED);

	/* no phone: not routable, whatever the status */
	routing_agent_present(R, "a", false);
	mem_deref(it);
	it = item("q", 0);
	CHECK_EQ(rt_log.n, 1);
	s = explain(it);
	CHECK(strstr(s, "no phone registered") != NULL);
	mem_deref(s);

	/* a custom status made routable brings its agents in */
	routing_agent_present(R, "a", true);
	CHECK_EQ(rt_log.n, 2);
	mem_deref(it);
	CHECK_EQ(routing_status_set(R, "chat", false), 0);
	routing_agent_status(R, "a", "chat");
	it = item("q", 0);
	CHECK_EQ(rt_log.n, 2);
	CHECK_EQ(routing_status_set(R, "chat", true), 0);
	CHECK_EQ(rt_log.n, 3);
	CHECK(last_item() == it);
	mem_deref(it);

	routing_agent_status(R, "a", "available");
	CHECK_EQ(routing_status_remove(R, "chat"), 0);
	CHECK(!routing_status_exists(R, "chat"));
	stop();
}


static void test_round_robin(void)
{
	const struct routing_member m[4][2] = {
		{{"rr", 1, 1, 1}, {"rr2", 1, 1, 1}},
		{{"rr", 1, 2, 1}, {"rr2", 1, 2, 1}},
		{{"rr", 1, 3, 1}, {"rr2", 1, 3, 1}},
		{{"rr", 1, 4, 1}, {"rr2", 1, 4, 1}},
	};
	const char *seq1[] = {"a1", "a2", "a3", "a4", "a1", "a3", "a4",
			      "a1", "a3"};
	char id[8];
	char *s;

	start(T0);
	queue(qc("rr", ROUTING_ROUND_ROBIN), NULL);
	queue(qc("rr2", ROUTING_ROUND_ROBIN), NULL);

	/* created in reverse order: the positions decide, not idle time */
	for (int i = 3; i >= 0; i--) {
		re_snprintf(id, sizeof(id), "a%d", i + 1);
		clock_ms += 10;
		agent_m(id, NULL, 1, m[i], 2);
	}

	for (size_t i = 0; i < ARRAY_SIZE(seq1); i++) {
		struct routing_item *it;

		if (i == 5)     /* a2 goes on break: skipped from now on */
			routing_agent_status(R, "a2", "break");

		clock_ms += 1000;
		it = item("rr", 0);
		CHECK_EQ(rt_log.n, (int)i + 1);
		CHECK_STR(last_agents(), seq1[i]);

		if (i == 6) {
			s = explain(it);
			CHECK(rt_json_valid(s));
			CHECK(strstr(s, "position 4 after 3") != NULL);
			mem_deref(s);
		}
		serve(it, seq1[i]);
	}

	/* the other queue remembers its own place: it starts at the top */
	{
		struct routing_item *it = item("rr2", 0);

		CHECK_STR(last_agents(), "a1");
		serve(it, "a1");
		it = item("rr2", 0);
		CHECK_STR(last_agents(), "a3");
		serve(it, "a3");
	}

	stop();
}


static void test_top_down(void)
{
	const struct routing_member mb[] = {{"td", 1, 3, 1}};
	const struct routing_member mc[] = {{"td", 1, 1, 1}};
	const struct routing_member md[] = {{"td", 1, 2, 1}};
	struct routing_item *i1, *i2, *i3;

	start(T0);
	queue(qc("td", ROUTING_TOP_DOWN), NULL);
	agent_m("b", NULL, 1, mb, 1);
	agent_m("c", NULL, 1, mc, 1);
	agent_m("d", NULL, 1, md, 1);

	i1 = item("td", 0);
	CHECK_STR(last_agents(), "c");
	serve(i1, "c");
	i1 = item("td", 0);
	CHECK_STR(last_agents(), "c");                 /* always the top */
	i2 = item("td", 0);
	CHECK_STR(last_agents(), "d");
	i3 = item("td", 0);
	CHECK_STR(last_agents(), "b");
	serve(i1, "c");
	serve(i2, "d");
	serve(i3, "b");
	stop();
}


static void test_fewest_calls_and_day(void)
{
	struct routing_item *it;
	char *s;

	start(T0);
	queue(qc("fc", ROUTING_FEWEST_CALLS), NULL);
	agent("a", NULL, 1);
	clock_ms += 10;
	agent("b", NULL, 1);
	clock_ms += 10;
	agent("c", NULL, 1);

	/* a takes 2 calls, b 1 */
	for (int i = 0; i < 3; i++) {
		const char *who = i < 2 ? "a" : "b";

		clock_ms += 1000;
		routing_agent_status(R, "b", i < 2 ? "busy" : "available");
		routing_agent_status(R, "c", "busy");
		routing_agent_status(R, "a", i < 2 ? "available" : "busy");
		it = item("fc", 0);
		CHECK_STR(last_agents(), who);
		serve(it, who);
	}

	routing_agent_status(R, "a", "available");
	routing_agent_status(R, "b", "available");
	routing_agent_status(R, "c", "available");

	clock_ms += 1000;
	it = item("fc", 0);
	CHECK_STR(last_agents(), "c");                 /* 0 calls */
	serve(it, "c");
	clock_ms += 1000;
	it = item("fc", 0);
	CHECK_STR(last_agents(), "b");                 /* 1 < 2 (c: 1, idle
							  shorter) */
	s = explain(it);
	CHECK(strstr(s, "1 calls today") != NULL);
	mem_deref(s);
	serve(it, "b");

	/* a new UTC day: everyone at 0 again, so the longest idle wins */
	clock_ms = (T0 / 86400000 + 1) * 86400000 + 5000;
	it = item("fc", 0);
	CHECK_STR(last_agents(), "a");
	serve(it, "a");
	stop();
}


static void test_least_talk_time(void)
{
	struct routing_item *it;
	const char *who[] = {"a", "b", "c"};
	const uint64_t talk[] = {60000, 10000, 30000};

	start(T0);
	queue(qc("lt", ROUTING_LEAST_TALK_TIME), NULL);
	for (int i = 0; i < 3; i++) {
		agent(who[i], NULL, 1);
		routing_agent_status(R, who[i], "busy");
	}

	for (int i = 0; i < 3; i++) {
		struct routing_agent_info ai;

		routing_agent_status(R, who[i], "available");
		it = item("lt", 0);
		CHECK_STR(last_agents(), who[i]);
		routing_offer_accepted(it, who[i]);
		clock_ms += talk[i];
		mem_deref(it);
		routing_agent_status(R, who[i], "busy");
		CHECK_EQ(routing_agent_info(R, who[i], &ai), 0);
		CHECK_EQ(ai.talk_ms_today, talk[i]);
		CHECK_EQ(ai.accepted_today, 1u);
	}

	for (int i = 0; i < 3; i++)
		routing_agent_status(R, who[i], "available");

	it = item("lt", 0);
	CHECK_STR(last_agents(), "b");
	mem_deref(it);
	stop();
}


static void test_least_active_most_available(void)
{
	struct routing_item *busy1, *it;

	start(T0);
	queue(qc("la", ROUTING_LEAST_ACTIVE), NULL);
	queue(qc("ma", ROUTING_MOST_AVAILABLE), NULL);
	queue(qc("w", ROUTING_LONGEST_IDLE), "w:1");

	agent("a", NULL, 4);            /* will hold 1: free 3, load 1 */
	clock_ms += 10;
	agent("b", NULL, 2);            /* free 2, load 0 */
	clock_ms += 10;
	agent("c", NULL, 1);            /* free 1, load 0 */
	clock_ms += 10;

	/* give a some load through a queue only a serves */
	agent("a", "w:1", 4);
	busy1 = item("w", 0);
	CHECK_STR(last_agents(), "a");
	routing_offer_accepted(busy1, "a");

	/* least active: load 0 first (b idle longer than c) */
	it = item("la", 0);
	CHECK_STR(last_agents(), "b");
	mem_deref(it);

	/* most available: a has 3 free */
	it = item("ma", 0);
	CHECK_STR(last_agents(), "a");
	mem_deref(it);

	mem_deref(busy1);
	stop();
}


static void test_random_reproducible_uniform(void)
{
	char seqa[64], seqb[64], seqc[64];
	int count[7] = {0};
	struct routing_item *it;
	char id[8];

	for (int run = 0; run < 3; run++) {
		char *seq = run == 0 ? seqa : run == 1 ? seqb : seqc;

		start(T0);
		routing_seed(R, run < 2 ? 42 : 43);
		queue(qc("rnd", ROUTING_RANDOM), NULL);
		for (int i = 0; i < 7; i++) {
			re_snprintf(id, sizeof(id), "a%d", i);
			agent(id, NULL, 1);
		}

		it = item("rnd", 0);
		for (int i = 0; i < 40; i++) {
			const char *a = last_agents();

			seq[i] = a[1];
			routing_offer_withdrawn(it, a);
		}
		seq[40] = '\0';

		if (run == 0) {
			/* 7000 draws: each agent near 1000 (sd ~ 29) */
			for (int i = 0; i < 7000; i++) {
				const char *a = last_agents();

				++count[a[1] - '0'];
				routing_offer_withdrawn(it, a);
			}
		}

		mem_deref(it);
		stop();
	}

	CHECK_STR(seqa, seqb);                  /* same seed, same picks */
	CHECK(strcmp(seqa, seqc) != 0);
	for (int i = 0; i < 7; i++)
		CHECK(count[i] > 880 && count[i] < 1120);
}


static void test_weighted_random(void)
{
	const struct routing_member m[4] = {
		{"wr", 1, 0, 1}, {"wr", 1, 0, 2}, {"wr", 1, 0, 3},
		{"wr", 1, 0, 4},
	};
	int count[4] = {0};
	struct routing_item *it;
	char id[8], *s;
	const int n = 20000;

	start(T0);
	routing_seed(R, 7);
	queue(qc("wr", ROUTING_WEIGHTED_RANDOM), NULL);
	for (int i = 0; i < 4; i++) {
		re_snprintf(id, sizeof(id), "w%d", i + 1);
		agent_m(id, NULL, 1, &m[i], 1);
	}

	it = item("wr", 0);
	s = explain(it);
	CHECK(strstr(s, "weighted pick: weight") != NULL);
	CHECK(strstr(s, "of 10\"") != NULL);
	mem_deref(s);

	for (int i = 0; i < n; i++) {
		const char *a = last_agents();

		++count[a[1] - '1'];
		routing_offer_withdrawn(it, a);
	}

	/* expected 10 %, 20 %, 30 %, 40 %: within 1.5 points */
	for (int i = 0; i < 4; i++) {
		const double share = 100.0 * count[i] / n;

		CHECK(share > 10.0 * (i + 1) - 1.5 &&
		      share < 10.0 * (i + 1) + 1.5);
	}

	mem_deref(it);
	stop();
}


static void test_tiers(void)
{
	const struct routing_member l1[] = {{"t", 1, 0, 1}};
	const struct routing_member l2[] = {{"t", 2, 0, 1}};
	const struct routing_member l3[] = {{"t", 3, 0, 1}};
	struct routing_queue_conf q = qc("t", ROUTING_TIERS);
	struct routing_item *it, *it2;
	char *s;

	start(T0);
	q.tier_wait_s = 10;
	queue(q, NULL);
	agent_m("x1", NULL, 1, l1, 1);
	agent_m("x3", NULL, 1, l3, 1);
	clock_ms += 10;
	agent_m("x2", NULL, 1, l2, 1);
	routing_agent_status(R, "x1", "busy");

	clock_ms = T0 + 100000;
	it = item("t", 0);
	CHECK_EQ(rt_log.n, 0);                  /* level 1 is busy */
	CHECK_EQ(routing_next_deadline(R), clock_ms + 10000);
	s = explain(it);
	CHECK(strstr(s, "tier level 2, levels up to 1 so far") != NULL);
	CHECK(strstr(s, "\"max_tier_level\":1") != NULL);
	mem_deref(s);

	clock_ms += 9999;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 0);
	clock_ms += 1;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 1);
	CHECK_STR(last_agents(), "x2");

	/* x2 declines: level 3 joins only at 20 s */
	routing_offer_declined(it, "x2", ROUTING_DECLINED);
	CHECK_EQ(rt_log.n, 1);
	CHECK_EQ(routing_next_deadline(R), T0 + 100000 + 20000);
	clock_ms = T0 + 100000 + 20000;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 2);
	CHECK_STR(last_agents(), "x3");

	/* a fresh item goes to level 1 first when it is free, even though
	 * level 2 was idle longer */
	routing_agent_status(R, "x1", "available");
	it2 = item("t", 0);
	CHECK_STR(last_agents(), "x1");

	mem_deref(it2);
	mem_deref(it);
	stop();
}


static void test_relaxation(void)
{
	const struct routing_relax rx[] = {
		{20, "billing", 0}, {10, "billing", 3},
	};
	struct routing_queue_conf q = qc("q", ROUTING_LONGEST_IDLE);
	struct routing_item *it;
	char *s;

	start(T0);
	q.relax = rx;
	q.nrelax = 2;
	CHECK_EQ(queue(q, "billing:5"), 0);
	agent("x", "billing:4", 1);
	agent("y", "spanish:3", 1);             /* no billing at all */

	it = item("q", 0);
	CHECK_EQ(rt_log.n, 0);
	CHECK_EQ(routing_next_deadline(R), T0 + 10000);
	s = explain(it);
	CHECK(strstr(s, "billing 4 < 5") != NULL);
	CHECK(strstr(s, "billing missing (needs 5)") != NULL);
	mem_deref(s);

	clock_ms = T0 + 10000;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 1);
	CHECK_STR(last_agents(), "x");
	s = explain(it);
	CHECK(strstr(s, "\"trigger\":\"stage\"") != NULL);
	CHECK(strstr(s, "{\"skill\":\"billing\",\"min\":3}") != NULL);
	mem_deref(s);

	/* x declines; at 20 s billing is dropped: y */
	routing_offer_declined(it, "x", ROUTING_DECLINED);
	CHECK_EQ(rt_log.n, 1);
	clock_ms = T0 + 20000;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 2);
	CHECK_STR(last_agents(), "y");
	s = explain(it);
	CHECK(strstr(s, "\"stage\":2") != NULL);
	CHECK(strstr(s, "\"requires\":[]") != NULL);
	mem_deref(s);
	mem_deref(it);

	/* a step never raises a level: raising, or setting a dropped skill
	 * again, changes nothing; a skill the queue lacks is refused */
	{
		const struct routing_relax other[] = {{5, "french", 1}};
		const struct routing_relax odd[] = {
			{5, "billing", 0}, {6, "billing", 2},
			{1, "english", 9},
		};

		q.relax = other;
		q.nrelax = 1;
		CHECK_EQ(queue(q, "billing:5"), EINVAL);
		q.relax = odd;
		q.nrelax = 3;
		CHECK_EQ(queue(q, "billing:5,english:4"), 0);

		agent("z", "english:4", 1);             /* nothing else */
		clock_ms = T0 + 100000;
		it = item("q", 0);
		CHECK_EQ(rt_log.n, 2);                  /* billing needed */
		clock_ms += 1000;
		routing_tick(R);
		CHECK_EQ(rt_log.n, 2);                  /* english not 9 */
		clock_ms += 4000;
		routing_tick(R);
		CHECK_EQ(rt_log.n, 3);                  /* dropped at 5 s */
		CHECK(last_item() == it);
		s = explain(it);
		CHECK(strstr(s, "\"requires\":[{\"skill\":\"english\","
			     "\"min\":4}]") != NULL);
		mem_deref(s);
		mem_deref(it);
	}

	stop();
}


/* One agent, busy; items wait in two queues with different aging. */
static void test_aging_across_queues(void)
{
	struct routing_queue_conf qa = qc("qa", ROUTING_LONGEST_IDLE);
	struct routing_queue_conf qb = qc("qb", ROUTING_LONGEST_IDLE);
	struct routing_item *hold, *low, *high, *low2, *mid;

	start(T0);
	qa.aging_per_min = 2.0;
	qb.aging_per_min = 0;
	queue(qa, NULL);
	queue(qb, NULL);
	queue(qc("w", ROUTING_LONGEST_IDLE), "w:1");
	agent("x", "w:1", 1);
	hold = item("w", 0);
	routing_offer_accepted(hold, "x");

	low = item("qa", 1);                            /* 1 + 2/min */
	clock_ms += 60000;
	high = item("qb", 5);                           /* 5, later */

	/* after 1 min: low is at 3, high at 5: the later one goes first */
	mem_deref(hold);
	CHECK(last_item() == high);
	serve(high, "x");                               /* x free again */
	CHECK(last_item() == low);
	routing_offer_accepted(low, "x");

	/* aging lets an old low-priority item overtake a newer, higher one:
	 * low2 (qa, 1) arrives now, mid (qb, 6) 1 min later; at +1 min low2
	 * is at 3 < 6, at +3 min at 7 > 6 */
	low2 = item("qa", 1);
	clock_ms += 60000;
	mid = item("qb", 6);
	clock_ms += 120000;
	mem_deref(low);
	CHECK(last_item() == low2);
	serve(low2, "x");
	CHECK(last_item() == mid);
	serve(mid, "x");

	/* within one queue too: an old item (1 + 2 × 2 = 5) before a new
	 * one of priority 4 */
	hold = item("w", 0);
	routing_offer_accepted(hold, "x");
	low = item("qa", 1);
	clock_ms += 120000;
	high = item("qa", 4);
	mem_deref(hold);
	CHECK(last_item() == low);
	serve(low, "x");
	CHECK(last_item() == high);
	serve(high, "x");
	stop();
}


static void test_overflow(void)
{
	struct routing_queue_conf qa = qc("A", ROUTING_LONGEST_IDLE);
	struct routing_item *hold, *a1, *b1;
	char *s;

	start(T0);
	qa.overflow_to = "B";
	qa.overflow_after_s = 30;
	queue(qa, "a:5");
	queue(qc("B", ROUTING_LONGEST_IDLE), "b:1");
	agent("y", "b:1", 1);                           /* only serves B */
	queue(qc("w", ROUTING_LONGEST_IDLE), "w:1");
	agent("y", "b:1,w:1", 1);
	hold = item("w", 0);
	routing_offer_accepted(hold, "y");

	a1 = item("A", 0);                              /* arrives first */
	CHECK_EQ(routing_next_deadline(R), T0 + 30000);
	clock_ms = T0 + 10000;
	b1 = item("B", 0);
	clock_ms = T0 + 30000;
	routing_tick(R);
	CHECK_STR(routing_item_queue(a1), "B");
	CHECK_EQ(waiting("A"), 0u);
	CHECK_EQ(waiting("B"), 2u);

	/* y frees: a1 kept its arrival, so it is ahead of b1 */
	clock_ms += 1000;
	mem_deref(hold);
	CHECK(last_item() == a1);
	CHECK_STR(last_agents(), "y");

	s = explain(a1);
	CHECK(rt_json_valid(s));
	CHECK(strstr(s, "\"trigger\":\"overflow\",\"queue\":\"B\","
		     "\"overflow_from\":\"A\"") != NULL);
	mem_deref(s);

	{
		struct routing_queue_stats st;

		CHECK_EQ(routing_queue_stats(R, "B", &st), 0);
		CHECK_EQ(st.today.offered, 2u);
		CHECK_EQ(routing_queue_stats(R, "A", &st), 0);
		CHECK_EQ(st.today.offered, 1u);
		CHECK_EQ(st.today.abandoned, 0u);
	}

	mem_deref(a1);
	mem_deref(b1);
	stop();
}


static void test_capacity_and_sizes(void)
{
	struct routing_item *big1, *big2, *small, *sp;
	char *s;

	start(T0);
	queue(qc("q", ROUTING_LONGEST_IDLE), NULL);
	agent("a", NULL, 3);

	big1 = item_x("q", 0, 2, NULL);
	CHECK_STR(last_agents(), "a");
	CHECK_EQ(load_of("a"), 2u);

	big2 = item_x("q", 0, 2, NULL);                /* 1 unit free */
	CHECK_EQ(rt_log.n, 1);
	s = explain(big2);
	CHECK(strstr(s, "no room for size 2 (load 2/3)") != NULL);
	mem_deref(s);

	small = item_x("q", 0, 1, NULL);                /* fits */
	CHECK_EQ(rt_log.n, 2);
	CHECK(last_item() == small);
	CHECK_EQ(load_of("a"), 3u);

	/* the first ends: 2 free, the big one fits now */
	mem_deref(big1);
	CHECK_EQ(rt_log.n, 3);
	CHECK(last_item() == big2);
	CHECK_EQ(load_of("a"), 3u);

	/* an item-level skill: a lacks it, b has it */
	agent("b", "spanish:6", 1);
	mem_deref(small);                               /* a: 1 free */
	sp = item_x("q", 0, 1, "spanish:5");
	CHECK_STR(last_agents(), "b");
	s = explain(sp);
	CHECK(strstr(s, "item needs spanish 5, has none") != NULL);
	CHECK(strstr(s, "{\"skill\":\"spanish\",\"min\":5}") != NULL);
	mem_deref(s);

	mem_deref(sp);
	mem_deref(big2);
	CHECK_EQ(load_of("a"), 0u);
	CHECK_EQ(load_of("b"), 0u);
	stop();
}


/* An agent's own call outside routing (click-to-dial) holds capacity
 * like an accepted item; giving it back offers the waiting work. */
static void test_reserve_and_release(void)
{
	struct routing_item *it;

	start(T0);
	queue(qc("q", ROUTING_LONGEST_IDLE), NULL);
	agent("a", NULL, 1);

	CHECK_EQ(routing_agent_reserve(R, "nobody", 1), ENOENT);
	CHECK_EQ(routing_agent_reserve(R, "a", 1), 0);
	CHECK_EQ(load_of("a"), 1u);
	CHECK_EQ(routing_agent_reserve(R, "a", 1), EBUSY);

	it = item_x("q", 0, 1, NULL);                   /* a is full */
	CHECK_EQ(rt_log.n, 0);

	/* more than reserved gives back only what was */
	routing_agent_release(R, "a", 5);
	CHECK_EQ(rt_log.n, 1);
	CHECK(last_item() == it);
	CHECK_EQ(load_of("a"), 1u);                     /* the offer's */
	routing_agent_release(R, "a", 1);
	CHECK_EQ(load_of("a"), 1u);

	/* an offer ringing holds its unit: nothing to reserve */
	CHECK_EQ(routing_agent_reserve(R, "a", 1), EBUSY);
	mem_deref(it);
	CHECK_EQ(load_of("a"), 0u);
	stop();
}


static void test_timeout_missed_status(void)
{
	struct routing_queue_conf q = qc("q", ROUTING_LONGEST_IDLE);
	struct routing_agent_info ai;
	struct routing_item *it, *it2;
	char *s;

	start(T0);
	q.missed_status = "missed";
	queue(q, NULL);
	queue(qc("plain", ROUTING_LONGEST_IDLE), NULL);
	agent("a", NULL, 1);
	clock_ms += 10;
	agent("b", NULL, 1);
	routing_agent_status(R, "b", "busy");

	it = item("q", 0);
	CHECK_STR(last_agents(), "a");
	clock_ms += 15000;
	CHECK_EQ(routing_offer_declined(it, "a", ROUTING_TIMEOUT), 0);
	CHECK_EQ(routing_agent_info(R, "a", &ai), 0);
	CHECK_STR(ai.status, "missed");
	CHECK(!ai.routable);
	CHECK_EQ(rt_log.n, 1);                  /* a walked away: nobody */

	routing_agent_status(R, "b", "available");
	CHECK_STR(last_agents(), "b");
	s = explain(it);
	CHECK(strstr(s, "\"outcome\":\"timeout\"") != NULL);
	mem_deref(s);
	serve(it, "b");

	/* back at the desk: offers resume */
	routing_agent_status(R, "a", "available");
	it2 = item("q", 0);
	CHECK_STR(last_agents(), "a");

	/* a queue without a missed status leaves the status alone */
	mem_deref(it2);
	routing_agent_status(R, "b", "busy");
	it2 = item("plain", 0);
	CHECK_STR(last_agents(), "a");
	routing_offer_declined(it2, "a", ROUTING_TIMEOUT);
	CHECK_EQ(routing_agent_info(R, "a", &ai), 0);
	CHECK_STR(ai.status, "available");
	mem_deref(it2);
	stop();
}


static void test_ring_all(void)
{
	struct routing_queue_conf q = qc("ra", ROUTING_RING_ALL);
	struct routing_item *it, *it2;
	char *s;

	start(T0);
	q.decline_block_s = 5;
	queue(q, NULL);
	agent("a", NULL, 1);
	clock_ms += 10;
	agent("b", NULL, 1);
	agent("c", NULL, 1);
	routing_agent_status(R, "c", "break");

	it = item("ra", 0);
	CHECK_EQ(rt_log.n, 1);                  /* one call, both agents */
	CHECK_EQ(rt_log.v[0].n, 2u);
	CHECK_STR(last_agents(), "a,b");
	CHECK_EQ(load_of("a"), 1u);
	CHECK_EQ(load_of("b"), 1u);

	/* b answers first; a's accept comes too late */
	CHECK_EQ(routing_offer_accepted(it, "b"), 0);
	CHECK_EQ(routing_offer_accepted(it, "a"), EALREADY);
	CHECK_EQ(load_of("a"), 1u);             /* until withdrawn */
	CHECK_EQ(routing_offer_withdrawn(it, "a"), 0);
	CHECK_EQ(load_of("a"), 0u);
	CHECK_EQ(routing_item_state(it), ROUTING_ITEM_ACCEPTED);
	s = explain(it);
	CHECK(strstr(s, "\"outcome\":\"accepted\"") != NULL);
	CHECK(strstr(s, "\"outcome\":\"withdrawn\"") != NULL);
	CHECK(strstr(s, "every qualified free agent") != NULL);
	mem_deref(s);

	/* everyone refuses: it waits, then rings again after the blocks */
	routing_agent_status(R, "c", "available");
	it2 = item("ra", 0);
	CHECK_EQ(rt_log.v[(rt_log.n - 1) % LOG_MAX].n, 2u);
	CHECK_STR(last_agents(), "a,c");
	routing_offer_declined(it2, "a", ROUTING_DECLINED);
	CHECK_EQ(routing_item_state(it2), ROUTING_ITEM_OFFERED);
	routing_offer_declined(it2, "c", ROUTING_DECLINED);
	CHECK_EQ(routing_item_state(it2), ROUTING_ITEM_WAITING);
	CHECK_EQ(rt_log.n, 2);
	clock_ms += 5000;
	routing_tick(R);
	CHECK_EQ(rt_log.n, 3);
	CHECK_STR(last_agents(), "a,c");

	/* an agent that frees up joins nothing already ringing, but a
	 * waiting ring-all item rings it */
	mem_deref(it);                          /* b free */
	CHECK_EQ(rt_log.n, 3);
	routing_offer_declined(it2, "a", ROUTING_DECLINED);
	routing_offer_declined(it2, "c", ROUTING_DECLINED);
	CHECK_EQ(rt_log.n, 4);
	CHECK_STR(last_agents(), "b");
	mem_deref(it2);
	stop();
}


static void test_best_item_across_queues(void)
{
	const struct routing_member m[] = {{"q1", 1, 0, 1}, {"q2", 1, 0, 1}};
	struct routing_item *hold, *a, *b, *c, *other;

	start(T0);
	queue(qc("q1", ROUTING_LONGEST_IDLE), NULL);
	queue(qc("q2", ROUTING_LONGEST_IDLE), NULL);
	queue(qc("q3", ROUTING_LONGEST_IDLE), NULL);   /* not x's */
	agent_m("x", NULL, 1, m, 2);
	hold = item("q1", 0);
	routing_offer_accepted(hold, "x");

	clock_ms += 1000;
	a = item("q1", 3);
	clock_ms += 1000;
	b = item("q2", 7);
	clock_ms += 1000;
	c = item("q1", 7);
	clock_ms += 1000;
	other = item("q3", 10);

	mem_deref(hold);
	CHECK(last_item() == b);                /* 7, earlier than c */
	serve(b, "x");
	CHECK(last_item() == c);
	serve(c, "x");
	CHECK(last_item() == a);
	serve(a, "x");
	CHECK_EQ(waiting("q3"), 1u);
	mem_deref(other);
	stop();
}


static void test_stats_windows(void)
{
	struct routing_queue_conf q = qc("s", ROUTING_LONGEST_IDLE);
	struct routing_queue_stats st;
	struct routing_item *i1, *i2, *i3, *i4;
	const uint64_t day = T0 / 86400000 * 86400000;

	start(day + 10 * 3600000);              /* 10:00 UTC */
	q.service_level_s = 20;
	queue(q, NULL);
	agent("a", NULL, 1);
	routing_agent_status(R, "a", "busy");

	i1 = item("s", 0);
	i2 = item("s", 0);
	clock_ms += 5000;
	i3 = item("s", 0);

	CHECK_EQ(routing_queue_stats(R, "s", &st), 0);
	CHECK_EQ(st.waiting, 3u);
	CHECK_EQ(st.longest_wait_ms, 5000u);
	CHECK_EQ(st.agents_routable, 0u);
	CHECK_EQ(st.agents_available, 0u);
	CHECK_EQ(routing_queue_stats(R, "nosuch", &st), ENOENT);

	routing_agent_status(R, "a", "available");
	routing_offer_accepted(i1, "a");        /* after 5 s: within SL */
	CHECK_EQ(routing_queue_stats(R, "s", &st), 0);
	CHECK_EQ(st.agents_routable, 1u);
	CHECK_EQ(st.agents_available, 0u);
	clock_ms += 25000;
	mem_deref(i1);                          /* i2 offered at 30 s */
	routing_offer_accepted(i2, "a");        /* not within SL */
	mem_deref(i3);                          /* abandoned */
	mem_deref(i2);

	CHECK_EQ(routing_queue_stats(R, "s", &st), 0);
	CHECK_EQ(st.waiting, 0u);
	CHECK_EQ(st.agents_available, 1u);
	CHECK_EQ(st.last15.offered, 3u);
	CHECK_EQ(st.last15.answered, 2u);
	CHECK_EQ(st.last15.answered_in_sl, 1u);
	CHECK_EQ(st.last15.abandoned, 1u);
	CHECK(st.last15.service_level_pct > 33.3 &&
	      st.last15.service_level_pct < 33.4);
	CHECK_EQ(st.today.offered, 3u);

	/* 14 minutes later the events still count; at 15 the minute they
	 * happened in has left the window */
	clock_ms = day + 10 * 3600000 + 14 * 60000 + 59999;
	CHECK_EQ(routing_queue_stats(R, "s", &st), 0);
	CHECK_EQ(st.last15.offered, 3u);
	i4 = item("s", 0);
	serve(i4, "a");
	clock_ms = day + 10 * 3600000 + 15 * 60000;
	CHECK_EQ(routing_queue_stats(R, "s", &st), 0);
	CHECK_EQ(st.last15.offered, 1u);
	CHECK_EQ(st.last15.answered_in_sl, 1u);
	CHECK(st.last15.service_level_pct > 99.9);
	CHECK_EQ(st.today.offered, 4u);
	CHECK_EQ(st.today.answered, 3u);

	clock_ms += 16 * 60000;
	CHECK_EQ(routing_queue_stats(R, "s", &st), 0);
	CHECK_EQ(st.last15.offered, 0u);
	CHECK(st.last15.service_level_pct > 99.9);   /* nothing: 100 */
	CHECK_EQ(st.today.offered, 4u);

	/* the next UTC day starts from zero */
	clock_ms = day + 86400000 + 1000;
	CHECK_EQ(routing_queue_stats(R, "s", &st), 0);
	CHECK_EQ(st.today.offered, 0u);
	{
		struct routing_agent_info ai;

		CHECK_EQ(routing_agent_info(R, "a", &ai), 0);
		CHECK_EQ(ai.accepted_today, 0u);
		clock_ms = day + 86400000 - 1;
		CHECK_EQ(routing_agent_info(R, "a", &ai), 0);
		CHECK_EQ(ai.accepted_today, 3u);
		CHECK_EQ(ai.talk_ms_today, 25000u);
	}
	stop();
}


static void test_explain_content(void)
{
	const struct routing_member bob_m[] = {{"billing", 1, 0, 1}};
	struct routing_queue_conf q = qc("billing", ROUTING_LONGEST_IDLE);
	struct routing_item *it, *hold, *odd;
	char *s;

	start(T0);
	q.decline_block_s = 60;
	queue(q, "billing:3");
	queue(qc("w", ROUTING_LONGEST_IDLE), "w:1");
	agent("frank", "billing:9", 1);         /* will decline */
	clock_ms += 10;
	agent("alice", "billing:5", 1);
	/* a configured member below the queue's level (an agent without a
	 * member list is a member only of queues whose skills it meets) */
	agent_m("bob", "billing:2", 1, bob_m, 1);
	agent("carol", "billing:7", 1);
	routing_agent_status(R, "carol", "break");
	agent("dave", "billing:7", 1);
	routing_agent_present(R, "dave", false);
	agent("erin", "billing:7,w:1", 1);
	hold = item("w", 0);
	CHECK_STR(last_agents(), "erin");

	routing_agent_status(R, "alice", "busy");
	it = item("billing", 4);
	CHECK_STR(last_agents(), "frank");
	routing_offer_declined(it, "frank", ROUTING_DECLINED);
	routing_agent_status(R, "alice", "available");
	CHECK_STR(last_agents(), "alice");

	s = explain(it);
	CHECK(s != NULL);
	CHECK(rt_json_valid(s));
	{
		const char *head = "{\"decisions\":[{\"at\":"
			"\"2026-11-27T10:00:00.010Z\",";

		CHECK(!strncmp(s, head, strlen(head)));
	}
	CHECK(strstr(s, "\"trigger\":\"arrival\"") != NULL);
	CHECK(strstr(s, "\"trigger\":\"returned\"") != NULL);
	CHECK(strstr(s, "\"trigger\":\"agent_free\"") != NULL);
	CHECK(strstr(s, "\"result\":\"no_agent\"") != NULL);
	CHECK(strstr(s, "\"strategy\":\"longest-idle\"") != NULL);
	CHECK(strstr(s, "\"requires\":[{\"skill\":\"billing\",\"min\":3}]"));
	CHECK(strstr(s, "{\"agent\":\"frank\",\"key\":\"idle since "
		     "2026-11-27T10:00:00.000Z\",\"outcome\":\"declined\"") !=
	      NULL);
	CHECK(strstr(s, "{\"agent\":\"bob\",\"code\":\"skill\","
		     "\"reason\":\"billing 2 < 3\"}") != NULL);
	CHECK(strstr(s, "{\"agent\":\"carol\",\"code\":\"status\","
		     "\"reason\":\"status break\"}") != NULL);
	CHECK(strstr(s, "{\"agent\":\"dave\",\"code\":\"not_present\","
		     "\"reason\":\"no phone registered\"}") != NULL);
	CHECK(strstr(s, "{\"agent\":\"erin\",\"code\":\"at_capacity\","
		     "\"reason\":\"at capacity (load 1/1)\"}") != NULL);
	CHECK(strstr(s, "{\"agent\":\"frank\",\"code\":\"declined_recently\"")
	      != NULL);
	CHECK(strstr(s, "\"members_not_examined\":0") != NULL);
	CHECK(strstr(s, "\"effective_priority\":4.000") != NULL);
	CHECK(strstr(s, "\"outcome\":\"pending\",\"outcome_at\":null") != NULL);
	mem_deref(s);

	/* names that need escaping still make valid JSON */
	queue(qc("q\"\\\n", ROUTING_LONGEST_IDLE), "sk\"ill:1");
	odd = item("q\"\\\n", 0);
	CHECK(odd != NULL);
	s = explain(odd);
	CHECK(rt_json_valid(s));
	CHECK(strstr(s, "sk\\\"ill") != NULL);
	mem_deref(s);

	/* a big queue: 20 members listed at most, the rest counted */
	for (int i = 0; i < 30; i++) {
		char id[8];

		re_snprintf(id, sizeof(id), "m%02d", i);
		agent(id, "sk\"ill:1", 1);
		routing_agent_status(R, id, "lunch");
	}
	mem_deref(odd);
	odd = item("q\"\\\n", 0);
	s = explain(odd);
	CHECK(rt_json_valid(s));
	CHECK(strstr(s, "\"members_not_examined\":10") != NULL);
	CHECK(strstr(s, "status lunch") != NULL);
	mem_deref(s);

	mem_deref(odd);
	mem_deref(it);
	mem_deref(hold);
	stop();
}


static void test_removals(void)
{
	struct routing_item *it, *orphan, *it2;
	struct routing_queue_stats st;
	struct routing_agent_info ai;

	start(T0);
	queue(qc("q", ROUTING_LONGEST_IDLE), NULL);
	agent("a", NULL, 1);
	clock_ms += 10;
	agent("b", NULL, 1);
	routing_agent_status(R, "b", "busy");

	/* an agent removed while its phone rings: the item waits again */
	it = item("q", 0);
	CHECK_STR(last_agents(), "a");
	routing_agent_remove(R, "a");
	CHECK_EQ(routing_item_state(it), ROUTING_ITEM_WAITING);
	CHECK_EQ(routing_agent_info(R, "a", &ai), ENOENT);
	routing_agent_status(R, "b", "available");
	CHECK_STR(last_agents(), "b");
	CHECK_EQ(routing_offer_accepted(it, "a"), ENOENT);

	/* a removed queue leaves its items waiting for nobody */
	routing_agent_status(R, "b", "busy");
	orphan = item("q", 0);
	routing_queue_remove(R, "q");
	CHECK_EQ(routing_queue_stats(R, "q", &st), ENOENT);
	CHECK(item("q", 0) == NULL);
	queue(qc("q", ROUTING_LONGEST_IDLE), NULL);
	routing_agent_status(R, "b", "available");
	CHECK_EQ(routing_item_state(orphan), ROUTING_ITEM_WAITING);
	CHECK_EQ(routing_next_deadline(R), 0u);

	mem_deref(it);                          /* b frees: not the orphan */
	CHECK_EQ(routing_item_state(orphan), ROUTING_ITEM_WAITING);
	it2 = item("q", 0);
	CHECK(last_item() == it2);

	/* members configured before their queue exists join it then */
	{
		const struct routing_member m[] = {{"later", 1, 0, 1}};
		struct routing_item *x;

		agent_m("c", NULL, 1, m, 1);
		queue(qc("later", ROUTING_LONGEST_IDLE), NULL);
		x = item("later", 0);
		CHECK_STR(last_agents(), "c");
		mem_deref(x);
	}

	mem_deref(it2);
	mem_deref(orphan);
	stop();
}


static void test_validation(void)
{
	struct routing_queue_conf q = qc("q", ROUTING_LONGEST_IDLE);
	struct routing_item_conf ic = {.queue = "q", .size = 1};
	struct routing_item *it = NULL;
	const struct routing_member dup[] = {{"q", 1, 0, 1}, {"q", 2, 0, 1}};
	const struct routing_member deep[] = {{"q", 33, 0, 1}};

	start(T0);
	CHECK_EQ(queue(q, "x:0"), EINVAL);
	CHECK_EQ(queue(q, "x:11"), EINVAL);
	CHECK_EQ(queue(q, "x:1,x:2"), EINVAL);
	q.overflow_to = "q";
	CHECK_EQ(queue(q, NULL), EINVAL);
	q.overflow_to = NULL;
	q.strategy = ROUTING_STRATEGIES;
	CHECK_EQ(queue(q, NULL), EINVAL);
	q.strategy = ROUTING_LONGEST_IDLE;
	CHECK_EQ(queue(q, NULL), 0);

	CHECK_EQ(agent("a", NULL, 0), EINVAL);
	CHECK_EQ(agent_m("a", NULL, 1, dup, 2), EINVAL);
	CHECK_EQ(agent_m("a", NULL, 1, deep, 1), EINVAL);

	ic.size = 0;
	CHECK_EQ(routing_item_add(&it, R, &ic), EINVAL);
	ic.size = 1;
	ic.priority = 11;
	CHECK_EQ(routing_item_add(&it, R, &ic), EINVAL);
	ic.priority = 0;
	ic.queue = "nosuch";
	CHECK_EQ(routing_item_add(&it, R, &ic), ENOENT);
	CHECK(it == NULL);
	stop();
}


UNIT_SUITE(routing,
	UNIT_CASE(test_json_checker),
	UNIT_CASE(test_strategy_names),
	UNIT_CASE(test_skills_and_longest_idle),
	UNIT_CASE(test_decline_blocks_then_expires),
	UNIT_CASE(test_order_and_capacity),
	UNIT_CASE(test_reentrant_handler),
	UNIT_CASE(test_no_block_no_spin),
	UNIT_CASE(test_statuses),
	UNIT_CASE(test_round_robin),
	UNIT_CASE(test_top_down),
	UNIT_CASE(test_fewest_calls_and_day),
	UNIT_CASE(test_least_talk_time),
	UNIT_CASE(test_least_active_most_available),
	UNIT_CASE(test_random_reproducible_uniform),
	UNIT_CASE(test_weighted_random),
	UNIT_CASE(test_tiers),
	UNIT_CASE(test_relaxation),
	UNIT_CASE(test_aging_across_queues),
	UNIT_CASE(test_overflow),
	UNIT_CASE(test_capacity_and_sizes),
	UNIT_CASE(test_reserve_and_release),
	UNIT_CASE(test_timeout_missed_status),
	UNIT_CASE(test_ring_all),
	UNIT_CASE(test_best_item_across_queues),
	UNIT_CASE(test_stats_windows),
	UNIT_CASE(test_explain_content),
	UNIT_CASE(test_removals),
	UNIT_CASE(test_validation),
	UNIT_CASE(test_routing_fuzz),
);
