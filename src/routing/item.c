/*
 * item.c — work items: adding one, where a waiting item sits (its class
 * tree for its stage, its queue's arrival tree, the deadline heap), its
 * stage, overflow and decline blocks over time, and ending one.
 */
#include <string.h>
#include <re.h>
#include "routing/internal.h"


/* An order-preserving map of doubles onto int64 (IEEE 754 bit trick):
 * negative numbers reversed, positive ones above them. */
static int64_t dkey(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	u = (u >> 63) ? ~u : u | (1ull << 63);

	return (int64_t)(u ^ (1ull << 63));
}


/* Within a queue every item ages by the same k points a minute, so
 * priority + k × (now − arrival) / 60000 orders like priority × 60000 / k
 * − arrival at any time: the key needs no clock. Higher first (~ reverses
 * the order), then earlier arrival, then the order of adding. */
static void item_key(struct routing_item *it)
{
	const double k = it->q->aging;
	const double p = k > 0 ? it->priority * 60000.0 / k -
		(double)it->arrival : it->priority;

	it->node.ka = ~dkey(p);
	it->node.kb = (int64_t)it->arrival;
	it->node.kc = it->seq;
	it->node.val = it->size;

	it->anode.ka = (int64_t)it->arrival;
	it->anode.kb = 0;
	it->anode.kc = it->seq;
}


double item_eff(const struct routing_item *it, uint64_t now)
{
	const double waited = now > it->arrival ?
		(double)(now - it->arrival) : 0;

	return it->priority + it->q->aging * waited / 60000.0;
}


/* a before b: effective priority now, then arrival, then adding order */
bool item_better(const struct routing_item *a, const struct routing_item *b,
		 uint64_t now)
{
	double ea, eb;

	if (!b)
		return true;

	ea = item_eff(a, now);
	eb = item_eff(b, now);
	if (ea != eb)
		return ea > eb;
	if (a->arrival != b->arrival)
		return a->arrival < b->arrival;

	return a->seq < b->seq;
}


const struct block *item_block(const struct routing_item *it,
			       const struct ragent *a, uint64_t now)
{
	struct le *le;

	LIST_FOREACH(&it->blocks, le) {
		const struct block *b = le->data;

		if (b->until > now && !strcmp(b->agent, a->id))
			return b;
	}

	return NULL;
}


bool item_blocked(const struct routing_item *it, const struct ragent *a,
		  uint64_t now)
{
	return !list_isempty(&it->blocks) && item_block(it, a, now);
}


static bool overflow_pending(const struct routing_item *it)
{
	const struct rqueue *q = it->q;

	return !q->removed && q->overflow_to && q->overflow_after_s &&
		!it->overflow_done;
}


static uint64_t item_deadline(const struct routing_item *it)
{
	const struct rqueue *q = it->q;
	uint64_t d = 0;
	struct le *le;

	if (q->removed)
		return 0;

	if (it->stage + 1 < q->nstages)
		d = it->entered + q->stages[it->stage + 1].at_ms;

	if (overflow_pending(it)) {
		const uint64_t o = it->entered + q->overflow_after_s * 1000ull;

		if (!d || o < d)
			d = o;
	}

	LIST_FOREACH(&it->blocks, le) {
		const struct block *b = le->data;

		if (!d || b->until < d)
			d = b->until;
	}

	return d;
}


void item_place(struct routing_item *it)
{
	struct routing *r = it->r;

	if (it->placed)
		return;

	item_key(it);
	tree_insert(&it->cls->items[it->stage], &it->node);
	tree_insert(&it->q->age, &it->anode);
	heap_set(r, it, item_deadline(it));
	it->placed = true;
}


void item_unplace(struct routing_item *it)
{
	if (!it->placed)
		return;

	tree_remove(&it->cls->items[it->stage], &it->node);
	tree_remove(&it->q->age, &it->anode);
	heap_set(it->r, it, 0);
	it->placed = false;
}


/* Moves an unplaced item to queue t: it keeps its arrival (its place in
 * the order) but waits there from now, stage 0. */
static bool overflow(struct routing_item *it, struct rqueue *t)
{
	struct iclass *c;

	if (iclass_get(&c, t, it->cls->extra, it->cls->nextra))
		return false;

	mem_deref(it->from);
	it->from = it->q;          /* the reference moves */
	mem_deref(it->cls);
	it->cls = c;
	it->q = mem_ref(t);
	it->entered = it->r->now;
	it->overflow_done = false;
	stats_count(t, it->r->now, ST_OFFERED);

	return true;
}


/* For an unplaced item: ends past decline blocks, applies a due overflow
 * and computes the stage for now. it->trg says what changed, if nothing
 * else had been set. */
