/*
 * routing.c — how fast the routing engine decides, at contact-center
 * scale, on one core, against a scan-everything baseline in the same run.
 *
 * Set-up (not measured): 50 skills with skewed popularity, 20 queues with
 * every strategy (one or two queues each; relaxation on half of them,
 * tiers, aging on some), 10,000 agents (4-7 skills each, capacity 1-3,
 * most listing 2-4 queues whose skills they meet, a quarter serving every
 * queue they qualify for), then work items until every agent that can be
 * is busy and 100,000 items wait (10 % need an extra language skill, 5 %
 * are size 2). Work goes to queues in proportion to the capacity serving
 * them. Arrivals are 10 ms apart on the fake clock, so relaxation
 * and tier steps fall due spread out, as they would.
 *
 * Measured: `events` routing calls, each timed alone (CLOCK_MONOTONIC):
 *   40 %  an item arrives (it waits: no agent is free);
 *   40 %  an agent finishes an item (mem_deref): it takes the best waiting
 *         item of all its queues; the offer is then accepted (not timed);
 *   20 %  an agent declines the offer it just got: the item goes back
 *         (and may go to another agent) and the agent takes another item.
 * The fake clock moves 1 ms per event: stage deadlines that fall due are
 * applied inside the calls and count in their latency. Decisions per
 * second = events / time inside the calls.
 *
 * Baseline: the same agents and waiting items in flat arrays, decided
 * the way one would without indexes: an arrival scans every agent, a
 * freed agent scans every waiting item, a decline does both. BASE_EVENTS
 * of the same mix run after the engine's; their mean time is compared
 * with the engine's mean.
 *
 * Progress on stderr; one line on stdout:
 *   routing: p50 … us, p99 … us, max … us, … decisions/s
 *   (scan baseline: … us/decision, ratio …x)
 *
 *   make bench && build/bench/routing [events]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "routing/routing.h"
#include "bench.h"

enum {
	NSKILLS = 50,
	NQUEUES = 20,
	NAGENTS = 10000,
	NWAIT = 100000,
	EVENTS = 1000000,
	BASE_EVENTS = 2000,
	LANG0 = 45,             /* s45..s49: languages, the item extras */
	TEAM = 44,              /* s44: the small ring-all team's skill */
	RING_Q = 3,
	MAXQ = 4,
	MAXOFFERS = 64,
};

struct bqueue {
	char id[8];
	uint8_t need[NSKILLS];     /* loosest minimums: who may be a member */
	uint8_t base[NSKILLS];     /* the minimums before relaxation */
};

struct bagent {
	char id[8];
	uint8_t skill[NSKILLS];
	uint32_t cap, load;
	uint32_t queues;           /* bit per queue it serves */
	uint64_t idle;
};

struct bitem {
	struct routing_item *it;
	int q;
	uint8_t prio, lang;        /* lang: 0 or a skill index */
	uint32_t size;
	uint64_t arrival;
	int agent;                 /* offered to or accepted by, or -1 */
	size_t live, slot;         /* indexes in b.live, b.acc (slot + 1) */
};

static struct {
	struct routing *r;
	uint64_t now;
	uint64_t rng;
	char skill[NSKILLS][8];
	struct bqueue q[NQUEUES];
	double share[NQUEUES];     /* cumulative: where work goes */
	struct bagent a[NAGENTS];
	struct bitem **live;       /* every item not ended */
	size_t nlive, caplive;
	struct bitem **acc;        /* accepted */
	size_t nacc;
	struct bitem *offered[MAXOFFERS];   /* by the last call */
	size_t noffered;
	struct bitem *pending;     /* an offer kept, to be declined */
	long offers;
} b;


static uint64_t rnd64(void)
{
	uint64_t x = b.rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	b.rng = x;

	return x * 0x2545f4914f6cdd1dull;
}


