/*
 * test_routing.c — the decision engine on a fake clock: skills and
 * levels, longest-idle, capacity, decline with a block that expires,
 * availability, arrival order, and items freed at any point.
 */
#include <string.h>
#include <re.h>
#include "routing/routing.h"
#include "unit.h"

static uint64_t clock_ms;
static struct {
	struct routing_item *item[16];
	char agent[16][16];
	int n;
} offers;


static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return clock_ms;
}


static void offer_h(struct routing_item *item, const char *agent, void *arg)
{
	(void)arg;
	if (offers.n < 16) {
		offers.item[offers.n] = item;
		str_ncpy(offers.agent[offers.n], agent, sizeof(offers.agent[0]));
		++offers.n;
	}
}


static struct routing *setup(void)
{
	struct routing *r = NULL;
	const struct routing_skill billing3[] = {{"billing", 3}};
	const struct routing_skill alice[] = {{"english", 8}, {"billing", 5}};
	const struct routing_skill bob[] = {{"billing", 2}};
	const struct routing_skill carol[] = {{"billing", 9}, {"zulu", 1}};

	memset(&offers, 0, sizeof(offers));
	clock_ms = 1000;

	if (routing_alloc(&r, fake_clock, offer_h, NULL))
		return NULL;

	routing_queue_set(r, "billing", billing3, 1);
	clock_ms = 1100;
	routing_agent_set(r, "alice", alice, 2, 1);
	clock_ms = 1200;
	routing_agent_set(r, "bob", bob, 1, 1);
	clock_ms = 1300;
	routing_agent_set(r, "carol", carol, 2, 1);

	return r;
}


static void test_skills_and_longest_idle(void)
{
	struct routing *r = setup();
	struct routing_item *i1 = NULL, *i2 = NULL, *i3 = NULL;

	CHECK(r != NULL);

	/* nobody available yet: it waits */
	CHECK_EQ(routing_item_add(&i1, r, "billing", 1, (void *)1), 0);
	CHECK_EQ(offers.n, 0);
	CHECK_EQ(routing_waiting(r, "billing"), 1u);

	clock_ms = 2000;
	routing_agent_available(r, "carol", true);     /* idle since 2000 */
	CHECK_EQ(offers.n, 1);
	CHECK_STR(offers.agent[0], "carol");
	CHECK(offers.item[0] == i1);
	CHECK(routing_item_owner(i1) == (void *)1);
	CHECK_EQ(routing_waiting(r, "billing"), 0u);

	clock_ms = 2100;
	routing_agent_available(r, "bob", true);       /* level 2 < 3 */
	clock_ms = 2200;
	routing_agent_available(r, "alice", true);     /* idle since 2200 */

	CHECK_EQ(routing_item_add(&i2, r, "billing", 1, (void *)2), 0);
	CHECK_EQ(offers.n, 2);
	CHECK_STR(offers.agent[1], "alice");           /* bob lacks level */

	/* carol finishes at 3000 and is then the most recently idle */
	routing_offer_accepted(i1);
	clock_ms = 3000;
	mem_deref(i1);
	routing_offer_accepted(i2);
	clock_ms = 3100;
	mem_deref(i2);                                  /* alice idle 3100 */

	CHECK_EQ(routing_item_add(&i3, r, "billing", 1, (void *)3), 0);
	CHECK_EQ(offers.n, 3);
	CHECK_STR(offers.agent[2], "carol");           /* idle longest */

	mem_deref(i3);
	mem_deref(r);
}


