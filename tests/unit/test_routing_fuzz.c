/*
 * test_routing_fuzz.c — a million random operations on the routing
 * engine, each followed by a check of its invariants against a model kept
 * here, independently of the engine's indexes:
 *
 *   - every agent's load is the sum of the sizes of its offered and
 *     accepted items, and never above its capacity;
 *   - an item gets offers only while waiting, one agent per offer unless
 *     its queue rings all, never twice the same agent, and only agents
 *     that qualify (routable, room, member, stage skills, tier, item
 *     skills, not in a decline block);
 *   - the engine's item state (waiting, offered, accepted) is the model's;
 *   - the fixpoint: no routable agent with room qualifies for a waiting
 *     item after any call — checked by brute force over every pair.
 *
 * Operations: items added and ended, offers accepted, declined (declined,
 * timeout, failed — also from inside the offer handler), withdrawn;
 * statuses, presence, a status made routable or not; agents and queues
 * set and removed (rarely); the clock moving, with and without ticks.
 * Queues get random strategies (ring-all included), relaxation, tiers,
 * overflow, aging, blocks and missed statuses.
 *
 * The seed is fixed; ROUTING_FUZZ_SEED=n and ROUTING_FUZZ_STEPS=n
 * override it. A failure prints the seed, the step and what was wrong.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "routing/routing.h"
#include "unit.h"
#include "test_routing.h"

#define NA 10                      /* agents a0..a9 */
#define NQ 5                       /* queues q0..q4 */
#define NS 4                       /* skills s0..s3 */
#define NI 28                      /* live items at most */
#define NST 5                      /* statuses */
#define STEPS 1000000
#define SEED 0x5eed2026ull

enum { ST_AVAILABLE, ST_BUSY, ST_BREAK, ST_MISSED, ST_CHAT };

static const char *const st_names[NST] = {
	"available", "busy", "break", "missed", "chat"
};
static const char *const skill_names[NS] = {"s0", "s1", "s2", "s3"};
static const char *const queue_ids[NQ] = {"q0", "q1", "q2", "q3", "q4"};
static const char *const agent_ids[NA] = {
	"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"
};

struct mqueue {
	bool exists;
	enum routing_strategy strategy;
	uint8_t skill[NS];
	uint8_t nrelax;
	struct { uint32_t after_s; uint8_t skill, level; } relax[4];
	uint32_t tier_wait_s;
	int overflow_to;
	uint32_t overflow_after_s;
	double aging;
	uint32_t block_s;
	bool missed;
};

struct magent {
	bool exists;
	uint8_t skill[NS];
	uint32_t cap;
	bool implicit;
	struct { bool in; uint8_t level; uint32_t pos, weight; } mem[NQ];
	int status;
	bool present;
};

struct moffer {
	int agent;
	bool accepted;
};

struct mitem {
	struct routing_item *it;   /* NULL: free slot */
	int q;
	bool orphan;               /* its queue was removed */
	uint64_t entered;
	uint32_t size;
	uint8_t extra[NS];
	struct moffer off[NA];
	int noff;
	bool accepted;
	uint64_t block[NA];        /* until */
	/* its queue's settings as the engine's queue object has them */
	enum routing_strategy strategy;
	uint32_t block_s;
	bool missed;
};

static struct {
	struct routing *r;
	uint64_t now;
	uint64_t seen;             /* the clock at the engine's last call */
	bool checking;             /* read-outs do not move the engine */
	const char *op;            /* the step's operation, for failures */
	struct {
		unsigned long offers, batches, ringall, adds, accepts,
			declines, pairs, waiting, live;
	} n;                       /* ROUTING_FUZZ_VERBOSE: what happened */
	uint64_t rng;
	uint64_t seed;
	long step;
	struct mqueue q[NQ];
	struct magent a[NA];
	struct mitem i[NI];
	bool routable[NST];
	char fail[512];
	bool in_handler;
} m;