static uint32_t rnd(uint32_t n)
{
	return (uint32_t)((rnd64() >> 11) % n);
}


/* Skewed popularity: index k about 1/(k+1) as likely as index 0. */
static int pop(int limit)
{
	double s = 0, x;

	for (int k = 0; k < limit; k++)
		s += 1.0 / (k + 1);

	x = (double)(rnd64() >> 11) / 9007199254740992.0 * s;
	for (int k = 0; k < limit; k++) {
		x -= 1.0 / (k + 1);
		if (x < 0)
			return k;
	}

	return limit - 1;
}


static uint64_t clock_h(void *arg)
{
	(void)arg;
	return b.now;
}


static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


static void offer_h(struct routing_item *it, const char *const *agents,
		    size_t n, void *arg)
{
	struct bitem *x = routing_item_owner(it);
	(void)arg;

	++b.offers;
	x->agent = atoi(agents[0] + 1);
	b.a[x->agent].load += x->size;
	if (b.noffered < MAXOFFERS)
		b.offered[b.noffered++] = x;

	/* ring-all: the first phone answers, the others are withdrawn */
	for (size_t i = 1; i < n; i++)
		routing_offer_withdrawn(it, agents[i]);
}


static void take(struct bitem *x)
{
	if (routing_offer_accepted(x->it, b.a[x->agent].id)) {
		fprintf(stderr, "routing bench: accept failed\n");
		exit(1);
	}

	b.acc[b.nacc] = x;
	x->slot = ++b.nacc;
}


/* Agents take the offers the last call made, but the one kept. */
static void take_offers(bool keep_one)
{
	for (size_t i = 0; i < b.noffered; i++) {
		if (keep_one && !b.pending) {
			b.pending = b.offered[i];
			continue;
		}
		take(b.offered[i]);
	}

	b.noffered = 0;
}


static void setup_queues(void)
{
	static const enum routing_strategy strat[NQUEUES] = {
		ROUTING_LONGEST_IDLE, ROUTING_LONGEST_IDLE,
		ROUTING_LONGEST_IDLE, ROUTING_RING_ALL,
		ROUTING_ROUND_ROBIN, ROUTING_ROUND_ROBIN,
		ROUTING_TOP_DOWN, ROUTING_TOP_DOWN,
		ROUTING_FEWEST_CALLS, ROUTING_FEWEST_CALLS,
		ROUTING_LEAST_TALK_TIME, ROUTING_LEAST_TALK_TIME,
		ROUTING_RANDOM, ROUTING_RANDOM,
		ROUTING_WEIGHTED_RANDOM, ROUTING_WEIGHTED_RANDOM,
		ROUTING_LEAST_ACTIVE, ROUTING_MOST_AVAILABLE,
		ROUTING_TIERS, ROUTING_TIERS,
	};

	for (int i = 0; i < NQUEUES; i++) {
		struct bqueue *q = &b.q[i];
		struct routing_queue_conf c;
		struct routing_skill sk[2];
		struct routing_relax rx[1];
		int first = -1, err;

		memset(&c, 0, sizeof(c));
		re_snprintf(q->id, sizeof(q->id), "q%d", i);

		for (int k = 1 + (int)rnd(2); k > 0; k--) {
			/* ring-all suits a small team: its own skill */
			const int s = i == RING_Q ? TEAM : pop(30);

			if (q->base[s])
				continue;
			if (first < 0)
				first = s;
			q->base[s] = q->need[s] = (uint8_t)(3 + rnd(4));
			sk[c.nskills].name = b.skill[s];
			sk[c.nskills++].level = q->base[s];
		}

		/* half of them lower their first skill by 2 after 30 s */
		if (i % 2 == 0) {
			rx[0].after_s = 30;
			rx[0].skill = b.skill[first];
			rx[0].level = (uint8_t)(q->base[first] - 2);
			q->need[first] = rx[0].level;
			c.relax = rx;
			c.nrelax = 1;
		}

		c.id = q->id;
		c.strategy = strat[i];
		c.skills = sk;
		c.tier_wait_s = 10;
		c.aging_per_min = i % 3 == 0 ? 0.5 : 0;
		c.decline_block_s = 30;

		err = routing_queue_set(b.r, &c);
		if (err) {
			fprintf(stderr, "queue %s: %s\n", q->id, strerror(err));
			exit(1);
		}
	}
}