void item_restage(struct routing_item *it)
{
	struct routing *r = it->r;
	const uint64_t now = r->now;
	struct le *le = it->blocks.head;
	uint16_t stage;

	while (le) {
		struct block *b = le->data;

		le = le->next;
		if (b->until <= now) {
			list_unlink(&b->le);
			mem_deref(b);
			if (it->trg == TRG_NONE)
				it->trg = TRG_BLOCK_END;
		}
	}

	if (overflow_pending(it) &&
	    now - it->entered >= it->q->overflow_after_s * 1000ull) {
		struct rqueue *t = queue_find(r, it->q->overflow_to);

		if (t && t != it->q && overflow(it, t))
			it->trg = TRG_OVERFLOW;
		else
			it->overflow_done = true;  /* nowhere to go */
	}

	/* a removed queue keeps its stages: its items still sit in them */
	stage = queue_stage_at(it->q, now - it->entered);
	if (stage != it->stage && it->trg == TRG_NONE)
		it->trg = TRG_STAGE;
	it->stage = stage;
}


/* Out of the engine: indexes, counters, offers (ended); the agents whose
 * capacity came free look for other work. The explanation stays. */
static void item_end(struct routing_item *it)
{
	struct routing *r = it->r;
	size_t n = 0;
	struct le *le;

	if (!r)
		return;

	/* out of every index before the clock moves anything */
	r->now = r->clock(r->arg);
	list_unlink(&it->le_pend);
	item_unplace(it);
	list_unlink(&it->le);

	if (it->state != ROUTING_ITEM_ACCEPTED)
		stats_count(it->q, r->now, ST_ABANDONED);

	if (vec_grow((void **)&r->freed, &r->capfreed,
		     list_count(&it->offers), sizeof(*r->freed)))
		n = SIZE_MAX;

	while ((le = it->offers.head)) {
		struct offer *o = le->data;
		struct ragent *a = o->a;

		if (o->accepted) {
			agent_day(a, r->day);
			a->talk_ms += r->now - o->accepted_at;
			a->idle_since = r->now;
		}

		if (n != SIZE_MAX)
			r->freed[n++] = mem_ref(a);
		offer_free(o, OUT_ENDED);
	}

	it->r = NULL;

	/* capacity came free: those agents may take other work */
	engine_enter(r);
	for (size_t i = 0; n != SIZE_MAX && i < n; i++) {
		if (r->freed[i]->r)
			agent_serve(r->freed[i], TRG_AGENT);
		mem_deref(r->freed[i]);
	}
	engine_flush(r);
}


static void item_destructor(void *arg)
{
	struct routing_item *it = arg;

	item_end(it);

	list_flush(&it->blocks);
	list_flush(&it->decisions);
	mem_deref(it->from);
	mem_deref(it->cls);
	mem_deref(it->q);
}


void routing_item_end(struct routing_item *item)
{
	if (item)
		item_end(item);
}


int routing_item_add(struct routing_item **itemp, struct routing *r,
		     const struct routing_item_conf *c)
{
	struct routing_item *it;
	struct rqueue *q;
	struct req *x = NULL;
	uint16_t nx = 0;
	int err;

	if (!itemp || !r || !c || !c->queue || !c->size || c->priority > 10)
		return EINVAL;

	err = reqs_from(r->sk, &x, &nx, c->skills, c->nskills);
	if (err)
		return err;

	q = queue_find(r, c->queue);
	if (!q) {
		mem_deref(x);
		return ENOENT;
	}

	it = mem_zalloc(sizeof(*it), item_destructor);
	if (!it) {
		mem_deref(x);
		return ENOMEM;
	}

	err = iclass_get(&it->cls, q, x, nx);
	mem_deref(x);
	if (err) {
		mem_deref(it);
		return err;
	}

	engine_enter(r);

	it->r = r;
	it->q = mem_ref(q);
	it->owner = c->owner;
	it->size = c->size;
	it->priority = c->priority;
	it->state = ROUTING_ITEM_WAITING;
	it->arrival = it->entered = r->now;
	it->seq = ++r->seq;
	tnode_init(&it->node, hp_next(r), true);
	tnode_init(&it->anode, hp_next(r), false);
	list_append(&r->items, &it->le, it);
	stats_count(q, r->now, ST_OFFERED);

	it->trg = TRG_ARRIVAL;
	item_restage(it);
	item_place(it);

	*itemp = it;

	decide_item(it, TRG_ARRIVAL);
	engine_flush(r);

	return 0;
}


void *routing_item_owner(const struct routing_item *item)
{
	return item ? item->owner : NULL;
}


const char *routing_item_queue(const struct routing_item *item)
{
	return item && item->q ? item->q->id : NULL;
}


enum routing_item_state routing_item_state(const struct routing_item *item)
{
	return item ? item->state : ROUTING_ITEM_WAITING;
}