static uint64_t rnd64(void)
{
	uint64_t x = m.rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	m.rng = x;

	return x * 0x2545f4914f6cdd1dull;
}


static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)((rnd64() >> 11) % n) : 0;
}


static void fail(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m.fail[0])
		return;

	n = re_snprintf(m.fail, sizeof(m.fail), "seed %llu step %ld (%s): ",
			(unsigned long long)m.seed, m.step, m.op);
	va_start(ap, fmt);
	re_vsnprintf(m.fail + n, sizeof(m.fail) - (size_t)n, fmt, ap);
	va_end(ap);
}


static uint64_t fz_clock(void *arg)
{
	(void)arg;

	/* a step whose operation turned out to be nothing (no offer to
	 * accept, say) leaves the engine at the time of its last call */
	if (!m.checking)
		m.seen = m.now;

	return m.now;
}


static int agent_index(const char *id)
{
	for (int i = 0; i < NA; i++) {
		if (!strcmp(agent_ids[i], id))
			return i;
	}

	return -1;
}


static void snapshot(struct mitem *x)
{
	const struct mqueue *q = &m.q[x->q];

	x->strategy = q->strategy;
	x->block_s = q->block_s;
	x->missed = q->missed;
}


/* An overflow moves an item to another queue, where it waits from now. */
static void sync_queue(struct mitem *x)
{
	const char *id = routing_item_queue(x->it);
	int q;

	if (!id) {
		fail("item without a queue");
		return;
	}

	q = id[1] - '0';
	if (q == x->q)
		return;

	if (x->orphan || x->noff || x->accepted)
		fail("item moved from q%d to %s while not waiting", x->q, id);

	x->q = q;
	x->entered = m.seen;
	x->orphan = false;
	snapshot(x);
}


static void loads(uint32_t load[NA])
{
	memset(load, 0, NA * sizeof(*load));

	for (int k = 0; k < NI; k++) {
		const struct mitem *x = &m.i[k];

		if (!x->it)
			continue;

		for (int j = 0; j < x->noff; j++)
			load[x->off[j].agent] += x->size;
	}
}


/* Whether agent ai may be offered item x now, from the model alone. */
static const char *why_q;       /* why qualifies() said no */


/* A relaxation step: it only ever lowers (0 drops; dropped stays). */
static void lower(uint8_t *need, uint8_t skill, uint8_t level)
{
	if (level < need[skill])
		need[skill] = level;
}

static bool why_not(const char *why)
{
	why_q = why;
	return false;
}


static bool qualifies(const struct mitem *x, int ai, const uint32_t *load)
{
	const struct magent *a = &m.a[ai];
	const struct mqueue *q = &m.q[x->q];
	const uint64_t now = m.seen;
	const uint64_t waited = now - x->entered;
	uint8_t need[NS];
	uint8_t level;

	if (!a->exists || !m.routable[a->status] || !a->present)
		return why_not("agent not routable");
	if (load && a->cap < load[ai] + x->size)
		return why_not("no room");
	if (x->orphan || !q->exists)
		return why_not("orphan or no queue");
	if (x->block[ai] > now)
		return why_not("blocked");

	if (a->implicit) {
		/* a member if it meets the loosest requirements */
		memcpy(need, q->skill, NS);
		for (int s = 0; s < q->nrelax; s++)
			lower(need, q->relax[s].skill, q->relax[s].level);
		for (int s = 0; s < NS; s++) {
			if (need[s] && a->skill[s] < need[s])
				return why_not("implicit non-member");
		}
		level = 1;
	}
	else if (a->mem[x->q].in) {
		level = a->mem[x->q].level;
	}
	else {
		return why_not("not a member");
	}

	if (q->strategy == ROUTING_TIERS && q->tier_wait_s &&
	    level > 1 + waited / (q->tier_wait_s * 1000ull))
		return why_not("tier");

	memcpy(need, q->skill, NS);
	for (int s = 0; s < q->nrelax; s++) {
		if (q->relax[s].after_s * 1000ull <= waited)
			lower(need, q->relax[s].skill, q->relax[s].level);
	}

	for (int s = 0; s < NS; s++) {
		if (need[s] && a->skill[s] < need[s])
			return why_not("stage skill");
		if (x->extra[s] && a->skill[s] < x->extra[s])
			return why_not("item skill");
	}

	return true;
}