static bool meets(const struct bagent *a, const uint8_t *need)
{
	for (int s = 0; s < NSKILLS; s++) {
		if (need[s] && a->skill[s] < need[s])
			return false;
	}

	return true;
}


static void setup_agents(void)
{
	for (int i = 0; i < NAGENTS; i++) {
		struct bagent *a = &b.a[i];
		struct routing_member mb[MAXQ];
		struct routing_skill sk[9];
		struct routing_agent_conf c;
		const uint32_t p = rnd(100);
		const bool implicit = rnd(4) == 0;
		int n = 4 + (int)rnd(4), nm = 0, err;

		memset(&c, 0, sizeof(c));
		re_snprintf(a->id, sizeof(a->id), "a%d", i);

		while (n > 0) {
			/* now and then a language, otherwise a work skill */
			const int s = rnd(5) == 0 ? LANG0 + (int)rnd(5) :
				pop(TEAM);

			if (a->skill[s])
				continue;

			/* levels pile up in the middle */
			a->skill[s] = (uint8_t)(1 + (rnd(10) + rnd(10)) / 2);
			sk[c.nskills].name = b.skill[s];
			sk[c.nskills++].level = a->skill[s];
			--n;
		}

		/* 25 agents form the ring-all team */
		if (i % 400 == 7) {
			a->skill[TEAM] = 8;
			sk[c.nskills].name = b.skill[TEAM];
			sk[c.nskills++].level = 8;
		}

		a->cap = p < 80 ? 1 : p < 95 ? 2 : 3;

		for (int k = 0; k < NQUEUES; k++) {
			const int qi = (k + i) % NQUEUES;

			if (!meets(a, b.q[qi].need))
				continue;

			if (implicit) {
				a->queues |= 1u << qi;
			}
			else if (nm < MAXQ && (nm < 2 || rnd(2))) {
				a->queues |= 1u << qi;
				mb[nm].queue = b.q[qi].id;
				mb[nm].level = (uint8_t)(1 + rnd(3));
				mb[nm].position = rnd(1000);
				mb[nm++].weight = 1 + rnd(5);
			}
		}

		c.id = a->id;
		c.skills = sk;
		c.capacity = a->cap;
		c.queues = implicit ? NULL : mb;
		c.nqueues = (size_t)nm;

		err = routing_agent_set(b.r, &c);
		if (err) {
			fprintf(stderr, "agent %s: %s\n", a->id, strerror(err));
			exit(1);
		}

		a->idle = b.now;
		routing_agent_present(b.r, a->id, true);
	}

	/* work arrives in proportion to the capacity serving each queue
	 * (an agent's split over its queues), so no queue drains for long
	 * and none piles up alone */
	for (int i = 0; i < NAGENTS; i++) {
		const struct bagent *a = &b.a[i];
		const int n = __builtin_popcount(a->queues);

		for (int qi = 0; qi < NQUEUES && n; qi++) {
			if (a->queues & (1u << qi))
				b.share[qi] += (double)a->cap / n;
		}
	}

	for (int qi = 1; qi < NQUEUES; qi++)
		b.share[qi] += b.share[qi - 1];
}


/* A new item; *dt: the time routing_item_add took. */
static struct bitem *item_new(uint64_t *dt)
{
	struct bitem *x = mem_zalloc(sizeof(*x), NULL);
	struct routing_item_conf c;
	struct routing_skill sk[1];
	uint64_t t0;
	int err;