static void test_decline_blocks_then_expires(void)
{
	struct routing *r = setup();
	struct routing_item *i1 = NULL;
	uint32_t load = 9, cap = 0;

	routing_agent_available(r, "alice", true);
	CHECK_EQ(routing_item_add(&i1, r, "billing", 1, NULL), 0);
	CHECK_EQ(offers.n, 1);
	CHECK(routing_agent_load(r, "alice", &load, &cap));
	CHECK_EQ(load, 1u);
	CHECK_EQ(cap, 1u);

	/* busy: back to waiting, alice skipped for 30 s */
	routing_offer_declined(i1, 30000);
	CHECK(routing_agent_load(r, "alice", &load, NULL));
	CHECK_EQ(load, 0u);
	CHECK_EQ(offers.n, 1);
	CHECK_EQ(routing_waiting(r, NULL), 1u);
	CHECK_EQ(routing_next_deadline(r), clock_ms + 30000);

	/* carol comes: she gets it */
	routing_agent_available(r, "carol", true);
	CHECK_EQ(offers.n, 2);
	CHECK_STR(offers.agent[1], "carol");

	/* she declines too; after the block alice is tried again */
	routing_offer_declined(i1, 30000);
	CHECK_EQ(offers.n, 2);
	clock_ms += 29999;
	routing_tick(r);
	CHECK_EQ(offers.n, 2);
	clock_ms += 1;
	routing_tick(r);
	CHECK_EQ(offers.n, 3);
	CHECK_STR(offers.agent[2], "alice");

	mem_deref(i1);
	CHECK(routing_agent_load(r, "alice", &load, NULL));
	CHECK_EQ(load, 0u);
	mem_deref(r);
}


static void test_order_and_capacity(void)
{
	struct routing *r = setup();
	struct routing_item *it[3] = {NULL, NULL, NULL};
	const struct routing_skill alice[] = {{"billing", 5}};

	routing_agent_set(r, "alice", alice, 1, 2);     /* capacity 2 */

	for (int i = 0; i < 3; i++) {
		clock_ms += 10;
		CHECK_EQ(routing_item_add(&it[i], r, "billing", 1,
					  (void *)(intptr_t)(i + 1)), 0);
	}
	CHECK_EQ(offers.n, 0);

	routing_agent_available(r, "alice", true);
	CHECK_EQ(offers.n, 2);                          /* two fit */
	CHECK(offers.item[0] == it[0]);
	CHECK(offers.item[1] == it[1]);

	/* the first is declined: alice is skipped for it, so the third,
	 * which she has room for now, is hers */
	routing_offer_declined(it[0], 1);
	CHECK_EQ(offers.n, 3);
	CHECK(offers.item[2] == it[2]);
	CHECK_EQ(routing_waiting(r, NULL), 1u);

	/* once the block is over and she has room, the first is next */
	clock_ms += 1;
	routing_tick(r);
	CHECK_EQ(offers.n, 3);                          /* still full */
	routing_offer_accepted(it[1]);
	mem_deref(it[1]);
	it[1] = NULL;
	CHECK_EQ(offers.n, 4);
	CHECK(offers.item[3] == it[0]);

	/* the caller of the third hangs up while ringing: capacity back */
	mem_deref(it[2]);
	{
		uint32_t load = 0;
		CHECK(routing_agent_load(r, "alice", &load, NULL));
		CHECK_EQ(load, 1u);
	}

	mem_deref(it[0]);
	mem_deref(it[1]);
	mem_deref(r);
}


static bool offered_again;

static void reentrant_offer(struct routing_item *item, const char *agent,
			    void *arg)
{
	struct routing_item **held = arg;
	(void)agent;

	/* the phone is unreachable: decline from inside the handler */
	if (!offered_again) {
		offered_again = true;
		routing_offer_declined(item, 60000);
		return;
	}
	*held = item;
}


static void test_reentrant_handler(void)
{
	struct routing *r = NULL;
	struct routing_item *item = NULL, *held = NULL;
	const struct routing_skill s[] = {{"x", 1}};

	clock_ms = 0;
	offered_again = false;
	CHECK_EQ(routing_alloc(&r, fake_clock, reentrant_offer, &held), 0);
	routing_queue_set(r, "q", s, 1);
	routing_agent_set(r, "a1", s, 1, 1);
	routing_agent_set(r, "a2", s, 1, 1);
	routing_agent_available(r, "a1", true);
	clock_ms = 5;
	routing_agent_available(r, "a2", true);

	CHECK_EQ(routing_item_add(&item, r, "q", 1, NULL), 0);
	CHECK(held == item);                            /* went to a2 */
	CHECK_STR(routing_item_agent(item), "a2");

	/* the routing engine may go first; the item must not dangle */
	mem_deref(r);
	mem_deref(item);
}


UNIT_SUITE(routing,
	UNIT_CASE(test_skills_and_longest_idle),
	UNIT_CASE(test_decline_blocks_then_expires),
	UNIT_CASE(test_order_and_capacity),
	UNIT_CASE(test_reentrant_handler),
);