static void m_decline(struct mitem *x, int ai, enum routing_refusal why)
{
	for (int j = 0; j < x->noff; j++) {
		if (x->off[j].agent != ai)
			continue;

		x->off[j] = x->off[--x->noff];
		break;
	}

	/* a block never shortens one still running; 0 s is still 1 ms,
	 * and 1 s after a failure */
	if (!x->accepted) {
		const uint64_t least = why == ROUTING_FAILED ? 1000 : 1;
		const uint64_t until = m.now + MAX(x->block_s * 1000ull,
						   least);

		x->block[ai] = MAX(x->block[ai], until);
	}

	if (why == ROUTING_TIMEOUT && x->missed && m.a[ai].exists)
		m.a[ai].status = ST_MISSED;
}


static void dump(int k, int ai);


static void fz_offer(struct routing_item *it, const char *const *agents,
		     size_t n, void *arg)
{
	struct mitem *x = routing_item_owner(it);
	uint32_t load[NA];
	(void)arg;

	if (m.in_handler)
		fail("offer handler re-entered");
	m.in_handler = true;

	if (!x || x->it != it) {
		fail("offer for an unknown item");
		goto out;
	}

	sync_queue(x);

	if (x->noff || x->accepted)
		fail("offer for an item that was not waiting (%d offers%s)",
		     x->noff, x->accepted ? ", accepted" : "");
	if (n != 1 && x->strategy != ROUTING_RING_ALL)
		fail("%u agents offered one item of a %s queue", (unsigned)n,
		     routing_strategy_name(x->strategy));

	++m.n.batches;
	m.n.offers += n;
	m.n.ringall += n > 1;

	loads(load);
	for (size_t k = 0; k < n; k++) {
		const int ai = agent_index(agents[k]);

		if (ai < 0) {
			fail("offer to unknown agent %s", agents[k]);
			continue;
		}

		for (int j = 0; j < x->noff; j++) {
			if (x->off[j].agent == ai)
				fail("%s offered the same item twice",
				     agents[k]);
		}

		if (!qualifies(x, ai, load) && !m.fail[0] &&
		    (dump((int)(x - m.i), ai), 1))
			fail("offer to %s, who does not qualify (q%d)",
			     agents[k], x->q);

		load[ai] += x->size;
		x->off[x->noff].agent = ai;
		x->off[x->noff].accepted = false;
		++x->noff;
	}

	/* now and then a phone cannot be reached at all */
	if (n && rnd(40) == 0) {
		const size_t k = rnd((uint32_t)n);
		const int ai = agent_index(agents[k]);

		m_decline(x, ai, ROUTING_FAILED);
		if (routing_offer_declined(it, agents[k], ROUTING_FAILED))
			fail("decline from the handler refused");
	}

 out:
	m.in_handler = false;
}