	if (!x)
		exit(1);
	if (b.nlive == b.caplive) {
		b.caplive += 65536;
		b.live = mem_realloc(b.live, b.caplive * sizeof(*b.live));
		if (!b.live)
			exit(1);
	}

	memset(&c, 0, sizeof(c));
	{
		const double y = (double)(rnd64() >> 11) / 9007199254740992.0 *
			b.share[NQUEUES - 1];

		for (x->q = 0; x->q < NQUEUES - 1 && y >= b.share[x->q];
		     x->q++)
			;
	}
	x->prio = (uint8_t)(rnd(4) ? rnd(4) : rnd(11));
	x->size = rnd(20) == 0 ? 2 : 1;
	x->arrival = b.now;
	x->agent = -1;

	if (rnd(10) == 0) {
		x->lang = (uint8_t)(LANG0 + (int)rnd(5));
		sk[0].name = b.skill[x->lang];
		sk[0].level = 3;
		c.skills = sk;
		c.nskills = 1;
	}

	c.queue = b.q[x->q].id;
	c.size = x->size;
	c.priority = x->prio;
	c.owner = x;

	x->live = b.nlive;
	b.live[b.nlive++] = x;

	t0 = ns_now();
	err = routing_item_add(&x->it, b.r, &c);
	*dt = ns_now() - t0;
	if (err) {
		fprintf(stderr, "item: %s\n", strerror(err));
		exit(1);
	}

	return x;
}


/* An accepted item ends; *dt: the time mem_deref took. */
static void item_end(struct bitem *x, uint64_t *dt)
{
	struct bitem *last;
	uint64_t t0;

	last = b.acc[--b.nacc];
	b.acc[x->slot - 1] = last;
	last->slot = x->slot;

	last = b.live[--b.nlive];
	b.live[x->live] = last;
	last->live = x->live;

	b.a[x->agent].load -= x->size;
	b.a[x->agent].idle = b.now;

	t0 = ns_now();
	mem_deref(x->it);
	*dt = ns_now() - t0;

	mem_deref(x);
}


static int u64_cmp(const void *x, const void *y)
{
	const uint64_t a = *(const uint64_t *)x, c = *(const uint64_t *)y;

	return a < c ? -1 : a > c;
}


/* ---- the baseline: scan everything the event touches --------------- */

/* What one writes without indexes (mod_callcenter's loop, in memory): an
 * arrival scans every agent for the longest idle one that qualifies; a
 * freed agent scans every waiting item for the best one it qualifies
 * for; a decline does both (the item, then the agent). */

struct nitem {
	int q;
	uint8_t prio, lang;
	uint32_t size;
	uint64_t arrival;
	int blocked;               /* the agent that declined it, or -1 */
};

static struct {
	struct nitem *v;
	size_t n;
} nb;


static bool naive_ok(const struct bagent *a, const struct nitem *x, int ai)
{
	const uint8_t *need = b.q[x->q].base;

	if (a->cap < a->load + x->size)
		return false;
	if (!(a->queues & (1u << x->q)) || x->blocked == ai)
		return false;
	if (x->lang && a->skill[x->lang] < 3)
		return false;

	return meets(a, need);
}


/* The longest idle agent for item x, or -1. */
static int naive_agent_for(const struct nitem *x)
{
	int best = -1;

	for (int ai = 0; ai < NAGENTS; ai++) {
		if (!naive_ok(&b.a[ai], x, ai))
			continue;
		if (best < 0 || b.a[ai].idle < b.a[best].idle)
			best = ai;
	}

	return best;
}


/* The best waiting item for agent ai (priority, then age), or -1. */
static long naive_item_for(int ai)
{
	long best = -1;

	for (size_t i = 0; i < nb.n; i++) {
		const struct nitem *x = &nb.v[i], *y;

		if (!naive_ok(&b.a[ai], x, ai))
			continue;

		y = best < 0 ? NULL : &nb.v[best];
		if (!y || x->prio > y->prio ||
		    (x->prio == y->prio && x->arrival < y->arrival))
			best = (long)i;
	}

	return best;
}