static void gen_queue(int qi)
{
	struct mqueue *q = &m.q[qi];
	struct routing_skill sk[NS];
	struct routing_relax rx[4];
	struct routing_queue_conf c;
	uint8_t cur[NS];
	uint32_t t = 0;
	size_t ns = 0;
	int err;

	memset(q, 0, sizeof(*q));
	q->exists = true;
	q->strategy = rnd(6) == 0 ? ROUTING_RING_ALL :
		(enum routing_strategy)rnd(ROUTING_STRATEGIES);

	for (int s = 0; s < NS; s++) {
		if (rnd(3) == 0)
			q->skill[s] = (uint8_t)(1 + rnd(6));
	}

	/* steps on the queue's skills: mostly lowering or dropping, now and
	 * then a level above the one in force (which changes nothing) */
	memcpy(cur, q->skill, NS);
	for (int k = rnd(4); k > 0; k--) {
		int s = (int)rnd(NS);

		if (!q->skill[s])
			continue;

		t += rnd(4) == 0 ? 0 : 1 + rnd(15);
		q->relax[q->nrelax].after_s = t;
		q->relax[q->nrelax].skill = (uint8_t)s;
		q->relax[q->nrelax].level = (uint8_t)(rnd(5) == 0 ? rnd(11) :
						      rnd(cur[s] + 1u));
		if (q->relax[q->nrelax].level < cur[s])
			cur[s] = q->relax[q->nrelax].level;
		++q->nrelax;
	}

	q->tier_wait_s = 1 + rnd(5);
	q->overflow_to = -1;
	if (rnd(4) == 0) {
		q->overflow_to = (int)((qi + 1 + rnd(NQ - 1)) % NQ);
		q->overflow_after_s = 5 + rnd(30);
	}
	q->aging = rnd(3) == 0 ? 0 : rnd(2) ? 0.5 : 2.0;
	q->block_s = rnd(11);           /* 0: a decliner is not skipped */
	q->missed = rnd(3) == 0;

	memset(&c, 0, sizeof(c));
	c.id = queue_ids[qi];
	c.strategy = q->strategy;
	for (int s = 0; s < NS; s++) {
		if (q->skill[s]) {
			sk[ns].name = skill_names[s];
			sk[ns++].level = q->skill[s];
		}
	}
	c.skills = sk;
	c.nskills = ns;
	for (int k = 0; k < q->nrelax; k++) {
		rx[k].after_s = q->relax[k].after_s;
		rx[k].skill = skill_names[q->relax[k].skill];
		rx[k].level = q->relax[k].level;
	}
	c.relax = rx;
	c.nrelax = q->nrelax;
	c.tier_wait_s = q->tier_wait_s;
	c.overflow_to = q->overflow_to >= 0 ? queue_ids[q->overflow_to] : NULL;
	c.overflow_after_s = q->overflow_after_s;
	c.aging_per_min = q->aging;
	c.decline_block_s = q->block_s;
	c.missed_status = q->missed ? "missed" : NULL;

	/* the engine's queue object keeps its items: they see the new
	 * settings */
	for (int k = 0; k < NI; k++) {
		struct mitem *x = &m.i[k];

		if (x->it && x->q == qi && !x->orphan)
			snapshot(x);
	}

	err = routing_queue_set(m.r, &c);
	if (err)
		fail("queue_set q%d: %m", qi, err);
}


static void gen_agent(int ai)
{
	struct magent *a = &m.a[ai];
	struct routing_member mb[NQ];
	struct routing_skill sk[NS];
	struct routing_agent_conf c;
	uint32_t load[NA];
	size_t ns = 0, nm = 0;
	int err;

	loads(load);

	if (!a->exists) {
		memset(a, 0, sizeof(*a));
		a->status = ST_AVAILABLE;
		a->present = false;
	}

	a->exists = true;
	for (int s = 0; s < NS; s++)
		a->skill[s] = rnd(2) ? (uint8_t)(1 + rnd(10)) : 0;

	/* never below what it holds (MAX evaluates twice: no rnd() in it) */
	a->cap = 1 + rnd(3);
	a->cap = MAX(a->cap, load[ai]);
	a->implicit = rnd(5) < 2;
	for (int qi = 0; qi < NQ; qi++) {
		a->mem[qi].in = !a->implicit && rnd(5) < 2;
		a->mem[qi].level = (uint8_t)(1 + rnd(3));
		a->mem[qi].pos = rnd(5);
		a->mem[qi].weight = 1 + rnd(4);
	}

	memset(&c, 0, sizeof(c));
	c.id = agent_ids[ai];
	for (int s = 0; s < NS; s++) {
		if (a->skill[s]) {
			sk[ns].name = skill_names[s];
			sk[ns++].level = a->skill[s];
		}
	}
	c.skills = sk;
	c.nskills = ns;
	c.capacity = a->cap;
	for (int qi = 0; qi < NQ; qi++) {
		if (!a->mem[qi].in)
			continue;
		mb[nm].queue = queue_ids[qi];
		mb[nm].level = a->mem[qi].level;
		mb[nm].position = a->mem[qi].pos;
		mb[nm++].weight = a->mem[qi].weight;
	}
	c.queues = a->implicit ? NULL : mb;
	c.nqueues = nm;

	err = routing_agent_set(m.r, &c);
	if (err)
		fail("agent_set a%d: %m", ai, err);
}


/* An outstanding offer, at random: accepted ones only if want_accepted */
static bool pick_offer(int *slot, int *j, bool accepted_too)
{
	int cand[NI * NA][2], n = 0;

	for (int k = 0; k < NI; k++) {
		const struct mitem *x = &m.i[k];

		if (!x->it)
			continue;

		for (int o = 0; o < x->noff; o++) {
			if (x->off[o].accepted && !accepted_too)
				continue;
			cand[n][0] = k;
			cand[n++][1] = o;
		}
	}

	if (!n)
		return false;

	n = (int)rnd((uint32_t)n);
	*slot = cand[n][0];
	*j = cand[n][1];
	return true;
}


static void op_add(void)
{
	struct routing_item_conf c;
	struct routing_skill sk[1];
	struct mitem *x = NULL;
	const int qi = (int)rnd(NQ);
	int err;

	for (int k = 0; k < NI; k++) {
		if (!m.i[k].it) {
			x = &m.i[k];
			break;
		}
	}

	if (!x)
		return;

	memset(x, 0, sizeof(*x));
	x->q = qi;
	x->entered = m.now;
	x->size = rnd(4) == 0 ? 2 : 1;
	if (m.q[qi].exists)
		snapshot(x);

	memset(&c, 0, sizeof(c));
	c.queue = queue_ids[qi];
	c.size = x->size;
	c.priority = (uint8_t)rnd(11);
	c.owner = x;
	if (rnd(5) == 0) {
		const int s = (int)rnd(NS);

		x->extra[s] = (uint8_t)(1 + rnd(6));
		sk[0].name = skill_names[s];
		sk[0].level = x->extra[s];
		c.skills = sk;
		c.nskills = 1;
	}

	err = routing_item_add(&x->it, m.r, &c);
	if (err != (m.q[qi].exists ? 0 : ENOENT))
		fail("item_add to q%d: %m", qi, err);
	if (err)
		x->it = NULL;
	else
		++m.n.adds;
}


static void op_end(void)
{
	int live[NI], n = 0, acc = 0;

	for (int k = 0; k < NI; k++) {
		if (m.i[k].it) {
			live[n++] = k;
			acc += m.i[k].accepted;
		}
	}

	if (!n)
		return;

	/* mostly work that was accepted (calls end), sometimes abandoned */
	for (int tries = 0; tries < 4; tries++) {
		struct mitem *x = &m.i[live[rnd((uint32_t)n)]];

		if (!x->accepted && acc && tries < 3 && rnd(3))
			continue;

		{
			/* the model first: ending it may offer other items */
			struct routing_item *it = x->it;

			x->it = NULL;
			x->noff = 0;
			mem_deref(it);
		}
		return;
	}
}


static void op_accept(void)
{
	int k, j, err;
	struct mitem *x;

	if (!pick_offer(&k, &j, false))
		return;

	x = &m.i[k];
	err = routing_offer_accepted(x->it, agent_ids[x->off[j].agent]);
	if (err != (x->accepted ? EALREADY : 0))
		fail("accept: %m", err);

	if (!err) {
		x->off[j].accepted = true;
		x->accepted = true;
		++m.n.accepts;
	}
}