/* Mean nanoseconds per event of the scans, over BASE_EVENTS events of
 * the engine's mix, on the engine's current waiting items and agents.
 * The scans decide but change nothing, so every event sees the same
 * 100,000 waiting items. */
static double baseline(void)
{
	uint64_t total = 0;
	long found = 0;

	nb.v = mem_zalloc((b.nlive + 1) * sizeof(*nb.v), NULL);
	if (!nb.v)
		exit(1);

	for (size_t i = 0; i < b.nlive; i++) {
		const struct bitem *x = b.live[i];

		if (x->agent >= 0)
			continue;

		nb.v[nb.n].q = x->q;
		nb.v[nb.n].prio = x->prio;
		nb.v[nb.n].lang = x->lang;
		nb.v[nb.n].size = x->size;
		nb.v[nb.n].arrival = x->arrival;
		nb.v[nb.n++].blocked = -1;
	}

	for (int e = 0; e < BASE_EVENTS; e++) {
		const uint32_t p = rnd(100);
		struct nitem arrival = {
			.q = (int)rnd(NQUEUES), .prio = (uint8_t)rnd(4),
			.size = 1, .arrival = b.now, .blocked = -1,
		};
		const int ai = (int)rnd(NAGENTS);
		struct nitem *x = &nb.v[rnd((uint32_t)nb.n)];
		uint64_t t0;
		int load = (int)b.a[ai].load;

		/* as if the agent had just finished its items */
		b.a[ai].load = 0;

		t0 = ns_now();
		if (p < 40) {
			found += naive_agent_for(&arrival) >= 0;
		}
		else if (p < 80) {
			found += naive_item_for(ai) >= 0;
		}
		else {
			x->blocked = ai;
			found += naive_agent_for(x) >= 0;
			found += naive_item_for(ai) >= 0;
			x->blocked = -1;
		}
		total += ns_now() - t0;

		b.a[ai].load = (uint32_t)load;
	}

	fprintf(stderr, "routing bench: baseline: %d events over %zu "
		"waiting items and %d agents, %ld pairs found, mean %.0f "
		"us\n", BASE_EVENTS, nb.n, NAGENTS, found,
		(double)total / BASE_EVENTS / 1e3);

	mem_deref(nb.v);
	return (double)total / BASE_EVENTS;
}