static void op_decline(void)
{
	const enum routing_refusal why = (enum routing_refusal)rnd(3);
	int k, j, ai, err;
	struct mitem *x;

	if (!pick_offer(&k, &j, false))
		return;

	x = &m.i[k];
	ai = x->off[j].agent;
	m_decline(x, ai, why);
	++m.n.declines;
	err = routing_offer_declined(x->it, agent_ids[ai], why);
	if (err)
		fail("decline: %m", err);
}


static void op_withdraw(void)
{
	int k, j, ai, err;
	struct mitem *x;

	if (!pick_offer(&k, &j, true))
		return;

	x = &m.i[k];
	ai = x->off[j].agent;
	x->off[j] = x->off[--x->noff];
	err = routing_offer_withdrawn(x->it, agent_ids[ai]);
	if (err)
		fail("withdraw: %m", err);
}


static void op_agent_remove(int ai)
{
	for (int k = 0; k < NI; k++) {
		struct mitem *x = &m.i[k];

		for (int j = 0; x->it && j < x->noff; j++) {
			if (x->off[j].agent == ai) {
				x->off[j--] = x->off[--x->noff];
			}
		}
	}

	m.a[ai].exists = false;
	routing_agent_remove(m.r, agent_ids[ai]);
}


static void op_queue_remove(int qi)
{
	for (int k = 0; k < NI; k++) {
		struct mitem *x = &m.i[k];

		if (x->it && x->q == qi)
			x->orphan = true;
	}

	m.q[qi].exists = false;
	routing_queue_remove(m.r, queue_ids[qi]);
}


static void step(void)
{
	const uint32_t op = rnd(1000);
	const int ai = (int)rnd(NA), qi = (int)rnd(NQ);

	/* the clock also moves between calls without a tick: every call
	 * applies what is due first. The model of an operation that narrows
	 * who qualifies (a status, a decline, a new configuration) changes
	 * before its call, so what was due is applied first, by a tick, or
	 * the model would judge those offers by the new rules. */
	if (rnd(10) == 0)
		m.now += 1 + rnd(2000);
	if (((op >= 480 && op < 600) || op >= 790) && m.now != m.seen) {
		routing_tick(m.r);
		for (int k = 0; k < NI; k++) {
			if (m.i[k].it)
				sync_queue(&m.i[k]);
		}
	}

	if (op < 200) {
		m.op = "tick";
		m.now += rnd(8) == 0 ? 1 + rnd(40000) : 1 + rnd(3000);
		routing_tick(m.r);
	}
	else if (op < 360) {
		m.op = "add";
		op_add();
	}
	else if (op < 480) {
		m.op = "accept";
		op_accept();
	}
	else if (op < 600) {
		m.op = "decline";
		op_decline();
	}
	else if (op < 660) {
		m.op = "withdraw";
		op_withdraw();
	}
	else if (op < 790) {
		m.op = "end";
		op_end();
	}
	else if (op < 880) {
		m.op = "status";
		if (m.a[ai].exists) {
			const uint32_t p = rnd(10);
			const int st = p < 5 ? ST_AVAILABLE : p < 7 ? ST_CHAT :
				p < 8 ? ST_BUSY : p < 9 ? ST_BREAK : ST_MISSED;

			m.a[ai].status = st;
			if (routing_agent_status(m.r, agent_ids[ai],
						 st_names[st]))
				fail("agent_status");
		}
	}
	else if (op < 950) {
		m.op = "present";
		if (m.a[ai].exists) {
			m.a[ai].present = rnd(4) != 0;
			routing_agent_present(m.r, agent_ids[ai],
					      m.a[ai].present);
		}
	}
	else if (op < 960) {
		m.op = "status_set";
		m.routable[ST_CHAT] = !m.routable[ST_CHAT];
		if (routing_status_set(m.r, "chat", m.routable[ST_CHAT]))
			fail("status_set");
	}
	else if (op < 985) {
		m.op = "agent_set";
		gen_agent(ai);
	}
	else if (op < 990) {
		m.op = "agent_remove";
		if (m.a[ai].exists)
			op_agent_remove(ai);
	}
	else if (op < 998) {
		m.op = "queue_set";
		gen_queue(qi);
	}
	else {
		m.op = "queue_remove";
		if (m.q[qi].exists)
			op_queue_remove(qi);
	}
}


/* What the model knows about a pair that went wrong, and the engine's
 * own account of the item. */
static void dump(int k, int ai)
{
	const struct mitem *x = &m.i[k];
	const struct mqueue *q = &m.q[x->q];
	const struct magent *a = &m.a[ai];
	char *s = NULL;

	printf("routing fuzz: now %llu (engine %llu); q%d: %s skills "
	       "%u %u %u %u, %u relax steps:", (unsigned long long)m.now,
	       (unsigned long long)m.seen, x->q,
	       routing_strategy_name(q->strategy), q->skill[0], q->skill[1],
	       q->skill[2], q->skill[3], q->nrelax);
	for (int s2 = 0; s2 < q->nrelax; s2++)
		printf(" %us s%u->%u", q->relax[s2].after_s, q->relax[s2].skill,
		       q->relax[s2].level);
	printf("; tier wait %us, overflow q%d after %us\n", q->tier_wait_s,
	       q->overflow_to, q->overflow_after_s);
	printf("routing fuzz: a%d: skills %u %u %u %u cap %u %s status %s "
	       "present %d level %u\n", ai, a->skill[0], a->skill[1],
	       a->skill[2], a->skill[3], a->cap,
	       a->implicit ? "implicit" : "explicit", st_names[a->status],
	       a->present, a->mem[x->q].level);
	printf("routing fuzz: not qualified: %s\n", why_q ? why_q : "-");
	printf("routing fuzz: item %d: entered %llu size %u extra %u %u %u "
	       "%u block %llu\n", k, (unsigned long long)x->entered, x->size,
	       x->extra[0], x->extra[1], x->extra[2], x->extra[3],
	       (unsigned long long)x->block[ai]);
	if (!re_sdprintf(&s, "%H", routing_item_explain, x->it))
		printf("routing fuzz: %s\n", s);
	mem_deref(s);
}


static void check(void)
{
	uint32_t load[NA];
	int avail[NA], navail = 0;

	m.checking = true;

	for (int k = 0; k < NI; k++) {
		if (m.i[k].it)
			sync_queue(&m.i[k]);
	}

	loads(load);

	for (int ai = 0; ai < NA; ai++) {
		const struct magent *a = &m.a[ai];
		struct routing_agent_info info;
		int err = routing_agent_info(m.r, agent_ids[ai], &info);

		if (!a->exists) {
			if (err != ENOENT)
				fail("a%d exists after removal", ai);
			continue;
		}

		if (err) {
			fail("a%d: %m", ai, err);
			continue;
		}

		if (info.load != load[ai])
			fail("a%d load %u, its items hold %u", ai, info.load,
			     load[ai]);
		if (info.load > info.capacity)
			fail("a%d over capacity: %u/%u", ai, info.load,
			     info.capacity);
		if (strcmp(info.status, st_names[a->status]))
			fail("a%d status %s, expected %s", ai, info.status,
			     st_names[a->status]);

		if (m.routable[a->status] && a->present && a->cap > load[ai])
			avail[navail++] = ai;
	}

	for (int k = 0; k < NI; k++) {
		const struct mitem *x = &m.i[k];
		enum routing_item_state want;

		if (!x->it)
			continue;

		want = x->accepted ? ROUTING_ITEM_ACCEPTED :
			x->noff ? ROUTING_ITEM_OFFERED : ROUTING_ITEM_WAITING;
		if (routing_item_state(x->it) != want)
			fail("item %d state %d, expected %d", k,
			     routing_item_state(x->it), want);

		++m.n.live;

		/* the fixpoint */
		if (want != ROUTING_ITEM_WAITING)
			continue;

		++m.n.waiting;
		m.n.pairs += (unsigned long)navail;

		for (int n = 0; n < navail; n++) {
			if (qualifies(x, avail[n], load) && !m.fail[0] &&
			    (dump(k, avail[n]), 1))
				fail("a%d qualifies for waiting item %d "
				     "(q%d, waited %llu ms, size %u) but has "
				     "no offer", avail[n], k, x->q,
				     (unsigned long long)(m.seen - x->entered),
				     x->size);
		}
	}

	m.checking = false;
}