int main(int argc, char *argv[])
{
	const long events = argc > 1 ? atol(argv[1]) : EVENTS;
	long counts[3] = {0, 0, 0};
	uint64_t sums[3] = {0, 0, 0};
	uint64_t *lat, total = 0, t0;
	double mean_ns, base_ns;
	uint64_t worst = 0;
	long worst_e = 0;
	int worst_kind = 0, err;

	if (events <= 0)
		return 2;

	err = libre_init();
	if (err)
		return 1;

	b.rng = 0x9e3779b97f4a7c15ull;
	b.now = 1795773600000ull;
	for (int k = 0; k < NSKILLS; k++)
		re_snprintf(b.skill[k], sizeof(b.skill[k]), "s%d", k);

	/* libre's mem_realloc grows only what mem_alloc made */
	b.live = mem_zalloc(sizeof(*b.live), NULL);
	b.acc = mem_zalloc((NAGENTS * 3 + 1) * sizeof(*b.acc), NULL);
	lat = mem_zalloc((size_t)events * sizeof(*lat), NULL);
	if (!b.live || !b.acc || !lat)
		return 1;

	err = routing_alloc(&b.r, clock_h, offer_h, NULL);
	if (err)
		return 1;
	routing_seed(b.r, 1);

	t0 = ns_now();
	setup_queues();
	setup_agents();

	/* every agent busy, then 100,000 waiting */
	while (b.nlive - b.nacc < NWAIT) {
		uint64_t dt;

		b.now += 10;
		(void)item_new(&dt);
		take_offers(false);
	}

	fprintf(stderr, "routing bench: %d skills, %d queues, %d agents, "
		"%zu items (%zu taken, %zu waiting); set-up %.1f s, RSS "
		"%.0f MiB\n", NSKILLS, NQUEUES, NAGENTS, b.nlive, b.nacc,
		b.nlive - b.nacc, (double)(ns_now() - t0) / 1e9, rss_mib());

	for (long e = 0; e < events; e++) {
		const uint32_t p = rnd(100);
		uint64_t dt;
		int kind;

		b.now += 1;

		/* 40 % arrivals, 40 % releases, 20 % declines; a decline
		 * needs an offer kept, else it becomes an arrival while
		 * fewer than NWAIT wait, a release otherwise */
		if (p < 40 || !b.nacc)
			kind = 0;
		else if (p < 80)
			kind = 1;
		else if (b.pending)
			kind = 2;
		else
			kind = b.nlive - b.nacc < NWAIT ? 0 : 1;

		if (kind == 0) {
			(void)item_new(&dt);
			take_offers(false);
		}
		else if (kind == 1) {
			item_end(b.acc[rnd((uint32_t)b.nacc)], &dt);
			take_offers(true);
		}
		else {
			struct bitem *x = b.pending;
			struct bagent *a = &b.a[x->agent];

			b.pending = NULL;
			a->load -= x->size;
			x->agent = -1;

			t0 = ns_now();
			err = routing_offer_declined(x->it, a->id,
						     ROUTING_DECLINED);
			dt = ns_now() - t0;
			if (err) {
				fprintf(stderr, "decline: %s\n", strerror(err));
				return 1;
			}
			take_offers(false);
		}

		if (dt > worst) {
			worst = dt;
			worst_e = e;
			worst_kind = kind;
		}

		lat[e] = dt;
		total += dt;
		++counts[kind];
		sums[kind] += dt;
	}

	mean_ns = (double)total / (double)events;
	fprintf(stderr, "routing bench: %ld events in %.2f s of routing "
		"calls: %ld arrivals (mean %.2f us), %ld agents freed (%.2f "
		"us), %ld declines (%.2f us); %ld offers; %zu waiting at the "
		"end\n", events, (double)total / 1e9,
		counts[0], counts[0] ? sums[0] / 1e3 / counts[0] : 0,
		counts[1], counts[1] ? sums[1] / 1e3 / counts[1] : 0,
		counts[2], counts[2] ? sums[2] / 1e3 / counts[2] : 0,
		b.offers, b.nlive - b.nacc - (b.pending ? 1 : 0));
	fprintf(stderr, "routing bench: slowest: event %ld (%s), %.0f us; "
		"RSS %.0f MiB\n", worst_e, worst_kind == 0 ? "arrival" :
		worst_kind == 1 ? "release" : "decline", worst / 1e3,
		rss_mib());

	qsort(lat, (size_t)events, sizeof(*lat), u64_cmp);

	base_ns = baseline();

	printf("routing: p50 %.1f us, p99 %.1f us, max %.0f us, %.0f "
	       "decisions/s (scan baseline: %.0f us/decision, ratio %.0fx)\n",
	       lat[events / 2] / 1e3, lat[events * 99 / 100] / 1e3,
	       lat[events - 1] / 1e3, 1e9 / mean_ns, base_ns / 1e3,
	       base_ns / mean_ns);

	/* the engine first: items ended after it decide nothing */
	b.r = mem_deref(b.r);
	for (size_t i = 0; i < b.nlive; i++) {
		mem_deref(b.live[i]->it);
		mem_deref(b.live[i]);
	}
	mem_deref(b.live);
	mem_deref(b.acc);
	mem_deref(lat);
	libre_close();

	return 0;
}