static void explain_some(void)
{
	for (int k = 0; k < NI; k++) {
		char *s = NULL;

		if (!m.i[k].it)
			continue;

		m.checking = true;
		if (re_sdprintf(&s, "%H", routing_item_explain, m.i[k].it) ||
		    !rt_json_valid(s))
			fail("explanation of item %d is not JSON: %s", k,
			     s ? s : "(none)");
		mem_deref(s);

		for (int qi = 0; qi < NQ; qi++) {
			struct routing_queue_stats st;

			if (routing_queue_stats(m.r, queue_ids[qi], &st) !=
			    (m.q[qi].exists ? 0 : ENOENT))
				fail("queue_stats q%d", qi);
		}
		m.checking = false;
		return;
	}
}


void test_routing_fuzz(void)
{
	const char *e = getenv("ROUTING_FUZZ_SEED");
	const char *ns = getenv("ROUTING_FUZZ_STEPS");
	const long steps = ns ? atol(ns) : STEPS;
	int err;

	memset(&m, 0, sizeof(m));
	m.seed = e ? strtoull(e, NULL, 0) : SEED;
	m.rng = m.seed | 1;
	m.now = 1795773600000ull;
	m.routable[ST_AVAILABLE] = true;
	m.routable[ST_CHAT] = true;
	m.op = "setup";

	err = routing_alloc(&m.r, fz_clock, fz_offer, NULL);
	CHECK_EQ(err, 0);
	routing_seed(m.r, m.seed);
	CHECK_EQ(routing_status_set(m.r, "chat", true), 0);

	for (int qi = 0; qi < NQ; qi++)
		gen_queue(qi);
	for (int ai = 0; ai < NA; ai++) {
		gen_agent(ai);
		m.a[ai].present = true;
		routing_agent_present(m.r, agent_ids[ai], true);
	}

	for (m.step = 0; m.step < steps && !m.fail[0]; m.step++) {
		step();
		check();
		if (m.step % 4096 == 0)
			explain_some();
	}

	if (m.fail[0])
		printf("routing fuzz: %s\n", m.fail);

	if (getenv("ROUTING_FUZZ_VERBOSE"))
		printf("routing fuzz: %ld steps, %lu items added, %lu offer "
		       "calls (%lu ring-all) to %lu agents, %lu accepted, %lu "
		       "declined; per step %.1f live items, %.1f waiting, "
		       "%.1f (waiting item, free agent) pairs checked\n",
		       m.step, m.n.adds, m.n.batches, m.n.ringall, m.n.offers,
		       m.n.accepts, m.n.declines,
		       (double)m.n.live / (double)m.step,
		       (double)m.n.waiting / (double)m.step,
		       (double)m.n.pairs / (double)m.step);

	/* the engine first: items ended after it offer nothing more */
	m.r = mem_deref(m.r);
	for (int k = 0; k < NI; k++)
		mem_deref(m.i[k].it);

	CHECK(!m.fail[0]);
}
